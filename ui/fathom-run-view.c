/* fathom-run-view.c: a run folder's header, curves, validation photos and
 * class maps (see fathom-run-view.h).
 *
 * The list is a GListStore of rows (an index into predictions.csv) under
 * a sort and a filter model. The image view travels through the same
 * filtered model, so the list's selection and the view's current photo
 * are one: each follows the other, and the photo, its boxes and its maps
 * are filled in when either moves. The list is in fathom-run-view-list.c,
 * the photo in fathom-run-view-photo.c.
 */
#include "fathom-run-view-private.h"

#include <math.h>

#include "fathom-chart-run.h"
#include "fathom-run.h"
#include "fathom-safetensors.h"

G_DEFINE_FINAL_TYPE (FathomRunView, fathom_run_view, GTK_TYPE_WIDGET)

/* ---- reading the folder ------------------------------------------------ */

/* A string member, or NULL when absent or of another type. */
static const char *
member_string (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A positive size from run.json's "config", or 0. */
static int
config_size (JsonObject *root,
             const char *name)
{
  JsonNode *config = json_object_get_member (root, "config");
  JsonNode *node;
  gint64 v;

  if (config == NULL || !JSON_NODE_HOLDS_OBJECT (config))
    return 0;
  node = json_object_get_member (json_node_get_object (config), name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  v = json_node_get_int (node);
  return v > 0 && v <= 65536 ? (int) v : 0;
}

/* A run that stopped before its evaluation has no predictions.csv: not
 * an error. One that is there must read. */
static gboolean
load_predictions (const char            *run_dir,
                  FathomRunPredictions **out,
                  GError               **error)
{
  g_autofree char *path = g_build_filename (run_dir, "predictions.csv", NULL);

  *out = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  *out = fathom_run_predictions_load (path, error);
  return *out != NULL;
}

static gboolean
maps_error (GError    **error,
            const char *path,
            const char *what)
{
  g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE, "%s: %s", path, what);
  return FALSE;
}

/* heatmaps.safetensors' "maps" [N, K, h, w], one per predictions.csv row;
 * its input size fills in for run.json's when that has none. coarse: the
 * file also holds the head's own coarser maps, so "maps" are the ones at
 * every feature cell (fathom-dense-maps.h). */
static gboolean
load_maps (const char           *run_dir,
           FathomRunPredictions *predictions,
           float               **maps,
           int                  *map_h,
           int                  *map_w,
           gboolean             *coarse,
           int                  *input_width,
           int                  *input_height,
           GError              **error)
{
  g_autofree char *path = g_build_filename (run_dir, "heatmaps.safetensors", NULL);
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(FathomTensor) tensor = NULL;
  gint64 shape[FATHOM_MAX_DIMS];
  const char *meta;
  guint ndim;

  *maps = NULL;
  if (predictions == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  st = fathom_safetensors_load (path, error);
  if (st == NULL)
    return FALSE;
  if (!fathom_safetensors_get_info (st, "maps", &ndim, shape, NULL))
    return maps_error (error, path, "no tensor \"maps\"");
  if (ndim != 4 || shape[0] != fathom_run_predictions_get_n_rows (predictions) ||
      shape[1] != fathom_run_predictions_get_n_classes (predictions) ||
      shape[2] < 1 || shape[2] > 4096 || shape[3] < 1 || shape[3] > 4096)
    return maps_error (error, path, "\"maps\" is not [rows of predictions.csv, classes, h, w]");
  tensor = fathom_safetensors_get_tensor (st, "maps", error);
  if (tensor == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  *maps = g_memdup2 (fathom_tensor_get_data (tensor), fathom_tensor_get_numel (tensor) * sizeof (float));
  *map_h = (int) shape[2];
  *map_w = (int) shape[3];
  *coarse = fathom_safetensors_get_info (st, "coarse_maps", &ndim, shape, NULL);
  if (*input_width <= 0 && (meta = fathom_safetensors_get_metadata (st, "input_width")) != NULL)
    *input_width = (int) CLAMP (g_ascii_strtoll (meta, NULL, 10), 0, 65536);
  if (*input_height <= 0 && (meta = fathom_safetensors_get_metadata (st, "input_height")) != NULL)
    *input_height = (int) CLAMP (g_ascii_strtoll (meta, NULL, 10), 0, 65536);
  return TRUE;
}

/* ---- header ------------------------------------------------------------ */

static void
add_stat (FathomRunView *self,
          const char    *value,
          const char    *caption)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *v = gtk_label_new (value);
  GtkWidget *c = gtk_label_new (caption);

  gtk_label_set_xalign (GTK_LABEL (v), 0.f);
  gtk_label_set_xalign (GTK_LABEL (c), 0.f);
  gtk_widget_add_css_class (v, "title-3");
  gtk_widget_add_css_class (v, "numeric");
  gtk_widget_add_css_class (c, "caption");
  gtk_widget_add_css_class (c, "dim-label");
  gtk_box_append (GTK_BOX (box), v);
  gtk_box_append (GTK_BOX (box), c);
  gtk_box_append (GTK_BOX (self->finals), box);
}

static void
update_header (FathomRunView *self,
               FathomRunInfo *info)
{
  static const struct {
    const char *key;
    const char *caption;
    gboolean    percent;
  } finals[] = {
    { "val_accuracy", "Validation accuracy", TRUE },
    { "val_loss", "Validation loss", FALSE },
    { "val_iou_mean", "Mean IoU", FALSE },
    { "heatmap_pointing", "Pointing", TRUE },
    { "heatmap_pointing_peak", "Pointing, map's peak", TRUE },
    { "heatmap_in_box", "Map in box", TRUE },
    { "heatmap_pointing_coarse", "Pointing, coarse map", TRUE },
    { "majority_rate", "Majority class", TRUE },
    { "backbone_val_accuracy", "Backbone alone", TRUE },
  };
  JsonObject *root = fathom_run_info_get_json (info);
  g_autofree char *name = g_path_get_basename (self->run_dir);
  g_autoptr(GString) sub = g_string_new (NULL);
  g_autofree char *a11y = g_strdup_printf ("Run %s", name);
  const char *device = member_string (root, "device"), *message = member_string (root, "message");
  const char *published = member_string (root, "lesson_published");
  GtkWidget *child;

  gtk_label_set_text (GTK_LABEL (self->title), name);
  gtk_widget_set_tooltip_text (self->title, self->run_dir);
  g_string_printf (sub, "Experiment %s · %s", fathom_run_info_get_experiment (info),
                   fathom_run_info_get_status (info));
  if (device != NULL)
    g_string_append_printf (sub, " · %s", device);
  if (message != NULL)
    g_string_append_printf (sub, " · %s", message);
  gtk_label_set_text (GTK_LABEL (self->subtitle), sub->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);

  while ((child = gtk_widget_get_first_child (self->finals)) != NULL)
    gtk_box_remove (GTK_BOX (self->finals), child);
  for (guint i = 0; i < G_N_ELEMENTS (finals); i++)
    {
      double v = fathom_run_info_get_final (info, finals[i].key);
      char text[64];

      if (!isfinite (v))
        continue;
      if (finals[i].percent)
        g_snprintf (text, sizeof text, "%.1f%%", 100 * v);
      else
        g_snprintf (text, sizeof text, "%.3f", v);
      add_stat (self, text, finals[i].caption);
    }
  gtk_widget_set_visible (self->finals, gtk_widget_get_first_child (self->finals) != NULL);

  if (published != NULL)
    {
      g_autofree char *text = g_strdup_printf ("The lesson: %s", published);

      gtk_label_set_text (GTK_LABEL (self->published), text);
    }
  gtk_widget_set_visible (self->published, published != NULL);
}

/* ---- public API -------------------------------------------------------- */

gboolean
fathom_run_view_load (FathomRunView  *self,
                      const char     *run_dir,
                      GError        **error)
{
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(FathomRunPredictions) predictions = NULL;
  g_autoptr(FathomChartData) data = NULL;
  g_autofree char *name = NULL;
  g_autofree float *maps = NULL;
  int map_h = 0, map_w = 0, input_width, input_height;
  JsonObject *root;
  gboolean fcn, has_coarse = FALSE;

  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), FALSE);
  g_return_val_if_fail (run_dir != NULL, FALSE);

  /* everything read before anything shown changes */
  info = fathom_run_info_load (run_dir, error);
  if (info == NULL || !load_predictions (run_dir, &predictions, error))
    return FALSE;
  root = fathom_run_info_get_json (info);
  input_width = config_size (root, "input_width");
  input_height = config_size (root, "input_height");
  if (!load_maps (run_dir, predictions, &maps, &map_h, &map_w, &has_coarse, &input_width, &input_height, error))
    return FALSE;

  g_free (self->run_dir);
  self->run_dir = g_strdup (run_dir);
  g_free (self->dataset_dir);
  self->dataset_dir = fathom_run_info_dup_dataset_dir (info, run_dir);
  g_clear_pointer (&self->annotations, fathom_annotations_free);
  self->annotations = fathom_annotations_load_dataset (self->dataset_dir);
  g_clear_pointer (&self->predictions, fathom_run_predictions_free);
  self->predictions = g_steal_pointer (&predictions);
  g_free (self->maps);
  self->maps = g_steal_pointer (&maps);
  self->map_h = map_h;
  self->map_w = map_w;
  self->input_width = input_width;
  self->input_height = input_height;

  update_header (self, info);
  name = g_path_get_basename (run_dir);
  data = fathom_chart_data_new_from_run (info, name);
  fathom_chart_set_data (self->chart, data);
  fathom_chart_reset_view (self->chart);

  /* the lesson's F showed its 5x5 cells as blocks (runs from before the
   * dense maps have only those); maps at every feature cell blend */
  fcn = g_strcmp0 (fathom_run_info_get_experiment (info), "fcn") == 0;
  g_object_set (self->controls, "interpolation",
                fcn && !has_coarse ? FATHOM_RESIZE_NEAREST : FATHOM_RESIZE_BILINEAR, NULL);
  gtk_widget_set_visible (self->heat_panel, self->maps != NULL);
  if (self->maps != NULL)
    fathom_heatmap_controls_set_class_names (self->controls,
                                             fathom_run_predictions_get_class_names (self->predictions));
  else
    fathom_run_view_set_show_grid (self, FALSE);

  _fathom_run_view_clear_photo (self);
  self->syncing = TRUE;
  _fathom_run_view_replace_rows (self);
  self->syncing = FALSE;
  _fathom_run_view_update_count (self);
  self->stale = TRUE;
  _fathom_run_view_sync (self);
  return TRUE;
}

