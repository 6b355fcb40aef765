/* test-bench.c: the lesson workloads of fathom-cli bench, through the
 * library on the CPU at tiny sizes: the numbers a measurement reports hang
 * together, inference reads the random inputs, and a training step trains.
 * Nothing here depends on how fast the machine is. */
#include "fathom-test-util.h"
#include "fathom-bench-report.h"
#include "fathom-bench-workload.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static FathomBackend *
cpu (void)
{
  return fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 0);
}

/* The internal consistency of one measurement. */
static void
assert_result (const FathomBenchResult *r, FathomBenchKind kind, guint batch, guint runs, double items,
               const char *unit, const char *input)
{
  g_assert_cmpint (r->kind, ==, kind);
  g_assert_cmpuint (r->batch, ==, batch);
  g_assert_cmpuint (r->runs, ==, runs);
  g_assert_cmpstr (r->unit, ==, unit);
  g_assert_cmpstr (r->input, ==, input);
  g_assert_true (isfinite (r->median_s));
  g_assert_cmpfloat (r->median_s, >, 0.0);
  g_assert_cmpfloat (r->min_s, >, 0.0);
  g_assert_cmpfloat (r->min_s, <=, r->median_s);
  g_assert_cmpfloat (r->median_s, <=, r->max_s);
  g_assert_cmpfloat (r->items, ==, items);
  g_assert_true (isfinite (r->throughput));
  g_assert_cmpfloat_with_epsilon (r->throughput * r->median_s / items, 1.0, 1e-9);
}

static void
test_kinds (void)
{
  static const char *const names[] = { "vgg16-features", "fcn-step", "gru-step", "resnet50-features" };
  static const guint batches[] = { 32, 64, 64, 64 };
  FathomBenchKind kind;

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == FATHOM_BENCH_N_KINDS);
  for (guint i = 0; i < FATHOM_BENCH_N_KINDS; i++)
    {
      g_assert_cmpstr (fathom_bench_kind_to_string ((FathomBenchKind) i), ==, names[i]);
      g_assert_true (fathom_bench_kind_from_string (names[i], &kind));
      g_assert_cmpint (kind, ==, i);
      g_assert_cmpuint (fathom_bench_kind_default_batch (kind), ==, batches[i]);
      g_assert_nonnull (fathom_bench_kind_describe (kind));
    }
  g_assert_false (fathom_bench_kind_from_string ("kernels", &kind));
  g_assert_false (fathom_bench_kind_from_string (NULL, &kind));
}

/* The trunk's features of random images: the right shape, finite, and
 * not all zero. */
static void
assert_features (FathomBenchWorkload *w, FathomBackend *be, gint64 channels)
{
  FathomTensor *y = fathom_graph_get_output (fathom_bench_workload_get_graph (w), 0);
  g_autofree float *host = NULL;
  g_autoptr(GError) error = NULL;
  gsize n, nonzero = 0;

  g_assert_nonnull (y);
  g_assert_cmpint (fathom_tensor_get_dim (y, 0), ==, fathom_bench_workload_get_batch (w));
  g_assert_cmpint (fathom_tensor_get_dim (y, 1), ==, channels);
  n = fathom_tensor_get_numel (y);
  host = g_new (float, n);
  g_assert_true (fathom_backend_download (be, y, host, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (host[i]));
      nonzero += host[i] != 0.f;
    }
  g_assert_cmpuint (nonzero, >, 0);
}

