/* test-train.c: whole models train: graph gradients against finite
 * differences, separable problems to 95% with SGD and Adam, a two-output
 * model, frozen layers, learning-rate changes, repeatability. */
#include "fathom-test-util.h"
#include "fathom-graph.h"
#include "fathom-optimizer.h"
#include "fathom-checkpoint.h"

#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

/* ---- data ----------------------------------------------------------------- */

typedef struct {
  FathomTensor *x;              /* [N, 2] */
  FathomTensor *onehot;         /* [N, K] */
  int          *labels;
  gint64        n, k;
} Blobs;

static void
blobs_free (Blobs *b)
{
  fathom_tensor_unref (b->x);
  fathom_tensor_unref (b->onehot);
  g_free (b->labels);
}

/* K Gaussian blobs on a circle of radius 3, sd 0.5: separable. */
static Blobs
make_blobs (gint64 n, gint64 k, guint64 seed)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  Blobs b = { fathom_tensor_new_2d (n, 2), fathom_tensor_new_2d (n, k), g_new (int, n), n, k };
  float *x = fathom_tensor_get_data (b.x), *t = fathom_tensor_get_data (b.onehot);

  for (gint64 i = 0; i < n; i++)
    {
      int c = (int) fathom_rng_below (rng, (guint64) k);
      double a = 2 * G_PI * c / k;
      x[i * 2] = (float) (3 * cos (a) + fathom_rng_normal (rng, 0, 0.5));
      x[i * 2 + 1] = (float) (3 * sin (a) + fathom_rng_normal (rng, 0, 0.5));
      t[i * k + c] = 1.f;
      b.labels[i] = c;
    }
  return b;
}

static double
accuracy (const FathomTensor *probs, const int *labels)
{
  const float *p = fathom_tensor_get_const_data (probs);
  gint64 n = fathom_tensor_get_dim (probs, 0), k = fathom_tensor_get_dim (probs, -1);
  gint64 right = 0;

  for (gint64 i = 0; i < n; i++)
    {
      gint64 best = 0;
      for (gint64 j = 1; j < k; j++)
        if (p[i * k + j] > p[i * k + best])
          best = j;
      right += best == labels[i];
    }
  return (double) right / n;
}

static FathomGraph *
mlp (FathomBackend *backend, gint64 k, guint64 seed)
{
  FathomGraph *g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (2);
  int x = fathom_graph_add_input (g, "x", &in);
  g_autoptr(GError) error = NULL;

  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (16, FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (k, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_softmax_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
  g_assert_true (fathom_graph_build (g, backend, seed, &error));
  g_assert_no_error (error);
  return g;
}

/* Trains on mini-batches of 32 for epochs; returns the last epoch's mean loss. */
static double
train_epochs (FathomGraph *g, FathomOptimizer *opt, FathomTensor *x, FathomTensor *t,
              int epochs, double *first_epoch_loss)
{
  gint64 n = fathom_tensor_get_dim (x, 0);
  double epoch_loss = 0;

  for (int e = 0; e < epochs; e++)
    {
      int batches = 0;

      epoch_loss = 0;
      for (gint64 s = 0; s < n; s += 32)
        {
          gint64 m = MIN (32, n - s);
          g_autoptr(FathomTensor) xb = fathom_tensor_slice (x, s, m);
          g_autoptr(FathomTensor) tb = fathom_tensor_slice (t, s, m);
          g_autoptr(GError) error = NULL;
          float loss;

          g_assert_true (fathom_graph_forward (g, &xb, TRUE, &error));
          g_assert_true (fathom_graph_compute_loss (g, &tb, NULL, &loss, &error));
          g_assert_true (fathom_graph_backward (g, &error));
          g_assert_true (fathom_optimizer_step (opt, g, &error));
          g_assert_no_error (error);
          epoch_loss += loss;
          batches++;
        }
      epoch_loss /= batches;
      if (e == 0 && first_epoch_loss != NULL)
        *first_epoch_loss = epoch_loss;
    }
  return epoch_loss;
}

static double
evaluate (FathomGraph *g, FathomTensor *x, const int *labels)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_graph_forward (g, &x, FALSE, &error));
  g_assert_no_error (error);
  return accuracy (fathom_graph_get_output (g, 0), labels);
}

