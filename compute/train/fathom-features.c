/* fathom-features.c: a frozen backbone over photos, streamed to a feature
 * file, and the cache of such files. */
#include "fathom-features.h"
#include "fathom-backend-registry.h"
#include "fathom-image-source.h"
#include "fathom-weights.h"

#include <errno.h>
#include <math.h>

void
fathom_features_options_init (FathomFeaturesOptions *options)
{
  *options = (FathomFeaturesOptions) {
    .backbone = "mini",
    .width = 112,
    .height = 112,
    .device = "cpu",
    .batch_size = 16,
  };
  fathom_mini_options_init (&options->mini);
}

char *
fathom_features_default_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "fathom", NULL);
}

struct _FathomFeatureExtractor
{
  FathomDataset  *ds;                   /* borrowed */
  FathomBackend  *backend;
  FathomGraph    *graph;
  FathomInputNorm norm;
  int             width, height;
  guint           batch_size, n_threads;
  char           *backbone_key;         /* e.g. "mini-block4" */
  char           *weights_fingerprint;
  char           *description;
  char           *weights_path;         /* the trunk's checkpoint or weights file */
  char           *preprocessing;        /* the key's: the input norm and the copies */
  guint           copies;
  guint64         copies_seed;
  double          copies_photometric;
  gboolean        pretrained_now;
  int             pretrained_index;     /* into pretrained[]; -1 for mini */
  double          valid_accuracy;       /* mini's own classifier on the validation photos, or NAN */
};

void
fathom_feature_extractor_free (FathomFeatureExtractor *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->graph, fathom_graph_free);
  g_clear_pointer (&self->backend, fathom_backend_unref);
  g_free (self->backbone_key);
  g_free (self->weights_fingerprint);
  g_free (self->description);
  g_free (self->weights_path);
  g_free (self->preprocessing);
  g_free (self);
}

static gboolean
setup_mini (FathomFeatureExtractor *self, const FathomFeaturesOptions *o,
            FathomTrainProgressFunc progress, gpointer user_data, GCancellable *cancellable, GError **error)
{
  FathomMiniOptions mo = o->mini;
  g_autofree char *path = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *score = NULL;
  g_autofree char *how = NULL;
  double valid_accuracy;
  guint n_valid;

  mo.cache_dir = o->cache_dir;
  mo.device = o->device;
  mo.n_threads = o->n_threads;
  path = fathom_mini_backbone_ensure (self->ds, &mo, progress, user_data, cancellable,
                                      &self->pretrained_now, error);
  if (path == NULL)
    return FALSE;
  sha = fathom_weights_fingerprint (path, cancellable, error);
  if (sha == NULL)
    return FALSE;
  self->graph = fathom_mini_backbone_load (path, self->height, self->width, self->backend, error);
  if (self->graph == NULL)
    return FALSE;
  /* only its output is read: batch norms fold into the convolutions */
  fathom_graph_set_fold_batch_norm (self->graph, TRUE);
  self->norm = FATHOM_INPUT_NORM_VGG;
  self->weights_path = g_strdup (path);
  self->backbone_key = g_strdup_printf ("mini-v%d-block4", FATHOM_MINI_VERSION);
  self->weights_fingerprint = g_strconcat ("sha256:", sha, NULL);
  /* kept for the split it was pretrained for; another split (a corpus
   * trunk serves them all) is scored now, a pass over its validation
   * photos */
  if (!fathom_mini_backbone_get_valid_accuracy (path, self->ds, &valid_accuracy, &n_valid) &&
      !fathom_mini_backbone_score (path, self->ds, &mo, &valid_accuracy, &n_valid, error))
    return FALSE;
  if (n_valid > 0)
    {
      self->valid_accuracy = valid_accuracy;
      score = g_strdup_printf ("; its own classifier (global max pooling, dense) scored %.3f on the %u "
                               "validation photos, a yardstick for the heads on its features",
                               valid_accuracy, n_valid);
    }
  how = fathom_mini_backbone_describe (path);
  self->description = g_strdup_printf ("mini: a small VGG-style trunk (5x5/2 stem, 32-64-128-128-%d channels, 8x) "
                                       "%s, %s, then frozen; it stands in for ImageNet pretraining (no "
                                       "pretrained weights were given) and is kept in %s%s",
                                       FATHOM_MINI_CHANNELS, how != NULL ? how : "pretrained",
                                       mo.photometric > 0 ? "mirrored and recoloured at random" : "mirrored at random",
                                       path, score != NULL ? score : "");
  return TRUE;
}

/* What each pretrained backbone is built as, and its cache key: the
 * layer its features come from. */