static void
test_inference (void)
{
  const struct {
    FathomBenchKind kind;
    guint           batch;
    gint64          channels;
  } cases[] = {
    { FATHOM_BENCH_VGG16_FEATURES, 1, 512 },
    { FATHOM_BENCH_RESNET50_FEATURES, 2, 2048 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(FathomBackend) be = cpu ();
      g_autoptr(FathomBenchWorkload) w = NULL;
      g_autoptr(GError) error = NULL;
      FathomBenchOptions options;
      FathomBenchResult r = { 0 };

      fathom_bench_options_init (&options);
      options.batch = cases[c].batch;
      options.height = options.width = 32;
      w = fathom_bench_workload_new (cases[c].kind, be, &options, &error);
      g_assert_no_error (error);
      g_assert_true (fathom_bench_workload_measure (w, 0, 1, &r, &error));
      g_assert_no_error (error);
      assert_result (&r, cases[c].kind, cases[c].batch, 1, cases[c].batch, "img/s", "3x32x32");
      g_assert_false (r.training);
      g_assert_true (isnan (r.loss));
      /* a CPU cannot capture the forward: eager, and the reason kept */
      g_assert_false (r.graph);
      g_assert_nonnull (r.graph_reason);
      g_assert_nonnull (strstr (r.graph_reason, "does not capture"));
      assert_features (w, be, cases[c].channels);
      fathom_bench_result_clear (&r);
    }
}

/* Copies of every trainable parameter. */
static GPtrArray *
snapshot (FathomGraph *graph)
{
  GPtrArray *params = fathom_graph_get_params (graph);
  GPtrArray *copies = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      FathomTensor *copy;

      if (gp->param->is_state)
        continue;
      copy = fathom_tensor_new_like (gp->param->value);
      fathom_tensor_copy_from (copy, gp->param->value);
      g_ptr_array_add (copies, copy);
    }
  return copies;
}

/* Every trainable parameter moved: a step computed gradients for all of
 * them and the optimiser applied them. */
static void
assert_all_changed (FathomGraph *graph, GPtrArray *before)
{
  GPtrArray *params = fathom_graph_get_params (graph);
  guint k = 0;

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);

      if (gp->param->is_state)
        continue;
      if (fathom_tensor_max_abs_diff (gp->param->value, g_ptr_array_index (before, k)) <= 0.f)
        g_error ("%s did not change in a training step", gp->name);
      k++;
    }
  g_assert_cmpuint (k, ==, before->len);
  g_assert_cmpuint (k, >, 0);
}

/* One step changes the weights; more steps on the same batch bring the
 * loss down; a measurement reports consistent numbers and the loss. */
static void
check_training (FathomBenchKind kind, const FathomBenchOptions *options, double items, const char *unit,
                const char *input, guint more_steps)
{
  g_autoptr(FathomBackend) be = cpu ();
  g_autoptr(FathomBenchWorkload) w = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GError) error = NULL;
  FathomBenchResult r = { 0 };
  double first;

  w = fathom_bench_workload_new (kind, be, options, &error);
  g_assert_no_error (error);
  g_assert_true (isnan (fathom_bench_workload_get_loss (w)));
  before = snapshot (fathom_bench_workload_get_graph (w));

  g_assert_true (fathom_bench_workload_run_once (w, &error));
  g_assert_no_error (error);
  first = fathom_bench_workload_get_loss (w);
  g_assert_true (isfinite (first));
  g_assert_cmpfloat (first, >, 0.0);
  assert_all_changed (fathom_bench_workload_get_graph (w), before);

  for (guint i = 0; i < more_steps; i++)
    g_assert_true (fathom_bench_workload_run_once (w, &error));
  g_assert_no_error (error);
  g_test_message ("%s: loss %.4f after 1 step, %.4f after %u", fathom_bench_kind_to_string (kind), first,
                  fathom_bench_workload_get_loss (w), more_steps + 1);
  g_assert_cmpfloat (fathom_bench_workload_get_loss (w), <, 0.9 * first);

  g_assert_true (fathom_bench_workload_measure (w, 1, 2, &r, &error));
  g_assert_no_error (error);
  assert_result (&r, kind, options->batch, 2, items, unit, input);
  g_assert_true (r.training);
  g_assert_cmpuint (r.warmup, ==, 1);
  g_assert_true (isfinite (r.loss));
  g_assert_cmpfloat (r.loss, ==, fathom_bench_workload_get_loss (w));
  fathom_bench_result_clear (&r);
}

static void
test_fcn_step (void)
{
  FathomBenchOptions options;

  /* The lesson's 512 channels on a smaller map (its pools need 4x8). */
  fathom_bench_options_init (&options);
  options.batch = 2;
  options.height = 8;
  options.width = 16;
  check_training (FATHOM_BENCH_FCN_STEP, &options, 2, "samples/s", "512x8x16", 12);
}

