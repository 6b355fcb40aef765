/* fathom-text-lab-settings.c: the Text lab's settings column (see
 * fathom-text-lab.h): the text file, the model and its rate, the sizes,
 * the device (CUDA asked for once, in a worker thread), and what Start
 * may do. */
#include "fathom-text-lab-private.h"

#include <glib/gi18n.h>

#include "fathom-cuda-probe.h"
#include "fathom-file-choice.h"

static const char *const model_names[] = { "rnn-scratch", "rnn", "gru" };
static const char *const device_names[] = { "cpu", "cuda" };

/* Settings ------------------------------------------------------------------------- */

static FathomTextModel
selected_model (FathomTextLab *self)
{
  FathomTextModel model = FATHOM_TEXT_MODEL_RNN_SCRATCH;
  guint i = adw_combo_row_get_selected (self->model_row);

  if (i < G_N_ELEMENTS (model_names))
    fathom_text_model_from_string (model_names[i], &model);
  return model;
}

static const char *
model_description (FathomTextModel model)
{
  switch (model)
    {
    case FATHOM_TEXT_MODEL_RNN_SCRATCH:
      return _("The lesson's RNN in plain C: backpropagation through time by hand, "
               "SGD, one sequence per update, on the CPU");
    case FATHOM_TEXT_MODEL_RNN:
      return _("SimpleRNN with relu and an identity init, trained with Adam");
    case FATHOM_TEXT_MODEL_GRU:
      return _("GRU, trained with Adam");
    default:
      return "";
    }
}

/* The model's rate (SGD 0.01, Adam 0.001) and what it can run on. */
static void
apply_model (FathomTextLab *self)
{
  FathomTextModel model = selected_model (self);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->model_row), model_description (model));
  gtk_spin_button_set_value (self->lr_spin, model == FATHOM_TEXT_MODEL_RNN_SCRATCH ? 0.01 : 1e-3);
}

static void
model_changed (FathomTextLab *self)
{
  if (!self->updating)
    apply_model (self);
  fathom_worker_panel_update_state (FATHOM_WORKER_PANEL (self));
}

static void
corpus_chosen (gpointer    owner,
               const char *path)
{
  /* the row's subtitle follows in _fathom_text_lab_update_state() */
  fathom_worker_panel_set_input (FATHOM_WORKER_PANEL (owner), path);
}

static void
choose_corpus (FathomTextLab *self)
{
  static const char *const patterns[] = { "*.txt", NULL };

  fathom_file_choice_open (&self->chooser, GTK_WIDGET (self), _("Choose a Text File"),
                           _("Text files"), "text/plain", patterns, corpus_chosen);
}

/* CUDA: asked once, off the main thread (fathom-cuda-probe.h). */
static void
probe_cuda_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(FathomTextLab) self = user_data;
  g_autofree char *reason = fathom_cuda_probe_finish (result);

  if (self->disposed)
    return;
  self->cuda_probed = TRUE;
  g_free (self->cuda_reason);
  self->cuda_reason = g_steal_pointer (&reason);
  if (self->cuda_reason == NULL && self->want_cuda)
    adw_combo_row_set_selected (self->device_row, 1);
  fathom_worker_panel_update_state (FATHOM_WORKER_PANEL (self));
}

static void
probe_cuda (FathomTextLab *self)
{
  fathom_cuda_probe (NULL, probe_cuda_done, g_object_ref (self));
}

/* Why Start cannot run now (newly allocated), or NULL. */
char *
_fathom_text_lab_cannot_start (FathomWorkerPanel *panel)
{
  if (fathom_worker_panel_get_input (panel) == NULL)
    return g_strdup (_("Choose a text file to train on."));
  return NULL;
}

/* Sensitivity, the text file's and the device row's words from the state. */
void
_fathom_text_lab_update_state (FathomWorkerPanel *panel,
                               gboolean           running)
{
  FathomTextLab *self = FATHOM_TEXT_LAB (panel);
  const char *corpus = fathom_worker_panel_get_input (panel);
  gboolean scratch = selected_model (self) == FATHOM_TEXT_MODEL_RNN_SCRATCH;
  GtkWidget *rows[] = {
    GTK_WIDGET (self->corpus_row), GTK_WIDGET (self->model_row), GTK_WIDGET (self->epochs_spin),
    GTK_WIDGET (self->lr_spin), GTK_WIDGET (self->hidden_spin), GTK_WIDGET (self->seed_spin),
    GTK_WIDGET (self->max_spin), GTK_WIDGET (self->valid_spin),
  };
  const char *device_note;
  g_autofree char *cuda_note = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_set_sensitive (rows[i], !running);
  /* rnn-scratch updates per sequence, on the CPU */
  gtk_widget_set_sensitive (GTK_WIDGET (self->batch_spin), !running && !scratch);
  gtk_widget_set_sensitive (GTK_WIDGET (self->device_row),
                            !running && !scratch && self->cuda_probed && self->cuda_reason == NULL);
  if (scratch)
    device_note = _("rnn-scratch is plain C on the CPU");
  else if (!self->cuda_probed)
    device_note = _("Looking for a GPU…");
  else if (self->cuda_reason != NULL)
    device_note = cuda_note = g_strdup_printf (_("CUDA cannot be used: %s"), self->cuda_reason);
  else
    device_note = _("A GPU is available");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->device_row), device_note);
  adw_action_row_set_subtitle (self->corpus_row, corpus != NULL ? corpus : _("None chosen"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "text.sample", self->sample_job != NULL);
}

