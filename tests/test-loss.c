/* test-loss.c: softmax cross-entropy (with and without the Keras clip) and
 * mean squared error on both CPU paths. */
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

/* Finite differences on a float32 scalar loss: its rounding, ~1e-7 * |L|,
 * over 2 EPS stays under 1e-5; truncation is O(EPS^2). */
#define GC_EPS   1e-2f
#define GC_ATOL  2e-4f
#define GC_RTOL  2e-3f

static FathomTensor *
tensor_from (guint ndim, const gint64 *shape, const float *values)
{
  return fathom_tensor_new_from_data (ndim, shape, values);
}

/* ---- cross-entropy by hand ------------------------------------------------------- */

static void
test_lesson_check (void)
{
  /* CE([.2,.7,.1], [0,1,0]) = -log .7 = 0.356675; dL/dp = -t/p =
   * [0, -1.4286, 0]; through the softmax Jacobian, p - t = [.2, -.3, .1]. */
  const float p[3] = { 0.2f, 0.7f, 0.1f };
  const float dldp[3] = { 0.f, -1.f / 0.7f, 0.f };
  g_autoptr(FathomTensor) logits = fathom_tensor_new_2d (1, 3);
  g_autoptr(FathomTensor) target = tensor_from (2, (gint64[]) { 1, 3 }, (float[]) { 0, 1, 0 });
  g_autoptr(FathomTensor) probs = fathom_tensor_new_2d (1, 3);
  g_autoptr(FathomTensor) dlogits = fathom_tensor_new_2d (1, 3);
  float via_jacobian[3];

  g_assert_cmpfloat_with_epsilon (dldp[1], -1.4286f, 1e-4f);
  for (int j = 0; j < 3; j++)
    {
      double acc = 0.0;

      fathom_tensor_get_data (logits)[j] = logf (p[j]);
      /* dp_k/dz_j = p_k (delta_kj - p_j) */
      for (int k = 0; k < 3; k++)
        acc += dldp[k] * p[k] * ((k == j) - p[j]);
      via_jacobian[j] = (float) acc;
    }

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    for (int clipped = 0; clipped < 2; clipped++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
        FathomCrossEntropyDesc desc = { clipped ? 1e-7f : 0.f };
        g_autoptr(GError) error = NULL;
        float loss = -1.f;

        g_assert_true (fathom_backend_softmax_cross_entropy_forward (be, &desc, logits, target,
                                                                     probs, &loss, &error));
        g_assert_no_error (error);
        g_assert_cmpfloat_with_epsilon (loss, 0.356675f, 1e-6f);
        fathom_test_assert_values (probs, p, 3, 1e-6f, "probs");
        g_assert_true (fathom_backend_softmax_cross_entropy_backward (be, &desc, probs, target,
                                                                      1.f, dlogits, &error));
        g_assert_no_error (error);
        fathom_test_assert_values (dlogits, (float[]) { 0.2f, -0.3f, 0.1f }, 3, 1e-6f, "dlogits");
        fathom_test_assert_values (dlogits, via_jacobian, 3, 1e-6f, "dlogits via Jacobian");
      }
}

