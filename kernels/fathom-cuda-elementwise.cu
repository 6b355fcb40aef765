/* fathom-cuda-elementwise.cu: fill, copy, axpy, activations, dropout,
 * n-ary add, row-block copies (concat/split on axis 1) and zero padding.
 *
 * All grid-stride loops over 64-bit indices; each mirrors the loop of the
 * CPU reference in fathom-cpu-basic.c, fathom-cpu-elementwise.c and
 * fathom-cpu-conv.c.
 */
#include "fathom-cuda-common.cuh"

/* ---- fill, copy, scale, axpy --------------------------------------------- */

static __global__ void
fill_kernel (float *x, int64_t n, float value)
{
  FATHOM_CUDA_FOR (i, n)
    x[i] = value;
}

static __global__ void
copy_kernel (float *__restrict__ dst, const float *__restrict__ src, int64_t n)
{
  FATHOM_CUDA_FOR (i, n)
    dst[i] = src[i];
}

static __global__ void
copy_rows_kernel (float *dst, int64_t dst_ld, const float *src, int64_t src_ld,
                  int64_t rows, int64_t cols)
{
  FATHOM_CUDA_FOR (i, rows * cols)
    {
      int64_t r = i / cols, c = i - r * cols;
      dst[r * dst_ld + c] = src[r * src_ld + c];
    }
}

static __global__ void
scale_rows_kernel (float *x, int64_t ld, int64_t rows, int64_t cols, float beta)
{
  FATHOM_CUDA_FOR (i, rows * cols)
    {
      int64_t r = i / cols, c = i - r * cols;
      float *p = x + r * ld + c;
      *p = beta == 0.f ? 0.f : beta * *p;
    }
}

static __global__ void
axpy_kernel (float alpha, const float *__restrict__ x, float *__restrict__ y, int64_t n)
{
  FATHOM_CUDA_FOR (i, n)
    y[i] += alpha * x[i];
}

