/* fathom-run-view-list.c: the run view's list of validation photos: the
 * rows, their order and filters, and how a row looks. */
#include "fathom-run-view-private.h"

#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (FathomRunRow, fathom_run_row, G_TYPE_OBJECT)

static void
fathom_run_row_class_init (FathomRunRowClass *klass)
{
}

static void
fathom_run_row_init (FathomRunRow *self)
{
}

static const char *const sort_names[] = {
  "File order", "Wrong class first", "Lowest IoU first", "Least sure of the true class", NULL,
};

/* ---- order and filters ------------------------------------------------- */

static const FathomRunPrediction *
prediction_of (FathomRunView *self,
               gpointer       item)
{
  guint index = ((FathomRunRow *) item)->index;

  if (self->predictions == NULL || index >= fathom_run_predictions_get_n_rows (self->predictions))
    return NULL;
  return fathom_run_predictions_get_row (self->predictions, index);
}

static int
compare_numbers (double a,
                 double b)
{
  /* NaN (no value) after every number */
  if (isnan (a) || isnan (b))
    return isnan (a) - isnan (b);
  return a < b ? -1 : a > b;
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  FathomRunView *self = user_data;
  const FathomRunPrediction *x = prediction_of (self, (gpointer) a), *y = prediction_of (self, (gpointer) b);
  guint ia = ((FathomRunRow *) a)->index, ib = ((FathomRunRow *) b)->index;
  int order = 0;

  if (x == NULL || y == NULL)
    return ia < ib ? GTK_ORDERING_SMALLER : ia > ib ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
  switch (self->sort)
    {
    case FATHOM_RUN_VIEW_SORT_WRONG_FIRST:
      {
        gboolean wx = x->true_class != x->pred_class, wy = y->true_class != y->pred_class;

        /* the surest mistakes first, then the least sure right answers */
        order = wx != wy ? wy - wx
              : wx ? compare_numbers (y->probs[y->pred_class], x->probs[x->pred_class])
              : compare_numbers (x->probs[x->pred_class], y->probs[y->pred_class]);
      }
      break;
    case FATHOM_RUN_VIEW_SORT_LOWEST_IOU:
      order = compare_numbers (x->iou, y->iou);
      break;
    case FATHOM_RUN_VIEW_SORT_LEAST_SURE:
      order = compare_numbers (x->probs[x->true_class], y->probs[y->true_class]);
      break;
    case FATHOM_RUN_VIEW_SORT_FILE:
    default:
      break;
    }
  if (order == 0)
    order = ia < ib ? -1 : ia > ib;
  return order < 0 ? GTK_ORDERING_SMALLER : order > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static gboolean
contains_casefolded (const char *text,
                     const char *needle)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);

  return strstr (folded, needle) != NULL;
}

gboolean
_fathom_run_view_row_passes (FathomRunView             *self,
                             const FathomRunPrediction *p)
{
  const char *const *names = fathom_run_predictions_get_class_names (self->predictions);

  if (self->wrong_only && p->true_class == p->pred_class)
    return FALSE;
  return self->search_text == NULL || contains_casefolded (p->file, self->search_text) ||
         contains_casefolded (names[p->true_class], self->search_text) ||
         contains_casefolded (names[p->pred_class], self->search_text);
}

static gboolean
filter_row (gpointer item,
            gpointer user_data)
{
  FathomRunView *self = user_data;
  const FathomRunPrediction *p = prediction_of (self, item);

  return p != NULL && _fathom_run_view_row_passes (self, p);
}

int
_fathom_run_view_row_at (FathomRunView *self,
                         guint          position)
{
  g_autoptr(FathomRunRow) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  return item != NULL ? (int) item->index : -1;
}

void
_fathom_run_view_replace_rows (FathomRunView *self)
{
  guint n = self->predictions != NULL ? fathom_run_predictions_get_n_rows (self->predictions) : 0;
  g_autoptr(GPtrArray) items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      FathomRunRow *row = g_object_new (FATHOM_TYPE_RUN_ROW, NULL);

      row->index = i;
      g_ptr_array_add (items, row);
    }
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       items->pdata, n);
}

