/* fathom-cpu-backend.h: the CPU backend.
 *
 * Two paths: REFERENCE runs plain loops that read like the maths and are the
 * specification; FAST uses im2col and OpenBLAS sgemm with threads over the
 * batch. Every test runs both, so the fast path is always checked against
 * the reference.
 */
#pragma once

#include "fathom-backend.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_CPU_PATH_REFERENCE,
  FATHOM_CPU_PATH_FAST,
} FathomCpuPath;

/* n_threads 0 means one per core. */
FathomBackend *fathom_cpu_backend_new      (FathomCpuPath  path,
                                            guint          n_threads);
FathomCpuPath  fathom_cpu_backend_get_path (FathomBackend *self);
gboolean       fathom_backend_is_cpu       (FathomBackend *self);

G_END_DECLS
