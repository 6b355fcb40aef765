/* fathom-cpu-conv.c: 2-D convolution and zero padding on the CPU.
 *
 * Convolution is cross-correlation: x [N,C,H,W], w [O,C,kh,kw], bias [O],
 *   y[n,o,p,q] = bias[o] + sum_{c,i,j} w[o,c,i,j] * x[n,c,p*sh-pt+i,q*sw-pl+j]
 * with cells outside x reading as zero.
 *
 * The REFERENCE path evaluates the sums as written, in double. The FAST
 * path lowers each sample to a matrix product: im2col lays the receptive
 * fields out as col [C*kh*kw, OH*OW], so y_n = W col and, backwards,
 * dW += dy_n col^T and dcol = W^T dy_n (folded back into dx by col2im).
 * col is built a block of columns at a time. Threads run over the batch,
 * each with its own col block and dW partial (summed in a fixed order); a
 * batch smaller than the thread count goes one sample at a time, with the
 * lowering split over channels and the products over rows instead. A 1x1,
 * stride-1, unpadded convolution needs no col: x_n is already one.
 * 3x3 stride-1 convolutions with channels enough go to Winograd
 * F(4x4,3x3) instead (fathom-cpu-winograd.c), each pass on its own, and
 * other stride-1 ones with few outputs (O*kh*kw <= C) to one 1x1
 * convolution and shifted sums (fathom-cpu-kn2row.c).
 */
#include "fathom-cpu-backend-private.h"
#include "fathom-cpu-kn2row.h"
#include "fathom-cpu-vector-private.h"
#include "fathom-cpu-winograd.h"

#include <cblas.h>
#include <string.h>

typedef struct {
  gint64 n, c, h, w;            /* input */
  gint64 o, oh, ow;             /* output */
  gint64 ckk, ohw;              /* rows and columns of col */
  gint64 block;                 /* columns of col lowered at a time */
  FathomConvWindow win;
  gboolean pointwise;           /* 1x1, stride 1, no padding: col is x itself */
} ConvGeom;

/* Bytes of col per block. Blocks bound the scratch per thread (a whole
 * 224x224x64 sample would take 115 MB) and keep col in cache between
 * im2col and sgemm; much smaller blocks make sgemm lose more than that
 * saves (measured on SkylakeX: 4 MB beat 0.5-2 MB and unblocked). */
#define COL_BLOCK_BYTES (4 << 20)

static gint64
conv_block (gint64 ckk, gint64 ohw)
{
  gint64 cols = COL_BLOCK_BYTES / (gint64) sizeof (float) / MAX (ckk, 1);

  return MIN (MAX (cols, 64), MAX (ohw, 1));
}

static void
conv_geom_init (ConvGeom *g, const FathomConvWindow *win, const FathomTensor *x,
                const FathomTensor *w, const FathomTensor *y)
{
  g->n = x->shape[0];
  g->c = x->shape[1];
  g->h = x->shape[2];
  g->w = x->shape[3];
  g->o = w->shape[0];
  g->oh = y->shape[2];
  g->ow = y->shape[3];
  g->ckk = g->c * win->kh * win->kw;
  g->ohw = g->oh * g->ow;
  g->win = *win;
  g->block = conv_block (g->ckk, g->ohw);
  g->pointwise = win->kh == 1 && win->kw == 1 && win->sh == 1 && win->sw == 1 &&
                 win->pad_top == 0 && win->pad_bottom == 0 &&
                 win->pad_left == 0 && win->pad_right == 0;
}

/* The outputs o in [*lo, *hi) whose tap at offset k (stride s, leading pad
 * pad) lands inside an input axis of length in. */
static void
tap_range (gint64 out, int s, int pad, int k, gint64 in, gint64 *lo, gint64 *hi)
{
  gint64 first = pad - k;               /* o * s >= first */
  gint64 last = in - 1 + pad - k;       /* o * s <= last */

  *lo = first <= 0 ? 0 : (first + s - 1) / s;
  *hi = last < 0 ? 0 : MIN (out, last / s + 1);
  *lo = MIN (*lo, *hi);
}

/* ---- reference ------------------------------------------------------------ */