static void
test_separable (gconstpointer data)
{
  gboolean adam = GPOINTER_TO_INT (data);

  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (fathom_test_paths[p], 2);
      Blobs train = make_blobs (600, 4, 1), test = make_blobs (400, 4, 2);
      g_autoptr(FathomGraph) g = mlp (backend, 4, 3);
      g_autoptr(FathomOptimizer) opt = adam ? fathom_optimizer_new_adam (0.01f)
                                            : fathom_optimizer_new_sgd (0.05f, 0.9f, FALSE);
      double first = 0, last = train_epochs (g, opt, train.x, train.onehot, 15, &first);
      double acc = evaluate (g, test.x, test.labels);

      g_test_message ("%s, %s path: loss %.4f -> %.4f, held-out accuracy %.3f",
                      adam ? "Adam" : "SGD", fathom_test_path_name (fathom_test_paths[p]), first, last, acc);
      g_assert_cmpfloat (last, <, first * 0.5);
      g_assert_cmpfloat (acc, >=, 0.95);
      blobs_free (&train);
      blobs_free (&test);
    }
}

/* ---- a conv model and a two-output model on synthetic images ---------------- */

/* 12x12 single-channel images with a 4x4 bright square (class 0) or a
 * plus sign (class 1) at a random place, on noise. The box target is the
 * shape's [top, left, height, width] / 12. */
static void
make_shapes (gint64 n, guint64 seed, FathomTensor **images, FathomTensor **onehot,
             FathomTensor **boxes, int **labels)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  float *im, *t, *bx;

  *images = fathom_tensor_new_4d (n, 1, 12, 12);
  *onehot = fathom_tensor_new_2d (n, 2);
  *boxes = fathom_tensor_new_2d (n, 4);
  *labels = g_new (int, n);
  im = fathom_tensor_get_data (*images);
  t = fathom_tensor_get_data (*onehot);
  bx = fathom_tensor_get_data (*boxes);
  for (gint64 i = 0; i < n; i++)
    {
      int c = (int) fathom_rng_below (rng, 2);
      int top = (int) fathom_rng_below (rng, 8), left = (int) fathom_rng_below (rng, 8);
      float *img = im + i * 144;

      for (int j = 0; j < 144; j++)
        img[j] = (float) fathom_rng_uniform (rng) * 0.3f;
      for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++)
          if (c == 0 || r == 1 || r == 2 ? (c == 0 || q == 1 || q == 2) : FALSE)
            img[(top + r) * 12 + left + q] += 1.f;
      t[i * 2 + c] = 1.f;
      bx[i * 4 + 0] = top / 12.f;
      bx[i * 4 + 1] = left / 12.f;
      bx[i * 4 + 2] = 4 / 12.f;
      bx[i * 4 + 3] = 4 / 12.f;
      (*labels)[i] = c;
    }
}

