/* fathom-cuda-ops.c: the CUDA slots that are our own kernels alone:
 * zero padding, pooling, batch norm, activations, softmax, dropout,
 * concat, add, the losses and the optimisers.
 *
 * Each slot checks that its tensors are on the device, flattens the shapes
 * the way the CPU slot does and calls one launcher (kernels/). The losses
 * are the only slots that wait for the GPU: they return a host float.
 */
#include "fathom-cuda-backend-private.h"

#include <math.h>

G_STATIC_ASSERT ((int) FATHOM_ACTIVATION_IDENTITY == FATHOM_CUDA_ACT_IDENTITY);
G_STATIC_ASSERT ((int) FATHOM_ACTIVATION_RELU == FATHOM_CUDA_ACT_RELU);
G_STATIC_ASSERT ((int) FATHOM_ACTIVATION_SIGMOID == FATHOM_CUDA_ACT_SIGMOID);
G_STATIC_ASSERT ((int) FATHOM_ACTIVATION_TANH == FATHOM_CUDA_ACT_TANH);

#define STREAM(backend) (FATHOM_CUDA (backend)->stream)

/* ---- zero padding ------------------------------------------------------------- */

static gboolean
cuda_zero_pad_forward (FathomBackend *backend, const FathomPad2d *pad, const FathomTensor *x,
                       FathomTensor *y, GError **error)
{
  FATHOM_CUDA_NEED ("zero_pad", x, y);
  FATHOM_CUDA_TRY (fathom_cuda_zero_pad_forward (fathom_tensor_raw (x), fathom_tensor_raw (y),
                                                 x->shape[0] * x->shape[1], x->shape[2], x->shape[3],
                                                 pad->top, pad->bottom, pad->left, pad->right,
                                                 STREAM (backend)), "zero_pad forward");
  return TRUE;
}

static gboolean
cuda_zero_pad_backward (FathomBackend *backend, const FathomPad2d *pad, const FathomTensor *dy,
                        FathomTensor *dx, GError **error)
{
  FATHOM_CUDA_NEED ("zero_pad", dy, dx);
  FATHOM_CUDA_TRY (fathom_cuda_zero_pad_backward (fathom_tensor_raw (dy), fathom_tensor_raw (dx),
                                                  dx->shape[0] * dx->shape[1], dx->shape[2], dx->shape[3],
                                                  pad->top, pad->bottom, pad->left, pad->right,
                                                  STREAM (backend)), "zero_pad backward");
  return TRUE;
}

/* ---- pooling ------------------------------------------------------------------ */

static FathomCudaPoolGeom
pool_geom (const FathomConvWindow *win, const FathomTensor *x, const FathomTensor *y)
{
  FathomCudaPoolGeom g = {
    .planes = x->shape[0] * x->shape[1],
    .h = x->shape[2], .w = x->shape[3], .oh = y->shape[2], .ow = y->shape[3],
    .kh = win->kh, .kw = win->kw, .sh = win->sh, .sw = win->sw,
    .pad_top = win->pad_top, .pad_left = win->pad_left,
  };
  return g;
}

static gboolean
cuda_max_pool_forward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                       FathomTensor *y, GError **error)
{
  FathomCudaPoolGeom g = pool_geom (win, x, y);

  FATHOM_CUDA_NEED ("max_pool", x, y);
  FATHOM_CUDA_TRY (fathom_cuda_max_pool_forward (&g, fathom_tensor_raw (x), fathom_tensor_raw (y),
                                                 STREAM (backend)), "max_pool forward");
  return TRUE;
}

static gboolean
cuda_max_pool_backward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                        const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  FathomCudaPoolGeom g = pool_geom (win, x, dy);

  FATHOM_CUDA_NEED ("max_pool", x, dy, dx);
  FATHOM_CUDA_TRY (fathom_cuda_max_pool_backward (&g, fathom_tensor_raw (x), fathom_tensor_raw (dy),
                                                  fathom_tensor_raw (dx), STREAM (backend)),
                   "max_pool backward");
  return TRUE;
}

