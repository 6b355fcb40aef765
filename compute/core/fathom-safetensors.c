/* fathom-safetensors.c: safetensors checkpoints, loaded and saved. */
#include "fathom-safetensors.h"
#include "fathom-quark.h"
#include "fathom-atomic-file.h"

#include <string.h>

#include <json-glib/json-glib.h>

/* Real headers are kilobytes; a bogus length must not make us validate and
 * parse gigabytes of garbage. */
#define MAX_HEADER_BYTES ((guint64) 100 * 1024 * 1024)

#define METADATA_KEY "__metadata__"

FATHOM_DEFINE_QUARK (fathom-safetensors-error-quark, fathom_safetensors_error)

typedef enum {
  CONVERT_NONE,                 /* listed, but not readable as float32 */
  CONVERT_F32,
  CONVERT_F16,
  CONVERT_BF16,
  CONVERT_F64,
} Convert;

typedef struct {
  const char *name;
  guint       size;             /* bytes per element */
  Convert     convert;
} Dtype;

/* The dtypes of the format with a whole number of bytes per element. */
static const Dtype dtypes[] = {
  { "BOOL",    1, CONVERT_NONE },
  { "U8",      1, CONVERT_NONE },
  { "I8",      1, CONVERT_NONE },
  { "F8_E5M2", 1, CONVERT_NONE },
  { "F8_E4M3", 1, CONVERT_NONE },
  { "I16",     2, CONVERT_NONE },
  { "U16",     2, CONVERT_NONE },
  { "F16",     2, CONVERT_F16 },
  { "BF16",    2, CONVERT_BF16 },
  { "I32",     4, CONVERT_NONE },
  { "U32",     4, CONVERT_NONE },
  { "F32",     4, CONVERT_F32 },
  { "I64",     8, CONVERT_NONE },
  { "U64",     8, CONVERT_NONE },
  { "F64",     8, CONVERT_F64 },
};

typedef struct {
  char        *name;
  const Dtype *dtype;
  guint        ndim;
  gint64       shape[FATHOM_MAX_DIMS];
  guint64      numel;
  guint64      begin;           /* byte range in the data section */
  guint64      end;
  guint        position;        /* in the header, to order ties */
} Entry;

struct _FathomSafetensors
{
  GBytes       *bytes;          /* the whole file */
  const guint8 *data;           /* its data section */
  gsize         data_len;
  GPtrArray    *entries;        /* Entry *, in data-offset order */
  GHashTable   *by_name;        /* name -> Entry *, borrowed */
  GHashTable   *metadata;       /* char * -> char * */
};

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->name);
  g_free (e);
}

static const Dtype *
find_dtype (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (dtypes[i].name, name) == 0)
      return &dtypes[i];
  return NULL;
}

static char *
shape_to_string (guint ndim, const gint64 *shape)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---- what json-glib lets through ---------------------------------------
 *
 * json-glib 1.6 accepts more than JSON: comments, single quotes, "var x =",
 * and several top-level values (leaking all but the first). Outside strings
 * only the characters JSON uses are allowed here, and a single top-level
 * object followed by nothing but whitespace (the writer's padding); syntax
 * errors within that are left to the parser.
 */
static gboolean
check_json_outline (const char *text, gsize len, GError **error)
{
  gboolean in_string = FALSE, seen_root = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;                /* the escaped character cannot end it */
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        continue;
      if (depth == 0 && (seen_root || c != '{'))
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                       "the header is not a single JSON object (unexpected data at byte %"
                       G_GSIZE_FORMAT ")", i);
          return FALSE;
        }
      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '{':
        case '[':
          seen_root = TRUE;
          depth++;
          break;
        case '}':
        case ']':
          depth--;
          break;
        case ',': case ':': case '-': case '+': case '.':
          break;
        default:
          if (!g_ascii_isalnum (c))
            {
              g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                           "the header is not valid JSON: unexpected byte 0x%02x at byte %"
                           G_GSIZE_FORMAT, (guchar) c, i);
              return FALSE;
            }
        }
    }
  if (!seen_root)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "the header is not a single JSON object (it is empty)");
      return FALSE;
    }
  return TRUE;
}

