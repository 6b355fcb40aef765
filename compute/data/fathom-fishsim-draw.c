/* fathom-fishsim-draw.c: the fish of the synthetic fisheries set, drawn
 * with cairo from bezier outlines.
 *
 * Each fish is drawn in its own unit frame: the snout at x = 0.5, the tail
 * tip at x = -0.5, the back towards negative y. Fins that grow out of the
 * body are drawn first and the body over their roots; the pectoral fin lies
 * on the body and comes last. The features that tell the species apart are
 * the ones a person would use: albacore's very long pectorals, bigeye's
 * deep body and big eye, yellowfin's long yellow fins and finlets, the
 * dolphinfish's blunt head and body-long dorsal fin (the other species are
 * in fathom-fishsim-species.c). This file also holds the painting helpers
 * they share.
 */
#include "fathom-fishsim-private.h"

#include <math.h>

/* Cheap per-fish detail numbers, so that spots and stripes need no RNG. */
double
fishsim_hash01 (guint32 variant, guint32 i)
{
  guint32 h = variant * 0x9E3779B1u ^ (i + 0x7F4A7C15u) * 0x85EBCA77u;

  h ^= h >> 15;
  h *= 0xC2B2AE3Du;
  h ^= h >> 13;
  return (h & 0xFFFFFF) / (double) 0x1000000;
}

/* Grows the box by the current path's extent in device pixels. */
static void
grow_box (FishsimPainter *p)
{
  double x0, y0, x1, y1;

  cairo_save (p->cr);
  cairo_identity_matrix (p->cr);
  cairo_path_extents (p->cr, &x0, &y0, &x1, &y1);
  cairo_restore (p->cr);
  if (x1 <= x0 && y1 <= y0)
    return;
  if (!p->have_box)
    {
      p->fish->box = (FishsimBox) { x0, y0, x1, y1 };
      p->have_box = TRUE;
      return;
    }
  p->fish->box.x0 = MIN (p->fish->box.x0, x0);
  p->fish->box.y0 = MIN (p->fish->box.y0, y0);
  p->fish->box.x1 = MAX (p->fish->box.x1, x1);
  p->fish->box.y1 = MAX (p->fish->box.y1, y1);
}

static double
toned (FishsimPainter *p, double v)
{
  return CLAMP (v * p->tone, 0.0, 1.0);
}

/* An outline part of the fish: counted in the box, then filled. */
void
fishsim_paint_rgb (FishsimPainter *p, double r, double g, double b)
{
  grow_box (p);
  if (p->measure)
    {
      cairo_new_path (p->cr);
      return;
    }
  cairo_set_source_rgb (p->cr, toned (p, r), toned (p, g), toned (p, b));
  cairo_fill (p->cr);
}

/* A vertical gradient from the back (y0) to the belly (y1); stops are
 * offset, r, g, b quadruples. */
void
fishsim_paint_gradient (FishsimPainter *p, double y0, double y1, const double *stops, int n_stops)
{
  cairo_pattern_t *pat;

  grow_box (p);
  if (p->measure)
    {
      cairo_new_path (p->cr);
      return;
    }
  pat = cairo_pattern_create_linear (0, y0, 0, y1);
  for (int i = 0; i < n_stops; i++)
    cairo_pattern_add_color_stop_rgb (pat, stops[4 * i], toned (p, stops[4 * i + 1]),
                                      toned (p, stops[4 * i + 2]), toned (p, stops[4 * i + 3]));
  cairo_set_source (p->cr, pat);
  cairo_fill (p->cr);
  cairo_pattern_destroy (pat);
}

/* Markings inside the outline: never part of the box. */
gboolean
fishsim_paint_detail (FishsimPainter *p)
{
  if (p->measure)
    cairo_new_path (p->cr);
  return !p->measure;
}

void
fishsim_paint_stroke (FishsimPainter *p, double width, double r, double g, double b, double a)
{
  if (!fishsim_paint_detail (p))
    return;
  cairo_set_line_width (p->cr, width);
  cairo_set_source_rgba (p->cr, toned (p, r), toned (p, g), toned (p, b), a);
  cairo_stroke (p->cr);
}

