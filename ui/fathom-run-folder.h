/* fathom-run-folder.h: a new run folder under a runs folder, named
 * NAME-YYYYmmdd-HHMMSS, then -2, -3... for runs started in the same second. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes runs_dir (with its parents) and a fresh folder in it; the new
 * folder's path, or NULL with error set. */
char *fathom_run_folder_create          (const char  *runs_dir,
                                         const char  *name,
                                         GError     **error);

/* Where runs go when nobody said: DATA/fathom/runs. Newly allocated. */
char *fathom_run_folder_default_runs_dir (void);

G_END_DECLS
