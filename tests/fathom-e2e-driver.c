/* fathom-e2e-driver.c: the real application driven from outside: the
 * dataset, the window, the Training panel's Start, the waits, and the
 * window's frames as pixels. */
#include "fathom-e2e-driver.h"

#include <string.h>

#include "fathom-dataset-page.h"
#include "fathom-fishsim.h"
#include "fathom-test-util.h"
#include "fathom-train-panel-config.h"

/* ---- environment ---------------------------------------------------------- */

void
fathom_e2e_init_environment (const char * const *system_data_dirs)
{
  g_auto(GStrv) data_dirs = g_strdupv ((char **) (system_data_dirs != NULL ? system_data_dirs
                                                                           : g_get_system_data_dirs ()));

  /* The private bus has no accessibility bus behind it. */
  g_setenv ("GTK_A11Y", "none", TRUE);

  /* Isolated data dirs hide the MIME database, without which gdk-pixbuf
   * cannot tell an SVG (the app icon) from anything else. */
  for (guint i = 0; data_dirs[i] != NULL; i++)
    {
      char *mime = g_build_filename (data_dirs[i], "mime", NULL);

      g_free (data_dirs[i]);
      data_dirs[i] = mime;
    }
  g_content_type_set_mime_dirs ((const char * const *) data_dirs);
}

/* Without dbus-daemon there is no private bus: GTK then warns that it has
 * no session bus, and the application runs on its own. */
static gboolean
no_bus_is_fine (const char     *log_domain,
                GLogLevelFlags  log_level,
                const char     *message,
                gpointer        user_data)
{
  return strstr (message, "session bus") == NULL;
}

/* ---- lifetime ------------------------------------------------------------- */

void
fathom_e2e_options_init (FathomE2eOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->n_images = 80;
  opts->scale = 0.15;
  opts->seed = 11;
  opts->experiment = "fcn";
  opts->epochs = 2;
  opts->width = 128;
  opts->height = 64;
  opts->mini_epochs = 1;
}

FathomE2e *
fathom_e2e_new (const char *work_dir)
{
  FathomE2e *e2e = g_new0 (FathomE2e, 1);
  g_autoptr(GError) error = NULL;

  if (work_dir != NULL)
    e2e->work_dir = g_strdup (work_dir);
  else
    e2e->work_dir = g_dir_make_tmp ("fathom-e2e-XXXXXX", &error);
  g_assert_no_error (error);
  e2e->data_dir = g_build_filename (e2e->work_dir, "data", NULL);
  e2e->cache_dir = g_build_filename (e2e->work_dir, "cache", NULL);
  e2e->runs_dir = g_build_filename (e2e->work_dir, "runs", NULL);
  return e2e;
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
fathom_e2e_free (FathomE2e *e2e,
                 gboolean   remove_data)
{
  if (e2e->app != NULL)
    {
      GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (e2e->app)));

      for (GList *l = windows; l != NULL; l = l->next)
        gtk_window_destroy (l->data);
      g_list_free (windows);
      drain ();
      g_clear_object (&e2e->app);
    }
  /* Stopped, not torn down, and not unreferenced (which tears it down):
   * g_test_dbus_down() waits for every reference to the bus connection
   * to go, and GTK keeps some to the end. */
  if (e2e->bus != NULL)
    g_test_dbus_stop (e2e->bus);
  if (remove_data)
    {
      fathom_test_remove_tree (e2e->data_dir);
      fathom_test_remove_tree (e2e->cache_dir);
      fathom_test_remove_tree (e2e->runs_dir);
    }
  g_free (e2e->run_dir);
  g_free (e2e->data_dir);
  g_free (e2e->cache_dir);
  g_free (e2e->runs_dir);
  g_free (e2e->work_dir);
  g_free (e2e);
}

