/* test-leakage-panel.c: the leakage panel under a real (virtual) display,
 * on a small synthetic dataset: the sentence read from hand-made rows; a
 * whole study whose table holds the six rows of its leakage.json as
 * formatted, the image size beating its majority rate on the random
 * split, progress delivered through the main thread; a study stopped
 * after its first progress, its folder marked "stopped" and the panel
 * ready again; and a folder that is no dataset, a readable error. The
 * tests share one window and run in order. */
#include "fathom-test-util.h"
#include "fathom-test-ui.h"
#include "fathom-fishsim.h"
#include "fathom-run.h"
#include "fathom-leakage-panel-config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#define WAIT_TIMEOUT_MS 120000

static char *work_dir;
static char *data_dir;
static char *cache_dir;
static char *runs_dir;

static GtkWidget *window;
static FathomLeakagePanel *panel;

/* What "run-finished" said, and how often. */
#define n_finished fathom_test_ui_finished.n
#define expected_finished fathom_test_ui_finished.expected
#define finished_dir fathom_test_ui_finished.dir
#define finished_ok fathom_test_ui_finished.ok
#define study_has_finished fathom_test_ui_has_finished

#define worker FATHOM_WORKER_PANEL (panel)
#define wait_until(pred, what) fathom_test_ui_wait_until (pred, WAIT_TIMEOUT_MS, what)
#define find_action_button fathom_test_ui_find_action_button
#define assert_ready() fathom_test_ui_assert_ready (GTK_WIDGET (panel), fathom_worker_panel_get_running (worker), "leakage")

/* ---- helpers ----------------------------------------------------------------- */

static gboolean
progress_arrived (void)
{
  return fathom_worker_panel_get_n_deliveries (worker) > 0 || n_finished >= expected_finished;
}

/* The text of the table's cell, or NULL. */
static const char *
cell (guint column,
      guint row)
{
  GtkWidget *label = gtk_grid_get_child_at (fathom_leakage_panel_get_table (panel), (int) column, (int) row);

  return label != NULL ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

static guint
count_table_rows (void)
{
  guint n = 0;

  while (cell (FATHOM_LEAKAGE_COLUMN_SPLIT, n) != NULL)
    n++;
  return n;
}

static void
assert_number_cell (guint       column,
                    guint       row,
                    JsonObject *object,
                    const char *member)
{
  g_autofree char *want = g_strdup_printf ("%.3f", json_object_get_double_member (object, member));

  g_assert_cmpstr (cell (column, row), ==, want);
}

static char *
run_status (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunInfo) info = fathom_run_info_load (dir, &error);

  g_assert_no_error (error);
  return g_strdup (fathom_run_info_get_status (info));
}

/* The settings test_leak (test-experiments.c) makes the leak show with. */
static void
configure (void)
{
  FathomExperimentConfig config, got;

  fathom_experiment_config_init (&config);
  config.epochs = 15;
  config.seed = 5;
  config.cache_dir = cache_dir;
  config.mini_epochs = 1;
  config.mini_corpus = 0;
  config.width = 48;            /* 6x6 features */
  config.height = 48;
  config.n_threads = 2;
  config.valid_fraction = 0.3;
  config.experiment = "bbox";   /* the study's own: ignored */
  fathom_leakage_panel_set_config (panel, &config);

  fathom_leakage_panel_get_config (panel, &got);
  g_assert_null (got.experiment);
  g_assert_cmpuint (got.epochs, ==, 15);
  g_assert_cmpuint (got.seed, ==, 5);
  g_assert_cmpstr (got.cache_dir, ==, cache_dir);
  g_assert_true (got.cache_dir != cache_dir);   /* a copy */
  g_assert_cmpint (got.width, ==, 48);
  g_assert_cmpuint (got.mini_epochs, ==, 1);
  g_assert_cmpint (got.mini_corpus, ==, 0);
  g_assert_cmpfloat (got.valid_fraction, ==, 0.3);
  g_assert_cmpstr (got.device, ==, "cpu");
  g_assert_cmpstr (got.data_dir, ==, fathom_worker_panel_get_input (worker));
}

/* ---- tests ------------------------------------------------------------------- */

