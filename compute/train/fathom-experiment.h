/* fathom-experiment.h: the lesson's convolutional experiments (LESSON7.md,
 * A-H) as presets, and the runner that fathom-cli and the app share.
 *
 * dataset -> backbone (pretrained weights, or the "mini" trunk trained on
 * the training split: fathom-mini-backbone.h) -> cached features
 * (fathom-features.h) -> a head (fathom-heads.h) -> a run folder:
 *
 *   run.json         experiment, config, seed, dataset fingerprint, device,
 *                    backbone (and what it was trained on), the lesson's
 *                    published figure, final: val_accuracy, val_loss (the
 *                    weighted training loss), val_log_loss (Kaggle's),
 *                    majority_rate (the validation accuracy of always
 *                    answering the training set's most common class);
 *                    bbox adds val_iou_mean (over validation
 *                    images with a box); fcn, allconv and inception add
 *                    heatmap_pointing and heatmap_in_box
 *   metrics.csv      per batch and per epoch
 *   checkpoints/     epoch-NNN.safetensors, model.safetensors
 *   predictions.csv  per validation image: file, true_class, pred_class,
 *                    the class probabilities, true box, predicted box, IoU
 *                    (boxes as [h, w, x, y] at the model input size; the
 *                    predicted box and IoU only for bbox)
 *   heatmaps.safetensors  fcn, allconv, inception: tensor "maps" [N, 8, h, w],
 *                    the class maps of the validation images in test mode
 *                    at every feature cell (fcn's and inception's by shift
 *                    and stitch, fathom-dense-maps.h), their paths under
 *                    "files"; fcn and inception add "coarse_maps", the
 *                    head's own (fcn's 5x5 on 22x40 features)
 *
 * Heatmap pointing: the share of validation images with a box whose true
 * class map, read against the NoF map and averaged over a neighbourhood
 * of cells (fathom_metric_map_locate()), locates the fish inside the box
 * (the located cell's centre, in input pixels). heatmap_pointing_peak:
 * the same with the map's own largest cell. In-box: the mean share of
 * that map's positive mass that lies inside the box (by cell area). All on
 * "maps"; fcn and inception add heatmap_pointing_coarse and
 * heatmap_in_box_coarse, by the largest cell of their own coarse maps.
 *
 * Each run uses one fit with the lesson's two phases: the later at the
 * lesson's lower rate through the trainer's schedule. In Keras 1 that
 * assignment most likely never took effect (the whole fit ran at 1e-3);
 * keras1_lr reproduces that.
 *
 * The same seed on the CPU gives the same final numbers.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-dataset.h"
#include "fathom-trainer.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;             /* "dense-head" */
  const char *letter;           /* "B" */
  const char *description;
  const char *published;        /* the lesson's figure */
  /* the lesson's feature map (the mini trunk's input is 8x this) and the
   * lesson's input for VGG16 */
  int         feature_height, feature_width;
  int         lesson_height, lesson_width;
  guint       epochs_first, epochs_later;
  float       lr_first, lr_later;
  guint       batch_size;
  gboolean    needs_features;   /* FALSE: the size one-hot alone */
  gboolean    has_bbox;
  gboolean    has_maps;
  const char *unavailable;      /* why it cannot run yet, or NULL */
  /* Views of each training photo the head also trains on (the features'
   * copies, fathom-features.h), and the later phase's epochs with them:
   * an epoch then shows each photo 1 + copies times. */
  guint       copies;
  guint       copies_epochs_later;
} FathomExperimentPreset;

/* Every experiment name, runnable or not (NULL-terminated). */
const char *const           *fathom_experiment_list  (void);
/* NULL for an unknown name. */
const FathomExperimentPreset *fathom_experiment_find (const char *name);

typedef struct {
  const char     *experiment;
  const char     *data_dir;
  const char     *run_dir;
  gboolean        overwrite;
  const char     *device;       /* "cpu" (default) or "cuda" */
  guint           epochs;       /* 0: the preset's; else in all (the lower rate's phase shrinks first) */
  guint           batch_size;   /* 0: the preset's (64) */
  double          lr;           /* 0: the preset's first rate */
  double          lr_later;     /* 0: the preset's later rate (scaled with lr) */
  guint64         seed;         /* weights, shuffling, mini pretraining */
  const char     *backbone;     /* NULL: mini, or vgg16 when weights are given;
                                 * vgg-finetune: always vgg16bn */
  const char     *weights;      /* vgg-finetune: the course's vgg16_bn.h5 */
  FathomSplitMode split;
  double          valid_fraction; /* 0: the course's 500/3777 */
  guint64         split_seed;
  double          bbox_weight;  /* < 0: the lesson's 0.001 */
  const char     *box_head;     /* bbox: "attention" (NULL) or the lesson's "dense" */
  int             width, height;/* 0: the preset's input */
  const char     *cache_dir;    /* NULL: fathom_features_default_cache_dir() */
  gboolean        keras1_lr;    /* keep the first rate in the later phase */
  guint           n_threads;    /* photo decoding; 0: one per processor */
  guint           mini_epochs;  /* 0: the mini trunk's default */
  /* photos of the fishsim corpus mini pretrains on, on a fishsim dataset
   * (fathom-mini-corpus.h); 0: none, the dataset's training split; < 0
   * (as config_init sets it): FATHOM_MINI_CORPUS_IMAGES */
  int             mini_corpus;
  /* the head also trains on this many copies of each training photo's
   * features (fathom-features.h); < 0 (as config_init sets it): the
   * preset's (fcn: 3); 0: none */
  int             copies;
  guint           patience;     /* stop after this many epochs without a better validation loss; 0: never */
  /* continue the stopped or interrupted run in run_dir from its last epoch
   * checkpoint (weights, optimiser, rate schedule, shuffling), started
   * with the same experiment, seed, batch size and epochs */
  gboolean        resume;
} FathomExperimentConfig;

void fathom_experiment_config_init (FathomExperimentConfig *config);

typedef struct {
  double   val_accuracy, val_loss, val_log_loss, majority_rate;
  double   val_iou_mean;                        /* NaN unless bbox */
  double   heatmap_pointing, heatmap_in_box;    /* NaN without class maps */
  double   train_accuracy, train_loss;
  guint    epochs_done;
  guint    n_train, n_valid, n_valid_boxes;
  gboolean backbone_trained;                    /* mini was pretrained by this run */
  gboolean features_computed;                   /* not found in the cache */
  double   seconds;                             /* the whole run */
  double   fit_seconds;                         /* the head's fit and evaluation */
} FathomExperimentResult;

/* What fathom_experiment_run() refuses before any work (an unknown or
 * unavailable experiment, vgg-finetune without the course's vgg16_bn.h5
 * or on another backbone, the vgg16bn backbone under another head), for
 * a caller that wants to say so before starting it. */
gboolean fathom_experiment_check (const FathomExperimentConfig *config,
                                  GError                      **error);

/* Runs config->experiment into config->run_dir. progress gets the phases
 * "pretrain", "features", "train" and "valid". A cancelled run returns
 * FALSE with G_IO_ERROR_CANCELLED after the current batch, its run folder
 * marked "stopped". result may be NULL and is filled in either case. */
gboolean fathom_experiment_run (const FathomExperimentConfig *config,
                                FathomTrainProgressFunc       progress,
                                gpointer                      user_data,
                                GCancellable                 *cancellable,
                                FathomExperimentResult       *result,
                                GError                      **error);

G_END_DECLS
