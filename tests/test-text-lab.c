/* test-text-lab.c: the Text lab under a real (virtual) display, on the
 * first 3000 windows of nietzsche.txt with a small GRU: a two-epoch run
 * whose progress reaches the main thread and whose chart holds one
 * training point per batch, falling; samples of 200 characters from the
 * corpus's alphabet, the newest on top of the text view; temperature 0
 * giving the same text whatever the seed, and the same as a sampler
 * reading the finished run; the text view keeping the newest 50 samples;
 * rnn-scratch and the SimpleRNN sampled at their epoch's end; a run
 * stopped after its first progress, marked "stopped" and sampled; and
 * files that cannot be trained on. The tests share one window and run in
 * order. */
#include "fathom-test-util.h"
#include "fathom-test-ui.h"
#include "fathom-corpus.h"
#include "fathom-run.h"
#include "fathom-text-lab.h"
#include "fathom-worker-panel-job.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#define WAIT_TIMEOUT_MS 60000
#define N_SEQUENCES 3000
#define SAMPLE_LENGTH 200

static char *corpus_path;
static char *work_dir;
static char *runs_dir;

static GtkWidget *window;
static FathomTextLab *lab;

/* What "run-finished" said, and how often. */
#define n_finished fathom_test_ui_finished.n
#define expected_finished fathom_test_ui_finished.expected
#define finished_dir fathom_test_ui_finished.dir
#define finished_ok fathom_test_ui_finished.ok
#define run_has_finished fathom_test_ui_has_finished

#define worker FATHOM_WORKER_PANEL (lab)
#define wait_until(pred, what) fathom_test_ui_wait_until (pred, WAIT_TIMEOUT_MS, what)
#define find_action_button fathom_test_ui_find_action_button
#define assert_ready() fathom_test_ui_assert_ready (GTK_WIDGET (lab), fathom_worker_panel_get_running (worker), "text")

/* ---- helpers ------------------------------------------------------------------ */

static gboolean
progress_arrived (void)
{
  return fathom_worker_panel_get_n_deliveries (worker) > 0 || n_finished >= expected_finished;
}

static gboolean
samples_done (void)
{
  return !fathom_text_lab_get_sampling (lab);
}

static guint expected_samples;

static gboolean
sample_arrived (void)
{
  return fathom_text_lab_get_n_samples (lab) >= expected_samples && !fathom_text_lab_get_sampling (lab);
}

static FathomChartSeries *
series_named (const char *name)
{
  FathomChartData *data = fathom_chart_get_data (fathom_text_lab_get_chart (lab));
  int id = fathom_chart_data_find_series (data, "", name);

  g_assert_cmpint (id, >=, 0);
  return fathom_chart_data_get_series (data, (guint) id);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static char *
buffer_text (void)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (fathom_text_lab_get_text_view (lab));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
configure (const char *corpus,
           guint       epochs,
           double      valid_fraction)
{
  FathomTextConfig config, got;

  fathom_text_config_init (&config);
  config.corpus_path = corpus;
  g_assert_true (fathom_text_model_from_string ("gru", &config.model));
  config.epochs = epochs;
  config.batch_size = 64;
  config.hidden = 64;
  config.seed = 7;
  config.max_sequences = N_SEQUENCES;
  config.valid_fraction = valid_fraction;
  fathom_text_lab_set_config (lab, &config);

  fathom_text_lab_get_config (lab, &got);
  g_assert_cmpstr (got.corpus_path, ==, corpus);
  g_assert_cmpint (got.model, ==, FATHOM_TEXT_MODEL_GRU);
  g_assert_cmpuint (got.epochs, ==, epochs);
  g_assert_cmpuint (got.batch_size, ==, 64);
  g_assert_cmpuint (got.hidden, ==, 64);
  g_assert_cmpfloat_with_epsilon (got.lr, 1e-3, 1e-9);   /* Adam's default */
  g_assert_cmpuint (got.seed, ==, 7);
  g_assert_cmpuint (got.max_sequences, ==, N_SEQUENCES);
  g_assert_cmpfloat_with_epsilon (got.valid_fraction, valid_fraction, 1e-9);
  g_assert_cmpstr (got.device, ==, "cpu");
}

/* Every character of text is in the corpus's vocabulary (not the padding). */
static void
assert_corpus_chars (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomCorpus) corpus = fathom_corpus_new_from_file (corpus_path, &error);

  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  for (const char *c = text; *c; c = g_utf8_next_char (c))
    if (fathom_corpus_char_to_index (corpus, g_utf8_get_char (c)) <= 0)
      g_error ("U+%04X is not in the corpus", g_utf8_get_char (c));
}

