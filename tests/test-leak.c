/* test-leak.c: the leak the synthetic data must carry, seen the way a user
 * sees it: a model on image size alone (the majority class of each size in
 * training) beats the majority rate on a random split, and loses that
 * advantage on a split grouped by size, where no boat is on both sides. */
#include "fathom-test-util.h"
#include "fathom-dataset.h"
#include "fathom-fishsim.h"
#include "fathom-metrics.h"

#include <glib/gstdio.h>

typedef struct {
  double accuracy;              /* of the size-only model on valid */
  double majority_rate;         /* of valid, guessing the training majority */
  guint  valid;
} LeakScore;

static LeakScore
size_only (const char *dir, FathomSplitMode mode)
{
  FathomDatasetOptions options;
  g_autoptr(FathomDataset) ds = NULL;
  g_autoptr(GHashTable) votes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  guint n_classes, global[16] = { 0 }, right = 0, majority_right = 0, valid = 0;
  int global_best = 0;

  fathom_dataset_options_init (&options);
  options.mode = mode;
  options.valid_fraction = 0.3;
  options.seed = 3;
  ds = fathom_dataset_load (dir, &options, &error);
  g_assert_no_error (error);
  n_classes = fathom_dataset_get_n_classes (ds);
  g_assert_cmpuint (n_classes, ==, 8);

  /* fit: class counts per size, and overall */
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (ds, i);
      gint64 key = (gint64) item->width << 32 | item->height;
      guint *counts;

      if (item->split != FATHOM_SPLIT_TRAIN)
        continue;
      counts = g_hash_table_lookup (votes, &key);
      if (counts == NULL)
        {
          counts = g_new0 (guint, n_classes);
          g_hash_table_insert (votes, g_memdup2 (&key, sizeof key), counts);
        }
      counts[item->class_index]++;
      global[item->class_index]++;
    }
  for (guint k = 1; k < n_classes; k++)
    if (global[k] > global[global_best])
      global_best = (int) k;

  /* score: an unseen size falls back to the overall majority */
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (ds, i);
      gint64 key = (gint64) item->width << 32 | item->height;
      const guint *counts;
      int guess = global_best;

      if (item->split != FATHOM_SPLIT_VALID)
        continue;
      counts = g_hash_table_lookup (votes, &key);
      if (counts != NULL)
        {
          guess = 0;
          for (guint k = 1; k < n_classes; k++)
            if (counts[k] > counts[guess])
              guess = (int) k;
        }
      right += guess == item->class_index;
      majority_right += global_best == item->class_index;
      valid++;
    }
  return (LeakScore) { (double) right / valid, (double) majority_right / valid, valid };
}

static void
test_size_leak (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fathom-leak-XXXXXX", NULL);
  FathomFishsimOptions opts;
  g_autoptr(GError) error = NULL;
  LeakScore random, grouped;

  fathom_fishsim_options_init (&opts);
  opts.out_dir = dir;
  opts.n_images = 600;
  opts.scale = 0.15;            /* small photos; sizes stay distinct */
  opts.seed = 11;
  g_assert_true (fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  random = size_only (dir, FATHOM_SPLIT_MODE_RANDOM);
  grouped = size_only (dir, FATHOM_SPLIT_MODE_BY_SIZE);
  g_test_message ("random split: size-only %.3f vs majority %.3f (%u valid); "
                  "size-grouped split: size-only %.3f vs majority %.3f (%u valid)",
                  random.accuracy, random.majority_rate, random.valid,
                  grouped.accuracy, grouped.majority_rate, grouped.valid);
  /* the size leaks on a random split ... */
  g_assert_cmpfloat (random.accuracy, >=, random.majority_rate + 0.10);
  /* ... and tells nothing once boats do not cross the split */
  g_assert_cmpfloat (grouped.accuracy, <=, grouped.majority_rate + 0.02);
  fathom_test_remove_tree (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/leak/size-only", test_size_leak);
  return g_test_run ();
}
