/* fathom-resnet50.c: the ResNet50 trunk in its Keras (V1) and torchvision
 * (V1.5) forms. */
#include "fathom-resnet50.h"

void
fathom_resnet50_options_init (FathomResnet50Options *options, FathomResnet50Variant variant)
{
  gboolean keras = variant == FATHOM_RESNET50_V1;

  *options = (FathomResnet50Options) {
    .variant = variant,
    .conv_bias = keras,
    .pool_pad = TRUE,
    .bn = keras ? fathom_batch_norm_desc_keras () : fathom_batch_norm_desc_torch (),
  };
}

static int
add_named (FathomGraph *g, FathomLayer *layer, const char *prefix, const char *suffix, int x)
{
  g_autofree char *name = g_strconcat (prefix, suffix, NULL);

  return FATHOM_GRAPH_ADD_NAMED (g, name, layer, x);
}

/* A conv then its BN, named "<prefix><suffix>_conv" and "..._bn". Convs
 * here never carry the relu: it comes after the BN. */
static int
conv_bn (FathomGraph *g, int x, const FathomResnet50Options *o, const char *prefix, const char *suffix,
         gint64 filters, int k, int stride, FathomPadding padding)
{
  g_autofree char *conv = g_strconcat (suffix, "_conv", NULL);
  g_autofree char *bn = g_strconcat (suffix, "_bn", NULL);

  x = add_named (g, fathom_conv2d_layer_new (filters, k, k, stride, stride, padding,
                                             FATHOM_ACTIVATION_IDENTITY, o->conv_bias),
                 prefix, conv, x);
  return add_named (g, fathom_batch_norm_layer_new (&o->bn), prefix, bn, x);
}

static int
relu (FathomGraph *g, int x, const char *prefix, const char *suffix)
{
  return add_named (g, fathom_activation_layer_new (FATHOM_ACTIVATION_RELU), prefix, suffix, x);
}

int
fathom_resnet50_append_block (FathomGraph *g, int x, const char *prefix, const gint64 filters[3],
                              int stride, gboolean projection, const FathomResnet50Options *o)
{
  gboolean v1 = o->variant == FATHOM_RESNET50_V1;
  int shortcut = x, y;

  g_return_val_if_fail (g != NULL && x >= 0 && prefix != NULL && o != NULL && stride >= 1, -1);
  g_return_val_if_fail (projection || stride == 1, -1);

  /* tf.keras adds the shortcut first; the order only matters for files
   * matched by position, and ResNet files are matched by name. */
  if (projection)
    shortcut = conv_bn (g, x, o, prefix, "_0", filters[2], 1, stride, FATHOM_PADDING_VALID);

  y = conv_bn (g, x, o, prefix, "_1", filters[0], 1, v1 ? stride : 1, FATHOM_PADDING_VALID);
  y = relu (g, y, prefix, "_1_relu");
  if (!v1 && stride > 1)
    {
      /* torchvision pads 1 on every side; "same" would pad bottom/right only. */
      y = add_named (g, fathom_zero_pad_layer_new (1, 1, 1, 1), prefix, "_2_pad", y);
      y = conv_bn (g, y, o, prefix, "_2", filters[1], 3, stride, FATHOM_PADDING_VALID);
    }
  else
    y = conv_bn (g, y, o, prefix, "_2", filters[1], 3, 1, FATHOM_PADDING_SAME);
  y = relu (g, y, prefix, "_2_relu");
  y = conv_bn (g, y, o, prefix, "_3", filters[2], 1, 1, FATHOM_PADDING_VALID);

  {
    g_autofree char *add = g_strconcat (prefix, "_add", NULL);

    y = FATHOM_GRAPH_ADD_NAMED (g, add, fathom_add_layer_new (), y, shortcut);
  }
  return relu (g, y, prefix, "_out");
}

int
fathom_resnet50_append (FathomGraph *g, int input, const FathomResnet50Options *options)
{
  static const struct {
    gint64 filters[3];
    int    n_blocks;
    int    stride;
  } stages[4] = {
    { { 64, 64, 256 }, 3, 1 },    /* after the pool: no stride */
    { { 128, 128, 512 }, 4, 2 },
    { { 256, 256, 1024 }, 6, 2 },
    { { 512, 512, 2048 }, 3, 2 },
  };
  FathomResnet50Options defaults;
  int x;

  g_return_val_if_fail (g != NULL && input >= 0, -1);
  if (options == NULL)
    {
      fathom_resnet50_options_init (&defaults, FATHOM_RESNET50_V1_5);
      options = &defaults;
    }

  /* ZeroPadding(3) then a valid 7x7/2 conv: torchvision's padding=3 and
   * keras-applications' conv1_pad alike. */
  x = FATHOM_GRAPH_ADD_NAMED (g, "conv1_pad", fathom_zero_pad_layer_new (3, 3, 3, 3), input);
  x = conv_bn (g, x, options, "conv1", "", 64, 7, 2, FATHOM_PADDING_VALID);
  x = relu (g, x, "conv1", "_relu");
  /* The input is a relu's output (>= 0), so zero padding never wins a
   * window: the same as torchvision's max-pool padding of -inf. */
  if (options->pool_pad)
    x = FATHOM_GRAPH_ADD_NAMED (g, "pool1_pad", fathom_zero_pad_layer_new (1, 1, 1, 1), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "pool1_pool", fathom_max_pool_layer_new (3, 3, 2, 2, FATHOM_PADDING_VALID), x);

  for (guint s = 0; s < G_N_ELEMENTS (stages); s++)
    for (int b = 0; b < stages[s].n_blocks; b++)
      {
        g_autofree char *prefix = g_strdup_printf ("conv%u_block%d", s + 2, b + 1);

        x = fathom_resnet50_append_block (g, x, prefix, stages[s].filters,
                                          b == 0 ? stages[s].stride : 1, b == 0, options);
      }
  return x;
}

FathomGraph *
fathom_resnet50_new (gint64 height, gint64 width, const FathomResnet50Options *options, GError **error)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape image = FATHOM_SHAPE (3, height, width);
  int x;

  g_return_val_if_fail (height > 0 && width > 0, NULL);
  x = fathom_graph_add_input (g, "image", &image);
  x = fathom_resnet50_append (g, x, options);
  /* Inferring now refuses an image too small for the strides here. */
  if (!fathom_graph_add_output (g, "features", x, FATHOM_LOSS_NONE, 0.f, error) ||
      !fathom_graph_infer_shapes (g, error))
    return NULL;
  return g_steal_pointer (&g);
}