/* ---- duplicate keys ----------------------------------------------------
 *
 * JsonObject keeps only the last of repeated keys, silently. The parser's
 * signals still see every member, so a stack of the names seen in each open
 * object finds repeats.
 */

typedef struct {
  GPtrArray *open;              /* GHashTable * of names, innermost last */
  char      *duplicate;         /* the first repeated key */
} KeyScan;

static void
scan_object_start (JsonParser *parser, gpointer user_data)
{
  KeyScan *scan = user_data;

  g_ptr_array_add (scan->open, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL));
}

static void
scan_object_member (JsonParser *parser,
                    JsonObject *object,
                    const char *name,
                    gpointer    user_data)
{
  KeyScan *scan = user_data;
  GHashTable *seen;

  if (scan->open->len == 0)
    return;
  seen = g_ptr_array_index (scan->open, scan->open->len - 1);
  if (!g_hash_table_add (seen, g_strdup (name)) && scan->duplicate == NULL)
    scan->duplicate = g_strdup (name);
}

static void
scan_object_end (JsonParser *parser, JsonObject *object, gpointer user_data)
{
  KeyScan *scan = user_data;

  if (scan->open->len > 0)
    g_ptr_array_set_size (scan->open, scan->open->len - 1);
}

/* ---- header validation ------------------------------------------------- */

/* A JSON integer >= 0. json-glib saturates out-of-range integers to -1 or
 * G_MININT64, so those are refused here too. */
