/* test-dataset.c: dataset layouts, bad files, splits, the size one-hot,
 * fingerprints and annotation attachment, on trees built in a temp dir. */
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fathom-dataset.h"
#include "fathom-image.h"

/* Five "boats" (image sizes), tiny so that the tree is quick to write. */
static const int boat_sizes[5][2] = { { 40, 24 }, { 40, 25 }, { 36, 20 }, { 32, 18 }, { 44, 25 } };
static const char *const fish[8] = { "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT" };

static void
write_image (const char *root, const char *rel, int w, int h)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(FathomImage) img = fathom_image_new (w, h);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int i = 0; i < w * h * 3; i++)
    img->pixels[i] = (guint8) (i * 7 + w);
  if (g_str_has_suffix (rel, ".png"))
    g_assert_true (fathom_image_save_png (img, path, &error));
  else
    g_assert_true (fathom_image_save_jpeg (img, path, 90, &error));
  g_assert_no_error (error);
}

static void
write_text (const char *root, const char *rel, const char *text, gssize len)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, len, NULL));
}

/* train/<fish>/ with 4-6 images each (39 in all), test_stg1/ with 3, four
 * bad files, two silently ignored ones and an annotations/ folder. */
static char *
make_fisheries_tree (void)
{
  g_autoptr(GError) error = NULL;
  char *root = g_dir_make_tmp ("fathom-ds-XXXXXX", &error);
  int id = 0;
  g_autofree char *jpeg = NULL;
  gsize jpeg_len;

  g_assert_no_error (error);
  for (int c = 0; c < 8; c++)
    for (int k = 0; k < 4 + c % 3; k++, id++)
      {
        g_autofree char *rel = g_strdup_printf ("train/%s/img_%05d.jpg", fish[c], id);
        const int *s = boat_sizes[(c * 7 + k) % 5];

        write_image (root, rel, s[0], s[1]);
      }
  write_image (root, "test_stg1/img_90000.jpg", 40, 24);
  write_image (root, "test_stg1/img_90001.png", 50, 30);
  write_image (root, "test_stg1/img_90002.JPG", 32, 18);

  write_text (root, "train/ALB/img_empty.jpg", "", 0);
  write_text (root, "train/BET/img_text.jpg", "this is not a JPEG\n", -1);
  {
    g_autofree char *good = g_build_filename (root, "train/ALB/img_00000.jpg", NULL);

    g_assert_true (g_file_get_contents (good, &jpeg, &jpeg_len, NULL));
    write_text (root, "train/DOL/img_trunc.jpg", jpeg, 12);
  }
  write_text (root, "train/LAG/img_trunc.png", "\x89PNG\r\n\x1a\n\0\0\0\x0dIH", 14);
  write_text (root, "train/LAG/.DS_Store", "\0\0\0\1Bud1", 8);
  write_text (root, "train/README", "fish\n", -1);

  /* ALB img_00000 (40x24) has two rects; BET img_00007 (40x24) two points; two
   * names match no image */
  write_text (root, "annotations/alb_labels.json",
              "[{\"filename\": \"img_00000.jpg\", \"class\": \"image\", \"annotations\": ["
              "  {\"class\": \"rect\", \"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4},"
              "  {\"class\": \"rect\", \"x\": 5, \"y\": 6, \"width\": 10, \"height\": 8}]},"
              " {\"filename\": \"image2.jpg\", \"annotations\": []},"
              " {\"filename\": \"temp.jpg\", \"annotations\": []}]", -1);
  write_text (root, "annotations/bet_labels.json",
              "[{\"filename\": \"img_00007.jpg\", \"class\": \"image\", \"annotations\": ["
              "  {\"class\": \"point\", \"x\": 30, \"y\": 12},"
              "  {\"class\": \"point\", \"x\": 40, \"y\": 12}]}]", -1);
  return root;
}

static const FathomDatasetItem *
find_item (FathomDataset *ds, const char *rel)
{
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    if (strcmp (fathom_dataset_get_item (ds, i)->path, rel) == 0)
      return fathom_dataset_get_item (ds, i);
  return NULL;
}

