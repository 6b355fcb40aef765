/* test-image-view.c: the image view, the class-map grid and the heatmap
 * controls under a real (virtual) display: the snapshot and its pixels,
 * the view transform through zoom, pan and fit, arrow-key travel through a
 * list, tile selection, and the controls bound to the view. */
#include "fathom-heatmap-controls.h"
#include "fathom-heatmap-grid.h"
#include "fathom-image-view.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

static const char *const fish_classes[] = {
  "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT", NULL
};

/* A 400x200 grey-to-teal gradient. */
static FathomImage *
make_photo (int w, int h)
{
  FathomImage *img = fathom_image_new (w, h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->pixels + 3 * ((gsize) y * w + x);

        p[0] = 90;
        p[1] = (guint8) (90 + 60 * x / w);
        p[2] = (guint8) (90 + 60 * y / h);
      }
  return img;
}

/* Eight 5x5 maps, class 0 hot in the centre cell. */
static FathomHeatmap *
make_map (void)
{
  FathomHeatmap *map = fathom_heatmap_new (8, 5, 5);

  map->values[2 * 5 + 2] = 7.f;
  map->values[25 * 4 + 0] = 3.f;
  return map;
}

/* Lets pending frames (layout, CSS state) happen. */
static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static void
wait_for_size (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while ((!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) <= 0) &&
         g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  settle ();
  g_assert_true (gtk_widget_get_mapped (widget));
}

static GtkWidget *
show_in_window (GtkWidget *child, int w, int h)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), w, h);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_size (child);
  return window;
}

static guint
count_nodes (GskRenderNode *node, GskRenderNodeType type)
{
  guint n = gsk_render_node_get_node_type (node) == type;

  switch (gsk_render_node_get_node_type (node))
    {
    case GSK_CONTAINER_NODE:
      for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
        n += count_nodes (gsk_container_node_get_child (node, i), type);
      break;
    case GSK_CLIP_NODE: n += count_nodes (gsk_clip_node_get_child (node), type); break;
    case GSK_OPACITY_NODE: n += count_nodes (gsk_opacity_node_get_child (node), type); break;
    case GSK_TRANSFORM_NODE: n += count_nodes (gsk_transform_node_get_child (node), type); break;
    default: break;
    }
  return n;
}

/* The widget snapshotted and drawn by the window's renderer, as cairo
 * ARGB32 bytes. */
static guint8 *
render_widget (GtkWidget *window, GtkWidget *widget, int *w, int *h, GskRenderNode **node_out)
{
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GdkTexture *texture;
  guint8 *data;

  settle ();
  snapshot = gtk_snapshot_new ();
  *w = gtk_widget_get_width (widget);
  *h = gtk_widget_get_height (widget);
  /* the widget's own snapshot, as a frame would take it (a child widget's
   * nodes come with it through gtk_widget_snapshot_child) */
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, *w, *h));
  data = g_malloc ((gsize) *w * *h * 4);
  gdk_texture_download (texture, data, (gsize) *w * 4);
  g_object_unref (texture);
  *node_out = node;
  return data;
}

