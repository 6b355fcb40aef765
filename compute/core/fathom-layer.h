/* fathom-layer.h: the layer catalogue's common part.
 *
 * A layer owns its parameters (trainable tensors with gradients) and its
 * state (batch normalisation's running values: saved in checkpoints, never
 * trained, not counted as parameters). Shapes given to and returned by a
 * layer leave out the batch axis. Layers are created free-standing and
 * handed to a FathomGraph, which names them, builds them on a backend and
 * drives forward and backward.
 */
#pragma once

#include <glib.h>

#include "fathom-backend.h"
#include "fathom-rng.h"

G_BEGIN_DECLS

typedef struct _FathomLayer FathomLayer;
typedef struct _FathomLayerClass FathomLayerClass;

typedef struct {
  guint  ndim;
  gint64 d[FATHOM_MAX_DIMS];
} FathomShape;

#define FATHOM_SHAPE(...) \
  ((FathomShape) { G_N_ELEMENTS (((gint64[]) { __VA_ARGS__ })), { __VA_ARGS__ } })

gsize  fathom_shape_get_numel (const FathomShape *shape);
char  *fathom_shape_to_string (const FathomShape *shape);   /* "(None, 512, 7, 7)" */

typedef struct {
  char         *name;           /* "kernel", "bias", "gamma", "running_mean", ... */
  FathomTensor *value;
  FathomTensor *grad;           /* NULL for state */
  gboolean      is_state;
} FathomParam;

/* What forward and backward see. x, y and dy have the batch axis. */
typedef struct {
  guint          n_inputs;
  FathomTensor **x;
  FathomTensor  *y;
  FathomTensor  *dy;            /* backward only */
  FathomTensor **dx;            /* backward only; an entry is NULL when not wanted */
  gboolean       training;
  guint64        seed;          /* fresh per step, for dropout */
  guint64        step;          /* the graph's step, 1 at its first forward (fathom_graph_set_step) */
  /* The call is being captured as a graph to be replayed at later steps
   * (fathom_graph_set_captured): a layer whose arguments still depend on
   * step must refuse (FATHOM_BACKEND_ERROR_UNSUPPORTED, saying why). */
  gboolean       captured;
} FathomLayerIo;

struct _FathomLayerClass
{
  const char *type_name;        /* as Keras prints it: "Conv2D" */
  const char *name_prefix;      /* for automatic names: "conv2d" */
  guint       min_inputs, max_inputs;
  gboolean    backward_needs_all_dx;    /* every dx given, wanted or not */

  void     (*finalize)    (FathomLayer *self);
  gboolean (*infer_shape) (FathomLayer *self, guint n_inputs, const FathomShape *in,
                           FathomShape *out, GError **error);
  /* Creates parameters and state on the backend, initialised from rng. */
  gboolean (*build)       (FathomLayer *self, FathomBackend *backend, const FathomShape *in,
                           FathomRng *rng, GError **error);
  gboolean (*forward)     (FathomLayer *self, FathomBackend *backend, FathomLayerIo *io,
                           GError **error);
  /* Writes dx (where wanted) and, unless frozen, the parameter gradients. */
  gboolean (*backward)    (FathomLayer *self, FathomBackend *backend, FathomLayerIo *io,
                           GError **error);
};

struct _FathomLayer
{
  const FathomLayerClass *klass;
  char                   *name;
  gboolean                frozen;
  float                   lr_scale; /* the optimiser's rate times this; 1 by default */
  GPtrArray              *params;   /* FathomParam*, owned, parameters and state */
};

FathomLayer       *fathom_layer_alloc          (const FathomLayerClass *klass,
                                                gsize                   instance_size);
void               fathom_layer_free           (FathomLayer            *self);
const char        *fathom_layer_get_name       (FathomLayer            *self);
void               fathom_layer_set_name       (FathomLayer            *self,
                                                const char             *name);
