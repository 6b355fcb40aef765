/* test-app.c: the desktop application under Xvfb: registration, the
 * window's pages and actions, the settings defaults, opening a dataset, a
 * run and a folder that is neither, cancelling the synthetic dataset, and
 * --version. The tests share one registered application, in order. */
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "fathom-application.h"
#include "fathom-dataset-page.h"
#include "fathom-dataset-summary.h"
#include "fathom-fishsim-job.h"
#include "fathom-folder.h"
#include "fathom-image.h"
#include "fathom-test-util.h"
#include "fathom-window.h"

#define WAIT_TIMEOUT_MS 30000

static FathomApplication *the_app;
static char *test_binary;
static gboolean have_bus;
static GPtrArray *temp_dirs;   /* removed when the tests are done */

/* A new folder under the temporary directory, removed at the end (the
 * window may still show what was opened from it until then). */
static char *
make_temp_dir (const char *tmpl, GError **error)
{
  char *dir = g_dir_make_tmp (tmpl, error);

  if (dir != NULL)
    g_ptr_array_add (temp_dirs, g_strdup (dir));
  return dir;
}

static FathomApplication *
get_app (void)
{
  if (the_app == NULL)
    {
      g_autoptr(GError) error = NULL;

      the_app = fathom_application_new ();
      g_assert_true (g_application_register (G_APPLICATION (the_app), NULL, &error));
      g_assert_no_error (error);
      /* The private bus goes away before the process ends: no SIGTERM. */
      if (g_application_get_dbus_connection (G_APPLICATION (the_app)) != NULL)
        g_dbus_connection_set_exit_on_close (g_application_get_dbus_connection (G_APPLICATION (the_app)), FALSE);
    }
  return the_app;
}

static FathomWindow *
get_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (get_app ()));
  window = gtk_application_get_active_window (GTK_APPLICATION (the_app));
  g_assert_true (FATHOM_IS_WINDOW (window));
  return FATHOM_WINDOW (window);
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Predicate) (gpointer data);

/* Runs the main loop until pred holds; fails after WAIT_TIMEOUT_MS. */
static void
wait_until (Predicate   pred,
            gpointer    data,
            const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);

  while (!pred (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

static gboolean
window_idle (gpointer data)
{
  return !fathom_window_get_busy (data);
}

/* Lets pending redraws and idles run. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
collect_widgets (GtkWidget  *widget,
                 GType       type,
                 GPtrArray  *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, out);
}

static GPtrArray *
find_all (gpointer root,
          GType    type)
{
  GPtrArray *out = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (root), type, out);
  return out;
}

static GPtrArray *
find_labels_named (gpointer    root,
                   const char *name)
{
  g_autoptr(GPtrArray) labels = find_all (root, GTK_TYPE_LABEL);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_widget_get_name (labels->pdata[i]), name) == 0)
      g_ptr_array_add (out, labels->pdata[i]);
  return out;
}

static gboolean
has_mapped_label_containing (gpointer    root,
                             const char *text)
{
  g_autoptr(GPtrArray) labels = find_all (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (labels->pdata[i]) &&
        strstr (gtk_label_get_text (labels->pdata[i]), text) != NULL)
      return TRUE;
  return FALSE;
}

typedef struct {
  gpointer    root;
  const char *text;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return has_mapped_label_containing (wait->root, wait->text);
}

/* Toasts queue, each showing a few seconds: wait for one's turn. */
static void
wait_for_label (gpointer    root,
                const char *text)
{
  LabelWait wait = { root, text };
  g_autofree char *what = g_strdup_printf ("a label with “%s”", text);

  wait_until (label_shown, &wait, what);
}

/* The only widget of a type under root. */
static gpointer
find_one (gpointer root,
          GType    type)
{
  g_autoptr(GPtrArray) all = find_all (root, type);

  g_assert_cmpuint (all->len, ==, 1);
  return all->pdata[0];
}

static void
write_png (const char *root,
           const char *rel,
           int         width,
           int         height)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(FathomImage) image = fathom_image_new (width, height);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int i = 0; i < width * height * 3; i++)
    image->pixels[i] = (guint8) (i * 13 + width);
  g_assert_true (fathom_image_save_png (image, path, &error));
  g_assert_no_error (error);
}

static void
write_file (const char *root,
            const char *rel,
            const char *text)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
test_register (void)
{
  FathomApplication *app = get_app ();

  g_assert_cmpstr (g_application_get_application_id (G_APPLICATION (app)), ==, "io.github.fathom.Fathom");
  g_assert_cmpstr (FATHOM_APP_ID, ==, "io.github.fathom.Fathom");
  g_assert_true (g_application_get_is_registered (G_APPLICATION (app)));
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  g_assert_true (g_application_get_flags (G_APPLICATION (app)) & G_APPLICATION_HANDLES_OPEN);
  g_assert_false (g_application_get_flags (G_APPLICATION (app)) & G_APPLICATION_NON_UNIQUE);
  g_assert_true (ADW_IS_APPLICATION (app));
  g_assert_cmpstr (g_application_get_resource_base_path (G_APPLICATION (app)), ==, "/io/github/fathom/Fathom");
  /* startup ran: settings exist and the style follows the system */
  g_assert_nonnull (fathom_application_get_settings (app));
  g_assert_cmpint (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()), ==,
                   ADW_COLOR_SCHEME_DEFAULT);
}

