/* fathom-text-lab.h: the Text lab: train the lesson's character models
 * (rnn-scratch, rnn, gru) on a text file and watch them learn and write.
 *
 * Left, the settings: the text file (by default nietzsche.txt in the
 * folder that $FATHOM_SHARED_DATA names, when it is there), the model,
 * epochs, batch size, learning rate, hidden size, seed, "max sequences"
 * (train on the first windows only, for quick runs), the validation
 * fraction and the device (CUDA only where the backend registry says it
 * is usable; rnn-scratch is plain C on the CPU). Right, the run: epoch,
 * batch, sequences per second and time left, a live FathomChart of the
 * training loss per batch in nats per character (and the validation loss
 * per epoch), and the generated text.
 *
 * A FathomWorkerPanel (fathom-worker-panel.h): its input is the text file.
 * Start runs fathom_text_train() in a worker thread into a new folder
 * RUNS/text-MODEL-YYYYmmdd-HHMMSS (RUNS: $XDG_DATA_HOME/fathom/runs),
 * refusing a file that is not there before a folder is made. Stop
 * cancels: the current batch finishes and the run folder is marked
 * "stopped".
 *
 * Samples: at each epoch end (from that epoch's checkpoint), after a stop
 * (from the weights reached) and on demand, length characters after the
 * prime text are generated in a worker thread at the chosen temperature
 * (0: always the most likely character) and put on top of a read-only
 * monospace text view (the newest 50), each under a heading with its
 * epoch and temperature. Changing the temperature resamples the last checkpoint
 * with the same seed; the Sample button draws with the next seed. A
 * sample asked for before the first epoch's checkpoint exists comes when
 * it does.
 *
 * Property "sampling" (read-only, notified): a sample is being generated
 * or waits for its checkpoint ("running" and "run-finished" are
 * FathomWorkerPanel's).
 *
 * Signals:
 *  - "sample-added": a sample (or why one could not be made) was put on
 *    top of the text view.
 *
 * Actions: "text.start", "text.stop", "text.sample".
 */
#pragma once

#include "fathom-chart.h"
#include "fathom-text-experiment.h"
#include "fathom-worker-panel.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_TEXT_LAB (fathom_text_lab_get_type ())
G_DECLARE_FINAL_TYPE (FathomTextLab, fathom_text_lab, FATHOM, TEXT_LAB, FathomWorkerPanel)

GtkWidget    *fathom_text_lab_new               (void);

/* The settings as the rows show them. set_config moves the rows to
 * config's corpus_path (NULL keeps the file), model, epochs, batch size,
 * rate (0: the model's default), hidden size, seed, max_sequences,
 * valid_fraction and device (CUDA once the probe finds it usable), and
 * keeps its fields without a row (embedding, candidate, clip, log_every).
 * get_config fills config with strings that stay the lab's until the next
 * change; corpus_path is the panel's input, run_dir the running or last
 * run's. */
void          fathom_text_lab_set_config        (FathomTextLab          *self,
                                                 const FathomTextConfig *config);
void          fathom_text_lab_get_config        (FathomTextLab          *self,
                                                 FathomTextConfig       *config);
/* The message the lab shows (an error of the last run or of Start), or
 * NULL when none shows. */
const char   *fathom_text_lab_get_message       (FathomTextLab          *self);
/* Transfer none. */
FathomChart  *fathom_text_lab_get_chart         (FathomTextLab          *self);

/* Sampling. temperature is clamped to [0, 2]; 0 picks the most likely
 * character (the scale goes from 0.1, a switch beside it picks 0). A
 * change resamples the last checkpoint sampled. */
void          fathom_text_lab_set_temperature   (FathomTextLab          *self,
                                                 double                  temperature);
double        fathom_text_lab_get_temperature   (FathomTextLab          *self);
/* NULL: FATHOM_TEXT_DEFAULT_PRIME. */
void          fathom_text_lab_set_prime         (FathomTextLab          *self,
                                                 const char             *prime);
const char   *fathom_text_lab_get_prime         (FathomTextLab          *self);
/* Characters generated per sample (1 to 5000). */
void          fathom_text_lab_set_sample_length (FathomTextLab          *self,
                                                 guint                   length);
guint         fathom_text_lab_get_sample_length (FathomTextLab          *self);
/* What the Sample button does: a sample of the latest checkpoint with the
 * next seed, or, while a run has written none yet, one after its first
 * epoch. FALSE and an error when there is nothing to sample from. */
gboolean      fathom_text_lab_sample            (FathomTextLab          *self,
                                                 GError                **error);
gboolean      fathom_text_lab_get_sampling      (FathomTextLab          *self);
/* Samples put in the text view so far (errors included). */
guint         fathom_text_lab_get_n_samples     (FathomTextLab          *self);
/* The newest sample's generated characters (without the prime), its
 * epoch (1-based) and temperature; NULL when the newest entry is an error
 * or there is none. */
const char   *fathom_text_lab_get_sample        (FathomTextLab          *self,
                                                 guint                  *epoch,
                                                 double                 *temperature);
/* Transfer none. */
GtkTextView  *fathom_text_lab_get_text_view     (FathomTextLab          *self);

G_END_DECLS
