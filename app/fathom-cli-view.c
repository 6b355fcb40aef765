/* fathom-cli-view.c: fathom-cli heatmap, render and submit: a trained run
 * folder put to use on photos (fathom-predictor.h) and drawn
 * (ui/render). */
#include "fathom-cli-private.h"
#include "fathom-atomic-file.h"
#include "fathom-chart-render.h"
#include "fathom-chart-run.h"
#include "fathom-dataset.h"
#include "fathom-heatmap.h"
#include "fathom-metrics.h"
#include "fathom-overlay-render.h"
#include "fathom-predictor.h"
#include "fathom-run.h"
#include "fathom-run-predictions.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* ---- heatmap ---------------------------------------------------------------- */

static gboolean
parse_interp (const char *text, FathomResize *out)
{
  if (g_str_equal (text, "nearest"))
    *out = FATHOM_RESIZE_NEAREST;
  else if (g_str_equal (text, "bilinear"))
    *out = FATHOM_RESIZE_BILINEAR;
  else
    return FALSE;
  return TRUE;
}

/* The other marked fish of the photo file in set (none when set is NULL)
 * into *others, which the scene borrows. */
static void
set_other_boxes_from (FathomOverlayScene *scene, FathomAnnotations *set, const char *file, GArray **others)
{
  g_clear_pointer (others, g_array_unref);
  *others = fathom_annotation_dup_other_rects (set != NULL ? fathom_annotations_lookup (set, file) : NULL);
  scene->other_boxes = (const FathomBox *) (gconstpointer) (*others)->data;
  scene->n_other_boxes = (*others)->len;
}

/* The same from the annotations/ of the dataset folder data_dir. */
static void
set_other_boxes (FathomOverlayScene *scene, const char *data_dir, const char *file, GArray **others)
{
  g_autoptr(FathomAnnotations) set = fathom_annotations_load_dataset (data_dir);

  set_other_boxes_from (scene, set, file, others);
}

static int
json_int (JsonObject *o, const char *key)
{
  return o != NULL && json_object_has_member (o, key) ? (int) json_object_get_int_member (o, key) : 0;
}

/* When image is one of the run's validation photos and has a true box,
 * that box (red, tagged with the class) goes into the scene, and with it
 * the legend's pointing, and the photo's other marked fish (dashed) from
 * the dataset's annotations/ into *others, which the scene borrows;
 * classes are the model's, which outlive scene. */
static void
add_true_box (const char *run, const char *image, const char *const *classes, FathomOverlayScene *scene,
              GArray **others)
{
  g_autoptr(FathomRunInfo) info = fathom_run_info_load (run, NULL);
  g_autofree char *csv = g_build_filename (run, "predictions.csv", NULL);
  g_autofree char *data_dir = NULL, *wanted = NULL;
  g_autoptr(FathomRunPredictions) rows = NULL;
  JsonObject *root, *config;
  int model_w, model_h;

  if (info == NULL || (data_dir = fathom_run_info_dup_dataset_dir (info, run)) == NULL ||
      !g_file_test (csv, G_FILE_TEST_EXISTS) || (rows = fathom_run_predictions_load (csv, NULL)) == NULL)
    return;
  root = fathom_run_info_get_json (info);
  config = json_object_has_member (root, "config") ? json_object_get_object_member (root, "config") : NULL;
  model_w = json_int (config, "input_width");
  model_h = json_int (config, "input_height");
  if (model_w <= 0 || model_h <= 0)
    return;
  wanted = g_canonicalize_filename (image, NULL);
  for (guint i = 0; i < fathom_run_predictions_get_n_rows (rows); i++)
    {
      const FathomRunPrediction *r = fathom_run_predictions_get_row (rows, i);
      g_autofree char *path = g_build_filename (data_dir, r->file, NULL);
      g_autofree char *canonical = g_canonicalize_filename (path, NULL);

      if (!g_str_equal (canonical, wanted))
        continue;
      if (r->has_true_box && r->true_class >= 0 && (guint) r->true_class < g_strv_length ((char **) classes))
        {
          scene->has_true_box = TRUE;
          fathom_overlay_box_from_model (r->true_box, model_w, model_h, scene->image->width,
                                         scene->image->height, &scene->true_box);
          scene->true_label = classes[r->true_class];
          scene->layers |= FATHOM_OVERLAY_TRUE_BOX | FATHOM_OVERLAY_LABELS;
          set_other_boxes (scene, data_dir, r->file, others);
        }
      return;
    }
}

