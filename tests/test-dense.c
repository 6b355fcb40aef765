/* test-dense.c: the fully connected op, y = x w^T + b, on both CPU paths. */
#include "fathom-test-util.h"

#define T2(n, c, ...) fathom_tensor_new_from_data (2, (gint64[]) { n, c }, (const float[]) { __VA_ARGS__ })
#define T1(n, ...) fathom_tensor_new_from_data (1, (gint64[]) { n }, (const float[]) { __VA_ARGS__ })

static void
test_dense_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) x = T2 (2, 3, 1, 2, 3, 4, 5, 6);
      g_autoptr(FathomTensor) w = T2 (2, 3, 1, 0, -1, 0.5f, 2, 1);
      g_autoptr(FathomTensor) bias = T1 (2, 0.5f, -1);
      g_autoptr(FathomTensor) y = fathom_tensor_new_2d (2, 2);
      g_autoptr(FathomTensor) dy = T2 (2, 2, 1, 2, 3, -1);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_2d (2, 3);
      g_autoptr(FathomTensor) dw = fathom_tensor_new_2d (2, 3);
      g_autoptr(FathomTensor) dbias = fathom_tensor_new_1d (2);
      g_autoptr(GError) error = NULL;

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));

      /* y[0] = (1 - 3 + 0.5, 0.5 + 4 + 3 - 1), y[1] = (4 - 6 + 0.5, 2 + 10 + 6 - 1) */
      g_assert_true (fathom_backend_dense_forward (be, x, w, bias, y, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (y, (const float[]) { -1.5f, 6.5f, -1.5f, 17.f }, 4, 1e-6f, "y");

      /* without a bias; y is overwritten, not accumulated into */
      g_assert_true (fathom_backend_dense_forward (be, x, w, NULL, y, &error));
      fathom_test_assert_values (y, (const float[]) { -2.f, 7.5f, -2.f, 18.f }, 4, 1e-6f, "y no bias");

      /* dx = dy w, dw = dy^T x, dbias = column sums of dy */
      fathom_tensor_fill (dx, 99.f);
      fathom_tensor_fill (dw, 99.f);
      g_assert_true (fathom_backend_dense_backward (be, x, w, dy, dx, dw, dbias, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (dx, (const float[]) { 2, 4, 1, 2.5f, -2, -4 }, 6, 1e-6f, "dx");
      fathom_test_assert_values (dw, (const float[]) { 13, 17, 21, -2, -1, 0 }, 6, 1e-6f, "dw");
      fathom_test_assert_values (dbias, (const float[]) { 4, 1 }, 2, 1e-6f, "dbias");

      /* unwanted gradients are skipped, the others still computed */
      fathom_tensor_fill (dw, 0.f);
      g_assert_true (fathom_backend_dense_backward (be, x, w, dy, NULL, dw, NULL, &error));
      fathom_test_assert_values (dw, (const float[]) { 13, 17, 21, -2, -1, 0 }, 6, 1e-6f, "dw only");
      fathom_tensor_fill (dx, 0.f);
      g_assert_true (fathom_backend_dense_backward (be, x, w, dy, dx, NULL, NULL, &error));
      fathom_test_assert_values (dx, (const float[]) { 2, 4, 1, 2.5f, -2, -4 }, 6, 1e-6f, "dx only");
    }
}

typedef struct {
  FathomBackend *be;
  FathomTensor *x, *w, *bias;
  FathomTensor *dx, *dw, *dbias;
} DenseCtx;

static void
dense_ctx_forward (gpointer data, FathomTensor *out)
{
  DenseCtx *c = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_dense_forward (c->be, c->x, c->w, c->bias, out, &error));
  g_assert_no_error (error);
}

static void
dense_ctx_backward (gpointer data, const FathomTensor *dout)
{
  DenseCtx *c = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_dense_backward (c->be, c->x, c->w, dout, c->dx, c->dw,
                                                c->bias ? c->dbias : NULL, &error));
  g_assert_no_error (error);
}

/* The op is linear in each input, so central differences are exact up to
 * float rounding of the outputs: eps 1e-2 keeps that rounding small. */
#define GRAD_EPS  1e-2f
#define GRAD_ATOL 5e-4f
#define GRAD_RTOL 5e-4f

