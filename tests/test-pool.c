/* test-pool.c: max, average and global average pooling on both CPU paths.
 *
 * Hand-computed values pin the window rules (first maximum, padded cells
 * never winning or counting); finite differences check the gradients on
 * awkward shapes; the FAST path is compared with the REFERENCE path.
 */
#include "fathom-test-util.h"

#include <math.h>

/* Average pooling is linear: eps 1e-2 as for conv. */
#define AVG_EPS  1e-2f
/* Max pooling is piecewise linear: inputs are a shuffled arithmetic
 * sequence with step 1e-2, and eps 1e-3 is well under half of it, so no
 * perturbation changes which cell wins. */
#define MAX_EPS  1e-3f
#define MAX_STEP 1e-2f
#define GRAD_ATOL 1e-3f
#define GRAD_RTOL 1e-2f
#define GRAD_POINTS 60

/* FAST and REFERENCE share their loops, so they must agree exactly. */
#define PATH_ATOL 0.f

typedef enum { POOL_MAX, POOL_AVG } PoolKind;

static FathomConvWindow
window_resolved (int kh, int kw, int sh, int sw, FathomPadding padding, gint64 h, gint64 w)
{
  FathomConvWindow win = { kh, kw, sh, sw };
  gint64 oh, ow;

  g_assert_true (fathom_conv_window_resolve (&win, padding, h, w, &oh, &ow));
  return win;
}

static FathomTensor *
pool_output (const FathomConvWindow *win, const FathomTensor *x)
{
  gint64 oh = (fathom_tensor_get_dim (x, 2) + win->pad_top + win->pad_bottom - win->kh) / win->sh + 1;
  gint64 ow = (fathom_tensor_get_dim (x, 3) + win->pad_left + win->pad_right - win->kw) / win->sw + 1;

  return fathom_tensor_new_4d (fathom_tensor_get_dim (x, 0), fathom_tensor_get_dim (x, 1), oh, ow);
}

/* Outputs start as NaN so that a skipped or accumulated element shows. */
static void
pool_forward (FathomBackend *be, PoolKind kind, const FathomConvWindow *win,
              const FathomTensor *x, FathomTensor *y)
{
  g_autoptr(GError) error = NULL;

  fathom_tensor_fill (y, NAN);
  if (kind == POOL_MAX)
    g_assert_true (fathom_backend_max_pool_forward (be, win, x, y, &error));
  else
    g_assert_true (fathom_backend_avg_pool_forward (be, win, x, y, &error));
  g_assert_no_error (error);
}

static void
pool_backward (FathomBackend *be, PoolKind kind, const FathomConvWindow *win,
               const FathomTensor *x, const FathomTensor *dy, FathomTensor *dx)
{
  g_autoptr(GError) error = NULL;

  fathom_tensor_fill (dx, NAN);
  if (kind == POOL_MAX)
    g_assert_true (fathom_backend_max_pool_backward (be, win, x, dy, dx, &error));
  else
    g_assert_true (fathom_backend_avg_pool_backward (be, win, dy, dx, &error));
  g_assert_no_error (error);
}

static FathomTensor *
tensor_4d (gint64 n, gint64 c, gint64 h, gint64 w, const float *data)
{
  return fathom_tensor_new_from_data (4, (gint64[]) { n, c, h, w }, data);
}

/* ---- hand-computed values ------------------------------------------------- */

/* NaN and ties: the first maximum in row-major order, and nothing
 * replaces a NaN held (only a strictly greater value would); the
 * gradient goes to the cell whose value the forward pass gave. */
static void
test_max_pool_nan_and_ties (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 2);
      g_autoptr(FathomTensor) x = tensor_4d (1, 1, 2, 6, (float[]) { NAN, 1, 2, NAN, 4, 4,
                                                                      0, 5, 3, 1, 4, 2 });
      g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 1, 3);
      g_autoptr(FathomTensor) dy = tensor_4d (1, 1, 1, 3, (float[]) { 1, 2, 3 });
      g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
      FathomConvWindow win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_VALID, 2, 6);
      const float *v;

      pool_forward (be, POOL_MAX, &win, x, y);
      v = fathom_tensor_get_const_data (y);
      g_assert_true (isnan (v[0]));
      g_assert_cmpfloat (v[1], ==, 3.f);
      g_assert_cmpfloat (v[2], ==, 4.f);
      pool_backward (be, POOL_MAX, &win, x, dy, dx);
      fathom_test_assert_values (dx, (float[]) { 1, 0, 0, 0, 3, 0,
                                                 0, 0, 2, 0, 0, 0 }, 12, 0.f, "max NaN backward");
    }
}

