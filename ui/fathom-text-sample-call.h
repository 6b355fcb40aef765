/* fathom-text-sample-call.h: one sample of the Text lab, GTK-free.
 *
 * RUN/checkpoints/model.safetensors is written only when a run ends
 * (finished or stopped). While a run goes on, the newest weights are its
 * epoch checkpoints (checkpoints/epoch-NNN.safetensors, written before the
 * epoch's end is reported), which carry the model's description too:
 * fathom_text_sampler_new_from_file() reads either.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-text-experiment.h"

G_BEGIN_DECLS

typedef struct {
  /* what to sample from */
  char              *run_dir;
  guint              epoch;         /* checkpoints/epoch-NNN (1-based); 0: model.safetensors */

  /* how */
  char              *prime;         /* NULL: FATHOM_TEXT_DEFAULT_PRIME */
  guint              length;
  double             temperature;
  guint64            seed;

  /* the sampler of an earlier call, reused when it read the same
   * checkpoint; handed back either way (NULL after a failure) */
  FathomTextSampler *sampler;
  char              *sampler_key;

  /* out */
  char              *text;          /* the generated characters */
  double             seconds;

  /* the caller's, untouched here */
  char              *heading;
  guint              shown_epoch;
} FathomTextSampleCall;

FathomTextSampleCall *fathom_text_sample_call_new        (void);
void                  fathom_text_sample_call_free       (FathomTextSampleCall  *call);

/* Blocking: loads (or reuses) the sampler and fills call->text. */
gboolean              fathom_text_sample_call_run        (FathomTextSampleCall  *call,
                                                          GError               **error);

/* The same in a worker thread; takes call. In the callback, finish hands
 * it back borrowed (it lives until the callback returns) and says
 * whether it succeeded. */
void                  fathom_text_sample_call_run_async  (FathomTextSampleCall  *call,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
gboolean              fathom_text_sample_call_run_finish (GAsyncResult          *result,
                                                          FathomTextSampleCall **call,
                                                          GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomTextSampleCall, fathom_text_sample_call_free)

G_END_DECLS
