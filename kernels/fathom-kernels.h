/* fathom-kernels.h: the C ABI of Fathom's CUDA kernels (kernels/ *.cu).
 *
 * Plain C, no GLib: the CUDA backend in compute/ is the only caller.
 *
 * Conventions of every launcher:
 * - Pointers are device pointers unless a comment says otherwise; sizes
 *   are element counts (int64_t, so products past 2^31 are safe).
 * - Work is queued on @stream; nothing waits for it.
 * - The return value is a cudaError_t: 0 (cudaSuccess) when the launch was
 *   accepted, otherwise the error cudaGetLastError() reported. A launcher
 *   with nothing to do (a size of 0) returns 0 without launching.
 * - Outputs are overwritten, as in fathom-ops.h, unless a launcher says it
 *   accumulates. Every launcher handles every size (1, odd, prime): the
 *   kernels are grid-stride loops or check their tail.
 * - The semantics are those of the CPU reference (compute/core/fathom-cpu-*.c),
 *   which is the specification.
 */
#pragma once

#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Activation codes: the values of FathomActivation (checked by the backend). */
enum {
  FATHOM_CUDA_ACT_IDENTITY = 0,
  FATHOM_CUDA_ACT_RELU = 1,
  FATHOM_CUDA_ACT_SIGMOID = 2,
  FATHOM_CUDA_ACT_TANH = 3,
};

/* ---- fathom-cuda-elementwise.cu ---------------------------------------- */

int fathom_cuda_fill_forward       (float *x, int64_t n, float value, cudaStream_t stream);
/* dst and src must not overlap. */
int fathom_cuda_copy_forward       (float *dst, const float *src, int64_t n, cudaStream_t stream);
/* rows x cols block copy between row-major matrices with leading dimensions
 * (in floats); concat and split along axis 1 are this with one row per batch item. */
int fathom_cuda_copy_rows_forward  (float *dst, int64_t dst_ld, const float *src, int64_t src_ld,
                                    int64_t rows, int64_t cols, cudaStream_t stream);
/* x[r, 0..cols) *= beta for rows r; beta 0 writes zeros (NaN does not survive). */
int fathom_cuda_scale_rows_forward (float *x, int64_t ld, int64_t rows, int64_t cols, float beta,
                                    cudaStream_t stream);
/* y += alpha * x */
int fathom_cuda_axpy_forward       (float alpha, const float *x, float *y, int64_t n,
                                    cudaStream_t stream);

/* y = act(x); y may be x. Backward from the output: dx = dy * act'(y). */
int fathom_cuda_activation_forward  (int act, const float *x, float *y, int64_t n,
                                     cudaStream_t stream);
int fathom_cuda_activation_backward (int act, const float *y, const float *dy, float *dx,
                                     int64_t n, cudaStream_t stream);

/* Inverted dropout with the mask of fathom_dropout_keep(): SplitMix64 over
 * (seed, flat index), bit for bit the CPU's. Backward applies the same mask. */
int fathom_cuda_dropout_forward  (float rate, uint64_t seed, const float *x, float *y, int64_t n,
                                  cudaStream_t stream);
int fathom_cuda_dropout_backward (float rate, uint64_t seed, const float *dy, float *dx, int64_t n,
                                  cudaStream_t stream);

/* y = sum of the n_inputs tensors (accumulate: y += that sum). @x is a HOST
 * array of at most FATHOM_CUDA_ADD_MAX_INPUTS device pointers; y may be one
 * of them. */
#define FATHOM_CUDA_ADD_MAX_INPUTS 16
int fathom_cuda_add_forward (unsigned n_inputs, const float *const *x, int accumulate, float *y,
                             int64_t n, cudaStream_t stream);

/* ---- fathom-cuda-attention.cu --------------------------------------------- */

/* y[n,k] = sum_p w[n,p] v[n,k,p] (w [n,p], v [n,k,p], y [n,k]); backward
 * writes dw[n,p] = sum_k dy[n,k] v[n,k,p] and dv[n,k,p] = dy[n,k] w[n,p],
 * each only where not NULL. */
int fathom_cuda_attention_pool_forward  (const float *w, const float *v, float *y, int64_t n, int64_t k,
                                         int64_t p, cudaStream_t stream);
int fathom_cuda_attention_pool_backward (const float *w, const float *v, const float *dy, float *dw,
                                         float *dv, int64_t n, int64_t k, int64_t p, cudaStream_t stream);

/* Of each of the n maps [h, w] in x, the cells within radius (rows and
 * columns) of its first largest, scaled to sum to 1 (unscaled when they
 * sum to 0), and 0 elsewhere, into y (fathom_backend_peak_window_forward). */
int fathom_cuda_peak_window_forward     (const float *x, float *y, int64_t n, int64_t h, int64_t w,
                                         int radius, cudaStream_t stream);

/* Zero padding of planes [h, w] to [h+top+bottom, w+left+right]; backward crops. */
int fathom_cuda_zero_pad_forward  (const float *x, float *y, int64_t planes, int64_t h, int64_t w,
                                   int top, int bottom, int left, int right, cudaStream_t stream);
