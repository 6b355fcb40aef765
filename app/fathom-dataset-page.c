/* fathom-dataset-page.c: the overview and the photos of the open dataset. */
#include "fathom-dataset-page.h"

#include <math.h>

#include <glib/gi18n.h>

#include "fathom-dataset-item.h"

struct _FathomDatasetPage
{
  AdwBin                parent_instance;

  AdwViewStack         *stack;
  FathomDatasetSummary *summary;
  FathomDatasetBrowser *browser;
  FathomImageView      *image_view;
  GtkLabel             *caption;
  GtkPaned             *paned;
  FathomLeakagePanel   *leakage;

  /* The photo shown: its index in the dataset, or -1. */
  gint64                shown_index;
  /* Moves the focus to the photo once the grid's click is done. */
  guint                 focus_id;
  /* The divider was placed on the first allocation. */
  gboolean              placed;
};

G_DEFINE_FINAL_TYPE (FathomDatasetPage, fathom_dataset_page, ADW_TYPE_BIN)

GtkWidget *
fathom_dataset_page_new (void)
{
  return g_object_new (FATHOM_TYPE_DATASET_PAGE, NULL);
}

static GListModel *
photos (FathomDatasetPage *self)
{
  return fathom_dataset_browser_get_model (self->browser);
}

/* The position in the filtered list of the photo with dataset index
 * index, or GTK_INVALID_LIST_POSITION. */
static guint
find_position (FathomDatasetPage *self,
               guint              index)
{
  GListModel *model = photos (self);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (model, i);

      if (fathom_dataset_item_object_get_index (item) == index)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
set_caption (FathomDatasetPage       *self,
             FathomDatasetItemObject *item,
             const GError            *error)
{
  g_autoptr(GString) text = NULL;
  FathomBox box;

  if (item == NULL)
    {
      gtk_label_set_text (self->caption, _("No photo: activate one in the grid"));
      return;
    }

  text = g_string_new (fathom_dataset_item_object_get_basename (item));
  g_string_append_printf (text, " · %s · %d × %d",
                          fathom_dataset_item_object_get_class_name (item) != NULL
                          ? fathom_dataset_item_object_get_class_name (item) : _("no label"),
                          fathom_dataset_item_object_get_width (item),
                          fathom_dataset_item_object_get_height (item));
  if (fathom_dataset_item_object_get_box (item, &box))
    {
      guint n_others = fathom_dataset_item_object_get_other_boxes (item)->len;

      g_string_append_printf (text, _(" · box %.0f, %.0f, %.0f × %.0f"),
                              box.x, box.y, box.width, box.height);
      if (n_others > 0)
        g_string_append_printf (text, _(", the largest of %u marked (the others dashed)"), n_others + 1);
    }
  else
    g_string_append (text, _(" · no box"));
  if (error != NULL)
    g_string_append_printf (text, " · %s", error->message);
  gtk_label_set_text (self->caption, text->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->caption),
                               fathom_dataset_item_object_get_filename (item));
}

/* Keeps the grid's selection on the photo shown, in view. */
static void
select_in_grid (FathomDatasetPage *self,
                guint              position)
{
  FathomThumbnailGrid *grid = fathom_dataset_browser_get_grid (self->browser);
  GtkGridView *grid_view = fathom_thumbnail_grid_get_grid_view (grid);
  GtkSelectionModel *selection = gtk_grid_view_get_model (grid_view);

  if (selection == NULL || position >= g_list_model_get_n_items (G_LIST_MODEL (selection)))
    return;
  if (!gtk_selection_model_is_selected (selection, position))
    gtk_selection_model_select_item (selection, position, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (grid_view), "list.scroll-to-item", "u", position);
}

/* Loads the photo at position of the filtered list into the view, with
 * its true box and class. */
static void
show_position (FathomDatasetPage *self,
               guint              position)
{
  g_autoptr(FathomDatasetItemObject) item = NULL;
  g_autoptr(GError) error = NULL;
  FathomBox box;

  if (position != GTK_INVALID_LIST_POSITION)
    item = g_list_model_get_item (photos (self), position);
  if (item == NULL)
    {
      self->shown_index = -1;
      fathom_image_view_set_image (self->image_view, NULL);
      fathom_image_view_set_true_box (self->image_view, NULL, NULL);
      fathom_image_view_set_other_boxes (self->image_view, NULL);
      set_caption (self, NULL, NULL);
      return;
    }

  self->shown_index = fathom_dataset_item_object_get_index (item);
  if (!fathom_image_view_set_image_path (self->image_view,
                                         fathom_dataset_item_object_get_filename (item),
                                         &error))
    fathom_image_view_set_image (self->image_view, NULL);
  fathom_image_view_set_pred_box (self->image_view, NULL, NULL, NAN, NAN);
  fathom_image_view_set_true_box (self->image_view,
                                  fathom_dataset_item_object_get_box (item, &box) ? &box : NULL,
                                  fathom_dataset_item_object_get_class_name (item));
  fathom_image_view_set_other_boxes (self->image_view, fathom_dataset_item_object_get_other_boxes (item));
  set_caption (self, item, error);
  select_in_grid (self, position);
}

