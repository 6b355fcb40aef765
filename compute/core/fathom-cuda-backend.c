/* fathom-cuda-backend.c: the CUDA backend object, error reporting,
 * transfers, sgemm and the basic slots. The caching allocator is in
 * fathom-cuda-allocator.c.
 */
#include "fathom-cuda-backend-private.h"

#include <limits.h>

/* ---- errors ---------------------------------------------------------------- */

/* Faults inside a kernel poison the whole CUDA context of the process:
 * every later call fails too, so the user should hear that. */
static gboolean
is_sticky (cudaError_t err)
{
  switch (err)
    {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorAssert:
    case cudaErrorLaunchTimeout:
    case cudaErrorECCUncorrectable:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
fathom_cuda_check (int status, const char *what, GError **error)
{
  cudaError_t err = (cudaError_t) status;

  if (err == cudaSuccess)
    return TRUE;
  /* Clear it, or it would be reported again by the next launch. */
  (void) cudaGetLastError ();
  g_set_error (error, FATHOM_BACKEND_ERROR,
               err == cudaErrorMemoryAllocation ? FATHOM_BACKEND_ERROR_OUT_OF_MEMORY
                                                : FATHOM_BACKEND_ERROR_LAUNCH,
               "CUDA: %s failed: %s (%s)%s", what, cudaGetErrorString (err), cudaGetErrorName (err),
               is_sticky (err) ? "; the GPU context is lost until the program restarts" : "");
  return FALSE;
}

gboolean
fathom_cuda_check_blas (cublasStatus_t status, const char *what, GError **error)
{
  if (status == CUBLAS_STATUS_SUCCESS)
    return TRUE;
  (void) cudaGetLastError ();
  g_set_error (error, FATHOM_BACKEND_ERROR,
               status == CUBLAS_STATUS_ALLOC_FAILED ? FATHOM_BACKEND_ERROR_OUT_OF_MEMORY
                                                    : FATHOM_BACKEND_ERROR_LAUNCH,
               "cuBLAS: %s failed: %s (%s)", what, cublasGetStatusString (status),
               cublasGetStatusName (status));
  return FALSE;
}

gboolean
fathom_cuda_need_device (const char *op, guint n, const FathomTensor *const *tensors, GError **error)
{
  for (guint i = 0; i < n; i++)
    if (tensors[i] != NULL && tensors[i]->storage->location != FATHOM_LOCATION_DEVICE)
      {
        g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                     "%s: a tensor is in host memory; the cuda backend takes only tensors "
                     "it allocated (fathom_backend_new_tensor)", op);
        return FALSE;
      }
  return TRUE;
}

/* ---- vtable: memory ---------------------------------------------------------- */

static void
cuda_finalize (FathomBackend *backend)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);

  cudaSetDevice (self->device);
  fathom_cuda_graph_finish (self);
  if (self->stream != NULL)
    cudaStreamSynchronize (self->stream);
  fathom_cuda_block_free (self->reduce);
  /* cuDNN's handle goes before the stream it is bound to */
  fathom_cuda_conv_finish (self);
  if (self->pool != NULL)
    fathom_cuda_pool_close (self->pool);
  if (self->cublas != NULL)
    cublasDestroy (self->cublas);
  if (self->stream != NULL)
    cudaStreamDestroy (self->stream);
  (void) cudaGetLastError ();
  g_free (self->device_name);
  g_free (self);
}

/* New tensors are zero-filled, as on every backend. */
static FathomStorage *
cuda_alloc (FathomBackend *backend, gsize bytes, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  FathomCudaBlock *block = fathom_cuda_block_new (self, bytes, error);

  if (block == NULL)
    return NULL;
  if (bytes > 0 &&
      !fathom_cuda_check (cudaMemsetAsync (fathom_cuda_block_data (block), 0, bytes, self->stream),
                          "cudaMemsetAsync", error))
    {
      fathom_cuda_block_free (block);
      return NULL;
    }
  return fathom_storage_new_wrapped (FATHOM_LOCATION_DEVICE, fathom_cuda_block_data (block), bytes,
                                     fathom_cuda_block_release, block);
}

/* Pageable host memory: the copy is queued after earlier work on our
 * stream and waited for, so the caller may reuse its buffer at once. */
static gboolean
cuda_upload (FathomBackend *backend, FathomTensor *dst, const float *src, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);

  FATHOM_CUDA_NEED ("upload", dst);
  if (!fathom_cuda_capture_allows (self, FALSE, "upload (it waits for the device)", error))
    return FALSE;
  if (dst->numel == 0)
    return TRUE;
  FATHOM_CUDA_TRY (cudaMemcpyAsync (fathom_tensor_raw (dst), src, dst->numel * sizeof (float),
                                    cudaMemcpyHostToDevice, self->stream), "upload");
  FATHOM_CUDA_TRY (cudaStreamSynchronize (self->stream), "upload (synchronize)");
  return TRUE;
}

