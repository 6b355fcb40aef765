/* fathom-checkpoint.c: graph parameters to and from safetensors. */
#include "fathom-checkpoint.h"
#include "fathom-safetensors.h"

gboolean
fathom_checkpoint_save (FathomGraph *graph, const char *path, GHashTable *metadata, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *params = fathom_graph_get_params (graph);
  g_autoptr(GPtrArray) host = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
  g_autofree const char **names = g_new0 (const char *, params->len + 1);

  g_return_val_if_fail (backend != NULL, FALSE);
  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      FathomTensor *copy = fathom_tensor_new_like (gp->param->value);

      g_ptr_array_add (host, copy);
      if (!fathom_backend_download (backend, gp->param->value, fathom_tensor_get_data (copy), error))
        return FALSE;
      names[i] = gp->name;
    }
  return fathom_safetensors_save (path, params->len, names, (FathomTensor *const *) host->pdata,
                                  metadata, error);
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
        gboolean known = FALSE;

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
