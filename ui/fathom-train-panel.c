/* fathom-train-panel.c: the training page (see fathom-train-panel.h).
 *
 * A Job is one run (fathom-worker-panel-job.h); its relay carries the
 * latest progress and the chart points not yet shown.
 */
#include "fathom-train-panel-config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "fathom-cuda-probe.h"
#include "fathom-duration.h"
#include "fathom-file-choice.h"
#include "fathom-resources.h"
#include "fathom-worker-panel-job.h"

#define MAX_OUTPUTS 8

typedef enum {
  POINT_TRAIN_LOSS,
  POINT_VALID_LOSS,
  POINT_VALID_ACCURACY,
  POINT_TRAIN_OUTPUT,
  POINT_VALID_OUTPUT,
  POINT_EPOCH_MARK,
  N_POINT_KINDS
} PointKind;

typedef struct {
  FathomWorkerJob         parent;

  /* fixed before the worker starts; the config's strings point here */
  FathomExperimentConfig  config;
  char                   *experiment;
  char                   *data_dir;
  char                   *backbone;
  char                   *weights;
  char                   *cache_dir;
} Job;

struct _FathomTrainPanel
{
  FathomWorkerPanel       parent_instance;

  /* template children, borrowed */
  AdwComboRow            *experiment_row;
  GtkSpinButton          *epochs_spin;
  GtkSpinButton          *batch_spin;
  GtkSpinButton          *lr_spin;
  GtkSpinButton          *seed_spin;
  AdwComboRow            *split_row;
  AdwActionRow           *bbox_row;
  GtkSpinButton          *bbox_spin;
  GtkSwitch              *keras1_switch;
  AdwActionRow           *dense_box_row;
  GtkSwitch              *dense_box_switch;
  AdwComboRow            *device_row;
  AdwComboRow            *backbone_row;
  AdwActionRow           *weights_row;
  GtkButton              *weights_button;
  GtkButton              *weights_clear_button;
  GtkLabel               *hint_label;
  GtkLabel               *status_label;
  GtkProgressBar         *progress_bar;
  GtkLabel               *detail_label;
  GtkLabel               *error_label;
  FathomChart            *chart;

  /* owned */
  char                   *weights;
  char                   *cache_dir;
  char                   *cuda_reason;    /* NULL while CUDA is usable or unknown */
  GtkFileChooserNative   *chooser;
  /* the numbers without a row: input size, mini epochs and the like
   * (its strings unused) */
  FathomExperimentConfig  extra;

  /* the run's chart series, by kind and output; -1 until the first point */
  int                     series[N_POINT_KINDS][MAX_OUTPUTS];
  gboolean                run_has_bbox;

  gboolean                cuda_probed;
  gboolean                want_cuda;      /* asked for before the probe ended */
};

G_DEFINE_FINAL_TYPE (FathomTrainPanel, fathom_train_panel, FATHOM_TYPE_WORKER_PANEL)

#define WORKER(self) FATHOM_WORKER_PANEL (self)

static void
update_state (FathomTrainPanel *self)
{
  fathom_worker_panel_update_state (WORKER (self));
}

/* Jobs -------------------------------------------------------------------- */

static void
job_clear (FathomWorkerJob *parent)
{
  Job *job = (Job *) parent;

  g_free (job->experiment);
  g_free (job->data_dir);
  g_free (job->backbone);
  g_free (job->weights);
  g_free (job->cache_dir);
}

/* Copies config: the worker never reads the panel's strings. */
static Job *
job_new (FathomTrainPanel             *self,
         const FathomExperimentConfig *config,
         const char                   *run_dir)
{
  Job *job = fathom_worker_job_new (WORKER (self), sizeof (Job), run_dir, sizeof (FathomWorkerPoint),
                                    "[fathom] training progress");

  job->config = *config;
  job->config.experiment = job->experiment = g_strdup (config->experiment);
  job->config.data_dir = job->data_dir = g_strdup (config->data_dir);
  job->config.run_dir = job->parent.run_dir;
  job->config.backbone = job->backbone = g_strdup (config->backbone);
  job->config.weights = job->weights = g_strdup (config->weights);
  job->config.cache_dir = job->cache_dir = g_strdup (config->cache_dir);
  /* a static string from the device list */
  job->config.device = g_intern_string (config->device);
  job->config.overwrite = FALSE;
  return job;
}

