/* fathom-run-info.c: reading run folders back, strictly: the app opens
 * folders a user points it at, so malformed files give errors naming the
 * file and the line, never a crash. */
#include "fathom-run.h"

#include <math.h>
#include <string.h>

struct _FathomRunInfo
{
  JsonNode  *root;
  GPtrArray *columns;           /* char* */
  GArray    *values;            /* double, n_columns per row */
  GArray    *steps;             /* gint64 */
  GArray    *epochs;            /* guint */
  GPtrArray *phases;            /* char* */
};

void
fathom_run_info_free (FathomRunInfo *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->root, json_node_unref);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  g_clear_pointer (&self->values, g_array_unref);
  g_clear_pointer (&self->steps, g_array_unref);
  g_clear_pointer (&self->epochs, g_array_unref);
  g_clear_pointer (&self->phases, g_ptr_array_unref);
  g_free (self);
}

/* A string member, or NULL when absent, of another type (an object would
 * make json_object_get_string_member_with_default() complain) or not
 * UTF-8 (json-glib 1.6 lets bad \u escapes through). */
static const char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (node);
  return s != NULL && g_utf8_validate (s, -1, NULL) ? s : NULL;
}

static gboolean
parse_error (GError **error, const char *file, guint line, const char *what)
{
  g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE, "%s:%u: %s", file, line, what);
  return FALSE;
}

static gboolean
parse_double (const char *field, double *out)
{
  char *end = NULL;

  if (*field == '\0')
    {
      *out = NAN;
      return TRUE;
    }
  *out = g_ascii_strtod (field, &end);
  return end != field && *end == '\0';
}

static gboolean
parse_metrics (FathomRunInfo *self, const char *csv, gssize length, GError **error)
{
  g_autofree char *text = g_strndup (csv, length < 0 ? strlen (csv) : (gsize) length);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  guint n_header;

  if (!g_utf8_validate (text, -1, NULL))
    return parse_error (error, "metrics.csv", 1, "not UTF-8 text");
  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL || lines[0][0] == '\0')
    return parse_error (error, "metrics.csv", 1, "empty file, no header");
  g_strchomp (lines[0]);
  header = g_strsplit (lines[0], ",", -1);
  n_header = g_strv_length (header);
  if (n_header < 4 || g_strcmp0 (header[0], "step") || g_strcmp0 (header[1], "epoch") ||
      g_strcmp0 (header[2], "phase") || g_strcmp0 (header[n_header - 1], "wall_s"))
    return parse_error (error, "metrics.csv", 1, "the header must be step,epoch,phase,...,wall_s");
  /* The metric columns, and wall_s kept as the last one. */
  for (guint i = 3; i < n_header; i++)
    g_ptr_array_add (self->columns, g_strdup (header[i]));

  for (guint l = 1; lines[l] != NULL; l++)
    {
      g_auto(GStrv) fields = NULL;
      double step, epoch;

      g_strchomp (lines[l]);
      if (lines[l][0] == '\0')
        continue;
      fields = g_strsplit (lines[l], ",", -1);
      if (g_strv_length (fields) != n_header)
        return parse_error (error, "metrics.csv", l + 1, "wrong number of fields");
      if (!parse_double (fields[0], &step) || !isfinite (step) || step < 0 || step > 1e15 ||
          !parse_double (fields[1], &epoch) || !isfinite (epoch) || epoch < 0 || epoch > 1e9)
        return parse_error (error, "metrics.csv", l + 1, "step and epoch must be non-negative numbers");
      for (guint i = 3; i < n_header; i++)
        {
          double v;
          if (!parse_double (fields[i], &v))
            return parse_error (error, "metrics.csv", l + 1, "a value is not a number");
          g_array_append_val (self->values, v);
        }
      {
        gint64 s = (gint64) step;
        guint e = (guint) epoch;
        g_array_append_val (self->steps, s);
        g_array_append_val (self->epochs, e);
        g_ptr_array_add (self->phases, g_strdup (fields[2]));
      }
    }
  return TRUE;
}

