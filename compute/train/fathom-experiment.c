/* fathom-experiment.c: the lesson's presets and the runner: dataset ->
 * backbone -> cached features -> head -> run folder. */
#include "fathom-experiment-private.h"
#include "fathom-backend-registry.h"
#include "fathom-checkpoint.h"
#include "fathom-features.h"
#include "fathom-optimizer.h"

#include <math.h>
#include <string.h>

static const FathomExperimentPreset presets[] = {
  { "vgg-finetune", "A", "Dense(8) on the frozen VGG16BN (with its dense top) at 224",
    "val acc .722/.826/.862, 87 s/epoch", 1, 1, 224, 224, 3, 0, 1e-3f, 1e-3f, 64, TRUE, FALSE, FALSE, NULL },
  { "dense-head", "B", "MaxPool, BN, dropout, Dense 512 x2 with BN, Dense 8 on the conv features",
    "val acc .872/.948/.974, later .988", 14, 14, 224, 224, 3, 7, 1e-3f, 1e-4f, 64, TRUE, FALSE, FALSE, NULL },
  { "multi-input", "C", "B's trunk plus the image-size one-hot through BN, concatenated (the leak)",
    "val acc .886/.960/.974 (about 97.5%, no lasting gain)", 14, 14, 224, 224, 3, 0, 1e-3f, 1e-3f, 64,
    TRUE, FALSE, FALSE, NULL },
  { "leak-size-only", "-", "the image-size one-hot alone: BN, Dense 8, softmax (how much the boat tells)",
    "not in the lesson; the notes: the size identifies the boat", 0, 0, 0, 0, 30, 0, 1e-2f, 1e-2f, 16,
    FALSE, FALSE, FALSE, NULL },
  { "bbox", "D", "B's trunk with a box output (0.001 x MSE, [h, w, x, y] at the input) and a class output",
    "class val acc up to .986; bb val MSE 3419 to 250 (224-px units)", 14, 14, 224, 224, 3, 10, 1e-3f, 1e-5f,
    64, TRUE, TRUE, FALSE, NULL },
  { "fcn", "F", "fully convolutional head with max-pools; 5x5 class maps",
    "val acc .976, val loss .0976", 22, 40, 360, 640, 2, 6, 1e-3f, 1e-5f, 64, TRUE, FALSE, TRUE, NULL, 3, 1 },
  { "allconv", "G", "F without pools or dropout: 22x40 class maps for heatmaps",
    "val acc .952", 22, 40, 360, 640, 2, 6, 1e-3f, 1e-5f, 64, TRUE, FALSE, TRUE, NULL },
  { "inception", "H", "three Inception blocks, dropout .75, class maps, GAP",
    "val acc .958", 22, 40, 360, 640, 2, 6, 1e-3f, 1e-5f, 64, TRUE, FALSE, TRUE, NULL },
  { "resnet-dense", "-", "ResNet50 features of class-folder photos (e.g. cats and dogs): BN, Flatten, Dense 512, Dense",
    "98.6% val acc in 48 s", 7, 7, 224, 224, 3, 0, 1e-3f, 1e-3f, 64, TRUE, FALSE, FALSE, NULL },
  { "resnet-gap", "-", "ResNet50 features of class-folder photos at any size: global average pooling, Dense",
    "98.75% in 3 s; 99.3% at 400x400", 7, 7, 224, 224, 3, 0, 1e-3f, 1e-3f, 64, TRUE, FALSE, FALSE, NULL },
};

static const char *const preset_names[] = {
  "vgg-finetune", "dense-head", "multi-input", "leak-size-only", "bbox", "fcn", "allconv", "inception",
  "resnet-dense", "resnet-gap", NULL,
};

const char *const *
fathom_experiment_list (void)
{
  return preset_names;
}

const FathomExperimentPreset *
fathom_experiment_find (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (presets[i].name, name) == 0)
      return &presets[i];
  return NULL;
}

