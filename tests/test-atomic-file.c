/* test-atomic-file.c: files replaced whole or not at all: commit, abort,
 * the autoptr, write errors, missing directories, failed renames. */
/* nftw() */
#define _XOPEN_SOURCE 700

#include "fathom-atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

static const char old_text[] = "the old contents, which must survive\n";

/* ---- helpers ----------------------------------------------------------- */

/* A fresh directory holding only "out", with old_text in it. */
typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("fathom-atomic-file-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "out", NULL);
  g_assert_true (g_file_set_contents (f->path, old_text, -1, &error));
  g_assert_no_error (error);
}

static int
remove_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (nftw (f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), ==, 0);
  g_free (f->path);
  g_free (f->dir);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names in dir, sorted and joined with spaces. */
static char *
dir_listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

#define assert_dir_holds(dir, want) \
  G_STMT_START { \
    g_autofree char *listing_ = dir_listing (dir); \
    g_assert_cmpstr (listing_, ==, want); \
  } G_STMT_END

static void
assert_contents (const char *path, const void *want, gsize want_len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  gsize got_len;

  g_assert_true (g_file_get_contents (path, &got, &got_len, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (got, got_len, want, want_len);
}

/* ---- tests ------------------------------------------------------------- */

/* "out" and one temporary file beside it, "out.XXXXXX". */
static void
assert_temp_beside (const char *dir)
{
  g_autofree char *listing = dir_listing (dir);

  g_assert_true (g_str_has_prefix (listing, "out out."));
  g_assert_cmpuint (strlen (listing), ==, strlen ("out out.XXXXXX"));
}

static void
test_commit_replaces (Fixture *f, gconstpointer data)
{
  const gsize big_len = 3 * 1024 * 1024 + 7;
  g_autoptr(FathomAtomicFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *big = g_malloc (big_len);
  g_autoptr(GByteArray) want = g_byte_array_new ();
  const float floats[] = { 1.0f, -2.5f, 0.0f };
  const guint8 floats_le[] = { 0x00, 0x00, 0x80, 0x3f,
                               0x00, 0x00, 0x20, 0xc0,
                               0x00, 0x00, 0x00, 0x00 };

  for (gsize i = 0; i < big_len; i++)
    big[i] = (guint8) (i * 2654435761u >> 13);

  file = fathom_atomic_file_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  g_assert_cmpstr (fathom_atomic_file_get_path (file), ==, f->path);
  g_assert_cmpint (fathom_atomic_file_get_fd (file), >=, 0);
  assert_temp_beside (f->dir);

  g_assert_true (fathom_atomic_file_write (file, "head", 4, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_atomic_file_write (file, "", 0, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_atomic_file_write (file, big, big_len, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_atomic_file_write_floats_le (file, floats, G_N_ELEMENTS (floats), &error));
  g_assert_no_error (error);
  g_byte_array_append (want, (const guint8 *) "head", 4);
  g_byte_array_append (want, big, big_len);
  g_byte_array_append (want, floats_le, sizeof floats_le);

  /* nothing shows under the final name before the commit */
  assert_contents (f->path, old_text, strlen (old_text));
  g_assert_true (fathom_atomic_file_commit (g_steal_pointer (&file), &error));
  g_assert_no_error (error);
  assert_contents (f->path, want->data, want->len);
  assert_dir_holds (f->dir, "out");
}

static void
test_mode_follows_umask (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "new", NULL);
  g_autoptr(GError) error = NULL;
  const mode_t masks[] = { 022, 077, 0 };
  GStatBuf st;

  for (guint i = 0; i < G_N_ELEMENTS (masks); i++)
    {
      mode_t old = umask (masks[i]);
      gboolean ok = fathom_write_file_atomic (path, "x", 1, &error);

      umask (old);
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0666 & ~masks[i]);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
}

static void
test_write_file_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  /* bytes with a NUL, then a string (-1), then nothing at all */
  g_assert_true (fathom_write_file_atomic (f->path, "abc\0def", 7, &error));
  g_assert_no_error (error);
  assert_contents (f->path, "abc\0def", 7);
  g_assert_true (fathom_write_file_atomic (f->path, "a string", -1, &error));
  g_assert_no_error (error);
  assert_contents (f->path, "a string", 8);
  g_assert_true (fathom_write_file_atomic (f->path, "", 0, &error));
  g_assert_no_error (error);
  assert_contents (f->path, "", 0);
  assert_dir_holds (f->dir, "out");
}

static void
test_abort_keeps_old (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  FathomAtomicFile *file;

  /* explicitly */
  file = fathom_atomic_file_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_atomic_file_write (file, "new", 3, &error));
  g_assert_no_error (error);
  assert_temp_beside (f->dir);
  fathom_atomic_file_abort (file);
  assert_contents (f->path, old_text, strlen (old_text));
  assert_dir_holds (f->dir, "out");
  fathom_atomic_file_abort (NULL);

  /* by going out of scope */
  {
    g_autoptr(FathomAtomicFile) scoped = fathom_atomic_file_open (f->path, &error);

    g_assert_no_error (error);
    g_assert_true (fathom_atomic_file_write (scoped, "newer", 5, &error));
    g_assert_no_error (error);
    assert_temp_beside (f->dir);
  }
  assert_contents (f->path, old_text, strlen (old_text));
  assert_dir_holds (f->dir, "out");
}

static void
test_missing_dir (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dir, "no-such-dir", "out", NULL);
  g_autoptr(GError) error = NULL;
  FathomAtomicFile *file;

  file = fathom_atomic_file_open (missing, &error);
  g_assert_null (file);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  g_clear_error (&error);

  g_assert_false (fathom_write_file_atomic (missing, "x", 1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  assert_dir_holds (f->dir, "out");
}

static void
test_rename_fails (Fixture *f, gconstpointer data)
{
  g_autofree char *subdir = g_build_filename (f->dir, "sub", NULL);
  g_autofree char *inside = g_build_filename (subdir, "keep", NULL);
  g_autoptr(GError) error = NULL;

  /* the rename onto a (non-empty) directory fails after the data is
   * written: the temporary file goes, the directory stays */
  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (inside, "k", 1, &error));
  g_assert_no_error (error);
  g_assert_false (fathom_write_file_atomic (subdir, "data", 4, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
  g_assert_nonnull (strstr (error->message, subdir));
  g_assert_nonnull (strstr (error->message, "Cannot replace"));
  g_clear_error (&error);
  assert_dir_holds (f->dir, "out sub");
  assert_dir_holds (subdir, "keep");
}

static void
test_propagate_error (void)
{
  GQuark domain = g_quark_from_static_string ("test-atomic-file-error");
  g_autoptr(GError) error = NULL;
  GError *local = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOSPC, "Cannot write “x”: full");

  g_assert_false (fathom_atomic_file_propagate_error (&error, local, domain, 7));
  g_assert_error (error, domain, 7);
  g_assert_cmpstr (error->message, ==, "Cannot write “x”: full");
  /* ignored errors are freed; no error is no error */
  g_assert_false (fathom_atomic_file_propagate_error (NULL, g_error_new_literal (G_FILE_ERROR, 0, "m"),
                                                      domain, 7));
  g_assert_false (fathom_atomic_file_propagate_error (NULL, NULL, domain, 7));
}

/* ---- a full disk ------------------------------------------------------- */

/* A file size limit makes write() fail (EFBIG) as a full disk would; it
 * applies to the whole process, so it is set in a child, which works in
 * the parent's directory. */
#define FULL_DIR_ENV "FATHOM_TEST_ATOMIC_FULL_DIR"

static void
write_error_child (void)
{
  const char *dir = g_getenv (FULL_DIR_ENV);
  g_autofree char *path = g_build_filename (dir, "out", NULL);
  g_autofree guint8 *block = g_malloc0 (4096);
  g_autoptr(FathomAtomicFile) file = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit limit = { 1024, 1024 };
  gboolean ok = TRUE;

  /* over the limit, write() fails with EFBIG instead of killing us */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  /* the first write is cut short at the limit, the next one fails */
  file = fathom_atomic_file_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; ok && i < 4; i++)
    ok = fathom_atomic_file_write (file, block, 4096, &error);
  g_assert_false (ok);
  g_assert_error (error, G_FILE_ERROR, (gint) g_file_error_from_errno (EFBIG));
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  g_clear_error (&error);

  /* the file is spent: no more writes, no commit, and nothing left */
  g_assert_false (fathom_atomic_file_write (file, "x", 1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_false (fathom_atomic_file_commit (g_steal_pointer (&file), &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  assert_dir_holds (dir, "out");

  /* the one-call form too */
  g_assert_false (fathom_write_file_atomic (path, block, 4096, &error));
  g_assert_error (error, G_FILE_ERROR, (gint) g_file_error_from_errno (EFBIG));
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  assert_dir_holds (dir, "out");
}

static void
test_write_error (void)
{
  Fixture f;

  if (g_test_subprocess ())
    {
      write_error_child ();
      return;
    }

  fixture_set_up (&f, NULL);
  g_setenv (FULL_DIR_ENV, f.dir, TRUE);
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_unsetenv (FULL_DIR_ENV);

  assert_contents (f.path, old_text, strlen (old_text));
  assert_dir_holds (f.dir, "out");
  fixture_tear_down (&f, NULL);
}

/* Through a chain of links: the file at the end is replaced, the links
 * stay links; a dangling link's file is created. */
static void
test_symlink_kept (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_autofree char *link2 = g_build_filename (f->dir, "link2", NULL);
  g_autofree char *dangling = g_build_filename (f->dir, "dangling", NULL);
  g_autofree char *fresh = g_build_filename (f->dir, "fresh", NULL);
  const char text[] = "through the link\n";

  g_assert_cmpint (symlink ("out", link), ==, 0);
  g_assert_cmpint (symlink (link, link2), ==, 0);          /* absolute, to a link */
  g_assert_cmpint (symlink ("fresh", dangling), ==, 0);
  g_assert_true (fathom_write_file_atomic (link2, text, -1, &error));
  g_assert_no_error (error);
  assert_contents (f->path, text, strlen (text));
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_test (link2, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (fathom_write_file_atomic (dangling, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (dangling, G_FILE_TEST_IS_SYMLINK));
  assert_contents (fresh, text, strlen (text));
  assert_dir_holds (f->dir, "dangling fresh link link2 out");
}

/* A pipe is written in place, not replaced by a file. */
static void
test_pipe_written_in_place (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fifo = g_build_filename (f->dir, "pipe", NULL);
  const char text[] = "down the pipe\n";
  char got[64] = { 0 };
  GStatBuf st;
  int reader;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  /* open for reading first, without blocking, so the writer's open does not wait */
  reader = g_open (fifo, O_RDONLY | O_NONBLOCK, 0);
  g_assert_cmpint (reader, >=, 0);
  g_assert_true (fathom_write_file_atomic (fifo, text, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (read (reader, got, sizeof got - 1), ==, (gssize) strlen (text));
  g_assert_cmpstr (got, ==, text);
  close (reader);
  g_assert_cmpint (g_stat (fifo, &st), ==, 0);
  g_assert_true (S_ISFIFO (st.st_mode));
  assert_dir_holds (f->dir, "out pipe");
}

#define ADD(name, func) \
  g_test_add ("/atomic-file/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("commit-replaces", test_commit_replaces);
  ADD ("mode-follows-umask", test_mode_follows_umask);
  ADD ("write-file-atomic", test_write_file_atomic);
  ADD ("abort-keeps-old", test_abort_keeps_old);
  ADD ("missing-dir", test_missing_dir);
  ADD ("rename-fails", test_rename_fails);
  ADD ("symlink-kept", test_symlink_kept);
  ADD ("pipe-written-in-place", test_pipe_written_in_place);
  g_test_add_func ("/atomic-file/propagate-error", test_propagate_error);
  g_test_add_func ("/atomic-file/write-error", test_write_error);
  return g_test_run ();
}
