/* fathom-thumbnail-cache.c: threaded thumbnail decoding and a bounded LRU
 * (see fathom-thumbnail-cache.h).
 *
 * Who touches what: the main thread owns the job table, the tokens and the
 * LRU. The workers see only the queue and the done list, under the lock,
 * and a job's path and size, which never change. A job lives in the job
 * table from its request until its result is delivered (or until it is
 * cancelled while still queued); a job that clear() orphans while a worker
 * decodes it is freed when its result arrives, unused.
 */
#include "fathom-thumbnail-cache.h"

#include <string.h>

#include "fathom-image.h"

typedef enum {
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_DONE,
} JobState;

typedef struct {
  char       *path;
  guint       generation;       /* cache generation at request time */
  JobState    state;            /* under the lock */
  GList       link;             /* in queue or done, under the lock */
  GQueue      waiters;          /* Waiter *, main thread */
  GdkTexture *texture;          /* result, set by the worker */
  GError     *error;
} Job;

typedef struct {
  guint               token;
  Job                *job;      /* NULL once its result is being delivered */
  GList               link;     /* in job->waiters */
  FathomThumbnailFunc func;
  gpointer            user_data;
} Waiter;

typedef struct {
  char       *path;
  GdkTexture *texture;
  char       *error_message;
  GList       link;             /* in lru: head is the most recent */
} Entry;

struct _FathomThumbnailCache
{
  GObject       parent_instance;

  /* main thread */
  int           max_width;
  int           max_height;
  guint         capacity;
  guint         generation;
  guint         next_token;
  GHashTable   *entries;        /* path -> Entry *, owned */
  GQueue        lru;            /* Entry links */
  GHashTable   *jobs;           /* path -> Job *, current generation */
  GHashTable   *tokens;         /* token -> Waiter *, owned */
  GMainContext *context;
  GThreadPool  *pool;
  guint         n_threads;
  FathomThumbnailStats stats;

  /* under lock */
  GMutex        lock;
  GQueue        queue;          /* Job links, newest first */
  GQueue        done;           /* Job links, in finishing order */
  GSource      *idle;           /* pending delivery, or NULL */
  guint         n_workers;      /* worker loops pushed to the pool */
  gboolean      stopping;
  guint         peak_queued;
  guint64       n_decoded;
  guint64       n_failed;
};

G_DEFINE_FINAL_TYPE (FathomThumbnailCache, fathom_thumbnail_cache, G_TYPE_OBJECT)

enum {
  LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
job_free (Job *job)
{
  g_free (job->path);
  g_clear_object (&job->texture);
  g_clear_error (&job->error);
  g_free (job);
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->path);
  g_clear_object (&entry->texture);
  g_free (entry->error_message);
  g_free (entry);
}

void
fathom_thumbnail_cache_fit_size (int  width,
                                 int  height,
                                 int  max_width,
                                 int  max_height,
                                 int *out_width,
                                 int *out_height)
{
  gint64 w, h;

  width = MAX (width, 1);
  height = MAX (height, 1);
  /* integers rounded to nearest, as fathom_image_resize_fit does */
  if ((gint64) width * max_height >= (gint64) height * max_width)
    {
      w = max_width;
      h = (2 * (gint64) height * max_width + width) / (2 * (gint64) width);
    }
  else
    {
      h = max_height;
      w = (2 * (gint64) width * max_height + height) / (2 * (gint64) height);
    }
  *out_width = (int) CLAMP (w, 1, max_width);
  *out_height = (int) CLAMP (h, 1, max_height);
}

/* Averages factor x factor blocks: the resizer has no antialiasing, and a
 * 1280-wide photo sampled straight down to 160 pixels shimmers. */
