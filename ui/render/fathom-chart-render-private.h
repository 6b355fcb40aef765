/* fathom-chart-render-private.h: drawing helpers shared by the chart's
 * render, overlay and export files. */
#pragma once

#include "fathom-chart-render.h"

G_BEGIN_DECLS

void                   fathom_chart_draw_color      (cairo_t                 *cr,
                                                     const FathomChartRGBA   *color,
                                                     double                   alpha);
void                   fathom_chart_draw_font       (cairo_t                 *cr,
                                                     const FathomChartStyle  *style,
                                                     double                   scale,
                                                     gboolean                 bold);
double                 fathom_chart_draw_text_width (cairo_t                 *cr,
                                                     const char              *text);
/* Draws text vertically centred on y_mid; halign 0 left, 0.5 centre, 1 right. */
void                   fathom_chart_draw_text       (cairo_t                 *cr,
                                                     double                   x,
                                                     double                   y_mid,
                                                     const char              *text,
                                                     double                   halign);
double                 fathom_chart_draw_map_x      (const FathomChartLayout *layout,
                                                     const FathomChartAxis   *axis,
                                                     double                   v);
double                 fathom_chart_draw_map_y      (const FathomChartLayout *layout,
                                                     const FathomChartAxis   *axis,
                                                     double                   v);
const FathomChartAxis *fathom_chart_draw_series_axis (FathomChartData        *data,
                                                     const FathomChartView   *view,
                                                     guint                    id);

G_END_DECLS
