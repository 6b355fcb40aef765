/* fathom-thumbnail-grid.h: a scrolling grid of FathomThumbnailCell over a
 * list of FathomDatasetItemObject, kept smooth with tens of thousands.
 *
 * A GtkGridView (its own keyboard travel and single selection) whose
 * cells ask the cache when bound and cancel when unbound. Two fixes to
 * GtkGridView's habits: it keeps max-columns x 32 rows of cells bound
 * however few columns fit, so max-columns follows the width; and most
 * bound cells are off screen, so after a scroll the cells on screen are
 * decoded first.
 *
 * "item-activated" (guint position in the model): a double click or Enter.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-thumbnail-cache.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_THUMBNAIL_GRID (fathom_thumbnail_grid_get_type ())
G_DECLARE_FINAL_TYPE (FathomThumbnailGrid, fathom_thumbnail_grid, FATHOM, THUMBNAIL_GRID, GtkWidget)

GtkWidget         *fathom_thumbnail_grid_new                 (FathomThumbnailCache *cache);

/* FathomDatasetItemObject; referenced. NULL empties the grid. */
void               fathom_thumbnail_grid_set_model           (FathomThumbnailGrid  *self,
                                                              GListModel           *model);

/* Transfer none. */
GtkGridView       *fathom_thumbnail_grid_get_grid_view       (FathomThumbnailGrid  *self);
GtkScrolledWindow *fathom_thumbnail_grid_get_scrolled_window (FathomThumbnailGrid  *self);

G_END_DECLS