static FathomImage *
shrink_box (const FathomImage *src,
            int                factor)
{
  int w = src->width / factor, h = src->height / factor;
  FathomImage *out = fathom_image_new (w, h);
  g_autofree guint32 *sums = g_new (guint32, (gsize) w * 3);
  guint32 area = (guint32) factor * factor;

  for (int y = 0; y < h; y++)
    {
      memset (sums, 0, sizeof (guint32) * w * 3);
      for (int dy = 0; dy < factor; dy++)
        {
          const guint8 *row = src->pixels + (gsize) (y * factor + dy) * src->width * 3;

          for (int x = 0; x < w; x++)
            for (int dx = 0; dx < factor; dx++)
              for (int k = 0; k < 3; k++)
                sums[3 * x + k] += row[3 * (x * factor + dx) + k];
        }
      for (int i = 0; i < w * 3; i++)
        out->pixels[(gsize) y * w * 3 + i] = (guint8) ((sums[i] + area / 2) / area);
    }
  return out;
}

/* Worker side: the file to a texture (GdkMemoryTexture is safe to create
 * on any thread; it only wraps the bytes). */
static GdkTexture *
decode_thumbnail (const char *path,
                  int         max_width,
                  int         max_height,
                  GError    **error)
{
  g_autoptr(FathomImage) image = fathom_image_load (path, error);
  g_autoptr(FathomImage) small = NULL;
  g_autoptr(FathomImage) thumb = NULL;
  g_autoptr(GBytes) bytes = NULL;
  int w, h, factor;

  if (image == NULL)
    return NULL;
  fathom_thumbnail_cache_fit_size (image->width, image->height, max_width, max_height, &w, &h);
  factor = MIN (image->width / w, image->height / h);
  if (factor >= 2)
    small = shrink_box (image, factor);
  thumb = fathom_image_resize (small != NULL ? small : image, w, h, FATHOM_RESIZE_BILINEAR);
  bytes = g_bytes_new (thumb->pixels, (gsize) w * h * 3);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, (gsize) w * 3);
}

static gboolean deliver_idle (gpointer data);

/* A worker loop: takes the newest queued job until none is left, so the
 * pool never holds more than n_threads items however many requests come
 * and go. */
static void
worker_run (gpointer data,
            gpointer user_data)
{
  FathomThumbnailCache *self = user_data;

  for (;;)
    {
      GList *link;
      Job *job;
      GdkTexture *texture;
      GError *error = NULL;

      g_mutex_lock (&self->lock);
      link = self->stopping ? NULL : g_queue_pop_head_link (&self->queue);
      if (link == NULL)
        {
          self->n_workers--;
          g_mutex_unlock (&self->lock);
          return;
        }
      job = link->data;
      job->state = JOB_RUNNING;
      g_mutex_unlock (&self->lock);

      texture = decode_thumbnail (job->path, self->max_width, self->max_height, &error);

      g_mutex_lock (&self->lock);
      job->texture = texture;
      job->error = error;
      job->state = JOB_DONE;
      self->n_decoded++;
      self->n_failed += texture == NULL;
      g_queue_push_tail_link (&self->done, &job->link);
      /* one idle per batch: later results join the pending one */
      if (self->idle == NULL)
        {
          self->idle = g_idle_source_new ();
          g_source_set_priority (self->idle, G_PRIORITY_DEFAULT_IDLE);
          g_source_set_callback (self->idle, deliver_idle, self, NULL);
          g_source_set_static_name (self->idle, "[fathom] thumbnails");
          g_source_attach (self->idle, self->context);
        }
      g_mutex_unlock (&self->lock);
    }
}

static void
evict (FathomThumbnailCache *self)
{
  while (self->lru.length > self->capacity)
    {
      Entry *entry = g_queue_peek_tail (&self->lru);

      g_queue_unlink (&self->lru, &entry->link);
      g_hash_table_remove (self->entries, entry->path);
      self->stats.n_evicted++;
    }
}

static void
cache_insert (FathomThumbnailCache *self,
              Job                  *job)
{
  Entry *entry = g_hash_table_lookup (self->entries, job->path);

  /* only an uncached path is requested, but never leave a stale link */
  if (entry != NULL)
    {
      g_queue_unlink (&self->lru, &entry->link);
      g_hash_table_remove (self->entries, job->path);
    }
  entry = g_new0 (Entry, 1);
  entry->path = g_strdup (job->path);
  entry->texture = job->texture != NULL ? g_object_ref (job->texture) : NULL;
  entry->error_message = job->error != NULL ? g_strdup (job->error->message) : NULL;
  entry->link.data = entry;
  g_hash_table_insert (self->entries, entry->path, entry);
  g_queue_push_head_link (&self->lru, &entry->link);
  evict (self);
}

