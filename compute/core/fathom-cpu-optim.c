/* fathom-cpu-optim.c: SGD (with momentum and Nesterov) and Adam, in place.
 *
 * Both follow Keras 2, whose numbers the lesson reports. One code path for
 * REFERENCE and FAST: an update is one pass over the parameters.
 */
#include "fathom-cpu-backend-private.h"

#include <math.h>

static gboolean
need_grad (const FathomTensor *grad, const char *op, GError **error)
{
  if (grad != NULL)
    return TRUE;
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE, "%s: no gradient", op);
  return FALSE;
}

static gboolean
cpu_sgd_update (FathomBackend *self, const FathomSgdDesc *desc, FathomTensor *param,
                const FathomTensor *grad, FathomTensor *velocity, GError **error)
{
  const float lr = desc->rate != NULL ? fathom_tensor_raw (desc->rate)[desc->rate_index] : desc->lr;
  const float mu = desc->momentum;
  const float *g;
  float *p, *v;

  if (!need_grad (grad, "sgd", error))
    return FALSE;
  p = fathom_tensor_raw (param);
  g = fathom_tensor_raw (grad);

  if (velocity == NULL)
    {
      /* momentum is 0 (the dispatcher checked): plain SGD */
      for (gsize i = 0; i < param->numel; i++)
        p[i] -= lr * g[i];
      return TRUE;
    }

  v = fathom_tensor_raw (velocity);
  for (gsize i = 0; i < param->numel; i++)
    {
      v[i] = mu * v[i] - lr * g[i];
      /* Nesterov steps from the look-ahead point (Keras form). */
      p[i] += desc->nesterov ? mu * v[i] - lr * g[i] : v[i];
    }
  return TRUE;
}

static gboolean
cpu_adam_update (FathomBackend *self, const FathomAdamDesc *desc, FathomTensor *param,
                 const FathomTensor *grad, FathomTensor *m, FathomTensor *v, GError **error)
{
  const float b1 = desc->beta1, b2 = desc->beta2, eps = desc->eps;
  /* Keras folds both bias corrections into the step size and adds eps to
   * sqrt(v) uncorrected. */
  const float lr_t = desc->rate != NULL ? fathom_tensor_raw (desc->rate)[desc->rate_index]
                                        : fathom_adam_step_size (desc);
  const float *g;
  float *p, *ms, *vs;

  if (!need_grad (grad, "adam", error))
    return FALSE;
  p = fathom_tensor_raw (param);
  g = fathom_tensor_raw (grad);
  ms = fathom_tensor_raw (m);
  vs = fathom_tensor_raw (v);
  for (gsize i = 0; i < param->numel; i++)
    {
      ms[i] = b1 * ms[i] + (1.f - b1) * g[i];
      vs[i] = b2 * vs[i] + (1.f - b2) * g[i] * g[i];
      p[i] -= lr_t * ms[i] / (sqrtf (vs[i]) + eps);
    }
  return TRUE;
}

void
fathom_cpu_optim_install (FathomBackendOps *ops)
{
  ops->sgd_update = cpu_sgd_update;
  ops->adam_update = cpu_adam_update;
}
