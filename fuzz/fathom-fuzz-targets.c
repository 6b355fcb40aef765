/* fathom-fuzz-targets.c: the fuzz targets' bodies (fathom-fuzz-targets.h).
 *
 * Beyond "no crash, no leak" each target checks what the API promises: a
 * failure sets an error and a success does not, what the header says
 * agrees with what decodes, every listed name can be looked up, a file we
 * wrote loads back the same. g_assert* aborts, which libFuzzer reports as
 * a crash with the input that caused it.
 */
#include "fathom-fuzz-targets.h"

#include "fathom-annotations.h"
#include "fathom-corpus.h"
#include "fathom-cpu-backend.h"
#include "fathom-graph.h"
#include "fathom-image.h"
#include "fathom-run.h"
#include "fathom-safetensors.h"
#include "fathom-vgg16.h"
#include "fathom-weights.h"

#include <glib/gstdio.h>
#include <hdf5.h>

#include <math.h>
#include <string.h>
#include <unistd.h>

/* Either an error or a result, never both nor neither; and an error
 * message is UTF-8 (the app shows it), whatever bytes the input held. */
static void
check_outcome (gboolean ok, const GError *error)
{
  if (ok)
    {
      g_assert_no_error (error);
      return;
    }
  g_assert_nonnull (error);
  g_assert_nonnull (error->message);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* A file name for this process's scratch files in $TMPDIR, removed again
 * by each target (build-aux/fuzz points TMPDIR into its own folder, in
 * memory where it can, which also takes what a crash leaves behind). */
static char *
scratch_path (const char *suffix)
{
  static guint counter;
  g_autofree char *base = g_strdup_printf ("fathom-fuzz-%d-%u%s", (int) getpid (), counter++, suffix);

  return g_build_filename (g_get_tmp_dir (), base, NULL);
}

static void
write_scratch (const char *path, const guint8 *data, gsize size)
{
  g_autoptr(GError) error = NULL;

  /* In place, no fsync: nothing else reads it. */
  if (!g_file_set_contents_full (path, (const char *) data, (gssize) size,
                                 G_FILE_SET_CONTENTS_NONE, 0600, &error))
    g_error ("fuzz: cannot write %s: %s", path, error->message);
}

/* Reads every float, so that the sanitizers see each one. */
static double
sum_floats (const float *v, gsize n)
{
  double s = 0;

  for (gsize i = 0; i < n; i++)
    s += v[i];
  return s;
}

/* ---- images ---------------------------------------------------------------- */

/* Headers may declare up to FATHOM_IMAGE_MAX_PIXELS (64 Mpx); decoding that
 * from a few bytes of input takes seconds, so larger declared sizes stop at
 * the header here. */
#define FUZZ_IMAGE_MAX_PIXELS (1024 * 1024)

static void
check_chw (const FathomImage *image)
{
  static const FathomPreprocess modes[] = {
    FATHOM_PREPROCESS_NONE, FATHOM_PREPROCESS_UNIT, FATHOM_PREPROCESS_VGG,
  };
  gsize n = (gsize) image->width * (gsize) image->height * 3;
  g_autofree float *out = g_new (float, n);

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      double s;

      fathom_image_to_chw (image, modes[m], out);
      s = sum_floats (out, n);
      g_assert_true (isfinite (s));
    }
}

static void
check_resized (FathomImage *resized, int width, int height)
{
  g_assert_nonnull (resized);
  g_assert_cmpint (resized->width, ==, width);
  g_assert_cmpint (resized->height, ==, height);
  g_assert_nonnull (resized->pixels);
  check_chw (resized);
  fathom_image_free (resized);
}

void
fathom_fuzz_image (const guint8 *data, gsize size)
{
  static const FathomResize modes[] = { FATHOM_RESIZE_NEAREST, FATHOM_RESIZE_BILINEAR };
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(FathomImage) image = NULL;
  g_autoptr(GError) error = NULL;
  int width = 0, height = 0;
  gboolean sized;

  sized = fathom_image_read_size_bytes (bytes, "fuzz", &width, &height, &error);
  check_outcome (sized, error);
  if (sized)
    {
      g_assert_cmpint (width, >, 0);
      g_assert_cmpint (height, >, 0);
      if ((gint64) width * height > FUZZ_IMAGE_MAX_PIXELS)
        return;
    }
  g_clear_error (&error);

  image = fathom_image_load_bytes (bytes, "fuzz", &error);
  check_outcome (image != NULL, error);
  if (image == NULL)
    return;
  g_assert_cmpint (image->width, >, 0);
  g_assert_cmpint (image->height, >, 0);
  g_assert_cmpint (image->width, <=, FATHOM_IMAGE_MAX_SIDE);
  g_assert_cmpint (image->height, <=, FATHOM_IMAGE_MAX_SIDE);
  g_assert_nonnull (image->pixels);
  /* The header alone must tell the size that decodes. */
  g_assert_true (sized);
  g_assert_cmpint (image->width, ==, width);
  g_assert_cmpint (image->height, ==, height);

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      check_resized (fathom_image_resize (image, 7, 5, modes[m]), 7, 5);
      check_resized (fathom_image_resize (image, 1, 1, modes[m]), 1, 1);
      check_resized (fathom_image_resize (image, 2 * MIN (image->width, 16), 3, modes[m]),
                     2 * MIN (image->width, 16), 3);
      check_resized (fathom_image_resize_fit (image, 9, 4, modes[m]), 9, 4);
      check_resized (fathom_image_resize_fit (image, 3, 11, modes[m]), 3, 11);
    }
  if ((gint64) image->width * image->height <= 64 * 1024)
    check_chw (image);
}

