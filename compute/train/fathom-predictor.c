/* fathom-predictor.c: backbone and head of a run folder, in inference
 * mode, on one photo at a time. */
#include "fathom-predictor.h"
#include "fathom-backend-registry.h"
#include "fathom-checkpoint.h"
#include "fathom-experiment-private.h"
#include "fathom-image-source.h"
#include "fathom-mini-backbone.h"
#include "fathom-run.h"
#include "fathom-safetensors.h"
#include "fathom-weights.h"

#include <math.h>
#include <string.h>

struct _FathomPredictor
{
  char           *experiment;
  char          **classes;
  char          **sizes;            /* "WxH", the size one-hot's order */
  FathomBackend  *backend;
  FathomGraph    *backbone;         /* NULL for leak-size-only */
  FathomGraph    *head;
  FathomInputNorm norm;
  int             width, height;    /* the backbone's input */
  int             in_features, in_sizes, out_class, out_bb;
  gboolean        has_maps;
  gboolean        want_maps;
  FathomDenseMaps *dense;           /* NULL where the head's maps are as fine as its features */
  FathomTensor   *image;            /* [1, 3, H, W] on the backend */
  FathomTensor   *size_hot;         /* [1, n_sizes] on the backend */
};

void
fathom_prediction_clear (FathomPrediction *prediction)
{
  g_clear_pointer (&prediction->probs, g_free);
  g_clear_pointer (&prediction->maps, fathom_tensor_unref);
  g_clear_pointer (&prediction->coarse_maps, fathom_tensor_unref);
  *prediction = (FathomPrediction) { .pred_class = -1 };
}

void
fathom_predictor_free (FathomPredictor *self)
{
  if (self == NULL)
    return;
  g_free (self->experiment);
  g_strfreev (self->classes);
  g_strfreev (self->sizes);
  g_clear_pointer (&self->image, fathom_tensor_unref);
  g_clear_pointer (&self->size_hot, fathom_tensor_unref);
  g_clear_pointer (&self->dense, fathom_dense_maps_free);
  g_clear_pointer (&self->backbone, fathom_graph_free);
  g_clear_pointer (&self->head, fathom_graph_free);
  g_clear_pointer (&self->backend, fathom_backend_unref);
  g_free (self);
}

/* A metadata entry of the model file, or an error naming it. */
static const char *
meta (FathomSafetensors *st, const char *path, const char *key, GError **error)
{
  const char *value = fathom_safetensors_get_metadata (st, key);

  if (value == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "%s has no “%s” in its metadata: not a model of fathom-cli train", path, key);
  return value;
}

