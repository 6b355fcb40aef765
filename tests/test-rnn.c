/* test-rnn.c: the simple RNN and the GRU on both CPU paths.
 *
 * Forward values by hand, backprop through time against finite differences
 * for every input and parameter, FAST against REFERENCE on a larger case,
 * and the optional-output rules (NULL skipped, outputs overwritten).
 */
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

/* Finite differences: float32 forward, central step EPS. Noise in the
 * objective is about 1e-7 * sqrt(N*T*H) / (2 EPS), a few 1e-5 here;
 * truncation is O(EPS^2). */
#define GC_EPS   2e-3f
#define GC_ATOL  1e-3f
#define GC_RTOL  1e-2f
/* ReLU pre-activations must stay this far from 0 so that no EPS-sized
 * perturbation, carried through a few steps, crosses the kink. */
#define RELU_MARGIN 0.05

typedef struct {
  const char       *name;
  gboolean          gru;
  FathomActivation  act;        /* RNN activation or GRU candidate */
} Kind;

static const Kind kinds[] = {
  { "rnn-relu", FALSE, FATHOM_ACTIVATION_RELU },
  { "rnn-tanh", FALSE, FATHOM_ACTIVATION_TANH },
  { "gru-tanh", TRUE, FATHOM_ACTIVATION_TANH },
  { "gru-relu", TRUE, FATHOM_ACTIVATION_RELU },
  { "gru-sigmoid", TRUE, FATHOM_ACTIVATION_SIGMOID },
};

/* One recurrent problem: inputs, parameters, outputs and gradients. */
typedef struct {
  FathomBackend *be;
  const Kind    *kind;
  gint64         n, t, d, h;
  FathomTensor  *x, *h0, *wx, *wh, *bias;       /* h0 may be NULL */
  FathomTensor  *y, *gates;                     /* gates only for the GRU */
  FathomTensor  *dx, *dh0, *dwx, *dwh, *dbias;  /* dh0 NULL when h0 is */
} Rec;

static void
rec_init (Rec *c, FathomBackend *be, const Kind *kind,
          gint64 n, gint64 t, gint64 d, gint64 h, gboolean with_h0)
{
  gint64 g = kind->gru ? 3 * h : h;

  *c = (Rec) { be, kind, n, t, d, h };
  c->x = fathom_tensor_new_3d (n, t, d);
  c->h0 = with_h0 ? fathom_tensor_new_2d (n, h) : NULL;
  c->wx = fathom_tensor_new_2d (g, d);
  c->wh = fathom_tensor_new_2d (g, h);
  c->bias = fathom_tensor_new_1d (g);
  c->y = fathom_tensor_new_3d (n, t, h);
  c->gates = kind->gru ? fathom_tensor_new_3d (n, t, g) : NULL;
  c->dx = fathom_tensor_new_like (c->x);
  c->dh0 = with_h0 ? fathom_tensor_new_like (c->h0) : NULL;
  c->dwx = fathom_tensor_new_like (c->wx);
  c->dwh = fathom_tensor_new_like (c->wh);
  c->dbias = fathom_tensor_new_like (c->bias);
}

static void
rec_clear (Rec *c)
{
  g_clear_pointer (&c->x, fathom_tensor_unref);
  g_clear_pointer (&c->h0, fathom_tensor_unref);
  g_clear_pointer (&c->wx, fathom_tensor_unref);
  g_clear_pointer (&c->wh, fathom_tensor_unref);
  g_clear_pointer (&c->bias, fathom_tensor_unref);
  g_clear_pointer (&c->y, fathom_tensor_unref);
  g_clear_pointer (&c->gates, fathom_tensor_unref);
  g_clear_pointer (&c->dx, fathom_tensor_unref);
  g_clear_pointer (&c->dh0, fathom_tensor_unref);
  g_clear_pointer (&c->dwx, fathom_tensor_unref);
  g_clear_pointer (&c->dwh, fathom_tensor_unref);
  g_clear_pointer (&c->dbias, fathom_tensor_unref);
}

