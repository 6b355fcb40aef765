/* fathom-review-session.c: reading a run for review, its scores, and
 * resuming a review (see fathom-review-session.h); decisions, undo and
 * the files they write are in fathom-review-session-save.c. */
#include "fathom-review-session-private.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fathom-annotations.h"
#include "fathom-overlay-render.h"
#include "fathom-run.h"
#include "fathom-safetensors.h"

static const char *const decision_names[FATHOM_REVIEW_N_DECISIONS] = {
  "pending", "keep", "accept", "edit", "ambiguous",
};

const char *
fathom_review_decision_to_string (FathomReviewDecision decision)
{
  g_return_val_if_fail (decision < FATHOM_REVIEW_N_DECISIONS, NULL);
  return decision_names[decision];
}

gboolean
fathom_review_decision_from_string (const char           *text,
                                    FathomReviewDecision *decision)
{
  /* "pending" is no decision: review.json never holds it */
  for (guint d = FATHOM_REVIEW_KEEP; d < FATHOM_REVIEW_N_DECISIONS; d++)
    if (g_strcmp0 (text, decision_names[d]) == 0)
      {
        *decision = d;
        return TRUE;
      }
  return FALSE;
}

const char *
fathom_review_sort_get_title (FathomReviewSort sort)
{
  static const char *const titles[FATHOM_REVIEW_N_SORTS] = {
    "Box disagreement (1 − IoU)",
    "Class loss (−log p)",
    "Heatmap outside the box",
  };

  g_return_val_if_fail (sort < FATHOM_REVIEW_N_SORTS, NULL);
  return titles[sort];
}

/* ---- groups ------------------------------------------------------------- */

static void
group_free (Group *g)
{
  g_free (g->original);
  g_free (g->reviewed);
  fathom_annotations_free (g->set);
  g_hash_table_unref (g->base);
  g_free (g);
}

static Group *
group_new (const char *original)
{
  Group *g = g_new0 (Group, 1);
  g_autofree char *stem = g_strndup (original, strlen (original) - strlen (".json"));

  g->original = g_strdup (original);
  g->reviewed = g_strconcat (stem, ".reviewed.json", NULL);
  g->set = fathom_annotations_new ();
  g->base = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return g;
}

/* The annotations' folder: DATASET/annotations as fathom_dataset_load()
 * reads it, else the dataset root. */
static char *
annotations_dir (const char *dataset_dir)
{
  char *dir = g_build_filename (dataset_dir, "annotations", NULL);

  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    return dir;
  g_free (dir);
  return g_strdup (dataset_dir);
}

/* g_ptr_array_sort passes pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Every *_labels.json of the folder, each in its own set, in name order. */
static gboolean
load_groups (FathomReviewSession *self,
             const char          *dir,
             GError             **error)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, "_labels.json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      Group *g = group_new (path);

      g_ptr_array_add (self->groups, g);
      if (!fathom_annotations_load_file (g->set, path, error))
        return FALSE;
    }
  return TRUE;
}

/* The class file holding the photo, or that of its true class (made when
 * the class has none: the corrections need a home). */
static guint
find_group (FathomReviewSession *self,
            const char          *dir,
            guint                row)
{
  const FathomRunPrediction *p = fathom_run_predictions_get_row (self->predictions, row);
  const char *cls = fathom_run_predictions_get_class_names (self->predictions)[p->true_class];
  g_autofree char *lower = g_ascii_strdown (cls, -1);
  g_autofree char *base = g_strconcat (lower, "_labels.json", NULL);
  g_autofree char *path = g_build_filename (dir, base, NULL);

  for (guint i = 0; i < self->groups->len; i++)
    {
      Group *g = g_ptr_array_index (self->groups, i);

      if (fathom_annotations_lookup (g->set, p->file) != NULL)
        return i;
    }
  for (guint i = 0; i < self->groups->len; i++)
    if (g_str_equal (((Group *) g_ptr_array_index (self->groups, i))->original, path))
      return i;
  g_ptr_array_add (self->groups, group_new (path));
  return self->groups->len - 1;
}

/* ---- scores ------------------------------------------------------------- */

