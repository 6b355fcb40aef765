/* test-chart.c: the FathomChart widget under Xvfb: a million points in three
 * series, log scale and smoothing, the cached render node (reused while
 * nothing changes, rebuilt after an append or a zoom), the zoom and pan
 * API's visible ranges, and PNG/SVG/CSV export. */
#include "fathom-chart.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

typedef struct {
  GtkWidget *window;
  FathomChart *chart;
} Fixture;

static gboolean
quit_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop until the widget has its size (or 5 s pass). */
static void
wait_for_allocation (GtkWidget *widget)
{
  gboolean timeout = FALSE;
  guint id = g_timeout_add (5000, quit_cb, &timeout);

  while (!timeout && (gtk_widget_get_width (widget) < 100 || !gtk_widget_get_mapped (widget)))
    g_main_context_iteration (NULL, TRUE);
  if (!timeout)
    g_source_remove (id);
  g_assert_false (timeout);
}

static void
fixture_setup (Fixture *f, gconstpointer unused)
{
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 600);
  f->chart = FATHOM_CHART (fathom_chart_new ());
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->chart));
  gtk_window_present (GTK_WINDOW (f->window));
  wait_for_allocation (GTK_WIDGET (f->chart));
}

static void
fixture_teardown (Fixture *f, gconstpointer unused)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
}

/* What GTK would do for a frame: the widget's snapshot vfunc. */
static GskRenderNode *
take_snapshot (FathomChart *chart)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  GTK_WIDGET_GET_CLASS (chart)->snapshot (GTK_WIDGET (chart), snapshot);
  return gtk_snapshot_free_to_node (snapshot);
}

static gboolean
node_contains (GskRenderNode *node, GskRenderNode *needle)
{
  if (node == needle)
    return TRUE;
  if (gsk_render_node_get_node_type (node) == GSK_CONTAINER_NODE)
    for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
      if (node_contains (gsk_container_node_get_child (node, i), needle))
        return TRUE;
  return FALSE;
}

static guint
fill_million (FathomChart *chart)
{
  const gsize per = 1000000 / 3 + 1, batch = 4096;
  g_autofree double *x = g_new (double, batch), *y = g_new (double, batch);
  g_autoptr(GRand) rng = g_rand_new_with_seed (3);
  const char *names[3] = { "train loss", "valid loss", "bbox loss" };
  guint total = 0;

  for (guint s = 0; s < 3; s++)
    {
      guint id = fathom_chart_add_series (chart, "run-a", names[s], FATHOM_CHART_KIND_LOSS, NULL);

      g_assert_cmpuint (id, ==, s);
      /* Batched by the caller, as the training panel does per frame. */
      for (gsize i0 = 0; i0 < per && total < 1000000; i0 += batch)
        {
          gsize n = MIN (batch, MIN (per - i0, 1000000 - total));

          for (gsize j = 0; j < n; j++)
            {
              x[j] = i0 + j;
              y[j] = (s + 1) * (0.05 + 2 * exp (-(i0 + j) / 5e4)) * (0.7 + 0.6 * g_rand_double (rng));
            }
          y[0] = s == 2 && i0 == 0 ? 0 : y[0];   /* one value a log scale can't show */
          fathom_chart_append_many (chart, id, x, y, n);
          total += n;
        }
    }
  return total;
}

