/* test-safetensors.c: safetensors round trips, byte layout, conversions and
 * the rejection of corrupt files. */
#include "fathom-test-util.h"
#include "fathom-safetensors.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

/* ---- helpers ----------------------------------------------------------- */

/* A scratch directory, removed with its (flat) contents. */
static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("fathom-safetensors-XXXXXX", &error);

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
        g_assert_cmpint (g_rmdir (path), ==, 0);
      else
        g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_free (dir);
}

/* 8-byte little-endian length, header as given (no padding), then data. */
static GBytes *
make_file (const char *header, const void *data, gsize data_len)
{
  GByteArray *a = g_byte_array_new ();
  guint64 n = GUINT64_TO_LE ((guint64) strlen (header));

  g_byte_array_append (a, (const guint8 *) &n, 8);
  g_byte_array_append (a, (const guint8 *) header, strlen (header));
  if (data_len > 0)
    g_byte_array_append (a, data, data_len);
  return g_byte_array_free_to_bytes (a);
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
write_file (const char *path, GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static void
assert_bitwise_equal (const FathomTensor *got, const FathomTensor *want)
{
  g_assert_true (fathom_tensor_same_shape (got, want));
  g_assert_cmpmem (fathom_tensor_get_const_data (got),
                   fathom_tensor_get_numel (got) * sizeof (float),
                   fathom_tensor_get_const_data (want),
                   fathom_tensor_get_numel (want) * sizeof (float));
}

static float
float_from_bits (guint32 bits)
{
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

/* ---- round trip -------------------------------------------------------- */

static void
test_round_trip (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (1234);
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  const float specials[] = {
    -0.f, 0.f, 1e-40f, -1e-45f, FLT_MIN, FLT_MIN / 2, FLT_MAX, -FLT_MAX,
    INFINITY, -INFINITY, 3.0e38f, -1e30f, 1.f, -1.f,
  };
  const char *names[] = { "scalar", "specials", "layer.0.weight", "rank3", "conv.w", "empty", "bits" };
  FathomTensor *tensors[G_N_ELEMENTS (names)];
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  float *d;

  tensors[0] = fathom_tensor_new (0, NULL);
  fathom_tensor_get_data (tensors[0])[0] = -0.f;
  tensors[1] = fathom_tensor_new_from_data (1, (gint64[]) { G_N_ELEMENTS (specials) }, specials);
  tensors[2] = FATHOM_TEST_UNIFORM (rng, -1e6f, 1e6f, 7, 5);
  tensors[3] = FATHOM_TEST_UNIFORM (rng, -1, 1, 2, 3, 4);
  tensors[4] = FATHOM_TEST_UNIFORM (rng, -1e-3f, 1e-3f, 3, 2, 3, 3);
  tensors[5] = fathom_tensor_new (3, (gint64[]) { 3, 0, 2 });
  /* arbitrary bit patterns: NaN payloads and denormals of both signs */
  tensors[6] = fathom_tensor_new_2d (16, 33);
  d = fathom_tensor_get_data (tensors[6]);
  for (gsize i = 0; i < fathom_tensor_get_numel (tensors[6]); i++)
    d[i] = float_from_bits ((guint32) fathom_rng_next_u64 (rng));

  g_hash_table_insert (meta, "format", "pt");
  g_hash_table_insert (meta, "epoch", "12");
  g_hash_table_insert (meta, "note", "quote \" backslash \\ tab \t newline \n bell \a ünïcode");
  g_hash_table_insert (meta, "", "");

  g_assert_true (fathom_safetensors_save (path, G_N_ELEMENTS (names), names,
                                          tensors, meta, &error));
  g_assert_no_error (error);
  /* only the file itself: the temporary one was renamed */
  g_assert_cmpuint (count_files (dir), ==, 1);

  st = fathom_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);
  g_assert_cmpuint (fathom_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(FathomTensor) t = NULL;
      g_autoptr(FathomTensor) t2 = fathom_tensor_new_like (tensors[i]);
      gint64 shape[FATHOM_MAX_DIMS];
      const char *dtype = NULL;
      guint ndim = 99;

      /* data-offset order is the order they were saved in */
      g_assert_cmpstr (fathom_safetensors_get_name (st, i), ==, names[i]);
      g_assert_true (fathom_safetensors_get_info (st, names[i], &ndim, shape, &dtype));
      g_assert_cmpstr (dtype, ==, "F32");
      g_assert_true (fathom_tensor_has_shape (tensors[i], ndim, shape));

      t = fathom_safetensors_get_tensor (st, names[i], &error);
      g_assert_no_error (error);
      assert_bitwise_equal (t, tensors[i]);
      g_assert_true (fathom_safetensors_read_into (st, names[i], t2, &error));
      g_assert_no_error (error);
      assert_bitwise_equal (t2, tensors[i]);
    }
  g_assert_cmpstr (fathom_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (fathom_safetensors_get_metadata (st, "epoch"), ==, "12");
  g_assert_cmpstr (fathom_safetensors_get_metadata (st, "note"), ==,
                   g_hash_table_lookup (meta, "note"));
  g_assert_cmpstr (fathom_safetensors_get_metadata (st, ""), ==, "");
  g_assert_null (fathom_safetensors_get_metadata (st, "missing"));
  g_assert_false (fathom_safetensors_get_info (st, "missing", NULL, NULL, NULL));
  g_assert_null (fathom_safetensors_get_tensor (st, "missing", &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);

  /* saving over an existing file (still mapped here) replaces it */
  g_assert_true (fathom_safetensors_save (path, 2, names, tensors, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir), ==, 1);
  g_clear_pointer (&st, fathom_safetensors_free);
  st = fathom_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_safetensors_get_n_tensors (st), ==, 2);
  g_assert_null (fathom_safetensors_get_metadata (st, "format"));

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    fathom_tensor_unref (tensors[i]);
  g_clear_pointer (&st, fathom_safetensors_free);
  remove_tmp_dir (dir);
}

/* ---- byte layout ------------------------------------------------------- */

static void
test_byte_layout (void)
{
  static const char header[] =
    "{\"__metadata__\":{\"k\":\"v\"},"
    "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} ";  /* 79 + 1 pad */
  static const guint8 length[8] = { 80, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 data[8] = { 0x00, 0x00, 0x80, 0x3f,     /* 1.0 */
                                  0x00, 0x00, 0x00, 0xc0 };   /* -2.0 */
  static const guint8 empty[16] = { 8, 0, 0, 0, 0, 0, 0, 0,
                                    '{', '}', ' ', ' ', ' ', ' ', ' ', ' ' };
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "tiny.safetensors", NULL);
  g_autoptr(FathomTensor) a = fathom_tensor_new_from_data (1, (gint64[]) { 2 },
                                                           (float[]) { 1.f, -2.f });
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GByteArray) want = g_byte_array_new ();
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  const char *names[] = { "a" };

  G_STATIC_ASSERT (sizeof header - 1 == 80);
  g_byte_array_append (want, length, 8);
  g_byte_array_append (want, (const guint8 *) header, sizeof header - 1);
  g_byte_array_append (want, data, 8);

  g_hash_table_insert (meta, "k", "v");
  g_assert_true (fathom_safetensors_save (path, 1, names, (FathomTensor *[]) { a }, meta, &error));
  g_assert_no_error (error);
  got = read_file (path);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), want->data, want->len);
  g_clear_pointer (&got, g_bytes_unref);

  /* no tensors, no metadata: just "{}" padded */
  g_assert_true (fathom_safetensors_save (path, 0, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  got = read_file (path);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), empty, sizeof empty);

  remove_tmp_dir (dir);
}

