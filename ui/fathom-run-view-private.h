/* fathom-run-view-private.h: shared by fathom-run-view.c, its list
 * (fathom-run-view-list.c) and its photo (fathom-run-view-photo.c). */
#pragma once

#include "fathom-run-view.h"
#include "fathom-annotations.h"

G_BEGIN_DECLS

/* One listed photo: its row of predictions.csv. */
#define FATHOM_TYPE_RUN_ROW (fathom_run_row_get_type ())
G_DECLARE_FINAL_TYPE (FathomRunRow, fathom_run_row, FATHOM, RUN_ROW, GObject)

struct _FathomRunRow
{
  GObject parent_instance;
  guint   index;
};

struct _FathomRunView
{
  GtkWidget              parent_instance;

  /* children, borrowed: all inside root, our only child */
  GtkWidget             *root;
  GtkWidget             *title;
  GtkWidget             *subtitle;
  GtkWidget             *finals;
  GtkWidget             *published;
  FathomChart           *chart;
  GtkWidget             *sort_drop;
  GtkWidget             *wrong_toggle;
  GtkWidget             *search;
  GtkWidget             *count;
  GtkWidget             *list;
  GtkWidget             *photo_stack;
  FathomImageView       *image_view;
  FathomHeatmapGrid     *grid;
  GtkWidget             *photo_info;
  GtkWidget             *heat_panel;
  FathomHeatmapControls *controls;
  GtkWidget             *grid_toggle;
  GtkWidget             *scores;

  /* owned */
  char                  *run_dir;
  char                  *dataset_dir;   /* run.json's "dataset", or NULL */
  FathomAnnotations     *annotations;   /* the dataset's annotations/, for the
                                         * other marked fish; NULL when none */
  FathomRunPredictions  *predictions;   /* NULL: no predictions.csv */
  float                 *maps;          /* [N, K, map_h, map_w] or NULL */
  GListStore            *rows;          /* FathomRunRow */
  GtkCustomSorter       *sorter;
  GtkCustomFilter       *filter;
  GtkFilterListModel    *filtered;
  GtkSingleSelection    *selection;
  FathomHeatmap         *heatmap;       /* the selected photo's maps */
  char                  *search_text;   /* casefolded; NULL: no search */
  char                  *photo_error;

  int                    map_h, map_w;
  int                    input_width;   /* the model input; 0: unknown */
  int                    input_height;
  FathomRunViewSort      sort;
  gboolean               wrong_only;
  int                    selected;      /* row shown, -1: none */
  int                    photo_row;     /* row whose photo the view holds */
  gboolean               has_scores;
  gboolean               pointing;
  double                 in_box;
  gboolean               syncing;       /* moving the image view ourselves */
  gboolean               stale;         /* the image view lost its boxes and map */
};

/* fathom-run-view-list.c */
GtkWidget *_fathom_run_view_build_list    (FathomRunView             *self);
/* One row per predictions.csv row, in place of the last run's. */
void       _fathom_run_view_replace_rows  (FathomRunView             *self);
void       _fathom_run_view_update_count  (FathomRunView             *self);
gboolean   _fathom_run_view_row_passes    (FathomRunView             *self,
                                           const FathomRunPrediction *p);
/* The predictions.csv row listed at position, or -1. */
int        _fathom_run_view_row_at        (FathomRunView             *self,
                                           guint                      position);

/* fathom-run-view-photo.c */
GtkWidget *_fathom_run_view_build_photo   (FathomRunView             *self);
void       _fathom_run_view_clear_photo   (FathomRunView             *self);
/* Shows the list's selection in the image view. */
void       _fathom_run_view_sync          (FathomRunView             *self);

static inline void
_fathom_run_view_set_margins (GtkWidget *widget,
                              int        margin)
{
  gtk_widget_set_margin_start (widget, margin);
  gtk_widget_set_margin_end (widget, margin);
  gtk_widget_set_margin_top (widget, margin);
  gtk_widget_set_margin_bottom (widget, margin);
}

static inline void
_fathom_run_view_set_label (gpointer    widget,
                            const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static inline GtkWidget *
_fathom_run_view_wrapping_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.f);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

G_END_DECLS
