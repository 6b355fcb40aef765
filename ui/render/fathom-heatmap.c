/* fathom-heatmap.c: class maps, upsampling, normalisation, colormaps and
 * the pointing / in-box metrics. */
#include "fathom-heatmap.h"
#include "fathom-metrics.h"

#include <math.h>
#include <string.h>

/* matplotlib's viridis and inferno (CC0, van der Walt and Smith), the
 * 256 listed colours rounded to bytes, as hex RGB triples. */
static const char viridis_hex[] =
  "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164"
  "47136548146748166848176948186a481a6c481b6d481c6e481d6f481f70482071482173"
  "482374482475482576482677482878482979472a7a472c7a472d7b472e7c472f7d46307e"
  "46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85"
  "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a"
  "3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c38598c375a8c"
  "375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e"
  "31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e"
  "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e"
  "277e8e277f8e27808e26818e26828e26828e25838e25848e25858e24868e24878e23888e"
  "23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d21918c20928c20928c20938c"
  "1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88"
  "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa83"
  "25ab8225ac8226ad8127ad8128ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b"
  "32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf70"
  "46c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863"
  "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d153"
  "7ad1517cd2507fd34e81d34d84d44b86d54989d5488bd6468ed64590d74393d74195d840"
  "98d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32addc30b0dd2fb2dd2db5de2b"
  "b8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a"
  "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61e"
  "f6e620f8e621fbe723fde725";
static const char inferno_hex[] =
  "00000401000501010601010802010a02020c02020e030210040312040314050417060419"
  "07051b08051d09061f0a07220b07240c08260d08290e092b10092d110a30120a32140b34"
  "150b37160b39180c3c190c3e1b0c411c0c431e0c451f0c48210c4a230c4c240c4f260c51"
  "280b53290b552b0b572d0b592f0a5b310a5c320a5e340a5f3609613809623909633b0964"
  "3d09653e0966400a67420a68440a68450a69470b6a490b6a4a0c6b4c0c6b4d0d6c4f0d6c"
  "510e6c520e6d540f6d550f6d57106e59106e5a116e5c126e5d126e5f136e61136e62146e"
  "64156e65156e67166e69166e6a176e6c186e6d186e6f196e71196e721a6e741a6e751b6e"
  "771c6d781c6d7a1d6d7c1d6d7d1e6d7f1e6c801f6c82206c84206b85216b87216b88226a"
  "8a226a8c23698d23698f24699025689225689326679526679727669827669a28659b2964"
  "9d29649f2a63a02a63a22b62a32c61a52c60a62d60a82e5fa92e5eab2f5ead305dae305c"
  "b0315bb1325ab3325ab43359b63458b73557b93556ba3655bc3754bd3853bf3952c03a51"
  "c13a50c33b4fc43c4ec63d4dc73e4cc83f4bca404acb4149cc4248ce4347cf4446d04545"
  "d24644d34743d44842d54a41d74b3fd84c3ed94d3dda4e3cdb503bdd513ade5238df5337"
  "e05536e15635e25734e35933e45a31e55c30e65d2fe75e2ee8602de9612bea632aeb6429"
  "eb6628ec6726ed6925ee6a24ef6c23ef6e21f06f20f1711ff1731df2741cf3761bf37819"
  "f47918f57b17f57d15f67e14f68013f78212f78410f8850ff8870ef8890cf98b0bf98c0a"
  "f98e09fa9008fa9207fa9407fb9606fb9706fb9906fb9b06fb9d07fc9f07fca108fca309"
  "fca50afca60cfca80dfcaa0ffcac11fcae12fcb014fcb216fcb418fbb61afbb81dfbba1f"
  "fbbc21fbbe23fac026fac228fac42afac62df9c72ff9c932f9cb35f8cd37f8cf3af7d13d"
  "f7d340f6d543f6d746f5d949f5db4cf4dd4ff4df53f4e156f3e35af3e55df2e661f2e865"
  "f2ea69f1ec6df1ed71f1ef75f1f179f2f27df2f482f3f586f3f68af4f88ef5f992f6fa96"
  "f8fb9af9fc9dfafda1fcffa4";

