/* fathom-test-util.c: tolerance checks and finite-difference gradients. */
#include "fathom-test-util.h"
#include "fathom-heads.h"

#include <glib/gstdio.h>
#include <math.h>

const FathomCpuPath fathom_test_paths[2] = { FATHOM_CPU_PATH_REFERENCE, FATHOM_CPU_PATH_FAST };

const char *
fathom_test_path_name (FathomCpuPath path)
{
  return path == FATHOM_CPU_PATH_FAST ? "fast" : "reference";
}

FathomTensor *
fathom_test_uniform (FathomRng *rng, guint ndim, const gint64 *shape, float low, float high)
{
  FathomTensor *t = fathom_tensor_new (ndim, shape);

  fathom_rng_fill_uniform (rng, t, low, high);
  return t;
}

void
fathom_test_assert_close (const FathomTensor *got, const FathomTensor *want,
                          float atol, float rtol, const char *what)
{
  const float *g = fathom_tensor_get_const_data (got);
  const float *w = fathom_tensor_get_const_data (want);
  gsize n = fathom_tensor_get_numel (want);

  if (!fathom_tensor_same_shape (got, want))
    {
      g_autofree char *a = fathom_tensor_shape_to_string (got);
      g_autofree char *b = fathom_tensor_shape_to_string (want);
      g_error ("%s: shape %s, expected %s", what, a, b);
    }
  for (gsize i = 0; i < n; i++)
    if (!(fabsf (g[i] - w[i]) <= atol + rtol * fabsf (w[i])))
      g_error ("%s: element %" G_GSIZE_FORMAT " is %.7g, expected %.7g (atol %g, rtol %g)",
               what, i, (double) g[i], (double) w[i], (double) atol, (double) rtol);
}

void
fathom_test_assert_values (const FathomTensor *got, const float *want, gsize n,
                           float atol, const char *what)
{
  const float *g = fathom_tensor_get_const_data (got);

  g_assert_cmpuint (fathom_tensor_get_numel (got), ==, n);
  for (gsize i = 0; i < n; i++)
    if (!(fabsf (g[i] - want[i]) <= atol + 1e-5f * fabsf (want[i])))
      g_error ("%s: element %" G_GSIZE_FORMAT " is %.7g, expected %.7g",
               what, i, (double) g[i], (double) want[i]);
}

static double
objective (FathomTensor *out, const FathomTensor *r, FathomTestForward forward, gpointer ctx)
{
  const float *o, *w;
  gsize n = fathom_tensor_get_numel (out);
  double sum = 0.0;

  forward (ctx, out);
  o = fathom_tensor_get_const_data (out);
  w = fathom_tensor_get_const_data (r);
  for (gsize i = 0; i < n; i++)
    sum += (double) o[i] * w[i];
  return sum;
}

double
fathom_test_gradcheck (const char *name, FathomTensor *out,
                       FathomTestForward forward, FathomTestBackward backward,
                       gpointer ctx, const FathomTestGradTarget *targets, guint n_targets,
                       guint max_points, float eps, float atol, float rtol)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (g_str_hash (name));
  g_autoptr(FathomTensor) r = fathom_tensor_new_like (out);
  double worst = 0.0;

  fathom_rng_fill_uniform (rng, r, -1.f, 1.f);
  forward (ctx, out);
  backward (ctx, r);

  for (guint t = 0; t < n_targets; t++)
    {
      float *v = fathom_tensor_get_data (targets[t].value);
      const float *g = fathom_tensor_get_const_data (targets[t].grad);
      gsize n = fathom_tensor_get_numel (targets[t].value);
      guint points = (guint) MIN ((gsize) max_points, n);

      g_assert_true (fathom_tensor_same_shape (targets[t].value, targets[t].grad));
      for (guint p = 0; p < points; p++)
        {
          gsize i = points == n ? p : (gsize) fathom_rng_below (rng, n);
          float saved = v[i];
          double plus, minus, numeric, diff;

          v[i] = saved + eps;
          plus = objective (out, r, forward, ctx);
          v[i] = saved - eps;
          minus = objective (out, r, forward, ctx);
          v[i] = saved;
          numeric = (plus - minus) / (2.0 * eps);
          diff = fabs (g[i] - numeric);
          worst = MAX (worst, diff);
          if (!(diff <= atol + rtol * fabs (numeric)))
            g_error ("%s: d/d%s[%" G_GSIZE_FORMAT "] analytic %.7g, numeric %.7g (atol %g, rtol %g)",
                     name, targets[t].name, i, (double) g[i], numeric, (double) atol, (double) rtol);
        }
    }
  forward (ctx, out);
  return worst;
}

