/* fathom-fishsim-deck.c: the boats of the synthetic fisheries set: a fixed
 * camera over a deck (planks, steel plate, paint, rubber mat or moulded
 * fibreglass, seen in perspective), its rail and gear, and the photos taken
 * on it (crew, loose gear, fish, daylight or an infrared night shot, sensor
 * noise).
 *
 * A boat's look comes from its own seed alone and its deck is rendered
 * once, so that every photo from one boat shows the same deck from the same
 * place, as the fixed cameras of the real set did.
 */
#include "fathom-fishsim-private.h"

#include <math.h>
#include <string.h>

static double
uni (FathomRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * fathom_rng_uniform (rng);
}

static void
pick_rgb (FathomRng *rng, const double (*palette)[3], guint n, double jitter, double out[3])
{
  const double *c = palette[fathom_rng_below (rng, n)];

  for (int i = 0; i < 3; i++)
    out[i] = CLAMP (c[i] + uni (rng, -jitter, jitter), 0.0, 1.0);
}

static const double deck_palettes[DECK_N_KINDS][4][3] = {
  [DECK_PLANKS]     = { { 0.56, 0.43, 0.30 }, { 0.62, 0.58, 0.50 }, { 0.48, 0.36, 0.24 }, { 0.66, 0.60, 0.48 } },
  [DECK_DIAMOND]    = { { 0.55, 0.57, 0.58 }, { 0.70, 0.72, 0.72 }, { 0.46, 0.48, 0.50 }, { 0.62, 0.62, 0.60 } },
  [DECK_PAINTED]    = { { 0.45, 0.55, 0.62 }, { 0.35, 0.50, 0.40 }, { 0.55, 0.33, 0.27 }, { 0.66, 0.67, 0.66 } },
  [DECK_MAT]        = { { 0.17, 0.17, 0.19 }, { 0.15, 0.30, 0.50 }, { 0.25, 0.26, 0.27 }, { 0.45, 0.20, 0.15 } },
  [DECK_FIBREGLASS] = { { 0.86, 0.87, 0.85 }, { 0.88, 0.85, 0.76 }, { 0.78, 0.82, 0.84 }, { 0.82, 0.82, 0.80 } },
};

static const double hull_palette[][3] = {
  { 0.90, 0.90, 0.88 }, { 0.15, 0.28, 0.55 }, { 0.65, 0.15, 0.12 },
  { 0.20, 0.42, 0.30 }, { 0.50, 0.52, 0.55 }, { 0.85, 0.70, 0.20 },
};
static const double gear_palette[][3] = {
  { 0.10, 0.35, 0.75 }, { 0.85, 0.20, 0.15 }, { 0.95, 0.75, 0.10 }, { 0.92, 0.92, 0.90 },
  { 0.20, 0.55, 0.30 }, { 0.95, 0.45, 0.10 }, { 0.25, 0.25, 0.28 }, { 0.55, 0.75, 0.85 },
};
static const double oilskin_palette[][3] = {
  { 0.95, 0.45, 0.08 }, { 0.95, 0.80, 0.10 }, { 0.15, 0.45, 0.25 }, { 0.15, 0.25, 0.55 }, { 0.75, 0.15, 0.12 },
};
static const double boot_palette[][3] = {
  { 0.92, 0.92, 0.90 }, { 0.08, 0.08, 0.09 }, { 0.90, 0.75, 0.10 }, { 0.25, 0.30, 0.22 },
};
static const double glove_palette[][3] = {
  { 0.95, 0.45, 0.05 }, { 0.15, 0.35, 0.75 }, { 0.90, 0.80, 0.15 }, { 0.90, 0.90, 0.88 },
};

