/* fathom-review-item.h: one row of the review queue as a GObject, for the
 * queue's list: the photo, its disagreement under the current sort, and
 * the decision taken on it, which changes (and notifies) as the user
 * triages. */
#pragma once

#include <glib-object.h>

#include "fathom-review-session.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_REVIEW_ITEM (fathom_review_item_get_type ())
G_DECLARE_FINAL_TYPE (FathomReviewItem, fathom_review_item, FATHOM, REVIEW_ITEM, GObject)

/* row: the predictions.csv row; file: its photo (the basename is shown);
 * score: the disagreement, NAN when undefined. */
FathomReviewItem    *fathom_review_item_new          (guint                 row,
                                                      const char           *file,
                                                      double                score,
                                                      FathomReviewDecision  decision);
guint                fathom_review_item_get_row      (FathomReviewItem     *self);
double               fathom_review_item_get_score    (FathomReviewItem     *self);
FathomReviewDecision fathom_review_item_get_decision (FathomReviewItem     *self);
/* Updates "decision", "status" and "icon-name". */
void                 fathom_review_item_set_decision (FathomReviewItem     *self,
                                                      FathomReviewDecision  decision);

/* Properties for list bindings: "title" (the basename), "score-text"
 * ("0.734", or "—"), "status" ("Kept", "Accepted", ...; "" while pending),
 * "icon-name" (a symbolic icon for the decision, NULL while pending). */

G_END_DECLS
