/* fathom-dataset-summary.c: counts laid out in grids, rebuilt on each
 * dataset (a dataset has few classes and sizes; the few hundred labels this
 * makes need no list model). */
#include "fathom-dataset-summary.h"

#include <glib/gi18n.h>

/* Beyond these, rows are folded into one: class folders of arbitrary
 * photos can have thousands of sizes. */
#define MAX_SIZE_ROWS    20
#define MAX_PROBLEM_ROWS 100

/* The sidebar's width. */
#define COMPACT_WIDTH    300

struct _FathomDatasetSummary
{
  AdwBin               parent_instance;

  /* template children, borrowed */
  GtkStack            *stack;
  AdwClamp            *clamp;
  GtkBox              *content_box;
  GtkLabel            *title_label;
  GtkLabel            *path_label;
  GtkLabel            *splits_label;
  GtkFlowBox          *stats_box;
  AdwPreferencesGroup *classes_group;
  GtkGrid             *class_grid;
  AdwPreferencesGroup *sizes_group;
  GtkGrid             *size_grid;
  AdwPreferencesGroup *problems_group;

  /* owned: the rows added to problems_group */
  GPtrArray           *problem_rows;

  gboolean             compact;
};

enum {
  PROP_0,
  PROP_COMPACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (FathomDatasetSummary, fathom_dataset_summary, ADW_TYPE_BIN)

GtkWidget *
fathom_dataset_summary_new (gboolean compact)
{
  return g_object_new (FATHOM_TYPE_DATASET_SUMMARY, "compact", compact, NULL);
}

static void
grid_clear (GtkGrid *grid)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))) != NULL)
    gtk_grid_remove (grid, child);
}

static void
flow_box_clear (GtkFlowBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_flow_box_remove (box, child);
}

/* A grid cell. name, when given, lets tests and styles find the cell. */
static GtkWidget *
cell_new (const char *text,
          float       xalign,
          const char *css_class,
          const char *name)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  if (name != NULL)
    gtk_widget_set_name (label, name);
  return label;
}

static GtkWidget *
count_cell_new (guint       count,
                const char *name)
{
  g_autofree char *text = g_strdup_printf ("%u", count);
  GtkWidget *label = cell_new (count > 0 ? text : "–", 1.0, "numeric", name);

  if (count == 0)
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static void
add_stat (FathomDatasetSummary *self,
          const char           *caption,
          guint                 value,
          const char           *name)
{
  g_autofree char *text = g_strdup_printf ("%u", value);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *value_label = cell_new (text, 0.0, "stat-value", name);
  GtkWidget *caption_label = cell_new (caption, 0.0, "caption", NULL);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "stat");
  gtk_widget_add_css_class (caption_label, "dim-label");
  gtk_box_append (GTK_BOX (box), value_label);
  gtk_box_append (GTK_BOX (box), caption_label);
  gtk_flow_box_append (self->stats_box, box);
}

static GtkWidget *
share_bar_new (guint count,
               guint total)
{
  GtkWidget *bar = gtk_progress_bar_new ();

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar),
                                 total > 0 ? (double) count / total : 0.0);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (bar, TRUE);
  gtk_widget_set_size_request (bar, 60, -1);
  gtk_widget_add_css_class (bar, "share");
  return bar;
}

static void
fill_classes (FathomDatasetSummary *self,
              FathomDataset        *dataset)
{
  guint n_classes = fathom_dataset_get_n_classes (dataset);
  guint labelled = fathom_dataset_count (dataset, FATHOM_SPLIT_TRAIN, -1)
                 + fathom_dataset_count (dataset, FATHOM_SPLIT_VALID, -1);
  int row = 0;

  grid_clear (self->class_grid);
  gtk_widget_set_visible (GTK_WIDGET (self->classes_group), n_classes > 0);
  if (n_classes == 0)
    return;

  if (!self->compact)
    {
      gtk_grid_attach (self->class_grid, cell_new (_("Class"), 0.0, "caption-heading", NULL), 0, row, 1, 1);
      gtk_grid_attach (self->class_grid, cell_new (_("Training"), 1.0, "caption-heading", NULL), 1, row, 1, 1);
      gtk_grid_attach (self->class_grid, cell_new (_("Validation"), 1.0, "caption-heading", NULL), 2, row, 1, 1);
      gtk_grid_attach (self->class_grid, cell_new (_("Total"), 1.0, "caption-heading", NULL), 3, row, 1, 1);
      gtk_grid_attach (self->class_grid, cell_new (_("Share"), 0.0, "caption-heading", NULL), 4, row, 1, 1);
      row++;
    }

  for (guint c = 0; c < n_classes; c++, row++)
    {
      const char *name = fathom_dataset_get_class_name (dataset, c);
      guint train = fathom_dataset_count (dataset, FATHOM_SPLIT_TRAIN, (int) c);
      guint valid = fathom_dataset_count (dataset, FATHOM_SPLIT_VALID, (int) c);
      g_autofree char *total_name = g_strdup_printf ("class-total-%s", name);
      int col = 0;

      gtk_grid_attach (self->class_grid, cell_new (name, 0.0, NULL, NULL), col++, row, 1, 1);
      if (!self->compact)
        {
          g_autofree char *train_name = g_strdup_printf ("class-train-%s", name);
          g_autofree char *valid_name = g_strdup_printf ("class-valid-%s", name);

          gtk_grid_attach (self->class_grid, count_cell_new (train, train_name), col++, row, 1, 1);
          gtk_grid_attach (self->class_grid, count_cell_new (valid, valid_name), col++, row, 1, 1);
        }
      gtk_grid_attach (self->class_grid, count_cell_new (train + valid, total_name), col++, row, 1, 1);
      gtk_grid_attach (self->class_grid, share_bar_new (train + valid, labelled), col++, row, 1, 1);
    }
}