static gboolean
node_get_index (JsonNode *node, guint64 *out)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
parse_metadata (FathomSafetensors *self, JsonNode *node, GError **error)
{
  JsonObject *obj;
  g_autoptr(GList) keys = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "“%s” is not an object", METADATA_KEY);
      return FALSE;
    }
  obj = json_node_get_object (node);
  keys = json_object_get_members (obj);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (obj, l->data);

      /* json-glib 1.6 turns a bad \u escape (a lone surrogate) into bytes
       * that are not UTF-8, though the header as a whole was */
      if (!g_utf8_validate (l->data, -1, NULL) ||
          (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING &&
           !g_utf8_validate (json_node_get_string (value), -1, NULL)))
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                       "%s: a key or value is not valid UTF-8", METADATA_KEY);
          return FALSE;
        }
      if (!JSON_NODE_HOLDS_VALUE (value) ||
          json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                       "%s: the value of “%s” is not a string",
                       METADATA_KEY, (const char *) l->data);
          return FALSE;
        }
      g_hash_table_insert (self->metadata, g_strdup (l->data),
                           g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

static Entry *
parse_entry (const char *name, JsonNode *node, guint position, GError **error)
{
  JsonObject *obj;
  JsonNode *dtype_node, *shape_node, *offsets_node;
  JsonArray *shape, *offsets;
  const Dtype *dtype;
  g_autofree char *shape_str = NULL;
  Entry e = { 0 };
  guint64 nbytes;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "tensor “%s”: the entry is not an object", name);
      return NULL;
    }
  obj = json_node_get_object (node);

  dtype_node = json_object_get_member (obj, "dtype");
  if (dtype_node == NULL || !JSON_NODE_HOLDS_VALUE (dtype_node) ||
      json_node_get_value_type (dtype_node) != G_TYPE_STRING)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "tensor “%s”: “dtype” is missing or not a string", name);
      return NULL;
    }
  dtype = find_dtype (json_node_get_string (dtype_node));
  if (dtype == NULL)
    {
      /* quoted as UTF-8 whatever a bad \u escape made of it */
      g_autofree char *shown = g_utf8_make_valid (json_node_get_string (dtype_node), -1);

      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_DTYPE,
                   "tensor “%s”: unknown dtype “%s”", name, shown);
      return NULL;
    }

  shape_node = json_object_get_member (obj, "shape");
  if (shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "tensor “%s”: “shape” is missing or not an array", name);
      return NULL;
    }
  shape = json_node_get_array (shape_node);
  if (json_array_get_length (shape) > FATHOM_MAX_DIMS)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "tensor “%s”: %u dimensions, more than the %d supported",
                   name, json_array_get_length (shape), FATHOM_MAX_DIMS);
      return NULL;
    }
  e.ndim = json_array_get_length (shape);
  e.numel = 1;
  for (guint i = 0; i < e.ndim; i++)
    {
      guint64 dim;

      if (!node_get_index (json_array_get_element (shape, i), &dim))
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                       "tensor “%s”: shape[%u] is not a non-negative integer", name, i);
          return NULL;
        }
      e.shape[i] = (gint64) dim;
      if (!g_uint64_checked_mul (&e.numel, e.numel, dim))
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                       "tensor “%s”: the number of elements overflows", name);
          return NULL;
        }
    }
  shape_str = shape_to_string (e.ndim, e.shape);
  if (!g_uint64_checked_mul (&nbytes, e.numel, dtype->size))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "tensor “%s”: the byte size of shape %s overflows", name, shape_str);
      return NULL;
    }

  offsets_node = json_object_get_member (obj, "data_offsets");
  if (offsets_node == NULL)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "tensor “%s”: “data_offsets” is missing", name);
      return NULL;
    }
  offsets = JSON_NODE_HOLDS_ARRAY (offsets_node) ? json_node_get_array (offsets_node) : NULL;
  if (offsets == NULL || json_array_get_length (offsets) != 2 ||
      !node_get_index (json_array_get_element (offsets, 0), &e.begin) ||
      !node_get_index (json_array_get_element (offsets, 1), &e.end))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_OFFSETS,
                   "tensor “%s”: “data_offsets” is not two non-negative integers", name);
      return NULL;
    }
  if (e.begin > e.end)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_OFFSETS,
                   "tensor “%s”: data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   "] end before they begin", name, e.begin, e.end);
      return NULL;
    }
  if (e.end - e.begin != nbytes)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_OFFSETS,
                   "tensor “%s”: data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   "] span %" G_GUINT64_FORMAT " bytes, but shape %s of %s needs %"
                   G_GUINT64_FORMAT, name, e.begin, e.end, e.end - e.begin,
                   shape_str, dtype->name, nbytes);
      return NULL;
    }

  e.name = g_strdup (name);
  e.dtype = dtype;
  e.position = position;
  return g_memdup2 (&e, sizeof e);
}

static int
compare_entries (gconstpointer pa, gconstpointer pb)
{
  const Entry *a = *(const Entry *const *) pa;
  const Entry *b = *(const Entry *const *) pb;

  if (a->begin != b->begin)
    return a->begin < b->begin ? -1 : 1;
  if (a->end != b->end)
    return a->end < b->end ? -1 : 1;
  return a->position < b->position ? -1 : a->position > b->position;
}

/* The format requires the ranges to tile the data section exactly, which
 * also rules out two tensors aliasing the same bytes. */
