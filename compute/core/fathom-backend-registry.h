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

G_END_DECLS
