/* fathom-cuda-norm.cu: batch normalisation over axis 1 of x [n, c, s].
 *
 * One block per channel: it reduces the channel (in double, two passes
 * for the variance, as fathom-cpu-norm.c) and then writes the channel's
 * outputs, so no scratch and no second launch are needed. That leaves the
 * GPU underused when c is small and n*s large (a few dozen channels of a
 * big feature map); a split reduction is the next step if it shows in a
 * profile.
 */
#include "fathom-cuda-common.cuh"

#define NORM_BLOCK 512

/* Element k of channel ch, for k in [0, n*s). */
static __device__ __forceinline__ int64_t
channel_index (int64_t k, int64_t ch, int64_t c, int64_t s)
{
  int64_t i = k / s;
  return (i * c + ch) * s + (k - i * s);
}

static __global__ void
bn_forward_kernel (int training, float eps, float momentum, int unbiased,
                   const float *__restrict__ x, const float *__restrict__ gamma,
                   const float *__restrict__ beta, float *running_mean, float *running_var,
                   float *__restrict__ y, float *save_mean, float *save_invstd,
                   int64_t n, int64_t c, int64_t s)
{
  const int64_t count = n * s;

  FATHOM_CUDA_FOR_BLOCK (ch, c)
    {
      double mean, invstd, scale, shift;

      if (training)
        {
          double sum = 0.0, sq = 0.0, var;

          for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
            sum += x[channel_index (k, ch, c, s)];
          sum = fathom_block_sum (sum);
          mean = count > 0 ? sum / count : 0.0;
          /* Two passes: a one-pass E[x^2] - E[x]^2 cancels badly. */
          for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
            {
              double dev = x[channel_index (k, ch, c, s)] - mean;
              sq += dev * dev;
            }
          sq = fathom_block_sum (sq);
          var = count > 0 ? sq / count : 0.0;
          invstd = 1.0 / sqrt (var + eps);
          if (threadIdx.x == 0)
            {
              double mom = momentum, run_var = var;

              if (unbiased && count > 1)
                run_var = var * count / (count - 1);
              running_mean[ch] = (float) (mom * running_mean[ch] + (1.0 - mom) * mean);
              running_var[ch] = (float) (mom * running_var[ch] + (1.0 - mom) * run_var);
            }
        }
      else
        {
          mean = running_mean[ch];
          invstd = 1.0 / sqrt ((double) running_var[ch] + eps);
        }
      if (threadIdx.x == 0)
        {
          save_mean[ch] = (float) mean;
          save_invstd[ch] = (float) invstd;
        }

      /* y = gamma * (x - mean) * invstd + beta = x * scale + shift */
      scale = gamma[ch] * invstd;
      shift = beta[ch] - mean * scale;
      for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
        {
          int64_t at = channel_index (k, ch, c, s);
          y[at] = (float) (x[at] * scale + shift);
        }
      /* The next channel's first reduction reuses the shared scratch. */
      __syncthreads ();
    }
}

static __global__ void
bn_backward_kernel (int training, const float *__restrict__ x, const float *__restrict__ gamma,
                    const float *__restrict__ save_mean, const float *__restrict__ save_invstd,
                    const float *__restrict__ dy, float *__restrict__ dx,
                    float *dgamma, float *dbeta, int64_t n, int64_t c, int64_t s)
{
  const int64_t count = n * s;

  FATHOM_CUDA_FOR_BLOCK (ch, c)
    {
      const double mean = save_mean[ch], invstd = save_invstd[ch];
      const double k0 = gamma[ch] * invstd;
      double sum_dy = 0.0, sum_dy_xhat = 0.0;

      for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
        {
          int64_t at = channel_index (k, ch, c, s);

          sum_dy += dy[at];
          sum_dy_xhat += dy[at] * ((x[at] - mean) * invstd);
        }
      sum_dy = fathom_block_sum (sum_dy);
      sum_dy_xhat = fathom_block_sum (sum_dy_xhat);
      if (threadIdx.x == 0)
        {
          if (dgamma != NULL)
            dgamma[ch] = (float) sum_dy_xhat;
          if (dbeta != NULL)
            dbeta[ch] = (float) sum_dy;
        }
      if (dx != NULL)
        {
          if (training)
            {
              /* The batch statistics depend on x too:
               * dx = gamma*invstd * (dy - mean(dy) - xhat*mean(dy*xhat)). */
              const double mean_dy = sum_dy / count, mean_dy_xhat = sum_dy_xhat / count;

              for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
                {
                  int64_t at = channel_index (k, ch, c, s);
                  double xhat = (x[at] - mean) * invstd;

                  dx[at] = (float) (k0 * (dy[at] - mean_dy - xhat * mean_dy_xhat));
                }
            }
          else
            /* Fixed running statistics: the op is affine in x. */
            for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
              {
                int64_t at = channel_index (k, ch, c, s);
                dx[at] = (float) (k0 * dy[at]);
              }
        }
      __syncthreads ();
    }
}

/* Inference: each channel's mean and 1/std from the running statistics,
 * one thread a channel, as bn_forward_kernel computes them. */
static __global__ void
bn_inference_stats_kernel (float eps, const float *__restrict__ running_mean,
                           const float *__restrict__ running_var, float *save_mean, float *save_invstd,
                           int64_t c)
{
  FATHOM_CUDA_FOR (ch, c)
    {
      save_mean[ch] = running_mean[ch];
      save_invstd[ch] = (float) (1.0 / sqrt ((double) running_var[ch] + eps));
    }
}

