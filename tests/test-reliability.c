/* test-reliability.c: what happens when things go wrong over a long run:
 * a writer killed at random moments never leaves a broken file under a
 * final name, a plateau stops the run early, and 10,000 training steps do
 * not grow the heap. */
#include "fathom-test-util.h"
#include "fathom-graph.h"
#include "fathom-optimizer.h"
#include "fathom-run.h"
#include "fathom-safetensors.h"
#include "fathom-trainer.h"

#include <glib/gstdio.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self_path;

/* ---- the writer the parent kills ------------------------------------------ */

/* Rewrites DIR/model.safetensors and DIR/run/run.json forever, each version
 * holding its number everywhere, so a reader can tell a whole file from a
 * torn one. A byte on standard output says each version is whole. */
static int
writer_main (const char *dir, guint64 first)
{
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *run_dir = g_build_filename (dir, "run", NULL);
  g_autoptr(FathomTensor) t = fathom_tensor_new_2d (512, 512);   /* 1 MiB: writes take a while */

  for (guint64 v = first;; v++)
    {
      g_autofree char *version = g_strdup_printf ("%" G_GUINT64_FORMAT, v);
      g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
      const char *name = "weights";
      g_autoptr(FathomRun) run = NULL;
      g_autoptr(GError) error = NULL;

      fathom_tensor_fill (t, (float) v);
      g_hash_table_insert (meta, (char *) "version", version);
      if (!fathom_safetensors_save (path, 1, &name, &t, meta, &error))
        return 2;
      run = fathom_run_new (run_dir, "writer", TRUE, &error);
      if (run == NULL)
        return 3;
      fathom_run_set_final (run, "version", (double) v);
      if (!fathom_run_save (run, &error))
        return 4;
      if (write (STDOUT_FILENO, "v", 1) != 1)
        return 5;
    }
  return 0;
}

static guint64
check_files (const char *dir, guint64 last_seen)
{
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *run_dir = g_build_filename (dir, "run", NULL);
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(FathomTensor) t = NULL;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const float *d;
  guint64 version;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_assert_cmpuint (last_seen, ==, 0);    /* once written, a final file never goes away */
      return 0;
    }
  st = fathom_safetensors_load (path, &error);
  g_assert_no_error (error);
  version = g_ascii_strtoull (fathom_safetensors_get_metadata (st, "version"), NULL, 10);
  g_assert_cmpuint (version, >=, last_seen);  /* the previous version survives until replaced */
  t = fathom_safetensors_get_tensor (st, "weights", &error);
  g_assert_no_error (error);
  d = fathom_tensor_get_const_data (t);
  for (gsize i = 0; i < fathom_tensor_get_numel (t); i += 4099)
    g_assert_cmpfloat (d[i], ==, (float) version);

  if (g_file_test (run_dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *json = g_build_filename (run_dir, "run.json", NULL);
      if (g_file_test (json, G_FILE_TEST_EXISTS))
        {
          info = fathom_run_info_load (run_dir, &error);
          g_assert_no_error (error);
          g_assert_true (isfinite (fathom_run_info_get_final (info, "version")));
        }
    }
  return version;
}

static void
test_killed_writer (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fathom-kill-XXXXXX", NULL);
  g_autoptr(FathomRng) rng = fathom_rng_new (17);
  guint64 last = 0;
  guint kills = 0;

  for (int round = 0; round < 40; round++)
    {
      g_autofree char *first = g_strdup_printf ("%" G_GUINT64_FORMAT, last + 1);
      const char *argv[] = { self_path, "--writer", dir, first, NULL };
      g_autoptr(GError) error = NULL;
      GPid pid;
      int status, out = -1;
      char byte;

      g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                               NULL, &pid, NULL, &out, NULL, &error));
      g_assert_no_error (error);
      /* Kill at a random moment after the writer's first whole version:
       * timed from the spawn, a slow start (a sanitizer, a busy machine)
       * would have every kill land before anything was written. */
      g_assert_cmpint (read (out, &byte, 1), ==, 1);
      g_usleep (2000 + fathom_rng_below (rng, 60000));
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      close (out);       /* only now: a writer without a reader would die of SIGPIPE */
      kills += WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL;
      last = check_files (dir, last);
    }
  g_test_message ("%u kills; the files held version %" G_GUINT64_FORMAT " at the end, whole", kills, last);
  g_assert_cmpuint (kills, >=, 35);           /* the writer was really interrupted */
  g_assert_cmpuint (last, >, 0);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