static void
test_settings_defaults (void)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GSettings) settings = g_settings_new_with_backend (FATHOM_APP_ID, backend);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) smoothing = NULL;
  g_autoptr(GVariant) too_much = g_variant_new_double (1.0);
  g_autoptr(GVariant) fine = g_variant_new_double (0.9);
  g_autofree char *last_dataset = g_settings_get_string (settings, "last-dataset");
  g_autofree char *device = g_settings_get_string (settings, "default-device");
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");
  g_autofree char *colormap = g_settings_get_string (settings, "heatmap-colormap");
  g_autofree char *interpolation = g_settings_get_string (settings, "heatmap-interpolation");

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1200);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 800);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_assert_true (g_settings_get_boolean (settings, "sidebar-visible"));
  g_assert_cmpstr (last_dataset, ==, "");
  g_assert_cmpstr (device, ==, "auto");
  g_assert_cmpstr (scheme, ==, "default");
  g_assert_cmpint (g_settings_get_enum (settings, "color-scheme"), ==, 0);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "chart-smoothing"), 0.6, 1e-12);
  g_assert_false (g_settings_get_boolean (settings, "chart-log-scale"));
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "heatmap-opacity"), 0.5, 1e-12);
  g_assert_cmpstr (colormap, ==, "viridis");
  g_assert_cmpstr (interpolation, ==, "bilinear");

  /* ranges and choices are enforced */
  g_object_get (settings, "settings-schema", &schema, NULL);
  smoothing = g_settings_schema_get_key (schema, "chart-smoothing");
  g_assert_true (g_settings_schema_key_range_check (smoothing, fine));
  g_assert_false (g_settings_schema_key_range_check (smoothing, too_much));
  {
    g_autoptr(GSettingsSchemaKey) device_key = g_settings_schema_get_key (schema, "default-device");
    g_autoptr(GVariant) tpu = g_variant_new_string ("tpu");
    g_autoptr(GVariant) cuda = g_variant_new_string ("cuda");

    g_assert_false (g_settings_schema_key_range_check (device_key, tpu));
    g_assert_true (g_settings_schema_key_range_check (device_key, cuda));
  }
  g_assert_true (g_settings_set_string (settings, "heatmap-colormap", "jet"));
  g_assert_cmpint (g_settings_get_enum (settings, "heatmap-colormap"), ==, 4);
}

static void
collect_menu_actions (GMenuModel *model,
                      GPtrArray  *out)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);
      g_autoptr(GMenuModel) submenu = g_menu_model_get_item_link (model, i, G_MENU_LINK_SUBMENU);

      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
        g_ptr_array_add (out, g_steal_pointer (&action));
      if (section != NULL)
        collect_menu_actions (section, out);
      if (submenu != NULL)
        collect_menu_actions (submenu, out);
    }
}

static gboolean
accel_triggers (GtkApplication *app,
                const char     *accel,
                const char     *action)
{
  g_auto(GStrv) actions = gtk_application_get_actions_for_accel (app, accel);

  return actions != NULL && g_strv_contains ((const char * const *) actions, action);
}