const char *
fathom_run_view_get_run_dir (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), NULL);
  return self->run_dir;
}

void
fathom_run_view_select_row (FathomRunView *self,
                            guint          index)
{
  guint n;

  g_return_if_fail (FATHOM_IS_RUN_VIEW (self));
  g_return_if_fail (self->predictions != NULL && index < fathom_run_predictions_get_n_rows (self->predictions));
  if (!_fathom_run_view_row_passes (self, fathom_run_predictions_get_row (self->predictions, index)))
    {
      fathom_run_view_set_wrong_only (self, FALSE);
      fathom_run_view_set_search (self, NULL);
    }
  n = fathom_run_view_get_n_listed (self);
  for (guint position = 0; position < n; position++)
    if (_fathom_run_view_row_at (self, position) == (int) index)
      {
        gtk_single_selection_set_selected (self->selection, position);
        break;
      }
  _fathom_run_view_sync (self);
}

int
fathom_run_view_get_selected_row (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), -1);
  return self->selected;
}

FathomRunPredictions *
fathom_run_view_get_predictions (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), NULL);
  return self->predictions;
}

FathomChart *
fathom_run_view_get_chart (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), NULL);
  return self->chart;
}

FathomImageView *
fathom_run_view_get_image_view (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), NULL);
  return self->image_view;
}

