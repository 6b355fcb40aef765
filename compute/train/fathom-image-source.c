/* fathom-image-source.c: decode, resize and preprocess photos in worker
 * threads (a FathomWorkerPool, the caller helping), with a cache of
 * resized photos. */
#include "fathom-image-source.h"
#include "fathom-rng.h"
#include "fathom-tsan.h"
#include "fathom-worker-pool.h"

#include <math.h>
#include <string.h>

const char *
fathom_input_norm_to_string (FathomInputNorm norm)
{
  return norm == FATHOM_INPUT_NORM_TORCHVISION ? "torchvision" : "vgg";
}

gboolean
fathom_input_norm_from_string (const char *name, FathomInputNorm *norm)
{
  if (g_strcmp0 (name, "vgg") == 0)
    *norm = FATHOM_INPUT_NORM_VGG;
  else if (g_strcmp0 (name, "torchvision") == 0)
    *norm = FATHOM_INPUT_NORM_TORCHVISION;
  else
    return FALSE;
  return TRUE;
}

void
fathom_image_source_options_init (FathomImageSourceOptions *options)
{
  *options = (FathomImageSourceOptions) {
    .width = 224,
    .height = 224,
    .norm = FATHOM_INPUT_NORM_VGG,
    .cache_bytes = 256 * 1024 * 1024,
  };
}

struct _FathomImageSource
{
  FathomDataset            *ds;         /* borrowed */
  guint                    *items;
  guint                     n_items;
  FathomImageSourceOptions  options;
  int                       load_width, load_height;  /* resized to this, then cropped */
  FathomWorkerPool         *pool;

  GMutex                    lock;       /* guards what follows */
  FathomImage             **cache;      /* per row, NULL when not kept */
  gsize                     cache_used;
  guint64                   n_loads;    /* batches loaded: the augmentation stream */
};

/* One batch in flight: one pool chunk per photo. */
typedef struct {
  FathomImageSource *self;
  const gint64      *rows;
  float             *out;
  guint64            aug_salt;
  GError           **errors;            /* per photo, NULL when it loaded */
} Batch;

/* The resized photo of a row: from the cache, or decoded (and kept when
 * the budget allows). *owned is set when the caller must free it. */
static FathomImage *
get_resized (FathomImageSource *self, gint64 row, gboolean *owned, GError **error)
{
  const FathomDatasetItem *item = fathom_dataset_get_item (self->ds, self->items[row]);
  g_autofree char *path = NULL;
  FathomImage *img, *resized;
  gsize bytes;

  *owned = FALSE;
  fathom_tsan_mutex_lock (&self->lock);
  img = self->cache[row];
  fathom_tsan_mutex_unlock (&self->lock);
  if (img != NULL)
    return img;

  path = g_build_filename (fathom_dataset_get_root (self->ds), item->path, NULL);
  img = fathom_image_load (path, error);
  if (img == NULL)
    return NULL;
  if (img->width == self->load_width && img->height == self->load_height)
    resized = img;
  else
    {
      resized = fathom_image_resize (img, self->load_width, self->load_height, FATHOM_RESIZE_BILINEAR);
      fathom_image_free (img);
    }

  bytes = (gsize) resized->width * resized->height * 3;
  fathom_tsan_mutex_lock (&self->lock);
  if (self->cache[row] == NULL && self->cache_used + bytes <= self->options.cache_bytes)
    {
      self->cache[row] = resized;
      self->cache_used += bytes;
    }
  else
    *owned = TRUE;
  fathom_tsan_mutex_unlock (&self->lock);
  return resized;
}

void
fathom_input_normalize (const FathomImage *img, FathomInputNorm norm, float *out)
{
  static const float mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float std[3] = { 0.229f, 0.224f, 0.225f };
  gsize plane = (gsize) img->width * img->height;

  if (norm == FATHOM_INPUT_NORM_VGG)
    {
      fathom_image_to_chw (img, FATHOM_PREPROCESS_VGG, out);
      return;
    }
  fathom_image_to_chw (img, FATHOM_PREPROCESS_UNIT, out);
  for (int c = 0; c < 3; c++)
    for (gsize i = 0; i < plane; i++)
      out[c * plane + i] = (out[c * plane + i] - mean[c]) / std[c];
}

static void
flip_planes (float *chw, int width, int height)
{
  for (int r = 0; r < 3 * height; r++)
    {
      float *row = chw + (gsize) r * width;

      for (int a = 0, b = width - 1; a < b; a++, b--)
        {
          float t = row[a];
          row[a] = row[b];
          row[b] = t;
        }
    }
}

