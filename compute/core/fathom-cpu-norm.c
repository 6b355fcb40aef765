/* fathom-cpu-norm.c: batch normalisation over axis 1 of [N,C] or [N,C,H,W].
 *
 * Channels are independent, so one implementation serves both paths: the
 * REFERENCE path walks the channels in order, the FAST path hands ranges of
 * channels to the thread pool. Each channel is computed the same way either
 * way, so results do not depend on the thread count. Sums are in double.
 */
#include "fathom-cpu-backend-private.h"

#include <math.h>

/* x viewed as [N, C, S] with S = H*W (1 for [N,C]). */
typedef struct {
  const FathomBatchNormDesc *desc;
  gint64 n, c, s;
  const float *x, *gamma, *beta, *dy;
  float *y, *running_mean, *running_var, *save_mean, *save_invstd;
  const float *mean_in, *invstd_in;     /* backward: the saved statistics */
  float *dx, *dgamma, *dbeta;
} BatchNormArgs;

static void
bn_geometry (const FathomTensor *x, gint64 *n, gint64 *c, gint64 *s)
{
  *n = x->shape[0];
  *c = x->shape[1];
  *s = x->ndim == 4 ? x->shape[2] * x->shape[3] : 1;
}

static void
bn_forward_channels (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const BatchNormArgs *a = data;
  const gint64 count = a->n * a->s;

  for (gint64 ch = begin; ch < end; ch++)
    {
      double mean, invstd, scale, shift;

      if (a->desc->training)
        {
          double sum = 0.0, sq = 0.0, var;

          for (gint64 i = 0; i < a->n; i++)
            {
              const float *xc = a->x + (i * a->c + ch) * a->s;

              for (gint64 k = 0; k < a->s; k++)
                sum += xc[k];
            }
          mean = count > 0 ? sum / count : 0.0;
          /* Two passes: a one-pass E[x^2] - E[x]^2 cancels badly. */
          for (gint64 i = 0; i < a->n; i++)
            {
              const float *xc = a->x + (i * a->c + ch) * a->s;

              for (gint64 k = 0; k < a->s; k++)
                {
                  double dev = xc[k] - mean;
                  sq += dev * dev;
                }
            }
          var = count > 0 ? sq / count : 0.0;
          invstd = 1.0 / sqrt (var + a->desc->eps);

          {
            double mom = a->desc->momentum;
            double run_var = var;

            if (a->desc->unbiased_running_var && count > 1)
              run_var = var * count / (count - 1);
            a->running_mean[ch] = (float) (mom * a->running_mean[ch] + (1.0 - mom) * mean);
            a->running_var[ch] = (float) (mom * a->running_var[ch] + (1.0 - mom) * run_var);
          }
        }
      else
        {
          mean = a->running_mean[ch];
          invstd = 1.0 / sqrt ((double) a->running_var[ch] + a->desc->eps);
        }
      a->save_mean[ch] = (float) mean;
      a->save_invstd[ch] = (float) invstd;

      /* y = gamma * (x - mean) * invstd + beta = x * scale + shift */
      scale = a->gamma[ch] * invstd;
      shift = a->beta[ch] - mean * scale;
      for (gint64 i = 0; i < a->n; i++)
        {
          const float *xc = a->x + (i * a->c + ch) * a->s;
          float *yc = a->y + (i * a->c + ch) * a->s;

          for (gint64 k = 0; k < a->s; k++)
            yc[k] = (float) (xc[k] * scale + shift);
        }
    }
}

