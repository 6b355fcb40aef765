/* fathom-run-view-photo.c: the run view's selected photo: the image
 * view with its boxes and class map, the grid of all maps, the heatmap
 * controls, the photo's scores, and the image view and the list's
 * selection following each other. */
#include "fathom-run-view-private.h"
#include "fathom-metrics.h"

#include <math.h>

/* ---- filling the photo ------------------------------------------------- */

static const FathomImage *
load_photo (FathomRunView             *self,
            int                        row,
            const FathomRunPrediction *p)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (row == self->photo_row)
    return fathom_image_view_get_image (self->image_view);
  self->photo_row = row;
  g_clear_pointer (&self->photo_error, g_free);
  if (self->dataset_dir == NULL)
    {
      fathom_image_view_set_image (self->image_view, NULL);
      self->photo_error = g_strdup ("run.json names no dataset: the photo cannot be found");
      return NULL;
    }
  path = g_build_filename (self->dataset_dir, p->file, NULL);
  if (!fathom_image_view_set_image_path (self->image_view, path, &error))
    {
      self->photo_error = g_strdup (error->message);
      return NULL;
    }
  return fathom_image_view_get_image (self->image_view);
}

/* Boxes in predictions.csv are at the model input: scaled to the photo. */
static gboolean
photo_box (FathomRunView     *self,
           const float        hwxy[4],
           const FathomImage *image,
           FathomBox         *box)
{
  if (image == NULL || self->input_width <= 0 || self->input_height <= 0)
    return FALSE;
  fathom_overlay_box_from_model (hwxy, self->input_width, self->input_height,
                                 image->width, image->height, box);
  return TRUE;
}

static void
show_boxes (FathomRunView             *self,
            const FathomRunPrediction *p,
            const FathomImage         *image)
{
  const char *const *names = fathom_run_predictions_get_class_names (self->predictions);
  FathomBox box;

  if (p->has_true_box && photo_box (self, p->true_box, image, &box))
    fathom_image_view_set_true_box (self->image_view, &box, names[p->true_class]);
  else
    fathom_image_view_set_true_box (self->image_view, NULL, NULL);
  {
    g_autoptr(GArray) others = fathom_annotation_dup_other_rects (
      self->annotations != NULL ? fathom_annotations_lookup (self->annotations, p->file) : NULL);

    fathom_image_view_set_other_boxes (self->image_view, others);
  }
  if (p->has_pred_box && photo_box (self, p->pred_box, image, &box))
    fathom_image_view_set_pred_box (self->image_view, &box, names[p->pred_class],
                                    p->probs[p->pred_class], p->iou);
  else
    fathom_image_view_set_pred_box (self->image_view, NULL, NULL, NAN, NAN);
}

/* Pointing and in-box share of the true class's map, at the model input
 * as the run counted them (fathom-experiment.h). */
static void
score_maps (FathomRunView             *self,
            const FathomRunPrediction *p)
{
  const char *const *names = fathom_run_predictions_get_class_names (self->predictions);
  FathomBox box = { p->true_box[2], p->true_box[3], p->true_box[1], p->true_box[0] };

  self->has_scores = p->has_true_box && self->input_width > 0 && self->input_height > 0;
  if (!self->has_scores)
    return;
  self->pointing = fathom_heatmap_pointing (self->heatmap, p->true_class,
                                            fathom_metric_map_reference (names, (gsize) self->heatmap->classes),
                                            self->input_width, self->input_height, &box);
  self->in_box = fathom_heatmap_in_box_share (self->heatmap, p->true_class,
                                              self->input_width, self->input_height, &box);
}

static void
show_maps (FathomRunView             *self,
           int                        row,
           const FathomRunPrediction *p,
           const FathomImage         *image)
{
  const char *const *names = fathom_run_predictions_get_class_names (self->predictions);
  int k = (int) fathom_run_predictions_get_n_classes (self->predictions);
  gsize size = (gsize) k * self->map_h * self->map_w;
  FathomBox box;

  g_clear_pointer (&self->heatmap, fathom_heatmap_free);
  self->has_scores = FALSE;
  if (self->maps == NULL)
    {
      fathom_image_view_set_heatmap (self->image_view, NULL, NULL);
      return;
    }
  self->heatmap = fathom_heatmap_new_from_data (k, self->map_h, self->map_w, self->maps + size * row);
  fathom_heatmap_controls_set_image_classes (self->controls, p->true_class, p->pred_class);
  fathom_image_view_set_heatmap (self->image_view, self->heatmap, names);
  fathom_heatmap_grid_set_image (self->grid, image);
  fathom_heatmap_grid_set_true_box (self->grid, p->has_true_box && photo_box (self, p->true_box, image, &box)
                                                ? &box : NULL);
  fathom_heatmap_grid_set_heatmap (self->grid, self->heatmap, names);
  score_maps (self, p);
}

