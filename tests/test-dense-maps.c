/* test-dense-maps.c: shift and stitch (fathom-dense-maps.h): a pooling
 * head's dense map against block maxima worked out by hand, fcn's real
 * head against its own coarse maps, a head without pools against itself,
 * and a second instance that does not match refused. */
#include "fathom-dense-maps.h"
#include "fathom-heads.h"
#include "fathom-test-util.h"
#include "fathom-trainer.h"

#include <math.h>
#include <string.h>

/* ---- a max pool and a 1x1 convolution ------------------------------------- */

typedef struct {
  int    pool_h, pool_w;
  gint64 filters;
} PoolHead;

static FathomGraph *
make_pool_head (gint64 height, gint64 width, gpointer user_data, GError **error)
{
  PoolHead *ph = user_data;
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape shape = FATHOM_SHAPE (1, height, width);
  int x = fathom_graph_add_input (g, "features", &shape);

  x = FATHOM_GRAPH_ADD (g, fathom_max_pool_layer_new (ph->pool_h, ph->pool_w, ph->pool_h, ph->pool_w,
                                                      FATHOM_PADDING_VALID), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "class_maps", fathom_conv2d_layer_new (ph->filters, 1, 1, 1, 1, FATHOM_PADDING_SAME,
                                                                         FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  if (!fathom_graph_add_output (g, "maps", x, FATHOM_LOSS_NONE, 0.f, error))
    return NULL;
  return g_steal_pointer (&g);
}

static void
set_param (FathomGraph *g, const char *layer, const char *param, float value)
{
  FathomParam *p = fathom_layer_find_param (fathom_graph_find_layer (g, layer), param);
  g_autofree float *v = NULL;

  g_assert_nonnull (p);
  v = g_new (float, fathom_tensor_get_numel (p->value));
  for (gsize i = 0; i < fathom_tensor_get_numel (p->value); i++)
    v[i] = value;
  g_assert_true (fathom_backend_upload (fathom_graph_get_backend (g), p->value, v, NULL));
}

/* The maximum of the sh x sw block from row q - lh, column p - lw, the
 * features' edge repeated. */
static float
block_max (const float *x, int h, int w, int sh, int sw, int lh, int lw, int q, int p)
{
  float m = -G_MAXFLOAT;

  for (int y = q - lh; y < q - lh + sh; y++)
    for (int c = p - lw; c < p - lw + sw; c++)
      m = MAX (m, x[CLAMP (y, 0, h - 1) * w + CLAMP (c, 0, w - 1)]);
  return m;
}

/* Map = 2 * block maximum + 0.5: each cell the mean of its grid points,
 * its two or four corners where a stride is even, the block centred on it
 * where it is odd. The block's centre as the head declares it sets where
 * each grid point reads: lh rows and lw columns before it. */
static void
check_pool_centred (int sh, int sw, int h, int w, int lh, int lw)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomRng) rng = fathom_rng_new (7);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.f, 1.f, 3, 1, h, w);
  g_autoptr(GError) error = NULL;
  PoolHead ph = { sh, sw, 1 };
  g_autoptr(FathomGraph) head = make_pool_head (h, w, &ph, &error);
  g_autoptr(FathomDenseMaps) dense = NULL;
  g_autofree float *maps = g_new (float, 3 * h * w);
  gint64 gh, gw;

  g_assert_no_error (error);
  g_assert_true (fathom_graph_build (head, be, 1, &error));
  set_param (head, "class_maps", "kernel", 2.f);
  set_param (head, "class_maps", "bias", 0.5f);
  dense = fathom_dense_maps_new (head, sh, sw, lh + (sh % 2 ? 0.5 : 0.0), lw + (sw % 2 ? 0.5 : 0.0),
                                 make_pool_head, &ph, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fathom_dense_maps_get_n_classes (dense), ==, 1);
  fathom_dense_maps_get_grid_size (dense, &gh, &gw);
  g_assert_cmpint (gh, ==, h + (sh % 2 == 0));
  g_assert_cmpint (gw, ==, w + (sw % 2 == 0));
  g_assert_true (fathom_dense_maps_compute (dense, fathom_tensor_get_const_data (x), 3, maps, &error));
  g_assert_no_error (error);
  for (int n = 0; n < 3; n++)
    for (int r = 0; r < h; r++)
      for (int c = 0; c < w; c++)
        {
          const float *xn = fathom_tensor_get_const_data (x) + n * h * w;
          int dy = sh % 2 == 0, dx = sw % 2 == 0;
          float want = 0;

          for (int i = 0; i <= dy; i++)
            for (int j = 0; j <= dx; j++)
              want += 2.f * block_max (xn, h, w, sh, sw, lh, lw, r + i, c + j) + 0.5f;
          want /= (float) ((1 + dy) * (1 + dx));
          g_assert_cmpfloat_with_epsilon (maps[(n * h + r) * w + c], want, 1e-5);
        }
}

