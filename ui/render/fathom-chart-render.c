/* fathom-chart-render.c: style, layout and the frame, series and legend
 * layers of the loss chart. */
#include "fathom-chart-render-private.h"

#include <math.h>
#include <string.h>

/* GNOME palette hues: saturated on white, lighter tints on dark grey. */
static const FathomChartRGBA light_palette[FATHOM_CHART_PALETTE_SIZE] = {
  { 0.110, 0.443, 0.847, 1 }, { 0.902, 0.380, 0.000, 1 },
  { 0.149, 0.635, 0.412, 1 }, { 0.506, 0.239, 0.612, 1 },
  { 0.753, 0.110, 0.157, 1 }, { 0.055, 0.553, 0.612, 1 },
  { 0.525, 0.369, 0.235, 1 }, { 0.776, 0.271, 0.490, 1 },
  { 0.600, 0.540, 0.000, 1 }, { 0.369, 0.361, 0.392, 1 },
};
static const FathomChartRGBA dark_palette[FATHOM_CHART_PALETTE_SIZE] = {
  { 0.384, 0.627, 0.918, 1 }, { 1.000, 0.639, 0.282, 1 },
  { 0.341, 0.890, 0.537, 1 }, { 0.753, 0.380, 0.796, 1 },
  { 0.965, 0.380, 0.318, 1 }, { 0.357, 0.784, 0.851, 1 },
  { 0.804, 0.671, 0.561, 1 }, { 0.941, 0.549, 0.729, 1 },
  { 0.973, 0.894, 0.361, 1 }, { 0.753, 0.749, 0.737, 1 },
};

void
fathom_chart_style_init (FathomChartStyle *style,
                         gboolean          dark)
{
  static const FathomChartRGBA light_bg = { 1, 1, 1, 1 }, light_fg = { 0.14, 0.14, 0.16, 1 };
  static const FathomChartRGBA dark_bg = { 0.118, 0.118, 0.118, 1 }, dark_fg = { 0.92, 0.92, 0.92, 1 };

  memset (style, 0, sizeof *style);
  style->dark = dark;
  style->background = dark ? dark_bg : light_bg;
  style->foreground = dark ? dark_fg : light_fg;
  memcpy (style->palette, dark ? dark_palette : light_palette, sizeof style->palette);
  style->font_size = 12;
  style->fill_background = TRUE;
}

const FathomChartRGBA *
fathom_chart_style_series_color (const FathomChartStyle *style,
                                 guint                   id)
{
  return &style->palette[id % FATHOM_CHART_PALETTE_SIZE];
}

void
fathom_chart_draw_color (cairo_t               *cr,
                         const FathomChartRGBA *color,
                         double                 alpha)
{
  cairo_set_source_rgba (cr, color->r, color->g, color->b, color->a * alpha);
}

void
fathom_chart_draw_font (cairo_t                *cr,
                        const FathomChartStyle *style,
                        double                  scale,
                        gboolean                bold)
{
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, style->font_size * scale);
}

double
fathom_chart_draw_text_width (cairo_t    *cr,
                              const char *text)
{
  cairo_text_extents_t te;

  cairo_text_extents (cr, text, &te);
  return te.x_advance;
}

void
fathom_chart_draw_text (cairo_t    *cr,
                        double      x,
                        double      y_mid,
                        const char *text,
                        double      halign)
{
  cairo_font_extents_t fe;

  cairo_font_extents (cr, &fe);
  cairo_move_to (cr, x - halign * fathom_chart_draw_text_width (cr, text),
                 y_mid + (fe.ascent - fe.descent) / 2);
  cairo_show_text (cr, text);
}

/* Far-off coordinates (deep zoom) are clamped: cairo's fixed point
 * overflows near 2^23. */
double
fathom_chart_draw_map_x (const FathomChartLayout *layout,
                         const FathomChartAxis   *axis,
                         double                   v)
{
  double px = layout->plot.x + layout->plot.width * fathom_chart_axis_to_unit (axis, v);

  return isnan (px) ? 0 : CLAMP (px, -1e5, 1e5);
}

double
fathom_chart_draw_map_y (const FathomChartLayout *layout,
                         const FathomChartAxis   *axis,
                         double                   v)
{
  double py = layout->plot.y + layout->plot.height * (1 - fathom_chart_axis_to_unit (axis, v));

  return isnan (py) ? 0 : CLAMP (py, -1e5, 1e5);
}

const FathomChartAxis *
fathom_chart_draw_series_axis (FathomChartData       *data,
                               const FathomChartView *view,
                               guint                  id)
{
  return fathom_chart_data_series_on_y2 (data, id) ? &view->y2 : &view->y;
}

