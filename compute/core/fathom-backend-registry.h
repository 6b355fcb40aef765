/* fathom-backend-registry.h: backends by name ("cpu", "cpu-reference",
 * "cuda"). The only place that knows whether CUDA was compiled in. */
#pragma once

#include "fathom-backend.h"

G_BEGIN_DECLS

FathomBackend *fathom_backend_new_by_name       (const char  *name,
                                                 GError     **error);
/* TRUE when @name can be created here; otherwise @reason says why not. */
gboolean       fathom_backend_is_available      (const char  *name,
                                                 char       **reason);
gboolean       fathom_backend_registry_has_cuda (void);

/* TF32 tensor-core math for the matrix products of a CUDA backend
 * (fathom-cuda-backend.h); UNSUPPORTED for a backend without it. */
gboolean       fathom_backend_set_tf32          (FathomBackend  *backend,
                                                 gboolean        enabled,
                                                 GError        **error);
gboolean       fathom_backend_get_tf32          (FathomBackend  *backend);
/* A cap on the device memory a CUDA backend's allocator holds (tensors
 * in use and its cache together), for a GPU shared with other programs:
 * an allocation past it fails with OUT_OF_MEMORY as on a full card (the
 * cache is given back first); 0 lifts it. A cap below what is held
 * already gives the cache back at once, and fails the next allocation.
 * The libraries' own memory (cuBLAS's and cuDNN's handles) is not
 * counted. UNSUPPORTED for a backend without device memory. */
gboolean       fathom_backend_set_memory_limit  (FathomBackend  *backend,
                                                 guint64         bytes,
                                                 GError        **error);
/* What a backend runs on, for logs and reports: the GPU's name ("NVIDIA
 * H100 80GB HBM3 (sm_90)"), or the CPU path and its threads. */
char          *fathom_backend_describe_device   (FathomBackend  *backend);

/* How a backend convolves. Our own path (im2col + a matrix product)
 * exists everywhere and is the one checked against the CPU reference; a
 * CUDA backend built with cuDNN (-Dcudnn) may use cuDNN instead. */
typedef enum {
  FATHOM_CONV_PATH_AUTO,        /* cuDNN where the build, the machine and the shape allow it */
  FATHOM_CONV_PATH_OWN,         /* always our own path */
  FATHOM_CONV_PATH_CUDNN,       /* cuDNN, for every shape it can express */
} FathomConvPath;

/* "auto", "own", "cudnn". */
const char    *fathom_conv_path_to_string       (FathomConvPath  path);
gboolean       fathom_conv_path_from_string     (const char     *name,
                                                 FathomConvPath *path);

/* A CUDA backend starts at AUTO, or at OWN when the environment has
 * FATHOM_CUDNN=0. CUDNN fails (UNSUPPORTED, with the reason) where cuDNN
 * cannot be used: a build without it, a library that does not load, a
 * CPU backend. Even then, shapes whose padding cuDNN cannot express
 * (Keras "same" with more padding at the bottom or right that changes the
 * output size) run our own path. A CPU backend takes AUTO and OWN, and
 * reports OWN. */
gboolean       fathom_backend_set_conv_path     (FathomBackend  *backend,
                                                 FathomConvPath  path,
                                                 GError        **error);
FathomConvPath fathom_backend_get_conv_path     (FathomBackend  *backend);
/* What the convolutions run on, for logs and reports: "cuDNN 9.19.0", or
 * "im2col + cuBLAS (why not cuDNN)", or the CPU's path. */
char          *fathom_backend_describe_conv     (FathomBackend  *backend);
/* Convolution calls (forward and backward each count one) that ran on
 * cuDNN and on our own path since the backend was made; FALSE, with
 * zeros, for a backend that does not count them (the CPU's). */
gboolean       fathom_backend_get_conv_calls    (FathomBackend  *backend,
                                                 guint64        *cudnn,
                                                 guint64        *own);

G_END_DECLS
