/* fathom-worker-panel.c: the worker panels' shared part (see
 * fathom-worker-panel.h and fathom-worker-panel-job.h). */
#include "fathom-worker-panel-job.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "fathom-run-folder.h"

typedef struct
{
  /* the subclass's, borrowed; NULL once disposed */
  GtkLabel            *hint_label;
  GtkLabel            *status_label;
  GtkProgressBar      *progress_bar;
  GtkLabel            *detail_label;
  GtkLabel            *error_label;

  /* owned */
  char                *input;
  char                *runs_dir;          /* NULL: the default */
  char                *default_runs_dir;
  char                *run_dir;           /* the running or last job */
  FathomWorkerJob     *job;               /* the running job, or NULL */
  GError              *error;             /* the last job's, NULL when it finished */
  gboolean             stopping;
  gboolean             disposed;

  FathomTrainProgress  progress;          /* the last delivered */
  gboolean             has_progress;
  guint                n_deliveries;
} FathomWorkerPanelPrivate;

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

enum {
  RUN_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (FathomWorkerPanel, fathom_worker_panel, GTK_TYPE_WIDGET)

#define PRIV(self) ((FathomWorkerPanelPrivate *) fathom_worker_panel_get_instance_private (self))

/* Jobs ------------------------------------------------------------------------ */

/* On the main thread, from the relay: everything the worker wrote since
 * the last time. */
void
_fathom_worker_panel_deliver (gpointer                   owner,
             const FathomTrainProgress *latest,
             GArray                    *points)
{
  FathomWorkerJob *job = owner;
  FathomWorkerPanel *self = job->panel;
  FathomWorkerPanelPrivate *priv;

  if (self == NULL || PRIV (self)->job != job)
    return;
  priv = PRIV (self);
  priv->n_deliveries++;
  priv->progress = *latest;
  priv->has_progress = TRUE;
  job->klass->show_progress (self, job, points);
}

/* Finishing ------------------------------------------------------------------- */

/* The bar says how the job ended; a failure shows on the error label. */
static FathomWorkerOutcome
show_outcome (FathomWorkerPanel *self,
              const GError      *error)
{
  FathomWorkerPanelPrivate *priv = PRIV (self);

  if (error == NULL)
    {
      gtk_progress_bar_set_fraction (priv->progress_bar, 1.0);
      gtk_progress_bar_set_text (priv->progress_bar, _("Finished"));
      return FATHOM_WORKER_FINISHED;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gtk_progress_bar_set_text (priv->progress_bar, _("Stopped"));
      return FATHOM_WORKER_STOPPED;
    }
  gtk_progress_bar_set_text (priv->progress_bar, _("Failed"));
  fathom_worker_panel_show_error (self, error->message);
  return FATHOM_WORKER_FAILED;
}

/* The running job ended with error (taken). */
static void
job_finished (FathomWorkerPanel *self,
              gpointer           result,
              GError            *error)
{
  FathomWorkerPanelPrivate *priv = PRIV (self);
  FathomWorkerJob *job = g_steal_pointer (&priv->job);
  g_autofree char *run_dir = g_strdup (priv->run_dir);
  gboolean ok = error == NULL;
  FathomWorkerOutcome outcome;

  job->panel = NULL;
  /* A job that failed before writing anything leaves no empty folder. */
  if (error != NULL)
    g_rmdir (run_dir);
  priv->stopping = FALSE;
  g_clear_error (&priv->error);
  priv->error = error;
  outcome = show_outcome (self, error);
  job->klass->job_finished (self, job, result, outcome);
  fathom_worker_job_unref (job);
  fathom_worker_panel_update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  /* last: a handler may start the next job */
  g_signal_emit (self, signals[RUN_FINISHED], 0, run_dir, ok);
}

static void
job_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  FathomWorkerJob *job = user_data;
  FathomWorkerPanel *self = job->panel;
  GError *error = NULL;
  g_autofree gpointer res = g_task_propagate_pointer (G_TASK (result), &error);

