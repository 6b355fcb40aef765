/* fathom-leakage-panel.c: the leakage study (see fathom-leakage-panel.h).
 *
 * A Job is one study (fathom-worker-panel-job.h); its relay carries the
 * latest progress only.
 */
#include "fathom-leakage-panel-config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "fathom-duration.h"

/* How far above the majority rate an accuracy must be to count as
 * telling something (a couple of photos on a small validation set). */
#define BEATS_GUESSING_BY 0.05

/* The study's order of its rows (fathom-leakage.c). */
static const char *const split_names[] = { "random", "by-size" };
static const char *const model_names[] = { "leak-size-only", "dense-head", "multi-input" };

typedef struct {
  FathomWorkerJob         parent;

  /* fixed before the worker starts; the config's strings point here */
  FathomExperimentConfig  config;
  char                   *data_dir;
  char                   *device;
  char                   *backbone;
  char                   *weights;
  char                   *cache_dir;
} Job;

struct _FathomLeakagePanel
{
  FathomWorkerPanel       parent_instance;

  /* borrowed: inside our only child */
  GtkButton              *run_button;
  GtkButton              *stop_button;
  GtkLabel               *hint_label;
  GtkProgressBar         *progress_bar;
  GtkLabel               *detail_label;
  GtkLabel               *status_label;
  GtkLabel               *error_label;
  GtkGrid                *table;
  GtkLabel               *summary_label;

  /* owned: the shared settings; its strings are the four below */
  FathomExperimentConfig  base;
  char                   *device;
  char                   *backbone;
  char                   *weights;
  char                   *cache_dir;

  FathomLeakageRow        rows[FATHOM_LEAKAGE_N_ROWS];
  gboolean                has_rows;
};

G_DEFINE_FINAL_TYPE (FathomLeakagePanel, fathom_leakage_panel, FATHOM_TYPE_WORKER_PANEL)

#define WORKER(self) FATHOM_WORKER_PANEL (self)

/* Jobs ---------------------------------------------------------------------- */

static void
job_clear (FathomWorkerJob *parent)
{
  Job *job = (Job *) parent;

  g_free (job->data_dir);
  g_free (job->device);
  g_free (job->backbone);
  g_free (job->weights);
  g_free (job->cache_dir);
}

/* Copies config: the worker never reads the panel's strings. */
static Job *
job_new (FathomLeakagePanel           *self,
         const FathomExperimentConfig *config,
         const char                   *run_dir)
{
  Job *job = fathom_worker_job_new (WORKER (self), sizeof (Job), run_dir, 0, "[fathom] leakage progress");

  job->config = *config;
  job->config.experiment = NULL;        /* set per model by the study */
  job->config.data_dir = job->data_dir = g_strdup (config->data_dir);
  job->config.run_dir = job->parent.run_dir;
  job->config.device = job->device = g_strdup (config->device);
  job->config.backbone = job->backbone = g_strdup (config->backbone);
  job->config.weights = job->weights = g_strdup (config->weights);
  job->config.cache_dir = job->cache_dir = g_strdup (config->cache_dir);
  /* the panel made the folder; a run.json in it is someone else's */
  job->config.overwrite = FALSE;
  return job;
}

/* The study's label lives in its stack: the relay interns it. */
static gboolean
job_run (FathomWorkerJob  *parent,
         gpointer          rows,
         GError          **error)
{
  Job *job = (Job *) parent;

  return fathom_leakage_run (&job->config, parent->run_dir, fathom_worker_job_push_progress, job,
                             parent->cancellable, rows, error);
}

/* Progress ------------------------------------------------------------------ */

static const char *
split_title (guint split)
{
  return split == 0 ? _("random split") : _("split by size");
}

static const char *
model_title (guint model)
{
  const char *titles[] = { N_("the size alone"), N_("the photo alone"), N_("photo and size") };

  return _(titles[MIN (model, G_N_ELEMENTS (titles) - 1)]);
}

/* The study labels each report "SPLIT-MODEL PHASE": which of its rows
 * (0..5), or -1, and the model's own phase in *inner. */
