/* fathom-parity-cases.c: the parity cases of every op.
 *
 * Shapes are chosen to break kernels: sizes of 1, odd and prime sizes
 * (tails that fill no block), batches of 1 and 3, asymmetric padding,
 * overlapping and clipped windows, ties for max pooling, more inputs than
 * one launch of add takes, overlapping copies.
 *
 * This file: fill, copy, axpy, gemm, conv2d, zero padding and pooling;
 * fathom-parity-cases-layers.c and -seq.c hold the others. Tolerances are
 * in fathom-parity-private.h.
 */
#include "fathom-parity-private.h"

#include <math.h>

#include "fathom-backend-registry.h"

/* ---- fill, copy, axpy, gemm ------------------------------------------------------- */

static const ShapeCase basic_shapes[] = {
  { 1, { 1 } }, { 1, { 7919 } }, { 3, { 3, 5, 7 } },
};

static void
fill_case (FathomParityRun *run, gconstpointer data)
{
  const ShapeCase *c = data;
  FathomTensor *t = fathom_parity_out (run, c->ndim, c->shape);

  if (t != NULL && fathom_parity_ok (run, fathom_backend_fill (run->be, t, -0.375f, &run->error)))
    fathom_parity_keep (run, FWD, "t", t, TOL_EXACT);
}

static void
copy_case (FathomParityRun *run, gconstpointer data)
{
  const ShapeCase *c = data;
  FathomTensor *src = fathom_parity_in (run, c->ndim, c->shape, -1.f, 1.f);
  FathomTensor *dst = fathom_parity_out (run, c->ndim, c->shape);

  if (dst != NULL && fathom_parity_ok (run, fathom_backend_copy (run->be, dst, src, &run->error)))
    fathom_parity_keep (run, FWD, "dst", dst, TOL_EXACT);
}

/* dst and src are overlapping views of one tensor: memmove semantics. */
static void
copy_overlap_case (FathomParityRun *run, gconstpointer data)
{
  FathomTensor *t = PARITY_IN (run, -1.f, 1.f, 10, 3);
  g_autoptr(FathomTensor) dst = NULL;
  g_autoptr(FathomTensor) src = NULL;

  if (t == NULL)
    return;
  dst = fathom_tensor_slice (t, 1, 9);
  src = fathom_tensor_slice (t, 0, 9);
  if (fathom_parity_ok (run, fathom_backend_copy (run->be, dst, src, &run->error)))
    fathom_parity_keep (run, FWD, "t", t, TOL_EXACT);
}

static void
axpy_case (FathomParityRun *run, gconstpointer data)
{
  const ShapeCase *c = data;
  FathomTensor *x = fathom_parity_in (run, c->ndim, c->shape, -1.f, 1.f);
  FathomTensor *y = fathom_parity_in (run, c->ndim, c->shape, -1.f, 1.f);

  if (y != NULL && fathom_parity_ok (run, fathom_backend_axpy (run->be, 1.7f, x, y, &run->error)))
    fathom_parity_keep (run, FWD, "y", y, TOL_ELEMENT);
}

typedef struct {
  gboolean ta, tb;
  gint64   m, n, k;
  float    alpha, beta;
} GemmCase;

static const GemmCase gemm_cases[] = {
  { FALSE, FALSE, 1, 1, 1, 1.f, 0.f },
  { FALSE, FALSE, 3, 17, 13, 1.5f, 0.f },
  { TRUE, FALSE, 31, 7, 5, 1.f, 0.5f },
  { FALSE, TRUE, 7, 31, 129, -0.5f, 0.f },
  { TRUE, TRUE, 13, 3, 17, 1.f, 1.f },
  { FALSE, FALSE, 5, 3, 0, 1.f, 0.5f },         /* k = 0: C = beta C */
};

