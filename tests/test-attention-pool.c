/* test-attention-pool.c: attention pooling (each sample's maps averaged
 * with its own weights) by hand, against finite differences on both CPU
 * paths, and as a layer: a spatial soft-argmax in a graph; the window
 * around a map's peak by hand and as the layer that narrows the soft-argmax
 * when predicting. */
#include "fathom-graph.h"
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

/* The op is bilinear: central differences are exact up to rounding. */
#define LINEAR_EPS  1e-2f
#define LINEAR_ATOL 2e-4f
#define LINEAR_RTOL 2e-4f

static void
test_by_hand (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      /* two samples of three cells; two maps each */
      g_autoptr(FathomTensor) w = fathom_tensor_new_from_data (2, (gint64[]) { 2, 3 },
                                                               (const float[]) { 0.5f, 0.25f, 0.25f, 0, 0, 1 });
      g_autoptr(FathomTensor) v = fathom_tensor_new_from_data (3, (gint64[]) { 2, 2, 3 },
                                                               (const float[]) { 1, 2, 3, -4, 0, 8,
                                                                                 5, 6, 7, 1, 1, -1 });
      g_autoptr(FathomTensor) y = fathom_tensor_new_2d (2, 2);
      g_autoptr(FathomTensor) dy = fathom_tensor_new_from_data (2, (gint64[]) { 2, 2 },
                                                                (const float[]) { 1, 2, -1, 3 });
      g_autoptr(FathomTensor) dw = fathom_tensor_new_like (w);
      g_autoptr(FathomTensor) dv = fathom_tensor_new_like (v);
      g_autoptr(GError) error = NULL;

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));
      g_assert_true (fathom_backend_attention_pool_forward (be, w, v, y, &error));
      g_assert_no_error (error);
      /* 0.5*1 + 0.25*2 + 0.25*3 = 1.75; 0.5*-4 + 0 + 0.25*8 = 0; 7; -1 */
      fathom_test_assert_values (y, (const float[]) { 1.75f, 0.f, 7.f, -1.f }, 4, 1e-6f, "y");
      g_assert_true (fathom_backend_attention_pool_backward (be, w, v, dy, dw, dv, &error));
      g_assert_no_error (error);
      /* dw[n,p] = sum_k dy[n,k] v[n,k,p]: 1*1 + 2*-4, 1*2 + 2*0, 1*3 + 2*8; -5 + 3, -6 + 3, -7 - 3 */
      fathom_test_assert_values (dw, (const float[]) { -7, 2, 19, -2, -3, -10 }, 6, 1e-6f, "dweights");
      fathom_test_assert_values (dv, (const float[]) { 0.5f, 0.25f, 0.25f, 1, 0.5f, 0.5f,
                                                       0, 0, -1, 0, 0, 3 }, 12, 1e-6f, "dvalues");

      /* one gradient alone is the same as with the other */
      fathom_tensor_fill (dw, 0.f);
      g_assert_true (fathom_backend_attention_pool_backward (be, w, v, dy, dw, NULL, &error));
      fathom_test_assert_values (dw, (const float[]) { -7, 2, 19, -2, -3, -10 }, 6, 1e-6f, "dweights alone");
    }
}

static void
test_shape_errors (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 1);
  g_autoptr(FathomTensor) w = fathom_tensor_new_2d (2, 6);
  g_autoptr(FathomTensor) v = fathom_tensor_new_3d (2, 3, 5);   /* 5 cells, not 6 */
  g_autoptr(FathomTensor) y = fathom_tensor_new_2d (2, 3);
  g_autoptr(GError) error = NULL;

  g_assert_false (fathom_backend_attention_pool_forward (be, w, v, y, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "attention_pool"));
}

typedef struct {
  FathomBackend *be;
  FathomTensor *w, *v, *dw, *dv;
} OpCtx;

static void
op_forward (gpointer data, FathomTensor *out)
{
  OpCtx *c = data;

  g_assert_true (fathom_backend_attention_pool_forward (c->be, c->w, c->v, out, NULL));
}

static void
op_backward (gpointer data, const FathomTensor *dout)
{
  OpCtx *c = data;

  g_assert_true (fathom_backend_attention_pool_backward (c->be, c->w, c->v, dout, c->dw, c->dv, NULL));
}

