/* fathom-vgg16.c: the VGG16 conv trunk, as keras-applications builds it,
 * and the course's VGG16BN dense top. */
#include "fathom-vgg16.h"

static const struct {
  gint64 filters;
  int    n_convs;
} blocks[5] = { { 64, 2 }, { 128, 2 }, { 256, 3 }, { 512, 3 }, { 512, 3 } };

int
fathom_vgg16_append (FathomGraph *graph, int input, gboolean last_pool)
{
  int x = input;

  g_return_val_if_fail (graph != NULL && input >= 0, -1);
  for (guint b = 0; b < G_N_ELEMENTS (blocks); b++)
    {
      for (int c = 0; c < blocks[b].n_convs; c++)
        {
          g_autofree char *name = g_strdup_printf ("block%u_conv%d", b + 1, c + 1);

          /* Keras's Conv2D(activation='relu'): the relu is part of the layer. */
          x = FATHOM_GRAPH_ADD_NAMED (graph, name,
                                      fathom_conv2d_layer_new (blocks[b].filters, 3, 3, 1, 1,
                                                               FATHOM_PADDING_SAME,
                                                               FATHOM_ACTIVATION_RELU, TRUE), x);
        }
      if (b + 1 < G_N_ELEMENTS (blocks) || last_pool)
        {
          g_autofree char *name = g_strdup_printf ("block%u_pool", b + 1);

          x = FATHOM_GRAPH_ADD_NAMED (graph, name,
                                      fathom_max_pool_layer_new (2, 2, 2, 2, FATHOM_PADDING_VALID), x);
        }
    }
  return x;
}

FathomGraph *
fathom_vgg16_new (gint64 height, gint64 width, gboolean last_pool, GError **error)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape image = FATHOM_SHAPE (3, height, width);
  int x;

  g_return_val_if_fail (height > 0 && width > 0, NULL);
  x = fathom_graph_add_input (g, "image", &image);
  x = fathom_vgg16_append (g, x, last_pool);
  /* Inferring now refuses an image too small for the pools here. */
  if (!fathom_graph_add_output (g, "features", x, FATHOM_LOSS_NONE, 0.f, error) ||
      !fathom_graph_infer_shapes (g, error))
    return NULL;
  return g_steal_pointer (&g);
}

/* vgg16bn.py's FCBlock: Dense(units, relu), BatchNormalization, and the
 * Dropout(0.5) after it unless last; the names count as Keras 1 counted. */
static int
fc_block (FathomGraph *graph, int x, gint64 units, int n, gboolean last)
{
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  g_autofree char *dense = g_strdup_printf ("dense_%d", n);
  g_autofree char *norm = g_strdup_printf ("batchnormalization_%d", n);
  g_autofree char *dropout = g_strdup_printf ("dropout_%d", n);

  x = FATHOM_GRAPH_ADD_NAMED (graph, dense, fathom_dense_layer_new (units, FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (graph, norm, fathom_batch_norm_layer_new (&bn), x);
  if (!last)
    x = FATHOM_GRAPH_ADD_NAMED (graph, dropout, fathom_dropout_layer_new (0.5f), x);
  return x;
}

int
fathom_vgg16_bn_top_append (FathomGraph *graph, int x, gint64 dense_units)
{
  g_return_val_if_fail (graph != NULL && x >= 0 && dense_units > 0, -1);
  x = FATHOM_GRAPH_ADD_NAMED (graph, "flatten_1", fathom_flatten_layer_new (), x);
  x = fc_block (graph, x, dense_units, 1, FALSE);
  return fc_block (graph, x, dense_units, 2, TRUE);
}

FathomGraph *
fathom_vgg16_bn_new (gint64 height, gint64 width, gint64 dense_units, GError **error)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape image = FATHOM_SHAPE (3, height, width);
  int x;

  g_return_val_if_fail (height > 0 && width > 0 && dense_units > 0, NULL);
  x = fathom_graph_add_input (g, "image", &image);
  x = fathom_vgg16_append (g, x, TRUE);
  x = fathom_vgg16_bn_top_append (g, x, dense_units);
  if (!fathom_graph_add_output (g, "features", x, FATHOM_LOSS_NONE, 0.f, error) ||
      !fathom_graph_infer_shapes (g, error))
    return NULL;
  return g_steal_pointer (&g);
}
