/* fathom-heads.c: the lesson's heads, layer for layer as the notebooks
 * define them in Keras 1 (see LESSON7.md). */
#include "fathom-heads.h"

#include <gio/gio.h>

typedef struct {
  const char *name;
  const char *description;
  gint64      c, h, w;          /* the lesson's feature map */
} HeadInfo;

static const HeadInfo heads[] = {
  { "vgg-finetune", "A: Dense(8) softmax on VGG16BN's 4096-vector (its classifier popped, the rest frozen)",
    4096, 1, 1 },
  { "dense-head", "B: dense head on VGG16 features at 224 (512x14x14)", 512, 14, 14 },
  { "multi-input", "C: B's trunk plus the image size one-hot, concatenated (the leak)", 512, 14, 14 },
  { "bbox", "D: B's trunk with a box output (0.001 x MSE) and a class output", 512, 14, 14 },
  { "fcn", "F: fully convolutional head with max-pools on 360x640 features (512x22x40)", 512, 22, 40 },
  { "allconv", "G: F without pools or dropout; 22x40 class maps for heatmaps", 512, 22, 40 },
  { "inception", "H: three Inception blocks on 360x640 features", 512, 22, 40 },
  { "resnet-dense", "ResNet50 features (2048x7x7 at 224): BN, Flatten, Dense 512 relu, Dropout .5, Dense", 2048, 7, 7 },
  { "resnet-gap", "ResNet50 features at any size: global average pooling, Dense", 2048, 7, 7 },
};

static const char *const head_names[] = {
  "vgg-finetune", "dense-head", "multi-input", "bbox", "fcn", "allconv", "inception", "resnet-dense", "resnet-gap", NULL,
};

const char *const *
fathom_head_list (void)
{
  return head_names;
}

static const HeadInfo *
find_head (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (heads); i++)
    if (g_strcmp0 (heads[i].name, name) == 0)
      return &heads[i];
  return NULL;
}

const char *
fathom_head_describe (const char *experiment)
{
  const HeadInfo *info = find_head (experiment);

  return info ? info->description : NULL;
}

void
fathom_head_options_init (FathomHeadOptions *options, const char *experiment)
{
  const HeadInfo *info = find_head (experiment);

  *options = (FathomHeadOptions) {
    .n_classes = 8,
    .channels = info ? info->c : 512,
    .height = info ? info->h : 14,
    .width = info ? info->w : 14,
    .n_sizes = 10,
    .dropout = 0.6f,
    .bbox_weight = 0.001f,
  };
}

static FathomLayer *
bn (void)
{
  FathomBatchNormDesc desc = fathom_batch_norm_desc_keras ();

  return fathom_batch_norm_layer_new (&desc);
}

/* B's trunk up to the last 512-vector: MaxPool, BN, Dropout(p/4), Flatten,
 * then twice Dense(512, relu), BN, Dropout (p, then p/2). */
