/* fathom-image-png.c: PNG decoding and encoding with libpng.
 *
 * libpng reports fatal errors through the error callback, which must not
 * return; ours keeps the message and longjmps back. As in the JPEG codec,
 * the setjmp sits in a small function whose state all lives in a struct
 * owned by its caller, so no local needs to be volatile.
 */
#define G_LOG_DOMAIN "fathom-image"

#include "fathom-image.h"

#include <string.h>

#include <png.h>

typedef struct {
  const char *name;             /* for messages */
  char        message[256];
  guint       warnings;
} ErrorState;

static void
error_cb (png_structp png, png_const_charp message)
{
  ErrorState *err = png_get_error_ptr (png);

  g_strlcpy (err->message, message, sizeof err->message);
  png_longjmp (png, 1);
}

static void
warning_cb (png_structp png, png_const_charp message)
{
  ErrorState *err = png_get_error_ptr (png);

  /* "known incorrect sRGB profile" and the like: harmless, and common */
  if (err->warnings++ == 0)
    g_debug ("%s: PNG warning: %s", err->name, message);
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct {
  png_structp   png;
  png_infop     info;
  ErrorState    err;
  const guint8 *data;
  gsize         len;
  gsize         pos;
  gboolean      eof;            /* the data ran out */
  const char   *name;
  gboolean      header_only;
  int           width;          /* declared, once the header is read */
  int           height;
  GError       *error;          /* our own refusals, made inside */
  FathomImage  *image;
  png_bytep    *rows;
} Decode;

static void
read_cb (png_structp png, png_bytep out, png_size_t length)
{
  Decode *d = png_get_io_ptr (png);

  if (length > d->len - d->pos)
    {
      d->eof = TRUE;
      png_error (png, "the file ends early");
    }
  memcpy (out, d->data + d->pos, length);
  d->pos += length;
}

static gboolean
decode_run (Decode *d)
{
  png_uint_32 width, height;
  int bit_depth, color_type;

  if (setjmp (png_jmpbuf (d->png)))
    return FALSE;

  png_set_read_fn (d->png, d, read_cb);
  /* libpng's own limit (a million a side) would report a huge image as a
   * broken one; ours below says what is wrong */
  png_set_user_limits (d->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  png_read_info (d->png, d->info);
  png_get_IHDR (d->png, d->info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
  /* before libpng allocates anything sized by the picture */
  if (!fathom_image_check_size (width, height, d->name, &d->error))
    return FALSE;
  d->width = (int) width;
  d->height = (int) height;
  if (d->header_only)
    return TRUE;

  /* everything to 8-bit RGB; alpha (and tRNS) is dropped, not composited,
   * as PIL's convert("RGB") does for the lesson's Keras loader */
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (d->png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8 (d->png);
  if (bit_depth == 16)
    png_set_scale_16 (d->png);  /* rounds, where strip_16 truncates */
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb (d->png);
  png_set_strip_alpha (d->png);
  png_set_interlace_handling (d->png);
  png_read_update_info (d->png, d->info);
  if (png_get_channels (d->png, d->info) != 3 || png_get_bit_depth (d->png, d->info) != 8 ||
      png_get_rowbytes (d->png, d->info) != (gsize) width * 3)
    {
      g_set_error (&d->error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                   "%s: unsupported PNG layout (colour type %d, %d bits)",
                   d->name, color_type, bit_depth);
      return FALSE;
    }

  d->image = fathom_image_new (d->width, d->height);
  d->rows = g_new (png_bytep, height);
  for (png_uint_32 y = 0; y < height; y++)
    d->rows[y] = d->image->pixels + (gsize) y * width * 3;
  png_read_image (d->png, d->rows);
  /* through IEND, checking the CRCs of what follows the pixels: a file cut
   * short after the image data is refused too */
  png_read_end (d->png, NULL);
  return TRUE;
}

static gboolean
decode (Decode *d, GError **error)
{
  gboolean ok = FALSE;

  d->err.name = d->name;
  d->png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &d->err, error_cb, warning_cb);
  if (d->png != NULL)
    d->info = png_create_info_struct (d->png);
  if (d->png == NULL || d->info == NULL)
    g_strlcpy (d->err.message, "out of memory", sizeof d->err.message);
  else
    ok = decode_run (d);
  png_destroy_read_struct (&d->png, &d->info, NULL);
  g_clear_pointer (&d->rows, g_free);
  if (ok)
    return TRUE;

  g_clear_pointer (&d->image, fathom_image_free);
  if (d->error != NULL)
    g_propagate_error (error, d->error);
  else if (d->eof)
    g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                 "%s: truncated PNG data (the file ends after %" G_GSIZE_FORMAT " bytes)",
                 d->name, d->len);
  else
    g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                 "%s: truncated or corrupt PNG data (%s)", d->name, d->err.message);
  return FALSE;
}

FathomImage *
fathom_image_decode_png (const guint8 *data,
                         gsize         len,
                         const char   *name,
                         GError      **error)
{
  Decode d = { 0 };

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  d.data = data;
  d.len = len;
  d.name = name != NULL ? name : "(PNG in memory)";
  if (!decode (&d, error))
    return NULL;
  return d.image;
}

gboolean
fathom_image_read_size_png (const guint8 *data,
                            gsize         len,
                            const char   *name,
                            int          *width,
                            int          *height,
                            GError      **error)
{
  Decode d = { 0 };

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (width != NULL && height != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  d.data = data;
  d.len = len;
  d.name = name != NULL ? name : "(PNG in memory)";
  d.header_only = TRUE;
  if (!decode (&d, error))
    return FALSE;
  *width = d.width;
  *height = d.height;
  return TRUE;
}

/* ---- encoding ---------------------------------------------------------- */

typedef struct {
  png_structp        png;
  png_infop          info;
  ErrorState         err;
  GByteArray        *out;
  const FathomImage *image;
  png_bytep         *rows;
} Encode;

static void
write_cb (png_structp png, png_bytep data, png_size_t length)
{
  Encode *e = png_get_io_ptr (png);

  /* GByteArray takes guint lengths */
  while (length > 0)
    {
      guint n = (guint) MIN (length, G_MAXUINT / 2);

      g_byte_array_append (e->out, data, n);
      data += n;
      length -= n;
    }
}

static void
flush_cb (png_structp png)
{
}

static gboolean
encode_run (Encode *e)
{
  if (setjmp (png_jmpbuf (e->png)))
    return FALSE;

  png_set_write_fn (e->png, e, write_cb, flush_cb);
  png_set_IHDR (e->png, e->info, (png_uint_32) e->image->width, (png_uint_32) e->image->height,
                8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (e->png, e->info);
  png_write_image (e->png, e->rows);
  png_write_end (e->png, NULL);
  return TRUE;
}

GBytes *
fathom_image_encode_png (const FathomImage *self,
                         GError           **error)
{
  Encode e = { 0 };
  g_autoptr(GByteArray) out = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_byte_array_new ();
  e.out = out;
  e.image = self;
  e.err.name = "(PNG encoder)";
  /* libpng never writes through the rows it is given */
  e.rows = g_new (png_bytep, self->height);
  for (int y = 0; y < self->height; y++)
    e.rows[y] = (png_bytep) self->pixels + (gsize) y * self->width * 3;

  e.png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &e.err, error_cb, warning_cb);
  if (e.png != NULL)
    e.info = png_create_info_struct (e.png);
  if (e.png == NULL || e.info == NULL)
    g_strlcpy (e.err.message, "out of memory", sizeof e.err.message);
  else
    ok = encode_run (&e);
  png_destroy_write_struct (&e.png, &e.info);
  g_free (e.rows);
  if (!ok)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_IO,
                   "cannot encode the PNG (%s)", e.err.message);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