static FathomGraph *
two_output_model (FathomBackend *backend, float box_weight)
{
  FathomGraph *g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (1, 12, 12);
  int x = fathom_graph_add_input (g, "image", &in), trunk, bb, cls;
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  g_autoptr(GError) error = NULL;

  x = FATHOM_GRAPH_ADD (g, fathom_conv2d_layer_new (8, 3, 3, 1, 1, FATHOM_PADDING_SAME, FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_batch_norm_layer_new (&bn), x);
  x = FATHOM_GRAPH_ADD (g, fathom_max_pool_layer_new (2, 2, 2, 2, FATHOM_PADDING_VALID), x);
  x = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), x);
  trunk = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (32, FATHOM_ACTIVATION_RELU, TRUE), x);
  bb = FATHOM_GRAPH_ADD_NAMED (g, "bb", fathom_dense_layer_new (4, FATHOM_ACTIVATION_IDENTITY, TRUE), trunk);
  cls = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (2, FATHOM_ACTIVATION_IDENTITY, TRUE), trunk);
  cls = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), cls);
  g_assert_true (fathom_graph_add_output (g, "bb", bb, FATHOM_LOSS_MSE, box_weight, &error));
  g_assert_true (fathom_graph_add_output (g, "class", cls, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
  g_assert_true (fathom_graph_build (g, backend, 11, &error));
  g_assert_no_error (error);
  return g;
}

static void
test_two_outputs (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = two_output_model (backend, 1.f);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.003f);
  g_autoptr(FathomTensor) xs = NULL, ts = NULL, bs = NULL, xv = NULL, tv = NULL, bv = NULL;
  g_autofree int *ls = NULL, *lv = NULL;
  g_autoptr(GError) error = NULL;
  float first[2] = { 0 }, losses[2], total;
  const gint64 n = 512;

  make_shapes (n, 5, &xs, &ts, &bs, &ls);
  make_shapes (256, 6, &xv, &tv, &bv, &lv);
  for (int e = 0; e < 12; e++)
    for (gint64 s = 0; s < n; s += 32)
      {
        g_autoptr(FathomTensor) xb = fathom_tensor_slice (xs, s, 32);
        FathomTensor *targets[2] = { fathom_tensor_slice (bs, s, 32), fathom_tensor_slice (ts, s, 32) };

        g_assert_true (fathom_graph_forward (g, &xb, TRUE, &error));
        g_assert_true (fathom_graph_compute_loss (g, targets, losses, &total, &error));
        g_assert_true (fathom_graph_backward (g, &error));
        g_assert_true (fathom_optimizer_step (opt, g, &error));
        g_assert_no_error (error);
        if (e == 0 && s == 0)
          memcpy (first, losses, sizeof first);
        g_assert_cmpfloat (fabsf (total - (losses[0] + losses[1])), <, 1e-4f);
        fathom_tensor_unref (targets[0]);
        fathom_tensor_unref (targets[1]);
      }

  /* held out: the class head classifies and the box head localises */
  {
    FathomTensor *targets[2] = { bv, tv };
    double acc;

    g_assert_true (fathom_graph_forward (g, &xv, FALSE, &error));
    g_assert_true (fathom_graph_compute_loss (g, targets, losses, &total, &error));
    g_assert_no_error (error);
    acc = accuracy (fathom_graph_get_output (g, 1), lv);
    g_test_message ("two outputs: box MSE %.4f -> %.4f, class loss %.4f -> %.4f, accuracy %.3f",
                    first[0], losses[0], first[1], losses[1], acc);
    g_assert_cmpfloat (acc, >=, 0.95);
    g_assert_cmpfloat (losses[0], <, first[0] * 0.2f);
    g_assert_cmpfloat (losses[1], <, first[1] * 0.2f);
  }
}

/* ---- graph gradients against finite differences ----------------------------- */

typedef struct {
  FathomGraph  *g;
  FathomTensor *inputs[2];
  FathomTensor *targets[2];
} GraphCtx;

static void
graph_forward (gpointer data, FathomTensor *out)
{
  GraphCtx *ctx = data;
  g_autoptr(GError) error = NULL;
  float total;

  g_assert_true (fathom_graph_forward (ctx->g, ctx->inputs, TRUE, &error));
  g_assert_true (fathom_graph_compute_loss (ctx->g, ctx->targets, NULL, &total, &error));
  g_assert_no_error (error);
  fathom_tensor_get_data (out)[0] = total;
}

static void
graph_backward (gpointer data, const FathomTensor *dout)
{
  GraphCtx *ctx = data;
  g_autoptr(GError) error = NULL;
  float scale = fathom_tensor_get_const_data (dout)[0];
  GPtrArray *params = fathom_graph_get_params (ctx->g);

  g_assert_true (fathom_graph_backward (ctx->g, &error));
  g_assert_no_error (error);
  /* The harness's objective is R * loss: scale the gradients to match. */
  for (guint i = 0; i < params->len; i++)
    {
      FathomParam *p = ((FathomGraphParam *) g_ptr_array_index (params, i))->param;
      float *d;
      if (p->grad == NULL)
        continue;
      d = fathom_tensor_get_data (p->grad);
      for (gsize j = 0; j < fathom_tensor_get_numel (p->grad); j++)
        d[j] *= scale;
    }
}

/* Two inputs, concat, add (a shortcut), BN, a node feeding two heads, two
 * losses with weights: the graph's plumbing, checked end to end. */