FathomHeatmapControls *
fathom_run_view_get_heatmap_controls (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), NULL);
  return self->controls;
}

FathomHeatmapGrid *
fathom_run_view_get_heatmap_grid (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), NULL);
  return self->grid;
}

/* ---- GObject ----------------------------------------------------------- */

static void
fathom_run_view_dispose (GObject *object)
{
  FathomRunView *self = FATHOM_RUN_VIEW (object);

  /* the models may outlive us inside children being finalised */
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->filtered != NULL)
    g_signal_handlers_disconnect_by_data (self->filtered, self);
  if (self->image_view != NULL)
    g_signal_handlers_disconnect_by_data (self->image_view, self);
  if (self->sorter != NULL)
    gtk_custom_sorter_set_sort_func (self->sorter, NULL, NULL, NULL);
  if (self->filter != NULL)
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);
  g_clear_pointer (&self->root, gtk_widget_unparent);
  self->image_view = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->sorter);
  g_clear_object (&self->filter);
  g_clear_object (&self->rows);
  G_OBJECT_CLASS (fathom_run_view_parent_class)->dispose (object);
}

static void
fathom_run_view_finalize (GObject *object)
{
  FathomRunView *self = FATHOM_RUN_VIEW (object);

  g_free (self->run_dir);
  g_free (self->dataset_dir);
  g_clear_pointer (&self->annotations, fathom_annotations_free);
  fathom_run_predictions_free (self->predictions);
  g_free (self->maps);
  fathom_heatmap_free (self->heatmap);
  g_free (self->search_text);
  g_free (self->photo_error);
  G_OBJECT_CLASS (fathom_run_view_parent_class)->finalize (object);
}