static void
rec_randomize (Rec *c, FathomRng *rng)
{
  fathom_rng_fill_uniform (rng, c->x, -1.f, 1.f);
  if (c->h0 != NULL)
    fathom_rng_fill_uniform (rng, c->h0, -1.f, 1.f);
  fathom_rng_fill_uniform (rng, c->wx, -0.8f, 0.8f);
  fathom_rng_fill_uniform (rng, c->wh, -0.8f, 0.8f);
  fathom_rng_fill_uniform (rng, c->bias, -0.5f, 0.5f);
}

static void
rec_forward (Rec *c, FathomTensor *y)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (c->kind->gru)
    {
      FathomGruDesc desc = { c->kind->act };
      ok = fathom_backend_gru_forward (c->be, &desc, c->x, c->h0, c->wx, c->wh, c->bias,
                                       y, c->gates, &error);
    }
  else
    {
      FathomRnnDesc desc = { c->kind->act };
      ok = fathom_backend_rnn_forward (c->be, &desc, c->x, c->h0, c->wx, c->wh, c->bias,
                                       y, &error);
    }
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* Backward from c->y (and c->gates) into whichever outputs are given. */
static void
rec_backward_into (Rec *c, const FathomTensor *dy, FathomTensor *dx, FathomTensor *dh0,
                   FathomTensor *dwx, FathomTensor *dwh, FathomTensor *dbias)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (c->kind->gru)
    {
      FathomGruDesc desc = { c->kind->act };
      ok = fathom_backend_gru_backward (c->be, &desc, c->x, c->h0, c->wx, c->wh, c->y,
                                        c->gates, dy, dx, dh0, dwx, dwh, dbias, &error);
    }
  else
    {
      FathomRnnDesc desc = { c->kind->act };
      ok = fathom_backend_rnn_backward (c->be, &desc, c->x, c->h0, c->wx, c->wh, c->y,
                                        dy, dx, dh0, dwx, dwh, dbias, &error);
    }
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
rec_backward (Rec *c, const FathomTensor *dy)
{
  rec_backward_into (c, dy, c->dx, c->dh0, c->dwx, c->dwh, c->dbias);
}

static void
forward_cb (gpointer ctx, FathomTensor *out)
{
  rec_forward (ctx, out);
}

static void
backward_cb (gpointer ctx, const FathomTensor *dout)
{
  rec_backward (ctx, dout);
}

/* The smallest |pre-activation| of the ReLU over the whole sequence,
 * recomputed in double from the saved outputs. */
static double
relu_margin (const Rec *c)
{
  const gint64 D = c->d, H = c->h, G = c->kind->gru ? 3 * H : H;
  const gint64 row0 = c->kind->gru ? 2 * H : 0;   /* the candidate rows */
  const float *x = fathom_tensor_get_const_data (c->x);
  const float *h0 = c->h0 ? fathom_tensor_get_const_data (c->h0) : NULL;
  const float *wx = fathom_tensor_get_const_data (c->wx);
  const float *wh = fathom_tensor_get_const_data (c->wh);
  const float *b = fathom_tensor_get_const_data (c->bias);
  const float *y = fathom_tensor_get_const_data (c->y);
  const float *gates = c->gates ? fathom_tensor_get_const_data (c->gates) : NULL;
  double margin = INFINITY;

  for (gint64 n = 0; n < c->n; n++)
    for (gint64 t = 0; t < c->t; t++)
      for (gint64 i = 0; i < H; i++)
        {
          gint64 row = n * c->t + t, k = row0 + i;
          double z = b[k];

          for (gint64 d = 0; d < D; d++)
            z += (double) x[row * D + d] * wx[k * D + d];
          for (gint64 j = 0; j < H; j++)
            {
              double hp = t > 0 ? y[(row - 1) * H + j] : h0 ? h0[n * H + j] : 0.0;

              if (gates != NULL)
                hp *= gates[row * G + j];       /* reset gate */
              z += hp * wh[k * H + j];
            }
          margin = MIN (margin, fabs (z));
        }
  return margin;
}

