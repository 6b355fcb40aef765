/* fathom-annotations-save.c: corrections, and writing the set back in
 * Sloth format atomically without touching the files it came from. */
#include "fathom-annotations-private.h"
#include "fathom-atomic-file.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static FathomAnnotation *
ensure_entry (FathomAnnotations *self, const char *filename)
{
  FathomAnnotation *a = g_hash_table_lookup (self->by_name, fathom_annotations_basename (filename));

  if (a == NULL)
    {
      a = fathom_annotation_entry_new (fathom_annotations_basename (filename), filename, NULL, -1);
      fathom_annotations_add_entry (self, a);
    }
  return a;
}

void
fathom_annotations_set_rect (FathomAnnotations *self,
                             const char        *filename,
                             const FathomBox   *box)
{
  FathomAnnotation *a;

  g_return_if_fail (self != NULL && filename != NULL);
  g_return_if_fail (box == NULL || (box->width > 0 && box->height > 0));
  a = ensure_entry (self, filename);
  g_array_set_size (a->rects, 0);
  if (box != NULL)
    g_array_append_val (a->rects, *box);
}

void
fathom_annotations_set_kept_rect (FathomAnnotations *self,
                                  const char        *filename,
                                  const FathomBox   *box)
{
  FathomAnnotation *a;
  int kept;

  g_return_if_fail (self != NULL && filename != NULL && box != NULL);
  g_return_if_fail (box->width > 0 && box->height > 0);
  a = ensure_entry (self, filename);
  kept = fathom_annotation_get_kept_rect (a);
  if (kept < 0)
    g_array_append_val (a->rects, *box);
  else
    g_array_index (a->rects, FathomBox, kept) = *box;
}

void
fathom_annotations_set_points (FathomAnnotations *self,
                               const char        *filename,
                               const FathomPoint *points,
                               guint              n_points)
{
  FathomAnnotation *a;

  g_return_if_fail (self != NULL && filename != NULL);
  g_return_if_fail (n_points == 0 || points != NULL);
  a = ensure_entry (self, filename);
  g_array_set_size (a->points, 0);
  g_array_append_vals (a->points, points, n_points);
}

static void
add_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v);
}

static char *
to_sloth_json (FathomAnnotations *self, gsize *len)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < self->entries->len; i++)
    {
      FathomAnnotation *a = g_ptr_array_index (self->entries, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "annotations");
      json_builder_begin_array (b);
      for (guint j = 0; j < a->rects->len; j++)
        {
          const FathomBox *r = &g_array_index (a->rects, FathomBox, j);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "class");
          json_builder_add_string_value (b, "rect");
          add_number (b, "height", r->height);
          add_number (b, "width", r->width);
          add_number (b, "x", r->x);
          add_number (b, "y", r->y);
          json_builder_end_object (b);
        }
      for (guint j = 0; j < a->points->len; j++)
        {
          const FathomPoint *p = &g_array_index (a->points, FathomPoint, j);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "class");
          json_builder_add_string_value (b, "point");
          add_number (b, "x", p->x);
          add_number (b, "y", p->y);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "class");
      json_builder_add_string_value (b, "image");
      json_builder_set_member_name (b, "filename");
      json_builder_add_string_value (b, a->original_filename);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 4);
  return json_generator_to_data (gen, len);
}

gboolean
fathom_annotations_save (FathomAnnotations *self,
                         const char        *path,
                         GError           **error)
{
  g_autofree char *text = NULL;
  g_autoptr(FathomAtomicFile) file = NULL;
  GError *local = NULL;
  GStatBuf st;
  gsize len;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  /* same inode, not same spelling: links and ../ cannot get round it */
  if (g_stat (path, &st) == 0)
    for (guint i = 0; i < self->loaded->len; i++)
      {
        const FileId *id = &g_array_index (self->loaded, FileId, i);

        if (id->dev == st.st_dev && id->ino == st.st_ino)
          {
            g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_ORIGINAL,
                         "Refusing to overwrite “%s”: it is an original annotation file; "
                         "save corrections under a new name", path);
            return FALSE;
          }
      }

  text = to_sloth_json (self, &len);
  file = fathom_atomic_file_open (path, &local);
  if (file == NULL ||
      !fathom_atomic_file_write (file, text, len, &local) ||
      !fathom_atomic_file_write (file, "\n", 1, &local) ||
      !fathom_atomic_file_commit (g_steal_pointer (&file), &local))
    return fathom_atomic_file_propagate_error (error, local, FATHOM_ANNOTATIONS_ERROR,
                                               FATHOM_ANNOTATIONS_ERROR_IO);
  return TRUE;
}
