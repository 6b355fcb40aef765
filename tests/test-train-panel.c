/* test-train-panel.c: the training panel under a real (virtual) display,
 * on a small synthetic dataset: a two-epoch run whose chart holds one
 * training point per batch and one validation point per epoch, delivered
 * through the main thread and matching the run folder's metrics.csv; the
 * panel rendered to pixels with its curves showing; a run stopped after
 * its first progress, its folder marked "stopped" and the panel ready
 * again; a failed run's readable error; and bbox's two outputs, each with
 * its own loss curve. The tests share one window and run in order. */
#include "fathom-test-util.h"
#include "fathom-test-ui.h"
#include "fathom-fishsim.h"
#include "fathom-run.h"
#include "fathom-train-panel-config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#define WAIT_TIMEOUT_MS 60000

static char *work_dir;
static char *data_dir;
static char *cache_dir;
static char *runs_dir;

static GtkWidget *window;
static FathomTrainPanel *panel;

/* What "run-finished" said, and how often. */
#define n_finished fathom_test_ui_finished.n
#define expected_finished fathom_test_ui_finished.expected
#define finished_dir fathom_test_ui_finished.dir
#define finished_ok fathom_test_ui_finished.ok
#define run_has_finished fathom_test_ui_has_finished

#define worker FATHOM_WORKER_PANEL (panel)
#define wait_until(pred, what) fathom_test_ui_wait_until (pred, WAIT_TIMEOUT_MS, what)
#define find_action_button fathom_test_ui_find_action_button
#define assert_ready() fathom_test_ui_assert_ready (GTK_WIDGET (panel), fathom_worker_panel_get_running (worker), "train")

/* ---- helpers ----------------------------------------------------------------- */

static gboolean
progress_arrived (void)
{
  return fathom_worker_panel_get_n_deliveries (worker) > 0 || n_finished >= expected_finished;
}

static guint n_ticks;

static gboolean
count_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       unused)
{
  n_ticks++;
  return G_SOURCE_CONTINUE;
}

/* Two frames after the last change: the second's layout phase has run. */
static gboolean
panel_is_laid_out (void)
{
  return gtk_widget_get_mapped (GTK_WIDGET (panel)) && n_ticks >= 2 &&
         gtk_widget_get_width (GTK_WIDGET (fathom_train_panel_get_chart (panel))) > 100;
}

static FathomChartSeries *
series_named (const char *name)
{
  FathomChartData *data = fathom_chart_get_data (fathom_train_panel_get_chart (panel));
  int id = fathom_chart_data_find_series (data, "", name);

  g_assert_cmpint (id, >=, 0);
  return fathom_chart_data_get_series (data, (guint) id);
}

/* metrics.csv rows of a phase. */
static guint
count_rows (FathomRunInfo *info,
            const char    *phase)
{
  guint n = 0;

  for (guint i = 0; i < fathom_run_info_get_n_rows (info); i++)
    {
      const char *row_phase;
      gint64 step;
      guint epoch;

      fathom_run_info_get_row (info, i, &step, &epoch, &row_phase);
      n += g_strcmp0 (row_phase, phase) == 0;
    }
  return n;
}

static void
configure (const char *experiment,
           guint       epochs)
{
  FathomExperimentConfig config, got;

  fathom_experiment_config_init (&config);
  config.experiment = experiment;
  config.epochs = epochs;
  config.batch_size = 16;
  config.seed = 5;
  config.cache_dir = cache_dir;
  config.mini_epochs = 1;
  config.mini_corpus = 0;
  config.width = 48;            /* 6x6 features */
  config.height = 48;
  config.n_threads = 2;
  fathom_train_panel_set_config (panel, &config);

  fathom_train_panel_get_config (panel, &got);
  g_assert_cmpstr (got.experiment, ==, experiment);
  g_assert_cmpuint (got.epochs, ==, epochs);
  g_assert_cmpuint (got.batch_size, ==, 16);
  g_assert_cmpfloat_with_epsilon (got.lr, 1e-3, 1e-9);   /* the preset's */
  g_assert_cmpuint (got.seed, ==, 5);
  g_assert_cmpstr (got.cache_dir, ==, cache_dir);
  g_assert_cmpint (got.width, ==, 48);
  g_assert_cmpuint (got.mini_epochs, ==, 1);
  g_assert_cmpint (got.mini_corpus, ==, 0);
  g_assert_cmpstr (got.device, ==, "cpu");
  g_assert_cmpstr (got.backbone, ==, "mini");
  g_assert_null (got.weights);
  g_assert_cmpstr (got.data_dir, ==, data_dir);
}

