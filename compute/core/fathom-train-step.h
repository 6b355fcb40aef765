/* fathom-train-step.h: one training step (forward, loss, backward,
 * optimiser update), run eagerly or replayed as a captured graph.
 *
 * On a backend that captures graphs (CUDA, fathom_backend_get_graphs()),
 * the first step with given shapes runs eagerly (it makes every tensor the
 * step keeps and lets cuDNN and cuBLAS choose their algorithms), the next
 * one is captured and launched, and later ones copy their inputs and
 * targets into the captured step's fixed buffers, write the optimiser's
 * step sizes (FathomOptimizer's prepare) and launch it again. Everything
 * the graph reads or writes is kept alive by the step, and compared before
 * every launch: if the graph's tensors changed (another batch size, an
 * eager forward in between that reallocated a node, new optimiser slots)
 * the graph is dropped and made again. A capture an op refuses (dropout, a
 * batch norm still warming up its running statistics) is retried after a
 * pause that doubles each time; one that fails otherwise turns graphs off
 * for this step object. Either way the step runs eagerly meanwhile, and
 * get_reason says why. Elsewhere (CPU, FATHOM_CUDA_GRAPHS=0) every step is
 * the eager one, exactly as the graph, loss and optimiser calls would be.
 *
 * Replays run the same kernels on the same data in the same order as the
 * eager step, so losses agree to rounding (bit for bit where the kernels
 * are deterministic).
 */
#pragma once

#include "fathom-graph.h"
#include "fathom-optimizer.h"

G_BEGIN_DECLS

typedef struct _FathomTrainStep FathomTrainStep;

/* @graph (built) and @optimizer are borrowed and must outlive the step. */
FathomTrainStep *fathom_train_step_new        (FathomGraph          *graph,
                                               FathomOptimizer      *optimizer);
void             fathom_train_step_free       (FathomTrainStep      *self);
/* Graphs where the backend allows them (the default) or never. */
void             fathom_train_step_set_graphs (FathomTrainStep      *self,
                                               gboolean              enabled);
/* One step on @inputs and @targets (backend tensors, one per graph input
 * and output; NULL targets for outputs without a loss); @losses (may be
 * NULL) gets each output's loss and @total the weighted sum, as
 * fathom_graph_compute_loss() gives them. */
gboolean         fathom_train_step_run        (FathomTrainStep      *self,
                                               FathomTensor *const  *inputs,
                                               FathomTensor *const  *targets,
                                               float                *losses,
                                               float                *total,
                                               GError              **error);
/* TRUE when the last run was a graph launch. */
gboolean         fathom_train_step_get_graphed (FathomTrainStep     *self);
/* TRUE while later steps may still become graph launches: graphs are
 * wanted and possible here, and no capture failed for good. */
gboolean         fathom_train_step_get_pending (FathomTrainStep     *self);
/* Why steps run eagerly (NULL while they are replayed): "turned off
 * (FATHOM_CUDA_GRAPHS=0)", "dropout (...) cannot be captured ...". */
const char      *fathom_train_step_get_reason (FathomTrainStep      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomTrainStep, fathom_train_step_free)

G_END_DECLS
