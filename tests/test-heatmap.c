/* test-heatmap.c: class-map upsampling (nearest and half-pixel bilinear),
 * normalisation, colormaps, threshold, pointing and in-box share, cell
 * lookup, and the overlay render checked pixel by pixel.
 *
 * With FATHOM_RENDER_SAMPLES=DIR set, also writes DIR/overlay-sample.png
 * and DIR/heatmap-grid-sample.png from a generated deck photo, to look at.
 */
#include "fathom-heatmap.h"
#include "fathom-overlay-render.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

static const char *const fish_classes[] = {
  "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT", NULL
};

/* (r, g, b) of an ARGB32 / RGB24 surface pixel (opaque ones here). */
static void
pixel (cairo_surface_t *surface, int x, int y, int rgb[3])
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  guint32 p = ((const guint32 *) (gconstpointer) (data + (gsize) y * cairo_image_surface_get_stride (surface)))[x];

  rgb[0] = (p >> 16) & 255;
  rgb[1] = (p >> 8) & 255;
  rgb[2] = p & 255;
}

/* Is there a pixel of exactly this colour within radius of (x, y)? */
static gboolean
colour_near (cairo_surface_t *surface, int x, int y, int radius, int r, int g, int b)
{
  for (int dy = -radius; dy <= radius; dy++)
    for (int dx = -radius; dx <= radius; dx++)
      {
        int rgb[3];

        pixel (surface, x + dx, y + dy, rgb);
        if (rgb[0] == r && rgb[1] == g && rgb[2] == b)
          return TRUE;
      }
  return FALSE;
}

/* Pixels of exactly this colour in a rectangle. */
static int
count_colour (cairo_surface_t *surface, int x0, int y0, int w, int h, int r, int g, int b)
{
  int n = 0;

  for (int y = y0; y < y0 + h; y++)
    for (int x = x0; x < x0 + w; x++)
      {
        int rgb[3];

        pixel (surface, x, y, rgb);
        n += rgb[0] == r && rgb[1] == g && rgb[2] == b;
      }
  return n;
}

/* Columns (across) or rows (down) of the rectangle holding a pixel of
 * strong red: a line drawn in dashes leaves some without. */
static int
count_reddish (cairo_surface_t *surface, int x0, int y0, int w, int h, gboolean across)
{
  int n = 0;

  for (int a = 0; a < (across ? w : h); a++)
    {
      gboolean found = FALSE;

      for (int b = 0; b < (across ? h : w) && !found; b++)
        {
          int rgb[3];

          pixel (surface, across ? x0 + a : x0 + b, across ? y0 + b : y0 + a, rgb);
          found = rgb[0] > 170 && rgb[1] < 70 && rgb[2] < 70;
        }
      n += found;
    }
  return n;
}

static void
assert_pixel (cairo_surface_t *surface, int x, int y, int r, int g, int b, int tol)
{
  int rgb[3];

  pixel (surface, x, y, rgb);
  if (ABS (rgb[0] - r) > tol || ABS (rgb[1] - g) > tol || ABS (rgb[2] - b) > tol)
    g_error ("pixel (%d, %d) is (%d, %d, %d), want (%d, %d, %d) +- %d",
             x, y, rgb[0], rgb[1], rgb[2], r, g, b, tol);
}

/* ---- upsampling --------------------------------------------------------- */

static void
test_nearest_replicates (void)
{
  const float in[6] = { 1, 2, 3,
                        4, 5, 6 };
  float out[4 * 6];

  fathom_heatmap_upsample_plane (in, 3, 2, 6, 4, FATHOM_RESIZE_NEAREST, out);
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 6; x++)
      g_assert_cmpfloat (out[y * 6 + x], ==, in[(y / 2) * 3 + x / 2]);
}

static void
test_bilinear_half_pixel (void)
{
  /* sample points (d + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped
   * to 0, .25, .75, 1; v = fx * 1 + fy * 2 for this map */
  const float in[4] = { 0, 1,
                        2, 3 };
  const float want[16] = {
    0.00f, 0.25f, 0.75f, 1.00f,
    0.50f, 0.75f, 1.25f, 1.50f,
    1.50f, 1.75f, 2.25f, 2.50f,
    2.00f, 2.25f, 2.75f, 3.00f,
  };
  g_autoptr(FathomHeatmap) map = fathom_heatmap_new_from_data (1, 2, 2, in);
  float out[16];

  fathom_heatmap_upsample (map, 0, 4, 4, FATHOM_RESIZE_BILINEAR, out);
  for (int i = 0; i < 16; i++)
    g_assert_cmpfloat_with_epsilon (out[i], want[i], 1e-6);
}