/* The newest entry: heading, then the prime and the sample. */
static void
assert_newest_entry (const char *heading_prefix)
{
  g_autofree char *all = buffer_text ();
  const char *sample = fathom_text_lab_get_sample (lab, NULL, NULL);
  const char *body;
  g_autofree char *expected = NULL;

  g_assert_nonnull (sample);
  g_assert_true (g_str_has_prefix (all, heading_prefix));
  body = strchr (all, '\n');
  g_assert_nonnull (body);
  expected = g_strconcat (fathom_text_lab_get_prime (lab), sample, "\n\n", NULL);
  g_assert_true (g_str_has_prefix (body + 1, expected));
}

/* ---- tests -------------------------------------------------------------------- */

static void
test_defaults (void)
{
  g_autoptr(GError) error = NULL;
  FathomTextConfig got;
  g_autofree char *default_runs = g_build_filename (g_get_user_data_dir (), "fathom", "runs", NULL);

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  /* nietzsche.txt from the shared data folder, the lesson's rnn-scratch */
  fathom_text_lab_get_config (lab, &got);
  g_assert_cmpstr (got.corpus_path, ==, corpus_path);
  g_assert_cmpint (got.model, ==, FATHOM_TEXT_MODEL_RNN_SCRATCH);
  g_assert_cmpfloat_with_epsilon (got.lr, 0.01, 1e-9);
  g_assert_cmpuint (got.hidden, ==, 256);
  g_assert_cmpstr (fathom_worker_panel_get_runs_dir (worker), ==, default_runs);
  g_assert_cmpfloat (fathom_text_lab_get_temperature (lab), ==, 1.0);
  g_assert_cmpstr (fathom_text_lab_get_prime (lab), ==, FATHOM_TEXT_DEFAULT_PRIME);
  assert_ready ();

  /* nothing to sample from yet */
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (lab), "text.sample")));
  g_assert_false (fathom_text_lab_sample (lab, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (fathom_text_lab_get_n_samples (lab), ==, 0);

  fathom_worker_panel_set_runs_dir (worker, runs_dir);
  fathom_text_lab_set_sample_length (lab, SAMPLE_LENGTH);
  g_assert_cmpuint (fathom_text_lab_get_sample_length (lab), ==, SAMPLE_LENGTH);
}

static void
test_run (void)
{
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  FathomChartSeries *train;
  FathomTrainProgress last;
  gsize n_train;
  guint n_marks;
  double first, final;

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  configure (corpus_path, 2, 0.1);
  expected_finished = n_finished + 1;
  gtk_widget_activate_action (GTK_WIDGET (lab), "text.start", NULL);
  g_assert_true (fathom_worker_panel_get_running (worker));
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (lab), "text.start")));
  g_assert_true (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (lab), "text.stop")));
  wait_until (run_has_finished, "the two-epoch run");
  wait_until (samples_done, "the samples");

  g_assert_true (finished_ok);
  g_assert_null (fathom_worker_panel_get_error (worker));
  g_assert_null (fathom_text_lab_get_message (lab));
  g_assert_cmpstr (finished_dir, ==, fathom_worker_panel_get_run_dir (worker));
  g_assert_true (g_str_has_prefix (finished_dir, runs_dir));
  base = g_path_get_basename (finished_dir);
  g_assert_true (g_str_has_prefix (base, "text-gru-"));
  g_assert_cmpuint (strlen (base), ==, strlen ("text-gru-YYYYmmdd-HHMMSS"));
  info = fathom_run_info_load (finished_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  assert_ready ();

  /* the progress reached the main thread, the last of it the second epoch's end */
  g_assert_cmpuint (fathom_worker_panel_get_n_deliveries (worker), >, 0);
  g_assert_true (fathom_worker_panel_get_progress (worker, &last));
  g_assert_cmpuint (last.epoch + 1, ==, 2);
  g_assert_cmpuint (last.n_epochs, ==, 2);
  g_assert_true (last.epoch_end);
  g_assert_cmpstr (last.phase, ==, "valid");

  /* one point per training batch (2700 sequences of 64: 43 a epoch), falling */
  train = series_named ("training loss");
  n_train = fathom_chart_series_get_n_points (train);
  first = fathom_chart_series_get_y (train, 0);
  final = fathom_chart_series_get_y (train, n_train - 1);
  g_test_message ("%" G_GSIZE_FORMAT " training points, %" G_GINT64_FORMAT " batches per epoch, "
                  "%u deliveries; loss %.4f -> %.4f nats/char, validation %.4f",
                  n_train, last.n_batches, fathom_worker_panel_get_n_deliveries (worker), first, final, last.loss);
  g_assert_cmpint (last.n_batches, ==, 43);
  g_assert_cmpuint (n_train, ==, 2 * (gsize) last.n_batches);
  g_assert_cmpuint (n_train, ==, (gsize) last.step);
  g_assert_cmpfloat (fathom_chart_series_get_x (train, 0), ==, 1);
  g_assert_cmpfloat (final, <, first);
  /* a uniform guess over nietzsche's 86 symbols is ln 86 = 4.45 nats */
  g_assert_cmpfloat (first, <, 5.0);
  g_assert_cmpfloat (first, >, 3.0);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("validation loss")), ==, 2);
  g_assert_cmpfloat_with_epsilon (fathom_chart_series_get_y (series_named ("validation loss"), 1),
                                  fathom_run_info_get_final (info, "val_loss"), 1e-9);
  fathom_chart_data_get_epoch_marks (fathom_chart_get_data (fathom_text_lab_get_chart (lab)), &n_marks);
  g_assert_cmpuint (n_marks, ==, 2);
}

