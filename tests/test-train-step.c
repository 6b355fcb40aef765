/* test-train-step.c: FathomTrainStep where no graph can be captured (the
 * CPU): every step is the eager one, bit for bit, and the reason says so.
 * The captured path is compared with it in test-cuda.c. */
#include "fathom-test-util.h"
#include "fathom-test-steps.h"

#include <math.h>

#define STEPS 6

static void
test_cpu_is_eager (gconstpointer data)
{
  FathomTestStepsModel model = GPOINTER_TO_INT (data);
  g_autoptr(FathomBackend) cpu = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  float on[STEPS], off[STEPS];
  gboolean graphed[STEPS];
  g_autofree char *reason = NULL;

  fathom_test_steps_run (cpu, model, TRUE, STEPS, on, graphed, &reason);
  fathom_test_steps_run (cpu, model, FALSE, STEPS, off, NULL, NULL);
  g_assert_cmpstr (reason, ==, "this backend does not capture graphs");
  for (guint i = 0; i < STEPS; i++)
    {
      g_assert_false (graphed[i]);
      g_assert_true (isfinite (on[i]));
      /* the same calls in the same order: the same bits */
      g_assert_cmpmem (&on[i], sizeof (float), &off[i], sizeof (float));
    }
  g_assert_cmpfloat (on[STEPS - 1], <, on[0]);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/train-step/cpu-eager/conv", GINT_TO_POINTER (FATHOM_TEST_STEPS_CONV),
                        test_cpu_is_eager);
  g_test_add_data_func ("/train-step/cpu-eager/gru", GINT_TO_POINTER (FATHOM_TEST_STEPS_GRU),
                        test_cpu_is_eager);
  return g_test_run ();
}
