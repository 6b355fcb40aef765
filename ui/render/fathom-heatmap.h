/* fathom-heatmap.h: per-class heatmaps (the 8-channel conv output before
 * global average pooling), upsampled over the photo, coloured, and the two
 * localisation metrics the lesson's pictures invite.
 *
 * GTK-free: the widgets and fathom-cli's PNG export share it. Coordinates
 * called "image" are pixels of the photo the map is laid over, whatever
 * its size: the model saw the photo squashed to its input (224x224 or
 * 360x640), so the map's cells stretch over the whole photo.
 */
#pragma once

#include <glib.h>
#include <cairo.h>

#include "fathom-box.h"
#include "fathom-image.h"

G_BEGIN_DECLS

typedef struct {
  int    classes;               /* K */
  int    height;                /* h, cells down */
  int    width;                 /* w, cells across */
  float *values;                /* [K, h, w], row-major */
} FathomHeatmap;

typedef enum {
  FATHOM_HEATMAP_NORM_MINMAX,   /* the raw values, lo..hi to 0..1 */
  FATHOM_HEATMAP_NORM_SOFTMAX,  /* softmax across the classes of each cell first */
} FathomHeatmapNorm;

typedef enum {
  FATHOM_HEATMAP_SCALE_SHARED,  /* one range for every class, so maps compare */
  FATHOM_HEATMAP_SCALE_PER_MAP, /* each class its own range, so each map shows its shape */
} FathomHeatmapScale;

typedef enum {
  FATHOM_COLORMAP_COOL,         /* the lesson's: r = t, g = 1 - t, b = 1 */
  FATHOM_COLORMAP_VIRIDIS,
  FATHOM_COLORMAP_INFERNO,
  FATHOM_COLORMAP_GREY,
  FATHOM_COLORMAP_N
} FathomColormap;

typedef struct {
  FathomResize       interpolation;  /* NEAREST (the lesson's F) or BILINEAR (G) */
  FathomColormap     colormap;
  FathomHeatmapNorm  norm;
  FathomHeatmapScale scale;
  double             threshold;      /* on the normalised value: below it, transparent */
  double             opacity;        /* 0..1, applied when the layer is drawn */
} FathomHeatmapStyle;

/* The lesson's look: nearest, cool, shared min-max, no threshold, 0.5. */
void           fathom_heatmap_style_init   (FathomHeatmapStyle  *style);

/* Zero-filled. */
FathomHeatmap *fathom_heatmap_new          (int                  classes,
                                            int                  height,
                                            int                  width);
FathomHeatmap *fathom_heatmap_new_from_data (int                 classes,
                                            int                  height,
                                            int                  width,
                                            const float         *values);
FathomHeatmap *fathom_heatmap_copy         (const FathomHeatmap *self);
void           fathom_heatmap_free         (FathomHeatmap       *self);
/* Class k's h x w plane. */
const float   *fathom_heatmap_plane        (const FathomHeatmap *self,
                                            int                  k);
float          fathom_heatmap_get          (const FathomHeatmap *self,
                                            int                  k,
                                            int                  cell_y,
                                            int                  cell_x);

/* One plane in_w x in_h to out_w x out_h. Nearest takes cell
 * floor((d + 0.5) * in / out); bilinear samples at (d + 0.5) * in / out - 0.5
 * clamped to the edge cells (align_corners=False: Keras/TF resize and
 * PyTorch's default), as fathom_image_resize does. */
void           fathom_heatmap_upsample_plane (const float       *plane,
                                            int                  in_width,
                                            int                  in_height,
                                            int                  out_width,
                                            int                  out_height,
                                            FathomResize         mode,
                                            float               *out);
void           fathom_heatmap_upsample     (const FathomHeatmap *self,
                                            int                  k,
                                            int                  out_width,
                                            int                  out_height,
                                            FathomResize         mode,
                                            float               *out);

