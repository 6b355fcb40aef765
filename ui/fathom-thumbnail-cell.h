/* fathom-thumbnail-cell.h: one photo in the dataset browser's grid.
 *
 * The thumbnail (an image icon while it loads, a broken-image icon on a
 * tinted ground, with the decoder's message as tooltip, when the file
 * cannot be decoded), a warning badge when the photo's annotations have
 * problems, and "img_00012.jpg · ALB" beneath. Screen readers get
 * "img_00012.jpg, ALB, 448x252".
 *
 * bind() asks the cache (a cached thumbnail shows at once) and unbind()
 * cancels, so a recycled cell never shows the photo it had before, and a
 * cell scrolled away costs no decode.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-dataset-item.h"
#include "fathom-thumbnail-cache.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_THUMBNAIL_CELL_EMPTY,          /* not bound */
  FATHOM_THUMBNAIL_CELL_LOADING,
  FATHOM_THUMBNAIL_CELL_LOADED,
  FATHOM_THUMBNAIL_CELL_FAILED,
} FathomThumbnailCellState;

#define FATHOM_TYPE_THUMBNAIL_CELL (fathom_thumbnail_cell_get_type ())
G_DECLARE_FINAL_TYPE (FathomThumbnailCell, fathom_thumbnail_cell, FATHOM, THUMBNAIL_CELL, GtkWidget)

/* The frame is the cache's thumbnail size. */
GtkWidget   *fathom_thumbnail_cell_new        (FathomThumbnailCache    *cache);

void         fathom_thumbnail_cell_bind       (FathomThumbnailCell     *self,
                                               FathomDatasetItemObject *item);
void         fathom_thumbnail_cell_unbind     (FathomThumbnailCell     *self);
/* The cell is on screen: its decode goes next if still waiting. */
void         fathom_thumbnail_cell_promote    (FathomThumbnailCell     *self);

FathomThumbnailCellState fathom_thumbnail_cell_get_state (FathomThumbnailCell *self);
/* NULL unless bound. Transfer none. */
FathomDatasetItemObject *fathom_thumbnail_cell_get_item  (FathomThumbnailCell *self);
/* NULL unless LOADED. */
GdkTexture  *fathom_thumbnail_cell_get_texture (FathomThumbnailCell    *self);
/* NULL unless FAILED. */
const char  *fathom_thumbnail_cell_get_error  (FathomThumbnailCell     *self);

G_END_DECLS
