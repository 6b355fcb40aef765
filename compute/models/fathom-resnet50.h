/* fathom-resnet50.h: the ResNet50 trunk (LESSON7.md, Backbones).
 *
 * 7x7/2 conv 64 after a zero padding of 3, BN, relu, 3x3/2 max-pool, then
 * bottleneck stages [64,64,256]x3, [128,128,512]x4, [256,256,1024]x6 and
 * [512,512,2048]x3; the first block of a stage has a 1x1 projection
 * shortcut carrying the stride; each block ends in Add then relu. No pooling
 * or classifier at the end: 2048x7x7 at 224, 2048x13x13 at 400.
 *
 * Two variants share the weights' shapes but not their meaning:
 * - V1 (Keras, the paper): the stride sits in the block's first 1x1 conv;
 *   3x3 convs are "same"; convs have biases; BN eps 1e-3.
 * - V1_5 (torchvision): the stride sits in the 3x3 conv, padded 1 on every
 *   side as torchvision does (explicit ZeroPadding then a valid conv, since
 *   Keras's "same" pads only the bottom and right for even sizes); convs
 *   have no bias; BN eps 1e-5.
 * Load weights into the variant they were trained in (fathom-weights.h
 * picks it from the file).
 *
 * Layers are named as tf.keras names them: "conv1_conv", "conv1_bn",
 * "pool1_pool", "conv2_block1_1_conv" ... "conv5_block3_out", with "_0_" for
 * the projection shortcut.
 */
#pragma once

#include "fathom-graph.h"

G_BEGIN_DECLS

/* torchvision's resnet50 without fc: convs without bias, BN gamma and beta
 * (running statistics are state, not parameters). */
#define FATHOM_RESNET50_N_PARAMS G_GUINT64_CONSTANT (23508032)

typedef enum {
  FATHOM_RESNET50_V1,           /* Keras: stride in the first 1x1 */
  FATHOM_RESNET50_V1_5,         /* torchvision: stride in the 3x3 */
} FathomResnet50Variant;

typedef struct {
  FathomResnet50Variant variant;
  gboolean              conv_bias;  /* Keras TRUE, torchvision FALSE */
  /* ZeroPadding(1) before the 3x3/2 max-pool (torchvision, keras-applications
   * since 2018: 56x56 after the pool at 224); FALSE pools unpadded as the
   * course's Keras 1 model did (55x55); both give 7x7 at the end. */
  gboolean              pool_pad;
  FathomBatchNormDesc   bn;
} FathomResnet50Options;

/* Defaults for a variant: V1 as keras-applications, V1_5 as torchvision. */
void         fathom_resnet50_options_init (FathomResnet50Options       *options,
                                           FathomResnet50Variant        variant);

/* One bottleneck block after node x, named "<prefix>_0_conv" ... "<prefix>_out";
 * returns its output node. The projection shortcut is added when
 * projection is TRUE (it must be when stride > 1 or channels change). */
int          fathom_resnet50_append_block (FathomGraph                 *graph,
                                           int                          x,
                                           const char                  *prefix,
                                           const gint64                 filters[3],
                                           int                          stride,
                                           gboolean                     projection,
                                           const FathomResnet50Options *options);
/* Appends the trunk after node input (a [3, H, W] image, H and W at least
 * 32) and returns the last node, "conv5_block3_out". options NULL means
 * torchvision's V1_5. */
int          fathom_resnet50_append       (FathomGraph                 *graph,
                                           int                          input,
                                           const FathomResnet50Options *options);
/* A standalone, unbuilt graph: input "image" [3, height, width], output
 * "features" without a loss. */
FathomGraph *fathom_resnet50_new          (gint64                       height,
                                           gint64                       width,
                                           const FathomResnet50Options *options,
                                           GError                     **error);

G_END_DECLS