/* The worker's progress callback: the progress and its chart points to
 * the relay, which wakes the main thread. */
static void
job_progress (const FathomTrainProgress *p,
              gpointer                   user_data)
{
  Job *job = user_data;
  guint n_out = p->output_losses != NULL ? MIN (p->n_outputs, MAX_OUTPUTS) : 0;
  /* at most: two losses, the accuracy, the outputs and the epoch mark */
  FathomWorkerPoint points[3 + MAX_OUTPUTS + 1];
  guint n = 0;

  if (g_strcmp0 (p->phase, "train") == 0 && !p->epoch_end)
    {
      fathom_worker_point_add (points, &n, POINT_TRAIN_LOSS, 0, p->step, p->loss);
      for (guint i = 0; p->n_outputs > 1 && i < n_out; i++)
        fathom_worker_point_add (points, &n, POINT_TRAIN_OUTPUT, i, p->step, p->output_losses[i]);
    }
  else if (g_strcmp0 (p->phase, "valid") == 0 && p->epoch_end)
    {
      fathom_worker_point_add (points, &n, POINT_VALID_LOSS, 0, p->step, p->loss);
      fathom_worker_point_add (points, &n, POINT_VALID_ACCURACY, 0, p->step, p->accuracy);
      for (guint i = 0; p->n_outputs > 1 && i < n_out; i++)
        fathom_worker_point_add (points, &n, POINT_VALID_OUTPUT, i, p->step, p->output_losses[i]);
    }
  if (p->epoch_end && (g_strcmp0 (p->phase, "valid") == 0 || g_strcmp0 (p->phase, "train") == 0))
    fathom_worker_point_add (points, &n, POINT_EPOCH_MARK, 0, p->step, 0);
  fathom_progress_relay_push (job->parent.relay, p, points, n);
}

static gboolean
job_run (FathomWorkerJob  *parent,
         gpointer          result,
         GError          **error)
{
  Job *job = (Job *) parent;

  return fathom_experiment_run (&job->config, job_progress, job, parent->cancellable, result, error);
}

/* The chart ---------------------------------------------------------------- */

static void
reset_chart (FathomTrainPanel *self,
             const char       *title)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();

  fathom_chart_data_set_title (data, title);
  fathom_chart_set_data (self->chart, data);
  for (guint k = 0; k < N_POINT_KINDS; k++)
    for (guint i = 0; i < MAX_OUTPUTS; i++)
      self->series[k][i] = -1;
}

/* The bbox head's outputs are "bb" then "class" (fathom-heads.h). */
static char *
series_name (FathomTrainPanel *self,
             guint             kind,
             guint             output)
{
  const char *prefix = kind == POINT_TRAIN_OUTPUT ? _("training") : _("validation");

  switch (kind)
    {
    case POINT_TRAIN_LOSS:
      return g_strdup (_("training loss"));
    case POINT_VALID_LOSS:
      return g_strdup (_("validation loss"));
    case POINT_VALID_ACCURACY:
      return g_strdup (_("validation accuracy"));
    default:
      break;
    }
  if (self->run_has_bbox && output < 2)
    return g_strdup_printf ("%s %s", prefix, output == 0 ? _("box loss") : _("class loss"));
  return g_strdup_printf (_("%s loss of output %u"), prefix, output + 1);
}

static guint
series_for (FathomTrainPanel *self,
            guint             kind,
            guint             output)
{
  int *id = &self->series[kind][output];

  if (*id < 0)
    {
      g_autofree char *name = series_name (self, kind, output);

      *id = (int) fathom_chart_data_add_series (fathom_chart_get_data (self->chart), "", name,
                                                kind == POINT_VALID_ACCURACY ? FATHOM_CHART_KIND_ACCURACY
                                                                             : FATHOM_CHART_KIND_LOSS,
                                                "");
    }
  return (guint) *id;
}

static void
append_points (FathomTrainPanel *self,
               GArray           *points)
{
  FathomChartData *data = fathom_chart_get_data (self->chart);

  if (points->len == 0)
    return;
  for (guint i = 0; i < points->len; i++)
    {
      const FathomWorkerPoint *p = &g_array_index (points, FathomWorkerPoint, i);

      if (p->kind == POINT_EPOCH_MARK)
        fathom_chart_data_add_epoch_mark (data, p->x);
      else
        fathom_chart_data_append (data, series_for (self, p->kind, p->index), p->x, p->y);
    }
  /* one redraw per delivery, at the next frame */
  gtk_widget_queue_draw (GTK_WIDGET (self->chart));
}

