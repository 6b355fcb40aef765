/* fathom-dataset-browser.c: the thumbnail grid and its controls (see
 * fathom-dataset-browser.h).
 *
 * Main-thread costs: binding or unbinding a cell is O(1) (labels, a cache
 * lookup or a queued request, a cancel); a filter change is one pass over
 * the item array for the counts, beside GtkFilterListModel's own; nothing
 * reads a file, since sizes, classes and problems came with the dataset.
 */
#include "fathom-dataset-browser.h"

#include <adwaita.h>
#include <string.h>

#include "fathom-thumbnail-grid.h"

typedef struct {
  int   width;
  int   height;
  guint count;
} SizeChoice;

struct _FathomDatasetBrowser
{
  GtkWidget             parent_instance;

  /* owned */
  GListStore           *store;
  FathomDatasetFilter  *filter;
  GtkFilterListModel   *filtered;
  FathomThumbnailCache *cache;
  GPtrArray            *items;          /* the store's items, for counting */
  GStrv                 class_names;
  GArray               *sizes;          /* SizeChoice: the size dropdown after "All" */
  guint                *counts;         /* per class, then unlabelled: under the filters */
  guint                 n_unlabelled;
  char                 *unreadable;     /* the status tooltip, or NULL */
  char                 *shown_search;   /* the filter's search at the last sync */
  guint                 n_unreadable;

  /* borrowed: all inside box, our only child */
  GtkWidget            *box;
  GtkWidget            *class_dropdown;
  GtkWidget            *size_dropdown;
  GtkWidget            *problems_button;
  GtkWidget            *search_entry;
  GtkWidget            *status_label;
  GtkWidget            *counts_bar;
  GtkWidget            *stack;
  GtkWidget            *empty_page;
  GtkWidget            *grid;
  GtkWidget            *leak_revealer;
  GtkWidget            *leak_table;

  gboolean              syncing;        /* moving controls ourselves */
};

G_DEFINE_FINAL_TYPE (FathomDatasetBrowser, fathom_dataset_browser, GTK_TYPE_WIDGET)

enum {
  ITEM_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static guint
n_classes (FathomDatasetBrowser *self)
{
  return g_strv_length (self->class_names);
}

/* ---- filters, counts and controls ------------------------------------------ */

static void
update_status (FathomDatasetBrowser *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint total = self->items->len;
  GString *text = g_string_new (NULL);

  if (shown == total)
    g_string_append_printf (text, total == 1 ? "%u photo" : "%u photos", total);
  else
    g_string_append_printf (text, "%u of %u photos", shown, total);
  if (self->n_unreadable > 0)
    g_string_append_printf (text, " · %u unreadable", self->n_unreadable);
  gtk_label_set_text (GTK_LABEL (self->status_label), text->str);
  gtk_widget_set_tooltip_text (self->status_label, self->unreadable);
  g_string_free (text, TRUE);

  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page),
                             total == 0 ? "No Photos" : "No Matching Photos");
  adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page),
                                   total == 0 ? "Open a dataset folder to browse its photos."
                                              : "Try another class, size or search.");
  gtk_stack_set_visible_child (GTK_STACK (self->stack), shown > 0 ? self->grid : self->empty_page);
}

/* The controls show the filter, whoever changed it. */
static void
sync_controls (FathomDatasetBrowser *self)
{
  int k = fathom_dataset_filter_get_class (self->filter), w, h;
  const char *search = fathom_dataset_filter_get_search (self->filter);
  guint row = 0;

  fathom_dataset_filter_get_size (self->filter, &w, &h);
  for (guint i = 0; i < self->sizes->len && w > 0; i++)
    if (g_array_index (self->sizes, SizeChoice, i).width == w && g_array_index (self->sizes, SizeChoice, i).height == h)
      row = i + 1;
  self->syncing = TRUE;
  /* class rows: All, the classes, then Unlabelled where there are such */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->class_dropdown),
                              k == FATHOM_DATASET_FILTER_ANY_CLASS ? 0
                              : k >= 0 && (guint) k < n_classes (self) ? (guint) k + 1
                              : self->n_unlabelled > 0 && k == -1 ? n_classes (self) + 1
                              : GTK_INVALID_LIST_POSITION);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->size_dropdown), w > 0 && row == 0 ? GTK_INVALID_LIST_POSITION : row);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->problems_button),
                                fathom_dataset_filter_get_problems_only (self->filter));
  /* only when the search itself changed elsewhere: text typed but not yet
   * sent (the entry waits for a pause) must survive a click on a class */
  if (g_strcmp0 (search, self->shown_search) != 0)
    {
      g_free (self->shown_search);
      self->shown_search = g_strdup (search);
      if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), search ? search : "") != 0)
        gtk_editable_set_text (GTK_EDITABLE (self->search_entry), search ? search : "");
    }
  fathom_class_counts_bar_set_current (FATHOM_CLASS_COUNTS_BAR (self->counts_bar), k);
  self->syncing = FALSE;
}

