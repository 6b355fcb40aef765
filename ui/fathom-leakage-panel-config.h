/* fathom-leakage-panel-config.h: the leakage panel's study settings and
 * rows in compute's types, and its progress (fathom-worker-panel-job.h),
 * for tests and callers that use compute. Apart from fathom-leakage-panel.h, which needs only GTK's
 * types, so that the app's wiring does not pull in compute's headers.
 */
#pragma once

#include "fathom-leakage.h"
#include "fathom-leakage-panel.h"
#include "fathom-worker-panel-job.h"

G_BEGIN_DECLS

/* The settings every model of the study shares: device, epochs, batch
 * size, rates, seed, backbone and weights, validation fraction and split
 * seed, input size, feature cache, the mini trunk's epochs, decoding
 * threads (0 or NULL: the preset's or the default). Copied. experiment,
 * data_dir, run_dir, split and overwrite are the study's and ignored.
 * get_config fills config with strings that stay the panel's until the
 * next change, data_dir the panel's dataset and run_dir its last study. */
void      fathom_leakage_panel_set_config   (FathomLeakagePanel           *self,
                                             const FathomExperimentConfig *base);
void      fathom_leakage_panel_get_config   (FathomLeakagePanel           *self,
                                             FathomExperimentConfig       *config);

/* The rows of the last finished study; FALSE (rows untouched) when the
 * last study did not finish or none ran. */
gboolean  fathom_leakage_panel_get_rows     (FathomLeakagePanel           *self,
                                             FathomLeakageRow              rows[FATHOM_LEAKAGE_N_ROWS]);

/* The sentence under the table, read from the size-only rows. */
char     *fathom_leakage_panel_describe     (const FathomLeakageRow        rows[FATHOM_LEAKAGE_N_ROWS]);

G_END_DECLS
