/* fathom-fishsim.c: the synthetic fisheries generator: options, the
 * output folders, and the worker threads that draw and save the photos
 * (the plan is in fathom-fishsim-plan.c, the text files in
 * fathom-fishsim-truth.c).
 */
#include "fathom-fishsim.h"
#include "fathom-fishsim-private.h"
#include "fathom-tsan.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

typedef struct {
  const FathomFishsimOptions *opts;
  GCancellable *cancellable;
  FishsimBoat   boats[FISHSIM_N_BOATS];
  FishsimPhoto *photos;
  guint         n_photos;
  guint         n_train;

  GMutex        lock;
  GCond         cond;
  gint          next;           /* atomic: the next photo to take */
  gint          stop;           /* atomic: a worker failed */
  guint         done;           /* under lock, like the two below */
  guint         running;
  GError       *error;
} Job;

void
fathom_fishsim_options_init (FathomFishsimOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
  opts->n_images = 1500;
  opts->seed = 1;
  opts->scale = 0.35;
  opts->quality = 88;
}

guint
fathom_fishsim_test_count (guint n_images)
{
  return (n_images + 2) / 4;
}

void
fathom_fishsim_scaled_size (int width, int height, double scale, int *out_width, int *out_height)
{
  *out_width = MAX (16, (int) floor (width * scale + 0.5));
  *out_height = MAX (16, (int) floor (height * scale + 0.5));
}

/* ---- folders ----------------------------------------------------------- */

gboolean
fishsim_io_error (GError **error, int saved_errno, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s “%s”: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

typedef enum { LEVEL_ROOT, LEVEL_TRAIN, LEVEL_PHOTOS, LEVEL_ANNOTATIONS } Level;

static gboolean
is_class_name (const char *name)
{
  for (int c = 0; c < FISHSIM_N_CLASSES; c++)
    if (strcmp (name, fishsim_class_names[c]) == 0)
      return TRUE;
  return FALSE;
}

/* Walks an earlier dataset: with remove FALSE it only checks that every
 * entry is one this generator writes (temporary files included), with
 * remove TRUE it deletes those files. */
static gboolean
walk (const char *path, Level level, gboolean remove, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  GError *local = NULL;
  const char *name;

  dir = g_dir_open (path, 0, &local);
  if (dir == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local->code),
                   "Cannot read the folder “%s”: %s", path, local->message);
      g_error_free (local);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      gboolean is_dir = !g_file_test (child, G_FILE_TEST_IS_SYMLINK) && g_file_test (child, G_FILE_TEST_IS_DIR);
      gboolean is_file = !g_file_test (child, G_FILE_TEST_IS_SYMLINK) && g_file_test (child, G_FILE_TEST_IS_REGULAR);
      gboolean ours = FALSE;

      switch (level)
        {
        case LEVEL_ROOT:
          if (is_dir && strcmp (name, "train") == 0)
            ours = walk (child, LEVEL_TRAIN, remove, error);
          else if (is_dir && strcmp (name, "test_stg1") == 0)
            ours = walk (child, LEVEL_PHOTOS, remove, error);
          else if (is_dir && strcmp (name, "annotations") == 0)
            ours = walk (child, LEVEL_ANNOTATIONS, remove, error);
          else
            ours = is_file && g_str_has_prefix (name, "fishsim.json");
          break;
        case LEVEL_TRAIN:
          ours = is_dir && is_class_name (name) && walk (child, LEVEL_PHOTOS, remove, error);
          break;
        case LEVEL_PHOTOS:
          ours = is_file && g_str_has_prefix (name, "img_");
          break;
        case LEVEL_ANNOTATIONS:
          ours = is_file && strstr (name, "_labels.json") != NULL;
          break;
        }
      if (error != NULL && *error != NULL)
        return FALSE;
      if (!ours)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "“%s” is neither empty nor a fishsim dataset (it holds “%s”): "
                       "choose an empty or new folder", path, name);
          return FALSE;
        }
      if (remove && !is_dir && g_unlink (child) != 0)
        return fishsim_io_error (error, errno, "Cannot remove", child);
    }
  return TRUE;
}

