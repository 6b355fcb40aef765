/* test-chart-render.c: the GTK-free loss chart: debiased EMA (by hand and
 * against a naive recomputation), per-column decimation of a million points
 * against brute force, 1-2-5 and log ticks, values <= 0 on a log scale,
 * pixel positions in a PNG render, SVG and CSV export.
 *
 * With FATHOM_RENDER_SAMPLES=DIR set, also writes DIR/chart-sample.png and
 * DIR/chart-sample.svg (two runs, noisy losses, log scale), to look at.
 */
#include "fathom-chart-data.h"
#include "fathom-chart-render.h"
#include "fathom-chart-run.h"
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

static void
assert_close (double got, double want, double tol)
{
  if (!(fabs (got - want) <= tol * MAX (1.0, fabs (want))))
    g_error ("got %.17g, want %.17g (tol %g)", got, want, tol);
}

static void
test_ema_by_hand (void)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  guint id = fathom_chart_data_add_series (data, "r", "loss", FATHOM_CHART_KIND_LOSS, NULL);
  FathomChartSeries *s = fathom_chart_data_get_series (data, id);

  fathom_chart_data_set_smoothing (data, 0.6);
  fathom_chart_data_append (data, id, 0, 1);
  fathom_chart_data_append (data, id, 1, 2);
  fathom_chart_data_append (data, id, 2, 3);
  /* ema: 0.4, 1.04, 1.824; divided by 1 - 0.6^t: 0.4, 0.64, 0.784. */
  assert_close (fathom_chart_series_get_smoothed (s, 0), 1.0, 1e-14);
  assert_close (fathom_chart_series_get_smoothed (s, 1), 1.625, 1e-14);
  assert_close (fathom_chart_series_get_smoothed (s, 2), 1.824 / 0.784, 1e-14);
  assert_close (fathom_chart_series_get_smoothed (s, 2), 2.3265306122448979, 1e-14);

  /* A diverged (NaN) loss keeps the last smoothed value and is skipped. */
  fathom_chart_data_append (data, id, 3, NAN);
  assert_close (fathom_chart_series_get_smoothed (s, 3), 1.824 / 0.784, 1e-14);
  fathom_chart_data_append (data, id, 4, 4);
  assert_close (fathom_chart_series_get_smoothed (s, 4),
                (0.6 * 1.824 + 0.4 * 4) / (1 - pow (0.6, 4)), 1e-14);

  /* Weight 0: the raw values. */
  fathom_chart_data_set_smoothing (data, 0);
  for (guint i = 0; i < 5; i++)
    if (i != 3)
      assert_close (fathom_chart_series_get_smoothed (s, i), fathom_chart_series_get_y (s, i), 0);
}

static void
naive_ema (FathomChartSeries *s, double w)
{
  gsize n = fathom_chart_series_get_n_points (s);
  double ema = 0, last = NAN;
  guint t = 0;

  for (gsize i = 0; i < n; i++)
    {
      double y = fathom_chart_series_get_y (s, i);

      if (isfinite (y))
        {
          t++;
          ema = w * ema + (1 - w) * y;
          last = ema / (1 - pow (w, t));
        }
      assert_close (fathom_chart_series_get_smoothed (s, i), last, 1e-9);
    }
}

static void
test_ema_incremental (void)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  g_autoptr(GRand) rng = g_rand_new_with_seed (11);
  guint id = fathom_chart_data_add_series (data, "r", "loss", FATHOM_CHART_KIND_LOSS, NULL);
  FathomChartSeries *s = fathom_chart_data_get_series (data, id);
  double xs[1000], ys[1000];

  fathom_chart_data_set_smoothing (data, 0.95);
  for (guint i = 0; i < 100000; i++)
    fathom_chart_data_append (data, id, i, 2 * exp (-i / 3e4) + g_rand_double (rng));
  naive_ema (s, 0.95);
  /* A new weight recomputes the whole series, and appends continue from it. */
  fathom_chart_data_set_smoothing (data, 0.3);
  for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
    {
      xs[i] = 100000 + i;
      ys[i] = g_rand_double_range (rng, -1, 1);
    }
  fathom_chart_data_append_many (data, id, xs, ys, G_N_ELEMENTS (xs));
  g_assert_cmpuint (fathom_chart_series_get_n_points (s), ==, 101000);
  naive_ema (s, 0.3);
}

static void
assert_column (const FathomChartColumn *col,
               guint n, double first, double last, double lo, double hi)
{
  g_assert_cmpuint (col->n, ==, n);
  if (n == 0)
    return;
  g_assert_cmpfloat (col->first, ==, first);
  g_assert_cmpfloat (col->last, ==, last);
  g_assert_cmpfloat (col->min, ==, lo);
  g_assert_cmpfloat (col->max, ==, hi);
}