typedef struct {
  int    width;
  int    height;
  guint  total;
  guint *per_column;    /* n_classes labelled columns, then unlabelled */
} SizeRow;

static guint64
size_key (int width,
          int height)
{
  return ((guint64) (guint32) width << 32) | (guint32) height;
}

static void
fill_sizes (FathomDatasetSummary *self,
            FathomDataset        *dataset)
{
  guint n_classes = fathom_dataset_get_n_classes (dataset);
  guint n_unlabelled = fathom_dataset_count (dataset, FATHOM_SPLIT_TEST, -1);
  guint n_columns = n_classes + 1;
  g_autoptr(GArray) sizes = fathom_dataset_list_sizes (dataset, FATHOM_SPLIT_ANY);
  g_autoptr(GHashTable) index = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree guint64 *keys = NULL;
  g_autofree guint *counts = NULL;
  guint n_rows = MIN (sizes->len, MAX_SIZE_ROWS);
  gboolean folded = sizes->len > n_rows;
  int row = 0;
  int col;

  grid_clear (self->size_grid);
  gtk_widget_set_visible (GTK_WIDGET (self->sizes_group), !self->compact && sizes->len > 0);
  if (self->compact || sizes->len == 0)
    return;

  /* One counts row per listed size; the last row (when folded) gathers the
   * other sizes. */
  keys = g_new (guint64, sizes->len);
  counts = g_new0 (guint, (gsize) (n_rows + 1) * n_columns);
  for (guint i = 0; i < sizes->len; i++)
    {
      const FathomImageSize *s = &g_array_index (sizes, FathomImageSize, i);

      keys[i] = size_key (s->width, s->height);
      g_hash_table_insert (index, &keys[i], GUINT_TO_POINTER (MIN (i, n_rows)));
    }
  for (guint i = 0; i < fathom_dataset_get_n_items (dataset); i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (dataset, i);
      guint64 key = size_key (item->width, item->height);
      guint r = GPOINTER_TO_UINT (g_hash_table_lookup (index, &key));
      guint c = item->class_index >= 0 ? (guint) item->class_index : n_classes;

      counts[r * n_columns + c]++;
    }

  col = 0;
  gtk_grid_attach (self->size_grid, cell_new (_("Size"), 0.0, "caption-heading", NULL), col++, row, 1, 1);
  for (guint c = 0; c < n_classes; c++)
    gtk_grid_attach (self->size_grid,
                     cell_new (fathom_dataset_get_class_name (dataset, c), 1.0, "caption-heading", NULL),
                     col++, row, 1, 1);
  if (n_unlabelled > 0)
    gtk_grid_attach (self->size_grid, cell_new (_("Unlabelled"), 1.0, "caption-heading", NULL), col++, row, 1, 1);
  gtk_grid_attach (self->size_grid, cell_new (_("Total"), 1.0, "caption-heading", NULL), col++, row, 1, 1);
  row++;

  for (guint r = 0; r < n_rows + (folded ? 1 : 0); r++, row++)
    {
      const guint *per = &counts[r * n_columns];
      g_autofree char *size_text = NULL;
      guint total = 0;
      guint best = 0;

      if (r < n_rows)
        {
          const FathomImageSize *s = &g_array_index (sizes, FathomImageSize, r);
          size_text = g_strdup_printf ("%d × %d", s->width, s->height);
        }
      else
        size_text = g_strdup_printf (_("%u other sizes"), sizes->len - n_rows);

      for (guint c = 0; c < n_columns; c++)
        total += per[c];
      for (guint c = 1; c < n_classes; c++)
        if (per[c] > per[best])
          best = c;

      col = 0;
      gtk_grid_attach (self->size_grid, cell_new (size_text, 0.0, "numeric", NULL), col++, row, 1, 1);
      for (guint c = 0; c < n_classes; c++)
        {
          GtkWidget *cell = count_cell_new (per[c], NULL);

          /* The class a size is most often: what the leak would guess. */
          if (c == best && per[c] > 0)
            gtk_widget_add_css_class (cell, "dominant");
          gtk_grid_attach (self->size_grid, cell, col++, row, 1, 1);
        }
      if (n_unlabelled > 0)
        gtk_grid_attach (self->size_grid, count_cell_new (per[n_classes], NULL), col++, row, 1, 1);
      gtk_grid_attach (self->size_grid, count_cell_new (total, NULL), col++, row, 1, 1);
    }
}

