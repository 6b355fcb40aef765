/* test-feature-cache.c: streamed feature files (writer, reader) and the
 * feature cache: round trips, row access, atomicity, stale and corrupt
 * files, and a full disk. */
/* memmem() */
#define _GNU_SOURCE

#include "fathom-test-util.h"
#include "fathom-feature-cache.h"
#include "fathom-safetensors.h"
#include "fathom-backend-registry.h"
#include "fathom-heads.h"
#include "fathom-optimizer.h"
#include "fathom-trainer.h"
#include "fathom-tsan.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#define N 37
#define C 3
#define H 5
#define W 7
#define ROW_FLOATS (C * H * W)

/* ---- helpers ----------------------------------------------------------- */

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("fathom-feature-cache-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* Removes dir and its contents, one level of subdirectories included. */
static void
remove_tmp_dir (char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tmp_dir (g_steal_pointer (&path));
      else
        g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (dir);
}

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents;
  gsize len;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static void
write_file (const char *path, const void *data, gsize len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

/* [n, C, H, W] of arbitrary bit patterns: NaN payloads, denormals, both
 * zeros, so that "bit-exact" means it. */
static FathomTensor *
random_bits (guint64 seed, gint64 n)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  FathomTensor *t = fathom_tensor_new_4d (n, C, H, W);
  float *d = fathom_tensor_get_data (t);

  for (gsize i = 0; i < fathom_tensor_get_numel (t); i++)
    {
      guint32 bits = (guint32) fathom_rng_next_u64 (rng);

      memcpy (&d[i], &bits, sizeof bits);
    }
  return t;
}

/* N names, one with characters JSON must escape. */
static GStrv
make_files (gint64 n)
{
  GStrv files = g_new0 (char *, n + 1);

  for (gint64 i = 0; i < n; i++)
    files[i] = i == 3
      ? g_strdup ("train/ALB/we\"ird\\ na\nme\t\x01 \xc3\xbc.jpg")
      : g_strdup_printf ("train/%s/img_%05" G_GINT64_FORMAT ".jpg",
                         i % 2 ? "BET" : "ALB", 1000 + i);
  return files;
}

static void
assert_rows_equal (const float *got, const FathomTensor *all, gint64 row, gint64 count)
{
  g_assert_cmpmem (got, (gsize) count * ROW_FLOATS * sizeof (float),
                   fathom_tensor_get_const_data (all) + (gsize) row * ROW_FLOATS,
                   (gsize) count * ROW_FLOATS * sizeof (float));
}

/* Writes all of data in appends of the given sizes (summing to its rows). */
static void
write_features (const char        *path,
                FathomTensor      *data,
                const char *const *files,
                GHashTable        *meta,
                const gint64      *chunks,
                guint              n_chunks)
{
  g_autoptr(FathomFeatureWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n = fathom_tensor_get_dim (data, 0), done = 0;

  writer = fathom_feature_writer_open (path, n, C, H, W, files, meta, &error);
  g_assert_no_error (error);
  g_assert_nonnull (writer);
  for (guint i = 0; i < n_chunks; i++)
    {
      g_autoptr(FathomTensor) part = fathom_tensor_slice (data, done, chunks[i]);

      g_assert_true (fathom_feature_writer_append (writer, part, &error));
      g_assert_no_error (error);
      done += chunks[i];
      g_assert_cmpint (fathom_feature_writer_get_n_written (writer), ==, done);
    }
  g_assert_cmpint (done, ==, n);
  g_assert_true (fathom_feature_writer_finish (writer, &error));
  g_assert_no_error (error);
}

static const gint64 uneven[] = { 5, 13, 19 };

/* ---- round trip -------------------------------------------------------- */

static void
test_round_trip (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "features.safetensors", NULL);
  g_autoptr(FathomTensor) data = random_bits (7, N);
  g_auto(GStrv) files = make_files (N);
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(FathomFeatureReader) reader = NULL;
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(FathomTensor) whole = NULL;
  g_autoptr(FathomTensor) rows = fathom_tensor_new_4d (N, C, H, W);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const char *const *got_files;
  gint64 shape[FATHOM_MAX_DIMS];
  const char *dtype = NULL;
  guint64 header_len;
  JsonArray *list;
  guint ndim = 0;

  g_hash_table_insert (meta, "backbone", "vgg16-conv5");
  g_hash_table_insert (meta, "input", "360x640");
  g_hash_table_insert (meta, "note", "quote \" backslash \\ newline \n");

  write_features (path, data, (const char *const *) files, meta, uneven, G_N_ELEMENTS (uneven));
  /* the temporary file was renamed, nothing else is left */
  g_assert_cmpuint (count_files (dir), ==, 1);

  /* layout: padded header, then exactly the data */
  bytes = read_file (path);
  memcpy (&header_len, g_bytes_get_data (bytes, NULL), 8);
  header_len = GUINT64_FROM_LE (header_len);
  g_assert_cmpuint (header_len % 8, ==, 0);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 8 + header_len + (guint64) N * ROW_FLOATS * 4);

  reader = fathom_feature_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reader);
  g_assert_cmpstr (fathom_feature_reader_get_path (reader), ==, path);
  g_assert_cmpint (fathom_feature_reader_get_n (reader), ==, N);
  g_assert_cmpint (fathom_feature_reader_get_channels (reader), ==, C);
  g_assert_cmpint (fathom_feature_reader_get_height (reader), ==, H);
  g_assert_cmpint (fathom_feature_reader_get_width (reader), ==, W);
  got_files = fathom_feature_reader_get_files (reader);
  g_assert_cmpuint (g_strv_length ((GStrv) got_files), ==, N);
  g_assert_true (g_strv_equal ((const char *const *) files, got_files));
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, "backbone"), ==, "vgg16-conv5");
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, "input"), ==, "360x640");
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, "note"), ==,
                   g_hash_table_lookup (meta, "note"));
  g_assert_null (fathom_feature_reader_get_metadata (reader, "missing"));
  g_assert_true (fathom_feature_reader_read_rows (reader, 0, N, rows, &error));
  g_assert_no_error (error);
  assert_rows_equal (fathom_tensor_get_const_data (rows), data, 0, N);

  /* any safetensors reader sees one tensor and the list */
  st = fathom_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_safetensors_get_n_tensors (st), ==, 1);
  g_assert_true (fathom_safetensors_get_info (st, "features", &ndim, shape, &dtype));
  g_assert_cmpstr (dtype, ==, "F32");
  g_assert_cmpuint (ndim, ==, 4);
  g_assert_true (fathom_tensor_has_shape (data, ndim, shape));
  whole = fathom_safetensors_get_tensor (st, "features", &error);
  g_assert_no_error (error);
  assert_rows_equal (fathom_tensor_get_const_data (whole), data, 0, N);

  json_parser_load_from_data (parser, fathom_safetensors_get_metadata (st, "files"), -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  list = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (list), ==, N);
  for (guint i = 0; i < N; i++)
    g_assert_cmpstr (json_array_get_string_element (list, i), ==, files[i]);
  g_assert_cmpstr (fathom_safetensors_get_metadata (st, "backbone"), ==, "vgg16-conv5");

  g_clear_pointer (&reader, fathom_feature_reader_free);
  g_clear_pointer (&st, fathom_safetensors_free);
  remove_tmp_dir (dir);
}

