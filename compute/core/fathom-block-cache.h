/* fathom-block-cache.h: the bookkeeping of a caching device allocator,
 * without the device (pure GLib, so that it is tested everywhere).
 *
 * A FathomBlockCache holds free blocks (opaque pointers) in lists keyed by
 * their rounded size. A FathomBlockArena is a private cache that a
 * captured CUDA graph owns: while the graph is being captured, blocks come
 * from it and go back to it, so that an address the graph's kernels use
 * is never handed to any other tensor while the graph exists. Releasing
 * the arena (the graph is destroyed) moves its free blocks to the general
 * cache; blocks of the arena still in use go there when they are freed.
 *
 * None of it locks: the allocator (fathom-cuda-allocator.c) holds its own
 * lock around every call.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FathomBlockCache FathomBlockCache;
typedef struct _FathomBlockArena FathomBlockArena;

/* Called for each block a cache lets go of (to cudaFree it). */
typedef void (*FathomBlockFunc) (gpointer block,
                                 gsize    size,
                                 gpointer user_data);

FathomBlockCache *fathom_block_cache_new       (void);
/* Every cached block must have been drained first. */
void              fathom_block_cache_free      (FathomBlockCache *self);
/* A free block of exactly @size, or NULL. */
gpointer          fathom_block_cache_take      (FathomBlockCache *self,
                                                gsize             size);
void              fathom_block_cache_put       (FathomBlockCache *self,
                                                gpointer          block,
                                                gsize             size);
/* Empties the cache, handing each block to @func. */
void              fathom_block_cache_drain     (FathomBlockCache *self,
                                                FathomBlockFunc   func,
                                                gpointer          user_data);
gsize             fathom_block_cache_get_bytes (FathomBlockCache *self);

/* An arena with one reference (its owner's); each block allocated for it
 * takes another (fathom_block_arena_ref) and drops it when freed. */
FathomBlockArena *fathom_block_arena_new       (void);
FathomBlockArena *fathom_block_arena_ref       (FathomBlockArena *self);
void              fathom_block_arena_unref     (FathomBlockArena *self);
/* Where a block of this arena goes when it is freed: the arena's own
 * cache while the arena is held, @general after its release. */
FathomBlockCache *fathom_block_arena_home      (FathomBlockArena *self,
                                                FathomBlockCache *general);
/* The arena's free blocks, for its allocations (NULL after release). */
FathomBlockCache *fathom_block_arena_get_cache (FathomBlockArena *self);
/* The owner is done (the graph is destroyed): the free blocks move to
 * @general, later frees go there too; drops the owner's reference. */
void              fathom_block_arena_release   (FathomBlockArena *self,
                                                FathomBlockCache *general);
gboolean          fathom_block_arena_is_released (FathomBlockArena *self);
/* Bytes of the arena's blocks, free or in use (until release). */
gsize             fathom_block_arena_get_bytes (FathomBlockArena *self);
void              fathom_block_arena_add_bytes (FathomBlockArena *self,
                                                gsize             size);

G_END_DECLS
