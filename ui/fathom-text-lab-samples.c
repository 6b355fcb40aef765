/* fathom-text-lab-samples.c: the Text lab's generated text (see
 * fathom-text-lab.h): the sample controls, the text view, and one
 * FathomTextSampleCall at a time in a worker thread. A request made while
 * one is generated waits in self->pending, the newest replacing an older
 * one, so dragging the temperature costs at most two samples; the sampler
 * of the last checkpoint read is kept for the next call. */
#include "fathom-text-lab-private.h"

#include <math.h>

#include <glib/gi18n.h>

#define DEFAULT_SAMPLE_LENGTH 400
#define MAX_SAMPLE_LENGTH 5000
/* Older samples leave the text view, so that dragging the temperature
 * for a long time does not grow it without end. */
#define MAX_ENTRIES 50

static void
notify_sampling (FathomTextLab *self)
{
  g_object_notify (G_OBJECT (self), "sampling");
}

/* Sampling ---------------------------------------------------------------------- */

static void
set_sample_status (FathomTextLab *self,
                   const char    *text)
{
  gtk_label_set_text (self->sample_label, text != NULL ? text : "");
}

static void
tag_range (GtkTextBuffer *buffer,
           const char    *tag,
           int            start,
           int            end)
{
  GtkTextIter from, to;

  gtk_text_buffer_get_iter_at_offset (buffer, &from, start);
  gtk_text_buffer_get_iter_at_offset (buffer, &to, end);
  gtk_text_buffer_apply_tag_by_name (buffer, tag, &from, &to);
}

/* The newest entry goes on top: a heading, then the prime and what the
 * model wrote after it (or why it could not). Text inserted next to a
 * tagged range may take its tags: the entry goes in plain, then gets its
 * own. */
static void
prepend_entry (FathomTextLab *self,
               const char    *heading,
               const char    *prime,
               const char    *text,
               const char    *error)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  g_autofree char *entry = NULL;
  int n_heading = (int) g_utf8_strlen (heading, -1) + 1;
  int n_prime = error != NULL ? 0 : (int) g_utf8_strlen (prime, -1);
  int n_body = (int) g_utf8_strlen (error != NULL ? error : text, -1);
  GtkTextIter start, iter;

  entry = error != NULL ? g_strconcat (heading, "\n", error, "\n\n", NULL)
                        : g_strconcat (heading, "\n", prime, text, "\n\n", NULL);
  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_buffer_insert (buffer, &iter, entry, -1);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_remove_all_tags (buffer, &start, &iter);
  tag_range (buffer, "heading", 0, n_heading);
  if (error != NULL)
    tag_range (buffer, "error", n_heading, n_heading + n_body);
  else
    tag_range (buffer, "prime", n_heading, n_heading + n_prime);

  /* A mark where each entry ends; insertions above move it along. */
  g_queue_push_head (self->entry_ends, gtk_text_buffer_create_mark (buffer, NULL, &iter, TRUE));
  if (self->entry_ends->length > MAX_ENTRIES)
    {
      GtkTextIter end;

      gtk_text_buffer_get_iter_at_mark (buffer, &iter, g_queue_peek_nth (self->entry_ends, MAX_ENTRIES - 1));
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_delete (buffer, &iter, &end);
      while (self->entry_ends->length > MAX_ENTRIES)
        gtk_text_buffer_delete_mark (buffer, g_queue_pop_tail (self->entry_ends));
    }
  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_view_scroll_to_iter (self->text_view, &iter, 0.0, FALSE, 0.0, 0.0);
}

static void sample_done (GObject *object, GAsyncResult *result, gpointer user_data);

/* Starts the waiting call unless one is in flight; it takes the kept
 * sampler along and brings it back. */
