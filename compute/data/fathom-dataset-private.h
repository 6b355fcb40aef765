/* fathom-dataset-private.h: what the scanner (fathom-dataset.c) and the
 * splits (fathom-dataset-split.c) share. */
#pragma once

#include "fathom-dataset.h"

G_BEGIN_DECLS

struct _FathomDataset
{
  char               *root;
  FathomDatasetLayout layout;
  gboolean            valid_folder;
  GPtrArray          *classes;          /* char * */
  GArray             *items;            /* FathomDatasetItem, path order */
  GPtrArray          *problems;         /* FathomDatasetProblem * */
  GArray             *train_sizes;      /* FathomImageSize */
  char               *fingerprint;
  FathomAnnotations  *annotations;
};

/* Assigns VALID to part of the TRAIN items as options say. */
void fathom_dataset_make_split          (FathomDataset              *self,
                                         const FathomDatasetOptions *options);
void fathom_dataset_compute_fingerprint (FathomDataset              *self);

G_END_DECLS