/* Random values; for ReLU, redrawn until no kink is within reach. */
static void
rec_draw (Rec *c, FathomRng *rng)
{
  for (int attempt = 0; ; attempt++)
    {
      rec_randomize (c, rng);
      if (c->kind->act != FATHOM_ACTIVATION_RELU)
        return;
      rec_forward (c, c->y);
      if (relu_margin (c) > RELU_MARGIN)
        return;
      g_assert_cmpint (attempt, <, 500);
    }
}

/* ---- forward and backward by hand ------------------------------------------ */

static void
test_rnn_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      Rec c;

      /* One unit, three steps: wx 0.5, wh 0.8, b 0.1, h0 0.5, x 1, 2, -4.
       * ReLU: z = 0.5+0.4+0.1 = 1.0; 1.0+0.8+0.1 = 1.9; -2+1.52+0.1 = -0.38 */
      rec_init (&c, be, &kinds[0], 1, 3, 1, 1, TRUE);
      memcpy (fathom_tensor_get_data (c.x), (float[]) { 1, 2, -4 }, 3 * sizeof (float));
      fathom_tensor_get_data (c.h0)[0] = 0.5f;
      fathom_tensor_get_data (c.wx)[0] = 0.5f;
      fathom_tensor_get_data (c.wh)[0] = 0.8f;
      fathom_tensor_get_data (c.bias)[0] = 0.1f;
      rec_forward (&c, c.y);
      fathom_test_assert_values (c.y, (float[]) { 1.0f, 1.9f, 0.f }, 3, 1e-6f, "rnn relu y");

      /* dL/dy = 1 everywhere. Step 2 is dead: dz2 = 0. dz1 = 1,
       * dz0 = 1 + 0.8 = 1.8; dh0 = 0.8*1.8; dwx = 1*1.8 + 2*1 - 4*0;
       * dwh = 0.5*1.8 + 1.0*1 + 1.9*0; db = 2.8; dx = 0.5*dz. */
      {
        g_autoptr(FathomTensor) ones = fathom_tensor_new_like (c.y);

        fathom_tensor_fill (ones, 1.f);
        rec_backward (&c, ones);
        fathom_test_assert_values (c.dx, (float[]) { 0.9f, 0.5f, 0.f }, 3, 1e-6f, "rnn relu dx");
        fathom_test_assert_values (c.dh0, (float[]) { 1.44f }, 1, 1e-6f, "rnn relu dh0");
        fathom_test_assert_values (c.dwx, (float[]) { 3.8f }, 1, 1e-6f, "rnn relu dwx");
        fathom_test_assert_values (c.dwh, (float[]) { 1.9f }, 1, 1e-6f, "rnn relu dwh");
        fathom_test_assert_values (c.dbias, (float[]) { 2.8f }, 1, 1e-6f, "rnn relu dbias");
      }

      /* Same numbers through tanh: tanh(1.0), tanh(1.1 + 0.8*0.76159), ... */
      c.kind = &kinds[1];
      rec_forward (&c, c.y);
      fathom_test_assert_values (c.y, (float[]) { 0.7615942f, 0.9365586f, -0.8180034f }, 3,
                                 1e-6f, "rnn tanh y");
      rec_clear (&c);

      /* Two units, one step: tells Wh [out,in] from its transpose.
       * z0 = 0.5*0.4 + 0.2*1 - 0.7*-0.5 + 0.1 = 0.85
       * z1 = -1*0.4 + 0.9*1 + 0.3*-0.5 - 0.2 = 0.15 */
      rec_init (&c, be, &kinds[1], 1, 1, 1, 2, TRUE);
      fathom_tensor_get_data (c.x)[0] = 0.4f;
      memcpy (fathom_tensor_get_data (c.h0), (float[]) { 1.f, -0.5f }, 2 * sizeof (float));
      memcpy (fathom_tensor_get_data (c.wx), (float[]) { 0.5f, -1.f }, 2 * sizeof (float));
      memcpy (fathom_tensor_get_data (c.wh), (float[]) { 0.2f, -0.7f, 0.9f, 0.3f }, 4 * sizeof (float));
      memcpy (fathom_tensor_get_data (c.bias), (float[]) { 0.1f, -0.2f }, 2 * sizeof (float));
      rec_forward (&c, c.y);
      fathom_test_assert_values (c.y, (float[]) { 0.6910695f, 0.1488850f }, 2, 1e-6f, "rnn 2-unit y");
      rec_clear (&c);
    }
}