/* No rows at all is a valid (empty) feature set. */
static void
test_empty (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "empty.safetensors", NULL);
  g_autoptr(FathomTensor) data = fathom_tensor_new_4d (0, C, H, W);
  g_autoptr(FathomTensor) dst = fathom_tensor_new_4d (0, C, H, W);
  g_autoptr(FathomFeatureReader) reader = NULL;
  g_autoptr(GError) error = NULL;

  write_features (path, data, NULL, NULL, NULL, 0);
  reader = fathom_feature_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fathom_feature_reader_get_n (reader), ==, 0);
  g_assert_cmpuint (g_strv_length ((GStrv) fathom_feature_reader_get_files (reader)), ==, 0);
  g_assert_true (fathom_feature_reader_read_rows (reader, 0, 0, dst, &error));
  g_assert_no_error (error);
  g_clear_pointer (&reader, fathom_feature_reader_free);
  remove_tmp_dir (dir);
}

/* ---- row access -------------------------------------------------------- */

static void
test_read_rows (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "features.safetensors", NULL);
  g_autoptr(FathomTensor) data = random_bits (11, N);
  g_auto(GStrv) files = make_files (N);
  g_autoptr(FathomFeatureReader) reader = NULL;
  g_autoptr(FathomRng) rng = fathom_rng_new (3);
  g_autoptr(GError) error = NULL;
  const gint64 one[] = { N };
  const struct { gint64 start, count; } ranges[] = {
    { 0, 1 }, { 10, 7 }, { 36, 1 }, { 0, N }, { 37, 0 }, { 5, 13 },
  };
  gint64 order[N];

  write_features (path, data, (const char *const *) files, NULL, one, 1);
  reader = fathom_feature_reader_open (path, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    {
      g_autoptr(FathomTensor) dst = fathom_tensor_new_4d (ranges[i].count, C, H, W);

      fathom_feature_reader_prefetch (reader, ranges[i].start, ranges[i].count);
      g_assert_true (fathom_feature_reader_read_rows (reader, ranges[i].start, ranges[i].count,
                                                      dst, &error));
      g_assert_no_error (error);
      if (ranges[i].count > 0)
        assert_rows_equal (fathom_tensor_get_const_data (dst), data,
                           ranges[i].start, ranges[i].count);
    }
  /* a hint only: out-of-range requests are clamped, never fault */
  fathom_feature_reader_prefetch (reader, -5, 1000);
  fathom_feature_reader_prefetch (reader, 1000, 3);

  /* out of range, and a destination of the wrong shape */
  {
    g_autoptr(FathomTensor) dst = fathom_tensor_new_4d (8, C, H, W);
    g_autoptr(FathomTensor) flat = fathom_tensor_new_2d (8, ROW_FLOATS);

    g_assert_false (fathom_feature_reader_read_rows (reader, 30, 8, dst, &error));
    g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_RANGE);
    g_assert_nonnull (strstr (error->message, path));
    g_clear_error (&error);
    g_assert_false (fathom_feature_reader_read_rows (reader, -1, 8, dst, &error));
    g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_RANGE);
    g_clear_error (&error);
    g_assert_false (fathom_feature_reader_read_rows (reader, 0, 7, dst, &error));
    g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (fathom_feature_reader_read_rows (reader, 0, 8, flat, &error));
    g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* a shuffled mini-batch, with a repeat */
  for (gint64 i = 0; i < N; i++)
    order[i] = i;
  fathom_rng_shuffle (rng, order, N);
  order[15] = order[2];
  {
    g_autoptr(FathomTensor) dst = fathom_tensor_new_4d (16, C, H, W);
    g_autoptr(FathomTensor) before = NULL;
    const gint64 bad[][3] = { { 0, 5, N }, { 1, -1, 2 } };

    g_assert_true (fathom_feature_reader_read_row_indices (reader, order, 16, dst, &error));
    g_assert_no_error (error);
    for (gint64 i = 0; i < 16; i++)
      assert_rows_equal (fathom_tensor_get_const_data (dst) + i * ROW_FLOATS, data, order[i], 1);

    /* a bad index anywhere refuses the batch and leaves dst alone */
    fathom_tensor_fill (dst, 42.f);
    before = fathom_tensor_new_like (dst);
    fathom_tensor_copy_from (before, dst);
    for (guint b = 0; b < G_N_ELEMENTS (bad); b++)
      {
        g_autoptr(FathomTensor) three = fathom_tensor_new_4d (3, C, H, W);

        fathom_tensor_fill (three, 42.f);
        g_assert_false (fathom_feature_reader_read_row_indices (reader, bad[b], 3, three, &error));
        g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_RANGE);
        g_clear_error (&error);
        for (gsize i = 0; i < fathom_tensor_get_numel (three); i++)
          g_assert_cmpfloat (fathom_tensor_get_const_data (three)[i], ==, 42.f);
      }
    /* count and destination must agree */
    g_assert_false (fathom_feature_reader_read_row_indices (reader, order, 15, dst, &error));
    g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_cmpmem (fathom_tensor_get_const_data (dst), 16 * ROW_FLOATS * sizeof (float),
                     fathom_tensor_get_const_data (before), 16 * ROW_FLOATS * sizeof (float));
  }

  g_clear_pointer (&reader, fathom_feature_reader_free);
  remove_tmp_dir (dir);
}

