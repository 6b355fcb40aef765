/* fathom-backend.c: shape checks and dispatch through the backend vtable. */
#include "fathom-backend-private.h"
#include "fathom-quark.h"

#include <string.h>

FATHOM_DEFINE_QUARK (fathom-backend-error-quark, fathom_backend_error)

void
fathom_backend_init (FathomBackend *self, const FathomBackendOps *ops, const char *name)
{
  g_atomic_ref_count_init (&self->ref);
  self->ops = ops;
  self->name = g_strdup (name);
}

FathomBackend *
fathom_backend_ref (FathomBackend *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
fathom_backend_unref (FathomBackend *self)
{
  if (self == NULL)
    return;
  if (g_atomic_ref_count_dec (&self->ref))
    {
      char *name = self->name;
      self->ops->finalize (self);
      g_free (name);
    }
}

const char *
fathom_backend_get_name (FathomBackend *self)
{
  return self->name;
}

static gpointer
op_slot (FathomBackend *self, FathomOp op)
{
  const FathomBackendOps *o = self->ops;

  switch (op)
    {
    case FATHOM_OP_FILL: return o->fill;
    case FATHOM_OP_COPY: return o->copy;
    case FATHOM_OP_AXPY: return o->axpy;
    case FATHOM_OP_GEMM: return o->gemm;
    case FATHOM_OP_CONV2D: return o->conv2d_backward ? o->conv2d_forward : NULL;
    case FATHOM_OP_ZERO_PAD: return o->zero_pad_backward ? o->zero_pad_forward : NULL;
    case FATHOM_OP_MAX_POOL: return o->max_pool_backward ? o->max_pool_forward : NULL;
    case FATHOM_OP_AVG_POOL: return o->avg_pool_backward ? o->avg_pool_forward : NULL;
    case FATHOM_OP_GLOBAL_AVG_POOL: return o->global_avg_pool_backward ? o->global_avg_pool_forward : NULL;
    case FATHOM_OP_DENSE: return o->dense_backward ? o->dense_forward : NULL;
    case FATHOM_OP_BATCH_NORM: return o->batch_norm_backward ? o->batch_norm_forward : NULL;
    case FATHOM_OP_BATCH_NORM_CONV_GRAD: return o->batch_norm_conv_grad;
    case FATHOM_OP_ACTIVATION: return o->activation_backward ? o->activation_forward : NULL;
    case FATHOM_OP_SOFTMAX: return o->softmax_backward ? o->softmax_forward : NULL;
    case FATHOM_OP_DROPOUT: return o->dropout_backward ? o->dropout_forward : NULL;
    case FATHOM_OP_CONCAT: return o->concat_backward ? o->concat_forward : NULL;
    case FATHOM_OP_ADD: return o->add_forward;
    case FATHOM_OP_ATTENTION_POOL: return o->attention_pool_backward ? o->attention_pool_forward : NULL;
    case FATHOM_OP_PEAK_WINDOW: return o->peak_window_forward;
    case FATHOM_OP_RNN: return o->rnn_backward ? o->rnn_forward : NULL;
    case FATHOM_OP_GRU: return o->gru_backward ? o->gru_forward : NULL;
    case FATHOM_OP_SOFTMAX_CROSS_ENTROPY:
      return o->softmax_cross_entropy_backward ? o->softmax_cross_entropy_forward : NULL;
    case FATHOM_OP_MSE: return o->mse_backward ? o->mse_forward : NULL;
    case FATHOM_OP_SGD: return o->sgd_update;
    case FATHOM_OP_ADAM: return o->adam_update;
    case FATHOM_N_OPS:
    default:
      return NULL;
    }
}

gboolean
fathom_backend_supports_op (FathomBackend *self, FathomOp op)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return op_slot (self, op) != NULL;
}

static gboolean
unsupported (FathomBackend *self, FathomOp op, GError **error)
{
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
               "The %s backend does not implement the %s op",
               self->name, fathom_op_get_name (op));
  return FALSE;
}

#define DISPATCH(slot, op, ...)                                 \
  G_STMT_START {                                                \
    if (self->ops->slot == NULL)                                \
      return unsupported (self, op, error);                     \
    return self->ops->slot (self, __VA_ARGS__, error);          \
  } G_STMT_END

static gboolean G_GNUC_PRINTF (3, 4)
shape_error (GError **error, const char *op, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE, "%s: %s", op, msg);
  return FALSE;
}

/* Checks t against ndim dims; a negative entry in shape matches any size. */
static gboolean
expect (const char *op, const char *what, const FathomTensor *t,
        guint ndim, const gint64 *shape, GError **error)
{
  gboolean ok = t != NULL && t->ndim == ndim;

  for (guint i = 0; ok && i < ndim; i++)
    ok = shape[i] < 0 || t->shape[i] == shape[i];
  if (!ok)
    {
      GString *want = g_string_new ("[");
      g_autofree char *got = t ? fathom_tensor_shape_to_string (t) : g_strdup ("none");

      for (guint i = 0; i < ndim; i++)
        {
          if (i)
            g_string_append (want, ", ");
          if (shape[i] < 0)
            g_string_append_c (want, '*');
          else
            g_string_append_printf (want, "%" G_GINT64_FORMAT, shape[i]);
        }
      g_string_append_c (want, ']');
      shape_error (error, op, "%s has shape %s, expected %s", what, got, want->str);
      g_string_free (want, TRUE);
    }
  return ok;
}

