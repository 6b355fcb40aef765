/* fathom-cuda-cudnn.h: convolutions through cuDNN, for the CUDA backend
 * (private; fathom-cuda-conv.c is the only caller).
 *
 * One FathomCudaCudnn per backend: a cuDNN handle bound to the backend's
 * stream, and per convolution shape the tensor, filter and convolution
 * descriptors and the algorithm of each direction, chosen once within a
 * workspace limit (a sixteenth of the card, 256 MiB to 4 GiB), so that
 * steady-state steps search nothing: by timing every algorithm on the
 * first call's own tensors (cudnnFind*AlgorithmEx, as TensorFlow's
 * autotuning and PyTorch's cudnn.benchmark do), or, with
 * FATHOM_CUDNN_SEARCH=heuristic, by cuDNN's heuristics
 * (cudnnGetConvolution*Algorithm_v7), which time nothing and so choose
 * the same on every run. Workspace comes from the backend's caching
 * allocator.
 *
 * A call either runs the whole op on cuDNN (*done = TRUE) or declines
 * (*done = FALSE, nothing queued) for the caller's own path: a shape
 * whose padding cuDNN's symmetric padding cannot express, sizes past its
 * 32-bit ints, an empty batch, or no algorithm within the limit. A cuDNN
 * failure is a GError naming the op and cudnnGetErrorString(); the
 * backend goes on.
 *
 * In a build without cuDNN (-Dcudnn=disabled, or no cudnn.h of cuDNN 9)
 * fathom_cuda_cudnn_new() says so and returns NULL; the others are never
 * reached then. A build with it loads libcudnn.so.9 when the first handle
 * is made (fathom-cuda-cudnn-loader.h); where the library or a function
 * of it is missing, fathom_cuda_cudnn_new() returns NULL with the reason
 * ("libcudnn.so.9 not found: ...").
 */
#pragma once

#include "fathom-cuda-backend-private.h"

G_BEGIN_DECLS

/* A cuDNN handle on @backend's stream, or NULL with @reason ("cudnnCreate
 * failed: ...", "libcudnn.so.9 not found: ..."). */
FathomCudaCudnn *fathom_cuda_cudnn_new     (FathomCudaBackend      *backend,
                                            char                  **reason);
void             fathom_cuda_cudnn_free    (FathomCudaCudnn        *self);
/* "cuDNN 9.19.0, algorithms measured": the library that was loaded, not
 * the header's, and how algorithms are chosen. */
char            *fathom_cuda_cudnn_describe (FathomCudaCudnn       *self);

/* y = conv2d (x, w) + bias, or with @relu (a bias needed)
 * y = relu (conv2d (x, w) + bias + z), z optional (NULL) and of y's
 * shape, in one call (cudnnConvolutionBiasActivationForward, NaN passed
 * on as our ReLU does). The math of the backend's TF32 setting is read at each
 * call. Besides the cases every call declines, a fused call declines
 * where cuDNN does not support the fusion for the shape (remembered: the
 * next such call declines at once). */
gboolean fathom_cuda_cudnn_conv2d_forward  (FathomCudaCudnn        *self,
                                            FathomCudaBackend      *backend,
                                            const FathomConvWindow *win,
                                            const FathomTensor     *x,
                                            const FathomTensor     *w,
                                            const FathomTensor     *bias,
                                            const FathomTensor     *z,
                                            gboolean                relu,
                                            FathomTensor           *y,
                                            gboolean               *done,
                                            GError                **error);
gboolean fathom_cuda_cudnn_conv2d_backward (FathomCudaCudnn        *self,
                                            FathomCudaBackend      *backend,
                                            const FathomConvWindow *win,
                                            const FathomTensor     *x,
                                            const FathomTensor     *w,
                                            const FathomTensor     *dy,
                                            FathomTensor           *dx,
                                            FathomTensor           *dw,
                                            FathomTensor           *dbias,
                                            gboolean               *done,
                                            GError                **error);

G_END_DECLS
