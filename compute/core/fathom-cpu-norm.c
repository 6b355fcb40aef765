/* fathom-cpu-norm.c: batch normalisation over axis 1 of [N,C] or [N,C,H,W].
 *
 * Channels are independent: the REFERENCE path walks them in order, one
 * element at a time with every sum in double; the FAST path hands ranges
 * of channels to the thread pool, and sums each plane in SSE vectors of
 * floats (eight lanes; a plane of 22x40 puts 110 numbers in a lane) before
 * adding the planes in double, and normalises in float. Each channel is
 * computed the same way whatever the split, so results do not depend on
 * the thread count.
 */
#include "fathom-cpu-backend-private.h"
#include "fathom-cpu-vector-private.h"

#include <math.h>
#include <string.h>

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

/* Channel ch's statistics, saved for backward: while training the
 * batch's mean and (biased) variance over count values, towards which the
 * running averages move; otherwise the running averages (mean is
 * replaced, var unused). Returns 1/sqrt(var + eps). */
static double
settle_channel (const BatchNormArgs *a, gint64 ch, gint64 count, double *mean, double var)
{
  double invstd;

  if (a->desc->training)
    {
      double mom = a->desc->momentum;
      double run_var = var;

      invstd = 1.0 / sqrt (var + a->desc->eps);
      if (a->desc->unbiased_running_var && count > 1)
        run_var = var * count / (count - 1);
      a->running_mean[ch] = (float) (mom * a->running_mean[ch] + (1.0 - mom) * *mean);
      a->running_var[ch] = (float) (mom * a->running_var[ch] + (1.0 - mom) * run_var);
    }
  else
    {
      *mean = a->running_mean[ch];
      invstd = 1.0 / sqrt ((double) a->running_var[ch] + a->desc->eps);
    }
  a->save_mean[ch] = (float) *mean;
  a->save_invstd[ch] = (float) invstd;
  return invstd;
}

