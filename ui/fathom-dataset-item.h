/* fathom-dataset-item.h: one photo of a dataset as a GObject, for list
 * models (the dataset browser's grid, the image view's travel list).
 *
 * The type is FathomDatasetItemObject because FathomDatasetItem is already
 * the plain struct of fathom-dataset.h that it copies. Everything is copied
 * at construction, so an object never points into the dataset (which the
 * caller may free, or a worker may still own) and never changes.
 *
 * Problem flags: bit (1 << kind) for each FathomAnnotationProblemKind that
 * the annotation files report for the photo's basename.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-dataset.h"

G_BEGIN_DECLS

#define FATHOM_DATASET_ITEM_PROBLEM(kind) (1u << (kind))

#define FATHOM_TYPE_DATASET_ITEM_OBJECT (fathom_dataset_item_object_get_type ())
G_DECLARE_FINAL_TYPE (FathomDatasetItemObject, fathom_dataset_item_object,
                      FATHOM, DATASET_ITEM_OBJECT, GObject)

/* index: the item's position in its dataset (what "item-activated" and
 * fathom_dataset_get_item() use). root: the dataset folder that item->path
 * is relative to. class_name: NULL for an unlabelled photo. */
FathomDatasetItemObject *fathom_dataset_item_object_new (guint                    index,
                                                         const char              *root,
                                                         const FathomDatasetItem *item,
                                                         const char              *class_name,
                                                         guint                    problems);

guint        fathom_dataset_item_object_get_index       (FathomDatasetItemObject *self);
/* Relative to the dataset root, '/'-separated. */
const char  *fathom_dataset_item_object_get_path        (FathomDatasetItemObject *self);
/* Absolute, for loading. */
const char  *fathom_dataset_item_object_get_filename    (FathomDatasetItemObject *self);
const char  *fathom_dataset_item_object_get_basename    (FathomDatasetItemObject *self);
/* The basename casefolded, for searching. */
const char  *fathom_dataset_item_object_get_search_key  (FathomDatasetItemObject *self);
/* -1 and NULL for an unlabelled photo. */
int          fathom_dataset_item_object_get_class_index (FathomDatasetItemObject *self);
const char  *fathom_dataset_item_object_get_class_name  (FathomDatasetItemObject *self);
int          fathom_dataset_item_object_get_width       (FathomDatasetItemObject *self);
int          fathom_dataset_item_object_get_height      (FathomDatasetItemObject *self);
FathomSplit  fathom_dataset_item_object_get_split       (FathomDatasetItemObject *self);
/* FALSE and an all-zero box without one. */
gboolean     fathom_dataset_item_object_get_box         (FathomDatasetItemObject *self,
                                                         FathomBox               *box);
/* The annotation's other rects (FathomBox), besides the box above (the
 * largest, the one the lesson keeps), in file order, original pixels;
 * empty without. Transfer none. */
const GArray *fathom_dataset_item_object_get_other_boxes (FathomDatasetItemObject *self);
guint        fathom_dataset_item_object_get_problems    (FathomDatasetItemObject *self);

/* Every item of dataset as FathomDatasetItemObject with the problem flags
 * its annotations give it: the labelled ones, then the unlabelled, each in
 * dataset order. Copies: the dataset may be freed afterwards. */
GListStore  *fathom_dataset_item_object_list_new        (FathomDataset           *dataset);

/* "img_00012.jpg, ALB, 448x252" (and ", no label" / ", annotation
 * problems: one-point"): the accessible label of a cell. Free with g_free. */
char        *fathom_dataset_item_object_describe        (FathomDatasetItemObject *self);

G_END_DECLS
