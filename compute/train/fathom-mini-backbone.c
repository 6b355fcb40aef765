/* fathom-mini-backbone.c: the small trunk, its pretraining and its cache. */
#include "fathom-mini-backbone.h"
#include "fathom-backend-registry.h"
#include "fathom-checkpoint.h"
#include "fathom-image-source.h"
#include "fathom-mini-corpus.h"
#include "fathom-optimizer.h"
#include "fathom-safetensors.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>

/* The convolutions in order. A strided 5x5 stem and two pools make the
 * 8x reduction: the trunk is cheap enough to pretrain on whole photos at
 * the size fcn, allconv and inception see (176x320), where VGG-like 3x3
 * convolutions at full resolution would cost four times as much. Three
 * convolutions at 1/8 let a feature see about 70 pixels, a whole fish. */
typedef struct {
  int      block, index;
  gint64   filters;
  int      kernel, stride;
  gboolean pool_after;
} ConvSpec;

static const ConvSpec convs[] = {
  { 1, 1, 32, 5, 2, TRUE },
  { 2, 1, 64, 3, 1, TRUE },
  { 3, 1, 128, 3, 1, FALSE },
  { 3, 2, 128, 3, 1, FALSE },
  { 4, 1, FATHOM_MINI_CHANNELS, 3, 1, FALSE },
};

void
fathom_mini_options_init (FathomMiniOptions *options)
{
  *options = (FathomMiniOptions) {
    .width = 320,
    .height = 176,
    .corpus_images = FATHOM_MINI_CORPUS_IMAGES,
    .epochs = 0,
    .batch_size = 16,
    .lr = 1e-3f,
    .crop_scale = 1.0,
    .photometric = 0.3,
    .seed = 0,
    .device = "cpu",
  };
}

int
fathom_mini_backbone_append (FathomGraph *graph, int input)
{
  /* Fewer steps than ImageNet training: running statistics follow the
   * batches faster than Keras's 0.99 would. */
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  int x = input;

  bn.momentum = 0.9f;
  for (guint i = 0; i < G_N_ELEMENTS (convs); i++)
    {
      const ConvSpec *c = &convs[i];
      g_autofree char *conv = g_strdup_printf ("block%d_conv%d", c->block, c->index);
      g_autofree char *norm = g_strdup_printf ("block%d_bn%d", c->block, c->index);
      g_autofree char *relu = g_strdup_printf ("block%d_relu%d", c->block, c->index);
      g_autofree char *pool = g_strdup_printf ("block%d_pool", c->block);

      /* BN follows, so the conv needs no bias */
      x = FATHOM_GRAPH_ADD_NAMED (graph, conv, fathom_conv2d_layer_new (c->filters, c->kernel, c->kernel, c->stride, c->stride,
                                                                         FATHOM_PADDING_SAME,
                                                                         FATHOM_ACTIVATION_IDENTITY, FALSE), x);
      x = FATHOM_GRAPH_ADD_NAMED (graph, norm, fathom_batch_norm_layer_new (&bn), x);
      x = FATHOM_GRAPH_ADD_NAMED (graph, relu, fathom_activation_layer_new (FATHOM_ACTIVATION_RELU), x);
      if (c->pool_after)
        x = FATHOM_GRAPH_ADD_NAMED (graph, pool, fathom_max_pool_layer_new (2, 2, 2, 2, FATHOM_PADDING_VALID), x);
    }
  return x;
}

static FathomGraph *
new_graph (gint64 height, gint64 width, gboolean classifier, guint n_classes, GError **error)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape shape = FATHOM_SHAPE (3, height, width);
  int x = fathom_graph_add_input (g, "image", &shape);

  if (height < FATHOM_MINI_STRIDE || width < FATHOM_MINI_STRIDE)
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "The mini backbone needs an input of at least %dx%d pixels, not %" G_GINT64_FORMAT
                   "x%" G_GINT64_FORMAT, FATHOM_MINI_STRIDE, FATHOM_MINI_STRIDE, height, width);
      return NULL;
    }
  x = fathom_mini_backbone_append (g, x);
  if (!classifier)
    {
      if (!fathom_graph_add_output (g, "features", x, FATHOM_LOSS_NONE, 0.f, error))
        return NULL;
      return g_steal_pointer (&g);
    }
  /* Global max pooling: a fish covers a few cells of a mostly-deck map,
   * and averaging would drown it (it trained clearly better than GAP). */
  {
    gint64 mh = height / FATHOM_MINI_STRIDE, mw = width / FATHOM_MINI_STRIDE;

    x = FATHOM_GRAPH_ADD_NAMED (g, "pretrain_pool", fathom_max_pool_layer_new ((int) mh, (int) mw, (int) mh, (int) mw,
                                                                             FATHOM_PADDING_VALID), x);
    x = FATHOM_GRAPH_ADD_NAMED (g, "pretrain_flatten", fathom_flatten_layer_new (), x);
  }
  x = FATHOM_GRAPH_ADD_NAMED (g, "pretrain_dense", fathom_dense_layer_new (n_classes, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
  if (!fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, error))
    return NULL;
  return g_steal_pointer (&g);
}

