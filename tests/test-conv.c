/* test-conv.c: conv2d and zero padding on both CPU paths.
 *
 * Hand-computed values pin the geometry (padding, strides, asymmetric
 * pads); finite differences check every gradient on awkward shapes; the
 * FAST path is compared with the REFERENCE path on larger ones, with
 * thread counts that take both its batch-parallel and its per-sample
 * branches, and on the conv parity cases that the CUDA check runs on each
 * of its paths. 3x3 stride-1 convolutions with 16 or more channels each
 * way run on Winograd F(4x4,3x3) on the FAST path where the output plane
 * fills two thirds of its tiles: those are compared with the REFERENCE
 * path, and with im2col (FATHOM_CPU_WINOGRAD=0), on shapes that cut
 * tiles, blocks and runs of tiles at awkward places, with Winograd on
 * every plane (FATHOM_CPU_WINOGRAD=all), small ones included.
 * The conv path setting of a CPU backend: only its own.
 */
#include "fathom-test-util.h"
#include "fathom-backend-registry.h"
#include "fathom-parity.h"
#include "fathom-cpu-winograd.h"

#include <math.h>

/* Finite differences of a linear op: eps 1e-2 keeps the float rounding of
 * the outputs (about 1e-7 relative) small next to the step. */
#define GRAD_EPS  1e-2f
#define GRAD_ATOL 1e-3f
#define GRAD_RTOL 1e-2f
#define GRAD_POINTS 40

/* FAST against REFERENCE: float sums of a few hundred products. */
#define PATH_ATOL 2e-4f
#define PATH_RTOL 1e-4f

static FathomConvWindow
window_explicit (int kh, int kw, int sh, int sw, int top, int bottom, int left, int right)
{
  return (FathomConvWindow) { kh, kw, sh, sw, top, bottom, left, right };
}

static FathomConvWindow
window_resolved (int kh, int kw, int sh, int sw, FathomPadding padding, gint64 h, gint64 w)
{
  FathomConvWindow win = { kh, kw, sh, sw };
  gint64 oh, ow;

  g_assert_true (fathom_conv_window_resolve (&win, padding, h, w, &oh, &ow));
  return win;
}

static FathomTensor *
conv_output (const FathomConvWindow *win, const FathomTensor *x, const FathomTensor *w)
{
  gint64 oh = (fathom_tensor_get_dim (x, 2) + win->pad_top + win->pad_bottom - win->kh) / win->sh + 1;
  gint64 ow = (fathom_tensor_get_dim (x, 3) + win->pad_left + win->pad_right - win->kw) / win->sw + 1;

  return fathom_tensor_new_4d (fathom_tensor_get_dim (x, 0), fathom_tensor_get_dim (w, 0), oh, ow);
}

/* y = conv(x); y starts as NaN so that a slot that skips an element, or
 * accumulates into it, shows. */
static FathomTensor *
conv_run (FathomBackend *be, const FathomConvWindow *win, const FathomTensor *x,
          const FathomTensor *w, const FathomTensor *bias)
{
  FathomTensor *y = conv_output (win, x, w);
  g_autoptr(GError) error = NULL;

  fathom_tensor_fill (y, NAN);
  g_assert_true (fathom_backend_conv2d_forward (be, win, x, w, bias, y, &error));
  g_assert_no_error (error);
  return y;
}

static void
conv_backward_run (FathomBackend *be, const FathomConvWindow *win, const FathomTensor *x,
                   const FathomTensor *w, const FathomTensor *dy,
                   FathomTensor *dx, FathomTensor *dw, FathomTensor *dbias)
{
  g_autoptr(GError) error = NULL;

  if (dx != NULL)
    fathom_tensor_fill (dx, NAN);
  if (dw != NULL)
    fathom_tensor_fill (dw, NAN);
  if (dbias != NULL)
    fathom_tensor_fill (dbias, NAN);
  g_assert_true (fathom_backend_conv2d_backward (be, win, x, w, dy, dx, dw, dbias, &error));
  g_assert_no_error (error);
}

/* ---- hand-computed values ------------------------------------------------- */

static const float x3x3[] = { 1, 2, 3,
                              4, 5, 6,
                              7, 8, 9 };
static const float w2x2[] = { 1, 2,
                              3, 4 };

static void
check_case (FathomBackend *be, const FathomConvWindow *win, const float *bias_value,
            gint64 oh, gint64 ow, const float *want, const char *what)
{
  g_autoptr(FathomTensor) x = fathom_tensor_new_from_data (4, (gint64[]) { 1, 1, 3, 3 }, x3x3);
  g_autoptr(FathomTensor) w = fathom_tensor_new_from_data (4, (gint64[]) { 1, 1, 2, 2 }, w2x2);
  g_autoptr(FathomTensor) bias = bias_value ? fathom_tensor_new_from_data (1, (gint64[]) { 1 }, bias_value) : NULL;
  g_autoptr(FathomTensor) y = conv_run (be, win, x, w, bias);

  g_assert_cmpint (fathom_tensor_get_dim (y, 2), ==, oh);
  g_assert_cmpint (fathom_tensor_get_dim (y, 3), ==, ow);
  fathom_test_assert_values (y, want, oh * ow, 1e-5f, what);
}