/* Brute force over every point: which column it falls in, by the same
 * (x - x0) * n / (x1 - x0) rule, then min/max/first/last per column. */
static void
check_against_brute_force (FathomChartSeries *s,
                           const double *x, const double *y, gsize n,
                           double x0, double x1, guint cols)
{
  FathomChartEnvelope env = { 0 };
  g_autofree guint *cnt = g_new0 (guint, cols);
  g_autofree double *first = g_new0 (double, cols), *last = g_new0 (double, cols);
  g_autofree double *lo = g_new0 (double, cols), *hi = g_new0 (double, cols);
  guint total = 0;

  fathom_chart_series_decimate (s, x0, x1, cols, FALSE, &env);
  for (gsize i = 0; i < n; i++)
    {
      guint c;

      if (x[i] < x0 || x[i] > x1)
        continue;
      c = MIN ((guint) ((x[i] - x0) * (cols / (x1 - x0))), cols - 1);
      if (cnt[c]++ == 0)
        first[c] = lo[c] = hi[c] = y[i];
      last[c] = y[i];
      lo[c] = MIN (lo[c], y[i]);
      hi[c] = MAX (hi[c], y[i]);
      total++;
    }
  g_assert_cmpuint (env.n_columns, ==, cols);
  g_assert_cmpuint (env.n_points, ==, total);
  for (guint c = 0; c < cols; c++)
    assert_column (&env.columns[c], cnt[c], first[c], last[c], lo[c], hi[c]);
  fathom_chart_envelope_clear (&env);
}

static void
test_decimate_million (void)
{
  const gsize n = 1000000;
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  g_autoptr(GRand) rng = g_rand_new_with_seed (5);
  g_autofree double *x = g_new (double, n), *y = g_new (double, n);
  guint id = fathom_chart_data_add_series (data, "r", "loss", FATHOM_CHART_KIND_LOSS, NULL);
  FathomChartSeries *s = fathom_chart_data_get_series (data, id);
  FathomChartEnvelope env = { 0 };
  g_autoptr(GTimer) timer = g_timer_new ();
  double t_append, t_full, t_zoom;

  for (gsize i = 0; i < n; i++)
    {
      x[i] = i;
      /* Rare spikes are what a naive subsample would lose. */
      y[i] = exp (-(double) i / 2e5) + 0.1 * g_rand_double (rng) + (i % 9973 == 0 ? 5 : 0);
    }
  g_timer_start (timer);
  fathom_chart_data_append_many (data, id, x, y, n);
  t_append = g_timer_elapsed (timer, NULL);

  g_timer_start (timer);
  fathom_chart_series_decimate (s, 0, n, 800, FALSE, &env);
  t_full = g_timer_elapsed (timer, NULL);
  /* 1250 points per column exactly: columns hold [1250c, 1250(c+1)). */
  for (guint c = 0; c < 800; c++)
    {
      double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

      for (gsize i = c * 1250; i < (c + 1) * 1250; i++)
        lo = MIN (lo, y[i]), hi = MAX (hi, y[i]);
      assert_column (&env.columns[c], 1250, y[c * 1250], y[c * 1250 + 1249], lo, hi);
    }
  g_assert_false (env.has_before);

  g_timer_start (timer);
  fathom_chart_series_decimate (s, 250000.5, 260000.25, 800, FALSE, &env);
  t_zoom = g_timer_elapsed (timer, NULL);
  g_assert_true (env.has_before && env.has_after);
  g_assert_cmpfloat (env.before_x, ==, 250000);
  g_assert_cmpfloat (env.after_x, ==, 260001);
  fathom_chart_envelope_clear (&env);

  check_against_brute_force (s, x, y, n, 0, n, 800);
  check_against_brute_force (s, x, y, n, 250000.5, 260000.25, 800);
  check_against_brute_force (s, x, y, n, 999000, 1000500, 1000);   /* sparse */
  g_test_message ("1M points: append %.1f ms, decimate all into 800 columns %.2f ms, "
                  "a 10k-point zoom %.3f ms", t_append * 1e3, t_full * 1e3, t_zoom * 1e3);
}

