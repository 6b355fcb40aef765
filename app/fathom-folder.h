/* fathom-folder.h: what a folder opened in the app is: a run folder (it
 * holds run.json) or a dataset (fathom_dataset_load() accepts it). No GTK:
 * the blocking call serves tests and tools, the async pair the window. */
#pragma once

#include <gio/gio.h>

#include "fathom-dataset.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_FOLDER_DATASET,
  FATHOM_FOLDER_RUN,
} FathomFolderKind;

typedef struct {
  FathomFolderKind  kind;
  char             *path;
  FathomDataset    *dataset;            /* DATASET: owned */
  /* RUN: from run.json, for display */
  char             *experiment;         /* NULL when run.json names none */
  char             *device;             /* NULL when run.json names none */
} FathomFolder;

/* Errors: G_IO_ERROR_NOT_DIRECTORY (missing or not a folder),
 * G_IO_ERROR_INVALID_DATA (an unreadable run.json), G_IO_ERROR_NOT_FOUND
 * (expect_run and no run.json), FATHOM_DATASET_ERROR_LAYOUT (neither a
 * dataset nor a run: the message says what each needs), or another
 * FATHOM_DATASET_ERROR. */
FathomFolder *fathom_folder_open        (const char           *path,
                                         gboolean              expect_run,
                                         GError              **error);
void          fathom_folder_open_async  (const char           *path,
                                         gboolean              expect_run,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
FathomFolder *fathom_folder_open_finish (GAsyncResult         *result,
                                         GError              **error);
void          fathom_folder_free        (FathomFolder         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomFolder, fathom_folder_free)

G_END_DECLS
