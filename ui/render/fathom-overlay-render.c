/* fathom-overlay-render.c: photo, heatmap, boxes, labels, legend and hover
 * on cairo, and the overlay's PNG export (the class-map grid is in
 * fathom-overlay-grid.c).
 *
 * Lines and text keep their size in view pixels whatever the zoom, so a
 * box stays readable on a 5x5-cell thumbnail and at 8x zoom alike.
 */
#include "fathom-overlay-render-private.h"
#include "fathom-atomic-file.h"
#include "fathom-metrics.h"

#include <math.h>
#include <gio/gio.h>

const double _fathom_overlay_true_rgb[3] = { 1.0, 0.0, 0.0 };   /* the lesson's red */
static const double pred_rgb[3] = { 1.0, 1.0, 0.0 };     /* and yellow */

void
fathom_overlay_scene_init (FathomOverlayScene *scene)
{
  *scene = (FathomOverlayScene) {
    .heatmap_class = -1,
    .pred_prob = NAN,
    .iou = NAN,
    .layers = FATHOM_OVERLAY_ALL,
    .text_scale = 1.0,
  };
  fathom_heatmap_style_init (&scene->style);
}

/* ---- view transform ----------------------------------------------------- */

void
fathom_view_transform_fit (FathomViewTransform *self,
                           int                  image_width,
                           int                  image_height,
                           double               view_width,
                           double               view_height,
                           double               margin)
{
  double w = MAX (view_width - 2 * margin, 1.0);
  double h = MAX (view_height - 2 * margin, 1.0);

  self->scale = MIN (w / image_width, h / image_height);
  self->x0 = (view_width - self->scale * image_width) / 2;
  self->y0 = (view_height - self->scale * image_height) / 2;
}

void
fathom_view_transform_zoom_at (FathomViewTransform *self,
                               double               factor,
                               double               view_x,
                               double               view_y)
{
  self->x0 = view_x - (view_x - self->x0) * factor;
  self->y0 = view_y - (view_y - self->y0) * factor;
  self->scale *= factor;
}

void
fathom_view_transform_to_view (const FathomViewTransform *self,
                               double image_x, double image_y,
                               double *view_x, double *view_y)
{
  *view_x = self->x0 + self->scale * image_x;
  *view_y = self->y0 + self->scale * image_y;
}

void
fathom_view_transform_to_image (const FathomViewTransform *self,
                                double view_x, double view_y,
                                double *image_x, double *image_y)
{
  *image_x = (view_x - self->x0) / self->scale;
  *image_y = (view_y - self->y0) / self->scale;
}

double
fathom_overlay_box_iou (const FathomBox *a,
                        const FathomBox *b)
{
  double iw = MIN (a->x + a->width, b->x + b->width) - MAX (a->x, b->x);
  double ih = MIN (a->y + a->height, b->y + b->height) - MAX (a->y, b->y);
  double inter = iw > 0 && ih > 0 ? iw * ih : 0.0;
  double uni = a->width * a->height + b->width * b->height - inter;

  return uni > 0 && a->width > 0 && b->width > 0 ? inter / uni : 0.0;
}

void
fathom_overlay_box_from_model (const float  hwxy[4],
                               int          model_width,
                               int          model_height,
                               int          image_width,
                               int          image_height,
                               FathomBox   *box)
{
  double sx = (double) image_width / model_width, sy = (double) image_height / model_height;

  box->height = hwxy[0] * sy;
  box->width = hwxy[1] * sx;
  box->x = hwxy[2] * sx;
  box->y = hwxy[3] * sy;
}

/* ---- small drawing helpers ---------------------------------------------- */

void
_fathom_overlay_rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
_fathom_overlay_set_font (cairo_t *cr, double size, gboolean bold)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  /* grey antialiasing: no colour fringes in exported PNGs */
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_set_font_options (cr, options);
  cairo_font_options_destroy (options);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

/* A text tag: the box around the text, padding included. */
void
_fathom_overlay_tag_size (cairo_t *cr, const char *text, double size, double *w, double *h)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  *w = ext.x_advance + size * 0.9;
  *h = size * 1.55;
}

