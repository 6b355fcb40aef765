/* test-image.c: JPEG and PNG decoding and encoding, resizing, the VGG
 * preprocessing, and the refusal of broken, truncated and oversized files.
 * Every input is generated here: PNGs and JPEGs of the layouts the loader
 * must convert are written with libpng and libjpeg directly. */
#include "fathom-test-util.h"
#include "fathom-image.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <jpeglib.h>
#include <png.h>

/* ---- helpers ----------------------------------------------------------- */

/* A scratch directory, removed with its (flat) contents. */
static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("fathom-image-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
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

static char *
write_file (const char *dir, const char *name, const void *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
  return path;
}

/* Smooth in both directions, all three channels different. */
static FathomImage *
make_gradient (int width, int height)
{
  FathomImage *img = fathom_image_new (width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = img->pixels + ((gsize) y * width + x) * 3;

        p[0] = (guint8) (x * 255 / MAX (width - 1, 1));
        p[1] = (guint8) (y * 255 / MAX (height - 1, 1));
        p[2] = (guint8) ((x + y) * 255 / MAX (width + height - 2, 1));
      }
  return img;
}

/* The gradient plus deterministic noise, so that PNG cannot squeeze it
 * into a few bytes. */
static FathomImage *
make_noisy (int width, int height)
{
  FathomImage *img = make_gradient (width, height);
  guint32 state = 12345;

  for (gsize i = 0; i < (gsize) width * height * 3; i++)
    {
      state = state * 1103515245u + 12345u;
      img->pixels[i] ^= (state >> 16) & 0x1f;
    }
  return img;
}

static void
assert_pixel (const FathomImage *img, int x, int y, int r, int g, int b)
{
  const guint8 *p = img->pixels + ((gsize) y * img->width + x) * 3;

  if (p[0] != r || p[1] != g || p[2] != b)
    g_error ("pixel (%d, %d) is (%d, %d, %d), expected (%d, %d, %d)",
             x, y, p[0], p[1], p[2], r, g, b);
}

static void
assert_images_equal (const FathomImage *a, const FathomImage *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpmem (a->pixels, (gsize) a->width * a->height * 3,
                   b->pixels, (gsize) b->width * b->height * 3);
}

static double
mean_abs_error (const FathomImage *a, const FathomImage *b)
{
  gsize n = (gsize) a->width * a->height * 3;
  double sum = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize i = 0; i < n; i++)
    sum += abs ((int) a->pixels[i] - (int) b->pixels[i]);
  return sum / n;
}

static GBytes *
encode_png (const FathomImage *img)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = fathom_image_encode_png (img, &error);

  g_assert_no_error (error);
  return bytes;
}

static GBytes *
encode_jpeg (const FathomImage *img, int quality)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = fathom_image_encode_jpeg (img, quality, &error);

  g_assert_no_error (error);
  return bytes;
}

/* Loading must fail with this code and a message naming the file. */
static void
assert_load_fails (const char *path, int code, const char *also)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomImage) img = fathom_image_load (path, &error);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (img);
  g_assert_error (error, FATHOM_IMAGE_ERROR, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, base) == NULL || (also != NULL && strstr (error->message, also) == NULL))
    g_error ("message “%s” does not name “%s”%s%s", error->message, base,
             also ? " or say " : "", also ? also : "");
}

static void
assert_read_size_fails (const char *path, int code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  int w = -1, h = -1;

  g_assert_false (fathom_image_read_size (path, &w, &h, &error));
  g_assert_error (error, FATHOM_IMAGE_ERROR, code);
  g_assert_nonnull (strstr (error->message, base));
}

/* ---- byte-level PNG and JPEG surgery ----------------------------------- */