static void
filter_changed (FathomDatasetBrowser *self)
{
  guint nk = n_classes (self);

  memset (self->counts, 0, sizeof (guint) * (nk + 1));
  for (guint i = 0; i < self->items->len; i++)
    {
      FathomDatasetItemObject *item = g_ptr_array_index (self->items, i);
      int k = fathom_dataset_item_object_get_class_index (item);

      if (fathom_dataset_filter_match_except_class (self->filter, item))
        self->counts[k >= 0 && (guint) k < nk ? (guint) k : nk]++;
    }
  fathom_class_counts_bar_set_counts (FATHOM_CLASS_COUNTS_BAR (self->counts_bar), self->counts);
  sync_controls (self);
  update_status (self);
}

static void
class_dropdown_changed (FathomDatasetBrowser *self)
{
  guint row = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->class_dropdown));

  if (!self->syncing && row != GTK_INVALID_LIST_POSITION)
    fathom_dataset_filter_set_class (self->filter, row == 0 ? FATHOM_DATASET_FILTER_ANY_CLASS
                                                   : row <= n_classes (self) ? (int) row - 1 : -1);
}

static void
size_dropdown_changed (FathomDatasetBrowser *self)
{
  guint row = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->size_dropdown));
  SizeChoice *choice;

  if (self->syncing || row == GTK_INVALID_LIST_POSITION)
    return;
  choice = row > 0 && row <= self->sizes->len ? &g_array_index (self->sizes, SizeChoice, row - 1) : NULL;
  fathom_dataset_filter_set_size (self->filter, choice ? choice->width : 0, choice ? choice->height : 0);
}

static void
problems_toggled (FathomDatasetBrowser *self)
{
  if (!self->syncing)
    fathom_dataset_filter_set_problems_only (self->filter,
                                             gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->problems_button)));
}

static void
search_changed (FathomDatasetBrowser *self)
{
  if (!self->syncing)
    fathom_dataset_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
grid_activated (FathomDatasetBrowser *self,
                guint                 position)
{
  g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  if (item != NULL)
    g_signal_emit (self, signals[ITEM_ACTIVATED], 0, fathom_dataset_item_object_get_index (item));
}

static void
class_selected (FathomDatasetBrowser *self,
                int                   class_index)
{
  fathom_dataset_filter_set_class (self->filter, class_index);
}

/* ---- loading --------------------------------------------------------------- */

static int
compare_sizes (gconstpointer a,
               gconstpointer b)
{
  const SizeChoice *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return x->width != y->width ? x->width - y->width : x->height - y->height;
}

/* Class and size totals for the dropdowns, in one pass. */
static void
fill_dropdowns (FathomDatasetBrowser *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GtkStringList) classes = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) sizes = gtk_string_list_new (NULL);
  guint nk = n_classes (self);
  g_autofree guint *totals = g_new0 (guint, nk + 1);

  g_array_set_size (self->sizes, 0);
  for (guint i = 0; i < self->items->len; i++)
    {
      FathomDatasetItemObject *item = g_ptr_array_index (self->items, i);
      int k = fathom_dataset_item_object_get_class_index (item);
      SizeChoice s = { fathom_dataset_item_object_get_width (item), fathom_dataset_item_object_get_height (item), 0 };
      gint64 key = ((gint64) s.width << 32) | (guint32) s.height;
      gpointer index;

      totals[k >= 0 && (guint) k < nk ? (guint) k : nk]++;
      if (!g_hash_table_lookup_extended (seen, &key, NULL, &index))
        {
          index = GUINT_TO_POINTER (self->sizes->len);
          g_array_append_val (self->sizes, s);
          g_hash_table_insert (seen, g_memdup2 (&key, sizeof key), index);
        }
      g_array_index (self->sizes, SizeChoice, GPOINTER_TO_UINT (index)).count++;
    }
  g_array_sort (self->sizes, compare_sizes);
  self->n_unlabelled = totals[nk];

  gtk_string_list_take (classes, g_strdup_printf ("All classes (%u)", self->items->len));
  for (guint k = 0; k < nk; k++)
    gtk_string_list_take (classes, g_strdup_printf ("%s (%u)", self->class_names[k], totals[k]));
  if (self->n_unlabelled > 0)
    gtk_string_list_take (classes, g_strdup_printf ("Unlabelled (%u)", self->n_unlabelled));
  gtk_string_list_take (sizes, g_strdup_printf ("All sizes (%u)", self->items->len));
  for (guint i = 0; i < self->sizes->len; i++)
    {
      SizeChoice *s = &g_array_index (self->sizes, SizeChoice, i);

      gtk_string_list_take (sizes, g_strdup_printf ("%d×%d (%u)", s->width, s->height, s->count));
    }
  self->syncing = TRUE;
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->class_dropdown), G_LIST_MODEL (classes));
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->size_dropdown), G_LIST_MODEL (sizes));
  self->syncing = FALSE;
}

