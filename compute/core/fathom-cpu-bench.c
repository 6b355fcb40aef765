/* fathom-cpu-bench.c: throughput of the CPU fast path against OpenBLAS.
 *
 * Each measurement is the median of several timed runs after one warm-up
 * run, so that first-touch page faults and thread start-up are not
 * counted. The OpenBLAS row calls cblas_sgemm directly with one thread per
 * core: it is the ceiling the backend's gemm (OpenBLAS per thread on
 * chunks of rows) and conv (im2col + sgemm) are measured against.
 */
#include "fathom-cpu-bench.h"

#include "fathom-cpu-backend-private.h"
#include "fathom-cpu-winograd.h"
#include "fathom-rng.h"

#include <cblas.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>

/* Seconds a measurement may take after its warm-up; runs are cut down to
 * fit, but never below MIN_RUNS. The whole bench takes about 2 s on two
 * SkylakeX cores, so even a machine ten times slower stays under 30 s. */
#define BENCH_BUDGET_S 1.2
#define MIN_RUNS 3
#define MAX_RUNS 9
#define OPENBLAS_SETTLE_US (400 * 1000)

typedef gboolean (*BenchFunc) (gpointer data, GError **error);

typedef struct {
  char   *name;
  char   *shape;
  double  flops;
  double  seconds;              /* median */
  guint   runs;
} BenchRow;

