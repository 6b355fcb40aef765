/* screenshots.c: the README's pictures of the main views, taken from the
 * real application as test-e2e drives it (not a test; built on demand):
 *
 *   ninja -C _build tests/fathom-screenshots
 *   xvfb-run -a -s "-screen 0 1400x900x24" _build/tests/fathom-screenshots docs/screenshots
 *
 * It generates a synthetic dataset in a temporary folder, opens it, trains
 * the lesson's fcn from the Training page, and writes into OUT_DIR:
 * dataset.png (the thumbnail grid beside a photo), training.png (the live
 * chart during the run), runs.png (a validation photo with its boxes and
 * class map), class-maps.png (the photo's eight class maps), review.png
 * (the run's photos in the review queue) and text-lab.png (a GRU trained
 * for two short epochs on nietzsche.txt, from $FATHOM_SHARED_DATA or
 * ../shared/data, with its samples). Settings
 * are in memory and every file it makes besides the PNGs goes with the
 * temporary folder, so a user's own settings, data and a running Fathom
 * are left alone. */
#include "fathom-e2e-driver.h"

#include <math.h>
#include <stdlib.h>

#include "fathom-test-util.h"
#include "fathom-text-experiment.h"
#include "fathom-text-lab.h"
#include "fathom-train-panel-config.h"

#ifndef FATHOM_SCHEMA_DIR
# error "FATHOM_SCHEMA_DIR must be defined by the build"
#endif
#ifndef FATHOM_SHARED_DATA_DIR
# error "FATHOM_SHARED_DATA_DIR must be defined by the build"
#endif

static void
save (const FathomE2eShot *shot,
      const char          *dir,
      const char          *name)
{
  g_autofree char *path = fathom_e2e_shot_save (shot, dir, name);

  g_print ("%s (%dx%d)\n", path, shot->width, shot->height);
}

/* Late enough in the run for a curve with a few epochs behind it. */
static gboolean
run_well_under_way (FathomE2e *e2e,
                    gpointer   unused)
{
  FathomTrainProgress progress;

  if (fathom_e2e_training_finished (e2e, NULL))
    return TRUE;
  return fathom_worker_panel_get_progress (FATHOM_WORKER_PANEL (fathom_e2e_get_train_panel (e2e)), &progress) &&
         g_strcmp0 (progress.phase, "train") == 0 && progress.n_epochs > 0 &&
         (progress.epoch + 1) * 3 >= progress.n_epochs * 2 && progress.batch * 2 >= progress.n_batches;
}

/* A photo worth showing: classified right, its map's peak in its box,
 * and among the list's first rows, so its row shows selected. */
static guint
pick_photo (FathomRunView *view)
{
  FathomRunPredictions *preds = fathom_run_view_get_predictions (view);
  guint n = MIN (fathom_run_view_get_n_listed (view), 10), best = fathom_run_view_get_listed_row (view, 0);
  double best_score = -1;

  for (guint pos = 0; pos < n; pos++)
    {
      guint row = fathom_run_view_get_listed_row (view, pos);
      const FathomRunPrediction *p = fathom_run_predictions_get_row (preds, row);
      gboolean pointing = FALSE;
      double in_box = NAN, score;

      if (!p->has_true_box)
        continue;
      fathom_run_view_select_row (view, row);
      fathom_run_view_get_photo_scores (view, &pointing, &in_box);
      score = (p->true_class == p->pred_class) * 2 + pointing + (isnan (in_box) ? 0 : in_box);
      if (score > best_score)
        {
          best_score = score;
          best = row;
        }
    }
  return best;
}

/* The Text Lab's run has ended and its samples are in. */
static gboolean
text_run_done (FathomE2e *e2e,
               gpointer   lab)
{
  return !fathom_worker_panel_get_running (FATHOM_WORKER_PANEL (lab)) &&
         !fathom_text_lab_get_sampling (lab) && fathom_text_lab_get_n_samples (lab) >= 2;
}

/* Trains a small GRU on the corpus from the Text Lab, as a user would
 * with a shorter run; FALSE when the corpus is missing. */
