/* fathom-review-session-decisions.c: decisions, undo, and their files
 * (see fathom-review-session.h): the class files' .reviewed.json and the
 * run's review.json, written atomically at each step and read back to
 * resume. */
#include "fathom-review-session-private.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "fathom-run.h"

static gboolean
step_sets_box (const Step *step)
{
  return step->decision == FATHOM_REVIEW_ACCEPT || step->decision == FATHOM_REVIEW_EDIT;
}

/* The group's set made again: the original file, the corrections kept
 * from elsewhere, then this review's decisions in order. */
static gboolean
group_rebuild (FathomReviewSession *self,
               guint                gi,
               GError             **error)
{
  Group *g = g_ptr_array_index (self->groups, gi);
  g_autoptr(FathomAnnotations) set = fathom_annotations_new ();
  GHashTableIter iter;
  gpointer name, box;

  if (g_file_test (g->original, G_FILE_TEST_EXISTS) &&
      !fathom_annotations_load_file (set, g->original, error))
    return FALSE;
  g_hash_table_iter_init (&iter, g->base);
  while (g_hash_table_iter_next (&iter, &name, &box))
    fathom_annotations_set_kept_rect (set, name, box);
  for (guint i = 0; i < self->steps->len; i++)
    {
      const Step *step = &g_array_index (self->steps, Step, i);

      if (self->row_group[step->row] == gi && step_sets_box (step))
        fathom_annotations_set_kept_rect (set, _fathom_review_session_row_file (self, step->row), &step->box);
    }
  fathom_annotations_free (g->set);
  g->set = g_steal_pointer (&set);
  return TRUE;
}

void
_fathom_review_session_push_step (FathomReviewSession  *self,
                                  guint                 row,
                                  FathomReviewDecision  decision,
                                  const FathomBox      *box)
{
  Step step = { row, decision, { 0 } };

  if (box != NULL)
    step.box = *box;
  g_array_append_val (self->steps, step);
  self->decisions[row] = decision;
  if (step_sets_box (&step))
    fathom_annotations_set_kept_rect (((Group *) g_ptr_array_index (self->groups, self->row_group[row]))->set,
                                      _fathom_review_session_row_file (self, row), &step.box);
}

/* ---- resuming ----------------------------------------------------------- */

static gboolean
same_box (const FathomBox *a, const FathomBox *b)
{
  /* json-glib writes doubles exactly: a saved box reads back the same */
  return fabs (a->x - b->x) < 1e-6 && fabs (a->y - b->y) < 1e-6 &&
         fabs (a->width - b->width) < 1e-6 && fabs (a->height - b->height) < 1e-6;
}

static gboolean
read_box (JsonObject *obj, FathomBox *box)
{
  JsonNode *node = json_object_get_member (obj, "box");
  JsonObject *b;
  const char *keys[4] = { "x", "y", "width", "height" };
  double v[4];

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  b = json_node_get_object (node);
  for (int j = 0; j < 4; j++)
    {
      JsonNode *m = json_object_get_member (b, keys[j]);

      if (m == NULL || !JSON_NODE_HOLDS_VALUE (m) ||
          (json_node_get_value_type (m) != G_TYPE_DOUBLE && json_node_get_value_type (m) != G_TYPE_INT64))
        return FALSE;
      v[j] = json_node_get_double (m);
      if (!isfinite (v[j]))
        return FALSE;
    }
  *box = (FathomBox) { v[0], v[1], v[2], v[3] };
  return box->width > 0 && box->height > 0;
}

/* review.json's decisions replayed; those on photos this run does not
 * have are dropped (a stale list), a malformed file is an error rather
 * than a review silently started over. */