static void
pump_samples (FathomTextLab *self)
{
  FathomTextSampleCall *call;

  if (self->in_flight || self->pending == NULL)
    return;
  call = g_steal_pointer (&self->pending);
  call->sampler = g_steal_pointer (&self->sampler);
  call->sampler_key = g_steal_pointer (&self->sampler_key);
  self->in_flight = TRUE;
  set_sample_status (self, _("Writing…"));
  fathom_text_sample_call_run_async (call, sample_done, g_object_ref (self));
}

static void
sample_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FathomTextLab) self = user_data;
  g_autoptr(GError) error = NULL;
  FathomTextSampleCall *call = NULL;
  gboolean ok = fathom_text_sample_call_run_finish (result, &call, &error);

  self->in_flight = FALSE;
  if (self->disposed)
    return;
  self->sampler = g_steal_pointer (&call->sampler);
  self->sampler_key = g_steal_pointer (&call->sampler_key);

  self->n_samples++;
  g_clear_pointer (&self->sample_text, g_free);
  if (ok)
    {
      g_autofree char *took = g_strdup_printf (_("%u characters in %.2f s"), call->length, call->seconds);

      self->sample_text = g_steal_pointer (&call->text);
      self->sample_epoch = call->shown_epoch;
      self->sample_temperature = call->temperature;
      prepend_entry (self, call->heading, call->prime, self->sample_text, NULL);
      set_sample_status (self, took);
    }
  else
    {
      prepend_entry (self, call->heading, NULL, NULL, error->message);
      set_sample_status (self, _("The last sample failed"));
    }
  pump_samples (self);
  g_signal_emit_by_name (self, "sample-added");
  notify_sampling (self);
}

/* A sample of the sample job's checkpoint epoch (0: model.safetensors)
 * with the current settings; it replaces one still waiting. */
static void
request_sample (FathomTextLab *self,
                guint          epoch,
                guint          shown_epoch)
{
  FathomTextLabJob *job = self->sample_job;
  double temperature = fathom_text_lab_get_temperature (self);
  FathomTextSampleCall *call;
  g_autofree char *when = NULL;
  g_autofree char *how = NULL;

  g_return_if_fail (job != NULL);

  call = fathom_text_sample_call_new ();
  call->run_dir = g_strdup (job->parent.run_dir);
  call->epoch = epoch;
  call->prime = g_strdup (fathom_text_lab_get_prime (self));
  call->length = fathom_text_lab_get_sample_length (self);
  call->temperature = temperature;
  call->seed = self->sample_seed;
  call->shown_epoch = shown_epoch;
  when = epoch == 0 && job->stopped ? g_strdup_printf (_("Stopped in epoch %u"), shown_epoch)
                                    : g_strdup_printf (_("Epoch %u"), shown_epoch);
  how = temperature > 0 ? g_strdup_printf (_("temperature %.2f"), temperature)
                        : g_strdup (_("temperature 0 (most likely)"));
  call->heading = g_strdup_printf ("%s · %s", when, how);

  self->has_source = TRUE;
  self->source_epoch = epoch;
  self->source_shown = shown_epoch;
  self->wait_checkpoint = FALSE;
  g_clear_pointer (&self->pending, fathom_text_sample_call_free);
  self->pending = call;
  pump_samples (self);
  notify_sampling (self);
}

/* The newest checkpoint of the sample job: model.safetensors once the run
 * ended, else its last epoch's; FALSE while it has none. */
static gboolean
newest_checkpoint (FathomTextLab *self,
                   guint         *epoch,
                   guint         *shown_epoch)
{
  FathomTextLabJob *job = self->sample_job;

  if (job == NULL)
    return FALSE;
  if (job->has_model)
    {
      *epoch = 0;
      *shown_epoch = job->stopped ? MAX (job->last_epoch, 1) : job->epochs_done;
      return TRUE;
    }
  if (job->epochs_done > 0)
    {
      *epoch = *shown_epoch = job->epochs_done;
      return TRUE;
    }
  return FALSE;
}

