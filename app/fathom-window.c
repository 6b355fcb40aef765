/* fathom-window.c: pages, opening folders and generating the synthetic
 * dataset, both in worker threads (FathomFolder, the fishsim job); the
 * actions are in fathom-window-actions.c. */
#include "fathom-window-private.h"

#include <glib/gi18n.h>

#include "fathom-application.h"
#include "fathom-dataset-page.h"
#include "fathom-fishsim-job.h"
#include "fathom-folder.h"
#include "fathom-review-queue.h"
#include "fathom-run-view.h"
#include "fathom-text-lab.h"
#include "fathom-train-panel.h"

/* One folder being opened; owned by the async callback. */
typedef struct {
  FathomWindow *window;         /* a reference */
  GCancellable *cancellable;    /* a reference; also in window->opening */
  char         *path;
  guint         serial;
} OpenCall;

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

enum {
  DATASET_LOADED,
  RUN_OPENED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (FathomWindow, fathom_window, ADW_TYPE_APPLICATION_WINDOW)

static void
open_call_free (OpenCall *call)
{
  g_object_unref (call->window);
  g_object_unref (call->cancellable);
  g_free (call->path);
  g_free (call);
}

FathomWindow *
fathom_window_new (GtkApplication *application)
{
  return g_object_new (FATHOM_TYPE_WINDOW, "application", application, NULL);
}

char *
fathom_window_dup_fishsim_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "fathom", "fishsim", NULL);
}

gboolean
fathom_window_get_busy (FathomWindow *self)
{
  g_return_val_if_fail (FATHOM_IS_WINDOW (self), FALSE);

  return (self->opening != NULL && self->opening->len > 0) || self->generate_cancellable != NULL;
}

FathomDataset *
fathom_window_get_dataset (FathomWindow *self)
{
  g_return_val_if_fail (FATHOM_IS_WINDOW (self), NULL);

  return self->dataset;
}

GFile *
fathom_window_get_run (FathomWindow *self)
{
  g_return_val_if_fail (FATHOM_IS_WINDOW (self), NULL);

  return self->run;
}