static void
test_graph_gradients (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (fathom_test_paths[p], 2);
      g_autoptr(FathomRng) rng = fathom_rng_new (99);
      g_autoptr(FathomGraph) g = fathom_graph_new ();
      FathomShape img = FATHOM_SHAPE (2, 5, 5), meta = FATHOM_SHAPE (3);
      FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
      int a = fathom_graph_add_input (g, "image", &img), m = fathom_graph_add_input (g, "meta", &meta);
      int c1, c2, sum, flat, mb, cat, h, bb, cls;
      g_autoptr(FathomTensor) out = fathom_tensor_new_1d (1);
      g_autoptr(GError) error = NULL;
      GraphCtx ctx;
      GPtrArray *params;
      g_autofree FathomTestGradTarget *targets = NULL;
      guint nt = 0;

      c1 = FATHOM_GRAPH_ADD (g, fathom_conv2d_layer_new (3, 3, 3, 1, 1, FATHOM_PADDING_SAME, FATHOM_ACTIVATION_TANH, TRUE), a);
      c2 = FATHOM_GRAPH_ADD (g, fathom_conv2d_layer_new (3, 1, 1, 1, 1, FATHOM_PADDING_VALID, FATHOM_ACTIVATION_IDENTITY, TRUE), c1);
      sum = FATHOM_GRAPH_ADD (g, fathom_add_layer_new (), c1, c2);
      sum = FATHOM_GRAPH_ADD (g, fathom_batch_norm_layer_new (&bn), sum);
      sum = FATHOM_GRAPH_ADD (g, fathom_avg_pool_layer_new (3, 3, 2, 2, FATHOM_PADDING_SAME), sum);
      flat = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), sum);
      mb = FATHOM_GRAPH_ADD (g, fathom_batch_norm_layer_new (&bn), m);
      cat = FATHOM_GRAPH_ADD (g, fathom_concat_layer_new (), flat, mb, m);
      h = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (6, FATHOM_ACTIVATION_SIGMOID, TRUE), cat);
      bb = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (4, FATHOM_ACTIVATION_IDENTITY, TRUE), h);
      cls = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (5, FATHOM_ACTIVATION_IDENTITY, TRUE), h);
      cls = FATHOM_GRAPH_ADD (g, fathom_softmax_layer_new (), cls);
      g_assert_true (fathom_graph_add_output (g, "bb", bb, FATHOM_LOSS_MSE, 0.3f, &error));
      g_assert_true (fathom_graph_add_output (g, "class", cls, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
      g_assert_true (fathom_graph_build (g, backend, 5, &error));
      g_assert_no_error (error);

      ctx.g = g;
      ctx.inputs[0] = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 2, 5, 5);
      ctx.inputs[1] = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 3);
      ctx.targets[0] = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 4);
      ctx.targets[1] = fathom_tensor_new_2d (3, 5);
      for (int i = 0; i < 3; i++)
        fathom_tensor_get_data (ctx.targets[1])[i * 5 + (i * 2) % 5] = 1.f;

      params = fathom_graph_get_params (g);
      targets = g_new0 (FathomTestGradTarget, params->len);
      for (guint i = 0; i < params->len; i++)
        {
          FathomGraphParam *gp = g_ptr_array_index (params, i);
          if (gp->param->is_state)
            continue;
          targets[nt].name = gp->name;
          targets[nt].value = gp->param->value;
          targets[nt].grad = gp->param->grad;
          nt++;
        }
      /* the objective is a scalar loss in float: eps 1e-2, tolerances 2e-3 + 2% */
      fathom_test_gradcheck (p ? "graph-fast" : "graph-reference", out, graph_forward, graph_backward,
                             &ctx, targets, nt, 12, 1e-2f, 2e-3f, 2e-2f);
      for (int i = 0; i < 2; i++)
        {
          fathom_tensor_unref (ctx.inputs[i]);
          fathom_tensor_unref (ctx.targets[i]);
        }
    }
}

/* ---- optimiser behaviour ---------------------------------------------------- */

