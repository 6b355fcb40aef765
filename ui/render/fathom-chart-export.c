/* fathom-chart-export.c: the chart as PNG (image surface) and SVG (cairo's
 * SVG surface), plus the CSV of the raw series; all written atomically. */
#include "fathom-chart-render-private.h"
#include "fathom-atomic-file.h"

#include <cairo-svg.h>
#include <gio/gio.h>
#include <string.h>

gboolean
fathom_chart_format_from_path (const char        *path,
                               FathomChartFormat *format)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_suffix (lower, ".png"))
    *format = FATHOM_CHART_FORMAT_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    *format = FATHOM_CHART_FORMAT_SVG;
  else if (g_str_has_suffix (lower, ".csv"))
    *format = FATHOM_CHART_FORMAT_CSV;
  else
    return FALSE;
  return TRUE;
}

static cairo_status_t
append_bytes (void                *closure,
              const unsigned char *bytes,
              unsigned int         len)
{
  g_byte_array_append (closure, bytes, len);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_cairo (cairo_status_t   status,
             const char      *path,
             GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot render %s: %s",
               path, cairo_status_to_string (status));
  return FALSE;
}

/* Exports always paint their own background: a transparent PNG of dark
 * text is unreadable in a dark image viewer. */
static void
export_draw (cairo_surface_t        *surface,
             FathomChartData        *data,
             const FathomChartView  *view,
             const FathomChartStyle *style,
             int                     width,
             int                     height)
{
  cairo_t *cr = cairo_create (surface);
  FathomChartStyle s;
  FathomChartView fitted;

  if (style)
    s = *style;
  else
    fathom_chart_style_init (&s, FALSE);
  s.fill_background = TRUE;
  if (view == NULL)
    {
      fathom_chart_data_fit_view (data, FALSE, &fitted);
      view = &fitted;
    }
  fathom_chart_render (cr, data, view, &s, width, height, NULL);
  cairo_destroy (cr);
}

static gboolean
check_size (int          width,
            int          height,
            const char  *path,
            GError     **error)
{
  if (width > 0 && height > 0 && width <= 16384 && height <= 16384)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Cannot export %s at %d\u00d7%d pixels", path, width, height);
  return FALSE;
}

gboolean
fathom_chart_render_png (FathomChartData        *data,
                         const FathomChartView  *view,
                         const FathomChartStyle *style,
                         int                     width,
                         int                     height,
                         const char             *path,
                         GError                **error)
{
  cairo_surface_t *surface;
  g_autoptr(GByteArray) bytes = NULL;
  gboolean ok;

  if (!check_size (width, height, path, error))
    return FALSE;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  export_draw (surface, data, view, style, width, height);
  bytes = g_byte_array_new ();
  ok = check_cairo (cairo_surface_status (surface), path, error) &&
       check_cairo (cairo_surface_write_to_png_stream (surface, append_bytes, bytes), path, error);
  cairo_surface_destroy (surface);
  return ok && fathom_write_file_atomic (path, bytes->data, bytes->len, error);
}

/* Cairo draws text as glyph outlines, so the legend would not be
 * searchable or readable by a screen reader: add <title> and <desc>. */
static char *
svg_description (FathomChartData *data)
{
  GString *desc = g_string_new ("Legend:");
  const char *run = NULL;

  for (guint i = 0; i < fathom_chart_data_get_n_series (data); i++)
    {
      FathomChartSeries *s = fathom_chart_data_get_series (data, i);
      gboolean new_run = run == NULL || g_strcmp0 (run, fathom_chart_series_get_run (s)) != 0;

      run = fathom_chart_series_get_run (s);
      if (new_run && *run)
        g_string_append_printf (desc, "%s %s:", i ? ";" : "", run);
      else if (i)
        g_string_append_c (desc, ',');
      g_string_append_printf (desc, " %s (%s, %zu points%s)", fathom_chart_series_get_name (s),
                              fathom_chart_kind_to_string (fathom_chart_series_get_kind (s)),
                              fathom_chart_series_get_n_points (s),
                              fathom_chart_series_get_visible (s) ? "" : ", hidden");
    }
  return g_string_free (desc, FALSE);
}

gboolean
fathom_chart_render_svg (FathomChartData        *data,
                         const FathomChartView  *view,
                         const FathomChartStyle *style,
                         int                     width,
                         int                     height,
                         const char             *path,
                         GError                **error)
{
  cairo_surface_t *surface;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autofree char *desc = NULL, *title = NULL, *meta = NULL;
  const char *svg, *open_end;
  GString *out;
  gboolean ok;

  if (!check_size (width, height, path, error))
    return FALSE;
  surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height);
  cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
  /* Sizes in px, as asked: the default pt would scale it by 4/3. */
  cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
  export_draw (surface, data, view, style, width, height);
  cairo_surface_finish (surface);
  ok = check_cairo (cairo_surface_status (surface), path, error);
  cairo_surface_destroy (surface);
  if (!ok)
    return FALSE;

  g_byte_array_append (bytes, (const guint8 *) "", 1);   /* NUL for strstr */
  svg = strstr ((const char *) bytes->data, "<svg");
  open_end = svg ? strchr (svg, '>') : NULL;
  if (open_end == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot render %s: no <svg> element", path);
      return FALSE;
    }
  desc = svg_description (data);
  title = g_strdup (fathom_chart_data_get_title (data) ? fathom_chart_data_get_title (data) : "Loss curves");
  meta = g_markup_printf_escaped ("\n<title>%s</title>\n<desc>%s</desc>", title, desc);
  out = g_string_new_len ((const char *) bytes->data, open_end + 1 - (const char *) bytes->data);
  g_string_append (out, meta);
  g_string_append (out, open_end + 1);
  ok = fathom_write_file_atomic (path, out->str, out->len, error);
  g_string_free (out, TRUE);
  return ok;
}

gboolean
fathom_chart_render_export (FathomChartData        *data,
                     const FathomChartView  *view,
                     const FathomChartStyle *style,
                     FathomChartFormat       format,
                     int                     width,
                     int                     height,
                     const char             *path,
                     GError                **error)
{
  switch (format)
    {
    case FATHOM_CHART_FORMAT_PNG:
      return fathom_chart_render_png (data, view, style, width, height, path, error);
    case FATHOM_CHART_FORMAT_SVG:
      return fathom_chart_render_svg (data, view, style, width, height, path, error);
    case FATHOM_CHART_FORMAT_CSV:
      return fathom_chart_data_write_csv (data, path, error);
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Unknown chart format %d", format);
      return FALSE;
    }
}