FathomGraph *
fathom_mini_backbone_new (gint64 height, gint64 width, GError **error)
{
  return new_graph (height, width, FALSE, 0, error);
}

/* How the trunk is pretrained: on a corpus, windows of half the features'
 * width and height cut from photos at the features' scale; on a training
 * split, the options' input and crop. */
typedef struct {
  int    width, height;
  double crop_scale;
  guint  epochs;
} Recipe;

static Recipe
recipe_for (const FathomMiniOptions *o, gboolean on_corpus)
{
  if (on_corpus)
    return (Recipe) { MAX (o->width / 2, FATHOM_MINI_STRIDE), MAX (o->height / 2, FATHOM_MINI_STRIDE), 2.0,
                      o->epochs > 0 ? o->epochs : FATHOM_MINI_CORPUS_EPOCHS };
  return (Recipe) { o->width, o->height, o->crop_scale, o->epochs > 0 ? o->epochs : FATHOM_MINI_SPLIT_EPOCHS };
}

/* Everything the trained weights depend on, as one string: the corpus's
 * photos, or the dataset's training split (its fingerprint covers the
 * split), never both: a trunk pretrained on a corpus serves every split
 * of the dataset. */
static char *
cache_key (FathomDataset *ds, FathomDataset *corpus, const FathomMiniOptions *o)
{
  Recipe r = recipe_for (o, corpus != NULL);

  return g_strdup_printf ("mini-v%d|%s %s|%dx%d|crop %g|colour %g|seed %" G_GUINT64_FORMAT
                          "|epochs %u|batch %u|lr %g|device %s",
                          FATHOM_MINI_VERSION, corpus != NULL ? "corpus" : "training split",
                          fathom_dataset_get_fingerprint (corpus != NULL ? corpus : ds), r.width, r.height,
                          r.crop_scale, o->photometric, o->seed, r.epochs, o->batch_size, (double) o->lr, o->device);
}

static gboolean
cached_matches (const char *path, const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomSafetensors) st = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  st = fathom_safetensors_load (path, &error);
  if (st == NULL)
    {
      g_debug ("mini backbone cache: %s unusable: %s", path, error->message);
      return FALSE;
    }
  return g_strcmp0 (fathom_safetensors_get_metadata (st, "mini_key"), key) == 0;
}

typedef struct {
  FathomTrainProgressFunc progress;
  gpointer                user_data;
} Relabel;

static void
relabel_progress (const FathomTrainProgress *p, gpointer data)
{
  Relabel *r = data;
  FathomTrainProgress q = *p;

  q.phase = "pretrain";
  if (r->progress != NULL)
    r->progress (&q, r->user_data);
}

static FathomImageSource *
photo_source (FathomDataset *ds, const FathomMiniOptions *o, GArray *items, const Recipe *augment)
{
  FathomImageSourceOptions so;

  fathom_image_source_options_init (&so);
  so.width = o->width;
  so.height = o->height;
  so.n_threads = o->n_threads;
  so.seed = o->seed;
  if (augment != NULL)
    {
      so.width = augment->width;
      so.height = augment->height;
      so.flip = TRUE;
      so.crop_scale = augment->crop_scale;
      so.photometric = o->photometric;
    }
  return fathom_image_source_new (ds, (const guint *) items->data, items->len, &so);
}

gboolean
fathom_mini_backbone_score (const char *path, FathomDataset *ds, const FathomMiniOptions *options,
                            double *accuracy, guint *n_images, GError **error)
{
  g_autoptr(GArray) items = fathom_dataset_list_items (ds, FATHOM_SPLIT_VALID);
  g_autoptr(FathomBackend) backend = NULL;
  g_autoptr(FathomImageSource) source = NULL;
  g_autoptr(FathomGraph) graph = NULL;
  FathomBatchSource valid;
  double loss;

  *n_images = items->len;
  *accuracy = NAN;
  if (items->len == 0)
    return TRUE;
  backend = fathom_backend_new_by_name (options->device, error);
  if (backend == NULL)
    return FALSE;
  graph = new_graph (options->height, options->width, TRUE, fathom_dataset_get_n_classes (ds), error);
  if (graph == NULL || !fathom_graph_build (graph, backend, options->seed, error) ||
      !fathom_checkpoint_load (graph, path, FALSE, error))
    return FALSE;
  source = photo_source (ds, options, items, NULL);
  valid = fathom_image_source_get_batch_source (source);
  return fathom_trainer_evaluate (graph, &valid, options->batch_size, NULL, NULL, &loss, NULL, accuracy, error);
}

