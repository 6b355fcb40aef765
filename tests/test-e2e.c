/* test-e2e.c: the desktop application end to end, judged by its pixels.
 *
 * The real FathomApplication starts (registered on a private bus, then
 * activated, as `fathom` does) and opens a small synthetic dataset; on
 * the Training page the panel runs the lesson's fcn for two epochs from
 * its Start action; the finished run opens on the Runs page. Screenshots
 * of the whole window (its snapshot right after a frame, drawn by its own
 * renderer) must then show (a) the training loss as a curve in its series
 * colour across the chart (during the run when a frame of it can be
 * caught, and after it), (b) the selected validation photo's true box as
 * red edges where the image view's transform puts them, and (c) the class
 * map laid over that photo: where the plain photo (opacity 0) and the
 * photo with its map differ, the map's colour (recovered from the blend)
 * follows the "cool" colormap (blue full, red + green full).
 *
 * The screenshots go to the work folder's screenshots/ (printed); the
 * folder is removed after a pass unless FATHOM_E2E_KEEP is set, and kept
 * whole after a failure. FATHOM_E2E_EPOCHS=N trains N epochs instead of
 * two, so that the printed frame figures rest on more frames. The tests
 * share one application and run in order. */
#include "fathom-e2e-driver.h"
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

#include "fathom-run.h"

static FathomE2e *e2e;
static FathomE2eOptions opts;
static char *shots_dir;

static void
save_shot (const FathomE2eShot *shot,
           const char          *name)
{
  g_autofree char *path = fathom_e2e_shot_save (shot, shots_dir, name);

  g_test_message ("screenshot %dx%d: %s", shot->width, shot->height, path);
}

/* ---- (a) the training chart ------------------------------------------------- */

static guint
training_points (void)
{
  FathomChartData *data = fathom_chart_get_data (fathom_train_panel_get_chart (fathom_e2e_get_train_panel (e2e)));
  int id = fathom_chart_data_find_series (data, "", "training loss");

  return id < 0 ? 0 : (guint) fathom_chart_series_get_n_points (fathom_chart_data_get_series (data, (guint) id));
}

/* The training loss's colour in the chart's area of shot: how many pixels
 * and how many columns; a curve spans most of the plot's width, a legend
 * swatch a few pixels. */
