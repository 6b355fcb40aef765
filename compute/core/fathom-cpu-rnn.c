/* fathom-cpu-rnn.c: simple RNN and GRU over whole sequences on the CPU,
 * forward and full backprop through time.
 *
 * Layout: x [N,T,D], y [N,T,H], so the rows of step t are T*H (or T*3H for
 * the GRU gates) floats apart; the FAST path hands those strides straight to
 * sgemm instead of copying steps out. Activation derivatives are taken from
 * the activation's output, which the forward pass saved (y, gates).
 */
#include "fathom-cpu-backend-private.h"

#include <math.h>
#include <string.h>

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
  switch (act)
    {
    case FATHOM_ACTIVATION_IDENTITY:
    case FATHOM_ACTIVATION_RELU:
    case FATHOM_ACTIVATION_SIGMOID:
    case FATHOM_ACTIVATION_TANH:
      return TRUE;
    default:
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "%s: activation %d is not supported", op, (int) act);
      return FALSE;
    }
}

static float
sigmoid (float z)
{
  /* Never exponentiates a large positive number. */
  if (z >= 0.f)
    return 1.f / (1.f + expf (-z));
  else
    {
      float e = expf (z);
      return e / (1.f + e);
    }
}

static float
act_apply (FathomActivation act, float z)
{
  switch (act)
    {
    case FATHOM_ACTIVATION_RELU: return z < 0.f ? 0.f : z;   /* NaN stays NaN */
    case FATHOM_ACTIVATION_SIGMOID: return sigmoid (z);
    case FATHOM_ACTIVATION_TANH: return tanhf (z);
    case FATHOM_ACTIVATION_IDENTITY:
    default: return z;
    }
}

/* d act / dz written in terms of the output y = act(z). */
static float
act_grad (FathomActivation act, float y)
{
  switch (act)
    {
    case FATHOM_ACTIVATION_RELU: return y > 0.f ? 1.f : 0.f;
    case FATHOM_ACTIVATION_SIGMOID: return y * (1.f - y);
    case FATHOM_ACTIVATION_TANH: return 1.f - y * y;
    case FATHOM_ACTIVATION_IDENTITY:
    default: return 1.f;
    }
}

/* Zeroed scratch; large sequences should fail with an error, not abort. */
static gpointer
scratch_new (gsize count, gsize size, GError **error)
{
  gpointer p = g_try_malloc0_n (MAX (count, 1), size);

  if (p == NULL)
    g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY,
                 "Out of host memory for %" G_GSIZE_FORMAT " bytes of recurrent scratch",
                 count * size);
  return p;
}

static float *
raw_or_null (const FathomTensor *t)
{
  return t != NULL ? fathom_tensor_raw (t) : NULL;
}

/* Writes a double accumulator out to an optional float gradient. */
static void
store_grad (FathomTensor *out, const double *acc)
{
  float *o;

  if (out == NULL)
    return;
  o = fathom_tensor_raw (out);
  for (gsize i = 0; i < out->numel; i++)
    o[i] = (float) acc[i];
}

/* Column sums of dz [rows, cols] into an optional bias gradient. */
static void
store_bias_grad (FathomTensor *dbias, const float *dz, gint64 rows, gint64 cols)
{
  float *db;

  if (dbias == NULL)
    return;
  db = fathom_tensor_raw (dbias);
  for (gint64 i = 0; i < cols; i++)
    {
      double acc = 0.0;

      for (gint64 r = 0; r < rows; r++)
        acc += dz[r * cols + i];
      db[i] = (float) acc;
    }
}

/* The state before step t of sequence n, or NULL for zeros. */
static const float *
h_prev (const float *h0, const float *y, const SeqDims *s, gint64 n, gint64 t)
{
  if (t > 0)
    return y + (n * s->t + t - 1) * s->h;
  return h0 != NULL ? h0 + n * s->h : NULL;
}

/* ---- simple RNN: REFERENCE -------------------------------------------------- */

