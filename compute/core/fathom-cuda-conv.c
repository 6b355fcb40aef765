/* fathom-cuda-conv.c: the convolution slots of the CUDA backend.
 *
 * Our own path, im2col + cuBLAS, follows the FAST path of
 * fathom-cpu-conv.c product for product (the loops between the products
 * are kernels/fathom-cuda-conv.cu); it always exists and is the one the
 * CPU reference checks. cuDNN (fathom-cuda-cudnn.c) runs a call instead
 * where the conv path setting, the build, the machine and the shape allow
 * it. The handle is made the first time it is wanted, so a backend that
 * never convolves never loads cuDNN.
 */
#include "fathom-cuda-backend-private.h"
#include "fathom-cuda-cudnn.h"

#include <string.h>

/* ---- our own path: im2col + cuBLAS ------------------------------------------- */

/* Floats of col lowered at once: samples are lowered and multiplied in
 * chunks of as many as fit (at least one), with one strided-batched sgemm
 * per chunk. 128 MB keeps the scratch small next to any card we run on. */
#define COL_BUDGET_FLOATS ((gint64) 32 << 20)

typedef struct {
  FathomCudaConvGeom k;         /* what the kernels take */
  gint64 n, o, ckk, ohw, chw;
  gint64 chunk;                 /* samples per chunk */
  gboolean pointwise;           /* 1x1, stride 1, no padding: col is x itself */
} ConvGeom;

static void
conv_geom_init (ConvGeom *g, const FathomConvWindow *win, const FathomTensor *x,
                const FathomTensor *w, const FathomTensor *y)
{
  memset (g, 0, sizeof *g);
  g->k.c = x->shape[1];
  g->k.h = x->shape[2];
  g->k.w = x->shape[3];
  g->k.oh = y->shape[2];
  g->k.ow = y->shape[3];
  g->k.kh = win->kh;
  g->k.kw = win->kw;
  g->k.sh = win->sh;
  g->k.sw = win->sw;
  g->k.pad_top = win->pad_top;
  g->k.pad_left = win->pad_left;
  g->n = x->shape[0];
  g->o = w->shape[0];
  g->ckk = g->k.c * win->kh * win->kw;
  g->ohw = g->k.oh * g->k.ow;
  g->chw = g->k.c * g->k.h * g->k.w;
  g->chunk = CLAMP (COL_BUDGET_FLOATS / MAX (g->ckk * g->ohw, 1), 1, MAX (g->n, 1));
  g->pointwise = win->kh == 1 && win->kw == 1 && win->sh == 1 && win->sw == 1 &&
                 win->pad_top == 0 && win->pad_bottom == 0 &&
                 win->pad_left == 0 && win->pad_right == 0;
}

static FathomCudaBlock *
col_scratch (FathomCudaBackend *self, const ConvGeom *g, GError **error)
{
  return fathom_cuda_block_new (self, (gsize) (g->chunk * g->ckk * g->ohw) * sizeof (float), error);
}

static gboolean
own_conv2d_forward (FathomCudaBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                    const FathomTensor *w, const FathomTensor *bias, FathomTensor *y,
                    GError **error)
{
  const float *xs = fathom_tensor_raw (x), *ws = fathom_tensor_raw (w);
  float *ys = fathom_tensor_raw (y);
  g_autoptr(FathomCudaBlock) scratch = NULL;
  float *col;
  ConvGeom g;

  conv_geom_init (&g, win, x, w, y);
  if (g.pointwise)
    {
      /* y_n [O, HW] = W [O, C] x_n [C, HW], every sample in one call */
      if (!fathom_cuda_sgemm (self, FALSE, FALSE, g.o, g.ohw, g.k.c, 1.f, ws, g.k.c, 0,
                              xs, g.ohw, g.chw, 0.f, ys, g.ohw, g.o * g.ohw, g.n, error))
        return FALSE;
    }
  else
    {
      if ((scratch = col_scratch (self, &g, error)) == NULL)
        return FALSE;
      col = fathom_cuda_block_data (scratch);
      for (gint64 s = 0; s < g.n; s += g.chunk)
        {
          gint64 nb = MIN (g.chunk, g.n - s);

          FATHOM_CUDA_TRY (fathom_cuda_im2col_forward (&g.k, xs + s * g.chw, nb, col, self->stream),
                           "conv2d forward (im2col)");
          /* y_s [O, OHW] = W [O, CKK] col_s [CKK, OHW] */
          if (!fathom_cuda_sgemm (self, FALSE, FALSE, g.o, g.ohw, g.ckk, 1.f, ws, g.ckk, 0,
                                  col, g.ohw, g.ckk * g.ohw, 0.f, ys + s * g.o * g.ohw, g.ohw,
                                  g.o * g.ohw, nb, error))
            return FALSE;
        }
    }
  if (bias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_forward (ys, fathom_tensor_raw (bias), g.n, g.o, g.ohw,
                                               self->stream), "conv2d forward (bias)");
  return TRUE;
}