static void
conv_forward_reference (const ConvGeom *g, const float *x, const float *w,
                        const float *bias, float *y)
{
  const FathomConvWindow *win = &g->win;

  for (gint64 n = 0; n < g->n; n++)
    for (gint64 o = 0; o < g->o; o++)
      for (gint64 p = 0; p < g->oh; p++)
        for (gint64 q = 0; q < g->ow; q++)
          {
            double acc = bias != NULL ? bias[o] : 0.0;

            for (gint64 c = 0; c < g->c; c++)
              for (int i = 0; i < win->kh; i++)
                for (int j = 0; j < win->kw; j++)
                  {
                    gint64 ih = p * win->sh - win->pad_top + i;
                    gint64 iw = q * win->sw - win->pad_left + j;

                    if (ih < 0 || ih >= g->h || iw < 0 || iw >= g->w)
                      continue;
                    acc += (double) x[((n * g->c + c) * g->h + ih) * g->w + iw] *
                           w[((o * g->c + c) * win->kh + i) * win->kw + j];
                  }
            y[((n * g->o + o) * g->oh + p) * g->ow + q] = (float) acc;
          }
}

/* Each gradient as a sum over the outputs its element touched. */
static void
conv_backward_reference (const ConvGeom *g, const float *x, const float *w,
                         const float *dy, float *dx, float *dw, float *dbias)
{
  const FathomConvWindow *win = &g->win;

  /* dx[n,c,h,v] = sum over o,i,j with h = p*sh-pt+i, v = q*sw-pl+j */
  if (dx != NULL)
    for (gint64 n = 0; n < g->n; n++)
      for (gint64 c = 0; c < g->c; c++)
        for (gint64 h = 0; h < g->h; h++)
          for (gint64 v = 0; v < g->w; v++)
            {
              double acc = 0.0;

              for (gint64 o = 0; o < g->o; o++)
                for (int i = 0; i < win->kh; i++)
                  for (int j = 0; j < win->kw; j++)
                    {
                      gint64 ph = h + win->pad_top - i, pw = v + win->pad_left - j;
                      gint64 p = ph / win->sh, q = pw / win->sw;

                      if (ph < 0 || pw < 0 || ph % win->sh != 0 || pw % win->sw != 0 ||
                          p >= g->oh || q >= g->ow)
                        continue;
                      acc += (double) w[((o * g->c + c) * win->kh + i) * win->kw + j] *
                             dy[((n * g->o + o) * g->oh + p) * g->ow + q];
                    }
              dx[((n * g->c + c) * g->h + h) * g->w + v] = (float) acc;
            }

  /* dw[o,c,i,j] = sum over n,p,q of dy[n,o,p,q] * x[n,c,p*sh-pt+i,q*sw-pl+j] */
  if (dw != NULL)
    for (gint64 o = 0; o < g->o; o++)
      for (gint64 c = 0; c < g->c; c++)
        for (int i = 0; i < win->kh; i++)
          for (int j = 0; j < win->kw; j++)
            {
              double acc = 0.0;

              for (gint64 n = 0; n < g->n; n++)
                for (gint64 p = 0; p < g->oh; p++)
                  for (gint64 q = 0; q < g->ow; q++)
                    {
                      gint64 ih = p * win->sh - win->pad_top + i;
                      gint64 iw = q * win->sw - win->pad_left + j;

                      if (ih < 0 || ih >= g->h || iw < 0 || iw >= g->w)
                        continue;
                      acc += (double) dy[((n * g->o + o) * g->oh + p) * g->ow + q] *
                             x[((n * g->c + c) * g->h + ih) * g->w + iw];
                    }
              dw[((o * g->c + c) * win->kh + i) * win->kw + j] = (float) acc;
            }

  /* dbias[o] = sum over n,p,q of dy[n,o,p,q] */
  if (dbias != NULL)
    for (gint64 o = 0; o < g->o; o++)
      {
        double acc = 0.0;

        for (gint64 n = 0; n < g->n; n++)
          for (gint64 pq = 0; pq < g->ohw; pq++)
            acc += dy[(n * g->o + o) * g->ohw + pq];
        dbias[o] = (float) acc;
      }
}

/* ---- fast: lowering ------------------------------------------------------- */

/* Columns [pq_begin, pq_end) (output pixels) of the rows of channels
 * [c_begin, c_end) of col, for one sample xn [C,H,W]; col rows are ld
 * floats apart and start at pq_begin. */
