/* fathom-review-queue.h: the Review page: triage of the crowd's box
 * annotations against a trained model.
 *
 * Loads a run folder (fathom-review-session.h says what it reads and
 * writes) and lists its validation photos, the most disagreeing first
 * under a chosen sort: 1 − IoU of the predicted and the true box, the
 * class loss −log p(true class), or the share of the true class's
 * heatmap mass outside the true box (runs with maps). The current photo
 * shows in a FathomImageView, true box red, predicted box yellow, with
 * class, probability and IoU.
 *
 * One key per decision on the current photo, then on to the next
 * undecided one: K keeps the annotation, A accepts the predicted box, M
 * marks the photo ambiguous; Ctrl+Z undoes the last decision (any
 * depth). Dragging a corner of the red box corrects it (an "edit" that
 * stays on the photo). Each decision is saved at once to the
 * X_labels.reviewed.json beside the class file and to the run's
 * review.json; the original files are never written. Buttons do what the
 * keys do.
 *
 * Actions (group "review"): keep, accept, ambiguous, undo, next, previous.
 */
#pragma once

#include <gtk/gtk.h>

#include "fathom-image-view.h"
#include "fathom-review-session.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_REVIEW_QUEUE (fathom_review_queue_get_type ())
G_DECLARE_FINAL_TYPE (FathomReviewQueue, fathom_review_queue, FATHOM, REVIEW_QUEUE, GtkWidget)

GtkWidget           *fathom_review_queue_new            (void);

/* Reads the run (and resumes its review). On failure the queue keeps
 * what it showed; G_IO_ERROR_NOT_SUPPORTED: a run with neither predicted
 * boxes nor class maps. */
gboolean             fathom_review_queue_load           (FathomReviewQueue   *self,
                                                         const char          *run_dir,
                                                         GError             **error);
/* NULL until a run is loaded. Borrowed. */
FathomReviewSession *fathom_review_queue_get_session    (FathomReviewQueue   *self);

/* Ignored when the run cannot score that way (has_sort). The current
 * photo stays current. */
void                 fathom_review_queue_set_sort       (FathomReviewQueue   *self,
                                                         FathomReviewSort     sort);
FathomReviewSort     fathom_review_queue_get_sort       (FathomReviewQueue   *self);

/* The queue in its order: n rows, the predictions.csv row at each
 * position and its disagreement under the current sort. */
guint                fathom_review_queue_get_n_rows     (FathomReviewQueue   *self);
guint                fathom_review_queue_get_row_at     (FathomReviewQueue   *self,
                                                         guint                position);
double               fathom_review_queue_get_disagreement_at (FathomReviewQueue *self,
                                                         guint                position);
/* The current photo's position; GTK_INVALID_LIST_POSITION when empty. */
guint                fathom_review_queue_get_position   (FathomReviewQueue   *self);
void                 fathom_review_queue_set_position   (FathomReviewQueue   *self,
                                                         guint                position);

/* KEEP, ACCEPT or AMBIGUOUS on the current photo, saved, then on to the
 * next undecided photo. What the keys and buttons call. */
gboolean             fathom_review_queue_decide         (FathomReviewQueue   *self,
                                                         FathomReviewDecision decision,
                                                         GError             **error);
/* Takes back the last decision, saved, and shows its photo. FALSE
 * without an error when there is nothing to undo. */
gboolean             fathom_review_queue_undo           (FathomReviewQueue   *self,
                                                         GError             **error);

/* The photo view, whose transform maps corner drags to photo pixels. */
FathomImageView     *fathom_review_queue_get_image_view (FathomReviewQueue   *self);

G_END_DECLS