static const struct {
  const char     *name;
  FathomBackbone  backbone;
  const char     *key;
} pretrained[] = {
  { "vgg16", FATHOM_BACKBONE_VGG16, "vgg16-block5_conv3" },
  { "vgg16bn", FATHOM_BACKBONE_VGG16_BN, "vgg16bn-batchnormalization_2" },
  { "resnet50", FATHOM_BACKBONE_RESNET50, "resnet50-conv5_block3_out" },
};

static int
find_pretrained (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (pretrained); i++)
    if (g_str_equal (pretrained[i].name, name))
      return (int) i;
  return -1;
}

static gboolean
setup_pretrained (FathomFeatureExtractor *self, const FathomFeaturesOptions *o,
                  GCancellable *cancellable, GError **error)
{
  int k = find_pretrained (o->backbone);
  FathomWeightsOrigin origin;
  g_autofree char *sha = NULL;

  if (o->weights == NULL)
    {
      if (pretrained[k].backbone == FATHOM_BACKBONE_VGG16_BN)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "The vgg16bn backbone needs the course's vgg16_bn.h5 (--weights FILE: the Keras HDF5 "
                     "file of the whole VGG16BN, with its dense top)");
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "The %s backbone needs its pretrained weights (--weights FILE: a Keras HDF5 file "
                     "or a torchvision safetensors file); without them use the mini backbone", o->backbone);
      return FALSE;
    }
  if (!fathom_weights_probe (o->weights, &origin, error))
    return FALSE;
  sha = fathom_weights_fingerprint (o->weights, cancellable, error);
  if (sha == NULL)
    return FALSE;
  /* the network itself is built when features are computed: cached ones
   * need only the key */
  self->pretrained_index = k;
  self->norm = origin.format == FATHOM_WEIGHTS_TORCHVISION ? FATHOM_INPUT_NORM_TORCHVISION
                                                           : FATHOM_INPUT_NORM_VGG;
  self->weights_path = g_strdup (o->weights);
  self->backbone_key = g_strdup (pretrained[k].key);
  self->weights_fingerprint = g_strconcat ("sha256:", sha, NULL);
  self->description = g_strdup_printf ("%s with pretrained weights from %s (%s preprocessing)",
                                       o->backbone, o->weights, fathom_input_norm_to_string (self->norm));
  return TRUE;
}

FathomFeatureExtractor *
fathom_feature_extractor_new (FathomDataset *ds, const FathomFeaturesOptions *options,
                              FathomTrainProgressFunc progress, gpointer user_data,
                              GCancellable *cancellable, GError **error)
{
  g_autoptr(FathomFeatureExtractor) self = g_new0 (FathomFeatureExtractor, 1);
  const char *backbone = options->backbone != NULL ? options->backbone : "mini";
  gboolean ok;

  if (!g_str_equal (backbone, "mini") && find_pretrained (backbone) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Unknown backbone “%s” (mini, vgg16, vgg16bn or resnet50)", backbone);
      return NULL;
    }
  if (options->width <= 0 || options->height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The input size must be positive, not %dx%d", options->height, options->width);
      return NULL;
    }
  self->ds = ds;
  self->pretrained_index = -1;
  self->valid_accuracy = NAN;
  self->width = options->width;
  self->height = options->height;
  self->batch_size = MAX (options->batch_size, 1);
  self->n_threads = options->n_threads;
  self->backend = fathom_backend_new_by_name (options->device != NULL ? options->device : "cpu", error);
  if (self->backend == NULL)
    return NULL;
  if (g_str_equal (backbone, "mini"))
    {
      if (options->weights != NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "The mini backbone is trained here and takes no --weights; "
                               "give --backbone vgg16, vgg16bn or resnet50 with them");
          return NULL;
        }
      ok = setup_mini (self, options, progress, user_data, cancellable, error);
    }
  else
    ok = setup_pretrained (self, options, cancellable, error);
  if (!ok)
    return NULL;
  self->copies = options->copies;
  self->copies_seed = options->copies_seed;
  self->copies_photometric = options->mini.photometric;
  if (self->copies == 0)
    self->preprocessing = g_strdup (fathom_input_norm_to_string (self->norm));
  else
    self->preprocessing = g_strdup_printf ("%s; %u copies of the training images, mirrored at random and "
                                           "recoloured by %g (seed %" G_GUINT64_FORMAT ")",
                                           fathom_input_norm_to_string (self->norm), self->copies,
                                           self->copies_photometric, self->copies_seed);
  return g_steal_pointer (&self);
}