static guint32
crc32_bytes (const guint8 *p, gsize n)
{
  guint32 c = 0xffffffffu;

  for (gsize i = 0; i < n; i++)
    {
      c ^= p[i];
      for (int k = 0; k < 8; k++)
        c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
  return c ^ 0xffffffffu;
}

static guint32
get_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* Offset of a chunk's length field, or -1. */
static gssize
find_png_chunk (const guint8 *p, gsize len, const char *type)
{
  gsize i = 8;

  while (i + 12 <= len)
    {
      if (memcmp (p + i + 4, type, 4) == 0)
        return (gssize) i;
      i += 12 + get_be32 (p + i);
    }
  return -1;
}

/* A copy of a PNG with IHDR declaring width x height, its CRC made right. */
static GByteArray *
png_with_size (GBytes *png, guint32 width, guint32 height)
{
  gsize len;
  const guint8 *src = g_bytes_get_data (png, &len);
  GByteArray *out = g_byte_array_new ();
  gssize ihdr;

  g_byte_array_append (out, src, (guint) len);
  ihdr = find_png_chunk (out->data, out->len, "IHDR");
  g_assert_cmpint (ihdr, ==, 8);
  put_be32 (out->data + ihdr + 8, width);
  put_be32 (out->data + ihdr + 12, height);
  put_be32 (out->data + ihdr + 8 + 13, crc32_bytes (out->data + ihdr + 4, 4 + 13));
  return out;
}

/* Offset of the SOF0 marker of a baseline JPEG, walking the segments. */
static gsize
find_jpeg_sof0 (const guint8 *p, gsize len)
{
  gsize i = 2;

  while (i + 4 <= len && p[i] == 0xff)
    {
      if (p[i + 1] == 0xc0)
        return i;
      i += 2 + ((gsize) p[i + 2] << 8 | p[i + 3]);
    }
  g_assert_not_reached ();
  return 0;
}

static GByteArray *
jpeg_with_size (GBytes *jpeg, guint width, guint height)
{
  gsize len, sof;
  const guint8 *src = g_bytes_get_data (jpeg, &len);
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, src, (guint) len);
  sof = find_jpeg_sof0 (out->data, out->len);
  /* FF C0, length (2), precision (1), height (2), width (2) */
  out->data[sof + 5] = height >> 8;
  out->data[sof + 6] = height & 0xff;
  out->data[sof + 7] = width >> 8;
  out->data[sof + 8] = width & 0xff;
  return out;
}

/* ---- writing the layouts our own encoders never produce ---------------- */

static void
png_append_cb (png_structp png, png_bytep data, png_size_t length)
{
  g_byte_array_append (png_get_io_ptr (png), data, (guint) length);
}

static void
png_flush_cb (png_structp png)
{
}

typedef struct {
  int             color_type;
  int             bit_depth;
  int             interlace;
  const png_color *palette;
  int             n_palette;
  const png_byte *trans;        /* palette alpha */
  int             n_trans;
} PngLayout;

/* rows: height rows of rowbytes each, in PNG's own packing and byte order */
static GBytes *
write_png_raw (int width, int height, const PngLayout *layout, const guint8 *data, gsize rowbytes)
{
  GByteArray *out = g_byte_array_new ();
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  g_autofree png_bytep *rows = g_new (png_bytep, height);

  g_assert_nonnull (png);
  g_assert_nonnull (info);
  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng failed writing a test image");
  for (int y = 0; y < height; y++)
    rows[y] = (png_bytep) data + (gsize) y * rowbytes;
  png_set_write_fn (png, out, png_append_cb, png_flush_cb);
  png_set_IHDR (png, info, width, height, layout->bit_depth, layout->color_type,
                layout->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (layout->palette != NULL)
    png_set_PLTE (png, info, layout->palette, layout->n_palette);
  if (layout->trans != NULL)
    png_set_tRNS (png, info, layout->trans, layout->n_trans, NULL);
  png_write_info (png, info);
  png_write_image (png, rows);
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  return g_byte_array_free_to_bytes (out);
}

/* components 1 (grey) or 4 (CMYK, written with the Adobe marker) */
static GBytes *
write_jpeg_raw (int width, int height, int components, const guint8 *data)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buf = NULL;
  unsigned long size = 0;
  GBytes *bytes;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buf, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_CMYK;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 95, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) data + (gsize) cinfo.next_scanline * width * components;

      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  bytes = g_bytes_new (buf, size);
  free (buf);
  return bytes;
}