void
_fathom_text_lab_sample_epoch_end (FathomTextLab    *self,
                                   FathomTextLabJob *job)
{
  if (job == self->sample_job)
    request_sample (self, job->epochs_done, job->epochs_done);
}

/* Temperature, prime or length changed: the same checkpoint and seed
 * again. */
static void
resample (FathomTextLab *self)
{
  if (self->updating || !self->has_source || self->sample_job == NULL)
    return;
  request_sample (self, self->source_epoch, self->source_shown);
}

/* A stopped run's weights are worth a look; a finished one's last epoch
 * was sampled at its end. */
void
_fathom_text_lab_sample_run_end (FathomTextLab    *self,
                                 FathomTextLabJob *job,
                                 gboolean          ok)
{
  g_autofree char *model = g_build_filename (job->parent.run_dir, FATHOM_TEXT_MODEL_FILE, NULL);

  job->has_model = (ok || job->stopped) && g_file_test (model, G_FILE_TEST_IS_REGULAR);
  if (job != self->sample_job)
    return;
  if (job->stopped && job->has_model)
    request_sample (self, 0, MAX (job->last_epoch, 1));
  else if (self->wait_checkpoint && job->epochs_done == 0 && !job->has_model)
    {
      self->wait_checkpoint = FALSE;
      set_sample_status (self, _("The run left no checkpoint to sample from"));
      notify_sampling (self);
    }
}

void
_fathom_text_lab_samples_start (FathomTextLab    *self,
                                FathomTextLabJob *job)
{
  g_clear_pointer (&self->sample_job, fathom_worker_job_unref);
  self->sample_job = fathom_worker_job_ref (job);
  g_clear_pointer (&self->pending, fathom_text_sample_call_free);
  self->has_source = FALSE;
  self->wait_checkpoint = FALSE;
  self->sample_seed = job->config.seed;
  set_sample_status (self, _("A sample comes at the end of each epoch"));
  notify_sampling (self);
}

/* A call in flight finds the lab disposed and drops its result. */
void
_fathom_text_lab_samples_dispose (FathomTextLab *self)
{
  g_clear_pointer (&self->sample_job, fathom_worker_job_unref);
  g_clear_pointer (&self->pending, fathom_text_sample_call_free);
  g_clear_pointer (&self->sampler, fathom_text_sampler_free);
  g_clear_pointer (&self->sampler_key, g_free);
}

void
_fathom_text_lab_samples_finalize (FathomTextLab *self)
{
  g_free (self->sample_text);
  /* the marks are the buffer's */
  g_queue_free (self->entry_ends);
}

/* Public API ---------------------------------------------------------------------- */

gboolean
fathom_text_lab_sample (FathomTextLab  *self,
                        GError        **error)
{
  guint epoch, shown;

  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), FALSE);

  if (self->sample_job == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Train a model first: samples come from a run's checkpoints"));
      return FALSE;
    }
  self->sample_seed++;
  if (newest_checkpoint (self, &epoch, &shown))
    {
      request_sample (self, epoch, shown);
      return TRUE;
    }
  if (fathom_worker_panel_get_job (FATHOM_WORKER_PANEL (self)) == &self->sample_job->parent)
    {
      /* the first epoch's end samples anyway */
      self->wait_checkpoint = TRUE;
      set_sample_status (self, _("A sample comes when the first epoch's checkpoint is written"));
      notify_sampling (self);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("The last run left no checkpoint to sample from"));
  return FALSE;
}

void
fathom_text_lab_set_temperature (FathomTextLab *self,
                                 double         temperature)
{
  g_return_if_fail (FATHOM_IS_TEXT_LAB (self));

  temperature = CLAMP (temperature, 0.0, 2.0);
  if (temperature == fathom_text_lab_get_temperature (self))
    return;
  /* one resample for both controls */
  self->updating = TRUE;
  gtk_check_button_set_active (self->argmax_check, temperature <= 0);
  if (temperature > 0)
    gtk_range_set_value (GTK_RANGE (self->temperature_scale), MAX (temperature, 0.1));
  self->updating = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->temperature_scale), temperature > 0);
  resample (self);
}

