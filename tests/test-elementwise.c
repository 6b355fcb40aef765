/* test-elementwise.c: activations, softmax, dropout, concat and add on
 * both CPU paths. */
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

#define T1(n, ...) fathom_tensor_new_from_data (1, (gint64[]) { n }, (const float[]) { __VA_ARGS__ })
#define T2(n, c, ...) fathom_tensor_new_from_data (2, (gint64[]) { n, c }, (const float[]) { __VA_ARGS__ })

/* Smooth ops: a step of 5e-3 keeps the truncation error (~eps^2) and the
 * rounding noise of the float outputs over 2*eps both near 1e-4. */
#define SMOOTH_EPS  5e-3f
#define SMOOTH_ATOL 1e-3f
#define SMOOTH_RTOL 1e-3f
/* Linear ops (dropout, concat): central differences are exact up to
 * rounding, so a larger step is safe. */
#define LINEAR_EPS  1e-2f
#define LINEAR_ATOL 2e-4f
#define LINEAR_RTOL 2e-4f

/* ---- activations ---------------------------------------------------------- */

static void
test_activation_by_hand (void)
{
  static const float x[5] = { -2, -0.5f, 0, 0.5f, 3 };
  static const float dy[5] = { 1, 2, 3, 4, 5 };

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) xt = T1 (5, -2, -0.5f, 0, 0.5f, 3);
      g_autoptr(FathomTensor) st = T1 (5, -20, -1, 0, 1, 20);
      g_autoptr(FathomTensor) tt = T1 (5, -2, -0.5f, 0, 0.5f, 20);
      g_autoptr(FathomTensor) dyt = fathom_tensor_new_from_data (1, (gint64[]) { 5 }, dy);
      g_autoptr(FathomTensor) y = fathom_tensor_new_1d (5);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_1d (5);
      g_autoptr(GError) error = NULL;

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));

      g_assert_true (fathom_backend_activation_forward (be, FATHOM_ACTIVATION_IDENTITY, xt, y, &error));
      fathom_test_assert_values (y, x, 5, 0.f, "identity");
      g_assert_true (fathom_backend_activation_backward (be, FATHOM_ACTIVATION_IDENTITY, y, dyt, dx, &error));
      fathom_test_assert_values (dx, dy, 5, 0.f, "identity'");

      g_assert_true (fathom_backend_activation_forward (be, FATHOM_ACTIVATION_RELU, xt, y, &error));
      fathom_test_assert_values (y, (const float[]) { 0, 0, 0, 0.5f, 3 }, 5, 0.f, "relu");
      g_assert_true (fathom_backend_activation_backward (be, FATHOM_ACTIVATION_RELU, y, dyt, dx, &error));
      fathom_test_assert_values (dx, (const float[]) { 0, 0, 0, 4, 5 }, 5, 0.f, "relu'");

      g_assert_true (fathom_backend_activation_forward (be, FATHOM_ACTIVATION_SIGMOID, st, y, &error));
      fathom_test_assert_values (y, (const float[]) { 2.0611537e-9f, 0.26894142f, 0.5f, 0.73105858f, 1.f },
                                 5, 1e-7f, "sigmoid");
      g_assert_true (fathom_backend_activation_backward (be, FATHOM_ACTIVATION_SIGMOID, y, dyt, dx, &error));
      /* y (1 - y) dy: 0.19661193 * 2, 0.25 * 3, 0.19661193 * 4 */
      fathom_test_assert_values (dx, (const float[]) { 2.0611537e-9f, 0.39322386f, 0.75f, 0.78644773f, 0.f },
                                 5, 1e-6f, "sigmoid'");

      g_assert_true (fathom_backend_activation_forward (be, FATHOM_ACTIVATION_TANH, tt, y, &error));
      fathom_test_assert_values (y, (const float[]) { -0.96402758f, -0.46211716f, 0, 0.46211716f, 1.f },
                                 5, 1e-7f, "tanh");
      g_assert_true (fathom_backend_activation_backward (be, FATHOM_ACTIVATION_TANH, y, dyt, dx, &error));
      /* (1 - y^2) dy: 0.07065082, 0.78644773 * 2, 3, 0.78644773 * 4, 0 */
      fathom_test_assert_values (dx, (const float[]) { 0.07065082f, 1.5728955f, 3.f, 3.1457909f, 0.f },
                                 5, 1e-6f, "tanh'");
      g_assert_no_error (error);

      /* in place: x and y the same tensor, then dy and dx the same tensor */
      g_assert_true (fathom_backend_activation_forward (be, FATHOM_ACTIVATION_TANH, tt, tt, &error));
      fathom_test_assert_values (tt, (const float[]) { -0.96402758f, -0.46211716f, 0, 0.46211716f, 1.f },
                                 5, 1e-7f, "tanh in place");
      g_assert_true (fathom_backend_activation_backward (be, FATHOM_ACTIVATION_TANH, tt, dyt, dyt, &error));
      fathom_test_assert_values (dyt, (const float[]) { 0.07065082f, 1.5728955f, 3.f, 3.1457909f, 0.f },
                                 5, 1e-6f, "tanh' in place");
      g_assert_no_error (error);
    }
}