int
fathom_cli_heatmap (int argc, char **argv)
{
  g_autofree char *run = NULL, *image = NULL, *class_name = NULL, *interp = NULL, *colormap = NULL;
  g_autofree char *out = NULL, *device = NULL;
  double alpha = 0.5;
  int width = 0, columns = 4;
  gboolean coarse = FALSE;
  GOptionEntry entries[] = {
    { "run", 0, 0, G_OPTION_ARG_FILENAME, &run, "Run folder of fcn, allconv or inception", "RUNDIR" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &image, "Photo (JPEG or PNG)", "FILE" },
    { "class", 0, 0, G_OPTION_ARG_STRING, &class_name, "Class map to draw, or all for a grid (default: the predicted class)", "NAME|all" },
    { "interp", 0, 0, G_OPTION_ARG_STRING, &interp, "bilinear (default) or nearest (default with --coarse, the lesson's)", "MODE" },
    { "coarse", 0, 0, G_OPTION_ARG_NONE, &coarse, "fcn and inception: the head's own coarse map (fcn's 5x5, as the lesson drew it) instead of the map at every feature cell", NULL },
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &colormap, "cool (default, the lesson's), viridis, inferno or grey", "NAME" },
    { "alpha", 0, 0, G_OPTION_ARG_DOUBLE, &alpha, "Opacity of the map over the photo (default 0.5)", "A" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Width of the PNG (default: the photo's)", "W" },
    { "columns", 0, 0, G_OPTION_ARG_INT, &columns, "Columns of the all-classes grid (default 4)", "N" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "cpu (default) or cuda", "DEVICE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "PNG to write", "PNG" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— a class map of a trained model over a photo");
  g_autoptr(FathomPredictor) predictor = NULL;
  g_autoptr(FathomImage) photo = NULL;
  g_autoptr(FathomHeatmap) heatmap = NULL;
  g_autoptr(GArray) others = NULL;
  g_auto(FathomPrediction) pred = { 0 };
  void (*say) (const gchar *format, ...);
  FathomOverlayScene scene;
  const char *const *classes;
  const gint64 *shape;
  gboolean all;
  int k;
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || run == NULL || image == NULL || out == NULL || *out == '\0')
    {
      g_printerr ("Usage: fathom-cli heatmap --run RUNDIR --image FILE [--class NAME|all] [--coarse]\n"
                  "       [--interp nearest|bilinear] [--colormap cool|viridis|inferno|grey] [--alpha A] [--width W] --out PNG\n");
      return 2;
    }
  if (!(alpha >= 0 && alpha <= 1) || width < 0 || columns < 1)
    {
      g_printerr ("fathom-cli: --alpha must lie between 0 and 1, --width must not be negative (0: the photo's) "
                  "and --columns must be at least 1\n");
      return 2;
    }
  fathom_overlay_scene_init (&scene);
  if (colormap != NULL && !fathom_colormap_from_name (colormap, &scene.style.colormap))
    {
      g_printerr ("fathom-cli: unknown colormap “%s” (cool, viridis, inferno or grey)\n", colormap);
      return 2;
    }
  if (interp != NULL && !parse_interp (interp, &scene.style.interpolation))
    {
      g_printerr ("fathom-cli: unknown interpolation “%s” (nearest or bilinear)\n", interp);
      return 2;
    }

  predictor = fathom_predictor_new (run, device, &error);
  if (predictor == NULL)
    return fathom_cli_fail (error);
  if (!fathom_predictor_has_maps (predictor))
    {
      g_printerr ("fathom-cli: %s is a %s run, which has no class maps (fcn, allconv and inception have)\n", run,
                  fathom_predictor_get_experiment (predictor));
      return 1;
    }
  photo = fathom_image_load (image, &error);
  if (photo == NULL)
    return fathom_cli_fail (error);
  if (!fathom_predictor_predict (predictor, photo, &pred, &error))
    return fathom_cli_fail (error);

  classes = fathom_predictor_get_classes (predictor);
  all = g_strcmp0 (class_name, "all") == 0;
  k = pred.pred_class;
  if (class_name != NULL && !all && (k = fathom_predictor_find_class (predictor, class_name)) < 0)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) classes);
      g_printerr ("fathom-cli: the model has no class “%s” (%s, or all)\n", class_name, known);
      return 2;
    }
  if (coarse && pred.coarse_maps == NULL)
    {
      g_printerr ("fathom-cli: %s is a %s run, whose class maps are already one value per feature cell "
                  "(--coarse is for fcn and inception)\n", run, fathom_predictor_get_experiment (predictor));
      return 2;
    }
  shape = fathom_tensor_get_shape (coarse ? pred.coarse_maps : pred.maps);
  heatmap = fathom_heatmap_new_from_data ((int) shape[0], (int) shape[1], (int) shape[2],
                                          fathom_tensor_get_const_data (coarse ? pred.coarse_maps : pred.maps));
  /* the lesson drew F's 5x5 maps blocky, G's 22x40 maps smooth */
  if (interp == NULL)
    scene.style.interpolation = coarse ? FATHOM_RESIZE_NEAREST : FATHOM_RESIZE_BILINEAR;
  scene.style.opacity = alpha;
  scene.image = photo;
  scene.heatmap = heatmap;
  scene.class_names = classes;
  scene.heatmap_class = k;
  scene.pred_label = classes[pred.pred_class];
  scene.pred_prob = pred.probs[pred.pred_class];
  scene.layers = FATHOM_OVERLAY_PHOTO | FATHOM_OVERLAY_HEATMAP | FATHOM_OVERLAY_METRICS;
  add_true_box (run, image, classes, &scene, &others);
  if (all ? !fathom_overlay_export_grid_png (&scene, columns, width > 0 ? width : 1200, out, &error)
          : !fathom_overlay_export_png (&scene, width, out, &error))
    return fathom_cli_fail (error);
  /* not into the picture when that goes to stdout */
  say = fathom_cli_is_stdout (out) ? g_printerr : g_print;
  say ("%s: predicted %s (%.3f); %s map%s %dx%d over %dx%d, written to %s\n", image, classes[pred.pred_class],
       pred.probs[pred.pred_class], all ? "all" : classes[k], all ? "s" : "", heatmap->height, heatmap->width,
       photo->width, photo->height, out);
  if (scene.has_true_box)
    {
      int t = fathom_predictor_find_class (predictor, scene.true_label);
      int reference = fathom_metric_map_reference (classes, fathom_predictor_get_n_classes (predictor));
      gboolean inside = fathom_heatmap_pointing (heatmap, t, reference, photo->width, photo->height,
                                                 &scene.true_box);
      gboolean on_other = FALSE;
      g_autofree char *n_others = scene.n_other_boxes > 0
                                    ? g_strdup_printf (", %u other marked fish (dashed)", scene.n_other_boxes)
                                    : g_strdup ("");

      for (guint i = 0; i < scene.n_other_boxes && !inside && !on_other; i++)
        on_other = fathom_heatmap_pointing (heatmap, t, reference, photo->width, photo->height,
                                            &scene.other_boxes[i]);
      say ("A validation photo of the run: true %s, box %.0f, %.0f, %.0f x %.0f (red)%s; "
           "the %s map, read against %s, points %s\n", scene.true_label, scene.true_box.x, scene.true_box.y,
           scene.true_box.width, scene.true_box.height, n_others, scene.true_label,
           reference >= 0 && reference != t ? classes[reference] : "the classes' mean",
           inside ? "inside it" : on_other ? "outside it, on another marked fish" : "outside it");
    }
  return 0;
}