void
fathom_experiment_config_init (FathomExperimentConfig *config)
{
  *config = (FathomExperimentConfig) {
    .device = "cpu",
    .split = FATHOM_SPLIT_MODE_RANDOM,
    .bbox_weight = -1,
    .mini_corpus = -1,
    .copies = -1,
  };
}

static gboolean
is_cancel (const GError *error)
{
  return error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static const char *
split_name (FathomSplitMode mode)
{
  return mode == FATHOM_SPLIT_MODE_BY_SIZE ? "by-size" : mode == FATHOM_SPLIT_MODE_STRATIFIED ? "stratified" : "random";
}

typedef struct {
  const FathomExperimentConfig *config;
  const FathomExperimentPreset *preset;
  const char                   *backbone;
  int                           width, height;      /* the backbone's input */
  guint                         first, later;       /* epochs per phase */
  guint                         copies;             /* of each training photo's features */
  float                         lr_first, lr_later;
  guint                         batch_size;
  float                         bbox_weight;
  FathomBoxHead                 box_head;
  const char                   *resume_from;       /* an epoch checkpoint, or NULL */
} Plan;

/* vgg-finetune trains on VGG16BN's 4096-vector, which only the course's
 * whole model gives; that vector suits no other head. */
static gboolean
check_vgg16bn (const FathomExperimentPreset *preset, const FathomExperimentConfig *c, GError **error)
{
  gboolean finetune = g_str_equal (preset->name, "vgg-finetune");

  if (finetune && c->weights == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s (%s) needs the course's vgg16_bn.h5 (--weights FILE: the Keras HDF5 file of the whole "
                   "VGG16BN, with its dense top): it fine-tunes that model's last layer, which the mini "
                   "backbone does not have; dense-head (B) trains a head on conv features without it",
                   preset->name, preset->letter);
      return FALSE;
    }
  if (finetune && c->backbone != NULL && !g_str_equal (c->backbone, "vgg16bn") && !g_str_equal (c->backbone, "vgg16"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s (%s) runs on VGG16BN (backbone vgg16bn), not %s", preset->name, preset->letter, c->backbone);
      return FALSE;
    }
  if (!finetune && g_strcmp0 (c->backbone, "vgg16bn") == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The vgg16bn backbone gives 4096-vectors, which only vgg-finetune takes; %s needs conv "
                   "features (vgg16, resnet50 or mini)", preset->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
make_plan (Plan *p, const FathomExperimentConfig *c, GError **error)
{
  const FathomExperimentPreset *preset = fathom_experiment_find (c->experiment);

  if (preset == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) preset_names);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Unknown experiment “%s” (known: %s)",
                   c->experiment, known);
      return FALSE;
    }
  if (preset->unavailable != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s (%s) cannot run yet: %s",
                   preset->name, preset->letter, preset->unavailable);
      return FALSE;
    }
  if (!check_vgg16bn (preset, c, error))
    return FALSE;
  p->config = c;
  p->preset = preset;
  p->resume_from = NULL;
  /* with weights: the lesson's backbone for the experiment (vgg-finetune
   * takes "vgg16" as VGG16 with its BN top) */
  p->backbone = g_str_equal (preset->name, "vgg-finetune") ? "vgg16bn"
                : c->backbone != NULL ? c->backbone
                : c->weights == NULL ? "mini"
                : g_str_has_prefix (preset->name, "resnet") ? "resnet50" : "vgg16";
  if (c->width > 0 && c->height > 0)
    {
      p->width = c->width;
      p->height = c->height;
    }
  else if (g_str_equal (p->backbone, "mini"))
    {
      p->width = preset->feature_width * FATHOM_MINI_STRIDE;
      p->height = preset->feature_height * FATHOM_MINI_STRIDE;
    }
  else
    {
      p->width = preset->lesson_width;
      p->height = preset->lesson_height;
    }
  p->copies = !preset->needs_features ? 0 : c->copies >= 0 ? (guint) c->copies : preset->copies;
  p->first = preset->epochs_first;
  p->later = p->copies > 0 && preset->copies_epochs_later > 0 ? preset->copies_epochs_later : preset->epochs_later;
  if (c->epochs > 0)
    {
      p->first = MIN (c->epochs, preset->epochs_first);
      p->later = c->epochs - p->first;
    }
  p->lr_first = c->lr > 0 ? (float) c->lr : preset->lr_first;
  /* the later rate keeps the lesson's ratio to the first */
  p->lr_later = c->keras1_lr ? p->lr_first
                : c->lr_later > 0 ? (float) c->lr_later
                : p->lr_first * (preset->lr_later / preset->lr_first);
  p->batch_size = c->batch_size > 0 ? c->batch_size : preset->batch_size;
  p->bbox_weight = c->bbox_weight >= 0 ? (float) c->bbox_weight : 0.001f;
  p->box_head = FATHOM_BOX_HEAD_ATTENTION;
  if (c->box_head != NULL && !fathom_box_head_from_string (c->box_head, &p->box_head))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Unknown box head “%s” (attention or dense)", c->box_head);
      return FALSE;
    }
  return TRUE;
}