static void
test_window (void)
{
  FathomWindow *window = get_window ();
  GtkApplication *app = GTK_APPLICATION (the_app);
  AdwViewStack *stack;
  g_autoptr(GtkSelectionModel) pages = NULL;
  g_autoptr(GPtrArray) menu_buttons = NULL;
  g_autoptr(GPtrArray) menu_actions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) buttons = NULL;
  GtkMenuButton *primary = NULL;
  GtkWidget *label;
  AdwFlap *flap;
  const char *const win_actions[] = {
    "open-dataset", "open-run", "generate-fishsim", "cancel-generation", "reload",
    "sidebar-visible", "page", "close", "show-error", "show-help-overlay",
  };
  const char *const app_actions[] = { "quit", "preferences", "about" };
  const char *const names[] = { "dataset", "training", "runs", "review", "text" };
  const char *const titles[] = { "_Dataset", "_Training", "_Runs", "Re_view", "_Text Lab" };
  guint n_windows;

  drain ();
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (ADW_IS_APPLICATION_WINDOW (window));
  g_assert_true (gtk_window_get_application (GTK_WINDOW (window)) == app);

  /* five pages, in order, with the dataset page first */
  stack = find_one (window, ADW_TYPE_VIEW_STACK);
  pages = adw_view_stack_get_pages (stack);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (pages)), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);

      g_assert_cmpstr (adw_view_stack_page_get_name (page), ==, names[i]);
      g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, titles[i]);
      g_assert_nonnull (adw_view_stack_page_get_icon_name (page));
    }
  g_assert_cmpstr (fathom_window_get_visible_page (window), ==, "dataset");
  /* no last dataset: the welcome page offers the synthetic dataset */
  g_assert_null (fathom_window_get_dataset (window));
  g_assert_true (has_mapped_label_containing (window, "Welcome to Fathom"));
  g_assert_true (has_mapped_label_containing (window, "Synthetic Dataset"));

  for (guint i = 0; i < G_N_ELEMENTS (win_actions); i++)
    g_assert_true (g_action_map_lookup_action (G_ACTION_MAP (window), win_actions[i]) != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (app_actions); i++)
    g_assert_true (g_action_map_lookup_action (G_ACTION_MAP (app), app_actions[i]) != NULL);

  /* every item of the primary menu names an action that exists */
  menu_buttons = find_all (window, GTK_TYPE_MENU_BUTTON);
  for (guint i = 0; i < menu_buttons->len; i++)
    if (gtk_menu_button_get_primary (menu_buttons->pdata[i]))
      primary = menu_buttons->pdata[i];
  g_assert_nonnull (primary);
  g_assert_cmpstr (gtk_menu_button_get_icon_name (primary), ==, "open-menu-symbolic");
  collect_menu_actions (gtk_menu_button_get_menu_model (primary), menu_actions);
  g_assert_cmpuint (menu_actions->len, >=, 8);
  for (guint i = 0; i < menu_actions->len; i++)
    {
      const char *full = menu_actions->pdata[i];
      GActionMap *map = g_str_has_prefix (full, "win.") ? G_ACTION_MAP (window) : G_ACTION_MAP (app);

      g_assert_true (g_str_has_prefix (full, "win.") || g_str_has_prefix (full, "app."));
      if (g_action_map_lookup_action (map, full + 4) == NULL)
        g_error ("the primary menu's %s does not exist", full);
    }
  g_assert_true (g_ptr_array_find_with_equal_func (menu_actions, "app.preferences", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (menu_actions, "win.show-help-overlay", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (menu_actions, "app.about", g_str_equal, NULL));

  /* icon-only buttons say what they do */
  buttons = find_all (window, GTK_TYPE_BUTTON);
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = buttons->pdata[i];
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (button));

      GtkWidget *parent = gtk_widget_get_parent (button);

      /* GTK's own window controls are labelled by GTK */
      if (GTK_IS_WINDOW_CONTROLS (parent))
        continue;
      /* a menu button's tooltip sits on the menu button around it */
      if (GTK_IS_IMAGE (child) && gtk_widget_get_mapped (button) &&
          gtk_widget_get_tooltip_text (button) == NULL &&
          !(GTK_IS_MENU_BUTTON (parent) && gtk_widget_get_tooltip_text (parent) != NULL))
        g_error ("icon-only %s in %s has no tooltip", gtk_image_get_icon_name (GTK_IMAGE (child)),
                 G_OBJECT_TYPE_NAME (gtk_widget_get_parent (button)));
    }

  /* keyboard shortcuts */
  g_assert_true (accel_triggers (app, "<Control>o", "win.open-dataset"));
  g_assert_true (accel_triggers (app, "<Control><Shift>o", "win.open-run"));
  g_assert_true (accel_triggers (app, "<Control>q", "app.quit"));
  g_assert_true (accel_triggers (app, "<Control>comma", "app.preferences"));
  g_assert_true (accel_triggers (app, "<Control>question", "win.show-help-overlay"));
  g_assert_true (accel_triggers (app, "F9", "win.sidebar-visible"));
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  /* F9's action hides and shows the sidebar */
  flap = find_one (window, ADW_TYPE_FLAP);
  g_assert_true (adw_flap_get_reveal_flap (flap));
  g_action_group_activate_action (G_ACTION_GROUP (window), "sidebar-visible", NULL);
  g_assert_false (adw_flap_get_reveal_flap (flap));
  g_action_group_activate_action (G_ACTION_GROUP (window), "sidebar-visible", NULL);
  g_assert_true (adw_flap_get_reveal_flap (flap));

  /* the page action switches pages */
  g_action_group_activate_action (G_ACTION_GROUP (window), "page", g_variant_new_string ("runs"));
  g_assert_cmpstr (fathom_window_get_visible_page (window), ==, "runs");
  fathom_window_set_visible_page (window, "dataset");

  /* other engineers' widgets go into pages, and out again */
  label = gtk_label_new ("training panel");
  fathom_window_set_page_child (window, "training", label);
  g_assert_true (fathom_window_get_page_child (window, "training") == label);
  g_assert_true (gtk_widget_get_child_visible (label));
  fathom_window_set_page_child (window, "training", NULL);
  g_assert_null (fathom_window_get_page_child (window, "training"));

  /* Preferences opens a window of its own */
  n_windows = g_list_length (gtk_application_get_windows (app));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  drain ();
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (app)), ==, n_windows + 1);
  g_assert_true (ADW_IS_PREFERENCES_WINDOW (gtk_application_get_windows (app)->data));
  gtk_window_destroy (gtk_application_get_windows (app)->data);
  drain ();
  g_assert_true (gtk_application_get_active_window (app) == GTK_WINDOW (window));
}

typedef struct {
  gboolean       loaded;
  FathomDataset *dataset;
  GFile         *run;
} Opened;

static void
on_dataset_loaded (FathomWindow  *window,
                   FathomDataset *dataset,
                   Opened        *opened)
{
  opened->loaded = TRUE;
  opened->dataset = dataset;
}

static void
on_run_opened (FathomWindow *window,
               GFile        *folder,
               Opened       *opened)
{
  g_set_object (&opened->run, folder);
}

