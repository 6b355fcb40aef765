/* fathom-image-view-nav.c: moving about: the view transform (zoom around
 * a point, pan, fit), the pointer, scroll, pinch and drag, the key
 * bindings, and travel through the list of photos. */
#include "fathom-image-view-private.h"

#include <math.h>

void
_fathom_image_view_ensure_view (FathomImageView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->auto_fit && self->image != NULL && w > 0 && h > 0)
    fathom_view_transform_fit (&self->view, self->image->width, self->image->height, w, h, 0);
}

void
fathom_image_view_get_transform (FathomImageView     *self,
                                 FathomViewTransform *view)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  _fathom_image_view_ensure_view (self);
  *view = self->view;
}

void
fathom_image_view_fit (FathomImageView *self)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  self->auto_fit = TRUE;
  _fathom_image_view_ensure_view (self);
  g_object_notify (G_OBJECT (self), "zoom");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
fathom_image_view_zoom_at (FathomImageView *self,
                           double           factor,
                           double           x,
                           double           y)
{
  FathomViewTransform fit;
  double lo, target;

  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  if (self->image == NULL || !(factor > 0))
    return;
  _fathom_image_view_ensure_view (self);
  fathom_view_transform_fit (&fit, self->image->width, self->image->height,
                             MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1),
                             MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1), 0);
  lo = MIN (fit.scale * MIN_ZOOM_OF_FIT, 1.0);
  target = CLAMP (self->view.scale * factor, lo, MAX_ZOOM);
  fathom_view_transform_zoom_at (&self->view, target / self->view.scale, x, y);
  self->auto_fit = FALSE;
  g_object_notify (G_OBJECT (self), "zoom");
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
fathom_image_view_pan (FathomImageView *self,
                       double           dx,
                       double           dy)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  _fathom_image_view_ensure_view (self);
  self->view.x0 += dx;
  self->view.y0 += dy;
  self->auto_fit = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- the list ----------------------------------------------------------- */

void
fathom_image_view_set_current (FathomImageView *self,
                               guint            index)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  if (self->model == NULL || index >= g_list_model_get_n_items (self->model) ||
      index == self->current)
    return;
  self->current = index;
  /* boxes and map described the previous photo */
  self->has_true_box = self->has_pred_box = FALSE;
  g_array_set_size (self->other_boxes, 0);
  g_clear_pointer (&self->heatmap, fathom_heatmap_free);
  if (self->own_paths)
    fathom_image_view_set_image_path (self,
                                      gtk_string_list_get_string (GTK_STRING_LIST (self->model), index),
                                      NULL);
  _fathom_image_view_changed (self, TRUE);
  g_signal_emit_by_name (self, "current-changed", index);
  g_object_notify (G_OBJECT (self), "current");
}

guint
fathom_image_view_get_current (FathomImageView *self)
{
  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), GTK_INVALID_LIST_POSITION);
  return self->current;
}

gboolean
fathom_image_view_select_next (FathomImageView *self)
{
  guint old = self->current;

  if (self->model == NULL)
    return FALSE;
  fathom_image_view_set_current (self, old == GTK_INVALID_LIST_POSITION ? 0 : old + 1);
  return self->current != old;
}

gboolean
fathom_image_view_select_previous (FathomImageView *self)
{
  guint old = self->current;

  if (self->model == NULL || old == 0 || old == GTK_INVALID_LIST_POSITION)
    return FALSE;
  fathom_image_view_set_current (self, old - 1);
  return self->current != old;
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added,
                  FathomImageView *self)
{
  guint n = g_list_model_get_n_items (model);

  if (self->current != GTK_INVALID_LIST_POSITION && self->current >= n)
    {
      self->current = GTK_INVALID_LIST_POSITION;
      if (n > 0)
        fathom_image_view_set_current (self, n - 1);
    }
  else if (self->current == GTK_INVALID_LIST_POSITION && n > 0)
    fathom_image_view_set_current (self, 0);
  _fathom_image_view_update_accessible (self);
}

static void
set_model_full (FathomImageView *self,
                GListModel      *model,
                gboolean         own_paths)
{
  if (self->model != NULL)
    g_clear_signal_handler (&self->items_changed_id, self->model);
  g_set_object (&self->model, model);
  self->own_paths = own_paths;
  self->current = GTK_INVALID_LIST_POSITION;
  if (model != NULL)
    {
      self->items_changed_id = g_signal_connect (model, "items-changed",
                                                 G_CALLBACK (on_items_changed), self);
      fathom_image_view_set_current (self, 0);
    }
  _fathom_image_view_update_accessible (self);
}

