/* fathom-mini-corpus.c: the fishsim corpus mini pretrains on. */
#include "fathom-mini-corpus.h"
#include "fathom-fishsim.h"

#include <errno.h>

typedef struct {
  FathomTrainProgressFunc progress;
  gpointer                user_data;
  gint64                  t0;
} Relay;

/* One batch per photo drawn. */
static void
relay_progress (guint done, guint total, gpointer data)
{
  Relay *r = data;
  FathomTrainProgress p = fathom_train_progress_one_pass ("corpus", done, total, (gint64) done - 1, total, r->t0);

  if (r->progress != NULL)
    r->progress (&p, r->user_data);
}

/* The corpus at dir was made with these options, and made whole. */
static gboolean
corpus_matches (const char *dir, const FathomFishsimOptions *want)
{
  g_autoptr(GError) error = NULL;
  FathomFishsimOptions have;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return FALSE;
  if (!fathom_fishsim_read_options (dir, &have, &error))
    {
      g_debug ("fishsim corpus %s unusable: %s", dir, error->message);
      return FALSE;
    }
  return have.corpus && have.seed == want->seed && have.scale == want->scale &&
         have.quality == want->quality && have.n_images == want->n_images;
}

gboolean
fathom_mini_corpus_ensure (FathomDataset *ds, guint n_images, const char *cache_dir, guint n_threads,
                           FathomTrainProgressFunc progress, gpointer user_data, GCancellable *cancellable,
                           FathomDataset **corpus, GError **error)
{
  g_autofree char *truth = g_build_filename (fathom_dataset_get_root (ds), "fishsim.json", NULL);
  g_autofree char *key = NULL, *sha = NULL, *name = NULL, *dir = NULL;
  FathomFishsimOptions fo;
  FathomDatasetOptions dso;
  char scale[G_ASCII_DTOSTR_BUF_SIZE];

  *corpus = NULL;
  if (n_images == 0 || !g_file_test (truth, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!fathom_fishsim_read_options (fathom_dataset_get_root (ds), &fo, error))
    return FALSE;
  if (fo.corpus)
    return TRUE;                        /* a corpus is pretrained on as it is */

  fo.corpus = TRUE;
  fo.n_images = n_images;
  fo.n_threads = n_threads;
  key = g_strdup_printf ("fishsim-corpus-v%d|seed %" G_GUINT64_FORMAT "|scale %s|quality %d|%u photos",
                         FATHOM_FISHSIM_VERSION, fo.seed, g_ascii_dtostr (scale, sizeof scale, fo.scale),
                         fo.quality, fo.n_images);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  name = g_strdup_printf ("fishsim-corpus-%.16s", sha);
  dir = g_build_filename (cache_dir, name, NULL);
  if (!corpus_matches (dir, &fo))
    {
      Relay relay = { progress, user_data, g_get_monotonic_time () };

      if (g_mkdir_with_parents (cache_dir, 0755) != 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot create the cache folder %s: %s", cache_dir, g_strerror (saved));
          return FALSE;
        }
      fo.out_dir = dir;
      if (!fathom_fishsim_generate (&fo, relay_progress, &relay, cancellable, error))
        return FALSE;
    }
  fathom_dataset_options_init (&dso);
  dso.valid_fraction = 0.0;
  dso.n_threads = n_threads;
  *corpus = fathom_dataset_load (dir, &dso, error);
  return *corpus != NULL;
}