static gboolean
check_coverage (FathomSafetensors *self, GError **error)
{
  const Entry *prev = NULL;
  guint64 covered = 0;

  g_ptr_array_sort (self->entries, compare_entries);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *e = g_ptr_array_index (self->entries, i);

      if (e->begin < covered)
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_OFFSETS,
                       "tensor “%s” (bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
                       ") overlaps tensor “%s” (bytes %" G_GUINT64_FORMAT "..%"
                       G_GUINT64_FORMAT ")", e->name, e->begin, e->end,
                       prev->name, prev->begin, prev->end);
          return FALSE;
        }
      if (e->begin > covered)
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_OFFSETS,
                       "bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
                       " of the data section belong to no tensor (a hole before “%s”)",
                       covered, e->begin, e->name);
          return FALSE;
        }
      covered = e->end;
      prev = e;
    }
  if (covered > self->data_len)
    {
      /* the ranges are consistent among themselves: the data ran short */
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_TRUNCATED,
                   "tensor “%s” ends at byte %" G_GUINT64_FORMAT ", beyond the %"
                   G_GSIZE_FORMAT "-byte data section (truncated file?)",
                   prev->name, prev->end, self->data_len);
      return FALSE;
    }
  if (covered < self->data_len)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_OFFSETS,
                   "the last %" G_GUINT64_FORMAT " bytes of the data section belong to no tensor",
                   (guint64) self->data_len - covered);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_header (FathomSafetensors *self,
              const char        *header,
              gsize              header_len,
              GError           **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_autofree char *duplicate = NULL;
  g_autoptr(GList) keys = NULL;
  g_autoptr(GError) local = NULL;
  KeyScan scan = { open, NULL };
  JsonObject *root;
  guint position = 0;
  gboolean ok;

  if (!g_utf8_validate_len (header, header_len, NULL))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "the header is not valid UTF-8");
      return FALSE;
    }
  if (!check_json_outline (header, header_len, error))
    return FALSE;

  g_signal_connect (parser, "object-start", G_CALLBACK (scan_object_start), &scan);
  g_signal_connect (parser, "object-member", G_CALLBACK (scan_object_member), &scan);
  g_signal_connect (parser, "object-end", G_CALLBACK (scan_object_end), &scan);
  ok = json_parser_load_from_data (parser, header, (gssize) header_len, &local);
  duplicate = scan.duplicate;
  if (!ok)
    {
      /* json-glib quotes the token it choked on, decoded: a bad \u escape
       * makes that not UTF-8 */
      g_autofree char *message = g_utf8_make_valid (local->message, -1);

      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "the header is not valid JSON: %s", message);
      return FALSE;
    }
  if (json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "the header is not a single JSON object");
      return FALSE;
    }
  if (duplicate != NULL)
    {
      g_autofree char *key = g_utf8_make_valid (duplicate, -1);

      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "the header repeats the key “%s”", key);
      return FALSE;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  keys = json_object_get_members (root);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (root, key);
      Entry *e;

      /* as in parse_metadata(): a bad \u escape */
      if (!g_utf8_validate (key, -1, NULL))
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                       "a tensor name is not valid UTF-8");
          return FALSE;
        }
      if (strcmp (key, METADATA_KEY) == 0)
        {
          if (!parse_metadata (self, node, error))
            return FALSE;
          continue;
        }
      e = parse_entry (key, node, position++, error);
      if (e == NULL)
        return FALSE;
      g_ptr_array_add (self->entries, e);
      g_hash_table_insert (self->by_name, e->name, e);
    }
  return check_coverage (self, error);
}

FathomSafetensors *
fathom_safetensors_load_bytes (GBytes *bytes, GError **error)
{
  g_autoptr(FathomSafetensors) self = NULL;
  const guint8 *buf;
  guint64 header_len;
  gsize len;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  buf = g_bytes_get_data (bytes, &len);
  if (len < 8)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_TRUNCATED,
                   "the file is %" G_GSIZE_FORMAT " bytes, too short for the 8-byte header length",
                   len);
      return NULL;
    }
  memcpy (&header_len, buf, sizeof header_len);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > MAX_HEADER_BYTES)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "the header length %" G_GUINT64_FORMAT " is implausibly large (limit %"
                   G_GUINT64_FORMAT ")", header_len, MAX_HEADER_BYTES);
      return NULL;
    }
  if (header_len > len - 8)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_TRUNCATED,
                   "the header length %" G_GUINT64_FORMAT " runs past the end of the %"
                   G_GSIZE_FORMAT "-byte file", header_len, len);
      return NULL;
    }

  self = g_new0 (FathomSafetensors, 1);
  self->bytes = g_bytes_ref (bytes);
  self->data = buf + 8 + header_len;
  self->data_len = len - 8 - (gsize) header_len;
  self->entries = g_ptr_array_new_with_free_func (entry_free);
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!parse_header (self, (const char *) buf + 8, (gsize) header_len, error))
    return NULL;
  return g_steal_pointer (&self);
}

