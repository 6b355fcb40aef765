/* fathom-safetensors.h: reading and writing safetensors checkpoints.
 *
 * A safetensors file is an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON mapping each tensor name to its dtype, shape and data_offsets
 * (relative to the data section that follows the header), plus an optional
 * "__metadata__" object of string -> string, then the raw little-endian
 * tensor data. Loading validates the whole header up front: every tensor's
 * byte range must lie inside the data section, match its shape and dtype,
 * and the ranges together must cover the data section exactly, without holes
 * or overlaps. Duplicate keys are refused (a plain JSON parser would keep the
 * last one silently).
 *
 * Tensors come out as host float32 tensors: F32 is copied, F16, BF16 and F64
 * are converted; other dtypes (integers, booleans, 8-bit floats) are listed
 * with their info but refused by fathom_safetensors_get_tensor() and
 * fathom_safetensors_read_into().
 *
 * Saving writes F32 in the order given, pads the header with spaces to a
 * multiple of 8 bytes as the reference implementation does, and replaces the
 * destination atomically (temporary file in the same directory, fsync,
 * rename): on failure an existing file is left untouched.
 */
#pragma once

#include <glib.h>

#include "fathom-tensor.h"

G_BEGIN_DECLS

#define FATHOM_SAFETENSORS_ERROR (fathom_safetensors_error_quark ())

typedef enum {
  FATHOM_SAFETENSORS_ERROR_IO,          /* open, map, write, rename failed */
  FATHOM_SAFETENSORS_ERROR_TRUNCATED,   /* file ends before what it promises:
                                         * also ranges that tile correctly
                                         * but run past the data section */
  FATHOM_SAFETENSORS_ERROR_HEADER,      /* bad JSON or bad header structure */
  FATHOM_SAFETENSORS_ERROR_DTYPE,       /* unknown, or not convertible */
  FATHOM_SAFETENSORS_ERROR_OFFSETS,     /* bad, overlapping or gapped ranges */
  FATHOM_SAFETENSORS_ERROR_MISSING,     /* no tensor of that name */
  FATHOM_SAFETENSORS_ERROR_SHAPE,       /* destination shape differs */
  FATHOM_SAFETENSORS_ERROR_INVALID,     /* bad arguments to save or read */
} FathomSafetensorsError;

typedef struct _FathomSafetensors FathomSafetensors;

GQuark              fathom_safetensors_error_quark    (void);

/* Maps the file; the tensors' data is read from the mapping on demand. */
FathomSafetensors  *fathom_safetensors_load           (const char          *path,
                                                       GError             **error);
/* The same validation on bytes in memory (kept referenced). */
FathomSafetensors  *fathom_safetensors_load_bytes     (GBytes              *bytes,
                                                       GError             **error);
void                fathom_safetensors_free           (FathomSafetensors   *self);

/* Tensors are numbered in data-offset order. */
guint               fathom_safetensors_get_n_tensors  (FathomSafetensors   *self);
const char         *fathom_safetensors_get_name       (FathomSafetensors   *self,
                                                       guint                i);
/* FALSE when there is no such tensor; any out argument may be NULL. dtype is
 * the safetensors spelling ("F32", "BF16", "I64", ...). */
gboolean            fathom_safetensors_get_info       (FathomSafetensors   *self,
                                                       const char          *name,
                                                       guint               *ndim,
                                                       gint64               shape[FATHOM_MAX_DIMS],
                                                       const char         **dtype);
/* A new host float32 tensor holding the named tensor's values. */
FathomTensor       *fathom_safetensors_get_tensor     (FathomSafetensors   *self,
                                                       const char          *name,
                                                       GError             **error);
/* Reads into an existing host tensor whose shape must match exactly. */
gboolean            fathom_safetensors_read_into      (FathomSafetensors   *self,
                                                       const char          *name,
                                                       FathomTensor        *dst,
                                                       GError             **error);
/* NULL when the file has no such metadata key. */
const char         *fathom_safetensors_get_metadata   (FathomSafetensors   *self,
                                                       const char          *key);

/* Writes n host tensors as F32; metadata (char * -> char *) may be NULL.
 * Names must be distinct, valid UTF-8 and not "__metadata__". */
gboolean            fathom_safetensors_save           (const char          *path,
                                                       guint                n,
                                                       const char *const   *names,
                                                       FathomTensor *const *tensors,
                                                       GHashTable          *metadata,
                                                       GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomSafetensors, fathom_safetensors_free)

G_END_DECLS
