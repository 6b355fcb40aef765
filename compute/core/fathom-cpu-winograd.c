/* fathom-cpu-winograd.c: 3x3 stride-1 convolutions by Winograd F(2x2,3x3).
 *
 * Each 2x2 block of outputs (a tile) comes from the 4x4 input patch d
 * under it as Y = A^T [(G g G^T) .* (B^T d B)] A, so the 36 products per
 * channel pair of the direct sum become 16, and the transforms cost
 * C + K per tile rather than C * K. At each of the 16 positions xi of the
 * 4x4 transforms the products are a matrix product over channels,
 *   M_xi [K, T] = U_xi [K, C] V_xi [C, T],
 * one sgemm per position on a block of T tiles of the batch. Blocks go to
 * threads; a block's V and M stay in cache between the transforms and
 * the products.
 *
 * Backward-data is the same convolution, of dy with the filters flipped
 * and transposed (leading pads 2 - pad). Backward-filter differentiates
 * the formula: dg = G^T [sum over tiles (A dY A^T) .* (B^T d B)] G, so
 * per position dU_xi [K, C] += dY_xi [K, T] V_xi^T over every tile, and
 * one transform of the sums at the end. Each thread sums its blocks into
 * its own dU; those are added in thread order, so results do not depend
 * on timing.
 *
 * F(2x2,3x3) is the accurate one of the family: its matrices hold only 0,
 * +-1 and +-1/2, and in float it stays within about 1e-6 relative of the
 * direct sums (F(4x4,3x3) loses one to two more digits).
 */
#include "fathom-cpu-winograd.h"

#include <cblas.h>
#include <string.h>

/* Below this many channels on either side the 16 products are too thin
 * to pay for the transforms (the 128 -> 8 class maps of allconv stay on
 * im2col). A guess, not a measured crossover. */
#define WINO_MIN_CHANNELS 16

/* Bytes of V and M per block, which sets the tiles per block. The
 * transforms are bound by memory unless a block's V and M stay in cache
 * until the products (and the next transform) use them, and sgemm runs
 * [128 x 128] x [128 x 32] as fast as wider ones; measured on SkylakeX,
 * 128 -> 128 at 22x40: 0.5 MB took 15% less time than 1 MB, 25% less
 * than 4 MB. */
#define WINO_BLOCK_BYTES (512 << 10)
#define WINO_MAX_BLOCK 512

typedef struct {
  gint64 n, c, h, w;            /* the convolution's input: x, or dy for backward-data */
  gint64 k, oh, ow;             /* its output channels and plane */
  int    pad_top, pad_left;
  gint64 tiles_w, tiles_per_image, tiles;
  gint64 block, n_blocks;       /* tiles per block, blocks */
  gsize  v_stride, m_stride;    /* floats between positions in V and in M */
} WinoGeom;

/* A run of tiles: consecutive tiles of one tile row of one sample, and
 * where the first of them sits in its block. */
typedef struct {
  gint64 image, p0, q0;         /* the first tile's sample and first output cell */
  gint64 len, off;
} TileRun;

typedef struct {
  const WinoGeom *g;
  const float    *src;          /* the convolution's input */
  const float    *u;            /* forward: transformed filters [16][K][C] */
  const float    *bias;
  float          *dst;          /* forward: the output */
  const float    *dy;           /* backward-filter: the output gradient */
  float          *scratch;      /* per chunk: V [16][C][block], M [16][K][block] */
  float          *acc;          /* backward-filter: per chunk dU [16][K][C] */
} WinoJob;

static void
wino_geom_init (WinoGeom *g, gint64 n, gint64 c, gint64 h, gint64 w, gint64 k,
                gint64 oh, gint64 ow, int pad_top, int pad_left)
{
  gint64 block;

  *g = (WinoGeom) { n, c, h, w, k, oh, ow, pad_top, pad_left };
  g->tiles_w = (ow + 1) / 2;
  g->tiles_per_image = (oh + 1) / 2 * g->tiles_w;
  g->tiles = n * g->tiles_per_image;
  /* Whole multiples of 16 tiles: the width of sgemm's AVX-512 kernel. */
  block = WINO_BLOCK_BYTES / (16 * (gint64) sizeof (float) * (c + k));
  block = CLAMP (block / 16 * 16, 16, WINO_MAX_BLOCK);
  g->block = MIN (block, MAX (g->tiles, 1));
  g->n_blocks = (g->tiles + g->block - 1) / g->block;
  /* A cache line more than a multiple of 16: the 16 positions of a tile
   * are then stored and read on 16 different cache sets, not all on one
   * (C * block floats is often a multiple of 4 KB). */
  g->v_stride = (gsize) (c * g->block + 15) / 16 * 16 + 16;
  g->m_stride = (gsize) (k * g->block + 15) / 16 * 16 + 16;
}

