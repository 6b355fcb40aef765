/* fathom-cpu-loss.c: softmax cross-entropy and mean squared error.
 *
 * One code path for REFERENCE and FAST: these are a single pass over memory,
 * far cheaper than the layers that feed them, and sums are taken in double in
 * a fixed order so that both paths report the same loss.
 */
#include "fathom-cpu-backend-private.h"

#include <math.h>

static gboolean
need_target (const FathomTensor *target, const char *op, GError **error)
{
  if (target != NULL)
    return TRUE;
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE, "%s: no target", op);
  return FALSE;
}

static gboolean
cpu_softmax_cross_entropy_forward (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                   const FathomTensor *logits, const FathomTensor *target,
                                   FathomTensor *probs, float *loss, GError **error)
{
  const gint64 K = logits->shape[logits->ndim - 1];
  const gint64 M = (gint64) logits->numel / K;
  const double clip = desc->clip;
  const float *z, *tg;
  float *p;
  double total = 0.0;

  if (!need_target (target, "softmax_cross_entropy", error))
    return FALSE;
  z = fathom_tensor_raw (logits);
  tg = fathom_tensor_raw (target);
  p = probs != NULL ? fathom_tensor_raw (probs) : NULL;

  for (gint64 m = 0; m < M; m++)
    {
      const float *zr = z + m * K, *tr = tg + m * K;
      double max = zr[0], sum = 0.0, log_sum;

      for (gint64 k = 1; k < K; k++)
        max = MAX (max, (double) zr[k]);
      for (gint64 k = 0; k < K; k++)
        sum += exp (zr[k] - max);
      log_sum = log (sum);
      for (gint64 k = 0; k < K; k++)
        {
          double log_p = zr[k] - max - log_sum;

          if (p != NULL)
            p[m * K + k] = (float) exp (log_p);
          /* 0 * log p is 0 even where p underflows. */
          if (tr[k] == 0.f)
            continue;
          /* Keras clips the probability itself; unclipped, log-softmax
           * stays finite where exp(log_p) would underflow. */
          if (clip > 0.0)
            log_p = log (CLAMP (exp (log_p), clip, 1.0 - clip));
          total -= tr[k] * log_p;
        }
    }
  if (loss != NULL)
    *loss = (float) (total / M);
  return TRUE;
}

static gboolean
cpu_softmax_cross_entropy_backward (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                    const FathomTensor *probs, const FathomTensor *target,
                                    float scale, FathomTensor *dlogits, GError **error)
{
  const gint64 K = probs->shape[probs->ndim - 1];
  const gint64 M = (gint64) probs->numel / K;
  const double clip = desc->clip, factor = (double) scale / M;
  const float *p, *tg;
  float *dz;

  if (!need_target (target, "softmax_cross_entropy", error))
    return FALSE;
  if (dlogits == NULL)
    return TRUE;
  p = fathom_tensor_raw (probs);
  tg = fathom_tensor_raw (target);
  dz = fathom_tensor_raw (dlogits);

  for (gint64 m = 0; m < M; m++)
    {
      const float *pr = p + m * K, *tr = tg + m * K;
      float *dr = dz + m * K;

      if (clip > 0.0)
        {
          /* dL/dp = -t/p inside [clip, 1-clip], 0 where the clip holds p
           * constant; then through the softmax Jacobian. */
          double dot = 0.0;

          for (gint64 k = 0; k < K; k++)
            if (pr[k] >= clip && pr[k] <= 1.0 - clip)
              dot += -(double) tr[k];         /* g_k * p_k */
          for (gint64 k = 0; k < K; k++)
            {
              double g = pr[k] >= clip && pr[k] <= 1.0 - clip ? -(double) tr[k] / pr[k] : 0.0;

              dr[k] = (float) (factor * pr[k] * (g - dot));
            }
        }
      else
        {
          /* The fused gradient; the targets need not sum to one. */
          double t_sum = 0.0;

          for (gint64 k = 0; k < K; k++)
            t_sum += tr[k];
          for (gint64 k = 0; k < K; k++)
            dr[k] = (float) (factor * (pr[k] * t_sum - tr[k]));
        }
    }
  return TRUE;
}

static gboolean
cpu_mse_forward (FathomBackend *self, const FathomTensor *pred, const FathomTensor *target,
                 float *loss, GError **error)
{
  const float *p, *tg;
  double total = 0.0;

  if (!need_target (target, "mse", error))
    return FALSE;
  p = fathom_tensor_raw (pred);
  tg = fathom_tensor_raw (target);
  for (gsize i = 0; i < pred->numel; i++)
    {
      double d = (double) p[i] - tg[i];
      total += d * d;
    }
  if (loss != NULL)
    *loss = (float) (total / pred->numel);
  return TRUE;
}

static gboolean
cpu_mse_backward (FathomBackend *self, const FathomTensor *pred, const FathomTensor *target,
                  float scale, FathomTensor *dpred, GError **error)
{
  const float *p, *tg;
  float *d;
  double factor;

  if (!need_target (target, "mse", error))
    return FALSE;
  if (dpred == NULL)
    return TRUE;
  p = fathom_tensor_raw (pred);
  tg = fathom_tensor_raw (target);
  d = fathom_tensor_raw (dpred);
  factor = 2.0 * scale / (double) pred->numel;
  for (gsize i = 0; i < pred->numel; i++)
    d[i] = (float) (factor * ((double) p[i] - tg[i]));
  return TRUE;
}

void
fathom_cpu_loss_install (FathomBackendOps *ops)
{
  ops->softmax_cross_entropy_forward = cpu_softmax_cross_entropy_forward;
  ops->softmax_cross_entropy_backward = cpu_softmax_cross_entropy_backward;
  ops->mse_forward = cpu_mse_forward;
  ops->mse_backward = cpu_mse_backward;
}