static void
test_gru_by_hand (void)
{
  /* H = 2, D = 1, two steps (x = 1, -0.5) from h0 = (0.5, -1); rows of wx,
   * wh and bias: r0 r1 u0 u1 c0 c1. Expected values worked out in double
   * with r = sigmoid(...), u = sigmoid(...), c = act(x wc + (r*h) Whc^T
   * + bc), h' = u*h + (1-u)*c. */
  static const float wx[] = { 0.5f, -0.3f, 0.2f, 0.4f, 1.0f, -0.6f };
  static const float wh[] = { 0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.1f,
                              0.2f, 0.3f, 0.7f, -0.2f, -0.4f, 0.6f };
  static const float bias[] = { 0.f, 0.1f, -0.1f, 0.2f, 0.05f, -0.05f };
  static const struct {
    FathomActivation act;
    float gates[12];
    float y[4];
  } cases[] = {
    { FATHOM_ACTIVATION_TANH,
      { 0.5866176f, 0.3208213f, 0.6106392f, 0.5986877f, 0.8666547f, -0.7441949f,
        0.4097032f, 0.4251260f, 0.5525835f, 0.4648952f, -0.1871330f, -0.0840280f },
      { 0.6427609f, -0.8973423f, 0.2714527f, -0.4621339f } },
    { FATHOM_ACTIVATION_SIGMOID,
      { 0.5866176f, 0.3208213f, 0.6106392f, 0.5986877f, 0.7890952f, 0.2769150f,
        0.4289208f, 0.4678464f, 0.5386818f, 0.4940615f, 0.4451069f, 0.5020106f },
      { 0.6125623f, -0.4875583f, 0.5353121f, 0.0131027f } },
    { FATHOM_ACTIVATION_RELU,
      { 0.5866176f, 0.3208213f, 0.6106392f, 0.5986877f, 1.3194804f, 0.f,
        0.4285352f, 0.4414703f, 0.5669470f, 0.4960522f, 0.f, 0.f },
      { 0.8190735f, -0.5986877f, 0.4643712f, -0.2969803f } },
  };

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        Kind kind = { "gru", TRUE, cases[k].act };
        Rec c;

        rec_init (&c, be, &kind, 1, 2, 1, 2, TRUE);
        memcpy (fathom_tensor_get_data (c.x), (float[]) { 1.f, -0.5f }, 2 * sizeof (float));
        memcpy (fathom_tensor_get_data (c.h0), (float[]) { 0.5f, -1.f }, 2 * sizeof (float));
        memcpy (fathom_tensor_get_data (c.wx), wx, sizeof wx);
        memcpy (fathom_tensor_get_data (c.wh), wh, sizeof wh);
        memcpy (fathom_tensor_get_data (c.bias), bias, sizeof bias);
        rec_forward (&c, c.y);
        fathom_test_assert_values (c.gates, cases[k].gates, 12, 2e-6f, "gru gates");
        fathom_test_assert_values (c.y, cases[k].y, 4, 2e-6f, "gru y");
        rec_clear (&c);
      }
}

/* ---- gradient checks --------------------------------------------------------- */

