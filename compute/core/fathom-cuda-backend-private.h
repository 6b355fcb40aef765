/* fathom-cuda-backend-private.h: shared by the CUDA backend's files.
 *
 * fathom-cuda-backend.c: the object, errors, memory transfers, sgemm and
 *   the basic slots (fill, copy, axpy, gemm).
 * fathom-cuda-allocator.c: the caching device allocator.
 * fathom-cuda-ops.c: elementwise, pooling, normalisation, losses, optimisers.
 * fathom-cuda-conv.c: the convolution slots, our own im2col + cuBLAS path
 *   and the choice between it and cuDNN (the conv path setting).
 * fathom-cuda-cudnn.c: convolutions through cuDNN (fathom-cuda-cudnn.h).
 * fathom-cuda-cudnn-loader.c: libcudnn.so.9 loaded at run time.
 * fathom-cuda-layers.c: the cuBLAS-heavy layers (dense, rnn, gru).
 * fathom-cuda-graph.c: a training step captured as one CUDA graph.
 */
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include "fathom-backend-private.h"
#include "fathom-cuda-backend.h"
#include "fathom-kernels.h"

G_BEGIN_DECLS

typedef struct _FathomCudaPool  FathomCudaPool;
typedef struct _FathomCudaBlock FathomCudaBlock;
typedef struct _FathomCudaCudnn FathomCudaCudnn;
typedef struct _FathomCudaCapture FathomCudaCapture;
typedef struct _FathomBlockArena FathomBlockArena;

typedef struct
{
  FathomBackend    parent;
  int              device;
  char            *device_name;
  gboolean         tf32;
  /* owned */
  cudaStream_t     stream;
  cublasHandle_t   cublas;
  FathomCudaPool  *pool;        /* shared with the live blocks, which may outlive us */
  FathomCudaBlock *reduce;      /* FATHOM_CUDA_REDUCE_PARTIALS + 1 doubles: partials, total */
  /* convolutions (fathom-cuda-conv.c) */
  FathomConvPath   conv_path;
  gboolean         conv_env_own;   /* FATHOM_CUDNN=0 chose OWN at creation */
  gboolean         cudnn_tried;    /* the handle was asked for once */
  FathomCudaCudnn *cudnn;          /* owned; NULL until tried, or when unavailable */
  char            *cudnn_reason;   /* owned: why cudnn is NULL after trying */
  guint64          conv_calls_cudnn, conv_calls_own;
  /* captured graphs (fathom-cuda-graph.c) */
  gboolean           graphs_env_off;  /* FATHOM_CUDA_GRAPHS=0 at creation */
  FathomCudaCapture *capture;         /* owned; non-NULL while a step is captured */
} FathomCudaBackend;

#define FATHOM_CUDA(b) ((FathomCudaBackend *) (b))

/* Turns a failed cudaError_t (as the launchers return) into a LAUNCH
 * error naming @what, and clears CUDA's last error so later calls start
 * clean. TRUE when status is 0. */
gboolean fathom_cuda_check      (int             status,
                                 const char     *what,
                                 GError        **error);
gboolean fathom_cuda_check_blas (cublasStatus_t  status,
                                 const char     *what,
                                 GError        **error);

#define FATHOM_CUDA_TRY(call, what)                             \
  G_STMT_START {                                                \
    if (!fathom_cuda_check ((int) (call), (what), error))       \
      return FALSE;                                             \
  } G_STMT_END

/* Every tensor given (NULLs are skipped) must be in device memory: a host
 * pointer in a kernel would kill the CUDA context for good. */
gboolean fathom_cuda_need_device (const char          *op,
                                  guint                n,
                                  const FathomTensor *const *tensors,
                                  GError             **error);
#define FATHOM_CUDA_NEED(op, ...)                                                       \
  G_STMT_START {                                                                        \
    const FathomTensor *const need_[] = { __VA_ARGS__ };                                \
    if (!fathom_cuda_need_device ((op), G_N_ELEMENTS (need_), need_, error))            \
      return FALSE;                                                                     \
  } G_STMT_END

/* The caching allocator (fathom-cuda-allocator.c), shared by the backend
 * and its live blocks. close() is the backend's goodbye: the cache is
 * freed, blocks released later go straight to cudaFree, and the backend's
 * reference is dropped. */