/* Public API ---------------------------------------------------------------------- */

void
fathom_text_lab_set_config (FathomTextLab          *self,
                            const FathomTextConfig *config)
{
  const char *model;

  g_return_if_fail (FATHOM_IS_TEXT_LAB (self));
  g_return_if_fail (config != NULL);

  model = fathom_text_model_to_string (config->model);
  if (config->corpus_path != NULL)
    fathom_worker_panel_set_input (FATHOM_WORKER_PANEL (self), config->corpus_path);
  /* the model's rate unless config has one */
  self->updating = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (model_names); i++)
    if (g_strcmp0 (model_names[i], model) == 0)
      adw_combo_row_set_selected (self->model_row, i);
  self->updating = FALSE;
  apply_model (self);
  if (config->epochs > 0)
    gtk_spin_button_set_value (self->epochs_spin, config->epochs);
  if (config->batch_size > 0)
    gtk_spin_button_set_value (self->batch_spin, config->batch_size);
  if (config->lr > 0)
    gtk_spin_button_set_value (self->lr_spin, config->lr);
  if (config->hidden > 0)
    gtk_spin_button_set_value (self->hidden_spin, config->hidden);
  gtk_spin_button_set_value (self->seed_spin, (double) config->seed);
  gtk_spin_button_set_value (self->max_spin, (double) config->max_sequences);
  gtk_spin_button_set_value (self->valid_spin, config->valid_fraction);
  /* CUDA only where usable; before the probe ends, once it does */
  self->want_cuda = g_strcmp0 (config->device, "cuda") == 0;
  if (!self->want_cuda || (self->cuda_probed && self->cuda_reason == NULL))
    adw_combo_row_set_selected (self->device_row, self->want_cuda ? 1 : 0);

  /* no rows for these */
  self->extra.embedding = config->embedding;
  self->extra.candidate = config->candidate;
  self->extra.clip = config->clip;
  self->extra.log_every = config->log_every;
  fathom_worker_panel_update_state (FATHOM_WORKER_PANEL (self));
}

void
fathom_text_lab_get_config (FathomTextLab    *self,
                            FathomTextConfig *config)
{
  g_return_if_fail (FATHOM_IS_TEXT_LAB (self));
  g_return_if_fail (config != NULL);

  fathom_text_config_init (config);
  config->model = selected_model (self);
  config->corpus_path = fathom_worker_panel_get_input (FATHOM_WORKER_PANEL (self));
  config->run_dir = fathom_worker_panel_get_run_dir (FATHOM_WORKER_PANEL (self));
  config->device = config->model == FATHOM_TEXT_MODEL_RNN_SCRATCH
                   ? "cpu" : device_names[MIN (adw_combo_row_get_selected (self->device_row), 1)];
  config->epochs = (guint) gtk_spin_button_get_value_as_int (self->epochs_spin);
  config->batch_size = (guint) gtk_spin_button_get_value_as_int (self->batch_spin);
  config->lr = gtk_spin_button_get_value (self->lr_spin);
  config->hidden = (guint) gtk_spin_button_get_value_as_int (self->hidden_spin);
  config->seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  config->max_sequences = (gsize) gtk_spin_button_get_value (self->max_spin);
  config->valid_fraction = gtk_spin_button_get_value (self->valid_spin);
  config->embedding = self->extra.embedding;
  config->candidate = self->extra.candidate;
  config->clip = self->extra.clip;
  config->log_every = self->extra.log_every;
}

/* Building ------------------------------------------------------------------------- */

static GtkSpinButton *
add_spin_row (AdwPreferencesGroup *group,
              const char          *title,
              const char          *subtitle,
              double               lower,
              double               upper,
              double               step,
              guint                digits,
              double               value)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, upper, step);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  _fathom_text_lab_label_widget (spin, title);
  adw_preferences_group_add (group, row);
  return GTK_SPIN_BUTTON (spin);
}

