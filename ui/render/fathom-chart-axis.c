/* fathom-chart-axis.c: view ranges, unit mapping, 1-2-5 and log ticks. */
#include "fathom-chart-axis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double
axis_t (const FathomChartAxis *axis, double v)
{
  if (!axis->log)
    return v;
  return v > 0 ? log10 (v) : -INFINITY;
}

static double
axis_t_inv (const FathomChartAxis *axis, double t)
{
  return axis->log ? pow (10.0, t) : t;
}

gboolean
fathom_chart_axis_is_valid (const FathomChartAxis *axis)
{
  if (!isfinite (axis->lo) || !isfinite (axis->hi) || !(axis->hi > axis->lo))
    return FALSE;
  return !axis->log || axis->lo > 0;
}

double
fathom_chart_axis_to_unit (const FathomChartAxis *axis,
                           double                 v)
{
  double t0 = axis_t (axis, axis->lo);
  double t1 = axis_t (axis, axis->hi);

  return (axis_t (axis, v) - t0) / (t1 - t0);
}

double
fathom_chart_axis_from_unit (const FathomChartAxis *axis,
                             double                 u)
{
  double t0 = axis_t (axis, axis->lo);
  double t1 = axis_t (axis, axis->hi);

  return axis_t_inv (axis, t0 + u * (t1 - t0));
}

void
fathom_chart_axis_set_unit_range (FathomChartAxis *axis,
                                  double           u0,
                                  double           u1)
{
  double lo = fathom_chart_axis_from_unit (axis, MIN (u0, u1));
  double hi = fathom_chart_axis_from_unit (axis, MAX (u0, u1));
  double scale = MAX (MAX (fabs (lo), fabs (hi)), 1e-300);
  FathomChartAxis next = { lo, hi, axis->log };

  /* A span near the floating-point resolution would give equal ticks and
   * division by zero downstream: keep the old range instead. */
  if (!fathom_chart_axis_is_valid (&next))
    return;
  if (axis->log ? log10 (hi) - log10 (lo) < 1e-9 : (hi - lo) / scale < 1e-12)
    return;
  if (axis->log && (hi > 1e300 || lo < 1e-300))
    return;
  *axis = next;
}

void
fathom_chart_axis_zoom (FathomChartAxis *axis,
                        double           anchor,
                        double           factor)
{
  if (!(factor > 0) || !isfinite (factor) || !isfinite (anchor))
    return;
  fathom_chart_axis_set_unit_range (axis,
                                    anchor - anchor * factor,
                                    anchor + (1.0 - anchor) * factor);
}

void
fathom_chart_axis_pan (FathomChartAxis *axis,
                       double           delta)
{
  if (!isfinite (delta))
    return;
  fathom_chart_axis_set_unit_range (axis, delta, 1.0 + delta);
}

double
fathom_chart_nice_step (double raw)
{
  double mag, f;

  if (!(raw > 0) || !isfinite (raw))
    return 1.0;
  mag = pow (10.0, floor (log10 (raw)));
  f = raw / mag;
  /* Thresholds at the geometric means of 1, 2, 5, 10. */
  if (f < 1.4142)
    return mag;
  if (f < 3.1623)
    return 2 * mag;
  if (f < 7.0711)
    return 5 * mag;
  return 10 * mag;
}

guint
fathom_chart_nice_ticks (double           lo,
                         double           hi,
                         guint            target,
                         FathomChartTick *ticks,
                         guint            max_ticks,
                         double          *step)
{
  double s, first;
  guint n = 0;

  if (!(hi > lo) || !isfinite (lo) || !isfinite (hi))
    return 0;
  s = fathom_chart_nice_step ((hi - lo) / MAX (target, 1));
  first = ceil (lo / s - 1e-9) * s;
  for (guint i = 0; n < max_ticks; i++)
    {
      double v = first + i * s;

      if (v > hi + s * 1e-9)
        break;
      /* Snap tiny residues (0.1 + 0.2) so that "0" prints as zero. */
      if (fabs (v) < s * 1e-9)
        v = 0;
      ticks[n].value = v;
      ticks[n].major = TRUE;
      n++;
    }
  if (step)
    *step = s;
  return n;
}

static guint
add_tick (FathomChartTick *ticks,
          guint            n,
          guint            max_ticks,
          double           lo,
          double           hi,
          double           v,
          gboolean         major)
{
  /* Relative slack so that the exact decade at an edge is kept. */
  if (n >= max_ticks || v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9))
    return n;
  ticks[n].value = v;
  ticks[n].major = major;
  return n + 1;
}