FathomCudaPool *fathom_cuda_pool_new              (int             device);
void            fathom_cuda_pool_close            (FathomCudaPool *pool);
void            fathom_cuda_pool_flush            (FathomCudaPool *pool);
gsize           fathom_cuda_pool_get_cached_bytes (FathomCudaPool *pool);
/* A cap on the bytes the pool holds from cudaMalloc (in use and cached);
 * 0 for none. */
void            fathom_cuda_pool_set_limit        (FathomCudaPool *pool,
                                                   gsize           bytes);

/* Device scratch from the caching allocator (not zeroed). Freeing queues
 * nothing: the block goes back to the cache, and the next user is on the
 * same stream, so it cannot run before the work that used it. */
FathomCudaBlock *fathom_cuda_block_new  (FathomCudaBackend *self,
                                         gsize              bytes,
                                         GError           **error);
void             fathom_cuda_block_free (FathomCudaBlock   *block);
gpointer         fathom_cuda_block_data (FathomCudaBlock   *block);
/* A FathomStorage release callback (@block as its data). */
void             fathom_cuda_block_release (gpointer        data,
                                            gpointer        block);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomCudaBlock, fathom_cuda_block_free)

/* Arenas (fathom-block-cache.h) for captured graphs: between begin and
 * end every block is made from, and freed back into, the new arena, whose
 * blocks then stay reserved until it is released (the graph is gone). */
FathomBlockArena *fathom_cuda_pool_begin_arena   (FathomCudaPool   *pool);
void              fathom_cuda_pool_end_arena     (FathomCudaPool   *pool);
void              fathom_cuda_pool_release_arena (FathomCudaPool   *pool,
                                                  FathomBlockArena *arena);

/* Capture (fathom-cuda-graph.c). While a step is captured, an op that
 * cannot be replayed as it was captured refuses: FALSE with an
 * UNSUPPORTED error naming @what unless @ok (always TRUE when nothing is
 * being captured). */
gboolean fathom_cuda_capture_allows (FathomCudaBackend *self,
                                     gboolean           ok,
                                     const char        *what,
                                     GError           **error);
/* A loss total (a device double, divided by @divisor when read) for the
 * graph's launches to bring back, in the order the losses were queued. */
gboolean fathom_cuda_capture_loss   (FathomCudaBackend *self,
                                     const double      *total,
                                     double             divisor,
                                     GError           **error);
void     fathom_cuda_graph_install  (FathomBackendOps  *ops);
/* FATHOM_CUDA_GRAPHS read here; the goodbye ends a capture left open. */
void     fathom_cuda_graph_init     (FathomCudaBackend *self);
void     fathom_cuda_graph_finish   (FathomCudaBackend *self);

/* Row-major C = alpha op(A) op(B) + beta C through cuBLAS (which is
 * column-major: it computes C^T = op(B)^T op(A)^T). With batch > 1 the
 * matrices of item i start stride_* floats after those of item i-1 (a
 * stride of 0 shares the matrix). k == 0 scales C by beta. Sizes beyond
 * cuBLAS's 32-bit ints are an error, never a silent wrap. */
gboolean fathom_cuda_sgemm (FathomCudaBackend *self,
                            gboolean           trans_a,
                            gboolean           trans_b,
                            gint64             m,
                            gint64             n,
                            gint64             k,
                            float              alpha,
                            const float       *a,
                            gint64             lda,
                            gint64             stride_a,
                            const float       *b,
                            gint64             ldb,
                            gint64             stride_b,
                            float              beta,
                            float             *c,
                            gint64             ldc,
                            gint64             stride_c,
                            gint64             batch,
                            GError           **error);

/* The common single product. */
#define FATHOM_CUDA_GEMM(self, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) \
  fathom_cuda_sgemm ((self), (ta), (tb), (m), (n), (k), (alpha), (a), (lda), 0, (b), (ldb), 0, \
                     (beta), (c), (ldc), 0, 1, error)

/* Optional tensors to raw device pointers. */
static inline float *
fathom_cuda_raw_or_null (const FathomTensor *t)
{
  return t != NULL ? fathom_tensor_raw (t) : NULL;
}

/* Family installers. */
void fathom_cuda_ops_install    (FathomBackendOps *ops);
void fathom_cuda_conv_install   (FathomBackendOps *ops);
void fathom_cuda_layers_install (FathomBackendOps *ops);

/* Convolution state of a new backend (FATHOM_CUDNN read here) and its
 * goodbye (fathom-cuda-conv.c); the latter before the stream goes. */
void fathom_cuda_conv_init   (FathomCudaBackend *self);
void fathom_cuda_conv_finish (FathomCudaBackend *self);

G_END_DECLS
