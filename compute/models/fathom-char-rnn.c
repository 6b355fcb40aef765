/* fathom-char-rnn.c: the lesson's RNN from scratch, backprop by hand.
 *
 * Speed without BLAS: every inner loop runs over a contiguous row, the
 * one-hot x.Wx is a row lookup, and rows of relu zeros are skipped (about
 * half the state), which leaves the products exact.
 */
#include "fathom-char-rnn.h"
#include "fathom-rng.h"
#include "fathom-safetensors.h"
#include "fathom-tensor.h"

#include <math.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

double
fathom_char_rnn_sigmoid (double x)
{
  return 1.0 / (1.0 + exp (-x));
}

double
fathom_char_rnn_sigmoid_d (double x)
{
  double s = fathom_char_rnn_sigmoid (x);

  return s * (1.0 - s);
}

double
fathom_char_rnn_relu (double x)
{
  return x > 0.0 ? x : 0.0;
}

/* The derivative at 0 is taken as 0, as np.maximum's gradient in Theano. */
double
fathom_char_rnn_relu_d (double x)
{
  return x > 0.0 ? 1.0 : 0.0;
}

double
fathom_char_rnn_dist (const double *a, const double *b, gsize n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

void
fathom_char_rnn_dist_d (const double *a, const double *b, gsize n, double *grad)
{
  for (gsize i = 0; i < n; i++)
    grad[i] = 2.0 * (a[i] - b[i]);
}

double
fathom_char_rnn_x_entropy (const double *pred, const double *target, gsize n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    if (target[i] != 0.0)
      s -= target[i] * log (pred[i]);
  return s;
}

void
fathom_char_rnn_x_entropy_d (const double *pred, const double *target, gsize n, double *grad)
{
  for (gsize i = 0; i < n; i++)
    grad[i] = -target[i] / pred[i];
}

void
fathom_char_rnn_softmax (const double *x, gsize n, double *p)
{
  double m = x[0], s = 0.0;

  for (gsize i = 1; i < n; i++)
    m = MAX (m, x[i]);
  for (gsize i = 0; i < n; i++)
    s += p[i] = exp (x[i] - m);
  for (gsize i = 0; i < n; i++)
    p[i] /= s;
}

void
fathom_char_rnn_softmax_d (const double *x, gsize n, double *jacobian)
{
  g_autofree double *p = g_new (double, n);

  fathom_char_rnn_softmax (x, n, p);
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      jacobian[i * n + j] = p[i] * ((i == j ? 1.0 : 0.0) - p[j]);
}

/* ---- the model ----------------------------------------------------------- */

struct _FathomCharRnn
{
  guint   vocab, hidden;
  /* One block for the parameters, one for the gradients (llm.c style), in
   * the order of FathomCharRnnParam. */
  double *params, *grads;
  gsize   offset[FATHOM_CHAR_RNN_N_PARAMS + 1];
  /* Activations of the last forward: h [(steps + 1), H] with h[0] = 0,
   * p [steps, V]. */
  guint   capacity, steps;
  double *h, *p;
  /* Backward scratch. */
  double *dh, *dpre, *dh_next, *dlogits;
};

static const char *const param_names[] = { "wx", "wh", "wy", "bh", "by" };

const char *
fathom_char_rnn_param_name (FathomCharRnnParam which)
{
  g_return_val_if_fail (which < FATHOM_CHAR_RNN_N_PARAMS, NULL);
  return param_names[which];
}

static guint
param_shape (FathomCharRnn *self, FathomCharRnnParam which, gint64 shape[2])
{
  gint64 v = self->vocab, h = self->hidden;

  switch (which)
    {
    case FATHOM_CHAR_RNN_WX: shape[0] = v; shape[1] = h; return 2;
    case FATHOM_CHAR_RNN_WH: shape[0] = h; shape[1] = h; return 2;
    case FATHOM_CHAR_RNN_WY: shape[0] = h; shape[1] = v; return 2;
    case FATHOM_CHAR_RNN_BH: shape[0] = h; shape[1] = 1; return 1;
    case FATHOM_CHAR_RNN_BY: shape[0] = v; shape[1] = 1; return 1;
    case FATHOM_CHAR_RNN_N_PARAMS:
    default:
      g_return_val_if_reached (0);
    }
}

static FathomCharRnn *
char_rnn_alloc (guint vocab, guint hidden)
{
  FathomCharRnn *self = g_new0 (FathomCharRnn, 1);
  gsize total = 0;

  self->vocab = vocab;
  self->hidden = hidden;
  for (int i = 0; i < FATHOM_CHAR_RNN_N_PARAMS; i++)
    {
      gint64 shape[2];
      guint nd = param_shape (self, (FathomCharRnnParam) i, shape);

      self->offset[i] = total;
      total += (gsize) (nd == 2 ? shape[0] * shape[1] : shape[0]);
    }
  self->offset[FATHOM_CHAR_RNN_N_PARAMS] = total;
  self->params = g_new0 (double, total);
  self->grads = g_new0 (double, total);
  self->dh = g_new0 (double, hidden);
  self->dpre = g_new0 (double, hidden);
  self->dh_next = g_new0 (double, hidden);
  self->dlogits = g_new0 (double, vocab);
  return self;
}

#define P(self, which) ((self)->params + (self)->offset[which])
#define G(self, which) ((self)->grads + (self)->offset[which])

FathomCharRnn *
fathom_char_rnn_new (guint vocab, guint hidden, guint64 seed)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  FathomCharRnn *self;
  double scale = sqrt (2.0 / (double) vocab);
  double *wx, *wh, *wy;

  g_return_val_if_fail (vocab >= 2 && hidden >= 1, NULL);
  self = char_rnn_alloc (vocab, hidden);
  wx = P (self, FATHOM_CHAR_RNN_WX);
  wh = P (self, FATHOM_CHAR_RNN_WH);
  wy = P (self, FATHOM_CHAR_RNN_WY);
  for (gsize i = 0; i < (gsize) vocab * hidden; i++)
    wx[i] = fathom_rng_normal (rng, 0.0, scale);
  for (guint i = 0; i < hidden; i++)
    wh[(gsize) i * hidden + i] = 1.0;
  for (gsize i = 0; i < (gsize) hidden * vocab; i++)
    wy[i] = fathom_rng_normal (rng, 0.0, scale);
  return self;
}