static void
test_describe (void)
{
  FathomLeakageRow rows[FATHOM_LEAKAGE_N_ROWS] = {
    { "random", "leak-size-only", 0.70, 1.1, 0.46, 84, 36 },
    { "random", "dense-head", 0.50, 1.4, 0.46, 84, 36 },
    { "random", "multi-input", 0.72, 0.9, 0.46, 84, 36 },
    { "by-size", "leak-size-only", 0.30, 2.0, 0.32, 80, 40 },
    { "by-size", "dense-head", 0.40, 1.6, 0.32, 80, 40 },
    { "by-size", "multi-input", 0.35, 1.8, 0.32, 80, 40 },
  };
  g_autofree char *text = fathom_leakage_panel_describe (rows);
  g_autofree char *flipped = NULL;
  g_autofree char *none = NULL;

  g_assert_cmpstr (text, ==, "On the random split the image size alone gets 0.70 against a majority rate of "
                   "0.46: the size gives the boat away. Grouped by size it gets 0.30 (majority 0.32): "
                   "no better than guessing.");
  /* the verdicts follow the numbers */
  rows[0].accuracy = 0.48;
  rows[3].accuracy = 0.45;
  flipped = fathom_leakage_panel_describe (rows);
  g_assert_cmpstr (flipped, ==, "On the random split the image size alone gets 0.48 against a majority rate of "
                   "0.46: the size tells little here. Grouped by size it gets 0.45 (majority 0.32): "
                   "the size still says something about boats it never saw.");
  rows[0].accuracy = rows[3].accuracy = NAN;
  none = fathom_leakage_panel_describe (rows);
  g_assert_cmpstr (none, ==, "The study has no size-only results to read.");
}

