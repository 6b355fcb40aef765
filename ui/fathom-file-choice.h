/* fathom-file-choice.h: one file to open, chosen in a GtkFileChooserNative
 * modal to the widget's window, with a filter of its kind and "All files". */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The chosen file's path (not NULL), on the main thread. */
typedef void (*FathomFileChoiceFunc) (gpointer    owner,
                                      const char *path);

/* Shows a chooser unless *chooser already holds one; *chooser holds it
 * until the answer, whatever it is, and is NULL again before func runs.
 * patterns: NULL-terminated globs; mime_type may be NULL. */
void fathom_file_choice_open  (GtkFileChooserNative **chooser,
                               GtkWidget             *owner,
                               const char            *title,
                               const char            *filter_name,
                               const char            *mime_type,
                               const char *const     *patterns,
                               FathomFileChoiceFunc   func);

/* For the owner's dispose: forgets a chooser still open, unanswered. */
void fathom_file_choice_close (GtkFileChooserNative **chooser,
                               GtkWidget             *owner);

G_END_DECLS