static void
rnn_forward_reference (FathomActivation act, const SeqDims *s, const float *x,
                       const float *h0, const float *wx, const float *wh,
                       const float *bias, float *y)
{
  const gint64 D = s->d, H = s->h;

  for (gint64 n = 0; n < s->n; n++)
    for (gint64 t = 0; t < s->t; t++)
      {
        const float *xt = x + (n * s->t + t) * D;
        const float *hp = h_prev (h0, y, s, n, t);
        float *ht = y + (n * s->t + t) * H;

        for (gint64 i = 0; i < H; i++)
          {
            double z = bias != NULL ? bias[i] : 0.0;

            for (gint64 d = 0; d < D; d++)
              z += (double) xt[d] * wx[i * D + d];
            if (hp != NULL)
              for (gint64 j = 0; j < H; j++)
                z += (double) hp[j] * wh[i * H + j];
            ht[i] = act_apply (act, (float) z);
          }
      }
}

static gboolean
rnn_backward_reference (FathomActivation act, const SeqDims *s, const float *x,
                        const float *h0, const float *wx, const float *wh,
                        const float *y, const float *dy, float *dx, float *dh0,
                        FathomTensor *dwx, FathomTensor *dwh, FathomTensor *dbias,
                        GError **error)
{
  const gint64 D = s->d, H = s->h;
  g_autofree double *buf = scratch_new (H * D + H * H + 3 * H, sizeof (double), error);
  double *gwx, *gwh, *gb, *dz, *dnext;

  if (buf == NULL)
    return FALSE;
  gwx = buf;
  gwh = gwx + H * D;
  gb = gwh + H * H;
  dz = gb + H;
  dnext = dz + H;               /* d loss / d h_t arriving from step t+1 */

  for (gint64 n = 0; n < s->n; n++)
    {
      memset (dnext, 0, H * sizeof (double));
      for (gint64 t = s->t - 1; t >= 0; t--)
        {
          gint64 row = n * s->t + t;
          const float *xt = x + row * D;
          const float *hp = h_prev (h0, y, s, n, t);

          for (gint64 i = 0; i < H; i++)
            dz[i] = (dy[row * H + i] + dnext[i]) * act_grad (act, y[row * H + i]);
          for (gint64 i = 0; i < H; i++)
            {
              gb[i] += dz[i];
              for (gint64 d = 0; d < D; d++)
                gwx[i * D + d] += dz[i] * xt[d];
              if (hp != NULL)
                for (gint64 j = 0; j < H; j++)
                  gwh[i * H + j] += dz[i] * hp[j];
            }
          if (dx != NULL)
            for (gint64 d = 0; d < D; d++)
              {
                double acc = 0.0;

                for (gint64 i = 0; i < H; i++)
                  acc += dz[i] * wx[i * D + d];
                dx[row * D + d] = (float) acc;
              }
          for (gint64 j = 0; j < H; j++)
            {
              double acc = 0.0;

              for (gint64 i = 0; i < H; i++)
                acc += dz[i] * wh[i * H + j];
              dnext[j] = acc;
            }
        }
      if (dh0 != NULL)
        for (gint64 j = 0; j < H; j++)
          dh0[n * H + j] = (float) dnext[j];
    }
  store_grad (dwx, gwx);
  store_grad (dwh, gwh);
  store_grad (dbias, gb);
  return TRUE;
}

/* ---- simple RNN: FAST ----------------------------------------------------------- */

static void
rnn_forward_fast (FathomCpuBackend *self, FathomActivation act, const SeqDims *s,
                  const float *x, const float *h0, const float *wx, const float *wh,
                  const float *bias, float *y)
{
  const gint64 D = s->d, H = s->h, TH = s->t * H;

  /* The input projection does not depend on the state: all steps at once. */
  fathom_cpu_sgemm (self, FALSE, TRUE, s->n * s->t, H, D, 1.f, x, D, wx, D, 0.f, y, H);
  if (bias != NULL)
    for (gint64 r = 0; r < s->n * s->t; r++)
      for (gint64 i = 0; i < H; i++)
        y[r * H + i] += bias[i];

  for (gint64 t = 0; t < s->t; t++)
    {
      float *yt = y + t * H;

      if (t > 0)
        fathom_cpu_sgemm (self, FALSE, TRUE, s->n, H, H, 1.f, y + (t - 1) * H, TH,
                          wh, H, 1.f, yt, TH);
      else if (h0 != NULL)
        fathom_cpu_sgemm (self, FALSE, TRUE, s->n, H, H, 1.f, h0, H, wh, H, 1.f, yt, TH);
      for (gint64 n = 0; n < s->n; n++)
        for (gint64 i = 0; i < H; i++)
          yt[n * TH + i] = act_apply (act, yt[n * TH + i]);
    }
}

