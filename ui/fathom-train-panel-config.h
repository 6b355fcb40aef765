/* fathom-train-panel-config.h: the training panel's settings in compute's
 * types (FathomExperimentConfig), and its progress
 * (fathom-worker-panel-job.h), for tests and callers that use compute.
 * Apart from fathom-train-panel.h, which needs only GTK's types, so that
 * the app's wiring does not pull in compute's headers.
 */
#pragma once

#include "fathom-experiment.h"
#include "fathom-train-panel.h"
#include "fathom-worker-panel-job.h"

G_BEGIN_DECLS

/* The settings as the rows show them. set_config moves the rows to
 * config's experiment, epochs, batch size, rate, seed, split, box weight,
 * keras1_lr, device, backbone and weights (0 or NULL: the preset's or the
 * default) and keeps the settings without a row as they are: the feature
 * cache, the input size, the mini trunk's epochs, decoding threads, the
 * validation fraction and the split seed. data_dir, run_dir and
 * overwrite are the panel's own and ignored. get_config fills config
 * with strings that stay the panel's until the next change. */
void          fathom_train_panel_set_config      (FathomTrainPanel             *self,
                                                  const FathomExperimentConfig *config);
void          fathom_train_panel_get_config      (FathomTrainPanel             *self,
                                                  FathomExperimentConfig       *config);

G_END_DECLS