static void
test_gradcheck (void)
{
  /* samples, maps, cells as h x w */
  static const gint64 cases[][4] = { { 1, 1, 1, 1 }, { 3, 4, 5, 7 }, { 1, 3, 13, 1 }, { 3, 1, 2, 9 } };
  g_autoptr(FathomRng) rng = fathom_rng_new (11);
  double worst = 0.0;

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        const gint64 *c = cases[i];
        g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
        g_autoptr(FathomTensor) w = FATHOM_TEST_UNIFORM (rng, 0, 1, c[0], c[2] * c[3]);
        g_autoptr(FathomTensor) v = FATHOM_TEST_UNIFORM (rng, -2, 2, c[0], c[1], c[2], c[3]);
        g_autoptr(FathomTensor) dw = fathom_tensor_new_like (w);
        g_autoptr(FathomTensor) dv = fathom_tensor_new_like (v);
        g_autoptr(FathomTensor) y = fathom_tensor_new_2d (c[0], c[1]);
        g_autofree char *shape = fathom_tensor_shape_to_string (v);
        g_autofree char *name = g_strdup_printf ("attention pool %s %s",
                                                 fathom_test_path_name (fathom_test_paths[p]), shape);
        OpCtx ctx = { be, w, v, dw, dv };
        FathomTestGradTarget targets[2] = { { "weights", w, dw }, { "values", v, dv } };

        worst = MAX (worst, fathom_test_gradcheck (name, y, op_forward, op_backward, &ctx, targets, 2, 200,
                                                   LINEAR_EPS, LINEAR_ATOL, LINEAR_RTOL));
      }
  g_test_message ("attention pool gradcheck: worst |analytic - numeric| %.3g (atol %g, rtol %g)",
                  worst, (double) LINEAR_ATOL, (double) LINEAR_RTOL);
}

/* A spatial soft-argmax on maps of h x w: the softmax of a map's cells
 * pools two constant maps holding each cell's column and row (filled for
 * n samples into coords); with radius >= 0 a peak window narrows the
 * softmax first. */
static FathomGraph *
soft_argmax_new (FathomBackend *be, int h, int w, int radius, int n, FathomTensor **coords)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape map_shape = FATHOM_SHAPE (1, h, w), coord_shape = FATHOM_SHAPE (2, h, w);
  int map = fathom_graph_add_input (g, "map", &map_shape);
  int xy = fathom_graph_add_input (g, "coords", &coord_shape);
  int a;
  g_autoptr(GError) error = NULL;
  float *cd;

  a = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), map);
  a = FATHOM_GRAPH_ADD (g, fathom_softmax_layer_new (), a);
  if (radius >= 0)
    a = FATHOM_GRAPH_ADD_NAMED (g, "peak", fathom_peak_window_layer_new (h, w, radius), a);
  xy = FATHOM_GRAPH_ADD_NAMED (g, "where", fathom_attention_pool_layer_new (), a, xy);
  g_assert_true (fathom_graph_add_output (g, "where", xy, FATHOM_LOSS_NONE, 0.f, &error));
  g_assert_true (fathom_graph_build (g, be, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fathom_graph_get_output_shape (g, 0)->ndim, ==, 1);
  g_assert_cmpint (fathom_graph_get_output_shape (g, 0)->d[0], ==, 2);

  *coords = fathom_tensor_new_4d (n, 2, h, w);
  cd = fathom_tensor_get_data (*coords);
  for (int s = 0; s < n; s++)
    for (int r = 0; r < h; r++)
      for (int c = 0; c < w; c++)
        {
          cd[((s * 2 + 0) * h + r) * w + c] = (float) c;
          cd[((s * 2 + 1) * h + r) * w + c] = (float) r;
        }
  return g_steal_pointer (&g);
}

/* A sharp peak gives its place; a flat map the centre. */
static void
test_soft_argmax (void)
{
  enum { H = 4, W = 5 };
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomTensor) cxy = NULL;
  g_autoptr(FathomGraph) g = soft_argmax_new (be, H, W, -1, 2, &cxy);
  g_autoptr(FathomTensor) m = fathom_tensor_new_4d (2, 1, H, W);
  g_autoptr(GError) error = NULL;
  float *md = fathom_tensor_get_data (m);
  const float *out;

  /* sample 0: a peak of 30 at row 2, column 3; sample 1: flat */
  md[2 * W + 3] = 30.f;
  g_assert_true (fathom_graph_forward (g, (FathomTensor *[]) { m, cxy }, FALSE, &error));
  g_assert_no_error (error);
  out = fathom_tensor_get_const_data (fathom_graph_get_output (g, 0));
  g_assert_cmpfloat_with_epsilon (out[0], 3.f, 1e-5);
  g_assert_cmpfloat_with_epsilon (out[1], 2.f, 1e-5);
  g_assert_cmpfloat_with_epsilon (out[2], (W - 1) / 2.f, 1e-5);
  g_assert_cmpfloat_with_epsilon (out[3], (H - 1) / 2.f, 1e-5);
}