void
fishsim_paint_eye (FishsimPainter *p, double x, double y, double r, double ring_r, double ring_g, double ring_b)
{
  if (!fishsim_paint_detail (p))
    return;
  cairo_arc (p->cr, x, y, r, 0, 2 * G_PI);
  cairo_set_source_rgb (p->cr, ring_r, ring_g, ring_b);
  cairo_fill (p->cr);
  cairo_arc (p->cr, x, y, r * 0.62, 0, 2 * G_PI);
  cairo_set_source_rgb (p->cr, 0.03, 0.03, 0.04);
  cairo_fill (p->cr);
  cairo_arc (p->cr, x - r * 0.25, y - r * 0.25, r * 0.18, 0, 2 * G_PI);
  cairo_set_source_rgba (p->cr, 1, 1, 1, 0.8);
  cairo_fill (p->cr);
}

/* A wet highlight along the back. */
void
fishsim_paint_sheen (FishsimPainter *p, double x0, double x1, double y)
{
  if (!fishsim_paint_detail (p))
    return;
  cairo_move_to (p->cr, x0, y);
  cairo_curve_to (p->cr, x0 - 0.1, y - 0.01, x1 + 0.1, y - 0.01, x1, y + 0.005);
  cairo_set_line_cap (p->cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (p->cr, 0.012);
  cairo_set_source_rgba (p->cr, 1, 1, 1, 0.22);
  cairo_stroke (p->cr);
}

/* ---- tunas: albacore, bigeye, yellowfin ------------------------------- */

static void
tuna_body (cairo_t *cr, double h)
{
  cairo_move_to (cr, 0.50, 0.012);
  cairo_curve_to (cr, 0.47, -0.6 * h, 0.30, -h, 0.08, -h);
  cairo_curve_to (cr, -0.12, -h, -0.26, -0.035, -0.35, -0.018);
  cairo_line_to (cr, -0.37, -0.012);
  cairo_line_to (cr, -0.37, 0.012);
  cairo_line_to (cr, -0.35, 0.018);
  cairo_curve_to (cr, -0.26, 0.035, -0.12, h, 0.06, h);
  cairo_curve_to (cr, 0.28, h, 0.46, 0.5 * h, 0.50, 0.012);
  cairo_close_path (cr);
}

/* The body's half-height at x along the tapering rear, for finlets. */
static double
tuna_edge (double h, double x)
{
  double t = CLAMP ((x + 0.35) / 0.25, 0.0, 1.0);

  return 0.018 + (0.85 * h - 0.018) * t * t;
}

static void
lunate_tail (cairo_t *cr, double span, double fork)
{
  /* crescent lobes: a bowed leading edge, a hollow trailing edge */
  cairo_move_to (cr, -0.355, -0.014);
  cairo_curve_to (cr, -0.37, -0.07, -0.42, -0.9 * span, -0.50, -span);
  cairo_curve_to (cr, -0.47, -0.45 * span, -0.5 + fork, -0.05, -0.5 + fork, 0.0);
  cairo_curve_to (cr, -0.5 + fork, 0.05, -0.47, 0.45 * span, -0.50, span);
  cairo_curve_to (cr, -0.42, 0.9 * span, -0.37, 0.07, -0.355, 0.014);
  cairo_close_path (cr);
}

/* A swept-back fin on the back (side -1) or the belly (side 1): base from
 * x0 to x1 (x0 forward), tip height t, swept back by sweep. */
static void
sickle_fin (cairo_t *cr, double side, double base_y, double x0, double x1, double t, double sweep)
{
  double tip_x = x1 - sweep;
  double tip_y = side * (base_y + t);

  cairo_move_to (cr, x0, side * (base_y - 0.02));
  cairo_curve_to (cr, x0 - 0.01, side * (base_y + 0.5 * t), tip_x + 0.4 * sweep, side * (base_y + 0.85 * t),
                  tip_x, tip_y);
  cairo_curve_to (cr, tip_x + 0.3 * sweep, side * (base_y + 0.5 * t), x1 + 0.01, side * (base_y + 0.2 * t),
                  x1, side * (base_y - 0.02));
  cairo_close_path (cr);
}

static void
finlets (FishsimPainter *p, double h, double side, double r, double g, double b)
{
  for (int i = 0; i < 8; i++)
    {
      double x = -0.13 - i * 0.027;
      double e = tuna_edge (h, x) - 0.004;

      cairo_move_to (p->cr, x, side * e);
      cairo_line_to (p->cr, x - 0.03, side * (e + 0.022));
      cairo_line_to (p->cr, x - 0.02, side * (e - 0.004));
      cairo_close_path (p->cr);
      fishsim_paint_rgb (p, r, g, b);
    }
}

/* From behind the gill cover back to the tip; a long one sticks out past
 * the belly as albacore's do on deck. */
static void
pectoral (cairo_t *cr, double tip_x, double tip_y, double width)
{
  cairo_move_to (cr, 0.27, -0.008);
  cairo_curve_to (cr, 0.18, -width, tip_x + 0.15, tip_y - 0.9 * width, tip_x, tip_y);
  cairo_curve_to (cr, tip_x + 0.18, tip_y - 0.01, 0.18, 0.04, 0.27, 0.026);
  cairo_close_path (cr);
}

static void
draw_tuna (FishsimPainter *p)
{
  cairo_t *cr = p->cr;
  FishKind kind = p->fish->kind;
  double h = kind == FISH_BIGEYE ? 0.16 : 0.125;
  double dorsal2 = kind == FISH_YELLOWFIN ? 0.19 : kind == FISH_BIGEYE ? 0.075 : 0.055;
  double fin_yellow[3] = { 0.97, 0.80, 0.08 };
  double fin_dark[3] = { 0.10, 0.12, 0.20 };
  const double *second = kind == FISH_YELLOWFIN ? fin_yellow : fin_dark;
  const double *finlet = kind == FISH_ALBACORE ? fin_dark : fin_yellow;
  /* back, side, belly */
  static const double alb[] = { 0, 0.05, 0.08, 0.20, 0.38, 0.30, 0.38, 0.55,
                                0.55, 0.80, 0.82, 0.86, 1, 0.94, 0.94, 0.95 };
  static const double bet[] = { 0, 0.04, 0.07, 0.18, 0.30, 0.18, 0.26, 0.58,
                                0.48, 0.62, 0.66, 0.74, 0.62, 0.84, 0.85, 0.88, 1, 0.90, 0.90, 0.90 };
  static const double yft[] = { 0, 0.04, 0.06, 0.16, 0.34, 0.16, 0.22, 0.40,
                                0.44, 0.90, 0.74, 0.22, 0.54, 0.78, 0.78, 0.76, 1, 0.95, 0.93, 0.86 };

  /* fins behind the body */
  cairo_move_to (cr, 0.22, -h + 0.01);
  cairo_curve_to (cr, 0.18, -h - 0.07, 0.10, -h - 0.08, 0.04, -h - 0.05);
  cairo_line_to (cr, 0.0, -h + 0.01);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.08, 0.10, 0.18);
  sickle_fin (cr, -1, h * 0.93, 0.01, -0.09, dorsal2, dorsal2 * 0.45);
  fishsim_paint_rgb (p, second[0], second[1], second[2]);
  sickle_fin (cr, 1, h * 0.90, -0.01, -0.10, dorsal2, dorsal2 * 0.45);
  fishsim_paint_rgb (p, second[0], second[1], second[2]);
  lunate_tail (cr, 0.17, kind == FISH_BIGEYE ? 0.065 : 0.075);
  fishsim_paint_rgb (p, 0.10, 0.12, 0.20);
  finlets (p, h, -1, finlet[0], finlet[1], finlet[2]);
  finlets (p, h, 1, finlet[0], finlet[1], finlet[2]);

  tuna_body (cr, h);
  if (kind == FISH_ALBACORE)
    fishsim_paint_gradient (p, -h, h, alb, 4);
  else if (kind == FISH_BIGEYE)
    fishsim_paint_gradient (p, -h, h, bet, 5);
  else
    fishsim_paint_gradient (p, -h, h, yft, 5);

  /* the yellowfin's golden side band, the albacore's white tail rim */
  if (kind == FISH_YELLOWFIN && fishsim_paint_detail (p))
    {
      cairo_move_to (cr, 0.36, -0.02);
      cairo_curve_to (cr, 0.2, -0.045, -0.05, -0.04, -0.30, -0.012);
      cairo_set_line_width (cr, 0.022);
      cairo_set_source_rgba (cr, 0.98, 0.82, 0.15, 0.65);
      cairo_stroke (cr);
    }
  if (kind == FISH_ALBACORE && fishsim_paint_detail (p))
    {
      cairo_move_to (cr, -0.50, -0.17);
      cairo_curve_to (cr, -0.47, -0.0765, -0.425, -0.05, -0.425, 0.0);
      cairo_curve_to (cr, -0.425, 0.05, -0.47, 0.0765, -0.50, 0.17);
      fishsim_paint_stroke (p, 0.008, 0.92, 0.92, 0.92, 0.9);
    }
  /* belly spots and chevrons: faint rows on the lower side */
  if (kind != FISH_ALBACORE && fishsim_paint_detail (p))
    for (int i = 0; i < 9; i++)
      {
        double x = 0.18 - i * 0.045;

        cairo_move_to (cr, x, 0.25 * h);
        cairo_line_to (cr, x - 0.01, 0.75 * h);
        fishsim_paint_stroke (p, 0.006, 0.98, 0.98, 1.0, 0.35);
      }

  cairo_move_to (cr, 0.335, -0.75 * h);
  cairo_curve_to (cr, 0.31, -0.2 * h, 0.31, 0.3 * h, 0.34, 0.8 * h);
  fishsim_paint_stroke (p, 0.006, 0.15, 0.17, 0.22, 0.6);
  cairo_move_to (cr, 0.50, 0.014);
  cairo_line_to (cr, 0.445, 0.028);
  fishsim_paint_stroke (p, 0.005, 0.1, 0.1, 0.12, 0.8);
  fishsim_paint_sheen (p, 0.30, -0.20, -0.72 * h);

  /* pectoral on the body: albacore's reaches past the second dorsal */
  if (kind == FISH_ALBACORE && fishsim_paint_detail (p))
    {
      cairo_save (cr);
      cairo_translate (cr, 0.0, 0.006);
      pectoral (cr, -0.27, h + 0.025, 0.035);
      cairo_restore (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.3);   /* its shadow on the flank */
      cairo_fill (cr);
    }
  if (kind == FISH_ALBACORE)
    pectoral (cr, -0.27, h + 0.025, 0.035);
  else if (kind == FISH_BIGEYE)
    pectoral (cr, 0.0, 0.07, 0.035);
  else
    pectoral (cr, 0.06, 0.055, 0.03);
  fishsim_paint_rgb (p, kind == FISH_YELLOWFIN ? 0.35 : 0.10, kind == FISH_YELLOWFIN ? 0.32 : 0.12,
            kind == FISH_YELLOWFIN ? 0.18 : 0.22);
  cairo_move_to (cr, 0.20, 0.9 * h);
  cairo_line_to (cr, 0.10, h + 0.035);
  cairo_line_to (cr, 0.12, 0.9 * h);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.15, 0.15, 0.22);

  fishsim_paint_eye (p, 0.41, -0.018, kind == FISH_BIGEYE ? 0.034 : 0.018, 0.55, 0.55, 0.45);
}