static void
test_conv_forward_values (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 2);
      FathomConvWindow win;

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));

      /* valid, stride 1: 1*1+2*2+4*3+5*4 = 37 and so on, plus the bias */
      win = window_resolved (2, 2, 1, 1, FATHOM_PADDING_VALID, 3, 3);
      check_case (be, &win, (float[]) { 0.5f }, 2, 2,
                  (float[]) { 37.5f, 47.5f, 67.5f, 77.5f }, "valid s1");

      /* same, stride 1: TF puts the one pad row/column at the end */
      win = window_resolved (2, 2, 1, 1, FATHOM_PADDING_SAME, 3, 3);
      g_assert_cmpint (win.pad_top, ==, 0);
      g_assert_cmpint (win.pad_bottom, ==, 1);
      check_case (be, &win, NULL, 3, 3,
                  (float[]) { 37, 47, 21,
                              67, 77, 33,
                              23, 26, 9 }, "same s1");

      /* valid, stride 2: one window */
      win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_VALID, 3, 3);
      check_case (be, &win, NULL, 1, 1, (float[]) { 37 }, "valid s2");

      /* same, stride 2: ceil(3/2) = 2, again padded at the end */
      win = window_resolved (2, 2, 2, 2, FATHOM_PADDING_SAME, 3, 3);
      check_case (be, &win, NULL, 2, 2, (float[]) { 37, 21, 23, 9 }, "same s2");

      /* explicit asymmetric pads: one row on top, two columns on the right */
      win = window_explicit (2, 2, 1, 1, 1, 0, 0, 2);
      check_case (be, &win, NULL, 3, 4,
                  (float[]) { 11, 18,  9, 0,
                              37, 47, 21, 0,
                              67, 77, 33, 0 }, "asymmetric pads");

      /* 1x1 over two channels into two (the FAST path's no-im2col case):
       * y0 = c0 + 0.5 c1 + 1, y1 = -c0 + 2 c1 - 1 */
      {
        g_autoptr(FathomTensor) x = fathom_tensor_new_from_data (4, (gint64[]) { 1, 2, 2, 2 },
                                                                 (float[]) { 1, 2, 3, 4, 10, 20, 30, 40 });
        g_autoptr(FathomTensor) w = fathom_tensor_new_from_data (4, (gint64[]) { 2, 2, 1, 1 },
                                                                 (float[]) { 1, 0.5f, -1, 2 });
        g_autoptr(FathomTensor) bias = fathom_tensor_new_from_data (1, (gint64[]) { 2 }, (float[]) { 1, -1 });
        g_autoptr(FathomTensor) y = NULL;

        win = window_resolved (1, 1, 1, 1, FATHOM_PADDING_VALID, 2, 2);
        y = conv_run (be, &win, x, w, bias);
        fathom_test_assert_values (y, (float[]) { 7, 13, 19, 25, 18, 37, 56, 75 }, 8, 1e-5f, "1x1");
      }
    }
}

static void
test_conv_backward_values (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 2);
      g_autoptr(FathomTensor) x = fathom_tensor_new_from_data (4, (gint64[]) { 1, 1, 3, 3 }, x3x3);
      g_autoptr(FathomTensor) w = fathom_tensor_new_from_data (4, (gint64[]) { 1, 1, 2, 2 }, w2x2);
      g_autoptr(FathomTensor) dy = fathom_tensor_new_4d (1, 1, 2, 2);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) dw = fathom_tensor_new_like (w);
      g_autoptr(FathomTensor) dbias = fathom_tensor_new_1d (1);
      FathomConvWindow win = window_resolved (2, 2, 1, 1, FATHOM_PADDING_VALID, 3, 3);

      /* dy = 1: dw sums x under each tap, dx counts the taps over a cell */
      fathom_tensor_fill (dy, 1.f);
      conv_backward_run (be, &win, x, w, dy, dx, dw, dbias);
      fathom_test_assert_values (dw, (float[]) { 12, 16, 24, 28 }, 4, 1e-5f, "dw");
      fathom_test_assert_values (dx, (float[]) { 1, 3, 2, 4, 10, 6, 3, 7, 4 }, 9, 1e-5f, "dx");
      fathom_test_assert_values (dbias, (float[]) { 4 }, 1, 1e-5f, "dbias");
    }
}

/* ---- gradient checks ------------------------------------------------------ */

typedef struct {
  gint64        n, c, h, w, o;
  int           kh, kw, sh, sw;
  FathomPadding padding;
  const int    *pads;           /* explicit top, bottom, left, right; or NULL */
  gboolean      bias;
} ConvCase;

typedef struct {
  FathomBackend *be;
  FathomConvWindow   win;
  FathomTensor  *x, *w, *bias;
  FathomTensor  *dx, *dw, *dbias;
} ConvCtx;

static void
conv_forward_cb (gpointer data, FathomTensor *out)
{
  ConvCtx *ctx = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_conv2d_forward (ctx->be, &ctx->win, ctx->x, ctx->w, ctx->bias, out, &error));
  g_assert_no_error (error);
}

static void
conv_backward_cb (gpointer data, const FathomTensor *dout)
{
  ConvCtx *ctx = data;

  conv_backward_run (ctx->be, &ctx->win, ctx->x, ctx->w, dout, ctx->dx, ctx->dw, ctx->dbias);
}

static FathomConvWindow
case_window (const ConvCase *cc)
{
  if (cc->pads != NULL)
    return window_explicit (cc->kh, cc->kw, cc->sh, cc->sw,
                            cc->pads[0], cc->pads[1], cc->pads[2], cc->pads[3]);
  return window_resolved (cc->kh, cc->kw, cc->sh, cc->sw, cc->padding, cc->h, cc->w);
}

static const int pads_asym[] = { 0, 2, 1, 0 };
static const int pads_wide[] = { 3, 1, 0, 4 };   /* conv allows pads past the kernel */

