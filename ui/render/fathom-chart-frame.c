/* fathom-chart-frame.c: the frame layer: background, title, grid, axes,
 * tick labels, axis titles and epoch bands. */
#include "fathom-chart-render-private.h"

#include <math.h>

static const char *
frame_axis_title (FathomChartData *data,
                  gboolean         y2)
{
  gboolean uses_y2 = fathom_chart_data_uses_y2 (data);
  const char *title = NULL;

  for (guint i = 0; i < fathom_chart_data_get_n_series (data); i++)
    {
      FathomChartSeries *s = fathom_chart_data_get_series (data, i);
      FathomChartKind kind = fathom_chart_series_get_kind (s);
      gboolean on_y2 = uses_y2 && kind == FATHOM_CHART_KIND_ACCURACY;

      if (!fathom_chart_series_get_visible (s) || on_y2 != y2)
        continue;
      /* A mixed axis (loss and an "other" metric) gets a neutral title. */
      if (title && g_strcmp0 (title, fathom_chart_kind_to_string (kind)) != 0)
        return "value";
      title = fathom_chart_kind_to_string (kind);
    }
  return title && g_strcmp0 (title, "other") != 0 ? title : "value";
}

/* Horizontal grid and labels of one y axis; grid only for the left one so
 * that two sets of lines don't compete. */
static void
frame_y_axis (cairo_t                 *cr,
              const FathomChartStyle  *style,
              const FathomChartLayout *layout,
              const FathomChartAxis   *axis,
              gboolean                 right)
{
  const FathomChartRect *p = &layout->plot;
  FathomChartTick ticks[FATHOM_CHART_MAX_TICKS];
  double step = 0;
  guint target = MAX (2, (guint) (p->height / (style->font_size * 4)));
  guint n = fathom_chart_axis_ticks (axis, target, ticks, G_N_ELEMENTS (ticks), &step);

  for (guint i = 0; i < n; i++)
    {
      double y = round (fathom_chart_draw_map_y (layout, axis, ticks[i].value)) + 0.5;
      char buf[48];

      if (y < p->y - 0.5 || y > p->y + p->height + 0.5)
        continue;
      if (!right)
        {
          fathom_chart_draw_color (cr, &style->foreground, ticks[i].major ? 0.11 : 0.05);
          cairo_move_to (cr, p->x, y);
          cairo_line_to (cr, p->x + p->width, y);
          cairo_stroke (cr);
        }
      if (!ticks[i].major)
        continue;
      fathom_chart_draw_color (cr, &style->foreground, 0.5);
      cairo_move_to (cr, right ? p->x + p->width : p->x - 4, y);
      cairo_rel_line_to (cr, 4, 0);
      cairo_stroke (cr);
      fathom_chart_format_tick (ticks[i].value, step, axis->log, buf, sizeof buf);
      fathom_chart_draw_color (cr, &style->foreground, 0.75);
      fathom_chart_draw_text (cr, right ? p->x + p->width + 7 : p->x - 7, y, buf, right ? 0 : 1);
    }
}

static void
frame_x_axis (cairo_t                 *cr,
              const FathomChartStyle  *style,
              const FathomChartLayout *layout,
              const FathomChartAxis   *axis)
{
  const FathomChartRect *p = &layout->plot;
  FathomChartTick ticks[FATHOM_CHART_MAX_TICKS];
  double step = 0, last_right = -G_MAXDOUBLE;
  double row_h = round (style->font_size * 1.7);
  guint target = MAX (2, (guint) (p->width / (style->font_size * 7.5)));
  guint n = fathom_chart_axis_ticks (axis, target, ticks, G_N_ELEMENTS (ticks), &step);

  for (guint i = 0; i < n; i++)
    {
      double x = round (fathom_chart_draw_map_x (layout, axis, ticks[i].value)) + 0.5;
      char buf[48];
      double w;

      if (x < p->x - 0.5 || x > p->x + p->width + 0.5)
        continue;
      fathom_chart_draw_color (cr, &style->foreground, 0.06);
      cairo_move_to (cr, x, p->y);
      cairo_line_to (cr, x, p->y + p->height);
      cairo_stroke (cr);
      fathom_chart_draw_color (cr, &style->foreground, 0.5);
      cairo_move_to (cr, x, p->y + p->height);
      cairo_rel_line_to (cr, 0, 4);
      cairo_stroke (cr);

      fathom_chart_format_tick (ticks[i].value, step, FALSE, buf, sizeof buf);
      w = fathom_chart_draw_text_width (cr, buf);
      if (x - w / 2 < last_right + 6)
        continue;   /* never overlap labels */
      last_right = x + w / 2;
      fathom_chart_draw_color (cr, &style->foreground, 0.75);
      fathom_chart_draw_text (cr, x, p->y + p->height + row_h * 0.55, buf, 0.5);
    }
}

