/* fathom-cpu-backend.c: the CPU backend object, its parallel_for on a
 * FathomWorkerPool, and sgemm. */
#include "fathom-cpu-backend-private.h"

#include <cblas.h>
#include <string.h>

/* One fathom_cpu_parallel_for() call: [0, n) in n_chunks contiguous ranges. */
typedef struct {
  FathomCpuRangeFunc func;
  gpointer           data;
  gint64             n;
  guint              n_chunks;
} ParallelJob;

/* A scratch buffer carries its capacity in floats in the SCRATCH_HEADER
 * floats before it (64 bytes: the data stays as aligned as malloc's). */
#define SCRATCH_HEADER 16

static gsize
scratch_capacity (const float *p)
{
  gsize n;

  memcpy (&n, p - SCRATCH_HEADER, sizeof n);
  return n;
}

static void
scratch_free (float *p)
{
  if (p != NULL)
    g_free (p - SCRATCH_HEADER);
}

static void
cpu_finalize (FathomBackend *backend)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);

  g_clear_pointer (&self->pool, fathom_worker_pool_free);
  for (guint i = 0; i < FATHOM_CPU_SPARE_SLOTS; i++)
    scratch_free (self->spare[i]);
  g_mutex_clear (&self->spare_lock);
  g_free (self);
}

static void
host_free (gpointer data, gpointer user_data)
{
  g_free (data);
}

static float *
alloc_floats (gsize n, gboolean zeroed, const char *what, GError **error)
{
  float *p = zeroed ? g_try_malloc0_n (MAX (n, 1), sizeof (float)) : g_try_malloc_n (MAX (n, 1), sizeof (float));

  if (p == NULL)
    g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY,
                 "Out of host memory for %" G_GSIZE_FORMAT " bytes of %s", n * sizeof (float), what);
  return p;
}

float *
fathom_cpu_alloc_floats (gsize n, const char *what, GError **error)
{
  return alloc_floats (n, FALSE, what, error);
}

float *
fathom_cpu_alloc_zeros (gsize n, const char *what, GError **error)
{
  return alloc_floats (n, TRUE, what, error);
}

float *
fathom_cpu_scratch_acquire (FathomCpuBackend *self, gsize n, gboolean zeroed, const char *what,
                            GError **error)
{
  float *p = NULL;
  int best = -1;

  n = MAX (n, 1);
  g_mutex_lock (&self->spare_lock);
  for (int i = 0; i < FATHOM_CPU_SPARE_SLOTS; i++)
    if (self->spare[i] != NULL && scratch_capacity (self->spare[i]) >= n &&
        (best < 0 || scratch_capacity (self->spare[i]) < scratch_capacity (self->spare[best])))
      best = i;
  if (best >= 0)
    {
      p = self->spare[best];
      self->spare[best] = NULL;
    }
  g_mutex_unlock (&self->spare_lock);
  if (p == NULL)
    {
      /* zeros (free for a fresh mapping): a buffer never holds stray
       * bytes, only zeros or what a caller wrote */
      float *base = alloc_floats (n + SCRATCH_HEADER, TRUE, what, error);

      if (base == NULL)
        return NULL;
      p = base + SCRATCH_HEADER;
      memcpy (base, &n, sizeof n);
    }
  else if (zeroed)
    memset (p, 0, n * sizeof (float));
  return p;
}

/* Kept in an empty slot, or in place of the smallest smaller one. */
void
fathom_cpu_scratch_release (FathomCpuBackend *self, float *p)
{
  int slot = -1;

  if (p == NULL)
    return;
  g_mutex_lock (&self->spare_lock);
  for (int i = 0; i < FATHOM_CPU_SPARE_SLOTS; i++)
    if (self->spare[i] == NULL)
      {
        slot = i;
        break;
      }
    else if (scratch_capacity (self->spare[i]) < scratch_capacity (p) &&
             (slot < 0 || scratch_capacity (self->spare[i]) < scratch_capacity (self->spare[slot])))
      slot = i;
  if (slot >= 0)
    {
      float *old = self->spare[slot];

      self->spare[slot] = p;
      p = old;
    }
  g_mutex_unlock (&self->spare_lock);
  scratch_free (p);
}

static FathomStorage *
cpu_alloc (FathomBackend *self, gsize bytes, GError **error)
{
  gpointer data = g_try_malloc0 (MAX (bytes, 1));

  if (data == NULL)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY,
                   "Out of host memory allocating %" G_GSIZE_FORMAT " bytes", bytes);
      return NULL;
    }
  return fathom_storage_new_wrapped (FATHOM_LOCATION_HOST, data, bytes, host_free, NULL);
}

static gboolean
cpu_upload (FathomBackend *self, FathomTensor *dst, const float *src, GError **error)
{
  memcpy (fathom_tensor_raw (dst), src, dst->numel * sizeof (float));
  return TRUE;
}

static gboolean
cpu_download (FathomBackend *self, const FathomTensor *src, float *dst, GError **error)
{
  memcpy (dst, fathom_tensor_raw (src), src->numel * sizeof (float));
  return TRUE;
}

static const FathomBackendOps *
cpu_ops (void)
{
  static FathomBackendOps ops;
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      ops.finalize = cpu_finalize;
      ops.alloc = cpu_alloc;
      ops.upload = cpu_upload;
      ops.download = cpu_download;
      fathom_cpu_basic_install (&ops);
      fathom_cpu_conv_install (&ops);
      fathom_cpu_pool_install (&ops);
      fathom_cpu_dense_install (&ops);
      fathom_cpu_norm_install (&ops);
      fathom_cpu_elementwise_install (&ops);
      fathom_cpu_rnn_install (&ops);
      fathom_cpu_loss_install (&ops);
      fathom_cpu_optim_install (&ops);
      g_once_init_leave (&initialized, 1);
    }
  return &ops;
}