static gboolean
opened_dataset (gpointer data)
{
  return ((Opened *) data)->loaded;
}

static void
assert_label_everywhere (FathomWindow *window,
                         const char   *name,
                         const char   *text,
                         guint         min_count)
{
  g_autoptr(GPtrArray) labels = find_labels_named (window, name);

  if (labels->len < min_count)
    g_error ("%u labels named %s, expected at least %u", labels->len, name, min_count);
  for (guint i = 0; i < labels->len; i++)
    g_assert_cmpstr (gtk_label_get_text (labels->pdata[i]), ==, text);
}

static void
test_open_dataset (void)
{
  FathomWindow *window = get_window ();
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ("fathom-app-XXXXXX", &error);
  g_autoptr(GFile) folder = NULL;
  g_autofree char *last = NULL;
  g_autofree char *name = NULL;
  Opened opened = { 0 };
  gulong id;

  g_assert_no_error (error);
  /* class folders: ALB 3, BET 2 (and an unreadable file), NoF 1; one
   * unlabelled image in test/ */
  write_png (root, "train/ALB/a1.png", 32, 24);
  write_png (root, "train/ALB/a2.png", 32, 24);
  write_png (root, "train/ALB/a3.png", 40, 30);
  write_png (root, "train/BET/b1.png", 40, 30);
  write_png (root, "train/BET/b2.png", 40, 30);
  write_file (root, "train/BET/broken.png", "not a png");
  write_png (root, "train/NoF/n1.png", 32, 24);
  write_png (root, "test/t1.png", 32, 24);

  id = g_signal_connect (window, "dataset-loaded", G_CALLBACK (on_dataset_loaded), &opened);
  folder = g_file_new_for_path (root);
  fathom_window_open (window, folder);
  /* the worker runs; the main loop goes on */
  g_assert_true (fathom_window_get_busy (window));
  wait_until (opened_dataset, &opened, "the dataset to load");
  g_signal_handler_disconnect (window, id);
  wait_until (window_idle, window, "the window to be idle");
  drain ();

  g_assert_true (opened.dataset == fathom_window_get_dataset (window));
  g_assert_cmpuint (fathom_dataset_get_n_classes (opened.dataset), ==, 3);
  g_assert_cmpstr (fathom_window_get_visible_page (window), ==, "dataset");

  /* the summary page and the sidebar show the class counts */
  assert_label_everywhere (window, "class-total-ALB", "3", 2);
  assert_label_everywhere (window, "class-total-BET", "2", 2);
  assert_label_everywhere (window, "class-total-NoF", "1", 2);
  assert_label_everywhere (window, "stat-images", "7", 1);
  assert_label_everywhere (window, "stat-classes", "3", 1);
  assert_label_everywhere (window, "stat-unlabelled", "1", 1);
  assert_label_everywhere (window, "stat-problems", "1", 1);
  {
    g_autoptr(GPtrArray) train = find_labels_named (window, "class-train-ALB");
    g_autoptr(GPtrArray) valid = find_labels_named (window, "class-valid-ALB");
    guint t, v;

    g_assert_cmpuint (train->len, ==, 1);
    g_assert_cmpuint (valid->len, ==, 1);
    /* a dash for none */
    t = g_strcmp0 (gtk_label_get_text (train->pdata[0]), "–") == 0 ? 0 : atoi (gtk_label_get_text (train->pdata[0]));
    v = g_strcmp0 (gtk_label_get_text (valid->pdata[0]), "–") == 0 ? 0 : atoi (gtk_label_get_text (valid->pdata[0]));
    g_assert_cmpuint (t + v, ==, 3);
    g_assert_cmpuint (t, ==, fathom_dataset_count (opened.dataset, FATHOM_SPLIT_TRAIN, 0));
  }
  /* the size-by-class table and the problem, mapped on screen */
  g_assert_true (has_mapped_label_containing (window, "32 × 24"));
  g_assert_true (has_mapped_label_containing (window, "40 × 30"));
  g_assert_true (has_mapped_label_containing (window, "broken.png"));

  /* remembered for the next launch */
  last = g_settings_get_string (fathom_application_get_settings (the_app), "last-dataset");
  g_assert_cmpstr (last, ==, root);
  name = g_path_get_basename (root);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, name);

  /* an external dataset widget takes the summary's place */
  {
    GtkWidget *browser = gtk_label_new ("browser");

    fathom_window_set_page_child (window, "dataset", browser);
    g_assert_true (gtk_widget_get_child_visible (browser));
    fathom_window_set_page_child (window, "dataset", NULL);
    drain ();
    g_assert_true (has_mapped_label_containing (window, "40 × 30"));
  }
}

/* The position in model of the photo named basename. */
static guint
find_photo (GListModel *model,
            const char *basename)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (fathom_dataset_item_object_get_basename (item), basename) == 0)
        return i;
    }
  g_error ("no photo %s", basename);
  return GTK_INVALID_LIST_POSITION;
}

/* The image view shows the photo at position of model: its real size,
 * its caption, the grid's selection on it. */