static void
bench_row_clear (gpointer data)
{
  BenchRow *row = data;

  g_free (row->name);
  g_free (row->shape);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static gboolean
time_median (BenchFunc func, gpointer data, double *seconds, guint *runs, GError **error)
{
  double times[MAX_RUNS];
  double warm;
  gint64 start;
  guint n;

  start = g_get_monotonic_time ();
  if (!func (data, error))
    return FALSE;
  warm = (g_get_monotonic_time () - start) / 1e6;
  n = (guint) CLAMP (BENCH_BUDGET_S / MAX (warm, 1e-6), MIN_RUNS, MAX_RUNS);

  for (guint i = 0; i < n; i++)
    {
      start = g_get_monotonic_time ();
      if (!func (data, error))
        return FALSE;
      times[i] = (g_get_monotonic_time () - start) / 1e6;
    }
  qsort (times, n, sizeof (double), compare_doubles);
  *seconds = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  *runs = n;
  return TRUE;
}

/* A tensor of the backend filled with uniform values in [-1, 1). */
static FathomTensor *
random_tensor (FathomBackend *be, FathomRng *rng, guint ndim, const gint64 *shape, GError **error)
{
  g_autoptr(FathomTensor) host = fathom_tensor_new (ndim, shape);
  g_autoptr(FathomTensor) t = fathom_backend_new_tensor (be, ndim, shape, error);

  if (t == NULL)
    return NULL;
  fathom_rng_fill_uniform (rng, host, -1.f, 1.f);
  if (!fathom_backend_upload (be, t, fathom_tensor_get_const_data (host), error))
    return NULL;
  return g_steal_pointer (&t);
}

/* ---- conv2d --------------------------------------------------------------- */

typedef struct {
  FathomBackend *be;
  FathomConvWindow   win;
  FathomTensor  *x, *w, *bias, *y;
  FathomTensor  *dx, *dw, *dbias;
} ConvBench;

static void
conv_bench_clear (ConvBench *cb)
{
  g_clear_pointer (&cb->x, fathom_tensor_unref);
  g_clear_pointer (&cb->w, fathom_tensor_unref);
  g_clear_pointer (&cb->bias, fathom_tensor_unref);
  g_clear_pointer (&cb->y, fathom_tensor_unref);
  g_clear_pointer (&cb->dx, fathom_tensor_unref);
  g_clear_pointer (&cb->dw, fathom_tensor_unref);
  g_clear_pointer (&cb->dbias, fathom_tensor_unref);
}

static gboolean
conv_forward_once (gpointer data, GError **error)
{
  ConvBench *cb = data;

  return fathom_backend_conv2d_forward (cb->be, &cb->win, cb->x, cb->w, cb->bias, cb->y, error) &&
         fathom_backend_synchronize (cb->be, error);
}

/* Backward with every gradient wanted; y serves as dy. */
static gboolean
conv_backward_once (gpointer data, GError **error)
{
  ConvBench *cb = data;

  return fathom_backend_conv2d_backward (cb->be, &cb->win, cb->x, cb->w, cb->y,
                                         cb->dx, cb->dw, cb->dbias, error) &&
         fathom_backend_synchronize (cb->be, error);
}

/* One direction of one shape, timed into a row named op. */
static gboolean
bench_conv_row (BenchFunc func, ConvBench *cb, const char *op, const char *shape,
                double flops, GArray *rows, GError **error)
{
  BenchRow row = { g_strdup (op), g_strdup (shape), flops };

  if (!time_median (func, cb, &row.seconds, &row.runs, error))
    {
      bench_row_clear (&row);
      return FALSE;
    }
  g_array_append_val (rows, row);
  return TRUE;
}

/* A 3x3 SAME convolution, forward and backward, on im2col and then (where
 * the shape qualifies) on Winograd F(4x4,3x3): the figures are old path
 * against new, and the FLOP/s count the direct method's products for
 * both, so that they compare as times. */
static gboolean
bench_conv (FathomBackend *be, FathomRng *rng, gint64 n, gint64 c, gint64 h, gint64 w, gint64 o,
            GArray *rows, GError **error)
{
  ConvBench cb = { be, { 3, 3, 1, 1 } };
  FathomCpuBackend *cpu = fathom_backend_is_cpu (be) ? FATHOM_CPU (be) : NULL;
  gboolean winograd = cpu != NULL && cpu->winograd;
  g_autofree char *shape = NULL;
  gint64 oh, ow;
  double flops;
  gboolean ok = FALSE;

  fathom_conv_window_resolve (&cb.win, FATHOM_PADDING_SAME, h, w, &oh, &ow);
  flops = 2.0 * n * o * oh * ow * c * cb.win.kh * cb.win.kw;
  shape = g_strdup_printf ("%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                           "x%" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT ", 3x3 same",
                           n, c, h, w, o);
  if ((cb.x = random_tensor (be, rng, 4, (gint64[]) { n, c, h, w }, error)) == NULL ||
      (cb.w = random_tensor (be, rng, 4, (gint64[]) { o, c, 3, 3 }, error)) == NULL ||
      (cb.bias = random_tensor (be, rng, 1, (gint64[]) { o }, error)) == NULL ||
      (cb.y = random_tensor (be, rng, 4, (gint64[]) { n, o, oh, ow }, error)) == NULL ||
      (cb.dx = fathom_backend_new_tensor_like (be, cb.x, error)) == NULL ||
      (cb.dw = fathom_backend_new_tensor_like (be, cb.w, error)) == NULL ||
      (cb.dbias = fathom_backend_new_tensor_like (be, cb.bias, error)) == NULL)
    goto out;

  if (cpu != NULL)
    cpu->winograd = FALSE;
  if (!bench_conv_row (conv_forward_once, &cb, "conv fwd im2col", shape, flops, rows, error) ||
      !bench_conv_row (conv_backward_once, &cb, "conv bwd im2col", shape, 2.0 * flops, rows, error))
    goto out;
  if (cpu != NULL && winograd)
    {
      cpu->winograd = TRUE;
      if (fathom_cpu_winograd_applies (cpu, &cb.win, n, c, o, oh, ow) &&
          (!bench_conv_row (conv_forward_once, &cb, "conv fwd wino", shape, flops, rows, error) ||
           !bench_conv_row (conv_backward_once, &cb, "conv bwd wino", shape, 2.0 * flops, rows, error)))
        goto out;
    }
  ok = TRUE;

out:
  if (cpu != NULL)
    cpu->winograd = winograd;
  conv_bench_clear (&cb);
  return ok;
}

/* ---- gemm ----------------------------------------------------------------- */

#define GEMM_SIZE 1024

typedef struct {
  FathomBackend *be;
  FathomTensor  *a, *b, *c;
} GemmBench;

static gboolean
gemm_once (gpointer data, GError **error)
{
  GemmBench *gb = data;

  return fathom_backend_gemm (gb->be, FALSE, FALSE, 1.f, gb->a, gb->b, 0.f, gb->c, error) &&
         fathom_backend_synchronize (gb->be, error);
}

static gboolean
bench_gemm (FathomBackend *be, FathomRng *rng, GArray *rows, GError **error)
{
  const gint64 shape[2] = { GEMM_SIZE, GEMM_SIZE };
  GemmBench gb = { be };
  BenchRow row = { NULL };
  gboolean ok = FALSE;

  if ((gb.a = random_tensor (be, rng, 2, shape, error)) == NULL ||
      (gb.b = random_tensor (be, rng, 2, shape, error)) == NULL ||
      (gb.c = fathom_backend_new_tensor (be, 2, shape, error)) == NULL)
    goto out;
  row = (BenchRow) { g_strdup ("gemm"), g_strdup ("1024x1024x1024"), 2.0 * GEMM_SIZE * GEMM_SIZE * GEMM_SIZE };
  if (!time_median (gemm_once, &gb, &row.seconds, &row.runs, error))
    {
      bench_row_clear (&row);
      goto out;
    }
  g_array_append_val (rows, row);
  ok = TRUE;

out:
  g_clear_pointer (&gb.a, fathom_tensor_unref);
  g_clear_pointer (&gb.b, fathom_tensor_unref);
  g_clear_pointer (&gb.c, fathom_tensor_unref);
  return ok;
}

typedef struct {
  const float *a, *b;
  float       *c;
} BlasBench;

static gboolean
blas_once (gpointer data, GError **error)
{
  BlasBench *bb = data;

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, GEMM_SIZE, GEMM_SIZE, GEMM_SIZE,
               1.f, bb->a, GEMM_SIZE, bb->b, GEMM_SIZE, 0.f, bb->c, GEMM_SIZE);
  return TRUE;
}