/* Progress ----------------------------------------------------------------- */

/* The phase, the epoch or batch, the time left and the loss. */
static void
show_progress (FathomWorkerPanel *panel,
               FathomWorkerJob   *job,
               GArray            *points)
{
  FathomTrainPanel *self = FATHOM_TRAIN_PANEL (panel);
  const FathomTrainProgress *p = fathom_worker_panel_peek_progress (panel);
  g_autoptr(GString) detail = g_string_new (NULL);
  g_autofree char *text = NULL;

  append_points (self, points);
  if (g_strcmp0 (p->phase, "features") == 0)
    text = g_strdup_printf (_("%s · batch %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                            fathom_worker_phase_title (p->phase), p->batch + 1, p->n_batches);
  else if (g_strcmp0 (p->phase, "corpus") == 0)
    text = g_strdup_printf (_("%s · photo %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                            fathom_worker_phase_title (p->phase), p->batch + 1, p->n_batches);
  else
    text = g_strdup_printf (_("%s · epoch %u of %u"), fathom_worker_phase_title (p->phase),
                            p->epoch + 1, p->n_epochs);

  if (g_strcmp0 (p->phase, "valid") == 0)
    {
      g_string_append_printf (detail, _("Validation loss %.4g"), p->loss);
      if (isfinite (p->accuracy))
        g_string_append_printf (detail, _(" · accuracy %.3f"), p->accuracy);
    }
  else
    {
      g_autofree char *left = fathom_duration_format (p->eta_seconds);

      g_string_append_printf (detail, _("Batch %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                              p->batch + 1, p->n_batches);
      if (p->items_per_second > 0)
        g_string_append_printf (detail, _(" · %.0f items/s"), p->items_per_second);
      if (!p->epoch_end)
        g_string_append_printf (detail, _(" · %s left"), left);
      if (isfinite (p->loss))
        g_string_append_printf (detail, _(" · loss %.4g"), p->loss);
    }
  fathom_worker_panel_show_progress (panel, fathom_worker_progress_fraction (p, p->phase), text, detail->str);
}

/* Settings ------------------------------------------------------------------ */

static const char *const device_names[] = { "cpu", "cuda" };
static const char *const backbone_names[] = { "mini", "vgg16", "resnet50" };
static const FathomSplitMode split_modes[] = {
  FATHOM_SPLIT_MODE_RANDOM, FATHOM_SPLIT_MODE_STRATIFIED, FATHOM_SPLIT_MODE_BY_SIZE,
};

static const FathomExperimentPreset *
selected_preset (FathomTrainPanel *self)
{
  const char *const *names = fathom_experiment_list ();
  guint i = adw_combo_row_get_selected (self->experiment_row);

  if (i >= g_strv_length ((char **) names))
    return NULL;
  return fathom_experiment_find (names[i]);
}

static gboolean
uses_weights (FathomTrainPanel *self)
{
  return adw_combo_row_get_selected (self->backbone_row) > 0;
}

/* Why Start cannot run now (newly allocated), or NULL. */
static char *
cannot_start (FathomWorkerPanel *panel)
{
  FathomTrainPanel *self = FATHOM_TRAIN_PANEL (panel);
  const FathomExperimentPreset *preset = selected_preset (self);

  if (fathom_worker_panel_get_input (panel) == NULL)
    return g_strdup (_("Open a dataset to train on it."));
  if (preset == NULL)
    return g_strdup (_("Pick an experiment."));
  if (preset->unavailable != NULL)
    return g_strdup_printf (_("%s cannot run yet: %s."), preset->name, preset->unavailable);
  if (preset->needs_features && uses_weights (self) && self->weights == NULL)
    return g_strdup (_("Choose a weights file, or train a small backbone."));
  {
    /* what the runner itself would refuse (vgg-finetune needs vgg16_bn.h5) */
    FathomExperimentConfig config;
    g_autoptr(GError) error = NULL;

    fathom_train_panel_get_config (self, &config);
    if (!fathom_experiment_check (&config, &error))
      return g_strdup (error->message);
  }
  return NULL;
}

/* The preset's epochs, batch size and rate; the box weight row for bbox. */
static void
apply_preset (FathomTrainPanel *self)
{
  const FathomExperimentPreset *preset = selected_preset (self);

  if (preset == NULL)
    return;
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->experiment_row),
                               preset->unavailable != NULL ? preset->unavailable : preset->description);
  gtk_spin_button_set_value (self->epochs_spin, preset->epochs_first + preset->epochs_later);
  gtk_spin_button_set_value (self->batch_spin, preset->batch_size);
  gtk_spin_button_set_value (self->lr_spin, preset->lr_first);
  gtk_widget_set_visible (GTK_WIDGET (self->bbox_row), preset->has_bbox);
  gtk_widget_set_visible (GTK_WIDGET (self->dense_box_row), preset->has_bbox);
}

static void
experiment_changed (FathomTrainPanel *self)
{
  apply_preset (self);
  update_state (self);
}

static void
backbone_changed (FathomTrainPanel *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->weights_row), uses_weights (self));
  update_state (self);
}

static void
set_weights (FathomTrainPanel *self,
             const char       *path)
{
  g_autofree char *old = g_steal_pointer (&self->weights);

  self->weights = g_strdup (path);
  adw_action_row_set_subtitle (self->weights_row, path != NULL ? path : _("None chosen"));
  gtk_widget_set_visible (GTK_WIDGET (self->weights_clear_button), path != NULL);
  update_state (self);
}

static void
weights_chosen (gpointer    owner,
                const char *path)
{
  set_weights (FATHOM_TRAIN_PANEL (owner), path);
}

static void
choose_weights (FathomTrainPanel *self)
{
  static const char *const patterns[] = { "*.h5", "*.safetensors", NULL };

  fathom_file_choice_open (&self->chooser, GTK_WIDGET (self), _("Choose Backbone Weights"),
                           _("Keras or safetensors weights"), NULL, patterns, weights_chosen);
}

static void
clear_weights (FathomTrainPanel *self)
{
  set_weights (self, NULL);
}

/* CUDA: asked once, off the main thread (fathom-cuda-probe.h). */
static void
probe_cuda_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  FathomTrainPanel *self = FATHOM_TRAIN_PANEL (object);
  g_autofree char *reason = fathom_cuda_probe_finish (result);

  /* disposed meanwhile */
  if (self->device_row == NULL)
    return;
  self->cuda_probed = TRUE;
  g_free (self->cuda_reason);
  self->cuda_reason = g_steal_pointer (&reason);
  if (self->cuda_reason != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (_("CUDA cannot be used: %s"), self->cuda_reason);

      adw_combo_row_set_selected (self->device_row, 0);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->device_row), subtitle);
    }
  else
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->device_row), _("A GPU is available"));
      if (self->want_cuda)
        adw_combo_row_set_selected (self->device_row, 1);
    }
  update_state (self);
}

