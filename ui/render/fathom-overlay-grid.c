/* fathom-overlay-grid.c: every class map of one photo, tile by tile, as
 * the grid widget shows them and fathom-cli writes them. */
#include "fathom-overlay-render-private.h"

#include <math.h>

#define GRID_PAD 8.0

static const double accent_rgb[3] = { 0.208, 0.518, 0.894 };

static double
scene_aspect (const FathomOverlayScene *scene)
{
  if (scene->image != NULL)
    return (double) scene->image->height / scene->image->width;
  return (double) scene->heatmap->height / scene->heatmap->width;
}

void
fathom_overlay_draw_tile (cairo_t                  *cr,
                          const FathomOverlayScene *scene,
                          int                       k,
                          double                    width,
                          double                    height)
{
  FathomOverlayScene tile = *scene;
  FathomViewTransform view;
  double dx = width, dy = height, size = BASE_FONT * scene->text_scale * 0.8;
  cairo_surface_t *heat;

  g_return_if_fail (scene->heatmap != NULL && k >= 0 && k < scene->heatmap->classes);
  if (scene->image == NULL)
    return;

  fathom_view_transform_fit (&view, scene->image->width, scene->image->height,
                             width, height, 0);
  cairo_save (cr);
  fathom_overlay_draw_photo (cr, scene, &view);

  /* rendered at the tile's device size: cheap, and crisp on HiDPI */
  cairo_user_to_device_distance (cr, &dx, &dy);
  heat = fathom_heatmap_render (scene->heatmap, k, &scene->style,
                                MAX ((int) ceil (fabs (dx) * view.scale * scene->image->width / width), 1),
                                MAX ((int) ceil (fabs (dy) * view.scale * scene->image->height / height), 1));
  tile.heatmap_class = k;
  tile.heatmap_surface = heat;
  tile.layers |= FATHOM_OVERLAY_HEATMAP;
  fathom_overlay_draw_heatmap (cr, &tile, &view);
  cairo_surface_destroy (heat);

  if (scene->has_true_box && (scene->layers & FATHOM_OVERLAY_TRUE_BOX))
    _fathom_overlay_stroke_box (cr, &scene->true_box, &view, _fathom_overlay_true_rgb, 2.0);
  _fathom_overlay_draw_located (cr, &tile, &view);

  if (scene->style.scale == FATHOM_HEATMAP_SCALE_PER_MAP)
    {
      const double dark[3] = { 0.08, 0.08, 0.1 }, white[3] = { 1, 1, 1 };
      char text[64];
      float lo, hi;
      double w, h;

      _fathom_overlay_legend_range (scene, k, FATHOM_HEATMAP_SCALE_PER_MAP, &lo, &hi);
      g_snprintf (text, sizeof text, "%.3g \xe2\x80\xa6 %.3g", lo, hi);
      _fathom_overlay_set_font (cr, size, FALSE);
      _fathom_overlay_tag_size (cr, text, size, &w, &h);
      _fathom_overlay_draw_tag (cr, view.x0 + view.scale * scene->image->width - w - 3,
                view.y0 + view.scale * scene->image->height - h - 3,
                text, size, dark, 0.75, white);
    }
  cairo_restore (cr);
}

typedef struct {
  int    columns, rows;
  double tile_w, tile_h, name_h, bar_h;
} GridLayout;

static void
grid_layout (const FathomOverlayScene *scene, int columns, double width, GridLayout *g)
{
  double size = BASE_FONT * scene->text_scale;

  /* no empty columns: as many as there are maps at most */
  g->columns = CLAMP (columns, 1, MAX (scene->heatmap->classes, 1));
  g->rows = (scene->heatmap->classes + g->columns - 1) / g->columns;
  g->tile_w = MAX ((width - GRID_PAD * (g->columns + 1)) / g->columns, 1.0);
  g->tile_h = g->tile_w * scene_aspect (scene);
  g->name_h = size * 1.7;
  g->bar_h = scene->style.scale == FATHOM_HEATMAP_SCALE_SHARED ? size * 2.6 : 0;
}

