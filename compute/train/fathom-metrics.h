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

G_END_DECLS