/* find_item() for an item the test expects: a clear failure otherwise. */
static const FathomDatasetItem *
must_find (FathomDataset *ds, const char *rel)
{
  const FathomDatasetItem *item = find_item (ds, rel);

  if (item == NULL)
    g_error ("the dataset has no item %s", rel);
  return item;
}

static FathomDataset *
load (const char *root, FathomSplitMode mode, guint64 seed, double fraction)
{
  FathomDatasetOptions opts;
  g_autoptr(GError) error = NULL;
  FathomDataset *ds;

  fathom_dataset_options_init (&opts);
  opts.mode = mode;
  opts.seed = seed;
  opts.valid_fraction = fraction;
  ds = fathom_dataset_load (root, &opts, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

static GString *
split_signature (FathomDataset *ds)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    g_string_append_c (s, "TVX"[fathom_dataset_get_item (ds, i)->split]);
  return s;
}

static void
test_fisheries_layout (void)
{
  g_autofree char *root = make_fisheries_tree ();
  g_autoptr(FathomDataset) ds = load (root, FATHOM_SPLIT_MODE_RANDOM, 0, 500.0 / 3777.0);
  g_autoptr(GArray) sizes = NULL;
  FathomAnnotations *ann;
  const FathomDatasetItem *item;
  const char *bad[] = { "train/ALB/img_empty.jpg", "train/BET/img_text.jpg",
                        "train/DOL/img_trunc.jpg", "train/LAG/img_trunc.png" };

  g_assert_cmpint (fathom_dataset_get_layout (ds), ==, FATHOM_DATASET_FISHERIES);
  g_assert_false (fathom_dataset_has_valid_folder (ds));
  g_assert_cmpuint (fathom_dataset_get_n_classes (ds), ==, 8);
  for (guint c = 0; c < 8; c++)
    {
      g_assert_cmpstr (fathom_dataset_get_class_name (ds, c), ==, fish[c]);
      g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_ANY, (int) c), ==, 4 + c % 3);
    }
  g_assert_cmpuint (fathom_dataset_get_n_items (ds), ==, 39 + 3);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_TEST, -1), ==, 3);
  {
    g_autoptr(GArray) test = fathom_dataset_list_items (ds, FATHOM_SPLIT_TEST);
    g_autoptr(GArray) all = fathom_dataset_list_items (ds, FATHOM_SPLIT_ANY);

    /* the test photos' indices, ascending; every item for ANY */
    g_assert_cmpuint (test->len, ==, 3);
    for (guint i = 0; i < test->len; i++)
      {
        guint at = g_array_index (test, guint, i);

        g_assert_cmpint (fathom_dataset_get_item (ds, at)->split, ==, FATHOM_SPLIT_TEST);
        if (i > 0)
          g_assert_cmpuint (at, >, g_array_index (test, guint, i - 1));
      }
    g_assert_cmpuint (all->len, ==, fathom_dataset_get_n_items (ds));
    g_assert_cmpuint (g_array_index (all, guint, all->len - 1), ==, all->len - 1);
  }

  /* the four bad files, by name, in path order; .DS_Store and README are
   * not image names and pass silently */
  g_assert_cmpuint (fathom_dataset_get_n_problems (ds), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      const FathomDatasetProblem *p = fathom_dataset_get_problem (ds, i);
      g_autofree char *base = g_path_get_basename (bad[i]);

      g_assert_cmpstr (p->path, ==, bad[i]);
      g_assert_nonnull (strstr (p->message, base));
      g_assert_null (find_item (ds, bad[i]));
    }

  item = must_find (ds, "train/ALB/img_00000.jpg");
  g_assert_cmpint (item->class_index, ==, 0);
  g_assert_cmpint (item->width, ==, 40);
  g_assert_cmpint (item->height, ==, 24);
  g_assert_cmpuint (item->file_size, >, 0);
  item = must_find (ds, "test_stg1/img_90001.png");
  g_assert_cmpint (item->class_index, ==, -1);
  g_assert_cmpint (item->split, ==, FATHOM_SPLIT_TEST);
  g_assert_cmpint (item->width, ==, 50);
  g_assert_nonnull (find_item (ds, "test_stg1/img_90002.JPG"));

  /* sizes over all images: (c*7 + k) % 5 spreads the 39 over the boats */
  sizes = fathom_dataset_list_sizes (ds, FATHOM_SPLIT_ANY);
  g_assert_cmpuint (sizes->len, ==, 6);         /* five boats and test's 50x30 */
  for (guint g = 1; g < sizes->len; g++)
    g_assert_cmpuint (g_array_index (sizes, FathomImageSize, g - 1).count, >=,
                      g_array_index (sizes, FathomImageSize, g).count);

  /* annotations: the larger rect, a point box clipped to 40 x 24, and the
   * two names that match nothing */
  ann = fathom_dataset_get_annotations (ds);
  g_assert_nonnull (ann);
  item = must_find (ds, "train/ALB/img_00000.jpg");
  g_assert_true (item->has_box);
  g_assert_cmpfloat (item->box.x, ==, 5);
  g_assert_cmpfloat (item->box.width, ==, 10);
  item = must_find (ds, "train/BET/img_00007.jpg");
  g_assert_cmpint (item->width, ==, 40);
  g_assert_true (item->has_box);
  g_assert_cmpuint (item->annotation->points->len, ==, 2);
  /* head (30,12), tail (40,12): square of side 12 around (35,12), cut at
   * x = 40: [29, 40] x [6, 18] */
  g_assert_cmpfloat_with_epsilon (item->box.x, 29, 1e-9);
  g_assert_cmpfloat_with_epsilon (item->box.width, 11, 1e-9);
  g_assert_cmpfloat_with_epsilon (item->box.y, 6, 1e-9);
  g_assert_cmpfloat_with_epsilon (item->box.height, 12, 1e-9);
  item = must_find (ds, "train/ALB/img_00001.jpg");
  g_assert_false (item->has_box);
  g_assert_null (item->annotation);
  g_assert_cmpuint (fathom_annotations_count_problems (ann, FATHOM_ANNOTATION_PROBLEM_UNKNOWN_IMAGE),
                    ==, 2);
  for (guint i = 0; i < fathom_annotations_get_n_problems (ann); i++)
    {
      const FathomAnnotationProblem *p = fathom_annotations_get_problem (ann, i);

      if (p->kind == FATHOM_ANNOTATION_PROBLEM_UNKNOWN_IMAGE)
        g_assert_true (g_strcmp0 (p->filename, "image2.jpg") == 0 ||
                       g_strcmp0 (p->filename, "temp.jpg") == 0);
    }

  fathom_test_remove_tree (root);
}