static gboolean
cuda_avg_pool_forward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                       FathomTensor *y, GError **error)
{
  FathomCudaPoolGeom g = pool_geom (win, x, y);

  FATHOM_CUDA_NEED ("avg_pool", x, y);
  FATHOM_CUDA_TRY (fathom_cuda_avg_pool_forward (&g, fathom_tensor_raw (x), fathom_tensor_raw (y),
                                                 STREAM (backend)), "avg_pool forward");
  return TRUE;
}

static gboolean
cuda_avg_pool_backward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *dy,
                        FathomTensor *dx, GError **error)
{
  FathomCudaPoolGeom g = pool_geom (win, dx, dy);

  FATHOM_CUDA_NEED ("avg_pool", dy, dx);
  FATHOM_CUDA_TRY (fathom_cuda_avg_pool_backward (&g, fathom_tensor_raw (dy), fathom_tensor_raw (dx),
                                                  STREAM (backend)), "avg_pool backward");
  return TRUE;
}

static gboolean
cuda_global_avg_pool_forward (FathomBackend *backend, const FathomTensor *x, FathomTensor *y,
                              GError **error)
{
  FATHOM_CUDA_NEED ("global_avg_pool", x, y);
  FATHOM_CUDA_TRY (fathom_cuda_global_avg_pool_forward (fathom_tensor_raw (x), fathom_tensor_raw (y),
                                                        x->shape[0] * x->shape[1], x->shape[2] * x->shape[3],
                                                        STREAM (backend)), "global_avg_pool forward");
  return TRUE;
}

static gboolean
cuda_global_avg_pool_backward (FathomBackend *backend, const FathomTensor *dy, FathomTensor *dx,
                               GError **error)
{
  FATHOM_CUDA_NEED ("global_avg_pool", dy, dx);
  FATHOM_CUDA_TRY (fathom_cuda_global_avg_pool_backward (fathom_tensor_raw (dy), fathom_tensor_raw (dx),
                                                         dx->shape[0] * dx->shape[1],
                                                         dx->shape[2] * dx->shape[3],
                                                         STREAM (backend)), "global_avg_pool backward");
  return TRUE;
}

/* ---- batch norm ----------------------------------------------------------------- */

static void
bn_geometry (const FathomTensor *x, gint64 *n, gint64 *c, gint64 *s)
{
  *n = x->shape[0];
  *c = x->shape[1];
  *s = x->ndim == 4 ? x->shape[2] * x->shape[3] : 1;
}

static gboolean
cuda_batch_norm_forward (FathomBackend *backend, const FathomBatchNormDesc *desc,
                         const FathomTensor *x, const FathomTensor *gamma, const FathomTensor *beta,
                         FathomTensor *running_mean, FathomTensor *running_var, FathomTensor *y,
                         FathomTensor *save_mean, FathomTensor *save_invstd, GError **error)
{
  gint64 n, c, s;

  FATHOM_CUDA_NEED ("batch_norm", x, gamma, beta, running_mean, running_var, y, save_mean, save_invstd);
  bn_geometry (x, &n, &c, &s);
  FATHOM_CUDA_TRY (fathom_cuda_batch_norm_forward (desc->training, desc->eps, desc->momentum,
                                                   desc->unbiased_running_var,
                                                   fathom_tensor_raw (x), fathom_tensor_raw (gamma),
                                                   fathom_tensor_raw (beta), fathom_tensor_raw (running_mean),
                                                   fathom_tensor_raw (running_var), fathom_tensor_raw (y),
                                                   fathom_tensor_raw (save_mean),
                                                   fathom_tensor_raw (save_invstd), n, c, s,
                                                   STREAM (backend)), "batch_norm forward");
  return TRUE;
}

static gboolean
cuda_batch_norm_backward (FathomBackend *backend, const FathomBatchNormDesc *desc,
                          const FathomTensor *x, const FathomTensor *gamma,
                          const FathomTensor *save_mean, const FathomTensor *save_invstd,
                          const FathomTensor *dy, FathomTensor *dx, FathomTensor *dgamma,
                          FathomTensor *dbeta, GError **error)
{
  gint64 n, c, s;

  FATHOM_CUDA_NEED ("batch_norm", x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta);
  bn_geometry (x, &n, &c, &s);
  FATHOM_CUDA_TRY (fathom_cuda_batch_norm_backward (desc->training, fathom_tensor_raw (x),
                                                    fathom_tensor_raw (gamma), fathom_tensor_raw (save_mean),
                                                    fathom_tensor_raw (save_invstd), fathom_tensor_raw (dy),
                                                    fathom_cuda_raw_or_null (dx),
                                                    fathom_cuda_raw_or_null (dgamma),
                                                    fathom_cuda_raw_or_null (dbeta), n, c, s,
                                                    STREAM (backend)), "batch_norm backward");
  return TRUE;
}

