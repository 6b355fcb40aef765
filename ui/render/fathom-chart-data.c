/* fathom-chart-data.c: series storage, incremental debiased EMA, the
 * accuracy axis rule and fitting the view to the data. */
#include "fathom-chart-data-private.h"

#include <math.h>
#include <string.h>

static void
series_free (gpointer p)
{
  FathomChartSeries *s = p;

  g_free (s->run);
  g_free (s->name);
  g_free (s->unit);
  g_array_unref (s->x);
  g_array_unref (s->y);
  g_array_unref (s->s);
  g_free (s->sx);
  g_free (s->sy);
  g_free (s->ss);
  g_free (s);
}

FathomChartData *
fathom_chart_data_new (void)
{
  FathomChartData *data = g_new0 (FathomChartData, 1);

  g_atomic_ref_count_init (&data->ref);
  data->series = g_ptr_array_new_with_free_func (series_free);
  data->epoch_marks = g_array_new (FALSE, FALSE, sizeof (double));
  data->smoothing = 0.6;
  return data;
}

FathomChartData *
fathom_chart_data_ref (FathomChartData *data)
{
  g_atomic_ref_count_inc (&data->ref);
  return data;
}

void
fathom_chart_data_unref (FathomChartData *data)
{
  if (data == NULL || !g_atomic_ref_count_dec (&data->ref))
    return;
  g_ptr_array_unref (data->series);
  g_array_unref (data->epoch_marks);
  g_free (data->title);
  g_free (data);
}

static void
series_reset_ema (FathomChartSeries *s)
{
  s->ema = 0;
  s->w_pow = 1;
  s->last_s = NAN;
}

guint
fathom_chart_data_add_series (FathomChartData *data,
                              const char      *run,
                              const char      *name,
                              FathomChartKind  kind,
                              const char      *unit)
{
  FathomChartSeries *s = g_new0 (FathomChartSeries, 1);

  s->run = g_strdup (run ? run : "");
  s->name = g_strdup (name ? name : "");
  s->unit = g_strdup (unit ? unit : "");
  s->kind = kind;
  s->visible = TRUE;
  s->x = g_array_new (FALSE, FALSE, sizeof (double));
  s->y = g_array_new (FALSE, FALSE, sizeof (double));
  s->s = g_array_new (FALSE, FALSE, sizeof (double));
  s->sorted = TRUE;
  series_reset_ema (s);
  g_ptr_array_add (data->series, s);
  data->generation++;
  return data->series->len - 1;
}

int
fathom_chart_data_find_series (FathomChartData *data,
                               const char      *run,
                               const char      *name)
{
  for (guint i = 0; i < data->series->len; i++)
    {
      FathomChartSeries *s = g_ptr_array_index (data->series, i);

      if (g_strcmp0 (s->run, run ? run : "") == 0 && g_strcmp0 (s->name, name) == 0)
        return (int) i;
    }
  return -1;
}

guint
fathom_chart_data_get_n_series (FathomChartData *data)
{
  return data->series->len;
}

FathomChartSeries *
fathom_chart_data_get_series (FathomChartData *data,
                              guint            id)
{
  g_return_val_if_fail (id < data->series->len, NULL);
  return g_ptr_array_index (data->series, id);
}

/* One EMA step; non-finite values (a diverged loss) keep the last value. */
static double
series_ema_push (FathomChartSeries *s,
                 double             w,
                 double             y)
{
  if (isfinite (y))
    {
      s->ema = w * s->ema + (1.0 - w) * y;
      s->w_pow *= w;
      s->last_s = s->ema / (1.0 - s->w_pow);
    }
  return s->last_s;
}