static void
im2col (const ConvGeom *g, const float *xn, gint64 c_begin, gint64 c_end,
        gint64 pq_begin, gint64 pq_end, float *col, gint64 ld)
{
  const FathomConvWindow *win = &g->win;

  for (gint64 c = c_begin; c < c_end; c++)
    for (int i = 0; i < win->kh; i++)
      for (int j = 0; j < win->kw; j++)
        {
          float *row = col + ((c * win->kh + i) * win->kw + j) * ld;
          gint64 base = j - win->pad_left;      /* input column of q = 0 */
          gint64 p_lo, p_hi, q_lo, q_hi, p, q0;

          tap_range (g->oh, win->sh, win->pad_top, i, g->h, &p_lo, &p_hi);
          tap_range (g->ow, win->sw, win->pad_left, j, g->w, &q_lo, &q_hi);
          /* One output row (or the part of it in the block) at a time. */
          p = pq_begin / g->ow;
          q0 = pq_begin % g->ow;
          for (gint64 pq = pq_begin; pq < pq_end; p++, q0 = 0)
            {
              gint64 q1 = MIN (g->ow, q0 + (pq_end - pq));
              float *dst = row + (pq - pq_begin);       /* holds q0 */

              if (p < p_lo || p >= p_hi)
                memset (dst, 0, (q1 - q0) * sizeof (float));
              else
                {
                  const float *src = xn + (c * g->h + p * win->sh - win->pad_top + i) * g->w;
                  gint64 a = CLAMP (q_lo, q0, q1), b = CLAMP (q_hi, a, q1);

                  /* Taps that fall in the left or right padding read zeros. */
                  memset (dst, 0, (a - q0) * sizeof (float));
                  if (win->sw == 1 && b > a)
                    memcpy (dst + (a - q0), src + a + base, (b - a) * sizeof (float));
                  else
                    for (gint64 q = a; q < b; q++)
                      dst[q - q0] = src[q * win->sw + base];
                  memset (dst + (b - q0), 0, (q1 - b) * sizeof (float));
                }
              pq += q1 - q0;
            }
        }
}

/* dst += src, for the rows of col2im. */
static inline void
add_row (float *restrict dst, const float *restrict src, gint64 n)
{
  gint64 i = 0;

  /* Fixed-length inner loops are what -O2's cheap vectoriser accepts. */
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++)
      dst[i + k] += src[i + k];
  for (; i < n; i++)
    dst[i] += src[i];
}

/* The adjoint of im2col: adds each entry of the block of col to the cell
 * of dxn it was read from (the caller zeroes dxn). */
static void
col2im (const ConvGeom *g, const float *col, gint64 c_begin, gint64 c_end,
        gint64 pq_begin, gint64 pq_end, gint64 ld, float *dxn)
{
  const FathomConvWindow *win = &g->win;

  for (gint64 c = c_begin; c < c_end; c++)
    for (int i = 0; i < win->kh; i++)
      for (int j = 0; j < win->kw; j++)
        {
          const float *row = col + ((c * win->kh + i) * win->kw + j) * ld;
          gint64 base = j - win->pad_left;
          gint64 p_lo, p_hi, q_lo, q_hi, p, q0;

          tap_range (g->oh, win->sh, win->pad_top, i, g->h, &p_lo, &p_hi);
          tap_range (g->ow, win->sw, win->pad_left, j, g->w, &q_lo, &q_hi);
          p = pq_begin / g->ow;
          q0 = pq_begin % g->ow;
          for (gint64 pq = pq_begin; pq < pq_end; p++, q0 = 0)
            {
              gint64 q1 = MIN (g->ow, q0 + (pq_end - pq));

              if (p >= p_lo && p < p_hi)
                {
                  const float *src = row + (pq - pq_begin);     /* holds q0 */
                  float *dst = dxn + (c * g->h + p * win->sh - win->pad_top + i) * g->w;
                  gint64 a = CLAMP (q_lo, q0, q1), b = CLAMP (q_hi, a, q1);

                  if (win->sw == 1 && b > a)
                    add_row (dst + a + base, src + (a - q0), b - a);
                  else
                    for (gint64 q = a; q < b; q++)
                      dst[q * win->sw + base] += src[q - q0];
                }
              pq += q1 - q0;
            }
        }
}