void
fathom_feature_extractor_get_key (FathomFeatureExtractor *self, FathomFeatureKey *key)
{
  *key = (FathomFeatureKey) {
    .backbone = self->backbone_key,
    .weights = self->weights_fingerprint,
    .input_height = self->height,
    .input_width = self->width,
    .dataset = fathom_dataset_get_fingerprint (self->ds),
    .preprocessing = self->preprocessing,
  };
}

/* The pretrained network, built and loaded on first use. */
static gboolean
ensure_graph (FathomFeatureExtractor *self, GError **error)
{
  if (self->graph != NULL)
    return TRUE;
  g_return_val_if_fail (self->pretrained_index >= 0, FALSE);
  /* VGG16 without its last pool, as the lesson: 512x14x14 at 224;
   * VGG16BN with it, to the 4096-vector */
  self->graph = fathom_weights_backbone_new (pretrained[self->pretrained_index].backbone, self->weights_path,
                                             self->height, self->width, FALSE, self->backend, error);
  if (self->graph == NULL)
    return FALSE;
  /* only its output is read: batch norms fold into the convolutions */
  fathom_graph_set_fold_batch_norm (self->graph, TRUE);
  return TRUE;
}

gboolean
fathom_feature_extractor_get_shape (FathomFeatureExtractor *self, gint64 *channels, gint64 *height, gint64 *width,
                                    GError **error)
{
  const FathomShape *s;

  if (!ensure_graph (self, error))
    return FALSE;
  s = fathom_graph_get_output_shape (self->graph, 0);
  /* a vector (VGG16BN's) is stored as [C, 1, 1] */
  *channels = s->d[0];
  *height = s->ndim == 3 ? s->d[1] : 1;
  *width = s->ndim == 3 ? s->d[2] : 1;
  return TRUE;
}

const char *
fathom_feature_extractor_describe (FathomFeatureExtractor *self)
{
  return self->description;
}

const char *
fathom_feature_extractor_get_weights_path (FathomFeatureExtractor *self)
{
  return self->weights_path;
}

gboolean
fathom_feature_extractor_pretrained_now (FathomFeatureExtractor *self)
{
  return self->pretrained_now;
}



/* Appends the features of items through source to writer; done counts
 * the rows written so far, of n in all. */
static gboolean
write_rows (FathomFeatureExtractor *self, FathomImageSource *source, guint n_items, FathomTensor *dev_in,
            FathomTensor *host_in, FathomFeatureWriter *writer, gint64 c, gint64 h, gint64 w, gint64 *done,
            gint64 n, FathomTrainProgressFunc progress, gpointer user_data, GCancellable *cancellable,
            gint64 t0, GError **error)
{
  gint64 batch = fathom_tensor_get_dim (dev_in, 0);
  gint64 n_batches = (n + batch - 1) / batch;
  g_autofree gint64 *rows = g_new (gint64, batch);

  for (gint64 start = 0; start < n_items; start += batch)
    {
      gint64 count = MIN (batch, (gint64) n_items - start);
      g_autoptr(FathomTensor) in = fathom_tensor_slice (dev_in, 0, count);
      g_autoptr(FathomTensor) out = fathom_tensor_new_4d (count, c, h, w);
      FathomTensor *inputs[1] = { in };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (gint64 i = 0; i < count; i++)
        rows[i] = start + i;
      if (!fathom_image_source_load (source, rows, count, fathom_tensor_get_data (host_in), error))
        return FALSE;
      if (host_in != dev_in &&
          !fathom_backend_upload (self->backend, in, fathom_tensor_get_const_data (host_in), error))
        return FALSE;
      if (!fathom_graph_forward (self->graph, inputs, FALSE, error) ||
          !fathom_backend_download (self->backend, fathom_graph_get_output (self->graph, 0),
                                    fathom_tensor_get_data (out), error) ||
          !fathom_feature_writer_append (writer, out, error))
        return FALSE;
      *done += count;
      if (progress != NULL)
        {
          FathomTrainProgress p = fathom_train_progress_one_pass ("features", *done, n,
                                                                  (*done + batch - 1) / batch - 1, n_batches, t0);

          progress (&p, user_data);
        }
    }
  return TRUE;
}

