/* fathom-cuda-softmax.cu: softmax over the last axis, softmax
 * cross-entropy and mean squared error.
 *
 * One block per row for the row-wise ops; the losses reduce to one
 * device double in two fixed-order stages (per-block partials, then one
 * block), so a loss repeats bit for bit from run to run. The arithmetic
 * follows fathom-cpu-elementwise.c and fathom-cpu-loss.c, in double where
 * they use double.
 */
#include "fathom-cuda-common.cuh"

#define ROW_BLOCK 128

static __global__ void
softmax_forward_kernel (const float *x, float *y, int64_t rows, int64_t len)
{
  FATHOM_CUDA_FOR_BLOCK (r, rows)
    {
      const float *xr = x + r * len;
      float *yr = y + r * len;
      float mx = -INFINITY;
      double sum = 0.0;

      /* Subtracting the row maximum keeps exp() from overflowing. */
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x)
        mx = fmaxf (mx, xr[j]);
      mx = fathom_block_max (mx);
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x)
        {
          float e = expf (xr[j] - mx);
          yr[j] = e;
          sum += e;
        }
      sum = fathom_block_sum (sum);
      /* Each thread rescales the entries it wrote itself. */
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x)
        yr[j] = (float) (yr[j] / sum);
    }
}

static __global__ void
softmax_backward_kernel (const float *y, const float *dy, float *dx, int64_t rows, int64_t len)
{
  FATHOM_CUDA_FOR_BLOCK (r, rows)
    {
      const float *yr = y + r * len, *dyr = dy + r * len;
      float *dxr = dx + r * len;
      double dot = 0.0;

      /* dx = y * (dy - sum(dy * y)) */
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x)
        dot += (double) dyr[j] * yr[j];
      dot = fathom_block_sum (dot);
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x)
        dxr[j] = (float) (yr[j] * (dyr[j] - dot));
    }
}

/* ---- reductions to one double --------------------------------------------- */

static unsigned int
partial_blocks (int64_t n)
{
  int64_t b = (n + FATHOM_CUDA_BLOCK - 1) / FATHOM_CUDA_BLOCK;

  return (unsigned int) (b < 1 ? 1 : b > FATHOM_CUDA_REDUCE_PARTIALS ? FATHOM_CUDA_REDUCE_PARTIALS : b);
}

static __global__ void
sum_doubles_kernel (const double *in, int64_t n, double *out)
{
  double acc = 0.0;

  FATHOM_CUDA_FOR (i, n)
    acc += in[i];
  acc = fathom_block_sum (acc);
  if (threadIdx.x == 0)
    out[blockIdx.x] = acc;
}

static __global__ void
squared_error_kernel (const float *pred, const float *target, int64_t n, double *partial)
{
  double acc = 0.0;

  FATHOM_CUDA_FOR (i, n)
    {
      double d = (double) pred[i] - target[i];
      acc += d * d;
    }
  acc = fathom_block_sum (acc);
  if (threadIdx.x == 0)
    partial[blockIdx.x] = acc;
}

/* partial[0..blocks) -> *total, in one block. */
static int
finish_sum (const double *partial, unsigned int blocks, double *total, cudaStream_t stream)
{
  sum_doubles_kernel<<<1, FATHOM_CUDA_BLOCK, 0, stream>>> (partial, blocks, total);
  return fathom_cuda_status ();
}

/* ---- softmax cross-entropy ----------------------------------------------------- */

static __global__ void
cross_entropy_forward_kernel (double clip, const float *logits, const float *target, float *probs,
                              double *row_loss, int64_t rows, int64_t k)
{
  FATHOM_CUDA_FOR_BLOCK (m, rows)
    {
      const float *zr = logits + m * k, *tr = target + m * k;
      float mxf = -INFINITY;
      double mx, sum = 0.0, log_sum, loss = 0.0;

      for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
        mxf = fmaxf (mxf, zr[j]);
      mx = fathom_block_max (mxf);
      for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
        sum += exp (zr[j] - mx);
      log_sum = log (fathom_block_sum (sum));
      for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
        {
          double log_p = zr[j] - mx - log_sum;

          if (probs != NULL)
            probs[m * k + j] = (float) exp (log_p);
          /* 0 * log p is 0 even where p underflows. */
          if (tr[j] == 0.f)
            continue;
          /* Keras clips the probability itself; unclipped, log-softmax
           * stays finite where exp(log_p) would underflow. */
          if (clip > 0.0)
            {
              /* GLib's CLAMP, as the CPU: a NaN stays NaN (fmax would
               * turn it into the clip and hide a diverging run) */
              double prob = exp (log_p);

              log_p = log (prob > 1.0 - clip ? 1.0 - clip : (prob < clip ? clip : prob));
            }
          loss -= tr[j] * log_p;
        }
      loss = fathom_block_sum (loss);
      if (threadIdx.x == 0)
        row_loss[m] = loss;
    }
}