/* ---- rows -------------------------------------------------------------- */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           FathomRunView            *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *mark = gtk_image_new ();
  GtkWidget *file = gtk_label_new (NULL);
  GtkWidget *classes = gtk_label_new (NULL);
  GtkWidget *prob = gtk_label_new (NULL);
  GtkWidget *iou = gtk_label_new (NULL);

  gtk_image_set_pixel_size (GTK_IMAGE (mark), 16);
  gtk_widget_set_size_request (mark, 16, 16);
  gtk_label_set_xalign (GTK_LABEL (file), 0.f);
  gtk_label_set_ellipsize (GTK_LABEL (file), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_width_chars (GTK_LABEL (file), 10);
  gtk_widget_set_hexpand (file, TRUE);
  gtk_label_set_width_chars (GTK_LABEL (classes), 11);
  gtk_label_set_xalign (GTK_LABEL (prob), 1.f);
  gtk_label_set_width_chars (GTK_LABEL (prob), 4);
  gtk_label_set_xalign (GTK_LABEL (iou), 1.f);
  gtk_label_set_width_chars (GTK_LABEL (iou), 8);
  gtk_widget_add_css_class (prob, "numeric");
  gtk_widget_add_css_class (iou, "numeric");
  gtk_widget_add_css_class (iou, "dim-label");
  gtk_box_append (GTK_BOX (box), mark);
  gtk_box_append (GTK_BOX (box), file);
  gtk_box_append (GTK_BOX (box), classes);
  gtk_box_append (GTK_BOX (box), prob);
  gtk_box_append (GTK_BOX (box), iou);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_list_item_set_child (item, box);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          FathomRunView            *self)
{
  const FathomRunPrediction *p = prediction_of (self, gtk_list_item_get_item (item));
  const char *const *names;
  GtkWidget *mark = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *file = gtk_widget_get_next_sibling (mark);
  GtkWidget *classes = gtk_widget_get_next_sibling (file);
  GtkWidget *prob = gtk_widget_get_next_sibling (classes);
  GtkWidget *iou = gtk_widget_get_next_sibling (prob);
  g_autofree char *base = NULL, *pair = NULL, *prob_s = NULL, *iou_s = NULL;
  gboolean wrong;

  if (p == NULL)
    return;
  names = fathom_run_predictions_get_class_names (self->predictions);
  wrong = p->true_class != p->pred_class;
  base = g_path_get_basename (p->file);
  pair = wrong ? g_strdup_printf ("%s → %s", names[p->true_class], names[p->pred_class])
               : g_strdup (names[p->true_class]);
  prob_s = g_strdup_printf ("%.2f", p->probs[p->pred_class]);
  iou_s = isnan (p->iou) ? g_strdup ("") : g_strdup_printf ("IoU %.2f", p->iou);
  gtk_image_set_from_icon_name (GTK_IMAGE (mark), wrong ? "dialog-warning-symbolic" : NULL);
  gtk_widget_set_tooltip_text (mark, wrong ? "Wrong class" : NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (mark), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  wrong ? "Wrong class" : "Right class", -1);
  gtk_label_set_text (GTK_LABEL (file), base);
  gtk_widget_set_tooltip_text (file, p->file);
  gtk_label_set_text (GTK_LABEL (classes), pair);
  gtk_widget_set_tooltip_text (classes, wrong ? "True class → predicted class" : "True and predicted class");
  if (wrong)
    gtk_widget_add_css_class (classes, "error");
  else
    gtk_widget_remove_css_class (classes, "error");
  gtk_label_set_text (GTK_LABEL (prob), prob_s);
  gtk_widget_set_tooltip_text (prob, "Probability of the predicted class");
  gtk_label_set_text (GTK_LABEL (iou), iou_s);
}

void
_fathom_run_view_update_count (FathomRunView *self)
{
  guint n = self->predictions != NULL ? fathom_run_predictions_get_n_rows (self->predictions) : 0;
  guint listed = g_list_model_get_n_items (G_LIST_MODEL (self->filtered)), wrong = 0;
  g_autofree char *text = NULL;

  for (guint i = 0; i < n; i++)
    {
      const FathomRunPrediction *p = fathom_run_predictions_get_row (self->predictions, i);

      wrong += p->true_class != p->pred_class;
    }
  if (self->predictions == NULL)
    text = g_strdup (self->run_dir != NULL ? "No predictions.csv: the run has not evaluated its "
                                             "validation photos" : "No run");
  else if (listed == n)
    text = g_strdup_printf ("%u validation photos, %u of the wrong class", n, wrong);
  else
    text = g_strdup_printf ("%u of %u validation photos (%u of the wrong class)", listed, n, wrong);
  gtk_label_set_text (GTK_LABEL (self->count), text);
}

/* ---- public API -------------------------------------------------------- */

void
fathom_run_view_set_sort (FathomRunView     *self,
                          FathomRunViewSort  sort)
{
  g_return_if_fail (FATHOM_IS_RUN_VIEW (self));
  g_return_if_fail (sort <= FATHOM_RUN_VIEW_SORT_LEAST_SURE);
  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->sort_drop)) != sort)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->sort_drop), sort);
  if (sort == self->sort)
    return;
  self->sort = sort;
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  _fathom_run_view_sync (self);
}

FathomRunViewSort
fathom_run_view_get_sort (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), FATHOM_RUN_VIEW_SORT_FILE);
  return self->sort;
}