void
fishsim_boat_init (FishsimBoat *boat, int id, int width0, int height0, double scale, guint64 seed)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  double w = width0, h = height0, m;

  memset (boat, 0, sizeof *boat);
  boat->id = id;
  boat->seed = seed;
  boat->width0 = width0;
  boat->height0 = height0;
  fathom_fishsim_scaled_size (width0, height0, scale, &boat->width, &boat->height);
  boat->deck = (DeckKind) fathom_rng_below (rng, DECK_N_KINDS);
  pick_rgb (rng, deck_palettes[boat->deck], 4, 0.04, boat->deck_rgb);
  boat->deck_angle = uni (rng, -0.5, 0.5) + (fathom_rng_below (rng, 2) ? G_PI / 2 : 0);
  boat->spacing = uni (rng, 45, 90);
  boat->tilt = uni (rng, 0.05, 0.32);
  boat->rail_side = (int) fathom_rng_below (rng, 4);
  boat->rail_depth = uni (rng, 0.10, 0.22);
  pick_rgb (rng, hull_palette, G_N_ELEMENTS (hull_palette), 0.05, boat->hull_rgb);
  boat->sea = fathom_rng_uniform (rng) < 0.6;
  boat->sea_rgb[0] = uni (rng, 0.05, 0.20);
  boat->sea_rgb[1] = uni (rng, 0.25, 0.45);
  boat->sea_rgb[2] = uni (rng, 0.40, 0.60);
  pick_rgb (rng, oilskin_palette, G_N_ELEMENTS (oilskin_palette), 0.04, boat->crew_rgb);
  pick_rgb (rng, boot_palette, G_N_ELEMENTS (boot_palette), 0.03, boat->boot_rgb);
  pick_rgb (rng, glove_palette, G_N_ELEMENTS (glove_palette), 0.03, boat->glove_rgb);
  boat->crew_p = uni (rng, 0.1, 0.5);
  boat->night_p = uni (rng, 0.08, 0.32);
  for (int i = 0; i < 3; i++)
    boat->light[i] = uni (rng, 0.92, 1.08);

  /* the free deck: away from the rail, a margin elsewhere */
  m = 0.04;
  boat->open[0] = w * m, boat->open[1] = h * m;
  boat->open[2] = w * (1 - m), boat->open[3] = h * (1 - m);
  if (boat->rail_side == 0 || boat->rail_side == 3)
    boat->open[1] = h * (boat->rail_depth + 0.02);
  if (boat->rail_side == 1 || boat->rail_side == 3)
    boat->open[0] = w * (boat->rail_depth * 0.8 + 0.02);
  if (boat->rail_side == 2)
    boat->open[2] = w * (1 - boat->rail_depth * 0.8 - 0.02);

  /* gear along the edges and in the corners, clear of the middle */
  boat->n_gear = 3 + (guint) fathom_rng_below (rng, 6);
  for (guint i = 0; i < boat->n_gear; i++)
    {
      FishsimGear *g = &boat->gear[i];
      int edge = (int) fathom_rng_below (rng, 4);
      double t = uni (rng, 0.05, 0.95), d = uni (rng, 0.02, 0.16);

      g->kind = (GearKind) fathom_rng_below (rng, GEAR_N_KINDS);
      g->size = uni (rng, 0.06, 0.12) * w;
      if (g->kind == GEAR_TOTE || g->kind == GEAR_HATCH)
        g->size *= 1.6;
      g->x = edge == 1 ? boat->open[0] + d * w : edge == 2 ? boat->open[2] - d * w : w * t;
      g->y = edge == 0 ? boat->open[1] + d * h : edge == 3 ? boat->open[3] - d * h : h * t;
      g->angle = uni (rng, -0.6, 0.6);
      g->variant = (guint32) fathom_rng_next_u64 (rng);
      pick_rgb (rng, gear_palette, G_N_ELEMENTS (gear_palette), 0.05, g->rgb);
    }
}

void
fishsim_boat_clear (FishsimBoat *boat)
{
  g_clear_pointer (&boat->background, g_free);
}

/* ---- the deck in perspective -------------------------------------------
 *
 * Deck coordinates are rotated by the plank direction, then projected with
 * a depth that grows linearly up the frame (a camera looking down at an
 * angle): straight lines stay straight, far planks come out narrower.
 */
static double
project (const FishsimBoat *boat, double u, double v, double *x, double *y)
{
  double cx = boat->width0 / 2.0, cy = boat->height0 / 2.0;
  double c = cos (boat->deck_angle), s = sin (boat->deck_angle);
  double xb = cx + c * (u - cx) - s * (v - cy);
  double yb = cy + s * (u - cx) + c * (v - cy);
  double w = 1.0 + boat->tilt * (1.0 - 2.0 * yb / boat->height0);

  *x = cx + (xb - cx) / w;
  *y = cy + (yb - cy) / w;
  return 1.0 / w;               /* the local scale there */
}

static void
deck_line (cairo_t *cr, const FishsimBoat *boat, double u0, double v0, double u1, double v1)
{
  double x, y;

  project (boat, u0, v0, &x, &y);
  cairo_move_to (cr, x, y);
  project (boat, u1, v1, &x, &y);
  cairo_line_to (cr, x, y);
}