static float *
alloc_floats (gsize n, GError **error)
{
  float *p = g_try_malloc (MAX (n, 1) * sizeof (float));

  if (p == NULL)
    g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY,
                 "Out of host memory for %" G_GSIZE_FORMAT " bytes of Winograd scratch",
                 n * sizeof (float));
  return p;
}

/* The run of tiles that starts at tile t of the batch and ends at the end
 * of its tile row or at tile end, whichever comes first; off is t - t0. */
static TileRun
next_run (const WinoGeom *g, gint64 t, gint64 end, gint64 t0)
{
  gint64 r = t % g->tiles_per_image, tc = r % g->tiles_w;

  return (TileRun) { t / g->tiles_per_image, 2 * (r / g->tiles_w), 2 * tc,
                     MIN (g->tiles_w - tc, end - t), t - t0 };
}

/* ---- transforms ------------------------------------------------------------ */

/* u = G g G^T for one 3x3 filter g (row-major; flipped reads it back to
 * front, for backward-data), G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. */
static void
filter_transform (const float *g9, gboolean flipped, float u[16])
{
  float g[9], r[12];

  for (int i = 0; i < 9; i++)
    g[i] = flipped ? g9[8 - i] : g9[i];
  for (int j = 0; j < 3; j++)
    {
      r[j] = g[j];
      r[3 + j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
      r[6 + j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
      r[9 + j] = g[6 + j];
    }
  for (int i = 0; i < 4; i++)
    {
      const float *ri = r + 3 * i;

      u[4 * i] = ri[0];
      u[4 * i + 1] = 0.5f * (ri[0] + ri[1] + ri[2]);
      u[4 * i + 2] = 0.5f * (ri[0] - ri[1] + ri[2]);
      u[4 * i + 3] = ri[2];
    }
}

/* Columns c0 + [0, width) of row r of plane [h, w] into dst; cells
 * outside the plane read as zero. */
static void
load_row (const float *plane, gint64 h, gint64 w, gint64 r, gint64 c0, gint64 width, float *dst)
{
  gint64 a = CLAMP (-c0, 0, width), b = CLAMP (w - c0, a, width);

  if (r < 0 || r >= h)
    b = a;
  memset (dst, 0, a * sizeof (float));
  if (b > a)
    memcpy (dst + a, plane + r * w + c0 + a, (b - a) * sizeof (float));
  memset (dst + b, 0, (width - b) * sizeof (float));
}

/* V_xi [C, nb] = (B^T d B)_xi for every channel and tile of a run,
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]: B^T on the four input
 * rows under the run at once (contiguous, so it vectorises), then B on
 * each tile's four columns of those. */
static void
input_transform (const WinoGeom *g, const float *src, const TileRun *run, gint64 nb, float *v)
{
  gsize stride = g->v_stride;
  gint64 width = 2 * run->len + 2;
  gint64 r0 = run->p0 - g->pad_top, c0 = run->q0 - g->pad_left;
  float d[4][2 * WINO_MAX_BLOCK + 2], e[4][2 * WINO_MAX_BLOCK + 2];

  for (gint64 c = 0; c < g->c; c++)
    {
      const float *plane = src + (run->image * g->c + c) * g->h * g->w;
      float *out = v + c * nb + run->off;

      for (int i = 0; i < 4; i++)
        load_row (plane, g->h, g->w, r0 + i, c0, width, d[i]);
      for (gint64 j = 0; j < width; j++)
        {
          e[0][j] = d[0][j] - d[2][j];
          e[1][j] = d[1][j] + d[2][j];
          e[2][j] = d[2][j] - d[1][j];
          e[3][j] = d[1][j] - d[3][j];
        }
      for (int i = 0; i < 4; i++)
        {
          float *o0 = out + (4 * i) * stride, *o1 = out + (4 * i + 1) * stride;
          float *o2 = out + (4 * i + 2) * stride, *o3 = out + (4 * i + 3) * stride;
          const float *ei = e[i];

          for (gint64 t = 0; t < run->len; t++)
            {
              float a0 = ei[2 * t], a1 = ei[2 * t + 1], a2 = ei[2 * t + 2], a3 = ei[2 * t + 3];

              o0[t] = a0 - a2;
              o1[t] = a1 + a2;
              o2[t] = a2 - a1;
              o3[t] = a1 - a3;
            }
        }
    }
}

/* Y = A^T M A + bias for every output channel and tile of a run,
 * A^T = [1 1 1 0; 0 1 -1 -1]; cells past the plane's edge are dropped. */
static void
output_transform (const WinoGeom *g, const float *m, const TileRun *run, gint64 nb,
                  const float *bias, float *dst)
{
  gsize stride = g->m_stride;
  gint64 rows = MIN (2, g->oh - run->p0), cols = MIN (2 * run->len, g->ow - run->q0);
  float y[2][2 * WINO_MAX_BLOCK];

  for (gint64 k = 0; k < g->k; k++)
    {
      const float *in = m + k * nb + run->off;
      float *plane = dst + (run->image * g->k + k) * g->oh * g->ow + run->p0 * g->ow + run->q0;
      float bk = bias != NULL ? bias[k] : 0.f;

      for (gint64 t = 0; t < run->len; t++)
        {
          float s[8];

          for (int j = 0; j < 4; j++)
            {
              float m0 = in[j * stride + t], m1 = in[(4 + j) * stride + t];
              float m2 = in[(8 + j) * stride + t], m3 = in[(12 + j) * stride + t];

              s[j] = m0 + m1 + m2;
              s[4 + j] = m1 - m2 - m3;
            }
          y[0][2 * t] = s[0] + s[1] + s[2] + bk;
          y[0][2 * t + 1] = s[1] - s[2] - s[3] + bk;
          y[1][2 * t] = s[4] + s[5] + s[6] + bk;
          y[1][2 * t + 1] = s[5] - s[6] - s[7] + bk;
        }
      for (gint64 i = 0; i < rows; i++)
        memcpy (plane + i * g->ow, y[i], cols * sizeof (float));
    }
}

/* E_xi [K, nb] = (A dY A^T)_xi for the 2x2 tiles of dy in a run (cells
 * past the edge are zero), A^T as above. */
static void
grad_transform (const WinoGeom *g, const float *dy, const TileRun *run, gint64 nb, float *e)
{
  gsize stride = g->m_stride;
  gint64 width = 2 * run->len;
  float d[2][2 * WINO_MAX_BLOCK];

  for (gint64 k = 0; k < g->k; k++)
    {
      const float *plane = dy + (run->image * g->k + k) * g->oh * g->ow;
      float *out = e + k * nb + run->off;

      load_row (plane, g->oh, g->ow, run->p0, run->q0, width, d[0]);
      load_row (plane, g->oh, g->ow, run->p0 + 1, run->q0, width, d[1]);
      for (gint64 t = 0; t < run->len; t++)
        {
          float d0 = d[0][2 * t], d1 = d[0][2 * t + 1], d2 = d[1][2 * t], d3 = d[1][2 * t + 1];
          /* rows of A dY: [d0 d1], [d0+d2 d1+d3], [d0-d2 d1-d3], [-d2 -d3] */
          float r[8] = { d0, d1, d0 + d2, d1 + d3, d0 - d2, d1 - d3, -d2, -d3 };

          for (int i = 0; i < 4; i++)
            {
              float a = r[2 * i], b = r[2 * i + 1];

              out[(4 * i) * stride + t] = a;
              out[(4 * i + 1) * stride + t] = a + b;
              out[(4 * i + 2) * stride + t] = a - b;
              out[(4 * i + 3) * stride + t] = -b;
            }
        }
    }
}

/* dg = G^T m G for one 4x4 sum m, the inverse direction of filter_transform. */
static void
filter_grad_transform (const float m[16], float *g9)
{
  float q[12];

  for (int j = 0; j < 4; j++)
    {
      q[j] = m[j] + 0.5f * (m[4 + j] + m[8 + j]);
      q[4 + j] = 0.5f * (m[4 + j] - m[8 + j]);
      q[8 + j] = 0.5f * (m[4 + j] + m[8 + j]) + m[12 + j];
    }
  for (int i = 0; i < 3; i++)
    {
      const float *qi = q + 4 * i;

      g9[3 * i] = qi[0] + 0.5f * (qi[1] + qi[2]);
      g9[3 * i + 1] = 0.5f * (qi[1] - qi[2]);
      g9[3 * i + 2] = 0.5f * (qi[1] + qi[2]) + qi[3];
    }
}

/* ---- blocks on threads ------------------------------------------------------ */

static float *
chunk_scratch (const WinoJob *job, guint chunk_index)
{
  const WinoGeom *g = job->g;

  return job->scratch + (gsize) chunk_index * 16 * (g->v_stride + g->m_stride);
}

static void
forward_blocks (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const WinoJob *job = data;
  const WinoGeom *g = job->g;
  float *v = chunk_scratch (job, chunk_index);
  float *m = v + 16 * g->v_stride;

  for (gint64 b = begin; b < end; b++)
    {
      gint64 t0 = b * g->block, nb = MIN (g->block, g->tiles - t0);
      TileRun run;

      for (gint64 t = t0; t < t0 + nb; t += run.len)
        {
          run = next_run (g, t, t0 + nb, t0);
          input_transform (g, job->src, &run, nb, v);
        }
      for (int xi = 0; xi < 16; xi++)
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) g->k, (int) nb, (int) g->c,
                     1.f, job->u + (gsize) xi * g->k * g->c, (int) g->c,
                     v + xi * g->v_stride, (int) nb,
                     0.f, m + xi * g->m_stride, (int) nb);
      for (gint64 t = t0; t < t0 + nb; t += run.len)
        {
          run = next_run (g, t, t0 + nb, t0);
          output_transform (g, m, &run, nb, job->bias, job->dst);
        }
    }
}

