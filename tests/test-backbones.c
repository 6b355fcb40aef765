/* test-backbones.c: VGG16 and ResNet50 trunks (shapes, parameter counts,
 * the V1 / V1.5 stride placement) and pretrained weight import from
 * torchvision safetensors and Keras HDF5 files, which the test writes
 * itself with its own exporters; the course's VGG16BN with its dense top,
 * and experiment A (vgg-finetune) on it end to end. */
#include "fathom-test-util.h"
#include "fathom-experiment.h"
#include "fathom-fishsim.h"
#include "fathom-graph.h"
#include "fathom-predictor.h"
#include "fathom-run.h"
#include "fathom-resnet50.h"
#include "fathom-safetensors.h"
#include "fathom-vgg16.h"
#include "fathom-weights.h"

#include <glib/gstdio.h>
#include <hdf5.h>

#include <math.h>
#include <string.h>

/* Keras's count for the notop ResNet50: 23,587,712 in all, 53,120 of them
 * BN moving statistics; it has conv biases where torchvision has none. */
#define KERAS_RESNET50_STATE   53120
#define KERAS_RESNET50_PARAMS  (23587712 - KERAS_RESNET50_STATE)

/* ---- helpers --------------------------------------------------------------- */

static FathomBackend *
fast_backend (void)
{
  return fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
}

static void
build (FathomGraph *g, FathomBackend *backend, guint64 seed)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_graph_build (g, backend, seed, &error));
  g_assert_no_error (error);
}

static FathomGraph *
vgg16 (gint64 h, gint64 w, gboolean last_pool)
{
  g_autoptr(GError) error = NULL;
  FathomGraph *g = fathom_vgg16_new (h, w, last_pool, &error);

  g_assert_no_error (error);
  return g;
}

static FathomGraph *
resnet50 (gint64 size, const FathomResnet50Options *o)
{
  g_autoptr(GError) error = NULL;
  FathomGraph *g = fathom_resnet50_new (size, size, o, &error);

  g_assert_no_error (error);
  return g;
}

static char *
shape_of (FathomGraph *g)
{
  return fathom_shape_to_string (fathom_graph_get_output_shape (g, 0));
}

static gsize
count_state (FathomGraph *g)
{
  GPtrArray *params = fathom_graph_get_params (g);
  gsize n = 0;

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      if (gp->param->is_state)
        n += fathom_tensor_get_numel (gp->param->value);
    }
  return n;
}

/* Every parameter and state tensor, copied to the host. */
static GPtrArray *
snapshot (FathomGraph *g)
{
  GPtrArray *params = fathom_graph_get_params (g);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      FathomTensor *t = fathom_tensor_new_like (gp->param->value);

      g_assert_true (fathom_backend_download (fathom_graph_get_backend (g), gp->param->value,
                                              fathom_tensor_get_data (t), &error));
      g_ptr_array_add (out, t);
    }
  return out;
}

static void
assert_unchanged (GPtrArray *before, FathomGraph *g)
{
  g_autoptr(GPtrArray) after = snapshot (g);

  g_assert_cmpuint (before->len, ==, after->len);
  for (guint i = 0; i < before->len; i++)
    g_assert_cmpfloat (fathom_tensor_max_abs_diff (g_ptr_array_index (before, i),
                                                   g_ptr_array_index (after, i)), ==, 0.f);
}

/* Random BN statistics and conv biases, so that their mapping matters. */
static void
randomise (FathomGraph *g, guint64 seed)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  GPtrArray *params = fathom_graph_get_params (g);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < params->len; i++)
    {
      FathomGraphParam *gp = g_ptr_array_index (params, i);
      const char *p = gp->param->name;
      g_autoptr(FathomTensor) t = NULL;

      if (g_str_equal (p, "kernel"))
        continue;
      t = fathom_tensor_new_like (gp->param->value);
      if (g_str_equal (p, "gamma") || g_str_equal (p, "running_var"))
        fathom_rng_fill_uniform (rng, t, 0.5f, 1.5f);
      else
        fathom_rng_fill_uniform (rng, t, -0.2f, 0.2f);
      g_assert_true (fathom_backend_upload (fathom_graph_get_backend (g), gp->param->value,
                                            fathom_tensor_get_const_data (t), &error));
    }
}

/* The output of a test-mode forward, on the host. */
static FathomTensor *
run (FathomGraph *g, FathomTensor *x)
{
  g_autoptr(GError) error = NULL;
  FathomTensor *y, *out;

  g_assert_true (fathom_graph_forward (g, &x, FALSE, &error));
  g_assert_no_error (error);
  y = fathom_graph_get_output (g, 0);
  out = fathom_tensor_new_like (y);
  g_assert_true (fathom_backend_download (fathom_graph_get_backend (g), y, fathom_tensor_get_data (out), &error));
  return out;
}

/* Asserts a and b are identical and that they are not trivially so. */
static void
assert_identical (FathomTensor *a, FathomTensor *b, const char *what)
{
  const float *v = fathom_tensor_get_const_data (a);
  gsize n = fathom_tensor_get_numel (a), positive = 0;

  g_assert_true (fathom_tensor_same_shape (a, b));
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (v[i]));
      positive += v[i] > 0;
    }
  g_assert_cmpuint (positive, >, n / 10);
  if (fathom_tensor_max_abs_diff (a, b) != 0.f)
    g_error ("%s: outputs differ by %g", what, (double) fathom_tensor_max_abs_diff (a, b));
}

static FathomGraphParam *
find_param (FathomGraph *g, const char *name)
{
  GPtrArray *params = fathom_graph_get_params (g);

  for (guint i = 0; i < params->len; i++)
    if (g_str_equal (((FathomGraphParam *) g_ptr_array_index (params, i))->name, name))
      return g_ptr_array_index (params, i);
  g_error ("no parameter %s", name);
  return NULL;
}

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static void
assert_error_mentions (const GError *error, const char *const *parts)
{
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  for (guint i = 0; parts[i] != NULL; i++)
    if (strstr (error->message, parts[i]) == NULL)
      g_error ("“%s” does not mention “%s”", error->message, parts[i]);
}

/* Every HDF5 object an import opened is closed again. */
static void
assert_no_open_h5 (void)
{
  g_assert_cmpint (H5Fget_obj_count (H5F_OBJ_ALL, H5F_OBJ_ALL), ==, 0);
}

/* ---- shapes and counts ----------------------------------------------------- */

