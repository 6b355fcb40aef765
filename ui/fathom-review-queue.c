/* fathom-review-queue.c: the queue, the photo and the triage (see
 * fathom-review-queue.h); the list and the sort are in
 * fathom-review-queue-list.c, the corner drag in fathom-review-queue-drag.c,
 * the files and the undo stack in fathom-review-session*.c.
 *
 * The list and the image view travel together: the view's model is the
 * queue's store, so the arrow keys on the photo move the selection, and
 * selecting a row moves the photo.
 */
#include "fathom-review-queue-private.h"

#include <math.h>

#include "fathom-review-item.h"

G_DEFINE_FINAL_TYPE (FathomReviewQueue, fathom_review_queue, GTK_TYPE_WIDGET)

static const char *
class_name (FathomReviewQueue *self,
            int                k)
{
  return fathom_run_predictions_get_class_names (fathom_review_session_get_predictions (self->session))[k];
}

void
_fathom_review_queue_show_error (FathomReviewQueue *self,
                                 const GError      *error)
{
  gtk_label_set_text (GTK_LABEL (self->error_label), error != NULL ? error->message : "");
  gtk_widget_set_visible (self->error_label, error != NULL);
}

/* ---- showing the current photo ------------------------------------------ */

static void
update_actions (FathomReviewQueue *self)
{
  guint n = fathom_review_queue_get_n_rows (self);
  gboolean here = self->session != NULL && self->position < n;
  FathomBox pred;
  const FathomImage *image = fathom_image_view_get_image (self->view);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.keep", here);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.ambiguous", here);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.accept",
                                 here && image != NULL &&
                                 fathom_review_session_get_pred_box (self->session,
                                                                     fathom_review_queue_get_row_at (self, self->position),
                                                                     image->width, image->height, &pred));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.undo",
                                 self->session != NULL && fathom_review_session_get_n_undo (self->session) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.previous", here && self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.next", here && self->position + 1 < n);
}

/* "True ALB · predicted BET 0.62 · p(ALB) 0.21 · IoU 0.34 · done: keep" */
static void
update_details (FathomReviewQueue *self,
                guint              row,
                const FathomBox   *pred)
{
  const FathomRunPrediction *p = fathom_run_predictions_get_row (fathom_review_session_get_predictions (self->session), row);
  FathomReviewDecision decision = fathom_review_session_get_decision (self->session, row);
  g_autoptr(GString) s = g_string_new (NULL);
  double heat = fathom_review_session_get_disagreement (self->session, row, FATHOM_REVIEW_SORT_HEATMAP);

  g_string_append_printf (s, "True %s · predicted %s %.2f · p(%s) %.2f", class_name (self, p->true_class),
                          class_name (self, p->pred_class), p->probs[p->pred_class],
                          class_name (self, p->true_class), p->probs[p->true_class]);
  if (self->has_box && pred != NULL)
    g_string_append_printf (s, " · IoU %.2f", fathom_overlay_box_iou (&self->box, pred));
  else if (!self->has_box)
    g_string_append (s, " · no true box");
  if (!isnan (heat))
    g_string_append_printf (s, " · heatmap outside box %.2f", heat);
  if (decision != FATHOM_REVIEW_PENDING)
    g_string_append_printf (s, " · done: %s", fathom_review_decision_to_string (decision));
  gtk_label_set_text (GTK_LABEL (self->details), s->str);
  gtk_label_set_text (GTK_LABEL (self->title), p->file);
}

/* The photo of the current position with its boxes and map; load_photo
 * FALSE when it is already there. */
static void
fill_view (FathomReviewQueue *self,
           gboolean           load_photo)
{
  g_autoptr(FathomHeatmap) map = NULL;
  const FathomRunPrediction *p;
  const FathomImage *image;
  FathomBox pred;
  gboolean has_pred = FALSE;
  guint row;

  self->has_box = FALSE;
  if (self->session == NULL || self->position >= fathom_review_queue_get_n_rows (self))
    {
      update_actions (self);
      return;
    }
  row = fathom_review_queue_get_row_at (self, self->position);
  p = fathom_run_predictions_get_row (fathom_review_session_get_predictions (self->session), row);
  if (load_photo || fathom_image_view_get_image (self->view) == NULL)
    {
      g_autofree char *path = fathom_review_session_dup_photo_path (self->session, row);

      /* an unreadable photo says so in the view itself */
      fathom_image_view_set_image_path (self->view, path, NULL);
    }
  image = fathom_image_view_get_image (self->view);
  if (image != NULL)
    {
      self->has_box = fathom_review_session_get_box (self->session, row, image->width, image->height, &self->box);
      has_pred = fathom_review_session_get_pred_box (self->session, row, image->width, image->height, &pred);
    }
  fathom_image_view_set_true_box (self->view, self->has_box ? &self->box : NULL, class_name (self, p->true_class));
  {
    g_autoptr(GArray) others = fathom_review_session_dup_other_boxes (self->session, row);

    fathom_image_view_set_other_boxes (self->view, others);
  }
  /* IoU NAN: computed from the boxes shown, edits included */
  fathom_image_view_set_pred_box (self->view, has_pred ? &pred : NULL, class_name (self, p->pred_class),
                                  p->probs[p->pred_class], NAN);
  map = fathom_review_session_dup_heatmap (self->session, row);
  fathom_image_view_set_heatmap (self->view, map,
                                 fathom_run_predictions_get_class_names (fathom_review_session_get_predictions (self->session)));
  fathom_image_view_set_heatmap_class (self->view, map != NULL ? p->true_class : -1);
  update_details (self, row, has_pred ? &pred : NULL);
  update_actions (self);
}

