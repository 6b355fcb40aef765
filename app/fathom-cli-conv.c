/* fathom-cli-conv.c: fathom-cli features, train and leakage, the lesson's
 * convolutional experiments (fathom-experiment.h). */
#include "fathom-cli-private.h"
#include "fathom-experiment.h"
#include "fathom-features.h"
#include "fathom-fishsim.h"
#include "fathom-leakage.h"
#include "fathom-run.h"

#include <json-glib/json-glib.h>
#include <math.h>

/* ---- features, train, leakage: the lesson's convolutional experiments ---- */

typedef enum {
  CONV_FEATURES,
  CONV_TRAIN,
  CONV_LEAKAGE,
} ConvKind;

typedef struct {
  ConvKind                kind;
  FathomExperimentConfig  config;       /* train, leakage; features reads its fields too */
  FathomFeaturesOptions   features;     /* features */
  const char             *out;          /* features */
  gint64                  n_written;
  FathomExperimentResult  result;
  FathomLeakageRow        rows[FATHOM_LEAKAGE_N_ROWS];
  FathomCliProgress       progress;
} ConvJob;

/* features: every image of the dataset (train, valid, test) in path order. */
static gboolean
conv_features (ConvJob *job, GCancellable *cancellable, GError **error)
{
  FathomDatasetOptions dso;
  g_autoptr(FathomDataset) ds = NULL;
  g_autoptr(FathomFeatureExtractor) ex = NULL;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (guint));

  fathom_dataset_options_init (&dso);
  dso.mode = job->config.split;
  dso.seed = job->config.split_seed;
  if (job->config.valid_fraction > 0)
    dso.valid_fraction = job->config.valid_fraction;
  ds = fathom_dataset_load (job->config.data_dir, &dso, error);
  if (ds == NULL)
    return FALSE;
  ex = fathom_feature_extractor_new (ds, &job->features, fathom_cli_progress, &job->progress, cancellable, error);
  if (ex == NULL)
    return FALSE;
  g_printerr ("\r\033[KBackbone: %s\n", fathom_feature_extractor_describe (ex));
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    g_array_append_val (items, i);
  job->n_written = items->len;
  return fathom_feature_extractor_write (ex, (const guint *) items->data, items->len, job->out,
                                         fathom_cli_progress, &job->progress, cancellable, error);
}

static gboolean
conv_work (gpointer data, GCancellable *cancellable, GError **error)
{
  ConvJob *job = data;

  fathom_cli_progress_init (&job->progress, NULL, "img/s");
  switch (job->kind)
    {
    case CONV_FEATURES:
      return conv_features (job, cancellable, error);
    case CONV_TRAIN:
      return fathom_experiment_run (&job->config, fathom_cli_progress, &job->progress, cancellable, &job->result,
                                    error);
    case CONV_LEAKAGE:
      return fathom_leakage_run (&job->config, job->config.run_dir, fathom_cli_progress, &job->progress,
                                 cancellable, job->rows, error);
    }
  g_assert_not_reached ();
}

static gboolean
parse_size (const char *text, int *height, int *width)
{
  char *end = NULL;
  gint64 h, w;

  if (text == NULL)
    return TRUE;
  h = g_ascii_strtoll (text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  text = end + 1;
  w = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || h < 1 || w < 1 || h > 4096 || w > 4096)
    return FALSE;
  *height = (int) h;
  *width = (int) w;
  return TRUE;
}

static gboolean
parse_split (const char *text, FathomSplitMode *mode)
{
  if (text == NULL || g_str_equal (text, "random"))
    *mode = FATHOM_SPLIT_MODE_RANDOM;
  else if (g_str_equal (text, "stratified"))
    *mode = FATHOM_SPLIT_MODE_STRATIFIED;
  else if (g_str_equal (text, "by-size"))
    *mode = FATHOM_SPLIT_MODE_BY_SIZE;
  else
    return FALSE;
  return TRUE;
}

