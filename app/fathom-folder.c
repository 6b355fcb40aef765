/* fathom-folder.c: telling runs from datasets, in a worker thread. */
#include "fathom-folder.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

typedef struct {
  char     *path;
  gboolean  expect_run;
} Request;

void
fathom_folder_free (FathomFolder *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_clear_pointer (&self->dataset, fathom_dataset_free);
  g_free (self->experiment);
  g_free (self->device);
  g_free (self);
}

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->path);
  g_free (request);
}

static char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return NULL;
}

/* The rest of run.json belongs to the Runs page; this reads what names the
 * run. */
static FathomFolder *
open_run (const char  *path,
          const char  *run_json,
          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  FathomFolder *self;
  JsonNode *root;

  if (!json_parser_load_from_file (parser, run_json, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not a valid run file: %s"), run_json, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not a valid run file: it holds no JSON object"), run_json);
      return NULL;
    }

  self = g_new0 (FathomFolder, 1);
  self->kind = FATHOM_FOLDER_RUN;
  self->path = g_strdup (path);
  self->experiment = string_member (json_node_get_object (root), "experiment");
  self->device = string_member (json_node_get_object (root), "device");
  return self;
}

FathomFolder *
fathom_folder_open (const char  *path,
                    gboolean     expect_run,
                    GError     **error)
{
  g_autofree char *run_json = NULL;
  g_autoptr(GError) local_error = NULL;
  FathomFolder *self;
  FathomDataset *dataset;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   g_file_test (path, G_FILE_TEST_EXISTS)
                   ? _("%s is not a folder")
                   : _("%s does not exist"),
                   path);
      return NULL;
    }

  run_json = g_build_filename (path, "run.json", NULL);
  if (g_file_test (run_json, G_FILE_TEST_IS_REGULAR))
    return open_run (path, run_json, error);
  if (expect_run)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("%s holds no run.json: run folders are written by the "
                     "Training page and by fathom-cli"),
                   path);
      return NULL;
    }

  dataset = fathom_dataset_load (path, NULL, &local_error);
  if (dataset == NULL)
    {
      /* Neither: say what each would have needed. */
      if (g_error_matches (local_error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT))
        g_set_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT,
                     _("A dataset holds images, directly or in train/<class>/ "
                       "folders; a run folder holds run.json.\n\n%s"),
                     local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  self = g_new0 (FathomFolder, 1);
  self->kind = FATHOM_FOLDER_DATASET;
  self->path = g_strdup (path);
  self->dataset = dataset;
  return self;
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Request *request = task_data;
  g_autoptr(GError) error = NULL;
  FathomFolder *folder;

  /* Reading a large dataset's headers takes a while; it is not
   * interruptible, so a cancelled result is dropped here. */
  folder = fathom_folder_open (request->path, request->expect_run, &error);
  if (g_task_return_error_if_cancelled (task))
    g_clear_pointer (&folder, fathom_folder_free);
  else if (folder == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, folder, (GDestroyNotify) fathom_folder_free);
}

void
fathom_folder_open_async (const char          *path,
                          gboolean             expect_run,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (path != NULL);

  request = g_new0 (Request, 1);
  request->path = g_strdup (path);
  request->expect_run = expect_run;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, fathom_folder_open_async);
  g_task_set_task_data (task, request, request_free);
  g_task_run_in_thread (task, open_thread);
}

FathomFolder *
fathom_folder_open_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
