/* fathom-image.h: decoded photos (8-bit RGB), resizing and the lesson's
 * preprocessing into float tensors.
 *
 * Decoding refuses, before allocating, any image whose declared size is
 * above FATHOM_IMAGE_MAX_SIDE on a side or FATHOM_IMAGE_MAX_PIXELS in all,
 * and every error names the file and the problem.
 */
#pragma once

#include <glib.h>

#include "fathom-tensor.h"

G_BEGIN_DECLS

#define FATHOM_IMAGE_ERROR (fathom_image_error_quark ())

typedef enum {
  FATHOM_IMAGE_ERROR_IO,          /* cannot open or read */
  FATHOM_IMAGE_ERROR_FORMAT,      /* neither JPEG nor PNG, or empty */
  FATHOM_IMAGE_ERROR_CORRUPT,     /* the decoder failed: truncated, bad data */
  FATHOM_IMAGE_ERROR_TOO_LARGE,   /* declared size above the limits */
} FathomImageError;

#define FATHOM_IMAGE_MAX_SIDE   20000
#define FATHOM_IMAGE_MAX_PIXELS (64 * 1024 * 1024)

typedef struct {
  int     width;
  int     height;
  guint8 *pixels;               /* RGB, rows of width * 3 bytes, no padding */
} FathomImage;

typedef enum {
  FATHOM_RESIZE_NEAREST,
  FATHOM_RESIZE_BILINEAR,
} FathomResize;

typedef enum {
  FATHOM_PREPROCESS_NONE,       /* RGB, 0..255 */
  FATHOM_PREPROCESS_UNIT,       /* RGB, 0..1 */
  FATHOM_PREPROCESS_VGG,        /* minus the RGB mean [123.68, 116.779, 103.939], then BGR */
} FathomPreprocess;

GQuark       fathom_image_error_quark (void);

FathomImage *fathom_image_new         (int                 width,
                                       int                 height);
void         fathom_image_free        (FathomImage        *self);
/* JPEG or PNG, told apart by their magic bytes, never by the name. Grey,
 * palette, 16-bit and alpha PNGs and grey or CMYK JPEGs come out as RGB. */
FathomImage *fathom_image_load        (const char         *path,
                                       GError            **error);
/* The same from memory; name is used in messages. */
FathomImage *fathom_image_load_bytes  (GBytes             *bytes,
                                       const char         *name,
                                       GError            **error);
/* Width and height from the header alone, without decoding the pixels. */
gboolean     fathom_image_read_size   (const char         *path,
                                       int                *width,
                                       int                *height,
                                       GError            **error);
/* To exactly width x height (the aspect is not kept, as the lesson does). */
FathomImage *fathom_image_resize      (const FathomImage  *self,
                                       int                 width,
                                       int                 height,
                                       FathomResize        mode);
/* Keeping the aspect: scaled to fit inside width x height and centred on
 * black. */
FathomImage *fathom_image_resize_fit  (const FathomImage  *self,
                                       int                 width,
                                       int                 height,
                                       FathomResize        mode);
/* Writes the image as [3, height, width] floats (planar) at out. */
void         fathom_image_to_chw      (const FathomImage  *self,
                                       FathomPreprocess    preprocess,
                                       float              *out);
/* Writers, atomic (temporary file, fsync, rename). quality 1..100. */
gboolean     fathom_image_save_jpeg   (const FathomImage  *self,
                                       const char         *path,
                                       int                 quality,
                                       GError            **error);
gboolean     fathom_image_save_png    (const FathomImage  *self,
                                       const char         *path,
                                       GError            **error);

/* read_size on bytes already in memory (magic sniffed as by load_bytes). */
gboolean     fathom_image_read_size_bytes (GBytes        *bytes,
                                           const char    *name,
                                           int           *width,
                                           int           *height,
                                           GError       **error);

/* The codecs on memory; the functions above sniff the format and call
 * these. name is used in messages. */
FathomImage *fathom_image_decode_jpeg (const guint8       *data,
                                       gsize               len,
                                       const char         *name,
                                       GError            **error);
FathomImage *fathom_image_decode_png  (const guint8       *data,
                                       gsize               len,
                                       const char         *name,
                                       GError            **error);
gboolean     fathom_image_read_size_jpeg (const guint8    *data,
                                          gsize            len,
                                          const char      *name,
                                          int             *width,
                                          int             *height,
                                          GError         **error);
gboolean     fathom_image_read_size_png  (const guint8    *data,
                                          gsize            len,
                                          const char      *name,
                                          int             *width,
                                          int             *height,
                                          GError         **error);
/* Encoded files in memory (what the writers put on disk). */
GBytes      *fathom_image_encode_jpeg (const FathomImage  *self,
                                       int                 quality,
                                       GError            **error);
GBytes      *fathom_image_encode_png  (const FathomImage  *self,
                                       GError            **error);
/* The decoders' size rule: CORRUPT for an empty image, TOO_LARGE above
 * FATHOM_IMAGE_MAX_SIDE or FATHOM_IMAGE_MAX_PIXELS. */
gboolean     fathom_image_check_size  (guint64             width,
                                       guint64             height,
                                       const char         *name,
                                       GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomImage, fathom_image_free)

G_END_DECLS
