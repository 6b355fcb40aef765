/* fathom-chart-data-private.h: the series and data structs, shared by the
 * files that implement FathomChartData (storage, decimation, CSV). */
#pragma once

#include "fathom-chart-data.h"

G_BEGIN_DECLS

struct _FathomChartSeries {
  char            *run;
  char            *name;
  char            *unit;
  FathomChartKind  kind;
  gboolean         visible;

  GArray          *x;           /* double, insertion order */
  GArray          *y;
  GArray          *s;           /* debiased EMA of y, one per point */

  /* EMA state: biased accumulator and w^t for the debias divisor. */
  double           ema;
  double           w_pow;
  double           last_s;

  /* Training appends in step order, so the arrays usually are the sorted
   * view; only an out-of-order append builds x-sorted copies (lazily). */
  gboolean         sorted;
  double          *sx, *sy, *ss;
  gsize            sorted_n;

  double           xmin, xmax, ymin, ymax, ymin_pos, ymax_pos;
  gboolean         has_finite, has_positive;
  guint            n_nonpositive;
};

struct _FathomChartData {
  gatomicrefcount  ref;
  GPtrArray       *series;
  GArray          *epoch_marks;
  double           smoothing;
  char            *title;
  guint64          generation;
};

G_END_DECLS
