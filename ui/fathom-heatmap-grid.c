/* fathom-heatmap-grid.c: the eight class maps as a grid of toggle buttons.
 *
 * The tiles draw from a thumbnail of the photo: a few hundred pixels
 * across is all a tile shows, and scaling a 1280x720 photo eight times
 * per frame would be wasted work.
 */
#include "fathom-heatmap-grid.h"

#include "fathom-overlay-render.h"

#include <math.h>
#include <string.h>

#define THUMB_WIDTH 360
#define TILE_WIDTH  180

struct _FathomHeatmapGrid
{
  GtkWidget           parent_instance;

  /* owned */
  FathomImage        *thumb;
  cairo_surface_t    *thumb_surface;
  FathomHeatmap      *heatmap;
  char              **class_names;
  GPtrArray          *tiles;          /* GtkToggleButton, borrowed from the grid */

  /* children */
  GtkWidget          *header;
  GtkWidget          *shared_check;
  GtkWidget          *grid;

  FathomHeatmapStyle  style;
  gboolean            has_box;
  FathomBox           box;            /* in photo pixels */
  double              thumb_factor;   /* thumbnail pixels per photo pixel */
  gboolean            blank;          /* thumb is a plain ground: no photo */
  int                 selected;
  int                 columns;
  gboolean            syncing;
};

G_DEFINE_FINAL_TYPE (FathomHeatmapGrid, fathom_heatmap_grid, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SELECTED_CLASS, PROP_SHARED_SCALE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
queue_tiles (FathomHeatmapGrid *self)
{
  for (guint i = 0; i < self->tiles->len; i++)
    {
      GtkWidget *box = gtk_button_get_child (GTK_BUTTON (self->tiles->pdata[i]));

      gtk_widget_queue_draw (gtk_widget_get_last_child (box));
    }
}

static void
draw_tile (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  FathomHeatmapGrid *self = FATHOM_HEATMAP_GRID (data);
  int k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (area), "class"));
  FathomOverlayScene scene;

  if (self->heatmap == NULL || self->thumb == NULL || k >= self->heatmap->classes)
    return;
  fathom_overlay_scene_init (&scene);
  scene.image = self->thumb;
  scene.photo_surface = self->thumb_surface;
  scene.heatmap = self->heatmap;
  scene.class_names = (const char * const *) self->class_names;
  scene.style = self->style;
  scene.has_true_box = self->has_box && !self->blank;
  scene.true_box = (FathomBox) { self->box.x * self->thumb_factor, self->box.y * self->thumb_factor,
                                 self->box.width * self->thumb_factor,
                                 self->box.height * self->thumb_factor };
  fathom_overlay_draw_tile (cr, &scene, k, width, height);
}

static void
on_tile_toggled (GtkToggleButton *button, FathomHeatmapGrid *self)
{
  int k = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "class"));

  if (self->syncing || !gtk_toggle_button_get_active (button) || k == self->selected)
    return;
  self->selected = k;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SELECTED_CLASS]);
}

static void
on_shared_toggled (GtkCheckButton *check, FathomHeatmapGrid *self)
{
  fathom_heatmap_grid_set_shared_scale (self, gtk_check_button_get_active (check));
}

/* The tiles keep the photo's aspect: wide photos, short tiles. */
static int
tile_height (FathomHeatmapGrid *self)
{
  double aspect = self->thumb != NULL ? (double) self->thumb->height / self->thumb->width
                : self->heatmap != NULL ? (double) self->heatmap->height / self->heatmap->width
                : 9.0 / 16.0;

  return MAX ((int) lround (TILE_WIDTH * aspect), 16);
}

static void
rebuild_tiles (FathomHeatmapGrid *self)
{
  GtkWidget *child, *first = NULL;

  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  g_ptr_array_set_size (self->tiles, 0);
  if (self->heatmap == NULL)
    return;

  for (int k = 0; k < self->heatmap->classes; k++)
    {
      g_autofree char *fallback = g_strdup_printf ("class %d", k);
      const char *name = self->class_names != NULL && g_strv_length (self->class_names) > (guint) k
                         ? self->class_names[k] : fallback;
      g_autofree char *a11y = g_strdup_printf ("%s class map", name);
      GtkWidget *button = gtk_toggle_button_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *label = gtk_label_new (name);
      GtkWidget *area = gtk_drawing_area_new ();

      gtk_widget_add_css_class (label, "heading");
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), TILE_WIDTH);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), tile_height (self));
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_tile, self, NULL);
      gtk_widget_set_hexpand (area, TRUE);
      g_object_set_data (G_OBJECT (area), "class", GINT_TO_POINTER (k));
      g_object_set_data (G_OBJECT (button), "class", GINT_TO_POINTER (k));
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), area);
      gtk_button_set_child (GTK_BUTTON (button), box);
      gtk_widget_add_css_class (button, "flat");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      a11y, -1);
      /* one group: radio behaviour, one class at a time */
      if (first != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), GTK_TOGGLE_BUTTON (first));
      else
        first = button;
      self->syncing = TRUE;
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), k == self->selected);
      self->syncing = FALSE;
      g_signal_connect (button, "toggled", G_CALLBACK (on_tile_toggled), self);
      gtk_grid_attach (GTK_GRID (self->grid), button, k % self->columns, k / self->columns, 1, 1);
      g_ptr_array_add (self->tiles, button);
    }
}

