/* test-norm.c: batch normalisation over axis 1, training and inference,
 * on both CPU paths. */
#include "fathom-test-util.h"
#include "fathom-backend-registry.h"
#include "fathom-graph.h"

#include <math.h>
#include <string.h>

#define T1(n, ...) fathom_tensor_new_from_data (1, (gint64[]) { n }, (const float[]) { __VA_ARGS__ })

typedef struct {
  FathomBackend *be;
  FathomBatchNormDesc desc;
  FathomTensor *x, *gamma, *beta, *running_mean, *running_var;
  FathomTensor *save_mean, *save_invstd;
  FathomTensor *dx, *dgamma, *dbeta;
} BnCtx;

static BnCtx *
bn_ctx_new (FathomBackend *be, const FathomBatchNormDesc *desc, FathomTensor *x)
{
  BnCtx *c = g_new0 (BnCtx, 1);
  gint64 ch = fathom_tensor_get_dim (x, 1);

  c->be = fathom_backend_ref (be);
  c->desc = *desc;
  c->x = fathom_tensor_ref (x);
  c->gamma = fathom_tensor_new_1d (ch);
  c->beta = fathom_tensor_new_1d (ch);
  c->running_mean = fathom_tensor_new_1d (ch);
  c->running_var = fathom_tensor_new_1d (ch);
  c->save_mean = fathom_tensor_new_1d (ch);
  c->save_invstd = fathom_tensor_new_1d (ch);
  c->dx = fathom_tensor_new_like (x);
  c->dgamma = fathom_tensor_new_1d (ch);
  c->dbeta = fathom_tensor_new_1d (ch);
  fathom_tensor_fill (c->gamma, 1.f);
  fathom_tensor_fill (c->running_var, 1.f);
  return c;
}

static void
bn_ctx_free (BnCtx *c)
{
  fathom_backend_unref (c->be);
  fathom_tensor_unref (c->x);
  fathom_tensor_unref (c->gamma);
  fathom_tensor_unref (c->beta);
  fathom_tensor_unref (c->running_mean);
  fathom_tensor_unref (c->running_var);
  fathom_tensor_unref (c->save_mean);
  fathom_tensor_unref (c->save_invstd);
  fathom_tensor_unref (c->dx);
  fathom_tensor_unref (c->dgamma);
  fathom_tensor_unref (c->dbeta);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BnCtx, bn_ctx_free)

static void
bn_ctx_forward (gpointer data, FathomTensor *out)
{
  BnCtx *c = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_batch_norm_forward (c->be, &c->desc, c->x, c->gamma, c->beta,
                                                    c->running_mean, c->running_var, out,
                                                    c->save_mean, c->save_invstd, &error));
  g_assert_no_error (error);
}

static void
bn_ctx_backward (gpointer data, const FathomTensor *dout)
{
  BnCtx *c = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_batch_norm_backward (c->be, &c->desc, c->x, c->gamma,
                                                     c->save_mean, c->save_invstd, dout,
                                                     c->dx, c->dgamma, c->dbeta, &error));
  g_assert_no_error (error);
}