static void
assert_photo_shown (FathomDatasetPage *page,
                    GListModel        *model,
                    guint              position)
{
  FathomImageView *view = fathom_dataset_page_get_image_view (page);
  FathomDatasetBrowser *browser = fathom_dataset_page_get_browser (page);
  GtkGridView *grid_view = fathom_thumbnail_grid_get_grid_view (fathom_dataset_browser_get_grid (browser));
  g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (model, position);
  const FathomImage *image = fathom_image_view_get_image (view);
  const char *caption = gtk_label_get_text (fathom_dataset_page_get_caption (page));
  g_autofree char *size = NULL;

  g_assert_nonnull (item);
  g_assert_cmpuint (fathom_image_view_get_current (view), ==, position);
  g_assert_nonnull (image);
  g_assert_cmpint (image->width, ==, fathom_dataset_item_object_get_width (item));
  g_assert_cmpint (image->height, ==, fathom_dataset_item_object_get_height (item));
  size = g_strdup_printf ("%d × %d", image->width, image->height);
  g_assert_nonnull (strstr (caption, fathom_dataset_item_object_get_basename (item)));
  g_assert_nonnull (strstr (caption, size));
  if (fathom_dataset_item_object_get_class_name (item) != NULL)
    g_assert_nonnull (strstr (caption, fathom_dataset_item_object_get_class_name (item)));
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (gtk_grid_view_get_model (grid_view))),
                    ==, position);
}

static void
test_dataset_page (void)
{
  FathomWindow *window = get_window ();
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ("fathom-page-XXXXXX", &error);
  g_autoptr(GFile) folder = NULL;
  Opened opened = { 0 };
  FathomDatasetPage *page;
  FathomDatasetBrowser *browser;
  FathomImageView *view;
  GtkGridView *grid_view;
  GListModel *model;
  GtkWidget *child;
  guint position;
  gulong id;

  g_assert_no_error (error);
  /* as in /app/open-dataset */
  write_png (root, "train/ALB/a1.png", 32, 24);
  write_png (root, "train/ALB/a2.png", 32, 24);
  write_png (root, "train/ALB/a3.png", 40, 30);
  write_png (root, "train/BET/b1.png", 40, 30);
  write_png (root, "train/BET/b2.png", 44, 33);
  write_file (root, "train/BET/broken.png", "not a png");
  write_png (root, "train/NoF/n1.png", 32, 24);
  write_png (root, "test/t1.png", 32, 24);

  id = g_signal_connect (window, "dataset-loaded", G_CALLBACK (on_dataset_loaded), &opened);
  folder = g_file_new_for_path (root);
  fathom_window_open (window, folder);
  wait_until (opened_dataset, &opened, "the dataset to load");
  g_signal_handler_disconnect (window, id);
  wait_until (window_idle, window, "the window to be idle");
  drain ();

  /* the page is there again, though /app/open-dataset took it out */
  child = fathom_window_get_page_child (window, "dataset");
  g_assert_true (FATHOM_IS_DATASET_PAGE (child));
  page = FATHOM_DATASET_PAGE (child);
  g_assert_true (gtk_widget_get_mapped (child));
  g_assert_cmpstr (fathom_dataset_page_get_visible (page), ==, "overview");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (fathom_dataset_page_get_summary (page))));
  g_assert_true (has_mapped_label_containing (page, "44 × 33"));

  /* Photos: the browser with every readable photo */
  fathom_dataset_page_set_visible (page, "photos");
  drain ();
  browser = fathom_dataset_page_get_browser (page);
  view = fathom_dataset_page_get_image_view (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (browser)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (view)));
  model = fathom_dataset_browser_get_model (browser);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, fathom_dataset_get_n_items (opened.dataset));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 7);
  g_assert_true (fathom_image_view_get_model (view) == model);

  /* activating a photo in the grid opens it at its real size */
  grid_view = fathom_thumbnail_grid_get_grid_view (fathom_dataset_browser_get_grid (browser));
  position = find_photo (model, "a3.png");
  g_assert_cmpuint (position + 1, <, g_list_model_get_n_items (model));
  gtk_widget_activate_action (GTK_WIDGET (grid_view), "list.activate-item", "u", position);
  assert_photo_shown (page, model, position);
  /* no predicted box here; none true either (no annotations) */
  g_assert_nonnull (strstr (gtk_label_get_text (fathom_dataset_page_get_caption (page)), "no box"));

  /* the arrow keys' travel moves to the next photo, the grid follows */
  g_assert_true (fathom_image_view_select_next (view));
  assert_photo_shown (page, model, position + 1);

  /* through the current filter: BET only */
  {
    g_autoptr(FathomDatasetItemObject) b1 = g_list_model_get_item (model, find_photo (model, "b1.png"));
    guint index = fathom_dataset_item_object_get_index (b1);

    fathom_dataset_filter_set_class (fathom_dataset_browser_get_filter (browser),
                                     fathom_dataset_item_object_get_class_index (b1));
    drain ();
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
    g_signal_emit_by_name (browser, "item-activated", index);
    position = find_photo (model, "b1.png");
    assert_photo_shown (page, model, position);
    g_assert_true (fathom_image_view_select_next (view));
    assert_photo_shown (page, model, find_photo (model, "b2.png"));
    g_assert_cmpint (fathom_image_view_get_image (view)->width, ==, 44);
    g_assert_false (fathom_image_view_select_next (view));
    fathom_dataset_filter_reset (fathom_dataset_browser_get_filter (browser));
    drain ();
    /* the photo shown stays, where it now is */
    assert_photo_shown (page, model, find_photo (model, "b2.png"));
  }

  fathom_dataset_page_set_visible (page, "overview");
}

