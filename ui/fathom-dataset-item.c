/* fathom-dataset-item.c: one dataset photo as a GObject (see
 * fathom-dataset-item.h). */
#include "fathom-dataset-item.h"

#include <string.h>

struct _FathomDatasetItemObject
{
  GObject      parent_instance;

  /* owned */
  char        *path;
  char        *filename;
  char        *search_key;
  char        *class_name;

  /* borrowed: points into filename */
  const char  *basename;

  guint        index;
  int          class_index;
  int          width;
  int          height;
  FathomSplit  split;
  gboolean     has_box;
  FathomBox    box;
  GArray      *other_boxes;     /* FathomBox, owned */
  guint        problems;
};

G_DEFINE_FINAL_TYPE (FathomDatasetItemObject, fathom_dataset_item_object, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INDEX,
  PROP_PATH,
  PROP_FILENAME,
  PROP_CLASS_NAME,
  PROP_CLASS_INDEX,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_PROBLEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
fathom_dataset_item_object_finalize (GObject *object)
{
  FathomDatasetItemObject *self = FATHOM_DATASET_ITEM_OBJECT (object);

  g_free (self->path);
  g_free (self->filename);
  g_free (self->search_key);
  g_free (self->class_name);
  g_clear_pointer (&self->other_boxes, g_array_unref);
  G_OBJECT_CLASS (fathom_dataset_item_object_parent_class)->finalize (object);
}

static void
fathom_dataset_item_object_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  FathomDatasetItemObject *self = FATHOM_DATASET_ITEM_OBJECT (object);

  switch (prop_id)
    {
    case PROP_INDEX: g_value_set_uint (value, self->index); break;
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_FILENAME: g_value_set_string (value, self->filename); break;
    case PROP_CLASS_NAME: g_value_set_string (value, self->class_name); break;
    case PROP_CLASS_INDEX: g_value_set_int (value, self->class_index); break;
    case PROP_WIDTH: g_value_set_int (value, self->width); break;
    case PROP_HEIGHT: g_value_set_int (value, self->height); break;
    case PROP_PROBLEMS: g_value_set_uint (value, self->problems); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_dataset_item_object_class_init (FathomDatasetItemObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = fathom_dataset_item_object_finalize;
  object_class->get_property = fathom_dataset_item_object_get_property;

  /* Read-only properties, so that GtkExpressions (sorters, labels) can
   * reach the fields. */
  properties[PROP_INDEX] = g_param_spec_uint ("index", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_FILENAME] = g_param_spec_string ("filename", NULL, NULL, NULL, flags);
  properties[PROP_CLASS_NAME] = g_param_spec_string ("class-name", NULL, NULL, NULL, flags);
  properties[PROP_CLASS_INDEX] = g_param_spec_int ("class-index", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_WIDTH] = g_param_spec_int ("width", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_HEIGHT] = g_param_spec_int ("height", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_PROBLEMS] = g_param_spec_uint ("problems", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fathom_dataset_item_object_init (FathomDatasetItemObject *self)
{
  self->class_index = -1;
}

FathomDatasetItemObject *
fathom_dataset_item_object_new (guint                    index,
                                const char              *root,
                                const FathomDatasetItem *item,
                                const char              *class_name,
                                guint                    problems)
{
  FathomDatasetItemObject *self;
  const char *slash;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (item != NULL && item->path != NULL, NULL);

  self = g_object_new (FATHOM_TYPE_DATASET_ITEM_OBJECT, NULL);
  self->index = index;
  self->path = g_strdup (item->path);
  self->filename = g_build_filename (root, item->path, NULL);
  slash = strrchr (self->filename, G_DIR_SEPARATOR);
  self->basename = slash != NULL ? slash + 1 : self->filename;
  self->search_key = g_utf8_casefold (self->basename, -1);
  self->class_index = class_name != NULL ? item->class_index : -1;
  self->class_name = g_strdup (class_name);
  self->width = item->width;
  self->height = item->height;
  self->split = item->split;
  self->has_box = item->has_box;
  self->box = item->has_box ? item->box : (FathomBox) { 0 };
  self->other_boxes = fathom_annotation_dup_other_rects (item->annotation);
  self->problems = problems;
  return self;
}

const GArray *
fathom_dataset_item_object_get_other_boxes (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), NULL);
  return self->other_boxes;
}

guint
fathom_dataset_item_object_get_index (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), 0);
  return self->index;
}