static void
test_decimate_unsorted (void)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  guint a = fathom_chart_data_add_series (data, "r", "in order", FATHOM_CHART_KIND_LOSS, NULL);
  guint b = fathom_chart_data_add_series (data, "r", "shuffled", FATHOM_CHART_KIND_LOSS, NULL);
  FathomChartEnvelope ea = { 0 }, eb = { 0 };
  double px, py, ps;

  for (guint i = 0; i < 1000; i++)
    fathom_chart_data_append (data, a, i, sin (i * 0.1));
  for (guint i = 0; i < 1000; i++)
    {
      guint j = (i * 7919) % 1000;   /* a permutation of 0..999 */

      fathom_chart_data_append (data, b, j, sin (j * 0.1));
    }
  fathom_chart_series_decimate (fathom_chart_data_get_series (data, a), 100, 900, 37, FALSE, &ea);
  fathom_chart_series_decimate (fathom_chart_data_get_series (data, b), 100, 900, 37, FALSE, &eb);
  for (guint c = 0; c < 37; c++)
    assert_column (&eb.columns[c], ea.columns[c].n, ea.columns[c].first, ea.columns[c].last,
                   ea.columns[c].min, ea.columns[c].max);
  g_assert_true (fathom_chart_series_nearest (fathom_chart_data_get_series (data, b), 500.4, &px, &py, &ps));
  g_assert_cmpfloat (px, ==, 500);
  assert_close (py, sin (50.0), 1e-15);
  fathom_chart_envelope_clear (&ea);
  fathom_chart_envelope_clear (&eb);
}

static void
assert_ticks (const FathomChartTick *ticks, guint n, const double *want, guint n_want)
{
  g_assert_cmpuint (n, ==, n_want);
  for (guint i = 0; i < n; i++)
    assert_close (ticks[i].value, want[i], 1e-12);
}

