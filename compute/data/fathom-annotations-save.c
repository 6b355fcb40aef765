/* fathom-annotations-save.c: corrections, and writing the set back in
 * Sloth format atomically without touching the files it came from. */
#include "fathom-annotations-private.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

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

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* So that the rename itself survives a crash; best effort. */
static void
sync_parent_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

gboolean
fathom_annotations_save (FathomAnnotations *self,
                         const char        *path,
                         GError           **error)
{
  g_autofree char *text = NULL;
  g_autofree char *tmp_path = NULL;
  GStatBuf st;
  gsize len;
  int fd, saved_errno;
  gboolean ok;

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
  /* beside the destination, so that rename() stays on one file system */
  tmp_path = g_strdup_printf ("%s.XXXXXX", path);
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_IO,
                   "Cannot create a temporary file for “%s”: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  ok = write_all (fd, text, len) && write_all (fd, "\n", 1) && fsync (fd) == 0;
  saved_errno = errno;
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      saved_errno = errno;
    }
  if (!ok || g_rename (tmp_path, path) != 0)
    {
      if (ok)
        saved_errno = errno;
      g_unlink (tmp_path);
      g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_IO,
                   "Cannot write “%s”: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  sync_parent_dir (path);
  return TRUE;
}