/* ---- render ----------------------------------------------------------------- */

/* One validation photo with its true box (red), the predicted box
 * (yellow) with the IoU, and the class tags. */
static gboolean
render_photo (const char *root, FathomAnnotations *annotations, const FathomRunPrediction *r,
              const char *const *classes, int model_w, int model_h, int width, const char *out_dir, GError **error)
{
  g_autoptr(GArray) others = NULL;
  g_autofree char *path = g_build_filename (root, r->file, NULL);
  g_autofree char *base = g_path_get_basename (r->file);
  g_autofree char *png = NULL;
  g_autoptr(FathomImage) photo = fathom_image_load (path, error);
  FathomOverlayScene scene;
  char *dot;

  if (photo == NULL)
    return FALSE;
  fathom_overlay_scene_init (&scene);
  scene.image = photo;
  scene.layers = FATHOM_OVERLAY_PHOTO | FATHOM_OVERLAY_TRUE_BOX | FATHOM_OVERLAY_PRED_BOX | FATHOM_OVERLAY_LABELS |
                 FATHOM_OVERLAY_METRICS;
  scene.true_label = classes[r->true_class];
  scene.pred_label = classes[r->pred_class];
  scene.pred_prob = r->probs[r->pred_class];
  scene.iou = r->iou;
  if (model_w > 0 && model_h > 0 && r->has_true_box)
    {
      scene.has_true_box = TRUE;
      fathom_overlay_box_from_model (r->true_box, model_w, model_h, photo->width, photo->height, &scene.true_box);
      set_other_boxes_from (&scene, annotations, r->file, &others);
    }
  if (model_w > 0 && model_h > 0 && r->has_pred_box)
    {
      scene.has_pred_box = TRUE;
      fathom_overlay_box_from_model (r->pred_box, model_w, model_h, photo->width, photo->height, &scene.pred_box);
    }
  if ((dot = strrchr (base, '.')) != NULL)
    *dot = '\0';
  png = g_strdup_printf ("%s/%s.png", out_dir, base);
  return fathom_overlay_export_png (&scene, width, png, error);
}