static void
bn_backward_channels (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const BatchNormArgs *a = data;
  const gint64 count = a->n * a->s;

  for (gint64 ch = begin; ch < end; ch++)
    {
      const double mean = a->mean_in[ch], invstd = a->invstd_in[ch];
      double sum_dy = 0.0, sum_dy_xhat = 0.0;

      for (gint64 i = 0; i < a->n; i++)
        {
          const float *xc = a->x + (i * a->c + ch) * a->s;
          const float *dyc = a->dy + (i * a->c + ch) * a->s;

          for (gint64 k = 0; k < a->s; k++)
            {
              sum_dy += dyc[k];
              sum_dy_xhat += dyc[k] * ((xc[k] - mean) * invstd);
            }
        }
      if (a->dgamma != NULL)
        a->dgamma[ch] = (float) sum_dy_xhat;
      if (a->dbeta != NULL)
        a->dbeta[ch] = (float) sum_dy;
      if (a->dx == NULL)
        continue;

      if (a->desc->training)
        {
          /* The batch statistics depend on x too:
           * dx = gamma*invstd/n * (n*dy - sum(dy) - xhat*sum(dy*xhat)). */
          const double k0 = a->gamma[ch] * invstd;
          const double mean_dy = sum_dy / count, mean_dy_xhat = sum_dy_xhat / count;

          for (gint64 i = 0; i < a->n; i++)
            {
              const float *xc = a->x + (i * a->c + ch) * a->s;
              const float *dyc = a->dy + (i * a->c + ch) * a->s;
              float *dxc = a->dx + (i * a->c + ch) * a->s;

              for (gint64 k = 0; k < a->s; k++)
                {
                  double xhat = (xc[k] - mean) * invstd;
                  dxc[k] = (float) (k0 * (dyc[k] - mean_dy - xhat * mean_dy_xhat));
                }
            }
        }
      else
        {
          /* Fixed running statistics: the op is affine in x. */
          const double k0 = a->gamma[ch] * invstd;

          for (gint64 i = 0; i < a->n; i++)
            {
              const float *dyc = a->dy + (i * a->c + ch) * a->s;
              float *dxc = a->dx + (i * a->c + ch) * a->s;

              for (gint64 k = 0; k < a->s; k++)
                dxc[k] = (float) (k0 * dyc[k]);
            }
        }
    }
}

static void
bn_run (FathomCpuBackend *self, FathomCpuRangeFunc func, BatchNormArgs *args)
{
  /* Small tensors are not worth waking the pool for. */
  if (self->path == FATHOM_CPU_PATH_REFERENCE || args->n * args->c * args->s < 16384)
    func (0, args->c, 0, args);
  else
    fathom_cpu_parallel_for (self, args->c, func, args);
}

static gboolean
cpu_batch_norm_forward (FathomBackend *backend, const FathomBatchNormDesc *desc,
                        const FathomTensor *x, const FathomTensor *gamma, const FathomTensor *beta,
                        FathomTensor *running_mean, FathomTensor *running_var, FathomTensor *y,
                        FathomTensor *save_mean, FathomTensor *save_invstd, GError **error)
{
  BatchNormArgs args = { 0 };

  args.desc = desc;
  bn_geometry (x, &args.n, &args.c, &args.s);
  args.x = fathom_tensor_raw (x);
  args.gamma = fathom_tensor_raw (gamma);
  args.beta = fathom_tensor_raw (beta);
  args.running_mean = fathom_tensor_raw (running_mean);
  args.running_var = fathom_tensor_raw (running_var);
  args.y = fathom_tensor_raw (y);
  args.save_mean = fathom_tensor_raw (save_mean);
  args.save_invstd = fathom_tensor_raw (save_invstd);
  bn_run (FATHOM_CPU (backend), bn_forward_channels, &args);
  return TRUE;
}

static gboolean
cpu_batch_norm_backward (FathomBackend *backend, const FathomBatchNormDesc *desc,
                         const FathomTensor *x, const FathomTensor *gamma,
                         const FathomTensor *save_mean, const FathomTensor *save_invstd,
                         const FathomTensor *dy, FathomTensor *dx, FathomTensor *dgamma,
                         FathomTensor *dbeta, GError **error)
{
  BatchNormArgs args = { 0 };

  args.desc = desc;
  bn_geometry (x, &args.n, &args.c, &args.s);
  args.x = fathom_tensor_raw (x);
  args.gamma = fathom_tensor_raw (gamma);
  args.mean_in = fathom_tensor_raw (save_mean);
  args.invstd_in = fathom_tensor_raw (save_invstd);
  args.dy = fathom_tensor_raw (dy);
  args.dx = dx != NULL ? fathom_tensor_raw (dx) : NULL;
  args.dgamma = dgamma != NULL ? fathom_tensor_raw (dgamma) : NULL;
  args.dbeta = dbeta != NULL ? fathom_tensor_raw (dbeta) : NULL;
  bn_run (FATHOM_CPU (backend), bn_backward_channels, &args);
  return TRUE;
}

void
fathom_cpu_norm_install (FathomBackendOps *ops)
{
  ops->batch_norm_forward = cpu_batch_norm_forward;
  ops->batch_norm_backward = cpu_batch_norm_backward;
}
