/* fathom-text-lab.c: the Text lab (see fathom-text-lab.h): its runs and
 * the widget; the settings column is in fathom-text-lab-settings.c, the
 * generated text in fathom-text-lab-samples.c.
 *
 * A FathomTextLabJob is one run (fathom-worker-panel-job.h); its relay
 * carries the latest progress and the chart points not yet shown.
 */
#include "fathom-text-lab-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "fathom-duration.h"
#include "fathom-file-choice.h"

typedef enum {
  POINT_TRAIN_LOSS,
  POINT_VALID_LOSS,
  POINT_EPOCH_END,
} PointKind;

enum {
  PROP_0,
  PROP_SAMPLING,
  N_PROPS
};

enum {
  SAMPLE_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FathomTextLab, fathom_text_lab, FATHOM_TYPE_WORKER_PANEL)

#define WORKER(self) FATHOM_WORKER_PANEL (self)

/* Jobs ------------------------------------------------------------------------ */

static void
job_clear (FathomWorkerJob *parent)
{
  g_free (((FathomTextLabJob *) parent)->corpus_path);
}

/* Copies config: the worker never reads the lab's strings. */
static FathomTextLabJob *
job_new (FathomTextLab          *self,
         const FathomTextConfig *config,
         const char             *run_dir)
{
  FathomTextLabJob *job = fathom_worker_job_new (WORKER (self), sizeof (FathomTextLabJob), run_dir,
                                                 sizeof (FathomWorkerPoint), "[fathom] text lab progress");

  job->config = *config;
  job->config.corpus_path = job->corpus_path = g_strdup (config->corpus_path);
  job->config.run_dir = job->parent.run_dir;
  job->config.device = g_intern_string (config->device);
  job->config.overwrite = FALSE;
  return job;
}

/* The worker's progress callback: the progress and its chart points to
 * the relay, which wakes the main thread. The epoch's checkpoint exists
 * when its end is reported. */
static void
job_progress (const FathomTrainProgress *p,
              gpointer                   user_data)
{
  FathomTextLabJob *job = user_data;
  FathomWorkerPoint points[2];
  guint n = 0;

  if (!p->epoch_end && g_strcmp0 (p->phase, "train") == 0)
    fathom_worker_point_add (points, &n, POINT_TRAIN_LOSS, 0, p->step, p->loss);
  else if (p->epoch_end && g_strcmp0 (p->phase, "valid") == 0)
    fathom_worker_point_add (points, &n, POINT_VALID_LOSS, 0, p->step, p->loss);
  if (p->epoch_end)
    fathom_worker_point_add (points, &n, POINT_EPOCH_END, p->epoch + 1, p->step, 0);
  fathom_progress_relay_push (job->parent.relay, p, points, n);
}

static gboolean
job_run (FathomWorkerJob  *parent,
         gpointer          result,
         GError          **error)
{
  FathomTextLabJob *job = (FathomTextLabJob *) parent;

  return fathom_text_train (&job->config, job_progress, job, parent->cancellable, result, error);
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
      const FathomWorkerPoint *pt = &g_array_index (points, FathomWorkerPoint, i);

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

/* rnn-scratch updates per sequence and reports every 100: its "batches"
 * are sequences. */
static void
show_text_progress (FathomTextLab          *self,
                    const FathomTextLabJob *job)
{
  const FathomTrainProgress *p = fathom_worker_panel_peek_progress (WORKER (self));
  gboolean scratch = job->config.model == FATHOM_TEXT_MODEL_RNN_SCRATCH;
  g_autoptr(GString) detail = g_string_new (NULL);
  g_autofree char *text = g_strdup_printf (_("Epoch %u of %u"), p->epoch + 1, p->n_epochs);

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
  fathom_worker_panel_show_progress (WORKER (self), fathom_worker_progress_fraction (p, NULL), text, detail->str);
}

/* On the main thread, from the relay: everything the worker wrote since
 * the last time. An epoch end asks for a sample of the epoch's checkpoint. */
static void
show_progress (FathomWorkerPanel *panel,
               FathomWorkerJob   *parent,
               GArray            *points)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (panel);
  FathomTextLabJob *job = (FathomTextLabJob *) parent;
  guint epochs_done = 0;

  job->last_epoch = fathom_worker_panel_peek_progress (panel)->epoch + 1;
  append_points (self, points);
  for (guint i = 0; i < points->len; i++)
    if (g_array_index (points, FathomWorkerPoint, i).kind == POINT_EPOCH_END)
      epochs_done = MAX (epochs_done, g_array_index (points, FathomWorkerPoint, i).index);
  show_text_progress (self, job);
  if (epochs_done > job->epochs_done)
    {
      job->epochs_done = epochs_done;
      _fathom_text_lab_sample_epoch_end (self, job);
    }
}

