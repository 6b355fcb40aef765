/* fathom-graph.c: forward, loss and backward over a DAG of layers. */
#include "fathom-graph-private.h"

#include <string.h>

static void
node_free (gpointer data)
{
  Node *n = data;

  g_free (n->name);
  fathom_layer_free (n->layer);
  g_free (n->inputs);
  g_clear_pointer (&n->y, fathom_tensor_unref);
  g_clear_pointer (&n->grad, fathom_tensor_unref);
  if (n->edge_dx != NULL)
    for (guint i = 0; i < n->n_inputs; i++)
      g_clear_pointer (&n->edge_dx[i], fathom_tensor_unref);
  g_free (n->edge_dx);
  fathom_graph_fold_clear (n);
  g_free (n);
}

static void
output_clear (gpointer data)
{
  Output *o = data;

  g_free (o->name);
  g_clear_pointer (&o->target, fathom_tensor_unref);
}

static void
graph_param_free (gpointer data)
{
  FathomGraphParam *p = data;

  g_free (p->name);
  g_free (p);
}

FathomGraph *
fathom_graph_new (void)
{
  FathomGraph *self = g_new0 (FathomGraph, 1);

  self->nodes = g_ptr_array_new_with_free_func (node_free);
  self->input_nodes = g_array_new (FALSE, FALSE, sizeof (int));
  self->outputs = g_array_new (FALSE, TRUE, sizeof (Output));
  g_array_set_clear_func (self->outputs, output_clear);
  self->name_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->params = g_ptr_array_new_with_free_func (graph_param_free);
  self->layers = g_ptr_array_new ();
  return self;
}

void
fathom_graph_free (FathomGraph *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->params);
  g_ptr_array_unref (self->layers);
  g_ptr_array_unref (self->nodes);
  g_array_unref (self->input_nodes);
  g_array_unref (self->outputs);
  g_hash_table_unref (self->name_counts);
  if (self->backend != NULL)
    fathom_backend_unref (self->backend);
  g_free (self);
}

Node *
fathom_graph_node_at (FathomGraph *self, int i)
{
  return g_ptr_array_index (self->nodes, i);
}

static char *
auto_name (FathomGraph *self, const char *prefix)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->name_counts, prefix)) + 1;

  g_hash_table_insert (self->name_counts, g_strdup (prefix), GUINT_TO_POINTER (n));
  return g_strdup_printf ("%s_%u", prefix, n);
}

static int
add_node (FathomGraph *self, Node *node)
{
  node->output = -1;
  fathom_graph_fold_clear (node);
  g_ptr_array_add (self->nodes, node);
  self->shapes_known = FALSE;
  return (int) self->nodes->len - 1;
}

int
fathom_graph_add_input (FathomGraph *self, const char *name, const FathomShape *shape)
{
  Node *node = g_new0 (Node, 1);
  int id;

  g_return_val_if_fail (self->backend == NULL, -1);
  node->name = name != NULL ? g_strdup (name) : auto_name (self, "input");
  node->shape = *shape;
  id = add_node (self, node);
  g_array_append_val (self->input_nodes, id);
  return id;
}

int
fathom_graph_add (FathomGraph *self, FathomLayer *layer, const char *name,
                  guint n_inputs, const int *inputs)
{
  Node *node;

  g_return_val_if_fail (layer != NULL, -1);
  g_return_val_if_fail (self->backend == NULL, -1);
  g_return_val_if_fail (n_inputs >= layer->klass->min_inputs && n_inputs <= layer->klass->max_inputs, -1);
  for (guint i = 0; i < n_inputs; i++)
    g_return_val_if_fail (inputs[i] >= 0 && (guint) inputs[i] < self->nodes->len, -1);

  node = g_new0 (Node, 1);
  node->name = name != NULL ? g_strdup (name) : auto_name (self, layer->klass->name_prefix);
  fathom_layer_set_name (layer, node->name);
  node->layer = layer;
  node->n_inputs = n_inputs;
  node->inputs = g_memdup2 (inputs, n_inputs * sizeof (int));
  node->edge_dx = g_new0 (FathomTensor *, n_inputs);
  g_ptr_array_add (self->layers, layer);
  return add_node (self, node);
}

