/* fathom-class-counts-bar.c: a toggle per class with its count (see
 * fathom-class-counts-bar.h). */
#include "fathom-class-counts-bar.h"

#include "fathom-dataset-filter.h"

typedef struct {
  GtkWidget *button;
  GtkWidget *count;
  GtkWidget *bar;
  int        class_index;
} Entry;

struct _FathomClassCountsBar
{
  GtkWidget  parent_instance;

  /* owned */
  GArray    *entries;           /* Entry, in display order */

  /* borrowed: our only child */
  GtkWidget *box;

  int        current;
  gboolean   syncing;           /* moving toggles ourselves */
};

G_DEFINE_FINAL_TYPE (FathomClassCountsBar, fathom_class_counts_bar, GTK_TYPE_WIDGET)

enum {
  CLASS_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ensure_css (GtkWidget *widget)
{
  static const char css[] =
    "fathom-class-counts-bar button { padding: 4px 8px; }\n"
    /* Adwaita's 150px minimum would make nine classes wider than a laptop */
    "fathom-class-counts-bar progressbar > trough { min-width: 16px; }\n"
    "fathom-class-counts-bar progressbar > trough,"
    " fathom-class-counts-bar progressbar > trough > progress { min-height: 3px; }\n";
  GdkDisplay *display = gtk_widget_get_display (widget);
  GtkCssProvider *provider;

  if (display == NULL || g_object_get_data (G_OBJECT (display), "fathom-class-counts-bar-css") != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "fathom-class-counts-bar-css", provider, g_object_unref);
}

static void
toggled (GtkToggleButton      *button,
         FathomClassCountsBar *self)
{
  int class_index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "class-index"));

  if (self->syncing)
    return;
  g_signal_emit (self, signals[CLASS_SELECTED], 0,
                 gtk_toggle_button_get_active (button) ? class_index : FATHOM_DATASET_FILTER_ANY_CLASS);
  /* the owner may refuse: show what it decided */
  fathom_class_counts_bar_set_current (self, self->current);
}

static void
add_entry (FathomClassCountsBar *self,
           int                   class_index,
           const char           *name)
{
  Entry e = { gtk_toggle_button_new (), gtk_label_new ("0"), gtk_progress_bar_new (), class_index };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (name);
  g_autofree char *tip = g_strdup_printf ("Show only %s", name);

  gtk_widget_add_css_class (title, "caption-heading");
  gtk_widget_add_css_class (e.count, "count");
  gtk_widget_add_css_class (e.count, "numeric");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), e.count);
  gtk_box_append (GTK_BOX (box), e.bar);
  gtk_button_set_child (GTK_BUTTON (e.button), box);
  gtk_widget_add_css_class (e.button, "flat");
  gtk_widget_set_tooltip_text (e.button, tip);
  g_object_set_data (G_OBJECT (e.button), "class-index", GINT_TO_POINTER (class_index));
  g_signal_connect (e.button, "toggled", G_CALLBACK (toggled), self);
  gtk_box_append (GTK_BOX (self->box), e.button);
  g_array_append_val (self->entries, e);
}

void
fathom_class_counts_bar_set_classes (FathomClassCountsBar *self,
                                     const char * const   *class_names,
                                     gboolean              with_unlabelled)
{
  GtkWidget *child;

  g_return_if_fail (FATHOM_IS_CLASS_COUNTS_BAR (self));

  g_array_set_size (self->entries, 0);
  while ((child = gtk_widget_get_first_child (self->box)) != NULL)
    gtk_box_remove (GTK_BOX (self->box), child);
  for (guint k = 0; class_names != NULL && class_names[k] != NULL; k++)
    add_entry (self, (int) k, class_names[k]);
  if (with_unlabelled)
    add_entry (self, -1, "Unlabelled");
  self->current = FATHOM_DATASET_FILTER_ANY_CLASS;
}

void
fathom_class_counts_bar_set_counts (FathomClassCountsBar *self,
                                    const guint          *counts)
{
  guint n_classes = 0, max = 1;

  g_return_if_fail (FATHOM_IS_CLASS_COUNTS_BAR (self));
  g_return_if_fail (counts != NULL || self->entries->len == 0);

  for (guint i = 0; i < self->entries->len; i++)
    n_classes += g_array_index (self->entries, Entry, i).class_index >= 0;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);

      max = MAX (max, counts[e->class_index >= 0 ? (guint) e->class_index : n_classes]);
    }
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);
      guint n = counts[e->class_index >= 0 ? (guint) e->class_index : n_classes];
      g_autofree char *text = g_strdup_printf ("%u", n);

      gtk_label_set_text (GTK_LABEL (e->count), text);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (e->bar), (double) n / max);
    }
}

void
fathom_class_counts_bar_set_current (FathomClassCountsBar *self,
                                     int                   class_index)
{
  g_return_if_fail (FATHOM_IS_CLASS_COUNTS_BAR (self));

  self->current = class_index;
  self->syncing = TRUE;
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);

      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (e->button), e->class_index == class_index);
    }
  self->syncing = FALSE;
}

GPtrArray *
fathom_class_counts_bar_get_buttons (FathomClassCountsBar *self)
{
  GPtrArray *buttons;

  g_return_val_if_fail (FATHOM_IS_CLASS_COUNTS_BAR (self), NULL);

  buttons = g_ptr_array_new ();
  for (guint i = 0; i < self->entries->len; i++)
    g_ptr_array_add (buttons, g_array_index (self->entries, Entry, i).button);
  return buttons;
}

static void
fathom_class_counts_bar_dispose (GObject *object)
{
  FathomClassCountsBar *self = FATHOM_CLASS_COUNTS_BAR (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->entries, g_array_unref);
  G_OBJECT_CLASS (fathom_class_counts_bar_parent_class)->dispose (object);
}

static void
fathom_class_counts_bar_class_init (FathomClassCountsBarClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = fathom_class_counts_bar_dispose;

  /* class_index: a class, -1 (unlabelled) or FATHOM_DATASET_FILTER_ANY_CLASS. */
  signals[CLASS_SELECTED] = g_signal_new ("class-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "fathom-class-counts-bar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
fathom_class_counts_bar_init (FathomClassCountsBar *self)
{
  ensure_css (GTK_WIDGET (self));
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->current = FATHOM_DATASET_FILTER_ANY_CLASS;
  self->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 2);
  gtk_box_set_homogeneous (GTK_BOX (self->box), TRUE);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Photos per class", -1);
}

GtkWidget *
fathom_class_counts_bar_new (void)
{
  return g_object_new (FATHOM_TYPE_CLASS_COUNTS_BAR, NULL);
}
