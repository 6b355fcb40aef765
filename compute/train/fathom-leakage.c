/* fathom-leakage.c: three models on a random and a size-grouped split. */
#include "fathom-leakage.h"
#include "fathom-run.h"

#include <json-glib/json-glib.h>
#include <math.h>

static const char *const models[] = { "leak-size-only", "dense-head", "multi-input" };

/* Prefixes each report's phase with the sub-run it belongs to. */
typedef struct {
  FathomTrainProgressFunc progress;
  gpointer                user_data;
  char                    label[128];
  const char             *prefix;
} Relabel;

static void
relabel_progress (const FathomTrainProgress *p, gpointer data)
{
  Relabel *r = data;
  FathomTrainProgress q = *p;

  g_snprintf (r->label, sizeof r->label, "%s %s", r->prefix, p->phase);
  q.phase = r->label;
  if (r->progress != NULL)
    r->progress (&q, r->user_data);
}

char *
fathom_leakage_format_table (const FathomLeakageRow rows[FATHOM_LEAKAGE_N_ROWS])
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%-8s %-15s %9s %9s %9s %6s %6s\n", "split", "model", "accuracy", "log-loss",
                          "majority", "train", "valid");
  for (guint i = 0; i < FATHOM_LEAKAGE_N_ROWS; i++)
    g_string_append_printf (s, "%-8s %-15s %9.3f %9.3f %9.3f %6u %6u\n", rows[i].split, rows[i].model,
                            rows[i].accuracy, rows[i].log_loss, rows[i].majority_rate,
                            rows[i].n_train, rows[i].n_valid);
  return g_string_free (s, FALSE);
}

static char *
rows_json (const FathomLeakageRow rows[FATHOM_LEAKAGE_N_ROWS])
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint i = 0; i < FATHOM_LEAKAGE_N_ROWS; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "split");
      json_builder_add_string_value (b, rows[i].split);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, rows[i].model);
      json_builder_set_member_name (b, "accuracy");
      json_builder_add_double_value (b, rows[i].accuracy);
      json_builder_set_member_name (b, "log_loss");
      json_builder_add_double_value (b, rows[i].log_loss);
      json_builder_set_member_name (b, "majority_rate");
      json_builder_add_double_value (b, rows[i].majority_rate);
      json_builder_set_member_name (b, "train_images");
      json_builder_add_int_value (b, rows[i].n_train);
      json_builder_set_member_name (b, "valid_images");
      json_builder_add_int_value (b, rows[i].n_valid);
      json_builder_set_member_name (b, "run");
      {
        g_autofree char *sub = g_strdup_printf ("%s-%s", rows[i].split, rows[i].model);
        json_builder_add_string_value (b, sub);
      }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

static gboolean
run_all (const FathomExperimentConfig *base, FathomRun *run, FathomTrainProgressFunc progress,
         gpointer user_data, GCancellable *cancellable, FathomLeakageRow *rows, GError **error)
{
  const FathomSplitMode modes[2] = { FATHOM_SPLIT_MODE_RANDOM, FATHOM_SPLIT_MODE_BY_SIZE };
  const char *split_names[2] = { "random", "by-size" };
  Relabel relabel = { progress, user_data, "", NULL };
  guint r = 0;

  for (guint s = 0; s < 2; s++)
    for (guint m = 0; m < G_N_ELEMENTS (models); m++, r++)
      {
        FathomExperimentConfig c = *base;
        FathomExperimentResult res;
        g_autofree char *name = g_strdup_printf ("%s-%s", split_names[s], models[m]);
        g_autofree char *sub = fathom_run_get_path (run, name);
        g_autofree char *key = NULL;

        c.experiment = models[m];
        c.run_dir = sub;
        c.split = modes[s];
        relabel.prefix = name;
        if (!fathom_experiment_run (&c, relabel_progress, &relabel, cancellable, &res, error))
          return FALSE;
        rows[r] = (FathomLeakageRow) { split_names[s], models[m], res.val_accuracy, res.val_log_loss,
                                       res.majority_rate, res.n_train, res.n_valid };
        key = g_strdup_printf ("%s_%s_accuracy", split_names[s], models[m]);
        g_strdelimit (key, "-", '_');
        fathom_run_set_final (run, key, res.val_accuracy);
        if (m == 0)
          {
            g_autofree char *mkey = g_strdup_printf ("%s_majority_rate", split_names[s]);
            g_strdelimit (mkey, "-", '_');
            fathom_run_set_final (run, mkey, res.majority_rate);
          }
        if (!fathom_run_save (run, error))
          return FALSE;
      }
  return TRUE;
}

gboolean
fathom_leakage_run (const FathomExperimentConfig *base, const char *run_dir, FathomTrainProgressFunc progress,
                    gpointer user_data, GCancellable *cancellable, FathomLeakageRow rows[FATHOM_LEAKAGE_N_ROWS],
                    GError **error)
{
  g_autoptr(FathomRun) run = fathom_run_new (run_dir, "leakage", base->overwrite, error);
  g_autofree char *seed = NULL, *table = NULL, *json = NULL;
  GError *run_error = NULL;
  gboolean ok;

  for (guint i = 0; i < FATHOM_LEAKAGE_N_ROWS; i++)
    rows[i] = (FathomLeakageRow) { "", "", NAN, NAN, NAN, 0, 0 };
  if (run == NULL)
    return FALSE;
  seed = g_strdup_printf ("%" G_GUINT64_FORMAT, base->seed);
  fathom_run_set_info (run, "device", base->device);
  fathom_run_set_info (run, "seed", seed);
  fathom_run_set_info_path (run, "dataset", base->data_dir);
  fathom_run_set_info (run, "description", "leak-size-only, dense-head and multi-input on a random split "
                       "and on a split grouped by image size (one size = one boat)");
  fathom_run_set_config_int (run, "seed", (gint64) base->seed);
  fathom_run_set_config_int (run, "epochs", base->epochs);
  if (!fathom_run_save (run, error))
    return FALSE;

  ok = run_all (base, run, progress, user_data, cancellable, rows, &run_error);
  if (ok)
    {
      table = fathom_leakage_format_table (rows);
      json = rows_json (rows);
      ok = fathom_run_write_file (run, "leakage.txt", table, -1, &run_error) &&
           fathom_run_write_file (run, "leakage.json", json, -1, &run_error);
    }
  if (ok)
    fathom_run_set_status (run, "finished", NULL);
  else if (g_error_matches (run_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    fathom_run_set_status (run, "stopped", "Stopped by the user");
  else
    fathom_run_set_status (run, "failed", run_error->message);
  if (!fathom_run_save (run, ok ? &run_error : NULL))
    ok = FALSE;
  if (run_error != NULL)
    g_propagate_error (error, run_error);
  return ok;
}
