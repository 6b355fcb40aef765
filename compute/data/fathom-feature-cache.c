/* fathom-feature-cache.c: streamed feature files and the feature cache. */
#define G_LOG_DOMAIN "fathom-feature-cache"

/* fallocate() and FALLOC_FL_KEEP_SIZE */
#define _GNU_SOURCE

#include "fathom-feature-cache.h"
#include "fathom-quark.h"
#include "fathom-safetensors.h"
#include "fathom-atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

FATHOM_DEFINE_QUARK (fathom-feature-cache-error-quark, fathom_feature_cache_error)

/* ---- shared helpers ---------------------------------------------------- */

/* The same escaping as the safetensors writer, so the header reads back
 * through its loader. */
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

/* Bytes in [n, c, h, w] float32 rows; FALSE on overflow (the file offsets
 * are signed 64-bit). */
static gboolean
shape_bytes (gint64 n, gint64 c, gint64 h, gint64 w, guint64 *row, guint64 *total)
{
  guint64 r, t;

  if (!g_uint64_checked_mul (&r, (guint64) c, (guint64) h) ||
      !g_uint64_checked_mul (&r, r, (guint64) w) ||
      !g_uint64_checked_mul (&r, r, sizeof (float)) ||
      !g_uint64_checked_mul (&t, r, (guint64) n) ||
      r > G_MAXSIZE || t > (guint64) G_MAXINT64 / 2)
    return FALSE;
  *row = r;
  *total = t;
  return TRUE;
}

/* ---- writer ------------------------------------------------------------ */

typedef enum {
  WRITER_OPEN,
  WRITER_FINISHED,
  WRITER_FAILED,
} WriterState;

struct _FathomFeatureWriter
{
  char             *path;
  FathomAtomicFile *file;       /* NULL once finished or failed */
  WriterState       state;
  gint64            n, c, h, w;
  gint64            n_written;
  gsize             row_floats;
};

/* Drops the temporary file at once, so that no error path leaves one
 * behind, whatever the caller does next. */
static void
writer_discard (FathomFeatureWriter *self, WriterState state)
{
  g_clear_pointer (&self->file, fathom_atomic_file_abort);
  self->state = state;
}

/* Spends the writer on the atomic file's error, as an IO error. */
static gboolean
writer_fail (FathomFeatureWriter *self, GError *local, GError **error)
{
  writer_discard (self, WRITER_FAILED);
  return fathom_atomic_file_propagate_error (error, local, FATHOM_FEATURE_CACHE_ERROR,
                                             FATHOM_FEATURE_CACHE_ERROR_IO);
}

static gboolean
writer_check_open (FathomFeatureWriter *self, GError **error)
{
  if (self->state == WRITER_OPEN)
    return TRUE;
  g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FAILED,
               "Cannot write “%s”: the writer has already %s", self->path,
               self->state == WRITER_FINISHED ? "finished" : "failed");
  return FALSE;
}

static gboolean
check_writer_args (const char        *path,
                   gint64             n,
                   gint64             c,
                   gint64             h,
                   gint64             w,
                   const char *const *files,
                   GHashTable        *metadata,
                   GError           **error)
{
  GHashTableIter iter;
  gpointer key, value;
  guint64 row, total;

  if (n < 0 || c <= 0 || h <= 0 || w <= 0 || !shape_bytes (n, c, h, w, &row, &total))
    {
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                   "Cannot write “%s”: bad feature shape [%" G_GINT64_FORMAT ", %"
                   G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                   path, n, c, h, w);
      return FALSE;
    }
  for (gint64 i = 0; i < n; i++)
    if (files == NULL || files[i] == NULL || !g_utf8_validate (files[i], -1, NULL))
      {
        g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                     "Cannot write “%s”: file name %" G_GINT64_FORMAT
                     " is missing or not valid UTF-8", path, i);
        return FALSE;
      }
  if (metadata == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *why = NULL;

      if (key == NULL || value == NULL ||
          !g_utf8_validate (key, -1, NULL) || !g_utf8_validate (value, -1, NULL))
        why = "metadata keys and values must be UTF-8 strings";
      else if (strcmp (key, FATHOM_FEATURE_FILES_KEY) == 0)
        why = "the metadata key “" FATHOM_FEATURE_FILES_KEY "” is reserved for the image list";
      if (why != NULL)
        {
          g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                       "Cannot write “%s”: %s", path, why);
          return FALSE;
        }
    }
  return TRUE;
}