static void
test_normalize (void)
{
  /* two classes of 1x2 cells */
  const float in[4] = { 0, 2,     /* class 0 */
                        1, 5 };   /* class 1 */
  g_autoptr(FathomHeatmap) map = fathom_heatmap_new_from_data (2, 1, 2, in);
  g_autoptr(FathomHeatmap) shared = fathom_heatmap_normalize (map, FATHOM_HEATMAP_NORM_MINMAX,
                                                              FATHOM_HEATMAP_SCALE_SHARED);
  g_autoptr(FathomHeatmap) per = fathom_heatmap_normalize (map, FATHOM_HEATMAP_NORM_MINMAX,
                                                           FATHOM_HEATMAP_SCALE_PER_MAP);
  g_autoptr(FathomHeatmap) sm = fathom_heatmap_normalize (map, FATHOM_HEATMAP_NORM_SOFTMAX,
                                                          FATHOM_HEATMAP_SCALE_SHARED);

  g_assert_cmpfloat_with_epsilon (shared->values[1], 0.4, 1e-6);
  g_assert_cmpfloat_with_epsilon (shared->values[2], 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (per->values[1], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (per->values[2], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (per->values[3], 1.0, 1e-6);
  /* softmax of (0, 1) and (2, 5) across the classes */
  g_assert_cmpfloat_with_epsilon (sm->values[0], 1 / (1 + exp (1.0)), 1e-6);
  g_assert_cmpfloat_with_epsilon (sm->values[1] + sm->values[3], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (sm->values[3], 1 / (1 + exp (-3.0)), 1e-6);
}

/* ---- colour ------------------------------------------------------------- */

static void
test_cool_colormap (void)
{
  const double t[3] = { 0.0, 0.5, 1.0 };
  const double want[3][3] = { { 0, 1, 1 }, { 0.5, 0.5, 1 }, { 1, 0, 1 } };
  const guint8 *lut = fathom_colormap_lut (FATHOM_COLORMAP_COOL);
  const guint8 *viridis = fathom_colormap_lut (FATHOM_COLORMAP_VIRIDIS);
  const guint8 *inferno = fathom_colormap_lut (FATHOM_COLORMAP_INFERNO);
  FathomColormap map;

  for (int i = 0; i < 3; i++)
    {
      double rgb[3];

      fathom_colormap_eval (FATHOM_COLORMAP_COOL, t[i], rgb);
      for (int c = 0; c < 3; c++)
        g_assert_cmpfloat_with_epsilon (rgb[c], want[i][c], 1e-9);
    }
  g_assert_cmpint (lut[0], ==, 0);
  g_assert_cmpint (lut[1], ==, 255);
  g_assert_cmpint (lut[3 * 128 + 0], ==, 128);
  g_assert_cmpint (lut[3 * 128 + 1], ==, 127);
  g_assert_cmpint (lut[3 * 255 + 1], ==, 0);
  /* matplotlib's first and last listed colours, #440154 .. #fde725 and
   * #000004 .. #fcffa4 */
  g_assert_cmpmem (viridis, 3, "\x44\x01\x54", 3);
  g_assert_cmpmem (viridis + 3 * 255, 3, "\xfd\xe7\x25", 3);
  g_assert_cmpmem (inferno, 3, "\x00\x00\x04", 3);
  g_assert_cmpmem (inferno + 3 * 255, 3, "\xfc\xff\xa4", 3);
  g_assert_true (fathom_colormap_from_name ("gray", &map));
  g_assert_cmpint (map, ==, FATHOM_COLORMAP_GREY);
  g_assert_cmpstr (fathom_colormap_name (FATHOM_COLORMAP_COOL), ==, "cool");
}

static void
test_threshold (void)
{
  const float values[4] = { 0.1f, 0.6f, 0.4f, 0.9f };
  const guint8 *lut = fathom_colormap_lut (FATHOM_COLORMAP_COOL);
  guint32 argb[4];

  fathom_heatmap_colorize (values, 4, 1, FATHOM_COLORMAP_COOL, 0.5, (guint8 *) argb, 16);
  g_assert_cmphex (argb[0], ==, 0);
  g_assert_cmphex (argb[2], ==, 0);
  for (int i = 1; i < 4; i += 2)
    {
      const guint8 *c = lut + 3 * (int) (values[i] * 255 + 0.5f);

      g_assert_cmphex (argb[i], ==, 0xff000000u | c[0] << 16 | c[1] << 8 | c[2]);
    }

  /* through the whole path: a 2x2 map, the low cells transparent */
  {
    const float cells[4] = { 0, 10, 2, 8 };
    g_autoptr(FathomHeatmap) map = fathom_heatmap_new_from_data (1, 2, 2, cells);
    FathomHeatmapStyle style;
    cairo_surface_t *s;

    fathom_heatmap_style_init (&style);
    style.threshold = 0.5;
    s = fathom_heatmap_render (map, 0, &style, 4, 4);
    for (int y = 0; y < 4; y++)
      for (int x = 0; x < 4; x++)
        {
          guint32 p = ((guint32 *) (gpointer) (cairo_image_surface_get_data (s) +
                                              y * cairo_image_surface_get_stride (s)))[x];
          gboolean hot = x >= 2;      /* the cells 10 and 8 */

          g_assert_cmpuint (p >> 24, ==, hot ? 255 : 0);
        }
    cairo_surface_destroy (s);
  }
}

/* ---- cells and metrics -------------------------------------------------- */

static void
test_pointing (void)
{
  g_autoptr(FathomHeatmap) map = fathom_heatmap_new (2, 5, 5);
  FathomBox in = { 300, 100, 100, 100 }, out = { 0, 300, 200, 200 };
  int cx, cy;

  map->values[1 * 5 + 3] = 4.f;               /* class 0, row 1, col 3 */
  map->values[25 + 4 * 5 + 0] = 2.f;          /* class 1, row 4, col 0 */
  fathom_heatmap_argmax (map, 0, &cx, &cy);
  g_assert_cmpint (cx, ==, 3);
  g_assert_cmpint (cy, ==, 1);
  /* the centre of cell (3, 1) on a 500x500 photo is (350, 150); on a map
   * this small the located cell is the largest difference itself */
  fathom_heatmap_locate (map, 0, 1, &cx, &cy);
  g_assert_cmpint (cx, ==, 3);
  g_assert_cmpint (cy, ==, 1);
  g_assert_true (fathom_heatmap_pointing (map, 0, 1, 500, 500, &in));
  g_assert_false (fathom_heatmap_pointing (map, 0, 1, 500, 500, &out));
  g_assert_true (fathom_heatmap_pointing (map, 1, -1, 500, 500, &out));
  g_assert_false (fathom_heatmap_pointing (map, 1, -1, 500, 500, &in));
}

/* The shared part of the maps (high for the fish and for no fish alike,
 * on a deck's gear) does not pull the located point off the fish. */
static void
test_pointing_against_nof (void)
{
  /* 40 cells wide, as on a 176x320 input: 5x5-cell windows; 10 px cells */
  g_autoptr(FathomHeatmap) map = fathom_heatmap_new (2, 10, 40);
  FathomBox fish = { 0, 0, 40, 40 }, gear = { 260, 60, 40, 40 };
  int cx, cy;

  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++)
      {
        map->values[r * 40 + c] = 3.f;                          /* class 0: the fish */
        map->values[(r + 6) * 40 + c + 26] = 5.f;               /* and the gear */
        map->values[400 + (r + 6) * 40 + c + 26] = 5.f;         /* NoF: the gear */
      }
  fathom_heatmap_argmax (map, 0, &cx, &cy);
  g_assert_cmpint (cx, ==, 26);
  g_assert_cmpint (cy, ==, 6);
  g_assert_true (fathom_heatmap_pointing (map, 0, 1, 400, 100, &fish));
  g_assert_false (fathom_heatmap_pointing (map, 0, 1, 400, 100, &gear));
}

/* The overlay rings the located point, not the map's own peak. */
static void
test_overlay_rings_located (void)
{
  g_autoptr(FathomHeatmap) map = fathom_heatmap_new (2, 10, 40);
  FathomImage *photo = fathom_image_new (400, 100);
  const char *names[] = { "ALB", "NoF", NULL };
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 400, 100);
  cairo_t *cr = cairo_create (s);
  FathomOverlayScene scene;
  FathomViewTransform view;

  memset (photo->pixels, 128, 400 * 100 * 3);
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++)
      {
        map->values[(r + 2) * 40 + c + 2] = 3.f;              /* ALB: the fish, cells (2..5, 2..5) */
        map->values[(r + 6) * 40 + c + 26] = 5.f;             /* and the gear */
        map->values[400 + (r + 6) * 40 + c + 26] = 5.f;       /* NoF: the gear */
      }
  fathom_overlay_scene_init (&scene);
  scene.image = photo;
  scene.heatmap = map;
  scene.class_names = names;
  scene.heatmap_class = 0;
  scene.style.opacity = 0;                                      /* the ring alone */
  scene.layers = FATHOM_OVERLAY_PHOTO | FATHOM_OVERLAY_HEATMAP;
  fathom_view_transform_fit (&view, 400, 100, 400, 100, 0);
  fathom_overlay_render (cr, &scene, &view, 400, 100);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  /* the fish's first window holding all of it: cell (3, 3), centre (35, 35),
   * ringed 4 px out in near-white over a dark halo, hollow */
  {
    int bright = 0, rgb[3];

    for (int y = 28; y < 43; y++)
      for (int x = 28; x < 43; x++)
        {
          pixel (s, x, y, rgb);
          bright += rgb[0] > 230 && rgb[1] > 230 && rgb[2] > 230;
        }
    g_assert_cmpint (bright, >=, 16);
    assert_pixel (s, 35, 35, 128, 128, 128, 0);
  }
  /* nothing at the gear, where the map itself peaks */
  g_assert_cmpint (count_colour (s, 255, 55, 20, 20, 128, 128, 128), ==, 400);
  cairo_surface_destroy (s);
  fathom_image_free (photo);
}

static void
test_in_box_share (void)
{
  const float cells[4] = { 1, 3,
                           0, -2 };
  g_autoptr(FathomHeatmap) map = fathom_heatmap_new_from_data (1, 2, 2, cells);
  g_autoptr(FathomHeatmap) negative = fathom_heatmap_new (1, 2, 2);
  FathomBox half_top = { 50, 0, 100, 100 };   /* half of each top cell */
  FathomBox right = { 100, 0, 100, 200 };     /* the whole right column */
  FathomBox none = { 0, 100, 100, 100 };      /* the zero cell only */

  /* positive mass 4: inside 0.5 * 1 + 0.5 * 3 = 2 */
  g_assert_cmpfloat_with_epsilon (fathom_heatmap_in_box_share (map, 0, 200, 200, &half_top),
                                  0.5, 1e-9);
  /* 3 of 4; the negative cell adds nothing */
  g_assert_cmpfloat_with_epsilon (fathom_heatmap_in_box_share (map, 0, 200, 200, &right),
                                  0.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (fathom_heatmap_in_box_share (map, 0, 200, 200, &none),
                                  0.0, 1e-9);
  negative->values[0] = -1.f;
  g_assert_true (isnan (fathom_heatmap_in_box_share (negative, 0, 200, 200, &right)));
}

static void
test_cell_lookup (void)
{
  g_autoptr(FathomHeatmap) g = fathom_heatmap_new (8, 22, 40);
  g_autoptr(FathomHeatmap) f = fathom_heatmap_new (8, 5, 5);
  int cx, cy;

  g_assert_true (fathom_heatmap_cell_at (g, 1280, 720, 0, 0, &cx, &cy));
  g_assert_cmpint (cx, ==, 0);
  g_assert_cmpint (cy, ==, 0);
  g_assert_true (fathom_heatmap_cell_at (g, 1280, 720, 1279.5, 719.5, &cx, &cy));
  g_assert_cmpint (cx, ==, 39);
  g_assert_cmpint (cy, ==, 21);
  g_assert_true (fathom_heatmap_cell_at (g, 1280, 720, 1280, 720, &cx, &cy));
  g_assert_cmpint (cx, ==, 39);
  g_assert_cmpint (cy, ==, 21);
  g_assert_true (fathom_heatmap_cell_at (g, 1280, 720, 640, 360, &cx, &cy));
  g_assert_cmpint (cx, ==, 20);
  g_assert_cmpint (cy, ==, 11);
  /* 32 px per column: 31.9 is still column 0, 32 is column 1 */
  g_assert_true (fathom_heatmap_cell_at (g, 1280, 720, 31.9, 0, &cx, &cy));
  g_assert_cmpint (cx, ==, 0);
  g_assert_true (fathom_heatmap_cell_at (g, 1280, 720, 32, 0, &cx, &cy));
  g_assert_cmpint (cx, ==, 1);
  g_assert_true (fathom_heatmap_cell_at (f, 1280, 720, 640, 360, &cx, &cy));
  g_assert_cmpint (cx, ==, 2);
  g_assert_cmpint (cy, ==, 2);
  g_assert_false (fathom_heatmap_cell_at (g, 1280, 720, -1, 5, &cx, &cy));
  g_assert_false (fathom_heatmap_cell_at (g, 1280, 720, 5, 721, &cx, &cy));
}

/* ---- the overlay render ------------------------------------------------- */

/* A 320x240 grey photo, class 2 hot in the top-right cell of a 4x4 map,
 * true box (20, 140, 100, 80), predicted (180, 120, 100, 90). */
typedef struct {
  FathomImage        *image;
  FathomHeatmap      *map;
  FathomOverlayScene  scene;
} Fixture;

static void
fixture_init (Fixture *fx)
{
  fx->image = fathom_image_new (320, 240);
  memset (fx->image->pixels, 128, 320 * 240 * 3);
  fx->map = fathom_heatmap_new (8, 4, 4);
  fx->map->values[2 * 16 + 0 * 4 + 3] = 10.f;
  fathom_overlay_scene_init (&fx->scene);
  fx->scene.image = fx->image;
  fx->scene.heatmap = fx->map;
  fx->scene.class_names = fish_classes;
  fx->scene.heatmap_class = 2;
  fx->scene.style.threshold = 0.5;
  fx->scene.has_true_box = TRUE;
  fx->scene.true_box = (FathomBox) { 20, 140, 100, 80 };
  fx->scene.true_label = "DOL";
  fx->scene.has_pred_box = TRUE;
  fx->scene.pred_box = (FathomBox) { 180, 120, 100, 90 };
  fx->scene.pred_label = "DOL";
  fx->scene.pred_prob = 0.93;
}

static void
fixture_clear (Fixture *fx)
{
  fathom_image_free (fx->image);
  fathom_heatmap_free (fx->map);
}

static void
check_overlay_pixels (cairo_surface_t *s)
{
  /* the box edges in the lesson's colours */
  g_assert_true (colour_near (s, 20, 180, 1, 255, 0, 0));       /* true, left edge */
  g_assert_true (colour_near (s, 70, 220, 1, 255, 0, 0));       /* true, bottom edge */
  g_assert_true (colour_near (s, 230, 120, 1, 255, 255, 0));    /* pred, top edge */
  g_assert_true (colour_near (s, 280, 160, 1, 255, 255, 0));    /* pred, right edge */
  /* the hot cell (x 240..320, y 0..60): cool's magenta at 0.5 over grey */
  assert_pixel (s, 280, 30, 192, 64, 192, 2);
  assert_pixel (s, 300, 10, 192, 64, 192, 2);
  /* everywhere else the map is 0, below the threshold: the bare photo */
  assert_pixel (s, 200, 30, 128, 128, 128, 0);
  assert_pixel (s, 100, 100, 128, 128, 128, 0);
  assert_pixel (s, 70, 180, 128, 128, 128, 0);
}

static void
test_overlay_render (void)
{
  Fixture fx;
  FathomViewTransform view;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 320, 240);
  cairo_t *cr = cairo_create (s);
  g_autofree char *dir = g_dir_make_tmp ("fathom-heatmap-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "overlay.png", NULL);
  g_autofree char *grid_path = g_build_filename (dir, "grid.png", NULL);
  g_autoptr(GError) error = NULL;
  cairo_surface_t *back;

  fixture_init (&fx);
  fathom_view_transform_fit (&view, 320, 240, 320, 240, 0);
  g_assert_cmpfloat (view.scale, ==, 1.0);
  g_assert_cmpfloat (view.x0, ==, 0.0);

  /* labels and legend off: they would cover the pixels looked at */
  fx.scene.layers = FATHOM_OVERLAY_ALL & ~(FATHOM_OVERLAY_LABELS | FATHOM_OVERLAY_METRICS);
  fathom_overlay_render (cr, &fx.scene, &view, 320, 240);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  check_overlay_pixels (s);

  /* hovering over the hot cell outlines it (x 240..320, y 0..60) in white
   * and tags it with its row, column and raw value */
  cr = cairo_create (s);
  fathom_overlay_draw_hover (cr, &fx.scene, &view, 280, 30, 320, 240);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  g_assert_true (colour_near (s, 240, 20, 1, 255, 255, 255));
  g_assert_true (colour_near (s, 280, 60, 1, 255, 255, 255));
  g_assert_cmpint (count_colour (s, 0, 44, 320, 20, 255, 255, 255), >, 60);
  cairo_surface_destroy (s);

  /* the PNG export draws the same picture */
  g_assert_true (fathom_overlay_export_png (&fx.scene, 0, path, &error));
  g_assert_no_error (error);
  back = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (back), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (back), ==, 320);
  g_assert_cmpint (cairo_image_surface_get_height (back), ==, 240);
  check_overlay_pixels (back);
  cairo_surface_destroy (back);

  /* labels drawn: the yellow tag under the predicted box (pushed left
   * to stay inside the picture) */
  fx.scene.layers = FATHOM_OVERLAY_ALL;
  g_assert_true (fathom_overlay_export_png (&fx.scene, 0, path, &error));
  back = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (count_colour (back, 130, 214, 185, 15, 255, 255, 0), >, 800);
  /* the legend in a strip below the photo: the photo's pixels are the
   * picture without it (over it, it took the top-right corner the boxes
   * leave free, and with it the hot cell), and the strip holds its text */
  g_assert_cmpint (cairo_image_surface_get_width (back), ==, 320);
  g_assert_cmpint (cairo_image_surface_get_height (back), >, 240 + 40);
  assert_pixel (back, 280, 30, 192, 64, 192, 2);
  {
    cairo_surface_t *bare = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 320, 240);
    FathomOverlayScene no_legend = fx.scene;
    int differ = 0;

    no_legend.layers &= ~FATHOM_OVERLAY_METRICS;
    cr = cairo_create (bare);
    cairo_set_source_rgb (cr, 0, 0, 0);
    cairo_paint (cr);
    fathom_overlay_render (cr, &no_legend, &view, 320, 240);
    cairo_destroy (cr);
    cairo_surface_flush (bare);
    for (int y = 0; y < 240; y++)
      for (int x = 0; x < 320; x++)
        {
          int a[3], b[3];

          pixel (back, x, y, a);
          pixel (bare, x, y, b);
          differ += a[0] != b[0] || a[1] != b[1] || a[2] != b[2];
        }
    g_assert_cmpint (differ, ==, 0);
    cairo_surface_destroy (bare);
  }
  g_assert_cmpint (count_colour (back, 0, 240, 320, cairo_image_surface_get_height (back) - 240,
                                 255, 255, 255), >, 100);
  cairo_surface_destroy (back);

  /* the photo's other marked boxes: thin and dashed in red, with the
   * true box's layer only */
  {
    const FathomBox other = { 150, 20, 60, 50 };
    cairo_surface_t *with = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 320, 240);
    int red_top, red_left;

    fx.scene.other_boxes = &other;
    fx.scene.n_other_boxes = 1;
    fx.scene.layers = FATHOM_OVERLAY_PHOTO | FATHOM_OVERLAY_TRUE_BOX;
    cr = cairo_create (with);
    fathom_overlay_render (cr, &fx.scene, &view, 320, 240);
    cairo_destroy (cr);
    cairo_surface_flush (with);
    /* along the top edge (y 20) and the left (x 150), red then gaps */
    red_top = count_reddish (with, 152, 18, 56, 5, TRUE);
    red_left = count_reddish (with, 148, 22, 5, 46, FALSE);
    g_assert_cmpint (red_top, >, 20);
    g_assert_cmpint (red_top, <, 48);
    g_assert_cmpint (red_left, >, 15);
    g_assert_cmpint (red_left, <, 40);
    /* inside it, the photo */
    assert_pixel (with, 180, 45, 128, 128, 128, 0);

    fx.scene.layers = FATHOM_OVERLAY_PHOTO;
    cr = cairo_create (with);
    fathom_overlay_render (cr, &fx.scene, &view, 320, 240);
    cairo_destroy (cr);
    cairo_surface_flush (with);
    g_assert_cmpint (count_reddish (with, 140, 10, 80, 70, TRUE), ==, 0);
    cairo_surface_destroy (with);
    fx.scene.other_boxes = NULL;
    fx.scene.n_other_boxes = 0;
  }

  /* the grid: the height it announces, the hot class's tile tinted */
  g_assert_true (fathom_overlay_export_grid_png (&fx.scene, 4, 640, grid_path, &error));
  g_assert_no_error (error);
  back = cairo_image_surface_create_from_png (grid_path);
  g_assert_cmpint (cairo_image_surface_get_width (back), ==, 640);
  g_assert_cmpint (cairo_image_surface_get_height (back), ==,
                   (int) ceil (fathom_overlay_grid_height (&fx.scene, 4, 640)));
  cairo_surface_destroy (back);
  /* more columns than maps: one row of the eight, no empty columns */
  g_assert_cmpfloat (fathom_overlay_grid_height (&fx.scene, 100, 640), ==,
                     fathom_overlay_grid_height (&fx.scene, 8, 640));
  g_assert_cmpfloat (fathom_overlay_grid_height (&fx.scene, 8, 640), <,
                     fathom_overlay_grid_height (&fx.scene, 4, 640));

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_unlink (grid_path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  fixture_clear (&fx);
}

