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

/* Blocks of tiles over the batch for the convolution of an input
 * [n, c, h, w] into k channels of oh x ow, with these leading pads. */
void     fathom_cpu_winograd_geom_init       (WinoGeom        *g,
                                              gint64           n,
                                              gint64           c,
                                              gint64           h,
                                              gint64           w,
                                              gint64           k,
                                              gint64           oh,
                                              gint64           ow,
                                              int              pad_top,
                                              int              pad_left);

/* The run of tiles that starts at tile t of the batch and ends at the end
 * of its tile row or at tile end, whichever comes first; off is t - t0. */
TileRun  fathom_cpu_winograd_next_run        (const WinoGeom  *g,
                                              gint64           t,
                                              gint64           end,
                                              gint64           t0);

/* V_xi [C, ld] = (B^T d B)_xi for every channel and tile of a run of src,
 * into the block's V; up to three slots past the run are written too. */
void     fathom_cpu_winograd_input_transform (const WinoGeom  *g,
                                              const float     *src,
                                              const TileRun   *run,
                                              float           *v);

/* Columns c0 + [0, width) of row r of plane [h, w] into dst; cells
 * outside the plane read as zero. */
void     fathom_cpu_winograd_load_row        (const float     *plane,
                                              gint64           h,
                                              gint64           w,
                                              gint64           r,
                                              gint64           c0,
                                              gint64           width,
                                              float           *dst);

G_END_DECLS
