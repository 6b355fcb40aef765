/* fathom-fishsim-photo.c: one photo of the synthetic fisheries set: the
 * boat's deck, loose gear, the fish laid out so that the dominant one is the
 * largest, sometimes crew or gear over them, the light of the day or an
 * infrared night shot, and sensor noise.
 */
#include "fathom-fishsim-private.h"

#include <math.h>
#include <string.h>

static double
uni (FathomRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * fathom_rng_uniform (rng);
}

static const FishKind class_kind[FISHSIM_N_CLASSES] = {
  [FISHSIM_ALB] = FISH_ALBACORE,
  [FISHSIM_BET] = FISH_BIGEYE,
  [FISHSIM_DOL] = FISH_DOLPHIN,
  [FISHSIM_LAG] = FISH_OPAH,
  [FISHSIM_NOF] = FISH_N_KINDS,
  [FISHSIM_OTHER] = FISH_FLAT,
  [FISHSIM_SHARK] = FISH_SHARK,
  [FISHSIM_YFT] = FISH_YELLOWFIN,
};

/* Second fish are mostly more of the same catch, otherwise a fish class
 * drawn by its real frequency (NoF's share goes to the others). */
static FishsimClass
second_species (FishsimClass dominant, FathomRng *rng)
{
  static const int counts[FISHSIM_N_CLASSES] = { 1719, 200, 117, 67, 0, 299, 176, 734 };
  guint64 r;

  if (fathom_rng_uniform (rng) < 0.75)
    return dominant;
  r = fathom_rng_below (rng, 3312);
  for (int c = 0; c < FISHSIM_N_CLASSES; c++)
    {
      if (r < (guint64) counts[c])
        return (FishsimClass) c;
      r -= counts[c];
    }
  return FISHSIM_ALB;
}

static double
box_area (const FishsimBox *b)
{
  return MAX (0.0, b->x1 - b->x0) * MAX (0.0, b->y1 - b->y0);
}

static double
overlap (const FishsimBox *a, const FishsimBox *b)
{
  FishsimBox i = { MAX (a->x0, b->x0), MAX (a->y0, b->y0), MIN (a->x1, b->x1), MIN (a->y1, b->y1) };

  return box_area (&i);
}

/* Measures the fish where it stands; the box is clipped to the image and
 * rounded outwards. Returns the visible fraction of its full box. */
static double
measure (cairo_t *cr, const FishsimBoat *boat, FishsimFish *f)
{
  FishsimBox full;

  fishsim_draw_fish (cr, f, TRUE);
  full = f->box;
  f->full_area = box_area (&full);
  f->box.x0 = floor (CLAMP (full.x0, 0, boat->width));
  f->box.y0 = floor (CLAMP (full.y0, 0, boat->height));
  f->box.x1 = ceil (CLAMP (full.x1, 0, boat->width));
  f->box.y1 = ceil (CLAMP (full.y1, 0, boat->height));
  f->truncated = full.x0 < 0 || full.y0 < 0 || full.x1 > boat->width || full.y1 > boat->height;
  return f->full_area > 0 ? MIN (1.0, box_area (&f->box) / f->full_area) : 0.0;
}

static void
place (const FishsimBoat *boat, FishsimFish *f, gboolean at_edge, FathomRng *rng)
{
  const double *o = boat->open;

  f->angle = uni (rng, 0, 2 * G_PI);
  if (!at_edge)
    {
      /* keep clear of the rail: the free deck less most of a body */
      double mx = MIN (0.3 * f->length, 0.45 * (o[2] - o[0]));
      double my = MIN (0.2 * f->length, 0.45 * (o[3] - o[1]));

      f->cx = uni (rng, o[0] + mx, o[2] - mx);
      f->cy = uni (rng, o[1] + my, o[3] - my);
      return;
    }
  /* hanging over a side of the frame, by up to about a third */
  switch (fathom_rng_below (rng, 4))
    {
    case 0:
      f->cx = uni (rng, 0, boat->width0), f->cy = uni (rng, 0.12, 0.3) * f->length;
      break;
    case 1:
      f->cx = uni (rng, 0, boat->width0), f->cy = boat->height0 - uni (rng, 0.12, 0.3) * f->length;
      break;
    case 2:
      f->cx = uni (rng, 0.12, 0.3) * f->length, f->cy = uni (rng, 0, boat->height0);
      break;
    default:
      f->cx = boat->width0 - uni (rng, 0.12, 0.3) * f->length, f->cy = uni (rng, 0, boat->height0);
      break;
    }
}