typedef struct {
  FathomBackend *be;
  FathomActivation act;
  FathomTensor *x, *dx, *y;
} ActivationCtx;

static void
activation_ctx_forward (gpointer data, FathomTensor *out)
{
  ActivationCtx *c = data;

  g_assert_true (fathom_backend_activation_forward (c->be, c->act, c->x, out, NULL));
}

static void
activation_ctx_backward (gpointer data, const FathomTensor *dout)
{
  ActivationCtx *c = data;

  /* the harness ran forward into c->y just before */
  g_assert_true (fathom_backend_activation_backward (c->be, c->act, c->y, dout, c->dx, NULL));
}

/* ReLU has a kink at 0: keep every value at least margin away from it. */
static void
push_away_from_zero (FathomTensor *t, float margin)
{
  float *d = fathom_tensor_get_data (t);

  for (gsize i = 0; i < fathom_tensor_get_numel (t); i++)
    if (fabsf (d[i]) < margin)
      d[i] = d[i] < 0.f ? d[i] - margin : d[i] + margin;
}

static const struct {
  guint ndim;
  gint64 shape[4];
} awkward_shapes[] = {
  { 1, { 1 } },
  { 2, { 1, 7 } },
  { 2, { 3, 5 } },
  { 3, { 3, 1, 13 } },
  { 4, { 3, 2, 3, 1 } },
};

static void
test_activation_gradcheck (void)
{
  static const FathomActivation acts[] = {
    FATHOM_ACTIVATION_IDENTITY, FATHOM_ACTIVATION_RELU, FATHOM_ACTIVATION_SIGMOID, FATHOM_ACTIVATION_TANH,
  };
  g_autoptr(FathomRng) rng = fathom_rng_new (3);
  double worst = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint a = 0; a < G_N_ELEMENTS (acts); a++)
      for (guint s = 0; s < G_N_ELEMENTS (awkward_shapes); s++)
        {
          g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
          g_autoptr(FathomTensor) x = fathom_test_uniform (rng, awkward_shapes[s].ndim,
                                                           awkward_shapes[s].shape, -2.f, 2.f);
          g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
          g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
          g_autofree char *shape = fathom_tensor_shape_to_string (x);
          g_autofree char *name = g_strdup_printf ("activation %s %s %s",
                                                   fathom_test_path_name (fathom_test_paths[p]),
                                                   fathom_activation_get_name (acts[a]), shape);
          ActivationCtx ctx = { be, acts[a], x, dx, y };
          FathomTestGradTarget target = { "x", x, dx };

          push_away_from_zero (x, 0.05f);
          worst = MAX (worst, fathom_test_gradcheck (name, y, activation_ctx_forward, activation_ctx_backward,
                                                     &ctx, &target, 1, 200,
                                                     SMOOTH_EPS, SMOOTH_ATOL, SMOOTH_RTOL));
        }
  g_test_message ("activation gradcheck: worst |analytic - numeric| %.3g (atol %g, rtol %g)",
                  worst, (double) SMOOTH_ATOL, (double) SMOOTH_RTOL);
}

/* ---- softmax -------------------------------------------------------------- */

