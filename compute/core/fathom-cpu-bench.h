/* fathom-cpu-bench.h: throughput of the CPU fast path against OpenBLAS.
 *
 * Times conv2d forward and backward on two VGG/ResNet-sized layers and a
 * 1024^3 gemm through the backend, next to OpenBLAS's own multi-threaded
 * sgemm on the same product, and reports GFLOP/s with the ratio to that
 * OpenBLAS rate.
 */
#pragma once

#include <glib.h>

#include "fathom-backend.h"

G_BEGIN_DECLS

/* Appends a table (or, with json, one JSON object) to out. Fails on a CPU
 * backend that is not on the FAST path, or when an op fails. */
gboolean fathom_cpu_bench_run (FathomBackend  *fast,
                               gboolean        json,
                               GString        *out,
                               GError        **error);

G_END_DECLS
