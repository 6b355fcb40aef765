/* fathom-dataset-summary.h: what a dataset holds: images per class and
 * split, image sizes by class (the size leak of the fisheries photos), and
 * the files that could not be read. The compact form, for the sidebar, keeps
 * the counts per class and split. */
#pragma once

#include <adwaita.h>

#include "fathom-dataset.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_DATASET_SUMMARY (fathom_dataset_summary_get_type ())

G_DECLARE_FINAL_TYPE (FathomDatasetSummary, fathom_dataset_summary, FATHOM, DATASET_SUMMARY, AdwBin)

GtkWidget *fathom_dataset_summary_new         (gboolean              compact);
/* Copies what it shows: dataset may be freed afterwards. NULL: empty. */
void       fathom_dataset_summary_set_dataset (FathomDatasetSummary *self,
                                               FathomDataset        *dataset);

G_END_DECLS
