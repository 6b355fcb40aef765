/* fathom-weights.h: pretrained backbone weights from other frameworks.
 *
 * Two sources, both written by tools other than ours:
 * - torchvision state dicts saved as safetensors, under torchvision's
 *   names ("features.0.weight", "layer1.0.downsample.1.running_var", ...);
 *   num_batches_tracked and the classifier ("fc.*", "classifier.*") are
 *   ignored.
 * - Keras HDF5 weight files: root attribute layer_names, a group per layer
 *   with attribute weight_names and one dataset per weight. Two layouts:
 *   TensorFlow order (Keras 2 / tf.keras, e.g. the keras-applications
 *   "notop" files: conv kernels [kh, kw, in, out]) and the course's Keras 1
 *   Theano files (kernels [out, in, kh, kw] but flipped 180 degrees, since
 *   Theano convolves where we cross-correlate). Layers are matched by name
 *   where every file layer names a model layer (also the old
 *   keras-applications ResNet names, "res2a_branch2a", "bn_conv1"), and
 *   otherwise by position among the layers that have weights, as Keras's
 *   load_weights does (Keras 1 files name layers "convolution2d_1", ...).
 *   Conv2D, BatchNormalization and Dense layers take Keras weights: Keras
 *   stores a Dense kernel [in, out] on either backend (ours is [out, in]),
 *   and Keras 1's BatchNormalization weights gamma, beta, running_mean,
 *   running_std, where "running_std" holds the variance (Keras 1.2 keeps
 *   the variance under that name).
 *
 * A Dense layer after a Flatten reads the features in the order Flatten
 * wrote them: channels, height, width in a Theano-ordered file, as ours;
 * height, width, channels in a TensorFlow-ordered one, which would need
 * its kernel's rows permuted: such a dense top is refused (the course's
 * vgg16_bn.h5 is Theano-ordered).
 *
 * Import is all or nothing: every name and shape is checked and every value
 * read before anything is uploaded, so a refused file leaves the graph as it
 * was. Errors name the first mismatching tensor and both shapes.
 *
 * What the weights mean depends on the graph they go into: ResNet50 from
 * torchvision needs the V1_5 variant without conv biases and BN eps 1e-5;
 * Keras needs V1. fathom_weights_probe() reads the file's origin and
 * fathom_weights_backbone_new() builds the matching graph.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-graph.h"
#include "fathom-resnet50.h"

G_BEGIN_DECLS

#define FATHOM_WEIGHTS_ERROR (fathom_weights_error_quark ())

typedef enum {
  FATHOM_WEIGHTS_ERROR_FORMAT,      /* not a weights file we can read */
  FATHOM_WEIGHTS_ERROR_MISSING,     /* a model tensor has no counterpart */
  FATHOM_WEIGHTS_ERROR_UNEXPECTED,  /* a file tensor or layer matches nothing */
  FATHOM_WEIGHTS_ERROR_SHAPE,       /* same name, different shape */
  FATHOM_WEIGHTS_ERROR_UNSUPPORTED, /* a layer type that cannot take them */
} FathomWeightsError;

GQuark fathom_weights_error_quark (void);

typedef enum {
  FATHOM_WEIGHTS_TORCHVISION,   /* safetensors, torchvision names */
  FATHOM_WEIGHTS_KERAS_TF,      /* HDF5, kernels [kh, kw, in, out] */
  FATHOM_WEIGHTS_KERAS_THEANO,  /* HDF5, kernels [out, in, kh, kw], flipped */
} FathomWeightsFormat;

/* Where a file's weights come from, and so how to build the graph. */
typedef struct {
  FathomWeightsFormat   format;
  float                 bn_eps;         /* torchvision 1e-5, Keras 1e-3, tf.keras ResNet 1.001e-5 */
  FathomResnet50Variant resnet_variant; /* torchvision V1_5, Keras V1 */
  gboolean              resnet_pool_pad;/* whether the saving model padded the first pool */
  gint64                dense_units;    /* outputs of the file's first Dense layer (VGG16BN's
                                         * dense top: 4096), 0 without one */
} FathomWeightsOrigin;