static void
probe_cuda (FathomTrainPanel *self)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->device_row), _("Looking for a GPU…"));
  fathom_cuda_probe (self, probe_cuda_done, NULL);
}

/* The rows' sensitivity from the state. */
static void
train_update_state (FathomWorkerPanel *panel,
                    gboolean           running)
{
  FathomTrainPanel *self = FATHOM_TRAIN_PANEL (panel);
  GtkWidget *rows[] = {
    GTK_WIDGET (self->experiment_row), GTK_WIDGET (self->epochs_spin), GTK_WIDGET (self->batch_spin),
    GTK_WIDGET (self->lr_spin), GTK_WIDGET (self->seed_spin), GTK_WIDGET (self->split_row),
    GTK_WIDGET (self->bbox_spin), GTK_WIDGET (self->keras1_switch), GTK_WIDGET (self->dense_box_switch),
    GTK_WIDGET (self->weights_row),
  };
  const FathomExperimentPreset *preset = selected_preset (self);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_set_sensitive (rows[i], !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->device_row),
                            !running && self->cuda_probed && self->cuda_reason == NULL);
  /* the size one-hot alone has no backbone */
  gtk_widget_set_sensitive (GTK_WIDGET (self->backbone_row),
                            !running && preset != NULL && preset->needs_features);
}