static gboolean
replay_review_json (FathomReviewSession *self,
                    GHashTable          *rows,
                    GError             **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root, *list;
  JsonArray *decisions;

  if (!g_file_test (self->review_path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!json_parser_load_from_file (parser, self->review_path, error))
    {
      g_prefix_error (error, "%s: ", self->review_path);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (list = json_object_get_member (json_node_get_object (root), "decisions")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (list))
    return _fathom_review_session_parse_error (error, self->review_path, "no list of \"decisions\"");
  decisions = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (decisions); i++)
    {
      JsonNode *node = json_array_get_element (decisions, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      FathomReviewDecision decision;
      FathomBox box = { 0 };
      gpointer row;

      if (obj == NULL || !fathom_review_decision_from_string (_fathom_review_session_member_string (obj, "decision"), &decision))
        return _fathom_review_session_parse_error (error, self->review_path, "a decision is not keep, accept, edit or ambiguous");
      if ((decision == FATHOM_REVIEW_ACCEPT || decision == FATHOM_REVIEW_EDIT) && !read_box (obj, &box))
        return _fathom_review_session_parse_error (error, self->review_path, "an accept or edit without a valid box");
      if (_fathom_review_session_member_string (obj, "file") == NULL)
        return _fathom_review_session_parse_error (error, self->review_path, "a decision without a file");
      if (g_hash_table_lookup_extended (rows, _fathom_review_session_member_string (obj, "file"), NULL, &row))
        _fathom_review_session_push_step (self, GPOINTER_TO_UINT (row), decision, &box);
    }
  return TRUE;
}

/* The rect of saved that the set's entry lacks: the box a correction
 * wrote in place of the kept one (the entry's other rects, the other
 * marked fish, are the original's; a file written before they were kept
 * holds the corrected box alone). FALSE when saved adds none. */
static gboolean
corrected_rect (const FathomAnnotation *saved,
                const FathomAnnotation *have,
                FathomBox              *box)
{
  for (guint i = 0; i < saved->rects->len; i++)
    {
      const FathomBox *r = &g_array_index (saved->rects, FathomBox, i);
      gboolean known = FALSE;

      for (guint j = 0; have != NULL && j < have->rects->len && !known; j++)
        known = same_box (r, &g_array_index (have->rects, FathomBox, j));
      if (!known)
        {
          *box = *r;
          return TRUE;
        }
    }
  return FALSE;
}

/* What a .reviewed.json holds beyond the replay counts as done: an edit
 * on this run's photos, a correction kept as it is on the others. */
static gboolean
reconcile_reviewed (FathomReviewSession *self,
                    GHashTable          *rows,
                    GError             **error)
{
  for (guint gi = 0; gi < self->groups->len; gi++)
    {
      Group *g = g_ptr_array_index (self->groups, gi);
      g_autoptr(FathomAnnotations) saved = NULL;

      if (!g_file_test (g->reviewed, G_FILE_TEST_EXISTS))
        continue;
      saved = fathom_annotations_new ();
      if (!fathom_annotations_load_file (saved, g->reviewed, error))
        return FALSE;
      for (guint i = 0; i < fathom_annotations_get_n_entries (saved); i++)
        {
          const FathomAnnotation *a = fathom_annotations_get_entry (saved, i);
          FathomBox want;
          gpointer row;

          if (!corrected_rect (a, fathom_annotations_lookup (g->set, a->filename), &want))
            continue;
          if (g_hash_table_lookup_extended (rows, a->filename, NULL, &row) &&
              self->row_group[GPOINTER_TO_UINT (row)] == gi)
            _fathom_review_session_push_step (self, GPOINTER_TO_UINT (row), FATHOM_REVIEW_EDIT, &want);
          else
            {
              g_hash_table_replace (g->base, g_strdup (a->filename), g_memdup2 (&want, sizeof want));
              fathom_annotations_set_kept_rect (g->set, a->filename, &want);
            }
        }
    }
  return TRUE;
}

gboolean
_fathom_review_session_resume (FathomReviewSession *self,
                               GHashTable          *rows,
                               GError             **error)
{
  return replay_review_json (self, rows, error) && reconcile_reviewed (self, rows, error);
}

/* ---- writing ------------------------------------------------------------ */

static void
add_box (JsonBuilder *b, const FathomBox *box)
{
  json_builder_set_member_name (b, "box");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "x");
  json_builder_add_double_value (b, box->x);
  json_builder_set_member_name (b, "y");
  json_builder_add_double_value (b, box->y);
  json_builder_set_member_name (b, "width");
  json_builder_add_double_value (b, box->width);
  json_builder_set_member_name (b, "height");
  json_builder_add_double_value (b, box->height);
  json_builder_end_object (b);
}

/* RUN/review.json: every decision in order, and the photos whose latest
 * decision is "ambiguous", for whoever settles them. */
static gboolean
save_review_json (FathomReviewSession *self,
                  GError             **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, REVIEW_FORMAT);
  json_builder_set_member_name (b, "dataset");
  json_builder_add_string_value (b, self->dataset_dir);
  json_builder_set_member_name (b, "decisions");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->steps->len; i++)
    {
      const Step *step = &g_array_index (self->steps, Step, i);
      g_autofree char *reviewed = g_path_get_basename (fathom_review_session_get_reviewed_path (self, step->row));

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, _fathom_review_session_row_file (self, step->row));
      json_builder_set_member_name (b, "decision");
      json_builder_add_string_value (b, fathom_review_decision_to_string (step->decision));
      json_builder_set_member_name (b, "annotations");
      json_builder_add_string_value (b, reviewed);
      if (step_sets_box (step))
        add_box (b, &step->box);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "ambiguous");
  json_builder_begin_array (b);
  for (guint i = 0; i < fathom_review_session_get_n_rows (self); i++)
    if (self->decisions[i] == FATHOM_REVIEW_AMBIGUOUS)
      json_builder_add_string_value (b, _fathom_review_session_row_file (self, i));
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  return fathom_write_file_atomic (self->review_path, text, -1, error);
}