static void
deck_quad (cairo_t *cr, const FishsimBoat *boat, double u0, double v0, double u1, double v1)
{
  double x, y;

  project (boat, u0, v0, &x, &y);
  cairo_move_to (cr, x, y);
  project (boat, u1, v0, &x, &y);
  cairo_line_to (cr, x, y);
  project (boat, u1, v1, &x, &y);
  cairo_line_to (cr, x, y);
  project (boat, u0, v1, &x, &y);
  cairo_line_to (cr, x, y);
  cairo_close_path (cr);
}

static void
shade (cairo_t *cr, const double rgb[3], double f, double a)
{
  cairo_set_source_rgba (cr, CLAMP (rgb[0] * f, 0, 1), CLAMP (rgb[1] * f, 0, 1),
                         CLAMP (rgb[2] * f, 0, 1), a);
}

static void
draw_texture (cairo_t *cr, const FishsimBoat *boat, FathomRng *rng)
{
  double reach = 0.7 * MAX (boat->width0, boat->height0);
  double lo_u = -reach, hi_u = boat->width0 + reach;
  double lo_v = -reach, hi_v = boat->height0 + reach;
  double sp = boat->spacing, x, y;

  switch (boat->deck)
    {
    case DECK_PLANKS:
      for (double u = lo_u; u < hi_u; u += sp)
        {
          deck_quad (cr, boat, u, lo_v, u + sp, hi_v);
          shade (cr, boat->deck_rgb, uni (rng, 0.88, 1.10), 1);
          cairo_fill (cr);
          cairo_set_line_width (cr, 1.2);
          for (int k = 0; k < 14; k++)    /* grain */
            {
              double gu = u + uni (rng, 0.1, 0.9) * sp, gv = uni (rng, lo_v, hi_v);

              deck_line (cr, boat, gu, gv, gu + uni (rng, -2, 2), gv + uni (rng, 80, 300));
              shade (cr, boat->deck_rgb, uni (rng, 0.75, 1.2), 0.35);
              cairo_stroke (cr);
            }
          deck_line (cr, boat, u, lo_v, u, hi_v);
          for (double v = lo_v + uni (rng, 0, 600); v < hi_v; v += uni (rng, 300, 900))
            deck_line (cr, boat, u, v, u + sp, v);
          cairo_set_line_width (cr, 3.0);
          shade (cr, boat->deck_rgb, 0.35, 0.9);
          cairo_stroke (cr);
        }
      break;
    case DECK_DIAMOND:
      cairo_set_line_width (cr, 5.0);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      for (double u = lo_u; u < hi_u; u += 34)
        for (double v = lo_v; v < hi_v; v += 34)
          {
            gboolean odd = ((int) ((u - lo_u) / 34) + (int) ((v - lo_v) / 34)) % 2;

            if (odd)
              deck_line (cr, boat, u - 9, v - 9, u + 9, v + 9);
            else
              deck_line (cr, boat, u - 9, v + 9, u + 9, v - 9);
          }
      shade (cr, boat->deck_rgb, 1.25, 0.8);
      cairo_stroke (cr);
      cairo_set_line_width (cr, 4.0);
      for (double u = lo_u; u < hi_u; u += sp * 8)
        deck_line (cr, boat, u, lo_v, u, hi_v);
      shade (cr, boat->deck_rgb, 0.5, 0.8);
      cairo_stroke (cr);
      break;
    case DECK_MAT:
      cairo_set_line_width (cr, 7.0);
      for (double u = lo_u; u < hi_u; u += sp * 0.7)
        deck_line (cr, boat, u, lo_v, u, hi_v);
      for (double v = lo_v; v < hi_v; v += sp * 0.7)
        deck_line (cr, boat, lo_u, v, hi_u, v);
      shade (cr, boat->deck_rgb, 1.6, 1);
      cairo_stroke (cr);
      for (double u = lo_u + sp * 0.35; u < hi_u; u += sp * 0.7)
        for (double v = lo_v + sp * 0.35; v < hi_v; v += sp * 0.7)
          {
            double k = project (boat, u, v, &x, &y);

            cairo_new_sub_path (cr);
            cairo_arc (cr, x, y, sp * 0.18 * k, 0, 2 * G_PI);
          }
      shade (cr, boat->deck_rgb, 0.4, 1);
      cairo_fill (cr);
      break;
    case DECK_FIBREGLASS:
      for (double u = lo_u; u < hi_u; u += sp * 5)
        for (double v = lo_v; v < hi_v; v += sp * 4)
          {
            deck_quad (cr, boat, u + 12, v + 12, u + sp * 5 - 12, v + sp * 4 - 12);
            shade (cr, boat->deck_rgb, 0.93, 1);
            cairo_fill_preserve (cr);
            cairo_set_line_width (cr, 4);
            shade (cr, boat->deck_rgb, 0.75, 1);
            cairo_stroke (cr);
          }
      for (int k = 0; k < 5000; k++)
        {
          double s = project (boat, uni (rng, lo_u, hi_u), uni (rng, lo_v, hi_v), &x, &y);

          cairo_new_sub_path (cr);
          cairo_arc (cr, x, y, 1.8 * s, 0, 2 * G_PI);
        }
      shade (cr, boat->deck_rgb, 0.8, 0.6);
      cairo_fill (cr);
      break;
    case DECK_PAINTED:
    case DECK_N_KINDS:
    default:
      cairo_set_line_width (cr, 3.0);
      for (double u = lo_u; u < hi_u; u += sp * 6)
        deck_line (cr, boat, u, lo_v, u, hi_v);
      for (double v = lo_v; v < hi_v; v += sp * 6)
        deck_line (cr, boat, lo_u, v, hi_u, v);
      shade (cr, boat->deck_rgb, 0.7, 0.8);
      cairo_stroke (cr);
      for (int k = 0; k < 40; k++)  /* worn paint and rust */
        {
          double s = project (boat, uni (rng, lo_u, hi_u), uni (rng, lo_v, hi_v), &x, &y);
          gboolean rust = k % 3 == 0;

          cairo_save (cr);
          cairo_translate (cr, x, y);
          cairo_scale (cr, uni (rng, 10, 60) * s, uni (rng, 5, 25) * s);
          cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
          cairo_restore (cr);
          if (rust)
            cairo_set_source_rgba (cr, 0.5, 0.25, 0.1, 0.35);
          else
            shade (cr, boat->deck_rgb, 1.3, 0.4);
          cairo_fill (cr);
        }
      break;
    }
}

