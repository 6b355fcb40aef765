/* fathom-block-cache.c: free lists by size, and private arenas
 * (fathom-block-cache.h). */
#include "fathom-block-cache.h"

struct _FathomBlockCache
{
  GHashTable *lists;            /* size -> GSList of blocks */
  gsize       bytes;
};

struct _FathomBlockArena
{
  gatomicrefcount   ref;
  gboolean          released;
  FathomBlockCache *cache;      /* owned; NULL after release */
  gsize             bytes;      /* of every block made for it */
};

FathomBlockCache *
fathom_block_cache_new (void)
{
  FathomBlockCache *self = g_new0 (FathomBlockCache, 1);

  self->lists = g_hash_table_new (g_direct_hash, g_direct_equal);
  return self;
}

void
fathom_block_cache_free (FathomBlockCache *self)
{
  if (self == NULL)
    return;
  g_return_if_fail (self->bytes == 0 && g_hash_table_size (self->lists) == 0);
  g_hash_table_unref (self->lists);
  g_free (self);
}

gpointer
fathom_block_cache_take (FathomBlockCache *self, gsize size)
{
  gpointer key = GSIZE_TO_POINTER (size);
  GSList *list = g_hash_table_lookup (self->lists, key);
  gpointer block;

  if (list == NULL)
    return NULL;
  block = list->data;
  list = g_slist_delete_link (list, list);
  if (list != NULL)
    g_hash_table_insert (self->lists, key, list);
  else
    g_hash_table_remove (self->lists, key);
  self->bytes -= size;
  return block;
}

void
fathom_block_cache_put (FathomBlockCache *self, gpointer block, gsize size)
{
  gpointer key = GSIZE_TO_POINTER (size);
  GSList *list = g_hash_table_lookup (self->lists, key);

  g_hash_table_insert (self->lists, key, g_slist_prepend (list, block));
  self->bytes += size;
}

void
fathom_block_cache_drain (FathomBlockCache *self, FathomBlockFunc func, gpointer user_data)
{
  GHashTableIter iter;
  gpointer key, list;

  g_hash_table_iter_init (&iter, self->lists);
  while (g_hash_table_iter_next (&iter, &key, &list))
    {
      for (GSList *l = list; l != NULL; l = l->next)
        func (l->data, GPOINTER_TO_SIZE (key), user_data);
      g_slist_free (list);
    }
  g_hash_table_remove_all (self->lists);
  self->bytes = 0;
}

gsize
fathom_block_cache_get_bytes (FathomBlockCache *self)
{
  return self->bytes;
}

/* ---- arenas ------------------------------------------------------------------ */

FathomBlockArena *
fathom_block_arena_new (void)
{
  FathomBlockArena *self = g_new0 (FathomBlockArena, 1);

  g_atomic_ref_count_init (&self->ref);
  self->cache = fathom_block_cache_new ();
  return self;
}

FathomBlockArena *
fathom_block_arena_ref (FathomBlockArena *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
fathom_block_arena_unref (FathomBlockArena *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  /* the owner's reference goes at release, which empties the cache */
  g_warn_if_fail (self->released);
  fathom_block_cache_free (self->cache);
  g_free (self);
}

FathomBlockCache *
fathom_block_arena_home (FathomBlockArena *self, FathomBlockCache *general)
{
  return self->released ? general : self->cache;
}

FathomBlockCache *
fathom_block_arena_get_cache (FathomBlockArena *self)
{
  return self->cache;
}

static void
move_block (gpointer block, gsize size, gpointer user_data)
{
  fathom_block_cache_put (user_data, block, size);
}

void
fathom_block_arena_release (FathomBlockArena *self, FathomBlockCache *general)
{
  g_return_if_fail (!self->released);
  fathom_block_cache_drain (self->cache, move_block, general);
  fathom_block_cache_free (self->cache);
  self->cache = NULL;
  self->released = TRUE;
  self->bytes = 0;
  fathom_block_arena_unref (self);
}

gboolean
fathom_block_arena_is_released (FathomBlockArena *self)
{
  return self->released;
}

gsize
fathom_block_arena_get_bytes (FathomBlockArena *self)
{
  return self->bytes;
}

void
fathom_block_arena_add_bytes (FathomBlockArena *self, gsize size)
{
  self->bytes += size;
}