static void
test_vgg16_shapes (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomGraph) with_pool = vgg16 (224, 224, TRUE);
  g_autoptr(FathomGraph) no_pool = vgg16 (224, 224, FALSE);
  g_autoptr(FathomGraph) wide = vgg16 (360, 640, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *s1 = shape_of (with_pool);
  g_autofree char *s2 = shape_of (no_pool);
  g_autofree char *s3 = shape_of (wide);

  g_assert_cmpstr (s1, ==, "(None, 512, 7, 7)");
  g_assert_cmpstr (s2, ==, "(None, 512, 14, 14)");
  g_assert_cmpstr (s3, ==, "(None, 512, 22, 40)");
  g_assert_cmpstr (fathom_graph_get_input_name (wide, 0), ==, "image");
  g_assert_cmpstr (fathom_graph_get_output_name (wide, 0), ==, "features");
  g_assert_nonnull (fathom_graph_find_layer (wide, "block5_conv3"));
  g_assert_null (fathom_graph_find_layer (wide, "block5_pool"));
  g_assert_nonnull (fathom_graph_find_layer (with_pool, "block5_pool"));

  build (no_pool, backend, 1);
  g_assert_cmpuint (fathom_graph_count_params (no_pool, FALSE), ==, FATHOM_VGG16_N_PARAMS);
  g_assert_cmpuint (fathom_graph_count_params (no_pool, FALSE), ==, 14714688);
  g_assert_cmpuint (count_state (no_pool), ==, 0);

  /* Five pools do not fit 16 pixels. */
  g_assert_null (fathom_vgg16_new (16, 16, TRUE, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
}

static void
test_resnet50_shapes (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();

  for (int v = 0; v < 2; v++)
    {
      FathomResnet50Options o;
      g_autoptr(FathomGraph) g224 = NULL;
      g_autoptr(FathomGraph) g400 = NULL;
      g_autoptr(FathomGraph) legacy = NULL;
      g_autofree char *s224 = NULL, *s400 = NULL, *slegacy = NULL;

      fathom_resnet50_options_init (&o, v == 0 ? FATHOM_RESNET50_V1 : FATHOM_RESNET50_V1_5);
      g224 = resnet50 (224, &o);
      g400 = resnet50 (400, &o);
      s224 = shape_of (g224);
      s400 = shape_of (g400);
      g_assert_cmpstr (s224, ==, "(None, 2048, 7, 7)");
      g_assert_cmpstr (s400, ==, "(None, 2048, 13, 13)");
      o.pool_pad = FALSE;
      legacy = resnet50 (400, &o);
      slegacy = shape_of (legacy);
      g_assert_cmpstr (slegacy, ==, "(None, 2048, 13, 13)");
      g_assert_nonnull (fathom_graph_find_layer (g224, "conv4_block6_3_bn"));
      g_assert_nonnull (fathom_graph_find_layer (g224, "conv5_block1_0_conv"));
      g_assert_null (fathom_graph_find_layer (g224, "conv5_block2_0_conv"));
      g_assert_true ((fathom_graph_find_layer (g224, "conv3_block1_2_pad") != NULL) == (v == 1));

      build (g224, backend, 1);
      g_assert_cmpuint (count_state (g224), ==, KERAS_RESNET50_STATE);
      if (v == 0)
        g_assert_cmpuint (fathom_graph_count_params (g224, FALSE), ==, KERAS_RESNET50_PARAMS);
      else
        {
          g_autoptr(FathomRng) rng = fathom_rng_new (3);
          g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.f, 1.f, 1, 3, 224, 224);
          g_autoptr(FathomTensor) y = NULL;
          const gint64 want[4] = { 1, 2048, 7, 7 };

          g_assert_cmpuint (fathom_graph_count_params (g224, FALSE), ==, FATHOM_RESNET50_N_PARAMS);
          g_assert_cmpuint (fathom_graph_count_params (g224, FALSE), ==, 23508032);
          /* One real forward at the lesson's size (~4 GFLOP). */
          y = run (g224, x);
          g_assert_true (fathom_tensor_has_shape (y, 4, want));
          for (gsize i = 0; i < fathom_tensor_get_numel (y); i++)
            g_assert_true (fathom_tensor_get_const_data (y)[i] >= 0.f);   /* after the last relu */
        }
    }
}

/* One bottleneck block, every kernel 1 and BN the identity but for eps, on
 * a 4x4 ramp 1..16: V1 samples the input at the stride first, V1.5 sums
 * 3x3 windows centred on (0,0), (0,2), (2,0), (2,2) with torchvision's
 * symmetric padding ("same" would centre them on (1,1) ... and give 54). */
static void
test_stride_placement (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();

  for (int v = 0; v < 2; v++)
    {
      g_autoptr(FathomGraph) g = fathom_graph_new ();
      g_autoptr(FathomTensor) x = fathom_tensor_new_4d (1, 1, 4, 4);
      g_autoptr(FathomTensor) y = NULL;
      g_autoptr(GError) error = NULL;
      FathomShape in = FATHOM_SHAPE (1, 4, 4);
      const gint64 filters[3] = { 1, 1, 1 };
      const float sampled[4] = { 1, 3, 9, 11 }, windows[4] = { 14, 30, 57, 99 };
      FathomResnet50Options o;
      GPtrArray *params;
      float want[4];
      double s;
      int node;

      fathom_resnet50_options_init (&o, v == 0 ? FATHOM_RESNET50_V1 : FATHOM_RESNET50_V1_5);
      node = fathom_graph_add_input (g, "x", &in);
      node = fathom_resnet50_append_block (g, node, "conv3_block1", filters, 2, TRUE, &o);
      g_assert_true (fathom_graph_add_output (g, "y", node, FATHOM_LOSS_NONE, 0.f, &error));
      build (g, backend, 1);
      params = fathom_graph_get_params (g);
      for (guint i = 0; i < params->len; i++)
        {
          FathomGraphParam *gp = g_ptr_array_index (params, i);
          if (g_str_equal (gp->param->name, "kernel"))
            fathom_tensor_fill (gp->param->value, 1.f);   /* host memory on the CPU */
        }
      for (int i = 0; i < 16; i++)
        fathom_tensor_get_data (x)[i] = (float) (i + 1);
      y = run (g, x);

      s = 1.0 / sqrt (1.0 + o.bn.eps);
      for (int i = 0; i < 4; i++)
        want[i] = (float) (s * sampled[i] + s * s * s * (v == 0 ? 24.0 : windows[i]));
      fathom_test_assert_values (y, want, 4, 1e-4f, v == 0 ? "V1 block" : "V1.5 block");
    }
}

/* ---- torchvision ----------------------------------------------------------- */

static void
test_torchvision_names (void)
{
  static const char *const cases[][2] = {
    { "block1_conv1.kernel", "features.0.weight" },
    { "block3_conv1.kernel", "features.10.weight" },
    { "block5_conv3.bias", "features.28.bias" },
    { "conv1_conv.kernel", "conv1.weight" },
    { "conv1_bn.running_var", "bn1.running_var" },
    { "conv2_block1_0_conv.kernel", "layer1.0.downsample.0.weight" },
    { "conv2_block1_0_bn.gamma", "layer1.0.downsample.1.weight" },
    { "conv4_block6_3_bn.beta", "layer3.5.bn3.bias" },
    { "conv5_block3_2_conv.kernel", "layer4.2.conv2.weight" },
    { "conv1_conv.bias", NULL },
    { "conv2_block2_0_conv.kernel", NULL },
    { "conv2_block4_1_conv.kernel", NULL },
    { "block1_conv3.kernel", NULL },
    { "block1_conv1", NULL },
    { "dense_1.kernel", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = fathom_weights_torchvision_name (cases[i][0]);
      g_assert_cmpstr (got, ==, cases[i][1]);
    }
}

typedef struct {
  GPtrArray *names;             /* char* */
  GPtrArray *tensors;           /* FathomTensor* */
} Export;

static void
export_init (Export *e)
{
  e->names = g_ptr_array_new_with_free_func (g_free);
  e->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
}

static void
export_clear (Export *e)
{
  g_ptr_array_unref (e->names);
  g_ptr_array_unref (e->tensors);
}

static void
export_add (Export *e, FathomGraph *g, const char *torch_name, const char *param)
{
  FathomGraphParam *gp = find_param (g, param);
  FathomTensor *t = fathom_tensor_new_like (gp->param->value);
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_download (fathom_graph_get_backend (g), gp->param->value,
                                          fathom_tensor_get_data (t), &error));
  g_ptr_array_add (e->names, g_strdup (torch_name));
  g_ptr_array_add (e->tensors, t);
}

static void
export_bn (Export *e, FathomGraph *g, const char *torch, const char *layer)
{
  static const char *const map[4][2] = {
    { "weight", "gamma" }, { "bias", "beta" }, { "running_mean", "running_mean" }, { "running_var", "running_var" },
  };

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *tn = g_strdup_printf ("%s.%s", torch, map[i][0]);
      g_autofree char *pn = g_strdup_printf ("%s.%s", layer, map[i][1]);
      export_add (e, g, tn, pn);
    }
}

/* torchvision's vgg16 state dict, from its side: the convs are
 * features.{0,2,5,...,28}, in graph order. */
static void
export_torch_vgg16 (Export *e, FathomGraph *g)
{
  static const int features[13] = { 0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28 };
  static const int convs[5] = { 2, 2, 3, 3, 3 };
  guint k = 0;

  for (int b = 0; b < 5; b++)
    for (int c = 0; c < convs[b]; c++, k++)
      {
        g_autofree char *w = g_strdup_printf ("features.%d.weight", features[k]);
        g_autofree char *bias = g_strdup_printf ("features.%d.bias", features[k]);
        g_autofree char *kernel = g_strdup_printf ("block%d_conv%d.kernel", b + 1, c + 1);
        g_autofree char *ours = g_strdup_printf ("block%d_conv%d.bias", b + 1, c + 1);

        export_add (e, g, w, kernel);
        export_add (e, g, bias, ours);
      }
  g_assert_cmpuint (e->names->len, ==, fathom_graph_get_params (g)->len);
}