/* x = [1, 2, 3, 4] as [4, 1]: mean 2.5, biased variance 1.25. */
static void
test_norm_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) x = fathom_tensor_new_from_data (2, (gint64[]) { 4, 1 },
                                                               (const float[]) { 1, 2, 3, 4 });
      g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) dy = fathom_tensor_new_from_data (2, (gint64[]) { 4, 1 },
                                                                (const float[]) { 1, 0, 0, 0 });
      FathomBatchNormDesc keras = fathom_batch_norm_desc_keras ();
      FathomBatchNormDesc torch = fathom_batch_norm_desc_torch ();
      g_autoptr(BnCtx) c = bn_ctx_new (be, &keras, x);

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));
      fathom_tensor_fill (c->gamma, 2.f);
      fathom_tensor_fill (c->beta, 1.f);

      /* training, eps 1e-3: invstd = 1/sqrt(1.251), y = 2 (x - 2.5) invstd + 1 */
      bn_ctx_forward (c, y);
      fathom_test_assert_values (y, (const float[]) { -1.6822089f, 0.10593037f, 1.8940696f, 3.6822089f },
                                 4, 1e-6f, "train y");
      fathom_test_assert_values (c->save_mean, (const float[]) { 2.5f }, 1, 0.f, "save_mean");
      fathom_test_assert_values (c->save_invstd, (const float[]) { 0.89406963f }, 1, 1e-7f, "save_invstd");
      /* Keras momentum 0.99 from (0, 1): 0.01 * 2.5 and 0.99 + 0.01 * 1.25 */
      fathom_test_assert_values (c->running_mean, (const float[]) { 0.025f }, 1, 1e-8f, "running_mean");
      fathom_test_assert_values (c->running_var, (const float[]) { 1.0025f }, 1, 1e-7f, "running_var");

      /* backward with dy = e0: dbeta = 1, dgamma = xhat0, and dx sums to 0 */
      bn_ctx_backward (c, dy);
      fathom_test_assert_values (c->dbeta, (const float[]) { 1.f }, 1, 1e-6f, "dbeta");
      fathom_test_assert_values (c->dgamma, (const float[]) { -1.3411045f }, 1, 1e-6f, "dgamma");
      fathom_test_assert_values (c->dx, (const float[]) { 0.53708500f, -0.71504130f, -0.17902833f, 0.35698464f },
                                 4, 1e-6f, "train dx");

      /* gradients not asked for are not computed; the others still are */
      fathom_tensor_fill (c->dx, 0.f);
      g_assert_true (fathom_backend_batch_norm_backward (be, &c->desc, x, c->gamma, c->save_mean,
                                                         c->save_invstd, dy, c->dx, NULL, NULL, NULL));
      g_assert_cmpfloat_with_epsilon (fathom_tensor_get_data (c->dx)[1], -0.71504130f, 1e-6f);

      /* inference: the running values are used and saved, and stay put */
      c->desc.training = FALSE;
      bn_ctx_forward (c, y);
      fathom_test_assert_values (y, (const float[]) { 2.9465964f, 4.9431056f, 6.9396148f, 8.9361239f },
                                 4, 1e-6f, "inference y");
      fathom_test_assert_values (c->save_mean, (const float[]) { 0.025f }, 1, 0.f, "inference save_mean");
      fathom_test_assert_values (c->save_invstd, (const float[]) { 0.99825458f }, 1, 1e-7f,
                                 "inference save_invstd");
      fathom_test_assert_values (c->running_mean, (const float[]) { 0.025f }, 1, 0.f, "running_mean kept");
      fathom_test_assert_values (c->running_var, (const float[]) { 1.0025f }, 1, 0.f, "running_var kept");
      /* inference backward: the op is affine, dx = dy gamma invstd */
      bn_ctx_backward (c, dy);
      fathom_test_assert_values (c->dx, (const float[]) { 1.9965092f, 0, 0, 0 }, 4, 1e-6f, "inference dx");
      fathom_test_assert_values (c->dgamma, (const float[]) { 0.97329822f }, 1, 1e-6f, "inference dgamma");
      fathom_test_assert_values (c->dbeta, (const float[]) { 1.f }, 1, 1e-6f, "inference dbeta");

      /* PyTorch: eps 1e-5, momentum 0.9, running variance unbiased (5/3) */
      c->desc = torch;
      fathom_tensor_fill (c->running_mean, 0.f);
      fathom_tensor_fill (c->running_var, 1.f);
      bn_ctx_forward (c, y);
      fathom_test_assert_values (y, (const float[]) { -1.6832708f, 0.10557639f, 1.8944236f, 3.6832708f },
                                 4, 1e-6f, "torch y");
      fathom_test_assert_values (c->running_mean, (const float[]) { 0.25f }, 1, 1e-7f, "torch running_mean");
      fathom_test_assert_values (c->running_var, (const float[]) { 1.0666667f }, 1, 1e-7f, "torch running_var");
    }
}

