/* fathom-image-view.c: the photo, its class map and boxes, zoom, pan and
 * list travel.
 *
 * The photo and the coloured map are textures (the GPU scales them; the
 * map's opacity is a snapshot opacity node, so dragging the opacity slider
 * recolours nothing); boxes, tags, legend and hover are one cairo node
 * drawn by fathom-overlay-render, the code the CLI's PNGs use.
 */
#include "fathom-image-view-private.h"

#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (FathomImageView, fathom_image_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_HEATMAP_CLASS,
  PROP_OPACITY,
  PROP_COLORMAP,
  PROP_INTERPOLATION,
  PROP_THRESHOLD,
  PROP_SCALE_MODE,
  PROP_NORM,
  PROP_LAYERS,
  PROP_ZOOM,
  PROP_CURRENT,
  N_PROPS
};

enum { CURRENT_CHANGED, N_SIGNALS };

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

gboolean
_fathom_image_view_heatmap_shown (FathomImageView *self)
{
  return self->image != NULL && self->heatmap != NULL &&
         self->heatmap_class >= 0 && self->heatmap_class < self->heatmap->classes &&
         (self->layers & FATHOM_OVERLAY_HEATMAP);
}

static void
fill_scene (FathomImageView *self, FathomOverlayScene *scene)
{
  fathom_overlay_scene_init (scene);
  scene->image = self->image;
  scene->heatmap = self->heatmap;
  scene->class_names = (const char * const *) self->class_names;
  scene->heatmap_class = self->heatmap_class;
  scene->style = self->style;
  scene->has_true_box = self->has_true_box;
  scene->true_box = self->true_box;
  scene->true_label = self->true_label;
  scene->other_boxes = (const FathomBox *) (gconstpointer) self->other_boxes->data;
  scene->n_other_boxes = self->other_boxes->len;
  scene->has_pred_box = self->has_pred_box;
  scene->pred_box = self->pred_box;
  scene->pred_label = self->pred_label;
  scene->pred_prob = self->pred_prob;
  scene->iou = self->iou;
  scene->layers = self->layers;
}

/* What a screen reader says about the picture. */
void
_fathom_image_view_update_accessible (FathomImageView *self)
{
  GString *s = g_string_new (NULL);

  if (self->model != NULL && self->current != GTK_INVALID_LIST_POSITION)
    g_string_append_printf (s, "Photo %u of %u. ", self->current + 1,
                            g_list_model_get_n_items (self->model));
  if (self->image == NULL)
    g_string_append (s, self->load_error ? self->load_error : "No photo.");
  if (self->has_true_box)
    g_string_append_printf (s, " True box: %s.", self->true_label ? self->true_label : "fish");
  if (self->other_boxes->len > 0)
    g_string_append_printf (s, " %u other marked fish.", self->other_boxes->len);
  if (self->has_pred_box)
    {
      g_string_append_printf (s, " Predicted box: %s", self->pred_label ? self->pred_label : "fish");
      if (!isnan (self->pred_prob))
        g_string_append_printf (s, ", probability %.2f", self->pred_prob);
      g_string_append (s, ".");
    }
  if (_fathom_image_view_heatmap_shown (self) && self->class_names != NULL)
    g_string_append_printf (s, " Heatmap of %s.", self->class_names[self->heatmap_class]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  g_strstrip (s->str), -1);
  g_string_free (s, TRUE);
}

void
_fathom_image_view_changed (FathomImageView *self,
                            gboolean         heat_stale)
{
  if (heat_stale)
    g_clear_object (&self->heat_texture);
  _fathom_image_view_update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- content ------------------------------------------------------------ */

void
fathom_image_view_set_image (FathomImageView   *self,
                             const FathomImage *image)
{
  g_autoptr(GBytes) bytes = NULL;
  gboolean resized;

  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  resized = image == NULL || self->image == NULL ||
            image->width != self->image->width || image->height != self->image->height;
  g_clear_pointer (&self->image, fathom_image_free);
  g_clear_object (&self->photo_texture);
  g_clear_pointer (&self->load_error, g_free);
  if (image != NULL)
    {
      gsize n = (gsize) image->width * image->height * 3;

      self->image = fathom_image_new (image->width, image->height);
      memcpy (self->image->pixels, image->pixels, n);
      bytes = g_bytes_new (image->pixels, n);
      self->photo_texture = gdk_memory_texture_new (image->width, image->height,
                                                    GDK_MEMORY_R8G8B8, bytes,
                                                    (gsize) image->width * 3);
    }
  /* photos of one boat share a size: keep the zoom while stepping through */
  if (resized)
    self->auto_fit = TRUE;
  _fathom_image_view_changed (self, TRUE);
}

gboolean
fathom_image_view_set_image_path (FathomImageView  *self,
                                  const char       *path,
                                  GError          **error)
{
  g_autoptr(FathomImage) image = NULL;
  GError *local = NULL;

  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), FALSE);
  image = fathom_image_load (path, &local);
  fathom_image_view_set_image (self, image);
  if (image != NULL)
    return TRUE;
  self->load_error = g_strdup (local->message);
  _fathom_image_view_changed (self, FALSE);
  g_propagate_error (error, local);
  return FALSE;
}