static void
assert_curve (const FathomE2eShot *shot,
              const char          *when)
{
  FathomChart *chart = fathom_train_panel_get_chart (fathom_e2e_get_train_panel (e2e));
  FathomChartData *data = fathom_chart_get_data (chart);
  int id = fathom_chart_data_find_series (data, "", "training loss");
  const FathomChartRGBA *colour;
  FathomChartStyle style;
  graphene_rect_t rect;
  int x0, y0, x1, y1, n = 0, columns = 0;

  g_assert_cmpint (id, >=, 0);
  fathom_chart_style_init (&style, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  colour = fathom_chart_style_series_color (&style, (guint) id);
  g_assert_true (fathom_e2e_widget_rect (e2e, shot, GTK_WIDGET (chart), &rect));
  x0 = MAX (0, (int) ceil (rect.origin.x));
  y0 = MAX (0, (int) ceil (rect.origin.y));
  x1 = MIN (shot->width, (int) floor (rect.origin.x + rect.size.width));
  y1 = MIN (shot->height, (int) floor (rect.origin.y + rect.size.height));
  g_assert_cmpint (x1 - x0, >, 200);
  g_assert_cmpint (y1 - y0, >, 100);
  for (int x = x0; x < x1; x++)
    {
      gboolean hit = FALSE;

      for (int y = y0; y < y1; y++)
        {
          int rgb[3];

          fathom_e2e_shot_rgb (shot, x, y, rgb);
          if (ABS (rgb[0] - (int) lround (colour->r * 255)) <= 40 &&
              ABS (rgb[1] - (int) lround (colour->g * 255)) <= 40 &&
              ABS (rgb[2] - (int) lround (colour->b * 255)) <= 40)
            {
              n++;
              hit = TRUE;
            }
        }
      columns += hit;
    }
  g_test_message ("%s: chart %dx%d at %d,%d, %u training points: %d pixels of the series colour "
                  "in %d columns", when, x1 - x0, y1 - y0, x0, y0, training_points (), n, columns);
  g_assert_cmpint (n, >, 200);
  g_assert_cmpint (columns, >, (x1 - x0) * 2 / 5);
}

static void
test_open_dataset (void)
{
  fathom_e2e_generate_dataset (e2e, &opts);
  fathom_e2e_start_app (e2e);
  g_assert_cmpstr (fathom_window_get_visible_page (e2e->window), ==, "dataset");
  fathom_e2e_open_dataset (e2e);
  g_assert_cmpuint (fathom_dataset_get_n_classes (fathom_window_get_dataset (e2e->window)), ==, 8);
  g_assert_cmpuint (fathom_dataset_get_n_items (fathom_window_get_dataset (e2e->window)), >=, opts.n_images);
}

static gboolean
points_or_end (FathomE2e *self,
               gpointer   unused)
{
  return training_points () >= 4 || fathom_e2e_training_finished (self, NULL);
}

/* How the window keeps up while training runs in its worker: the longest
 * gap between 10 ms ticks of a main-loop timeout (the main thread's
 * longest stall) and the frames' times (median, 95th percentile and
 * longest, each from the frame clock's before-paint to its after-paint,
 * which every frame emits, whether it updates, lays out or only paints).
 * Printed, not asserted: timings on a shared machine are figures, not
 * test outcomes. Measured from the first points to the end of the run,
 * less the test's own screenshot (a whole-window render, a PNG written
 * and its pixels read on the main thread), which no user's window does. */
typedef struct {
  gint64   start;
  gboolean paused;              /* the test's screenshot */
  gint64   last_tick, max_gap;
  guint    n_ticks;
  gint64   frame_start;
  GArray  *frames;              /* gint64 µs per frame */
} Responsiveness;

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The q-th quantile (0..1) of the frame times in ms, nearest rank. */
static double
frame_quantile (GArray *sorted,
                double  q)
{
  guint i;

  if (sorted->len == 0)
    return 0;
  i = (guint) ceil (q * sorted->len);
  return g_array_index (sorted, gint64, CLAMP (i, 1, sorted->len) - 1) / 1000.0;
}

static gboolean
on_tick (gpointer data)
{
  Responsiveness *r = data;
  gint64 now = g_get_monotonic_time ();

  /* only while the worker trains: from its first points to its end */
  if (r->start == 0 || r->paused || e2e->n_finished > 0)
    {
      r->last_tick = 0;
      return G_SOURCE_CONTINUE;
    }

  if (r->last_tick > 0)
    r->max_gap = MAX (r->max_gap, now - r->last_tick);
  r->last_tick = now;
  r->n_ticks++;
  return G_SOURCE_CONTINUE;
}

static void
on_frame_start (GdkFrameClock *clock, gpointer data)
{
  Responsiveness *r = data;

  r->frame_start = r->paused ? 0 : g_get_monotonic_time ();
}

static void
on_frame_painted (GdkFrameClock *clock, gpointer data)
{
  Responsiveness *r = data;

  if (r->frame_start > 0 && r->start > 0 && !r->paused && e2e->n_finished == 0)
    {
      gint64 took = g_get_monotonic_time () - r->frame_start;

      g_array_append_val (r->frames, took);
    }
  r->frame_start = 0;
}

static void
test_train (void)
{
  FathomTrainPanel *panel = fathom_e2e_get_train_panel (e2e);
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GFile) run = NULL;

  Responsiveness r = { 0 };
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (e2e->window));
  guint tick;
  gulong start_id, paint_id;

  r.frames = frames;
  tick = g_timeout_add (10, on_tick, &r);
  start_id = g_signal_connect (clock, "before-paint", G_CALLBACK (on_frame_start), &r);
  paint_id = g_signal_connect_after (clock, "after-paint", G_CALLBACK (on_frame_painted), &r);
  fathom_e2e_start_training (e2e, &opts);
  g_assert_cmpstr (fathom_window_get_visible_page (e2e->window), ==, "training");

  /* A frame while it learns, when the run lets us catch one: the open
   * that follows its end takes the window to the Runs page. */
  fathom_e2e_wait (e2e, points_or_end, NULL, 180, "the first training points");
  r.start = g_get_monotonic_time ();
  if (!fathom_e2e_training_finished (e2e, NULL))
    {
      g_autoptr(FathomE2eShot) shot = NULL;

      fathom_e2e_settle (e2e);
      r.paused = TRUE;
      shot = fathom_e2e_screenshot (e2e);
      if (g_strcmp0 (fathom_window_get_visible_page (e2e->window), "training") == 0)
        {
          save_shot (shot, "training-live.png");
          assert_curve (shot, "during the run");
        }
      else
        g_test_message ("the run ended before a frame of it was taken");
      r.paused = FALSE;
      r.last_tick = 0;                  /* no gap across the screenshot */
    }
  else
    g_test_message ("the run ended before its points were drawn");

  fathom_e2e_wait (e2e, fathom_e2e_training_finished, NULL, 180, "the run to finish");
  g_source_remove (tick);
  g_signal_handler_disconnect (clock, start_id);
  g_signal_handler_disconnect (clock, paint_id);
  g_array_sort (frames, compare_gint64);
  g_test_message ("while the worker trained (%s renderer): longest main-loop stall %.1f ms over %u ticks of "
                  "10 ms; frames p50 %.1f ms, p95 %.1f ms, longest %.1f ms over %u frames",
                  g_getenv ("GSK_RENDERER"), r.max_gap / 1000.0, r.n_ticks, frame_quantile (frames, 0.5),
                  frame_quantile (frames, 0.95), frame_quantile (frames, 1.0), frames->len);
  if (!e2e->run_ok)
    g_error ("the run failed: %s", fathom_worker_panel_get_error (FATHOM_WORKER_PANEL (panel)) != NULL
                                   ? fathom_worker_panel_get_error (FATHOM_WORKER_PANEL (panel))->message : "?");
  g_assert_cmpuint (e2e->n_finished, ==, 1);
  base = g_path_get_basename (e2e->run_dir);
  g_assert_true (g_str_has_prefix (base, "fcn-"));
  g_assert_true (g_str_has_prefix (e2e->run_dir, e2e->runs_dir));
  info = fathom_run_info_load (e2e->run_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  g_test_message ("run %s: validation accuracy %.3f, %u training points", e2e->run_dir,
                  fathom_run_info_get_final (info, "val_accuracy"), training_points ());

  /* the window opens the finished run on the Runs page by itself */
  fathom_e2e_wait (e2e, fathom_e2e_run_shown, NULL, 60, "the run on the Runs page");
  run = g_file_new_for_path (e2e->run_dir);
  g_assert_true (g_file_equal (fathom_window_get_run (e2e->window), run));
}