void
_fathom_overlay_draw_tag (cairo_t *cr, double x, double y, const char *text, double size,
          const double bg[3], double bg_alpha, const double fg[3])
{
  double w, h;

  _fathom_overlay_tag_size (cr, text, size, &w, &h);
  _fathom_overlay_rounded_rect (cr, x, y, w, h, size * 0.3);
  cairo_set_source_rgba (cr, bg[0], bg[1], bg[2], bg_alpha);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, fg[0], fg[1], fg[2]);
  cairo_move_to (cr, x + size * 0.45, y + h / 2 + size * 0.36);
  cairo_show_text (cr, text);
}

/* The colormap left to right over a rectangle. */
void
_fathom_overlay_draw_colorbar (cairo_t *cr, FathomColormap map, double x, double y, double w, double h)
{
  cairo_pattern_t *grad = cairo_pattern_create_linear (x, 0, x + w, 0);

  for (int i = 0; i <= 16; i++)
    {
      double rgb[3];

      fathom_colormap_eval (map, i / 16.0, rgb);
      cairo_pattern_add_color_stop_rgb (grad, i / 16.0, rgb[0], rgb[1], rgb[2]);
    }
  cairo_rectangle (cr, x, y, w, h);
  cairo_set_source (cr, grad);
  cairo_fill_preserve (cr);
  cairo_pattern_destroy (grad);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

/* The range the colours span, in the units the legend reads. */
void
_fathom_overlay_legend_range (const FathomOverlayScene *scene, int k, FathomHeatmapScale scale,
              float *lo, float *hi)
{
  if (scene->style.norm == FATHOM_HEATMAP_NORM_SOFTMAX)
    {
      g_autoptr(FathomHeatmap) sm = fathom_heatmap_softmax (scene->heatmap);

      if (scale == FATHOM_HEATMAP_SCALE_SHARED)
        {
          *lo = 0.f;
          *hi = 1.f;
        }
      else
        fathom_heatmap_range (sm, k, scale, lo, hi);
      return;
    }
  fathom_heatmap_range (scene->heatmap, k, scale, lo, hi);
}

const char *
_fathom_overlay_class_name (const FathomOverlayScene *scene, int k, char buf[16])
{
  if (scene->class_names != NULL && g_strv_length ((char **) scene->class_names) > (guint) k)
    return scene->class_names[k];
  g_snprintf (buf, 16, "class %d", k);
  return buf;
}

static gboolean
heatmap_visible (const FathomOverlayScene *scene)
{
  return (scene->layers & FATHOM_OVERLAY_HEATMAP) && scene->heatmap != NULL &&
         scene->heatmap_class >= 0 && scene->heatmap_class < scene->heatmap->classes;
}

/* ---- layers ------------------------------------------------------------- */

/* Paints surface (any size) over the image rectangle of the view. */
static void
paint_over_image (cairo_t *cr, cairo_surface_t *surface, const FathomOverlayScene *scene,
                  const FathomViewTransform *view, double alpha, gboolean crisp)
{
  int sw = cairo_image_surface_get_width (surface);
  int sh = cairo_image_surface_get_height (surface);
  int iw = scene->image->width, ih = scene->image->height;
  double sx = view->scale * iw / sw, sy = view->scale * ih / sh;

  cairo_save (cr);
  cairo_rectangle (cr, view->x0, view->y0, view->scale * iw, view->scale * ih);
  cairo_clip (cr);
  cairo_translate (cr, view->x0, view->y0);
  cairo_scale (cr, sx, sy);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  /* magnified photo pixels stay pixels when inspecting closely */
  cairo_pattern_set_filter (cairo_get_source (cr),
                            crisp && sx >= 3 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_paint_with_alpha (cr, alpha);
  cairo_restore (cr);
}

cairo_surface_t *
fathom_overlay_image_surface (const FathomImage *image)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24,
                                                         image->width, image->height);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  cairo_surface_flush (surface);
  for (int y = 0; y < image->height; y++)
    {
      const guint8 *src = image->pixels + (gsize) y * image->width * 3;
      guint32 *dst = (guint32 *) (gpointer) (data + (gsize) y * stride);

      for (int x = 0; x < image->width; x++)
        dst[x] = 0xff000000u | (guint32) src[3 * x] << 16 |
                 (guint32) src[3 * x + 1] << 8 | src[3 * x + 2];
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

void
fathom_overlay_draw_photo (cairo_t                   *cr,
                           const FathomOverlayScene  *scene,
                           const FathomViewTransform *view)
{
  cairo_surface_t *photo = scene->photo_surface;

  if (scene->image == NULL || !(scene->layers & FATHOM_OVERLAY_PHOTO))
    return;
  if (photo == NULL)
    photo = fathom_overlay_image_surface (scene->image);
  else
    cairo_surface_reference (photo);
  paint_over_image (cr, photo, scene, view, 1.0, TRUE);
  cairo_surface_destroy (photo);
}

/* The class the scene's maps are read against (fathom_metric_map_reference()),
 * or -1 where it names no classes. */
static int
scene_reference (const FathomOverlayScene *scene)
{
  return scene->class_names != NULL
           ? fathom_metric_map_reference (scene->class_names, (gsize) scene->heatmap->classes) : -1;
}

/* Strokes the current path white, width wide, over a dark halo a pixel
 * wider on each side: visible on any photo or map. */
static void
stroke_white_on_dark (cairo_t *cr, double width)
{
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_set_line_width (cr, width + 2);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, width);
  cairo_stroke (cr);
}

/* Against the no-fish class where the scene names one. */
void
_fathom_overlay_draw_located (cairo_t *cr, const FathomOverlayScene *scene, const FathomViewTransform *view)
{
  int reference = scene_reference (scene);
  FathomBox cell;
  double vx, vy;
  int cx, cy;

  fathom_heatmap_locate (scene->heatmap, scene->heatmap_class, reference, &cx, &cy);
  fathom_heatmap_cell_rect (scene->heatmap, scene->image->width, scene->image->height, cx, cy, &cell);
  fathom_view_transform_to_view (view, cell.x + cell.width / 2, cell.y + cell.height / 2, &vx, &vy);
  cairo_save (cr);
  cairo_new_path (cr);
  cairo_arc (cr, vx, vy, 4, 0, 2 * G_PI);
  stroke_white_on_dark (cr, 1.5);
  cairo_restore (cr);
}

void
fathom_overlay_draw_heatmap (cairo_t                   *cr,
                             const FathomOverlayScene  *scene,
                             const FathomViewTransform *view)
{
  cairo_surface_t *heat = scene->heatmap_surface;

  if (scene->image == NULL || !heatmap_visible (scene))
    return;
  if (heat == NULL)
    heat = fathom_heatmap_render (scene->heatmap, scene->heatmap_class, &scene->style,
                                  scene->image->width, scene->image->height);
  else
    cairo_surface_reference (heat);
  paint_over_image (cr, heat, scene, view, scene->style.opacity,
                    scene->style.interpolation == FATHOM_RESIZE_NEAREST);
  cairo_surface_destroy (heat);
}

void
_fathom_overlay_stroke_box (cairo_t *cr, const FathomBox *box, const FathomViewTransform *view,
            const double rgb[3], double width)
{
  double x, y;

  fathom_view_transform_to_view (view, box->x, box->y, &x, &y);
  cairo_rectangle (cr, x, y, box->width * view->scale, box->height * view->scale);
  /* a dark halo keeps red and yellow visible on a bright deck */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.45);
  cairo_set_line_width (cr, width + 2);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_set_line_width (cr, width);
  cairo_stroke (cr);
}