static void
compute_scores (FathomReviewSession *self)
{
  guint n = fathom_run_predictions_get_n_rows (self->predictions);
  int k = (int) fathom_run_predictions_get_n_classes (self->predictions);

  self->scores = g_new (double, (gsize) n * FATHOM_REVIEW_N_SORTS);
  for (guint i = 0; i < n; i++)
    {
      const FathomRunPrediction *p = fathom_run_predictions_get_row (self->predictions, i);
      double *s = self->scores + (gsize) i * FATHOM_REVIEW_N_SORTS;

      s[FATHOM_REVIEW_SORT_IOU] = p->has_true_box && p->has_pred_box && !isnan (p->iou)
                                  ? 1.0 - p->iou : NAN;
      s[FATHOM_REVIEW_SORT_CLASS_LOSS] = -log (MAX ((double) p->probs[p->true_class], 1e-15));
      s[FATHOM_REVIEW_SORT_HEATMAP] = NAN;
      if (self->maps != NULL && p->has_true_box)
        {
          /* the map stretches over the model input as over the photo:
           * the true box at the input measures the same share */
          FathomHeatmap map = { k, self->map_h, self->map_w,
                                self->maps + (gsize) i * k * self->map_h * self->map_w };
          FathomBox box = { p->true_box[2], p->true_box[3], p->true_box[1], p->true_box[0] };
          double share = fathom_heatmap_in_box_share (&map, p->true_class, self->input_width,
                                                      self->input_height, &box);

          s[FATHOM_REVIEW_SORT_HEATMAP] = isnan (share) ? NAN : 1.0 - share;
        }
    }
}

/* ---- reading a run ------------------------------------------------------ */

gboolean
_fathom_review_session_parse_error (GError     **error,
                                    const char  *path,
                                    const char  *what)
{
  g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE, "%s: %s", path, what);
  return FALSE;
}

