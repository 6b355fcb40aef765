/* fathom-cpu-rnn.c */
#include "fathom-cpu-backend-private.h"

void
fathom_cpu_rnn_install (FathomBackendOps *ops)
{
}
