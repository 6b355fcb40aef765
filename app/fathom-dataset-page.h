/* fathom-dataset-page.h: the window's "dataset" page while a dataset is
 * open: an "Overview" (a FathomDatasetSummary) and "Photos", the
 * FathomDatasetBrowser beside a FathomImageView with a caption (file name,
 * class, size, box).
 *
 * Activating a photo in the browser shows it in the image view with its
 * true box in red and its class. The image view travels (arrow keys)
 * through the browser's filtered list, and the grid's selection follows
 * the photo shown.
 */
#pragma once

#include <adwaita.h>

#include "fathom-dataset.h"
#include "fathom-dataset-browser.h"
#include "fathom-dataset-summary.h"
#include "fathom-image-view.h"
#include "fathom-leakage-panel.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_DATASET_PAGE (fathom_dataset_page_get_type ())

G_DECLARE_FINAL_TYPE (FathomDatasetPage, fathom_dataset_page, FATHOM, DATASET_PAGE, AdwBin)

GtkWidget            *fathom_dataset_page_new            (void);
/* Fills the overview and the browser. dataset is borrowed: everything
 * shown is copied, so it may be freed afterwards. NULL empties both. */
void                  fathom_dataset_page_set_dataset    (FathomDatasetPage *self,
                                                          FathomDataset     *dataset);

/* "overview" or "photos". */
void                  fathom_dataset_page_set_visible    (FathomDatasetPage *self,
                                                          const char        *name);
const char           *fathom_dataset_page_get_visible    (FathomDatasetPage *self);

/* Parts, for the window and tests. Transfer none. */
FathomDatasetSummary *fathom_dataset_page_get_summary    (FathomDatasetPage *self);
FathomDatasetBrowser *fathom_dataset_page_get_browser    (FathomDatasetPage *self);
FathomImageView      *fathom_dataset_page_get_image_view (FathomDatasetPage *self);
/* The line above the photo: "a1.png · ALB · 32 × 24 · box …". */
GtkLabel             *fathom_dataset_page_get_caption    (FathomDatasetPage *self);
/* The "leakage" tab: the leakage study of the dataset shown. */
FathomLeakagePanel   *fathom_dataset_page_get_leakage_panel (FathomDatasetPage *self);

G_END_DECLS
