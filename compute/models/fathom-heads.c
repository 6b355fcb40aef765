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

/* fcn's pools after each of its three convolutions: 2x2, 2x2, then 1x2
 * (the lesson's (1, 2) keeps 5 rows of 22x40 features). */
static const int fcn_pool_h[3] = { 2, 2, 1 }, fcn_pool_w[3] = { 2, 2, 2 };
#define INCEPTION_BLOCKS 3

gboolean
fathom_head_get_map_grid (const char *experiment, int *stride_h, int *stride_w, double *centre_h,
                          double *centre_w)
{
  if (g_strcmp0 (experiment, "fcn") == 0)
    {
      /* the pools' product; the first cell is the block at the corner */
      *stride_h = fcn_pool_h[0] * fcn_pool_h[1] * fcn_pool_h[2];
      *stride_w = fcn_pool_w[0] * fcn_pool_w[1] * fcn_pool_w[2];
      *centre_h = *stride_h / 2.0, *centre_w = *stride_w / 2.0;
    }
  else if (g_strcmp0 (experiment, "inception") == 0)
    {
      /* each block's branches stride 2: the 1x1 (32 channels) centred on
       * cell 2i, the 5x5 (32), 3x3 (48) and pool (16) on 2i + 1; a
       * quarter of a cell past the block's centre by their channels,
       * at each block: 0.25 (1 + 2 + 4) feature cells in all */
      *stride_h = *stride_w = 1 << INCEPTION_BLOCKS;
      *centre_h = *centre_w = (1 << INCEPTION_BLOCKS) / 2.0 + 0.25 * ((1 << INCEPTION_BLOCKS) - 1);
    }
  else if (g_strcmp0 (experiment, "allconv") == 0)
    {
      *stride_h = 1, *stride_w = 1;
      *centre_h = 0.5, *centre_w = 0.5;
    }
  else
    return FALSE;
  return TRUE;
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
    .box_head = FATHOM_BOX_HEAD_DENSE,
  };
}

static const char *const box_head_names[] = { "dense", "attention" };

const char *
fathom_box_head_to_string (FathomBoxHead head)
{
  g_return_val_if_fail (head < G_N_ELEMENTS (box_head_names), "dense");
  return box_head_names[head];
}

gboolean
fathom_box_head_from_string (const char *name, FathomBoxHead *head)
{
  for (guint i = 0; i < G_N_ELEMENTS (box_head_names); i++)
    if (g_strcmp0 (name, box_head_names[i]) == 0)
      {
        *head = (FathomBoxHead) i;
        return TRUE;
      }
  return FALSE;
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

/* A dense layer whose weights are set once (fathom_head_init_box_readout)
 * and never trained. */
static FathomLayer *
fixed_dense (gint64 units)
{
  FathomLayer *layer = fathom_dense_layer_new (units, FATHOM_ACTIVATION_IDENTITY, FALSE);

  fathom_layer_set_frozen (layer, TRUE);
  return layer;
}

/* FATHOM_BOX_HEAD_ATTENTION on features x: three 3x3 convs of 128, 128
 * and 64 (relu, BN; together they see about five cells around each, a
 * whole fish) shared by "bb_where", one logit a cell whose softmax weighs the cells,
 * and "bb_cells", four numbers a cell: the offset from the cell's centre
 * to its fish's centre (dx, dy) and the fish's size (h, w), in pixels.
 * "bb_centre" reads the weighted cell centres, "bb_pool" the weighted
 * offsets and sizes, and "bb" adds them up into [h, w, x, y]. When the
 * model predicts, "bb_peak" keeps only the weights within BOX_PEAK_RADIUS
 * cells of the largest: where two fish compete, the soft average of the
 * whole map put the box between them (default data, 112x112: mean IoU
 * 0.480 over the whole map, 0.529, 0.531 and 0.530 at radius 1, 2, 3). */
#define BOX_PEAK_RADIUS 2

/* fish (NULL for none): also the node of the box head's last features
 * averaged with its weights, read through stop-gradients. */
static int
attention_box (FathomGraph *g, int x, gint64 height, gint64 width, int *fish)
{
  int f, where, cells, centre, pooled;

  f = FATHOM_GRAPH_ADD (g, bn (), x);
  f = conv_relu_bn (g, f, 128, 3, 1);
  f = conv_relu_bn (g, f, 128, 3, 1);
  f = conv_relu_bn (g, f, 64, 3, 1);
  where = FATHOM_GRAPH_ADD_NAMED (g, "bb_where", fathom_conv2d_layer_new (1, 1, 1, 1, 1, FATHOM_PADDING_SAME,
                                                                          FATHOM_ACTIVATION_IDENTITY, TRUE), f);
  where = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), where);
  where = FATHOM_GRAPH_ADD (g, fathom_softmax_layer_new (), where);
  where = FATHOM_GRAPH_ADD_NAMED (g, "bb_peak", fathom_peak_window_layer_new (height, width, BOX_PEAK_RADIUS),
                                  where);
  cells = FATHOM_GRAPH_ADD_NAMED (g, "bb_cells", fathom_conv2d_layer_new (4, 1, 1, 1, 1, FATHOM_PADDING_SAME,
                                                                          FATHOM_ACTIVATION_IDENTITY, TRUE), f);
  pooled = FATHOM_GRAPH_ADD_NAMED (g, "bb_pool", fathom_attention_pool_layer_new (), where, cells);
  centre = FATHOM_GRAPH_ADD_NAMED (g, "bb_centre", fixed_dense (2), where);
  if (fish != NULL)
    {
      int w = FATHOM_GRAPH_ADD_NAMED (g, "fish_where", fathom_stop_gradient_layer_new (), where);
      int v = FATHOM_GRAPH_ADD_NAMED (g, "fish_cells", fathom_stop_gradient_layer_new (), f);

      *fish = FATHOM_GRAPH_ADD_NAMED (g, "fish_pool", fathom_attention_pool_layer_new (), w, v);
    }
  x = FATHOM_GRAPH_ADD (g, fathom_concat_layer_new (), pooled, centre);
  return FATHOM_GRAPH_ADD_NAMED (g, "bb", fixed_dense (4), x);
}