static void
test_softmax_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      /* rows: [1,2,3]; the same shifted by 1000 (no overflow); a flat row;
       * and an extreme one whose small entries underflow to 0 */
      g_autoptr(FathomTensor) x = T2 (4, 3, 1, 2, 3, 1001, 1002, 1003, 5, 5, 5, -1000, 0, 1000);
      g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) x1 = T2 (1, 3, 1, 2, 3);
      g_autoptr(FathomTensor) y1 = fathom_tensor_new_2d (1, 3);
      g_autoptr(FathomTensor) dy = T2 (1, 3, 1, 0, 0);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_2d (1, 3);
      g_autoptr(FathomTensor) col = T2 (3, 1, -5, 0, 7);
      g_autoptr(GError) error = NULL;
      const float third = 1.f / 3.f;

      g_assert_true (fathom_backend_softmax_forward (be, x, y, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (y, (const float[]) { 0.09003057f, 0.24472847f, 0.66524096f,
                                                      0.09003057f, 0.24472847f, 0.66524096f,
                                                      third, third, third, 0, 0, 1 },
                                 12, 1e-7f, "softmax");

      /* dx = y (dy - sum(dy y)) with dy = e0: y0 (1 - y0), -y1 y0, -y2 y0 */
      g_assert_true (fathom_backend_softmax_forward (be, x1, y1, &error));
      g_assert_true (fathom_backend_softmax_backward (be, y1, dy, dx, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (dx, (const float[]) { 0.081925069f, -0.022033045f, -0.059892025f },
                                 3, 1e-7f, "softmax'");

      /* a last axis of 1: every output is 1, every gradient 0 */
      g_assert_true (fathom_backend_softmax_forward (be, col, col, &error));
      fathom_test_assert_values (col, (const float[]) { 1, 1, 1 }, 3, 0.f, "softmax of one");
    }
}

typedef struct {
  FathomBackend *be;
  FathomTensor *x, *dx, *y;
} SoftmaxCtx;

static void
softmax_ctx_forward (gpointer data, FathomTensor *out)
{
  SoftmaxCtx *c = data;

  g_assert_true (fathom_backend_softmax_forward (c->be, c->x, out, NULL));
}

static void
softmax_ctx_backward (gpointer data, const FathomTensor *dout)
{
  SoftmaxCtx *c = data;

  g_assert_true (fathom_backend_softmax_backward (c->be, c->y, dout, c->dx, NULL));
}

static void
test_softmax_gradcheck (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (4);
  double worst = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint s = 0; s < G_N_ELEMENTS (awkward_shapes); s++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        g_autoptr(FathomTensor) x = fathom_test_uniform (rng, awkward_shapes[s].ndim,
                                                         awkward_shapes[s].shape, -3.f, 3.f);
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
        g_autofree char *shape = fathom_tensor_shape_to_string (x);
        g_autofree char *name = g_strdup_printf ("softmax %s %s",
                                                 fathom_test_path_name (fathom_test_paths[p]), shape);
        SoftmaxCtx ctx = { be, x, dx, y };
        FathomTestGradTarget target = { "x", x, dx };

        worst = MAX (worst, fathom_test_gradcheck (name, y, softmax_ctx_forward, softmax_ctx_backward,
                                                   &ctx, &target, 1, 200,
                                                   SMOOTH_EPS, SMOOTH_ATOL, SMOOTH_RTOL));
      }
  g_test_message ("softmax gradcheck: worst |analytic - numeric| %.3g (atol %g, rtol %g)",
                  worst, (double) SMOOTH_ATOL, (double) SMOOTH_RTOL);
}

/* ---- dropout -------------------------------------------------------------- */

static void
test_dropout_mask (void)
{
  const gint64 n = 100000;
  const FathomDropoutDesc desc = { 0.3f, 1234 };
  const float scale = 1.f / (1.f - desc.rate);

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomRng) rng = fathom_rng_new (8);
      g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, 0.5, 1.5, n);
      g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) y2 = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
      const float *xd = fathom_tensor_get_const_data (x);
      const float *yd = fathom_tensor_get_const_data (y);
      const float *y2d = fathom_tensor_get_const_data (y2);
      const float *dxd = fathom_tensor_get_const_data (dx);
      FathomDropoutDesc other = desc;
      gint64 kept = 0, differ = 0;
      g_autoptr(GError) error = NULL;

      g_assert_true (fathom_backend_dropout_forward (be, &desc, x, y, &error));
      g_assert_no_error (error);
      for (gint64 i = 0; i < n; i++)
        {
          gboolean keep = fathom_dropout_keep (&desc, (guint64) i);

          /* x > 0 everywhere, so y != 0 exactly where the element is kept */
          g_assert_cmpint (keep, ==, yd[i] != 0.f);
          if (keep)
            {
              kept++;
              g_assert_cmpfloat (yd[i], ==, xd[i] * scale);
            }
        }
      /* binomial: sd of the kept fraction is sqrt(0.21 / 1e5) = 0.0015 */
      g_assert_cmpfloat (fabs ((double) kept / n - 0.7), <, 0.01);

      /* same seed, same mask */
      g_assert_true (fathom_backend_dropout_forward (be, &desc, x, y2, &error));
      g_assert_cmpmem (yd, n * sizeof (float), y2d, n * sizeof (float));

      /* another seed, another mask: about 2 * 0.3 * 0.7 = 42% differ */
      other.seed = 1235;
      g_assert_true (fathom_backend_dropout_forward (be, &other, x, y2, &error));
      for (gint64 i = 0; i < n; i++)
        differ += (yd[i] != 0.f) != (y2d[i] != 0.f);
      g_assert_cmpfloat ((double) differ / n, >, 0.35);

      /* backward: the same mask and scale applied to dy (here dy = x) */
      g_assert_true (fathom_backend_dropout_backward (be, &desc, x, dx, &error));
      g_assert_cmpmem (yd, n * sizeof (float), dxd, n * sizeof (float));

      /* in place gives the same */
      fathom_tensor_copy_from (y2, x);
      g_assert_true (fathom_backend_dropout_forward (be, &desc, y2, y2, &error));
      g_assert_cmpmem (yd, n * sizeof (float), y2d, n * sizeof (float));
      g_assert_no_error (error);
    }
}

