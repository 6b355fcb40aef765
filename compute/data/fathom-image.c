/* fathom-image.c: decoded photos, format sniffing, preprocessing into
 * tensors and the atomic writers. The codecs are in fathom-image-jpeg.c and
 * fathom-image-png.c, resizing in fathom-image-resize.c. */
#include "fathom-image.h"
#include "fathom-quark.h"
#include "fathom-atomic-file.h"

#include <string.h>

FATHOM_DEFINE_QUARK (fathom-image-error-quark, fathom_image_error)

static const guint8 jpeg_magic[] = { 0xff, 0xd8 };
static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

FathomImage *
fathom_image_new (int width,
                  int height)
{
  FathomImage *self;
  gsize n;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  /* cannot fail with 64-bit sizes; guards 32-bit builds */
  g_return_val_if_fail ((gsize) width <= G_MAXSIZE / 3 / (gsize) height, NULL);

  n = (gsize) width * (gsize) height * 3;
  self = g_new0 (FathomImage, 1);
  self->width = width;
  self->height = height;
  self->pixels = g_malloc0 (n);   /* black, which resize_fit relies on */
  return self;
}

void
fathom_image_free (FathomImage *self)
{
  if (self == NULL)
    return;
  g_free (self->pixels);
  g_free (self);
}

gboolean
fathom_image_check_size (guint64     width,
                         guint64     height,
                         const char *name,
                         GError    **error)
{
  if (width == 0 || height == 0)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                   "%s: the header declares an empty image (%" G_GUINT64_FORMAT
                   " x %" G_GUINT64_FORMAT ")", name, width, height);
      return FALSE;
    }
  /* each side is at most MAX_SIDE here, so the product cannot overflow */
  if (width > FATHOM_IMAGE_MAX_SIDE || height > FATHOM_IMAGE_MAX_SIDE ||
      width * height > FATHOM_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_TOO_LARGE,
                   "%s: the image is too large (%" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT
                   "; the limits are %d pixels a side and %d pixels in all)",
                   name, width, height, FATHOM_IMAGE_MAX_SIDE, FATHOM_IMAGE_MAX_PIXELS);
      return FALSE;
    }
  return TRUE;
}

/* ---- format sniffing --------------------------------------------------- */

typedef enum {
  KIND_JPEG,
  KIND_PNG,
} Kind;

/* A file shorter than a magic but equal to its start is a truncated file of
 * that kind, not some other format. */
static gboolean
matches_magic (const guint8 *data, gsize len, const guint8 *magic, gsize magic_len,
               gboolean *partial)
{
  gsize n = MIN (len, magic_len);

  *partial = len < magic_len;
  return memcmp (data, magic, n) == 0;
}

static gboolean
sniff (const guint8 *data, gsize len, const char *name, Kind *kind, GError **error)
{
  gboolean partial;
  g_autoptr(GString) start = NULL;

  if (len == 0)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_FORMAT,
                   "%s: empty file", name);
      return FALSE;
    }
  if (matches_magic (data, len, jpeg_magic, sizeof jpeg_magic, &partial))
    *kind = KIND_JPEG;
  else if (matches_magic (data, len, png_magic, sizeof png_magic, &partial))
    *kind = KIND_PNG;
  else
    {
      /* the first bytes, printable, so that a mislabelled HTML error page or
       * a text file is recognisable in the message */
      start = g_string_new (NULL);
      for (gsize i = 0; i < MIN (len, 4); i++)
        if (data[i] >= 0x20 && data[i] < 0x7f)
          g_string_append_c (start, (char) data[i]);
        else
          g_string_append_printf (start, "\\x%02x", data[i]);
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_FORMAT,
                   "%s: not a JPEG or PNG file (starts with “%s”)", name, start->str);
      return FALSE;
    }
  if (partial)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_CORRUPT,
                   "%s: truncated %s file (%" G_GSIZE_FORMAT " bytes)",
                   name, *kind == KIND_JPEG ? "JPEG" : "PNG", len);
      return FALSE;
    }
  return TRUE;
}

/* ---- loading ----------------------------------------------------------- */

FathomImage *
fathom_image_load_bytes (GBytes     *bytes,
                         const char *name,
                         GError    **error)
{
  const guint8 *data;
  gsize len;
  Kind kind;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL)
    name = "(image in memory)";
  data = g_bytes_get_data (bytes, &len);
  if (!sniff (data, len, name, &kind, error))
    return NULL;
  if (kind == KIND_JPEG)
    return fathom_image_decode_jpeg (data, len, name, error);
  return fathom_image_decode_png (data, len, name, error);
}