static int
parse_phase (const char  *phase,
             const char **inner)
{
  const char *space = phase != NULL ? strchr (phase, ' ') : NULL;

  *inner = space != NULL ? space + 1 : phase;
  if (space == NULL)
    return -1;
  for (guint s = 0; s < G_N_ELEMENTS (split_names); s++)
    for (guint m = 0; m < G_N_ELEMENTS (model_names); m++)
      {
        g_autofree char *name = g_strdup_printf ("%s-%s", split_names[s], model_names[m]);

        if (strlen (name) == (gsize) (space - phase) && strncmp (phase, name, strlen (name)) == 0)
          return (int) (s * G_N_ELEMENTS (model_names) + m);
      }
  return -1;
}

/* Which model (of six), the phase, the epoch and the time left. */
static void
show_progress (FathomWorkerPanel *panel,
               FathomWorkerJob   *job,
               GArray            *points)
{
  const FathomTrainProgress *p = fathom_worker_panel_peek_progress (panel);
  const char *inner = NULL;
  int row = parse_phase (p->phase, &inner);
  g_autoptr(GString) detail = g_string_new (fathom_worker_phase_title (inner));
  g_autofree char *text = NULL;
  g_autofree char *left = fathom_duration_format (p->eta_seconds);

  if (row >= 0)
    text = g_strdup_printf (_("Model %d of %d: %s, %s"), row + 1, FATHOM_LEAKAGE_N_ROWS,
                            model_title ((guint) row % G_N_ELEMENTS (model_names)),
                            split_title ((guint) row / G_N_ELEMENTS (model_names)));
  else
    text = g_strdup (fathom_worker_phase_title (inner));

  if (g_strcmp0 (inner, "features") == 0)
    g_string_append_printf (detail, _(" · batch %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT),
                            p->batch + 1, p->n_batches);
  else
    g_string_append_printf (detail, _(" · epoch %u of %u"), p->epoch + 1, MAX (p->n_epochs, 1));
  if (!p->epoch_end && g_strcmp0 (inner, "valid") != 0)
    g_string_append_printf (detail, _(" · %s left for this step"), left);
  if (g_strcmp0 (inner, "valid") == 0 && isfinite (p->accuracy))
    g_string_append_printf (detail, _(" · accuracy %.3f"), p->accuracy);
  fathom_worker_panel_show_progress (panel,
                                     row >= 0 ? (row + fathom_worker_progress_fraction (p, inner))
                                                / FATHOM_LEAKAGE_N_ROWS : 0.0,
                                     text, detail->str);
}

/* The table and its reading ------------------------------------------------- */

static const FathomLeakageRow *
find_row (const FathomLeakageRow  rows[FATHOM_LEAKAGE_N_ROWS],
          const char             *split,
          const char             *model)
{
  for (guint i = 0; i < FATHOM_LEAKAGE_N_ROWS; i++)
    if (g_strcmp0 (rows[i].split, split) == 0 && g_strcmp0 (rows[i].model, model) == 0)
      return &rows[i];
  return NULL;
}

static gboolean
beats_guessing (const FathomLeakageRow *row)
{
  return row->accuracy >= row->majority_rate + BEATS_GUESSING_BY;
}

char *
fathom_leakage_panel_describe (const FathomLeakageRow rows[FATHOM_LEAKAGE_N_ROWS])
{
  const FathomLeakageRow *random = find_row (rows, "random", "leak-size-only");
  const FathomLeakageRow *grouped = find_row (rows, "by-size", "leak-size-only");
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (rows != NULL, NULL);

  if (random != NULL && isfinite (random->accuracy) && isfinite (random->majority_rate))
    g_string_append_printf (s, _("On the random split the image size alone gets %.2f against a majority "
                                 "rate of %.2f: %s."),
                            random->accuracy, random->majority_rate,
                            beats_guessing (random) ? _("the size gives the boat away")
                                                    : _("the size tells little here"));
  if (grouped != NULL && isfinite (grouped->accuracy) && isfinite (grouped->majority_rate))
    g_string_append_printf (s, _("%sGrouped by size it gets %.2f (majority %.2f): %s."),
                            s->len > 0 ? " " : "", grouped->accuracy, grouped->majority_rate,
                            beats_guessing (grouped) ? _("the size still says something about boats it never saw")
                                                     : _("no better than guessing"));
  if (s->len == 0)
    g_string_append (s, _("The study has no size-only results to read."));
  return g_string_free (s, FALSE);
}

static char *
format_number (double value)
{
  return isfinite (value) ? g_strdup_printf ("%.3f", value) : g_strdup ("–");
}

static void
add_cell (FathomLeakagePanel *self,
          const char         *text,
          guint               column,
          guint               row)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), column <= FATHOM_LEAKAGE_COLUMN_MODEL ? 0.f : 1.f);
  gtk_widget_add_css_class (label, row == 0 ? "caption-heading" : "numeric");
  gtk_grid_attach (self->table, label, (int) column, (int) row, 1, 1);
}

