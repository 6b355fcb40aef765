/* fathom-corpus.c: character corpus, vocabulary and training windows. */
#include "fathom-corpus.h"
#include "fathom-quark.h"

#include <string.h>

FATHOM_DEFINE_QUARK (fathom-corpus-error-quark, fathom_corpus_error)

struct _FathomCorpus
{
  char       *name;
  gint32     *indices;          /* one per character */
  gsize       length;
  gunichar   *vocab;            /* sorted, "\0" first */
  guint       vocab_size;
  GHashTable *to_index;         /* code point -> index + 1 */
};

void
fathom_corpus_free (FathomCorpus *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->indices);
  g_free (self->vocab);
  g_hash_table_unref (self->to_index);
  g_free (self);
}

static int
compare_unichar (gconstpointer a, gconstpointer b)
{
  gunichar x = *(const gunichar *) a, y = *(const gunichar *) b;

  return x < y ? -1 : x > y;
}

FathomCorpus *
fathom_corpus_new_from_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_autoptr(FathomCorpus) self = NULL;
  g_autoptr(GArray) distinct = NULL;
  g_autoptr(GHashTable) seen = NULL;
  const char *text, *end, *p;
  gsize len, skipped = 0;
  gsize i;
  gunichar pad = 0;

  g_return_val_if_fail (bytes != NULL && name != NULL, NULL);

  text = g_bytes_get_data (bytes, &len);
  if (text == NULL)
    text = "";
  /* a byte-order mark is an encoding marker, not a character of the text */
  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    {
      skipped = 3;
      text += skipped;
      len -= skipped;
    }
  if (!g_utf8_validate_len (text, len, &end))
    {
      gsize offset = (gsize) (end - text) + skipped;

      g_set_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_ENCODING,
                   "%s: not valid UTF-8 at byte offset %" G_GSIZE_FORMAT "%s", name, offset,
                   *end == '\0' ? " (a NUL byte)" : "");
      return NULL;
    }
  if (len == 0)
    {
      g_set_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_EMPTY,
                   "%s: the text is empty", name);
      return NULL;
    }

  self = g_new0 (FathomCorpus, 1);
  self->name = g_strdup (name);
  self->to_index = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->length = g_utf8_strlen (text, (gssize) len);
  self->indices = g_new (gint32, self->length);

  /* the padding character first: it sorts first anyway */
  distinct = g_array_new (FALSE, FALSE, sizeof (gunichar));
  seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_hash_table_add (seen, GUINT_TO_POINTER (pad));
  g_array_append_val (distinct, pad);
  for (p = text, i = 0; i < self->length; p = g_utf8_next_char (p), i++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_hash_table_add (seen, GUINT_TO_POINTER (c)))
        g_array_append_val (distinct, c);
    }
  g_array_sort (distinct, compare_unichar);
  self->vocab_size = distinct->len;
  self->vocab = (gunichar *) g_array_free (g_steal_pointer (&distinct), FALSE);
  for (guint v = 0; v < self->vocab_size; v++)
    g_hash_table_insert (self->to_index, GUINT_TO_POINTER (self->vocab[v]),
                         GUINT_TO_POINTER (v + 1));

  for (p = text, i = 0; i < self->length; p = g_utf8_next_char (p), i++)
    self->indices[i] = (gint32) GPOINTER_TO_UINT (
      g_hash_table_lookup (self->to_index, GUINT_TO_POINTER (g_utf8_get_char (p)))) - 1;
  return g_steal_pointer (&self);
}

FathomCorpus *
fathom_corpus_new_from_file (const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      g_set_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_IO,
                   "Cannot read the corpus “%s”: %s", path, local->message);
      return NULL;
    }
  bytes = g_bytes_new_take (contents, len);
  return fathom_corpus_new_from_bytes (bytes, path, error);
}

gsize
fathom_corpus_get_length (FathomCorpus *self)
{
  return self->length;
}