static void
test_box_iou (void)
{
  FathomBox a = { 0, 0, 10, 10 }, b = { 5, 0, 10, 10 }, c = { 20, 20, 5, 5 };

  g_assert_cmpfloat_with_epsilon (fathom_overlay_box_iou (&a, &b), 50.0 / 150.0, 1e-12);
  g_assert_cmpfloat (fathom_overlay_box_iou (&a, &c), ==, 0.0);
  g_assert_cmpfloat (fathom_overlay_box_iou (&a, &a), ==, 1.0);
}

static void
test_box_from_model (void)
{
  /* a fish on a 1280x720 photo, to the 224x224 [h, w, x, y] of model D
   * and back */
  FathomBox fish = { 300, 200, 400, 150 }, back;
  float hwxy[4];

  fathom_box_scale (&fish, 1280, 720, 224, 224, hwxy);
  g_assert_cmpfloat_with_epsilon (hwxy[0], 150 * 224 / 720.0, 1e-4);
  g_assert_cmpfloat_with_epsilon (hwxy[2], 300 * 224 / 1280.0, 1e-4);
  fathom_overlay_box_from_model (hwxy, 224, 224, 1280, 720, &back);
  g_assert_cmpfloat_with_epsilon (back.x, 300, 1e-3);
  g_assert_cmpfloat_with_epsilon (back.y, 200, 1e-3);
  g_assert_cmpfloat_with_epsilon (back.width, 400, 1e-3);
  g_assert_cmpfloat_with_epsilon (back.height, 150, 1e-3);
}