static void
load_items (FathomDatasetBrowser *self,
            GListModel           *items,
            const char * const   *class_names)
{
  static const char *const none[] = { NULL };
  guint n = items != NULL ? g_list_model_get_n_items (items) : 0;

  /* old thumbnails may be of files since rewritten (a regenerated set) */
  fathom_thumbnail_cache_clear (self->cache);
  g_strfreev (self->class_names);
  self->class_names = g_strdupv ((char **) (class_names != NULL ? class_names : none));
  g_ptr_array_set_size (self->items, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->items, g_list_model_get_item (items, i));
  g_free (self->counts);
  self->counts = g_new0 (guint, n_classes (self) + 1);

  fill_dropdowns (self);
  fathom_class_counts_bar_set_classes (FATHOM_CLASS_COUNTS_BAR (self->counts_bar),
                                       (const char *const *) self->class_names, self->n_unlabelled > 0);
  fathom_leak_table_set_items (FATHOM_LEAK_TABLE (self->leak_table), items,
                               (const char *const *) self->class_names);
  /* one items-changed for the whole set */
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       self->items->pdata, self->items->len);
  fathom_dataset_filter_reset (self->filter);
  filter_changed (self);
}

void
fathom_dataset_browser_set_items (FathomDatasetBrowser *self,
                                  GListModel           *items,
                                  const char * const   *class_names)
{
  g_return_if_fail (FATHOM_IS_DATASET_BROWSER (self));
  g_return_if_fail (items == NULL || G_IS_LIST_MODEL (items));

  self->n_unreadable = 0;
  g_clear_pointer (&self->unreadable, g_free);
  load_items (self, items, class_names);
}

void
fathom_dataset_browser_set_dataset (FathomDatasetBrowser *self,
                                    FathomDataset        *dataset)
{
  g_autoptr(GListStore) items = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GString *unreadable = NULL;

  g_return_if_fail (FATHOM_IS_DATASET_BROWSER (self));

  if (dataset == NULL)
    {
      fathom_dataset_browser_set_items (self, NULL, NULL);
      return;
    }
  items = fathom_dataset_item_object_list_new (dataset);
  for (guint k = 0; k < fathom_dataset_get_n_classes (dataset); k++)
    g_ptr_array_add (names, (gpointer) fathom_dataset_get_class_name (dataset, k));
  g_ptr_array_add (names, NULL);

  /* files the scan skipped: counted in the status, named in its tooltip */
  self->n_unreadable = fathom_dataset_get_n_problems (dataset);
  g_clear_pointer (&self->unreadable, g_free);
  for (guint i = 0; i < self->n_unreadable && i < 10; i++)
    {
      if (unreadable == NULL)
        unreadable = g_string_new ("Skipped:");
      g_string_append_printf (unreadable, "\n%s", fathom_dataset_get_problem (dataset, i)->message);
    }
  if (self->n_unreadable > 10)
    g_string_append_printf (unreadable, "\n… and %u more", self->n_unreadable - 10);
  self->unreadable = unreadable != NULL ? g_string_free (unreadable, FALSE) : NULL;
  load_items (self, G_LIST_MODEL (items), (const char *const *) names->pdata);
}