static void
test_sample (void)
{
  const char *sample;
  guint epoch;
  double temperature;

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  /* one per epoch end, the second epoch's on top (two epoch ends coming
   * in one idle give one sample) */
  g_test_message ("%u samples", fathom_text_lab_get_n_samples (lab));
  g_assert_cmpuint (fathom_text_lab_get_n_samples (lab), >=, 1);
  g_assert_cmpuint (fathom_text_lab_get_n_samples (lab), <=, 2);
  sample = fathom_text_lab_get_sample (lab, &epoch, &temperature);
  g_assert_nonnull (sample);
  g_test_message ("epoch %u, temperature %.2f: %s", epoch, temperature, sample);
  g_assert_cmpuint (epoch, ==, 2);
  g_assert_cmpfloat (temperature, ==, 1.0);
  g_assert_cmpint (g_utf8_strlen (sample, -1), ==, SAMPLE_LENGTH);
  assert_corpus_chars (sample);
  assert_newest_entry ("Epoch 2 · temperature 1.00\n");
  g_assert_true (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (lab), "text.sample")));
}

static void
test_argmax (void)
{
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  g_autofree char *direct = NULL;
  g_autofree char *warm = NULL;
  g_autoptr(FathomTextSampler) sampler = NULL;
  g_autoptr(GError) error = NULL;
  guint n = fathom_text_lab_get_n_samples (lab);
  guint epoch;

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  /* the temperature resamples the last checkpoint (epoch 2's) ... */
  fathom_text_lab_set_temperature (lab, 0.0);
  g_assert_cmpfloat (fathom_text_lab_get_temperature (lab), ==, 0.0);
  expected_samples = n + 1;
  wait_until (sample_arrived, "the argmax sample");
  first = g_strdup (fathom_text_lab_get_sample (lab, &epoch, NULL));
  g_assert_nonnull (first);
  g_assert_cmpuint (epoch, ==, 2);
  g_assert_cmpint (g_utf8_strlen (first, -1), ==, SAMPLE_LENGTH);
  assert_newest_entry ("Epoch 2 · temperature 0 (most likely)\n");

  /* ... and Sample draws with the next seed from the run's final model */
  g_assert_true (fathom_text_lab_sample (lab, &error));
  g_assert_no_error (error);
  expected_samples = n + 2;
  wait_until (sample_arrived, "the second argmax sample");
  again = g_strdup (fathom_text_lab_get_sample (lab, NULL, NULL));
  g_assert_cmpstr (again, ==, first);

  /* the same as a sampler reading the finished run folder */
  sampler = fathom_text_sampler_new (fathom_worker_panel_get_run_dir (worker), &error);
  g_assert_no_error (error);
  direct = fathom_text_sampler_generate (sampler, fathom_text_lab_get_prime (lab), SAMPLE_LENGTH, 0.0, 99, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (direct, ==, first);

  /* at temperature 1 a new seed draws another text */
  fathom_text_lab_set_temperature (lab, 1.0);
  expected_samples = n + 3;
  wait_until (sample_arrived, "the warm sample");
  warm = g_strdup (fathom_text_lab_get_sample (lab, NULL, NULL));
  g_assert_true (fathom_text_lab_sample (lab, NULL));
  expected_samples = n + 4;
  wait_until (sample_arrived, "the next warm sample");
  g_assert_cmpstr (fathom_text_lab_get_sample (lab, NULL, NULL), !=, warm);
  g_assert_cmpstr (warm, !=, first);
  assert_corpus_chars (warm);
}

/* The text view keeps the newest 50 samples. */
static void
test_many (void)
{
  g_autofree char *all = NULL;
  guint n = fathom_text_lab_get_n_samples (lab), headings = 0;

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  /* a new length resamples */
  fathom_text_lab_set_sample_length (lab, 20);
  expected_samples = n + 1;
  wait_until (sample_arrived, "the shorter sample");
  n = fathom_text_lab_get_n_samples (lab);
  g_assert_cmpint (g_utf8_strlen (fathom_text_lab_get_sample (lab, NULL, NULL), -1), ==, 20);
  for (guint i = 1; i <= 53; i++)
    {
      g_assert_true (fathom_text_lab_sample (lab, NULL));
      expected_samples = n + i;
      wait_until (sample_arrived, "a short sample");
    }
  g_assert_cmpuint (fathom_text_lab_get_n_samples (lab), ==, n + 53);
  g_assert_cmpint (g_utf8_strlen (fathom_text_lab_get_sample (lab, NULL, NULL), -1), ==, 20);
  /* one "·" per heading: nietzsche.txt has none */
  all = buffer_text ();
  for (const char *c = all; (c = strstr (c, "·")) != NULL; c += strlen ("·"))
    headings++;
  g_assert_cmpuint (headings, ==, 50);
  assert_newest_entry ("Epoch 2 · temperature 1.00\n");
  fathom_text_lab_set_sample_length (lab, SAMPLE_LENGTH);
  expected_samples = n + 54;
  wait_until (sample_arrived, "the sample at the old length");
}

/* The other two models: rnn-scratch (its own checkpoints, a point per
 * 100 sequences) and the engine's SimpleRNN, each sampled at its epoch's
 * end. */
static void
test_models (void)
{
  const char *const names[] = { "rnn-scratch", "rnn" };

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      FathomTextConfig config;
      const char *sample;
      guint epoch;
      gsize n_points;

      fathom_text_config_init (&config);
      g_assert_true (fathom_text_model_from_string (names[i], &config.model));
      config.hidden = 32;
      config.max_sequences = 600;
      config.seed = 3;
      fathom_text_lab_set_config (lab, &config);
      expected_finished = n_finished + 1;
      gtk_widget_activate_action (GTK_WIDGET (lab), "text.start", NULL);
      wait_until (run_has_finished, names[i]);
      wait_until (samples_done, "its sample");
      g_assert_true (finished_ok);

      n_points = fathom_chart_series_get_n_points (series_named ("training loss"));
      sample = fathom_text_lab_get_sample (lab, &epoch, NULL);
      g_test_message ("%s: %" G_GSIZE_FORMAT " loss points, epoch %u sample: %s", names[i], n_points, epoch, sample);
      g_assert_cmpuint (n_points, ==, i == 0 ? 6 : 10);   /* 600 / 100; ceil (600 / 64) */
      g_assert_nonnull (sample);
      g_assert_cmpuint (epoch, ==, 1);
      g_assert_cmpint (g_utf8_strlen (sample, -1), ==, SAMPLE_LENGTH);
      assert_corpus_chars (sample);
      assert_newest_entry ("Epoch 1 · temperature 1.00\n");
    }
}