static void
test_open_neither (void)
{
  FathomWindow *window = get_window ();
  FathomDataset *before = fathom_window_get_dataset (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ("fathom-neither-XXXXXX", &error);
  g_autoptr(GFile) folder = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (before);
  write_file (root, "notes.txt", "no images here");

  folder = g_file_new_for_path (root);
  fathom_window_open (window, folder);
  wait_until (window_idle, window, "the open to fail");
  drain ();

  /* a readable toast; the window and the dataset it had stay */
  wait_for_label (window, "is neither a dataset nor a run folder");
  g_assert_true (g_list_find (gtk_application_get_windows (GTK_APPLICATION (the_app)), window) != NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (fathom_window_get_dataset (window) == before);
  g_assert_true (has_mapped_label_containing (window, "40 × 30"));

  /* a missing folder too */
  {
    g_autofree char *missing_path = g_build_filename (root, "missing", NULL);
    g_autoptr(GFile) missing = g_file_new_for_path (missing_path);

    fathom_window_open (window, missing);
    wait_until (window_idle, window, "the open to fail");
    drain ();
    wait_for_label (window, "Could not open “missing”");
    g_assert_true (fathom_window_get_dataset (window) == before);
  }
}

static void
test_open_run (void)
{
  FathomWindow *window = get_window ();
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ("fathom-run-XXXXXX", &error);
  g_autoptr(GFile) folder = NULL;
  Opened opened = { 0 };
  gulong id;

  g_assert_no_error (error);
  write_file (root, "run.json", "{\"experiment\": \"fcn\", \"device\": \"cpu\", \"seed\": 1}");

  id = g_signal_connect (window, "run-opened", G_CALLBACK (on_run_opened), &opened);
  folder = g_file_new_for_path (root);
  fathom_window_open (window, folder);
  wait_until (window_idle, window, "the run to open");
  drain ();
  g_signal_handler_disconnect (window, id);

  g_assert_nonnull (opened.run);
  g_assert_true (g_file_equal (opened.run, folder));
  g_assert_true (g_file_equal (fathom_window_get_run (window), folder));
  g_assert_cmpstr (fathom_window_get_visible_page (window), ==, "runs");
  g_assert_true (has_mapped_label_containing (window, "Experiment fcn"));
  g_clear_object (&opened.run);
  fathom_window_set_visible_page (window, "dataset");
}


static void
test_generate_cancel (void)
{
  FathomWindow *window = get_window ();
  g_autofree char *out_dir = fathom_window_dup_fishsim_dir ();
  g_autofree char *truth = g_build_filename (out_dir, "fishsim.json", NULL);
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "fathom", "fishsim", NULL);
  GAction *cancel;

  g_assert_cmpstr (out_dir, ==, expected);
  g_assert_false (g_file_test (truth, G_FILE_TEST_EXISTS));

  fathom_window_generate_fishsim (window);
  g_assert_true (fathom_window_get_busy (window));
  cancel = g_action_map_lookup_action (G_ACTION_MAP (window), "cancel-generation");
  g_assert_true (g_action_get_enabled (cancel));
  g_assert_false (g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (window), "generate-fishsim")));
  drain ();
  g_assert_true (has_mapped_label_containing (window, "Generating the Synthetic Dataset"));
  g_assert_true (has_mapped_label_containing (window, out_dir));

  g_action_activate (cancel, NULL);
  wait_until (window_idle, window, "the generation to stop");
  drain ();

  g_assert_false (g_action_get_enabled (cancel));
  g_assert_true (g_action_get_enabled (g_action_map_lookup_action (G_ACTION_MAP (window), "generate-fishsim")));
  /* toasts queue: this one comes after the earlier ones have gone */
  wait_for_label (window, "Generation cancelled");
  g_assert_false (has_mapped_label_containing (window, "Generating the Synthetic Dataset"));
  /* cancelled: no truth file, so it is not taken for a finished dataset */
  g_assert_false (g_file_test (truth, G_FILE_TEST_EXISTS));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
}

static void
wait_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* `fathom DIR` while the application runs: the new process hands DIR to
 * this one over D-Bus and exits; no second window opens. */