/* ---- Sloth annotations ----------------------------------------------------- */

static void
assert_same_entries (const FathomAnnotation *a, const FathomAnnotation *b)
{
  g_assert_nonnull (b);
  g_assert_cmpstr (a->filename, ==, b->filename);
  g_assert_cmpstr (a->original_filename, ==, b->original_filename);
  g_assert_cmpuint (a->rects->len, ==, b->rects->len);
  g_assert_cmpuint (a->points->len, ==, b->points->len);
  for (guint j = 0; j < a->rects->len; j++)
    {
      const FathomBox *r = &g_array_index (a->rects, FathomBox, j);
      const FathomBox *s = &g_array_index (b->rects, FathomBox, j);

      g_assert_cmpfloat (r->x, ==, s->x);
      g_assert_cmpfloat (r->y, ==, s->y);
      g_assert_cmpfloat (r->width, ==, s->width);
      g_assert_cmpfloat (r->height, ==, s->height);
    }
  for (guint j = 0; j < a->points->len; j++)
    {
      const FathomPoint *p = &g_array_index (a->points, FathomPoint, j);
      const FathomPoint *q = &g_array_index (b->points, FathomPoint, j);

      g_assert_cmpfloat (p->x, ==, q->x);
      g_assert_cmpfloat (p->y, ==, q->y);
    }
}

/* Writes the set in Sloth format and reads it back: everything kept must
 * come back unchanged, and nothing we write may be a problem but an entry
 * without shapes or with one, three or more points or the same two. */
static void
check_round_trip (FathomAnnotations *set)
{
  g_autofree char *path = scratch_path (".json");
  g_autoptr(FathomAnnotations) again = fathom_annotations_new ();
  g_autoptr(GError) error = NULL;
  guint n = fathom_annotations_get_n_entries (set);
  gboolean ok;

  ok = fathom_annotations_save (set, path, &error);
  check_outcome (ok, error);
  g_assert_no_error (error);
  ok = fathom_annotations_load_file (again, path, &error);
  check_outcome (ok, error);
  g_assert_no_error (error);
  g_unlink (path);

  g_assert_cmpuint (fathom_annotations_get_n_entries (again), ==, n);
  for (guint i = 0; i < n; i++)
    assert_same_entries (fathom_annotations_get_entry (set, i), fathom_annotations_get_entry (again, i));
  for (guint i = 0; i < fathom_annotations_get_n_problems (again); i++)
    {
      FathomAnnotationProblemKind kind = fathom_annotations_get_problem (again, i)->kind;

      g_assert_true (kind == FATHOM_ANNOTATION_PROBLEM_NO_SHAPES ||
                     kind == FATHOM_ANNOTATION_PROBLEM_ONE_POINT ||
                     kind == FATHOM_ANNOTATION_PROBLEM_EXTRA_POINTS ||
                     kind == FATHOM_ANNOTATION_PROBLEM_SAME_POINTS);
    }
}

