/* test-optim.c: SGD, momentum, Nesterov and Adam updates against numbers
 * worked out by hand, three steps each, on both CPU paths. */
#include "fathom-test-util.h"

#include <math.h>

/* Three gradients for element 0; element 1 starts at 0 and sees the
 * negated gradients, so every update is mirrored: p1 = 1 - p0. */
static const float grads[3] = { 0.5f, -0.25f, 0.1f };

static void
set_grad (FathomTensor *grad, int step)
{
  float *g = fathom_tensor_get_data (grad);

  g[0] = grads[step];
  g[1] = -grads[step];
}

static void
assert_step (FathomTensor *param, float want, const char *what)
{
  fathom_test_assert_values (param, (float[]) { want, 1.f - want }, 2, 1e-6f, what);
}

static void
test_sgd (void)
{
  /* p -= 0.1 g: 1 - 0.05 = 0.95, + 0.025 = 0.975, - 0.01 = 0.965 */
  static const float want[3] = { 0.95f, 0.975f, 0.965f };

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    for (int with_velocity = 0; with_velocity < 2; with_velocity++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
        g_autoptr(FathomTensor) param = fathom_tensor_new_1d (2);
        g_autoptr(FathomTensor) grad = fathom_tensor_new_1d (2);
        /* momentum 0 with a velocity is plain SGD too */
        g_autoptr(FathomTensor) velocity = with_velocity ? fathom_tensor_new_1d (2) : NULL;
        FathomSgdDesc desc = { 0.1f, 0.f, FALSE };

        fathom_tensor_get_data (param)[0] = 1.f;
        for (int s = 0; s < 3; s++)
          {
            g_autoptr(GError) error = NULL;

            set_grad (grad, s);
            g_assert_true (fathom_backend_sgd_update (be, &desc, param, grad, velocity, &error));
            g_assert_no_error (error);
            assert_step (param, want[s], "sgd");
          }
      }
}

static void
test_momentum (void)
{
  /* v = 0.9 v - 0.1 g: -0.05, -0.045 + 0.025 = -0.02, -0.018 - 0.01 = -0.028.
   * Classic: p += v: 0.95, 0.93, 0.902.
   * Nesterov: p += 0.9 v - 0.1 g: 1 - 0.045 - 0.05 = 0.905,
   *   0.905 - 0.018 + 0.025 = 0.912, 0.912 - 0.0252 - 0.01 = 0.8768. */
  static const float want_v[3] = { -0.05f, -0.02f, -0.028f };
  static const float want_p[2][3] = { { 0.95f, 0.93f, 0.902f }, { 0.905f, 0.912f, 0.8768f } };

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    for (int nesterov = 0; nesterov < 2; nesterov++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
        g_autoptr(FathomTensor) param = fathom_tensor_new_1d (2);
        g_autoptr(FathomTensor) grad = fathom_tensor_new_1d (2);
        g_autoptr(FathomTensor) velocity = fathom_tensor_new_1d (2);
        FathomSgdDesc desc = { 0.1f, 0.9f, nesterov };

        fathom_tensor_get_data (param)[0] = 1.f;
        for (int s = 0; s < 3; s++)
          {
            g_autoptr(GError) error = NULL;

            set_grad (grad, s);
            g_assert_true (fathom_backend_sgd_update (be, &desc, param, grad, velocity, &error));
            g_assert_no_error (error);
            assert_step (param, want_p[nesterov][s], nesterov ? "nesterov" : "momentum");
            fathom_test_assert_values (velocity, (float[]) { want_v[s], -want_v[s] }, 2, 1e-7f,
                                       "velocity");
          }
      }
}

static void
test_adam (void)
{
  /* lr 0.1, Keras betas and eps, g = 0.5, -0.25, 0.1:
   * t=1: m = 0.05, v = 0.00025, lr_t = 0.1 sqrt(0.001) / 0.1 = 0.0316228,
   *      p = 1 - lr_t * 0.05 / (0.0158114 + 1e-8) = 0.9000001
   * t=2: m = 0.02, v = 0.00031225, lr_t = 0.1 sqrt(0.001999) / 0.19,
   *      p = 0.8733664
   * t=3: m = 0.028, v = 0.00032193775, p = 0.8418420 */
  static const float want_p[3] = { 0.9000001f, 0.8733664f, 0.8418420f };
  static const float want_m[3] = { 0.05f, 0.02f, 0.028f };
  static const float want_v[3] = { 0.00025f, 0.00031225f, 0.00032193775f };

  for (guint pa = 0; pa < G_N_ELEMENTS (fathom_test_paths); pa++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[pa], 3);
      g_autoptr(FathomTensor) param = fathom_tensor_new_1d (2);
      g_autoptr(FathomTensor) grad = fathom_tensor_new_1d (2);
      g_autoptr(FathomTensor) m = fathom_tensor_new_1d (2);
      g_autoptr(FathomTensor) v = fathom_tensor_new_1d (2);

      fathom_tensor_get_data (param)[0] = 1.f;
      for (int s = 0; s < 3; s++)
        {
          FathomAdamDesc desc = { 0.1f, 0.9f, 0.999f, 1e-8f, s + 1 };
          g_autoptr(GError) error = NULL;

          set_grad (grad, s);
          g_assert_true (fathom_backend_adam_update (be, &desc, param, grad, m, v, &error));
          g_assert_no_error (error);
          assert_step (param, want_p[s], "adam");
          fathom_test_assert_values (m, (float[]) { want_m[s], -want_m[s] }, 2, 1e-7f, "adam m");
          /* 1 - 0.999f is 0.00099998713 in float (as in Keras), so v is
           * only good to about 1e-5 relative. */
          fathom_test_assert_values (v, (float[]) { want_v[s], want_v[s] }, 2, 1e-8f, "adam v");
        }
    }
}

static void
test_adam_first_step (void)
{
  /* With bias correction the first step is lr * sign(g) whatever |g|,
   * give or take eps. */
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 3);
  g_autoptr(FathomTensor) param = fathom_tensor_new_1d (4);
  g_autoptr(FathomTensor) grad = fathom_tensor_new_from_data (1, (gint64[]) { 4 },
                                                             (float[]) { 0.1f, -7.f, 250.f, 0.f });
  g_autoptr(FathomTensor) m = fathom_tensor_new_1d (4);
  g_autoptr(FathomTensor) v = fathom_tensor_new_1d (4);
  FathomAdamDesc desc = { 0.01f, 0.9f, 0.999f, 1e-8f, 1 };
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_adam_update (be, &desc, param, grad, m, v, &error));
  g_assert_no_error (error);
  fathom_test_assert_values (param, (float[]) { -0.01f, 0.01f, -0.01f, 0.f }, 4, 1e-6f, "first step");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/optim/sgd", test_sgd);
  g_test_add_func ("/optim/momentum", test_momentum);
  g_test_add_func ("/optim/adam", test_adam);
  g_test_add_func ("/optim/adam-first-step", test_adam_first_step);
  return g_test_run ();
}