static gboolean
upload_fixed (FathomGraph *graph, const char *layer_name, const float *values, gsize n, GError **error)
{
  FathomLayer *layer = fathom_graph_find_layer (graph, layer_name);
  FathomParam *kernel = layer != NULL ? fathom_layer_find_param (layer, "kernel") : NULL;

  if (kernel == NULL || fathom_tensor_get_numel (kernel->value) != n)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The attention box head has no %s of %" G_GSIZE_FORMAT " weights", layer_name, n);
      return FALSE;
    }
  return fathom_backend_upload (fathom_graph_get_backend (graph), kernel->value, values, error);
}

gboolean
fathom_head_init_box_readout (FathomGraph *graph, gint64 input_height, gint64 input_width, GError **error)
{
  /* [h, w, x, y] from (dx, dy, h, w, cx, cy): x = cx + dx - w / 2 */
  static const float sum[4 * 6] = {
    0, 0, 1, 0, 0, 0,
    0, 0, 0, 1, 0, 0,
    1, 0, 0, -0.5f, 1, 0,
    0, 1, -0.5f, 0, 0, 1,
  };
  FathomLayer *cells = fathom_graph_find_layer (graph, "bb_cells");
  int input = fathom_graph_find_input (graph, "features");
  const FathomShape *in;
  g_autofree float *centres = NULL;
  gint64 fh, fw;

  if (cells == NULL || input < 0)
    return TRUE;
  in = fathom_graph_get_input_shape (graph, (guint) input);
  fh = in->d[1];
  fw = in->d[2];
  centres = g_new (float, 2 * fh * fw);
  for (gint64 r = 0; r < fh; r++)
    for (gint64 c = 0; c < fw; c++)
      {
        centres[r * fw + c] = (float) ((c + 0.5) * input_width / fw);
        centres[fh * fw + r * fw + c] = (float) ((r + 0.5) * input_height / fh);
      }
  return upload_fixed (graph, "bb_centre", centres, (gsize) 2 * fh * fw, error) &&
         upload_fixed (graph, "bb", sum, G_N_ELEMENTS (sum), error);
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
      int trunk = dense_trunk (g, x, options->dropout), fish = -1;
      int bb = options->box_head == FATHOM_BOX_HEAD_ATTENTION
                 ? attention_box (g, x, options->height, options->width, options->class_reads_box ? &fish : NULL)
                 : FATHOM_GRAPH_ADD_NAMED (g, "bb", fathom_dense_layer_new (4, FATHOM_ACTIVATION_IDENTITY, TRUE),
                                           trunk);

      if (!fathom_graph_add_output (g, "bb", bb, FATHOM_LOSS_MSE, options->bbox_weight, error))
        return NULL;
      if (fish >= 0)
        trunk = FATHOM_GRAPH_ADD (g, fathom_concat_layer_new (), trunk, FATHOM_GRAPH_ADD (g, bn (), fish));
      out = class_output (g, trunk, options->n_classes);
    }
  else if (g_str_equal (experiment, "fcn") || g_str_equal (experiment, "allconv"))
    {
      gboolean pools = g_str_equal (experiment, "fcn");

      x = FATHOM_GRAPH_ADD (g, bn (), x);
      for (int i = 0; i < 3; i++)
        {
          x = conv_relu_bn (g, x, 128, 3, 1);
          if (pools)
            x = FATHOM_GRAPH_ADD (g, fathom_max_pool_layer_new (fcn_pool_h[i], fcn_pool_w[i], fcn_pool_h[i],
                                                                fcn_pool_w[i], FATHOM_PADDING_VALID), x);
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
      for (int i = 0; i < INCEPTION_BLOCKS; i++)
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