static gboolean
rnn_backward_fast (FathomCpuBackend *self, FathomActivation act, const SeqDims *s,
                   const float *x, const float *h0, const float *wx, const float *wh,
                   const float *y, const float *dy, float *dx, float *dh0,
                   float *dwx, float *dwh, FathomTensor *dbias, GError **error)
{
  const gint64 D = s->d, H = s->h, TH = s->t * H, NT = s->n * s->t;
  g_autofree float *dz = scratch_new (NT * H + s->n * H, sizeof (float), error);
  float *dnext;

  if (dz == NULL)
    return FALSE;
  dnext = dz + NT * H;
  if (dwh != NULL)
    memset (dwh, 0, H * H * sizeof (float));

  for (gint64 t = s->t - 1; t >= 0; t--)
    {
      float *dzt = dz + t * H;

      for (gint64 n = 0; n < s->n; n++)
        for (gint64 i = 0; i < H; i++)
          {
            gint64 k = n * TH + t * H + i;
            dzt[n * TH + i] = (dy[k] + dnext[n * H + i]) * act_grad (act, y[k]);
          }
      /* dnext = dz_t Wh, the gradient reaching h_{t-1} */
      fathom_cpu_sgemm (self, FALSE, FALSE, s->n, H, H, 1.f, dzt, TH, wh, H, 0.f, dnext, H);
      if (dwh != NULL)
        {
          if (t > 0)
            fathom_cpu_sgemm (self, TRUE, FALSE, H, H, s->n, 1.f, dzt, TH,
                              y + (t - 1) * H, TH, 1.f, dwh, H);
          else if (h0 != NULL)
            fathom_cpu_sgemm (self, TRUE, FALSE, H, H, s->n, 1.f, dzt, TH, h0, H, 1.f, dwh, H);
        }
    }
  if (dh0 != NULL)
    memcpy (dh0, dnext, s->n * H * sizeof (float));
  if (dx != NULL)
    fathom_cpu_sgemm (self, FALSE, FALSE, NT, D, H, 1.f, dz, H, wx, D, 0.f, dx, D);
  if (dwx != NULL)
    fathom_cpu_sgemm (self, TRUE, FALSE, H, D, NT, 1.f, dz, H, x, D, 0.f, dwx, D);
  store_bias_grad (dbias, dz, NT, H);
  return TRUE;
}

static gboolean
cpu_rnn_forward (FathomBackend *self, const FathomRnnDesc *desc, const FathomTensor *x,
                 const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                 const FathomTensor *bias, FathomTensor *y, GError **error)
{
  SeqDims s = seq_dims (x, wh);

  if (!check_activation (desc->activation, "rnn", error))
    return FALSE;
  if (FATHOM_CPU (self)->path == FATHOM_CPU_PATH_REFERENCE)
    rnn_forward_reference (desc->activation, &s, fathom_tensor_raw (x), raw_or_null (h0),
                           fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                           raw_or_null (bias), fathom_tensor_raw (y));
  else
    rnn_forward_fast (FATHOM_CPU (self), desc->activation, &s, fathom_tensor_raw (x),
                      raw_or_null (h0), fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                      raw_or_null (bias), fathom_tensor_raw (y));
  return TRUE;
}