/* ---- wrong row counts, aborts ------------------------------------------ */

static void
test_too_many_rows (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "features.safetensors", NULL);
  g_autoptr(FathomTensor) data = random_bits (5, 11);
  g_autoptr(FathomTensor) six = fathom_tensor_slice (data, 0, 6);
  g_autoptr(FathomTensor) five = fathom_tensor_slice (data, 6, 5);
  g_auto(GStrv) files = make_files (10);
  g_autoptr(FathomFeatureWriter) writer = NULL;
  g_autoptr(GError) error = NULL;

  writer = fathom_feature_writer_open (path, 10, C, H, W, (const char *const *) files, NULL, &error);
  g_assert_no_error (error);
  /* the temporary file exists while writing */
  g_assert_cmpuint (count_files (dir), ==, 1);
  g_assert_true (fathom_feature_writer_append (writer, six, &error));
  g_assert_no_error (error);
  g_assert_false (fathom_feature_writer_append (writer, five, &error));
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_ROWS);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  /* gone at once, not only when the writer is freed */
  g_assert_cmpuint (count_files (dir), ==, 0);

  /* the writer is spent */
  g_assert_false (fathom_feature_writer_append (writer, six, &error));
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (fathom_feature_writer_finish (writer, &error));
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_pointer (&writer, fathom_feature_writer_free);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (dir), ==, 0);

  /* one append too big from the start */
  writer = fathom_feature_writer_open (path, 10, C, H, W, (const char *const *) files, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (fathom_feature_writer_append (writer, data, &error));
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_ROWS);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (dir), ==, 0);
  g_clear_pointer (&writer, fathom_feature_writer_free);

  remove_tmp_dir (dir);
}

static void
test_too_few_rows (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "features.safetensors", NULL);
  g_autoptr(FathomTensor) data = random_bits (5, 6);
  g_auto(GStrv) files = make_files (10);
  g_autoptr(FathomFeatureWriter) writer = NULL;
  g_autoptr(GError) error = NULL;

  writer = fathom_feature_writer_open (path, 10, C, H, W, (const char *const *) files, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_feature_writer_append (writer, data, &error));
  g_assert_no_error (error);
  g_assert_false (fathom_feature_writer_finish (writer, &error));
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_ROWS);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "6 of 10"));
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (dir), ==, 0);
  g_clear_pointer (&writer, fathom_feature_writer_free);
  g_assert_cmpuint (count_files (dir), ==, 0);

  remove_tmp_dir (dir);
}

