/* fathom-annotations.c: Sloth JSON annotations, read leniently (the writer
 * and corrections are in fathom-annotations-save.c). */
#include "fathom-annotations-private.h"
#include "fathom-quark.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

FATHOM_DEFINE_QUARK (fathom-annotations-error-quark, fathom_annotations_error)

static const char *const kind_names[FATHOM_ANNOTATION_N_PROBLEM_KINDS] = {
  [FATHOM_ANNOTATION_PROBLEM_NO_SHAPES] = "no-shapes",
  [FATHOM_ANNOTATION_PROBLEM_ONE_POINT] = "one-point",
  [FATHOM_ANNOTATION_PROBLEM_EXTRA_POINTS] = "extra-points",
  [FATHOM_ANNOTATION_PROBLEM_SAME_POINTS] = "same-points",
  [FATHOM_ANNOTATION_PROBLEM_EMPTY_OBJECT] = "empty-object",
  [FATHOM_ANNOTATION_PROBLEM_UNKNOWN_CLASS] = "unknown-class",
  [FATHOM_ANNOTATION_PROBLEM_BAD_COORDINATE] = "bad-coordinate",
  [FATHOM_ANNOTATION_PROBLEM_BAD_RECT] = "bad-rect",
  [FATHOM_ANNOTATION_PROBLEM_WRONG_TYPE] = "wrong-type",
  [FATHOM_ANNOTATION_PROBLEM_NO_FILENAME] = "no-filename",
  [FATHOM_ANNOTATION_PROBLEM_DUPLICATE] = "duplicate",
  [FATHOM_ANNOTATION_PROBLEM_UNKNOWN_IMAGE] = "unknown-image",
};

const char *
fathom_annotation_problem_kind_to_string (FathomAnnotationProblemKind kind)
{
  g_return_val_if_fail (kind < FATHOM_ANNOTATION_N_PROBLEM_KINDS, NULL);
  return kind_names[kind];
}

static void
problem_free (gpointer data)
{
  FathomAnnotationProblem *p = data;

  g_free (p->source);
  g_free (p->filename);
  g_free (p->message);
  g_free (p);
}

static void
annotation_free (gpointer data)
{
  FathomAnnotation *a = data;

  g_free (a->filename);
  g_free (a->original_filename);
  g_free (a->source);
  g_array_unref (a->rects);
  g_array_unref (a->points);
  g_free (a);
}

FathomAnnotation *
fathom_annotation_entry_new (const char *filename,
                             const char *original,
                             const char *source,
                             int         entry)
{
  FathomAnnotation *a = g_new0 (FathomAnnotation, 1);

  a->filename = g_strdup (filename);
  a->original_filename = g_strdup (original);
  a->source = g_strdup (source);
  a->entry = entry;
  a->rects = g_array_new (FALSE, FALSE, sizeof (FathomBox));
  a->points = g_array_new (FALSE, FALSE, sizeof (FathomPoint));
  return a;
}

FathomAnnotations *
fathom_annotations_new (void)
{
  FathomAnnotations *self = g_new0 (FathomAnnotations, 1);

  self->entries = g_ptr_array_new_with_free_func (annotation_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->problems = g_ptr_array_new_with_free_func (problem_free);
  self->loaded = g_array_new (FALSE, FALSE, sizeof (FileId));
  return self;
}

void
fathom_annotations_free (FathomAnnotations *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->by_name);
  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->problems);
  g_array_unref (self->loaded);
  g_free (self);
}

G_GNUC_PRINTF (6, 7)
static void
add_problem (FathomAnnotations          *self,
             FathomAnnotationProblemKind kind,
             const char                 *source,
             int                         entry,
             const char                 *filename,
             const char                 *format,
             ...)
{
  FathomAnnotationProblem *p = g_new0 (FathomAnnotationProblem, 1);
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  p->kind = kind;
  p->source = g_strdup (source);
  p->entry = entry;
  p->filename = g_strdup (filename);
  if (filename != NULL)
    p->message = g_strdup_printf ("%s: entry %d (%s): %s", source, entry, filename, what);
  else
    p->message = g_strdup_printf ("%s: entry %d: %s", source, entry, what);
  g_ptr_array_add (self->problems, p);
}

/* Annotators' paths come from Linux and Windows machines alike. */
const char *
fathom_annotations_basename (const char *path)
{
  const char *slash = strrchr (path, '/');
  const char *backslash = strrchr (path, '\\');
  const char *last = MAX (slash, backslash);

  return last != NULL ? last + 1 : path;
}