static void
test_no_dataset (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkWidget) fresh = g_object_ref_sink (fathom_leakage_panel_new ());
  g_autofree char *default_runs = g_build_filename (g_get_user_data_dir (), "fathom", "runs", NULL);

  g_assert_cmpstr (fathom_worker_panel_get_runs_dir (FATHOM_WORKER_PANEL (fresh)), ==, default_runs);

  fathom_worker_panel_set_input (worker, NULL);
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (panel), "leakage.start")));
  g_assert_false (fathom_worker_panel_start (worker, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_false (fathom_worker_panel_get_running (worker));

  fathom_worker_panel_set_input (worker, data_dir);
  fathom_worker_panel_set_runs_dir (worker, runs_dir);
  g_assert_cmpstr (fathom_worker_panel_get_runs_dir (worker), ==, runs_dir);
  g_assert_cmpstr (fathom_worker_panel_get_input (worker), ==, data_dir);
  configure ();
  assert_ready ();
  g_assert_cmpuint (count_table_rows (), ==, 0);

  /* names for assistive technologies */
  gtk_test_accessible_assert_property (find_action_button (GTK_WIDGET (panel), "leakage.start"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Run Leakage Study");
  gtk_test_accessible_assert_property (find_action_button (GTK_WIDGET (panel), "leakage.stop"),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Stop the leakage study");
  gtk_test_accessible_assert_property (panel, GTK_ACCESSIBLE_PROPERTY_LABEL, "Leakage study");
}

static void
test_study (void)
{
  g_autofree char *json_path = NULL;
  g_autofree char *base = NULL;
  g_autofree char *status = NULL;
  g_autofree char *sentence = NULL;
  g_autofree char *random_acc = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  FathomLeakageRow rows[FATHOM_LEAKAGE_N_ROWS];
  FathomTrainProgress last;
  JsonArray *json_rows;
  gint64 started = g_get_monotonic_time ();

  expected_finished = n_finished + 1;
  gtk_widget_activate_action (GTK_WIDGET (panel), "leakage.start", NULL);
  g_assert_true (fathom_worker_panel_get_running (worker));
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (panel), "leakage.start")));
  g_assert_true (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (panel), "leakage.stop")));
  wait_until (study_has_finished, "the leakage study");

  g_assert_true (finished_ok);
  g_assert_null (fathom_worker_panel_get_error (worker));
  g_assert_cmpstr (finished_dir, ==, fathom_worker_panel_get_run_dir (worker));
  base = g_path_get_basename (finished_dir);
  g_assert_true (g_str_has_prefix (base, "leakage-"));
  g_assert_cmpuint (strlen (base), ==, strlen ("leakage-YYYYmmdd-HHMMSS"));
  g_assert_true (g_str_has_prefix (finished_dir, runs_dir));
  status = run_status (finished_dir);
  g_assert_cmpstr (status, ==, "finished");
  assert_ready ();

  /* the progress reached the main thread; the last of it the last model's */
  g_assert_cmpuint (fathom_worker_panel_get_n_deliveries (worker), >, 0);
  g_assert_true (fathom_worker_panel_get_progress (worker, &last));
  g_assert_true (g_str_has_prefix (last.phase, "by-size-multi-input "));
  g_assert_null (last.output_losses);

  /* the table is leakage.json, row by row, as formatted */
  json_path = g_build_filename (finished_dir, "leakage.json", NULL);
  json_parser_load_from_file (parser, json_path, &error);
  g_assert_no_error (error);
  json_rows = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "rows");
  g_assert_cmpuint (json_array_get_length (json_rows), ==, FATHOM_LEAKAGE_N_ROWS);
  g_assert_cmpuint (count_table_rows (), ==, 1 + FATHOM_LEAKAGE_N_ROWS);
  g_assert_cmpstr (cell (FATHOM_LEAKAGE_COLUMN_ACCURACY, 0), ==, "Accuracy");
  g_assert_true (fathom_leakage_panel_get_rows (panel, rows));
  for (guint i = 0; i < FATHOM_LEAKAGE_N_ROWS; i++)
    {
      JsonObject *o = json_array_get_object_element (json_rows, i);

      g_test_message ("%-8s %-15s accuracy %s  log-loss %s  majority %s",
                      cell (FATHOM_LEAKAGE_COLUMN_SPLIT, i + 1), cell (FATHOM_LEAKAGE_COLUMN_MODEL, i + 1),
                      cell (FATHOM_LEAKAGE_COLUMN_ACCURACY, i + 1), cell (FATHOM_LEAKAGE_COLUMN_LOG_LOSS, i + 1),
                      cell (FATHOM_LEAKAGE_COLUMN_MAJORITY, i + 1));
      g_assert_cmpstr (cell (FATHOM_LEAKAGE_COLUMN_SPLIT, i + 1), ==, json_object_get_string_member (o, "split"));
      g_assert_cmpstr (cell (FATHOM_LEAKAGE_COLUMN_MODEL, i + 1), ==, json_object_get_string_member (o, "model"));
      assert_number_cell (FATHOM_LEAKAGE_COLUMN_ACCURACY, i + 1, o, "accuracy");
      assert_number_cell (FATHOM_LEAKAGE_COLUMN_LOG_LOSS, i + 1, o, "log_loss");
      assert_number_cell (FATHOM_LEAKAGE_COLUMN_MAJORITY, i + 1, o, "majority_rate");
      /* the panel's own rows are the study's, to the bit */
      g_assert_cmpfloat (rows[i].accuracy, ==, json_object_get_double_member (o, "accuracy"));
      g_assert_cmpfloat (rows[i].majority_rate, ==, json_object_get_double_member (o, "majority_rate"));
      g_assert_cmpfloat (rows[i].accuracy, >=, 0.0);
      g_assert_cmpfloat (rows[i].accuracy, <=, 1.0);
    }
  g_test_message ("%u deliveries, %.1f s", fathom_worker_panel_get_n_deliveries (worker),
                  (g_get_monotonic_time () - started) / 1e6);

  /* the image size alone gives the boat away on the random split */
  g_assert_cmpstr (rows[0].split, ==, "random");
  g_assert_cmpstr (rows[0].model, ==, "leak-size-only");
  g_assert_cmpfloat (rows[0].accuracy, >, rows[0].majority_rate);

  /* and the sentence says so, with the table's numbers */
  sentence = fathom_leakage_panel_describe (rows);
  g_test_message ("%s", sentence);
  g_assert_cmpstr (gtk_label_get_text (fathom_leakage_panel_get_summary (panel)), ==, sentence);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (fathom_leakage_panel_get_summary (panel))));
  random_acc = g_strdup_printf ("alone gets %.2f against a majority rate of %.2f", rows[0].accuracy,
                                rows[0].majority_rate);
  g_assert_nonnull (strstr (sentence, random_acc));
}