/* ---- waiting -------------------------------------------------------------- */

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
fathom_e2e_wait (FathomE2e          *e2e,
                 FathomE2ePredicate  pred,
                 gpointer            data,
                 guint               timeout_s,
                 const char         *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, timeout_cb, &timed_out);

  while (!pred (e2e, data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out after %u s waiting for %s", timeout_s, what);
  g_source_remove (id);
}

/* ---- the application -------------------------------------------------------- */

void
fathom_e2e_generate_dataset (FathomE2e              *e2e,
                             const FathomE2eOptions *opts)
{
  FathomFishsimOptions fishsim;
  g_autoptr(GError) error = NULL;

  fathom_fishsim_options_init (&fishsim);
  fishsim.out_dir = e2e->data_dir;
  fishsim.n_images = opts->n_images;
  fishsim.scale = opts->scale;
  fishsim.seed = opts->seed;
  if (!fathom_fishsim_generate (&fishsim, NULL, NULL, NULL, &error))
    g_error ("fishsim: %s", error->message);
}

static void
on_run_finished (FathomTrainPanel *panel,
                 const char       *run_dir,
                 gboolean          ok,
                 FathomE2e        *e2e)
{
  e2e->n_finished++;
  e2e->run_ok = ok;
  g_free (e2e->run_dir);
  e2e->run_dir = g_strdup (run_dir);
}

static void
on_run_opened (FathomWindow *window,
               GFile        *folder,
               FathomE2e    *e2e)
{
  e2e->n_runs_opened++;
}

static gboolean
window_on_screen (FathomE2e *e2e,
                  gpointer   unused)
{
  return gtk_widget_get_mapped (GTK_WIDGET (e2e->window)) &&
         gtk_widget_get_width (GTK_WIDGET (e2e->window)) > 0;
}

void
fathom_e2e_start_app (FathomE2e *e2e)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
  GtkWindow *window;

  /* g_settings_new() aborts on a missing schema: say what to do. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, FATHOM_APP_ID, TRUE);
  if (schema == NULL)
    g_error ("the settings schema %s is not found: set GSETTINGS_SCHEMA_DIR to the build's resources folder",
             FATHOM_APP_ID);

  /* A private session bus: registration is real, and nothing reaches a
   * desktop session (or a Fathom already running in it). */
  if (dbus_daemon != NULL)
    {
      g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));

      e2e->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (e2e->bus);
      /* g_test_dbus_up() unsets it; Xvfb's is the one to use. */
      if (display != NULL)
        g_setenv ("DISPLAY", display, TRUE);
    }
  else
    {
      g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
      g_test_log_set_fatal_handler (no_bus_is_fine, NULL);
    }

  e2e->app = fathom_application_new ();
  if (!g_application_register (G_APPLICATION (e2e->app), NULL, &error))
    g_error ("registering the application: %s", error->message);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (e2e->app)));
  /* The private bus goes away before the process ends: no SIGTERM. */
  if (g_application_get_dbus_connection (G_APPLICATION (e2e->app)) != NULL)
    g_dbus_connection_set_exit_on_close (g_application_get_dbus_connection (G_APPLICATION (e2e->app)), FALSE);

  /* Page and photo transitions end at once: a frame shows the end state. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_application_activate (G_APPLICATION (e2e->app));
  window = gtk_application_get_active_window (GTK_APPLICATION (e2e->app));
  g_assert_true (FATHOM_IS_WINDOW (window));
  e2e->window = FATHOM_WINDOW (window);
  g_signal_connect (e2e->window, "run-opened", G_CALLBACK (on_run_opened), e2e);
  g_signal_connect (fathom_e2e_get_train_panel (e2e), "run-finished", G_CALLBACK (on_run_finished), e2e);
  fathom_e2e_wait (e2e, window_on_screen, NULL, 30, "the window on screen");
}

typedef struct {
  gboolean loaded;
} DatasetWait;

static void
on_dataset_loaded (FathomWindow  *window,
                   FathomDataset *dataset,
                   DatasetWait   *wait)
{
  wait->loaded = TRUE;
}

static gboolean
dataset_open (FathomE2e *e2e,
              gpointer   data)
{
  return ((DatasetWait *) data)->loaded && !fathom_window_get_busy (e2e->window);
}

void
fathom_e2e_open_dataset (FathomE2e *e2e)
{
  g_autoptr(GFile) folder = g_file_new_for_path (e2e->data_dir);
  DatasetWait wait = { FALSE };
  gulong id;

  id = g_signal_connect (e2e->window, "dataset-loaded", G_CALLBACK (on_dataset_loaded), &wait);
  fathom_window_open (e2e->window, folder);
  fathom_e2e_wait (e2e, dataset_open, &wait, 60, "the dataset to load");
  g_signal_handler_disconnect (e2e->window, id);
  g_assert_nonnull (fathom_window_get_dataset (e2e->window));
  g_assert_cmpstr (fathom_dataset_get_root (fathom_window_get_dataset (e2e->window)), ==, e2e->data_dir);
}

FathomTrainPanel *
fathom_e2e_get_train_panel (FathomE2e *e2e)
{
  GtkWidget *child = fathom_window_get_page_child (e2e->window, "training");

  g_assert_true (FATHOM_IS_TRAIN_PANEL (child));
  return FATHOM_TRAIN_PANEL (child);
}

FathomRunView *
fathom_e2e_get_run_view (FathomE2e *e2e)
{
  GtkWidget *child = fathom_window_get_page_child (e2e->window, "runs");

  return FATHOM_IS_RUN_VIEW (child) ? FATHOM_RUN_VIEW (child) : NULL;
}

void
fathom_e2e_start_training (FathomE2e              *e2e,
                           const FathomE2eOptions *opts)
{
  FathomTrainPanel *panel = fathom_e2e_get_train_panel (e2e);
  FathomExperimentConfig config, got;

  fathom_window_set_visible_page (e2e->window, "training");
  /* the window handed the open dataset to the panel */
  g_assert_cmpstr (fathom_worker_panel_get_input (FATHOM_WORKER_PANEL (panel)), ==, e2e->data_dir);

  fathom_experiment_config_init (&config);
  config.experiment = opts->experiment;
  config.epochs = opts->epochs;
  config.batch_size = opts->batch_size;
  config.seed = opts->seed;
  config.width = opts->width;
  config.height = opts->height;
  config.mini_epochs = opts->mini_epochs;
  config.mini_corpus = (int) opts->mini_corpus;
  config.cache_dir = e2e->cache_dir;
  fathom_train_panel_set_config (panel, &config);
  fathom_worker_panel_set_runs_dir (FATHOM_WORKER_PANEL (panel), e2e->runs_dir);
  fathom_train_panel_get_config (panel, &got);
  g_assert_cmpstr (got.experiment, ==, opts->experiment);
  g_assert_cmpuint (got.epochs, ==, opts->epochs);
  g_assert_cmpstr (got.device, ==, "cpu");

  /* what the Start button does */
  gtk_widget_activate_action (GTK_WIDGET (panel), "train.start", NULL);
  if (!fathom_worker_panel_get_running (FATHOM_WORKER_PANEL (panel)))
    g_error ("Start did not start a run: %s",
             fathom_worker_panel_get_error (FATHOM_WORKER_PANEL (panel)) != NULL
             ? fathom_worker_panel_get_error (FATHOM_WORKER_PANEL (panel))->message : "?");
  e2e->n_started++;
}