/* No photo is a billion pixels across. Beyond that a coordinate is a
 * damaged file, and from 1e17 up json-glib 1.6 would write it back as
 * "1e+17.0", which no JSON parser reads. */
#define MAX_COORDINATE 1e9

/* A JSON number (integer or not); strings such as "12" are refused. */
static gboolean
member_number (JsonObject *obj, const char *name, double *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *out = json_node_get_double (node);
  return isfinite (*out) && fabs (*out) < MAX_COORDINATE;
}

/* json-glib 1.6 turns a bad \u escape (a lone surrogate, too few hex
 * digits) into bytes that are not UTF-8: such a string counts as none. */
static const char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (node);
  return s != NULL && g_utf8_validate (s, -1, NULL) ? s : NULL;
}

static void
parse_shape (FathomAnnotations *self,
             FathomAnnotation  *a,
             JsonNode          *node,
             const char        *source,
             int                index,
             guint              j)
{
  JsonObject *obj;
  const char *cls;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      add_problem (self, FATHOM_ANNOTATION_PROBLEM_WRONG_TYPE, source, index, a->filename,
                   "annotation %u is not an object", j);
      return;
    }
  obj = json_node_get_object (node);
  if (json_object_get_size (obj) == 0)
    {
      add_problem (self, FATHOM_ANNOTATION_PROBLEM_EMPTY_OBJECT, source, index, a->filename,
                   "annotation %u is an empty object", j);
      return;
    }
  cls = member_string (obj, "class");
  if (g_strcmp0 (cls, "rect") == 0)
    {
      FathomBox b;

      if (!member_number (obj, "x", &b.x) || !member_number (obj, "y", &b.y) ||
          !member_number (obj, "width", &b.width) || !member_number (obj, "height", &b.height))
        {
          add_problem (self, FATHOM_ANNOTATION_PROBLEM_BAD_COORDINATE, source, index, a->filename,
                       "rect %u lacks a numeric x, y, width or height", j);
          return;
        }
      if (b.width <= 0 || b.height <= 0)
        {
          add_problem (self, FATHOM_ANNOTATION_PROBLEM_BAD_RECT, source, index, a->filename,
                       "rect %u has size %g x %g", j, b.width, b.height);
          return;
        }
      g_array_append_val (a->rects, b);
    }
  else if (g_strcmp0 (cls, "point") == 0)
    {
      FathomPoint p;

      if (!member_number (obj, "x", &p.x) || !member_number (obj, "y", &p.y))
        {
          add_problem (self, FATHOM_ANNOTATION_PROBLEM_BAD_COORDINATE, source, index, a->filename,
                       "point %u lacks a numeric x or y", j);
          return;
        }
      g_array_append_val (a->points, p);
    }
  else
    add_problem (self, FATHOM_ANNOTATION_PROBLEM_UNKNOWN_CLASS, source, index, a->filename,
                 "annotation %u has class “%s” (not rect or point)", j,
                 cls != NULL ? cls : "(none)");
}

static gboolean
has_shapes (const FathomAnnotation *a)
{
  return a->rects->len > 0 || a->points->len > 0;
}

/* Puts a into the set. A basename seen before is replaced where it stood,
 * as the course's dict kept the last entry, unless only the earlier one
 * has shapes (the real yft file repeats a shark image with no points). */
void
fathom_annotations_add_entry (FathomAnnotations *self, FathomAnnotation *a)
{
  FathomAnnotation *old = g_hash_table_lookup (self->by_name, a->filename);

  if (old != NULL)
    {
      const char *old_source = old->source != NULL ? old->source : "(corrections)";
      guint pos;

      if (has_shapes (old) && !has_shapes (a))
        {
          add_problem (self, FATHOM_ANNOTATION_PROBLEM_DUPLICATE, a->source, a->entry,
                       a->filename, "also in %s entry %d, which is kept (this one is empty)",
                       old_source, old->entry);
          annotation_free (a);
          return;
        }
      add_problem (self, FATHOM_ANNOTATION_PROBLEM_DUPLICATE, a->source, a->entry, a->filename,
                   "also in %s entry %d; this one is kept", old_source, old->entry);
      g_ptr_array_find (self->entries, old, &pos);
      g_hash_table_replace (self->by_name, a->filename, a);
      g_ptr_array_index (self->entries, pos) = a;
      annotation_free (old);
      return;
    }
  g_ptr_array_add (self->entries, a);
  g_hash_table_insert (self->by_name, a->filename, a);
}