/* ---- accessors --------------------------------------------------------------- */

FathomDatasetFilter *
fathom_dataset_browser_get_filter (FathomDatasetBrowser *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_BROWSER (self), NULL);
  return self->filter;
}

GListModel *
fathom_dataset_browser_get_model (FathomDatasetBrowser *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_BROWSER (self), NULL);
  return G_LIST_MODEL (self->filtered);
}

guint
fathom_dataset_browser_get_class_count (FathomDatasetBrowser *self,
                                        int                   class_index)
{
  guint nk;

  g_return_val_if_fail (FATHOM_IS_DATASET_BROWSER (self), 0);
  nk = n_classes (self);
  return self->counts[class_index >= 0 && (guint) class_index < nk ? (guint) class_index : nk];
}

FathomThumbnailCache *
fathom_dataset_browser_get_thumbnail_cache (FathomDatasetBrowser *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_BROWSER (self), NULL);
  return self->cache;
}

FathomThumbnailGrid *
fathom_dataset_browser_get_grid (FathomDatasetBrowser *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_BROWSER (self), NULL);
  return FATHOM_THUMBNAIL_GRID (self->grid);
}

FathomLeakTable *
fathom_dataset_browser_get_leak_table (FathomDatasetBrowser *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_BROWSER (self), NULL);
  return FATHOM_LEAK_TABLE (self->leak_table);
}

FathomClassCountsBar *
fathom_dataset_browser_get_counts_bar (FathomDatasetBrowser *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_BROWSER (self), NULL);
  return FATHOM_CLASS_COUNTS_BAR (self->counts_bar);
}

/* ---- the widget --------------------------------------------------------------- */

static GtkWidget *
build_toolbar (FathomDatasetBrowser *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *leak_button = gtk_toggle_button_new_with_label ("Leak");
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_add_css_class (bar, "toolbar");
  self->class_dropdown = gtk_drop_down_new (NULL, NULL);
  gtk_widget_set_tooltip_text (self->class_dropdown, "Class");
  g_signal_connect_swapped (self->class_dropdown, "notify::selected", G_CALLBACK (class_dropdown_changed), self);
  self->size_dropdown = gtk_drop_down_new (NULL, NULL);
  gtk_widget_set_tooltip_text (self->size_dropdown, "Image size (one size is about one boat)");
  g_signal_connect_swapped (self->size_dropdown, "notify::selected", G_CALLBACK (size_dropdown_changed), self);
  self->problems_button = gtk_toggle_button_new_with_label ("Problems Only");
  gtk_widget_set_tooltip_text (self->problems_button, "Only photos whose annotations have problems");
  g_signal_connect_swapped (self->problems_button, "toggled", G_CALLBACK (problems_toggled), self);
  self->search_entry = gtk_search_entry_new ();
  g_object_set (self->search_entry, "placeholder-text", "Search file names", NULL);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->search_entry), 14);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed), self);
  gtk_search_entry_set_key_capture_widget (GTK_SEARCH_ENTRY (self->search_entry), GTK_WIDGET (self));
  self->status_label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (self->status_label), PANGO_ELLIPSIZE_END);
  /* room for "375 photos" at least: squeezed to its ellipsis, it hid the
   * count of unreadable photos */
  gtk_label_set_width_chars (GTK_LABEL (self->status_label), 10);
  gtk_widget_add_css_class (self->status_label, "dim-label");
  gtk_widget_add_css_class (self->status_label, "numeric");
  gtk_widget_set_hexpand (spacer, TRUE);
  gtk_widget_set_tooltip_text (leak_button, "Photos per image size and class");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (leak_button), TRUE);
  g_object_bind_property (leak_button, "active", self->leak_revealer, "reveal-child",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);

  gtk_box_append (GTK_BOX (bar), self->class_dropdown);
  gtk_box_append (GTK_BOX (bar), self->size_dropdown);
  gtk_box_append (GTK_BOX (bar), self->problems_button);
  gtk_box_append (GTK_BOX (bar), self->search_entry);
  gtk_box_append (GTK_BOX (bar), spacer);
  gtk_box_append (GTK_BOX (bar), self->status_label);
  gtk_box_append (GTK_BOX (bar), leak_button);
  return bar;
}