/* One thread's sgemm; tolerates empty products, which cblas rejects. */
static void
sgemm_serial (gboolean trans_a, gboolean trans_b, gint64 m, gint64 n, gint64 k,
              float alpha, const float *a, gint64 lda, const float *b, gint64 ldb,
              float beta, float *c, gint64 ldc)
{
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0)
    {
      for (gint64 i = 0; i < m; i++)
        for (gint64 j = 0; j < n; j++)
          c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
      return;
    }
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans,
               (int) m, (int) n, (int) k, alpha, a, (int) lda, b, (int) ldb,
               beta, c, (int) ldc);
}

/* Adds the bias to columns [pq_begin, pq_end) of yn [O, OH*OW]. */
static void
add_bias (const ConvGeom *g, const float *bias, gint64 pq_begin, gint64 pq_end, float *yn)
{
  for (gint64 o = 0; o < g->o; o++)
    {
      float *restrict row = yn + o * g->ohw;
      float b = bias[o];

      for (gint64 pq = pq_begin; pq < pq_end; pq++)
        row[pq] += b;
    }
}

typedef struct {
  FathomCpuBackend *cpu;
  const ConvGeom   *g;
  const float      *x, *w, *bias, *dy;
  float            *y, *dx, *dw, *dbias;
  float            *scratch;    /* per chunk: a block of col, ckk * block floats */
  float            *dw_part;    /* per chunk but the first: dW partial sums */
  /* the sample and block the channel-parallel lowering works on */
  const float      *src;
  float            *dst;
  gint64            pq_begin, pq_end;
} ConvJob;

static float *
chunk_col (const ConvJob *job, guint chunk_index)
{
  return job->scratch + (gsize) chunk_index * job->g->ckk * job->g->block;
}

/* ---- fast: threads over the batch ------------------------------------------ */

static void
forward_samples (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ConvJob *job = data;
  const ConvGeom *g = job->g;
  float *col = g->pointwise ? NULL : chunk_col (job, chunk_index);

  for (gint64 n = begin; n < end; n++)
    {
      const float *xn = job->x + n * g->c * g->h * g->w;
      float *yn = job->y + n * g->o * g->ohw;

      if (g->pointwise)
        {
          sgemm_serial (FALSE, FALSE, g->o, g->ohw, g->c, 1.f, job->w, g->c,
                        xn, g->ohw, 0.f, yn, g->ohw);
          if (job->bias != NULL)
            add_bias (g, job->bias, 0, g->ohw, yn);
          continue;
        }
      for (gint64 pq = 0; pq < g->ohw; pq += g->block)
        {
          gint64 nb = MIN (g->block, g->ohw - pq);

          im2col (g, xn, 0, g->c, pq, pq + nb, col, nb);
          sgemm_serial (FALSE, FALSE, g->o, nb, g->ckk, 1.f, job->w, g->ckk,
                        col, nb, 0.f, yn + pq, g->ohw);
          if (job->bias != NULL)
            add_bias (g, job->bias, pq, pq + nb, yn);
        }
    }
}

static void
backward_samples (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ConvJob *job = data;
  const ConvGeom *g = job->g;
  float *col = g->pointwise ? NULL : chunk_col (job, chunk_index);
  /* The first chunk sums straight into dw, the others into their partials. */
  float *dw_acc = chunk_index == 0 || job->dw == NULL ? job->dw
                  : job->dw_part + (gsize) (chunk_index - 1) * g->o * g->ckk;

  for (gint64 n = begin; n < end; n++)
    {
      const float *xn = job->x + n * g->c * g->h * g->w;
      const float *dyn = job->dy + n * g->o * g->ohw;
      float *dxn = job->dx != NULL ? job->dx + n * g->c * g->h * g->w : NULL;

      if (g->pointwise)
        {
          if (job->dw != NULL)
            sgemm_serial (FALSE, TRUE, g->o, g->c, g->ohw, 1.f, dyn, g->ohw,
                          xn, g->ohw, 1.f, dw_acc, g->c);
          if (dxn != NULL)
            sgemm_serial (TRUE, FALSE, g->c, g->ohw, g->o, 1.f, job->w, g->c,
                          dyn, g->ohw, 0.f, dxn, g->ohw);
          continue;
        }
      if (dxn != NULL)
        memset (dxn, 0, g->c * g->h * g->w * sizeof (float));
      for (gint64 pq = 0; pq < g->ohw; pq += g->block)
        {
          gint64 nb = MIN (g->block, g->ohw - pq);

          if (job->dw != NULL)
            {
              im2col (g, xn, 0, g->c, pq, pq + nb, col, nb);
              sgemm_serial (FALSE, TRUE, g->o, g->ckk, nb, 1.f, dyn + pq, g->ohw,
                            col, nb, 1.f, dw_acc, g->ckk);
            }
          if (dxn != NULL)
            {
              /* col is free again: it takes dcol for this block */
              sgemm_serial (TRUE, FALSE, g->ckk, nb, g->o, 1.f, job->w, g->ckk,
                            dyn + pq, g->ohw, 0.f, col, nb);
              col2im (g, col, 0, g->c, pq, pq + nb, nb, dxn);
            }
        }
    }
}