static void
update_photo_info (FathomRunView             *self,
                   const FathomRunPrediction *p)
{
  const char *const *names = fathom_run_predictions_get_class_names (self->predictions);
  g_autoptr(GString) s = g_string_new (p->file);
  g_autoptr(GString) scores = g_string_new (NULL);

  g_string_append_printf (s, "\nTrue %s · predicted %s (%.2f)", names[p->true_class],
                          names[p->pred_class], p->probs[p->pred_class]);
  if (!isnan (p->iou))
    g_string_append_printf (s, " · IoU %.2f", p->iou);
  if (!p->has_true_box)
    g_string_append (s, " · no true box");
  if (self->photo_error != NULL)
    g_string_append_printf (s, "\n%s", self->photo_error);
  gtk_label_set_text (GTK_LABEL (self->photo_info), s->str);

  if (self->has_scores)
    {
      int reference = fathom_metric_map_reference (names, (gsize) self->heatmap->classes);

      g_string_append_printf (scores, "Pointing: %s (the %s map, read against %s, points %s the true box)\n",
                              self->pointing ? "hit" : "miss", names[p->true_class],
                              reference >= 0 && reference != p->true_class ? names[reference] : "the classes' mean",
                              self->pointing ? "inside" : "outside");
      if (isnan (self->in_box))
        g_string_append (scores, "In box: - (the map has no positive cell)");
      else
        g_string_append_printf (scores, "In box: %.0f%% of the map's positive mass", 100 * self->in_box);
    }
  else if (self->maps != NULL)
    g_string_append (scores, "No true box: no pointing or in-box share");
  gtk_label_set_text (GTK_LABEL (self->scores), scores->str);
}

void
_fathom_run_view_clear_photo (FathomRunView *self)
{
  self->photo_row = -1;
  g_clear_pointer (&self->heatmap, fathom_heatmap_free);
  self->has_scores = FALSE;
  fathom_image_view_set_image (self->image_view, NULL);
  fathom_image_view_set_true_box (self->image_view, NULL, NULL);
  fathom_image_view_set_pred_box (self->image_view, NULL, NULL, NAN, NAN);
  fathom_image_view_set_heatmap (self->image_view, NULL, NULL);
  fathom_heatmap_grid_set_image (self->grid, NULL);
  gtk_label_set_text (GTK_LABEL (self->photo_info), "");
  gtk_label_set_text (GTK_LABEL (self->scores), "");
}

/* Fills the image view (its photo decoded only when the row changed),
 * the maps and the captions for row; idempotent. */
static void
show_row (FathomRunView *self,
          int            row)
{
  const FathomRunPrediction *p;
  const FathomImage *image;

  self->selected = row;
  if (row < 0 || self->predictions == NULL)
    {
      self->selected = -1;
      _fathom_run_view_clear_photo (self);
      return;
    }
  p = fathom_run_predictions_get_row (self->predictions, (guint) row);
  image = load_photo (self, row, p);
  show_boxes (self, p, image);
  show_maps (self, row, p, image);
  update_photo_info (self, p);
}

/* ---- following the list ------------------------------------------------ */

/* The list moved (or was sorted or filtered): the image view follows,
 * which clears its boxes and map, and the photo is filled in again. */
void
_fathom_run_view_sync (FathomRunView *self)
{
  guint position = gtk_single_selection_get_selected (self->selection);
  int row = position != GTK_INVALID_LIST_POSITION ? _fathom_run_view_row_at (self, position) : -1;

  if (self->syncing)
    return;
  if (position != GTK_INVALID_LIST_POSITION && fathom_image_view_get_current (self->image_view) != position)
    {
      self->syncing = TRUE;
      fathom_image_view_set_current (self->image_view, position);
      self->syncing = FALSE;
      self->stale = TRUE;
    }
  if (row == self->selected && !self->stale)
    return;
  self->stale = FALSE;
  if (position != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (self->list, "list.scroll-to-item", "u", position);
  show_row (self, row);
}

/* The image view moved by itself (its arrow keys): the list follows. */
static void
on_current_changed (FathomImageView *view,
                    guint            position,
                    FathomRunView   *self)
{
  if (self->syncing)
    return;
  self->stale = TRUE;
  if (gtk_single_selection_get_selected (self->selection) != position)
    gtk_single_selection_set_selected (self->selection, position);
  _fathom_run_view_sync (self);
}

/* ---- public API -------------------------------------------------------- */

const FathomHeatmap *
fathom_run_view_get_heatmap (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), NULL);
  return self->heatmap;
}

gboolean
fathom_run_view_get_photo_scores (FathomRunView *self,
                                  gboolean      *pointing,
                                  double        *in_box)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), FALSE);
  if (pointing != NULL)
    *pointing = self->has_scores && self->pointing;
  if (in_box != NULL)
    *in_box = self->has_scores ? self->in_box : NAN;
  return self->has_scores;
}

