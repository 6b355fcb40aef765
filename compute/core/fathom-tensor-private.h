/* fathom-tensor-private.h: storage internals, for backends only. */
#pragma once

#include "fathom-tensor.h"

G_BEGIN_DECLS

typedef struct _FathomStorage FathomStorage;

struct _FathomStorage
{
  gatomicrefcount  ref;
  FathomLocation   location;
  gpointer         data;          /* host or device address */
  gsize            bytes;
  /* Called with data when the last reference goes; owned by the backend. */
  void           (*release) (gpointer data, gpointer user_data);
  gpointer         release_data;
};

struct _FathomTensor
{
  gatomicrefcount  ref;
  guint            ndim;
  gint64           shape[FATHOM_MAX_DIMS];
  gsize            numel;
  FathomStorage   *storage;       /* owned reference */
  gsize            offset;        /* in floats from the start of storage */
};

FathomStorage *fathom_storage_new_host    (gsize          bytes);
FathomStorage *fathom_storage_new_wrapped (FathomLocation  location,
                                           gpointer       data,
                                           gsize          bytes,
                                           void         (*release) (gpointer, gpointer),
                                           gpointer       release_data);
FathomStorage *fathom_storage_ref         (FathomStorage *self);
void           fathom_storage_unref       (FathomStorage *self);

FathomTensor  *fathom_tensor_new_with_storage (guint          ndim,
                                               const gint64  *shape,
                                               FathomStorage *storage,
                                               gsize          offset);
gsize          fathom_shape_numel         (guint          ndim,
                                           const gint64  *shape);

/* The address of the first element, host or device. */
static inline float *
fathom_tensor_raw (const FathomTensor *t)
{
  return (float *) t->storage->data + t->offset;
}

G_END_DECLS
