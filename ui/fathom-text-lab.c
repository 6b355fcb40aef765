/* fathom-text-lab.c: the Text lab (see fathom-text-lab.h): its runs and
 * the widget; the settings column is in fathom-text-lab-settings.c, the
 * generated text in fathom-text-lab-samples.c.
 *
 * A FathomTextLabJob is one run, shared by the worker thread and the main
 * thread. The worker reaches the main thread only through the job's
 * progress relay (fathom-progress-relay.h: the latest progress and the
 * chart points not yet shown, one idle at a time), which feeds the
 * widgets. The main
 * thread alone reads and clears job->lab, so a lab that goes away while
 * its run goes on is never reached from the run.
 */
#include "fathom-text-lab-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "fathom-duration.h"
#include "fathom-file-choice.h"
#include "fathom-run-folder.h"

typedef enum {
  POINT_TRAIN_LOSS,
  POINT_VALID_LOSS,
  POINT_EPOCH_END,
} PointKind;

typedef struct {
  guint  kind;                  /* PointKind */
  guint  epoch;                 /* 1-based, of an epoch end */
  double x, y;
} Point;

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_SAMPLING,
  N_PROPS
};

enum {
  RUN_FINISHED,
  SAMPLE_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FathomTextLab, fathom_text_lab, GTK_TYPE_WIDGET)

/* Jobs ------------------------------------------------------------------------ */

FathomTextLabJob *
_fathom_text_lab_job_ref (FathomTextLabJob *job)
{
  g_atomic_ref_count_inc (&job->ref);
  return job;
}

void
_fathom_text_lab_job_unref (FathomTextLabJob *job)
{
  if (!g_atomic_ref_count_dec (&job->ref))
    return;
  g_free (job->corpus_path);
  g_free (job->run_dir);
  g_clear_object (&job->cancellable);
  fathom_progress_relay_free (job->relay);
  g_free (job);
}

static void job_deliver (gpointer                   owner,
                         const FathomTrainProgress *latest,
                         GArray                    *points);

/* Copies config: the worker never reads the lab's strings. */
static FathomTextLabJob *
job_new (const FathomTextConfig *config,
         const char             *run_dir)
{
  FathomTextLabJob *job = g_new0 (FathomTextLabJob, 1);

  g_atomic_ref_count_init (&job->ref);
  job->config = *config;
  job->config.corpus_path = job->corpus_path = g_strdup (config->corpus_path);
  job->config.run_dir = job->run_dir = g_strdup (run_dir);
  job->config.device = g_intern_string (config->device);
  job->config.overwrite = FALSE;
  job->cancellable = g_cancellable_new ();
  job->relay = fathom_progress_relay_new (sizeof (Point), "[fathom] text lab progress", job_deliver, job,
                                          (GBoxedCopyFunc) _fathom_text_lab_job_ref,
                                          (GDestroyNotify) _fathom_text_lab_job_unref);
  return job;
}

/* Into the worker's batch of points; a loss that went NaN is no point. */
static void
add_point (Point  *points,
           guint  *n_points,
           guint   kind,
           guint   epoch,
           double  x,
           double  y)
{
  Point point = { kind, epoch, x, y };

  if (isfinite (y))
    points[(*n_points)++] = point;
}

/* The worker's progress callback: the progress and its chart points to
 * the relay, which wakes the main thread. The epoch's checkpoint exists
 * when its end is reported. */
static void
job_progress (const FathomTrainProgress *p,
              gpointer                   user_data)
{
  FathomTextLabJob *job = user_data;
  Point points[2];
  guint n = 0;

  if (!p->epoch_end && g_strcmp0 (p->phase, "train") == 0)
    add_point (points, &n, POINT_TRAIN_LOSS, 0, p->step, p->loss);
  else if (p->epoch_end && g_strcmp0 (p->phase, "valid") == 0)
    add_point (points, &n, POINT_VALID_LOSS, 0, p->step, p->loss);
  if (p->epoch_end)
    add_point (points, &n, POINT_EPOCH_END, p->epoch + 1, p->step, 0);
  fathom_progress_relay_push (job->relay, p, points, n);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *unused)
{
  FathomTextLabJob *job = task_data;
  g_autofree FathomTextResult *result = g_new0 (FathomTextResult, 1);
  GError *error = NULL;

  if (fathom_text_train (&job->config, job_progress, job, job->cancellable, result, &error))
    g_task_return_pointer (task, g_steal_pointer (&result), g_free);
  else
    g_task_return_error (task, error);
}

/* Progress ---------------------------------------------------------------------- */

