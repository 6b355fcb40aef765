/* fathom-cpu-backend-private.h: shared by the CPU op families.
 *
 * Each family file (fathom-cpu-conv.c, ...) fills its slots of the CPU
 * vtable in its install function; the REFERENCE/FAST choice is made inside
 * a slot by looking at self->path.
 */
#pragma once

#include "fathom-backend-private.h"
#include "fathom-cpu-backend.h"
#include "fathom-worker-pool.h"

G_BEGIN_DECLS

typedef struct _FathomCpuBackend FathomCpuBackend;

#define FATHOM_CPU_SPARE_SLOTS 4

struct _FathomCpuBackend
{
  FathomBackend  parent;
  FathomCpuPath  path;
  guint          n_threads;
  FathomWorkerPool *pool;       /* n_threads - 1 workers; NULL when n_threads is 1 */
  gboolean       winograd;      /* FAST: 3x3 stride-1 convolutions by Winograd where they
                                 * qualify (FATHOM_CPU_WINOGRAD=0 turns it off) */
  gboolean       winograd_all_planes; /* and on planes its tiles fill poorly too
                                       * (FATHOM_CPU_WINOGRAD=all; the tests) */
  GMutex         spare_lock;    /* fathom_cpu_scratch_acquire(): buffers kept */
  float         *spare[FATHOM_CPU_SPARE_SLOTS];
};

#define FATHOM_CPU(b) ((FathomCpuBackend *) (b))

/* Runs func(begin, end, data) over [0, n) split into at most n_threads
 * contiguous chunks on the backend's FathomWorkerPool, the caller's thread
 * taking chunks too; returns when all are done. chunk_index is in
 * [0, n_threads) and distinct per chunk, for per-chunk scratch. */
typedef void (*FathomCpuRangeFunc) (gint64   begin,
                                    gint64   end,
                                    guint    chunk_index,
                                    gpointer data);

void  fathom_cpu_parallel_for (FathomCpuBackend   *self,
                               gint64              n,
                               FathomCpuRangeFunc  func,
                               gpointer            data);

/* n floats of scratch (uninitialised), or NULL and an out-of-memory error
 * saying what they were for ("convolution scratch"). */
float *fathom_cpu_alloc_floats (gsize        n,
                                const char  *what,
                                GError     **error);
/* The same, set to zero. */
float *fathom_cpu_alloc_zeros  (gsize        n,
                                const char  *what,
                                GError     **error);

/* Scratch of at least n floats that the backend keeps between calls:
 * zeroed, or else holding zeros or what earlier callers wrote (a new
 * buffer starts as zeros), given back with fathom_cpu_scratch_release() (never
 * g_free()): the largest FATHOM_CPU_SPARE_SLOTS released stay mapped for
 * the next call, until the backend is freed. Freeing a big buffer and
 * asking again at every call costs all its page faults each time (glibc
 * maps anything above 32 MB afresh): Winograd's filters of a 512x512
 * layer are 38 MB, and that was 40% of the convolution at batch 16.
 * NULL and an out-of-memory error saying what it was for. */
float *fathom_cpu_scratch_acquire (FathomCpuBackend *self,
                                   gsize             n,
                                   gboolean          zeroed,
                                   const char       *what,
                                   GError          **error);
void   fathom_cpu_scratch_release (FathomCpuBackend *self,
                                   float            *p);

/* The number of chunks fathom_cpu_parallel_for() will use for n items. */
guint fathom_cpu_n_chunks     (FathomCpuBackend   *self,
                               gint64              n);

/* Row-major C[M,N] = alpha * op(A) * op(B) + beta * C. The FAST path calls
 * OpenBLAS (single-threaded) on chunks of C's rows in parallel; the
 * REFERENCE path runs triple loops accumulating in double. */
void  fathom_cpu_sgemm        (FathomCpuBackend   *self,
                               gboolean            trans_a,
                               gboolean            trans_b,
                               gint64              m,
                               gint64              n,
                               gint64              k,
                               float               alpha,
                               const float        *a,
                               gint64              lda,
                               const float        *b,
                               gint64              ldb,
                               float               beta,
                               float              *c,
                               gint64              ldc);

/* Family installers: each fills its slots of the CPU vtable. */
void fathom_cpu_basic_install       (FathomBackendOps *ops);
void fathom_cpu_conv_install        (FathomBackendOps *ops);
void fathom_cpu_pool_install        (FathomBackendOps *ops);
void fathom_cpu_dense_install       (FathomBackendOps *ops);
void fathom_cpu_norm_install        (FathomBackendOps *ops);
void fathom_cpu_elementwise_install (FathomBackendOps *ops);
void fathom_cpu_rnn_install         (FathomBackendOps *ops);
void fathom_cpu_loss_install        (FathomBackendOps *ops);
void fathom_cpu_optim_install       (FathomBackendOps *ops);

G_END_DECLS
