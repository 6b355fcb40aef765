/* fathom-fishsim-species.c: the fish of the synthetic fisheries set that
 * are not tuna-shaped: the round, red-finned, white-spotted opah (LAG), the
 * shark with its tall dorsal and uneven tail, and the OTHER class (a
 * flatfish, a small striped or barred fish, a long thin one). The painting
 * helpers and the unit frame are those of fathom-fishsim-draw.c.
 */
#include "fathom-fishsim-private.h"

#include <math.h>

/* ---- opah (LAG) ------------------------------------------------------- */

void
fishsim_draw_opah (FishsimPainter *p)
{
  cairo_t *cr = p->cr;
  const double red[3] = { 0.86, 0.12, 0.10 };
  static const double body[] = { 0, 0.30, 0.36, 0.52, 0.45, 0.62, 0.50, 0.62,
                                 1, 0.88, 0.62, 0.60 };

  /* tall falcate dorsal lobe, then the low rear part */
  cairo_move_to (cr, 0.22, -0.24);
  cairo_curve_to (cr, 0.16, -0.38, 0.06, -0.48, -0.05, -0.53);
  cairo_curve_to (cr, -0.01, -0.42, -0.03, -0.34, -0.07, -0.29);
  cairo_curve_to (cr, -0.17, -0.27, -0.27, -0.19, -0.34, -0.08);
  cairo_line_to (cr, 0.0, -0.15);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, red[0], red[1], red[2]);
  cairo_move_to (cr, 0.0, 0.27);
  cairo_curve_to (cr, -0.1, 0.30, -0.24, 0.20, -0.34, 0.08);
  cairo_line_to (cr, -0.1, 0.1);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, red[0], red[1], red[2]);
  /* pelvic fins hang below the belly */
  cairo_move_to (cr, 0.18, 0.26);
  cairo_curve_to (cr, 0.14, 0.36, 0.07, 0.43, -0.02, 0.47);
  cairo_curve_to (cr, 0.02, 0.38, 0.05, 0.32, 0.05, 0.26);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, red[0], red[1], red[2]);
  cairo_move_to (cr, -0.34, -0.02);
  cairo_curve_to (cr, -0.40, -0.06, -0.45, -0.11, -0.50, -0.16);
  cairo_curve_to (cr, -0.48, -0.08, -0.45, -0.03, -0.44, 0.0);
  cairo_curve_to (cr, -0.45, 0.03, -0.48, 0.08, -0.50, 0.16);
  cairo_curve_to (cr, -0.45, 0.11, -0.40, 0.06, -0.34, 0.02);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, red[0], red[1], red[2]);

  cairo_move_to (cr, 0.46, 0.03);
  cairo_curve_to (cr, 0.44, -0.18, 0.30, -0.31, 0.05, -0.31);
  cairo_curve_to (cr, -0.18, -0.31, -0.30, -0.14, -0.37, -0.035);
  cairo_line_to (cr, -0.37, 0.035);
  cairo_curve_to (cr, -0.30, 0.14, -0.18, 0.30, 0.05, 0.30);
  cairo_curve_to (cr, 0.30, 0.30, 0.44, 0.18, 0.46, 0.03);
  cairo_close_path (cr);
  fishsim_paint_gradient (p, -0.31, 0.30, body, 3);

  /* the white spots all over */
  if (fishsim_paint_detail (p))
    for (int i = 0; i < 46; i++)
      {
        double a = 2 * G_PI * fishsim_hash01 (p->fish->variant, i);
        double r = sqrt (fishsim_hash01 (p->fish->variant, 200 + i)) * 0.9;
        double x = 0.03 + 0.34 * r * cos (a);
        double y = 0.26 * r * sin (a);

        cairo_arc (cr, x, y, 0.011 + 0.008 * fishsim_hash01 (p->fish->variant, 400 + i), 0, 2 * G_PI);
        cairo_set_source_rgba (cr, 0.97, 0.96, 0.92, 0.85);
        cairo_fill (cr);
      }
  /* red jaw, gill arc, pectoral */
  cairo_move_to (cr, 0.465, 0.03);
  cairo_curve_to (cr, 0.44, 0.08, 0.40, 0.10, 0.36, 0.08);
  cairo_curve_to (cr, 0.40, 0.06, 0.43, 0.04, 0.44, 0.02);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, red[0], red[1], red[2]);
  cairo_move_to (cr, 0.30, -0.20);
  cairo_curve_to (cr, 0.26, -0.07, 0.26, 0.07, 0.30, 0.20);
  fishsim_paint_stroke (p, 0.008, 0.5, 0.3, 0.35, 0.6);
  cairo_move_to (cr, 0.24, -0.04);
  cairo_curve_to (cr, 0.12, -0.10, 0.02, -0.10, -0.14, -0.08);
  cairo_curve_to (cr, 0.0, -0.04, 0.10, 0.0, 0.24, 0.0);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, red[0], red[1], red[2]);
  fishsim_paint_eye (p, 0.37, -0.07, 0.04, 0.92, 0.75, 0.25);
}