static void
series_push (FathomChartSeries *s,
             double             w,
             double             x,
             double             y)
{
  double sm = series_ema_push (s, w, y);

  if (s->x->len > 0 && x < g_array_index (s->x, double, s->x->len - 1))
    s->sorted = FALSE;
  g_array_append_val (s->x, x);
  g_array_append_val (s->y, y);
  g_array_append_val (s->s, sm);

  if (s->x->len == 1 || x < s->xmin)
    s->xmin = x;
  if (s->x->len == 1 || x > s->xmax)
    s->xmax = x;
  if (!isfinite (y))
    return;
  if (!s->has_finite || y < s->ymin)
    s->ymin = y;
  if (!s->has_finite || y > s->ymax)
    s->ymax = y;
  s->has_finite = TRUE;
  if (y <= 0)
    {
      s->n_nonpositive++;
      return;
    }
  if (!s->has_positive || y < s->ymin_pos)
    s->ymin_pos = y;
  if (!s->has_positive || y > s->ymax_pos)
    s->ymax_pos = y;
  s->has_positive = TRUE;
}

void
fathom_chart_data_append (FathomChartData *data,
                          guint            id,
                          double           x,
                          double           y)
{
  g_return_if_fail (id < data->series->len);
  g_return_if_fail (isfinite (x));
  series_push (g_ptr_array_index (data->series, id), data->smoothing, x, y);
  data->generation++;
}

void
fathom_chart_data_append_many (FathomChartData *data,
                               guint            id,
                               const double    *x,
                               const double    *y,
                               gsize            n)
{
  FathomChartSeries *s;

  g_return_if_fail (id < data->series->len);
  s = g_ptr_array_index (data->series, id);
  for (gsize i = 0; i < n; i++)
    if (isfinite (x[i]))
      series_push (s, data->smoothing, x[i], y[i]);
  data->generation++;
}

void
fathom_chart_data_set_series_visible (FathomChartData *data,
                                      guint            id,
                                      gboolean         visible)
{
  FathomChartSeries *s;

  g_return_if_fail (id < data->series->len);
  s = g_ptr_array_index (data->series, id);
  if (s->visible == !!visible)
    return;
  s->visible = !!visible;
  data->generation++;
}

void
fathom_chart_data_add_epoch_mark (FathomChartData *data,
                                  double           x)
{
  g_array_append_val (data->epoch_marks, x);
  data->generation++;
}

const double *
fathom_chart_data_get_epoch_marks (FathomChartData *data,
                                   guint           *n)
{
  *n = data->epoch_marks->len;
  return (const double *) data->epoch_marks->data;
}

void
fathom_chart_data_set_smoothing (FathomChartData *data,
                                 double           weight)
{
  /* w = 1 would freeze the average at the first point and divide 0 by 0. */
  weight = isfinite (weight) ? CLAMP (weight, 0.0, 0.999) : 0.0;
  if (weight == data->smoothing)
    return;
  data->smoothing = weight;
  for (guint i = 0; i < data->series->len; i++)
    {
      FathomChartSeries *s = g_ptr_array_index (data->series, i);
      double *y = (double *) s->y->data;
      double *sm = (double *) s->s->data;

      series_reset_ema (s);
      for (guint j = 0; j < s->y->len; j++)
        sm[j] = series_ema_push (s, weight, y[j]);
      s->sorted_n = 0;
    }
  data->generation++;
}

double
fathom_chart_data_get_smoothing (FathomChartData *data)
{
  return data->smoothing;
}

void
fathom_chart_data_set_title (FathomChartData *data,
                             const char      *title)
{
  g_free (data->title);
  data->title = g_strdup (title);
  data->generation++;
}

const char *
fathom_chart_data_get_title (FathomChartData *data)
{
  return data->title;
}

guint64
fathom_chart_data_get_generation (FathomChartData *data)
{
  return data->generation;
}

gboolean
fathom_chart_data_uses_y2 (FathomChartData *data)
{
  gboolean acc = FALSE, other = FALSE;

  for (guint i = 0; i < data->series->len; i++)
    {
      FathomChartSeries *s = g_ptr_array_index (data->series, i);

      if (!s->visible)
        continue;
      if (s->kind == FATHOM_CHART_KIND_ACCURACY)
        acc = TRUE;
      else
        other = TRUE;
    }
  return acc && other;
}

