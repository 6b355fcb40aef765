/* fathom-chart-curves.c: the series layer (faint raw band, smoothed line,
 * markers for values a log scale cannot show) and the hover and selection
 * overlays. Curves are drawn from per-pixel-column envelopes, so the cost
 * follows the plot width, not the number of points. */
#include "fathom-chart-render-private.h"

#include <math.h>

typedef struct {
  cairo_t  *cr;
  gboolean  started;
} Tracer;

static void
tracer_point (Tracer *t,
              double  x,
              double  y)
{
  if (t->started)
    cairo_line_to (t->cr, x, y);
  else
    cairo_move_to (t->cr, x, y);
  t->started = TRUE;
}

static gboolean
drawable (double   v,
          gboolean log)
{
  return isfinite (v) && (!log || v > 0);
}

/* Per column: first, then min and max in the order they occurred, then
 * last. At one column per pixel this is the exact polyline's raster. */
static void
trace_envelope (cairo_t                   *cr,
                const FathomChartLayout   *layout,
                const FathomChartView     *view,
                const FathomChartAxis     *axis,
                const FathomChartEnvelope *env,
                gboolean                   smoothed)
{
  Tracer t = { cr, FALSE };
  double colw = layout->plot.width / env->n_columns;
  double before = smoothed ? env->before_s : env->before_y;
  double after = smoothed ? env->after_s : env->after_y;

  if (env->has_before && drawable (before, axis->log))
    tracer_point (&t, fathom_chart_draw_map_x (layout, &view->x, env->before_x),
                  fathom_chart_draw_map_y (layout, axis, before));
  for (guint c = 0; c < env->n_columns; c++)
    {
      const FathomChartColumn *col = &env->columns[c];
      guint n = smoothed ? col->s_n : col->n;
      double cx = layout->plot.x + (c + 0.5) * colw;
      double xf = col->n ? fathom_chart_draw_map_x (layout, &view->x, col->x_first) : cx;
      double xl = col->n ? fathom_chart_draw_map_x (layout, &view->x, col->x_last) : cx;
      double first = smoothed ? col->s_first : col->first;
      double last = smoothed ? col->s_last : col->last;
      double lo = smoothed ? col->s_min : col->min;
      double hi = smoothed ? col->s_max : col->max;
      gboolean min_first = smoothed ? col->s_min_first : col->min_first;

      if (n == 0)
        continue;
      tracer_point (&t, xf, fathom_chart_draw_map_y (layout, axis, first));
      if (n == 1)
        continue;
      tracer_point (&t, cx, fathom_chart_draw_map_y (layout, axis, min_first ? lo : hi));
      tracer_point (&t, cx, fathom_chart_draw_map_y (layout, axis, min_first ? hi : lo));
      tracer_point (&t, xl, fathom_chart_draw_map_y (layout, axis, last));
    }
  if (env->has_after && drawable (after, axis->log))
    tracer_point (&t, fathom_chart_draw_map_x (layout, &view->x, env->after_x),
                  fathom_chart_draw_map_y (layout, axis, after));
  cairo_stroke (cr);
}

static void
draw_dots (cairo_t                   *cr,
           const FathomChartLayout   *layout,
           const FathomChartView     *view,
           const FathomChartAxis     *axis,
           const FathomChartEnvelope *env)
{
  for (guint c = 0; c < env->n_columns; c++)
    {
      const FathomChartColumn *col = &env->columns[c];

      if (col->n == 0)
        continue;
      cairo_new_sub_path (cr);
      cairo_arc (cr, fathom_chart_draw_map_x (layout, &view->x, col->x_last),
                 fathom_chart_draw_map_y (layout, axis, col->last), 3, 0, 2 * G_PI);
    }
  cairo_fill (cr);
}

/* Values <= 0 on a log axis: a short bar on the bottom edge of each
 * column that has some, explained by the legend's note. */
static void
draw_nonpositive (cairo_t                   *cr,
                  const FathomChartLayout   *layout,
                  const FathomChartEnvelope *env)
{
  double colw = layout->plot.width / env->n_columns;
  double bottom = layout->plot.y + layout->plot.height;

  for (guint c = 0; c < env->n_columns; c++)
    if (env->columns[c].n_nonpositive > 0)
      cairo_rectangle (cr, layout->plot.x + c * colw + colw / 2 - 1.5, bottom - 8,
                       MAX (colw, 3), 8);
  cairo_fill (cr);
}