static void
export_torch_resnet50 (Export *e, FathomGraph *g)
{
  static const int blocks[4] = { 3, 4, 6, 3 };

  export_add (e, g, "conv1.weight", "conv1_conv.kernel");
  export_bn (e, g, "bn1", "conv1_bn");
  for (int l = 1; l <= 4; l++)
    for (int b = 0; b < blocks[l - 1]; b++)
      {
        for (int k = 1; k <= 3; k++)
          {
            g_autofree char *tw = g_strdup_printf ("layer%d.%d.conv%d.weight", l, b, k);
            g_autofree char *ow = g_strdup_printf ("conv%d_block%d_%d_conv.kernel", l + 1, b + 1, k);
            g_autofree char *tb = g_strdup_printf ("layer%d.%d.bn%d", l, b, k);
            g_autofree char *ob = g_strdup_printf ("conv%d_block%d_%d_bn", l + 1, b + 1, k);

            export_add (e, g, tw, ow);
            export_bn (e, g, tb, ob);
          }
        if (b == 0)
          {
            g_autofree char *tw = g_strdup_printf ("layer%d.0.downsample.0.weight", l);
            g_autofree char *ow = g_strdup_printf ("conv%d_block1_0_conv.kernel", l + 1);
            g_autofree char *tb = g_strdup_printf ("layer%d.0.downsample.1", l);
            g_autofree char *ob = g_strdup_printf ("conv%d_block1_0_bn", l + 1);

            export_add (e, g, tw, ow);
            export_bn (e, g, tb, ob);
          }
      }
  g_assert_cmpuint (e->names->len, ==, fathom_graph_get_params (g)->len);
}

/* Tensors a real state dict has and the import must skip. */
static void
export_extras (Export *e, gboolean resnet)
{
  g_ptr_array_add (e->names, g_strdup (resnet ? "fc.weight" : "classifier.6.weight"));
  g_ptr_array_add (e->tensors, fathom_tensor_new_2d (10, 4));
  g_ptr_array_add (e->names, g_strdup (resnet ? "bn1.num_batches_tracked" : "classifier.6.bias"));
  g_ptr_array_add (e->tensors, fathom_tensor_new_1d (1));
}

static void
export_save (Export *e, const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_safetensors_save (path, e->names->len, (const char *const *) e->names->pdata,
                                          (FathomTensor *const *) e->tensors->pdata, NULL, &error));
  g_assert_no_error (error);
}

static void
test_torchvision_vgg16 (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomGraph) a = vgg16 (32, 32, TRUE);
  g_autoptr(FathomGraph) b = vgg16 (32, 32, TRUE);
  g_autoptr(FathomRng) rng = fathom_rng_new (5);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.f, 1.f, 2, 3, 32, 32);
  g_autoptr(FathomTensor) ya = NULL, yb = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("vgg16.safetensors");
  FathomWeightsOrigin origin;
  Export e;
  guint k;

  build (a, backend, 1);
  build (b, backend, 2);
  randomise (a, 11);
  export_init (&e);
  export_torch_vgg16 (&e, a);
  export_extras (&e, FALSE);
  export_save (&e, path);

  g_assert_true (fathom_weights_probe (path, &origin, &error));
  g_assert_cmpint (origin.format, ==, FATHOM_WEIGHTS_TORCHVISION);
  g_assert_cmpint (origin.resnet_variant, ==, FATHOM_RESNET50_V1_5);
  g_assert_cmpfloat (origin.bn_eps, ==, 1e-5f);
  g_assert_true (fathom_weights_load (b, path, NULL, &error));
  g_assert_no_error (error);
  ya = run (a, x);
  yb = run (b, x);
  assert_identical (ya, yb, "torchvision VGG16");

  /* A renamed, a reshaped and an unknown tensor: each refused, naming it,
   * and a graph with other values keeps them. */
  for (k = 0; !g_str_equal (g_ptr_array_index (e.names, k), "features.10.weight"); k++)
    ;
  {
    g_autoptr(FathomGraph) c = vgg16 (32, 32, TRUE);
    FathomTensor *good = g_ptr_array_index (e.tensors, k);
    const gint64 flat[4] = { 256, 128, 1, 9 };
    FathomTensor *reshaped = fathom_tensor_view (good, 4, flat);

    build (c, backend, 3);
    before = snapshot (c);

    g_free (g_ptr_array_index (e.names, k));
    g_ptr_array_index (e.names, k) = g_strdup ("features.10.kernel");
    export_save (&e, path);
    g_assert_false (fathom_weights_load_torchvision (c, path, &error));
    g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_MISSING);
    assert_error_mentions (error, (const char *[]) { "features.10.weight", "features.10.kernel", NULL });
    g_clear_error (&error);
    assert_unchanged (before, c);

    g_free (g_ptr_array_index (e.names, k));
    g_ptr_array_index (e.names, k) = g_strdup ("features.10.weight");
    g_ptr_array_index (e.tensors, k) = reshaped;   /* swapped back below */
    export_save (&e, path);
    g_assert_false (fathom_weights_load_torchvision (c, path, &error));
    g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE);
    assert_error_mentions (error, (const char *[]) { "features.10.weight", "[256,128,1,9]", "[256,128,3,3]", NULL });
    g_clear_error (&error);
    assert_unchanged (before, c);

    g_ptr_array_index (e.tensors, k) = good;
    fathom_tensor_unref (reshaped);
    g_ptr_array_add (e.names, g_strdup ("features.31.weight"));
    g_ptr_array_add (e.tensors, fathom_tensor_new_1d (3));
    export_save (&e, path);
    g_assert_false (fathom_weights_load_torchvision (c, path, &error));
    g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNEXPECTED);
    assert_error_mentions (error, (const char *[]) { "features.31.weight", NULL });
    g_clear_error (&error);
    assert_unchanged (before, c);

    /* Not HDF5 at all, read as Keras. */
    g_assert_false (fathom_weights_load_keras (c, path, FATHOM_WEIGHTS_KERAS_TF, &error));
    g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT);
    assert_error_mentions (error, (const char *[]) { "cannot open as HDF5", NULL });
    g_clear_error (&error);
    assert_no_open_h5 ();
    assert_unchanged (before, c);
  }
  export_clear (&e);
  g_unlink (path);
}

static void
test_torchvision_resnet50 (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomRng) rng = fathom_rng_new (6);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.f, 1.f, 1, 3, 64, 64);
  g_autoptr(FathomGraph) a = NULL;
  g_autoptr(FathomGraph) c = NULL;
  g_autoptr(FathomTensor) ya = NULL, yc = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("resnet50.safetensors");
  FathomResnet50Options o;
  Export e;

  fathom_resnet50_options_init (&o, FATHOM_RESNET50_V1_5);
  a = resnet50 (64, &o);
  build (a, backend, 1);
  randomise (a, 12);
  export_init (&e);
  export_torch_resnet50 (&e, a);
  export_extras (&e, TRUE);
  export_save (&e, path);
  export_clear (&e);
  ya = run (a, x);

  /* The whole chain: probe, build the V1.5 graph with eps 1e-5, load. */
  c = fathom_weights_backbone_new (FATHOM_BACKBONE_RESNET50, path, 64, 64, TRUE, backend, &error);
  g_assert_no_error (error);
  yc = run (c, x);
  assert_identical (ya, yc, "torchvision ResNet50");
  g_clear_pointer (&c, fathom_graph_free);

  /* A Keras-style graph has conv biases torchvision lacks. */
  fathom_resnet50_options_init (&o, FATHOM_RESNET50_V1);
  c = resnet50 (64, &o);
  build (c, backend, 2);
  before = snapshot (c);
  g_assert_false (fathom_weights_load_torchvision (c, path, &error));
  g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNSUPPORTED);
  assert_error_mentions (error, (const char *[]) { "conv1_conv.bias", NULL });
  assert_unchanged (before, c);
  g_unlink (path);
}

/* ---- Keras HDF5 ------------------------------------------------------------ */

#define H5_OK(expr) g_assert_cmpint ((expr), >=, 0)

/* A list of strings as h5py writes it: variable-length for str, fixed
 * length and NULLPAD (the longest fills its slot) for bytes, and an empty
 * float array for an empty list. */