/* ---- conversions ------------------------------------------------------- */

static void
test_convert (void)
{
  /* JSON order differs from data order on purpose; F64 starts at byte 28,
   * unaligned, and the header is not padded. */
  static const char header[] =
    "{\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[68,76]},"
    "\"d\":{\"dtype\":\"F64\",\"shape\":[5],\"data_offsets\":[28,68]},"
    "\"h\":{\"dtype\":\"F16\",\"shape\":[3,3],\"data_offsets\":[0,18]},"
    "\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[18,28]},"
    "\"__metadata__\":{\"source\":\"hand-made\"},"
    "\"u\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[76,76]}}";
  const guint16 halves[9] = { 0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x8000, 0x3555 };
  const float half_values[9] = { 1.f, -2.f, 5.9604644775390625e-8f, 6.097555160522461e-5f, 65504.f,
                                 INFINITY, -INFINITY, -0.f, 0.333251953125f };
  const guint16 bfloats[5] = { 0x3f80, 0xc040, 0x7f80, 0x0001, 0x4049 };
  const float bf_values[5] = { 1.f, -3.f, INFINITY, 9.18354961579912115600575419705e-41f, 3.140625f };
  const double doubles[5] = { 1.0, -2.5, 1e300, 1e-50, 0.1 };
  const float d_values[5] = { 1.f, -2.5f, INFINITY, 0.f, 0.1f };
  guint8 data[76];
  gint64 i64 = GINT64_TO_LE (-7);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(FathomTensor) h = NULL;
  g_autoptr(FathomTensor) b = NULL;
  g_autoptr(FathomTensor) d = NULL;
  g_autoptr(FathomTensor) t = NULL;
  g_autoptr(GError) error = NULL;
  gint64 shape[FATHOM_MAX_DIMS];
  const char *dtype;
  guint ndim;

  for (guint i = 0; i < 9; i++)
    {
      guint16 v = GUINT16_TO_LE (halves[i]);
      memcpy (data + 2 * i, &v, 2);
    }
  for (guint i = 0; i < 5; i++)
    {
      guint16 v = GUINT16_TO_LE (bfloats[i]);
      memcpy (data + 18 + 2 * i, &v, 2);
    }
  for (guint i = 0; i < 5; i++)
    {
      guint64 v;

      memcpy (&v, &doubles[i], 8);
      v = GUINT64_TO_LE (v);
      memcpy (data + 28 + 8 * i, &v, 8);
    }
  memcpy (data + 68, &i64, 8);
  bytes = make_file (header, data, sizeof data);

  st = fathom_safetensors_load_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_safetensors_get_n_tensors (st), ==, 5);
  g_assert_cmpstr (fathom_safetensors_get_name (st, 0), ==, "h");
  g_assert_cmpstr (fathom_safetensors_get_name (st, 1), ==, "b");
  g_assert_cmpstr (fathom_safetensors_get_name (st, 2), ==, "d");
  g_assert_cmpstr (fathom_safetensors_get_name (st, 3), ==, "i");
  g_assert_cmpstr (fathom_safetensors_get_name (st, 4), ==, "u");
  g_assert_cmpstr (fathom_safetensors_get_metadata (st, "source"), ==, "hand-made");

  h = fathom_safetensors_get_tensor (st, "h", &error);
  g_assert_no_error (error);
  g_assert_true (fathom_tensor_has_shape (h, 2, (gint64[]) { 3, 3 }));
  g_assert_cmpmem (fathom_tensor_get_const_data (h), sizeof half_values, half_values, sizeof half_values);

  b = fathom_safetensors_get_tensor (st, "b", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (fathom_tensor_get_const_data (b), sizeof bf_values, bf_values, sizeof bf_values);

  d = fathom_safetensors_get_tensor (st, "d", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (fathom_tensor_get_const_data (d), sizeof d_values, d_values, sizeof d_values);

  /* half NaN stays NaN, every half converts exactly through float */
  {
    const char *hdr = "{\"n\":{\"dtype\":\"F16\",\"shape\":[65536],\"data_offsets\":[0,131072]}}";
    g_autofree guint16 *all = g_new (guint16, 65536);
    g_autoptr(GBytes) all_bytes = NULL;
    g_autoptr(FathomSafetensors) st2 = NULL;
    g_autoptr(FathomTensor) n = NULL;
    const float *nd;

    for (guint i = 0; i < 65536; i++)
      all[i] = GUINT16_TO_LE ((guint16) i);
    all_bytes = make_file (hdr, all, 65536 * 2);
    st2 = fathom_safetensors_load_bytes (all_bytes, &error);
    g_assert_no_error (error);
    n = fathom_safetensors_get_tensor (st2, "n", &error);
    g_assert_no_error (error);
    nd = fathom_tensor_get_const_data (n);
    for (guint i = 0; i < 65536; i++)
      {
        guint exp = (i >> 10) & 0x1f, mant = i & 0x3ff;
        double want;

        if (exp == 0x1f)
          {
            g_assert_true (mant ? isnan (nd[i]) : isinf (nd[i]));
            continue;
          }
        want = exp ? ldexp (1024 + mant, (int) exp - 25) : ldexp (mant, -24);
        if (i & 0x8000)
          want = -want;
        g_assert_cmpfloat ((double) nd[i], ==, want);
        g_assert_cmpint (signbit (nd[i]) != 0, ==, (i & 0x8000) != 0);
      }
  }

  /* listed with their info, but not readable as float32 */
  g_assert_true (fathom_safetensors_get_info (st, "i", &ndim, shape, &dtype));
  g_assert_cmpuint (ndim, ==, 1);
  g_assert_cmpint (shape[0], ==, 1);
  g_assert_cmpstr (dtype, ==, "I64");
  g_assert_true (fathom_safetensors_get_info (st, "u", NULL, NULL, &dtype));
  g_assert_cmpstr (dtype, ==, "U8");
  t = fathom_safetensors_get_tensor (st, "i", &error);
  g_assert_null (t);
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_DTYPE);
  g_assert_nonnull (strstr (error->message, "I64"));
}

