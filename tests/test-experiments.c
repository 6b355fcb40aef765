/* test-experiments.c: the lesson's convolutional experiments end to end on
 * a small synthetic dataset: the feature file's layout, the feature cache,
 * every experiment's run folder, the size leak, box IoU, heatmap scores,
 * repeatability and stopping. */
#include "fathom-test-util.h"
#include "fathom-backend-registry.h"
#include "fathom-experiment-private.h"
#include "fathom-features.h"
#include "fathom-fishsim.h"
#include "fathom-image-source.h"
#include "fathom-leakage.h"
#include "fathom-metrics.h"
#include "fathom-predictor.h"
#include "fathom-safetensors.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* Shared by every test: made once in main(). */
static char *data_dir;
static char *cache_dir;
static char *work_dir;
static GPtrArray *run_dirs;     /* the configs' run_dir strings */

static FathomDataset *
load_dataset (FathomSplitMode mode)
{
  FathomDatasetOptions options;
  g_autoptr(GError) error = NULL;
  FathomDataset *ds;

  fathom_dataset_options_init (&options);
  options.mode = mode;
  ds = fathom_dataset_load (data_dir, &options, &error);
  g_assert_no_error (error);
  return ds;
}

/* Small inputs and one pretraining epoch keep the whole file quick. */
static void
small_features (FathomFeaturesOptions *fo, int height, int width)
{
  fathom_features_options_init (fo);
  fo->width = width;
  fo->height = height;
  fo->cache_dir = cache_dir;
  fo->mini.epochs = 1;
  fo->mini.corpus_images = 0;   /* the training split; a corpus is tested on its own */
}

static void
small_config (FathomExperimentConfig *c, const char *experiment, const char *run_name)
{
  fathom_experiment_config_init (c);
  c->experiment = experiment;
  c->data_dir = data_dir;
  c->run_dir = g_build_filename (work_dir, run_name, NULL);
  g_ptr_array_add (run_dirs, (char *) c->run_dir);
  c->overwrite = TRUE;
  c->cache_dir = cache_dir;
  c->mini_epochs = 1;
  c->mini_corpus = 0;
  c->epochs = 2;
  c->seed = 5;
  if (g_str_equal (experiment, "fcn") || g_str_equal (experiment, "allconv") || g_str_equal (experiment, "inception"))
    {
      c->height = 64;             /* 8x16 feature maps */
      c->width = 128;
    }
  else
    {
      c->height = 48;             /* 6x6 */
      c->width = 48;
    }
}

/* ---- the feature file -------------------------------------------------------- */