static gboolean
make_dir (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0777) != 0)
    return fishsim_io_error (error, errno, "Cannot create the folder", path);
  return TRUE;
}

static gboolean
prepare_dirs (const char *out_dir, GError **error)
{
  g_autofree char *truth = g_build_filename (out_dir, "fishsim.json", NULL);
  g_autofree char *annotations = g_build_filename (out_dir, "annotations", NULL);
  g_autofree char *test = g_build_filename (out_dir, "test_stg1", NULL);

  if (g_file_test (out_dir, G_FILE_TEST_EXISTS))
    {
      if (!g_file_test (out_dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, "“%s” is not a folder", out_dir);
          return FALSE;
        }
      /* the truth goes first: a dataset without it is an unfinished one */
      if (!walk (out_dir, LEVEL_ROOT, FALSE, error))
        return FALSE;
      if (g_unlink (truth) != 0 && errno != ENOENT)
        return fishsim_io_error (error, errno, "Cannot remove", truth);
      if (!walk (out_dir, LEVEL_ROOT, TRUE, error))
        return FALSE;
    }
  for (int c = 0; c < FISHSIM_N_CLASSES; c++)
    {
      g_autofree char *dir = g_build_filename (out_dir, "train", fishsim_class_names[c], NULL);

      if (!make_dir (dir, error))
        return FALSE;
    }
  return make_dir (test, error) && make_dir (annotations, error);
}

/* ---- the photos, in worker threads -------------------------------------- */

static gboolean
take_photo (Job *job, guint index, GError **error)
{
  FishsimPhoto *p = &job->photos[index];
  const FishsimBoat *boat = &job->boats[p->boat];
  g_autoptr(FathomRng) rng = fathom_rng_new (fishsim_stream_seed (job->opts->seed, job->opts->corpus ? FISHSIM_STREAM_CORPUS_PHOTO : FISHSIM_STREAM_PHOTO,
                                                                 index));
  g_autoptr(FathomImage) img = NULL;
  g_autofree char *path = g_build_filename (job->opts->out_dir, p->path, NULL);

  p->night = fathom_rng_uniform (rng) < boat->night_p;
  img = fishsim_render_photo (boat, p->cls, p->night, rng, p->fish, &p->n_fish);
  return fathom_image_save_jpeg (img, path, job->opts->quality, error);
}

static gpointer
worker (gpointer data)
{
  Job *job = data;

  while (!g_atomic_int_get (&job->stop) && !g_cancellable_is_cancelled (job->cancellable))
    {
      guint i = (guint) g_atomic_int_add (&job->next, 1);
      GError *local = NULL;
      gboolean ok;

      if (i >= job->n_photos)
        break;
      ok = take_photo (job, i, &local);
      fathom_tsan_mutex_lock (&job->lock);
      if (ok)
        job->done++;
      else if (job->error == NULL)
        job->error = local;
      else
        g_error_free (local);
      if (!ok)
        g_atomic_int_set (&job->stop, TRUE);
      g_cond_signal (&job->cond);
      fathom_tsan_mutex_unlock (&job->lock);
    }
  fathom_tsan_mutex_lock (&job->lock);
  job->running--;
  g_cond_signal (&job->cond);
  fathom_tsan_mutex_unlock (&job->lock);
  return NULL;
}

/* Starts the workers and reports progress from this thread until they end. */
static gboolean
run_workers (Job *job, FathomFishsimProgress progress_cb, gpointer user_data, GError **error)
{
  guint n_threads = job->opts->n_threads ? job->opts->n_threads : g_get_num_processors ();
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  guint reported = 0;

  n_threads = CLAMP (n_threads, 1, MAX (1, job->n_photos));
  job->running = n_threads;
  for (guint t = 0; t < n_threads; t++)
    g_ptr_array_add (threads, g_thread_new ("fishsim", worker, job));

  fathom_tsan_mutex_lock (&job->lock);
  while (job->running > 0 || reported != job->done)
    {
      guint done;

      if (reported == job->done)
        {
          fathom_tsan_cond_wait (&job->cond, &job->lock);
          continue;
        }
      done = reported = job->done;
      fathom_tsan_mutex_unlock (&job->lock);
      if (progress_cb != NULL)
        progress_cb (done, job->n_photos, user_data);
      fathom_tsan_mutex_lock (&job->lock);
    }
  fathom_tsan_mutex_unlock (&job->lock);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (g_ptr_array_index (threads, t));

  if (job->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job->error));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (job->cancellable, error))
    return FALSE;
  return TRUE;
}

