/* fathom-weights.c: probing weight files, torchvision import, fingerprints.
 * The Keras HDF5 half is in fathom-weights-keras.c. */
#include "fathom-weights.h"
#include "fathom-quark.h"
#include "fathom-safetensors.h"
#include "fathom-vgg16.h"

#include <stdio.h>
#include <string.h>

FATHOM_DEFINE_QUARK (fathom-weights-error-quark, fathom_weights_error)

static char *
shape_string (guint ndim, const gint64 *d)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", d[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---- origin ------------------------------------------------------------- */

gboolean
fathom_weights_probe (const char *path, FathomWeightsOrigin *origin, GError **error)
{
  static const guint8 hdf5_signature[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(GError) local = NULL;
  guint8 head[8] = { 0 };
  gsize got = 0;

  g_return_val_if_fail (path != NULL && origin != NULL, FALSE);
  in = g_file_read (file, NULL, error);
  if (in == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (in), head, sizeof head, &got, NULL, error))
    return FALSE;
  if (got == sizeof head && memcmp (head, hdf5_signature, sizeof head) == 0)
    return fathom_weights_probe_keras (path, origin, error);

  st = fathom_safetensors_load (path, &local);
  if (st == NULL)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT,
                   "%s is neither a Keras HDF5 file nor a safetensors state dict: %s",
                   path, local->message);
      return FALSE;
    }
  *origin = (FathomWeightsOrigin) {
    .format = FATHOM_WEIGHTS_TORCHVISION,
    .bn_eps = 1e-5f,
    .resnet_variant = FATHOM_RESNET50_V1_5,
    .resnet_pool_pad = TRUE,
  };
  return TRUE;
}

void
fathom_weights_resnet50_options (const FathomWeightsOrigin *origin, FathomResnet50Options *options)
{
  fathom_resnet50_options_init (options, origin->resnet_variant);
  options->conv_bias = origin->format != FATHOM_WEIGHTS_TORCHVISION;
  options->pool_pad = origin->resnet_pool_pad;
  options->bn.eps = origin->bn_eps;
}

gboolean
fathom_weights_load (FathomGraph *graph, const char *path, const FathomWeightsOrigin *origin, GError **error)
{
  FathomWeightsOrigin probed;

  if (origin == NULL)
    {
      if (!fathom_weights_probe (path, &probed, error))
        return FALSE;
      origin = &probed;
    }
  if (origin->format == FATHOM_WEIGHTS_TORCHVISION)
    return fathom_weights_load_torchvision (graph, path, error);
  return fathom_weights_load_keras (graph, path, origin->format, error);
}

/* VGG16BN to its second BN, at the width of the file's dense top; only a
 * Keras file has that top (torchvision's "vgg16_bn" is another model, with
 * BN after every conv and no BN in its classifier). */
static FathomGraph *
vgg16_bn_graph (const FathomWeightsOrigin *origin, const char *path, gint64 height, gint64 width,
                GError **error)
{
  if (origin->format == FATHOM_WEIGHTS_TORCHVISION)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNSUPPORTED,
                   "%s: VGG16BN's dense top comes from the course's Keras file (vgg16_bn.h5); a torchvision "
                   "state dict cannot give it (torchvision's vgg16_bn is another model)", path);
      return NULL;
    }
  if (origin->dense_units <= 0)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_MISSING,
                   "%s has no Dense layers: VGG16BN needs the whole model with its dense top "
                   "(the course's vgg16_bn.h5), not the conv part (vgg16_bn_conv.h5)", path);
      return NULL;
    }
  return fathom_vgg16_bn_new (height, width, origin->dense_units, error);
}

