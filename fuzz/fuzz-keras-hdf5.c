/* fuzz-keras-hdf5.c: the libFuzzer entry point for fathom_fuzz_keras_hdf5()
 * (fathom-fuzz-targets.h); built with -Dfuzzing=true (build-aux/fuzz). */
#include "fathom-fuzz-harness.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fathom_fuzz_keras_hdf5 (data, size);
  return 0;
}