static void
test_nice_ticks (void)
{
  FathomChartTick t[FATHOM_CHART_MAX_TICKS];
  double step;
  guint n;
  char buf[48];

  g_assert_cmpfloat (fathom_chart_nice_step (0.17), ==, 0.2);
  g_assert_cmpfloat (fathom_chart_nice_step (3.5), ==, 5);
  g_assert_cmpfloat (fathom_chart_nice_step (8), ==, 10);
  g_assert_cmpfloat (fathom_chart_nice_step (1.2), ==, 1);

  n = fathom_chart_nice_ticks (0, 1, 5, t, G_N_ELEMENTS (t), &step);
  assert_ticks (t, n, (double[]) { 0, 0.2, 0.4, 0.6, 0.8, 1.0 }, 6);
  assert_close (step, 0.2, 1e-15);

  n = fathom_chart_nice_ticks (0, 2870, 8, t, G_N_ELEMENTS (t), &step);
  assert_ticks (t, n, (double[]) { 0, 500, 1000, 1500, 2000, 2500 }, 6);

  n = fathom_chart_nice_ticks (-3.7, 12.2, 5, t, G_N_ELEMENTS (t), &step);
  assert_ticks (t, n, (double[]) { 0, 5, 10 }, 3);
  g_assert_true (signbit (t[0].value) == 0);   /* "0", never "-0" */

  n = fathom_chart_nice_ticks (0.0013, 0.0021, 4, t, G_N_ELEMENTS (t), &step);
  assert_ticks (t, n, (double[]) { 0.0014, 0.0016, 0.0018, 0.0020 }, 4);

  n = fathom_chart_nice_ticks (0, 1e6, 4, t, G_N_ELEMENTS (t), &step);
  assert_ticks (t, n, (double[]) { 0, 2e5, 4e5, 6e5, 8e5, 1e6 }, 6);

  fathom_chart_format_tick (250000, 50000, FALSE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "250k");
  fathom_chart_format_tick (1.2e6, 2e5, FALSE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "1.2M");
  fathom_chart_format_tick (0.25, 0.05, FALSE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0.25");
  fathom_chart_format_tick (0.4, 0.2, FALSE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0.4");
  fathom_chart_format_tick (1500, 500, FALSE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "1500");
  fathom_chart_format_tick (0, 0.2, FALSE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0");
}

static void
test_log_ticks (void)
{
  FathomChartTick t[FATHOM_CHART_MAX_TICKS];
  double majors[FATHOM_CHART_MAX_TICKS];
  guint n, nm = 0;
  char buf[48];

  /* Four decades: each decade labelled, 2..9 as minor grid. */
  n = fathom_chart_log_ticks (0.01, 100, 8, t, G_N_ELEMENTS (t));
  for (guint i = 0; i < n; i++)
    if (t[i].major)
      majors[nm++] = t[i].value;
  g_assert_cmpuint (n, ==, 5 + 4 * 8);
  assert_ticks ((FathomChartTick[]) { { majors[0], 1 }, { majors[1], 1 }, { majors[2], 1 },
                                      { majors[3], 1 }, { majors[4], 1 } }, nm,
                (double[]) { 0.01, 0.1, 1, 10, 100 }, 5);

  /* Less than a decade: 1, 2, 5 multiples labelled. */
  n = fathom_chart_log_ticks (0.05, 0.3, 6, t, G_N_ELEMENTS (t));
  nm = 0;
  for (guint i = 0; i < n; i++)
    if (t[i].major)
      majors[nm++] = t[i].value;
  g_assert_cmpuint (nm, ==, 3);
  assert_close (majors[0], 0.05, 1e-12);
  assert_close (majors[1], 0.1, 1e-12);
  assert_close (majors[2], 0.2, 1e-12);

  /* Sixteen decades: every third decade labelled. */
  n = fathom_chart_log_ticks (1e-8, 1e8, 6, t, G_N_ELEMENTS (t));
  nm = 0;
  for (guint i = 0; i < n; i++)
    if (t[i].major)
      majors[nm++] = t[i].value;
  g_assert_cmpuint (nm, ==, 5);
  for (guint i = 0; i < nm; i++)
    assert_close (majors[i], pow (10, -6 + 3 * (int) i), 1e-12);

  fathom_chart_format_tick (1e-6, 0, TRUE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "1e-6");
  fathom_chart_format_tick (0.01, 0, TRUE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "0.01");
  fathom_chart_format_tick (1e6, 0, TRUE, buf, sizeof buf);
  g_assert_cmpstr (buf, ==, "1M");

  /* Unit mapping: equal ratios are equal distances. */
  {
    FathomChartAxis axis = { 0.1, 1000, TRUE };

    assert_close (fathom_chart_axis_to_unit (&axis, 1), 0.25, 1e-12);
    assert_close (fathom_chart_axis_to_unit (&axis, 10), 0.5, 1e-12);
    assert_close (fathom_chart_axis_from_unit (&axis, 0.75), 100, 1e-12);
    g_assert_true (isinf (fathom_chart_axis_to_unit (&axis, 0)));
    fathom_chart_axis_zoom (&axis, 0.5, 0.5);     /* 10 stays put: 1 .. 100 */
    assert_close (axis.lo, 1, 1e-12);
    assert_close (axis.hi, 100, 1e-12);
    fathom_chart_axis_pan (&axis, 0.5);           /* one decade up */
    assert_close (axis.lo, 10, 1e-12);
    assert_close (axis.hi, 1000, 1e-12);
  }
}

static void
test_log_nonpositive (void)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  guint id = fathom_chart_data_add_series (data, "r", "metric", FATHOM_CHART_KIND_OTHER, NULL);
  FathomChartEnvelope env = { 0 };
  FathomChartView view;
  FathomChartStyle style;
  FathomChartLayout layout;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 300);
  cairo_t *cr = cairo_create (surface);
  const double ys[] = { -1, 0, 0.5, 2, NAN, 0.02, 0 };
  guint sum = 0;

  for (guint i = 0; i < G_N_ELEMENTS (ys); i++)
    fathom_chart_data_append (data, id, i, ys[i]);
  g_assert_cmpuint (fathom_chart_series_get_n_nonpositive (fathom_chart_data_get_series (data, id)), ==, 3);
  g_assert_cmpuint (fathom_chart_data_count_nonpositive (data), ==, 3);

  fathom_chart_data_fit_view (data, TRUE, &view);
  g_assert_true (view.y.log);
  g_assert_cmpfloat (view.y.lo, >, 0);
  g_assert_cmpfloat (view.y.lo, <, 0.02);
  g_assert_cmpfloat (view.y.hi, >, 2);

  fathom_chart_series_decimate (fathom_chart_data_get_series (data, id), 0, 6, 7, TRUE, &env);
  for (guint c = 0; c < 7; c++)
    sum += env.columns[c].n_nonpositive;
  g_assert_cmpuint (sum, ==, 3);
  g_assert_cmpuint (env.columns[0].n, ==, 0);
  g_assert_cmpuint (env.columns[2].n, ==, 1);
  fathom_chart_envelope_clear (&env);

  fathom_chart_style_init (&style, FALSE);
  fathom_chart_render (cr, data, &view, &style, 400, 300, &layout);
  g_assert_cmpuint (layout.n_nonpositive, ==, 3);
  g_assert_cmpstr (layout.note, ==, "3 values \u2264 0 not shown on log scale");
  g_assert_cmpint (layout.items[layout.n_items - 1].kind, ==, FATHOM_CHART_LEGEND_NOTE);

  /* No note on a linear scale. */
  fathom_chart_data_fit_view (data, FALSE, &view);
  fathom_chart_render (cr, data, &view, &style, 400, 300, &layout);
  g_assert_cmpuint (layout.n_nonpositive, ==, 0);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* Run headings in the legend: not for one run named as the chart's title
 * (the Runs page's chart had the run's name three times over), yes for
 * one run named otherwise and for two runs. */
static guint
n_run_headings (FathomChartData *data)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 600, 300);
  cairo_t *cr = cairo_create (surface);
  FathomChartView view;
  FathomChartStyle style;
  FathomChartLayout layout;
  guint n = 0;

  fathom_chart_data_fit_view (data, FALSE, &view);
  fathom_chart_style_init (&style, FALSE);
  fathom_chart_render (cr, data, &view, &style, 600, 300, &layout);
  for (guint i = 0; i < layout.n_items; i++)
    n += layout.items[i].kind == FATHOM_CHART_LEGEND_RUN;
  g_assert_true (layout.show_runs == (n > 0));
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return n;
}