/* ---- shark ------------------------------------------------------------- */

void
fishsim_draw_shark (FishsimPainter *p)
{
  cairo_t *cr = p->cr;
  gboolean blue = p->fish->variant % 3 == 0;
  double fin[3] = { 0.36, 0.39, 0.42 };
  double grey[] = { 0, 0.30, 0.33, 0.36, 0.55, 0.46, 0.49, 0.52,
                    0.75, 0.82, 0.82, 0.80, 1, 0.92, 0.92, 0.90 };

  if (blue)
    {
      fin[0] = 0.20, fin[1] = 0.30, fin[2] = 0.55;
      grey[1] = 0.15, grey[2] = 0.24, grey[3] = 0.52;
      grey[5] = 0.30, grey[6] = 0.42, grey[7] = 0.68;
    }
  /* tall triangular first dorsal, small second dorsal and anal */
  cairo_move_to (cr, 0.13, -0.07);
  cairo_curve_to (cr, 0.09, -0.14, 0.04, -0.20, -0.02, -0.24);
  cairo_curve_to (cr, -0.02, -0.16, -0.03, -0.10, -0.07, -0.06);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, fin[0], fin[1], fin[2]);
  cairo_move_to (cr, -0.21, -0.04);
  cairo_line_to (cr, -0.27, -0.085);
  cairo_line_to (cr, -0.27, -0.03);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, fin[0], fin[1], fin[2]);
  cairo_move_to (cr, -0.22, 0.04);
  cairo_line_to (cr, -0.28, 0.075);
  cairo_line_to (cr, -0.28, 0.025);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, fin[0], fin[1], fin[2]);
  cairo_move_to (cr, -0.08, 0.06);
  cairo_line_to (cr, -0.15, 0.11);
  cairo_line_to (cr, -0.15, 0.05);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, fin[0], fin[1], fin[2]);
  /* heterocercal tail: the upper lobe is far longer */
  cairo_move_to (cr, -0.33, -0.02);
  cairo_curve_to (cr, -0.40, -0.06, -0.46, -0.12, -0.51, -0.19);
  cairo_curve_to (cr, -0.49, -0.11, -0.46, -0.04, -0.44, -0.005);
  cairo_curve_to (cr, -0.445, 0.03, -0.45, 0.06, -0.44, 0.095);
  cairo_curve_to (cr, -0.40, 0.06, -0.37, 0.035, -0.33, 0.02);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, fin[0], fin[1], fin[2]);

  cairo_move_to (cr, 0.50, 0.02);
  cairo_curve_to (cr, 0.49, -0.04, 0.40, -0.075, 0.25, -0.08);
  cairo_curve_to (cr, 0.05, -0.085, -0.20, -0.05, -0.345, -0.022);
  cairo_line_to (cr, -0.36, -0.015);
  cairo_line_to (cr, -0.36, 0.015);
  cairo_curve_to (cr, -0.20, 0.04, 0.05, 0.075, 0.25, 0.07);
  cairo_curve_to (cr, 0.40, 0.065, 0.48, 0.05, 0.50, 0.02);
  cairo_close_path (cr);
  fishsim_paint_gradient (p, -0.085, 0.075, grey, 4);

  for (int i = 0; i < 5; i++)
    {
      double x = 0.30 - i * 0.016;

      cairo_move_to (cr, x, -0.035);
      cairo_curve_to (cr, x - 0.008, -0.01, x - 0.008, 0.01, x, 0.03);
      fishsim_paint_stroke (p, 0.004, 0.2, 0.2, 0.22, 0.7);
    }
  fishsim_paint_sheen (p, 0.35, -0.20, -0.065);
  /* the big pectoral fin */
  cairo_move_to (cr, 0.26, 0.045);
  cairo_curve_to (cr, 0.20, 0.12, 0.12, 0.18, 0.05, 0.23);
  cairo_curve_to (cr, 0.10, 0.14, 0.12, 0.09, 0.12, 0.05);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, fin[0] * 0.9, fin[1] * 0.9, fin[2] * 0.9);
  fishsim_paint_eye (p, 0.40, -0.025, 0.012, 0.2, 0.2, 0.15);
}

/* ---- OTHER: a flatfish, a small striped fish, a long thin fish --------- */

