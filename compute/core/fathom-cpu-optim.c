/* fathom-cpu-optim.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_optim_install (FathomBackendOps *ops)
{
}
