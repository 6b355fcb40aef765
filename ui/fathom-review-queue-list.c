/* fathom-review-queue-list.c: the queue's list: its rows in the order of
 * the chosen sort, the sort dropdown, the progress count, and moving to
 * the next photo left to review. */
#include "fathom-review-queue-private.h"

#include "fathom-review-item.h"

/* A row: the decision's icon, the photo's name over its decision, and
 * the disagreement. */
static const char row_ui[] =
  "<interface>"
  "  <template class='GtkListItem'>"
  "    <property name='child'>"
  "      <object class='GtkBox'>"
  "        <property name='spacing'>8</property>"
  "        <property name='margin-top'>4</property>"
  "        <property name='margin-bottom'>4</property>"
  "        <child>"
  "          <object class='GtkImage'>"
  "            <property name='width-request'>16</property>"
  "            <binding name='icon-name'>"
  "              <lookup name='icon-name' type='FathomReviewItem'>"
  "                <lookup name='item'>GtkListItem</lookup>"
  "              </lookup>"
  "            </binding>"
  "          </object>"
  "        </child>"
  "        <child>"
  "          <object class='GtkBox'>"
  "            <property name='orientation'>vertical</property>"
  "            <property name='hexpand'>1</property>"
  "            <child>"
  "              <object class='GtkLabel'>"
  "                <property name='xalign'>0</property>"
  "                <property name='ellipsize'>middle</property>"
  "                <binding name='label'>"
  "                  <lookup name='title' type='FathomReviewItem'>"
  "                    <lookup name='item'>GtkListItem</lookup>"
  "                  </lookup>"
  "                </binding>"
  "              </object>"
  "            </child>"
  "            <child>"
  "              <object class='GtkLabel'>"
  "                <property name='xalign'>0</property>"
  "                <style><class name='caption'/><class name='dim-label'/></style>"
  "                <binding name='label'>"
  "                  <lookup name='status' type='FathomReviewItem'>"
  "                    <lookup name='item'>GtkListItem</lookup>"
  "                  </lookup>"
  "                </binding>"
  "              </object>"
  "            </child>"
  "          </object>"
  "        </child>"
  "        <child>"
  "          <object class='GtkLabel'>"
  "            <style><class name='numeric'/></style>"
  "            <binding name='label'>"
  "              <lookup name='score-text' type='FathomReviewItem'>"
  "                <lookup name='item'>GtkListItem</lookup>"
  "              </lookup>"
  "            </binding>"
  "          </object>"
  "        </child>"
  "      </object>"
  "    </property>"
  "  </template>"
  "</interface>";

FathomReviewItem *
_fathom_review_queue_item_at (FathomReviewQueue *self,
         guint              position)
{
  /* g_list_model_get_item's reference is dropped: the store keeps one */
  FathomReviewItem *item = g_list_model_get_item (G_LIST_MODEL (self->store), position);

  g_object_unref (item);
  return item;
}

void
_fathom_review_queue_sync_decisions (FathomReviewQueue *self)
{
  guint n = fathom_review_queue_get_n_rows (self);

  for (guint i = 0; i < n; i++)
    {
      FathomReviewItem *item = _fathom_review_queue_item_at (self, i);

      fathom_review_item_set_decision (item, fathom_review_session_get_decision (self->session,
                                                                                 fathom_review_item_get_row (item)));
    }
}

void
_fathom_review_queue_update_progress (FathomReviewQueue *self)
{
  g_autofree char *text = NULL;

  if (self->session != NULL)
    text = g_strdup_printf ("%u of %u reviewed", fathom_review_session_count_decided (self->session),
                            fathom_review_session_get_n_rows (self->session));
  gtk_label_set_text (GTK_LABEL (self->progress), text != NULL ? text : "");
}

static void
on_selected_changed (GtkSingleSelection *selection,
                     GParamSpec         *pspec,
                     FathomReviewQueue  *self)
{
  guint selected = gtk_single_selection_get_selected (selection);

  if (!self->syncing && selected != GTK_INVALID_LIST_POSITION)
    fathom_review_queue_set_position (self, selected);
}

