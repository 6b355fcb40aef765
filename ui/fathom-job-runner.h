/* fathom-job-runner.h: what the worker panels share about their one job:
 * the runs folder, the running job's cancellable and task, Stop and the
 * last error.  A plain struct each panel embeds, zeroed with the panel. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  char         *runs_dir;           /* NULL: the default */
  char         *default_runs_dir;
  GCancellable *cancellable;        /* the running job's; NULL when none runs */
  gboolean      stopping;
  GError       *error;              /* the last job's, NULL when it finished */
} FathomJobRunner;

typedef enum {
  FATHOM_JOB_FINISHED,
  FATHOM_JOB_STOPPED,
  FATHOM_JOB_FAILED,
} FathomJobOutcome;

void              fathom_job_runner_clear        (FathomJobRunner     *runner);

void              fathom_job_runner_set_runs_dir (FathomJobRunner     *runner,
                                                  const char          *dir);
/* The one set, else fathom_run_folder_default_runs_dir(). */
const char       *fathom_job_runner_get_runs_dir (FathomJobRunner     *runner);

gboolean          fathom_job_runner_is_running   (FathomJobRunner     *runner);

/* Runs @thread in a thread of its own at a lower priority
 * (fathom_background_task_run()) with @job as its task data; @done gets
 * another reference of @job as its user data, even when Stop came too
 * late. */
void              fathom_job_runner_start        (FathomJobRunner     *runner,
                                                  GCancellable        *cancellable,
                                                  gpointer             source_tag,
                                                  GTaskThreadFunc      thread,
                                                  GAsyncReadyCallback  done,
                                                  gpointer             job,
                                                  GBoxedCopyFunc       job_ref,
                                                  GDestroyNotify       job_unref);

/* FALSE where nothing runs or Stop was asked already; else cancels,
 * says so on @bar and returns TRUE. */
gboolean          fathom_job_runner_stop         (FathomJobRunner     *runner,
                                                  GtkProgressBar      *bar);

/* The running job is left to end unseen (dispose). */
void              fathom_job_runner_abandon      (FathomJobRunner     *runner);

/* The job ended with @error (taken): a failed job leaves no empty @run_dir;
 * @bar says how it ended and a failure shows on @error_label. */
FathomJobOutcome  fathom_job_runner_finish       (FathomJobRunner     *runner,
                                                  const char          *run_dir,
                                                  GError              *error,
                                                  GtkProgressBar      *bar,
                                                  GtkLabel            *error_label);

/* @message on @label, or the label hidden where NULL. */
void              fathom_job_runner_show_error   (GtkLabel            *label,
                                                  const char          *message);

G_END_DECLS