static void
reset_chart (FathomTextLab *self,
             const char    *title)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();

  fathom_chart_data_set_title (data, title);
  fathom_chart_set_data (self->chart, data);
  self->train_series = -1;
  self->valid_series = -1;
}

static guint
ensure_series (FathomTextLab *self,
               int           *series,
               const char    *name)
{
  if (*series < 0)
    *series = (int) fathom_chart_add_series (self->chart, "", name, FATHOM_CHART_KIND_LOSS, _("nats/char"));
  return (guint) *series;
}

static void
append_points (FathomTextLab *self,
               GArray        *points)
{
  for (guint i = 0; i < points->len; i++)
    {
      const Point *pt = &g_array_index (points, Point, i);

      switch (pt->kind)
        {
        case POINT_TRAIN_LOSS:
          fathom_chart_append (self->chart, ensure_series (self, &self->train_series, _("training loss")),
                               pt->x, pt->y);
          break;
        case POINT_VALID_LOSS:
          fathom_chart_append (self->chart, ensure_series (self, &self->valid_series, _("validation loss")),
                               pt->x, pt->y);
          break;
        case POINT_EPOCH_END:
          fathom_chart_add_epoch_mark (self->chart, pt->x);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static double
progress_fraction (const FathomTrainProgress *p)
{
  double n_batches = MAX (p->n_batches, 1), n_epochs = MAX (p->n_epochs, 1);

  if (p->epoch_end)
    return (p->epoch + 1) / n_epochs;
  return (p->epoch * n_batches + p->batch + 1) / (n_epochs * n_batches);
}

/* rnn-scratch updates per sequence and reports every 100: its "batches"
 * are sequences. */
static void
show_progress (FathomTextLab *self)
{
  const FathomTrainProgress *p = &self->progress;
  gboolean scratch = self->job != NULL && self->job->config.model == FATHOM_TEXT_MODEL_RNN_SCRATCH;
  g_autoptr(GString) detail = g_string_new (NULL);
  g_autofree char *text = g_strdup_printf (_("Epoch %u of %u"), p->epoch + 1, p->n_epochs);

  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (progress_fraction (p), 0.0, 1.0));
  gtk_progress_bar_set_text (self->progress_bar, self->runner.stopping ? _("Stopping after this batch…") : text);

  if (p->epoch_end)
    g_string_append_printf (detail, g_strcmp0 (p->phase, "valid") == 0
                                    ? _("End of epoch %u · validation loss %.4f nats/char")
                                    : _("End of epoch %u · training loss %.4f nats/char"),
                            p->epoch + 1, p->loss);
  else
    {
      g_autofree char *left = fathom_duration_format (p->eta_seconds);

      g_string_append_printf (detail, scratch ? _("Sequence %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT)
                                              : _("Batch %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                              p->batch + 1, p->n_batches);
      if (p->items_per_second > 0)
        g_string_append_printf (detail, _(" · %.0f sequences/s"), p->items_per_second);
      g_string_append_printf (detail, _(" · %s left"), left);
      if (isfinite (p->loss))
        g_string_append_printf (detail, _(" · loss %.4f nats/char"), p->loss);
    }
  gtk_label_set_text (self->detail_label, detail->str);
}

/* On the main thread, from the relay: everything the worker wrote since
 * the last time. An epoch end asks for a sample of the epoch's checkpoint. */
static void
job_deliver (gpointer                   owner,
             const FathomTrainProgress *latest,
             GArray                    *points)
{
  FathomTextLabJob *job = owner;
  FathomTextLab *self = job->lab;
  guint epochs_done = 0;

  if (self == NULL || self->job != job)
    return;
  self->n_deliveries++;
  self->progress = *latest;
  self->has_progress = TRUE;
  job->last_epoch = latest->epoch + 1;
  append_points (self, points);
  for (guint i = 0; i < points->len; i++)
    if (g_array_index (points, Point, i).kind == POINT_EPOCH_END)
      epochs_done = MAX (epochs_done, g_array_index (points, Point, i).epoch);
  show_progress (self);
  if (epochs_done > job->epochs_done)
    {
      job->epochs_done = epochs_done;
      _fathom_text_lab_sample_epoch_end (self, job);
    }
}

/* Starting and finishing ----------------------------------------------------------- */

static void
show_error (FathomTextLab *self,
            const char    *message)
{
  fathom_job_runner_show_error (self->error_label, message);
}

static void
run_finished (FathomTextLab          *self,
              const FathomTextResult *result,
              GError                 *error)
{
  FathomTextLabJob *job = self->job;
  g_autofree char *run_dir = g_strdup (self->run_dir);
  g_autofree char *status = NULL;
  gboolean ok = error == NULL;
  FathomJobOutcome outcome;

  job->lab = NULL;
  job->stopped = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  self->job = NULL;
  outcome = fathom_job_runner_finish (&self->runner, run_dir, error, self->progress_bar, self->error_label);
  if (outcome == FATHOM_JOB_FINISHED)
    {
      g_autofree char *took = fathom_duration_format (result->seconds);

      status = isfinite (result->val_loss)
               ? g_strdup_printf (_("Finished: training loss %.4f, validation loss %.4f nats/char, in %s"),
                                  result->train_loss, result->val_loss, took)
               : g_strdup_printf (_("Finished: training loss %.4f nats/char, in %s"), result->train_loss, took);
    }
  else if (outcome == FATHOM_JOB_STOPPED)
    status = g_strdup (_("Stopped: the run folder keeps what was done"));
  else
    status = g_strdup (_("Training failed"));
  gtk_label_set_text (self->status_label, status);
  _fathom_text_lab_sample_run_end (self, job, ok);
  _fathom_text_lab_job_unref (job);
  _fathom_text_lab_update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  /* last: a handler may start the next run */
  g_signal_emit (self, signals[RUN_FINISHED], 0, run_dir, ok);
}

static void
run_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  FathomTextLabJob *job = user_data;
  FathomTextLab *self = job->lab;
  GError *error = NULL;
  g_autofree FathomTextResult *res = g_task_propagate_pointer (G_TASK (result), &error);

  if (self != NULL && self->job == job)
    {
      /* the last progress may still wait in its idle */
      fathom_progress_relay_flush (job->relay);
      run_finished (self, res, error);
    }
  else
    g_clear_error (&error);
  _fathom_text_lab_job_unref (job);
}

gboolean
fathom_text_lab_start (FathomTextLab  *self,
                       GError        **error)
{
  g_autofree char *reason = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  FathomTextConfig config;
  FathomTextLabJob *job;

  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), FALSE);

  if (self->job != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("A run is in progress"));
      return FALSE;
    }
  reason = _fathom_text_lab_cannot_start_reason (self);
  if (reason != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", reason);
      return FALSE;
    }
  /* Said before a run folder exists for it. */
  if (!g_file_test (self->corpus_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The text file “%s” does not exist"), self->corpus_path);
      return FALSE;
    }
  fathom_text_lab_get_config (self, &config);
  /* RUNS/text-MODEL-YYYYmmdd-HHMMSS */
  name = g_strdup_printf ("text-%s", fathom_text_model_to_string (config.model));
  run_dir = fathom_run_folder_create (fathom_text_lab_get_runs_dir (self), name, error);
  if (run_dir == NULL)
    return FALSE;

  job = job_new (&config, run_dir);
  job->lab = self;
  self->job = job;
  g_free (self->run_dir);
  self->run_dir = g_steal_pointer (&run_dir);
  self->has_progress = FALSE;
  self->n_deliveries = 0;

  title = g_path_get_basename (self->run_dir);
  reset_chart (self, title);
  show_error (self, NULL);
  gtk_label_set_text (self->status_label, title);
  gtk_label_set_text (self->detail_label, "");
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Reading the text…"));
  _fathom_text_lab_samples_start (self, job);

  fathom_job_runner_start (&self->runner, job->cancellable, fathom_text_lab_start, run_thread, run_done,
                           job, (GBoxedCopyFunc) _fathom_text_lab_job_ref, (GDestroyNotify) _fathom_text_lab_job_unref);

  _fathom_text_lab_update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

void
fathom_text_lab_stop (FathomTextLab *self)
{
  g_return_if_fail (FATHOM_IS_TEXT_LAB (self));

  if (fathom_job_runner_stop (&self->runner, self->progress_bar))
    _fathom_text_lab_update_state (self);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (widget);
  g_autoptr(GError) error = NULL;

  if (!fathom_text_lab_start (self, &error))
    show_error (self, error->message);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  fathom_text_lab_stop (FATHOM_TEXT_LAB (widget));
}

static void
sample_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (widget);
  g_autoptr(GError) error = NULL;

  if (!fathom_text_lab_sample (self, &error))
    gtk_label_set_text (self->sample_label, error->message);
}

/* Public API ---------------------------------------------------------------------- */

GtkWidget *
fathom_text_lab_new (void)
{
  return g_object_new (FATHOM_TYPE_TEXT_LAB, NULL);
}

gboolean
fathom_text_lab_get_running (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), FALSE);
  return fathom_job_runner_is_running (&self->runner);
}

