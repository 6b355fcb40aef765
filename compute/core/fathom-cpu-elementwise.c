/* fathom-cpu-elementwise.c: activations, softmax, dropout, concat and add.
 *
 * Every element (or softmax row, or concat batch item) is computed by the
 * same code on both paths; the FAST path only splits large tensors over the
 * thread pool, so results never depend on the thread count. The one
 * exception, the FAST path's vector loops for the activations, makes the
 * same selections and the same float operations in the same order as the
 * scalar loops, so its results are identical bit for bit.
 */
#include "fathom-cpu-backend-private.h"
#include "fathom-cpu-vector-private.h"

#include <math.h>
#include <string.h>

/* Below this many floats a tensor is done on the calling thread. */
#define PARALLEL_MIN_ELEMENTS 32768

/* Runs func over [0, n) inline on the REFERENCE path or for small work
 * (work counted in floats), threaded otherwise. */
static void
run_range (FathomCpuBackend *self, gint64 n, gint64 work,
           FathomCpuRangeFunc func, gpointer data)
{
  if (n <= 0)
    return;
  if (self->path == FATHOM_CPU_PATH_REFERENCE || work < PARALLEL_MIN_ELEMENTS)
    func (0, n, 0, data);
  else
    fathom_cpu_parallel_for (self, n, func, data);
}

/* ---- activations ---------------------------------------------------------- */

typedef struct {
  FathomActivation act;
  const float *x, *dy;
  float *y, *dx;
  gboolean vector;              /* the FAST path: vector loops where there are some */
} ActivationArgs;

/* Sixteen floats a step in four vectors; x and y (dy and dx) may be one
 * buffer, as a step reads all of its floats before it writes any. At -O2
 * GCC leaves the scalar loops scalar (the buffers may overlap), and the
 * ReLUs of a convolution stack are large enough for that to matter. */
#define VEC_STEP 16

/* y = x < 0 ? 0 : x as a mask: a NaN compares false and passes, as in
 * the scalar loop; -0 passes as -0. Returns where the scalar tail starts. */
static gint64
relu_forward_vec (const float *x, float *y, gint64 begin, gint64 end)
{
  gint64 i;

  for (i = begin; i + VEC_STEP <= end; i += VEC_STEP)
    {
      v4sf v[4];

      for (int j = 0; j < 4; j++)
        v[j] = load4 (x + i + 4 * j);
      for (int j = 0; j < 4; j++)
        store4 (y + i + 4 * j, relu4 (v[j]));
    }
  return i;
}

/* dx = y > 0 ? dy : 0 as a mask (a NaN y gives 0, as in the scalar loop). */
static gint64
relu_backward_vec (const float *y, const float *dy, float *dx, gint64 begin, gint64 end)
{
  const v4sf zero = { 0.f, 0.f, 0.f, 0.f };
  gint64 i;

  for (i = begin; i + VEC_STEP <= end; i += VEC_STEP)
    {
      v4sf m[4], d[4];

      for (int j = 0; j < 4; j++)
        {
          m[j] = load4 (y + i + 4 * j);
          d[j] = load4 (dy + i + 4 * j);
        }
      for (int j = 0; j < 4; j++)
        store4 (dx + i + 4 * j, (v4sf) ((v4si) d[j] & (v4si) (m[j] > zero)));
    }
  return i;
}

/* dx = dy * y * (1 - y) (sigmoid), or dx = dy * (1 - y * y) (tanh), in
 * the scalar loops' order of operations. */
static gint64
squashing_backward_vec (gboolean is_tanh, const float *y, const float *dy, float *dx, gint64 begin, gint64 end)
{
  gint64 i;

  for (i = begin; i + VEC_STEP <= end; i += VEC_STEP)
    {
      v4sf v[4], d[4];

      for (int j = 0; j < 4; j++)
        {
          v[j] = load4 (y + i + 4 * j);
          d[j] = load4 (dy + i + 4 * j);
        }
      for (int j = 0; j < 4; j++)
        store4 (dx + i + 4 * j, is_tanh ? d[j] * (1.f - v[j] * v[j]) : d[j] * v[j] * (1.f - v[j]));
    }
  return i;
}