/* OpenBLAS on its own, every core; the backends keep it at one thread
 * (they run their own threads), so that setting is restored. */
static gboolean
bench_openblas (FathomRng *rng, BenchRow *row, GError **error)
{
  const gint64 shape[2] = { GEMM_SIZE, GEMM_SIZE };
  g_autoptr(FathomTensor) a = fathom_tensor_new (2, shape);
  g_autoptr(FathomTensor) b = fathom_tensor_new (2, shape);
  g_autoptr(FathomTensor) c = fathom_tensor_new (2, shape);
  BlasBench bb = { fathom_tensor_get_const_data (a), fathom_tensor_get_const_data (b),
                   fathom_tensor_get_data (c) };
  gboolean ok;

  fathom_rng_fill_uniform (rng, a, -1.f, 1.f);
  fathom_rng_fill_uniform (rng, b, -1.f, 1.f);
  *row = (BenchRow) { g_strdup ("openblas sgemm"),
                      g_strdup_printf ("1024x1024x1024, %u threads", g_get_num_processors ()),
                      2.0 * GEMM_SIZE * GEMM_SIZE * GEMM_SIZE };
  openblas_set_num_threads ((int) g_get_num_processors ());
  ok = time_median (blas_once, &bb, &row->seconds, &row->runs, error);
  openblas_set_num_threads (1);
  return ok;
}

/* ---- report --------------------------------------------------------------- */

static double
gflops (const BenchRow *row)
{
  return row->flops / row->seconds / 1e9;
}