static gboolean
cpu_rnn_backward (FathomBackend *self, const FathomRnnDesc *desc, const FathomTensor *x,
                  const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                  const FathomTensor *y, const FathomTensor *dy, FathomTensor *dx,
                  FathomTensor *dh0, FathomTensor *dwx, FathomTensor *dwh,
                  FathomTensor *dbias, GError **error)
{
  SeqDims s = seq_dims (x, wh);
  g_autofree float *zeros = NULL;
  const float *dyd;

  if (!check_activation (desc->activation, "rnn", error))
    return FALSE;
  /* No incoming gradient is a gradient of zeros. */
  if (dy == NULL && (zeros = scratch_new (y->numel, sizeof (float), error)) == NULL)
    return FALSE;
  dyd = dy != NULL ? fathom_tensor_raw (dy) : zeros;

  if (FATHOM_CPU (self)->path == FATHOM_CPU_PATH_REFERENCE)
    return rnn_backward_reference (desc->activation, &s, fathom_tensor_raw (x), raw_or_null (h0),
                                   fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                                   fathom_tensor_raw (y), dyd, raw_or_null (dx),
                                   raw_or_null (dh0), dwx, dwh, dbias, error);
  return rnn_backward_fast (FATHOM_CPU (self), desc->activation, &s, fathom_tensor_raw (x),
                            raw_or_null (h0), fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                            fathom_tensor_raw (y), dyd, raw_or_null (dx), raw_or_null (dh0),
                            raw_or_null (dwx), raw_or_null (dwh), dbias, error);
}

/* ---- GRU: REFERENCE ------------------------------------------------------------- */

/* gates rows hold r (0..H-1), u (H..2H-1) and c (2H..3H-1), post-activation. */
static void
gru_forward_reference (FathomActivation cand, const SeqDims *s, const float *x,
                       const float *h0, const float *wx, const float *wh,
                       const float *bias, float *y, float *gates)
{
  const gint64 D = s->d, H = s->h;

  for (gint64 n = 0; n < s->n; n++)
    for (gint64 t = 0; t < s->t; t++)
      {
        gint64 row = n * s->t + t;
        const float *xt = x + row * D;
        const float *hp = h_prev (h0, y, s, n, t);
        float *g = gates + row * 3 * H;
        float *ht = y + row * H;

        /* reset and update gates */
        for (gint64 i = 0; i < 2 * H; i++)
          {
            double z = bias != NULL ? bias[i] : 0.0;

            for (gint64 d = 0; d < D; d++)
              z += (double) xt[d] * wx[i * D + d];
            if (hp != NULL)
              for (gint64 j = 0; j < H; j++)
                z += (double) hp[j] * wh[i * H + j];
            g[i] = sigmoid ((float) z);
          }
        /* candidate from the reset state r*h, then the blend */
        for (gint64 i = 0; i < H; i++)
          {
            gint64 gi = 2 * H + i;
            double z = bias != NULL ? bias[gi] : 0.0;
            float u = g[H + i], hpi = hp != NULL ? hp[i] : 0.f, c;

            for (gint64 d = 0; d < D; d++)
              z += (double) xt[d] * wx[gi * D + d];
            if (hp != NULL)
              for (gint64 j = 0; j < H; j++)
                z += (double) g[j] * hp[j] * wh[gi * H + j];
            c = act_apply (cand, (float) z);
            g[gi] = c;
            ht[i] = u * hpi + (1.f - u) * c;
          }
      }
}