void
fathom_window_add_toast (FathomWindow *self,
                         AdwToast     *toast)
{
  g_return_if_fail (FATHOM_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  /* Never dismissed or prioritised from here: libadwaita 1.2 can crash
   * when a toast goes away during its show animation. */
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
fathom_window_show_error (FathomWindow *self,
                          const char   *title,
                          const GError *error)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  g_return_if_fail (FATHOM_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  /* Toast titles are markup in libadwaita 1.2. */
  escaped = g_markup_escape_text (title, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 8);
  if (error != NULL)
    {
      adw_toast_set_button_label (toast, _("Details"));
      adw_toast_set_action_name (toast, "win.show-error");
      adw_toast_set_action_target_value (toast, g_variant_new ("(ss)", title, error->message));
    }
  g_debug ("%s: %s", title, error != NULL ? error->message : "");
  fathom_window_add_toast (self, toast);
}

static GtkStack *
page_stack (FathomWindow *self,
            const char   *page)
{
  if (g_strcmp0 (page, "dataset") == 0)
    return self->dataset_stack;
  if (g_strcmp0 (page, "training") == 0)
    return self->training_stack;
  if (g_strcmp0 (page, "runs") == 0)
    return self->runs_stack;
  if (g_strcmp0 (page, "review") == 0)
    return self->review_stack;
  if (g_strcmp0 (page, "text") == 0)
    return self->text_stack;
  return NULL;
}

GtkWidget *
fathom_window_get_page_child (FathomWindow *self,
                              const char   *page)
{
  GtkStack *stack;

  g_return_val_if_fail (FATHOM_IS_WINDOW (self), NULL);

  stack = page_stack (self, page);
  g_return_val_if_fail (stack != NULL, NULL);
  return gtk_stack_get_child_by_name (stack, "custom");
}

/* The dataset page shows, by priority: work in progress, the welcome page
 * while no dataset is open, another engineer's widget, the summary. */
static void
update_dataset_page (FathomWindow *self)
{
  const char *child;

  if (self->generate_cancellable != NULL)
    child = "generating";
  else if (fathom_window_get_busy (self))
    child = "loading";
  else if (self->dataset == NULL)
    child = "empty";
  else if (gtk_stack_get_child_by_name (self->dataset_stack, "custom") != NULL)
    child = "custom";
  else
    child = "summary";
  /* Filled when shown: the dataset page has its own overview. */
  if (g_str_equal (child, "summary"))
    fathom_dataset_summary_set_dataset (self->summary, self->dataset);
  gtk_stack_set_visible_child_name (self->dataset_stack, child);
}

void
fathom_window_set_page_child (FathomWindow *self,
                              const char   *page,
                              GtkWidget    *child)
{
  GtkStack *stack;
  GtkWidget *old;

  g_return_if_fail (FATHOM_IS_WINDOW (self));
  g_return_if_fail (child == NULL || GTK_IS_WIDGET (child));

  stack = page_stack (self, page);
  g_return_if_fail (stack != NULL);

  old = gtk_stack_get_child_by_name (stack, "custom");
  if (old == child)
    return;
  if (old != NULL)
    gtk_stack_remove (stack, old);
  if (child != NULL)
    gtk_stack_add_named (stack, child, "custom");

  if (stack == self->dataset_stack)
    update_dataset_page (self);
  else
    gtk_stack_set_visible_child_name (stack, child != NULL ? "custom" : "empty");
}

void
fathom_window_set_visible_page (FathomWindow *self,
                                const char   *page)
{
  g_return_if_fail (FATHOM_IS_WINDOW (self));
  g_return_if_fail (page_stack (self, page) != NULL);

  adw_view_stack_set_visible_child_name (self->view_stack, page);
}

const char *
fathom_window_get_visible_page (FathomWindow *self)
{
  g_return_val_if_fail (FATHOM_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->view_stack);
}

static gboolean
fishsim_exists (void)
{
  g_autofree char *dir = fathom_window_dup_fishsim_dir ();
  g_autofree char *truth = g_build_filename (dir, "fishsim.json", NULL);

  return g_file_test (truth, G_FILE_TEST_IS_REGULAR);
}

/* Once generated, the welcome page's button opens it instead. */
static void
update_welcome (FathomWindow *self)
{
  gtk_button_set_label (self->generate_button,
                        fishsim_exists ()
                        ? _("_Open the Built-in Synthetic Dataset")
                        : _("_Generate the Built-in Synthetic Dataset"));
}

static void
busy_changed (FathomWindow *self)
{
  update_welcome (self);
  update_dataset_page (self);
  _fathom_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Opening ---------------------------------------------------------------- */

static void
set_dataset (FathomWindow  *self,
             FathomDataset *dataset)
{
  g_autofree char *name = NULL;
  guint n_problems;

  g_clear_pointer (&self->dataset, fathom_dataset_free);
  self->dataset = dataset;

  fathom_dataset_summary_set_dataset (self->sidebar_summary, dataset);
  /* The overview and the photos; back in the page if it was taken out. */
  fathom_dataset_page_set_dataset (g_object_get_data (G_OBJECT (self), "fathom-dataset-page"), dataset);
  if (dataset != NULL && fathom_window_get_page_child (self, "dataset") == NULL)
    fathom_window_set_page_child (self, "dataset", g_object_get_data (G_OBJECT (self), "fathom-dataset-page"));
  if (dataset == NULL)
    return;

  name = g_path_get_basename (fathom_dataset_get_root (dataset));
  gtk_window_set_title (GTK_WINDOW (self), name);
  adw_view_switcher_title_set_subtitle (self->switcher_title, name);
  g_settings_set_string (self->settings, "last-dataset", fathom_dataset_get_root (dataset));

  n_problems = fathom_dataset_get_n_problems (dataset);
  if (n_problems > 0)
    {
      g_autofree char *title = g_strdup_printf (ngettext ("%u file could not be read: see Problems",
                                                          "%u files could not be read: see Problems",
                                                          n_problems),
                                                n_problems);
      fathom_window_add_toast (self, adw_toast_new (title));
    }

  adw_view_stack_set_visible_child_name (self->view_stack, "dataset");
  g_signal_emit (self, signals[DATASET_LOADED], 0, dataset);
}

static void
set_run (FathomWindow *self,
         FathomFolder *folder)
{
  g_autofree char *name = g_path_get_basename (folder->path);
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *escaped = NULL;

  g_clear_object (&self->run);
  self->run = g_file_new_for_path (folder->path);
  g_settings_set_string (self->settings, "last-run", folder->path);

  if (folder->experiment != NULL)
    g_string_append_printf (description, _("Experiment %s"), folder->experiment);
  if (folder->device != NULL)
    g_string_append_printf (description, "%s%s", description->len > 0 ? " · " : "", folder->device);
  g_string_append_printf (description, "%s%s", description->len > 0 ? "\n" : "", folder->path);
  escaped = g_markup_escape_text (description->str, -1);

  adw_status_page_set_icon_name (self->run_page, "folder-symbolic");
  adw_status_page_set_title (self->run_page, name);
  adw_status_page_set_description (self->run_page, escaped);

  adw_view_stack_set_visible_child_name (self->view_stack, "runs");
  g_signal_emit (self, signals[RUN_OPENED], 0, self->run);
}

static void
open_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpenCall *call = user_data;
  FathomWindow *self = call->window;
  g_autoptr(FathomFolder) folder = NULL;
  g_autoptr(GError) error = NULL;

  folder = fathom_folder_open_finish (result, &error);

  /* The window closed meanwhile: nothing to show. */
  if (self->opening == NULL || !g_ptr_array_remove (self->opening, call->cancellable))
    {
      open_call_free (call);
      return;
    }

  if (folder == NULL)
    {
      g_autofree char *name = g_path_get_basename (call->path);
      g_autofree char *title = NULL;

      if (g_error_matches (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT))
        title = g_strdup_printf (_("“%s” is neither a dataset nor a run folder"), name);
      else
        title = g_strdup_printf (_("Could not open “%s”"), name);
      fathom_window_show_error (self, title, error);
    }
  /* Of two folders opened one after the other, the later one stays,
   * whichever finishes first. */
  else if (folder->kind == FATHOM_FOLDER_DATASET && call->serial > self->shown_dataset_serial)
    {
      self->shown_dataset_serial = call->serial;
      set_dataset (self, g_steal_pointer (&folder->dataset));
    }
  else if (folder->kind == FATHOM_FOLDER_RUN && call->serial > self->shown_run_serial)
    {
      self->shown_run_serial = call->serial;
      set_run (self, folder);
    }

  busy_changed (self);
  open_call_free (call);
}

void
_fathom_window_open_folder (FathomWindow *self,
                            GFile        *folder,
                            gboolean      expect_run)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  OpenCall *call;

  g_return_if_fail (FATHOM_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (folder));

  path = g_file_get_path (folder);
  if (path == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = g_file_get_uri (folder);

      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s is not a local folder"), uri);
      fathom_window_show_error (self, _("Only local folders can be opened"), error);
      return;
    }

  call = g_new0 (OpenCall, 1);
  call->window = g_object_ref (self);
  call->cancellable = g_cancellable_new ();
  call->path = g_strdup (path);
  call->serial = ++self->open_serial;
  g_ptr_array_add (self->opening, g_object_ref (call->cancellable));

  name = g_path_get_basename (path);
  adw_status_page_set_title (self->loading_page, name);
  adw_status_page_set_description (self->loading_page, _("Reading image headers…"));

  fathom_folder_open_async (path, expect_run, call->cancellable, open_done, call);
  busy_changed (self);
}

void
fathom_window_open (FathomWindow *self,
                    GFile        *folder)
{
  _fathom_window_open_folder (self, folder, FALSE);
}

void
_fathom_window_reload (FathomWindow *self)
{
  g_autoptr(GFile) folder = NULL;

  if (self->dataset == NULL)
    return;
  folder = g_file_new_for_path (fathom_dataset_get_root (self->dataset));
  _fathom_window_open_folder (self, folder, FALSE);
}

/* Generating ------------------------------------------------------------- */

/* On the main thread, at most once per main loop iteration. */
static void
generate_progress (guint    done,
                   guint    total,
                   gpointer user_data)
{
  FathomWindow *self = user_data;
  g_autofree char *text = g_strdup_printf (_("%u of %u photos"), done, total);

  gtk_progress_bar_set_fraction (self->generate_progress, total > 0 ? (double) done / total : 0.0);
  gtk_progress_bar_set_text (self->generate_progress, text);
}

static void
generate_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(FathomWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = fathom_fishsim_job_run_finish (result, &error);
  g_autofree char *out_dir = NULL;

  /* The window closed meanwhile: nothing to show. */
  if (self->generate_cancellable == NULL)
    return;

  g_clear_object (&self->generate_cancellable);
  busy_changed (self);

  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          AdwToast *toast = adw_toast_new (_("Generation cancelled"));

          adw_toast_set_timeout (toast, 3);
          fathom_window_add_toast (self, toast);
        }
      else
        fathom_window_show_error (self, _("Could not generate the synthetic dataset"), error);
      return;
    }

  out_dir = fathom_window_dup_fishsim_dir ();
  {
    g_autoptr(GFile) folder = g_file_new_for_path (out_dir);

    fathom_window_open (self, folder);
  }
}

