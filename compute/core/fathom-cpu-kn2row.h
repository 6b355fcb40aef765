/* fathom-cpu-kn2row.h: stride-1 convolutions with few output channels
 * (O * kh * kw <= C, such as class-map layers) on the CPU fast path, as a
 * 1x1 convolution and shifted sums (fathom-cpu-conv.c decides when). */
#pragma once

#include "fathom-cpu-backend-private.h"

G_BEGIN_DECLS

/* Whether a convolution with this window, batch n, c input and o output
 * channels goes this way: stride 1, a window larger than 1x1, o * kh * kw
 * <= c, and a sample for every thread. */
gboolean fathom_cpu_kn2row_applies  (const FathomCpuBackend  *self,
                                     const FathomConvWindow  *win,
                                     gint64                   n,
                                     gint64                   c,
                                     gint64                   o);

/* y [n,o,oh,ow] = conv (x [n,c,h,w], w [o,c,kh,kw]) + bias (may be NULL). */
gboolean fathom_cpu_kn2row_forward  (FathomCpuBackend        *self,
                                     const FathomConvWindow  *win,
                                     const gint64             x_shape[4],
                                     gint64                   o,
                                     gint64                   oh,
                                     gint64                   ow,
                                     const float             *x,
                                     const float             *w,
                                     const float             *bias,
                                     float                   *y,
                                     GError                 **error);

/* dx (overwritten) and dw (the batch's sum, overwritten), each only
 * where not NULL; the bias gradient is left to the caller. */
gboolean fathom_cpu_kn2row_backward (FathomCpuBackend        *self,
                                     const FathomConvWindow  *win,
                                     const gint64             x_shape[4],
                                     gint64                   o,
                                     gint64                   oh,
                                     gint64                   ow,
                                     const float             *x,
                                     const float             *w,
                                     const float             *dy,
                                     float                   *dx,
                                     float                   *dw,
                                     GError                 **error);

G_END_DECLS