/* Written so that neither branch overflows: exp of a non-positive value. */
static inline float
stable_sigmoid (float v)
{
  if (v >= 0.f)
    return 1.f / (1.f + expf (-v));
  else
    {
      float e = expf (v);
      return e / (1.f + e);
    }
}

static void
activation_forward_range (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ActivationArgs *a = data;

  /* x and y may be the same buffer: each element is read before written. */
  switch (a->act)
    {
    case FATHOM_ACTIVATION_RELU:
      /* "not below zero" rather than "above zero", so that a NaN passes
       * through as NaN (as in PyTorch) and the trainer can see it. */
      if (a->vector)
        begin = relu_forward_vec (a->x, a->y, begin, end);
      for (gint64 i = begin; i < end; i++)
        a->y[i] = a->x[i] < 0.f ? 0.f : a->x[i];
      break;
    case FATHOM_ACTIVATION_SIGMOID:
      for (gint64 i = begin; i < end; i++)
        a->y[i] = stable_sigmoid (a->x[i]);
      break;
    case FATHOM_ACTIVATION_TANH:
      for (gint64 i = begin; i < end; i++)
        a->y[i] = tanhf (a->x[i]);
      break;
    case FATHOM_ACTIVATION_IDENTITY:
    default:
      if (a->y != a->x)
        memmove (a->y + begin, a->x + begin, (gsize) (end - begin) * sizeof (float));
      break;
    }
}

/* The derivatives written in terms of the output y alone. */
static void
activation_backward_range (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ActivationArgs *a = data;

  switch (a->act)
    {
    case FATHOM_ACTIVATION_RELU:
      if (a->vector)
        begin = relu_backward_vec (a->y, a->dy, a->dx, begin, end);
      for (gint64 i = begin; i < end; i++)
        a->dx[i] = a->y[i] > 0.f ? a->dy[i] : 0.f;
      break;
    case FATHOM_ACTIVATION_SIGMOID:
      if (a->vector)
        begin = squashing_backward_vec (FALSE, a->y, a->dy, a->dx, begin, end);
      for (gint64 i = begin; i < end; i++)
        a->dx[i] = a->dy[i] * a->y[i] * (1.f - a->y[i]);
      break;
    case FATHOM_ACTIVATION_TANH:
      if (a->vector)
        begin = squashing_backward_vec (TRUE, a->y, a->dy, a->dx, begin, end);
      for (gint64 i = begin; i < end; i++)
        a->dx[i] = a->dy[i] * (1.f - a->y[i] * a->y[i]);
      break;
    case FATHOM_ACTIVATION_IDENTITY:
    default:
      if (a->dx != a->dy)
        memmove (a->dx + begin, a->dy + begin, (gsize) (end - begin) * sizeof (float));
      break;
    }
}

static gboolean
cpu_activation_forward (FathomBackend *backend, FathomActivation act, const FathomTensor *x,
                        FathomTensor *y, GError **error)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);
  ActivationArgs args = { act, fathom_tensor_raw (x), NULL, fathom_tensor_raw (y), NULL,
                          self->path == FATHOM_CPU_PATH_FAST };

  run_range (self, (gint64) y->numel, (gint64) y->numel, activation_forward_range, &args);
  return TRUE;
}

static gboolean
cpu_activation_backward (FathomBackend *backend, FathomActivation act, const FathomTensor *y,
                         const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);
  ActivationArgs args = { act, NULL, fathom_tensor_raw (dy), fathom_tensor_raw (y),
                          fathom_tensor_raw (dx), self->path == FATHOM_CPU_PATH_FAST };

  run_range (self, (gint64) dx->numel, (gint64) dx->numel, activation_backward_range, &args);
  return TRUE;
}

/* ---- softmax over the last axis ------------------------------------------- */

typedef struct {
  gint64 len;                   /* length of a row: the last axis */
  const float *x, *y, *dy;
  float *out;                   /* y in forward, dx in backward */
} SoftmaxArgs;