static gboolean
cuda_download (FathomBackend *backend, const FathomTensor *src, float *dst, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);

  FATHOM_CUDA_NEED ("download", src);
  if (!fathom_cuda_capture_allows (self, FALSE, "download (it reads the device)", error))
    return FALSE;
  if (src->numel == 0)
    return TRUE;
  FATHOM_CUDA_TRY (cudaMemcpyAsync (dst, fathom_tensor_raw (src), src->numel * sizeof (float),
                                    cudaMemcpyDeviceToHost, self->stream), "download");
  FATHOM_CUDA_TRY (cudaStreamSynchronize (self->stream), "download (synchronize)");
  return TRUE;
}

static gboolean
cuda_synchronize (FathomBackend *backend, GError **error)
{
  if (!fathom_cuda_capture_allows (FATHOM_CUDA (backend), FALSE, "synchronize", error))
    return FALSE;
  FATHOM_CUDA_TRY (cudaStreamSynchronize (FATHOM_CUDA (backend)->stream), "synchronize");
  return TRUE;
}

/* ---- sgemm ---------------------------------------------------------------------- */

static gboolean
fits_int (gint64 v)
{
  return v >= 0 && v <= INT_MAX;
}

gboolean
fathom_cuda_sgemm (FathomCudaBackend *self, gboolean trans_a, gboolean trans_b,
                   gint64 m, gint64 n, gint64 k, float alpha,
                   const float *a, gint64 lda, gint64 stride_a,
                   const float *b, gint64 ldb, gint64 stride_b,
                   float beta, float *c, gint64 ldc, gint64 stride_c,
                   gint64 batch, GError **error)
{
  cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;

  if (m <= 0 || n <= 0 || batch <= 0)
    return TRUE;
  if (k <= 0)
    {
      /* cuBLAS would not promise to overwrite C when beta is 0. */
      for (gint64 i = 0; i < batch; i++)
        FATHOM_CUDA_TRY (fathom_cuda_scale_rows_forward (c + i * stride_c, ldc, m, n, beta, self->stream),
                         "gemm (k = 0)");
      return TRUE;
    }
  if (!fits_int (m) || !fits_int (n) || !fits_int (k) || !fits_int (lda) || !fits_int (ldb) ||
      !fits_int (ldc) || !fits_int (batch))
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "gemm: %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " is beyond cuBLAS's 32-bit sizes", m, n, k);
      return FALSE;
    }
  /* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the
   * same buffers with the operands swapped and m, n exchanged. */
  for (int attempt = 0;; attempt++)
    {
      cublasStatus_t status =
        batch == 1 ? cublasSgemm (self->cublas, op_b, op_a, (int) n, (int) m, (int) k,
                                  &alpha, b, (int) ldb, a, (int) lda, &beta, c, (int) ldc)
                   : cublasSgemmStridedBatched (self->cublas, op_b, op_a, (int) n, (int) m, (int) k, &alpha,
                                                b, (int) ldb, stride_b, a, (int) lda, stride_a, &beta,
                                                c, (int) ldc, stride_c, (int) batch);

      /* cuBLAS allocates for itself too: out of memory, our cache may
       * hold what it needs, so give that back to the driver and try once
       * more (not while capturing, where cudaFree is not allowed) */
      if (status == CUBLAS_STATUS_ALLOC_FAILED && attempt == 0 && self->capture == NULL)
        {
          (void) cudaGetLastError ();
          fathom_cuda_pool_flush (self->pool);
          continue;
        }
      return fathom_cuda_check_blas (status, batch == 1 ? "sgemm" : "sgemm (strided batched)", error);
    }
}

/* ---- vtable: basic ops ---------------------------------------------------------- */

static gboolean
cuda_fill (FathomBackend *backend, FathomTensor *t, float value, GError **error)
{
  FATHOM_CUDA_NEED ("fill", t);
  FATHOM_CUDA_TRY (fathom_cuda_fill_forward (fathom_tensor_raw (t), (gint64) t->numel, value,
                                             FATHOM_CUDA (backend)->stream), "fill");
  return TRUE;
}

