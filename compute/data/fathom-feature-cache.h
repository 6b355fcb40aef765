/* fathom-feature-cache.h: precomputed backbone features, streamed to and
 * from disk, and the cache that decides when they can be reused.
 *
 * A feature file is a safetensors file holding exactly one float32 tensor,
 * "features", of shape [N, C, H, W] (row i is the backbone's output for
 * image i), with "__metadata__" entries:
 *   "files"   the N image paths in row order, as one JSON list of strings;
 *   anything else the writer was given (backbone, weights, sizes, ...).
 * Real feature sets are gigabytes, so neither side ever holds the whole
 * tensor: the writer puts the header first (the size follows from the
 * shape) and appends rows as they are computed; the reader maps the file
 * and copies out just the rows asked for. Any safetensors reader can load
 * the file whole.
 *
 * Writing goes to "PATH.XXXXXX" in the destination's directory and is
 * renamed over PATH only by fathom_feature_writer_finish() once exactly N
 * rows are in and on disk (fsync): an abort, a crash or any error leaves an
 * existing PATH untouched. After any error the writer is spent: its
 * temporary file is already removed, and only _abort()/_free() remain.
 * Where the file system can, the writer reserves the whole file's space
 * when it opens, so a full disk shows before hours of features are
 * computed; every write is checked all the same.
 *
 * The cache maps a FathomFeatureKey to a file in a cache directory. The
 * file name is the SHA-256 of the key's canonical form, and the key is also
 * stored in the file's metadata and compared on lookup: changing any key
 * component (backbone, weights fingerprint, input size, dataset
 * fingerprint, preprocessing) or FATHOM_FEATURE_CACHE_FORMAT_VERSION makes
 * a miss, so the features are rebuilt. A file that does not load, does not
 * validate or whose metadata differs from the key is a miss too (logged
 * with g_debug), never used. Only the header is checked: a bit flipped in
 * the data section goes unnoticed.
 */
#pragma once

#include <glib.h>

#include "fathom-tensor.h"

G_BEGIN_DECLS

#define FATHOM_FEATURE_CACHE_ERROR (fathom_feature_cache_error_quark ())

typedef enum {
  FATHOM_FEATURE_CACHE_ERROR_IO,        /* create, write, sync, rename failed */
  FATHOM_FEATURE_CACHE_ERROR_INVALID,   /* bad arguments: shape, strings, tensors */
  FATHOM_FEATURE_CACHE_ERROR_ROWS,      /* more or fewer rows than announced */
  FATHOM_FEATURE_CACHE_ERROR_FORMAT,    /* valid safetensors, not a feature file */
  FATHOM_FEATURE_CACHE_ERROR_RANGE,     /* rows asked for are not in the file */
  FATHOM_FEATURE_CACHE_ERROR_FAILED,    /* the writer already failed or finished */
} FathomFeatureCacheError;

/* The name of the one tensor, and the metadata key of the image list. */
#define FATHOM_FEATURE_TENSOR_NAME   "features"
#define FATHOM_FEATURE_FILES_KEY     "files"

/* Bumped when the features a given key produces change meaning. */
#define FATHOM_FEATURE_CACHE_FORMAT_VERSION 1

GQuark               fathom_feature_cache_error_quark   (void);

/* ---- writer ------------------------------------------------------------ */

typedef struct _FathomFeatureWriter FathomFeatureWriter;

/* files holds n UTF-8 paths (may be NULL when n is 0); metadata is
 * char * -> char *, UTF-8, may be NULL, and must not use the key "files".
 * n may be 0; c, h and w must be positive. */
FathomFeatureWriter *fathom_feature_writer_open         (const char          *path,
                                                         gint64               n,
                                                         gint64               c,
                                                         gint64               h,
                                                         gint64               w,
                                                         const char *const   *files,
                                                         GHashTable          *metadata,
                                                         GError             **error);
/* rows: a host tensor [k, C, H, W]; its rows follow those already written. */
gboolean             fathom_feature_writer_append       (FathomFeatureWriter *self,
                                                         const FathomTensor  *rows,
                                                         GError             **error);
gint64               fathom_feature_writer_get_n_written (FathomFeatureWriter *self);
/* Checks that all N rows are in, syncs and renames over the path. */
gboolean             fathom_feature_writer_finish       (FathomFeatureWriter *self,
                                                         GError             **error);
/* Removes the temporary file; a no-op after finish or a failure. */
void                 fathom_feature_writer_abort        (FathomFeatureWriter *self);
/* Aborts unless finished. */
void                 fathom_feature_writer_free         (FathomFeatureWriter *self);

/* ---- reader ------------------------------------------------------------ */

typedef struct _FathomFeatureReader FathomFeatureReader;

