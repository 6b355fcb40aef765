/* fathom-chart.c: the loss-curve widget (see fathom-chart.h). */
#include "fathom-chart-private.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (FathomChart, fathom_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOG_SCALE,
  PROP_SMOOTHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The fitted view while following the data, so that zoom and pan start
 * from what is on screen even before the first snapshot. */
void
fathom_chart_ensure_view (FathomChart *self)
{
  if (self->follows_data)
    fathom_chart_data_fit_view (self->data, self->log_scale, &self->view);
}

void
fathom_chart_view_changed (FathomChart *self)
{
  self->view_serial++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
data_changed (FathomChart *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Colours follow the theme: the foreground is the widget's CSS colour and
 * a light foreground means a dark theme (this tracks AdwStyleManager's
 * dark mode and high contrast without asking it). */
static void
current_style (FathomChart      *self,
               FathomChartStyle *style)
{
  GdkRGBA fg;
  gboolean dark;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  dark = 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
  fathom_chart_style_init (style, dark);
  style->foreground = (FathomChartRGBA) { fg.red, fg.green, fg.blue, fg.alpha };
  style->fill_background = FALSE;   /* the widget's CSS background shows */
}

static void
update_accessible (FathomChart *self)
{
  GString *s = g_string_new ("Loss curves");
  guint n = fathom_chart_data_get_n_series (self->data), shown = 0;

  g_string_append_printf (s, ", %u series", n);
  for (guint i = 0; i < n; i++)
    {
      FathomChartSeries *series = fathom_chart_data_get_series (self->data, i);

      if (!fathom_chart_series_get_visible (series) || shown++ >= 8)
        continue;
      g_string_append_printf (s, "%s %s%s%s", shown == 1 ? ": " : "; ",
                              fathom_chart_series_get_run (series),
                              *fathom_chart_series_get_run (series) ? " " : "",
                              fathom_chart_series_get_name (series));
    }
  g_string_append_printf (s, ". %s scale, smoothing %.2g.", self->log_scale ? "Log" : "Linear",
                          fathom_chart_data_get_smoothing (self->data));
  /* Only on change: the label is not a live region. */
  if (g_strcmp0 (s->str, self->summary) != 0)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, s->str, -1);
      g_free (self->summary);
      self->summary = g_strdup (s->str);
    }
  g_string_free (s, TRUE);
}

static void
append_layer (GtkSnapshot           *snapshot,
              const FathomChartRect *r,
              cairo_t              **cr)
{
  *cr = NULL;
  if (r->width >= 1 && r->height >= 1)
    *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (r->x, r->y, r->width, r->height));
}

/* Three layers, each a cairo node no larger than it needs: the frame over
 * the whole widget, the curves over the plot, the legend over its band. */
static void
rebuild_node (FathomChart            *self,
              int                     width,
              int                     height,
              const FathomChartStyle *style)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  FathomChartRect all = { 0, 0, width, height };
  cairo_t *cr;

  fathom_chart_ensure_view (self);
  append_layer (snapshot, &all, &cr);
  fathom_chart_layout_compute (cr, self->data, &self->view, style, width, height, &self->layout);
  fathom_chart_render_frame (cr, self->data, &self->view, style, &self->layout);
  cairo_destroy (cr);
  append_layer (snapshot, &self->layout.plot, &cr);
  if (cr)
    {
      fathom_chart_render_series (cr, self->data, &self->view, style, &self->layout);
      cairo_destroy (cr);
    }
  append_layer (snapshot, &self->layout.legend, &cr);
  if (cr)
    {
      fathom_chart_render_legend (cr, self->data, style, &self->layout);
      cairo_destroy (cr);
    }

  g_clear_pointer (&self->node, gsk_render_node_unref);
  self->node = gtk_snapshot_free_to_node (snapshot);
  self->node_style = *style;
  self->node_generation = fathom_chart_data_get_generation (self->data);
  self->node_view_serial = self->view_serial;
  self->node_width = width;
  self->node_height = height;
  update_accessible (self);
}

