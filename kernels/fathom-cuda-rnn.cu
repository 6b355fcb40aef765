/* fathom-cuda-rnn.cu: the elementwise parts of a simple RNN step and a
 * GRU step, forward and backward.
 *
 * The matrix products (x W^T for all steps at once, h W^T per step, and
 * the weight gradients) are cuBLAS calls in the backend, which follows
 * the FAST path of fathom-cpu-rnn.c; these kernels are the loops between
 * those products, written as that file writes them. Step rows are read in
 * place from [N,T,*] tensors, so every matrix has a leading dimension.
 */
#include "fathom-cuda-common.cuh"

static __global__ void
rnn_step_forward_kernel (int act, float *z, int64_t ld, int64_t n, int64_t h)
{
  FATHOM_CUDA_FOR (i, n * h)
    {
      int64_t r = i / h, j = i - r * h;
      float *p = z + r * ld + j;

      *p = fathom_act_apply (act, *p);
    }
}

static __global__ void
rnn_step_backward_kernel (int act, const float *dy, const float *y, float *dz, int64_t ld,
                          const float *dnext, int64_t n, int64_t h)
{
  FATHOM_CUDA_FOR (i, n * h)
    {
      int64_t r = i / h, j = i - r * h, at = r * ld + j;
      float d = dy != NULL ? dy[at] : 0.f;

      dz[at] = (d + dnext[i]) * fathom_act_grad (act, y[at]);
    }
}

/* r and u through the sigmoid; r * h for the candidate's product. */
static __global__ void
gru_gates_forward_kernel (float *g, int64_t ldg, const float *hp, int64_t ldh, float *rh,
                          int64_t n, int64_t h)
{
  FATHOM_CUDA_FOR (i, n * 2 * h)
    {
      int64_t r = i / (2 * h), k = i - r * 2 * h;
      float *p = g + r * ldg + k;

      *p = fathom_sigmoid (*p);
      if (hp != NULL && k < h)
        rh[r * h + k] = *p * hp[r * ldh + k];
    }
}

static __global__ void
gru_output_forward_kernel (int cand, float *g, int64_t ldg, const float *hp, int64_t ldh,
                           float *y, int64_t ldy, int64_t n, int64_t h)
{
  FATHOM_CUDA_FOR (i, n * h)
    {
      int64_t r = i / h, j = i - r * h;
      float *gr = g + r * ldg;
      float u = gr[h + j], c = fathom_act_apply (cand, gr[2 * h + j]);
      float hpj = hp != NULL ? hp[r * ldh + j] : 0.f;

      gr[2 * h + j] = c;
      y[r * ldy + j] = u * hpj + (1.f - u) * c;
    }
}

/* h' = u*h + (1-u)*c: dz_u, dz_c and the direct path u*dh into dnext. */
static __global__ void
gru_blend_backward_kernel (int cand, const float *g, int64_t ldg, const float *hp, int64_t ldh,
                           const float *dy, int64_t ldy, float *dnext, float *dz,
                           int64_t n, int64_t h)
{
  FATHOM_CUDA_FOR (i, n * h)
    {
      int64_t r = i / h, j = i - r * h;
      const float *gr = g + r * ldg;
      float *dzr = dz + r * ldg;
      float u = gr[h + j], c = gr[2 * h + j];
      float hpj = hp != NULL ? hp[r * ldh + j] : 0.f;
      float dh = (dy != NULL ? dy[r * ldy + j] : 0.f) + dnext[i];

      dzr[h + j] = dh * (hpj - c) * u * (1.f - u);
      dzr[2 * h + j] = dh * (1.f - u) * fathom_act_grad (cand, c);
      dnext[i] = dh * u;
    }
}

/* c = act(... + (r*h) Whc^T): back through the reset gate. */
static __global__ void
gru_reset_backward_kernel (const float *g, int64_t ldg, const float *hp, int64_t ldh,
                           const float *drh, float *dz, float *dnext, float *rh,
                           int64_t n, int64_t h)
{
  FATHOM_CUDA_FOR (i, n * h)
    {
      int64_t r = i / h, j = i - r * h;
      float rg = g[r * ldg + j], hpj = hp != NULL ? hp[r * ldh + j] : 0.f;

      dz[r * ldg + j] = drh[i] * hpj * rg * (1.f - rg);
      dnext[i] += drh[i] * rg;
      rh[i] = rg * hpj;
    }
}

/* ---- launchers ---------------------------------------------------------------- */

#define STEP_GRID(count) fathom_cuda_blocks ((count), FATHOM_CUDA_BLOCK), FATHOM_CUDA_BLOCK, 0, stream

extern "C" int
fathom_cuda_rnn_step_forward (int act, float *z, int64_t ld, int64_t n, int64_t h, cudaStream_t stream)
{
  if (n * h <= 0)
    return 0;
  rnn_step_forward_kernel<<<STEP_GRID (n * h)>>> (act, z, ld, n, h);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_rnn_step_backward (int act, const float *dy, const float *y, float *dz, int64_t ld,
                               const float *dnext, int64_t n, int64_t h, cudaStream_t stream)
{
  if (n * h <= 0)
    return 0;
  rnn_step_backward_kernel<<<STEP_GRID (n * h)>>> (act, dy, y, dz, ld, dnext, n, h);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_gru_gates_forward (float *g, int64_t ldg, const float *hp, int64_t ldh, float *rh,
                               int64_t n, int64_t h, cudaStream_t stream)
{
  if (n * h <= 0)
    return 0;
  gru_gates_forward_kernel<<<STEP_GRID (n * 2 * h)>>> (g, ldg, hp, ldh, rh, n, h);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_gru_output_forward (int cand, float *g, int64_t ldg, const float *hp, int64_t ldh,
                                float *y, int64_t ldy, int64_t n, int64_t h, cudaStream_t stream)
{
  if (n * h <= 0)
    return 0;
  gru_output_forward_kernel<<<STEP_GRID (n * h)>>> (cand, g, ldg, hp, ldh, y, ldy, n, h);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_gru_blend_backward (int cand, const float *g, int64_t ldg, const float *hp, int64_t ldh,
                                const float *dy, int64_t ldy, float *dnext, float *dz,
                                int64_t n, int64_t h, cudaStream_t stream)
{
  if (n * h <= 0)
    return 0;
  gru_blend_backward_kernel<<<STEP_GRID (n * h)>>> (cand, g, ldg, hp, ldh, dy, ldy, dnext, dz, n, h);
  return fathom_cuda_status ();
}

extern "C" int
fathom_cuda_gru_reset_backward (const float *g, int64_t ldg, const float *hp, int64_t ldh,
                                const float *drh, float *dz, float *dnext, float *rh,
                                int64_t n, int64_t h, cudaStream_t stream)
{
  if (n * h <= 0)
    return 0;
  gru_reset_backward_kernel<<<STEP_GRID (n * h)>>> (g, ldg, hp, ldh, drh, dz, dnext, rh, n, h);
  return fathom_cuda_status ();
}