const char *
_fathom_review_session_member_string (JsonObject *obj,
                                      const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A positive size from run.json's "config", or 0. */
static int
config_size (JsonObject *root, const char *name)
{
  JsonNode *config = json_object_get_member (root, "config");
  JsonNode *node;
  gint64 v;

  if (config == NULL || !JSON_NODE_HOLDS_OBJECT (config))
    return 0;
  node = json_object_get_member (json_node_get_object (config), name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  v = json_node_get_int (node);
  return v > 0 && v <= 65536 ? (int) v : 0;
}

/* heatmaps.safetensors' "maps", one per predictions.csv row; its input
 * size stands in for run.json's when that has none. */
static gboolean
load_maps (FathomReviewSession *self,
           GError             **error)
{
  g_autofree char *path = g_build_filename (self->run_dir, "heatmaps.safetensors", NULL);
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(FathomTensor) tensor = NULL;
  gint64 shape[FATHOM_MAX_DIMS];
  const char *meta;
  guint ndim;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  st = fathom_safetensors_load (path, error);
  if (st == NULL)
    return FALSE;
  if (!fathom_safetensors_get_info (st, "maps", &ndim, shape, NULL) || ndim != 4 ||
      shape[0] != fathom_run_predictions_get_n_rows (self->predictions) ||
      shape[1] != fathom_run_predictions_get_n_classes (self->predictions) ||
      shape[2] < 1 || shape[2] > 4096 || shape[3] < 1 || shape[3] > 4096)
    return _fathom_review_session_parse_error (error, path, "\"maps\" is not [rows of predictions.csv, classes, h, w]");
  tensor = fathom_safetensors_get_tensor (st, "maps", error);
  if (tensor == NULL)
    return FALSE;
  self->maps = g_memdup2 (fathom_tensor_get_data (tensor), fathom_tensor_get_numel (tensor) * sizeof (float));
  self->map_h = (int) shape[2];
  self->map_w = (int) shape[3];
  if (self->input_width <= 0 && (meta = fathom_safetensors_get_metadata (st, "input_width")) != NULL)
    self->input_width = (int) CLAMP (g_ascii_strtoll (meta, NULL, 10), 0, 65536);
  if (self->input_height <= 0 && (meta = fathom_safetensors_get_metadata (st, "input_height")) != NULL)
    self->input_height = (int) CLAMP (g_ascii_strtoll (meta, NULL, 10), 0, 65536);
  return TRUE;
}

static gboolean
load_run (FathomReviewSession *self,
          GError             **error)
{
  g_autoptr(FathomRunInfo) info = fathom_run_info_load (self->run_dir, error);
  g_autofree char *csv = g_build_filename (self->run_dir, "predictions.csv", NULL);
  g_autofree char *json = g_build_filename (self->run_dir, "run.json", NULL);
  JsonObject *root;
  char *dataset;

  if (info == NULL)
    return FALSE;
  root = fathom_run_info_get_json (info);
  dataset = fathom_run_info_dup_dataset_dir (info, self->run_dir);
  if (dataset == NULL)
    return _fathom_review_session_parse_error (error, json, "no \"dataset\": the photos cannot be found");
  self->dataset_dir = dataset;
  self->input_width = config_size (root, "input_width");
  self->input_height = config_size (root, "input_height");
  self->predictions = fathom_run_predictions_load (csv, error);
  if (self->predictions == NULL || !load_maps (self, error))
    return FALSE;
  if (!fathom_run_predictions_has_pred_boxes (self->predictions) && self->maps == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s: the run predicts neither boxes nor class maps: nothing to review against",
                   self->run_dir);
      return FALSE;
    }
  if (self->input_width <= 0 || self->input_height <= 0)
    return _fathom_review_session_parse_error (error, json, "no input_width and input_height in \"config\"");
  if (!g_file_test (self->dataset_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "The run’s dataset “%s” is not there (moved or deleted?)", self->dataset_dir);
      return FALSE;
    }
  return TRUE;
}

FathomReviewSession *
fathom_review_session_load (const char  *run_dir,
                            GError     **error)
{
  g_autoptr(FathomReviewSession) self = g_new0 (FathomReviewSession, 1);
  g_autoptr(GHashTable) rows = NULL;
  g_autofree char *dir = NULL;
  guint n;

  g_return_val_if_fail (run_dir != NULL, NULL);
  self->run_dir = g_strdup (run_dir);
  self->review_path = g_build_filename (run_dir, "review.json", NULL);
  self->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  self->steps = g_array_new (FALSE, FALSE, sizeof (Step));
  if (!load_run (self, error))
    return NULL;

  dir = annotations_dir (self->dataset_dir);
  if (!load_groups (self, dir, error))
    return NULL;
  n = fathom_run_predictions_get_n_rows (self->predictions);
  self->row_group = g_new (guint, MAX (n, 1));
  self->decisions = g_new0 (FathomReviewDecision, MAX (n, 1));
  /* both the csv's relative paths and the annotations' basenames find a row */
  rows = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      const char *file = _fathom_review_session_row_file (self, i);
      const char *slash = strrchr (file, '/');

      self->row_group[i] = find_group (self, dir, i);
      g_hash_table_insert (rows, (char *) file, GUINT_TO_POINTER (i));
      g_hash_table_insert (rows, (char *) (slash != NULL ? slash + 1 : file), GUINT_TO_POINTER (i));
    }
  compute_scores (self);
  if (!_fathom_review_session_resume (self, rows, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
fathom_review_session_free (FathomReviewSession *self)
{
  if (self == NULL)
    return;
  g_free (self->run_dir);
  g_free (self->dataset_dir);
  g_free (self->review_path);
  fathom_run_predictions_free (self->predictions);
  g_free (self->maps);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_free (self->row_group);
  g_free (self->scores);
  g_free (self->decisions);
  g_clear_pointer (&self->steps, g_array_unref);
  g_free (self);
}

/* ---- reading ------------------------------------------------------------ */

const char *
fathom_review_session_get_run_dir (FathomReviewSession *self)
{
  return self->run_dir;
}

const char *
fathom_review_session_get_dataset_dir (FathomReviewSession *self)
{
  return self->dataset_dir;
}

FathomRunPredictions *
fathom_review_session_get_predictions (FathomReviewSession *self)
{
  return self->predictions;
}

guint
fathom_review_session_get_n_rows (FathomReviewSession *self)
{
  return fathom_run_predictions_get_n_rows (self->predictions);
}

void
fathom_review_session_get_input_size (FathomReviewSession *self,
                                      int                 *width,
                                      int                 *height)
{
  *width = self->input_width;
  *height = self->input_height;
}

char *
fathom_review_session_dup_photo_path (FathomReviewSession *self,
                                      guint                row)
{
  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), NULL);
  return g_build_filename (self->dataset_dir, _fathom_review_session_row_file (self, row), NULL);
}

gboolean
fathom_review_session_has_sort (FathomReviewSession *self,
                                FathomReviewSort     sort)
{
  switch (sort)
    {
    case FATHOM_REVIEW_SORT_IOU: return fathom_run_predictions_has_pred_boxes (self->predictions);
    case FATHOM_REVIEW_SORT_CLASS_LOSS: return TRUE;
    case FATHOM_REVIEW_SORT_HEATMAP: return self->maps != NULL;
    case FATHOM_REVIEW_N_SORTS:
    default: return FALSE;
    }
}

double
fathom_review_session_get_disagreement (FathomReviewSession *self,
                                        guint                row,
                                        FathomReviewSort     sort)
{
  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), NAN);
  g_return_val_if_fail (sort < FATHOM_REVIEW_N_SORTS, NAN);
  return self->scores[(gsize) row * FATHOM_REVIEW_N_SORTS + sort];
}

