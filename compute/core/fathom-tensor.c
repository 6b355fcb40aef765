/* fathom-tensor.c: float32 tensors and their storage. */
#include "fathom-tensor-private.h"

#include <math.h>
#include <string.h>

static void
host_release (gpointer data, gpointer user_data)
{
  g_free (data);
}

FathomStorage *
fathom_storage_new_wrapped (FathomLocation location,
                            gpointer       data,
                            gsize          bytes,
                            void         (*release) (gpointer, gpointer),
                            gpointer       release_data)
{
  FathomStorage *self = g_new0 (FathomStorage, 1);

  g_atomic_ref_count_init (&self->ref);
  self->location = location;
  self->data = data;
  self->bytes = bytes;
  self->release = release;
  self->release_data = release_data;
  return self;
}

FathomStorage *
fathom_storage_new_host (gsize bytes)
{
  /* 64-byte alignment suits AVX-512 loads in BLAS; g_aligned_alloc is 2.72+,
   * but plain malloc alignment (16) is enough for correctness. */
  gpointer data = g_malloc0 (MAX (bytes, 1));

  return fathom_storage_new_wrapped (FATHOM_LOCATION_HOST, data, bytes,
                                     host_release, NULL);
}

FathomStorage *
fathom_storage_ref (FathomStorage *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
fathom_storage_unref (FathomStorage *self)
{
  if (self == NULL)
    return;
  if (g_atomic_ref_count_dec (&self->ref))
    {
      if (self->release != NULL)
        self->release (self->data, self->release_data);
      g_free (self);
    }
}

gsize
fathom_shape_numel (guint ndim, const gint64 *shape)
{
  gsize n = 1;

  for (guint i = 0; i < ndim; i++)
    {
      g_return_val_if_fail (shape[i] >= 0, 0);
      n *= (gsize) shape[i];
    }
  return n;
}

FathomTensor *
fathom_tensor_new_with_storage (guint          ndim,
                                const gint64  *shape,
                                FathomStorage *storage,
                                gsize          offset)
{
  FathomTensor *self;

  g_return_val_if_fail (ndim <= FATHOM_MAX_DIMS, NULL);
  g_return_val_if_fail (storage != NULL, NULL);

  self = g_new0 (FathomTensor, 1);
  g_atomic_ref_count_init (&self->ref);
  self->ndim = ndim;
  for (guint i = 0; i < ndim; i++)
    self->shape[i] = shape[i];
  self->numel = fathom_shape_numel (ndim, shape);
  g_return_val_if_fail ((offset + self->numel) * sizeof (float) <= storage->bytes, NULL);
  self->storage = fathom_storage_ref (storage);
  self->offset = offset;
  return self;
}

FathomTensor *
fathom_tensor_new (guint ndim, const gint64 *shape)
{
  FathomStorage *storage;
  FathomTensor *self;

  g_return_val_if_fail (ndim <= FATHOM_MAX_DIMS, NULL);
  storage = fathom_storage_new_host (fathom_shape_numel (ndim, shape) * sizeof (float));
  self = fathom_tensor_new_with_storage (ndim, shape, storage, 0);
  fathom_storage_unref (storage);
  return self;
}

FathomTensor *
fathom_tensor_new_1d (gint64 n)
{
  return fathom_tensor_new (1, (gint64[]) { n });
}

FathomTensor *
fathom_tensor_new_2d (gint64 n, gint64 c)
{
  return fathom_tensor_new (2, (gint64[]) { n, c });
}

FathomTensor *
fathom_tensor_new_3d (gint64 n, gint64 t, gint64 c)
{
  return fathom_tensor_new (3, (gint64[]) { n, t, c });
}

FathomTensor *
fathom_tensor_new_4d (gint64 n, gint64 c, gint64 h, gint64 w)
{
  return fathom_tensor_new (4, (gint64[]) { n, c, h, w });
}

FathomTensor *
fathom_tensor_new_from_data (guint ndim, const gint64 *shape, const float *data)
{
  FathomTensor *self = fathom_tensor_new (ndim, shape);

  memcpy (fathom_tensor_raw (self), data, self->numel * sizeof (float));
  return self;
}

FathomTensor *
fathom_tensor_new_like (const FathomTensor *other)
{
  return fathom_tensor_new (other->ndim, other->shape);
}

FathomTensor *
fathom_tensor_ref (FathomTensor *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
fathom_tensor_unref (FathomTensor *self)
{
  if (self == NULL)
    return;
  if (g_atomic_ref_count_dec (&self->ref))
    {
      fathom_storage_unref (self->storage);
      g_free (self);
    }
}

guint
fathom_tensor_get_ndim (const FathomTensor *self)
{
  return self->ndim;
}

/* Negative axes count from the end, as in numpy. */
gint64
fathom_tensor_get_dim (const FathomTensor *self, int axis)
{
  if (axis < 0)
    axis += (int) self->ndim;
  g_return_val_if_fail (axis >= 0 && (guint) axis < self->ndim, 0);
  return self->shape[axis];
}

const gint64 *
fathom_tensor_get_shape (const FathomTensor *self)
{
  return self->shape;
}

gsize
fathom_tensor_get_numel (const FathomTensor *self)
{
  return self->numel;
}

FathomLocation
fathom_tensor_get_location (const FathomTensor *self)
{
  return self->storage->location;
}

float *
fathom_tensor_get_data (FathomTensor *self)
{
  g_return_val_if_fail (self->storage->location == FATHOM_LOCATION_HOST, NULL);
  return fathom_tensor_raw (self);
}

const float *
fathom_tensor_get_const_data (const FathomTensor *self)
{
  g_return_val_if_fail (self->storage->location == FATHOM_LOCATION_HOST, NULL);
  return fathom_tensor_raw (self);
}

gboolean
fathom_tensor_has_shape (const FathomTensor *self, guint ndim, const gint64 *shape)
{
  if (self->ndim != ndim)
    return FALSE;
  for (guint i = 0; i < ndim; i++)
    if (self->shape[i] != shape[i])
      return FALSE;
  return TRUE;
}

gboolean
fathom_tensor_same_shape (const FathomTensor *a, const FathomTensor *b)
{
  return fathom_tensor_has_shape (a, b->ndim, b->shape);
}

char *
fathom_tensor_shape_to_string (const FathomTensor *self)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < self->ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", self->shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

FathomTensor *
fathom_tensor_view (FathomTensor *self, guint ndim, const gint64 *shape)
{
  g_return_val_if_fail (fathom_shape_numel (ndim, shape) == self->numel, NULL);
  return fathom_tensor_new_with_storage (ndim, shape, self->storage, self->offset);
}

/* Rows [start, start + count) along the first axis, sharing storage. */
FathomTensor *
fathom_tensor_slice (FathomTensor *self, gint64 start, gint64 count)
{
  gint64 shape[FATHOM_MAX_DIMS];
  gsize row;

  g_return_val_if_fail (self->ndim >= 1, NULL);
  g_return_val_if_fail (start >= 0 && count >= 0 && start + count <= self->shape[0], NULL);
  memcpy (shape, self->shape, sizeof shape);
  shape[0] = count;
  row = self->shape[0] ? self->numel / (gsize) self->shape[0] : 0;
  return fathom_tensor_new_with_storage (self->ndim, shape, self->storage,
                                         self->offset + (gsize) start * row);
}

void
fathom_tensor_fill (FathomTensor *self, float value)
{
  float *d = fathom_tensor_get_data (self);

  for (gsize i = 0; i < self->numel; i++)
    d[i] = value;
}

void
fathom_tensor_copy_from (FathomTensor *self, const FathomTensor *src)
{
  g_return_if_fail (self->numel == src->numel);
  memmove (fathom_tensor_get_data (self), fathom_tensor_get_const_data (src),
           self->numel * sizeof (float));
}

float
fathom_tensor_max_abs_diff (const FathomTensor *a, const FathomTensor *b)
{
  const float *x = fathom_tensor_get_const_data (a);
  const float *y = fathom_tensor_get_const_data (b);
  float m = 0.f;

  g_return_val_if_fail (a->numel == b->numel, INFINITY);
  for (gsize i = 0; i < a->numel; i++)
    {
      float d = fabsf (x[i] - y[i]);
      if (!(d <= m))            /* NaN counts as the largest difference */
        m = isnan (d) ? INFINITY : d;
    }
  return m;
}
