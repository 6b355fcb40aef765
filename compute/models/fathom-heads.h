/* fathom-heads.h: the lesson's small models on precomputed features
 * (LESSON7.md, experiments A, B, C, D, F, G and H; A's features are
 * VGG16BN's 4096-vector as [4096, 1, 1]). */
#pragma once

#include "fathom-graph.h"

G_BEGIN_DECLS

typedef struct {
  gint64 n_classes;             /* 8 fisheries classes */
  gint64 channels, height, width; /* the feature map; 0 takes the lesson's */
  gint64 n_sizes;               /* image-size one-hot for multi-input; 10 */
  float  dropout;               /* B's p: 0.6 */
  float  bbox_weight;           /* D's MSE weight: 0.001 */
} FathomHeadOptions;

/* The lesson's settings for experiment name (vgg-finetune, dense-head,
 * multi-input, bbox, fcn, allconv, inception, ...), with the lesson's
 * input shape. */
void          fathom_head_options_init   (FathomHeadOptions       *options,
                                          const char              *experiment);
/* Builds (unbuilt) graph for experiment; NULL and an error for an unknown
 * name. Outputs: "class" (softmax, cross-entropy), and "bb" for bbox. The
 * 8-channel class-map conv of fcn/allconv/inception is named "class_maps". */
FathomGraph  *fathom_head_new            (const char              *experiment,
                                          const FathomHeadOptions *options,
                                          GError                 **error);
/* NULL-terminated list of experiment names with heads. */
const char *const *fathom_head_list      (void);
const char   *fathom_head_describe       (const char              *experiment);

G_END_DECLS
