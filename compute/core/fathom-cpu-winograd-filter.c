/* fathom-cpu-winograd-filter.c: backward-filter of 3x3 stride-1
 * convolutions by Winograd F(4x4,3x3).
 *
 * Differentiating Y = A^T [(G g G^T) .* (B^T d B)] A gives
 *   dg = G^T [sum over tiles (A dY A^T) .* (B^T d B)] G,
 * so at each of the 36 positions xi of the 6x6 transforms
 *   dU_xi [K, C] += E_xi [K, T] V_xi [C, T]^T,  E = A dY A^T,
 * over blocks of T tiles of the batch, and one transform of the sums at
 * the end. Blocks go to threads; each thread sums its blocks into its own
 * dU; those are added in thread order, so results do not depend on timing.
 * A thread's dU for 128 -> 128 (2.4 MB) is more than its 2 MB of L2, so
 * its blocks are larger than forward's (WINO_FILTER_BLOCK_BYTES): fewer
 * passes over dU, V and E out of L2. Groups of output channels on threads
 * (a share of dU that fits, the input transform repeated per group)
 * measured slower.
 */
#include "fathom-cpu-winograd-private.h"

#include <cblas.h>

typedef struct {
  const WinoGeom *g;
  const float    *src;          /* x */
  const float    *dy;
  float          *scratch;      /* per chunk: V [36][C][ld], E [36][K][ld] */
  float          *acc;          /* per chunk: dU [36][K][C] */
} FilterJob;

/* A on four values, A = [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8;
 * 1 -2 4 -8; 0 0 0 1] (the transpose of the forward pass's A^T). */
#define WINO_A(o, d)                                                    \
  G_STMT_START {                                                        \
    v4sf p02 = (d)[0] + (d)[2], p13 = (d)[1] + (d)[3];                  \
    v4sf q02 = (d)[0] + 4.f * (d)[2], q13 = 2.f * (d)[1] + 8.f * (d)[3]; \
    (o)[0] = (d)[0];                                                    \
    (o)[1] = p02 + p13;                                                 \
    (o)[2] = p02 - p13;                                                 \
    (o)[3] = q02 + q13;                                                 \
    (o)[4] = q02 - q13;                                                 \
    (o)[5] = (d)[3];                                                    \
  } G_STMT_END

/* E_xi [K, ld] = (A dY A^T)_xi for the 4x4 tiles of one channel's plane
 * of dy in a run (cells past the edge are zero): A on the four rows, then
 * on each tile's four columns, four tiles at a time. */
static void
grad_transform_run (const WinoGeom *g, const float *plane, const TileRun *run, float *out)
{
  gsize stride = g->m_stride;
  /* groups of four tiles read columns [0, 4 len4): the run's own, then
   * cells past the plane (zeros) or of the tiles after it */
  gint64 len4 = (run->len + 3) / 4 * 4, width = 4 * len4;
  float r[6][4 * WINO_MAX_BLOCK + 4];
  WinoWindow win;

  wino_window_init (&win, plane, g->oh, g->ow, run->p0, 4, run->q0, width);
  for (gint64 j = 0; j < width; j += 4)
    {
      v4sf dj[4], rj[6];

      for (int i = 0; i < 4; i++)
        dj[i] = wino_window_load (&win, i, j);
      WINO_A (rj, dj);
      for (int i = 0; i < 6; i++)
        store4 (r[i] + j, rj[i]);
    }
  for (int i = 0; i < 6; i++)
    for (gint64 t = 0; t < len4; t += 4)
      {
        const float *ri = r[i] + 4 * t;
        v4sf col[4], o[6];

        tile_columns (ri, col);
        WINO_A (o, col);
        for (int j = 0; j < 6; j++)
          store4 (out + (6 * i + j) * stride + t, o[j]);
      }
}

/* E for every output channel and tile of a block's runs, channel by
 * channel as the input transform goes. */
static void
grad_transform (const WinoGeom *g, const float *dy, const TileRun *runs, int n_runs, float *e)
{
  gsize plane_size = (gsize) g->oh * g->ow;

  for (gint64 k = 0; k < g->k; k++)
    {
      if (k + WINO_PREFETCH_AHEAD < g->k)
        for (int r = 0; r < n_runs; r++)
          prefetch_rows (dy + (runs[r].image * g->k + k + WINO_PREFETCH_AHEAD) * plane_size, g->oh, g->ow,
                         runs[r].p0, 4, runs[r].q0, 4 * runs[r].len, FALSE);
      for (int r = 0; r < n_runs; r++)
        grad_transform_run (g, dy + (runs[r].image * g->k + k) * plane_size, &runs[r],
                            e + k * g->ld + runs[r].off);
    }
}

/* dg = G^T m G for one 6x6 sum m, the inverse direction of the forward
 * pass's filter transform; in double, as G holds sixths. */