/* ---- fast: one sample at a time, threads inside ----------------------------- */

/* Channels own their rows of col and their planes of dx, so lowering and
 * folding split over channels without races. */
static void
im2col_channels (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ConvJob *job = data;

  im2col (job->g, job->src, begin, end, job->pq_begin, job->pq_end, job->dst,
          job->pq_end - job->pq_begin);
}

static void
col2im_channels (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ConvJob *job = data;

  col2im (job->g, job->src, begin, end, job->pq_begin, job->pq_end,
          job->pq_end - job->pq_begin, job->dst);
}

static void
im2col_parallel (ConvJob *job, const float *xn, gint64 pq_begin, gint64 pq_end, float *col)
{
  job->src = xn;
  job->dst = col;
  job->pq_begin = pq_begin;
  job->pq_end = pq_end;
  fathom_cpu_parallel_for (job->cpu, job->g->c, im2col_channels, job);
}

static void
col2im_parallel (ConvJob *job, const float *col, gint64 pq_begin, gint64 pq_end, float *dxn)
{
  job->src = col;
  job->dst = dxn;
  job->pq_begin = pq_begin;
  job->pq_end = pq_end;
  fathom_cpu_parallel_for (job->cpu, job->g->c, col2im_channels, job);
}

static void
forward_one_sample (ConvJob *job, gint64 n)
{
  FathomCpuBackend *self = job->cpu;
  const ConvGeom *g = job->g;
  const float *xn = job->x + n * g->c * g->h * g->w;
  float *yn = job->y + n * g->o * g->ohw;

  if (g->pointwise)
    {
      fathom_cpu_sgemm (self, FALSE, FALSE, g->o, g->ohw, g->c, 1.f, job->w, g->c,
                        xn, g->ohw, 0.f, yn, g->ohw);
      if (job->bias != NULL)
        add_bias (g, job->bias, 0, g->ohw, yn);
      return;
    }
  for (gint64 pq = 0; pq < g->ohw; pq += g->block)
    {
      gint64 nb = MIN (g->block, g->ohw - pq);

      im2col_parallel (job, xn, pq, pq + nb, job->scratch);
      fathom_cpu_sgemm (self, FALSE, FALSE, g->o, nb, g->ckk, 1.f, job->w, g->ckk,
                        job->scratch, nb, 0.f, yn + pq, g->ohw);
      if (job->bias != NULL)
        add_bias (g, job->bias, pq, pq + nb, yn);
    }
}

static void
backward_one_sample (ConvJob *job, gint64 n)
{
  FathomCpuBackend *self = job->cpu;
  const ConvGeom *g = job->g;
  const float *xn = job->x + n * g->c * g->h * g->w;
  const float *dyn = job->dy + n * g->o * g->ohw;
  float *dxn = job->dx != NULL ? job->dx + n * g->c * g->h * g->w : NULL;

  if (g->pointwise)
    {
      if (job->dw != NULL)
        fathom_cpu_sgemm (self, FALSE, TRUE, g->o, g->c, g->ohw, 1.f, dyn, g->ohw,
                          xn, g->ohw, 1.f, job->dw, g->c);
      if (dxn != NULL)
        fathom_cpu_sgemm (self, TRUE, FALSE, g->c, g->ohw, g->o, 1.f, job->w, g->c,
                          dyn, g->ohw, 0.f, dxn, g->ohw);
      return;
    }
  if (dxn != NULL)
    memset (dxn, 0, g->c * g->h * g->w * sizeof (float));
  for (gint64 pq = 0; pq < g->ohw; pq += g->block)
    {
      gint64 nb = MIN (g->block, g->ohw - pq);

      if (job->dw != NULL)
        {
          im2col_parallel (job, xn, pq, pq + nb, job->scratch);
          fathom_cpu_sgemm (self, FALSE, TRUE, g->o, g->ckk, nb, 1.f, dyn + pq, g->ohw,
                            job->scratch, nb, 1.f, job->dw, g->ckk);
        }
      if (dxn != NULL)
        {
          fathom_cpu_sgemm (self, TRUE, FALSE, g->ckk, nb, g->o, 1.f, job->w, g->ckk,
                            dyn + pq, g->ohw, 0.f, job->scratch, nb);
          col2im_parallel (job, job->scratch, pq, pq + nb, dxn);
        }
    }
}