G_STATIC_ASSERT (sizeof viridis_hex == 256 * 6 + 1);
G_STATIC_ASSERT (sizeof inferno_hex == 256 * 6 + 1);

static guint8 luts[FATHOM_COLORMAP_N][256 * 3];

static const char *const colormap_names[FATHOM_COLORMAP_N] = {
  "cool", "viridis", "inferno", "grey",
};

static void
decode_hex (const char *hex, guint8 *out)
{
  for (int i = 0; i < 256 * 3; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) * 16 +
                       g_ascii_xdigit_value (hex[2 * i + 1]));
}

/* Built once, on first use, from whichever thread gets there first. */
static void
luts_init (void)
{
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  for (int i = 0; i < 256; i++)
    {
      guint8 *cool = luts[FATHOM_COLORMAP_COOL] + 3 * i;
      guint8 *grey = luts[FATHOM_COLORMAP_GREY] + 3 * i;

      cool[0] = (guint8) i;
      cool[1] = (guint8) (255 - i);
      cool[2] = 255;
      grey[0] = grey[1] = grey[2] = (guint8) i;
    }
  decode_hex (viridis_hex, luts[FATHOM_COLORMAP_VIRIDIS]);
  decode_hex (inferno_hex, luts[FATHOM_COLORMAP_INFERNO]);
  g_once_init_leave (&done, 1);
}

void
fathom_heatmap_style_init (FathomHeatmapStyle *style)
{
  style->interpolation = FATHOM_RESIZE_NEAREST;
  style->colormap = FATHOM_COLORMAP_COOL;
  style->norm = FATHOM_HEATMAP_NORM_MINMAX;
  style->scale = FATHOM_HEATMAP_SCALE_SHARED;
  style->threshold = 0.0;
  style->opacity = 0.5;
}

/* ---- the map ------------------------------------------------------------ */

FathomHeatmap *
fathom_heatmap_new (int classes,
                    int height,
                    int width)
{
  FathomHeatmap *self;

  g_return_val_if_fail (classes > 0 && height > 0 && width > 0, NULL);

  self = g_new0 (FathomHeatmap, 1);
  self->classes = classes;
  self->height = height;
  self->width = width;
  self->values = g_new0 (float, (gsize) classes * height * width);
  return self;
}

FathomHeatmap *
fathom_heatmap_new_from_data (int          classes,
                              int          height,
                              int          width,
                              const float *values)
{
  FathomHeatmap *self = fathom_heatmap_new (classes, height, width);

  if (self != NULL)
    memcpy (self->values, values, sizeof (float) * classes * height * width);
  return self;
}

FathomHeatmap *
fathom_heatmap_copy (const FathomHeatmap *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return fathom_heatmap_new_from_data (self->classes, self->height,
                                       self->width, self->values);
}

void
fathom_heatmap_free (FathomHeatmap *self)
{
  if (self == NULL)
    return;
  g_free (self->values);
  g_free (self);
}

const float *
fathom_heatmap_plane (const FathomHeatmap *self,
                      int                  k)
{
  g_return_val_if_fail (k >= 0 && k < self->classes, NULL);
  return self->values + (gsize) k * self->height * self->width;
}

float
fathom_heatmap_get (const FathomHeatmap *self,
                    int                  k,
                    int                  cell_y,
                    int                  cell_x)
{
  g_return_val_if_fail (cell_y >= 0 && cell_y < self->height, NAN);
  g_return_val_if_fail (cell_x >= 0 && cell_x < self->width, NAN);
  return fathom_heatmap_plane (self, k)[cell_y * self->width + cell_x];
}

/* ---- upsampling --------------------------------------------------------- */

/* In integers, so that an integer factor replicates cells exactly. */
static void
nearest_table (int in, int out, int *index)
{
  for (int d = 0; d < out; d++)
    {
      gint64 s = ((gint64) (2 * d + 1) * in) / (2 * (gint64) out);

      index[d] = (int) MIN (s, (gint64) in - 1);
    }
}