const char *
fathom_text_lab_get_run_dir (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);
  return self->run_dir;
}

const GError *
fathom_text_lab_get_error (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);
  return self->runner.error;
}

const char *
fathom_text_lab_get_message (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

guint
fathom_text_lab_get_n_deliveries (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), 0);
  return self->n_deliveries;
}

gboolean
fathom_text_lab_get_progress (FathomTextLab       *self,
                              FathomTrainProgress *progress)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), FALSE);
  g_return_val_if_fail (progress != NULL, FALSE);

  if (!self->has_progress)
    {
      memset (progress, 0, sizeof *progress);
      return FALSE;
    }
  *progress = self->progress;
  return TRUE;
}

FathomChart *
fathom_text_lab_get_chart (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);
  return self->chart;
}

/* Building ------------------------------------------------------------------------- */

void
_fathom_text_lab_label_widget (gpointer    widget,
                               const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static GtkWidget *
build_run (FathomTextLab *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *split = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *samples = _fathom_text_lab_build_samples (self);

  g_object_set (box, "margin-top", 12, "margin-bottom", 12, "margin-start", 12, "margin-end", 12, NULL);
  self->status_label = GTK_LABEL (gtk_label_new (_("No run yet")));
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_ellipsize (self->status_label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "heading");
  self->progress_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
  _fathom_text_lab_label_widget (self->progress_bar, _("Training progress"));
  self->detail_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->detail_label, 0);
  gtk_label_set_ellipsize (self->detail_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->detail_label), "dim-label");

  self->chart = FATHOM_CHART (fathom_chart_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->chart), -1, 180);
  gtk_widget_set_vexpand (GTK_WIDGET (self->chart), TRUE);
  _fathom_text_lab_label_widget (self->chart, _("Training loss in nats per character"));
  gtk_widget_set_margin_top (samples, 6);

  gtk_paned_set_start_child (GTK_PANED (split), GTK_WIDGET (self->chart));
  gtk_paned_set_end_child (GTK_PANED (split), samples);
  gtk_paned_set_shrink_start_child (GTK_PANED (split), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (split), FALSE);
  gtk_widget_set_vexpand (split, TRUE);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress_bar));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->detail_label));
  gtk_box_append (GTK_BOX (box), split);
  return box;
}