/* A rewrite that does not finish leaves the previous file as it was. */
static void
test_abort_keeps_old (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "features.safetensors", NULL);
  g_autoptr(FathomTensor) data = random_bits (1, N);
  g_autoptr(FathomTensor) other = random_bits (2, N);
  g_autoptr(FathomTensor) part = fathom_tensor_slice (other, 0, 20);
  g_autoptr(FathomTensor) wrong = fathom_tensor_new_4d (2, C, H, W + 1);
  g_auto(GStrv) files = make_files (N);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GError) error = NULL;

  write_features (path, data, (const char *const *) files, NULL, uneven, G_N_ELEMENTS (uneven));
  before = read_file (path);

  for (guint how = 0; how < 3; how++)
    {
      FathomFeatureWriter *writer;
      g_autoptr(GBytes) after = NULL;

      writer = fathom_feature_writer_open (path, N, C, H, W, (const char *const *) files,
                                           NULL, &error);
      g_assert_no_error (error);
      g_assert_true (fathom_feature_writer_append (writer, part, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (count_files (dir), ==, 2);
      switch (how)
        {
        case 0:                 /* explicit abort, then free */
          fathom_feature_writer_abort (writer);
          g_assert_cmpuint (count_files (dir), ==, 1);
          fathom_feature_writer_abort (writer);
          break;
        case 1:                 /* freed without finishing */
          break;
        case 2:                 /* a row shape that does not fit */
          g_assert_false (fathom_feature_writer_append (writer, wrong, &error));
          g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
          g_clear_error (&error);
          g_assert_cmpuint (count_files (dir), ==, 1);
          break;
        }
      fathom_feature_writer_free (writer);
      g_assert_cmpuint (count_files (dir), ==, 1);
      after = read_file (path);
      g_assert_true (g_bytes_equal (before, after));
    }
  remove_tmp_dir (dir);
}

/* Refused before anything is created. */
static void
test_invalid_args (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "features.safetensors", NULL);
  g_autofree char *nodir = g_build_filename (dir, "missing", "features.safetensors", NULL);
  const char *bad_utf8[] = { "a.jpg", "b\xff.jpg" };
  const char *short_list[] = { "a.jpg", NULL };
  g_autoptr(GHashTable) reserved = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  FathomFeatureWriter *writer;

  g_hash_table_insert (reserved, "files", "[]");

  writer = fathom_feature_writer_open (path, 2, C, H, W, bad_utf8, NULL, &error);
  g_assert_null (writer);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
  g_clear_error (&error);
  writer = fathom_feature_writer_open (path, 2, C, H, W, short_list, NULL, &error);
  g_assert_null (writer);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
  g_clear_error (&error);
  writer = fathom_feature_writer_open (path, 0, C, H, W, NULL, reserved, &error);
  g_assert_null (writer);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
  g_clear_error (&error);
  writer = fathom_feature_writer_open (path, 0, 0, H, W, NULL, NULL, &error);
  g_assert_null (writer);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
  g_clear_error (&error);
  /* a size whose byte count overflows */
  writer = fathom_feature_writer_open (path, G_MAXINT64 / 4, 512, 22, 40, NULL, NULL, &error);
  g_assert_null (writer);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (dir), ==, 0);

  /* a directory that does not exist: the error names the path and why */
  writer = fathom_feature_writer_open (nodir, 0, C, H, W, NULL, NULL, &error);
  g_assert_null (writer);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, nodir));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  g_clear_error (&error);

  remove_tmp_dir (dir);
}

/* ---- files the reader refuses ------------------------------------------ */

static void
save_one (const char *path, const char *name, FathomTensor *t, const char *files_json)
{
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;

  if (files_json != NULL)
    g_hash_table_insert (meta, "files", (gpointer) files_json);
  g_assert_true (fathom_safetensors_save (path, 1, &name, &t, meta, &error));
  g_assert_no_error (error);
}