/* memmove semantics, as the CPU: overlapping views go through scratch. */
static gboolean
cuda_copy (FathomBackend *backend, FathomTensor *dst, const FathomTensor *src, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  float *d = fathom_tensor_raw (dst), *s = fathom_tensor_raw (src);
  gint64 n = (gint64) dst->numel;
  g_autoptr(FathomCudaBlock) tmp = NULL;

  FATHOM_CUDA_NEED ("copy", dst, src);
  if (d == s || n == 0)
    return TRUE;
  if ((guintptr) d < (guintptr) (s + n) && (guintptr) s < (guintptr) (d + n))
    {
      if ((tmp = fathom_cuda_block_new (self, n * sizeof (float), error)) == NULL)
        return FALSE;
      FATHOM_CUDA_TRY (fathom_cuda_copy_forward (fathom_cuda_block_data (tmp), s, n, self->stream), "copy");
      s = fathom_cuda_block_data (tmp);
    }
  FATHOM_CUDA_TRY (fathom_cuda_copy_forward (d, s, n, self->stream), "copy");
  return TRUE;
}

static gboolean
cuda_axpy (FathomBackend *backend, float alpha, const FathomTensor *x, FathomTensor *y, GError **error)
{
  FATHOM_CUDA_NEED ("axpy", x, y);
  FATHOM_CUDA_TRY (fathom_cuda_axpy_forward (alpha, fathom_tensor_raw (x), fathom_tensor_raw (y),
                                             (gint64) y->numel, FATHOM_CUDA (backend)->stream), "axpy");
  return TRUE;
}

static gboolean
cuda_gemm (FathomBackend *backend, gboolean trans_a, gboolean trans_b, float alpha,
           const FathomTensor *a, const FathomTensor *b, float beta, FathomTensor *c,
           GError **error)
{
  FATHOM_CUDA_NEED ("gemm", a, b, c);
  return FATHOM_CUDA_GEMM (FATHOM_CUDA (backend), trans_a, trans_b,
                           c->shape[0], c->shape[1], a->shape[trans_a ? 0 : 1],
                           alpha, fathom_tensor_raw (a), a->shape[1],
                           fathom_tensor_raw (b), b->shape[1],
                           beta, fathom_tensor_raw (c), c->shape[1]);
}

static const FathomBackendOps *
cuda_ops (void)
{
  static FathomBackendOps ops;
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      ops.finalize = cuda_finalize;
      ops.alloc = cuda_alloc;
      ops.upload = cuda_upload;
      ops.download = cuda_download;
      ops.synchronize = cuda_synchronize;
      ops.fill = cuda_fill;
      ops.copy = cuda_copy;
      ops.axpy = cuda_axpy;
      ops.gemm = cuda_gemm;
      fathom_cuda_ops_install (&ops);
      fathom_cuda_conv_install (&ops);
      fathom_cuda_layers_install (&ops);
      fathom_cuda_graph_install (&ops);
      g_once_init_leave (&initialized, 1);
    }
  return &ops;
}

/* ---- public ------------------------------------------------------------------------ */

/* Our fatbinary holds code for sm_75 to sm_90 and PTX for compute_90,
 * which newer GPUs compile at load time; older ones cannot run it. */
#define MIN_MAJOR 7
#define MIN_MINOR 5

/* The runtime says "driver version is insufficient" also when there is
 * no driver at all, which sends people looking for the wrong thing. */
static char *
count_failure (cudaError_t err)
{
  int driver = 0, runtime = 0;

  if (err == cudaErrorInsufficientDriver && cudaDriverGetVersion (&driver) == cudaSuccess &&
      cudaRuntimeGetVersion (&runtime) == cudaSuccess)
    {
      if (driver == 0)
        return g_strdup ("no CUDA-capable device is detected (no NVIDIA driver is loaded)");
      return g_strdup_printf ("the NVIDIA driver supports CUDA %d.%d, this build needs %d.%d (%s)",
                              driver / 1000, driver % 1000 / 10, runtime / 1000, runtime % 1000 / 10,
                              cudaGetErrorString (err));
    }
  (void) cudaGetLastError ();
  return g_strdup (cudaGetErrorString (err));
}

static gboolean
device_usable (int device, char **reason)
{
  struct cudaDeviceProp prop;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount (&count);

  if (err != cudaSuccess)
    {
      (void) cudaGetLastError ();
      if (reason != NULL)
        *reason = count_failure (err);
      (void) cudaGetLastError ();
      return FALSE;
    }
  if (count == 0)
    {
      if (reason != NULL)
        *reason = g_strdup ("no CUDA-capable device is detected");
      return FALSE;
    }
  if (device < 0 || device >= count)
    {
      if (reason != NULL)
        *reason = g_strdup_printf ("there is no CUDA device %d (this machine has %d)", device, count);
      return FALSE;
    }
  err = cudaGetDeviceProperties (&prop, device);
  if (err != cudaSuccess)
    {
      (void) cudaGetLastError ();
      if (reason != NULL)
        *reason = g_strdup (cudaGetErrorString (err));
      return FALSE;
    }
  if (prop.major < MIN_MAJOR || (prop.major == MIN_MAJOR && prop.minor < MIN_MINOR))
    {
      if (reason != NULL)
        *reason = g_strdup_printf ("%s is compute capability %d.%d; this build needs %d.%d or newer",
                                   prop.name, prop.major, prop.minor, MIN_MAJOR, MIN_MINOR);
      return FALSE;
    }
  return TRUE;
}

