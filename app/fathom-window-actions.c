/* fathom-window-actions.c: the win.* actions: opening folders with the file
 * chooser, the synthetic dataset, pages, the sidebar, error details. */
#include "fathom-window-private.h"

#include <glib/gi18n.h>

static void
chooser_response (GtkNativeDialog *dialog,
                  int              response,
                  FathomWindow    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      gboolean expect_run = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "expect-run"));

      if (folder != NULL)
        _fathom_window_open_folder (self, folder, expect_run);
    }
  g_object_unref (dialog);
}

/* GTK 4.8 has no GtkFileDialog; the native chooser goes through the portal
 * where there is one. */
static void
choose_folder (FathomWindow *self,
               const char   *title,
               const char   *setting,
               gboolean      expect_run)
{
  GtkFileChooserNative *chooser;
  g_autofree char *last = g_settings_get_string (self->settings, setting);

  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "expect-run", GINT_TO_POINTER (expect_run));

  /* Start next to the last folder opened: datasets and runs sit side by side. */
  if (last[0] != '\0')
    {
      g_autoptr(GFile) file = g_file_new_for_path (last);
      g_autoptr(GFile) parent = g_file_get_parent (file);

      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), parent, NULL);
    }

  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_dataset_activated (GSimpleAction *action,
                        GVariant      *param,
                        gpointer       user_data)
{
  choose_folder (user_data, _("Open Dataset"), "last-dataset", FALSE);
}

static void
open_run_activated (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  choose_folder (user_data, _("Open Run Folder"), "last-run", TRUE);
}

static void
generate_fishsim_activated (GSimpleAction *action,
                            GVariant      *param,
                            gpointer       user_data)
{
  fathom_window_generate_fishsim (user_data);
}

static void
cancel_generation_activated (GSimpleAction *action,
                             GVariant      *param,
                             gpointer       user_data)
{
  _fathom_window_cancel_generation (user_data);
}

static void
reload_activated (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  _fathom_window_reload (user_data);
}

static void
close_activated (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
}

/* param: (title, message), from a toast's Details button. */
static void
show_error_activated (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  FathomWindow *self = user_data;
  const char *title = NULL;
  const char *message = NULL;
  GtkWidget *dialog;

  g_variant_get (param, "(&s&s)", &title, &message);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), title, message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_enabled (FathomWindow *self,
             const char   *name,
             gboolean      enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (G_IS_SIMPLE_ACTION (action))
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
_fathom_window_update_actions (FathomWindow *self)
{
  gboolean generating = self->generate_cancellable != NULL;
  gboolean opening = fathom_window_get_busy (self) && !generating;

  set_enabled (self, "generate-fishsim", !generating);
  set_enabled (self, "cancel-generation", generating);
  set_enabled (self, "reload", self->dataset != NULL && !opening && !generating);
}

void
_fathom_window_actions_init (FathomWindow *self)
{
  static const GActionEntry entries[] = {
    { "open-dataset",      open_dataset_activated },
    { "open-run",          open_run_activated },
    { "generate-fishsim",  generate_fishsim_activated },
    { "cancel-generation", cancel_generation_activated },
    { "reload",            reload_activated },
    { "close",             close_activated },
    { "show-error",        show_error_activated, "(ss)" },
  };
  g_autoptr(GPropertyAction) page = NULL;
  g_autoptr(GPropertyAction) sidebar = NULL;

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries,
                                   G_N_ELEMENTS (entries), self);

  /* Stateful actions that mirror widget properties, so that the toggle
   * button, the menu's check mark and F9 agree. */
  page = g_property_action_new ("page", self->view_stack, "visible-child-name");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (page));
  sidebar = g_property_action_new ("sidebar-visible", self->flap, "reveal-flap");
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (sidebar));
}