static void
test_splits (void)
{
  g_autofree char *root = make_fisheries_tree ();
  const double f = 0.25;
  const guint n_train = 39;

  /* RANDOM: round(0.25 * 39) = 10, the same for the same seed */
  {
    g_autoptr(FathomDataset) a = load (root, FATHOM_SPLIT_MODE_RANDOM, 7, f);
    g_autoptr(FathomDataset) b = load (root, FATHOM_SPLIT_MODE_RANDOM, 7, f);
    g_autoptr(FathomDataset) c = load (root, FATHOM_SPLIT_MODE_RANDOM, 8, f);
    g_autoptr(GString) sa = split_signature (a);
    g_autoptr(GString) sb = split_signature (b);
    g_autoptr(GString) sc = split_signature (c);

    g_assert_cmpuint (fathom_dataset_count (a, FATHOM_SPLIT_VALID, -1), ==, 10);
    g_assert_cmpuint (fathom_dataset_count (a, FATHOM_SPLIT_TRAIN, -1), ==, n_train - 10);
    g_assert_cmpstr (sa->str, ==, sb->str);
    g_assert_cmpstr (sa->str, !=, sc->str);
    g_assert_cmpstr (fathom_dataset_get_fingerprint (a), ==, fathom_dataset_get_fingerprint (b));
    g_assert_cmpstr (fathom_dataset_get_fingerprint (a), !=, fathom_dataset_get_fingerprint (c));
  }

  /* STRATIFIED: round(0.25 * n_c) of each class (4, 5, 6 -> 1, 1, 2) */
  {
    g_autoptr(FathomDataset) a = load (root, FATHOM_SPLIT_MODE_STRATIFIED, 3, f);
    g_autoptr(FathomDataset) b = load (root, FATHOM_SPLIT_MODE_STRATIFIED, 3, f);
    g_autoptr(GString) sa = split_signature (a);
    g_autoptr(GString) sb = split_signature (b);

    for (int c = 0; c < 8; c++)
      g_assert_cmpuint (fathom_dataset_count (a, FATHOM_SPLIT_VALID, c), ==,
                        (guint) lround (f * (4 + c % 3)));
    g_assert_cmpstr (sa->str, ==, sb->str);
  }

  /* BY_SIZE: whole boats on one side, near 25%, seeded */
  for (guint64 seed = 0; seed < 6; seed++)
    {
      g_autoptr(FathomDataset) a = load (root, FATHOM_SPLIT_MODE_BY_SIZE, seed, f);
      g_autoptr(FathomDataset) b = load (root, FATHOM_SPLIT_MODE_BY_SIZE, seed, f);
      g_autoptr(GArray) train_sizes = fathom_dataset_list_sizes (a, FATHOM_SPLIT_TRAIN);
      g_autoptr(GArray) valid_sizes = fathom_dataset_list_sizes (a, FATHOM_SPLIT_VALID);
      g_autoptr(GString) sa = split_signature (a);
      g_autoptr(GString) sb = split_signature (b);
      guint n_valid = fathom_dataset_count (a, FATHOM_SPLIT_VALID, -1);
      guint largest = 0;
      float hot[8];

      g_assert_cmpstr (sa->str, ==, sb->str);
      g_assert_cmpuint (valid_sizes->len, >, 0);
      for (guint i = 0; i < train_sizes->len; i++)
        {
          const FathomImageSize *t = &g_array_index (train_sizes, FathomImageSize, i);

          largest = MAX (largest, t->count);
          for (guint j = 0; j < valid_sizes->len; j++)
            {
              const FathomImageSize *v = &g_array_index (valid_sizes, FathomImageSize, j);

              g_assert_false (t->width == v->width && t->height == v->height);
            }
        }
      /* within one group of the target: a group left out would have been
       * taken, and the last one taken would have been left */
      g_assert_cmpfloat (fabs (n_valid - f * n_train), <=, largest);

      /* the one-hot of a validation item is all zero here: its boat is
       * not among the training sizes */
      g_assert_cmpuint (fathom_dataset_get_n_size_features (a), ==, train_sizes->len);
      for (guint i = 0; i < fathom_dataset_get_n_items (a); i++)
        {
          const FathomDatasetItem *item = fathom_dataset_get_item (a, i);
          float sum = 0;

          fathom_dataset_size_one_hot (a, i, hot);
          for (guint g = 0; g < train_sizes->len; g++)
            sum += hot[g];
          if (item->split == FATHOM_SPLIT_TRAIN)
            g_assert_cmpfloat (sum, ==, 1.f);
          else if (item->split == FATHOM_SPLIT_VALID)
            g_assert_cmpfloat (sum, ==, 0.f);
        }
    }
  fathom_test_remove_tree (root);
}