static void
new_fish (FishsimFish *f, FishsimClass species, double length, FathomRng *rng)
{
  memset (f, 0, sizeof *f);
  f->species = species;
  f->kind = class_kind[species];
  if (species == FISHSIM_OTHER)
    f->kind = (FishKind) (FISH_FLAT + fathom_rng_below (rng, 3));
  /* round fish are as long as they are tall: shorter for the same bulk */
  f->length = length * (fishsim_fish_aspect (f->kind) < 2.0 ? 0.72 : 1.0);
  f->mirror = fathom_rng_below (rng, 2);
  f->tone = uni (rng, -1, 1);
  f->variant = (guint32) fathom_rng_next_u64 (rng);
}

static guint
layout_fish (cairo_t *cr, const FishsimBoat *boat, FishsimClass cls, FishsimFish *fish, FathomRng *rng)
{
  double r = fathom_rng_uniform (rng);
  guint extra = r < 0.65 ? 0 : r < 0.90 ? 1 : r < 0.98 ? 2 : 3;
  gboolean at_edge = fathom_rng_uniform (rng) < 0.15;
  double length = uni (rng, 0.15, 0.45) * boat->width0, dom_area;
  guint n = 1;

  new_fish (&fish[0], cls, length, rng);
  /* whole and on the deck, or visibly cut by the frame */
  for (int tries = 0;; tries++)
    {
      double visible;

      place (boat, &fish[0], at_edge, rng);
      visible = measure (cr, boat, &fish[0]);
      if (at_edge ? visible >= 0.6 && visible <= 0.9 : visible >= 0.999)
        break;
      if (tries >= 30 && visible >= 0.6)
        break;
      if (tries >= 60)
        {
          /* a fish no longer than half the width fits in the middle, level */
          fish[0].cx = boat->width0 / 2.0, fish[0].cy = boat->height0 / 2.0, fish[0].angle = 0;
          measure (cr, boat, &fish[0]);
          break;
        }
    }
  dom_area = box_area (&fish[0].box);

  for (guint i = 0; i < extra; i++)
    {
      FishsimFish *f = &fish[n];
      gboolean ok = FALSE;

      new_fish (f, second_species (cls, rng), length * uni (rng, 0.45, 0.8), rng);
      for (int tries = 0; tries < 12 && !ok; tries++)
        {
          double visible, area;

          place (boat, f, fathom_rng_uniform (rng) < 0.2, rng);
          visible = measure (cr, boat, f);
          area = box_area (&f->box);
          ok = visible >= 0.5 && area <= 0.7 * dom_area;
          for (guint j = 0; ok && j < n; j++)
            ok = overlap (&f->box, &fish[j].box) <= 0.3 * MIN (area, box_area (&fish[j].box));
        }
      if (ok)
        n++;
    }
  return n;
}

/* Someone at the side of the frame: a torso in oilskins, a head, arms
 * reaching in with gloves; or a pair of boots. Returns its rough box in
 * design pixels. */