/* A rail along the top of a frame `length` wide, `depth` deep; rotated by
 * the caller for the other sides. */
static void
draw_rail (cairo_t *cr, const FishsimBoat *boat, double length, double depth, FathomRng *rng)
{
  double slope = uni (rng, -0.25, 0.25) * depth;
  double cap = depth * 0.75;

  cairo_move_to (cr, -10, -10);
  cairo_line_to (cr, length + 10, -10);
  cairo_line_to (cr, length + 10, depth - slope);
  cairo_line_to (cr, -10, depth + slope);
  cairo_close_path (cr);
  shade (cr, boat->hull_rgb, 0.85, 1);
  cairo_fill (cr);
  if (boat->sea)
    {
      cairo_rectangle (cr, -10, -10, length + 20, cap * 0.6 + 10);
      cairo_set_source_rgb (cr, boat->sea_rgb[0], boat->sea_rgb[1], boat->sea_rgb[2]);
      cairo_fill (cr);
      cairo_set_line_width (cr, 3);
      for (int k = 0; k < 30; k++)
        {
          double x = uni (rng, 0, length), y = uni (rng, 0, cap * 0.55);

          cairo_move_to (cr, x, y);
          cairo_curve_to (cr, x + 15, y - 4, x + 30, y + 4, x + 50, y);
        }
      cairo_set_source_rgba (cr, 0.85, 0.92, 0.95, 0.5);
      cairo_stroke (cr);
    }
  /* capping rail and its shadow, stanchions down to the deck */
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_move_to (cr, -10, cap + slope * 0.75);
  cairo_line_to (cr, length + 10, cap - slope * 0.75);
  cairo_set_line_width (cr, depth * 0.16);
  shade (cr, boat->hull_rgb, 1.15, 1);
  cairo_stroke (cr);
  cairo_move_to (cr, -10, depth + slope + 6);
  cairo_line_to (cr, length + 10, depth - slope + 6);
  cairo_set_line_width (cr, 12);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_stroke (cr);
  for (double x = uni (rng, 40, 160); x < length; x += uni (rng, 160, 260))
    {
      double t = x / length;

      cairo_move_to (cr, x, cap);
      cairo_line_to (cr, x + 6, depth + slope * (1 - 2 * t));
    }
  cairo_set_line_width (cr, 14);
  shade (cr, boat->hull_rgb, 0.6, 1);
  cairo_stroke (cr);
}