static void
test_clip (void)
{
  /* Two rows with logits [0, -100, 0]: class 1 has p = e^-100 / 2, which
   * the clip raises to 1e-7.
   * Row 0, target [0,1,0]: clipped loss -log 1e-7 = 16.118096, and no
   * gradient at all (the clipped entry is held constant, the others have
   * t = 0); unclipped 100 + log 2 and gradient p - t = [.5, -1, .5].
   * Row 1, target [.5,.5,0]: clipped loss .5 log 2 + .5 * 16.118096
   * = 8.405621; only class 0 passes dL/dp = -1, so dz = p (g - sum g p)
   * = [-.25, 0, .25]; unclipped p - t = [0, -.5, .5].
   * Means over the two rows, so gradients are halved. */
  g_autoptr(FathomTensor) logits = tensor_from (2, (gint64[]) { 2, 3 },
                                                (float[]) { 0, -100, 0, 0, -100, 0 });
  g_autoptr(FathomTensor) target = tensor_from (2, (gint64[]) { 2, 3 },
                                                (float[]) { 0, 1, 0, 0.5f, 0.5f, 0 });
  g_autoptr(FathomTensor) probs = fathom_tensor_new_2d (2, 3);
  g_autoptr(FathomTensor) dlogits = fathom_tensor_new_2d (2, 3);

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
      FathomCrossEntropyDesc keras = { 1e-7f }, exact = { 0.f };
      g_autoptr(GError) error = NULL;
      float loss = -1.f;

      g_assert_true (fathom_backend_softmax_cross_entropy_forward (be, &keras, logits, target,
                                                                   probs, &loss, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (loss, (16.118096f + 8.405621f) / 2, 2e-5f);
      g_assert_cmpfloat (fathom_tensor_get_data (probs)[1], <, 1e-30f);
      g_assert_true (fathom_backend_softmax_cross_entropy_backward (be, &keras, probs, target,
                                                                    1.f, dlogits, &error));
      fathom_test_assert_values (dlogits, (float[]) { 0, 0, 0, -0.125f, 0, 0.125f }, 6, 1e-7f,
                                 "clipped dlogits");

      /* one row alone: exactly -log(1e-7) */
      {
        g_autoptr(FathomTensor) l0 = fathom_tensor_slice (logits, 0, 1);
        g_autoptr(FathomTensor) t0 = fathom_tensor_slice (target, 0, 1);
        g_autoptr(FathomTensor) p0 = fathom_tensor_slice (probs, 0, 1);

        g_assert_true (fathom_backend_softmax_cross_entropy_forward (be, &keras, l0, t0, p0,
                                                                     &loss, &error));
        g_assert_cmpfloat_with_epsilon (loss, 16.118096f, 2e-5f);
      }

      g_assert_true (fathom_backend_softmax_cross_entropy_forward (be, &exact, logits, target,
                                                                   probs, &loss, &error));
      g_assert_cmpfloat_with_epsilon (loss, (100.693147f + 50.693147f) / 2, 1e-4f);
      g_assert_true (fathom_backend_softmax_cross_entropy_backward (be, &exact, probs, target,
                                                                    1.f, dlogits, &error));
      fathom_test_assert_values (dlogits, (float[]) { 0.25f, -0.5f, 0.25f, 0, -0.25f, 0.25f },
                                 6, 1e-7f, "exact dlogits");
      g_assert_no_error (error);
    }
}

static void
test_softmax_stable (void)
{
  /* Large logits must not overflow; scale multiplies the gradient. */
  g_autoptr(FathomTensor) logits = tensor_from (2, (gint64[]) { 1, 3 }, (float[]) { 1000, 1001, 1002 });
  g_autoptr(FathomTensor) target = tensor_from (2, (gint64[]) { 1, 3 }, (float[]) { 0, 0, 1 });
  g_autoptr(FathomTensor) probs = fathom_tensor_new_2d (1, 3);
  g_autoptr(FathomTensor) dlogits = fathom_tensor_new_2d (1, 3);
  /* softmax(0, 1, 2) */
  const double e = exp (1.0), s = 1.0 + e + e * e;
  const float want[3] = { (float) (1 / s), (float) (e / s), (float) (e * e / s) };

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
      FathomCrossEntropyDesc desc = { 0.f };
      g_autoptr(GError) error = NULL;
      float loss = -1.f;

      g_assert_true (fathom_backend_softmax_cross_entropy_forward (be, &desc, logits, target,
                                                                   probs, &loss, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (probs, want, 3, 1e-6f, "probs");
      g_assert_cmpfloat_with_epsilon (loss, (float) -log (e * e / s), 1e-6f);
      g_assert_true (fathom_backend_softmax_cross_entropy_backward (be, &desc, probs, target,
                                                                    3.f, dlogits, &error));
      fathom_test_assert_values (dlogits, (float[]) { 3 * want[0], 3 * want[1], 3 * (want[2] - 1) },
                                 3, 1e-6f, "scaled dlogits");
    }
}

/* ---- gradient checks --------------------------------------------------------------- */

typedef struct {
  FathomBackend          *be;
  FathomCrossEntropyDesc  desc;
  gboolean                mse;
  FathomTensor           *input, *target, *probs, *grad;
} LossCase;

static void
loss_forward (gpointer data, FathomTensor *out)
{
  LossCase *c = data;
  g_autoptr(GError) error = NULL;
  float loss = NAN;
  gboolean ok;

  if (c->mse)
    ok = fathom_backend_mse_forward (c->be, c->input, c->target, &loss, &error);
  else
    ok = fathom_backend_softmax_cross_entropy_forward (c->be, &c->desc, c->input, c->target,
                                                       c->probs, &loss, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  fathom_tensor_get_data (out)[0] = loss;
}

/* The incoming scalar gradient is the op's scale. */
static void
loss_backward (gpointer data, const FathomTensor *dout)
{
  LossCase *c = data;
  float scale = fathom_tensor_get_const_data (dout)[0];
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (c->mse)
    ok = fathom_backend_mse_backward (c->be, c->input, c->target, scale, c->grad, &error);
  else
    ok = fathom_backend_softmax_cross_entropy_backward (c->be, &c->desc, c->probs, c->target,
                                                        scale, c->grad, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* Targets: one-hot rows, except every third row soft (and not summing to
 * one, which the exact gradient must honour). */
static void
fill_targets (FathomTensor *target, FathomRng *rng)
{
  gint64 k = fathom_tensor_get_dim (target, -1);
  gint64 rows = (gint64) fathom_tensor_get_numel (target) / k;
  float *t = fathom_tensor_get_data (target);

  fathom_tensor_fill (target, 0.f);
  for (gint64 r = 0; r < rows; r++)
    if (r % 3 == 2)
      for (gint64 j = 0; j < k; j++)
        t[r * k + j] = (float) fathom_rng_uniform (rng) * 0.5f;
    else
      t[r * k + (gint64) fathom_rng_below (rng, k)] = 1.f;
}

static void
test_cross_entropy_gradcheck (void)
{
  static const gint64 shapes[][3] = {
    { 1, 1, 0 }, { 1, 13, 0 }, { 3, 7, 0 }, { 2, 3, 5 },
  };
  double worst = 0.0;

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
      for (int clipped = 0; clipped < 2; clipped++)
        {
          g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
          g_autoptr(FathomRng) rng = fathom_rng_new (31 + s);
          guint ndim = shapes[s][2] ? 3 : 2;
          g_autoptr(FathomTensor) logits = fathom_test_uniform (rng, ndim, shapes[s], -2.f, 2.f);
          g_autoptr(FathomTensor) target = fathom_tensor_new_like (logits);
          g_autoptr(FathomTensor) probs = fathom_tensor_new_like (logits);
          g_autoptr(FathomTensor) grad = fathom_tensor_new_like (logits);
          g_autoptr(FathomTensor) out = fathom_tensor_new_1d (1);
          g_autofree char *name = NULL;
          LossCase c = { be, { clipped ? 1e-7f : 0.f }, FALSE, logits, target, probs, grad };
          FathomTestGradTarget tg = { "logits", logits, grad };
          gint64 k = fathom_tensor_get_dim (logits, -1);

          fill_targets (target, rng);
          /* Under the clip, push one target class deep into the clipped
           * region: its row's loss is then flat. */
          if (clipped && k > 1)
            {
              const float *t = fathom_tensor_get_const_data (target);
              for (gint64 j = 0; j < k; j++)
                if (t[j] > 0.f)
                  {
                    fathom_tensor_get_data (logits)[j] = -30.f;
                    break;
                  }
            }
          name = g_strdup_printf ("softmax-ce %s K%" G_GINT64_FORMAT "%s",
                                  fathom_test_path_name (fathom_test_paths[pa]), k,
                                  clipped ? " clip" : "");
          worst = MAX (worst, fathom_test_gradcheck (name, out, loss_forward, loss_backward, &c,
                                                     &tg, 1, 1000, GC_EPS, GC_ATOL, GC_RTOL));
        }
  g_test_message ("softmax-ce: worst |analytic - numeric| %.3g (eps %g, atol %g, rtol %g)",
                  worst, (double) GC_EPS, (double) GC_ATOL, (double) GC_RTOL);
}

/* ---- MSE --------------------------------------------------------------------------- */

static void
test_mse_by_hand (void)
{
  /* d = [-.5, 0, 1, -2]: loss (0.25 + 0 + 1 + 4) / 4 = 1.3125;
   * with scale 2, dpred = 2 * 2 d / 4 = d. */
  g_autoptr(FathomTensor) pred = tensor_from (2, (gint64[]) { 2, 2 }, (float[]) { 1, 2, 3, 4 });
  g_autoptr(FathomTensor) target = tensor_from (2, (gint64[]) { 2, 2 }, (float[]) { 1.5f, 2, 2, 6 });
  g_autoptr(FathomTensor) dpred = fathom_tensor_new_2d (2, 2);

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
      g_autoptr(GError) error = NULL;
      float loss = -1.f;

      g_assert_true (fathom_backend_mse_forward (be, pred, target, &loss, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (loss, ==, 1.3125f);
      fathom_tensor_fill (dpred, NAN);
      g_assert_true (fathom_backend_mse_backward (be, pred, target, 2.f, dpred, &error));
      fathom_test_assert_values (dpred, (float[]) { -0.5f, 0, 1, -2 }, 4, 0.f, "dpred");
    }
}

static void
test_mse_gradcheck (void)
{
  static const gint64 shapes[][3] = { { 1, 0, 0 }, { 3, 5, 0 }, { 2, 3, 7 } };
  double worst = 0.0;

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
        g_autoptr(FathomRng) rng = fathom_rng_new (57 + s);
        guint ndim = shapes[s][2] ? 3 : shapes[s][1] ? 2 : 1;
        g_autoptr(FathomTensor) pred = fathom_test_uniform (rng, ndim, shapes[s], -2.f, 2.f);
        g_autoptr(FathomTensor) target = fathom_test_uniform (rng, ndim, shapes[s], -2.f, 2.f);
        g_autoptr(FathomTensor) grad = fathom_tensor_new_like (pred);
        g_autoptr(FathomTensor) out = fathom_tensor_new_1d (1);
        g_autofree char *name = g_strdup_printf ("mse %s %u-D",
                                                 fathom_test_path_name (fathom_test_paths[pa]), ndim);
        LossCase c = { be, { 0.f }, TRUE, pred, target, NULL, grad };
        FathomTestGradTarget tg = { "pred", pred, grad };

        worst = MAX (worst, fathom_test_gradcheck (name, out, loss_forward, loss_backward, &c,
                                                   &tg, 1, 1000, GC_EPS, GC_ATOL, GC_RTOL));
      }
  g_test_message ("mse: worst |analytic - numeric| %.3g (eps %g, atol %g, rtol %g)",
                  worst, (double) GC_EPS, (double) GC_ATOL, (double) GC_RTOL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/loss/cross-entropy/lesson-check", test_lesson_check);
  g_test_add_func ("/loss/cross-entropy/clip", test_clip);
  g_test_add_func ("/loss/cross-entropy/stable", test_softmax_stable);
  g_test_add_func ("/loss/cross-entropy/gradcheck", test_cross_entropy_gradcheck);
  g_test_add_func ("/loss/mse/by-hand", test_mse_by_hand);
  g_test_add_func ("/loss/mse/gradcheck", test_mse_gradcheck);
  return g_test_run ();
}