static void
gemm_case (FathomParityRun *run, gconstpointer data)
{
  const GemmCase *c = data;
  FathomTensor *a = c->ta ? PARITY_IN (run, -1.f, 1.f, c->k, c->m) : PARITY_IN (run, -1.f, 1.f, c->m, c->k);
  FathomTensor *b = c->tb ? PARITY_IN (run, -1.f, 1.f, c->n, c->k) : PARITY_IN (run, -1.f, 1.f, c->k, c->n);
  /* beta 0 must overwrite: start from NaN then */
  FathomTensor *out = c->beta != 0.f ? PARITY_IN (run, -1.f, 1.f, c->m, c->n) : PARITY_OUT (run, c->m, c->n);

  if (out != NULL &&
      fathom_parity_ok (run, fathom_backend_gemm (run->be, c->ta, c->tb, c->alpha, a, b, c->beta,
                                                  out, &run->error)))
    fathom_parity_keep (run, FWD, "c", out, TOL_PRODUCT);
}

static void
basic_cases (FathomParity *p)
{
  for (guint i = 0; i < G_N_ELEMENTS (basic_shapes); i++)
    {
      g_autofree char *label = fathom_parity_shape_label (basic_shapes[i].ndim, basic_shapes[i].shape);

      if (fathom_parity_wants (p, "fill"))
        fathom_parity_case (p, "fill", label, fill_case, &basic_shapes[i]);
      if (fathom_parity_wants (p, "copy"))
        fathom_parity_case (p, "copy", label, copy_case, &basic_shapes[i]);
      if (fathom_parity_wants (p, "axpy"))
        fathom_parity_case (p, "axpy", label, axpy_case, &basic_shapes[i]);
    }
  if (fathom_parity_wants (p, "copy"))
    fathom_parity_case (p, "copy", "overlapping views of [10,3]", copy_overlap_case, NULL);
  for (guint i = 0; fathom_parity_wants (p, "gemm") && i < G_N_ELEMENTS (gemm_cases); i++)
    {
      const GemmCase *c = &gemm_cases[i];
      g_autofree char *label = g_strdup_printf ("%s%s m%" G_GINT64_FORMAT " n%" G_GINT64_FORMAT
                                                " k%" G_GINT64_FORMAT " beta %g",
                                                c->ta ? "T" : "N", c->tb ? "T" : "N",
                                                c->m, c->n, c->k, (double) c->beta);

      fathom_parity_case (p, "gemm", label, gemm_case, c);
    }
}

/* ---- convolution and padding ---------------------------------------------------------- */

/* A backend with two convolution paths (CUDA with cuDNN) runs every case
 * on each: "conv2d" on our own path, "conv2d/cudnn" on cuDNN. own_only
 * marks the shapes whose padding cuDNN cannot express (the output size
 * would change), which must stay on our own path even then. */
typedef struct {
  gint64        n, c, h, w, o;
  int           kh, kw, sh, sw;
  FathomPadding padding;
  int           pads[4];        /* top, bottom, left, right when explicit */
  gboolean      explicit_pads, bias, no_dx, own_only;
} ConvCase;

static const ConvCase conv_cases[] = {
  { 1, 1, 1, 1, 1, 1, 1, 1, 1, FATHOM_PADDING_VALID },                    /* all ones, pointwise */
  { 2, 4, 6, 5, 3, 1, 1, 1, 1, FATHOM_PADDING_VALID, .bias = TRUE },      /* pointwise, batched */
  { 3, 5, 7, 11, 3, 3, 3, 1, 1, FATHOM_PADDING_SAME, .bias = TRUE },
  { 3, 2, 13, 7, 5, 3, 2, 2, 2, FATHOM_PADDING_SAME, .bias = TRUE, .own_only = TRUE }, /* pad at the end only */
  { 1, 3, 5, 5, 7, 5, 5, 1, 1, FATHOM_PADDING_VALID },                    /* window = input */
  { 3, 2, 11, 13, 2, 2, 2, 3, 3, FATHOM_PADDING_VALID, { 1, 0, 0, 2 }, .explicit_pads = TRUE,
    .own_only = TRUE },
  { 1, 3, 9, 7, 4, 3, 3, 2, 1, FATHOM_PADDING_SAME, .bias = TRUE, .no_dx = TRUE },
  /* asymmetric pads that leave the output size as symmetric ones would */
  { 2, 3, 10, 10, 4, 3, 3, 3, 3, FATHOM_PADDING_VALID, { 1, 2, 2, 0 }, .explicit_pads = TRUE,
    .bias = TRUE },
  { 2, 16, 15, 17, 24, 3, 3, 1, 1, FATHOM_PADDING_SAME, .bias = TRUE },  /* channels enough for real algorithms */
  { 3, 8, 9, 9, 5, 1, 1, 2, 2, FATHOM_PADDING_VALID },                    /* 1x1 stride 2: ResNet's shortcut */
  { 1, 3, 23, 21, 8, 7, 7, 2, 2, FATHOM_PADDING_VALID, { 3, 3, 3, 3 }, .explicit_pads = TRUE }, /* ResNet's stem */
};