FathomRunInfo *
fathom_run_info_parse (const char *run_json, gssize run_json_length,
                       const char *metrics_csv, gssize metrics_length, GError **error)
{
  g_autoptr(FathomRunInfo) self = g_new0 (FathomRunInfo, 1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonObject *root;

  self->columns = g_ptr_array_new_with_free_func (g_free);
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  self->steps = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->epochs = g_array_new (FALSE, FALSE, sizeof (guint));
  self->phases = g_ptr_array_new_with_free_func (g_free);

  if (!json_parser_load_from_data (parser, run_json, run_json_length, &local))
    {
      /* json-glib quotes the token it choked on, decoded: not always UTF-8 */
      g_autofree char *message = g_utf8_make_valid (local->message, -1);

      g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE, "run.json: %s", message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE,
                           "run.json: the top level is not an object");
      return NULL;
    }
  self->root = json_node_copy (json_parser_get_root (parser));
  root = json_node_get_object (self->root);
  if (member_string (root, "experiment") == NULL)
    {
      g_set_error_literal (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE,
                           "run.json: no \"experiment\" string");
      return NULL;
    }
  if (json_object_has_member (root, "final") &&
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "final")))
    {
      g_set_error_literal (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE,
                           "run.json: \"final\" is not an object");
      return NULL;
    }
  if (metrics_csv != NULL && !parse_metrics (self, metrics_csv, metrics_length, error))
    return NULL;
  return g_steal_pointer (&self);
}

FathomRunInfo *
fathom_run_info_load (const char *dir, GError **error)
{
  g_autofree char *json_path = g_build_filename (dir, "run.json", NULL);
  g_autofree char *csv_path = g_build_filename (dir, "metrics.csv", NULL);
  g_autofree char *json = NULL, *csv = NULL;
  gsize json_len = 0, csv_len = 0;
  FathomRunInfo *info;
  GError *local = NULL;

  if (!g_file_test (json_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "“%s” is not a run folder (it has no run.json)", dir);
      return NULL;
    }
  if (!g_file_get_contents (json_path, &json, &json_len, error))
    return NULL;
  if (g_file_test (csv_path, G_FILE_TEST_EXISTS) &&
      !g_file_get_contents (csv_path, &csv, &csv_len, error))
    return NULL;
  info = fathom_run_info_parse (json, json_len, csv, csv_len, &local);
  if (info == NULL)
    {
      g_set_error (error, local->domain, local->code, "%s/%s", dir, local->message);
      g_error_free (local);
    }
  return info;
}

const char *
fathom_run_info_get_experiment (FathomRunInfo *self)
{
  return json_object_get_string_member (json_node_get_object (self->root), "experiment");
}

gboolean
fathom_run_info_check_resumable (FathomRunInfo *self, const char *dir, const char *experiment,
                                 const FathomRunSetting *settings, guint n_settings, GError **error)
{
  JsonObject *root = json_node_get_object (self->root);
  JsonNode *node = json_object_get_member (root, "config");
  JsonObject *config = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  const char *was_experiment = fathom_run_info_get_experiment (self);

  if (g_strcmp0 (was_experiment, experiment) != 0)
    {
      g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_NOT_RESUMABLE,
                   "%s is a run of %s, not %s: resume it with that experiment", dir,
                   was_experiment != NULL ? was_experiment : "an unknown experiment", experiment);
      return FALSE;
    }
  for (guint i = 0; i < n_settings; i++)
    {
      JsonNode *value = config != NULL ? json_object_get_member (config, settings[i].key) : NULL;
      gint64 was;

      if (value == NULL || json_node_get_value_type (value) != G_TYPE_INT64)
        {
          g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_NOT_RESUMABLE,
                       "%s/run.json does not say which %s the run was started with: it cannot be resumed",
                       dir, settings[i].key);
          return FALSE;
        }
      was = json_node_get_int (value);
      if (was != settings[i].value)
        {
          g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_NOT_RESUMABLE,
                       "%s was started with %s %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT
                       ": resume it with the options it was started with", dir, settings[i].key, was,
                       settings[i].value);
          return FALSE;
        }
    }
  return TRUE;
}