static void
clear_table (FathomLeakagePanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table))) != NULL)
    gtk_grid_remove (self->table, child);
  gtk_widget_set_visible (GTK_WIDGET (self->table), FALSE);
  gtk_label_set_text (self->summary_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), FALSE);
}

/* One row per split × model, then the sentence. */
static void
show_rows (FathomLeakagePanel *self)
{
  const char *headings[] = { N_("Split"), N_("Model"), N_("Accuracy"), N_("Log-loss"), N_("Majority rate") };
  g_autofree char *summary = fathom_leakage_panel_describe (self->rows);

  clear_table (self);
  for (guint c = 0; c < FATHOM_LEAKAGE_N_COLUMNS; c++)
    add_cell (self, _(headings[c]), c, 0);
  for (guint r = 0; r < FATHOM_LEAKAGE_N_ROWS; r++)
    {
      const FathomLeakageRow *row = &self->rows[r];
      g_autofree char *accuracy = format_number (row->accuracy);
      g_autofree char *log_loss = format_number (row->log_loss);
      g_autofree char *majority = format_number (row->majority_rate);
      const FathomExperimentPreset *preset = fathom_experiment_find (row->model);

      add_cell (self, row->split, FATHOM_LEAKAGE_COLUMN_SPLIT, r + 1);
      add_cell (self, row->model, FATHOM_LEAKAGE_COLUMN_MODEL, r + 1);
      if (preset != NULL)
        gtk_widget_set_tooltip_text (gtk_grid_get_child_at (self->table, FATHOM_LEAKAGE_COLUMN_MODEL, (int) r + 1),
                                     preset->description);
      add_cell (self, accuracy, FATHOM_LEAKAGE_COLUMN_ACCURACY, r + 1);
      add_cell (self, log_loss, FATHOM_LEAKAGE_COLUMN_LOG_LOSS, r + 1);
      add_cell (self, majority, FATHOM_LEAKAGE_COLUMN_MAJORITY, r + 1);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->table), TRUE);
  gtk_label_set_text (self->summary_label, summary);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), TRUE);
}

/* State --------------------------------------------------------------------- */

static char *
cannot_start (FathomWorkerPanel *panel)
{
  if (fathom_worker_panel_get_input (panel) == NULL)
    return g_strdup (_("Open a dataset to study it."));
  return NULL;
}

static char *
ready_hint (FathomWorkerPanel *panel)
{
  return g_strdup_printf (_("Six models are trained on %s; the study is saved in %s"),
                          fathom_worker_panel_get_input (panel), fathom_worker_panel_get_runs_dir (panel));
}

/* Starting and finishing ---------------------------------------------------- */

/* RUNS/leakage-YYYYmmdd-HHMMSS */
static char *
prepare (FathomWorkerPanel  *panel,
         GError            **error)
{
  return g_strdup ("leakage");
}

/* A fresh start: nothing of the last study is shown. */
static FathomWorkerJob *
start_job (FathomWorkerPanel *panel,
           const char        *run_dir)
{
  FathomLeakagePanel *self = FATHOM_LEAKAGE_PANEL (panel);
  FathomExperimentConfig config;

  self->has_rows = FALSE;
  clear_table (self);
  fathom_leakage_panel_get_config (self, &config);
  return (FathomWorkerJob *) job_new (self, &config, run_dir);
}