static const ConvCase grad_cases[] = {
  /* n  c   h   w  o  kh kw sh sw  padding               pads       bias */
  {  1, 1,  1,  1, 1, 1, 1, 1, 1, FATHOM_PADDING_VALID, NULL,      TRUE  },
  {  3, 2,  5,  7, 3, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  1, 3,  7,  5, 2, 5, 5, 2, 2, FATHOM_PADDING_SAME,  NULL,      FALSE },
  {  3, 2,  6,  5, 4, 2, 3, 2, 2, FATHOM_PADDING_VALID, NULL,      TRUE  },
  {  3, 4,  5,  5, 3, 1, 1, 1, 1, FATHOM_PADDING_VALID, NULL,      TRUE  },
  {  1, 2, 11, 13, 2, 3, 3, 2, 2, FATHOM_PADDING_VALID, NULL,      TRUE  },
  {  3, 3,  4,  4, 5, 1, 1, 2, 2, FATHOM_PADDING_SAME,  NULL,      FALSE },
  {  2, 2,  5,  6, 3, 3, 3, 1, 1, FATHOM_PADDING_VALID, pads_asym, TRUE  },
  {  1, 1,  5,  5, 1, 5, 5, 1, 1, FATHOM_PADDING_VALID, NULL,      TRUE  },
  {  3, 1,  7,  7, 2, 5, 5, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  1, 2,  3,  2, 3, 2, 3, 2, 1, FATHOM_PADDING_VALID, pads_wide, TRUE  },
  {  3, 2, 13,  1, 2, 3, 1, 2, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  /* Winograd on the FAST path: odd plane, half tiles at both edges */
  {  2, 16,  5,  7, 17, 3, 3, 1, 1, FATHOM_PADDING_SAME, NULL,      TRUE  },
  /* kn2row on the FAST path (o * kh * kw <= c): a 3x3 and a 2x3 */
  {  3, 19,  5,  6,  2, 3, 3, 1, 1, FATHOM_PADDING_SAME, NULL,      TRUE  },
  {  2, 13,  4,  5,  2, 2, 3, 1, 1, FATHOM_PADDING_VALID, pads_asym, TRUE },
};

static void
test_conv_gradcheck (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (11);
  double worst = 0.0;

  for (guint p = 0; p < 2; p++)
    for (guint k = 0; k < G_N_ELEMENTS (grad_cases); k++)
      {
        const ConvCase *cc = &grad_cases[k];
        g_autoptr(FathomBackend) be = NULL;
        g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, cc->n, cc->c, cc->h, cc->w);
        g_autoptr(FathomTensor) w = FATHOM_TEST_UNIFORM (rng, -1, 1, cc->o, cc->c, cc->kh, cc->kw);
        g_autoptr(FathomTensor) bias = cc->bias ? FATHOM_TEST_UNIFORM (rng, -1, 1, cc->o) : NULL;
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        g_autoptr(FathomTensor) dw = fathom_tensor_new_like (w);
        g_autoptr(FathomTensor) dbias = cc->bias ? fathom_tensor_new_like (bias) : NULL;
        ConvCtx ctx;

        /* the Winograd case's 5x7 plane on Winograd too */
        g_setenv ("FATHOM_CPU_WINOGRAD", "all", TRUE);
        be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        g_unsetenv ("FATHOM_CPU_WINOGRAD");
        ctx = (ConvCtx) { be, case_window (cc), x, w, bias, dx, dw, dbias };
        g_autoptr(FathomTensor) y = conv_output (&ctx.win, x, w);
        FathomTestGradTarget targets[] = {
          { "x", x, dx }, { "w", w, dw }, { "bias", bias, dbias },
        };
        g_autofree char *name = g_strdup_printf ("conv %s case %u", fathom_test_path_name (fathom_test_paths[p]), k);
        double err;

        err = fathom_test_gradcheck (name, y, conv_forward_cb, conv_backward_cb, &ctx,
                                     targets, cc->bias ? 3 : 2, GRAD_POINTS,
                                     GRAD_EPS, GRAD_ATOL, GRAD_RTOL);
        worst = MAX (worst, err);
      }
  g_test_message ("conv gradcheck: worst |analytic - numeric| %.3g (eps %g, atol %g, rtol %g)",
                  worst, (double) GRAD_EPS, (double) GRAD_ATOL, (double) GRAD_RTOL);
}

/* ---- FAST against REFERENCE ----------------------------------------------- */

/* The largest |got - want| / (atol + rtol |want|): the share of the
 * tolerance used. */
static double
tolerance_used (const FathomTensor *got, const FathomTensor *want, float atol, float rtol)
{
  const float *g = fathom_tensor_get_const_data (got);
  const float *w = fathom_tensor_get_const_data (want);
  double worst = 0.0;

  for (gsize i = 0; i < fathom_tensor_get_numel (want); i++)
    worst = MAX (worst, fabs ((double) g[i] - w[i]) / (atol + rtol * fabs ((double) w[i])));
  return worst;
}

static const ConvCase path_cases[] = {
  /* n  c   h   w  o  kh kw sh sw  padding               pads       bias */
  {  3, 5, 13, 11, 7, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  3, 5, 13, 11, 7, 5, 5, 2, 2, FATHOM_PADDING_VALID, NULL,      TRUE  },
  {  3, 5, 13, 11, 7, 2, 3, 2, 1, FATHOM_PADDING_SAME,  NULL,      FALSE },
  {  3, 5, 13, 11, 7, 1, 1, 1, 1, FATHOM_PADDING_VALID, NULL,      TRUE  },
  {  3, 5, 13, 11, 7, 3, 3, 1, 1, FATHOM_PADDING_VALID, pads_wide, TRUE  },
  /* big enough for fathom_cpu_sgemm to split rows on the per-sample branch */
  {  2, 16, 20, 18, 24, 3, 3, 1, 1, FATHOM_PADDING_SAME, NULL,     TRUE  },
  {  1, 32, 17, 19, 48, 1, 1, 1, 1, FATHOM_PADDING_VALID, NULL,    TRUE  },
  /* C*kh*kw so large that col is lowered in blocks that end mid-row */
  {  2, 512, 20, 18, 4, 3, 3, 1, 1, FATHOM_PADDING_SAME, NULL,     TRUE  },
  {  3, 600, 23, 17, 3, 3, 3, 2, 1, FATHOM_PADDING_VALID, pads_wide, FALSE },
};

/* A case's inputs drawn from rng (x, w, the bias when the case has one,
 * then dy) and the REFERENCE path's results on them; db only with
 * bias_grad. */
typedef struct {
  FathomConvWindow win;
  FathomTensor    *x, *w, *bias, *y, *dy, *dx, *dw, *db;
} ConvRef;

static void
conv_ref_init (ConvRef *r, FathomRng *rng, FathomBackend *ref, const ConvCase *cc, gboolean bias_grad)
{
  r->win = case_window (cc);
  r->x = FATHOM_TEST_UNIFORM (rng, -1, 1, cc->n, cc->c, cc->h, cc->w);
  r->w = FATHOM_TEST_UNIFORM (rng, -1, 1, cc->o, cc->c, cc->kh, cc->kw);
  r->bias = cc->bias ? FATHOM_TEST_UNIFORM (rng, -1, 1, cc->o) : NULL;
  r->y = conv_run (ref, &r->win, r->x, r->w, r->bias);
  r->dy = fathom_tensor_new_like (r->y);
  r->dx = fathom_tensor_new_like (r->x);
  r->dw = fathom_tensor_new_like (r->w);
  r->db = bias_grad ? fathom_tensor_new_1d (cc->o) : NULL;
  fathom_rng_fill_uniform (rng, r->dy, -1.f, 1.f);
  conv_backward_run (ref, &r->win, r->x, r->w, r->dy, r->dx, r->dw, r->db);
}