void
fathom_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          fathom_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
fathom_test_blobs (gint64 n, guint64 seed, FathomTensor **x, FathomTensor **t)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  float *xd, *td;

  *x = fathom_tensor_new_2d (n, 2);
  *t = fathom_tensor_new_2d (n, 3);
  xd = fathom_tensor_get_data (*x);
  td = fathom_tensor_get_data (*t);
  for (gint64 i = 0; i < n; i++)
    {
      int c = (int) fathom_rng_below (rng, 3);

      xd[2 * i] = (float) (3 * cos (2 * G_PI * c / 3) + fathom_rng_normal (rng, 0, 0.6));
      xd[2 * i + 1] = (float) (3 * sin (2 * G_PI * c / 3) + fathom_rng_normal (rng, 0, 0.6));
      td[3 * i + c] = 1.f;
    }
}

FathomGraph *
fathom_test_mlp (FathomBackend *backend, gint64 n_in, gint64 hidden, gint64 classes, guint64 seed)
{
  FathomGraph *g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (n_in);
  int x = fathom_graph_add_input (g, "x", &in);
  g_autoptr(GError) error = NULL;

  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (hidden, FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (classes, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
  g_assert_true (fathom_graph_build (g, backend, seed, &error));
  g_assert_no_error (error);
  return g;
}

/* Values drawn uniformly in [lo, hi) into a backend tensor. */
static void
upload_uniform (FathomBackend *backend, FathomRng *rng, FathomTensor *t, float lo, float hi)
{
  g_autoptr(FathomTensor) host = fathom_tensor_new (fathom_tensor_get_ndim (t), fathom_tensor_get_shape (t));
  float *d = fathom_tensor_get_data (host);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < fathom_tensor_get_numel (host); i++)
    d[i] = (float) (lo + (hi - lo) * fathom_rng_uniform (rng));
  g_assert_true (fathom_backend_upload (backend, t, d, &error));
  g_assert_no_error (error);
}

const char *const fathom_test_conv_bn_results[] = {
  "relu1", "relu2", "mpool", "sum2", "sum3", "pool", NULL,
};

FathomGraph *
fathom_test_conv_bn_model (FathomBackend *backend, guint64 seed)
{
  FathomGraph *g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (3, 9, 11);
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  int x = fathom_graph_add_input (g, "x", &in), r1, b2, r2, s2, b5, c6;
  g_autoptr(GError) error = NULL;

  x = FATHOM_GRAPH_ADD_NAMED (g, "pad", fathom_zero_pad_layer_new (1, 1, 1, 1), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "conv1", fathom_conv2d_layer_new (5, 3, 3, 1, 1, FATHOM_PADDING_VALID,
                                                                   FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "bn1", fathom_batch_norm_layer_new (&bn), x);
  r1 = FATHOM_GRAPH_ADD_NAMED (g, "relu1", fathom_activation_layer_new (FATHOM_ACTIVATION_RELU), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "conv2", fathom_conv2d_layer_new (5, 1, 1, 1, 1, FATHOM_PADDING_VALID,
                                                                   FATHOM_ACTIVATION_IDENTITY, FALSE), r1);
  b2 = FATHOM_GRAPH_ADD_NAMED (g, "bn2", fathom_batch_norm_layer_new (&bn), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "sum", fathom_add_layer_new (), b2, r1);
  r2 = FATHOM_GRAPH_ADD_NAMED (g, "relu2", fathom_activation_layer_new (FATHOM_ACTIVATION_RELU), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "pool_pad", fathom_zero_pad_layer_new (1, 1, 1, 1), r2);
  FATHOM_GRAPH_ADD_NAMED (g, "mpool", fathom_max_pool_layer_new (3, 3, 2, 2, FATHOM_PADDING_VALID), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "conv4", fathom_conv2d_layer_new (5, 1, 1, 1, 1, FATHOM_PADDING_VALID,
                                                                   FATHOM_ACTIVATION_IDENTITY, TRUE), r2);
  x = FATHOM_GRAPH_ADD_NAMED (g, "bn4", fathom_batch_norm_layer_new (&bn), x);
  s2 = FATHOM_GRAPH_ADD_NAMED (g, "sum2", fathom_add_layer_new (), r2, x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "conv5", fathom_conv2d_layer_new (5, 1, 1, 1, 1, FATHOM_PADDING_VALID,
                                                                   FATHOM_ACTIVATION_IDENTITY, TRUE), s2);
  b5 = FATHOM_GRAPH_ADD_NAMED (g, "bn5", fathom_batch_norm_layer_new (&bn), x);
  c6 = FATHOM_GRAPH_ADD_NAMED (g, "conv6", fathom_conv2d_layer_new (5, 1, 1, 1, 1, FATHOM_PADDING_VALID,
                                                                    FATHOM_ACTIVATION_RELU, TRUE), s2);
  x = FATHOM_GRAPH_ADD_NAMED (g, "sum3", fathom_add_layer_new (), b5, c6);
  x = FATHOM_GRAPH_ADD_NAMED (g, "conv3", fathom_conv2d_layer_new (4, 3, 3, 2, 2, FATHOM_PADDING_SAME,
                                                                   FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "bn3", fathom_batch_norm_layer_new (&bn), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "pool", fathom_global_avg_pool_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "features", x, FATHOM_LOSS_NONE, 1.f, &error));
  g_assert_true (fathom_graph_build (g, backend, seed, &error));
  g_assert_no_error (error);
  for (int k = 1; k <= 5; k++)
    {
      g_autofree char *conv = g_strdup_printf ("conv%d", k), *norm = g_strdup_printf ("bn%d", k);
      FathomLayer *layer = fathom_graph_find_layer (g, norm);
      FathomParam *bias = fathom_layer_find_param (fathom_graph_find_layer (g, conv), "bias");
      const char *names[] = { "gamma", "beta", "running_mean", "running_var" };
      const float lo[] = { 0.5f, -0.5f, -0.3f, 0.2f }, hi[] = { 1.5f, 0.5f, 0.3f, 2.f };

      for (guint p = 0; p < G_N_ELEMENTS (names); p++)
        upload_uniform (backend, rng, fathom_layer_find_param (layer, names[p])->value, lo[p], hi[p]);
      if (bias != NULL)
        upload_uniform (backend, rng, bias->value, -0.5f, 0.5f);
    }
  return g;
}

FathomGraph *
fathom_test_bn_conv_model (FathomBackend *be, gboolean frozen_conv)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  g_autoptr(GError) error = NULL;
  FathomShape shape = FATHOM_SHAPE (6, 9, 10);
  FathomLayer *conv = fathom_conv2d_layer_new (5, 3, 3, 1, 1, FATHOM_PADDING_SAME, FATHOM_ACTIVATION_RELU, TRUE);
  int x = fathom_graph_add_input (g, "features", &shape);

  x = FATHOM_GRAPH_ADD_NAMED (g, "bn", fathom_batch_norm_layer_new (NULL), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "conv", conv, x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "gap", fathom_global_avg_pool_layer_new (), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "dense", fathom_dense_layer_new (4, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
  g_assert_true (fathom_graph_build (g, be, 5, &error));
  g_assert_no_error (error);
  if (frozen_conv)
    fathom_layer_set_frozen (conv, TRUE);
  return g_steal_pointer (&g);
}

void
fathom_test_bn_conv_batch (guint64 seed, FathomTensor **x, FathomTensor **labels)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);

  *x = FATHOM_TEST_UNIFORM (rng, 0.f, 2.5f, 7, 6, 9, 10);
  *labels = fathom_tensor_new_2d (7, 4);
  for (gint64 i = 0; i < 7; i++)
    fathom_tensor_get_data (*labels)[i * 4 + i % 4] = 1.f;
}

void
fathom_test_randomise_state (FathomGraph *graph, FathomRng *rng)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *params = fathom_graph_get_params (graph);

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *p = g_ptr_array_index (params, i);

      if (g_str_has_suffix (p->name, ".running_var") || g_str_has_suffix (p->name, ".gamma"))
        upload_uniform (backend, rng, p->param->value, 0.5f, 1.5f);
      else if (g_str_has_suffix (p->name, ".running_mean") || g_str_has_suffix (p->name, ".beta") ||
               g_str_has_suffix (p->name, ".bias"))
        upload_uniform (backend, rng, p->param->value, -0.3f, 0.3f);
    }
}

FathomGraph *
fathom_test_head_new (gint64 height, gint64 width, gpointer head, GError **error)
{
  const FathomTestHead *h = head;
  FathomHeadOptions o;

  fathom_head_options_init (&o, h->experiment);
  o.channels = h->channels;
  o.height = height;
  o.width = width;
  return fathom_head_new (h->experiment, &o, error);
}

FathomGraph *
fathom_test_head_build (FathomBackend *backend, const FathomTestHead *head, gint64 height, gint64 width,
                        FathomRng *rng)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomGraph) g = fathom_test_head_new (height, width, (gpointer) head, &error);

  g_assert_no_error (error);
  g_assert_true (fathom_graph_build (g, backend, 3, &error));
  g_assert_no_error (error);
  fathom_test_randomise_state (g, rng);
  return g_steal_pointer (&g);
}
