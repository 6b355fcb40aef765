/* fathom-chart-data.h: the series behind a loss chart, GTK-free.
 *
 * A FathomChartData holds series of (x, y) points, x being the step or the
 * epoch. Appending is amortised O(1): each series is a growing array and its
 * debiased exponential moving average (TensorBoard's smoothing) is updated
 * incrementally, always on the full data. Drawing never walks every point:
 * it asks for a per-pixel-column envelope of the visible x range.
 *
 * Main thread only (the widget's copy); the trainer hands over copies.
 */
#pragma once

#include <glib.h>

#include "fathom-chart-axis.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_CHART_KIND_LOSS,
  FATHOM_CHART_KIND_ACCURACY,
  FATHOM_CHART_KIND_OTHER,
} FathomChartKind;

typedef struct _FathomChartData   FathomChartData;
typedef struct _FathomChartSeries FathomChartSeries;

/* One pixel column of a series: the raw band (min, max) and the line
 * through it (first, last, with min/max visited in index order), and the
 * same for the smoothed values. Drawing first, min|max, max|min, last per
 * column reproduces the full polyline at pixel resolution. */
typedef struct {
  guint    n;                   /* points counted (positive ones on log) */
  guint    n_nonpositive;       /* points <= 0 skipped for a log scale */
  double   x_first, x_last;
  double   first, last, min, max;
  gboolean min_first;           /* the min comes before the max */
  guint    s_n;
  double   s_first, s_last, s_min, s_max;
  gboolean s_min_first;
} FathomChartColumn;

typedef struct {
  double             x0, x1;
  guint              n_columns;
  FathomChartColumn *columns;   /* n_columns, owned */
  guint              n_points;  /* points inside [x0, x1] */
  /* The nearest points just outside the range, so lines reach the edges. */
  gboolean           has_before, has_after;
  double             before_x, before_y, before_s;
  double             after_x, after_y, after_s;
} FathomChartEnvelope;

FathomChartData   *fathom_chart_data_new               (void);
FathomChartData   *fathom_chart_data_ref               (FathomChartData   *data);
void               fathom_chart_data_unref             (FathomChartData   *data);

/* Returns the series id (its index). */
guint              fathom_chart_data_add_series        (FathomChartData   *data,
                                                        const char        *run,
                                                        const char        *name,
                                                        FathomChartKind    kind,
                                                        const char        *unit);
/* The id of the series with this run and name, or -1. */
int                fathom_chart_data_find_series       (FathomChartData   *data,
                                                        const char        *run,
                                                        const char        *name);
guint              fathom_chart_data_get_n_series      (FathomChartData   *data);
FathomChartSeries *fathom_chart_data_get_series        (FathomChartData   *data,
                                                        guint              id);
void               fathom_chart_data_append            (FathomChartData   *data,
                                                        guint              id,
                                                        double             x,
                                                        double             y);
void               fathom_chart_data_append_many       (FathomChartData   *data,
                                                        guint              id,
                                                        const double      *x,
                                                        const double      *y,
                                                        gsize              n);
void               fathom_chart_data_set_series_visible (FathomChartData  *data,
                                                        guint              id,
                                                        gboolean           visible);
void               fathom_chart_data_add_epoch_mark    (FathomChartData   *data,
                                                        double             x);
const double      *fathom_chart_data_get_epoch_marks   (FathomChartData   *data,
                                                        guint             *n);
/* Weight w in [0, 1): 0 disables smoothing. Recomputes every series. */
void               fathom_chart_data_set_smoothing     (FathomChartData   *data,
                                                        double             weight);
double             fathom_chart_data_get_smoothing     (FathomChartData   *data);
void               fathom_chart_data_set_title         (FathomChartData   *data,
                                                        const char        *title);
const char        *fathom_chart_data_get_title         (FathomChartData   *data);
/* Changes on every append, toggle or setting: the widget's cache key. */
guint64            fathom_chart_data_get_generation    (FathomChartData   *data);

/* Whether accuracy series go on the right axis: only when both kinds are
 * visible, so an accuracy-only chart uses the left one. */
gboolean           fathom_chart_data_uses_y2           (FathomChartData   *data);
gboolean           fathom_chart_data_series_on_y2      (FathomChartData   *data,
                                                        guint              id);
/* Visible points <= 0 on the left axis: not drawable on a log scale. */
guint              fathom_chart_data_count_nonpositive (FathomChartData   *data);
/* The view that shows all visible data, with a little padding. */
void               fathom_chart_data_fit_view          (FathomChartData   *data,
                                                        gboolean           log,
                                                        FathomChartView   *view);

/* CSV with one row per point: run,series,kind,unit,x,y (values round-trip). */
char              *fathom_chart_data_to_csv            (FathomChartData   *data);
gboolean           fathom_chart_data_write_csv         (FathomChartData   *data,
                                                        const char        *path,
                                                        GError           **error);
FathomChartData   *fathom_chart_data_load_csv          (const char        *path,
                                                        GError           **error);

const char        *fathom_chart_series_get_name        (FathomChartSeries *series);
const char        *fathom_chart_series_get_run         (FathomChartSeries *series);
const char        *fathom_chart_series_get_unit        (FathomChartSeries *series);
FathomChartKind    fathom_chart_series_get_kind        (FathomChartSeries *series);
gboolean           fathom_chart_series_get_visible     (FathomChartSeries *series);
gsize              fathom_chart_series_get_n_points    (FathomChartSeries *series);
/* In insertion order. */
double             fathom_chart_series_get_x           (FathomChartSeries *series,
                                                        gsize              i);
double             fathom_chart_series_get_y           (FathomChartSeries *series,
                                                        gsize              i);
double             fathom_chart_series_get_smoothed    (FathomChartSeries *series,
                                                        gsize              i);
guint              fathom_chart_series_get_n_nonpositive (FathomChartSeries *series);
/* The point whose x is closest to x (ties: the later one). */
gboolean           fathom_chart_series_nearest         (FathomChartSeries *series,
                                                        double             x,
                                                        double            *px,
                                                        double            *py,
                                                        double            *ps);
/* Fills env for [x0, x1] split into n_columns; positive_only skips y <= 0
 * (counted per column) for a log scale. Reuses env's storage. */
void               fathom_chart_series_decimate        (FathomChartSeries *series,
                                                        double             x0,
                                                        double             x1,
                                                        guint              n_columns,
                                                        gboolean           positive_only,
                                                        FathomChartEnvelope *env);
void               fathom_chart_envelope_clear         (FathomChartEnvelope *env);

const char        *fathom_chart_kind_to_string         (FathomChartKind    kind);
FathomChartKind    fathom_chart_kind_from_string       (const char        *str);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomChartData, fathom_chart_data_unref)

G_END_DECLS
