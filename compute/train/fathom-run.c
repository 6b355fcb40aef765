/* fathom-run.c: writing and reading run folders. */
#include "fathom-run.h"

#include <stdio.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (fathom-run-error-quark, fathom_run_error)

#define RUN_FORMAT 1

struct _FathomRun
{
  char       *dir;
  char       *experiment;
  JsonObject *config;
  JsonObject *info;
  JsonObject *final;
  char       *status;
  char       *message;
  GPtrArray  *columns;          /* char* */
  GString    *csv;              /* rows so far, header excluded */
  GDateTime  *started;
  gint64      started_us;
  /* a resumed run: the seconds its earlier sessions took, and the wall_s
   * of its last row kept, which the new rows continue from */
  double      prior_seconds;
  double      wall_offset;
};

/* The wall_s (last field) of the last row in csv, or 0. */
static double
last_wall (const GString *csv)
{
  const char *end = csv->str + csv->len, *line, *comma;

  while (end > csv->str && end[-1] == '\n')
    end--;
  if (end == csv->str)
    return 0;
  for (line = end; line > csv->str && line[-1] != '\n'; line--)
    ;
  comma = g_strrstr_len (line, end - line, ",");
  if (comma == NULL)
    return 0;
  {
    g_autofree char *field = g_strndup (comma + 1, end - comma - 1);
    double v = g_ascii_strtod (field, NULL);

    return isfinite (v) && v > 0 ? v : 0;
  }
}

/* Removes what a run writes into a folder (run.json, metrics.csv, the
 * predictions, maps and leakage tables, the .safetensors files in
 * checkpoints/ and the .png files in renders/), so that nothing of the
 * run it replaces is taken for the new one's: an old epoch's checkpoint
 * to resume from, an fcn's maps beside a gru. Anything else stays. */
static gboolean
clear_outputs (const char *dir, GError **error)
{
  const char *files[] = { "run.json", "metrics.csv", "predictions.csv", "heatmaps.safetensors",
                          "leakage.txt", "leakage.json" };
  const struct { const char *sub, *suffix; } globs[] = {
    { "checkpoints", ".safetensors" }, { "renders", ".png" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_IO, "Cannot remove %s of the run replaced: %s",
                       path, g_strerror (saved));
          return FALSE;
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (globs); i++)
    {
      g_autofree char *sub = g_build_filename (dir, globs[i].sub, NULL);
      g_autoptr(GDir) d = g_dir_open (sub, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = NULL;

          if (!g_str_has_suffix (name, globs[i].suffix))
            continue;
          path = g_build_filename (sub, name, NULL);
          if (g_unlink (path) != 0 && errno != ENOENT)
            {
              int saved = errno;

              g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_IO, "Cannot remove %s of the run replaced: %s",
                           path, g_strerror (saved));
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* fathom_run_new(), where clear says whether a run already in dir is
 * replaced (its outputs removed) or continued. */
static FathomRun *
run_open (const char *dir, const char *experiment, gboolean overwrite, gboolean clear, GError **error)
{
  g_autoptr(FathomRun) self = g_new0 (FathomRun, 1);
  g_autofree char *json = g_build_filename (dir, "run.json", NULL);
  const char *subdirs[] = { "checkpoints", "renders" };

  if (g_file_test (json, G_FILE_TEST_EXISTS))
    {
      if (!overwrite)
        {
          g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_EXISTS,
                       "%s already holds a run; choose another folder", dir);
          return NULL;
        }
      if (clear && !clear_outputs (dir, error))
        return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *sub = g_build_filename (dir, subdirs[i], NULL);
      if (g_mkdir_with_parents (sub, 0755) != 0)
        {
          int saved = errno;
          g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_IO,
                       "Cannot create %s: %s", sub, g_strerror (saved));
          return NULL;
        }
    }
  self->dir = g_strdup (dir);
  self->experiment = g_strdup (experiment);
  self->config = json_object_new ();
  self->info = json_object_new ();
  self->final = json_object_new ();
  self->status = g_strdup ("running");
  self->columns = g_ptr_array_new_with_free_func (g_free);
  self->csv = g_string_new (NULL);
  self->started = g_date_time_new_now_utc ();
  self->started_us = g_get_monotonic_time ();
  return g_steal_pointer (&self);
}

FathomRun *
fathom_run_new (const char *dir, const char *experiment, gboolean overwrite, GError **error)
{
  return run_open (dir, experiment, overwrite, TRUE, error);
}

static JsonObject *
object_member_copy (JsonObject *root, const char *name)
{
  JsonNode *node = json_object_get_member (root, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return json_object_new ();
  return json_node_dup_object (node);
}

FathomRun *
fathom_run_resume (const char *dir, GError **error)
{
  g_autoptr(FathomRunInfo) info = fathom_run_info_load (dir, error);
  g_autoptr(FathomRun) self = NULL;
  g_autofree char *csv_path = NULL, *csv = NULL;
  JsonObject *root;
  const char *known[] = { "format", "experiment", "status", "message", "config", "versions",
                          "timings", "final" };
  g_autoptr(GList) members = NULL;
  const char *body;

  if (info == NULL)
    return NULL;
  if (g_strcmp0 (fathom_run_info_get_status (info), "finished") == 0)
    {
      g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_EXISTS,
                   "The run in %s has finished: there is nothing to resume (--overwrite starts it again)", dir);
      return NULL;
    }
  root = fathom_run_info_get_json (info);
  self = run_open (dir, fathom_run_info_get_experiment (info), TRUE, FALSE, error);
  if (self == NULL)
    return NULL;
  /* the run started when its first session did, and its seconds add up */
  {
    JsonObject *timings = json_object_get_member (root, "timings") != NULL &&
                          JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "timings"))
                          ? json_object_get_object_member (root, "timings") : NULL;
    const char *started = timings != NULL ? json_object_get_string_member_with_default (timings, "started", NULL)
                                          : NULL;
    GDateTime *then = started != NULL ? g_date_time_new_from_iso8601 (started, NULL) : NULL;

    if (then != NULL)
      {
        g_date_time_unref (self->started);
        self->started = then;
      }
    if (timings != NULL)
      self->prior_seconds = MAX (json_object_get_double_member_with_default (timings, "seconds", 0), 0);
  }
  json_object_unref (self->config);
  self->config = object_member_copy (root, "config");
  members = json_object_get_members (root);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (root, l->data);
      gboolean skip = !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING;

      for (guint i = 0; !skip && i < G_N_ELEMENTS (known); i++)
        skip = g_str_equal (l->data, known[i]);
      if (!skip)
        json_object_set_string_member (self->info, l->data, json_node_get_string (node));
    }
  /* Rows come back as written; the header gives the columns. */
  for (guint i = 0; i + 1 < fathom_run_info_get_n_columns (info); i++)
    g_ptr_array_add (self->columns, g_strdup (fathom_run_info_get_column (info, i)));
  csv_path = fathom_run_get_path (self, "metrics.csv");
  if (g_file_get_contents (csv_path, &csv, NULL, NULL) && (body = strchr (csv, '\n')) != NULL)
    g_string_append (self->csv, body + 1);
  self->wall_offset = last_wall (self->csv);
  return g_steal_pointer (&self);
}

