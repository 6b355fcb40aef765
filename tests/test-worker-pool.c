/* test-worker-pool.c: the worker pool behind the CPU backend's parallel_for:
 * every chunk once, results back to the caller, concurrent and nested
 * callers, all workers at work, shutdown that joins, and the inherited
 * lower priority. */
#include "fathom-test-util.h"
#include "fathom-worker-pool.h"

#include <errno.h>
#include <pthread.h>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* ---- every chunk exactly once, with its result ----------------------------- */

typedef struct {
  gint    *runs;          /* per chunk, atomic: how often it ran */
  guint64 *partial;       /* per chunk: sum of squares of its range */
  guint64  n;             /* items */
  guint    n_chunks;
} SumJob;

static void
sum_chunk (guint chunk, gpointer data)
{
  SumJob *job = data;
  guint64 begin = job->n * chunk / job->n_chunks, end = job->n * (chunk + 1) / job->n_chunks;
  guint64 acc = 0;

  for (guint64 i = begin; i < end; i++)
    acc += i * i;
  job->partial[chunk] = acc;      /* plain write: the pool publishes it */
  g_atomic_int_inc (&job->runs[chunk]);
}

/* Runs the sum of i^2 for i < n in n_chunks chunks and checks it. */
static void
check_sum (FathomWorkerPool *pool, guint n_chunks, guint64 n)
{
  g_autofree gint *runs = g_new0 (gint, MAX (n_chunks, 1));
  g_autofree guint64 *partial = g_new0 (guint64, MAX (n_chunks, 1));
  SumJob job = { runs, partial, n, n_chunks };
  guint64 total = 0;

  fathom_worker_pool_run (pool, n_chunks, sum_chunk, &job);
  for (guint c = 0; c < n_chunks; c++)
    {
      g_assert_cmpint (runs[c], ==, 1);
      total += partial[c];
    }
  /* sum of i^2 for i in [0, n) = (n-1) n (2n-1) / 6; no chunks, no sum */
  g_assert_cmpuint (total, ==, (n_chunks == 0 || n == 0) ? 0 : (n - 1) * n * (2 * n - 1) / 6);
}

static void
test_each_chunk_once (void)
{
  const guint chunk_counts[] = { 0, 1, 2, 3, 7, 64, 1000 };

  for (guint threads = 0; threads <= 3; threads++)
    {
      g_autoptr(FathomWorkerPool) pool = fathom_worker_pool_new (threads);

      g_assert_cmpuint (fathom_worker_pool_get_n_threads (pool), ==, threads);
      for (guint i = 0; i < G_N_ELEMENTS (chunk_counts); i++)
        for (int rep = 0; rep < 20; rep++)
          check_sum (pool, chunk_counts[i], 10007);
    }
}

/* ---- every worker takes part, and free() joins them -------------------------- */

static pthread_key_t exit_key;
static gint          exits;             /* atomic: worker threads that ended */

static void
count_exit (void *value)
{
  g_atomic_int_inc (&exits);
}

typedef struct {
  pthread_barrier_t barrier;
  pthread_t         caller;
  gint              others;             /* atomic: chunks run off the caller */
} MeetJob;

/* Each chunk waits until as many chunks as threads are running at once:
 * this returns only if every worker took one. */
static void
meet_chunk (guint chunk, gpointer data)
{
  MeetJob *job = data;

  if (!pthread_equal (pthread_self (), job->caller))
    {
      pthread_setspecific (exit_key, job);
      g_atomic_int_inc (&job->others);
    }
  pthread_barrier_wait (&job->barrier);
}

static void
test_all_workers_and_join (void)
{
  const guint threads = 3;
  FathomWorkerPool *pool = fathom_worker_pool_new (threads);
  MeetJob job;

  g_assert_cmpint (pthread_key_create (&exit_key, count_exit), ==, 0);
  pthread_barrier_init (&job.barrier, NULL, threads + 1);
  job.caller = pthread_self ();
  job.others = 0;
  for (int rep = 0; rep < 5; rep++)
    {
      job.others = 0;
      fathom_worker_pool_run (pool, threads + 1, meet_chunk, &job);
      g_assert_cmpint (job.others, ==, (gint) threads);
    }
  g_assert_cmpint (g_atomic_int_get (&exits), ==, 0);

  /* free() returns after the workers ended: their thread-specific
   * destructors have all run by then */
  fathom_worker_pool_free (pool);
  g_assert_cmpint (g_atomic_int_get (&exits), ==, (gint) threads);
  pthread_barrier_destroy (&job.barrier);
  pthread_key_delete (exit_key);
}

