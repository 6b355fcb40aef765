/* fathom-backend-private.h: the vtable a backend fills in.
 *
 * Required slots: name, finalize, alloc, upload, download. Every other slot
 * is optional: a NULL slot makes fathom_backend_supports_op() answer FALSE
 * for its op and a call fail with FATHOM_BACKEND_ERROR_UNSUPPORTED.
 * synchronize may be NULL for backends that run synchronously. A slot is
 * called only after the dispatcher checked the shapes documented in
 * fathom-backend.h, and must leave outputs it does not write untouched.
 */
#pragma once

#include "fathom-backend.h"
#include "fathom-tensor-private.h"

G_BEGIN_DECLS

typedef struct _FathomBackendOps FathomBackendOps;

struct _FathomBackend
{
  gatomicrefcount         ref;
  const FathomBackendOps *ops;
  char                   *name;
  gboolean                graphs_off;   /* fathom_backend_set_graphs (FALSE) */
};

/* A captured graph; a backend's own type starts with this. */
struct _FathomBackendGraph
{
  FathomBackend *backend;       /* owned reference */
  guint          n_losses;
};

struct _FathomBackendOps
{
  void           (*finalize)      (FathomBackend *self);
  FathomStorage *(*alloc)         (FathomBackend *self, gsize bytes, GError **error);
  gboolean       (*upload)        (FathomBackend *self, FathomTensor *dst, const float *src, GError **error);
  gboolean       (*download)      (FathomBackend *self, const FathomTensor *src, float *dst, GError **error);
  gboolean       (*synchronize)   (FathomBackend *self, GError **error);

  gboolean (*fill) (FathomBackend *self, FathomTensor *t, float value, GError **error);
  gboolean (*copy) (FathomBackend *self, FathomTensor *dst, const FathomTensor *src, GError **error);
  gboolean (*axpy) (FathomBackend *self, float alpha, const FathomTensor *x, FathomTensor *y, GError **error);
  gboolean (*gemm) (FathomBackend *self, gboolean trans_a, gboolean trans_b, float alpha,
                    const FathomTensor *a, const FathomTensor *b, float beta, FathomTensor *c, GError **error);

  gboolean (*conv2d_forward)  (FathomBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                               const FathomTensor *w, const FathomTensor *bias, FathomTensor *y, GError **error);
  gboolean (*conv2d_backward) (FathomBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                               const FathomTensor *w, const FathomTensor *dy, FathomTensor *dx,
                               FathomTensor *dw, FathomTensor *dbias, GError **error);
  /* optional: the forward pass with the residual z (or NULL) and the
   * activation fused, where it can; *done FALSE (and nothing run) where
   * it cannot, and the backend does the steps itself */
  gboolean (*conv2d_forward_act) (FathomBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                                  const FathomTensor *w, const FathomTensor *bias, const FathomTensor *z,
                                  FathomActivation act, FathomTensor *y, gboolean *done, GError **error);

  gboolean (*zero_pad_forward)  (FathomBackend *self, const FathomPad2d *pad, const FathomTensor *x,
                                 FathomTensor *y, GError **error);
  gboolean (*zero_pad_backward) (FathomBackend *self, const FathomPad2d *pad, const FathomTensor *dy,
                                 FathomTensor *dx, GError **error);

  gboolean (*max_pool_forward)  (FathomBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                                 FathomTensor *y, GError **error);
  gboolean (*max_pool_backward) (FathomBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                                 const FathomTensor *dy, FathomTensor *dx, GError **error);
  gboolean (*avg_pool_forward)  (FathomBackend *self, const FathomConvWindow *win, const FathomTensor *x,
                                 FathomTensor *y, GError **error);
  gboolean (*avg_pool_backward) (FathomBackend *self, const FathomConvWindow *win, const FathomTensor *dy,
                                 FathomTensor *dx, GError **error);
  gboolean (*global_avg_pool_forward)  (FathomBackend *self, const FathomTensor *x, FathomTensor *y,
                                        GError **error);
  gboolean (*global_avg_pool_backward) (FathomBackend *self, const FathomTensor *dy, FathomTensor *dx,
                                        GError **error);

  gboolean (*dense_forward)  (FathomBackend *self, const FathomTensor *x, const FathomTensor *w,
                              const FathomTensor *bias, FathomTensor *y, GError **error);
  gboolean (*dense_backward) (FathomBackend *self, const FathomTensor *x, const FathomTensor *w,
                              const FathomTensor *dy, FathomTensor *dx, FathomTensor *dw,
                              FathomTensor *dbias, GError **error);

  gboolean (*batch_norm_forward)  (FathomBackend *self, const FathomBatchNormDesc *desc,
                                   const FathomTensor *x, const FathomTensor *gamma, const FathomTensor *beta,
                                   FathomTensor *running_mean, FathomTensor *running_var, FathomTensor *y,
                                   FathomTensor *save_mean, FathomTensor *save_invstd, GError **error);
  gboolean (*batch_norm_backward) (FathomBackend *self, const FathomBatchNormDesc *desc,
                                   const FathomTensor *x, const FathomTensor *gamma,
                                   const FathomTensor *save_mean, const FathomTensor *save_invstd,
                                   const FathomTensor *dy, FathomTensor *dx, FathomTensor *dgamma,
                                   FathomTensor *dbeta, GError **error);