/* Options every convolutional command shares. */
typedef struct {
  char    *data, *run, *device, *weights, *backbone, *split, *size, *cache, *box_head;
  int      epochs, batch, mini_epochs, mini_corpus, copies, threads, patience;
  gint64   seed, split_seed;
  double   lr, lr_later, bbox_weight, valid_fraction;
  gboolean overwrite, keras1_lr, resume;
} ConvArgs;

static void
conv_args_clear (ConvArgs *a)
{
  g_free (a->data);
  g_free (a->run);
  g_free (a->device);
  g_free (a->weights);
  g_free (a->backbone);
  g_free (a->split);
  g_free (a->size);
  g_free (a->cache);
  g_free (a->box_head);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConvArgs, conv_args_clear)

static void
conv_add_entries (GOptionContext *context, ConvArgs *a, gboolean features)
{
  const GOptionEntry common[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &a->data, "Dataset folder (Kaggle fisheries layout)", "DIR" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &a->device, "cpu (default) or cuda", "DEVICE" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &a->seed, "Random seed: weights, shuffling, mini pretraining (default 0)", "S" },
    { "weights", 0, 0, G_OPTION_ARG_FILENAME, &a->weights, "Pretrained VGG16/ResNet50 weights (Keras HDF5 or torchvision safetensors)", "FILE" },
    { "backbone", 0, 0, G_OPTION_ARG_STRING, &a->backbone, "mini (default without --weights), vgg16, vgg16bn (vgg-finetune) or resnet50", "NAME" },
    { "split", 0, 0, G_OPTION_ARG_STRING, &a->split, "Validation split: random (default), stratified, by-size", "MODE" },
    { "split-seed", 0, 0, G_OPTION_ARG_INT64, &a->split_seed, "Seed of the split (default 0)", "S" },
    { "valid-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &a->valid_fraction, "Validation fraction (default 500/3777, the course's)", "F" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &a->size, "Backbone input as HEIGHTxWIDTH (default: the experiment's)", "HxW" },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &a->cache, "Feature and backbone cache (default ~/.cache/fathom)", "DIR" },
    { "mini-epochs", 0, 0, G_OPTION_ARG_INT, &a->mini_epochs, "Pretraining epochs of the mini backbone (default " G_STRINGIFY (FATHOM_MINI_CORPUS_EPOCHS) " on its corpus, " G_STRINGIFY (FATHOM_MINI_SPLIT_EPOCHS) " on a training split)", "N" },
    { "mini-corpus", 0, 0, G_OPTION_ARG_INT, &a->mini_corpus, "On fishsim data, photos of the corpus mini pretrains on (default " G_STRINGIFY (FATHOM_MINI_CORPUS_IMAGES) "; 0: the training split)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a->threads, "Photo-decoding threads (0: one per processor)", "T" },
    { NULL }
  };
  const GOptionEntry training[] = {
    { "run", 0, 0, G_OPTION_ARG_FILENAME, &a->run, "Run folder to write", "RUNDIR" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &a->epochs, "Epochs in all (default: the lesson's two phases)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &a->batch, "Batch size (default 64)", "B" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &a->lr, "First learning rate (default 1e-3, Adam)", "X" },
    { "lr-later", 0, 0, G_OPTION_ARG_DOUBLE, &a->lr_later, "Rate of the later phase (default: the lesson's, e.g. 1e-5 for fcn)", "X" },
    { "bbox-weight", 0, 0, G_OPTION_ARG_DOUBLE, &a->bbox_weight, "bbox: weight of the box MSE (default 0.001)", "W" },
    { "box-head", 0, 0, G_OPTION_ARG_STRING, &a->box_head, "bbox: attention (default: where the fish is, then its box) or dense (the lesson's Dense(4))", "NAME" },
    { "copies", 0, 0, G_OPTION_ARG_INT, &a->copies, "Mirrored and recoloured copies of each training photo's features the head also trains on (default: the experiment's, 3 for fcn)", "N" },
    { "patience", 0, 0, G_OPTION_ARG_INT, &a->patience, "Stop after N epochs without a better validation loss (default 0: never)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &a->resume, "Continue the stopped or interrupted run in RUNDIR from its last epoch (same options)", NULL },
    { "keras1-lr", 0, 0, G_OPTION_ARG_NONE, &a->keras1_lr, "Keep the first rate in the later phase, as Keras 1 most likely did", NULL },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &a->overwrite, "Replace a run already in RUNDIR", NULL },
    { NULL }
  };

  /* "not given", told apart from a 0 the user typed */
  a->bbox_weight = -1;
  a->epochs = a->batch = a->mini_epochs = a->mini_corpus = a->copies = -1;
  a->lr = a->lr_later = a->valid_fraction = FATHOM_CLI_NOT_GIVEN;
  g_option_context_add_main_entries (context, common, NULL);
  if (!features)
    g_option_context_add_main_entries (context, training, NULL);
}

/* Fills config from args; FALSE (after a message) on a bad value. */
static gboolean
conv_args_apply (const ConvArgs *a, FathomExperimentConfig *c)
{
  const struct { const char *name; int value; } counts[] = {
    { "--epochs", a->epochs }, { "--batch", a->batch }, { "--mini-epochs", a->mini_epochs },
  };
  const struct { const char *name; double value; } rates[] = {
    { "--lr", a->lr }, { "--lr-later", a->lr_later },
  };

  fathom_experiment_config_init (c);
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    if (counts[i].value == 0 || counts[i].value < -1)
      {
        g_printerr ("fathom-cli: %s must be at least 1, not %d\n", counts[i].name, counts[i].value);
        return FALSE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    if (rates[i].value != FATHOM_CLI_NOT_GIVEN && !(rates[i].value > 0 && isfinite (rates[i].value)))
      {
        g_printerr ("fathom-cli: %s must be a rate above 0, not %g\n", rates[i].name, rates[i].value);
        return FALSE;
      }
  if (a->valid_fraction != FATHOM_CLI_NOT_GIVEN && !(a->valid_fraction > 0 && a->valid_fraction < 1))
    {
      g_printerr ("fathom-cli: --valid-fraction must lie between 0 and 1, not %g\n", a->valid_fraction);
      return FALSE;
    }
  if (a->mini_corpus < -1 || a->mini_corpus > FATHOM_FISHSIM_MAX_IMAGES)
    {
      g_printerr ("fathom-cli: --mini-corpus must be from 0 (none) to %d photos, not %d\n",
                  FATHOM_FISHSIM_MAX_IMAGES, a->mini_corpus);
      return FALSE;
    }
  if (a->copies < -1 || a->copies > 16)
    {
      g_printerr ("fathom-cli: --copies must be from 0 (none) to 16, not %d\n", a->copies);
      return FALSE;
    }
  if (a->threads < 0 || a->patience < 0 || a->seed < 0 || a->split_seed < 0)
    {
      g_printerr ("fathom-cli: seeds, --threads and --patience must not be negative\n");
      return FALSE;
    }
  if (!parse_split (a->split, &c->split))
    {
      g_printerr ("fathom-cli: unknown split “%s” (random, stratified or by-size)\n", a->split);
      return FALSE;
    }
  if (!parse_size (a->size, &c->height, &c->width))
    {
      g_printerr ("fathom-cli: --size wants HEIGHTxWIDTH, e.g. 176x320, not “%s”\n", a->size);
      return FALSE;
    }
  c->data_dir = a->data;
  c->run_dir = a->run;
  c->overwrite = a->overwrite;
  c->device = a->device != NULL ? a->device : "cpu";
  /* the config's 0 is its default */
  c->epochs = (guint) MAX (a->epochs, 0);
  c->batch_size = (guint) MAX (a->batch, 0);
  c->lr = a->lr == FATHOM_CLI_NOT_GIVEN ? 0 : a->lr;
  c->lr_later = a->lr_later == FATHOM_CLI_NOT_GIVEN ? 0 : a->lr_later;
  c->seed = (guint64) a->seed;
  c->split_seed = (guint64) a->split_seed;
  c->valid_fraction = a->valid_fraction == FATHOM_CLI_NOT_GIVEN ? 0 : a->valid_fraction;
  c->backbone = a->backbone;
  c->weights = a->weights;
  c->bbox_weight = a->bbox_weight;
  c->box_head = a->box_head;
  c->cache_dir = a->cache;
  c->keras1_lr = a->keras1_lr;
  c->n_threads = (guint) a->threads;
  c->mini_epochs = (guint) MAX (a->mini_epochs, 0);
  c->mini_corpus = a->mini_corpus;
  c->copies = a->copies;
  c->patience = (guint) a->patience;
  c->resume = a->resume;
  return TRUE;
}

int
fathom_cli_features (int argc, char **argv)
{
  g_auto(ConvArgs) a = { 0 };
  g_autofree char *out = NULL;
  g_autofree char *default_cache = fathom_features_default_cache_dir ();
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Feature file to write (safetensors)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— precompute a backbone's conv features of every image");
  ConvJob job = { CONV_FEATURES };
  GError *error = NULL;

  g_option_context_set_description (context,
    "Writes one float32 tensor “features” [N, C, H, W] and the image paths (training, validation and\n"
    "test photos alike, in path order) under __metadata__ “files”. mini is trained first (or found\n"
    "in the cache): on fishsim data on a corpus of other photos of its fleet, else on the training split.");
  g_option_context_add_main_entries (context, entries, NULL);
  conv_add_entries (context, &a, TRUE);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || a.data == NULL || out == NULL || a.size == NULL)
    {
      g_printerr ("Usage: fathom-cli features --backbone mini|vgg16|vgg16bn|resnet50 [--weights FILE] --data DIR --size HxW --out FILE\n"
                  "       [--device cpu|cuda] [--seed S] [--split random|stratified|by-size] [--cache DIR]\n");
      return 2;
    }
  if (!conv_args_apply (&a, &job.config))
    return 2;
  fathom_features_options_init (&job.features);
  job.features.backbone = a.backbone != NULL ? a.backbone : a.weights != NULL ? "vgg16" : "mini";
  job.features.weights = a.weights;
  job.features.width = job.config.width;
  job.features.height = job.config.height;
  job.features.device = job.config.device;
  job.features.n_threads = job.config.n_threads;
  job.features.cache_dir = a.cache != NULL ? a.cache : default_cache;
  job.features.mini.seed = job.config.seed;
  if (a.mini_epochs > 0)
    job.features.mini.epochs = (guint) a.mini_epochs;
  if (a.mini_corpus >= 0)
    job.features.mini.corpus_images = (guint) a.mini_corpus;
  if (a.batch > 0)
    job.features.batch_size = (guint) a.batch;
  job.out = out;

  if (!fathom_cli_run_in_worker (conv_work, &job, &error))
    return fathom_cli_work_failed (error, NULL);
  g_print ("Wrote the features of %" G_GINT64_FORMAT " images to %s\n", job.n_written, out);
  return 0;
}

static void
print_final (JsonObject *final, const char *key, const char *label)
{
  JsonNode *node = json_object_get_member (final, key);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node))
    g_print ("  %-24s %.4f\n", label, json_node_get_double (node));
}