void
fathom_window_generate_fishsim (FathomWindow *self)
{
  g_autofree char *out_dir = NULL;
  g_autofree char *escaped = NULL;
  FathomFishsimOptions opts;

  g_return_if_fail (FATHOM_IS_WINDOW (self));

  if (self->generate_cancellable != NULL)
    return;

  /* Same options, same bytes: one already there is simply opened. */
  out_dir = fathom_window_dup_fishsim_dir ();
  if (fishsim_exists ())
    {
      g_autoptr(GFile) folder = g_file_new_for_path (out_dir);

      fathom_window_open (self, folder);
      return;
    }

  self->generate_cancellable = g_cancellable_new ();
  escaped = g_markup_escape_text (out_dir, -1);
  adw_status_page_set_description (self->generating_page, escaped);
  gtk_progress_bar_set_fraction (self->generate_progress, 0.0);
  gtk_progress_bar_set_text (self->generate_progress, _("Starting…"));
  adw_view_stack_set_visible_child_name (self->view_stack, "dataset");

  fathom_fishsim_options_init (&opts);
  opts.out_dir = out_dir;
  /* Progress stops at cancellation, which dispose does: the window is
   * never reached after it. */
  fathom_fishsim_job_run_async (&opts, generate_progress, self,
                                self->generate_cancellable,
                                generate_done, g_object_ref (self));
  busy_changed (self);
}

