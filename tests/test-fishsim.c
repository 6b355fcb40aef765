/* test-fishsim.c: the synthetic fisheries dataset: repeatable to the byte
 * whatever the threads, the Kaggle layout, Sloth annotations that match the
 * truth, real class and size frequencies, the size leak, cancellation and
 * the folder rules. Small sets at small scales, generated once and shared.
 */
#include "fathom-test-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "fathom-fishsim.h"
#include "fathom-image.h"

static const char *const classes[8] = { "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT" };
static const double class_share[8] = { 1719 / 3777., 200 / 3777., 117 / 3777., 67 / 3777.,
                                        465 / 3777., 299 / 3777., 176 / 3777., 734 / 3777. };
static const int cameras[10][3] = {
  { 1280, 720, 1880 }, { 1280, 750, 520 }, { 1280, 974, 344 }, { 1276, 718, 192 }, { 1192, 670, 169 },
  { 1280, 924, 51 }, { 1518, 854, 37 }, { 1732, 974, 33 }, { 1334, 750, 28 }, { 1244, 700, 23 },
};

#define SMALL_N     160
#define SMALL_SCALE 0.1
#define LARGE_N     600
#define LARGE_SCALE 0.15        /* keeps the ten sizes apart (not 0.1) */

static char *root;              /* everything goes under one temp dir */

typedef struct {
  GThread *thread;
  guint    calls;
  guint    last_done;
  guint    total;
  gboolean in_order;
} Progress;

static void
count_progress (guint done, guint total, gpointer user_data)
{
  Progress *p = user_data;

  p->in_order = p->in_order && done >= p->last_done && g_thread_self () == p->thread;
  p->calls++;
  p->last_done = done;
  p->total = total;
}

static char *
generate (const char *name, guint n, guint64 seed, double scale, guint threads)
{
  FathomFishsimOptions opts;
  char *dir = g_build_filename (root, name, NULL);
  Progress progress = { g_thread_self (), 0, 0, 0, TRUE };
  g_autoptr(GError) error = NULL;

  fathom_fishsim_options_init (&opts);
  opts.out_dir = dir;
  opts.n_images = n;
  opts.seed = seed;
  opts.scale = scale;
  opts.n_threads = threads;
  g_assert_true (fathom_fishsim_generate (&opts, count_progress, &progress, NULL, &error));
  g_assert_no_error (error);
  /* progress comes on this thread, in order, and ends at the total */
  g_assert_true (progress.in_order);
  g_assert_cmpuint (progress.calls, >, 0);
  g_assert_cmpuint (progress.total, ==, n + fathom_fishsim_test_count (n));
  g_assert_cmpuint (progress.last_done, ==, progress.total);
  return dir;
}

/* The shared sets: two with the same seed on different thread counts,
 * one with another seed, one larger for the statistics. */
static const char *
dataset (int which)
{
  static char *dirs[4];

  if (dirs[which] == NULL)
    {
      switch (which)
        {
        case 0: dirs[0] = generate ("a", SMALL_N, 7, SMALL_SCALE, 1); break;
        case 1: dirs[1] = generate ("b", SMALL_N, 7, SMALL_SCALE, 3); break;
        case 2: dirs[2] = generate ("c", SMALL_N, 8, SMALL_SCALE, 2); break;
        default: dirs[3] = generate ("large", LARGE_N, 3, LARGE_SCALE, 0); break;
        }
    }
  return dirs[which];
}

/* Every regular file below dir: relative path -> contents. */
static void
read_tree (GHashTable *files, const char *top, const char *rel)
{
  g_autofree char *path = g_build_filename (top, rel, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = rel[0] ? g_build_filename (rel, name, NULL) : g_strdup (name);
      g_autofree char *child = g_build_filename (top, child_rel, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        read_tree (files, top, child_rel);
      else
        {
          char *data;
          gsize len;

          g_assert_true (g_file_get_contents (child, &data, &len, NULL));
          g_hash_table_insert (files, g_steal_pointer (&child_rel), g_bytes_new_take (data, len));
        }
    }
}

static GHashTable *
tree (const char *dir)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);

  read_tree (files, dir, "");
  return files;
}