#define EXPECT(op, what, t, ...) \
  expect (op, what, t, G_N_ELEMENTS (((gint64[]) { __VA_ARGS__ })), (gint64[]) { __VA_ARGS__ }, error)

/* An optional tensor (may be NULL) must match when given. */
#define EXPECT_OPT(op, what, t, ...) ((t) == NULL || EXPECT (op, what, t, __VA_ARGS__))

static gboolean
expect_same (const char *op, const char *what, const FathomTensor *t,
             const FathomTensor *ref, GError **error)
{
  return t == NULL || expect (op, what, t, ref->ndim, ref->shape, error);
}

static gboolean
expect_numel (const char *op, const char *what, const FathomTensor *t,
              const FathomTensor *ref, GError **error)
{
  if (t->numel == ref->numel)
    return TRUE;
  return shape_error (error, op, "%s has %" G_GSIZE_FORMAT " elements, expected %" G_GSIZE_FORMAT,
                      what, t->numel, ref->numel);
}

/* ---- memory ------------------------------------------------------------ */

FathomTensor *
fathom_backend_new_tensor (FathomBackend *self, guint ndim, const gint64 *shape, GError **error)
{
  FathomStorage *storage;
  FathomTensor *t;

  g_return_val_if_fail (ndim <= FATHOM_MAX_DIMS, NULL);
  for (guint i = 0; i < ndim; i++)
    if (shape[i] < 0)
      {
        shape_error (error, "new_tensor", "negative dimension %" G_GINT64_FORMAT, shape[i]);
        return NULL;
      }
  storage = self->ops->alloc (self, fathom_shape_numel (ndim, shape) * sizeof (float), error);
  if (storage == NULL)
    return NULL;
  t = fathom_tensor_new_with_storage (ndim, shape, storage, 0);
  fathom_storage_unref (storage);
  return t;
}

FathomTensor *
fathom_backend_new_tensor_like (FathomBackend *self, const FathomTensor *other, GError **error)
{
  return fathom_backend_new_tensor (self, other->ndim, other->shape, error);
}

gboolean
fathom_backend_upload (FathomBackend *self, FathomTensor *dst, const float *src, GError **error)
{
  return self->ops->upload (self, dst, src, error);
}

gboolean
fathom_backend_download (FathomBackend *self, const FathomTensor *src, float *dst, GError **error)
{
  return self->ops->download (self, src, dst, error);
}

gboolean
fathom_backend_synchronize (FathomBackend *self, GError **error)
{
  return self->ops->synchronize == NULL || self->ops->synchronize (self, error);
}

/* ---- elementwise helpers -------------------------------------------------- */

gboolean
fathom_backend_fill (FathomBackend *self, FathomTensor *t, float value, GError **error)
{
  DISPATCH (fill, FATHOM_OP_FILL, t, value);
}

gboolean
fathom_backend_copy (FathomBackend *self, FathomTensor *dst, const FathomTensor *src, GError **error)
{
  if (!expect_numel ("copy", "dst", dst, src, error))
    return FALSE;
  DISPATCH (copy, FATHOM_OP_COPY, dst, src);
}

gboolean
fathom_backend_axpy (FathomBackend *self, float alpha, const FathomTensor *x, FathomTensor *y, GError **error)
{
  if (!expect_numel ("axpy", "y", y, x, error))
    return FALSE;
  DISPATCH (axpy, FATHOM_OP_AXPY, alpha, x, y);
}

gboolean
fathom_backend_gemm (FathomBackend *self, gboolean trans_a, gboolean trans_b, float alpha,
                     const FathomTensor *a, const FathomTensor *b, float beta,
                     FathomTensor *c, GError **error)
{
  gint64 m, k, n;

  if (!EXPECT ("gemm", "a", a, -1, -1) || !EXPECT ("gemm", "b", b, -1, -1))
    return FALSE;
  m = a->shape[trans_a ? 1 : 0];
  k = a->shape[trans_a ? 0 : 1];
  n = b->shape[trans_b ? 0 : 1];
  if (b->shape[trans_b ? 1 : 0] != k)
    return shape_error (error, "gemm", "inner sizes differ (%" G_GINT64_FORMAT " and %" G_GINT64_FORMAT ")",
                        k, b->shape[trans_b ? 1 : 0]);
  if (!EXPECT ("gemm", "c", c, m, n))
    return FALSE;
  DISPATCH (gemm, FATHOM_OP_GEMM, trans_a, trans_b, alpha, a, b, beta, c);
}

/* ---- convolution and pooling ---------------------------------------------- */

static gboolean
window_output (const char *op, const FathomConvWindow *win, const FathomTensor *x,
               gint64 *oh, gint64 *ow, GError **error)
{
  gint64 ph, pw;

  if (!EXPECT (op, "x", x, -1, -1, -1, -1))
    return FALSE;
  if (win->kh <= 0 || win->kw <= 0 || win->sh <= 0 || win->sw <= 0 ||
      win->pad_top < 0 || win->pad_bottom < 0 || win->pad_left < 0 || win->pad_right < 0)
    return shape_error (error, op, "invalid window %dx%d stride %dx%d", win->kh, win->kw, win->sh, win->sw);
  ph = x->shape[2] + win->pad_top + win->pad_bottom;
  pw = x->shape[3] + win->pad_left + win->pad_right;
  if (ph < win->kh || pw < win->kw)
    return shape_error (error, op, "window %dx%d larger than padded input %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
                        win->kh, win->kw, ph, pw);
  *oh = (ph - win->kh) / win->sh + 1;
  *ow = (pw - win->kw) / win->sw + 1;
  return TRUE;
}

