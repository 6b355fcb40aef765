/* fathom-tensor.h: float32 tensors, NCHW, host or device storage.
 *
 * A tensor is a shape plus a reference to a storage block; views share the
 * storage of the tensor they were made from. Storage is allocated by a
 * backend (host memory for the CPU, device memory for CUDA); the data of a
 * host tensor is reachable with fathom_tensor_get_data().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FATHOM_MAX_DIMS 6

typedef struct _FathomTensor FathomTensor;
typedef struct _FathomBackend FathomBackend;

typedef enum {
  FATHOM_LOCATION_HOST,
  FATHOM_LOCATION_DEVICE,
} FathomLocation;

FathomTensor   *fathom_tensor_new            (guint               ndim,
                                              const gint64       *shape);
FathomTensor   *fathom_tensor_new_1d         (gint64              n);
FathomTensor   *fathom_tensor_new_2d         (gint64              n,
                                              gint64              c);
FathomTensor   *fathom_tensor_new_3d         (gint64              n,
                                              gint64              t,
                                              gint64              c);
FathomTensor   *fathom_tensor_new_4d         (gint64              n,
                                              gint64              c,
                                              gint64              h,
                                              gint64              w);
FathomTensor   *fathom_tensor_new_from_data  (guint               ndim,
                                              const gint64       *shape,
                                              const float        *data);
FathomTensor   *fathom_tensor_new_like       (const FathomTensor *other);
FathomTensor   *fathom_tensor_ref            (FathomTensor       *self);
void            fathom_tensor_unref          (FathomTensor       *self);

guint           fathom_tensor_get_ndim       (const FathomTensor *self);
gint64          fathom_tensor_get_dim        (const FathomTensor *self,
                                              int                 axis);
const gint64   *fathom_tensor_get_shape      (const FathomTensor *self);
gsize           fathom_tensor_get_numel      (const FathomTensor *self);
FathomLocation  fathom_tensor_get_location   (const FathomTensor *self);
float          *fathom_tensor_get_data       (FathomTensor       *self);
const float    *fathom_tensor_get_const_data (const FathomTensor *self);
gboolean        fathom_tensor_has_shape      (const FathomTensor *self,
                                              guint               ndim,
                                              const gint64       *shape);
gboolean        fathom_tensor_same_shape     (const FathomTensor *a,
                                              const FathomTensor *b);
char           *fathom_tensor_shape_to_string(const FathomTensor *self);

FathomTensor   *fathom_tensor_view           (FathomTensor       *self,
                                              guint               ndim,
                                              const gint64       *shape);
FathomTensor   *fathom_tensor_slice          (FathomTensor       *self,
                                              gint64              start,
                                              gint64              count);

void            fathom_tensor_fill           (FathomTensor       *self,
                                              float               value);
void            fathom_tensor_copy_from      (FathomTensor       *self,
                                              const FathomTensor *src);
float           fathom_tensor_max_abs_diff   (const FathomTensor *a,
                                              const FathomTensor *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomTensor, fathom_tensor_unref)

G_END_DECLS