gboolean
fathom_experiment_check (const FathomExperimentConfig *config, GError **error)
{
  Plan plan;

  g_return_val_if_fail (config != NULL, FALSE);
  return make_plan (&plan, config, error);
}

/* bbox's attention head lends its class output the fish's features
 * (FathomHeadOptions.class_reads_box): on the default data, seeds 0 to 2,
 * class accuracy 0.784, 0.764 and 0.764 against 0.739, 0.749 and 0.749
 * without, the IoU the same to the last digit. */
static gboolean
class_reads_box (const Plan *p)
{
  return p->preset->has_bbox && p->box_head == FATHOM_BOX_HEAD_ATTENTION;
}

static void
describe_run (FathomRun *run, const Plan *p, FathomDataset *ds)
{
  const FathomExperimentConfig *c = p->config;
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed);
  g_autofree char *lr_note = NULL;

  fathom_run_set_info (run, "device", c->device);
  fathom_run_set_info (run, "seed", seed);
  fathom_run_set_info (run, "dataset_fingerprint", fathom_dataset_get_fingerprint (ds));
  fathom_run_set_info_path (run, "dataset", fathom_dataset_get_root (ds));
  fathom_run_set_info (run, "lesson_experiment", p->preset->letter);
  fathom_run_set_info (run, "lesson_published", p->preset->published);
  fathom_run_set_info (run, "description", p->preset->description);
  if (p->later > 0)
    {
      lr_note = g_strdup_printf ("%u epochs at %g, then %u at %g%s. In Keras 1, assigning "
                                 "model.optimizer.lr after compiling most likely never took effect, "
                                 "so the lesson's later epochs probably ran at the first rate",
                                 p->first, (double) p->lr_first, p->later, (double) p->lr_later,
                                 c->keras1_lr ? " (keras1_lr: kept the first rate, as Keras 1 did)" : "");
      fathom_run_set_info (run, "lr_note", lr_note);
    }
  fathom_run_set_config_string (run, "experiment", p->preset->name);
  fathom_run_set_config_int (run, "seed", (gint64) c->seed);
  fathom_run_set_config_int (run, "epochs", p->first + p->later);
  fathom_run_set_config_int (run, "epochs_first", p->first);
  fathom_run_set_config_int (run, "epochs_later", p->later);
  fathom_run_set_config_double (run, "lr", p->lr_first);
  fathom_run_set_config_double (run, "lr_later", p->lr_later);
  fathom_run_set_config_string (run, "optimizer", "adam");
  fathom_run_set_config_int (run, "batch_size", p->batch_size);
  fathom_run_set_config_int (run, "copies", p->copies);
  if (p->preset->has_bbox)
    fathom_run_set_config_int (run, "class_reads_box", class_reads_box (p));
  if (p->copies > 0)
    {
      g_autofree char *note = g_strdup_printf ("the head also trained on %u copies of each training photo's "
                                               "features, the photo mirrored at random and recoloured, so each "
                                               "epoch showed every training photo %u times", p->copies,
                                               p->copies + 1);
      fathom_run_set_info (run, "copies_note", note);
    }
  if (c->patience > 0)
    fathom_run_set_config_int (run, "patience", c->patience);
  fathom_run_set_config_string (run, "split", split_name (c->split));
  fathom_run_set_config_int (run, "split_seed", (gint64) c->split_seed);
  fathom_run_set_config_int (run, "train_images", fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, -1));
  fathom_run_set_config_int (run, "valid_images", fathom_dataset_count (ds, FATHOM_SPLIT_VALID, -1));
  if (p->preset->needs_features)
    {
      fathom_run_set_config_string (run, "backbone", p->backbone);
      fathom_run_set_config_int (run, "input_width", p->width);
      fathom_run_set_config_int (run, "input_height", p->height);
    }
  if (p->preset->has_bbox)
    {
      fathom_run_set_config_double (run, "bbox_weight", p->bbox_weight);
      fathom_run_set_config_string (run, "box_head", fathom_box_head_to_string (p->box_head));
    }
}