/* Uniform in [-1, 1) from the counter *r, which it advances. */
static double
signed_unit (guint64 *r)
{
  *r = fathom_rng_mix64 (*r);
  return (double) (*r >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* The colour augmentation of fathom-image-source.h on a preprocessed
 * photo: 0 is the mean colour in both preprocessings, so contrast is a
 * scale; one grey level is 1 (vgg) or 1 / (255 std) (torchvision). */
static void
jitter_colour (float *chw, gsize plane, FathomInputNorm norm, double strength, guint64 r)
{
  static const double torch_std[3] = { 0.229, 0.224, 0.225 };
  double contrast = 1.0 + strength * signed_unit (&r);
  double brightness = 60.0 * strength * signed_unit (&r);

  for (int c = 0; c < 3; c++)
    {
      double level = norm == FATHOM_INPUT_NORM_VGG ? 1.0 : 1.0 / (255.0 * torch_std[c]);
      float a = (float) contrast, b = (float) ((brightness + 20.0 * strength * signed_unit (&r)) * level);
      float *p = chw + c * plane;

      for (gsize i = 0; i < plane; i++)
        p[i] = a * p[i] + b;
    }
}

/* The range of window starts [lo, hi] along one axis (window size n, photo
 * size full) that keeps the box [b0, b1] inside, or its centre when the
 * box is larger than the window. */
static void
window_range (double b0, double b1, int n, int full, int *lo, int *hi)
{
  int max_start = full - n;
  int a = (int) ceil (b1) - n, b = (int) floor (b0);

  if (a > b)
    a = b = (int) ((b0 + b1) / 2) - n / 2;
  *lo = CLAMP (a, 0, max_start);
  *hi = CLAMP (b, *lo, max_start);
}

/* A window of the input's size from the larger photo, at a random place
 * that keeps the fish's box inside. */
static FathomImage *
crop (FathomImageSource *self, const FathomImage *img, gint64 row, guint64 salt)
{
  const FathomDatasetItem *item = fathom_dataset_get_item (self->ds, self->items[row]);
  int w = self->options.width, h = self->options.height;
  guint64 r = fathom_rng_mix64 (salt ^ fathom_rng_mix64 ((guint64) row + 0x51ed27));
  double sx, sy;
  FathomImage *out;
  int x_lo, x_hi, y_lo, y_hi, x0, y0;

  /* Without a box a window may miss the fish (OTHER has no boxes) and
   * teach its label on bare deck: such photos are shown whole. */
  if (!item->has_box || item->width <= 0 || item->height <= 0)
    return fathom_image_resize (img, w, h, FATHOM_RESIZE_BILINEAR);
  sx = (double) img->width / item->width;
  sy = (double) img->height / item->height;
  window_range (item->box.x * sx, (item->box.x + item->box.width) * sx, w, img->width, &x_lo, &x_hi);
  window_range (item->box.y * sy, (item->box.y + item->box.height) * sy, h, img->height, &y_lo, &y_hi);
  x0 = x_lo + (int) ((r >> 8) % (guint64) (x_hi - x_lo + 1));
  y0 = y_lo + (int) ((r >> 36) % (guint64) (y_hi - y_lo + 1));
  out = fathom_image_new (w, h);
  for (int y = 0; y < h; y++)
    memcpy (out->pixels + (gsize) y * w * 3, img->pixels + ((gsize) (y0 + y) * img->width + x0) * 3, (gsize) w * 3);
  return out;
}

static void
run_job (guint index, gpointer data)
{
  Batch *batch = data;
  FathomImageSource *self = batch->self;
  gint64 row = batch->rows[index];
  gsize size = (gsize) 3 * self->options.width * self->options.height;
  GError *error = NULL;
  gboolean owned;
  FathomImage *img = get_resized (self, row, &owned, &error);

  if (img != NULL)
    {
      float *dst = batch->out + (gsize) index * size;

      if (img->width != self->options.width || img->height != self->options.height)
        {
          FathomImage *window = crop (self, img, row, batch->aug_salt);

          if (owned)
            fathom_image_free (img);
          img = window;
          owned = TRUE;
        }
      fathom_input_normalize (img, self->options.norm, dst);
      if (self->options.flip && (fathom_rng_mix64 (batch->aug_salt ^ fathom_rng_mix64 ((guint64) row)) & 1))
        flip_planes (dst, self->options.width, self->options.height);
      if (self->options.photometric > 0)
        jitter_colour (dst, (gsize) self->options.width * self->options.height, self->options.norm,
                       self->options.photometric,
                       batch->aug_salt ^ fathom_rng_mix64 ((guint64) row + 0x6a09e667f3bcc908));
      if (owned)
        fathom_image_free (img);
    }
  batch->errors[index] = error;
}

FathomImageSource *
fathom_image_source_new (FathomDataset *ds, const guint *items, guint n_items,
                         const FathomImageSourceOptions *options)
{
  FathomImageSource *self = g_new0 (FathomImageSource, 1);
  guint threads = options->n_threads ? options->n_threads : g_get_num_processors ();

  g_return_val_if_fail (options->width > 0 && options->height > 0, NULL);
  self->ds = ds;
  self->items = g_memdup2 (items, sizeof (guint) * MAX (n_items, 1));
  self->n_items = n_items;
  self->options = *options;
  self->load_width = options->width;
  self->load_height = options->height;
  if (options->crop_scale > 1)
    {
      self->load_width = (int) lround (options->width * options->crop_scale);
      self->load_height = (int) lround (options->height * options->crop_scale);
    }
  self->cache = g_new0 (FathomImage *, MAX (n_items, 1));
  g_mutex_init (&self->lock);
  /* A private pool: its workers exist as long as the source does; the
   * loading thread is one of the `threads`. */
  self->pool = fathom_worker_pool_new (MAX (threads, 1) - 1);
  return self;
}

void
fathom_image_source_free (FathomImageSource *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->pool, fathom_worker_pool_free);
  for (guint i = 0; i < self->n_items; i++)
    g_clear_pointer (&self->cache[i], fathom_image_free);
  g_free (self->cache);
  g_free (self->items);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint
fathom_image_source_get_n_rows (FathomImageSource *self)
{
  return self->n_items;
}

guint
fathom_image_source_get_item (FathomImageSource *self, gint64 row)
{
  g_return_val_if_fail (row >= 0 && row < self->n_items, 0);
  return self->items[row];
}

gboolean
fathom_image_source_load (FathomImageSource *self, const gint64 *rows, gint64 count,
                          float *out, GError **error)
{
  g_autofree GError **errors = g_new0 (GError *, MAX (count, 1));
  Batch batch = { self, rows, out, 0, errors };
  gboolean ok = TRUE;

  for (gint64 i = 0; i < count; i++)
    g_return_val_if_fail (rows[i] >= 0 && rows[i] < self->n_items, FALSE);
  g_return_val_if_fail (count <= G_MAXUINT, FALSE);
  if (count == 0)
    return TRUE;

  fathom_tsan_mutex_lock (&self->lock);
  batch.aug_salt = fathom_rng_mix64 (self->options.seed ^ fathom_rng_mix64 (++self->n_loads));
  fathom_tsan_mutex_unlock (&self->lock);
  fathom_worker_pool_run (self->pool, (guint) count, run_job, &batch);

  /* the first photo's error in batch order; the others are dropped */
  for (gint64 i = 0; i < count; i++)
    if (errors[i] != NULL)
      {
        if (ok)
          g_propagate_error (error, errors[i]);
        else
          g_error_free (errors[i]);
        ok = FALSE;
      }
  return ok;
}

static gboolean
source_fill (gpointer data, const gint64 *rows, gint64 count,
             FathomTensor *const *inputs, FathomTensor *const *targets, GError **error)
{
  FathomImageSource *self = data;

  if (!fathom_image_source_load (self, rows, count, fathom_tensor_get_data (inputs[0]), error))
    return FALSE;
  if (targets[0] != NULL)
    {
      float *t = fathom_tensor_get_data (targets[0]);
      gint64 k = fathom_tensor_get_dim (targets[0], -1);

      memset (t, 0, sizeof (float) * (gsize) (count * k));
      for (gint64 i = 0; i < count; i++)
        {
          int c = fathom_dataset_get_item (self->ds, self->items[rows[i]])->class_index;

          if (c >= 0 && c < k)
            t[i * k + c] = 1.f;
        }
    }
  return TRUE;
}

FathomBatchSource
fathom_image_source_get_batch_source (FathomImageSource *self)
{
  return (FathomBatchSource) { self->n_items, source_fill, self };
}