static void
softmax_forward_rows (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const SoftmaxArgs *a = data;

  for (gint64 r = begin; r < end; r++)
    {
      const float *x = a->x + r * a->len;
      float *y = a->out + r * a->len;
      float max = x[0];
      double sum = 0.0;

      /* Subtracting the row maximum keeps exp() from overflowing. */
      for (gint64 j = 1; j < a->len; j++)
        max = MAX (max, x[j]);
      for (gint64 j = 0; j < a->len; j++)
        {
          y[j] = expf (x[j] - max);
          sum += y[j];
        }
      for (gint64 j = 0; j < a->len; j++)
        y[j] = (float) (y[j] / sum);
    }
}

static void
softmax_backward_rows (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const SoftmaxArgs *a = data;

  for (gint64 r = begin; r < end; r++)
    {
      const float *y = a->y + r * a->len;
      const float *dy = a->dy + r * a->len;
      float *dx = a->out + r * a->len;
      double dot = 0.0;

      /* dx = y * (dy - sum(dy * y)) */
      for (gint64 j = 0; j < a->len; j++)
        dot += (double) dy[j] * y[j];
      for (gint64 j = 0; j < a->len; j++)
        dx[j] = (float) (y[j] * (dy[j] - dot));
    }
}

static gboolean
cpu_softmax_forward (FathomBackend *backend, const FathomTensor *x, FathomTensor *y,
                     GError **error)
{
  SoftmaxArgs args = { x->shape[x->ndim - 1], fathom_tensor_raw (x), NULL, NULL,
                       fathom_tensor_raw (y) };

  if (args.len > 0)
    run_range (FATHOM_CPU (backend), (gint64) x->numel / args.len, (gint64) x->numel,
               softmax_forward_rows, &args);
  return TRUE;
}

static gboolean
cpu_softmax_backward (FathomBackend *backend, const FathomTensor *y, const FathomTensor *dy,
                      FathomTensor *dx, GError **error)
{
  SoftmaxArgs args = { y->shape[y->ndim - 1], NULL, fathom_tensor_raw (y),
                       fathom_tensor_raw (dy), fathom_tensor_raw (dx) };

  if (args.len > 0)
    run_range (FATHOM_CPU (backend), (gint64) y->numel / args.len, (gint64) y->numel,
               softmax_backward_rows, &args);
  return TRUE;
}

/* ---- dropout -------------------------------------------------------------- */

typedef struct {
  const FathomDropoutDesc *desc;
  float scale;
  const float *in;
  float *out;
} DropoutArgs;

/* Forward and backward apply the same mask and scale, to x or to dy. The
 * mask is keyed by the flat element index, so chunking cannot change it. */
static void
dropout_range (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const DropoutArgs *a = data;

  for (gint64 i = begin; i < end; i++)
    a->out[i] = fathom_dropout_keep (a->desc, (guint64) i) ? a->in[i] * a->scale : 0.f;
}

static void
dropout_apply (FathomCpuBackend *self, const FathomDropoutDesc *desc,
               const FathomTensor *in, FathomTensor *out)
{
  DropoutArgs args = { desc, 1.f / (1.f - desc->rate), fathom_tensor_raw (in),
                       fathom_tensor_raw (out) };

  if (desc->rate == 0.f)
    {
      if (args.out != args.in)
        memmove (args.out, args.in, out->numel * sizeof (float));
      return;
    }
  run_range (self, (gint64) out->numel, (gint64) out->numel, dropout_range, &args);
}

static gboolean
cpu_dropout_forward (FathomBackend *backend, const FathomDropoutDesc *desc,
                     const FathomTensor *x, FathomTensor *y, GError **error)
{
  dropout_apply (FATHOM_CPU (backend), desc, x, y);
  return TRUE;
}

static gboolean
cpu_dropout_backward (FathomBackend *backend, const FathomDropoutDesc *desc,
                      const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  dropout_apply (FATHOM_CPU (backend), desc, dy, dx);
  return TRUE;
}

/* ---- concat along axis 1 ------------------------------------------------- */

/* y viewed as [N, C, S] where S is the product of the axes after 1; part i
 * is [N, Ci, S] and sits at channel offset sum_{j<i} Cj. */
typedef struct {
  guint n;
  gint64 channels, inner;
  const FathomTensor *const *parts;
  float *whole;                 /* forward: y */
  const float *whole_in;        /* backward: dy */
  FathomTensor *const *grads;   /* backward: dx */
} ConcatArgs;