/* A new map with softmax across the K classes of every cell. */
FathomHeatmap *fathom_heatmap_softmax      (const FathomHeatmap *self);
/* The raw range of class k (PER_MAP) or of all classes (SHARED). */
void           fathom_heatmap_range        (const FathomHeatmap *self,
                                            int                  k,
                                            FathomHeatmapScale   scale,
                                            float               *lo,
                                            float               *hi);
/* A new map of values in 0..1: (v - lo) / (hi - lo) with the range of
 * fathom_heatmap_range, after softmax for NORM_SOFTMAX; softmax with a
 * SHARED scale keeps the probabilities as they are (0..1 already
 * compares). A flat range gives 0. */
FathomHeatmap *fathom_heatmap_normalize    (const FathomHeatmap *self,
                                            FathomHeatmapNorm    norm,
                                            FathomHeatmapScale   scale);

const char    *fathom_colormap_name        (FathomColormap       map);
gboolean       fathom_colormap_from_name   (const char          *name,
                                            FathomColormap      *map);
/* 256 RGB triples: entry i is the colour at t = i / 255. */
const guint8  *fathom_colormap_lut         (FathomColormap       map);
/* The colour at t (clamped to 0..1), linear between LUT entries: exact
 * for cool and grey, whose entries lie on a line. */
void           fathom_colormap_eval        (FathomColormap       map,
                                            double               t,
                                            double               rgb[3]);

/* Normalised values (0..1) to cairo ARGB32 (premultiplied, native
 * endian): opaque LUT colour where v >= threshold, transparent below. */
void           fathom_heatmap_colorize     (const float         *values,
                                            int                  width,
                                            int                  height,
                                            FathomColormap       map,
                                            double               threshold,
                                            guint8              *argb,
                                            int                  stride);
/* Class k normalised, upsampled to width x height and coloured by style
 * (opacity not applied), as a new ARGB32 image surface. */
cairo_surface_t *fathom_heatmap_render     (const FathomHeatmap *self,
                                            int                  k,
                                            const FathomHeatmapStyle *style,
                                            int                  width,
                                            int                  height);

/* The cell under image point (x, y) of a photo image_width x image_height;
 * the right and bottom edges belong to the last cell. FALSE outside. */
gboolean       fathom_heatmap_cell_at      (const FathomHeatmap *self,
                                            int                  image_width,
                                            int                  image_height,
                                            double               x,
                                            double               y,
                                            int                 *cell_x,
                                            int                 *cell_y);
/* The image rectangle a cell covers. */
void           fathom_heatmap_cell_rect    (const FathomHeatmap *self,
                                            int                  image_width,
                                            int                  image_height,
                                            int                  cell_x,
                                            int                  cell_y,
                                            FathomBox           *rect);
/* The largest raw cell of class k (the first in row order on ties). */
void           fathom_heatmap_argmax       (const FathomHeatmap *self,
                                            int                  k,
                                            int                 *cell_x,
                                            int                 *cell_y);
/* Where class k's map says its object is: its maps against the
 * reference class's (the no-fish class; -1: the mean of the classes'),
 * averaged over a neighbourhood of cells (fathom_metric_map_locate()). */
void           fathom_heatmap_locate       (const FathomHeatmap *self,
                                            int                  k,
                                            int                  reference,
                                            int                 *cell_x,
                                            int                 *cell_y);
/* Pointing game: does the centre of class k's located cell
 * (fathom_heatmap_locate()) fall inside the box (image pixels, edges
 * included)? */
gboolean       fathom_heatmap_pointing     (const FathomHeatmap *self,
                                            int                  k,
                                            int                  reference,
                                            int                  image_width,
                                            int                  image_height,
                                            const FathomBox     *box);
/* The share of class k's positive mass (sum of max(v, 0) over the raw
 * cells) inside the box, each cell counted by the fraction of its area
 * the box covers. NAN when the map has no positive value. */
double         fathom_heatmap_in_box_share (const FathomHeatmap *self,
                                            int                  k,
                                            int                  image_width,
                                            int                  image_height,
                                            const FathomBox     *box);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomHeatmap, fathom_heatmap_free)

G_END_DECLS