static void
test_one_hot_and_fingerprint (void)
{
  g_autofree char *root = make_fisheries_tree ();
  g_autoptr(FathomDataset) a = load (root, FATHOM_SPLIT_MODE_RANDOM, 1, 0.2);
  g_autoptr(FathomDataset) b = load (root, FATHOM_SPLIT_MODE_RANDOM, 1, 0.2);
  g_autoptr(FathomDataset) c = NULL;
  g_autoptr(GArray) sizes = fathom_dataset_list_sizes (a, FATHOM_SPLIT_TRAIN);
  const char *fp = fathom_dataset_get_fingerprint (a);
  float hot[8];

  /* one 1 at the item's own training size, in list_sizes order */
  g_assert_cmpuint (fathom_dataset_get_n_size_features (a), ==, sizes->len);
  g_assert_cmpuint (sizes->len, ==, 5);
  for (guint i = 0; i < fathom_dataset_get_n_items (a); i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (a, i);
      int ones = 0;

      fathom_dataset_size_one_hot (a, i, hot);
      for (guint g = 0; g < sizes->len; g++)
        {
          const FathomImageSize *s = &g_array_index (sizes, FathomImageSize, g);
          gboolean same = s->width == item->width && s->height == item->height;

          g_assert_cmpfloat (hot[g], ==, same ? 1.f : 0.f);
          ones += same;
        }
      /* only test's 50x30 is a size no training image has */
      g_assert_cmpint (ones, ==, item->width == 50 ? 0 : 1);
    }

  g_assert_cmpuint (strlen (fp), ==, 64);
  g_assert_cmpstr (fp, ==, fathom_dataset_get_fingerprint (b));
  write_image (root, "train/YFT/img_70000.jpg", 40, 24);
  c = load (root, FATHOM_SPLIT_MODE_RANDOM, 1, 0.2);
  g_assert_cmpuint (fathom_dataset_get_n_items (c), ==, fathom_dataset_get_n_items (a) + 1);
  g_assert_cmpstr (fp, !=, fathom_dataset_get_fingerprint (c));
  fathom_test_remove_tree (root);
}

