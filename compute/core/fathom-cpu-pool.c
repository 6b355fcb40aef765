/* fathom-cpu-pool.c: max, average and global average pooling on the CPU.
 *
 * Every (n, c) plane is pooled on its own, so both paths share one set of
 * loops over planes; the FAST path spreads the planes over threads. Padded
 * cells are never read: a window is clipped to the input, max pooling
 * takes the first maximum of what is left (row-major scan), and average
 * pooling divides by the number of cells left (TF/Keras "same").
 */
#include "fathom-cpu-backend-private.h"

#include <string.h>

typedef struct {
  FathomConvWindow win;
  gint64       h, w;            /* input plane */
  gint64       oh, ow;          /* output plane */
  const float *x, *dy;
  float       *y, *dx;
} PoolJob;

static void
pool_job_init (PoolJob *job, const FathomConvWindow *win, const FathomTensor *x, const FathomTensor *y)
{
  job->win = *win;
  job->h = x->shape[2];
  job->w = x->shape[3];
  job->oh = y->shape[2];
  job->ow = y->shape[3];
}

/* The input cells [*r0, *r1) x [*c0, *c1) of window (p, q). */
static void
window_clip (const PoolJob *job, gint64 p, gint64 q,
             gint64 *r0, gint64 *r1, gint64 *c0, gint64 *c1)
{
  gint64 top = p * job->win.sh - job->win.pad_top;
  gint64 left = q * job->win.sw - job->win.pad_left;

  *r0 = MAX (top, 0);
  *r1 = MIN (top + job->win.kh, job->h);
  *c0 = MAX (left, 0);
  *c1 = MIN (left + job->win.kw, job->w);
}

/* Offset in the plane of the first maximum of window (p, q), or -1 for a
 * window with no input cell (only possible on an empty input). */
static gint64
window_argmax (const PoolJob *job, const float *plane, gint64 p, gint64 q)
{
  gint64 r0, r1, c0, c1, best = -1;

  window_clip (job, p, q, &r0, &r1, &c0, &c1);
  for (gint64 r = r0; r < r1; r++)
    for (gint64 c = c0; c < c1; c++)
      {
        gint64 at = r * job->w + c;

        /* Strictly greater: on a tie the earlier cell keeps the gradient. */
        if (best < 0 || plane[at] > plane[best])
          best = at;
      }
  return best;
}

/* The forward pass needs the first maximum's value, not where it is: the
 * same scan with the value alone (the same result, NaN included: only a
 * strictly greater value replaces the one held). */
static void
max_forward_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;

  for (gint64 plane = begin; plane < end; plane++)
    {
      const float *xp = job->x + plane * job->h * job->w;
      float *yp = job->y + plane * job->oh * job->ow;

      for (gint64 p = 0; p < job->oh; p++)
        for (gint64 q = 0; q < job->ow; q++)
          {
            gint64 r0, r1, c0, c1;
            float best;

            window_clip (job, p, q, &r0, &r1, &c0, &c1);
            if (r0 >= r1 || c0 >= c1)
              {
                yp[p * job->ow + q] = 0.f;
                continue;
              }
            best = xp[r0 * job->w + c0];
            for (gint64 r = r0; r < r1; r++)
              {
                const float *row = xp + r * job->w;

                for (gint64 c = c0; c < c1; c++)
                  if (row[c] > best)
                    best = row[c];
              }
            yp[p * job->ow + q] = best;
          }
    }
}

static void
max_backward_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;

  for (gint64 plane = begin; plane < end; plane++)
    {
      const float *xp = job->x + plane * job->h * job->w;
      const float *dyp = job->dy + plane * job->oh * job->ow;
      float *dxp = job->dx + plane * job->h * job->w;

      memset (dxp, 0, job->h * job->w * sizeof (float));
      /* Overlapping windows may pick the same cell: their gradients add. */
      for (gint64 p = 0; p < job->oh; p++)
        for (gint64 q = 0; q < job->ow; q++)
          {
            gint64 best = window_argmax (job, xp, p, q);

            if (best >= 0)
              dxp[best] += dyp[p * job->ow + q];
          }
    }
}

/* 2x2 windows at stride 2 without padding (VGG's, mini's and fcn's
 * pools) on the FAST path: always whole, so no clipping and no index
 * bookkeeping, with the same first maximum as window_argmax (cells in
 * row-major order, only a strictly greater value replacing the held one:
 * ties and NaN alike). Pools were an eighth of mini's pretraining. */