static void
job_finished (FathomWorkerPanel   *panel,
              FathomWorkerJob     *job,
              gpointer             rows,
              FathomWorkerOutcome  outcome)
{
  FathomLeakagePanel *self = FATHOM_LEAKAGE_PANEL (panel);

  if (outcome == FATHOM_WORKER_FINISHED)
    {
      g_autofree char *status = g_strdup_printf (_("Finished: the six models are in %s"), job->run_dir);

      memcpy (self->rows, rows, sizeof self->rows);
      self->has_rows = TRUE;
      show_rows (self);
      fathom_worker_panel_set_status (panel, status);
      /* the last model's epoch says nothing of the whole */
      gtk_label_set_text (self->detail_label, "");
    }
  else if (outcome == FATHOM_WORKER_STOPPED)
    fathom_worker_panel_set_status (panel, _("Stopped: the study folder keeps the models that finished"));
  else
    fathom_worker_panel_set_status (panel, _("The leakage study failed"));
}

/* Public API ---------------------------------------------------------------- */

GtkWidget *
fathom_leakage_panel_new (void)
{
  return g_object_new (FATHOM_TYPE_LEAKAGE_PANEL, NULL);
}

static void
replace_string (char       **field,
                const char  *value)
{
  char *old = *field;

  *field = g_strdup (value);
  g_free (old);
}

void
fathom_leakage_panel_set_config (FathomLeakagePanel           *self,
                                 const FathomExperimentConfig *base)
{
  g_return_if_fail (FATHOM_IS_LEAKAGE_PANEL (self));
  g_return_if_fail (base != NULL);

  self->base = *base;
  replace_string (&self->device, base->device != NULL ? base->device : "cpu");
  replace_string (&self->backbone, base->backbone);
  replace_string (&self->weights, base->weights);
  replace_string (&self->cache_dir, base->cache_dir);
  self->base.device = self->device;
  self->base.backbone = self->backbone;
  self->base.weights = self->weights;
  self->base.cache_dir = self->cache_dir;
  /* the study's own */
  self->base.experiment = NULL;
  self->base.data_dir = NULL;
  self->base.run_dir = NULL;
  self->base.split = FATHOM_SPLIT_MODE_RANDOM;
  self->base.overwrite = FALSE;
}

void
fathom_leakage_panel_get_config (FathomLeakagePanel     *self,
                                 FathomExperimentConfig *config)
{
  g_return_if_fail (FATHOM_IS_LEAKAGE_PANEL (self));
  g_return_if_fail (config != NULL);

  *config = self->base;
  config->data_dir = fathom_worker_panel_get_input (WORKER (self));
  config->run_dir = fathom_worker_panel_get_run_dir (WORKER (self));
}

gboolean
fathom_leakage_panel_get_rows (FathomLeakagePanel *self,
                               FathomLeakageRow    rows[FATHOM_LEAKAGE_N_ROWS])
{
  g_return_val_if_fail (FATHOM_IS_LEAKAGE_PANEL (self), FALSE);
  g_return_val_if_fail (rows != NULL, FALSE);

  if (!self->has_rows)
    return FALSE;
  memcpy (rows, self->rows, sizeof self->rows);
  return TRUE;
}

GtkGrid *
fathom_leakage_panel_get_table (FathomLeakagePanel *self)
{
  g_return_val_if_fail (FATHOM_IS_LEAKAGE_PANEL (self), NULL);
  return self->table;
}

GtkLabel *
fathom_leakage_panel_get_summary (FathomLeakagePanel *self)
{
  g_return_val_if_fail (FATHOM_IS_LEAKAGE_PANEL (self), NULL);
  return self->summary_label;
}

GtkLabel *
fathom_leakage_panel_get_status (FathomLeakagePanel *self)
{
  g_return_val_if_fail (FATHOM_IS_LEAKAGE_PANEL (self), NULL);
  return self->status_label;
}

/* Building ------------------------------------------------------------------ */

static void
label_widget (gpointer    widget,
              const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static GtkLabel *
add_label (GtkWidget  *box,
           const char *text,
           const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.f);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_box_append (GTK_BOX (box), label);
  return GTK_LABEL (label);
}

