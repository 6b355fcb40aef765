/* fathom-job-runner.c: the worker panels' one job (see fathom-job-runner.h). */
#include "fathom-job-runner.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "fathom-background-task.h"
#include "fathom-run-folder.h"

void
fathom_job_runner_clear (FathomJobRunner *runner)
{
  g_clear_pointer (&runner->runs_dir, g_free);
  g_clear_pointer (&runner->default_runs_dir, g_free);
  g_clear_object (&runner->cancellable);
  g_clear_error (&runner->error);
  runner->stopping = FALSE;
}

void
fathom_job_runner_set_runs_dir (FathomJobRunner *runner,
                                const char      *dir)
{
  g_free (runner->runs_dir);
  runner->runs_dir = g_strdup (dir);
}

const char *
fathom_job_runner_get_runs_dir (FathomJobRunner *runner)
{
  if (runner->runs_dir != NULL)
    return runner->runs_dir;
  if (runner->default_runs_dir == NULL)
    runner->default_runs_dir = fathom_run_folder_default_runs_dir ();
  return runner->default_runs_dir;
}

gboolean
fathom_job_runner_is_running (FathomJobRunner *runner)
{
  return runner->cancellable != NULL;
}

void
fathom_job_runner_start (FathomJobRunner     *runner,
                         GCancellable        *cancellable,
                         gpointer             source_tag,
                         GTaskThreadFunc      thread,
                         GAsyncReadyCallback  done,
                         gpointer             job,
                         GBoxedCopyFunc       job_ref,
                         GDestroyNotify       job_unref)
{
  g_autoptr(GTask) task = NULL;

  g_set_object (&runner->cancellable, cancellable);
  runner->stopping = FALSE;
  g_clear_error (&runner->error);

  /* The result is the job's, even when Stop came too late to matter. */
  task = g_task_new (NULL, NULL, done, job_ref (job));
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job_ref (job), job_unref);
  g_task_set_check_cancellable (task, FALSE);
  /* its own thread at a lower priority: the window keeps drawing */
  fathom_background_task_run (task, thread);
}

gboolean
fathom_job_runner_stop (FathomJobRunner *runner,
                        GtkProgressBar  *bar)
{
  if (runner->cancellable == NULL || runner->stopping)
    return FALSE;
  runner->stopping = TRUE;
  g_cancellable_cancel (runner->cancellable);
  gtk_progress_bar_set_text (bar, _("Stopping after this batch…"));
  return TRUE;
}

void
fathom_job_runner_abandon (FathomJobRunner *runner)
{
  if (runner->cancellable != NULL)
    g_cancellable_cancel (runner->cancellable);
  g_clear_object (&runner->cancellable);
}

FathomJobOutcome
fathom_job_runner_finish (FathomJobRunner *runner,
                          const char      *run_dir,
                          GError          *error,
                          GtkProgressBar  *bar,
                          GtkLabel        *error_label)
{
  g_clear_object (&runner->cancellable);
  /* A job that failed before writing anything leaves no empty folder. */
  if (error != NULL)
    g_rmdir (run_dir);
  runner->stopping = FALSE;
  g_clear_error (&runner->error);
  runner->error = error;

  if (error == NULL)
    {
      gtk_progress_bar_set_fraction (bar, 1.0);
      gtk_progress_bar_set_text (bar, _("Finished"));
      return FATHOM_JOB_FINISHED;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gtk_progress_bar_set_text (bar, _("Stopped"));
      return FATHOM_JOB_STOPPED;
    }
  gtk_progress_bar_set_text (bar, _("Failed"));
  fathom_job_runner_show_error (error_label, error->message);
  return FATHOM_JOB_FAILED;
}

void
fathom_job_runner_show_error (GtkLabel   *label,
                              const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}
