/* fathom-application-actions.c: app.quit, app.about and app.preferences
 * (the preferences window is built here: it is rows bound to settings, with
 * no state of its own). */
#include "fathom-application-private.h"

#include <glib/gi18n.h>

#include "fathom-backend-registry.h"

/* Choices of an enum or string key, in the order a combo row lists them. */
typedef struct {
  const char *nick;
  const char *label;
} Choice;

static const Choice color_schemes[] = {
  { "default",     N_("Follow System") },
  { "force-light", N_("Light") },
  { "force-dark",  N_("Dark") },
  { NULL }
};

static const Choice devices[] = {
  { "auto",          N_("Automatic") },
  { "cpu",           N_("CPU") },
  { "cpu-reference", N_("CPU (reference loops)") },
  { "cuda",          N_("CUDA GPU") },
  { NULL }
};

static const Choice colormaps[] = {
  { "viridis", "Viridis" },
  { "inferno", "Inferno" },
  { "magma",   "Magma" },
  { "plasma",  "Plasma" },
  { "jet",     "Jet" },
  { "gray",    N_("Gray") },
  { NULL }
};

static const Choice interpolations[] = {
  { "nearest",  N_("Nearest (show the cells)") },
  { "bilinear", N_("Bilinear (smooth)") },
  { NULL }
};

static gboolean
choice_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const Choice *choices = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i].nick != NULL; i++)
    if (g_strcmp0 (choices[i].nick, nick) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
choice_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  const Choice *choices = user_data;
  guint selected = g_value_get_uint (value);

  for (guint i = 0; choices[i].nick != NULL; i++)
    if (i == selected)
      return g_variant_new_string (choices[i].nick);
  return NULL;
}

static GtkWidget *
combo_row_new (GSettings    *settings,
               const char   *key,
               const char   *title,
               const char   *subtitle,
               const Choice *choices)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  GtkWidget *row = adw_combo_row_new ();

  for (guint i = 0; choices[i].nick != NULL; i++)
    gtk_string_list_append (model, _(choices[i].label));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  g_settings_bind_with_mapping (settings, key, row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                choice_get_mapping, choice_set_mapping,
                                (gpointer) choices, NULL);
  return row;
}

static GtkWidget *
switch_row_new (GSettings  *settings,
                const char *key,
                const char *title,
                const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_settings_bind (settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);
  return row;
}

/* A slider for a double key with a range in the schema. */
static GtkWidget *
scale_row_new (GSettings  *settings,
               const char *key,
               const char *title,
               const char *subtitle,
               double      lower,
               double      upper,
               double      step)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, lower, upper, step);

  gtk_scale_set_digits (GTK_SCALE (scale), 2);
  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_scale_set_value_pos (GTK_SCALE (scale), GTK_POS_LEFT);
  gtk_widget_set_size_request (scale, 220, -1);
  gtk_widget_set_valign (scale, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), scale);
  g_settings_bind (settings, key, gtk_range_get_adjustment (GTK_RANGE (scale)), "value",
                   G_SETTINGS_BIND_DEFAULT);
  return row;
}

static GtkWidget *
group_new (AdwPreferencesPage *page,
           const char         *title)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  adw_preferences_page_add (page, ADW_PREFERENCES_GROUP (group));
  return group;
}

static GtkWindow *
preferences_window_new (FathomApplication *self)
{
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group;
  g_autofree char *cuda_reason = NULL;
  g_autofree char *device_subtitle = NULL;

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");

  group = group_new (ADW_PREFERENCES_PAGE (page), _("Appearance"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             combo_row_new (self->settings, "color-scheme", _("Style"),
                                            _("Follow the system’s light or dark style, or pick one"),
                                            color_schemes));

  if (fathom_backend_is_available ("cuda", &cuda_reason))
    device_subtitle = g_strdup (_("Automatic uses the CUDA GPU"));
  else
    device_subtitle = g_strdup_printf (_("Automatic uses the CPU here: %s"),
                                       cuda_reason != NULL ? cuda_reason : _("no CUDA"));
  group = group_new (ADW_PREFERENCES_PAGE (page), _("Training"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             combo_row_new (self->settings, "default-device", _("Default Device"),
                                            device_subtitle, devices));

  group = group_new (ADW_PREFERENCES_PAGE (page), _("Loss Curves"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             scale_row_new (self->settings, "chart-smoothing", _("Smoothing"),
                                            _("Moving average drawn over the per-batch curves"),
                                            0.0, 0.99, 0.01));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             switch_row_new (self->settings, "chart-log-scale", _("Logarithmic Scale"),
                                             _("Plot the losses on a log axis")));

  group = group_new (ADW_PREFERENCES_PAGE (page), _("Heatmaps"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             scale_row_new (self->settings, "heatmap-opacity", _("Opacity"),
                                            _("How strongly the class activation map covers the photo"),
                                            0.0, 1.0, 0.05));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             combo_row_new (self->settings, "heatmap-colormap", _("Colormap"),
                                            NULL, colormaps));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             combo_row_new (self->settings, "heatmap-interpolation", _("Interpolation"),
                                            _("How the coarse map is upsampled to the photo"),
                                            interpolations));

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 640);
  return GTK_WINDOW (window);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *param,
                       gpointer       user_data)
{
  FathomApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *window = preferences_window_new (self);

  gtk_window_set_application (window, GTK_APPLICATION (self));
  if (parent != NULL)
    {
      gtk_window_set_transient_for (window, parent);
      gtk_window_set_modal (window, TRUE);
    }
  gtk_window_present (window);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  FathomApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Fathom developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "application-name", "Fathom",
                        "application-icon", FATHOM_APP_ID,
                        "version", fathom_application_get_version (),
                        "developer-name", "The Fathom developers",
                        "developers", developers,
                        "comments", _("A workbench for the convolutional and recurrent "
                                      "experiments of the fast.ai lesson 7: datasets, "
                                      "training on a CUDA GPU or the CPU, loss curves, "
                                      "bounding boxes and class heatmaps."),
                        "copyright", "© 2024 The Fathom developers",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "transient-for", parent,
                        "modal", parent != NULL,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  FathomApplication *self = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

  /* Closing (rather than g_application_quit()) lets each window save its
   * size and cancel its workers; the application ends with the last one.
   * A copy, as closing a window changes the application's list. */
  for (GList *l = windows; l != NULL; l = l->next)
    g_object_ref (l->data);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
}

void
_fathom_application_actions_init (FathomApplication *self)
{
  static const GActionEntry entries[] = {
    { "quit",        quit_activated },
    { "about",       about_activated },
    { "preferences", preferences_activated },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries,
                                   G_N_ELEMENTS (entries), self);
}
