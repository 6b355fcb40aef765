/* fathom-cpu-winograd.c: 3x3 stride-1 convolutions by Winograd
 * F(4x4,3x3), forward and backward-data.
 *
 * Each 4x4 block of outputs (a tile) comes from the 6x6 input patch d
 * under it as Y = A^T [(G g G^T) .* (B^T d B)] A, so the 144 products per
 * channel pair of the direct sum become 36, and the transforms cost
 * C + K per tile rather than C * K. At each of the 36 positions xi of the
 * 6x6 transforms the products are a matrix product over channels,
 *   M_xi [K, T] = U_xi [K, C] V_xi [C, T],
 * one sgemm per position on a block of T tiles of the batch. Blocks go to
 * threads; a block's V and M stay in cache between the transforms and
 * the products. The transforms run four tiles at a time in SSE vectors:
 * four tiles' columns are one 4x4 transpose of a row.
 *
 * Backward-data is the same convolution, of dy with the filters flipped
 * and transposed (leading pads 2 - pad). Backward-filter is in
 * fathom-cpu-winograd-filter.c.
 *
 * F(4x4,3x3) multiplies by 4, 5, 8 and 1/24 in its transforms: in float
 * it stays within a few 1e-6 of the sum of the products' magnitudes
 * (F(2x2,3x3), four times the products, about 1e-7).
 */
#include "fathom-cpu-winograd-private.h"

#include <cblas.h>
#include <string.h>

/* Below this many channels on either side the 36 products are too thin
 * to pay for the transforms (the 128 -> 8 class maps of allconv stay on
 * im2col). */
#define WINO_MIN_CHANNELS 16

/* Fewer tiles in a call than this, and im2col (see _applies()). */
#define WINO_MIN_TILES 64

#define WINO_MIN_BLOCK 32

typedef struct {
  const WinoGeom *g;
  const float    *src;          /* the convolution's input */
  const float    *u;            /* transformed filters [36][K][C] */
  const float    *bias;
  gboolean        relu;         /* max (y, 0) as y is stored */
  float          *dst;          /* the output */
  float          *scratch;      /* per chunk: V [36][C][ld], M [36][K][ld] */
} WinoJob;

void
fathom_cpu_winograd_geom_init (WinoGeom *g, gint64 n, gint64 c, gint64 h, gint64 w, gint64 k,
                               gint64 oh, gint64 ow, int pad_top, int pad_left, gsize block_bytes)
{
  gint64 block;

  *g = (WinoGeom) { n, c, h, w, k, oh, ow, pad_top, pad_left };
  g->tiles_w = (ow + 3) / 4;
  g->tiles_per_image = (oh + 3) / 4 * g->tiles_w;
  g->tiles = n * g->tiles_per_image;
  /* Whole multiples of 16 tiles: the width of sgemm's AVX-512 kernel.
   * 32 tiles for 64 -> 128 and 128 -> 128 at 22x40: 16, 24, 48, 64 and 96
   * measured slower, forward and backward alike. */
  block = (gint64) block_bytes / (36 * (gint64) sizeof (float) * (c + k));
  block = CLAMP (block / 16 * 16, WINO_MIN_BLOCK, WINO_MAX_BLOCK);
  g->block = MIN (block, MAX (g->tiles, 1));
  g->n_blocks = (g->tiles + g->block - 1) / g->block;
  g->ld = (g->block + 3 + 3) / 4 * 4;
  /* A cache line more than a multiple of 16: the 36 positions of a tile
   * are then stored and read on different cache sets, not all on one. */
  g->v_stride = (gsize) (c * g->ld + 15) / 16 * 16 + 16;
  g->m_stride = (gsize) (k * g->ld + 15) / 16 * 16 + 16;
}

int
fathom_cpu_winograd_block_runs (const WinoGeom *g, gint64 b, TileRun runs[WINO_MAX_BLOCK])
{
  gint64 t0 = b * g->block, end = MIN (t0 + g->block, g->tiles);
  int n = 0;

  /* each run ends at its tile row's end or the block's */
  for (gint64 t = t0; t < end; t += runs[n++].len)
    {
      gint64 r = t % g->tiles_per_image, tc = r % g->tiles_w;

      runs[n] = (TileRun) { t / g->tiles_per_image, 4 * (r / g->tiles_w), 4 * tc,
                            MIN (g->tiles_w - tc, end - t), t - t0 };
    }
  return n;
}