void
fathom_fuzz_annotations (const guint8 *data, gsize size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(FathomAnnotations) set = fathom_annotations_new ();
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  guint n, n_problems, counted = 0, n_known = 0;
  gboolean ok;

  ok = fathom_annotations_load_bytes (set, bytes, "fuzz.json", &error);
  check_outcome (ok, error);
  if (!ok)
    {
      /* A refused file leaves the set as it was. */
      g_assert_cmpuint (fathom_annotations_get_n_entries (set), ==, 0);
      g_assert_cmpuint (fathom_annotations_get_n_problems (set), ==, 0);
      return;
    }

  n = fathom_annotations_get_n_entries (set);
  for (guint i = 0; i < n; i++)
    {
      const FathomAnnotation *a = fathom_annotations_get_entry (set, i);
      FathomBox box;
      float scaled[4];

      g_assert_nonnull (a);
      g_assert_nonnull (a->filename);
      g_assert_nonnull (a->original_filename);
      g_assert_cmpstr (a->filename, !=, "");
      g_assert_true (fathom_annotations_lookup (set, a->filename) == a);
      g_assert_true (fathom_annotations_lookup (set, a->original_filename) == a);
      for (guint j = 0; j < a->rects->len; j++)
        {
          const FathomBox *r = &g_array_index (a->rects, FathomBox, j);

          g_assert_true (isfinite (r->x) && isfinite (r->y));
          g_assert_true (r->width > 0 && r->height > 0);
        }
      if (fathom_annotation_get_box (a, 0, 0, &box))
        fathom_box_scale (&box, 640, 480, 224, 224, scaled);
      if (fathom_annotation_get_box (a, 1280, 720, &box))
        fathom_box_scale (&box, 1280, 720, 360, 640, scaled);
      if (i % 2 == 0)
        {
          g_hash_table_add (known, a->filename);
          n_known++;
        }
    }

  n_problems = fathom_annotations_get_n_problems (set);
  for (guint i = 0; i < n_problems; i++)
    {
      const FathomAnnotationProblem *p = fathom_annotations_get_problem (set, i);

      g_assert_nonnull (p);
      g_assert_cmpint (p->kind, >=, 0);
      g_assert_cmpint (p->kind, <, FATHOM_ANNOTATION_N_PROBLEM_KINDS);
      g_assert_nonnull (p->message);
      g_assert_true (g_utf8_validate (p->message, -1, NULL));
      g_assert_nonnull (fathom_annotation_problem_kind_to_string (p->kind));
    }
  for (int k = 0; k < FATHOM_ANNOTATION_N_PROBLEM_KINDS; k++)
    counted += fathom_annotations_count_problems (set, k);
  g_assert_cmpuint (counted, ==, n_problems);
  /* A lookup goes by the base name, wherever the path points: a name no
   * entry has finds nothing (a file that names an entry "image.jpg", as
   * the fuzzer wrote one, makes this one found). */
  {
    const FathomAnnotation *named = NULL;

    for (guint i = 0; i < n; i++)
      if (g_str_equal (fathom_annotations_get_entry (set, i)->filename, "image.jpg"))
        named = fathom_annotations_get_entry (set, i);
    g_assert_true (fathom_annotations_lookup (set, "/no/such/image.jpg") ==
                   fathom_annotations_lookup (set, "image.jpg"));
    if (named == NULL)
      g_assert_null (fathom_annotations_lookup (set, "/no/such/image.jpg"));
    else
      g_assert_true (fathom_annotations_lookup (set, "/no/such/image.jpg") == named);
  }

  /* Twice: the second call replaces the first's problems. */
  g_assert_cmpuint (fathom_annotations_check_names (set, known), ==, n - n_known);
  g_assert_cmpuint (fathom_annotations_check_names (set, known), ==, n - n_known);
  g_assert_cmpuint (fathom_annotations_count_problems (set, FATHOM_ANNOTATION_PROBLEM_UNKNOWN_IMAGE),
                    ==, n - n_known);
  g_hash_table_remove_all (known);

  check_round_trip (set);

  /* Corrections, then the round trip again. */
  if (n > 0)
    first = g_strdup (fathom_annotations_get_entry (set, 0)->original_filename);
  else
    first = g_strdup ("C:\\fish\\img_00001.jpg");
  {
    const FathomBox box = { 1.5, 2, 30, 40.25 }, kept = { 3, 4, 5, 6 };
    const FathomPoint points[2] = { { 10, 20 }, { 50, 60.5 } };

    /* the review's correction on whatever rects the entry holds */
    if (n > 0)
      {
        const FathomAnnotation *a = fathom_annotations_lookup (set, first);
        guint before = a != NULL ? a->rects->len : 0;

        fathom_annotations_set_kept_rect (set, first, &kept);
        g_assert_cmpuint (fathom_annotations_lookup (set, first)->rects->len, ==, MAX (before, 1));
      }
    fathom_annotations_set_rect (set, first, &box);
    fathom_annotations_set_points (set, first, points, 2);
    fathom_annotations_set_points (set, "fuzz/new.jpg", points, 1);
    fathom_annotations_set_rect (set, "fuzz/new.jpg", NULL);
    fathom_annotations_set_points (set, "fuzz/new.jpg", NULL, 0);
    g_assert_nonnull (fathom_annotations_lookup (set, "new.jpg"));
  }
  check_round_trip (set);
}

/* ---- safetensors ----------------------------------------------------------- */