static void
test_features_file (void)
{
  g_autoptr(FathomDataset) ds = load_dataset (FATHOM_SPLIT_MODE_RANDOM);
  g_autoptr(FathomFeatureExtractor) ex = NULL;
  g_autoptr(FathomFeatureReader) reader = NULL;
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(FathomImageSource) source = NULL;
  g_autoptr(FathomTensor) row = NULL, image = NULL, direct = NULL;
  g_autoptr(FathomBackend) backend = fathom_backend_new_by_name ("cpu", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (work_dir, "features.safetensors", NULL);
  g_autofree guint *items = NULL;
  FathomFeaturesOptions fo;
  FathomImageSourceOptions so;
  const char *const *files;
  guint n = fathom_dataset_get_n_items (ds), ndim;
  gint64 shape[FATHOM_MAX_DIMS], c, h, w;
  const char *dtype;

  small_features (&fo, 48, 80);
  ex = fathom_feature_extractor_new (ds, &fo, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (fathom_feature_extractor_describe (ex), "stands in for ImageNet"));
  g_assert_true (fathom_feature_extractor_get_shape (ex, &c, &h, &w, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c, ==, FATHOM_MINI_CHANNELS);
  g_assert_cmpint (h, ==, 6);
  g_assert_cmpint (w, ==, 10);
  items = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    items[i] = n - 1 - i;       /* any order: the file keeps the one given */
  g_assert_true (fathom_feature_extractor_write (ex, items, n, path, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* the documented layout: one F32 tensor "features" [N, C, H, W] */
  st = fathom_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_safetensors_get_n_tensors (st), ==, 1);
  g_assert_true (fathom_safetensors_get_info (st, "features", &ndim, shape, &dtype));
  g_assert_cmpstr (dtype, ==, "F32");
  g_assert_cmpuint (ndim, ==, 4);
  g_assert_cmpint (shape[0], ==, n);
  g_assert_cmpint (shape[1], ==, c);
  g_assert_cmpint (shape[2], ==, 6);
  g_assert_cmpint (shape[3], ==, 10);
  g_assert_nonnull (fathom_safetensors_get_metadata (st, "files"));

  reader = fathom_feature_reader_open (path, &error);
  g_assert_no_error (error);
  files = fathom_feature_reader_get_files (reader);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (files[i], ==, fathom_dataset_get_item (ds, items[i])->path);
  g_assert_null (files[n]);
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_PREPROCESSING), ==, "vgg");

  /* row 3 is the backbone's output for its photo, computed apart */
  row = fathom_tensor_new_4d (1, c, h, w);
  g_assert_true (fathom_feature_reader_read_rows (reader, 3, 1, row, &error));
  fathom_image_source_options_init (&so);
  so.width = 80;
  so.height = 48;
  source = fathom_image_source_new (ds, &items[3], 1, &so);
  image = fathom_tensor_new_4d (1, 3, 48, 80);
  g_assert_true (fathom_image_source_load (source, (gint64[]) { 0 }, 1, fathom_tensor_get_data (image), &error));
  {
    g_autofree char *mini = NULL;
    g_autoptr(FathomGraph) g = NULL;
    FathomMiniOptions mo = fo.mini;
    FathomTensor *in[1] = { image };

    mo.cache_dir = cache_dir;
    double valid_accuracy;
    guint n_valid;

    mini = fathom_mini_backbone_ensure (ds, &mo, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    /* the pretraining classifier was scored on exactly the validation
     * photos: a whole number of them right */
    g_assert_true (fathom_mini_backbone_get_valid_accuracy (mini, ds, &valid_accuracy, &n_valid));
    g_assert_cmpuint (n_valid, ==, fathom_dataset_count (ds, FATHOM_SPLIT_VALID, -1));
    g_assert_cmpfloat (fabs (valid_accuracy * n_valid - round (valid_accuracy * n_valid)), <, 1e-3 * n_valid);
    g = fathom_mini_backbone_load (mini, 48, 80, backend, &error);
    g_assert_no_error (error);
    g_assert_true (fathom_graph_forward (g, in, FALSE, &error));
    direct = fathom_tensor_new_like (row);
    fathom_tensor_copy_from (direct, fathom_graph_get_output (g, 0));
  }
  fathom_test_assert_close (row, direct, 1e-4f, 1e-4f, "feature row 3");
}

/* ---- training augmentation ------------------------------------------------------ */

#define AUG_ROWS 4
#define AUG_W 80
#define AUG_H 48

static void
load_rows (FathomImageSource *source, float *out)
{
  g_autoptr(GError) error = NULL;
  const gint64 rows[AUG_ROWS] = { 0, 1, 2, 3 };

  g_assert_true (fathom_image_source_load (source, rows, AUG_ROWS, out, &error));
  g_assert_no_error (error);
}

/* Each channel of each row of jittered is a * plain + b_c, one contrast a
 * for the three channels, within the strength's bounds (b in grey levels:
 * level[c] normalised units each). Returns the largest |a - 1|. */
static double
assert_recoloured (const float *plain, const float *jittered, double strength, const double level[3])
{
  gsize plane = (gsize) AUG_W * AUG_H;
  double largest = 0;

  for (int r = 0; r < AUG_ROWS; r++)
    {
      double a0 = NAN;

      for (int c = 0; c < 3; c++)
        {
          const float *x = plain + ((gsize) r * 3 + c) * plane, *y = jittered + ((gsize) r * 3 + c) * plane;
          double sx = 0, sy = 0, sxx = 0, sxy = 0, a, b, worst = 0;

          for (gsize i = 0; i < plane; i++)
            {
              sx += x[i];
              sy += y[i];
              sxx += (double) x[i] * x[i];
              sxy += (double) x[i] * y[i];
            }
          a = (plane * sxy - sx * sy) / (plane * sxx - sx * sx);
          b = (sy - a * sx) / plane;
          for (gsize i = 0; i < plane; i++)
            worst = MAX (worst, fabs (a * x[i] + b - y[i]));
          g_assert_cmpfloat (worst, <, 1e-3);
          if (c == 0)
            a0 = a;
          g_assert_cmpfloat (fabs (a - a0), <, 1e-5);
          g_assert_cmpfloat (fabs (a - 1), <=, strength + 1e-6);
          /* 60 levels for the photo and 20 for the channel, at most */
          g_assert_cmpfloat (fabs (b / level[c]), <=, 80 * strength + 1e-3);
        }
      largest = MAX (largest, fabs (a0 - 1));
    }
  return largest;
}

static void
test_colour_augmentation (void)
{
  g_autoptr(FathomDataset) ds = load_dataset (FATHOM_SPLIT_MODE_RANDOM);
  gsize n = (gsize) AUG_ROWS * 3 * AUG_W * AUG_H;
  g_autofree float *plain = g_new (float, n), *first = g_new (float, n), *again = g_new (float, n);
  g_autofree float *second = g_new (float, n);
  const guint items[AUG_ROWS] = { 0, 1, 2, 3 };
  static const double vgg_level[3] = { 1, 1, 1 };
  const double torch_level[3] = { 1 / (255 * 0.229), 1 / (255 * 0.224), 1 / (255 * 0.225) };
  FathomImageSourceOptions so;
  double moved;

  for (int norm = 0; norm < 2; norm++)
    {
      g_autoptr(FathomImageSource) base = NULL, a = NULL, b = NULL;

      fathom_image_source_options_init (&so);
      so.width = AUG_W;
      so.height = AUG_H;
      so.seed = 3;
      so.norm = norm == 0 ? FATHOM_INPUT_NORM_VGG : FATHOM_INPUT_NORM_TORCHVISION;
      base = fathom_image_source_new (ds, items, AUG_ROWS, &so);
      load_rows (base, plain);

      so.photometric = 0.3;
      a = fathom_image_source_new (ds, items, AUG_ROWS, &so);
      b = fathom_image_source_new (ds, items, AUG_ROWS, &so);
      load_rows (a, first);
      load_rows (b, again);
      /* the same seed and loads: the same colours */
      g_assert_cmpmem (first, n * sizeof (float), again, n * sizeof (float));
      moved = assert_recoloured (plain, first, so.photometric, norm == 0 ? vgg_level : torch_level);
      /* the next load draws other colours */
      load_rows (a, second);
      g_assert_true (memcmp (first, second, n * sizeof (float)) != 0);
      moved = MAX (moved, assert_recoloured (plain, second, so.photometric, norm == 0 ? vgg_level : torch_level));
      /* eight draws of a uniform contrast in [0.7, 1.3]: not all near 1 */
      g_assert_cmpfloat (moved, >, 0.05);
    }
}

/* ---- the cache ------------------------------------------------------------------ */

static void
test_feature_cache (void)
{
  g_autoptr(FathomDataset) ds = load_dataset (FATHOM_SPLIT_MODE_RANDOM);
  g_autoptr(GError) error = NULL;
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
  g_autoptr(FathomFeatureReader) reader = NULL;
  FathomFeaturesOptions fo;
  FathomFeaturesReport r1, r2, r3;
  guint labelled = fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, -1) + fathom_dataset_count (ds, FATHOM_SPLIT_VALID, -1);

  small_features (&fo, 40, 40);
  p1 = fathom_features_ensure (ds, &fo, NULL, NULL, NULL, &r1, &error);
  g_assert_no_error (error);
  /* a second run finds them: nothing recomputed, nothing retrained */
  p2 = fathom_features_ensure (ds, &fo, NULL, NULL, NULL, &r2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p1, ==, p2);
  g_assert_false (r2.computed);
  g_assert_false (r2.pretrained);
  /* another size is another key: rebuilt, with the same trunk */
  fo.width = 56;
  p3 = fathom_features_ensure (ds, &fo, NULL, NULL, NULL, &r3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (p3, !=, p1);
  g_assert_true (r3.computed);
  g_assert_false (r3.pretrained);

  reader = fathom_feature_reader_open (p3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fathom_feature_reader_get_n (reader), ==, labelled);
  g_assert_cmpint (fathom_feature_reader_get_width (reader), ==, 7);
  fathom_features_report_clear (&r1);
  fathom_features_report_clear (&r2);
  fathom_features_report_clear (&r3);
}

/* ---- mini's corpus and the features' copies ------------------------------------- */

typedef struct {
  guint  corpus_calls, pretrain_calls;
  gint64 corpus_last, corpus_total;
} PhaseCount;

static void
count_phases (const FathomTrainProgress *p, gpointer user_data)
{
  PhaseCount *c = user_data;

  if (g_str_equal (p->phase, "corpus"))
    {
      c->corpus_calls++;
      c->corpus_last = p->batch;
      c->corpus_total = p->n_batches;
    }
  else if (g_str_equal (p->phase, "pretrain"))
    c->pretrain_calls++;
}

/* On a fishsim dataset mini pretrains on a corpus of its fleet, made once
 * in the cache, in windows of half its input (176x320 unless told); with
 * no corpus asked for, on the training split. */
static void
test_mini_corpus (void)
{
  g_autoptr(FathomDataset) ds = load_dataset (FATHOM_SPLIT_MODE_RANDOM);
  g_autoptr(FathomFeatureExtractor) ex = NULL, again = NULL, split = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cache = g_build_filename (work_dir, "corpus-cache", NULL);
  g_autofree char *corpus = NULL;
  g_autoptr(GDir) dir = NULL;
  FathomFeaturesOptions fo;
  FathomFishsimOptions got, data;
  PhaseCount first = { 0 }, second = { 0 };
  const char *name;
  double valid_accuracy;
  guint n_valid;

  small_features (&fo, 48, 80);
  fo.cache_dir = cache;
  fo.mini.corpus_images = 48;
  ex = fathom_feature_extractor_new (ds, &fo, count_phases, &first, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_feature_extractor_pretrained_now (ex));
  g_assert_cmpuint (first.corpus_calls, >, 0);
  g_assert_cmpint (first.corpus_last, ==, 47);
  g_assert_cmpint (first.corpus_total, ==, 48);
  g_assert_cmpuint (first.pretrain_calls, >, 0);
  g_assert_nonnull (strstr (fathom_feature_extractor_describe (ex), "trained 1 epoch at 88x160 on 48 photos of the "
                                                                    "fishsim corpus"));

  /* the corpus: the dataset's fleet, in the cache */
  dir = g_dir_open (cache, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "fishsim-corpus-"))
      corpus = g_build_filename (cache, name, NULL);
  g_assert_nonnull (corpus);
  g_assert_true (fathom_fishsim_read_options (corpus, &got, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_fishsim_read_options (data_dir, &data, &error));
  g_assert_no_error (error);
  g_assert_true (got.corpus);
  g_assert_cmpuint (got.n_images, ==, 48);
  g_assert_cmpuint (got.seed, ==, data.seed);
  g_assert_cmpfloat (got.scale, ==, data.scale);
  /* scored on the dataset's validation photos, whole, at the input size */
  g_assert_true (fathom_mini_backbone_get_valid_accuracy (fathom_feature_extractor_get_weights_path (ex), ds,
                                                          &valid_accuracy, &n_valid));
  g_assert_cmpuint (n_valid, ==, fathom_dataset_count (ds, FATHOM_SPLIT_VALID, -1));

  /* found again: neither drawn nor trained twice */
  again = fathom_feature_extractor_new (ds, &fo, count_phases, &second, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fathom_feature_extractor_pretrained_now (again));
  g_assert_cmpuint (second.corpus_calls, ==, 0);
  g_assert_cmpuint (second.pretrain_calls, ==, 0);

  /* another split of the dataset: the same trunk, scored on its own
   * validation photos */
  {
    g_autoptr(FathomDataset) by_size = load_dataset (FATHOM_SPLIT_MODE_BY_SIZE);
    g_autoptr(FathomFeatureExtractor) other = NULL;
    g_autofree char *scored = NULL;
    PhaseCount third = { 0 };
    guint n_other = fathom_dataset_count (by_size, FATHOM_SPLIT_VALID, -1);

    g_assert_cmpstr (fathom_dataset_get_fingerprint (by_size), !=, fathom_dataset_get_fingerprint (ds));
    g_assert_cmpuint (n_other, !=, n_valid);
    other = fathom_feature_extractor_new (by_size, &fo, count_phases, &third, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (fathom_feature_extractor_pretrained_now (other));
    g_assert_cmpuint (third.corpus_calls + third.pretrain_calls, ==, 0);
    g_assert_cmpstr (fathom_feature_extractor_get_weights_path (other), ==,
                     fathom_feature_extractor_get_weights_path (ex));
    g_assert_false (fathom_mini_backbone_get_valid_accuracy (fathom_feature_extractor_get_weights_path (other),
                                                             by_size, &valid_accuracy, &n_valid));
    scored = g_strdup_printf ("on the %u validation photos", n_other);
    g_assert_nonnull (strstr (fathom_feature_extractor_describe (other), scored));
  }

  /* without a corpus: the training split, at the input size */
  fo.mini.corpus_images = 0;
  split = fathom_feature_extractor_new (ds, &fo, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, -1), ==, 312);
  g_assert_nonnull (strstr (fathom_feature_extractor_describe (split), "at 176x320 on 312 training images of"));
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* The features' copies: after the labelled rows, each training photo again
 * per copy, mirrored and recoloured, the same every time for one seed. */
static void
test_feature_copies (void)
{
  g_autoptr(FathomDataset) ds = load_dataset (FATHOM_SPLIT_MODE_RANDOM);
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) train = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = g_build_filename (work_dir, "plain.safetensors", NULL);
  g_autofree char *copies = g_build_filename (work_dir, "copies.safetensors", NULL);
  g_autofree char *again = g_build_filename (work_dir, "copies-again.safetensors", NULL);
  g_autofree char *other = g_build_filename (work_dir, "copies-other.safetensors", NULL);
  g_autoptr(GBytes) b1 = NULL, b2 = NULL, b3 = NULL;
  g_autoptr(FathomFeatureReader) rp = NULL, rc = NULL;
  g_autoptr(FathomTensor) a = NULL, b = NULL;
  FathomFeaturesOptions fo;
  const char *const *files;
  guint n_lab, n_train, differ = 0;
  gint64 row_size;

  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    {
      FathomSplit split = fathom_dataset_get_item (ds, i)->split;

      if (split != FATHOM_SPLIT_TEST)
        g_array_append_val (items, i);
      if (split == FATHOM_SPLIT_TRAIN)
        g_array_append_val (train, i);
    }
  n_lab = items->len;
  n_train = train->len;
  small_features (&fo, 48, 80);
  for (int pass = 0; pass < 4; pass++)
    {
      g_autoptr(FathomFeatureExtractor) ex = NULL;
      const char *path = pass == 0 ? plain : pass == 1 ? copies : pass == 2 ? again : other;

      fo.copies = pass == 0 ? 0 : 2;
      fo.copies_seed = pass == 3 ? 10 : 9;
      ex = fathom_feature_extractor_new (ds, &fo, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (fathom_feature_extractor_write (ex, (const guint *) items->data, items->len, path, NULL, NULL,
                                                     NULL, &error));
      g_assert_no_error (error);
    }
  rp = fathom_feature_reader_open (plain, &error);
  g_assert_no_error (error);
  rc = fathom_feature_reader_open (copies, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fathom_feature_reader_get_n (rp), ==, n_lab);
  g_assert_cmpint (fathom_feature_reader_get_n (rc), ==, n_lab + 2 * n_train);
  g_assert_nonnull (strstr (fathom_feature_reader_get_metadata (rc, FATHOM_FEATURE_META_PREPROCESSING),
                            "2 copies of the training images"));
  files = fathom_feature_reader_get_files (rc);
  for (guint k = 0; k < 2; k++)
    for (guint j = 0; j < n_train; j++)
      g_assert_cmpstr (files[n_lab + k * n_train + j], ==,
                       fathom_dataset_get_item (ds, g_array_index (train, guint, j))->path);

  /* the labelled rows as without copies, bit for bit; each copy a new view */
  a = fathom_tensor_new_4d (n_lab, fathom_feature_reader_get_channels (rp), fathom_feature_reader_get_height (rp),
                            fathom_feature_reader_get_width (rp));
  b = fathom_tensor_new_like (a);
  g_assert_true (fathom_feature_reader_read_rows (rp, 0, n_lab, a, &error));
  g_assert_true (fathom_feature_reader_read_rows (rc, 0, n_lab, b, &error));
  g_assert_no_error (error);
  row_size = (gint64) fathom_tensor_get_numel (a) / n_lab;
  g_assert_cmpmem (fathom_tensor_get_const_data (a), row_size * n_lab * sizeof (float),
                   fathom_tensor_get_const_data (b), row_size * n_lab * sizeof (float));
  for (guint k = 0; k < 2; k++)
    for (guint j = 0; j < n_train; j++)
      {
        g_autoptr(FathomTensor) view = fathom_tensor_new_4d (1, fathom_feature_reader_get_channels (rp),
                                                             fathom_feature_reader_get_height (rp),
                                                             fathom_feature_reader_get_width (rp));
        const float *orig = NULL, *v;
        float largest = 0;

        /* the original row of that photo */
        for (guint i = 0; i < n_lab; i++)
          if (g_array_index (items, guint, i) == g_array_index (train, guint, j))
            orig = fathom_tensor_get_const_data (a) + (gsize) i * row_size;
        g_assert_nonnull (orig);
        g_assert_true (fathom_feature_reader_read_rows (rc, n_lab + k * n_train + j, 1, view, &error));
        v = fathom_tensor_get_const_data (view);
        for (gint64 e = 0; e < row_size; e++)
          largest = MAX (largest, fabsf (v[e] - orig[e]));
        differ += largest > 1e-3f;
      }
  g_assert_cmpuint (differ, ==, 2 * n_train);

  /* the same seed gives the same file, another seed other views */
  b1 = read_bytes (copies);
  b2 = read_bytes (again);
  b3 = read_bytes (other);
  g_assert_true (g_bytes_equal (b1, b2));
  g_assert_false (g_bytes_equal (b1, b3));
}

/* ---- run folders ----------------------------------------------------------------- */

static JsonObject *
load_final (const char *run_dir, FathomRunInfo **info)
{
  g_autoptr(GError) error = NULL;

  *info = fathom_run_info_load (run_dir, &error);
  g_assert_no_error (error);
  return json_object_get_object_member (fathom_run_info_get_json (*info), "final");
}

static void
assert_final_number (JsonObject *final, const char *key)
{
  JsonNode *node = json_object_get_member (final, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || !isfinite (json_node_get_double (node)))
    g_error ("run.json's final.%s is missing or not a number", key);
}

static char **
read_lines (const char *dir, const char *name, guint *n)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  char **lines;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  g_strchomp (text);
  lines = g_strsplit (text, "\n", -1);
  *n = g_strv_length (lines);
  return lines;
}

/* The run's pointing figures, recomputed from the maps it wrote and the
 * boxes of its predictions.csv: heatmap_pointing reads each true class's
 * map against NoF's (fathom_metric_map_locate()), heatmap_pointing_peak
 * takes the map's own largest cell. */
static void
check_pointing_from_maps (const char *run_dir, JsonObject *final)
{
  g_autofree char *path = g_build_filename (run_dir, "heatmaps.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomSafetensors) st = fathom_safetensors_load (path, &error);
  g_autoptr(FathomTensor) maps = NULL;
  g_auto(GStrv) lines = NULL;
  const gint64 *shape;
  gint64 k, h, w;
  guint n_lines, n_boxes = 0, located = 0, peaked = 0;
  int in_w, in_h;
  const char *classes[] = { "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT" };

  g_assert_no_error (error);
  maps = fathom_safetensors_get_tensor (st, "maps", &error);
  g_assert_no_error (error);
  shape = fathom_tensor_get_shape (maps);
  k = shape[1];
  h = shape[2];
  w = shape[3];
  in_w = atoi (fathom_safetensors_get_metadata (st, "input_width"));
  in_h = atoi (fathom_safetensors_get_metadata (st, "input_height"));
  lines = read_lines (run_dir, "predictions.csv", &n_lines);
  g_assert_cmpint (n_lines - 1, ==, shape[0]);
  for (guint i = 1; i < n_lines; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      const float *m = fathom_tensor_get_const_data (maps) + (i - 1) * k * h * w;
      float box[4];
      int t = -1;
      gsize cx, cy;
      double px, py;

      g_assert_cmpint (k, ==, 8);
      for (int c = 0; c < 8; c++)
        if (g_str_equal (f[1], classes[c]))
          t = c;
      g_assert_cmpint (t, >=, 0);
      for (int j = 0; j < 4; j++)
        box[j] = (float) g_ascii_strtod (f[11 + j], NULL);
      if (!(box[0] > 0 && box[1] > 0))
        continue;
      n_boxes++;
      fathom_metric_map_locate (m, (gsize) k, (gsize) h, (gsize) w, (gsize) t, 4, &cx, &cy);
      px = (cx + 0.5) * in_w / w;
      py = (cy + 0.5) * in_h / h;
      located += px >= box[2] && px <= box[2] + box[1] && py >= box[3] && py <= box[3] + box[0];
      cx = fathom_argmax (m + t * h * w, (gsize) (h * w));
      px = (cx % w + 0.5) * in_w / w;
      py = (cx / w + 0.5) * in_h / h;
      peaked += px >= box[2] && px <= box[2] + box[1] && py >= box[3] && py <= box[3] + box[0];
    }
  g_assert_cmpuint (n_boxes, >, 0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (final, "heatmap_pointing"),
                                  (double) located / n_boxes, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (final, "heatmap_pointing_peak"),
                                  (double) peaked / n_boxes, 1e-9);
}

static void
test_experiment (gconstpointer data)
{
  const char *name = data;
  FathomExperimentConfig c;
  FathomExperimentResult res;
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autofree char *ckpt = NULL;
  g_auto(GStrv) lines = NULL, header = NULL, row = NULL;
  JsonObject *final;
  guint n_lines;
  const char *want[] = { "file", "true_class", "pred_class", "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK",
                         "YFT", "true_h", "true_w", "true_x", "true_y", "pred_h", "pred_w", "pred_x", "pred_y", "iou" };

  small_config (&c, name, name);
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (res.epochs_done, ==, 2);

  final = load_final (c.run_dir, &info);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  {
    /* fcn also trains on three copies of each training photo's features;
     * n_train counts the photos, not the views */
    g_autoptr(FathomDataset) ds = load_dataset (FATHOM_SPLIT_MODE_RANDOM);
    JsonObject *config = json_object_get_object_member (fathom_run_info_get_json (info), "config");
    gboolean has_features = !g_str_equal (name, "leak-size-only");

    g_assert_cmpint (json_object_get_int_member (config, "copies"), ==, g_str_equal (name, "fcn") ? 3 : 0);
    g_assert_cmpuint (res.n_train, ==, fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, -1));
    if (has_features)
      {
        g_autoptr(FathomFeatureReader) reader =
          fathom_feature_reader_open (json_object_get_string_member (fathom_run_info_get_json (info), "features"),
                                      &error);
        guint views = g_str_equal (name, "fcn") ? 4 : 1;

        g_assert_no_error (error);
        g_assert_cmpint (fathom_feature_reader_get_n (reader), ==,
                         res.n_valid + views * res.n_train);
      }
  }
  assert_final_number (final, "val_accuracy");
  assert_final_number (final, "val_loss");
  assert_final_number (final, "majority_rate");
  if (g_str_equal (name, "bbox"))
    assert_final_number (final, "val_iou_mean");
  if (!g_str_equal (name, "leak-size-only"))
    {
      /* mini's own classifier on the same validation photos */
      double b;

      assert_final_number (final, "backbone_val_accuracy");
      b = json_object_get_double_member (final, "backbone_val_accuracy");
      g_assert_cmpfloat (fabs (b * res.n_valid - round (b * res.n_valid)), <, 1e-3 * res.n_valid);
    }
  if (g_str_equal (name, "fcn") || g_str_equal (name, "allconv"))
    {
      g_autofree char *path = g_build_filename (c.run_dir, "heatmaps.safetensors", NULL);
      g_autoptr(FathomSafetensors) st = fathom_safetensors_load (path, &error);
      gint64 shape[FATHOM_MAX_DIMS];
      guint ndim;
      g_autoptr(JsonNode) files = NULL;

      assert_final_number (final, "heatmap_pointing");
      assert_final_number (final, "heatmap_in_box");
      g_assert_no_error (error);
      /* both at every feature cell; fcn's own 2x2 maps beside its dense ones */
      g_assert_true (fathom_safetensors_get_info (st, "maps", &ndim, shape, NULL));
      g_assert_cmpuint (ndim, ==, 4);
      g_assert_cmpint (shape[0], ==, res.n_valid);
      g_assert_cmpint (shape[1], ==, 8);
      g_assert_cmpint (shape[2], ==, 8);
      g_assert_cmpint (shape[3], ==, 16);
      g_assert_cmpint (fathom_safetensors_get_info (st, "coarse_maps", &ndim, shape, NULL), ==,
                       g_str_equal (name, "fcn"));
      g_assert_cmpint (json_object_has_member (final, "heatmap_pointing_coarse"), ==, g_str_equal (name, "fcn"));
      if (g_str_equal (name, "fcn"))
        {
          assert_final_number (final, "heatmap_pointing_coarse");
          assert_final_number (final, "heatmap_in_box_coarse");
          g_assert_cmpint (shape[0], ==, res.n_valid);
          g_assert_cmpint (shape[2], ==, 2);
          g_assert_cmpint (shape[3], ==, 2);
        }
      files = json_from_string (fathom_safetensors_get_metadata (st, "files"), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (json_array_get_length (json_node_get_array (files)), ==, res.n_valid);
    }
  if (g_str_equal (name, "fcn") || g_str_equal (name, "allconv") || g_str_equal (name, "inception"))
    check_pointing_from_maps (c.run_dir, final);
  g_assert_cmpuint (fathom_run_info_get_n_rows (info), >, 2);
  ckpt = g_build_filename (c.run_dir, "checkpoints", "epoch-001.safetensors", NULL);
  g_assert_true (g_file_test (ckpt, G_FILE_TEST_IS_REGULAR));

  /* predictions.csv: a header and one row per validation image */
  lines = read_lines (c.run_dir, "predictions.csv", &n_lines);
  g_assert_cmpuint (n_lines, ==, res.n_valid + 1);
  header = g_strsplit (lines[0], ",", -1);
  g_assert_cmpuint (g_strv_length (header), ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpstr (header[i], ==, want[i]);
  row = g_strsplit (lines[1], ",", -1);
  g_assert_cmpuint (g_strv_length (row), ==, G_N_ELEMENTS (want));
  {
    double sum = 0;
    for (guint k = 3; k < 11; k++)
      sum += g_ascii_strtod (row[k], NULL);
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  }
}

/* ---- boxes and heatmaps by hand ------------------------------------------------- */

static void
test_bbox_iou (void)
{
  FathomExperimentConfig c;
  g_autoptr(FathomDataset) ds = load_dataset (FATHOM_SPLIT_MODE_RANDOM);
  g_auto(GStrv) lines = NULL;
  guint n_lines, checked = 0;
  /* [h, w, x, y]: 10x20 at the origin and 10x20 at (10, 5) share 10x5 */
  const float a[4] = { 10, 20, 0, 0 }, b[4] = { 10, 20, 10, 5 };

  g_assert_cmpfloat_with_epsilon (fathom_metric_iou_hwxy (a, b), 50.0 / 350.0, 1e-9);

  small_config (&c, "bbox", "bbox");
  {
    g_autofree char *csv = g_build_filename (c.run_dir, "predictions.csv", NULL);
    g_autoptr(GError) error = NULL;

    /* run on its own (-p), the bbox run is not there yet */
    if (!g_file_test (csv, G_FILE_TEST_EXISTS))
      g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
  }
  lines = read_lines (c.run_dir, "predictions.csv", &n_lines);
  for (guint i = 1; i < n_lines; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      double t[4], p[4], iw, ih, inter, uni;
      float want[4];
      guint item = G_MAXUINT;

      for (guint k = 0; k < fathom_dataset_get_n_items (ds); k++)
        if (g_str_equal (fathom_dataset_get_item (ds, k)->path, f[0]))
          item = k;
      g_assert_cmpuint (item, !=, G_MAXUINT);
      /* the true box is the lesson's scaling to the 48x48 input */
      fathom_exp_item_box (ds, item, 48, 48, want);
      for (int j = 0; j < 4; j++)
        {
          t[j] = g_ascii_strtod (f[11 + j], NULL);
          p[j] = g_ascii_strtod (f[15 + j], NULL);
          g_assert_cmpfloat_with_epsilon (t[j], want[j], 1e-3 * MAX (1, fabs (want[j])));
        }
      if (!fathom_dataset_get_item (ds, item)->has_box || p[0] <= 0 || p[1] <= 0)
        continue;
      /* IoU from the columns, by hand */
      iw = MAX (0, MIN (t[2] + t[1], p[2] + p[1]) - MAX (t[2], p[2]));
      ih = MAX (0, MIN (t[3] + t[0], p[3] + p[0]) - MAX (t[3], p[3]));
      inter = iw * ih;
      uni = t[0] * t[1] + p[0] * p[1] - inter;
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (f[19], NULL), inter / uni, 2e-4);
      checked++;
    }
  g_assert_cmpuint (checked, >, 0);
}

static void
test_heatmap_score (void)
{
  /* a 2x4 map over a 40x80 input: cells are 20x20 */
  const float map[8] = { 0, 1, 0, -2,
                         3, 0, 0, 0 };
  const float inside[4] = { 20, 20, 0, 20 };    /* the lower-left cell */
  const float elsewhere[4] = { 20, 20, 20, 0 }; /* the upper second cell */
  gboolean hit;
  double share;

  fathom_exp_heatmap_score (map, 2, 4, 80, 40, inside, &hit, &share);
  g_assert_true (hit);
  g_assert_cmpfloat_with_epsilon (share, 3.0 / 4.0, 1e-9);
  fathom_exp_heatmap_score (map, 2, 4, 80, 40, elsewhere, &hit, &share);
  g_assert_false (hit);
  g_assert_cmpfloat_with_epsilon (share, 1.0 / 4.0, 1e-9);
}

/* ---- the leak ------------------------------------------------------------------- */

static void
test_leak (void)
{
  FathomExperimentConfig c;
  FathomExperimentResult random, grouped;
  g_autoptr(GError) error = NULL;

  small_config (&c, "leak-size-only", "leak-random");
  c.epochs = 0;                 /* the preset */
  c.valid_fraction = 0.3;
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, &random, &error));
  g_assert_no_error (error);
  small_config (&c, "leak-size-only", "leak-by-size");
  c.epochs = 0;
  c.valid_fraction = 0.3;
  c.split = FATHOM_SPLIT_MODE_BY_SIZE;
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, &grouped, &error));
  g_assert_no_error (error);
  g_test_message ("size only: random split %.3f (majority %.3f, %u valid); by size %.3f (majority %.3f, %u valid)",
                  random.val_accuracy, random.majority_rate, random.n_valid,
                  grouped.val_accuracy, grouped.majority_rate, grouped.n_valid);
  g_assert_cmpfloat (random.val_accuracy, >=, random.majority_rate + 0.10);
  /* no validation size was seen in training: the model answers what it
   * learned for an unknown size, the training prior, as guessing does */
  g_assert_cmpfloat (fabs (grouped.val_accuracy - grouped.majority_rate), <=, 0.05);
}