extern "C" int
fathom_cuda_fill_forward (float *x, int64_t n, float value, cudaStream_t stream)
{
  if (n <= 0)
    return 0;
  fill_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>> (x, n, value);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_copy_forward (float *dst, const float *src, int64_t n, cudaStream_t stream)
{
  if (n <= 0 || dst == src)
    return 0;
  copy_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>> (dst, src, n);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_copy_rows_forward (float *dst, int64_t dst_ld, const float *src, int64_t src_ld,
                               int64_t rows, int64_t cols, cudaStream_t stream)
{
  if (rows <= 0 || cols <= 0)
    return 0;
  copy_rows_kernel<<<fathom_cuda_blocks (rows * cols, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (dst, dst_ld, src, src_ld, rows, cols);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_scale_rows_forward (float *x, int64_t ld, int64_t rows, int64_t cols, float beta,
                                cudaStream_t stream)
{
  if (rows <= 0 || cols <= 0)
    return 0;
  scale_rows_kernel<<<fathom_cuda_blocks (rows * cols, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (x, ld, rows, cols, beta);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_axpy_forward (float alpha, const float *x, float *y, int64_t n, cudaStream_t stream)
{
  if (n <= 0)
    return 0;
  axpy_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>> (alpha, x, y, n);
  return fathom_cuda_status ();
}

/* ---- activations ----------------------------------------------------------- */

/* x and y may be the same buffer: each element is read before written. */
static __global__ void
activation_forward_kernel (int act, const float *x, float *y, int64_t n)
{
  FATHOM_CUDA_FOR (i, n)
    y[i] = fathom_act_apply (act, x[i]);
}

/* Written as the CPU writes them, so the float rounding is the same. */
static __global__ void
activation_backward_kernel (int act, const float *y, const float *dy, float *dx, int64_t n)
{
  FATHOM_CUDA_FOR (i, n)
    {
      float out;

      switch (act)
        {
        case FATHOM_CUDA_ACT_RELU: out = y[i] > 0.f ? dy[i] : 0.f; break;
        case FATHOM_CUDA_ACT_SIGMOID: out = dy[i] * y[i] * (1.f - y[i]); break;
        case FATHOM_CUDA_ACT_TANH: out = dy[i] * (1.f - y[i] * y[i]); break;
        default: out = dy[i]; break;
        }
      dx[i] = out;
    }
}

extern "C" int
fathom_cuda_activation_forward (int act, const float *x, float *y, int64_t n, cudaStream_t stream)
{
  if (n <= 0 || (act == FATHOM_CUDA_ACT_IDENTITY && x == y))
    return 0;
  activation_forward_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (act, x, y, n);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_activation_backward (int act, const float *y, const float *dy, float *dx, int64_t n,
                                 cudaStream_t stream)
{
  if (n <= 0 || (act == FATHOM_CUDA_ACT_IDENTITY && dx == dy))
    return 0;
  activation_backward_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (act, y, dy, dx, n);
  return fathom_cuda_status ();
}

/* ---- dropout ----------------------------------------------------------------- */

/* fathom_dropout_keep() of fathom-ops.c, bit for bit: the SplitMix64
 * finaliser over (seed, index), unsigned 64-bit wrap-around, the top 53
 * bits as a double in [0, 1), compared with the rate widened to double. */
static __device__ __forceinline__ bool
dropout_keep (uint64_t seed, float rate, uint64_t index)
{
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  double u;

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  u = (double) (z >> 11) * (1.0 / 9007199254740992.0);
  return u >= (double) rate;
}

static __global__ void
dropout_kernel (float rate, float scale, uint64_t seed, const float *in, float *out, int64_t n)
{
  FATHOM_CUDA_FOR (i, n)
    out[i] = dropout_keep (seed, rate, (uint64_t) i) ? in[i] * scale : 0.f;
}

static int
dropout_apply (float rate, uint64_t seed, const float *in, float *out, int64_t n, cudaStream_t stream)
{
  if (n <= 0)
    return 0;
  if (rate == 0.f)
    {
      /* As the CPU: no mask at all, a plain copy. */
      if (in != out)
        copy_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>> (out, in, n);
      return fathom_cuda_status ();
    }
  dropout_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (rate, 1.f / (1.f - rate), seed, in, out, n);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_dropout_forward (float rate, uint64_t seed, const float *x, float *y, int64_t n,
                             cudaStream_t stream)
{
  return dropout_apply (rate, seed, x, y, n, stream);
}

extern "C" int
fathom_cuda_dropout_backward (float rate, uint64_t seed, const float *dy, float *dx, int64_t n,
                              cudaStream_t stream)
{
  return dropout_apply (rate, seed, dy, dx, n, stream);
}

/* ---- n-ary add ----------------------------------------------------------------- */

/* The pointers travel by value in the kernel's parameters. */
typedef struct {
  const float *x[FATHOM_CUDA_ADD_MAX_INPUTS];
} AddInputs;

/* The loop over the inputs is unrolled to the maximum with a guard, so
 * every in.x[k] has a constant index and is read from the parameters: a
 * loop with a variable index made each thread copy the whole array into
 * local memory first, which the first GPU run measured at a tenth of the
 * memory bandwidth (ResNet50's 16 adds took 10.7 ms of a 30 ms pass). */
static __global__ void
add_kernel (AddInputs in, unsigned n_inputs, int accumulate, float *y, int64_t n)
{
  FATHOM_CUDA_FOR (i, n)
    {
      /* Summed in a local (in double, as the CPU) before y is written, so
       * y may be one of the inputs. */
      double acc = accumulate ? (double) y[i] : 0.0;

#pragma unroll
      for (unsigned k = 0; k < FATHOM_CUDA_ADD_MAX_INPUTS; k++)
        if (k < n_inputs)
          acc += in.x[k][i];
      y[i] = (float) acc;
    }
}

extern "C" int
fathom_cuda_add_forward (unsigned n_inputs, const float *const *x, int accumulate, float *y,
                         int64_t n, cudaStream_t stream)
{
  AddInputs in = { { 0 } };

  if (n_inputs > FATHOM_CUDA_ADD_MAX_INPUTS)
    return (int) cudaErrorInvalidValue;
  if (n <= 0)
    return 0;
  for (unsigned k = 0; k < n_inputs; k++)
    in.x[k] = x[k];
  add_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (in, n_inputs, accumulate, y, n);
  return fathom_cuda_status ();
}

/* ---- zero padding ---------------------------------------------------------------- */

/* One thread per padded cell: a copy of x inside, zero in the border. */
static __global__ void
zero_pad_forward_kernel (const float *x, float *y, int64_t planes, int64_t h, int64_t w,
                         int top, int left, int64_t ph, int64_t pw)
{
  FATHOM_CUDA_FOR (i, planes * ph * pw)
    {
      int64_t plane = i / (ph * pw), rc = i - plane * ph * pw;
      int64_t r = rc / pw - top, c = rc % pw - left;

      y[i] = r >= 0 && r < h && c >= 0 && c < w ? x[(plane * h + r) * w + c] : 0.f;
    }
}

/* The gradient of padding is the crop of dy back to x's plane. */
static __global__ void
zero_pad_backward_kernel (const float *dy, float *dx, int64_t planes, int64_t h, int64_t w,
                          int top, int left, int64_t ph, int64_t pw)
{
  FATHOM_CUDA_FOR (i, planes * h * w)
    {
      int64_t plane = i / (h * w), rc = i - plane * h * w;
      int64_t r = rc / w, c = rc % w;

      dx[i] = dy[(plane * ph + r + top) * pw + c + left];
    }
}

extern "C" int
fathom_cuda_zero_pad_forward (const float *x, float *y, int64_t planes, int64_t h, int64_t w,
                              int top, int bottom, int left, int right, cudaStream_t stream)
{
  int64_t ph = h + top + bottom, pw = w + left + right;

  if (planes * ph * pw <= 0)
    return 0;
  zero_pad_forward_kernel<<<fathom_cuda_blocks (planes * ph * pw, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK,
                            0, stream>>> (x, y, planes, h, w, top, left, ph, pw);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_zero_pad_backward (const float *dy, float *dx, int64_t planes, int64_t h, int64_t w,
                               int top, int bottom, int left, int right, cudaStream_t stream)
{
  int64_t ph = h + top + bottom, pw = w + left + right;

  if (planes * h * w <= 0)
    return 0;
  zero_pad_backward_kernel<<<fathom_cuda_blocks (planes * h * w, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK,
                             0, stream>>> (dy, dx, planes, h, w, top, left, ph, pw);
  return fathom_cuda_status ();
}