static __global__ void
cross_entropy_backward_kernel (double clip, double factor, const float *probs, const float *target,
                               float *dlogits, int64_t rows, int64_t k)
{
  FATHOM_CUDA_FOR_BLOCK (m, rows)
    {
      const float *pr = probs + m * k, *tr = target + m * k;
      float *dr = dlogits + m * k;
      double acc = 0.0;

      if (clip > 0.0)
        {
          /* dL/dp = -t/p inside [clip, 1-clip], 0 where the clip holds p
           * constant; then through the softmax Jacobian. */
          for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
            if (pr[j] >= clip && pr[j] <= 1.0 - clip)
              acc += -(double) tr[j];
          acc = fathom_block_sum (acc);
          for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
            {
              double g = pr[j] >= clip && pr[j] <= 1.0 - clip ? -(double) tr[j] / pr[j] : 0.0;
              dr[j] = (float) (factor * pr[j] * (g - acc));
            }
        }
      else
        {
          /* The fused gradient; the targets need not sum to one. */
          for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
            acc += tr[j];
          acc = fathom_block_sum (acc);
          for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
            dr[j] = (float) (factor * (pr[j] * acc - tr[j]));
        }
    }
}

static __global__ void
mse_backward_kernel (double factor, const float *pred, const float *target, float *dpred, int64_t n)
{
  FATHOM_CUDA_FOR (i, n)
    dpred[i] = (float) (factor * ((double) pred[i] - target[i]));
}

/* ---- launchers ------------------------------------------------------------------- */

extern "C" int
fathom_cuda_softmax_forward (const float *x, float *y, int64_t rows, int64_t len, cudaStream_t stream)
{
  if (rows <= 0 || len <= 0)
    return 0;
  softmax_forward_kernel<<<fathom_cuda_item_blocks (rows), ROW_BLOCK, 0, stream>>> (x, y, rows, len);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_softmax_backward (const float *y, const float *dy, float *dx, int64_t rows, int64_t len,
                              cudaStream_t stream)
{
  if (rows <= 0 || len <= 0)
    return 0;
  softmax_backward_kernel<<<fathom_cuda_item_blocks (rows), ROW_BLOCK, 0, stream>>> (y, dy, dx, rows, len);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_softmax_cross_entropy_forward (float clip, const float *logits, const float *target,
                                           float *probs, double *row_loss, double *partial,
                                           double *total, int64_t rows, int64_t k, cudaStream_t stream)
{
  unsigned int blocks = partial_blocks (rows);
  int status;

  /* no rows (the backend refuses them first): a total of 0, never the
   * last loss's */
  if (rows <= 0 || k <= 0)
    return (int) cudaMemsetAsync (total, 0, sizeof (double), stream);
  cross_entropy_forward_kernel<<<fathom_cuda_item_blocks (rows), ROW_BLOCK, 0, stream>>>
    (clip, logits, target, probs, row_loss, rows, k);
  if ((status = fathom_cuda_status ()) != 0)
    return status;
  sum_doubles_kernel<<<blocks, FATHOM_CUDA_BLOCK, 0, stream>>> (row_loss, rows, partial);
  if ((status = fathom_cuda_status ()) != 0)
    return status;
  return finish_sum (partial, blocks, total, stream);
}

extern "C" int
fathom_cuda_softmax_cross_entropy_backward (float clip, double factor, const float *probs,
                                            const float *target, float *dlogits,
                                            int64_t rows, int64_t k, cudaStream_t stream)
{
  if (rows <= 0 || k <= 0)
    return 0;
  cross_entropy_backward_kernel<<<fathom_cuda_item_blocks (rows), ROW_BLOCK, 0, stream>>>
    (clip, factor, probs, target, dlogits, rows, k);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_mse_forward (const float *pred, const float *target, int64_t n, double *partial,
                         double *total, cudaStream_t stream)
{
  unsigned int blocks = partial_blocks (n);
  int status;

  if (n <= 0)
    return (int) cudaMemsetAsync (total, 0, sizeof (double), stream);
  squared_error_kernel<<<blocks, FATHOM_CUDA_BLOCK, 0, stream>>> (pred, target, n, partial);
  if ((status = fathom_cuda_status ()) != 0)
    return status;
  return finish_sum (partial, blocks, total, stream);
}

extern "C" int
fathom_cuda_mse_backward (double factor, const float *pred, const float *target, float *dpred,
                          int64_t n, cudaStream_t stream)
{
  if (n <= 0)
    return 0;
  mse_backward_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (factor, pred, target, dpred, n);
  return fathom_cuda_status ();
}