const FathomImage *
fathom_image_view_get_image (FathomImageView *self)
{
  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), NULL);
  return self->image;
}

void
fathom_image_view_set_true_box (FathomImageView *self,
                                const FathomBox *box,
                                const char      *label)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  self->has_true_box = box != NULL;
  if (box != NULL)
    self->true_box = *box;
  g_free (self->true_label);
  self->true_label = g_strdup (label);
  _fathom_image_view_changed (self, FALSE);
}

void
fathom_image_view_set_other_boxes (FathomImageView *self,
                                   const GArray    *boxes)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  g_return_if_fail (boxes == NULL || g_array_get_element_size ((GArray *) boxes) == sizeof (FathomBox));
  g_array_set_size (self->other_boxes, 0);
  if (boxes != NULL)
    g_array_append_vals (self->other_boxes, boxes->data, boxes->len);
  _fathom_image_view_changed (self, FALSE);
}

guint
fathom_image_view_get_n_other_boxes (FathomImageView *self)
{
  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), 0);
  return self->other_boxes->len;
}

void
fathom_image_view_set_pred_box (FathomImageView *self,
                                const FathomBox *box,
                                const char      *label,
                                double           probability,
                                double           iou)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  self->has_pred_box = box != NULL;
  if (box != NULL)
    self->pred_box = *box;
  g_free (self->pred_label);
  self->pred_label = g_strdup (label);
  self->pred_prob = probability;
  self->iou = iou;
  _fathom_image_view_changed (self, FALSE);
}

void
fathom_image_view_set_heatmap (FathomImageView     *self,
                               const FathomHeatmap *heatmap,
                               const char * const  *class_names)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  g_clear_pointer (&self->heatmap, fathom_heatmap_free);
  g_clear_pointer (&self->class_names, g_strfreev);
  if (heatmap != NULL)
    self->heatmap = fathom_heatmap_copy (heatmap);
  self->class_names = g_strdupv ((char **) class_names);
  _fathom_image_view_changed (self, TRUE);
}

void
fathom_image_view_set_heatmap_class (FathomImageView *self,
                                     int              k)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  if (k == self->heatmap_class)
    return;
  self->heatmap_class = k;
  _fathom_image_view_changed (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEATMAP_CLASS]);
}

int
fathom_image_view_get_heatmap_class (FathomImageView *self)
{
  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), -1);
  return self->heatmap_class;
}

void
fathom_image_view_set_style (FathomImageView          *self,
                             const FathomHeatmapStyle *style)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  self->style = *style;
  _fathom_image_view_changed (self, TRUE);
  for (guint p = PROP_OPACITY; p <= PROP_NORM; p++)
    g_object_notify_by_pspec (G_OBJECT (self), props[p]);
}

void
fathom_image_view_get_style (FathomImageView    *self,
                             FathomHeatmapStyle *style)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  *style = self->style;
}

void
fathom_image_view_set_layer_visible (FathomImageView     *self,
                                     FathomOverlayLayers  layer,
                                     gboolean             visible)
{
  guint layers;

  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  layers = visible ? self->layers | layer : self->layers & ~layer;
  if (layers == self->layers)
    return;
  self->layers = layers;
  _fathom_image_view_changed (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LAYERS]);
}

gboolean
fathom_image_view_get_layer_visible (FathomImageView     *self,
                                     FathomOverlayLayers  layer)
{
  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), FALSE);
  return (self->layers & layer) == (guint) layer;
}

gboolean
fathom_image_view_cell_at (FathomImageView *self,
                           double           x,
                           double           y,
                           int             *cell_x,
                           int             *cell_y,
                           float           *value)
{
  double ix, iy;
  int cx, cy;

  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), FALSE);
  if (!_fathom_image_view_heatmap_shown (self))
    return FALSE;
  _fathom_image_view_ensure_view (self);
  fathom_view_transform_to_image (&self->view, x, y, &ix, &iy);
  if (!fathom_heatmap_cell_at (self->heatmap, self->image->width, self->image->height,
                               ix, iy, &cx, &cy))
    return FALSE;
  if (cell_x != NULL)
    *cell_x = cx;
  if (cell_y != NULL)
    *cell_y = cy;
  if (value != NULL)
    *value = fathom_heatmap_get (self->heatmap, self->heatmap_class, cy, cx);
  return TRUE;
}

