/* fathom-application.c: startup (settings, style, accelerators), windows,
 * and the command line: --version, and folders to open. */
#include "fathom-application-private.h"

#include <glib/gi18n.h>

#include "fathom-resources.h"
#include "fathom-window.h"

#ifndef FATHOM_VERSION
# error "FATHOM_VERSION must be defined by the build"
#endif

G_DEFINE_FINAL_TYPE (FathomApplication, fathom_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { NULL }
};

const char *
fathom_application_get_version (void)
{
  return FATHOM_VERSION;
}

FathomApplication *
fathom_application_new (void)
{
  return g_object_new (FATHOM_TYPE_APPLICATION,
                       "application-id", FATHOM_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

GSettings *
fathom_application_get_settings (FathomApplication *self)
{
  g_return_val_if_fail (FATHOM_IS_APPLICATION (self), NULL);

  return self->settings;
}

static gboolean
schema_is_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, FATHOM_APP_ID, TRUE);
  return schema != NULL;
}

static int
fathom_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("fathom %s\n", FATHOM_VERSION);
      return 0;
    }

  /* g_settings_new() aborts on a missing schema: say what to do instead. */
  if (!schema_is_installed ())
    {
      g_printerr ("fathom: the settings schema %s is not installed.\n"
                  "Install Fathom, or run it from the build folder with "
                  "`meson devenv` (which sets GSETTINGS_SCHEMA_DIR).\n",
                  FATHOM_APP_ID);
      return 1;
    }

  return G_APPLICATION_CLASS (fathom_application_parent_class)->handle_local_options (app, options);
}

static gboolean
color_scheme_get_mapping (GValue   *value,
                          GVariant *variant,
                          gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  if (g_strcmp0 (nick, "force-light") == 0)
    g_value_set_enum (value, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_strcmp0 (nick, "force-dark") == 0)
    g_value_set_enum (value, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    g_value_set_enum (value, ADW_COLOR_SCHEME_DEFAULT);
  return TRUE;
}

static void
fathom_application_startup (GApplication *app)
{
  FathomApplication *self = FATHOM_APPLICATION (app);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit",                 { "<Control>q", NULL } },
    { "app.preferences",          { "<Control>comma", NULL } },
    { "win.show-help-overlay",    { "<Control>question", NULL } },
    { "win.open-dataset",         { "<Control>o", NULL } },
    { "win.open-run",             { "<Control><Shift>o", NULL } },
    { "win.generate-fishsim",     { "<Control><Shift>g", NULL } },
    { "win.reload",               { "<Control>r", "F5", NULL } },
    { "win.sidebar-visible",      { "F9", NULL } },
    { "win.page::dataset",        { "<Alt>1", NULL } },
    { "win.page::training",       { "<Alt>2", NULL } },
    { "win.page::runs",           { "<Alt>3", NULL } },
    { "win.close",                { "<Control>w", NULL } },
  };

  G_APPLICATION_CLASS (fathom_application_parent_class)->startup (app);

  self->settings = g_settings_new (FATHOM_APP_ID);

  /* Follows the system unless the user picked light or dark. */
  g_settings_bind_with_mapping (self->settings, "color-scheme",
                                adw_style_manager_get_default (), "color-scheme",
                                G_SETTINGS_BIND_GET,
                                color_scheme_get_mapping, NULL, NULL, NULL);

  _fathom_application_actions_init (self);

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           accels[i].action, accels[i].accels);
}

static FathomWindow *
get_or_create_window (FathomApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (FATHOM_IS_WINDOW (window))
    return FATHOM_WINDOW (window);
  return fathom_window_new (GTK_APPLICATION (self));
}

static void
fathom_application_activate (GApplication *app)
{
  FathomApplication *self = FATHOM_APPLICATION (app);
  gboolean fresh = gtk_application_get_active_window (GTK_APPLICATION (self)) == NULL;
  FathomWindow *window = get_or_create_window (self);

  gtk_window_present (GTK_WINDOW (window));

  /* A new window picks up where the last session left off. */
  if (fresh)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-dataset");

      if (last[0] != '\0' && g_file_test (last, G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GFile) folder = g_file_new_for_path (last);

          fathom_window_open (window, folder);
        }
    }
}

static void
fathom_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  FathomWindow *window = get_or_create_window (FATHOM_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < n_files; i++)
    fathom_window_open (window, files[i]);
}

static void
fathom_application_finalize (GObject *object)
{
  FathomApplication *self = FATHOM_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (fathom_application_parent_class)->finalize (object);
}

static void
fathom_application_class_init (FathomApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = fathom_application_finalize;

  app_class->handle_local_options = fathom_application_handle_local_options;
  app_class->startup = fathom_application_startup;
  app_class->activate = fathom_application_activate;
  app_class->open = fathom_application_open;

  /* The bundle lives in a static library: naming it here links its object
   * file, whose constructor registers the resources. */
  (void) fathom_get_resource ();
}

static void
fathom_application_init (FathomApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self),
                                                     _("[FOLDER…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
      _("Open a dataset folder or a run folder in Fathom, a workbench for the "
        "fast.ai lesson 7 experiments. With no folder, the last dataset "
        "opens again."));
}