static void
test_gradcheck (gconstpointer data)
{
  const Kind *kind = data;
  /* N, T, D, H, with h0 */
  static const struct { gint64 n, t, d, h; gboolean h0; } shapes[] = {
    { 1, 1, 1, 1, TRUE },
    { 3, 5, 5, 3, TRUE },
    { 3, 5, 5, 3, FALSE },
    { 1, 7, 1, 1, TRUE },
    { 3, 1, 5, 3, TRUE },
  };
  double worst = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        g_autoptr(FathomRng) rng = fathom_rng_new (1000 + s);
        g_autofree char *name = NULL;
        FathomTestGradTarget targets[5];
        guint n_targets = 0;
        Rec c;

        rec_init (&c, be, kind, shapes[s].n, shapes[s].t, shapes[s].d, shapes[s].h, shapes[s].h0);
        rec_draw (&c, rng);
        targets[n_targets++] = (FathomTestGradTarget) { "x", c.x, c.dx };
        if (c.h0 != NULL)
          targets[n_targets++] = (FathomTestGradTarget) { "h0", c.h0, c.dh0 };
        targets[n_targets++] = (FathomTestGradTarget) { "wx", c.wx, c.dwx };
        targets[n_targets++] = (FathomTestGradTarget) { "wh", c.wh, c.dwh };
        targets[n_targets++] = (FathomTestGradTarget) { "bias", c.bias, c.dbias };
        name = g_strdup_printf ("%s %s N%" G_GINT64_FORMAT " T%" G_GINT64_FORMAT
                                " D%" G_GINT64_FORMAT " H%" G_GINT64_FORMAT "%s",
                                kind->name, fathom_test_path_name (fathom_test_paths[p]),
                                c.n, c.t, c.d, c.h, c.h0 ? "" : " no-h0");
        worst = MAX (worst, fathom_test_gradcheck (name, c.y, forward_cb, backward_cb, &c,
                                                   targets, n_targets, 1000,
                                                   GC_EPS, GC_ATOL, GC_RTOL));
        rec_clear (&c);
      }
  g_test_message ("%s: worst |analytic - numeric| %.3g (eps %g, atol %g, rtol %g)",
                  kind->name, worst, (double) GC_EPS, (double) GC_ATOL, (double) GC_RTOL);
}

/* ---- FAST against REFERENCE --------------------------------------------------- */

static void
test_fast_vs_reference (void)
{
  static const gint64 sizes[][4] = {
    { 4, 8, 42, 33 },           /* small products, one thread */
    { 16, 8, 86, 128 },         /* large enough for threaded sgemm */
  };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        g_autoptr(FathomBackend) ref_be = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
        g_autoptr(FathomBackend) fast_be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 3);
        g_autoptr(FathomRng) rng = fathom_rng_new (77 + k);
        g_autoptr(FathomTensor) dy = NULL;
        const gint64 *z = sizes[s];
        Rec ref, fast;
        float scale = 1.f / sqrtf ((float) z[3]);

        rec_init (&ref, ref_be, &kinds[k], z[0], z[1], z[2], z[3], TRUE);
        rec_init (&fast, fast_be, &kinds[k], z[0], z[1], z[2], z[3], TRUE);
        rec_randomize (&ref, rng);
        /* keep the state bounded for ReLU over eight steps */
        fathom_rng_fill_uniform (rng, ref.wh, -scale, scale);
        fathom_tensor_copy_from (fast.x, ref.x);
        fathom_tensor_copy_from (fast.h0, ref.h0);
        fathom_tensor_copy_from (fast.wx, ref.wx);
        fathom_tensor_copy_from (fast.wh, ref.wh);
        fathom_tensor_copy_from (fast.bias, ref.bias);
        dy = fathom_tensor_new_like (ref.y);
        fathom_rng_fill_uniform (rng, dy, -1.f, 1.f);

        rec_forward (&ref, ref.y);
        rec_forward (&fast, fast.y);
        fathom_test_assert_close (fast.y, ref.y, 1e-5f, 1e-4f, "y");
        if (ref.gates != NULL)
          fathom_test_assert_close (fast.gates, ref.gates, 1e-5f, 1e-4f, "gates");
        /* Both backward passes start from the same saved outputs. */
        fathom_tensor_copy_from (fast.y, ref.y);
        if (ref.gates != NULL)
          fathom_tensor_copy_from (fast.gates, ref.gates);
        rec_backward (&ref, dy);
        rec_backward (&fast, dy);
        fathom_test_assert_close (fast.dx, ref.dx, 1e-4f, 1e-4f, "dx");
        fathom_test_assert_close (fast.dh0, ref.dh0, 1e-4f, 1e-4f, "dh0");
        fathom_test_assert_close (fast.dwx, ref.dwx, 1e-4f, 1e-4f, "dwx");
        fathom_test_assert_close (fast.dwh, ref.dwh, 1e-4f, 1e-4f, "dwh");
        fathom_test_assert_close (fast.dbias, ref.dbias, 1e-4f, 1e-4f, "dbias");
        rec_clear (&ref);
        rec_clear (&fast);
      }
}

