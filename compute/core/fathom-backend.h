/* fathom-backend.h: the compute backend interface.
 *
 * A backend owns memory and runs ops. Every op call checks shapes, then
 * dispatches through the backend's vtable; an op the backend lacks fails with
 * FATHOM_BACKEND_ERROR_UNSUPPORTED (ask first with
 * fathom_backend_supports_op()). Tensors passed to a backend must have been
 * allocated by it (fathom_backend_new_tensor()); on the CPU any host tensor
 * will do. A backend is used from one thread at a time.
 */
#pragma once

#include <glib.h>

#include "fathom-ops.h"
#include "fathom-tensor.h"

G_BEGIN_DECLS

#define FATHOM_BACKEND_ERROR (fathom_backend_error_quark ())

typedef enum {
  FATHOM_BACKEND_ERROR_UNSUPPORTED,
  FATHOM_BACKEND_ERROR_SHAPE,
  FATHOM_BACKEND_ERROR_OUT_OF_MEMORY,
  FATHOM_BACKEND_ERROR_NO_DEVICE,
  FATHOM_BACKEND_ERROR_LAUNCH,
  FATHOM_BACKEND_ERROR_NUMERIC,
} FathomBackendError;

GQuark          fathom_backend_error_quark      (void);

FathomBackend  *fathom_backend_ref              (FathomBackend       *self);
void            fathom_backend_unref            (FathomBackend       *self);
const char     *fathom_backend_get_name         (FathomBackend       *self);
gboolean        fathom_backend_supports_op      (FathomBackend       *self,
                                                 FathomOp             op);

/* Memory. New tensors are zero-filled. */
FathomTensor   *fathom_backend_new_tensor       (FathomBackend       *self,
                                                 guint                ndim,
                                                 const gint64        *shape,
                                                 GError             **error);
FathomTensor   *fathom_backend_new_tensor_like  (FathomBackend       *self,
                                                 const FathomTensor  *other,
                                                 GError             **error);
gboolean        fathom_backend_upload           (FathomBackend       *self,
                                                 FathomTensor        *dst,
                                                 const float         *src,
                                                 GError             **error);
gboolean        fathom_backend_download         (FathomBackend       *self,
                                                 const FathomTensor  *src,
                                                 float               *dst,
                                                 GError             **error);
gboolean        fathom_backend_synchronize      (FathomBackend       *self,
                                                 GError             **error);

/* Elementwise helpers. */
gboolean fathom_backend_fill      (FathomBackend *self, FathomTensor *t, float value, GError **error);
gboolean fathom_backend_copy      (FathomBackend *self, FathomTensor *dst, const FathomTensor *src, GError **error);
/* y += alpha * x */
gboolean fathom_backend_axpy      (FathomBackend *self, float alpha, const FathomTensor *x, FathomTensor *y, GError **error);
/* c = alpha * op(a) * op(b) + beta * c on 2-D tensors. */
gboolean fathom_backend_gemm      (FathomBackend *self, gboolean trans_a, gboolean trans_b, float alpha,
                                   const FathomTensor *a, const FathomTensor *b, float beta,
                                   FathomTensor *c, GError **error);

/* conv2d: x [N,C,H,W], w [O,C,kh,kw], bias [O] or NULL, y [N,O,OH,OW]. */
gboolean fathom_backend_conv2d_forward  (FathomBackend *self, const FathomConvWindow *win,
                                         const FathomTensor *x, const FathomTensor *w,
                                         const FathomTensor *bias, FathomTensor *y, GError **error);
gboolean fathom_backend_conv2d_backward (FathomBackend *self, const FathomConvWindow *win,
                                         const FathomTensor *x, const FathomTensor *w,
                                         const FathomTensor *dy, FathomTensor *dx,
                                         FathomTensor *dw, FathomTensor *dbias, GError **error);