/* With FATHOM_RENDER_SAMPLES=DIR, keeps the rendered widget to look at. */
static void
maybe_save (const guint8 *data, int w, int h, const char *name)
{
  const char *dir = g_getenv ("FATHOM_RENDER_SAMPLES");
  g_autofree char *path = NULL;
  cairo_surface_t *s;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, name, NULL);
  s = cairo_image_surface_create_for_data ((guint8 *) data, CAIRO_FORMAT_ARGB32, w, h, w * 4);
  g_assert_cmpint (cairo_surface_write_to_png (s, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (s);
}

static gboolean
colour_near (const guint8 *data, int w, int x, int y, int r, int g, int b, int tol)
{
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      {
        guint32 p = ((const guint32 *) (gconstpointer) data)[(y + dy) * w + x + dx];

        if (ABS ((int) ((p >> 16) & 255) - r) <= tol && ABS ((int) ((p >> 8) & 255) - g) <= tol &&
            ABS ((int) (p & 255) - b) <= tol)
          return TRUE;
      }
  return FALSE;
}

static void
assert_maps (FathomImageView *view, double ix, double iy, double want_x, double want_y)
{
  FathomViewTransform t;
  double x, y;

  fathom_image_view_get_transform (view, &t);
  fathom_view_transform_to_view (&t, ix, iy, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, want_x, 1e-6);
  g_assert_cmpfloat_with_epsilon (y, want_y, 1e-6);
}

static FathomImageView *
new_filled_view (void)
{
  FathomImageView *view = FATHOM_IMAGE_VIEW (fathom_image_view_new ());
  g_autoptr(FathomImage) photo = make_photo (400, 200);
  g_autoptr(FathomHeatmap) map = make_map ();
  FathomBox true_box = { 40, 40, 120, 100 }, pred_box = { 60, 50, 110, 90 };

  fathom_image_view_set_image (view, photo);
  fathom_image_view_set_true_box (view, &true_box, "ALB");
  fathom_image_view_set_pred_box (view, &pred_box, "ALB", 0.9, NAN);
  fathom_image_view_set_heatmap (view, map, fish_classes);
  fathom_image_view_set_heatmap_class (view, 0);
  return view;
}

static void
test_snapshot (void)
{
  FathomImageView *view = new_filled_view ();
  GtkWidget *window = show_in_window (GTK_WIDGET (view), 800, 600);
  FathomViewTransform t;
  GskRenderNode *node;
  g_autofree guint8 *pixels = NULL;
  double x, y;
  int w, h;

  gtk_test_accessible_assert_role (view, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_test_accessible_assert_property (view, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "True box: ALB. Predicted box: ALB, probability 0.90. "
                                       "Heatmap of ALB.");

  pixels = render_widget (window, GTK_WIDGET (view), &w, &h, &node);
  /* photo and heatmap as textures, the map under an opacity node, the
   * boxes and tags as cairo */
  g_assert_cmpuint (count_nodes (node, GSK_TEXTURE_NODE), ==, 2);
  g_assert_cmpuint (count_nodes (node, GSK_OPACITY_NODE), ==, 1);
  g_assert_cmpuint (count_nodes (node, GSK_CAIRO_NODE), ==, 1);
  gsk_render_node_unref (node);
  maybe_save (pixels, w, h, "image-view-widget.png");

  fathom_image_view_get_transform (view, &t);
  /* the true box's left edge, halfway down: red */
  fathom_view_transform_to_view (&t, 40, 90, &x, &y);
  g_assert_true (colour_near (pixels, w, (int) x, (int) y, 255, 0, 0, 8));
  /* the predicted box's right edge: yellow */
  fathom_view_transform_to_view (&t, 170, 100, &x, &y);
  g_assert_true (colour_near (pixels, w, (int) x, (int) y, 255, 255, 0, 8));
  /* the hot centre cell (160..240, 80..120): cool's magenta at 0.5 over
   * the photo; a cold cell: cyan over the photo */
  fathom_view_transform_to_view (&t, 220, 112, &x, &y);
  g_assert_true (colour_near (pixels, w, (int) x, (int) y, 172, 62, 189, 8));
  fathom_view_transform_to_view (&t, 380, 20, &x, &y);
  g_assert_true (colour_near (pixels, w, (int) x, (int) y, 45, 201, 176, 8));

  /* opacity 0: the bare photo shows at the hot cell */
  g_object_set (view, "opacity", 0.0, NULL);
  g_free (pixels);
  pixels = render_widget (window, GTK_WIDGET (view), &w, &h, &node);
  gsk_render_node_unref (node);
  fathom_view_transform_to_view (&t, 220, 112, &x, &y);
  g_assert_true (colour_near (pixels, w, (int) x, (int) y, 90, 123, 123, 4));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_zoom_pan (void)
{
  FathomImageView *view = new_filled_view ();
  GtkWidget *window = show_in_window (GTK_WIDGET (view), 800, 600);
  double W = gtk_widget_get_width (GTK_WIDGET (view));
  double H = gtk_widget_get_height (GTK_WIDGET (view));
  double s = MIN (W / 400, H / 200), x0 = (W - 400 * s) / 2, y0 = (H - 200 * s) / 2;
  FathomViewTransform t;
  float value;
  int cx, cy;

  /* fitted: centred, touching two sides, the true aspect */
  fathom_image_view_get_transform (view, &t);
  g_assert_cmpfloat_with_epsilon (t.scale, s, 1e-9);
  assert_maps (view, 200, 100, W / 2, H / 2);
  assert_maps (view, 0, 0, x0, y0);
  assert_maps (view, 400, 200, W - x0, H - y0);
  g_assert_true (fabs (x0) < 1e-9 || fabs (y0) < 1e-9);

  /* the raw cell under the centre: (2, 2), the hot one */
  g_assert_true (fathom_image_view_cell_at (view, W / 2, H / 2, &cx, &cy, &value));
  g_assert_cmpint (cx, ==, 2);
  g_assert_cmpint (cy, ==, 2);
  g_assert_cmpfloat (value, ==, 7.f);
  /* just above the photo: no cell */
  g_assert_false (fathom_image_view_cell_at (view, W / 2, y0 - 1, &cx, &cy, &value));

  /* zoom 2x about the centre: the centre stays, the corners move out */
  fathom_image_view_zoom_at (view, 2.0, W / 2, H / 2);
  assert_maps (view, 200, 100, W / 2, H / 2);
  assert_maps (view, 0, 0, W / 2 - 400 * s, H / 2 - 200 * s);
  assert_maps (view, 400, 200, W / 2 + 400 * s, H / 2 + 200 * s);

  /* zoom about the top-left corner of the photo: it stays put */
  fathom_image_view_get_transform (view, &t);
  fathom_image_view_zoom_at (view, 1.5, t.x0, t.y0);
  assert_maps (view, 0, 0, t.x0, t.y0);
  assert_maps (view, 400, 200, t.x0 + 400 * 3 * s, t.y0 + 200 * 3 * s);

  /* pan */
  fathom_image_view_get_transform (view, &t);
  fathom_image_view_pan (view, 30, -20);
  assert_maps (view, 0, 0, t.x0 + 30, t.y0 - 20);

  /* fitted again (the 0 key, a double click) */
  gtk_widget_activate_action (GTK_WIDGET (view), "image-view.fit", NULL);
  assert_maps (view, 200, 100, W / 2, H / 2);
  assert_maps (view, 0, 0, x0, y0);

  /* zoom is bounded */
  fathom_image_view_zoom_at (view, 1e9, W / 2, H / 2);
  fathom_image_view_get_transform (view, &t);
  g_assert_cmpfloat (t.scale, ==, 64.0);
  assert_maps (view, 200, 100, W / 2, H / 2);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
on_current_changed (FathomImageView *view, guint index, GArray *seen)
{
  g_array_append_val (seen, index);
}

static void
test_arrows (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fathom-view-XXXXXX", NULL);
  const int sizes[3][2] = { { 40, 30 }, { 50, 20 }, { 60, 60 } };
  char *paths[4] = { NULL };
  FathomImageView *view = FATHOM_IMAGE_VIEW (fathom_image_view_new ());
  GtkWidget *window = show_in_window (GTK_WIDGET (view), 400, 300);
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint));
  FathomBox box = { 1, 1, 5, 5 };

  for (int i = 0; i < 3; i++)
    {
      g_autoptr(FathomImage) img = make_photo (sizes[i][0], sizes[i][1]);
      g_autoptr(GError) error = NULL;

      paths[i] = g_strdup_printf ("%s/img_%d.png", dir, i);
      g_assert_true (fathom_image_save_png (img, paths[i], &error));
      g_assert_no_error (error);
    }
  g_signal_connect (view, "current-changed", G_CALLBACK (on_current_changed), seen);

  /* paths: the first is shown at once */
  fathom_image_view_set_paths (view, (const char * const *) paths);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpuint (g_array_index (seen, guint, 0), ==, 0);
  g_assert_cmpint (fathom_image_view_get_image (view)->width, ==, 40);

  /* the Right and Left keys' actions */
  fathom_image_view_set_true_box (view, &box, "ALB");
  gtk_widget_activate_action (GTK_WIDGET (view), "image-view.next", NULL);
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpuint (g_array_index (seen, guint, 1), ==, 1);
  g_assert_cmpuint (fathom_image_view_get_current (view), ==, 1);
  g_assert_cmpint (fathom_image_view_get_image (view)->width, ==, 50);
  g_assert_cmpint (fathom_image_view_get_image (view)->height, ==, 20);
  gtk_widget_activate_action (GTK_WIDGET (view), "image-view.next", NULL);
  g_assert_cmpuint (g_array_index (seen, guint, 2), ==, 2);
  /* at the end: nothing moves, nothing is emitted */
  gtk_widget_activate_action (GTK_WIDGET (view), "image-view.next", NULL);
  g_assert_cmpuint (seen->len, ==, 3);
  gtk_widget_activate_action (GTK_WIDGET (view), "image-view.previous", NULL);
  g_assert_cmpuint (seen->len, ==, 4);
  g_assert_cmpuint (g_array_index (seen, guint, 3), ==, 1);

  /* any list model: the view counts, the owner fills */
  {
    const char *const names[] = { "a", "b", NULL };
    g_autoptr(GtkStringList) list = gtk_string_list_new (names);

    g_array_set_size (seen, 0);
    fathom_image_view_set_model (view, G_LIST_MODEL (list));
    g_assert_cmpuint (seen->len, ==, 1);
    g_assert_true (fathom_image_view_select_next (view));
    g_assert_false (fathom_image_view_select_next (view));
    g_assert_cmpuint (g_array_index (seen, guint, 1), ==, 1);
    /* removing the current item moves back to the last */
    gtk_string_list_remove (list, 1);
    g_assert_cmpuint (fathom_image_view_get_current (view), ==, 0);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpint (g_unlink (paths[i]), ==, 0);
      g_free (paths[i]);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
on_notify (GObject *object, GParamSpec *pspec, int *count)
{
  (*count)++;
}

static void
test_grid (void)
{
  FathomHeatmapGrid *grid = FATHOM_HEATMAP_GRID (fathom_heatmap_grid_new ());
  g_autoptr(FathomImage) photo = make_photo (400, 200);
  g_autoptr(FathomHeatmap) map = make_map ();
  FathomBox box = { 40, 40, 120, 100 };
  GtkWidget *window, *child, *tiles;
  GskRenderNode *node;
  g_autofree guint8 *pixels = NULL;
  int notified = 0, n = 0, w, h;

  fathom_heatmap_grid_set_image (grid, photo);
  fathom_heatmap_grid_set_true_box (grid, &box);
  fathom_heatmap_grid_set_heatmap (grid, map, fish_classes);
  g_assert_cmpuint (fathom_heatmap_grid_get_n_tiles (grid), ==, 8);
  tiles = gtk_widget_get_parent (fathom_heatmap_grid_get_tile (grid, 0));
  for (child = gtk_widget_get_first_child (tiles); child; child = gtk_widget_get_next_sibling (child))
    n++;
  g_assert_cmpint (n, ==, 8);
  g_assert_cmpint (fathom_heatmap_grid_get_selected_class (grid), ==, -1);

  window = show_in_window (GTK_WIDGET (grid), 900, 400);
  g_signal_connect (grid, "notify::selected-class", G_CALLBACK (on_notify), &notified);
  /* a click on YFT's tile (what a button's click and Space both end in) */
  g_signal_emit_by_name (fathom_heatmap_grid_get_tile (grid, 7), "clicked");
  g_assert_cmpint (fathom_heatmap_grid_get_selected_class (grid), ==, 7);
  g_assert_cmpint (notified, ==, 1);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (fathom_heatmap_grid_get_tile (grid, 7))));
  /* and from the API: the tiles follow, one at a time */
  fathom_heatmap_grid_set_selected_class (grid, 2);
  g_assert_cmpint (notified, ==, 2);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (fathom_heatmap_grid_get_tile (grid, 2))));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (fathom_heatmap_grid_get_tile (grid, 7))));

  fathom_heatmap_grid_set_shared_scale (grid, FALSE);
  g_assert_false (fathom_heatmap_grid_get_shared_scale (grid));
  /* the tiles draw: eight drawing areas, the hot ALB tile tinted magenta */
  pixels = render_widget (window, GTK_WIDGET (grid), &w, &h, &node);
  g_assert_cmpuint (count_nodes (node, GSK_CAIRO_NODE), ==, 8);
  gsk_render_node_unref (node);
  maybe_save (pixels, w, h, "heatmap-grid-widget.png");
  {
    GtkWidget *area = gtk_widget_get_last_child (gtk_button_get_child (
                        GTK_BUTTON (fathom_heatmap_grid_get_tile (grid, 0))));
    graphene_rect_t bounds;

    /* the middle of ALB's tile is its hot cell: magenta over the photo */
    g_assert_true (gtk_widget_compute_bounds (area, GTK_WIDGET (grid), &bounds));
    g_assert_true (colour_near (pixels, w, (int) (bounds.origin.x + bounds.size.width / 2),
                                (int) (bounds.origin.y + bounds.size.height / 2),
                                172, 60, 188, 12));
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_controls_bind (void)
{
  FathomImageView *view = g_object_ref_sink (new_filled_view ());
  FathomHeatmapControls *controls = g_object_ref_sink (FATHOM_HEATMAP_CONTROLS (fathom_heatmap_controls_new ()));
  FathomHeatmapStyle style;
  int colormap;

  fathom_heatmap_controls_set_class_names (controls, fish_classes);
  fathom_heatmap_controls_set_image_classes (controls, 3, 7);
  fathom_heatmap_controls_bind (controls, view);
  /* "True class" is the first choice: the view shows LAG's map */
  g_assert_cmpint (fathom_image_view_get_heatmap_class (view), ==, 3);
  fathom_heatmap_controls_set_image_classes (controls, 5, 7);
  g_assert_cmpint (fathom_image_view_get_heatmap_class (view), ==, 5);

  g_object_set (controls, "colormap", FATHOM_COLORMAP_INFERNO, "threshold", 0.4,
                "interpolation", FATHOM_RESIZE_BILINEAR, NULL);
  fathom_image_view_get_style (view, &style);
  g_assert_cmpint (style.colormap, ==, FATHOM_COLORMAP_INFERNO);
  g_assert_cmpfloat (style.threshold, ==, 0.4);
  g_assert_cmpint (style.interpolation, ==, FATHOM_RESIZE_BILINEAR);
  /* and back: a class picked on the view (as the grid does) */
  fathom_image_view_set_heatmap_class (view, 1);
  g_object_get (controls, "colormap", &colormap, NULL);
  g_assert_cmpint (colormap, ==, FATHOM_COLORMAP_INFERNO);
  {
    int k;

    g_object_get (controls, "heatmap-class", &k, NULL);
    g_assert_cmpint (k, ==, 1);
  }
  /* it lays out and draws: a form of seven rows */
  {
    GtkWidget *window = show_in_window (GTK_WIDGET (controls), 360, 200);
    g_autofree guint8 *pixels = NULL;
    GskRenderNode *node;
    int w, h;

    g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (controls)), >=, 7 * 24);
    pixels = render_widget (window, GTK_WIDGET (controls), &w, &h, &node);
    gsk_render_node_unref (node);
    maybe_save (pixels, w, h, "heatmap-controls-widget.png");
    gtk_window_destroy (GTK_WINDOW (window));
  }
  g_object_unref (controls);
  g_object_unref (view);
}

int
main (int argc, char **argv)
{
  /* Without a session bus GTK's AT-SPI bridge warns, and warnings are
   * fatal in tests; GTK's test context keeps the accessible label to check. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image-view/snapshot", test_snapshot);
  g_test_add_func ("/image-view/zoom-pan", test_zoom_pan);
  g_test_add_func ("/image-view/arrows", test_arrows);
  g_test_add_func ("/heatmap-grid/select", test_grid);
  g_test_add_func ("/heatmap-controls/bind", test_controls_bind);
  return g_test_run ();
}