/* ---- samples to look at ------------------------------------------------- */

/* A deck seen from the boat's fixed camera: planks in a cool gradient, a
 * blue tarp, a rope, and a tuna lying across them. */
static FathomImage *
sample_photo (int w, int h, FathomBox *fish)
{
  FathomImage *img = fathom_image_new (w, h);
  int x0 = w, y0 = h, x1 = 0, y1 = 0;
  const double cx = 0.59 * w, cy = 0.6 * h, a = 0.165 * w, b = 0.075 * w;
  const double ang = -0.26, ca = cos (ang), sa = sin (ang);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->pixels + 3 * ((gsize) y * w + x);
        double t = (double) y / h, plank = fmod (y + 0.08 * x, 0.12 * h) / (0.12 * h);
        double grain = 6 * sin (x * 0.05 + y * 0.013) + 4 * sin (x * 0.31 + y * 0.7);
        double r = 70 + 70 * t + grain, g = 84 + 60 * t + grain, bl = 92 + 44 * t + grain;
        double u = ((x - cx) * ca + (y - cy) * sa) / a;
        double v = (-(x - cx) * sa + (y - cy) * ca) / b;

        if (plank < 0.06)                       /* the gaps between planks */
          r *= 0.55, g *= 0.55, bl *= 0.55;
        if (x < 0.28 * w && y < 0.36 * h)       /* a tarp */
          r = 28 + grain, g = 70 + grain, bl = 150 + 2 * grain;
        if (fabs (y - (0.18 * h + 0.25 * x)) < 0.008 * h + 2)   /* a rope */
          r = 196, g = 170, bl = 110;
        if (u * u + v * v < 1 ||                /* body, then tail fin */
            (u < -0.95 && u > -1.35 && fabs (v) < (-0.95 - u) * 2.4))
          {
            double back = CLAMP (0.5 - 0.5 * v, 0, 1);   /* dark back, silver belly */

            x0 = MIN (x0, x);
            y0 = MIN (y0, y);
            x1 = MAX (x1, x + 1);
            y1 = MAX (y1, y + 1);

            r = 200 - 140 * back + grain;
            g = 205 - 120 * back + grain;
            bl = 212 - 80 * back + grain;
            if (u > 0.62 && u < 0.75 && v > -0.45 && v < -0.2)
              r = g = bl = 20;                  /* the eye */
          }
        p[0] = (guint8) CLAMP (r, 0, 255);
        p[1] = (guint8) CLAMP (g, 0, 255);
        p[2] = (guint8) CLAMP (bl, 0, 255);
      }
  /* the fish's extent, tail included, as an annotator would draw it */
  *fish = (FathomBox) { x0 - 4, y0 - 4, x1 - x0 + 8, y1 - y0 + 8 };
  return img;
}

