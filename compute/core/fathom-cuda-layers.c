/* fathom-cuda-layers.c: the CUDA slots built on cuBLAS: dense, simple
 * RNN and GRU (convolution is in fathom-cuda-conv.c).
 *
 * They follow the FAST paths of the CPU files (fathom-cpu-dense.c,
 * fathom-cpu-rnn.c) product for product, with the loops between the
 * products as kernels (kernels/fathom-cuda-rnn.cu). All products go
 * through fathom_cuda_sgemm(), so the TF32 setting applies to every one
 * of them.
 */
#include "fathom-cuda-backend-private.h"

/* ---- dense -------------------------------------------------------------------------- */

static gboolean
cuda_dense_forward (FathomBackend *backend, const FathomTensor *x, const FathomTensor *w,
                    const FathomTensor *bias, FathomTensor *y, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  gint64 n = x->shape[0], d = x->shape[1], m = w->shape[0];

  FATHOM_CUDA_NEED ("dense", x, w, bias, y);
  /* y [N,M] = x [N,D] w^T */
  if (!FATHOM_CUDA_GEMM (self, FALSE, TRUE, n, m, d, 1.f, fathom_tensor_raw (x), d,
                         fathom_tensor_raw (w), d, 0.f, fathom_tensor_raw (y), m))
    return FALSE;
  if (bias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_forward (fathom_tensor_raw (y), fathom_tensor_raw (bias), n, m, 1,
                                               self->stream), "dense forward (bias)");
  return TRUE;
}

static gboolean
cuda_dense_backward (FathomBackend *backend, const FathomTensor *x, const FathomTensor *w,
                     const FathomTensor *dy, FathomTensor *dx, FathomTensor *dw,
                     FathomTensor *dbias, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  gint64 n = x->shape[0], d = x->shape[1], m = w->shape[0];
  const float *dys = fathom_tensor_raw (dy);

  FATHOM_CUDA_NEED ("dense", x, w, dy, dx, dw, dbias);
  /* dx [N,D] = dy [N,M] w [M,D] */
  if (dx != NULL &&
      !FATHOM_CUDA_GEMM (self, FALSE, FALSE, n, d, m, 1.f, dys, m, fathom_tensor_raw (w), d,
                         0.f, fathom_tensor_raw (dx), d))
    return FALSE;
  /* dw [M,D] = dy^T x, reading dy transposed in place */
  if (dw != NULL &&
      !FATHOM_CUDA_GEMM (self, TRUE, FALSE, m, d, n, 1.f, dys, m, fathom_tensor_raw (x), d,
                         0.f, fathom_tensor_raw (dw), d))
    return FALSE;
  if (dbias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_backward (dys, fathom_tensor_raw (dbias), n, m, 1, self->stream),
                     "dense backward (bias)");
  return TRUE;
}

/* ---- recurrent layers: shared --------------------------------------------------------- */

typedef struct {
  gint64 n, t, d, h;
} SeqDims;

static SeqDims
seq_dims (const FathomTensor *x, const FathomTensor *wh)
{
  SeqDims s = { x->shape[0], x->shape[1], x->shape[2], wh->shape[1] };
  return s;
}

static gboolean
check_activation (FathomActivation act, const char *op, GError **error)
{
  if (act == FATHOM_ACTIVATION_IDENTITY || act == FATHOM_ACTIVATION_RELU ||
      act == FATHOM_ACTIVATION_SIGMOID || act == FATHOM_ACTIVATION_TANH)
    return TRUE;
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
               "%s: activation %d is not supported", op, (int) act);
  return FALSE;
}

/* Zeroed float scratch (the gradient arriving from beyond the last step). */
static float *
zeroed (FathomCudaBackend *self, FathomCudaBlock **block, gint64 count, GError **error)
{
  if ((*block = fathom_cuda_block_new (self, (gsize) MAX (count, 1) * sizeof (float), error)) == NULL)
    return NULL;
  if (!fathom_cuda_check (fathom_cuda_fill_forward (fathom_cuda_block_data (*block), count, 0.f,
                                                    self->stream), "recurrent scratch", error))
    return NULL;
  return fathom_cuda_block_data (*block);
}

/* ---- simple RNN ------------------------------------------------------------------------ */