static gboolean
is_pool_2x2 (const FathomConvWindow *win)
{
  return win->kh == 2 && win->kw == 2 && win->sh == 2 && win->sw == 2 && win->pad_top == 0 &&
         win->pad_bottom == 0 && win->pad_left == 0 && win->pad_right == 0;
}

/* Which of a (top left), b, c, d (bottom right) is the first maximum. */
static inline int
first_max4 (float a, float b, float c, float d, float *value)
{
  float m = a;
  int k = 0;

  if (b > m)
    m = b, k = 1;
  if (c > m)
    m = c, k = 2;
  if (d > m)
    m = d, k = 3;
  *value = m;
  return k;
}

static void
max_forward_planes_2x2 (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;

  for (gint64 plane = begin; plane < end; plane++)
    for (gint64 p = 0; p < job->oh; p++)
      {
        const float *r0 = job->x + (plane * job->h + 2 * p) * job->w, *r1 = r0 + job->w;
        float *yp = job->y + (plane * job->oh + p) * job->ow;

        for (gint64 q = 0; q < job->ow; q++)
          first_max4 (r0[2 * q], r0[2 * q + 1], r1[2 * q], r1[2 * q + 1], &yp[q]);
      }
}

static void
max_backward_planes_2x2 (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;

  for (gint64 plane = begin; plane < end; plane++)
    {
      float *dxp = job->dx + plane * job->h * job->w;

      /* the rows and columns past the last window get nothing */
      memset (dxp, 0, job->h * job->w * sizeof (float));
      for (gint64 p = 0; p < job->oh; p++)
        {
          const float *r0 = job->x + (plane * job->h + 2 * p) * job->w, *r1 = r0 + job->w;
          const float *dyp = job->dy + (plane * job->oh + p) * job->ow;
          float *d0 = dxp + 2 * p * job->w, *d1 = d0 + job->w;

          for (gint64 q = 0; q < job->ow; q++)
            {
              float m;
              int k = first_max4 (r0[2 * q], r0[2 * q + 1], r1[2 * q], r1[2 * q + 1], &m);

              (k < 2 ? d0 : d1)[2 * q + (k & 1)] = dyp[q];
            }
        }
    }
}

static void
avg_forward_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;

  for (gint64 plane = begin; plane < end; plane++)
    {
      const float *xp = job->x + plane * job->h * job->w;
      float *yp = job->y + plane * job->oh * job->ow;

      for (gint64 p = 0; p < job->oh; p++)
        for (gint64 q = 0; q < job->ow; q++)
          {
            gint64 r0, r1, c0, c1, count;
            double acc = 0.0;

            window_clip (job, p, q, &r0, &r1, &c0, &c1);
            count = (r1 - r0) * (c1 - c0);
            for (gint64 r = r0; r < r1; r++)
              for (gint64 c = c0; c < c1; c++)
                acc += xp[r * job->w + c];
            yp[p * job->ow + q] = count > 0 ? (float) (acc / count) : 0.f;
          }
    }
}

static void
avg_backward_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;

  for (gint64 plane = begin; plane < end; plane++)
    {
      const float *dyp = job->dy + plane * job->oh * job->ow;
      float *dxp = job->dx + plane * job->h * job->w;

      memset (dxp, 0, job->h * job->w * sizeof (float));
      for (gint64 p = 0; p < job->oh; p++)
        for (gint64 q = 0; q < job->ow; q++)
          {
            gint64 r0, r1, c0, c1, count;
            float share;

            window_clip (job, p, q, &r0, &r1, &c0, &c1);
            count = (r1 - r0) * (c1 - c0);
            if (count == 0)
              continue;
            share = dyp[p * job->ow + q] / (float) count;
            for (gint64 r = r0; r < r1; r++)
              for (gint64 c = c0; c < c1; c++)
                dxp[r * job->w + c] += share;
          }
    }
}

/* Global pooling is the window that covers the whole plane. */
static void
global_forward_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;
  gint64 size = job->h * job->w;

  for (gint64 plane = begin; plane < end; plane++)
    {
      const float *xp = job->x + plane * size;
      double acc = 0.0;

      for (gint64 i = 0; i < size; i++)
        acc += xp[i];
      job->y[plane] = size > 0 ? (float) (acc / size) : 0.f;
    }
}

static void
global_backward_planes (gint64 begin, gint64 end, guint chunk_index, gpointer data)
{
  const PoolJob *job = data;
  gint64 size = job->h * job->w;

  for (gint64 plane = begin; plane < end; plane++)
    {
      float *dxp = job->dx + plane * size;
      float share = size > 0 ? job->dy[plane] / (float) size : 0.f;

      for (gint64 i = 0; i < size; i++)
        dxp[i] = share;
    }
}