static void
parse_entry (FathomAnnotations *self, JsonNode *node, const char *source, int index)
{
  JsonObject *obj;
  JsonNode *list;
  const char *name, *cls;
  FathomAnnotation *a;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      add_problem (self, FATHOM_ANNOTATION_PROBLEM_WRONG_TYPE, source, index, NULL,
                   "not an object");
      return;
    }
  obj = json_node_get_object (node);
  name = member_string (obj, "filename");
  if (name == NULL || *fathom_annotations_basename (name) == '\0')
    {
      add_problem (self, FATHOM_ANNOTATION_PROBLEM_NO_FILENAME, source, index, NULL,
                   "no “filename” string naming an image");
      return;
    }
  a = fathom_annotation_entry_new (fathom_annotations_basename (name), name, source, index);

  cls = member_string (obj, "class");
  if (json_object_has_member (obj, "class") && g_strcmp0 (cls, "image") != 0)
    add_problem (self, FATHOM_ANNOTATION_PROBLEM_UNKNOWN_CLASS, source, index, a->filename,
                 "entry class “%s” is not “image”", cls != NULL ? cls : "(not a string)");

  list = json_object_get_member (obj, "annotations");
  if (list != NULL && !JSON_NODE_HOLDS_ARRAY (list))
    add_problem (self, FATHOM_ANNOTATION_PROBLEM_WRONG_TYPE, source, index, a->filename,
                 "“annotations” is not a list");
  else if (list != NULL)
    {
      JsonArray *array = json_node_get_array (list);

      for (guint j = 0; j < json_array_get_length (array); j++)
        parse_shape (self, a, json_array_get_element (array, j), source, index, j);
    }

  if (a->rects->len == 0 && a->points->len == 0)
    add_problem (self, FATHOM_ANNOTATION_PROBLEM_NO_SHAPES, source, index, a->filename,
                 "no rect or point");
  else if (a->points->len == 1)
    add_problem (self, FATHOM_ANNOTATION_PROBLEM_ONE_POINT, source, index, a->filename,
                 "a single point, no head-tail box");
  else if (a->points->len >= 3)
    add_problem (self, FATHOM_ANNOTATION_PROBLEM_EXTRA_POINTS, source, index, a->filename,
                 "%u points; the first two are used as head and tail", a->points->len);
  if (a->points->len >= 2)
    {
      const FathomPoint *p = (const FathomPoint *) a->points->data;

      if (p[0].x == p[1].x && p[0].y == p[1].y)
        add_problem (self, FATHOM_ANNOTATION_PROBLEM_SAME_POINTS, source, index, a->filename,
                     "head and tail are the same point, no box");
    }
  fathom_annotations_add_entry (self, a);
}

gboolean
fathom_annotations_load_bytes (FathomAnnotations *self,
                               GBytes            *bytes,
                               const char        *name,
                               GError           **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  JsonArray *array;
  gsize len;
  const char *data;

  g_return_val_if_fail (self != NULL && bytes != NULL && name != NULL, FALSE);

  data = g_bytes_get_data (bytes, &len);
  if (!json_parser_load_from_data (parser, data != NULL ? data : "", len, &local))
    {
      /* json-glib says "<data>:LINE:COL: ..."; the file's name reads better.
       * It quotes the token it choked on, decoded: a bad \u escape makes
       * that not UTF-8. */
      g_autofree char *valid = g_utf8_make_valid (local->message, -1);
      const char *msg = valid;

      if (g_str_has_prefix (msg, "<data>:"))
        msg += strlen ("<data>:");
      g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_PARSE,
                   "%s:%s", name, msg);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_PARSE,
                   "%s: no JSON value (the file is empty)", name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_FORMAT,
                   "%s: the top level is a JSON %s, not a list of image entries", name,
                   JSON_NODE_HOLDS_OBJECT (root) ? "object" : "value");
      return FALSE;
    }
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    parse_entry (self, json_array_get_element (array, i), name, (int) i);
  return TRUE;
}

gboolean
fathom_annotations_load_file (FathomAnnotations *self,
                              const char        *path,
                              GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;
  char *contents = NULL;
  gsize len = 0;
  GStatBuf st;
  FileId id;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_IO,
                   "Cannot read annotations “%s”: %s", path, local->message);
      return FALSE;
    }
  bytes = g_bytes_new_take (contents, len);
  if (!fathom_annotations_load_bytes (self, bytes, path, error))
    return FALSE;
  if (g_stat (path, &st) == 0)
    {
      id.dev = st.st_dev;
      id.ino = st.st_ino;
      g_array_append_val (self->loaded, id);
    }
  return TRUE;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