/* ---- drawing ------------------------------------------------------------ */

static void
ensure_heat_texture (FathomImageView *self)
{
  cairo_surface_t *surface;
  g_autoptr(GBytes) bytes = NULL;
  int stride;

  if (self->heat_texture != NULL || !_fathom_image_view_heatmap_shown (self))
    return;
  /* at the photo's size, so that the cells line up with its pixels */
  surface = fathom_heatmap_render (self->heatmap, self->heatmap_class, &self->style,
                                   self->image->width, self->image->height);
  stride = cairo_image_surface_get_stride (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                       (gsize) stride * self->image->height);
  /* GDK_MEMORY_DEFAULT is cairo's ARGB32 layout */
  self->heat_texture = gdk_memory_texture_new (self->image->width, self->image->height,
                                               GDK_MEMORY_DEFAULT, bytes, stride);
  cairo_surface_destroy (surface);
}

static void
fathom_image_view_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  FathomImageView *self = FATHOM_IMAGE_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  FathomOverlayScene scene;
  graphene_rect_t rect;
  cairo_t *cr;

  if (self->image == NULL)
    {
      PangoLayout *layout = gtk_widget_create_pango_layout (widget,
                                                            self->load_error ? self->load_error : "No photo");
      int lw, lh;

      pango_layout_get_pixel_size (layout, &lw, &lh);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((w - lw) / 2.f, (h - lh) / 2.f));
      gtk_snapshot_push_opacity (snapshot, 0.55);
      gtk_snapshot_append_layout (snapshot, layout, &(GdkRGBA) { 0.5, 0.5, 0.5, 1 });
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_restore (snapshot);
      g_object_unref (layout);
      return;
    }

  _fathom_image_view_ensure_view (self);
  rect = GRAPHENE_RECT_INIT ((float) self->view.x0, (float) self->view.y0,
                             (float) (self->view.scale * self->image->width),
                             (float) (self->view.scale * self->image->height));
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->layers & FATHOM_OVERLAY_PHOTO)
    gtk_snapshot_append_texture (snapshot, self->photo_texture, &rect);
  ensure_heat_texture (self);
  if (_fathom_image_view_heatmap_shown (self) && self->heat_texture != NULL)
    {
      gtk_snapshot_push_opacity (snapshot, self->style.opacity);
      gtk_snapshot_append_texture (snapshot, self->heat_texture, &rect);
      gtk_snapshot_pop (snapshot);
    }

  fill_scene (self, &scene);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  fathom_overlay_draw_annotations (cr, &scene, &self->view, w, h);
  if (self->hovering)
    fathom_overlay_draw_hover (cr, &scene, &self->view, self->hover_x, self->hover_y, w, h);
  cairo_destroy (cr);
  gtk_snapshot_pop (snapshot);
}

static void
fathom_image_view_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  *minimum = 64;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 360;
}

static void
fathom_image_view_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  _fathom_image_view_ensure_view (FATHOM_IMAGE_VIEW (widget));
}

/* ---- GObject ------------------------------------------------------------ */

static void
fathom_image_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  FathomImageView *self = FATHOM_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_HEATMAP_CLASS: g_value_set_int (value, self->heatmap_class); break;
    case PROP_OPACITY: g_value_set_double (value, self->style.opacity); break;
    case PROP_COLORMAP: g_value_set_int (value, self->style.colormap); break;
    case PROP_INTERPOLATION: g_value_set_int (value, self->style.interpolation); break;
    case PROP_THRESHOLD: g_value_set_double (value, self->style.threshold); break;
    case PROP_SCALE_MODE: g_value_set_int (value, self->style.scale); break;
    case PROP_NORM: g_value_set_int (value, self->style.norm); break;
    case PROP_LAYERS: g_value_set_uint (value, self->layers); break;
    case PROP_ZOOM: _fathom_image_view_ensure_view (self); g_value_set_double (value, self->view.scale); break;
    case PROP_CURRENT: g_value_set_uint (value, self->current); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_image_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  FathomImageView *self = FATHOM_IMAGE_VIEW (object);
  FathomHeatmapStyle style = self->style;

  switch (prop_id)
    {
    case PROP_HEATMAP_CLASS: fathom_image_view_set_heatmap_class (self, g_value_get_int (value)); return;
    case PROP_LAYERS:
      self->layers = g_value_get_uint (value);
      _fathom_image_view_changed (self, FALSE);
      g_object_notify_by_pspec (object, pspec);
      return;
    case PROP_CURRENT: fathom_image_view_set_current (self, g_value_get_uint (value)); return;
    case PROP_OPACITY:
      /* only the opacity node changes: no new texture */
      self->style.opacity = g_value_get_double (value);
      _fathom_image_view_changed (self, FALSE);
      g_object_notify_by_pspec (object, pspec);
      return;
    case PROP_COLORMAP: style.colormap = g_value_get_int (value); break;
    case PROP_INTERPOLATION: style.interpolation = g_value_get_int (value); break;
    case PROP_THRESHOLD: style.threshold = g_value_get_double (value); break;
    case PROP_SCALE_MODE: style.scale = g_value_get_int (value); break;
    case PROP_NORM: style.norm = g_value_get_int (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec); return;
    }
  if (memcmp (&style, &self->style, sizeof style) == 0)
    return;
  self->style = style;
  _fathom_image_view_changed (self, TRUE);
  g_object_notify_by_pspec (object, pspec);
}