/* Runs func over the N*C planes: in the caller's thread on the REFERENCE
 * path or when the job is too small to be worth waking the pool. */
static void
run_planes (FathomBackend *backend, gint64 planes, gint64 work_per_plane,
            FathomCpuRangeFunc func, PoolJob *job)
{
  FathomCpuBackend *self = FATHOM_CPU (backend);

  if (self->path == FATHOM_CPU_PATH_REFERENCE || planes * work_per_plane < 32768)
    func (0, planes, 0, job);
  else
    fathom_cpu_parallel_for (self, planes, func, job);
}

static gint64
window_work (const PoolJob *job)
{
  return job->oh * job->ow * job->win.kh * job->win.kw + job->h * job->w;
}

/* ---- slots ---------------------------------------------------------------- */

/* The REFERENCE path keeps the general loops, which the FAST path's 2x2
 * ones are tested against. */
static gboolean
fast_2x2 (FathomBackend *backend, const FathomConvWindow *win)
{
  return FATHOM_CPU (backend)->path == FATHOM_CPU_PATH_FAST && is_pool_2x2 (win);
}

static gboolean
cpu_max_pool_forward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                      FathomTensor *y, GError **error)
{
  PoolJob job = { .x = fathom_tensor_raw (x), .y = fathom_tensor_raw (y) };

  pool_job_init (&job, win, x, y);
  run_planes (backend, x->shape[0] * x->shape[1], window_work (&job),
              fast_2x2 (backend, win) ? max_forward_planes_2x2 : max_forward_planes, &job);
  return TRUE;
}

static gboolean
cpu_max_pool_backward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                       const FathomTensor *dy, FathomTensor *dx, GError **error)
{
  PoolJob job = { .x = fathom_tensor_raw (x), .dy = fathom_tensor_raw (dy), .dx = fathom_tensor_raw (dx) };

  pool_job_init (&job, win, x, dy);
  run_planes (backend, x->shape[0] * x->shape[1], window_work (&job),
              fast_2x2 (backend, win) ? max_backward_planes_2x2 : max_backward_planes, &job);
  return TRUE;
}

static gboolean
cpu_avg_pool_forward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *x,
                      FathomTensor *y, GError **error)
{
  PoolJob job = { .x = fathom_tensor_raw (x), .y = fathom_tensor_raw (y) };

  pool_job_init (&job, win, x, y);
  run_planes (backend, x->shape[0] * x->shape[1], window_work (&job), avg_forward_planes, &job);
  return TRUE;
}

static gboolean
cpu_avg_pool_backward (FathomBackend *backend, const FathomConvWindow *win, const FathomTensor *dy,
                       FathomTensor *dx, GError **error)
{
  PoolJob job = { .dy = fathom_tensor_raw (dy), .dx = fathom_tensor_raw (dx) };

  pool_job_init (&job, win, dx, dy);
  run_planes (backend, dx->shape[0] * dx->shape[1], window_work (&job), avg_backward_planes, &job);
  return TRUE;
}

static gboolean
cpu_global_avg_pool_forward (FathomBackend *backend, const FathomTensor *x, FathomTensor *y,
                             GError **error)
{
  PoolJob job = { .h = x->shape[2], .w = x->shape[3],
                  .x = fathom_tensor_raw (x), .y = fathom_tensor_raw (y) };

  run_planes (backend, x->shape[0] * x->shape[1], job.h * job.w, global_forward_planes, &job);
  return TRUE;
}

static gboolean
cpu_global_avg_pool_backward (FathomBackend *backend, const FathomTensor *dy, FathomTensor *dx,
                              GError **error)
{
  PoolJob job = { .h = dx->shape[2], .w = dx->shape[3],
                  .dy = fathom_tensor_raw (dy), .dx = fathom_tensor_raw (dx) };

  run_planes (backend, dx->shape[0] * dx->shape[1], job.h * job.w, global_backward_planes, &job);
  return TRUE;
}

void
fathom_cpu_pool_install (FathomBackendOps *ops)
{
  ops->max_pool_forward = cpu_max_pool_forward;
  ops->max_pool_backward = cpu_max_pool_backward;
  ops->avg_pool_forward = cpu_avg_pool_forward;
  ops->avg_pool_backward = cpu_avg_pool_backward;
  ops->global_avg_pool_forward = cpu_global_avg_pool_forward;
  ops->global_avg_pool_backward = cpu_global_avg_pool_backward;
}