/* The header the safetensors writer would make for this tensor: metadata
 * first with sorted keys, padded with spaces to a multiple of 8 so that the
 * data section is aligned when mapped. */
static GString *
build_header (gint64             n,
              gint64             c,
              gint64             h,
              gint64             w,
              guint64            total,
              const char *const *files,
              GHashTable        *metadata)
{
  g_autoptr(GHashTable) all = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GString) list = g_string_new ("[");
  g_autoptr(GList) keys = NULL;
  GString *s = g_string_new ("{");

  for (gint64 i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (list, ',');
      append_json_string (list, files[i]);
    }
  g_string_append_c (list, ']');

  if (metadata != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (all, key, g_strdup (value));
    }
  g_hash_table_insert (all, (gpointer) FATHOM_FEATURE_FILES_KEY,
                       g_string_free (g_steal_pointer (&list), FALSE));

  keys = g_list_sort (g_hash_table_get_keys (all), (GCompareFunc) strcmp);
  g_string_append (s, "\"__metadata__\":{");
  for (GList *l = keys; l != NULL; l = l->next)
    {
      if (l != keys)
        g_string_append_c (s, ',');
      append_json_string (s, l->data);
      g_string_append_c (s, ':');
      append_json_string (s, g_hash_table_lookup (all, l->data));
    }
  g_string_append (s, "},");
  append_json_string (s, FATHOM_FEATURE_TENSOR_NAME);
  g_string_append_printf (s, ":{\"dtype\":\"F32\",\"shape\":[%" G_GINT64_FORMAT ",%"
                          G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                          "],\"data_offsets\":[0,%" G_GUINT64_FORMAT "]}}",
                          n, c, h, w, total);
  while (s->len % 8 != 0)
    g_string_append_c (s, ' ');
  return s;
}

FathomFeatureWriter *
fathom_feature_writer_open (const char        *path,
                            gint64             n,
                            gint64             c,
                            gint64             h,
                            gint64             w,
                            const char *const *files,
                            GHashTable        *metadata,
                            GError           **error)
{
  g_autoptr(FathomFeatureWriter) self = NULL;
  g_autoptr(GString) header = NULL;
  GError *local = NULL;
  guint64 row, total, header_len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* everything that can be refused is refused before the disk is touched */
  if (!check_writer_args (path, n, c, h, w, files, metadata, error))
    return NULL;
  shape_bytes (n, c, h, w, &row, &total);
  header = build_header (n, c, h, w, total, files, metadata);
  header_len = GUINT64_TO_LE ((guint64) header->len);

  self = g_new0 (FathomFeatureWriter, 1);
  self->path = g_strdup (path);
  self->n = n;
  self->c = c;
  self->h = h;
  self->w = w;
  self->row_floats = (gsize) (row / sizeof (float));
  self->file = fathom_atomic_file_open (path, &local);
  if (self->file == NULL ||
      !fathom_atomic_file_write (self->file, &header_len, sizeof header_len, &local) ||
      !fathom_atomic_file_write (self->file, header->str, header->len, &local))
    {
      writer_fail (self, local, error);
      return NULL;
    }

#if defined(__linux__) && defined(FALLOC_FL_KEEP_SIZE)
  /* Reserve the blocks (KEEP_SIZE: the size grows only as rows are
   * written) so that a full disk is reported now rather than hours of
   * features later. File systems without fallocate are simply not asked. */
  if (total > 0 &&
      fallocate (fathom_atomic_file_get_fd (self->file), FALLOC_FL_KEEP_SIZE, 0,
                 (off_t) (8 + header->len + total)) != 0 &&
      (errno == ENOSPC || errno == EDQUOT || errno == EFBIG))
    {
      int saved_errno = errno;

      writer_discard (self, WRITER_FAILED);
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_IO,
                   "Cannot write “%s”: %s", path, g_strerror (saved_errno));
      return NULL;
    }