static void
test_max_pool_values (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 2);

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));

      /* 2x2, stride 2 */
      {
        g_autoptr(FathomTensor) x = tensor_4d (1, 1, 4, 4, (float[]) { 1, 3, 2, 0,
                                                                        4, 2, 1, 5,
                                                                        0, 1, 7, 2,
                                                                        3, 8, 6, 4 });
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 2, 2);
        g_autoptr(FathomTensor) dy = tensor_4d (1, 1, 2, 2, (float[]) { 1, 2, 3, 4 });
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        FathomConvWindow win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_VALID, 4, 4);

        pool_forward (be, POOL_MAX, &win, x, y);
        fathom_test_assert_values (y, (float[]) { 4, 5, 8, 7 }, 4, 0.f, "max 2x2");
        pool_backward (be, POOL_MAX, &win, x, dy, dx);
        fathom_test_assert_values (dx, (float[]) { 0, 0, 0, 0,
                                                   1, 0, 0, 2,
                                                   0, 0, 4, 0,
                                                   0, 3, 0, 0 }, 16, 0.f, "max 2x2 backward");
      }

      /* the lesson's pool_size (1, 2), stride (1, 2); a tie goes to the
       * first cell */
      {
        g_autoptr(FathomTensor) x = tensor_4d (1, 1, 2, 4, (float[]) { 1, 5, 3, 2,
                                                                        -1, -2, 4, 4 });
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 2, 2);
        g_autoptr(FathomTensor) dy = tensor_4d (1, 1, 2, 2, (float[]) { 1, 2, 3, 4 });
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        FathomConvWindow win = window_resolved (1, 2, 1, 2, FATHOM_PADDING_VALID, 2, 4);

        pool_forward (be, POOL_MAX, &win, x, y);
        fathom_test_assert_values (y, (float[]) { 5, 3, -1, 4 }, 4, 0.f, "max 1x2");
        pool_backward (be, POOL_MAX, &win, x, dy, dx);
        fathom_test_assert_values (dx, (float[]) { 0, 1, 2, 0,
                                                   3, 0, 4, 0 }, 8, 0.f, "max 1x2 backward");
      }

      /* ties across rows: the row-major first maximum, (0,1), wins */
      {
        g_autoptr(FathomTensor) x = tensor_4d (1, 1, 2, 2, (float[]) { 0, 5, 5, 0 });
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 1, 1);
        g_autoptr(FathomTensor) dy = tensor_4d (1, 1, 1, 1, (float[]) { 7 });
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        FathomConvWindow win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_VALID, 2, 2);

        pool_forward (be, POOL_MAX, &win, x, y);
        pool_backward (be, POOL_MAX, &win, x, dy, dx);
        fathom_test_assert_values (dx, (float[]) { 0, 7, 0, 0 }, 4, 0.f, "max tie");
      }

      /* overlapping 3x3 windows, stride 1: both pick (1,2), gradients add */
      {
        g_autoptr(FathomTensor) x = tensor_4d (1, 1, 3, 4, (float[]) { 1, 2, 3, 4,
                                                                        5, 6, 9, 7,
                                                                        0, 1, 2, 3 });
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 1, 2);
        g_autoptr(FathomTensor) dy = tensor_4d (1, 1, 1, 2, (float[]) { 1, 10 });
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        FathomConvWindow win = window_resolved (3, 3, 1, 1, FATHOM_PADDING_VALID, 3, 4);

        pool_forward (be, POOL_MAX, &win, x, y);
        fathom_test_assert_values (y, (float[]) { 9, 9 }, 2, 0.f, "max overlap");
        pool_backward (be, POOL_MAX, &win, x, dy, dx);
        fathom_test_assert_values (dx, (float[]) { 0, 0, 0, 0,
                                                   0, 0, 11, 0,
                                                   0, 0, 0, 0 }, 12, 0.f, "max overlap backward");
      }

      /* 'same' on 3x3, all negative: the padded cells (zeros) never win */
      {
        g_autoptr(FathomTensor) x = tensor_4d (1, 1, 3, 3, (float[]) { -1, -2, -3,
                                                                        -4, -5, -6,
                                                                        -7, -8, -9 });
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 2, 2);
        FathomConvWindow win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_SAME, 3, 3);

        g_assert_cmpint (win.pad_bottom, ==, 1);
        g_assert_cmpint (win.pad_right, ==, 1);
        pool_forward (be, POOL_MAX, &win, x, y);
        fathom_test_assert_values (y, (float[]) { -1, -3, -7, -9 }, 4, 0.f, "max same");
      }
    }
}

