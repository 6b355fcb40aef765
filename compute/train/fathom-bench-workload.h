/* fathom-bench-workload.h: the lesson's workloads as benchmarks, on any
 * backend.
 *
 * Each workload is one of the lesson's models built from the project's own
 * graph and layers, with random weights (the graph's initialisers) and
 * random inputs uploaded once (uniform in [-1, 1); characters and classes
 * drawn uniformly, as one-hot rows), so that timing sees real arithmetic,
 * never all zeros:
 *
 *   vgg16-features     VGG16 conv trunk with its last pool (torchvision's
 *                      vgg16().features), 3x360x640, batch 32, inference
 *   fcn-step           the lesson's FCN head F (fathom-heads.h, "fcn") on
 *                      512x22x40 features, 8 classes, batch 64: forward,
 *                      cross-entropy, backward and an Adam update
 *   gru-step           the character GRU that `text-train gru` trains
 *                      (86 symbols, embedding 42, GRU 256, 8 steps), batch
 *                      64: one Adam step on next-character targets
 *   resnet50-features  ResNet50 trunk (torchvision's variant, no pooling or
 *                      classifier), 3x224x224, batch 64, inference
 *
 * One iteration ends with fathom_backend_synchronize(), and the clock is
 * read on an idle backend before it starts, so on CUDA a time covers every
 * kernel the iteration queued. A training step brings its loss back to the
 * host, as the trainer's steps do. The training steps repeat on the same batch,
 * so their loss falls from step to step: fathom_bench_workload_get_loss()
 * shows it (tests use that to see that a step really trains).
 */
#pragma once

#include <glib.h>

#include "fathom-backend.h"
#include "fathom-graph.h"
#include "fathom-rng.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_BENCH_VGG16_FEATURES,
  FATHOM_BENCH_FCN_STEP,
  FATHOM_BENCH_GRU_STEP,
  FATHOM_BENCH_RESNET50_FEATURES,
  FATHOM_BENCH_N_KINDS,
} FathomBenchKind;

/* "vgg16-features", "fcn-step", "gru-step", "resnet50-features". */
const char *fathom_bench_kind_to_string   (FathomBenchKind  kind);
gboolean    fathom_bench_kind_from_string (const char      *name,
                                           FathomBenchKind *kind);
/* One line: the model, its input and what an iteration does. */
const char *fathom_bench_kind_describe    (FathomBenchKind  kind);
/* The lesson's batch: 32, 64, 64, 64. */
guint       fathom_bench_kind_default_batch (FathomBenchKind kind);

typedef struct {
  guint   batch;                /* 0: the kind's default */
  /* The image (vgg16, resnet50) or the feature map (fcn) size; 0 keeps
   * 360x640, 224x224 and 22x40. Smaller sizes are for tests and slow
   * machines; the report carries the size used. */
  gint64  height, width;
  guint64 seed;                 /* weights and inputs */
} FathomBenchOptions;

void fathom_bench_options_init (FathomBenchOptions *options);

typedef struct {
  FathomBenchKind kind;
  guint           batch;
  char           *input;        /* "3x360x640", "512x22x40", "8x86" */
  gboolean        training;     /* a full training step, not inference */
  guint           warmup, runs;
  double          median_s;     /* per iteration */
  double          min_s, max_s;
  double          items;        /* per iteration: images, samples or characters */
  double          throughput;   /* items / median_s */
  const char     *unit;         /* "img/s", "samples/s", "chars/s" */
  double          loss;         /* training steps: after the last one; else NaN */
  /* Convolution calls per timed iteration on each path, where the
   * backend counts them (fathom_backend_get_conv_calls: CUDA). */
  gboolean        conv_counted;
  guint64         conv_cudnn, conv_own;
  /* The timed iterations were launches of the training step captured as
   * one graph (FathomTrainStep), or of the inference pass captured after
   * an eager one; if not, graph_reason says why. */
  gboolean        graph;
  char           *graph_reason;
} FathomBenchResult;

void fathom_bench_result_clear (FathomBenchResult *result);

typedef struct _FathomBenchWorkload FathomBenchWorkload;

/* A [batch, ...shape] tensor on backend holding one-hot rows over the
 * last axis (characters, classes) or values uniform in [-1, 1), drawn
 * from rng: the workloads' inputs and targets (and the tests' steps). */
FathomTensor        *fathom_bench_batch_tensor_new   (FathomBackend            *backend,
                                                      const FathomShape        *shape,
                                                      guint                     batch,
                                                      gboolean                  one_hot,
                                                      FathomRng                *rng,
                                                      GError                  **error);

/* Builds the model on backend (parameters, optimiser, inputs and targets
 * uploaded). Errors: out of memory on the device, or a size too small for
 * the model's pools. */
FathomBenchWorkload *fathom_bench_workload_new       (FathomBenchKind           kind,
                                                      FathomBackend            *backend,
                                                      const FathomBenchOptions *options,
                                                      GError                  **error);
void                 fathom_bench_workload_free      (FathomBenchWorkload      *self);
FathomBenchKind      fathom_bench_workload_get_kind  (FathomBenchWorkload      *self);
guint                fathom_bench_workload_get_batch (FathomBenchWorkload      *self);
/* The model (borrowed): its parameters are the ones the steps update. */
FathomGraph         *fathom_bench_workload_get_graph (FathomBenchWorkload      *self);
/* The loss of the last training step; NaN before one, and for inference. */
double               fathom_bench_workload_get_loss  (FathomBenchWorkload      *self);

/* Training steps and inference passes as captured graphs where the
 * backend can (the default; fathom-train-step.h), or always eager. */
void                 fathom_bench_workload_set_graphs (FathomBenchWorkload     *self,
                                                       gboolean                 enabled);

/* One iteration, finished on the device. */
gboolean             fathom_bench_workload_run_once  (FathomBenchWorkload      *self,
                                                      GError                  **error);
/* warmup untimed iterations, then the median of runs (at least 1) timed
 * ones. Where training steps may be captured, the warm-up goes on until
 * the step is (a captured step is what is then timed), or up to 256
 * iterations: a step with batch norm is captured only once its running
 * statistics' momentum stops changing (step 100 with Keras's 0.99). result is filled (clear it with fathom_bench_result_clear). */
gboolean             fathom_bench_workload_measure   (FathomBenchWorkload      *self,
                                                      guint                     warmup,
                                                      guint                     runs,
                                                      FathomBenchResult        *result,
                                                      GError                  **error);

/* Where the time of an iteration goes: @steps more iterations, eager
 * (never a captured graph), each layer timed with the backend waited for
 * before and after (fathom_graph_set_profiling()), as a table by layer
 * type with the whole iteration's mean time; afterwards the workload runs
 * as before. Slower than the iterations measure() times: for finding the
 * slow layers, not for throughput. */
char                *fathom_bench_workload_profile   (FathomBenchWorkload      *self,
                                                      guint                     steps,
                                                      GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomBenchWorkload, fathom_bench_workload_free)

G_END_DECLS