static gboolean
cuda_batch_norm_conv_grad (FathomBackend *backend, const FathomTensor *g, const FathomTensor *s,
                           const FathomTensor *w, const FathomTensor *gamma, const FathomTensor *beta,
                           const FathomTensor *save_mean, const FathomTensor *save_invstd,
                           FathomTensor *dw, FathomTensor *dgamma, FathomTensor *dbeta, GError **error)
{
  FATHOM_CUDA_NEED ("batch_norm_conv_grad", g, s, w, gamma, beta, save_mean, save_invstd, dw, dgamma, dbeta);
  FATHOM_CUDA_TRY (fathom_cuda_batch_norm_conv_grad (fathom_tensor_raw (g), fathom_tensor_raw (s),
                                                     fathom_tensor_raw (w), fathom_tensor_raw (gamma),
                                                     fathom_tensor_raw (beta), fathom_tensor_raw (save_mean),
                                                     fathom_tensor_raw (save_invstd),
                                                     fathom_cuda_raw_or_null (dw),
                                                     fathom_cuda_raw_or_null (dgamma),
                                                     fathom_cuda_raw_or_null (dbeta), w->shape[0], w->shape[1],
                                                     w->shape[2] * w->shape[3], STREAM (backend)),
                   "batch_norm_conv_grad");
  return TRUE;
}

/* ---- activations, softmax, dropout ------------------------------------------------ */

static gboolean
cuda_activation_forward (FathomBackend *backend, FathomActivation act, const FathomTensor *x,
                         FathomTensor *y, GError **error)
{
  FATHOM_CUDA_NEED ("activation", x, y);
  FATHOM_CUDA_TRY (fathom_cuda_activation_forward ((int) act, fathom_tensor_raw (x), fathom_tensor_raw (y),
                                                   (gint64) y->numel, STREAM (backend)),
                   "activation forward");
  return TRUE;
}

static gboolean
cuda_activation_backward (FathomBackend *backend, FathomActivation act, const FathomTensor *y,
                          const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  FATHOM_CUDA_NEED ("activation", y, dy, dx);
  FATHOM_CUDA_TRY (fathom_cuda_activation_backward ((int) act, fathom_tensor_raw (y), fathom_tensor_raw (dy),
                                                    fathom_tensor_raw (dx), (gint64) dx->numel,
                                                    STREAM (backend)), "activation backward");
  return TRUE;
}

static gboolean
cuda_softmax_forward (FathomBackend *backend, const FathomTensor *x, FathomTensor *y, GError **error)
{
  gint64 len = x->shape[x->ndim - 1];

  FATHOM_CUDA_NEED ("softmax", x, y);
  if (len == 0)
    return TRUE;
  FATHOM_CUDA_TRY (fathom_cuda_softmax_forward (fathom_tensor_raw (x), fathom_tensor_raw (y),
                                                (gint64) x->numel / len, len, STREAM (backend)),
                   "softmax forward");
  return TRUE;
}

static gboolean
cuda_softmax_backward (FathomBackend *backend, const FathomTensor *y, const FathomTensor *dy,
                       FathomTensor *dx, GError **error)
{
  gint64 len = y->shape[y->ndim - 1];

  FATHOM_CUDA_NEED ("softmax", y, dy, dx);
  if (len == 0)
    return TRUE;
  FATHOM_CUDA_TRY (fathom_cuda_softmax_backward (fathom_tensor_raw (y), fathom_tensor_raw (dy),
                                                 fathom_tensor_raw (dx), (gint64) y->numel / len, len,
                                                 STREAM (backend)), "softmax backward");
  return TRUE;
}