void
fathom_chart_render_series (cairo_t                 *cr,
                            FathomChartData         *data,
                            const FathomChartView   *view,
                            const FathomChartStyle  *style,
                            const FathomChartLayout *layout)
{
  const FathomChartRect *p = &layout->plot;
  guint n_columns = MAX (1, (guint) ceil (p->width));
  double smoothing = fathom_chart_data_get_smoothing (data);
  FathomChartEnvelope env = { 0 };

  if (!fathom_chart_axis_is_valid (&view->x))
    return;
  cairo_save (cr);
  cairo_rectangle (cr, p->x, p->y, p->width, p->height);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint id = 0; id < fathom_chart_data_get_n_series (data); id++)
    {
      FathomChartSeries *s = fathom_chart_data_get_series (data, id);
      const FathomChartAxis *axis = fathom_chart_draw_series_axis (data, view, id);
      const FathomChartRGBA *color = fathom_chart_style_series_color (style, id);
      gboolean sparse, smooth;

      if (!fathom_chart_series_get_visible (s) || !fathom_chart_axis_is_valid (axis))
        continue;
      fathom_chart_series_decimate (s, view->x.lo, view->x.hi, n_columns, axis->log, &env);
      /* Few points (per-epoch series): dots and a plain line read better
       * than a smoothed line that lags a handful of points. */
      sparse = env.n_points * 6 <= n_columns;
      smooth = smoothing > 0 && !sparse;
      fathom_chart_draw_color (cr, color, smooth ? (style->dark ? 0.32 : 0.25) : 1.0);
      cairo_set_line_width (cr, smooth ? 1.0 : 1.8);
      trace_envelope (cr, layout, view, axis, &env, FALSE);
      if (smooth)
        {
          fathom_chart_draw_color (cr, color, 1.0);
          cairo_set_line_width (cr, 2.0);
          trace_envelope (cr, layout, view, axis, &env, TRUE);
        }
      if (sparse)
        draw_dots (cr, layout, view, axis, &env);
      if (axis->log)
        {
          fathom_chart_draw_color (cr, color, 0.85);
          draw_nonpositive (cr, layout, &env);
        }
    }
  fathom_chart_envelope_clear (&env);
  cairo_restore (cr);
}

