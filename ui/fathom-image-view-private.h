/* fathom-image-view-private.h: the image view's state, shared by its
 * drawing half (fathom-image-view.c) and its navigation half (zoom, pan,
 * gestures, keys and the list: fathom-image-view-nav.c). */
#pragma once

#include "fathom-image-view.h"

G_BEGIN_DECLS

#define MIN_ZOOM_OF_FIT 0.25    /* zoomed out to a quarter of the fitted size */
#define MAX_ZOOM        64.0    /* 64 screen pixels per photo pixel */

struct _FathomImageView
{
  GtkWidget           parent_instance;

  /* owned */
  FathomImage        *image;
  GdkTexture         *photo_texture;
  FathomHeatmap      *heatmap;
  char              **class_names;
  GdkTexture         *heat_texture;      /* NULL: to be rendered */
  char               *true_label;
  char               *pred_label;
  char               *load_error;
  GListModel         *model;
  gulong              items_changed_id;

  FathomBox           true_box;
  GArray             *other_boxes;       /* FathomBox: the photo's other marked boxes */
  FathomBox           pred_box;
  gboolean            has_true_box;
  gboolean            has_pred_box;
  double              pred_prob;
  double              iou;
  int                 heatmap_class;
  FathomHeatmapStyle  style;
  guint               layers;
  guint               current;
  gboolean            own_paths;         /* model is our list of paths */

  FathomViewTransform view;
  gboolean            auto_fit;          /* follow the widget's size */
  double              drag_x0;
  double              drag_y0;
  double              pinch_last;
  gboolean            hovering;
  double              hover_x;
  double              hover_y;
};

/* fathom-image-view.c */
gboolean _fathom_image_view_heatmap_shown      (FathomImageView *self);
void     _fathom_image_view_update_accessible  (FathomImageView *self);
/* Redraws; heat_stale drops the coloured map's texture. */
void     _fathom_image_view_changed            (FathomImageView *self,
                                                gboolean         heat_stale);

/* fathom-image-view-nav.c */
/* While auto_fit, fits the photo to the widget's current size. */
void     _fathom_image_view_ensure_view        (FathomImageView *self);
void     _fathom_image_view_class_init_nav     (GtkWidgetClass  *widget_class);
void     _fathom_image_view_init_nav           (FathomImageView *self);

G_END_DECLS
