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
#include "fathom-block-cache.h"
#include "fathom-tsan.h"

struct _FathomCudaPool
{
  gatomicrefcount   ref;
  GMutex            lock;
  int               device;
  gboolean          closed;     /* the backend is gone: free, don't cache */
  FathomBlockCache *cache;      /* free blocks of no arena */
  FathomBlockArena *capturing;  /* a reference while a graph is captured: blocks come from it */
  gsize             held;       /* bytes from cudaMalloc not yet given back: in use and cached */
  gsize             limit;      /* on held; 0: none (fathom_cuda_pool_set_limit) */
};

struct _FathomCudaBlock
{
  FathomCudaPool   *pool;       /* owned reference */
  FathomBlockArena *arena;      /* owned reference, or NULL: the arena it was made for */
  gpointer          data;
  gsize             size;       /* rounded */
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
  pool->cache = fathom_block_cache_new ();
  return pool;
}

static void
free_block (gpointer data, gsize size, gpointer user_data)
{
  FathomCudaPool *pool = user_data;

  cudaFree (data);
  pool->held -= size;
}

/* cudaFree every cached block of no arena; the caller holds the lock.
 * Never during a capture: cudaFree synchronises, which would end it. */
static void
pool_flush_locked (FathomCudaPool *pool)
{
  cudaSetDevice (pool->device);
  fathom_block_cache_drain (pool->cache, free_block, pool);
  /* A free during process teardown may fail harmlessly; forget it. */
  (void) cudaGetLastError ();
}

void
fathom_cuda_pool_flush (FathomCudaPool *pool)
{
  fathom_tsan_mutex_lock (&pool->lock);
  /* a trim asked for during a capture waits for the next one */
  if (pool->capturing == NULL)
    pool_flush_locked (pool);
  fathom_tsan_mutex_unlock (&pool->lock);
}

static void
pool_unref (FathomCudaPool *pool)
{
  if (!g_atomic_ref_count_dec (&pool->ref))
    return;
  fathom_cuda_pool_flush (pool);
  fathom_block_cache_free (pool->cache);
  g_mutex_clear (&pool->lock);
  g_free (pool);
}

/* A cached block of @size for a new allocation: from the arena being
 * captured into, if any, else from the general cache. *arena gets a
 * reference to that arena (NULL when none). */