static void
test_reader_rejects (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "bad.safetensors", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autoptr(FathomTensor) two = fathom_tensor_new_4d (2, C, H, W);
  g_autoptr(FathomTensor) three_d = fathom_tensor_new_3d (2, C, H);
  g_autoptr(FathomTensor) zero_c = fathom_tensor_new_4d (2, 0, H, W);
  const struct {
    const char   *name;
    FathomTensor *tensor;
    const char   *files;
  } cases[] = {
    { "other",    two,     "[\"a\",\"b\"]" },     /* wrong tensor name */
    { "features", three_d, "[\"a\",\"b\"]" },     /* not [N, C, H, W] */
    { "features", zero_c,  "[\"a\",\"b\"]" },     /* no channels */
    { "features", two,     NULL },                /* no list */
    { "features", two,     "a, b" },              /* not JSON */
    { "features", two,     "{\"a\":\"b\"}" },     /* not a list */
    { "features", two,     "[\"a\",2]" },         /* not strings */
    { "features", two,     "[\"a\"]" },           /* too short */
    { "features", two,     "[\"a\",\"b\",\"c\"]" }, /* too long */
  };
  g_autoptr(GError) error = NULL;
  FathomFeatureReader *reader;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      save_one (path, cases[i].name, cases[i].tensor, cases[i].files);
      reader = fathom_feature_reader_open (path, &error);
      g_assert_null (reader);
      g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
    }

  /* two tensors */
  {
    const char *names[] = { "features", "extra" };
    FathomTensor *tensors[] = { two, two };
    g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);

    g_hash_table_insert (meta, "files", "[\"a\",\"b\"]");
    g_assert_true (fathom_safetensors_save (path, 2, names, tensors, meta, &error));
    g_assert_no_error (error);
    reader = fathom_feature_reader_open (path, &error);
    g_assert_null (reader);
    g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FORMAT);
    g_clear_error (&error);
  }

  /* the good case for contrast */
  save_one (path, "features", two, "[\"a\",\"b\"]");
  reader = fathom_feature_reader_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_feature_reader_get_files (reader)[1], ==, "b");
  fathom_feature_reader_free (reader);

  /* not safetensors at all, truncated, missing */
  write_file (path, "garbage", 7);
  reader = fathom_feature_reader_open (path, &error);
  g_assert_null (reader);
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_TRUNCATED);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  {
    g_autoptr(GBytes) good = NULL;

    save_one (path, "features", two, "[\"a\",\"b\"]");
    good = read_file (path);
    write_file (path, g_bytes_get_data (good, NULL), g_bytes_get_size (good) - 4);
    reader = fathom_feature_reader_open (path, &error);
    g_assert_null (reader);
    g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_TRUNCATED);
    g_clear_error (&error);
  }
  reader = fathom_feature_reader_open (missing, &error);
  g_assert_null (reader);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  remove_tmp_dir (dir);
}

/* ---- the cache --------------------------------------------------------- */

static const FathomFeatureKey base_key = {
  .backbone = "vgg16-conv5",
  .weights = "sha256:0123456789abcdef",
  .input_height = 360,
  .input_width = 640,
  .dataset = "fisheries:sha256:feedface",
  .preprocessing = "vgg",
};

/* Writes the features for key through the cache; returns the file's path. */
static char *
fill_cache (const char *cache_dir, const FathomFeatureKey *key, FathomTensor *data,
            const char *const *files)
{
  g_autoptr(FathomFeatureWriter) writer = NULL;
  g_autoptr(GHashTable) extra = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  char *path;

  g_hash_table_insert (extra, "note", "precomputed by the test");
  writer = fathom_feature_cache_begin (cache_dir, key, N, C, H, W, files, extra, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_feature_writer_append (writer, data, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_feature_writer_finish (writer, &error));
  g_assert_no_error (error);
  path = fathom_feature_cache_path_for_key (cache_dir, key, &error);
  g_assert_no_error (error);
  return path;
}

static void
assert_miss (const char *cache_dir, const FathomFeatureKey *key)
{
  g_autoptr(GError) error = NULL;
  char *path = (char *) "untouched";

  g_assert_false (fathom_feature_cache_lookup (cache_dir, key, &path, &error));
  g_assert_no_error (error);
  g_assert_null (path);
}

static void
test_lookup (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *cache_dir = g_build_filename (dir, "cache", "features", NULL);
  g_autoptr(FathomTensor) data = random_bits (9, N);
  g_auto(GStrv) files = make_files (N);
  g_autofree char *path = NULL;
  g_autofree char *found = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomFeatureReader) reader = NULL;
  FathomFeatureKey key;

  /* nothing there yet, not even the directory */
  assert_miss (cache_dir, &base_key);

  path = fill_cache (cache_dir, &base_key, data, (const char *const *) files);
  g_assert_true (g_str_has_prefix (path, cache_dir));
  g_assert_true (fathom_feature_cache_lookup (cache_dir, &base_key, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, path);
  g_assert_true (fathom_feature_cache_lookup (cache_dir, &base_key, NULL, &error));
  g_assert_cmpuint (count_files (cache_dir), ==, 1);

  /* the key is in the metadata, beside the extra entries */
  reader = fathom_feature_reader_open (found, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_BACKBONE), ==, base_key.backbone);
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_WEIGHTS), ==, base_key.weights);
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_INPUT_HEIGHT), ==, "360");
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_INPUT_WIDTH), ==, "640");
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_DATASET), ==, base_key.dataset);
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_PREPROCESSING), ==, "vgg");
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, FATHOM_FEATURE_META_FORMAT_VERSION), ==, "1");
  g_assert_cmpstr (fathom_feature_reader_get_metadata (reader, "note"), ==, "precomputed by the test");
  g_assert_true (g_strv_equal ((const char *const *) files, fathom_feature_reader_get_files (reader)));
  g_clear_pointer (&reader, fathom_feature_reader_free);
  bytes = read_file (path);

  /* every component matters: another name, and even under the original's
   * name (a copy placed there) the stored key does not match */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *other = NULL;

      key = base_key;
      switch (i)
        {
        case 0: key.backbone = "resnet50-res5"; break;
        case 1: key.weights = "random-seed-1"; break;
        case 2: key.input_height = 352; break;
        case 3: key.input_width = 644; break;
        case 4: key.dataset = "fisheries:sha256:deadbeef"; break;
        case 5: key.preprocessing = "unit"; break;
        }
      other = fathom_feature_cache_path_for_key (cache_dir, &key, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (other, !=, path);
      assert_miss (cache_dir, &key);

      write_file (other, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      assert_miss (cache_dir, &key);
      g_assert_cmpint (g_unlink (other), ==, 0);
    }

  /* values that could run into each other in a naive key string */
  {
    FathomFeatureKey a = base_key, b = base_key;
    g_autofree char *pa = NULL;
    g_autofree char *pb = NULL;

    a.backbone = "x\nweights=y";
    a.weights = "";
    b.backbone = "x";
    b.weights = "y";
    pa = fathom_feature_cache_path_for_key (cache_dir, &a, &error);
    pb = fathom_feature_cache_path_for_key (cache_dir, &b, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (pa, !=, pb);
  }

  /* an invalid key is an error, not a miss */
  key = base_key;
  key.dataset = NULL;
  g_clear_pointer (&found, g_free);
  g_assert_false (fathom_feature_cache_lookup (cache_dir, &key, &found, &error));
  g_assert_null (found);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
  g_clear_error (&error);
  key = base_key;
  key.input_width = 0;
  g_assert_false (fathom_feature_cache_lookup (cache_dir, &key, NULL, &error));
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
  g_clear_error (&error);

  /* extra metadata may not override the key */
  {
    g_autoptr(GHashTable) extra = g_hash_table_new (g_str_hash, g_str_equal);
    FathomFeatureWriter *writer;

    g_hash_table_insert (extra, FATHOM_FEATURE_META_BACKBONE, "something else");
    writer = fathom_feature_cache_begin (cache_dir, &base_key, N, C, H, W,
                                         (const char *const *) files, extra, &error);
    g_assert_null (writer);
    g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_INVALID);
    g_clear_error (&error);
  }

  /* still a hit, still the one file */
  g_assert_true (fathom_feature_cache_lookup (cache_dir, &base_key, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (cache_dir), ==, 1);
  remove_tmp_dir (dir);
}

/* Replaces the first occurrence of from with to (same length) in a copy. */
static GBytes *
edit_bytes (GBytes *bytes, const char *from, const char *to)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  char *copy = g_memdup2 (data, len);
  char *at = memmem (copy, len, from, strlen (from));

  g_assert_cmpuint (strlen (from), ==, strlen (to));
  g_assert_nonnull (at);
  memcpy (at, to, strlen (to));
  return g_bytes_new_take (copy, len);
}