static JsonNode *
load_json (const char *dir, const char *rel)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonArray *
truth_images (JsonNode *truth)
{
  return json_object_get_array_member (json_node_get_object (truth), "images");
}

static int
class_index (const char *name)
{
  for (int c = 0; c < 8; c++)
    if (g_strcmp0 (name, classes[c]) == 0)
      return c;
  g_assert_not_reached ();
  return -1;
}

static void
test_options (void)
{
  FathomFishsimOptions opts;
  g_autoptr(GError) error = NULL;
  int w, h;

  fathom_fishsim_options_init (&opts);
  g_assert_cmpuint (opts.n_images, ==, 1500);
  g_assert_cmpfloat (opts.scale, ==, 0.35);
  g_assert_cmpint (opts.quality, ==, 88);
  g_assert_cmpuint (fathom_fishsim_test_count (1500), ==, 375);
  g_assert_cmpuint (fathom_fishsim_test_count (10), ==, 3);
  fathom_fishsim_scaled_size (1280, 720, 0.25, &w, &h);
  g_assert_cmpint (w, ==, 320);
  g_assert_cmpint (h, ==, 180);
  fathom_fishsim_scaled_size (1280, 720, 0.001, &w, &h);
  g_assert_cmpint (w, ==, 16);
  g_assert_cmpint (h, ==, 16);

  /* refused before the disk is touched */
  opts.out_dir = "/nonexistent/never-created";
  opts.n_images = 0;
  g_assert_false (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  opts.n_images = 10;
  opts.scale = 0;
  g_assert_false (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  opts.scale = 0.1;
  opts.quality = 101;
  g_assert_false (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_false (g_file_test ("/nonexistent/never-created", G_FILE_TEST_EXISTS));
}

static void
test_determinism (void)
{
  g_autoptr(GHashTable) a = tree (dataset (0));
  g_autoptr(GHashTable) b = tree (dataset (1));
  g_autoptr(GHashTable) c = tree (dataset (2));
  g_autoptr(GHashTable) a_bytes = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  GHashTableIter iter;
  gpointer key, value;
  guint same = 0;

  /* one thread or three: the same files, byte for byte */
  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GBytes *other = g_hash_table_lookup (b, key);

      if (other == NULL || !g_bytes_equal (value, other))
        g_error ("%s differs between two runs with the same seed", (char *) key);
      g_hash_table_add (a_bytes, value);
    }

  /* another seed: another truth and no photo in common */
  g_assert_false (g_bytes_equal (g_hash_table_lookup (a, "fishsim.json"), g_hash_table_lookup (c, "fishsim.json")));
  g_hash_table_iter_init (&iter, c);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_suffix (key, ".jpg") && g_hash_table_contains (a_bytes, value))
      same++;
  g_assert_cmpuint (same, ==, 0);
}

static void
test_layout (void)
{
  const char *dir = dataset (0);
  g_autoptr(GHashTable) files = tree (dir);
  g_autoptr(JsonNode) truth = load_json (dir, "fishsim.json");
  JsonArray *images = truth_images (truth);
  g_autoptr(GHashTable) numbers = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_train = 0, n_test = 0, n_json = 0;
  GHashTableIter iter;
  gpointer key;

  for (int c = 0; c < 8; c++)
    {
      g_autofree char *class_dir = g_build_filename (dir, "train", classes[c], NULL);

      g_assert_true (g_file_test (class_dir, G_FILE_TEST_IS_DIR));
    }
  /* nothing but photos named as on Kaggle, the six Sloth files and the
   * truth: no temporary file is left behind */
  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *rel = key, *base = strrchr (rel, '/') ? strrchr (rel, '/') + 1 : rel;

      if (g_str_has_prefix (rel, "train/") || g_str_has_prefix (rel, "test_stg1/"))
        {
          g_assert_cmpuint (strlen (base), ==, strlen ("img_00000.jpg"));
          g_assert_true (g_str_has_prefix (base, "img_") && g_str_has_suffix (base, ".jpg"));
          for (int i = 4; i < 9; i++)
            g_assert_true (g_ascii_isdigit (base[i]));
          /* numbers are unique across classes and splits */
          g_assert_true (g_hash_table_add (numbers, (gpointer) base));
          if (g_str_has_prefix (rel, "train/"))
            n_train++;
          else
            n_test++;
        }
      else if (g_str_has_prefix (rel, "annotations/"))
        n_json++;
      else
        g_assert_cmpstr (rel, ==, "fishsim.json");
    }
  g_assert_cmpuint (n_train, ==, SMALL_N);
  g_assert_cmpuint (n_test, ==, fathom_fishsim_test_count (SMALL_N));
  g_assert_cmpuint (n_json, ==, 6);

  /* the truth lists every photo once, at the right place */
  g_assert_cmpuint (json_array_get_length (images), ==, n_train + n_test);
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *img = json_array_get_object_element (images, i);
      const char *path = json_object_get_string_member (img, "path");
      const char *split = json_object_get_string_member (img, "split");
      g_autofree char *want = NULL;

      g_assert_true (g_hash_table_contains (files, path));
      if (g_str_equal (split, "train"))
        want = g_strdup_printf ("train/%s/", json_object_get_string_member (img, "class"));
      else
        want = g_strdup ("test_stg1/");
      g_assert_true (g_str_has_prefix (path, want));
    }
}