/* ---- fast: entry points ----------------------------------------------------- */

/* Threads over the batch only pay when every thread gets a sample;
 * otherwise one sample at a time, each product split over rows. */
static gboolean
use_batch_threads (const FathomCpuBackend *self, const ConvGeom *g)
{
  return g->n >= (gint64) self->n_threads;
}

static gboolean
conv_forward_fast (FathomCpuBackend *self, const ConvGeom *g, const float *x,
                   const float *w, const float *bias, float *y, GError **error)
{
  ConvJob job = { .cpu = self, .g = g, .x = x, .w = w, .bias = bias, .y = y };
  gboolean batch = use_batch_threads (self, g);
  guint chunks = batch ? fathom_cpu_n_chunks (self, g->n) : 1;
  g_autofree float *scratch = NULL;

  if (!g->pointwise)
    {
      scratch = fathom_cpu_alloc_floats ((gsize) chunks * g->ckk * g->block, "convolution scratch", error);
      if (scratch == NULL)
        return FALSE;
    }
  job.scratch = scratch;

  if (batch)
    fathom_cpu_parallel_for (self, g->n, forward_samples, &job);
  else
    for (gint64 n = 0; n < g->n; n++)
      forward_one_sample (&job, n);
  return TRUE;
}

static void
bias_grad_rows (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ConvJob *job = data;
  const ConvGeom *g = job->g;

  for (gint64 o = begin; o < end; o++)
    {
      double acc = 0.0;

      for (gint64 n = 0; n < g->n; n++)
        acc += plane_sum (job->dy + (n * g->o + o) * g->ohw, g->ohw, 0.f);
      job->dbias[o] = (float) acc;
    }
}

static gboolean
conv_backward_fast (FathomCpuBackend *self, const ConvGeom *g, const float *x,
                    const float *w, const float *dy, float *dx, float *dw,
                    float *dbias, GError **error)
{
  ConvJob job = { .cpu = self, .g = g, .x = x, .w = w, .dy = dy,
                  .dx = dx, .dw = dw, .dbias = dbias };
  gboolean batch = use_batch_threads (self, g);
  guint chunks = batch ? fathom_cpu_n_chunks (self, g->n) : 1;
  gsize dw_numel = (gsize) g->o * g->ckk;
  g_autofree float *scratch = NULL;
  g_autofree float *dw_part = NULL;

  if (!g->pointwise && (dx != NULL || dw != NULL))
    {
      scratch = fathom_cpu_alloc_floats ((gsize) chunks * g->ckk * g->block, "convolution scratch", error);
      if (scratch == NULL)
        return FALSE;
    }
  if (dw != NULL && chunks > 1)
    {
      dw_part = fathom_cpu_alloc_zeros ((chunks - 1) * dw_numel, "convolution scratch", error);
      if (dw_part == NULL)
        return FALSE;
    }
  /* dw is a sum over samples: start it (and the partials) at zero. */
  if (dw != NULL)
    memset (dw, 0, dw_numel * sizeof (float));
  job.scratch = scratch;
  job.dw_part = dw_part;

  if (dbias != NULL)
    fathom_cpu_parallel_for (self, g->o, bias_grad_rows, &job);
  if (dx == NULL && dw == NULL)
    return TRUE;

  if (!batch)
    {
      for (gint64 n = 0; n < g->n; n++)
        backward_one_sample (&job, n);
      return TRUE;
    }
  fathom_cpu_parallel_for (self, g->n, backward_samples, &job);
  /* Partials are added in chunk order, so dw does not depend on timing. */
  for (guint k = 1; dw != NULL && k < chunks; k++)
    {
      const float *part = dw_part + (gsize) (k - 1) * dw_numel;

      for (gsize i = 0; i < dw_numel; i++)
        dw[i] += part[i];
    }
  return TRUE;
}