static void
test_lookup_corrupt (void)
{
  char *dir = make_tmp_dir ();
  g_autoptr(FathomTensor) data = random_bits (13, N);
  g_auto(GStrv) files = make_files (N);
  g_autofree char *path = fill_cache (dir, &base_key, data, (const char *const *) files);
  g_autoptr(GBytes) good = read_file (path);
  const char *good_data = g_bytes_get_data (good, NULL);
  gsize good_len = g_bytes_get_size (good);
  g_autoptr(GError) error = NULL;
  const struct { const char *what, *from, *to; } edits[] = {
    /* still valid safetensors: only the stored key says it is stale */
    { "backbone", "vgg16-conv5", "vgg19-conv5" },
    { "weights", "0123456789abcdef", "0123456789abcdee" },
    { "height", "\"360\"", "\"361\"" },
    { "version", "\"format_version\":\"1\"", "\"format_version\":\"0\"" },
    { "key name", "\"preprocessing\"", "\"preprocessinG\"" },
    /* the file list no longer matches the rows */
    { "files", "\\\"train/ALB/img_01000.jpg\\\",", "\\\"train/ALB/img_01000.jpg\\\"]" },
    /* broken JSON */
    { "header", "\"features\":{", "\"features\":[" },
  };

  g_assert_true (fathom_feature_cache_lookup (dir, &base_key, NULL, &error));
  g_assert_no_error (error);

  /* truncated anywhere: in the data, in the header, to nothing */
  for (guint i = 0; i < 4; i++)
    {
      const gsize lengths[] = { good_len - 1, good_len - ROW_FLOATS * 4, 100, 0 };

      write_file (path, good_data, lengths[i]);
      assert_miss (dir, &base_key);
    }
  /* one row too many (trailing bytes) */
  {
    g_autofree char *longer = g_malloc0 (good_len + ROW_FLOATS * 4);

    memcpy (longer, good_data, good_len);
    write_file (path, longer, good_len + ROW_FLOATS * 4);
    assert_miss (dir, &base_key);
  }
  for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
    {
      g_autoptr(GBytes) edited = edit_bytes (good, edits[i].from, edits[i].to);

      g_test_message ("edited: %s", edits[i].what);
      write_file (path, g_bytes_get_data (edited, NULL), g_bytes_get_size (edited));
      assert_miss (dir, &base_key);
    }

  /* and the intact file is a hit again */
  write_file (path, good_data, good_len);
  g_assert_true (fathom_feature_cache_lookup (dir, &base_key, NULL, &error));
  g_assert_no_error (error);
  remove_tmp_dir (dir);
}

