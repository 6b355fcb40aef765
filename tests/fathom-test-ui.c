/* fathom-test-ui.c: widget test scaffolding (see fathom-test-ui.h). */
#include "fathom-test-ui.h"

#include <adwaita.h>

#include "fathom-fishsim.h"
#include "fathom-test-util.h"

void
fathom_test_ui_init (int    *argc,
                     char ***argv)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
}

char *
fathom_test_ui_make_work_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

void
fathom_test_ui_make_fishsim (const char *dir,
                             guint       n_images,
                             double      scale,
                             guint64     seed)
{
  FathomFishsimOptions opts;
  g_autoptr(GError) error = NULL;

  fathom_fishsim_options_init (&opts);
  opts.out_dir = dir;
  opts.n_images = n_images;
  opts.scale = scale;
  opts.seed = seed;
  if (!fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error))
    g_error ("fishsim: %s", error->message);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
fathom_test_ui_wait_until (FathomTestUiPredicate  pred,
                           guint                  timeout_ms,
                           const char            *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!pred () && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (id);
}

GtkWidget *
fathom_test_ui_find_action_button (GtkWidget  *widget,
                                   const char *action_name)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = fathom_test_ui_find_action_button (child, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

FathomTestUiFinished fathom_test_ui_finished;

static void
on_finished (gpointer    panel,
             const char *run_dir,
             gboolean    ok,
             gpointer    unused)
{
  fathom_test_ui_finished.n++;
  g_free (fathom_test_ui_finished.dir);
  fathom_test_ui_finished.dir = g_strdup (run_dir);
  fathom_test_ui_finished.ok = ok;
}

void
fathom_test_ui_record_finished (gpointer    panel,
                                const char *signal)
{
  g_signal_connect (panel, signal, G_CALLBACK (on_finished), NULL);
}

GtkWidget *
fathom_test_ui_present_panel (gpointer panel,
                              int      width,
                              int      height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  fathom_test_ui_record_finished (panel, "run-finished");
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

void
fathom_test_ui_teardown (GtkWidget  *window,
                         const char *work_dir)
{
  gtk_window_destroy (GTK_WINDOW (window));
  fathom_test_remove_tree (work_dir);
  g_clear_pointer (&fathom_test_ui_finished.dir, g_free);
}

gboolean
fathom_test_ui_has_finished (void)
{
  return fathom_test_ui_finished.n >= fathom_test_ui_finished.expected;
}

void
fathom_test_ui_assert_ready (GtkWidget  *panel,
                             gboolean    running,
                             const char *prefix)
{
  g_autofree char *start = g_strconcat (prefix, ".start", NULL);
  g_autofree char *stop = g_strconcat (prefix, ".stop", NULL);

  g_assert_false (running);
  g_assert_true (gtk_widget_get_sensitive (fathom_test_ui_find_action_button (panel, start)));
  g_assert_false (gtk_widget_get_sensitive (fathom_test_ui_find_action_button (panel, stop)));
}
