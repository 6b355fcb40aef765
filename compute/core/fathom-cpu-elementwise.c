/* fathom-cpu-elementwise.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_elementwise_install (FathomBackendOps *ops)
{
}