/* ---- a full disk ------------------------------------------------------- */

/* No mount rights to make a small file system: a file size limit makes
 * write() fail (EFBIG) the same way from the writer's side. It applies to
 * the whole process, so it is set in a child. */
#define FULL_DIR_ENV "FATHOM_TEST_FEATURE_FULL_DIR"

static void
disk_full_child (void)
{
  const char *dir = g_getenv (FULL_DIR_ENV);
  g_autofree char *path = g_build_filename (dir, "features.safetensors", NULL);
  g_autoptr(FathomTensor) data = random_bits (17, N);
  g_auto(GStrv) files = make_files (N);
  g_autoptr(FathomFeatureWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit limit = { 4096, 4096 };
  gint64 done = 0;
  gboolean ok = TRUE;

  /* over the limit, write() fails with EFBIG instead of killing us */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  /* the header fits, the rows do not: an append fails */
  writer = fathom_feature_writer_open (path, N, C, H, W, (const char *const *) files, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; ok && i < G_N_ELEMENTS (uneven); i++)
    {
      g_autoptr(FathomTensor) part = fathom_tensor_slice (data, done, uneven[i]);

      ok = fathom_feature_writer_append (writer, part, &error);
      done += uneven[i];
    }
  g_assert_false (ok);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  g_clear_error (&error);
  /* the old file and nothing else */
  g_assert_cmpuint (count_files (dir), ==, 1);
  g_assert_false (fathom_feature_writer_finish (writer, &error));
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_pointer (&writer, fathom_feature_writer_free);

  /* not even the header fits: open fails */
  limit.rlim_cur = limit.rlim_max = 64;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  writer = fathom_feature_writer_open (path, N, C, H, W, (const char *const *) files, NULL, &error);
  g_assert_null (writer);
  g_assert_error (error, FATHOM_FEATURE_CACHE_ERROR, FATHOM_FEATURE_CACHE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  g_assert_cmpuint (count_files (dir), ==, 1);
}

static void
test_disk_full (void)
{
  char *dir;
  g_autofree char *path = NULL;
  g_autoptr(FathomTensor) data = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;

  if (g_test_subprocess ())
    {
      disk_full_child ();
      return;
    }

  /* a good file from before, which the failed rewrites must not touch */
  dir = make_tmp_dir ();
  path = g_build_filename (dir, "features.safetensors", NULL);
  data = random_bits (19, N);
  files = make_files (N);
  write_features (path, data, (const char *const *) files, NULL, uneven, G_N_ELEMENTS (uneven));
  before = read_file (path);

  g_setenv (FULL_DIR_ENV, dir, TRUE);
  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_unsetenv (FULL_DIR_ENV);

  g_assert_cmpuint (count_files (dir), ==, 1);
  after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
  remove_tmp_dir (dir);
}

/* ---- training from a feature file larger than the memory bound ---------- */

#define BIG_N    640
#define BIG_C    256
#define BIG_HW   16          /* 256 KiB per row: 160 MiB in all */
#define BIG_BOUND_MIB 48     /* what the process may grow by while it trains */

/* One field of /proc/self/status, in KiB: VmRSS (the whole resident set)
 * or RssFile (its file-backed pages: the mapped feature rows). */
static gint64
status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, field);
  g_assert_nonnull (line);
  return g_ascii_strtoll (line + strlen (field), NULL, 10);
}

/* Under a sanitizer the anonymous resident set is partly the sanitizer's:
 * AddressSanitizer keeps the batches the fit frees in quarantine (256 MiB
 * by default), ThreadSanitizer keeps shadow memory for every row it sees
 * read. The file pages stay the reader's alone. */
#if defined(FATHOM_TSAN_ENABLED) || defined(__SANITIZE_ADDRESS__)
#define FATHOM_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FATHOM_TEST_SANITIZED 1
#endif
#endif

/* Row i belongs to class i % 2, which shifts its first 16 channels. */
static void
fill_big_rows (float *rows, gint64 first, gint64 count)
{
  for (gint64 r = 0; r < count; r++)
    for (gint64 c = 0; c < BIG_C; c++)
      for (gint64 k = 0; k < BIG_HW * BIG_HW; k++)
        {
          gint64 i = first + r;
          float noise = (float) ((i * 7919 + c * 104729 + k * 1299709) % 1000) / 1000.f - 0.5f;

          rows[(r * BIG_C + c) * BIG_HW * BIG_HW + k] = noise + (c < 16 && i % 2 ? 1.f : 0.f);
        }
}