static FathomImage *
load_bytes_ok (GBytes *bytes, const char *name)
{
  g_autoptr(GError) error = NULL;
  FathomImage *img = fathom_image_load_bytes (bytes, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (img);
  return img;
}

/* ---- round trips ------------------------------------------------------- */

static void
test_png_round_trip (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "grad.png", NULL);
  g_autoptr(FathomImage) img = make_gradient (37, 23);
  g_autoptr(FathomImage) other = make_gradient (5, 9);
  g_autoptr(FathomImage) back = NULL;
  g_autoptr(GError) error = NULL;
  int w = 0, h = 0;

  g_assert_true (fathom_image_save_png (img, path, &error));
  g_assert_no_error (error);
  /* the temporary file is gone: only the final name is left */
  g_assert_cmpuint (count_files (dir), ==, 1);

  back = fathom_image_load (path, &error);
  g_assert_no_error (error);
  assert_images_equal (back, img);      /* lossless */
  g_assert_true (fathom_image_read_size (path, &w, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpint (w, ==, 37);
  g_assert_cmpint (h, ==, 23);

  /* replacing an existing file */
  g_assert_true (fathom_image_save_png (other, path, &error));
  g_clear_pointer (&back, fathom_image_free);
  back = fathom_image_load (path, &error);
  g_assert_no_error (error);
  assert_images_equal (back, other);
  g_assert_cmpuint (count_files (dir), ==, 1);

  remove_tmp_dir (dir);
}

static void
test_jpeg_round_trip (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "grad.jpg", NULL);
  g_autoptr(FathomImage) img = make_gradient (64, 48);
  g_autoptr(FathomImage) back = NULL;
  g_autoptr(GError) error = NULL;
  int w = 0, h = 0;
  double mae;

  g_assert_true (fathom_image_save_jpeg (img, path, 95, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir), ==, 1);
  back = fathom_image_load (path, &error);
  g_assert_no_error (error);
  mae = mean_abs_error (back, img);
  g_test_message ("JPEG q95 mean abs error %.3f", mae);
  g_assert_cmpfloat (mae, <, 3.0);
  g_assert_true (fathom_image_read_size (path, &w, &h, &error));
  g_assert_no_error (error);
  g_assert_cmpint (w, ==, 64);
  g_assert_cmpint (h, ==, 48);

  /* an odd size (partial MCUs) decodes to the same size */
  {
    g_autoptr(FathomImage) odd = make_gradient (13, 7);
    g_autoptr(GBytes) bytes = encode_jpeg (odd, 90);
    g_autoptr(FathomImage) odd_back = load_bytes_ok (bytes, "odd.jpg");

    g_assert_cmpfloat (mean_abs_error (odd_back, odd), <, 6.0);
  }

  remove_tmp_dir (dir);
}

/* ---- PNG layouts ------------------------------------------------------- */

static void
test_png_grey (void)
{
  const int w = 5, h = 3;
  guint8 data[5 * 3];
  PngLayout layout = { PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(FathomImage) img = NULL;

  for (int i = 0; i < w * h; i++)
    data[i] = (guint8) (17 * i);
  bytes = write_png_raw (w, h, &layout, data, w);
  img = load_bytes_ok (bytes, "grey.png");
  g_assert_cmpint (img->width, ==, w);
  g_assert_cmpint (img->height, ==, h);
  for (int i = 0; i < w * h; i++)
    assert_pixel (img, i % w, i / w, 17 * i, 17 * i, 17 * i);
}

static void
test_png_grey_1bit (void)
{
  /* 10 pixels a row: 1011001110 and its complement, padded to 2 bytes */
  const guint8 data[] = { 0xb3, 0x80, 0x4c, 0x40 };
  const char *bits = "1011001110";
  PngLayout layout = { PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE };
  g_autoptr(GBytes) bytes = write_png_raw (10, 2, &layout, data, 2);
  g_autoptr(FathomImage) img = load_bytes_ok (bytes, "bits.png");

  for (int x = 0; x < 10; x++)
    {
      int v = bits[x] == '1' ? 255 : 0;

      assert_pixel (img, x, 0, v, v, v);
      assert_pixel (img, x, 1, 255 - v, 255 - v, 255 - v);
    }
}

static void
test_png_palette (void)
{
  const png_color palette[] = { { 255, 0, 0 }, { 0, 128, 0 }, { 1, 2, 3 }, { 250, 251, 252 } };
  const png_byte trans[] = { 0, 128, 255 };
  const guint8 data[] = { 0, 1, 2, 3, 3, 2, 1, 0 };
  PngLayout layout = { PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE, palette, 4 };

  for (int with_trns = 0; with_trns < 2; with_trns++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(FathomImage) img = NULL;

      /* with tRNS, libpng would add an alpha channel that must go again */
      layout.trans = with_trns ? trans : NULL;
      layout.n_trans = with_trns ? 3 : 0;
      bytes = write_png_raw (4, 2, &layout, data, 4);
      img = load_bytes_ok (bytes, "palette.png");
      for (int i = 0; i < 8; i++)
        {
          const png_color *c = &palette[data[i]];

          assert_pixel (img, i % 4, i / 4, c->red, c->green, c->blue);
        }
    }
}

static void
test_png_16bit (void)
{
  const int w = 3, h = 2;
  const guint8 want[] = { 0, 1, 2, 127, 128, 129, 200, 254, 255,
                          10, 20, 30, 40, 50, 60, 70, 80, 90 };
  guint8 data[sizeof want * 2];
  PngLayout layout = { PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(FathomImage) img = NULL;

  /* v * 257 is v exactly in 16 bits; big-endian, as PNG stores it */
  for (gsize i = 0; i < sizeof want; i++)
    {
      guint v = want[i] * 257u;

      data[2 * i] = v >> 8;
      data[2 * i + 1] = v & 0xff;
    }
  bytes = write_png_raw (w, h, &layout, data, w * 6);
  img = load_bytes_ok (bytes, "deep.png");
  g_assert_cmpmem (img->pixels, sizeof want, want, sizeof want);

  /* 16-bit grey too */
  {
    const guint8 grey[] = { 0x12, 0x34, 0xff, 0xff, 0x00, 0x00 };   /* 3 x 1 */
    PngLayout glayout = { PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE };
    g_autoptr(GBytes) gbytes = write_png_raw (3, 1, &glayout, grey, 6);
    g_autoptr(FathomImage) gimg = load_bytes_ok (gbytes, "deep-grey.png");
    int v0 = (int) lround (0x1234 * 255.0 / 65535.0);   /* 18 */

    assert_pixel (gimg, 0, 0, v0, v0, v0);
    assert_pixel (gimg, 1, 0, 255, 255, 255);
    assert_pixel (gimg, 2, 0, 0, 0, 0);
  }
}

static void
test_png_alpha (void)
{
  /* alpha is dropped, whatever it is: the colour stays */
  const guint8 rgba[] = { 10, 20, 30, 0,   40, 50, 60, 128,
                          70, 80, 90, 255, 255, 255, 255, 7 };
  const guint8 ga[] = { 33, 0, 66, 255, 99, 128, 200, 1 };
  PngLayout layout = { PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE };
  PngLayout glayout = { PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE };
  g_autoptr(GBytes) bytes = write_png_raw (2, 2, &layout, rgba, 8);
  g_autoptr(GBytes) gbytes = write_png_raw (4, 1, &glayout, ga, 8);
  g_autoptr(FathomImage) img = load_bytes_ok (bytes, "alpha.png");
  g_autoptr(FathomImage) gimg = load_bytes_ok (gbytes, "grey-alpha.png");

  for (int i = 0; i < 4; i++)
    assert_pixel (img, i % 2, i / 2, rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
  for (int i = 0; i < 4; i++)
    assert_pixel (gimg, i, 0, ga[2 * i], ga[2 * i], ga[2 * i]);
}

static void
test_png_interlaced (void)
{
  g_autoptr(FathomImage) src = make_gradient (13, 11);
  PngLayout layout = { PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7 };
  g_autoptr(GBytes) bytes = write_png_raw (13, 11, &layout, src->pixels, 13 * 3);
  g_autoptr(FathomImage) img = load_bytes_ok (bytes, "adam7.png");

  assert_images_equal (img, src);
}

/* ---- JPEG layouts ------------------------------------------------------ */

static void
test_jpeg_grey_and_cmyk (void)
{
  const int w = 16, h = 16;
  g_autoptr(FathomImage) src = make_gradient (w, h);
  g_autoptr(FathomImage) grey_want = fathom_image_new (w, h);
  guint8 grey[16 * 16], cmyk[16 * 16 * 4];
  g_autoptr(GBytes) gbytes = NULL, cbytes = NULL;
  g_autoptr(FathomImage) gimg = NULL, cimg = NULL;
  double mae;

  for (int i = 0; i < w * h; i++)
    {
      grey[i] = src->pixels[3 * i + 2];
      memset (grey_want->pixels + 3 * i, grey[i], 3);
      /* Adobe's inverted CMYK with no black ink: stored C = R, K = 255 */
      memcpy (cmyk + 4 * i, src->pixels + 3 * i, 3);
      cmyk[4 * i + 3] = 255;
    }
  gbytes = write_jpeg_raw (w, h, 1, grey);
  cbytes = write_jpeg_raw (w, h, 4, cmyk);
  gimg = load_bytes_ok (gbytes, "grey.jpg");
  cimg = load_bytes_ok (cbytes, "cmyk.jpg");

  mae = mean_abs_error (gimg, grey_want);
  g_test_message ("grey JPEG mean abs error %.3f", mae);
  g_assert_cmpfloat (mae, <, 2.0);
  for (int i = 0; i < w * h; i++)      /* grey stays grey */
    {
      const guint8 *p = gimg->pixels + 3 * i;

      g_assert_cmpint (p[0], ==, p[1]);
      g_assert_cmpint (p[1], ==, p[2]);
    }
  mae = mean_abs_error (cimg, src);
  g_test_message ("CMYK JPEG mean abs error %.3f", mae);
  g_assert_cmpfloat (mae, <, 4.0);
}

/* ---- resizing ---------------------------------------------------------- */

static void
test_resize_nearest (void)
{
  g_autoptr(FathomImage) src = make_gradient (3, 2);

  for (int f = 2; f <= 3; f++)
    {
      g_autoptr(FathomImage) up = fathom_image_resize (src, 3 * f, 2 * f, FATHOM_RESIZE_NEAREST);

      /* an integer factor replicates every pixel exactly */
      for (int y = 0; y < up->height; y++)
        for (int x = 0; x < up->width; x++)
          g_assert_cmpmem (up->pixels + ((gsize) y * up->width + x) * 3, 3,
                           src->pixels + ((gsize) (y / f) * src->width + x / f) * 3, 3);
    }
  /* halving picks pixel centres 0.5 * 2 = 1, 3, 5: the odd columns */
  {
    g_autoptr(FathomImage) wide = make_gradient (6, 1);
    g_autoptr(FathomImage) half = fathom_image_resize (wide, 3, 1, FATHOM_RESIZE_NEAREST);

    for (int x = 0; x < 3; x++)
      g_assert_cmpmem (half->pixels + 3 * x, 3, wide->pixels + 3 * (2 * x + 1), 3);
  }
}

static void
test_resize_bilinear_2x2 (void)
{
  /* red: 0 100 / 200 40; green constant 9; blue 255 - red */
  const guint8 red[4] = { 0, 100, 200, 40 };
  /* By hand, with half-pixel centres: output columns 0..3 sample source
   * x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1), so the
   * weights of the second pixel are 0, .25, .75, 1, and rows likewise.
   * v = (1-wy)(100 wx) + wy(200 - 160 wx):
   *   wy=0:   0     25     75     100
   *   wy=.25: 50    58.75  76.25  85
   *   wy=.75: 150   126.25 78.75  55
   *   wy=1:   200   160    80     40          (rounded to nearest) */
  const int want[16] = { 0, 25, 75, 100,
                         50, 59, 76, 85,
                         150, 126, 79, 55,
                         200, 160, 80, 40 };
  g_autoptr(FathomImage) src = fathom_image_new (2, 2);
  g_autoptr(FathomImage) out = NULL;

  for (int i = 0; i < 4; i++)
    {
      src->pixels[3 * i] = red[i];
      src->pixels[3 * i + 1] = 9;
      src->pixels[3 * i + 2] = 255 - red[i];
    }
  out = fathom_image_resize (src, 4, 4, FATHOM_RESIZE_BILINEAR);
  for (int i = 0; i < 16; i++)
    assert_pixel (out, i % 4, i / 4, want[i], 9, 255 - want[i]);
}

static void
test_resize_identity_and_constant (void)
{
  g_autoptr(FathomImage) src = make_gradient (37, 23);
  g_autoptr(FathomImage) flat = fathom_image_new (50, 40);

  for (int m = 0; m < 2; m++)
    {
      g_autoptr(FathomImage) same = fathom_image_resize (src, 37, 23, m);

      assert_images_equal (same, src);
    }

  for (int i = 0; i < 50 * 40; i++)
    {
      flat->pixels[3 * i] = 13;
      flat->pixels[3 * i + 1] = 200;
      flat->pixels[3 * i + 2] = 255;
    }
  for (int m = 0; m < 2; m++)
    {
      const int sizes[][2] = { { 7, 5 }, { 1, 1 }, { 49, 3 }, { 123, 77 } };

      for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          g_autoptr(FathomImage) out = fathom_image_resize (flat, sizes[s][0], sizes[s][1], m);

          for (int y = 0; y < out->height; y++)
            for (int x = 0; x < out->width; x++)
              assert_pixel (out, x, y, 13, 200, 255);
        }
    }
}

/* Rows [top, top + band) (or columns, when !rows) carry the colour, the
 * rest is black. */
static void
assert_letterbox (const FathomImage *out, gboolean rows, int top, int band)
{
  for (int y = 0; y < out->height; y++)
    for (int x = 0; x < out->width; x++)
      {
        int t = rows ? y : x;
        gboolean inside = t >= top && t < top + band;

        if (inside)
          assert_pixel (out, x, y, 200, 100, 50);
        else
          assert_pixel (out, x, y, 0, 0, 0);
      }
}

static void
test_resize_fit (void)
{
  g_autoptr(FathomImage) wide = fathom_image_new (100, 50);
  g_autoptr(FathomImage) tall = fathom_image_new (50, 100);

  for (int i = 0; i < 100 * 50; i++)
    {
      guint8 c[3] = { 200, 100, 50 };

      memcpy (wide->pixels + 3 * i, c, 3);
      memcpy (tall->pixels + 3 * i, c, 3);
    }
  for (int m = 0; m < 2; m++)
    {
      g_autoptr(FathomImage) a = fathom_image_resize_fit (wide, 64, 64, m);
      g_autoptr(FathomImage) b = fathom_image_resize_fit (tall, 64, 64, m);
      g_autoptr(FathomImage) c = fathom_image_resize_fit (wide, 64, 63, m);
      g_autoptr(FathomImage) d = fathom_image_resize_fit (wide, 200, 100, m);

      g_assert_cmpint (a->width, ==, 64);
      g_assert_cmpint (a->height, ==, 64);
      assert_letterbox (a, TRUE, 16, 32);   /* 64 x 32, black above and below */
      assert_letterbox (b, FALSE, 16, 32);  /* 32 x 64, black left and right */
      assert_letterbox (c, TRUE, 15, 32);   /* odd margin: 15 above, 16 below */
      assert_letterbox (d, TRUE, 0, 100);   /* same aspect: no border */
    }
}

/* ---- preprocessing ----------------------------------------------------- */

static void
test_to_chw (void)
{
  g_autoptr(FathomImage) img = fathom_image_new (2, 1);
  const guint8 px[6] = { 10, 20, 30, 255, 0, 128 };
  float out[6];
  /* planes R, G, B */
  const float none[6] = { 10, 255, 20, 0, 30, 128 };
  /* planes B - 103.939, G - 116.779, R - 123.68 */
  const float vgg[6] = { 30 - 103.939f, 128 - 103.939f,
                         20 - 116.779f, 0 - 116.779f,
                         10 - 123.68f, 255 - 123.68f };

  memcpy (img->pixels, px, 6);
  fathom_image_to_chw (img, FATHOM_PREPROCESS_NONE, out);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (out[i], ==, none[i]);
  fathom_image_to_chw (img, FATHOM_PREPROCESS_UNIT, out);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (out[i], none[i] / 255.f, 1e-6);
  fathom_image_to_chw (img, FATHOM_PREPROCESS_VGG, out);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (out[i], vgg[i], 1e-4);
  g_assert_cmpfloat_with_epsilon (out[0], -73.939, 1e-4);   /* B of pixel 0 */
}

/* ---- refusals ---------------------------------------------------------- */

static void
test_bad_files (void)
{
  char *dir = make_tmp_dir ();
  g_autofree char *missing = g_build_filename (dir, "missing.jpg", NULL);
  g_autofree char *empty = write_file (dir, "empty.jpg", "", 0);
  g_autofree char *text = write_file (dir, "img_001.jpg", "hello world\n", 12);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomImage) img = make_gradient (8, 8);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-dir", "out.png", NULL);

  assert_load_fails (missing, FATHOM_IMAGE_ERROR_IO, NULL);
  assert_read_size_fails (missing, FATHOM_IMAGE_ERROR_IO);
  assert_load_fails (dir, FATHOM_IMAGE_ERROR_IO, NULL);
  assert_load_fails (empty, FATHOM_IMAGE_ERROR_FORMAT, "empty file");
  assert_read_size_fails (empty, FATHOM_IMAGE_ERROR_FORMAT);
  assert_load_fails (text, FATHOM_IMAGE_ERROR_FORMAT, "“hell”");
  assert_read_size_fails (text, FATHOM_IMAGE_ERROR_FORMAT);

  /* a writer that cannot write says where, and leaves nothing behind */
  g_assert_false (fathom_image_save_png (img, nowhere, &error));
  g_assert_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "out.png"));
  g_clear_error (&error);
  g_assert_false (fathom_image_save_jpeg (img, nowhere, 90, &error));
  g_assert_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_IO);
  g_assert_cmpuint (count_files (dir), ==, 2);

  remove_tmp_dir (dir);
}

