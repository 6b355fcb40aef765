/* fathom-cpu-basic.c: fill, copy, axpy and gemm on the CPU. */
#include "fathom-cpu-backend-private.h"

#include <string.h>

static gboolean
cpu_fill (FathomBackend *self, FathomTensor *t, float value, GError **error)
{
  float *d = fathom_tensor_raw (t);

  for (gsize i = 0; i < t->numel; i++)
    d[i] = value;
  return TRUE;
}

static gboolean
cpu_copy (FathomBackend *self, FathomTensor *dst, const FathomTensor *src, GError **error)
{
  memmove (fathom_tensor_raw (dst), fathom_tensor_raw (src), dst->numel * sizeof (float));
  return TRUE;
}

static gboolean
cpu_axpy (FathomBackend *self, float alpha, const FathomTensor *x, FathomTensor *y, GError **error)
{
  const float *xs = fathom_tensor_raw (x);
  float *ys = fathom_tensor_raw (y);

  for (gsize i = 0; i < y->numel; i++)
    ys[i] += alpha * xs[i];
  return TRUE;
}

static gboolean
cpu_gemm (FathomBackend *self, gboolean trans_a, gboolean trans_b, float alpha,
          const FathomTensor *a, const FathomTensor *b, float beta, FathomTensor *c,
          GError **error)
{
  fathom_cpu_sgemm (FATHOM_CPU (self), trans_a, trans_b,
                    c->shape[0], c->shape[1], a->shape[trans_a ? 0 : 1],
                    alpha, fathom_tensor_raw (a), a->shape[1],
                    fathom_tensor_raw (b), b->shape[1],
                    beta, fathom_tensor_raw (c), c->shape[1]);
  return TRUE;
}

void
fathom_cpu_basic_install (FathomBackendOps *ops)
{
  ops->fill = cpu_fill;
  ops->copy = cpu_copy;
  ops->axpy = cpu_axpy;
  ops->gemm = cpu_gemm;
}