#endif
  return g_steal_pointer (&self);
}

gboolean
fathom_feature_writer_append (FathomFeatureWriter *self,
                              const FathomTensor  *rows,
                              GError             **error)
{
  const gint64 *shape;
  GError *local = NULL;
  gint64 k;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (rows != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!writer_check_open (self, error))
    return FALSE;

  shape = fathom_tensor_get_shape (rows);
  if (fathom_tensor_get_location (rows) != FATHOM_LOCATION_HOST ||
      fathom_tensor_get_ndim (rows) != 4 ||
      shape[1] != self->c || shape[2] != self->h || shape[3] != self->w)
    {
      g_autofree char *got = fathom_tensor_shape_to_string (rows);

      writer_discard (self, WRITER_FAILED);
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                   "Cannot write “%s”: rows must be a host tensor [n, %" G_GINT64_FORMAT
                   ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "], not %s%s",
                   self->path, self->c, self->h, self->w, got,
                   fathom_tensor_get_location (rows) == FATHOM_LOCATION_HOST ? "" : " on the device");
      return FALSE;
    }
  k = shape[0];
  if (k > self->n - self->n_written)
    {
      writer_discard (self, WRITER_FAILED);
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_ROWS,
                   "Cannot write “%s”: %" G_GINT64_FORMAT " more rows after %"
                   G_GINT64_FORMAT " exceed the %" G_GINT64_FORMAT " announced",
                   self->path, k, self->n_written, self->n);
      return FALSE;
    }
  if (!fathom_atomic_file_write_floats_le (self->file, fathom_tensor_get_const_data (rows),
                                          (gsize) k * self->row_floats, &local))
    return writer_fail (self, local, error);
  self->n_written += k;
  return TRUE;
}

gint64
fathom_feature_writer_get_n_written (FathomFeatureWriter *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_written;
}

gboolean
fathom_feature_writer_finish (FathomFeatureWriter *self, GError **error)
{
  GError *local = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!writer_check_open (self, error))
    return FALSE;
  if (self->n_written != self->n)
    {
      writer_discard (self, WRITER_FAILED);
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_ROWS,
                   "Cannot finish “%s”: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                   " rows written", self->path, self->n_written, self->n);
      return FALSE;
    }
  if (!fathom_atomic_file_commit (g_steal_pointer (&self->file), &local))
    return writer_fail (self, local, error);
  self->state = WRITER_FINISHED;
  return TRUE;
}

void
fathom_feature_writer_abort (FathomFeatureWriter *self)
{
  g_return_if_fail (self != NULL);

  if (self->state == WRITER_OPEN)
    writer_discard (self, WRITER_FAILED);
}

void
fathom_feature_writer_free (FathomFeatureWriter *self)
{
  if (self == NULL)
    return;
  fathom_feature_writer_abort (self);
  g_free (self->path);
  g_free (self);
}

/* ---- reader ------------------------------------------------------------ */

struct _FathomFeatureReader
{
  char              *path;
  GMappedFile       *file;
  FathomSafetensors *st;        /* validated header, metadata */
  const guint8      *data;      /* the features, inside the mapping */
  gint64             n, c, h, w;
  gsize              row_floats;
  char             **files;     /* n + 1, NULL-terminated */
};

