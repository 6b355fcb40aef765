/* fathom-dataset-filter.c: class, size, problems and search (see
 * fathom-dataset-filter.h). */
#include "fathom-dataset-filter.h"

#include <string.h>

struct _FathomDatasetFilter
{
  GtkFilter  parent_instance;

  int        class_index;
  int        width;
  int        height;
  gboolean   problems_only;
  char      *search;            /* as given, for the getter; NULL for none */
  char      *search_key;        /* casefolded */
};

G_DEFINE_FINAL_TYPE (FathomDatasetFilter, fathom_dataset_filter, GTK_TYPE_FILTER)

gboolean
fathom_dataset_filter_match_except_class (FathomDatasetFilter     *self,
                                          FathomDatasetItemObject *item)
{
  if (self->width > 0 &&
      (fathom_dataset_item_object_get_width (item) != self->width ||
       fathom_dataset_item_object_get_height (item) != self->height))
    return FALSE;
  if (self->problems_only && fathom_dataset_item_object_get_problems (item) == 0)
    return FALSE;
  if (self->search_key != NULL &&
      strstr (fathom_dataset_item_object_get_search_key (item), self->search_key) == NULL)
    return FALSE;
  return TRUE;
}

static gboolean
fathom_dataset_filter_match (GtkFilter *filter,
                             gpointer   item)
{
  FathomDatasetFilter *self = FATHOM_DATASET_FILTER (filter);

  if (self->class_index != FATHOM_DATASET_FILTER_ANY_CLASS &&
      fathom_dataset_item_object_get_class_index (item) != self->class_index)
    return FALSE;
  return fathom_dataset_filter_match_except_class (self, item);
}

static GtkFilterMatch
fathom_dataset_filter_get_strictness (GtkFilter *filter)
{
  FathomDatasetFilter *self = FATHOM_DATASET_FILTER (filter);

  if (self->class_index == FATHOM_DATASET_FILTER_ANY_CLASS && self->width == 0 &&
      !self->problems_only && self->search_key == NULL)
    return GTK_FILTER_MATCH_ALL;
  return GTK_FILTER_MATCH_SOME;
}

static void
fathom_dataset_filter_finalize (GObject *object)
{
  FathomDatasetFilter *self = FATHOM_DATASET_FILTER (object);

  g_free (self->search);
  g_free (self->search_key);
  G_OBJECT_CLASS (fathom_dataset_filter_parent_class)->finalize (object);
}

static void
fathom_dataset_filter_class_init (FathomDatasetFilterClass *klass)
{
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = fathom_dataset_filter_finalize;
  filter_class->match = fathom_dataset_filter_match;
  filter_class->get_strictness = fathom_dataset_filter_get_strictness;
}

static void
fathom_dataset_filter_init (FathomDatasetFilter *self)
{
  self->class_index = FATHOM_DATASET_FILTER_ANY_CLASS;
}

FathomDatasetFilter *
fathom_dataset_filter_new (void)
{
  return g_object_new (FATHOM_TYPE_DATASET_FILTER, NULL);
}

void
fathom_dataset_filter_reset (FathomDatasetFilter *self)
{
  g_return_if_fail (FATHOM_IS_DATASET_FILTER (self));

  if (fathom_dataset_filter_get_strictness (GTK_FILTER (self)) == GTK_FILTER_MATCH_ALL)
    return;
  self->class_index = FATHOM_DATASET_FILTER_ANY_CLASS;
  self->width = self->height = 0;
  self->problems_only = FALSE;
  g_clear_pointer (&self->search, g_free);
  g_clear_pointer (&self->search_key, g_free);
  gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_LESS_STRICT);
}

void
fathom_dataset_filter_set_class (FathomDatasetFilter *self,
                                 int                  class_index)
{
  GtkFilterChange change;

  g_return_if_fail (FATHOM_IS_DATASET_FILTER (self));
  g_return_if_fail (class_index >= FATHOM_DATASET_FILTER_ANY_CLASS);

  if (class_index == self->class_index)
    return;
  change = self->class_index == FATHOM_DATASET_FILTER_ANY_CLASS ? GTK_FILTER_CHANGE_MORE_STRICT
           : class_index == FATHOM_DATASET_FILTER_ANY_CLASS ? GTK_FILTER_CHANGE_LESS_STRICT
           : GTK_FILTER_CHANGE_DIFFERENT;
  self->class_index = class_index;
  gtk_filter_changed (GTK_FILTER (self), change);
}

int
fathom_dataset_filter_get_class (FathomDatasetFilter *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_FILTER (self), FATHOM_DATASET_FILTER_ANY_CLASS);
  return self->class_index;
}

void
fathom_dataset_filter_set_size (FathomDatasetFilter *self,
                                int                  width,
                                int                  height)
{
  GtkFilterChange change;

  g_return_if_fail (FATHOM_IS_DATASET_FILTER (self));

  if (width <= 0 || height <= 0)
    width = height = 0;
  if (width == self->width && height == self->height)
    return;
  change = self->width == 0 ? GTK_FILTER_CHANGE_MORE_STRICT
           : width == 0 ? GTK_FILTER_CHANGE_LESS_STRICT : GTK_FILTER_CHANGE_DIFFERENT;
  self->width = width;
  self->height = height;
  gtk_filter_changed (GTK_FILTER (self), change);
}

void
fathom_dataset_filter_get_size (FathomDatasetFilter *self,
                                int                 *width,
                                int                 *height)
{
  g_return_if_fail (FATHOM_IS_DATASET_FILTER (self));
  if (width != NULL)
    *width = self->width;
  if (height != NULL)
    *height = self->height;
}

void
fathom_dataset_filter_set_problems_only (FathomDatasetFilter *self,
                                         gboolean             problems_only)
{
  g_return_if_fail (FATHOM_IS_DATASET_FILTER (self));

  problems_only = !!problems_only;
  if (problems_only == self->problems_only)
    return;
  self->problems_only = problems_only;
  gtk_filter_changed (GTK_FILTER (self), problems_only ? GTK_FILTER_CHANGE_MORE_STRICT
                                                       : GTK_FILTER_CHANGE_LESS_STRICT);
}

gboolean
fathom_dataset_filter_get_problems_only (FathomDatasetFilter *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_FILTER (self), FALSE);
  return self->problems_only;
}

void
fathom_dataset_filter_set_search (FathomDatasetFilter *self,
                                  const char          *text)
{
  g_autofree char *key = NULL;
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  g_return_if_fail (FATHOM_IS_DATASET_FILTER (self));

  if (text != NULL && *text != '\0')
    key = g_utf8_casefold (text, -1);
  if (g_strcmp0 (key, self->search_key) == 0)
    return;
  /* typing on narrows, deleting widens */
  if (key != NULL && (self->search_key == NULL || strstr (key, self->search_key) != NULL))
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (self->search_key != NULL && (key == NULL || strstr (self->search_key, key) != NULL))
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  g_free (self->search);
  self->search = key != NULL ? g_strdup (text) : NULL;
  g_free (self->search_key);
  self->search_key = g_steal_pointer (&key);
  gtk_filter_changed (GTK_FILTER (self), change);
}

const char *
fathom_dataset_filter_get_search (FathomDatasetFilter *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_FILTER (self), NULL);
  return self->search;
}
