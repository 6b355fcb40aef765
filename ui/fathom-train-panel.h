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
 * A FathomWorkerPanel (fathom-worker-panel.h): its input is the dataset
 * folder to train on (NULL: Start is insensitive and a hint says why),
 * its runs dir where run folders go. Start runs fathom_experiment_run()
 * in a worker thread into a new folder RUNS/EXPERIMENT-YYYYmmdd-HHMMSS,
 * starting only when the experiment, its weights and the dataset allow;
 * Stop cancels: the current batch finishes and the run folder is marked
 * "stopped". "run-finished" says when a run ended.
 *
 * Actions: "train.start", "train.stop".
 *
 * The settings in compute's types are in fathom-train-panel-config.h, the
 * progress in fathom-worker-panel-job.h.
 */
#pragma once

#include "fathom-chart.h"
#include "fathom-worker-panel.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_TRAIN_PANEL (fathom_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (FathomTrainPanel, fathom_train_panel, FATHOM, TRAIN_PANEL, FathomWorkerPanel)

GtkWidget    *fathom_train_panel_new             (void);

/* Transfer none. */
FathomChart  *fathom_train_panel_get_chart       (FathomTrainPanel *self);

G_END_DECLS
