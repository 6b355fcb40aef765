/* test-tensor.c: tensors, views, the random generator and shape checks. */
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

static void
test_tensor_views (void)
{
  g_autoptr(FathomTensor) t = fathom_tensor_new_4d (3, 2, 5, 7);
  g_autoptr(FathomTensor) flat = NULL;
  g_autoptr(FathomTensor) rows = NULL;
  float *d = fathom_tensor_get_data (t);

  g_assert_cmpuint (fathom_tensor_get_numel (t), ==, 3 * 2 * 5 * 7);
  g_assert_cmpint (fathom_tensor_get_dim (t, -1), ==, 7);
  for (gsize i = 0; i < fathom_tensor_get_numel (t); i++)
    d[i] = (float) i;

  flat = fathom_tensor_view (t, 2, (gint64[]) { 3, 70 });
  g_assert_cmpfloat (fathom_tensor_get_data (flat)[75], ==, 75.f);
  rows = fathom_tensor_slice (t, 1, 2);
  g_assert_cmpint (fathom_tensor_get_dim (rows, 0), ==, 2);
  g_assert_cmpfloat (fathom_tensor_get_data (rows)[0], ==, 70.f);
  fathom_tensor_get_data (rows)[1] = -1.f;  /* views share storage */
  g_assert_cmpfloat (d[71], ==, -1.f);

  /* a view keeps the storage alive after the tensor goes */
  g_clear_pointer (&t, fathom_tensor_unref);
  g_assert_cmpfloat (fathom_tensor_get_data (flat)[209], ==, 209.f);
}

static void
test_rng_repeatable (void)
{
  g_autoptr(FathomRng) a = fathom_rng_new (42);
  g_autoptr(FathomRng) b = fathom_rng_new (42);
  g_autoptr(FathomRng) c = fathom_rng_new (43);
  guint64 state[4];
  double sum = 0, sum2 = 0;
  const int n = 20000;

  for (int i = 0; i < 100; i++)
    g_assert_cmpuint (fathom_rng_next_u64 (a), ==, fathom_rng_next_u64 (b));
  g_assert_cmpuint (fathom_rng_next_u64 (a), !=, fathom_rng_next_u64 (c));

  /* state round trip continues the same sequence */
  fathom_rng_get_state (a, state);
  fathom_rng_set_state (c, state);
  for (int i = 0; i < 10; i++)
    g_assert_cmpfloat (fathom_rng_normal (a, 0, 1), ==, fathom_rng_normal (c, 0, 1));

  for (int i = 0; i < n; i++)
    {
      double x = fathom_rng_normal (b, 2.0, 3.0);
      sum += x;
      sum2 += x * x;
    }
  /* mean 2, sd 3: standard errors 0.021 and ~0.015 */
  g_assert_cmpfloat (fabs (sum / n - 2.0), <, 0.1);
  g_assert_cmpfloat (fabs (sqrt (sum2 / n - (sum / n) * (sum / n)) - 3.0), <, 0.1);

  for (int i = 0; i < 1000; i++)
    g_assert_cmpuint (fathom_rng_below (b, 7), <, 7);
}

static void
test_shape_errors (void)
{
  g_autoptr(FathomBackend) cpu = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomTensor) x = fathom_tensor_new_2d (4, 3);
  g_autoptr(FathomTensor) w = fathom_tensor_new_2d (5, 2);
  g_autoptr(FathomTensor) y = fathom_tensor_new_2d (4, 5);
  g_autoptr(GError) error = NULL;

  g_assert_false (fathom_backend_gemm (cpu, FALSE, TRUE, 1.f, x, w, 0.f, y, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "inner sizes"));
}

static void
test_gemm_paths (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (7);

  for (guint p = 0; p < 2; p++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        {
          const gint64 m = 67, k = 131, n = 71;   /* primes: no even split */
          g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
          g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
          g_autoptr(FathomTensor) a = ta ? FATHOM_TEST_UNIFORM (rng, -1, 1, k, m) : FATHOM_TEST_UNIFORM (rng, -1, 1, m, k);
          g_autoptr(FathomTensor) b = tb ? FATHOM_TEST_UNIFORM (rng, -1, 1, n, k) : FATHOM_TEST_UNIFORM (rng, -1, 1, k, n);
          g_autoptr(FathomTensor) c0 = FATHOM_TEST_UNIFORM (rng, -1, 1, m, n);
          g_autoptr(FathomTensor) c1 = fathom_tensor_new_like (c0);
          g_autoptr(FathomTensor) want = fathom_tensor_new_like (c0);
          const float *ad = fathom_tensor_get_const_data (a), *bd = fathom_tensor_get_const_data (b);
          float *wd = fathom_tensor_get_data (want);
          const float *c0d = fathom_tensor_get_const_data (c0);
          g_autoptr(GError) error = NULL;

          for (gint64 i = 0; i < m; i++)
            for (gint64 j = 0; j < n; j++)
              {
                double acc = 0;
                for (gint64 q = 0; q < k; q++)
                  acc += (double) (ta ? ad[q * m + i] : ad[i * k + q]) * (tb ? bd[j * k + q] : bd[q * n + j]);
                wd[i * n + j] = (float) (0.5 * acc + 2.0 * c0d[i * n + j]);
              }
          fathom_tensor_copy_from (c1, c0);
          g_assert_true (fathom_backend_gemm (be, ta, tb, 0.5f, a, b, 2.f, c1, &error));
          g_assert_no_error (error);
          fathom_test_assert_close (c1, want, 1e-4f, 1e-4f, "gemm");
        }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tensor/views", test_tensor_views);
  g_test_add_func ("/tensor/rng-repeatable", test_rng_repeatable);
  g_test_add_func ("/tensor/shape-errors", test_shape_errors);
  g_test_add_func ("/tensor/gemm-paths", test_gemm_paths);
  return g_test_run ();
}