static FishsimBox
draw_crew (cairo_t *cr, const FishsimBoat *boat, FathomRng *rng)
{
  double w = boat->width0, h = boat->height0, s = h * uni (rng, 0.3, 0.5);
  int side = (int) fathom_rng_below (rng, 3);   /* bottom, left, right */
  double x = side == 1 ? 0 : side == 2 ? w : uni (rng, 0.15, 0.85) * w;
  double y = side == 0 ? h : uni (rng, 0.35, 0.9) * h;
  double turn = side == 0 ? 0 : side == 1 ? G_PI / 2 : -G_PI / 2;
  const double *c = boat->crew_rgb;

  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, turn + uni (rng, -0.3, 0.3));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  if (fathom_rng_uniform (rng) < 0.6)
    {
      /* arms first, under the shoulders, each ending in a glove */
      for (int k = -1; k <= 1; k += 2)
        {
          double hx = k * s * uni (rng, 0.05, 0.35), hy = -s * uni (rng, 0.45, 0.85);
          double a = atan2 (hy + s * 0.02, hx - k * s * 0.36);

          cairo_move_to (cr, k * s * 0.36, -s * 0.02);
          cairo_line_to (cr, hx, hy);
          cairo_set_line_width (cr, s * 0.15);
          cairo_set_source_rgb (cr, c[0] * 0.85, c[1] * 0.85, c[2] * 0.85);
          cairo_stroke (cr);
          cairo_save (cr);
          cairo_translate (cr, hx + cos (a) * s * 0.08, hy + sin (a) * s * 0.08);
          cairo_rotate (cr, a);
          cairo_scale (cr, s * 0.11, s * 0.075);
          cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
          cairo_restore (cr);
          cairo_save (cr);
          cairo_translate (cr, hx + cos (a + k * 0.9) * s * 0.07, hy + sin (a + k * 0.9) * s * 0.07);
          cairo_rotate (cr, a + k * 0.9);
          cairo_scale (cr, s * 0.06, s * 0.03);
          cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
          cairo_restore (cr);
          cairo_set_source_rgb (cr, boat->glove_rgb[0], boat->glove_rgb[1], boat->glove_rgb[2]);
          cairo_fill (cr);
        }
      cairo_save (cr);
      cairo_scale (cr, s * 0.5, s * 0.3);
      cairo_arc (cr, 0, 0.1, 1, 0, 2 * G_PI);
      cairo_restore (cr);
      cairo_set_source_rgb (cr, c[0], c[1], c[2]);
      cairo_fill (cr);
      cairo_arc (cr, 0, -s * 0.05, s * 0.16, 0, 2 * G_PI);
      if (fathom_rng_below (rng, 2))
        cairo_set_source_rgb (cr, c[0] * 0.7, c[1] * 0.7, c[2] * 0.7);    /* hood */
      else
        cairo_set_source_rgb (cr, 0.12, 0.12, 0.14);                      /* cap */
      cairo_fill (cr);
    }
  else
    {
      for (int k = -1; k <= 1; k += 2)
        {
          /* trouser leg from the edge, then the boot */
          cairo_move_to (cr, k * s * 0.15, s * 0.1);
          cairo_line_to (cr, k * s * 0.18, -s * 0.3);
          cairo_set_line_width (cr, s * 0.2);
          cairo_set_source_rgb (cr, c[0] * 0.8, c[1] * 0.8, c[2] * 0.8);
          cairo_stroke (cr);
          cairo_save (cr);
          cairo_translate (cr, k * s * 0.19, -s * 0.42);
          cairo_rotate (cr, k * 0.15);
          cairo_scale (cr, s * 0.11, s * 0.2);
          cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
          cairo_restore (cr);
          cairo_set_source_rgb (cr, boat->boot_rgb[0], boat->boot_rgb[1], boat->boot_rgb[2]);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);
  return (FishsimBox) { x - s, y - s, x + s, y + s };
}

/* Hides part of the dominant fish under a piece of gear. */
static FishsimBox
draw_occluder (cairo_t *cr, const FishsimBoat *boat, const FishsimFish *f, FathomRng *rng)
{
  FishsimGear g = { 0 };
  double sx = (double) boat->width / boat->width0, sy = (double) boat->height / boat->height0;
  double r = fathom_rng_uniform (rng), t = r < 0.6 ? 0.1 : r < 0.8 ? 0.9 : 0.5;
  static const GearKind kinds[] = { GEAR_HOSE, GEAR_BUCKET, GEAR_CRATE, GEAR_ROPE_COIL };

  g.kind = kinds[fathom_rng_below (rng, G_N_ELEMENTS (kinds))];
  g.x = (f->tail[0] + t * (f->head[0] - f->tail[0])) / sx;
  g.y = (f->tail[1] + t * (f->head[1] - f->tail[1])) / sy;
  g.size = f->length * uni (rng, 0.2, 0.35);
  g.angle = uni (rng, 0, G_PI);
  g.variant = (guint32) fathom_rng_next_u64 (rng);
  memcpy (g.rgb, boat->gear[0].rgb, sizeof g.rgb);
  fishsim_draw_gear (cr, &g);
  return (FishsimBox) { g.x - g.size, g.y - g.size, g.x + g.size, g.y + g.size };
}