static gboolean
parse_dimension (const char *text, const char *path, const char *key, int *out, GError **error)
{
  gint64 v = g_ascii_strtoll (text, NULL, 10);

  if (v < 1 || v > 16384)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: “%s” is not a valid %s", path, text, key);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

static gboolean
load_backbone (FathomPredictor *self, const char *run_dir, const char *backbone, const char *weights,
               GError **error)
{
  if (g_str_equal (backbone, "mini"))
    {
      g_autofree char *path = g_build_filename (run_dir, "checkpoints", weights, NULL);

      self->backbone = fathom_mini_backbone_load (path, self->height, self->width, self->backend, error);
    }
  else if (g_str_equal (backbone, "vgg16") || g_str_equal (backbone, "resnet50") || g_str_equal (backbone, "vgg16bn"))
    self->backbone = fathom_weights_backbone_new (g_str_equal (backbone, "vgg16") ? FATHOM_BACKBONE_VGG16
                                                  : g_str_equal (backbone, "vgg16bn") ? FATHOM_BACKBONE_VGG16_BN
                                                  : FATHOM_BACKBONE_RESNET50,
                                                  weights, self->height, self->width, FALSE, self->backend, error);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Unknown backbone “%s” in the run's model", backbone);
  return self->backbone != NULL;
}

FathomPredictor *
fathom_predictor_new (const char *run_dir, const char *device, GError **error)
{
  g_autoptr(FathomPredictor) self = g_new0 (FathomPredictor, 1);
  g_autofree char *path = g_build_filename (run_dir, "checkpoints", "model.safetensors", NULL);
  g_autoptr(FathomSafetensors) st = NULL;
  const FathomExperimentPreset *preset;
  const char *experiment, *classes, *backbone, *weights, *norm, *width, *height, *sizes, *box_head_name;
  FathomBoxHead box_head = FATHOM_BOX_HEAD_DENSE;
  gint64 c = 0, h = 0, w = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      fathom_run_info_set_missing_error (run_dir, "checkpoints/model.safetensors", error);
      return NULL;
    }
  st = fathom_safetensors_load (path, error);
  if (st == NULL)
    return NULL;
  if ((experiment = meta (st, path, "experiment", error)) == NULL || (classes = meta (st, path, "classes", error)) == NULL ||
      (backbone = meta (st, path, "backbone", error)) == NULL ||
      (weights = meta (st, path, "backbone_weights", error)) == NULL ||
      (norm = meta (st, path, "preprocessing", error)) == NULL || (width = meta (st, path, "input_width", error)) == NULL ||
      (height = meta (st, path, "input_height", error)) == NULL || (sizes = meta (st, path, "sizes", error)) == NULL)
    return NULL;
  preset = fathom_experiment_find (experiment);
  if (preset == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: unknown experiment “%s”", path, experiment);
      return NULL;
    }
  if (!fathom_input_norm_from_string (norm, &self->norm))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: unknown preprocessing “%s”", path, norm);
      return NULL;
    }
  /* a model of the image size alone (leak-size-only) has no input picture */
  if (preset->needs_features &&
      (!parse_dimension (width, path, "input width", &self->width, error) ||
       !parse_dimension (height, path, "input height", &self->height, error)))
    return NULL;
  self->experiment = g_strdup (experiment);
  self->classes = g_strsplit (classes, ",", -1);
  self->sizes = sizes[0] != '\0' ? g_strsplit (sizes, ",", -1) : g_new0 (char *, 1);
  if (g_strv_length (self->classes) < 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: fewer than two classes", path);
      return NULL;
    }
  self->backend = fathom_backend_new_by_name (device != NULL ? device : "cpu", error);
  if (self->backend == NULL)
    return NULL;

  if (preset->needs_features)
    {
      const FathomShape *s;

      if (!load_backbone (self, run_dir, backbone, weights, error))
        return NULL;
      s = fathom_graph_get_output_shape (self->backbone, 0);
      /* a vector (VGG16BN's) was stored as [C, 1, 1] */
      c = s->d[0];
      h = s->ndim == 3 ? s->d[1] : 1;
      w = s->ndim == 3 ? s->d[2] : 1;
    }
  /* runs from before the attention box head had the lesson's */
  box_head_name = fathom_safetensors_get_metadata (st, "box_head");
  if (box_head_name != NULL && !fathom_box_head_from_string (box_head_name, &box_head))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: unknown box head “%s”", path, box_head_name);
      return NULL;
    }
  /* and before its class output read the fish's features */
  self->head = fathom_exp_graph_new (preset, g_strv_length (self->classes), g_strv_length (self->sizes), c, h, w,
                                     0.001f, box_head,
                                     g_strcmp0 (fathom_safetensors_get_metadata (st, "class_reads_box"), "yes") == 0,
                                     error);
  if (self->head == NULL || !fathom_graph_build (self->head, self->backend, 0, error) ||
      !fathom_checkpoint_load (self->head, path, FALSE, error))
    return NULL;
  self->in_features = fathom_graph_find_input (self->head, "features");
  self->in_sizes = fathom_graph_find_input (self->head, "image_size");
  self->out_class = fathom_graph_find_output (self->head, "class");
  self->out_bb = fathom_graph_find_output (self->head, "bb");
  self->has_maps = fathom_graph_find_layer (self->head, "class_maps") != NULL;
  self->want_maps = TRUE;
  if (self->out_class < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: the model has no class output", path);
      return NULL;
    }
  if (self->has_maps && self->in_features >= 0)
    {
      GError *dense_error = NULL;

      self->dense = fathom_exp_dense_maps_new (preset, self->head, g_strv_length (self->classes), &dense_error);
      if (dense_error != NULL)
        {
          g_propagate_error (error, dense_error);
          return NULL;
        }
    }
  if (self->backbone != NULL)
    {
      self->image = fathom_backend_new_tensor (self->backend, 4, (gint64[]) { 1, 3, self->height, self->width }, error);
      if (self->image == NULL)
        return NULL;
    }
  if (self->in_sizes >= 0)
    {
      const FathomShape *s = fathom_graph_get_input_shape (self->head, (guint) self->in_sizes);

      self->size_hot = fathom_backend_new_tensor (self->backend, 2, (gint64[]) { 1, s->d[0] }, error);
      if (self->size_hot == NULL)
        return NULL;
    }
  return g_steal_pointer (&self);
}

const char *
fathom_predictor_get_experiment (FathomPredictor *self)
{
  return self->experiment;
}

guint
fathom_predictor_get_n_classes (FathomPredictor *self)
{
  return g_strv_length (self->classes);
}

const char *const *
fathom_predictor_get_classes (FathomPredictor *self)
{
  return (const char *const *) self->classes;
}

int
fathom_predictor_find_class (FathomPredictor *self, const char *name)
{
  for (guint i = 0; self->classes[i] != NULL; i++)
    if (g_str_equal (self->classes[i], name))
      return (int) i;
  return -1;
}