typedef enum {
  FATHOM_BACKBONE_VGG16,
  FATHOM_BACKBONE_RESNET50,
  FATHOM_BACKBONE_VGG16_BN,     /* the course's VGG16BN to its second BN (fathom-vgg16.h) */
} FathomBackbone;

typedef enum {
  FATHOM_WEIGHTS_LOAD_DEFAULT        = 0,
  /* The file may end with layers the model lacks: the classifier that a
   * fine-tuned model popped (VGG16BN's Dense(1000)). They are skipped, by
   * position past the model's last layer or, matching by name, after the
   * file's last layer that names one. Without the flag such a layer is an
   * error (FATHOM_WEIGHTS_ERROR_UNEXPECTED). */
  FATHOM_WEIGHTS_LOAD_SKIP_TRAILING  = 1 << 0,
} FathomWeightsLoadFlags;

/* Reads just enough of path to fill origin: HDF5 means Keras (its "backend"
 * attribute, or the Keras 1 weight names, tell TensorFlow from Theano),
 * anything else must be a valid safetensors file. */
gboolean      fathom_weights_probe            (const char                *path,
                                               FathomWeightsOrigin       *origin,
                                               GError                   **error);
/* The Keras half of the probe, for a path known to be HDF5. */
gboolean      fathom_weights_probe_keras      (const char                *path,
                                               FathomWeightsOrigin       *origin,
                                               GError                   **error);
/* The ResNet50 options (variant, conv bias, pool padding, BN eps) that
 * weights of this origin were trained with. */
void          fathom_weights_resnet50_options (const FathomWeightsOrigin *origin,
                                               FathomResnet50Options     *options);

/* torchvision's name for a graph parameter of the VGG16 or ResNet50 trunk
 * ("block3_conv1.kernel" -> "features.10.weight", "conv2_block1_0_bn.gamma"
 * -> "layer1.0.downsample.1.weight"); NULL when there is none (a Keras
 * conv bias, a layer of another model). */
char         *fathom_weights_torchvision_name (const char                *param_name);

/* Import into a built graph. */
gboolean      fathom_weights_load_torchvision (FathomGraph               *graph,
                                               const char                *path,
                                               GError                   **error);
/* format is FATHOM_WEIGHTS_KERAS_TF or FATHOM_WEIGHTS_KERAS_THEANO. Only
 * Conv2D, BatchNormalization and Dense layers take Keras weights. */
gboolean      fathom_weights_load_keras       (FathomGraph               *graph,
                                               const char                *path,
                                               FathomWeightsFormat        format,
                                               GError                   **error);
/* The same, with flags (FATHOM_WEIGHTS_LOAD_SKIP_TRAILING). */
gboolean      fathom_weights_load_keras_full  (FathomGraph               *graph,
                                               const char                *path,
                                               FathomWeightsFormat        format,
                                               FathomWeightsLoadFlags     flags,
                                               GError                   **error);
/* Either of the above, by origin->format (probed when origin is NULL). */
gboolean      fathom_weights_load             (FathomGraph               *graph,
                                               const char                *path,
                                               const FathomWeightsOrigin *origin,
                                               GError                   **error);

/* Probes path, builds the backbone for an image of height x width the way
 * the weights were trained (ResNet50 variant, BN eps), builds it on backend
 * and loads the weights. last_pool applies to VGG16 only. VGG16_BN needs a
 * Keras file with the dense top (its width is read from the file; the
 * trailing classifier is skipped) and an image of the size the top was
 * trained at; it always keeps the last pool. */
FathomGraph  *fathom_weights_backbone_new     (FathomBackbone             backbone,
                                               const char                *path,
                                               gint64                     height,
                                               gint64                     width,
                                               gboolean                   last_pool,
                                               FathomBackend             *backend,
                                               GError                   **error);

/* SHA-256 of the file's bytes, lowercase hex, read in blocks: the weights
 * part of a feature cache key. */
char         *fathom_weights_fingerprint      (const char                *path,
                                               GCancellable              *cancellable,
                                               GError                   **error);

G_END_DECLS
