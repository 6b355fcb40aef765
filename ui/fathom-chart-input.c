/* fathom-chart-input.c: FathomChart's pointer, touchpad and keyboard
 * handling: hover, zoom, pan, box zoom, legend toggles, reset. */
#include "fathom-chart-private.h"

#include <math.h>

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           FathomChart              *self)
{
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *motion,
          FathomChart              *self)
{
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           FathomChart              *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));
  double ux, uy, factor = pow (1.15, dy);

  if (dy == 0)
    return FALSE;
  fathom_chart_layout_to_unit (&self->layout, self->hover_x, self->hover_y, &ux, &uy);
  fathom_chart_zoom_axes (self, (mods & GDK_SHIFT_MASK) ? 1 : factor,
                          (mods & GDK_CONTROL_MASK) ? 1 : factor, ux, uy);
  return TRUE;
}

static void
on_pinch_begin (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                FathomChart      *self)
{
  self->pinch_scale = 1;
}

static void
on_pinch (GtkGestureZoom *gesture,
          double          scale,
          FathomChart    *self)
{
  double cx, cy, ux, uy;

  if (!(scale > 0) || !gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    return;
  fathom_chart_layout_to_unit (&self->layout, cx, cy, &ux, &uy);
  fathom_chart_zoom_axes (self, self->pinch_scale / scale, self->pinch_scale / scale, ux, uy);
  self->pinch_scale = scale;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               FathomChart    *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  double ux, uy;

  fathom_chart_layout_to_unit (&self->layout, x, y, &ux, &uy);
  self->drag = DRAG_NONE;
  if (ux < 0 || ux > 1 || uy < 0 || uy > 1)
    return;   /* the legend and the margins are for clicks */
  fathom_chart_ensure_view (self);
  self->drag_view = self->view;
  self->drag_x = x;
  self->drag_y = y;
  self->drag_dx = self->drag_dy = 0;
  self->drag = (button == GDK_BUTTON_SECONDARY || (mods & GDK_SHIFT_MASK)) ? DRAG_BOX : DRAG_PAN;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), self->drag == DRAG_PAN ? "grabbing" : "crosshair");
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                FathomChart    *self)
{
  const FathomChartRect *p = &self->layout.plot;

  self->drag_dx = dx;
  self->drag_dy = dy;
  if (self->drag == DRAG_PAN && (dx != 0 || dy != 0))
    {
      self->view = self->drag_view;
      fathom_chart_axis_pan (&self->view.x, -dx / p->width);
      fathom_chart_axis_pan (&self->view.y, dy / p->height);
      fathom_chart_axis_pan (&self->view.y2, dy / p->height);
      self->follows_data = FALSE;
      fathom_chart_view_changed (self);
    }
  else if (self->drag == DRAG_BOX)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             FathomChart    *self)
{
  double ux0, uy0, ux1, uy1;

  if (self->drag == DRAG_BOX && fabs (dx) >= 5 && fabs (dy) >= 5)
    {
      fathom_chart_layout_to_unit (&self->layout, self->drag_x, self->drag_y, &ux0, &uy0);
      fathom_chart_layout_to_unit (&self->layout, self->drag_x + dx, self->drag_y + dy, &ux1, &uy1);
      ux0 = CLAMP (ux0, 0, 1), ux1 = CLAMP (ux1, 0, 1);
      uy0 = CLAMP (uy0, 0, 1), uy1 = CLAMP (uy1, 0, 1);
      fathom_chart_axis_set_unit_range (&self->view.x, ux0, ux1);
      fathom_chart_axis_set_unit_range (&self->view.y, uy0, uy1);
      fathom_chart_axis_set_unit_range (&self->view.y2, uy0, uy1);
      self->follows_data = FALSE;
      fathom_chart_view_changed (self);
    }
  if (self->drag != DRAG_NONE)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  self->drag = DRAG_NONE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A run heading toggles its series together: all off, or all back on. */
static void
toggle_legend_item (FathomChart                 *self,
                    const FathomChartLegendItem *item)
{
  FathomChartSeries *first = fathom_chart_data_get_series (self->data, item->series);
  const char *run = fathom_chart_series_get_run (first);
  gboolean any_on = FALSE;

  if (item->kind == FATHOM_CHART_LEGEND_SERIES)
    {
      fathom_chart_set_series_visible (self, item->series, !fathom_chart_series_get_visible (first));
      return;
    }
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < fathom_chart_data_get_n_series (self->data); i++)
      {
        FathomChartSeries *s = fathom_chart_data_get_series (self->data, i);

        if (g_strcmp0 (fathom_chart_series_get_run (s), run) != 0)
          continue;
        if (pass == 0)
          any_on |= fathom_chart_series_get_visible (s);
        else
          fathom_chart_set_series_visible (self, i, !any_on);
      }
}

static void
on_click (GtkGestureClick *gesture,
          int              n_press,
          double           x,
          double           y,
          FathomChart     *self)
{
  const FathomChartLegendItem *item = fathom_chart_layout_legend_hit (&self->layout, x, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (item && item->kind != FATHOM_CHART_LEGEND_NOTE && n_press == 1)
    toggle_legend_item (self, item);
  else if (!item && n_press == 2)
    fathom_chart_reset_view (self);
}

static gboolean
on_key (GtkEventControllerKey *key,
        guint                  keyval,
        guint                  keycode,
        GdkModifierType        state,
        FathomChart           *self)
{
  switch (keyval)
    {
    case GDK_KEY_r: case GDK_KEY_Home: case GDK_KEY_0:
      fathom_chart_reset_view (self);
      return TRUE;
    case GDK_KEY_plus: case GDK_KEY_equal: case GDK_KEY_KP_Add:
      fathom_chart_zoom (self, 0.8, 0.5, 0.5);
      return TRUE;
    case GDK_KEY_minus: case GDK_KEY_KP_Subtract:
      fathom_chart_zoom (self, 1.25, 0.5, 0.5);
      return TRUE;
    case GDK_KEY_Left: case GDK_KEY_Right:
      fathom_chart_pan (self, keyval == GDK_KEY_Left ? -0.1 : 0.1, 0);
      return TRUE;
    case GDK_KEY_Up: case GDK_KEY_Down:
      fathom_chart_pan (self, 0, keyval == GDK_KEY_Down ? -0.1 : 0.1);
      return TRUE;
    case GDK_KEY_l:
      fathom_chart_set_log_scale (self, !self->log_scale);
      return TRUE;
    default:
      return FALSE;
    }
}

void
fathom_chart_init_input (FathomChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_pinch), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), 0);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_click), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key), self);
  gtk_widget_add_controller (widget, controller);
}