static gint64
concat_inner (const FathomTensor *y)
{
  gint64 inner = 1;

  for (guint a = 2; a < y->ndim; a++)
    inner *= y->shape[a];
  return inner;
}

static void
concat_forward_items (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ConcatArgs *a = data;

  for (gint64 b = begin; b < end; b++)
    {
      float *dst = a->whole + b * a->channels * a->inner;

      for (guint i = 0; i < a->n; i++)
        {
          gint64 len = a->parts[i]->shape[1] * a->inner;

          memcpy (dst, fathom_tensor_raw (a->parts[i]) + b * len, (gsize) len * sizeof (float));
          dst += len;
        }
    }
}

static void
concat_backward_items (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const ConcatArgs *a = data;

  for (gint64 b = begin; b < end; b++)
    {
      const float *src = a->whole_in + b * a->channels * a->inner;

      for (guint i = 0; i < a->n; i++)
        {
          gint64 len = a->grads[i]->shape[1] * a->inner;

          memcpy (fathom_tensor_raw (a->grads[i]) + b * len, src, (gsize) len * sizeof (float));
          src += len;
        }
    }
}

static gboolean
cpu_concat_forward (FathomBackend *backend, guint n, const FathomTensor *const *x,
                    FathomTensor *y, GError **error)
{
  ConcatArgs args = { n, y->shape[1], concat_inner (y), x, fathom_tensor_raw (y), NULL, NULL };

  run_range (FATHOM_CPU (backend), y->shape[0], (gint64) y->numel, concat_forward_items, &args);
  return TRUE;
}

/* The dispatcher refuses a missing dx part (its channel count places the
 * others), so every part is written. */
static gboolean
cpu_concat_backward (FathomBackend *backend, guint n, const FathomTensor *dy,
                     FathomTensor *const *dx, GError **error)
{
  ConcatArgs args = { n, dy->shape[1], concat_inner (dy), NULL, NULL,
                      fathom_tensor_raw (dy), dx };

  run_range (FATHOM_CPU (backend), dy->shape[0], (gint64) dy->numel, concat_backward_items, &args);
  return TRUE;
}

/* ---- n-ary add ------------------------------------------------------------ */

typedef struct {
  guint n;
  const FathomTensor *const *x;
  float *y;
} AddArgs;

static void
add_range (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const AddArgs *a = data;

  /* Summing into a local first lets y be one of the inputs. */
  for (gint64 i = begin; i < end; i++)
    {
      double acc = 0.0;

      for (guint k = 0; k < a->n; k++)
        acc += fathom_tensor_raw (a->x[k])[i];
      a->y[i] = (float) acc;
    }
}

static gboolean
cpu_add_forward (FathomBackend *backend, guint n, const FathomTensor *const *x,
                 FathomTensor *y, GError **error)
{
  AddArgs args = { n, x, fathom_tensor_raw (y) };

  run_range (FATHOM_CPU (backend), (gint64) y->numel, (gint64) y->numel * n, add_range, &args);
  return TRUE;
}

/* ---- attention pooling --------------------------------------------------- */

typedef struct {
  gint64 k, p;
  const float *w, *v, *dy;
  float *y, *dw, *dv;
} AttentionArgs;

static void
attention_forward_samples (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const AttentionArgs *a = data;

  for (gint64 n = begin; n < end; n++)
    for (gint64 k = 0; k < a->k; k++)
      {
        const float *w = a->w + n * a->p, *v = a->v + (n * a->k + k) * a->p;
        double acc = 0.0;

        for (gint64 i = 0; i < a->p; i++)
          acc += (double) w[i] * v[i];
        a->y[n * a->k + k] = (float) acc;
      }
}

static void
attention_backward_samples (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const AttentionArgs *a = data;

  for (gint64 n = begin; n < end; n++)
    {
      const float *w = a->w + n * a->p, *dy = a->dy + n * a->k;

      if (a->dw != NULL)
        for (gint64 i = 0; i < a->p; i++)
          {
            double acc = 0.0;

            for (gint64 k = 0; k < a->k; k++)
              acc += (double) dy[k] * a->v[(n * a->k + k) * a->p + i];
            a->dw[n * a->p + i] = (float) acc;
          }
      if (a->dv != NULL)
        for (gint64 k = 0; k < a->k; k++)
          {
            float *dv = a->dv + (n * a->k + k) * a->p;

            for (gint64 i = 0; i < a->p; i++)
              dv[i] = dy[k] * w[i];
          }
    }
}