static void
set_thumb (FathomHeatmapGrid *self, FathomImage *thumb, gboolean blank)
{
  g_clear_pointer (&self->thumb, fathom_image_free);
  g_clear_pointer (&self->thumb_surface, cairo_surface_destroy);
  self->thumb = thumb;
  self->blank = blank;
  if (thumb != NULL)
    self->thumb_surface = fathom_overlay_image_surface (thumb);
}

void
fathom_heatmap_grid_set_image (FathomHeatmapGrid *self,
                               const FathomImage *image)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_GRID (self));
  if (image != NULL)
    {
      int w = MIN (image->width, THUMB_WIDTH);
      int h = MAX ((int) lround ((double) w * image->height / image->width), 1);

      set_thumb (self, fathom_image_resize (image, w, h, FATHOM_RESIZE_BILINEAR), FALSE);
      self->thumb_factor = (double) w / image->width;
    }
  else
    set_thumb (self, NULL, FALSE);
  rebuild_tiles (self);
}

void
fathom_heatmap_grid_set_true_box (FathomHeatmapGrid *self,
                                  const FathomBox   *box)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_GRID (self));
  self->has_box = box != NULL;
  if (box != NULL)
    self->box = *box;
  queue_tiles (self);
}

void
fathom_heatmap_grid_set_heatmap (FathomHeatmapGrid   *self,
                                 const FathomHeatmap *heatmap,
                                 const char * const  *class_names)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_GRID (self));
  g_clear_pointer (&self->heatmap, fathom_heatmap_free);
  g_clear_pointer (&self->class_names, g_strfreev);
  if (heatmap != NULL)
    self->heatmap = fathom_heatmap_copy (heatmap);
  self->class_names = g_strdupv ((char **) class_names);
  /* without a photo, the maps go on a dark ground of their own aspect */
  if (self->heatmap != NULL && (self->thumb == NULL || self->blank))
    {
      FathomImage *ground = fathom_image_new (self->heatmap->width * 16, self->heatmap->height * 16);

      memset (ground->pixels, 40, (gsize) ground->width * ground->height * 3);
      set_thumb (self, ground, TRUE);
    }
  if (self->heatmap == NULL || self->selected >= self->heatmap->classes)
    fathom_heatmap_grid_set_selected_class (self, -1);
  rebuild_tiles (self);
}

void
fathom_heatmap_grid_set_style (FathomHeatmapGrid        *self,
                               const FathomHeatmapStyle *style)
{
  FathomHeatmapScale scale;

  g_return_if_fail (FATHOM_IS_HEATMAP_GRID (self));
  scale = self->style.scale;
  self->style = *style;
  self->style.scale = scale;
  queue_tiles (self);
}

void
fathom_heatmap_grid_set_shared_scale (FathomHeatmapGrid *self,
                                      gboolean           shared)
{
  FathomHeatmapScale scale = shared ? FATHOM_HEATMAP_SCALE_SHARED : FATHOM_HEATMAP_SCALE_PER_MAP;

  g_return_if_fail (FATHOM_IS_HEATMAP_GRID (self));
  if (scale == self->style.scale)
    return;
  self->style.scale = scale;
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->shared_check), shared);
  queue_tiles (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SHARED_SCALE]);
}

gboolean
fathom_heatmap_grid_get_shared_scale (FathomHeatmapGrid *self)
{
  g_return_val_if_fail (FATHOM_IS_HEATMAP_GRID (self), FALSE);
  return self->style.scale == FATHOM_HEATMAP_SCALE_SHARED;
}

void
fathom_heatmap_grid_set_selected_class (FathomHeatmapGrid *self,
                                        int                k)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_GRID (self));
  if (k == self->selected)
    return;
  self->selected = k;
  self->syncing = TRUE;
  for (guint i = 0; i < self->tiles->len; i++)
    gtk_toggle_button_set_active (self->tiles->pdata[i], (int) i == k);
  self->syncing = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SELECTED_CLASS]);
}

