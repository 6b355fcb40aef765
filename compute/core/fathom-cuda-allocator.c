/* fathom-cuda-allocator.c: the CUDA backend's caching device allocator.
 *
 * cudaMalloc and cudaFree are slow (and cudaFree synchronises the device),
 * while training allocates the same sizes every batch, so freed blocks go
 * to free lists keyed by their rounded size and are reused. The pool is
 * reference counted: tensors may outlive their backend (a model kept after
 * its worker ends), and a block released after the backend went is handed
 * straight to cudaFree.
 */
#include "fathom-cuda-backend-private.h"
#include "fathom-tsan.h"

struct _FathomCudaPool
{
  gatomicrefcount ref;
  GMutex          lock;
  int             device;
  gboolean        closed;       /* the backend is gone: free, don't cache */
  GHashTable     *free_lists;   /* rounded size -> GSList of device pointers */
  gsize           cached_bytes;
};

struct _FathomCudaBlock
{
  FathomCudaPool *pool;         /* owned reference */
  gpointer        data;
  gsize           size;         /* rounded */
};

/* ---- the caching allocator ------------------------------------------------- */

/* Sizes round up to a multiple of an eighth of their power of two (at
 * least 512 bytes): at most 12.5% waste, few distinct free lists. */
static gsize
round_size (gsize bytes)
{
  gsize step = 512;

  while (step < G_MAXSIZE / 16 && step * 8 < bytes)
    step *= 2;
  return (MAX (bytes, 1) + step - 1) / step * step;
}

FathomCudaPool *
fathom_cuda_pool_new (int device)
{
  FathomCudaPool *pool = g_new0 (FathomCudaPool, 1);

  g_atomic_ref_count_init (&pool->ref);
  g_mutex_init (&pool->lock);
  pool->device = device;
  pool->free_lists = g_hash_table_new (g_direct_hash, g_direct_equal);
  return pool;
}

/* cudaFree every cached block; the caller holds the lock. */
static void
pool_flush_locked (FathomCudaPool *pool)
{
  GHashTableIter iter;
  gpointer list;

  cudaSetDevice (pool->device);
  g_hash_table_iter_init (&iter, pool->free_lists);
  while (g_hash_table_iter_next (&iter, NULL, &list))
    {
      for (GSList *l = list; l != NULL; l = l->next)
        cudaFree (l->data);
      g_slist_free (list);
    }
  g_hash_table_remove_all (pool->free_lists);
  pool->cached_bytes = 0;
  /* A free during process teardown may fail harmlessly; forget it. */
  (void) cudaGetLastError ();
}

void
fathom_cuda_pool_flush (FathomCudaPool *pool)
{
  fathom_tsan_mutex_lock (&pool->lock);
  pool_flush_locked (pool);
  fathom_tsan_mutex_unlock (&pool->lock);
}

static void
pool_unref (FathomCudaPool *pool)
{
  if (!g_atomic_ref_count_dec (&pool->ref))
    return;
  fathom_cuda_pool_flush (pool);
  g_hash_table_unref (pool->free_lists);
  g_mutex_clear (&pool->lock);
  g_free (pool);
}

static gpointer
pool_take_cached (FathomCudaPool *pool, gsize size)
{
  gpointer key = GSIZE_TO_POINTER (size);
  GSList *list;
  gpointer data = NULL;

  fathom_tsan_mutex_lock (&pool->lock);
  list = g_hash_table_lookup (pool->free_lists, key);
  if (list != NULL)
    {
      data = list->data;
      list = g_slist_delete_link (list, list);
      if (list != NULL)
        g_hash_table_insert (pool->free_lists, key, list);
      else
        g_hash_table_remove (pool->free_lists, key);
      pool->cached_bytes -= size;
    }
  fathom_tsan_mutex_unlock (&pool->lock);
  return data;
}

static gboolean
out_of_memory (gsize bytes, GError **error)
{
  size_t free_bytes = 0, total_bytes = 0;

  (void) cudaGetLastError ();
  if (cudaMemGetInfo (&free_bytes, &total_bytes) != cudaSuccess)
    (void) cudaGetLastError ();
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY,
               "GPU out of memory allocating %" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT
               " free of %" G_GSIZE_FORMAT ")", bytes, (gsize) free_bytes, (gsize) total_bytes);
  return FALSE;
}

FathomCudaBlock *
fathom_cuda_block_new (FathomCudaBackend *self, gsize bytes, GError **error)
{
  FathomCudaPool *pool = self->pool;
  gsize size;
  gpointer data;
  cudaError_t err;
  FathomCudaBlock *block;

  /* Beyond any card; also keeps the rounding from overflowing. */
  if (bytes > G_MAXSIZE / 4)
    {
      out_of_memory (bytes, error);
      return NULL;
    }
  size = round_size (bytes);
  data = pool_take_cached (pool, size);
  if (data == NULL)
    {
      cudaSetDevice (self->device);
      err = cudaMalloc (&data, size);
      if (err == cudaErrorMemoryAllocation)
        {
          /* The cache may hold what we need in other sizes: give it all
           * back to the driver and try once more. */
          (void) cudaGetLastError ();
          fathom_cuda_pool_flush (pool);
          err = cudaMalloc (&data, size);
          if (err == cudaErrorMemoryAllocation)
            {
              out_of_memory (bytes, error);
              return NULL;
            }
        }
      if (!fathom_cuda_check (err, "cudaMalloc", error))
        return NULL;
    }

  block = g_new (FathomCudaBlock, 1);
  g_atomic_ref_count_inc (&pool->ref);
  block->pool = pool;
  block->data = data;
  block->size = size;
  return block;
}

gpointer
fathom_cuda_block_data (FathomCudaBlock *block)
{
  return block->data;
}

void
fathom_cuda_block_free (FathomCudaBlock *block)
{
  FathomCudaPool *pool;

  if (block == NULL)
    return;
  pool = block->pool;
  fathom_tsan_mutex_lock (&pool->lock);
  if (pool->closed)
    {
      cudaSetDevice (pool->device);
      cudaFree (block->data);
      (void) cudaGetLastError ();
    }
  else
    {
      gpointer key = GSIZE_TO_POINTER (block->size);
      GSList *list = g_hash_table_lookup (pool->free_lists, key);

      g_hash_table_insert (pool->free_lists, key, g_slist_prepend (list, block->data));
      pool->cached_bytes += block->size;
    }
  fathom_tsan_mutex_unlock (&pool->lock);
  g_free (block);
  pool_unref (pool);
}

void
fathom_cuda_block_release (gpointer data, gpointer block)
{
  fathom_cuda_block_free (block);
}

void
fathom_cuda_pool_close (FathomCudaPool *pool)
{
  fathom_tsan_mutex_lock (&pool->lock);
  pool->closed = TRUE;
  pool_flush_locked (pool);
  fathom_tsan_mutex_unlock (&pool->lock);
  pool_unref (pool);
}

gsize
fathom_cuda_pool_get_cached_bytes (FathomCudaPool *pool)
{
  gsize bytes;

  fathom_tsan_mutex_lock (&pool->lock);
  bytes = pool->cached_bytes;
  fathom_tsan_mutex_unlock (&pool->lock);
  return bytes;
}
