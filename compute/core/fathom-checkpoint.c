/* fathom-checkpoint.c: graph parameters to and from safetensors. */
#include "fathom-checkpoint.h"
#include "fathom-safetensors.h"

#include <string.h>

#define SLOT_PREFIX "optimizer."

/* Appends a host copy of a backend tensor under name. */
static gboolean
add_host_copy (FathomBackend *backend, GPtrArray *names, GPtrArray *host,
               const char *name, const FathomTensor *t, GError **error)
{
  FathomTensor *copy = fathom_tensor_new_like (t);

  g_ptr_array_add (host, copy);
  g_ptr_array_add (names, g_strdup (name));
  return fathom_backend_download (backend, t, fathom_tensor_get_data (copy), error);
}

static gboolean
save (FathomGraph *graph, FathomOptimizer *optimizer, const char *path,
      GHashTable *metadata, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *params = fathom_graph_get_params (graph);
  g_autoptr(GPtrArray) host = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (backend != NULL, FALSE);
  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      if (!add_host_copy (backend, names, host, gp->name, gp->param->value, error))
        return FALSE;
    }
  if (optimizer != NULL)
    {
      g_autoptr(GPtrArray) slots = fathom_optimizer_list_slots (optimizer);

      for (guint i = 0; i < slots->len; i++)
        {
          const char *slot = g_ptr_array_index (slots, i);
          g_autofree char *name = g_strconcat (SLOT_PREFIX, slot, NULL);

          if (!add_host_copy (backend, names, host, name, fathom_optimizer_get_slot (optimizer, slot), error))
            return FALSE;
        }
    }
  return fathom_safetensors_save (path, names->len, (const char *const *) names->pdata,
                                  (FathomTensor *const *) host->pdata, metadata, error);
}

gboolean
fathom_checkpoint_save (FathomGraph *graph, const char *path, GHashTable *metadata, GError **error)
{
  return save (graph, NULL, path, metadata, error);
}

gboolean
fathom_checkpoint_save_training (FathomGraph *graph, FathomOptimizer *optimizer, const char *path,
                                 GHashTable *metadata, GError **error)
{
  g_autoptr(GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  char lr[G_ASCII_DTOSTR_BUF_SIZE];
  GHashTableIter iter;
  gpointer key, value;

  if (metadata != NULL)
    {
      g_hash_table_iter_init (&iter, metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (meta, g_strdup (key), g_strdup (value));
    }
  g_hash_table_insert (meta, g_strdup ("optimizer"),
                       g_strdup (fathom_optimizer_kind_to_string (fathom_optimizer_get_kind (optimizer))));
  g_hash_table_insert (meta, g_strdup ("optimizer_step"),
                       g_strdup_printf ("%" G_GINT64_FORMAT, fathom_optimizer_get_step (optimizer)));
  /* %.9g keeps a float exactly */
  g_hash_table_insert (meta, g_strdup ("optimizer_lr"),
                       g_strdup (g_ascii_formatd (lr, sizeof lr, "%.9g", fathom_optimizer_get_lr (optimizer))));
  return save (graph, optimizer, path, meta, error);
}

gboolean
fathom_checkpoint_load (FathomGraph *graph, const char *path, gboolean allow_extra, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *params = fathom_graph_get_params (graph);
  g_autoptr(FathomSafetensors) file = NULL;
  g_autoptr(GPtrArray) host = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);

  g_return_val_if_fail (backend != NULL, FALSE);
  file = fathom_safetensors_load (path, error);
  if (file == NULL)
    return FALSE;

  if (!allow_extra)
    for (guint i = 0; i < fathom_safetensors_get_n_tensors (file); i++)
      {
        const char *name = fathom_safetensors_get_name (file, i);
        gboolean known;

        known = g_str_has_prefix (name, SLOT_PREFIX);
        for (guint j = 0; j < params->len && !known; j++)
          known = g_str_equal (((FathomGraphParam *) g_ptr_array_index (params, j))->name, name);
        if (!known)
          {
            g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_MISSING,
                         "%s: tensor “%s” belongs to no layer of this model", path, name);
            return FALSE;
          }
      }

  /* Read everything first, so a bad file leaves the model as it was. */
  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      g_autoptr(FathomTensor) t = fathom_tensor_new_like (gp->param->value);

      if (!fathom_safetensors_read_into (file, gp->name, t, error))
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
      g_ptr_array_add (host, g_steal_pointer (&t));
    }
  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      if (!fathom_backend_upload (backend, gp->param->value,
                                  fathom_tensor_get_const_data (g_ptr_array_index (host, i)), error))
        return FALSE;
    }
  return TRUE;
}

gboolean
fathom_checkpoint_load_training (FathomGraph *graph, FathomOptimizer *optimizer, const char *path,
                                 GHashTable **metadata_out, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  g_autoptr(FathomSafetensors) file = NULL;
  g_autoptr(GPtrArray) slot_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) slot_values = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
  const char *kind, *step, *lr;
  const char *keys[] = { "optimizer", "optimizer_step", "optimizer_lr", "epoch", "step", "rng" };

  file = fathom_safetensors_load (path, error);
  if (file == NULL)
    return FALSE;
  kind = fathom_safetensors_get_metadata (file, "optimizer");
  step = fathom_safetensors_get_metadata (file, "optimizer_step");
  lr = fathom_safetensors_get_metadata (file, "optimizer_lr");
  if (kind == NULL || step == NULL || lr == NULL)
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_MISSING,
                   "%s holds no optimiser state (not a training checkpoint)", path);
      return FALSE;
    }
  if (!g_str_equal (kind, fathom_optimizer_kind_to_string (fathom_optimizer_get_kind (optimizer))))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_INVALID,
                   "%s was written by the %s optimiser, this run uses %s", path, kind,
                   fathom_optimizer_kind_to_string (fathom_optimizer_get_kind (optimizer)));
      return FALSE;
    }
  /* Read the slots before touching anything, like the parameters. */
  for (guint i = 0; i < fathom_safetensors_get_n_tensors (file); i++)
    {
      const char *name = fathom_safetensors_get_name (file, i);
      FathomTensor *t;

      if (!g_str_has_prefix (name, SLOT_PREFIX))
        continue;
      t = fathom_safetensors_get_tensor (file, name, error);
      if (t == NULL)
        return FALSE;
      g_ptr_array_add (slot_values, t);
      g_ptr_array_add (slot_names, g_strdup (name + strlen (SLOT_PREFIX)));
    }
  if (!fathom_checkpoint_load (graph, path, FALSE, error))
    return FALSE;
  for (guint i = 0; i < slot_names->len; i++)
    if (!fathom_optimizer_set_slot (optimizer, backend, g_ptr_array_index (slot_names, i),
                                    g_ptr_array_index (slot_values, i), error))
      return FALSE;
  fathom_optimizer_set_step (optimizer, g_ascii_strtoll (step, NULL, 10));
  fathom_optimizer_set_lr (optimizer, (float) g_ascii_strtod (lr, NULL));

  if (metadata_out != NULL)
    {
      *metadata_out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          const char *v = fathom_safetensors_get_metadata (file, keys[i]);
          if (v != NULL)
            g_hash_table_insert (*metadata_out, g_strdup (keys[i]), g_strdup (v));
        }
    }
  return TRUE;
}