/* ---- conv slots ----------------------------------------------------------- */

static gboolean
cpu_conv2d_forward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                    const FathomTensor *w, const FathomTensor *bias, FathomTensor *y,
                    GError **error)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);
  const float *bs = bias != NULL ? fathom_tensor_raw (bias) : NULL;
  ConvGeom g;

  conv_geom_init (&g, win, x, w, y);
  if (self->path == FATHOM_CPU_PATH_REFERENCE)
    {
      conv_forward_reference (&g, fathom_tensor_raw (x), fathom_tensor_raw (w), bs,
                              fathom_tensor_raw (y));
      return TRUE;
    }
  if (fathom_cpu_winograd_applies (self, win, g.n, g.c, g.o, g.oh, g.ow))
    return fathom_cpu_winograd_forward (self, win, x->shape, g.o, g.oh, g.ow, fathom_tensor_raw (x),
                                        fathom_tensor_raw (w), bs, FALSE, fathom_tensor_raw (y), error);
  if (fathom_cpu_kn2row_applies (self, win, g.n, g.c, g.o))
    return fathom_cpu_kn2row_forward (self, win, x->shape, g.o, g.oh, g.ow, fathom_tensor_raw (x),
                                      fathom_tensor_raw (w), bs, fathom_tensor_raw (y), error);
  return conv_forward_fast (self, &g, fathom_tensor_raw (x), fathom_tensor_raw (w), bs,
                            fathom_tensor_raw (y), error);
}

/* The ReLU of a Winograd convolution as its output transform stores y:
 * one pass over y fewer (in training, allconv's three 128-filter layers
 * read and write 29 MB a batch each). Anything else the backend runs
 * unfused. */
static gboolean
cpu_conv2d_forward_act (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                        const FathomTensor *w, const FathomTensor *bias, const FathomTensor *z,
                        FathomActivation act, FathomTensor *y, gboolean *done, GError **error)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);
  ConvGeom g;

  conv_geom_init (&g, win, x, w, y);
  *done = self->path == FATHOM_CPU_PATH_FAST && z == NULL && act == FATHOM_ACTIVATION_RELU &&
          fathom_cpu_winograd_applies (self, win, g.n, g.c, g.o, g.oh, g.ow);
  if (!*done)
    return TRUE;
  return fathom_cpu_winograd_forward (self, win, x->shape, g.o, g.oh, g.ow, fathom_tensor_raw (x),
                                      fathom_tensor_raw (w), bias != NULL ? fathom_tensor_raw (bias) : NULL,
                                      TRUE, fathom_tensor_raw (y), error);
}

static gboolean
cpu_conv2d_backward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                     const FathomTensor *w, const FathomTensor *dy, FathomTensor *dx,
                     FathomTensor *dw, FathomTensor *dbias, GError **error)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);
  float *dxs = dx != NULL ? fathom_tensor_raw (dx) : NULL;
  float *dws = dw != NULL ? fathom_tensor_raw (dw) : NULL;
  float *dbs = dbias != NULL ? fathom_tensor_raw (dbias) : NULL;
  ConvGeom g;

  conv_geom_init (&g, win, x, w, dy);
  if (self->path == FATHOM_CPU_PATH_REFERENCE)
    {
      conv_backward_reference (&g, fathom_tensor_raw (x), fathom_tensor_raw (w),
                               fathom_tensor_raw (dy), dxs, dws, dbs);
      return TRUE;
    }
  /* Winograd or kn2row takes dx and dw; the fast path's loops do the bias. */
  if (fathom_cpu_winograd_applies (self, win, g.n, g.c, g.o, g.oh, g.ow))
    {
      if (dxs != NULL &&
          !fathom_cpu_winograd_backward_data (self, win, x->shape, g.o, g.oh, g.ow,
                                              fathom_tensor_raw (w), fathom_tensor_raw (dy),
                                              dxs, error))
        return FALSE;
      if (dws != NULL &&
          !fathom_cpu_winograd_backward_filter (self, win, x->shape, g.o, g.oh, g.ow,
                                                fathom_tensor_raw (x), fathom_tensor_raw (dy),
                                                dws, error))
        return FALSE;
      dxs = NULL;
      dws = NULL;
    }
  else if (fathom_cpu_kn2row_applies (self, win, g.n, g.c, g.o))
    {
      if ((dxs != NULL || dws != NULL) &&
          !fathom_cpu_kn2row_backward (self, win, x->shape, g.o, g.oh, g.ow, fathom_tensor_raw (x),
                                       fathom_tensor_raw (w), fathom_tensor_raw (dy), dxs, dws,
                                       error))
        return FALSE;
      dxs = NULL;
      dws = NULL;
    }
  return conv_backward_fast (self, &g, fathom_tensor_raw (x), fathom_tensor_raw (w),
                             fathom_tensor_raw (dy), dxs, dws, dbs, error);
}

