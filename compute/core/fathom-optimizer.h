/* fathom-optimizer.h: SGD (momentum optional) and Adam (Keras defaults).
 *
 * The learning rate is read at every step, so a change between epochs takes
 * effect (in Keras 1 assigning model.optimizer.lr after compiling did not).
 */
#pragma once

#include <glib.h>

#include "fathom-graph.h"

G_BEGIN_DECLS

typedef struct _FathomOptimizer FathomOptimizer;

typedef enum {
  FATHOM_OPTIMIZER_SGD,
  FATHOM_OPTIMIZER_ADAM,
} FathomOptimizerKind;

FathomOptimizer     *fathom_optimizer_new_sgd   (float             lr,
                                                 float             momentum,
                                                 gboolean          nesterov);
/* beta1 0.9, beta2 0.999, eps 1e-8, as Keras. */
FathomOptimizer     *fathom_optimizer_new_adam  (float             lr);
void                 fathom_optimizer_free      (FathomOptimizer  *self);
FathomOptimizerKind  fathom_optimizer_get_kind  (FathomOptimizer  *self);
float                fathom_optimizer_get_lr    (FathomOptimizer  *self);
void                 fathom_optimizer_set_lr    (FathomOptimizer  *self,
                                                 float             lr);
gint64               fathom_optimizer_get_step  (FathomOptimizer  *self);
/* Updates every trainable parameter of graph from its gradient. */
gboolean             fathom_optimizer_step      (FathomOptimizer  *self,
                                                 FathomGraph      *graph,
                                                 GError          **error);
/* A step that may be captured and replayed (FathomTrainStep): prepare
 * advances the update count as step() does and writes the step size of
 * every parameter step() would update (Adam's with both bias
 * corrections) into a device tensor of the graph's backend; step_prepared
 * then queues the same updates as step() (bit for bit), reading their
 * step sizes from that tensor when they run, so a captured one replays
 * with the step sizes of the latest prepare. The tensor is made once and
 * kept while the number of updated parameters stays the same. */
gboolean             fathom_optimizer_prepare_step  (FathomOptimizer  *self,
                                                     FathomGraph      *graph,
                                                     GError          **error);
gboolean             fathom_optimizer_step_prepared (FathomOptimizer  *self,
                                                     FathomGraph      *graph,
                                                     GError          **error);
/* Every device tensor step_prepared reads or writes (slots and the step
 * sizes; not the parameters), added to @out with a reference each. */
void                 fathom_optimizer_collect_tensors (FathomOptimizer *self,
                                                       GPtrArray       *out);

/* Slot tensors (velocity, m, v) by parameter name, for checkpoints:
 * "PARAM.velocity", "PARAM.m", "PARAM.v". Borrowed; NULL before the
 * first step of that parameter. */
FathomTensor        *fathom_optimizer_get_slot  (FathomOptimizer  *self,
                                                 const char       *name);

/* For resuming: the update count (Adam's bias correction depends on it). */
void                 fathom_optimizer_set_step  (FathomOptimizer  *self,
                                                 gint64            step);
/* Every slot name, sorted (borrowed strings; free the array only). */
GPtrArray           *fathom_optimizer_list_slots (FathomOptimizer *self);
/* Replaces (or creates) a slot with a copy of host values. */
gboolean             fathom_optimizer_set_slot  (FathomOptimizer  *self,
                                                 FathomBackend    *backend,
                                                 const char       *name,
                                                 const FathomTensor *values,
                                                 GError          **error);
const char          *fathom_optimizer_kind_to_string (FathomOptimizerKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomOptimizer, fathom_optimizer_free)

G_END_DECLS
