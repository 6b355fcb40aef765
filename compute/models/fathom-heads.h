/* fathom-heads.h: the lesson's small models on precomputed features
 * (LESSON7.md, experiments A, B, C, D, F, G and H; A's features are
 * VGG16BN's 4096-vector as [4096, 1, 1]). */
#pragma once

#include "fathom-graph.h"

G_BEGIN_DECLS

/* How bbox reads its box from the features. */
typedef enum {
  /* The lesson's: Dense(4) on B's trunk, the flattened features' 512-vector. */
  FATHOM_BOX_HEAD_DENSE,
  /* Where, then what: a softmax over the feature cells picks where the
   * fish is; each cell says how far its fish's centre is from it and how
   * large the fish is; the box is those read at the picked cells plus the
   * cells' own centres (fathom_head_init_box_readout). */
  FATHOM_BOX_HEAD_ATTENTION,
} FathomBoxHead;

const char *fathom_box_head_to_string   (FathomBoxHead  head);
gboolean    fathom_box_head_from_string (const char    *name,
                                         FathomBoxHead *head);

typedef struct {
  gint64 n_classes;             /* 8 fisheries classes */
  gint64 channels, height, width; /* the feature map; 0 takes the lesson's */
  gint64 n_sizes;               /* image-size one-hot for multi-input; 10 */
  float  dropout;               /* B's p: 0.6 */
  float  bbox_weight;           /* D's MSE weight: 0.001 */
  FathomBoxHead box_head;       /* D's box output: FATHOM_BOX_HEAD_DENSE */
  /* bbox with FATHOM_BOX_HEAD_ATTENTION: the class output also reads the
   * features where the box head looks (the box head's last 64 channels,
   * averaged with its weights over the cells), through a stop-gradient,
   * so that the class loss does not train the box head. FALSE by
   * default and in model files from before it. */
  gboolean      class_reads_box;
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
/* The attention box head's fixed read-out, once the graph is built: the
 * feature cells' centres in pixels of an input of input_height x
 * input_width, and the sum that turns centre, offset and size into the
 * box [h, w, x, y] (x, y its top left corner). Nothing to do for other
 * heads. */
gboolean      fathom_head_init_box_readout (FathomGraph          *graph,
                                            gint64                input_height,
                                            gint64                input_width,
                                            GError              **error);
/* NULL-terminated list of experiment names with heads. */
const char *const *fathom_head_list      (void);
const char   *fathom_head_describe       (const char              *experiment);
/* Where the class maps sit on the features, on an input whose size the
 * stride divides: the stride (fcn's pools 4x8, inception's three strided
 * blocks 8x8, allconv 1x1) and the centre of the first cell, in cell
 * widths from the features' top left edge: fcn's first cell is the 4x8
 * block at the corner, centre (2, 4); allconv's the first cell, (0.5,
 * 0.5). Inception's branches place their windows differently (the 1x1
 * on its cell, the 3x3, 5x5 and pool a cell further on with same
 * padding): by their channels, a quarter of a cell further than the
 * block at each block, (5.75, 5.75). FALSE for a head without class
 * maps. */
gboolean      fathom_head_get_map_grid   (const char              *experiment,
                                          int                     *stride_h,
                                          int                     *stride_w,
                                          double                  *centre_h,
                                          double                  *centre_w);

G_END_DECLS