static gboolean
train_text (FathomE2e *e2e)
{
  const char *data = g_getenv ("FATHOM_SHARED_DATA");
  g_autofree char *dir = g_canonicalize_filename (data != NULL ? data : FATHOM_SHARED_DATA_DIR, NULL);
  g_autofree char *corpus = g_build_filename (dir, "nietzsche.txt", NULL);
  FathomTextLab *lab = FATHOM_TEXT_LAB (fathom_window_get_page_child (e2e->window, "text"));
  FathomTextConfig config;

  if (!g_file_test (corpus, G_FILE_TEST_EXISTS))
    {
      g_printerr ("%s is missing: no text-lab.png\n", corpus);
      return FALSE;
    }
  fathom_window_set_visible_page (e2e->window, "text");
  fathom_text_config_init (&config);
  config.corpus_path = corpus;
  g_assert_true (fathom_text_model_from_string ("gru", &config.model));
  config.epochs = 3;
  config.max_sequences = 25000;
  fathom_text_lab_set_config (lab, &config);
  fathom_text_lab_set_temperature (lab, 0.5);
  gtk_widget_activate_action (GTK_WIDGET (lab), "text.start", NULL);
  fathom_e2e_wait (e2e, text_run_done, lab, 600, "the Text Lab's run and its samples");
  if (fathom_text_lab_get_message (lab) != NULL)
    g_error ("the Text Lab says: %s", fathom_text_lab_get_message (lab));
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const char *out_dir;
  g_autofree char *work_dir = NULL;
  g_autofree char *xdg = NULL;
  FathomE2eOptions opts;
  FathomE2e *e2e;
  FathomRunView *view;
  g_autoptr(FathomE2eShot) shot = NULL;
  const char *const xdg_vars[] = { "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME" };

  if (argc != 2)
    {
      g_printerr ("usage: %s OUT_DIR   (under xvfb-run; see the file's comment)\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];

  /* Defaults in memory, the build's schema, the X server of xvfb-run. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", FATHOM_SCHEMA_DIR, FALSE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);

  e2e = fathom_e2e_new (NULL);
  work_dir = g_strdup (e2e->work_dir);
  /* Before anything asks GLib for them: nothing lands in the user's home. */
  xdg = g_build_filename (work_dir, "xdg", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (xdg_vars); i++)
    {
      g_autofree char *dir = g_build_filename (xdg, xdg_vars[i], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_setenv (xdg_vars[i], dir, TRUE);
    }
  fathom_e2e_init_environment (NULL);

  /* Photos large enough to look at, and a run long enough for a curve:
   * the mini trunk at fcn's own input (176x320), a few epochs. */
  fathom_e2e_options_init (&opts);
  opts.n_images = 300;
  opts.scale = 0.35;
  opts.seed = 1;
  opts.epochs = 12;
  opts.batch_size = 32;
  opts.width = 0;
  opts.height = 0;
  opts.mini_epochs = 4;
  fathom_e2e_generate_dataset (e2e, &opts);
  fathom_e2e_start_app (e2e);
  fathom_e2e_open_dataset (e2e);

  /* the dataset page: the thumbnail grid beside the first photo */
  fathom_e2e_show_photos (e2e);
  shot = fathom_e2e_screenshot (e2e);
  save (shot, out_dir, "dataset.png");
  g_clear_pointer (&shot, fathom_e2e_shot_free);

  /* the training page while it learns */
  fathom_e2e_start_training (e2e, &opts);
  fathom_e2e_wait (e2e, run_well_under_way, NULL, 600, "the run to get under way");
  if (!fathom_e2e_training_finished (e2e, NULL))
    {
      fathom_e2e_settle (e2e);
      if (g_strcmp0 (fathom_window_get_visible_page (e2e->window), "training") == 0)
        shot = fathom_e2e_screenshot (e2e);
    }
  fathom_e2e_wait (e2e, fathom_e2e_training_finished, NULL, 600, "the run to finish");
  if (!e2e->run_ok)
    g_error ("the run failed");
  fathom_e2e_wait (e2e, fathom_e2e_run_shown, NULL, 60, "the run on the Runs page");
  if (shot == NULL)
    {
      /* too quick to catch: the page as the run left it */
      g_printerr ("the run ended before a frame of it could be taken; training.png shows its end\n");
      fathom_window_set_visible_page (e2e->window, "training");
      fathom_e2e_settle (e2e);
      shot = fathom_e2e_screenshot (e2e);
      fathom_window_set_visible_page (e2e->window, "runs");
    }
  save (shot, out_dir, "training.png");
  g_clear_pointer (&shot, fathom_e2e_shot_free);

  /* the runs page: a photo with its boxes and class map, then all maps */
  view = fathom_e2e_get_run_view (e2e);
  fathom_run_view_select_row (view, pick_photo (view));
  fathom_e2e_settle (e2e);
  shot = fathom_e2e_screenshot (e2e);
  save (shot, out_dir, "runs.png");
  g_clear_pointer (&shot, fathom_e2e_shot_free);

  fathom_run_view_set_show_grid (view, TRUE);
  fathom_e2e_settle (e2e);
  shot = fathom_e2e_screenshot (e2e);
  save (shot, out_dir, "class-maps.png");
  g_clear_pointer (&shot, fathom_e2e_shot_free);

  /* the review queue of the same run, its first photo */
  fathom_window_set_visible_page (e2e->window, "review");
  fathom_e2e_settle (e2e);
  shot = fathom_e2e_screenshot (e2e);
  save (shot, out_dir, "review.png");
  g_clear_pointer (&shot, fathom_e2e_shot_free);

  if (train_text (e2e))
    {
      fathom_e2e_settle (e2e);
      shot = fathom_e2e_screenshot (e2e);
      save (shot, out_dir, "text-lab.png");
      g_clear_pointer (&shot, fathom_e2e_shot_free);
    }

  fathom_e2e_free (e2e, TRUE);
  fathom_test_remove_tree (work_dir);
  return EXIT_SUCCESS;
}
