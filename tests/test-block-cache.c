/* test-block-cache.c: the caching allocator's bookkeeping (free lists by
 * size, and the private arenas of captured graphs), without a device.
 * The blocks are plain host pointers standing for device addresses. */
#include "fathom-block-cache.h"

static char memory[8][1024];

static void
count_block (gpointer block, gsize size, gpointer user_data)
{
  gsize *bytes = user_data;

  *bytes += size;
}

static void
test_cache (void)
{
  FathomBlockCache *cache = fathom_block_cache_new ();
  gsize drained = 0;

  g_assert_null (fathom_block_cache_take (cache, 512));
  fathom_block_cache_put (cache, memory[0], 512);
  fathom_block_cache_put (cache, memory[1], 512);
  fathom_block_cache_put (cache, memory[2], 1024);
  g_assert_cmpuint (fathom_block_cache_get_bytes (cache), ==, 2048);
  /* exact sizes only, last in first out */
  g_assert_null (fathom_block_cache_take (cache, 768));
  g_assert_true (fathom_block_cache_take (cache, 512) == memory[1]);
  g_assert_true (fathom_block_cache_take (cache, 512) == memory[0]);
  g_assert_null (fathom_block_cache_take (cache, 512));
  g_assert_cmpuint (fathom_block_cache_get_bytes (cache), ==, 1024);
  fathom_block_cache_drain (cache, count_block, &drained);
  g_assert_cmpuint (drained, ==, 1024);
  g_assert_cmpuint (fathom_block_cache_get_bytes (cache), ==, 0);
  g_assert_null (fathom_block_cache_take (cache, 1024));
  fathom_block_cache_free (cache);
}

/* What the allocator does with an arena over a captured graph's life. */
static void
test_arena (void)
{
  FathomBlockCache *general = fathom_block_cache_new ();
  FathomBlockArena *arena = fathom_block_arena_new ();
  FathomBlockArena *block_ref;
  gsize drained = 0;

  /* a block the general cache holds is not the arena's to hand out */
  fathom_block_cache_put (general, memory[0], 512);
  g_assert_null (fathom_block_cache_take (fathom_block_arena_get_cache (arena), 512));

  /* made during the capture (cudaMalloc): the block holds the arena */
  block_ref = fathom_block_arena_ref (arena);
  fathom_block_arena_add_bytes (arena, 512);
  g_assert_cmpuint (fathom_block_arena_get_bytes (arena), ==, 512);
  /* freed inside the capture: back to the arena, not the general cache */
  g_assert_true (fathom_block_arena_home (arena, general) == fathom_block_arena_get_cache (arena));
  fathom_block_cache_put (fathom_block_arena_home (arena, general), memory[1], 512);
  fathom_block_arena_unref (block_ref);
  g_assert_cmpuint (fathom_block_cache_get_bytes (general), ==, 512);
  /* a later allocation of the capture reuses it */
  g_assert_true (fathom_block_cache_take (fathom_block_arena_get_cache (arena), 512) == memory[1]);
  block_ref = fathom_block_arena_ref (arena);
  /* another freed block stays reserved for the graph... */
  fathom_block_cache_put (fathom_block_arena_get_cache (arena), memory[2], 1024);
  g_assert_cmpuint (fathom_block_cache_get_bytes (general), ==, 512);
  g_assert_false (fathom_block_arena_is_released (arena));

  /* ...until the graph goes: its free blocks join the general cache */
  fathom_block_arena_release (arena, general);
  g_assert_true (fathom_block_arena_is_released (arena));
  g_assert_cmpuint (fathom_block_cache_get_bytes (general), ==, 512 + 1024);
  g_assert_true (fathom_block_cache_take (general, 1024) == memory[2]);
  /* and a block still in use then follows when it is freed */
  g_assert_true (fathom_block_arena_home (arena, general) == general);
  fathom_block_cache_put (fathom_block_arena_home (arena, general), memory[1], 512);
  fathom_block_arena_unref (block_ref);        /* the arena's last reference */
  g_assert_cmpuint (fathom_block_cache_get_bytes (general), ==, 1024);

  fathom_block_cache_drain (general, count_block, &drained);
  g_assert_cmpuint (drained, ==, 1024);
  fathom_block_cache_free (general);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/block-cache/free-lists", test_cache);
  g_test_add_func ("/block-cache/arena", test_arena);
  return g_test_run ();
}