static void
test_legend_runs (void)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  guint a = fathom_chart_data_add_series (data, "fcn-1", "loss", FATHOM_CHART_KIND_LOSS, NULL);
  guint b = fathom_chart_data_add_series (data, "fcn-1", "val_loss", FATHOM_CHART_KIND_LOSS, NULL);

  fathom_chart_data_append (data, a, 1, 2.0);
  fathom_chart_data_append (data, b, 1, 2.5);
  fathom_chart_data_set_title (data, "fcn-1");
  g_assert_cmpuint (n_run_headings (data), ==, 0);
  fathom_chart_data_set_title (data, "Loss curves");
  g_assert_cmpuint (n_run_headings (data), ==, 1);
  fathom_chart_data_set_title (data, "fcn-1");
  fathom_chart_data_append (data, fathom_chart_data_add_series (data, "fcn-2", "loss", FATHOM_CHART_KIND_LOSS, NULL),
                            1, 1.5);
  g_assert_cmpuint (n_run_headings (data), ==, 2);
}

/* The mean row of pixels near this colour in column x of the plot. */
static double
colour_row (cairo_surface_t *surface, const FathomChartRect *plot, int x, int r, int g, int b)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  double sum = 0;
  int n = 0;

  cairo_surface_flush (surface);
  for (int y = (int) plot->y; y < (int) (plot->y + plot->height); y++)
    {
      guint32 p = ((const guint32 *) (gconstpointer) (data + (gsize) y * stride))[x];
      int pr = (p >> 16) & 255, pg = (p >> 8) & 255, pb = p & 255;

      if (abs (pr - r) < 40 && abs (pg - g) < 40 && abs (pb - b) < 40)
        sum += y, n++;
    }
  g_assert_cmpint (n, >, 0);
  return sum / n + 0.5;   /* pixel centre */
}