int fathom_cuda_zero_pad_backward (const float *dy, float *dx, int64_t planes, int64_t h, int64_t w,
                                   int top, int bottom, int left, int right, cudaStream_t stream);

/* ---- fathom-cuda-conv.cu ------------------------------------------------ */

/* Geometry of one sample; padding below/right is implied by oh, ow. */
typedef struct {
  int64_t c, h, w;              /* input plane and channels */
  int64_t oh, ow;               /* output plane */
  int     kh, kw, sh, sw;
  int     pad_top, pad_left;
} FathomCudaConvGeom;

/* col[s] [C*kh*kw, OH*OW] for each of @samples consecutive samples x[s] [C,H,W]. */
int fathom_cuda_im2col_forward  (const FathomCudaConvGeom *g, const float *x, int64_t samples,
                                 float *col, cudaStream_t stream);
/* The adjoint of im2col: dx[s] = sum of the col[s] entries read from each
 * cell. Overwrites dx (a gather, no atomics: the result is deterministic). */
int fathom_cuda_col2im_backward (const FathomCudaConvGeom *g, const float *col, int64_t samples,
                                 float *dx, cudaStream_t stream);
/* y [n, c, s] += bias[c] */
int fathom_cuda_bias_forward    (float *y, const float *bias, int64_t n, int64_t c, int64_t s,
                                 cudaStream_t stream);
/* dbias[c] = sum over n and s of dy [n, c, s] (in double, fixed order). */
int fathom_cuda_bias_backward   (const float *dy, float *dbias, int64_t n, int64_t c, int64_t s,
                                 cudaStream_t stream);

/* ---- fathom-cuda-pool.cu ------------------------------------------------ */

typedef struct {
  int64_t planes;               /* N * C */
  int64_t h, w, oh, ow;
  int     kh, kw, sh, sw;
  int     pad_top, pad_left;
} FathomCudaPoolGeom;

/* Windows are clipped to the input; max takes the first maximum in
 * row-major order, avg divides by the cells left. Backward gathers per
 * input cell in the CPU's order, so no atomics are needed. */
int fathom_cuda_max_pool_forward         (const FathomCudaPoolGeom *g, const float *x, float *y,
                                          cudaStream_t stream);
int fathom_cuda_max_pool_backward        (const FathomCudaPoolGeom *g, const float *x, const float *dy,
                                          float *dx, cudaStream_t stream);
int fathom_cuda_avg_pool_forward         (const FathomCudaPoolGeom *g, const float *x, float *y,
                                          cudaStream_t stream);
int fathom_cuda_avg_pool_backward        (const FathomCudaPoolGeom *g, const float *dy, float *dx,
                                          cudaStream_t stream);
/* x [planes, size] -> y [planes] */
int fathom_cuda_global_avg_pool_forward  (const float *x, float *y, int64_t planes, int64_t size,
                                          cudaStream_t stream);
int fathom_cuda_global_avg_pool_backward (const float *dy, float *dx, int64_t planes, int64_t size,
                                          cudaStream_t stream);

/* ---- fathom-cuda-norm.cu ------------------------------------------------ */

/* Batch norm over axis 1 of x viewed as [n, c, s]. Training: two-pass batch
 * statistics in double, running values updated (unbiased: n/(n-1) on the
 * variance), mean and 1/sqrt(var+eps) saved. Inference: running values used
 * and saved. */
int fathom_cuda_batch_norm_forward  (int training, float eps, float momentum, int unbiased_running_var,
                                     const float *x, const float *gamma, const float *beta,
                                     float *running_mean, float *running_var, float *y,
                                     float *save_mean, float *save_invstd,
                                     int64_t n, int64_t c, int64_t s, cudaStream_t stream);
/* dx, dgamma and dbeta may each be NULL. */
int fathom_cuda_batch_norm_backward (int training, const float *x, const float *gamma,
                                     const float *save_mean, const float *save_invstd,
                                     const float *dy, float *dx, float *dgamma, float *dbeta,
                                     int64_t n, int64_t c, int64_t s, cudaStream_t stream);

/* Through a convolution after the batch norm (fathom_backend_batch_norm_conv_grad):
 * g, w, dw [k, c, taps], s [k, taps]; dw, dgamma, dbeta may each be NULL. */
int fathom_cuda_batch_norm_conv_grad (const float *g, const float *s, const float *w,
                                      const float *gamma, const float *beta,
                                      const float *save_mean, const float *save_invstd,
                                      float *dw, float *dgamma, float *dbeta,
                                      int64_t k, int64_t c, int64_t taps, cudaStream_t stream);

/* ---- fathom-cuda-softmax.cu --------------------------------------------- */

/* Doubles of scratch the reductions below need for their partial sums. */
#define FATHOM_CUDA_REDUCE_PARTIALS 256

/* Softmax over rows of length len. */
int fathom_cuda_softmax_forward  (const float *x, float *y, int64_t rows, int64_t len,
                                  cudaStream_t stream);