static double
max_label_width (cairo_t               *cr,
                 const FathomChartAxis *axis,
                 guint                  target)
{
  FathomChartTick ticks[FATHOM_CHART_MAX_TICKS];
  double step = 0, w = 0;
  guint n = fathom_chart_axis_ticks (axis, target, ticks, G_N_ELEMENTS (ticks), &step);

  for (guint i = 0; i < n; i++)
    if (ticks[i].major)
      {
        char buf[48];

        fathom_chart_format_tick (ticks[i].value, step, axis->log, buf, sizeof buf);
        w = MAX (w, fathom_chart_draw_text_width (cr, buf));
      }
  return w;
}

static guint
y_target (const FathomChartStyle *style,
          double                  h)
{
  return MAX (2, (guint) (h / (style->font_size * 4)));
}

static void
legend_place (FathomChartLayout     *layout,
              FathomChartLegendKind  kind,
              guint                  series,
              double                 w,
              double                 row_h,
              double                 left,
              double                 right,
              double                *x,
              double                *y)
{
  FathomChartLegendItem *item;

  if (layout->n_items >= FATHOM_CHART_MAX_LEGEND)
    return;
  /* A run heading never ends a row: wrap it together with its first item. */
  if (*x > left && *x + w > right)
    {
      *x = left;
      *y += row_h;
    }
  item = &layout->items[layout->n_items++];
  item->kind = kind;
  item->series = series;
  item->rect = (FathomChartRect) { *x, *y, w, row_h };
  *x += w + row_h * (kind == FATHOM_CHART_LEGEND_RUN ? 0.4 : 0.9);
}

static void
layout_legend (cairo_t                *cr,
               FathomChartData        *data,
               const FathomChartView  *view,
               const FathomChartStyle *style,
               FathomChartLayout      *layout,
               double                  left,
               double                  top,
               double                  right,
               double                  row_h)
{
  guint n = fathom_chart_data_get_n_series (data);
  g_autoptr(GPtrArray) runs = g_ptr_array_new ();
  double x = left, y = top;

  for (guint i = 0; i < n; i++)
    {
      const char *run = fathom_chart_series_get_run (fathom_chart_data_get_series (data, i));

      if (!g_ptr_array_find_with_equal_func (runs, run, g_str_equal, NULL))
        g_ptr_array_add (runs, (gpointer) run);
    }
  /* one run named as the chart's title needs no heading of its own */
  layout->show_runs = runs->len > 1 ||
                      (runs->len == 1 && *(const char *) runs->pdata[0] &&
                       g_strcmp0 (runs->pdata[0], fathom_chart_data_get_title (data)) != 0);

  /* Series grouped by run, in the order runs first appear. */
  for (guint r = 0; r < runs->len; r++)
    {
      gboolean heading = layout->show_runs;

      for (guint i = 0; i < n; i++)
        {
          FathomChartSeries *s = fathom_chart_data_get_series (data, i);
          double w;

          if (g_strcmp0 (fathom_chart_series_get_run (s), runs->pdata[r]) != 0)
            continue;
          if (heading)
            {
              fathom_chart_draw_font (cr, style, 1.0, TRUE);
              w = fathom_chart_draw_text_width (cr, runs->pdata[r]);
              if (x > left && x + w + row_h * 2 > right)
                {
                  x = left;
                  y += row_h;
                }
              legend_place (layout, FATHOM_CHART_LEGEND_RUN, i, w, row_h, left, right, &x, &y);
              heading = FALSE;
            }
          fathom_chart_draw_font (cr, style, 1.0, FALSE);
          w = row_h * 1.4 + fathom_chart_draw_text_width (cr, fathom_chart_series_get_name (s));
          legend_place (layout, FATHOM_CHART_LEGEND_SERIES, i, w, row_h, left, right, &x, &y);
        }
      x += row_h * 0.6;
    }

  layout->n_nonpositive = view->y.log ? fathom_chart_data_count_nonpositive (data) : 0;
  if (layout->n_nonpositive > 0)
    {
      g_snprintf (layout->note, sizeof layout->note,
                  "%u value%s \u2264 0 not shown on log scale",
                  layout->n_nonpositive, layout->n_nonpositive == 1 ? "" : "s");
      fathom_chart_draw_font (cr, style, 0.92, FALSE);
      legend_place (layout, FATHOM_CHART_LEGEND_NOTE, 0,
                    row_h * 0.8 + fathom_chart_draw_text_width (cr, layout->note),
                    row_h, left, right, &x, &y);
    }
  layout->legend = (FathomChartRect) { left, top, right - left, layout->n_items ? y + row_h - top : 0 };
}