void
fathom_char_rnn_free (FathomCharRnn *self)
{
  if (self == NULL)
    return;
  g_free (self->params);
  g_free (self->grads);
  g_free (self->h);
  g_free (self->p);
  g_free (self->dh);
  g_free (self->dpre);
  g_free (self->dh_next);
  g_free (self->dlogits);
  g_free (self);
}

guint
fathom_char_rnn_get_vocab (FathomCharRnn *self)
{
  return self->vocab;
}

guint
fathom_char_rnn_get_hidden (FathomCharRnn *self)
{
  return self->hidden;
}

double *
fathom_char_rnn_get_param (FathomCharRnn *self, FathomCharRnnParam which, gint64 shape[2], guint *ndim)
{
  gint64 s[2];
  guint nd;

  g_return_val_if_fail (which < FATHOM_CHAR_RNN_N_PARAMS, NULL);
  nd = param_shape (self, which, s);
  if (shape != NULL)
    memcpy (shape, s, sizeof s);
  if (ndim != NULL)
    *ndim = nd;
  return P (self, which);
}

double *
fathom_char_rnn_get_grad (FathomCharRnn *self, FathomCharRnnParam which)
{
  g_return_val_if_fail (which < FATHOM_CHAR_RNN_N_PARAMS, NULL);
  return G (self, which);
}

/* y += a * x over n contiguous values: the one loop shape the compiler
 * vectorises without reassociating sums. */
static inline void
axpy (gsize n, double a, const double *restrict x, double *restrict y)
{
  for (gsize i = 0; i < n; i++)
    y[i] += a * x[i];
}

