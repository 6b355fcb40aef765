/* fathom-chart-series.c: per-series accessors, the x-sorted view, nearest
 * point lookup and per-pixel-column decimation. */
#include "fathom-chart-data-private.h"

#include <math.h>
#include <string.h>

const char *
fathom_chart_series_get_name (FathomChartSeries *series)
{
  return series->name;
}

const char *
fathom_chart_series_get_run (FathomChartSeries *series)
{
  return series->run;
}

const char *
fathom_chart_series_get_unit (FathomChartSeries *series)
{
  return series->unit;
}

FathomChartKind
fathom_chart_series_get_kind (FathomChartSeries *series)
{
  return series->kind;
}

gboolean
fathom_chart_series_get_visible (FathomChartSeries *series)
{
  return series->visible;
}

gsize
fathom_chart_series_get_n_points (FathomChartSeries *series)
{
  return series->x->len;
}

double
fathom_chart_series_get_x (FathomChartSeries *series,
                           gsize              i)
{
  g_return_val_if_fail (i < series->x->len, NAN);
  return g_array_index (series->x, double, i);
}

double
fathom_chart_series_get_y (FathomChartSeries *series,
                           gsize              i)
{
  g_return_val_if_fail (i < series->y->len, NAN);
  return g_array_index (series->y, double, i);
}

double
fathom_chart_series_get_smoothed (FathomChartSeries *series,
                                  gsize              i)
{
  g_return_val_if_fail (i < series->s->len, NAN);
  return g_array_index (series->s, double, i);
}

guint
fathom_chart_series_get_n_nonpositive (FathomChartSeries *series)
{
  return series->n_nonpositive;
}

static int
cmp_by_x (gconstpointer a,
          gconstpointer b,
          gpointer      user_data)
{
  const double *x = user_data;
  guint ia = *(const guint *) a, ib = *(const guint *) b;

  if (x[ia] != x[ib])
    return x[ia] < x[ib] ? -1 : 1;
  return ia < ib ? -1 : (ia > ib);   /* stable: keeps insertion order */
}

/* The x-sorted arrays: the storage itself, or cached sorted copies. */
static gsize
series_sorted (FathomChartSeries *s,
               const double     **xs,
               const double     **ys,
               const double     **ss)
{
  gsize n = s->x->len;

  if (s->sorted)
    {
      *xs = (const double *) s->x->data;
      *ys = (const double *) s->y->data;
      *ss = (const double *) s->s->data;
      return n;
    }
  if (s->sorted_n != n)
    {
      g_autofree guint *idx = g_new (guint, n);

      for (gsize i = 0; i < n; i++)
        idx[i] = i;
      g_qsort_with_data (idx, n, sizeof (guint), cmp_by_x, s->x->data);
      s->sx = g_renew (double, s->sx, n);
      s->sy = g_renew (double, s->sy, n);
      s->ss = g_renew (double, s->ss, n);
      for (gsize i = 0; i < n; i++)
        {
          s->sx[i] = g_array_index (s->x, double, idx[i]);
          s->sy[i] = g_array_index (s->y, double, idx[i]);
          s->ss[i] = g_array_index (s->s, double, idx[i]);
        }
      s->sorted_n = n;
    }
  *xs = s->sx;
  *ys = s->sy;
  *ss = s->ss;
  return n;
}

