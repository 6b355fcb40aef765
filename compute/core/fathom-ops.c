/* fathom-ops.c: op names and the shared geometry of windows and masks. */
#include "fathom-ops.h"

#include <math.h>

static const char *const op_names[FATHOM_N_OPS] = {
  [FATHOM_OP_FILL] = "fill",
  [FATHOM_OP_COPY] = "copy",
  [FATHOM_OP_AXPY] = "axpy",
  [FATHOM_OP_GEMM] = "gemm",
  [FATHOM_OP_CONV2D] = "conv2d",
  [FATHOM_OP_ZERO_PAD] = "zero_pad",
  [FATHOM_OP_MAX_POOL] = "max_pool",
  [FATHOM_OP_AVG_POOL] = "avg_pool",
  [FATHOM_OP_GLOBAL_AVG_POOL] = "global_avg_pool",
  [FATHOM_OP_DENSE] = "dense",
  [FATHOM_OP_BATCH_NORM] = "batch_norm",
  [FATHOM_OP_BATCH_NORM_CONV_GRAD] = "batch_norm_conv_grad",
  [FATHOM_OP_ACTIVATION] = "activation",
  [FATHOM_OP_SOFTMAX] = "softmax",
  [FATHOM_OP_DROPOUT] = "dropout",
  [FATHOM_OP_CONCAT] = "concat",
  [FATHOM_OP_ATTENTION_POOL] = "attention_pool",
  [FATHOM_OP_PEAK_WINDOW] = "peak_window",
  [FATHOM_OP_ADD] = "add",
  [FATHOM_OP_RNN] = "rnn",
  [FATHOM_OP_GRU] = "gru",
  [FATHOM_OP_SOFTMAX_CROSS_ENTROPY] = "softmax_cross_entropy",
  [FATHOM_OP_MSE] = "mse",
  [FATHOM_OP_SGD] = "sgd",
  [FATHOM_OP_ADAM] = "adam",
};

const char *
fathom_op_get_name (FathomOp op)
{
  g_return_val_if_fail (op < FATHOM_N_OPS, "unknown");
  return op_names[op];
}

const char *
fathom_activation_get_name (FathomActivation act)
{
  switch (act)
    {
    case FATHOM_ACTIVATION_IDENTITY: return "linear";
    case FATHOM_ACTIVATION_RELU: return "relu";
    case FATHOM_ACTIVATION_SIGMOID: return "sigmoid";
    case FATHOM_ACTIVATION_TANH: return "tanh";
    default: return "unknown";
    }
}

static gint64
resolve_axis (gint64 in, int k, int s, FathomPadding padding, int *before, int *after)
{
  gint64 out, total;

  if (padding == FATHOM_PADDING_VALID)
    {
      *before = *after = 0;
      return in >= k ? (in - k) / s + 1 : 0;
    }
  /* TensorFlow's rule, which Keras uses: the odd pixel goes at the end. */
  out = (in + s - 1) / s;
  total = MAX ((out - 1) * s + k - in, 0);
  *before = (int) (total / 2);
  *after = (int) (total - total / 2);
  return out;
}

gboolean
fathom_conv_window_resolve (FathomConvWindow  *win,
                       FathomPadding  padding,
                       gint64         in_h,
                       gint64         in_w,
                       gint64        *out_h,
                       gint64        *out_w)
{
  g_return_val_if_fail (win->kh > 0 && win->kw > 0 && win->sh > 0 && win->sw > 0, FALSE);
  *out_h = resolve_axis (in_h, win->kh, win->sh, padding, &win->pad_top, &win->pad_bottom);
  *out_w = resolve_axis (in_w, win->kw, win->sw, padding, &win->pad_left, &win->pad_right);
  return *out_h > 0 && *out_w > 0;
}

FathomBatchNormDesc
fathom_batch_norm_desc_keras (void)
{
  return (FathomBatchNormDesc) { .eps = 1e-3f, .momentum = 0.99f, .training = TRUE,
                                 .unbiased_running_var = FALSE };
}

FathomBatchNormDesc
fathom_batch_norm_desc_torch (void)
{
  return (FathomBatchNormDesc) { .eps = 1e-5f, .momentum = 0.9f, .training = TRUE,
                                 .unbiased_running_var = TRUE };
}

/* SplitMix64 finaliser over (seed, index): a counter-based mask that any
 * backend reproduces without sharing state. */
gboolean
fathom_dropout_keep (const FathomDropoutDesc *desc, guint64 index)
{
  guint64 z = desc->seed + (index + 1) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  double u;

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  z ^= z >> 31;
  u = (double) (z >> 11) * (1.0 / 9007199254740992.0);
  return u >= desc->rate;
}

float
fathom_adam_step_size (const FathomAdamDesc *desc)
{
  const double t = (double) desc->step;

  return (float) (desc->lr * sqrt (1.0 - pow (desc->beta2, t)) / (1.0 - pow (desc->beta1, t)));
}