static void
test_class_folders (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("fathom-ds-XXXXXX", &error);
  g_autoptr(FathomDataset) ds = NULL;
  const FathomDatasetProblem *p;

  g_assert_no_error (error);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *cat = g_strdup_printf ("train/cats/cat.%d.jpg", i);
      g_autofree char *dog = g_strdup_printf ("train/dogs/dog.%d.png", i);

      write_image (root, cat, 20 + i, 16);
      write_image (root, dog, 16, 20 + i);
    }
  write_image (root, "valid/cats/cat.100.jpg", 20, 16);
  write_image (root, "valid/dogs/dog.100.jpg", 16, 20);
  write_image (root, "valid/dogs/dog.101.jpg", 16, 20);
  write_image (root, "valid/birds/bird.1.jpg", 16, 16);
  write_image (root, "test/unknown/1.jpg", 16, 16);
  write_image (root, "test/2.png", 16, 16);

  ds = load (root, FATHOM_SPLIT_MODE_RANDOM, 0, 0.5);
  g_assert_cmpint (fathom_dataset_get_layout (ds), ==, FATHOM_DATASET_CLASS_FOLDERS);
  g_assert_true (fathom_dataset_has_valid_folder (ds));
  g_assert_cmpuint (fathom_dataset_get_n_classes (ds), ==, 2);
  g_assert_cmpstr (fathom_dataset_get_class_name (ds, 0), ==, "cats");
  g_assert_cmpstr (fathom_dataset_get_class_name (ds, 1), ==, "dogs");
  /* valid/ is honoured: the fraction 0.5 is not applied */
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, 0), ==, 5);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, 1), ==, 5);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_VALID, 0), ==, 1);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_VALID, 1), ==, 2);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_TEST, -1), ==, 2);
  g_assert_cmpint (must_find (ds, "train/dogs/dog.3.png")->height, ==, 23);
  g_assert_cmpint (must_find (ds, "test/unknown/1.jpg")->class_index, ==, -1);
  /* birds is not a training class */
  g_assert_cmpuint (fathom_dataset_get_n_problems (ds), ==, 1);
  p = fathom_dataset_get_problem (ds, 0);
  g_assert_cmpstr (p->path, ==, "valid/birds");
  g_assert_null (fathom_dataset_get_annotations (ds));
  fathom_test_remove_tree (root);
}

/* Hidden entries are no classes and no photos, and Kaggle's test photos
 * stay test photos when train/ holds a ninth class. */