static gboolean
cuda_dropout_forward (FathomBackend *backend, const FathomDropoutDesc *desc, const FathomTensor *x,
                      FathomTensor *y, GError **error)
{
  FATHOM_CUDA_NEED ("dropout", x, y);
  /* the mask's seed is a kernel argument: a replay would repeat it */
  if (!fathom_cuda_capture_allows (FATHOM_CUDA (backend), FALSE,
                                   "dropout (it draws a new mask every step)", error))
    return FALSE;
  FATHOM_CUDA_TRY (fathom_cuda_dropout_forward (desc->rate, desc->seed, fathom_tensor_raw (x),
                                                fathom_tensor_raw (y), (gint64) y->numel,
                                                STREAM (backend)), "dropout forward");
  return TRUE;
}

static gboolean
cuda_dropout_backward (FathomBackend *backend, const FathomDropoutDesc *desc, const FathomTensor *dy,
                       FathomTensor *dx, GError **error)
{
  FATHOM_CUDA_NEED ("dropout", dy, dx);
  if (!fathom_cuda_capture_allows (FATHOM_CUDA (backend), FALSE,
                                   "dropout (it draws a new mask every step)", error))
    return FALSE;
  FATHOM_CUDA_TRY (fathom_cuda_dropout_backward (desc->rate, desc->seed, fathom_tensor_raw (dy),
                                                 fathom_tensor_raw (dx), (gint64) dx->numel,
                                                 STREAM (backend)), "dropout backward");
  return TRUE;
}

/* ---- concat and add ---------------------------------------------------------------- */

/* The product of the axes after 1: a channel's block per batch item. */
static gint64
concat_inner (const FathomTensor *y)
{
  gint64 inner = 1;

  for (guint a = 2; a < y->ndim; a++)
    inner *= y->shape[a];
  return inner;
}

/* Part i is a [N, Ci*inner] block of y's rows [N, C*inner], at column
 * (sum of the earlier Cj) * inner: one strided copy per part. */
static gboolean
cuda_concat_forward (FathomBackend *backend, guint n, const FathomTensor *const *x, FathomTensor *y,
                     GError **error)
{
  gint64 inner = concat_inner (y), row = y->shape[1] * inner, offset = 0;

  for (guint i = 0; i < n; i++)
    {
      gint64 len = x[i]->shape[1] * inner;

      FATHOM_CUDA_NEED ("concat", x[i], y);
      FATHOM_CUDA_TRY (fathom_cuda_copy_rows_forward (fathom_tensor_raw (y) + offset, row,
                                                      fathom_tensor_raw (x[i]), len, y->shape[0], len,
                                                      STREAM (backend)), "concat forward");
      offset += len;
    }
  return TRUE;
}

static gboolean
cuda_concat_backward (FathomBackend *backend, guint n, const FathomTensor *dy, FathomTensor *const *dx,
                      GError **error)
{
  gint64 inner = concat_inner (dy), row = dy->shape[1] * inner, offset = 0;

  for (guint i = 0; i < n; i++)
    {
      gint64 len = dx[i]->shape[1] * inner;

      FATHOM_CUDA_NEED ("concat", dy, dx[i]);
      FATHOM_CUDA_TRY (fathom_cuda_copy_rows_forward (fathom_tensor_raw (dx[i]), len,
                                                      fathom_tensor_raw (dy) + offset, row,
                                                      dy->shape[0], len, STREAM (backend)),
                       "concat backward");
      offset += len;
    }
  return TRUE;
}

static gboolean
cuda_attention_pool_forward (FathomBackend *backend, const FathomTensor *weights, const FathomTensor *values,
                             FathomTensor *y, GError **error)
{
  gint64 n = weights->shape[0];

  FATHOM_CUDA_NEED ("attention_pool", weights, values, y);
  FATHOM_CUDA_TRY (fathom_cuda_attention_pool_forward (fathom_tensor_raw (weights), fathom_tensor_raw (values),
                                                       fathom_tensor_raw (y), n, values->shape[1],
                                                       (gint64) weights->numel / n, STREAM (backend)),
                   "attention pool forward");
  return TRUE;
}

static gboolean
cuda_peak_window_forward (FathomBackend *backend, const FathomTensor *weights, gint64 height, gint64 width,
                          int radius, FathomTensor *y, GError **error)
{
  FATHOM_CUDA_NEED ("peak_window", weights, y);
  FATHOM_CUDA_TRY (fathom_cuda_peak_window_forward (fathom_tensor_raw (weights), fathom_tensor_raw (y),
                                                    weights->shape[0], height, width, radius, STREAM (backend)),
                   "peak window forward");
  return TRUE;
}