static void
bn_forward_channels (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const BatchNormArgs *a = data;
  const gint64 count = a->n * a->s;

  for (gint64 ch = begin; ch < end; ch++)
    {
      double mean = 0.0, var = 0.0, invstd, scale, shift;

      if (a->desc->training)
        {
          double sum = 0.0, sq = 0.0;

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
        }
      invstd = settle_channel (a, ch, count, &mean, var);

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

/* ---- fast: planes in vectors ------------------------------------------------ */

/* sum of (x[k] - centre)^2 over a plane of n */
static double
plane_sum_sq (const float *x, gint64 n, float centre)
{
  v4sf a = { 0 }, b = { 0 };
  gint64 k = 0;
  float tail = 0.f;

  for (; k + 8 <= n; k += 8)
    {
      v4sf d0 = load4 (x + k) - centre, d1 = load4 (x + k + 4) - centre;

      a += d0 * d0;
      b += d1 * d1;
    }
  for (; k < n; k++)
    tail += (x[k] - centre) * (x[k] - centre);
  return (double) lanes_sum (a, b) + tail;
}

/* sum of dy[k] * (x[k] - centre) over a plane of n */
static double
plane_dot (const float *dy, const float *x, gint64 n, float centre)
{
  v4sf a = { 0 }, b = { 0 };
  gint64 k = 0;
  float tail = 0.f;

  for (; k + 8 <= n; k += 8)
    {
      a += load4 (dy + k) * (load4 (x + k) - centre);
      b += load4 (dy + k + 4) * (load4 (x + k + 4) - centre);
    }
  for (; k < n; k++)
    tail += dy[k] * (x[k] - centre);
  return (double) lanes_sum (a, b) + tail;
}

/* out[k] = a * u[k] + b * (v[k] - centre) + c over a plane of n; u may
 * be NULL (a is then 0). */
static void
plane_affine (const float *u, const float *v, gint64 n, float a, float b, float centre,
              float c, float *out)
{
  gint64 k = 0;

  for (; k + 4 <= n; k += 4)
    {
      v4sf r = b * (load4 (v + k) - centre) + c;

      if (u != NULL)
        r += a * load4 (u + k);
      store4 (out + k, r);
    }
  for (; k < n; k++)
    out[k] = (u != NULL ? a * u[k] : 0.f) + b * (v[k] - centre) + c;
}

static void
bn_forward_channels_fast (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const BatchNormArgs *a = data;
  const gint64 count = a->n * a->s;

  for (gint64 ch = begin; ch < end; ch++)
    {
      double mean = 0.0, var = 0.0, invstd, scale;

      if (a->desc->training)
        {
          double sum = 0.0, sq = 0.0;

          for (gint64 i = 0; i < a->n; i++)
            sum += plane_sum (a->x + (i * a->c + ch) * a->s, a->s, 0.f);
          mean = count > 0 ? sum / count : 0.0;
          /* Two passes: a one-pass E[x^2] - E[x]^2 cancels badly. The
           * float mean leaves a bias e in every deviation: take it out,
           * var = E[(x - m)^2] - e^2. */
          for (gint64 i = 0; i < a->n; i++)
            sq += plane_sum_sq (a->x + (i * a->c + ch) * a->s, a->s, (float) mean);
          var = count > 0 ? sq / count : 0.0;
          {
            double e = mean - (double) (float) mean;

            var = MAX (var - e * e, 0.0);
          }
        }
      invstd = settle_channel (a, ch, count, &mean, var);

      /* y = gamma * invstd * (x - mean) + beta, centred on the float mean
       * so that a large mean does not cancel */
      scale = a->gamma[ch] * invstd;
      for (gint64 i = 0; i < a->n; i++)
        plane_affine (NULL, a->x + (i * a->c + ch) * a->s, a->s, 0.f, (float) scale,
                      (float) mean, (float) (a->beta[ch] - (mean - (double) (float) mean) * scale),
                      a->y + (i * a->c + ch) * a->s);
    }
}

static void
bn_backward_channels_fast (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const BatchNormArgs *a = data;
  const gint64 count = a->n * a->s;

  for (gint64 ch = begin; ch < end; ch++)
    {
      const double invstd = a->invstd_in[ch];
      const float mean_f = a->mean_in[ch];
      double sum_dy = 0.0, sum_dy_xc = 0.0, sum_dy_xhat;

      for (gint64 i = 0; i < a->n; i++)
        {
          const float *xc = a->x + (i * a->c + ch) * a->s;
          const float *dyc = a->dy + (i * a->c + ch) * a->s;

          sum_dy += plane_sum (dyc, a->s, 0.f);
          sum_dy_xc += plane_dot (dyc, xc, a->s, mean_f);
        }
      sum_dy_xhat = sum_dy_xc * invstd;
      if (a->dgamma != NULL)
        a->dgamma[ch] = (float) sum_dy_xhat;
      if (a->dbeta != NULL)
        a->dbeta[ch] = (float) sum_dy;
      if (a->dx == NULL)
        continue;

      for (gint64 i = 0; i < a->n; i++)
        {
          const float *xc = a->x + (i * a->c + ch) * a->s;
          const float *dyc = a->dy + (i * a->c + ch) * a->s;
          float *dxc = a->dx + (i * a->c + ch) * a->s;
          const double k0 = a->gamma[ch] * invstd;

          /* training: dx = k0 * (dy - mean(dy) - xhat * mean(dy * xhat));
           * fixed statistics: dx = k0 * dy */
          if (a->desc->training)
            plane_affine (dyc, xc, a->s, (float) k0,
                          (float) (-k0 * invstd * sum_dy_xhat / count), mean_f,
                          (float) (-k0 * sum_dy / count), dxc);
          else
            plane_affine (NULL, dyc, a->s, 0.f, (float) k0, 0.f, 0.f, dxc);
        }
    }
}

static void
bn_run (FathomCpuBackend *self, FathomCpuRangeFunc func, FathomCpuRangeFunc fast,
        BatchNormArgs *args)
{
  /* Small tensors are not worth waking the pool for. */
  if (self->path == FATHOM_CPU_PATH_REFERENCE)
    func (0, args->c, 0, args);
  else if (args->n * args->c * args->s < 16384)
    fast (0, args->c, 0, args);
  else
    fathom_cpu_parallel_for (self, args->c, fast, args);
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
  bn_run (FATHOM_CPU (backend), bn_forward_channels, bn_forward_channels_fast, &args);
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
  bn_run (FATHOM_CPU (backend), bn_backward_channels, bn_backward_channels_fast, &args);
  return TRUE;
}

/* ---- through a convolution (fathom_backend_batch_norm_conv_grad) ------------- */

/* Channel by channel, the sums in double; the same on both paths (a few
 * C * K * taps products, next to the convolutions that make g and s). */
static gboolean
cpu_batch_norm_conv_grad (FathomBackend *backend, const FathomTensor *g, const FathomTensor *s,
                          const FathomTensor *w, const FathomTensor *gamma, const FathomTensor *beta,
                          const FathomTensor *save_mean, const FathomTensor *save_invstd,
                          FathomTensor *dw, FathomTensor *dgamma, FathomTensor *dbeta, GError **error)
{
  const gint64 k = w->shape[0], c = w->shape[1], taps = w->shape[2] * w->shape[3];
  const float *gv = fathom_tensor_raw (g), *sv = fathom_tensor_raw (s), *wv = fathom_tensor_raw (w);
  const float *mean = fathom_tensor_raw (save_mean), *invstd = fathom_tensor_raw (save_invstd);
  const float *gam = fathom_tensor_raw (gamma), *bet = fathom_tensor_raw (beta);
  float *dwv = dw != NULL ? fathom_tensor_raw (dw) : NULL;

  for (gint64 ch = 0; ch < c; ch++)
    {
      double a = (double) gam[ch] * invstd[ch], b = bet[ch] - a * mean[ch];
      double sum_g = 0.0, sum_s = 0.0;

      for (gint64 o = 0; o < k; o++)
        for (gint64 t = 0; t < taps; t++)
          {
            gsize at = ((gsize) o * c + ch) * taps + t;
            double gs = gv[at], ss = sv[o * taps + t];

            if (dwv != NULL)
              dwv[at] = (float) (a * gs + b * ss);
            sum_g += wv[at] * (gs - mean[ch] * ss);
            sum_s += wv[at] * ss;
          }
      if (dgamma != NULL)
        fathom_tensor_raw (dgamma)[ch] = (float) (invstd[ch] * sum_g);
      if (dbeta != NULL)
        fathom_tensor_raw (dbeta)[ch] = (float) sum_s;
    }
  return TRUE;
}

void
fathom_cpu_norm_install (FathomBackendOps *ops)
{
  ops->batch_norm_forward = cpu_batch_norm_forward;
  ops->batch_norm_backward = cpu_batch_norm_backward;
  ops->batch_norm_conv_grad = cpu_batch_norm_conv_grad;
}