/* Four partial sums let the additions overlap. */
static inline double
dot (gsize n, const double *restrict a, const double *restrict b)
{
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
  for (; i < n; i++)
    s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

static void
ensure_capacity (FathomCharRnn *self, guint steps)
{
  if (steps <= self->capacity)
    return;
  self->capacity = steps;
  g_free (self->h);
  g_free (self->p);
  self->h = g_new0 (double, (gsize) (steps + 1) * self->hidden);
  self->p = g_new0 (double, (gsize) steps * self->vocab);
}

double
fathom_char_rnn_forward (FathomCharRnn *self, const gint32 *x, const gint32 *y, guint steps)
{
  const gsize H = self->hidden, V = self->vocab;
  const double *wx = P (self, FATHOM_CHAR_RNN_WX), *wh = P (self, FATHOM_CHAR_RNN_WH);
  const double *wy = P (self, FATHOM_CHAR_RNN_WY), *bh = P (self, FATHOM_CHAR_RNN_BH);
  const double *by = P (self, FATHOM_CHAR_RNN_BY);
  double loss = 0.0;

  g_return_val_if_fail (steps >= 1, NAN);
  ensure_capacity (self, steps);
  self->steps = steps;
  memset (self->h, 0, H * sizeof (double));
  for (guint t = 0; t < steps; t++)
    {
      const double *h_prev = self->h + t * H;
      double *h = self->h + (t + 1) * H, *p = self->p + t * V;
      double m, s = 0.0;

      g_return_val_if_fail (x[t] >= 0 && (gsize) x[t] < V, NAN);
      /* pre_h = x.Wx + h_prev.Wh + bh; x one-hot picks row x[t] of Wx */
      for (gsize j = 0; j < H; j++)
        h[j] = wx[(gsize) x[t] * H + j] + bh[j];
      for (gsize i = 0; i < H; i++)
        if (h_prev[i] != 0.0)
          axpy (H, h_prev[i], wh + i * H, h);
      for (gsize j = 0; j < H; j++)
        h[j] = fathom_char_rnn_relu (h[j]);

      /* logits = h.Wy + by, then a stable softmax */
      memcpy (p, by, V * sizeof (double));
      for (gsize i = 0; i < H; i++)
        if (h[i] != 0.0)
          axpy (V, h[i], wy + i * V, p);
      m = p[0];
      for (gsize k = 1; k < V; k++)
        m = MAX (m, p[k]);
      if (y != NULL)
        {
          g_return_val_if_fail (y[t] >= 0 && (gsize) y[t] < V, NAN);
          loss -= p[y[t]] - m;        /* -log softmax = logsumexp - logit */
        }
      for (gsize k = 0; k < V; k++)
        s += p[k] = exp (p[k] - m);
      for (gsize k = 0; k < V; k++)
        p[k] /= s;
      if (y != NULL)
        loss += log (s);
    }
  return loss;
}

const double *
fathom_char_rnn_get_probs (FathomCharRnn *self)
{
  g_return_val_if_fail (self->steps > 0, NULL);
  return self->p + (gsize) (self->steps - 1) * self->vocab;
}

void
fathom_char_rnn_backward (FathomCharRnn *self, const gint32 *x, const gint32 *y, guint steps)
{
  const gsize H = self->hidden, V = self->vocab;
  const double *wh = P (self, FATHOM_CHAR_RNN_WH), *wy = P (self, FATHOM_CHAR_RNN_WY);
  double *gwx = G (self, FATHOM_CHAR_RNN_WX), *gwh = G (self, FATHOM_CHAR_RNN_WH);
  double *gwy = G (self, FATHOM_CHAR_RNN_WY), *gbh = G (self, FATHOM_CHAR_RNN_BH);
  double *gby = G (self, FATHOM_CHAR_RNN_BY);
  double *dh = self->dh, *dpre = self->dpre, *dh_next = self->dh_next;
  double *dlogits = self->dlogits;

  g_return_if_fail (steps == self->steps);
  memset (self->grads, 0, self->offset[FATHOM_CHAR_RNN_N_PARAMS] * sizeof (double));
  memset (dh_next, 0, H * sizeof (double));

  for (guint t = steps; t-- > 0;)
    {
      const double *h_prev = self->h + t * H, *h = self->h + (t + 1) * H;
      const double *p = self->p + t * V;

      /* Cross-entropy after softmax: the Jacobian times -y/p collapses to
       * p - y (fathom_char_rnn_softmax_d and _x_entropy_d; the test checks
       * the identity). */
      memcpy (dlogits, p, V * sizeof (double));
      dlogits[y[t]] -= 1.0;

      /* logits = h.Wy + by: dWy += h^T dlogits, dby += dlogits */
      for (gsize i = 0; i < H; i++)
        if (h[i] != 0.0)
          axpy (V, h[i], dlogits, gwy + i * V);
      axpy (V, 1.0, dlogits, gby);

      /* dh = Wy dlogits + what step t + 1 sent back through Wh */
      for (gsize i = 0; i < H; i++)
        dh[i] = dot (V, wy + i * V, dlogits) + dh_next[i];

      /* h = relu (pre_h) */
      for (gsize j = 0; j < H; j++)
        dpre[j] = dh[j] * fathom_char_rnn_relu_d (h[j]);

      /* pre_h = x.Wx + h_prev.Wh + bh */
      axpy (H, 1.0, dpre, gbh);
      axpy (H, 1.0, dpre, gwx + (gsize) x[t] * H);
      /* dWh is the OUTER product h_prev^T dpre ([H, H]). The notebook's
       * pure-Python version subtracted a scalar, the dot product of h_prev
       * and dpre, from every entry of w_h: a bug that trains the wrong
       * matrix. This is the chain rule done right. */
      for (gsize i = 0; i < H; i++)
        if (h_prev[i] != 0.0)
          axpy (H, h_prev[i], dpre, gwh + i * H);
      /* What flows into h_prev: Wh dpre. h[-1] is a constant zero, so the
       * last one computed is simply not used. */
      if (t > 0)
        for (gsize i = 0; i < H; i++)
          dh_next[i] = dot (H, wh + i * H, dpre);
    }
}

double
fathom_char_rnn_sgd (FathomCharRnn *self, double lr, double clip)
{
  gsize n = self->offset[FATHOM_CHAR_RNN_N_PARAMS];
  double norm = 0.0, scale = 1.0;

  for (gsize i = 0; i < n; i++)
    norm += self->grads[i] * self->grads[i];
  norm = sqrt (norm);
  if (clip > 0.0 && norm > clip)
    scale = clip / norm;
  axpy (n, -lr * scale, self->grads, self->params);
  return norm;
}

double
fathom_char_rnn_train_step (FathomCharRnn *self, const gint32 *x, const gint32 *y, guint steps,
                            double lr, double clip)
{
  double loss = fathom_char_rnn_forward (self, x, y, steps);

  fathom_char_rnn_backward (self, x, y, steps);
  fathom_char_rnn_sgd (self, lr, clip);
  return loss;
}

/* ---- checkpoints --------------------------------------------------------- */

gboolean
fathom_char_rnn_save (FathomCharRnn *self, const char *path, GHashTable *metadata, GError **error)
{
  FathomTensor *tensors[FATHOM_CHAR_RNN_N_PARAMS];
  gboolean ok;

  for (int i = 0; i < FATHOM_CHAR_RNN_N_PARAMS; i++)
    {
      gint64 shape[2];
      guint nd = param_shape (self, (FathomCharRnnParam) i, shape);
      const double *src = P (self, i);
      float *dst;

      tensors[i] = fathom_tensor_new (nd, shape);
      dst = fathom_tensor_get_data (tensors[i]);
      for (gsize k = 0; k < fathom_tensor_get_numel (tensors[i]); k++)
        dst[k] = (float) src[k];
    }
  ok = fathom_safetensors_save (path, FATHOM_CHAR_RNN_N_PARAMS, param_names, tensors, metadata, error);
  for (int i = 0; i < FATHOM_CHAR_RNN_N_PARAMS; i++)
    fathom_tensor_unref (tensors[i]);
  return ok;
}

FathomCharRnn *
fathom_char_rnn_load (const char *path, GError **error)
{
  g_autoptr(FathomSafetensors) file = fathom_safetensors_load (path, error);
  g_autoptr(FathomCharRnn) self = NULL;
  gint64 wx[FATHOM_MAX_DIMS];
  guint nd;

  if (file == NULL)
    return NULL;
  if (!fathom_safetensors_get_info (file, "wx", &nd, wx, NULL) || nd != 2 ||
      wx[0] < 2 || wx[1] < 1 || wx[0] > G_MAXINT32 || wx[1] > G_MAXINT32)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_MISSING,
                   "%s holds no [vocab, hidden] tensor “wx”", path);
      return NULL;
    }
  self = char_rnn_alloc ((guint) wx[0], (guint) wx[1]);
  for (int i = 0; i < FATHOM_CHAR_RNN_N_PARAMS; i++)
    {
      gint64 shape[2];
      guint ndim = param_shape (self, (FathomCharRnnParam) i, shape);
      g_autoptr(FathomTensor) t = fathom_tensor_new (ndim, shape);
      const float *src = fathom_tensor_get_const_data (t);
      double *dst = P (self, i);

      /* read_into checks the shape, so a mismatched file is an error. */
      if (!fathom_safetensors_read_into (file, param_names[i], t, error))
        return NULL;
      for (gsize k = 0; k < fathom_tensor_get_numel (t); k++)
        dst[k] = src[k];
    }
  return g_steal_pointer (&self);
}