void
fishsim_draw_gear (cairo_t *cr, const FishsimGear *g)
{
  const double *c = g->rgb;
  double s = g->size;

  cairo_save (cr);
  cairo_translate (cr, g->x, g->y);
  cairo_rotate (cr, g->angle);
  /* a soft shadow first */
  cairo_save (cr);
  cairo_translate (cr, s * 0.08, s * 0.1);
  cairo_scale (cr, s * 0.55, s * 0.5);
  cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
  cairo_restore (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_fill (cr);
  switch (g->kind)
    {
    case GEAR_BUCKET:
      cairo_arc (cr, 0, 0, s * 0.5, 0, 2 * G_PI);
      shade (cr, c, 1.0, 1);
      cairo_fill (cr);
      cairo_arc (cr, 0, -s * 0.03, s * 0.40, 0, 2 * G_PI);
      shade (cr, c, 0.45, 1);
      cairo_fill (cr);
      cairo_arc (cr, 0, 0, s * 0.5, G_PI * 1.05, G_PI * 1.95);
      cairo_set_line_width (cr, s * 0.03);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.4);
      cairo_stroke (cr);
      cairo_arc_negative (cr, 0, s * 0.1, s * 0.48, G_PI * 0.9, G_PI * 0.1);
      cairo_set_line_width (cr, s * 0.02);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      cairo_stroke (cr);
      break;
    case GEAR_CRATE:
    case GEAR_TOTE:
      {
        double w = s * (g->kind == GEAR_TOTE ? 1.1 : 0.9), h = s * 0.7;

        cairo_rectangle (cr, -w / 2, -h / 2, w, h);
        shade (cr, c, 1.0, 1);
        cairo_fill (cr);
        cairo_rectangle (cr, -w / 2 + s * 0.07, -h / 2 + s * 0.07, w - s * 0.14, h - s * 0.14);
        if (g->kind == GEAR_TOTE && g->variant % 2)
          cairo_set_source_rgb (cr, 0.82, 0.88, 0.92);    /* ice */
        else
          shade (cr, c, 0.55, 1);
        cairo_fill (cr);
        cairo_set_line_width (cr, s * 0.025);
        for (double x = -w / 2 + s * 0.2; x < w / 2 - s * 0.1; x += s * 0.2)
          {
            cairo_move_to (cr, x, -h / 2);
            cairo_line_to (cr, x, -h / 2 + s * 0.07);
            cairo_move_to (cr, x, h / 2);
            cairo_line_to (cr, x, h / 2 - s * 0.07);
          }
        shade (cr, c, 0.6, 1);
        cairo_stroke (cr);
      }
      break;
    case GEAR_ROPE_COIL:
      cairo_set_line_width (cr, s * 0.06);
      for (int k = 0; k < 5; k++)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, s * 0.02 * k, 0, s * (0.48 - 0.07 * k), 0, 2 * G_PI);
        }
      shade (cr, c, 0.9, 1);
      cairo_stroke_preserve (cr);
      cairo_set_line_width (cr, s * 0.02);
      cairo_set_dash (cr, (double[]) { s * 0.03, s * 0.04 }, 2, 0);
      shade (cr, c, 0.55, 1);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      break;
    case GEAR_HOSE:
      cairo_move_to (cr, -s * 1.2, -s * 0.3);
      cairo_curve_to (cr, -s * 0.4, s * 0.6, s * 0.3, -s * 0.7, s * 1.2, s * 0.2);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_line_width (cr, s * 0.12);
      shade (cr, c, 0.8, 1);
      cairo_stroke_preserve (cr);
      cairo_set_line_width (cr, s * 0.035);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.35);
      cairo_stroke (cr);
      break;
    case GEAR_HATCH:
      cairo_rectangle (cr, -s * 0.5, -s * 0.4, s, s * 0.8);
      shade (cr, c, 0.5, 1);
      cairo_fill (cr);
      cairo_rectangle (cr, -s * 0.44, -s * 0.34, s * 0.88, s * 0.68);
      shade (cr, c, 0.8, 1);
      cairo_fill (cr);
      for (int k = 0; k < 4; k++)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, (k % 2 ? 0.38 : -0.38) * s, (k / 2 ? 0.28 : -0.28) * s, s * 0.025, 0, 2 * G_PI);
        }
      cairo_set_source_rgb (cr, 0.15, 0.15, 0.15);
      cairo_fill (cr);
      break;
    case GEAR_BUOY:
    case GEAR_N_KINDS:
    default:
      {
        cairo_pattern_t *pat = cairo_pattern_create_radial (-s * 0.12, -s * 0.12, s * 0.05, 0, 0, s * 0.35);

        cairo_pattern_add_color_stop_rgb (pat, 0, MIN (1, c[0] + 0.4), MIN (1, c[1] + 0.4), MIN (1, c[2] + 0.4));
        cairo_pattern_add_color_stop_rgb (pat, 1, c[0] * 0.6, c[1] * 0.6, c[2] * 0.6);
        cairo_arc (cr, 0, 0, s * 0.35, 0, 2 * G_PI);
        cairo_set_source (cr, pat);
        cairo_fill (cr);
        cairo_pattern_destroy (pat);
        cairo_move_to (cr, s * 0.3, s * 0.1);
        cairo_curve_to (cr, s * 0.6, s * 0.4, s * 0.9, s * 0.0, s * 1.1, s * 0.3);
        cairo_set_line_width (cr, s * 0.03);
        cairo_set_source_rgb (cr, 0.85, 0.85, 0.75);
        cairo_stroke (cr);
      }
      break;
    }
  cairo_restore (cr);
}

