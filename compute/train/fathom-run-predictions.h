/* fathom-run-predictions.h: a run folder's predictions.csv, read back
 * strictly (GTK-free).
 *
 * The file (written by fathom_experiment_run(), see fathom-experiment.h):
 *
 *   file,true_class,pred_class,<K class names>,true_h,true_w,true_x,true_y,
 *   pred_h,pred_w,pred_x,pred_y,iou
 *
 * one row per validation photo, file relative to the dataset and quoted
 * when it holds a comma, a quote or a newline. Boxes are [h, w, x, y] at
 * the model input; a true box of zeros means the photo has none; the
 * predicted box and the IoU are empty unless the model predicts boxes.
 * A malformed file gives FATHOM_RUN_ERROR_PARSE naming the file and line.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char        *file;            /* relative to the run's dataset */
  int          true_class;      /* index into the class names */
  int          pred_class;
  const float *probs;           /* K class probabilities (borrowed) */
  gboolean     has_true_box;    /* h > 0 and w > 0 */
  float        true_box[4];     /* [h, w, x, y] at the model input */
  gboolean     has_pred_box;
  float        pred_box[4];
  double       iou;             /* NAN unless predicted */
} FathomRunPrediction;

typedef struct _FathomRunPredictions FathomRunPredictions;

/* path names the file in errors. */
FathomRunPredictions      *fathom_run_predictions_parse   (const char           *text,
                                                           gssize                length,
                                                           const char           *path,
                                                           GError              **error);
FathomRunPredictions      *fathom_run_predictions_load    (const char           *path,
                                                           GError              **error);
void                       fathom_run_predictions_free    (FathomRunPredictions *self);
guint                      fathom_run_predictions_get_n_rows (FathomRunPredictions *self);
const FathomRunPrediction *fathom_run_predictions_get_row (FathomRunPredictions *self,
                                                           guint                 i);
/* NULL-terminated, K entries. */
const char * const        *fathom_run_predictions_get_class_names (FathomRunPredictions *self);
guint                      fathom_run_predictions_get_n_classes (FathomRunPredictions *self);
/* Whether any row has a predicted box (a bbox run). */
gboolean                   fathom_run_predictions_has_pred_boxes (FathomRunPredictions *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomRunPredictions, fathom_run_predictions_free)

G_END_DECLS