/* y = act (conv2d (x, w) + bias + z): the forward pass, the optional
 * residual z (y's shape: ResNet's shortcut) added, and then
 * fathom_backend_activation_forward() on y in place, as one call where
 * the backend can fuse them (CUDA on cuDNN: ReLU with a bias, with or
 * without z, one pass over y instead of three or four). z must not be y.
 * The backward pass of the unfused layers is conv2d_backward after
 * activation_backward, which needs only y. */
gboolean fathom_backend_conv2d_forward_act (FathomBackend *self, const FathomConvWindow *win,
                                            const FathomTensor *x, const FathomTensor *w,
                                            const FathomTensor *bias, const FathomTensor *z,
                                            FathomActivation act, FathomTensor *y, GError **error);

/* zero padding: y [N,C,H+top+bottom,W+left+right]. */
gboolean fathom_backend_zero_pad_forward  (FathomBackend *self, const FathomPad2d *pad,
                                           const FathomTensor *x, FathomTensor *y, GError **error);
gboolean fathom_backend_zero_pad_backward (FathomBackend *self, const FathomPad2d *pad,
                                           const FathomTensor *dy, FathomTensor *dx, GError **error);

/* max pool; padded cells never win. Backward sends each output's gradient
 * to the first maximum of its window (recomputed from x). */
gboolean fathom_backend_max_pool_forward  (FathomBackend *self, const FathomConvWindow *win,
                                           const FathomTensor *x, FathomTensor *y, GError **error);
gboolean fathom_backend_max_pool_backward (FathomBackend *self, const FathomConvWindow *win,
                                           const FathomTensor *x, const FathomTensor *dy,
                                           FathomTensor *dx, GError **error);

/* average pool; padded cells are not counted (Keras/TF "same"). */
gboolean fathom_backend_avg_pool_forward  (FathomBackend *self, const FathomConvWindow *win,
                                           const FathomTensor *x, FathomTensor *y, GError **error);
gboolean fathom_backend_avg_pool_backward (FathomBackend *self, const FathomConvWindow *win,
                                           const FathomTensor *dy, FathomTensor *dx, GError **error);

/* global average pool: x [N,C,H,W] -> y [N,C]. */
gboolean fathom_backend_global_avg_pool_forward  (FathomBackend *self, const FathomTensor *x,
                                                  FathomTensor *y, GError **error);
gboolean fathom_backend_global_avg_pool_backward (FathomBackend *self, const FathomTensor *dy,
                                                  FathomTensor *dx, GError **error);

/* dense: x [N,D], w [M,D], bias [M] or NULL, y [N,M]. */
gboolean fathom_backend_dense_forward  (FathomBackend *self, const FathomTensor *x, const FathomTensor *w,
                                        const FathomTensor *bias, FathomTensor *y, GError **error);
gboolean fathom_backend_dense_backward (FathomBackend *self, const FathomTensor *x, const FathomTensor *w,
                                        const FathomTensor *dy, FathomTensor *dx, FathomTensor *dw,
                                        FathomTensor *dbias, GError **error);

/* batch norm over axis 1 of x [N,C] or [N,C,H,W]; gamma, beta, running_*,
 * save_* are [C]. Training: batch statistics, running values updated, the
 * batch mean and 1/sqrt(var+eps) saved. Inference: running values used and
 * saved. Backward uses whichever statistics the forward saved. */
gboolean fathom_backend_batch_norm_forward  (FathomBackend *self, const FathomBatchNormDesc *desc,
                                             const FathomTensor *x, const FathomTensor *gamma,
                                             const FathomTensor *beta, FathomTensor *running_mean,
                                             FathomTensor *running_var, FathomTensor *y,
                                             FathomTensor *save_mean, FathomTensor *save_invstd,
                                             GError **error);