  gboolean (*batch_norm_conv_grad) (FathomBackend *self, const FathomTensor *g, const FathomTensor *s,
                                    const FathomTensor *w, const FathomTensor *gamma, const FathomTensor *beta,
                                    const FathomTensor *save_mean, const FathomTensor *save_invstd,
                                    FathomTensor *dw, FathomTensor *dgamma, FathomTensor *dbeta,
                                    GError **error);

  gboolean (*activation_forward)  (FathomBackend *self, FathomActivation act, const FathomTensor *x,
                                   FathomTensor *y, GError **error);
  gboolean (*activation_backward) (FathomBackend *self, FathomActivation act, const FathomTensor *y,
                                   const FathomTensor *dy, FathomTensor *dx, GError **error);
  gboolean (*softmax_forward)  (FathomBackend *self, const FathomTensor *x, FathomTensor *y, GError **error);
  gboolean (*softmax_backward) (FathomBackend *self, const FathomTensor *y, const FathomTensor *dy,
                                FathomTensor *dx, GError **error);
  gboolean (*dropout_forward)  (FathomBackend *self, const FathomDropoutDesc *desc, const FathomTensor *x,
                                FathomTensor *y, GError **error);
  gboolean (*dropout_backward) (FathomBackend *self, const FathomDropoutDesc *desc, const FathomTensor *dy,
                                FathomTensor *dx, GError **error);
  gboolean (*concat_forward)  (FathomBackend *self, guint n, const FathomTensor *const *x, FathomTensor *y,
                               GError **error);
  gboolean (*concat_backward) (FathomBackend *self, guint n, const FathomTensor *dy, FathomTensor *const *dx,
                               GError **error);
  gboolean (*attention_pool_forward)  (FathomBackend *self, const FathomTensor *weights,
                                       const FathomTensor *values, FathomTensor *y, GError **error);
  gboolean (*attention_pool_backward) (FathomBackend *self, const FathomTensor *weights,
                                       const FathomTensor *values, const FathomTensor *dy,
                                       FathomTensor *dweights, FathomTensor *dvalues, GError **error);
  gboolean (*peak_window_forward) (FathomBackend *self, const FathomTensor *weights, gint64 height,
                                   gint64 width, int radius, FathomTensor *y, GError **error);
  gboolean (*add_forward)     (FathomBackend *self, guint n, const FathomTensor *const *x, FathomTensor *y,
                               GError **error);

  gboolean (*rnn_forward)  (FathomBackend *self, const FathomRnnDesc *desc, const FathomTensor *x,
                            const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                            const FathomTensor *bias, FathomTensor *y, GError **error);
  gboolean (*rnn_backward) (FathomBackend *self, const FathomRnnDesc *desc, const FathomTensor *x,
                            const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                            const FathomTensor *y, const FathomTensor *dy, FathomTensor *dx,
                            FathomTensor *dh0, FathomTensor *dwx, FathomTensor *dwh, FathomTensor *dbias,
                            GError **error);
  gboolean (*gru_forward)  (FathomBackend *self, const FathomGruDesc *desc, const FathomTensor *x,
                            const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                            const FathomTensor *bias, FathomTensor *y, FathomTensor *gates, GError **error);
  gboolean (*gru_backward) (FathomBackend *self, const FathomGruDesc *desc, const FathomTensor *x,
                            const FathomTensor *h0, const FathomTensor *wx, const FathomTensor *wh,
                            const FathomTensor *y, const FathomTensor *gates, const FathomTensor *dy,
                            FathomTensor *dx, FathomTensor *dh0, FathomTensor *dwx, FathomTensor *dwh,
                            FathomTensor *dbias, GError **error);

  gboolean (*softmax_cross_entropy_forward)  (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                              const FathomTensor *logits, const FathomTensor *target,
                                              FathomTensor *probs, float *loss, GError **error);
  gboolean (*softmax_cross_entropy_backward) (FathomBackend *self, const FathomCrossEntropyDesc *desc,
                                              const FathomTensor *probs, const FathomTensor *target,
                                              float scale, FathomTensor *dlogits, GError **error);
  gboolean (*mse_forward)  (FathomBackend *self, const FathomTensor *pred, const FathomTensor *target,
                            float *loss, GError **error);
  gboolean (*mse_backward) (FathomBackend *self, const FathomTensor *pred, const FathomTensor *target,
                            float scale, FathomTensor *dpred, GError **error);

  gboolean (*sgd_update)  (FathomBackend *self, const FathomSgdDesc *desc, FathomTensor *param,
                           const FathomTensor *grad, FathomTensor *velocity, GError **error);
  gboolean (*adam_update) (FathomBackend *self, const FathomAdamDesc *desc, FathomTensor *param,
                           const FathomTensor *grad, FathomTensor *m, FathomTensor *v, GError **error);

  /* Captured graphs (fathom-backend.h); all four or none. graphs_reason
   * says why none may be captured now (NULL: they may). */
  const char         *(*graphs_reason) (FathomBackend *self);
  gboolean            (*capture_begin) (FathomBackend *self, GError **error);
  FathomBackendGraph *(*capture_end)   (FathomBackend *self, gboolean keep, GError **error);
  gboolean            (*graph_launch)  (FathomBackendGraph *graph, float *losses, GError **error);
  void                (*graph_free)    (FathomBackendGraph *graph);
};

/* For backend constructors: sets up the common part. */
void fathom_backend_init (FathomBackend          *self,
                          const FathomBackendOps *ops,
                          const char             *name);

G_END_DECLS