/* Calls back everyone waiting on job. Tokens are looked up again before
 * each call, since a callback may cancel another waiter of the batch. */
static void
deliver_job (FathomThumbnailCache *self,
             Job                  *job)
{
  g_autoptr(GArray) tokens = g_array_new (FALSE, FALSE, sizeof (guint));
  const char *message = job->error != NULL ? job->error->message : NULL;
  Waiter *waiter;
  GList *link;

  /* links are embedded: pop the link, never g_queue_pop_head() */
  while ((link = g_queue_pop_head_link (&job->waiters)) != NULL)
    {
      waiter = link->data;
      waiter->job = NULL;
      g_array_append_val (tokens, waiter->token);
    }
  for (guint i = 0; i < tokens->len; i++)
    {
      guint token = g_array_index (tokens, guint, i);

      waiter = g_hash_table_lookup (self->tokens, GUINT_TO_POINTER (token));
      if (waiter == NULL)
        continue;
      g_hash_table_steal (self->tokens, GUINT_TO_POINTER (token));
      self->stats.n_delivered++;
      waiter->func (self, token, job->path, job->texture, message, waiter->user_data);
      g_free (waiter);
    }
}

static gboolean
deliver_idle (gpointer data)
{
  FathomThumbnailCache *self = data;
  GQueue batch = G_QUEUE_INIT;
  GList *link;

  g_mutex_lock (&self->lock);
  batch = self->done;
  g_queue_init (&self->done);
  g_clear_pointer (&self->idle, g_source_unref);
  self->stats.n_decoded = self->n_decoded;
  self->stats.n_failed = self->n_failed;
  g_mutex_unlock (&self->lock);

  self->stats.n_batches++;
  g_object_ref (self);
  while ((link = g_queue_pop_head_link (&batch)) != NULL)
    {
      Job *job = link->data;

      if (job->generation == self->generation)
        {
          g_hash_table_remove (self->jobs, job->path);
          cache_insert (self, job);
          g_signal_emit (self, signals[LOADED], 0, job->path, job->texture);
          deliver_job (self, job);
        }
      job_free (job);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

gboolean
fathom_thumbnail_cache_lookup (FathomThumbnailCache *self,
                               const char           *path,
                               GdkTexture          **texture,
                               const char          **error_message)
{
  Entry *entry;

  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  entry = g_hash_table_lookup (self->entries, path);
  if (texture != NULL)
    *texture = entry != NULL ? entry->texture : NULL;
  if (error_message != NULL)
    *error_message = entry != NULL ? entry->error_message : NULL;
  if (entry == NULL)
    return FALSE;
  g_queue_unlink (&self->lru, &entry->link);
  g_queue_push_head_link (&self->lru, &entry->link);
  return TRUE;
}

guint
fathom_thumbnail_cache_request (FathomThumbnailCache *self,
                                const char           *path,
                                FathomThumbnailFunc   func,
                                gpointer              user_data)
{
  GdkTexture *texture;
  const char *message;
  Waiter *waiter;
  Job *job;

  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self), 0);
  g_return_val_if_fail (path != NULL, 0);
  g_return_val_if_fail (func != NULL, 0);

  if (fathom_thumbnail_cache_lookup (self, path, &texture, &message))
    {
      func (self, 0, path, texture, message, user_data);
      return 0;
    }

  job = g_hash_table_lookup (self->jobs, path);
  g_mutex_lock (&self->lock);
  if (job == NULL)
    {
      job = g_new0 (Job, 1);
      job->path = g_strdup (path);
      job->generation = self->generation;
      job->state = JOB_QUEUED;
      job->link.data = job;
      g_hash_table_insert (self->jobs, job->path, job);
      g_queue_push_head_link (&self->queue, &job->link);
      if (self->n_workers < self->n_threads)
        {
          self->n_workers++;
          g_thread_pool_push (self->pool, GUINT_TO_POINTER (1), NULL);
        }
    }
  else if (job->state == JOB_QUEUED)
    {
      /* wanted again: to the front */
      g_queue_unlink (&self->queue, &job->link);
      g_queue_push_head_link (&self->queue, &job->link);
    }
  self->peak_queued = MAX (self->peak_queued, self->queue.length);
  g_mutex_unlock (&self->lock);

  waiter = g_new0 (Waiter, 1);
  do
    waiter->token = ++self->next_token;
  while (waiter->token == 0 ||
         g_hash_table_contains (self->tokens, GUINT_TO_POINTER (waiter->token)));
  waiter->job = job;
  waiter->func = func;
  waiter->user_data = user_data;
  waiter->link.data = waiter;
  g_queue_push_tail_link (&job->waiters, &waiter->link);
  g_hash_table_insert (self->tokens, GUINT_TO_POINTER (waiter->token), waiter);
  self->stats.n_requests++;
  return waiter->token;
}