static GtkWidget *
build_grid (FathomDatasetBrowser *self)
{
  self->grid = fathom_thumbnail_grid_new (self->cache);
  fathom_thumbnail_grid_set_model (FATHOM_THUMBNAIL_GRID (self->grid), G_LIST_MODEL (self->filtered));
  g_signal_connect_swapped (self->grid, "item-activated", G_CALLBACK (grid_activated), self);
  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "image-x-generic-symbolic");
  self->stack = gtk_stack_new ();
  gtk_widget_set_hexpand (self->stack, TRUE);
  gtk_stack_add_child (GTK_STACK (self->stack), self->grid);
  gtk_stack_add_child (GTK_STACK (self->stack), self->empty_page);
  return self->stack;
}

static void
fathom_dataset_browser_init (FathomDatasetBrowser *self)
{
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *side = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->class_names = g_new0 (char *, 1);
  self->sizes = g_array_new (FALSE, FALSE, sizeof (SizeChoice));
  self->counts = g_new0 (guint, 1);
  self->cache = fathom_thumbnail_cache_new (FATHOM_THUMBNAIL_WIDTH, FATHOM_THUMBNAIL_HEIGHT,
                                            FATHOM_THUMBNAIL_CAPACITY);
  self->store = g_list_store_new (FATHOM_TYPE_DATASET_ITEM_OBJECT);
  self->filter = fathom_dataset_filter_new ();
  /* after the filter model's own handler, so the counts are up to date */
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->store)),
                                              GTK_FILTER (g_object_ref (self->filter)));
  g_signal_connect_swapped (self->filter, "changed", G_CALLBACK (filter_changed), self);

  self->counts_bar = fathom_class_counts_bar_new ();
  gtk_widget_set_margin_start (self->counts_bar, 6);
  gtk_widget_set_margin_end (self->counts_bar, 6);
  gtk_widget_set_margin_bottom (self->counts_bar, 6);
  g_signal_connect_swapped (self->counts_bar, "class-selected", G_CALLBACK (class_selected), self);
  self->leak_table = fathom_leak_table_new ();
  gtk_box_append (GTK_BOX (side), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (side), self->leak_table);
  self->leak_revealer = gtk_revealer_new ();
  gtk_revealer_set_transition_type (GTK_REVEALER (self->leak_revealer), GTK_REVEALER_TRANSITION_TYPE_SLIDE_LEFT);
  gtk_revealer_set_child (GTK_REVEALER (self->leak_revealer), side);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (self->box), build_toolbar (self));
  gtk_box_append (GTK_BOX (self->box), self->counts_bar);
  gtk_box_append (GTK_BOX (self->box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (content), build_grid (self));
  gtk_box_append (GTK_BOX (content), self->leak_revealer);
  gtk_widget_set_vexpand (content, TRUE);
  gtk_box_append (GTK_BOX (self->box), content);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  load_items (self, NULL, NULL);
}

static void
fathom_dataset_browser_dispose (GObject *object)
{
  FathomDatasetBrowser *self = FATHOM_DATASET_BROWSER (object);

  if (self->filter != NULL)
    g_signal_handlers_disconnect_by_data (self->filter, self);
  /* the cells first: they cancel their requests on the way out */
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (fathom_dataset_browser_parent_class)->dispose (object);
}

static void
fathom_dataset_browser_finalize (GObject *object)
{
  FathomDatasetBrowser *self = FATHOM_DATASET_BROWSER (object);

  g_ptr_array_unref (self->items);
  g_strfreev (self->class_names);
  g_array_unref (self->sizes);
  g_free (self->counts);
  g_free (self->unreadable);
  g_free (self->shown_search);
  G_OBJECT_CLASS (fathom_dataset_browser_parent_class)->finalize (object);
}

static void
fathom_dataset_browser_class_init (FathomDatasetBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fathom_dataset_browser_dispose;
  object_class->finalize = fathom_dataset_browser_finalize;

  /* A photo was activated: its index in the dataset (or the item list). */
  signals[ITEM_ACTIVATED] = g_signal_new ("item-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-dataset-browser");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

GtkWidget *
fathom_dataset_browser_new (void)
{
  return g_object_new (FATHOM_TYPE_DATASET_BROWSER, NULL);
}