static gboolean
conv_window (const ConvCase *c, FathomConvWindow *win, gint64 *oh, gint64 *ow)
{
  *win = (FathomConvWindow) { c->kh, c->kw, c->sh, c->sw };
  if (!c->explicit_pads)
    return fathom_conv_window_resolve (win, c->padding, c->h, c->w, oh, ow);
  win->pad_top = c->pads[0];
  win->pad_bottom = c->pads[1];
  win->pad_left = c->pads[2];
  win->pad_right = c->pads[3];
  *oh = (c->h + c->pads[0] + c->pads[1] - c->kh) / c->sh + 1;
  *ow = (c->w + c->pads[2] + c->pads[3] - c->kw) / c->sw + 1;
  return TRUE;
}

/* Where a backend counts its convolution calls per path, the case's
 * calls (forward, forward with ReLU where there is a bias, backward) must
 * have run where it asked. */
static void
conv_check_path (FathomParityRun *run, const ConvCase *c, gboolean cudnn, gboolean counted,
                 guint64 cudnn_before)
{
  guint64 calls = c->bias ? 3 : 2;
  guint64 on_cudnn = 0, on_own = 0, want = cudnn && !c->own_only ? calls : 0;

  if (!counted || run->error != NULL)
    return;
  fathom_backend_get_conv_calls (run->be, &on_cudnn, &on_own);
  if (on_cudnn - cudnn_before != want)
    g_set_error (&run->error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                 "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " calls ran on cuDNN, where %"
                 G_GUINT64_FORMAT " should have", on_cudnn - cudnn_before, calls, want);
}

