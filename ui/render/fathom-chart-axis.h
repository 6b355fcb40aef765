/* fathom-chart-axis.h: chart view ranges, linear and log mapping, ticks.
 *
 * GTK-free: the widget, the PNG/SVG export and the CLI share it. A view is
 * three axes; the widget's zoom and pan work in "unit" space (0 at lo, 1 at
 * hi, log10 on a log axis) so the same code handles both scales.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double   lo;
  double   hi;
  gboolean log;                 /* maps log10(v); lo and hi are > 0 */
} FathomChartAxis;

typedef struct {
  FathomChartAxis x;            /* step (or epoch) */
  FathomChartAxis y;            /* left: loss and other kinds */
  FathomChartAxis y2;           /* right: accuracy, always linear */
} FathomChartView;

typedef struct {
  double   value;
  gboolean major;               /* labelled; minor ticks only draw grid */
} FathomChartTick;

#define FATHOM_CHART_MAX_TICKS 64

/* 0 at lo, 1 at hi. On a log axis v <= 0 maps to -INFINITY. */
double   fathom_chart_axis_to_unit   (const FathomChartAxis *axis,
                                      double                 v);
double   fathom_chart_axis_from_unit (const FathomChartAxis *axis,
                                      double                 u);
gboolean fathom_chart_axis_is_valid  (const FathomChartAxis *axis);

/* Scales the range by factor (< 1 zooms in) keeping the value at unit
 * position anchor where it is. Refuses to zoom below a tiny span. */
void     fathom_chart_axis_zoom      (FathomChartAxis       *axis,
                                      double                 anchor,
                                      double                 factor);
/* Shifts the range by delta units (1 = one whole visible span). */
void     fathom_chart_axis_pan       (FathomChartAxis       *axis,
                                      double                 delta);
/* Sets the unit interval [u0, u1] of the current range as the new range. */
void     fathom_chart_axis_set_unit_range (FathomChartAxis *axis,
                                           double           u0,
                                           double           u1);

/* 1-2-5 step closest to raw (raw > 0). */
double   fathom_chart_nice_step      (double                 raw);
/* Ticks at multiples of a 1-2-5 step inside [lo, hi], about target of them. */
guint    fathom_chart_nice_ticks     (double                 lo,
                                      double                 hi,
                                      guint                  target,
                                      FathomChartTick       *ticks,
                                      guint                  max_ticks,
                                      double                *step);
/* Decades as major ticks (every k-th when there are many); 2 and 5 (or all
 * of 2..9) inside a decade when the range spans few decades. lo, hi > 0. */
guint    fathom_chart_log_ticks      (double                 lo,
                                      double                 hi,
                                      guint                  target,
                                      FathomChartTick       *ticks,
                                      guint                  max_ticks);
guint    fathom_chart_axis_ticks     (const FathomChartAxis *axis,
                                      guint                  target,
                                      FathomChartTick       *ticks,
                                      guint                  max_ticks,
                                      double                *step);
/* A short label: decimals from step, k/M suffixes for large values, and
 * compact exponents for log ticks far from 1. */
void     fathom_chart_format_tick    (double                 v,
                                      double                 step,
                                      gboolean               log,
                                      char                  *buf,
                                      gsize                  len);
/* A value for the hover readout: 4 significant digits. */
void     fathom_chart_format_value   (double                 v,
                                      char                  *buf,
                                      gsize                  len);

G_END_DECLS