gboolean
fathom_chart_data_series_on_y2 (FathomChartData *data,
                                guint            id)
{
  FathomChartSeries *s = fathom_chart_data_get_series (data, id);

  return s && s->kind == FATHOM_CHART_KIND_ACCURACY && fathom_chart_data_uses_y2 (data);
}

guint
fathom_chart_data_count_nonpositive (FathomChartData *data)
{
  gboolean y2 = fathom_chart_data_uses_y2 (data);
  guint n = 0;

  for (guint i = 0; i < data->series->len; i++)
    {
      FathomChartSeries *s = g_ptr_array_index (data->series, i);

      if (s->visible && !(y2 && s->kind == FATHOM_CHART_KIND_ACCURACY))
        n += s->n_nonpositive;
    }
  return n;
}

static void
pad_range (FathomChartAxis *axis,
           gboolean         have,
           double           lo,
           double           hi,
           double           fallback_lo,
           double           fallback_hi)
{
  double t0, t1, pad;

  if (!have)
    {
      axis->lo = fallback_lo;
      axis->hi = fallback_hi;
      return;
    }
  t0 = axis->log ? log10 (lo) : lo;
  t1 = axis->log ? log10 (hi) : hi;
  pad = t1 > t0 ? 0.05 * (t1 - t0) : MAX (fabs (t0) * 0.1, 0.5);
  t0 -= pad;
  t1 += pad;
  /* Losses and accuracies are >= 0: don't show a negative band. */
  if (!axis->log && lo >= 0 && t0 < 0)
    t0 = 0;
  axis->lo = axis->log ? pow (10.0, t0) : t0;
  axis->hi = axis->log ? pow (10.0, t1) : t1;
}

void
fathom_chart_data_fit_view (FathomChartData *data,
                            gboolean         log,
                            FathomChartView *view)
{
  gboolean y2 = fathom_chart_data_uses_y2 (data);
  gboolean have_x = FALSE, have_y = FALSE, have_y2 = FALSE;
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0, a0 = 0, a1 = 0;

  for (guint i = 0; i < data->series->len; i++)
    {
      FathomChartSeries *s = g_ptr_array_index (data->series, i);
      gboolean on_y2 = y2 && s->kind == FATHOM_CHART_KIND_ACCURACY;

      if (!s->visible || s->x->len == 0)
        continue;
      x0 = have_x ? MIN (x0, s->xmin) : s->xmin;
      x1 = have_x ? MAX (x1, s->xmax) : s->xmax;
      have_x = TRUE;
      if (on_y2 && s->has_finite)
        {
          a0 = have_y2 ? MIN (a0, s->ymin) : s->ymin;
          a1 = have_y2 ? MAX (a1, s->ymax) : s->ymax;
          have_y2 = TRUE;
        }
      else if (!on_y2 && (log ? s->has_positive : s->has_finite))
        {
          double lo = log ? s->ymin_pos : s->ymin;
          double hi = log ? s->ymax_pos : s->ymax;

          y0 = have_y ? MIN (y0, lo) : lo;
          y1 = have_y ? MAX (y1, hi) : hi;
          have_y = TRUE;
        }
    }
  view->x.log = FALSE;
  view->y.log = log;
  view->y2.log = FALSE;
  if (have_x && x1 > x0)
    {
      view->x.lo = x0;
      view->x.hi = x1;
    }
  else
    {
      view->x.lo = have_x ? x0 - 0.5 : 0;
      view->x.hi = have_x ? x0 + 0.5 : 1;
    }
  pad_range (&view->y, have_y, y0, y1, log ? 0.01 : 0, 1);
  pad_range (&view->y2, have_y2, a0, a1, 0, 1);
}