static gpointer
pool_take_cached (FathomCudaPool *pool, gsize size, FathomBlockArena **arena)
{
  gpointer data;

  fathom_tsan_mutex_lock (&pool->lock);
  *arena = pool->capturing != NULL ? fathom_block_arena_ref (pool->capturing) : NULL;
  if (*arena != NULL)
    data = fathom_block_cache_take (fathom_block_arena_get_cache (*arena), size);
  else
    data = fathom_block_cache_take (pool->cache, size);
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

/* The limit, where one is set, leaves room for @size more bytes. Without
 * a capture the cache is given back first, as on a real failure. */
static gboolean
within_limit (FathomCudaPool *pool, gsize size, gsize *limit, gsize *held)
{
  gboolean ok;

  fathom_tsan_mutex_lock (&pool->lock);
  if (pool->limit != 0 && pool->held + size > pool->limit && pool->capturing == NULL)
    pool_flush_locked (pool);
  ok = pool->limit == 0 || pool->held + size <= pool->limit;
  *limit = pool->limit;
  *held = pool->held;
  fathom_tsan_mutex_unlock (&pool->lock);
  return ok;
}

void
fathom_cuda_pool_set_limit (FathomCudaPool *pool, gsize bytes)
{
  fathom_tsan_mutex_lock (&pool->lock);
  pool->limit = bytes;
  /* the cache counts: give it back at once where it is over the limit */
  if (bytes != 0 && pool->held > bytes && pool->capturing == NULL)
    pool_flush_locked (pool);
  fathom_tsan_mutex_unlock (&pool->lock);
}

/* cudaMalloc while a graph is captured on this thread: it is no stream
 * operation, so the capture would call it unsafe and fail; the block it
 * returns belongs to the arena, fixed for the graph's life, which is
 * what makes it safe. The thread's capture mode is relaxed around it. */
static cudaError_t
device_malloc (void **data, gsize size, gboolean capturing)
{
  enum cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
  cudaError_t err;

  if (capturing && cudaThreadExchangeStreamCaptureMode (&mode) != cudaSuccess)
    return cudaGetLastError ();
  err = cudaMalloc (data, size);
  if (capturing && cudaThreadExchangeStreamCaptureMode (&mode) != cudaSuccess && err == cudaSuccess)
    {
      err = cudaGetLastError ();
      cudaFree (*data);
      *data = NULL;
    }
  return err;
}

FathomCudaBlock *
fathom_cuda_block_new (FathomCudaBackend *self, gsize bytes, GError **error)
{
  FathomCudaPool *pool = self->pool;
  FathomBlockArena *arena = NULL;
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
  data = pool_take_cached (pool, size, &arena);
  if (data == NULL)
    {
      gsize limit, held;

      if (!within_limit (pool, size, &limit, &held))
        {
          g_autofree char *limit_text = g_format_size_full (limit, G_FORMAT_SIZE_IEC_UNITS);
          g_autofree char *held_text = g_format_size_full (held, G_FORMAT_SIZE_IEC_UNITS);

          g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY,
                       "GPU out of memory allocating %" G_GSIZE_FORMAT " bytes: the backend's memory limit "
                       "of %s is reached (%s held)", bytes, limit_text, held_text);
          fathom_block_arena_unref (arena);
          return NULL;
        }
      if (arena == NULL)
        cudaSetDevice (self->device);
      err = device_malloc (&data, size, arena != NULL);
      /* The cache may hold what we need in other sizes: give it all back
       * to the driver and try once more; not while capturing, as
       * cudaFree would end the capture. */
      if (err == cudaErrorMemoryAllocation && arena == NULL)
        {
          (void) cudaGetLastError ();
          fathom_cuda_pool_flush (pool);
          err = cudaMalloc (&data, size);
        }
      if (err == cudaErrorMemoryAllocation)
        {
          out_of_memory (bytes, error);
          fathom_block_arena_unref (arena);
          return NULL;
        }
      if (!fathom_cuda_check (err, "cudaMalloc", error))
        {
          fathom_block_arena_unref (arena);
          return NULL;
        }
      fathom_tsan_mutex_lock (&pool->lock);
      pool->held += size;
      if (arena != NULL)
        fathom_block_arena_add_bytes (arena, size);
      fathom_tsan_mutex_unlock (&pool->lock);
    }

  block = g_new (FathomCudaBlock, 1);
  g_atomic_ref_count_inc (&pool->ref);
  block->pool = pool;
  block->arena = arena;
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
  FathomBlockArena *arena;

  if (block == NULL)
    return;
  pool = block->pool;
  arena = block->arena;
  fathom_tsan_mutex_lock (&pool->lock);
  /* A block of a live arena goes back to it whatever else happened: the
   * graph may still use its address. */
  if (arena != NULL && !fathom_block_arena_is_released (arena))
    fathom_block_cache_put (fathom_block_arena_get_cache (arena), block->data, block->size);
  /* A block made before a capture and freed inside it: the captured
   * kernels may use its address, so it stays with the graph's arena (and
   * reaches the general cache when the graph is gone), not where the next
   * eager tensor would get it. */
  else if (pool->capturing != NULL)
    fathom_block_cache_put (fathom_block_arena_get_cache (pool->capturing), block->data, block->size);
  else if (pool->closed)
    {
      cudaSetDevice (pool->device);
      cudaFree (block->data);
      (void) cudaGetLastError ();
      pool->held -= block->size;
    }
  else
    fathom_block_cache_put (pool->cache, block->data, block->size);
  if (arena != NULL)
    fathom_block_arena_unref (arena);
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
  bytes = fathom_block_cache_get_bytes (pool->cache);
  fathom_tsan_mutex_unlock (&pool->lock);
  return bytes;
}

/* ---- arenas for captured graphs ------------------------------------------------ */

FathomBlockArena *
fathom_cuda_pool_begin_arena (FathomCudaPool *pool)
{
  FathomBlockArena *arena = fathom_block_arena_new ();

  fathom_tsan_mutex_lock (&pool->lock);
  g_warn_if_fail (pool->capturing == NULL);
  pool->capturing = fathom_block_arena_ref (arena);
  fathom_tsan_mutex_unlock (&pool->lock);
  return arena;
}

void
fathom_cuda_pool_end_arena (FathomCudaPool *pool)
{
  FathomBlockArena *arena;

  fathom_tsan_mutex_lock (&pool->lock);
  arena = g_steal_pointer (&pool->capturing);
  if (arena != NULL)
    fathom_block_arena_unref (arena);
  fathom_tsan_mutex_unlock (&pool->lock);
}

/* The graph is gone: its free blocks join the general cache (or, after
 * the backend went, go to cudaFree), and its blocks still in use follow
 * when they are freed. */
void
fathom_cuda_pool_release_arena (FathomCudaPool *pool, FathomBlockArena *arena)
{
  fathom_tsan_mutex_lock (&pool->lock);
  fathom_block_arena_release (arena, pool->cache);
  if (pool->closed)
    pool_flush_locked (pool);
  fathom_tsan_mutex_unlock (&pool->lock);
}