static gboolean
parse_files (FathomFeatureReader *self, GError **error)
{
  const char *text = fathom_safetensors_get_metadata (self->st, FATHOM_FEATURE_FILES_KEY);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  JsonArray *list = NULL;
  const char *why = NULL;

  if (text == NULL)
    why = "there is no “" FATHOM_FEATURE_FILES_KEY "” list in its metadata";
  else
    {
      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, text, -1, &local))
        why = local->message;
      else if ((root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_ARRAY (root))
        why = "“" FATHOM_FEATURE_FILES_KEY "” is not a JSON list";
      else if ((gint64) json_array_get_length (list = json_node_get_array (root)) != self->n)
        why = "“" FATHOM_FEATURE_FILES_KEY "” does not name one file per row";
    }
  if (why != NULL)
    {
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FORMAT,
                   "“%s” is not a feature file: %s", self->path, why);
      return FALSE;
    }

  self->files = g_new0 (char *, self->n + 1);
  for (gint64 i = 0; i < self->n; i++)
    {
      JsonNode *node = json_array_get_element (list, (guint) i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FORMAT,
                       "“%s” is not a feature file: entry %" G_GINT64_FORMAT " of “"
                       FATHOM_FEATURE_FILES_KEY "” is not a string", self->path, i);
          return FALSE;
        }
      self->files[i] = g_strdup (json_node_get_string (node));
    }
  return TRUE;
}

static gboolean
check_features (FathomFeatureReader *self, GError **error)
{
  gint64 shape[FATHOM_MAX_DIMS];
  const char *dtype = NULL;
  guint64 header_len, row = 0, total = 0;
  const guint8 *base = (const guint8 *) g_mapped_file_get_contents (self->file);
  guint ndim = 0;
  const char *why = NULL;

  if (fathom_safetensors_get_n_tensors (self->st) != 1 ||
      !fathom_safetensors_get_info (self->st, FATHOM_FEATURE_TENSOR_NAME, &ndim, shape, &dtype))
    why = "it must hold exactly one tensor, “" FATHOM_FEATURE_TENSOR_NAME "”";
  else if (strcmp (dtype, "F32") != 0)
    why = "the features are not F32";
  else if (ndim != 4 || shape[1] <= 0 || shape[2] <= 0 || shape[3] <= 0 ||
           !shape_bytes (shape[0], shape[1], shape[2], shape[3], &row, &total))
    why = "the features are not [N, C, H, W] with C, H, W positive";
  if (why != NULL)
    {
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FORMAT,
                   "“%s” is not a feature file: %s", self->path, why);
      return FALSE;
    }

  /* The loader has checked that this one tensor covers the data section
   * exactly, so its bytes start right after the header. */
  memcpy (&header_len, base, sizeof header_len);
  header_len = GUINT64_FROM_LE (header_len);
  if (8 + header_len + total != g_mapped_file_get_length (self->file))
    {
      /* cannot happen after the loader's checks; refused all the same */
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FORMAT,
                   "“%s” is not a feature file: its size does not match its header",
                   self->path);
      return FALSE;
    }
  self->data = base + 8 + header_len;
  self->n = shape[0];
  self->c = shape[1];
  self->h = shape[2];
  self->w = shape[3];
  self->row_floats = (gsize) (row / sizeof (float));
  return TRUE;
}