static gboolean
cuda_attention_pool_backward (FathomBackend *backend, const FathomTensor *weights, const FathomTensor *values,
                              const FathomTensor *dy, FathomTensor *dweights, FathomTensor *dvalues,
                              GError **error)
{
  gint64 n = weights->shape[0];

  FATHOM_CUDA_NEED ("attention_pool", weights, values, dy, dweights, dvalues);
  FATHOM_CUDA_TRY (fathom_cuda_attention_pool_backward (fathom_tensor_raw (weights), fathom_tensor_raw (values),
                                                        fathom_tensor_raw (dy),
                                                        dweights != NULL ? fathom_tensor_raw (dweights) : NULL,
                                                        dvalues != NULL ? fathom_tensor_raw (dvalues) : NULL,
                                                        n, values->shape[1], (gint64) weights->numel / n,
                                                        STREAM (backend)),
                   "attention pool backward");
  return TRUE;
}

/* A launch takes FATHOM_CUDA_ADD_MAX_INPUTS inputs; more are added in
 * chunks into y, which must then not be an input (a later chunk would
 * read the partial sum): such a call sums into scratch first. */
static gboolean
cuda_add_forward (FathomBackend *backend, guint n, const FathomTensor *const *x, FathomTensor *y,
                  GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  const float *ptrs[FATHOM_CUDA_ADD_MAX_INPUTS];
  g_autoptr(FathomCudaBlock) tmp = NULL;
  float *out = fathom_tensor_raw (y);
  gint64 numel = (gint64) y->numel;

  for (guint i = 0; i < n; i++)
    FATHOM_CUDA_NEED ("add", x[i]);
  FATHOM_CUDA_NEED ("add", y);
  for (guint i = 0; n > FATHOM_CUDA_ADD_MAX_INPUTS && tmp == NULL && i < n; i++)
    if (fathom_tensor_raw (x[i]) == out)
      {
        if ((tmp = fathom_cuda_block_new (self, MAX (numel, 1) * sizeof (float), error)) == NULL)
          return FALSE;
        out = fathom_cuda_block_data (tmp);
      }

  for (guint start = 0; start < n; start += FATHOM_CUDA_ADD_MAX_INPUTS)
    {
      guint count = MIN (n - start, FATHOM_CUDA_ADD_MAX_INPUTS);

      for (guint k = 0; k < count; k++)
        ptrs[k] = fathom_tensor_raw (x[start + k]);
      FATHOM_CUDA_TRY (fathom_cuda_add_forward (count, ptrs, start > 0, out, numel, self->stream),
                       "add forward");
    }
  if (tmp != NULL)
    FATHOM_CUDA_TRY (fathom_cuda_copy_forward (fathom_tensor_raw (y), out, numel, self->stream),
                     "add forward (copy)");
  return TRUE;
}

/* ---- losses --------------------------------------------------------------------------- */

static gboolean
need_tensor (const FathomTensor *t, const char *op, const char *what, GError **error)
{
  if (t != NULL)
    return TRUE;
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE, "%s: no %s", op, what);
  return FALSE;
}

/* The device double the reductions leave their total in, brought home.
 * While a step is captured nothing may come home: the total is kept on
 * the device for the graph's launches to bring back, divided then, and
 * *loss is NaN for now. */
static gboolean
read_loss (FathomCudaBackend *self, double divisor, float *loss, GError **error)
{
  const double *d = (const double *) fathom_cuda_block_data (self->reduce) + FATHOM_CUDA_REDUCE_PARTIALS;
  double total = 0.0;

  if (self->capture != NULL)
    {
      *loss = NAN;
      return fathom_cuda_capture_loss (self, d, divisor, error);
    }
  FATHOM_CUDA_TRY (cudaMemcpyAsync (&total, d, sizeof (double), cudaMemcpyDeviceToHost, self->stream),
                   "loss (copy to host)");
  FATHOM_CUDA_TRY (cudaStreamSynchronize (self->stream), "loss (synchronize)");
  *loss = (float) (total / divisor);
  return TRUE;
}