/* The truth itself: species, dominance, boxes, sizes, day and night. */
static void
test_truth (void)
{
  g_autoptr(JsonNode) truth = load_json (dataset (0), "fishsim.json");
  JsonObject *root_obj = json_node_get_object (truth);
  JsonArray *images = truth_images (truth);
  guint n = json_array_get_length (images), nights = 0;

  g_assert_cmpstr (json_object_get_string_member (root_obj, "generator"), ==, "fathom-fishsim");
  g_assert_cmpint (json_object_get_int_member (root_obj, "version"), ==, FATHOM_FISHSIM_VERSION);
  g_assert_cmpint (json_object_get_int_member (root_obj, "seed"), ==, 7);
  g_assert_cmpfloat (json_object_get_double_member (root_obj, "scale"), ==, SMALL_SCALE);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *img = json_array_get_object_element (images, i);
      JsonArray *fish = json_object_get_array_member (img, "fish");
      const char *cls = json_object_get_string_member (img, "class");
      int w = (int) json_object_get_int_member (img, "width"), h = (int) json_object_get_int_member (img, "height");
      JsonObject *boat = json_array_get_object_element (json_object_get_array_member (root_obj, "boats"),
                                                        (guint) json_object_get_int_member (img, "boat"));
      gboolean real_size = FALSE;
      double dominant_area = 0;

      /* the size is a real camera's, scaled, and the boat's */
      for (int s = 0; s < 10; s++)
        {
          int sw, sh;

          fathom_fishsim_scaled_size (cameras[s][0], cameras[s][1], SMALL_SCALE, &sw, &sh);
          real_size = real_size || (sw == w && sh == h);
        }
      g_assert_true (real_size);
      g_assert_cmpint (json_object_get_int_member (boat, "width"), ==, w);
      g_assert_cmpint (json_object_get_int_member (boat, "height"), ==, h);
      nights += json_object_get_boolean_member (img, "night");

      if (g_str_equal (cls, "NoF"))
        g_assert_cmpuint (json_array_get_length (fish), ==, 0);
      else
        g_assert_cmpuint (json_array_get_length (fish), >=, 1);
      for (guint k = 0; k < json_array_get_length (fish); k++)
        {
          JsonObject *f = json_array_get_object_element (fish, k);
          double x = json_object_get_double_member (f, "x"), y = json_object_get_double_member (f, "y");
          double fw = json_object_get_double_member (f, "width"), fh = json_object_get_double_member (f, "height");

          g_assert_cmpfloat (x, >=, 0);
          g_assert_cmpfloat (y, >=, 0);
          g_assert_cmpfloat (fw, >, 0);
          g_assert_cmpfloat (fh, >, 0);
          g_assert_cmpfloat (x + fw, <=, w);
          g_assert_cmpfloat (y + fh, <=, h);
          g_assert_true (json_object_get_boolean_member (f, "dominant") == (k == 0));
          if (k == 0)
            {
              /* the dominant fish is the image's class and the largest */
              g_assert_cmpstr (json_object_get_string_member (f, "species"), ==, cls);
              dominant_area = fw * fh;
            }
          else
            g_assert_cmpfloat (fw * fh, <, dominant_area);
        }
    }
  /* about a fifth are infrared night shots */
  g_assert_cmpfloat ((double) nights / n, >, 0.08);
  g_assert_cmpfloat ((double) nights / n, <, 0.35);
}