void
fathom_thumbnail_cache_cancel (FathomThumbnailCache *self,
                               guint                 token)
{
  Waiter *waiter;
  Job *job;
  gboolean drop = FALSE;

  g_return_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self));

  if (token == 0 ||
      !g_hash_table_steal_extended (self->tokens, GUINT_TO_POINTER (token), NULL, (gpointer *) &waiter))
    return;
  self->stats.n_cancelled++;
  job = waiter->job;
  if (job != NULL)
    g_queue_unlink (&job->waiters, &waiter->link);
  g_free (waiter);
  if (job == NULL || job->waiters.length > 0)
    return;

  /* Nobody wants it: a queued job goes at once; one being decoded still
   * lands in the cache, since the work is done by then. */
  g_mutex_lock (&self->lock);
  if (job->state == JOB_QUEUED)
    {
      g_queue_unlink (&self->queue, &job->link);
      drop = TRUE;
    }
  g_mutex_unlock (&self->lock);
  if (drop)
    {
      g_hash_table_remove (self->jobs, job->path);
      job_free (job);
    }
}

void
fathom_thumbnail_cache_promote (FathomThumbnailCache *self,
                                guint                 token)
{
  Waiter *waiter;

  g_return_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self));

  waiter = token != 0 ? g_hash_table_lookup (self->tokens, GUINT_TO_POINTER (token)) : NULL;
  if (waiter == NULL || waiter->job == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (waiter->job->state == JOB_QUEUED)
    {
      g_queue_unlink (&self->queue, &waiter->job->link);
      g_queue_push_head_link (&self->queue, &waiter->job->link);
    }
  g_mutex_unlock (&self->lock);
}

void
fathom_thumbnail_cache_clear (FathomThumbnailCache *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self));

  self->generation++;
  g_hash_table_remove_all (self->tokens);
  g_hash_table_iter_init (&iter, self->jobs);
  g_mutex_lock (&self->lock);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Job *job = value;

      /* the waiters are freed with the token table */
      g_queue_init (&job->waiters);
      g_hash_table_iter_steal (&iter);
      if (job->state == JOB_QUEUED)
        {
          g_queue_unlink (&self->queue, &job->link);
          job_free (job);
        }
      /* running or done: freed on delivery, as an old generation */
    }
  g_mutex_unlock (&self->lock);
  g_queue_init (&self->lru);
  g_hash_table_remove_all (self->entries);
}

void
fathom_thumbnail_cache_get_max_size (FathomThumbnailCache *self,
                                     int                  *max_width,
                                     int                  *max_height)
{
  g_return_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self));
  if (max_width != NULL)
    *max_width = self->max_width;
  if (max_height != NULL)
    *max_height = self->max_height;
}

void
fathom_thumbnail_cache_set_capacity (FathomThumbnailCache *self,
                                     guint                 capacity)
{
  g_return_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self));
  self->capacity = MAX (capacity, 1);
  evict (self);
}

guint
fathom_thumbnail_cache_get_capacity (FathomThumbnailCache *self)
{
  g_return_val_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self), 0);
  return self->capacity;
}