/* ---- the predictor: a run folder on any photo ---------------------------------- */

/* The run's model, rebuilt from its folder and given the photos of its
 * predictions.csv one at a time, says what the run's own evaluation said:
 * probabilities, boxes and class maps. */
static void
check_predictor (const char *experiment, const char *box_head)
{
  FathomExperimentConfig c;
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomPredictor) predictor = NULL;
  g_autoptr(FathomSafetensors) maps = NULL;
  g_autoptr(FathomTensor) want_maps = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *name = g_strconcat ("predict-", experiment, box_head != NULL ? "-" : NULL, box_head, NULL);
  guint n_lines, checked = 0;
  int in_w, in_h;

  small_config (&c, experiment, name);
  c.box_head = box_head;
  /* the size alone: no input picture, as fathom-cli runs it by default */
  if (g_str_equal (experiment, "leak-size-only"))
    c.width = c.height = 0;
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  predictor = fathom_predictor_new (c.run_dir, "cpu", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_predictor_get_experiment (predictor), ==, experiment);
  g_assert_cmpuint (fathom_predictor_get_n_classes (predictor), ==, 8);
  g_assert_cmpint (fathom_predictor_find_class (predictor, "NoF"), ==, 4);
  fathom_predictor_get_input_size (predictor, &in_w, &in_h);
  if (fathom_predictor_has_maps (predictor))
    {
      g_autofree char *path = g_build_filename (c.run_dir, "heatmaps.safetensors", NULL);

      maps = fathom_safetensors_load (path, &error);
      g_assert_no_error (error);
      want_maps = fathom_safetensors_get_tensor (maps, "maps", &error);
      g_assert_no_error (error);
    }

  lines = read_lines (c.run_dir, "predictions.csv", &n_lines);
  for (guint i = 1; i < n_lines && i <= 6; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);
      g_autofree char *photo_path = g_build_filename (data_dir, f[0], NULL);
      g_autoptr(FathomImage) photo = fathom_image_load (photo_path, &error);
      g_auto(FathomPrediction) pred = { 0 };

      g_assert_no_error (error);
      g_assert_true (fathom_predictor_predict (predictor, photo, &pred, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (fathom_predictor_get_classes (predictor)[pred.pred_class], ==, f[2]);
      for (guint k = 0; k < 8; k++)
        g_assert_cmpfloat_with_epsilon (pred.probs[k], g_ascii_strtod (f[3 + k], NULL), 1e-4);
      g_assert_cmpint (pred.has_box, ==, fathom_predictor_has_box (predictor));
      if (pred.has_box)
        for (int j = 0; j < 4; j++)
          {
            double want = g_ascii_strtod (f[15 + j], NULL);
            g_assert_cmpfloat_with_epsilon (pred.box[j], want, 1e-3 * MAX (1, fabs (want)));
          }
      if (want_maps != NULL)
        {
          const gint64 *ws = fathom_tensor_get_shape (want_maps);
          gint64 plane = ws[1] * ws[2] * ws[3];
          const float *want = fathom_tensor_get_const_data (want_maps) + (i - 1) * plane;
          const float *got = fathom_tensor_get_const_data (pred.maps);

          g_assert_cmpint (fathom_tensor_get_shape (pred.maps)[0] * fathom_tensor_get_shape (pred.maps)[1] *
                           fathom_tensor_get_shape (pred.maps)[2], ==, plane);
          for (gint64 j = 0; j < plane; j++)
            g_assert_cmpfloat_with_epsilon (got[j], want[j], 1e-3 * MAX (1, fabs (want[j])));
          /* fcn's own maps beside them */
          g_assert_nonnull (pred.coarse_maps);
          g_assert_cmpint (fathom_tensor_get_shape (pred.coarse_maps)[1], ==, 2);

          /* without maps: the same probabilities */
          {
            g_auto(FathomPrediction) bare = { 0 };

            fathom_predictor_set_want_maps (predictor, FALSE);
            g_assert_true (fathom_predictor_predict (predictor, photo, &bare, &error));
            g_assert_no_error (error);
            fathom_predictor_set_want_maps (predictor, TRUE);
            g_assert_null (bare.maps);
            g_assert_null (bare.coarse_maps);
            for (guint k = 0; k < 8; k++)
              g_assert_cmpfloat (bare.probs[k], ==, pred.probs[k]);
          }
        }
      checked++;
    }
  g_assert_cmpuint (checked, ==, 6);
}