gboolean
fathom_e2e_training_finished (FathomE2e *e2e,
                              gpointer   unused)
{
  return e2e->n_finished >= e2e->n_started;
}

gboolean
fathom_e2e_run_shown (FathomE2e *e2e,
                      gpointer   unused)
{
  FathomRunView *view = fathom_e2e_get_run_view (e2e);

  return e2e->n_runs_opened >= e2e->n_started && view != NULL && !fathom_window_get_busy (e2e->window) &&
         g_strcmp0 (fathom_window_get_visible_page (e2e->window), "runs") == 0 &&
         g_strcmp0 (fathom_run_view_get_run_dir (view), e2e->run_dir) == 0;
}

/* ---- the dataset page's photos ----------------------------------------------- */

static gboolean
thumbnails_arrived (FathomE2e *e2e,
                    gpointer   data)
{
  FathomThumbnailStats stats;

  fathom_thumbnail_cache_get_stats (data, &stats);
  return stats.n_delivered > 0 && stats.n_waiting == 0 && stats.n_queued == 0;
}

void
fathom_e2e_show_photos (FathomE2e *e2e)
{
  GtkWidget *child = fathom_window_get_page_child (e2e->window, "dataset");
  FathomDatasetPage *page;
  FathomDatasetBrowser *browser;
  GtkGridView *grid_view;

  g_assert_true (FATHOM_IS_DATASET_PAGE (child));
  page = FATHOM_DATASET_PAGE (child);
  fathom_window_set_visible_page (e2e->window, "dataset");
  fathom_dataset_page_set_visible (page, "photos");
  browser = fathom_dataset_page_get_browser (page);
  /* the first photo in the image view beside the grid, as a click would */
  grid_view = fathom_thumbnail_grid_get_grid_view (fathom_dataset_browser_get_grid (browser));
  gtk_widget_activate_action (GTK_WIDGET (grid_view), "list.activate-item", "u", 0);
  fathom_e2e_settle (e2e);
  fathom_e2e_wait (e2e, thumbnails_arrived, fathom_dataset_browser_get_thumbnail_cache (browser), 60,
                   "the thumbnails");
}

/* ---- frames and pixels --------------------------------------------------------- */

typedef struct {
  guint  ticks;
  gint64 not_before;
} Settle;

static gboolean
count_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       data)
{
  ((Settle *) data)->ticks++;
  return G_SOURCE_CONTINUE;
}

static gboolean
settled (FathomE2e *e2e,
         gpointer   data)
{
  Settle *settle = data;

  return settle->ticks >= 4 && g_get_monotonic_time () >= settle->not_before;
}