/* ---- transforms ------------------------------------------------------------ */

/* G on three values a, b, c (a column or a row of a 3x3 filter), four
 * filters at once: G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
 * 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]. */
#define WINO_G(o, a, b, c)                                        \
  G_STMT_START {                                                  \
    v4sf s_ = (a) + (c), t_ = (a) * (1.f / 24) + (c) * (1.f / 6); \
    (o)[0] = (a) * 0.25f;                                         \
    (o)[1] = (s_ + (b)) * (-1.f / 6);                             \
    (o)[2] = (s_ - (b)) * (-1.f / 6);                             \
    (o)[3] = t_ + (b) * (1.f / 12);                               \
    (o)[4] = t_ - (b) * (1.f / 12);                               \
    (o)[5] = (c);                                                 \
  } G_STMT_END

/* B^T on six values, B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
 * 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]. */
#define WINO_BT(o, d)                                         \
  G_STMT_START {                                              \
    (o)[0] = 4.f * (d)[0] - 5.f * (d)[2] + (d)[4];            \
    (o)[1] = (d)[3] + (d)[4] - 4.f * ((d)[1] + (d)[2]);       \
    (o)[2] = 4.f * ((d)[1] - (d)[2]) + (d)[4] - (d)[3];       \
    (o)[3] = 2.f * ((d)[3] - (d)[1]) + (d)[4] - (d)[2];       \
    (o)[4] = 2.f * ((d)[1] - (d)[3]) + (d)[4] - (d)[2];       \
    (o)[5] = 4.f * (d)[1] - 5.f * (d)[3] + (d)[5];            \
  } G_STMT_END

/* B^T on the six input rows under a run at once, then B on each tile's
 * six columns of those, four tiles at a time (so up to three slots past
 * the run are written; a later run, or the slack of ld, takes them). */
static void
input_transform_run (const WinoGeom *g, const float *plane, const TileRun *run, float *out)
{
  gsize stride = g->v_stride;
  /* groups of four tiles read window columns [0, 4 len4 + 4): the run's
   * own, then cells past the plane (zeros) or of the tiles after it */
  gint64 len4 = (run->len + 3) / 4 * 4, width = 4 * len4 + 4;
  float e[6][4 * WINO_MAX_BLOCK + 8];
  WinoWindow win;

  wino_window_init (&win, plane, g->h, g->w, run->p0 - g->pad_top, 6, run->q0 - g->pad_left, width);
  for (gint64 j = 0; j < width; j += 4)
    {
      v4sf dj[6], ej[6];

      for (int i = 0; i < 6; i++)
        dj[i] = wino_window_load (&win, i, j);
      WINO_BT (ej, dj);
      for (int i = 0; i < 6; i++)
        store4 (e[i] + j, ej[i]);
    }
  for (int i = 0; i < 6; i++)
    for (gint64 t = 0; t < len4; t += 4)
      {
        const float *ei = e[i] + 4 * t;
        v4sf col[8], o[6];

        /* columns 0-3 of tiles t..t+3, then their columns 4 and 5 */
        tile_columns (ei, col);
        tile_columns (ei + 4, col + 4);
        WINO_BT (o, col);
        for (int j = 0; j < 6; j++)
          store4 (out + (6 * i + j) * stride + t, o[j]);
      }
}

void
fathom_cpu_winograd_input_transform (const WinoGeom *g, const float *src, const TileRun *runs,
                                     int n_runs, float *v)
{
  gsize plane_size = (gsize) g->h * g->w;

  for (gint64 c = 0; c < g->c; c++)
    {
      if (c + WINO_PREFETCH_AHEAD < g->c)
        for (int r = 0; r < n_runs; r++)
          prefetch_rows (src + (runs[r].image * g->c + c + WINO_PREFETCH_AHEAD) * plane_size, g->h, g->w,
                         runs[r].p0 - g->pad_top, 6, runs[r].q0 - g->pad_left, 4 * runs[r].len + 2, FALSE);
      for (int r = 0; r < n_runs; r++)
        input_transform_run (g, src + (runs[r].image * g->c + c) * plane_size, &runs[r],
                             v + c * g->ld + runs[r].off);
    }
}