static void
test_predictor (void)
{
  check_predictor ("fcn", NULL);            /* class maps */
  check_predictor ("bbox", NULL);           /* boxes from the attention box head */
  check_predictor ("bbox", "dense");        /* and from the lesson's */
  check_predictor ("multi-input", NULL);    /* the size one-hot from the photo */
  check_predictor ("leak-size-only", NULL); /* the size one-hot alone */
}

static void
test_predictor_bad_run (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (work_dir, "not-a-run", "checkpoints", NULL);
  g_autofree char *model = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *run = g_path_get_dirname (dir);
  g_autofree char *run_json = g_build_filename (run, "run.json", NULL);

  /* no folder at all; a run stopped before its model was written */
  g_assert_null (fathom_predictor_new (run, "cpu", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "is not a run folder (it has no run.json)"));
  g_clear_error (&error);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (run_json, "{\"experiment\": \"fcn\", \"status\": \"stopped\"}", -1, NULL));
  g_assert_null (fathom_predictor_new (run, "cpu", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "has no trained model"));
  g_assert_nonnull (strstr (error->message, "the run is stopped"));
  g_assert_nonnull (strstr (error->message, "--resume"));
  g_clear_error (&error);
  /* a failed one says why, and that resuming wants the cause dealt with */
  g_assert_true (g_file_set_contents (run_json, "{\"experiment\": \"fcn\", \"status\": \"failed\", "
                                      "\"message\": \"loss became NaN at epoch 1\"}", -1, NULL));
  g_assert_null (fathom_predictor_new (run, "cpu", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message,
                            "the run failed: loss became NaN at epoch 1; once the cause is dealt with"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (model, "garbage", -1, NULL));
  g_assert_null (fathom_predictor_new (run, "cpu", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
}

/* ---- repeatability, stopping, what cannot run ---------------------------------------- */

static void
test_same_seed (void)
{
  FathomExperimentConfig c;
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunInfo) i1 = NULL, i2 = NULL;
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) n1 = json_node_new (JSON_NODE_OBJECT), n2 = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *s1 = NULL, *s2 = NULL;

  small_config (&c, "fcn", "same-1");
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  json_node_set_object (n1, load_final (c.run_dir, &i1));
  small_config (&c, "fcn", "same-2");
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  json_node_set_object (n2, load_final (c.run_dir, &i2));
  json_generator_set_root (gen, n1);
  s1 = json_generator_to_data (gen, NULL);
  json_generator_set_root (gen, n2);
  s2 = json_generator_to_data (gen, NULL);
  g_assert_cmpstr (s1, ==, s2);
}