double
fathom_overlay_grid_height (const FathomOverlayScene *scene,
                            int                       columns,
                            double                    width)
{
  GridLayout g;

  grid_layout (scene, columns, width, &g);
  return GRID_PAD + g.rows * (g.name_h + g.tile_h + GRID_PAD) + g.bar_h;
}

void
fathom_overlay_render_grid (cairo_t                  *cr,
                            const FathomOverlayScene *scene,
                            int                       columns,
                            double                    width,
                            double                    height)
{
  double size = BASE_FONT * scene->text_scale;
  GridLayout g;

  g_return_if_fail (scene->heatmap != NULL);
  grid_layout (scene, columns, width, &g);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 0.14, 0.14, 0.15);
  cairo_fill (cr);

  for (int k = 0; k < scene->heatmap->classes; k++)
    {
      double x = GRID_PAD + (k % g.columns) * (g.tile_w + GRID_PAD);
      double y = GRID_PAD + (k / g.columns) * (g.name_h + g.tile_h + GRID_PAD);
      gboolean selected = k == scene->heatmap_class;
      char buf[16];

      _fathom_overlay_set_font (cr, size, TRUE);
      if (selected)
        cairo_set_source_rgb (cr, 0.47, 0.68, 0.98);
      else
        cairo_set_source_rgb (cr, 0.92, 0.92, 0.92);
      cairo_move_to (cr, x + 2, y + size * 1.15);
      cairo_show_text (cr, _fathom_overlay_class_name (scene, k, buf));

      cairo_save (cr);
      cairo_translate (cr, x, y + g.name_h);
      cairo_rectangle (cr, 0, 0, g.tile_w, g.tile_h);
      cairo_clip (cr);
      fathom_overlay_draw_tile (cr, scene, k, g.tile_w, g.tile_h);
      cairo_restore (cr);
      if (selected)
        {
          _fathom_overlay_rounded_rect (cr, x - 2.5, y + g.name_h - 2.5, g.tile_w + 5, g.tile_h + 5, 4);
          cairo_set_source_rgb (cr, accent_rgb[0], accent_rgb[1], accent_rgb[2]);
          cairo_set_line_width (cr, 3);
          cairo_stroke (cr);
        }
    }

  if (g.bar_h > 0)
    {
      double y = height - g.bar_h + size * 0.5, bar_w = MIN (width * 0.4, 320.0);
      double x = (width - bar_w) / 2;
      char lo_s[32], hi_s[48];
      cairo_text_extents_t ext;
      float lo, hi;

      _fathom_overlay_legend_range (scene, 0, FATHOM_HEATMAP_SCALE_SHARED, &lo, &hi);
      _fathom_overlay_draw_colorbar (cr, scene->style.colormap, x, y, bar_w, size * 0.9);
      _fathom_overlay_set_font (cr, size * 0.9, FALSE);
      cairo_set_source_rgb (cr, 0.92, 0.92, 0.92);
      g_snprintf (lo_s, sizeof lo_s, "%.3g", lo);
      g_snprintf (hi_s, sizeof hi_s, "%.3g  (shared scale)", hi);
      cairo_text_extents (cr, lo_s, &ext);
      cairo_move_to (cr, x - ext.x_advance - size * 0.5, y + size * 0.8);
      cairo_show_text (cr, lo_s);
      cairo_move_to (cr, x + bar_w + size * 0.5, y + size * 0.8);
      cairo_show_text (cr, hi_s);
    }
  cairo_restore (cr);
}

gboolean
fathom_overlay_export_grid_png (const FathomOverlayScene *scene,
                                int                       columns,
                                int                       width,
                                const char               *path,
                                GError                  **error)
{
  cairo_surface_t *surface;
  gboolean ok;
  int height;
  cairo_t *cr;

  g_return_val_if_fail (scene->heatmap != NULL && width > 0, FALSE);
  height = (int) ceil (fathom_overlay_grid_height (scene, columns, width));
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);
  fathom_overlay_render_grid (cr, scene, columns, width, height);
  cairo_destroy (cr);
  ok = _fathom_overlay_write_png (surface, path, error);
  cairo_surface_destroy (surface);
  return ok;
}