  if (self != NULL && PRIV (self)->job == job)
    {
      /* the last progress may still wait in its idle */
      fathom_progress_relay_flush (job->relay);
      job_finished (self, res, error);
    }
  else
    g_clear_error (&error);
  fathom_worker_job_unref (job);
}

/* Starting and stopping ----------------------------------------------------------- */

/* A fresh start: nothing of the last job is shown. */
static void
reset_view (FathomWorkerPanel *self)
{
  FathomWorkerPanelPrivate *priv = PRIV (self);

  priv->has_progress = FALSE;
  priv->n_deliveries = 0;
  priv->stopping = FALSE;
  g_clear_error (&priv->error);
  fathom_worker_panel_show_error (self, NULL);
  gtk_label_set_text (priv->status_label, "");
  gtk_label_set_text (priv->detail_label, "");
  gtk_progress_bar_set_fraction (priv->progress_bar, 0.0);
  gtk_progress_bar_set_text (priv->progress_bar, _("Starting…"));
  gtk_widget_set_visible (GTK_WIDGET (priv->progress_bar), TRUE);
}

gboolean
fathom_worker_panel_start (FathomWorkerPanel  *self,
                           GError            **error)
{
  FathomWorkerPanelClass *klass;
  FathomWorkerPanelPrivate *priv;
  g_autofree char *reason = NULL;
  g_autofree char *name = NULL;
  g_autofree char *run_dir = NULL;
  FathomWorkerJob *job;

  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), FALSE);

  klass = FATHOM_WORKER_PANEL_GET_CLASS (self);
  priv = PRIV (self);
  if (priv->job != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "%s", _(klass->busy_message));
      return FALSE;
    }
  reason = klass->cannot_start (self);
  if (reason != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", reason);
      return FALSE;
    }
  name = klass->prepare (self, error);
  if (name == NULL)
    return FALSE;
  /* RUNS/NAME-YYYYmmdd-HHMMSS */
  run_dir = fathom_run_folder_create (fathom_worker_panel_get_runs_dir (self), name, error);
  if (run_dir == NULL)
    return FALSE;

  g_free (priv->run_dir);
  priv->run_dir = g_steal_pointer (&run_dir);
  reset_view (self);
  job = klass->start_job (self, priv->run_dir);
  job->panel = self;
  priv->job = job;
  fathom_worker_job_launch (job, fathom_worker_panel_start, job_done);

  fathom_worker_panel_update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

void
fathom_worker_panel_stop (FathomWorkerPanel *self)
{
  FathomWorkerPanelPrivate *priv;

  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));

  priv = PRIV (self);
  if (priv->job == NULL || priv->stopping)
    return;
  priv->stopping = TRUE;
  g_cancellable_cancel (priv->job->cancellable);
  gtk_progress_bar_set_text (priv->progress_bar, _("Stopping after this batch…"));
  fathom_worker_panel_update_state (self);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  FathomWorkerPanel *self = FATHOM_WORKER_PANEL (widget);
  g_autoptr(GError) error = NULL;

  if (!fathom_worker_panel_start (self, &error))
    fathom_worker_panel_show_error (self, error->message);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  fathom_worker_panel_stop (FATHOM_WORKER_PANEL (widget));
}

/* The view -------------------------------------------------------------------------- */

void
fathom_worker_panel_show_error (FathomWorkerPanel *self,
                                const char        *message)
{
  GtkLabel *label;

  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));

  label = PRIV (self)->error_label;
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

void
fathom_worker_panel_set_status (FathomWorkerPanel *self,
                                const char        *status)
{
  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));
  gtk_label_set_text (PRIV (self)->status_label, status);
}