static gboolean
check_conv (const FathomConvWindow *win, const FathomTensor *x, const FathomTensor *w,
            const FathomTensor *y, GError **error)
{
  gint64 oh = 0, ow = 0;   /* set unless window_output fails */

  if (!window_output ("conv2d", win, x, &oh, &ow, error))
    return FALSE;
  if (!EXPECT ("conv2d", "w", w, -1, x->shape[1], win->kh, win->kw))
    return FALSE;
  return EXPECT ("conv2d", "y", y, x->shape[0], w->shape[0], oh, ow);
}

gboolean
fathom_backend_conv2d_forward (FathomBackend *self, const FathomConvWindow *win,
                               const FathomTensor *x, const FathomTensor *w,
                               const FathomTensor *bias, FathomTensor *y, GError **error)
{
  if (!check_conv (win, x, w, y, error) || !EXPECT_OPT ("conv2d", "bias", bias, w->shape[0]))
    return FALSE;
  DISPATCH (conv2d_forward, FATHOM_OP_CONV2D, win, x, w, bias, y);
}

gboolean
fathom_backend_conv2d_forward_act (FathomBackend *self, const FathomConvWindow *win,
                                   const FathomTensor *x, const FathomTensor *w,
                                   const FathomTensor *bias, const FathomTensor *z,
                                   FathomActivation act, FathomTensor *y, GError **error)
{
  const FathomTensor *sum[2] = { y, z };
  gboolean done = FALSE;

  if (z != NULL && !expect_same ("conv2d", "z", z, y, error))
    return FALSE;
  if (z != NULL && fathom_tensor_raw (z) == fathom_tensor_raw (y))
    return shape_error (error, "conv2d", "z cannot be y itself");
  if ((act != FATHOM_ACTIVATION_IDENTITY || z != NULL) && self->ops->conv2d_forward_act != NULL)
    {
      if (!check_conv (win, x, w, y, error) || !EXPECT_OPT ("conv2d", "bias", bias, w->shape[0]) ||
          !self->ops->conv2d_forward_act (self, win, x, w, bias, z, act, y, &done, error))
        return FALSE;
      if (done)
        return TRUE;
    }
  return fathom_backend_conv2d_forward (self, win, x, w, bias, y, error) &&
         (z == NULL || fathom_backend_add_forward (self, 2, sum, y, error)) &&
         (act == FATHOM_ACTIVATION_IDENTITY || fathom_backend_activation_forward (self, act, y, y, error));
}

gboolean
fathom_backend_conv2d_backward (FathomBackend *self, const FathomConvWindow *win,
                                const FathomTensor *x, const FathomTensor *w,
                                const FathomTensor *dy, FathomTensor *dx,
                                FathomTensor *dw, FathomTensor *dbias, GError **error)
{
  if (!check_conv (win, x, w, dy, error) ||
      !expect_same ("conv2d", "dx", dx, x, error) ||
      !expect_same ("conv2d", "dw", dw, w, error) ||
      !EXPECT_OPT ("conv2d", "dbias", dbias, w->shape[0]))
    return FALSE;
  DISPATCH (conv2d_backward, FATHOM_OP_CONV2D, win, x, w, dy, dx, dw, dbias);
}

static gboolean
check_pad (const FathomPad2d *pad, const FathomTensor *x, const FathomTensor *y, GError **error)
{
  if (pad->top < 0 || pad->bottom < 0 || pad->left < 0 || pad->right < 0)
    return shape_error (error, "zero_pad", "negative padding");
  if (!EXPECT ("zero_pad", "x", x, -1, -1, -1, -1))
    return FALSE;
  return EXPECT ("zero_pad", "y", y, x->shape[0], x->shape[1],
                 x->shape[2] + pad->top + pad->bottom, x->shape[3] + pad->left + pad->right);
}

gboolean
fathom_backend_zero_pad_forward (FathomBackend *self, const FathomPad2d *pad,
                                 const FathomTensor *x, FathomTensor *y, GError **error)
{
  if (!check_pad (pad, x, y, error))
    return FALSE;
  DISPATCH (zero_pad_forward, FATHOM_OP_ZERO_PAD, pad, x, y);
}

gboolean
fathom_backend_zero_pad_backward (FathomBackend *self, const FathomPad2d *pad,
                                  const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  if (!check_pad (pad, dx, dy, error))
    return FALSE;
  DISPATCH (zero_pad_backward, FATHOM_OP_ZERO_PAD, pad, dy, dx);
}

static gboolean
check_pool (const char *op, const FathomConvWindow *win, const FathomTensor *x,
            const FathomTensor *y, GError **error)
{
  gint64 oh = 0, ow = 0;   /* set unless window_output fails */

  if (!window_output (op, win, x, &oh, &ow, error))
    return FALSE;
  if (win->pad_top >= win->kh || win->pad_bottom >= win->kh ||
      win->pad_left >= win->kw || win->pad_right >= win->kw)
    return shape_error (error, op, "padding must be smaller than the window");
  return EXPECT (op, "y", y, x->shape[0], x->shape[1], oh, ow);
}

gboolean
fathom_backend_max_pool_forward (FathomBackend *self, const FathomConvWindow *win,
                                 const FathomTensor *x, FathomTensor *y, GError **error)
{
  if (!check_pool ("max_pool", win, x, y, error))
    return FALSE;
  DISPATCH (max_pool_forward, FATHOM_OP_MAX_POOL, win, x, y);
}