static void
test_stop (void)
{
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  FathomTrainProgress last;
  const char *sample;
  gsize n_train;
  guint n = fathom_text_lab_get_n_samples (lab);

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  /* Long enough that the Stop always comes before the end. */
  configure (corpus_path, 100, 0.0);
  expected_finished = n_finished + 1;
  g_assert_true (fathom_worker_panel_start (worker, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_worker_panel_get_n_deliveries (worker), ==, 0);
  g_assert_false (fathom_worker_panel_get_progress (worker, &last));
  wait_until (progress_arrived, "the first progress");
  g_assert_true (fathom_worker_panel_get_running (worker));
  gtk_widget_activate_action (GTK_WIDGET (lab), "text.stop", NULL);
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (lab), "text.stop")));
  wait_until (run_has_finished, "the stopped run");

  g_assert_false (finished_ok);
  g_assert_cmpstr (finished_dir, ==, fathom_worker_panel_get_run_dir (worker));
  g_assert_error ((GError *) fathom_worker_panel_get_error (worker), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (fathom_text_lab_get_message (lab));
  info = fathom_run_info_load (finished_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "stopped");
  g_assert_true (fathom_worker_panel_get_progress (worker, &last));
  n_train = fathom_chart_series_get_n_points (series_named ("training loss"));
  g_test_message ("stopped at epoch %u of %u, step %" G_GINT64_FORMAT ", %" G_GSIZE_FORMAT " points",
                  last.epoch + 1, last.n_epochs, last.step, n_train);
  g_assert_cmpuint (last.n_epochs, ==, 100);
  g_assert_cmpuint (n_train, >=, 1);
  g_assert_cmpuint (n_train, <, 100 * (gsize) last.n_batches);
  assert_ready ();

  /* the weights reached are sampled */
  expected_samples = n + 1;
  wait_until (sample_arrived, "the sample of the stopped run");
  sample = fathom_text_lab_get_sample (lab, NULL, NULL);
  g_assert_nonnull (sample);
  g_assert_cmpint (g_utf8_strlen (sample, -1), ==, SAMPLE_LENGTH);
  assert_newest_entry ("Stopped in epoch ");
}