void
fishsim_boat_render (FishsimBoat *boat)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (boat->seed ^ G_GUINT64_CONSTANT (0x5DEECE66D));
  double w = boat->width0, h = boat->height0, d = boat->rail_depth;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, boat->width, boat->height);
  cairo_t *cr = cairo_create (surface);
  cairo_pattern_t *vignette;
  int stride = cairo_image_surface_get_stride (surface);

  cairo_scale (cr, boat->width / w, boat->height / h);
  shade (cr, boat->deck_rgb, 1, 1);
  cairo_paint (cr);
  draw_texture (cr, boat, rng);

  /* dirt, water marks, old blood */
  for (int k = 0; k < 24; k++)
    {
      double x = uni (rng, 0, w), y = uni (rng, 0, h);

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_rotate (cr, uni (rng, 0, G_PI));
      cairo_scale (cr, uni (rng, 10, 70), uni (rng, 5, 30));
      cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
      cairo_restore (cr);
      if (k % 5 == 0)
        cairo_set_source_rgba (cr, 0.35, 0.08, 0.06, 0.10);
      else
        cairo_set_source_rgba (cr, 0.1, 0.1, 0.08, uni (rng, 0.04, 0.10));
      cairo_fill (cr);
    }

  for (guint i = 0; i < boat->n_gear; i++)
    fishsim_draw_gear (cr, &boat->gear[i]);

  cairo_save (cr);
  if (boat->rail_side == 0 || boat->rail_side == 3)
    draw_rail (cr, boat, w, h * d, rng);
  if (boat->rail_side == 1 || boat->rail_side == 3)
    {
      cairo_save (cr);
      cairo_translate (cr, 0, h);
      cairo_rotate (cr, -G_PI / 2);
      draw_rail (cr, boat, h, w * d * 0.8, rng);
      cairo_restore (cr);
    }
  if (boat->rail_side == 2)
    {
      cairo_translate (cr, w, 0);
      cairo_rotate (cr, G_PI / 2);
      draw_rail (cr, boat, h, w * d * 0.8, rng);
    }
  cairo_restore (cr);

  /* the lens darkens the corners */
  vignette = cairo_pattern_create_radial (w / 2, h / 2, h * 0.3, w / 2, h / 2, w * 0.75);
  cairo_pattern_add_color_stop_rgba (vignette, 0, 0, 0, 0, 0);
  cairo_pattern_add_color_stop_rgba (vignette, 1, 0, 0, 0, 0.45);
  cairo_set_source (cr, vignette);
  cairo_paint (cr);
  cairo_pattern_destroy (vignette);
  cairo_destroy (cr);

  cairo_surface_flush (surface);
  g_free (boat->background);
  boat->background = g_new (guint32, (gsize) boat->width * boat->height);
  for (int y = 0; y < boat->height; y++)
    memcpy (boat->background + (gsize) y * boat->width,
            cairo_image_surface_get_data (surface) + (gsize) y * stride, (gsize) boat->width * 4);
  cairo_surface_destroy (surface);
}