static gboolean
gru_backward_reference (FathomActivation cand, const SeqDims *s, const float *x,
                        const float *h0, const float *wx, const float *wh,
                        const float *y, const float *gates, const float *dy,
                        float *dx, float *dh0, FathomTensor *dwx, FathomTensor *dwh,
                        FathomTensor *dbias, GError **error)
{
  const gint64 D = s->d, H = s->h, G = 3 * H;
  g_autofree double *buf = scratch_new (G * D + G * H + 2 * G + 3 * H, sizeof (double), error);
  double *gwx, *gwh, *gb, *dz, *dh, *drh, *dnext;

  if (buf == NULL)
    return FALSE;
  gwx = buf;
  gwh = gwx + G * D;
  gb = gwh + G * H;
  dz = gb + G;                  /* dz_r, dz_u, dz_c */
  dh = dz + G;
  drh = dh + H;                 /* d loss / d (r*h) */
  dnext = drh + H;

  for (gint64 n = 0; n < s->n; n++)
    {
      memset (dnext, 0, H * sizeof (double));
      for (gint64 t = s->t - 1; t >= 0; t--)
        {
          gint64 row = n * s->t + t;
          const float *xt = x + row * D;
          const float *hp = h_prev (h0, y, s, n, t);
          const float *g = gates + row * G;

          /* h' = u*h + (1-u)*c */
          for (gint64 i = 0; i < H; i++)
            {
              double u = g[H + i], c = g[2 * H + i], hpi = hp != NULL ? hp[i] : 0.0;

              dh[i] = dy[row * H + i] + dnext[i];
              dz[H + i] = dh[i] * (hpi - c) * u * (1.0 - u);
              dz[2 * H + i] = dh[i] * (1.0 - u) * act_grad (cand, g[2 * H + i]);
            }
          /* c = act(... + (r*h) Whc^T): back through the reset gate */
          for (gint64 j = 0; j < H; j++)
            {
              double acc = 0.0, r = g[j], hpj = hp != NULL ? hp[j] : 0.0;

              for (gint64 i = 0; i < H; i++)
                acc += dz[2 * H + i] * wh[(2 * H + i) * H + j];
              drh[j] = acc;
              dz[j] = acc * hpj * r * (1.0 - r);
            }
          for (gint64 k = 0; k < G; k++)
            {
              gb[k] += dz[k];
              for (gint64 d = 0; d < D; d++)
                gwx[k * D + d] += dz[k] * xt[d];
              if (hp != NULL)
                for (gint64 j = 0; j < H; j++)
                  gwh[k * H + j] += dz[k] * (k < 2 * H ? hp[j] : (double) g[j] * hp[j]);
            }
          if (dx != NULL)
            for (gint64 d = 0; d < D; d++)
              {
                double acc = 0.0;

                for (gint64 k = 0; k < G; k++)
                  acc += dz[k] * wx[k * D + d];
                dx[row * D + d] = (float) acc;
              }
          /* h reaches h' directly, through r*h, and through the r and u gates */
          for (gint64 j = 0; j < H; j++)
            {
              double acc = dh[j] * g[H + j] + drh[j] * g[j];

              for (gint64 k = 0; k < 2 * H; k++)
                acc += dz[k] * wh[k * H + j];
              dnext[j] = acc;
            }
        }
      if (dh0 != NULL)
        for (gint64 j = 0; j < H; j++)
          dh0[n * H + j] = (float) dnext[j];
    }
  store_grad (dwx, gwx);
  store_grad (dwh, gwh);
  store_grad (dbias, gb);
  return TRUE;
}

/* ---- GRU: FAST ------------------------------------------------------------------ */

