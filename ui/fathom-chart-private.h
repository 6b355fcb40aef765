/* fathom-chart-private.h: FathomChart's fields, shared with its input
 * handlers (fathom-chart-input.c). */
#pragma once

#include "fathom-chart.h"

G_BEGIN_DECLS

typedef enum {
  DRAG_NONE,
  DRAG_PAN,
  DRAG_BOX,
} DragMode;

struct _FathomChart {
  GtkWidget          parent_instance;

  /* owned */
  FathomChartData   *data;
  GskRenderNode     *node;          /* frame + curves + legend */
  char              *summary;       /* accessible label last set */

  /* what the cached node was built from */
  FathomChartLayout  layout;
  FathomChartStyle   node_style;
  guint64            node_generation;
  guint64            node_view_serial;
  int                node_width, node_height;

  FathomChartView    view;
  guint64            view_serial;
  gboolean           follows_data;  /* refit on every change until zoomed */
  gboolean           log_scale;

  /* interaction */
  gboolean           hovering;
  double             hover_x, hover_y;
  DragMode           drag;
  FathomChartView    drag_view;
  double             drag_x, drag_y, drag_dx, drag_dy;
  double             pinch_scale;
};

/* Zooms x and y (both left and right axes) around plot-unit (ux, uy). */
void fathom_chart_zoom_axes (FathomChart *self,
                             double       factor_x,
                             double       factor_y,
                             double       ux,
                             double       uy);
/* Invalidates the cached node after a change of view, and redraws. */
void fathom_chart_view_changed (FathomChart *self);
/* Fits the view to the data while the chart follows it. */
void fathom_chart_ensure_view (FathomChart *self);
/* Adds the pointer, scroll, pinch, drag, click and key controllers. */
void fathom_chart_init_input (FathomChart *self);

G_END_DECLS
