/* fathom-window.h: the main window: a header bar, a sidebar with the open
 * dataset at a glance (F9), and the pages "dataset", "training", "runs",
 * "review" and "text".
 *
 * Each page shows an empty state until something fills it. Widgets built
 * elsewhere go in with fathom_window_set_page_child(): on "training" and
 * "runs" the child replaces the empty state at once; on "dataset" it takes
 * the place of the built-in summary whenever a dataset is open (the welcome
 * page stays while none is). The window opens folders (by file chooser,
 * drag and drop, or the command line): a folder holding run.json is a run,
 * any other one a dataset if fathom_dataset_load() accepts it.
 *
 * Signals:
 *  - "dataset-loaded" (FathomDataset *dataset): a dataset was opened; the
 *    window owns it until the next one or until it closes
 *    (fathom_window_get_dataset()).
 *  - "run-opened" (GFile *folder): a run folder was opened.
 */
#pragma once

#include <adwaita.h>

#include "fathom-dataset.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_WINDOW (fathom_window_get_type ())

G_DECLARE_FINAL_TYPE (FathomWindow, fathom_window, FATHOM, WINDOW, AdwApplicationWindow)

FathomWindow  *fathom_window_new               (GtkApplication *application);

/* Opens a dataset or run folder in a worker thread. */
void           fathom_window_open              (FathomWindow   *self,
                                                GFile          *folder);
/* Generates the built-in synthetic dataset into
 * fathom_window_dup_fishsim_dir() in a worker thread (with progress and a
 * Cancel button), then opens it. An existing one is opened directly: the
 * same options give the same files. */
void           fathom_window_generate_fishsim  (FathomWindow   *self);
/* $XDG_DATA_HOME/fathom/fishsim */
char          *fathom_window_dup_fishsim_dir   (void);

/* page: "dataset", "training", "runs", "review" or "text". child may be
 * NULL (back to the empty state). */
void           fathom_window_set_page_child    (FathomWindow   *self,
                                                const char     *page,
                                                GtkWidget      *child);
GtkWidget     *fathom_window_get_page_child    (FathomWindow   *self,
                                                const char     *page);
void           fathom_window_set_visible_page  (FathomWindow   *self,
                                                const char     *page);
const char    *fathom_window_get_visible_page  (FathomWindow   *self);

/* Borrowed; NULL when none is open. */
FathomDataset *fathom_window_get_dataset       (FathomWindow   *self);
GFile         *fathom_window_get_run           (FathomWindow   *self);
/* TRUE while a folder opens or the synthetic dataset is generated. */
gboolean       fathom_window_get_busy          (FathomWindow   *self);

/* Takes ownership of toast. */
void           fathom_window_add_toast         (FathomWindow   *self,
                                                AdwToast       *toast);
/* A toast with title, and a Details button that shows error's message. */
void           fathom_window_show_error        (FathomWindow   *self,
                                                const char     *title,
                                                const GError   *error);

G_END_DECLS