static void
conv_ref_clear (ConvRef *r)
{
  FathomTensor **all[] = { &r->x, &r->w, &r->bias, &r->y, &r->dy, &r->dx, &r->dw, &r->db };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_clear_pointer (all[i], fathom_tensor_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConvRef, conv_ref_clear)

static void
test_conv_fast_matches_reference (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (12);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  const guint threads[] = { 1, 2, 4 };
  float worst_abs = 0.f;
  double used = 0.0;

  for (guint k = 0; k < G_N_ELEMENTS (path_cases); k++)
    {
      const ConvCase *cc = &path_cases[k];
      g_auto(ConvRef) r = { 0 };

      conv_ref_init (&r, rng, ref, cc, TRUE);

      for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
        {
          g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, threads[t]);
          g_autoptr(FathomTensor) y = conv_run (fast, &r.win, r.x, r.w, r.bias);
          g_autoptr(FathomTensor) dx = fathom_tensor_new_like (r.x);
          g_autoptr(FathomTensor) dw = fathom_tensor_new_like (r.w);
          g_autoptr(FathomTensor) db = fathom_tensor_new_1d (cc->o);
          g_autofree char *what = g_strdup_printf ("case %u, %u threads", k, threads[t]);

          conv_backward_run (fast, &r.win, r.x, r.w, r.dy, dx, dw, db);
          fathom_test_assert_close (y, r.y, PATH_ATOL, PATH_RTOL, what);
          fathom_test_assert_close (dx, r.dx, PATH_ATOL, PATH_RTOL, what);
          fathom_test_assert_close (dw, r.dw, PATH_ATOL, PATH_RTOL, what);
          fathom_test_assert_close (db, r.db, PATH_ATOL, PATH_RTOL, what);
          worst_abs = MAX (worst_abs, fathom_tensor_max_abs_diff (y, r.y));
          worst_abs = MAX (worst_abs, fathom_tensor_max_abs_diff (dx, r.dx));
          worst_abs = MAX (worst_abs, fathom_tensor_max_abs_diff (dw, r.dw));
          worst_abs = MAX (worst_abs, fathom_tensor_max_abs_diff (db, r.db));
          used = MAX (used, tolerance_used (y, r.y, PATH_ATOL, PATH_RTOL));
          used = MAX (used, tolerance_used (dx, r.dx, PATH_ATOL, PATH_RTOL));
          used = MAX (used, tolerance_used (dw, r.dw, PATH_ATOL, PATH_RTOL));
          used = MAX (used, tolerance_used (db, r.db, PATH_ATOL, PATH_RTOL));

          /* Each gradient alone: a NULL output is skipped, the others unchanged. */
          for (int only = 0; only < 3; only++)
            {
              g_autoptr(FathomTensor) dx1 = only == 0 ? fathom_tensor_new_like (r.x) : NULL;
              g_autoptr(FathomTensor) dw1 = only == 1 ? fathom_tensor_new_like (r.w) : NULL;
              g_autoptr(FathomTensor) db1 = only == 2 ? fathom_tensor_new_1d (cc->o) : NULL;

              conv_backward_run (fast, &r.win, r.x, r.w, r.dy, dx1, dw1, db1);
              if (dx1 != NULL)
                fathom_test_assert_close (dx1, dx, 0.f, 0.f, "dx alone");
              if (dw1 != NULL)
                fathom_test_assert_close (dw1, dw, 0.f, 0.f, "dw alone");
              if (db1 != NULL)
                fathom_test_assert_close (db1, db, 0.f, 0.f, "dbias alone");
            }
        }
    }
  g_test_message ("conv fast vs reference: worst |difference| %.3g, at most %.0f%% of "
                  "the tolerance (atol %g, rtol %g)",
                  (double) worst_abs, 100 * used, (double) PATH_ATOL, (double) PATH_RTOL);
}

/* ---- Winograd against REFERENCE and im2col -------------------------------- */

/* F(4x4,3x3) adds the products in another order than the direct sum and
 * through transforms with 4, 5, 8 and 1/24: a few 1e-6 relative of the
 * sum of the magnitudes, within the tolerance of the other FAST paths
 * (the test prints how much of it is used). */
#define WINO_ATOL 2e-4f
#define WINO_RTOL 1e-4f

/* Against the REFERENCE path: F(4x4,3x3)'s error grows with the sum it
 * rounds, so /conv/winograd bounds each cell's difference by this much of
 * the sum of its products' magnitudes (the same convolution of |x|, |w|
 * and |dy|), which holds for sums of a few terms and of thousands alike. */
#define WINO_MAG_EPS 1e-5

/* |x| of every element, as a new tensor. */
static FathomTensor *
abs_copy (const FathomTensor *t)
{
  FathomTensor *a = fathom_tensor_new_like (t);
  const float *src = fathom_tensor_get_const_data (t);
  float *dst = fathom_tensor_get_data (a);

  for (gsize i = 0; i < fathom_tensor_get_numel (t); i++)
    dst[i] = fabsf (src[i]);
  return a;
}

/* The largest |got - want| / (eps * mag + 1e-7) of a tensor, asserted at
 * most 1, with mag the sums of the magnitudes of each cell's terms. */
static double
assert_within_magnitude (const FathomTensor *got, const FathomTensor *want, const FathomTensor *mag,
                         double eps, const char *what)
{
  const float *g = fathom_tensor_get_const_data (got);
  const float *w = fathom_tensor_get_const_data (want);
  const float *m = fathom_tensor_get_const_data (mag);
  double worst = 0.0;

  for (gsize i = 0; i < fathom_tensor_get_numel (want); i++)
    {
      double ratio = fabs ((double) g[i] - w[i]) / (eps * m[i] + 1e-7);

      if (!(ratio <= 1.0))
        g_error ("%s: element %" G_GSIZE_FORMAT " is %.9g, expected %.9g (terms' magnitudes %.6g)",
                 what, i, (double) g[i], (double) w[i], (double) m[i]);
      worst = MAX (worst, ratio);
    }
  return worst;
}

static const int pads_top2[] = { 2, 0, 1, 2 };  /* the most Winograd takes on top and left */

