/* fathom-image-resize.c: nearest and bilinear resizing, and letterboxing.
 *
 * Both filters map pixel centres: output pixel d covers source coordinate
 * (d + 0.5) * in / out, as OpenCV's and PIL's resizers do, so that the
 * picture neither shifts nor loses its last row. There is no antialiasing
 * when shrinking (the lesson's loaders had none either).
 */
#include "fathom-image.h"

#include <math.h>
#include <string.h>

/* floor((d + 0.5) * in / out) in integers, so that an integer-factor
 * upscale replicates each pixel exactly, with no rounding in between */
static void
nearest_table (int in, int out, int *index)
{
  for (int d = 0; d < out; d++)
    {
      gint64 s = ((gint64) (2 * d + 1) * in) / (2 * (gint64) out);

      index[d] = (int) MIN (s, (gint64) in - 1);
    }
}

/* The two source pixels for each output pixel and the weight of the
 * second: src = (d + 0.5) * in / out - 0.5, clamped to the edge pixels. */
static void
bilinear_table (int in, int out, int *lo, int *hi, float *frac)
{
  double scale = (double) in / out;

  for (int d = 0; d < out; d++)
    {
      double s = (d + 0.5) * scale - 0.5;
      int s0;

      s = CLAMP (s, 0.0, (double) (in - 1));
      s0 = (int) floor (s);
      lo[d] = s0;
      hi[d] = MIN (s0 + 1, in - 1);
      frac[d] = (float) (s - s0);
    }
}

static void
resize_nearest (const FathomImage *src, FathomImage *dst)
{
  g_autofree int *xs = g_new (int, dst->width);
  g_autofree int *ys = g_new (int, dst->height);

  nearest_table (src->width, dst->width, xs);
  nearest_table (src->height, dst->height, ys);
  for (int y = 0; y < dst->height; y++)
    {
      const guint8 *srow = src->pixels + (gsize) ys[y] * src->width * 3;
      guint8 *drow = dst->pixels + (gsize) y * dst->width * 3;

      for (int x = 0; x < dst->width; x++)
        memcpy (drow + 3 * x, srow + 3 * xs[x], 3);
    }
}

static void
resize_bilinear (const FathomImage *src, FathomImage *dst)
{
  g_autofree int *x0 = g_new (int, dst->width);
  g_autofree int *x1 = g_new (int, dst->width);
  g_autofree float *fx = g_new (float, dst->width);
  g_autofree int *y0 = g_new (int, dst->height);
  g_autofree int *y1 = g_new (int, dst->height);
  g_autofree float *fy = g_new (float, dst->height);

  bilinear_table (src->width, dst->width, x0, x1, fx);
  bilinear_table (src->height, dst->height, y0, y1, fy);
  for (int y = 0; y < dst->height; y++)
    {
      const guint8 *r0 = src->pixels + (gsize) y0[y] * src->width * 3;
      const guint8 *r1 = src->pixels + (gsize) y1[y] * src->width * 3;
      guint8 *drow = dst->pixels + (gsize) y * dst->width * 3;
      float wy = fy[y];

      for (int x = 0; x < dst->width; x++)
        {
          const guint8 *a = r0 + 3 * x0[x], *b = r0 + 3 * x1[x];
          const guint8 *c = r1 + 3 * x0[x], *d = r1 + 3 * x1[x];
          float wx = fx[x];

          for (int k = 0; k < 3; k++)
            {
              float top = a[k] + wx * (b[k] - a[k]);
              float bottom = c[k] + wx * (d[k] - c[k]);
              float v = top + wy * (bottom - top);

              /* round to nearest; v is within [0, 255] up to rounding */
              drow[3 * x + k] = (guint8) CLAMP (v + 0.5f, 0.f, 255.f);
            }
        }
    }
}

FathomImage *
fathom_image_resize (const FathomImage *self,
                     int                width,
                     int                height,
                     FathomResize       mode)
{
  FathomImage *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (mode == FATHOM_RESIZE_NEAREST || mode == FATHOM_RESIZE_BILINEAR, NULL);

  out = fathom_image_new (width, height);
  if (mode == FATHOM_RESIZE_NEAREST)
    resize_nearest (self, out);
  else
    resize_bilinear (self, out);
  return out;
}

FathomImage *
fathom_image_resize_fit (const FathomImage *self,
                         int                width,
                         int                height,
                         FathomResize       mode)
{
  g_autoptr(FathomImage) scaled = NULL;
  FathomImage *out;
  gint64 w = 0, h = 0;
  int left, top;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail (mode == FATHOM_RESIZE_NEAREST || mode == FATHOM_RESIZE_BILINEAR, NULL);

  /* in integers, rounded to nearest: the side that limits the scale comes
   * out exactly, the other never overshoots */
  if ((gint64) self->width * height >= (gint64) self->height * width)
    {
      w = width;
      h = (2 * (gint64) self->height * width + self->width) / (2 * (gint64) self->width);
    }
  else
    {
      h = height;
      w = (2 * (gint64) self->width * height + self->height) / (2 * (gint64) self->height);
    }
  w = CLAMP (w, 1, width);
  h = CLAMP (h, 1, height);

  scaled = fathom_image_resize (self, (int) w, (int) h, mode);
  out = fathom_image_new (width, height);     /* black */
  left = (width - (int) w) / 2;
  top = (height - (int) h) / 2;
  for (int y = 0; y < h; y++)
    memcpy (out->pixels + ((gsize) (top + y) * width + left) * 3,
            scaled->pixels + (gsize) y * w * 3, (gsize) w * 3);
  return out;
}