gboolean
fathom_graph_add_output (FathomGraph *self, const char *name, int node_id,
                         FathomLoss loss, float weight, GError **error)
{
  Output o = { 0 };
  Node *node;

  g_return_val_if_fail (node_id >= 0 && (guint) node_id < self->nodes->len, FALSE);
  node = fathom_graph_node_at (self, node_id);
  if (node->output >= 0)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "Node %s is already the output “%s”", node->name,
                   g_array_index (self->outputs, Output, node->output).name);
      return FALSE;
    }
  if (loss == FATHOM_LOSS_CROSS_ENTROPY && (node->layer == NULL || !fathom_layer_is_softmax (node->layer)))
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "Output “%s”: cross-entropy needs a softmax layer, %s is not one",
                   name, node->name);
      return FALSE;
    }
  o.name = g_strdup (name);
  o.node = node_id;
  o.loss = loss;
  o.weight = weight;
  node->output = (int) self->outputs->len;
  node->fused_ce = loss == FATHOM_LOSS_CROSS_ENTROPY;
  g_array_append_val (self->outputs, o);
  return TRUE;
}

void
fathom_graph_set_cross_entropy_clip (FathomGraph *self, float clip)
{
  self->clip = clip;
}

gboolean
fathom_graph_infer_shapes (FathomGraph *self, GError **error)
{
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      FathomShape in[64];

      /* A loss on the node itself contributes a gradient, except a fused
       * one, which goes to the softmax's input through the usual edge. */
      node->n_contributors = node->output >= 0 && !node->fused_ce &&
                             g_array_index (self->outputs, Output, node->output).loss != FATHOM_LOSS_NONE;
      if (node->layer == NULL)
        continue;
      for (guint k = 0; k < node->n_inputs; k++)
        in[k] = fathom_graph_node_at (self, node->inputs[k])->shape;
      if (!node->layer->klass->infer_shape (node->layer, node->n_inputs, in, &node->shape, error))
        return FALSE;
    }
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      for (guint k = 0; k < node->n_inputs; k++)
        fathom_graph_node_at (self, node->inputs[k])->n_contributors++;
    }
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      if (node->fused_ce && node->n_contributors > 0)
        {
          g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                       "%s carries a cross-entropy loss and feeds other layers; "
                       "give it no loss or add a separate softmax", node->name);
          return FALSE;
        }
    }
  self->shapes_known = TRUE;
  return TRUE;
}

gboolean
fathom_graph_build (FathomGraph *self, FathomBackend *backend, guint64 seed, GError **error)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);

  g_return_val_if_fail (self->backend == NULL, FALSE);
  if (self->outputs->len == 0)
    {
      g_set_error_literal (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                           "The graph has no outputs");
      return FALSE;
    }
  if (!fathom_graph_infer_shapes (self, error))
    return FALSE;

  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      FathomShape in[64];
      gboolean trainable;

      if (node->layer == NULL)
        continue;
      for (guint k = 0; k < node->n_inputs; k++)
        in[k] = fathom_graph_node_at (self, node->inputs[k])->shape;
      if (node->layer->klass->build != NULL &&
          !node->layer->klass->build (node->layer, backend, in, rng, error))
        {
          g_prefix_error (error, "%s: ", node->name);
          return FALSE;
        }
      for (guint p = 0; p < node->layer->params->len; p++)
        {
          FathomGraphParam *gp = g_new0 (FathomGraphParam, 1);
          gp->param = g_ptr_array_index (node->layer->params, p);
          gp->layer = node->layer;
          gp->name = g_strdup_printf ("%s.%s", node->name, gp->param->name);
          g_ptr_array_add (self->params, gp);
        }
      trainable = !node->layer->frozen && fathom_layer_count_params (node->layer) > 0;
      node->needs_grad = trainable;
      for (guint k = 0; k < node->n_inputs; k++)
        node->needs_grad |= fathom_graph_node_at (self, node->inputs[k])->needs_grad;
    }
  self->backend = fathom_backend_ref (backend);
  self->seed = seed;
  return TRUE;
}

