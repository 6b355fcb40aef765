/* fathom-dataset.h: datasets of labelled images, found on disk.
 *
 * Layouts, told apart by what DIR holds:
 *  - FISHERIES: DIR/train/{ALB,BET,DOL,LAG,NoF,OTHER,SHARK,YFT}/ (exactly
 *    those folders), optional DIR/valid/<class>/, unlabelled DIR/test_stg1/
 *    (or DIR/test/), boxes from DIR/annotations/ *_labels.json.
 *  - CLASS_FOLDERS: DIR/train/<class>/ with any class names, optional
 *    DIR/valid/<class>/ and unlabelled DIR/test/ (flat or one level of
 *    folders, as Keras' flow_from_directory wants).
 *  - UNLABELLED: images directly in DIR.
 * Classes are the train/ folders sorted by strcmp() (byte order: the
 * course's ALB, BET, DOL, LAG, NoF, OTHER, SHARK, YFT).
 *
 * Image files are recognised by extension (.jpg, .jpeg, .png, any case);
 * other files are ignored silently. Image sizes come from the headers only
 * (fathom_image_read_size(), in a thread pool). A file with an image
 * extension that cannot be read (empty, not an image, corrupt header, too
 * large) is skipped and listed among the problems with its error.
 *
 * The validation split is valid/ when it holds at least one image;
 * otherwise a seeded split of the training images (see FathomSplitMode).
 */
#pragma once

#include <glib.h>

#include "fathom-annotations.h"

G_BEGIN_DECLS

#define FATHOM_DATASET_ERROR (fathom_dataset_error_quark ())

typedef enum {
  FATHOM_DATASET_ERROR_NOT_FOUND,       /* DIR missing or not a folder */
  FATHOM_DATASET_ERROR_IO,              /* a folder cannot be listed */
  FATHOM_DATASET_ERROR_LAYOUT,          /* no class folders, no images */
  FATHOM_DATASET_ERROR_INVALID,         /* bad options */
} FathomDatasetError;

typedef enum {
  FATHOM_DATASET_FISHERIES,
  FATHOM_DATASET_CLASS_FOLDERS,
  FATHOM_DATASET_UNLABELLED,
} FathomDatasetLayout;

typedef enum {
  FATHOM_SPLIT_ANY = -1,        /* only as a filter */
  FATHOM_SPLIT_TRAIN,
  FATHOM_SPLIT_VALID,
  FATHOM_SPLIT_TEST,            /* unlabelled images */
} FathomSplit;

typedef enum {
  /* as the course did: a random valid_fraction of all training images */
  FATHOM_SPLIT_MODE_RANDOM,
  /* round(valid_fraction * n) of each class */
  FATHOM_SPLIT_MODE_STRATIFIED,
  /* whole image-size groups (one size = one boat) so that no size is on
   * both sides: groups in a seeded random order, each taken when it brings
   * the validation count closer to valid_fraction * n; if none was taken
   * and there are two sizes or more, the smallest group is */
  FATHOM_SPLIT_MODE_BY_SIZE,
} FathomSplitMode;

typedef struct {
  FathomSplitMode mode;
  double          valid_fraction;       /* in [0, 1); default 500 / 3777 */
  guint64         seed;
  /* a *_labels.json file or a folder of them: an unreadable one is an
   * error. NULL: DIR/annotations/ when present, where an unreadable file
   * becomes a problem instead (so inspect can still show the rest). */
  const char     *annotations;
  guint           n_threads;            /* 0: one per processor */
  /* decode every photo whole, not only its header, so that a truncated or
   * corrupt one is a problem too (much slower: every pixel is read) */
  gboolean        decode;
} FathomDatasetOptions;

typedef struct {
  char        *path;            /* relative to the root, '/'-separated */
  int          class_index;     /* -1 for unlabelled images */
  int          width;
  int          height;
  guint64      file_size;
  FathomSplit  split;
  gboolean     has_box;
  FathomBox    box;             /* original pixels, all zero without a box */
  const FathomAnnotation *annotation;   /* borrowed, NULL when none */
} FathomDatasetItem;

typedef struct {
  int   width;
  int   height;
  guint count;
} FathomImageSize;

typedef struct {
  char *path;                   /* relative to the root */
  char *message;                /* names the file */
} FathomDatasetProblem;

typedef struct _FathomDataset FathomDataset;

GQuark         fathom_dataset_error_quark        (void);

void           fathom_dataset_options_init       (FathomDatasetOptions *options);
/* options may be NULL for the defaults. */
FathomDataset *fathom_dataset_load               (const char           *dir,
                                                  const FathomDatasetOptions *options,
                                                  GError              **error);
void           fathom_dataset_free               (FathomDataset        *self);

const char    *fathom_dataset_get_root           (FathomDataset        *self);
FathomDatasetLayout fathom_dataset_get_layout    (FathomDataset        *self);
const char    *fathom_dataset_layout_to_string   (FathomDatasetLayout   layout);
const char    *fathom_split_to_string            (FathomSplit           split);
/* TRUE when valid/ was used rather than a seeded split. */
gboolean       fathom_dataset_has_valid_folder   (FathomDataset        *self);

guint          fathom_dataset_get_n_classes      (FathomDataset        *self);
const char    *fathom_dataset_get_class_name     (FathomDataset        *self,
                                                  guint                 i);
/* Sorted by relative path. */
guint          fathom_dataset_get_n_items        (FathomDataset        *self);
const FathomDatasetItem *fathom_dataset_get_item (FathomDataset        *self,
                                                  guint                 i);
/* Items of a split (or FATHOM_SPLIT_ANY) and class (or -1 for any). */
guint          fathom_dataset_count              (FathomDataset        *self,
                                                  FathomSplit           split,
                                                  int                   class_index);
/* The indices of a split's items (or FATHOM_SPLIT_ANY's), in order, as
 * guint. Free with g_array_unref(). */
GArray        *fathom_dataset_list_items         (FathomDataset        *self,
                                                  FathomSplit           split);
/* Distinct sizes of a split (or any), sorted by count descending, then by
 * width and height ascending. Free with g_array_unref(). */
GArray        *fathom_dataset_list_sizes         (FathomDataset        *self,
                                                  FathomSplit           split);

/* The leak feature: a one-hot over the distinct TRAINING sizes in the
 * order of fathom_dataset_list_sizes (TRAIN). An item whose size no
 * training image has (possible with a BY_SIZE split or in test) gets all
 * zeros, as the model then has nothing to recognise. */
guint          fathom_dataset_get_n_size_features (FathomDataset       *self);
void           fathom_dataset_size_one_hot       (FathomDataset        *self,
                                                  guint                 item,
                                                  float                *out);

/* SHA-256 (hex) over the items in path order: relative path, file size,
 * image size, class and split. Changes when a file is added, removed,
 * resized or moved across the split; the key of the feature cache. */
const char    *fathom_dataset_get_fingerprint    (FathomDataset        *self);

guint          fathom_dataset_get_n_problems     (FathomDataset        *self);
const FathomDatasetProblem *fathom_dataset_get_problem (FathomDataset  *self,
                                                  guint                 i);

/* Takes ownership of annotations (NULL removes them): sets each item's
 * annotation and box (point boxes clipped to the image) and reports the
 * annotation entries that match no image as UNKNOWN_IMAGE problems of the
 * set. */
void           fathom_dataset_attach_annotations (FathomDataset        *self,
                                                  FathomAnnotations    *annotations);
/* NULL when none are attached. */
FathomAnnotations *fathom_dataset_get_annotations (FathomDataset       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomDataset, fathom_dataset_free)

G_END_DECLS