/* Above the box's top-left corner, or just inside when no room above. */
static void
label_box (cairo_t *cr, const FathomBox *box, const FathomViewTransform *view,
           const char *text, const double bg[3], const double fg[3],
           double size, double view_width, double view_height, gboolean below)
{
  double x, y, bx, by, w, h;

  fathom_view_transform_to_view (view, box->x, box->y, &bx, &by);
  _fathom_overlay_tag_size (cr, text, size, &w, &h);
  x = CLAMP (bx - BOX_LINE / 2, 0, MAX (view_width - w, 0));
  if (below)
    {
      double bottom = by + box->height * view->scale;

      /* inside the bottom edge when the view ends below the box */
      y = bottom + BOX_LINE / 2 + h <= view_height ? bottom + BOX_LINE / 2
                                                   : bottom - BOX_LINE - h;
    }
  else
    y = by - BOX_LINE / 2 - h >= 0 ? by - BOX_LINE / 2 - h : by + BOX_LINE;
  _fathom_overlay_draw_tag (cr, x, y, text, size, bg, 1.0, fg);
}

/* How much of the rectangle the shown boxes (with room for their tags)
 * cover, in view pixels. */
static double
box_overlap (const FathomOverlayScene *scene, const FathomViewTransform *view,
             double x, double y, double w, double h)
{
  const FathomBox *boxes[2] = { &scene->true_box, &scene->pred_box };
  gboolean shown[2] = { scene->has_true_box && (scene->layers & FATHOM_OVERLAY_TRUE_BOX),
                        scene->has_pred_box && (scene->layers & FATHOM_OVERLAY_PRED_BOX) };
  double tag = BASE_FONT * scene->text_scale * 1.6, sum = 0;

  for (int i = 0; i < 2; i++)
    if (shown[i])
      {
        double bx, by, ow, oh;

        fathom_view_transform_to_view (view, boxes[i]->x, boxes[i]->y, &bx, &by);
        ow = MIN (x + w, bx + boxes[i]->width * view->scale) - MAX (x, bx);
        oh = MIN (y + h, by + boxes[i]->height * view->scale + tag) - MAX (y, by - tag);
        if (ow > 0 && oh > 0)
          sum += ow * oh;
      }
  return sum;
}