FathomFeatureReader *
fathom_feature_reader_open (const char *path, GError **error)
{
  g_autoptr(FathomFeatureReader) self = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (FathomFeatureReader, 1);
  self->path = g_strdup (path);
  /* A read-only private mapping: rows are copied out on demand, so a file
   * larger than memory streams through the page cache. Files are replaced
   * by rename, never rewritten in place, so the mapping stays valid. */
  self->file = g_mapped_file_new (path, FALSE, &local);
  if (self->file == NULL)
    {
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_IO,
                   "%s", local->message);
      return NULL;
    }
  /* the project's loader validates the header over the same mapping */
  bytes = g_mapped_file_get_bytes (self->file);
  self->st = fathom_safetensors_load_bytes (bytes, &local);
  if (self->st == NULL)
    {
      g_set_error (error, local->domain, local->code,
                   "Cannot load “%s”: %s", path, local->message);
      return NULL;
    }
  if (!check_features (self, error) || !parse_files (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
fathom_feature_reader_free (FathomFeatureReader *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->st, fathom_safetensors_free);
  g_clear_pointer (&self->file, g_mapped_file_unref);
  g_strfreev (self->files);
  g_free (self->path);
  g_free (self);
}

const char *
fathom_feature_reader_get_path (FathomFeatureReader *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

gint64
fathom_feature_reader_get_n (FathomFeatureReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n;
}

gint64
fathom_feature_reader_get_channels (FathomFeatureReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->c;
}

gint64
fathom_feature_reader_get_height (FathomFeatureReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->h;
}

gint64
fathom_feature_reader_get_width (FathomFeatureReader *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->w;
}

const char * const *
fathom_feature_reader_get_files (FathomFeatureReader *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->files;
}

const char *
fathom_feature_reader_get_metadata (FathomFeatureReader *self, const char *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return fathom_safetensors_get_metadata (self->st, key);
}

static gboolean
check_destination (FathomFeatureReader *self,
                   gint64               count,
                   FathomTensor        *dst,
                   GError             **error)
{
  const gint64 want[4] = { count, self->c, self->h, self->w };

  if (fathom_tensor_get_location (dst) == FATHOM_LOCATION_HOST &&
      fathom_tensor_has_shape (dst, 4, want))
    return TRUE;
  {
    g_autofree char *got = fathom_tensor_shape_to_string (dst);

    g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                 "Cannot read “%s”: the destination must be a host tensor [%"
                 G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %"
                 G_GINT64_FORMAT "], not %s%s", self->path, count, self->c, self->h,
                 self->w, got,
                 fathom_tensor_get_location (dst) == FATHOM_LOCATION_HOST ? "" : " on the device");
    return FALSE;
  }
}

/* The mapping may be unaligned for files from elsewhere: memcpy only. */
static void
copy_rows (FathomFeatureReader *self, gint64 row, gint64 count, float *dst)
{
  const guint8 *src = self->data + (gsize) row * self->row_floats * sizeof (float);
  gsize n = (gsize) count * self->row_floats;

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
}

/* madvise over the pages holding rows [start, start + count). */
static void
advise_rows (FathomFeatureReader *self, gint64 start, gint64 count, int advice)
{
  const guint8 *base = (const guint8 *) g_mapped_file_get_contents (self->file);
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  gsize row_bytes, begin, end;

  start = CLAMP (start, 0, self->n);
  count = CLAMP (count, 0, self->n - start);
  if (count == 0 || page == 0 || base == NULL)
    return;
  /* madvise wants page-aligned addresses; the mapping itself starts on one */
  row_bytes = self->row_floats * sizeof (float);
  begin = (gsize) (self->data - base) + (gsize) start * row_bytes;
  end = begin + (gsize) count * row_bytes;
  begin -= begin % page;
  madvise ((void *) (base + begin), end - begin, advice);
}

/* The rows just copied leave the process's resident set (the mapping is
 * private and read-only: the pages come back from the page cache when
 * read again), so that an epoch over a feature file larger than memory
 * does not grow the process by the file's size. */
static void
release_rows (FathomFeatureReader *self, gint64 start, gint64 count)
{
#ifdef MADV_DONTNEED
  advise_rows (self, start, count, MADV_DONTNEED);
#endif
}

gboolean
fathom_feature_reader_read_rows (FathomFeatureReader *self,
                                 gint64               start,
                                 gint64               count,
                                 FathomTensor        *dst,
                                 GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (dst != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (start < 0 || count < 0 || start > self->n - count)
    {
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_RANGE,
                   "Cannot read rows %" G_GINT64_FORMAT " + %" G_GINT64_FORMAT
                   " of “%s”: it has %" G_GINT64_FORMAT " rows",
                   start, count, self->path, self->n);
      return FALSE;
    }
  if (!check_destination (self, count, dst, error))
    return FALSE;
  if (count > 0)
    {
      copy_rows (self, start, count, fathom_tensor_get_data (dst));
      release_rows (self, start, count);
    }
  return TRUE;
}

gboolean
fathom_feature_reader_read_row_indices (FathomFeatureReader *self,
                                        const gint64        *indices,
                                        gint64               count,
                                        FathomTensor        *dst,
                                        GError             **error)
{
  float *out;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (indices != NULL || count == 0, FALSE);
  g_return_val_if_fail (dst != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (count < 0)
    {
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_RANGE,
                   "Cannot read %" G_GINT64_FORMAT " rows of “%s”", count, self->path);
      return FALSE;
    }
  /* all checked first, so that a bad index leaves dst untouched */
  for (gint64 i = 0; i < count; i++)
    if (indices[i] < 0 || indices[i] >= self->n)
      {
        g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_RANGE,
                     "Cannot read row %" G_GINT64_FORMAT " of “%s”: it has %"
                     G_GINT64_FORMAT " rows", indices[i], self->path, self->n);
        return FALSE;
      }
  if (!check_destination (self, count, dst, error))
    return FALSE;
  out = count > 0 ? fathom_tensor_get_data (dst) : NULL;
  for (gint64 i = 0; i < count; i++)
    {
      copy_rows (self, indices[i], 1, out + (gsize) i * self->row_floats);
      release_rows (self, indices[i], 1);
    }
  return TRUE;
}