void
fishsim_draw_flat (FishsimPainter *p)
{
  cairo_t *cr = p->cr;
  double base = 0.75 + 0.5 * fishsim_hash01 (p->fish->variant, 1);

  cairo_move_to (cr, -0.30, -0.02);
  cairo_line_to (cr, -0.50, -0.11);
  cairo_curve_to (cr, -0.52, -0.04, -0.52, 0.04, -0.50, 0.11);
  cairo_line_to (cr, -0.30, 0.02);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.42 * base, 0.35 * base, 0.24 * base);
  /* the fin fringe all round, then the body */
  cairo_save (cr);
  cairo_translate (cr, 0.05, 0.0);
  cairo_scale (cr, 0.40, 0.28);
  cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
  cairo_restore (cr);
  fishsim_paint_rgb (p, 0.55 * base, 0.47 * base, 0.34 * base);
  cairo_save (cr);
  cairo_translate (cr, 0.06, 0.0);
  cairo_scale (cr, 0.35, 0.23);
  cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
  cairo_restore (cr);
  fishsim_paint_rgb (p, 0.45 * base, 0.36 * base, 0.25 * base);
  if (fishsim_paint_detail (p))
    for (int i = 0; i < 40; i++)
      {
        double a = 2 * G_PI * fishsim_hash01 (p->fish->variant, 10 + i);
        double r = sqrt (fishsim_hash01 (p->fish->variant, 90 + i)) * 0.85;
        gboolean dark = i % 3 != 0;

        cairo_arc (cr, 0.06 + 0.33 * r * cos (a), 0.21 * r * sin (a),
                   0.012 + 0.018 * fishsim_hash01 (p->fish->variant, 170 + i), 0, 2 * G_PI);
        cairo_set_source_rgba (cr, dark ? 0.2 : 0.85, dark ? 0.15 : 0.78, dark ? 0.1 : 0.6, 0.45);
        cairo_fill (cr);
      }
  cairo_move_to (cr, 0.27, -0.17);
  cairo_curve_to (cr, 0.22, -0.05, 0.22, 0.08, 0.28, 0.18);
  fishsim_paint_stroke (p, 0.006, 0.2, 0.15, 0.1, 0.5);
  /* both eyes on the upper side */
  fishsim_paint_eye (p, 0.36, -0.07, 0.02, 0.7, 0.65, 0.4);
  fishsim_paint_eye (p, 0.33, 0.0, 0.02, 0.7, 0.65, 0.4);
}

void
fishsim_draw_striped (FishsimPainter *p)
{
  cairo_t *cr = p->cr;
  guint style = p->fish->variant % 3;   /* striped bass, red snapper, sheepshead */
  double body_rgb[3][3] = { { 0.78, 0.80, 0.78 }, { 0.90, 0.42, 0.38 }, { 0.70, 0.70, 0.66 } };
  double fin_rgb[3][3] = { { 0.55, 0.55, 0.55 }, { 0.88, 0.30, 0.28 }, { 0.30, 0.30, 0.30 } };
  const double *b = body_rgb[style], *f = fin_rgb[style];

  /* spiny dorsal with its spines, anal, broad tail */
  cairo_move_to (cr, 0.25, -0.14);
  for (int i = 0; i < 10; i++)
    {
      double x = 0.25 - i * 0.045;

      cairo_line_to (cr, x - 0.02, -0.24 + 0.007 * i);
      cairo_line_to (cr, x - 0.04, -0.19 + 0.01 * i);
    }
  cairo_line_to (cr, -0.25, -0.05);
  cairo_line_to (cr, 0.0, -0.05);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, f[0], f[1], f[2]);
  cairo_move_to (cr, -0.05, 0.14);
  cairo_line_to (cr, -0.15, 0.22);
  cairo_line_to (cr, -0.24, 0.08);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, f[0], f[1], f[2]);
  cairo_move_to (cr, -0.30, -0.04);
  cairo_line_to (cr, -0.50, -0.17);
  cairo_curve_to (cr, -0.47, -0.05, -0.47, 0.05, -0.50, 0.17);
  cairo_line_to (cr, -0.30, 0.04);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, f[0], f[1], f[2]);

  cairo_move_to (cr, 0.50, 0.02);
  cairo_curve_to (cr, 0.45, -0.12, 0.30, -0.17, 0.10, -0.17);
  cairo_curve_to (cr, -0.10, -0.17, -0.22, -0.09, -0.33, -0.04);
  cairo_line_to (cr, -0.33, 0.04);
  cairo_curve_to (cr, -0.22, 0.10, -0.10, 0.16, 0.10, 0.16);
  cairo_curve_to (cr, 0.30, 0.16, 0.44, 0.10, 0.50, 0.02);
  cairo_close_path (cr);
  if (!p->measure)
    {
      cairo_save (cr);
      cairo_clip_preserve (cr);
    }
  fishsim_paint_rgb (p, b[0], b[1], b[2]);
  if (!p->measure)
    {
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.12, 0.75);
      cairo_set_line_width (cr, 0.018);
      if (style == 0)           /* dark lines along the body */
        for (int i = 0; i < 6; i++)
          {
            double y = -0.11 + i * 0.04;

            cairo_move_to (cr, 0.36, y * 0.8);
            cairo_curve_to (cr, 0.1, y, -0.1, y, -0.34, y * 0.3);
          }
      else if (style == 2)      /* black bars across it */
        for (int i = 0; i < 6; i++)
          {
            double x = 0.28 - i * 0.1;

            cairo_move_to (cr, x, -0.2);
            cairo_line_to (cr, x - 0.02, 0.2);
          }
      if (style == 2)
        cairo_set_line_width (cr, 0.035);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
  cairo_move_to (cr, 0.30, -0.12);
  cairo_curve_to (cr, 0.26, -0.04, 0.26, 0.05, 0.30, 0.12);
  fishsim_paint_stroke (p, 0.007, 0.2, 0.2, 0.2, 0.6);
  cairo_move_to (cr, 0.24, 0.02);
  cairo_line_to (cr, 0.10, 0.06);
  cairo_line_to (cr, 0.22, 0.05);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, f[0], f[1], f[2]);
  fishsim_paint_eye (p, 0.40, -0.04, 0.03, style == 1 ? 0.9 : 0.8, style == 1 ? 0.3 : 0.75, 0.3);
}

