/* fathom-cpu-dense.c: fully connected layer, y = x w^T + b.
 *
 * x [N,D], w [M,D], bias [M], y [N,M]. The REFERENCE path is plain loops
 * accumulating in double; the FAST path is three sgemm calls, which
 * fathom_cpu_sgemm() already splits over threads.
 */
#include "fathom-cpu-backend-private.h"

/* ---- reference ------------------------------------------------------------ */

static void
dense_forward_reference (const float *x, const float *w, const float *bias, float *y,
                         gint64 n, gint64 d, gint64 m)
{
  for (gint64 i = 0; i < n; i++)
    for (gint64 j = 0; j < m; j++)
      {
        double acc = bias != NULL ? bias[j] : 0.0;

        for (gint64 k = 0; k < d; k++)
          acc += (double) x[i * d + k] * w[j * d + k];
        y[i * m + j] = (float) acc;
      }
}

static void
dense_backward_reference (const float *x, const float *w, const float *dy,
                          float *dx, float *dw, gint64 n, gint64 d, gint64 m)
{
  /* dx = dy w */
  if (dx != NULL)
    for (gint64 i = 0; i < n; i++)
      for (gint64 k = 0; k < d; k++)
        {
          double acc = 0.0;

          for (gint64 j = 0; j < m; j++)
            acc += (double) dy[i * m + j] * w[j * d + k];
          dx[i * d + k] = (float) acc;
        }

  /* dw = dy^T x */
  if (dw != NULL)
    for (gint64 j = 0; j < m; j++)
      for (gint64 k = 0; k < d; k++)
        {
          double acc = 0.0;

          for (gint64 i = 0; i < n; i++)
            acc += (double) dy[i * m + j] * x[i * d + k];
          dw[j * d + k] = (float) acc;
        }
}

/* dbias = column sums of dy; shared by both paths (it is O(N*M)). */
static void
dense_bias_grad (const float *dy, float *dbias, gint64 n, gint64 m)
{
  for (gint64 j = 0; j < m; j++)
    {
      double acc = 0.0;

      for (gint64 i = 0; i < n; i++)
        acc += dy[i * m + j];
      dbias[j] = (float) acc;
    }
}

/* ---- slots ---------------------------------------------------------------- */

static gboolean
cpu_dense_forward (FathomBackend *backend, const FathomTensor *x, const FathomTensor *w,
                   const FathomTensor *bias, FathomTensor *y, GError **error)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);
  gint64 n = x->shape[0], d = x->shape[1], m = w->shape[0];
  const float *xs = fathom_tensor_raw (x);
  const float *ws = fathom_tensor_raw (w);
  const float *bs = bias != NULL ? fathom_tensor_raw (bias) : NULL;
  float *ys = fathom_tensor_raw (y);

  if (self->path == FATHOM_CPU_PATH_REFERENCE)
    {
      dense_forward_reference (xs, ws, bs, ys, n, d, m);
      return TRUE;
    }

  /* Seed every row of y with the bias and let sgemm add x w^T on top;
   * without a bias, beta 0 makes sgemm overwrite y. */
  if (bs != NULL)
    for (gint64 i = 0; i < n; i++)
      for (gint64 j = 0; j < m; j++)
        ys[i * m + j] = bs[j];
  fathom_cpu_sgemm (self, FALSE, TRUE, n, m, d, 1.f, xs, d, ws, d,
                    bs != NULL ? 1.f : 0.f, ys, m);
  return TRUE;
}

static gboolean
cpu_dense_backward (FathomBackend *backend, const FathomTensor *x, const FathomTensor *w,
                    const FathomTensor *dy, FathomTensor *dx, FathomTensor *dw,
                    FathomTensor *dbias, GError **error)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);
  gint64 n = x->shape[0], d = x->shape[1], m = w->shape[0];
  const float *xs = fathom_tensor_raw (x);
  const float *ws = fathom_tensor_raw (w);
  const float *dys = fathom_tensor_raw (dy);
  float *dxs = dx != NULL ? fathom_tensor_raw (dx) : NULL;
  float *dws = dw != NULL ? fathom_tensor_raw (dw) : NULL;

  if (self->path == FATHOM_CPU_PATH_REFERENCE)
    dense_backward_reference (xs, ws, dys, dxs, dws, n, d, m);
  else
    {
      /* dx [N,D] = dy [N,M] w [M,D] */
      if (dxs != NULL)
        fathom_cpu_sgemm (self, FALSE, FALSE, n, d, m, 1.f, dys, m, ws, d, 0.f, dxs, d);
      /* dw [M,D] = dy^T x: read dy transposed in place rather than copying it. */
      if (dws != NULL)
        fathom_cpu_sgemm (self, TRUE, FALSE, m, d, n, 1.f, dys, m, xs, d, 0.f, dws, d);
    }
  if (dbias != NULL)
    dense_bias_grad (dys, fathom_tensor_raw (dbias), n, m);
  return TRUE;
}

void
fathom_cpu_dense_install (FathomBackendOps *ops)
{
  ops->dense_forward = cpu_dense_forward;
  ops->dense_backward = cpu_dense_backward;
}