static void
test_annotations (void)
{
  static const char *const files[6] = { "alb", "bet", "dol", "lag", "shark", "yft" };
  const char *dir = dataset (0);
  g_autoptr(JsonNode) truth = load_json (dir, "fishsim.json");
  JsonArray *images = truth_images (truth);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint annotated = 0;

  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *img = json_array_get_object_element (images, i);

      if (g_str_equal (json_object_get_string_member (img, "split"), "train"))
        g_hash_table_insert (by_name, strrchr (json_object_get_string_member (img, "path"), '/') + 1, img);
    }
  for (int f = 0; f < 6; f++)
    {
      g_autofree char *rel = g_strdup_printf ("annotations/%s_labels.json", files[f]);
      g_autoptr(JsonNode) node = load_json (dir, rel);
      JsonArray *entries = json_node_get_array (node);
      g_autofree char *cls = g_ascii_strup (files[f], -1);

      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonObject *e = json_array_get_object_element (entries, i);
          const char *name = json_object_get_string_member (e, "filename");
          JsonObject *img = g_hash_table_lookup (by_name, name);
          JsonArray *rects = json_object_get_array_member (e, "annotations");
          JsonArray *fish;

          g_assert_nonnull (img);
          g_assert_cmpstr (json_object_get_string_member (e, "class"), ==, "image");
          g_assert_cmpstr (json_object_get_string_member (img, "class"), ==, cls);
          g_assert_true (g_hash_table_add (seen, g_strdup (name)));
          /* one rect per fish, equal to the truth's boxes, the dominant
           * (largest) first */
          fish = json_object_get_array_member (img, "fish");
          g_assert_cmpuint (json_array_get_length (rects), ==, json_array_get_length (fish));
          for (guint k = 0; k < json_array_get_length (rects); k++)
            {
              JsonObject *r = json_array_get_object_element (rects, k);
              JsonObject *t = json_array_get_object_element (fish, k);
              const char *keys[4] = { "x", "y", "width", "height" };

              g_assert_cmpstr (json_object_get_string_member (r, "class"), ==, "rect");
              for (int j = 0; j < 4; j++)
                g_assert_cmpfloat (json_object_get_double_member (r, keys[j]), ==,
                                   json_object_get_double_member (t, keys[j]));
            }
          annotated++;
        }
    }
  /* every photo of the six classes and none of NoF or OTHER */
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *img = json_array_get_object_element (images, i);
      const char *cls = json_object_get_string_member (img, "class");
      const char *name = strrchr (json_object_get_string_member (img, "path"), '/') + 1;
      gboolean want = g_str_equal (json_object_get_string_member (img, "split"), "train") &&
                      !g_str_equal (cls, "NoF") && !g_str_equal (cls, "OTHER");

      if (want != g_hash_table_contains (seen, name))
        g_error ("%s (%s) is %s the annotations", name, cls, want ? "missing from" : "wrongly in");
    }
  g_assert_cmpuint (annotated, ==, g_hash_table_size (seen));
}