static void
h5_strings (hid_t loc, const char *name, GPtrArray *v, gboolean variable)
{
  hsize_t n = v->len;
  hid_t space = H5Screate_simple (1, &n, NULL);
  hid_t type = H5Tcopy (H5T_C_S1);
  hid_t attr;

  if (n == 0)
    {
      attr = H5Acreate2 (loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
      H5_OK (attr);
    }
  else if (variable)
    {
      H5_OK (H5Tset_size (type, H5T_VARIABLE));
      H5_OK (H5Tset_cset (type, H5T_CSET_UTF8));
      attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
      H5_OK (H5Awrite (attr, type, v->pdata));
    }
  else
    {
      size_t size = 1;
      g_autofree char *buf = NULL;

      for (guint i = 0; i < v->len; i++)
        size = MAX (size, strlen (g_ptr_array_index (v, i)));
      buf = g_malloc0 (n * size);
      for (guint i = 0; i < v->len; i++)
        memcpy (buf + i * size, g_ptr_array_index (v, i), strlen (g_ptr_array_index (v, i)));
      H5_OK (H5Tset_size (type, size));
      H5_OK (H5Tset_strpad (type, H5T_STR_NULLPAD));
      attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
      H5_OK (H5Awrite (attr, type, buf));
    }
  H5Aclose (attr);
  H5Tclose (type);
  H5Sclose (space);
}

static void
h5_scalar_string (hid_t loc, const char *name, const char *value)
{
  hid_t space = H5Screate (H5S_SCALAR);
  hid_t type = H5Tcopy (H5T_C_S1);
  hid_t attr;

  H5_OK (H5Tset_size (type, strlen (value)));
  H5_OK (H5Tset_strpad (type, H5T_STR_NULLPAD));
  attr = H5Acreate2 (loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5_OK (H5Awrite (attr, type, value));
  H5Aclose (attr);
  H5Tclose (type);
  H5Sclose (space);
}

typedef struct {
  hid_t      file;
  GPtrArray *layer_names;
  gboolean   variable;
} H5Writer;

static H5Writer
h5w_open (const char *path, gboolean variable)
{
  H5Writer w = { H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                 g_ptr_array_new_with_free_func (g_free), variable };

  H5_OK (w.file);
  return w;
}

/* A layer group with its datasets (host tensors already in file order);
 * weight names may contain '/', as "block1_conv1/kernel:0" does. */
static void
h5w_layer (H5Writer *w, const char *name, guint n, const char *const *wnames, FathomTensor *const *values)
{
  hid_t group = H5Gcreate2 (w->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  H5_OK (group);
  H5_OK (H5Pset_create_intermediate_group (lcpl, 1));
  for (guint i = 0; i < n; i++)
    {
      hsize_t dims[FATHOM_MAX_DIMS];
      guint ndim = fathom_tensor_get_ndim (values[i]);
      hid_t space, ds;

      for (guint d = 0; d < ndim; d++)
        dims[d] = (hsize_t) fathom_tensor_get_dim (values[i], (int) d);
      space = H5Screate_simple ((int) ndim, dims, NULL);
      ds = H5Dcreate2 (group, wnames[i], H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
      H5_OK (ds);
      H5_OK (H5Dwrite (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       fathom_tensor_get_const_data (values[i])));
      H5Dclose (ds);
      H5Sclose (space);
      g_ptr_array_add (names, (gpointer) wnames[i]);
    }
  h5_strings (group, "weight_names", names, w->variable);
  H5Pclose (lcpl);
  H5Gclose (group);
  g_ptr_array_add (w->layer_names, g_strdup (name));
}

/* Keras 2 writes the backend; Keras 1 wrote none (backend NULL). */
static void
h5w_close (H5Writer *w, const char *backend)
{
  h5_strings (w->file, "layer_names", w->layer_names, w->variable);
  if (backend != NULL)
    {
      h5_scalar_string (w->file, "backend", backend);
      h5_scalar_string (w->file, "keras_version", "2.2.4");
    }
  H5_OK (H5Fclose (w->file));
  g_ptr_array_unref (w->layer_names);
}

static FathomTensor *
download (FathomGraph *g, const char *layer, const char *param)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", layer, param);
  FathomGraphParam *gp = find_param (g, name);
  FathomTensor *t = fathom_tensor_new_like (gp->param->value);
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_download (fathom_graph_get_backend (g), gp->param->value,
                                          fathom_tensor_get_data (t), &error));
  return t;
}

/* [out, in, kh, kw] as TensorFlow stores it, [kh, kw, in, out]; or as
 * Theano does, rotated 180 degrees. */
static FathomTensor *
kernel_for_file (const FathomTensor *k, gboolean theano)
{
  const gint64 *s = fathom_tensor_get_shape (k);
  gint64 O = s[0], I = s[1], KH = s[2], KW = s[3];
  FathomTensor *t = theano ? fathom_tensor_new_like (k) : fathom_tensor_new_4d (KH, KW, I, O);
  const float *src = fathom_tensor_get_const_data (k);
  float *dst = fathom_tensor_get_data (t);

  for (gint64 o = 0; o < O; o++)
    for (gint64 i = 0; i < I; i++)
      for (gint64 y = 0; y < KH; y++)
        for (gint64 x = 0; x < KW; x++)
          {
            float v = src[((o * I + i) * KH + y) * KW + x];
            if (theano)
              dst[((o * I + i) * KH + (KH - 1 - y)) * KW + (KW - 1 - x)] = v;
            else
              dst[((y * KW + x) * I + i) * O + o] = v;
          }
  return t;
}

/* VGG16 as keras-applications saves it (TensorFlow order, its names, a
 * group for every layer), or as the course's Keras 1 Theano model did
 * (generic names, ZeroPadding before each conv, flipped kernels). bad
 * names a conv whose kernel is written with in and out swapped. */
static void
write_vgg16_trunk (H5Writer *hw, FathomGraph *g, gboolean theano, const char *bad)
{
  GPtrArray *layers = fathom_graph_get_layers (g);
  H5Writer w = *hw;
  int convs = 0, pools = 0;

  h5w_layer (&w, theano ? "lambda_1" : "input_1", 0, NULL, NULL);
  for (guint i = 0; i < layers->len; i++)
    {
      const char *name = fathom_layer_get_name (g_ptr_array_index (layers, i));
      g_autofree char *lname = NULL, *wk = NULL, *wb = NULL;

      if (strstr (name, "pool") != NULL)
        {
          lname = theano ? g_strdup_printf ("maxpooling2d_%d", ++pools) : g_strdup (name);
          h5w_layer (&w, lname, 0, NULL, NULL);
          continue;
        }
      {
        g_autoptr(FathomTensor) kernel = download (g, name, "kernel");
        g_autoptr(FathomTensor) bias = download (g, name, "bias");
        g_autoptr(FathomTensor) stored = kernel_for_file (kernel, theano);
        FathomTensor *values[2] = { stored, bias };

        convs++;
        if (theano)
          {
            g_autofree char *pad = g_strdup_printf ("zeropadding2d_%d", convs);

            h5w_layer (&w, pad, 0, NULL, NULL);
            lname = g_strdup_printf ("convolution2d_%d", convs);
            wk = g_strdup_printf ("%s_W", lname);
            wb = g_strdup_printf ("%s_b", lname);
          }
        else
          {
            lname = g_strdup (name);
            wk = g_strdup_printf ("%s/kernel:0", name);
            wb = g_strdup_printf ("%s/bias:0", name);
          }
        if (bad != NULL && g_str_equal (name, bad))
          {
            const gint64 *s = fathom_tensor_get_shape (stored);
            values[0] = fathom_tensor_view (stored, 4, (gint64[]) { s[0], s[1], s[3], s[2] });
          }
        h5w_layer (&w, lname, 2, (const char *[]) { wk, wb }, values);
        if (values[0] != stored)
          fathom_tensor_unref (values[0]);
      }
    }
  *hw = w;
}

static void
write_keras_vgg16 (FathomGraph *g, const char *path, gboolean theano, const char *bad)
{
  H5Writer w = h5w_open (path, !theano);

  write_vgg16_trunk (&w, g, theano, bad);
  h5w_close (&w, theano ? NULL : "tensorflow");
}

static void
test_keras_vgg16 (gconstpointer data)
{
  gboolean theano = GPOINTER_TO_INT (data);
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomGraph) a = vgg16 (32, 32, TRUE);
  g_autoptr(FathomGraph) b = vgg16 (32, 32, TRUE);
  g_autoptr(FathomGraph) c = vgg16 (32, 32, TRUE);
  g_autoptr(FathomRng) rng = fathom_rng_new (7);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.f, 1.f, 2, 3, 32, 32);
  g_autoptr(FathomTensor) ya = NULL, yb = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path (theano ? "vgg16_th.h5" : "vgg16_tf_notop.h5");
  FathomWeightsOrigin origin;

  build (a, backend, 1);
  build (b, backend, 2);
  build (c, backend, 3);
  randomise (a, 13);
  write_keras_vgg16 (a, path, theano, NULL);

  g_assert_true (fathom_weights_probe (path, &origin, &error));
  g_assert_no_error (error);
  g_assert_cmpint (origin.format, ==, theano ? FATHOM_WEIGHTS_KERAS_THEANO : FATHOM_WEIGHTS_KERAS_TF);
  g_assert_cmpint (origin.resnet_variant, ==, FATHOM_RESNET50_V1);
  g_assert_cmpfloat (origin.bn_eps, ==, 1e-3f);
  g_assert_true (fathom_weights_load (b, path, NULL, &error));
  g_assert_no_error (error);
  ya = run (a, x);
  yb = run (b, x);
  assert_identical (ya, yb, theano ? "Keras 1 Theano VGG16" : "Keras TF VGG16");
  assert_no_open_h5 ();

  before = snapshot (c);
  if (theano)
    {
      /* Read as TensorFlow order, the first kernel does not fit. */
      g_assert_false (fathom_weights_load_keras (c, path, FATHOM_WEIGHTS_KERAS_TF, &error));
      g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE);
      assert_error_mentions (error, (const char *[]) { "convolution2d_1_W has shape [64,3,3,3]",
                                                       "the model expects [3,3,3,64]",
                                                       "TensorFlow order of block1_conv1.kernel [64,3,3,3]", NULL });
      g_clear_error (&error);

      /* Matched by position, a file with fewer layers is refused. */
      {
        g_autofree char *short_path = tmp_path ("short_th.h5");
        g_autoptr(FathomTensor) kernel = download (a, "block1_conv1", "kernel");
        g_autoptr(FathomTensor) bias = download (a, "block1_conv1", "bias");
        g_autoptr(FathomTensor) stored = kernel_for_file (kernel, TRUE);
        H5Writer w = h5w_open (short_path, FALSE);

        h5w_layer (&w, "convolution2d_1", 2, (const char *[]) { "convolution2d_1_W", "convolution2d_1_b" },
                   (FathomTensor *[]) { stored, bias });
        h5w_close (&w, NULL);
        g_assert_false (fathom_weights_load (c, short_path, NULL, &error));
        g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_MISSING);
        assert_error_mentions (error, (const char *[]) { "block1_conv2", "weights for 1 layers, the model 13", NULL });
        g_unlink (short_path);
      }
    }
  else
    {
      write_keras_vgg16 (a, path, FALSE, "block3_conv1");
      g_assert_false (fathom_weights_load (c, path, NULL, &error));
      g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE);
      assert_error_mentions (error, (const char *[]) { "block3_conv1/kernel:0 has shape [3,3,256,128]",
                                                       "the model expects [3,3,128,256]",
                                                       "block3_conv1.kernel [256,128,3,3]", NULL });
    }
  g_clear_error (&error);
  assert_no_open_h5 ();
  assert_unchanged (before, c);
  g_unlink (path);
}