FathomGraph *
fathom_weights_backbone_new (FathomBackbone backbone, const char *path, gint64 height, gint64 width,
                             gboolean last_pool, FathomBackend *backend, GError **error)
{
  g_autoptr(FathomGraph) g = NULL;
  g_autoptr(GError) local = NULL;
  FathomWeightsOrigin origin;

  if (!fathom_weights_probe (path, &origin, error))
    return NULL;
  if (backbone == FATHOM_BACKBONE_VGG16)
    g = fathom_vgg16_new (height, width, last_pool, error);
  else if (backbone == FATHOM_BACKBONE_VGG16_BN)
    g = vgg16_bn_graph (&origin, path, height, width, error);
  else
    {
      FathomResnet50Options options;

      fathom_weights_resnet50_options (&origin, &options);
      g = fathom_resnet50_new (height, width, &options, error);
    }
  /* The seed is irrelevant: every parameter is overwritten. */
  if (g == NULL || !fathom_graph_build (g, backend, 0, error))
    return NULL;
  if (backbone != FATHOM_BACKBONE_VGG16_BN)
    return fathom_weights_load (g, path, &origin, error) ? g_steal_pointer (&g) : NULL;

  /* The popped classifier follows the second BN in the file. */
  if (!fathom_weights_load_keras_full (g, path, origin.format, FATHOM_WEIGHTS_LOAD_SKIP_TRAILING, &local))
    {
      /* most likely the input size: dense_1 takes 512 x H/32 x W/32 */
      if (g_error_matches (local, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE))
        g_prefix_error (&local, "VGG16BN at %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " (its dense top takes "
                        "the input size its weights were trained at, 224x224 for the course's file): ",
                        height, width);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return g_steal_pointer (&g);
}

/* ---- torchvision -------------------------------------------------------- */

/* torchvision's vgg16.features indices of the convs, by block. */
static const int vgg_features[5][3] = {
  { 0, 2, -1 }, { 5, 7, -1 }, { 10, 12, 14 }, { 17, 19, 21 }, { 24, 26, 28 },
};
static const int resnet_blocks[4] = { 3, 4, 6, 3 };

static const char *
torch_param_name (const char *param, gboolean bn)
{
  if (bn)
    {
      if (g_str_equal (param, "gamma"))
        return "weight";
      if (g_str_equal (param, "beta"))
        return "bias";
      if (g_str_equal (param, "running_mean") || g_str_equal (param, "running_var"))
        return param;
      return NULL;
    }
  return g_str_equal (param, "kernel") ? "weight" : NULL;   /* torchvision ResNet convs have no bias */
}

char *
fathom_weights_torchvision_name (const char *param_name)
{
  const char *dot = strrchr (param_name, '.');
  g_autofree char *layer = NULL;
  g_autofree char *again = NULL;
  const char *param, *tp;
  int b, c, s, k;
  char kind[5];

  g_return_val_if_fail (param_name != NULL, NULL);
  if (dot == NULL)
    return NULL;
  layer = g_strndup (param_name, dot - param_name);
  param = dot + 1;

  /* Parsed, then printed back and compared: sscanf alone would take
   * "block 1_conv+1". */
  if (sscanf (layer, "block%d_conv%d", &b, &c) == 2)
    {
      again = g_strdup_printf ("block%d_conv%d", b, c);
      if (!g_str_equal (again, layer) || b < 1 || b > 5 || c < 1 || c > 3 || vgg_features[b - 1][c - 1] < 0)
        return NULL;
      if (g_str_equal (param, "bias"))
        return g_strdup_printf ("features.%d.bias", vgg_features[b - 1][c - 1]);
      tp = torch_param_name (param, FALSE);
      return tp ? g_strdup_printf ("features.%d.%s", vgg_features[b - 1][c - 1], tp) : NULL;
    }
  if (g_str_equal (layer, "conv1_conv") || g_str_equal (layer, "conv1_bn"))
    {
      gboolean bn = g_str_equal (layer, "conv1_bn");

      tp = torch_param_name (param, bn);
      return tp ? g_strdup_printf ("%s.%s", bn ? "bn1" : "conv1", tp) : NULL;
    }
  if (sscanf (layer, "conv%d_block%d_%d_%4s", &s, &b, &k, kind) == 4)
    {
      gboolean bn = g_str_equal (kind, "bn");

      again = g_strdup_printf ("conv%d_block%d_%d_%s", s, b, k, kind);
      if (!g_str_equal (again, layer) || (!bn && !g_str_equal (kind, "conv")) ||
          s < 2 || s > 5 || b < 1 || b > resnet_blocks[s - 2] || k < 0 || k > 3 || (k == 0 && b != 1))
        return NULL;
      tp = torch_param_name (param, bn);
      if (tp == NULL)
        return NULL;
      if (k == 0)
        return g_strdup_printf ("layer%d.%d.downsample.%d.%s", s - 1, b - 1, bn ? 1 : 0, tp);
      return g_strdup_printf ("layer%d.%d.%s%d.%s", s - 1, b - 1, bn ? "bn" : "conv", k, tp);
    }
  return NULL;
}

/* Tensors of a torchvision state dict that a conv trunk has no use for. */
static gboolean
torch_ignored (const char *name)
{
  return g_str_has_suffix (name, "num_batches_tracked") ||
         g_str_has_prefix (name, "fc.") || g_str_has_prefix (name, "classifier.");
}

gboolean
fathom_weights_load_torchvision (FathomGraph *graph, const char *path, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *params = fathom_graph_get_params (graph);
  g_autoptr(FathomSafetensors) file = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) expected = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) host = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
  const char *unknown = NULL;

  g_return_val_if_fail (backend != NULL, FALSE);
  file = fathom_safetensors_load (path, error);
  if (file == NULL)
    return FALSE;

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      char *name = fathom_weights_torchvision_name (gp->name);

      if (name == NULL)
        {
          g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNSUPPORTED,
                       "%s: the model's %s has no torchvision counterpart%s", path, gp->name,
                       g_str_has_suffix (gp->name, ".bias")
                         ? " (torchvision's ResNet convs have no bias: build ResNet50 V1_5 without conv bias)"
                         : "");
          return FALSE;
        }
      g_ptr_array_add (names, name);
      g_hash_table_add (expected, name);
    }
  /* A file tensor no parameter wants: with a missing one, likely a rename. */
  for (guint i = 0; i < fathom_safetensors_get_n_tensors (file) && unknown == NULL; i++)
    {
      const char *name = fathom_safetensors_get_name (file, i);

      if (!torch_ignored (name) && !g_hash_table_contains (expected, name))
        unknown = name;
    }

  /* Names and shapes first, in model order, so the first mismatch is named. */
  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      const char *name = g_ptr_array_index (names, i);
      gint64 shape[FATHOM_MAX_DIMS];
      guint ndim;

      if (!fathom_safetensors_get_info (file, name, &ndim, shape, NULL))
        {
          g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_MISSING,
                       "%s: “%s” (the model's %s) is not in the file%s%s%s", path, name, gp->name,
                       unknown ? ", which has “" : "", unknown ? unknown : "", unknown ? "” instead" : "");
          return FALSE;
        }
      if (!fathom_tensor_has_shape (gp->param->value, ndim, shape))
        {
          g_autofree char *got = shape_string (ndim, shape);
          g_autofree char *want = shape_string (fathom_tensor_get_ndim (gp->param->value),
                                                fathom_tensor_get_shape (gp->param->value));

          g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE,
                       "%s: “%s” has shape %s, the model expects %s (%s)", path, name, got, want, gp->name);
          return FALSE;
        }
    }
  if (unknown != NULL)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNEXPECTED,
                   "%s: “%s” matches no layer of the model", path, unknown);
      return FALSE;
    }

  /* Read everything, then upload: a bad file leaves the model as it was. */
  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      g_autoptr(FathomTensor) t = fathom_tensor_new_like (gp->param->value);

      if (!fathom_safetensors_read_into (file, g_ptr_array_index (names, i), t, error))
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

/* ---- fingerprint -------------------------------------------------------- */

char *
fathom_weights_fingerprint (const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, cancellable, error);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const gsize block = 1 << 20;
  g_autofree guint8 *buf = g_malloc (block);

  if (in == NULL)
    return NULL;
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buf, block, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
    }
  return g_strdup (g_checksum_get_string (sum));
}