static const ConvCase wino_cases[] = {
  /* n  c   h   w   o  kh kw sh sw  padding               pads       bias */
  {  1, 16,  7,  9, 16, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  3, 17, 13, 11, 19, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  3, 23,  9, 14, 16, 3, 3, 1, 1, FATHOM_PADDING_VALID, NULL,      FALSE },
  {  1, 16,  1,  1, 17, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  2, 20,  5,  6, 18, 3, 3, 1, 1, FATHOM_PADDING_VALID, pads_top2, TRUE  },
  {  2, 40, 23, 21, 48, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  3, 33,  3, 40, 29, 3, 3, 1, 1, FATHOM_PADDING_VALID, NULL,      TRUE  },
  /* several blocks of tiles, blocks that end mid-row and mid-sample: 228
   * tiles, 4x3 a sample, in blocks of 32 forward and backward-data, of
   * 224 and 4 in backward-filter (WINO_FILTER_BLOCK_BYTES) */
  { 19, 80, 13, 11, 80, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
};

static FathomBackend *
fast_backend (guint threads, gboolean winograd)
{
  FathomBackend *be;

  /* "all": Winograd on the small planes of the cases too, whose tiles
   * are mostly padding and the FAST path would give to im2col */
  g_setenv ("FATHOM_CPU_WINOGRAD", winograd ? "all" : "0", TRUE);
  be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, threads);
  g_unsetenv ("FATHOM_CPU_WINOGRAD");
  return be;
}

/* The ReLU the output transform applies as it stores y (the CPU's
 * conv2d_forward_act) is the activation's own, bit for bit, on y from the
 * same transform: a NaN cell stays NaN, a negative one becomes 0. */
static void
check_fused_relu (FathomBackend *be, const FathomConvWindow *win, const FathomTensor *x,
                  const FathomTensor *w, const FathomTensor *bias, const FathomTensor *y,
                  const char *what)
{
  g_autoptr(FathomTensor) fused = fathom_tensor_new_like (y);
  g_autoptr(FathomTensor) want = fathom_tensor_new_like (y);
  g_autoptr(GError) error = NULL;
  const float *yv = fathom_tensor_get_data ((FathomTensor *) y);
  gsize negative = 0;

  fathom_tensor_fill (fused, NAN);
  g_assert_true (fathom_backend_conv2d_forward_act (be, win, x, w, bias, NULL, FATHOM_ACTIVATION_RELU,
                                                    fused, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_backend_activation_forward (be, FATHOM_ACTIVATION_RELU, y, want, &error));
  g_assert_no_error (error);
  fathom_test_assert_close (fused, want, 0.f, 0.f, what);
  for (gsize i = 0; i < fathom_tensor_get_numel (y); i++)
    negative += yv[i] < 0.f;
  g_assert_cmpuint (negative, >, 0);
}

static void
test_conv_winograd (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (14);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  const guint threads[] = { 1, 2, 3 };
  double used = 0.0;
  float worst_abs = 0.f;

  for (guint k = 0; k < G_N_ELEMENTS (wino_cases); k++)
    {
      const ConvCase *cc = &wino_cases[k];
      g_auto(ConvRef) r = { 0 };
      g_autoptr(FathomBackend) im2col = fast_backend (2, FALSE);
      g_autoptr(FathomTensor) y_col = NULL;
      g_autoptr(FathomTensor) dx_col = NULL;
      g_autoptr(FathomTensor) dw_col = NULL;
      g_autoptr(FathomTensor) ax = NULL, aw = NULL, ab = NULL, ady = NULL;
      g_autoptr(FathomTensor) y_mag = NULL, dx_mag = NULL, dw_mag = NULL;

      conv_ref_init (&r, rng, ref, cc, FALSE);
      ax = abs_copy (r.x);
      aw = abs_copy (r.w);
      ab = r.bias != NULL ? abs_copy (r.bias) : NULL;
      ady = abs_copy (r.dy);
      y_mag = conv_run (ref, &r.win, ax, aw, ab);
      dx_mag = fathom_tensor_new_like (r.x);
      dw_mag = fathom_tensor_new_like (r.w);
      conv_backward_run (ref, &r.win, ax, aw, ady, dx_mag, dw_mag, NULL);
      y_col = conv_run (im2col, &r.win, r.x, r.w, r.bias);
      dx_col = fathom_tensor_new_like (r.x);
      dw_col = fathom_tensor_new_like (r.w);
      conv_backward_run (im2col, &r.win, r.x, r.w, r.dy, dx_col, dw_col, NULL);

      for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
        {
          g_autoptr(FathomBackend) fast = fast_backend (threads[t], TRUE);
          g_autoptr(FathomTensor) y = conv_run (fast, &r.win, r.x, r.w, r.bias);
          g_autoptr(FathomTensor) dx = fathom_tensor_new_like (r.x);
          g_autoptr(FathomTensor) dw = fathom_tensor_new_like (r.w);
          g_autoptr(FathomTensor) dw1 = fathom_tensor_new_like (r.w);
          g_autofree char *what = g_strdup_printf ("winograd case %u, %u threads", k, threads[t]);
          const FathomTensor *got[] = { y, dx, dw }, *want[] = { r.y, r.dx, r.dw };
          const FathomTensor *mag[] = { y_mag, dx_mag, dw_mag };

          conv_backward_run (fast, &r.win, r.x, r.w, r.dy, dx, dw, NULL);
          for (guint i = 0; i < G_N_ELEMENTS (got); i++)
            {
              used = MAX (used, assert_within_magnitude (got[i], want[i], mag[i], WINO_MAG_EPS, what));
              worst_abs = MAX (worst_abs, fathom_tensor_max_abs_diff (got[i], want[i]));
            }
          /* The new path ran: im2col's float sums round differently
           * (but not on a 1x1 plane, where each dw is one product). */
          if (cc->h * cc->w > 1)
            {
              g_assert_cmpfloat (fathom_tensor_max_abs_diff (y, y_col), >, 0.f);
              g_assert_cmpfloat (fathom_tensor_max_abs_diff (dx, dx_col), >, 0.f);
              g_assert_cmpfloat (fathom_tensor_max_abs_diff (dw, dw_col), >, 0.f);
            }
          /* dw alone is dw: the passes do not depend on each other */
          conv_backward_run (fast, &r.win, r.x, r.w, r.dy, NULL, dw1, NULL);
          fathom_test_assert_close (dw1, dw, 0.f, 0.f, "winograd dw alone");
          check_fused_relu (fast, &r.win, r.x, r.w, r.bias, y, what);
        }
    }
  g_test_message ("conv winograd vs reference: worst |difference| %.3g, at most %.0f%% of "
                  "the tolerance (%g of the terms' magnitudes)", (double) worst_abs, 100 * used,
                  WINO_MAG_EPS);
}

/* Which planes the FAST path gives to Winograd by default: fcn's 5x10
 * (52% of its tiles' cells) goes to im2col, identical bit for bit to a
 * backend without Winograd; 11x20 (92%) and 22x40 stay on Winograd,
 * within WINO_ATOL + WINO_RTOL * |ref| of the REFERENCE path. Each plane
 * comes in a batch of at least 64 tiles, so that only the plane decides
 * (test_conv_winograd_tiles). */
static void
test_conv_winograd_planes (void)
{
  static const struct { gint64 h, w; gboolean winograd; } planes[] = {
    { 5, 10, FALSE }, { 6, 6, FALSE }, { 11, 20, TRUE }, { 22, 40, TRUE }, { 4, 4, TRUE },
  };
  g_autoptr(FathomRng) rng = fathom_rng_new (17);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomBackend) im2col = fast_backend (2, FALSE);

  for (guint k = 0; k < G_N_ELEMENTS (planes); k++)
    {
      gint64 tiles = (planes[k].h + 3) / 4 * ((planes[k].w + 3) / 4);
      const ConvCase cc = { MAX (2, (64 + tiles - 1) / tiles), 16, planes[k].h, planes[k].w, 16, 3, 3, 1, 1,
                            FATHOM_PADDING_SAME, NULL, TRUE };
      FathomConvWindow win = case_window (&cc);
      g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, cc.n, cc.c, cc.h, cc.w);
      g_autoptr(FathomTensor) w = FATHOM_TEST_UNIFORM (rng, -1, 1, cc.o, cc.c, 3, 3);
      g_autoptr(FathomTensor) bias = FATHOM_TEST_UNIFORM (rng, -1, 1, cc.o);
      g_autoptr(FathomTensor) y_ref = conv_run (ref, &win, x, w, bias);
      g_autoptr(FathomTensor) y_col = conv_run (im2col, &win, x, w, bias);
      g_autoptr(FathomTensor) y = conv_run (fast, &win, x, w, bias);
      g_autoptr(FathomTensor) dy = FATHOM_TEST_UNIFORM (rng, -1, 1, cc.n, cc.o, cc.h, cc.w);
      g_autoptr(FathomTensor) dx_ref = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) dw_ref = fathom_tensor_new_like (w);
      g_autoptr(FathomTensor) dx_col = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) dw_col = fathom_tensor_new_like (w);
      g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
      g_autoptr(FathomTensor) dw = fathom_tensor_new_like (w);

      g_assert_cmpint (fathom_cpu_winograd_applies (FATHOM_CPU (fast), &win, cc.n, cc.c, cc.o, cc.h, cc.w), ==,
                       planes[k].winograd);
      conv_backward_run (ref, &win, x, w, dy, dx_ref, dw_ref, NULL);
      conv_backward_run (im2col, &win, x, w, dy, dx_col, dw_col, NULL);
      conv_backward_run (fast, &win, x, w, dy, dx, dw, NULL);
      fathom_test_assert_close (y, y_ref, WINO_ATOL, WINO_RTOL, "plane y");
      fathom_test_assert_close (dx, dx_ref, WINO_ATOL, WINO_RTOL, "plane dx");
      fathom_test_assert_close (dw, dw_ref, WINO_ATOL, WINO_RTOL, "plane dw");
      if (planes[k].winograd)
        g_assert_cmpfloat (fathom_tensor_max_abs_diff (y, y_col), >, 0.f);
      else
        {
          fathom_test_assert_close (y, y_col, 0.f, 0.f, "plane y on im2col");
          fathom_test_assert_close (dx, dx_col, 0.f, 0.f, "plane dx on im2col");
          fathom_test_assert_close (dw, dw_col, 0.f, 0.f, "plane dw on im2col");
        }
    }
}