/* (a) after the run, back on the Training page: the whole run's curve */
static void
test_training_chart (void)
{
  g_autoptr(FathomE2eShot) shot = NULL;

  fathom_window_set_visible_page (e2e->window, "training");
  fathom_e2e_settle (e2e);
  shot = fathom_e2e_screenshot (e2e);
  save_shot (shot, "training.png");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (fathom_train_panel_get_chart (fathom_e2e_get_train_panel (e2e)))));
  g_assert_cmpuint (training_points (), >=, 4);
  assert_curve (shot, "after the run");

  fathom_window_set_visible_page (e2e->window, "runs");
}

/* ---- (b) and (c): the Runs page ---------------------------------------------- */

static guint photo_row;

/* A validation photo whose true box sits well inside the model input. */
static guint
pick_photo (FathomRunPredictions *preds)
{
  for (guint row = 0; row < fathom_run_predictions_get_n_rows (preds); row++)
    {
      const FathomRunPrediction *p = fathom_run_predictions_get_row (preds, row);
      float h = p->true_box[0], w = p->true_box[1], x = p->true_box[2], y = p->true_box[3];

      if (p->has_true_box && w >= 10 && h >= 6 && x >= 4 && y >= 4 &&
          x + w <= opts.width - 4 && y + h <= opts.height - 4)
        return row;
    }
  g_error ("no validation photo with a box well inside the frame");
  return 0;
}

/* A pixel within 2 px of (x, y) of colour (r, g, b) +- tol. */
static gboolean
colour_near (const FathomE2eShot *shot,
             double               fx,
             double               fy,
             int                  r,
             int                  g,
             int                  b,
             int                  tol)
{
  int x = (int) lround (fx), y = (int) lround (fy);

  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      {
        int rgb[3];

        if (x + dx < 0 || x + dx >= shot->width || y + dy < 0 || y + dy >= shot->height)
          continue;
        fathom_e2e_shot_rgb (shot, x + dx, y + dy, rgb);
        if (ABS (rgb[0] - r) <= tol && ABS (rgb[1] - g) <= tol && ABS (rgb[2] - b) <= tol)
          return TRUE;
      }
  return FALSE;
}

/* Photo pixel (ix, iy) as shot pixel coordinates. */
static void
photo_to_shot (const FathomE2eShot *shot,
               FathomImageView     *iv,
               double               ix,
               double               iy,
               double              *sx,
               double              *sy)
{
  FathomViewTransform t;
  double vx, vy;

  fathom_image_view_get_transform (iv, &t);
  fathom_view_transform_to_view (&t, ix, iy, &vx, &vy);
  fathom_e2e_to_shot (e2e, shot, GTK_WIDGET (iv), vx, vy, sx, sy);
}

