/* fathom-fuzz-harness.h: what every libFuzzer binary of fuzz/ shares. Each
 * fuzz-<target>.c defines LLVMFuzzerTestOneInput() as a call of its
 * target's body; fathom-fuzz-harness.c defines LLVMFuzzerInitialize(). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fathom-fuzz-targets.h"

G_BEGIN_DECLS

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

G_END_DECLS