static void
filter_grad_transform (const float m[36], float *g9)
{
  static const double G[6][3] = {
    { 1. / 4, 0, 0 }, { -1. / 6, -1. / 6, -1. / 6 }, { -1. / 6, 1. / 6, -1. / 6 },
    { 1. / 24, 1. / 12, 1. / 6 }, { 1. / 24, -1. / 12, 1. / 6 }, { 0, 0, 1 },
  };
  double q[3][6];

  for (int a = 0; a < 3; a++)
    for (int j = 0; j < 6; j++)
      {
        double s = 0.0;

        for (int i = 0; i < 6; i++)
          s += G[i][a] * m[6 * i + j];
        q[a][j] = s;
      }
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      {
        double s = 0.0;

        for (int j = 0; j < 6; j++)
          s += q[a][j] * G[j][b];
        g9[3 * a + b] = (float) s;
      }
}

static void
filter_blocks (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const FilterJob *job = data;
  const WinoGeom *g = job->g;
  float *v = job->scratch + (gsize) chunk_index * 36 * (g->v_stride + g->m_stride);
  float *e = v + 36 * g->v_stride;
  float *acc = job->acc + (gsize) chunk_index * 36 * g->k * g->c;

  for (gint64 b = begin; b < end; b++)
    {
      gint64 nb = MIN (g->block, g->tiles - b * g->block);
      TileRun runs[WINO_MAX_BLOCK];
      int n_runs = fathom_cpu_winograd_block_runs (g, b, runs);

      fathom_cpu_winograd_input_transform (g, job->src, runs, n_runs, v);
      grad_transform (g, job->dy, runs, n_runs, e);
      /* a chunk's first block sets its dU, the others add to it */
      for (int xi = 0; xi < 36; xi++)
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) g->k, (int) g->c, (int) nb,
                     1.f, e + xi * g->m_stride, (int) g->ld,
                     v + xi * g->v_stride, (int) g->ld,
                     b == begin ? 0.f : 1.f, acc + (gsize) xi * g->k * g->c, (int) g->c);
    }
}

typedef struct {
  float  *acc;                  /* chunks x dU [36][K][C] */
  float  *dw;
  gint64  o, c;
  guint   chunks;
} FinishJob;

/* For the output channels [begin, end): the chunks' partials added in
 * chunk order (so dw does not depend on timing), then each filter back
 * from the 6x6 domain. (On the calling thread alone, these were about 1%
 * of allconv's training.) */
static void
finish_rows (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const FinishJob *job = data;
  gsize acc_numel = (gsize) 36 * job->o * job->c;

  for (gint64 k = begin; k < end; k++)
    {
      for (int xi = 0; xi < 36; xi++)
        {
          float *row = job->acc + ((gsize) xi * job->o + k) * job->c;

          for (guint part = 1; part < job->chunks; part++)
            for (gint64 ci = 0; ci < job->c; ci++)
              row[ci] += row[part * acc_numel + ci];
        }
      for (gint64 ci = 0; ci < job->c; ci++)
        {
          float m[36];

          for (int xi = 0; xi < 36; xi++)
            m[xi] = job->acc[((gsize) xi * job->o + k) * job->c + ci];
          filter_grad_transform (m, job->dw + (k * job->c + ci) * 9);
        }
    }
}

gboolean
fathom_cpu_winograd_backward_filter (FathomCpuBackend *self, const FathomConvWindow *win,
                                     const gint64 x_shape[4], gint64 o, gint64 oh, gint64 ow,
                                     const float *x, const float *dy, float *dw, GError **error)
{
  gint64 c = x_shape[1];
  gsize acc_numel = (gsize) 36 * o * c, scratch_numel;
  float *scratch, *acc;
  FilterJob job;
  WinoGeom g;
  guint chunks;

  fathom_cpu_winograd_geom_init (&g, x_shape[0], c, x_shape[2], x_shape[3], o, oh, ow,
                                 win->pad_top, win->pad_left, WINO_FILTER_BLOCK_BYTES);
  chunks = MAX (fathom_cpu_n_chunks (self, g.n_blocks), 1);
  scratch_numel = (gsize) chunks * 36 * (g.v_stride + g.m_stride);
  /* Neither zeroed (a memset on this thread alone): see run_convolution()
   * for V and E; every chunk's first block sets its dU, and only with no
   * tiles at all is dU zeros. */
  scratch = fathom_cpu_scratch_acquire (self, scratch_numel, FALSE, "Winograd scratch", error);
  if (scratch == NULL)
    return FALSE;
  acc = fathom_cpu_scratch_acquire (self, chunks * acc_numel, g.tiles == 0, "Winograd scratch", error);
  if (acc == NULL)
    {
      fathom_cpu_scratch_release (self, scratch);
      return FALSE;
    }
  job = (FilterJob) { &g, x, dy, scratch, acc };
  if (g.tiles > 0)
    fathom_cpu_parallel_for (self, g.n_blocks, filter_blocks, &job);

  {
    FinishJob finish = { acc, dw, o, c, chunks };

    fathom_cpu_parallel_for (self, o, finish_rows, &finish);
  }
  fathom_cpu_scratch_release (self, scratch);
  fathom_cpu_scratch_release (self, acc);
  return TRUE;
}
