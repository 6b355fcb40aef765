/* fathom-leak-table.c: photos per image size and class (see
 * fathom-leak-table.h). */
#include "fathom-leak-table.h"

#include <math.h>
#include <string.h>

#include "fathom-dataset-item.h"

typedef struct {
  int    width;
  int    height;
  guint  total;
  guint *counts;                /* per class */
} Row;

struct _FathomLeakTable
{
  GtkWidget  parent_instance;

  /* borrowed: inside box, our only child */
  GtkWidget *box;
  GtkWidget *grid;
  GtkWidget *caption;

  double     by_size;
  double     overall;
};

G_DEFINE_FINAL_TYPE (FathomLeakTable, fathom_leak_table, GTK_TYPE_WIDGET)

/* Steps of 6% of the accent colour up to 60%, where the text on it still
 * reads in both light and dark mode. */
static void
ensure_css (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  GtkCssProvider *provider;
  GString *css;

  if (display == NULL || g_object_get_data (G_OBJECT (display), "fathom-leak-table-css") != NULL)
    return;
  css = g_string_new (".fathom-leak-cell { padding: 1px 4px; border-radius: 4px; }\n");
  for (int n = 1; n <= 10; n++)
    g_string_append_printf (css, ".fathom-leak-cell.shade-%d { background-color: alpha(@accent_bg_color, 0.%02d); }\n",
                            n, 6 * n);
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, css->str, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "fathom-leak-table-css", provider, g_object_unref);
  g_string_free (css, TRUE);
}

static void
row_clear (gpointer data)
{
  g_free (((Row *) data)->counts);
}

/* Most photos first; ties by width, then height, as fathom_dataset_list_sizes. */
static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const Row *x = a, *y = b;

  if (x->total != y->total)
    return x->total > y->total ? -1 : 1;
  return x->width != y->width ? x->width - y->width : x->height - y->height;
}

/* One pass over the items, sizes hashed. */
static GArray *
count_rows (GListModel *items,
            guint       n_classes)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (Row));
  guint n = items != NULL ? g_list_model_get_n_items (items) : 0;

  g_array_set_clear_func (rows, row_clear);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (items, i);
      int k = fathom_dataset_item_object_get_class_index (item);
      int w = fathom_dataset_item_object_get_width (item), h = fathom_dataset_item_object_get_height (item);
      gint64 key = ((gint64) w << 32) | (guint32) h;
      gpointer index;
      Row *row;

      if (k < 0 || (guint) k >= n_classes)
        continue;
      if (!g_hash_table_lookup_extended (seen, &key, NULL, &index))
        {
          Row fresh = { w, h, 0, g_new0 (guint, n_classes) };

          index = GUINT_TO_POINTER (rows->len);
          g_array_append_val (rows, fresh);
          g_hash_table_insert (seen, g_memdup2 (&key, sizeof key), index);
        }
      row = &g_array_index (rows, Row, GPOINTER_TO_UINT (index));
      row->total++;
      row->counts[k]++;
    }
  g_array_sort (rows, compare_rows);
  return rows;
}

static GtkWidget *
add_label (FathomLeakTable *self,
           const char      *text,
           int              column,
           int              row,
           const char      *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0.f : 1.f);
  gtk_widget_add_css_class (label, "fathom-leak-cell");
  gtk_widget_add_css_class (label, row == 0 ? "caption-heading" : "numeric");
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_grid_attach (GTK_GRID (self->grid), label, column, row, 1, 1);
  return label;
}