/* A^T on six values, A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0;
 * 0 1 -1 8 -8 1]. */
#define WINO_AT(o, m)                                                   \
  G_STMT_START {                                                        \
    v4sf p12 = (m)[1] + (m)[2], m12 = (m)[1] - (m)[2];                  \
    v4sf p34 = (m)[3] + (m)[4], m34 = (m)[3] - (m)[4];                  \
    (o)[0] = (m)[0] + p12 + p34;                                        \
    (o)[1] = m12 + 2.f * m34;                                           \
    (o)[2] = p12 + 4.f * p34;                                           \
    (o)[3] = m12 + 8.f * m34 + (m)[5];                                  \
  } G_STMT_END

/* Y = A^T M A + bias for every output channel and tile of a run, four
 * tiles at a time, with relu max (Y, 0); cells past the plane's edge are
 * dropped. */
static void
output_transform (const WinoGeom *g, const float *m, const TileRun *run,
                  const float *bias, gboolean relu, float *dst)
{
  gsize stride = g->m_stride;
  gint64 rows = MIN (4, g->oh - run->p0), cols = MIN (4 * run->len, g->ow - run->q0);
  gint64 len4 = (run->len + 3) / 4 * 4;
  float y[4][4 * WINO_MAX_BLOCK + 16];   /* a partial last group's cells */

  for (gint64 k = 0; k < g->k; k++)
    {
      const float *in = m + k * g->ld + run->off;
      float *plane = dst + (run->image * g->k + k) * g->oh * g->ow + run->p0 * g->ow + run->q0;
      v4sf bk = { 0.f, 0.f, 0.f, 0.f };
      gint64 tail = cols;
      gboolean full;

      if (bias != NULL)
        bk += bias[k];
      if (k + WINO_PREFETCH_AHEAD < g->k)
        prefetch_rows (plane + WINO_PREFETCH_AHEAD * g->oh * g->ow, rows, g->ow, 0, (int) rows, 0, cols, TRUE);
      for (gint64 t = 0; t < len4; t += 4)
        {
          v4sf s[6][4], col[6], yr[4];

          for (int i = 0; i < 6; i++)
            {
              v4sf mi[6];

              for (int j = 0; j < 6; j++)
                mi[j] = load4 (in + (6 * i + j) * stride + t);
              WINO_AT (s[i], mi);
            }
          for (int c = 0; c < 4; c++)
            {
              for (int i = 0; i < 6; i++)
                col[i] = s[i][c];
              WINO_AT (yr, col);
              /* yr[r] holds cell (r, c) of tiles t..t+3 */
              for (int r = 0; r < 4; r++)
                s[r][c] = yr[r] + bk;
              if (relu)
                for (int r = 0; r < 4; r++)
                  s[r][c] = relu4 (s[r][c]);
            }
          /* four whole tiles on the plane go straight to it; the run's
           * last, partial group through y */
          full = 4 * t + 16 <= cols;
          for (int r = 0; r < 4; r++)
            {
              transpose4 (&s[r][0], &s[r][1], &s[r][2], &s[r][3]);
              if (full && r < rows)
                for (int q = 0; q < 4; q++)
                  store4 (plane + r * g->ow + 4 * (t + q), s[r][q]);
              else if (!full)
                for (int q = 0; q < 4; q++)
                  store4 (y[r] + 4 * (t + q), s[r][q]);
            }
          if (!full)
            tail = MIN (tail, 4 * t);
        }
      for (gint64 i = 0; i < rows && tail < cols; i++)
        memcpy (plane + i * g->ow + tail, y[i] + tail, (cols - tail) * sizeof (float));
    }
}

/* ---- blocks on threads ------------------------------------------------------ */