void
fishsim_draw_long (FishsimPainter *p)
{
  cairo_t *cr = p->cr;
  gboolean wahoo = p->fish->variant % 2 == 0;  /* else a barracuda */
  static const double wahoo_body[] = { 0, 0.10, 0.25, 0.45, 0.5, 0.45, 0.60, 0.70, 1, 0.88, 0.90, 0.92 };
  static const double cuda_body[] = { 0, 0.30, 0.34, 0.36, 0.5, 0.60, 0.63, 0.64, 1, 0.90, 0.90, 0.88 };

  cairo_move_to (cr, 0.10, -0.05);
  cairo_line_to (cr, -0.02, -0.09);
  cairo_line_to (cr, -0.06, -0.04);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.25, 0.3, 0.4);
  cairo_move_to (cr, -0.25, -0.03);
  cairo_line_to (cr, -0.30, -0.065);
  cairo_line_to (cr, -0.31, -0.02);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.25, 0.3, 0.4);
  cairo_move_to (cr, -0.40, -0.01);
  cairo_line_to (cr, -0.50, -0.08);
  cairo_line_to (cr, -0.46, 0.0);
  cairo_line_to (cr, -0.50, 0.08);
  cairo_line_to (cr, -0.40, 0.01);
  cairo_close_path (cr);
  fishsim_paint_rgb (p, 0.25, 0.3, 0.4);

  /* long and thin with a pointed jaw */
  cairo_move_to (cr, 0.50, 0.0);
  cairo_curve_to (cr, 0.40, -0.03, 0.30, -0.05, 0.15, -0.05);
  cairo_curve_to (cr, -0.10, -0.05, -0.30, -0.03, -0.41, -0.012);
  cairo_line_to (cr, -0.41, 0.012);
  cairo_curve_to (cr, -0.30, 0.03, -0.10, 0.048, 0.15, 0.048);
  cairo_curve_to (cr, 0.30, 0.048, 0.42, 0.03, 0.50, 0.0);
  cairo_close_path (cr);
  fishsim_paint_gradient (p, -0.05, 0.05, wahoo ? wahoo_body : cuda_body, 3);
  if (fishsim_paint_detail (p))
    for (int i = 0; i < 14; i++)
      {
        double x = 0.25 - i * 0.045;

        if (wahoo)
          {
            cairo_move_to (cr, x, -0.045);
            cairo_line_to (cr, x - 0.02, 0.02);
            fishsim_paint_stroke (p, 0.012, 0.12, 0.18, 0.4, 0.8);
          }
        else
          {
            cairo_arc (cr, x, 0.012 + 0.01 * fishsim_hash01 (p->fish->variant, i), 0.008, 0, 2 * G_PI);
            cairo_set_source_rgba (cr, 0.1, 0.1, 0.1, 0.7);
            cairo_fill (cr);
          }
      }
  cairo_move_to (cr, 0.50, 0.0);
  cairo_line_to (cr, 0.36, 0.012);
  fishsim_paint_stroke (p, 0.004, 0.1, 0.1, 0.1, 0.8);
  fishsim_paint_eye (p, 0.37, -0.015, 0.012, 0.75, 0.7, 0.5);
}