/* ---- optional inputs and outputs ------------------------------------------------ */

static void
assert_zero (const FathomTensor *t)
{
  const float *d = fathom_tensor_get_const_data (t);

  for (gsize i = 0; i < fathom_tensor_get_numel (t); i++)
    g_assert_cmpfloat (d[i], ==, 0.f);
}

static void
test_optional (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint k = 1; k < G_N_ELEMENTS (kinds); k++)    /* tanh and the GRUs: smooth */
      {
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        g_autoptr(FathomRng) rng = fathom_rng_new (5 + k);
        g_autoptr(FathomTensor) dy = NULL;
        g_autoptr(FathomTensor) y_zero_h0 = NULL;
        g_autoptr(FathomTensor) dh0_zero = NULL;
        g_autoptr(FathomTensor) dwh = NULL;
        g_autoptr(FathomTensor) dbias = NULL;
        Rec c, z;

        rec_init (&c, be, &kinds[k], 3, 4, 5, 3, TRUE);
        rec_randomize (&c, rng);
        dy = fathom_tensor_new_like (c.y);
        fathom_rng_fill_uniform (rng, dy, -1.f, 1.f);
        rec_forward (&c, c.y);
        rec_backward (&c, dy);

        /* Outputs are overwritten, and a NULL output leaves the rest alone. */
        dwh = fathom_tensor_new_like (c.wh);
        dbias = fathom_tensor_new_like (c.bias);
        fathom_tensor_fill (dwh, NAN);
        fathom_tensor_fill (dbias, NAN);
        rec_backward_into (&c, dy, NULL, NULL, NULL, dwh, dbias);
        fathom_test_assert_close (dwh, c.dwh, 0.f, 0.f, "dwh alone");
        fathom_test_assert_close (dbias, c.dbias, 0.f, 0.f, "dbias alone");

        /* No incoming gradient is a zero gradient. */
        rec_backward_into (&c, NULL, c.dx, c.dh0, c.dwx, c.dwh, c.dbias);
        assert_zero (c.dx);
        assert_zero (c.dh0);
        assert_zero (c.dwx);
        assert_zero (c.dwh);
        assert_zero (c.dbias);

        /* A NULL h0 is a zero state, and its gradient can still be asked for. */
        z = c;
        z.h0 = NULL;
        y_zero_h0 = fathom_tensor_new_like (c.y);
        rec_forward (&z, y_zero_h0);
        fathom_tensor_fill (c.h0, 0.f);
        rec_forward (&c, c.y);
        fathom_test_assert_close (y_zero_h0, c.y, 0.f, 0.f, "y without h0");
        rec_backward (&c, dy);
        dh0_zero = fathom_tensor_new_like (c.dh0);
        z.y = y_zero_h0;
        rec_backward_into (&z, dy, NULL, dh0_zero, NULL, NULL, NULL);
        fathom_test_assert_close (dh0_zero, c.dh0, 1e-6f, 1e-5f, "dh0 without h0");
        rec_clear (&c);
      }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rnn/rnn-by-hand", test_rnn_by_hand);
  g_test_add_func ("/rnn/gru-by-hand", test_gru_by_hand);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autofree char *path = g_strdup_printf ("/rnn/gradcheck/%s", kinds[k].name);
      g_test_add_data_func (path, &kinds[k], test_gradcheck);
    }
  g_test_add_func ("/rnn/fast-vs-reference", test_fast_vs_reference);
  g_test_add_func ("/rnn/optional", test_optional);
  return g_test_run ();
}
