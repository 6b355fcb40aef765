/* fathom-ops.h: descriptors of the numeric ops every backend implements.
 *
 * Conventions for every op (CPU reference, CPU fast path, CUDA):
 * - float32, row-major, NCHW for images, [N, T, D] for sequences,
 *   weights as [out, in, ...] (PyTorch order).
 * - Outputs are overwritten, never accumulated into. A gradient output that
 *   is NULL is not wanted and is not computed.
 * - Shapes are checked by the dispatcher (fathom-backend.c) before a slot is
 *   called, so a slot may trust them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FATHOM_OP_FILL,
  FATHOM_OP_COPY,
  FATHOM_OP_AXPY,
  FATHOM_OP_GEMM,
  FATHOM_OP_CONV2D,
  FATHOM_OP_ZERO_PAD,
  FATHOM_OP_MAX_POOL,
  FATHOM_OP_AVG_POOL,
  FATHOM_OP_GLOBAL_AVG_POOL,
  FATHOM_OP_DENSE,
  FATHOM_OP_BATCH_NORM,
  FATHOM_OP_BATCH_NORM_CONV_GRAD,
  FATHOM_OP_ACTIVATION,
  FATHOM_OP_SOFTMAX,
  FATHOM_OP_DROPOUT,
  FATHOM_OP_CONCAT,
  FATHOM_OP_ADD,
  FATHOM_OP_ATTENTION_POOL,
  FATHOM_OP_PEAK_WINDOW,
  FATHOM_OP_RNN,
  FATHOM_OP_GRU,
  FATHOM_OP_SOFTMAX_CROSS_ENTROPY,
  FATHOM_OP_MSE,
  FATHOM_OP_SGD,
  FATHOM_OP_ADAM,
  FATHOM_N_OPS
} FathomOp;

const char *fathom_op_get_name (FathomOp op);

typedef enum {
  FATHOM_PADDING_VALID,
  FATHOM_PADDING_SAME,          /* Keras/TF: out = ceil(in / stride), extra pad at the end */
} FathomPadding;

/* Explicit padding and window geometry shared by conv and pooling. */
typedef struct {
  int kh, kw;                   /* window */
  int sh, sw;                   /* stride */
  int pad_top, pad_bottom;
  int pad_left, pad_right;
} FathomConvWindow;

/* Fills the pads of @win for @padding on an input of in_h x in_w and
 * returns the output size. FALSE when the output would be empty. */
gboolean fathom_conv_window_resolve (FathomConvWindow *win,
                                     FathomPadding     padding,
                                     gint64            in_h,
                                     gint64            in_w,
                                     gint64           *out_h,
                                     gint64           *out_w);

typedef struct {
  int top, bottom, left, right;
} FathomPad2d;

typedef enum {
  FATHOM_ACTIVATION_IDENTITY,
  FATHOM_ACTIVATION_RELU,
  FATHOM_ACTIVATION_SIGMOID,
  FATHOM_ACTIVATION_TANH,
} FathomActivation;

const char *fathom_activation_get_name (FathomActivation act);

typedef struct {
  float    eps;                 /* Keras 1e-3, PyTorch 1e-5 */
  float    momentum;            /* running = momentum * running + (1 - momentum) * batch; Keras 0.99 */
  gboolean training;            /* batch statistics and running updates when TRUE */
  gboolean unbiased_running_var;/* PyTorch updates the running variance with n/(n-1); Keras does not */
} FathomBatchNormDesc;

FathomBatchNormDesc fathom_batch_norm_desc_keras (void);
FathomBatchNormDesc fathom_batch_norm_desc_torch (void);

typedef struct {
  float   rate;                 /* fraction dropped; kept values are scaled by 1/(1-rate) */
  guint64 seed;                 /* with the element index, decides the mask (counter based) */
} FathomDropoutDesc;

/* Keep decision for element @index under @desc: the same on every backend. */
gboolean fathom_dropout_keep (const FathomDropoutDesc *desc,
                              guint64                  index);

typedef struct {
  FathomActivation activation;  /* RELU (lesson) or TANH */
} FathomRnnDesc;

typedef struct {
  FathomActivation candidate;   /* TANH (standard), RELU or SIGMOID (the notebook) */
} FathomGruDesc;

typedef struct {
  /* 0 for none; Keras clips probabilities to [clip, 1 - clip] with 1e-7. */
  float clip;
} FathomCrossEntropyDesc;

typedef struct _FathomTensor FathomTensor;

/* The optimisers' step size may come from the device rather than the
 * desc: with @rate set, the update reads element @rate_index of that
 * tensor (of the backend doing the update) when it runs, which for SGD is
 * the learning rate and for Adam the learning rate with both bias
 * corrections (fathom_adam_step_size()). A training step captured as a
 * CUDA graph is replayed with the values of each launch that way (see
 * FathomOptimizer). NULL: lr (and step) of the desc, as given. */
typedef struct {
  float lr;
  float momentum;               /* 0 for plain SGD */
  gboolean nesterov;
  const FathomTensor *rate;     /* optional */
  gsize rate_index;
} FathomSgdDesc;

typedef struct {
  float lr;
  float beta1, beta2, eps;      /* Keras 0.9, 0.999, 1e-8 */
  gint64 step;                  /* 1 for the first update */
  const FathomTensor *rate;     /* optional */
  gsize rate_index;
} FathomAdamDesc;

/* Keras folds both bias corrections into the step size, computed in
 * double: lr * sqrt(1 - beta2^t) / (1 - beta1^t). Every backend uses this
 * one function, so that a step size computed ahead agrees bit for bit. */
float fathom_adam_step_size (const FathomAdamDesc *desc);

G_END_DECLS