/* Class maps as the lesson's FCNs give them: ALB peaks on the fish,
 * NoF on the tarp and the rope (boat parts), the rest low noise. */
static FathomHeatmap *
sample_map (int mh, int mw, const FathomBox *fish, int w, int h)
{
  FathomHeatmap *map = fathom_heatmap_new (8, mh, mw);
  double fx = (fish->x + fish->width * 0.55) / w, fy = (fish->y + fish->height * 0.5) / h;

  for (int k = 0; k < 8; k++)
    for (int y = 0; y < mh; y++)
      for (int x = 0; x < mw; x++)
        {
          double u = (x + 0.5) / mw, v = (y + 0.5) / mh;
          double d2 = (u - fx) * (u - fx) / 0.02 + (v - fy) * (v - fy) / 0.03;
          double noise = 0.4 * sin (13 * u + 7 * k) * cos (11 * v + 3 * k);
          double val = -1.5 + noise;

          if (k == 0)
            val = 6 * exp (-d2 * 1.6) - 1.2 + noise;
          else if (k == 7)       /* YFT: the runner-up, on the fish too */
            val = 3 * exp (-d2 * 2.5) - 1.5 + noise;
          else if (k == 4)
            val = 3.2 * exp (-((u - 0.12) * (u - 0.12) + (v - 0.16) * (v - 0.16)) / 0.02) - 1 + noise;
          map->values[((gsize) k * mh + y) * mw + x] = (float) val;
        }
  return map;
}

