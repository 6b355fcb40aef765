/* fathom-worker-pool.c: persistent worker threads for parallel-for jobs
 * (see fathom-worker-pool.h). */
#include "fathom-worker-pool.h"

#include <errno.h>
#include <pthread.h>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* One job, on its caller's stack while it runs. Everything but func and
 * data is under the pool's lock. */
typedef struct _Job Job;
struct _Job
{
  FathomWorkerChunkFunc  func;
  gpointer               data;
  guint                  n_chunks;
  guint                  claimed;       /* chunks handed out */
  guint                  finished;      /* chunks returned */
  pthread_cond_t         all_done;      /* finished reached n_chunks */
  Job                   *prev, *next;   /* in the queue while claimed < n_chunks */
};

struct _FathomWorkerPool
{
  pthread_mutex_t  lock;
  pthread_cond_t   work;                /* a job was queued, or stop */
  Job             *head, *tail;         /* jobs with unclaimed chunks, oldest first */
  gboolean         stop;
  guint            n_idle;              /* workers waiting on work */

  guint            n_threads;
  pthread_t       *threads;
};

static void
queue_remove (FathomWorkerPool *pool, Job *job)
{
  if (job->prev != NULL)
    job->prev->next = job->next;
  else
    pool->head = job->next;
  if (job->next != NULL)
    job->next->prev = job->prev;
  else
    pool->tail = job->prev;
  job->prev = job->next = NULL;
}

/* Hands out the next chunk of @job; the caller holds the lock and
 * job->claimed < job->n_chunks. */
static guint
claim_locked (FathomWorkerPool *pool, Job *job)
{
  guint chunk = job->claimed++;

  if (job->claimed == job->n_chunks)
    queue_remove (pool, job);
  return chunk;
}

/* After a chunk returned; the caller holds the lock. The job may be gone
 * as soon as the lock is released. */
static void
finish_locked (Job *job)
{
  if (++job->finished == job->n_chunks)
    pthread_cond_signal (&job->all_done);
}

static void *
worker_main (void *data)
{
  FathomWorkerPool *pool = data;

  pthread_mutex_lock (&pool->lock);
  for (;;)
    {
      Job *job;
      guint chunk;

      while (pool->head == NULL && !pool->stop)
        {
          pool->n_idle++;
          pthread_cond_wait (&pool->work, &pool->lock);
          pool->n_idle--;
        }
      if (pool->head == NULL)
        break;                          /* stop, and nothing left to help with */
      job = pool->head;
      chunk = claim_locked (pool, job);
      pthread_mutex_unlock (&pool->lock);

      job->func (chunk, job->data);

      pthread_mutex_lock (&pool->lock);
      finish_locked (job);
    }
  pthread_mutex_unlock (&pool->lock);
  return NULL;
}

FathomWorkerPool *
fathom_worker_pool_new (guint n_threads)
{
  FathomWorkerPool *pool = g_new0 (FathomWorkerPool, 1);

  pthread_mutex_init (&pool->lock, NULL);
  pthread_cond_init (&pool->work, NULL);
  pool->threads = g_new0 (pthread_t, MAX (n_threads, 1));
  for (guint i = 0; i < n_threads; i++)
    {
      int err = pthread_create (&pool->threads[pool->n_threads], NULL, worker_main, pool);

      if (err != 0)
        {
          g_debug ("worker pool: started %u of %u threads: %s", pool->n_threads, n_threads, g_strerror (err));
          break;
        }
      pool->n_threads++;
    }
  return pool;
}

void
fathom_worker_pool_free (FathomWorkerPool *pool)
{
  gboolean busy;

  if (pool == NULL)
    return;
  pthread_mutex_lock (&pool->lock);
  busy = pool->head != NULL;
  if (!busy)
    {
      pool->stop = TRUE;
      pthread_cond_broadcast (&pool->work);
    }
  pthread_mutex_unlock (&pool->lock);
  g_return_if_fail (!busy);
  for (guint i = 0; i < pool->n_threads; i++)
    pthread_join (pool->threads[i], NULL);
  pthread_cond_destroy (&pool->work);
  pthread_mutex_destroy (&pool->lock);
  g_free (pool->threads);
  g_free (pool);
}

guint
fathom_worker_pool_get_n_threads (FathomWorkerPool *pool)
{
  return pool->n_threads;
}

void
fathom_worker_pool_run (FathomWorkerPool      *pool,
                        guint                  n_chunks,
                        FathomWorkerChunkFunc  func,
                        gpointer               data)
{
  Job job = { func, data, n_chunks };
  guint wake;

  g_return_if_fail (func != NULL);
  if (n_chunks == 0)
    return;
  if (n_chunks == 1 || pool == NULL || pool->n_threads == 0)
    {
      for (guint i = 0; i < n_chunks; i++)
        func (i, data);
      return;
    }

  pthread_cond_init (&job.all_done, NULL);
  pthread_mutex_lock (&pool->lock);
  job.prev = pool->tail;
  if (pool->tail != NULL)
    pool->tail->next = &job;
  else
    pool->head = &job;
  pool->tail = &job;
  /* The caller takes a chunk itself: wake at most one worker per other. */
  wake = MIN (n_chunks - 1, pool->n_idle);
  if (wake >= pool->n_idle)
    pthread_cond_broadcast (&pool->work);
  else
    for (guint i = 0; i < wake; i++)
      pthread_cond_signal (&pool->work);

  while (job.claimed < job.n_chunks)
    {
      guint chunk = claim_locked (pool, &job);

      pthread_mutex_unlock (&pool->lock);
      func (chunk, data);
      pthread_mutex_lock (&pool->lock);
      finish_locked (&job);
    }
  /* Every chunk is claimed: the rest are running on workers. */
  while (job.finished < job.n_chunks)
    pthread_cond_wait (&job.all_done, &pool->lock);
  pthread_mutex_unlock (&pool->lock);
  pthread_cond_destroy (&job.all_done);
}

gboolean
fathom_worker_pool_lower_thread_priority (void)
{
#ifdef __linux__
  /* On Linux the nice value belongs to the thread (its tid), not the
   * process; setpriority() with the tid changes only this thread. */
  id_t tid = (id_t) syscall (SYS_gettid);
  int now;

  errno = 0;
  now = getpriority (PRIO_PROCESS, tid);
  if (errno != 0)
    return FALSE;
  if (now >= 10)
    return TRUE;
  return setpriority (PRIO_PROCESS, tid, 10) == 0;
#else
  return FALSE;
#endif
}
