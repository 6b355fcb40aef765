/* fuzz-image.c: the libFuzzer entry point for fathom_fuzz_image()
 * (fathom-fuzz-targets.h); built with -Dfuzzing=true (build-aux/fuzz). */
#include "fathom-fuzz-harness.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fathom_fuzz_image (data, size);
  return 0;
}