static void
bilinear_table (int in, int out, int *lo, int *hi, float *frac)
{
  double scale = (double) in / out;

  for (int d = 0; d < out; d++)
    {
      double s = CLAMP ((d + 0.5) * scale - 0.5, 0.0, (double) (in - 1));
      int s0 = (int) floor (s);

      lo[d] = s0;
      hi[d] = MIN (s0 + 1, in - 1);
      frac[d] = (float) (s - s0);
    }
}

void
fathom_heatmap_upsample_plane (const float  *plane,
                               int           in_width,
                               int           in_height,
                               int           out_width,
                               int           out_height,
                               FathomResize  mode,
                               float        *out)
{
  g_autofree int *x0 = g_new (int, out_width);
  g_autofree int *x1 = g_new (int, out_width);
  g_autofree float *fx = g_new (float, out_width);
  g_autofree int *y0 = g_new (int, out_height);
  g_autofree int *y1 = g_new (int, out_height);
  g_autofree float *fy = g_new (float, out_height);

  g_return_if_fail (in_width > 0 && in_height > 0 && out_width > 0 && out_height > 0);

  if (mode == FATHOM_RESIZE_NEAREST)
    {
      nearest_table (in_width, out_width, x0);
      nearest_table (in_height, out_height, y0);
      for (int y = 0; y < out_height; y++)
        {
          const float *row = plane + (gsize) y0[y] * in_width;
          float *dst = out + (gsize) y * out_width;

          for (int x = 0; x < out_width; x++)
            dst[x] = row[x0[x]];
        }
      return;
    }

  bilinear_table (in_width, out_width, x0, x1, fx);
  bilinear_table (in_height, out_height, y0, y1, fy);
  for (int y = 0; y < out_height; y++)
    {
      const float *r0 = plane + (gsize) y0[y] * in_width;
      const float *r1 = plane + (gsize) y1[y] * in_width;
      float *dst = out + (gsize) y * out_width;
      float wy = fy[y];

      for (int x = 0; x < out_width; x++)
        {
          float wx = fx[x];
          float top = r0[x0[x]] + (r0[x1[x]] - r0[x0[x]]) * wx;
          float bottom = r1[x0[x]] + (r1[x1[x]] - r1[x0[x]]) * wx;

          dst[x] = top + (bottom - top) * wy;
        }
    }
}

void
fathom_heatmap_upsample (const FathomHeatmap *self,
                         int                  k,
                         int                  out_width,
                         int                  out_height,
                         FathomResize         mode,
                         float               *out)
{
  fathom_heatmap_upsample_plane (fathom_heatmap_plane (self, k),
                                 self->width, self->height,
                                 out_width, out_height, mode, out);
}

/* ---- normalisation ------------------------------------------------------ */

FathomHeatmap *
fathom_heatmap_softmax (const FathomHeatmap *self)
{
  FathomHeatmap *out = fathom_heatmap_new (self->classes, self->height, self->width);
  gsize plane = (gsize) self->height * self->width;

  for (gsize i = 0; i < plane; i++)
    {
      float mx = -INFINITY;
      double sum = 0.0;

      for (int k = 0; k < self->classes; k++)
        mx = MAX (mx, self->values[k * plane + i]);
      for (int k = 0; k < self->classes; k++)
        {
          float e = expf (self->values[k * plane + i] - mx);

          out->values[k * plane + i] = e;
          sum += e;
        }
      for (int k = 0; k < self->classes; k++)
        out->values[k * plane + i] = (float) (out->values[k * plane + i] / sum);
    }
  return out;
}

void
fathom_heatmap_range (const FathomHeatmap *self,
                      int                  k,
                      FathomHeatmapScale   scale,
                      float               *lo,
                      float               *hi)
{
  gsize plane = (gsize) self->height * self->width;
  const float *v = scale == FATHOM_HEATMAP_SCALE_SHARED
                   ? self->values : fathom_heatmap_plane (self, k);
  gsize n = scale == FATHOM_HEATMAP_SCALE_SHARED ? plane * self->classes : plane;
  float a = INFINITY, b = -INFINITY;

  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        a = MIN (a, v[i]);
        b = MAX (b, v[i]);
      }
  if (a > b)
    a = b = 0.f;        /* nothing finite */
  *lo = a;
  *hi = b;
}