const char        *fathom_layer_get_type_name  (FathomLayer            *self);
void               fathom_layer_set_frozen     (FathomLayer            *self,
                                                gboolean                frozen);
gboolean           fathom_layer_get_frozen     (FathomLayer            *self);
/* A factor on the optimiser's rate for this layer's parameters. With Adam,
 * whose steps do not depend on the gradient's scale, scaling a layer's
 * rate by s is the same as training s times its output from weights of
 * 1/s the size: how an output in large units (pixels) learns at the pace
 * of the unit-scale layers before it. */
void               fathom_layer_set_lr_scale   (FathomLayer            *self,
                                                float                   scale);
float              fathom_layer_get_lr_scale   (FathomLayer            *self);
/* Parameters (not state) counted, trainable or frozen. */
gsize              fathom_layer_count_params   (FathomLayer            *self);
FathomParam       *fathom_layer_find_param     (FathomLayer            *self,
                                                const char             *name);

/* For layer implementations: adds a parameter (with a gradient tensor) or
 * a state tensor, allocated on the backend and filled from host data (or
 * zeros when init is NULL). */
FathomParam       *fathom_layer_add_param      (FathomLayer            *self,
                                                FathomBackend          *backend,
                                                const char             *name,
                                                const FathomTensor     *init,
                                                guint                   ndim,
                                                const gint64           *shape,
                                                gboolean                is_state,
                                                GError                **error);
/* Keras's glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)). */
FathomTensor      *fathom_layer_glorot_uniform (FathomRng              *rng,
                                                guint                   ndim,
                                                const gint64           *shape,
                                                gint64                  fan_in,
                                                gint64                  fan_out);
/* Reallocates *t on the backend when its shape differs from shape. */
gboolean           fathom_layer_ensure_tensor  (FathomBackend          *backend,
                                                FathomTensor          **t,
                                                guint                   ndim,
                                                const gint64           *shape,
                                                GError                **error);
gboolean           fathom_layer_ensure_like    (FathomBackend          *backend,
                                                FathomTensor          **t,
                                                const FathomTensor     *like,
                                                GError                **error);
/* The value of parameter index, or NULL past the end (an absent bias). */
FathomTensor      *fathom_layer_value          (FathomLayer            *self,
                                                guint                   index);
/* The gradient tensor of a parameter, or NULL when the layer is frozen. */
FathomTensor      *fathom_layer_grad           (FathomLayer            *self,
                                                guint                   index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomLayer, fathom_layer_free)

/* The catalogue. Every constructor returns a new free-standing layer. */
FathomLayer *fathom_conv2d_layer_new          (gint64 filters, int kh, int kw, int sh, int sw,
                                               FathomPadding padding, FathomActivation activation,
                                               gboolean use_bias);
FathomLayer *fathom_zero_pad_layer_new        (int top, int bottom, int left, int right);
FathomLayer *fathom_max_pool_layer_new        (int kh, int kw, int sh, int sw, FathomPadding padding);
FathomLayer *fathom_avg_pool_layer_new        (int kh, int kw, int sh, int sw, FathomPadding padding);
FathomLayer *fathom_global_avg_pool_layer_new (void);
FathomLayer *fathom_dense_layer_new           (gint64 units, FathomActivation activation, gboolean use_bias);
/* Training updates the running mean and variance with desc's momentum, but
 * for the first 1 / (1 - momentum) training steps (the graph's step t) with
 * min (momentum, 1 - 1/t): their plain mean so far. Keras 1 blended from
 * zero mean and unit variance instead, which with few batches (a small
 * dataset, Keras's 0.99) leaves the inference statistics far from the
 * data's; the warm-up gives the same values once t passes 1/(1 - momentum). */
FathomLayer *fathom_batch_norm_layer_new      (const FathomBatchNormDesc *desc);
FathomLayer *fathom_activation_layer_new      (FathomActivation activation);
FathomLayer *fathom_softmax_layer_new         (void);
/* What folding a batch norm into a convolution (fathom-graph-fold.c)
 * needs of a layer: a Conv2D's window, activation and whether it has a
 * bias; a BatchNormalization's description; an Activation layer's
 * function; a ZeroPadding2D's padding; whether it is an Add; a
 * MaxPooling2D's window. FALSE for a layer of another type. */
