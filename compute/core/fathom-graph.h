/* fathom-graph.h: a model as a directed acyclic graph of layers.
 *
 * Nodes are added in topological order (a layer's inputs must exist), so
 * the order of addition is the forward order. A graph has named inputs
 * (conv features, a metadata vector, ...) and named outputs, each with its
 * loss and weight; the training loss is the weighted sum. A cross-entropy
 * output must be a softmax layer: its loss is computed fused with the
 * softmax on the logits, as every serious framework does.
 */
#pragma once

#include <glib.h>

#include "fathom-backend.h"
#include "fathom-layer.h"

G_BEGIN_DECLS

typedef struct _FathomGraph FathomGraph;

typedef enum {
  FATHOM_LOSS_NONE,
  FATHOM_LOSS_CROSS_ENTROPY,    /* softmax cross-entropy, mean over rows */
  FATHOM_LOSS_MSE,              /* mean squared error over all elements */
} FathomLoss;

typedef struct {
  char        *name;            /* "dense_1.kernel" */
  FathomLayer *layer;           /* borrowed */
  FathomParam *param;           /* borrowed */
} FathomGraphParam;

FathomGraph   *fathom_graph_new               (void);
void           fathom_graph_free              (FathomGraph         *self);

/* Shapes leave out the batch axis. Return the node id. */
int            fathom_graph_add_input         (FathomGraph         *self,
                                               const char          *name,
                                               const FathomShape   *shape);
/* Takes ownership of layer; name NULL picks "<prefix>_<n>" as Keras does. */
int            fathom_graph_add               (FathomGraph         *self,
                                               FathomLayer         *layer,
                                               const char          *name,
                                               guint                n_inputs,
                                               const int           *inputs);
#define FATHOM_GRAPH_ADD(graph, layer, ...) \
  fathom_graph_add (graph, layer, NULL, G_N_ELEMENTS (((int[]) { __VA_ARGS__ })), (int[]) { __VA_ARGS__ })
#define FATHOM_GRAPH_ADD_NAMED(graph, name, layer, ...) \
  fathom_graph_add (graph, layer, name, G_N_ELEMENTS (((int[]) { __VA_ARGS__ })), (int[]) { __VA_ARGS__ })

gboolean       fathom_graph_add_output        (FathomGraph         *self,
                                               const char          *name,
                                               int                  node,
                                               FathomLoss           loss,
                                               float                weight,
                                               GError             **error);
/* Keras clips probabilities to [clip, 1 - clip] (1e-7) in cross-entropy;
 * 0, the default, is the exact loss. */
void           fathom_graph_set_cross_entropy_clip (FathomGraph    *self,
                                                    float           clip);

/* Infers every node's shape; errors name the layer. */
gboolean       fathom_graph_infer_shapes      (FathomGraph         *self,
                                               GError             **error);
/* Infers shapes and creates the parameters on backend, initialised from seed. */
gboolean       fathom_graph_build             (FathomGraph         *self,
                                               FathomBackend       *backend,
                                               guint64              seed,
                                               GError             **error);
FathomBackend *fathom_graph_get_backend       (FathomGraph         *self);

guint              fathom_graph_get_n_inputs      (FathomGraph *self);
const char        *fathom_graph_get_input_name    (FathomGraph *self, guint i);
const FathomShape *fathom_graph_get_input_shape   (FathomGraph *self, guint i);
guint              fathom_graph_get_n_outputs     (FathomGraph *self);
const char        *fathom_graph_get_output_name   (FathomGraph *self, guint i);
/* The index of the named input or output, or -1. */
int                fathom_graph_find_input        (FathomGraph *self, const char *name);
int                fathom_graph_find_output       (FathomGraph *self, const char *name);
const FathomShape *fathom_graph_get_output_shape  (FathomGraph *self, guint i);
FathomLoss         fathom_graph_get_output_loss   (FathomGraph *self, guint i);
float              fathom_graph_get_output_weight (FathomGraph *self, guint i);
void               fathom_graph_set_output_weight (FathomGraph *self, guint i, float weight);
FathomLayer       *fathom_graph_find_layer        (FathomGraph *self, const char *name);
/* The layers in forward order (borrowed). */
GPtrArray         *fathom_graph_get_layers        (FathomGraph *self);

/* Runs the graph on backend tensors with a batch axis, one per input. */
gboolean       fathom_graph_forward           (FathomGraph         *self,
                                               FathomTensor *const *inputs,
                                               gboolean             training,
                                               GError             **error);
/* Dropout masks come from (seed, step); every forward advances the step.
 * The trainer sets it to the training step so a resumed run draws the
 * same masks as an uninterrupted one. */
void           fathom_graph_set_step          (FathomGraph         *self,
                                               guint64              step);