static void
test_dense_gradcheck (void)
{
  /* N, D, M: sizes 1, odd, prime; batch 1 and 3 */
  static const gint64 shapes[][3] = {
    { 1, 1, 1 }, { 3, 5, 7 }, { 1, 13, 2 }, { 3, 2, 11 }, { 3, 1, 3 },
  };
  g_autoptr(FathomRng) rng = fathom_rng_new (11);
  double worst = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
      for (int with_bias = 0; with_bias < 2; with_bias++)
        {
          gint64 n = shapes[s][0], d = shapes[s][1], m = shapes[s][2];
          g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
          g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, n, d);
          g_autoptr(FathomTensor) w = FATHOM_TEST_UNIFORM (rng, -1, 1, m, d);
          g_autoptr(FathomTensor) bias = FATHOM_TEST_UNIFORM (rng, -1, 1, m);
          g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
          g_autoptr(FathomTensor) dw = fathom_tensor_new_like (w);
          g_autoptr(FathomTensor) dbias = fathom_tensor_new_like (bias);
          g_autoptr(FathomTensor) y = fathom_tensor_new_2d (n, m);
          DenseCtx ctx = { be, x, w, with_bias ? bias : NULL, dx, dw, dbias };
          FathomTestGradTarget targets[] = {
            { "x", x, dx }, { "w", w, dw }, { "bias", bias, dbias },
          };
          g_autofree char *name = g_strdup_printf ("dense %s %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                                                   "->%" G_GINT64_FORMAT "%s",
                                                   fathom_test_path_name (fathom_test_paths[p]),
                                                   n, d, m, with_bias ? " bias" : "");
          double err = fathom_test_gradcheck (name, y, dense_ctx_forward, dense_ctx_backward, &ctx,
                                              targets, with_bias ? 3 : 2, 200,
                                              GRAD_EPS, GRAD_ATOL, GRAD_RTOL);

          worst = MAX (worst, err);
        }
  g_test_message ("dense gradcheck: worst |analytic - numeric| %.3g (atol %g, rtol %g)",
                  worst, (double) GRAD_ATOL, (double) GRAD_RTOL);
}

static void
test_dense_fast_matches_reference (void)
{
  const gint64 n = 37, d = 257, m = 131;
  g_autoptr(FathomRng) rng = fathom_rng_new (5);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 3);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, n, d);
  g_autoptr(FathomTensor) w = FATHOM_TEST_UNIFORM (rng, -1, 1, m, d);
  g_autoptr(FathomTensor) bias = FATHOM_TEST_UNIFORM (rng, -1, 1, m);
  g_autoptr(FathomTensor) dy = FATHOM_TEST_UNIFORM (rng, -1, 1, n, m);
  FathomTensor *out[2][4];
  FathomBackend *backends[2] = { ref, fast };
  g_autoptr(GError) error = NULL;

  for (guint b = 0; b < 2; b++)
    {
      out[b][0] = fathom_tensor_new_2d (n, m);
      out[b][1] = fathom_tensor_new_like (x);
      out[b][2] = fathom_tensor_new_like (w);
      out[b][3] = fathom_tensor_new_like (bias);
      g_assert_true (fathom_backend_dense_forward (backends[b], x, w, bias, out[b][0], &error));
      g_assert_true (fathom_backend_dense_backward (backends[b], x, w, dy, out[b][1], out[b][2],
                                                    out[b][3], &error));
      g_assert_no_error (error);
    }
  /* sums of up to 257 products of values in [-1, 1]: float error ~1e-5 */
  fathom_test_assert_close (out[1][0], out[0][0], 1e-4f, 1e-4f, "fast y");
  fathom_test_assert_close (out[1][1], out[0][1], 1e-4f, 1e-4f, "fast dx");
  fathom_test_assert_close (out[1][2], out[0][2], 1e-4f, 1e-4f, "fast dw");
  fathom_test_assert_close (out[1][3], out[0][3], 1e-4f, 1e-4f, "fast dbias");
  g_test_message ("dense fast vs reference: y %.3g dx %.3g dw %.3g",
                  (double) fathom_tensor_max_abs_diff (out[1][0], out[0][0]),
                  (double) fathom_tensor_max_abs_diff (out[1][1], out[0][1]),
                  (double) fathom_tensor_max_abs_diff (out[1][2], out[0][2]));
  for (guint b = 0; b < 2; b++)
    for (guint i = 0; i < 4; i++)
      fathom_tensor_unref (out[b][i]);
}

/* An empty batch gives y with no rows and zero weight gradients. */
static void
test_dense_empty_batch (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) x = fathom_tensor_new_2d (0, 3);
      g_autoptr(FathomTensor) w = T2 (2, 3, 1, 2, 3, 4, 5, 6);
      g_autoptr(FathomTensor) dy = fathom_tensor_new_2d (0, 2);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_2d (0, 3);
      g_autoptr(FathomTensor) dw = fathom_tensor_new_2d (2, 3);
      g_autoptr(FathomTensor) dbias = fathom_tensor_new_1d (2);
      g_autoptr(GError) error = NULL;

      fathom_tensor_fill (dw, 7.f);
      fathom_tensor_fill (dbias, 7.f);
      g_assert_true (fathom_backend_dense_backward (be, x, w, dy, dx, dw, dbias, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (dw, (const float[]) { 0, 0, 0, 0, 0, 0 }, 6, 0.f, "dw");
      fathom_test_assert_values (dbias, (const float[]) { 0, 0 }, 2, 0.f, "dbias");
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dense/by-hand", test_dense_by_hand);
  g_test_add_func ("/dense/gradcheck", test_dense_gradcheck);
  g_test_add_func ("/dense/fast-matches-reference", test_dense_fast_matches_reference);
  g_test_add_func ("/dense/empty-batch", test_dense_empty_batch);
  return g_test_run ();
}