void
fathom_leak_table_set_items (FathomLeakTable    *self,
                             GListModel         *items,
                             const char * const *class_names)
{
  guint nk = class_names != NULL ? g_strv_length ((char **) class_names) : 0;
  g_autoptr(GArray) rows = NULL;
  g_autofree guint *class_totals = g_new0 (guint, nk + 1);
  guint labelled = 0, right_by_size = 0, right_overall = 0;
  g_autofree char *caption = NULL;
  GtkWidget *child;

  g_return_if_fail (FATHOM_IS_LEAK_TABLE (self));
  g_return_if_fail (items == NULL || G_IS_LIST_MODEL (items));

  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  rows = count_rows (items, nk);
  if (rows->len > 0)
    {
      add_label (self, "Size", 0, 0, NULL);
      for (guint k = 0; k < nk; k++)
        add_label (self, class_names[k], (int) k + 1, 0, NULL);
      add_label (self, "Total", (int) nk + 1, 0, NULL);
      add_label (self, "Top", (int) nk + 2, 0, NULL);
    }
  for (guint r = 0; r < rows->len; r++)
    {
      Row *row = &g_array_index (rows, Row, r);
      g_autofree char *size = g_strdup_printf ("%d×%d", row->width, row->height);
      g_autofree char *total = g_strdup_printf ("%u", row->total);
      g_autofree char *top = NULL;
      guint best = 0;

      add_label (self, size, 0, (int) r + 1, NULL);
      for (guint k = 0; k < nk; k++)
        {
          g_autofree char *text = g_strdup_printf ("%u", row->counts[k]);
          g_autofree char *shade = g_strdup_printf ("shade-%ld", lround (10.0 * row->counts[k] / row->total));
          GtkWidget *label = add_label (self, text, (int) k + 1, (int) r + 1, shade);

          if (row->counts[k] == 0)
            gtk_widget_add_css_class (label, "dim-label");
          if (row->counts[k] > row->counts[best])
            best = k;
          class_totals[k] += row->counts[k];
        }
      add_label (self, total, (int) nk + 1, (int) r + 1, NULL);
      top = g_strdup_printf ("%s %.0f%%", class_names[best], 100.0 * row->counts[best] / row->total);
      add_label (self, top, (int) nk + 2, (int) r + 1, NULL);
      labelled += row->total;
      right_by_size += row->counts[best];
    }
  for (guint k = 0; k < nk; k++)
    right_overall = MAX (right_overall, class_totals[k]);
  self->by_size = labelled > 0 ? (double) right_by_size / labelled : 0;
  self->overall = labelled > 0 ? (double) right_overall / labelled : 0;
  if (labelled > 0)
    caption = g_strdup_printf ("Guessing the commonest class of each size is right for %.0f%% of the "
                               "labelled photos; guessing the commonest class overall, for %.0f%%.",
                               100 * self->by_size, 100 * self->overall);
  gtk_label_set_text (GTK_LABEL (self->caption), caption != NULL ? caption : "No labelled photos.");
}

GtkGrid *
fathom_leak_table_get_grid (FathomLeakTable *self)
{
  g_return_val_if_fail (FATHOM_IS_LEAK_TABLE (self), NULL);
  return GTK_GRID (self->grid);
}

void
fathom_leak_table_get_accuracy (FathomLeakTable *self,
                                double          *by_size,
                                double          *overall)
{
  g_return_if_fail (FATHOM_IS_LEAK_TABLE (self));
  if (by_size != NULL)
    *by_size = self->by_size;
  if (overall != NULL)
    *overall = self->overall;
}

static void
fathom_leak_table_dispose (GObject *object)
{
  FathomLeakTable *self = FATHOM_LEAK_TABLE (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (fathom_leak_table_parent_class)->dispose (object);
}

static void
fathom_leak_table_class_init (FathomLeakTableClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = fathom_leak_table_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-leak-table");
}

static void
fathom_leak_table_init (FathomLeakTable *self)
{
  GtkWidget *title = gtk_label_new ("Photos per Size and Class");
  GtkWidget *explain = gtk_label_new ("One image size is about one boat, and each boat lands its own mix.");
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  ensure_css (GTK_WIDGET (self));
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 12);
  gtk_widget_set_margin_bottom (self->box, 12);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0.f);
  gtk_label_set_wrap (GTK_LABEL (explain), TRUE);
  gtk_label_set_xalign (GTK_LABEL (explain), 0.f);
  gtk_label_set_max_width_chars (GTK_LABEL (explain), 36);
  gtk_widget_add_css_class (explain, "dim-label");
  self->grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 2);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->grid), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Labelled photos per image size and class", -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->grid);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  self->caption = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->caption), 0.f);
  gtk_label_set_max_width_chars (GTK_LABEL (self->caption), 36);
  gtk_box_append (GTK_BOX (self->box), title);
  gtk_box_append (GTK_BOX (self->box), explain);
  gtk_box_append (GTK_BOX (self->box), scrolled);
  gtk_box_append (GTK_BOX (self->box), self->caption);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  fathom_leak_table_set_items (self, NULL, NULL);
}

GtkWidget *
fathom_leak_table_new (void)
{
  return g_object_new (FATHOM_TYPE_LEAK_TABLE, NULL);
}