/* A call with fewer than 64 tiles in its batch stays on im2col: the
 * filters' transform is paid once a call (ResNet50's 512x512 filters at
 * 7x7 ran at 0.59x im2col's speed in a batch of 8, 1.15x in 16). */
static void
test_conv_winograd_tiles (void)
{
  static const struct { gint64 n, c, h, w; gboolean winograd; } cases[] = {
    { 8, 512, 7, 7, FALSE },    /* 4 tiles an image: 32 */
    { 16, 512, 7, 7, TRUE },    /* 64 */
    { 3, 256, 14, 14, FALSE },  /* 16 an image: 48 */
    { 4, 256, 14, 14, TRUE },
    { 1, 64, 56, 56, TRUE },    /* 196 in one image */
    { 1, 64, 28, 28, FALSE },   /* 49 */
  };
  g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);

  if (!FATHOM_CPU (fast)->winograd)
    {
      g_test_skip ("FATHOM_CPU_WINOGRAD=0 turns Winograd off");
      return;
    }
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const ConvCase cc = { cases[k].n, cases[k].c, cases[k].h, cases[k].w, cases[k].c, 3, 3, 1, 1,
                            FATHOM_PADDING_SAME, NULL, TRUE };
      FathomConvWindow win = case_window (&cc);

      if (fathom_cpu_winograd_applies (FATHOM_CPU (fast), &win, cc.n, cc.c, cc.o, cc.h, cc.w) != cases[k].winograd)
        g_error ("%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                 ": expected %s", cc.n, cc.c, cc.h, cc.w, cases[k].winograd ? "Winograd" : "im2col");
    }
}

/* The backend keeps released scratch for the next call: the smallest
 * kept buffer that fits is handed out again, zeroed when asked, and the
 * largest FATHOM_CPU_SPARE_SLOTS stay. */