static gboolean
gru_forward_fast (FathomCpuBackend *self, FathomActivation cand, const SeqDims *s,
                  const float *x, const float *h0, const float *wx, const float *wh,
                  const float *bias, float *y, float *gates, GError **error)
{
  const gint64 D = s->d, H = s->h, G = 3 * H, TH = s->t * H, TG = s->t * G;
  g_autofree float *rh = scratch_new (s->n * H, sizeof (float), error);

  if (rh == NULL)
    return FALSE;
  fathom_cpu_sgemm (self, FALSE, TRUE, s->n * s->t, G, D, 1.f, x, D, wx, D, 0.f, gates, G);
  if (bias != NULL)
    for (gint64 r = 0; r < s->n * s->t; r++)
      for (gint64 k = 0; k < G; k++)
        gates[r * G + k] += bias[k];

  for (gint64 t = 0; t < s->t; t++)
    {
      float *gt = gates + t * G;
      const float *hp = t > 0 ? y + (t - 1) * H : h0;
      gint64 ldh = t > 0 ? TH : H;

      if (hp != NULL)
        fathom_cpu_sgemm (self, FALSE, TRUE, s->n, 2 * H, H, 1.f, hp, ldh, wh, H, 1.f, gt, TG);
      for (gint64 n = 0; n < s->n; n++)
        for (gint64 k = 0; k < 2 * H; k++)
          gt[n * TG + k] = sigmoid (gt[n * TG + k]);
      if (hp != NULL)
        {
          for (gint64 n = 0; n < s->n; n++)
            for (gint64 j = 0; j < H; j++)
              rh[n * H + j] = gt[n * TG + j] * hp[n * ldh + j];
          fathom_cpu_sgemm (self, FALSE, TRUE, s->n, H, H, 1.f, rh, H, wh + 2 * H * H, H,
                            1.f, gt + 2 * H, TG);
        }
      for (gint64 n = 0; n < s->n; n++)
        for (gint64 i = 0; i < H; i++)
          {
            float *g = gt + n * TG;
            float u = g[H + i], c = act_apply (cand, g[2 * H + i]);
            float hpi = hp != NULL ? hp[n * ldh + i] : 0.f;

            g[2 * H + i] = c;
            y[n * TH + t * H + i] = u * hpi + (1.f - u) * c;
          }
    }
  return TRUE;
}

static gboolean
gru_backward_fast (FathomCpuBackend *self, FathomActivation cand, const SeqDims *s,
                   const float *x, const float *h0, const float *wx, const float *wh,
                   const float *y, const float *gates, const float *dy, float *dx,
                   float *dh0, float *dwx, float *dwh, FathomTensor *dbias, GError **error)
{
  const gint64 D = s->d, H = s->h, G = 3 * H, TH = s->t * H, TG = s->t * G, NT = s->n * s->t;
  g_autofree float *dz = scratch_new (NT * G + 3 * s->n * H, sizeof (float), error);
  float *dnext, *drh, *rh;

  if (dz == NULL)
    return FALSE;
  dnext = dz + NT * G;
  drh = dnext + s->n * H;       /* d loss / d (r*h) of one step */
  rh = drh + s->n * H;
  if (dwh != NULL)
    memset (dwh, 0, G * H * sizeof (float));

  for (gint64 t = s->t - 1; t >= 0; t--)
    {
      const float *gt = gates + t * G;
      const float *hp = t > 0 ? y + (t - 1) * H : h0;
      gint64 ldh = t > 0 ? TH : H;
      float *dzt = dz + t * G;

      /* dnext becomes the direct path u*dh; the rest is added below. */
      for (gint64 n = 0; n < s->n; n++)
        for (gint64 i = 0; i < H; i++)
          {
            const float *g = gt + n * TG;
            float u = g[H + i], c = g[2 * H + i];
            float hpi = hp != NULL ? hp[n * ldh + i] : 0.f;
            float dh = dy[n * TH + t * H + i] + dnext[n * H + i];

            dzt[n * TG + H + i] = dh * (hpi - c) * u * (1.f - u);
            dzt[n * TG + 2 * H + i] = dh * (1.f - u) * act_grad (cand, c);
            dnext[n * H + i] = dh * u;
          }
      /* d(r*h) = dz_c Whc; a missing h0 is a zero state, whose gradient
       * may still be wanted. */
      fathom_cpu_sgemm (self, FALSE, FALSE, s->n, H, H, 1.f, dzt + 2 * H, TG,
                        wh + 2 * H * H, H, 0.f, drh, H);
      for (gint64 n = 0; n < s->n; n++)
        for (gint64 j = 0; j < H; j++)
          {
            float r = gt[n * TG + j], hpj = hp != NULL ? hp[n * ldh + j] : 0.f;

            dzt[n * TG + j] = drh[n * H + j] * hpj * r * (1.f - r);
            dnext[n * H + j] += drh[n * H + j] * r;
            rh[n * H + j] = r * hpj;
          }
      /* through the r and u pre-activations: [dz_r dz_u] [Whr; Whu] */
      fathom_cpu_sgemm (self, FALSE, FALSE, s->n, H, 2 * H, 1.f, dzt, TG, wh, H,
                        1.f, dnext, H);
      if (dwh != NULL && hp != NULL)
        {
          fathom_cpu_sgemm (self, TRUE, FALSE, 2 * H, H, s->n, 1.f, dzt, TG, hp, ldh,
                            1.f, dwh, H);
          fathom_cpu_sgemm (self, TRUE, FALSE, H, H, s->n, 1.f, dzt + 2 * H, TG, rh, H,
                            1.f, dwh + 2 * H * H, H);
        }
    }
  if (dh0 != NULL)
    memcpy (dh0, dnext, s->n * H * sizeof (float));
  if (dx != NULL)
    fathom_cpu_sgemm (self, FALSE, FALSE, NT, D, G, 1.f, dz, G, wx, D, 0.f, dx, D);
  if (dwx != NULL)
    fathom_cpu_sgemm (self, TRUE, FALSE, G, D, NT, 1.f, dz, G, x, D, 0.f, dwx, D);
  store_bias_grad (dbias, dz, NT, G);
  return TRUE;
}