const char *
fathom_run_info_get_status (FathomRunInfo *self)
{
  const char *status = member_string (json_node_get_object (self->root), "status");

  return status != NULL ? status : "unknown";
}

void
fathom_run_info_set_missing_error (const char  *dir,
                                   const char  *relative,
                                   GError     **error)
{
  g_autoptr(FathomRunInfo) info = fathom_run_info_load (dir, error);
  const char *status;

  if (info == NULL)
    return;
  status = fathom_run_info_get_status (info);
  if (g_str_equal (status, "failed"))
    {
      const char *why = member_string (json_node_get_object (info->root), "message");

      /* resuming as it was would fail the same way */
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "The run in “%s” has no trained model (%s is written when training finishes; "
                   "the run failed%s%s; once the cause is dealt with, `fathom-cli train ... --resume` "
                   "or `text-train ... --resume` continues it from its last checkpoint)",
                   dir, relative, why != NULL ? ": " : "", why != NULL ? why : "");
      return;
    }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               "The run in “%s” has no trained model yet (%s is written when training finishes; the run is %s%s)",
               dir, relative, status,
               g_str_equal (status, "stopped")
                 ? ": `fathom-cli train ... --resume` or `text-train ... --resume` finishes it" : "");
}

char *
fathom_run_info_dup_dataset_dir (FathomRunInfo *self,
                                 const char    *dir)
{
  const char *dataset = member_string (json_node_get_object (self->root), "dataset");
  g_autofree char *ancestor = NULL;

  if (dataset == NULL || *dataset == '\0')
    return NULL;
  if (g_path_is_absolute (dataset) || g_file_test (dataset, G_FILE_TEST_IS_DIR))
    return g_canonicalize_filename (dataset, NULL);
  ancestor = g_canonicalize_filename (dir, NULL);
  for (;;)
    {
      g_autofree char *candidate = g_build_filename (ancestor, dataset, NULL);
      g_autofree char *parent = NULL;

      if (g_file_test (candidate, G_FILE_TEST_IS_DIR))
        return g_canonicalize_filename (candidate, NULL);
      parent = g_path_get_dirname (ancestor);
      if (g_str_equal (parent, ancestor))
        break;
      g_free (ancestor);
      ancestor = g_steal_pointer (&parent);
    }
  return g_canonicalize_filename (dataset, NULL);
}

JsonObject *
fathom_run_info_get_json (FathomRunInfo *self)
{
  return json_node_get_object (self->root);
}

double
fathom_run_info_get_final (FathomRunInfo *self, const char *key)
{
  JsonObject *root = json_node_get_object (self->root);
  JsonObject *final;
  JsonNode *node;

  if (!json_object_has_member (root, "final"))
    return NAN;
  final = json_object_get_object_member (root, "final");
  node = json_object_get_member (final, key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NAN;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_DOUBLE:
    case G_TYPE_INT64:
      return json_node_get_double (node);
    default:
      return NAN;
    }
}

guint
fathom_run_info_get_n_columns (FathomRunInfo *self)
{
  return self->columns->len;
}

const char *
fathom_run_info_get_column (FathomRunInfo *self, guint i)
{
  g_return_val_if_fail (i < self->columns->len, NULL);
  return g_ptr_array_index (self->columns, i);
}

guint
fathom_run_info_get_n_rows (FathomRunInfo *self)
{
  return self->steps->len;
}

const double *
fathom_run_info_get_row (FathomRunInfo *self, guint i, gint64 *step, guint *epoch, const char **phase)
{
  g_return_val_if_fail (i < self->steps->len, NULL);
  if (step != NULL)
    *step = g_array_index (self->steps, gint64, i);
  if (epoch != NULL)
    *epoch = g_array_index (self->epochs, guint, i);
  if (phase != NULL)
    *phase = g_ptr_array_index (self->phases, i);
  return &g_array_index (self->values, double, (gsize) i * self->columns->len);
}