static void
on_current_changed (FathomDatasetPage *self,
                    guint              position)
{
  show_position (self, position);
}

static gboolean
focus_photo (gpointer data)
{
  FathomDatasetPage *self = data;

  self->focus_id = 0;
  gtk_widget_grab_focus (GTK_WIDGET (self->image_view));
  return G_SOURCE_REMOVE;
}

static void
on_item_activated (FathomDatasetPage *self,
                   guint              index)
{
  guint position = find_position (self, index);

  if (position == GTK_INVALID_LIST_POSITION)
    return;
  if (position == fathom_image_view_get_current (self->image_view))
    show_position (self, position);
  else
    fathom_image_view_set_current (self->image_view, position);
  /* The arrow keys then travel the photos. After the click that
   * activated it: the grid takes the focus back on release. */
  if (self->focus_id == 0)
    self->focus_id = g_idle_add (focus_photo, self);
}

/* After the view's own handler: the filters changed. The photo shown
 * stays if it passes them; otherwise the view shows its new current one. */
static void
on_photos_changed (FathomDatasetPage *self)
{
  guint current = fathom_image_view_get_current (self->image_view);
  guint position;

  if (current == GTK_INVALID_LIST_POSITION)
    {
      if (self->shown_index >= 0)
        show_position (self, GTK_INVALID_LIST_POSITION);
      return;
    }
  position = self->shown_index >= 0 ? find_position (self, (guint) self->shown_index)
                                    : GTK_INVALID_LIST_POSITION;
  if (position == current)
    select_in_grid (self, position);
  else if (position != GTK_INVALID_LIST_POSITION)
    fathom_image_view_set_current (self->image_view, position);
  else
    show_position (self, current);
}

void
fathom_dataset_page_set_dataset (FathomDatasetPage *self,
                                 FathomDataset     *dataset)
{
  g_return_if_fail (FATHOM_IS_DATASET_PAGE (self));

  fathom_dataset_summary_set_dataset (self->summary, dataset);
  /* The same files may have been rewritten: nothing shown is kept. */
  self->shown_index = -1;
  fathom_image_view_set_model (self->image_view, NULL);
  fathom_dataset_browser_set_dataset (self->browser, dataset);
  fathom_image_view_set_model (self->image_view, photos (self));
  if (fathom_image_view_get_current (self->image_view) == GTK_INVALID_LIST_POSITION)
    show_position (self, GTK_INVALID_LIST_POSITION);
  fathom_worker_panel_set_input (FATHOM_WORKER_PANEL (self->leakage),
                                 dataset != NULL ? fathom_dataset_get_root (dataset) : NULL);
}

void
fathom_dataset_page_set_visible (FathomDatasetPage *self,
                                 const char        *name)
{
  g_return_if_fail (FATHOM_IS_DATASET_PAGE (self));
  adw_view_stack_set_visible_child_name (self->stack, name);
}

const char *
fathom_dataset_page_get_visible (FathomDatasetPage *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_PAGE (self), NULL);
  return adw_view_stack_get_visible_child_name (self->stack);
}

FathomDatasetSummary *
fathom_dataset_page_get_summary (FathomDatasetPage *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_PAGE (self), NULL);
  return self->summary;
}

FathomDatasetBrowser *
fathom_dataset_page_get_browser (FathomDatasetPage *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_PAGE (self), NULL);
  return self->browser;
}

FathomImageView *
fathom_dataset_page_get_image_view (FathomDatasetPage *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_PAGE (self), NULL);
  return self->image_view;
}

GtkLabel *
fathom_dataset_page_get_caption (FathomDatasetPage *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_PAGE (self), NULL);
  return self->caption;
}

FathomLeakagePanel *
fathom_dataset_page_get_leakage_panel (FathomDatasetPage *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_PAGE (self), NULL);
  return self->leakage;
}

static void
fathom_dataset_page_dispose (GObject *object)
{
  FathomDatasetPage *self = FATHOM_DATASET_PAGE (object);

  g_clear_handle_id (&self->focus_id, g_source_remove);
  /* The view lets go of the browser's list before the browser goes. */
  if (self->image_view != NULL)
    fathom_image_view_set_model (self->image_view, NULL);
  self->image_view = NULL;
  self->browser = NULL;
  self->summary = NULL;
  self->caption = NULL;
  self->paned = NULL;
  self->leakage = NULL;
  self->stack = NULL;

  G_OBJECT_CLASS (fathom_dataset_page_parent_class)->dispose (object);
}

static void
fathom_dataset_page_class_init (FathomDatasetPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fathom_dataset_page_dispose;
}

/* Once, when the paned first gets a width: the photo gets about half of
 * it (the browser's natural width would take it all). */
static void
on_max_position (FathomDatasetPage *self)
{
  int max = 0;

  g_object_get (self->paned, "max-position", &max, NULL);
  if (self->placed || max <= 0 || max == G_MAXINT)
    return;
  self->placed = TRUE;
  gtk_paned_set_position (self->paned, max / 2);
}