static FathomGraph *
make_graph (const Plan *p, FathomDataset *ds, FathomFeatureReader *reader, GError **error)
{
  gint64 c = 0, h = 0, w = 0;

  if (reader != NULL)
    {
      c = fathom_feature_reader_get_channels (reader);
      h = fathom_feature_reader_get_height (reader);
      w = fathom_feature_reader_get_width (reader);
    }
  return fathom_exp_graph_new (p->preset, fathom_dataset_get_n_classes (ds), fathom_dataset_get_n_size_features (ds),
                               c, h, w, p->bbox_weight, p->box_head, class_reads_box (p), error);
}

/* The head's weights and what fathom-predictor.h needs to use them on any
 * photo: the classes, the backbone and its input, the preprocessing, the
 * training sizes of the size one-hot. The mini trunk is copied beside it
 * (it is small and the cache may be cleared); pretrained weights are
 * named by their path. */
static gboolean
save_model (FathomGraph *graph, FathomRun *run, const Plan *p, FathomDataset *ds,
            const FathomFeaturesReport *report, GError **error)
{
  g_autofree char *path = fathom_run_get_path (run, "checkpoints/model.safetensors");
  g_autoptr(GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GString) classes = g_string_new (NULL);
  g_autoptr(GString) sizes = g_string_new (NULL);
  g_autoptr(GArray) train_sizes = fathom_dataset_list_sizes (ds, FATHOM_SPLIT_TRAIN);
  const char *weights = "none";

  for (guint c = 0; c < fathom_dataset_get_n_classes (ds); c++)
    g_string_append_printf (classes, "%s%s", c ? "," : "", fathom_dataset_get_class_name (ds, c));
  for (guint i = 0; i < train_sizes->len; i++)
    {
      const FathomImageSize *sz = &g_array_index (train_sizes, FathomImageSize, i);
      g_string_append_printf (sizes, "%s%dx%d", i ? "," : "", sz->width, sz->height);
    }
  if (p->preset->needs_features && g_str_equal (p->backbone, "mini"))
    {
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_get_contents (report->weights_path, &contents, &length, error) ||
          !fathom_run_write_file (run, "checkpoints/backbone.safetensors", contents, (gssize) length, error))
        return FALSE;
      weights = "backbone.safetensors";
    }
  else if (p->preset->needs_features)
    weights = report->weights_path;
  g_hash_table_insert (meta, (char *) "experiment", g_strdup (p->preset->name));
  g_hash_table_insert (meta, (char *) "classes", g_strdup (classes->str));
  g_hash_table_insert (meta, (char *) "backbone", g_strdup (p->preset->needs_features ? p->backbone : "none"));
  g_hash_table_insert (meta, (char *) "backbone_weights", g_strdup (weights));
  g_hash_table_insert (meta, (char *) "preprocessing", g_strdup (fathom_input_norm_to_string (report->norm)));
  g_hash_table_insert (meta, (char *) "input_width", g_strdup_printf ("%d", p->width));
  g_hash_table_insert (meta, (char *) "input_height", g_strdup_printf ("%d", p->height));
  g_hash_table_insert (meta, (char *) "n_sizes", g_strdup_printf ("%u", fathom_dataset_get_n_size_features (ds)));
  g_hash_table_insert (meta, (char *) "sizes", g_strdup (sizes->str));
  if (p->preset->has_bbox)
    {
      g_hash_table_insert (meta, (char *) "box_head", g_strdup (fathom_box_head_to_string (p->box_head)));
      g_hash_table_insert (meta, (char *) "class_reads_box", g_strdup (class_reads_box (p) ? "yes" : "no"));
    }
  return fathom_checkpoint_save (graph, path, meta, error);
}