void
_fathom_review_queue_refresh (FathomReviewQueue *self)
{
  _fathom_review_queue_sync_decisions (self);
  _fathom_review_queue_update_progress (self);
  fill_view (self, FALSE);
}

/* The image view moved (arrow keys, or us): the list follows. */
static void
on_view_current_changed (FathomImageView   *view,
                         guint              index,
                         FathomReviewQueue *self)
{
  gboolean syncing = self->syncing;

  self->position = index;
  self->syncing = TRUE;
  gtk_single_selection_set_selected (self->selection, index);
  self->syncing = syncing;
  /* while the store is rebuilt, the photo waits for its final place */
  if (syncing)
    return;
  _fathom_review_queue_show_error (self, NULL);
  fill_view (self, TRUE);
}

/* ---- actions ------------------------------------------------------------- */

static void
action_activated (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  FathomReviewQueue *self = FATHOM_REVIEW_QUEUE (widget);
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (g_str_equal (name, "review.keep"))
    ok = fathom_review_queue_decide (self, FATHOM_REVIEW_KEEP, &error);
  else if (g_str_equal (name, "review.accept"))
    ok = fathom_review_queue_decide (self, FATHOM_REVIEW_ACCEPT, &error);
  else if (g_str_equal (name, "review.ambiguous"))
    ok = fathom_review_queue_decide (self, FATHOM_REVIEW_AMBIGUOUS, &error);
  else if (g_str_equal (name, "review.undo"))
    ok = fathom_review_queue_undo (self, &error) || error == NULL;
  else if (g_str_equal (name, "review.next"))
    fathom_review_queue_set_position (self, self->position + 1);
  else if (g_str_equal (name, "review.previous") && self->position > 0)
    fathom_review_queue_set_position (self, self->position - 1);
  if (!ok)
    _fathom_review_queue_show_error (self, error);
}

/* ---- public API ---------------------------------------------------------- */

gboolean
fathom_review_queue_load (FathomReviewQueue  *self,
                          const char         *run_dir,
                          GError            **error)
{
  FathomReviewSession *session;

  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), FALSE);
  g_return_val_if_fail (run_dir != NULL, FALSE);

  session = fathom_review_session_load (run_dir, error);
  if (session == NULL)
    return FALSE;
  g_clear_pointer (&self->session, fathom_review_session_free);
  self->session = session;
  /* boxes where the model gives them, else the maps */
  self->sort = fathom_review_session_has_sort (session, FATHOM_REVIEW_SORT_IOU) ? FATHOM_REVIEW_SORT_IOU
             : fathom_review_session_has_sort (session, FATHOM_REVIEW_SORT_HEATMAP) ? FATHOM_REVIEW_SORT_HEATMAP
             : FATHOM_REVIEW_SORT_CLASS_LOSS;
  _fathom_review_queue_fill_sort_dropdown (self);
  _fathom_review_queue_show_error (self, NULL);
  _fathom_review_queue_rebuild_store (self, GTK_INVALID_LIST_POSITION);
  /* a resumed review goes on where it stopped */
  fathom_review_queue_set_position (self, _fathom_review_queue_next_pending (self, GTK_INVALID_LIST_POSITION));
  _fathom_review_queue_update_progress (self);
  return TRUE;
}

FathomReviewSession *
fathom_review_queue_get_session (FathomReviewQueue *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), NULL);
  return self->session;
}

