/* fathom-chart-run.h: a run folder's curves as chart data.
 *
 * From metrics.csv (fathom-run.h): for each metric column, the training
 * batches ("train" rows) as one series and the validation at each epoch's
 * end ("valid" rows) as another named "val_" + column, both over the
 * training step; an epoch mark at each epoch's last step. Columns named
 * *accuracy are accuracy series, the rest losses.
 */
#pragma once

#include "fathom-chart-data.h"
#include "fathom-run.h"

G_BEGIN_DECLS

/* label names the run in the series (e.g. its folder name). */
FathomChartData *fathom_chart_data_new_from_run (FathomRunInfo *info,
                                                 const char    *label);

G_END_DECLS