/* A 3x3 kernel 1..9 on a 3x3 ramp 1..9: Theano convolves (the kernel
 * turned 180 degrees: sum k (10 - k) = 165), TensorFlow cross-correlates
 * (sum k^2 = 285); plus the bias 0.5. */
static void
test_keras_flip (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autofree char *path = tmp_path ("flip.h5");
  g_autoptr(FathomTensor) x = fathom_tensor_new_4d (1, 1, 3, 3);
  g_autoptr(FathomTensor) kernel = fathom_tensor_new_4d (1, 1, 3, 3);
  g_autoptr(FathomTensor) bias = fathom_tensor_new_1d (1);

  for (int i = 0; i < 9; i++)
    fathom_tensor_get_data (x)[i] = fathom_tensor_get_data (kernel)[i] = (float) (i + 1);
  fathom_tensor_get_data (bias)[0] = 0.5f;

  for (int theano = 0; theano < 2; theano++)
    {
      g_autoptr(FathomGraph) g = fathom_graph_new ();
      g_autoptr(FathomTensor) y = NULL, k = NULL;
      g_autoptr(GError) error = NULL;
      FathomShape in = FATHOM_SHAPE (1, 3, 3);
      FathomTensor *values[2] = { kernel, bias };
      H5Writer w = h5w_open (path, FALSE);
      float want_k[9], want_y;
      int node;

      node = fathom_graph_add_input (g, "x", &in);
      node = FATHOM_GRAPH_ADD_NAMED (g, "conv", fathom_conv2d_layer_new (1, 3, 3, 1, 1, FATHOM_PADDING_VALID,
                                                                         FATHOM_ACTIVATION_IDENTITY, TRUE), node);
      g_assert_true (fathom_graph_add_output (g, "y", node, FATHOM_LOSS_NONE, 0.f, &error));
      build (g, backend, 1);

      /* With in = out = 1, [kh, kw, in, out] and [out, in, kh, kw] hold
       * the same sequence: only the flip differs. */
      if (theano)
        h5w_layer (&w, "convolution2d_1", 2, (const char *[]) { "convolution2d_1_W", "convolution2d_1_b" }, values);
      else
        {
          const gint64 tf_shape[4] = { 3, 3, 1, 1 };
          g_autoptr(FathomTensor) tf = fathom_tensor_view (kernel, 4, tf_shape);
          FathomTensor *tf_values[2] = { tf, bias };

          h5w_layer (&w, "conv", 2, (const char *[]) { "conv/kernel:0", "conv/bias:0" }, tf_values);
        }
      h5w_close (&w, theano ? "theano" : "tensorflow");

      g_assert_true (fathom_weights_load (g, path, NULL, &error));
      g_assert_no_error (error);
      k = download (g, "conv", "kernel");
      want_y = 0.5f;
      for (int i = 0; i < 9; i++)
        {
          want_k[i] = (float) (theano ? 9 - i : i + 1);
          want_y += (float) (i + 1) * want_k[i];
        }
      g_assert_cmpfloat (want_y, ==, theano ? 165.5f : 285.5f);
      fathom_test_assert_values (k, want_k, 9, 0.f, "imported kernel");
      y = run (g, x);
      fathom_test_assert_values (y, &want_y, 1, 1e-5f, "conv output");
      assert_no_open_h5 ();
    }
  g_unlink (path);
}

/* The old keras-applications names, from our side. */
static char *
legacy_name (const char *ours)
{
  int s, b, k;
  char kind[5];

  if (g_str_equal (ours, "conv1_conv"))
    return g_strdup ("conv1");
  if (g_str_equal (ours, "conv1_bn"))
    return g_strdup ("bn_conv1");
  g_assert_cmpint (sscanf (ours, "conv%d_block%d_%d_%4s", &s, &b, &k, kind), ==, 4);
  return g_strdup_printf ("%s%d%c_branch%s", g_str_equal (kind, "bn") ? "bn" : "res", s, 'a' + b - 1,
                          k == 0 ? "1" : k == 1 ? "2a" : k == 2 ? "2b" : "2c");
}

/* ResNet50 as the original Keras model saved it: old names, conv biases,
 * no padding before the first pool; matched by name, whatever the order. */