/* Starting and finishing -------------------------------------------------------- */

/* Past cannot_start: RUNS/EXPERIMENT-YYYYmmdd-HHMMSS. */
static char *
prepare (FathomWorkerPanel  *panel,
         GError            **error)
{
  const FathomExperimentPreset *preset = selected_preset (FATHOM_TRAIN_PANEL (panel));

  if (preset == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Pick an experiment."));
      return NULL;
    }
  return g_strdup (preset->name);
}

static FathomWorkerJob *
start_job (FathomWorkerPanel *panel,
           const char        *run_dir)
{
  FathomTrainPanel *self = FATHOM_TRAIN_PANEL (panel);
  const FathomExperimentPreset *preset = selected_preset (self);
  g_autofree char *title = g_path_get_basename (run_dir);
  FathomExperimentConfig config;

  fathom_train_panel_get_config (self, &config);
  self->run_has_bbox = preset != NULL && preset->has_bbox;
  reset_chart (self, title);
  fathom_worker_panel_set_status (panel, title);
  return (FathomWorkerJob *) job_new (self, &config, run_dir);
}

static void
job_finished (FathomWorkerPanel   *panel,
              FathomWorkerJob     *job,
              gpointer             res,
              FathomWorkerOutcome  outcome)
{
  const FathomExperimentResult *result = res;
  g_autofree char *finished = NULL;

  if (outcome == FATHOM_WORKER_FINISHED)
    {
      g_autofree char *took = fathom_duration_format (result->seconds);

      finished = isfinite (result->val_accuracy)
                 ? g_strdup_printf (_("Finished: validation accuracy %.3f, loss %.4g, in %s"),
                                    result->val_accuracy, result->val_loss, took)
                 : g_strdup_printf (_("Finished: validation loss %.4g, in %s"), result->val_loss, took);
    }
  fathom_worker_panel_set_run_outcome (panel, outcome, finished);
}

/* Public API ------------------------------------------------------------------ */

GtkWidget *
fathom_train_panel_new (void)
{
  return g_object_new (FATHOM_TYPE_TRAIN_PANEL, NULL);
}

static guint
index_of (const char *const *names,
          guint              n,
          const char        *name,
          guint              fallback)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return fallback;
}

void
fathom_train_panel_set_config (FathomTrainPanel             *self,
                               const FathomExperimentConfig *config)
{
  const char *const *names = fathom_experiment_list ();
  g_autofree char *cache_dir = NULL;

  g_return_if_fail (FATHOM_IS_TRAIN_PANEL (self));
  g_return_if_fail (config != NULL);

  if (config->experiment != NULL)
    {
      adw_combo_row_set_selected (self->experiment_row,
                                  index_of (names, g_strv_length ((char **) names), config->experiment,
                                            adw_combo_row_get_selected (self->experiment_row)));
      apply_preset (self);
    }
  if (config->epochs > 0)
    gtk_spin_button_set_value (self->epochs_spin, config->epochs);
  if (config->batch_size > 0)
    gtk_spin_button_set_value (self->batch_spin, config->batch_size);
  if (config->lr > 0)
    gtk_spin_button_set_value (self->lr_spin, config->lr);
  gtk_spin_button_set_value (self->seed_spin, (double) config->seed);
  for (guint i = 0; i < G_N_ELEMENTS (split_modes); i++)
    if (split_modes[i] == config->split)
      adw_combo_row_set_selected (self->split_row, i);
  gtk_spin_button_set_value (self->bbox_spin, config->bbox_weight >= 0 ? config->bbox_weight : 0.001);
  gtk_switch_set_active (self->keras1_switch, config->keras1_lr);
  gtk_switch_set_active (self->dense_box_switch, g_strcmp0 (config->box_head, "dense") == 0);
  /* CUDA only where usable; before the probe ends, once it does */
  self->want_cuda = g_strcmp0 (config->device, "cuda") == 0;
  if (!self->want_cuda || (self->cuda_probed && self->cuda_reason == NULL))
    adw_combo_row_set_selected (self->device_row, self->want_cuda ? 1 : 0);
  adw_combo_row_set_selected (self->backbone_row,
                              index_of (backbone_names, G_N_ELEMENTS (backbone_names), config->backbone,
                                        config->weights != NULL ? 1 : 0));
  set_weights (self, config->weights);

  /* no rows for these */
  cache_dir = g_steal_pointer (&self->cache_dir);
  self->cache_dir = g_strdup (config->cache_dir);
  self->extra.valid_fraction = config->valid_fraction;
  self->extra.split_seed = config->split_seed;
  self->extra.width = config->width;
  self->extra.height = config->height;
  self->extra.n_threads = config->n_threads;
  self->extra.mini_epochs = config->mini_epochs;
  self->extra.mini_corpus = config->mini_corpus;
  update_state (self);
}

