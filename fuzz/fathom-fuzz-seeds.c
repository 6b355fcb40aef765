/* fathom-fuzz-seeds.c: writes the generated seeds of fuzz/corpus/.
 *
 *   fathom-fuzz-seeds DIR
 *
 * fills DIR/image, DIR/safetensors, DIR/keras-hdf5-raw and DIR/keras-hdf5
 * with small files: a 7 x 5 gradient as JPEG and PNG from the project's
 * own encoders, the PNG and JPEG variants real photos come in (grey,
 * palette, 16-bit, alpha, interlaced, progressive, CMYK) and truncated
 * copies; safetensors files of every convertible dtype and a few near
 * misses; Keras HDF5 weight files for the fuzz target's small graph in the
 * TensorFlow, legacy-name, Theano, whole-model and split-name layouts, and
 * the like as descriptions for the keras-hdf5 target
 * (fathom-fuzz-targets.h). (No VGG16 file: a whole VGG16 import takes over
 * a second under the sanitizers, and libFuzzer would spend its time on
 * little else; the small graph runs the same code.) The committed seeds
 * came from this program; run it again only to regenerate them.
 */
#include "fathom-fuzz-targets.h"
#include "fathom-image.h"
#include "fathom-safetensors.h"

#include <glib/gstdio.h>
#include <hdf5.h>
#include <jpeglib.h>
#include <png.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *out_dir;

static void
save (const char *target, const char *name, const void *data, gsize len)
{
  g_autofree char *dir = g_build_filename (out_dir, target, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("cannot create %s: %s", dir, g_strerror (errno));
  if (!g_file_set_contents (path, data, (gssize) len, &error))
    g_error ("%s", error->message);
}

static void
save_bytes (const char *target, const char *name, GBytes *bytes)
{
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);

  save (target, name, data, len);
}

/* The first half of a file, as a download cut short leaves it. */
static void
save_truncated (const char *target, const char *name, GBytes *bytes)
{
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);

  save (target, name, data, len / 2);
}

/* ---- images ---------------------------------------------------------------- */

#define W 7
#define H 5

static FathomImage *
gradient (void)
{
  FathomImage *image = fathom_image_new (W, H);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint8 *p = image->pixels + (y * W + x) * 3;

        p[0] = (guint8) (x * 255 / (W - 1));
        p[1] = (guint8) (y * 255 / (H - 1));
        p[2] = (guint8) (128 + 16 * x - 20 * y);
      }
  return image;
}

static void
png_append (png_structp png, png_bytep data, png_size_t len)
{
  g_byte_array_append (png_get_io_ptr (png), data, (guint) len);
}

static void
png_no_flush (png_structp png)
{
}

/* A PNG of the gradient in colour type type at depth bits, through libpng
 * directly: the project's writer only writes 8-bit RGB. */
