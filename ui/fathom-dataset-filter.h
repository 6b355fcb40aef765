/* fathom-dataset-filter.h: the dataset browser's filter over
 * FathomDatasetItemObject: class, image size, annotation problems and a
 * file-name search, all of which must pass.
 *
 * A GtkFilter, so that a GtkFilterListModel refilters only what a change
 * can affect (a longer search only looks at what passed the shorter one).
 * Every setter emits "changed" when the value changes, and only then.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-dataset-item.h"

G_BEGIN_DECLS

/* Every class. Class -1 selects the unlabelled photos, as in
 * FathomDatasetItem. */
#define FATHOM_DATASET_FILTER_ANY_CLASS (-2)

#define FATHOM_TYPE_DATASET_FILTER (fathom_dataset_filter_get_type ())
G_DECLARE_FINAL_TYPE (FathomDatasetFilter, fathom_dataset_filter, FATHOM, DATASET_FILTER, GtkFilter)

FathomDatasetFilter *fathom_dataset_filter_new               (void);

/* Back to passing everything (one "changed"). */
void        fathom_dataset_filter_reset                    (FathomDatasetFilter     *self);

void        fathom_dataset_filter_set_class                (FathomDatasetFilter     *self,
                                                            int                      class_index);
int         fathom_dataset_filter_get_class                (FathomDatasetFilter     *self);
/* 0 x 0: any size. */
void        fathom_dataset_filter_set_size                 (FathomDatasetFilter     *self,
                                                            int                      width,
                                                            int                      height);
void        fathom_dataset_filter_get_size                 (FathomDatasetFilter     *self,
                                                            int                     *width,
                                                            int                     *height);
void        fathom_dataset_filter_set_problems_only        (FathomDatasetFilter     *self,
                                                            gboolean                 problems_only);
gboolean    fathom_dataset_filter_get_problems_only        (FathomDatasetFilter     *self);
/* Case-insensitive substring of the file's basename; NULL or "" for all. */
void        fathom_dataset_filter_set_search               (FathomDatasetFilter     *self,
                                                            const char              *text);
const char *fathom_dataset_filter_get_search               (FathomDatasetFilter     *self);

/* Every test but the class one: what the counts per class count. */
gboolean    fathom_dataset_filter_match_except_class       (FathomDatasetFilter     *self,
                                                            FathomDatasetItemObject *item);

G_END_DECLS