static void
test_avg_pool_values (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 2);

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));

      /* 3x3 stride 2 'same' on 4x4: one pad row and column at the end, so
       * the divisors are 9, 6, 6 and 4 */
      {
        float xs[16];
        g_autoptr(FathomTensor) x = NULL;
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 2, 2);
        g_autoptr(FathomTensor) dy = fathom_tensor_new_4d (1, 1, 2, 2);
        g_autoptr(FathomTensor) dx = NULL;
        FathomConvWindow win = window_resolved (3, 3, 2, 2, FATHOM_PADDING_SAME, 4, 4);
        const float *d;

        for (int i = 0; i < 16; i++)
          xs[i] = (float) (i + 1);
        x = tensor_4d (1, 1, 4, 4, xs);
        dx = fathom_tensor_new_like (x);
        g_assert_cmpint (win.pad_top, ==, 0);
        g_assert_cmpint (win.pad_bottom, ==, 1);
        pool_forward (be, POOL_AVG, &win, x, y);
        /* 54/9, (3+4+7+8+11+12)/6, (9+10+11+13+14+15)/6, (11+12+15+16)/4 */
        fathom_test_assert_values (y, (float[]) { 6, 7.5f, 12, 13.5f }, 4, 1e-6f, "avg same 4x4");

        /* dy = 1: each cell gets 1/divisor from every window it is in */
        fathom_tensor_fill (dy, 1.f);
        pool_backward (be, POOL_AVG, &win, x, dy, dx);
        d = fathom_tensor_get_const_data (dx);
        g_assert_cmpfloat_with_epsilon (d[0], 1.f / 9, 1e-6);
        g_assert_cmpfloat_with_epsilon (d[2], 1.f / 9 + 1.f / 6, 1e-6);
        g_assert_cmpfloat_with_epsilon (d[10], 1.f / 9 + 2.f / 6 + 1.f / 4, 1e-6);
        g_assert_cmpfloat_with_epsilon (d[15], 1.f / 4, 1e-6);
      }

      /* 3x3 stride 2 'same' on 5x5: pads of one all round, divisors 4, 6, 9 */
      {
        float xs[25];
        g_autoptr(FathomTensor) x = NULL;
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 3, 3);
        FathomConvWindow win = window_resolved (3, 3, 2, 2, FATHOM_PADDING_SAME, 5, 5);

        for (int i = 0; i < 25; i++)
          xs[i] = (float) (i + 1);
        x = tensor_4d (1, 1, 5, 5, xs);
        g_assert_cmpint (win.pad_top, ==, 1);
        g_assert_cmpint (win.pad_right, ==, 1);
        pool_forward (be, POOL_AVG, &win, x, y);
        fathom_test_assert_values (y, (float[]) {  4,  5.5f,  7,
                                                  11.5f, 13, 14.5f,
                                                  19, 20.5f, 22 }, 9, 1e-6f, "avg same 5x5");
      }
    }
}