/* No file, or a file that is not text: a readable error naming it, no run
 * folder, and the lab ready for the next try. */
static void
test_error (void)
{
  g_autofree char *missing = g_build_filename (work_dir, "missing.txt", NULL);
  g_autofree char *binary = g_build_filename (work_dir, "binary.txt", NULL);
  g_autoptr(GError) error = NULL;
  const guchar bad[] = { 'a', 'b', 0xff, 0xfe, 0x00, 'c' };
  guint n_runs = count_entries (runs_dir);

  if (corpus_path == NULL)
    {
      g_test_skip ("nietzsche.txt is not in $FATHOM_SHARED_DATA");
      return;
    }
  configure (missing, 1, 0.0);
  gtk_widget_activate_action (GTK_WIDGET (lab), "text.start", NULL);
  g_assert_false (fathom_worker_panel_get_running (worker));
  g_test_message ("message: %s", fathom_text_lab_get_message (lab));
  g_assert_nonnull (fathom_text_lab_get_message (lab));
  g_assert_nonnull (strstr (fathom_text_lab_get_message (lab), missing));
  g_assert_cmpuint (count_entries (runs_dir), ==, n_runs);
  assert_ready ();

  /* read in the worker, which fails */
  g_assert_true (g_file_set_contents (binary, (const char *) bad, sizeof bad, &error));
  g_assert_no_error (error);
  configure (binary, 1, 0.0);
  expected_finished = n_finished + 1;
  gtk_widget_activate_action (GTK_WIDGET (lab), "text.start", NULL);
  g_assert_true (fathom_worker_panel_get_running (worker));
  wait_until (run_has_finished, "the failed run");
  g_assert_false (finished_ok);
  g_assert_nonnull (fathom_worker_panel_get_error (worker));
  g_assert_false (g_error_matches (fathom_worker_panel_get_error (worker), G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_test_message ("message: %s", fathom_text_lab_get_message (lab));
  g_assert_cmpstr (fathom_text_lab_get_message (lab), ==, fathom_worker_panel_get_error (worker)->message);
  g_assert_nonnull (strstr (fathom_text_lab_get_message (lab), "binary.txt"));
  g_assert_false (g_file_test (finished_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (runs_dir), ==, n_runs);
  assert_ready ();
  g_unlink (binary);
}

int
main (int argc, char **argv)
{
  const char *shared = g_getenv ("FATHOM_SHARED_DATA");
  int status;

  fathom_test_ui_init (&argc, &argv);

  if (shared != NULL)
    {
      corpus_path = g_build_filename (shared, "nietzsche.txt", NULL);
      if (!g_file_test (corpus_path, G_FILE_TEST_IS_REGULAR))
        g_clear_pointer (&corpus_path, g_free);
    }
  work_dir = fathom_test_ui_make_work_dir ("fathom-text-lab-XXXXXX");
  runs_dir = g_build_filename (work_dir, "runs", NULL);

  lab = FATHOM_TEXT_LAB (fathom_text_lab_new ());
  window = fathom_test_ui_present_panel (lab, 1100, 760);

  g_test_add_func ("/text-lab/defaults", test_defaults);
  g_test_add_func ("/text-lab/run", test_run);
  g_test_add_func ("/text-lab/sample", test_sample);
  g_test_add_func ("/text-lab/argmax", test_argmax);
  g_test_add_func ("/text-lab/many", test_many);
  g_test_add_func ("/text-lab/models", test_models);
  g_test_add_func ("/text-lab/stop", test_stop);
  g_test_add_func ("/text-lab/error", test_error);
  status = g_test_run ();

  fathom_test_ui_teardown (window, work_dir);
  g_free (runs_dir);
  g_free (work_dir);
  g_free (corpus_path);
  return status;
}