static void
test_truncated (void)
{
  char *dir = make_tmp_dir ();
  g_autoptr(FathomImage) img = make_noisy (40, 30);
  GBytes *files[2] = { encode_jpeg (img, 95), encode_png (img) };
  const char *ext[2] = { "jpg", "png" };

  for (int f = 0; f < 2; f++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (files[f], &len);
      gsize cuts[] = { 10, 100, len / 2, len - 2 };

      g_assert_cmpuint (len, >, 200);
      for (guint c = 0; c < G_N_ELEMENTS (cuts); c++)
        {
          g_autofree char *name = g_strdup_printf ("cut-%" G_GSIZE_FORMAT ".%s", cuts[c], ext[f]);
          g_autofree char *path = write_file (dir, name, data, cuts[c]);

          assert_load_fails (path, FATHOM_IMAGE_ERROR_CORRUPT, "truncated");
          g_assert_cmpint (g_unlink (path), ==, 0);
        }
    }
  /* the JPEG message passes libjpeg's reason on */
  {
    gsize len;
    const guint8 *data = g_bytes_get_data (files[0], &len);
    g_autofree char *path = write_file (dir, "half.jpg", data, len / 2);

    assert_load_fails (path, FATHOM_IMAGE_ERROR_CORRUPT, "Premature end of JPEG file");
  }

  g_bytes_unref (files[0]);
  g_bytes_unref (files[1]);
  remove_tmp_dir (dir);
}

