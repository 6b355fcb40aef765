/* fathom-cpu-kn2row.c: stride-1 convolutions with few outputs, as one
 * 1x1 convolution into a channel per output and tap, then shifted sums.
 *
 * With Wr [O*kh*kw, C], Wr[(o,i,j), c] = w[o,c,i,j], each sample's
 *   Z = Wr X         [O*kh*kw, H*W]
 * holds every tap's contribution at every input cell, and
 *   y[o,p,q] = bias[o] + sum_{i,j} Z[(o,i,j), p-pt+i, q-pl+j]
 * (cells outside the input add nothing). Backwards, dZ[(o,i,j), a, b] =
 * dy[o, a+pt-i, b+pl-j] (zero outside the output), dX = Wr^T dZ and
 * dWr += dZ X^T. The products are those of im2col, but X is read in place
 * instead of lowered nine times over, and Z is only O*kh*kw rows: for the
 * 128 -> 8 class maps of allconv, 72 rows against im2col's 1152.
 * Threads run over the batch, each with its own Z and dWr partial (summed
 * in a fixed order).
 */
#include "fathom-cpu-kn2row.h"

#include <cblas.h>
#include <string.h>

typedef struct {
  const FathomConvWindow *win;
  gint64 n, c, h, w, o, oh, ow, rows;   /* rows of Z: O * kh * kw */
  const float *x, *wr, *bias, *dy;
  float *y, *dx;
  float *scratch;               /* per chunk: Z [rows, H*W] */
  float *dwr;                   /* per chunk: dWr [rows, C] */
} Kn2rowJob;

gboolean
fathom_cpu_kn2row_applies (const FathomCpuBackend *self, const FathomConvWindow *win,
                           gint64 n, gint64 c, gint64 o)
{
  return win->sh == 1 && win->sw == 1 && win->kh * win->kw > 1 &&
         o * win->kh * win->kw <= c && n >= (gint64) self->n_threads;
}

/* Output cells [*lo, *hi) along an axis that tap k of a stride-1 window
 * (leading pad pad) finds inside an input of length in. */
static void
tap_span (gint64 out, int pad, int k, gint64 in, gint64 *lo, gint64 *hi)
{
  *lo = CLAMP (pad - k, 0, out);
  *hi = CLAMP (in + pad - k, *lo, out);
}

static float *
chunk_z (const Kn2rowJob *job, guint chunk_index)
{
  return job->scratch + (gsize) chunk_index * job->rows * job->h * job->w;
}

static void
forward_samples (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const Kn2rowJob *job = data;
  const FathomConvWindow *win = job->win;
  gint64 hw = job->h * job->w, ohw = job->oh * job->ow;
  float *z = chunk_z (job, chunk_index);

  for (gint64 n = begin; n < end; n++)
    {
      float *yn = job->y + n * job->o * ohw;

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) job->rows, (int) hw,
                   (int) job->c, 1.f, job->wr, (int) job->c, job->x + n * job->c * hw, (int) hw,
                   0.f, z, (int) hw);
      for (gint64 o = 0; o < job->o; o++)
        {
          float *yo = yn + o * ohw;
          float b = job->bias != NULL ? job->bias[o] : 0.f;

          for (gint64 pq = 0; pq < ohw; pq++)
            yo[pq] = b;
          for (int i = 0; i < win->kh; i++)
            for (int j = 0; j < win->kw; j++)
              {
                const float *zt = z + ((o * win->kh + i) * win->kw + j) * hw;
                gint64 p_lo, p_hi, q_lo, q_hi;

                tap_span (job->oh, win->pad_top, i, job->h, &p_lo, &p_hi);
                tap_span (job->ow, win->pad_left, j, job->w, &q_lo, &q_hi);
                for (gint64 p = p_lo; p < p_hi; p++)
                  {
                    const float *src = zt + ((p - win->pad_top + i) * job->w +
                                             q_lo - win->pad_left + j);
                    float *dst = yo + p * job->ow + q_lo;

                    for (gint64 q = 0; q < q_hi - q_lo; q++)
                      dst[q] += src[q];
                  }
              }
        }
    }
}

