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
/* What a backend runs on, for logs and reports: the GPU's name ("NVIDIA
 * H100 80GB HBM3 (sm_90)"), or the CPU path and its threads. */
char          *fathom_backend_describe_device   (FathomBackend  *backend);

G_END_DECLS
