/* fathom-text-experiment.h: the lesson's recurrent experiments, shared by
 * fathom-cli and the app's worker.
 *
 * corpus -> the lesson's windows (8 characters, stride 8, 75,110 on
 * nietzsche.txt) -> a model -> a run folder:
 *
 *   run.json      experiment ("rnn-scratch", "rnn", "gru"), config, seed,
 *                 corpus_fingerprint ("sha256:..."), device, final metrics:
 *                 train_loss and val_loss in nats per character; for
 *                 rnn-scratch also seq_loss_first and seq_loss_last, the
 *                 mean summed (8-step) loss over the first and the last
 *                 log_every sequences, the lesson's "25.2 falling to 14.5"
 *   metrics.csv   per batch (rnn-scratch: per log_every sequences) and per
 *                 epoch
 *   checkpoints/  epoch-NNN.safetensors, and model.safetensors with the
 *                 metadata sampling needs (model, vocabulary, sizes)
 *
 * The same seed on the same device gives the same numbers on the CPU.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-graph.h"
#include "fathom-trainer.h"

G_BEGIN_DECLS

/* The lesson's window length and stride. */
#define FATHOM_TEXT_SEQ_LEN 8
/* Inside a run folder: the weights and what sampling needs to rebuild. */
#define FATHOM_TEXT_MODEL_FILE "checkpoints/model.safetensors"
/* The lesson's seed text for sampling. */
#define FATHOM_TEXT_DEFAULT_PRIME "ethics is a basic foundation of all that"

typedef enum {
  FATHOM_TEXT_MODEL_RNN_SCRATCH,  /* plain C, hand-written BPTT, SGD */
  FATHOM_TEXT_MODEL_RNN,          /* engine SimpleRNN, relu, identity init, Adam */
  FATHOM_TEXT_MODEL_GRU,          /* engine GRU, Adam */
} FathomTextModel;

const char *fathom_text_model_to_string   (FathomTextModel  model);
gboolean    fathom_text_model_from_string (const char      *name,
                                           FathomTextModel *model);

typedef struct {
  FathomTextModel   model;
  const char       *corpus_path;
  const char       *run_dir;
  gboolean          overwrite;      /* reuse a folder that holds a run */
  const char       *device;         /* "cpu" (default), "cpu-reference", "cuda" */
  guint             epochs;         /* 1 */
  guint             batch_size;     /* 64; rnn-scratch always updates per sequence */
  double            lr;             /* 0: 0.01 (rnn-scratch, SGD), 1e-3 (Adam) */
  guint             hidden;         /* 256 */
  guint             embedding;      /* 42, as Dense(42, no bias) on the one-hot;
                                     * 0 feeds the one-hot in (engine models) */
  FathomActivation  candidate;      /* GRU: TANH (default), RELU, SIGMOID */
  guint64           seed;
  gsize             max_sequences;  /* first windows only; 0 for all */
  double            valid_fraction; /* the last windows held out; 0 for none */
  /* rnn-scratch: gradient-norm clip, 0 for none. The lesson had none and
   * needs none: relu with an identity Wh at lr 0.01 ran a whole pass over
   * nietzsche.txt without diverging (summed loss 25.1 -> 14.3). */
  double            clip;
  guint             log_every;      /* rnn-scratch: sequences per metrics row (1000) */
  /* Continue the stopped or interrupted run in run_dir from its last epoch
   * checkpoint (weights; for rnn and gru the optimiser and the shuffling
   * too), started with the same model, corpus and settings. */
  gboolean          resume;
} FathomTextConfig;

void fathom_text_config_init (FathomTextConfig *config);

typedef struct {
  guint  epochs_done;
  gint64 sequences;                 /* trained, all epochs */
  double train_loss;                /* nats per character, last epoch's mean */
  double val_loss;                  /* NaN without validation */
  double seq_loss_first;            /* rnn-scratch, else NaN */
  double seq_loss_last;
  double seconds;
} FathomTextResult;

/* Trains into config->run_dir. progress gets every batch (rnn-scratch:
 * every 100 sequences) and every epoch end. A cancelled run returns FALSE
 * with G_IO_ERROR_CANCELLED after the current batch, leaving a run folder
 * marked "stopped" with model.safetensors of the weights reached. result
 * may be NULL and is filled in either case. */
gboolean fathom_text_train (const FathomTextConfig    *config,
                            FathomTrainProgressFunc    progress,
                            gpointer                   user_data,
                            GCancellable              *cancellable,
                            FathomTextResult          *result,
                            GError                   **error);

/* The engine model: input "chars" [seq_len, vocab] one-hot, optional
 * embedding Dense(embedding, no bias), SimpleRNN(hidden, relu, identity)
 * or GRU(hidden, candidate, orthogonal), Dense(vocab) per step, softmax
 * output "next_char" with cross-entropy over every step. Not built. */
FathomGraph *fathom_text_graph_new (FathomTextModel    model,
                                    guint              vocab,
                                    guint              seq_len,
                                    guint              hidden,
                                    guint              embedding,
                                    FathomActivation   candidate,
                                    GError           **error);

/* ---- sampling ------------------------------------------------------------ */

typedef struct _FathomTextSampler FathomTextSampler;

/* Loads run_dir/checkpoints/model.safetensors; runs on the CPU. */
FathomTextSampler *fathom_text_sampler_new      (const char         *run_dir,
                                                 GError            **error);
/* The same from any checkpoint of a text run: model.safetensors or an
 * epoch's (checkpoints/epoch-NNN.safetensors; its optimiser state is
 * ignored). */
FathomTextSampler *fathom_text_sampler_new_from_file (const char    *path,
                                                      GError       **error);
void               fathom_text_sampler_free     (FathomTextSampler  *self);
FathomTextModel    fathom_text_sampler_get_model (FathomTextSampler *self);
/* Generates length characters after prime (NULL: FATHOM_TEXT_DEFAULT_PRIME). Each step feeds the model the last 8
 * characters from a zero state (left-padded with "\0"), as the lesson's
 * models were trained; probabilities are raised to 1/temperature and
 * renormalised (temperature <= 0 picks the most likely). The padding
 * character is never emitted. Returns UTF-8 of the generated part only. */
char              *fathom_text_sampler_generate (FathomTextSampler  *self,
                                                 const char         *prime,
                                                 guint               length,
                                                 double              temperature,
                                                 guint64             seed,
                                                 GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomTextSampler, fathom_text_sampler_free)

G_END_DECLS