/* [N, C, H, W] = [2, 2, 1, 2]: channel 0 holds 1, 2 | 3, 4 (as above),
 * channel 1 is constant, so its variance is 0 and y = beta. */
static void
test_norm_4d_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) x = fathom_tensor_new_from_data (4, (gint64[]) { 2, 2, 1, 2 },
                                                               (const float[]) { 1, 2, 10, 10, 3, 4, 10, 10 });
      g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
      FathomBatchNormDesc keras = fathom_batch_norm_desc_keras ();
      g_autoptr(BnCtx) c = bn_ctx_new (be, &keras, x);

      memcpy (fathom_tensor_get_data (c->gamma), (const float[]) { 2, 3 }, 2 * sizeof (float));
      memcpy (fathom_tensor_get_data (c->beta), (const float[]) { 1, -1 }, 2 * sizeof (float));
      bn_ctx_forward (c, y);
      fathom_test_assert_values (y, (const float[]) { -1.6822089f, 0.10593037f, -1, -1,
                                                      1.8940696f, 3.6822089f, -1, -1 },
                                 8, 1e-6f, "4-D y");
      fathom_test_assert_values (c->save_mean, (const float[]) { 2.5f, 10.f }, 2, 0.f, "4-D save_mean");
      /* 1/sqrt(0 + 1e-3) */
      fathom_test_assert_values (c->save_invstd, (const float[]) { 0.89406963f, 31.622777f }, 2, 1e-6f,
                                 "4-D save_invstd");
      fathom_test_assert_values (c->running_mean, (const float[]) { 0.025f, 0.1f }, 2, 1e-7f,
                                 "4-D running_mean");
      fathom_test_assert_values (c->running_var, (const float[]) { 1.0025f, 0.99f }, 2, 1e-7f,
                                 "4-D running_var");
    }
}

/* A single value per channel: variance 0, and no n/(n-1) correction. */
static void
test_norm_single_value (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) x = fathom_tensor_new_from_data (2, (gint64[]) { 1, 2 },
                                                               (const float[]) { 5, -3 });
      g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
      FathomBatchNormDesc torch = fathom_batch_norm_desc_torch ();
      g_autoptr(BnCtx) c = bn_ctx_new (be, &torch, x);

      fathom_tensor_fill (c->beta, 0.5f);
      bn_ctx_forward (c, y);
      fathom_test_assert_values (y, (const float[]) { 0.5f, 0.5f }, 2, 0.f, "y");
      fathom_test_assert_values (c->running_mean, (const float[]) { 0.5f, -0.3f }, 2, 1e-7f, "running_mean");
      fathom_test_assert_values (c->running_var, (const float[]) { 0.9f, 0.9f }, 2, 1e-7f, "running_var");
    }
}

/* Training-mode batch norm is strongly curved for small batches, so the
 * step is small; the objective is a sum of O(100) float outputs, whose
 * rounding (~1e-6) over 2*eps gives ~1e-3 of noise. */
#define GRAD_EPS  2e-3f
#define GRAD_ATOL 3e-3f
#define GRAD_RTOL 3e-3f