FathomBackend *
fathom_graph_get_backend (FathomGraph *self)
{
  return self->backend;
}

guint
fathom_graph_get_n_inputs (FathomGraph *self)
{
  return self->input_nodes->len;
}

const char *
fathom_graph_get_input_name (FathomGraph *self, guint i)
{
  g_return_val_if_fail (i < self->input_nodes->len, NULL);
  return fathom_graph_node_at (self, g_array_index (self->input_nodes, int, i))->name;
}

const FathomShape *
fathom_graph_get_input_shape (FathomGraph *self, guint i)
{
  g_return_val_if_fail (i < self->input_nodes->len, NULL);
  return &fathom_graph_node_at (self, g_array_index (self->input_nodes, int, i))->shape;
}

guint
fathom_graph_get_n_outputs (FathomGraph *self)
{
  return self->outputs->len;
}

/* An out-of-range index is a programmer error. */
static Output *
output_at (FathomGraph *self, guint i)
{
  g_assert (i < self->outputs->len);
  return &g_array_index (self->outputs, Output, i);
}

const char *
fathom_graph_get_output_name (FathomGraph *self, guint i)
{
  return output_at (self, i)->name;
}

int
fathom_graph_find_input (FathomGraph *self, const char *name)
{
  for (guint i = 0; i < fathom_graph_get_n_inputs (self); i++)
    if (g_strcmp0 (fathom_graph_get_input_name (self, i), name) == 0)
      return (int) i;
  return -1;
}

int
fathom_graph_find_output (FathomGraph *self, const char *name)
{
  for (guint i = 0; i < fathom_graph_get_n_outputs (self); i++)
    if (g_strcmp0 (fathom_graph_get_output_name (self, i), name) == 0)
      return (int) i;
  return -1;
}

const FathomShape *
fathom_graph_get_output_shape (FathomGraph *self, guint i)
{
  g_return_val_if_fail (self->shapes_known, NULL);
  return &fathom_graph_node_at (self, output_at (self, i)->node)->shape;
}

FathomLoss
fathom_graph_get_output_loss (FathomGraph *self, guint i)
{
  return output_at (self, i)->loss;
}

float
fathom_graph_get_output_weight (FathomGraph *self, guint i)
{
  return output_at (self, i)->weight;
}

void
fathom_graph_set_output_weight (FathomGraph *self, guint i, float weight)
{
  output_at (self, i)->weight = weight;
}

FathomLayer *
fathom_graph_find_layer (FathomGraph *self, const char *name)
{
  for (guint i = 0; i < self->nodes->len; i++)
    if (g_strcmp0 (fathom_graph_node_at (self, (int) i)->name, name) == 0)
      return fathom_graph_node_at (self, (int) i)->layer;
  return NULL;
}

GPtrArray *
fathom_graph_get_layers (FathomGraph *self)
{
  return self->layers;
}

gboolean
fathom_graph_ensure_batch_tensor (FathomGraph *self, FathomTensor **t, const FathomShape *shape, GError **error)
{
  gint64 full[FATHOM_MAX_DIMS];

  full[0] = self->batch;
  memcpy (full + 1, shape->d, shape->ndim * sizeof (gint64));
  return fathom_layer_ensure_tensor (self->backend, t, shape->ndim + 1, full, error);
}