gboolean
fathom_backend_max_pool_backward (FathomBackend *self, const FathomConvWindow *win,
                                  const FathomTensor *x, const FathomTensor *dy,
                                  FathomTensor *dx, GError **error)
{
  if (!check_pool ("max_pool", win, x, dy, error) || !expect_same ("max_pool", "dx", dx, x, error))
    return FALSE;
  DISPATCH (max_pool_backward, FATHOM_OP_MAX_POOL, win, x, dy, dx);
}

gboolean
fathom_backend_avg_pool_forward (FathomBackend *self, const FathomConvWindow *win,
                                 const FathomTensor *x, FathomTensor *y, GError **error)
{
  if (!check_pool ("avg_pool", win, x, y, error))
    return FALSE;
  DISPATCH (avg_pool_forward, FATHOM_OP_AVG_POOL, win, x, y);
}

gboolean
fathom_backend_avg_pool_backward (FathomBackend *self, const FathomConvWindow *win,
                                  const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  if (!check_pool ("avg_pool", win, dx, dy, error))
    return FALSE;
  DISPATCH (avg_pool_backward, FATHOM_OP_AVG_POOL, win, dy, dx);
}

gboolean
fathom_backend_global_avg_pool_forward (FathomBackend *self, const FathomTensor *x,
                                        FathomTensor *y, GError **error)
{
  if (!EXPECT ("global_avg_pool", "x", x, -1, -1, -1, -1) ||
      !EXPECT ("global_avg_pool", "y", y, x->shape[0], x->shape[1]))
    return FALSE;
  DISPATCH (global_avg_pool_forward, FATHOM_OP_GLOBAL_AVG_POOL, x, y);
}

gboolean
fathom_backend_global_avg_pool_backward (FathomBackend *self, const FathomTensor *dy,
                                         FathomTensor *dx, GError **error)
{
  if (!EXPECT ("global_avg_pool", "dx", dx, -1, -1, -1, -1) ||
      !EXPECT ("global_avg_pool", "dy", dy, dx->shape[0], dx->shape[1]))
    return FALSE;
  DISPATCH (global_avg_pool_backward, FATHOM_OP_GLOBAL_AVG_POOL, dy, dx);
}

/* ---- dense and normalisation ---------------------------------------------- */

static gboolean
check_dense (const FathomTensor *x, const FathomTensor *w, const FathomTensor *y, GError **error)
{
  if (!EXPECT ("dense", "x", x, -1, -1) || !EXPECT ("dense", "w", w, -1, x->shape[1]))
    return FALSE;
  return EXPECT ("dense", "y", y, x->shape[0], w->shape[0]);
}

gboolean
fathom_backend_dense_forward (FathomBackend *self, const FathomTensor *x, const FathomTensor *w,
                              const FathomTensor *bias, FathomTensor *y, GError **error)
{
  if (!check_dense (x, w, y, error) || !EXPECT_OPT ("dense", "bias", bias, w->shape[0]))
    return FALSE;
  DISPATCH (dense_forward, FATHOM_OP_DENSE, x, w, bias, y);
}

gboolean
fathom_backend_dense_backward (FathomBackend *self, const FathomTensor *x, const FathomTensor *w,
                               const FathomTensor *dy, FathomTensor *dx, FathomTensor *dw,
                               FathomTensor *dbias, GError **error)
{
  if (!check_dense (x, w, dy, error) ||
      !expect_same ("dense", "dx", dx, x, error) ||
      !expect_same ("dense", "dw", dw, w, error) ||
      !EXPECT_OPT ("dense", "dbias", dbias, w->shape[0]))
    return FALSE;
  DISPATCH (dense_backward, FATHOM_OP_DENSE, x, w, dy, dx, dw, dbias);
}

static gboolean
check_bn_x (const FathomTensor *x, GError **error)
{
  if (x->ndim != 2 && x->ndim != 4)
    return shape_error (error, "batch_norm", "x must be [N,C] or [N,C,H,W]");
  if (x->shape[0] < 1)
    return shape_error (error, "batch_norm", "empty batch");
  return TRUE;
}

gboolean
fathom_backend_batch_norm_forward (FathomBackend *self, const FathomBatchNormDesc *desc,
                                   const FathomTensor *x, const FathomTensor *gamma,
                                   const FathomTensor *beta, FathomTensor *running_mean,
                                   FathomTensor *running_var, FathomTensor *y,
                                   FathomTensor *save_mean, FathomTensor *save_invstd,
                                   GError **error)
{
  gint64 c;

  if (!check_bn_x (x, error))
    return FALSE;
  c = x->shape[1];
  if (!EXPECT ("batch_norm", "gamma", gamma, c) || !EXPECT ("batch_norm", "beta", beta, c) ||
      !EXPECT ("batch_norm", "running_mean", running_mean, c) ||
      !EXPECT ("batch_norm", "running_var", running_var, c) ||
      !EXPECT ("batch_norm", "save_mean", save_mean, c) ||
      !EXPECT ("batch_norm", "save_invstd", save_invstd, c) ||
      !expect_same ("batch_norm", "y", y, x, error))
    return FALSE;
  DISPATCH (batch_norm_forward, FATHOM_OP_BATCH_NORM, desc, x, gamma, beta, running_mean,
            running_var, y, save_mean, save_invstd);
}

