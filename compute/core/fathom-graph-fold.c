/* fathom-graph-fold.c: batch norms folded into the convolutions before
 * them, for inference (fathom_graph_set_fold_batch_norm() in
 * fathom-graph.h).
 *
 * At inference a batch norm is an affine map per channel,
 * y = (z - mean) * s + beta with s = gamma / sqrt (var + eps), and z a
 * convolution's output: so y = conv (x, w * s) + (b - mean) * s + beta,
 * one convolution with folded weights and bias instead of a convolution
 * and a pass over its output. Around that pair, more joins the one call
 * (fathom_backend_conv2d_forward_act):
 * - a ZeroPadding2D that only the convolution reads: its padding joins
 *   the convolution's window (the same sums, without the padded copy);
 * - an Add of two that only the batch norm's output and one earlier node
 *   feed (ResNet's shortcut): the earlier node's output is the z added
 *   before the activation;
 * - a ReLU layer that is the only reader of the batch norm, or of that
 *   add.
 * Apart from the convolutions, a zero padding read only by a max pool,
 * whose input is a ReLU's output, joins the pool's window: the pool skips
 * padded cells, and a zero never beats the maximum of values that are
 * at least zero (ResNet's stem; NaN aside).
 * The folding itself runs on the backend with its own batch-norm op: the
 * weights seen as [1, O, C * kh, kw] normalised with a zero mean and
 * beta, the bias seen as [1, O] with the real ones. It runs at every
 * folded forward, so weights changed by training or a checkpoint are
 * always seen; it reads the weights once, against the activations' full
 * passes it saves. */
#include "fathom-graph-private.h"

#include "fathom-backend.h"

void
fathom_graph_fold_clear (Node *node)
{
  node->fold_target = -1;
  node->fold_bn = -1;
  node->fold_input = -1;
  node->fold_pad = (FathomPad2d) { 0 };
  node->fold_z = -1;
  node->fold_pool = FALSE;
  node->fold_skipped = FALSE;
  g_clear_pointer (&node->fold_w, fathom_tensor_unref);
  g_clear_pointer (&node->fold_b, fathom_tensor_unref);
  g_clear_pointer (&node->fold_zeros, fathom_tensor_unref);
  g_clear_pointer (&node->fold_mean, fathom_tensor_unref);
  g_clear_pointer (&node->fold_invstd, fathom_tensor_unref);
}

/* The only node that reads node i, reading it once; -1 where there is
 * none or several, or where i is an output of the graph. */
static int
only_reader (FathomGraph *self, int i)
{
  int found = -1;

  if (fathom_graph_node_at (self, i)->output >= 0)
    return -1;
  for (guint k = 0; k < self->nodes->len; k++)
    {
      Node *node = fathom_graph_node_at (self, (int) k);

      for (guint j = 0; j < node->n_inputs; j++)
        if (node->inputs[j] == i)
          {
            if (found >= 0)
              return -1;
            found = (int) k;
          }
    }
  return found;
}

/* only_reader(), where that reader has no other input. */
static int
sole_consumer (FathomGraph *self, int i)
{
  int k = only_reader (self, i);

  return k >= 0 && fathom_graph_node_at (self, k)->n_inputs == 1 ? k : -1;
}

static gboolean
is_relu (Node *node)
{
  FathomActivation act;

  return node->layer != NULL && fathom_activation_layer_get_activation (node->layer, &act) &&
         act == FATHOM_ACTIVATION_RELU;
}

/* Node i reading a zero padding that only it reads: the padding joins
 * i's window and i reads the padding's input instead (fold_input,
 * fold_pad), the padding skipped; FALSE, and i reading its own input,
 * otherwise. For a pool, the padding's input must be a ReLU's. */
