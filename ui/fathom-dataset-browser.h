/* fathom-dataset-browser.h: every photo of a dataset as a thumbnail grid,
 * with filters, counts per class and the size-by-class table of the leak.
 *
 * Top: the filters (class, image size, "problems only", a file-name
 * search; typing anywhere in the browser starts a search) and "N of M
 * photos"; under them a FathomClassCountsBar with, per class, the photos
 * that pass the other filters (pick a size and it shows that boat's
 * catch; click a class to show only it). Then a FathomThumbnailGrid and,
 * beside it, a FathomLeakTable that the "Leak" toggle shows or hides.
 *
 * Smooth with tens of thousands of photos: the grid binds only the rows
 * around the view, its cells ask the FathomThumbnailCache when bound and
 * cancel when unbound, and nothing on the main thread reads a file. Activating a photo (double click, Enter)
 * emits "item-activated" with its index in the dataset; the window opens
 * it in the image view.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-class-counts-bar.h"
#include "fathom-dataset.h"
#include "fathom-dataset-filter.h"
#include "fathom-dataset-item.h"
#include "fathom-leak-table.h"
#include "fathom-thumbnail-cache.h"
#include "fathom-thumbnail-grid.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_DATASET_BROWSER (fathom_dataset_browser_get_type ())
G_DECLARE_FINAL_TYPE (FathomDatasetBrowser, fathom_dataset_browser, FATHOM, DATASET_BROWSER, GtkWidget)

GtkWidget  *fathom_dataset_browser_new             (void);

/* Shows dataset's photos (NULL clears). The dataset stays the caller's:
 * the browser copies what it needs (paths, classes, sizes, annotation
 * problems, the unreadable files) before returning and keeps no pointer
 * to it, so the caller may free it at once. Clears the thumbnail cache
 * (the files may have changed) and resets the filters. */
void        fathom_dataset_browser_set_dataset     (FathomDatasetBrowser *self,
                                                    FathomDataset        *dataset);
/* The same from any list of FathomDatasetItemObject (referenced: they are
 * immutable) and NULL-terminated class names. */
void        fathom_dataset_browser_set_items       (FathomDatasetBrowser *self,
                                                    GListModel           *items,
                                                    const char * const   *class_names);

/* The filters: setting them here moves the controls too. Transfer none. */
FathomDatasetFilter *fathom_dataset_browser_get_filter (FathomDatasetBrowser *self);
/* What the grid shows: FathomDatasetItemObject after the filters (for the
 * image view's arrow-key travel). Transfer none. */
GListModel *fathom_dataset_browser_get_model       (FathomDatasetBrowser *self);
/* Photos of a class (or -1: unlabelled) passing the other filters: the
 * counts bar's number. */
guint       fathom_dataset_browser_get_class_count (FathomDatasetBrowser *self,
                                                    int                   class_index);

/* Parts, for the window (focus, shortcuts) and for tests. Transfer none. */
FathomThumbnailCache *fathom_dataset_browser_get_thumbnail_cache (FathomDatasetBrowser *self);
FathomThumbnailGrid  *fathom_dataset_browser_get_grid            (FathomDatasetBrowser *self);
FathomLeakTable      *fathom_dataset_browser_get_leak_table      (FathomDatasetBrowser *self);
FathomClassCountsBar *fathom_dataset_browser_get_counts_bar      (FathomDatasetBrowser *self);

G_END_DECLS