static GArray *
snapshot (FathomGraph *g)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (float));
  GPtrArray *params = fathom_graph_get_params (g);

  for (guint i = 0; i < params->len; i++)
    {
      FathomParam *p = ((FathomGraphParam *) g_ptr_array_index (params, i))->param;
      g_array_append_vals (values, fathom_tensor_get_const_data (p->value),
                           fathom_tensor_get_numel (p->value));
    }
  return values;
}

static double
change (GArray *a, GArray *b)
{
  double d = 0;

  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    d += fabs (g_array_index (a, float, i) - g_array_index (b, float, i));
  return d;
}

static void
test_learning_rate_change (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  Blobs data = make_blobs (256, 3, 8);
  g_autoptr(FathomGraph) g = mlp (backend, 3, 4);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (1e-2f);
  GArray *s0, *s1, *s2, *s3;

  s0 = snapshot (g);
  train_epochs (g, opt, data.x, data.onehot, 1, NULL);
  s1 = snapshot (g);
  /* lr 0 between epochs: nothing moves (Keras 1 would have kept 1e-2) */
  fathom_optimizer_set_lr (opt, 0.f);
  train_epochs (g, opt, data.x, data.onehot, 1, NULL);
  s2 = snapshot (g);
  /* a ten times smaller rate moves the weights about ten times less */
  fathom_optimizer_set_lr (opt, 1e-3f);
  train_epochs (g, opt, data.x, data.onehot, 1, NULL);
  s3 = snapshot (g);
  g_test_message ("weight change: epoch 1 %.4f, lr 0 %.4f, lr 1e-3 %.4f",
                  change (s0, s1), change (s1, s2), change (s2, s3));
  g_assert_cmpfloat (change (s0, s1), >, 0.1);
  g_assert_cmpfloat (change (s1, s2), ==, 0.0);
  g_assert_cmpfloat (change (s2, s3), <, change (s0, s1) * 0.25);
  g_assert_cmpfloat (change (s2, s3), >, 0.0);
  g_array_unref (s0);
  g_array_unref (s1);
  g_array_unref (s2);
  g_array_unref (s3);
  blobs_free (&data);
}

