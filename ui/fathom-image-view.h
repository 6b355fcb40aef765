/* fathom-image-view.h: one photo at its true aspect with zoom and pan, the
 * true (red) and predicted (yellow) boxes with their tags, an FCN class
 * map over it, and arrow-key travel through a list of photos.
 *
 * Model-free: the view copies what it is given and knows nothing of runs.
 * Scroll or pinch zooms around the pointer, dragging pans, a double click
 * (or 0) fits; hovering over the heatmap shows the raw cell under the
 * pointer. Drawing goes through fathom-overlay-render, as the CLI's PNGs.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-heatmap.h"
#include "fathom-image.h"
#include "fathom-overlay-render.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_IMAGE_VIEW (fathom_image_view_get_type ())
G_DECLARE_FINAL_TYPE (FathomImageView, fathom_image_view, FATHOM, IMAGE_VIEW, GtkWidget)

GtkWidget  *fathom_image_view_new              (void);

/* The photo (copied); NULL clears. Keeps boxes and map: see set_current. */
void        fathom_image_view_set_image        (FathomImageView     *self,
                                                const FathomImage   *image);
gboolean    fathom_image_view_set_image_path   (FathomImageView     *self,
                                                const char          *path,
                                                GError             **error);
const FathomImage *fathom_image_view_get_image (FathomImageView     *self);

/* Boxes in photo pixels; NULL removes. label: the class name. */
void        fathom_image_view_set_true_box     (FathomImageView     *self,
                                                const FathomBox     *box,
                                                const char          *label);
/* The photo's other marked boxes (FathomBox, photo pixels; copied), drawn
 * thin and dashed beside the true box; NULL or empty removes them. */
void        fathom_image_view_set_other_boxes  (FathomImageView     *self,
                                                const GArray        *boxes);
guint       fathom_image_view_get_n_other_boxes (FathomImageView    *self);
/* probability and iou: NAN when unknown (the IoU is then computed when
 * both boxes are set). */
void        fathom_image_view_set_pred_box     (FathomImageView     *self,
                                                const FathomBox     *box,
                                                const char          *label,
                                                double               probability,
                                                double               iou);

/* A class map [K, h, w] (copied) and its K class names; NULL clears. */
void        fathom_image_view_set_heatmap      (FathomImageView     *self,
                                                const FathomHeatmap *heatmap,
                                                const char * const  *class_names);
/* Which class's map shows: -1 none. Properties "heatmap-class",
 * "opacity", "colormap", "interpolation", "threshold", "scale-mode",
 * "norm" bind to FathomHeatmapControls. */
void        fathom_image_view_set_heatmap_class (FathomImageView    *self,
                                                int                  k);
int         fathom_image_view_get_heatmap_class (FathomImageView    *self);
void        fathom_image_view_set_style        (FathomImageView     *self,
                                                const FathomHeatmapStyle *style);
void        fathom_image_view_get_style        (FathomImageView     *self,
                                                FathomHeatmapStyle  *style);

/* Layer toggles (FATHOM_OVERLAY_* flags), also the "layers" property. */
void        fathom_image_view_set_layer_visible (FathomImageView    *self,
                                                FathomOverlayLayers  layer,
                                                gboolean             visible);
gboolean    fathom_image_view_get_layer_visible (FathomImageView    *self,
                                                FathomOverlayLayers  layer);

/* The view transform (photo pixels to widget pixels); until the user
 * zooms or pans, the photo follows the widget's size, fitted. */
void        fathom_image_view_get_transform    (FathomImageView     *self,
                                                FathomViewTransform *view);
void        fathom_image_view_fit              (FathomImageView     *self);
/* factor > 1 zooms in, keeping widget point (x, y) still. */
void        fathom_image_view_zoom_at          (FathomImageView     *self,
                                                double               factor,
                                                double               x,
                                                double               y);
void        fathom_image_view_pan              (FathomImageView     *self,
                                                double               dx,
                                                double               dy);

/* The list the arrow keys move through: any GListModel (the view only
 * counts its items; the owner fills the view on "current-changed"), or
 * paths, whose photos the view then loads itself. Moving to another item
 * clears the boxes and the map, which belong to the old photo, before
 * "current-changed" (guint index) is emitted. */
void        fathom_image_view_set_model        (FathomImageView     *self,
                                                GListModel          *model);
GListModel *fathom_image_view_get_model        (FathomImageView     *self);
void        fathom_image_view_set_paths        (FathomImageView     *self,
                                                const char * const  *paths);
guint       fathom_image_view_get_current      (FathomImageView     *self);
void        fathom_image_view_set_current      (FathomImageView     *self,
                                                guint                index);
gboolean    fathom_image_view_select_next      (FathomImageView     *self);
gboolean    fathom_image_view_select_previous  (FathomImageView     *self);

/* The raw cell under widget point (x, y) of the shown class map. */
gboolean    fathom_image_view_cell_at          (FathomImageView     *self,
                                                double               x,
                                                double               y,
                                                int                 *cell_x,
                                                int                 *cell_y,
                                                float               *value);

G_END_DECLS
