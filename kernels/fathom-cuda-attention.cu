/* fathom-cuda-attention.cu: attention pooling, y[n,k] = sum_p w[n,p] v[n,k,p]
 * (fathom-kernels.h). */
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