/* Starting and finishing ----------------------------------------------------------- */

/* Said before a run folder exists for it: RUNS/text-MODEL-YYYYmmdd-HHMMSS. */
static char *
prepare (FathomWorkerPanel  *panel,
         GError            **error)
{
  FathomTextConfig config;

  fathom_text_lab_get_config (FATHOM_TEXT_LAB (panel), &config);
  if (!g_file_test (config.corpus_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The text file “%s” does not exist"), config.corpus_path);
      return NULL;
    }
  return g_strdup_printf ("text-%s", fathom_text_model_to_string (config.model));
}

static FathomWorkerJob *
start_job (FathomWorkerPanel *panel,
           const char        *run_dir)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (panel);
  g_autofree char *title = g_path_get_basename (run_dir);
  FathomTextConfig config;
  FathomTextLabJob *job;

  fathom_text_lab_get_config (self, &config);
  job = job_new (self, &config, run_dir);
  reset_chart (self, title);
  fathom_worker_panel_set_status (panel, title);
  gtk_progress_bar_set_text (self->progress_bar, _("Reading the text…"));
  _fathom_text_lab_samples_start (self, job);
  return &job->parent;
}

static void
job_finished (FathomWorkerPanel   *panel,
              FathomWorkerJob     *parent,
              gpointer             res,
              FathomWorkerOutcome  outcome)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (panel);
  FathomTextLabJob *job = (FathomTextLabJob *) parent;
  const FathomTextResult *result = res;
  g_autofree char *finished = NULL;

  job->stopped = outcome == FATHOM_WORKER_STOPPED;
  if (outcome == FATHOM_WORKER_FINISHED)
    {
      g_autofree char *took = fathom_duration_format (result->seconds);

      finished = isfinite (result->val_loss)
                 ? g_strdup_printf (_("Finished: training loss %.4f, validation loss %.4f nats/char, in %s"),
                                    result->train_loss, result->val_loss, took)
                 : g_strdup_printf (_("Finished: training loss %.4f nats/char, in %s"), result->train_loss, took);
    }
  fathom_worker_panel_set_run_outcome (panel, outcome, finished);
  _fathom_text_lab_sample_run_end (self, job, outcome == FATHOM_WORKER_FINISHED);
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

const char *
fathom_text_lab_get_message (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
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
  _fathom_text_lab_samples_dispose (self);
  fathom_file_choice_close (&self->chooser, GTK_WIDGET (self));
  /* the run goes on unseen, the paned goes (FathomWorkerPanel) */
  G_OBJECT_CLASS (fathom_text_lab_parent_class)->dispose (object);
}

static void
fathom_text_lab_finalize (GObject *object)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (object);

  g_free (self->cuda_reason);
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
  FathomWorkerPanelClass *worker_class = FATHOM_WORKER_PANEL_CLASS (klass);

  object_class->dispose = fathom_text_lab_dispose;
  object_class->finalize = fathom_text_lab_finalize;
  object_class->get_property = fathom_text_lab_get_property;

  worker_class->cannot_start = _fathom_text_lab_cannot_start;
  worker_class->prepare = prepare;
  worker_class->start_job = start_job;
  worker_class->run = job_run;
  worker_class->clear_job = job_clear;
  worker_class->show_progress = show_progress;
  worker_class->job_finished = job_finished;
  worker_class->update_state = _fathom_text_lab_update_state;
  fathom_worker_panel_class_setup (worker_class, "text", N_("A run is in progress"), sizeof (FathomTextResult));

  properties[PROP_SAMPLING] =
    g_param_spec_boolean ("sampling", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SAMPLE_ADDED] =
    g_signal_new ("sample-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "text.sample", NULL, sample_action);
  gtk_widget_class_set_css_name (widget_class, "fathom-text-lab");
}

static void
fathom_text_lab_init (FathomTextLab *self)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);

  gtk_paned_set_start_child (GTK_PANED (paned), _fathom_text_lab_build_settings (self));
  gtk_paned_set_end_child (GTK_PANED (paned), build_run (self));
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_widget_set_parent (paned, GTK_WIDGET (self));
  fathom_worker_panel_set_parts (WORKER (self), self->hint_label, self->status_label, self->progress_bar,
                                 self->detail_label, self->error_label);

  reset_chart (self, NULL);
  _fathom_text_lab_label_widget (self, _("Text lab"));
  _fathom_text_lab_settings_init (self);
  fathom_worker_panel_update_state (WORKER (self));
}