/* ---- tests ------------------------------------------------------------------- */

static void
test_no_dataset (void)
{
  g_autoptr(GError) error = NULL;

  fathom_worker_panel_set_input (worker, NULL);
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (panel), "train.start")));
  g_assert_false (fathom_worker_panel_start (worker, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);

  /* an experiment that cannot run is listed but does not start */
  {
    FathomExperimentConfig config;

    fathom_experiment_config_init (&config);
    config.experiment = "vgg-finetune";
    fathom_worker_panel_set_input (worker, data_dir);
    fathom_train_panel_set_config (panel, &config);
    g_assert_false (fathom_worker_panel_start (worker, &error));
    /* without the course's VGG16BN weights file */
    g_assert_nonnull (strstr (error->message, "vgg16_bn.h5"));
  }

  fathom_worker_panel_set_runs_dir (worker, runs_dir);
  g_assert_cmpstr (fathom_worker_panel_get_runs_dir (worker), ==, runs_dir);
  g_assert_cmpstr (fathom_worker_panel_get_input (worker), ==, data_dir);
  configure ("dense-head", 2);
  assert_ready ();
}

static void
test_run (void)
{
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  FathomTrainProgress last;
  gsize n_train;
  guint n_marks;

  configure ("dense-head", 2);
  expected_finished = n_finished + 1;
  gtk_widget_activate_action (GTK_WIDGET (panel), "train.start", NULL);
  g_assert_true (fathom_worker_panel_get_running (worker));
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (panel), "train.start")));
  wait_until (run_has_finished, "the two-epoch run");

  g_assert_true (finished_ok);
  g_assert_null (fathom_worker_panel_get_error (worker));
  g_assert_cmpstr (finished_dir, ==, fathom_worker_panel_get_run_dir (worker));
  base = g_path_get_basename (finished_dir);
  g_assert_true (g_str_has_prefix (base, "dense-head-"));
  g_assert_cmpuint (strlen (base), ==, strlen ("dense-head-YYYYmmdd-HHMMSS"));
  g_assert_true (g_str_has_prefix (finished_dir, runs_dir));
  assert_ready ();

  /* the progress reached the main thread, the last of it the second epoch's end */
  g_assert_cmpuint (fathom_worker_panel_get_n_deliveries (worker), >, 0);
  g_assert_true (fathom_worker_panel_get_progress (worker, &last));
  g_assert_cmpuint (last.epoch + 1, ==, 2);
  g_assert_cmpuint (last.n_epochs, ==, 2);
  g_assert_true (last.epoch_end);
  g_assert_cmpstr (last.phase, ==, "valid");
  g_assert_null (last.output_losses);

  /* one point per training batch, one per epoch for validation */
  info = fathom_run_info_load (finished_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  n_train = fathom_chart_series_get_n_points (series_named ("training loss"));
  g_test_message ("%" G_GSIZE_FORMAT " training batches in %" G_GINT64_FORMAT " per epoch, %u deliveries",
                  n_train, last.n_batches, fathom_worker_panel_get_n_deliveries (worker));
  g_assert_cmpuint (n_train, ==, (gsize) last.step);
  g_assert_cmpuint (n_train, ==, 2 * (gsize) last.n_batches);
  g_assert_cmpuint (n_train, ==, count_rows (info, "train"));
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("validation loss")), ==, 2);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("validation accuracy")), ==, 2);
  g_assert_cmpuint (count_rows (info, "valid"), ==, 2);
  fathom_chart_data_get_epoch_marks (fathom_chart_get_data (fathom_train_panel_get_chart (panel)), &n_marks);
  g_assert_cmpuint (n_marks, ==, 2);
  /* the points are the run's: x the step, y the logged loss */
  g_assert_cmpfloat (fathom_chart_series_get_x (series_named ("training loss"), 0), ==, 1);
  g_assert_cmpfloat (fathom_chart_series_get_x (series_named ("validation loss"), 1), ==, (double) last.step);
  g_assert_cmpfloat_with_epsilon (fathom_chart_series_get_y (series_named ("validation loss"), 1), last.loss, 1e-9);
  g_assert_true (isfinite (fathom_chart_series_get_y (series_named ("training loss"), n_train - 1)));
}