int
fathom_cli_render (int argc, char **argv)
{
  g_autofree char *run = NULL, *out = NULL, *curves = NULL;
  int limit = 32, width = 640;
  GOptionEntry entries[] = {
    { "run", 0, 0, G_OPTION_ARG_FILENAME, &run, "Run folder of fathom-cli train", "RUNDIR" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Folder for the PNGs (default RUNDIR/renders)", "DIR" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Validation photos to draw (default 32, 0 for all)", "N" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Width of each photo's PNG (default 640, 0: the photo's)", "W" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— validation photos with true (red) and predicted (yellow) boxes, and the loss curves");
  g_autoptr(FathomRunPredictions) rows = NULL;
  g_autoptr(FathomAnnotations) annotations = NULL;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(FathomChartData) chart = NULL;
  g_autofree char *label = NULL, *predictions = NULL;
  FathomChartStyle style;
  g_autofree char *data_dir = NULL;
  JsonObject *root, *config;
  guint n, n_rows, written = 0;
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || run == NULL || limit < 0 || width < 0)
    {
      g_printerr ("Usage: fathom-cli render --run RUNDIR [--out DIR] [--limit N] [--width W]\n");
      return 2;
    }
  if (out == NULL)
    out = g_build_filename (run, "renders", NULL);
  predictions = g_build_filename (run, "predictions.csv", NULL);
  info = fathom_run_info_load (run, &error);
  if (info == NULL)
    return fathom_cli_fail (error);
  if (g_mkdir_with_parents (out, 0755) != 0)
    {
      int saved = errno;
      g_printerr ("fathom-cli: cannot create %s: %s\n", out, g_strerror (saved));
      return 1;
    }

  /* the curves of every run */
  label = g_path_get_basename (run);
  chart = fathom_chart_data_new_from_run (info, label);
  fathom_chart_style_init (&style, FALSE);
  curves = g_build_filename (out, "curves.png", NULL);
  if (!fathom_chart_render_png (chart, NULL, &style, 1000, 560, curves, &error))
    return fathom_cli_fail (error);
  g_print ("Loss curves: %s\n", curves);

  /* the photos of runs with predictions */
  root = fathom_run_info_get_json (info);
  data_dir = fathom_run_info_dup_dataset_dir (info, run);
  config = json_object_has_member (root, "config") ? json_object_get_object_member (root, "config") : NULL;
  if (data_dir == NULL || !g_file_test (predictions, G_FILE_TEST_EXISTS))
    {
      g_print ("No predictions.csv in %s: only the curves\n", run);
      return 0;
    }
  rows = fathom_run_predictions_load (predictions, &error);
  if (rows == NULL)
    return fathom_cli_fail (error);
  annotations = fathom_annotations_load_dataset (data_dir);
  n_rows = fathom_run_predictions_get_n_rows (rows);
  n = limit > 0 ? MIN ((guint) limit, n_rows) : n_rows;
  for (guint i = 0; i < n; i++)
    {
      const FathomRunPrediction *r = fathom_run_predictions_get_row (rows, i);

      if (!render_photo (data_dir, annotations, r, fathom_run_predictions_get_class_names (rows),
                         json_int (config, "input_width"), json_int (config, "input_height"), width, out, &error))
        {
          /* one unreadable photo does not stop the others */
          g_printerr ("fathom-cli: %s\n", error->message);
          g_clear_error (&error);
          continue;
        }
      written++;
    }
  g_print ("Drew %u of %u validation photos (true box red, predicted yellow) into %s\n", written, n_rows, out);
  return written == n ? 0 : 1;
}