static void
cancel_after_first_batch (const FathomTrainProgress *p, gpointer user_data)
{
  if (g_str_equal (p->phase, "train"))
    g_cancellable_cancel (user_data);
}

/* Runs c until cancel (a progress callback given the cancellable) stops
 * it; returns the stopped run's run.json. */
static FathomRunInfo *
run_until_stopped (const FathomExperimentConfig *c, FathomTrainProgressFunc cancel)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  FathomRunInfo *info;

  g_assert_false (fathom_experiment_run (c, cancel, cancellable, cancellable, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  info = fathom_run_info_load (c->run_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "stopped");
  return info;
}

static void
test_cancel (void)
{
  FathomExperimentConfig c;
  g_autoptr(FathomRunInfo) info = NULL;

  small_config (&c, "dense-head", "stopped");
  info = run_until_stopped (&c, cancel_after_first_batch);
  g_assert_cmpuint (fathom_run_info_get_n_rows (info), ==, 1);
}

/* A run stopped in its second epoch and resumed with --resume ends where
 * the uninterrupted run ends, row for row. */
static void
cancel_in_second_epoch (const FathomTrainProgress *p, gpointer user_data)
{
  if (g_str_equal (p->phase, "train") && p->epoch == 1)
    g_cancellable_cancel (user_data);
}

static void
test_resume (void)
{
  FathomExperimentConfig c;
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunInfo) whole = NULL, stopped = NULL, resumed = NULL;
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) n1 = json_node_new (JSON_NODE_OBJECT), n2 = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *s1 = NULL, *s2 = NULL;

  small_config (&c, "fcn", "resume-whole");
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  json_node_set_object (n1, load_final (c.run_dir, &whole));

  small_config (&c, "fcn", "resume-cut");
  stopped = run_until_stopped (&c, cancel_in_second_epoch);
  g_assert_cmpuint (fathom_run_info_get_n_rows (stopped), <, fathom_run_info_get_n_rows (whole));

  /* other options than it was started with are refused */
  c.resume = TRUE;
  c.seed++;
  g_assert_false (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_NOT_RESUMABLE);
  g_assert_nonnull (strstr (error->message, "seed"));
  g_clear_error (&error);
  c.seed--;
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  json_node_set_object (n2, load_final (c.run_dir, &resumed));
  g_assert_cmpstr (fathom_run_info_get_status (resumed), ==, "finished");
  g_assert_cmpuint (fathom_run_info_get_n_rows (resumed), ==, fathom_run_info_get_n_rows (whole));
  json_generator_set_root (gen, n1);
  s1 = json_generator_to_data (gen, NULL);
  json_generator_set_root (gen, n2);
  s2 = json_generator_to_data (gen, NULL);
  g_assert_cmpstr (s1, ==, s2);
}