void
fathom_worker_panel_set_run_outcome (FathomWorkerPanel *self, FathomWorkerOutcome outcome, const char *finished)
{
  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));
  fathom_worker_panel_set_status (self, outcome == FATHOM_WORKER_FINISHED ? finished
                                        : outcome == FATHOM_WORKER_STOPPED
                                        ? _("Stopped: the run folder keeps what was done")
                                        : _("Training failed"));
}

void
fathom_worker_panel_show_progress (FathomWorkerPanel *self,
                                   double             fraction,
                                   const char        *text,
                                   const char        *detail)
{
  FathomWorkerPanelPrivate *priv;

  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));

  priv = PRIV (self);
  gtk_progress_bar_set_fraction (priv->progress_bar, CLAMP (fraction, 0.0, 1.0));
  gtk_progress_bar_set_text (priv->progress_bar, priv->stopping ? _("Stopping after this batch…") : text);
  gtk_label_set_text (priv->detail_label, detail);
}

static char *
default_ready_hint (FathomWorkerPanel *self)
{
  return g_strdup_printf (_("Runs are saved in %s"), fathom_worker_panel_get_runs_dir (self));
}

void
fathom_worker_panel_update_state (FathomWorkerPanel *self)
{
  FathomWorkerPanelClass *klass;
  FathomWorkerPanelPrivate *priv;
  g_autofree char *reason = NULL;
  g_autofree char *hint = NULL;
  gboolean running;

  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));

  klass = FATHOM_WORKER_PANEL_GET_CLASS (self);
  priv = PRIV (self);
  /* a late callback (a GPU probe) finds the panel disposed */
  if (priv->disposed)
    return;
  running = priv->job != NULL;
  reason = klass->cannot_start (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), klass->start_action, !running && reason == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), klass->stop_action, running && !priv->stopping);

  if (running)
    gtk_label_set_text (priv->hint_label, priv->run_dir);
  else if (reason != NULL)
    gtk_label_set_text (priv->hint_label, reason);
  else
    {
      hint = klass->ready_hint (self);
      gtk_label_set_text (priv->hint_label, hint);
    }
  if (klass->update_state != NULL)
    klass->update_state (self, running);
}

/* Public API ---------------------------------------------------------------------- */

void
fathom_worker_panel_class_setup (FathomWorkerPanelClass *klass,
                                 const char             *action_prefix,
                                 const char             *busy_message,
                                 gsize                   result_size)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_return_if_fail (FATHOM_IS_WORKER_PANEL_CLASS (klass));

  klass->start_action = g_strconcat (action_prefix, ".start", NULL);
  klass->stop_action = g_strconcat (action_prefix, ".stop", NULL);
  klass->busy_message = busy_message;
  klass->result_size = MAX (result_size, 1);
  gtk_widget_class_install_action (widget_class, klass->start_action, NULL, start_action);
  gtk_widget_class_install_action (widget_class, klass->stop_action, NULL, stop_action);
}

void
fathom_worker_panel_set_parts (FathomWorkerPanel *self,
                               GtkLabel          *hint_label,
                               GtkLabel          *status_label,
                               GtkProgressBar    *progress_bar,
                               GtkLabel          *detail_label,
                               GtkLabel          *error_label)
{
  FathomWorkerPanelPrivate *priv;

  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));

  priv = PRIV (self);
  priv->hint_label = hint_label;
  priv->status_label = status_label;
  priv->progress_bar = progress_bar;
  priv->detail_label = detail_label;
  priv->error_label = error_label;
}

void
fathom_worker_panel_set_input (FathomWorkerPanel *self,
                               const char        *input)
{
  FathomWorkerPanelPrivate *priv;

  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));

  priv = PRIV (self);
  if (g_strcmp0 (input, priv->input) == 0)
    return;
  g_free (priv->input);
  priv->input = g_strdup (input);
  fathom_worker_panel_update_state (self);
}

const char *
fathom_worker_panel_get_input (FathomWorkerPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), NULL);
  return PRIV (self)->input;
}