/* ---- dolphinfish (mahi-mahi) ------------------------------------------- */

static void
draw_dolphin (FishsimPainter *p)
{
  cairo_t *cr = p->cr;
  static const double body[] = { 0, 0.05, 0.42, 0.48, 0.30, 0.35, 0.62, 0.32,
                                 0.58, 0.93, 0.80, 0.18, 1, 0.96, 0.92, 0.55 };

  /* dorsal fin from the forehead to the tail, anal fin half as long */
  cairo_move_to (cr, 0.44, -0.12);
  cairo_curve_to (cr, 0.40, -0.20, 0.22, -0.20, 0.0, -0.165);
  cairo_curve_to (cr, -0.15, -0.14, -0.27, -0.08, -0.335, -0.03);
  cairo_line_to (cr, -0.2, 0.0);
  cairo_line_to (cr, 0.3, -0.05);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.08, 0.28, 0.62);
  cairo_move_to (cr, 0.06, 0.10);
  cairo_curve_to (cr, 0.02, 0.16, -0.16, 0.13, -0.335, 0.03);
  cairo_line_to (cr, -0.1, 0.0);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.62, 0.70, 0.25);
  /* deeply forked tail */
  cairo_move_to (cr, -0.33, -0.015);
  cairo_curve_to (cr, -0.38, -0.05, -0.44, -0.11, -0.51, -0.17);
  cairo_curve_to (cr, -0.47, -0.08, -0.43, -0.03, -0.40, 0.0);
  cairo_curve_to (cr, -0.43, 0.03, -0.47, 0.08, -0.51, 0.17);
  cairo_curve_to (cr, -0.44, 0.11, -0.38, 0.05, -0.33, 0.015);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.70, 0.74, 0.22);

  /* the blunt, nearly vertical head of a bull */
  cairo_move_to (cr, 0.50, 0.06);
  cairo_curve_to (cr, 0.51, 0.0, 0.50, -0.08, 0.46, -0.12);
  cairo_curve_to (cr, 0.42, -0.14, 0.30, -0.135, 0.10, -0.12);
  cairo_curve_to (cr, -0.10, -0.10, -0.24, -0.05, -0.34, -0.02);
  cairo_line_to (cr, -0.34, 0.02);
  cairo_curve_to (cr, -0.22, 0.05, -0.05, 0.105, 0.12, 0.11);
  cairo_curve_to (cr, 0.30, 0.115, 0.44, 0.10, 0.50, 0.06);
  cairo_close_path (cr);
  fishsim_paint_gradient (p, -0.13, 0.11, body, 4);

  if (fishsim_paint_detail (p))
    for (int i = 0; i < 22; i++)
      {
        double x = 0.38 - 0.68 * fishsim_hash01 (p->fish->variant, i);
        double y = (fishsim_hash01 (p->fish->variant, 100 + i) - 0.55) * 0.13 * (1.0 - fabs (x - 0.05));

        cairo_arc (cr, x, y, 0.008, 0, 2 * G_PI);
        cairo_set_source_rgba (cr, 0.10, 0.30, 0.70, 0.75);
        cairo_fill (cr);
      }
  cairo_move_to (cr, 0.40, -0.09);
  cairo_curve_to (cr, 0.37, -0.03, 0.37, 0.04, 0.40, 0.09);
  fishsim_paint_stroke (p, 0.006, 0.2, 0.3, 0.2, 0.5);
  fishsim_paint_sheen (p, 0.30, -0.15, -0.10);
  cairo_move_to (cr, 0.33, 0.02);
  cairo_curve_to (cr, 0.28, 0.0, 0.22, 0.02, 0.18, 0.05);
  cairo_curve_to (cr, 0.24, 0.05, 0.29, 0.05, 0.33, 0.04);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.78, 0.74, 0.30);
  fishsim_paint_eye (p, 0.455, 0.005, 0.017, 0.55, 0.45, 0.2);
}