static void
test_norm_gradcheck (void)
{
  /* batch*spatial > 1 for training; batch 1 and 3; sizes 1, odd, prime */
  static const struct {
    guint ndim;
    gint64 shape[4];
    gboolean training;
  } cases[] = {
    { 2, { 3, 5 }, TRUE },
    { 2, { 2, 1 }, TRUE },
    { 2, { 7, 3 }, TRUE },
    { 4, { 1, 3, 2, 3 }, TRUE },
    { 4, { 3, 2, 1, 1 }, TRUE },
    { 4, { 3, 1, 5, 3 }, TRUE },
    { 4, { 3, 7, 1, 2 }, TRUE },
    { 2, { 1, 3 }, FALSE },
    { 2, { 3, 5 }, FALSE },
    { 4, { 1, 1, 1, 1 }, FALSE },
    { 4, { 3, 2, 3, 1 }, FALSE },
  };
  g_autoptr(FathomRng) rng = fathom_rng_new (23);
  double worst_train = 0.0, worst_infer = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        g_autoptr(FathomTensor) x = fathom_test_uniform (rng, cases[k].ndim, cases[k].shape, -1.f, 1.f);
        g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
        FathomBatchNormDesc desc = fathom_batch_norm_desc_keras ();
        g_autoptr(BnCtx) c = NULL;
        g_autofree char *shape = fathom_tensor_shape_to_string (x);
        g_autofree char *name = NULL;
        double err;

        desc.training = cases[k].training;
        c = bn_ctx_new (be, &desc, x);
        fathom_rng_fill_uniform (rng, c->gamma, 0.5f, 1.5f);
        fathom_rng_fill_uniform (rng, c->beta, -0.5f, 0.5f);
        fathom_rng_fill_uniform (rng, c->running_mean, -0.5f, 0.5f);
        fathom_rng_fill_uniform (rng, c->running_var, 0.5f, 1.5f);
        name = g_strdup_printf ("batch_norm %s %s %s", fathom_test_path_name (fathom_test_paths[p]),
                                shape, desc.training ? "training" : "inference");
        err = fathom_test_gradcheck (name, y, bn_ctx_forward, bn_ctx_backward, c,
                                     (FathomTestGradTarget[]) {
                                       { "x", c->x, c->dx },
                                       { "gamma", c->gamma, c->dgamma },
                                       { "beta", c->beta, c->dbeta },
                                     }, 3, 200, GRAD_EPS, GRAD_ATOL, GRAD_RTOL);
        if (desc.training)
          worst_train = MAX (worst_train, err);
        else
          worst_infer = MAX (worst_infer, err);
      }
  g_test_message ("batch_norm gradcheck: worst |analytic - numeric| training %.3g, inference %.3g "
                  "(atol %g, rtol %g)", worst_train, worst_infer, (double) GRAD_ATOL, (double) GRAD_RTOL);
}

/* FAST against REFERENCE, and FAST on 1 thread against 3: channels are
 * computed the same way whatever the split, so the last match is exact. */
static void
bn_compare_paths (gboolean training)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (31);
  /* 17*13*11*9 floats: large enough for the FAST path to use its threads */
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -2, 3, 17, 13, 11, 9);
  g_autoptr(FathomTensor) dy = FATHOM_TEST_UNIFORM (rng, -1, 1, 17, 13, 11, 9);
  g_autoptr(FathomTensor) gamma = FATHOM_TEST_UNIFORM (rng, 0.5, 1.5, 13);
  g_autoptr(FathomTensor) beta = FATHOM_TEST_UNIFORM (rng, -1, 1, 13);
  g_autoptr(FathomTensor) rmean = FATHOM_TEST_UNIFORM (rng, -1, 1, 13);
  g_autoptr(FathomTensor) rvar = FATHOM_TEST_UNIFORM (rng, 0.5, 2, 13);
  static const struct { FathomCpuPath path; guint threads; } runs[3] = {
    { FATHOM_CPU_PATH_REFERENCE, 1 }, { FATHOM_CPU_PATH_FAST, 1 }, { FATHOM_CPU_PATH_FAST, 3 },
  };
  FathomBatchNormDesc desc = fathom_batch_norm_desc_torch ();
  BnCtx *c[3];
  FathomTensor *y[3];
  gsize bytes = fathom_tensor_get_numel (x) * sizeof (float);

  desc.training = training;
  for (guint b = 0; b < 3; b++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (runs[b].path, runs[b].threads);

      c[b] = bn_ctx_new (be, &desc, x);
      y[b] = fathom_tensor_new_like (x);
      fathom_tensor_copy_from (c[b]->gamma, gamma);
      fathom_tensor_copy_from (c[b]->beta, beta);
      fathom_tensor_copy_from (c[b]->running_mean, rmean);
      fathom_tensor_copy_from (c[b]->running_var, rvar);
      bn_ctx_forward (c[b], y[b]);
      bn_ctx_backward (c[b], dy);
    }

  for (guint b = 1; b < 3; b++)
    {
      g_autofree char *what = g_strdup_printf ("%s fast/%u", training ? "training" : "inference",
                                               runs[b].threads);

      fathom_test_assert_close (y[b], y[0], 1e-5f, 1e-5f, what);
      fathom_test_assert_close (c[b]->dx, c[0]->dx, 1e-5f, 1e-5f, what);
      fathom_test_assert_close (c[b]->dgamma, c[0]->dgamma, 1e-4f, 1e-5f, what);
      fathom_test_assert_close (c[b]->dbeta, c[0]->dbeta, 1e-4f, 1e-5f, what);
      fathom_test_assert_close (c[b]->save_mean, c[0]->save_mean, 1e-6f, 1e-6f, what);
      fathom_test_assert_close (c[b]->save_invstd, c[0]->save_invstd, 1e-6f, 1e-6f, what);
      fathom_test_assert_close (c[b]->running_mean, c[0]->running_mean, 1e-6f, 1e-6f, what);
      fathom_test_assert_close (c[b]->running_var, c[0]->running_var, 1e-6f, 1e-6f, what);
    }
  g_assert_cmpmem (fathom_tensor_get_data (y[1]), bytes, fathom_tensor_get_data (y[2]), bytes);
  g_assert_cmpmem (fathom_tensor_get_data (c[1]->dx), bytes, fathom_tensor_get_data (c[2]->dx), bytes);

  for (guint b = 0; b < 3; b++)
    {
      bn_ctx_free (c[b]);
      fathom_tensor_unref (y[b]);
    }
}