static void
test_dropout_rate_zero (void)
{
  const FathomDropoutDesc desc = { 0.f, 99 };

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomRng) rng = fathom_rng_new (9);
      g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 7, 5);
      g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
      gsize bytes = fathom_tensor_get_numel (x) * sizeof (float);

      g_assert_true (fathom_backend_dropout_forward (be, &desc, x, y, NULL));
      g_assert_cmpmem (fathom_tensor_get_data (x), bytes, fathom_tensor_get_data (y), bytes);
      fathom_tensor_fill (y, 0.f);
      g_assert_true (fathom_backend_dropout_backward (be, &desc, x, y, NULL));
      g_assert_cmpmem (fathom_tensor_get_data (x), bytes, fathom_tensor_get_data (y), bytes);
    }
}

typedef struct {
  FathomBackend *be;
  FathomDropoutDesc desc;
  FathomTensor *x, *dx;
} DropoutCtx;

static void
dropout_ctx_forward (gpointer data, FathomTensor *out)
{
  DropoutCtx *c = data;

  g_assert_true (fathom_backend_dropout_forward (c->be, &c->desc, c->x, out, NULL));
}

static void
dropout_ctx_backward (gpointer data, const FathomTensor *dout)
{
  DropoutCtx *c = data;

  g_assert_true (fathom_backend_dropout_backward (c->be, &c->desc, dout, c->dx, NULL));
}

static void
test_dropout_gradcheck (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (5);
  double worst = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint s = 0; s < G_N_ELEMENTS (awkward_shapes); s++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        g_autoptr(FathomTensor) x = fathom_test_uniform (rng, awkward_shapes[s].ndim,
                                                         awkward_shapes[s].shape, -1.f, 1.f);
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
        g_autofree char *shape = fathom_tensor_shape_to_string (x);
        g_autofree char *name = g_strdup_printf ("dropout %s %s",
                                                 fathom_test_path_name (fathom_test_paths[p]), shape);
        DropoutCtx ctx = { be, { 0.4f, 77 + s }, x, dx };
        FathomTestGradTarget target = { "x", x, dx };

        worst = MAX (worst, fathom_test_gradcheck (name, y, dropout_ctx_forward, dropout_ctx_backward,
                                                   &ctx, &target, 1, 200,
                                                   LINEAR_EPS, LINEAR_ATOL, LINEAR_RTOL));
      }
  g_test_message ("dropout gradcheck: worst |analytic - numeric| %.3g (atol %g, rtol %g)",
                  worst, (double) LINEAR_ATOL, (double) LINEAR_RTOL);
}

