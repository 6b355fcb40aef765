/* fathom-features.h: precomputed backbone features, as the lesson's
 * heads train on them.
 *
 * A backbone (the pretrained "mini" trunk, or VGG16 / ResNet50 from a
 * weights file, or the course's VGG16BN to its 4096-vector, stored as
 * [4096, 1, 1]) runs in inference mode over photos resized to the
 * requested input and preprocessed the lesson's way (VGG: minus the RGB
 * mean, BGR; torchvision weights get torchvision's normalisation), and
 * its output rows are streamed into a feature file (fathom-feature-cache.h:
 * one tensor "features" [N, C, H, W], image paths under "files").
 *
 * The experiments find their features in the feature cache, keyed by
 * backbone, weights fingerprint, input size, dataset fingerprint and
 * preprocessing: they are computed once, for the labelled images (train
 * and valid, in the dataset's path order), and rebuilt when any of those
 * changes.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-dataset.h"
#include "fathom-feature-cache.h"
#include "fathom-graph.h"
#include "fathom-image-source.h"
#include "fathom-mini-backbone.h"
#include "fathom-trainer.h"

G_BEGIN_DECLS

typedef struct {
  const char        *backbone;    /* "mini" (default), "vgg16", "vgg16bn", "resnet50" */
  const char        *weights;     /* required but for mini; vgg16bn: the course's
                                   * vgg16_bn.h5, with the dense top */
  int                width, height;
  const char        *device;      /* "cpu" or "cuda" */
  guint              batch_size;  /* images per forward pass */
  guint              n_threads;   /* photo decoding; 0: one per processor */
  const char        *cache_dir;   /* features and the trained mini trunk */
  FathomMiniOptions  mini;        /* how mini is pretrained (cache_dir and
                                   * device are taken from above) */
  /* Views for a head to train on: after the rows of the images asked
   * for, the file holds this many more rows for each training image among
   * them, each photo mirrored at random and recoloured (as mini's
   * pretraining recolours, mini.photometric) by its own stream from
   * copies_seed: copy 1 of every training image, then copy 2, ... 0: none
   * (the default). Part of the cache key. */
  guint              copies;
  guint64            copies_seed;
} FathomFeaturesOptions;

/* mini at 112x112 on the CPU, batches of 16, the user's cache folder. */
void         fathom_features_options_init (FathomFeaturesOptions *options);
/* The user's cache folder for features and trunks: XDG cache/fathom. */
char        *fathom_features_default_cache_dir (void);

typedef struct _FathomFeatureExtractor FathomFeatureExtractor;

/* Resolves the backbone: pretrains mini (or finds it in the cache), or
 * loads VGG16/ResNet50 weights; progress gets phase "pretrain". */
FathomFeatureExtractor *fathom_feature_extractor_new   (FathomDataset               *ds,
                                                        const FathomFeaturesOptions *options,
                                                        FathomTrainProgressFunc      progress,
                                                        gpointer                     user_data,
                                                        GCancellable                *cancellable,
                                                        GError                     **error);
void         fathom_feature_extractor_free  (FathomFeatureExtractor *self);
/* The feature cache key (strings owned by the extractor). */
void         fathom_feature_extractor_get_key (FathomFeatureExtractor *self,
                                               FathomFeatureKey       *key);
/* Output shape per image. A pretrained network is built and loaded on
 * first use (here or when writing), not by _new(): cached features need
 * only the key. */
gboolean     fathom_feature_extractor_get_shape (FathomFeatureExtractor *self,
                                                 gint64                 *channels,
                                                 gint64                 *height,
                                                 gint64                 *width,
                                                 GError                **error);
/* A sentence for run.json: what the backbone is and was trained on. */
const char  *fathom_feature_extractor_describe (FathomFeatureExtractor *self);
/* mini's checkpoint or the weights file. */
const char  *fathom_feature_extractor_get_weights_path (FathomFeatureExtractor *self);
/* TRUE when this call had to pretrain mini. */
gboolean     fathom_feature_extractor_pretrained_now (FathomFeatureExtractor *self);

/* Streams the features of items (dataset indices, in that order), then
 * those of the options' copies of the training images among them, into a
 * feature file at path (atomic); progress gets phase "features". */
gboolean     fathom_feature_extractor_write (FathomFeatureExtractor *self,
                                             const guint            *items,
                                             guint                   n_items,
                                             const char             *path,
                                             FathomTrainProgressFunc progress,
                                             gpointer                user_data,
                                             GCancellable           *cancellable,
                                             GError                **error);

/* What fathom_features_ensure() did. */
typedef struct {
  gboolean  computed;           /* the features were not in the cache */
  gboolean  pretrained;         /* mini was trained by this call */
  char     *description;        /* the backbone, for run.json (owned) */
  char     *weights_path;       /* mini's checkpoint or the weights file (owned) */
  FathomInputNorm norm;
  /* mini's own pretraining classifier on the validation photos, a
   * yardstick for the heads; NAN for pretrained weights, or a trunk
   * cached before it was kept */
  double    backbone_valid_accuracy;
} FathomFeaturesReport;

void         fathom_features_report_clear   (FathomFeaturesReport        *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FathomFeaturesReport, fathom_features_report_clear)

/* The cached features of ds's labelled images for these options: found,
 * or computed now. Returns the path; its rows follow the dataset's
 * labelled items in path order, then the copies of its training items in
 * path order, copy by copy. report may be NULL. */
char        *fathom_features_ensure         (FathomDataset               *ds,
                                             const FathomFeaturesOptions *options,
                                             FathomTrainProgressFunc      progress,
                                             gpointer                     user_data,
                                             GCancellable                *cancellable,
                                             FathomFeaturesReport        *report,
                                             GError                     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomFeatureExtractor, fathom_feature_extractor_free)

G_END_DECLS