static void
test_norm_fast_matches_reference (void)
{
  bn_compare_paths (TRUE);
  bn_compare_paths (FALSE);
}

/* In a graph, the running statistics warm up: for the first 1/(1 - m)
 * training steps they are the plain mean of the batch statistics so far,
 * then the exponential average with momentum m (Keras's 0.99). */
static void
test_norm_running_warmup (void)
{
  g_autoptr(FathomBackend) cpu = fathom_backend_new_by_name ("cpu", NULL);
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  g_autoptr(GError) error = NULL;
  FathomBatchNormDesc desc = fathom_batch_norm_desc_keras ();
  FathomShape shape = FATHOM_SHAPE (1);
  FathomLayer *bn_layer;
  FathomParam *mean;
  double want = 0, batch_mean;
  int x = fathom_graph_add_input (g, "x", &shape);

  x = FATHOM_GRAPH_ADD_NAMED (g, "bn", fathom_batch_norm_layer_new (&desc), x);
  g_assert_true (fathom_graph_add_output (g, "y", x, FATHOM_LOSS_NONE, 1.f, &error));
  g_assert_true (fathom_graph_build (g, cpu, 1, &error));
  g_assert_no_error (error);
  bn_layer = fathom_graph_find_layer (g, "bn");
  mean = fathom_layer_find_param (bn_layer, "running_mean");
  g_assert_nonnull (mean);
  for (int t = 1; t <= 150; t++)
    {
      /* a batch of two with mean 10 + t */
      g_autoptr(FathomTensor) in = fathom_tensor_new_from_data (2, (gint64[]) { 2, 1 },
                                                                (const float[]) { 9.f + t, 11.f + t });
      FathomTensor *inputs[1] = { in };
      double m = MIN (0.99, 1.0 - 1.0 / t);

      g_assert_true (fathom_graph_forward (g, inputs, TRUE, &error));
      g_assert_no_error (error);
      batch_mean = 10.0 + t;
      want = m * want + (1 - m) * batch_mean;
      g_assert_cmpfloat_with_epsilon (fathom_tensor_get_const_data (mean->value)[0], want, 1e-3 * want);
      if (t == 3)      /* the mean of 11, 12, 13 */
        g_assert_cmpfloat_with_epsilon (want, 12.0, 1e-9);
    }
}

/* ---- batch norms folded into convolutions (fathom-graph-fold.c) ---------------- */

