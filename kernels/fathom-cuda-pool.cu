/* fathom-cuda-pool.cu: max, average and global average pooling.
 *
 * The rules of fathom-cpu-pool.c: a window is clipped to the input
 * (padded cells are never read), max takes the first maximum in row-major
 * order (strictly greater wins), average divides by the cells left.
 * Backward passes gather per input cell over the windows that cover it,
 * in the CPU's (p, q) order, so they need no atomics and add in the same
 * order as the reference.
 */
#include "fathom-cuda-common.cuh"

/* The input cells [r0, r1) x [c0, c1) of window (p, q). */
static __device__ __forceinline__ void
window_clip (const FathomCudaPoolGeom &g, int64_t p, int64_t q,
             int64_t *r0, int64_t *r1, int64_t *c0, int64_t *c1)
{
  int64_t top = p * g.sh - g.pad_top, left = q * g.sw - g.pad_left;

  *r0 = max (top, (int64_t) 0);
  *r1 = min (top + g.kh, g.h);
  *c0 = max (left, (int64_t) 0);
  *c1 = min (left + g.kw, g.w);
}

/* Offset in the plane of the first maximum of window (p, q), or -1. */
static __device__ int64_t
window_argmax (const FathomCudaPoolGeom &g, const float *plane, int64_t p, int64_t q)
{
  int64_t r0, r1, c0, c1, best = -1;
  float best_value = 0.f;

  window_clip (g, p, q, &r0, &r1, &c0, &c1);
  for (int64_t r = r0; r < r1; r++)
    for (int64_t c = c0; c < c1; c++)
      {
        float v = plane[r * g.w + c];

        if (best < 0 || v > best_value)
          {
            best = r * g.w + c;
            best_value = v;
          }
      }
  return best;
}

/* The outputs [*lo, *hi) along one axis whose window covers input cell x. */
static __device__ __forceinline__ void
covering (int64_t x, int pad, int k, int s, int64_t out, int64_t *lo, int64_t *hi)
{
  int64_t first = x + pad - k + 1;      /* o * s >= first */

  *lo = first <= 0 ? 0 : (first + s - 1) / s;
  *hi = min ((x + pad) / s + 1, out);
}

static __global__ void
max_forward_kernel (FathomCudaPoolGeom g, const float *__restrict__ x, float *__restrict__ y)
{
  const int64_t ohw = g.oh * g.ow;

  FATHOM_CUDA_FOR (i, g.planes * ohw)
    {
      int64_t plane = i / ohw, pq = i - plane * ohw;
      const float *xp = x + plane * g.h * g.w;
      int64_t best = window_argmax (g, xp, pq / g.ow, pq % g.ow);

      y[i] = best >= 0 ? xp[best] : 0.f;
    }
}

/* max_forward_kernel with 32-bit indices, for tensors of up to 2^30 cells
 * (every shape of the lesson): 64-bit divisions cost more than the memory
 * traffic there (VGG16's five pools took 3.8 ms of a 39 ms pass on an
 * H200). The same window, the same first maximum. */
static __global__ void
max_forward_kernel32 (FathomCudaPoolGeom g, const float *__restrict__ x, float *__restrict__ y)
{
  const int32_t h = (int32_t) g.h, w = (int32_t) g.w, oh = (int32_t) g.oh, ow = (int32_t) g.ow;
  const int32_t ohw = oh * ow, total = (int32_t) g.planes * ohw;

  for (int32_t i = (int32_t) (blockIdx.x * blockDim.x + threadIdx.x); i < total;
       i += (int32_t) (blockDim.x * gridDim.x))
    {
      int32_t plane = i / ohw, pq = i - plane * ohw, p = pq / ow, q = pq - p * ow;
      int32_t top = p * g.sh - g.pad_top, left = q * g.sw - g.pad_left;
      int32_t r0 = max (top, 0), r1 = min (top + g.kh, h), c0 = max (left, 0), c1 = min (left + g.kw, w);
      const float *xp = x + plane * (h * w);
      float best_value = 0.f;
      int found = 0;

      for (int32_t r = r0; r < r1; r++)
        for (int32_t c = c0; c < c1; c++)
          {
            float v = xp[r * w + c];

            if (!found || v > best_value)
              {
                found = 1;
                best_value = v;
              }
          }
      y[i] = best_value;
    }
}

static __global__ void
max_backward_kernel (FathomCudaPoolGeom g, const float *__restrict__ x,
                     const float *__restrict__ dy, float *__restrict__ dx)
{
  const int64_t hw = g.h * g.w;

  FATHOM_CUDA_FOR (i, g.planes * hw)
    {
      int64_t plane = i / hw, cell = i - plane * hw;
      int64_t r = cell / g.w, c = cell - r * g.w;
      const float *xp = x + plane * hw;
      const float *dyp = dy + plane * g.oh * g.ow;
      int64_t p_lo, p_hi, q_lo, q_hi;
      float acc = 0.f;

      covering (r, g.pad_top, g.kh, g.sh, g.oh, &p_lo, &p_hi);
      covering (c, g.pad_left, g.kw, g.sw, g.ow, &q_lo, &q_hi);
      /* Overlapping windows may pick the same cell: their gradients add. */
      for (int64_t p = p_lo; p < p_hi; p++)
        for (int64_t q = q_lo; q < q_hi; q++)
          if (window_argmax (g, xp, p, q) == cell)
            acc += dyp[p * g.ow + q];
      dx[i] = acc;
    }
}