void
fathom_review_queue_set_sort (FathomReviewQueue *self,
                              FathomReviewSort   sort)
{
  guint keep;

  g_return_if_fail (FATHOM_IS_REVIEW_QUEUE (self));
  g_return_if_fail (sort < FATHOM_REVIEW_N_SORTS);
  if (self->session == NULL || sort == self->sort || !fathom_review_session_has_sort (self->session, sort))
    return;
  keep = self->position < fathom_review_queue_get_n_rows (self)
         ? fathom_review_queue_get_row_at (self, self->position) : GTK_INVALID_LIST_POSITION;
  self->sort = sort;
  _fathom_review_queue_fill_sort_dropdown (self);
  _fathom_review_queue_rebuild_store (self, keep);
}

FathomReviewSort
fathom_review_queue_get_sort (FathomReviewQueue *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), FATHOM_REVIEW_SORT_IOU);
  return self->sort;
}

guint
fathom_review_queue_get_n_rows (FathomReviewQueue *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->store));
}

guint
fathom_review_queue_get_row_at (FathomReviewQueue *self,
                                guint              position)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), 0);
  g_return_val_if_fail (position < fathom_review_queue_get_n_rows (self), 0);
  return fathom_review_item_get_row (_fathom_review_queue_item_at (self, position));
}

double
fathom_review_queue_get_disagreement_at (FathomReviewQueue *self,
                                         guint              position)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), NAN);
  g_return_val_if_fail (position < fathom_review_queue_get_n_rows (self), NAN);
  return fathom_review_item_get_score (_fathom_review_queue_item_at (self, position));
}

guint
fathom_review_queue_get_position (FathomReviewQueue *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), GTK_INVALID_LIST_POSITION);
  return self->position < fathom_review_queue_get_n_rows (self) ? self->position : GTK_INVALID_LIST_POSITION;
}

void
fathom_review_queue_set_position (FathomReviewQueue *self,
                                  guint              position)
{
  g_return_if_fail (FATHOM_IS_REVIEW_QUEUE (self));
  if (position >= fathom_review_queue_get_n_rows (self))
    return;
  if (position == fathom_image_view_get_current (self->view))
    on_view_current_changed (self->view, position, self);   /* same index, another photo maybe */
  else
    fathom_image_view_set_current (self->view, position);  /* emits current-changed */
}

gboolean
fathom_review_queue_decide (FathomReviewQueue    *self,
                            FathomReviewDecision  decision,
                            GError              **error)
{
  const FathomImage *image;
  FathomBox pred;
  guint row;

  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), FALSE);
  g_return_val_if_fail (decision == FATHOM_REVIEW_KEEP || decision == FATHOM_REVIEW_ACCEPT ||
                        decision == FATHOM_REVIEW_AMBIGUOUS, FALSE);
  if (fathom_review_queue_get_position (self) == GTK_INVALID_LIST_POSITION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No photo to review");
      return FALSE;
    }
  row = fathom_review_queue_get_row_at (self, self->position);
  image = fathom_image_view_get_image (self->view);
  /* the predicted box in this photo's pixels: the photo must have read */
  if (decision == FATHOM_REVIEW_ACCEPT &&
      (image == NULL || !fathom_review_session_get_pred_box (self->session, row, image->width, image->height, &pred)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The model predicts no box for this photo");
      return FALSE;
    }
  if (!fathom_review_session_decide (self->session, row, decision,
                                     decision == FATHOM_REVIEW_ACCEPT ? &pred : NULL, error))
    return FALSE;
  _fathom_review_queue_refresh (self);
  fathom_review_queue_set_position (self, _fathom_review_queue_next_pending (self, self->position));
  return TRUE;
}

gboolean
fathom_review_queue_undo (FathomReviewQueue  *self,
                          GError            **error)
{
  guint row, n;

  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), FALSE);
  if (self->session == NULL || !fathom_review_session_undo (self->session, &row, error))
    return FALSE;
  _fathom_review_queue_refresh (self);
  /* back to the photo whose decision went, to see it as it was */
  n = fathom_review_queue_get_n_rows (self);
  for (guint i = 0; i < n; i++)
    if (fathom_review_queue_get_row_at (self, i) == row)
      fathom_review_queue_set_position (self, i);
  return TRUE;
}

FathomImageView *
fathom_review_queue_get_image_view (FathomReviewQueue *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_QUEUE (self), NULL);
  return self->view;
}

/* ---- construction -------------------------------------------------------- */

/* A triage button: its words, the key as a keycap, the action. */
static GtkWidget *
triage_button (const char *label,
               const char *accel,
               const char *action,
               const char *description)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);

  gtk_box_append (GTK_BOX (box), gtk_label_new (label));
  gtk_box_append (GTK_BOX (box), gtk_shortcut_label_new (accel));
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_tooltip_text (button, description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  GTK_ACCESSIBLE_PROPERTY_KEY_SHORTCUTS, accel, -1);
  return button;
}