static void
test_keras_resnet50 (void)
{
  static const char *const conv_w[] = { "kernel:0", "bias:0" };
  static const char *const bn_w[] = { "gamma:0", "beta:0", "moving_mean:0", "moving_variance:0" };
  static const char *const bn_p[] = { "gamma", "beta", "running_mean", "running_var" };
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomRng) rng = fathom_rng_new (8);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.f, 1.f, 2, 3, 32, 32);
  g_autoptr(FathomGraph) a = NULL;
  g_autoptr(FathomGraph) c = NULL;
  g_autoptr(FathomTensor) ya = NULL, yc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("resnet50_tf_notop.h5");
  FathomWeightsOrigin origin;
  FathomResnet50Options o;
  GPtrArray *layers;
  H5Writer w;

  fathom_resnet50_options_init (&o, FATHOM_RESNET50_V1);
  o.pool_pad = FALSE;
  a = resnet50 (32, &o);
  build (a, backend, 1);
  randomise (a, 14);

  w = h5w_open (path, TRUE);
  h5w_layer (&w, "input_1", 0, NULL, NULL);
  h5w_layer (&w, "zero_padding2d_1", 0, NULL, NULL);
  layers = fathom_graph_get_layers (a);
  for (guint i = 0; i < layers->len; i++)
    {
      FathomLayer *layer = g_ptr_array_index (layers, i);
      const char *name = fathom_layer_get_name (layer);
      gboolean bn = g_str_equal (fathom_layer_get_type_name (layer), "BatchNormalization");
      g_autofree char *legacy = NULL;
      g_autoptr(GPtrArray) wnames = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);

      if (layer->params->len == 0)
        continue;
      legacy = legacy_name (name);
      for (guint j = 0; j < (bn ? 4u : 2u); j++)
        {
          g_ptr_array_add (wnames, g_strdup_printf ("%s/%s", legacy, bn ? bn_w[j] : conv_w[j]));
          if (bn)
            g_ptr_array_add (values, download (a, name, bn_p[j]));
          else if (j == 0)
            {
              g_autoptr(FathomTensor) k = download (a, name, "kernel");
              g_ptr_array_add (values, kernel_for_file (k, FALSE));
            }
          else
            g_ptr_array_add (values, download (a, name, "bias"));
        }
      h5w_layer (&w, legacy, wnames->len, (const char *const *) wnames->pdata,
                 (FathomTensor *const *) values->pdata);
    }
  h5w_close (&w, "tensorflow");

  g_assert_true (fathom_weights_probe (path, &origin, &error));
  g_assert_cmpint (origin.format, ==, FATHOM_WEIGHTS_KERAS_TF);
  g_assert_cmpint (origin.resnet_variant, ==, FATHOM_RESNET50_V1);
  g_assert_false (origin.resnet_pool_pad);
  g_assert_cmpfloat (origin.bn_eps, ==, 1e-3f);

  ya = run (a, x);
  g_clear_pointer (&a, fathom_graph_free);
  c = fathom_weights_backbone_new (FATHOM_BACKBONE_RESNET50, path, 32, 32, TRUE, backend, &error);
  g_assert_no_error (error);
  yc = run (c, x);
  assert_identical (ya, yc, "Keras ResNet50");
  assert_no_open_h5 ();
  g_unlink (path);
}

/* ---- VGG16BN: the course's whole model ------------------------------------ */

/* VGG16BN's dense top as the course's file holds it: Dense kernels
 * [in, out], Keras 1 BN weights gamma, beta, running_mean and running_std
 * (which holds the variance), and the ImageNet classifier after them. */
typedef struct {
  gint64        in, units, n_top;
  FathomTensor *w[3], *b[3];    /* dense_1, dense_2, dense_3 */
  FathomTensor *bn[2][4];       /* gamma, beta, mean, variance */
} DenseTop;

static void
dense_top_init (DenseTop *t, gint64 in, gint64 units, gint64 n_top, guint64 seed)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  const gint64 ins[3] = { in, units, units }, outs[3] = { units, units, n_top };

  t->in = in;
  t->units = units;
  t->n_top = n_top;
  for (int k = 0; k < 3; k++)
    {
      t->w[k] = FATHOM_TEST_UNIFORM (rng, -0.15f, 0.15f, ins[k], outs[k]);
      t->b[k] = FATHOM_TEST_UNIFORM (rng, -0.2f, 0.2f, outs[k]);
    }
  for (int k = 0; k < 2; k++)
    {
      t->bn[k][0] = FATHOM_TEST_UNIFORM (rng, 0.5f, 1.5f, units);
      t->bn[k][1] = FATHOM_TEST_UNIFORM (rng, -0.2f, 0.2f, units);
      t->bn[k][2] = FATHOM_TEST_UNIFORM (rng, -0.2f, 0.2f, units);
      t->bn[k][3] = FATHOM_TEST_UNIFORM (rng, 0.5f, 1.5f, units);
    }
}

static void
dense_top_clear (DenseTop *t)
{
  for (int k = 0; k < 3; k++)
    {
      g_clear_pointer (&t->w[k], fathom_tensor_unref);
      g_clear_pointer (&t->b[k], fathom_tensor_unref);
    }
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 4; j++)
      g_clear_pointer (&t->bn[k][j], fathom_tensor_unref);
}

/* Dense layer n ("dense_n") as Keras 1 (Theano) or Keras 2 (TensorFlow)
 * names its weights; bad writes its kernel [out, in]. */
static void
h5w_dense (H5Writer *w, int n, FathomTensor *kernel, FathomTensor *bias, gboolean theano, gboolean bad)
{
  g_autofree char *name = g_strdup_printf ("dense_%d", n);
  g_autofree char *wk = g_strdup_printf (theano ? "%s_W" : "%s/kernel:0", name);
  g_autofree char *wb = g_strdup_printf (theano ? "%s_b" : "%s/bias:0", name);
  const gint64 *s = fathom_tensor_get_shape (kernel);
  g_autoptr(FathomTensor) swapped = fathom_tensor_view (kernel, 2, (gint64[]) { s[1], s[0] });

  h5w_layer (w, name, 2, (const char *[]) { wk, wb }, (FathomTensor *[]) { bad ? swapped : kernel, bias });
}

static void
h5w_keras_bn (H5Writer *w, int n, FathomTensor *const *values, gboolean theano)
{
  static const char *const keras1[4] = { "gamma", "beta", "running_mean", "running_std" };
  static const char *const keras2[4] = { "gamma:0", "beta:0", "moving_mean:0", "moving_variance:0" };
  g_autofree char *name = g_strdup_printf ("batchnormalization_%d", n);
  g_autoptr(GPtrArray) wnames = g_ptr_array_new_with_free_func (g_free);

  for (int j = 0; j < 4; j++)
    g_ptr_array_add (wnames, g_strdup_printf (theano ? "%s_%s" : "%s/%s", name, theano ? keras1[j] : keras2[j]));
  h5w_layer (w, name, 4, (const char *const *) wnames->pdata, values);
}

/* The whole VGG16BN as vgg16bn.py saved it: the trunk of g (as
 * write_keras_vgg16), Flatten, two FC blocks, the classifier. bad names
 * a Dense layer ("dense_1") written with its kernel's axes swapped. */
static void
write_keras_vgg16_bn (FathomGraph *g, const DenseTop *t, const char *path, gboolean theano, const char *bad)
{
  H5Writer w = h5w_open (path, !theano);

  write_vgg16_trunk (&w, g, theano, NULL);
  h5w_layer (&w, "flatten_1", 0, NULL, NULL);
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *name = g_strdup_printf ("dense_%d", k + 1);

      h5w_dense (&w, k + 1, t->w[k], t->b[k], theano, g_strcmp0 (bad, name) == 0);
      if (k == 2)
        break;
      h5w_keras_bn (&w, k + 1, t->bn[k], theano);
      g_free (name);
      name = g_strdup_printf ("dropout_%d", k + 1);
      h5w_layer (&w, name, 0, NULL, NULL);
    }
  h5w_close (&w, theano ? NULL : "tensorflow");
}

/* What the top computes on the trunk's vectors v [n, in], by hand from the
 * file's numbers: twice relu (x W + b), then (x - mean) / sqrt (var + eps)
 * * gamma + beta. positive counts the relu outputs above zero. */
static FathomTensor *
dense_top_reference (const DenseTop *t, const FathomTensor *v, float eps, guint *positive)
{
  gint64 n = fathom_tensor_get_dim (v, 0), U = t->units;
  FathomTensor *out = fathom_tensor_new_2d (n, U);
  g_autofree double *x = g_new (double, MAX (t->in, U));
  g_autofree double *h = g_new (double, U);

  *positive = 0;
  for (gint64 r = 0; r < n; r++)
    {
      gint64 in = t->in;

      for (gint64 i = 0; i < in; i++)
        x[i] = fathom_tensor_get_const_data (v)[r * in + i];
      for (int k = 0; k < 2; k++)
        {
          const float *W = fathom_tensor_get_const_data (t->w[k]);
          const float *b = fathom_tensor_get_const_data (t->b[k]);
          const float *gamma = fathom_tensor_get_const_data (t->bn[k][0]);
          const float *beta = fathom_tensor_get_const_data (t->bn[k][1]);
          const float *mean = fathom_tensor_get_const_data (t->bn[k][2]);
          const float *var = fathom_tensor_get_const_data (t->bn[k][3]);

          for (gint64 u = 0; u < U; u++)
            {
              double z = b[u];

              for (gint64 i = 0; i < in; i++)
                z += x[i] * W[i * U + u];
              h[u] = MAX (z, 0.0);
              *positive += z > 0;
            }
          for (gint64 u = 0; u < U; u++)
            x[u] = (h[u] - mean[u]) / sqrt (var[u] + eps) * gamma[u] + beta[u];
          in = U;
        }
      for (gint64 u = 0; u < U; u++)
        fathom_tensor_get_data (out)[r * U + u] = (float) x[u];
    }
  return out;
}

