/* test-corpus.c: the character corpus, its vocabulary and windows. */
#include "fathom-test-util.h"

#include <string.h>

#include <glib/gstdio.h>

#include "fathom-corpus.h"

static char *
shared_path (const char *name)
{
  const char *dir = g_getenv ("FATHOM_SHARED_DATA");
  char *path;

  if (dir == NULL)
    {
      g_test_skip ("FATHOM_SHARED_DATA is not set");
      return NULL;
    }
  path = g_build_filename (dir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *msg = g_strdup_printf ("%s is missing", path);

      g_test_skip (msg);
      g_free (path);
      return NULL;
    }
  return path;
}

static void
test_corpus_nietzsche (void)
{
  g_autofree char *path = shared_path ("nietzsche.txt");
  g_autoptr(FathomCorpus) corpus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gint32 *x = NULL;
  g_autofree gint32 *y = NULL;
  g_autofree float *xf = NULL;
  g_autofree char *first = NULL;
  const gint32 *idx;
  gsize n, n_windows;
  const char *text = "PREFACE\n\n\nSUPPOSING";

  if (path == NULL)
    return;
  corpus = fathom_corpus_new_from_file (path, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fathom_corpus_get_length (corpus), ==, 600901);
  g_assert_cmpuint (fathom_corpus_get_vocab_size (corpus), ==, 86);
  g_assert_cmpuint (fathom_corpus_get_char (corpus, 0), ==, 0);
  /* sorted code points: '\n' is the smallest real character, then ' ' */
  g_assert_cmpint (fathom_corpus_char_to_index (corpus, '\n'), ==, 1);
  g_assert_cmpint (fathom_corpus_char_to_index (corpus, ' '), ==, 2);
  g_assert_cmpint (fathom_corpus_char_to_index (corpus, 0x263A), ==, -1);
  for (guint v = 1; v < 86; v++)
    g_assert_cmpuint (fathom_corpus_get_char (corpus, v - 1), <, fathom_corpus_get_char (corpus, v));

  idx = fathom_corpus_get_indices (corpus, &n);
  g_assert_cmpuint (n, ==, 600901);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpint (idx[i], >, 0);     /* "\0" is padding only */

  /* the lesson's 75,110; every complete window gives 75,112 */
  g_assert_cmpuint (fathom_corpus_count_windows (corpus, 8, 8, FATHOM_WINDOWS_LESSON), ==, 75110);
  g_assert_cmpuint (fathom_corpus_count_windows (corpus, 8, 8, FATHOM_WINDOWS_ALL), ==, 75112);

  n_windows = 75110;
  x = g_new (gint32, n_windows * 8);
  y = g_new (gint32, n_windows * 8);
  g_assert_true (fathom_corpus_fill_windows (corpus, 8, 8, 0, n_windows, x, y, &error));
  g_assert_no_error (error);
  for (int k = 0; k < 8; k++)
    {
      g_assert_cmpint (x[k], ==, fathom_corpus_char_to_index (corpus, (guchar) text[k]));
      g_assert_cmpint (y[k], ==, fathom_corpus_char_to_index (corpus, (guchar) text[k + 1]));
    }
  first = fathom_corpus_decode (corpus, x, 8);
  g_assert_cmpstr (first, ==, "PREFACE\n");
  /* window 1 starts 8 characters on: "\n\nSUPPOSI" */
  g_assert_cmpint (x[8], ==, 1);
  g_assert_cmpint (x[9], ==, 1);
  g_assert_cmpint (x[10], ==, fathom_corpus_char_to_index (corpus, 'S'));
  /* the last lesson window, and y is x shifted by one everywhere */
  for (gsize w = 0; w < n_windows; w += 997)
    for (int k = 0; k < 7; k++)
      g_assert_cmpint (y[w * 8 + k], ==, x[w * 8 + k + 1]);
  g_assert_cmpint (x[(n_windows - 1) * 8], ==, idx[(n_windows - 1) * 8]);
  g_assert_cmpint (y[n_windows * 8 - 1], ==, idx[n_windows * 8]);

  xf = g_new (float, 2 * 8);
  g_assert_true (fathom_corpus_fill_windows_float (corpus, 8, 8, 75111, 1, xf, NULL, &error));
  g_assert_cmpfloat (xf[7], ==, (float) idx[75111 * 8 + 7]);
  /* 75112 windows exist; one more runs past the text */
  g_assert_false (fathom_corpus_fill_windows (corpus, 8, 8, 75111, 2, x, NULL, &error));
  g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_RANGE);
}