static void
test_images (void)
{
  const char *dir = dataset (0);
  g_autoptr(JsonNode) truth = load_json (dir, "fishsim.json");
  JsonArray *images = truth_images (truth);
  double grey_night = 0, grey_day = 0;
  guint n_night = 0, n_day = 0;

  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *img = json_array_get_object_element (images, i);
      g_autofree char *path = g_build_filename (dir, json_object_get_string_member (img, "path"), NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(FathomImage) photo = fathom_image_load (path, &error);
      double spread = 0;

      g_assert_no_error (error);
      g_assert_cmpint (photo->width, ==, json_object_get_int_member (img, "width"));
      g_assert_cmpint (photo->height, ==, json_object_get_int_member (img, "height"));
      for (int p = 0; p < photo->width * photo->height; p++)
        {
          const guint8 *px = photo->pixels + 3 * p;

          spread += abs (px[0] - px[1]) + abs (px[1] - px[2]);
        }
      spread /= photo->width * photo->height;
      if (json_object_get_boolean_member (img, "night"))
        grey_night += spread, n_night++;
      else
        grey_day += spread, n_day++;
    }
  /* infrared night shots are grey, day shots in colour */
  g_assert_cmpuint (n_night, >, 0);
  g_test_message ("channel spread: night %.2f, day %.2f", grey_night / n_night, grey_day / n_day);
  g_assert_cmpfloat (grey_night / n_night, <, 3.0);
  g_assert_cmpfloat (grey_day / n_day, >, 15.0);
}

/* Class and size frequencies as on Kaggle, and the leak: the majority
 * class of each image size, fitted on half, scores well above the majority
 * rate on the other half. */
static void
test_frequencies (void)
{
  g_autoptr(JsonNode) truth = load_json (dataset (3), "fishsim.json");
  JsonArray *images = truth_images (truth);
  guint per_class[8] = { 0 }, per_size[10] = { 0 }, fit[10][8] = { { 0 } }, n = 0, scored = 0, right = 0;
  guint scored_class[8] = { 0 }, majority = 0;
  int size_of[10][2];

  for (int s = 0; s < 10; s++)
    {
      fathom_fishsim_scaled_size (cameras[s][0], cameras[s][1], LARGE_SCALE, &size_of[s][0], &size_of[s][1]);
      for (int t = 0; t < s; t++)
        g_assert_false (size_of[s][0] == size_of[t][0] && size_of[s][1] == size_of[t][1]);
    }
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < json_array_get_length (images); i++)
      {
        JsonObject *img = json_array_get_object_element (images, i);
        int c = class_index (json_object_get_string_member (img, "class"));
        int w = (int) json_object_get_int_member (img, "width"), h = (int) json_object_get_int_member (img, "height");
        int s = 0, best = 0;

        if (!g_str_equal (json_object_get_string_member (img, "split"), "train"))
          continue;
        while (s < 10 && !(size_of[s][0] == w && size_of[s][1] == h))
          s++;
        g_assert_cmpint (s, <, 10);
        if (pass == 0)
          {
            per_class[c]++;
            per_size[s]++;
            n++;
            if (n % 2)
              fit[s][c]++;
            continue;
          }
        if (++scored % 2)
          continue;
        for (int k = 1; k < 8; k++)
          if (fit[s][k] > fit[s][best])
            best = k;
        right += best == c;
        scored_class[c]++;
      }
  g_assert_cmpuint (n, ==, LARGE_N);
  for (int c = 0; c < 8; c++)
    {
      g_assert_cmpfloat (fabs ((double) per_class[c] / n - class_share[c]), <=, 0.04);
      majority = MAX (majority, scored_class[c]);
    }
  for (int s = 0; s < 10; s++)
    g_assert_cmpfloat (fabs ((double) per_size[s] / n - cameras[s][2] / 3277.0), <=, 0.04);
  g_test_message ("size alone: %.3f right, majority rate %.3f", right / (n / 2.0), majority / (n / 2.0));
  g_assert_cmpfloat ((double) right / (n / 2) - (double) majority / (n / 2), >=, 0.10);
}

/* A pretraining corpus: the same fleet as the dataset of its seed, none of
 * its photos, the classes in equal numbers, no boat tied to a class, and
 * its options read back from fishsim.json. */