/* ---- submit ----------------------------------------------------------------- */

typedef struct {
  FathomPredictor   *predictor;
  FathomDataset     *ds;
  GArray            *items;         /* guint: the test images */
  double             clip_max;
  GString           *csv;
  FathomCliProgress  progress;
} Submit;

static void
submit_report (Submit *s, guint done, gint64 t0)
{
  FathomTrainProgress p = fathom_train_progress_one_pass ("predict", done, s->items->len, (gint64) done - 1,
                                                          s->items->len, t0);

  fathom_cli_progress (&p, &s->progress);
}

/* The course clipped to [(1 - mx) / 7, mx] so that a confident mistake
 * cannot cost more than -log((1 - mx) / 7) in the log-loss. */
static gboolean
submit_work (gpointer data, GCancellable *cancellable, GError **error)
{
  Submit *s = data;
  guint n_classes = fathom_predictor_get_n_classes (s->predictor);
  double lo = (1 - s->clip_max) / (n_classes - 1), hi = s->clip_max;
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < s->items->len; i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (s->ds, g_array_index (s->items, guint, i));
      g_autofree char *path = g_build_filename (fathom_dataset_get_root (s->ds), item->path, NULL);
      g_autofree char *base = g_path_get_basename (item->path);
      g_autoptr(FathomImage) photo = NULL;
      g_auto(FathomPrediction) pred = { 0 };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      photo = fathom_image_load (path, error);
      if (photo == NULL || !fathom_predictor_predict (s->predictor, photo, &pred, error))
        return FALSE;
      g_string_append (s->csv, base);
      for (guint k = 0; k < n_classes; k++)
        g_string_append_printf (s->csv, ",%.6f", CLAMP ((double) pred.probs[k], lo, hi));
      g_string_append_c (s->csv, '\n');
      submit_report (s, i + 1, t0);
    }
  return TRUE;
}