static gboolean
cuda_rnn_forward (FathomBackend *backend, const FathomRnnDesc *desc, const FathomTensor *x,
                  const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                  const FathomTensor *bias, FathomTensor *y, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  SeqDims s = seq_dims (x, wh);
  const gint64 D = s.d, H = s.h, TH = s.t * H;
  const float *whs = fathom_tensor_raw (wh), *h0s = fathom_cuda_raw_or_null (h0);
  float *ys = fathom_tensor_raw (y);

  if (!check_activation (desc->activation, "rnn", error))
    return FALSE;
  FATHOM_CUDA_NEED ("rnn", x, h0, wx, wh, bias, y);
  /* The input projection does not depend on the state: all steps at once. */
  if (!FATHOM_CUDA_GEMM (self, FALSE, TRUE, s.n * s.t, H, D, 1.f, fathom_tensor_raw (x), D,
                         fathom_tensor_raw (wx), D, 0.f, ys, H))
    return FALSE;
  if (bias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_forward (ys, fathom_tensor_raw (bias), s.n * s.t, H, 1, self->stream),
                     "rnn forward (bias)");
  for (gint64 t = 0; t < s.t; t++)
    {
      float *yt = ys + t * H;

      if (t > 0 && !FATHOM_CUDA_GEMM (self, FALSE, TRUE, s.n, H, H, 1.f, ys + (t - 1) * H, TH,
                                      whs, H, 1.f, yt, TH))
        return FALSE;
      if (t == 0 && h0s != NULL &&
          !FATHOM_CUDA_GEMM (self, FALSE, TRUE, s.n, H, H, 1.f, h0s, H, whs, H, 1.f, yt, TH))
        return FALSE;
      FATHOM_CUDA_TRY (fathom_cuda_rnn_step_forward (desc->activation, yt, TH, s.n, H, self->stream),
                       "rnn forward (step)");
    }
  return TRUE;
}

static gboolean
cuda_rnn_backward (FathomBackend *backend, const FathomRnnDesc *desc, const FathomTensor *x,
                   const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                   const FathomTensor *y, const FathomTensor *dy, FathomTensor *dx,
                   FathomTensor *dh0, FathomTensor *dwx, FathomTensor *dwh,
                   FathomTensor *dbias, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  SeqDims s = seq_dims (x, wh);
  const gint64 D = s.d, H = s.h, TH = s.t * H, NT = s.n * s.t;
  const float *whs = fathom_tensor_raw (wh), *h0s = fathom_cuda_raw_or_null (h0);
  const float *ys = fathom_tensor_raw (y), *dys = fathom_cuda_raw_or_null (dy);
  float *dwhs = fathom_cuda_raw_or_null (dwh);
  g_autoptr(FathomCudaBlock) dz_block = NULL;
  g_autoptr(FathomCudaBlock) dnext_block = NULL;
  float *dz, *dnext;

  if (!check_activation (desc->activation, "rnn", error))
    return FALSE;
  FATHOM_CUDA_NEED ("rnn", x, h0, wx, wh, y, dy, dx, dh0, dwx, dwh, dbias);
  if ((dz = zeroed (self, &dz_block, NT * H, error)) == NULL ||
      (dnext = zeroed (self, &dnext_block, s.n * H, error)) == NULL)
    return FALSE;
  if (dwhs != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_fill_forward (dwhs, H * H, 0.f, self->stream), "rnn backward");

  for (gint64 t = s.t - 1; t >= 0; t--)
    {
      float *dzt = dz + t * H;

      /* No incoming gradient (dy NULL) is a gradient of zeros. */
      FATHOM_CUDA_TRY (fathom_cuda_rnn_step_backward (desc->activation, dys != NULL ? dys + t * H : NULL,
                                                      ys + t * H, dzt, TH, dnext, s.n, H, self->stream),
                       "rnn backward (step)");
      /* dnext = dz_t Wh, the gradient reaching h_{t-1} */
      if (!FATHOM_CUDA_GEMM (self, FALSE, FALSE, s.n, H, H, 1.f, dzt, TH, whs, H, 0.f, dnext, H))
        return FALSE;
      if (dwhs != NULL && t > 0 &&
          !FATHOM_CUDA_GEMM (self, TRUE, FALSE, H, H, s.n, 1.f, dzt, TH, ys + (t - 1) * H, TH,
                             1.f, dwhs, H))
        return FALSE;
      if (dwhs != NULL && t == 0 && h0s != NULL &&
          !FATHOM_CUDA_GEMM (self, TRUE, FALSE, H, H, s.n, 1.f, dzt, TH, h0s, H, 1.f, dwhs, H))
        return FALSE;
    }
  if (dh0 != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_copy_forward (fathom_tensor_raw (dh0), dnext, s.n * H, self->stream),
                     "rnn backward (dh0)");
  if (dx != NULL &&
      !FATHOM_CUDA_GEMM (self, FALSE, FALSE, NT, D, H, 1.f, dz, H, fathom_tensor_raw (wx), D,
                         0.f, fathom_tensor_raw (dx), D))
    return FALSE;
  if (dwx != NULL &&
      !FATHOM_CUDA_GEMM (self, TRUE, FALSE, H, D, NT, 1.f, dz, H, fathom_tensor_raw (x), D,
                         0.f, fathom_tensor_raw (dwx), D))
    return FALSE;
  if (dbias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_backward (dz, fathom_tensor_raw (dbias), NT, H, 1, self->stream),
                     "rnn backward (bias)");
  return TRUE;
}