/* One panel of the sample sheet: the scene drawn into a sub-rectangle. */
static void
sample_panel (cairo_t *cr, FathomOverlayScene *scene, double x, double y, double w, double h,
              const char *title)
{
  FathomViewTransform view;
  const double white[3] = { 1, 1, 1 };
  cairo_text_extents_t ext;

  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  fathom_view_transform_fit (&view, scene->image->width, scene->image->height, w, h, 0);
  fathom_overlay_render (cr, scene, &view, w, h);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 15);
  cairo_text_extents (cr, title, &ext);
  cairo_rectangle (cr, w - ext.x_advance - 26, 10, ext.x_advance + 16, 26);
  cairo_set_source_rgba (cr, 0.08, 0.08, 0.1, 0.72);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, white[0], white[1], white[2]);
  cairo_move_to (cr, w - ext.x_advance - 18, 28);
  cairo_show_text (cr, title);
  cairo_restore (cr);
}

static void
test_samples (void)
{
  const char *dir = g_getenv ("FATHOM_RENDER_SAMPLES");
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomImage) photo = NULL;
  g_autoptr(FathomHeatmap) f_map = NULL, g_map = NULL;
  g_autofree char *sheet_path = NULL, *grid_path = NULL;
  FathomOverlayScene scene;
  FathomBox fish;
  cairo_surface_t *sheet;
  cairo_t *cr;

  if (dir == NULL)
    {
      g_test_skip ("set FATHOM_RENDER_SAMPLES=DIR to write the sample renders");
      return;
    }
  photo = sample_photo (1280, 720, &fish);
  f_map = sample_map (5, 5, &fish, 1280, 720);
  g_map = sample_map (22, 40, &fish, 1280, 720);

  fathom_overlay_scene_init (&scene);
  scene.image = photo;
  scene.class_names = fish_classes;
  scene.heatmap_class = 0;
  scene.has_true_box = TRUE;
  scene.true_box = fish;
  scene.true_label = "ALB";
  scene.has_pred_box = TRUE;
  scene.pred_box = (FathomBox) { fish.x + 34, fish.y + 22, fish.width * 0.93, fish.height * 0.9 };
  scene.pred_label = "ALB";
  scene.pred_prob = 0.93;

  /* 2x2 sheet: F's 5x5 and G's 22x40, nearest and bilinear */
  sheet = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1280, 720);
  cr = cairo_create (sheet);
  for (int i = 0; i < 4; i++)
    {
      char title[64];

      scene.heatmap = i < 2 ? f_map : g_map;
      scene.style.interpolation = i % 2 ? FATHOM_RESIZE_BILINEAR : FATHOM_RESIZE_NEAREST;
      /* the last panel shows the threshold: cold cells let the deck through */
      scene.style.threshold = i == 3 ? 0.35 : 0.0;
      g_snprintf (title, sizeof title, "%s %dx%d, %s%s", i < 2 ? "F" : "G",
                  scene.heatmap->height, scene.heatmap->width,
                  i % 2 ? "bilinear" : "nearest", i == 3 ? ", threshold 0.35" : "");
      sample_panel (cr, &scene, (i % 2) * 640, (i / 2) * 360, 640, 360, title);
    }
  cairo_destroy (cr);
  sheet_path = g_build_filename (dir, "overlay-sample.png", NULL);
  g_assert_cmpint (cairo_surface_write_to_png (sheet, sheet_path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (sheet);

  /* zoomed in on the fish, hovering over a cell of G's map */
  {
    FathomViewTransform view;
    g_autofree char *hover_path = g_build_filename (dir, "overlay-hover-sample.png", NULL);

    scene.heatmap = g_map;
    scene.style.interpolation = FATHOM_RESIZE_NEAREST;
    scene.style.threshold = 0.0;
    sheet = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 800, 500);
    cr = cairo_create (sheet);
    cairo_set_source_rgb (cr, 0.14, 0.14, 0.15);
    cairo_paint (cr);
    fathom_view_transform_fit (&view, 1280, 720, 800, 500, 0);
    fathom_view_transform_zoom_at (&view, 2.0, 400 + 0.1 * 800, 250 + 0.1 * 500);
    fathom_overlay_render (cr, &scene, &view, 800, 500);
    fathom_overlay_draw_hover (cr, &scene, &view, 470, 300, 800, 500);
    cairo_destroy (cr);
    g_assert_cmpint (cairo_surface_write_to_png (sheet, hover_path), ==, CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy (sheet);
  }

  /* G's maps, bilinear, all eight */
  scene.heatmap = g_map;
  scene.style.interpolation = FATHOM_RESIZE_BILINEAR;
  scene.style.threshold = 0.0;
  grid_path = g_build_filename (dir, "heatmap-grid-sample.png", NULL);
  g_assert_true (fathom_overlay_export_grid_png (&scene, 4, 1280, grid_path, &error));
  g_assert_no_error (error);
  scene.style.scale = FATHOM_HEATMAP_SCALE_PER_MAP;
  g_free (grid_path);
  grid_path = g_build_filename (dir, "heatmap-grid-sample-per-map.png", NULL);
  g_assert_true (fathom_overlay_export_grid_png (&scene, 4, 1280, grid_path, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/heatmap/nearest-replicates", test_nearest_replicates);
  g_test_add_func ("/heatmap/bilinear-half-pixel", test_bilinear_half_pixel);
  g_test_add_func ("/heatmap/normalize", test_normalize);
  g_test_add_func ("/heatmap/cool-colormap", test_cool_colormap);
  g_test_add_func ("/heatmap/threshold", test_threshold);
  g_test_add_func ("/heatmap/pointing", test_pointing);
  g_test_add_func ("/heatmap/pointing-against-nof", test_pointing_against_nof);
  g_test_add_func ("/heatmap/overlay-rings-located", test_overlay_rings_located);
  g_test_add_func ("/heatmap/in-box-share", test_in_box_share);
  g_test_add_func ("/heatmap/cell-lookup", test_cell_lookup);
  g_test_add_func ("/heatmap/box-iou", test_box_iou);
  g_test_add_func ("/heatmap/box-from-model", test_box_from_model);
  g_test_add_func ("/heatmap/overlay-render", test_overlay_render);
  g_test_add_func ("/heatmap/samples", test_samples);
  return g_test_run ();
}