static void
conv_case_on (FathomParityRun *run, const ConvCase *c, gboolean cudnn)
{
  FathomConvWindow win;
  gint64 oh, ow;
  guint64 cudnn_before = 0, own_before = 0;
  gboolean counted = fathom_backend_get_conv_calls (run->be, &cudnn_before, &own_before);
  FathomTensor *x, *w, *b, *z, *y, *y_relu, *y_res, *dy, *dx, *dw, *db;

  conv_window (c, &win, &oh, &ow);
  x = PARITY_IN (run, -1.f, 1.f, c->n, c->c, c->h, c->w);
  w = PARITY_IN (run, -0.5f, 0.5f, c->o, c->c, c->kh, c->kw);
  b = c->bias ? PARITY_IN (run, -0.5f, 0.5f, c->o) : NULL;
  y = PARITY_OUT (run, c->n, c->o, oh, ow);
  y_relu = PARITY_OUT (run, c->n, c->o, oh, ow);
  z = PARITY_IN (run, -1.f, 1.f, c->n, c->o, oh, ow);
  y_res = PARITY_OUT (run, c->n, c->o, oh, ow);
  dy = PARITY_IN (run, -1.f, 1.f, c->n, c->o, oh, ow);
  dx = c->no_dx ? NULL : PARITY_OUT (run, c->n, c->c, c->h, c->w);
  dw = PARITY_OUT (run, c->o, c->c, c->kh, c->kw);
  db = c->bias ? PARITY_OUT (run, c->o) : NULL;
  if (dw == NULL)
    return;
  if (!fathom_parity_ok (run, fathom_backend_conv2d_forward (run->be, &win, x, w, b, y, &run->error)))
    return;
  if (cudnn)
    fathom_parity_keep (run, FWD, "y", y, TOL_CUDNN);
  else
    fathom_parity_keep (run, FWD, "y", y, TOL_PRODUCT);
  /* with a bias, the forward pass and ReLU in one call (fused on cuDNN),
   * and with a residual z added before the ReLU (ResNet's shortcut) */
  if (c->bias)
    {
      if (!fathom_parity_ok (run, fathom_backend_conv2d_forward_act (run->be, &win, x, w, b, NULL,
                                                                     FATHOM_ACTIVATION_RELU, y_relu,
                                                                     &run->error)) ||
          !fathom_parity_ok (run, fathom_backend_conv2d_forward_act (run->be, &win, x, w, b, z,
                                                                     FATHOM_ACTIVATION_RELU, y_res,
                                                                     &run->error)))
        return;
      if (cudnn)
        {
          fathom_parity_keep (run, FWD, "y relu", y_relu, TOL_CUDNN);
          fathom_parity_keep (run, FWD, "y+z relu", y_res, TOL_CUDNN);
        }
      else
        {
          fathom_parity_keep (run, FWD, "y relu", y_relu, TOL_PRODUCT);
          fathom_parity_keep (run, FWD, "y+z relu", y_res, TOL_PRODUCT);
        }
    }
  run->direction = BWD;
  if (!fathom_parity_ok (run, fathom_backend_conv2d_backward (run->be, &win, x, w, dy, dx, dw, db,
                                                              &run->error)))
    return;
  if (cudnn)
    {
      if (dx != NULL)
        fathom_parity_keep (run, BWD, "dx", dx, TOL_CUDNN);
      fathom_parity_keep (run, BWD, "dw", dw, TOL_CUDNN);
      if (db != NULL)
        fathom_parity_keep (run, BWD, "dbias", db, TOL_CUDNN);
    }
  else
    {
      if (dx != NULL)
        fathom_parity_keep (run, BWD, "dx", dx, TOL_PRODUCT);
      fathom_parity_keep (run, BWD, "dw", dw, TOL_PRODUCT);
      if (db != NULL)
        fathom_parity_keep (run, BWD, "dbias", db, TOL_SUM);
    }
  conv_check_path (run, c, cudnn, counted, cudnn_before);
}

static void
conv_case (FathomParityRun *run, gconstpointer data)
{
  conv_case_on (run, data, FALSE);
}

static void
conv_case_cudnn (FathomParityRun *run, gconstpointer data)
{
  conv_case_on (run, data, TRUE);
}

static void
conv_cases_on (FathomParity *p, const char *op, FathomParityFunc func)
{
  for (guint i = 0; i < G_N_ELEMENTS (conv_cases); i++)
    {
      const ConvCase *c = &conv_cases[i];
      g_autofree char *shape = fathom_parity_shape_label (4, (gint64[]) { c->n, c->c, c->h, c->w });
      g_autofree char *pads = c->explicit_pads
                              ? g_strdup_printf ("pads %d,%d,%d,%d", c->pads[0], c->pads[1], c->pads[2], c->pads[3])
                              : g_strdup (c->padding == FATHOM_PADDING_SAME ? "same" : "valid");
      g_autofree char *label = g_strdup_printf ("%s o%" G_GINT64_FORMAT " k%dx%d s%dx%d %s%s%s", shape,
                                                c->o, c->kh, c->kw, c->sh, c->sw, pads,
                                                c->bias ? " +bias" : "", c->no_dx ? " no dx" : "");

      fathom_parity_case (p, op, label, func, c);
    }
}

/* Our own path always; cuDNN where the backend can use it. The backend's
 * setting is put back afterwards. */
static void
conv_paths_run (FathomParity *p)
{
  FathomBackend *be = fathom_parity_get_backend (p);
  FathomConvPath before = fathom_backend_get_conv_path (be);

  if (fathom_backend_set_conv_path (be, FATHOM_CONV_PATH_OWN, NULL))
    conv_cases_on (p, "conv2d", conv_case);
  if (fathom_backend_set_conv_path (be, FATHOM_CONV_PATH_CUDNN, NULL))
    conv_cases_on (p, "conv2d/cudnn", conv_case_cudnn);
  fathom_backend_set_conv_path (be, before, NULL);
}

