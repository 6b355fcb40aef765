/* fathom-corpus.h: a character corpus for the lesson's recurrent models.
 *
 * The text is UTF-8 (a leading byte-order mark is skipped); characters are
 * Unicode code points. The vocabulary is the sorted distinct code points
 * with "\0" inserted at index 0 as the lesson's padding character, so
 * nietzsche.txt (85 distinct) gives 86. A text that itself contains U+0000
 * is refused by UTF-8 validation, so "\0" never doubles.
 *
 * Windows of length L and stride S: window i has inputs x[n] = idx[S*i + n]
 * and targets y[n] = idx[S*i + n + 1], n = 0..L-1.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FATHOM_CORPUS_ERROR (fathom_corpus_error_quark ())

typedef enum {
  FATHOM_CORPUS_ERROR_IO,         /* cannot read the file */
  FATHOM_CORPUS_ERROR_ENCODING,   /* not valid UTF-8 (or a NUL byte) */
  FATHOM_CORPUS_ERROR_EMPTY,      /* no characters */
  FATHOM_CORPUS_ERROR_RANGE,      /* windows asked for beyond the text */
} FathomCorpusError;

/* How many windows a text of N characters has.
 * ALL: every complete window, S*i + L <= N - 1, i.e. (N - 1 - L) / S + 1.
 * LESSON: the notebook's count: range(0, N - 1 - L, S) stops one short when
 *   S divides N - 1 - L, and `c[:-2]` then dropped the last two, so
 *   ceil((N - 1 - L) / S) - 2. On nietzsche.txt at L = S = 8 that is
 *   ceil(600892 / 8) - 2 = 75112 - 2 = 75110 (ALL gives 75112). Both are
 *   prefixes of the same sequence of windows. */
typedef enum {
  FATHOM_WINDOWS_LESSON,
  FATHOM_WINDOWS_ALL,
} FathomWindows;

typedef struct _FathomCorpus FathomCorpus;

GQuark        fathom_corpus_error_quark       (void);

FathomCorpus *fathom_corpus_new_from_file     (const char     *path,
                                               GError        **error);
/* name is used in messages. */
FathomCorpus *fathom_corpus_new_from_bytes    (GBytes         *bytes,
                                               const char     *name,
                                               GError        **error);
void          fathom_corpus_free              (FathomCorpus   *self);

/* In characters (code points). */
gsize         fathom_corpus_get_length        (FathomCorpus   *self);
guint         fathom_corpus_get_vocab_size    (FathomCorpus   *self);
gunichar      fathom_corpus_get_char          (FathomCorpus   *self,
                                               guint           index);
/* -1 when the character is not in the vocabulary. */
int           fathom_corpus_char_to_index     (FathomCorpus   *self,
                                               gunichar        c);
/* One index per character of the text. */
const gint32 *fathom_corpus_get_indices       (FathomCorpus   *self,
                                               gsize          *n);
/* UTF-8 of the given indices (generated text); out-of-range indices
 * become U+FFFD and index 0 is skipped. */
char         *fathom_corpus_decode            (FathomCorpus   *self,
                                               const gint32   *indices,
                                               gsize           n);

gsize         fathom_corpus_count_windows     (FathomCorpus   *self,
                                               guint           length,
                                               guint           stride,
                                               FathomWindows   rule);
/* Fills x and y ([count, length], row-major) with windows first ..
 * first + count - 1. Either may be NULL. FALSE with an error when a window
 * does not fit in the text (or length or stride is 0). */
gboolean      fathom_corpus_fill_windows      (FathomCorpus   *self,
                                               guint           length,
                                               guint           stride,
                                               gsize           first,
                                               gsize           count,
                                               gint32         *x,
                                               gint32         *y,
                                               GError        **error);
/* The same as floats (for one-hot or embedding inputs held in tensors). */
gboolean      fathom_corpus_fill_windows_float (FathomCorpus  *self,
                                               guint           length,
                                               guint           stride,
                                               gsize           first,
                                               gsize           count,
                                               float          *x,
                                               float          *y,
                                               GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomCorpus, fathom_corpus_free)

G_END_DECLS