FathomHeatmap *
fathom_heatmap_normalize (const FathomHeatmap *self,
                          FathomHeatmapNorm    norm,
                          FathomHeatmapScale   scale)
{
  g_autoptr(FathomHeatmap) src = norm == FATHOM_HEATMAP_NORM_SOFTMAX
                                 ? fathom_heatmap_softmax (self)
                                 : fathom_heatmap_copy (self);
  FathomHeatmap *out;
  gsize plane = (gsize) self->height * self->width;

  if (norm == FATHOM_HEATMAP_NORM_SOFTMAX && scale == FATHOM_HEATMAP_SCALE_SHARED)
    return g_steal_pointer (&src);

  out = fathom_heatmap_new (self->classes, self->height, self->width);
  for (int k = 0; k < self->classes; k++)
    {
      const float *in = fathom_heatmap_plane (src, k);
      float *dst = out->values + k * plane;
      float lo, hi;

      fathom_heatmap_range (src, k, scale, &lo, &hi);
      for (gsize i = 0; i < plane; i++)
        dst[i] = hi > lo ? (in[i] - lo) / (hi - lo) : 0.f;
    }
  return out;
}

/* ---- colour ------------------------------------------------------------- */

const char *
fathom_colormap_name (FathomColormap map)
{
  g_return_val_if_fail (map >= 0 && map < FATHOM_COLORMAP_N, NULL);
  return colormap_names[map];
}

gboolean
fathom_colormap_from_name (const char     *name,
                           FathomColormap *map)
{
  for (int i = 0; i < FATHOM_COLORMAP_N; i++)
    if (g_ascii_strcasecmp (name, colormap_names[i]) == 0 ||
        (i == FATHOM_COLORMAP_GREY && g_ascii_strcasecmp (name, "gray") == 0))
      {
        *map = (FathomColormap) i;
        return TRUE;
      }
  return FALSE;
}

const guint8 *
fathom_colormap_lut (FathomColormap map)
{
  g_return_val_if_fail (map >= 0 && map < FATHOM_COLORMAP_N, NULL);
  luts_init ();
  return luts[map];
}

void
fathom_colormap_eval (FathomColormap map,
                      double         t,
                      double         rgb[3])
{
  const guint8 *lut = fathom_colormap_lut (map);
  double pos = CLAMP (isnan (t) ? 0.0 : t, 0.0, 1.0) * 255.0;
  int i0 = (int) floor (pos);
  int i1 = MIN (i0 + 1, 255);
  double f = pos - i0;

  for (int c = 0; c < 3; c++)
    rgb[c] = (lut[3 * i0 + c] * (1.0 - f) + lut[3 * i1 + c] * f) / 255.0;
}

void
fathom_heatmap_colorize (const float    *values,
                         int             width,
                         int             height,
                         FathomColormap  map,
                         double          threshold,
                         guint8         *argb,
                         int             stride)
{
  const guint8 *lut = fathom_colormap_lut (map);

  for (int y = 0; y < height; y++)
    {
      const float *src = values + (gsize) y * width;
      guint32 *dst = (guint32 *) (gpointer) (argb + (gsize) y * stride);

      for (int x = 0; x < width; x++)
        {
          float v = src[x];
          const guint8 *c;

          /* NaN fails the comparison too: no colour for no value */
          if (!(v >= threshold))
            {
              dst[x] = 0;
              continue;
            }
          c = lut + 3 * (int) CLAMP (v * 255.f + 0.5f, 0.f, 255.f);
          dst[x] = 0xff000000u | (guint32) c[0] << 16 | (guint32) c[1] << 8 | c[2];
        }
    }
}