void
fathom_feature_reader_prefetch (FathomFeatureReader *self, gint64 start, gint64 count)
{
  g_return_if_fail (self != NULL);
#ifdef MADV_WILLNEED
  advise_rows (self, start, count, MADV_WILLNEED);
#endif
}

/* ---- cache ------------------------------------------------------------- */

static gboolean
check_key (const FathomFeatureKey *key, GError **error)
{
  const struct { const char *name, *value; } strings[] = {
    { "backbone", key->backbone },
    { "weights fingerprint", key->weights },
    { "dataset fingerprint", key->dataset },
    { "preprocessing", key->preprocessing },
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i].value == NULL || !g_utf8_validate (strings[i].value, -1, NULL))
      {
        g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                     "Invalid feature cache key: the %s is missing or not valid UTF-8",
                     strings[i].name);
        return FALSE;
      }
  if (key->input_height <= 0 || key->input_width <= 0)
    {
      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                   "Invalid feature cache key: input size %" G_GINT64_FORMAT " x %"
                   G_GINT64_FORMAT, key->input_height, key->input_width);
      return FALSE;
    }
  return TRUE;
}

GHashTable *
fathom_feature_key_to_metadata (const FathomFeatureKey *key)
{
  GHashTable *meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_return_val_if_fail (key != NULL, meta);

#define PUT(k, v) g_hash_table_insert (meta, g_strdup (k), (v))
  PUT (FATHOM_FEATURE_META_BACKBONE, g_strdup (key->backbone));
  PUT (FATHOM_FEATURE_META_WEIGHTS, g_strdup (key->weights));
  PUT (FATHOM_FEATURE_META_INPUT_HEIGHT, g_strdup_printf ("%" G_GINT64_FORMAT, key->input_height));
  PUT (FATHOM_FEATURE_META_INPUT_WIDTH, g_strdup_printf ("%" G_GINT64_FORMAT, key->input_width));
  PUT (FATHOM_FEATURE_META_DATASET, g_strdup (key->dataset));
  PUT (FATHOM_FEATURE_META_PREPROCESSING, g_strdup (key->preprocessing));
  PUT (FATHOM_FEATURE_META_FORMAT_VERSION,
       g_strdup_printf ("%d", FATHOM_FEATURE_CACHE_FORMAT_VERSION));
#undef PUT
  return meta;
}

/* One "name=length:value" line per component, sorted by name: the lengths
 * keep values with newlines or '=' from running into each other. */