static GtkWidget *
icon_button (const char *icon,
             const char *action,
             const char *label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return button;
}

static GtkWidget *
build_photo_pane (FathomReviewQueue *self)
{
  GtkWidget *pane = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *hint = gtk_label_new ("Drag a corner of the red box to correct it");

  self->title = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->title, "heading");
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_MIDDLE);
  self->details = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->details), TRUE);
  gtk_widget_add_css_class (self->details, "numeric");
  self->view = FATHOM_IMAGE_VIEW (fathom_image_view_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->view), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->view), TRUE);
  fathom_image_view_set_model (self->view, G_LIST_MODEL (self->store));
  g_signal_connect (self->view, "current-changed", G_CALLBACK (on_view_current_changed), self);
  self->error_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_widget_add_css_class (hint, "caption");

  gtk_box_append (GTK_BOX (buttons), icon_button ("go-previous-symbolic", "review.previous", "Previous photo"));
  gtk_box_append (GTK_BOX (buttons), icon_button ("go-next-symbolic", "review.next", "Next photo"));
  gtk_box_append (GTK_BOX (buttons), triage_button ("Keep", "k", "review.keep", "Keep the annotation"));
  gtk_box_append (GTK_BOX (buttons), triage_button ("Accept prediction", "a", "review.accept",
                                                    "Accept the predicted box as the new annotation"));
  gtk_box_append (GTK_BOX (buttons), triage_button ("Ambiguous", "m", "review.ambiguous",
                                                    "Mark the photo ambiguous"));
  gtk_box_append (GTK_BOX (buttons), icon_button ("edit-undo-symbolic", "review.undo", "Undo the last decision (Ctrl+Z)"));
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (pane), self->title);
  gtk_box_append (GTK_BOX (pane), self->details);
  gtk_box_append (GTK_BOX (pane), GTK_WIDGET (self->view));
  gtk_box_append (GTK_BOX (pane), self->error_label);
  gtk_box_append (GTK_BOX (pane), hint);
  gtk_box_append (GTK_BOX (pane), buttons);
  g_object_set (pane, "margin-end", 6, "margin-top", 6, "margin-bottom", 6, NULL);
  return pane;
}

static void
fathom_review_queue_dispose (GObject *object)
{
  FathomReviewQueue *self = FATHOM_REVIEW_QUEUE (object);

  g_clear_pointer (&self->root, gtk_widget_unparent);
  g_clear_object (&self->selection);
  g_clear_object (&self->store);
  g_clear_object (&self->sort_names);
  g_clear_pointer (&self->session, fathom_review_session_free);
  G_OBJECT_CLASS (fathom_review_queue_parent_class)->dispose (object);
}

static void
fathom_review_queue_class_init (FathomReviewQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const struct { const char *action; guint key; GdkModifierType mods; } keys[] = {
    { "review.keep", GDK_KEY_k, 0 },
    { "review.accept", GDK_KEY_a, 0 },
    { "review.ambiguous", GDK_KEY_m, 0 },
    { "review.undo", GDK_KEY_z, GDK_CONTROL_MASK },
    { "review.next", 0, 0 },
    { "review.previous", 0, 0 },
  };

  object_class->dispose = fathom_review_queue_dispose;
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gtk_widget_class_install_action (widget_class, keys[i].action, NULL, action_activated);
      if (keys[i].key != 0)
        gtk_widget_class_add_binding_action (widget_class, keys[i].key, keys[i].mods, keys[i].action, NULL);
    }
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-review-queue");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  /* the list rows' template names the type */
  g_type_ensure (FATHOM_TYPE_REVIEW_ITEM);
}

static void
fathom_review_queue_init (FathomReviewQueue *self)
{
  GtkWidget *sidebar;

  self->position = GTK_INVALID_LIST_POSITION;
  sidebar = _fathom_review_queue_build_sidebar (self);
  self->root = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (self->root), sidebar);
  gtk_paned_set_end_child (GTK_PANED (self->root), build_photo_pane (self));
  gtk_paned_set_shrink_start_child (GTK_PANED (self->root), FALSE);
  gtk_paned_set_resize_start_child (GTK_PANED (self->root), FALSE);
  gtk_widget_set_parent (self->root, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Annotation review", -1);
  _fathom_review_queue_init_drag (self);
  update_actions (self);
}

GtkWidget *
fathom_review_queue_new (void)
{
  return g_object_new (FATHOM_TYPE_REVIEW_QUEUE, NULL);
}