static void
test_png_corrupt_idat (void)
{
  char *dir = make_tmp_dir ();
  g_autoptr(FathomImage) img = make_noisy (40, 30);
  g_autoptr(GBytes) png = encode_png (img);
  gsize len;
  const guint8 *src = g_bytes_get_data (png, &len);

  for (int which = 0; which < 2; which++)
    {
      g_autofree guint8 *data = g_memdup2 (src, len);
      gssize idat = find_png_chunk (data, len, "IDAT");
      guint32 n;
      g_autofree char *path = NULL;

      g_assert_cmpint (idat, >, 0);
      n = get_be32 (data + idat);
      g_assert_cmpuint (n, >, 10);
      if (which == 0)
        data[idat + 8 + n + 3] ^= 0x01;       /* the CRC */
      else
        data[idat + 8 + n / 2] ^= 0x40;       /* a byte of compressed data */
      path = write_file (dir, which ? "bad-data.png" : "bad-crc.png", data, len);
      /* a flipped data byte may trip zlib before the CRC is checked */
      assert_load_fails (path, FATHOM_IMAGE_ERROR_CORRUPT, which ? NULL : "CRC");
    }
  remove_tmp_dir (dir);
}

static void
test_too_large (void)
{
  char *dir = make_tmp_dir ();
  g_autoptr(FathomImage) img = make_gradient (16, 16);
  g_autoptr(GBytes) png = encode_png (img);
  g_autoptr(GBytes) jpeg = encode_jpeg (img, 90);
  /* 30000 is over the side limit; 20000 x 20000 is at it, but over the
   * pixel limit */
  const guint sides[] = { 30000, 20000 };

  for (guint s = 0; s < G_N_ELEMENTS (sides); s++)
    {
      g_autoptr(GByteArray) p = png_with_size (png, sides[s], sides[s]);
      g_autoptr(GByteArray) j = jpeg_with_size (jpeg, sides[s], sides[s]);
      g_autofree char *pname = g_strdup_printf ("huge-%u.png", sides[s]);
      g_autofree char *jname = g_strdup_printf ("huge-%u.jpg", sides[s]);
      g_autofree char *ppath = write_file (dir, pname, p->data, p->len);
      g_autofree char *jpath = write_file (dir, jname, j->data, j->len);

      assert_load_fails (ppath, FATHOM_IMAGE_ERROR_TOO_LARGE, "too large");
      assert_read_size_fails (ppath, FATHOM_IMAGE_ERROR_TOO_LARGE);
      assert_load_fails (jpath, FATHOM_IMAGE_ERROR_TOO_LARGE, "too large");
      assert_read_size_fails (jpath, FATHOM_IMAGE_ERROR_TOO_LARGE);
    }

  /* a thin strip within the limits passes the size check and fails on
   * the data that does not match */
  {
    g_autoptr(GByteArray) p = png_with_size (png, 20000, 2);
    g_autofree char *path = write_file (dir, "strip.png", p->data, p->len);
    int w = 0, h = 0;
    g_autoptr(GError) error = NULL;

    g_assert_true (fathom_image_read_size (path, &w, &h, &error));
    g_assert_no_error (error);
    g_assert_cmpint (w, ==, 20000);
    g_assert_cmpint (h, ==, 2);
    assert_load_fails (path, FATHOM_IMAGE_ERROR_CORRUPT, NULL);
  }

  /* zero sides are broken files */
  {
    g_autoptr(GByteArray) p = png_with_size (png, 0, 16);
    g_autoptr(GByteArray) j = jpeg_with_size (jpeg, 16, 0);
    g_autofree char *ppath = write_file (dir, "zero.png", p->data, p->len);
    g_autofree char *jpath = write_file (dir, "zero.jpg", j->data, j->len);

    assert_load_fails (ppath, FATHOM_IMAGE_ERROR_CORRUPT, NULL);
    assert_read_size_fails (ppath, FATHOM_IMAGE_ERROR_CORRUPT);
    assert_load_fails (jpath, FATHOM_IMAGE_ERROR_CORRUPT, NULL);
    assert_read_size_fails (jpath, FATHOM_IMAGE_ERROR_CORRUPT);
  }
  remove_tmp_dir (dir);
}