void
fathom_fuzz_safetensors (const guint8 *data, gsize size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  st = fathom_safetensors_load_bytes (bytes, &error);
  check_outcome (st != NULL, error);
  if (st == NULL)
    return;

  n = fathom_safetensors_get_n_tensors (st);
  for (guint i = 0; i < n; i++)
    {
      const char *name = fathom_safetensors_get_name (st, i);
      const char *dtype = NULL;
      gint64 shape[FATHOM_MAX_DIMS];
      guint ndim = 0;
      g_autoptr(FathomTensor) t = NULL;

      g_assert_nonnull (name);
      g_assert_true (g_utf8_validate (name, -1, NULL));
      g_assert_true (fathom_safetensors_get_info (st, name, &ndim, shape, &dtype));
      g_assert_true (fathom_safetensors_get_info (st, name, NULL, NULL, NULL));
      g_assert_nonnull (dtype);
      g_assert_cmpuint (ndim, <=, FATHOM_MAX_DIMS);

      t = fathom_safetensors_get_tensor (st, name, &error);
      check_outcome (t != NULL, error);
      if (t == NULL)
        {
          g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_DTYPE);
          g_clear_error (&error);
          continue;
        }
      g_assert_cmpuint (fathom_tensor_get_ndim (t), ==, ndim);
      g_assert_true (ndim == 0 ||
                     memcmp (fathom_tensor_get_shape (t), shape, ndim * sizeof (gint64)) == 0);
      sum_floats (fathom_tensor_get_const_data (t), fathom_tensor_get_numel (t));

      /* read_into gives the same bits, and refuses another shape. */
      {
        g_autoptr(FathomTensor) same = fathom_tensor_new_like (t);
        g_autoptr(FathomTensor) other = fathom_tensor_new_1d ((gint64) fathom_tensor_get_numel (t) + 1);
        gsize numel = fathom_tensor_get_numel (t);

        g_assert_true (fathom_safetensors_read_into (st, name, same, &error));
        g_assert_no_error (error);
        g_assert_true (numel == 0 ||
                       memcmp (fathom_tensor_get_const_data (same), fathom_tensor_get_const_data (t),
                               numel * sizeof (float)) == 0);
        g_assert_false (fathom_safetensors_read_into (st, name, other, &error));
        g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_SHAPE);
        g_clear_error (&error);
      }
    }

  /* A name no tensor has (the file chooses its names, so one is made
   * longer than every name in it) is missing. */
  {
    GString *absent = g_string_new ("fuzz: no such tensor ");

    for (guint i = 0; i < n; i++)
      while (absent->len <= strlen (fathom_safetensors_get_name (st, i)))
        g_string_append_c (absent, '-');
    g_assert_false (fathom_safetensors_get_info (st, absent->str, NULL, NULL, NULL));
    g_assert_null (fathom_safetensors_get_tensor (st, absent->str, &error));
    g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_MISSING);
    g_clear_error (&error);
    g_string_free (absent, TRUE);
  }
  /* Metadata values are text, whichever keys the file has. */
  {
    const char *format = fathom_safetensors_get_metadata (st, "format");
    const char *other = fathom_safetensors_get_metadata (st, "fuzz: a key");

    g_assert_true (format == NULL || g_utf8_validate (format, -1, NULL));
    g_assert_true (other == NULL || g_utf8_validate (other, -1, NULL));
  }
}

/* ---- Keras HDF5 ------------------------------------------------------------ */

typedef struct {
  FathomBackend *backend;
  FathomGraph   *small;         /* conv, BN, conv: tf.keras ResNet names */
  FathomGraph   *vgg16;         /* at 32 x 32 */
} KerasGraphs;

/* Built once and kept for the life of the process. */
static KerasGraphs *
keras_graphs (void)
{
  static KerasGraphs graphs;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      g_autoptr(GError) error = NULL;
      FathomShape image = FATHOM_SHAPE (3, 8, 8);
      FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
      FathomGraph *g = fathom_graph_new ();
      int x;

      graphs.backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);

      x = fathom_graph_add_input (g, "image", &image);
      x = FATHOM_GRAPH_ADD_NAMED (g, "conv1_conv",
                                  fathom_conv2d_layer_new (4, 3, 3, 1, 1, FATHOM_PADDING_SAME,
                                                           FATHOM_ACTIVATION_IDENTITY, TRUE), x);
      x = FATHOM_GRAPH_ADD_NAMED (g, "conv1_bn", fathom_batch_norm_layer_new (&bn), x);
      x = FATHOM_GRAPH_ADD_NAMED (g, "conv2_block1_1_conv",
                                  fathom_conv2d_layer_new (2, 1, 1, 1, 1, FATHOM_PADDING_VALID,
                                                           FATHOM_ACTIVATION_RELU, TRUE), x);
      if (!fathom_graph_add_output (g, "features", x, FATHOM_LOSS_NONE, 0.f, &error) ||
          !fathom_graph_build (g, graphs.backend, 1, &error))
        g_error ("fuzz: cannot build the small graph: %s", error->message);
      graphs.small = g;

      graphs.vgg16 = fathom_vgg16_new (32, 32, TRUE, &error);
      if (graphs.vgg16 == NULL || !fathom_graph_build (graphs.vgg16, graphs.backend, 1, &error))
        g_error ("fuzz: cannot build VGG16: %s", error->message);
      g_once_init_leave (&done, 1);
    }
  return &graphs;
}

static void
load_keras (FathomGraph *graph, const char *path, FathomWeightsFormat format)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = fathom_weights_load_keras (graph, path, format, &error);

  check_outcome (ok, error);
  if (!ok)
    g_assert_true (error->domain == FATHOM_WEIGHTS_ERROR);
  /* G_MESSAGES_DEBUG=all shows what became of a seed */
  g_debug ("Keras import (format %d): %s", format, ok ? "loaded" : error->message);
}

/* Probes the file at path and imports it into both graphs as each Keras
 * format; then every HDF5 object the import opened must be closed again. */