/* ---- the queue ----------------------------------------------------------- */

/* The store in the session's order for the current sort, the photo at
 * keep_row (if any) staying current. */
void
_fathom_review_queue_rebuild_store (FathomReviewQueue *self,
               guint              keep_row)
{
  guint n = fathom_review_session_get_n_rows (self->session);
  g_autofree guint *order = fathom_review_session_sort (self->session, self->sort);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (items, fathom_review_item_new (order[i],
                                                      fathom_run_predictions_get_row (fathom_review_session_get_predictions (self->session), order[i])->file,
                                                      fathom_review_session_get_disagreement (self->session, order[i], self->sort),
                                                      fathom_review_session_get_decision (self->session, order[i])));
      if (order[i] == keep_row)
        position = i;
    }
  self->syncing = TRUE;
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       items->pdata, items->len);
  self->syncing = FALSE;
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;
  self->position = GTK_INVALID_LIST_POSITION;
  fathom_review_queue_set_position (self, position);
}

/* The first undecided photo after position (or from the start), or
 * position + 1 when all are done. */
guint
_fathom_review_queue_next_pending (FathomReviewQueue *self,
              guint              after)
{
  guint n = fathom_review_queue_get_n_rows (self);

  for (guint i = after == GTK_INVALID_LIST_POSITION ? 0 : after + 1; i < n; i++)
    if (fathom_review_item_get_decision (_fathom_review_queue_item_at (self, i)) == FATHOM_REVIEW_PENDING)
      return i;
  if (after == GTK_INVALID_LIST_POSITION)
    return 0;
  return MIN (after + 1, n - 1);
}

void
_fathom_review_queue_fill_sort_dropdown (FathomReviewQueue *self)
{
  guint selected = 0;

  /* emptying the list moves the dropdown too: not the user's choice */
  self->syncing = TRUE;
  self->n_sorts = 0;
  gtk_string_list_splice (self->sort_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->sort_names)), NULL);
  for (FathomReviewSort s = 0; s < FATHOM_REVIEW_N_SORTS; s++)
    if (fathom_review_session_has_sort (self->session, s))
      {
        if (s == self->sort)
          selected = self->n_sorts;
        self->sorts[self->n_sorts++] = s;
        gtk_string_list_append (self->sort_names, fathom_review_sort_get_title (s));
      }
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->sort_dropdown), selected);
  self->syncing = FALSE;
}

static void
on_sort_selected (GtkDropDown       *dropdown,
                  GParamSpec        *pspec,
                  FathomReviewQueue *self)
{
  guint i = gtk_drop_down_get_selected (dropdown);

  if (!self->syncing && i < self->n_sorts)
    fathom_review_queue_set_sort (self, self->sorts[i]);
}

GtkWidget *
_fathom_review_queue_build_sidebar (FathomReviewQueue *self)
{
  GtkWidget *side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (row_ui, sizeof row_ui - 1);
  GtkListItemFactory *factory = gtk_builder_list_item_factory_new_from_bytes (NULL, bytes);

  self->sort_names = gtk_string_list_new (NULL);
  self->sort_dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->sort_names)), NULL);
  gtk_widget_set_tooltip_text (self->sort_dropdown, "Sort by");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sort_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Sort by disagreement", -1);
  g_signal_connect (self->sort_dropdown, "notify::selected", G_CALLBACK (on_sort_selected), self);
  self->progress = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->progress), 0.f);
  gtk_widget_add_css_class (self->progress, "dim-label");

  self->store = g_list_store_new (FATHOM_TYPE_REVIEW_ITEM);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->store)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  g_signal_connect (self->selection, "notify::selected", G_CALLBACK (on_selected_changed), self);
  self->list = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Photos to review, most disagreeing first", -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);

  gtk_box_append (GTK_BOX (side), self->sort_dropdown);
  gtk_box_append (GTK_BOX (side), self->progress);
  gtk_box_append (GTK_BOX (side), scroller);
  gtk_widget_set_size_request (side, 240, -1);
  g_object_set (side, "margin-start", 6, "margin-top", 6, "margin-bottom", 6, NULL);
  return side;
}