gboolean
fathom_backend_batch_norm_conv_grad (FathomBackend *self, const FathomTensor *g, const FathomTensor *s,
                                     const FathomTensor *w, const FathomTensor *gamma, const FathomTensor *beta,
                                     const FathomTensor *save_mean, const FathomTensor *save_invstd,
                                     FathomTensor *dw, FathomTensor *dgamma, FathomTensor *dbeta, GError **error)
{
  gint64 k, c;

  if (w == NULL || w->ndim != 4)
    return shape_error (error, "batch_norm_conv_grad", "the filters must be [K, C, kh, kw]");
  k = w->shape[0];
  c = w->shape[1];
  if (!EXPECT ("batch_norm_conv_grad", "g", g, k, c, w->shape[2], w->shape[3]) ||
      !EXPECT ("batch_norm_conv_grad", "s", s, k, 1, w->shape[2], w->shape[3]) ||
      !EXPECT ("batch_norm_conv_grad", "gamma", gamma, c) ||
      !EXPECT ("batch_norm_conv_grad", "beta", beta, c) ||
      !EXPECT ("batch_norm_conv_grad", "save_mean", save_mean, c) ||
      !EXPECT ("batch_norm_conv_grad", "save_invstd", save_invstd, c) ||
      !expect_same ("batch_norm_conv_grad", "dw", dw, w, error) ||
      !EXPECT_OPT ("batch_norm_conv_grad", "dgamma", dgamma, c) ||
      !EXPECT_OPT ("batch_norm_conv_grad", "dbeta", dbeta, c))
    return FALSE;
  DISPATCH (batch_norm_conv_grad, FATHOM_OP_BATCH_NORM_CONV_GRAD, g, s, w, gamma, beta, save_mean,
            save_invstd, dw, dgamma, dbeta);
}

gboolean
fathom_backend_batch_norm_backward (FathomBackend *self, const FathomBatchNormDesc *desc,
                                    const FathomTensor *x, const FathomTensor *gamma,
                                    const FathomTensor *save_mean, const FathomTensor *save_invstd,
                                    const FathomTensor *dy, FathomTensor *dx,
                                    FathomTensor *dgamma, FathomTensor *dbeta, GError **error)
{
  gint64 c;

  if (!check_bn_x (x, error))
    return FALSE;
  c = x->shape[1];
  if (!EXPECT ("batch_norm", "gamma", gamma, c) ||
      !EXPECT ("batch_norm", "save_mean", save_mean, c) ||
      !EXPECT ("batch_norm", "save_invstd", save_invstd, c) ||
      !expect_same ("batch_norm", "dy", dy, x, error) ||
      !expect_same ("batch_norm", "dx", dx, x, error) ||
      !EXPECT_OPT ("batch_norm", "dgamma", dgamma, c) ||
      !EXPECT_OPT ("batch_norm", "dbeta", dbeta, c))
    return FALSE;
  DISPATCH (batch_norm_backward, FATHOM_OP_BATCH_NORM, desc, x, gamma, save_mean, save_invstd,
            dy, dx, dgamma, dbeta);
}

/* ---- elementwise layers --------------------------------------------------- */

gboolean
fathom_backend_activation_forward (FathomBackend *self, FathomActivation act,
                                   const FathomTensor *x, FathomTensor *y, GError **error)
{
  if (!expect_same ("activation", "y", y, x, error))
    return FALSE;
  DISPATCH (activation_forward, FATHOM_OP_ACTIVATION, act, x, y);
}

gboolean
fathom_backend_activation_backward (FathomBackend *self, FathomActivation act,
                                    const FathomTensor *y, const FathomTensor *dy,
                                    FathomTensor *dx, GError **error)
{
  if (!expect_same ("activation", "dy", dy, y, error) || !expect_same ("activation", "dx", dx, y, error))
    return FALSE;
  DISPATCH (activation_backward, FATHOM_OP_ACTIVATION, act, y, dy, dx);
}

gboolean
fathom_backend_softmax_forward (FathomBackend *self, const FathomTensor *x,
                                FathomTensor *y, GError **error)
{
  if (x->ndim < 1 || !expect_same ("softmax", "y", y, x, error))
    return x->ndim >= 1 || shape_error (error, "softmax", "x is a scalar");
  DISPATCH (softmax_forward, FATHOM_OP_SOFTMAX, x, y);
}

gboolean
fathom_backend_softmax_backward (FathomBackend *self, const FathomTensor *y,
                                 const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  if (!expect_same ("softmax", "dy", dy, y, error) || !expect_same ("softmax", "dx", dx, y, error))
    return FALSE;
  DISPATCH (softmax_backward, FATHOM_OP_SOFTMAX, y, dy, dx);
}

static gboolean
check_dropout (const FathomDropoutDesc *desc, GError **error)
{
  if (!(desc->rate >= 0.f && desc->rate < 1.f))
    return shape_error (error, "dropout", "rate %g is outside [0, 1)", (double) desc->rate);
  return TRUE;
}

gboolean
fathom_backend_dropout_forward (FathomBackend *self, const FathomDropoutDesc *desc,
                                const FathomTensor *x, FathomTensor *y, GError **error)
{
  if (!check_dropout (desc, error) || !expect_same ("dropout", "y", y, x, error))
    return FALSE;
  DISPATCH (dropout_forward, FATHOM_OP_DROPOUT, desc, x, y);
}

gboolean
fathom_backend_dropout_backward (FathomBackend *self, const FathomDropoutDesc *desc,
                                 const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  if (!check_dropout (desc, error) || !expect_same ("dropout", "dx", dx, dy, error))
    return FALSE;
  DISPATCH (dropout_backward, FATHOM_OP_DROPOUT, desc, dy, dx);
}