/* dW = sum over samples of dy_s col_s^T, one product per sample (beta 1
 * after the first); dx_s = col2im(W^T dy_s), batched per chunk. */
static gboolean
own_conv2d_backward (FathomCudaBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                     const FathomTensor *w, const FathomTensor *dy, FathomTensor *dx,
                     FathomTensor *dw, FathomTensor *dbias, GError **error)
{
  const float *xs = fathom_tensor_raw (x), *ws = fathom_tensor_raw (w), *dys = fathom_tensor_raw (dy);
  float *dxs = fathom_cuda_raw_or_null (dx), *dws = fathom_cuda_raw_or_null (dw);
  g_autoptr(FathomCudaBlock) scratch = NULL;
  float *col;
  ConvGeom g;

  conv_geom_init (&g, win, x, w, dy);
  if (dbias != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_bias_backward (dys, fathom_tensor_raw (dbias), g.n, g.o, g.ohw,
                                                self->stream), "conv2d backward (bias)");
  if (dws != NULL && g.n == 0)
    FATHOM_CUDA_TRY (fathom_cuda_fill_forward (dws, g.o * g.ckk, 0.f, self->stream), "conv2d backward");

  if (g.pointwise)
    {
      for (gint64 s = 0; dws != NULL && s < g.n; s++)
        if (!FATHOM_CUDA_GEMM (self, FALSE, TRUE, g.o, g.k.c, g.ohw, 1.f, dys + s * g.o * g.ohw, g.ohw,
                               xs + s * g.chw, g.ohw, s == 0 ? 0.f : 1.f, dws, g.k.c))
          return FALSE;
      /* dx_n [C, HW] = W^T [C, O] dy_n [O, HW] */
      if (dxs != NULL &&
          !fathom_cuda_sgemm (self, TRUE, FALSE, g.k.c, g.ohw, g.o, 1.f, ws, g.k.c, 0,
                              dys, g.ohw, g.o * g.ohw, 0.f, dxs, g.ohw, g.chw, g.n, error))
        return FALSE;
      return TRUE;
    }
  if (dxs == NULL && dws == NULL)
    return TRUE;

  if ((scratch = col_scratch (self, &g, error)) == NULL)
    return FALSE;
  col = fathom_cuda_block_data (scratch);
  for (gint64 s = 0; s < g.n; s += g.chunk)
    {
      gint64 nb = MIN (g.chunk, g.n - s);

      if (dws != NULL)
        {
          FATHOM_CUDA_TRY (fathom_cuda_im2col_forward (&g.k, xs + s * g.chw, nb, col, self->stream),
                           "conv2d backward (im2col)");
          for (gint64 i = 0; i < nb; i++)
            if (!FATHOM_CUDA_GEMM (self, FALSE, TRUE, g.o, g.ckk, g.ohw, 1.f,
                                   dys + (s + i) * g.o * g.ohw, g.ohw, col + i * g.ckk * g.ohw, g.ohw,
                                   s + i == 0 ? 0.f : 1.f, dws, g.ckk))
              return FALSE;
        }
      if (dxs != NULL)
        {
          /* col is free again: it takes dcol_s [CKK, OHW] = W^T dy_s */
          if (!fathom_cuda_sgemm (self, TRUE, FALSE, g.ckk, g.ohw, g.o, 1.f, ws, g.ckk, 0,
                                  dys + s * g.o * g.ohw, g.ohw, g.o * g.ohw, 0.f, col, g.ohw,
                                  g.ckk * g.ohw, nb, error))
            return FALSE;
          FATHOM_CUDA_TRY (fathom_cuda_col2im_backward (&g.k, col, nb, dxs + s * g.chw, self->stream),
                           "conv2d backward (col2im)");
        }
    }
  return TRUE;
}

/* ---- the slots: cuDNN or our own ----------------------------------------------- */

/* TRUE when the handle exists, made now if it was never asked for. */
static gboolean
ensure_cudnn (FathomCudaBackend *self)
{
  if (!self->cudnn_tried)
    {
      self->cudnn_tried = TRUE;
      self->cudnn = fathom_cuda_cudnn_new (self, &self->cudnn_reason);
      if (self->cudnn == NULL)
        g_debug ("cuda: convolutions run im2col + cuBLAS: %s", self->cudnn_reason);
    }
  return self->cudnn != NULL;
}

static gboolean
want_cudnn (FathomCudaBackend *self)
{
  return self->conv_path != FATHOM_CONV_PATH_OWN && ensure_cudnn (self);
}

