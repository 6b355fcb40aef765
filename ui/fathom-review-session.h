/* fathom-review-session.h: the state of an annotation review (GTK-free):
 * a run folder's validation photos ranked by how much the model and the
 * crowd's boxes disagree, the decisions taken on them, and the corrected
 * annotation files they produce.
 *
 * Reads run.json ("dataset", config input_width/input_height),
 * predictions.csv (fathom-run-predictions.h) and, for runs with class
 * maps, heatmaps.safetensors ("maps" [N, K, h, w] in predictions.csv row
 * order). The annotations are the dataset's Sloth files (*_labels.json in
 * DATASET/annotations/, or in DATASET itself when that folder is
 * missing), each loaded on its own.
 *
 * Every decision is saved at once, atomically, and never over an
 * original: for each class file X_labels.json touched, X_labels.reviewed.json
 * beside it holds the file's whole annotation set with the corrections;
 * RUN/review.json lists every decision in order (file, decision, box) and
 * the photos marked ambiguous. Loading again resumes: review.json's
 * decisions are replayed, and a box of a .reviewed.json that differs
 * from the result (another run's review of the same dataset, or a crash
 * between the two writes) counts as an edit already made.
 *
 * Undo takes back the last decision, whatever its depth: the class file
 * is read again and the remaining decisions replayed, so that an entry
 * with several rects comes back exactly.
 */
#pragma once

#include <glib.h>

#include "fathom-box.h"
#include "fathom-heatmap.h"
#include "fathom-run-predictions.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_REVIEW_PENDING,        /* no decision yet */
  FATHOM_REVIEW_KEEP,           /* the annotation stands */
  FATHOM_REVIEW_ACCEPT,         /* the predicted box replaces it */
  FATHOM_REVIEW_EDIT,           /* a box drawn by hand replaces it */
  FATHOM_REVIEW_AMBIGUOUS,      /* for someone else to look at */
  FATHOM_REVIEW_N_DECISIONS
} FathomReviewDecision;

typedef enum {
  FATHOM_REVIEW_SORT_IOU,         /* 1 - IoU of predicted and true box (bbox runs) */
  FATHOM_REVIEW_SORT_CLASS_LOSS,  /* -log p(true class) */
  FATHOM_REVIEW_SORT_HEATMAP,     /* share of the true class map's mass outside the true box */
  FATHOM_REVIEW_N_SORTS
} FathomReviewSort;

typedef struct _FathomReviewSession FathomReviewSession;

/* "keep", "accept", "edit", "ambiguous" (review.json's spelling), and
 * back; FALSE for anything else. */
const char          *fathom_review_decision_to_string   (FathomReviewDecision  decision);
gboolean             fathom_review_decision_from_string (const char           *text,
                                                         FathomReviewDecision *decision);
/* "Box disagreement (1 − IoU)" and the like. */
const char          *fathom_review_sort_get_title       (FathomReviewSort      sort);

/* G_IO_ERROR_NOT_SUPPORTED for a run that has neither predicted boxes
 * nor class maps (nothing to review against); other errors name the file. */
FathomReviewSession *fathom_review_session_load         (const char           *run_dir,
                                                         GError              **error);
void                 fathom_review_session_free         (FathomReviewSession  *self);

const char          *fathom_review_session_get_run_dir  (FathomReviewSession  *self);
const char          *fathom_review_session_get_dataset_dir (FathomReviewSession *self);
FathomRunPredictions *fathom_review_session_get_predictions (FathomReviewSession *self);
guint                fathom_review_session_get_n_rows   (FathomReviewSession  *self);
void                 fathom_review_session_get_input_size (FathomReviewSession *self,
                                                         int                  *width,
                                                         int                  *height);
/* DATASET/file of row i, newly allocated. */
char                *fathom_review_session_dup_photo_path (FathomReviewSession *self,
                                                         guint                 row);

/* Whether the run supports the sort (IoU needs boxes, the heatmap share
 * maps). */
gboolean             fathom_review_session_has_sort     (FathomReviewSession  *self,
                                                         FathomReviewSort      sort);
/* Row i's disagreement for sort: NAN where it is undefined (no true box,
 * no prediction, no map). */
double               fathom_review_session_get_disagreement (FathomReviewSession *self,
                                                         guint                 row,
                                                         FathomReviewSort      sort);
/* Every row, the most disagreeing first, undefined ones last, ties in
 * file order; n_rows entries, g_free() them. */
guint               *fathom_review_session_sort         (FathomReviewSession  *self,
                                                         FathomReviewSort      sort);

/* Row i's class map (a new copy), or NULL for runs without maps. */
FathomHeatmap       *fathom_review_session_dup_heatmap  (FathomReviewSession  *self,
                                                         guint                 row);
/* The annotation's box as it stands now (with the decisions), in pixels
 * of the photo image_width x image_height; without an annotation, the
 * true box of predictions.csv. FALSE when there is none. */
gboolean             fathom_review_session_get_box      (FathomReviewSession  *self,
                                                         guint                 row,
                                                         int                   image_width,
                                                         int                   image_height,
                                                         FathomBox            *box);
/* The photo's other marked fish as they stand (the annotation's rects but
 * the kept one, original pixels: the photo's), FathomBox; empty without. */
GArray              *fathom_review_session_dup_other_boxes (FathomReviewSession *self,
                                                         guint                 row);
/* The model's box in photo pixels; FALSE when it predicts none. */
gboolean             fathom_review_session_get_pred_box (FathomReviewSession  *self,
                                                         guint                 row,
                                                         int                   image_width,
                                                         int                   image_height,
                                                         FathomBox            *box);

/* The latest decision on row i. */
FathomReviewDecision fathom_review_session_get_decision (FathomReviewSession  *self,
                                                         guint                 row);
guint                fathom_review_session_count_decided (FathomReviewSession *self);
/* Where row i's corrections go: the .reviewed.json beside its class file. */
const char          *fathom_review_session_get_reviewed_path (FathomReviewSession *self,
                                                         guint                 row);

/* Records and saves a decision. ACCEPT and EDIT need box (photo pixels,
 * width and height > 0); KEEP and AMBIGUOUS ignore it. On a failed save
 * the decision is taken back and error says why. */
gboolean             fathom_review_session_decide       (FathomReviewSession  *self,
                                                         guint                 row,
                                                         FathomReviewDecision  decision,
                                                         const FathomBox      *box,
                                                         GError              **error);
guint                fathom_review_session_get_n_undo   (FathomReviewSession  *self);
/* Takes back the last decision and saves; *row (may be NULL) is the row
 * it was on. FALSE with no error when there is nothing to undo. */
gboolean             fathom_review_session_undo         (FathomReviewSession  *self,
                                                         guint                *row,
                                                         GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomReviewSession, fathom_review_session_free)

G_END_DECLS