/* The metrics legend's width and height, and the margin it keeps. */
static void
legend_size (const FathomOverlayScene *scene,
             double                   *width,
             double                   *height,
             double                   *margin)
{
  double size = BASE_FONT * scene->text_scale, pad = size * 0.6;
  double line = size * 1.45;

  *width = size * 10 + pad * 2 + size * 4.2;
  *height = pad * 2 + line * (scene->has_true_box ? 3 : 2) + size * 0.2;
  *margin = size * 0.8;
}

/* The legend with its top-left corner at (x, y). */
static void
draw_legend_at (cairo_t *cr, const FathomOverlayScene *scene, double x, double y)
{
  const double white[3] = { 1, 1, 1 };
  double size = BASE_FONT * scene->text_scale, pad = size * 0.6;
  double bar_w = size * 10, line = size * 1.45;
  int k = scene->heatmap_class;
  gboolean metrics = scene->has_true_box;
  double w, h, m;
  char buf[16], text[96], lo_s[32], hi_s[32];
  float lo, hi;

  legend_size (scene, &w, &h, &m);
  _fathom_overlay_legend_range (scene, k, scene->style.scale, &lo, &hi);
  _fathom_overlay_rounded_rect (cr, x, y, w, h, size * 0.5);
  cairo_set_source_rgba (cr, 0.08, 0.08, 0.1, 0.72);
  cairo_fill (cr);

  _fathom_overlay_set_font (cr, size, TRUE);
  cairo_set_source_rgb (cr, white[0], white[1], white[2]);
  g_snprintf (text, sizeof text, "%s map%s", _fathom_overlay_class_name (scene, k, buf),
              scene->style.norm == FATHOM_HEATMAP_NORM_SOFTMAX ? " (softmax)" : "");
  cairo_move_to (cr, x + pad, y + pad + size);
  cairo_show_text (cr, text);

  _fathom_overlay_set_font (cr, size * 0.85, FALSE);
  g_snprintf (lo_s, sizeof lo_s, "%.3g", lo);
  g_snprintf (hi_s, sizeof hi_s, "%.3g", hi);
  cairo_move_to (cr, x + pad, y + pad + line + size * 0.85);
  cairo_show_text (cr, lo_s);
  {
    cairo_text_extents_t ext;
    double bx;

    cairo_text_extents (cr, lo_s, &ext);
    bx = x + pad + ext.x_advance + size * 0.4;
    _fathom_overlay_draw_colorbar (cr, scene->style.colormap, bx, y + pad + line + size * 0.05,
                   bar_w, size * 0.8);
    cairo_set_source_rgb (cr, white[0], white[1], white[2]);
    cairo_move_to (cr, bx + bar_w + size * 0.4, y + pad + line + size * 0.85);
    cairo_show_text (cr, hi_s);
  }

  if (metrics)
    {
      int reference = scene_reference (scene);
      gboolean hit = fathom_heatmap_pointing (scene->heatmap, k, reference, scene->image->width,
                                              scene->image->height, &scene->true_box);
      double share = fathom_heatmap_in_box_share (scene->heatmap, k, scene->image->width,
                                                  scene->image->height, &scene->true_box);

      if (isnan (share))
        g_snprintf (text, sizeof text, "pointing (ring) %s   in box -", hit ? "hit" : "miss");
      else
        g_snprintf (text, sizeof text, "pointing (ring) %s   in box %.0f%%", hit ? "hit" : "miss",
                    share * 100);
      cairo_move_to (cr, x + pad, y + pad + 2 * line + size * 0.85);
      cairo_show_text (cr, text);
    }
}

