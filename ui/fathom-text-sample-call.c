/* fathom-text-sample-call.c: one sample of the Text lab (see
 * fathom-text-sample-call.h). */
#include "fathom-text-sample-call.h"

FathomTextSampleCall *
fathom_text_sample_call_new (void)
{
  return g_new0 (FathomTextSampleCall, 1);
}

void
fathom_text_sample_call_free (FathomTextSampleCall *call)
{
  if (call == NULL)
    return;
  g_free (call->run_dir);
  g_free (call->prime);
  g_clear_pointer (&call->sampler, fathom_text_sampler_free);
  g_free (call->sampler_key);
  g_free (call->text);
  g_free (call->heading);
  g_free (call);
}

static char *
checkpoint_path (const FathomTextSampleCall *call)
{
  g_autofree char *name = NULL;

  if (call->epoch == 0)
    return g_build_filename (call->run_dir, FATHOM_TEXT_MODEL_FILE, NULL);
  name = fathom_run_epoch_checkpoint_name (call->epoch);
  return g_build_filename (call->run_dir, name, NULL);
}

gboolean
fathom_text_sample_call_run (FathomTextSampleCall  *call,
                             GError               **error)
{
  g_autofree char *key = NULL;
  gint64 t0 = g_get_monotonic_time ();

  g_return_val_if_fail (call != NULL && call->run_dir != NULL, FALSE);

  key = g_strdup_printf ("%s#%u", call->run_dir, call->epoch);
  if (call->sampler == NULL || g_strcmp0 (call->sampler_key, key) != 0)
    {
      g_autofree char *path = checkpoint_path (call);

      g_clear_pointer (&call->sampler, fathom_text_sampler_free);
      g_clear_pointer (&call->sampler_key, g_free);
      call->sampler = fathom_text_sampler_new_from_file (path, error);
      if (call->sampler == NULL)
        return FALSE;
      call->sampler_key = g_steal_pointer (&key);
    }
  g_clear_pointer (&call->text, g_free);
  call->text = fathom_text_sampler_generate (call->sampler, call->prime, call->length,
                                             call->temperature, call->seed, error);
  call->seconds = (g_get_monotonic_time () - t0) / 1e6;
  return call->text != NULL;
}

static void
sample_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (fathom_text_sample_call_run (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
fathom_text_sample_call_run_async (FathomTextSampleCall *call,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, fathom_text_sample_call_run_async);
  g_task_set_task_data (task, call, (GDestroyNotify) fathom_text_sample_call_free);
  g_task_run_in_thread (task, sample_thread);
}

gboolean
fathom_text_sample_call_run_finish (GAsyncResult          *result,
                                    FathomTextSampleCall **call,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == fathom_text_sample_call_run_async, FALSE);

  if (call != NULL)
    *call = g_task_get_task_data (G_TASK (result));
  return g_task_propagate_boolean (G_TASK (result), error);
}