static void
fathom_image_view_dispose (GObject *object)
{
  FathomImageView *self = FATHOM_IMAGE_VIEW (object);

  if (self->model != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->model);
  g_clear_object (&self->model);
  g_clear_object (&self->photo_texture);
  g_clear_object (&self->heat_texture);
  G_OBJECT_CLASS (fathom_image_view_parent_class)->dispose (object);
}

static void
fathom_image_view_finalize (GObject *object)
{
  FathomImageView *self = FATHOM_IMAGE_VIEW (object);

  fathom_image_free (self->image);
  fathom_heatmap_free (self->heatmap);
  g_strfreev (self->class_names);
  g_free (self->true_label);
  g_array_unref (self->other_boxes);
  g_free (self->pred_label);
  g_free (self->load_error);
  G_OBJECT_CLASS (fathom_image_view_parent_class)->finalize (object);
}

static void
fathom_image_view_class_init (FathomImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;


  object_class->get_property = fathom_image_view_get_property;
  object_class->set_property = fathom_image_view_set_property;
  object_class->dispose = fathom_image_view_dispose;
  object_class->finalize = fathom_image_view_finalize;
  widget_class->snapshot = fathom_image_view_snapshot;
  widget_class->measure = fathom_image_view_measure;
  widget_class->size_allocate = fathom_image_view_size_allocate;

  props[PROP_HEATMAP_CLASS] = g_param_spec_int ("heatmap-class", NULL, NULL, -1, G_MAXINT, -1, rw);
  props[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0, 1, 0.5, rw);
  props[PROP_COLORMAP] = g_param_spec_int ("colormap", NULL, NULL, 0, FATHOM_COLORMAP_N - 1,
                                           FATHOM_COLORMAP_COOL, rw);
  props[PROP_INTERPOLATION] = g_param_spec_int ("interpolation", NULL, NULL, 0, 1,
                                                FATHOM_RESIZE_NEAREST, rw);
  props[PROP_THRESHOLD] = g_param_spec_double ("threshold", NULL, NULL, 0, 1, 0, rw);
  props[PROP_SCALE_MODE] = g_param_spec_int ("scale-mode", NULL, NULL, 0, 1,
                                             FATHOM_HEATMAP_SCALE_SHARED, rw);
  props[PROP_NORM] = g_param_spec_int ("norm", NULL, NULL, 0, 1, FATHOM_HEATMAP_NORM_MINMAX, rw);
  props[PROP_LAYERS] = g_param_spec_uint ("layers", NULL, NULL, 0, FATHOM_OVERLAY_ALL,
                                          FATHOM_OVERLAY_ALL, rw);
  props[PROP_ZOOM] = g_param_spec_double ("zoom", NULL, NULL, 0, G_MAXDOUBLE, 1,
                                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_CURRENT] = g_param_spec_uint ("current", NULL, NULL, 0, G_MAXUINT,
                                           GTK_INVALID_LIST_POSITION, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[CURRENT_CHANGED] = g_signal_new ("current-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_UINT);

  _fathom_image_view_class_init_nav (widget_class);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "fathom-image-view");
}

static void
fathom_image_view_init (FathomImageView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->heatmap_class = -1;
  self->other_boxes = g_array_new (FALSE, FALSE, sizeof (FathomBox));
  self->pred_prob = self->iou = NAN;
  self->layers = FATHOM_OVERLAY_ALL;
  self->current = GTK_INVALID_LIST_POSITION;
  self->auto_fit = TRUE;
  self->view.scale = 1.0;
  fathom_heatmap_style_init (&self->style);

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);
  _fathom_image_view_init_nav (self);
  _fathom_image_view_update_accessible (self);
}

GtkWidget *
fathom_image_view_new (void)
{
  return g_object_new (FATHOM_TYPE_IMAGE_VIEW, NULL);
}