/* Epoch boundaries as dashed lines; "epoch k" centred in each band that is
 * wide enough, so the labels never crowd. */
static void
frame_epochs (cairo_t                 *cr,
              FathomChartData         *data,
              const FathomChartView   *view,
              const FathomChartStyle  *style,
              const FathomChartLayout *layout)
{
  const FathomChartRect *p = &layout->plot;
  static const double dash[] = { 4, 3 };
  guint n;
  const double *marks = fathom_chart_data_get_epoch_marks (data, &n);
  double band_start = p->x;

  if (n == 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, p->x, p->y, p->width, p->height);
  cairo_clip (cr);
  fathom_chart_draw_font (cr, style, 0.85, FALSE);
  for (guint i = 0; i <= n; i++)
    {
      double x = i < n ? round (fathom_chart_draw_map_x (layout, &view->x, marks[i])) + 0.5
                       : p->x + p->width;
      double l = MAX (band_start, p->x), r = MIN (x, p->x + p->width);
      char label[32];

      if (i < n && x >= p->x && x <= p->x + p->width)
        {
          fathom_chart_draw_color (cr, &style->foreground, 0.28);
          cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
          cairo_move_to (cr, x, p->y);
          cairo_line_to (cr, x, p->y + p->height);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      g_snprintf (label, sizeof label, "epoch %u", i + 1);
      if (r - l > fathom_chart_draw_text_width (cr, label) + 12)
        {
          fathom_chart_draw_color (cr, &style->foreground, 0.45);
          fathom_chart_draw_text (cr, (l + r) / 2, p->y + style->font_size * 0.8, label, 0.5);
        }
      band_start = x;
    }
  cairo_restore (cr);
}

static void
frame_title_rotated (cairo_t    *cr,
                     double      x,
                     double      y,
                     double      angle,
                     const char *text)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, angle);
  fathom_chart_draw_text (cr, 0, 0, text, 0.5);
  cairo_restore (cr);
}

void
fathom_chart_render_frame (cairo_t                 *cr,
                           FathomChartData         *data,
                           const FathomChartView   *view,
                           const FathomChartStyle  *style,
                           const FathomChartLayout *layout)
{
  const FathomChartRect *p = &layout->plot;
  double fs = style->font_size, pad = round (fs), row_h = round (fs * 1.7);
  const char *title = fathom_chart_data_get_title (data);
  char ytitle[64];

  cairo_save (cr);
  if (style->fill_background)
    {
      fathom_chart_draw_color (cr, &style->background, 1);
      cairo_paint (cr);
    }
  if (title)
    {
      fathom_chart_draw_font (cr, style, 1.25, TRUE);
      fathom_chart_draw_color (cr, &style->foreground, 1);
      fathom_chart_draw_text (cr, pad, pad + fs * 0.75, title, 0);
    }

  cairo_set_line_width (cr, 1);
  fathom_chart_draw_font (cr, style, 1.0, FALSE);
  if (fathom_chart_axis_is_valid (&view->y))
    frame_y_axis (cr, style, layout, &view->y, FALSE);
  if (layout->has_y2 && fathom_chart_axis_is_valid (&view->y2))
    frame_y_axis (cr, style, layout, &view->y2, TRUE);
  if (fathom_chart_axis_is_valid (&view->x))
    frame_x_axis (cr, style, layout, &view->x);
  frame_epochs (cr, data, view, style, layout);

  /* Axis lines: left and bottom (and right with a second axis). */
  fathom_chart_draw_color (cr, &style->foreground, 0.55);
  cairo_move_to (cr, round (p->x) + 0.5, p->y);
  cairo_line_to (cr, round (p->x) + 0.5, p->y + p->height + 0.5);
  cairo_line_to (cr, p->x + p->width, p->y + p->height + 0.5);
  if (layout->has_y2)
    cairo_line_to (cr, p->x + p->width, p->y);
  cairo_stroke (cr);

  fathom_chart_draw_color (cr, &style->foreground, 0.85);
  fathom_chart_draw_text (cr, p->x + p->width / 2, p->y + p->height + row_h * 1.55,
                          "step", 0.5);
  g_snprintf (ytitle, sizeof ytitle, "%s%s", frame_axis_title (data, FALSE),
              view->y.log ? " (log scale)" : "");
  frame_title_rotated (cr, pad + row_h * 0.4, p->y + p->height / 2, -G_PI / 2, ytitle);
  if (layout->has_y2)
    frame_title_rotated (cr, layout->width - pad - row_h * 0.4, p->y + p->height / 2,
                         G_PI / 2, frame_axis_title (data, TRUE));
  cairo_restore (cr);
}