gboolean
fathom_annotations_load_dir (FathomAnnotations *self,
                             const char        *dir,
                             GError           **error)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  const char *name;

  d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_IO,
                   "Cannot list annotations in “%s”: %s", dir, local->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, "_labels.json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);

      if (!fathom_annotations_load_file (self, path, error))
        return FALSE;
    }
  return TRUE;
}

guint
fathom_annotations_get_n_entries (FathomAnnotations *self)
{
  return self->entries->len;
}

const FathomAnnotation *
fathom_annotations_get_entry (FathomAnnotations *self, guint i)
{
  g_return_val_if_fail (i < self->entries->len, NULL);
  return g_ptr_array_index (self->entries, i);
}

const FathomAnnotation *
fathom_annotations_lookup (FathomAnnotations *self, const char *filename)
{
  return g_hash_table_lookup (self->by_name, fathom_annotations_basename (filename));
}

guint
fathom_annotations_get_n_problems (FathomAnnotations *self)
{
  return self->problems->len;
}

const FathomAnnotationProblem *
fathom_annotations_get_problem (FathomAnnotations *self, guint i)
{
  g_return_val_if_fail (i < self->problems->len, NULL);
  return g_ptr_array_index (self->problems, i);
}

guint
fathom_annotations_count_problems (FathomAnnotations *self, FathomAnnotationProblemKind kind)
{
  guint n = 0;

  for (guint i = 0; i < self->problems->len; i++)
    if (((FathomAnnotationProblem *) g_ptr_array_index (self->problems, i))->kind == kind)
      n++;
  return n;
}

guint
fathom_annotations_check_names (FathomAnnotations *self, GHashTable *known)
{
  guint unknown = 0;

  for (guint i = self->problems->len; i > 0; i--)
    if (((FathomAnnotationProblem *) g_ptr_array_index (self->problems, i - 1))->kind ==
        FATHOM_ANNOTATION_PROBLEM_UNKNOWN_IMAGE)
      g_ptr_array_remove_index (self->problems, i - 1);
  for (guint i = 0; i < self->entries->len; i++)
    {
      FathomAnnotation *a = g_ptr_array_index (self->entries, i);

      if (g_hash_table_contains (known, a->filename))
        continue;
      unknown++;
      add_problem (self, FATHOM_ANNOTATION_PROBLEM_UNKNOWN_IMAGE,
                   a->source != NULL ? a->source : "(corrections)", a->entry, a->filename,
                   "matches no image of the dataset");
    }
  return unknown;
}

int
fathom_annotation_get_kept_rect (const FathomAnnotation *self)
{
  const FathomBox *r;
  guint best = 0;

  if (self == NULL || self->rects->len == 0)
    return -1;
  r = (const FathomBox *) (gconstpointer) self->rects->data;
  /* >= : the course sorted by area and took the last, so ties go to the
   * later rect */
  for (guint i = 1; i < self->rects->len; i++)
    if (r[i].width * r[i].height >= r[best].width * r[best].height)
      best = i;
  return (int) best;
}

FathomAnnotations *
fathom_annotations_load_dataset (const char *dir)
{
  g_autofree char *folder = dir != NULL ? g_build_filename (dir, "annotations", NULL) : NULL;
  FathomAnnotations *set;

  if (folder == NULL || !g_file_test (folder, G_FILE_TEST_IS_DIR))
    return NULL;
  set = fathom_annotations_new ();
  if (!fathom_annotations_load_dir (set, folder, NULL) || fathom_annotations_get_n_entries (set) == 0)
    g_clear_pointer (&set, fathom_annotations_free);
  return set;
}

GArray *
fathom_annotation_dup_other_rects (const FathomAnnotation *self)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (FathomBox));
  int kept = fathom_annotation_get_kept_rect (self);

  for (guint i = 0; self != NULL && i < self->rects->len; i++)
    if ((int) i != kept)
      g_array_append_val (out, g_array_index (self->rects, FathomBox, i));
  return out;
}

gboolean
fathom_annotation_get_box (const FathomAnnotation *self,
                           int                     image_width,
                           int                     image_height,
                           FathomBox              *box)
{
  memset (box, 0, sizeof *box);
  if (self == NULL)
    return FALSE;
  if (self->rects->len > 0)
    {
      *box = g_array_index (self->rects, FathomBox, fathom_annotation_get_kept_rect (self));
      return TRUE;
    }
  if (self->points->len >= 2)
    {
      const FathomPoint *p = (const FathomPoint *) self->points->data;

      return fathom_box_from_points (&p[0], &p[1], image_width, image_height, box);
    }
  return FALSE;
}
