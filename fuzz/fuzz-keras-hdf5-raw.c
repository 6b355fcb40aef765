/* fuzz-keras-hdf5-raw.c: the libFuzzer entry point for
 * fathom_fuzz_keras_hdf5_raw() (fathom-fuzz-targets.h); built with
 * -Dfuzzing=true, run by build-aux/fuzz only when named: it mostly finds
 * libhdf5's own bugs. */
#include "fathom-fuzz-harness.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fathom_fuzz_keras_hdf5_raw (data, size);
  return 0;
}