/* The class file's corrections, then the list of decisions: a crash
 * between the two leaves a .reviewed.json ahead, which loading
 * reconciles. */
static gboolean
save_group (FathomReviewSession *self,
            guint                gi,
            GError             **error)
{
  Group *g = g_ptr_array_index (self->groups, gi);

  return fathom_annotations_save (g->set, g->reviewed, error) && save_review_json (self, error);
}

static FathomReviewDecision
latest_decision (FathomReviewSession *self,
                 guint                row)
{
  for (guint i = self->steps->len; i-- > 0;)
    if (g_array_index (self->steps, Step, i).row == row)
      return g_array_index (self->steps, Step, i).decision;
  return FATHOM_REVIEW_PENDING;
}

/* Drops the last step and makes its class file as it was before. */
static gboolean
pop_step (FathomReviewSession *self,
          guint               *row,
          GError             **error)
{
  Step step = g_array_index (self->steps, Step, self->steps->len - 1);

  g_array_set_size (self->steps, self->steps->len - 1);
  self->decisions[step.row] = latest_decision (self, step.row);
  *row = step.row;
  return !step_sets_box (&step) || group_rebuild (self, self->row_group[step.row], error);
}

gboolean
fathom_review_session_decide (FathomReviewSession  *self,
                              guint                 row,
                              FathomReviewDecision  decision,
                              const FathomBox      *box,
                              GError              **error)
{
  guint gi, popped;

  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), FALSE);
  g_return_val_if_fail (decision > FATHOM_REVIEW_PENDING && decision < FATHOM_REVIEW_N_DECISIONS, FALSE);
  g_return_val_if_fail ((decision != FATHOM_REVIEW_ACCEPT && decision != FATHOM_REVIEW_EDIT) ||
                        (box != NULL && box->width > 0 && box->height > 0), FALSE);

  gi = self->row_group[row];
  _fathom_review_session_push_step (self, row, decision, box);
  if (save_group (self, gi, error))
    return TRUE;
  /* not saved, not taken: the class file goes back to what it held */
  if (pop_step (self, &popped, NULL))
    fathom_annotations_save (((Group *) g_ptr_array_index (self->groups, gi))->set,
                             ((Group *) g_ptr_array_index (self->groups, gi))->reviewed, NULL);
  return FALSE;
}

gboolean
fathom_review_session_undo (FathomReviewSession  *self,
                            guint                *row,
                            GError              **error)
{
  guint r;

  if (self->steps->len == 0)
    return FALSE;
  if (!pop_step (self, &r, error) || !save_group (self, self->row_group[r], error))
    return FALSE;
  if (row != NULL)
    *row = r;
  return TRUE;
}