FathomImage *
fathom_image_load (const char *path,
                   GError    **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;
  char *contents;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* read, not mapped: a photo being replaced while we decode must not
   * fault; decoding touches every byte anyway */
  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      /* GLib's message already names the file */
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_IO, "%s", local->message);
      return NULL;
    }
  bytes = g_bytes_new_take (contents, len);
  return fathom_image_load_bytes (bytes, path, error);
}

gboolean
fathom_image_read_size_bytes (GBytes     *bytes,
                              const char *name,
                              int        *width,
                              int        *height,
                              GError    **error)
{
  const guint8 *data;
  gsize len;
  Kind kind;

  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (width != NULL && height != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name == NULL)
    name = "(image in memory)";
  data = g_bytes_get_data (bytes, &len);
  if (!sniff (data, len, name, &kind, error))
    return FALSE;
  if (kind == KIND_JPEG)
    return fathom_image_read_size_jpeg (data, len, name, width, height, error);
  return fathom_image_read_size_png (data, len, name, width, height, error);
}

gboolean
fathom_image_read_size (const char *path,
                        int        *width,
                        int        *height,
                        GError    **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width != NULL && height != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Mapped, so that only the pages holding the header are read (the
   * dataset scan asks this of thousands of photos). A file truncated by
   * someone else while mapped would fault; datasets are not rewritten in
   * place while scanned. */
  file = g_mapped_file_new (path, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, FATHOM_IMAGE_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  bytes = g_mapped_file_get_bytes (file);
  return fathom_image_read_size_bytes (bytes, path, width, height, error);
}

/* ---- preprocessing ------------------------------------------------------ */

void
fathom_image_to_chw (const FathomImage *self,
                     FathomPreprocess   preprocess,
                     float             *out)
{
  /* the lesson's VGG mean, in RGB order */
  static const float vgg_mean[3] = { 123.68f, 116.779f, 103.939f };
  gsize plane;
  float *planes[3];
  float scale = 1.f, mean[3] = { 0, 0, 0 };

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  plane = (gsize) self->width * (gsize) self->height;
  switch (preprocess)
    {
    case FATHOM_PREPROCESS_NONE:
      for (int c = 0; c < 3; c++)
        planes[c] = out + c * plane;
      break;
    case FATHOM_PREPROCESS_UNIT:
      scale = 1.f / 255.f;
      for (int c = 0; c < 3; c++)
        planes[c] = out + c * plane;
      break;
    case FATHOM_PREPROCESS_VGG:
      /* Caffe's weights expect BGR: red goes to the last plane */
      for (int c = 0; c < 3; c++)
        {
          planes[c] = out + (2 - c) * plane;
          mean[c] = vgg_mean[c];
        }
      break;
    default:
      g_return_if_reached ();
    }

  for (gsize i = 0; i < plane; i++)
    {
      const guint8 *p = self->pixels + 3 * i;

      for (int c = 0; c < 3; c++)
        planes[c][i] = ((float) p[c] - mean[c]) * scale;
    }
}

/* ---- writers ----------------------------------------------------------- */

static gboolean
save_encoded (const char *path, GBytes *bytes, GError *local, GError **error)
{
  GError *io_error = NULL;

  if (bytes == NULL)
    {
      g_set_error (error, FATHOM_IMAGE_ERROR, local->code, "%s: %s", path, local->message);
      g_error_free (local);
      return FALSE;
    }
  if (!fathom_write_file_atomic (path, g_bytes_get_data (bytes, NULL),
                                 (gssize) g_bytes_get_size (bytes), &io_error))
    return fathom_atomic_file_propagate_error (error, io_error, FATHOM_IMAGE_ERROR,
                                               FATHOM_IMAGE_ERROR_IO);
  return TRUE;
}

gboolean
fathom_image_save_jpeg (const FathomImage *self,
                        const char        *path,
                        int                quality,
                        GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;
  GError *local = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (quality >= 1 && quality <= 100, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = fathom_image_encode_jpeg (self, quality, &local);
  return save_encoded (path, bytes, local, error);
}

gboolean
fathom_image_save_png (const FathomImage *self,
                       const char        *path,
                       GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;
  GError *local = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = fathom_image_encode_png (self, &local);
  return save_encoded (path, bytes, local, error);
}