static void
filter_blocks (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const WinoJob *job = data;
  const WinoGeom *g = job->g;
  float *v = chunk_scratch (job, chunk_index);
  float *e = v + 16 * g->v_stride;
  float *acc = job->acc + (gsize) chunk_index * 16 * g->k * g->c;

  for (gint64 b = begin; b < end; b++)
    {
      gint64 t0 = b * g->block, nb = MIN (g->block, g->tiles - t0);
      TileRun run;

      for (gint64 t = t0; t < t0 + nb; t += run.len)
        {
          run = next_run (g, t, t0 + nb, t0);
          input_transform (g, job->src, &run, nb, v);
          grad_transform (g, job->dy, &run, nb, e);
        }
      for (int xi = 0; xi < 16; xi++)
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) g->k, (int) g->c, (int) nb,
                     1.f, e + xi * g->m_stride, (int) nb,
                     v + xi * g->v_stride, (int) nb,
                     1.f, acc + (gsize) xi * g->k * g->c, (int) g->c);
    }
}

/* The convolution of src with the transformed filters u [16][K][C]. */
static gboolean
run_convolution (FathomCpuBackend *self, const WinoGeom *g, const float *src, const float *u,
                 const float *bias, float *dst, GError **error)
{
  guint chunks = fathom_cpu_n_chunks (self, g->n_blocks);
  g_autofree float *scratch = NULL;
  WinoJob job = { g, src, u, bias, dst };

  if (g->tiles == 0)
    return TRUE;
  scratch = alloc_floats ((gsize) chunks * 16 * (g->v_stride + g->m_stride), error);
  if (scratch == NULL)
    return FALSE;
  job.scratch = scratch;
  fathom_cpu_parallel_for (self, g->n_blocks, forward_blocks, &job);
  return TRUE;
}

