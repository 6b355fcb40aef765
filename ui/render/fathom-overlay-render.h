/* fathom-overlay-render.h: a photo with its heatmap, true and predicted
 * boxes and their labels, drawn on any cairo_t for a given view transform;
 * the grid of all class maps; PNG export of both.
 *
 * GTK-free, so that the image view widget and fathom-cli's PNGs under renders/
 * draw the same picture. Colours follow the lesson: true box red,
 * predicted box yellow.
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "fathom-box.h"
#include "fathom-heatmap.h"
#include "fathom-image.h"

G_BEGIN_DECLS

/* Image pixel (ix, iy) lands on view point (x0 + scale ix, y0 + scale iy):
 * one scale for both axes, so the photo keeps its true aspect. */
typedef struct {
  double scale;
  double x0;
  double y0;
} FathomViewTransform;

typedef enum {
  FATHOM_OVERLAY_PHOTO    = 1 << 0,
  FATHOM_OVERLAY_HEATMAP  = 1 << 1,
  FATHOM_OVERLAY_TRUE_BOX = 1 << 2,
  FATHOM_OVERLAY_PRED_BOX = 1 << 3,
  FATHOM_OVERLAY_LABELS   = 1 << 4,  /* class, probability and IoU tags on the boxes */
  FATHOM_OVERLAY_METRICS  = 1 << 5,  /* legend: map, colour bar, pointing, in-box share */
  FATHOM_OVERLAY_ALL      = (1 << 6) - 1,
} FathomOverlayLayers;

/* Everything one picture shows. All pointers are borrowed. */
typedef struct {
  const FathomImage   *image;            /* required */
  const FathomHeatmap *heatmap;          /* NULL: no heatmap */
  const char *const   *class_names;      /* heatmap->classes names, or NULL */
  int                  heatmap_class;    /* -1: none */
  FathomHeatmapStyle   style;
  gboolean             has_true_box;
  FathomBox            true_box;         /* image pixels */
  const char          *true_label;       /* e.g. "ALB"; NULL: no tag */
  /* The photo's other marked boxes (image pixels): the annotation's rects
   * besides true_box, the largest, which the lesson keeps. Drawn thin and
   * dashed in the true box's red, untagged, with FATHOM_OVERLAY_TRUE_BOX. */
  const FathomBox     *other_boxes;
  guint                n_other_boxes;
  gboolean             has_pred_box;
  FathomBox            pred_box;
  const char          *pred_label;
  double               pred_prob;        /* NAN: not shown */
  double               iou;              /* NAN: computed from the two boxes */
  FathomOverlayLayers  layers;
  double               text_scale;       /* label size, 1 = 13 px */
  /* Optional caches (NULL: made on the fly): the photo as from
   * fathom_overlay_image_surface, and heatmap_class rendered by
   * fathom_heatmap_render at any size. */
  cairo_surface_t     *photo_surface;
  cairo_surface_t     *heatmap_surface;
} FathomOverlayScene;

/* No image, no boxes, no heatmap, the lesson's style, every layer on. */
void     fathom_overlay_scene_init    (FathomOverlayScene        *scene);

/* Centred, the largest scale at which the image fits inside the view
 * less margin on each side. */
void     fathom_view_transform_fit    (FathomViewTransform       *self,
                                       int                        image_width,
                                       int                        image_height,
                                       double                     view_width,
                                       double                     view_height,
                                       double                     margin);
/* Scales by factor keeping the image point under (view_x, view_y) fixed. */
void     fathom_view_transform_zoom_at (FathomViewTransform      *self,
                                       double                     factor,
                                       double                     view_x,
                                       double                     view_y);
void     fathom_view_transform_to_view (const FathomViewTransform *self,
                                       double                     image_x,
                                       double                     image_y,
                                       double                    *view_x,
                                       double                    *view_y);
void     fathom_view_transform_to_image (const FathomViewTransform *self,
                                       double                     view_x,
                                       double                     view_y,
                                       double                    *image_x,
                                       double                    *image_y);

/* Intersection over union; 0 when either box is empty. */
double   fathom_overlay_box_iou       (const FathomBox           *a,
                                       const FathomBox           *b);

/* A box as the lesson's models give it, [height, width, x, y] in the
 * pixels of a model_width x model_height input (the aspect not kept), in
 * photo pixels: the inverse of fathom_box_scale. */
void     fathom_overlay_box_from_model (const float               hwxy[4],
                                       int                        model_width,
                                       int                        model_height,
                                       int                        image_width,
                                       int                        image_height,
                                       FathomBox                 *box);

/* The photo as an opaque RGB24 cairo surface. */
cairo_surface_t *fathom_overlay_image_surface (const FathomImage *image);

/* The layers one by one (the widget draws photo and heatmap as textures
 * and only the annotations with cairo); cr's user space is view pixels. */
void     fathom_overlay_draw_photo    (cairo_t                   *cr,
                                       const FathomOverlayScene  *scene,
                                       const FathomViewTransform *view);
void     fathom_overlay_draw_heatmap  (cairo_t                   *cr,
                                       const FathomOverlayScene  *scene,
                                       const FathomViewTransform *view);
/* Boxes, labels and the metrics legend, as the layers ask. */
void     fathom_overlay_draw_annotations (cairo_t                *cr,
                                       const FathomOverlayScene  *scene,
                                       const FathomViewTransform *view,
                                       double                     view_width,
                                       double                     view_height);
/* The heatmap cell under view point (x, y): its outline and raw value. */
void     fathom_overlay_draw_hover    (cairo_t                   *cr,
                                       const FathomOverlayScene  *scene,
                                       const FathomViewTransform *view,
                                       double                     x,
                                       double                     y,
                                       double                     view_width,
                                       double                     view_height);
/* All of the above but the hover. */
void     fathom_overlay_render        (cairo_t                   *cr,
                                       const FathomOverlayScene  *scene,
                                       const FathomViewTransform *view,
                                       double                     view_width,
                                       double                     view_height);

/* One class map over the photo, filling width x height (the photo's aspect
 * is kept, letterboxed), with the map's raw range in a corner when the
 * style's scale is per map. */
void     fathom_overlay_draw_tile     (cairo_t                   *cr,
                                       const FathomOverlayScene  *scene,
                                       int                        k,
                                       double                     width,
                                       double                     height);
/* All scene->heatmap->classes maps, columns across, each with its class
 * name, the selected one (heatmap_class) outlined, and a colour bar with
 * the shared range when the scale is shared. */
void     fathom_overlay_render_grid   (cairo_t                   *cr,
                                       const FathomOverlayScene  *scene,
                                       int                        columns,
                                       double                     width,
                                       double                     height);
/* The height render_grid wants for a width. */
double   fathom_overlay_grid_height   (const FathomOverlayScene  *scene,
                                       int                        columns,
                                       double                     width);

/* PNG files, written atomically. width 0: the photo's own width; the
 * height follows the photo's aspect. fathom_overlay_export_png draws the
 * metrics legend (FATHOM_OVERLAY_METRICS, with a heatmap shown) in a dark
 * strip below the photo, never over it; the picture is then taller, and
 * as wide as the legend at least. */
gboolean fathom_overlay_export_png    (const FathomOverlayScene  *scene,
                                       int                        width,
                                       const char                *path,
                                       GError                   **error);
gboolean fathom_overlay_export_grid_png (const FathomOverlayScene *scene,
                                       int                        columns,
                                       int                        width,
                                       const char                *path,
                                       GError                   **error);

G_END_DECLS