/* A pool's own block: centred sh / 2 into it, a corner for an even
 * stride, the middle of a cell for an odd one. */
static void
check_pool (int sh, int sw, int h, int w)
{
  check_pool_centred (sh, sw, h, w, sh / 2, sw / 2);
}

static void
test_pool_strides (void)
{
  check_pool (2, 2, 5, 7);    /* even both ways: four corners */
  check_pool (1, 2, 4, 6);    /* one cell tall: two corners */
  check_pool (3, 3, 7, 8);    /* odd: the block centred on the cell */
  check_pool (4, 8, 6, 9);    /* fcn's stride on a map smaller than one block of it */
  /* a head whose cells sit further into their block than its middle
   * (inception's branches): each grid point reads from further back */
  check_pool_centred (2, 2, 6, 7, 2, 1);
  check_pool_centred (3, 3, 7, 8, 2, 0);
}

/* ---- the lesson's heads --------------------------------------------------- */

/* The head's own maps of a batch, in test mode: [n, K, oh, ow]. */
static FathomTensor *
own_maps (FathomGraph *head, FathomTensor *x)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_graph_forward (head, (FathomTensor *[]) { x }, FALSE, &error));
  g_assert_no_error (error);
  return fathom_tensor_ref (fathom_graph_get_node_output (head, "class_maps"));
}

/* fcn on 22x40 features: its cell (i, j) reads the 4x8 block from
 * (4i, 8j), which is the grid point (4i + 2, 8j + 4). Where the head's
 * convolutions reach the edge, the head reads zeros past it and the
 * second instance the repeated edge: rows 20 and 21 (which fcn's pools
 * drop, but not before the convolutions read them) reach cells i >= 2,
 * the second instance's extra columns cells j >= 3. The others are the
 * same numbers. */
static void
test_fcn_grid (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomRng) rng = fathom_rng_new (11);
  FathomTestHead rh = { "fcn", 6 };
  g_autoptr(FathomGraph) head = fathom_test_head_build (be, &rh, 22, 40, rng);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, 0.f, 2.f, 3, 6, 22, 40);
  g_autoptr(FathomTensor) own = own_maps (head, x);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomDenseMaps) dense = NULL;
  g_autofree float *grid = NULL, *maps = NULL;
  const float *o = fathom_tensor_get_const_data (own);
  gint64 gh, gw, k;
  int sh, sw;
  double ch, cw, spread = 0;

  g_assert_true (fathom_head_get_map_grid ("fcn", &sh, &sw, &ch, &cw));
  g_assert_cmpint (sh, ==, 4);
  g_assert_cmpint (sw, ==, 8);
  g_assert_cmpfloat (ch, ==, 2.0);
  g_assert_cmpfloat (cw, ==, 4.0);
  g_assert_cmpint (fathom_tensor_get_shape (own)[2], ==, 5);
  g_assert_cmpint (fathom_tensor_get_shape (own)[3], ==, 5);
  dense = fathom_dense_maps_new (head, sh, sw, ch, cw, fathom_test_head_new, &rh, &error);
  g_assert_no_error (error);
  k = fathom_dense_maps_get_n_classes (dense);
  g_assert_cmpint (k, ==, 8);
  fathom_dense_maps_get_grid_size (dense, &gh, &gw);
  g_assert_cmpint (gh, ==, 23);
  g_assert_cmpint (gw, ==, 41);
  grid = g_new (float, 3 * k * gh * gw);
  maps = g_new (float, 3 * k * 22 * 40);
  g_assert_true (fathom_dense_maps_compute_grid (dense, fathom_tensor_get_const_data (x), 3, grid, &error));
  g_assert_true (fathom_dense_maps_compute (dense, fathom_tensor_get_const_data (x), 3, maps, &error));
  g_assert_no_error (error);
  for (gint64 p = 0; p < 3 * k; p++)
    {
      for (int i = 0; i <= 1; i++)
        for (int j = 0; j <= 2; j++)
          {
            float want = o[(p * 5 + i) * 5 + j];
            float got = grid[(p * gh + 4 * i + 2) * gw + 8 * j + 4];

            g_assert_cmpfloat_with_epsilon (got, want, 1e-4 * MAX (1.f, fabsf (want)));
          }
      /* each cell the mean of its four corners */
      for (int r = 0; r < 22; r++)
        for (int c = 0; c < 40; c++)
          {
            const float *q = grid + (p * gh + r) * gw + c;
            float want = 0.25f * (q[0] + q[1] + q[gw] + q[gw + 1]);

            g_assert_cmpfloat_with_epsilon (maps[(p * 22 + r) * 40 + c], want, 1e-5 * MAX (1.f, fabsf (want)));
            spread = MAX (spread, fabsf (maps[(p * 22 + r) * 40 + c] - maps[p * 22 * 40]));
          }
    }
  /* the dense maps are not one number repeated */
  g_assert_cmpfloat (spread, >, 1e-2);
}