static void
test_frozen_and_modes (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (2);
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  int x = fathom_graph_add_input (g, "x", &in);
  FathomLayer *first = fathom_dense_layer_new (8, FATHOM_ACTIVATION_RELU, TRUE);
  Blobs data = make_blobs (128, 3, 9);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_sgd (0.1f, 0.f, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomTensor) before = NULL;
  g_autoptr(FathomTensor) train_out = NULL;
  FathomParam *kernel, *running_mean;
  FathomLayer *norm;

  x = FATHOM_GRAPH_ADD (g, first, x);
  x = FATHOM_GRAPH_ADD (g, fathom_batch_norm_layer_new (&bn), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (0.5f), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (3, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_softmax_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
  fathom_layer_set_frozen (first, TRUE);
  g_assert_true (fathom_graph_build (g, backend, 1, &error));
  g_assert_cmpuint (fathom_graph_count_params (g, TRUE), ==, 8 * 2 + 3 * 8 + 3);
  g_assert_cmpuint (fathom_graph_count_params (g, FALSE), ==, 8 * 3 + 8 * 2 + 3 * 8 + 3);

  kernel = fathom_layer_find_param (first, "kernel");
  before = fathom_tensor_new_like (kernel->value);
  fathom_tensor_copy_from (before, kernel->value);
  norm = fathom_graph_find_layer (g, "batch_normalization_1");
  running_mean = fathom_layer_find_param (norm, "running_mean");
  g_assert_cmpfloat (fathom_tensor_get_data (running_mean->value)[0], ==, 0.f);

  train_epochs (g, opt, data.x, data.onehot, 2, NULL);
  g_assert_cmpfloat (fathom_tensor_max_abs_diff (before, kernel->value), ==, 0.f);
  /* BN trained: running values moved off their start */
  g_assert_cmpfloat (fabsf (fathom_tensor_get_data (running_mean->value)[0]) +
                     fabsf (fathom_tensor_get_data (running_mean->value)[1]), >, 0.f);

  /* training mode: dropout differs step to step; inference: repeatable */
  g_assert_true (fathom_graph_forward (g, &data.x, TRUE, &error));
  train_out = fathom_tensor_new_like (fathom_graph_get_output (g, 0));
  fathom_tensor_copy_from (train_out, fathom_graph_get_output (g, 0));
  g_assert_true (fathom_graph_forward (g, &data.x, TRUE, &error));
  g_assert_cmpfloat (fathom_tensor_max_abs_diff (train_out, fathom_graph_get_output (g, 0)), >, 1e-3f);
  g_assert_true (fathom_graph_forward (g, &data.x, FALSE, &error));
  fathom_tensor_copy_from (train_out, fathom_graph_get_output (g, 0));
  g_assert_true (fathom_graph_forward (g, &data.x, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fathom_tensor_max_abs_diff (train_out, fathom_graph_get_output (g, 0)), ==, 0.f);
  blobs_free (&data);
}

static void
test_same_seed_same_numbers (void)
{
  double losses[2];

  for (int run = 0; run < 2; run++)
    {
      g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
      Blobs data = make_blobs (200, 3, 10);
      g_autoptr(FathomGraph) g = mlp (backend, 3, 77);
      g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (1e-2f);

      losses[run] = train_epochs (g, opt, data.x, data.onehot, 3, NULL);
      blobs_free (&data);
    }
  g_assert_cmpfloat (losses[0], ==, losses[1]);
}

/* ---- recurrent layers learn a sequence ------------------------------------- */

/* Sequences a, b, a, b, ... of random symbols a != b from K; the target at
 * step t is the next symbol, which is the input of step t - 1: only a model
 * that remembers can get it (steps t >= 1 are scored). Both the lesson's
 * relu RNN with an identity recurrent matrix and a GRU must learn it. */
static void
make_alternating (gint64 n, gint64 T, gint64 K, guint64 seed, FathomTensor **xs, FathomTensor **ts, int **labels)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  float *x, *t;

  *xs = fathom_tensor_new_3d (n, T, K);
  *ts = fathom_tensor_new_3d (n, T, K);
  *labels = g_new (int, n * T);
  x = fathom_tensor_get_data (*xs);
  t = fathom_tensor_get_data (*ts);
  for (gint64 i = 0; i < n; i++)
    {
      int a = (int) fathom_rng_below (rng, K);
      int b = (int) ((a + 1 + fathom_rng_below (rng, K - 1)) % K);

      for (gint64 s = 0; s < T; s++)
        {
          int cur = s % 2 ? b : a, next = s % 2 ? a : b;
          x[(i * T + s) * K + cur] = 1.f;
          t[(i * T + s) * K + next] = 1.f;
          (*labels)[i * T + s] = next;
        }
    }
}

static void
test_recurrent_learns (gconstpointer data)
{
  gboolean gru = GPOINTER_TO_INT (data);
  const gint64 n = 256, T = 6, K = 5;
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (T, K);
  int x = fathom_graph_add_input (g, "chars", &in);
  g_autoptr(FathomTensor) xs = NULL, ts = NULL;
  g_autofree int *labels = NULL;
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
  g_autoptr(GError) error = NULL;
  double first = 0, last;
  const float *p;
  gint64 right = 0;

  x = FATHOM_GRAPH_ADD (g, gru ? fathom_gru_layer_new (16, FATHOM_ACTIVATION_TANH, FATHOM_RECURRENT_INIT_ORTHOGONAL)
                               : fathom_rnn_layer_new (16, FATHOM_ACTIVATION_RELU, FATHOM_RECURRENT_INIT_IDENTITY), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (K, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_softmax_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "next", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
  g_assert_true (fathom_graph_build (g, backend, 21, &error));
  g_assert_no_error (error);

  make_alternating (n, T, K, 4, &xs, &ts, &labels);
  last = train_epochs (g, opt, xs, ts, 30, &first);
  g_assert_true (fathom_graph_forward (g, &xs, FALSE, &error));
  g_assert_no_error (error);
  p = fathom_tensor_get_const_data (fathom_graph_get_output (g, 0));
  for (gint64 i = 0; i < n; i++)
    for (gint64 s = 1; s < T; s++)
      {
        const float *row = p + (i * T + s) * K;
        gint64 best = 0;
        for (gint64 k = 1; k < K; k++)
          if (row[k] > row[best])
            best = k;
        right += best == labels[i * T + s];
      }
  g_test_message ("%s: loss %.4f -> %.4f, accuracy on steps 1.. %.3f",
                  gru ? "GRU" : "RNN", first, last, (double) right / (n * (T - 1)));
  g_assert_cmpfloat (last, <, first * 0.5);
  g_assert_cmpfloat ((double) right / (n * (T - 1)), >=, 0.95);
}

/* ---- checkpoints -------------------------------------------------------- */

static void
test_checkpoint_round_trip (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) trained = two_output_model (backend, 1.f);
  g_autoptr(FathomGraph) fresh = two_output_model (backend, 1.f);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.003f);
  g_autoptr(FathomTensor) xs = NULL, ts = NULL, bs = NULL, want = NULL;
  g_autofree int *ls = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fathom-ckpt-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomGraph) other = NULL;
  FathomParam *kernel;
  float saved;

  make_shapes (64, 5, &xs, &ts, &bs, &ls);
  for (int e = 0; e < 2; e++)
    {
      FathomTensor *targets[2] = { bs, ts };
      float total;
      g_assert_true (fathom_graph_forward (trained, &xs, TRUE, &error));
      g_assert_true (fathom_graph_compute_loss (trained, targets, NULL, &total, &error));
      g_assert_true (fathom_graph_backward (trained, &error));
      g_assert_true (fathom_optimizer_step (opt, trained, &error));
    }
  g_hash_table_insert (meta, (char *) "experiment", (char *) "two-outputs");
  g_assert_true (fathom_checkpoint_save (trained, path, meta, &error));
  g_assert_no_error (error);

  /* a model from another seed, loaded, computes exactly the same */
  g_assert_true (fathom_graph_forward (trained, &xs, FALSE, &error));
  want = fathom_tensor_new_like (fathom_graph_get_output (trained, 1));
  fathom_tensor_copy_from (want, fathom_graph_get_output (trained, 1));
  g_assert_true (fathom_checkpoint_load (fresh, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_graph_forward (fresh, &xs, FALSE, &error));
  g_assert_cmpfloat (fathom_tensor_max_abs_diff (want, fathom_graph_get_output (fresh, 1)), ==, 0.f);

  /* a model of another shape is refused by name, and left as it was */
  other = fathom_graph_new ();
  {
    FathomShape in = FATHOM_SHAPE (1, 12, 12);
    int x = fathom_graph_add_input (other, "image", &in);
    x = FATHOM_GRAPH_ADD (other, fathom_conv2d_layer_new (4, 3, 3, 1, 1, FATHOM_PADDING_SAME, FATHOM_ACTIVATION_RELU, TRUE), x);
    x = FATHOM_GRAPH_ADD (other, fathom_global_avg_pool_layer_new (), x);
    x = FATHOM_GRAPH_ADD (other, fathom_softmax_layer_new (), x);
    g_assert_true (fathom_graph_add_output (other, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
    g_assert_true (fathom_graph_build (other, backend, 1, &error));
  }
  kernel = fathom_layer_find_param (fathom_graph_find_layer (other, "conv2d_1"), "kernel");
  saved = fathom_tensor_get_data (kernel->value)[0];
  g_assert_false (fathom_checkpoint_load (other, path, TRUE, &error));
  g_test_message ("wrong model: %s", error->message);
  g_assert_nonnull (strstr (error->message, "conv2d_1.kernel"));
  g_assert_cmpfloat (fathom_tensor_get_data (kernel->value)[0], ==, saved);
  g_clear_error (&error);
  g_assert_false (fathom_checkpoint_load (other, path, FALSE, &error));
  g_assert_nonnull (strstr (error->message, "belongs to no layer"));
  g_clear_error (&error);

  g_assert_false (fathom_checkpoint_load (fresh, "/nonexistent/model.safetensors", FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_unlink (path);
  g_rmdir (dir);
}

/* A layer's rate scale: with Adam, the scaled layer moves exactly that
 * many times as far on the same gradients, and the others as before. */
static void
test_lr_scale (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) plain = two_output_model (backend, 1.f);
  g_autoptr(FathomGraph) scaled = two_output_model (backend, 1.f);
  g_autoptr(FathomTensor) xs = NULL, ts = NULL, bs = NULL;
  g_autofree int *ls = NULL;
  g_autoptr(GError) error = NULL;
  FathomGraph *graphs[2] = { plain, scaled };
  GPtrArray *before[2];
  guint n_scaled = 0;

  make_shapes (16, 3, &xs, &ts, &bs, &ls);
  fathom_layer_set_lr_scale (fathom_graph_find_layer (scaled, "bb"), 10.f);
  g_assert_cmpfloat (fathom_layer_get_lr_scale (fathom_graph_find_layer (plain, "bb")), ==, 1.f);
  for (int k = 0; k < 2; k++)
    {
      g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (1e-3f);
      GPtrArray *params = fathom_graph_get_params (graphs[k]);
      FathomTensor *targets[2] = { bs, ts };
      float losses[2], total;

      before[k] = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
      for (guint i = 0; i < params->len; i++)
        {
          FathomTensor *value = ((FathomGraphParam *) g_ptr_array_index (params, i))->param->value;
          FathomTensor *copy = fathom_tensor_new_like (value);

          fathom_tensor_copy_from (copy, value);
          g_ptr_array_add (before[k], copy);
        }
      g_assert_true (fathom_graph_forward (graphs[k], &xs, TRUE, &error));
      g_assert_true (fathom_graph_compute_loss (graphs[k], targets, losses, &total, &error));
      g_assert_true (fathom_graph_backward (graphs[k], &error));
      g_assert_true (fathom_optimizer_step (opt, graphs[k], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < before[0]->len; i++)
    {
      FathomGraphParam *p0 = g_ptr_array_index (fathom_graph_get_params (plain), i);
      FathomGraphParam *p1 = g_ptr_array_index (fathom_graph_get_params (scaled), i);
      const float *b0 = fathom_tensor_get_data (g_ptr_array_index (before[0], i));
      const float *b1 = fathom_tensor_get_data (g_ptr_array_index (before[1], i));
      const float *a0 = fathom_tensor_get_data (p0->param->value), *a1 = fathom_tensor_get_data (p1->param->value);
      gboolean in_bb = g_str_equal (fathom_layer_get_name (p0->layer), "bb");
      float ratio = in_bb ? 10.f : 1.f;

      if (p0->param->is_state)
        continue;
      for (gsize j = 0; j < fathom_tensor_get_numel (p0->param->value); j++)
        {
          float d0 = a0[j] - b0[j], d1 = a1[j] - b1[j];

          g_assert_cmpfloat (b0[j], ==, b1[j]);
          g_assert_cmpfloat (fabsf (d1 - ratio * d0), <=, 1e-6f + 1e-3f * fabsf (ratio * d0));
          if (in_bb && fabsf (d0) > 1e-5f)
            n_scaled++;
        }
    }
  /* the box layer did move, by about ten steps of 1e-3 */
  g_assert_cmpuint (n_scaled, >, 100);
  g_ptr_array_unref (before[0]);
  g_ptr_array_unref (before[1]);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/train/separable/sgd", GINT_TO_POINTER (FALSE), test_separable);
  g_test_add_data_func ("/train/separable/adam", GINT_TO_POINTER (TRUE), test_separable);
  g_test_add_func ("/train/two-outputs", test_two_outputs);
  g_test_add_func ("/train/lr-scale", test_lr_scale);
  g_test_add_func ("/train/graph-gradients", test_graph_gradients);
  g_test_add_func ("/train/learning-rate-change", test_learning_rate_change);
  g_test_add_func ("/train/frozen-and-modes", test_frozen_and_modes);
  g_test_add_func ("/train/same-seed", test_same_seed_same_numbers);
  g_test_add_func ("/train/checkpoint-round-trip", test_checkpoint_round_trip);
  g_test_add_data_func ("/train/recurrent/rnn", GINT_TO_POINTER (FALSE), test_recurrent_learns);
  g_test_add_data_func ("/train/recurrent/gru", GINT_TO_POINTER (TRUE), test_recurrent_learns);
  return g_test_run ();
}