double
fathom_text_lab_get_temperature (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), 1.0);

  if (gtk_check_button_get_active (self->argmax_check))
    return 0.0;
  return gtk_range_get_value (GTK_RANGE (self->temperature_scale));
}

void
fathom_text_lab_set_prime (FathomTextLab *self,
                           const char    *prime)
{
  g_return_if_fail (FATHOM_IS_TEXT_LAB (self));

  gtk_editable_set_text (GTK_EDITABLE (self->prime_entry), prime != NULL ? prime : FATHOM_TEXT_DEFAULT_PRIME);
}

const char *
fathom_text_lab_get_prime (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->prime_entry));
}

void
fathom_text_lab_set_sample_length (FathomTextLab *self,
                                   guint          length)
{
  g_return_if_fail (FATHOM_IS_TEXT_LAB (self));
  gtk_spin_button_set_value (self->length_spin, CLAMP (length, 1, MAX_SAMPLE_LENGTH));
}

guint
fathom_text_lab_get_sample_length (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), 0);
  return (guint) gtk_spin_button_get_value_as_int (self->length_spin);
}

gboolean
fathom_text_lab_get_sampling (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), FALSE);
  return self->in_flight || self->pending != NULL || self->wait_checkpoint;
}

guint
fathom_text_lab_get_n_samples (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), 0);
  return self->n_samples;
}

const char *
fathom_text_lab_get_sample (FathomTextLab *self,
                            guint         *epoch,
                            double        *temperature)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);

  if (epoch != NULL)
    *epoch = self->sample_text != NULL ? self->sample_epoch : 0;
  if (temperature != NULL)
    *temperature = self->sample_text != NULL ? self->sample_temperature : NAN;
  return self->sample_text;
}

GtkTextView *
fathom_text_lab_get_text_view (FathomTextLab *self)
{
  g_return_val_if_fail (FATHOM_IS_TEXT_LAB (self), NULL);
  return self->text_view;
}

/* Building ------------------------------------------------------------------------ */

static void
on_temperature_changed (FathomTextLab *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->temperature_scale),
                            !gtk_check_button_get_active (self->argmax_check));
  resample (self);
}

/* Three short rows, so that the lab fits beside the window's sidebar:
 * temperature and argmax; the prime; the length and Sample. */