/* The lesson's box output starts at zero, 100 or more pixels from every
 * box, and Adam's steps of 1e-3 take many epochs to cross that; starting
 * its bias at the training boxes' mean [h, w, x, y] leaves only each
 * photo's difference from the mean to learn. That difference is tens of
 * pixels, made from unit-scale features by steps of about the rate: the
 * box layer's rate is scaled by the boxes' spread (in pixels), so that it
 * learns in pixels at the pace the class output learns in logits. The
 * loss stays the lesson's weighted MSE in pixels. The attention head's
 * per-cell offsets and sizes start at no offset and the mean size, at the
 * same scaled rate, and its fixed read-out gets the cells' centres. */
static gboolean
init_box_output (FathomGraph *graph, FathomDataset *ds, const Plan *p, FathomRun *run, float mean[4],
                 GError **error)
{
  gboolean attention = p->box_head == FATHOM_BOX_HEAD_ATTENTION;
  FathomLayer *bb = fathom_graph_find_layer (graph, attention ? "bb_cells" : "bb");
  FathomParam *bias = bb != NULL ? fathom_layer_find_param (bb, "bias") : NULL;
  double sum[4] = { 0 }, sq[4] = { 0 }, var = 0;
  float box[4], spread, start[4];
  guint n = 0;
  g_autofree char *note = NULL;

  memset (mean, 0, 4 * sizeof (float));
  if (attention && !fathom_head_init_box_readout (graph, p->height, p->width, error))
    return FALSE;
  if (bias == NULL)
    return TRUE;
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (ds, i);

      if (item->split != FATHOM_SPLIT_TRAIN || !item->has_box)
        continue;
      fathom_exp_item_box (ds, i, p->width, p->height, box);
      for (int j = 0; j < 4; j++)
        {
          sum[j] += box[j];
          sq[j] += (double) box[j] * box[j];
        }
      n++;
    }
  if (n == 0)
    return TRUE;
  for (int j = 0; j < 4; j++)
    {
      mean[j] = (float) (sum[j] / n);
      var += MAX (sq[j] / n - (double) mean[j] * mean[j], 0.0) / 4;
    }
  spread = (float) MAX (sqrt (var), 1.0);
  fathom_layer_set_lr_scale (bb, spread);
  if (attention)
    {
      /* (dx, dy, h, w) of every cell */
      float cell[4] = { 0.f, 0.f, mean[0], mean[1] };

      memcpy (start, cell, sizeof start);
      note = g_strdup_printf ("the attention box head: a softmax over the feature cells picks where the fish is, "
                              "each cell gives the offset to its fish's centre and the fish's size, starting at "
                              "no offset and the mean size of the %u training boxes, [h, w] = [%.1f, %.1f], at "
                              "%.1f times the others' rate (the boxes' spread in pixels); photos without a box "
                              "aim at the mean box [h, w, x, y] = [%.1f, %.1f, %.1f, %.1f]", n,
                              (double) mean[0], (double) mean[1], (double) spread, (double) mean[0],
                              (double) mean[1], (double) mean[2], (double) mean[3]);
      fathom_run_set_info (run, "class_note", "the class output reads B's dense trunk and the box head's features "
                                              "where it looks (the fish), the latter through a stop-gradient: the "
                                              "class loss does not train the box head");
    }
  else
    {
      memcpy (start, mean, sizeof start);
      note = g_strdup_printf ("the box output's bias starts at the mean of the %u training boxes, [h, w, x, y] = "
                              "[%.1f, %.1f, %.1f, %.1f] (the lesson started it at zero), its rate is %.1f times "
                              "the others' (the boxes' spread in pixels), and that mean is the target of photos "
                              "without a box (the lesson's was [0, 0, 0, 0])", n, (double) mean[0],
                              (double) mean[1], (double) mean[2], (double) mean[3], (double) spread);
    }
  fathom_run_set_info (run, "bbox_init", note);
  return fathom_backend_upload (fathom_graph_get_backend (graph), bias->value, start, error);
}