void
fathom_chart_layout_compute (cairo_t                *cr,
                             FathomChartData        *data,
                             const FathomChartView  *view,
                             const FathomChartStyle *style,
                             double                  width,
                             double                  height,
                             FathomChartLayout      *layout)
{
  double fs = style->font_size, pad = round (fs), row_h = round (fs * 1.7);
  double top = pad, bottom, left, right, plot_h;

  memset (layout, 0, sizeof *layout);
  layout->width = width;
  layout->height = height;
  layout->has_y2 = fathom_chart_data_uses_y2 (data);

  cairo_save (cr);
  if (fathom_chart_data_get_title (data))
    top += round (fs * 1.9);
  layout_legend (cr, data, view, style, layout, pad, top, width - pad, row_h);
  top += layout->legend.height + round (fs * 0.7);

  /* Bottom: a row of tick labels and a row for the axis title. */
  bottom = height - pad - 2 * row_h;
  plot_h = MAX (bottom - top, 10);
  fathom_chart_draw_font (cr, style, 1.0, FALSE);
  left = pad + row_h + max_label_width (cr, &view->y, y_target (style, plot_h)) + 8;
  if (layout->has_y2)
    right = width - pad - row_h - max_label_width (cr, &view->y2, y_target (style, plot_h)) - 8;
  else
    right = width - pad - fs * 1.5;   /* room for half of the last x label */
  cairo_restore (cr);

  layout->plot = (FathomChartRect) { left, top, MAX (right - left, 10), plot_h };
}

const FathomChartLegendItem *
fathom_chart_layout_legend_hit (const FathomChartLayout *layout,
                                double                   x,
                                double                   y)
{
  for (guint i = 0; i < layout->n_items; i++)
    {
      const FathomChartRect *r = &layout->items[i].rect;

      if (x >= r->x && x < r->x + r->width && y >= r->y && y < r->y + r->height)
        return &layout->items[i];
    }
  return NULL;
}

void
fathom_chart_layout_to_unit (const FathomChartLayout *layout,
                             double                   x,
                             double                   y,
                             double                  *ux,
                             double                  *uy)
{
  *ux = (x - layout->plot.x) / layout->plot.width;
  *uy = 1 - (y - layout->plot.y) / layout->plot.height;
}

void
fathom_chart_render_legend (cairo_t                 *cr,
                            FathomChartData         *data,
                            const FathomChartStyle  *style,
                            const FathomChartLayout *layout)
{
  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint i = 0; i < layout->n_items; i++)
    {
      const FathomChartLegendItem *item = &layout->items[i];
      const FathomChartRect *r = &item->rect;
      double mid = r->y + r->height / 2;
      FathomChartSeries *s = fathom_chart_data_get_series (data, item->series);
      gboolean on;

      switch (item->kind)
        {
        case FATHOM_CHART_LEGEND_RUN:
          fathom_chart_draw_font (cr, style, 1.0, TRUE);
          fathom_chart_draw_color (cr, &style->foreground, 0.8);
          fathom_chart_draw_text (cr, r->x, mid, fathom_chart_series_get_run (s), 0);
          break;

        case FATHOM_CHART_LEGEND_SERIES:
          /* A hidden series keeps its place, dimmed, so it can be toggled back. */
          on = fathom_chart_series_get_visible (s);
          cairo_set_line_width (cr, 3);
          fathom_chart_draw_color (cr, fathom_chart_style_series_color (style, item->series),
                                   on ? 1.0 : 0.25);
          cairo_move_to (cr, r->x + 2, mid);
          cairo_line_to (cr, r->x + r->height * 1.4 - 8, mid);
          cairo_stroke (cr);
          fathom_chart_draw_font (cr, style, 1.0, FALSE);
          fathom_chart_draw_color (cr, &style->foreground, on ? 0.9 : 0.4);
          fathom_chart_draw_text (cr, r->x + r->height * 1.4, mid,
                                  fathom_chart_series_get_name (s), 0);
          break;

        case FATHOM_CHART_LEGEND_NOTE:
        default:
          /* The same mark the plot draws at the bottom edge. */
          fathom_chart_draw_color (cr, &style->foreground, 0.6);
          cairo_rectangle (cr, r->x + 2, mid - 4, 3, 8);
          cairo_fill (cr);
          fathom_chart_draw_font (cr, style, 0.92, FALSE);
          fathom_chart_draw_color (cr, &style->foreground, 0.65);
          fathom_chart_draw_text (cr, r->x + r->height * 0.8, mid, layout->note, 0);
          break;
        }
    }
  cairo_restore (cr);
}

void
fathom_chart_render (cairo_t                *cr,
                     FathomChartData        *data,
                     const FathomChartView  *view,
                     const FathomChartStyle *style,
                     double                  width,
                     double                  height,
                     FathomChartLayout      *layout)
{
  FathomChartLayout local;
  cairo_font_options_t *fo = cairo_font_options_create ();

  if (layout == NULL)
    layout = &local;
  /* Grey antialiasing: subpixel colour fringes look wrong in exported images. */
  cairo_font_options_set_antialias (fo, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
  cairo_save (cr);
  cairo_set_font_options (cr, fo);
  fathom_chart_layout_compute (cr, data, view, style, width, height, layout);
  fathom_chart_render_frame (cr, data, view, style, layout);
  fathom_chart_render_series (cr, data, view, style, layout);
  fathom_chart_render_legend (cr, data, style, layout);
  cairo_restore (cr);
  cairo_font_options_destroy (fo);
}