static GtkWidget *
build_sample_controls (FathomTextLab *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *rows[3];
  GtkWidget *temperature = gtk_label_new_with_mnemonic (_("Te_mperature"));
  GtkWidget *length = gtk_label_new_with_mnemonic (_("_Characters"));
  GtkWidget *prime = gtk_label_new_with_mnemonic (_("_Prime"));
  GtkWidget *sample = gtk_button_new_with_mnemonic (_("S_ample"));

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      rows[i] = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_box_append (GTK_BOX (box), rows[i]);
    }

  self->temperature_scale = GTK_SCALE (gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0.1, 2.0, 0.05));
  gtk_range_set_value (GTK_RANGE (self->temperature_scale), 1.0);
  gtk_scale_set_digits (self->temperature_scale, 2);
  gtk_scale_set_draw_value (self->temperature_scale, TRUE);
  gtk_scale_set_value_pos (self->temperature_scale, GTK_POS_RIGHT);
  gtk_scale_add_mark (self->temperature_scale, 1.0, GTK_POS_BOTTOM, NULL);
  gtk_widget_set_hexpand (GTK_WIDGET (self->temperature_scale), TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (temperature), GTK_WIDGET (self->temperature_scale));
  _fathom_text_lab_label_widget (self->temperature_scale, _("Temperature"));

  self->argmax_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (_("Most _likely")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->argmax_check),
                               _("Temperature 0: always the most likely next character"));

  self->prime_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_text (GTK_EDITABLE (self->prime_entry), FATHOM_TEXT_DEFAULT_PRIME);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->prime_entry), 12);
  gtk_widget_set_hexpand (GTK_WIDGET (self->prime_entry), TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (prime), GTK_WIDGET (self->prime_entry));
  _fathom_text_lab_label_widget (self->prime_entry, _("Prime text"));

  self->length_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, MAX_SAMPLE_LENGTH, 50));
  gtk_spin_button_set_value (self->length_spin, DEFAULT_SAMPLE_LENGTH);
  gtk_label_set_mnemonic_widget (GTK_LABEL (length), GTK_WIDGET (self->length_spin));
  _fathom_text_lab_label_widget (self->length_spin, _("Characters to generate"));

  gtk_actionable_set_action_name (GTK_ACTIONABLE (sample), "text.sample");
  gtk_widget_set_tooltip_text (sample, _("Generate from the latest checkpoint with a new seed"));
  gtk_widget_set_hexpand (sample, TRUE);
  gtk_widget_set_halign (sample, GTK_ALIGN_END);

  gtk_box_append (GTK_BOX (rows[0]), temperature);
  gtk_box_append (GTK_BOX (rows[0]), GTK_WIDGET (self->temperature_scale));
  gtk_box_append (GTK_BOX (rows[0]), GTK_WIDGET (self->argmax_check));
  gtk_box_append (GTK_BOX (rows[1]), prime);
  gtk_box_append (GTK_BOX (rows[1]), GTK_WIDGET (self->prime_entry));
  gtk_box_append (GTK_BOX (rows[2]), length);
  gtk_box_append (GTK_BOX (rows[2]), GTK_WIDGET (self->length_spin));
  gtk_box_append (GTK_BOX (rows[2]), sample);

  g_signal_connect_swapped (self->temperature_scale, "value-changed", G_CALLBACK (on_temperature_changed), self);
  g_signal_connect_swapped (self->argmax_check, "toggled", G_CALLBACK (on_temperature_changed), self);
  /* a new prime shows on Enter, not on every keystroke */
  g_signal_connect_swapped (self->prime_entry, "activate", G_CALLBACK (resample), self);
  g_signal_connect_swapped (self->length_spin, "value-changed", G_CALLBACK (resample), self);
  return box;
}

GtkWidget *
_fathom_text_lab_build_samples (FathomTextLab *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkTextBuffer *buffer;

  self->sample_label = GTK_LABEL (gtk_label_new (_("Samples come at the end of each epoch")));
  gtk_label_set_xalign (self->sample_label, 0);
  gtk_label_set_ellipsize (self->sample_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->sample_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->sample_label), "caption");

  self->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_editable (self->text_view, FALSE);
  gtk_text_view_set_cursor_visible (self->text_view, FALSE);
  gtk_text_view_set_monospace (self->text_view, TRUE);
  gtk_text_view_set_wrap_mode (self->text_view, GTK_WRAP_WORD_CHAR);
  g_object_set (self->text_view, "left-margin", 8, "right-margin", 8, "top-margin", 8, "bottom-margin", 8, NULL);
  _fathom_text_lab_label_widget (self->text_view, _("Generated text, newest first"));
  buffer = gtk_text_view_get_buffer (self->text_view);
  self->entry_ends = g_queue_new ();
  gtk_text_buffer_create_tag (buffer, "heading", "weight", PANGO_WEIGHT_BOLD, "pixels-below-lines", 4, NULL);
  gtk_text_buffer_create_tag (buffer, "prime", "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, "error", "foreground", "#c01c28", NULL);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->text_view));
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_widget_set_size_request (scroller, -1, 160);
  gtk_widget_add_css_class (scroller, "card");

  gtk_box_append (GTK_BOX (box), build_sample_controls (self));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sample_label));
  gtk_box_append (GTK_BOX (box), scroller);
  return box;
}