/* A resumed run must be the one started: same experiment, the options
 * that decide its batches and its schedule, and a bbox whose class output
 * reads the fish (a run from before that does not say so, and its
 * checkpoints would not fit the model). */
static gboolean
check_resumable (FathomRunInfo *info, const Plan *p, GError **error)
{
  const FathomRunSetting same[] = {
    { "seed", (gint64) p->config->seed },
    { "batch_size", p->batch_size },
    { "epochs", p->first + p->later },
    { "copies", p->copies },
    { "class_reads_box", TRUE },        /* last: checked only where it holds */
  };
  guint n = G_N_ELEMENTS (same);

  if (!class_reads_box (p))
    n--;
  return fathom_run_info_check_resumable (info, p->config->run_dir, p->preset->name, same, n, error);
}

/* Features (backbone and cache), the head's fit, the final evaluation. */
static gboolean
run_stages (const Plan *p, FathomDataset *ds, FathomRun *run, FathomTrainProgressFunc progress,
            gpointer user_data, GCancellable *cancellable, FathomExperimentResult *res, GError **error)
{
  const FathomExperimentConfig *c = p->config;
  g_autoptr(FathomFeatureReader) reader = NULL;
  g_autoptr(FathomBackend) backend = NULL;
  g_autoptr(FathomGraph) graph = NULL;
  g_autoptr(FathomOptimizer) opt = NULL;
  FathomExpSource train_src = { 0 }, valid_src = { 0 };
  FathomBatchSource train, valid;
  FathomTrainConfig cfg;
  FathomTrainResult tr;
  g_auto(FathomFeaturesReport) report = { 0 };
  gint64 row = 0, t_fit;
  float no_box[4] = { 0 };
  gboolean ok;

  if (p->preset->needs_features)
    {
      FathomFeaturesOptions fo;
      g_autofree char *default_cache = fathom_features_default_cache_dir ();
      g_autofree char *path = NULL, *shape = NULL;
      gint64 t0 = g_get_monotonic_time ();

      fathom_features_options_init (&fo);
      fo.backbone = p->backbone;
      fo.weights = c->weights;
      fo.width = p->width;
      fo.height = p->height;
      fo.device = c->device;
      fo.n_threads = c->n_threads;
      fo.cache_dir = c->cache_dir != NULL ? c->cache_dir : default_cache;
      fo.mini.seed = c->seed;
      if (c->mini_epochs > 0)
        fo.mini.epochs = c->mini_epochs;
      if (c->mini_corpus >= 0)
        fo.mini.corpus_images = (guint) c->mini_corpus;
      fo.copies = p->copies;
      fo.copies_seed = c->seed;
      path = fathom_features_ensure (ds, &fo, progress, user_data, cancellable, &report, error);
      if (path == NULL)
        return FALSE;
      res->features_computed = report.computed;
      res->backbone_trained = report.pretrained;
      fathom_run_set_info (run, "backbone_note", report.description);
      if (isfinite (report.backbone_valid_accuracy))
        fathom_run_set_final (run, "backbone_val_accuracy", report.backbone_valid_accuracy);
      reader = fathom_feature_reader_open (path, error);
      if (reader == NULL)
        return FALSE;
      shape = g_strdup_printf ("%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
                               fathom_feature_reader_get_channels (reader), fathom_feature_reader_get_height (reader),
                               fathom_feature_reader_get_width (reader));
      fathom_run_set_info_path (run, "features", path);
      fathom_run_set_info (run, "features_from_cache", res->features_computed ? "no" : "yes");
      fathom_run_set_config_string (run, "feature_shape", shape);
      {
        g_autofree char *secs = g_strdup_printf ("%.1f", (g_get_monotonic_time () - t0) / 1e6);
        fathom_run_set_info (run, "seconds_backbone_and_features", secs);
      }
    }

  backend = fathom_backend_new_by_name (c->device, error);
  if (backend == NULL)
    return FALSE;
  graph = make_graph (p, ds, reader, error);
  if (graph == NULL)
    return FALSE;
  /* Keras clips the probabilities in its cross-entropy */
  fathom_graph_set_cross_entropy_clip (graph, 1e-7f);
  if (!fathom_graph_build (graph, backend, c->seed, error) ||
      (p->preset->has_bbox && !init_box_output (graph, ds, p, run, no_box, error)))
    return FALSE;

  /* the cache's rows are the labelled images in path order */
  fathom_exp_source_init (&train_src, ds, reader, graph, p->width, p->height);
  fathom_exp_source_init (&valid_src, ds, reader, graph, p->width, p->height);
  memcpy (train_src.no_box, no_box, sizeof no_box);
  memcpy (valid_src.no_box, no_box, sizeof no_box);
  if (!p->preset->needs_features)
    {
      train_src.size_dropout = TRUE;
      fathom_run_set_info (run, "size_dropout", "one training photo in ten hides its size, so that the model "
                                                "learns what to say of a boat it has not seen: the training prior");
    }
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    {
      FathomSplit split = fathom_dataset_get_item (ds, i)->split;

      if (split == FATHOM_SPLIT_TEST)
        continue;
      fathom_exp_source_add (split == FATHOM_SPLIT_TRAIN ? &train_src : &valid_src, i, reader ? row : -1);
      row++;
    }
  res->n_train = train_src.items->len;
  /* then the copies of the training photos, copy by copy */
  for (guint k = 0; reader != NULL && k < p->copies; k++)
    for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
      if (fathom_dataset_get_item (ds, i)->split == FATHOM_SPLIT_TRAIN)
        fathom_exp_source_add (&train_src, i, row++);
  if (reader != NULL && row != fathom_feature_reader_get_n (reader))
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "The feature file %s has %" G_GINT64_FORMAT " rows, not the %" G_GINT64_FORMAT
                   " of the labelled images and their %u copies", fathom_feature_reader_get_path (reader),
                   fathom_feature_reader_get_n (reader), row, p->copies);
      fathom_exp_source_clear (&train_src);
      fathom_exp_source_clear (&valid_src);
      return FALSE;
    }
  train = fathom_exp_source_get (&train_src);
  valid = fathom_exp_source_get (&valid_src);

  fathom_train_config_init (&cfg);
  cfg.epochs = p->first + p->later;
  cfg.batch_size = p->batch_size;
  cfg.seed = c->seed;
  cfg.n_lr_changes = p->later > 0 ? 2 : 1;
  cfg.lr_epoch[0] = 0;
  cfg.lr[0] = p->lr_first;
  cfg.lr_epoch[1] = p->first;
  cfg.lr[1] = p->lr_later;
  cfg.patience = c->patience;
  cfg.resume_from = p->resume_from;
  opt = fathom_optimizer_new_adam (p->lr_first);

  t_fit = g_get_monotonic_time ();
  ok = fathom_trainer_fit (graph, opt, &cfg, &train, &valid, run, progress, user_data, cancellable, &tr, error);
  res->epochs_done = tr.epochs_done;
  res->train_loss = tr.train_loss;
  res->train_accuracy = tr.train_accuracy;
  res->val_loss = tr.val_loss;
  res->val_accuracy = tr.val_accuracy;
  if (ok)
    ok = fathom_exp_evaluate (graph, p->preset, &valid_src, run, p->batch_size, res, error) &&
         save_model (graph, run, p, ds, &report, error);
  res->fit_seconds = (g_get_monotonic_time () - t_fit) / 1e6;
  {
    g_autofree char *secs = g_strdup_printf ("%.1f", res->fit_seconds);
    fathom_run_set_info (run, "seconds_fit", secs);
  }
  fathom_exp_source_clear (&train_src);
  fathom_exp_source_clear (&valid_src);
  return ok;
}