static char *
canonical_key (const FathomFeatureKey *key)
{
  g_autoptr(GHashTable) meta = fathom_feature_key_to_metadata (key);
  g_autoptr(GList) names = g_list_sort (g_hash_table_get_keys (meta), (GCompareFunc) strcmp);
  GString *s = g_string_new ("fathom-feature-cache\n");

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *value = g_hash_table_lookup (meta, l->data);

      g_string_append_printf (s, "%s=%" G_GSIZE_FORMAT ":%s\n",
                              (const char *) l->data, strlen (value), value);
    }
  return g_string_free (s, FALSE);
}

char *
fathom_feature_cache_path_for_key (const char             *cache_dir,
                                   const FathomFeatureKey *key,
                                   GError                **error)
{
  g_autofree char *canonical = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (cache_dir != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_key (key, error))
    return NULL;
  canonical = canonical_key (key);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);
  name = g_strdup_printf ("features-%s.safetensors", digest);
  return g_build_filename (cache_dir, name, NULL);
}

gboolean
fathom_feature_cache_lookup (const char             *cache_dir,
                             const FathomFeatureKey *key,
                             char                  **out_path,
                             GError                **error)
{
  g_autofree char *path = NULL;
  g_autoptr(FathomFeatureReader) reader = NULL;
  g_autoptr(GHashTable) want = NULL;
  g_autoptr(GError) local = NULL;
  GHashTableIter iter;
  gpointer name, value;

  g_return_val_if_fail (cache_dir != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_path != NULL)
    *out_path = NULL;
  path = fathom_feature_cache_path_for_key (cache_dir, key, error);
  if (path == NULL)
    return FALSE;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_debug ("Feature cache miss: no “%s”", path);
      return FALSE;
    }
  reader = fathom_feature_reader_open (path, &local);
  if (reader == NULL)
    {
      g_debug ("Feature cache miss: ignoring an unusable file: %s", local->message);
      return FALSE;
    }
  /* the name is only a hash: the stored key is what must match */
  want = fathom_feature_key_to_metadata (key);
  g_hash_table_iter_init (&iter, want);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      const char *got = fathom_feature_reader_get_metadata (reader, name);

      if (g_strcmp0 (got, value) != 0)
        {
          g_debug ("Feature cache miss: “%s” is stale: its %s is “%s”, not “%s”",
                   path, (const char *) name, got != NULL ? got : "(missing)",
                   (const char *) value);
          return FALSE;
        }
    }
  g_debug ("Feature cache hit: “%s”", path);
  if (out_path != NULL)
    *out_path = g_steal_pointer (&path);
  return TRUE;
}

FathomFeatureWriter *
fathom_feature_cache_begin (const char             *cache_dir,
                            const FathomFeatureKey *key,
                            gint64                  n,
                            gint64                  c,
                            gint64                  h,
                            gint64                  w,
                            const char *const      *files,
                            GHashTable             *extra,
                            GError                **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) meta = NULL;

  g_return_val_if_fail (cache_dir != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = fathom_feature_cache_path_for_key (cache_dir, key, error);
  if (path == NULL)
    return NULL;
  meta = fathom_feature_key_to_metadata (key);
  if (extra != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, extra);
      while (g_hash_table_iter_next (&iter, &name, &value))
        {
          if (name == NULL || value == NULL || g_hash_table_contains (meta, name))
            {
              g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID,
                           "Cannot write “%s”: the extra metadata “%s” is missing or "
                           "repeats a key component", path, name != NULL ? (const char *) name : "?");
              return NULL;
            }
          g_hash_table_insert (meta, g_strdup (name), g_strdup (value));
        }
    }
  if (g_mkdir_with_parents (cache_dir, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_IO,
                   "Cannot create the feature cache “%s”: %s", cache_dir,
                   g_strerror (saved_errno));
      return NULL;
    }
  return fathom_feature_writer_open (path, n, c, h, w, files, meta, error);
}
