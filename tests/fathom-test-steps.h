/* fathom-test-steps.h: small models trained through FathomTrainStep, for
 * the tests that compare captured (graph) steps with eager ones. */
#pragma once

#include "fathom-backend.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_TEST_STEPS_CONV,       /* conv 3x3 relu, max pool, dense, softmax; Adam */
  FATHOM_TEST_STEPS_GRU,        /* the char GRU of the lesson, small; Adam */
} FathomTestStepsModel;

/* @n steps on @backend of a model built from a fixed seed, on the same
 * batch each step, graphs on or off. losses[i] is step i's loss;
 * graphed[i] (may be NULL) whether it was a graph launch; *reason (may be
 * NULL) the train step's reason after the last step (owned). */
void fathom_test_steps_run (FathomBackend        *backend,
                            FathomTestStepsModel  model,
                            gboolean              graphs,
                            guint                 n,
                            float                *losses,
                            gboolean             *graphed,
                            char                **reason);

G_END_DECLS
