/* fathom-fuzz-targets.h: the bodies of the fuzz targets, one per parser of
 * outside data.
 *
 * Each takes one input as libFuzzer hands it over, runs it through the
 * parser and then through every public accessor of what loaded, checks the
 * invariants the API promises (a crash or an assertion failure is a bug),
 * frees everything and prints nothing. The libFuzzer wrappers (fuzz-*.c)
 * and the replay test (tests/test-fuzz-regressions.c) both call them, so a
 * crashing input kept under fuzz/regressions/<target>/ is checked by every
 * ordinary test run.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*FathomFuzzFunc) (const guint8 *data,
                                gsize         size);

typedef struct {
  const char     *name;         /* fuzz-<name>, fuzz/corpus/<name>/ */
  FathomFuzzFunc  func;
} FathomFuzzTarget;

/* JPEG or PNG: decode, resize both ways, to_chw. */
void fathom_fuzz_image        (const guint8 *data,
                               gsize         size);
/* Sloth annotation JSON: load, walk, correct, save and load back. */
void fathom_fuzz_annotations  (const guint8 *data,
                               gsize         size);
/* safetensors: load, list, read every tensor. */
void fathom_fuzz_safetensors  (const guint8 *data,
                               gsize         size);
/* Keras HDF5 weights: the input describes a Keras weight file (below),
 * which is written with HDF5, probed, and imported into a small graph
 * (conv1_conv, conv1_bn, conv2_block1_1_conv) and VGG16 at 32 x 32.
 *
 * Not the file's bytes: libhdf5 1.10.8 (Debian 12) itself crashes, loops
 * or runs out of bounds on corrupt files within seconds of fuzzing, and
 * not on what our code does with it. A described file is always valid
 * HDF5, so everything found is in what we make of the names, lists,
 * shapes and types a real file may hold. The bytes themselves go through
 * fathom_fuzz_keras_hdf5_raw(), which build-aux/fuzz runs only when asked
 * (its corpus holds real weight files, replayed by the test suite).
 *
 * The description, a byte at a time (past the end, every byte is 0):
 *   flags         KERAS_FILE_* | how layer_names is written << 4
 *   layers        their number % 8, then for each:
 *     name        a byte below 64 picks a real layer name (the small
 *                 graph's, VGG16's, ResNet50's in both spellings, Keras
 *                 1's); from 64 up, (b - 64) % 48 raw bytes follow (up to
 *                 a NUL): a name that need not be UTF-8
 *     layer       the number of weights (0..7) | KERAS_LAYER_NO_GROUP |
 *                 how weight_names is written << 4
 *     per weight:
 *       name      as a layer name, from weight names (most of them the
 *                 layer's name and a suffix, "/kernel:0", "_W", ...)
 *       kind      KERAS_WEIGHT_* | a shape << 4: one of the small graph's
 *                 (0..9), or from 10 up a byte ndim % 8 and ndim bytes,
 *                 each dimension % 9
 * "How a list is written" is KERAS_LIST_*: whole as one attribute, split
 * in two as Keras splits long lists, as a float array, or not at all. */
#define KERAS_FILE_WHOLE_MODEL       0x01  /* in "model_weights", backend on the root */
#define KERAS_FILE_BACKEND           0x02  /* a "backend" attribute: */
#define KERAS_FILE_THEANO            0x04  /*   "theano", else "tensorflow" */
#define KERAS_FILE_VARIABLE_STRINGS  0x08  /* h5py str lists, else Keras's bytes */
#define KERAS_LAYER_NO_GROUP         0x08  /* listed, but no group */
#define KERAS_WEIGHT_F32             0x00
#define KERAS_WEIGHT_F64_BE          0x01
#define KERAS_WEIGHT_I32             0x02
#define KERAS_WEIGHT_GROUP           0x03  /* a group where a dataset should be */
#define KERAS_WEIGHT_MISSING         0x04  /* listed, but not there */
#define KERAS_LIST_SPLIT             0x01  /* name0, name1 */
#define KERAS_LIST_FLOATS            0x02  /* a float array, no strings */
#define KERAS_LIST_MISSING           0x04
void fathom_fuzz_keras_hdf5   (const guint8 *data,
                               gsize         size);
/* A Keras HDF5 file's bytes, written to a temporary file and imported as
 * above. */
void fathom_fuzz_keras_hdf5_raw (const guint8 *data,
                                 gsize         size);
/* A run folder: run.json, a NUL byte, metrics.csv (no NUL: no metrics). */
void fathom_fuzz_run_info     (const guint8 *data,
                               gsize         size);
/* A character corpus: load, vocabulary, indices, windows. */
void fathom_fuzz_corpus       (const guint8 *data,
                               gsize         size);

/* Every target, in a fixed order; *n_targets is set to their number. */
const FathomFuzzTarget *fathom_fuzz_get_targets (guint      *n_targets);
/* NULL when there is no target of that name. */
const FathomFuzzTarget *fathom_fuzz_find_target (const char *name);

G_END_DECLS