static void
report_table (GString *out, FathomBackend *be, guint threads, GArray *rows, const BenchRow *blas)
{
  g_string_append_printf (out, "Fathom CPU benchmark: backend %s, %u threads; %s\n",
                          fathom_backend_get_name (be), threads, openblas_get_config ());
  g_string_append_printf (out, "%-16s %-34s %10s %10s %12s\n",
                          "op", "shape", "ms", "GFLOP/s", "vs OpenBLAS");
  /* OpenBLAS first: it is what the ratios are relative to. */
  for (guint i = 0; i <= rows->len; i++)
    {
      const BenchRow *row = i == 0 ? blas : &g_array_index (rows, BenchRow, i - 1);

      g_string_append_printf (out, "%-16s %-34s %10.2f %10.1f %12.2f\n",
                              row->name, row->shape, row->seconds * 1e3, gflops (row),
                              gflops (row) / gflops (blas));
    }
}

static void
report_json (GString *out, FathomBackend *be, guint threads, GArray *rows, const BenchRow *blas)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "backend");
  json_builder_add_string_value (builder, fathom_backend_get_name (be));
  json_builder_set_member_name (builder, "threads");
  json_builder_add_int_value (builder, threads);
  json_builder_set_member_name (builder, "openblas_config");
  json_builder_add_string_value (builder, openblas_get_config ());
  json_builder_set_member_name (builder, "openblas_gflops");
  json_builder_add_double_value (builder, gflops (blas));
  json_builder_set_member_name (builder, "results");
  json_builder_begin_array (builder);
  /* OpenBLAS first: it is what the ratios are relative to. */
  for (guint i = 0; i <= rows->len; i++)
    {
      const BenchRow *row = i == 0 ? blas : &g_array_index (rows, BenchRow, i - 1);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "op");
      json_builder_add_string_value (builder, row->name);
      json_builder_set_member_name (builder, "shape");
      json_builder_add_string_value (builder, row->shape);
      json_builder_set_member_name (builder, "runs");
      json_builder_add_int_value (builder, row->runs);
      json_builder_set_member_name (builder, "median_ms");
      json_builder_add_double_value (builder, row->seconds * 1e3);
      json_builder_set_member_name (builder, "gflops");
      json_builder_add_double_value (builder, gflops (row));
      json_builder_set_member_name (builder, "ratio_to_openblas");
      json_builder_add_double_value (builder, gflops (row) / gflops (blas));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  g_string_append (out, text);
  g_string_append_c (out, '\n');
}

gboolean
fathom_cpu_bench_run (FathomBackend *fast, gboolean json, GString *out, GError **error)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (2024);
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (BenchRow));
  BenchRow blas = { NULL };
  guint threads = g_get_num_processors ();
  gboolean ok;

  g_return_val_if_fail (fast != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The reference loops would take minutes here and measure nothing useful. */
  if (fathom_backend_is_cpu (fast))
    {
      if (fathom_cpu_backend_get_path (fast) != FATHOM_CPU_PATH_FAST)
        {
          g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                       "The benchmark needs the CPU backend's fast path, not %s",
                       fathom_backend_get_name (fast));
          return FALSE;
        }
      threads = FATHOM_CPU (fast)->n_threads;
    }
  g_array_set_clear_func (rows, bench_row_clear);

  /* OpenBLAS's worker threads spin for about 2^28 cycles after the library
   * starts (and after each multi-threaded call) before they sleep; timed
   * in that window the backend's threads get half the machine. */
  g_usleep (OPENBLAS_SETTLE_US);

  /* OpenBLAS goes last, for the same reason. */
  ok = bench_gemm (fast, rng, rows, error) &&
       bench_conv (fast, rng, 8, 64, 56, 56, 64, rows, error) &&
       bench_conv (fast, rng, 8, 128, 28, 28, 128, rows, error) &&
       /* the allconv head (G): its first and its later 3x3 layers */
       bench_conv (fast, rng, 64, 64, 22, 40, 128, rows, error) &&
       bench_conv (fast, rng, 64, 128, 22, 40, 128, rows, error) &&
       bench_openblas (rng, &blas, error);
  if (ok)
    {
      if (json)
        report_json (out, fast, threads, rows, &blas);
      else
        report_table (out, fast, threads, rows, &blas);
    }
  bench_row_clear (&blas);
  return ok;
}