typedef struct {
  FathomReviewSession *self;
  FathomReviewSort     sort;
} SortContext;

static int
compare_rows (gconstpointer a, gconstpointer b, gpointer data)
{
  const SortContext *c = data;
  guint ra = *(const guint *) a, rb = *(const guint *) b;
  double sa = fathom_review_session_get_disagreement (c->self, ra, c->sort);
  double sb = fathom_review_session_get_disagreement (c->self, rb, c->sort);

  if (isnan (sa) != isnan (sb))
    return isnan (sa) ? 1 : -1;
  if (!isnan (sa) && sa != sb)
    return sa > sb ? -1 : 1;
  return ra < rb ? -1 : ra > rb;
}

guint *
fathom_review_session_sort (FathomReviewSession *self,
                            FathomReviewSort     sort)
{
  guint n = fathom_review_session_get_n_rows (self);
  guint *order = g_new (guint, MAX (n, 1));
  SortContext c = { self, sort };

  for (guint i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n, sizeof (guint), compare_rows, &c);
  return order;
}

FathomHeatmap *
fathom_review_session_dup_heatmap (FathomReviewSession *self,
                                   guint                row)
{
  int k = (int) fathom_run_predictions_get_n_classes (self->predictions);

  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), NULL);
  if (self->maps == NULL)
    return NULL;
  return fathom_heatmap_new_from_data (k, self->map_h, self->map_w,
                                       self->maps + (gsize) row * k * self->map_h * self->map_w);
}

gboolean
fathom_review_session_get_box (FathomReviewSession *self,
                               guint                row,
                               int                  image_width,
                               int                  image_height,
                               FathomBox           *box)
{
  const FathomRunPrediction *p;
  Group *g;

  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), FALSE);
  p = fathom_run_predictions_get_row (self->predictions, row);
  g = g_ptr_array_index (self->groups, self->row_group[row]);
  if (fathom_annotation_get_box (fathom_annotations_lookup (g->set, p->file), image_width, image_height, box))
    return TRUE;
  if (!p->has_true_box)
    return FALSE;
  fathom_overlay_box_from_model (p->true_box, self->input_width, self->input_height,
                                 image_width, image_height, box);
  return TRUE;
}

GArray *
fathom_review_session_dup_other_boxes (FathomReviewSession *self,
                                       guint                row)
{
  Group *g;

  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), NULL);
  g = g_ptr_array_index (self->groups, self->row_group[row]);
  return fathom_annotation_dup_other_rects (
    fathom_annotations_lookup (g->set, fathom_run_predictions_get_row (self->predictions, row)->file));
}

gboolean
fathom_review_session_get_pred_box (FathomReviewSession *self,
                                    guint                row,
                                    int                  image_width,
                                    int                  image_height,
                                    FathomBox           *box)
{
  const FathomRunPrediction *p;

  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), FALSE);
  p = fathom_run_predictions_get_row (self->predictions, row);
  if (!p->has_pred_box || p->pred_box[0] <= 0 || p->pred_box[1] <= 0)
    return FALSE;
  fathom_overlay_box_from_model (p->pred_box, self->input_width, self->input_height,
                                 image_width, image_height, box);
  return TRUE;
}

FathomReviewDecision
fathom_review_session_get_decision (FathomReviewSession *self,
                                    guint                row)
{
  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), FATHOM_REVIEW_PENDING);
  return self->decisions[row];
}

guint
fathom_review_session_count_decided (FathomReviewSession *self)
{
  guint n = 0;

  for (guint i = 0; i < fathom_review_session_get_n_rows (self); i++)
    n += self->decisions[i] != FATHOM_REVIEW_PENDING;
  return n;
}

const char *
fathom_review_session_get_reviewed_path (FathomReviewSession *self,
                                         guint                row)
{
  g_return_val_if_fail (row < fathom_review_session_get_n_rows (self), NULL);
  return ((Group *) g_ptr_array_index (self->groups, self->row_group[row]))->reviewed;
}

guint
fathom_review_session_get_n_undo (FathomReviewSession *self)
{
  return self->steps->len;
}