static void
test_layer_shape_error (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 1);
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape ws = FATHOM_SHAPE (12), vs = FATHOM_SHAPE (3, 2, 5);
  int w = fathom_graph_add_input (g, "weights", &ws);
  int v = fathom_graph_add_input (g, "values", &vs);
  int y = FATHOM_GRAPH_ADD_NAMED (g, "pool", fathom_attention_pool_layer_new (), w, v);
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_graph_add_output (g, "pool", y, FATHOM_LOSS_NONE, 0.f, &error));
  g_assert_false (fathom_graph_build (g, be, 1, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "12 cells"));
}

static void
test_peak_by_hand (void)
{
  /* four 3x4 maps: a peak at row 1, column 2; a tie between the first and
   * last cells (the first wins; its window is clipped by the corner); all
   * zeros (kept as they are); a NaN first, never the peak */
  static const float x[4 * 12] = {
    0.1f, 0.2f, 0.3f, 0.4f,   0.05f, 0.1f, 2.0f, 0.05f,   0.3f, 0.1f, 0.4f, 0.6f,
    1.0f, 0.5f, 0.0f, 0.0f,   0.25f, 0.0f, 0.0f, 0.0f,    0.0f, 0.0f, 0.0f, 1.0f,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    NAN, 0.0f, 0.0f, 0.0f,    0.0f, 0.0f, 0.0f, 0.0f,     0.0f, 0.0f, 0.5f, 0.5f,
  };
  /* map 0: rows 0-2, columns 1-3 kept, sum 0.2+0.3+0.4+0.1+2+0.05+0.1+0.4+0.6 = 4.15;
   * map 1: rows 0-1, columns 0-1, sum 1.75; map 3: the first 0.5 at row 2,
   * column 2, columns 1-3 of rows 1-2 kept, sum 1 */
  const float s0 = 1.f / 4.15f, s1 = 1.f / 1.75f;
  const float want[4 * 12] = {
    0, 0.2f * s0, 0.3f * s0, 0.4f * s0,   0, 0.1f * s0, 2.0f * s0, 0.05f * s0,   0, 0.1f * s0, 0.4f * s0, 0.6f * s0,
    1.0f * s1, 0.5f * s1, 0, 0,           0.25f * s1, 0, 0, 0,                    0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0,                           0, 0, 0, 0,                             0, 0, 0.5f, 0.5f,
  };

  for (guint p = 0; p < G_N_ELEMENTS (fathom_test_paths); p++)
    {
      g_autoptr(FathomBackend) be = fathom_cpu_backend_new (fathom_test_paths[p], 3);
      g_autoptr(FathomTensor) w = fathom_tensor_new_from_data (2, (gint64[]) { 4, 12 }, x);
      g_autoptr(FathomTensor) y = fathom_tensor_new_like (w);
      g_autoptr(FathomTensor) whole = fathom_tensor_new_like (w);
      g_autoptr(GError) error = NULL;

      g_test_message ("path %s", fathom_test_path_name (fathom_test_paths[p]));
      g_assert_true (fathom_backend_peak_window_forward (be, w, 3, 4, 1, y, &error));
      g_assert_no_error (error);
      fathom_test_assert_values (y, want, 48, 1e-6f, "radius 1");

      /* a radius past the map's edges keeps the map, scaled */
      g_assert_true (fathom_backend_peak_window_forward (be, w, 3, 4, 5, whole, &error));
      g_assert_cmpfloat_with_epsilon (fathom_tensor_get_const_data (whole)[6], 2.0f / 4.6f, 1e-6);
      g_assert_cmpfloat_with_epsilon (fathom_tensor_get_const_data (whole)[12], 1.0f / 2.75f, 1e-6);
    }
}

