/* fathom-test-util.h: helpers shared by the test programs.
 *
 * Gradient checks compare an op's analytic backward pass with central
 * finite differences of L = sum(R * forward(...)) for a random R, on the
 * REFERENCE and the FAST CPU paths alike.
 */
#pragma once

#include <glib.h>

#include "fathom-backend.h"
#include "fathom-cpu-backend.h"
#include "fathom-graph.h"
#include "fathom-rng.h"

G_BEGIN_DECLS

/* A tensor of the given shape filled uniformly in [low, high). */
FathomTensor *fathom_test_uniform (FathomRng    *rng,
                                   guint         ndim,
                                   const gint64 *shape,
                                   float         low,
                                   float         high);
#define FATHOM_TEST_UNIFORM(rng, low, high, ...) \
  fathom_test_uniform (rng, G_N_ELEMENTS (((gint64[]) { __VA_ARGS__ })), (gint64[]) { __VA_ARGS__ }, low, high)

/* Deletes a file or a folder with everything in it (links are removed,
 * not followed). */
void fathom_test_remove_tree (const char *path);

/* Asserts |got - want| <= atol + rtol * |want| elementwise; names the first
 * offending index on failure. */
void fathom_test_assert_close (const FathomTensor *got,
                               const FathomTensor *want,
                               float               atol,
                               float               rtol,
                               const char         *what);

/* Asserts a tensor equals the given values (same tolerance rule). */
void fathom_test_assert_values (const FathomTensor *got,
                                const float        *want,
                                gsize               n,
                                float               atol,
                                const char         *what);

/* Runs the op forward into out (already allocated) from the current values. */
typedef void (*FathomTestForward)  (gpointer            ctx,
                                    FathomTensor       *out);
/* Runs the op backward with dout and writes the gradients the check reads. */
typedef void (*FathomTestBackward) (gpointer            ctx,
                                    const FathomTensor *dout);

typedef struct {
  const char   *name;           /* for messages */
  FathomTensor *value;          /* perturbed in place, restored */
  FathomTensor *grad;           /* analytic gradient after backward */
} FathomTestGradTarget;

/* Checks up to max_points elements of every target (all when fewer).
 * Returns the largest |analytic - numeric| seen. */
double fathom_test_gradcheck (const char                 *name,
                              FathomTensor               *out,
                              FathomTestForward           forward,
                              FathomTestBackward          backward,
                              gpointer                    ctx,
                              const FathomTestGradTarget *targets,
                              guint                       n_targets,
                              guint                       max_points,
                              float                       eps,
                              float                       atol,
                              float                       rtol);

/* Three blobs in the plane, one a class: @x [n, 2] points, @t [n, 3]
 * one-hot targets (new tensors), drawn from @seed. */
void fathom_test_blobs (gint64         n,
                        guint64        seed,
                        FathomTensor **x,
                        FathomTensor **t);
/* A small classifier built on @backend with @seed: Dense(@hidden, relu),
 * Dense(@classes), a softmax "class" with cross-entropy, on @n_in
 * features (fathom_graph_free it). */
FathomGraph *fathom_test_mlp (FathomBackend *backend,
                              gint64         n_in,
                              gint64         hidden,
                              gint64         classes,
                              guint64        seed);

/* Convolutions and batch norms, for folding (fathom-graph-fold.c), on
 * [3, 9, 11] inputs, built with @seed:
 * - pad (1 on every side) -> conv1 (3x3 valid, bias) -> bn1 -> relu1:
 *   one folded call, the padding in its window;
 * - conv2 (1x1, no bias) -> bn2, "sum" with relu1, -> relu2: one call,
 *   relu1 the residual;
 * - relu2 -> pool_pad (1) -> mpool (3x3/2, a side branch): the padding
 *   in the pool's window;
 * - conv4 (1x1, bias) -> bn4, "sum2" with relu2, no ReLU: one call;
 * - conv5 -> bn5 and conv6 (its own ReLU), "sum3" of the two: folded
 *   into bn5, but conv6 comes after conv5, so sum3 is computed apart;
 * - conv3 (3x3/2, its own ReLU) -> bn3 (not foldable) -> global average
 *   pool, the output "features".
 * The batch norms' statistics and the biases are drawn far from their
 * defaults, so that folding them shows. */
FathomGraph *fathom_test_conv_bn_model (FathomBackend *backend,
                                        guint64        seed);
/* The nodes of fathom_test_conv_bn_model() that hold each chain's result
 * when folded (relu1, relu2, mpool, sum2, sum3 and the output's pool),
 * NULL-terminated. */
extern const char *const fathom_test_conv_bn_results[];

/* The lesson heads' start, small: input "features" [6, 9, 10] -> "bn"
 * (batch norm) -> "conv" (3x3 same, 5 filters, ReLU, bias, frozen when
 * asked) -> global average pool -> Dense 4 -> softmax "class" with
 * cross-entropy; the pair a training backward folds
 * (fathom_graph_set_fold_batch_norm_backward()). */
FathomGraph *fathom_test_bn_conv_model (FathomBackend *backend,
                                        gboolean       frozen_conv);
/* A batch of 7 for it: ReLU-like features in [0, 2.5) (as a backbone's
 * are) from seed, and one-hot labels cycling through the 4 classes. */
void         fathom_test_bn_conv_batch (guint64        seed,
                                        FathomTensor **x,
                                        FathomTensor **labels);

/* Every batch norm's scale, shift and running statistics and every bias
 * of a built graph drawn away from their defaults (gamma and
 * running_var in [0.5, 1.5), the others in [-0.3, 0.3)), so that no layer
 * is an identity; on any backend. */
void         fathom_test_randomise_state (FathomGraph   *graph,
                                          FathomRng     *rng);

/* A lesson head (fathom_head_new()) on features of `channels` channels,
 * passed as user_data to fathom_test_head_new(), a
 * FathomDenseMapsHeadFunc. */
typedef struct {
  const char *experiment;
  gint64      channels;
} FathomTestHead;

FathomGraph *fathom_test_head_new        (gint64         height,
                                          gint64         width,
                                          gpointer       head,
                                          GError       **error);
/* The same on height x width features, built on backend (seed 3), its
 * state drawn with fathom_test_randomise_state(). */
FathomGraph *fathom_test_head_build      (FathomBackend        *backend,
                                          const FathomTestHead *head,
                                          gint64                height,
                                          gint64                width,
                                          FathomRng            *rng);

/* Both CPU paths, for tests that loop over them. */
extern const FathomCpuPath fathom_test_paths[2];
const char *fathom_test_path_name (FathomCpuPath path);

G_END_DECLS