gboolean fathom_backend_batch_norm_backward (FathomBackend *self, const FathomBatchNormDesc *desc,
                                             const FathomTensor *x, const FathomTensor *gamma,
                                             const FathomTensor *save_mean, const FathomTensor *save_invstd,
                                             const FathomTensor *dy, FathomTensor *dx,
                                             FathomTensor *dgamma, FathomTensor *dbeta, GError **error);

/* The gradients of a convolution after a batch norm in training whose own
 * input x needs none (the first layers of a head on cached features):
 * with a = gamma * invstd and b = beta - a * mean, the batch norm's output
 * is a x + b, so the convolution's filter gradient is a g + b s, where g
 * [K,C,kh,kw] is its filter gradient taken on x itself and s [K,1,kh,kw]
 * on a plane of ones (each tap's sum of the output gradient over the
 * cells it reaches); and the batch norm's, through the convolution,
 *   dgamma_c = invstd_c sum_{k,tap} w (g - mean_c s),  dbeta_c = sum_{k,tap} w s,
 * without the convolution's gradient for its input (a whole backward-data
 * pass) or the batch norm's backward. w, dw: [K,C,kh,kw]; gamma, beta,
 * save_mean, save_invstd (the forward's batch statistics), dgamma, dbeta:
 * [C]. Any of dw, dgamma, dbeta may be NULL. */
gboolean fathom_backend_batch_norm_conv_grad (FathomBackend *self, const FathomTensor *g, const FathomTensor *s,
                                              const FathomTensor *w, const FathomTensor *gamma,
                                              const FathomTensor *beta, const FathomTensor *save_mean,
                                              const FathomTensor *save_invstd, FathomTensor *dw,
                                              FathomTensor *dgamma, FathomTensor *dbeta, GError **error);

/* activation, elementwise; backward needs only the output y. y may be x. */
gboolean fathom_backend_activation_forward  (FathomBackend *self, FathomActivation act,
                                             const FathomTensor *x, FathomTensor *y, GError **error);
gboolean fathom_backend_activation_backward (FathomBackend *self, FathomActivation act,
                                             const FathomTensor *y, const FathomTensor *dy,
                                             FathomTensor *dx, GError **error);

/* softmax over the last axis. */
gboolean fathom_backend_softmax_forward  (FathomBackend *self, const FathomTensor *x,
                                          FathomTensor *y, GError **error);
gboolean fathom_backend_softmax_backward (FathomBackend *self, const FathomTensor *y,
                                          const FathomTensor *dy, FathomTensor *dx, GError **error);

/* inverted dropout, training only; the mask comes from fathom_dropout_keep(). */
gboolean fathom_backend_dropout_forward  (FathomBackend *self, const FathomDropoutDesc *desc,
                                          const FathomTensor *x, FathomTensor *y, GError **error);
gboolean fathom_backend_dropout_backward (FathomBackend *self, const FathomDropoutDesc *desc,
                                          const FathomTensor *dy, FathomTensor *dx, GError **error);

/* concatenation along axis 1 (channels); x[i] [N,Ci,...] -> y [N,sum Ci,...].
 * Backward: every dx[i] must be given, since the parts' channel counts
 * place one another (the graph gives scratch for parts it does not need). */
gboolean fathom_backend_concat_forward  (FathomBackend *self, guint n, const FathomTensor *const *x,
                                         FathomTensor *y, GError **error);
gboolean fathom_backend_concat_backward (FathomBackend *self, guint n, const FathomTensor *dy,
                                         FathomTensor *const *dx, GError **error);

/* Attention pooling: each sample's values averaged with its weights,
 * y[n,k] = sum_p weights[n,p] * values[n,k,p]. weights [N, ...] holds P
 * numbers a sample (e.g. a softmax over the cells of a map), values
 * [N, K, ...] K maps of P cells, y [N, K]. Backward writes
 * dweights[n,p] = sum_k dy[n,k] values[n,k,p] and dvalues[n,k,p] =
 * dy[n,k] weights[n,p], each only where given. */