static __global__ void
avg_forward_kernel (FathomCudaPoolGeom g, const float *__restrict__ x, float *__restrict__ y)
{
  const int64_t ohw = g.oh * g.ow;

  FATHOM_CUDA_FOR (i, g.planes * ohw)
    {
      int64_t plane = i / ohw, pq = i - plane * ohw;
      const float *xp = x + plane * g.h * g.w;
      int64_t r0, r1, c0, c1, count;
      double acc = 0.0;

      window_clip (g, pq / g.ow, pq % g.ow, &r0, &r1, &c0, &c1);
      count = (r1 - r0) * (c1 - c0);
      for (int64_t r = r0; r < r1; r++)
        for (int64_t c = c0; c < c1; c++)
          acc += xp[r * g.w + c];
      y[i] = count > 0 ? (float) (acc / count) : 0.f;
    }
}

static __global__ void
avg_backward_kernel (FathomCudaPoolGeom g, const float *__restrict__ dy, float *__restrict__ dx)
{
  const int64_t hw = g.h * g.w;

  FATHOM_CUDA_FOR (i, g.planes * hw)
    {
      int64_t plane = i / hw, cell = i - plane * hw;
      int64_t r = cell / g.w, c = cell - r * g.w;
      const float *dyp = dy + plane * g.oh * g.ow;
      int64_t p_lo, p_hi, q_lo, q_hi;
      float acc = 0.f;

      covering (r, g.pad_top, g.kh, g.sh, g.oh, &p_lo, &p_hi);
      covering (c, g.pad_left, g.kw, g.sw, g.ow, &q_lo, &q_hi);
      for (int64_t p = p_lo; p < p_hi; p++)
        for (int64_t q = q_lo; q < q_hi; q++)
          {
            int64_t r0, r1, c0, c1;

            window_clip (g, p, q, &r0, &r1, &c0, &c1);
            acc += dyp[p * g.ow + q] / (float) ((r1 - r0) * (c1 - c0));
          }
      dx[i] = acc;
    }
}

/* One block per plane, summed in double. */
static __global__ void
global_forward_kernel (const float *__restrict__ x, float *__restrict__ y, int64_t planes, int64_t size)
{
  FATHOM_CUDA_FOR_BLOCK (plane, planes)
    {
      const float *xp = x + plane * size;
      double acc = 0.0;

      for (int64_t k = threadIdx.x; k < size; k += blockDim.x)
        acc += xp[k];
      acc = fathom_block_sum (acc);
      if (threadIdx.x == 0)
        y[plane] = size > 0 ? (float) (acc / size) : 0.f;
    }
}

static __global__ void
global_backward_kernel (const float *__restrict__ dy, float *__restrict__ dx, int64_t planes, int64_t size)
{
  FATHOM_CUDA_FOR (i, planes * size)
    dx[i] = dy[i / size] / (float) size;
}

static int64_t
pool_outputs (const FathomCudaPoolGeom *g)
{
  return g->planes * g->oh * g->ow;
}

static int64_t
pool_inputs (const FathomCudaPoolGeom *g)
{
  return g->planes * g->h * g->w;
}

extern "C" int
fathom_cuda_max_pool_forward (const FathomCudaPoolGeom *g, const float *x, float *y, cudaStream_t stream)
{
  if (pool_outputs (g) <= 0)
    return 0;
  if (pool_inputs (g) <= FATHOM_CUDA_INDEX32_MAX && pool_outputs (g) <= FATHOM_CUDA_INDEX32_MAX)
    max_forward_kernel32<<<fathom_cuda_blocks (pool_outputs (g), FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0,
                           stream>>> (*g, x, y);
  else
    max_forward_kernel<<<fathom_cuda_blocks (pool_outputs (g), FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0,
                         stream>>> (*g, x, y);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_max_pool_backward (const FathomCudaPoolGeom *g, const float *x, const float *dy, float *dx,
                               cudaStream_t stream)
{
  if (pool_inputs (g) <= 0)
    return 0;
  max_backward_kernel<<<fathom_cuda_blocks (pool_inputs (g), FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (*g, x, dy, dx);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_avg_pool_forward (const FathomCudaPoolGeom *g, const float *x, float *y, cudaStream_t stream)
{
  if (pool_outputs (g) <= 0)
    return 0;
  avg_forward_kernel<<<fathom_cuda_blocks (pool_outputs (g), FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (*g, x, y);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_avg_pool_backward (const FathomCudaPoolGeom *g, const float *dy, float *dx, cudaStream_t stream)
{
  if (pool_inputs (g) <= 0)
    return 0;
  avg_backward_kernel<<<fathom_cuda_blocks (pool_inputs (g), FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (*g, dy, dx);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_global_avg_pool_forward (const float *x, float *y, int64_t planes, int64_t size,
                                     cudaStream_t stream)
{
  if (planes <= 0)
    return 0;
  global_forward_kernel<<<fathom_cuda_item_blocks (planes), FATHOM_CUDA_BLOCK, 0, stream>>> (x, y, planes, size);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_global_avg_pool_backward (const float *dy, float *dx, int64_t planes, int64_t size,
                                      cudaStream_t stream)
{
  if (planes * size <= 0)
    return 0;
  global_backward_kernel<<<fathom_cuda_blocks (planes * size, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (dy, dx, planes, size);
  return fathom_cuda_status ();
}