static void
forward_blocks (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const WinoJob *job = data;
  const WinoGeom *g = job->g;
  float *v = job->scratch + (gsize) chunk_index * 36 * (g->v_stride + g->m_stride);
  float *m = v + 36 * g->v_stride;

  for (gint64 b = begin; b < end; b++)
    {
      gint64 nb = MIN (g->block, g->tiles - b * g->block);
      TileRun runs[WINO_MAX_BLOCK];
      int n_runs = fathom_cpu_winograd_block_runs (g, b, runs);

      fathom_cpu_winograd_input_transform (g, job->src, runs, n_runs, v);
      for (int xi = 0; xi < 36; xi++)
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) g->k, (int) nb, (int) g->c,
                     1.f, job->u + (gsize) xi * g->k * g->c, (int) g->c,
                     v + xi * g->v_stride, (int) g->ld,
                     0.f, m + xi * g->m_stride, (int) g->ld);
      for (int r = 0; r < n_runs; r++)
        output_transform (g, m, &runs[r], job->bias, job->relu, job->dst);
    }
}

/* The convolution of src with the transformed filters u [36][K][C]. */
static gboolean
run_convolution (FathomCpuBackend *self, const WinoGeom *g, const float *src, const float *u,
                 const float *bias, gboolean relu, float *dst, GError **error)
{
  guint chunks = fathom_cpu_n_chunks (self, g->n_blocks);
  WinoJob job = { g, src, u, bias, relu, dst };
  gsize n;

  if (g->tiles == 0)
    return TRUE;
  n = (gsize) chunks * 36 * (g->v_stride + g->m_stride);
  /* Not zeroed: the slots past a block's last tile, which the transforms
   * read four at a time and then drop, hold what an earlier call wrote
   * there, or the zeros of a new buffer (fathom_cpu_scratch_acquire()),
   * never stray bytes. Zeroing it each call was a memset of 2.6 MB on
   * this thread alone. */
  job.scratch = fathom_cpu_scratch_acquire (self, n, FALSE, "Winograd scratch", error);
  if (job.scratch == NULL)
    return FALSE;
  fathom_cpu_parallel_for (self, g->n_blocks, forward_blocks, &job);
  fathom_cpu_scratch_release (self, job.scratch);
  return TRUE;
}

/* ---- entry points ------------------------------------------------------------- */

gboolean
fathom_cpu_winograd_applies (const FathomCpuBackend *self, const FathomConvWindow *win,
                             gint64 n, gint64 c, gint64 o, gint64 oh, gint64 ow)
{
  gint64 cells = (oh + 3) / 4 * ((ow + 3) / 4) * 16;

  if (!(self->winograd && win->kh == 3 && win->kw == 3 && win->sh == 1 && win->sw == 1 &&
        win->pad_top <= 2 && win->pad_left <= 2 && MIN (c, o) >= WINO_MIN_CHANNELS))
    return FALSE;
  if (self->winograd_all_planes)
    return TRUE;
  /* The tiles of a small plane are mostly padding: fcn's 5x10 planes
   * fill 52% of theirs and ran about 10% slower than on im2col (forward
   * and backward, 128 -> 128, batch 64), its 11x20 planes (92%) 30%
   * faster. Below two thirds full, im2col. */
  if (3 * oh * ow < 2 * cells)
    return FALSE;
  /* The filters' transform (36 * C * K floats written, then read by every
   * block) is paid once a call: it needs tiles to spread over. Forward,
   * 2 cores: 512 -> 512 at 7x7, batch 8 (32 tiles, one block) 0.59x
   * im2col's speed, batch 16 (64 tiles) 1.15x, batch 64 1.73x; 256 -> 256
   * at 14x14, batch 4 (64 tiles) 0.96x, batch 16 1.42x. */
  return n * cells / 16 >= WINO_MIN_TILES;
}

typedef struct {
  const float *w;               /* [o, c, 3, 3] */
  float       *u;               /* [36][rows][cols] */
  gint64       o, c, rows, cols;
  gboolean     flipped;
} FilterJob;

/* u = G g G^T for the filters of rows [begin, end), four neighbours in
 * u at a time. */