void
_fathom_window_cancel_generation (FathomWindow *self)
{
  if (self->generate_cancellable != NULL)
    g_cancellable_cancel (self->generate_cancellable);
}

/* Training page ---------------------------------------------------------- */

/* A finished run opens like any run folder; a failure becomes a toast
 * (the panel shows it too); a stop needs no word. */
static void
training_run_finished (FathomTrainPanel *panel,
                       const char       *run_dir,
                       gboolean          ok,
                       FathomWindow     *self)
{
  const GError *error = fathom_worker_panel_get_error (FATHOM_WORKER_PANEL (panel));

  if (ok)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (run_dir);

      fathom_window_open (self, folder);
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    fathom_window_show_error (self, _("Training failed"), error);
}

static void
training_dataset_loaded (FathomWindow  *self,
                         FathomDataset *dataset,
                         gpointer       unused)
{
  GtkWidget *panel = g_object_get_data (G_OBJECT (self), "fathom-train-panel");

  fathom_worker_panel_set_input (FATHOM_WORKER_PANEL (panel), fathom_dataset_get_root (dataset));
  /* back in its page if it was taken out and nothing else is there */
  if (fathom_window_get_page_child (self, "training") == NULL)
    fathom_window_set_page_child (self, "training", panel);
}

/* The panel lives as long as the window (kept across
 * fathom_window_set_page_child (self, "training", NULL)). */