static void
test_global_avg_pool_values (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 2);
      g_autoptr(FathomTensor) x = tensor_4d (1, 2, 2, 2, (float[]) { 1, 2, 3, 4, -1, 0, 5, 8 });
      g_autoptr(FathomTensor) y = fathom_tensor_new_2d (1, 2);
      g_autoptr(FathomTensor) dy = fathom_tensor_new_from_data (2, (gint64[]) { 1, 2 }, (float[]) { 4, -2 });
      g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
      g_autoptr(GError) error = NULL;

      fathom_tensor_fill (y, NAN);
      g_assert_true (fathom_backend_global_avg_pool_forward (be, x, y, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (y, (float[]) { 2.5f, 3 }, 2, 1e-6f, "global avg");
      fathom_tensor_fill (dx, NAN);
      g_assert_true (fathom_backend_global_avg_pool_backward (be, dy, dx, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (dx, (float[]) { 1, 1, 1, 1, -0.5f, -0.5f, -0.5f, -0.5f }, 8, 1e-6f,
                                 "global avg backward");
    }
}

/* ---- gradient checks ------------------------------------------------------ */

typedef struct {
  gint64        n, c, h, w;
  int           kh, kw, sh, sw;
  FathomPadding padding;
} PoolCase;

static const PoolCase pool_cases[] = {
  /* n  c   h   w  kh kw sh sw  padding */
  {  1, 1,  1,  1, 1, 1, 1, 1, FATHOM_PADDING_VALID },
  {  3, 2,  5,  7, 2, 2, 2, 2, FATHOM_PADDING_VALID },
  {  1, 3,  7,  5, 3, 3, 2, 2, FATHOM_PADDING_SAME  },
  {  3, 2,  6,  5, 2, 3, 1, 1, FATHOM_PADDING_SAME  },
  {  1, 1, 11, 13, 3, 3, 1, 1, FATHOM_PADDING_VALID },
  {  3, 2,  5,  5, 5, 5, 2, 2, FATHOM_PADDING_SAME  },
  {  1, 2,  4,  7, 1, 2, 1, 2, FATHOM_PADDING_VALID },
  {  3, 1,  7,  3, 3, 2, 2, 1, FATHOM_PADDING_SAME  },
  {  1, 2, 13,  1, 3, 1, 2, 1, FATHOM_PADDING_SAME  },
};

typedef struct {
  FathomBackend *be;
  PoolKind       kind;          /* or global when global is TRUE */
  gboolean       global;
  FathomConvWindow   win;
  FathomTensor  *x, *dx;
} PoolCtx;

static void
pool_forward_cb (gpointer data, FathomTensor *out)
{
  PoolCtx *ctx = data;
  g_autoptr(GError) error = NULL;

  if (!ctx->global)
    {
      pool_forward (ctx->be, ctx->kind, &ctx->win, ctx->x, out);
      return;
    }
  fathom_tensor_fill (out, NAN);
  g_assert_true (fathom_backend_global_avg_pool_forward (ctx->be, ctx->x, out, &error));
  g_assert_no_error (error);
}

static void
pool_backward_cb (gpointer data, const FathomTensor *dout)
{
  PoolCtx *ctx = data;
  g_autoptr(GError) error = NULL;

  if (!ctx->global)
    {
      pool_backward (ctx->be, ctx->kind, &ctx->win, ctx->x, dout, ctx->dx);
      return;
    }
  fathom_tensor_fill (ctx->dx, NAN);
  g_assert_true (fathom_backend_global_avg_pool_backward (ctx->be, dout, ctx->dx, &error));
  g_assert_no_error (error);
}

/* Distinct values MAX_STEP apart in a random order, centred on zero. */
static FathomTensor *
distinct_values (FathomRng *rng, gint64 n, gint64 c, gint64 h, gint64 w)
{
  FathomTensor *t = fathom_tensor_new_4d (n, c, h, w);
  gsize numel = fathom_tensor_get_numel (t);
  g_autofree gint64 *order = g_new (gint64, numel);
  float *d = fathom_tensor_get_data (t);

  for (gsize i = 0; i < numel; i++)
    order[i] = (gint64) i;
  fathom_rng_shuffle (rng, order, (gint64) numel);
  for (gsize i = 0; i < numel; i++)
    d[i] = ((float) order[i] - (float) numel / 2) * MAX_STEP;
  return t;
}

static void
test_pool_gradcheck (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (21);
  double worst[2] = { 0.0, 0.0 }, worst_global = 0.0;

  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);

      for (guint k = 0; k < G_N_ELEMENTS (pool_cases); k++)
        for (PoolKind kind = POOL_MAX; kind <= POOL_AVG; kind++)
          {
            const PoolCase *pc = &pool_cases[k];
            g_autoptr(FathomTensor) x = kind == POOL_MAX
              ? distinct_values (rng, pc->n, pc->c, pc->h, pc->w)
              : FATHOM_TEST_UNIFORM (rng, -1, 1, pc->n, pc->c, pc->h, pc->w);
            g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
            PoolCtx ctx = { be, kind, FALSE,
                            window_resolved (pc->kh, pc->kw, pc->sh, pc->sw, pc->padding, pc->h, pc->w),
                            x, dx };
            g_autoptr(FathomTensor) y = pool_output (&ctx.win, x);
            FathomTestGradTarget targets[] = { { "x", x, dx } };
            g_autofree char *name = g_strdup_printf ("%s pool %s case %u", kind == POOL_MAX ? "max" : "avg",
                                                     fathom_test_path_name (fathom_test_paths[p]), k);
            double err = fathom_test_gradcheck (name, y, pool_forward_cb, pool_backward_cb, &ctx,
                                                targets, 1, GRAD_POINTS,
                                                kind == POOL_MAX ? MAX_EPS : AVG_EPS,
                                                GRAD_ATOL, GRAD_RTOL);

            worst[kind] = MAX (worst[kind], err);
          }

      for (guint k = 0; k < 3; k++)
        {
          const gint64 shapes[3][4] = { { 1, 1, 1, 1 }, { 3, 2, 5, 7 }, { 1, 3, 13, 2 } };
          g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, shapes[k][0], shapes[k][1],
                                                           shapes[k][2], shapes[k][3]);
          g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
          g_autoptr(FathomTensor) y = fathom_tensor_new_2d (shapes[k][0], shapes[k][1]);
          PoolCtx ctx = { be, POOL_AVG, TRUE, { 0 }, x, dx };
          FathomTestGradTarget targets[] = { { "x", x, dx } };
          g_autofree char *name = g_strdup_printf ("global avg pool %s case %u",
                                                   fathom_test_path_name (fathom_test_paths[p]), k);

          worst_global = MAX (worst_global,
                              fathom_test_gradcheck (name, y, pool_forward_cb, pool_backward_cb, &ctx,
                                                     targets, 1, GRAD_POINTS, AVG_EPS,
                                                     GRAD_ATOL, GRAD_RTOL));
        }
    }
  g_test_message ("pool gradcheck worst |analytic - numeric|: max %.3g (eps %g), avg %.3g, "
                  "global %.3g (eps %g); atol %g, rtol %g",
                  worst[POOL_MAX], (double) MAX_EPS, worst[POOL_AVG], worst_global,
                  (double) AVG_EPS, (double) GRAD_ATOL, (double) GRAD_RTOL);
}