/* ---- entry points ------------------------------------------------------------- */

gboolean
fathom_cpu_winograd_applies (const FathomCpuBackend *self, const FathomConvWindow *win,
                             gint64 c, gint64 o)
{
  return self->winograd && win->kh == 3 && win->kw == 3 && win->sh == 1 && win->sw == 1 &&
         win->pad_top <= 2 && win->pad_left <= 2 && MIN (c, o) >= WINO_MIN_CHANNELS;
}

gboolean
fathom_cpu_winograd_forward (FathomCpuBackend *self, const FathomConvWindow *win,
                             const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                             const float *x, const float *w, const float *bias, float *y,
                             GError **error)
{
  gint64 c = x_shape[1];
  g_autofree float *u = alloc_floats ((gsize) 16 * o * c, error);
  WinoGeom g;

  if (u == NULL)
    return FALSE;
  for (gint64 k = 0; k < o; k++)
    for (gint64 ci = 0; ci < c; ci++)
      {
        float t[16];

        filter_transform (w + (k * c + ci) * 9, FALSE, t);
        for (int xi = 0; xi < 16; xi++)
          u[((gsize) xi * o + k) * c + ci] = t[xi];
      }
  wino_geom_init (&g, x_shape[0], c, x_shape[2], x_shape[3], o, oh, ow,
                  win->pad_top, win->pad_left);
  return run_convolution (self, &g, x, u, bias, y, error);
}