static GBytes *
png_variant (int type, int depth, gboolean interlaced)
{
  GByteArray *out = g_byte_array_new ();
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  int channels = type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_PALETTE ? 1
               : type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
               : type == PNG_COLOR_TYPE_RGB ? 3 : 4;
  int bytes = depth == 16 ? 2 : 1;
  guint8 rows[H][W * 4 * 2];
  png_bytep row_pointers[H];

  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed");
  png_set_write_fn (png, out, png_append, png_no_flush);
  png_set_IHDR (png, info, W, H, depth, type,
                interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (type == PNG_COLOR_TYPE_PALETTE)
    {
      png_color palette[16];
      png_byte alpha[16];

      for (int i = 0; i < 16; i++)
        {
          palette[i] = (png_color) { (png_byte) (i * 17), (png_byte) (255 - i * 17), (png_byte) (i * 5) };
          alpha[i] = (png_byte) (255 - i * 8);
        }
      png_set_PLTE (png, info, palette, 16);
      png_set_tRNS (png, info, alpha, 16, NULL);
    }
  for (int y = 0; y < H; y++)
    {
      for (int x = 0; x < W; x++)
        for (int c = 0; c < channels; c++)
          {
            int v = type == PNG_COLOR_TYPE_PALETTE ? (x + 3 * y) % 16 : (x * 40 + y * 30 + c * 50) % 256;

            if (depth == 16)
              {
                rows[y][(x * channels + c) * 2] = (guint8) v;
                rows[y][(x * channels + c) * 2 + 1] = (guint8) (255 - v);
              }
            else if (depth == 4)
              {
                /* two pixels a byte, high nibble first (palette only) */
                if (x % 2 == 0)
                  rows[y][x / 2] = (guint8) (v << 4);
                else
                  rows[y][x / 2] |= (guint8) v;
              }
            else
              rows[y][x * channels * bytes + c] = (guint8) v;
          }
      row_pointers[y] = rows[y];
    }
  png_set_rows (png, info, row_pointers);
  png_write_png (png, info, PNG_TRANSFORM_IDENTITY, NULL);
  png_destroy_write_struct (&png, &info);
  return g_byte_array_free_to_bytes (out);
}

/* A JPEG of the gradient in colour space space, through libjpeg directly. */
static GBytes *
jpeg_variant (J_COLOR_SPACE space, gboolean progressive)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buf = NULL;
  unsigned long len = 0;
  int channels = space == JCS_GRAYSCALE ? 1 : space == JCS_CMYK ? 4 : 3;
  guint8 row[W * 4];
  GBytes *bytes;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buf, &len);
  cinfo.image_width = W;
  cinfo.image_height = H;
  cinfo.input_components = channels;
  cinfo.in_color_space = space;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 75, TRUE);
  if (progressive)
    jpeg_simple_progression (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW rows[1] = { row };

      for (int x = 0; x < W; x++)
        for (int c = 0; c < channels; c++)
          row[x * channels + c] = (guint8) ((x * 40 + cinfo.next_scanline * 30 + c * 60) % 256);
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  bytes = g_bytes_new (buf, len);
  free (buf);
  return bytes;
}

static void
write_images (void)
{
  g_autoptr(FathomImage) image = gradient ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = fathom_image_encode_jpeg (image, 90, &error);
  g_autoptr(GBytes) png = fathom_image_encode_png (image, &error);
  struct {
    const char *name;
    GBytes     *bytes;
  } variants[] = {
    { "grey.png", png_variant (PNG_COLOR_TYPE_GRAY, 8, FALSE) },
    { "grey-alpha-16.png", png_variant (PNG_COLOR_TYPE_GRAY_ALPHA, 16, FALSE) },
    { "palette-4bit-trns.png", png_variant (PNG_COLOR_TYPE_PALETTE, 4, FALSE) },
    { "rgba-interlaced.png", png_variant (PNG_COLOR_TYPE_RGB_ALPHA, 8, TRUE) },
    { "rgb-16.png", png_variant (PNG_COLOR_TYPE_RGB, 16, FALSE) },
    { "grey.jpg", jpeg_variant (JCS_GRAYSCALE, FALSE) },
    { "progressive.jpg", jpeg_variant (JCS_RGB, TRUE) },
    { "cmyk.jpg", jpeg_variant (JCS_CMYK, FALSE) },
  };

  g_assert_no_error (error);
  save_bytes ("image", "gradient.jpg", jpeg);
  save_bytes ("image", "gradient.png", png);
  save_truncated ("image", "gradient-truncated.jpg", jpeg);
  save_truncated ("image", "gradient-truncated.png", png);
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      save_bytes ("image", variants[i].name, variants[i].bytes);
      g_bytes_unref (variants[i].bytes);
    }
  {
    g_autoptr(GBytes) progressive = jpeg_variant (JCS_RGB, TRUE);

    save_truncated ("image", "progressive-truncated.jpg", progressive);
  }
}

/* ---- safetensors ------------------------------------------------------------ */

/* header, padded with spaces to a multiple of 8 as the reference writer
 * does, after its length, then data. */
static void
save_safetensors (const char *name, const char *header, const void *data, gsize data_len,
                  guint64 claimed_header_len)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize hlen = strlen (header);
  gsize padded = (hlen + 7) / 8 * 8;
  guint64 le = GUINT64_TO_LE (claimed_header_len != 0 ? claimed_header_len : padded);

  g_byte_array_append (out, (const guint8 *) &le, 8);
  g_byte_array_append (out, (const guint8 *) header, (guint) hlen);
  for (gsize i = hlen; i < padded; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  g_byte_array_append (out, data, (guint) data_len);
  save ("safetensors", name, out->data, out->len);
}

