/* fathom-cuda-conv.cu: the lowering for our own convolution path.
 *
 * The backend turns a convolution into matrix products (cuBLAS):
 * col[s] = im2col(x[s]) is [C*kh*kw, OH*OW], y[s] = W col[s], and
 * backwards dW = sum_s dy[s] col[s]^T and dx[s] = col2im(W^T dy[s]).
 * Here are the lowering, its adjoint and the bias helpers, which dense
 * and recurrent layers share ([n, c, s] with s = 1).
 */
#include "fathom-cuda-common.cuh"

/* One thread per col entry; consecutive threads write consecutive output
 * pixels of one (channel, tap) row, so stores coalesce. */
static __global__ void
im2col_kernel (FathomCudaConvGeom g, const float *__restrict__ x, int64_t samples,
               float *__restrict__ col)
{
  const int64_t ohw = g.oh * g.ow, taps = (int64_t) g.kh * g.kw;
  const int64_t per_sample = g.c * taps * ohw;

  FATHOM_CUDA_FOR (idx, samples * per_sample)
    {
      int64_t s = idx / per_sample, rest = idx - s * per_sample;
      int64_t row = rest / ohw, pq = rest - row * ohw;
      int64_t c = row / taps, tap = row - c * taps;
      int i = (int) (tap / g.kw), j = (int) (tap % g.kw);
      int64_t p = pq / g.ow, q = pq - p * g.ow;
      int64_t ih = p * g.sh - g.pad_top + i, iw = q * g.sw - g.pad_left + j;

      col[idx] = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w
                 ? x[((s * g.c + c) * g.h + ih) * g.w + iw] : 0.f;
    }
}

/* One thread per input cell, summing the col entries that read it: the
 * taps (i, j) whose output (p, q) lands on the stride grid and inside. */
static __global__ void
col2im_kernel (FathomCudaConvGeom g, const float *__restrict__ col, int64_t samples,
               float *__restrict__ dx)
{
  const int64_t ohw = g.oh * g.ow, taps = (int64_t) g.kh * g.kw;
  const int64_t plane = g.h * g.w, per_sample = g.c * plane;

  FATHOM_CUDA_FOR (idx, samples * per_sample)
    {
      int64_t s = idx / per_sample, rest = idx - s * per_sample;
      int64_t c = rest / plane, cell = rest - c * plane;
      int64_t hh = cell / g.w, v = cell - hh * g.w;
      const float *cs = col + (s * g.c + c) * taps * ohw;
      float acc = 0.f;

      for (int i = 0; i < g.kh; i++)
        {
          int64_t ph = hh + g.pad_top - i, p;

          if (ph < 0 || ph % g.sh != 0 || (p = ph / g.sh) >= g.oh)
            continue;
          for (int j = 0; j < g.kw; j++)
            {
              int64_t pw = v + g.pad_left - j, q;

              if (pw < 0 || pw % g.sw != 0 || (q = pw / g.sw) >= g.ow)
                continue;
              acc += cs[((int64_t) i * g.kw + j) * ohw + p * g.ow + q];
            }
        }
      dx[idx] = acc;
    }
}

static __global__ void
bias_forward_kernel (float *y, const float *__restrict__ bias, int64_t n, int64_t c, int64_t s)
{
  FATHOM_CUDA_FOR (i, n * c * s)
    y[i] += bias[(i / s) % c];
}

/* One block per channel; sums in double in a fixed order (per-thread
 * strided partials, then the block tree), like the CPU's double sums. */
static __global__ void
bias_backward_kernel (const float *__restrict__ dy, float *__restrict__ dbias,
                      int64_t n, int64_t c, int64_t s)
{
  const int64_t count = n * s;

  FATHOM_CUDA_FOR_BLOCK (ch, c)
    {
      double acc = 0.0;

      for (int64_t k = threadIdx.x; k < count; k += blockDim.x)
        {
          int64_t i = k / s, kk = k - i * s;
          acc += dy[(i * c + ch) * s + kk];
        }
      acc = fathom_block_sum (acc);
      if (threadIdx.x == 0)
        dbias[ch] = (float) acc;
    }
}

extern "C" int
fathom_cuda_im2col_forward (const FathomCudaConvGeom *g, const float *x, int64_t samples,
                            float *col, cudaStream_t stream)
{
  int64_t total = samples * g->c * g->kh * g->kw * g->oh * g->ow;

  if (total <= 0)
    return 0;
  im2col_kernel<<<fathom_cuda_blocks (total, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (*g, x, samples, col);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_col2im_backward (const FathomCudaConvGeom *g, const float *col, int64_t samples,
                             float *dx, cudaStream_t stream)
{
  int64_t total = samples * g->c * g->h * g->w;

  if (total <= 0)
    return 0;
  col2im_kernel<<<fathom_cuda_blocks (total, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (*g, col, samples, dx);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_bias_forward (float *y, const float *bias, int64_t n, int64_t c, int64_t s,
                          cudaStream_t stream)
{
  if (n * c * s <= 0)
    return 0;
  bias_forward_kernel<<<fathom_cuda_blocks (n * c * s, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (y, bias, n, c, s);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_bias_backward (const float *dy, float *dbias, int64_t n, int64_t c, int64_t s,
                           cudaStream_t stream)
{
  if (c <= 0)
    return 0;
  bias_backward_kernel<<<fathom_cuda_item_blocks (c), FATHOM_CUDA_BLOCK, 0, stream>>> (dy, dbias, n, c, s);
  return fathom_cuda_status ();
}