static void
fill_problems (FathomDatasetSummary *self,
               FathomDataset        *dataset)
{
  guint n = fathom_dataset_get_n_problems (dataset);

  for (guint i = 0; i < self->problem_rows->len; i++)
    adw_preferences_group_remove (self->problems_group, g_ptr_array_index (self->problem_rows, i));
  g_ptr_array_set_size (self->problem_rows, 0);

  if (self->compact)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->problems_group), FALSE);
      return;
    }

  if (n == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");

      gtk_widget_add_css_class (icon, "success");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Every image could be read"));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      g_ptr_array_add (self->problem_rows, row);
    }
  for (guint i = 0; i < MIN (n, MAX_PROBLEM_ROWS); i++)
    {
      const FathomDatasetProblem *p = fathom_dataset_get_problem (dataset, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      g_autofree char *title = g_markup_escape_text (p->path != NULL ? p->path : "", -1);
      g_autofree char *subtitle = g_markup_escape_text (p->message, -1);

      gtk_widget_add_css_class (icon, "warning");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      g_ptr_array_add (self->problem_rows, row);
    }
  if (n > MAX_PROBLEM_ROWS)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *title = g_strdup_printf (_("And %u more"), n - MAX_PROBLEM_ROWS);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      g_ptr_array_add (self->problem_rows, row);
    }

  for (guint i = 0; i < self->problem_rows->len; i++)
    adw_preferences_group_add (self->problems_group, g_ptr_array_index (self->problem_rows, i));
  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), TRUE);
}

static const char *
layout_label (FathomDatasetLayout layout)
{
  switch (layout)
    {
    case FATHOM_DATASET_FISHERIES:
      return _("Kaggle fisheries layout");
    case FATHOM_DATASET_CLASS_FOLDERS:
      return _("Class folders");
    case FATHOM_DATASET_UNLABELLED:
      return _("Unlabelled images");
    }
  return "";
}

void
fathom_dataset_summary_set_dataset (FathomDatasetSummary *self,
                                    FathomDataset        *dataset)
{
  g_autofree char *name = NULL;
  guint train, valid, test, n_problems;

  g_return_if_fail (FATHOM_IS_DATASET_SUMMARY (self));

  if (dataset == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  train = fathom_dataset_count (dataset, FATHOM_SPLIT_TRAIN, -1);
  valid = fathom_dataset_count (dataset, FATHOM_SPLIT_VALID, -1);
  test = fathom_dataset_count (dataset, FATHOM_SPLIT_TEST, -1);
  n_problems = fathom_dataset_get_n_problems (dataset);

  name = g_path_get_basename (fathom_dataset_get_root (dataset));
  gtk_label_set_text (self->title_label, name);
  gtk_label_set_text (self->path_label, fathom_dataset_get_root (dataset));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->path_label), fathom_dataset_get_root (dataset));

  if (self->compact)
    {
      g_autofree char *splits = NULL;

      splits = g_strdup_printf (_("%s · %u training · %u validation · %u unlabelled"),
                                layout_label (fathom_dataset_get_layout (dataset)),
                                train, valid, test);
      if (n_problems > 0)
        {
          g_autofree char *with = g_strdup_printf (ngettext ("%s · %u unreadable file",
                                                             "%s · %u unreadable files",
                                                             n_problems),
                                                   splits, n_problems);
          g_free (splits);
          splits = g_steal_pointer (&with);
        }
      gtk_label_set_text (self->splits_label, splits);
    }
  else
    {
      g_autofree char *layout = g_strdup_printf ("%s · %s",
                                                 layout_label (fathom_dataset_get_layout (dataset)),
                                                 fathom_dataset_get_layout (dataset) == FATHOM_DATASET_UNLABELLED
                                                 ? _("no labels")
                                                 : fathom_dataset_has_valid_folder (dataset)
                                                 ? _("validation images from valid/")
                                                 : _("validation images split from training (seeded)"));

      gtk_label_set_text (self->splits_label, layout);
      flow_box_clear (self->stats_box);
      add_stat (self, _("Images"), fathom_dataset_get_n_items (dataset), "stat-images");
      add_stat (self, _("Classes"), fathom_dataset_get_n_classes (dataset), "stat-classes");
      add_stat (self, _("Training"), train, "stat-train");
      add_stat (self, _("Validation"), valid, "stat-valid");
      add_stat (self, _("Unlabelled"), test, "stat-unlabelled");
      add_stat (self, _("Problems"), n_problems, "stat-problems");
    }

  fill_classes (self, dataset);
  fill_sizes (self, dataset);
  fill_problems (self, dataset);
  gtk_stack_set_visible_child_name (self->stack, "content");
}