void
fathom_worker_panel_set_runs_dir (FathomWorkerPanel *self,
                                  const char        *dir)
{
  FathomWorkerPanelPrivate *priv;

  g_return_if_fail (FATHOM_IS_WORKER_PANEL (self));

  priv = PRIV (self);
  g_free (priv->runs_dir);
  priv->runs_dir = g_strdup (dir);
  fathom_worker_panel_update_state (self);
}

const char *
fathom_worker_panel_get_runs_dir (FathomWorkerPanel *self)
{
  FathomWorkerPanelPrivate *priv;

  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), NULL);

  priv = PRIV (self);
  if (priv->runs_dir != NULL)
    return priv->runs_dir;
  if (priv->default_runs_dir == NULL)
    priv->default_runs_dir = fathom_run_folder_default_runs_dir ();
  return priv->default_runs_dir;
}

gboolean
fathom_worker_panel_get_running (FathomWorkerPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), FALSE);
  return PRIV (self)->job != NULL;
}

FathomWorkerJob *
fathom_worker_panel_get_job (FathomWorkerPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), NULL);
  return PRIV (self)->job;
}

const char *
fathom_worker_panel_get_run_dir (FathomWorkerPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), NULL);
  return PRIV (self)->run_dir;
}

const GError *
fathom_worker_panel_get_error (FathomWorkerPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), NULL);
  return PRIV (self)->error;
}

guint
fathom_worker_panel_get_n_deliveries (FathomWorkerPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), 0);
  return PRIV (self)->n_deliveries;
}

gboolean
fathom_worker_panel_get_progress (FathomWorkerPanel   *self,
                                  FathomTrainProgress *progress)
{
  FathomWorkerPanelPrivate *priv;

  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), FALSE);
  g_return_val_if_fail (progress != NULL, FALSE);

  priv = PRIV (self);
  if (!priv->has_progress)
    {
      memset (progress, 0, sizeof *progress);
      return FALSE;
    }
  *progress = priv->progress;
  return TRUE;
}

const FathomTrainProgress *
fathom_worker_panel_peek_progress (FathomWorkerPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_WORKER_PANEL (self), NULL);
  return &PRIV (self)->progress;
}

/* GObject ------------------------------------------------------------------------- */

static void
fathom_worker_panel_dispose (GObject *object)
{
  FathomWorkerPanel *self = FATHOM_WORKER_PANEL (object);
  FathomWorkerPanelPrivate *priv = PRIV (self);
  GtkWidget *child;

  priv->disposed = TRUE;
  /* The job goes on to its next batch and ends there, unseen. */
  if (priv->job != NULL)
    {
      priv->job->panel = NULL;
      g_cancellable_cancel (priv->job->cancellable);
      g_clear_pointer (&priv->job, fathom_worker_job_unref);
    }
  priv->hint_label = priv->status_label = priv->detail_label = priv->error_label = NULL;
  priv->progress_bar = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (fathom_worker_panel_parent_class)->dispose (object);
}

static void
fathom_worker_panel_finalize (GObject *object)
{
  FathomWorkerPanelPrivate *priv = PRIV (FATHOM_WORKER_PANEL (object));

  g_free (priv->input);
  g_free (priv->runs_dir);
  g_free (priv->default_runs_dir);
  g_free (priv->run_dir);
  g_clear_error (&priv->error);
  G_OBJECT_CLASS (fathom_worker_panel_parent_class)->finalize (object);
}

static void
fathom_worker_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  FathomWorkerPanel *self = FATHOM_WORKER_PANEL (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, fathom_worker_panel_get_running (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_worker_panel_class_init (FathomWorkerPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fathom_worker_panel_dispose;
  object_class->finalize = fathom_worker_panel_finalize;
  object_class->get_property = fathom_worker_panel_get_property;
  klass->ready_hint = default_ready_hint;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fathom_worker_panel_init (FathomWorkerPanel *self)
{
}
