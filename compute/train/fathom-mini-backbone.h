/* fathom-mini-backbone.h: the offline stand-in for ImageNet pretraining.
 *
 * Without pretrained VGG16 or ResNet50 weights, the experiments put their
 * heads on "mini": a small VGG-style trunk that is first trained with a
 * classification head (global max pooling, Dense 8), never on the
 * dataset's validation photos, then frozen. It is not ImageNet: its
 * features know only the photos below, and every run says so.
 *
 *   block1: Conv5x5/2 32, BN, relu, MaxPool 2   block3: Conv3x3 128, BN, relu, twice
 *   block2: Conv3x3 64, BN, relu, MaxPool 2     block4: Conv3x3 64, BN, relu (the features)
 *
 * The strided stem and two pools make an 8x reduction, so the feature
 * maps have the lesson's spatial sizes at a smaller input: 176x320 gives
 * 22x40 (VGG16's 512x22x40 at 360x640) and 112x112 gives 14x14 (512x14x14
 * at 224).
 *
 * On a fishsim dataset it is pretrained on a corpus of other photos of the
 * same fleet (fathom-mini-corpus.h), 16,000 by default, in which the boat
 * says nothing of the fish: as ImageNet never saw the Kaggle boats, the
 * trunk then learns fish rather than decks. Each photo with a box is
 * resized to the features' scale (176x320) and a window of a quarter of
 * it (88x160) holding the fish is cut out; a photo without one is shown
 * whole at 88x160. A window costs a quarter of a photo, so 6 epochs of
 * 16,000 windows take about 320 s on 2 cores. On the default data, seeds
 * 0 to 2, fcn averaged 0.903 on 16,000 photos for 6 epochs, 0.899 on
 * 12,000 for 8 and 0.877 on 6,000 for 8 (docs/fcn-experiments.md).
 *
 * On other data (the real Kaggle photos without pretrained weights, class
 * folders) it is trained on the dataset's TRAINING split, never its
 * validation images, on whole photos at 176x320 for 16 epochs: trained at
 * 88x160 that way its features at 176x320 were much worse (fcn 0.76
 * against 0.85 validation accuracy). Either way its photos are mirrored
 * and recoloured at random (contrast, brightness and white balance,
 * FathomMiniOptions.photometric): recolouring moved fcn's class maps onto
 * the fish (heatmap pointing 0.529 to 0.592; 0.484 to 0.567 with seed 1,
 * in a trial build of the same recipe) and its accuracy by -0.005 to
 * +0.02.
 *
 * After pretraining, the classifier is scored on the dataset's validation
 * photos at the features' size (which it never trained on) and the
 * accuracy is kept in the checkpoint: a yardstick for the heads trained on
 * its frozen features. Another split of the dataset is scored when used.
 *
 * The trained trunk is a checkpoint in a cache directory, keyed by what it
 * trained on (the corpus, or the dataset's fingerprint, which covers its
 * split), the pretraining size, seed and schedule: later runs reuse it
 * instead of retraining, and a corpus trunk serves every split.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-dataset.h"
#include "fathom-graph.h"
#include "fathom-trainer.h"

G_BEGIN_DECLS

#define FATHOM_MINI_CHANNELS 64   /* of the feature map */
#define FATHOM_MINI_STRIDE   8
/* Bumped when the architecture or the training recipe changes. */
#define FATHOM_MINI_VERSION  7
/* Photos of the fishsim corpus mini pretrains on by default, and its
 * epochs over them (on a training split: FATHOM_MINI_SPLIT_EPOCHS). */
#define FATHOM_MINI_CORPUS_IMAGES 16000
#define FATHOM_MINI_CORPUS_EPOCHS 6
#define FATHOM_MINI_SPLIT_EPOCHS  16

/* Appends the trunk after node input ([3, H, W]); returns block4's last relu. */
int          fathom_mini_backbone_append (FathomGraph  *graph,
                                          int           input);
/* Unbuilt trunk: input "image" [3, height, width], output "features"
 * without a loss. */
FathomGraph *fathom_mini_backbone_new    (gint64        height,
                                          gint64        width,
                                          GError      **error);

typedef struct {
  const char *cache_dir;        /* where trained trunks and the corpus are kept */
  int         width, height;    /* the features' input, and the pretraining
                                 * input on the training split */
  /* on a fishsim dataset, pretrain on a corpus of this many photos of its
   * fleet, in windows of half the width and height (the default
   * FATHOM_MINI_CORPUS_IMAGES); 0: on the dataset's training split, like
   * any other dataset */
  guint       corpus_images;
  /* on the training split, >1: photos with a box are resized to
   * crop_scale times the input and a window around the fish is cut out
   * (fathom-image-source.h); 1 (the default) trains on whole photos */
  double      crop_scale;
  /* colour augmentation's strength (fathom-image-source.h); 0 for none */
  double      photometric;
  guint       epochs;           /* 0: 8 on a corpus, 16 on a training split */
  guint       batch_size;
  float       lr;               /* Adam; the last epoch runs at lr / 10 */
  guint64     seed;
  const char *device;           /* "cpu" or "cuda" */
  guint       n_threads;        /* photo decoding; 0: one per processor */
} FathomMiniOptions;

void         fathom_mini_options_init    (FathomMiniOptions *options);

/* The checkpoint of the trunk pretrained for ds (on its corpus or its
 * training split): found in options->cache_dir, or trained now (progress
 * reports phases "corpus" while the corpus is made, then "pretrain").
 * trained (may be NULL) tells which. Returns a new path. */
char        *fathom_mini_backbone_ensure (FathomDataset            *ds,
                                          const FathomMiniOptions  *options,
                                          FathomTrainProgressFunc   progress,
                                          gpointer                  user_data,
                                          GCancellable             *cancellable,
                                          gboolean                 *trained,
                                          GError                  **error);
/* "trained 6 epochs at 88x160 on 16000 photos of the fishsim corpus DIR",
 * from the trunk at path; NULL when it does not say. */
char        *fathom_mini_backbone_describe (const char *path);
/* The pretraining classifier's accuracy on ds's validation photos and how
 * many there were, as kept in the trunk at path for the dataset and split
 * it was pretrained for; FALSE when it holds none for ds (another split of
 * the dataset a corpus trunk serves, no validation photos, or the trunk is
 * unreadable). */
gboolean     fathom_mini_backbone_get_valid_accuracy (const char    *path,
                                                      FathomDataset *ds,
                                                      double        *accuracy,
                                                      guint         *n_images);
/* The same, computed now: the trunk at path and its classifier, built at
 * options' width and height, on ds's validation photos, whole. With none,
 * *n_images is 0, *accuracy NAN, and it succeeds. */
gboolean     fathom_mini_backbone_score  (const char               *path,
                                          FathomDataset            *ds,
                                          const FathomMiniOptions  *options,
                                          double                   *accuracy,
                                          guint                    *n_images,
                                          GError                  **error);
/* The trunk at height x width, built on backend, weights from path. */
FathomGraph *fathom_mini_backbone_load   (const char               *path,
                                          gint64                    height,
                                          gint64                    width,
                                          FathomBackend            *backend,
                                          GError                  **error);

G_END_DECLS