void
fathom_train_panel_get_config (FathomTrainPanel       *self,
                               FathomExperimentConfig *config)
{
  const FathomExperimentPreset *preset;

  g_return_if_fail (FATHOM_IS_TRAIN_PANEL (self));
  g_return_if_fail (config != NULL);

  preset = selected_preset (self);
  fathom_experiment_config_init (config);
  config->experiment = preset != NULL ? preset->name : NULL;
  config->data_dir = fathom_worker_panel_get_input (WORKER (self));
  config->run_dir = fathom_worker_panel_get_run_dir (WORKER (self));
  config->device = device_names[MIN (adw_combo_row_get_selected (self->device_row), 1)];
  config->epochs = (guint) gtk_spin_button_get_value_as_int (self->epochs_spin);
  config->batch_size = (guint) gtk_spin_button_get_value_as_int (self->batch_spin);
  config->lr = gtk_spin_button_get_value (self->lr_spin);
  config->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  config->split = split_modes[MIN (adw_combo_row_get_selected (self->split_row), G_N_ELEMENTS (split_modes) - 1)];
  config->bbox_weight = gtk_spin_button_get_value (self->bbox_spin);
  config->keras1_lr = gtk_switch_get_active (self->keras1_switch);
  config->box_head = gtk_switch_get_active (self->dense_box_switch) ? "dense" : "attention";
  config->backbone = backbone_names[MIN (adw_combo_row_get_selected (self->backbone_row), 2)];
  config->weights = uses_weights (self) ? self->weights : NULL;
  config->valid_fraction = self->extra.valid_fraction;
  config->split_seed = self->extra.split_seed;
  config->width = self->extra.width;
  config->height = self->extra.height;
  config->cache_dir = self->cache_dir;
  config->n_threads = self->extra.n_threads;
  config->mini_epochs = self->extra.mini_epochs;
  config->mini_corpus = self->extra.mini_corpus;
}

FathomChart *
fathom_train_panel_get_chart (FathomTrainPanel *self)
{
  g_return_val_if_fail (FATHOM_IS_TRAIN_PANEL (self), NULL);
  return self->chart;
}

/* The experiment list --------------------------------------------------------- */

static void
experiment_item_setup (GtkSignalListItemFactory *factory,
                       GtkListItem              *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_wrap (GTK_LABEL (subtitle), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (subtitle), 48);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

/* Unavailable experiments stay listed, greyed out, with their reason. */
static void
experiment_item_bind (GtkSignalListItemFactory *factory,
                      GtkListItem              *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  const char *name = gtk_string_object_get_string (gtk_list_item_get_item (item));
  const FathomExperimentPreset *preset = fathom_experiment_find (name);
  g_autofree char *heading = NULL;
  g_autofree char *why = NULL;
  gboolean available = preset != NULL && preset->unavailable == NULL;

  heading = preset != NULL && g_strcmp0 (preset->letter, "-") != 0
            ? g_strdup_printf ("%s · %s", preset->letter, name) : g_strdup (name);
  if (!available)
    why = g_strdup_printf (_("Unavailable: %s"), preset != NULL ? preset->unavailable : _("unknown"));
  gtk_label_set_text (GTK_LABEL (title), heading);
  gtk_label_set_text (GTK_LABEL (subtitle), available ? preset->description : why);
  gtk_widget_set_sensitive (box, available);
  gtk_list_item_set_activatable (item, available);
  gtk_list_item_set_selectable (item, available);
}

static void
setup_experiments (FathomTrainPanel *self)
{
  const char *const *names = fathom_experiment_list ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (names);
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkExpression) expression = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (experiment_item_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (experiment_item_bind), NULL);
  expression = gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string");
  adw_combo_row_set_expression (self->experiment_row, expression);
  adw_combo_row_set_list_factory (self->experiment_row, factory);
  adw_combo_row_set_model (self->experiment_row, G_LIST_MODEL (model));
  /* B, the first that runs */
  adw_combo_row_set_selected (self->experiment_row,
                              index_of (names, g_strv_length ((char **) names), "dense-head", 0));
}