static void
test_conv_scratch_reuse (void)
{
  {
    g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
    FathomCpuBackend *cpu = FATHOM_CPU (be);
    float *a = fathom_cpu_scratch_acquire (cpu, 1000, FALSE, "test", NULL);
    float *b = fathom_cpu_scratch_acquire (cpu, 100, FALSE, "test", NULL);
    float *b2, *a2, *d;

    g_assert_true (a != NULL && b != NULL && a != b);
    for (int i = 0; i < 1000; i++)
      a[i] = 1.f;
    fathom_cpu_scratch_release (cpu, a);
    fathom_cpu_scratch_release (cpu, b);
    /* 50 fits both: the smaller comes back; 500 only the larger, zeroed */
    b2 = fathom_cpu_scratch_acquire (cpu, 50, FALSE, "test", NULL);
    a2 = fathom_cpu_scratch_acquire (cpu, 500, TRUE, "test", NULL);
    g_assert_true (b2 == b);
    g_assert_true (a2 == a);
    for (int i = 0; i < 500; i++)
      g_assert_cmpfloat (a2[i], ==, 0.f);
    /* nothing kept fits: a new buffer */
    d = fathom_cpu_scratch_acquire (cpu, 2000, FALSE, "test", NULL);
    g_assert_true (d != NULL && d != a && d != b);
    fathom_cpu_scratch_release (cpu, a2);
    fathom_cpu_scratch_release (cpu, b2);
    fathom_cpu_scratch_release (cpu, d);
  }
  {
    /* one more released than there are slots: the smallest is let go,
     * the others come back */
    g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
    FathomCpuBackend *cpu = FATHOM_CPU (be);
    float *kept[FATHOM_CPU_SPARE_SLOTS + 1], *again[FATHOM_CPU_SPARE_SLOTS + 1];

    for (int i = 0; i <= FATHOM_CPU_SPARE_SLOTS; i++)
      kept[i] = fathom_cpu_scratch_acquire (cpu, 10 * (i + 1), FALSE, "test", NULL);
    for (int i = 0; i <= FATHOM_CPU_SPARE_SLOTS; i++)
      fathom_cpu_scratch_release (cpu, kept[i]);
    for (int i = FATHOM_CPU_SPARE_SLOTS; i >= 0; i--)
      again[i] = fathom_cpu_scratch_acquire (cpu, 10 * (i + 1), FALSE, "test", NULL);
    for (int i = 1; i <= FATHOM_CPU_SPARE_SLOTS; i++)
      g_assert_true (again[i] == kept[i]);
    g_assert_true (again[0] != kept[1] && again[0] != kept[2]);
    for (int i = 0; i <= FATHOM_CPU_SPARE_SLOTS; i++)
      fathom_cpu_scratch_release (cpu, again[i]);
  }
}

/* ---- kn2row against REFERENCE ----------------------------------------------- */

static const ConvCase kn2row_cases[] = {
  /* n  c   h   w  o  kh kw sh sw  padding               pads       bias */
  {  3, 72, 22, 40, 8, 3, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  4, 20,  7,  9, 2, 3, 3, 1, 1, FATHOM_PADDING_VALID, pads_top2, FALSE },
  {  3, 25,  6,  5, 1, 5, 5, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
  {  5,  9,  1,  8, 3, 1, 3, 1, 1, FATHOM_PADDING_SAME,  NULL,      TRUE  },
};

static void
test_conv_kn2row (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (15);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  const guint threads[] = { 1, 2, 3 };
  double used = 0.0;

  for (guint k = 0; k < G_N_ELEMENTS (kn2row_cases); k++)
    {
      const ConvCase *cc = &kn2row_cases[k];
      g_auto(ConvRef) r = { 0 };

      conv_ref_init (&r, rng, ref, cc, TRUE);
      for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
        {
          g_autoptr(FathomBackend) fast = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, threads[t]);
          g_autoptr(FathomTensor) y = conv_run (fast, &r.win, r.x, r.w, r.bias);
          g_autoptr(FathomTensor) dx = fathom_tensor_new_like (r.x);
          g_autoptr(FathomTensor) dw = fathom_tensor_new_like (r.w);
          g_autoptr(FathomTensor) db = fathom_tensor_new_1d (cc->o);
          g_autoptr(FathomTensor) dx1 = fathom_tensor_new_like (r.x);
          g_autoptr(FathomTensor) dw1 = fathom_tensor_new_like (r.w);
          g_autofree char *what = g_strdup_printf ("kn2row case %u, %u threads", k, threads[t]);
          const FathomTensor *got[] = { y, dx, dw, db }, *want[] = { r.y, r.dx, r.dw, r.db };

          conv_backward_run (fast, &r.win, r.x, r.w, r.dy, dx, dw, db);
          for (guint i = 0; i < G_N_ELEMENTS (got); i++)
            {
              fathom_test_assert_close (got[i], want[i], PATH_ATOL, PATH_RTOL, what);
              used = MAX (used, tolerance_used (got[i], want[i], PATH_ATOL, PATH_RTOL));
            }
          /* each gradient alone is the same */
          conv_backward_run (fast, &r.win, r.x, r.w, r.dy, dx1, NULL, NULL);
          conv_backward_run (fast, &r.win, r.x, r.w, r.dy, NULL, dw1, NULL);
          fathom_test_assert_close (dx1, dx, 0.f, 0.f, "kn2row dx alone");
          fathom_test_assert_close (dw1, dw, 0.f, 0.f, "kn2row dw alone");
        }
    }
  g_test_message ("conv kn2row vs reference: at most %.0f%% of the tolerance (atol %g, rtol %g)",
                  100 * used, (double) PATH_ATOL, (double) PATH_RTOL);
}

/* ---- zero padding --------------------------------------------------------- */

typedef struct {
  FathomBackend *be;
  FathomPad2d    pad;
  FathomTensor  *x, *dx;
} PadCtx;

static void
pad_forward_cb (gpointer data, FathomTensor *out)
{
  PadCtx *ctx = data;
  g_autoptr(GError) error = NULL;

  fathom_tensor_fill (out, NAN);
  g_assert_true (fathom_backend_zero_pad_forward (ctx->be, &ctx->pad, ctx->x, out, &error));
  g_assert_no_error (error);
}

static void
pad_backward_cb (gpointer data, const FathomTensor *dout)
{
  PadCtx *ctx = data;
  g_autoptr(GError) error = NULL;

  fathom_tensor_fill (ctx->dx, NAN);
  g_assert_true (fathom_backend_zero_pad_backward (ctx->be, &ctx->pad, dout, ctx->dx, &error));
  g_assert_no_error (error);
}