guint64        fathom_graph_get_step          (FathomGraph         *self);
/* The calls that follow are captured for replay (FathomTrainStep): the
 * layers are told (FathomLayerIo.captured). */
void           fathom_graph_set_captured      (FathomGraph         *self,
                                               gboolean             captured);
/* The seed of the masks; the build seed until set (the trainer sets its
 * own, so a model restored from a checkpoint draws the same masks). */
void           fathom_graph_set_dropout_seed  (FathomGraph         *self,
                                               guint64              seed);
/* The output tensors of the last forward (borrowed, backend memory). */
FathomTensor  *fathom_graph_get_output        (FathomGraph         *self,
                                               guint                i);
/* The output of any named layer after the last forward (class maps). */
FathomTensor  *fathom_graph_get_node_output   (FathomGraph         *self,
                                               const char          *layer_name);

/* Losses of the last forward against targets (one per output; NULL for an
 * output without loss). losses gets each output's unweighted loss. */
gboolean       fathom_graph_compute_loss      (FathomGraph         *self,
                                               FathomTensor *const *targets,
                                               float               *losses,
                                               float               *total,
                                               GError             **error);
/* Gradients of the weighted total loss of the last compute_loss. */
gboolean       fathom_graph_backward          (FathomGraph         *self,
                                               GError             **error);

/* Every tensor the last forward, compute_loss and backward read or wrote
 * and kept (node outputs, gradients and their scratch, parameters, their
 * gradients, loss targets), added to @out with a reference each: what a
 * captured training step uses, to be kept alive and compared. */
void           fathom_graph_collect_tensors   (FathomGraph         *self,
                                               GPtrArray           *out);

/* Every parameter and state tensor, named "layer.param" (borrowed). */
GPtrArray     *fathom_graph_get_params        (FathomGraph         *self);
gsize          fathom_graph_count_params      (FathomGraph         *self,
                                               gboolean             trainable_only);
/* A Keras-like table: layer (type), output shape, parameters, inputs. */
char          *fathom_graph_summary           (FathomGraph         *self);

/* Batch norms folded into the convolutions before them, for inference:
 * where a Conv2D without an activation of its own is read only by a
 * BatchNormalization, an inference forward runs the pair as one
 * convolution with folded weights and bias (w * s and
 * (b - mean) * s + beta, s = gamma / sqrt (var + eps)), and with it, in
 * the one call (fathom_backend_conv2d_forward_act): a ZeroPadding2D read
 * only by the convolution (its padding joins the window), an Add of the
 * batch norm and an earlier node (ResNet's shortcut, added before the
 * activation), and the ReLU of an Activation layer that is the only
 * reader of the batch norm or of that add; and a ZeroPadding2D of a ReLU's
 * output read only by a MaxPooling2D joins the pool's window. Equal to
 * the unfolded forward up to float rounding (for finite values). The
 * inner outputs of a folded run (the paddings', the Conv2D's, the batch
 * norm's and the add's where a later node of the chain holds the result)
 * are then not computed, so
 * fathom_graph_get_node_output() of them is undefined: for feature
 * extraction, not for class maps. Training forwards never fold. Off by
 * default; set after fathom_graph_build(). */
void           fathom_graph_set_fold_batch_norm (FathomGraph       *self,
                                                 gboolean           enabled);
gboolean       fathom_graph_get_fold_batch_norm (FathomGraph       *self);

/* Training: a Conv2D whose input is a batch norm's output alone, the batch
 * norm normalising a batch of an input that needs no gradient (cached
 * features, as the lesson's heads begin), takes the batch norm's backward
 * into its own (fathom_conv2d_layer_backward_through_batch_norm()): no
 * gradient for the convolution's input and no batch norm backward, the
 * same gradients up to float rounding. On by default; off, for tests. */
void           fathom_graph_set_fold_batch_norm_backward (FathomGraph *self,
                                                          gboolean     enabled);
/* How many such pairs the last fathom_graph_backward() folded. */
guint          fathom_graph_get_n_backward_folds         (FathomGraph *self);

/* Where a step's time goes. With profiling on, every layer's forward and
 * backward waits for the backend before and after (so the time is the
 * device's, launches included, and nothing overlaps) and adds its time to
 * the layer; turning it on clears what was gathered. Much slower than a
 * normal step on a GPU, and it cannot be captured in a graph: for
 * `fathom-cli bench --profile`, not for training. */
void           fathom_graph_set_profiling     (FathomGraph         *self,
                                               gboolean             enabled);
/* The times gathered, by layer type, per step over @steps steps: type,
 * layers, forward and backward ms, share of @step_ms (the whole step's
 * time, loss and optimiser included; 0 for the layers' sum), then the
 * five slowest layers by name. */
char          *fathom_graph_format_profile    (FathomGraph         *self,
                                               guint                steps,
                                               double               step_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomGraph, fathom_graph_free)

G_END_DECLS
