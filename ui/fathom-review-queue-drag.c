/* fathom-review-queue-drag.c: correcting the true box by dragging its
 * corners.
 *
 * The gesture sits on the queue in the capture phase, so that it sees a
 * press on the image view before the view's own drag (which pans): near
 * a corner of the red box it claims the press, anywhere else it steps
 * aside and the view pans as usual. Pointer offsets become photo pixels
 * through the view transform the image view exposes.
 */
#include "fathom-review-queue-private.h"

#include <math.h>

#define GRAB_RADIUS 12.0        /* view pixels around a corner that catch it */

void
_fathom_review_queue_move_corner (const FathomBox *box,
                                  int              corner,
                                  double           dx,
                                  double           dy,
                                  int              image_width,
                                  int              image_height,
                                  FathomBox       *out)
{
  double x0 = box->x, y0 = box->y, x1 = box->x + box->width, y1 = box->y + box->height;
  gboolean left = corner == 0 || corner == 3, top = corner == 0 || corner == 1;

  /* the moved corner stays in the photo and a pixel from the fixed one */
  if (left)
    x0 = CLAMP (x0 + dx, 0, x1 - 1);
  else
    x1 = CLAMP (x1 + dx, x0 + 1, MAX (image_width, x0 + 1));
  if (top)
    y0 = CLAMP (y0 + dy, 0, y1 - 1);
  else
    y1 = CLAMP (y1 + dy, y0 + 1, MAX (image_height, y0 + 1));
  *out = (FathomBox) { x0, y0, x1 - x0, y1 - y0 };
}

/* The corner of the current box within GRAB_RADIUS of view point (vx, vy),
 * or -1. */
static int
corner_at (FathomReviewQueue         *self,
           const FathomViewTransform *t,
           double                     vx,
           double                     vy)
{
  double best = GRAB_RADIUS;
  int found = -1;

  for (int c = 0; c < 4; c++)
    {
      double ix = self->box.x + (c == 1 || c == 2 ? self->box.width : 0);
      double iy = self->box.y + (c >= 2 ? self->box.height : 0);
      double x, y, d;

      fathom_view_transform_to_view (t, ix, iy, &x, &y);
      d = hypot (x - vx, y - vy);
      if (d <= best)
        {
          best = d;
          found = c;
        }
    }
  return found;
}

static void
on_drag_begin (GtkGestureDrag    *gesture,
               double             x,
               double             y,
               FathomReviewQueue *self)
{
  GtkWidget *view = GTK_WIDGET (self->view);
  FathomViewTransform t;
  double vx, vy;

  self->drag_corner = -1;
  if (self->session == NULL || !self->has_box || fathom_image_view_get_image (self->view) == NULL ||
      !gtk_widget_translate_coordinates (GTK_WIDGET (self), view, x, y, &vx, &vy) ||
      !gtk_widget_contains (view, vx, vy))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  fathom_image_view_get_transform (self->view, &t);
  self->drag_corner = corner_at (self, &t, vx, vy);
  if (self->drag_corner < 0)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  /* ours: the view does not pan under a corner drag */
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_box = self->box;
  self->drag_scale = t.scale;
  gtk_widget_grab_focus (view);
}

static void
dragged_box (FathomReviewQueue *self,
             double             ox,
             double             oy,
             FathomBox         *box)
{
  const FathomImage *image = fathom_image_view_get_image (self->view);

  _fathom_review_queue_move_corner (&self->drag_box, self->drag_corner,
                                    ox / self->drag_scale, oy / self->drag_scale,
                                    image->width, image->height, box);
}

static void
on_drag_update (GtkGestureDrag    *gesture,
                double             ox,
                double             oy,
                FathomReviewQueue *self)
{
  const FathomRunPrediction *p;
  FathomBox box;

  if (self->drag_corner < 0 || fathom_image_view_get_image (self->view) == NULL)
    return;
  dragged_box (self, ox, oy, &box);
  p = fathom_run_predictions_get_row (fathom_review_session_get_predictions (self->session),
                                      fathom_review_queue_get_row_at (self, self->position));
  fathom_image_view_set_true_box (self->view, &box,
                                  fathom_run_predictions_get_class_names (fathom_review_session_get_predictions (self->session))[p->true_class]);
}

/* A drag that moved is an edit, saved at once; the photo stays current
 * so that the other corners can follow. */
static void
on_drag_end (GtkGestureDrag    *gesture,
             double             ox,
             double             oy,
             FathomReviewQueue *self)
{
  g_autoptr(GError) error = NULL;
  FathomBox box;
  guint row;

  if (self->drag_corner < 0)
    return;
  if (fathom_image_view_get_image (self->view) != NULL && (ox != 0 || oy != 0))
    {
      dragged_box (self, ox, oy, &box);
      row = fathom_review_queue_get_row_at (self, self->position);
      if (!fathom_review_session_decide (self->session, row, FATHOM_REVIEW_EDIT, &box, &error))
        _fathom_review_queue_show_error (self, error);
    }
  self->drag_corner = -1;
  _fathom_review_queue_refresh (self);
}

/* A drag taken away (a grab, the window losing the pointer): the box
 * goes back to what is saved. */
static void
on_drag_cancel (GtkGesture        *gesture,
                GdkEventSequence  *sequence,
                FathomReviewQueue *self)
{
  if (self->drag_corner < 0)
    return;
  self->drag_corner = -1;
  _fathom_review_queue_refresh (self);
}

void
_fathom_review_queue_init_drag (FathomReviewQueue *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->drag_corner = -1;
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drag), GTK_PHASE_CAPTURE);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  g_signal_connect (drag, "cancel", G_CALLBACK (on_drag_cancel), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
}