static void
test_peak_shape_errors (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 1);
  g_autoptr(FathomTensor) w = fathom_tensor_new_2d (2, 12);
  g_autoptr(FathomTensor) y = fathom_tensor_new_2d (2, 12);
  g_autoptr(FathomTensor) short_y = fathom_tensor_new_2d (2, 11);
  g_autoptr(GError) error = NULL;

  g_assert_false (fathom_backend_peak_window_forward (be, w, 3, 5, 1, y, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "3x5"));
  g_clear_error (&error);
  g_assert_false (fathom_backend_peak_window_forward (be, w, 3, 4, -1, y, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_false (fathom_backend_peak_window_forward (be, w, 3, 4, 1, short_y, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "peak_window"));
}

/* The layer on its own: training passes weights and gradients through
 * untouched; predicting narrows. */
static void
test_peak_layer_io (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 1);
  g_autoptr(FathomRng) rng = fathom_rng_new (5);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, 0, 1, 2, 20);
  g_autoptr(FathomTensor) dy = FATHOM_TEST_UNIFORM (rng, -1, 1, 2, 20);
  g_autoptr(FathomTensor) y = fathom_tensor_new_like (x);
  g_autoptr(FathomTensor) dx = fathom_tensor_new_like (x);
  g_autoptr(FathomTensor) want = fathom_tensor_new_like (x);
  FathomLayer *layer = fathom_peak_window_layer_new (4, 5, 1);
  FathomTensor *xs[1] = { x }, *dxs[1] = { dx };
  FathomLayerIo io = { 1, xs, y, dy, dxs, TRUE };
  g_autoptr(GError) error = NULL;

  g_assert_true (layer->klass->forward (layer, be, &io, &error));
  fathom_test_assert_values (y, fathom_tensor_get_const_data (x), 40, 0.f, "training forward");
  g_assert_true (layer->klass->backward (layer, be, &io, &error));
  fathom_test_assert_values (dx, fathom_tensor_get_const_data (dy), 40, 0.f, "training backward");

  io.training = FALSE;
  g_assert_true (layer->klass->forward (layer, be, &io, &error));
  g_assert_true (fathom_backend_peak_window_forward (be, x, 4, 5, 1, want, &error));
  g_assert_no_error (error);
  fathom_test_assert_values (y, fathom_tensor_get_const_data (want), 40, 0.f, "predicting");
  fathom_layer_free (layer);
}

/* Two peaks far apart, one a little higher: the soft-argmax over the whole
 * map answers between them (while training), with the window it answers
 * at the higher one (when predicting). */
static void
test_peak_soft_argmax (void)
{
  enum { H = 5, W = 7 };
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomTensor) cxy = NULL;
  g_autoptr(FathomGraph) g = soft_argmax_new (be, H, W, 1, 1, &cxy);
  g_autoptr(FathomTensor) m = fathom_tensor_new_4d (1, 1, H, W);
  g_autoptr(GError) error = NULL;
  float *md = fathom_tensor_get_data (m);
  const float *out;

  md[1 * W + 1] = 10.f;
  md[3 * W + 5] = 9.5f;
  g_assert_true (fathom_graph_forward (g, (FathomTensor *[]) { m, cxy }, TRUE, &error));
  g_assert_no_error (error);
  out = fathom_tensor_get_const_data (fathom_graph_get_output (g, 0));
  /* weights 1 : e^-0.5 : about 3.4e-4 a cell elsewhere */
  g_assert_cmpfloat (out[0], >, 2.4f);
  g_assert_cmpfloat (out[0], <, 2.7f);
  g_assert_true (fathom_graph_forward (g, (FathomTensor *[]) { m, cxy }, FALSE, &error));
  g_assert_no_error (error);
  out = fathom_tensor_get_const_data (fathom_graph_get_output (g, 0));
  g_assert_cmpfloat_with_epsilon (out[0], 1.f, 1e-3);
  g_assert_cmpfloat_with_epsilon (out[1], 1.f, 1e-3);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attention-pool/by-hand", test_by_hand);
  g_test_add_func ("/attention-pool/shape-errors", test_shape_errors);
  g_test_add_func ("/attention-pool/gradcheck", test_gradcheck);
  g_test_add_func ("/attention-pool/soft-argmax", test_soft_argmax);
  g_test_add_func ("/attention-pool/layer-shape-error", test_layer_shape_error);
  g_test_add_func ("/attention-pool/peak-window/by-hand", test_peak_by_hand);
  g_test_add_func ("/attention-pool/peak-window/shape-errors", test_peak_shape_errors);
  g_test_add_func ("/attention-pool/peak-window/layer", test_peak_layer_io);
  g_test_add_func ("/attention-pool/peak-window/soft-argmax", test_peak_soft_argmax);
  return g_test_run ();
}