static void
test_render_pixels (void)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  guint id = fathom_chart_data_add_series (data, "", "constant", FATHOM_CHART_KIND_LOSS, NULL);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 600, 400);
  cairo_t *cr = cairo_create (surface);
  FathomChartView view = { { 0, 100, FALSE }, { 0, 1, FALSE }, { 0, 1, FALSE } };
  FathomChartStyle style;
  FathomChartLayout layout;
  const FathomChartRect *p = &layout.plot;
  const int rgb[3][3] = { { 255, 0, 0 }, { 0, 160, 0 }, { 0, 0, 255 } };
  double rows[3];

  fathom_chart_style_init (&style, FALSE);
  for (guint i = 0; i < 3; i++)
    style.palette[i] = (FathomChartRGBA) { rgb[i][0] / 255.0, rgb[i][1] / 255.0, rgb[i][2] / 255.0, 1 };
  for (guint i = 0; i <= 100; i++)
    fathom_chart_data_append (data, id, i, 0.5);
  fathom_chart_data_set_smoothing (data, 0.6);

  fathom_chart_render (cr, data, &view, &style, 600, 400, &layout);
  g_assert_cmpfloat (p->width, >, 400);
  g_assert_cmpfloat (p->height, >, 250);
  for (guint k = 1; k <= 3; k += 2)
    {
      int x = (int) (p->x + p->width * k / 4);

      g_assert_cmpfloat (fabs (colour_row (surface, p, x, 255, 0, 0) - (p->y + p->height / 2)), <, 1.5);
    }

  /* Log scale: 1, 10 and 100 on a 0.1 .. 1000 axis sit at 1/4, 1/2, 3/4. */
  fathom_chart_data_set_series_visible (data, id, FALSE);
  for (guint s = 0; s < 3; s++)
    {
      guint sid = fathom_chart_data_add_series (data, "", s == 0 ? "one" : s == 1 ? "ten" : "hundred",
                                                FATHOM_CHART_KIND_LOSS, NULL);

      g_assert_cmpuint (sid, ==, s + 1);
      for (guint i = 0; i <= 100; i++)
        fathom_chart_data_append (data, sid, i, pow (10, s));
    }
  for (guint i = 0; i < 3; i++)   /* series 1..3 take palette 1..3 */
    style.palette[i + 1] = (FathomChartRGBA) { rgb[i][0] / 255.0, rgb[i][1] / 255.0, rgb[i][2] / 255.0, 1 };
  view.y = (FathomChartAxis) { 0.1, 1000, TRUE };
  fathom_chart_render (cr, data, &view, &style, 600, 400, &layout);
  for (guint s = 0; s < 3; s++)
    rows[s] = colour_row (surface, p, (int) (p->x + p->width * 0.6), rgb[s][0], rgb[s][1], rgb[s][2]);
  g_test_message ("log rows: 1 at %.2f, 10 at %.2f, 100 at %.2f", rows[0], rows[1], rows[2]);
  g_assert_cmpfloat (fabs ((rows[0] - rows[1]) - (rows[1] - rows[2])), <, 1.5);
  for (guint s = 0; s < 3; s++)
    g_assert_cmpfloat (fabs (rows[s] - (p->y + p->height * (0.75 - 0.25 * s))), <, 1.5);

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static FathomChartData *
sample_data (void)
{
  FathomChartData *data = fathom_chart_data_new ();
  g_autoptr(GRand) rng = g_rand_new_with_seed (7);
  const char *runs[2] = { "vgg-ft lr=1e-3", "vgg-ft lr=1e-2" };
  const guint per_epoch = 360, epochs = 8;

  fathom_chart_data_set_title (data, "Fisheries: VGG16 fine-tuning");
  for (guint r = 0; r < 2; r++)
    {
      guint tr = fathom_chart_data_add_series (data, runs[r], "train loss", FATHOM_CHART_KIND_LOSS, NULL);
      guint va = fathom_chart_data_add_series (data, runs[r], "valid loss", FATHOM_CHART_KIND_LOSS, NULL);
      double rate = r == 0 ? 1.0 : 1.8, floor_loss = r == 0 ? 0.05 : 0.12;

      for (guint s = 0; s < per_epoch * epochs; s++)
        {
          double u = g_rand_double (rng) + 1e-12, v = g_rand_double (rng);
          double noise = sqrt (-2 * log (u)) * cos (2 * G_PI * v);

          fathom_chart_data_append (data, tr, s,
                                    (floor_loss + 2 * exp (-rate * s / 600.0)) * exp (0.3 * noise));
          if ((s + 1) % per_epoch == 0)
            {
              fathom_chart_data_append (data, va, s + 1,
                                        floor_loss * 1.4 + 2 * exp (-rate * s / 700.0) + (r ? 1e-9 * s * s : 0));
              if (r == 0)
                fathom_chart_data_add_epoch_mark (data, s + 1);
            }
        }
    }
  fathom_chart_data_set_smoothing (data, 0.6);
  return data;
}

static gboolean
parse_markup (const char *text, gsize len, GError **error)
{
  static const GMarkupParser parser = { 0 };
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  gboolean ok = g_markup_parse_context_parse (ctx, text, len, error) &&
                g_markup_parse_context_end_parse (ctx, error);

  g_markup_parse_context_free (ctx);
  return ok;
}