gboolean
fathom_graph_forward (FathomGraph *self, FathomTensor *const *inputs, gboolean training, GError **error)
{
  g_return_val_if_fail (self->backend != NULL, FALSE);

  self->have_loss = FALSE;
  self->batch = fathom_tensor_get_dim (inputs[0], 0);
  self->step++;
  for (guint i = 0; i < self->input_nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, g_array_index (self->input_nodes, int, i));
      const gint64 *s = fathom_tensor_get_shape (inputs[i]);
      gboolean ok = fathom_tensor_get_ndim (inputs[i]) == node->shape.ndim + 1 && s[0] == self->batch;

      for (guint a = 0; ok && a < node->shape.ndim; a++)
        ok = s[a + 1] == node->shape.d[a];
      if (!ok)
        {
          g_autofree char *got = fathom_tensor_shape_to_string (inputs[i]);
          g_autofree char *want = fathom_shape_to_string (&node->shape);
          g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                       "Input “%s” has shape %s, expected %s with a batch of %" G_GINT64_FORMAT,
                       node->name, got, want, self->batch);
          return FALSE;
        }
      g_clear_pointer (&node->y, fathom_tensor_unref);
      node->y = fathom_tensor_ref (inputs[i]);
    }

  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      FathomTensor *x[64];
      FathomLayerIo io = { 0 };
      gint64 t0 = 0;

      if (node->layer == NULL)
        continue;
      /* a batch norm folded into the convolution before it, or a padding
       * into the pool after it */
      if (!training && self->fold_batch_norm && node->fold_skipped)
        continue;
      if (!training && self->fold_batch_norm && (node->fold_target >= 0 || node->fold_pool))
        {
          if (!fathom_graph_profile_start (self, &t0, error) ||
              !(node->fold_pool ? fathom_graph_fold_pool_forward (self, node, error)
                                : fathom_graph_fold_forward (self, node, error)) ||
              !fathom_graph_profile_finish (self, node, FALSE, t0, error))
            {
              g_prefix_error (error, "%s: ", node->name);
              return FALSE;
            }
          continue;
        }
      if (!fathom_graph_ensure_batch_tensor (self, &node->y, &node->shape, error))
        return FALSE;
      for (guint k = 0; k < node->n_inputs; k++)
        x[k] = fathom_graph_node_at (self, node->inputs[k])->y;
      io.n_inputs = node->n_inputs;
      io.x = x;
      io.y = node->y;
      io.training = training;
      io.seed = self->seed * G_GUINT64_CONSTANT (6364136223846793005) + self->step;
      io.step = self->step;
      io.captured = self->captured;
      if (!fathom_graph_profile_start (self, &t0, error) ||
          !node->layer->klass->forward (node->layer, self->backend, &io, error) ||
          !fathom_graph_profile_finish (self, node, FALSE, t0, error))
        {
          g_prefix_error (error, "%s: ", node->name);
          return FALSE;
        }
    }
  return TRUE;
}

void
fathom_graph_set_dropout_seed (FathomGraph *self, guint64 seed)
{
  self->seed = seed;
}

void
fathom_graph_set_step (FathomGraph *self, guint64 step)
{
  /* forward() adds one before use */
  self->step = step;
}

void
fathom_graph_set_captured (FathomGraph *self, gboolean captured)
{
  self->captured = captured;
}

guint64
fathom_graph_get_step (FathomGraph *self)
{
  return self->step;
}

FathomTensor *
fathom_graph_get_output (FathomGraph *self, guint i)
{
  return fathom_graph_node_at (self, output_at (self, i)->node)->y;
}

FathomTensor *
fathom_graph_get_node_output (FathomGraph *self, const char *layer_name)
{
  for (guint i = 0; i < self->nodes->len; i++)
    if (g_strcmp0 (fathom_graph_node_at (self, (int) i)->name, layer_name) == 0)
      return fathom_graph_node_at (self, (int) i)->y;
  return NULL;
}

gboolean
fathom_graph_compute_loss (FathomGraph *self, FathomTensor *const *targets,
                           float *losses, float *total, GError **error)
{
  double sum = 0.0;

  for (guint i = 0; i < self->outputs->len; i++)
    {
      Output *o = output_at (self, i);
      Node *node = fathom_graph_node_at (self, o->node);
      float loss = 0.f;

      g_clear_pointer (&o->target, fathom_tensor_unref);
      if (o->loss == FATHOM_LOSS_NONE)
        {
          if (losses != NULL)
            losses[i] = 0.f;
          continue;
        }
      if (targets[i] == NULL)
        {
          g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                       "Output “%s” has a loss but no target was given", o->name);
          return FALSE;
        }
      if (o->loss == FATHOM_LOSS_CROSS_ENTROPY)
        {
          FathomCrossEntropyDesc desc = { .clip = self->clip };
          Node *logits = fathom_graph_node_at (self, node->inputs[0]);

          if (!fathom_backend_softmax_cross_entropy_forward (self->backend, &desc, logits->y, targets[i],
                                                             node->y, &loss, error))
            return FALSE;
        }
      else if (!fathom_backend_mse_forward (self->backend, node->y, targets[i], &loss, error))
        {
          g_prefix_error (error, "Output “%s”: ", o->name);
          return FALSE;
        }
      o->target = fathom_tensor_ref (targets[i]);
      if (losses != NULL)
        losses[i] = loss;
      sum += (double) o->weight * loss;
    }
  if (total != NULL)
    *total = (float) sum;
  self->have_loss = TRUE;
  return TRUE;
}