FathomSafetensors *
fathom_safetensors_load (const char *path, GError **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;
  FathomSafetensors *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Read-only private mapping: tensors are copied out on demand. A file
   * truncated by someone else while mapped would fault; checkpoints are
   * replaced by rename (as fathom_safetensors_save() does), not rewritten. */
  file = g_mapped_file_new (path, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_IO,
                   "%s", local->message);
      return NULL;
    }
  bytes = g_mapped_file_get_bytes (file);
  self = fathom_safetensors_load_bytes (bytes, &local);
  if (self == NULL)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, local->code,
                   "Cannot load “%s”: %s", path, local->message);
      return NULL;
    }
  return self;
}

void
fathom_safetensors_free (FathomSafetensors *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_free (self);
}

guint
fathom_safetensors_get_n_tensors (FathomSafetensors *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->entries->len;
}

const char *
fathom_safetensors_get_name (FathomSafetensors *self, guint i)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (i < self->entries->len, NULL);
  return ((const Entry *) g_ptr_array_index (self->entries, i))->name;
}

gboolean
fathom_safetensors_get_info (FathomSafetensors  *self,
                             const char         *name,
                             guint              *ndim,
                             gint64              shape[FATHOM_MAX_DIMS],
                             const char        **dtype)
{
  const Entry *e;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  e = g_hash_table_lookup (self->by_name, name);
  if (e == NULL)
    return FALSE;
  if (ndim != NULL)
    *ndim = e->ndim;
  if (shape != NULL)
    memcpy (shape, e->shape, sizeof e->shape);
  if (dtype != NULL)
    *dtype = e->dtype->name;
  return TRUE;
}

const char *
fathom_safetensors_get_metadata (FathomSafetensors *self, const char *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->metadata, key);
}

/* ---- reading values ---------------------------------------------------- */

/* Exact: every half, subnormals and NaN payloads included, is a float. */
static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  float f;

  if (exp == 0x1f)
    bits = sign | 0x7f800000 | (mant << 13);
  else if (exp != 0)
    bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  else if (mant == 0)
    bits = sign;
  else
    {
      /* subnormal: shift the leading one up to the implicit position */
      gint32 e = -14;

      while ((mant & 0x400) == 0)
        {
          mant <<= 1;
          e--;
        }
      bits = sign | ((guint32) (e + 127) << 23) | ((mant & 0x3ff) << 13);
    }
  memcpy (&f, &bits, sizeof f);
  return f;
}

/* src may be unaligned (the header length need not be a multiple of 8 in
 * files from elsewhere), hence memcpy per element. */
static void
convert_values (const Entry *e, const guint8 *src, float *dst)
{
  gsize n = (gsize) e->numel;

  switch (e->dtype->convert)
    {
    case CONVERT_F32:
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      memcpy (dst, src, n * sizeof (float));
#else
      for (gsize i = 0; i < n; i++)
        {
          guint32 v;

          memcpy (&v, src + 4 * i, 4);
          v = GUINT32_FROM_LE (v);
          memcpy (&dst[i], &v, 4);
        }
#endif
      break;
    case CONVERT_F16:
      for (gsize i = 0; i < n; i++)
        {
          guint16 v;

          memcpy (&v, src + 2 * i, 2);
          dst[i] = half_to_float (GUINT16_FROM_LE (v));
        }
      break;
    case CONVERT_BF16:
      for (gsize i = 0; i < n; i++)
        {
          guint16 v;
          guint32 bits;

          memcpy (&v, src + 2 * i, 2);
          bits = (guint32) GUINT16_FROM_LE (v) << 16;
          memcpy (&dst[i], &bits, 4);
        }
      break;
    case CONVERT_F64:
      for (gsize i = 0; i < n; i++)
        {
          guint64 v;
          double d;

          memcpy (&v, src + 8 * i, 8);
          v = GUINT64_FROM_LE (v);
          memcpy (&d, &v, 8);
          dst[i] = (float) d;
        }
      break;
    case CONVERT_NONE:
    default:
      g_assert_not_reached ();
    }
}