void
fathom_predictor_get_input_size (FathomPredictor *self, int *width, int *height)
{
  *width = self->width;
  *height = self->height;
}

gboolean
fathom_predictor_has_maps (FathomPredictor *self)
{
  return self->has_maps;
}

void
fathom_predictor_set_want_maps (FathomPredictor *self, gboolean want)
{
  self->want_maps = want;
}

gboolean
fathom_predictor_has_box (FathomPredictor *self)
{
  return self->out_bb >= 0;
}

/* The photo resized to the input and preprocessed, uploaded. */
static gboolean
set_image (FathomPredictor *self, const FathomImage *photo, GError **error)
{
  g_autofree float *chw = g_new (float, (gsize) 3 * self->width * self->height);
  g_autoptr(FathomImage) resized = NULL;
  const FathomImage *img = photo;

  if (photo->width != self->width || photo->height != self->height)
    img = resized = fathom_image_resize (photo, self->width, self->height, FATHOM_RESIZE_BILINEAR);
  fathom_input_normalize (img, self->norm, chw);
  return fathom_backend_upload (self->backend, self->image, chw, error);
}

/* The one-hot of the photo's size over the training sizes; zeros for a
 * size no training photo had. */
static gboolean
set_size (FathomPredictor *self, const FathomImage *photo, GError **error)
{
  gint64 n = fathom_tensor_get_shape (self->size_hot)[1];
  g_autofree float *hot = g_new0 (float, n);
  g_autofree char *key = g_strdup_printf ("%dx%d", photo->width, photo->height);

  for (gint64 i = 0; self->sizes[i] != NULL && i < n; i++)
    if (g_str_equal (self->sizes[i], key))
      hot[i] = 1.f;
  return fathom_backend_upload (self->backend, self->size_hot, hot, error);
}

gboolean
fathom_predictor_predict (FathomPredictor *self, const FathomImage *photo, FathomPrediction *out, GError **error)
{
  FathomTensor *inputs[2] = { NULL, NULL };
  g_autoptr(FathomTensor) features = NULL;
  guint n = fathom_predictor_get_n_classes (self);

  fathom_prediction_clear (out);
  if (self->backbone != NULL)
    {
      FathomTensor *image_in[1] = { self->image };
      const FathomShape *s = fathom_graph_get_input_shape (self->head, (guint) self->in_features);

      if (!set_image (self, photo, error) || !fathom_graph_forward (self->backbone, image_in, FALSE, error))
        return FALSE;
      /* the head's [C, H, W] (a vector as [C, 1, 1]) */
      features = fathom_tensor_view (fathom_graph_get_output (self->backbone, 0), 4,
                                     (gint64[]) { 1, s->d[0], s->d[1], s->d[2] });
      inputs[self->in_features] = features;
    }
  if (self->in_sizes >= 0)
    {
      if (!set_size (self, photo, error))
        return FALSE;
      inputs[self->in_sizes] = self->size_hot;
    }
  if (!fathom_graph_forward (self->head, inputs, FALSE, error))
    return FALSE;

  out->n_classes = n;
  out->probs = g_new (float, n);
  if (!fathom_backend_download (self->backend, fathom_graph_get_output (self->head, (guint) self->out_class),
                                out->probs, error))
    return FALSE;
  out->pred_class = 0;
  for (guint k = 1; k < n; k++)
    if (out->probs[k] > out->probs[out->pred_class])
      out->pred_class = (int) k;
  if (self->out_bb >= 0)
    {
      out->has_box = TRUE;
      if (!fathom_backend_download (self->backend, fathom_graph_get_output (self->head, (guint) self->out_bb),
                                    out->box, error))
        return FALSE;
    }
  if (self->has_maps && self->want_maps)
    {
      FathomTensor *m = fathom_graph_get_node_output (self->head, "class_maps");
      const gint64 *s = fathom_tensor_get_shape (m);
      g_autoptr(FathomTensor) own = fathom_tensor_new_3d (s[1], s[2], s[3]);

      if (!fathom_backend_download (self->backend, m, fathom_tensor_get_data (own), error))
        return FALSE;
      if (self->dense != NULL)
        {
          const gint64 *f = fathom_tensor_get_shape (features);
          g_autofree float *host = g_new (float, (gsize) f[1] * f[2] * f[3]);

          out->maps = fathom_tensor_new_3d (s[1], f[2], f[3]);
          if (!fathom_backend_download (self->backend, features, host, error) ||
              !fathom_dense_maps_compute (self->dense, host, 1, fathom_tensor_get_data (out->maps), error))
            return FALSE;
          out->coarse_maps = g_steal_pointer (&own);
        }
      else
        out->maps = g_steal_pointer (&own);
    }
  return TRUE;
}