static void
fathom_run_view_class_init (FathomRunViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = fathom_run_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = fathom_run_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_css_name (widget_class, "fathom-run-view");
}

/* Experiment, status, finals and the lesson's figure. */
static GtkWidget *
build_header (FathomRunView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);

  _fathom_run_view_set_margins (box, 12);
  self->title = gtk_label_new ("No run");
  gtk_label_set_xalign (GTK_LABEL (self->title), 0.f);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (self->title, "title-2");
  self->subtitle = _fathom_run_view_wrapping_label ("dim-label");
  self->finals = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 24);
  gtk_widget_set_margin_top (self->finals, 6);
  self->published = _fathom_run_view_wrapping_label ("dim-label");
  gtk_box_append (GTK_BOX (box), self->title);
  gtk_box_append (GTK_BOX (box), self->subtitle);
  gtk_box_append (GTK_BOX (box), self->finals);
  gtk_box_append (GTK_BOX (box), self->published);
  return box;
}

static void
fathom_run_view_init (FathomRunView *self)
{
  GtkWidget *chart_paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *photo_paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);

  self->selected = self->photo_row = -1;
  self->root = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (self->root), build_header (self));

  self->chart = FATHOM_CHART (fathom_chart_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->chart), -1, 160);
  gtk_paned_set_start_child (GTK_PANED (photo_paned), _fathom_run_view_build_list (self));
  gtk_paned_set_end_child (GTK_PANED (photo_paned), _fathom_run_view_build_photo (self));
  gtk_paned_set_resize_start_child (GTK_PANED (photo_paned), FALSE);
  gtk_paned_set_position (GTK_PANED (photo_paned), 420);
  gtk_paned_set_shrink_start_child (GTK_PANED (photo_paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (photo_paned), FALSE);
  gtk_paned_set_start_child (GTK_PANED (chart_paned), GTK_WIDGET (self->chart));
  gtk_paned_set_end_child (GTK_PANED (chart_paned), photo_paned);
  gtk_paned_set_position (GTK_PANED (chart_paned), 220);
  gtk_paned_set_shrink_start_child (GTK_PANED (chart_paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (chart_paned), FALSE);
  gtk_widget_set_vexpand (chart_paned, TRUE);
  gtk_box_append (GTK_BOX (self->root), chart_paned);
  gtk_widget_set_parent (self->root, GTK_WIDGET (self));

  _fathom_run_view_set_label (self, "Run");
  _fathom_run_view_update_count (self);
}

GtkWidget *
fathom_run_view_new (void)
{
  return g_object_new (FATHOM_TYPE_RUN_VIEW, NULL);
}