gboolean
fathom_cpu_winograd_backward_data (FathomCpuBackend *self, const FathomConvWindow *win,
                                   const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                                   const float *w, const float *dy, float *dx, GError **error)
{
  gint64 c = x_shape[1];
  g_autofree float *u = alloc_floats ((gsize) 16 * c * o, error);
  WinoGeom g;

  if (u == NULL)
    return FALSE;
  /* The transposed convolution: C outputs from K inputs, filters flipped. */
  for (gint64 k = 0; k < o; k++)
    for (gint64 ci = 0; ci < c; ci++)
      {
        float t[16];

        filter_transform (w + (k * c + ci) * 9, TRUE, t);
        for (int xi = 0; xi < 16; xi++)
          u[((gsize) xi * c + ci) * o + k] = t[xi];
      }
  wino_geom_init (&g, x_shape[0], o, oh, ow, c, x_shape[2], x_shape[3],
                  2 - win->pad_top, 2 - win->pad_left);
  return run_convolution (self, &g, dy, u, NULL, dx, error);
}

gboolean
fathom_cpu_winograd_backward_filter (FathomCpuBackend *self, const FathomConvWindow *win,
                                     const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                                     const float *x, const float *dy, float *dw, GError **error)
{
  gint64 c = x_shape[1];
  gsize acc_numel = (gsize) 16 * o * c;
  g_autofree float *scratch = NULL;
  g_autofree float *acc = NULL;
  WinoJob job = { 0 };
  WinoGeom g;
  guint chunks;

  wino_geom_init (&g, x_shape[0], c, x_shape[2], x_shape[3], o, oh, ow,
                  win->pad_top, win->pad_left);
  chunks = MAX (fathom_cpu_n_chunks (self, g.n_blocks), 1);
  scratch = alloc_floats ((gsize) chunks * 16 * (g.v_stride + g.m_stride), error);
  if (scratch == NULL)
    return FALSE;
  acc = alloc_floats (chunks * acc_numel, error);
  if (acc == NULL)
    return FALSE;
  memset (acc, 0, chunks * acc_numel * sizeof (float));
  job = (WinoJob) { .g = &g, .src = x, .dy = dy, .scratch = scratch, .acc = acc };
  if (g.tiles > 0)
    fathom_cpu_parallel_for (self, g.n_blocks, filter_blocks, &job);

  /* Chunk partials in chunk order, then back from the 4x4 domain. */
  for (guint k = 1; k < chunks; k++)
    {
      const float *part = acc + k * acc_numel;

      for (gsize i = 0; i < acc_numel; i++)
        acc[i] += part[i];
    }
  for (gint64 k = 0; k < o; k++)
    for (gint64 ci = 0; ci < c; ci++)
      {
        float m[16];

        for (int xi = 0; xi < 16; xi++)
          m[xi] = acc[((gsize) xi * o + k) * c + ci];
        filter_grad_transform (m, dw + (k * c + ci) * 9);
      }
  return TRUE;
}