/* ---- concat --------------------------------------------------------------- */

static void
test_concat_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      /* [2,1,2] and [2,2,2] -> [2,3,2] */
      g_autoptr(FathomTensor) a = fathom_tensor_new_from_data (3, (gint64[]) { 2, 1, 2 },
                                                               (const float[]) { 1, 2, 3, 4 });
      g_autoptr(FathomTensor) b = fathom_tensor_new_from_data (3, (gint64[]) { 2, 2, 2 },
                                                               (const float[]) { 5, 6, 7, 8, 9, 10, 11, 12 });
      g_autoptr(FathomTensor) y = fathom_tensor_new_3d (2, 3, 2);
      g_autoptr(FathomTensor) da = fathom_tensor_new_like (a);
      g_autoptr(FathomTensor) db = fathom_tensor_new_like (b);
      /* [2,1] and [2,2] -> [2,3] */
      g_autoptr(FathomTensor) c = T2 (2, 1, 1, 2);
      g_autoptr(FathomTensor) d = T2 (2, 2, 3, 4, 5, 6);
      g_autoptr(FathomTensor) y2 = fathom_tensor_new_2d (2, 3);
      g_autoptr(GError) error = NULL;

      g_assert_true (fathom_backend_concat_forward (be, 2, (const FathomTensor *[]) { a, b }, y, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (y, (const float[]) { 1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12 }, 12, 0.f,
                                 "concat 3-D");
      g_assert_true (fathom_backend_concat_backward (be, 2, y, (FathomTensor *[]) { da, db }, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (da, (const float[]) { 1, 2, 3, 4 }, 4, 0.f, "split a");
      fathom_test_assert_values (db, (const float[]) { 5, 6, 7, 8, 9, 10, 11, 12 }, 8, 0.f, "split b");

      g_assert_true (fathom_backend_concat_forward (be, 2, (const FathomTensor *[]) { c, d }, y2, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (y2, (const float[]) { 1, 3, 4, 2, 5, 6 }, 6, 0.f, "concat 2-D");
    }
}

#define MAX_PARTS 3

typedef struct {
  FathomBackend *be;
  guint n;
  FathomTensor *x[MAX_PARTS], *dx[MAX_PARTS];
} ConcatCtx;

static void
concat_ctx_forward (gpointer data, FathomTensor *out)
{
  ConcatCtx *c = data;

  g_assert_true (fathom_backend_concat_forward (c->be, c->n, (const FathomTensor *const *) c->x, out, NULL));
}

static void
concat_ctx_backward (gpointer data, const FathomTensor *dout)
{
  ConcatCtx *c = data;

  g_assert_true (fathom_backend_concat_backward (c->be, c->n, dout, c->dx, NULL));
}

static void
test_concat_gradcheck (void)
{
  /* batch, part channels (0 ends the list), trailing axes (0 ends) */
  static const struct {
    gint64 batch;
    gint64 channels[MAX_PARTS];
    gint64 trailing[2];
  } cases[] = {
    { 3, { 2, 3, 0 }, { 0 } },
    { 1, { 1, 3, 2 }, { 5, 0 } },
    { 3, { 1, 1, 3 }, { 2, 3 } },
    { 1, { 1, 0 }, { 1, 1 } },
    { 3, { 5, 2, 0 }, { 1, 7 } },
  };
  g_autoptr(FathomRng) rng = fathom_rng_new (6);
  double worst = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        ConcatCtx ctx = { be, 0 };
        FathomTestGradTarget targets[MAX_PARTS];
        gint64 shape[4] = { cases[k].batch, 0 };
        guint ndim = 2;
        g_autoptr(FathomTensor) y = NULL;
        g_autofree char *name = NULL;
        g_autofree char *yshape = NULL;

        for (guint t = 0; t < 2 && cases[k].trailing[t] > 0; t++)
          shape[ndim++] = cases[k].trailing[t];
        for (guint i = 0; i < MAX_PARTS && cases[k].channels[i] > 0; i++)
          {
            shape[1] = cases[k].channels[i];
            ctx.x[i] = fathom_test_uniform (rng, ndim, shape, -1.f, 1.f);
            ctx.dx[i] = fathom_tensor_new_like (ctx.x[i]);
            targets[i] = (FathomTestGradTarget) { i == 0 ? "x0" : i == 1 ? "x1" : "x2", ctx.x[i], ctx.dx[i] };
            ctx.n++;
          }
        shape[1] = 0;
        for (guint i = 0; i < ctx.n; i++)
          shape[1] += cases[k].channels[i];
        y = fathom_tensor_new (ndim, shape);
        yshape = fathom_tensor_shape_to_string (y);
        name = g_strdup_printf ("concat %s %u parts -> %s",
                                fathom_test_path_name (fathom_test_paths[p]), ctx.n, yshape);
        worst = MAX (worst, fathom_test_gradcheck (name, y, concat_ctx_forward, concat_ctx_backward,
                                                   &ctx, targets, ctx.n, 200,
                                                   LINEAR_EPS, LINEAR_ATOL, LINEAR_RTOL));
        for (guint i = 0; i < ctx.n; i++)
          {
            fathom_tensor_unref (ctx.x[i]);
            fathom_tensor_unref (ctx.dx[i]);
          }
      }
  g_test_message ("concat gradcheck: worst |analytic - numeric| %.3g (atol %g, rtol %g)",
                  worst, (double) LINEAR_ATOL, (double) LINEAR_RTOL);
}

/* ---- add ------------------------------------------------------------------ */

static void
test_add_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) a = T1 (3, 1, 2, 3);
      g_autoptr(FathomTensor) b = T1 (3, 10, 20, 30);
      g_autoptr(FathomTensor) c = T1 (3, -1, 0.5f, 0.25f);
      g_autoptr(FathomTensor) y = fathom_tensor_new_1d (3);
      g_autoptr(GError) error = NULL;

      g_assert_true (fathom_backend_add_forward (be, 3, (const FathomTensor *[]) { a, b, c }, y, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (y, (const float[]) { 10, 22.5f, 33.25f }, 3, 0.f, "a + b + c");

      g_assert_true (fathom_backend_add_forward (be, 1, (const FathomTensor *[]) { c }, y, &error));
      fathom_test_assert_values (y, (const float[]) { -1, 0.5f, 0.25f }, 3, 0.f, "one input");

      /* the output may be one of the inputs */
      g_assert_true (fathom_backend_add_forward (be, 2, (const FathomTensor *[]) { a, b }, b, &error));
      fathom_test_assert_values (b, (const float[]) { 11, 22, 33 }, 3, 0.f, "b += a");
      g_assert_no_error (error);
    }
}

/* ---- paths and thread counts ---------------------------------------------- */

#define N_LARGE_OUTPUTS 13

/* Every op of this file on a tensor large enough for the FAST path to split
 * it; outputs land in out[], allocated here. */
static void
run_large (FathomBackend *be, const FathomTensor *x, const FathomTensor *dy,
           const FathomTensor *part0, const FathomTensor *part1, FathomTensor **out)
{
  static const FathomActivation acts[] = {
    FATHOM_ACTIVATION_IDENTITY, FATHOM_ACTIVATION_RELU, FATHOM_ACTIVATION_SIGMOID, FATHOM_ACTIVATION_TANH,
  };
  const FathomDropoutDesc desc = { 0.25f, 4242 };
  guint k = 0;

  for (guint a = 0; a < G_N_ELEMENTS (acts); a++)
    {
      FathomTensor *y = fathom_tensor_new_like (x);
      FathomTensor *dx = fathom_tensor_new_like (x);

      g_assert_true (fathom_backend_activation_forward (be, acts[a], x, y, NULL));
      g_assert_true (fathom_backend_activation_backward (be, acts[a], y, dy, dx, NULL));
      out[k++] = y;
      out[k++] = dx;
    }

  out[k] = fathom_tensor_new_like (x);
  g_assert_true (fathom_backend_softmax_forward (be, x, out[k], NULL));
  out[k + 1] = fathom_tensor_new_like (x);
  g_assert_true (fathom_backend_softmax_backward (be, out[k], dy, out[k + 1], NULL));
  k += 2;

  out[k] = fathom_tensor_new_like (x);
  g_assert_true (fathom_backend_dropout_forward (be, &desc, x, out[k], NULL));
  k++;

  out[k] = fathom_tensor_new_like (x);
  g_assert_true (fathom_backend_add_forward (be, 3, (const FathomTensor *[]) { x, dy, x }, out[k], NULL));
  k++;

  {
    const gint64 *s0 = fathom_tensor_get_shape (part0);
    gint64 shape[3] = { s0[0], s0[1] + fathom_tensor_get_dim (part1, 1), s0[2] };
    FathomTensor *y = fathom_tensor_new (3, shape);
    FathomTensor *d0 = fathom_tensor_new_like (part0);
    FathomTensor *d1 = fathom_tensor_new_like (part1);

    g_assert_true (fathom_backend_concat_forward (be, 2, (const FathomTensor *[]) { part0, part1 }, y, NULL));
    /* split y back: the parts must come back unchanged */
    g_assert_true (fathom_backend_concat_backward (be, 2, y, (FathomTensor *[]) { d0, d1 }, NULL));
    fathom_test_assert_values (d0, fathom_tensor_get_const_data (part0), fathom_tensor_get_numel (part0),
                               0.f, "concat round trip");
    fathom_test_assert_values (d1, fathom_tensor_get_const_data (part1), fathom_tensor_get_numel (part1),
                               0.f, "concat round trip");
    out[k++] = y;
    fathom_tensor_unref (d0);
    fathom_tensor_unref (d1);
  }
  g_assert_cmpuint (k, ==, N_LARGE_OUTPUTS);
}

static void
test_elementwise_paths_agree (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (10);
  /* 67 rows of 1031: primes, so no split is even */
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -4, 4, 67, 1031);
  g_autoptr(FathomTensor) dy = FATHOM_TEST_UNIFORM (rng, -1, 1, 67, 1031);
  g_autoptr(FathomTensor) part0 = FATHOM_TEST_UNIFORM (rng, -1, 1, 67, 2, 257);
  g_autoptr(FathomTensor) part1 = FATHOM_TEST_UNIFORM (rng, -1, 1, 67, 3, 257);
  static const struct { FathomCpuPath path; guint threads; } runs[3] = {
    { FATHOM_CPU_PATH_REFERENCE, 1 }, { FATHOM_CPU_PATH_FAST, 1 }, { FATHOM_CPU_PATH_FAST, 3 },
  };
  FathomTensor *out[3][N_LARGE_OUTPUTS];

  for (guint r = 0; r < 3; r++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (runs[r].path, runs[r].threads);

      run_large (be, x, dy, part0, part1, out[r]);
    }
  /* every element is computed by the same code whatever the path or the
   * split, so the results are identical, not merely close */
  for (guint k = 0; k < N_LARGE_OUTPUTS; k++)
    for (guint r = 1; r < 3; r++)
      {
        gsize bytes = fathom_tensor_get_numel (out[0][k]) * sizeof (float);

        g_assert_cmpmem (fathom_tensor_get_data (out[r][k]), bytes, fathom_tensor_get_data (out[0][k]), bytes);
      }
  for (guint r = 0; r < 3; r++)
    for (guint k = 0; k < N_LARGE_OUTPUTS; k++)
      fathom_tensor_unref (out[r][k]);
}

/* The FAST path's vector loops against the plain loops of the REFERENCE
 * path on the values where a select and a max part ways (NaN, -0, the
 * infinities, subnormals), at every offset of a vector step and in place:
 * identical bit for bit (atol 0, rtol 0). */
static void
test_activation_special_values (void)
{
  static const float special[] = {
    NAN, -NAN, 0.f, -0.f, INFINITY, -INFINITY, 1e-40f, -1e-40f, 1.f, -1.f, 0.5f, -2.5f, 1e30f, -1e30f,
  };
  static const FathomActivation acts[] = {
    FATHOM_ACTIVATION_RELU, FATHOM_ACTIVATION_SIGMOID, FATHOM_ACTIVATION_TANH,
  };
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);

  /* 53 = three vector steps and a tail of 5; every value meets every lane */
  for (gint64 n = 1; n <= 53; n += 13)
    for (guint a = 0; a < G_N_ELEMENTS (acts); a++)
      {
        g_autoptr(FathomTensor) x = fathom_tensor_new (1, (gint64[]) { n });
        g_autoptr(FathomTensor) dy = fathom_tensor_new (1, (gint64[]) { n });
        float *xd = fathom_tensor_get_data (x), *dyd = fathom_tensor_get_data (dy);
        FathomTensor *y[2], *dx[2], *inplace[2];
        FathomBackend *be[2] = { ref, fast };
        gsize bytes = (gsize) n * sizeof (float);

        for (gint64 i = 0; i < n; i++)
          {
            xd[i] = special[i % G_N_ELEMENTS (special)];
            dyd[i] = special[(i * 5 + 3) % G_N_ELEMENTS (special)];
          }
        for (guint b = 0; b < 2; b++)
          {
            y[b] = fathom_tensor_new_like (x);
            dx[b] = fathom_tensor_new_like (x);
            g_assert_true (fathom_backend_activation_forward (be[b], acts[a], x, y[b], NULL));
            /* y from the specials as well, so a NaN y and a -0 y are met */
            g_assert_true (fathom_backend_activation_backward (be[b], acts[a], x, dy, dx[b], NULL));
            inplace[b] = fathom_tensor_new_like (x);
            fathom_tensor_copy_from (inplace[b], x);
            g_assert_true (fathom_backend_activation_forward (be[b], acts[a], inplace[b], inplace[b], NULL));
            g_assert_true (fathom_backend_activation_backward (be[b], acts[a], x, inplace[b], inplace[b], NULL));
          }
        g_assert_cmpmem (fathom_tensor_get_data (y[1]), bytes, fathom_tensor_get_data (y[0]), bytes);
        g_assert_cmpmem (fathom_tensor_get_data (dx[1]), bytes, fathom_tensor_get_data (dx[0]), bytes);
        g_assert_cmpmem (fathom_tensor_get_data (inplace[1]), bytes, fathom_tensor_get_data (inplace[0]), bytes);
        for (guint b = 0; b < 2; b++)
          {
            fathom_tensor_unref (y[b]);
            fathom_tensor_unref (dx[b]);
            fathom_tensor_unref (inplace[b]);
          }
      }
  /* and the ReLU's own rules, on the FAST path */
  {
    g_autoptr(FathomTensor) x = fathom_tensor_new (1, (gint64[]) { 32 });
    g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
    float *xd = fathom_tensor_get_data (x);
    const float *yd = fathom_tensor_get_const_data (y);

    for (int i = 0; i < 32; i++)
      xd[i] = special[i % G_N_ELEMENTS (special)];
    g_assert_true (fathom_backend_activation_forward (fast, FATHOM_ACTIVATION_RELU, x, y, NULL));
    g_assert_true (isnan (yd[0]) && isnan (yd[1]) && isnan (yd[14]));
    g_assert_true (yd[3] == 0.f && signbit (yd[3]));
    g_assert_cmpfloat (yd[5], ==, 0.f);
    g_assert_cmpfloat (yd[4], ==, INFINITY);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/elementwise/activation/by-hand", test_activation_by_hand);
  g_test_add_func ("/elementwise/activation/gradcheck", test_activation_gradcheck);
  g_test_add_func ("/elementwise/activation/special-values", test_activation_special_values);
  g_test_add_func ("/elementwise/softmax/by-hand", test_softmax_by_hand);
  g_test_add_func ("/elementwise/softmax/gradcheck", test_softmax_gradcheck);
  g_test_add_func ("/elementwise/dropout/mask", test_dropout_mask);
  g_test_add_func ("/elementwise/dropout/rate-zero", test_dropout_rate_zero);
  g_test_add_func ("/elementwise/dropout/gradcheck", test_dropout_gradcheck);
  g_test_add_func ("/elementwise/concat/by-hand", test_concat_by_hand);
  g_test_add_func ("/elementwise/concat/gradcheck", test_concat_gradcheck);
  g_test_add_func ("/elementwise/add/by-hand", test_add_by_hand);
  g_test_add_func ("/elementwise/paths-agree", test_elementwise_paths_agree);
  return g_test_run ();
}
