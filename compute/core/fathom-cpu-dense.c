/* fathom-cpu-dense.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_dense_install (FathomBackendOps *ops)
{
}