static void
test_forward_open (void)
{
  FathomWindow *window = get_window ();
  g_autofree char *tests_dir = g_path_get_dirname (test_binary);
  g_autofree char *fathom = g_build_filename (tests_dir, "..", "app", "fathom", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ("fathom-forward-XXXXXX", &error);
  g_autoptr(GSubprocess) process = NULL;
  guint n_windows = g_list_length (gtk_application_get_windows (GTK_APPLICATION (the_app)));
  Opened opened = { 0 };
  gboolean exited = FALSE;
  gulong id;

  g_assert_no_error (error);
  if (!have_bus)
    {
      g_test_skip ("no dbus-daemon for a private session bus");
      return;
    }
  if (!g_file_test (fathom, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the fathom executable is not beside the tests");
      return;
    }
  write_png (root, "train/cat/c1.png", 20, 20);
  write_png (root, "train/cat/c2.png", 20, 20);
  write_png (root, "train/dog/d1.png", 24, 20);

  id = g_signal_connect (window, "dataset-loaded", G_CALLBACK (on_dataset_loaded), &opened);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, fathom, root, NULL);
  g_assert_no_error (error);
  /* The remote asks this process for its actions: keep the loop running. */
  g_subprocess_wait_async (process, NULL, wait_done, &exited);
  wait_until (flag_set, &exited, "the second instance to exit");
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  wait_until (opened_dataset, &opened, "the forwarded folder to open");
  g_signal_handler_disconnect (window, id);
  wait_until (window_idle, window, "the window to be idle");

  g_assert_cmpstr (fathom_dataset_get_root (fathom_window_get_dataset (window)), ==, root);
  g_assert_cmpuint (fathom_dataset_get_n_items (fathom_window_get_dataset (window)), ==, 3);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (the_app))), ==, n_windows);
}