static void
test_render (void)
{
  GtkWidget *chart = GTK_WIDGET (fathom_train_panel_get_chart (panel));
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = NULL;
  graphene_rect_t bounds;
  int w, h, coloured = 0, outside = 0;
  guint tick;

  n_ticks = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (panel), count_tick, NULL, NULL);
  wait_until (panel_is_laid_out, "the panel's layout");
  gtk_widget_remove_tick_callback (GTK_WIDGET (panel), tick);
  w = gtk_widget_get_width (GTK_WIDGET (panel));
  h = gtk_widget_get_height (GTK_WIDGET (panel));
  /* What GTK does for a frame, from the panel down, in its coordinates. */
  GTK_WIDGET_GET_CLASS (panel)->snapshot (GTK_WIDGET (panel), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, w);
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);

  /* Curves in palette colours inside the chart's area: clearly not grey
   * like the background, the frame and the text. */
  g_assert_true (gtk_widget_compute_bounds (chart, GTK_WIDGET (panel), &bounds));
  g_assert_cmpfloat (bounds.size.width, >, 100);
  g_assert_cmpfloat (bounds.size.height, >, 100);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guchar *p = pixels + ((gsize) y * w + x) * 4;   /* B G R A */
        gboolean inside = graphene_rect_contains_point (&bounds, &GRAPHENE_POINT_INIT (x + 0.5f, y + 0.5f));
        gboolean colour = p[3] > 200 && MAX (MAX (p[0], p[1]), p[2]) - MIN (MIN (p[0], p[1]), p[2]) > 80;

        if (colour && inside)
          coloured++;
        else if (colour)
          outside++;
      }
  g_test_message ("panel %dx%d, chart %.0fx%.0f at %.0f,%.0f: %d curve pixels (%d coloured outside)",
                  w, h, bounds.size.width, bounds.size.height, bounds.origin.x, bounds.origin.y,
                  coloured, outside);
  g_assert_cmpint (coloured, >, 50);
}

/* Two outputs: each one's loss beside the weighted total. */
static void
test_bbox (void)
{
  FathomExperimentConfig got;
  FathomTrainProgress last;
  gsize n_train;

  configure ("bbox", 1);
  fathom_train_panel_get_config (panel, &got);
  g_assert_cmpfloat_with_epsilon (got.bbox_weight, 0.001, 1e-12);   /* the lesson's */
  expected_finished = n_finished + 1;
  gtk_widget_activate_action (GTK_WIDGET (panel), "train.start", NULL);
  wait_until (run_has_finished, "the bbox run");
  g_assert_true (finished_ok);
  g_assert_true (fathom_worker_panel_get_progress (worker, &last));
  g_assert_cmpuint (last.n_outputs, ==, 2);

  n_train = fathom_chart_series_get_n_points (series_named ("training loss"));
  g_assert_cmpuint (n_train, ==, (gsize) last.step);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("training box loss")), ==, n_train);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("training class loss")), ==, n_train);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("validation box loss")), ==, 1);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("validation class loss")), ==, 1);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("validation loss")), ==, 1);
  /* the total weighs the box's squared error by 0.001 */
  for (gsize i = 0; i < n_train; i++)
    g_assert_cmpfloat_with_epsilon (fathom_chart_series_get_y (series_named ("training loss"), i),
                                    fathom_chart_series_get_y (series_named ("training class loss"), i) +
                                    0.001 * fathom_chart_series_get_y (series_named ("training box loss"), i),
                                    1e-4 * fathom_chart_series_get_y (series_named ("training loss"), i));
  assert_ready ();
}