/* Every part matches y except along axis 1, and the parts' channels add up. */
static gboolean
check_concat (guint n, const FathomTensor *const *x, const FathomTensor *y, GError **error)
{
  gint64 channels = 0;

  if (n == 0 || y->ndim < 2)
    return shape_error (error, "concat", "needs at least one part and a channel axis");
  for (guint i = 0; i < n; i++)
    {
      if (x[i] == NULL)
        continue;
      if (x[i]->ndim != y->ndim)
        return shape_error (error, "concat", "part %u has %u axes, output %u", i, x[i]->ndim, y->ndim);
      for (guint a = 0; a < y->ndim; a++)
        if (a != 1 && x[i]->shape[a] != y->shape[a])
          return shape_error (error, "concat", "part %u differs from the output on axis %u", i, a);
      channels += x[i]->shape[1];
    }
  if (channels != y->shape[1])
    return shape_error (error, "concat", "parts have %" G_GINT64_FORMAT " channels, output %" G_GINT64_FORMAT,
                        channels, y->shape[1]);
  return TRUE;
}

gboolean
fathom_backend_concat_forward (FathomBackend *self, guint n, const FathomTensor *const *x,
                               FathomTensor *y, GError **error)
{
  for (guint i = 0; i < n; i++)
    if (x[i] == NULL)
      return shape_error (error, "concat", "part %u is missing", i);
  if (!check_concat (n, x, y, error))
    return FALSE;
  DISPATCH (concat_forward, FATHOM_OP_CONCAT, n, x, y);
}

gboolean
fathom_backend_concat_backward (FathomBackend *self, guint n, const FathomTensor *dy,
                                FathomTensor *const *dx, GError **error)
{
  for (guint i = 0; i < n; i++)
    if (dx[i] == NULL)
      return shape_error (error, "concat", "gradient part %u is missing", i);
  if (!check_concat (n, (const FathomTensor *const *) dx, dy, error))
    return FALSE;
  DISPATCH (concat_backward, FATHOM_OP_CONCAT, n, dy, dx);
}

gboolean
fathom_backend_add_forward (FathomBackend *self, guint n, const FathomTensor *const *x,
                            FathomTensor *y, GError **error)
{
  if (n == 0)
    return shape_error (error, "add", "needs at least one input");
  for (guint i = 0; i < n; i++)
    if (x[i] == NULL || !expect_same ("add", "input", x[i], y, error))
      return x[i] != NULL || shape_error (error, "add", "input %u is missing", i);
  DISPATCH (add_forward, FATHOM_OP_ADD, n, x, y);
}

/* ---- recurrent layers ----------------------------------------------------- */

static gboolean
check_recurrent (const char *op, guint gates, const FathomTensor *x, const FathomTensor *h0,
                 const FathomTensor *wx, const FathomTensor *wh, const FathomTensor *bias,
                 const FathomTensor *y, GError **error)
{
  gint64 h;

  if (!EXPECT (op, "x", x, -1, -1, -1) || !EXPECT (op, "wh", wh, -1, -1))
    return FALSE;
  h = wh->shape[1];
  if (!EXPECT (op, "wh", wh, gates * h, h) ||
      !EXPECT (op, "wx", wx, gates * h, x->shape[2]) ||
      !EXPECT_OPT (op, "bias", bias, gates * h) ||
      !EXPECT_OPT (op, "h0", h0, x->shape[0], h))
    return FALSE;
  return EXPECT (op, "y", y, x->shape[0], x->shape[1], h);
}

gboolean
fathom_backend_rnn_forward (FathomBackend *self, const FathomRnnDesc *desc,
                            const FathomTensor *x, const FathomTensor *h0,
                            const FathomTensor *wx, const FathomTensor *wh,
                            const FathomTensor *bias, FathomTensor *y, GError **error)
{
  if (!check_recurrent ("rnn", 1, x, h0, wx, wh, bias, y, error))
    return FALSE;
  DISPATCH (rnn_forward, FATHOM_OP_RNN, desc, x, h0, wx, wh, bias, y);
}

gboolean
fathom_backend_rnn_backward (FathomBackend *self, const FathomRnnDesc *desc,
                             const FathomTensor *x, const FathomTensor *h0,
                             const FathomTensor *wx, const FathomTensor *wh,
                             const FathomTensor *y, const FathomTensor *dy,
                             FathomTensor *dx, FathomTensor *dh0, FathomTensor *dwx,
                             FathomTensor *dwh, FathomTensor *dbias, GError **error)
{
  if (!check_recurrent ("rnn", 1, x, h0, wx, wh, NULL, y, error) ||
      !expect_same ("rnn", "dy", dy, y, error) || !expect_same ("rnn", "dx", dx, x, error) ||
      !expect_same ("rnn", "dwx", dwx, wx, error) || !expect_same ("rnn", "dwh", dwh, wh, error) ||
      !EXPECT_OPT ("rnn", "dbias", dbias, wh->shape[0]) ||
      !EXPECT_OPT ("rnn", "dh0", dh0, x->shape[0], wh->shape[1]))
    return FALSE;
  DISPATCH (rnn_backward, FATHOM_OP_RNN, desc, x, h0, wx, wh, y, dy, dx, dh0, dwx, dwh, dbias);
}

