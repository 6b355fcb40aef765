/* fathom-cuda-backend.h: the CUDA backend (built only where nvcc exists;
 * everyone else reaches it by name through fathom-backend-registry.h).
 *
 * Every op of fathom-backend.h runs on one GPU: our kernels (kernels/) for
 * the elementwise, pooling, normalisation and loss ops, cuBLAS sgemm for
 * the matrix products (gemm, dense, im2col convolution, recurrent steps),
 * and, in a build with cuDNN, cuDNN for the convolutions it can express
 * (see the conv path below). Each backend owns a CUDA stream, a cuBLAS
 * handle, a cuDNN handle once convolutions want one, and a caching device
 * allocator; like every backend it is used from one thread at a time.
 *
 * A training step may be captured as one CUDA graph and replayed
 * (fathom-backend.h, "captured graphs"; fathom-cuda-graph.c), unless the
 * environment has FATHOM_CUDA_GRAPHS=0.
 *
 * Work is queued on the backend's stream and runs asynchronously: upload,
 * download, synchronize and the losses (which return a host float) wait
 * for it, so an error of an earlier kernel may surface there. Errors are
 * GErrors (OUT_OF_MEMORY, LAUNCH, NO_DEVICE); the process and, unless the
 * device itself failed (an illegal address is sticky in CUDA), the backend
 * go on.
 */
#pragma once

#include "fathom-backend.h"
#include "fathom-backend-registry.h"

G_BEGIN_DECLS

/* TRUE when a GPU this build can run on is present; otherwise @reason
 * (may be NULL) says why not, e.g. "no CUDA-capable device is detected". */
gboolean       fathom_cuda_available               (char          **reason);

/* A backend on GPU @device (0 for the first). NO_DEVICE with the reason
 * when there is no such usable GPU. */
FathomBackend *fathom_cuda_backend_new             (int             device,
                                                    GError        **error);
gboolean       fathom_backend_is_cuda              (FathomBackend  *self);

/* TF32 tensor-core math for the cuBLAS products (sgemm, hence dense,
 * convolution and recurrent layers) and the cuDNN convolutions: about
 * 2-8x faster on Ampere and later, with a 10-bit mantissa in the products
 * (relative error ~1e-3). Off by default: cuBLAS then runs
 * CUBLAS_DEFAULT_MATH, strict FP32 for sgemm, and cuDNN CUDNN_FMA_MATH
 * (unless the NVIDIA_TF32_OVERRIDE=1 environment variable forces TF32
 * process-wide). Our own kernels are FP32/FP64 either way. */
void           fathom_cuda_backend_set_tf32        (FathomBackend  *self,
                                                    gboolean        enabled);
gboolean       fathom_cuda_backend_get_tf32        (FathomBackend  *self);

/* The convolution path (fathom-backend-registry.h has the whole story).
 * The cuDNN handle is made, on the backend's stream, the first time a
 * convolution, CUDNN or the description wants it; when that fails, the
 * reason is kept and convolutions run our own path. With TF32 off cuDNN
 * runs CUDNN_FMA_MATH (strict FP32), with it on CUDNN_DEFAULT_MATH. */
gboolean       fathom_cuda_backend_set_conv_path   (FathomBackend  *self,
                                                    FathomConvPath  path,
                                                    GError        **error);
FathomConvPath fathom_cuda_backend_get_conv_path   (FathomBackend  *self);
/* "cuDNN 9.19.0" or "im2col + cuBLAS (reason)". */
char          *fathom_cuda_backend_describe_conv   (FathomBackend  *self);
void           fathom_cuda_backend_get_conv_calls  (FathomBackend  *self,
                                                    guint64        *cudnn,
                                                    guint64        *own);

/* "NVIDIA H100 80GB HBM3 (sm_90)", for logs and run folders. */
const char    *fathom_cuda_backend_get_device_name (FathomBackend  *self);

/* Bytes the caching allocator holds in free blocks, and giving them back
 * to the driver (done by itself before an allocation fails). */
gsize          fathom_cuda_backend_get_cached_bytes (FathomBackend *self);
void           fathom_cuda_backend_trim             (FathomBackend *self);
/* fathom_backend_set_memory_limit() of fathom-backend-registry.h. */
void           fathom_cuda_backend_set_memory_limit (FathomBackend *self,
                                                     guint64        bytes);

G_END_DECLS