static void
import_keras (const char *path)
{
  KerasGraphs *graphs = keras_graphs ();
  g_autoptr(GError) error = NULL;
  FathomWeightsOrigin origin;
  gboolean ok;

  ok = fathom_weights_probe (path, &origin, &error);
  check_outcome (ok, error);
  if (!ok)
    g_debug ("Keras probe: %s", error->message);
  if (ok && origin.format != FATHOM_WEIGHTS_TORCHVISION)
    {
      FathomWeightsFormat other = origin.format == FATHOM_WEIGHTS_KERAS_TF
        ? FATHOM_WEIGHTS_KERAS_THEANO : FATHOM_WEIGHTS_KERAS_TF;

      g_assert_true (origin.format == FATHOM_WEIGHTS_KERAS_TF ||
                     origin.format == FATHOM_WEIGHTS_KERAS_THEANO);
      load_keras (graphs->small, path, origin.format);
      load_keras (graphs->small, path, other);
      load_keras (graphs->vgg16, path, origin.format);
      load_keras (graphs->vgg16, path, other);
    }
  g_assert_cmpint (H5Fget_obj_count (H5F_OBJ_ALL, H5F_OBJ_ALL), ==, 0);
}

void
fathom_fuzz_keras_hdf5_raw (const guint8 *data, gsize size)
{
  g_autofree char *path = scratch_path (".h5");

  keras_graphs ();
  write_scratch (path, data, size);
  import_keras (path);
  g_unlink (path);
}

/* The description a keras-hdf5 input holds (fathom-fuzz-targets.h), read
 * a byte at a time; past the end every byte reads as 0. */
typedef struct {
  const guint8 *data;
  gsize         size;
  gsize         pos;
} Reader;

static guint8
next_byte (Reader *r)
{
  return r->pos < r->size ? r->data[r->pos++] : 0;
}

/* Layer names of the small graph, of VGG16 and ResNet50 (tf.keras and the
 * old keras-applications spellings) and of Keras 1. */
static const char *const layer_vocab[] = {
  "input_1", "conv1_conv", "conv1_bn", "conv2_block1_1_conv", "activation_1",
  "conv1", "bn_conv1", "res2a_branch2a", "res2a_branch1", "bn2a_branch2c",
  "res5c_branch2c", "res2z_branch2d", "convolution2d_1", "batchnormalization_1",
  "convolution2d_2", "zeropadding2d_1", "block1_conv1", "block1_conv2",
  "block1_pool", "block5_conv3", "pool1_pad", "conv1_bn_extra", "model_weights",
  "layer_names", "", ".", "/", "a/b",
};

/* Weight names: the layer's name and a suffix, or a suffix alone. */
static const struct {
  gboolean    prefixed;
  const char *suffix;
} weight_vocab[] = {
  { TRUE, "/kernel:0" }, { TRUE, "/bias:0" }, { TRUE, "/gamma:0" }, { TRUE, "/beta:0" },
  { TRUE, "/moving_mean:0" }, { TRUE, "/moving_variance:0" }, { TRUE, "_W" }, { TRUE, "_b" },
  { TRUE, "_gamma" }, { TRUE, "_beta" }, { TRUE, "_running_mean" }, { TRUE, "_running_std" },
  { FALSE, "kernel:0" }, { FALSE, "bias" }, { TRUE, "" }, { FALSE, "" },
};

/* The small graph's shapes in both kernel orders, and a few odd ones. */
static const struct {
  int     ndim;
  hsize_t dims[7];
} shape_vocab[] = {
  { 4, { 3, 3, 3, 4 } }, { 1, { 4 } }, { 4, { 4, 3, 3, 3 } }, { 4, { 1, 1, 4, 2 } },
  { 1, { 2 } }, { 4, { 2, 4, 1, 1 } }, { 0, { 0 } }, { 1, { 0 } }, { 4, { 3, 3, 4, 3 } },
  { 7, { 1, 1, 1, 1, 1, 1, 1 } },
};

/* A name byte below 64 picks from vocab (a weight name from weight_vocab
 * when layer is not NULL); above, it is a literal of (b - 64) % 48 raw
 * bytes, which need not be UTF-8. */
static char *
next_name (Reader *r, const char *layer)
{
  guint8 b = next_byte (r);
  GString *s;
  guint len;

  if (b < 64 && layer == NULL)
    return g_strdup (layer_vocab[b % G_N_ELEMENTS (layer_vocab)]);
  if (b < 64)
    {
      guint i = b % G_N_ELEMENTS (weight_vocab);

      return g_strconcat (weight_vocab[i].prefixed ? layer : "", weight_vocab[i].suffix, NULL);
    }
  len = (b - 64u) % 48u;
  s = g_string_new (NULL);
  for (guint i = 0; i < len; i++)
    {
      guint8 c = next_byte (r);

      if (c == 0)
        break;
      g_string_append_c (s, (char) c);
    }
  return g_string_free (s, FALSE);
}

/* A list of strings as Keras (fixed length, from bytes) or h5py (variable
 * length, from str) writes it; as_floats writes a float array of that
 * length instead, which is how h5py stores an empty list. HDF5 failures
 * (a bad name) are ignored: the reader must cope with whatever is there. */
