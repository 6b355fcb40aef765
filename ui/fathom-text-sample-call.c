/* fathom-text-sample-call.c: one sample of the Text lab (see
 * fathom-text-sample-call.h). */
#include "fathom-text-sample-call.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fathom-corpus.h"
#include "fathom-safetensors.h"

/* What fathom_text_sampler_new() needs to rebuild a model
 * (fathom-text-experiment.c's model_metadata). */
static const char *const model_keys[] = {
  "model", "vocab", "seq_len", "hidden", "embedding", "candidate", "epochs", "corpus_fingerprint",
};

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
  g_free (call->corpus_path);
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
  name = g_strdup_printf ("epoch-%03u.safetensors", call->epoch);
  return g_build_filename (call->run_dir, "checkpoints", name, NULL);
}

/* The corpus's characters without the padding, in vocabulary order: a
 * corpus made from this string has the same vocabulary. */
static char *
read_vocab (const char  *corpus_path,
            GError     **error)
{
  g_autoptr(FathomCorpus) corpus = fathom_corpus_new_from_file (corpus_path, error);
  GString *s;

  if (corpus == NULL)
    return NULL;
  s = g_string_new (NULL);
  for (guint i = 1; i < fathom_corpus_get_vocab_size (corpus); i++)
    g_string_append_unichar (s, fathom_corpus_get_char (corpus, i));
  return g_string_free (s, FALSE);
}

/* The file's own metadata, completed from what the lab knows of the run. */
static GHashTable *
model_metadata (const FathomTextSampleCall  *call,
                FathomSafetensors           *file,
                GError                     **error)
{
  g_autoptr(GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (model_keys); i++)
    {
      const char *value = fathom_safetensors_get_metadata (file, model_keys[i]);

      if (value != NULL)
        g_hash_table_insert (meta, (char *) model_keys[i], g_strdup (value));
    }
  if (!g_hash_table_contains (meta, "vocab"))
    {
      char *vocab = read_vocab (call->corpus_path, error);

      if (vocab == NULL)
        return NULL;
      g_hash_table_insert (meta, (char *) "vocab", vocab);
    }
  if (!g_hash_table_contains (meta, "model"))
    g_hash_table_insert (meta, (char *) "model", g_strdup (fathom_text_model_to_string (call->model)));
  if (!g_hash_table_contains (meta, "seq_len"))
    g_hash_table_insert (meta, (char *) "seq_len", g_strdup_printf ("%d", FATHOM_TEXT_SEQ_LEN));
  if (!g_hash_table_contains (meta, "hidden"))
    g_hash_table_insert (meta, (char *) "hidden", g_strdup_printf ("%u", call->hidden));
  if (!g_hash_table_contains (meta, "embedding"))
    g_hash_table_insert (meta, (char *) "embedding", g_strdup_printf ("%u", call->embedding));
  /* the lab trains the GRU with the lesson's tanh candidate */
  if (!g_hash_table_contains (meta, "candidate"))
    g_hash_table_insert (meta, (char *) "candidate", g_strdup (fathom_activation_get_name (FATHOM_ACTIVATION_TANH)));
  return g_steal_pointer (&meta);
}

/* Writes the weights of the epoch checkpoint src (not the optimiser's
 * slots) with the model's metadata to dst. */
static gboolean
stage_checkpoint (const FathomTextSampleCall  *call,
                  const char                  *src,
                  const char                  *dst,
                  GError                     **error)
{
  g_autoptr(FathomSafetensors) file = fathom_safetensors_load (src, error);
  g_autoptr(GHashTable) meta = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);

  if (file == NULL)
    return FALSE;
  meta = model_metadata (call, file, error);
  if (meta == NULL)
    return FALSE;
  for (guint i = 0; i < fathom_safetensors_get_n_tensors (file); i++)
    {
      const char *name = fathom_safetensors_get_name (file, i);
      FathomTensor *tensor;

      if (g_str_has_prefix (name, "optimizer."))
        continue;
      tensor = fathom_safetensors_get_tensor (file, name, error);
      if (tensor == NULL)
        return FALSE;
      g_ptr_array_add (names, (gpointer) name);
      g_ptr_array_add (tensors, tensor);
    }
  return fathom_safetensors_save (dst, names->len, (const char *const *) names->pdata,
                                  (FathomTensor *const *) tensors->pdata, meta, error);
}

/* A sampler of an epoch checkpoint through a temporary run folder. */
static FathomTextSampler *
sampler_for_epoch (const FathomTextSampleCall  *call,
                   GError                     **error)
{
  g_autofree char *src = checkpoint_path (call);
  g_autofree char *stage = g_dir_make_tmp ("fathom-text-sample-XXXXXX", error);
  g_autofree char *folder = NULL;
  g_autofree char *dst = NULL;
  FathomTextSampler *sampler = NULL;

  if (stage == NULL)
    return NULL;
  folder = g_build_filename (stage, "checkpoints", NULL);
  dst = g_build_filename (stage, FATHOM_TEXT_MODEL_FILE, NULL);
  if (g_mkdir (folder, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not create %s: %s",
                   folder, g_strerror (saved));
    }
  else if (stage_checkpoint (call, src, dst, error))
    sampler = fathom_text_sampler_new (stage, error);
  /* the sampler holds the weights in memory */
  g_unlink (dst);
  g_rmdir (folder);
  g_rmdir (stage);
  return sampler;
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
      g_clear_pointer (&call->sampler, fathom_text_sampler_free);
      g_clear_pointer (&call->sampler_key, g_free);
      call->sampler = call->epoch == 0 ? fathom_text_sampler_new (call->run_dir, error)
                                       : sampler_for_epoch (call, error);
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