cairo_surface_t *
fathom_heatmap_render (const FathomHeatmap      *self,
                       int                       k,
                       const FathomHeatmapStyle *style,
                       int                       width,
                       int                       height)
{
  g_autoptr(FathomHeatmap) norm = NULL;
  g_autofree float *up = NULL;
  cairo_surface_t *surface;

  g_return_val_if_fail (k >= 0 && k < self->classes, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  norm = fathom_heatmap_normalize (self, style->norm, style->scale);
  up = g_new (float, (gsize) width * height);
  fathom_heatmap_upsample (norm, k, width, height, style->interpolation, up);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_surface_flush (surface);
  fathom_heatmap_colorize (up, width, height, style->colormap, style->threshold,
                           cairo_image_surface_get_data (surface),
                           cairo_image_surface_get_stride (surface));
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* ---- cells and metrics -------------------------------------------------- */

gboolean
fathom_heatmap_cell_at (const FathomHeatmap *self,
                        int                  image_width,
                        int                  image_height,
                        double               x,
                        double               y,
                        int                 *cell_x,
                        int                 *cell_y)
{
  if (!(x >= 0 && y >= 0 && x <= image_width && y <= image_height))
    return FALSE;
  *cell_x = MIN ((int) floor (x * self->width / image_width), self->width - 1);
  *cell_y = MIN ((int) floor (y * self->height / image_height), self->height - 1);
  return TRUE;
}

void
fathom_heatmap_cell_rect (const FathomHeatmap *self,
                          int                  image_width,
                          int                  image_height,
                          int                  cell_x,
                          int                  cell_y,
                          FathomBox           *rect)
{
  rect->width = (double) image_width / self->width;
  rect->height = (double) image_height / self->height;
  rect->x = cell_x * rect->width;
  rect->y = cell_y * rect->height;
}

void
fathom_heatmap_argmax (const FathomHeatmap *self,
                       int                  k,
                       int                 *cell_x,
                       int                 *cell_y)
{
  const float *v = fathom_heatmap_plane (self, k);
  gsize n = (gsize) self->height * self->width, best = 0;

  for (gsize i = 1; i < n; i++)
    if (v[i] > v[best] || (isnan (v[best]) && !isnan (v[i])))
      best = i;
  *cell_x = (int) (best % self->width);
  *cell_y = (int) (best / self->width);
}

void
fathom_heatmap_locate (const FathomHeatmap *self,
                       int                  k,
                       int                  reference,
                       int                 *cell_x,
                       int                 *cell_y)
{
  gsize x, y;

  fathom_metric_map_locate (self->values, (gsize) self->classes, (gsize) self->height, (gsize) self->width,
                            (gsize) k, reference, &x, &y);
  *cell_x = (int) x;
  *cell_y = (int) y;
}

gboolean
fathom_heatmap_pointing (const FathomHeatmap *self,
                         int                  k,
                         int                  reference,
                         int                  image_width,
                         int                  image_height,
                         const FathomBox     *box)
{
  FathomBox cell;
  double cx, cy;
  int ax, ay;

  fathom_heatmap_locate (self, k, reference, &ax, &ay);
  fathom_heatmap_cell_rect (self, image_width, image_height, ax, ay, &cell);
  cx = cell.x + cell.width / 2;
  cy = cell.y + cell.height / 2;
  return cx >= box->x && cx <= box->x + box->width &&
         cy >= box->y && cy <= box->y + box->height;
}

double
fathom_heatmap_in_box_share (const FathomHeatmap *self,
                             int                  k,
                             int                  image_width,
                             int                  image_height,
                             const FathomBox     *box)
{
  const float *v = fathom_heatmap_plane (self, k);
  double inside = 0.0, total = 0.0;

  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++)
      {
        double mass = MAX (v[y * self->width + x], 0.f);
        FathomBox c;
        double ow, oh;

        if (!(mass > 0))
          continue;
        fathom_heatmap_cell_rect (self, image_width, image_height, x, y, &c);
        ow = MIN (c.x + c.width, box->x + box->width) - MAX (c.x, box->x);
        oh = MIN (c.y + c.height, box->y + box->height) - MAX (c.y, box->y);
        total += mass;
        if (ow > 0 && oh > 0)
          inside += mass * (ow * oh) / (c.width * c.height);
      }
  return total > 0 ? inside / total : NAN;
}