gboolean
fathom_experiment_run (const FathomExperimentConfig *config, FathomTrainProgressFunc progress,
                       gpointer user_data, GCancellable *cancellable, FathomExperimentResult *result,
                       GError **error)
{
  FathomExperimentResult res = { NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
  FathomDatasetOptions dso;
  g_autoptr(FathomDataset) ds = NULL;
  g_autoptr(FathomRun) run = NULL;
  GError *stage_error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autofree char *resume_from = NULL;
  Plan plan;
  gboolean ok;

  if (result != NULL)
    *result = res;
  if (!make_plan (&plan, config, error))
    return FALSE;
  fathom_dataset_options_init (&dso);
  dso.mode = config->split;
  if (config->valid_fraction > 0)
    dso.valid_fraction = config->valid_fraction;
  dso.seed = config->split_seed;
  dso.n_threads = config->n_threads;
  ds = fathom_dataset_load (config->data_dir, &dso, error);
  if (ds == NULL)
    return FALSE;
  if (fathom_dataset_get_n_classes (ds) == 0 || fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, -1) == 0 ||
      fathom_dataset_count (ds, FATHOM_SPLIT_VALID, -1) == 0)
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "%s needs labelled training and validation images (train/<class>/ folders)",
                   config->data_dir);
      return FALSE;
    }
  if (config->resume)
    {
      g_autoptr(FathomRunInfo) info = fathom_run_info_load (config->run_dir, error);
      g_autofree char *note = NULL;
      guint epoch;

      if (info == NULL || !check_resumable (info, &plan, error))
        return FALSE;
      run = fathom_run_resume (config->run_dir, error);
      if (run == NULL)
        return FALSE;
      resume_from = fathom_run_find_last_checkpoint (config->run_dir, &epoch);
      plan.resume_from = resume_from;
      /* rows of an epoch cut short are redone */
      fathom_run_truncate_rows (run, epoch);
      note = epoch > 0 ? g_strdup_printf ("resumed after epoch %u from %s", epoch, resume_from)
                       : g_strdup ("resumed from the start: no epoch had finished");
      fathom_run_set_info (run, "resumed", note);
    }
  else
    run = fathom_run_new (config->run_dir, plan.preset->name, config->overwrite, error);
  if (run == NULL)
    return FALSE;
  describe_run (run, &plan, ds);
  if (!fathom_run_save (run, error))
    return FALSE;

  ok = run_stages (&plan, ds, run, progress, user_data, cancellable, &res, &stage_error);
  res.seconds = (g_get_monotonic_time () - t0) / 1e6;
  if (result != NULL)
    *result = res;
  if (ok)
    {
      /* the trainer's word on how the fit ended (an early stop) stays */
      g_autofree char *how = g_strdup (fathom_run_get_message (run));

      fathom_run_set_status (run, "finished", how);
    }
  else if (is_cancel (stage_error))
    fathom_run_set_status (run, "stopped", "Stopped by the user");
  else
    fathom_run_set_status (run, "failed", stage_error->message);
  {
    g_autofree char *secs = g_strdup_printf ("%.1f", res.seconds);
    fathom_run_set_info (run, "seconds_total", secs);
  }
  if (!fathom_run_save (run, ok ? &stage_error : NULL))
    ok = FALSE;
  if (stage_error != NULL)
    g_propagate_error (error, stage_error);
  return ok;
}