static const Entry *
lookup_readable (FathomSafetensors *self, const char *name, GError **error)
{
  const Entry *e = g_hash_table_lookup (self->by_name, name);

  if (e == NULL)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_MISSING,
                   "no tensor named “%s”", name);
      return NULL;
    }
  if (e->dtype->convert == CONVERT_NONE)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_DTYPE,
                   "tensor “%s” has dtype %s, which cannot be read as float32",
                   name, e->dtype->name);
      return NULL;
    }
  return e;
}

FathomTensor *
fathom_safetensors_get_tensor (FathomSafetensors *self, const char *name, GError **error)
{
  const Entry *e;
  FathomTensor *t;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  e = lookup_readable (self, name, error);
  if (e == NULL)
    return NULL;
  t = fathom_tensor_new (e->ndim, e->shape);
  convert_values (e, self->data + e->begin, fathom_tensor_get_data (t));
  return t;
}

gboolean
fathom_safetensors_read_into (FathomSafetensors  *self,
                              const char         *name,
                              FathomTensor       *dst,
                              GError            **error)
{
  const Entry *e;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (dst != NULL, FALSE);

  e = lookup_readable (self, name, error);
  if (e == NULL)
    return FALSE;
  if (fathom_tensor_get_location (dst) != FATHOM_LOCATION_HOST)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_INVALID,
                   "tensor “%s”: the destination is not a host tensor", name);
      return FALSE;
    }
  if (!fathom_tensor_has_shape (dst, e->ndim, e->shape))
    {
      g_autofree char *want = shape_to_string (e->ndim, e->shape);
      g_autofree char *got = fathom_tensor_shape_to_string (dst);

      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_SHAPE,
                   "tensor “%s” has shape %s, but the destination has shape %s",
                   name, want, got);
      return FALSE;
    }
  convert_values (e, self->data + e->begin, fathom_tensor_get_data (dst));
  return TRUE;
}

/* ---- saving ------------------------------------------------------------ */

static void
append_json_string (GString *s, const char *str)
{
  g_string_append_c (s, '"');
  for (const guchar *p = (const guchar *) str; *p != '\0'; p++)
    switch (*p)
      {
      case '"':  g_string_append (s, "\\\""); break;
      case '\\': g_string_append (s, "\\\\"); break;
      case '\n': g_string_append (s, "\\n"); break;
      case '\r': g_string_append (s, "\\r"); break;
      case '\t': g_string_append (s, "\\t"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (s, "\\u%04x", *p);
        else
          g_string_append_c (s, (char) *p);
      }
  g_string_append_c (s, '"');
}

/* Compact JSON as the reference writer makes it: metadata first (keys
 * sorted, so the bytes do not depend on hash order), then the tensors in
 * the order given. */
static GString *
build_header (guint                n,
              const char *const   *names,
              FathomTensor *const *tensors,
              GHashTable          *metadata)
{
  GString *s = g_string_new ("{");
  guint64 offset = 0;

  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (metadata),
                                           (GCompareFunc) strcmp);

      append_json_string (s, METADATA_KEY);
      g_string_append (s, ":{");
      for (GList *l = keys; l != NULL; l = l->next)
        {
          if (l != keys)
            g_string_append_c (s, ',');
          append_json_string (s, l->data);
          g_string_append_c (s, ':');
          append_json_string (s, g_hash_table_lookup (metadata, l->data));
        }
      g_string_append_c (s, '}');
    }
  for (guint i = 0; i < n; i++)
    {
      guint ndim = fathom_tensor_get_ndim (tensors[i]);
      const gint64 *shape = fathom_tensor_get_shape (tensors[i]);
      guint64 nbytes = (guint64) fathom_tensor_get_numel (tensors[i]) * sizeof (float);

      if (s->len > 1)
        g_string_append_c (s, ',');
      append_json_string (s, names[i]);
      g_string_append (s, ":{\"dtype\":\"F32\",\"shape\":[");
      for (guint d = 0; d < ndim; d++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? "," : "", shape[d]);
      g_string_append_printf (s, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%"
                              G_GUINT64_FORMAT "]}", offset, offset + nbytes);
      offset += nbytes;
    }
  g_string_append_c (s, '}');
  /* keeps the data section 8-byte aligned when the file is mapped */
  while (s->len % 8 != 0)
    g_string_append_c (s, ' ');
  return s;
}