static void
fathom_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  FathomChart *self = FATHOM_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  FathomChartStyle style;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  current_style (self, &style);
  if (self->node == NULL || self->node_width != width || self->node_height != height ||
      self->node_generation != fathom_chart_data_get_generation (self->data) ||
      self->node_view_serial != self->view_serial ||
      memcmp (&self->node_style, &style, sizeof style) != 0)
    rebuild_node (self, width, height, &style);
  if (self->node)
    gtk_snapshot_append_node (snapshot, self->node);

  /* The overlay is cheap and changes with every pointer motion, so it is
   * never part of the cached node. */
  if (!self->hovering && self->drag != DRAG_BOX)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->drag == DRAG_BOX)
    {
      FathomChartRect r = { MIN (self->drag_x, self->drag_x + self->drag_dx),
                            MIN (self->drag_y, self->drag_y + self->drag_dy),
                            fabs (self->drag_dx), fabs (self->drag_dy) };

      fathom_chart_render_selection (cr, &style, &r);
    }
  else if (self->drag == DRAG_NONE)
    fathom_chart_render_hover (cr, self->data, &self->view, &style, &self->layout,
                               self->hover_x, self->hover_y);
  cairo_destroy (cr);
}

void
fathom_chart_zoom_axes (FathomChart *self,
           double       factor_x,
           double       factor_y,
           double       ux,
           double       uy)
{
  fathom_chart_ensure_view (self);
  fathom_chart_axis_zoom (&self->view.x, CLAMP (ux, 0, 1), factor_x);
  fathom_chart_axis_zoom (&self->view.y, CLAMP (uy, 0, 1), factor_y);
  fathom_chart_axis_zoom (&self->view.y2, CLAMP (uy, 0, 1), factor_y);
  self->follows_data = FALSE;
  fathom_chart_view_changed (self);
}

static void
fathom_chart_dispose (GObject *object)
{
  FathomChart *self = FATHOM_CHART (object);

  g_clear_pointer (&self->node, gsk_render_node_unref);
  g_clear_pointer (&self->data, fathom_chart_data_unref);
  g_clear_pointer (&self->summary, g_free);
  G_OBJECT_CLASS (fathom_chart_parent_class)->dispose (object);
}

static void
fathom_chart_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  FathomChart *self = FATHOM_CHART (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->log_scale);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, fathom_chart_get_smoothing (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_chart_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  FathomChart *self = FATHOM_CHART (object);

  switch (prop_id)
    {
    case PROP_LOG_SCALE:
      fathom_chart_set_log_scale (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      fathom_chart_set_smoothing (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_chart_class_init (FathomChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fathom_chart_dispose;
  object_class->get_property = fathom_chart_get_property;
  object_class->set_property = fathom_chart_set_property;
  widget_class->snapshot = fathom_chart_snapshot;

  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0.0, 0.999, 0.6,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "fathomchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
fathom_chart_init (FathomChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->data = fathom_chart_data_new ();
  self->follows_data = TRUE;
  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_size_request (widget, 240, 160);
  gtk_widget_set_cursor_from_name (widget, "crosshair");

  fathom_chart_init_input (self);

  /* Dark mode changes the CSS colours, which the snapshot compares; the
   * style manager's signal only makes sure a redraw happens. */
  if (adw_is_initialized ())
    g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                             G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
}

GtkWidget *
fathom_chart_new (void)
{
  return g_object_new (FATHOM_TYPE_CHART, NULL);
}

void
fathom_chart_set_data (FathomChart     *self,
                       FathomChartData *data)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  g_return_if_fail (data != NULL);

  if (data == self->data)
    return;
  fathom_chart_data_ref (data);
  fathom_chart_data_unref (self->data);
  self->data = data;
  g_clear_pointer (&self->node, gsk_render_node_unref);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
  fathom_chart_reset_view (self);
}

FathomChartData *
fathom_chart_get_data (FathomChart *self)
{
  g_return_val_if_fail (FATHOM_IS_CHART (self), NULL);
  return self->data;
}

guint
fathom_chart_add_series (FathomChart     *self,
                         const char      *run,
                         const char      *name,
                         FathomChartKind  kind,
                         const char      *unit)
{
  g_return_val_if_fail (FATHOM_IS_CHART (self), 0);
  data_changed (self);
  return fathom_chart_data_add_series (self->data, run, name, kind, unit);
}

void
fathom_chart_append (FathomChart *self,
                     guint        series_id,
                     double       x,
                     double       y)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  fathom_chart_data_append (self->data, series_id, x, y);
  data_changed (self);
}

void
fathom_chart_append_many (FathomChart  *self,
                          guint         series_id,
                          const double *x,
                          const double *y,
                          gsize         n)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  fathom_chart_data_append_many (self->data, series_id, x, y, n);
  data_changed (self);
}

void
fathom_chart_add_epoch_mark (FathomChart *self,
                             double       x)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  fathom_chart_data_add_epoch_mark (self->data, x);
  data_changed (self);
}

void
fathom_chart_set_series_visible (FathomChart *self,
                                 guint        series_id,
                                 gboolean     visible)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  fathom_chart_data_set_series_visible (self->data, series_id, visible);
  data_changed (self);
}