/* A bbox run says that its class output reads the fish, and resumes; one
 * started before that (its run.json without the setting) has checkpoints
 * that do not fit the model, and is refused by name before any work. */
static void
set_class_reads_box (const char *run_dir, gboolean present)
{
  g_autofree char *path = g_build_filename (run_dir, "run.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *config;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  config = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "config");
  g_assert_nonnull (config);
  if (present)
    json_object_set_int_member (config, "class_reads_box", 1);
  else
    json_object_remove_member (config, "class_reads_box");
  json_generator_set_root (gen, json_parser_get_root (parser));
  g_assert_true (json_generator_to_file (gen, path, &error));
  g_assert_no_error (error);
}

static void
test_resume_bbox (void)
{
  FathomExperimentConfig c;
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunInfo) stopped = NULL, resumed = NULL;

  small_config (&c, "bbox", "resume-bbox");
  stopped = run_until_stopped (&c, cancel_in_second_epoch);

  c.resume = TRUE;
  set_class_reads_box (c.run_dir, FALSE);
  g_assert_false (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_NOT_RESUMABLE);
  g_assert_nonnull (strstr (error->message, "class_reads_box"));
  g_clear_error (&error);
  set_class_reads_box (c.run_dir, TRUE);
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  resumed = fathom_run_info_load (c.run_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (resumed), ==, "finished");
}