static void
training_page_init (FathomWindow *self)
{
  GtkWidget *panel = fathom_train_panel_new ();

  g_object_set_data_full (G_OBJECT (self), "fathom-train-panel", g_object_ref_sink (panel), g_object_unref);
  g_signal_connect_object (panel, "run-finished", G_CALLBACK (training_run_finished), self, 0);
  g_signal_connect (self, "dataset-loaded", G_CALLBACK (training_dataset_loaded), NULL);
  fathom_window_set_page_child (self, "training", panel);
}

/* Runs page -------------------------------------------------------------- */

/* Each opened run replaces the last in one FathomRunView; a folder that
 * does not read leaves the page's description of it, and a toast. */
static void
runs_run_opened (FathomWindow *self,
                 GFile        *folder,
                 gpointer      unused)
{
  GtkWidget *view = g_object_get_data (G_OBJECT (self), "fathom-run-view");
  g_autofree char *path = g_file_get_path (folder);
  g_autofree char *name = g_file_get_basename (folder);
  g_autofree char *title = NULL;
  g_autoptr(GError) error = NULL;

  if (path != NULL && fathom_run_view_load (FATHOM_RUN_VIEW (view), path, &error))
    {
      fathom_window_set_page_child (self, "runs", view);
      fathom_window_set_visible_page (self, "runs");
      return;
    }
  fathom_window_set_page_child (self, "runs", NULL);
  title = g_strdup_printf (_("Could not read the run “%s”"), name);
  fathom_window_show_error (self, title, error);
}

/* The view lives as long as the window and is shown once a run reads. */
static void
runs_page_init (FathomWindow *self)
{
  g_object_set_data_full (G_OBJECT (self), "fathom-run-view",
                          g_object_ref_sink (fathom_run_view_new ()), g_object_unref);
  g_signal_connect (self, "run-opened", G_CALLBACK (runs_run_opened), NULL);
}

/* Review page ------------------------------------------------------------ */

/* A run whose predictions.csv has predicted boxes (bbox) or whose class
 * maps came with it goes into the review queue; any other run empties the
 * page, which would otherwise go on showing an older run. */
static void
review_run_opened (FathomWindow *self,
                   GFile        *folder,
                   gpointer      unused)
{
  GtkWidget *queue = g_object_get_data (G_OBJECT (self), "fathom-review-queue");
  g_autofree char *path = g_file_get_path (folder);
  g_autofree char *csv = path != NULL ? g_build_filename (path, "predictions.csv", NULL) : NULL;
  g_autoptr(GError) error = NULL;

  if (csv != NULL && g_file_test (csv, G_FILE_TEST_IS_REGULAR) &&
      fathom_review_queue_load (FATHOM_REVIEW_QUEUE (queue), path, &error))
    {
      fathom_window_set_page_child (self, "review", queue);
      return;
    }
  fathom_window_set_page_child (self, "review", NULL);
  /* a run without boxes or maps has nothing to review: no error */
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    fathom_window_show_error (self, _("Could not open the run for review"), error);
}