gboolean
fathom_cuda_available (char **reason)
{
  return device_usable (0, reason);
}

FathomBackend *
fathom_cuda_backend_new (int device, GError **error)
{
  g_autofree char *reason = NULL;
  struct cudaDeviceProp prop;
  FathomCudaBackend *self;

  if (!device_usable (device, &reason))
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_NO_DEVICE,
                   "No usable GPU: %s", reason);
      return NULL;
    }

  self = g_new0 (FathomCudaBackend, 1);
  fathom_backend_init (&self->parent, cuda_ops (), "cuda");
  self->device = device;
  fathom_cuda_conv_init (self);
  fathom_cuda_graph_init (self);
  if (!fathom_cuda_check (cudaSetDevice (device), "cudaSetDevice", error) ||
      !fathom_cuda_check (cudaGetDeviceProperties (&prop, device), "cudaGetDeviceProperties", error) ||
      !fathom_cuda_check (cudaStreamCreateWithFlags (&self->stream, cudaStreamNonBlocking),
                          "cudaStreamCreate", error) ||
      !fathom_cuda_check_blas (cublasCreate (&self->cublas), "cublasCreate", error) ||
      !fathom_cuda_check_blas (cublasSetStream (self->cublas, self->stream), "cublasSetStream", error) ||
      !fathom_cuda_check_blas (cublasSetMathMode (self->cublas, CUBLAS_DEFAULT_MATH),
                               "cublasSetMathMode", error))
    {
      fathom_backend_unref (&self->parent);
      return NULL;
    }
  self->device_name = g_strdup_printf ("%s (sm_%d%d)", prop.name, prop.major, prop.minor);
  self->pool = fathom_cuda_pool_new (device);
  self->reduce = fathom_cuda_block_new (self, (FATHOM_CUDA_REDUCE_PARTIALS + 1) * sizeof (double), error);
  if (self->reduce == NULL)
    {
      fathom_backend_unref (&self->parent);
      return NULL;
    }
  return &self->parent;
}

gboolean
fathom_backend_is_cuda (FathomBackend *self)
{
  return self != NULL && self->ops == cuda_ops ();
}

void
fathom_cuda_backend_set_tf32 (FathomBackend *backend, gboolean enabled)
{
  FathomCudaBackend *self;
  cublasStatus_t status;

  g_return_if_fail (fathom_backend_is_cuda (backend));
  self = FATHOM_CUDA (backend);
  status = cublasSetMathMode (self->cublas, enabled ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
  /* Only an invalid handle fails here, which would be our bug. */
  g_return_if_fail (status == CUBLAS_STATUS_SUCCESS);
  self->tf32 = enabled;
}

gboolean
fathom_cuda_backend_get_tf32 (FathomBackend *backend)
{
  g_return_val_if_fail (fathom_backend_is_cuda (backend), FALSE);
  return FATHOM_CUDA (backend)->tf32;
}

void
fathom_cuda_backend_set_memory_limit (FathomBackend *backend, guint64 bytes)
{
  g_return_if_fail (fathom_backend_is_cuda (backend));
  fathom_cuda_pool_set_limit (FATHOM_CUDA (backend)->pool, (gsize) MIN (bytes, (guint64) G_MAXSIZE));
}

const char *
fathom_cuda_backend_get_device_name (FathomBackend *backend)
{
  g_return_val_if_fail (fathom_backend_is_cuda (backend), NULL);
  return FATHOM_CUDA (backend)->device_name;
}

gsize
fathom_cuda_backend_get_cached_bytes (FathomBackend *backend)
{
  g_return_val_if_fail (fathom_backend_is_cuda (backend), 0);
  return fathom_cuda_pool_get_cached_bytes (FATHOM_CUDA (backend)->pool);
}

void
fathom_cuda_backend_trim (FathomBackend *backend)
{
  g_return_if_fail (fathom_backend_is_cuda (backend));
  fathom_cuda_pool_flush (FATHOM_CUDA (backend)->pool);
}