/* ---- corrupt files ----------------------------------------------------- */

typedef struct {
  const char *what;
  GBytes     *bytes;
  int         code;
  const char *message;          /* expected in the error message */
} CorruptCase;

static GBytes *
make_raw (const void *data, gsize len)
{
  return g_bytes_new (data, len);
}

static GBytes *
make_with_length (guint64 header_len, const char *rest)
{
  GByteArray *a = g_byte_array_new ();
  guint64 n = GUINT64_TO_LE (header_len);

  g_byte_array_append (a, (const guint8 *) &n, 8);
  g_byte_array_append (a, (const guint8 *) rest, strlen (rest));
  return g_byte_array_free_to_bytes (a);
}

#define ZEROS(n) ((const guint8[n]) { 0 }), n

static void
test_corrupt (void)
{
  static const char good_header[] =
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
  g_autoptr(GBytes) good = make_file (good_header, ZEROS (12));
  char *dir = make_tmp_dir ();
  CorruptCase cases[] = {
    { "empty file", make_raw ("", 0),
      FATHOM_SAFETENSORS_ERROR_TRUNCATED, "too short" },
    { "5-byte file", make_raw ("\x10\0\0\0\0", 5),
      FATHOM_SAFETENSORS_ERROR_TRUNCATED, "too short" },
    { "header length beyond EOF", make_with_length (100, "{\"a\":1}"),
      FATHOM_SAFETENSORS_ERROR_TRUNCATED, "runs past the end" },
    { "huge header length", make_with_length (G_GUINT64_CONSTANT (1) << 40, "{}"),
      FATHOM_SAFETENSORS_ERROR_HEADER, "implausibly large" },
    { "all-ones header length", make_with_length (G_MAXUINT64, "{}"),
      FATHOM_SAFETENSORS_ERROR_HEADER, "implausibly large" },
    { "empty header", make_file ("", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not a single JSON object" },
    { "non-JSON header", make_file ("{\"a\": nope", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not valid JSON" },
    { "JSON array header", make_file ("[1, 2]", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not a single JSON object" },
    { "two JSON objects", make_file ("{} {}", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not a single JSON object" },
    { "trailing value", make_file ("{}[]", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not a single JSON object" },
    { "JavaScript assignment", make_file ("var x = {}", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not a single JSON object" },
    { "comment in header", make_file ("{/* a */}", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not valid JSON" },
    { "invalid UTF-8", make_file ("{\"\xff\":{}}", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "UTF-8" },
    { "entry not an object", make_file ("{\"a\":[0,4]}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not an object" },
    { "missing dtype", make_file ("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "dtype" },
    { "missing shape", make_file ("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "shape" },
    { "missing data_offsets", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "data_offsets" },
    { "unknown dtype", make_file ("{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_DTYPE, "F31" },
    { "negative shape", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "shape[0]" },
    { "non-integer shape", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,1.5],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "shape[1]" },
    { "out-of-range shape", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[18446744073709551617],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "shape[0]" },
    { "too many dims", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "dimensions" },
    { "shape overflow", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "overflows" },
    { "byte size overflow", make_file ("{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,1073741824],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "overflows" },
    { "one offset", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "two non-negative integers" },
    { "negative offset", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "two non-negative integers" },
    { "offsets reversed", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "end before they begin" },
    { "offsets beyond data", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", ZEROS (8)),
      FATHOM_SAFETENSORS_ERROR_TRUNCATED, "beyond the 8-byte data section" },
    { "huge offsets", make_file ("{\"a\":{\"dtype\":\"U8\",\"shape\":[9223372036854775807],"
                                 "\"data_offsets\":[0,9223372036854775807]}}", ZEROS (8)),
      FATHOM_SAFETENSORS_ERROR_TRUNCATED, "beyond" },
    { "length/shape mismatch", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", ZEROS (8)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "needs 12" },
    { "overlapping ranges",
      make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", ZEROS (12)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "overlaps" },
    { "identical ranges",
      make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", ZEROS (8)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "overlaps" },
    { "hole in the data",
      make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", ZEROS (12)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "belong to no tensor" },
    { "hole at the start", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", ZEROS (8)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "bytes 0..4" },
    { "trailing bytes", make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", ZEROS (8)),
      FATHOM_SAFETENSORS_ERROR_OFFSETS, "last 4 bytes" },
    { "non-string metadata", make_file ("{\"__metadata__\":{\"k\":1}}", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not a string" },
    { "metadata not an object", make_file ("{\"__metadata__\":\"x\"}", NULL, 0),
      FATHOM_SAFETENSORS_ERROR_HEADER, "not an object" },
    { "duplicate tensor names",
      make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", ZEROS (8)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "repeats the key “a”" },
    { "duplicate entry keys",
      make_file ("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", ZEROS (4)),
      FATHOM_SAFETENSORS_ERROR_HEADER, "repeats the key “dtype”" },
    { "truncated data section",
      g_bytes_new_from_bytes (good, 0, g_bytes_get_size (good) - 3),
      FATHOM_SAFETENSORS_ERROR_TRUNCATED, "truncated file" },
  };
  g_autoptr(FathomSafetensors) ok = fathom_safetensors_load_bytes (good, NULL);

  g_assert_nonnull (ok);
  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 10);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CorruptCase *c = &cases[i];
      g_autofree char *path = g_strdup_printf ("%s/corrupt-%02u.safetensors", dir, i);
      g_autoptr(FathomSafetensors) st = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", c->what);
      st = fathom_safetensors_load_bytes (c->bytes, &error);
      g_assert_null (st);
      g_assert_error (error, FATHOM_SAFETENSORS_ERROR, c->code);
      if (strstr (error->message, c->message) == NULL)
        g_error ("%s: “%s” lacks “%s”", c->what, error->message, c->message);
      g_clear_error (&error);

      /* the same through a real file, and the message names it */
      write_file (path, c->bytes);
      st = fathom_safetensors_load (path, &error);
      g_assert_null (st);
      g_assert_error (error, FATHOM_SAFETENSORS_ERROR, c->code);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, c->message));
      g_bytes_unref (c->bytes);
    }

  {
    g_autofree char *path = g_build_filename (dir, "does-not-exist", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_null (fathom_safetensors_load (path, &error));
    g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "does-not-exist"));
  }
  remove_tmp_dir (dir);
}

/* A small valid file from the writer. */
static GBytes *
make_valid_file (const char *dir)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (99);
  g_autofree char *path = g_build_filename (dir, "valid.safetensors", NULL);
  g_autoptr(FathomTensor) a = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 2);
  g_autoptr(FathomTensor) b = FATHOM_TEST_UNIFORM (rng, -1, 1, 5);
  g_autoptr(FathomTensor) c = fathom_tensor_new (1, (gint64[]) { 0 });
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  const char *names[] = { "a", "empty", "b" };

  g_hash_table_insert (meta, "format", "pt");
  g_assert_true (fathom_safetensors_save (path, 3, names, (FathomTensor *[]) { a, c, b },
                                          meta, &error));
  g_assert_no_error (error);
  return read_file (path);
}

/* Every prefix is refused as truncated; each prefix is copied into a buffer
 * of exactly its size so that a read past the end can be caught (valgrind,
 * ASan). */
static void
test_truncations (void)
{
  char *dir = make_tmp_dir ();
  g_autoptr(GBytes) full = make_valid_file (dir);
  g_autoptr(FathomSafetensors) whole = fathom_safetensors_load_bytes (full, NULL);
  gsize len = g_bytes_get_size (full);

  g_assert_nonnull (whole);
  for (gsize n = 0; n < len; n++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new (g_bytes_get_data (full, NULL), n);
      g_autoptr(FathomSafetensors) st = NULL;
      g_autoptr(GError) error = NULL;

      st = fathom_safetensors_load_bytes (prefix, &error);
      g_assert_null (st);
      g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_TRUNCATED);
      g_assert_cmpstr (error->message, !=, "");
    }
  remove_tmp_dir (dir);
}

/* Random byte changes: never a crash; an error always has a message; what
 * loads can be read. */
static void
test_mutations (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (2024);
  char *dir = make_tmp_dir ();
  g_autoptr(GBytes) full = make_valid_file (dir);
  gsize len = g_bytes_get_size (full);
  guint n_loaded = 0;

  for (guint round = 0; round < 3000; round++)
    {
      g_autofree guint8 *buf = g_memdup2 (g_bytes_get_data (full, NULL), len);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(FathomSafetensors) st = NULL;
      g_autoptr(GError) error = NULL;
      guint n_changes = 1 + (guint) fathom_rng_below (rng, 3);

      for (guint k = 0; k < n_changes; k++)
        {
          gsize at = (gsize) fathom_rng_below (rng, len);

          /* mostly inside the length and header, where parsing happens */
          if (k == 0 && fathom_rng_below (rng, 4) != 0)
            at = (gsize) fathom_rng_below (rng, MIN (len, 8 + 160));
          buf[at] = fathom_rng_below (rng, 2) ? (guint8) fathom_rng_next_u64 (rng)
                                              : (guint8) "0123456789[]{},:\"-. e"[fathom_rng_below (rng, 21)];
        }
      bytes = g_bytes_new (buf, len);
      st = fathom_safetensors_load_bytes (bytes, &error);
      if (st == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == FATHOM_SAFETENSORS_ERROR);
          g_assert_cmpstr (error->message, !=, "");
          continue;
        }
      n_loaded++;
      for (guint i = 0; i < fathom_safetensors_get_n_tensors (st); i++)
        {
          g_autoptr(FathomTensor) t = fathom_safetensors_get_tensor (st, fathom_safetensors_get_name (st, i), &error);

          g_assert_true ((t != NULL) == (error == NULL));
          g_clear_error (&error);
        }
    }
  g_test_message ("%u of 3000 mutated files loaded", n_loaded);
  remove_tmp_dir (dir);
}

/* ---- read_into and save errors ----------------------------------------- */

static void
test_read_into_shape (void)
{
  char *dir = make_tmp_dir ();
  g_autoptr(GBytes) full = make_valid_file (dir);
  g_autoptr(FathomSafetensors) st = fathom_safetensors_load_bytes (full, NULL);
  g_autoptr(FathomTensor) right = fathom_tensor_new_2d (3, 2);
  g_autoptr(FathomTensor) transposed = fathom_tensor_new_2d (2, 3);
  g_autoptr(FathomTensor) flat = fathom_tensor_new_1d (6);
  g_autoptr(FathomTensor) want = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (st);
  want = fathom_safetensors_get_tensor (st, "a", &error);
  g_assert_no_error (error);

  fathom_tensor_fill (transposed, 7.f);
  g_assert_false (fathom_safetensors_read_into (st, "a", transposed, &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "[3, 2]"));
  g_assert_nonnull (strstr (error->message, "[2, 3]"));
  g_assert_cmpfloat (fathom_tensor_get_const_data (transposed)[0], ==, 7.f);  /* untouched */
  g_clear_error (&error);

  g_assert_false (fathom_safetensors_read_into (st, "a", flat, &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "[6]"));
  g_clear_error (&error);

  g_assert_false (fathom_safetensors_read_into (st, "nope", right, &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_MISSING);
  g_clear_error (&error);

  g_assert_true (fathom_safetensors_read_into (st, "a", right, &error));
  g_assert_no_error (error);
  assert_bitwise_equal (right, want);
  remove_tmp_dir (dir);
}

static void
test_save_errors (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *missing = g_build_filename (dir, "no-such-dir", "model.safetensors", NULL);
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *subdir = g_build_filename (dir, "a-directory", NULL);
  g_autoptr(FathomTensor) a = fathom_tensor_new_from_data (1, (gint64[]) { 3 },
                                                           (float[]) { 1, 2, 3 });
  g_autoptr(FathomTensor) b = fathom_tensor_new_2d (2, 2);
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  const char *names[] = { "w", "w" };
  const char *reserved[] = { "__metadata__" };

  /* a missing directory: IO, naming the path */
  g_assert_false (fathom_safetensors_save (missing, 1, names, (FathomTensor *[]) { a }, NULL, &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  g_clear_error (&error);

  /* a failed save leaves the existing file as it was */
  g_assert_true (fathom_safetensors_save (path, 1, names, (FathomTensor *[]) { a }, NULL, &error));
  g_assert_no_error (error);
  before = read_file (path);
  g_assert_false (fathom_safetensors_save (path, 2, names, (FathomTensor *[]) { a, b }, NULL, &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "more than once"));
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_false (fathom_safetensors_save (path, 1, reserved, (FathomTensor *[]) { b }, NULL, &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_INVALID);
  g_clear_error (&error);
  after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpuint (count_files (dir), ==, 1);
  st = fathom_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_safetensors_get_n_tensors (st), ==, 1);

  /* a failure after the data is written (rename onto a directory) removes
   * the temporary file and leaves the directory alone */
  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);
  g_assert_false (fathom_safetensors_save (subdir, 1, names, (FathomTensor *[]) { a }, NULL, &error));
  g_assert_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, subdir));
  g_clear_error (&error);
  g_assert_true (g_file_test (subdir, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (count_files (dir), ==, 2);

  remove_tmp_dir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/safetensors/byte-layout", test_byte_layout);
  g_test_add_func ("/safetensors/convert", test_convert);
  g_test_add_func ("/safetensors/corrupt", test_corrupt);
  g_test_add_func ("/safetensors/truncations", test_truncations);
  g_test_add_func ("/safetensors/mutations", test_mutations);
  g_test_add_func ("/safetensors/read-into-shape", test_read_into_shape);
  g_test_add_func ("/safetensors/save-errors", test_save_errors);
  return g_test_run ();
}