static void
test_hidden_and_extra_folders (void)
{
  g_autofree char *root = make_fisheries_tree ();
  g_autoptr(FathomDataset) ds = NULL, nine = NULL;

  /* a notebook's checkpoints, macOS's AppleDouble file beside a photo */
  write_image (root, "train/.ipynb_checkpoints/img_00000-checkpoint.jpg", 40, 24);
  write_text (root, "train/ALB/._img_00000.jpg", "\0\5\26\7\0\2\0\0Mac OS X", 16);
  write_image (root, "test_stg1/.hidden/img_99999.jpg", 40, 24);
  ds = load (root, FATHOM_SPLIT_MODE_RANDOM, 0, 500.0 / 3777.0);
  g_assert_cmpint (fathom_dataset_get_layout (ds), ==, FATHOM_DATASET_FISHERIES);
  g_assert_cmpuint (fathom_dataset_get_n_classes (ds), ==, 8);
  g_assert_cmpuint (fathom_dataset_get_n_items (ds), ==, 39 + 3);
  /* the four bad files of the tree, and nothing of the hidden ones */
  g_assert_cmpuint (fathom_dataset_get_n_problems (ds), ==, 4);
  for (guint i = 0; i < fathom_dataset_get_n_problems (ds); i++)
    g_assert_null (strstr (fathom_dataset_get_problem (ds, i)->path, "/."));

  write_image (root, "train/TUNA/img_00100.jpg", 40, 24);
  nine = load (root, FATHOM_SPLIT_MODE_RANDOM, 0, 500.0 / 3777.0);
  g_assert_cmpint (fathom_dataset_get_layout (nine), ==, FATHOM_DATASET_CLASS_FOLDERS);
  g_assert_cmpuint (fathom_dataset_get_n_classes (nine), ==, 9);
  g_assert_cmpstr (fathom_dataset_get_class_name (nine, 7), ==, "TUNA");   /* sorted: before YFT */
  g_assert_cmpuint (fathom_dataset_count (nine, FATHOM_SPLIT_TEST, -1), ==, 3);
  g_assert_cmpint (must_find (nine, "test_stg1/img_90001.png")->split, ==, FATHOM_SPLIT_TEST);
  fathom_test_remove_tree (root);
}

/* A JPEG cut short after its header: its size reads, its pixels do not.
 * Only decoding every photo (inspect's way) finds it. */