/* Maps and validates the file. Errors: FATHOM_FEATURE_CACHE_ERROR_IO when
 * it cannot be mapped, FATHOM_SAFETENSORS_ERROR when it is not a valid
 * safetensors file, FATHOM_FEATURE_CACHE_ERROR_FORMAT when it is one but
 * not a feature file (other tensors, dtype, shape, "files" list). */
FathomFeatureReader *fathom_feature_reader_open         (const char          *path,
                                                         GError             **error);
void                 fathom_feature_reader_free         (FathomFeatureReader *self);

const char          *fathom_feature_reader_get_path     (FathomFeatureReader *self);
gint64               fathom_feature_reader_get_n        (FathomFeatureReader *self);
gint64               fathom_feature_reader_get_channels (FathomFeatureReader *self);
gint64               fathom_feature_reader_get_height   (FathomFeatureReader *self);
gint64               fathom_feature_reader_get_width    (FathomFeatureReader *self);
/* N paths, NULL-terminated, owned by the reader. */
const char * const  *fathom_feature_reader_get_files    (FathomFeatureReader *self);
/* NULL when the file has no such key. */
const char          *fathom_feature_reader_get_metadata (FathomFeatureReader *self,
                                                         const char          *key);
/* Copies rows start .. start + count - 1 into dst, a host tensor
 * [count, C, H, W]. */
gboolean             fathom_feature_reader_read_rows    (FathomFeatureReader *self,
                                                         gint64               start,
                                                         gint64               count,
                                                         FathomTensor        *dst,
                                                         GError             **error);
/* Copies rows indices[0], ..., indices[count - 1] (repeats allowed) into
 * dst, a host tensor [count, C, H, W]: a shuffled mini-batch. */
gboolean             fathom_feature_reader_read_row_indices (FathomFeatureReader *self,
                                                             const gint64        *indices,
                                                             gint64               count,
                                                             FathomTensor        *dst,
                                                             GError             **error);
/* Asks the kernel to start reading these rows in the background (for the
 * next batch); a hint, without effect where madvise() is missing. */
void                 fathom_feature_reader_prefetch     (FathomFeatureReader *self,
                                                         gint64               start,
                                                         gint64               count);

/* ---- cache ------------------------------------------------------------- */

/* Everything the features depend on. Strings are UTF-8; the fingerprints
 * are whatever identifies their input exactly, e.g. the SHA-256 of the
 * weights file or "random-seed-N", and a hash of the dataset's file list
 * and contents. */
typedef struct {
  const char *backbone;         /* e.g. "vgg16-conv5" */
  const char *weights;          /* weights fingerprint */
  gint64      input_height;     /* image size fed to the backbone */
  gint64      input_width;
  const char *dataset;          /* dataset fingerprint */
  const char *preprocessing;    /* e.g. "vgg" */
} FathomFeatureKey;

/* Metadata keys under which the key is stored in a cached file. */
#define FATHOM_FEATURE_META_BACKBONE       "backbone"
#define FATHOM_FEATURE_META_WEIGHTS        "weights"
#define FATHOM_FEATURE_META_INPUT_HEIGHT   "input_height"
#define FATHOM_FEATURE_META_INPUT_WIDTH    "input_width"
#define FATHOM_FEATURE_META_DATASET        "dataset"
#define FATHOM_FEATURE_META_PREPROCESSING  "preprocessing"
#define FATHOM_FEATURE_META_FORMAT_VERSION "format_version"

/* The file a key's features live in: CACHE_DIR/features-<sha256>.safetensors.
 * NULL with an error when a string is missing or not UTF-8, or a size is
 * not positive. */
char                *fathom_feature_cache_path_for_key  (const char             *cache_dir,
                                                         const FathomFeatureKey *key,
                                                         GError                **error);
/* The key as metadata (new char * -> char * table, owned strings). */
GHashTable          *fathom_feature_key_to_metadata     (const FathomFeatureKey *key);
/* TRUE and the path when a valid file for exactly this key exists; FALSE
 * without an error on a miss, including a stale or corrupt file. An error
 * only for an invalid key. */
gboolean             fathom_feature_cache_lookup        (const char             *cache_dir,
                                                         const FathomFeatureKey *key,
                                                         char                  **out_path,
                                                         GError                **error);
/* A writer for the key's file (cache_dir is created if needed), with the
 * key's metadata plus extra (may be NULL; it must not repeat key names). */
FathomFeatureWriter *fathom_feature_cache_begin         (const char             *cache_dir,
                                                         const FathomFeatureKey *key,
                                                         gint64                  n,
                                                         gint64                  c,
                                                         gint64                  h,
                                                         gint64                  w,
                                                         const char *const      *files,
                                                         GHashTable             *extra,
                                                         GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomFeatureWriter, fathom_feature_writer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomFeatureReader, fathom_feature_reader_free)

G_END_DECLS
