/* test-run-view.c: the Runs page on real run folders, under a real
 * (virtual) display. A tiny synthetic dataset is generated and two of the
 * lesson's experiments run on it (fcn and bbox, a couple of epochs on the
 * CPU); the view must list every predictions.csv row, chart the run's
 * loss and val_loss points, lay each photo's row of heatmaps.safetensors
 * over it (and score it as the run did), draw the true box red where the
 * view transform puts it, and refuse broken folders with an error naming
 * the file. */
#include "fathom-test-util.h"
#include "fathom-annotations.h"
#include "fathom-experiment.h"
#include "fathom-fishsim.h"
#include "fathom-run.h"
#include "fathom-run-view.h"
#include "fathom-safetensors.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

static char *work_dir;
static char *data_dir;
static char *cache_dir;

/* ---- fixtures ------------------------------------------------------------ */

/* Runs experiment into work_dir/experiment once; tests share the folder. */
static const char *
run_experiment (const char *experiment)
{
  static GHashTable *done;
  g_autofree char *run_dir = g_build_filename (work_dir, experiment, NULL);
  g_autoptr(GError) error = NULL;
  FathomExperimentConfig c;
  FathomExperimentResult res;

  if (done == NULL)
    done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_hash_table_contains (done, experiment))
    return g_hash_table_lookup (done, experiment);

  fathom_experiment_config_init (&c);
  c.experiment = experiment;
  c.data_dir = data_dir;
  c.run_dir = run_dir;
  c.overwrite = TRUE;
  c.cache_dir = cache_dir;
  c.mini_epochs = 1;
  c.mini_corpus = 0;
  c.epochs = 2;
  c.seed = 5;
  c.height = g_str_equal (experiment, "fcn") ? 64 : 48;
  c.width = g_str_equal (experiment, "fcn") ? 128 : 48;
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (res.n_valid, >, 2);
  g_hash_table_insert (done, g_strdup (experiment), g_steal_pointer (&run_dir));
  return g_hash_table_lookup (done, experiment);
}

static char *
read_text (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static void
write_text (const char *dir, const char *name, const char *text, gssize length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, length, NULL));
}

/* Data lines of predictions.csv (fishsim names hold no commas or quotes). */
static guint
count_prediction_lines (const char *run_dir)
{
  g_autofree char *text = read_text (run_dir, "predictions.csv");
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  g_assert_true (g_str_has_prefix (lines[0], "file,true_class,pred_class,"));
  for (guint i = 1; lines[i] != NULL; i++)
    n += lines[i][0] != '\0';
  return n;
}

/* metrics.csv rows of phase with a value in column: what a chart series
 * over it should hold; the values go to ys. */
static guint
count_metric_points (const char *run_dir, const char *phase, const char *column, GArray *ys)
{
  g_autofree char *text = read_text (run_dir, "metrics.csv");
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_auto(GStrv) header = g_strsplit (lines[0], ",", -1);
  int col = -1;
  guint n = 0;

  for (int i = 0; header[i] != NULL; i++)
    if (g_str_equal (header[i], column))
      col = i;
  g_assert_cmpint (col, >, 2);
  for (guint l = 1; lines[l] != NULL; l++)
    {
      g_auto(GStrv) f = g_strsplit (lines[l], ",", -1);

      if (lines[l][0] == '\0' || !g_str_equal (f[2], phase) || f[col][0] == '\0')
        continue;
      if (ys != NULL)
        {
          double y = g_ascii_strtod (f[col], NULL);

          g_array_append_val (ys, y);
        }
      n++;
    }
  return n;
}

/* ---- main loop and pixels -------------------------------------------------- */