/* ---- early stopping ------------------------------------------------------ */

static FathomGraph *
mlp (FathomBackend *backend)
{
  return fathom_test_mlp (backend, 8, 32, 4, 3);
}

/* Random inputs and random labels: nothing to learn, so the validation
 * loss stops improving while the training loss keeps falling. */
static void
noise (gint64 n, guint64 seed, FathomTensor **x, FathomTensor **t)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);

  *x = fathom_tensor_new_2d (n, 8);
  *t = fathom_tensor_new_2d (n, 4);
  fathom_rng_fill_normal (rng, *x, 0.f, 1.f);
  for (gint64 i = 0; i < n; i++)
    fathom_tensor_get_data (*t)[i * 4 + fathom_rng_below (rng, 4)] = 1.f;
}

static void
test_early_stop (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = mlp (backend);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
  g_autoptr(FathomTensor) xt = NULL, tt = NULL, xv = NULL, tv = NULL;
  g_autoptr(FathomTensorSource) ts = NULL, vs = NULL;
  FathomBatchSource tsrc, vsrc;
  FathomTrainConfig cfg;
  FathomTrainResult res;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *want = NULL;
  g_autoptr(FathomRun) run = NULL;
  g_autoptr(FathomRunInfo) info = NULL;

  noise (256, 1, &xt, &tt);
  noise (128, 2, &xv, &tv);
  ts = fathom_tensor_source_new (1, &xt, 1, &tt);
  vs = fathom_tensor_source_new (1, &xv, 1, &tv);
  tsrc = fathom_tensor_source_get (ts);
  vsrc = fathom_tensor_source_get (vs);
  fathom_train_config_init (&cfg);
  cfg.epochs = 60;
  cfg.batch_size = 32;
  cfg.patience = 3;
  dir = g_dir_make_tmp ("fathom-early-stop-XXXXXX", &error);
  g_assert_no_error (error);
  run = fathom_run_new (dir, "toy", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_trainer_fit (g, opt, &cfg, &tsrc, &vsrc, run, NULL, NULL, NULL, &res, &error));
  g_assert_no_error (error);
  g_test_message ("stopped after %u epochs, best %u", res.epochs_done, res.best_epoch);
  g_assert_true (res.stopped_early);
  g_assert_cmpuint (res.epochs_done, ==, res.best_epoch + 3);
  g_assert_cmpuint (res.epochs_done, <, 60);
  /* the run says so, and which epoch's model it keeps */
  info = fathom_run_info_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  want = g_strdup_printf ("Stopped early after epoch %u: the validation loss last improved at epoch %u "
                          "(the model is epoch %u's, the last)", res.epochs_done, res.best_epoch, res.epochs_done);
  g_assert_cmpstr (json_object_get_string_member (fathom_run_info_get_json (info), "message"), ==, want);
  fathom_test_remove_tree (dir);
}

/* ---- no growth over a long run -------------------------------------------- */

static void
test_heap_flat (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = mlp (backend);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.001f);
  g_autoptr(FathomTensor) x = NULL, t = NULL;
  g_autoptr(GError) error = NULL;
  size_t warm = 0, end;

  noise (32, 4, &x, &t);
  for (int step = 1; step <= 10000; step++)
    {
      float loss;

      g_assert_true (fathom_graph_forward (g, &x, TRUE, &error));
      g_assert_true (fathom_graph_compute_loss (g, &t, NULL, &loss, &error));
      g_assert_true (fathom_graph_backward (g, &error));
      g_assert_true (fathom_optimizer_step (opt, g, &error));
      if (step == 100)
        warm = mallinfo2 ().uordblks;
    }
  g_assert_no_error (error);
  end = mallinfo2 ().uordblks;
  g_test_message ("heap in use after 100 steps %zu bytes, after 10,000 %zu", warm, end);
  /* every buffer is allocated once: nothing grows per step */
  g_assert_cmpuint (end, <=, warm + 4096);
}

int
main (int argc, char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--writer"))
    return writer_main (argv[2], g_ascii_strtoull (argv[3], NULL, 10));
  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reliability/killed-writer", test_killed_writer);
  g_test_add_func ("/reliability/early-stop", test_early_stop);
  g_test_add_func ("/reliability/heap-flat", test_heap_flat);
  return g_test_run ();
}