/* A node's output after the last forward, on the host. */
static FathomTensor *
node_output (FathomGraph *g, const char *layer)
{
  FathomTensor *y = fathom_graph_get_node_output (g, layer);
  FathomTensor *out = fathom_tensor_new_like (y);
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_download (fathom_graph_get_backend (g), y, fathom_tensor_get_data (out), &error));
  return out;
}

static FathomGraph *
vgg16_bn (gint64 size, gint64 units)
{
  g_autoptr(GError) error = NULL;
  FathomGraph *g = fathom_vgg16_bn_new (size, size, units, &error);

  g_assert_no_error (error);
  return g;
}

/* The lesson's model at 224 (not built: 134 million parameters), and its
 * parameters counted on a narrow top at 32x32 (512x1x1 into 10 units). */
static void
test_vgg16_bn_shapes (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomGraph) g = vgg16_bn (224, FATHOM_VGG16_BN_DENSE_UNITS);
  g_autoptr(FathomGraph) small = vgg16_bn (32, 10);
  g_autofree char *s = shape_of (g);
  static const char *const names[] = { "block5_pool", "flatten_1", "dense_1", "batchnormalization_1", "dropout_1",
                                       "dense_2", "batchnormalization_2" };

  g_assert_cmpstr (s, ==, "(None, 4096)");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_nonnull (fathom_graph_find_layer (g, names[i]));
  g_assert_cmpstr (fathom_layer_get_type_name (fathom_graph_find_layer (g, "batchnormalization_2")), ==,
                   "BatchNormalization");
  g_assert_null (fathom_graph_find_layer (g, "dropout_2"));
  g_assert_null (fathom_graph_find_layer (g, "dense_3"));
  build (small, backend, 1);
  /* the trunk, 512*10 + 10 and 10*10 + 10, two BNs' gamma and beta; their
   * running mean and variance are state */
  g_assert_cmpuint (fathom_graph_count_params (small, FALSE), ==, FATHOM_VGG16_N_PARAMS + 5130 + 110 + 40);
  g_assert_cmpuint (count_state (small), ==, 40);
}

/* The course's Keras 1 Theano file at 32x32 (512x1x1 into a dense top of
 * 6 units, a classifier of 5): the trunk as VGG16 computes it, the top as
 * the file's numbers do by hand; the file's classifier is skipped only
 * when asked, and a misshapen kernel is named. */
static void
test_keras_vgg16_bn (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomGraph) a = vgg16 (32, 32, TRUE);
  g_autoptr(FathomGraph) g = NULL;
  g_autoptr(FathomGraph) c = NULL;
  g_autoptr(FathomRng) rng = fathom_rng_new (9);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, -1.f, 1.f, 2, 3, 32, 32);
  g_autoptr(FathomTensor) ya = NULL, y = NULL, pool = NULL, want = NULL, var = NULL, kernel = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tmp_path ("vgg16_bn_th.h5");
  g_autofree char *other = tmp_path ("vgg16_bn_other.h5");
  g_autofree char *s = NULL;
  FathomWeightsOrigin origin;
  DenseTop t;
  guint positive;

  build (a, backend, 1);
  randomise (a, 15);
  dense_top_init (&t, 512, 6, 5, 16);
  write_keras_vgg16_bn (a, &t, path, TRUE, NULL);

  g_assert_true (fathom_weights_probe (path, &origin, &error));
  g_assert_no_error (error);
  g_assert_cmpint (origin.format, ==, FATHOM_WEIGHTS_KERAS_THEANO);
  g_assert_cmpint (origin.dense_units, ==, 6);
  g_assert_cmpfloat (origin.bn_eps, ==, 1e-3f);

  g = fathom_weights_backbone_new (FATHOM_BACKBONE_VGG16_BN, path, 32, 32, TRUE, backend, &error);
  g_assert_no_error (error);
  s = shape_of (g);
  g_assert_cmpstr (s, ==, "(None, 6)");
  assert_no_open_h5 ();

  /* Keras 1's running_std is our running_var; dense kernels transposed */
  var = download (g, "batchnormalization_2", "running_var");
  fathom_test_assert_close (var, t.bn[1][3], 0.f, 0.f, "batchnormalization_2.running_var");
  kernel = download (g, "dense_1", "kernel");
  g_assert_cmpint (fathom_tensor_get_dim (kernel, 0), ==, 6);
  g_assert_cmpint (fathom_tensor_get_dim (kernel, 1), ==, 512);
  g_assert_cmpfloat (fathom_tensor_get_const_data (kernel)[1 * 512 + 300], ==,
                     fathom_tensor_get_const_data (t.w[0])[300 * 6 + 1]);

  ya = run (a, x);
  y = run (g, x);
  pool = node_output (g, "block5_pool");
  assert_identical (ya, pool, "VGG16BN's trunk");
  want = dense_top_reference (&t, ya, 1e-3f, &positive);
  g_test_message ("dense top: %u of %d relu outputs positive", positive, 2 * 2 * 6);
  g_assert_cmpuint (positive, >, 0);
  g_assert_cmpuint (positive, <, 2 * 2 * 6);
  fathom_test_assert_close (y, want, 1e-5f, 1e-4f, "VGG16BN's dense top");

  /* The normal load keeps refusing a layer without counterpart. */
  c = vgg16_bn (32, 6);
  build (c, backend, 2);
  before = snapshot (c);
  g_assert_false (fathom_weights_load (c, path, NULL, &error));
  g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNEXPECTED);
  assert_error_mentions (error, (const char *[]) { "“dense_3” has no counterpart",
                                                   "weights for 18 layers, the model 17", NULL });
  g_clear_error (&error);
  assert_unchanged (before, c);

  /* A misshapen dense kernel is named with both shapes, trailing or not. */
  write_keras_vgg16_bn (a, &t, other, TRUE, "dense_1");
  g_assert_false (fathom_weights_load_keras_full (c, other, FATHOM_WEIGHTS_KERAS_THEANO,
                                                  FATHOM_WEIGHTS_LOAD_SKIP_TRAILING, &error));
  g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE);
  assert_error_mentions (error, (const char *[]) { "dense_1_W has shape [6,512]", "the model expects [512,6]",
                                                   "Keras order of dense_1.kernel [6,512]", NULL });
  g_clear_error (&error);
  assert_unchanged (before, c);
  assert_no_open_h5 ();

  /* Another input size does not fit the top: dense_1 takes 512x2x2. */
  g_assert_null (fathom_weights_backbone_new (FATHOM_BACKBONE_VGG16_BN, path, 64, 64, TRUE, backend, &error));
  g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE);
  assert_error_mentions (error, (const char *[]) { "VGG16BN at 64x64", "dense_1_W has shape [512,6]",
                                                   "the model expects [2048,6]", NULL });
  g_clear_error (&error);

  /* The conv part alone (vgg16_bn_conv.h5) has no top. */
  write_keras_vgg16 (a, other, TRUE, NULL);
  g_assert_null (fathom_weights_backbone_new (FATHOM_BACKBONE_VGG16_BN, other, 32, 32, TRUE, backend, &error));
  g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_MISSING);
  assert_error_mentions (error, (const char *[]) { "no Dense layers", "vgg16_bn.h5", NULL });
  g_clear_error (&error);

  /* TensorFlow order, under our names: matched by name past the trailing
   * dense_3, then refused at the Flatten's dense layer. */
  write_keras_vgg16_bn (a, &t, other, FALSE, NULL);
  g_assert_false (fathom_weights_load_keras_full (c, other, FATHOM_WEIGHTS_KERAS_TF,
                                                  FATHOM_WEIGHTS_LOAD_SKIP_TRAILING, &error));
  g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNSUPPORTED);
  assert_error_mentions (error, (const char *[]) { "“dense_1”", "TensorFlow order", "Theano-ordered", NULL });
  g_clear_error (&error);
  assert_unchanged (before, c);
  assert_no_open_h5 ();

  dense_top_clear (&t);
  g_unlink (path);
  g_unlink (other);
}