void
fathom_run_truncate_rows (FathomRun *self, guint max_epoch)
{
  g_auto(GStrv) lines = g_strsplit (self->csv->str, "\n", -1);

  g_string_truncate (self->csv, 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *comma = strchr (lines[i], ',');

      if (lines[i][0] == '\0' || comma == NULL)
        continue;
      if (g_ascii_strtoull (comma + 1, NULL, 10) <= max_epoch)
        g_string_append_printf (self->csv, "%s\n", lines[i]);
    }
  self->wall_offset = last_wall (self->csv);
}

void
fathom_run_free (FathomRun *self)
{
  if (self == NULL)
    return;
  g_free (self->dir);
  g_free (self->experiment);
  g_clear_pointer (&self->config, json_object_unref);
  g_clear_pointer (&self->info, json_object_unref);
  g_clear_pointer (&self->final, json_object_unref);
  g_free (self->status);
  g_free (self->message);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  if (self->csv != NULL)
    g_string_free (self->csv, TRUE);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_free (self);
}

const char *
fathom_run_get_dir (FathomRun *self)
{
  return self->dir;
}

char *
fathom_run_get_path (FathomRun *self, const char *relative)
{
  return g_build_filename (self->dir, relative, NULL);
}

void
fathom_run_set_config_string (FathomRun *self, const char *key, const char *value)
{
  json_object_set_string_member (self->config, key, value);
}

void
fathom_run_set_config_int (FathomRun *self, const char *key, gint64 value)
{
  json_object_set_int_member (self->config, key, value);
}

void
fathom_run_set_config_double (FathomRun *self, const char *key, double value)
{
  json_object_set_double_member (self->config, key, value);
}

void
fathom_run_set_info (FathomRun *self, const char *key, const char *value)
{
  json_object_set_string_member (self->info, key, value);
}

void
fathom_run_set_info_path (FathomRun *self, const char *key, const char *path)
{
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);

  json_object_set_string_member (self->info, key, absolute);
}

void
fathom_run_set_final (FathomRun *self, const char *key, double value)
{
  /* JSON has no NaN: a metric that could not be computed is null. */
  if (isfinite (value))
    json_object_set_double_member (self->final, key, value);
  else
    json_object_set_null_member (self->final, key);
}

void
fathom_run_set_status (FathomRun *self, const char *status, const char *message)
{
  char *new_status = g_strdup (status), *new_message = g_strdup (message);   /* either may be our own */

  g_free (self->status);
  g_free (self->message);
  self->status = new_status;
  self->message = new_message;
}

const char *
fathom_run_get_message (FathomRun *self)
{
  return self->message;
}