static gboolean
cpu_attention_pool_forward (FathomBackend *backend, const FathomTensor *weights, const FathomTensor *values,
                            FathomTensor *y, GError **error)
{
  gint64 n = weights->shape[0];
  AttentionArgs args = { values->shape[1], (gint64) weights->numel / n, fathom_tensor_raw (weights),
                         fathom_tensor_raw (values), NULL, fathom_tensor_raw (y), NULL, NULL };

  run_range (FATHOM_CPU (backend), n, (gint64) values->numel, attention_forward_samples, &args);
  return TRUE;
}

static gboolean
cpu_attention_pool_backward (FathomBackend *backend, const FathomTensor *weights, const FathomTensor *values,
                             const FathomTensor *dy, FathomTensor *dweights, FathomTensor *dvalues,
                             GError **error)
{
  gint64 n = weights->shape[0];
  AttentionArgs args = { values->shape[1], (gint64) weights->numel / n, fathom_tensor_raw (weights),
                         fathom_tensor_raw (values), fathom_tensor_raw (dy), NULL,
                         dweights != NULL ? fathom_tensor_raw (dweights) : NULL,
                         dvalues != NULL ? fathom_tensor_raw (dvalues) : NULL };

  run_range (FATHOM_CPU (backend), n, 2 * (gint64) values->numel, attention_backward_samples, &args);
  return TRUE;
}

/* ---- the window around a map's peak --------------------------------------- */

typedef struct {
  gint64 h, w;
  int radius;
  const float *x;
  float *y;
} PeakArgs;

static void
peak_window_samples (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PeakArgs *a = data;
  gint64 p = a->h * a->w;

  for (gint64 n = begin; n < end; n++)
    {
      const float *x = a->x + n * p;
      float *y = a->y + n * p;
      gint64 best = 0, r0, c0;
      float top = -INFINITY;
      double sum = 0.0;
      float scale;

      /* the first largest; a NaN is never it */
      for (gint64 i = 0; i < p; i++)
        if (x[i] > top)
          {
            top = x[i];
            best = i;
          }
      r0 = best / a->w;
      c0 = best % a->w;
      for (gint64 r = MAX (r0 - a->radius, 0); r <= MIN (r0 + a->radius, a->h - 1); r++)
        for (gint64 c = MAX (c0 - a->radius, 0); c <= MIN (c0 + a->radius, a->w - 1); c++)
          sum += x[r * a->w + c];
      scale = sum != 0.0 ? (float) (1.0 / sum) : 1.f;
      for (gint64 r = 0; r < a->h; r++)
        for (gint64 c = 0; c < a->w; c++)
          {
            gboolean near = ABS (r - r0) <= a->radius && ABS (c - c0) <= a->radius;

            y[r * a->w + c] = near ? x[r * a->w + c] * scale : 0.f;
          }
    }
}

static gboolean
cpu_peak_window_forward (FathomBackend *backend, const FathomTensor *weights, gint64 height, gint64 width,
                         int radius, FathomTensor *y, GError **error)
{
  PeakArgs args = { height, width, radius, fathom_tensor_raw (weights), fathom_tensor_raw (y) };

  run_range (FATHOM_CPU (backend), weights->shape[0], (gint64) weights->numel, peak_window_samples, &args);
  return TRUE;
}

void
fathom_cpu_elementwise_install (FathomBackendOps *ops)
{
  ops->attention_pool_forward = cpu_attention_pool_forward;
  ops->attention_pool_backward = cpu_attention_pool_backward;
  ops->peak_window_forward = cpu_peak_window_forward;
  ops->activation_forward = cpu_activation_forward;
  ops->activation_backward = cpu_activation_backward;
  ops->softmax_forward = cpu_softmax_forward;
  ops->softmax_backward = cpu_softmax_backward;
  ops->dropout_forward = cpu_dropout_forward;
  ops->dropout_backward = cpu_dropout_backward;
  ops->concat_forward = cpu_concat_forward;
  ops->concat_backward = cpu_concat_backward;
  ops->add_forward = cpu_add_forward;
}