guint
fathom_chart_log_ticks (double           lo,
                        double           hi,
                        guint            target,
                        FathomChartTick *ticks,
                        guint            max_ticks)
{
  double span;
  int d0, d1, every;
  guint n = 0, n_major = 0;

  if (!(lo > 0) || !(hi > lo) || !isfinite (hi))
    return 0;
  span = log10 (hi) - log10 (lo);
  d0 = (int) floor (log10 (lo));
  d1 = (int) ceil (log10 (hi));
  target = MAX (target, 2);

  if (span * 3 > target + 1)
    {
      /* Many decades: label every k-th decade, the others are minor grid;
       * 2..9 minors only while they stay a few pixels apart. */
      every = MAX (1, (int) ceil (span / target));
      for (int d = d0; d <= d1; d++)
        {
          double p = pow (10.0, d);

          n = add_tick (ticks, n, max_ticks, lo, hi, p, d % every == 0);
          if (every == 1 && span <= 6.0)
            for (int m = 2; m <= 9; m++)
              n = add_tick (ticks, n, max_ticks, lo, hi, m * p, FALSE);
        }
      return n;
    }

  /* Few decades: decades and 2, 5 are labelled; with less than about one
   * decade every multiple is labelled so that there are enough labels. */
  for (int d = d0; d <= d1; d++)
    for (int m = 1; m <= 9; m++)
      {
        double v = m * pow (10.0, d);

        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && (m == 1 || m == 2 || m == 5))
          n_major++;
      }
  for (int d = d0; d <= d1; d++)
    for (int m = 1; m <= 9; m++)
      {
        gboolean major = m == 1 || m == 2 || m == 5 || n_major < 3;

        n = add_tick (ticks, n, max_ticks, lo, hi, m * pow (10.0, d), major);
      }
  return n;
}

guint
fathom_chart_axis_ticks (const FathomChartAxis *axis,
                         guint                  target,
                         FathomChartTick       *ticks,
                         guint                  max_ticks,
                         double                *step)
{
  if (!fathom_chart_axis_is_valid (axis))
    return 0;
  if (axis->log)
    {
      if (step)
        *step = 0;
      return fathom_chart_log_ticks (axis->lo, axis->hi, target, ticks, max_ticks);
    }
  return fathom_chart_nice_ticks (axis->lo, axis->hi, target, ticks, max_ticks, step);
}

/* "1.50" -> "1.5", "2.0" -> "2"; leaves integers alone. */
static void
strip_zeros (char *buf)
{
  char *dot = strchr (buf, '.');
  char *end;

  if (dot == NULL)
    return;
  end = buf + strlen (buf) - 1;
  while (end > dot && *end == '0')
    *end-- = '\0';
  if (end == dot)
    *end = '\0';
}

static void
format_si (double v,
           double step,
           char  *buf,
           gsize  len)
{
  static const struct { double unit; const char *suffix; } units[] = {
    { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" },
  };
  double a = fabs (v);

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (a >= units[i].unit)
      {
        int decimals = 0;

        if (step > 0)
          decimals = CLAMP ((int) ceil (-log10 (step / units[i].unit) - 1e-9), 0, 6);
        else
          decimals = 3;
        g_snprintf (buf, len, "%.*f", decimals, v / units[i].unit);
        strip_zeros (buf);
        g_strlcat (buf, units[i].suffix, len);
        return;
      }
  g_snprintf (buf, len, "%g", v);
}

void
fathom_chart_format_tick (double    v,
                          double    step,
                          gboolean  log,
                          char     *buf,
                          gsize     len)
{
  double a = fabs (v);

  if (v == 0 || !isfinite (v))
    {
      g_snprintf (buf, len, "%s", v == 0 ? "0" : "");
      return;
    }
  if (log)
    {
      if (a >= 1e4)
        format_si (v, 0, buf, len);
      else if (a >= 1e-4)
        g_snprintf (buf, len, "%g", v);
      else
        {
          int e = (int) floor (log10 (a) + 1e-9);

          g_snprintf (buf, len, "%ge%d", v / pow (10.0, e), e);
        }
      return;
    }
  if (a >= 1e4 && step >= 1)
    {
      format_si (v, step, buf, len);
      return;
    }
  if (step < 1e-5 || a >= 1e9)
    {
      g_snprintf (buf, len, "%.3g", v);
      return;
    }
  g_snprintf (buf, len, "%.*f",
              CLAMP ((int) ceil (-log10 (step) - 1e-9), 0, 8), v);
}

void
fathom_chart_format_value (double  v,
                           char   *buf,
                           gsize   len)
{
  if (!isfinite (v))
    g_snprintf (buf, len, "%s", isnan (v) ? "n/a" : (v > 0 ? "inf" : "-inf"));
  else if (fabs (v) >= 1e5 && fabs (v) < 1e15 && v == floor (v))
    format_si (v, 0, buf, len);
  else
    g_snprintf (buf, len, "%.4g", v);
}