/* Column names end up in a CSV header: keep them to a safe alphabet. */
static char *
csv_safe (const char *name)
{
  char *s = g_strdup (name);

  for (char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      *p = '_';
  return s;
}

void
fathom_run_set_columns (FathomRun *self, guint n, const char *const *names)
{
  if (self->csv->len > 0)
    {
      gboolean same = n == self->columns->len;

      for (guint i = 0; same && i < n; i++)
        {
          g_autofree char *safe = csv_safe (names[i]);
          same = g_str_equal (safe, g_ptr_array_index (self->columns, i));
        }
      g_return_if_fail (same);
      return;
    }
  g_ptr_array_set_size (self->columns, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->columns, csv_safe (names[i]));
}

static void
append_number (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

void
fathom_run_add_row (FathomRun *self, gint64 step, guint epoch, const char *phase,
                    const double *values, double wall_seconds)
{
  g_autofree char *safe_phase = csv_safe (phase);

  g_string_append_printf (self->csv, "%" G_GINT64_FORMAT ",%u,%s", step, epoch, safe_phase);
  for (guint i = 0; i < self->columns->len; i++)
    {
      g_string_append_c (self->csv, ',');
      append_number (self->csv, values[i]);
    }
  g_string_append_c (self->csv, ',');
  append_number (self->csv, wall_seconds + self->wall_offset);
  g_string_append_c (self->csv, '\n');
}

static JsonNode *
copy_object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return node;
}

gboolean
fathom_run_save (FathomRun *self, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *started = g_date_time_format_iso8601 (self->started);
  g_autofree char *updated = g_date_time_format_iso8601 (now);
  g_autofree char *glib_version = g_strdup_printf ("%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
  g_autofree char *json = NULL, *json_path = NULL, *csv_path = NULL;
  g_autoptr(GString) csv = g_string_new ("step,epoch,phase");
  g_autoptr(GList) members = json_object_get_members (self->info);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, RUN_FORMAT);
  json_builder_set_member_name (b, "experiment");
  json_builder_add_string_value (b, self->experiment);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, self->status);
  if (self->message != NULL)
    {
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, self->message);
    }
  for (GList *l = members; l != NULL; l = l->next)
    {
      json_builder_set_member_name (b, l->data);
      json_builder_add_string_value (b, json_object_get_string_member (self->info, l->data));
    }
  json_builder_set_member_name (b, "config");
  json_builder_add_value (b, copy_object_node (self->config));
  json_builder_set_member_name (b, "versions");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "fathom");
  json_builder_add_string_value (b, FATHOM_VERSION);
  json_builder_set_member_name (b, "glib");
  json_builder_add_string_value (b, glib_version);
  json_builder_set_member_name (b, "json-glib");
  json_builder_add_string_value (b, JSON_VERSION_S);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "timings");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "started");
  json_builder_add_string_value (b, started);
  json_builder_set_member_name (b, "updated");
  json_builder_add_string_value (b, updated);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, self->prior_seconds + (g_get_monotonic_time () - self->started_us) / 1e6);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "final");
  json_builder_add_value (b, copy_object_node (self->final));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json = json_generator_to_data (gen, NULL);
  json_path = fathom_run_get_path (self, "run.json");

  for (guint i = 0; i < self->columns->len; i++)
    g_string_append_printf (csv, ",%s", (char *) g_ptr_array_index (self->columns, i));
  g_string_append (csv, ",wall_s\n");
  g_string_append_len (csv, self->csv->str, self->csv->len);
  csv_path = fathom_run_get_path (self, "metrics.csv");

  /* metrics first: run.json, which names the run complete, comes last. */
  return fathom_write_file_atomic (csv_path, csv->str, csv->len, error) &&
         fathom_write_file_atomic (json_path, json, -1, error);
}

gboolean
fathom_run_write_file (FathomRun *self, const char *relative, const char *contents,
                       gssize length, GError **error)
{
  g_autofree char *path = fathom_run_get_path (self, relative);

  return fathom_write_file_atomic (path, contents, length, error);
}

char *
fathom_run_epoch_checkpoint_name (guint epoch)
{
  return g_strdup_printf ("checkpoints/epoch-%03u.safetensors", epoch);
}

char *
fathom_run_find_last_checkpoint (const char *dir, guint *epoch)
{
  g_autofree char *folder = g_build_filename (dir, "checkpoints", NULL);
  g_autoptr(GDir) d = g_dir_open (folder, 0, NULL);
  g_autofree char *name = NULL;
  const char *entry;
  guint best = 0;

  *epoch = 0;
  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      guint n;
      char tail[32];

      if (sscanf (entry, "epoch-%u.%31s", &n, tail) == 2 && g_str_equal (tail, "safetensors") && n > best)
        best = n;
    }
  if (best == 0)
    return NULL;
  *epoch = best;
  name = fathom_run_epoch_checkpoint_name (best);
  return g_build_filename (dir, name, NULL);
}