static gboolean
plan_pad (FathomGraph *self, int i, gboolean relu_input)
{
  Node *node = fathom_graph_node_at (self, i);
  Node *pad = node->n_inputs == 1 ? fathom_graph_node_at (self, node->inputs[0]) : NULL;

  node->fold_input = node->n_inputs == 1 ? node->inputs[0] : -1;
  if (pad == NULL || pad->layer == NULL || pad->n_inputs != 1 ||
      !fathom_zero_pad_layer_get_pad (pad->layer, &node->fold_pad) || sole_consumer (self, node->inputs[0]) != i ||
      (relu_input && !is_relu (fathom_graph_node_at (self, pad->inputs[0]))))
    {
      node->fold_pad = (FathomPad2d) { 0 };
      return FALSE;
    }
  node->fold_input = pad->inputs[0];
  pad->fold_skipped = TRUE;
  return TRUE;
}

/* A window with a folded padding added to its own. */
static FathomConvWindow
padded (FathomConvWindow win, const FathomPad2d *pad)
{
  win.pad_top += pad->top;
  win.pad_bottom += pad->bottom;
  win.pad_left += pad->left;
  win.pad_right += pad->right;
  return win;
}

/* After the batch norm b: a ReLU, or an add of two (the other input
 * computed before the head runs) and then perhaps a ReLU. */
static void
plan_after (FathomGraph *self, int head, int b)
{
  Node *conv = fathom_graph_node_at (self, head);
  int a = only_reader (self, b);
  Node *after = a >= 0 ? fathom_graph_node_at (self, a) : NULL;

  if (after == NULL)
    return;
  if (after->n_inputs == 1 && is_relu (after))
    {
      conv->fold_target = a;
      conv->fold_act = FATHOM_ACTIVATION_RELU;
      after->fold_skipped = TRUE;
      return;
    }
  if (after->layer == NULL || !fathom_layer_is_add (after->layer) || after->n_inputs != 2)
    return;
  conv->fold_z = after->inputs[after->inputs[0] == b ? 1 : 0];
  if (conv->fold_z >= head)
    {
      conv->fold_z = -1;
      return;
    }
  conv->fold_target = a;
  after->fold_skipped = TRUE;
  a = sole_consumer (self, a);
  if (a >= 0 && is_relu (fathom_graph_node_at (self, a)))
    {
      conv->fold_target = a;
      conv->fold_act = FATHOM_ACTIVATION_RELU;
      fathom_graph_node_at (self, a)->fold_skipped = TRUE;
    }
}

/* A max pool whose input is a zero padding that only it reads, of a
 * ReLU's output. */
static void
plan_pool (FathomGraph *self, int i)
{
  Node *pool = fathom_graph_node_at (self, i);
  FathomConvWindow win;

  if (pool->layer != NULL && fathom_max_pool_layer_describe (pool->layer, &win))
    pool->fold_pool = plan_pad (self, i, TRUE);
}

/* Marks the heads (a Conv2D without an activation of its own, read only
 * by a batch norm) and the nodes they stand for, and the max pools that
 * take in their padding. */
static void
plan (FathomGraph *self)
{
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *conv = fathom_graph_node_at (self, (int) i);
      FathomConvWindow win;
      FathomActivation act = FATHOM_ACTIVATION_IDENTITY;
      FathomBatchNormDesc desc;
      gboolean bias;
      int b;

      plan_pool (self, (int) i);
      if (conv->layer == NULL || !fathom_conv2d_layer_describe (conv->layer, &win, &act, &bias) ||
          act != FATHOM_ACTIVATION_IDENTITY || (b = sole_consumer (self, (int) i)) < 0)
        continue;
      if (fathom_graph_node_at (self, b)->layer == NULL ||
          !fathom_batch_norm_layer_get_desc (fathom_graph_node_at (self, b)->layer, &desc))
        continue;
      conv->fold_bn = b;
      conv->fold_target = b;
      conv->fold_act = FATHOM_ACTIVATION_IDENTITY;
      fathom_graph_node_at (self, b)->fold_skipped = TRUE;
      plan_pad (self, (int) i, FALSE);
      plan_after (self, (int) i, b);
    }
}

void
fathom_graph_set_fold_batch_norm (FathomGraph *self, gboolean enabled)
{
  g_return_if_fail (self != NULL);
  for (guint i = 0; i < self->nodes->len; i++)
    fathom_graph_fold_clear (fathom_graph_node_at (self, (int) i));
  self->fold_batch_norm = enabled;
  if (enabled)
    plan (self);
}