static gboolean
pretrain (FathomDataset *ds, FathomDataset *corpus, const FathomMiniOptions *o, const char *path,
          const char *key, FathomTrainProgressFunc progress, gpointer user_data, GCancellable *cancellable,
          GError **error)
{
  FathomDataset *photos = corpus != NULL ? corpus : ds;
  Recipe r = recipe_for (o, corpus != NULL);
  g_autoptr(FathomBackend) backend = fathom_backend_new_by_name (o->device, error);
  g_autoptr(FathomGraph) graph = NULL;
  g_autoptr(FathomOptimizer) opt = NULL;
  g_autoptr(FathomImageSource) source = NULL;
  g_autoptr(GArray) items = fathom_dataset_list_items (photos, FATHOM_SPLIT_TRAIN);
  g_autoptr(GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *unscored = g_strconcat (path, ".unscored", NULL);
  FathomTrainConfig cfg;
  FathomTrainResult res;
  FathomBatchSource train;
  Relabel relabel = { progress, user_data };
  double accuracy;
  guint n_valid;
  gboolean ok;

  if (backend == NULL)
    return FALSE;
  if (items->len == 0)
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "%s has no training images to pretrain the mini backbone on",
                   fathom_dataset_get_root (photos));
      return FALSE;
    }
  for (guint c = 0; c < MAX (fathom_dataset_get_n_classes (photos), fathom_dataset_get_n_classes (ds)); c++)
    if (c >= fathom_dataset_get_n_classes (photos) || c >= fathom_dataset_get_n_classes (ds) ||
        g_strcmp0 (fathom_dataset_get_class_name (photos, c), fathom_dataset_get_class_name (ds, c)) != 0)
      {
        g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                     "The corpus %s and the dataset %s have different classes (%u and %u)",
                     fathom_dataset_get_root (photos), fathom_dataset_get_root (ds),
                     fathom_dataset_get_n_classes (photos), fathom_dataset_get_n_classes (ds));
        return FALSE;
      }
  graph = new_graph (r.height, r.width, TRUE, fathom_dataset_get_n_classes (photos), error);
  if (graph == NULL || !fathom_graph_build (graph, backend, o->seed, error))
    return FALSE;

  source = photo_source (photos, o, items, &r);
  train = fathom_image_source_get_batch_source (source);

  fathom_train_config_init (&cfg);
  cfg.epochs = r.epochs;
  cfg.batch_size = o->batch_size;
  cfg.seed = o->seed;
  cfg.checkpoint_every = 0;
  cfg.n_lr_changes = r.epochs > 1 ? 2 : 1;
  cfg.lr_epoch[0] = 0;
  cfg.lr[0] = o->lr;
  cfg.lr_epoch[1] = r.epochs - 1;
  cfg.lr[1] = o->lr / 10;
  opt = fathom_optimizer_new_adam (o->lr);
  if (!fathom_trainer_fit (graph, opt, &cfg, &train, NULL, NULL, relabel_progress, &relabel,
                           cancellable, &res, error))
    return FALSE;

  g_hash_table_insert (meta, (char *) "mini_key", g_strdup (key));
  g_hash_table_insert (meta, (char *) "backbone", g_strdup ("mini"));
  g_hash_table_insert (meta, (char *) "train_accuracy", g_strdup_printf ("%.4f", res.train_accuracy));
  g_hash_table_insert (meta, (char *) "epochs", g_strdup_printf ("%u", r.epochs));
  g_hash_table_insert (meta, (char *) "pretrain_size", g_strdup_printf ("%dx%d", r.height, r.width));
  if (corpus != NULL)
    {
      g_hash_table_insert (meta, (char *) "trained_on", g_strdup_printf ("%u photos of the fishsim corpus %s",
                                                                          items->len, fathom_dataset_get_root (corpus)));
      g_hash_table_insert (meta, (char *) "note", g_strdup ("A stand-in for ImageNet pretraining: trained on a "
                                                              "fishsim corpus of the dataset's fleet, in which "
                                                              "the boat says nothing of the fish, then frozen"));
    }
  else
    {
      g_hash_table_insert (meta, (char *) "trained_on", g_strdup_printf ("%u training images of %s",
                                                                          items->len, fathom_dataset_get_root (ds)));
      g_hash_table_insert (meta, (char *) "note", g_strdup ("A stand-in for ImageNet pretraining: trained on this "
                                                              "dataset's training split only, then frozen"));
    }
  /* scored at the features' size by a classifier built at that size from
   * the saved weights, for ds's split; the unscored file is never taken
   * for the cache's */
  ok = fathom_checkpoint_save (graph, unscored, meta, error) &&
       fathom_mini_backbone_score (unscored, ds, o, &accuracy, &n_valid, error);
  if (ok && n_valid > 0)
    {
      g_hash_table_insert (meta, (char *) "valid_accuracy", g_strdup_printf ("%.4f", accuracy));
      g_hash_table_insert (meta, (char *) "valid_images", g_strdup_printf ("%u", n_valid));
      g_hash_table_insert (meta, (char *) "valid_dataset", g_strdup (fathom_dataset_get_fingerprint (ds)));
    }
  ok = ok && fathom_checkpoint_save (graph, path, meta, error);
  if (g_unlink (unscored) != 0 && errno != ENOENT)
    g_debug ("Cannot remove %s: %s", unscored, g_strerror (errno));
  return ok;
}