static void
refilter (FathomRunView *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  _fathom_run_view_update_count (self);
  _fathom_run_view_sync (self);
}

void
fathom_run_view_set_wrong_only (FathomRunView *self,
                                gboolean       wrong_only)
{
  g_return_if_fail (FATHOM_IS_RUN_VIEW (self));
  wrong_only = !!wrong_only;
  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->wrong_toggle)) != wrong_only)
    gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->wrong_toggle), wrong_only);
  if (wrong_only == self->wrong_only)
    return;
  self->wrong_only = wrong_only;
  refilter (self);
}

void
fathom_run_view_set_search (FathomRunView *self,
                            const char    *text)
{
  g_autofree char *folded = NULL;

  g_return_if_fail (FATHOM_IS_RUN_VIEW (self));
  if (text != NULL && *text != '\0')
    folded = g_utf8_casefold (text, -1);
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search)), text != NULL ? text : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->search), text != NULL ? text : "");
  if (g_strcmp0 (folded, self->search_text) == 0)
    return;
  g_free (self->search_text);
  self->search_text = g_steal_pointer (&folded);
  refilter (self);
}

guint
fathom_run_view_get_n_listed (FathomRunView *self)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
}

guint
fathom_run_view_get_listed_row (FathomRunView *self,
                                guint          position)
{
  g_return_val_if_fail (FATHOM_IS_RUN_VIEW (self), G_MAXUINT);
  g_return_val_if_fail (position < fathom_run_view_get_n_listed (self), G_MAXUINT);
  return (guint) _fathom_run_view_row_at (self, position);
}

/* ---- building ---------------------------------------------------------- */

static void
on_sort_selected (GtkDropDown   *drop,
                  GParamSpec    *pspec,
                  FathomRunView *self)
{
  guint sort = gtk_drop_down_get_selected (drop);

  if (sort <= FATHOM_RUN_VIEW_SORT_LEAST_SURE)
    fathom_run_view_set_sort (self, sort);
}

static void
on_wrong_toggled (GtkToggleButton *button,
                  FathomRunView   *self)
{
  fathom_run_view_set_wrong_only (self, gtk_toggle_button_get_active (button));
}

static void
on_search_changed (GtkSearchEntry *entry,
                   FathomRunView  *self)
{
  fathom_run_view_set_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

/* Sort, filters, count and the list of validation photos. */
GtkWidget *
_fathom_run_view_build_list (FathomRunView *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkSortListModel *sorted;

  _fathom_run_view_set_margins (box, 6);
  self->rows = g_list_store_new (FATHOM_TYPE_RUN_ROW);
  self->sorter = gtk_custom_sorter_new (compare_rows, self, NULL);
  self->filter = gtk_custom_filter_new (filter_row, self, NULL);
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)),
                                    g_object_ref (GTK_SORTER (self->sorter)));
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (sorted), g_object_ref (GTK_FILTER (self->filter)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));

  self->sort_drop = gtk_drop_down_new_from_strings (sort_names);
  gtk_widget_set_tooltip_text (self->sort_drop, "Order of the photos");
  _fathom_run_view_set_label (self->sort_drop, "Sort the validation photos");
  self->wrong_toggle = gtk_toggle_button_new_with_mnemonic ("_Wrong Only");
  gtk_widget_set_tooltip_text (self->wrong_toggle, "Only the photos given the wrong class");
  self->search = gtk_search_entry_new ();
  gtk_widget_set_hexpand (self->search, TRUE);
  g_object_set (self->search, "placeholder-text", "File or class", NULL);
  _fathom_run_view_set_label (self->search, "Search the validation photos by file or class");
  gtk_box_append (GTK_BOX (bar), self->sort_drop);
  gtk_box_append (GTK_BOX (bar), self->wrong_toggle);
  gtk_box_append (GTK_BOX (bar), self->search);

  self->count = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->count), 0.f);
  gtk_label_set_wrap (GTK_LABEL (self->count), TRUE);
  gtk_widget_add_css_class (self->count, "dim-label");

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  self->list = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory);
  _fathom_run_view_set_label (self->list, "Validation photos");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_size_request (scrolled, 320, 120);

  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (_fathom_run_view_sync), self);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (_fathom_run_view_sync), self);
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (_fathom_run_view_update_count), self);
  g_signal_connect (self->sort_drop, "notify::selected", G_CALLBACK (on_sort_selected), self);
  g_signal_connect (self->wrong_toggle, "toggled", G_CALLBACK (on_wrong_toggled), self);
  g_signal_connect (self->search, "search-changed", G_CALLBACK (on_search_changed), self);

  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), self->count);
  gtk_box_append (GTK_BOX (box), scrolled);
  return box;
}