static void
test_export (void)
{
  g_autoptr(FathomChartData) data = sample_data ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "chart.svg", NULL);
  g_autofree char *text = NULL;
  const char *samples = g_getenv ("FATHOM_RENDER_SAMPLES");
  FathomChartView view;
  FathomChartStyle style;
  FathomChartFormat format;
  cairo_surface_t *image;
  gsize len;

  g_assert_no_error (error);
  fathom_chart_data_fit_view (data, TRUE, &view);
  fathom_chart_style_init (&style, FALSE);
  g_assert_true (fathom_chart_format_from_path ("a/B.SVG", &format));
  g_assert_cmpint (format, ==, FATHOM_CHART_FORMAT_SVG);
  g_assert_false (fathom_chart_format_from_path ("chart.jpg", &format));

  g_assert_true (fathom_chart_render_export (data, &view, &style, FATHOM_CHART_FORMAT_PNG,
                                             900, 520, png, &error));
  g_assert_no_error (error);
  image = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (image), ==, 900);
  g_assert_cmpint (cairo_image_surface_get_height (image), ==, 520);
  cairo_surface_destroy (image);

  g_assert_true (fathom_chart_render_svg (data, &view, &style, 640, 400, svg, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &text, &len, &error));
  g_assert_cmpuint (len, >, 1000);
  g_assert_true (parse_markup (text, len, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "<svg"));
  g_assert_nonnull (strstr (text, "width=\"640px\" height=\"400px\""));
  g_assert_nonnull (strstr (text, "vgg-ft lr=1e-2: train loss"));
  g_assert_nonnull (strstr (text, "valid loss"));
  g_assert_nonnull (strstr (text, "<title>Fisheries: VGG16 fine-tuning</title>"));

  /* No series, no view, no style: a blank chart with axes, not a crash. */
  {
    g_autoptr(FathomChartData) empty = fathom_chart_data_new ();

    g_assert_true (fathom_chart_render_png (empty, NULL, NULL, 300, 200, png, &error));
    g_assert_no_error (error);
    image = cairo_image_surface_create_from_png (png);
    g_assert_cmpint (cairo_image_surface_get_width (image), ==, 300);
    g_assert_cmpint (cairo_image_surface_get_height (image), ==, 200);
    cairo_surface_destroy (image);
  }

  /* Bad sizes are errors, not crashes. */
  g_assert_false (fathom_chart_render_png (data, &view, &style, 0, 10, png, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  if (samples)
    {
      g_autofree char *spng = g_build_filename (samples, "chart-sample.png", NULL);
      g_autofree char *ssvg = g_build_filename (samples, "chart-sample.svg", NULL);

      g_assert_true (fathom_chart_render_png (data, &view, &style, 900, 520, spng, &error));
      g_assert_true (fathom_chart_render_svg (data, &view, &style, 900, 520, ssvg, &error));
      g_test_message ("wrote %s and %s", spng, ssvg);
    }
  g_unlink (png);
  g_unlink (svg);
  g_rmdir (dir);
}

static void
test_csv_roundtrip (void)
{
  g_autoptr(FathomChartData) data = fathom_chart_data_new ();
  g_autoptr(FathomChartData) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chart-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "series.csv", NULL);
  const double values[] = { 0.1, 1.0 / 3, -2.5e-300, 1e300, 0, 42, -7.25, NAN, G_PI };
  guint a, b, c;

  a = fathom_chart_data_add_series (data, "run, \"one\"", "train loss", FATHOM_CHART_KIND_LOSS, "nats");
  b = fathom_chart_data_add_series (data, "run, \"one\"", "valid acc", FATHOM_CHART_KIND_ACCURACY, "");
  c = fathom_chart_data_add_series (data, "run 2", "bbox loss\n(x0.001)", FATHOM_CHART_KIND_OTHER, "px");
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      fathom_chart_data_append (data, a, i, values[i]);
      fathom_chart_data_append (data, c, i * 0.5 + 1e-7, -values[i]);
    }
  fathom_chart_data_append (data, b, 360, 0.875);

  g_assert_true (fathom_chart_data_write_csv (data, path, &error));
  g_assert_no_error (error);
  back = fathom_chart_data_load_csv (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_chart_data_get_n_series (back), ==, 3);
  for (guint id = 0; id < 3; id++)
    {
      FathomChartSeries *s0 = fathom_chart_data_get_series (data, id);
      FathomChartSeries *s1 = fathom_chart_data_get_series (back, id);

      g_assert_cmpstr (fathom_chart_series_get_run (s0), ==, fathom_chart_series_get_run (s1));
      g_assert_cmpstr (fathom_chart_series_get_name (s0), ==, fathom_chart_series_get_name (s1));
      g_assert_cmpstr (fathom_chart_series_get_unit (s0), ==, fathom_chart_series_get_unit (s1));
      g_assert_cmpint (fathom_chart_series_get_kind (s0), ==, fathom_chart_series_get_kind (s1));
      g_assert_cmpuint (fathom_chart_series_get_n_points (s0), ==, fathom_chart_series_get_n_points (s1));
      for (gsize i = 0; i < fathom_chart_series_get_n_points (s0); i++)
        {
          double y0 = fathom_chart_series_get_y (s0, i), y1 = fathom_chart_series_get_y (s1, i);

          g_assert_cmpfloat (fathom_chart_series_get_x (s0, i), ==, fathom_chart_series_get_x (s1, i));
          g_assert_true ((isnan (y0) && isnan (y1)) || y0 == y1);
        }
    }

  /* A file that is not ours is an error. */
  g_assert_true (g_file_set_contents (path, "a,b\n1,2\n", -1, &error));
  g_assert_null (fathom_chart_data_load_csv (path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_unlink (path);
  g_rmdir (dir);
}

/* A run folder's metrics.csv as curves: training batches and validation
 * per column, over the step, with epoch marks. */
static void
test_from_run (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("fathom-chart-run-XXXXXX", &error);
  g_autofree char *dir = g_build_filename (tmp, "run", NULL);
  g_autoptr(FathomRun) run = NULL;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(FathomChartData) data = NULL;
  const char *columns[] = { "loss", "accuracy" };
  const double *marks;
  guint n_marks;
  int id;

  g_assert_no_error (error);
  run = fathom_run_new (dir, "dense-head", FALSE, &error);
  g_assert_no_error (error);
  fathom_run_set_columns (run, 2, columns);
  fathom_run_add_row (run, 1, 1, "train", (double[]) { 2.0, 0.25 }, 0.1);
  fathom_run_add_row (run, 2, 1, "train", (double[]) { 1.5, NAN }, 0.2);
  fathom_run_add_row (run, 2, 1, "train_epoch", (double[]) { 1.75, 0.3 }, 0.2);
  fathom_run_add_row (run, 2, 1, "valid", (double[]) { 1.6, 0.4 }, 0.3);
  fathom_run_add_row (run, 3, 2, "train", (double[]) { 1.0, 0.5 }, 0.4);
  fathom_run_add_row (run, 4, 2, "train", (double[]) { 0.5, 0.75 }, 0.5);
  fathom_run_add_row (run, 4, 2, "valid", (double[]) { 0.9, 0.6 }, 0.6);
  g_assert_true (fathom_run_save (run, &error));
  g_assert_no_error (error);
  info = fathom_run_info_load (dir, &error);
  g_assert_no_error (error);

  data = fathom_chart_data_new_from_run (info, "r1");
  g_assert_cmpuint (fathom_chart_data_get_n_series (data), ==, 4);
  id = fathom_chart_data_find_series (data, "r1", "loss");
  g_assert_cmpint (id, >=, 0);
  g_assert_cmpuint (fathom_chart_series_get_n_points (fathom_chart_data_get_series (data, id)), ==, 4);
  g_assert_cmpfloat (fathom_chart_series_get_y (fathom_chart_data_get_series (data, id), 3), ==, 0.5);
  g_assert_cmpint (fathom_chart_series_get_kind (fathom_chart_data_get_series (data, id)), ==, FATHOM_CHART_KIND_LOSS);
  /* an empty cell is no point */
  id = fathom_chart_data_find_series (data, "r1", "accuracy");
  g_assert_cmpuint (fathom_chart_series_get_n_points (fathom_chart_data_get_series (data, id)), ==, 3);
  g_assert_cmpint (fathom_chart_series_get_kind (fathom_chart_data_get_series (data, id)), ==,
                   FATHOM_CHART_KIND_ACCURACY);
  id = fathom_chart_data_find_series (data, "r1", "val_loss");
  g_assert_cmpuint (fathom_chart_series_get_n_points (fathom_chart_data_get_series (data, id)), ==, 2);
  g_assert_cmpfloat (fathom_chart_series_get_x (fathom_chart_data_get_series (data, id), 1), ==, 4);
  g_assert_cmpfloat (fathom_chart_series_get_y (fathom_chart_data_get_series (data, id), 1), ==, 0.9);
  g_assert_cmpint (fathom_chart_data_find_series (data, "r1", "val_accuracy"), >=, 0);
  marks = fathom_chart_data_get_epoch_marks (data, &n_marks);
  g_assert_cmpuint (n_marks, ==, 1);
  g_assert_cmpfloat (marks[0], ==, 2);
  fathom_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chart/ema/by-hand", test_ema_by_hand);
  g_test_add_func ("/chart/ema/incremental", test_ema_incremental);
  g_test_add_func ("/chart/decimate/million", test_decimate_million);
  g_test_add_func ("/chart/decimate/unsorted", test_decimate_unsorted);
  g_test_add_func ("/chart/ticks/nice", test_nice_ticks);
  g_test_add_func ("/chart/ticks/log", test_log_ticks);
  g_test_add_func ("/chart/log/nonpositive", test_log_nonpositive);
  g_test_add_func ("/chart/render/pixels", test_render_pixels);
  g_test_add_func ("/chart/legend/runs", test_legend_runs);
  g_test_add_func ("/chart/export/png-svg", test_export);
  g_test_add_func ("/chart/export/csv", test_csv_roundtrip);
  g_test_add_func ("/chart/from-run", test_from_run);
  return g_test_run ();
}