gboolean
fathom_backend_gru_forward (FathomBackend *self, const FathomGruDesc *desc,
                            const FathomTensor *x, const FathomTensor *h0,
                            const FathomTensor *wx, const FathomTensor *wh,
                            const FathomTensor *bias, FathomTensor *y,
                            FathomTensor *gates, GError **error)
{
  if (!check_recurrent ("gru", 3, x, h0, wx, wh, bias, y, error) ||
      !EXPECT ("gru", "gates", gates, x->shape[0], x->shape[1], wh->shape[0]))
    return FALSE;
  DISPATCH (gru_forward, FATHOM_OP_GRU, desc, x, h0, wx, wh, bias, y, gates);
}

gboolean
fathom_backend_gru_backward (FathomBackend *self, const FathomGruDesc *desc,
                             const FathomTensor *x, const FathomTensor *h0,
                             const FathomTensor *wx, const FathomTensor *wh,
                             const FathomTensor *y, const FathomTensor *gates,
                             const FathomTensor *dy, FathomTensor *dx, FathomTensor *dh0,
                             FathomTensor *dwx, FathomTensor *dwh, FathomTensor *dbias,
                             GError **error)
{
  if (!check_recurrent ("gru", 3, x, h0, wx, wh, NULL, y, error) ||
      !EXPECT ("gru", "gates", gates, x->shape[0], x->shape[1], wh->shape[0]) ||
      !expect_same ("gru", "dy", dy, y, error) || !expect_same ("gru", "dx", dx, x, error) ||
      !expect_same ("gru", "dwx", dwx, wx, error) || !expect_same ("gru", "dwh", dwh, wh, error) ||
      !EXPECT_OPT ("gru", "dbias", dbias, wh->shape[0]) ||
      !EXPECT_OPT ("gru", "dh0", dh0, x->shape[0], wh->shape[1]))
    return FALSE;
  DISPATCH (gru_backward, FATHOM_OP_GRU, desc, x, h0, wx, wh, y, gates, dy, dx, dh0, dwx, dwh, dbias);
}

/* ---- losses and optimisers ------------------------------------------------ */

gboolean
fathom_backend_softmax_cross_entropy_forward (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                              const FathomTensor *logits, const FathomTensor *target,
                                              FathomTensor *probs, float *loss, GError **error)
{
  if (logits->ndim < 1 || logits->numel == 0)
    return shape_error (error, "softmax_cross_entropy", "empty logits");
  if (!expect_same ("softmax_cross_entropy", "target", target, logits, error) ||
      !expect_same ("softmax_cross_entropy", "probs", probs, logits, error))
    return FALSE;
  if (!(desc->clip >= 0.f && desc->clip < 0.5f))
    return shape_error (error, "softmax_cross_entropy", "clip %g outside [0, 0.5)", (double) desc->clip);
  DISPATCH (softmax_cross_entropy_forward, FATHOM_OP_SOFTMAX_CROSS_ENTROPY, desc, logits, target, probs, loss);
}

gboolean
fathom_backend_softmax_cross_entropy_backward (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                               const FathomTensor *probs, const FathomTensor *target,
                                               float scale, FathomTensor *dlogits, GError **error)
{
  if (!expect_same ("softmax_cross_entropy", "target", target, probs, error) ||
      !expect_same ("softmax_cross_entropy", "dlogits", dlogits, probs, error))
    return FALSE;
  DISPATCH (softmax_cross_entropy_backward, FATHOM_OP_SOFTMAX_CROSS_ENTROPY, desc, probs, target, scale, dlogits);
}

/* weights [N, ...P], values [N, K, ...P], y [N, K]. */
static gboolean
check_attention_pool (const FathomTensor *weights, const FathomTensor *values, const FathomTensor *y,
                      GError **error)
{
  gint64 n, k, p;

  if (weights == NULL || values == NULL || y == NULL)
    return shape_error (error, "attention_pool", "weights, values and output (or its gradient) are needed");
  if (weights->ndim < 2 || values->ndim < 2 || y->ndim != 2)
    return shape_error (error, "attention_pool", "weights need [N, P], values [N, K, P] and the output [N, K]");
  n = weights->shape[0];
  k = values->shape[1];
  p = n > 0 ? (gint64) weights->numel / n : 0;
  if (values->shape[0] != n || p == 0 || k == 0 || (gint64) values->numel != n * k * p)
    return shape_error (error, "attention_pool", "values have shape [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                        ", ...] and %" G_GSIZE_FORMAT " elements; weights give %" G_GINT64_FORMAT
                        " samples of %" G_GINT64_FORMAT, values->shape[0], k, values->numel, n, p);
  return EXPECT ("attention_pool", "output", y, n, k);
}

gboolean
fathom_backend_attention_pool_forward (FathomBackend *self, const FathomTensor *weights,
                                       const FathomTensor *values, FathomTensor *y, GError **error)
{
  if (!check_attention_pool (weights, values, y, error))
    return FALSE;
  DISPATCH (attention_pool_forward, FATHOM_OP_ATTENTION_POOL, weights, values, y);
}

gboolean
fathom_backend_attention_pool_backward (FathomBackend *self, const FathomTensor *weights,
                                        const FathomTensor *values, const FathomTensor *dy,
                                        FathomTensor *dweights, FathomTensor *dvalues, GError **error)
{
  if (!check_attention_pool (weights, values, dy, error) ||
      (dweights != NULL && !expect_numel ("attention_pool", "dweights", dweights, weights, error)) ||
      (dvalues != NULL && !expect_numel ("attention_pool", "dvalues", dvalues, values, error)))
    return FALSE;
  DISPATCH (attention_pool_backward, FATHOM_OP_ATTENTION_POOL, weights, values, dy, dweights, dvalues);
}

