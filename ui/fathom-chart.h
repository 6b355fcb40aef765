/* fathom-chart.h: live loss and accuracy curves.
 *
 * Draws a FathomChartData (several runs, each with its series) with the
 * GTK-free renderer: the frame, curves and legend are one cached render
 * node, rebuilt only when the data, size, view or colours change; the hover
 * readout and the box-zoom rectangle are a separate overlay node.
 *
 * Mouse: scroll or pinch zooms around the pointer (Ctrl: x only, Shift: y
 * only), drag pans, Shift+drag or right-drag zooms to a box, double click
 * resets, a click on a legend entry toggles that series (on a run: the run).
 * Keys: r or Home resets, + and - zoom, arrows pan, l toggles the log scale.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-chart-data.h"
#include "fathom-chart-render.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_CHART (fathom_chart_get_type ())
G_DECLARE_FINAL_TYPE (FathomChart, fathom_chart, FATHOM, CHART, GtkWidget)

GtkWidget       *fathom_chart_new                (void);

/* The chart references data; changes made to it behind the chart's back
 * show at the next redraw (call gtk_widget_queue_draw). */
void             fathom_chart_set_data           (FathomChart      *self,
                                                  FathomChartData  *data);
FathomChartData *fathom_chart_get_data           (FathomChart      *self);

/* Live use: append a batch of points, the redraw happens once per frame. */
guint            fathom_chart_add_series         (FathomChart      *self,
                                                  const char       *run,
                                                  const char       *name,
                                                  FathomChartKind   kind,
                                                  const char       *unit);
void             fathom_chart_append             (FathomChart      *self,
                                                  guint             series_id,
                                                  double            x,
                                                  double            y);
void             fathom_chart_append_many        (FathomChart      *self,
                                                  guint             series_id,
                                                  const double     *x,
                                                  const double     *y,
                                                  gsize             n);
void             fathom_chart_add_epoch_mark     (FathomChart      *self,
                                                  double            x);
void             fathom_chart_set_series_visible (FathomChart      *self,
                                                  guint             series_id,
                                                  gboolean          visible);

void             fathom_chart_set_log_scale      (FathomChart      *self,
                                                  gboolean          log_scale);
gboolean         fathom_chart_get_log_scale      (FathomChart      *self);
void             fathom_chart_set_smoothing      (FathomChart      *self,
                                                  double            weight);
double           fathom_chart_get_smoothing      (FathomChart      *self);

/* Zoom by factor (< 1 zooms in) keeping the point at plot-unit position
 * (anchor_x, anchor_y) (0..1, y up) fixed; pan by a fraction of the view.
 * Either stops following new data until fathom_chart_reset_view(). */
void             fathom_chart_zoom               (FathomChart      *self,
                                                  double            factor,
                                                  double            anchor_x,
                                                  double            anchor_y);
void             fathom_chart_pan                (FathomChart      *self,
                                                  double            dx,
                                                  double            dy);
void             fathom_chart_set_x_range        (FathomChart      *self,
                                                  double            x0,
                                                  double            x1);
void             fathom_chart_reset_view         (FathomChart      *self);
/* The visible ranges (fitted to the data while following it). */
void             fathom_chart_get_view           (FathomChart      *self,
                                                  FathomChartView  *view);
gboolean         fathom_chart_get_follows_data   (FathomChart      *self);

/* PNG or SVG of the current view with the legend (light colours, as for a
 * report), or CSV of the raw series. width or height <= 0: the widget's. */
gboolean         fathom_chart_export             (FathomChart      *self,
                                                  const char       *path,
                                                  FathomChartFormat format,
                                                  int               width,
                                                  int               height,
                                                  GError          **error);

/* The cached node of the last snapshot (transfer none), for tests. */
GskRenderNode   *fathom_chart_peek_render_node   (FathomChart      *self);

G_END_DECLS