/* Inference: y = x * scale + shift over every element at once, so that
 * the whole GPU works on it (one block a channel left most of it idle:
 * 64 channels are 64 blocks). The scale and shift are formed in double
 * as bn_forward_kernel forms them, from the mean and 1/std the stats
 * kernel has just written (1/std rounded to float: a relative 6e-8);
 * indices in 32 bits where the tensor allows, as 64-bit division costs
 * more than the memory traffic. */
template <typename I>
static __global__ void
bn_inference_apply_kernel (const float *__restrict__ x, const float *__restrict__ gamma,
                           const float *__restrict__ beta, const float *__restrict__ mean,
                           const float *__restrict__ invstd, float *__restrict__ y, I total, I c, I s)
{
  for (I i = (I) blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (I) blockDim.x * gridDim.x)
    {
      I ch = i / s % c;
      double scale = (double) gamma[ch] * invstd[ch];
      double shift = beta[ch] - mean[ch] * scale;

      y[i] = (float) (x[i] * scale + shift);
    }
}

extern "C" int
fathom_cuda_batch_norm_forward (int training, float eps, float momentum, int unbiased_running_var,
                                const float *x, const float *gamma, const float *beta,
                                float *running_mean, float *running_var, float *y,
                                float *save_mean, float *save_invstd,
                                int64_t n, int64_t c, int64_t s, cudaStream_t stream)
{
  int64_t total = n * c * s;

  if (c <= 0)
    return 0;
  if (!training)
    {
      bn_inference_stats_kernel<<<fathom_cuda_blocks (c, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
        (eps, running_mean, running_var, save_mean, save_invstd, c);
      if (total <= 0)
        return fathom_cuda_status ();
      if (total <= FATHOM_CUDA_INDEX32_MAX)
        bn_inference_apply_kernel<int32_t><<<fathom_cuda_blocks (total, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK,
                                             0, stream>>>
          (x, gamma, beta, save_mean, save_invstd, y, (int32_t) total, (int32_t) c, (int32_t) s);
      else
        bn_inference_apply_kernel<int64_t><<<fathom_cuda_blocks (total, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK,
                                             0, stream>>>
          (x, gamma, beta, save_mean, save_invstd, y, total, c, s);
      return fathom_cuda_status ();
    }
  bn_forward_kernel<<<fathom_cuda_item_blocks (c), NORM_BLOCK, 0, stream>>>
    (training, eps, momentum, unbiased_running_var, x, gamma, beta, running_mean, running_var,
     y, save_mean, save_invstd, n, c, s);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_batch_norm_backward (int training, const float *x, const float *gamma,
                                 const float *save_mean, const float *save_invstd,
                                 const float *dy, float *dx, float *dgamma, float *dbeta,
                                 int64_t n, int64_t c, int64_t s, cudaStream_t stream)
{
  if (c <= 0)
    return 0;
  bn_backward_kernel<<<fathom_cuda_item_blocks (c), NORM_BLOCK, 0, stream>>>
    (training, x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta, n, c, s);
  return fathom_cuda_status ();
}

/* Through a convolution: one block a channel, its K x taps filter cells
 * over the threads, the two sums in double (as fathom-cpu-norm.c). */
static __global__ void
bn_conv_grad_kernel (const float *__restrict__ g, const float *__restrict__ s, const float *__restrict__ w,
                     const float *__restrict__ gamma, const float *__restrict__ beta,
                     const float *__restrict__ mean, const float *__restrict__ invstd,
                     float *dw, float *dgamma, float *dbeta, int64_t k, int64_t c, int64_t taps)
{
  const int64_t count = k * taps;

  FATHOM_CUDA_FOR_BLOCK (ch, c)
    {
      double a = (double) gamma[ch] * invstd[ch], b = beta[ch] - a * mean[ch];
      double sum_g = 0.0, sum_s = 0.0;

      for (int64_t i = threadIdx.x; i < count; i += blockDim.x)
        {
          int64_t o = i / taps, t = i - o * taps;
          int64_t at = (o * c + ch) * taps + t;
          double gs = g[at], ss = s[o * taps + t];

          if (dw != NULL)
            dw[at] = (float) (a * gs + b * ss);
          sum_g += w[at] * (gs - mean[ch] * ss);
          sum_s += w[at] * ss;
        }
      sum_g = fathom_block_sum (sum_g);
      sum_s = fathom_block_sum (sum_s);
      if (threadIdx.x == 0)
        {
          if (dgamma != NULL)
            dgamma[ch] = (float) (invstd[ch] * sum_g);
          if (dbeta != NULL)
            dbeta[ch] = (float) sum_s;
        }
    }
}

extern "C" int
fathom_cuda_batch_norm_conv_grad (const float *g, const float *s, const float *w,
                                  const float *gamma, const float *beta,
                                  const float *save_mean, const float *save_invstd,
                                  float *dw, float *dgamma, float *dbeta,
                                  int64_t k, int64_t c, int64_t taps, cudaStream_t stream)
{
  if (c <= 0)
    return 0;
  bn_conv_grad_kernel<<<fathom_cuda_item_blocks (c), NORM_BLOCK, 0, stream>>>
    (g, s, w, gamma, beta, save_mean, save_invstd, dw, dgamma, dbeta, k, c, taps);
  return fathom_cuda_status ();
}
