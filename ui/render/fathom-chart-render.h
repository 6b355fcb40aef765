/* fathom-chart-render.h: draws a loss chart onto any cairo_t, GTK-free.
 *
 * The widget (as cairo render nodes), the PNG and SVG export and the CLI's
 * renders in a run folder all call these, so they show the same picture.
 * Layers: frame (grid, axes, ticks, labels, epoch marks), series (raw band and
 * smoothed line per series), legend; hover and selection are overlays.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "fathom-chart-axis.h"
#include "fathom-chart-data.h"

G_BEGIN_DECLS

typedef struct {
  double r, g, b, a;
} FathomChartRGBA;

#define FATHOM_CHART_PALETTE_SIZE 10

typedef struct {
  FathomChartRGBA background;
  FathomChartRGBA foreground;    /* text and axes; grid is a faint copy */
  FathomChartRGBA palette[FATHOM_CHART_PALETTE_SIZE];
  double          font_size;     /* in user units (px) */
  gboolean        fill_background;
  gboolean        dark;
} FathomChartStyle;

typedef struct {
  double x, y, width, height;
} FathomChartRect;

typedef enum {
  FATHOM_CHART_LEGEND_RUN,       /* a run's heading; series: its first */
  FATHOM_CHART_LEGEND_SERIES,    /* a toggle */
  FATHOM_CHART_LEGEND_NOTE,      /* the log-scale note */
} FathomChartLegendKind;

typedef struct {
  FathomChartLegendKind kind;
  guint                 series;
  FathomChartRect       rect;
} FathomChartLegendItem;

#define FATHOM_CHART_MAX_LEGEND 48

/* Where things went; the widget keeps the last one to map events. */
typedef struct {
  double                width, height;
  FathomChartRect       plot;
  FathomChartRect       legend;
  gboolean              has_y2;
  gboolean              show_runs;
  guint                 n_nonpositive;
  char                  note[96];
  guint                 n_items;
  FathomChartLegendItem items[FATHOM_CHART_MAX_LEGEND];
} FathomChartLayout;

typedef enum {
  FATHOM_CHART_FORMAT_PNG,
  FATHOM_CHART_FORMAT_SVG,
  FATHOM_CHART_FORMAT_CSV,
} FathomChartFormat;

void     fathom_chart_style_init          (FathomChartStyle        *style,
                                           gboolean                 dark);
const FathomChartRGBA *
         fathom_chart_style_series_color  (const FathomChartStyle  *style,
                                           guint                    id);

void     fathom_chart_layout_compute      (cairo_t                 *cr,
                                           FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           double                   width,
                                           double                   height,
                                           FathomChartLayout       *layout);
/* The legend item under (x, y), or NULL. */
const FathomChartLegendItem *
         fathom_chart_layout_legend_hit   (const FathomChartLayout *layout,
                                           double                   x,
                                           double                   y);
/* Plot-relative unit coordinates (0..1, y up) of a point in the surface. */
void     fathom_chart_layout_to_unit      (const FathomChartLayout *layout,
                                           double                   x,
                                           double                   y,
                                           double                  *ux,
                                           double                  *uy);

void     fathom_chart_render_frame        (cairo_t                 *cr,
                                           FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           const FathomChartLayout *layout);
void     fathom_chart_render_series       (cairo_t                 *cr,
                                           FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           const FathomChartLayout *layout);
void     fathom_chart_render_legend       (cairo_t                 *cr,
                                           FathomChartData         *data,
                                           const FathomChartStyle  *style,
                                           const FathomChartLayout *layout);
/* All layers; layout may be NULL. */
void     fathom_chart_render              (cairo_t                 *cr,
                                           FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           double                   width,
                                           double                   height,
                                           FathomChartLayout       *layout);

/* Overlays: the readout of the nearest point of each series at the
 * cursor's x, and a box-zoom rectangle. */
void     fathom_chart_render_hover        (cairo_t                 *cr,
                                           FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           const FathomChartLayout *layout,
                                           double                   x,
                                           double                   y);
void     fathom_chart_render_selection    (cairo_t                 *cr,
                                           const FathomChartStyle  *style,
                                           const FathomChartRect   *rect);

/* Export, with the legend; written atomically. view NULL fits the data. */
gboolean fathom_chart_format_from_path    (const char              *path,
                                           FathomChartFormat       *format);
gboolean fathom_chart_render_png          (FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           int                      width,
                                           int                      height,
                                           const char              *path,
                                           GError                 **error);
gboolean fathom_chart_render_svg          (FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           int                      width,
                                           int                      height,
                                           const char              *path,
                                           GError                 **error);
gboolean fathom_chart_render_export       (FathomChartData         *data,
                                           const FathomChartView   *view,
                                           const FathomChartStyle  *style,
                                           FathomChartFormat        format,
                                           int                      width,
                                           int                      height,
                                           const char              *path,
                                           GError                 **error);

G_END_DECLS