/* A folder that is no dataset: a readable error, no run folder left, and
 * the panel ready for the next try. */
static void
test_error (void)
{
  g_autofree char *empty = g_build_filename (work_dir, "empty", NULL);

  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  configure ("dense-head", 1);
  fathom_worker_panel_set_input (worker, empty);
  expected_finished = n_finished + 1;
  gtk_widget_activate_action (GTK_WIDGET (panel), "train.start", NULL);
  wait_until (run_has_finished, "the failed run");

  g_assert_false (finished_ok);
  g_assert_nonnull (fathom_worker_panel_get_error (worker));
  g_assert_false (g_error_matches (fathom_worker_panel_get_error (worker), G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_test_message ("error: %s", fathom_worker_panel_get_error (worker)->message);
  g_assert_cmpuint (strlen (fathom_worker_panel_get_error (worker)->message), >, 10);
  g_assert_false (g_file_test (finished_dir, G_FILE_TEST_EXISTS));
  assert_ready ();
  fathom_worker_panel_set_input (worker, data_dir);
  g_rmdir (empty);
}

static void
test_stop (void)
{
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  FathomTrainProgress last;

  /* Long enough that the Stop always comes before the end. */
  configure ("dense-head", 200);
  expected_finished = n_finished + 1;
  g_assert_true (fathom_worker_panel_start (worker, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_worker_panel_get_n_deliveries (worker), ==, 0);
  g_assert_false (fathom_worker_panel_get_progress (worker, &last));
  wait_until (progress_arrived, "the first progress");
  g_assert_true (fathom_worker_panel_get_running (worker));
  gtk_widget_activate_action (GTK_WIDGET (panel), "train.stop", NULL);
  g_assert_false (gtk_widget_get_sensitive (find_action_button (GTK_WIDGET (panel), "train.stop")));
  wait_until (run_has_finished, "the stopped run");

  g_assert_false (finished_ok);
  g_assert_cmpstr (finished_dir, ==, fathom_worker_panel_get_run_dir (worker));
  g_assert_error ((GError *) fathom_worker_panel_get_error (worker), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  info = fathom_run_info_load (finished_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "stopped");
  g_assert_true (fathom_worker_panel_get_progress (worker, &last));
  g_test_message ("stopped at epoch %u of %u, step %" G_GINT64_FORMAT ", %u training rows",
                  last.epoch + 1, last.n_epochs, last.step, count_rows (info, "train"));
  g_assert_cmpuint (last.n_epochs, ==, 200);
  g_assert_cmpuint (count_rows (info, "train"), <, 200 * (guint) last.n_batches);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series_named ("training loss")), ==,
                    count_rows (info, "train"));
  assert_ready ();
}

int
main (int argc, char **argv)
{
  int status;

  fathom_test_ui_init (&argc, &argv);

  work_dir = fathom_test_ui_make_work_dir ("fathom-train-panel-XXXXXX");
  data_dir = g_build_filename (work_dir, "data", NULL);
  cache_dir = g_build_filename (work_dir, "cache", NULL);
  runs_dir = g_build_filename (work_dir, "runs", NULL);
  fathom_test_ui_make_fishsim (data_dir, 80, 0.15, 11);

  panel = FATHOM_TRAIN_PANEL (fathom_train_panel_new ());
  window = fathom_test_ui_present_panel (panel, 1100, 760);

  g_test_add_func ("/train-panel/no-dataset", test_no_dataset);
  g_test_add_func ("/train-panel/run", test_run);
  g_test_add_func ("/train-panel/render", test_render);
  g_test_add_func ("/train-panel/bbox", test_bbox);
  g_test_add_func ("/train-panel/error", test_error);
  g_test_add_func ("/train-panel/stop", test_stop);
  status = g_test_run ();

  fathom_test_ui_teardown (window, work_dir);
  g_free (data_dir);
  g_free (cache_dir);
  g_free (runs_dir);
  g_free (work_dir);
  return status;
}