gboolean
fathom_graph_get_fold_batch_norm (FathomGraph *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->fold_batch_norm;
}

gboolean
fathom_graph_fold_forward (FathomGraph *self, Node *head, GError **error)
{
  FathomBackend *be = self->backend;
  Node *bn = fathom_graph_node_at (self, head->fold_bn);
  Node *target = fathom_graph_node_at (self, head->fold_target);
  FathomTensor *w = fathom_layer_value (head->layer, 0);
  FathomTensor *gamma = fathom_layer_value (bn->layer, 0), *beta = fathom_layer_value (bn->layer, 1);
  FathomTensor *mean = fathom_layer_value (bn->layer, 2), *var = fathom_layer_value (bn->layer, 3);
  const gint64 *ws = fathom_tensor_get_shape (w);
  gint64 o = ws[0], wview[4] = { 1, ws[0], ws[1] * ws[2], ws[3] }, bview[2] = { 1, ws[0] };
  g_autoptr(FathomTensor) w_in = NULL, w_out = NULL, b_in = NULL, b_out = NULL;
  FathomConvWindow win;
  FathomActivation act;
  FathomBatchNormDesc desc;
  gboolean use_bias;

  fathom_conv2d_layer_describe (head->layer, &win, &act, &use_bias);
  win = padded (win, &head->fold_pad);
  fathom_batch_norm_layer_get_desc (bn->layer, &desc);
  desc.training = FALSE;
  if (!fathom_layer_ensure_tensor (be, &head->fold_w, 4, ws, error) ||
      !fathom_layer_ensure_tensor (be, &head->fold_b, 1, &o, error) ||
      !fathom_layer_ensure_tensor (be, &head->fold_mean, 1, &o, error) ||
      !fathom_layer_ensure_tensor (be, &head->fold_invstd, 1, &o, error))
    return FALSE;
  if (head->fold_zeros == NULL &&
      (!fathom_layer_ensure_tensor (be, &head->fold_zeros, 1, &o, error) ||
       !fathom_backend_fill (be, head->fold_zeros, 0.f, error)))
    return FALSE;
  w_in = fathom_tensor_view (w, 4, wview);
  w_out = fathom_tensor_view (head->fold_w, 4, wview);
  b_in = fathom_tensor_view (use_bias ? fathom_layer_value (head->layer, 1) : head->fold_zeros, 2, bview);
  b_out = fathom_tensor_view (head->fold_b, 2, bview);
  /* w * s: the batch norm with a zero mean and beta; then
   * (b - mean) * s + beta: with its own */
  if (!fathom_backend_batch_norm_forward (be, &desc, w_in, gamma, head->fold_zeros, head->fold_zeros, var,
                                          w_out, head->fold_mean, head->fold_invstd, error) ||
      !fathom_backend_batch_norm_forward (be, &desc, b_in, gamma, beta, mean, var, b_out, head->fold_mean,
                                          head->fold_invstd, error))
    return FALSE;

  return fathom_graph_ensure_batch_tensor (self, &target->y, &target->shape, error) &&
         fathom_backend_conv2d_forward_act (be, &win, fathom_graph_node_at (self, head->fold_input)->y,
                                            head->fold_w, head->fold_b,
                                            head->fold_z >= 0 ? fathom_graph_node_at (self, head->fold_z)->y : NULL,
                                            head->fold_act, target->y, error);
}

gboolean
fathom_graph_fold_pool_forward (FathomGraph *self, Node *pool, GError **error)
{
  FathomConvWindow win;

  fathom_max_pool_layer_describe (pool->layer, &win);
  win = padded (win, &pool->fold_pad);
  return fathom_graph_ensure_batch_tensor (self, &pool->y, &pool->shape, error) &&
         fathom_backend_max_pool_forward (self->backend, &win, fathom_graph_node_at (self, pool->fold_input)->y,
                                          pool->y, error);
}