guint
fathom_corpus_get_vocab_size (FathomCorpus *self)
{
  return self->vocab_size;
}

gunichar
fathom_corpus_get_char (FathomCorpus *self, guint index)
{
  g_return_val_if_fail (index < self->vocab_size, 0);
  return self->vocab[index];
}

int
fathom_corpus_char_to_index (FathomCorpus *self, gunichar c)
{
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (self->to_index, GUINT_TO_POINTER (c))) - 1;
}

const gint32 *
fathom_corpus_get_indices (FathomCorpus *self, gsize *n)
{
  if (n != NULL)
    *n = self->length;
  return self->indices;
}

char *
fathom_corpus_decode (FathomCorpus *self, const gint32 *indices, gsize n)
{
  GString *s = g_string_sized_new (n);

  for (gsize i = 0; i < n; i++)
    {
      if (indices[i] == 0)
        continue;
      if (indices[i] < 0 || (guint) indices[i] >= self->vocab_size)
        g_string_append_unichar (s, 0xFFFD);
      else
        g_string_append_unichar (s, self->vocab[indices[i]]);
    }
  return g_string_free (s, FALSE);
}

gsize
fathom_corpus_count_windows (FathomCorpus *self,
                             guint         length,
                             guint         stride,
                             FathomWindows rule)
{
  gsize span;

  g_return_val_if_fail (length > 0 && stride > 0, 0);
  /* the last target of a window sits at S*i + L, which must be < N */
  if (self->length < (gsize) length + 1)
    return 0;
  span = self->length - 1 - length;
  if (rule == FATHOM_WINDOWS_ALL)
    return span / stride + 1;
  /* len(range(0, span, S)) is ceil(span / S); then the notebook's [:-2] */
  span = (span + stride - 1) / stride;
  return span > 2 ? span - 2 : 0;
}

static gboolean
check_range (FathomCorpus *self, guint length, guint stride, gsize first, gsize count,
             GError **error)
{
  gsize all;

  if (length == 0 || stride == 0)
    {
      g_set_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_RANGE,
                   "%s: window length and stride must be positive (got %u, %u)",
                   self->name, length, stride);
      return FALSE;
    }
  all = fathom_corpus_count_windows (self, length, stride, FATHOM_WINDOWS_ALL);
  if (first > all || count > all - first)
    {
      g_set_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_RANGE,
                   "%s: windows %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT " asked for, but the "
                   "text has %" G_GSIZE_FORMAT " of length %u, stride %u",
                   self->name, first, first + count, all, length, stride);
      return FALSE;
    }
  return TRUE;
}

gboolean
fathom_corpus_fill_windows (FathomCorpus *self,
                            guint         length,
                            guint         stride,
                            gsize         first,
                            gsize         count,
                            gint32       *x,
                            gint32       *y,
                            GError      **error)
{
  if (!check_range (self, length, stride, first, count, error))
    return FALSE;
  for (gsize w = 0; w < count; w++)
    {
      const gint32 *src = self->indices + (first + w) * stride;

      if (x != NULL)
        memcpy (x + w * length, src, length * sizeof (gint32));
      if (y != NULL)
        memcpy (y + w * length, src + 1, length * sizeof (gint32));
    }
  return TRUE;
}

gboolean
fathom_corpus_fill_windows_float (FathomCorpus *self,
                                  guint         length,
                                  guint         stride,
                                  gsize         first,
                                  gsize         count,
                                  float        *x,
                                  float        *y,
                                  GError      **error)
{
  if (!check_range (self, length, stride, first, count, error))
    return FALSE;
  for (gsize w = 0; w < count; w++)
    {
      const gint32 *src = self->indices + (first + w) * stride;

      for (guint n = 0; n < length; n++)
        {
          if (x != NULL)
            x[w * length + n] = (float) src[n];
          if (y != NULL)
            y[w * length + n] = (float) src[n + 1];
        }
    }
  return TRUE;
}
