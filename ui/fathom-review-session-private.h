/* fathom-review-session-private.h: the review session's state, shared by
 * its reading half (fathom-review-session.c) and its decisions with their files
 * (fathom-review-session-decisions.c).
 *
 * The annotation sets are always the original files with the decisions
 * applied in order, so that saving, undoing and resuming are one replay
 * and never drift apart. */
#pragma once

#include <json-glib/json-glib.h>

#include "fathom-annotations.h"
#include "fathom-review-session.h"

G_BEGIN_DECLS

#define REVIEW_FORMAT 1

/* One class file of the dataset and its corrected twin. */
typedef struct {
  char              *original;  /* X_labels.json; may not exist (a class without one) */
  char              *reviewed;  /* X_labels.reviewed.json beside it */
  FathomAnnotations *set;       /* the original with the corrections */
  GHashTable        *base;      /* basename -> FathomBox *: corrections to photos
                                 * outside this run, kept from the .reviewed.json */
} Group;

/* One decision, in the order taken: the undo stack. */
typedef struct {
  guint                row;
  FathomReviewDecision decision;
  FathomBox            box;     /* ACCEPT, EDIT */
} Step;

struct _FathomReviewSession
{
  char                 *run_dir;
  char                 *dataset_dir;
  char                 *review_path;   /* RUN/review.json */
  FathomRunPredictions *predictions;
  float                *maps;          /* [N, K, map_h, map_w] or NULL */
  int                   map_h, map_w;
  int                   input_width, input_height;
  GPtrArray            *groups;        /* Group * */
  guint                *row_group;     /* per row, into groups */
  double               *scores;        /* per row, FATHOM_REVIEW_N_SORTS */
  FathomReviewDecision *decisions;     /* per row, the latest */
  GArray               *steps;         /* Step */
};

static inline const char *
_fathom_review_session_row_file (FathomReviewSession *self,
                                 guint                row)
{
  return fathom_run_predictions_get_row (self->predictions, row)->file;
}

/* fathom-review-session.c */
gboolean _fathom_review_session_parse_error   (GError              **error,
                                               const char           *path,
                                               const char           *what);
/* A string member of obj, or NULL. */
const char *_fathom_review_session_member_string (JsonObject        *obj,
                                               const char           *name);

/* fathom-review-session-decisions.c */
/* review.json replayed, then what the .reviewed.json files hold beyond
 * it; rows maps both relative paths and basenames to rows. */
gboolean _fathom_review_session_resume        (FathomReviewSession  *self,
                                               GHashTable           *rows,
                                               GError              **error);
/* Appends a decision to the steps and applies its box to the set; no
 * file is written. */
void     _fathom_review_session_push_step     (FathomReviewSession  *self,
                                               guint                 row,
                                               FathomReviewDecision  decision,
                                               const FathomBox      *box);

G_END_DECLS