static void
write_strings (hid_t loc, const char *name, GPtrArray *v, gboolean variable, gboolean as_floats)
{
  hsize_t n = v->len;
  hid_t space = H5Screate_simple (1, &n, NULL);
  hid_t type = H5Tcopy (H5T_C_S1);
  hid_t attr = H5I_INVALID_HID;

  if (as_floats || n == 0)
    {
      g_autofree double *zeros = g_new0 (double, n + 1);

      attr = H5Acreate2 (loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
      if (attr >= 0)
        H5Awrite (attr, H5T_NATIVE_DOUBLE, zeros);
    }
  else if (variable)
    {
      H5Tset_size (type, H5T_VARIABLE);
      H5Tset_cset (type, H5T_CSET_UTF8);
      attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
      if (attr >= 0)
        H5Awrite (attr, type, v->pdata);
    }
  else
    {
      size_t size = 1;
      g_autofree char *buf = NULL;

      for (guint i = 0; i < v->len; i++)
        size = MAX (size, strlen (g_ptr_array_index (v, i)));
      buf = g_malloc0 (n * size);
      for (guint i = 0; i < v->len; i++)
        memcpy (buf + i * size, g_ptr_array_index (v, i), strlen (g_ptr_array_index (v, i)));
      H5Tset_size (type, size);
      H5Tset_strpad (type, H5T_STR_NULLPAD);
      attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
      if (attr >= 0)
        H5Awrite (attr, type, buf);
    }
  if (attr >= 0)
    H5Aclose (attr);
  H5Tclose (type);
  H5Sclose (space);
}

/* A list attribute whole, split in two as Keras splits long lists (name0,
 * name1), or not at all. */
static void
write_list (hid_t loc, const char *name, GPtrArray *v, guint8 how, gboolean variable)
{
  if (how & KERAS_LIST_MISSING)
    return;
  if (how & KERAS_LIST_SPLIT)
    {
      guint half = v->len / 2;
      g_autoptr(GPtrArray) first = g_ptr_array_new ();
      g_autoptr(GPtrArray) second = g_ptr_array_new ();
      g_autofree char *name0 = g_strconcat (name, "0", NULL);
      g_autofree char *name1 = g_strconcat (name, "1", NULL);

      for (guint i = 0; i < v->len; i++)
        g_ptr_array_add (i < half ? first : second, g_ptr_array_index (v, i));
      write_strings (loc, name0, first, variable, (how & KERAS_LIST_FLOATS) != 0);
      write_strings (loc, name1, second, variable, (how & KERAS_LIST_FLOATS) != 0);
    }
  else
    write_strings (loc, name, v, variable, (how & KERAS_LIST_FLOATS) != 0);
}

static void
write_scalar_string (hid_t loc, const char *name, const char *value)
{
  hid_t space = H5Screate (H5S_SCALAR);
  hid_t type = H5Tcopy (H5T_C_S1);
  hid_t attr;

  H5Tset_size (type, MAX (strlen (value), 1));
  H5Tset_strpad (type, H5T_STR_NULLPAD);
  attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (attr >= 0)
    {
      H5Awrite (attr, type, value);
      H5Aclose (attr);
    }
  H5Tclose (type);
  H5Sclose (space);
}

/* One weight: a dataset (or a group, or nothing) named name in group. */
static void
write_weight (Reader *r, hid_t group, hid_t lcpl, const char *name)
{
  guint8 kind = next_byte (r);
  guint shape = kind >> 4;
  hsize_t dims[8] = { 0 };
  int ndim;
  hsize_t numel = 1;
  hid_t space, ds;

  if (shape < G_N_ELEMENTS (shape_vocab))
    {
      ndim = shape_vocab[shape].ndim;
      memcpy (dims, shape_vocab[shape].dims, sizeof shape_vocab[shape].dims);
    }
  else
    {
      ndim = next_byte (r) % 8;
      for (int d = 0; d < ndim; d++)
        dims[d] = next_byte (r) % 9;
    }
  if (group < 0 || (kind & KERAS_WEIGHT_MISSING))
    return;
  if ((kind & 3) == KERAS_WEIGHT_GROUP)
    {
      hid_t g = H5Gcreate2 (group, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);

      if (g >= 0)
        H5Gclose (g);
      return;
    }
  for (int d = 0; d < ndim; d++)
    numel *= dims[d];
  space = ndim == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (ndim, dims, NULL);
  ds = H5Dcreate2 (group, name,
                   (kind & 3) == KERAS_WEIGHT_F32 ? H5T_IEEE_F32LE
                   : (kind & 3) == KERAS_WEIGHT_F64_BE ? H5T_IEEE_F64BE : H5T_STD_I32LE,
                   space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  /* Values unless large: a dataset never written reads as zeros. */
  if (ds >= 0 && numel <= 4096)
    {
      g_autofree double *v = g_new (double, numel + 1);

      for (hsize_t i = 0; i < numel; i++)
        v[i] = (double) ((i * 7 + kind) % 13) / 8. - 0.75;
      H5Dwrite (ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    }
  if (ds >= 0)
    H5Dclose (ds);
  H5Sclose (space);
}

/* Writes the Keras file an input describes (fathom-fuzz-targets.h). */
static gboolean
write_keras (Reader *r, const char *path)
{
  guint8 flags = next_byte (r);
  guint n_layers = next_byte (r) % 8;
  gboolean variable = (flags & KERAS_FILE_VARIABLE_STRINGS) != 0;
  g_autoptr(GPtrArray) layer_names = g_ptr_array_new_with_free_func (g_free);
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  hid_t loc;

  if (file < 0)
    return FALSE;
  H5Pset_create_intermediate_group (lcpl, 1);
  loc = file;
  if (flags & KERAS_FILE_WHOLE_MODEL)
    loc = H5Gcreate2 (file, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);

  for (guint i = 0; i < n_layers; i++)
    {
      char *lname = next_name (r, NULL);
      guint8 layer = next_byte (r);
      guint n_weights = layer & 7;
      g_autoptr(GPtrArray) weight_names = g_ptr_array_new_with_free_func (g_free);
      hid_t group = H5I_INVALID_HID;

      g_ptr_array_add (layer_names, lname);
      if (!(layer & KERAS_LAYER_NO_GROUP))
        group = H5Gcreate2 (loc, lname, lcpl, H5P_DEFAULT, H5P_DEFAULT);
      for (guint j = 0; j < n_weights; j++)
        {
          char *wname = next_name (r, lname);

          g_ptr_array_add (weight_names, wname);
          write_weight (r, group, lcpl, wname);
        }
      if (group >= 0)
        {
          write_list (group, "weight_names", weight_names, layer >> 4, variable);
          H5Gclose (group);
        }
    }

  write_list (loc, "layer_names", layer_names, flags >> 4, variable);
  if (flags & KERAS_FILE_BACKEND)
    write_scalar_string (flags & KERAS_FILE_WHOLE_MODEL ? file : loc, "backend",
                         flags & KERAS_FILE_THEANO ? "theano" : "tensorflow");
  if (loc != file && loc >= 0)
    H5Gclose (loc);
  H5Pclose (lcpl);
  return H5Fclose (file) >= 0;
}

void
fathom_fuzz_keras_hdf5 (const guint8 *data, gsize size)
{
  g_autofree char *path = scratch_path (".h5");
  Reader r = { data, size, 0 };
  H5E_auto2_t func;
  void *func_data;
  gboolean written;

  keras_graphs ();
  /* Writing what the input describes may fail here and there (a name
   * HDF5 refuses): quietly. */
  H5Eget_auto2 (H5E_DEFAULT, &func, &func_data);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  written = write_keras (&r, path);
  H5Eset_auto2 (H5E_DEFAULT, func, func_data);
  g_assert_cmpint (H5Fget_obj_count (H5F_OBJ_ALL, H5F_OBJ_ALL), ==, 0);
  if (written)
    import_keras (path);
  g_unlink (path);
}

/* ---- run folders ------------------------------------------------------------ */

void
fathom_fuzz_run_info (const guint8 *data, gsize size)
{
  const guint8 *nul = memchr (data, 0, size);
  gsize json_len = nul != NULL ? (gsize) (nul - data) : size;
  const char *csv = nul != NULL ? (const char *) nul + 1 : NULL;
  gsize csv_len = nul != NULL ? size - json_len - 1 : 0;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  guint n_columns, n_rows;

  info = fathom_run_info_parse ((const char *) data, (gssize) json_len, csv, (gssize) csv_len, &error);
  check_outcome (info != NULL, error);
  if (info == NULL)
    {
      g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE);
      return;
    }

  g_assert_true (g_utf8_validate (fathom_run_info_get_experiment (info), -1, NULL));
  g_assert_true (g_utf8_validate (fathom_run_info_get_status (info), -1, NULL));
  root = fathom_run_info_get_json (info);
  g_assert_nonnull (root);
  if (json_object_has_member (root, "final"))
    {
      JsonObject *final = json_object_get_object_member (root, "final");
      g_autoptr(GList) keys = json_object_get_members (final);

      for (GList *k = keys; k != NULL; k = k->next)
        fathom_run_info_get_final (info, k->data);
    }
  g_assert_true (isnan (fathom_run_info_get_final (info, "fuzz: no such metric")));

  n_columns = fathom_run_info_get_n_columns (info);
  for (guint i = 0; i < n_columns; i++)
    g_assert_nonnull (fathom_run_info_get_column (info, i));
  if (csv != NULL)
    {
      g_assert_cmpuint (n_columns, >=, 1);
      g_assert_cmpstr (fathom_run_info_get_column (info, n_columns - 1), ==, "wall_s");
    }
  n_rows = fathom_run_info_get_n_rows (info);
  if (csv == NULL)
    g_assert_cmpuint (n_rows, ==, 0);
  for (guint i = 0; i < n_rows; i++)
    {
      const char *phase = NULL;
      gint64 step = -1;
      guint epoch;
      const double *row = fathom_run_info_get_row (info, i, &step, &epoch, &phase);

      g_assert_nonnull (row);
      g_assert_nonnull (phase);
      g_assert_cmpint (step, >=, 0);
      for (guint c = 0; c < n_columns; c++)
        (void) isnan (row[c]);
    }
}

/* ---- character corpora ------------------------------------------------------ */

static void
check_windows (FathomCorpus *corpus, guint length, guint stride)
{
  gsize n = 0;
  const gint32 *idx = fathom_corpus_get_indices (corpus, &n);
  gsize all = fathom_corpus_count_windows (corpus, length, stride, FATHOM_WINDOWS_ALL);
  gsize lesson = fathom_corpus_count_windows (corpus, length, stride, FATHOM_WINDOWS_LESSON);
  gsize count = MIN (all, 16);
  g_autofree gint32 *x = g_new0 (gint32, count * length + 1);
  g_autofree gint32 *y = g_new0 (gint32, count * length + 1);
  g_autofree float *xf = g_new0 (float, count * length + 1);
  g_autofree float *yf = g_new0 (float, count * length + 1);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (all, ==, n >= (gsize) length + 1 ? (n - 1 - length) / stride + 1 : 0);
  g_assert_cmpuint (lesson, <=, all);

  /* The last windows, when there are any. */
  g_assert_true (fathom_corpus_fill_windows (corpus, length, stride, all - count, count, x, y, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_corpus_fill_windows_float (corpus, length, stride, all - count, count, xf, yf,
                                                   &error));
  g_assert_no_error (error);
  for (gsize w = 0; w < count; w++)
    for (guint k = 0; k < length; k++)
      {
        gsize at = (all - count + w) * stride + k;

        g_assert_cmpint (x[w * length + k], ==, idx[at]);
        g_assert_cmpint (y[w * length + k], ==, idx[at + 1]);
        g_assert_cmpfloat (xf[w * length + k], ==, (float) idx[at]);
        g_assert_cmpfloat (yf[w * length + k], ==, (float) idx[at + 1]);
      }

  /* One past the end, and an empty window, are refused. */
  g_assert_false (fathom_corpus_fill_windows (corpus, length, stride, all, 1, x, NULL, &error));
  g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (fathom_corpus_fill_windows_float (corpus, length, stride, G_MAXSIZE, 2, NULL, yf,
                                                    &error));
  g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_RANGE);
  g_clear_error (&error);
  g_assert_false (fathom_corpus_fill_windows (corpus, 0, stride, 0, 1, x, y, &error));
  g_assert_error (error, FATHOM_CORPUS_ERROR, FATHOM_CORPUS_ERROR_RANGE);
}

void
fathom_fuzz_corpus (const guint8 *data, gsize size)
{
  static const guint shapes[][2] = { { 1, 1 }, { 2, 3 }, { 8, 8 }, { 40, 1 }, { 3, 1000 } };
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(FathomCorpus) corpus = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const guint8 *body = data;
  gsize body_len = size, n = 0;
  const gint32 *idx;
  guint vocab;

  corpus = fathom_corpus_new_from_bytes (bytes, "fuzz.txt", &error);
  check_outcome (corpus != NULL, error);
  if (corpus == NULL)
    return;

  vocab = fathom_corpus_get_vocab_size (corpus);
  g_assert_cmpuint (vocab, >=, 2);
  g_assert_cmpuint (fathom_corpus_get_char (corpus, 0), ==, 0);
  for (guint v = 0; v < vocab; v++)
    {
      gunichar c = fathom_corpus_get_char (corpus, v);

      g_assert_cmpint (fathom_corpus_char_to_index (corpus, c), ==, (int) v);
      if (v > 0)
        g_assert_cmpuint (c, >, fathom_corpus_get_char (corpus, v - 1));
    }
  g_assert_cmpint (fathom_corpus_char_to_index (corpus, 0x10FFFF + 1), ==, -1);

  idx = fathom_corpus_get_indices (corpus, &n);
  g_assert_cmpuint (n, ==, fathom_corpus_get_length (corpus));
  g_assert_cmpuint (n, >, 0);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpint (idx[i], >, 0);
      g_assert_cmpint (idx[i], <, (int) vocab);
    }

  /* Decoding every index gives the text back, less its byte-order mark. */
  if (size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    body += 3, body_len -= 3;
  text = fathom_corpus_decode (corpus, idx, n);
  g_assert_cmpuint (strlen (text), ==, body_len);
  g_assert_true (memcmp (text, body, body_len) == 0);
  g_clear_pointer (&text, g_free);
  {
    const gint32 odd[] = { -1, 0, (gint32) vocab, G_MAXINT32, 1 };

    text = fathom_corpus_decode (corpus, odd, G_N_ELEMENTS (odd));
    g_assert_true (g_utf8_validate (text, -1, NULL));
  }

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    check_windows (corpus, shapes[s][0], shapes[s][1]);
}

/* ---- the table -------------------------------------------------------------- */

static const FathomFuzzTarget targets[] = {
  { "image",       fathom_fuzz_image },
  { "annotations", fathom_fuzz_annotations },
  { "safetensors", fathom_fuzz_safetensors },
  { "keras-hdf5",  fathom_fuzz_keras_hdf5 },
  { "keras-hdf5-raw", fathom_fuzz_keras_hdf5_raw },
  { "run-info",    fathom_fuzz_run_info },
  { "corpus",      fathom_fuzz_corpus },
};

const FathomFuzzTarget *
fathom_fuzz_get_targets (guint *n_targets)
{
  *n_targets = G_N_ELEMENTS (targets);
  return targets;
}

const FathomFuzzTarget *
fathom_fuzz_find_target (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    if (g_str_equal (targets[i].name, name))
      return &targets[i];
  return NULL;
}
