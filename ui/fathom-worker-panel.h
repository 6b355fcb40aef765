/* fathom-worker-panel.h: what the panels that run one long job in a
 * worker share (the Training page, the Leakage tab, the Text lab): the
 * input the job reads and where its run folders go, Start and Stop, the
 * job's thread and progress, its status and error, and its end.
 *
 * Start checks what the subclass says (cannot_start, prepare), makes a
 * new folder RUNS/NAME-YYYYmmdd-HHMMSS, asks the subclass for the job
 * (start_job) and runs the class's run in a thread of its own at a lower
 * priority, so that the window keeps drawing. The worker writes its
 * latest progress (and the subclass's points) under a mutex and schedules
 * at most one idle at a time; the idle hands them to show_progress. Stop
 * cancels: the current batch finishes and the run folder is marked
 * "stopped". A job that fails before writing anything leaves no folder.
 *
 * Property "running" (read-only, notified): a job is in progress.
 *
 * Signals:
 *  - "run-finished" (const char *run_dir, gboolean ok): a job ended; ok
 *    is FALSE when it was stopped or failed (fathom_worker_panel_get_error()).
 *
 * Actions: "PREFIX.start", "PREFIX.stop" (fathom_worker_panel_class_setup()).
 *
 * The job itself and the progress in compute's types are in
 * fathom-worker-panel-job.h.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FATHOM_TYPE_WORKER_PANEL (fathom_worker_panel_get_type ())
G_DECLARE_DERIVABLE_TYPE (FathomWorkerPanel, fathom_worker_panel, FATHOM, WORKER_PANEL, GtkWidget)

typedef struct _FathomWorkerJob FathomWorkerJob;

typedef enum {
  FATHOM_WORKER_FINISHED,
  FATHOM_WORKER_STOPPED,
  FATHOM_WORKER_FAILED,
} FathomWorkerOutcome;

struct _FathomWorkerPanelClass
{
  GtkWidgetClass  parent_class;

  /* Why Start cannot run now (newly allocated), or NULL. */
  char            *(*cannot_start)  (FathomWorkerPanel *self);
  /* The hint while Start can run (newly allocated); by default where
   * runs are saved. */
  char            *(*ready_hint)    (FathomWorkerPanel *self);
  /* Start's last checks, and the NAME of the new run folder (newly
   * allocated), or NULL and error. */
  char            *(*prepare)       (FathomWorkerPanel *self,
                                     GError           **error);
  /* The job of a run into run_dir (fathom_worker_job_new(), its settings
   * copied), the view made ready for it. */
  FathomWorkerJob *(*start_job)     (FathomWorkerPanel *self,
                                     const char        *run_dir);
  /* In the worker thread: the job's work, progress to its relay, into
   * result (result_size zeroed bytes); FALSE and error when it failed. */
  gboolean         (*run)           (FathomWorkerJob   *job,
                                     gpointer           result,
                                     GError           **error);
  /* Frees what the subclass's job type adds (any thread). */
  void             (*clear_job)     (FathomWorkerJob   *job);
  /* On the main thread, from the relay: the latest progress
   * (fathom_worker_panel_peek_progress()) and the points pushed since the
   * last time. */
  void             (*show_progress) (FathomWorkerPanel *self,
                                     FathomWorkerJob   *job,
                                     GArray            *points);
  /* The job ended; result (run's) only when it finished. The bar and the
   * error are shown already; "run-finished" comes after. */
  void             (*job_finished)  (FathomWorkerPanel *self,
                                     FathomWorkerJob   *job,
                                     gpointer           result,
                                     FathomWorkerOutcome outcome);
  /* The subclass's own rows; may be NULL. */
  void             (*update_state)  (FathomWorkerPanel *self,
                                     gboolean           running);

  /*< private >*/
  char            *start_action;
  char            *stop_action;
  const char      *busy_message;
  gsize            result_size;
};

/* For class_init: installs "PREFIX.start" and "PREFIX.stop";
 * busy_message (untranslated, static) is Start's error while a job runs,
 * result_size the size of what run fills. */
void          fathom_worker_panel_class_setup      (FathomWorkerPanelClass *klass,
                                                    const char             *action_prefix,
                                                    const char             *busy_message,
                                                    gsize                   result_size);

/* For the subclass's init: its labels and bar (borrowed). The error label
 * is hidden while no error shows. */
void          fathom_worker_panel_set_parts        (FathomWorkerPanel *self,
                                                    GtkLabel          *hint_label,
                                                    GtkLabel          *status_label,
                                                    GtkProgressBar    *progress_bar,
                                                    GtkLabel          *detail_label,
                                                    GtkLabel          *error_label);

/* The dataset folder or text file the job reads; NULL: none. */
void          fathom_worker_panel_set_input        (FathomWorkerPanel *self,
                                                    const char        *input);
const char   *fathom_worker_panel_get_input        (FathomWorkerPanel *self);
/* Where run folders go; NULL: $XDG_DATA_HOME/fathom/runs. */
void          fathom_worker_panel_set_runs_dir     (FathomWorkerPanel *self,
                                                    const char        *dir);
const char   *fathom_worker_panel_get_runs_dir     (FathomWorkerPanel *self);

/* What the Start button does; FALSE and an error when it cannot start
 * (already running, cannot_start, prepare, no run folder). */
gboolean      fathom_worker_panel_start            (FathomWorkerPanel *self,
                                                    GError           **error);
/* Asks the running job to stop after its current batch. */
void          fathom_worker_panel_stop             (FathomWorkerPanel *self);
gboolean      fathom_worker_panel_get_running      (FathomWorkerPanel *self);
/* The running job, or NULL. Transfer none. */
FathomWorkerJob *fathom_worker_panel_get_job       (FathomWorkerPanel *self);

/* The folder of the running or last job, or NULL. */
const char   *fathom_worker_panel_get_run_dir      (FathomWorkerPanel *self);
/* Why the last job did not finish, or NULL. */
const GError *fathom_worker_panel_get_error        (FathomWorkerPanel *self);
/* Idle callbacks that brought something for the current or last job. */
guint         fathom_worker_panel_get_n_deliveries (FathomWorkerPanel *self);

/* message on the error label, or the label hidden where NULL. */
void          fathom_worker_panel_show_error       (FathomWorkerPanel *self,
                                                    const char        *message);
void          fathom_worker_panel_set_status       (FathomWorkerPanel *self,
                                                    const char        *status);
/* The status at the end of a training run: finished (used only for
 * FATHOM_WORKER_FINISHED), or that the stopped run's folder keeps its
 * work, or that training failed. */
void          fathom_worker_panel_set_run_outcome  (FathomWorkerPanel  *self,
                                                    FathomWorkerOutcome outcome,
                                                    const char         *finished);
/* The bar at fraction (clamped to 0..1) saying text, unless Stop was
 * asked; detail under it. */
void          fathom_worker_panel_show_progress    (FathomWorkerPanel *self,
                                                    double             fraction,
                                                    const char        *text,
                                                    const char        *detail);
/* Sensitivity of Start and Stop, the hint, then the subclass's rows. */
void          fathom_worker_panel_update_state     (FathomWorkerPanel *self);

G_END_DECLS