static gboolean
cuda_softmax_cross_entropy_forward (FathomBackend *backend, const FathomCrossEntropyDesc *desc,
                                    const FathomTensor *logits, const FathomTensor *target,
                                    FathomTensor *probs, float *loss, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  const gint64 K = logits->shape[logits->ndim - 1];
  const gint64 M = (gint64) logits->numel / K;
  double *partial = fathom_cuda_block_data (self->reduce);
  g_autoptr(FathomCudaBlock) rows = NULL;

  if (!need_tensor (target, "softmax_cross_entropy", "target", error))
    return FALSE;
  FATHOM_CUDA_NEED ("softmax_cross_entropy", logits, target, probs);
  if ((rows = fathom_cuda_block_new (self, M * sizeof (double), error)) == NULL)
    return FALSE;
  FATHOM_CUDA_TRY (fathom_cuda_softmax_cross_entropy_forward (desc->clip, fathom_tensor_raw (logits),
                                                              fathom_tensor_raw (target),
                                                              fathom_cuda_raw_or_null (probs),
                                                              fathom_cuda_block_data (rows), partial,
                                                              partial + FATHOM_CUDA_REDUCE_PARTIALS,
                                                              M, K, self->stream),
                   "softmax_cross_entropy forward");
  if (loss == NULL)
    return TRUE;
  return read_loss (self, (double) M, loss, error);
}

static gboolean
cuda_softmax_cross_entropy_backward (FathomBackend *backend, const FathomCrossEntropyDesc *desc,
                                     const FathomTensor *probs, const FathomTensor *target,
                                     float scale, FathomTensor *dlogits, GError **error)
{
  const gint64 K = probs->shape[probs->ndim - 1];
  const gint64 M = K > 0 ? (gint64) probs->numel / K : 0;

  if (!need_tensor (target, "softmax_cross_entropy", "target", error))
    return FALSE;
  if (dlogits == NULL || M == 0)
    return TRUE;
  FATHOM_CUDA_NEED ("softmax_cross_entropy", probs, target, dlogits);
  FATHOM_CUDA_TRY (fathom_cuda_softmax_cross_entropy_backward (desc->clip, (double) scale / M,
                                                               fathom_tensor_raw (probs),
                                                               fathom_tensor_raw (target),
                                                               fathom_tensor_raw (dlogits), M, K,
                                                               STREAM (backend)),
                   "softmax_cross_entropy backward");
  return TRUE;
}

static gboolean
cuda_mse_forward (FathomBackend *backend, const FathomTensor *pred, const FathomTensor *target,
                  float *loss, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  double *partial = fathom_cuda_block_data (self->reduce);

  if (!need_tensor (target, "mse", "target", error))
    return FALSE;
  FATHOM_CUDA_NEED ("mse", pred, target);
  if (loss == NULL)
    return TRUE;
  FATHOM_CUDA_TRY (fathom_cuda_mse_forward (fathom_tensor_raw (pred), fathom_tensor_raw (target),
                                            (gint64) pred->numel, partial,
                                            partial + FATHOM_CUDA_REDUCE_PARTIALS, self->stream),
                   "mse forward");
  return read_loss (self, (double) pred->numel, loss, error);
}

static gboolean
cuda_mse_backward (FathomBackend *backend, const FathomTensor *pred, const FathomTensor *target,
                   float scale, FathomTensor *dpred, GError **error)
{
  if (!need_tensor (target, "mse", "target", error))
    return FALSE;
  if (dpred == NULL)
    return TRUE;
  FATHOM_CUDA_NEED ("mse", pred, target, dpred);
  FATHOM_CUDA_TRY (fathom_cuda_mse_backward (2.0 * scale / (double) pred->numel, fathom_tensor_raw (pred),
                                             fathom_tensor_raw (target), fathom_tensor_raw (dpred),
                                             (gint64) pred->numel, STREAM (backend)), "mse backward");
  return TRUE;
}

/* ---- optimisers ------------------------------------------------------------------------ */

static const float *
rate_or_null (const FathomTensor *rate, gsize index)
{
  return rate != NULL ? fathom_tensor_raw (rate) + index : NULL;
}

