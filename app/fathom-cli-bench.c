/* fathom-cli-bench.c: fathom-cli bench, the lesson's workloads timed on a
 * device (compute/train/fathom-bench-workload.h), and the CPU kernels
 * against OpenBLAS (fathom-cpu-bench.h). */
#include "fathom-cli-private.h"

#include "fathom-backend-registry.h"
#include "fathom-bench-report.h"
#include "fathom-bench-workload.h"
#include "fathom-cpu-backend.h"
#include "fathom-cpu-bench.h"

#include <string.h>

/* A GPU iteration takes milliseconds, so many runs cost little; on a
 * 2-core CPU VGG16 at 360x640 and batch 32 takes tens of seconds each. */
#define CUDA_WARMUP 5
#define CUDA_RUNS 20
#define CPU_WARMUP 1
#define CPU_RUNS 3

static const char bench_description[] =
  "Workloads (--workload NAME, several joined by commas, or all):\n"
  "  vgg16-features      VGG16 conv trunk, 3x360x640, batch 32, inference (img/s)\n"
  "  fcn-step            FCN head F on 512x22x40 features, batch 64, Adam step (samples/s)\n"
  "  gru-step            char GRU 256, 8-step sequences, batch 64, Adam step (chars/s)\n"
  "  resnet50-features   ResNet50 trunk, 3x224x224, batch 64, inference (img/s)\n"
  "  kernels             CPU only: conv2d and a 1024^3 matmul against OpenBLAS (GFLOP/s)\n"
  "\n"
  "Defaults: on cuda all four lesson workloads, 5 warm-up and 20 timed runs;\n"
  "on cpu the kernels, and for lesson workloads 1 warm-up and 3 timed runs.\n"
  "--batch replaces every chosen workload's batch: on a CPU, VGG16 at\n"
  "360x640 and batch 32 is about 2 TFLOP and 10 GB of activations.\n"
  "Each figure is the median time of an iteration, the device finished\n"
  "(CUDA synchronised), and the throughput: images or samples (the batch),\n"
  "or characters (batch x 8), over that median.";

/* The comma list to kinds; kernels only alone. */
static gboolean
parse_workloads (const char *list, gboolean *kernels, GArray *kinds)
{
  g_auto(GStrv) names = g_strsplit (list, ",", -1);

  *kernels = FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);
      FathomBenchKind kind;

      if (g_str_equal (name, "all"))
        for (guint k = 0; k < FATHOM_BENCH_N_KINDS; k++)
          g_array_append_val (kinds, k);
      else if (g_str_equal (name, "kernels"))
        *kernels = TRUE;
      else if (fathom_bench_kind_from_string (name, &kind))
        g_array_append_val (kinds, kind);
      else
        {
          g_printerr ("fathom-cli: unknown workload “%s”\n\n%s\n", name, bench_description);
          return FALSE;
        }
    }
  if (*kernels && kinds->len > 0)
    {
      g_printerr ("fathom-cli: the kernels workload runs on its own (its report has other columns)\n");
      return FALSE;
    }
  if (!*kernels && kinds->len == 0)
    {
      g_printerr ("fathom-cli: no workload named\n");
      return FALSE;
    }
  return TRUE;
}

static int
bench_kernels (FathomBackend *backend, gboolean json)
{
  g_autoptr(GString) out = g_string_new (NULL);
  GError *error = NULL;

  if (!fathom_backend_is_cpu (backend))
    {
      g_printerr ("fathom-cli: the kernels workload compares the CPU fast path with OpenBLAS; use --device cpu\n");
      return 2;
    }
  if (!fathom_cpu_bench_run (backend, json, out, &error))
    return fathom_cli_fail (error);
  g_print ("%s", out->str);
  return 0;
}

/* Each workload is built, timed and freed before the next, so the device
 * holds one model at a time; one that fails is reported and the others
 * still run. */
static int
bench_lesson (FathomBackend *backend, const char *device, GArray *kinds, int batch, int warmup, int runs,
              int profile, gboolean json)
{
  g_autofree char *device_name = fathom_backend_describe_device (backend);
  g_autoptr(FathomBenchReport) report = fathom_bench_report_new (device, device_name,
                                                                 fathom_backend_get_tf32 (backend));
  g_autofree char *conv = fathom_backend_describe_conv (backend);
  g_autofree char *text = NULL;

  fathom_bench_report_set_convolutions (report, conv);
  g_printerr ("bench: convolutions on %s: %s\n", device, conv);

  for (guint i = 0; i < kinds->len; i++)
    {
      FathomBenchKind kind = g_array_index (kinds, FathomBenchKind, i);
      g_autoptr(FathomBenchWorkload) workload = NULL;
      FathomBenchOptions options;
      FathomBenchResult result = { 0 };
      g_autoptr(GError) error = NULL;

      fathom_bench_options_init (&options);
      options.batch = (guint) MAX (batch, 0);
      g_printerr ("bench: %s, batch %u on %s: %u warm-up, %u timed runs\n", fathom_bench_kind_to_string (kind),
                  options.batch > 0 ? options.batch : fathom_bench_kind_default_batch (kind), device,
                  (guint) warmup, (guint) runs);
      workload = fathom_bench_workload_new (kind, backend, &options, &error);
      if (workload == NULL ||
          !fathom_bench_workload_measure (workload, (guint) warmup, (guint) runs, &result, &error))
        {
          g_printerr ("bench: %s failed: %s\n", fathom_bench_kind_to_string (kind), error->message);
          fathom_bench_report_add_failure (report, kind, options.batch > 0 ? options.batch
                                                                           : fathom_bench_kind_default_batch (kind),
                                           error->message);
          continue;
        }
      fathom_bench_report_add (report, &result);
      fathom_bench_result_clear (&result);
      if (profile > 0)
        {
          g_autofree char *where = fathom_bench_workload_profile (workload, (guint) profile, &error);

          /* on stderr, so that --json stays one object on stdout */
          if (where == NULL)
            g_printerr ("bench: %s: profiling failed: %s\n", fathom_bench_kind_to_string (kind), error->message);
          else
            g_printerr ("%s\n", where);
        }
    }

  text = json ? fathom_bench_report_to_json (report) : fathom_bench_report_to_table (report);
  g_print ("%s", text);
  return fathom_bench_report_get_n_failed (report) == 0 ? 0 : 1;
}