static GtkButton *
add_button (GtkWidget  *box,
            const char *label,
            const char *action_name,
            const char *accessible_label)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_widget_add_css_class (button, "pill");
  label_widget (button, accessible_label);
  gtk_box_append (GTK_BOX (box), button);
  return GTK_BUTTON (button);
}

/* Title and explanation, the buttons, the progress, then the results. */
static GtkWidget *
build_content (FathomLeakagePanel *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  add_label (box, _("Leakage Study"), "title-2");
  gtk_label_set_selectable (add_label (box, _("The size of a fisheries photo mostly names the boat, and each boat "
                                              "lands its own mix of fish. The study trains three models — the "
                                              "size alone, the photo alone, and both — on a random split, where "
                                              "the same boats are on both sides, and on a split grouped by size, "
                                              "where no boat is. The gap between the two is the leak."),
                                     "dim-label"), FALSE);

  self->run_button = add_button (buttons, _("_Run Leakage Study"), "leakage.start", _("Run Leakage Study"));
  gtk_widget_add_css_class (GTK_WIDGET (self->run_button), "suggested-action");
  self->stop_button = add_button (buttons, _("_Stop"), "leakage.stop", _("Stop the leakage study"));
  gtk_box_append (GTK_BOX (box), buttons);
  self->hint_label = add_label (box, NULL, "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->hint_label), "dim-label");
  gtk_label_set_wrap_mode (self->hint_label, PANGO_WRAP_WORD_CHAR);

  self->progress_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  label_widget (self->progress_bar, _("Leakage study progress"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress_bar));
  self->detail_label = add_label (box, NULL, "numeric");
  self->status_label = add_label (box, NULL, NULL);
  gtk_label_set_wrap_mode (self->status_label, PANGO_WRAP_WORD_CHAR);
  self->error_label = add_label (box, NULL, "error");
  gtk_label_set_selectable (self->error_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);

  self->table = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (self->table, 4);
  gtk_grid_set_column_spacing (self->table, 18);
  gtk_widget_set_halign (GTK_WIDGET (self->table), GTK_ALIGN_START);
  label_widget (self->table, _("Validation accuracy, log-loss and majority rate per split and model"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->table));
  self->summary_label = add_label (box, NULL, NULL);
  gtk_label_set_selectable (self->summary_label, TRUE);
  label_widget (self->summary_label, _("What the study says"));
  return box;
}

/* GObject ------------------------------------------------------------------- */

static void
fathom_leakage_panel_finalize (GObject *object)
{
  FathomLeakagePanel *self = FATHOM_LEAKAGE_PANEL (object);

  g_free (self->device);
  g_free (self->backbone);
  g_free (self->weights);
  g_free (self->cache_dir);
  G_OBJECT_CLASS (fathom_leakage_panel_parent_class)->finalize (object);
}

static void
fathom_leakage_panel_class_init (FathomLeakagePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  FathomWorkerPanelClass *worker_class = FATHOM_WORKER_PANEL_CLASS (klass);

  object_class->finalize = fathom_leakage_panel_finalize;

  worker_class->cannot_start = cannot_start;
  worker_class->ready_hint = ready_hint;
  worker_class->prepare = prepare;
  worker_class->start_job = start_job;
  worker_class->run = job_run;
  worker_class->clear_job = job_clear;
  worker_class->show_progress = show_progress;
  worker_class->job_finished = job_finished;
  fathom_worker_panel_class_setup (worker_class, "leakage", N_("A leakage study is in progress"),
                                   sizeof (FathomLeakageRow) * FATHOM_LEAKAGE_N_ROWS);

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "fathom-leakage-panel");
}

static void
fathom_leakage_panel_init (FathomLeakagePanel *self)
{
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  fathom_experiment_config_init (&self->base);
  fathom_leakage_panel_set_config (self, &self->base);

  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 760);
  adw_clamp_set_child (ADW_CLAMP (clamp), build_content (self));
  fathom_worker_panel_set_parts (WORKER (self), self->hint_label, self->status_label, self->progress_bar,
                                 self->detail_label, self->error_label);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_parent (scrolled, GTK_WIDGET (self));

  label_widget (self, _("Leakage study"));
  clear_table (self);
  fathom_worker_panel_update_state (WORKER (self));
}