gboolean fathom_backend_attention_pool_forward  (FathomBackend *self, const FathomTensor *weights,
                                                 const FathomTensor *values, FathomTensor *y,
                                                 GError **error);
gboolean fathom_backend_attention_pool_backward (FathomBackend *self, const FathomTensor *weights,
                                                 const FathomTensor *values, const FathomTensor *dy,
                                                 FathomTensor *dweights, FathomTensor *dvalues,
                                                 GError **error);

/* The weights near each sample's peak: weights [N, ...] holds a map of
 * height x width numbers a sample (row-major, e.g. a softmax over its
 * cells). y, of the same shape, keeps the weights within radius cells (in
 * rows and in columns) of the sample's largest one (the first, on a tie)
 * scaled to sum to 1, and is 0 elsewhere; a sample whose kept weights sum
 * to 0 keeps them as they are. The sums are in double. An attention
 * reader that averages over the whole map puts its answer between two
 * likely places; this one answers at the likelier. No backward: the
 * window moves in jumps (fathom-peak-window-layer.c uses it only to
 * predict). */
gboolean fathom_backend_peak_window_forward     (FathomBackend *self, const FathomTensor *weights,
                                                 gint64 height, gint64 width, int radius,
                                                 FathomTensor *y, GError **error);

/* elementwise sum of n same-shaped tensors (backward is a copy of dy). */
gboolean fathom_backend_add_forward     (FathomBackend *self, guint n, const FathomTensor *const *x,
                                         FathomTensor *y, GError **error);

/* simple recurrent layer over a sequence, every step returned:
 * h_t = act(x_t Wx^T + h_{t-1} Wh^T + bias); x [N,T,D], h0 [N,H] or NULL
 * (zeros), wx [H,D], wh [H,H], bias [H] or NULL, y [N,T,H]. */
gboolean fathom_backend_rnn_forward  (FathomBackend *self, const FathomRnnDesc *desc,
                                      const FathomTensor *x, const FathomTensor *h0,
                                      const FathomTensor *wx, const FathomTensor *wh,
                                      const FathomTensor *bias, FathomTensor *y, GError **error);
gboolean fathom_backend_rnn_backward (FathomBackend *self, const FathomRnnDesc *desc,
                                      const FathomTensor *x, const FathomTensor *h0,
                                      const FathomTensor *wx, const FathomTensor *wh,
                                      const FathomTensor *y, const FathomTensor *dy,
                                      FathomTensor *dx, FathomTensor *dh0, FathomTensor *dwx,
                                      FathomTensor *dwh, FathomTensor *dbias, GError **error);

/* GRU (reset before the matrix product, as Keras and the lesson):
 *   r = sigmoid(x Wxr^T + h Whr^T + br), u = sigmoid(x Wxu^T + h Whu^T + bu)
 *   c = act(x Wxc^T + (r*h) Whc^T + bc), h' = u*h + (1-u)*c
 * wx [3H,D] and wh [3H,H] stack the rows of r, u, c; bias [3H] or NULL;
 * gates [N,T,3H] saves r, u, c for the backward pass. */
gboolean fathom_backend_gru_forward  (FathomBackend *self, const FathomGruDesc *desc,
                                      const FathomTensor *x, const FathomTensor *h0,
                                      const FathomTensor *wx, const FathomTensor *wh,
                                      const FathomTensor *bias, FathomTensor *y,
                                      FathomTensor *gates, GError **error);
gboolean fathom_backend_gru_backward (FathomBackend *self, const FathomGruDesc *desc,
                                      const FathomTensor *x, const FathomTensor *h0,
                                      const FathomTensor *wx, const FathomTensor *wh,
                                      const FathomTensor *y, const FathomTensor *gates,
                                      const FathomTensor *dy, FathomTensor *dx, FathomTensor *dh0,
                                      FathomTensor *dwx, FathomTensor *dwh, FathomTensor *dbias,
                                      GError **error);