/* ---- concurrent callers -------------------------------------------------------- */

typedef struct {
  FathomWorkerPool *pool;
  guint             seed;
} CallerArgs;

static gpointer
caller_thread (gpointer data)
{
  CallerArgs *args = data;

  for (guint i = 0; i < 200; i++)
    check_sum (args->pool, 1 + (args->seed * 7 + i) % 9, 1000 + args->seed * 13 + i);
  return NULL;
}

static void
test_concurrent_callers (void)
{
  g_autoptr(FathomWorkerPool) pool = fathom_worker_pool_new (2);
  GThread *threads[4];
  CallerArgs args[4];

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      args[t] = (CallerArgs) { pool, t };
      threads[t] = g_thread_new ("caller", caller_thread, &args[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
}

/* ---- nested jobs ---------------------------------------------------------------- */

typedef struct {
  FathomWorkerPool *pool;
  guint64           results[6];         /* one per outer chunk */
} NestJob;

typedef struct {
  NestJob *outer;
  guint    outer_chunk;
} NestArgs;

static void
outer_chunk (guint chunk, gpointer data)
{
  NestJob *job = data;
  g_autofree gint *runs = g_new0 (gint, 5);
  g_autofree guint64 *partial = g_new0 (guint64, 5);
  SumJob inner = { runs, partial, 500 + chunk, 5 };
  guint64 total = 0;

  /* a chunk that runs a job of its own on the same pool */
  fathom_worker_pool_run (job->pool, 5, sum_chunk, &inner);
  for (guint c = 0; c < 5; c++)
    {
      g_assert_cmpint (runs[c], ==, 1);
      total += partial[c];
    }
  job->results[chunk] = total;
}

static void
test_nested (void)
{
  /* one worker: a nested job must not wait for a worker busy on its parent */
  for (guint threads = 1; threads <= 2; threads++)
    {
      g_autoptr(FathomWorkerPool) pool = fathom_worker_pool_new (threads);

      for (int rep = 0; rep < 50; rep++)
        {
          NestJob job = { pool };

          fathom_worker_pool_run (pool, G_N_ELEMENTS (job.results), outer_chunk, &job);
          for (guint c = 0; c < G_N_ELEMENTS (job.results); c++)
            {
              guint64 n = 500 + c;

              g_assert_cmpuint (job.results[c], ==, (n - 1) * n * (2 * n - 1) / 6);
            }
        }
    }
}

/* ---- a lower priority, inherited by the workers ---------------------------------- */

#ifdef __linux__
typedef struct {
  pthread_barrier_t barrier;
  int               nice[3];
} NiceJob;

static int
thread_nice (void)
{
  return getpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid));
}

static void
nice_chunk (guint chunk, gpointer data)
{
  NiceJob *job = data;

  job->nice[chunk] = thread_nice ();
  pthread_barrier_wait (&job->barrier);   /* every thread takes one chunk */
}

static gpointer
background_thread (gpointer data)
{
  NiceJob *job = data;
  g_autoptr(FathomWorkerPool) pool = NULL;

  g_assert_true (fathom_worker_pool_lower_thread_priority ());
  pool = fathom_worker_pool_new (2);
  fathom_worker_pool_run (pool, 3, nice_chunk, job);
  return NULL;
}
#endif

static void
test_lower_priority (void)
{
#ifdef __linux__
  NiceJob job;
  int before = thread_nice ();

  if (before >= 10)
    {
      g_test_skip ("this process already runs at nice 10 or lower priority");
      return;
    }
  pthread_barrier_init (&job.barrier, NULL, 3);
  g_thread_join (g_thread_new ("background", background_thread, &job));
  for (int i = 0; i < 3; i++)
    g_assert_cmpint (job.nice[i], ==, 10);
  /* the calling thread, and so the rest of the process, kept its own */
  g_assert_cmpint (thread_nice (), ==, before);
  pthread_barrier_destroy (&job.barrier);
#else
  g_test_skip ("thread priorities are Linux-only here");
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/worker-pool/each-chunk-once", test_each_chunk_once);
  g_test_add_func ("/worker-pool/all-workers-and-join", test_all_workers_and_join);
  g_test_add_func ("/worker-pool/concurrent-callers", test_concurrent_callers);
  g_test_add_func ("/worker-pool/nested", test_nested);
  g_test_add_func ("/worker-pool/lower-priority", test_lower_priority);
  return g_test_run ();
}
