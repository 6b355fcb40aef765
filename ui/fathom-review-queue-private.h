/* fathom-review-queue-private.h: the review queue's state, shared by its
 * photo and triage (fathom-review-queue.c), its list
 * (fathom-review-queue-list.c) and its corner drag
 * (fathom-review-queue-drag.c). */
#pragma once

#include "fathom-review-item.h"
#include "fathom-review-queue.h"

G_BEGIN_DECLS

struct _FathomReviewQueue
{
  GtkWidget            parent_instance;

  /* owned */
  FathomReviewSession *session;
  GListStore          *store;          /* FathomReviewItem, in queue order */
  GtkSingleSelection  *selection;
  GtkStringList       *sort_names;     /* the dropdown's, one per entry of sorts */

  /* borrowed: all inside root, our only child */
  GtkWidget           *root;
  GtkWidget           *sort_dropdown;
  GtkWidget           *progress;
  GtkWidget           *list;
  GtkWidget           *title;
  GtkWidget           *details;
  GtkWidget           *error_label;
  FathomImageView     *view;

  FathomReviewSort     sort;
  FathomReviewSort     sorts[FATHOM_REVIEW_N_SORTS];  /* what the run can score */
  guint                n_sorts;
  guint                position;       /* the current photo's place in the queue */
  gboolean             syncing;        /* moving the selection ourselves */

  /* the current photo's annotation box, photo pixels */
  gboolean             has_box;
  FathomBox            box;

  /* a corner drag in progress: corner -1 when none */
  int                  drag_corner;
  FathomBox            drag_box;
  double               drag_scale;
};

/* fathom-review-queue.c */
/* Shows error (may be NULL: hides the message) under the photo. */
void _fathom_review_queue_show_error  (FathomReviewQueue *self,
                                       const GError      *error);
/* Fills the view for the current photo again, after a decision. */
void _fathom_review_queue_refresh     (FathomReviewQueue *self);

/* fathom-review-queue-list.c */
/* The sort dropdown, the progress count and the list, in a box. */
GtkWidget        *_fathom_review_queue_build_sidebar      (FathomReviewQueue *self);
/* The row at a position of the queue (borrowed). */
FathomReviewItem *_fathom_review_queue_item_at            (FathomReviewQueue *self,
                                                           guint              position);
/* The list again in the current sort's order; the photo of keep_row (or
 * the first) current. */
void              _fathom_review_queue_rebuild_store      (FathomReviewQueue *self,
                                                           guint              keep_row);
/* The dropdown holds the sorts the run can score, the current one chosen. */
void              _fathom_review_queue_fill_sort_dropdown (FathomReviewQueue *self);
/* The rows' decisions as the session has them now. */
void              _fathom_review_queue_sync_decisions     (FathomReviewQueue *self);
void              _fathom_review_queue_update_progress    (FathomReviewQueue *self);
/* The first undecided position after `after` (GTK_INVALID_LIST_POSITION:
 * from the start), or the one after it when all are done. */
guint             _fathom_review_queue_next_pending       (FathomReviewQueue *self,
                                                           guint              after);

/* fathom-review-queue-drag.c */
/* The box with one corner (0 top-left, 1 top-right, 2 bottom-right,
 * 3 bottom-left) moved by (dx, dy) photo pixels, kept inside the photo
 * and at least a pixel wide and high. */
void _fathom_review_queue_move_corner (const FathomBox   *box,
                                       int                corner,
                                       double             dx,
                                       double             dy,
                                       int                image_width,
                                       int                image_height,
                                       FathomBox         *out);
void _fathom_review_queue_init_drag   (FathomReviewQueue *self);

G_END_DECLS
