/* fathom-cpu-pool.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_pool_install (FathomBackendOps *ops)
{
}