static int
dense_trunk (FathomGraph *g, int x, float p)
{
  x = FATHOM_GRAPH_ADD (g, fathom_max_pool_layer_new (2, 2, 2, 2, FATHOM_PADDING_VALID), x);
  x = FATHOM_GRAPH_ADD (g, bn (), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (p / 4), x);
  x = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (512, FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, bn (), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (p), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (512, FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, bn (), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (p / 2), x);
  return x;
}

static int
class_output (FathomGraph *g, int x, gint64 n_classes)
{
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (n_classes, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  return FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
}

static int
conv_relu_bn (FathomGraph *g, int x, gint64 filters, int k, int stride)
{
  x = FATHOM_GRAPH_ADD (g, fathom_conv2d_layer_new (filters, k, k, stride, stride, FATHOM_PADDING_SAME,
                                                    FATHOM_ACTIVATION_RELU, TRUE), x);
  return FATHOM_GRAPH_ADD (g, bn (), x);
}

/* The notebook's incep_block: four branches, each conv followed by BN. */
static int
inception_block (FathomGraph *g, int x)
{
  int b1 = conv_relu_bn (g, x, 32, 1, 2);
  int b5 = conv_relu_bn (g, conv_relu_bn (g, x, 24, 1, 1), 32, 5, 2);
  int b3 = conv_relu_bn (g, conv_relu_bn (g, conv_relu_bn (g, x, 32, 1, 1), 48, 3, 1), 48, 3, 2);
  int bp = FATHOM_GRAPH_ADD (g, fathom_avg_pool_layer_new (3, 3, 2, 2, FATHOM_PADDING_SAME), x);

  bp = conv_relu_bn (g, bp, 16, 1, 1);
  return FATHOM_GRAPH_ADD (g, fathom_concat_layer_new (), b1, b5, b3, bp);
}

/* Class maps, then global average pooling and the softmax. */
static int
class_map_output (FathomGraph *g, int x, gint64 n_classes)
{
  x = FATHOM_GRAPH_ADD_NAMED (g, "class_maps",
                              fathom_conv2d_layer_new (n_classes, 3, 3, 1, 1, FATHOM_PADDING_SAME,
                                                       FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  return x;
}

FathomGraph *
fathom_head_new (const char *experiment, const FathomHeadOptions *options, GError **error)
{
  g_autoptr(FathomGraph) g = NULL;
  FathomHeadOptions defaults;
  FathomShape features;
  int x, out;

  if (find_head (experiment) == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) head_names);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Unknown experiment “%s” (heads: %s)", experiment, known);
      return NULL;
    }
  if (options == NULL)
    {
      fathom_head_options_init (&defaults, experiment);
      options = &defaults;
    }

  g = fathom_graph_new ();
  features = FATHOM_SHAPE (options->channels, options->height, options->width);
  x = fathom_graph_add_input (g, "features", &features);

  if (g_str_equal (experiment, "vgg-finetune"))
    {
      /* The popped model keeps VGG16BN's last Dropout(0.5), which still
       * acts while the new Dense trains: the features stop at the BN
       * before it, so it lives here. */
      x = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), x);
      x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (0.5f), x);
      out = class_output (g, x, options->n_classes);
    }
  else if (g_str_equal (experiment, "dense-head"))
    {
      out = class_output (g, dense_trunk (g, x, options->dropout), options->n_classes);
    }
  else if (g_str_equal (experiment, "multi-input"))
    {
      FathomShape sizes = FATHOM_SHAPE (options->n_sizes);
      int sz = fathom_graph_add_input (g, "image_size", &sizes);
      int sz_bn = FATHOM_GRAPH_ADD (g, bn (), sz);
      int trunk = dense_trunk (g, x, options->dropout);

      out = class_output (g, FATHOM_GRAPH_ADD (g, fathom_concat_layer_new (), trunk, sz_bn),
                          options->n_classes);
    }
  else if (g_str_equal (experiment, "bbox"))
    {
      int trunk = dense_trunk (g, x, options->dropout);
      int bb = FATHOM_GRAPH_ADD_NAMED (g, "bb", fathom_dense_layer_new (4, FATHOM_ACTIVATION_IDENTITY, TRUE), trunk);

      if (!fathom_graph_add_output (g, "bb", bb, FATHOM_LOSS_MSE, options->bbox_weight, error))
        return NULL;
      out = class_output (g, trunk, options->n_classes);
    }
  else if (g_str_equal (experiment, "fcn") || g_str_equal (experiment, "allconv"))
    {
      gboolean pools = g_str_equal (experiment, "fcn");
      const int pool_w[3] = { 2, 2, 2 }, pool_h[3] = { 2, 2, 1 };

      x = FATHOM_GRAPH_ADD (g, bn (), x);
      for (int i = 0; i < 3; i++)
        {
          x = conv_relu_bn (g, x, 128, 3, 1);
          if (pools)
            x = FATHOM_GRAPH_ADD (g, fathom_max_pool_layer_new (pool_h[i], pool_w[i], pool_h[i], pool_w[i],
                                                                FATHOM_PADDING_VALID), x);
        }
      x = class_map_output (g, x, options->n_classes);
      if (pools)
        x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (0.f), x);   /* the notebook's p = 0 */
      x = FATHOM_GRAPH_ADD (g, fathom_global_avg_pool_layer_new (), x);
      out = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
    }
  else if (g_str_equal (experiment, "resnet-dense"))
    {
      x = FATHOM_GRAPH_ADD (g, bn (), x);
      x = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), x);
      x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (512, FATHOM_ACTIVATION_RELU, TRUE), x);
      x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (0.5f), x);
      out = class_output (g, x, options->n_classes);
    }
  else if (g_str_equal (experiment, "resnet-gap"))
    {
      /* any feature size: 7x7 at 224, 13x13 at 400 */
      x = FATHOM_GRAPH_ADD (g, fathom_global_avg_pool_layer_new (), x);
      out = class_output (g, x, options->n_classes);
    }
  else /* inception */
    {
      x = FATHOM_GRAPH_ADD (g, bn (), x);
      for (int i = 0; i < 3; i++)
        x = inception_block (g, x);
      x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (0.75f), x);
      x = class_map_output (g, x, options->n_classes);
      x = FATHOM_GRAPH_ADD (g, fathom_global_avg_pool_layer_new (), x);
      out = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
    }

  if (!fathom_graph_add_output (g, "class", out, FATHOM_LOSS_CROSS_ENTROPY, 1.f, error))
    return NULL;
  return g_steal_pointer (&g);
}
