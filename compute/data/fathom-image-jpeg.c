/* fathom-image-jpeg.c: JPEG decoding and encoding with libjpeg(-turbo).
 *
 * libjpeg reports fatal errors through error_exit, which must not return;
 * its default ends the whole process. Ours formats the message and
 * longjmps back to the call that set the jump. The setjmp sits in a small function whose
 * state all lives in a struct owned by its caller, so no local is modified
 * between setjmp and longjmp and none has to be volatile.
 */
#define G_LOG_DOMAIN "fathom-image"

#include "fathom-image.h"

#include <setjmp.h>
#include <stdio.h>              /* jpeglib.h uses FILE without including it */

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
  struct jpeg_error_mgr pub;    /* first: libjpeg hands us a pointer to it */
  jmp_buf               jump;
  const char           *name;   /* for messages */
  int                   code;   /* libjpeg's message code of the failure */
  char                  message[JMSG_LENGTH_MAX];
  guint                 warnings;
} ErrorMgr;

static void
error_exit_cb (j_common_ptr cinfo)
{
  ErrorMgr *err = (ErrorMgr *) cinfo->err;

  err->code = err->pub.msg_code;
  err->pub.format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

static void
emit_message_cb (j_common_ptr cinfo, int msg_level)
{
  ErrorMgr *err = (ErrorMgr *) cinfo->err;

  if (msg_level >= 0)
    return;                     /* trace output */
  err->warnings++;
  err->pub.num_warnings++;
  /* Running out of data is only a warning to libjpeg, which then fills the
   * rest of the picture grey: a truncated photo must be refused instead. */
  if (err->pub.msg_code == JWRN_JPEG_EOF)
    error_exit_cb (cinfo);
  /* Other warnings ("extraneous bytes before marker") are common in real
   * photos that decode fine, as every other reader lets them pass. */
  if (err->warnings == 1)
    {
      char text[JMSG_LENGTH_MAX];

      err->pub.format_message (cinfo, text);
      g_debug ("%s: JPEG warning: %s", err->name, text);
    }
}

static void
output_message_cb (j_common_ptr cinfo)
{
  /* nothing goes to stderr: failures become GErrors */
}

static void
error_mgr_init (ErrorMgr *err, const char *name)
{
  jpeg_std_error (&err->pub);
  err->pub.error_exit = error_exit_cb;
  err->pub.emit_message = emit_message_cb;
  err->pub.output_message = output_message_cb;
  err->name = name;
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct {
  struct jpeg_decompress_struct cinfo;
  ErrorMgr      err;
  const guint8 *data;
  gsize         len;
  const char   *name;
  gboolean      header_only;
  int           width;          /* declared, once the header is read */
  int           height;
  GError       *error;          /* our own refusals, made inside */
  FathomImage  *image;
  guint8       *row;            /* one CMYK scanline */
} Decode;

/* Adobe's (Photoshop's) CMYK JPEGs store the inks inverted, 255 meaning
 * none; files without the Adobe marker use the plain convention. */
static void
cmyk_to_rgb (const guint8 *in, guint8 *out, int width, gboolean inverted)
{
  for (int x = 0; x < width; x++, in += 4, out += 3)
    {
      guint k = inverted ? in[3] : 255u - in[3];

      for (int c = 0; c < 3; c++)
        {
          guint v = inverted ? in[c] : 255u - in[c];

          out[c] = (guint8) ((v * k + 127) / 255);
        }
    }
}

static gboolean
decode_run (Decode *d)
{
  j_decompress_ptr cinfo = &d->cinfo;
  gboolean cmyk;
  gsize stride;

  if (setjmp (d->err.jump))
    return FALSE;

  jpeg_create_decompress (cinfo);
  jpeg_mem_src (cinfo, d->data, d->len);
  jpeg_read_header (cinfo, TRUE);
  /* before libjpeg allocates anything sized by the picture */
  if (!fathom_image_check_size (cinfo->image_width, cinfo->image_height, d->name, &d->error))
    return FALSE;
  d->width = (int) cinfo->image_width;
  d->height = (int) cinfo->image_height;
  if (d->header_only)
    return TRUE;

  /* libjpeg-turbo converts grey to RGB itself; YCCK comes out as CMYK */
  cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress (cinfo);
  if (cinfo->output_components != (cmyk ? 4 : 3) ||
      cinfo->output_width != cinfo->image_width ||
      cinfo->output_height != cinfo->image_height)
    {
      g_set_error (&d->error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                   "%s: unsupported JPEG colour layout (%d components)",
                   d->name, cinfo->output_components);
      return FALSE;
    }

  d->image = fathom_image_new ((int) cinfo->output_width, (int) cinfo->output_height);
  stride = (gsize) cinfo->output_width * 3;
  if (cmyk)
    d->row = g_malloc ((gsize) cinfo->output_width * 4);
  while (cinfo->output_scanline < cinfo->output_height)
    {
      guint8 *dst = d->image->pixels + cinfo->output_scanline * stride;
      JSAMPROW row = cmyk ? d->row : dst;

      /* 0 would mean a suspending source, which memory never is; it must
       * not become an endless loop */
      if (jpeg_read_scanlines (cinfo, &row, 1) != 1)
        {
          g_set_error (&d->error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                       "%s: truncated or corrupt JPEG data (no scanline %u)",
                       d->name, cinfo->output_scanline);
          return FALSE;
        }
      if (cmyk)
        cmyk_to_rgb (d->row, dst, d->image->width, cinfo->saw_Adobe_marker);
    }
  /* reads up to the end marker, so a file cut after the last scanline is
   * refused too */
  jpeg_finish_decompress (cinfo);
  return TRUE;
}

static gboolean
decode (Decode *d, GError **error)
{
  gboolean ok;

  d->cinfo.err = &d->err.pub;
  error_mgr_init (&d->err, d->name);
  ok = decode_run (d);
  /* safe at any stage: jpeg_create_decompress zeroes the struct first */
  jpeg_destroy_decompress (&d->cinfo);
  g_clear_pointer (&d->row, g_free);
  if (ok)
    return TRUE;

  g_clear_pointer (&d->image, fathom_image_free);
  if (d->error != NULL)
    g_propagate_error (error, d->error);
  else if (d->err.code == JERR_IMAGE_TOO_BIG)
    g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_TOO_LARGE,
                 "%s: the image is too large (%s)", d->name, d->err.message);
  else
    g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                 "%s: truncated or corrupt JPEG data (%s)", d->name, d->err.message);
  return FALSE;
}