/* The legend over the view, in the corner where it hides the least of
 * the boxes; bottom-left first. */
static void
draw_legend (cairo_t *cr, const FathomOverlayScene *scene, const FathomViewTransform *view,
             double view_width, double view_height)
{
  double w, h, m, x, y, best = G_MAXDOUBLE;

  legend_size (scene, &w, &h, &m);
  x = m;
  y = view_height - h - m;
  for (int c = 0; c < 4; c++)
    {
      double cx = c % 2 ? view_width - w - m : m;
      double cy = c < 2 ? view_height - h - m : m;
      double o = box_overlap (scene, view, cx, cy, w, h);

      if (o < best)
        {
          best = o;
          x = cx;
          y = cy;
        }
    }
  draw_legend_at (cr, scene, x, y);
}

void
fathom_overlay_draw_annotations (cairo_t                   *cr,
                                 const FathomOverlayScene  *scene,
                                 const FathomViewTransform *view,
                                 double                     view_width,
                                 double                     view_height)
{
  const double black[3] = { 0, 0, 0 }, white[3] = { 1, 1, 1 };
  double size = BASE_FONT * scene->text_scale;
  gboolean show_true = scene->has_true_box && (scene->layers & FATHOM_OVERLAY_TRUE_BOX);
  gboolean show_pred = scene->has_pred_box && (scene->layers & FATHOM_OVERLAY_PRED_BOX);

  if (scene->image == NULL)
    return;
  cairo_save (cr);
  if (heatmap_visible (scene))
    _fathom_overlay_draw_located (cr, scene, view);
  if (scene->layers & FATHOM_OVERLAY_TRUE_BOX)
    {
      const double dash[] = { 6, 4 };

      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      for (guint i = 0; i < scene->n_other_boxes; i++)
        _fathom_overlay_stroke_box (cr, &scene->other_boxes[i], view, _fathom_overlay_true_rgb, BOX_LINE / 2);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  if (show_true)
    _fathom_overlay_stroke_box (cr, &scene->true_box, view, _fathom_overlay_true_rgb, BOX_LINE);
  if (show_pred)
    _fathom_overlay_stroke_box (cr, &scene->pred_box, view, pred_rgb, BOX_LINE);

  if (scene->layers & FATHOM_OVERLAY_LABELS)
    {
      _fathom_overlay_set_font (cr, size, TRUE);
      if (show_true && scene->true_label != NULL)
        {
          g_autofree char *text = g_strdup_printf ("true %s", scene->true_label);

          label_box (cr, &scene->true_box, view, text, _fathom_overlay_true_rgb, white, size,
                     view_width, view_height, FALSE);
        }
      if (show_pred)
        {
          GString *text = g_string_new ("pred");
          double iou = scene->iou;

          if (scene->pred_label != NULL)
            g_string_append_printf (text, " %s", scene->pred_label);
          if (!isnan (scene->pred_prob))
            g_string_append_printf (text, " %.2f", scene->pred_prob);
          if (isnan (iou) && scene->has_true_box)
            iou = fathom_overlay_box_iou (&scene->true_box, &scene->pred_box);
          if (!isnan (iou))
            g_string_append_printf (text, " \xc2\xb7 IoU %.2f", iou);
          /* below the box, so that it never hides the true tag when the
           * boxes share a corner */
          label_box (cr, &scene->pred_box, view, text->str, pred_rgb, black, size,
                     view_width, view_height, TRUE);
          g_string_free (text, TRUE);
        }
    }

  if ((scene->layers & FATHOM_OVERLAY_METRICS) && heatmap_visible (scene))
    draw_legend (cr, scene, view, view_width, view_height);
  cairo_restore (cr);
}

void
fathom_overlay_draw_hover (cairo_t                   *cr,
                           const FathomOverlayScene  *scene,
                           const FathomViewTransform *view,
                           double                     x,
                           double                     y,
                           double                     view_width,
                           double                     view_height)
{
  const double dark[3] = { 0.08, 0.08, 0.1 }, white[3] = { 1, 1, 1 };
  double size = BASE_FONT * scene->text_scale, ix, iy, vx, vy, w, h;
  g_autofree char *text = NULL;
  FathomBox cell;
  int cx, cy;

  if (scene->image == NULL || !heatmap_visible (scene))
    return;
  fathom_view_transform_to_image (view, x, y, &ix, &iy);
  if (!fathom_heatmap_cell_at (scene->heatmap, scene->image->width, scene->image->height,
                               ix, iy, &cx, &cy))
    return;

  cairo_save (cr);
  fathom_heatmap_cell_rect (scene->heatmap, scene->image->width, scene->image->height,
                            cx, cy, &cell);
  fathom_view_transform_to_view (view, cell.x, cell.y, &vx, &vy);
  /* on whole pixels: a crisp 2-pixel outline */
  cairo_rectangle (cr, round (vx), round (vy), round (vx + cell.width * view->scale) - round (vx),
                   round (vy + cell.height * view->scale) - round (vy));
  stroke_white_on_dark (cr, 2);

  _fathom_overlay_set_font (cr, size * 0.92, FALSE);
  text = g_strdup_printf ("cell row %d, col %d of %dx%d: %.4g", cy, cx,
                          scene->heatmap->height, scene->heatmap->width,
                          fathom_heatmap_get (scene->heatmap, scene->heatmap_class, cy, cx));
  _fathom_overlay_tag_size (cr, text, size * 0.92, &w, &h);
  /* beside the pointer, flipped to stay inside the view */
  vx = x + 14 + w > view_width ? x - 14 - w : x + 14;
  vy = y + 14 + h > view_height ? y - 14 - h : y + 14;
  _fathom_overlay_draw_tag (cr, MAX (vx, 0), MAX (vy, 0), text, size * 0.92, dark, 0.85, white);
  cairo_restore (cr);
}

void
fathom_overlay_render (cairo_t                   *cr,
                       const FathomOverlayScene  *scene,
                       const FathomViewTransform *view,
                       double                     view_width,
                       double                     view_height)
{
  fathom_overlay_draw_photo (cr, scene, view);
  fathom_overlay_draw_heatmap (cr, scene, view);
  fathom_overlay_draw_annotations (cr, scene, view, view_width, view_height);
}

/* ---- PNG export --------------------------------------------------------- */

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
_fathom_overlay_write_png (cairo_surface_t *surface, const char *path, GError **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  cairo_status_t status = cairo_surface_status (surface);

  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png_stream (surface, append_bytes, bytes);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot render %s: %s",
                   path, cairo_status_to_string (status));
      return FALSE;
    }
  /* a temporary file renamed over the path (fathom-atomic-file.h) */
  return fathom_write_file_atomic (path, bytes->data, bytes->len, error);
}