static void
test_true_box (void)
{
  FathomRunView *view = fathom_e2e_get_run_view (e2e);
  FathomImageView *iv = fathom_run_view_get_image_view (view);
  FathomRunPredictions *preds = fathom_run_view_get_predictions (view);
  const FathomRunPrediction *p;
  g_autoptr(FathomE2eShot) shot = NULL;
  g_autoptr(FathomE2eShot) full = NULL;
  const FathomImage *img;
  FathomBox box;
  const struct { double fx, fy; const char *name; } edges[] = {
    { 0.0, 0.5, "left" }, { 1.0, 0.5, "right" }, { 0.5, 0.0, "top" }, { 0.5, 1.0, "bottom" },
  };
  double x, y;

  g_assert_nonnull (preds);
  g_assert_cmpuint (fathom_run_predictions_get_n_rows (preds), >, 2);
  photo_row = pick_photo (preds);
  p = fathom_run_predictions_get_row (preds, photo_row);
  fathom_run_view_select_row (view, photo_row);
  g_assert_cmpint (fathom_run_view_get_selected_row (view), ==, (int) photo_row);
  img = fathom_image_view_get_image (iv);
  g_assert_nonnull (img);
  fathom_overlay_box_from_model (p->true_box, opts.width, opts.height, img->width, img->height, &box);

  fathom_e2e_settle (e2e);
  full = fathom_e2e_screenshot (e2e);
  save_shot (full, "runs.png");

  /* the true box alone on the photo and its map, so nothing drawn later
   * (the predicted box, the tags, the legend) covers an edge */
  fathom_image_view_set_layer_visible (iv, FATHOM_OVERLAY_PRED_BOX | FATHOM_OVERLAY_LABELS |
                                           FATHOM_OVERLAY_METRICS, FALSE);
  fathom_e2e_settle (e2e);
  shot = fathom_e2e_screenshot (e2e);
  save_shot (shot, "runs-true-box.png");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (iv)));
  for (guint i = 0; i < G_N_ELEMENTS (edges); i++)
    {
      photo_to_shot (shot, iv, box.x + edges[i].fx * box.width, box.y + edges[i].fy * box.height, &x, &y);
      g_test_message ("%s: true box %s edge at %.1f,%.1f", p->file, edges[i].name, x, y);
      if (!colour_near (shot, x, y, 255, 0, 0, 10))
        g_error ("no red at the true box's %s edge (%.1f, %.1f)", edges[i].name, x, y);
    }
  /* inside the box the photo and its map, not the edge's red */
  photo_to_shot (shot, iv, box.x + box.width / 2, box.y + box.height / 2, &x, &y);
  g_assert_false (colour_near (shot, x, y, 255, 0, 0, 10));
  fathom_image_view_set_layer_visible (iv, FATHOM_OVERLAY_ALL, TRUE);
}