static void
settle (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

static GtkWidget *
show_in_window (GtkWidget *child, GtkWidget *wait_for, int w, int h)
{
  GtkWidget *window = gtk_window_new ();
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_window_set_default_size (GTK_WINDOW (window), w, h);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  while ((!gtk_widget_get_mapped (wait_for) || gtk_widget_get_width (wait_for) <= 0) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  settle (150);
  g_assert_true (gtk_widget_get_mapped (wait_for));
  return window;
}

/* The widget's own snapshot drawn by the window's renderer, as cairo
 * ARGB32 bytes. */
static guint8 *
render_widget (GtkWidget *window, GtkWidget *widget, int *w, int *h)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  GdkTexture *texture;
  guint8 *data;

  settle (100);
  *w = gtk_widget_get_width (widget);
  *h = gtk_widget_get_height (widget);
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, *w, *h));
  data = g_malloc ((gsize) *w * *h * 4);
  gdk_texture_download (texture, data, (gsize) *w * 4);
  g_object_unref (texture);
  gsk_render_node_unref (node);
  return data;
}

/* With FATHOM_RENDER_SAMPLES=DIR, keeps the rendered widget to look at. */
static void
maybe_save (const guint8 *data, int w, int h, const char *name)
{
  const char *dir = g_getenv ("FATHOM_RENDER_SAMPLES");
  g_autofree char *path = NULL;
  cairo_surface_t *s;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, name, NULL);
  s = cairo_image_surface_create_for_data ((guint8 *) data, CAIRO_FORMAT_ARGB32, w, h, w * 4);
  g_assert_cmpint (cairo_surface_write_to_png (s, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (s);
}

/* A pixel within 2 px of (x, y) of colour (r, g, b) +- tol. */
static gboolean
colour_near (const guint8 *data, int w, int h, double fx, double fy, int r, int g, int b, int tol)
{
  int x = (int) lround (fx), y = (int) lround (fy);

  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      {
        guint32 p;

        if (x + dx < 0 || x + dx >= w || y + dy < 0 || y + dy >= h)
          continue;
        p = ((const guint32 *) (gconstpointer) data)[(y + dy) * w + x + dx];
        if (ABS ((int) ((p >> 16) & 255) - r) <= tol && ABS ((int) ((p >> 8) & 255) - g) <= tol &&
            ABS ((int) (p & 255) - b) <= tol)
          return TRUE;
      }
  return FALSE;
}

static gboolean
has_label_containing (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (has_label_containing (c, text))
      return TRUE;
  return FALSE;
}

static FathomRunView *
load_view (const char *run_dir)
{
  FathomRunView *view = FATHOM_RUN_VIEW (fathom_run_view_new ());
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_run_view_load (view, run_dir, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_view_get_run_dir (view), ==, run_dir);
  return view;
}

/* ---- fcn: list, curves, heatmaps ------------------------------------------ */

static void
assert_series (FathomChartData *data, const char *run, const char *name, const char *run_dir,
               const char *phase, const char *column)
{
  g_autoptr(GArray) ys = g_array_new (FALSE, FALSE, sizeof (double));
  guint want = count_metric_points (run_dir, phase, column, ys);
  int id = fathom_chart_data_find_series (data, run, name);
  FathomChartSeries *series;

  g_assert_cmpint (id, >=, 0);
  series = fathom_chart_data_get_series (data, (guint) id);
  g_assert_cmpuint (fathom_chart_series_get_n_points (series), ==, want);
  for (guint i = 0; i < want; i++)
    g_assert_cmpfloat_with_epsilon (fathom_chart_series_get_y (series, i), g_array_index (ys, double, i),
                                    1e-6 * MAX (1.0, fabs (g_array_index (ys, double, i))));
}

/* The image view's raw cell at the centre of cell (cx, cy) of class k. */
static float
view_cell_value (FathomImageView *iv, const FathomHeatmap *map, int cx, int cy)
{
  const FathomImage *img = fathom_image_view_get_image (iv);
  FathomViewTransform t;
  FathomBox rect;
  double x, y;
  int gx, gy;
  float value = NAN;

  g_assert_nonnull (img);
  fathom_heatmap_cell_rect (map, img->width, img->height, cx, cy, &rect);
  fathom_image_view_get_transform (iv, &t);
  fathom_view_transform_to_view (&t, rect.x + rect.width / 2, rect.y + rect.height / 2, &x, &y);
  g_assert_true (fathom_image_view_cell_at (iv, x, y, &gx, &gy, &value));
  g_assert_cmpint (gx, ==, cx);
  g_assert_cmpint (gy, ==, cy);
  return value;
}

static void
test_fcn (void)
{
  const char *run_dir = run_experiment ("fcn");
  g_autofree char *run_name = g_path_get_basename (run_dir);
  g_autofree char *maps_path = g_build_filename (run_dir, "heatmaps.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomSafetensors) st = fathom_safetensors_load (maps_path, &error);
  g_autoptr(FathomTensor) maps = NULL;
  FathomRunView *view = load_view (run_dir);
  FathomImageView *iv = fathom_run_view_get_image_view (view);
  FathomRunPredictions *preds = fathom_run_view_get_predictions (view);
  GtkWidget *window;
  guint n = count_prediction_lines (run_dir), n_boxes = 0, n_hits = 0, n_wrong = 0, n_several = 0;
  double in_box_sum = 0;
  g_autofree char *ann_dir = g_build_filename (data_dir, "annotations", NULL);
  g_autoptr(FathomAnnotations) ann = fathom_annotations_new ();
  const gint64 *shape;
  gsize plane;
  int interpolation;

  g_assert_no_error (error);
  window = show_in_window (GTK_WIDGET (view), GTK_WIDGET (iv), 1280, 960);

  /* (1) one list row per predictions.csv line */
  g_assert_cmpuint (n, >, 2);
  g_assert_cmpuint (fathom_run_predictions_get_n_rows (preds), ==, n);
  g_assert_cmpuint (fathom_run_view_get_n_listed (view), ==, n);
  g_assert_cmpint (fathom_run_view_get_selected_row (view), ==, 0);

  /* the chart: the run's loss per training batch and val_loss per epoch */
  assert_series (fathom_chart_get_data (fathom_run_view_get_chart (view)), run_name, "loss", run_dir,
                 "train", "loss");
  assert_series (fathom_chart_get_data (fathom_run_view_get_chart (view)), run_name, "val_loss", run_dir,
                 "valid", "loss");
  g_assert_cmpuint (count_metric_points (run_dir, "valid", "loss", NULL), ==, 2);
  g_assert_true (has_label_containing (GTK_WIDGET (view), "Experiment fcn · finished"));
  g_assert_true (has_label_containing (GTK_WIDGET (view), "The lesson: val acc .976"));

  /* fcn's maps at every feature cell blend (its own coarse maps beside them) */
  g_object_get (fathom_run_view_get_heatmap_controls (view), "interpolation", &interpolation, NULL);
  g_assert_cmpint (interpolation, ==, FATHOM_RESIZE_BILINEAR);

  /* every row's maps are its row of the safetensors, shown by the view */
  maps = fathom_safetensors_get_tensor (st, "maps", &error);
  g_assert_no_error (error);
  shape = fathom_tensor_get_shape (maps);
  g_assert_cmpint (shape[0], ==, n);
  g_assert_cmpint (shape[1], ==, 8);
  plane = (gsize) shape[2] * shape[3];
  g_assert_true (fathom_annotations_load_dir (ann, ann_dir, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      const FathomRunPrediction *p = fathom_run_predictions_get_row (preds, i);
      const float *want = fathom_tensor_get_data (maps) + (gsize) i * 8 * plane;
      const FathomHeatmap *map;
      gboolean pointing;
      double in_box;

      fathom_run_view_select_row (view, i);
      g_assert_cmpint (fathom_run_view_get_selected_row (view), ==, (int) i);
      map = fathom_run_view_get_heatmap (view);
      g_assert_nonnull (map);
      g_assert_cmpint (map->classes, ==, 8);
      g_assert_cmpint (map->height, ==, shape[2]);
      g_assert_cmpint (map->width, ==, shape[3]);
      g_assert_cmpint (memcmp (map->values, want, 8 * plane * sizeof (float)), ==, 0);
      /* the view shows the true class's map: its first and last cells */
      g_assert_cmpint (fathom_image_view_get_heatmap_class (iv), ==, p->true_class);
      g_assert_cmpfloat (view_cell_value (iv, map, 0, 0), ==, want[p->true_class * plane]);
      g_assert_cmpfloat (view_cell_value (iv, map, map->width - 1, map->height - 1), ==,
                         want[p->true_class * plane + plane - 1]);

      /* the photo's other marked fish, to be drawn dashed */
      {
        const FathomAnnotation *a = fathom_annotations_lookup (ann, p->file);
        guint want_others = a != NULL && a->rects->len > 0 ? a->rects->len - 1 : 0;

        g_assert_cmpuint (fathom_image_view_get_n_other_boxes (iv), ==, want_others);
        n_several += want_others > 0;
      }

      n_wrong += p->true_class != p->pred_class;
      g_assert_cmpint (fathom_run_view_get_photo_scores (view, &pointing, &in_box), ==, p->has_true_box);
      if (!p->has_true_box)
        continue;
      n_boxes++;
      n_hits += pointing;
      in_box_sum += isnan (in_box) ? 0 : in_box;
    }

  g_assert_cmpuint (n_several, >, 0);

  /* the photos' scores add up to the run's */
  {
    g_autoptr(FathomRunInfo) info = fathom_run_info_load (run_dir, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (n_boxes, >, 0);
    g_assert_cmpfloat_with_epsilon ((double) n_hits / n_boxes,
                                    fathom_run_info_get_final (info, "heatmap_pointing"), 1e-9);
    g_assert_cmpfloat_with_epsilon (in_box_sum / n_boxes,
                                    fathom_run_info_get_final (info, "heatmap_in_box"), 1e-5);
  }

  /* wrong class first: the wrong rows, then the right ones */
  fathom_run_view_set_sort (view, FATHOM_RUN_VIEW_SORT_WRONG_FIRST);
  for (guint pos = 0; pos < n; pos++)
    {
      guint row = fathom_run_view_get_listed_row (view, pos);
      const FathomRunPrediction *p = fathom_run_predictions_get_row (preds, row);

      g_assert_cmpint (p->true_class != p->pred_class, ==, pos < n_wrong);
    }
  fathom_run_view_set_wrong_only (view, TRUE);
  g_assert_cmpuint (fathom_run_view_get_n_listed (view), ==, n_wrong);
  fathom_run_view_set_wrong_only (view, FALSE);
  g_assert_cmpuint (fathom_run_view_get_n_listed (view), ==, n);

  /* the image view's arrow keys move the list's selection */
  fathom_run_view_select_row (view, fathom_run_view_get_listed_row (view, 0));
  gtk_widget_activate_action (GTK_WIDGET (iv), "image-view.next", NULL);
  g_assert_cmpint (fathom_run_view_get_selected_row (view), ==, (int) fathom_run_view_get_listed_row (view, 1));
  g_assert_nonnull (fathom_run_view_get_heatmap (view));
  g_assert_cmpint (fathom_image_view_get_heatmap_class (iv), ==,
                   fathom_run_predictions_get_row (preds, fathom_run_view_get_listed_row (view, 1))->true_class);

  /* the grid: eight maps */
  fathom_run_view_set_show_grid (view, TRUE);
  settle (50);
  g_assert_cmpuint (fathom_heatmap_grid_get_n_tiles (fathom_run_view_get_heatmap_grid (view)), ==, 8);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (fathom_run_view_get_heatmap_grid (view))));
  fathom_run_view_set_show_grid (view, FALSE);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (iv)));
  if (g_getenv ("FATHOM_RENDER_SAMPLES") != NULL)
    {
      g_autofree guint8 *pixels = NULL;
      int w, h;

      pixels = render_widget (window, GTK_WIDGET (view), &w, &h);
      maybe_save (pixels, w, h, "run-view-fcn.png");
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- bbox: the true box on screen ----------------------------------------- */

static void
test_bbox (void)
{
  const char *run_dir = run_experiment ("bbox");
  FathomRunView *view = load_view (run_dir);
  FathomImageView *iv = fathom_run_view_get_image_view (view);
  FathomRunPredictions *preds = fathom_run_view_get_predictions (view);
  GtkWidget *window = show_in_window (GTK_WIDGET (view), GTK_WIDGET (iv), 1280, 960);
  guint n = fathom_run_predictions_get_n_rows (preds);
  const FathomRunPrediction *p = NULL;
  const FathomImage *img;
  g_autofree guint8 *pixels = NULL;
  FathomViewTransform t;
  double bx, by, bw, bh, x, y;
  int w, h, interpolation;
  guint row = 0;

  g_assert_cmpuint (n, ==, count_prediction_lines (run_dir));
  g_assert_true (fathom_run_predictions_has_pred_boxes (preds));
  g_assert_null (fathom_run_view_get_heatmap (view));
  g_object_get (fathom_run_view_get_heatmap_controls (view), "interpolation", &interpolation, NULL);
  g_assert_cmpint (interpolation, ==, FATHOM_RESIZE_BILINEAR);

  /* lowest IoU first */
  fathom_run_view_set_sort (view, FATHOM_RUN_VIEW_SORT_LOWEST_IOU);
  for (guint pos = 1; pos < n; pos++)
    {
      double a = fathom_run_predictions_get_row (preds, fathom_run_view_get_listed_row (view, pos - 1))->iou;
      double b = fathom_run_predictions_get_row (preds, fathom_run_view_get_listed_row (view, pos))->iou;

      g_assert_true (isnan (b) || a <= b);
    }

  /* a photo with a true box, its box well inside the frame */
  for (row = 0; row < n; row++)
    {
      p = fathom_run_predictions_get_row (preds, row);
      if (p->has_true_box && p->true_box[0] >= 8 && p->true_box[1] >= 8)
        break;
    }
  g_assert_cmpuint (row, <, n);
  fathom_run_view_select_row (view, row);
  img = fathom_image_view_get_image (iv);
  g_assert_nonnull (img);
  g_assert_true (has_label_containing (GTK_WIDGET (view), p->file));

  /* [h, w, x, y] at the 48x48 input, stretched over the photo */
  bh = p->true_box[0] * img->height / 48.0;
  bw = p->true_box[1] * img->width / 48.0;
  bx = p->true_box[2] * img->width / 48.0;
  by = p->true_box[3] * img->height / 48.0;

  /* only the true box, so nothing drawn later hides its edge */
  fathom_image_view_set_layer_visible (iv, FATHOM_OVERLAY_PRED_BOX | FATHOM_OVERLAY_LABELS, FALSE);
  pixels = render_widget (window, GTK_WIDGET (iv), &w, &h);
  maybe_save (pixels, w, h, "run-view-bbox.png");
  fathom_image_view_get_transform (iv, &t);
  g_assert_cmpfloat (t.scale, >, 1.0);
  /* the left and right edges halfway down, the bottom edge halfway across */
  fathom_view_transform_to_view (&t, bx, by + bh / 2, &x, &y);
  g_assert_true (colour_near (pixels, w, h, x, y, 255, 0, 0, 10));
  fathom_view_transform_to_view (&t, bx + bw, by + bh / 2, &x, &y);
  g_assert_true (colour_near (pixels, w, h, x, y, 255, 0, 0, 10));
  fathom_view_transform_to_view (&t, bx + bw / 2, by + bh, &x, &y);
  g_assert_true (colour_near (pixels, w, h, x, y, 255, 0, 0, 10));

  /* the predicted box alone: yellow on its left edge */
  g_assert_true (p->has_pred_box);
  fathom_image_view_set_layer_visible (iv, FATHOM_OVERLAY_TRUE_BOX, FALSE);
  fathom_image_view_set_layer_visible (iv, FATHOM_OVERLAY_PRED_BOX, TRUE);
  g_free (pixels);
  pixels = render_widget (window, GTK_WIDGET (iv), &w, &h);
  /* without the true box, its edge is the photo's: not red */
  fathom_view_transform_to_view (&t, bx, by + bh / 2, &x, &y);
  g_assert_false (colour_near (pixels, w, h, x, y, 255, 0, 0, 10));
  {
    FathomBox pred;

    fathom_overlay_box_from_model (p->pred_box, 48, 48, img->width, img->height, &pred);
    if (pred.width > 2 && pred.height > 2)
      {
        fathom_view_transform_to_view (&t, pred.x, pred.y + pred.height / 2, &x, &y);
        g_assert_true (colour_near (pixels, w, h, x, y, 255, 255, 0, 10));
      }
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- broken folders --------------------------------------------------------- */

static void
assert_load_fails (FathomRunView *view, const char *dir, const char *names)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (fathom_run_view_load (view, dir, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, names) == NULL)
    g_error ("\"%s\" does not name %s", error->message, names);
}

static void
test_errors (void)
{
  const char *good = run_experiment ("bbox");
  g_autofree char *dir = g_build_filename (work_dir, "broken", NULL);
  g_autofree char *run_json = read_text (good, "run.json");
  g_autofree char *csv = read_text (good, "predictions.csv");
  FathomRunView *view = g_object_ref_sink (load_view (good));
  guint n = fathom_run_view_get_n_listed (view);
  g_autoptr(GString) short_row = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);

  /* no run.json */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_text (dir, "predictions.csv", csv, -1);
  assert_load_fails (view, dir, "run.json");

  /* a header that is not predictions.csv's, then a row cut short */
  write_text (dir, "run.json", run_json, -1);
  write_text (dir, "predictions.csv", "file,true_class\nimg.jpg,ALB\n", -1);
  assert_load_fails (view, dir, "predictions.csv:1");
  g_string_append_printf (short_row, "%s\n%s\n%.20s\n", lines[0], lines[1], lines[2]);
  write_text (dir, "predictions.csv", short_row->str, -1);
  assert_load_fails (view, dir, "predictions.csv:3");
  write_text (dir, "predictions.csv", "\xff\xfe\x01garbage", 6);
  assert_load_fails (view, dir, "predictions.csv");

  /* heatmaps that are not safetensors */
  write_text (dir, "predictions.csv", csv, -1);
  write_text (dir, "heatmaps.safetensors", "not a safetensors file", -1);
  assert_load_fails (view, dir, "heatmaps.safetensors");

  /* the failures left the good run shown */
  g_assert_cmpstr (fathom_run_view_get_run_dir (view), ==, good);
  g_assert_cmpuint (fathom_run_view_get_n_listed (view), ==, n);

  /* run.json alone (a run stopped before its evaluation) opens, empty */
  {
    g_autofree char *bare = g_build_filename (work_dir, "bare", NULL);
    g_autoptr(GError) error = NULL;

    write_text (bare, "run.json", "{\"experiment\": \"fcn\", \"status\": \"stopped\"}", -1);
    g_assert_true (fathom_run_view_load (view, bare, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (fathom_run_view_get_n_listed (view), ==, 0);
    g_assert_null (fathom_run_view_get_predictions (view));
    g_assert_cmpint (fathom_run_view_get_selected_row (view), ==, -1);
    g_assert_true (has_label_containing (GTK_WIDGET (view), "Experiment fcn · stopped"));
  }
  g_object_unref (view);
}

/* ---- predictions.csv, strictly -------------------------------------------- */

static void
assert_parse_fails (const char *text, const char *where)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunPredictions) preds = fathom_run_predictions_parse (text, -1, "p.csv", &error);

  g_assert_null (preds);
  g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE);
  if (!g_str_has_prefix (error->message, where))
    g_error ("\"%s\" does not start with %s", error->message, where);
}

static void
test_predictions_csv (void)
{
  const char *header = "file,true_class,pred_class,A,B,true_h,true_w,true_x,true_y,"
                       "pred_h,pred_w,pred_x,pred_y,iou\r\n";
  g_autofree char *text = g_strconcat (header,
                                       "\"odd, \"\"name\"\"\nx.jpg\",B,A,0.75,0.25,10,20,3,4,,,,,\r\n",
                                       "plain.png,A,A,1,0,0,0,0,0,5,6,7,8,0.125\r\n\r\n", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunPredictions) preds = fathom_run_predictions_parse (text, -1, "p.csv", &error);
  const FathomRunPrediction *p;

  g_assert_no_error (error);
  g_assert_cmpuint (fathom_run_predictions_get_n_rows (preds), ==, 2);
  g_assert_cmpuint (fathom_run_predictions_get_n_classes (preds), ==, 2);
  g_assert_cmpstr (fathom_run_predictions_get_class_names (preds)[1], ==, "B");
  g_assert_true (fathom_run_predictions_has_pred_boxes (preds));
  /* a quoted name keeps its comma, quotes and newline */
  p = fathom_run_predictions_get_row (preds, 0);
  g_assert_cmpstr (p->file, ==, "odd, \"name\"\nx.jpg");
  g_assert_cmpint (p->true_class, ==, 1);
  g_assert_cmpint (p->pred_class, ==, 0);
  g_assert_cmpfloat (p->probs[0], ==, 0.75f);
  g_assert_true (p->has_true_box);
  g_assert_cmpfloat (p->true_box[0], ==, 10.f);
  g_assert_cmpfloat (p->true_box[3], ==, 4.f);
  g_assert_false (p->has_pred_box);
  g_assert_true (isnan (p->iou));
  /* a box of zeros is no box */
  p = fathom_run_predictions_get_row (preds, 1);
  g_assert_false (p->has_true_box);
  g_assert_true (p->has_pred_box);
  g_assert_cmpfloat (p->pred_box[2], ==, 7.f);
  g_assert_cmpfloat (p->iou, ==, 0.125);

  /* each fault names the file and its line */
  assert_parse_fails ("", "p.csv:1:");
  assert_parse_fails ("file,true_class,pred_class\n", "p.csv:1:");
  {
    g_autofree char *unclosed = g_strconcat (header, "plain.png,A,A,1,0,0,0,0,0,,,,,\n\"x.jpg,A", NULL);
    g_autofree char *stranger = g_strconcat (header, "\n\nx.jpg,C,A,1,0,0,0,0,0,,,,,\n", NULL);
    g_autofree char *too_sure = g_strconcat (header, "x.jpg,A,A,1.5,0,0,0,0,0,,,,,\n", NULL);
    g_autofree char *three = g_strconcat (header, "x.jpg,A,A,1,0,1,2,3,,,,,,\n", NULL);
    g_autofree char *nan_iou = g_strconcat (header, "x.jpg,A,A,1,0,1,2,3,4,1,2,3,4,nan\n", NULL);

    assert_parse_fails (unclosed, "p.csv:3:");
    assert_parse_fails (stranger, "p.csv:4:");
    assert_parse_fails (too_sure, "p.csv:2:");
    assert_parse_fails (three, "p.csv:2:");
    assert_parse_fails (nan_iou, "p.csv:2:");
  }
}

int
main (int argc, char **argv)
{
  FathomFishsimOptions opts;
  g_autoptr(GError) error = NULL;
  int status;

  /* Without a session bus GTK's AT-SPI bridge warns, and warnings are
   * fatal in tests. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  work_dir = g_dir_make_tmp ("fathom-run-view-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (work_dir, "data", NULL);
  cache_dir = g_build_filename (work_dir, "cache", NULL);
  fathom_fishsim_options_init (&opts);
  opts.out_dir = data_dir;
  opts.n_images = 80;
  opts.scale = 0.15;
  opts.seed = 11;
  if (!fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error))
    g_error ("fishsim: %s", error->message);

  g_test_add_func ("/run-view/predictions-csv", test_predictions_csv);
  g_test_add_func ("/run-view/fcn", test_fcn);
  g_test_add_func ("/run-view/bbox", test_bbox);
  g_test_add_func ("/run-view/errors", test_errors);
  status = g_test_run ();

  fathom_test_remove_tree (work_dir);
  g_free (data_dir);
  g_free (cache_dir);
  g_free (work_dir);
  return status;
}
