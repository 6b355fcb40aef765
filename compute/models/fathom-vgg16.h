/* fathom-vgg16.h: the VGG16 convolutional trunk (LESSON7.md, Backbones).
 *
 * Five blocks of 3x3 same-padded relu convolutions (2x64, 2x128, 3x256,
 * 3x512, 3x512), each ending in a 2x2 max-pool, at any input size. Layers
 * are named as keras-applications names them ("block1_conv1", ...,
 * "block5_pool"), so Keras weights map by name and torchvision's
 * "features.N" by a fixed table (fathom-weights.h). The trunk expects
 * inputs preprocessed as its weights were trained (Caffe-style BGR mean
 * subtraction for Keras, ImageNet mean/std for torchvision).
 */
#pragma once

#include "fathom-graph.h"

G_BEGIN_DECLS

/* 14,714,688: the published count for the conv trunk. */
#define FATHOM_VGG16_N_PARAMS G_GUINT64_CONSTANT (14714688)

/* Appends the trunk after node input (a [3, H, W] image) and returns the
 * last node: block5_pool, or block5_conv3 without the last pool (the
 * lesson's 512x14x14 at 224 and 512x22x40 at 360x640). */
int          fathom_vgg16_append (FathomGraph *graph,
                                  int          input,
                                  gboolean     last_pool);
/* A standalone, unbuilt graph: input "image" [3, height, width], output
 * "features" without a loss. */
FathomGraph *fathom_vgg16_new    (gint64       height,
                                  gint64       width,
                                  gboolean     last_pool,
                                  GError     **error);

G_END_DECLS
