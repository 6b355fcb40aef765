/* fathom-worker-job.c: a worker panel's job, its thread and its progress
 * (see fathom-worker-panel-job.h); what the job brings reaches the panel
 * in fathom-worker-panel.c. */
#include "fathom-worker-panel-job.h"

#include <math.h>

#include <glib/gi18n.h>

#include "fathom-background-task.h"

gpointer
fathom_worker_job_new (FathomWorkerPanel *panel,
                       gsize              size,
                       const char        *run_dir,
                       gsize              point_size,
                       const char        *source_name)
{
  FathomWorkerJob *job;

  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (panel), NULL);
  g_return_val_if_fail (size >= sizeof (FathomWorkerJob), NULL);

  job = g_malloc0 (size);
  g_atomic_ref_count_init (&job->ref);
  job->klass = FATHOM_WORKER_PANEL_GET_CLASS (panel);
  job->run_dir = g_strdup (run_dir);
  job->cancellable = g_cancellable_new ();
  job->relay = fathom_progress_relay_new (point_size, source_name, _fathom_worker_panel_deliver, job,
                                          fathom_worker_job_ref, fathom_worker_job_unref);
  return job;
}

gpointer
fathom_worker_job_ref (gpointer job)
{
  g_atomic_ref_count_inc (&((FathomWorkerJob *) job)->ref);
  return job;
}

void
fathom_worker_job_unref (gpointer data)
{
  FathomWorkerJob *job = data;

  if (!g_atomic_ref_count_dec (&job->ref))
    return;
  if (job->klass->clear_job != NULL)
    job->klass->clear_job (job);
  g_free (job->run_dir);
  g_clear_object (&job->cancellable);
  fathom_progress_relay_free (job->relay);
  g_free (job);
}

void
fathom_worker_point_add (FathomWorkerPoint *points,
                         guint             *n_points,
                         guint              kind,
                         guint              index,
                         double             x,
                         double             y)
{
  FathomWorkerPoint point = { kind, index, x, y };

  if (isfinite (y))
    points[(*n_points)++] = point;
}

void
fathom_worker_job_push_progress (const FathomTrainProgress *p,
                                 gpointer                   job)
{
  fathom_progress_relay_push (((FathomWorkerJob *) job)->relay, p, NULL, 0);
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *unused)
{
  FathomWorkerJob *job = task_data;
  g_autofree gpointer result = g_malloc0 (job->klass->result_size);
  GError *error = NULL;

  if (job->klass->run (job, result, &error))
    g_task_return_pointer (task, g_steal_pointer (&result), g_free);
  else
    g_task_return_error (task, error);
}

void
fathom_worker_job_launch (FathomWorkerJob     *job,
                          gpointer             source_tag,
                          GAsyncReadyCallback  done)
{
  g_autoptr(GTask) task = NULL;

  /* The result is the job's, even when Stop came too late to matter. */
  task = g_task_new (NULL, NULL, done, fathom_worker_job_ref (job));
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, fathom_worker_job_ref (job), fathom_worker_job_unref);
  g_task_set_check_cancellable (task, FALSE);
  /* its own thread at a lower priority: the window keeps drawing */
  fathom_background_task_run (task, job_thread);
}

double
fathom_worker_progress_fraction (const FathomTrainProgress *p,
                                 const char                *phase)
{
  double n_batches = MAX (p->n_batches, 1), n_epochs = MAX (p->n_epochs, 1);

  if (g_strcmp0 (phase, "features") == 0 || g_strcmp0 (phase, "corpus") == 0)
    return (p->batch + 1) / n_batches;
  if (p->epoch_end)
    return (p->epoch + 1) / n_epochs;
  return CLAMP ((p->epoch * n_batches + p->batch + 1) / (n_epochs * n_batches), 0.0, 1.0);
}

const char *
fathom_worker_phase_title (const char *phase)
{
  if (g_strcmp0 (phase, "corpus") == 0)
    return _("Drawing the small backbone's photos");
  if (g_strcmp0 (phase, "pretrain") == 0)
    return _("Training the small backbone");
  if (g_strcmp0 (phase, "features") == 0)
    return _("Computing features");
  if (g_strcmp0 (phase, "valid") == 0)
    return _("Validating");
  return _("Training");
}
