/* fathom-optimizer.c: optimiser state and the update loop; the arithmetic
 * is the backend's sgd_update / adam_update. */
#include "fathom-optimizer.h"

struct _FathomOptimizer
{
  FathomOptimizerKind kind;
  FathomSgdDesc       sgd;
  FathomAdamDesc      adam;
  gint64              step;
  GHashTable         *slots;    /* "PARAM.m" -> FathomTensor (owned) */
  FathomTensor       *rates;    /* owned: step sizes of prepare_step, one per updated parameter */
};

static int
compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static FathomOptimizer *
optimizer_new (FathomOptimizerKind kind)
{
  FathomOptimizer *self = g_new0 (FathomOptimizer, 1);

  self->kind = kind;
  self->slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) fathom_tensor_unref);
  return self;
}

FathomOptimizer *
fathom_optimizer_new_sgd (float lr, float momentum, gboolean nesterov)
{
  FathomOptimizer *self = optimizer_new (FATHOM_OPTIMIZER_SGD);

  self->sgd = (FathomSgdDesc) { .lr = lr, .momentum = momentum, .nesterov = nesterov };
  return self;
}

FathomOptimizer *
fathom_optimizer_new_adam (float lr)
{
  FathomOptimizer *self = optimizer_new (FATHOM_OPTIMIZER_ADAM);

  self->adam = (FathomAdamDesc) { .lr = lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f };
  return self;
}

void
fathom_optimizer_free (FathomOptimizer *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->slots);
  g_clear_pointer (&self->rates, fathom_tensor_unref);
  g_free (self);
}

FathomOptimizerKind
fathom_optimizer_get_kind (FathomOptimizer *self)
{
  return self->kind;
}

float
fathom_optimizer_get_lr (FathomOptimizer *self)
{
  return self->kind == FATHOM_OPTIMIZER_SGD ? self->sgd.lr : self->adam.lr;
}

void
fathom_optimizer_set_lr (FathomOptimizer *self, float lr)
{
  if (self->kind == FATHOM_OPTIMIZER_SGD)
    self->sgd.lr = lr;
  else
    self->adam.lr = lr;
}

gint64
fathom_optimizer_get_step (FathomOptimizer *self)
{
  return self->step;
}

FathomTensor *
fathom_optimizer_get_slot (FathomOptimizer *self, const char *name)
{
  return g_hash_table_lookup (self->slots, name);
}

static FathomTensor *
slot (FathomOptimizer *self, FathomBackend *backend, const char *param, const char *which,
      const FathomTensor *like, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%s.%s", param, which);
  FathomTensor *t = g_hash_table_lookup (self->slots, key);

  if (t == NULL)
    {
      t = fathom_backend_new_tensor_like (backend, like, error);
      if (t == NULL)
        return NULL;
      g_hash_table_insert (self->slots, g_steal_pointer (&key), t);
    }
  return t;
}

static gboolean
updated (FathomGraphParam *gp)
{
  return !gp->param->is_state && !fathom_layer_get_frozen (gp->layer);
}

/* The updates of one step; with @rates, each reads its step size from
 * the next element of it. */
static gboolean
update_all (FathomOptimizer *self, FathomGraph *graph, const FathomTensor *rates, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *params = fathom_graph_get_params (graph);
  gsize k = 0;

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      FathomParam *p = gp->param;
      float scale;

      if (!updated (gp))
        continue;
      scale = fathom_layer_get_lr_scale (gp->layer);
      if (self->kind == FATHOM_OPTIMIZER_SGD)
        {
          FathomSgdDesc sgd = self->sgd;
          FathomTensor *velocity = NULL;

          sgd.lr *= scale;
          sgd.rate = rates;
          sgd.rate_index = k++;
          if (self->sgd.momentum != 0.f &&
              (velocity = slot (self, backend, gp->name, "velocity", p->value, error)) == NULL)
            return FALSE;
          if (!fathom_backend_sgd_update (backend, &sgd, p->value, p->grad, velocity, error))
            return FALSE;
        }
      else
        {
          FathomAdamDesc adam = self->adam;
          FathomTensor *m = slot (self, backend, gp->name, "m", p->value, error);
          FathomTensor *v = m ? slot (self, backend, gp->name, "v", p->value, error) : NULL;

          adam.lr *= scale;
          adam.rate = rates;
          adam.rate_index = k++;
          if (v == NULL || !fathom_backend_adam_update (backend, &adam, p->value, p->grad, m, v, error))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
fathom_optimizer_step (FathomOptimizer *self, FathomGraph *graph, GError **error)
{
  self->step++;
  self->adam.step = self->step;
  return update_all (self, graph, NULL, error);
}

gboolean
fathom_optimizer_prepare_step (FathomOptimizer *self, FathomGraph *graph, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *params = fathom_graph_get_params (graph);
  g_autoptr(GArray) host = g_array_new (FALSE, FALSE, sizeof (float));

  self->step++;
  self->adam.step = self->step;
  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      float scale, rate;

      if (!updated (gp))
        continue;
      /* what update_all's desc would say, computed as the backends do */
      scale = fathom_layer_get_lr_scale (gp->layer);
      if (self->kind == FATHOM_OPTIMIZER_SGD)
        rate = self->sgd.lr * scale;
      else
        {
          FathomAdamDesc adam = self->adam;

          adam.lr *= scale;
          rate = fathom_adam_step_size (&adam);
        }
      g_array_append_val (host, rate);
    }
  if (host->len == 0)
    return TRUE;
  if (self->rates != NULL && fathom_tensor_get_numel (self->rates) != host->len)
    g_clear_pointer (&self->rates, fathom_tensor_unref);
  if (self->rates == NULL)
    {
      gint64 n = host->len;

      if ((self->rates = fathom_backend_new_tensor (backend, 1, &n, error)) == NULL)
        return FALSE;
    }
  return fathom_backend_upload (backend, self->rates, (const float *) host->data, error);
}

gboolean
fathom_optimizer_step_prepared (FathomOptimizer *self, FathomGraph *graph, GError **error)
{
  return update_all (self, graph, self->rates, error);
}

void
fathom_optimizer_collect_tensors (FathomOptimizer *self, GPtrArray *out)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, fathom_tensor_ref (value));
  if (self->rates != NULL)
    g_ptr_array_add (out, fathom_tensor_ref (self->rates));
}

void
fathom_optimizer_set_step (FathomOptimizer *self, gint64 step)
{
  self->step = step;
  self->adam.step = step;
}

GPtrArray *
fathom_optimizer_list_slots (FathomOptimizer *self)
{
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort_with_data (names, (GCompareDataFunc) compare_names, NULL);
  return names;
}

gboolean
fathom_optimizer_set_slot (FathomOptimizer *self, FathomBackend *backend, const char *name,
                           const FathomTensor *values, GError **error)
{
  FathomTensor *t = fathom_backend_new_tensor_like (backend, values, error);

  if (t == NULL || !fathom_backend_upload (backend, t, fathom_tensor_get_const_data (values), error))
    {
      g_clear_pointer (&t, fathom_tensor_unref);
      return FALSE;
    }
  g_hash_table_replace (self->slots, g_strdup (name), t);
  return TRUE;
}

const char *
fathom_optimizer_kind_to_string (FathomOptimizerKind kind)
{
  return kind == FATHOM_OPTIMIZER_SGD ? "sgd" : "adam";
}