static void
test_cached_node (Fixture *f, gconstpointer unused)
{
  g_autoptr(GTimer) timer = g_timer_new ();
  GskRenderNode *node, *cached, *again;
  graphene_rect_t bounds;
  double t_fill, t_build, t_reuse;

  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (f->chart)), ==,
                   GTK_ACCESSIBLE_ROLE_IMG);
  g_assert_cmpuint (fill_million (f->chart), ==, 1000000);
  t_fill = g_timer_elapsed (timer, NULL);
  fathom_chart_set_log_scale (f->chart, TRUE);
  fathom_chart_set_smoothing (f->chart, 0.8);
  g_assert_true (fathom_chart_get_log_scale (f->chart));
  g_assert_cmpfloat (fathom_chart_get_smoothing (f->chart), ==, 0.8);

  g_timer_start (timer);
  node = take_snapshot (f->chart);
  t_build = g_timer_elapsed (timer, NULL);
  cached = fathom_chart_peek_render_node (f->chart);
  g_assert_nonnull (node);
  g_assert_nonnull (cached);
  g_assert_true (node_contains (node, cached));
  gsk_render_node_get_bounds (cached, &bounds);
  g_assert_cmpfloat (bounds.size.width, ==, gtk_widget_get_width (GTK_WIDGET (f->chart)));
  g_assert_cmpfloat (bounds.size.height, ==, gtk_widget_get_height (GTK_WIDGET (f->chart)));
  /* Frame, curves and legend layers. */
  g_assert_cmpint (gsk_render_node_get_node_type (cached), ==, GSK_CONTAINER_NODE);
  g_assert_cmpuint (gsk_container_node_get_n_children (cached), ==, 3);
  gsk_render_node_unref (node);

  /* Nothing changed: the same node object. */
  g_timer_start (timer);
  again = take_snapshot (f->chart);
  t_reuse = g_timer_elapsed (timer, NULL);
  g_assert_true (fathom_chart_peek_render_node (f->chart) == cached);
  g_assert_true (node_contains (again, cached));
  gsk_render_node_unref (again);

  /* An append rebuilds it. */
  fathom_chart_append (f->chart, 0, 333334, 0.05);
  gsk_render_node_unref (take_snapshot (f->chart));
  g_assert_true (fathom_chart_peek_render_node (f->chart) != cached);
  cached = fathom_chart_peek_render_node (f->chart);

  /* So does hiding a series; showing the same state again reuses. */
  fathom_chart_set_series_visible (f->chart, 2, FALSE);
  gsk_render_node_unref (take_snapshot (f->chart));
  g_assert_true (fathom_chart_peek_render_node (f->chart) != cached);
  cached = fathom_chart_peek_render_node (f->chart);
  gsk_render_node_unref (take_snapshot (f->chart));
  g_assert_true (fathom_chart_peek_render_node (f->chart) == cached);

  g_test_message ("append 1M points %.1f ms, build node %.1f ms, reuse %.3f ms",
                  t_fill * 1e3, t_build * 1e3, t_reuse * 1e3);
}

static void
test_render_pixels (Fixture *f, gconstpointer unused)
{
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  GskRenderNode *node;
  GdkTexture *texture;
  g_autofree guchar *pixels = NULL;
  int w, h, coloured = 0;

  fill_million (f->chart);
  fathom_chart_set_log_scale (f->chart, TRUE);
  node = take_snapshot (f->chart);
  texture = gsk_renderer_render_texture (renderer, node, NULL);
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  g_assert_cmpint (w, ==, gtk_widget_get_width (GTK_WIDGET (f->chart)));
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  /* Curves in palette colours: pixels that are clearly not grey. */
  for (int i = 0; i < w * h; i++)
    {
      const guchar *p = pixels + i * 4;   /* B G R A, premultiplied */

      if (p[3] > 200 && MAX (MAX (p[0], p[1]), p[2]) - MIN (MIN (p[0], p[1]), p[2]) > 80)
        coloured++;
    }
  g_test_message ("%d of %d pixels in series colours", coloured, w * h);
  g_assert_cmpint (coloured, >, w * h / 500);
  g_object_unref (texture);
  gsk_render_node_unref (node);
}

static void
assert_close (double got, double want)
{
  if (!(fabs (got - want) <= 1e-9 * MAX (1.0, fabs (want))))
    g_error ("got %.17g, want %.17g", got, want);
}