/* The queue lives as long as the window and is shown once a run reads. */
static void
review_page_init (FathomWindow *self)
{
  g_object_set_data_full (G_OBJECT (self), "fathom-review-queue",
                          g_object_ref_sink (fathom_review_queue_new ()), g_object_unref);
  g_signal_connect (self, "run-opened", G_CALLBACK (review_run_opened), NULL);
}

/* Text lab page ---------------------------------------------------------- */

/* The lab trains on a text of its own (no dataset needed) and shows its
 * samples itself: it goes on its page at once. */
static void
text_page_init (FathomWindow *self)
{
  GtkWidget *lab = fathom_text_lab_new ();

  fathom_window_set_page_child (self, "text", lab);
}

/* Window ----------------------------------------------------------------- */

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         FathomWindow  *self)
{
  GSList *files;
  gboolean any;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = gdk_file_list_get_files (g_value_get_boxed (value));
  any = files != NULL;
  for (GSList *l = files; l != NULL; l = l->next)
    fathom_window_open (self, l->data);
  g_slist_free (files);
  return any;
}

static gboolean
fathom_window_close_request (GtkWindow *window)
{
  FathomWindow *self = FATHOM_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_set_boolean (self->settings, "sidebar-visible", adw_flap_get_reveal_flap (self->flap));

  return GTK_WINDOW_CLASS (fathom_window_parent_class)->close_request (window);
}

static void
fathom_window_dispose (GObject *object)
{
  FathomWindow *self = FATHOM_WINDOW (object);

  /* Workers finish on their own; their results are dropped. */
  if (self->opening != NULL)
    for (guint i = 0; i < self->opening->len; i++)
      g_cancellable_cancel (self->opening->pdata[i]);
  g_clear_pointer (&self->opening, g_ptr_array_unref);
  if (self->generate_cancellable != NULL)
    g_cancellable_cancel (self->generate_cancellable);
  g_clear_object (&self->generate_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), FATHOM_TYPE_WINDOW);

  g_clear_pointer (&self->dataset, fathom_dataset_free);
  g_clear_object (&self->run);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (fathom_window_parent_class)->dispose (object);
}

static void
fathom_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  FathomWindow *self = FATHOM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, fathom_window_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_window_class_init (FathomWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = fathom_window_dispose;
  object_class->get_property = fathom_window_get_property;
  window_class->close_request = fathom_window_close_request;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[DATASET_LOADED] =
    g_signal_new ("dataset-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[RUN_OPENED] =
    g_signal_new ("run-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);

  g_type_ensure (FATHOM_TYPE_DATASET_SUMMARY);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/fathom/Fathom/fathom-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, dataset_stack);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, training_stack);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, runs_stack);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, review_stack);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, text_stack);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, generate_button);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, generating_page);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, generate_progress);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, summary);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, sidebar_summary);
  gtk_widget_class_bind_template_child (widget_class, FathomWindow, run_page);
}

static void
fathom_window_init (FathomWindow *self)
{
  GtkDropTarget *target;

  self->opening = g_ptr_array_new_with_free_func (g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Its own settings object on the application's schema (the backend is
   * shared): the window is built before it has an application. */
  self->settings = g_settings_new (FATHOM_APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  adw_flap_set_reveal_flap (self->flap, g_settings_get_boolean (self->settings, "sidebar-visible"));

  /* Kept across fathom_window_set_page_child (self, "dataset", NULL). */
  g_object_set_data_full (G_OBJECT (self), "fathom-dataset-page",
                          g_object_ref_sink (fathom_dataset_page_new ()), g_object_unref);

  _fathom_window_actions_init (self);
  _fathom_window_update_actions (self);
  update_welcome (self);

  /* Folders dropped anywhere on the window open as by the file chooser. */
  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self->toast_overlay), GTK_EVENT_CONTROLLER (target));

  training_page_init (self);
  runs_page_init (self);
  review_page_init (self);
  text_page_init (self);
}