static void
test_zero_pad (void)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (13);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  double worst = 0.0;

  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);

      /* one row on top, two columns on the right */
      {
        g_autoptr(FathomTensor) x = fathom_tensor_new_from_data (4, (gint64[]) { 1, 1, 2, 2 },
                                                                 (float[]) { 1, 2, 3, 4 });
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (1, 1, 3, 4);
        g_autoptr(FathomTensor) dy = fathom_tensor_new_4d (1, 1, 3, 4);
        PadCtx ctx = { be, { 1, 0, 0, 2 }, x, dx };

        pad_forward_cb (&ctx, y);
        fathom_test_assert_values (y, (float[]) { 0, 0, 0, 0,
                                                  1, 2, 0, 0,
                                                  3, 4, 0, 0 }, 12, 0.f, "zero_pad");
        for (int i = 0; i < 12; i++)
          fathom_tensor_get_data (dy)[i] = (float) (i + 1);
        pad_backward_cb (&ctx, dy);
        fathom_test_assert_values (dx, (float[]) { 5, 6, 9, 10 }, 4, 0.f, "zero_pad backward");
      }

      /* gradients on odd shapes */
      {
        g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 2, 5, 1);
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (3, 2, 8, 4);
        PadCtx ctx = { be, { 2, 1, 0, 3 }, x, dx };
        FathomTestGradTarget targets[] = { { "x", x, dx } };
        double err = fathom_test_gradcheck ("zero_pad", y, pad_forward_cb, pad_backward_cb, &ctx,
                                            targets, 1, GRAD_POINTS, GRAD_EPS, GRAD_ATOL, GRAD_RTOL);

        worst = MAX (worst, err);
      }

      /* large enough for the FAST path to use threads; exact copies */
      {
        g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 16, 41, 37);
        g_autoptr(FathomTensor) y = fathom_tensor_new_4d (3, 16, 44, 40);
        g_autoptr(FathomTensor) y_ref = fathom_tensor_new_like (y);
        g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
        g_autoptr(FathomTensor) dx_ref = fathom_tensor_new_like (x);
        PadCtx ctx = { be, { 1, 2, 3, 0 }, x, dx };
        PadCtx ctx_ref = { ref, { 1, 2, 3, 0 }, x, dx_ref };

        pad_forward_cb (&ctx, y);
        pad_forward_cb (&ctx_ref, y_ref);
        fathom_test_assert_close (y, y_ref, 0.f, 0.f, "zero_pad paths");
        pad_backward_cb (&ctx, y);
        pad_backward_cb (&ctx_ref, y_ref);
        fathom_test_assert_close (dx, x, 0.f, 0.f, "crop of pad");
        fathom_test_assert_close (dx, dx_ref, 0.f, 0.f, "zero_pad backward paths");
      }
    }
  g_test_message ("zero_pad gradcheck: worst |analytic - numeric| %.3g", worst);
}

static void
test_conv_shape_error (void)
{
  g_autoptr(FathomBackend) cpu = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 1);
  g_autoptr(FathomTensor) x = fathom_tensor_new_4d (2, 3, 5, 5);
  g_autoptr(FathomTensor) w = fathom_tensor_new_4d (4, 2, 3, 3);   /* 2 channels, x has 3 */
  g_autoptr(FathomTensor) y = fathom_tensor_new_4d (2, 4, 3, 3);
  FathomConvWindow win = window_resolved (3, 3, 1, 1, FATHOM_PADDING_VALID, 5, 5);
  g_autoptr(GError) error = NULL;

  g_assert_false (fathom_backend_conv2d_forward (cpu, &win, x, w, NULL, y, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
}

/* The parity cases (fathom-parity-cases.c) on the FAST path: the cases
 * and their tolerances hold where the answer is known to be right, and a
 * CPU backend has one path, so only "conv2d" is filed. */
static void
test_conv_parity_cases (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(GPtrArray) results = fathom_parity_run (be, ref, "conv2d");
  g_autofree char *table = fathom_parity_format (results);

  g_test_message ("%s", table);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < results->len; i++)
    {
      const FathomParityResult *r = g_ptr_array_index (results, i);

      g_assert_cmpstr (r->op, ==, "conv2d");
      g_assert_cmpuint (r->n_cases, ==, 11);
      g_assert_null (r->error);
      g_assert_true (r->ok);
    }
}

static void
test_conv_path_setting (void)
{
  g_autoptr(FathomBackend) cpu = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 1);
  g_autoptr(FathomBackend) ref = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *fast = NULL, *loops = NULL;
  FathomConvPath path = FATHOM_CONV_PATH_CUDNN;
  guint64 on_cudnn = 7, on_own = 7;

  for (int p = FATHOM_CONV_PATH_AUTO; p <= FATHOM_CONV_PATH_CUDNN; p++)
    {
      g_assert_true (fathom_conv_path_from_string (fathom_conv_path_to_string (p), &path));
      g_assert_cmpint (path, ==, p);
    }
  g_assert_cmpstr (fathom_conv_path_to_string (FATHOM_CONV_PATH_OWN), ==, "own");
  g_assert_false (fathom_conv_path_from_string ("cuDNN", &path));
  g_assert_false (fathom_conv_path_from_string (NULL, &path));

  g_assert_true (fathom_backend_set_conv_path (cpu, FATHOM_CONV_PATH_AUTO, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_backend_set_conv_path (cpu, FATHOM_CONV_PATH_OWN, &error));
  g_assert_no_error (error);
  g_assert_false (fathom_backend_set_conv_path (cpu, FATHOM_CONV_PATH_CUDNN, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED);
  g_assert_cmpint (fathom_backend_get_conv_path (cpu), ==, FATHOM_CONV_PATH_OWN);

  fast = fathom_backend_describe_conv (cpu);
  loops = fathom_backend_describe_conv (ref);
  g_assert_cmpstr (fast, ==, "Winograd F(4x4,3x3), kn2row, im2col + OpenBLAS");
  g_assert_cmpstr (loops, ==, "reference loops");
  g_assert_false (fathom_backend_get_conv_calls (cpu, &on_cudnn, &on_own));
  g_assert_cmpuint (on_cudnn, ==, 0);
  g_assert_cmpuint (on_own, ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/forward-values", test_conv_forward_values);
  g_test_add_func ("/conv/backward-values", test_conv_backward_values);
  g_test_add_func ("/conv/gradcheck", test_conv_gradcheck);
  g_test_add_func ("/conv/fast-matches-reference", test_conv_fast_matches_reference);
  g_test_add_func ("/conv/winograd", test_conv_winograd);
  g_test_add_func ("/conv/winograd-planes", test_conv_winograd_planes);
  g_test_add_func ("/conv/winograd-tiles", test_conv_winograd_tiles);
  g_test_add_func ("/conv/scratch-reuse", test_conv_scratch_reuse);
  g_test_add_func ("/conv/kn2row", test_conv_kn2row);
  g_test_add_func ("/conv/zero-pad", test_zero_pad);
  g_test_add_func ("/conv/shape-error", test_conv_shape_error);
  g_test_add_func ("/conv/parity-cases", test_conv_parity_cases);
  g_test_add_func ("/conv/path-setting", test_conv_path_setting);
  return g_test_run ();
}