static void
filter_rows (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const FilterJob *job = data;
  gsize plane = (gsize) job->rows * job->cols;

  for (gint64 row = begin; row < end; row++)
    for (gint64 col = 0; col < job->cols; col += 4)
      {
        int lanes = (int) MIN (4, job->cols - col);
        v4sf g[9] = { { 0 } }, r[6][3], u[6];

        for (int l = 0; l < lanes; l++)
          {
            /* forward: row k, column ci; backward-data: row ci, column k */
            const float *g9 = job->w + 9 * (job->flipped ? (col + l) * job->c + row : row * job->c + col + l);

            for (int i = 0; i < 9; i++)
              g[i][l] = g9[job->flipped ? 8 - i : i];
          }
        for (int j = 0; j < 3; j++)
          {
            v4sf col6[6];

            WINO_G (col6, g[j], g[3 + j], g[6 + j]);
            for (int i = 0; i < 6; i++)
              r[i][j] = col6[i];
          }
        for (int i = 0; i < 6; i++)
          {
            float *dst = job->u + (gsize) 6 * i * plane + (gsize) row * job->cols + col;

            WINO_G (u, r[i][0], r[i][1], r[i][2]);
            for (int j = 0; j < 6; j++, dst += plane)
              if (lanes == 4)
                store4 (dst, u[j]);
              else
                for (int l = 0; l < lanes; l++)
                  dst[l] = u[j][l];
          }
      }
}

/* u [36][rows][cols] from w [o,c,3,3]: for forward the rows are the
 * output channels, for backward-data (flipped) the input channels. Four
 * filters to a vector, rows spread over the threads: one filter at a
 * time in double, ResNet50's 512x512 filters of conv5 took about 45 ms a
 * call, and with the page faults of a fresh 38 MB buffer each time
 * (before fathom_cpu_scratch_acquire()) that layer ran at 0.36x
 * im2col's speed in a batch of 16; now 1.15x. */
static float *
transform_filters (FathomCpuBackend *self, const float *w, gint64 o, gint64 c, gboolean flipped,
                   GError **error)
{
  FilterJob job = { w, NULL, o, c, flipped ? c : o, flipped ? o : c, flipped };

  job.u = fathom_cpu_scratch_acquire (self, (gsize) 36 * o * c, FALSE, "Winograd filters", error);
  if (job.u != NULL)
    fathom_cpu_parallel_for (self, job.rows, filter_rows, &job);
  return job.u;
}

gboolean
fathom_cpu_winograd_forward (FathomCpuBackend *self, const FathomConvWindow *win,
                             const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                             const float *x, const float *w, const float *bias, gboolean relu,
                             float *y, GError **error)
{
  gint64 c = x_shape[1];
  float *u = transform_filters (self, w, o, c, FALSE, error);
  WinoGeom g;
  gboolean ok;

  if (u == NULL)
    return FALSE;
  fathom_cpu_winograd_geom_init (&g, x_shape[0], c, x_shape[2], x_shape[3], o, oh, ow,
                                 win->pad_top, win->pad_left, WINO_BLOCK_BYTES);
  ok = run_convolution (self, &g, x, u, bias, relu, y, error);
  fathom_cpu_scratch_release (self, u);
  return ok;
}

gboolean
fathom_cpu_winograd_backward_data (FathomCpuBackend *self, const FathomConvWindow *win,
                                   const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                                   const float *w, const float *dy, float *dx, GError **error)
{
  gint64 c = x_shape[1];
  /* The transposed convolution: C outputs from K inputs, filters flipped. */
  float *u = transform_filters (self, w, o, c, TRUE, error);
  WinoGeom g;
  gboolean ok;

  if (u == NULL)
    return FALSE;
  fathom_cpu_winograd_geom_init (&g, x_shape[0], o, oh, ow, c, x_shape[2], x_shape[3],
                                 2 - win->pad_top, 2 - win->pad_left, WINO_BLOCK_BYTES);
  ok = run_convolution (self, &g, dy, u, NULL, FALSE, dx, error);
  fathom_cpu_scratch_release (self, u);
  return ok;
}
