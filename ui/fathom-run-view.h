/* fathom-run-view.h: the Runs page: what one trained run learned.
 *
 * Shows a run folder written by fathom-cli train or fathom_experiment_run()
 * (fathom-experiment.h): a header with the experiment, its status, the
 * final metrics of run.json and the lesson's published figure; the loss
 * curves of metrics.csv in a FathomChart; the validation photos of
 * predictions.csv in a list (file, true and predicted class, the
 * predicted class's probability, IoU) that sorts and filters; and the
 * selected photo in a FathomImageView with the true box in red and the
 * predicted one in yellow. Runs with heatmaps.safetensors lay the photo's
 * class map over it, with FathomHeatmapControls and a toggle to the
 * FathomHeatmapGrid of all maps, and give the photo's pointing and
 * in-box share (as the run's heatmap_pointing and heatmap_in_box count
 * them).
 *
 * Files are small and read at once; photos are decoded when selected.
 * The image view's arrow keys travel through the list as sorted.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-chart.h"
#include "fathom-heatmap-controls.h"
#include "fathom-heatmap-grid.h"
#include "fathom-image-view.h"
#include "fathom-run-predictions.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_RUN_VIEW (fathom_run_view_get_type ())
G_DECLARE_FINAL_TYPE (FathomRunView, fathom_run_view, FATHOM, RUN_VIEW, GtkWidget)

typedef enum {
  FATHOM_RUN_VIEW_SORT_FILE,            /* predictions.csv's order */
  FATHOM_RUN_VIEW_SORT_WRONG_FIRST,     /* wrong class first, the surest mistakes first */
  FATHOM_RUN_VIEW_SORT_LOWEST_IOU,      /* lowest IoU first, photos without one last */
  FATHOM_RUN_VIEW_SORT_LEAST_SURE,      /* lowest probability of the true class first */
} FathomRunViewSort;

GtkWidget   *fathom_run_view_new               (void);

/* Reads run.json, metrics.csv, predictions.csv and heatmaps.safetensors
 * (the last two may be missing: a run that stopped early). On failure
 * the view keeps what it showed and error names the file. */
gboolean     fathom_run_view_load              (FathomRunView      *self,
                                                const char         *run_dir,
                                                GError            **error);
/* NULL until a run is loaded. */
const char  *fathom_run_view_get_run_dir       (FathomRunView      *self);

/* The list: sorting, and two filters (wrong class only; a search in the
 * file name and class names). Setting them moves the controls too. */
void         fathom_run_view_set_sort          (FathomRunView      *self,
                                                FathomRunViewSort   sort);
FathomRunViewSort fathom_run_view_get_sort     (FathomRunView      *self);
void         fathom_run_view_set_wrong_only    (FathomRunView      *self,
                                                gboolean            wrong_only);
void         fathom_run_view_set_search        (FathomRunView      *self,
                                                const char         *text);
/* Rows listed after the filters, and the predictions.csv row (0-based,
 * data rows) at a position of the list. */
guint        fathom_run_view_get_n_listed      (FathomRunView      *self);
guint        fathom_run_view_get_listed_row    (FathomRunView      *self,
                                                guint               position);

/* Selects predictions.csv row index (clearing filters that hide it) and
 * shows it; -1: none selected. */
void         fathom_run_view_select_row        (FathomRunView      *self,
                                                guint               index);
int          fathom_run_view_get_selected_row  (FathomRunView      *self);

/* NULL when no run or no predictions.csv is loaded. Transfer none. */
FathomRunPredictions *fathom_run_view_get_predictions (FathomRunView *self);
/* The selected photo's class maps [K, h, w] (NULL without heatmaps). */
const FathomHeatmap  *fathom_run_view_get_heatmap     (FathomRunView *self);
/* The selected photo's pointing (is the true class map's peak cell
 * inside the true box?) and in-box share (NAN when the map has no
 * positive cell); FALSE without maps or a true box. */
gboolean     fathom_run_view_get_photo_scores  (FathomRunView      *self,
                                                gboolean           *pointing,
                                                double             *in_box);

/* Shows all class maps instead of the photo. */
void         fathom_run_view_set_show_grid     (FathomRunView      *self,
                                                gboolean            show_grid);

/* Parts, for the window and tests. Transfer none. */
FathomChart           *fathom_run_view_get_chart            (FathomRunView *self);
FathomImageView       *fathom_run_view_get_image_view       (FathomRunView *self);
FathomHeatmapControls *fathom_run_view_get_heatmap_controls (FathomRunView *self);
FathomHeatmapGrid     *fathom_run_view_get_heatmap_grid     (FathomRunView *self);

G_END_DECLS