static void
test_heatmap (void)
{
  FathomRunView *view = fathom_e2e_get_run_view (e2e);
  FathomImageView *iv = fathom_run_view_get_image_view (view);
  g_autoptr(FathomE2eShot) heat = NULL;
  g_autoptr(FathomE2eShot) plain = NULL;
  FathomHeatmapStyle style;
  const FathomImage *img;
  double x0, y0, x1, y1, blue_heat = 0, blue_plain = 0;
  guint n = 0, n_differ = 0, n_cool = 0;

  g_assert_cmpint (fathom_run_view_get_selected_row (view), ==, (int) photo_row);
  g_assert_nonnull (fathom_run_view_get_heatmap (view));
  g_assert_cmpint (fathom_image_view_get_heatmap_class (iv), >=, 0);
  fathom_image_view_get_style (iv, &style);
  /* the lesson's look, as the run view starts */
  g_assert_cmpint (style.colormap, ==, FATHOM_COLORMAP_COOL);
  g_assert_cmpfloat (style.opacity, >, 0.2);
  g_assert_cmpfloat (style.threshold, ==, 0.0);

  /* the photo and its map only */
  fathom_image_view_set_layer_visible (iv, FATHOM_OVERLAY_TRUE_BOX | FATHOM_OVERLAY_PRED_BOX |
                                           FATHOM_OVERLAY_LABELS | FATHOM_OVERLAY_METRICS, FALSE);
  fathom_e2e_settle (e2e);
  heat = fathom_e2e_screenshot (e2e);
  save_shot (heat, "runs-heatmap.png");
  g_object_set (iv, "opacity", 0.0, NULL);
  fathom_e2e_settle (e2e);
  plain = fathom_e2e_screenshot (e2e);
  save_shot (plain, "runs-photo.png");
  g_object_set (iv, "opacity", style.opacity, NULL);
  fathom_image_view_set_layer_visible (iv, FATHOM_OVERLAY_ALL, TRUE);
  g_assert_cmpint (heat->width, ==, plain->width);
  g_assert_cmpint (heat->height, ==, plain->height);

  /* The photo's area, less a few pixels where its edge is blended. The
   * blend is heat = (1 - a) plain + a map: the map's colour comes back as
   * (heat - (1 - a) plain) / a, and "cool" is (t, 1 - t, 1). */
  img = fathom_image_view_get_image (iv);
  photo_to_shot (heat, iv, 0, 0, &x0, &y0);
  photo_to_shot (heat, iv, img->width, img->height, &x1, &y1);
  g_assert_cmpfloat (x1 - x0, >, 200);
  for (int y = (int) ceil (y0) + 4; y < (int) floor (y1) - 4; y++)
    for (int x = (int) ceil (x0) + 4; x < (int) floor (x1) - 4; x++)
      {
        int h[3], q[3], diff = 0;
        double map[3];

        fathom_e2e_shot_rgb (heat, x, y, h);
        fathom_e2e_shot_rgb (plain, x, y, q);
        for (int c = 0; c < 3; c++)
          {
            diff = MAX (diff, ABS (h[c] - q[c]));
            map[c] = (h[c] - (1 - style.opacity) * q[c]) / style.opacity;
          }
        n++;
        n_differ += diff > 3;
        n_cool += map[2] >= 225 && fabs (map[0] + map[1] - 255) <= 25;
        blue_heat += h[2];
        blue_plain += q[2];
      }
  g_test_message ("photo %.0fx%.0f at %.0f,%.0f: %u pixels, %u differ with the map at opacity %.2f, "
                  "%u of the cool colormap; mean blue %.1f with the map, %.1f without",
                  x1 - x0, y1 - y0, x0, y0, n, n_differ, style.opacity, n_cool, blue_heat / n, blue_plain / n);
  g_assert_cmpuint (n, >, 10000);
  g_assert_cmpuint (n_differ, >=, n * 9 / 10);
  g_assert_cmpuint (n_cool, >=, n * 95 / 100);
  g_assert_cmpfloat (blue_heat / n, >, blue_plain / n + 10);
}

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) system_data_dirs = g_strdupv ((char **) g_get_system_data_dirs ());
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Under Xvfb GTK's GL renderer is Mesa's llvmpipe, which compiles each
   * new shader on the main thread for a second or more: the frame times
   * printed would be the compiler's. Cairo draws the same pixels. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  fathom_e2e_init_environment ((const char * const *) system_data_dirs);

  /* Small and quick: 80 photos at 0.15, fcn for two epochs at 128x64,
   * batches of 16 for a few points per epoch. */
  fathom_e2e_options_init (&opts);
  opts.batch_size = 16;
  /* a longer run gives the frame figures more frames to go on */
  if (g_getenv ("FATHOM_E2E_EPOCHS") != NULL)
    opts.epochs = (guint) CLAMP (g_ascii_strtoull (g_getenv ("FATHOM_E2E_EPOCHS"), NULL, 10), 1, 100);
  e2e = fathom_e2e_new (NULL);
  shots_dir = g_build_filename (e2e->work_dir, "screenshots", NULL);

  g_test_add_func ("/e2e/open-dataset", test_open_dataset);
  g_test_add_func ("/e2e/train", test_train);
  g_test_add_func ("/e2e/training-chart", test_training_chart);
  g_test_add_func ("/e2e/true-box", test_true_box);
  g_test_add_func ("/e2e/heatmap", test_heatmap);
  status = g_test_run ();

  /* a passing run leaves nothing behind unless asked to keep its
   * screenshots; a failing one keeps everything for a look */
  {
    g_autofree char *work_dir = g_strdup (e2e->work_dir);
    gboolean keep = g_getenv ("FATHOM_E2E_KEEP") != NULL;

    fathom_e2e_free (e2e, status == 0);
    if (status == 0 && !keep)
      fathom_test_remove_tree (work_dir);
  }
  g_free (shots_dir);
  return status;
}