static void
backward_samples (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const Kn2rowJob *job = data;
  const FathomConvWindow *win = job->win;
  gint64 hw = job->h * job->w, ohw = job->oh * job->ow;
  float *dz = chunk_z (job, chunk_index);
  float *dwr = job->dwr != NULL ? job->dwr + (gsize) chunk_index * job->rows * job->c : NULL;

  for (gint64 n = begin; n < end; n++)
    {
      const float *dyn = job->dy + n * job->o * ohw;

      /* dZ: each tap's rows are dy shifted back onto the input cells */
      memset (dz, 0, (gsize) job->rows * hw * sizeof (float));
      for (gint64 o = 0; o < job->o; o++)
        for (int i = 0; i < win->kh; i++)
          for (int j = 0; j < win->kw; j++)
            {
              float *zt = dz + ((o * win->kh + i) * win->kw + j) * hw;
              gint64 p_lo, p_hi, q_lo, q_hi;

              tap_span (job->oh, win->pad_top, i, job->h, &p_lo, &p_hi);
              tap_span (job->ow, win->pad_left, j, job->w, &q_lo, &q_hi);
              for (gint64 p = p_lo; p < p_hi; p++)
                if (q_hi > q_lo)
                  memcpy (zt + ((p - win->pad_top + i) * job->w + q_lo - win->pad_left + j),
                          dyn + o * ohw + p * job->ow + q_lo, (q_hi - q_lo) * sizeof (float));
            }
      if (dwr != NULL)
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) job->rows, (int) job->c,
                     (int) hw, 1.f, dz, (int) hw, job->x + n * job->c * hw, (int) hw,
                     1.f, dwr, (int) job->c);
      if (job->dx != NULL)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) job->c, (int) hw,
                     (int) job->rows, 1.f, job->wr, (int) job->c, dz, (int) hw,
                     0.f, job->dx + n * job->c * hw, (int) hw);
    }
}

/* wr [O*kh*kw, C] from w [O, C, kh, kw]. */
static float *
rearrange_filters (const FathomConvWindow *win, gint64 o, gint64 c, const float *w,
                   GError **error)
{
  gint64 kk = win->kh * win->kw;
  float *wr = fathom_cpu_alloc_floats ((gsize) (o * kk * c), "convolution filters", error);

  if (wr == NULL)
    return NULL;
  for (gint64 k = 0; k < o; k++)
    for (gint64 ci = 0; ci < c; ci++)
      for (gint64 t = 0; t < kk; t++)
        wr[(k * kk + t) * c + ci] = w[(k * c + ci) * kk + t];
  return wr;
}

static gboolean
kn2row_run (FathomCpuBackend *self, Kn2rowJob *job, FathomCpuRangeFunc func, GError **error)
{
  guint chunks = fathom_cpu_n_chunks (self, job->n);
  gsize z_numel = (gsize) job->rows * job->h * job->w;
  g_autofree float *scratch = fathom_cpu_alloc_floats (chunks * z_numel, "convolution scratch", error);

  if (scratch == NULL)
    return FALSE;
  job->scratch = scratch;
  if (job->n > 0)
    fathom_cpu_parallel_for (self, job->n, func, job);
  return TRUE;
}

gboolean
fathom_cpu_kn2row_forward (FathomCpuBackend *self, const FathomConvWindow *win,
                           const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                           const float *x, const float *w, const float *bias, float *y,
                           GError **error)
{
  g_autofree float *wr = rearrange_filters (win, o, x_shape[1], w, error);
  Kn2rowJob job = { win, x_shape[0], x_shape[1], x_shape[2], x_shape[3], o, oh, ow,
                    o * win->kh * win->kw, x, wr, bias, NULL, y };

  return wr != NULL && kn2row_run (self, &job, forward_samples, error);
}

gboolean
fathom_cpu_kn2row_backward (FathomCpuBackend *self, const FathomConvWindow *win,
                            const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                            const float *x, const float *w, const float *dy, float *dx,
                            float *dw, GError **error)
{
  gint64 c = x_shape[1], kk = win->kh * win->kw;
  gsize dwr_numel = (gsize) o * kk * c;
  guint chunks = MAX (fathom_cpu_n_chunks (self, x_shape[0]), 1);
  g_autofree float *wr = rearrange_filters (win, o, c, w, error);
  g_autofree float *dwr = NULL;
  Kn2rowJob job = { win, x_shape[0], c, x_shape[2], x_shape[3], o, oh, ow,
                    o * kk, x, wr, NULL, dy, NULL, dx };

  if (wr == NULL)
    return FALSE;
  if (dw != NULL)
    {
      dwr = fathom_cpu_alloc_zeros (chunks * dwr_numel, "convolution filter gradients", error);
      if (dwr == NULL)
        return FALSE;
    }
  job.dwr = dwr;
  if (!kn2row_run (self, &job, backward_samples, error))
    return FALSE;
  if (dw == NULL)
    return TRUE;
  /* Partials in chunk order, so dw does not depend on timing. */
  for (guint k = 1; k < chunks; k++)
    for (gsize i = 0; i < dwr_numel; i++)
      dwr[i] += dwr[k * dwr_numel + i];
  for (gint64 k = 0; k < o; k++)
    for (gint64 ci = 0; ci < c; ci++)
      for (gint64 t = 0; t < kk; t++)
        dw[(k * c + ci) * kk + t] = dwr[(k * kk + t) * c + ci];
  return TRUE;
}