void
fathom_thumbnail_cache_get_stats (FathomThumbnailCache *self,
                                  FathomThumbnailStats *stats)
{
  g_return_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
  stats->n_cached = self->lru.length;
  stats->n_waiting = g_hash_table_size (self->tokens);
  g_mutex_lock (&self->lock);
  stats->n_queued = self->queue.length;
  stats->peak_queued = self->peak_queued;
  stats->n_decoded = self->n_decoded;
  stats->n_failed = self->n_failed;
  g_mutex_unlock (&self->lock);
}

void
fathom_thumbnail_cache_reset_peak (FathomThumbnailCache *self)
{
  g_return_if_fail (FATHOM_IS_THUMBNAIL_CACHE (self));
  g_mutex_lock (&self->lock);
  self->peak_queued = self->queue.length;
  g_mutex_unlock (&self->lock);
}

static void
fathom_thumbnail_cache_dispose (GObject *object)
{
  FathomThumbnailCache *self = FATHOM_THUMBNAIL_CACHE (object);
  GList *link;

  if (self->pool != NULL)
    {
      /* workers finish the file in hand and leave; then nothing but this
       * thread touches the lists */
      g_mutex_lock (&self->lock);
      self->stopping = TRUE;
      g_mutex_unlock (&self->lock);
      g_thread_pool_free (g_steal_pointer (&self->pool), TRUE, TRUE);
    }
  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_clear_pointer (&self->idle, g_source_unref);
    }
  while ((link = g_queue_pop_head_link (&self->done)) != NULL)
    {
      Job *job = link->data;

      if (job->generation == self->generation)
        g_hash_table_steal (self->jobs, job->path);
      job_free (job);
    }
  g_queue_init (&self->queue);
  if (self->jobs != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      /* what is left was queued */
      g_hash_table_iter_init (&iter, self->jobs);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          g_queue_init (&((Job *) value)->waiters);
          g_hash_table_iter_steal (&iter);
          job_free (value);
        }
    }
  if (self->tokens != NULL)
    g_hash_table_remove_all (self->tokens);
  g_queue_init (&self->lru);
  if (self->entries != NULL)
    g_hash_table_remove_all (self->entries);
  G_OBJECT_CLASS (fathom_thumbnail_cache_parent_class)->dispose (object);
}

static void
fathom_thumbnail_cache_finalize (GObject *object)
{
  FathomThumbnailCache *self = FATHOM_THUMBNAIL_CACHE (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (fathom_thumbnail_cache_parent_class)->finalize (object);
}

static void
fathom_thumbnail_cache_class_init (FathomThumbnailCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fathom_thumbnail_cache_dispose;
  object_class->finalize = fathom_thumbnail_cache_finalize;

  /* A decode finished (texture NULL when it failed), before the waiting
   * callbacks run; on the main context. */
  signals[LOADED] = g_signal_new ("loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                                  GDK_TYPE_TEXTURE);
}

static void
fathom_thumbnail_cache_init (FathomThumbnailCache *self)
{
  g_mutex_init (&self->lock);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  /* jobs are freed by hand: a running one can outlive its table entry */
  self->jobs = g_hash_table_new (g_str_hash, g_str_equal);
  self->tokens = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->context = g_main_context_ref_thread_default ();
}

FathomThumbnailCache *
fathom_thumbnail_cache_new (int   max_width,
                            int   max_height,
                            guint capacity)
{
  FathomThumbnailCache *self;

  g_return_val_if_fail (max_width > 0 && max_height > 0, NULL);

  self = g_object_new (FATHOM_TYPE_THUMBNAIL_CACHE, NULL);
  self->max_width = max_width;
  self->max_height = max_height;
  self->capacity = MAX (capacity, 1);
  /* Leave a core to the main thread and the compositor: on two cores, two
   * decoders made scrolling stutter. */
  self->n_threads = (guint) CLAMP (g_get_num_processors () - 1, 1, FATHOM_THUMBNAIL_N_THREADS);
  /* Cannot fail when not exclusive (threads start on demand). */
  self->pool = g_thread_pool_new (worker_run, self, (int) self->n_threads, FALSE, NULL);
  return self;
}
