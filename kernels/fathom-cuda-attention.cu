/* fathom-cuda-attention.cu: attention pooling, y[n,k] = sum_p w[n,p] v[n,k,p],
 * and the window around a map's peak (fathom-kernels.h). */
#include "fathom-cuda-common.cuh"

/* One block per (sample, map): the threads stride over the cells and the
 * block sums their products in double, as the CPU does. */
static __global__ void
attention_forward_kernel (const float *w, const float *v, float *y, int64_t n, int64_t k, int64_t p)
{
  __shared__ double partial[FATHOM_CUDA_BLOCK / 32];

  FATHOM_CUDA_FOR_BLOCK (row, n * k)
    {
      const float *wn = w + (row / k) * p, *vr = v + row * p;
      double acc = 0.0;

      for (int64_t i = threadIdx.x; i < p; i += blockDim.x)
        acc += (double) wn[i] * vr[i];
      acc = fathom_warp_sum (acc);
      if ((threadIdx.x & 31) == 0)
        partial[threadIdx.x >> 5] = acc;
      __syncthreads ();
      if (threadIdx.x < 32)
        {
          acc = threadIdx.x < (blockDim.x >> 5) ? partial[threadIdx.x] : 0.0;
          acc = fathom_warp_sum (acc);
          if (threadIdx.x == 0)
            y[row] = (float) acc;
        }
      __syncthreads ();         /* partial is reused by the next row */
    }
}

/* One thread per (sample, cell): dw sums over the k maps. */
static __global__ void
attention_backward_weights_kernel (const float *v, const float *dy, float *dw, int64_t n, int64_t k, int64_t p)
{
  FATHOM_CUDA_FOR (i, n * p)
    {
      int64_t s = i / p, c = i - s * p;
      double acc = 0.0;

      for (int64_t j = 0; j < k; j++)
        acc += (double) dy[s * k + j] * v[(s * k + j) * p + c];
      dw[i] = (float) acc;
    }
}

/* One thread per (sample, map, cell). */
static __global__ void
attention_backward_values_kernel (const float *w, const float *dy, float *dv, int64_t n, int64_t k, int64_t p)
{
  FATHOM_CUDA_FOR (i, n * k * p)
    {
      int64_t row = i / p, c = i - row * p;

      dv[i] = dy[row] * w[(row / k) * p + c];
    }
}

extern "C" int
fathom_cuda_attention_pool_forward (const float *w, const float *v, float *y, int64_t n, int64_t k,
                                    int64_t p, cudaStream_t stream)
{
  if (n <= 0 || k <= 0 || p <= 0)
    return 0;
  attention_forward_kernel<<<fathom_cuda_item_blocks (n * k), FATHOM_CUDA_BLOCK, 0, stream>>> (w, v, y, n, k, p);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_attention_pool_backward (const float *w, const float *v, const float *dy, float *dw, float *dv,
                                     int64_t n, int64_t k, int64_t p, cudaStream_t stream)
{
  if (n <= 0 || k <= 0 || p <= 0)
    return 0;
  if (dw != NULL)
    {
      attention_backward_weights_kernel<<<fathom_cuda_blocks (n * p, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0,
                                          stream>>> (v, dy, dw, n, k, p);
      int status = fathom_cuda_status ();
      if (status != 0)
        return status;
    }
  if (dv != NULL)
    {
      attention_backward_values_kernel<<<fathom_cuda_blocks (n * k * p, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0,
                                         stream>>> (w, dy, dv, n, k, p);
      return fathom_cuda_status ();
    }
  return 0;
}

/* The larger of two (value, index) candidates; on a tie the lower index,
 * and a NaN never wins (it compares false), as in the CPU's scan. */
static __device__ __forceinline__ void
peak_pick (float *v, int64_t *i, float ov, int64_t oi)
{
  if (ov > *v || (ov == *v && oi < *i))
    {
      *v = ov;
      *i = oi;
    }
}

/* One block per sample: the block finds the first largest cell, sums the
 * cells of the window around it in double and writes the scaled window. */
static __global__ void
peak_window_kernel (const float *x, float *y, int64_t n, int64_t h, int64_t w, int radius)
{
  __shared__ float part_v[FATHOM_CUDA_BLOCK / 32];
  __shared__ int64_t part_i[FATHOM_CUDA_BLOCK / 32];
  __shared__ int64_t peak;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  const int64_t p = h * w;

  FATHOM_CUDA_FOR_BLOCK (s, n)
    {
      const float *xs = x + s * p;
      float *ys = y + s * p;
      float top = -INFINITY;
      int64_t best = 0;
      int64_t r0, c0;
      double sum = 0.0;
      float scale;

      for (int64_t i = threadIdx.x; i < p; i += blockDim.x)
        peak_pick (&top, &best, xs[i], i);
      for (int o = 16; o > 0; o >>= 1)
        {
          float ov = __shfl_down_sync (0xffffffffu, top, o);
          int64_t oi = __shfl_down_sync (0xffffffffu, best, o);

          peak_pick (&top, &best, ov, oi);
        }
      if (lane == 0)
        {
          part_v[warp] = top;
          part_i[warp] = best;
        }
      __syncthreads ();
      if (threadIdx.x == 0)
        {
          top = part_v[0];
          best = part_i[0];
          for (int k = 1; k < warps; k++)
            peak_pick (&top, &best, part_v[k], part_i[k]);
          peak = best;
        }
      __syncthreads ();
      r0 = peak / w;
      c0 = peak - r0 * w;
      for (int64_t i = threadIdx.x; i < p; i += blockDim.x)
        {
          int64_t r = i / w, c = i - r * w;

          if (llabs (r - r0) <= radius && llabs (c - c0) <= radius)
            sum += xs[i];
        }
      sum = fathom_block_sum (sum);
      scale = sum != 0.0 ? (float) (1.0 / sum) : 1.f;
      for (int64_t i = threadIdx.x; i < p; i += blockDim.x)
        {
          int64_t r = i / w, c = i - r * w;

          ys[i] = llabs (r - r0) <= radius && llabs (c - c0) <= radius ? xs[i] * scale : 0.f;
        }
      __syncthreads ();         /* part_v, part_i and peak are reused by the next sample */
    }
}

extern "C" int
fathom_cuda_peak_window_forward (const float *x, float *y, int64_t n, int64_t h, int64_t w, int radius,
                                 cudaStream_t stream)
{
  if (n <= 0 || h <= 0 || w <= 0)
    return 0;
  peak_window_kernel<<<fathom_cuda_item_blocks (n), FATHOM_CUDA_BLOCK, 0, stream>>> (x, y, n, h, w, radius);
  return fathom_cuda_status ();
}