/* ---- zero padding --------------------------------------------------------- */

typedef struct {
  FathomPad2d  pad;
  gint64       h, w;            /* unpadded plane */
  const float *src;
  float       *dst;
} PadJob;

static void
pad_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PadJob *job = data;
  gint64 ph = job->h + job->pad.top + job->pad.bottom;
  gint64 pw = job->w + job->pad.left + job->pad.right;

  for (gint64 plane = begin; plane < end; plane++)
    {
      const float *src = job->src + plane * job->h * job->w;
      float *dst = job->dst + plane * ph * pw;

      memset (dst, 0, job->pad.top * pw * sizeof (float));
      for (gint64 r = 0; r < job->h; r++)
        {
          float *row = dst + (r + job->pad.top) * pw;

          memset (row, 0, job->pad.left * sizeof (float));
          memcpy (row + job->pad.left, src + r * job->w, job->w * sizeof (float));
          memset (row + job->pad.left + job->w, 0, job->pad.right * sizeof (float));
        }
      memset (dst + (job->pad.top + job->h) * pw, 0, job->pad.bottom * pw * sizeof (float));
    }
}

/* The gradient of padding is the crop of dy back to x's plane. */
static void
crop_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PadJob *job = data;
  gint64 ph = job->h + job->pad.top + job->pad.bottom;
  gint64 pw = job->w + job->pad.left + job->pad.right;

  for (gint64 plane = begin; plane < end; plane++)
    {
      const float *src = job->src + plane * ph * pw;
      float *dst = job->dst + plane * job->h * job->w;

      for (gint64 r = 0; r < job->h; r++)
        memcpy (dst + r * job->w, src + (r + job->pad.top) * pw + job->pad.left,
                job->w * sizeof (float));
    }
}

/* Both paths share the loops; only FAST spreads the planes over threads,
 * and only when there is enough to copy to be worth waking them. */
static void
run_pad (FathomBackend *backend, gint64 planes, gint64 plane_size,
         FathomCpuRangeFunc func, PadJob *job)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);

  if (self->path == FATHOM_CPU_PATH_REFERENCE || planes * plane_size < 65536)
    func (0, planes, 0, job);
  else
    fathom_cpu_parallel_for (self, planes, func, job);
}

static gboolean
cpu_zero_pad_forward (FathomBackend *backend, const FathomPad2d *pad, const FathomTensor *x,
                      FathomTensor *y, GError **error)
{
  PadJob job = { *pad, x->shape[2], x->shape[3], fathom_tensor_raw (x), fathom_tensor_raw (y) };

  run_pad (backend, x->shape[0] * x->shape[1], y->shape[2] * y->shape[3], pad_planes, &job);
  return TRUE;
}

static gboolean
cpu_zero_pad_backward (FathomBackend *backend, const FathomPad2d *pad, const FathomTensor *dy,
                       FathomTensor *dx, GError **error)
{
  PadJob job = { *pad, dx->shape[2], dx->shape[3], fathom_tensor_raw (dy), fathom_tensor_raw (dx) };

  run_pad (backend, dx->shape[0] * dx->shape[1], dx->shape[2] * dx->shape[3], crop_planes, &job);
  return TRUE;
}

void
fathom_cpu_conv_install (FathomBackendOps *ops)
{
  ops->conv2d_forward = cpu_conv2d_forward;
  ops->conv2d_forward_act = cpu_conv2d_forward_act;
  ops->conv2d_backward = cpu_conv2d_backward;
  ops->zero_pad_forward = cpu_zero_pad_forward;
  ops->zero_pad_backward = cpu_zero_pad_backward;
}
