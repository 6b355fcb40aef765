/* fathom-trainer.h: the training loop every experiment, the CLI and the
 * app's worker thread share.
 *
 * One blocking function: it runs epochs of shuffled mini-batches, reports
 * every batch to a callback, checks a GCancellable between batches (a stop
 * finishes the current batch and leaves a valid run folder), evaluates on
 * the validation source after each epoch, logs metrics.csv rows and writes
 * a checkpoint per epoch. A loss that becomes NaN or infinite stops the run
 * with an error naming the epoch and batch; the last checkpoint written is
 * the last good one.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-graph.h"
#include "fathom-optimizer.h"
#include "fathom-run.h"

G_BEGIN_DECLS

#define FATHOM_TRAINER_ERROR (fathom_trainer_error_quark ())

typedef enum {
  FATHOM_TRAINER_ERROR_NOT_FINITE,
  FATHOM_TRAINER_ERROR_DATA,
} FathomTrainerError;

GQuark fathom_trainer_error_quark (void);

/* Where batches come from. fill writes count items (by index) into the
 * host tensors inputs[i] ([count, ...graph input i]) and targets[j]
 * ([count, ...output j], NULL for outputs without a loss). */
typedef gboolean (*FathomFillBatchFunc) (gpointer             data,
                                         const gint64        *items,
                                         gint64               count,
                                         FathomTensor *const *inputs,
                                         FathomTensor *const *targets,
                                         GError             **error);

typedef struct {
  gint64              n_items;
  FathomFillBatchFunc fill;
  gpointer            data;
} FathomBatchSource;

#define FATHOM_TRAINER_MAX_LR_CHANGES 8

typedef struct {
  guint    epochs;
  guint    batch_size;
  guint64  seed;                /* shuffling */
  gboolean shuffle;
  /* At the start of epoch lr_epoch[i] (0-based) the rate becomes lr[i]. */
  guint    n_lr_changes;
  guint    lr_epoch[FATHOM_TRAINER_MAX_LR_CHANGES];
  float    lr[FATHOM_TRAINER_MAX_LR_CHANGES];
  guint    checkpoint_every;    /* epochs; 0 for none */
  guint    first_epoch;         /* to continue numbering after earlier fits */
  /* A training checkpoint of this run (checkpoints/epoch-NNN.safetensors)
   * to continue from: weights, optimiser state, learning rate, shuffling
   * and dropout state come back, and the fit goes on with the next epoch,
   * reaching the numbers an uninterrupted run reaches. */
  const char *resume_from;
  /* string -> string, borrowed: written into every epoch checkpoint too,
   * so that each one describes its model (NULL: nothing more) */
  GHashTable *checkpoint_metadata;
  /* Stop when the validation loss has not improved by min_delta for this
   * many epochs (0: never); the result says so. */
  guint    patience;
  double   min_delta;
} FathomTrainConfig;

void fathom_train_config_init (FathomTrainConfig *config);

typedef struct {
  const char   *phase;          /* "train" or "valid" */
  guint         epoch;          /* 0-based */
  guint         n_epochs;
  gint64        batch;          /* within the epoch, 0-based */
  gint64        n_batches;
  gint64        step;           /* training batches done so far */
  double        loss;           /* weighted total: this batch, or the epoch mean */
  guint         n_outputs;
  const float  *output_losses;  /* unweighted, per output */
  double        accuracy;       /* of the first cross-entropy output; NaN if none */
  double        seconds;        /* since the fit started */
  double        items_per_second;
  double        eta_seconds;
  gboolean      epoch_end;
} FathomTrainProgress;

typedef void (*FathomTrainProgressFunc) (const FathomTrainProgress *progress,
                                         gpointer                   user_data);

/* The progress of a one-pass phase ("features", "corpus", "predict"):
 * done of n items, in batch of n_batches (0-based), since t0 (monotonic
 * microseconds); one epoch, no loss or accuracy, the end at done == n. */
FathomTrainProgress fathom_train_progress_one_pass (const char *phase,
                                                    gint64      done,
                                                    gint64      n,
                                                    gint64      batch,
                                                    gint64      n_batches,
                                                    gint64      t0);

typedef struct {
  guint  epochs_done;
  gint64 steps;
  double train_loss, train_accuracy;  /* of the last epoch */
  double val_loss, val_accuracy;      /* NaN without validation */
  gboolean stopped_early;             /* the validation loss stopped improving */
  guint    best_epoch;                /* 1-based, of the lowest validation loss */
} FathomTrainResult;

/* Runs the fit. run may be NULL; valid may be NULL. result may be NULL. */
gboolean fathom_trainer_fit (FathomGraph             *graph,
                             FathomOptimizer         *optimizer,
                             const FathomTrainConfig *config,
                             FathomBatchSource       *train,
                             FathomBatchSource       *valid,
                             FathomRun               *run,
                             FathomTrainProgressFunc  progress,
                             gpointer                 user_data,
                             GCancellable            *cancellable,
                             FathomTrainResult       *result,
                             GError                 **error);

/* Called after each evaluation batch with the graph's outputs still in
 * place, for predictions and class maps. */
typedef gboolean (*FathomEvalBatchFunc) (FathomGraph   *graph,
                                         const gint64  *items,
                                         gint64         count,
                                         gpointer       user_data,
                                         GError       **error);

/* Inference-mode pass over a source: mean weighted loss, per-output mean
 * losses (n_outputs entries, may be NULL) and accuracy of the first
 * cross-entropy output. */
gboolean fathom_trainer_evaluate (FathomGraph         *graph,
                                  FathomBatchSource   *source,
                                  guint                batch_size,
                                  FathomEvalBatchFunc  each,
                                  gpointer             user_data,
                                  double              *loss,
                                  double              *output_losses,
                                  double              *accuracy,
                                  GError             **error);

/* A source over whole host tensors (rows along axis 0). */
typedef struct _FathomTensorSource FathomTensorSource;

FathomTensorSource *fathom_tensor_source_new  (guint                n_inputs,
                                               FathomTensor *const *inputs,
                                               guint                n_targets,
                                               FathomTensor *const *targets);
void                fathom_tensor_source_free (FathomTensorSource  *self);
FathomBatchSource   fathom_tensor_source_get  (FathomTensorSource  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomTensorSource, fathom_tensor_source_free)

G_END_DECLS
