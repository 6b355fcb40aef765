/* fathom-fishsim-job.c: the synthetic dataset in a GTask, with throttled
 * progress. */
#include "fathom-fishsim-job.h"

#include "fathom-background-task.h"
#include "fathom-tsan.h"

typedef struct {
  gatomicrefcount           ref_count;
  FathomFishsimOptions      opts;
  char                     *out_dir;            /* opts.out_dir points here */
  GMainContext             *context;
  GCancellable             *cancellable;
  FathomFishsimJobProgress  progress;
  gpointer                  progress_data;

  GMutex                    mutex;
  guint                     done;               /* under mutex */
  guint                     total;              /* under mutex */
  gboolean                  idle_pending;       /* under mutex */
} Job;

static Job *
job_ref (Job *job)
{
  g_atomic_ref_count_inc (&job->ref_count);
  return job;
}

static void
job_unref (gpointer data)
{
  Job *job = data;

  if (!g_atomic_ref_count_dec (&job->ref_count))
    return;
  g_mutex_clear (&job->mutex);
  g_main_context_unref (job->context);
  g_clear_object (&job->cancellable);
  g_free (job->out_dir);
  g_free (job);
}

static gboolean
progress_idle (gpointer data)
{
  Job *job = data;
  guint done, total;

  fathom_tsan_mutex_lock (&job->mutex);
  done = job->done;
  total = job->total;
  job->idle_pending = FALSE;
  fathom_tsan_mutex_unlock (&job->mutex);

  if (job->progress != NULL &&
      (job->cancellable == NULL || !g_cancellable_is_cancelled (job->cancellable)))
    job->progress (done, total, job->progress_data);
  return G_SOURCE_REMOVE;
}

/* On the worker, after each photo. */
static void
progress_cb (guint    done,
             guint    total,
             gpointer user_data)
{
  Job *job = user_data;
  gboolean queue;

  fathom_tsan_mutex_lock (&job->mutex);
  job->done = done;
  job->total = total;
  queue = !job->idle_pending;
  job->idle_pending = TRUE;
  fathom_tsan_mutex_unlock (&job->mutex);

  if (queue)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (source, progress_idle, job_ref (job), job_unref);
      g_source_set_static_name (source, "[fathom] fishsim progress");
      g_source_attach (source, job->context);
    }
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;

  if (fathom_fishsim_generate (&job->opts, progress_cb, job, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
fathom_fishsim_job_run_async (const FathomFishsimOptions *opts,
                              FathomFishsimJobProgress    progress,
                              gpointer                    progress_data,
                              GCancellable               *cancellable,
                              GAsyncReadyCallback         callback,
                              gpointer                    user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (opts != NULL && opts->out_dir != NULL);

  job = g_new0 (Job, 1);
  g_atomic_ref_count_init (&job->ref_count);
  g_mutex_init (&job->mutex);
  job->opts = *opts;
  job->out_dir = g_strdup (opts->out_dir);
  job->opts.out_dir = job->out_dir;
  job->context = g_main_context_ref_thread_default ();
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  job->progress = progress;
  job->progress_data = progress_data;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, fathom_fishsim_job_run_async);
  g_task_set_task_data (task, job, job_unref);
  /* its own thread at a lower priority, the photo workers too */
  fathom_background_task_run (task, run_thread);
}

gboolean
fathom_fishsim_job_run_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