int
fathom_heatmap_grid_get_selected_class (FathomHeatmapGrid *self)
{
  g_return_val_if_fail (FATHOM_IS_HEATMAP_GRID (self), -1);
  return self->selected;
}

void
fathom_heatmap_grid_set_columns (FathomHeatmapGrid *self,
                                 int                columns)
{
  g_return_if_fail (FATHOM_IS_HEATMAP_GRID (self));
  self->columns = MAX (columns, 1);
  rebuild_tiles (self);
}

guint
fathom_heatmap_grid_get_n_tiles (FathomHeatmapGrid *self)
{
  g_return_val_if_fail (FATHOM_IS_HEATMAP_GRID (self), 0);
  return self->tiles->len;
}

GtkWidget *
fathom_heatmap_grid_get_tile (FathomHeatmapGrid *self,
                              guint              k)
{
  g_return_val_if_fail (FATHOM_IS_HEATMAP_GRID (self), NULL);
  g_return_val_if_fail (k < self->tiles->len, NULL);
  return self->tiles->pdata[k];
}

static void
fathom_heatmap_grid_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FathomHeatmapGrid *self = FATHOM_HEATMAP_GRID (object);

  switch (prop_id)
    {
    case PROP_SELECTED_CLASS: g_value_set_int (value, self->selected); break;
    case PROP_SHARED_SCALE: g_value_set_boolean (value, fathom_heatmap_grid_get_shared_scale (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_heatmap_grid_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FathomHeatmapGrid *self = FATHOM_HEATMAP_GRID (object);

  switch (prop_id)
    {
    case PROP_SELECTED_CLASS: fathom_heatmap_grid_set_selected_class (self, g_value_get_int (value)); break;
    case PROP_SHARED_SCALE: fathom_heatmap_grid_set_shared_scale (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_heatmap_grid_dispose (GObject *object)
{
  FathomHeatmapGrid *self = FATHOM_HEATMAP_GRID (object);

  g_clear_pointer (&self->header, gtk_widget_unparent);
  g_clear_pointer (&self->grid, gtk_widget_unparent);
  G_OBJECT_CLASS (fathom_heatmap_grid_parent_class)->dispose (object);
}

static void
fathom_heatmap_grid_finalize (GObject *object)
{
  FathomHeatmapGrid *self = FATHOM_HEATMAP_GRID (object);

  fathom_image_free (self->thumb);
  g_clear_pointer (&self->thumb_surface, cairo_surface_destroy);
  fathom_heatmap_free (self->heatmap);
  g_strfreev (self->class_names);
  g_ptr_array_unref (self->tiles);
  G_OBJECT_CLASS (fathom_heatmap_grid_parent_class)->finalize (object);
}

static void
fathom_heatmap_grid_class_init (FathomHeatmapGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = fathom_heatmap_grid_get_property;
  object_class->set_property = fathom_heatmap_grid_set_property;
  object_class->dispose = fathom_heatmap_grid_dispose;
  object_class->finalize = fathom_heatmap_grid_finalize;

  props[PROP_SELECTED_CLASS] = g_param_spec_int ("selected-class", NULL, NULL, -1, G_MAXINT, -1, rw);
  props[PROP_SHARED_SCALE] = g_param_spec_boolean ("shared-scale", NULL, NULL, TRUE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-heatmap-grid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fathom_heatmap_grid_init (FathomHeatmapGrid *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkWidget *title = gtk_label_new ("Class maps");

  self->tiles = g_ptr_array_new ();
  self->selected = -1;
  self->columns = 4;
  self->thumb_factor = 1.0;
  fathom_heatmap_style_init (&self->style);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);

  self->header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_set_hexpand (title, TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  self->shared_check = gtk_check_button_new_with_label ("Shared scale");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->shared_check), TRUE);
  gtk_widget_set_tooltip_text (self->shared_check,
                               "One colour range for every class, so the maps compare; "
                               "off: each map spans its own range");
  g_signal_connect (self->shared_check, "toggled", G_CALLBACK (on_shared_toggled), self);
  gtk_box_append (GTK_BOX (self->header), title);
  gtk_box_append (GTK_BOX (self->header), self->shared_check);
  gtk_widget_set_parent (self->header, GTK_WIDGET (self));

  self->grid = gtk_grid_new ();
  gtk_grid_set_column_homogeneous (GTK_GRID (self->grid), TRUE);
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 4);
  gtk_widget_set_valign (self->grid, GTK_ALIGN_START);
  gtk_widget_set_parent (self->grid, GTK_WIDGET (self));
}

GtkWidget *
fathom_heatmap_grid_new (void)
{
  return g_object_new (FATHOM_TYPE_HEATMAP_GRID, NULL);
}