static void
test_stop (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  FathomTrainProgress last;
  FathomLeakageRow rows[FATHOM_LEAKAGE_N_ROWS];

  expected_finished = n_finished + 1;
  g_assert_true (fathom_worker_panel_start (worker, &error));
  g_assert_no_error (error);
  /* a new study shows nothing of the last */
  g_assert_cmpuint (fathom_worker_panel_get_n_deliveries (worker), ==, 0);
  g_assert_false (fathom_worker_panel_get_progress (worker, &last));
  g_assert_false (fathom_leakage_panel_get_rows (panel, rows));
  g_assert_cmpuint (count_table_rows (), ==, 0);
  wait_until (progress_arrived, "the first progress");
  g_assert_true (fathom_worker_panel_get_running (worker));
  gtk_widget_activate_action (GTK_WIDGET (panel), "leakage.stop", NULL);
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (panel), "leakage.stop")));
  wait_until (study_has_finished, "the stopped study");

  g_assert_false (finished_ok);
  g_assert_cmpstr (finished_dir, ==, fathom_worker_panel_get_run_dir (worker));
  g_assert_error ((GError *) fathom_worker_panel_get_error (worker), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (fathom_leakage_panel_get_status (panel)), "Stopped"));
  status = run_status (finished_dir);
  g_test_message ("stopped after %u deliveries; run.json says %s", fathom_worker_panel_get_n_deliveries (worker),
                  status);
  g_assert_cmpstr (status, !=, "running");
  g_assert_cmpstr (status, ==, "stopped");
  g_assert_cmpuint (count_table_rows (), ==, 0);
  assert_ready ();
}

/* A folder that is no dataset: a readable error, and the panel ready for
 * the next try. */
static void
test_error (void)
{
  g_autofree char *empty = g_build_filename (work_dir, "empty", NULL);
  const GError *error;
  GtkWidget *error_label;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  fathom_worker_panel_set_input (worker, empty);
  expected_finished = n_finished + 1;
  gtk_widget_activate_action (GTK_WIDGET (panel), "leakage.start", NULL);
  wait_until (study_has_finished, "the failed study");

  g_assert_false (finished_ok);
  error = fathom_worker_panel_get_error (worker);
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_test_message ("error: %s", error->message);
  g_assert_cmpuint (strlen (error->message), >, 10);
  /* shown as it is, under the status */
  error_label = gtk_widget_get_next_sibling (GTK_WIDGET (fathom_leakage_panel_get_status (panel)));
  g_assert_true (GTK_IS_LABEL (error_label));
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (error_label)), ==, error->message);
  assert_ready ();
  fathom_worker_panel_set_input (worker, data_dir);
  fathom_test_remove_tree (empty);
}

int
main (int argc, char **argv)
{
  int status;

  fathom_test_ui_init (&argc, &argv);

  work_dir = fathom_test_ui_make_work_dir ("fathom-leakage-panel-XXXXXX");
  data_dir = g_build_filename (work_dir, "data", NULL);
  cache_dir = g_build_filename (work_dir, "cache", NULL);
  runs_dir = g_build_filename (work_dir, "runs", NULL);
  /* small photos; sizes stay distinct */
  fathom_test_ui_make_fishsim (data_dir, 120, 0.15, 11);

  panel = FATHOM_LEAKAGE_PANEL (fathom_leakage_panel_new ());
  window = fathom_test_ui_present_panel (panel, 900, 700);

  g_test_add_func ("/leakage-panel/describe", test_describe);
  g_test_add_func ("/leakage-panel/no-dataset", test_no_dataset);
  g_test_add_func ("/leakage-panel/study", test_study);
  g_test_add_func ("/leakage-panel/stop", test_stop);
  g_test_add_func ("/leakage-panel/error", test_error);
  status = g_test_run ();

  fathom_test_ui_teardown (window, work_dir);
  g_free (data_dir);
  g_free (cache_dir);
  g_free (runs_dir);
  g_free (work_dir);
  return status;
}