gboolean
fathom_backend_peak_window_forward (FathomBackend *self, const FathomTensor *weights, gint64 height,
                                    gint64 width, int radius, FathomTensor *y, GError **error)
{
  if (weights == NULL || y == NULL)
    return shape_error (error, "peak_window", "weights and output are needed");
  if (weights->ndim < 2 || height < 1 || width < 1 || radius < 0 ||
      (gint64) weights->numel != weights->shape[0] * height * width)
    return shape_error (error, "peak_window", "weights of %" G_GSIZE_FORMAT " elements in %" G_GINT64_FORMAT
                        " samples are not maps of %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                        " (radius %d)", weights->numel, weights->ndim > 0 ? weights->shape[0] : 0,
                        height, width, radius);
  if (!expect_same ("peak_window", "output", y, weights, error))
    return FALSE;
  DISPATCH (peak_window_forward, FATHOM_OP_PEAK_WINDOW, weights, height, width, radius, y);
}

gboolean
fathom_backend_mse_forward (FathomBackend *self, const FathomTensor *pred,
                            const FathomTensor *target, float *loss, GError **error)
{
  if (pred->numel == 0)
    return shape_error (error, "mse", "empty prediction");
  if (!expect_same ("mse", "target", target, pred, error))
    return FALSE;
  DISPATCH (mse_forward, FATHOM_OP_MSE, pred, target, loss);
}

gboolean
fathom_backend_mse_backward (FathomBackend *self, const FathomTensor *pred,
                             const FathomTensor *target, float scale,
                             FathomTensor *dpred, GError **error)
{
  if (!expect_same ("mse", "target", target, pred, error) ||
      !expect_same ("mse", "dpred", dpred, pred, error))
    return FALSE;
  DISPATCH (mse_backward, FATHOM_OP_MSE, pred, target, scale, dpred);
}

gboolean
fathom_backend_sgd_update (FathomBackend *self, const FathomSgdDesc *desc,
                           FathomTensor *param, const FathomTensor *grad,
                           FathomTensor *velocity, GError **error)
{
  if (!expect_same ("sgd", "grad", grad, param, error) ||
      !expect_same ("sgd", "velocity", velocity, param, error))
    return FALSE;
  if (desc->momentum != 0.f && velocity == NULL)
    return shape_error (error, "sgd", "momentum needs a velocity tensor");
  if (desc->rate != NULL && desc->rate_index >= fathom_tensor_get_numel (desc->rate))
    return shape_error (error, "sgd", "rate_index is past the rate tensor");
  DISPATCH (sgd_update, FATHOM_OP_SGD, desc, param, grad, velocity);
}

gboolean
fathom_backend_adam_update (FathomBackend *self, const FathomAdamDesc *desc,
                            FathomTensor *param, const FathomTensor *grad,
                            FathomTensor *m, FathomTensor *v, GError **error)
{
  if (!expect_same ("adam", "grad", grad, param, error) ||
      !expect_same ("adam", "m", m, param, error) || !expect_same ("adam", "v", v, param, error))
    return FALSE;
  if (m == NULL || v == NULL || desc->step < 1)
    return shape_error (error, "adam", "needs m, v and a step of at least 1");
  if (desc->rate != NULL && desc->rate_index >= fathom_tensor_get_numel (desc->rate))
    return shape_error (error, "adam", "rate_index is past the rate tensor");
  DISPATCH (adam_update, FATHOM_OP_ADAM, desc, param, grad, m, v);
}

/* ---- captured graphs ---------------------------------------------------------- */

void
fathom_backend_set_graphs (FathomBackend *self, gboolean enabled)
{
  g_return_if_fail (self != NULL);
  self->graphs_off = !enabled;
}

gboolean
fathom_backend_get_graphs (FathomBackend *self, const char **reason)
{
  const char *why = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  if (self->ops->capture_begin == NULL)
    why = "this backend does not capture graphs";
  else if (self->graphs_off)
    why = "turned off";
  else
    why = self->ops->graphs_reason (self);
  if (reason != NULL)
    *reason = why;
  return why == NULL;
}

gboolean
fathom_backend_capture_begin (FathomBackend *self, GError **error)
{
  const char *reason = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  if (!fathom_backend_get_graphs (self, &reason))
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "%s: no captured graphs: %s", self->name, reason);
      return FALSE;
    }
  return self->ops->capture_begin (self, error);
}

FathomBackendGraph *
fathom_backend_capture_end (FathomBackend *self, gboolean keep, GError **error)
{
  g_return_val_if_fail (self != NULL && self->ops->capture_end != NULL, NULL);
  return self->ops->capture_end (self, keep, error);
}

gboolean
fathom_backend_graph_launch (FathomBackendGraph *graph, float *losses, GError **error)
{
  g_return_val_if_fail (graph != NULL, FALSE);
  g_return_val_if_fail (losses != NULL || graph->n_losses == 0, FALSE);
  return graph->backend->ops->graph_launch (graph, losses, error);
}

guint
fathom_backend_graph_get_n_losses (FathomBackendGraph *graph)
{
  return graph->n_losses;
}

void
fathom_backend_graph_free (FathomBackendGraph *graph)
{
  if (graph == NULL)
    return;
  graph->backend->ops->graph_free (graph);
}