static void
test_corpus (void)
{
  g_autofree char *dir = g_build_filename (root, "corpus", NULL);
  g_autofree char *bad = g_build_filename (root, "not-fishsim", NULL);
  g_autofree char *bad_json = g_build_filename (bad, "fishsim.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) truth = NULL, data_truth = NULL;
  g_autoptr(GHashTable) photos = NULL, data_photos = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  JsonArray *images, *boats, *data_boats;
  FathomFishsimOptions opts, got;
  guint per_class[8] = { 0 }, per_boat[12][8] = { { 0 } }, n_boat[12] = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  const guint n = 400;

  fathom_fishsim_options_init (&opts);
  opts.out_dir = dir;
  opts.n_images = n;
  opts.seed = 3;                /* dataset (3)'s fleet */
  opts.scale = LARGE_SCALE;
  opts.corpus = TRUE;
  g_assert_true (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  truth = load_json (dir, "fishsim.json");
  images = truth_images (truth);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (truth), "corpus"));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (truth), "n_test"), ==, 0);
  g_assert_cmpuint (json_array_get_length (images), ==, n);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *img = json_array_get_object_element (images, i);
      int c = class_index (json_object_get_string_member (img, "class"));
      int b = (int) json_object_get_int_member (img, "boat");

      g_assert_cmpstr (json_object_get_string_member (img, "split"), ==, "train");
      per_class[c]++;
      per_boat[b][c]++;
      n_boat[b]++;
    }
  for (int c = 0; c < 8; c++)
    g_assert_cmpuint (per_class[c], ==, n / 8);
  /* every boat takes about its share of photos, and none of them mostly of
   * one class (the dataset's boats favour one class strongly) */
  for (int b = 0; b < 12; b++)
    {
      guint top = 0;

      for (int c = 0; c < 8; c++)
        top = MAX (top, per_boat[b][c]);
      g_test_message ("boat %d: %u photos, at most %u of one class", b, n_boat[b], top);
      g_assert_cmpuint (n_boat[b], >=, n / 24);
      g_assert_cmpuint (n_boat[b], <=, n / 12 * 7 / 4);
      g_assert_cmpfloat ((double) top / n_boat[b], <, 0.35);
    }

  /* the same fleet as the dataset of that seed, none of its photos */
  data_truth = load_json (dataset (3), "fishsim.json");
  boats = json_object_get_array_member (json_node_get_object (truth), "boats");
  data_boats = json_object_get_array_member (json_node_get_object (data_truth), "boats");
  g_assert_cmpuint (json_array_get_length (boats), ==, json_array_get_length (data_boats));
  for (guint b = 0; b < json_array_get_length (boats); b++)
    g_assert_true (json_node_equal (json_array_get_element (boats, b), json_array_get_element (data_boats, b)));
  photos = tree (dir);
  data_photos = tree (dataset (3));
  g_hash_table_iter_init (&iter, data_photos);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_suffix (key, ".jpg"))
      g_hash_table_add (seen, value);
  g_hash_table_iter_init (&iter, photos);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_suffix (key, ".jpg"))
      g_assert_false (g_hash_table_contains (seen, value));

  /* the options come back from fishsim.json */
  g_assert_true (fathom_fishsim_read_options (dir, &got, &error));
  g_assert_no_error (error);
  g_assert_true (got.corpus);
  g_assert_cmpuint (got.n_images, ==, n);
  g_assert_cmpuint (got.seed, ==, 3);
  g_assert_cmpfloat (got.scale, ==, LARGE_SCALE);
  g_assert_cmpint (got.quality, ==, opts.quality);
  g_assert_true (fathom_fishsim_read_options (dataset (3), &got, &error));
  g_assert_no_error (error);
  g_assert_false (got.corpus);
  g_assert_cmpuint (got.n_images, ==, LARGE_N);

  /* and a folder without one, or with another's, is refused by name */
  g_assert_cmpint (g_mkdir_with_parents (bad, 0755), ==, 0);
  g_assert_false (fathom_fishsim_read_options (bad, &got, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  {
    const char *const cases[][2] = {
      { "{\"generator\": \"other\"}", "not written by fishsim" },
      { "{\"generator\": \"fathom-fishsim\", \"version\": 99, \"seed\": 1, \"scale\": 0.35, \"quality\": 88, "
        "\"n_train\": 5}", "version 99" },
      { "{\"generator\": \"fathom-fishsim\", \"version\": 1, \"seed\": 1, \"scale\": \"big\", \"quality\": 88, "
        "\"n_train\": 5}", "scale" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_assert_true (g_file_set_contents (bad_json, cases[i][0], -1, NULL));
        g_assert_false (fathom_fishsim_read_options (bad, &got, &error));
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_assert_nonnull (strstr (error->message, cases[i][1]));
        g_clear_error (&error);
      }
  }
}

static void
cancel_after_ten (guint done, guint total, gpointer user_data)
{
  if (done >= 10)
    g_cancellable_cancel (user_data);
}

static guint
count_photos (const char *dir)
{
  g_autoptr(GHashTable) files = tree (dir);
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    n += g_str_has_suffix (key, ".jpg");
  return n;
}

static void
test_cancel (void)
{
  FathomFishsimOptions opts;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *dir = g_build_filename (root, "cancelled", NULL);
  g_autofree char *truth = g_build_filename (dir, "fishsim.json", NULL);
  g_autoptr(GError) error = NULL;

  fathom_fishsim_options_init (&opts);
  opts.out_dir = dir;
  opts.n_images = 400;           /* 500 photos at the default scale */
  opts.n_threads = 2;
  g_assert_false (fathom_fishsim_generate (&opts, cancel_after_ten, cancellable, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* stopped between photos, long before the end, with no truth */
  g_test_message ("cancelled after %u of 500 photos", count_photos (dir));
  g_assert_cmpuint (count_photos (dir), >=, 10);
  g_assert_cmpuint (count_photos (dir), <, 250);
  g_assert_false (g_file_test (truth, G_FILE_TEST_EXISTS));

  /* the unfinished set is still ours: generating over it works */
  opts.n_images = 8;
  opts.scale = SMALL_SCALE;
  g_clear_error (&error);
  g_assert_true (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_photos (dir), ==, 8 + fathom_fishsim_test_count (8));
  g_assert_true (g_file_test (truth, G_FILE_TEST_EXISTS));
}

static void
test_folders (void)
{
  FathomFishsimOptions opts;
  g_autofree char *file = g_build_filename (root, "a-file", NULL);
  g_autofree char *foreign = g_build_filename (root, "foreign", NULL);
  g_autofree char *notes = g_build_filename (foreign, "notes.txt", NULL);
  g_autofree char *stray = NULL;
  g_autoptr(GError) error = NULL;

  fathom_fishsim_options_init (&opts);
  opts.n_images = 6;
  opts.scale = LARGE_SCALE;

  /* a file where the folder should be: the error names it */
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  opts.out_dir = file;
  g_assert_false (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, file));
  g_clear_error (&error);

  /* a folder that cannot be created */
  opts.out_dir = "/proc/fathom-fishsim-test/out";
  g_assert_false (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/proc/fathom-fishsim-test"));
  g_clear_error (&error);

  /* someone else's files are never touched */
  g_assert_cmpint (g_mkdir_with_parents (foreign, 0755), ==, 0);
  g_assert_true (g_file_set_contents (notes, "mine", 4, NULL));
  opts.out_dir = foreign;
  g_assert_false (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, foreign));
  g_assert_true (g_file_test (notes, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* an earlier set is replaced, smaller, without stale photos; a stray
   * file inside it makes it foreign */
  g_unlink (notes);
  g_assert_true (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  opts.n_images = 3;
  g_assert_true (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_photos (foreign), ==, 3 + fathom_fishsim_test_count (3));
  stray = g_build_filename (foreign, "train", "ALB", "notes.txt", NULL);
  g_assert_true (g_file_set_contents (stray, "mine", 4, NULL));
  g_assert_false (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_true (g_file_test (stray, G_FILE_TEST_EXISTS));
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  root = g_dir_make_tmp ("fathom-fishsim-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/fishsim/options", test_options);
  g_test_add_func ("/fishsim/determinism", test_determinism);
  g_test_add_func ("/fishsim/layout", test_layout);
  g_test_add_func ("/fishsim/truth", test_truth);
  g_test_add_func ("/fishsim/annotations", test_annotations);
  g_test_add_func ("/fishsim/images", test_images);
  g_test_add_func ("/fishsim/frequencies-and-leak", test_frequencies);
  g_test_add_func ("/fishsim/corpus", test_corpus);
  g_test_add_func ("/fishsim/cancel", test_cancel);
  g_test_add_func ("/fishsim/folders", test_folders);
  status = g_test_run ();

  fathom_test_remove_tree (root);
  g_free (root);
  return status;
}