static void
test_gru_step (void)
{
  FathomBenchOptions options;

  fathom_bench_options_init (&options);
  options.batch = 2;
  check_training (FATHOM_BENCH_GRU_STEP, &options, 2 * 8, "chars/s", "8x86", 12);
}

/* --profile: every layer of the model timed, the layers' sum no more
 * than the iterations' time, and the workload steps on afterwards. */
static void
test_profile (void)
{
  g_autoptr(FathomBackend) be = cpu ();
  g_autoptr(FathomBenchWorkload) w = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *table = NULL;
  FathomBenchOptions options;
  const char *line;
  double iteration_ms = 0.0, layers_ms = 0.0, gru_fwd = 0.0, gru_bwd = 0.0;
  guint gru_layers = 0;

  fathom_bench_options_init (&options);
  options.batch = 2;
  w = fathom_bench_workload_new (FATHOM_BENCH_GRU_STEP, be, &options, &error);
  g_assert_no_error (error);
  table = fathom_bench_workload_profile (w, 3, &error);
  g_assert_no_error (error);
  g_test_message ("%s", table);
  g_assert_cmpint (sscanf (table, "gru-step: 3 eager iterations, each layer waited for (%lf ms an iteration)",
                           &iteration_ms), ==, 1);
  line = strstr (table, "\nGRU ");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line + 1, "GRU %u %lf %lf", &gru_layers, &gru_fwd, &gru_bwd), ==, 3);
  g_assert_cmpuint (gru_layers, ==, 1);
  g_assert_cmpfloat (gru_fwd, >, 0.0);
  g_assert_cmpfloat (gru_bwd, >, 0.0);
  g_assert_nonnull (strstr (table, "\nDense "));
  line = strstr (table, "\nlayers together ");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line + 1, "layers together %lf", &layers_ms), ==, 1);
  g_assert_cmpfloat (layers_ms, >=, gru_fwd + gru_bwd - 2e-3);
  g_assert_cmpfloat (layers_ms, <=, iteration_ms + 2e-3);
  g_assert_nonnull (strstr (table, "\nrest (loss, optimiser) "));
  g_assert_nonnull (strstr (table, "slowest layers:\n  gru_1 "));

  /* the workload goes on as before */
  g_assert_true (fathom_bench_workload_run_once (w, &error));
  g_assert_no_error (error);
  g_assert_true (isfinite (fathom_bench_workload_get_loss (w)));
}

static void
test_too_small (void)
{
  g_autoptr(FathomBackend) be = cpu ();
  FathomBenchOptions options;
  const FathomBenchKind kinds[] = { FATHOM_BENCH_VGG16_FEATURES, FATHOM_BENCH_FCN_STEP };

  /* Five 2x2 pools need 32 pixels; the fcn head's pools need 4x8. */
  fathom_bench_options_init (&options);
  options.batch = 1;
  options.height = options.width = 2;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(FathomBenchWorkload) w = fathom_bench_workload_new (kinds[i], be, &options, &error);

      g_assert_null (w);
      g_assert_nonnull (error);
    }
}

