/* fathom-test-steps.c: small models trained step by step (fathom-test-steps.h). */
#include "fathom-test-steps.h"

#include "fathom-bench-workload.h"
#include "fathom-graph.h"
#include "fathom-layer.h"
#include "fathom-optimizer.h"
#include "fathom-rng.h"
#include "fathom-text-experiment.h"
#include "fathom-train-step.h"


#define BATCH 6
#define CLASSES 5

static FathomGraph *
conv_model (void)
{
  FathomGraph *g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (3, 8, 8);
  int x = fathom_graph_add_input (g, "image", &in);

  x = FATHOM_GRAPH_ADD (g, fathom_conv2d_layer_new (4, 3, 3, 1, 1, FATHOM_PADDING_SAME,
                                                    FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_max_pool_layer_new (2, 2, 2, 2, FATHOM_PADDING_VALID), x);
  x = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (CLASSES, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, NULL));
  return g;
}

static FathomTensor *
batch_tensor (FathomBackend *backend, const FathomShape *shape, gboolean one_hot, FathomRng *rng)
{
  g_autoptr(GError) error = NULL;
  FathomTensor *t = fathom_bench_batch_tensor_new (backend, shape, BATCH, one_hot, rng, &error);

  g_assert_no_error (error);
  return t;
}

void
fathom_test_steps_run (FathomBackend *backend, FathomTestStepsModel model, gboolean graphs, guint n,
                       float *losses, gboolean *graphed, char **reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomGraph) graph = NULL;
  g_autoptr(FathomOptimizer) optimizer = NULL;
  g_autoptr(FathomTrainStep) step = NULL;
  g_autoptr(FathomRng) rng = fathom_rng_new (7);
  g_autoptr(FathomTensor) input = NULL;
  g_autoptr(FathomTensor) target = NULL;
  gboolean text = model == FATHOM_TEST_STEPS_GRU;

  if (text)
    graph = fathom_text_graph_new (FATHOM_TEXT_MODEL_GRU, 11, FATHOM_TEXT_SEQ_LEN, 16, 6,
                                   FATHOM_ACTIVATION_TANH, &error);
  else
    graph = conv_model ();
  g_assert_no_error (error);
  g_assert_true (fathom_graph_build (graph, backend, 2017, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_graph_get_n_inputs (graph), ==, 1);
  g_assert_cmpuint (fathom_graph_get_n_outputs (graph), ==, 1);
  input = batch_tensor (backend, fathom_graph_get_input_shape (graph, 0), text, rng);
  target = batch_tensor (backend, fathom_graph_get_output_shape (graph, 0), TRUE, rng);

  optimizer = fathom_optimizer_new_adam (1e-2f);
  step = fathom_train_step_new (graph, optimizer);
  fathom_train_step_set_graphs (step, graphs);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (fathom_train_step_run (step, &input, &target, NULL, &losses[i], &error));
      g_assert_no_error (error);
      if (graphed != NULL)
        graphed[i] = fathom_train_step_get_graphed (step);
    }
  g_assert_cmpint (fathom_optimizer_get_step (optimizer), ==, n);
  if (reason != NULL)
    *reason = g_strdup (fathom_train_step_get_reason (step));
}