double
fishsim_fish_aspect (FishKind kind)
{
  switch (kind)
    {
    case FISH_OPAH:
      return 1.1;
    case FISH_FLAT:
      return 1.6;
    case FISH_BIGEYE:
    case FISH_STRIPED:
      return 2.5;
    case FISH_LONG:
      return 8.0;
    default:
      return 3.5;
    }
}

void
fishsim_draw_fish (cairo_t *cr, FishsimFish *fish, gboolean measure)
{
  FishsimPainter p = { cr, fish, measure, FALSE, 1.0 + 0.14 * fish->tone };
  FishsimBox keep = fish->box;  /* painting leaves the measured box alone */
  cairo_save (cr);
  cairo_translate (cr, fish->cx, fish->cy);
  cairo_rotate (cr, fish->angle);
  cairo_scale (cr, fish->length, fish->mirror ? -fish->length : fish->length);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  /* a wet dark patch under it, in the box of nothing */
  if (!measure)
    {
      cairo_save (cr);
      cairo_translate (cr, 0.01, 0.03);
      cairo_scale (cr, 0.5, 0.14);
      cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
      cairo_restore (cr);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.22);
      cairo_fill (cr);
    }

  switch (fish->kind)
    {
    case FISH_ALBACORE:
    case FISH_BIGEYE:
    case FISH_YELLOWFIN:
      draw_tuna (&p);
      break;
    case FISH_DOLPHIN:
      draw_dolphin (&p);
      break;
    case FISH_OPAH:
      fishsim_draw_opah (&p);
      break;
    case FISH_SHARK:
      fishsim_draw_shark (&p);
      break;
    case FISH_FLAT:
      fishsim_draw_flat (&p);
      break;
    case FISH_STRIPED:
      fishsim_draw_striped (&p);
      break;
    case FISH_LONG:
    case FISH_N_KINDS:
    default:
      fishsim_draw_long (&p);
      break;
    }

  /* head and tail points in device pixels (the point annotations) */
  fish->head[0] = 0.5, fish->head[1] = 0.0;
  fish->tail[0] = -0.5, fish->tail[1] = 0.0;
  cairo_user_to_device (cr, &fish->head[0], &fish->head[1]);
  cairo_user_to_device (cr, &fish->tail[0], &fish->tail[1]);
  cairo_restore (cr);
  if (!measure)
    fish->box = keep;
}
