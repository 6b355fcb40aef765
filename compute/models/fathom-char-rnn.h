/* fathom-char-rnn.h: the lesson's character RNN written from scratch.
 *
 * The point of the lesson is to see every derivative, so this model does
 * not use the engine's layers, backends or BLAS: plain C loops in double
 * precision, one sequence at a time.
 *
 *   pre_h[t] = x[t].Wx + h[t-1].Wh + bh     x[t] one-hot (a row of Wx)
 *   h[t]     = relu (pre_h[t])              h[-1] = 0
 *   p[t]     = softmax (h[t].Wy + by)
 *   loss     = sum over t of cross-entropy (p[t], y[t])
 *
 * Wx [V, H] and Wy [H, V] start Normal(0, sqrt(2 / V)) as LESSON7.md gives,
 * Wh [H, H] the identity, the biases zero (the Theano version had them).
 * Training is plain SGD, one sequence per update. Backpropagation through
 * time is written out by hand in fathom-char-rnn.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- the lesson's helper functions, each with its derivative ------------ */

double fathom_char_rnn_sigmoid   (double x);
double fathom_char_rnn_sigmoid_d (double x);
double fathom_char_rnn_relu      (double x);
double fathom_char_rnn_relu_d    (double x);
/* Squared distance sum (a - b)^2; its gradient in a is 2 (a - b). */
double fathom_char_rnn_dist      (const double *a, const double *b, gsize n);
void   fathom_char_rnn_dist_d    (const double *a, const double *b, gsize n, double *grad);
/* Cross-entropy -sum t log p; its gradient in p is -t / p. */
double fathom_char_rnn_x_entropy   (const double *pred, const double *target, gsize n);
void   fathom_char_rnn_x_entropy_d (const double *pred, const double *target, gsize n,
                                    double *grad);
void   fathom_char_rnn_softmax   (const double *x, gsize n, double *p);
/* The softmax's Jacobian J[i][j] = dp_i/dx_j = p_i (delta_ij - p_j), [n, n]. */
void   fathom_char_rnn_softmax_d (const double *x, gsize n, double *jacobian);

/* ---- the model ----------------------------------------------------------- */

typedef enum {
  FATHOM_CHAR_RNN_WX,
  FATHOM_CHAR_RNN_WH,
  FATHOM_CHAR_RNN_WY,
  FATHOM_CHAR_RNN_BH,
  FATHOM_CHAR_RNN_BY,
  FATHOM_CHAR_RNN_N_PARAMS,
} FathomCharRnnParam;

typedef struct _FathomCharRnn FathomCharRnn;

FathomCharRnn *fathom_char_rnn_new        (guint           vocab,
                                           guint           hidden,
                                           guint64         seed);
void           fathom_char_rnn_free       (FathomCharRnn  *self);
guint          fathom_char_rnn_get_vocab  (FathomCharRnn  *self);
guint          fathom_char_rnn_get_hidden (FathomCharRnn  *self);

/* "wx", "wh", "wy", "bh", "by". */
const char    *fathom_char_rnn_param_name (FathomCharRnnParam which);
/* The parameter's values (or gradients after backward), row-major; shape
 * gets 1 or 2 dims and the return value is ndim. */
double        *fathom_char_rnn_get_param  (FathomCharRnn  *self,
                                           FathomCharRnnParam which,
                                           gint64          shape[2],
                                           guint          *ndim);
double        *fathom_char_rnn_get_grad   (FathomCharRnn  *self,
                                           FathomCharRnnParam which);

/* Runs the steps from a zero state and keeps what backward needs. Returns
 * the summed cross-entropy against y (0 when y is NULL). Indices must be
 * below the vocabulary size. */
double         fathom_char_rnn_forward    (FathomCharRnn  *self,
                                           const gint32   *x,
                                           const gint32   *y,
                                           guint           steps);
/* Probabilities of the last step of the last forward ([vocab], borrowed). */
const double  *fathom_char_rnn_get_probs  (FathomCharRnn  *self);
/* Gradients of the last forward's summed loss (overwritten, not added). */
void           fathom_char_rnn_backward   (FathomCharRnn  *self,
                                           const gint32   *x,
                                           const gint32   *y,
                                           guint           steps);
/* p -= lr * grad for every parameter. When clip > 0 the gradient is first
 * scaled so that its global L2 norm is at most clip; returns that norm. */
double         fathom_char_rnn_sgd        (FathomCharRnn  *self,
                                           double          lr,
                                           double          clip);
/* forward, backward and sgd on one sequence; returns its summed loss. */
double         fathom_char_rnn_train_step (FathomCharRnn  *self,
                                           const gint32   *x,
                                           const gint32   *y,
                                           guint           steps,
                                           double          lr,
                                           double          clip);

/* Safetensors (float32) with wx, wh, wy, bh, by; metadata may be NULL. */
gboolean       fathom_char_rnn_save       (FathomCharRnn  *self,
                                           const char     *path,
                                           GHashTable     *metadata,
                                           GError        **error);
FathomCharRnn *fathom_char_rnn_load       (const char     *path,
                                           GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomCharRnn, fathom_char_rnn_free)

G_END_DECLS