static void
test_zoom_pan (Fixture *f, gconstpointer unused)
{
  FathomChartView v0, v1, v2;
  GskRenderNode *cached;

  fill_million (f->chart);
  fathom_chart_set_log_scale (f->chart, TRUE);
  gsk_render_node_unref (take_snapshot (f->chart));
  cached = fathom_chart_peek_render_node (f->chart);

  fathom_chart_get_view (f->chart, &v0);
  g_assert_true (fathom_chart_get_follows_data (f->chart));
  assert_close (v0.x.lo, 0);
  assert_close (v0.x.hi, 333333);
  g_assert_true (v0.y.log);
  g_assert_cmpfloat (v0.y.lo, >, 0);

  /* Zoom in 2x about the centre: the middle half of x, and on a log axis
   * half the decades around the geometric centre. */
  fathom_chart_zoom (f->chart, 0.5, 0.5, 0.5);
  fathom_chart_get_view (f->chart, &v1);
  g_assert_false (fathom_chart_get_follows_data (f->chart));
  assert_close (v1.x.lo, 333333 * 0.25);
  assert_close (v1.x.hi, 333333 * 0.75);
  assert_close (log10 (v1.y.hi) - log10 (v1.y.lo), (log10 (v0.y.hi) - log10 (v0.y.lo)) / 2);
  assert_close (log10 (v1.y.lo) + log10 (v1.y.hi), log10 (v0.y.lo) + log10 (v0.y.hi));
  gsk_render_node_unref (take_snapshot (f->chart));
  g_assert_true (fathom_chart_peek_render_node (f->chart) != cached);

  /* Zoom about the left edge keeps the left edge. */
  fathom_chart_zoom (f->chart, 0.1, 0, 0.5);
  fathom_chart_get_view (f->chart, &v2);
  assert_close (v2.x.lo, v1.x.lo);
  assert_close (v2.x.hi - v2.x.lo, (v1.x.hi - v1.x.lo) * 0.1);

  /* Pan by a tenth of the view. */
  fathom_chart_pan (f->chart, 0.1, 0);
  fathom_chart_get_view (f->chart, &v1);
  assert_close (v1.x.lo, v2.x.lo + 0.1 * (v2.x.hi - v2.x.lo));
  assert_close (v1.y.lo, v2.y.lo);

  fathom_chart_set_x_range (f->chart, 1000, 2000);
  fathom_chart_get_view (f->chart, &v1);
  assert_close (v1.x.lo, 1000);
  assert_close (v1.x.hi, 2000);
  /* New data does not move a zoomed view... */
  fathom_chart_append (f->chart, 0, 400000, 1);
  fathom_chart_get_view (f->chart, &v1);
  assert_close (v1.x.hi, 2000);

  /* ...until reset, which follows the data again. */
  fathom_chart_reset_view (f->chart);
  fathom_chart_get_view (f->chart, &v1);
  g_assert_true (fathom_chart_get_follows_data (f->chart));
  assert_close (v1.x.lo, 0);
  assert_close (v1.x.hi, 400000);

  /* Log off keeps the x zoom, refits y linearly. */
  fathom_chart_set_x_range (f->chart, 10, 20);
  fathom_chart_set_log_scale (f->chart, FALSE);
  fathom_chart_get_view (f->chart, &v1);
  g_assert_false (v1.y.log);
  assert_close (v1.x.lo, 10);
  assert_close (v1.y.lo, 0);
}

static void
test_export (Fixture *f, gconstpointer unused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("chart-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "loss.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "loss.svg", NULL);
  g_autofree char *csv = g_build_filename (dir, "loss.csv", NULL);
  g_autofree char *text = NULL;
  cairo_surface_t *image;
  gsize len, lines = 0;

  g_assert_no_error (error);
  fill_million (f->chart);
  fathom_chart_set_log_scale (f->chart, TRUE);

  g_assert_true (fathom_chart_export (f->chart, png, FATHOM_CHART_FORMAT_PNG, 800, 500, &error));
  g_assert_no_error (error);
  image = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (image), ==, 800);
  g_assert_cmpint (cairo_image_surface_get_height (image), ==, 500);
  cairo_surface_destroy (image);

  /* Without a size: the widget's. */
  g_assert_true (fathom_chart_export (f->chart, png, FATHOM_CHART_FORMAT_PNG, 0, 0, &error));
  image = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_image_surface_get_width (image), ==, gtk_widget_get_width (GTK_WIDGET (f->chart)));
  cairo_surface_destroy (image);

  g_assert_true (fathom_chart_export (f->chart, svg, FATHOM_CHART_FORMAT_SVG, 640, 400, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &text, &len, &error));
  g_assert_nonnull (strstr (text, "<svg"));
  g_assert_nonnull (strstr (text, "bbox loss"));
  g_assert_nonnull (strstr (text, "</svg>"));
  g_clear_pointer (&text, g_free);

  g_assert_true (fathom_chart_export (f->chart, csv, FATHOM_CHART_FORMAT_CSV, 0, 0, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, &len, &error));
  g_assert_true (g_str_has_prefix (text, "run,series,kind,unit,x,y\nrun-a,train loss,loss,,0,"));
  for (gsize i = 0; i < len; i++)
    lines += text[i] == '\n';
  g_assert_cmpuint (lines, ==, 1000000 + 1);

  g_unlink (png);
  g_unlink (svg);
  g_unlink (csv);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  /* Without a session bus GTK's AT-SPI bridge warns, and warnings are
   * fatal in tests; the accessible role is checked without it. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add ("/chart/widget/cached-node", Fixture, NULL, fixture_setup, test_cached_node, fixture_teardown);
  g_test_add ("/chart/widget/render", Fixture, NULL, fixture_setup, test_render_pixels, fixture_teardown);
  g_test_add ("/chart/widget/zoom-pan", Fixture, NULL, fixture_setup, test_zoom_pan, fixture_teardown);
  g_test_add ("/chart/widget/export", Fixture, NULL, fixture_setup, test_export, fixture_teardown);
  return g_test_run ();
}