/* Where a gradient sent into node `target` goes: its grad tensor directly
 * when it has one contributor, else a scratch that is added afterwards. */
static gboolean
gradient_slot (FathomGraph *self, Node *target, FathomTensor **scratch, FathomTensor **slot, GError **error)
{
  if (!fathom_graph_ensure_batch_tensor (self, &target->grad, &target->shape, error))
    return FALSE;
  if (target->n_contributors <= 1)
    {
      *slot = target->grad;
      return TRUE;
    }
  if (!fathom_graph_ensure_batch_tensor (self, scratch, &target->shape, error))
    return FALSE;
  *slot = *scratch;
  return TRUE;
}

void
fathom_graph_set_fold_batch_norm_backward (FathomGraph *self, gboolean enabled)
{
  g_return_if_fail (self != NULL);
  self->no_backward_fold = !enabled;
}

guint
fathom_graph_get_n_backward_folds (FathomGraph *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_backward_folds;
}

/* The batch norm whose backward a Conv2D node takes into its own, or
 * NULL (fathom_graph_set_fold_batch_norm_backward()). */
static Node *
backward_fold_bn (FathomGraph *self, Node *node)
{
  FathomConvWindow win;
  FathomActivation act;
  FathomTensor *mean, *invstd;
  gboolean use_bias;
  Node *bn, *in;

  if (self->no_backward_fold || node->fused_ce || node->n_inputs != 1 ||
      !fathom_conv2d_layer_describe (node->layer, &win, &act, &use_bias))
    return NULL;
  bn = fathom_graph_node_at (self, node->inputs[0]);
  if (bn->layer == NULL || bn->n_inputs != 1 || bn->n_contributors != 1 || !bn->needs_grad ||
      !fathom_batch_norm_layer_get_batch_stats (bn->layer, &mean, &invstd))
    return NULL;
  in = fathom_graph_node_at (self, bn->inputs[0]);
  return !in->needs_grad && in->y != NULL && fathom_tensor_get_ndim (in->y) == 4 ? bn : NULL;
}