static gboolean
cuda_sgd_update (FathomBackend *backend, const FathomSgdDesc *desc, FathomTensor *param,
                 const FathomTensor *grad, FathomTensor *velocity, GError **error)
{
  if (!need_tensor (grad, "sgd", "gradient", error))
    return FALSE;
  FATHOM_CUDA_NEED ("sgd", param, grad, velocity, desc->rate);
  if (!fathom_cuda_capture_allows (FATHOM_CUDA (backend), desc->rate != NULL,
                                   "sgd update (its learning rate is not on the device)", error))
    return FALSE;
  FATHOM_CUDA_TRY (fathom_cuda_sgd_update (desc->lr, rate_or_null (desc->rate, desc->rate_index),
                                           desc->momentum, desc->nesterov,
                                           fathom_tensor_raw (param), fathom_tensor_raw (grad),
                                           fathom_cuda_raw_or_null (velocity), (gint64) param->numel,
                                           STREAM (backend)), "sgd update");
  return TRUE;
}

static gboolean
cuda_adam_update (FathomBackend *backend, const FathomAdamDesc *desc, FathomTensor *param,
                  const FathomTensor *grad, FathomTensor *m, FathomTensor *v, GError **error)
{
  /* Keras folds both bias corrections into the step size (on the host,
   * in double, exactly as the CPU does), or the caller did, into rate. */
  const float lr_t = desc->rate != NULL ? 0.f : fathom_adam_step_size (desc);

  if (!need_tensor (grad, "adam", "gradient", error))
    return FALSE;
  FATHOM_CUDA_NEED ("adam", param, grad, m, v, desc->rate);
  /* a step count baked into a graph would repeat at every replay */
  if (!fathom_cuda_capture_allows (FATHOM_CUDA (backend), desc->rate != NULL,
                                   "adam update (its step size is not on the device)", error))
    return FALSE;
  FATHOM_CUDA_TRY (fathom_cuda_adam_update (lr_t, rate_or_null (desc->rate, desc->rate_index),
                                            desc->beta1, desc->beta2, desc->eps,
                                            fathom_tensor_raw (param), fathom_tensor_raw (grad),
                                            fathom_tensor_raw (m), fathom_tensor_raw (v),
                                            (gint64) param->numel, STREAM (backend)), "adam update");
  return TRUE;
}

void
fathom_cuda_ops_install (FathomBackendOps *ops)
{
  ops->zero_pad_forward = cuda_zero_pad_forward;
  ops->zero_pad_backward = cuda_zero_pad_backward;
  ops->max_pool_forward = cuda_max_pool_forward;
  ops->max_pool_backward = cuda_max_pool_backward;
  ops->avg_pool_forward = cuda_avg_pool_forward;
  ops->avg_pool_backward = cuda_avg_pool_backward;
  ops->global_avg_pool_forward = cuda_global_avg_pool_forward;
  ops->global_avg_pool_backward = cuda_global_avg_pool_backward;
  ops->batch_norm_forward = cuda_batch_norm_forward;
  ops->batch_norm_backward = cuda_batch_norm_backward;
  ops->batch_norm_conv_grad = cuda_batch_norm_conv_grad;
  ops->activation_forward = cuda_activation_forward;
  ops->activation_backward = cuda_activation_backward;
  ops->softmax_forward = cuda_softmax_forward;
  ops->softmax_backward = cuda_softmax_backward;
  ops->dropout_forward = cuda_dropout_forward;
  ops->dropout_backward = cuda_dropout_backward;
  ops->concat_forward = cuda_concat_forward;
  ops->concat_backward = cuda_concat_backward;
  ops->add_forward = cuda_add_forward;
  ops->attention_pool_forward = cuda_attention_pool_forward;
  ops->attention_pool_backward = cuda_attention_pool_backward;
  ops->peak_window_forward = cuda_peak_window_forward;
  ops->softmax_cross_entropy_forward = cuda_softmax_cross_entropy_forward;
  ops->softmax_cross_entropy_backward = cuda_softmax_cross_entropy_backward;
  ops->mse_forward = cuda_mse_forward;
  ops->mse_backward = cuda_mse_backward;
  ops->sgd_update = cuda_sgd_update;
  ops->adam_update = cuda_adam_update;
}