/* Every prefix of a small file: a clean refusal naming the file, and the
 * whole file decodes. */
static void
test_every_prefix (void)
{
  g_autoptr(FathomImage) img = make_gradient (7, 5);
  GBytes *files[2] = { encode_jpeg (img, 90), encode_png (img) };
  const char *names[2] = { "tiny.jpg", "tiny.png" };

  for (int f = 0; f < 2; f++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (files[f], &len);

      g_test_message ("%s: %" G_GSIZE_FORMAT " bytes", names[f], len);
      for (gsize n = 0; n <= len; n++)
        {
          g_autoptr(GBytes) prefix = g_bytes_new_static (data, n);
          g_autoptr(GError) error = NULL;
          g_autoptr(FathomImage) out = fathom_image_load_bytes (prefix, names[f], &error);
          int w = -1, h = -1;

          if (n == len)
            {
              g_assert_no_error (error);
              g_assert_cmpint (out->width, ==, 7);
              g_assert_cmpint (out->height, ==, 5);
              if (f == 1)
                assert_images_equal (out, img);
            }
          else
            {
              int code = n == 0 ? FATHOM_IMAGE_ERROR_FORMAT : FATHOM_IMAGE_ERROR_CORRUPT;

              g_assert_null (out);
              g_assert_error (error, FATHOM_IMAGE_ERROR, code);
              g_assert_nonnull (strstr (error->message, names[f]));
            }
          g_clear_error (&error);

          /* the header alone: either the right size or a clean refusal */
          if (fathom_image_read_size_bytes (prefix, names[f], &w, &h, &error))
            {
              g_assert_cmpint (w, ==, 7);
              g_assert_cmpint (h, ==, 5);
            }
          else
            {
              g_assert_true (error != NULL && error->domain == FATHOM_IMAGE_ERROR);
              g_assert_nonnull (strstr (error->message, names[f]));
            }
        }
    }
  g_bytes_unref (files[0]);
  g_bytes_unref (files[1]);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/png-round-trip", test_png_round_trip);
  g_test_add_func ("/image/jpeg-round-trip", test_jpeg_round_trip);
  g_test_add_func ("/image/png-grey", test_png_grey);
  g_test_add_func ("/image/png-grey-1bit", test_png_grey_1bit);
  g_test_add_func ("/image/png-palette", test_png_palette);
  g_test_add_func ("/image/png-16bit", test_png_16bit);
  g_test_add_func ("/image/png-alpha", test_png_alpha);
  g_test_add_func ("/image/png-interlaced", test_png_interlaced);
  g_test_add_func ("/image/jpeg-grey-cmyk", test_jpeg_grey_and_cmyk);
  g_test_add_func ("/image/resize-nearest", test_resize_nearest);
  g_test_add_func ("/image/resize-bilinear-2x2", test_resize_bilinear_2x2);
  g_test_add_func ("/image/resize-identity-constant", test_resize_identity_and_constant);
  g_test_add_func ("/image/resize-fit", test_resize_fit);
  g_test_add_func ("/image/to-chw", test_to_chw);
  g_test_add_func ("/image/bad-files", test_bad_files);
  g_test_add_func ("/image/truncated", test_truncated);
  g_test_add_func ("/image/png-corrupt-idat", test_png_corrupt_idat);
  g_test_add_func ("/image/too-large", test_too_large);
  g_test_add_func ("/image/every-prefix", test_every_prefix);
  return g_test_run ();
}