static void
test_unavailable (void)
{
  FathomExperimentConfig c;
  g_autoptr(GError) error = NULL;

  /* vgg-finetune needs the course's whole VGG16BN: refused before any
   * work, and so before the run folder exists (test-backbones.c runs it) */
  small_config (&c, "vgg-finetune", "vgg-finetune");
  g_assert_false (fathom_experiment_check (&c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "vgg16_bn.h5"));
  g_assert_false (g_file_test (c.run_dir, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  c.weights = "/nonexistent/vgg16_bn.h5";
  c.backbone = "resnet50";
  g_assert_false (fathom_experiment_check (&c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "vgg16bn"));
  g_clear_error (&error);
  /* its 4096-vector suits no other head */
  small_config (&c, "dense-head", "dense-head-vgg16bn");
  c.weights = "/nonexistent/vgg16_bn.h5";
  c.backbone = "vgg16bn";
  g_assert_false (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  small_config (&c, "dense-head", "dense-head-check");
  g_assert_true (fathom_experiment_check (&c, &error));
  g_assert_no_error (error);
  small_config (&c, "no-such-thing", "none");
  g_assert_false (fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int argc, char *argv[])
{
  static const char *const experiments[] = {
    "dense-head", "multi-input", "leak-size-only", "bbox", "fcn", "allconv", "inception", "resnet-dense", "resnet-gap",
  };
  FathomFishsimOptions opts;
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  run_dirs = g_ptr_array_new_with_free_func (g_free);
  work_dir = g_dir_make_tmp ("fathom-experiments-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (work_dir, "data", NULL);
  cache_dir = g_build_filename (work_dir, "cache", NULL);
  fathom_fishsim_options_init (&opts);
  opts.out_dir = data_dir;
  opts.n_images = 360;
  opts.scale = 0.15;            /* small photos; sizes stay distinct */
  opts.seed = 11;
  if (!fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error))
    g_error ("fishsim: %s", error->message);

  g_test_add_func ("/experiments/features-file", test_features_file);
  g_test_add_func ("/experiments/feature-cache", test_feature_cache);
  g_test_add_func ("/experiments/colour-augmentation", test_colour_augmentation);
  g_test_add_func ("/experiments/mini-corpus", test_mini_corpus);
  g_test_add_func ("/experiments/feature-copies", test_feature_copies);
  for (guint i = 0; i < G_N_ELEMENTS (experiments); i++)
    {
      g_autofree char *path = g_strdup_printf ("/experiments/run/%s", experiments[i]);
      g_test_add_data_func (path, experiments[i], test_experiment);
    }
  g_test_add_func ("/experiments/bbox-iou", test_bbox_iou);
  g_test_add_func ("/experiments/heatmap-score", test_heatmap_score);
  g_test_add_func ("/experiments/leak-size-only", test_leak);
  g_test_add_func ("/experiments/predictor", test_predictor);
  g_test_add_func ("/experiments/predictor-bad-run", test_predictor_bad_run);
  g_test_add_func ("/experiments/same-seed", test_same_seed);
  g_test_add_func ("/experiments/cancel", test_cancel);
  g_test_add_func ("/experiments/resume", test_resume);
  g_test_add_func ("/experiments/resume-bbox", test_resume_bbox);
  g_test_add_func ("/experiments/unavailable", test_unavailable);
  status = g_test_run ();

  fathom_test_remove_tree (work_dir);
  g_ptr_array_unref (run_dirs);
  g_free (data_dir);
  g_free (cache_dir);
  g_free (work_dir);
  return status;
}