/* ---- FAST against REFERENCE ----------------------------------------------- */

/* The FAST path's 2x2 stride-2 loops against the REFERENCE path's general
 * ones on values with many ties (three levels) and odd sizes (a last row
 * and column no window reads): the same maxima and the same cells given
 * the gradient, exactly. */
static void
test_max_pool_2x2_ties (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (23);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.5f, 1.5f, 2, 3, 9, 11);
  FathomConvWindow win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_VALID, 9, 11);
  g_autoptr(FathomTensor) y = pool_output (&win, x), y_ref = pool_output (&win, x);
  g_autoptr(FathomTensor) dy = pool_output (&win, x);
  g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x), dx_ref = fathom_tensor_new_like (x);
  float *v = fathom_tensor_get_data (x);

  for (gsize i = 0; i < fathom_tensor_get_numel (x); i++)
    v[i] = roundf (v[i]);
  fathom_rng_fill_uniform (rng, dy, 0.5f, 1.f);
  pool_forward (fast, POOL_MAX, &win, x, y);
  pool_forward (ref, POOL_MAX, &win, x, y_ref);
  fathom_test_assert_close (y, y_ref, 0.f, 0.f, "2x2 max");
  pool_backward (fast, POOL_MAX, &win, x, dy, dx);
  pool_backward (ref, POOL_MAX, &win, x, dy, dx_ref);
  fathom_test_assert_close (dx, dx_ref, 0.f, 0.f, "2x2 max dx");
}

