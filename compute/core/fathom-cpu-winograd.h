/* fathom-cpu-winograd.h: 3x3 stride-1 convolutions by Winograd F(4x4,3x3)
 * on the CPU fast path (fathom-cpu-conv.c decides when to use them). */
#pragma once

#include "fathom-cpu-backend-private.h"

G_BEGIN_DECLS

/* Whether a convolution with this window, c input and o output channels
 * and an output plane of oh x ow goes the Winograd way: 3x3, stride 1,
 * leading pads of at most 2 (the transposed convolution of backward-data
 * then has pads >= 0), channels enough for the batched products to beat
 * im2col, a plane that fills at least two thirds of its 4x4 tiles, and
 * tiles enough in the batch of n to pay for the filters' transform (any
 * plane and batch with FATHOM_CPU_WINOGRAD=all). */
gboolean fathom_cpu_winograd_applies         (const FathomCpuBackend  *self,
                                              const FathomConvWindow  *win,
                                              gint64                   n,
                                              gint64                   c,
                                              gint64                   o,
                                              gint64                   oh,
                                              gint64                   ow);

/* y [n,o,oh,ow] = conv (x [n,c,h,w], w [o,c,3,3]) + bias (may be NULL),
 * then with relu max (y, 0), as the output transform stores it. */
gboolean fathom_cpu_winograd_forward         (FathomCpuBackend        *self,
                                              const FathomConvWindow  *win,
                                              const gint64             x_shape[4],
                                              gint64                   o,
                                              gint64                   oh,
                                              gint64                   ow,
                                              const float             *x,
                                              const float             *w,
                                              const float             *bias,
                                              gboolean                 relu,
                                              float                   *y,
                                              GError                 **error);

/* dx [n,c,h,w] from dy [n,o,oh,ow]: the convolution of dy with w flipped
 * and transposed. */
gboolean fathom_cpu_winograd_backward_data   (FathomCpuBackend        *self,
                                              const FathomConvWindow  *win,
                                              const gint64             x_shape[4],
                                              gint64                   o,
                                              gint64                   oh,
                                              gint64                   ow,
                                              const float             *w,
                                              const float             *dy,
                                              float                   *dx,
                                              GError                 **error);

/* dw [o,c,3,3] = the correlation of x with dy, summed over the batch
 * (overwritten, not accumulated). */
gboolean fathom_cpu_winograd_backward_filter (FathomCpuBackend        *self,
                                              const FathomConvWindow  *win,
                                              const gint64             x_shape[4],
                                              gint64                   o,
                                              gint64                   oh,
                                              gint64                   ow,
                                              const float             *x,
                                              const float             *dy,
                                              float                   *dw,
                                              GError                 **error);

G_END_DECLS