static void
test_fold_matches_unfolded (void)
{
  for (guint path = 0; path < G_N_ELEMENTS (fathom_test_paths); path++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[path], 2);
      g_autoptr(FathomRng) rng = fathom_rng_new (31);
      g_autoptr(FathomGraph) g = fathom_test_conv_bn_model (be, 4);
      g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 3, 9, 11);
      g_autoptr(GError) error = NULL;

      /* folded first, on a fresh graph: the folded nodes are never computed */
      fathom_graph_set_fold_batch_norm (g, TRUE);
      g_assert_true (fathom_graph_get_fold_batch_norm (g));
      g_assert_true (fathom_graph_forward (g, &x, FALSE, &error));
      g_assert_no_error (error);
      {
        /* what each chain became: folded away, or holding the chain's result */
        const char *skipped[] = { "pad", "conv1", "bn1", "conv2", "bn2", "sum", "pool_pad", "conv4", "bn4",
                                  "conv5" };
        const char *computed[] = { "relu1", "relu2", "sum2", "bn5", "conv6", "sum3", "conv3", "bn3" };

        for (guint k = 0; k < G_N_ELEMENTS (skipped); k++)
          if (fathom_graph_get_node_output (g, skipped[k]) != NULL)
            g_error ("%s was computed in the folded pass", skipped[k]);
        for (guint k = 0; k < G_N_ELEMENTS (computed); k++)
          if (fathom_graph_get_node_output (g, computed[k]) == NULL)
            g_error ("%s was not computed in the folded pass", computed[k]);
      }
      {
        /* each chain's result, folded against unfolded */
        const char *const *names = fathom_test_conv_bn_results;
        FathomTensor *folded[8];
        float diff_sum = 0.f;

        for (guint k = 0; names[k] != NULL; k++)
          {
            g_assert_cmpuint (k, <, G_N_ELEMENTS (folded));
            folded[k] = fathom_tensor_new_like (fathom_graph_get_node_output (g, names[k]));
            fathom_tensor_copy_from (folded[k], fathom_graph_get_node_output (g, names[k]));
          }
        fathom_graph_set_fold_batch_norm (g, FALSE);
        g_assert_true (fathom_graph_forward (g, &x, FALSE, &error));
        g_assert_no_error (error);
        for (guint k = 0; names[k] != NULL; k++)
          {
            const FathomTensor *plain = fathom_graph_get_node_output (g, names[k]);

            g_test_message ("%s: %s folded against unfolded, %.3g at most",
                            fathom_test_path_name (fathom_test_paths[path]), names[k],
                            (double) fathom_tensor_max_abs_diff (folded[k], plain));
            fathom_test_assert_close (folded[k], plain, 1e-5f, 1e-5f, names[k]);
            diff_sum += fathom_tensor_max_abs_diff (folded[k], plain);
            fathom_tensor_unref (folded[k]);
          }
        /* the unfolded pass computed every node, and differs from the
         * folded in rounding at least */
        g_assert_nonnull (fathom_graph_get_node_output (g, "bn1"));
        g_assert_cmpfloat (diff_sum, >, 0.f);
      }
      /* training never folds: the same forward with the flag on */
      {
        g_autoptr(FathomTensor) trained_off = NULL;

        g_assert_true (fathom_graph_forward (g, &x, TRUE, &error));
        trained_off = fathom_tensor_new_like (fathom_graph_get_output (g, 0));
        fathom_tensor_copy_from (trained_off, fathom_graph_get_output (g, 0));
        fathom_graph_set_fold_batch_norm (g, TRUE);
        g_assert_true (fathom_graph_forward (g, &x, TRUE, &error));
        g_assert_no_error (error);
        g_assert_cmpfloat (fathom_tensor_max_abs_diff (trained_off, fathom_graph_get_output (g, 0)), ==, 0.f);
      }
    }
}

/* ---- backward through a batch norm on data ----------------------------------- */

