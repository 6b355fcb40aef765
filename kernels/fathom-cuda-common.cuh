/* fathom-cuda-common.cuh: helpers shared by the .cu files (internal). */
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

#include "fathom-kernels.h"

#define FATHOM_CUDA_BLOCK 256

/* Enough blocks to cover n with grid-stride loops; at least one. The cap
 * keeps the grid legal and lets each thread take several elements. */
static inline unsigned int
fathom_cuda_blocks (int64_t n, int threads)
{
  int64_t b = (n + threads - 1) / threads;

  if (b < 1)
    b = 1;
  if (b > (int64_t) 1 << 20)
    b = (int64_t) 1 << 20;
  return (unsigned int) b;
}

/* The largest count a kernel may index in 32 bits: with a grid-stride
 * loop an index goes past the count by up to a grid's threads (at most
 * 2^20 blocks of 256, 2^28) before the loop ends, and must not wrap. */
#define FATHOM_CUDA_INDEX32_MAX ((int64_t) 1 << 30)

/* Grid dimension for one block per item (rows, channels), looped past 2^16. */
static inline unsigned int
fathom_cuda_item_blocks (int64_t items)
{
  return (unsigned int) (items < 1 ? 1 : items > 65535 ? 65535 : items);
}

/* What the launch left behind, and cleared, so the caller can go on. */
static inline int
fathom_cuda_status (void)
{
  return (int) cudaGetLastError ();
}

#define FATHOM_CUDA_FOR(i, n)                                                   \
  for (int64_t i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x; i < (n);    \
       i += (int64_t) blockDim.x * gridDim.x)

/* Items (rows, channels) one block each, for grids smaller than the count. */
#define FATHOM_CUDA_FOR_BLOCK(i, n) \
  for (int64_t i = blockIdx.x; i < (n); i += gridDim.x)

template <typename T>
static __device__ __forceinline__ T
fathom_warp_sum (T v)
{
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_down_sync (0xffffffffu, v, o);
  return v;
}

static __device__ __forceinline__ float
fathom_warp_max (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf (v, __shfl_down_sync (0xffffffffu, v, o));
  return v;
}

/* Sum over the block, returned to every thread. blockDim.x must be a
 * multiple of 32 and every thread must call it. The order of the sums is
 * fixed, so results repeat run to run. */
template <typename T>
static __device__ __forceinline__ T
fathom_block_sum (T v)
{
  __shared__ T part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int warps = (blockDim.x + 31) >> 5;

  v = fathom_warp_sum (v);
  __syncthreads ();             /* part may still be read from a previous call */
  if (lane == 0)
    part[warp] = v;
  __syncthreads ();
  if (warp == 0)
    {
      v = lane < warps ? part[lane] : (T) 0;
      v = fathom_warp_sum (v);
      if (lane == 0)
        part[0] = v;
    }
  __syncthreads ();
  return part[0];
}

static __device__ __forceinline__ float
fathom_block_max (float v)
{
  __shared__ float part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int warps = (blockDim.x + 31) >> 5;

  v = fathom_warp_max (v);
  __syncthreads ();
  if (lane == 0)
    part[warp] = v;
  __syncthreads ();
  if (warp == 0)
    {
      v = lane < warps ? part[lane] : -INFINITY;
      v = fathom_warp_max (v);
      if (lane == 0)
        part[0] = v;
    }
  __syncthreads ();
  return part[0];
}

/* As the CPU's: never exponentiates a large positive number. */
static __device__ __forceinline__ float
fathom_sigmoid (float v)
{
  if (v >= 0.f)
    return 1.f / (1.f + expf (-v));
  float e = expf (v);
  return e / (1.f + e);
}

static __device__ __forceinline__ float
fathom_act_apply (int act, float z)
{
  switch (act)
    {
    /* as the CPU: a NaN passes, so the trainer sees it */
    case FATHOM_CUDA_ACT_RELU: return z < 0.f ? 0.f : z;
    case FATHOM_CUDA_ACT_SIGMOID: return fathom_sigmoid (z);
    case FATHOM_CUDA_ACT_TANH: return tanhf (z);
    default: return z;
    }
}

/* d act / dz in terms of the output y = act(z). */
static __device__ __forceinline__ float
fathom_act_grad (int act, float y)
{
  switch (act)
    {
    case FATHOM_CUDA_ACT_RELU: return y > 0.f ? 1.f : 0.f;
    case FATHOM_CUDA_ACT_SIGMOID: return y * (1.f - y);
    case FATHOM_CUDA_ACT_TANH: return 1.f - y * y;
    default: return 1.f;
    }
}
