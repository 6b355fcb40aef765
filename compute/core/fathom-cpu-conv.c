/* fathom-cpu-conv.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_conv_install (FathomBackendOps *ops)
{
}