void
fathom_chart_set_log_scale (FathomChart *self,
                            gboolean     log_scale)
{
  FathomChartView fitted;

  g_return_if_fail (FATHOM_IS_CHART (self));
  if (self->log_scale == !!log_scale)
    return;
  self->log_scale = !!log_scale;
  /* Keep a zoomed x range, but the y range has to be refitted: a linear
   * range may start at 0 and a log one spans decades. */
  fathom_chart_data_fit_view (self->data, self->log_scale, &fitted);
  self->view.y = fitted.y;
  fathom_chart_view_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
}

gboolean
fathom_chart_get_log_scale (FathomChart *self)
{
  g_return_val_if_fail (FATHOM_IS_CHART (self), FALSE);
  return self->log_scale;
}

void
fathom_chart_set_smoothing (FathomChart *self,
                            double       weight)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  if (weight == fathom_chart_data_get_smoothing (self->data))
    return;
  fathom_chart_data_set_smoothing (self->data, weight);
  data_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
}

double
fathom_chart_get_smoothing (FathomChart *self)
{
  g_return_val_if_fail (FATHOM_IS_CHART (self), 0);
  return fathom_chart_data_get_smoothing (self->data);
}

void
fathom_chart_zoom (FathomChart *self,
                   double       factor,
                   double       anchor_x,
                   double       anchor_y)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  fathom_chart_zoom_axes (self, factor, factor, anchor_x, anchor_y);
}

void
fathom_chart_pan (FathomChart *self,
                  double       dx,
                  double       dy)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  fathom_chart_ensure_view (self);
  fathom_chart_axis_pan (&self->view.x, dx);
  fathom_chart_axis_pan (&self->view.y, dy);
  fathom_chart_axis_pan (&self->view.y2, dy);
  self->follows_data = FALSE;
  fathom_chart_view_changed (self);
}

void
fathom_chart_set_x_range (FathomChart *self,
                          double       x0,
                          double       x1)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  if (!(x1 > x0) || !isfinite (x0) || !isfinite (x1))
    return;
  fathom_chart_ensure_view (self);
  self->view.x.lo = x0;
  self->view.x.hi = x1;
  self->follows_data = FALSE;
  fathom_chart_view_changed (self);
}

void
fathom_chart_reset_view (FathomChart *self)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  self->follows_data = TRUE;
  fathom_chart_ensure_view (self);
  fathom_chart_view_changed (self);
}

void
fathom_chart_get_view (FathomChart     *self,
                       FathomChartView *view)
{
  g_return_if_fail (FATHOM_IS_CHART (self));
  fathom_chart_ensure_view (self);
  *view = self->view;
}

gboolean
fathom_chart_get_follows_data (FathomChart *self)
{
  g_return_val_if_fail (FATHOM_IS_CHART (self), FALSE);
  return self->follows_data;
}

gboolean
fathom_chart_export (FathomChart        *self,
                     const char         *path,
                     FathomChartFormat   format,
                     int                 width,
                     int                 height,
                     GError            **error)
{
  FathomChartStyle style;

  g_return_val_if_fail (FATHOM_IS_CHART (self), FALSE);
  if (width <= 0 || height <= 0)
    {
      width = gtk_widget_get_width (GTK_WIDGET (self)) > 0 ? gtk_widget_get_width (GTK_WIDGET (self)) : 900;
      height = gtk_widget_get_height (GTK_WIDGET (self)) > 0 ? gtk_widget_get_height (GTK_WIDGET (self)) : 520;
    }
  fathom_chart_ensure_view (self);
  fathom_chart_style_init (&style, FALSE);
  return fathom_chart_render_export (self->data, &self->view, &style, format, width, height, path, error);
}

GskRenderNode *
fathom_chart_peek_render_node (FathomChart *self)
{
  g_return_val_if_fail (FATHOM_IS_CHART (self), NULL);
  return self->node;
}