/* First index with xs[i] >= x (strict: xs[i] > x). */
static gsize
bound (const double *xs,
       gsize         n,
       double        x,
       gboolean      strict)
{
  gsize lo = 0, hi = n;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (strict ? xs[mid] <= x : xs[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gboolean
fathom_chart_series_nearest (FathomChartSeries *series,
                             double             x,
                             double            *px,
                             double            *py,
                             double            *ps)
{
  const double *xs, *ys, *ss;
  gsize n = series_sorted (series, &xs, &ys, &ss);
  gsize i;

  if (n == 0 || isnan (x))
    return FALSE;
  i = bound (xs, n, x, FALSE);
  if (i == n || (i > 0 && x - xs[i - 1] < xs[i] - x))
    i--;
  *px = xs[i];
  *py = ys[i];
  *ps = ss[i];
  return TRUE;
}

void
fathom_chart_envelope_clear (FathomChartEnvelope *env)
{
  g_clear_pointer (&env->columns, g_free);
  memset (env, 0, sizeof *env);
}

static inline void
column_add (guint    *n,
            double   *first,
            double   *last,
            double   *min,
            double   *max,
            gboolean *min_first,
            double    v)
{
  if ((*n)++ == 0)
    {
      *first = *last = *min = *max = v;
      *min_first = TRUE;
      return;
    }
  *last = v;
  /* A new extreme is the latest point, so it comes after the other one. */
  if (v < *min)
    {
      *min = v;
      *min_first = FALSE;
    }
  else if (v > *max)
    {
      *max = v;
      *min_first = TRUE;
    }
}

void
fathom_chart_series_decimate (FathomChartSeries   *series,
                              double               x0,
                              double               x1,
                              guint                n_columns,
                              gboolean             positive_only,
                              FathomChartEnvelope *env)
{
  const double *xs, *ys, *ss;
  gsize n = series_sorted (series, &xs, &ys, &ss);
  gsize i0, i1;
  double scale;

  if (env->n_columns != n_columns || env->columns == NULL)
    env->columns = g_renew (FathomChartColumn, env->columns, MAX (n_columns, 1));
  memset (env->columns, 0, sizeof (FathomChartColumn) * MAX (n_columns, 1));
  env->n_columns = n_columns;
  env->x0 = x0;
  env->x1 = x1;
  env->n_points = 0;
  env->has_before = env->has_after = FALSE;
  if (n == 0 || n_columns == 0 || !(x1 > x0))
    return;

  i0 = bound (xs, n, x0, FALSE);
  i1 = bound (xs, n, x1, TRUE);
  if (i0 > 0)
    {
      env->has_before = TRUE;
      env->before_x = xs[i0 - 1];
      env->before_y = ys[i0 - 1];
      env->before_s = ss[i0 - 1];
    }
  if (i1 < n)
    {
      env->has_after = TRUE;
      env->after_x = xs[i1];
      env->after_y = ys[i1];
      env->after_s = ss[i1];
    }
  env->n_points = i1 - i0;

  /* Only the visible index range is walked: zooming in gets cheaper. */
  scale = n_columns / (x1 - x0);
  for (gsize i = i0; i < i1; i++)
    {
      guint c = (guint) ((xs[i] - x0) * scale);
      FathomChartColumn *col = &env->columns[MIN (c, n_columns - 1)];
      double y = ys[i], s = ss[i];

      if (isfinite (y))
        {
          if (positive_only && y <= 0)
            col->n_nonpositive++;
          else
            {
              if (col->n == 0)
                col->x_first = xs[i];
              col->x_last = xs[i];
              column_add (&col->n, &col->first, &col->last, &col->min, &col->max,
                          &col->min_first, y);
            }
        }
      if (isfinite (s) && (!positive_only || s > 0))
        column_add (&col->s_n, &col->s_first, &col->s_last, &col->s_min, &col->s_max,
                    &col->s_min_first, s);
    }
}

const char *
fathom_chart_kind_to_string (FathomChartKind kind)
{
  switch (kind)
    {
    case FATHOM_CHART_KIND_LOSS: return "loss";
    case FATHOM_CHART_KIND_ACCURACY: return "accuracy";
    case FATHOM_CHART_KIND_OTHER: default: return "other";
    }
}

FathomChartKind
fathom_chart_kind_from_string (const char *str)
{
  if (g_strcmp0 (str, "loss") == 0)
    return FATHOM_CHART_KIND_LOSS;
  if (g_strcmp0 (str, "accuracy") == 0)
    return FATHOM_CHART_KIND_ACCURACY;
  return FATHOM_CHART_KIND_OTHER;
}
