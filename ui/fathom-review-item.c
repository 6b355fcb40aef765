/* fathom-review-item.c: a review queue row (see fathom-review-item.h). */
#include "fathom-review-item.h"

#include <math.h>
#include <string.h>

struct _FathomReviewItem
{
  GObject              parent_instance;

  guint                row;
  char                *title;
  double               score;
  FathomReviewDecision decision;
};

enum {
  PROP_0,
  PROP_TITLE,
  PROP_SCORE_TEXT,
  PROP_DECISION,
  PROP_STATUS,
  PROP_ICON_NAME,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (FathomReviewItem, fathom_review_item, G_TYPE_OBJECT)

/* What a row says of its decision, in words and as an icon. */
static const struct {
  const char *status;
  const char *icon;
} decision_looks[FATHOM_REVIEW_N_DECISIONS] = {
  [FATHOM_REVIEW_PENDING]   = { "", NULL },
  [FATHOM_REVIEW_KEEP]      = { "Kept", "object-select-symbolic" },
  [FATHOM_REVIEW_ACCEPT]    = { "Prediction accepted", "emblem-ok-symbolic" },
  [FATHOM_REVIEW_EDIT]      = { "Box edited", "document-edit-symbolic" },
  [FATHOM_REVIEW_AMBIGUOUS] = { "Ambiguous", "dialog-question-symbolic" },
};

FathomReviewItem *
fathom_review_item_new (guint                row,
                        const char          *file,
                        double               score,
                        FathomReviewDecision decision)
{
  FathomReviewItem *self = g_object_new (FATHOM_TYPE_REVIEW_ITEM, NULL);
  const char *slash = strrchr (file, '/');

  self->row = row;
  self->title = g_strdup (slash != NULL ? slash + 1 : file);
  self->score = score;
  self->decision = decision;
  return self;
}

guint
fathom_review_item_get_row (FathomReviewItem *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_ITEM (self), 0);
  return self->row;
}

double
fathom_review_item_get_score (FathomReviewItem *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_ITEM (self), NAN);
  return self->score;
}

FathomReviewDecision
fathom_review_item_get_decision (FathomReviewItem *self)
{
  g_return_val_if_fail (FATHOM_IS_REVIEW_ITEM (self), FATHOM_REVIEW_PENDING);
  return self->decision;
}

void
fathom_review_item_set_decision (FathomReviewItem     *self,
                                 FathomReviewDecision  decision)
{
  g_return_if_fail (FATHOM_IS_REVIEW_ITEM (self));
  g_return_if_fail (decision < FATHOM_REVIEW_N_DECISIONS);
  if (decision == self->decision)
    return;
  self->decision = decision;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DECISION]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATUS]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ICON_NAME]);
}

static void
fathom_review_item_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  FathomReviewItem *self = FATHOM_REVIEW_ITEM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SCORE_TEXT:
      g_value_take_string (value, isnan (self->score) ? g_strdup ("—")
                                                      : g_strdup_printf ("%.3f", self->score));
      break;
    case PROP_DECISION:
      g_value_set_int (value, self->decision);
      break;
    case PROP_STATUS:
      g_value_set_string (value, decision_looks[self->decision].status);
      break;
    case PROP_ICON_NAME:
      g_value_set_string (value, decision_looks[self->decision].icon);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fathom_review_item_finalize (GObject *object)
{
  g_free (FATHOM_REVIEW_ITEM (object)->title);
  G_OBJECT_CLASS (fathom_review_item_parent_class)->finalize (object);
}

static void
fathom_review_item_class_init (FathomReviewItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = fathom_review_item_get_property;
  object_class->finalize = fathom_review_item_finalize;
  props[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  props[PROP_SCORE_TEXT] = g_param_spec_string ("score-text", NULL, NULL, NULL, ro);
  props[PROP_DECISION] = g_param_spec_int ("decision", NULL, NULL, 0, FATHOM_REVIEW_N_DECISIONS - 1,
                                           FATHOM_REVIEW_PENDING, ro);
  props[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, ro);
  props[PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
fathom_review_item_init (FathomReviewItem *self)
{
  self->score = NAN;
}
