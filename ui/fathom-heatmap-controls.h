/* fathom-heatmap-controls.h: the heatmap's knobs in one small form: which
 * class's map (the true class, the predicted class, or any of the K),
 * colormap, nearest or bilinear cells, opacity, threshold, shared or
 * per-map range, softmax.
 *
 * Its properties carry the same names and types as FathomImageView's, so
 * fathom_heatmap_controls_bind ties the two together both ways.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FATHOM_TYPE_HEATMAP_CONTROLS (fathom_heatmap_controls_get_type ())
G_DECLARE_FINAL_TYPE (FathomHeatmapControls, fathom_heatmap_controls, FATHOM, HEATMAP_CONTROLS, GtkWidget)

GtkWidget *fathom_heatmap_controls_new              (void);

/* The K class names the selector offers. */
void       fathom_heatmap_controls_set_class_names  (FathomHeatmapControls *self,
                                                     const char * const    *class_names);
/* The current photo's true and predicted classes (-1: unknown): the
 * "true class" and "predicted class" choices follow them from photo to
 * photo. */
void       fathom_heatmap_controls_set_image_classes (FathomHeatmapControls *self,
                                                     int                    true_class,
                                                     int                    pred_class);

/* "heatmap-class" (int, -1 none), "opacity" (0..1), "colormap"
 * (FathomColormap), "interpolation" (FathomResize), "threshold" (0..1),
 * "scale-mode" (FathomHeatmapScale), "norm" (FathomHeatmapNorm), bound
 * both ways to the same-named properties of target, which takes the
 * controls' values first. */
void       fathom_heatmap_controls_bind             (FathomHeatmapControls *self,
                                                     gpointer               target);

G_END_DECLS
