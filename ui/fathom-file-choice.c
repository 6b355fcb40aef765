/* fathom-file-choice.c: choosing a file to open (see fathom-file-choice.h).
 *
 * The answer reaches the owner through the "response" handler, connected
 * with the owner as its data so that fathom_file_choice_close() can cut it;
 * where the owner keeps its chooser and what to call ride on the chooser. */
#include "fathom-file-choice.h"

#include <glib/gi18n.h>

#define SLOT_KEY "fathom-file-choice-slot"
#define FUNC_KEY "fathom-file-choice-func"

static void
chooser_response (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         owner)
{
  GtkFileChooserNative **slot = g_object_get_data (G_OBJECT (dialog), SLOT_KEY);
  FathomFileChoiceFunc func = (FathomFileChoiceFunc) g_object_get_data (G_OBJECT (dialog), FUNC_KEY);
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      path = file != NULL ? g_file_get_path (file) : NULL;
    }
  /* the owner's reference goes first: func may open the next chooser */
  g_clear_object (slot);
  if (path != NULL)
    func (owner, path);
}

void
fathom_file_choice_open (GtkFileChooserNative **chooser,
                         GtkWidget             *owner,
                         const char            *title,
                         const char            *filter_name,
                         const char            *mime_type,
                         const char *const     *patterns,
                         FathomFileChoiceFunc   func)
{
  GtkRoot *root = gtk_widget_get_root (owner);
  g_autoptr(GtkFileFilter) kind = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) any = gtk_file_filter_new ();

  if (*chooser != NULL)
    return;
  *chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                          GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (kind, filter_name);
  if (mime_type != NULL)
    gtk_file_filter_add_mime_type (kind, mime_type);
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (kind, patterns[i]);
  gtk_file_filter_set_name (any, _("All files"));
  gtk_file_filter_add_pattern (any, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (*chooser), kind);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (*chooser), any);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (*chooser), TRUE);
  g_object_set_data (G_OBJECT (*chooser), SLOT_KEY, chooser);
  g_object_set_data (G_OBJECT (*chooser), FUNC_KEY, (gpointer) func);
  g_signal_connect (*chooser, "response", G_CALLBACK (chooser_response), owner);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (*chooser));
}

void
fathom_file_choice_close (GtkFileChooserNative **chooser,
                          GtkWidget             *owner)
{
  if (*chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*chooser, owner);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (*chooser));
  g_clear_object (chooser);
}