static void
test_corpus_small (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("\xef\xbb\xbf" "abcab\xc3\xa9", 10);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomCorpus) c = fathom_corpus_new_from_bytes (bytes, "small", &error);
  gint32 x[2 * 2], y[2 * 2];

  g_assert_no_error (error);
  /* the BOM is skipped; é is one character */
  g_assert_cmpuint (fathom_corpus_get_length (c), ==, 6);
  g_assert_cmpuint (fathom_corpus_get_vocab_size (c), ==, 5);
  g_assert_cmpuint (fathom_corpus_get_char (c, 4), ==, 0xE9);
  /* N = 6, L = 2, S = 2: windows at 0 and 2 (S*i + L <= 5); the lesson
   * rule gives ceil(3 / 2) - 2 = 0 */
  g_assert_cmpuint (fathom_corpus_count_windows (c, 2, 2, FATHOM_WINDOWS_ALL), ==, 2);
  g_assert_cmpuint (fathom_corpus_count_windows (c, 2, 2, FATHOM_WINDOWS_LESSON), ==, 0);
  g_assert_cmpuint (fathom_corpus_count_windows (c, 6, 1, FATHOM_WINDOWS_ALL), ==, 0);
  g_assert_true (fathom_corpus_fill_windows (c, 2, 2, 0, 2, x, y, &error));
  /* "ab" -> "bc", "ca" -> "ab" with a=1, b=2, c=3 */
  g_assert_cmpint (x[0], ==, 1);
  g_assert_cmpint (x[1], ==, 2);
  g_assert_cmpint (y[0], ==, 2);
  g_assert_cmpint (y[1], ==, 3);
  g_assert_cmpint (x[2], ==, 3);
  g_assert_cmpint (y[3], ==, 2);
}

static void
test_corpus_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fathom-corpus-XXXXXX", &error);
  g_autofree char *bad = g_build_filename (dir, "bad.txt", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.txt", NULL);
  FathomCorpus *c;

  g_assert_no_error (error);
  /* a Latin-1 é at byte 6 */
  g_assert_true (g_file_set_contents (bad, "hello \xe9t\xc3\xa9", -1, &error));
  g_assert_true (g_file_set_contents (empty, "", 0, &error));

  c = fathom_corpus_new_from_file (bad, &error);
  g_assert_null (c);
  g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_ENCODING);
  g_assert_nonnull (strstr (error->message, bad));
  g_assert_nonnull (strstr (error->message, "offset 6"));
  g_clear_error (&error);

  c = fathom_corpus_new_from_file (empty, &error);
  g_assert_null (c);
  g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, empty));
  g_clear_error (&error);

  c = fathom_corpus_new_from_file (missing, &error);
  g_assert_null (c);
  g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  {
    g_autoptr(GBytes) nul = g_bytes_new_static ("ab\0cd", 5);

    c = fathom_corpus_new_from_bytes (nul, "nul", &error);
    g_assert_null (c);
    g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_ENCODING);
    g_assert_nonnull (strstr (error->message, "offset 2"));
  }

  g_unlink (bad);
  g_unlink (empty);
  g_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/corpus/nietzsche", test_corpus_nietzsche);
  g_test_add_func ("/corpus/small", test_corpus_small);
  g_test_add_func ("/corpus/errors", test_corpus_errors);
  return g_test_run ();
}