static GBytes *
gzip_bytes (const char *text, gsize length, GError **error)
{
  g_autoptr(GZlibCompressor) zlib = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) gz = g_converter_output_stream_new (mem, G_CONVERTER (zlib));

  if (!g_output_stream_write_all (gz, text, length, NULL, NULL, error) || !g_output_stream_close (gz, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

int
fathom_cli_submit (int argc, char **argv)
{
  g_autofree char *run = NULL, *data = NULL, *out = NULL, *device = NULL;
  double clip = 0.82;
  GOptionEntry entries[] = {
    { "run", 0, 0, G_OPTION_ARG_FILENAME, &run, "Run folder of fathom-cli train", "RUNDIR" },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data, "Dataset folder with the unlabelled test_stg1/", "DIR" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Submission to write (.csv.gz, or .csv uncompressed)", "FILE" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &clip, "Largest probability; the floor is (1 - clip) / 7 (default 0.82, the course's)", "MX" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "cpu (default) or cuda", "DEVICE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— a Kaggle submission of a trained model's test predictions");
  g_autoptr(FathomDataset) ds = NULL;
  g_autoptr(FathomPredictor) predictor = NULL;
  g_autoptr(GArray) items = NULL;
  g_autoptr(GString) csv = g_string_new ("image");
  g_autoptr(GBytes) gz = NULL;
  g_autofree char *lower = NULL;
  FathomDatasetOptions dso;
  Submit s = { 0 };
  const char *const *classes;
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || run == NULL || data == NULL || out == NULL || !(clip > 0.5 && clip <= 1))
    {
      g_printerr ("Usage: fathom-cli submit --run RUNDIR --data DIR --out FILE.csv.gz [--clip MX] [--device cpu|cuda]\n"
                  "       (MX in (0.5, 1])\n");
      return 2;
    }
  predictor = fathom_predictor_new (run, device, &error);
  if (predictor == NULL)
    return fathom_cli_fail (error);
  /* the probabilities alone */
  fathom_predictor_set_want_maps (predictor, FALSE);
  fathom_dataset_options_init (&dso);
  ds = fathom_dataset_load (data, &dso, &error);
  if (ds == NULL)
    return fathom_cli_fail (error);
  items = fathom_dataset_list_items (ds, FATHOM_SPLIT_TEST);
  if (items->len == 0)
    {
      g_printerr ("fathom-cli: %s has no unlabelled test photos (test_stg1/)\n", data);
      return 1;
    }
  classes = fathom_predictor_get_classes (predictor);
  for (guint k = 0; classes[k] != NULL; k++)
    g_string_append_printf (csv, ",%s", classes[k]);
  g_string_append_c (csv, '\n');

  s = (Submit) { predictor, ds, items, clip, csv };
  fathom_cli_progress_init (&s.progress, NULL, "img/s");
  if (!fathom_cli_run_in_worker (submit_work, &s, &error))
    return fathom_cli_work_failed (error, NULL);
  lower = g_ascii_strdown (out, -1);
  if (g_str_has_suffix (lower, ".gz"))
    {
      gz = gzip_bytes (csv->str, csv->len, &error);
      if (gz == NULL || !fathom_write_file_atomic (out, g_bytes_get_data (gz, NULL), (gssize) g_bytes_get_size (gz),
                                                   &error))
        return fathom_cli_fail (error);
    }
  else if (!fathom_write_file_atomic (out, csv->str, (gssize) csv->len, &error))
    return fathom_cli_fail (error);
  /* not into the submission when that goes to stdout */
  (fathom_cli_is_stdout (out) ? g_printerr : g_print) ("Wrote the predictions of %u test photos (clipped to "
                                                       "[%.4f, %.2f]) to %s\n", items->len,
                                                       (1 - clip) / (fathom_predictor_get_n_classes (predictor) - 1),
                                                       clip, out);
  return 0;
}