/* ---- GRU --------------------------------------------------------------------------------- */

/* gates rows hold r (0..H-1), u (H..2H-1) and c (2H..3H-1). */
static gboolean
cuda_gru_forward (FathomBackend *backend, const FathomGruDesc *desc, const FathomTensor *x,
                  const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                  const FathomTensor *bias, FathomTensor *y, FathomTensor *gates, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  SeqDims s = seq_dims (x, wh);
  const gint64 D = s.d, H = s.h, G = 3 * H, TH = s.t * H, TG = s.t * G;
  const float *whs = fathom_tensor_raw (wh), *h0s = fathom_cuda_raw_or_null (h0);
  float *ys = fathom_tensor_raw (y), *gs = fathom_tensor_raw (gates);
  g_autoptr(FathomCudaBlock) rh_block = NULL;
  float *rh;

  if (!check_activation (desc->candidate, "gru", error))
    return FALSE;
  FATHOM_CUDA_NEED ("gru", x, h0, wx, wh, bias, y, gates);
  if ((rh = zeroed (self, &rh_block, s.n * H, error)) == NULL)
    return FALSE;
  if (!FATHOM_CUDA_GEMM (self, FALSE, TRUE, s.n * s.t, G, D, 1.f, fathom_tensor_raw (x), D,
                         fathom_tensor_raw (wx), D, 0.f, gs, G))
    return FALSE;
  if (bias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_forward (gs, fathom_tensor_raw (bias), s.n * s.t, G, 1, self->stream),
                     "gru forward (bias)");

  for (gint64 t = 0; t < s.t; t++)
    {
      float *gt = gs + t * G;
      const float *hp = t > 0 ? ys + (t - 1) * H : h0s;
      gint64 ldh = t > 0 ? TH : H;

      if (hp != NULL &&
          !FATHOM_CUDA_GEMM (self, FALSE, TRUE, s.n, 2 * H, H, 1.f, hp, ldh, whs, H, 1.f, gt, TG))
        return FALSE;
      FATHOM_CUDA_TRY (fathom_cuda_gru_gates_forward (gt, TG, hp, ldh, rh, s.n, H, self->stream),
                       "gru forward (gates)");
      /* the candidate sees the reset state r*h */
      if (hp != NULL &&
          !FATHOM_CUDA_GEMM (self, FALSE, TRUE, s.n, H, H, 1.f, rh, H, whs + 2 * H * H, H,
                             1.f, gt + 2 * H, TG))
        return FALSE;
      FATHOM_CUDA_TRY (fathom_cuda_gru_output_forward (desc->candidate, gt, TG, hp, ldh, ys + t * H, TH,
                                                       s.n, H, self->stream), "gru forward (output)");
    }
  return TRUE;
}