static void
write_safetensors (void)
{
  g_autofree char *dir = g_build_filename (out_dir, "safetensors", NULL);
  g_autofree char *path = g_build_filename (dir, "f32-saved.safetensors", NULL);
  g_autoptr(FathomTensor) kernel = fathom_tensor_new (4, (gint64[]) { 2, 1, 2, 2 });
  g_autoptr(FathomTensor) bias = fathom_tensor_new_1d (2);
  g_autoptr(GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  guint8 data[256];

  for (gsize i = 0; i < fathom_tensor_get_numel (kernel); i++)
    fathom_tensor_get_data (kernel)[i] = (float) i / 4 - 1;
  fathom_tensor_get_data (bias)[0] = 0.5f;
  fathom_tensor_get_data (bias)[1] = -2.f;
  g_hash_table_insert (metadata, "format", "pt");
  g_hash_table_insert (metadata, "fathom", "seed");
  g_mkdir_with_parents (dir, 0755);
  if (!fathom_safetensors_save (path, 2, (const char *[]) { "conv.weight", "conv.bias" },
                                (FathomTensor *[]) { kernel, bias }, metadata, &error))
    g_error ("%s", error->message);

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 37 + 11);
  /* Every dtype; F16 and BF16 hold 1.0, -2.0, a subnormal, infinity. */
  {
    static const guint8 halves[] = { 0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c,
                                     0x80, 0x3f, 0x00, 0xc0, 0x01, 0x00, 0x80, 0x7f };
    double f64[2] = { 3.5, -1e300 };

    memcpy (data, halves, sizeof halves);
    memcpy (data + 16, f64, sizeof f64);
  }
  save_safetensors ("dtypes.safetensors",
                    "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"\\u00e9t\\u00e9\"},"
                    "\"half\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                    "\"brain\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[8,16]},"
                    "\"double\":{\"dtype\":\"F64\",\"shape\":[2,1],\"data_offsets\":[16,32]},"
                    "\"count\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[32,40]},"
                    "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[40,43]},"
                    "\"bytes\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[43,44]},"
                    "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[44,48]},"
                    "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[48,48]}}",
                    data, 48, 0);
  /* Near misses: data cut short, a header length past the end, ranges
   * that overlap, leave a gap, a repeated name. */
  save_safetensors ("truncated-data.safetensors",
                    "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", data, 12, 0);
  save_safetensors ("header-too-long.safetensors",
                    "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data, 4, 4096);
  save_safetensors ("overlap.safetensors",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data, 12, 0);
  save_safetensors ("gap.safetensors",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                    "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", data, 12, 0);
  save_safetensors ("duplicate.safetensors",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data, 8, 0);
}

/* ---- Keras HDF5 -------------------------------------------------------------- */

#define H5_CHECK(expr) G_STMT_START { if ((expr) < 0) g_error ("HDF5 failed: %s", #expr); } G_STMT_END

/* A list of strings as Keras writes it (numpy bytes): fixed length,
 * NULLPAD, the longest filling its slot; an empty list as an empty float
 * array. No variable-length strings: Keras does not write them, and
 * reading them takes HDF5 1.10.8 through its global heap, whose decoder
 * loops forever or reads out of bounds on a corrupt collection (crashes
 * of libhdf5's, not ours, that the fuzzer would otherwise find first). */
static void
h5_strings (hid_t loc, const char *name, guint n, const char *const *v)
{
  hsize_t dim = n;
  hid_t space = H5Screate_simple (1, &dim, NULL);
  hid_t type = H5Tcopy (H5T_C_S1);
  hid_t attr;

  if (n == 0)
    attr = H5Acreate2 (loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  else
    {
      size_t size = 1;
      g_autofree char *buf = NULL;

      for (guint i = 0; i < n; i++)
        size = MAX (size, strlen (v[i]));
      buf = g_malloc0 (n * size);
      for (guint i = 0; i < n; i++)
        memcpy (buf + i * size, v[i], strlen (v[i]));
      H5_CHECK (H5Tset_size (type, size));
      H5_CHECK (H5Tset_strpad (type, H5T_STR_NULLPAD));
      attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
      H5_CHECK (H5Awrite (attr, type, buf));
    }
  H5_CHECK (attr);
  H5Aclose (attr);
  H5Tclose (type);
  H5Sclose (space);
}

static void
h5_scalar_string (hid_t loc, const char *name, const char *value)
{
  hid_t space = H5Screate (H5S_SCALAR);
  hid_t type = H5Tcopy (H5T_C_S1);
  hid_t attr;

  H5_CHECK (H5Tset_size (type, strlen (value)));
  H5_CHECK (H5Tset_strpad (type, H5T_STR_NULLPAD));
  attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5_CHECK (attr);
  H5_CHECK (H5Awrite (attr, type, value));
  H5Aclose (attr);
  H5Tclose (type);
  H5Sclose (space);
}

typedef struct {
  const char *name;             /* dataset path in the layer group */
  guint       ndim;
  hsize_t     dims[4];
} Weight;

typedef struct {
  const char *name;
  guint       n;
  Weight      weights[4];
} Layer;

/* Writes the layers into loc with layer_names (split in two attributes,
 * layer_names0 and layer_names1, when split, as Keras does past 64 KiB). */
static void
h5_layers (hid_t loc, const Layer *layers, guint n, gboolean split)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  hid_t gcpl = H5Pcreate (H5P_GROUP_CREATE);
  hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE);

  /* No timestamps: the same seeds on every run. */
  H5_CHECK (H5Pset_obj_track_times (gcpl, FALSE));
  H5_CHECK (H5Pset_obj_track_times (dcpl, FALSE));
  for (guint i = 0; i < n; i++)
    {
      const Layer *l = &layers[i];
      hid_t group = H5Gcreate2 (loc, l->name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
      const char *wnames[4];

      H5_CHECK (group);
      for (guint j = 0; j < l->n; j++)
        {
          const Weight *w = &l->weights[j];
          const char *slash = strrchr (w->name, '/');
          hid_t space = H5Screate_simple ((int) w->ndim, w->dims, NULL);
          hssize_t count = H5Sget_simple_extent_npoints (space);
          g_autofree float *v = g_new (float, count);
          hid_t ds;

          /* "conv1_conv/kernel:0": the group in between first, without
           * times (one made by H5Pset_create_intermediate_group would have them) */
          if (slash != NULL)
            {
              g_autofree char *sub = g_strndup (w->name, (gsize) (slash - w->name));

              if (H5Lexists (group, sub, H5P_DEFAULT) <= 0)
                {
                  hid_t g = H5Gcreate2 (group, sub, H5P_DEFAULT, gcpl, H5P_DEFAULT);

                  H5_CHECK (g);
                  H5Gclose (g);
                }
            }
          ds = H5Dcreate2 (group, w->name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
          H5_CHECK (ds);
          for (hssize_t k = 0; k < count; k++)
            v[k] = (float) ((k * 7 + j * 3 + i) % 11) / 10.f - 0.5f;
          H5_CHECK (H5Dwrite (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v));
          H5Dclose (ds);
          H5Sclose (space);
          wnames[j] = w->name;
        }
      h5_strings (group, "weight_names", l->n, wnames);
      H5Gclose (group);
      g_ptr_array_add (names, (gpointer) l->name);
    }
  if (split)
    {
      guint half = names->len / 2;

      h5_strings (loc, "layer_names0", half, (const char *const *) names->pdata);
      h5_strings (loc, "layer_names1", names->len - half,
                  (const char *const *) names->pdata + half);
    }
  else
    h5_strings (loc, "layer_names", names->len, (const char *const *) names->pdata);
  H5Pclose (dcpl);
  H5Pclose (gcpl);
}

/* In the earliest file format, as h5py writes by default: nothing in it is
 * checksummed, so the fuzzer's mutations reach our code rather than stop
 * at HDF5's checksums. */
static hid_t
h5_create (const char *name)
{
  g_autofree char *dir = g_build_filename (out_dir, "keras-hdf5-raw", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  hid_t fcpl = H5Pcreate (H5P_FILE_CREATE);
  hid_t file;

  g_mkdir_with_parents (dir, 0755);
  /* the root group's timestamps */
  H5_CHECK (H5Pset_obj_track_times (fcpl, FALSE));
  file = H5Fcreate (path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  H5_CHECK (file);
  H5Pclose (fcpl);
  return file;
}

/* The fuzz target's small graph (conv1_conv 4x3x3x3, conv1_bn 4,
 * conv2_block1_1_conv 2x4x1x1) under three namings. */
static void
write_small (const char *file_name, const char *const names[3], gboolean theano,
             const char *backend, gboolean whole_model, gboolean split)
{
  const char *w[3][4];
  g_autoptr(GStringChunk) chunk = g_string_chunk_new (256);
  hid_t file = h5_create (file_name);
  hid_t loc = file;

  for (guint i = 0; i < 3; i++)
    {
      static const char *tf_suffix[2][4] = {
        { "kernel:0", "bias:0", NULL, NULL },
        { "gamma:0", "beta:0", "moving_mean:0", "moving_variance:0" },
      };
      static const char *th_suffix[2][4] = {
        { "W", "b", NULL, NULL },
        { "gamma", "beta", "running_mean", "running_std" },
      };
      int kind = i == 1;

      for (guint j = 0; j < 4; j++)
        {
          const char *suffix = theano ? th_suffix[kind][j] : tf_suffix[kind][j];
          g_autofree char *wname = NULL;

          if (suffix == NULL)
            {
              w[i][j] = NULL;
              continue;
            }
          /* Keras 1 Theano: "convolution2d_1_W"; tf.keras: "conv1_conv/kernel:0" */
          wname = g_strdup_printf (theano ? "%s_%s" : "%s/%s", names[i], suffix);
          w[i][j] = g_string_chunk_insert (chunk, wname);
        }
    }
  {
    const Layer layers[] = {
      { "input_1", 0, { { NULL } } },
      { names[0], 2, {
          { w[0][0], 4, { theano ? 4 : 3, 3, 3, theano ? 3 : 4 } },
          { w[0][1], 1, { 4 } } } },
      { names[1], 4, {
          { w[1][0], 1, { 4 } }, { w[1][1], 1, { 4 } },
          { w[1][2], 1, { 4 } }, { w[1][3], 1, { 4 } } } },
      { "activation_1", 0, { { NULL } } },
      { names[2], 2, {
          { w[2][0], 4, { theano ? 2 : 1, theano ? 4 : 1, theano ? 1 : 4, theano ? 1 : 2 } },
          { w[2][1], 1, { 2 } } } },
    };

    if (whole_model)
      {
        hid_t gcpl = H5Pcreate (H5P_GROUP_CREATE);

        H5_CHECK (H5Pset_obj_track_times (gcpl, FALSE));
        loc = H5Gcreate2 (file, "model_weights", H5P_DEFAULT, gcpl, H5P_DEFAULT);
        H5Pclose (gcpl);
        H5_CHECK (loc);
        h5_scalar_string (file, "model_config", "{\"class_name\": \"Model\"}");
      }
    h5_layers (loc, layers, G_N_ELEMENTS (layers), split);
  }
  if (backend != NULL)
    {
      h5_scalar_string (loc, "backend", backend);
      h5_scalar_string (loc, "keras_version", theano ? "1.2.2" : "2.2.4");
    }
  if (loc != file)
    H5Gclose (loc);
  H5_CHECK (H5Fclose (file));
}

static void
write_keras (void)
{
  static const char *const tf_names[3] = { "conv1_conv", "conv1_bn", "conv2_block1_1_conv" };
  static const char *const legacy_names[3] = { "conv1", "bn_conv1", "res2a_branch2a" };
  static const char *const theano_names[3] = { "convolution2d_1", "batchnormalization_1", "convolution2d_2" };

  write_small ("small-tf.h5", tf_names, FALSE, "tensorflow", FALSE, FALSE);
  write_small ("small-legacy-names.h5", legacy_names, FALSE, "tensorflow", FALSE, FALSE);
  write_small ("small-theano.h5", theano_names, TRUE, NULL, FALSE, FALSE);
  write_small ("small-whole-model.h5", tf_names, FALSE, "tensorflow", TRUE, FALSE);
  write_small ("small-split-names.h5", tf_names, FALSE, NULL, FALSE, TRUE);
}

/* Descriptions for the keras-hdf5 target (the format, the KERAS_* bits
 * and the vocabularies' order are in fathom-fuzz-targets.[ch]): the same
 * files as above, and a messy one. */
static void
write_keras_descriptions (void)
{
  static const guint8 tf[] = {
    KERAS_FILE_BACKEND, 5,
    0 /* input_1 */, 0,
    1 /* conv1_conv */, 2,
      0 /* /kernel:0 */, KERAS_WEIGHT_F32 | 0 << 4 /* [3,3,3,4] */,
      1 /* /bias:0 */, KERAS_WEIGHT_F32 | 1 << 4 /* [4] */,
    2 /* conv1_bn */, 4,
      2 /* /gamma:0 */, 1 << 4, 3 /* /beta:0 */, 1 << 4,
      4 /* /moving_mean:0 */, 1 << 4, 5 /* /moving_variance:0 */, 1 << 4,
    4 /* activation_1 */, 0,
    3 /* conv2_block1_1_conv */, 2,
      0, 3 << 4 /* [1,1,4,2] */, 1, 4 << 4 /* [2] */,
  };
  static const guint8 legacy_vlen[] = {
    KERAS_FILE_BACKEND | KERAS_FILE_VARIABLE_STRINGS, 3,
    5 /* conv1 */, 2, 0, 0 << 4, 1, 1 << 4,
    6 /* bn_conv1 */, 4, 2, 1 << 4, 3, 1 << 4, 4, 1 << 4, 5, 1 << 4,
    7 /* res2a_branch2a */, 2, 0, 3 << 4, 1, 4 << 4,
  };
  static const guint8 theano[] = {
    0, 4,
    15 /* zeropadding2d_1 */, 0,
    12 /* convolution2d_1 */, 2,
      6 /* _W */, 2 << 4 /* [4,3,3,3] */, 7 /* _b */, 1 << 4,
    13 /* batchnormalization_1 */, 4,
      8 /* _gamma */, 1 << 4, 9 /* _beta */, 1 << 4,
      10 /* _running_mean */, 1 << 4, 11 /* _running_std */, 1 << 4,
    14 /* convolution2d_2 */, 2, 6, 5 << 4 /* [2,4,1,1] */, 7, 4 << 4,
  };
  static const guint8 whole_split[] = {
    KERAS_FILE_WHOLE_MODEL | KERAS_FILE_BACKEND | KERAS_LIST_SPLIT << 4, 3,
    1, 2 | KERAS_LIST_SPLIT << 4, 0, 0 << 4, 1, 1 << 4,
    2, 4, 2, 1 << 4, 3, 1 << 4, 4, 1 << 4, 5, 1 << 4,
    3, 2, 0, 3 << 4, 1, 4 << 4,
  };
  /* A literal name, a big-endian float64 kernel and an int32 bias (which
   * import refuses), a free-form shape. */
  static const guint8 messy[] = {
    KERAS_FILE_BACKEND | KERAS_FILE_THEANO, 4,
    64 + 10, 'c', 'o', 'n', 'v', '1', '_', 'c', 'o', 'n', 'v', 2,
      0, KERAS_WEIGHT_F64_BE | 0 << 4, 1, KERAS_WEIGHT_I32 | 1 << 4,
    2, 4, 2, 1 << 4, 3, 1 << 4, 4, 1 << 4, 5, 10 << 4, 1, 4,
    4, 0 | KERAS_LIST_FLOATS << 4,
    3, 2, 0, 3 << 4, 1, 4 << 4,
  };
  /* A weight listed but missing, a group where a dataset should be, a
   * layer listed without its group. */
  static const guint8 missing[] = {
    KERAS_FILE_BACKEND, 3,
    1, 2, 0, KERAS_WEIGHT_MISSING, 1, KERAS_WEIGHT_GROUP,
    2, 0 | KERAS_LIST_MISSING << 4,
    3, 2 | KERAS_LAYER_NO_GROUP, 0, 3 << 4, 1, 4 << 4,
  };

  save ("keras-hdf5", "small-tf.keras", tf, sizeof tf);
  save ("keras-hdf5", "small-legacy-names-vlen.keras", legacy_vlen, sizeof legacy_vlen);
  save ("keras-hdf5", "small-theano.keras", theano, sizeof theano);
  save ("keras-hdf5", "small-whole-model-split.keras", whole_split, sizeof whole_split);
  save ("keras-hdf5", "messy.keras", messy, sizeof messy);
  save ("keras-hdf5", "missing.keras", missing, sizeof missing);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DIR\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  write_images ();
  write_safetensors ();
  write_keras ();
  write_keras_descriptions ();
  return 0;
}