/* softmax cross-entropy over the last axis of logits; target holds a
 * probability row per logits row (one-hot for classes). The loss is the mean
 * over rows; probs receives the softmax. Backward writes
 * dlogits = scale * d(loss)/d(logits), honouring the clip. */
gboolean fathom_backend_softmax_cross_entropy_forward  (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                                        const FathomTensor *logits, const FathomTensor *target,
                                                        FathomTensor *probs, float *loss, GError **error);
gboolean fathom_backend_softmax_cross_entropy_backward (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                                        const FathomTensor *probs, const FathomTensor *target,
                                                        float scale, FathomTensor *dlogits, GError **error);

/* mean squared error over all elements. */
gboolean fathom_backend_mse_forward  (FathomBackend *self, const FathomTensor *pred,
                                      const FathomTensor *target, float *loss, GError **error);
gboolean fathom_backend_mse_backward (FathomBackend *self, const FathomTensor *pred,
                                      const FathomTensor *target, float scale,
                                      FathomTensor *dpred, GError **error);

/* optimiser updates, in place. velocity may be NULL when momentum is 0. */
gboolean fathom_backend_sgd_update  (FathomBackend *self, const FathomSgdDesc *desc,
                                     FathomTensor *param, const FathomTensor *grad,
                                     FathomTensor *velocity, GError **error);
gboolean fathom_backend_adam_update (FathomBackend *self, const FathomAdamDesc *desc,
                                     FathomTensor *param, const FathomTensor *grad,
                                     FathomTensor *m, FathomTensor *v, GError **error);

/* ---- captured graphs ---------------------------------------------------------
 *
 * A backend that can (CUDA) records the work queued between capture_begin
 * and capture_end as one graph instead of running it, and launches it
 * later as often as wanted: the same kernels on the same addresses, with
 * one launch instead of hundreds. Scratch the captured ops allocate stays
 * reserved for the graph until it is freed. While capturing, nothing may
 * wait for the device or read from it (upload, download, synchronize fail),
 * and an op whose arguments would have to change from one launch to the
 * next refuses (dropout's mask; an optimiser update without its step size
 * on the device): the error says which, and capture_end (keep FALSE)
 * then throws the capture away. A loss computed while capturing returns
 * NaN; each launch brings the captured losses back, in order.
 * FathomTrainStep uses all this for a whole training step. */
typedef struct _FathomBackendGraph FathomBackendGraph;

/* On by default where the backend can capture, unless the environment
 * has FATHOM_CUDA_GRAPHS=0. */
void                fathom_backend_set_graphs        (FathomBackend       *self,
                                                      gboolean             enabled);
/* TRUE when graphs may be captured here; otherwise @reason (may be NULL)
 * says why not ("the cpu backend does not capture graphs", "turned off
 * (FATHOM_CUDA_GRAPHS=0)"). */
gboolean            fathom_backend_get_graphs        (FathomBackend       *self,
                                                      const char         **reason);
gboolean            fathom_backend_capture_begin     (FathomBackend       *self,
                                                      GError             **error);
/* Ends the capture begun; with @keep the graph (NULL with an error if it
 * cannot be made), without it nothing (the capture is thrown away). */
FathomBackendGraph *fathom_backend_capture_end       (FathomBackend       *self,
                                                      gboolean             keep,
                                                      GError             **error);
/* Runs the graph once and waits for it; @losses gets the n_losses losses
 * computed while capturing (may be NULL when there are none). */
gboolean            fathom_backend_graph_launch      (FathomBackendGraph  *graph,
                                                      float               *losses,
                                                      GError             **error);
guint               fathom_backend_graph_get_n_losses (FathomBackendGraph *graph);
void                fathom_backend_graph_free        (FathomBackendGraph  *graph);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomBackendGraph, fathom_backend_graph_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomBackend, fathom_backend_unref)

G_END_DECLS