static gboolean
cuda_gru_backward (FathomBackend *backend, const FathomGruDesc *desc, const FathomTensor *x,
                   const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                   const FathomTensor *y, const FathomTensor *gates, const FathomTensor *dy,
                   FathomTensor *dx, FathomTensor *dh0, FathomTensor *dwx, FathomTensor *dwh,
                   FathomTensor *dbias, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  SeqDims s = seq_dims (x, wh);
  const gint64 D = s.d, H = s.h, G = 3 * H, TH = s.t * H, TG = s.t * G, NT = s.n * s.t;
  const float *whs = fathom_tensor_raw (wh), *h0s = fathom_cuda_raw_or_null (h0);
  const float *ys = fathom_tensor_raw (y), *gs = fathom_tensor_raw (gates);
  const float *dys = fathom_cuda_raw_or_null (dy);
  float *dwhs = fathom_cuda_raw_or_null (dwh);
  g_autoptr(FathomCudaBlock) dz_block = NULL;
  g_autoptr(FathomCudaBlock) state_block = NULL;
  float *dz, *dnext, *drh, *rh;

  if (!check_activation (desc->candidate, "gru", error))
    return FALSE;
  FATHOM_CUDA_NEED ("gru", x, h0, wx, wh, y, gates, dy, dx, dh0, dwx, dwh, dbias);
  if ((dz = zeroed (self, &dz_block, NT * G, error)) == NULL ||
      (dnext = zeroed (self, &state_block, 3 * s.n * H, error)) == NULL)
    return FALSE;
  drh = dnext + s.n * H;        /* d loss / d (r*h) of one step */
  rh = drh + s.n * H;
  if (dwhs != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_fill_forward (dwhs, G * H, 0.f, self->stream), "gru backward");

  for (gint64 t = s.t - 1; t >= 0; t--)
    {
      const float *gt = gs + t * G;
      const float *hp = t > 0 ? ys + (t - 1) * H : h0s;
      gint64 ldh = t > 0 ? TH : H;
      float *dzt = dz + t * G;

      /* dnext becomes the direct path u*dh; the rest is added below. */
      FATHOM_CUDA_TRY (fathom_cuda_gru_blend_backward (desc->candidate, gt, TG, hp, ldh,
                                                       dys != NULL ? dys + t * H : NULL, TH,
                                                       dnext, dzt, s.n, H, self->stream),
                       "gru backward (blend)");
      /* d(r*h) = dz_c Whc; a missing h0 is a zero state whose gradient may
       * still be wanted. */
      if (!FATHOM_CUDA_GEMM (self, FALSE, FALSE, s.n, H, H, 1.f, dzt + 2 * H, TG,
                             whs + 2 * H * H, H, 0.f, drh, H))
        return FALSE;
      FATHOM_CUDA_TRY (fathom_cuda_gru_reset_backward (gt, TG, hp, ldh, drh, dzt, dnext, rh, s.n, H,
                                                       self->stream), "gru backward (reset)");
      /* through the r and u pre-activations: [dz_r dz_u] [Whr; Whu] */
      if (!FATHOM_CUDA_GEMM (self, FALSE, FALSE, s.n, H, 2 * H, 1.f, dzt, TG, whs, H, 1.f, dnext, H))
        return FALSE;
      if (dwhs != NULL && hp != NULL &&
          (!FATHOM_CUDA_GEMM (self, TRUE, FALSE, 2 * H, H, s.n, 1.f, dzt, TG, hp, ldh, 1.f, dwhs, H) ||
           !FATHOM_CUDA_GEMM (self, TRUE, FALSE, H, H, s.n, 1.f, dzt + 2 * H, TG, rh, H,
                              1.f, dwhs + 2 * H * H, H)))
        return FALSE;
    }
  if (dh0 != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_copy_forward (fathom_tensor_raw (dh0), dnext, s.n * H, self->stream),
                     "gru backward (dh0)");
  if (dx != NULL &&
      !FATHOM_CUDA_GEMM (self, FALSE, FALSE, NT, D, G, 1.f, dz, G, fathom_tensor_raw (wx), D,
                         0.f, fathom_tensor_raw (dx), D))
    return FALSE;
  if (dwx != NULL &&
      !FATHOM_CUDA_GEMM (self, TRUE, FALSE, G, D, NT, 1.f, dz, G, fathom_tensor_raw (x), D,
                         0.f, fathom_tensor_raw (dwx), D))
    return FALSE;
  if (dbias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_backward (dz, fathom_tensor_raw (dbias), NT, G, 1, self->stream),
                     "gru backward (bias)");
  return TRUE;
}

void
fathom_cuda_layers_install (FathomBackendOps *ops)
{
  ops->dense_forward = cuda_dense_forward;
  ops->dense_backward = cuda_dense_backward;
  ops->rnn_forward = cuda_rnn_forward;
  ops->rnn_backward = cuda_rnn_backward;
  ops->gru_forward = cuda_gru_forward;
  ops->gru_backward = cuda_gru_backward;
}