/* GObject ------------------------------------------------------------------------ */

static void
label_widget (gpointer    widget,
              const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
fathom_train_panel_dispose (GObject *object)
{
  FathomTrainPanel *self = FATHOM_TRAIN_PANEL (object);

  fathom_file_choice_close (&self->chooser, GTK_WIDGET (self));
  gtk_widget_dispose_template (GTK_WIDGET (self), FATHOM_TYPE_TRAIN_PANEL);
  G_OBJECT_CLASS (fathom_train_panel_parent_class)->dispose (object);
}

static void
fathom_train_panel_finalize (GObject *object)
{
  FathomTrainPanel *self = FATHOM_TRAIN_PANEL (object);

  g_free (self->weights);
  g_free (self->cache_dir);
  g_free (self->cuda_reason);
  G_OBJECT_CLASS (fathom_train_panel_parent_class)->finalize (object);
}

static void
fathom_train_panel_class_init (FathomTrainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  FathomWorkerPanelClass *worker_class = FATHOM_WORKER_PANEL_CLASS (klass);

  object_class->dispose = fathom_train_panel_dispose;
  object_class->finalize = fathom_train_panel_finalize;

  worker_class->cannot_start = cannot_start;
  worker_class->prepare = prepare;
  worker_class->start_job = start_job;
  worker_class->run = job_run;
  worker_class->clear_job = job_clear;
  worker_class->show_progress = show_progress;
  worker_class->job_finished = job_finished;
  worker_class->update_state = train_update_state;
  fathom_worker_panel_class_setup (worker_class, "train", N_("A run is in progress"),
                                   sizeof (FathomExperimentResult));

  /* The bundle lives in this static library: naming it links its object
   * file, whose constructor registers the resources. */
  (void) fathom_get_resource ();
  g_type_ensure (FATHOM_TYPE_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/fathom/Fathom/fathom-train-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, experiment_row);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, split_row);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, bbox_row);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, bbox_spin);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, keras1_switch);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, dense_box_row);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, dense_box_switch);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, device_row);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, backbone_row);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, weights_row);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, weights_button);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, weights_clear_button);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, hint_label);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, detail_label);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, FathomTrainPanel, chart);

  gtk_widget_class_set_css_name (widget_class, "fathom-train-panel");
}

static void
fathom_train_panel_init (FathomTrainPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  fathom_worker_panel_set_parts (WORKER (self), self->hint_label, self->status_label, self->progress_bar,
                                 self->detail_label, self->error_label);

  fathom_experiment_config_init (&self->extra);
  reset_chart (self, NULL);
  setup_experiments (self);
  apply_preset (self);

  g_signal_connect_swapped (self->experiment_row, "notify::selected", G_CALLBACK (experiment_changed), self);
  g_signal_connect_swapped (self->backbone_row, "notify::selected", G_CALLBACK (backbone_changed), self);
  g_signal_connect_swapped (self->weights_button, "clicked", G_CALLBACK (choose_weights), self);
  g_signal_connect_swapped (self->weights_clear_button, "clicked", G_CALLBACK (clear_weights), self);
  gtk_widget_set_visible (GTK_WIDGET (self->weights_clear_button), FALSE);

  /* Controls without a visible label of their own, and icon-only buttons. */
  label_widget (self, _("Training"));
  label_widget (self->epochs_spin, _("Epochs"));
  label_widget (self->batch_spin, _("Batch size"));
  label_widget (self->lr_spin, _("Learning rate"));
  label_widget (self->seed_spin, _("Seed"));
  label_widget (self->bbox_spin, _("Box loss weight"));
  label_widget (self->keras1_switch, _("Keep the first rate (Keras 1)"));
  label_widget (self->dense_box_switch, _("The lesson's dense box head"));
  label_widget (self->weights_button, _("Choose a weights file"));
  label_widget (self->weights_clear_button, _("Forget the weights file"));
  label_widget (self->progress_bar, _("Training progress"));

  probe_cuda (self);
  update_state (self);
}