static float
bn_conv_step (FathomGraph *g, FathomTensor *x, FathomTensor *t, gboolean backward)
{
  g_autoptr(GError) error = NULL;
  float loss = 0.f;

  g_assert_true (fathom_graph_forward (g, &x, TRUE, &error));
  g_assert_true (fathom_graph_compute_loss (g, &t, NULL, &loss, &error));
  if (backward)
    g_assert_true (fathom_graph_backward (g, &error));
  g_assert_no_error (error);
  return loss;
}

/* The folded backward (fathom_conv2d_layer_backward_through_batch_norm)
 * gives the unfolded one's gradients, on both CPU paths, with the
 * convolution trained or frozen; and its dgamma and dbeta match central
 * differences of the loss (fathom_test_bn_conv_batch()'s features). */
static void
test_bn_conv_backward_fold (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (int frozen = 0; frozen < 2; frozen++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 2);
        g_autoptr(FathomGraph) plain = fathom_test_bn_conv_model (be, frozen);
        g_autoptr(FathomGraph) folded = fathom_test_bn_conv_model (be, frozen);
        g_autoptr(FathomTensor) x = NULL, t = NULL;
        GPtrArray *pp, *pf;
        g_autofree char *what = g_strdup_printf ("%s path, convolution %s",
                                                 fathom_test_path_name (fathom_test_paths[p]),
                                                 frozen ? "frozen" : "trained");

        fathom_test_bn_conv_batch (31, &x, &t);
        fathom_graph_set_fold_batch_norm_backward (plain, FALSE);
        bn_conv_step (plain, x, t, TRUE);
        g_assert_cmpuint (fathom_graph_get_n_backward_folds (plain), ==, 0);
        bn_conv_step (folded, x, t, TRUE);
        g_assert_cmpuint (fathom_graph_get_n_backward_folds (folded), ==, 1);

        pp = fathom_graph_get_params (plain);
        pf = fathom_graph_get_params (folded);
        g_assert_cmpuint (pp->len, ==, pf->len);
        for (guint i = 0; i < pp->len; i++)
          {
            FathomGraphParam *a = g_ptr_array_index (pp, i), *b = g_ptr_array_index (pf, i);
            g_autofree char *name = g_strdup_printf ("%s: %s", what, a->name);

            g_assert_cmpstr (a->name, ==, b->name);
            if (a->param->grad == NULL || fathom_layer_get_frozen (a->layer))
              continue;
            fathom_test_assert_close (b->param->grad, a->param->grad, 2e-6f, 2e-5f, name);
          }

        /* central differences of dgamma[c] and dbeta[c] on the folded graph */
        for (int which = 0; which < 2; which++)
          for (gint64 ch = 0; ch < 6; ch += 5)
            {
              FathomLayer *bn = fathom_graph_find_layer (folded, "bn");
              FathomTensor *param = fathom_layer_value (bn, (guint) which);
              float *v = fathom_tensor_get_data (param), keep = v[ch];
              const float h = 1e-2f;
              float up, down, analytic;

              bn_conv_step (folded, x, t, TRUE);
              analytic = fathom_tensor_get_data (fathom_layer_grad (bn, (guint) which))[ch];
              v[ch] = keep + h;
              up = bn_conv_step (folded, x, t, FALSE);
              v[ch] = keep - h;
              down = bn_conv_step (folded, x, t, FALSE);
              v[ch] = keep;
              g_assert_cmpfloat_with_epsilon (analytic, (up - down) / (2 * h),
                                              2e-3 + 1e-2 * fabs (analytic));
            }
      }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/norm/by-hand", test_norm_by_hand);
  g_test_add_func ("/norm/4d-by-hand", test_norm_4d_by_hand);
  g_test_add_func ("/norm/single-value", test_norm_single_value);
  g_test_add_func ("/norm/gradcheck", test_norm_gradcheck);
  g_test_add_func ("/norm/fast-matches-reference", test_norm_fast_matches_reference);
  g_test_add_func ("/norm/running-warmup", test_norm_running_warmup);
  g_test_add_func ("/norm/fold-matches-unfolded", test_fold_matches_unfolded);
  g_test_add_func ("/norm/bn-conv-backward-fold", test_bn_conv_backward_fold);
  return g_test_run ();
}
