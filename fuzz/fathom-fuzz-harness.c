/* fathom-fuzz-harness.c: libFuzzer's one-time set-up for every target. */
#include "fathom-fuzz-harness.h"

#include <signal.h>
#include <stdlib.h>

/* GLib ends a fatal message with SIGTRAP, which neither libFuzzer nor ASan
 * catch by default: the input would be lost. Abort instead. */
static void
trap_to_abort (int sig)
{
  abort ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* A warning or a critical (a failed g_return_if_fail) is a bug the input
   * found, as it is in the test suite. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  signal (SIGTRAP, trap_to_abort);
  return 0;
}
