/* fathom-cuda-optim.cu: SGD (momentum, Nesterov) and Adam updates in place,
 * in the Keras 2 form of fathom-cpu-optim.c. */
#include "fathom-cuda-common.cuh"

static __global__ void
sgd_plain_kernel (float lr_arg, const float *__restrict__ rate, float *__restrict__ p,
                  const float *__restrict__ g, int64_t n)
{
  const float lr = rate != NULL ? *rate : lr_arg;

  FATHOM_CUDA_FOR (i, n)
    p[i] -= lr * g[i];
}

static __global__ void
sgd_momentum_kernel (float lr_arg, const float *__restrict__ rate, float mu, int nesterov,
                     float *__restrict__ p, const float *__restrict__ g, float *__restrict__ v, int64_t n)
{
  const float lr = rate != NULL ? *rate : lr_arg;

  FATHOM_CUDA_FOR (i, n)
    {
      float vi = mu * v[i] - lr * g[i];

      v[i] = vi;
      /* Nesterov steps from the look-ahead point (Keras form). */
      p[i] += nesterov ? mu * vi - lr * g[i] : vi;
    }
}

static __global__ void
adam_kernel (float lr_arg, const float *__restrict__ rate, float b1, float b2, float eps,
             float *__restrict__ p, const float *__restrict__ g, float *__restrict__ m,
             float *__restrict__ v, int64_t n)
{
  const float lr_t = rate != NULL ? *rate : lr_arg;

  FATHOM_CUDA_FOR (i, n)
    {
      float gi = g[i];
      float mi = b1 * m[i] + (1.f - b1) * gi;
      float vi = b2 * v[i] + (1.f - b2) * gi * gi;

      m[i] = mi;
      v[i] = vi;
      /* Keras adds eps to sqrt(v) uncorrected; the corrections are in lr_t. */
      p[i] -= lr_t * mi / (sqrtf (vi) + eps);
    }
}

extern "C" int
fathom_cuda_sgd_update (float lr, const float *rate, float momentum, int nesterov, float *param,
                        const float *grad, float *velocity, int64_t n, cudaStream_t stream)
{
  if (n <= 0)
    return 0;
  if (velocity == NULL)
    sgd_plain_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
      (lr, rate, param, grad, n);
  else
    sgd_momentum_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
      (lr, rate, momentum, nesterov, param, grad, velocity, n);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_adam_update (float lr_t, const float *rate, float beta1, float beta2, float eps,
                         float *param, const float *grad, float *m, float *v, int64_t n,
                         cudaStream_t stream)
{
  if (n <= 0)
    return 0;
  adam_kernel<<<fathom_cuda_blocks (n, FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream>>>
    (lr_t, rate, beta1, beta2, eps, param, grad, m, v, n);
  return fathom_cuda_status ();
}