void
fathom_run_view_set_show_grid (FathomRunView *self,
                               gboolean       show_grid)
{
  g_return_if_fail (FATHOM_IS_RUN_VIEW (self));
  show_grid = show_grid && self->maps != NULL;
  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->grid_toggle)) != show_grid)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->grid_toggle), show_grid);
  gtk_stack_set_visible_child_name (GTK_STACK (self->photo_stack), show_grid ? "grid" : "photo");
}

/* ---- building ---------------------------------------------------------- */

static void
on_grid_toggled (GtkToggleButton *button,
                 FathomRunView   *self)
{
  fathom_run_view_set_show_grid (self, gtk_toggle_button_get_active (button));
}

/* The controls drive the image view's style; the grid shows the same. */
static void
on_view_style (FathomImageView *view,
               GParamSpec      *pspec,
               FathomRunView   *self)
{
  static const char *const style_props[] = {
    "opacity", "colormap", "interpolation", "threshold", "norm", NULL,
  };
  FathomHeatmapStyle style;

  if (!g_strv_contains (style_props, pspec->name))
    return;
  fathom_image_view_get_style (view, &style);
  fathom_heatmap_grid_set_style (self->grid, &style);
}

/* The heatmap's knobs, the grid toggle and the photo's scores. */
static GtkWidget *
build_heat_panel (FathomRunView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *heading = gtk_label_new ("Class Maps");

  _fathom_run_view_set_margins (box, 6);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (heading), 0.f);
  gtk_widget_set_hexpand (heading, TRUE);
  self->grid_toggle = gtk_toggle_button_new ();
  gtk_button_set_icon_name (GTK_BUTTON (self->grid_toggle), "view-grid-symbolic");
  gtk_widget_set_tooltip_text (self->grid_toggle, "All eight class maps side by side");
  _fathom_run_view_set_label (self->grid_toggle, "Show all class maps");
  g_signal_connect (self->grid_toggle, "toggled", G_CALLBACK (on_grid_toggled), self);
  gtk_box_append (GTK_BOX (head), heading);
  gtk_box_append (GTK_BOX (head), self->grid_toggle);

  self->controls = FATHOM_HEATMAP_CONTROLS (fathom_heatmap_controls_new ());
  _fathom_run_view_set_label (self->controls, "Heatmap settings");
  self->scores = _fathom_run_view_wrapping_label (NULL);
  gtk_label_set_max_width_chars (GTK_LABEL (self->scores), 32);
  gtk_box_append (GTK_BOX (box), head);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->controls));
  gtk_box_append (GTK_BOX (box), self->scores);
  gtk_widget_set_size_request (box, 260, -1);
  return box;
}

/* The photo or the grid, its caption, and the heat panel beside them. */
GtkWidget *
_fathom_run_view_build_photo (FathomRunView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *grid_scroll = gtk_scrolled_window_new ();

  self->image_view = FATHOM_IMAGE_VIEW (fathom_image_view_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->image_view), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->image_view), TRUE);
  self->grid = FATHOM_HEATMAP_GRID (fathom_heatmap_grid_new ());
  _fathom_run_view_set_label (self->grid, "Class maps of the selected photo");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (grid_scroll), GTK_WIDGET (self->grid));
  self->photo_stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (self->photo_stack), GTK_WIDGET (self->image_view), "photo");
  gtk_stack_add_named (GTK_STACK (self->photo_stack), grid_scroll, "grid");
  gtk_widget_set_vexpand (self->photo_stack, TRUE);
  self->photo_info = _fathom_run_view_wrapping_label (NULL);
  gtk_label_set_selectable (GTK_LABEL (self->photo_info), TRUE);
  _fathom_run_view_set_margins (self->photo_info, 6);
  gtk_box_append (GTK_BOX (column), self->photo_stack);
  gtk_box_append (GTK_BOX (column), self->photo_info);
  gtk_widget_set_hexpand (column, TRUE);

  self->heat_panel = build_heat_panel (self);
  gtk_widget_set_visible (self->heat_panel, FALSE);
  gtk_box_append (GTK_BOX (box), column);
  gtk_box_append (GTK_BOX (box), self->heat_panel);

  /* one list for the arrow keys and the list's selection */
  fathom_image_view_set_model (self->image_view, G_LIST_MODEL (self->filtered));
  g_signal_connect (self->image_view, "current-changed", G_CALLBACK (on_current_changed), self);
  fathom_heatmap_controls_bind (self->controls, self->image_view);
  g_object_bind_property (self->grid, "selected-class", self->image_view, "heatmap-class",
                          G_BINDING_BIDIRECTIONAL);
  g_signal_connect (self->image_view, "notify", G_CALLBACK (on_view_style), self);
  return box;
}