static gboolean
cpu_gru_forward (FathomBackend *self, const FathomGruDesc *desc, const FathomTensor *x,
                 const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                 const FathomTensor *bias, FathomTensor *y, FathomTensor *gates, GError **error)
{
  SeqDims s = seq_dims (x, wh);

  if (!check_activation (desc->candidate, "gru", error))
    return FALSE;
  if (FATHOM_CPU (self)->path == FATHOM_CPU_PATH_REFERENCE)
    {
      gru_forward_reference (desc->candidate, &s, fathom_tensor_raw (x), raw_or_null (h0),
                             fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                             raw_or_null (bias), fathom_tensor_raw (y), fathom_tensor_raw (gates));
      return TRUE;
    }
  return gru_forward_fast (FATHOM_CPU (self), desc->candidate, &s, fathom_tensor_raw (x),
                           raw_or_null (h0), fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                           raw_or_null (bias), fathom_tensor_raw (y), fathom_tensor_raw (gates),
                           error);
}

static gboolean
cpu_gru_backward (FathomBackend *self, const FathomGruDesc *desc, const FathomTensor *x,
                  const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                  const FathomTensor *y, const FathomTensor *gates, const FathomTensor *dy,
                  FathomTensor *dx, FathomTensor *dh0, FathomTensor *dwx, FathomTensor *dwh,
                  FathomTensor *dbias, GError **error)
{
  SeqDims s = seq_dims (x, wh);
  g_autofree float *zeros = NULL;
  const float *dyd;

  if (!check_activation (desc->candidate, "gru", error))
    return FALSE;
  if (dy == NULL && (zeros = scratch_new (y->numel, sizeof (float), error)) == NULL)
    return FALSE;
  dyd = dy != NULL ? fathom_tensor_raw (dy) : zeros;

  if (FATHOM_CPU (self)->path == FATHOM_CPU_PATH_REFERENCE)
    return gru_backward_reference (desc->candidate, &s, fathom_tensor_raw (x), raw_or_null (h0),
                                   fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                                   fathom_tensor_raw (y), fathom_tensor_raw (gates), dyd,
                                   raw_or_null (dx), raw_or_null (dh0), dwx, dwh, dbias, error);
  return gru_backward_fast (FATHOM_CPU (self), desc->candidate, &s, fathom_tensor_raw (x),
                            raw_or_null (h0), fathom_tensor_raw (wx), fathom_tensor_raw (wh),
                            fathom_tensor_raw (y), fathom_tensor_raw (gates), dyd,
                            raw_or_null (dx), raw_or_null (dh0), raw_or_null (dwx),
                            raw_or_null (dwh), dbias, error);
}

void
fathom_cpu_rnn_install (FathomBackendOps *ops)
{
  ops->rnn_forward = cpu_rnn_forward;
  ops->rnn_backward = cpu_rnn_backward;
  ops->gru_forward = cpu_gru_forward;
  ops->gru_backward = cpu_gru_backward;
}
