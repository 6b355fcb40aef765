/* fathom-cpu-loss.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_loss_install (FathomBackendOps *ops)
{
}