static gboolean
check_save_args (const char          *path,
                 guint                n,
                 const char *const   *names,
                 FathomTensor *const *tensors,
                 GHashTable          *metadata,
                 GError             **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < n; i++)
    {
      const char *why = NULL;

      if (names[i] == NULL || !g_utf8_validate (names[i], -1, NULL))
        why = "is missing or not valid UTF-8";
      else if (strcmp (names[i], METADATA_KEY) == 0)
        why = "is reserved for metadata";
      else if (!g_hash_table_add (seen, (gpointer) names[i]))
        why = "appears more than once";
      else if (tensors[i] == NULL ||
               fathom_tensor_get_location (tensors[i]) != FATHOM_LOCATION_HOST)
        why = "is not a host tensor";
      if (why != NULL)
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_INVALID,
                       "Cannot save “%s”: tensor %u (“%s”) %s", path, i,
                       names[i] != NULL && g_utf8_validate (names[i], -1, NULL) ? names[i] : "?",
                       why);
          return FALSE;
        }
    }
  if (metadata == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (key == NULL || value == NULL ||
        !g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
      {
        g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_INVALID,
                     "Cannot save “%s”: metadata keys and values must be UTF-8 strings",
                     path);
        return FALSE;
      }
  return TRUE;
}

gboolean
fathom_safetensors_save (const char          *path,
                         guint                n,
                         const char *const   *names,
                         FathomTensor *const *tensors,
                         GHashTable          *metadata,
                         GError             **error)
{
  g_autoptr(GString) header = NULL;
  g_autoptr(FathomAtomicFile) file = NULL;
  GError *local = NULL;
  guint64 header_len;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (names != NULL && tensors != NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* everything that can be refused is refused before the disk is touched */
  if (!check_save_args (path, n, names, tensors, metadata, error))
    return FALSE;
  header = build_header (n, names, tensors, metadata);
  header_len = GUINT64_TO_LE ((guint64) header->len);

  file = fathom_atomic_file_open (path, &local);
  ok = file != NULL &&
       fathom_atomic_file_write (file, &header_len, sizeof header_len, &local) &&
       fathom_atomic_file_write (file, header->str, header->len, &local);
  for (guint i = 0; ok && i < n; i++)
    ok = fathom_atomic_file_write_floats_le (file, fathom_tensor_get_const_data (tensors[i]),
                                             fathom_tensor_get_numel (tensors[i]), &local);
  if (!ok || !fathom_atomic_file_commit (g_steal_pointer (&file), &local))
    return fathom_atomic_file_propagate_error (error, local, FATHOM_SAFETENSORS_ERROR,
                                               FATHOM_SAFETENSORS_ERROR_IO);
  return TRUE;
}