/* allconv keeps its maps at the features' size: stride 1, and the dense
 * maps are its own. */
static void
test_stride_one (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomRng) rng = fathom_rng_new (12);
  FathomTestHead rh = { "allconv", 5 };
  g_autoptr(FathomGraph) head = fathom_test_head_build (be, &rh, 7, 9, rng);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, 0.f, 2.f, 2, 5, 7, 9);
  g_autoptr(FathomTensor) own = own_maps (head, x);
  g_autoptr(FathomTensor) maps = fathom_tensor_new_like (own);
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomDenseMaps) dense = NULL;
  int sh, sw;
  double ch, cw;

  g_assert_true (fathom_head_get_map_grid ("allconv", &sh, &sw, &ch, &cw));
  g_assert_cmpint (sh * sw, ==, 1);
  g_assert_false (fathom_head_get_map_grid ("dense-head", &sh, &sw, &ch, &cw));
  dense = fathom_dense_maps_new (head, 1, 1, ch, cw, fathom_test_head_new, &rh, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_dense_maps_compute (dense, fathom_tensor_get_const_data (x), 2,
                                            fathom_tensor_get_data (maps), &error));
  g_assert_no_error (error);
  fathom_test_assert_close (maps, own, 1e-5f, 1e-4f, "allconv's dense maps");
}

/* A second instance that is not the head: an error naming the parameter. */
static void
test_mismatch (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(GError) error = NULL;
  PoolHead one = { 2, 2, 1 }, two = { 2, 2, 2 };
  g_autoptr(FathomGraph) head = make_pool_head (6, 6, &one, &error);
  g_autoptr(FathomDenseMaps) dense = NULL;

  g_assert_true (fathom_graph_build (head, be, 1, &error));
  dense = fathom_dense_maps_new (head, 2, 2, 1.0, 1.0, make_pool_head, &two, &error);
  g_assert_null (dense);
  g_assert_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA);
  g_assert_nonnull (strstr (error->message, "class_maps.kernel"));
  g_clear_error (&error);

  /* a stride finer than the head's: its maps cannot cover the features */
  dense = fathom_dense_maps_new (head, 1, 1, 0.5, 0.5, make_pool_head, &one, &error);
  g_assert_null (dense);
  g_assert_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dense-maps/pool-strides", test_pool_strides);
  g_test_add_func ("/dense-maps/fcn-grid", test_fcn_grid);
  g_test_add_func ("/dense-maps/stride-one", test_stride_one);
  g_test_add_func ("/dense-maps/mismatch", test_mismatch);
  return g_test_run ();
}