FathomImage *
fathom_image_decode_jpeg (const guint8 *data,
                          gsize         len,
                          const char   *name,
                          GError      **error)
{
  Decode d = { 0 };

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  d.data = data;
  d.len = len;
  d.name = name != NULL ? name : "(JPEG in memory)";
  if (!decode (&d, error))
    return NULL;
  return d.image;
}

gboolean
fathom_image_read_size_jpeg (const guint8 *data,
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
  d.name = name != NULL ? name : "(JPEG in memory)";
  d.header_only = TRUE;
  if (!decode (&d, error))
    return FALSE;
  *width = d.width;
  *height = d.height;
  return TRUE;
}

/* ---- encoding ---------------------------------------------------------- */

/* Our own destination into a GByteArray: jpeg_mem_dest frees and replaces
 * its buffer as it grows without telling the caller, so after an error it
 * is unclear what to free. */
typedef struct {
  struct jpeg_destination_mgr pub;
  GByteArray *out;
  guint8      chunk[16384];
} Dest;

static void
dest_init_cb (j_compress_ptr cinfo)
{
  Dest *dest = (Dest *) cinfo->dest;

  dest->pub.next_output_byte = dest->chunk;
  dest->pub.free_in_buffer = sizeof dest->chunk;
}

static boolean
dest_empty_cb (j_compress_ptr cinfo)
{
  Dest *dest = (Dest *) cinfo->dest;

  /* libjpeg calls this with the whole chunk full, whatever free_in_buffer says */
  g_byte_array_append (dest->out, dest->chunk, sizeof dest->chunk);
  dest->pub.next_output_byte = dest->chunk;
  dest->pub.free_in_buffer = sizeof dest->chunk;
  return TRUE;
}

static void
dest_term_cb (j_compress_ptr cinfo)
{
  Dest *dest = (Dest *) cinfo->dest;

  g_byte_array_append (dest->out, dest->chunk,
                       (guint) (sizeof dest->chunk - dest->pub.free_in_buffer));
}

typedef struct {
  struct jpeg_compress_struct cinfo;
  ErrorMgr           err;
  Dest               dest;
  const FathomImage *image;
  int                quality;
} Encode;

static gboolean
encode_run (Encode *e)
{
  j_compress_ptr cinfo = &e->cinfo;
  gsize stride = (gsize) e->image->width * 3;

  if (setjmp (e->err.jump))
    return FALSE;

  jpeg_create_compress (cinfo);
  cinfo->dest = &e->dest.pub;
  cinfo->image_width = (JDIMENSION) e->image->width;
  cinfo->image_height = (JDIMENSION) e->image->height;
  cinfo->input_components = 3;
  cinfo->in_color_space = JCS_RGB;
  jpeg_set_defaults (cinfo);
  jpeg_set_quality (cinfo, e->quality, TRUE);
  jpeg_start_compress (cinfo, TRUE);
  while (cinfo->next_scanline < cinfo->image_height)
    {
      /* libjpeg never writes through the row it is given */
      JSAMPROW row = (JSAMPROW) (e->image->pixels + cinfo->next_scanline * stride);

      jpeg_write_scanlines (cinfo, &row, 1);
    }
  jpeg_finish_compress (cinfo);
  return TRUE;
}

GBytes *
fathom_image_encode_jpeg (const FathomImage *self,
                          int                quality,
                          GError           **error)
{
  Encode e = { 0 };
  g_autoptr(GByteArray) out = NULL;
  gboolean ok;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (quality >= 1 && quality <= 100, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_byte_array_new ();
  e.image = self;
  e.quality = quality;
  e.dest.out = out;
  e.dest.pub.init_destination = dest_init_cb;
  e.dest.pub.empty_output_buffer = dest_empty_cb;
  e.dest.pub.term_destination = dest_term_cb;
  e.cinfo.err = &e.err.pub;
  error_mgr_init (&e.err, "(JPEG encoder)");
  ok = encode_run (&e);
  jpeg_destroy_compress (&e.cinfo);
  if (!ok)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_IO,
                   "cannot encode the JPEG (%s)", e.err.message);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
