/* fathom-worker-pool.h: a fixed set of worker threads that run the chunks
 * of a job while the caller helps and waits ("parallel for").
 *
 * Plain pthreads, mutex and condition variable: ThreadSanitizer intercepts
 * them, so every handoff (a chunk's inputs to the worker, its results back
 * to the caller) is visible to it, which GLib's futex-based GThreadPool,
 * GMutex and GCond are not. The threads live as long as the pool, so a
 * job costs a lock and a wake-up, not a thread start.
 *
 * Any number of threads may run jobs on one pool at once, and a chunk may
 * itself run a job on the same pool: the caller claims its own job's
 * chunks until none is left and only then waits, and it waits only for
 * chunks that are already running, so no job ever waits on a worker that
 * is busy elsewhere.
 *
 * Threads inherit the creating thread's scheduling priority (Linux keeps
 * the nice value per thread): a pool made on a thread that called
 * fathom_worker_pool_lower_thread_priority() runs at that lower priority.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FathomWorkerPool FathomWorkerPool;

/* Runs chunk @chunk (in [0, n_chunks)) of a job; @data is the job's. */
typedef void (*FathomWorkerChunkFunc) (guint    chunk,
                                       gpointer data);

/* A pool of @n_threads workers besides the callers (0: none, every job
 * runs on its caller). Workers the system refuses to start are left out,
 * so the pool may have fewer; jobs still run, on fewer threads. */
FathomWorkerPool *fathom_worker_pool_new           (guint                  n_threads);

/* Stops and joins the workers. No job may be running. */
void              fathom_worker_pool_free          (FathomWorkerPool      *pool);

/* The workers actually started. */
guint             fathom_worker_pool_get_n_threads (FathomWorkerPool      *pool);

/* Runs func(i, data) once for every i in [0, n_chunks), on the workers and
 * on this thread, and returns when all have returned: everything the
 * chunks wrote is then visible to the caller. */
void              fathom_worker_pool_run           (FathomWorkerPool      *pool,
                                                    guint                  n_chunks,
                                                    FathomWorkerChunkFunc  func,
                                                    gpointer               data);

/* Lowers the calling thread's priority (nice 10 on Linux; it cannot be
 * raised again without privileges), so that background work yields the
 * cores to a user interface. Threads this thread starts afterwards,
 * a pool's workers included, inherit it. FALSE where not supported. */
gboolean          fathom_worker_pool_lower_thread_priority (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomWorkerPool, fathom_worker_pool_free)

G_END_DECLS
