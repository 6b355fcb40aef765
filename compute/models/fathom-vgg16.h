/* fathom-vgg16.h: the VGG16 convolutional trunk (LESSON7.md, Backbones).
 *
 * Five blocks of 3x3 same-padded relu convolutions (2x64, 2x128, 3x256,
 * 3x512, 3x512), each ending in a 2x2 max-pool, at any input size. Layers
 * are named as keras-applications names them ("block1_conv1", ...,
 * "block5_pool"), so Keras weights map by name and torchvision's
 * "features.N" by a fixed table (fathom-weights.h). The trunk expects
 * inputs preprocessed as its weights were trained (Caffe-style BGR mean
 * subtraction for Keras, ImageNet mean/std for torchvision).
 *
 * The course's "VGG16BN" (vgg16bn.py, weights vgg16_bn.h5) is this trunk
 * with its last pool (512x7x7 at 224) and a dense top: Flatten, then twice
 * Dense(4096, relu), BatchNormalization, Dropout(0.5), then the ImageNet
 * classifier Dense(1000, softmax). The top's layers carry the names the
 * Keras 1 model gave them ("flatten_1", "dense_1", "batchnormalization_1",
 * "dropout_1", "dense_2", "batchnormalization_2"), so a file saved under
 * those names matches by name; the course's file names its convs
 * "convolution2d_N" and so matches by position (fathom-weights.h).
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

/* The width of the course's dense top. */
#define FATHOM_VGG16_BN_DENSE_UNITS 4096

/* Appends VGG16BN's dense top after node x (the trunk's block5_pool):
 * Flatten (channels, height, width: Theano's order), Dense(dense_units,
 * relu), BatchNormalization (Keras's eps 1e-3), Dropout(0.5),
 * Dense(dense_units, relu), BatchNormalization. Returns the second
 * BatchNormalization: the 4096-vector the classifier reads. The model's
 * second Dropout(0.5) and its classifier are left to the caller (the
 * vgg-finetune head, fathom-heads.h). dense_units is 4096 for the course's
 * weights; tests use fewer. */
int          fathom_vgg16_bn_top_append (FathomGraph *graph,
                                         int          x,
                                         gint64       dense_units);
/* VGG16BN up to the second BatchNormalization, unbuilt: input "image"
 * [3, height, width], output "features" [dense_units] without a loss. The
 * dense top fixes the input size to the one its weights were trained at
 * (224x224 for the course's file: 512x7x7 into dense_1). */
FathomGraph *fathom_vgg16_bn_new        (gint64       height,
                                         gint64       width,
                                         gint64       dense_units,
                                         GError     **error);

G_END_DECLS