static void
test_report (void)
{
  g_autoptr(FathomBenchReport) report = fathom_bench_report_new ("cpu", "2 cores", FALSE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL, *table = NULL;
  FathomBenchResult r = {
    .kind = FATHOM_BENCH_GRU_STEP, .batch = 64, .input = (char *) "8x86", .training = TRUE,
    .warmup = 1, .runs = 3, .median_s = 0.004, .min_s = 0.003, .max_s = 0.005, .items = 512,
    .throughput = 128000, .unit = "chars/s", .loss = NAN,
  };
  JsonObject *root, *row;
  JsonArray *results;

  fathom_bench_report_add (report, &r);
  r.loss = 4.25;
  fathom_bench_report_add (report, &r);
  fathom_bench_report_add_failure (report, FATHOM_BENCH_VGG16_FEATURES, 32, "Out of memory");
  g_assert_cmpuint (fathom_bench_report_get_n_failed (report), ==, 1);

  json = fathom_bench_report_to_json (report);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "framework"), ==, "fathom");
  g_assert_cmpstr (json_object_get_string_member (root, "device"), ==, "cpu");
  g_assert_false (json_object_get_boolean_member (root, "tf32"));
  results = json_object_get_array_member (root, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 3);

  row = json_array_get_object_element (results, 0);
  g_assert_cmpstr (json_object_get_string_member (row, "workload"), ==, "gru-step");
  g_assert_cmpint (json_object_get_int_member (row, "batch"), ==, 64);
  g_assert_cmpstr (json_object_get_string_member (row, "mode"), ==, "train-step");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (row, "median_ms"), 4.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (row, "throughput"), 128000, 1e-6);
  g_assert_cmpstr (json_object_get_string_member (row, "unit"), ==, "chars/s");
  /* JSON has no NaN */
  g_assert_cmpstr (json_object_get_string_member (row, "loss"), ==, "not finite");
  row = json_array_get_object_element (results, 1);
  g_assert_cmpfloat (json_object_get_double_member (row, "loss"), ==, 4.25);
  row = json_array_get_object_element (results, 2);
  g_assert_cmpstr (json_object_get_string_member (row, "workload"), ==, "vgg16-features");
  g_assert_cmpstr (json_object_get_string_member (row, "error"), ==, "Out of memory");
  g_assert_false (json_object_has_member (row, "throughput"));

  table = fathom_bench_report_to_table (report);
  g_assert_nonnull (strstr (table, "128000.00  chars/s"));
  g_assert_nonnull (strstr (table, "FAILED: Out of memory"));
}

/* Which convolution path each workload ran, and what the backend said. */
static void
test_report_conv (void)
{
  g_autoptr(FathomBenchReport) report = fathom_bench_report_new ("cuda", "NVIDIA H200 (sm_90)", TRUE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL, *table = NULL;
  FathomBenchResult r = {
    .kind = FATHOM_BENCH_VGG16_FEATURES, .batch = 32, .input = (char *) "3x360x640",
    .warmup = 5, .runs = 20, .median_s = 0.1, .min_s = 0.1, .max_s = 0.1, .items = 32,
    .throughput = 320, .unit = "img/s", .loss = NAN,
    .conv_counted = TRUE, .conv_cudnn = 13, .conv_own = 0,
  };
  JsonObject *root, *row, *calls;
  JsonArray *results;

  fathom_bench_report_set_convolutions (report, "cuDNN 9.19.0");
  fathom_bench_report_add (report, &r);
  r.kind = FATHOM_BENCH_RESNET50_FEATURES;
  r.conv_cudnn = 52;
  r.conv_own = 1;
  fathom_bench_report_add (report, &r);
  r.kind = FATHOM_BENCH_GRU_STEP;       /* no convolutions */
  r.conv_cudnn = r.conv_own = 0;
  fathom_bench_report_add (report, &r);

  json = fathom_bench_report_to_json (report);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "convolutions"), ==, "cuDNN 9.19.0");
  results = json_object_get_array_member (root, "results");
  row = json_array_get_object_element (results, 0);
  g_assert_cmpstr (json_object_get_string_member (row, "conv_path"), ==, "cudnn");
  calls = json_object_get_object_member (row, "conv_calls");
  g_assert_cmpint (json_object_get_int_member (calls, "cudnn"), ==, 13);
  g_assert_cmpint (json_object_get_int_member (calls, "own"), ==, 0);
  row = json_array_get_object_element (results, 1);
  g_assert_cmpstr (json_object_get_string_member (row, "conv_path"), ==, "mixed");
  row = json_array_get_object_element (results, 2);
  g_assert_false (json_object_has_member (row, "conv_path"));
  g_assert_false (json_object_has_member (row, "conv_calls"));

  table = fathom_bench_report_to_table (report);
  g_assert_nonnull (strstr (table, "Convolutions: cuDNN 9.19.0\n"));
  g_assert_nonnull (strstr (table, "mixed (52 cudnn, 1 own)"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bench/kinds", test_kinds);
  g_test_add_func ("/bench/inference", test_inference);
  g_test_add_func ("/bench/fcn-step", test_fcn_step);
  g_test_add_func ("/bench/gru-step", test_gru_step);
  g_test_add_func ("/bench/profile", test_profile);
  g_test_add_func ("/bench/too-small", test_too_small);
  g_test_add_func ("/bench/report", test_report);
  g_test_add_func ("/bench/report-conv", test_report_conv);
  return g_test_run ();
}