static void
format_step (double  x,
             char   *buf,
             gsize   len)
{
  if (x == floor (x) && fabs (x) < 1e15)
    g_snprintf (buf, len, "%.0f", x);
  else
    g_snprintf (buf, len, "%.4g", x);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

#define HOVER_COLS 4

void
fathom_chart_render_hover (cairo_t                 *cr,
                           FathomChartData         *data,
                           const FathomChartView   *view,
                           const FathomChartStyle  *style,
                           const FathomChartLayout *layout,
                           double                   px,
                           double                   py)
{
  const FathomChartRect *p = &layout->plot;
  static const char *heads[HOVER_COLS] = { "", "step", "value", "smoothed" };
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  double ux, uy, x, colw[HOVER_COLS] = { 0 }, row_h = round (style->font_size * 1.45);
  double pad = 8, sw = 14, bw, bh, bx, by;
  guint rows;

  fathom_chart_layout_to_unit (layout, px, py, &ux, &uy);
  if (ux < 0 || ux > 1 || uy < 0 || uy > 1 || !fathom_chart_axis_is_valid (&view->x))
    return;
  x = fathom_chart_axis_from_unit (&view->x, ux);

  cairo_save (cr);
  fathom_chart_draw_color (cr, &style->foreground, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, round (px) + 0.5, p->y);
  cairo_line_to (cr, round (px) + 0.5, p->y + p->height);
  cairo_stroke (cr);

  for (guint i = 0; i < HOVER_COLS; i++)
    g_ptr_array_add (cells, g_strdup (heads[i]));
  for (guint id = 0; id < fathom_chart_data_get_n_series (data); id++)
    {
      FathomChartSeries *s = fathom_chart_data_get_series (data, id);
      const FathomChartAxis *axis = fathom_chart_draw_series_axis (data, view, id);
      double sx, sy, ss;
      char v[32], sm[32], st[32];

      if (!fathom_chart_series_get_visible (s) || !fathom_chart_series_nearest (s, x, &sx, &sy, &ss))
        continue;
      if (drawable (sy, axis->log) && fathom_chart_axis_is_valid (axis))
        {
          double dx = fathom_chart_draw_map_x (layout, &view->x, sx);
          double dy = fathom_chart_draw_map_y (layout, axis, sy);

          fathom_chart_draw_color (cr, &style->background, 1);
          cairo_arc (cr, dx, dy, 4.5, 0, 2 * G_PI);
          cairo_fill (cr);
          fathom_chart_draw_color (cr, fathom_chart_style_series_color (style, id), 1);
          cairo_arc (cr, dx, dy, 3.2, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      format_step (sx, st, sizeof st);
      fathom_chart_format_value (sy, v, sizeof v);
      fathom_chart_format_value (ss, sm, sizeof sm);
      g_array_append_val (ids, id);
      g_ptr_array_add (cells, layout->show_runs
                       ? g_strdup_printf ("%s \u00b7 %s", fathom_chart_series_get_run (s),
                                          fathom_chart_series_get_name (s))
                       : g_strdup (fathom_chart_series_get_name (s)));
      g_ptr_array_add (cells, g_strdup (st));
      g_ptr_array_add (cells, g_strdup (v));
      g_ptr_array_add (cells, g_strdup (sm));
    }
  rows = cells->len / HOVER_COLS;
  if (rows <= 1)
    {
      cairo_restore (cr);
      return;
    }

  fathom_chart_draw_font (cr, style, 0.92, FALSE);
  for (guint i = 0; i < cells->len; i++)
    colw[i % HOVER_COLS] = MAX (colw[i % HOVER_COLS],
                                fathom_chart_draw_text_width (cr, cells->pdata[i]));
  bw = pad * 2 + sw + colw[0] + (colw[1] + colw[2] + colw[3]) + 3 * 14;
  bh = pad * 2 + rows * row_h;
  /* Beside the cursor, flipped to the left near the right edge. */
  bx = px + 14 + bw > p->x + p->width ? px - 14 - bw : px + 14;
  bx = MAX (bx, 2);
  by = CLAMP (py - bh / 2, p->y, MAX (p->y, p->y + p->height - bh));

  rounded_rect (cr, bx, by, bw, bh, 6);
  fathom_chart_draw_color (cr, &style->background, 0.94);
  cairo_fill_preserve (cr);
  fathom_chart_draw_color (cr, &style->foreground, 0.22);
  cairo_stroke (cr);

  for (guint r = 0; r < rows; r++)
    {
      double y = by + pad + (r + 0.5) * row_h;
      double cx = bx + pad + sw;

      if (r > 0)
        {
          fathom_chart_draw_color (cr, fathom_chart_style_series_color (style,
                                   g_array_index (ids, guint, r - 1)), 1);
          cairo_rectangle (cr, bx + pad, y - 4, 9, 9);
          cairo_fill (cr);
        }
      for (guint c = 0; c < HOVER_COLS; c++)
        {
          /* Numbers right-aligned so digits line up down the column. */
          fathom_chart_draw_color (cr, &style->foreground, r == 0 ? 0.55 : 0.92);
          if (c == 0)
            fathom_chart_draw_text (cr, cx, y, cells->pdata[r * HOVER_COLS], 0);
          else
            fathom_chart_draw_text (cr, cx + colw[c], y, cells->pdata[r * HOVER_COLS + c], 1);
          cx += colw[c] + 14;
        }
    }
  cairo_restore (cr);
}

void
fathom_chart_render_selection (cairo_t                *cr,
                               const FathomChartStyle *style,
                               const FathomChartRect  *rect)
{
  cairo_save (cr);
  cairo_rectangle (cr, round (rect->x) + 0.5, round (rect->y) + 0.5,
                   round (rect->width), round (rect->height));
  fathom_chart_draw_color (cr, &style->palette[0], 0.12);
  cairo_fill_preserve (cr);
  fathom_chart_draw_color (cr, &style->palette[0], 0.7);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_restore (cr);
}