const char *
fathom_dataset_item_object_get_path (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), NULL);
  return self->path;
}

const char *
fathom_dataset_item_object_get_filename (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), NULL);
  return self->filename;
}

const char *
fathom_dataset_item_object_get_basename (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), NULL);
  return self->basename;
}

const char *
fathom_dataset_item_object_get_search_key (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), NULL);
  return self->search_key;
}

int
fathom_dataset_item_object_get_class_index (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), -1);
  return self->class_index;
}

const char *
fathom_dataset_item_object_get_class_name (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), NULL);
  return self->class_name;
}

int
fathom_dataset_item_object_get_width (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), 0);
  return self->width;
}

int
fathom_dataset_item_object_get_height (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), 0);
  return self->height;
}

FathomSplit
fathom_dataset_item_object_get_split (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), FATHOM_SPLIT_TRAIN);
  return self->split;
}

gboolean
fathom_dataset_item_object_get_box (FathomDatasetItemObject *self,
                                    FathomBox               *box)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), FALSE);
  if (box != NULL)
    *box = self->box;
  return self->has_box;
}

guint
fathom_dataset_item_object_get_problems (FathomDatasetItemObject *self)
{
  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), 0);
  return self->problems;
}

char *
fathom_dataset_item_object_describe (FathomDatasetItemObject *self)
{
  GString *s;

  g_return_val_if_fail (FATHOM_IS_DATASET_ITEM_OBJECT (self), NULL);

  s = g_string_new (self->basename);
  g_string_append_printf (s, ", %s, %dx%d",
                          self->class_name != NULL ? self->class_name : "no label",
                          self->width, self->height);
  if (self->problems != 0)
    {
      gboolean first = TRUE;

      g_string_append (s, ", annotation problems: ");
      for (int k = 0; k < FATHOM_ANNOTATION_N_PROBLEM_KINDS; k++)
        if (self->problems & FATHOM_DATASET_ITEM_PROBLEM (k))
          {
            g_string_append_printf (s, "%s%s", first ? "" : ", ",
                                    fathom_annotation_problem_kind_to_string (k));
            first = FALSE;
          }
    }
  return g_string_free (s, FALSE);
}

GListStore *
fathom_dataset_item_object_list_new (FathomDataset *dataset)
{
  g_autoptr(GHashTable) problems = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);
  GListStore *store = g_list_store_new (FATHOM_TYPE_DATASET_ITEM_OBJECT);
  FathomAnnotations *annotations;

  g_return_val_if_fail (dataset != NULL, store);

  /* annotation problems are keyed by image basename, as the entries */
  annotations = fathom_dataset_get_annotations (dataset);
  for (guint i = 0; annotations != NULL && i < fathom_annotations_get_n_problems (annotations); i++)
    {
      const FathomAnnotationProblem *p = fathom_annotations_get_problem (annotations, i);
      guint flags;

      if (p->filename == NULL)
        continue;
      flags = GPOINTER_TO_UINT (g_hash_table_lookup (problems, p->filename));
      g_hash_table_insert (problems, p->filename,
                           GUINT_TO_POINTER (flags | FATHOM_DATASET_ITEM_PROBLEM (p->kind)));
    }
  /* labelled photos first (path order puts test_stg1/ before train/),
   * each part in dataset order */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < fathom_dataset_get_n_items (dataset); i++)
      {
        const FathomDatasetItem *item = fathom_dataset_get_item (dataset, i);
        const char *slash = strrchr (item->path, '/');
        const char *class_name = NULL;
        guint flags;

        if ((item->class_index < 0) != (pass == 1))
          continue;
        if (item->class_index >= 0)
          class_name = fathom_dataset_get_class_name (dataset, (guint) item->class_index);
        flags = GPOINTER_TO_UINT (g_hash_table_lookup (problems, slash != NULL ? slash + 1 : item->path));
        g_ptr_array_add (objects, fathom_dataset_item_object_new (i, fathom_dataset_get_root (dataset),
                                                                  item, class_name, flags));
      }
  /* one items-changed for the lot */
  g_list_store_splice (store, 0, 0, objects->pdata, objects->len);
  return store;
}
