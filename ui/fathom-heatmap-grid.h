/* fathom-heatmap-grid.h: all K class maps of one photo side by side, each
 * a toggle button named after its class; clicking one selects that class.
 * A "Shared scale" switch puts every map on one range (they compare) or
 * each on its own (each shows its shape). Tiles are drawn by
 * fathom_overlay_draw_tile, as in fathom-cli's grid PNGs.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-box.h"
#include "fathom-heatmap.h"
#include "fathom-image.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_HEATMAP_GRID (fathom_heatmap_grid_get_type ())
G_DECLARE_FINAL_TYPE (FathomHeatmapGrid, fathom_heatmap_grid, FATHOM, HEATMAP_GRID, GtkWidget)

GtkWidget *fathom_heatmap_grid_new                (void);

/* The photo under the maps (a thumbnail is kept); NULL: a plain ground. */
void       fathom_heatmap_grid_set_image          (FathomHeatmapGrid        *self,
                                                   const FathomImage        *image);
/* The true box in the photo's pixels, outlined on every tile; NULL: none. */
void       fathom_heatmap_grid_set_true_box       (FathomHeatmapGrid        *self,
                                                   const FathomBox          *box);
/* Copies the map and names; one tile per class (none for NULL). */
void       fathom_heatmap_grid_set_heatmap        (FathomHeatmapGrid        *self,
                                                   const FathomHeatmap      *heatmap,
                                                   const char * const       *class_names);
/* Colormap, interpolation, threshold, opacity and norm; the scale comes
 * from "shared-scale". */
void       fathom_heatmap_grid_set_style          (FathomHeatmapGrid        *self,
                                                   const FathomHeatmapStyle *style);

void       fathom_heatmap_grid_set_shared_scale   (FathomHeatmapGrid        *self,
                                                   gboolean                  shared);
gboolean   fathom_heatmap_grid_get_shared_scale   (FathomHeatmapGrid        *self);
/* "selected-class": -1 for none. */
void       fathom_heatmap_grid_set_selected_class (FathomHeatmapGrid        *self,
                                                   int                       k);
int        fathom_heatmap_grid_get_selected_class (FathomHeatmapGrid        *self);
void       fathom_heatmap_grid_set_columns        (FathomHeatmapGrid        *self,
                                                   int                       columns);

guint      fathom_heatmap_grid_get_n_tiles        (FathomHeatmapGrid        *self);
/* The toggle button of class k. */
GtkWidget *fathom_heatmap_grid_get_tile           (FathomHeatmapGrid        *self,
                                                   guint                     k);

G_END_DECLS
