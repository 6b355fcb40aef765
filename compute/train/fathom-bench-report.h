/* fathom-bench-report.h: the results of a benchmark run, as a table for
 * people and one JSON object for scripts.
 *
 * The JSON object is the schema build-aux/bench-torch.py writes too, so
 * build-aux/gpu-check.sh can put the two side by side:
 *
 *   { "framework": "fathom", "version": "0.1.0", "device": "cuda",
 *     "device_name": "NVIDIA H200 (sm_90)", "tf32": false,
 *     "convolutions": "cuDNN 9.19.0",
 *     "results": [ { "workload": "fcn-step", "batch": 64,
 *                    "input": "512x22x40", "mode": "train-step",
 *                    "warmup": 5, "runs": 20, "median_ms": 5.1,
 *                    "min_ms": 5.0, "max_ms": 5.6, "throughput": 12549.0,
 *                    "unit": "samples/s", "loss": 2.07,
 *                    "conv_path": "cudnn",
 *                    "conv_calls": { "cudnn": 10, "own": 0 } }, ... ] }
 *
 * mode is "inference" or "train-step"; loss appears for training steps.
 * convolutions is what the backend said it convolves with (null when not
 * set); conv_path ("cudnn", "own" or "mixed") and conv_calls, the calls
 * per iteration on each path, appear where the backend counts them and
 * the workload convolves. A workload that failed has "workload", "batch"
 * and "error" only.
 */
#pragma once

#include <glib.h>

#include "fathom-bench-workload.h"

G_BEGIN_DECLS

typedef struct _FathomBenchReport FathomBenchReport;

/* device: the backend's name ("cuda", "cpu"); device_name: the card or
 * the CPU's threads, for people (may be NULL). */
FathomBenchReport *fathom_bench_report_new         (const char               *device,
                                                    const char               *device_name,
                                                    gboolean                  tf32);
void               fathom_bench_report_free        (FathomBenchReport        *self);
/* fathom_backend_describe_conv() of the backend: "cuDNN 9.19.0". */
void               fathom_bench_report_set_convolutions (FathomBenchReport   *self,
                                                         const char          *convolutions);
/* Copies result. */
void               fathom_bench_report_add         (FathomBenchReport        *self,
                                                    const FathomBenchResult  *result);
void               fathom_bench_report_add_failure (FathomBenchReport        *self,
                                                    FathomBenchKind           kind,
                                                    guint                     batch,
                                                    const char               *message);
guint              fathom_bench_report_get_n_failed (FathomBenchReport       *self);
/* Pretty-printed, with a final newline. */
char              *fathom_bench_report_to_json     (FathomBenchReport        *self);
char              *fathom_bench_report_to_table    (FathomBenchReport        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomBenchReport, fathom_bench_report_free)

G_END_DECLS
