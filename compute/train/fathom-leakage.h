/* fathom-leakage.h: how much the image size (the boat) gives away.
 *
 * Trains three models on two splits of the same dataset and tabulates
 * their validation accuracy, log-loss and the majority rate:
 *   leak-size-only  the size one-hot alone
 *   dense-head      the photo's features alone (B)
 *   multi-input     both (C)
 * on a random split (boats on both sides: the size leaks) and on a split
 * grouped by image size (no boat on both sides: the size says nothing
 * about a new boat). Each model is a run folder of its own under the
 * leakage run folder, named SPLIT-MODEL; the leakage folder holds
 * run.json, leakage.json (the rows) and leakage.txt (the table).
 */
#pragma once

#include <gio/gio.h>

#include "fathom-experiment.h"

G_BEGIN_DECLS

#define FATHOM_LEAKAGE_N_ROWS 6

typedef struct {
  const char *split;            /* "random" or "by-size" */
  const char *model;            /* an experiment name */
  double      accuracy, log_loss, majority_rate;
  guint       n_train, n_valid;
} FathomLeakageRow;

/* base holds the settings every sub-run shares (data_dir, device, seed,
 * cache_dir, epochs, ...); its experiment, run_dir and split are set per
 * sub-run. run_dir is the leakage folder. */
gboolean fathom_leakage_run          (const FathomExperimentConfig *base,
                                      const char                   *run_dir,
                                      FathomTrainProgressFunc       progress,
                                      gpointer                      user_data,
                                      GCancellable                 *cancellable,
                                      FathomLeakageRow              rows[FATHOM_LEAKAGE_N_ROWS],
                                      GError                      **error);

/* The rows as an aligned text table. */
char    *fathom_leakage_format_table (const FathomLeakageRow        rows[FATHOM_LEAKAGE_N_ROWS]);

G_END_DECLS