static void
fathom_dataset_summary_constructed (GObject *object)
{
  FathomDatasetSummary *self = FATHOM_DATASET_SUMMARY (object);

  G_OBJECT_CLASS (fathom_dataset_summary_parent_class)->constructed (object);

  /* The sidebar keeps the counts and drops the tables. */
  if (self->compact)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->title_label), "title-1");
      gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "title-3");
      /* Long paths must not widen the sidebar: it asks for the least. */
      gtk_label_set_max_width_chars (self->path_label, 1);
      gtk_label_set_max_width_chars (self->splits_label, 24);
      gtk_widget_set_visible (GTK_WIDGET (self->stats_box), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->sizes_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->problems_group), FALSE);
      gtk_box_set_spacing (self->content_box, 18);
      gtk_widget_set_margin_top (GTK_WIDGET (self->content_box), 18);
      gtk_widget_set_margin_bottom (GTK_WIDGET (self->content_box), 18);
      adw_preferences_group_set_title (self->classes_group, _("Classes"));
      gtk_widget_add_css_class (GTK_WIDGET (self), "compact");

      /* The empty page's one-line description would set the sidebar's
       * natural width: clamp it. */
      {
        GtkWidget *stack = g_object_ref (GTK_WIDGET (self->stack));
        GtkWidget *clamp = adw_clamp_new ();

        adw_bin_set_child (ADW_BIN (self), NULL);
        adw_clamp_set_maximum_size (ADW_CLAMP (clamp), COMPACT_WIDTH);
        adw_clamp_set_tightening_threshold (ADW_CLAMP (clamp), COMPACT_WIDTH);
        adw_clamp_set_child (ADW_CLAMP (clamp), stack);
        adw_bin_set_child (ADW_BIN (self), clamp);
        gtk_widget_set_size_request (clamp, COMPACT_WIDTH, -1);
        g_object_unref (stack);
      }
    }
}

static void
fathom_dataset_summary_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  FathomDatasetSummary *self = FATHOM_DATASET_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_COMPACT:
      g_value_set_boolean (value, self->compact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_dataset_summary_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  FathomDatasetSummary *self = FATHOM_DATASET_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_COMPACT:
      self->compact = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_dataset_summary_dispose (GObject *object)
{
  FathomDatasetSummary *self = FATHOM_DATASET_SUMMARY (object);

  /* AdwBin unparents its child (the template's, or the compact clamp)
   * itself: gtk_widget_dispose_template() would unparent it first and leave
   * AdwBin a dead pointer. */
  g_clear_pointer (&self->problem_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (fathom_dataset_summary_parent_class)->dispose (object);
}

static void
fathom_dataset_summary_class_init (FathomDatasetSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = fathom_dataset_summary_constructed;
  object_class->get_property = fathom_dataset_summary_get_property;
  object_class->set_property = fathom_dataset_summary_set_property;
  object_class->dispose = fathom_dataset_summary_dispose;

  properties[PROP_COMPACT] =
    g_param_spec_boolean ("compact", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/fathom/Fathom/fathom-dataset-summary.ui");
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, stack);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, clamp);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, content_box);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, title_label);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, path_label);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, splits_label);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, stats_box);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, classes_group);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, class_grid);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, sizes_group);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, size_grid);
  gtk_widget_class_bind_template_child (widget_class, FathomDatasetSummary, problems_group);
  gtk_widget_class_set_css_name (widget_class, "datasetsummary");
}

static void
fathom_dataset_summary_init (FathomDatasetSummary *self)
{
  self->problem_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