/* The blocking classifier behind every open. */
static void
test_folder (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ("fathom-folder-XXXXXX", &error);
  g_autofree char *run = g_build_filename (root, "run", NULL);
  g_autofree char *data = g_build_filename (root, "data", NULL);
  g_autofree char *empty = g_build_filename (root, "empty", NULL);
  g_autofree char *bad_run = g_build_filename (root, "bad-run", NULL);
  g_autofree char *missing = g_build_filename (root, "missing", NULL);
  g_autoptr(FathomFolder) folder = NULL;

  g_assert_no_error (error);
  write_file (run, "run.json", "{\"experiment\": \"allconv\", \"device\": \"cuda\"}");
  write_file (bad_run, "run.json", "{ not json");
  write_png (data, "train/a/1.png", 16, 16);
  write_png (data, "train/b/2.png", 16, 16);
  write_file (empty, "notes.txt", "nothing");

  folder = fathom_folder_open (run, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (folder->kind, ==, FATHOM_FOLDER_RUN);
  g_assert_cmpstr (folder->experiment, ==, "allconv");
  g_assert_cmpstr (folder->device, ==, "cuda");
  g_assert_null (folder->dataset);
  g_clear_pointer (&folder, fathom_folder_free);

  folder = fathom_folder_open (data, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (folder->kind, ==, FATHOM_FOLDER_DATASET);
  g_assert_cmpuint (fathom_dataset_get_n_classes (folder->dataset), ==, 2);
  g_clear_pointer (&folder, fathom_folder_free);

  /* Open Run… on a dataset: no run.json */
  g_assert_null (fathom_folder_open (data, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_null (fathom_folder_open (empty, FALSE, &error));
  g_assert_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT);
  g_assert_nonnull (strstr (error->message, "run.json"));
  g_clear_error (&error);

  g_assert_null (fathom_folder_open (bad_run, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  g_assert_null (fathom_folder_open (missing, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_clear_error (&error);
}

typedef struct {
  guint    calls;
  guint    last_done;
  guint    total;
  gboolean finished;
  gboolean ok;
  GError  *error;
} JobState;

static void
job_progress (guint    done,
              guint    total,
              gpointer user_data)
{
  JobState *state = user_data;

  /* on the main thread, in order, never past the total */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_assert_cmpuint (done, >=, state->last_done);
  g_assert_cmpuint (done, <=, total);
  state->calls++;
  state->last_done = done;
  state->total = total;
}

static void
job_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  JobState *state = user_data;

  state->ok = fathom_fishsim_job_run_finish (result, &state->error);
  state->finished = TRUE;
}

static gboolean
job_finished (gpointer data)
{
  return ((JobState *) data)->finished;
}

/* A small synthetic dataset generated off the main thread, with throttled
 * progress, then opened as a fisheries dataset. */
static void
test_fishsim_job (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ("fathom-fishsim-XXXXXX", &error);
  g_autofree char *out_dir = g_build_filename (root, "fishsim", NULL);
  g_autoptr(FathomFolder) folder = NULL;
  FathomFishsimOptions opts;
  JobState state = { 0 };
  guint photos;

  g_assert_no_error (error);
  fathom_fishsim_options_init (&opts);
  opts.out_dir = out_dir;
  opts.n_images = 40;
  opts.scale = 0.05;
  photos = opts.n_images + fathom_fishsim_test_count (opts.n_images);

  fathom_fishsim_job_run_async (&opts, job_progress, &state, NULL, job_done, &state);
  wait_until (job_finished, &state, "the synthetic dataset");
  g_assert_no_error (state.error);
  g_assert_true (state.ok);
  /* the last idle may come after the result (idles yield to redraws) */
  drain ();
  /* at most one idle per photo, and usually far fewer */
  g_assert_cmpuint (state.calls, >=, 1);
  g_assert_cmpuint (state.calls, <=, photos);
  g_assert_cmpuint (state.total, ==, photos);
  g_assert_cmpuint (state.last_done, ==, photos);

  folder = fathom_folder_open (out_dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (folder->kind, ==, FATHOM_FOLDER_DATASET);
  g_assert_cmpint (fathom_dataset_get_layout (folder->dataset), ==, FATHOM_DATASET_FISHERIES);
  g_assert_cmpuint (fathom_dataset_get_n_classes (folder->dataset), ==, 8);
  g_assert_cmpuint (fathom_dataset_count (folder->dataset, FATHOM_SPLIT_TEST, -1), ==,
                    fathom_fishsim_test_count (opts.n_images));
}

static void
test_version_subprocess (void)
{
  g_autoptr(FathomApplication) app = fathom_application_new ();
  char *argv[] = { (char *) "fathom", (char *) "--version", NULL };

  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
}

static void
test_help_subprocess (void)
{
  g_autoptr(FathomApplication) app = fathom_application_new ();
  char *argv[] = { (char *) "fathom", (char *) "--help", NULL };

  g_application_run (G_APPLICATION (app), 2, argv);
}

static void
test_version (void)
{
  g_autofree char *expected = g_strdup_printf ("fathom %s\n", fathom_application_get_version ());

  g_assert_true (g_regex_match_simple ("^[0-9]+\\.[0-9]+\\.[0-9]+$", fathom_application_get_version (), 0, 0));

  g_test_trap_subprocess ("/app/version/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout (expected);

  g_test_trap_subprocess ("/app/help/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*--version*");
  g_test_trap_assert_stdout ("*FOLDER*");
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

/* Pages and summaries are freed cleanly outside a window too (an
 * unparented child would raise a critical, fatal here). */
static void
test_free_outside_window (void)
{
  for (int compact = 0; compact <= 1; compact++)
    {
      GtkWidget *summary = g_object_ref_sink (fathom_dataset_summary_new (compact));

      g_assert_true (FATHOM_IS_DATASET_SUMMARY (summary));
      g_object_unref (summary);
    }
  {
    GtkWidget *page = g_object_ref_sink (fathom_dataset_page_new ());

    g_object_unref (page);
  }
}


int
main (int   argc,
      char *argv[])
{
  GTestDBus *bus = NULL;
  g_auto(GStrv) system_data_dirs = g_strdupv ((char **) g_get_system_data_dirs ());
  g_autofree char *dbus_daemon = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* The isolated data dirs hide the MIME database, without which
   * gdk-pixbuf cannot tell an SVG (the app icon) from anything else. */
  for (guint i = 0; system_data_dirs[i] != NULL; i++)
    {
      char *mime = g_build_filename (system_data_dirs[i], "mime", NULL);

      g_free (system_data_dirs[i]);
      system_data_dirs[i] = mime;
    }
  g_content_type_set_mime_dirs ((const char * const *) system_data_dirs);
  test_binary = g_canonicalize_filename (argv[0], NULL);

  /* A private session bus: registration and forwarding are real, and
   * nothing reaches a desktop session the tests may run in. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  dbus_daemon = g_find_program_in_path ("dbus-daemon");
  have_bus = dbus_daemon != NULL;
  if (!have_bus)
    g_test_log_set_fatal_handler (no_bus_is_fine, NULL);
  else if (!g_test_subprocess ())
    {
      g_autofree char *display = g_strdup (g_getenv ("DISPLAY"));

      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (bus);
      /* g_test_dbus_up() unsets it; Xvfb's is the one to use. */
      if (display != NULL)
        g_setenv ("DISPLAY", display, TRUE);
    }

  g_test_add_func ("/app/register", test_register);
  g_test_add_func ("/app/settings-defaults", test_settings_defaults);
  g_test_add_func ("/app/window", test_window);
  g_test_add_func ("/app/free-outside-window", test_free_outside_window);
  g_test_add_func ("/app/open-dataset", test_open_dataset);
  g_test_add_func ("/app/dataset-page", test_dataset_page);
  g_test_add_func ("/app/open-neither", test_open_neither);
  g_test_add_func ("/app/open-run", test_open_run);
  g_test_add_func ("/app/generate-cancel", test_generate_cancel);
  g_test_add_func ("/app/forward-open", test_forward_open);
  g_test_add_func ("/app/folder", test_folder);
  g_test_add_func ("/app/fishsim-job", test_fishsim_job);
  g_test_add_func ("/app/version", test_version);
  g_test_add_func ("/app/version/subprocess", test_version_subprocess);
  g_test_add_func ("/app/help/subprocess", test_help_subprocess);

  temp_dirs = g_ptr_array_new_with_free_func (g_free);
  status = g_test_run ();

  if (the_app != NULL)
    {
      GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (the_app)));

      for (GList *l = windows; l != NULL; l = l->next)
        gtk_window_destroy (l->data);
      g_list_free (windows);
      drain ();
      g_clear_object (&the_app);
    }
  /* Stopped, not torn down: g_test_dbus_down() waits for every reference to
   * the bus connection to go, and GTK keeps some to the end. */
  if (bus != NULL)
    g_test_dbus_stop (bus);
  for (guint i = 0; i < temp_dirs->len; i++)
    fathom_test_remove_tree (g_ptr_array_index (temp_dirs, i));
  g_ptr_array_unref (temp_dirs);
  g_free (test_binary);
  return status;
}
