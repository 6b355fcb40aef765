/* fathom-cpu-norm.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_norm_install (FathomBackendOps *ops)
{
}