gboolean
fathom_graph_backward (FathomGraph *self, GError **error)
{
  FathomBackend *b = self->backend;

  g_return_val_if_fail (self->have_loss, FALSE);
  self->n_backward_folds = 0;
  for (guint i = 0; i < self->nodes->len; i++)
    fathom_graph_node_at (self, (int) i)->backward_folded = FALSE;

  /* Nodes with several contributors accumulate: start them at zero. */
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      if (node->n_contributors > 1 && node->needs_grad &&
          (!fathom_graph_ensure_batch_tensor (self, &node->grad, &node->shape, error) ||
           !fathom_backend_fill (b, node->grad, 0.f, error)))
        return FALSE;
    }

  /* Loss gradients of the outputs that are not fused. */
  for (guint i = 0; i < self->outputs->len; i++)
    {
      Output *o = output_at (self, i);
      Node *node = fathom_graph_node_at (self, o->node);
      g_autoptr(FathomTensor) scratch = NULL;
      FathomTensor *slot;

      if (o->loss != FATHOM_LOSS_MSE || !node->needs_grad)
        continue;
      if (!gradient_slot (self, node, &scratch, &slot, error) ||
          !fathom_backend_mse_backward (b, node->y, o->target, o->weight, slot, error) ||
          (slot == scratch && !fathom_backend_axpy (b, 1.f, scratch, node->grad, error)))
        return FALSE;
    }

  for (guint i = self->nodes->len; i-- > 0;)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      FathomTensor *dx[64] = { NULL };
      FathomTensor *x[64];
      FathomLayerIo io = { 0 };
      gint64 t0 = 0;
      Node *bn;

      if (node->layer == NULL || !node->needs_grad || node->backward_folded)
        continue;
      if (!fathom_graph_profile_start (self, &t0, error))
        return FALSE;
      /* a batch norm this node's backward takes in needs no gradient slot */
      bn = backward_fold_bn (self, node);
      for (guint k = 0; k < node->n_inputs; k++)
        {
          Node *in = fathom_graph_node_at (self, node->inputs[k]);
          x[k] = in->y;
          if (in->needs_grad && in != bn &&
              !gradient_slot (self, in, &node->edge_dx[k], &dx[k], error))
            return FALSE;
        }
      /* Concatenation needs every part's geometry even when a part's
       * gradient is not wanted: give it scratch and drop the result. */
      if (node->layer->klass->backward_needs_all_dx)
        for (guint k = 0; k < node->n_inputs; k++)
          if (dx[k] == NULL)
            {
              if (!fathom_graph_ensure_batch_tensor (self, &node->edge_dx[k], &fathom_graph_node_at (self, node->inputs[k])->shape, error))
                return FALSE;
              dx[k] = node->edge_dx[k];
            }

      if (node->fused_ce)
        {
          Output *o = output_at (self, (guint) node->output);
          FathomCrossEntropyDesc desc = { .clip = self->clip };

          if (dx[0] != NULL &&
              !fathom_backend_softmax_cross_entropy_backward (b, &desc, node->y, o->target, o->weight,
                                                              dx[0], error))
            return FALSE;
        }
      else
        {
          if (node->grad == NULL)
            continue;           /* no loss reaches this node */
          io.n_inputs = node->n_inputs;
          io.x = x;
          io.y = node->y;
          io.dy = node->grad;
          io.dx = dx;
          io.training = TRUE;
          io.captured = self->captured;
          if (bn != NULL)
            {
              if (!fathom_conv2d_layer_backward_through_batch_norm (node->layer, bn->layer, b, &io,
                                                                    fathom_graph_node_at (self, bn->inputs[0])->y,
                                                                    error))
                {
                  g_prefix_error (error, "%s: ", node->name);
                  return FALSE;
                }
              /* the batch norm's gradients are written; its own input needs none */
              bn->backward_folded = TRUE;
              self->n_backward_folds++;
            }
          else if (!node->layer->klass->backward (node->layer, b, &io, error))
            {
              g_prefix_error (error, "%s: ", node->name);
              return FALSE;
            }
        }

      for (guint k = 0; k < node->n_inputs; k++)
        {
          Node *in = fathom_graph_node_at (self, node->inputs[k]);
          if (in->needs_grad && in->n_contributors > 1 && dx[k] != NULL &&
              !fathom_backend_axpy (b, 1.f, dx[k], in->grad, error))
            return FALSE;
        }
      if (!fathom_graph_profile_finish (self, node, TRUE, t0, error))
        return FALSE;
    }
  return TRUE;
}

static void
add_ref (GPtrArray *out, FathomTensor *t)
{
  if (t != NULL)
    g_ptr_array_add (out, fathom_tensor_ref (t));
}

void
fathom_graph_collect_tensors (FathomGraph *self, GPtrArray *out)
{
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);

      add_ref (out, node->y);
      add_ref (out, node->grad);
      for (guint k = 0; node->edge_dx != NULL && k < node->n_inputs; k++)
        add_ref (out, node->edge_dx[k]);
    }
  for (guint i = 0; i < self->outputs->len; i++)
    add_ref (out, output_at (self, i)->target);
  for (guint i = 0; i < self->params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (self->params, i);

      add_ref (out, gp->param->value);
      add_ref (out, gp->param->grad);
    }
}

GPtrArray *
fathom_graph_get_params (FathomGraph *self)
{
  return self->params;
}

gsize
fathom_graph_count_params (FathomGraph *self, gboolean trainable_only)
{
  gsize n = 0;

  for (guint i = 0; i < self->layers->len; i++)
    {
      FathomLayer *layer = g_ptr_array_index (self->layers, i);
      if (!trainable_only || !layer->frozen)
        n += fathom_layer_count_params (layer);
    }
  return n;
}