/* GObject ------------------------------------------------------------------------ */

static void
fathom_text_lab_dispose (GObject *object)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (object);

  self->disposed = TRUE;
  /* The run goes on to its next batch and ends there, unseen. */
  if (self->job != NULL)
    {
      self->job->lab = NULL;
      fathom_job_runner_abandon (&self->runner);
      g_clear_pointer (&self->job, _fathom_text_lab_job_unref);
    }
  _fathom_text_lab_samples_dispose (self);
  fathom_file_choice_close (&self->chooser, GTK_WIDGET (self));
  g_clear_pointer (&self->paned, gtk_widget_unparent);
  G_OBJECT_CLASS (fathom_text_lab_parent_class)->dispose (object);
}

static void
fathom_text_lab_finalize (GObject *object)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (object);

  g_free (self->corpus_path);
  g_free (self->run_dir);
  g_free (self->cuda_reason);
  fathom_job_runner_clear (&self->runner);
  _fathom_text_lab_samples_finalize (self);
  G_OBJECT_CLASS (fathom_text_lab_parent_class)->finalize (object);
}

static void
fathom_text_lab_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, fathom_job_runner_is_running (&self->runner));
      break;
    case PROP_SAMPLING:
      g_value_set_boolean (value, fathom_text_lab_get_sampling (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_text_lab_class_init (FathomTextLabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fathom_text_lab_dispose;
  object_class->finalize = fathom_text_lab_finalize;
  object_class->get_property = fathom_text_lab_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SAMPLING] =
    g_param_spec_boolean ("sampling", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SAMPLE_ADDED] =
    g_signal_new ("sample-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "text.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "text.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "text.sample", NULL, sample_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-text-lab");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fathom_text_lab_init (FathomTextLab *self)
{
  self->paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (self->paned), _fathom_text_lab_build_settings (self));
  gtk_paned_set_end_child (GTK_PANED (self->paned), build_run (self));
  gtk_paned_set_resize_start_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->paned), FALSE);
  gtk_widget_set_parent (self->paned, GTK_WIDGET (self));

  reset_chart (self, NULL);
  _fathom_text_lab_label_widget (self, _("Text lab"));
  _fathom_text_lab_settings_init (self);
  _fathom_text_lab_update_state (self);
}