typedef struct {
  gint64 n, c, h, w;
  FathomPad2d pad;
} PadCase;

static const PadCase pad_cases[] = {
  { 1, 1, 1, 1, { 0, 0, 0, 0 } },
  { 3, 2, 5, 7, { 1, 2, 0, 3 } },
  { 2, 3, 4, 4, { 2, 0, 1, 1 } },
};

static void
pad_case (FathomParityRun *run, gconstpointer data)
{
  const PadCase *c = data;
  gint64 ph = c->h + c->pad.top + c->pad.bottom, pw = c->w + c->pad.left + c->pad.right;
  FathomTensor *x = PARITY_IN (run, -1.f, 1.f, c->n, c->c, c->h, c->w);
  FathomTensor *y = PARITY_OUT (run, c->n, c->c, ph, pw);
  FathomTensor *dy = PARITY_IN (run, -1.f, 1.f, c->n, c->c, ph, pw);
  FathomTensor *dx = PARITY_OUT (run, c->n, c->c, c->h, c->w);

  if (dx == NULL ||
      !fathom_parity_ok (run, fathom_backend_zero_pad_forward (run->be, &c->pad, x, y, &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_EXACT);
  run->direction = BWD;
  if (fathom_parity_ok (run, fathom_backend_zero_pad_backward (run->be, &c->pad, dy, dx, &run->error)))
    fathom_parity_keep (run, BWD, "dx", dx, TOL_EXACT);
}

static void
conv_cases_run (FathomParity *p)
{
  if (fathom_parity_wants (p, "conv2d"))
    conv_paths_run (p);
  for (guint i = 0; fathom_parity_wants (p, "zero_pad") && i < G_N_ELEMENTS (pad_cases); i++)
    {
      const PadCase *c = &pad_cases[i];
      g_autofree char *shape = fathom_parity_shape_label (4, (gint64[]) { c->n, c->c, c->h, c->w });
      g_autofree char *label = g_strdup_printf ("%s pads %d,%d,%d,%d", shape, c->pad.top,
                                                c->pad.bottom, c->pad.left, c->pad.right);

      fathom_parity_case (p, "zero_pad", label, pad_case, c);
    }
}

/* ---- pooling ------------------------------------------------------------------------------- */

typedef struct {
  gint64        n, c, h, w;
  int           kh, kw, sh, sw;
  FathomPadding padding;
  gboolean      ties;           /* values on a coarse grid: equal maxima in a window */
} PoolCase;

static const PoolCase pool_cases[] = {
  { 1, 1, 1, 1, 1, 1, 1, 1, FATHOM_PADDING_VALID },
  { 3, 2, 7, 7, 2, 2, 2, 2, FATHOM_PADDING_SAME },
  { 3, 5, 13, 11, 3, 3, 2, 2, FATHOM_PADDING_SAME },
  { 1, 3, 5, 7, 3, 3, 1, 1, FATHOM_PADDING_SAME },        /* overlapping windows */
  { 3, 2, 9, 8, 3, 2, 2, 3, FATHOM_PADDING_VALID, TRUE },
  { 1, 1, 6, 5, 2, 2, 1, 1, FATHOM_PADDING_SAME, TRUE },
};

static FathomTensor *
pool_input (FathomParityRun *run, const PoolCase *c)
{
  g_autoptr(FathomTensor) host = fathom_tensor_new_4d (c->n, c->c, c->h, c->w);
  float *v = fathom_tensor_get_data (host);

  fathom_rng_fill_uniform (run->rng, host, -1.f, 1.f);
  if (c->ties)
    for (gsize i = 0; i < fathom_tensor_get_numel (host); i++)
      v[i] = roundf (v[i] * 2.f) / 2.f;
  return fathom_parity_upload (run, host);
}

static void
pool_case (FathomParityRun *run, gboolean max, const PoolCase *c)
{
  FathomConvWindow win = { c->kh, c->kw, c->sh, c->sw };
  gint64 oh, ow;
  FathomTensor *x, *y, *dy, *dx;
  gboolean ok;

  fathom_conv_window_resolve (&win, c->padding, c->h, c->w, &oh, &ow);
  x = pool_input (run, c);
  y = PARITY_OUT (run, c->n, c->c, oh, ow);
  dy = PARITY_IN (run, -1.f, 1.f, c->n, c->c, oh, ow);
  dx = PARITY_OUT (run, c->n, c->c, c->h, c->w);
  if (dx == NULL)
    return;
  ok = max ? fathom_backend_max_pool_forward (run->be, &win, x, y, &run->error)
           : fathom_backend_avg_pool_forward (run->be, &win, x, y, &run->error);
  if (!fathom_parity_ok (run, ok))
    return;
  /* max selects an input; avg sums in double on both sides */
  fathom_parity_keep (run, FWD, "y", y, TOL_EXACT);
  run->direction = BWD;
  ok = max ? fathom_backend_max_pool_backward (run->be, &win, x, dy, dx, &run->error)
           : fathom_backend_avg_pool_backward (run->be, &win, dy, dx, &run->error);
  /* both gather in the CPU's order: the same float sums */
  if (fathom_parity_ok (run, ok))
    fathom_parity_keep (run, BWD, "dx", dx, TOL_EXACT);
}

static void
max_pool_case (FathomParityRun *run, gconstpointer data)
{
  pool_case (run, TRUE, data);
}

static void
avg_pool_case (FathomParityRun *run, gconstpointer data)
{
  pool_case (run, FALSE, data);
}

static const ShapeCase global_pool_shapes[] = {
  { 4, { 1, 1, 1, 1 } }, { 4, { 3, 5, 7, 11 } }, { 4, { 2, 3, 13, 1 } },
};

static void
global_pool_case (FathomParityRun *run, gconstpointer data)
{
  const ShapeCase *c = data;
  const gint64 *s = c->shape;
  FathomTensor *x = fathom_parity_in (run, 4, s, -1.f, 1.f);
  FathomTensor *y = PARITY_OUT (run, s[0], s[1]);
  FathomTensor *dy = PARITY_IN (run, -1.f, 1.f, s[0], s[1]);
  FathomTensor *dx = fathom_parity_out (run, 4, s);

  if (dx == NULL ||
      !fathom_parity_ok (run, fathom_backend_global_avg_pool_forward (run->be, x, y, &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_SUM);
  run->direction = BWD;
  if (fathom_parity_ok (run, fathom_backend_global_avg_pool_backward (run->be, dy, dx, &run->error)))
    fathom_parity_keep (run, BWD, "dx", dx, TOL_EXACT);
}

static void
pool_cases_run (FathomParity *p)
{
  for (guint i = 0; i < G_N_ELEMENTS (pool_cases); i++)
    {
      const PoolCase *c = &pool_cases[i];
      g_autofree char *shape = fathom_parity_shape_label (4, (gint64[]) { c->n, c->c, c->h, c->w });
      g_autofree char *label = g_strdup_printf ("%s k%dx%d s%dx%d %s%s", shape, c->kh, c->kw,
                                                c->sh, c->sw,
                                                c->padding == FATHOM_PADDING_SAME ? "same" : "valid",
                                                c->ties ? " ties" : "");

      if (fathom_parity_wants (p, "max_pool"))
        fathom_parity_case (p, "max_pool", label, max_pool_case, c);
      if (fathom_parity_wants (p, "avg_pool"))
        fathom_parity_case (p, "avg_pool", label, avg_pool_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "global_avg_pool") && i < G_N_ELEMENTS (global_pool_shapes); i++)
    {
      g_autofree char *label = fathom_parity_shape_label (4, global_pool_shapes[i].shape);

      fathom_parity_case (p, "global_avg_pool", label, global_pool_case, &global_pool_shapes[i]);
    }
}

void
fathom_parity_basic_cases (FathomParity *p)
{
  basic_cases (p);
  conv_cases_run (p);
  pool_cases_run (p);
}
