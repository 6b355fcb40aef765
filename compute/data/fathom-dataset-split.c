/* fathom-dataset-split.c: the seeded validation splits, the distinct image
 * sizes with their one-hot, and the dataset fingerprint. */
#include "fathom-dataset-private.h"

#include <math.h>
#include <string.h>

#include "fathom-rng.h"

static int
compare_sizes (gconstpointer a, gconstpointer b)
{
  const FathomImageSize *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  if (x->width != y->width)
    return x->width < y->width ? -1 : 1;
  return (x->height > y->height) - (x->height < y->height);
}

GArray *
fathom_dataset_list_sizes (FathomDataset *self, FathomSplit split)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  GArray *sizes = g_array_new (FALSE, FALSE, sizeof (FathomImageSize));
  gint64 *keys = g_new (gint64, self->items->len);

  for (guint i = 0; i < self->items->len; i++)
    {
      const FathomDatasetItem *item = &g_array_index (self->items, FathomDatasetItem, i);
      gpointer pos;

      if (split != FATHOM_SPLIT_ANY && item->split != split)
        continue;
      keys[i] = ((gint64) item->width << 32) | (guint32) item->height;
      if (g_hash_table_lookup_extended (seen, &keys[i], NULL, &pos))
        g_array_index (sizes, FathomImageSize, GPOINTER_TO_UINT (pos)).count++;
      else
        {
          FathomImageSize s = { item->width, item->height, 1 };

          g_hash_table_insert (seen, &keys[i], GUINT_TO_POINTER (sizes->len));
          g_array_append_val (sizes, s);
        }
    }
  g_clear_pointer (&seen, g_hash_table_unref);
  g_free (keys);
  g_array_sort (sizes, compare_sizes);
  return sizes;
}

static void
split_random (GArray *items, const guint *idx, guint n, double fraction, FathomRng *rng)
{
  g_autofree gint64 *order = g_new (gint64, MAX (n, 1));
  guint n_valid = (guint) lround (fraction * n);

  for (guint i = 0; i < n; i++)
    order[i] = idx[i];
  fathom_rng_shuffle (rng, order, n);
  for (guint i = 0; i < n_valid && i < n; i++)
    g_array_index (items, FathomDatasetItem, order[i]).split = FATHOM_SPLIT_VALID;
}

static void
split_by_size (FathomDataset *self, const guint *idx, guint n, double fraction, FathomRng *rng)
{
  g_autoptr(GArray) sizes = fathom_dataset_list_sizes (self, FATHOM_SPLIT_TRAIN);
  g_autofree gint64 *order = g_new (gint64, MAX (sizes->len, 1));
  g_autofree gboolean *chosen = g_new0 (gboolean, MAX (sizes->len, 1));
  double target = fraction * n, taken = 0;
  gboolean any = FALSE;

  /* list_sizes' order is deterministic; the shuffle makes it seeded */
  for (guint g = 0; g < sizes->len; g++)
    order[g] = g;
  fathom_rng_shuffle (rng, order, sizes->len);
  for (guint k = 0; k < sizes->len; k++)
    {
      guint count = g_array_index (sizes, FathomImageSize, order[k]).count;

      if (fabs (taken + count - target) < fabs (taken - target))
        {
          chosen[order[k]] = TRUE;
          taken += count;
          any = TRUE;
        }
    }
  if (!any && target > 0 && sizes->len > 1)
    chosen[sizes->len - 1] = TRUE;      /* the smallest group */

  for (guint i = 0; i < n; i++)
    {
      FathomDatasetItem *item = &g_array_index (self->items, FathomDatasetItem, idx[i]);

      for (guint g = 0; g < sizes->len; g++)
        {
          const FathomImageSize *s = &g_array_index (sizes, FathomImageSize, g);

          if (chosen[g] && s->width == item->width && s->height == item->height)
            item->split = FATHOM_SPLIT_VALID;
        }
    }
}

void
fathom_dataset_make_split (FathomDataset *self, const FathomDatasetOptions *options)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (options->seed);
  g_autoptr(GArray) train = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < self->items->len; i++)
    if (g_array_index (self->items, FathomDatasetItem, i).split == FATHOM_SPLIT_TRAIN)
      g_array_append_val (train, i);

  switch (options->mode)
    {
    case FATHOM_SPLIT_MODE_RANDOM:
      split_random (self->items, (const guint *) train->data, train->len,
                    options->valid_fraction, rng);
      break;
    case FATHOM_SPLIT_MODE_STRATIFIED:
      for (guint c = 0; c < self->classes->len; c++)
        {
          g_autoptr(GArray) of_class = g_array_new (FALSE, FALSE, sizeof (guint));

          for (guint i = 0; i < train->len; i++)
            {
              guint k = g_array_index (train, guint, i);

              if (g_array_index (self->items, FathomDatasetItem, k).class_index == (int) c)
                g_array_append_val (of_class, k);
            }
          split_random (self->items, (const guint *) of_class->data, of_class->len,
                        options->valid_fraction, rng);
        }
      break;
    case FATHOM_SPLIT_MODE_BY_SIZE:
      split_by_size (self, (const guint *) train->data, train->len,
                     options->valid_fraction, rng);
      break;
    }
}

void
fathom_dataset_compute_fingerprint (FathomDataset *self)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint i = 0; i < self->items->len; i++)
    {
      const FathomDatasetItem *item = &g_array_index (self->items, FathomDatasetItem, i);
      g_autofree char *line =
        g_strdup_printf ("%s\t%" G_GUINT64_FORMAT "\t%dx%d\t%d\t%s\n", item->path,
                         item->file_size, item->width, item->height, item->class_index,
                         fathom_split_to_string (item->split));

      /* the path's NUL-free text plus the tab separators keep fields apart */
      g_checksum_update (sum, (const guchar *) line, -1);
    }
  g_free (self->fingerprint);
  self->fingerprint = g_strdup (g_checksum_get_string (sum));
}


guint
fathom_dataset_get_n_size_features (FathomDataset *self)
{
  return self->train_sizes->len;
}

void
fathom_dataset_size_one_hot (FathomDataset *self, guint item, float *out)
{
  const FathomDatasetItem *it;

  g_return_if_fail (item < self->items->len);
  it = &g_array_index (self->items, FathomDatasetItem, item);
  for (guint g = 0; g < self->train_sizes->len; g++)
    {
      const FathomImageSize *s = &g_array_index (self->train_sizes, FathomImageSize, g);

      out[g] = s->width == it->width && s->height == it->height ? 1.f : 0.f;
    }
}