static int
photo_cmp (gconstpointer a, gconstpointer b)
{
  const FishsimPhoto *x = *(const FishsimPhoto *const *) a, *y = *(const FishsimPhoto *const *) b;

  if (x->test != y->test)
    return x->test ? 1 : -1;
  return x->number < y->number ? -1 : x->number > y->number;
}

/* ---- the entry point ----------------------------------------------------- */

static gboolean
check_options (const FathomFishsimOptions *opts, GError **error)
{
  const char *bad = NULL;

  if (opts->out_dir == NULL || opts->out_dir[0] == '\0')
    bad = "no output folder given";
  else if (opts->n_images < 1 || opts->n_images > FATHOM_FISHSIM_MAX_IMAGES)
    bad = "the number of images must be between 1 and " G_STRINGIFY (FATHOM_FISHSIM_MAX_IMAGES);
  else if (!(opts->scale > 0.0 && opts->scale <= 2.0))   /* twelve decks are kept in memory */
    bad = "the scale must be above 0 and at most 2";
  else if (opts->quality < 1 || opts->quality > 100)
    bad = "the JPEG quality must be between 1 and 100";
  else if (opts->n_threads > 1024)
    bad = "too many threads";
  if (bad != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "fishsim: %s", bad);
  return bad == NULL;
}

static void
job_clear (Job *job)
{
  for (guint i = 0; i < job->n_photos; i++)
    g_free (job->photos[i].path);
  g_free (job->photos);
  for (int b = 0; b < FISHSIM_N_BOATS; b++)
    fishsim_boat_clear (&job->boats[b]);
  g_clear_error (&job->error);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
}

gboolean
fathom_fishsim_generate (const FathomFishsimOptions *opts,
                         FathomFishsimProgress       progress_cb,
                         gpointer                    user_data,
                         GCancellable               *cancellable,
                         GError                    **error)
{
  Job job = { 0 };
  g_autoptr(GPtrArray) sorted = NULL;
  gboolean ok;

  g_return_val_if_fail (opts != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_options (opts, error) || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!prepare_dirs (opts->out_dir, error))
    return FALSE;

  job.opts = opts;
  job.cancellable = cancellable;
  g_mutex_init (&job.lock);
  g_cond_init (&job.cond);
  for (int b = 0; b < FISHSIM_N_BOATS; b++)
    {
      int width0, height0;

      fishsim_boat_camera (b, &width0, &height0);
      fishsim_boat_init (&job.boats[b], b, width0, height0, opts->scale,
                         fishsim_stream_seed (opts->seed, FISHSIM_STREAM_BOAT, b));
      fishsim_boat_render (&job.boats[b]);
    }
  job.n_train = opts->n_images;
  job.n_photos = opts->n_images + (opts->corpus ? 0 : fathom_fishsim_test_count (opts->n_images));
  job.photos = opts->corpus ? fishsim_plan_corpus (opts->seed, job.n_train)
                            : fishsim_plan_photos (opts->seed, job.n_train, job.n_photos - job.n_train);

  ok = run_workers (&job, progress_cb, user_data, error);
  if (ok)
    {
      sorted = g_ptr_array_sized_new (job.n_photos);
      for (guint i = 0; i < job.n_photos; i++)
        g_ptr_array_add (sorted, &job.photos[i]);
      g_ptr_array_sort (sorted, photo_cmp);
      /* the truth last: its presence says the dataset is whole */
      ok = fishsim_write_annotations (opts->out_dir, (FishsimPhoto *const *) sorted->pdata, sorted->len, error) &&
           fishsim_write_truth (opts, job.boats, (FishsimPhoto *const *) sorted->pdata, sorted->len, error);
    }
  job_clear (&job);
  return ok;
}
