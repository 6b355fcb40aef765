/* fathom-backend-registry.c: creates backends by name. The only file that
 * looks at the CUDA build flag. */
#include "fathom-backend-registry.h"
#include "fathom-cpu-backend.h"

#ifdef FATHOM_HAVE_CUDA
#include "fathom-cuda-backend.h"
#endif

gboolean
fathom_backend_registry_has_cuda (void)
{
#ifdef FATHOM_HAVE_CUDA
  return TRUE;
#else
  return FALSE;
#endif
}

gboolean
fathom_backend_is_available (const char *name, char **reason)
{
  if (g_strcmp0 (name, "cpu") == 0 || g_strcmp0 (name, "cpu-reference") == 0)
    return TRUE;
  if (g_strcmp0 (name, "cuda") == 0)
    {
#ifdef FATHOM_HAVE_CUDA
      return fathom_cuda_available (reason);
#else
      if (reason != NULL)
        *reason = g_strdup ("This build has no CUDA backend (nvcc was not found, or -Dcuda=disabled)");
      return FALSE;
#endif
    }
  if (reason != NULL)
    *reason = g_strdup_printf ("Unknown device “%s” (known: cpu, cpu-reference, cuda)", name);
  return FALSE;
}

FathomBackend *
fathom_backend_new_by_name (const char *name, GError **error)
{
  g_autofree char *reason = NULL;

  if (g_strcmp0 (name, "cpu") == 0)
    return fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 0);
  if (g_strcmp0 (name, "cpu-reference") == 0)
    return fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
#ifdef FATHOM_HAVE_CUDA
  if (g_strcmp0 (name, "cuda") == 0)
    return fathom_cuda_backend_new (0, error);
#endif
  fathom_backend_is_available (name, &reason);
  g_set_error (error, FATHOM_BACKEND_ERROR,
               g_strcmp0 (name, "cuda") == 0 ? FATHOM_BACKEND_ERROR_NO_DEVICE
                                             : FATHOM_BACKEND_ERROR_UNSUPPORTED,
               "%s", reason);
  return NULL;
}

gboolean
fathom_backend_set_tf32 (FathomBackend *backend, gboolean enabled, GError **error)
{
  g_return_val_if_fail (backend != NULL, FALSE);
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    {
      fathom_cuda_backend_set_tf32 (backend, enabled);
      return TRUE;
    }
#endif
  if (!enabled)
    return TRUE;
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
               "TF32 is a setting of the CUDA backend; %s computes in FP32 only",
               fathom_backend_get_name (backend));
  return FALSE;
}

gboolean
fathom_backend_get_tf32 (FathomBackend *backend)
{
  g_return_val_if_fail (backend != NULL, FALSE);
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    return fathom_cuda_backend_get_tf32 (backend);
#endif
  return FALSE;
}

gboolean
fathom_backend_set_memory_limit (FathomBackend *backend, guint64 bytes, GError **error)
{
  g_return_val_if_fail (backend != NULL, FALSE);
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    {
      fathom_cuda_backend_set_memory_limit (backend, bytes);
      return TRUE;
    }
#endif
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
               "A memory limit is a setting of the CUDA backend; %s uses host memory",
               fathom_backend_get_name (backend));
  return FALSE;
}

char *
fathom_backend_describe_device (FathomBackend *backend)
{
  g_return_val_if_fail (backend != NULL, NULL);
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    return g_strdup (fathom_cuda_backend_get_device_name (backend));
#endif
  if (fathom_backend_is_cpu (backend))
    return fathom_cpu_backend_get_path (backend) == FATHOM_CPU_PATH_FAST
           ? g_strdup_printf ("im2col + OpenBLAS, %u cores", g_get_num_processors ())
           : g_strdup ("reference loops");
  return g_strdup (fathom_backend_get_name (backend));
}

/* ---- convolution path ------------------------------------------------------ */

static const char *const conv_path_names[] = {
  [FATHOM_CONV_PATH_AUTO] = "auto",
  [FATHOM_CONV_PATH_OWN] = "own",
  [FATHOM_CONV_PATH_CUDNN] = "cudnn",
};

const char *
fathom_conv_path_to_string (FathomConvPath path)
{
  g_return_val_if_fail ((guint) path < G_N_ELEMENTS (conv_path_names), NULL);
  return conv_path_names[path];
}

gboolean
fathom_conv_path_from_string (const char *name, FathomConvPath *path)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (conv_path_names); i++)
    if (g_str_equal (name, conv_path_names[i]))
      {
        *path = (FathomConvPath) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
fathom_backend_set_conv_path (FathomBackend *backend, FathomConvPath path, GError **error)
{
  g_return_val_if_fail (backend != NULL, FALSE);
  g_return_val_if_fail ((guint) path < G_N_ELEMENTS (conv_path_names), FALSE);
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    return fathom_cuda_backend_set_conv_path (backend, path, error);
#endif
  if (path != FATHOM_CONV_PATH_CUDNN)
    return TRUE;
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
               "cuDNN is a convolution path of the CUDA backend; %s convolves on its own",
               fathom_backend_get_name (backend));
  return FALSE;
}

FathomConvPath
fathom_backend_get_conv_path (FathomBackend *backend)
{
  g_return_val_if_fail (backend != NULL, FATHOM_CONV_PATH_OWN);
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    return fathom_cuda_backend_get_conv_path (backend);
#endif
  return FATHOM_CONV_PATH_OWN;
}

char *
fathom_backend_describe_conv (FathomBackend *backend)
{
  g_return_val_if_fail (backend != NULL, NULL);
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    return fathom_cuda_backend_describe_conv (backend);
#endif
  if (fathom_backend_is_cpu (backend))
    return g_strdup (fathom_cpu_backend_get_path (backend) == FATHOM_CPU_PATH_FAST
                     ? "Winograd F(4x4,3x3), kn2row, im2col + OpenBLAS" : "reference loops");
  return g_strdup (fathom_backend_get_name (backend));
}

gboolean
fathom_backend_get_conv_calls (FathomBackend *backend, guint64 *cudnn, guint64 *own)
{
  g_return_val_if_fail (backend != NULL && cudnn != NULL && own != NULL, FALSE);
  *cudnn = *own = 0;
#ifdef FATHOM_HAVE_CUDA
  if (fathom_backend_is_cuda (backend))
    {
      fathom_cuda_backend_get_conv_calls (backend, cudnn, own);
      return TRUE;
    }
#endif
  return FALSE;
}