static AdwComboRow *
add_combo_row (AdwPreferencesGroup *group,
               const char          *title,
               const char *const   *names)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) model = gtk_string_list_new (names);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_preferences_group_add (group, row);
  return ADW_COMBO_ROW (row);
}

/* A wrapping, selectable note under the buttons: paths and errors. */
static void
setup_note (GtkLabel *label)
{
  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (label, 0);
  gtk_label_set_selectable (label, TRUE);
}

GtkWidget *
_fathom_text_lab_build_settings (FathomTextLab *self)
{
  const char *const models[] = { model_names[0], model_names[1], model_names[2], NULL };
  const char *const devices[] = { device_names[0], device_names[1], NULL };
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  AdwPreferencesGroup *text = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *model = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *data = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *start = gtk_button_new_with_mnemonic (_("_Start"));
  GtkWidget *stop = gtk_button_new_with_mnemonic (_("S_top"));

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_size_request (scroller, 340, -1);
  g_object_set (box, "margin-top", 12, "margin-bottom", 12, "margin-start", 12, "margin-end", 12, NULL);

  adw_preferences_group_set_title (text, _("Text"));
  self->corpus_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->corpus_row), _("Text file"));
  self->corpus_button = GTK_BUTTON (gtk_button_new_from_icon_name ("document-open-symbolic"));
  gtk_widget_set_valign (GTK_WIDGET (self->corpus_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->corpus_button), _("Choose a Text File"));
  _fathom_text_lab_label_widget (self->corpus_button, _("Choose a text file"));
  adw_action_row_add_suffix (self->corpus_row, GTK_WIDGET (self->corpus_button));
  adw_action_row_set_activatable_widget (self->corpus_row, GTK_WIDGET (self->corpus_button));
  adw_preferences_group_add (text, GTK_WIDGET (self->corpus_row));
  self->max_spin = add_spin_row (text, _("Max sequences"), _("The first windows of 8 characters; 0: all"),
                                 0, 10000000, 1000, 0, 0);
  gtk_spin_button_set_increments (self->max_spin, 1000, 10000);
  self->valid_spin = add_spin_row (text, _("Validation fraction"), _("The last windows, held out"),
                                   0, 0.5, 0.05, 2, 0);

  adw_preferences_group_set_title (model, _("Model"));
  self->model_row = add_combo_row (model, _("Model"), models);
  self->hidden_spin = add_spin_row (model, _("Hidden size"), NULL, 1, 4096, 16, 0, 256);
  self->device_row = add_combo_row (model, _("Device"), devices);

  adw_preferences_group_set_title (data, _("Training"));
  self->epochs_spin = add_spin_row (data, _("Epochs"), NULL, 1, 1000, 1, 0, 1);
  self->batch_spin = add_spin_row (data, _("Batch size"), NULL, 1, 4096, 1, 0, 64);
  self->lr_spin = add_spin_row (data, _("Learning rate"), NULL, 1e-5, 1, 1e-4, 5, 0.01);
  self->seed_spin = add_spin_row (data, _("Seed"), NULL, 0, G_MAXINT32, 1, 0, 0);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (start), "text.start");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (stop), "text.stop");
  gtk_widget_add_css_class (start, "suggested-action");
  gtk_widget_add_css_class (stop, "destructive-action");
  gtk_widget_set_hexpand (start, TRUE);
  gtk_widget_set_hexpand (stop, TRUE);
  gtk_box_append (GTK_BOX (buttons), start);
  gtk_box_append (GTK_BOX (buttons), stop);

  self->hint_label = GTK_LABEL (gtk_label_new (NULL));
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  setup_note (self->hint_label);
  setup_note (self->error_label);
  gtk_widget_add_css_class (GTK_WIDGET (self->hint_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->hint_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (text));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (model));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (data));
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->hint_label));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->error_label));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), box);
  return scroller;
}

/* nietzsche.txt where the shared data folder is named and holds it. */
static char *
default_corpus (void)
{
  const char *shared = g_getenv ("FATHOM_SHARED_DATA");
  g_autofree char *path = NULL;

  if (shared == NULL || *shared == '\0')
    return NULL;
  path = g_build_filename (shared, "nietzsche.txt", NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&path) : NULL;
}

void
_fathom_text_lab_settings_init (FathomTextLab *self)
{
  g_autofree char *corpus = default_corpus ();

  fathom_text_config_init (&self->extra);
  apply_model (self);
  fathom_worker_panel_set_input (FATHOM_WORKER_PANEL (self), corpus);
  g_signal_connect_swapped (self->model_row, "notify::selected", G_CALLBACK (model_changed), self);
  g_signal_connect_swapped (self->corpus_button, "clicked", G_CALLBACK (choose_corpus), self);
  probe_cuda (self);
}
