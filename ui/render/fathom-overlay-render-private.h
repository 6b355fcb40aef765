/* fathom-overlay-render-private.h: the drawing helpers the overlay
 * (fathom-overlay-render.c) and the class-map grid (fathom-overlay-grid.c)
 * share, so that tags, colour bars and boxes look alike in both. */
#pragma once

#include "fathom-overlay-render.h"

G_BEGIN_DECLS

#define BASE_FONT 13.0          /* text size at text_scale 1, view pixels */
#define BOX_LINE   3.0          /* box outline width, view pixels */

extern const double _fathom_overlay_true_rgb[3];

void        _fathom_overlay_rounded_rect  (cairo_t                   *cr,
                                           double                     x,
                                           double                     y,
                                           double                     w,
                                           double                     h,
                                           double                     r);
/* Sans, grey antialiasing (no colour fringes in PNGs). */
void        _fathom_overlay_set_font      (cairo_t                   *cr,
                                           double                     size,
                                           gboolean                   bold);
/* A text tag's size, padding included, in the current font. */
void        _fathom_overlay_tag_size      (cairo_t                   *cr,
                                           const char                *text,
                                           double                     size,
                                           double                    *w,
                                           double                    *h);
void        _fathom_overlay_draw_tag      (cairo_t                   *cr,
                                           double                     x,
                                           double                     y,
                                           const char                *text,
                                           double                     size,
                                           const double               bg[3],
                                           double                     bg_alpha,
                                           const double               fg[3]);
/* The colormap from left to right over a rectangle. */
void        _fathom_overlay_draw_colorbar (cairo_t                   *cr,
                                           FathomColormap             map,
                                           double                     x,
                                           double                     y,
                                           double                     w,
                                           double                     h);
/* The range the colours of class k span, in the units a legend reads. */
void        _fathom_overlay_legend_range  (const FathomOverlayScene  *scene,
                                           int                        k,
                                           FathomHeatmapScale         scale,
                                           float                     *lo,
                                           float                     *hi);
const char *_fathom_overlay_class_name    (const FathomOverlayScene  *scene,
                                           int                        k,
                                           char                       buf[16]);
/* The box outline over a dark halo, width in view pixels. */
void        _fathom_overlay_stroke_box    (cairo_t                   *cr,
                                           const FathomBox           *box,
                                           const FathomViewTransform *view,
                                           const double               rgb[3],
                                           double                     width);
/* Atomically (temporary file, rename). */
/* A ring at the centre of the cell where the shown class's map locates
 * its object (fathom_heatmap_locate()): where the pointing game looks. */
void        _fathom_overlay_draw_located  (cairo_t                   *cr,
                                           const FathomOverlayScene  *scene,
                                           const FathomViewTransform *view);
gboolean    _fathom_overlay_write_png     (cairo_surface_t           *surface,
                                           const char                *path,
                                           GError                   **error);

G_END_DECLS