/* ---- experiment A end to end ---------------------------------------------- */

static char **
read_csv_lines (const char *dir, const char *name, guint *n)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  char **lines;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  g_strchomp (text);
  lines = g_strsplit (text, "\n", -1);
  *n = g_strv_length (lines);
  return lines;
}

/* The run's model, rebuilt from its folder (VGG16BN from the weights file,
 * the head from its checkpoint), says on a photo what the run's own
 * evaluation wrote in predictions.csv. */
static void
check_finetune_predictor (const char *run_dir, const char *data_dir, const char *csv_row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomPredictor) predictor = fathom_predictor_new (run_dir, "cpu", &error);
  g_auto(GStrv) f = g_strsplit (csv_row, ",", -1);
  g_autofree char *photo_path = g_build_filename (data_dir, f[0], NULL);
  g_autoptr(FathomImage) photo = NULL;
  g_auto(FathomPrediction) pred = { 0 };

  g_assert_no_error (error);
  g_assert_cmpstr (fathom_predictor_get_experiment (predictor), ==, "vgg-finetune");
  photo = fathom_image_load (photo_path, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_predictor_predict (predictor, photo, &pred, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pred.n_classes, ==, 8);
  g_assert_cmpstr (fathom_predictor_get_classes (predictor)[pred.pred_class], ==, f[2]);
  for (guint k = 0; k < 8; k++)
    g_assert_cmpfloat_with_epsilon (pred.probs[k], g_ascii_strtod (f[3 + k], NULL), 1e-4);
}

/* vgg-finetune (A) on a small synthetic dataset with a VGG16BN file of the
 * course's layout at 32x32 (a dense top of 6 units, a classifier of 5):
 * features [N, 6, 1, 1], the lesson's 3 epochs, the run folder's final
 * numbers, one prediction per validation photo. */
static void
test_vgg_finetune_run (void)
{
  g_autoptr(FathomBackend) backend = fast_backend ();
  g_autoptr(FathomGraph) a = vgg16 (32, 32, TRUE);
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *weights = tmp_path ("vgg16_bn_small.h5");
  g_autofree char *work = tmp_path ("finetune");
  g_autofree char *data = g_build_filename (work, "data", NULL);
  g_autofree char *run_dir = g_build_filename (work, "run", NULL);
  g_autofree char *cache = g_build_filename (work, "cache", NULL);
  g_auto(GStrv) lines = NULL;
  FathomFishsimOptions fo;
  FathomExperimentConfig c;
  FathomExperimentResult res;
  JsonObject *root, *final, *config;
  JsonNode *acc;
  DenseTop t;
  guint n_lines;

  build (a, backend, 1);
  randomise (a, 17);
  dense_top_init (&t, 512, 6, 5, 18);
  write_keras_vgg16_bn (a, &t, weights, TRUE, NULL);
  dense_top_clear (&t);

  fathom_fishsim_options_init (&fo);
  fo.out_dir = data;
  fo.n_images = 40;
  fo.scale = 0.15;
  fo.seed = 3;
  g_assert_true (fathom_fishsim_generate (&fo, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  fathom_experiment_config_init (&c);
  c.experiment = "vgg-finetune";
  c.data_dir = data;
  c.run_dir = run_dir;
  c.cache_dir = cache;
  c.weights = weights;
  c.width = 32;
  c.height = 32;
  c.valid_fraction = 0.25;
  c.seed = 4;
  g_assert_true (fathom_experiment_check (&c, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_experiment_run (&c, NULL, NULL, NULL, &res, &error));
  g_assert_no_error (error);
  g_test_message ("vgg-finetune: %u train, %u valid, val acc %.3f, val loss %.3f (majority %.3f)",
                  res.n_train, res.n_valid, res.val_accuracy, res.val_loss, res.majority_rate);
  g_assert_cmpuint (res.epochs_done, ==, 3);
  g_assert_true (res.features_computed);
  g_assert_cmpuint (res.n_valid, >, 0);

  info = fathom_run_info_load (run_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  root = fathom_run_info_get_json (info);
  final = json_object_get_object_member (root, "final");
  config = json_object_get_object_member (root, "config");
  acc = json_object_get_member (final, "val_accuracy");
  g_assert_nonnull (acc);
  g_assert_true (JSON_NODE_HOLDS_VALUE (acc));
  g_assert_true (isfinite (json_node_get_double (acc)));
  g_assert_cmpfloat (json_node_get_double (acc), >=, 0.0);
  g_assert_cmpfloat (json_node_get_double (acc), <=, 1.0);
  g_assert_cmpfloat_with_epsilon (json_node_get_double (acc), res.val_accuracy, 1e-6);
  g_assert_cmpstr (json_object_get_string_member (config, "backbone"), ==, "vgg16bn");
  g_assert_cmpstr (json_object_get_string_member (config, "feature_shape"), ==, "6x1x1");

  /* predictions.csv: a header and one row per validation image */
  lines = read_csv_lines (run_dir, "predictions.csv", &n_lines);
  g_assert_cmpuint (n_lines, ==, res.n_valid + 1);
  check_finetune_predictor (run_dir, data, lines[1]);

  fathom_test_remove_tree (work);
  g_unlink (weights);
}

/* ---- fingerprint ----------------------------------------------------------- */

static void
test_fingerprint (void)
{
  g_autofree char *small = tmp_path ("abc.bin");
  g_autofree char *big = tmp_path ("big.bin");
  gsize n = (3 << 20) + 17;
  g_autofree guint8 *bytes = g_malloc (n);
  g_autofree char *want = NULL, *got = NULL, *abc = NULL;
  g_autoptr(GError) error = NULL;
  FathomWeightsOrigin origin;

  g_assert_true (g_file_set_contents (small, "abc", 3, &error));
  abc = fathom_weights_fingerprint (small, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  /* Across several read blocks. */
  for (gsize i = 0; i < n; i++)
    bytes[i] = (guint8) (i * 2654435761u >> 13);
  g_assert_true (g_file_set_contents (big, (const char *) bytes, (gssize) n, &error));
  want = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, n);
  got = fathom_weights_fingerprint (big, NULL, &error);
  g_assert_cmpstr (got, ==, want);

  g_assert_null (fathom_weights_fingerprint ("/nonexistent/weights.h5", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Neither HDF5 nor safetensors. */
  g_assert_false (fathom_weights_probe (small, &origin, &error));
  g_assert_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT);
  g_unlink (small);
  g_unlink (big);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("fathom-backbones-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);

  g_test_add_func ("/backbones/vgg16/shapes", test_vgg16_shapes);
  g_test_add_func ("/backbones/resnet50/shapes", test_resnet50_shapes);
  g_test_add_func ("/backbones/resnet50/stride-placement", test_stride_placement);
  g_test_add_func ("/backbones/torchvision/names", test_torchvision_names);
  g_test_add_func ("/backbones/torchvision/vgg16", test_torchvision_vgg16);
  g_test_add_func ("/backbones/torchvision/resnet50", test_torchvision_resnet50);
  g_test_add_data_func ("/backbones/keras/vgg16-tf", GINT_TO_POINTER (FALSE), test_keras_vgg16);
  g_test_add_data_func ("/backbones/keras/vgg16-theano", GINT_TO_POINTER (TRUE), test_keras_vgg16);
  g_test_add_func ("/backbones/keras/flip", test_keras_flip);
  g_test_add_func ("/backbones/keras/resnet50-legacy-names", test_keras_resnet50);
  g_test_add_func ("/backbones/vgg16bn/shapes", test_vgg16_bn_shapes);
  g_test_add_func ("/backbones/keras/vgg16bn-theano", test_keras_vgg16_bn);
  g_test_add_func ("/backbones/vgg16bn/finetune-run", test_vgg_finetune_run);
  g_test_add_func ("/backbones/fingerprint", test_fingerprint);
  status = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return status;
}