static void
run_chunk (guint chunk, gpointer data)
{
  ParallelJob *job = data;

  job->func (job->n * chunk / job->n_chunks, job->n * (chunk + 1) / job->n_chunks,
             chunk, job->data);
}

FathomBackend *
fathom_cpu_backend_new (FathomCpuPath path, guint n_threads)
{
  FathomCpuBackend *self = g_new0 (FathomCpuBackend, 1);

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  fathom_backend_init (&self->parent, cpu_ops (),
                       path == FATHOM_CPU_PATH_FAST ? "cpu" : "cpu-reference");
  self->path = path;
  self->n_threads = MAX (n_threads, 1);
  g_mutex_init (&self->spare_lock);
  self->winograd = path == FATHOM_CPU_PATH_FAST &&
                   g_strcmp0 (g_getenv ("FATHOM_CPU_WINOGRAD"), "0") != 0;
  self->winograd_all_planes = g_strcmp0 (g_getenv ("FATHOM_CPU_WINOGRAD"), "all") == 0;
  /* The caller of each op runs one chunk: n_threads - 1 workers. */
  if (self->n_threads > 1)
    self->pool = fathom_worker_pool_new (self->n_threads - 1);
  /* We parallelise ourselves (over the batch, or over rows of C), so
   * OpenBLAS must not start threads of its own inside ours. */
  openblas_set_num_threads (1);
  return &self->parent;
}

FathomCpuPath
fathom_cpu_backend_get_path (FathomBackend *self)
{
  g_return_val_if_fail (fathom_backend_is_cpu (self), FATHOM_CPU_PATH_REFERENCE);
  return FATHOM_CPU (self)->path;
}

gboolean
fathom_backend_is_cpu (FathomBackend *self)
{
  return self != NULL && self->ops == cpu_ops ();
}

guint
fathom_cpu_n_chunks (FathomCpuBackend *self, gint64 n)
{
  if (n <= 0)
    return 0;
  return (guint) MIN ((gint64) self->n_threads, n);
}

void
fathom_cpu_parallel_for (FathomCpuBackend   *self,
                         gint64              n,
                         FathomCpuRangeFunc  func,
                         gpointer            data)
{
  ParallelJob job = { func, data, n, fathom_cpu_n_chunks (self, n) };

  if (job.n_chunks == 0)
    return;
  if (job.n_chunks == 1 || self->pool == NULL)
    {
      func (0, n, 0, data);
      return;
    }
  fathom_worker_pool_run (self->pool, job.n_chunks, run_chunk, &job);
}

/* ---- sgemm ---------------------------------------------------------------- */

typedef struct {
  gboolean trans_a, trans_b;
  gint64 n, k;
  float alpha, beta;
  const float *a, *b;
  float *c;
  gint64 lda, ldb, ldc;
} GemmArgs;

static void
gemm_rows_fast (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const GemmArgs *g = data;
  /* Rows of op(A): row i starts at a + i*lda, or at column i when transposed. */
  const float *a = g->trans_a ? g->a + begin : g->a + begin * g->lda;

  cblas_sgemm (CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans,
               g->trans_b ? CblasTrans : CblasNoTrans,
               (int) (end - begin), (int) g->n, (int) g->k, g->alpha,
               a, (int) g->lda, g->b, (int) g->ldb, g->beta,
               g->c + begin * g->ldc, (int) g->ldc);
}

static void
gemm_rows_reference (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const GemmArgs *g = data;

  for (gint64 i = begin; i < end; i++)
    for (gint64 j = 0; j < g->n; j++)
      {
        double acc = 0.0;
        float *c = &g->c[i * g->ldc + j];

        for (gint64 p = 0; p < g->k; p++)
          {
            float av = g->trans_a ? g->a[p * g->lda + i] : g->a[i * g->lda + p];
            float bv = g->trans_b ? g->b[j * g->ldb + p] : g->b[p * g->ldb + j];
            acc += (double) av * bv;
          }
        /* beta 0 overwrites, so NaN or garbage in C never leaks through. */
        *c = (float) (g->alpha * acc + (g->beta == 0.f ? 0.0 : (double) g->beta * *c));
      }
}

void
fathom_cpu_sgemm (FathomCpuBackend *self,
                  gboolean trans_a, gboolean trans_b,
                  gint64 m, gint64 n, gint64 k,
                  float alpha, const float *a, gint64 lda,
                  const float *b, gint64 ldb,
                  float beta, float *c, gint64 ldc)
{
  GemmArgs args = { trans_a, trans_b, n, k, alpha, beta, a, b, c, lda, ldb, ldc };

  if (m <= 0 || n <= 0)
    return;
  if (k == 0)
    {
      for (gint64 i = 0; i < m; i++)
        for (gint64 j = 0; j < n; j++)
          c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
      return;
    }
  if (self->path == FATHOM_CPU_PATH_REFERENCE)
    {
      gemm_rows_reference (0, m, 0, &args);
      return;
    }
  /* Small products are not worth waking the pool for. */
  if ((double) m * n * k < 64.0 * 64 * 64)
    gemm_rows_fast (0, m, 0, &args);
  else
    fathom_cpu_parallel_for (self, m, gemm_rows_fast, &args);
}