gboolean
fathom_overlay_export_png (const FathomOverlayScene *scene,
                           int                       width,
                           const char               *path,
                           GError                  **error)
{
  FathomOverlayScene photo_scene;
  cairo_surface_t *surface;
  FathomViewTransform view;
  double legend_w = 0, legend_h = 0, legend_m = 0;
  int height, strip = 0;
  gboolean ok;
  cairo_t *cr;

  g_return_val_if_fail (scene->image != NULL, FALSE);
  if (width <= 0)
    width = scene->image->width;
  height = MAX ((int) lround ((double) width * scene->image->height / scene->image->width), 1);
  photo_scene = *scene;
  if ((scene->layers & FATHOM_OVERLAY_METRICS) && heatmap_visible (scene))
    {
      /* in a strip of its own below the photo: over it, the legend hid
       * a corner of the map, and sometimes the fish */
      legend_size (scene, &legend_w, &legend_h, &legend_m);
      strip = (int) ceil (legend_h + 2 * legend_m);
      photo_scene.layers &= ~FATHOM_OVERLAY_METRICS;
    }

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24,
                                        strip > 0 ? MAX (width, (int) ceil (legend_w + 2 * legend_m)) : width,
                                        height + strip);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_paint (cr);
  fathom_view_transform_fit (&view, scene->image->width, scene->image->height,
                             width, height, 0);
  fathom_overlay_render (cr, &photo_scene, &view, width, height);
  if (strip > 0)
    draw_legend_at (cr, scene, legend_m, height + legend_m);
  cairo_destroy (cr);
  ok = _fathom_overlay_write_png (surface, path, error);
  cairo_surface_destroy (surface);
  return ok;
}