int
fathom_cli_train (int argc, char **argv)
{
  g_auto(ConvArgs) a = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new ("EXPERIMENT — train one of the lesson's convolutional experiments");
  g_autoptr(GString) desc = g_string_new ("Experiments (LESSON7.md):\n");
  g_autoptr(FathomRunInfo) info = NULL;
  const char *const *names = fathom_experiment_list ();
  ConvJob job = { CONV_TRAIN };
  JsonObject *root, *final;
  GError *error = NULL;

  for (guint i = 0; names[i] != NULL; i++)
    {
      const FathomExperimentPreset *p = fathom_experiment_find (names[i]);
      g_string_append_printf (desc, "  %-15s %s %s%s\n", p->name, p->letter, p->description,
                              p->unavailable ? " (not available yet)" : "");
    }
  g_string_append (desc, "Without --weights the heads sit on “mini”, a small trunk trained first (on fishsim data on a\n"
                         "corpus of other photos of its fleet, else on the training split): a stand-in for ImageNet\n"
                         "pretraining, not the real thing. fcn also trains on three copies of each training photo's\n"
                         "features (--copies).");
  g_option_context_set_description (context, desc->str);
  conv_add_entries (context, &a, FALSE);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || a.data == NULL || a.run == NULL || (a.resume && a.overwrite))
    {
      g_printerr ("Usage: fathom-cli train EXPERIMENT --data DIR --run RUNDIR [--device cpu|cuda] [--epochs N] [--batch B]\n"
                  "       [--lr X] [--seed S] [--weights FILE] [--split random|stratified|by-size] [--bbox-weight W]\n"
                  "       [--box-head attention|dense]\n"
                  "       [--size HxW] [--cache DIR] [--keras1-lr] [--overwrite | --resume]\n");
      return 2;
    }
  if (!conv_args_apply (&a, &job.config))
    return 2;
  job.config.experiment = argv[1];
  {
    /* say why before any work */
    g_autoptr(GError) why = NULL;

    if (!fathom_experiment_check (&job.config, &why))
      {
        g_printerr ("fathom-cli: %s\n", why->message);
        return 2;
      }
  }
  if (!fathom_cli_run_in_worker (conv_work, &job, &error))
    return fathom_cli_work_failed (error, a.run);
  info = fathom_run_info_load (a.run, &error);
  if (info == NULL)
    return fathom_cli_fail (error);
  root = fathom_run_info_get_json (info);
  final = json_object_get_object_member (root, "final");
  g_print ("%s (%s) finished in %.1f s (the head's fit and evaluation %.1f s)\n", argv[1],
           json_object_get_string_member_with_default (root, "lesson_experiment", "-"),
           job.result.seconds, job.result.fit_seconds);
  if (json_object_has_member (root, "message"))
    g_print ("%s\n", json_object_get_string_member (root, "message"));
  if (json_object_has_member (root, "backbone_note"))
    g_print ("Backbone: %s\n", json_object_get_string_member (root, "backbone_note"));
  g_print ("Features: %s\n", job.result.features_computed ? "computed now" : "from the cache");
  print_final (final, "val_accuracy", "validation accuracy");
  print_final (final, "val_loss", "validation loss");
  print_final (final, "val_log_loss", "validation log-loss");
  print_final (final, "majority_rate", "majority rate");
  print_final (final, "val_iou_mean", "mean IoU (with a box)");
  print_final (final, "heatmap_pointing", "heatmap pointing");
  print_final (final, "heatmap_pointing_peak", "pointing, the map's peak");
  print_final (final, "heatmap_in_box", "heatmap mass in box");
  print_final (final, "heatmap_pointing_coarse", "pointing, coarse map");
  print_final (final, "heatmap_in_box_coarse", "mass in box, coarse map");
  print_final (final, "backbone_val_accuracy", "the backbone alone");
  g_print ("The lesson: %s\n", json_object_get_string_member_with_default (root, "lesson_published", "-"));
  if (json_object_has_member (root, "lr_note"))
    g_print ("Note: %s\n", json_object_get_string_member (root, "lr_note"));
  g_print ("Run folder: %s\n", a.run);
  return 0;
}

int
fathom_cli_leakage (int argc, char **argv)
{
  g_auto(ConvArgs) a = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new ("— how much the image size (the boat) gives away");
  g_autofree char *table = NULL;
  ConvJob job = { CONV_LEAKAGE };
  GError *error = NULL;

  g_option_context_set_description (context,
    "Trains leak-size-only, dense-head and multi-input on a random split and on a split grouped by\n"
    "image size, prints one table and writes leakage.json and leakage.txt into RUNDIR.");
  conv_add_entries (context, &a, FALSE);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 1 || a.data == NULL || a.run == NULL || a.resume)
    {
      g_printerr ("Usage: fathom-cli leakage --data DIR --run RUNDIR [--device cpu|cuda] [--seed S] [--epochs N] [--overwrite]\n");
      return 2;
    }
  if (!conv_args_apply (&a, &job.config))
    return 2;
  if (!fathom_cli_run_in_worker (conv_work, &job, &error))
    return fathom_cli_work_failed (error, a.run);
  table = fathom_leakage_format_table (job.rows);
  g_print ("%s", table);
  g_print ("Run folder: %s (leakage.json, leakage.txt, one run folder per row)\n", a.run);
  return 0;
}
