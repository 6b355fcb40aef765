/* fathom-chart-run.c: metrics.csv rows as chart series. */
#include "fathom-chart-run.h"

#include <math.h>

static FathomChartKind
column_kind (const char *name)
{
  return g_str_has_suffix (name, "accuracy") ? FATHOM_CHART_KIND_ACCURACY : FATHOM_CHART_KIND_LOSS;
}

FathomChartData *
fathom_chart_data_new_from_run (FathomRunInfo *info, const char *label)
{
  FathomChartData *data = fathom_chart_data_new ();
  /* the last column is wall_s */
  guint n_cols = fathom_run_info_get_n_columns (info), n_metrics = n_cols > 0 ? n_cols - 1 : 0;
  g_autofree int *train_ids = g_new (int, MAX (n_metrics, 1));
  g_autofree int *valid_ids = g_new (int, MAX (n_metrics, 1));
  guint last_epoch = 0;
  gint64 last_step = 0;

  fathom_chart_data_set_title (data, label);
  for (guint c = 0; c < n_metrics; c++)
    train_ids[c] = valid_ids[c] = -1;
  for (guint r = 0; r < fathom_run_info_get_n_rows (info); r++)
    {
      gint64 step;
      guint epoch;
      const char *phase;
      const double *v = fathom_run_info_get_row (info, r, &step, &epoch, &phase);
      gboolean valid = g_strcmp0 (phase, "valid") == 0;
      int *ids = valid ? valid_ids : train_ids;

      if (!valid && g_strcmp0 (phase, "train") != 0)
        continue;
      if (!valid && epoch != last_epoch && r > 0)
        fathom_chart_data_add_epoch_mark (data, (double) last_step);
      if (!valid)
        {
          last_epoch = epoch;
          last_step = step;
        }
      for (guint c = 0; c < n_metrics; c++)
        {
          const char *column = fathom_run_info_get_column (info, c);

          if (!isfinite (v[c]))
            continue;
          if (ids[c] < 0)
            {
              g_autofree char *name = valid ? g_strconcat ("val_", column, NULL) : g_strdup (column);
              ids[c] = (int) fathom_chart_data_add_series (data, label, name, column_kind (column), NULL);
            }
          fathom_chart_data_append (data, (guint) ids[c], (double) step, v[c]);
        }
    }
  return data;
}