static gboolean
cuda_conv2d_forward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                     const FathomTensor *w, const FathomTensor *bias, FathomTensor *y,
                     GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  gboolean done = FALSE;

  FATHOM_CUDA_NEED ("conv2d", x, w, bias, y);
  if (want_cudnn (self) &&
      !fathom_cuda_cudnn_conv2d_forward (self->cudnn, self, win, x, w, bias, NULL, FALSE, y, &done, error))
    return FALSE;
  if (done)
    {
      self->conv_calls_cudnn++;
      return TRUE;
    }
  self->conv_calls_own++;
  return own_conv2d_forward (self, win, x, w, bias, y, error);
}

/* ReLU with a bias, and the residual z where there is one, fused into
 * cuDNN's forward; anything else declined, for the backend's own steps. */
static gboolean
cuda_conv2d_forward_act (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                         const FathomTensor *w, const FathomTensor *bias, const FathomTensor *z,
                         FathomActivation act, FathomTensor *y, gboolean *done, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);

  *done = FALSE;
  FATHOM_CUDA_NEED ("conv2d", x, w, bias, z, y);
  if (act == FATHOM_ACTIVATION_RELU && bias != NULL && want_cudnn (self) &&
      !fathom_cuda_cudnn_conv2d_forward (self->cudnn, self, win, x, w, bias, z, TRUE, y, done, error))
    return FALSE;
  if (*done)
    self->conv_calls_cudnn++;
  return TRUE;
}

static gboolean
cuda_conv2d_backward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                      const FathomTensor *w, const FathomTensor *dy, FathomTensor *dx,
                      FathomTensor *dw, FathomTensor *dbias, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  gboolean done = FALSE;

  FATHOM_CUDA_NEED ("conv2d", x, w, dy, dx, dw, dbias);
  if (want_cudnn (self) &&
      !fathom_cuda_cudnn_conv2d_backward (self->cudnn, self, win, x, w, dy, dx, dw, dbias, &done, error))
    return FALSE;
  if (done)
    {
      self->conv_calls_cudnn++;
      return TRUE;
    }
  self->conv_calls_own++;
  return own_conv2d_backward (self, win, x, w, dy, dx, dw, dbias, error);
}

void
fathom_cuda_conv_install (FathomBackendOps *ops)
{
  ops->conv2d_forward = cuda_conv2d_forward;
  ops->conv2d_forward_act = cuda_conv2d_forward_act;
  ops->conv2d_backward = cuda_conv2d_backward;
}

/* ---- the conv path setting ---------------------------------------------------------- */

void
fathom_cuda_conv_init (FathomCudaBackend *self)
{
  self->conv_env_own = g_strcmp0 (g_getenv ("FATHOM_CUDNN"), "0") == 0;
  self->conv_path = self->conv_env_own ? FATHOM_CONV_PATH_OWN : FATHOM_CONV_PATH_AUTO;
}

void
fathom_cuda_conv_finish (FathomCudaBackend *self)
{
  g_clear_pointer (&self->cudnn, fathom_cuda_cudnn_free);
  g_clear_pointer (&self->cudnn_reason, g_free);
}

gboolean
fathom_cuda_backend_set_conv_path (FathomBackend *backend, FathomConvPath path, GError **error)
{
  FathomCudaBackend *self;

  g_return_val_if_fail (fathom_backend_is_cuda (backend), FALSE);
  self = FATHOM_CUDA (backend);
  if (path == FATHOM_CONV_PATH_CUDNN && !ensure_cudnn (self))
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "cuDNN is unavailable: %s", self->cudnn_reason);
      return FALSE;
    }
  self->conv_path = path;
  /* from now on the setting, not the environment, says why */
  self->conv_env_own = FALSE;
  return TRUE;
}

FathomConvPath
fathom_cuda_backend_get_conv_path (FathomBackend *backend)
{
  g_return_val_if_fail (fathom_backend_is_cuda (backend), FATHOM_CONV_PATH_OWN);
  return FATHOM_CUDA (backend)->conv_path;
}

char *
fathom_cuda_backend_describe_conv (FathomBackend *backend)
{
  FathomCudaBackend *self;

  g_return_val_if_fail (fathom_backend_is_cuda (backend), NULL);
  self = FATHOM_CUDA (backend);
  if (self->conv_path == FATHOM_CONV_PATH_OWN)
    return g_strdup_printf ("im2col + cuBLAS (%s)",
                            self->conv_env_own ? "FATHOM_CUDNN=0" : "conv path set to own");
  if (!ensure_cudnn (self))
    return g_strdup_printf ("im2col + cuBLAS (%s)", self->cudnn_reason);
  return fathom_cuda_cudnn_describe (self->cudnn);
}

void
fathom_cuda_backend_get_conv_calls (FathomBackend *backend, guint64 *cudnn, guint64 *own)
{
  g_return_if_fail (fathom_backend_is_cuda (backend));
  *cudnn = FATHOM_CUDA (backend)->conv_calls_cudnn;
  *own = FATHOM_CUDA (backend)->conv_calls_own;
}