static gboolean
fill_from_reader (gpointer data, const gint64 *items, gint64 count, FathomTensor *const *inputs,
                  FathomTensor *const *targets, GError **error)
{
  float *t = fathom_tensor_get_data (targets[0]);

  for (gint64 i = 0; i < count; i++)
    {
      t[2 * i] = items[i] % 2 ? 0.f : 1.f;
      t[2 * i + 1] = items[i] % 2 ? 1.f : 0.f;
    }
  return fathom_feature_reader_read_row_indices (data, items, count, inputs[0], error);
}

/* An epoch over a 160 MiB feature file reads every row through the
 * mapping, yet the process stays within BIG_BOUND_MIB of where it began:
 * rows leave the resident set once copied into the batch. */
static void
test_streaming_memory_bound (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "big.safetensors", NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(FathomFeatureWriter) writer = NULL;
  g_autoptr(FathomFeatureReader) reader = NULL;
  g_autoptr(FathomBackend) cpu = fathom_backend_new_by_name ("cpu", NULL);
  g_autoptr(FathomGraph) head = NULL;
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (1e-2f);
  g_autoptr(GError) error = NULL;
  FathomHeadOptions ho;
  FathomTrainConfig cfg;
  FathomTrainResult res;
  FathomBatchSource source;
  gint64 before, after, file_before, file_after;

  for (gint64 i = 0; i < BIG_N; i++)
    g_ptr_array_add (files, g_strdup_printf ("row-%03" G_GINT64_FORMAT ".jpg", i));
  g_ptr_array_add (files, NULL);
  writer = fathom_feature_writer_open (path, BIG_N, BIG_C, BIG_HW, BIG_HW, (const char *const *) files->pdata,
                                       NULL, &error);
  g_assert_no_error (error);
  for (gint64 first = 0; first < BIG_N; first += 32)
    {
      g_autoptr(FathomTensor) part = fathom_tensor_new_4d (32, BIG_C, BIG_HW, BIG_HW);

      fill_big_rows (fathom_tensor_get_data (part), first, 32);
      g_assert_true (fathom_feature_writer_append (writer, part, &error));
      g_assert_no_error (error);
    }
  g_assert_true (fathom_feature_writer_finish (writer, &error));
  g_assert_no_error (error);

  reader = fathom_feature_reader_open (path, &error);
  g_assert_no_error (error);
  fathom_head_options_init (&ho, "resnet-gap");
  ho.n_classes = 2;
  ho.channels = BIG_C;
  ho.height = ho.width = BIG_HW;
  head = fathom_head_new ("resnet-gap", &ho, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_graph_build (head, cpu, 3, &error));
  g_assert_no_error (error);
  fathom_train_config_init (&cfg);
  cfg.epochs = 2;
  cfg.batch_size = 32;
  cfg.seed = 3;
  source = (FathomBatchSource) { BIG_N, fill_from_reader, reader };

  before = status_kib ("VmRSS:");
  file_before = status_kib ("RssFile:");
  g_assert_true (fathom_trainer_fit (head, opt, &cfg, &source, NULL, NULL, NULL, NULL, NULL, &res, &error));
  g_assert_no_error (error);
  after = status_kib ("VmRSS:");
  file_after = status_kib ("RssFile:");
  g_test_message ("resident set %" G_GINT64_FORMAT " KiB before the fit, %" G_GINT64_FORMAT
                  " KiB after two epochs over %d MiB of features (file pages %" G_GINT64_FORMAT
                  " and %" G_GINT64_FORMAT " KiB); train accuracy %.3f",
                  before, after, BIG_N * BIG_C * BIG_HW * BIG_HW * 4 / (1024 * 1024), file_before, file_after,
                  res.train_accuracy);
  /* the mapped rows leave the resident set once read, in every build */
  g_assert_cmpint (file_after - file_before, <, BIG_BOUND_MIB * 1024);
#ifndef FATHOM_TEST_SANITIZED
  g_assert_cmpint (after - before, <, BIG_BOUND_MIB * 1024);
#endif
  /* and it learned from what it read */
  g_assert_cmpfloat (res.train_accuracy, >, 0.9);
  g_clear_pointer (&reader, fathom_feature_reader_free);
  g_unlink (path);
  g_rmdir (dir);
}


int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/feature-cache/round-trip", test_round_trip);
  g_test_add_func ("/feature-cache/empty", test_empty);
  g_test_add_func ("/feature-cache/read-rows", test_read_rows);
  g_test_add_func ("/feature-cache/too-many-rows", test_too_many_rows);
  g_test_add_func ("/feature-cache/too-few-rows", test_too_few_rows);
  g_test_add_func ("/feature-cache/abort-keeps-old", test_abort_keeps_old);
  g_test_add_func ("/feature-cache/invalid-args", test_invalid_args);
  g_test_add_func ("/feature-cache/reader-rejects", test_reader_rejects);
  g_test_add_func ("/feature-cache/lookup", test_lookup);
  g_test_add_func ("/feature-cache/lookup-corrupt", test_lookup_corrupt);
  g_test_add_func ("/feature-cache/disk-full", test_disk_full);
  g_test_add_func ("/feature-cache/streaming-memory-bound", test_streaming_memory_bound);
  return g_test_run ();
}
