/* fathom-cpu-winograd-private.h: what the two Winograd F(4x4,3x3) files
 * share: fathom-cpu-winograd.c runs forward and backward-data,
 * fathom-cpu-winograd-filter.c backward-filter. */
#pragma once

#include "fathom-cpu-vector-private.h"
#include "fathom-cpu-winograd.h"

#include <string.h>

G_BEGIN_DECLS

/* Tiles per block at most, which sizes the transforms' row buffers. */
#define WINO_MAX_BLOCK 256

typedef struct {
  gint64 n, c, h, w;            /* the convolution's input: x, or dy for backward-data */
  gint64 k, oh, ow;             /* its output channels and plane */
  int    pad_top, pad_left;
  gint64 tiles_w, tiles_per_image, tiles;
  gint64 block, n_blocks;       /* tiles per block, blocks */
  gint64 ld;                    /* floats between rows of V and M: a block and 3 more,
                                 * as the transforms write four tiles at a time */
  gsize  v_stride, m_stride;    /* floats between positions in V and in M */
} WinoGeom;

/* A run of tiles: consecutive tiles of one tile row of one sample, and
 * where the first of them sits in its block. */
typedef struct {
  gint64 image, p0, q0;         /* the first tile's sample and first output cell */
  gint64 len, off;
} TileRun;

/* ---- four tiles in a vector ------------------------------------------------ */

/* Rows a, b, c, d become the columns. */
static inline void
transpose4 (v4sf *a, v4sf *b, v4sf *c, v4sf *d)
{
  /* __builtin_shufflevector: GCC 12 and clang alike (the fuzz build is clang) */
  v4sf t0 = __builtin_shufflevector (*a, *b, 0, 4, 1, 5), t1 = __builtin_shufflevector (*a, *b, 2, 6, 3, 7);
  v4sf t2 = __builtin_shufflevector (*c, *d, 0, 4, 1, 5), t3 = __builtin_shufflevector (*c, *d, 2, 6, 3, 7);

  *a = __builtin_shufflevector (t0, t2, 0, 1, 4, 5);
  *b = __builtin_shufflevector (t0, t2, 2, 3, 6, 7);
  *c = __builtin_shufflevector (t1, t3, 0, 1, 4, 5);
  *d = __builtin_shufflevector (t1, t3, 2, 3, 6, 7);
}

/* Columns 0-3 of four tiles in a row of a transform's first pass (the
 * tiles four floats apart from p): col[j] holds column j of each. */
static inline void
tile_columns (const float *p, v4sf col[4])
{
  for (int i = 0; i < 4; i++)
    col[i] = load4 (p + 4 * i);
  transpose4 (&col[0], &col[1], &col[2], &col[3]);
}

/* Channels ahead that the transforms ask memory for: a transform reads a
 * few short rows of each channel's plane, and the planes lie a plane
 * apart, too far for the hardware prefetcher; without a hint the row
 * copies wait on memory (a fifth of backward-filter's time). */
#define WINO_PREFETCH_AHEAD 2

/* Asks for rows [r, r + n) of plane [h, w], columns c0 + [0, width), to
 * be read soon, or with write to be written (the hint's argument must be
 * a constant, hence the two branches). */
static inline void
prefetch_rows (const float *plane, gint64 h, gint64 w, gint64 r, int n, gint64 c0, gint64 width,
               gboolean write)
{
  gint64 a = MAX (c0, 0), b = MIN (c0 + width, w);

  if (b <= a)
    return;
  for (gint64 i = MAX (r, 0); i < MIN (r + n, h); i++)
    {
      const float *row = plane + i * w;

      for (gint64 j = a; j < b; j += 16)
        {
          if (write)
            __builtin_prefetch (row + j, 1);
          else
            __builtin_prefetch (row + j, 0);
        }
      if (write)
        __builtin_prefetch (row + b - 1, 1);
      else
        __builtin_prefetch (row + b - 1, 0);
    }
}

/* ---- a transform's window on a plane ---------------------------------------- */

/* Rows r0 + [0, n) and columns c0 + [0, width) of a plane [h, w], as the
 * transforms' first (vertical) pass reads them: straight from the plane,
 * cells outside it as zeros. (Copying each row into a padded buffer
 * first took a sixth of allconv's training time, most of it in the
 * calls for rows of 40 floats.) */
typedef struct {
  const float *row[6];          /* each row's start, or NULL above or below the plane */
  gint64       c0;              /* the plane column of window column 0 */
  gint64       ja, jb;          /* window columns [ja, jb) lie on the plane */
} WinoWindow;

static inline void
wino_window_init (WinoWindow *win, const float *plane, gint64 h, gint64 w, gint64 r0, int n,
                  gint64 c0, gint64 width)
{
  win->c0 = c0;
  win->ja = CLAMP (-c0, 0, width);
  win->jb = CLAMP (w - c0, win->ja, width);
  for (int i = 0; i < n; i++)
    win->row[i] = r0 + i >= 0 && r0 + i < h ? plane + (r0 + i) * w : NULL;
}

/* Window columns j .. j + 3 of row i. */
static inline v4sf
wino_window_load (const WinoWindow *win, int i, gint64 j)
{
  const float *row = win->row[i];
  v4sf v = { 0.f, 0.f, 0.f, 0.f };

  if (row == NULL)
    return v;
  if (j >= win->ja && j + 4 <= win->jb)
    return load4 (row + win->c0 + j);
  for (int l = 0; l < 4; l++)
    if (j + l >= win->ja && j + l < win->jb)
      v[l] = row[win->c0 + j + l];
  return v;
}

/* Bytes of V and M per block, which sets the tiles per block. Forward
 * and backward-data: a block's V and M stay in the 1-2 MB of L2 until the
 * products and the output transform read them. Backward-filter adds each
 * block's products into a thread's dU [36][K][C] (2.4 MB for 128 -> 128),
 * read and written once a block: blocks four to five times as large
 * (128 tiles for 128 -> 128 at 22x40, V and E out of L2) took 15-20% less
 * time than those of forward's size, 256 tiles more again. */
#define WINO_BLOCK_BYTES (1 << 20)
#define WINO_FILTER_BLOCK_BYTES (5 << 20)

/* Blocks of tiles over the batch for the convolution of an input
 * [n, c, h, w] into k channels of oh x ow, with these leading pads, of
 * about block_bytes of V and M each. */
void     fathom_cpu_winograd_geom_init       (WinoGeom        *g,
                                              gint64           n,
                                              gint64           c,
                                              gint64           h,
                                              gint64           w,
                                              gint64           k,
                                              gint64           oh,
                                              gint64           ow,
                                              int              pad_top,
                                              int              pad_left,
                                              gsize            block_bytes);

/* The runs of tiles of block b, in order, into runs; returns how many.
 * Consecutive runs are consecutive tile rows, of one sample or the next. */
int      fathom_cpu_winograd_block_runs      (const WinoGeom  *g,
                                              gint64           b,
                                              TileRun          runs[WINO_MAX_BLOCK]);

/* V_xi [C, ld] = (B^T d B)_xi for every channel and tile of a block's
 * runs of src, into the block's V; up to three slots past each run are
 * written too. Channel by channel, each channel's runs in turn: a
 * channel's rows under the block are one stretch of its plane, read
 * once, where run by run every channel's rows came from memory again. */
void     fathom_cpu_winograd_input_transform (const WinoGeom  *g,
                                              const float     *src,
                                              const TileRun   *runs,
                                              int              n_runs,
                                              float           *v);

G_END_DECLS