static void
mark_occluded (const FishsimBoat *boat, FishsimFish *fish, guint n, FishsimBox design)
{
  double sx = (double) boat->width / boat->width0, sy = (double) boat->height / boat->height0;
  FishsimBox b = { design.x0 * sx, design.y0 * sy, design.x1 * sx, design.y1 * sy };

  for (guint i = 0; i < n; i++)
    if (overlap (&b, &fish[i].box) > 0)
      fish[i].occluded = TRUE;
}

static void
draw_extras (cairo_t *cr, const FishsimBoat *boat, guint n_fish, const FishsimFish *fish, FathomRng *rng)
{
  double w = boat->width0, h = boat->height0;
  guint n_loose = (guint) fathom_rng_below (rng, 3);

  /* puddles and, around a catch, blood */
  for (guint k = fathom_rng_below (rng, 3); k > 0; k--)
    {
      cairo_save (cr);
      cairo_translate (cr, uni (rng, 0, w), uni (rng, 0, h));
      cairo_rotate (cr, uni (rng, 0, G_PI));
      cairo_scale (cr, uni (rng, 40, 200), uni (rng, 20, 80));
      cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
      cairo_restore (cr);
      cairo_set_source_rgba (cr, 0.05, 0.07, 0.08, 0.18);
      cairo_fill (cr);
    }
  if (n_fish > 0 && fathom_rng_uniform (rng) < 0.35)
    {
      double sx = (double) boat->width / w, sy = (double) boat->height / h;

      double x = fish[0].head[0] / sx, y = fish[0].head[1] / sy, a = uni (rng, 0, 2 * G_PI);

      /* a pool of a few overlapping drops by the head */
      for (int k = 0; k < 4; k++)
        {
          double r = fish[0].length * uni (rng, 0.0, 0.06);

          cairo_save (cr);
          cairo_translate (cr, x + r * cos (a + k * 1.7), y + r * sin (a + k * 1.7));
          cairo_rotate (cr, a + k);
          cairo_scale (cr, fish[0].length * uni (rng, 0.03, 0.07), fish[0].length * uni (rng, 0.02, 0.05));
          cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
          cairo_restore (cr);
        }
      cairo_set_source_rgba (cr, 0.35, 0.04, 0.04, 0.35);
      cairo_fill (cr);
    }
  for (guint k = 0; k < n_loose; k++)
    {
      FishsimGear g = boat->gear[fathom_rng_below (rng, boat->n_gear)];

      g.x = uni (rng, 0, w), g.y = uni (rng, 0, h);
      g.angle = uni (rng, 0, G_PI);
      g.size *= 0.6;
      if (g.kind == GEAR_HATCH || g.kind == GEAR_TOTE)
        g.kind = GEAR_BUCKET;
      fishsim_draw_gear (cr, &g);
    }
}

/* Sunlight through the rigging, or its shadow. */
static void
draw_light (cairo_t *cr, const FishsimBoat *boat, FathomRng *rng)
{
  double w = boat->width0, h = boat->height0, x = uni (rng, -0.2, 1.0) * w;

  cairo_move_to (cr, x, -10);
  cairo_line_to (cr, x + uni (rng, 0.1, 0.5) * w, -10);
  cairo_line_to (cr, x + uni (rng, 0.0, 0.7) * w, h + 10);
  cairo_line_to (cr, x + uni (rng, -0.5, 0.1) * w, h + 10);
  cairo_close_path (cr);
  if (fathom_rng_below (rng, 2))
    cairo_set_source_rgba (cr, 1, 0.97, 0.85, uni (rng, 0.08, 0.2));
  else
    cairo_set_source_rgba (cr, 0, 0, 0.05, uni (rng, 0.12, 0.3));
  cairo_fill (cr);
}

/* Two bytes to a triangular value in (-1, 1): cheap noise of spread
 * 0.41, from the photo's own stream. */