int
fathom_cli_bench (int argc, char **argv)
{
  g_autofree char *device = NULL, *workload = NULL, *conv_path = NULL;
  gboolean json = FALSE, tf32 = FALSE, kernels;
  int batch = -1, runs = -1, warmup = -1, profile = 0;
  GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Device to time: cpu (default) or cuda", "DEVICE" },
    { "workload", 'w', 0, G_OPTION_ARG_STRING, &workload,
      "What to time (see below; default: kernels on cpu, all on cuda)", "NAME[,NAME]" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Batch of every lesson workload (default: each one's own)", "B" },
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Timed runs, the median reported (default 3 on cpu, 20 on cuda)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Untimed runs first (default 1 on cpu, 5 on cuda)", "N" },
    { "tf32", 0, 0, G_OPTION_ARG_NONE, &tf32, "CUDA: TF32 tensor-core products (default strict FP32)", NULL },
    { "conv-path", 0, 0, G_OPTION_ARG_STRING, &conv_path,
      "CUDA: convolutions on auto (default: cuDNN where it can), cudnn or own (im2col + cuBLAS)", "PATH" },
    { "profile", 0, 0, G_OPTION_ARG_INT, &profile,
      "After timing, N more eager iterations with every layer timed: a table on stderr", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time the lesson's workloads on a device");
  g_autoptr(FathomBackend) backend = NULL;
  g_autoptr(GArray) kinds = g_array_new (FALSE, FALSE, sizeof (FathomBenchKind));
  g_autofree char *reason = NULL;
  FathomConvPath path = FATHOM_CONV_PATH_AUTO;
  gboolean cpu;
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, bench_description);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || batch == 0 || batch < -1 || runs == 0 || runs < -1 || warmup < -1 || profile < 0 ||
      (conv_path != NULL && !fathom_conv_path_from_string (conv_path, &path)))
    {
      g_printerr ("Usage: fathom-cli bench [--device cpu|cuda] [--workload NAME[,NAME]|all|kernels] [--batch B]\n"
                  "                        [--runs N] [--warmup N] [--tf32] [--conv-path auto|cudnn|own]\n"
                  "                        [--profile N] [--json]\n"
                  "(B and N at least 1; see fathom-cli bench --help)\n");
      return 2;
    }
  if (device == NULL)
    device = g_strdup ("cpu");
  if (!fathom_backend_is_available (device, &reason))
    {
      g_printerr ("fathom-cli: %s\n", reason);
      return g_str_equal (device, "cuda") ? 1 : 2;
    }
  cpu = !g_str_equal (device, "cuda");
  if (!parse_workloads (workload != NULL ? workload : cpu ? "kernels" : "all", &kernels, kinds))
    return 2;
  if (kernels && (batch > 0 || runs > 0 || warmup >= 0 || tf32 || profile > 0))
    {
      g_printerr ("fathom-cli: --batch, --runs, --warmup, --tf32 and --profile apply to the lesson workloads; "
                  "the kernels workload picks its own runs\n");
      return 2;
    }

  backend = fathom_backend_new_by_name (device, &error);
  if (backend == NULL)
    return fathom_cli_fail (error);
  if (tf32 && !fathom_backend_set_tf32 (backend, TRUE, &error))
    {
      fathom_cli_fail (error);
      return 2;
    }
  /* only when asked: the default keeps what the backend chose (and
   * FATHOM_CUDNN=0 in the environment) */
  if (conv_path != NULL && !fathom_backend_set_conv_path (backend, path, &error))
    {
      fathom_cli_fail (error);
      return 2;
    }
  if (kernels)
    return bench_kernels (backend, json);
  return bench_lesson (backend, device, kinds, batch,
                       warmup >= 0 ? warmup : cpu ? CPU_WARMUP : CUDA_WARMUP,
                       runs > 0 ? runs : cpu ? CPU_RUNS : CUDA_RUNS, profile, json);
}