static void
test_decode_finds_truncated (void)
{
  g_autofree char *root = make_fisheries_tree ();
  g_autofree char *whole = g_build_filename (root, "big.jpg", NULL);
  g_autofree char *bytes = NULL;
  g_autoptr(FathomDataset) quick = NULL, deep = NULL;
  g_autoptr(GError) error = NULL;
  FathomDatasetOptions opts;
  gsize len;
  guint n_problems;

  write_image (root, "big.jpg", 320, 240);
  g_assert_true (g_file_get_contents (whole, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 4000);
  write_text (root, "train/YFT/img_cut.jpg", bytes, (gssize) (len * 2 / 3));
  g_assert_cmpint (g_unlink (whole), ==, 0);

  fathom_dataset_options_init (&opts);
  quick = fathom_dataset_load (root, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (must_find (quick, "train/YFT/img_cut.jpg")->width, ==, 320);
  n_problems = fathom_dataset_get_n_problems (quick);

  opts.decode = TRUE;
  deep = fathom_dataset_load (root, &opts, &error);
  g_assert_no_error (error);
  g_assert_null (find_item (deep, "train/YFT/img_cut.jpg"));
  g_assert_cmpuint (fathom_dataset_get_n_items (deep), ==, fathom_dataset_get_n_items (quick) - 1);
  g_assert_cmpuint (fathom_dataset_get_n_problems (deep), ==, n_problems + 1);
  {
    gboolean found = FALSE;

    for (guint i = 0; i < fathom_dataset_get_n_problems (deep); i++)
      found = found || g_str_equal (fathom_dataset_get_problem (deep, i)->path, "train/YFT/img_cut.jpg");
    g_assert_true (found);
  }
  fathom_test_remove_tree (root);
}

static void
test_unlabelled_and_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("fathom-ds-XXXXXX", &error);
  g_autofree char *missing = g_build_filename (root, "nope", NULL);
  g_autofree char *empty = g_build_filename (root, "empty", NULL);
  g_autofree char *flat = g_build_filename (root, "flat", NULL);
  g_autofree char *tests_only = g_build_filename (root, "tests-only", NULL);
  g_autofree char *notrain = g_build_filename (root, "notrain", NULL);
  g_autofree char *train = g_build_filename (notrain, "train", NULL);
  g_autoptr(FathomDataset) ds = NULL;
  FathomDatasetOptions opts;
  FathomDataset *none;

  g_assert_no_error (error);
  write_image (flat, "a.jpg", 10, 12);
  write_image (flat, "b.png", 12, 10);
  write_text (flat, "README", "photos\n", -1);
  ds = load (flat, FATHOM_SPLIT_MODE_RANDOM, 0, 0.2);
  g_assert_cmpint (fathom_dataset_get_layout (ds), ==, FATHOM_DATASET_UNLABELLED);
  g_assert_cmpuint (fathom_dataset_get_n_items (ds), ==, 2);
  g_assert_cmpstr (fathom_dataset_get_item (ds, 0)->path, ==, "a.jpg");
  g_assert_cmpint (fathom_dataset_get_item (ds, 1)->class_index, ==, -1);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_TEST, -1), ==, 2);
  g_assert_cmpuint (fathom_dataset_get_n_problems (ds), ==, 0);
  g_clear_pointer (&ds, fathom_dataset_free);

  /* Kaggle's test photos without the training photos, for a submission */
  write_image (tests_only, "test_stg1/img_00001.jpg", 10, 12);
  write_image (tests_only, "test_stg1/img_00002.jpg", 10, 12);
  ds = load (tests_only, FATHOM_SPLIT_MODE_RANDOM, 0, 0.2);
  g_assert_cmpint (fathom_dataset_get_layout (ds), ==, FATHOM_DATASET_UNLABELLED);
  g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_TEST, -1), ==, 2);
  g_assert_cmpstr (fathom_dataset_get_item (ds, 1)->path, ==, "test_stg1/img_00002.jpg");

  none = fathom_dataset_load (missing, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  none = fathom_dataset_load (empty, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT);
  g_assert_nonnull (strstr (error->message, empty));
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir_with_parents (train, 0755), ==, 0);
  none = fathom_dataset_load (notrain, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT);
  g_assert_nonnull (strstr (error->message, train));
  g_clear_error (&error);

  fathom_dataset_options_init (&opts);
  opts.valid_fraction = 1.5;
  none = fathom_dataset_load (flat, &opts, &error);
  g_assert_null (none);
  g_assert_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_INVALID);
  g_clear_error (&error);

  /* an explicit annotation file that is broken is an error naming it */
  {
    g_autofree char *bad = g_build_filename (root, "bad_labels.json", NULL);

    write_text (root, "bad_labels.json", "[{", -1);
    opts.valid_fraction = 0.2;
    opts.annotations = bad;
    none = fathom_dataset_load (flat, &opts, &error);
    g_assert_null (none);
    g_assert_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_PARSE);
    g_assert_nonnull (strstr (error->message, bad));
    g_clear_error (&error);
  }
  fathom_test_remove_tree (root);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dataset/fisheries-layout", test_fisheries_layout);
  g_test_add_func ("/dataset/splits", test_splits);
  g_test_add_func ("/dataset/one-hot-and-fingerprint", test_one_hot_and_fingerprint);
  g_test_add_func ("/dataset/class-folders", test_class_folders);
  g_test_add_func ("/dataset/hidden-and-extra-folders", test_hidden_and_extra_folders);
  g_test_add_func ("/dataset/decode-finds-truncated", test_decode_finds_truncated);
  g_test_add_func ("/dataset/unlabelled-and-errors", test_unlabelled_and_errors);
  return g_test_run ();
}