static inline double
tri (guint64 bits, int k)
{
  return ((double) ((bits >> (16 * k)) & 0xFF) + (double) ((bits >> (16 * k + 8)) & 0xFF) - 255.0) / 255.0;
}

static FathomImage *
develop (const FishsimBoat *boat, cairo_surface_t *surface, gboolean night, FathomRng *rng)
{
  int w = boat->width, h = boat->height, stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);
  FathomImage *img = fathom_image_new (w, h);
  double gain = fathom_rng_normal (rng, 1.0, 0.07);
  double noise = night ? 16.0 : uni (rng, 5.0, 9.0);
  double hot_x = uni (rng, 0.3, 0.7) * w, hot_y = uni (rng, 0.2, 0.6) * h, reach = 0.9 * MAX (w, h);
  guint8 lut[3][256];

  for (int c = 0; c < 3; c++)
    for (int v = 0; v < 256; v++)
      {
        double o = night ? 255.0 * pow (v / 255.0, 0.75) : v * gain * boat->light[c];

        lut[c][v] = (guint8) CLAMP (o + 0.5, 0, 255);
      }
  for (int y = 0; y < h; y++)
    {
      const guint32 *row = (const guint32 *) (gconstpointer) (data + (gsize) y * stride);
      guint8 *out = img->pixels + (gsize) y * w * 3;

      for (int x = 0; x < w; x++)
        {
          guint32 p = row[x];
          int r = lut[0][(p >> 16) & 0xFF], g = lut[1][(p >> 8) & 0xFF], b = lut[2][p & 0xFF];
          guint64 bits = fathom_rng_next_u64 (rng);

          if (night)
            {
              /* infrared: grey, lit by one flood light, grainier */
              double dx = (x - hot_x) / reach, dy = (y - hot_y) / reach;
              double v = (0.30 * r + 0.59 * g + 0.11 * b) * gain * (1.25 - 1.3 * (dx * dx + dy * dy));

              v += noise * tri (bits, 0);
              r = g = b = (int) CLAMP (v + 0.5, 0, 255);
            }
          else
            {
              r = (int) CLAMP (r + noise * tri (bits, 0) + 0.5, 0, 255);
              g = (int) CLAMP (g + noise * tri (bits, 1) + 0.5, 0, 255);
              b = (int) CLAMP (b + noise * tri (bits, 2) + 0.5, 0, 255);
            }
          out[3 * x] = (guint8) r;
          out[3 * x + 1] = (guint8) g;
          out[3 * x + 2] = (guint8) b;
        }
    }
  return img;
}

FathomImage *
fishsim_render_photo (const FishsimBoat *boat,
                      FishsimClass       cls,
                      gboolean           night,
                      FathomRng         *rng,
                      FishsimFish        fish[FISHSIM_MAX_FISH],
                      guint             *n_fish)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, boat->width, boat->height);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  cairo_t *cr;
  FathomImage *img;
  guint n = 0;

  for (int y = 0; y < boat->height; y++)
    memcpy (data + (gsize) y * stride, boat->background + (gsize) y * boat->width, (gsize) boat->width * 4);
  cairo_surface_mark_dirty (surface);
  cr = cairo_create (surface);
  cairo_scale (cr, (double) boat->width / boat->width0, (double) boat->height / boat->height0);

  if (cls != FISHSIM_NOF)
    n = layout_fish (cr, boat, cls, fish, rng);
  draw_extras (cr, boat, n, fish, rng);
  for (guint i = n; i-- > 0;)
    fishsim_draw_fish (cr, &fish[i], FALSE);
  if (n > 0 && fathom_rng_uniform (rng) < 0.22)
    mark_occluded (boat, fish, n, draw_occluder (cr, boat, &fish[0], rng));
  if (fathom_rng_uniform (rng) < boat->crew_p)
    mark_occluded (boat, fish, n, draw_crew (cr, boat, rng));
  if (!night && fathom_rng_uniform (rng) < 0.4)
    draw_light (cr, boat, rng);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  img = develop (boat, surface, night, rng);
  cairo_surface_destroy (surface);
  *n_fish = n;
  return img;
}