gboolean     fathom_conv2d_layer_describe     (FathomLayer *self, FathomConvWindow *win,
                                               FathomActivation *activation, gboolean *use_bias);
gboolean     fathom_batch_norm_layer_get_desc (FathomLayer *self, FathomBatchNormDesc *desc);
/* A BatchNormalization whose last forward normalised with the batch's
 * statistics (training, not frozen): those, as saved for its backward. */
gboolean     fathom_batch_norm_layer_get_batch_stats (FathomLayer *self, FathomTensor **mean,
                                                      FathomTensor **invstd);
/* A Conv2D's backward when its input is bn's output, bn normalising with
 * the batch's statistics an input bn_x that needs no gradient: the
 * convolution's and bn's parameter gradients at once, through
 * fathom_backend_batch_norm_conv_grad(), without a gradient for the
 * convolution's input or a backward of bn (fathom_graph_backward() folds
 * such pairs). io is the convolution's; its dx is not written. */
gboolean     fathom_conv2d_layer_backward_through_batch_norm (FathomLayer *self, FathomLayer *bn,
                                                              FathomBackend *backend, FathomLayerIo *io,
                                                              const FathomTensor *bn_x, GError **error);
gboolean     fathom_activation_layer_get_activation (FathomLayer *self, FathomActivation *activation);
gboolean     fathom_zero_pad_layer_get_pad    (FathomLayer *self, FathomPad2d *pad);
/* A MaxPooling2D's window, its padding resolved by the graph's build. */
gboolean     fathom_max_pool_layer_describe   (FathomLayer *self, FathomConvWindow *win);
gboolean     fathom_layer_is_add              (FathomLayer *self);
/* TRUE for layers from fathom_softmax_layer_new(). */
gboolean     fathom_layer_is_softmax          (FathomLayer *self);
FathomLayer *fathom_dropout_layer_new         (float rate);
FathomLayer *fathom_concat_layer_new          (void);
FathomLayer *fathom_add_layer_new             (void);
/* Two inputs, weights (P a sample) and values ([K, ...] of P cells): the
 * values averaged with the weights, [K] (see fathom-attention-pool-layer.c). */
FathomLayer *fathom_attention_pool_layer_new  (void);
/* A map of height x width weights a sample, passed on while training and
 * narrowed to the cells within radius of its peak (then summing to 1)
 * when predicting (see fathom-peak-window-layer.c). */
FathomLayer *fathom_peak_window_layer_new     (gint64 height, gint64 width, int radius);
FathomLayer *fathom_flatten_layer_new         (void);
/* Its input, unchanged; no gradient flows back through it (a second
 * output reading a part of the model without training it). */
FathomLayer *fathom_stop_gradient_layer_new   (void);

typedef enum {
  FATHOM_RECURRENT_INIT_GLOROT,     /* Keras's kernel default */
  FATHOM_RECURRENT_INIT_ORTHOGONAL, /* Keras's recurrent default */
  FATHOM_RECURRENT_INIT_IDENTITY,   /* the lesson's choice for relu RNNs */
} FathomRecurrentInit;

/* Fills the h x h block of rows [row, row + h) of host tensor t ([*, h]). */
void         fathom_layer_fill_recurrent      (FathomTensor *t, gint64 row, gint64 h,
                                               FathomRecurrentInit init, FathomRng *rng);

FathomLayer *fathom_rnn_layer_new             (gint64 units, FathomActivation activation,
                                               FathomRecurrentInit recurrent_init);
FathomLayer *fathom_gru_layer_new             (gint64 units, FathomActivation candidate,
                                               FathomRecurrentInit recurrent_init);

G_END_DECLS