void
fathom_e2e_settle (FathomE2e *e2e)
{
  Settle settle = { 0, g_get_monotonic_time () + 150 * 1000 };
  guint id;

  drain ();
  /* A tick callback keeps the frame clock running; each tick starts a
   * frame, so by the fourth the ones before have been laid out and drawn. */
  gtk_widget_queue_draw (GTK_WIDGET (e2e->window));
  id = gtk_widget_add_tick_callback (GTK_WIDGET (e2e->window), count_tick, &settle, NULL);
  fathom_e2e_wait (e2e, settled, &settle, 10, "frames to be drawn");
  gtk_widget_remove_tick_callback (GTK_WIDGET (e2e->window), id);
  drain ();
}

/* What a frame draws, from the window down, in its coordinates: its CSS
 * background, then its own snapshot (the children, each from its cached
 * node or afresh if it changed since). Not the frame's node itself,
 * which GTK drops whenever something queues a draw (a chart point, say). */
static FathomE2eShot *
render_window (GtkWidget *window)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  FathomE2eShot *shot = g_new0 (FathomE2eShot, 1);

  shot->width = gtk_widget_get_width (window);
  shot->height = gtk_widget_get_height (window);
  g_assert_cmpint (shot->width, >, 0);
  g_assert_cmpint (shot->height, >, 0);
  gtk_snapshot_render_background (snapshot, gtk_widget_get_style_context (window),
                                  0, 0, shot->width, shot->height);
  GTK_WIDGET_GET_CLASS (window)->snapshot (window, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, shot->width, shot->height));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, shot->width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, shot->height);
  shot->pixels = g_malloc ((gsize) shot->width * shot->height * 4);
  gdk_texture_download (texture, shot->pixels, (gsize) shot->width * 4);
  return shot;
}

typedef struct {
  GtkWidget     *window;
  FathomE2eShot *shot;
} ShotCall;

/* Right after a frame's layout and paint, before anything else runs:
 * every widget drawn has its allocation. */
static void
on_after_paint (GdkFrameClock *clock,
                ShotCall      *call)
{
  if (call->shot == NULL)
    call->shot = render_window (call->window);
}

static gboolean
shot_taken (FathomE2e *e2e,
            gpointer   data)
{
  return ((ShotCall *) data)->shot != NULL;
}

FathomE2eShot *
fathom_e2e_screenshot (FathomE2e *e2e)
{
  ShotCall call = { GTK_WIDGET (e2e->window), NULL };
  GdkFrameClock *clock = gtk_widget_get_frame_clock (call.window);
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &call);
  gtk_widget_queue_draw (call.window);
  fathom_e2e_wait (e2e, shot_taken, &call, 10, "a frame to take a screenshot after");
  g_signal_handler_disconnect (clock, id);
  return call.shot;
}

void
fathom_e2e_shot_free (FathomE2eShot *shot)
{
  if (shot == NULL)
    return;
  g_free (shot->pixels);
  g_free (shot);
}

char *
fathom_e2e_shot_save (const FathomE2eShot *shot,
                      const char          *dir,
                      const char          *name)
{
  char *path = g_build_filename (dir, name, NULL);
  cairo_surface_t *surface;
  cairo_status_t status;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  /* The window is opaque: RGB without the alpha channel, a smaller file. */
  surface = cairo_image_surface_create_for_data (shot->pixels, CAIRO_FORMAT_RGB24,
                                                 shot->width, shot->height, shot->width * 4);
  status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    g_error ("writing %s: %s", path, cairo_status_to_string (status));
  return path;
}

void
fathom_e2e_shot_rgb (const FathomE2eShot *shot,
                     int                  x,
                     int                  y,
                     int                  rgb[3])
{
  guint32 p;

  g_assert_true (x >= 0 && x < shot->width && y >= 0 && y < shot->height);
  p = ((const guint32 *) (gconstpointer) shot->pixels)[(gsize) y * shot->width + x];
  rgb[0] = (p >> 16) & 255;
  rgb[1] = (p >> 8) & 255;
  rgb[2] = p & 255;
}

void
fathom_e2e_to_shot (FathomE2e           *e2e,
                    const FathomE2eShot *shot,
                    GtkWidget           *widget,
                    double               x,
                    double               y,
                    double              *shot_x,
                    double              *shot_y)
{
  g_assert_true (gtk_widget_translate_coordinates (widget, GTK_WIDGET (e2e->window), x, y, shot_x, shot_y));
}

gboolean
fathom_e2e_widget_rect (FathomE2e           *e2e,
                        const FathomE2eShot *shot,
                        GtkWidget           *widget,
                        graphene_rect_t     *rect)
{
  return gtk_widget_get_mapped (widget) &&
         gtk_widget_compute_bounds (widget, GTK_WIDGET (e2e->window), rect);
}
