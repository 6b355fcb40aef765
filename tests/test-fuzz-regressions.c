/* test-fuzz-regressions.c: every fuzz target's body (fuzz/fathom-fuzz-
 * targets.c) replayed, without libFuzzer, on its seed corpus
 * (fuzz/corpus/<target>/) and on the inputs that once crashed it
 * (fuzz/regressions/<target>/). Passing means no crash, no failed check in
 * the target and no warning; the ASan run of the test command adds memory
 * safety and leaks. */
#include "fathom-test-util.h"
#include "fathom-fuzz-targets.h"

#include <string.h>

#ifndef FATHOM_FUZZ_DIR
#error "FATHOM_FUZZ_DIR must name the source tree's fuzz/ folder"
#endif

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The files of FATHOM_FUZZ_DIR/kind/target, sorted; none when the folder
 * does not exist (a target without regressions yet). */
static GPtrArray *
list_inputs (const char *kind, const char *target)
{
  g_autofree char *dir_path = g_build_filename (FATHOM_FUZZ_DIR, kind, target, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      char *path = g_build_filename (dir_path, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (paths, path);
      else
        g_free (path);
    }
  g_ptr_array_sort (paths, compare_paths);
  return paths;
}

static guint
replay (const FathomFuzzTarget *target, const char *kind)
{
  g_autoptr(GPtrArray) paths = list_inputs (kind, target->name);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autofree char *contents = NULL;
      g_autofree guint8 *copy = NULL;
      g_autoptr(GError) error = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &contents, &len, &error));
      g_assert_no_error (error);
      g_test_message ("%s: %s (%" G_GSIZE_FORMAT " bytes)", target->name, path, len);
      /* An exact-size copy, as libFuzzer passes it: ASan sees a read one
       * past the end, which g_file_get_contents's NUL would hide. Never
       * NULL, even when empty. */
      copy = g_malloc (MAX (len, 1));
      memcpy (copy, contents, len);
      target->func (copy, len);
    }
  return paths->len;
}

static void
test_target (gconstpointer data)
{
  const FathomFuzzTarget *target = data;
  guint seeds = replay (target, "corpus");
  guint regressions = replay (target, "regressions");

  g_test_message ("%s: %u seeds, %u regression inputs", target->name, seeds, regressions);
  g_assert_cmpuint (seeds, >, 0);
}

/* A folder under corpus/ or regressions/ that names no target would never
 * be replayed. */
static void
test_folders (void)
{
  static const char *const kinds[] = { "corpus", "regressions" };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autofree char *path = g_build_filename (FATHOM_FUZZ_DIR, kinds[k], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (fathom_fuzz_find_target (name) == NULL)
          g_error ("%s/%s names no fuzz target", path, name);
    }
}

int
main (int argc, char *argv[])
{
  const FathomFuzzTarget *targets;
  guint n;

  g_test_init (&argc, &argv, NULL);
  targets = fathom_fuzz_get_targets (&n);
  g_test_add_func ("/fuzz-regressions/folders", test_folders);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("/fuzz-regressions/%s", targets[i].name);

      g_test_add_data_func (name, &targets[i], test_target);
    }
  return g_test_run ();
}
