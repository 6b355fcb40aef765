/* fathom-metrics.h: the measures the lesson reports. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Index of the largest of n values (the first on ties). */
gsize  fathom_argmax             (const float *values,
                                  gsize        n);
/* Share of rows whose argmax equals the target row's argmax. */
double fathom_metric_accuracy    (const float *probs,
                                  const float *targets,
                                  gsize        rows,
                                  gsize        classes);
/* Kaggle's multi-class log-loss: mean of -log(p_true), p clipped to
 * [eps, 1 - eps] and each row renormalised (Kaggle uses eps 1e-15). */
double fathom_metric_log_loss    (const float *probs,
                                  const float *targets,
                                  gsize        rows,
                                  gsize        classes,
                                  double       eps);
/* Intersection over union of two boxes given as [height, width, x, y]
 * (the lesson's order); 0 when both are empty. */
double fathom_metric_iou_hwxy    (const float *a,
                                  const float *b);
/* The share of labels equal to cls: what always answering cls scores
 * (the experiments' majority rate, with cls the training set's most
 * common class). NaN for no labels. */
double fathom_metric_class_share (const int *labels,
                                  gsize      n,
                                  int        cls);

/* The class a fish class's map is measured against: the index of "NoF"
 * among the names, or -1 where there is none. */
int    fathom_metric_map_reference (const char *const *names,
                                    gsize              classes);

/* Where class k's map says its object is. Before a softmax, class maps are
 * only defined up to a value each cell adds to every class alike (the
 * prediction does not change: the loss's gradient has no part along it), and
 * such a shared part can light up on a deck's gear for every class. So
 * k's map is read against the reference class's (the no-fish class:
 * "this fish rather than no fish here"), or against the mean of all the
 * classes' maps where reference is negative or k itself. That
 * difference is averaged over each cell's
 * square neighbourhood (the cells of it inside the map), whose half-side
 * is a sixteenth of the map's width, rounded down: 5x5 cells on the
 * 40-cell-wide maps of a 176x320 input (40 px there, about half a fish's
 * box), the cell alone on maps 15 cells wide or narrower (fcn's own 5x5).
 * The largest mean wins, the first in row order on ties. */
void   fathom_metric_map_locate  (const float *maps,
                                  gsize        classes,
                                  gsize        h,
                                  gsize        w,
                                  gsize        k,
                                  int          reference,
                                  gsize       *cell_x,
                                  gsize       *cell_y);

G_END_DECLS