void
fathom_image_view_set_model (FathomImageView *self,
                             GListModel      *model)
{
  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  set_model_full (self, model, FALSE);
}

GListModel *
fathom_image_view_get_model (FathomImageView *self)
{
  g_return_val_if_fail (FATHOM_IS_IMAGE_VIEW (self), NULL);
  return self->model;
}

void
fathom_image_view_set_paths (FathomImageView    *self,
                             const char * const *paths)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (paths);

  g_return_if_fail (FATHOM_IS_IMAGE_VIEW (self));
  set_model_full (self, G_LIST_MODEL (list), TRUE);
}

/* ---- input -------------------------------------------------------------- */

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, FathomImageView *self)
{
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  if (_fathom_image_view_heatmap_shown (self))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *motion, FathomImageView *self)
{
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll, double dx, double dy, FathomImageView *self)
{
  double x = self->hovering ? self->hover_x : gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
  double y = self->hovering ? self->hover_y : gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;

  fathom_image_view_zoom_at (self, pow (1.2, -dy), x, y);
  return TRUE;
}

static void
on_pinch_begin (GtkGesture *gesture, GdkEventSequence *sequence, FathomImageView *self)
{
  self->pinch_last = 1.0;
}

static void
on_pinch_scale (GtkGestureZoom *gesture, double scale, FathomImageView *self)
{
  double x, y;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &x, &y) || !(scale > 0))
    return;
  fathom_image_view_zoom_at (self, scale / self->pinch_last, x, y);
  self->pinch_last = scale;
}

static void
on_drag_begin (GtkGestureDrag *drag, double x, double y, FathomImageView *self)
{
  _fathom_image_view_ensure_view (self);
  self->drag_x0 = self->view.x0;
  self->drag_y0 = self->view.y0;
}

static void
on_drag_update (GtkGestureDrag *drag, double ox, double oy, FathomImageView *self)
{
  self->view.x0 = self->drag_x0 + ox;
  self->view.y0 = self->drag_y0 + oy;
  self->auto_fit = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_pressed (GtkGestureClick *click, int n_press, double x, double y, FathomImageView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (n_press == 2)
    fathom_image_view_fit (self);
}

static void
action_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  FathomImageView *self = FATHOM_IMAGE_VIEW (widget);
  double cx = gtk_widget_get_width (widget) / 2.0, cy = gtk_widget_get_height (widget) / 2.0;

  if (g_str_equal (name, "image-view.next"))
    fathom_image_view_select_next (self);
  else if (g_str_equal (name, "image-view.previous"))
    fathom_image_view_select_previous (self);
  else if (g_str_equal (name, "image-view.fit"))
    fathom_image_view_fit (self);
  else if (g_str_equal (name, "image-view.zoom-in"))
    fathom_image_view_zoom_at (self, 1.25, cx, cy);
  else if (g_str_equal (name, "image-view.zoom-out"))
    fathom_image_view_zoom_at (self, 0.8, cx, cy);
}

void
_fathom_image_view_class_init_nav (GtkWidgetClass *widget_class)
{
  static const struct { guint key; const char *action; } keys[] = {
    { GDK_KEY_Right, "image-view.next" },
    { GDK_KEY_Down, "image-view.next" },
    { GDK_KEY_Page_Down, "image-view.next" },
    { GDK_KEY_Left, "image-view.previous" },
    { GDK_KEY_Up, "image-view.previous" },
    { GDK_KEY_Page_Up, "image-view.previous" },
    { GDK_KEY_0, "image-view.fit" },
    { GDK_KEY_plus, "image-view.zoom-in" },
    { GDK_KEY_equal, "image-view.zoom-in" },
    { GDK_KEY_minus, "image-view.zoom-out" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      /* install each action once, then bind its keys */
      if (i == 0 || !g_str_equal (keys[i].action, keys[i - 1].action))
        gtk_widget_class_install_action (widget_class, keys[i].action, NULL, action_activated);
      gtk_widget_class_add_binding_action (widget_class, keys[i].key, 0, keys[i].action, NULL);
    }
}

void
_fathom_image_view_init_nav (FathomImageView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkGesture *pinch = gtk_gesture_zoom_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  g_signal_connect (motion, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  g_signal_connect (pinch, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_pinch_scale), self);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (widget, motion);
  gtk_widget_add_controller (widget, scroll);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (pinch));
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
}