gboolean
fathom_feature_extractor_write (FathomFeatureExtractor *self, const guint *items, guint n_items,
                                const char *path, FathomTrainProgressFunc progress, gpointer user_data,
                                GCancellable *cancellable, GError **error)
{
  FathomImageSourceOptions so;
  g_autoptr(FathomFeatureWriter) writer = NULL;
  g_autoptr(GHashTable) meta = NULL;
  g_autoptr(FathomTensor) host_in = NULL, dev_in = NULL;
  g_autoptr(GArray) train = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  FathomFeatureKey key;
  gint64 c, h, w, n, done = 0, batch, t0 = g_get_monotonic_time ();

  if (!fathom_feature_extractor_get_shape (self, &c, &h, &w, error))
    return FALSE;
  for (guint i = 0; i < n_items; i++)
    {
      g_ptr_array_add (files, fathom_dataset_get_item (self->ds, items[i])->path);
      if (fathom_dataset_get_item (self->ds, items[i])->split == FATHOM_SPLIT_TRAIN)
        g_array_append_val (train, items[i]);
    }
  for (guint k = 0; k < self->copies; k++)
    for (guint i = 0; i < train->len; i++)
      g_ptr_array_add (files, fathom_dataset_get_item (self->ds, g_array_index (train, guint, i))->path);
  g_ptr_array_add (files, NULL);
  n = (gint64) files->len - 1;
  batch = MIN ((gint64) self->batch_size, MAX (n, 1));
  fathom_feature_extractor_get_key (self, &key);
  meta = fathom_feature_key_to_metadata (&key);
  writer = fathom_feature_writer_open (path, n, c, h, w, (const char *const *) files->pdata, meta, error);
  if (writer == NULL)
    return FALSE;
  dev_in = fathom_backend_new_tensor (self->backend, 4, (gint64[]) { batch, 3, self->height, self->width }, error);
  if (dev_in == NULL)
    return FALSE;
  host_in = fathom_tensor_get_location (dev_in) == FATHOM_LOCATION_HOST
            ? fathom_tensor_ref (dev_in) : fathom_tensor_new_4d (batch, 3, self->height, self->width);

  fathom_image_source_options_init (&so);
  so.width = self->width;
  so.height = self->height;
  so.norm = self->norm;
  so.n_threads = self->n_threads;
  so.cache_bytes = 0;                   /* each photo is read once */
  for (guint k = 0; k <= self->copies; k++)
    {
      g_autoptr(FathomImageSource) source = NULL;

      if (k > 0)
        {
          so.flip = TRUE;
          so.photometric = self->copies_photometric;
          so.seed = self->copies_seed * 1000003u + k;
        }
      source = k == 0 ? fathom_image_source_new (self->ds, items, n_items, &so)
                      : fathom_image_source_new (self->ds, (const guint *) train->data, train->len, &so);
      if (!write_rows (self, source, k == 0 ? n_items : train->len, dev_in, host_in, writer, c, h, w, &done, n,
                       progress, user_data, cancellable, t0, error))
        return FALSE;
    }
  return fathom_feature_writer_finish (writer, error);
}

void
fathom_features_report_clear (FathomFeaturesReport *report)
{
  g_clear_pointer (&report->description, g_free);
  g_clear_pointer (&report->weights_path, g_free);
}

char *
fathom_features_ensure (FathomDataset *ds, const FathomFeaturesOptions *options,
                        FathomTrainProgressFunc progress, gpointer user_data, GCancellable *cancellable,
                        FathomFeaturesReport *report, GError **error)
{
  g_autoptr(FathomFeatureExtractor) ex = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *path = NULL;
  g_autoptr(GError) lookup_error = NULL;
  FathomFeatureKey key;

  if (report != NULL)
    *report = (FathomFeaturesReport) { 0 };
  ex = fathom_feature_extractor_new (ds, options, progress, user_data, cancellable, error);
  if (ex == NULL)
    return NULL;
  if (report != NULL)
    {
      report->pretrained = fathom_feature_extractor_pretrained_now (ex);
      report->description = g_strdup (fathom_feature_extractor_describe (ex));
      report->weights_path = g_strdup (ex->weights_path);
      report->norm = ex->norm;
      report->backbone_valid_accuracy = ex->valid_accuracy;
    }
  fathom_feature_extractor_get_key (ex, &key);
  if (!fathom_feature_cache_lookup (options->cache_dir, &key, &path, &lookup_error))
    {
      if (lookup_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&lookup_error));
          return NULL;
        }
      path = fathom_feature_cache_path_for_key (options->cache_dir, &key, error);
      if (path == NULL)
        return NULL;
      for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
        if (fathom_dataset_get_item (ds, i)->split != FATHOM_SPLIT_TEST)
          g_array_append_val (items, i);
      if (g_mkdir_with_parents (options->cache_dir, 0755) != 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot create the cache folder %s: %s", options->cache_dir, g_strerror (saved));
          return NULL;
        }
      if (!fathom_feature_extractor_write (ex, (const guint *) items->data, items->len, path,
                                           progress, user_data, cancellable, error))
        return NULL;
      if (report != NULL)
        report->computed = TRUE;
    }
  return g_steal_pointer (&path);
}