char *
fathom_mini_backbone_ensure (FathomDataset *ds, const FathomMiniOptions *options,
                             FathomTrainProgressFunc progress, gpointer user_data,
                             GCancellable *cancellable, gboolean *trained, GError **error)
{
  g_autoptr(FathomDataset) corpus = NULL;
  g_autofree char *key = NULL, *sha = NULL, *name = NULL, *path = NULL;

  if (trained != NULL)
    *trained = FALSE;
  if (!fathom_mini_corpus_ensure (ds, options->corpus_images, options->cache_dir, options->n_threads,
                                  progress, user_data, cancellable, &corpus, error))
    return NULL;
  key = cache_key (ds, corpus, options);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  name = g_strdup_printf ("mini-%s.safetensors", sha);
  path = g_build_filename (options->cache_dir, name, NULL);
  if (cached_matches (path, key))
    return g_steal_pointer (&path);
  if (g_mkdir_with_parents (options->cache_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the cache folder %s: %s", options->cache_dir, g_strerror (saved));
      return NULL;
    }
  if (!pretrain (ds, corpus, options, path, key, progress, user_data, cancellable, error))
    return NULL;
  if (trained != NULL)
    *trained = TRUE;
  return g_steal_pointer (&path);
}

FathomGraph *
fathom_mini_backbone_load (const char *path, gint64 height, gint64 width, FathomBackend *backend,
                           GError **error)
{
  g_autoptr(FathomGraph) graph = fathom_mini_backbone_new (height, width, error);

  /* The pretraining head's tensors are in the file too: ignored. */
  if (graph == NULL || !fathom_graph_build (graph, backend, 0, error) ||
      !fathom_checkpoint_load (graph, path, TRUE, error))
    return NULL;
  return g_steal_pointer (&graph);
}

char *
fathom_mini_backbone_describe (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomSafetensors) st = fathom_safetensors_load (path, &error);
  const char *on, *epochs, *size;

  if (st == NULL)
    {
      g_debug ("mini backbone %s: %s", path, error->message);
      return NULL;
    }
  on = fathom_safetensors_get_metadata (st, "trained_on");
  epochs = fathom_safetensors_get_metadata (st, "epochs");
  size = fathom_safetensors_get_metadata (st, "pretrain_size");
  if (on == NULL || epochs == NULL || size == NULL)
    return NULL;
  return g_strdup_printf ("trained %s epoch%s at %s on %s", epochs, g_str_equal (epochs, "1") ? "" : "s", size, on);
}

gboolean
fathom_mini_backbone_get_valid_accuracy (const char *path, FathomDataset *ds, double *accuracy, guint *n_images)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomSafetensors) st = fathom_safetensors_load (path, &error);
  const char *acc, *n;
  char *end;
  double a;
  guint64 count;

  if (st == NULL)
    {
      g_debug ("mini backbone %s: %s", path, error->message);
      return FALSE;
    }
  acc = fathom_safetensors_get_metadata (st, "valid_accuracy");
  n = fathom_safetensors_get_metadata (st, "valid_images");
  if (acc == NULL || n == NULL ||
      g_strcmp0 (fathom_safetensors_get_metadata (st, "valid_dataset"), fathom_dataset_get_fingerprint (ds)) != 0)
    return FALSE;
  a = g_ascii_strtod (acc, &end);
  if (*end != '\0' || !(a >= 0.0 && a <= 1.0) ||
      !g_ascii_string_to_unsigned (n, 10, 1, G_MAXUINT, &count, NULL))
    return FALSE;
  *accuracy = a;
  *n_images = (guint) count;
  return TRUE;
}
