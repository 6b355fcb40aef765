/* fathom-train-panel.h: the training page: pick one of the lesson's
 * convolutional experiments, set what matters, start it on the open
 * dataset and watch it learn.
 *
 * Left, the settings: the experiment (unavailable ones are listed with
 * their reason and cannot be picked), epochs, batch size, learning rate,
 * seed, the validation split, the box loss weight (bbox only), Keras 1's
 * single rate, the device (CUDA only where the backend registry says it
 * is usable, otherwise the reason is shown) and the backbone (the small
 * one trained here, or VGG16 / ResNet50 weights from a file). Right, the
 * run: phase, epoch, batch, items per second and time left, and a live
 * FathomChart of the training loss per batch, the validation loss and
 * accuracy per epoch and, for models with several outputs, each output's
 * loss.
 *
 * Start runs fathom_experiment_run() in a worker thread into a new folder
 * RUNS/EXPERIMENT-YYYYmmdd-HHMMSS. The worker writes its latest progress
 * and copies of the new points under a mutex and schedules at most one
 * idle at a time; the idle hands them to the widgets. Stop cancels: the
 * current batch finishes and the run folder is marked "stopped".
 *
 * Property "running" (read-only, notified): a run is in progress.
 *
 * Signals:
 *  - "run-finished" (const char *run_dir, gboolean ok): a run ended; ok
 *    is FALSE when it was stopped or failed (fathom_train_panel_get_error());
 *    a run that failed before writing anything leaves no folder behind.
 *
 * Actions: "train.start", "train.stop".
 *
 * The settings and the progress in compute's types are in
 * fathom-train-panel-config.h.
 */
#pragma once

#include <adwaita.h>

#include "fathom-chart.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_TRAIN_PANEL (fathom_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (FathomTrainPanel, fathom_train_panel, FATHOM, TRAIN_PANEL, AdwBin)

GtkWidget    *fathom_train_panel_new             (void);

/* The dataset folder to train on; NULL: nothing to train on (Start is
 * insensitive and a hint says why). */
void          fathom_train_panel_set_dataset_dir (FathomTrainPanel *self,
                                                  const char       *dir);
const char   *fathom_train_panel_get_dataset_dir (FathomTrainPanel *self);
/* Where run folders go; NULL: $XDG_DATA_HOME/fathom/runs. */
void          fathom_train_panel_set_runs_dir    (FathomTrainPanel *self,
                                                  const char       *dir);
const char   *fathom_train_panel_get_runs_dir    (FathomTrainPanel *self);

/* What the Start button does; FALSE and an error when it cannot start
 * (already running, no dataset, an unavailable experiment, no weights). */
gboolean      fathom_train_panel_start           (FathomTrainPanel *self,
                                                  GError          **error);
/* Asks the running run to stop after its current batch. */
void          fathom_train_panel_stop            (FathomTrainPanel *self);
gboolean      fathom_train_panel_get_running     (FathomTrainPanel *self);

/* The folder of the running or last run, or NULL. */
const char   *fathom_train_panel_get_run_dir     (FathomTrainPanel *self);
/* Why the last run did not finish, or NULL. */
const GError *fathom_train_panel_get_error       (FathomTrainPanel *self);
/* Idle callbacks that brought something for the current or last run. */
guint         fathom_train_panel_get_n_deliveries (FathomTrainPanel *self);
/* Transfer none. */
FathomChart  *fathom_train_panel_get_chart       (FathomTrainPanel *self);

G_END_DECLS