static GtkWidget *
build_photos (FathomDatasetPage *self)
{
  GtkWidget *right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *caption = gtk_label_new (NULL);
  GtkWidget *view = fathom_image_view_new ();
  GtkWidget *browser = fathom_dataset_browser_new ();
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);

  self->caption = GTK_LABEL (caption);
  gtk_widget_set_name (caption, "photo-caption");
  gtk_label_set_xalign (self->caption, 0.0f);
  /* wrapped, not cut: the middle it cut was the image size, the leak */
  gtk_label_set_wrap (self->caption, TRUE);
  gtk_label_set_wrap_mode (self->caption, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (self->caption, 3);
  gtk_label_set_ellipsize (self->caption, PANGO_ELLIPSIZE_END);
  gtk_label_set_selectable (self->caption, TRUE);
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "numeric");
  gtk_widget_set_margin_start (caption, 12);
  gtk_widget_set_margin_end (caption, 12);
  gtk_widget_set_margin_top (caption, 6);
  gtk_widget_set_margin_bottom (caption, 6);

  self->image_view = FATHOM_IMAGE_VIEW (view);
  gtk_widget_set_hexpand (view, TRUE);
  gtk_widget_set_size_request (view, 240, 180);
  gtk_widget_set_vexpand (view, TRUE);

  gtk_box_append (GTK_BOX (right), caption);
  gtk_box_append (GTK_BOX (right), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (right), view);

  self->browser = FATHOM_DATASET_BROWSER (browser);
  /* The photo takes the leak table's place beside the grid (the Leak
   * button brings it back; the overview has the same table). */
  {
    GtkWidget *revealer = gtk_widget_get_ancestor (GTK_WIDGET (fathom_dataset_browser_get_leak_table (self->browser)),
                                                   GTK_TYPE_REVEALER);

    if (revealer != NULL)
      gtk_revealer_set_reveal_child (GTK_REVEALER (revealer), FALSE);
  }
  gtk_widget_set_hexpand (browser, TRUE);
  gtk_widget_set_vexpand (browser, TRUE);

  self->paned = GTK_PANED (paned);
  /* The browser's toolbar and counts bar set its minimum width: the
   * divider stops there rather than cutting them off. */
  gtk_paned_set_start_child (self->paned, browser);
  gtk_paned_set_end_child (self->paned, right);
  gtk_paned_set_resize_start_child (self->paned, TRUE);
  gtk_paned_set_resize_end_child (self->paned, TRUE);
  gtk_paned_set_shrink_start_child (self->paned, FALSE);
  gtk_paned_set_shrink_end_child (self->paned, FALSE);
  gtk_paned_set_wide_handle (self->paned, TRUE);

  g_signal_connect_object (paned, "notify::max-position", G_CALLBACK (on_max_position), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (view, "current-changed", G_CALLBACK (on_current_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (browser, "item-activated", G_CALLBACK (on_item_activated), self,
                           G_CONNECT_SWAPPED);
  /* after the view's handler, which moves its current item first */
  g_signal_connect_object (photos (self), "items-changed", G_CALLBACK (on_photos_changed), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  return paned;
}

static void
fathom_dataset_page_init (FathomDatasetPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *switcher = adw_view_switcher_new ();
  GtkWidget *bar = gtk_center_box_new ();
  GtkWidget *summary = fathom_dataset_summary_new (FALSE);
  AdwViewStackPage *page;

  self->shown_index = -1;
  self->stack = ADW_VIEW_STACK (adw_view_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);

  self->summary = FATHOM_DATASET_SUMMARY (summary);
  page = adw_view_stack_add_titled (self->stack, summary, "overview", _("_Overview"));
  adw_view_stack_page_set_use_underline (page, TRUE);
  adw_view_stack_page_set_icon_name (page, "view-list-bullet-symbolic");
  page = adw_view_stack_add_titled (self->stack, build_photos (self), "photos", _("_Photos"));
  adw_view_stack_page_set_use_underline (page, TRUE);
  adw_view_stack_page_set_icon_name (page, "image-x-generic-symbolic");
  /* What the image size gives away: the study, one click from the photos. */
  self->leakage = FATHOM_LEAKAGE_PANEL (fathom_leakage_panel_new ());
  page = adw_view_stack_add_titled (self->stack, GTK_WIDGET (self->leakage), "leakage", _("_Leakage"));
  adw_view_stack_page_set_use_underline (page, TRUE);
  adw_view_stack_page_set_icon_name (page, "edit-find-symbolic");

  adw_view_switcher_set_policy (ADW_VIEW_SWITCHER (switcher), ADW_VIEW_SWITCHER_POLICY_WIDE);
  adw_view_switcher_set_stack (ADW_VIEW_SWITCHER (switcher), self->stack);
  gtk_center_box_set_center_widget (GTK_CENTER_BOX (bar), switcher);
  gtk_widget_add_css_class (bar, "toolbar");

  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->stack));
  adw_bin_set_child (ADW_BIN (self), box);

  fathom_image_view_set_model (self->image_view, photos (self));
  set_caption (self, NULL, NULL);
}