static void
test_pool_fast_matches_reference (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (22);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 3);
  /* big enough (N*C*H*W well over the threading threshold) to use threads */
  const PoolCase cases[] = {
    { 3, 5, 13, 11, 3, 3, 2, 2, FATHOM_PADDING_SAME  },
    { 3, 16, 41, 37, 2, 2, 2, 2, FATHOM_PADDING_VALID },
    { 2, 24, 29, 31, 3, 3, 1, 1, FATHOM_PADDING_SAME  },
    { 3, 16, 40, 40, 1, 2, 1, 2, FATHOM_PADDING_VALID },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const PoolCase *pc = &cases[k];
      FathomConvWindow win = window_resolved (pc->kh, pc->kw, pc->sh, pc->sw, pc->padding, pc->h, pc->w);
      g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, pc->n, pc->c, pc->h, pc->w);
      g_autoptr(FathomTensor) y = pool_output (&win, x);
      g_autoptr(FathomTensor) y_ref = pool_output (&win, x);
      g_autoptr(FathomTensor) dy = pool_output (&win, x);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) dx_ref = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) g = fathom_tensor_new_2d (pc->n, pc->c);
      g_autoptr(FathomTensor) g_ref = fathom_tensor_new_2d (pc->n, pc->c);
      g_autoptr(FathomTensor) dg = FATHOM_TEST_UNIFORM (rng, -1, 1, pc->n, pc->c);
      g_autoptr(GError) error = NULL;

      fathom_rng_fill_uniform (rng, dy, -1.f, 1.f);
      for (PoolKind kind = POOL_MAX; kind <= POOL_AVG; kind++)
        {
          pool_forward (fast, kind, &win, x, y);
          pool_forward (ref, kind, &win, x, y_ref);
          fathom_test_assert_close (y, y_ref, PATH_ATOL, 0.f, kind == POOL_MAX ? "max" : "avg");
          pool_backward (fast, kind, &win, x, dy, dx);
          pool_backward (ref, kind, &win, x, dy, dx_ref);
          fathom_test_assert_close (dx, dx_ref, PATH_ATOL, 0.f, kind == POOL_MAX ? "max dx" : "avg dx");
        }

      g_assert_true (fathom_backend_global_avg_pool_forward (fast, x, g, &error));
      g_assert_true (fathom_backend_global_avg_pool_forward (ref, x, g_ref, &error));
      fathom_test_assert_close (g, g_ref, PATH_ATOL, 0.f, "global");
      g_assert_true (fathom_backend_global_avg_pool_backward (fast, dg, dx, &error));
      g_assert_true (fathom_backend_global_avg_pool_backward (ref, dg, dx_ref, &error));
      g_assert_no_error (error);
      fathom_test_assert_close (dx, dx_ref, PATH_ATOL, 0.f, "global dx");
    }
}

static void
test_pool_shape_error (void)
{
  g_autoptr(FathomBackend) cpu = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 1);
  g_autoptr(FathomTensor) x = fathom_tensor_new_4d (2, 3, 6, 6);
  g_autoptr(FathomTensor) y = fathom_tensor_new_4d (2, 3, 2, 2);   /* 2x2 stride 2 gives 3x3 */
  FathomConvWindow win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_VALID, 6, 6);
  g_autoptr(GError) error = NULL;

  g_assert_false (fathom_backend_max_pool_forward (cpu, &win, x, y, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pool/max-values", test_max_pool_values);
  g_test_add_func ("/pool/max-nan-and-ties", test_max_pool_nan_and_ties);
  g_test_add_func ("/pool/max-2x2-ties", test_max_pool_2x2_ties);
  g_test_add_func ("/pool/avg-values", test_avg_pool_values);
  g_test_add_func ("/pool/global-avg-values", test_global_avg_pool_values);
  g_test_add_func ("/pool/gradcheck", test_pool_gradcheck);
  g_test_add_func ("/pool/fast-matches-reference", test_pool_fast_matches_reference);
  g_test_add_func ("/pool/shape-error", test_pool_shape_error);
  return g_test_run ();
}
