/* fathom-thumbnail-cache.h: photo thumbnails decoded off the main thread,
 * kept in a bounded most-recently-used cache.
 *
 * A request queues a decode (fathom_image_load, then a box-filtered shrink
 * to fit inside the thumbnail size, aspect kept, no letterbox) for a small
 * pool of worker threads. The newest request is served first, since it is
 * the cell the user scrolled to last; cancelling a token (a cell scrolled
 * away) removes the request at once, so the queue only ever holds what
 * bound cells still wait for. Requests for a path already queued or being
 * decoded share that decode.
 *
 * Results come back on the main context of the thread that created the
 * cache, in batches (one idle for everything finished since the last one):
 * the "loaded" signal, then each waiting callback. A failed decode is
 * cached too (as its error message), so a corrupt file is read only once.
 * Main-thread only, apart from the workers it runs itself.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FATHOM_TYPE_THUMBNAIL_CACHE (fathom_thumbnail_cache_get_type ())
G_DECLARE_FINAL_TYPE (FathomThumbnailCache, fathom_thumbnail_cache, FATHOM, THUMBNAIL_CACHE, GObject)

/* texture: NULL when the file failed, error_message then says why. Both
 * borrowed for the call. */
typedef void (*FathomThumbnailFunc) (FathomThumbnailCache *cache,
                                     guint                 token,
                                     const char           *path,
                                     GdkTexture           *texture,
                                     const char           *error_message,
                                     gpointer              user_data);

typedef struct {
  guint   n_cached;             /* textures and failures held */
  guint   n_queued;             /* decodes waiting for a worker */
  guint   peak_queued;          /* most n_queued since creation or reset_peak */
  guint   n_waiting;            /* live tokens */
  guint64 n_requests;           /* tokens handed out */
  guint64 n_cancelled;          /* tokens cancelled before their result */
  guint64 n_decoded;            /* decodes finished, failed ones included */
  guint64 n_failed;
  guint64 n_evicted;
  guint64 n_delivered;          /* callbacks made */
  guint64 n_batches;            /* idles that delivered */
} FathomThumbnailStats;

#define FATHOM_THUMBNAIL_WIDTH     160
#define FATHOM_THUMBNAIL_HEIGHT    120
#define FATHOM_THUMBNAIL_CAPACITY  2000
#define FATHOM_THUMBNAIL_N_THREADS 2   /* at most, and one fewer than the processors */

/* Thumbnails fit inside max_width x max_height; capacity: how many
 * thumbnails (and failures) stay cached, at least 1. */
FathomThumbnailCache *fathom_thumbnail_cache_new      (int                   max_width,
                                                       int                   max_height,
                                                       guint                 capacity);

/* The thumbnail size of a width x height photo: the aspect kept, the
 * limiting side exactly max, the other rounded, at least 1. */
void         fathom_thumbnail_cache_fit_size          (int                   width,
                                                       int                   height,
                                                       int                   max_width,
                                                       int                   max_height,
                                                       int                  *out_width,
                                                       int                  *out_height);

void         fathom_thumbnail_cache_get_max_size      (FathomThumbnailCache *self,
                                                       int                  *max_width,
                                                       int                  *max_height);
/* Lowering it evicts the least recently used at once. */
void         fathom_thumbnail_cache_set_capacity      (FathomThumbnailCache *self,
                                                       guint                 capacity);
guint        fathom_thumbnail_cache_get_capacity      (FathomThumbnailCache *self);

/* TRUE when path's result is cached (and marks it recently used): texture
 * set, or NULL with error_message set. Both borrowed; either may be NULL. */
gboolean     fathom_thumbnail_cache_lookup            (FathomThumbnailCache *self,
                                                       const char           *path,
                                                       GdkTexture          **texture,
                                                       const char          **error_message);

/* Asks for path's thumbnail. A cached result calls func before returning
 * and gives 0; otherwise func is called later, once, on the main context,
 * unless the returned token (never 0) is cancelled first. */
guint        fathom_thumbnail_cache_request           (FathomThumbnailCache *self,
                                                       const char           *path,
                                                       FathomThumbnailFunc   func,
                                                       gpointer              user_data);
/* func will not be called for token. 0 and spent tokens are ignored. */
void         fathom_thumbnail_cache_cancel            (FathomThumbnailCache *self,
                                                       guint                 token);

/* Serves token's decode next (its cell is on screen, while the newest
 * requests may be for cells bound beyond the edge). Spent tokens are
 * ignored. */
void         fathom_thumbnail_cache_promote           (FathomThumbnailCache *self,
                                                       guint                 token);

/* Forgets every thumbnail and drops every pending request without calling
 * back (files changed on disk: a new dataset). Decodes under way finish
 * and are thrown away. */
void         fathom_thumbnail_cache_clear             (FathomThumbnailCache *self);

void         fathom_thumbnail_cache_get_stats         (FathomThumbnailCache *self,
                                                       FathomThumbnailStats *stats);
void         fathom_thumbnail_cache_reset_peak        (FathomThumbnailCache *self);

G_END_DECLS