int fathom_cuda_softmax_backward (const float *y, const float *dy, float *dx, int64_t rows,
                                  int64_t len, cudaStream_t stream);

/* Softmax cross-entropy of logits [rows, k] against target rows: probs
 * (may be NULL) gets the softmax, row_loss [rows] each row's loss and
 * *total (one device double) their sum; partial is scratch of
 * FATHOM_CUDA_REDUCE_PARTIALS doubles. clip > 0 clips p to [clip, 1-clip]. */
int fathom_cuda_softmax_cross_entropy_forward  (float clip, const float *logits, const float *target,
                                                float *probs, double *row_loss, double *partial,
                                                double *total, int64_t rows, int64_t k,
                                                cudaStream_t stream);
/* dlogits = factor * d(sum of row losses)/d(logits), honouring the clip. */
int fathom_cuda_softmax_cross_entropy_backward (float clip, double factor, const float *probs,
                                                const float *target, float *dlogits,
                                                int64_t rows, int64_t k, cudaStream_t stream);
/* *total = sum of (pred - target)^2, in double. */
int fathom_cuda_mse_forward  (const float *pred, const float *target, int64_t n, double *partial,
                              double *total, cudaStream_t stream);
/* dpred = factor * (pred - target) */
int fathom_cuda_mse_backward (double factor, const float *pred, const float *target, float *dpred,
                              int64_t n, cudaStream_t stream);

/* ---- fathom-cuda-rnn.cu -------------------------------------------------- */

/* The elementwise parts of one time step; the matrix products are cuBLAS
 * calls in the backend. Rows of a step are @ld floats apart ([N,T,H] data
 * read at step t); h-sized vectors of a batch row are contiguous. */

/* z [n rows of h, ld apart] = act(z), in place. */
int fathom_cuda_rnn_step_forward  (int act, float *z, int64_t ld, int64_t n, int64_t h,
                                   cudaStream_t stream);
/* dz = (dy + dnext) * act'(y); dy may be NULL (zeros); dy, y and dz share ld,
 * dnext is [n, h]. */
int fathom_cuda_rnn_step_backward (int act, const float *dy, const float *y, float *dz, int64_t ld,
                                   const float *dnext, int64_t n, int64_t h, cudaStream_t stream);

/* GRU gates g hold the pre-activations of r, u, c in columns [0,h), [h,2h),
 * [2h,3h) of rows ldg apart; hp (the previous state, rows ldh apart) may be
 * NULL for a zero state. */
/* r, u = sigmoid(.) in place; rh [n, h] = r * hp (left alone without hp). */
int fathom_cuda_gru_gates_forward  (float *g, int64_t ldg, const float *hp, int64_t ldh,
                                    float *rh, int64_t n, int64_t h, cudaStream_t stream);
/* c = cand(.) in place; y = u * hp + (1 - u) * c (y rows ldy apart). */
int fathom_cuda_gru_output_forward (int cand, float *g, int64_t ldg, const float *hp, int64_t ldh,
                                    float *y, int64_t ldy, int64_t n, int64_t h, cudaStream_t stream);
/* Through h' = u*h + (1-u)*c: with dh = dy + dnext, writes dz_u, dz_c
 * (columns h.. of dz, rows ldg apart like g) and dnext = dh * u. dy (rows
 * ldy apart) may be NULL. */
int fathom_cuda_gru_blend_backward (int cand, const float *g, int64_t ldg, const float *hp,
                                    int64_t ldh, const float *dy, int64_t ldy, float *dnext,
                                    float *dz, int64_t n, int64_t h, cudaStream_t stream);
/* Through the reset gate, given drh = d(r*h) [n, h]: dz_r (columns 0..h),
 * dnext += drh * r, and rh = r * hp (zeros without hp) for dWhc. */
int fathom_cuda_gru_reset_backward (const float *g, int64_t ldg, const float *hp, int64_t ldh,
                                    const float *drh, float *dz, float *dnext, float *rh,
                                    int64_t n, int64_t h, cudaStream_t stream);

/* ---- fathom-cuda-optim.cu ------------------------------------------------ */

/* Keras SGD: without velocity (momentum 0), p -= lr g; with it,
 * v = mu v - lr g and p += v, or p += mu v - lr g (Nesterov). */
/* @rate, when not NULL, is a device float read in place of lr when the
 * kernel runs (a captured graph's launches then use its current value). */
int fathom_cuda_sgd_update  (float lr, const float *rate, float momentum, int nesterov, float *param,
                             const float *grad, float *velocity, int64_t n, cudaStream_t stream);
/* Keras Adam with the bias corrections folded into lr_t by the caller
 * (or into *rate, read in its place when not NULL). */
int fathom_cuda_adam_update (float lr_t, const float *rate, float beta1, float beta2, float eps,
                             float *param, const float *grad, float *m, float *v, int64_t n,
                             cudaStream_t stream);

#ifdef __cplusplus
}
#endif
