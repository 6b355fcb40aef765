/* fathom-layer.c: what every layer shares: naming, parameters, init. */
#include "fathom-layer.h"

#include <math.h>

gsize
fathom_shape_get_numel (const FathomShape *shape)
{
  gsize n = 1;

  for (guint i = 0; i < shape->ndim; i++)
    n *= (gsize) shape->d[i];
  return n;
}

char *
fathom_shape_to_string (const FathomShape *shape)
{
  GString *s = g_string_new ("(None");

  for (guint i = 0; i < shape->ndim; i++)
    g_string_append_printf (s, ", %" G_GINT64_FORMAT, shape->d[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static void
param_free (gpointer data)
{
  FathomParam *p = data;

  g_free (p->name);
  fathom_tensor_unref (p->value);
  if (p->grad != NULL)
    fathom_tensor_unref (p->grad);
  g_free (p);
}

FathomLayer *
fathom_layer_alloc (const FathomLayerClass *klass, gsize instance_size)
{
  FathomLayer *self;

  g_return_val_if_fail (instance_size >= sizeof (FathomLayer), NULL);
  self = g_malloc0 (instance_size);
  self->klass = klass;
  self->lr_scale = 1.f;
  self->params = g_ptr_array_new_with_free_func (param_free);
  return self;
}

void
fathom_layer_free (FathomLayer *self)
{
  if (self == NULL)
    return;
  if (self->klass->finalize != NULL)
    self->klass->finalize (self);
  g_ptr_array_unref (self->params);
  g_free (self->name);
  g_free (self);
}

const char *
fathom_layer_get_name (FathomLayer *self)
{
  return self->name;
}

void
fathom_layer_set_name (FathomLayer *self, const char *name)
{
  g_free (self->name);
  self->name = g_strdup (name);
}

const char *
fathom_layer_get_type_name (FathomLayer *self)
{
  return self->klass->type_name;
}

void
fathom_layer_set_frozen (FathomLayer *self, gboolean frozen)
{
  self->frozen = frozen;
}

gboolean
fathom_layer_get_frozen (FathomLayer *self)
{
  return self->frozen;
}

void
fathom_layer_set_lr_scale (FathomLayer *self, float scale)
{
  g_return_if_fail (scale > 0.f && isfinite (scale));
  self->lr_scale = scale;
}

float
fathom_layer_get_lr_scale (FathomLayer *self)
{
  return self->lr_scale;
}

gsize
fathom_layer_count_params (FathomLayer *self)
{
  gsize n = 0;

  for (guint i = 0; i < self->params->len; i++)
    {
      FathomParam *p = g_ptr_array_index (self->params, i);
      if (!p->is_state)
        n += fathom_tensor_get_numel (p->value);
    }
  return n;
}

FathomParam *
fathom_layer_find_param (FathomLayer *self, const char *name)
{
  for (guint i = 0; i < self->params->len; i++)
    {
      FathomParam *p = g_ptr_array_index (self->params, i);
      if (g_strcmp0 (p->name, name) == 0)
        return p;
    }
  return NULL;
}

FathomParam *
fathom_layer_add_param (FathomLayer        *self,
                        FathomBackend      *backend,
                        const char         *name,
                        const FathomTensor *init,
                        guint               ndim,
                        const gint64       *shape,
                        gboolean            is_state,
                        GError            **error)
{
  g_autoptr(FathomTensor) value = fathom_backend_new_tensor (backend, ndim, shape, error);
  g_autoptr(FathomTensor) grad = NULL;
  FathomParam *p;

  if (value == NULL)
    return NULL;
  if (init != NULL &&
      !fathom_backend_upload (backend, value, fathom_tensor_get_const_data (init), error))
    return NULL;
  if (!is_state && (grad = fathom_backend_new_tensor (backend, ndim, shape, error)) == NULL)
    return NULL;

  p = g_new0 (FathomParam, 1);
  p->name = g_strdup (name);
  p->value = g_steal_pointer (&value);
  p->grad = g_steal_pointer (&grad);
  p->is_state = is_state;
  g_ptr_array_add (self->params, p);
  return p;
}

FathomTensor *
fathom_layer_glorot_uniform (FathomRng *rng, guint ndim, const gint64 *shape,
                             gint64 fan_in, gint64 fan_out)
{
  FathomTensor *t = fathom_tensor_new (ndim, shape);
  float limit = (float) sqrt (6.0 / (double) MAX (fan_in + fan_out, 1));

  fathom_rng_fill_uniform (rng, t, -limit, limit);
  return t;
}

gboolean
fathom_layer_ensure_tensor (FathomBackend *backend, FathomTensor **t,
                            guint ndim, const gint64 *shape, GError **error)
{
  if (*t != NULL && fathom_tensor_has_shape (*t, ndim, shape))
    return TRUE;
  g_clear_pointer (t, fathom_tensor_unref);
  *t = fathom_backend_new_tensor (backend, ndim, shape, error);
  return *t != NULL;
}

FathomTensor *
fathom_layer_grad (FathomLayer *self, guint index)
{
  FathomParam *p;

  if (self->frozen || index >= self->params->len)
    return NULL;
  p = g_ptr_array_index (self->params, index);
  return p->grad;
}

gboolean
fathom_layer_ensure_like (FathomBackend *backend, FathomTensor **t,
                          const FathomTensor *like, GError **error)
{
  return fathom_layer_ensure_tensor (backend, t, fathom_tensor_get_ndim (like),
                                     fathom_tensor_get_shape (like), error);
}

FathomTensor *
fathom_layer_value (FathomLayer *self, guint index)
{
  if (index >= self->params->len)
    return NULL;
  return ((FathomParam *) g_ptr_array_index (self->params, index))->value;
}

void
fathom_layer_fill_recurrent (FathomTensor *t, gint64 row, gint64 h,
                             FathomRecurrentInit init, FathomRng *rng)
{
  float *m = fathom_tensor_get_data (t) + row * h;

  switch (init)
    {
    case FATHOM_RECURRENT_INIT_IDENTITY:
      for (gint64 i = 0; i < h; i++)
        for (gint64 j = 0; j < h; j++)
          m[i * h + j] = i == j ? 1.f : 0.f;
      break;

    case FATHOM_RECURRENT_INIT_ORTHOGONAL:
      {
        /* Gram-Schmidt on Gaussian rows, in double (twice, for stability). */
        g_autofree double *q = g_new (double, h * h);

        for (gint64 i = 0; i < h * h; i++)
          q[i] = fathom_rng_normal (rng, 0.0, 1.0);
        for (gint64 i = 0; i < h; i++)
          {
            double norm = 0.0;

            for (int pass = 0; pass < 2; pass++)
              for (gint64 k = 0; k < i; k++)
                {
                  double dot = 0.0;
                  for (gint64 j = 0; j < h; j++)
                    dot += q[i * h + j] * q[k * h + j];
                  for (gint64 j = 0; j < h; j++)
                    q[i * h + j] -= dot * q[k * h + j];
                }
            for (gint64 j = 0; j < h; j++)
              norm += q[i * h + j] * q[i * h + j];
            norm = sqrt (norm);
            for (gint64 j = 0; j < h; j++)
              q[i * h + j] /= norm;
          }
        for (gint64 i = 0; i < h * h; i++)
          m[i] = (float) q[i];
      }
      break;

    case FATHOM_RECURRENT_INIT_GLOROT:
    default:
      {
        float limit = (float) sqrt (6.0 / (double) (2 * h));
        for (gint64 i = 0; i < h * h; i++)
          m[i] = (float) (-limit + 2.0 * limit * fathom_rng_uniform (rng));
      }
      break;
    }
}
