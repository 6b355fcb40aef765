/* test-cuda.c: the CUDA backend against the CPU reference.
 *
 * Reaches the backend by name, so it builds with and without CUDA. Without
 * a usable GPU (or without CUDA in the build) every case is skipped with
 * the reason; FATHOM_REQUIRE_CUDA=1 (set by build-aux/gpu-check.sh) turns
 * that into a failure, so a GPU run cannot pass by skipping.
 *
 * With a GPU: every op forward and backward against cpu-reference on
 * awkward shapes (fathom-parity.c, which states each tolerance); a
 * 20-step training run whose losses must agree step by step; an
 * allocation larger than any card (OUT_OF_MEMORY, then the backend still
 * works); out of memory in the middle of an epoch (the fit stops with an
 * error naming the epoch and batch, its run folder intact; the run then
 * resumes on the same backend, and the CPU trains in the same process);
 * a host tensor handed to a CUDA op (an error, not a crash); the
 * caching allocator handing back zeroed memory; NaN passed on by ReLU and
 * the clipped cross-entropy as on the CPU. Convolutions are checked
 * on our own path and, where cuDNN can be used, on cuDNN (the parity
 * cases run both); FATHOM_REQUIRE_CUDNN=1 (set by gpu-check.sh where it
 * found libcudnn) makes cuDNN being unusable a failure. FATHOM_CUDNN=0
 * starts a backend on our own path; TF32 convolutions on cuDNN agree
 * with the CPU to TF32's precision. A small conv model and a small GRU
 * model train 20 steps with the step captured as a CUDA graph and
 * replayed, and eagerly; batch norms folded into their convolutions
 * agree with the CPU reference unfolded: the losses agree (the same kernels on the same
 * data in the same order) and change from step to step (Adam's bias
 * correction advances in the replays).
 */
#include "fathom-dense-maps.h"
#include "fathom-test-util.h"
#include "fathom-backend-registry.h"
#include "fathom-bench-workload.h"
#include "fathom-parity.h"
#include "fathom-test-steps.h"
#include "fathom-checkpoint.h"
#include "fathom-graph.h"
#include "fathom-optimizer.h"
#include "fathom-run.h"
#include "fathom-trainer.h"

#include <math.h>
#include <string.h>

static FathomBackend *
cuda_or_skip (void)
{
  g_autoptr(GError) error = NULL;
  FathomBackend *be = fathom_backend_new_by_name ("cuda", &error);

  if (be != NULL)
    return be;
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_NO_DEVICE);
  if (g_strcmp0 (g_getenv ("FATHOM_REQUIRE_CUDA"), "1") == 0)
    g_test_fail_printf ("FATHOM_REQUIRE_CUDA is set but the cuda backend is unavailable: %s",
                        error->message);
  else
    g_test_skip (error->message);
  return NULL;
}

/* ---- parity of one op ------------------------------------------------------ */

static void
test_parity (gconstpointer data)
{
  const char *op = data;
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) ref = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *table = NULL;

  if (cuda == NULL)
    return;
  ref = fathom_backend_new_by_name ("cpu-reference", NULL);
  results = fathom_parity_run (cuda, ref, op);
  table = fathom_parity_format (results);
  g_test_message ("%s", table);
  g_assert_cmpuint (results->len, >, 0);
  for (guint i = 0; i < results->len; i++)
    {
      const FathomParityResult *r = g_ptr_array_index (results, i);

      /* every failing direction is reported, not just the first */
      if (!r->ok)
        g_test_fail_printf ("%s %s: %s", r->op, r->direction,
                            r->error != NULL ? r->error : r->worst_case);
      g_assert_cmpuint (r->n_cases, >, 0);
    }
}

/* ---- training ------------------------------------------------------------------ */

static void
test_train (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) ref = NULL;
  g_autoptr(GError) error = NULL;
  float got[FATHOM_PARITY_TRAIN_STEPS], want[FATHOM_PARITY_TRAIN_STEPS];

  if (cuda == NULL)
    return;
  ref = fathom_backend_new_by_name ("cpu-reference", NULL);
  g_assert_true (fathom_parity_train (cuda, FATHOM_PARITY_TRAIN_STEPS, got, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_parity_train (ref, FATHOM_PARITY_TRAIN_STEPS, want, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < FATHOM_PARITY_TRAIN_STEPS; i++)
    {
      double tol = FATHOM_PARITY_TRAIN_ATOL + FATHOM_PARITY_TRAIN_RTOL * fabs (want[i]);

      g_test_message ("step %2u: cuda %.6f  cpu-reference %.6f", i, (double) got[i], (double) want[i]);
      if (!(fabs ((double) got[i] - want[i]) <= tol))
        g_test_fail_printf ("step %u: loss %.7g on cuda, %.7g on cpu-reference (tolerance %.2g)",
                            i, (double) got[i], (double) want[i], tol);
    }
  /* It must learn something, or agreeing proves little. */
  g_assert_cmpfloat (want[FATHOM_PARITY_TRAIN_STEPS - 1], <, 0.8 * want[0]);
}

/* ---- failures the backend survives ------------------------------------------- */

/* The data a tensor of @n floats holds must all equal @value. */
static void
assert_all (FathomBackend *be, const FathomTensor *t, float value)
{
  gsize n = fathom_tensor_get_numel (t);
  g_autofree float *host = g_new (float, n);
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_backend_download (be, t, host, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (host[i], ==, value);
}

static void
test_out_of_memory (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomTensor) huge = NULL;
  g_autoptr(FathomTensor) small = NULL;

  if (cuda == NULL)
    return;
  /* 2^40 floats: 4 TiB, more than any card */
  huge = fathom_backend_new_tensor (cuda, 2, (gint64[]) { G_GINT64_CONSTANT (1) << 20,
                                                          G_GINT64_CONSTANT (1) << 20 }, &error);
  g_assert_null (huge);
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "out of memory"));
  g_clear_error (&error);

  /* and the backend carries on */
  small = fathom_backend_new_tensor (cuda, 1, (gint64[]) { 1031 }, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_backend_fill (cuda, small, 2.5f, &error));
  g_assert_no_error (error);
  assert_all (cuda, small, 2.5f);
}

static void
test_host_tensor_refused (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomTensor) host = fathom_tensor_new_1d (17);
  g_autoptr(FathomTensor) dev = NULL;
  g_autoptr(GError) error = NULL;

  if (cuda == NULL)
    return;
  g_assert_false (fathom_backend_fill (cuda, host, 1.f, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  dev = fathom_backend_new_tensor (cuda, 1, (gint64[]) { 17 }, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_backend_fill (cuda, dev, -1.f, &error));
  g_assert_no_error (error);
  assert_all (cuda, dev, -1.f);
}

/* A block freed into the cache and handed out again is zeroed again. */
static void
test_allocator_reuse (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(GError) error = NULL;
  FathomTensor *t;

  if (cuda == NULL)
    return;
  for (int round = 0; round < 3; round++)
    {
      t = fathom_backend_new_tensor (cuda, 2, (gint64[]) { 257, 3 }, &error);
      g_assert_no_error (error);
      assert_all (cuda, t, 0.f);
      g_assert_true (fathom_backend_fill (cuda, t, 9.f, &error));
      g_assert_no_error (error);
      fathom_tensor_unref (t);
    }
  /* a tensor that outlives its backend is still freed cleanly */
  t = fathom_backend_new_tensor (cuda, 1, (gint64[]) { 5 }, &error);
  g_assert_no_error (error);
  g_clear_pointer (&cuda, fathom_backend_unref);
  fathom_tensor_unref (t);
}

/* ---- NaN as the CPU has it -------------------------------------------------------- */

static FathomTensor *
device_tensor (FathomBackend *be, gint64 rows, gint64 cols, const float *values)
{
  g_autoptr(GError) error = NULL;
  FathomTensor *t = fathom_backend_new_tensor (be, 2, (gint64[]) { rows, cols }, &error);

  g_assert_no_error (error);
  if (values != NULL)
    {
      g_assert_true (fathom_backend_upload (be, t, values, &error));
      g_assert_no_error (error);
    }
  return t;
}

/* A diverging run must show its NaN on the GPU as on the CPU: ReLU passes
 * NaN (and -0) on, the clipped cross-entropy of a NaN row is NaN, and a
 * loss over no rows is refused, never the last loss read again. */
static void
assert_nan_semantics (FathomBackend *be)
{
  g_autoptr(FathomTensor) x = NULL, y = NULL, logits = NULL, target = NULL, probs = NULL;
  g_autoptr(FathomTensor) finite = NULL, none = NULL, none_t = NULL, none_p = NULL;
  g_autoptr(GError) error = NULL;
  FathomCrossEntropyDesc desc = { .clip = 1e-7f };
  float out[4], loss = 0.f;

  x = device_tensor (be, 1, 4, (const float[]) { NAN, -0.f, -1.f, 2.f });
  y = device_tensor (be, 1, 4, NULL);
  g_assert_true (fathom_backend_activation_forward (be, FATHOM_ACTIVATION_RELU, x, y, &error));
  g_assert_true (fathom_backend_download (be, y, out, &error));
  g_assert_no_error (error);
  g_assert_true (isnan (out[0]));
  g_assert_true (out[1] == 0.f && signbit (out[1]));
  g_assert_cmpfloat (out[2], ==, 0.f);
  g_assert_cmpfloat (out[3], ==, 2.f);

  logits = device_tensor (be, 2, 2, (const float[]) { 0.f, 1.f, NAN, 0.f });
  target = device_tensor (be, 2, 2, (const float[]) { 0.f, 1.f, 0.f, 1.f });
  probs = device_tensor (be, 2, 2, NULL);
  g_assert_true (fathom_backend_softmax_cross_entropy_forward (be, &desc, logits, target, probs, &loss, &error));
  g_assert_no_error (error);
  g_assert_true (isnan (loss));

  /* a finite loss, then none over no rows */
  finite = device_tensor (be, 2, 2, (const float[]) { 0.f, 1.f, 1.f, 0.f });
  g_assert_true (fathom_backend_mse_forward (be, finite, target, &loss, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (loss, ==, 0.5f);
  none = device_tensor (be, 0, 2, NULL);
  none_t = device_tensor (be, 0, 2, NULL);
  none_p = device_tensor (be, 0, 2, NULL);
  /* refused before a kernel could read a stale total */
  g_assert_false (fathom_backend_softmax_cross_entropy_forward (be, &desc, none, none_t, none_p, &loss, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_false (fathom_backend_mse_forward (be, none, none_t, &loss, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_cmpfloat (loss, ==, 0.5f);
}

static void
test_nan_semantics (void)
{
  g_autoptr(FathomBackend) cpu = fathom_backend_new_by_name ("cpu-reference", NULL);
  g_autoptr(FathomBackend) cuda = NULL;

  /* the reference the GPU must match, checked everywhere */
  assert_nan_semantics (cpu);
  cuda = cuda_or_skip ();
  if (cuda != NULL)
    assert_nan_semantics (cuda);
}

/* ---- the convolution paths ---------------------------------------------------- */

static void
test_conv_paths (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) own = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *described = NULL, *env_described = NULL;
  gboolean have_cudnn;

  if (cuda == NULL)
    return;
  described = fathom_backend_describe_conv (cuda);
  g_test_message ("convolutions: %s", described);
  have_cudnn = fathom_backend_set_conv_path (cuda, FATHOM_CONV_PATH_CUDNN, &error);
  if (!have_cudnn)
    {
      g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED);
      g_test_message ("%s", error->message);
      /* the description gave the same reason */
      g_assert_true (g_str_has_prefix (described, "im2col + cuBLAS ("));
      if (g_strcmp0 (g_getenv ("FATHOM_REQUIRE_CUDNN"), "1") == 0)
        g_test_fail_printf ("FATHOM_REQUIRE_CUDNN is set but cuDNN is unusable: %s", error->message);
      g_clear_error (&error);
      g_assert_cmpint (fathom_backend_get_conv_path (cuda), !=, FATHOM_CONV_PATH_CUDNN);
    }
  else
    {
      g_autofree char *now = fathom_backend_describe_conv (cuda);

      g_assert_no_error (error);
      g_assert_cmpint (fathom_backend_get_conv_path (cuda), ==, FATHOM_CONV_PATH_CUDNN);
      g_assert_true (g_str_has_prefix (now, "cuDNN 9."));
    }
  g_assert_true (fathom_backend_set_conv_path (cuda, FATHOM_CONV_PATH_OWN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fathom_backend_get_conv_path (cuda), ==, FATHOM_CONV_PATH_OWN);

  /* FATHOM_CUDNN=0: a new backend starts on our own path and says why */
  g_setenv ("FATHOM_CUDNN", "0", TRUE);
  own = fathom_backend_new_by_name ("cuda", &error);
  g_unsetenv ("FATHOM_CUDNN");
  g_assert_no_error (error);
  g_assert_cmpint (fathom_backend_get_conv_path (own), ==, FATHOM_CONV_PATH_OWN);
  env_described = fathom_backend_describe_conv (own);
  g_assert_cmpstr (env_described, ==, "im2col + cuBLAS (FATHOM_CUDNN=0)");
  g_assert_true (fathom_backend_set_conv_path (own, FATHOM_CONV_PATH_AUTO, &error));
  g_assert_no_error (error);
}

/* TF32 products round to a 10-bit mantissa (relative 5e-4 each): over
 * 144 terms of size ~0.25 the sum moves by ~1e-3, so 1e-2 + 1e-2 |ref|
 * passes TF32 and still fails a wrong window. */
static void
test_cudnn_tf32 (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) ref = NULL;
  g_autoptr(FathomRng) rng = fathom_rng_new (977);
  g_autoptr(FathomTensor) hx = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 16, 13, 15);
  g_autoptr(FathomTensor) hw = FATHOM_TEST_UNIFORM (rng, -0.5, 0.5, 20, 16, 3, 3);
  g_autoptr(FathomTensor) hy = fathom_tensor_new_4d (3, 20, 13, 15);
  g_autoptr(FathomTensor) want = fathom_tensor_new_like (hy);
  g_autoptr(FathomTensor) x = NULL;
  g_autoptr(FathomTensor) w = NULL;
  g_autoptr(FathomTensor) y = NULL;
  g_autoptr(GError) error = NULL;
  FathomConvWindow win = { 3, 3, 1, 1 };
  guint64 on_cudnn = 0, on_own = 0;
  gint64 oh, ow;

  if (cuda == NULL)
    return;
  if (!fathom_backend_set_conv_path (cuda, FATHOM_CONV_PATH_CUDNN, &error))
    {
      if (g_strcmp0 (g_getenv ("FATHOM_REQUIRE_CUDNN"), "1") == 0)
        g_test_fail_printf ("FATHOM_REQUIRE_CUDNN is set but cuDNN is unusable: %s", error->message);
      else
        g_test_skip (error->message);
      return;
    }
  g_assert_true (fathom_backend_set_tf32 (cuda, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_conv_window_resolve (&win, FATHOM_PADDING_SAME, 13, 15, &oh, &ow));
  ref = fathom_backend_new_by_name ("cpu-reference", NULL);
  g_assert_true (fathom_backend_conv2d_forward (ref, &win, hx, hw, NULL, want, &error));
  g_assert_no_error (error);

  x = fathom_backend_new_tensor_like (cuda, hx, &error);
  g_assert_no_error (error);
  w = fathom_backend_new_tensor_like (cuda, hw, &error);
  g_assert_no_error (error);
  y = fathom_backend_new_tensor_like (cuda, hy, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_backend_upload (cuda, x, fathom_tensor_get_const_data (hx), &error));
  g_assert_true (fathom_backend_upload (cuda, w, fathom_tensor_get_const_data (hw), &error));
  g_assert_true (fathom_backend_conv2d_forward (cuda, &win, x, w, NULL, y, &error));
  g_assert_no_error (error);
  g_assert_true (fathom_backend_download (cuda, y, fathom_tensor_get_data (hy), &error));
  g_assert_no_error (error);
  g_assert_true (fathom_backend_get_conv_calls (cuda, &on_cudnn, &on_own));
  g_assert_cmpuint (on_cudnn, ==, 1);
  fathom_test_assert_close (hy, want, 1e-2f, 1e-2f, "conv2d on cuDNN with TF32");
}

/* ---- a training step captured as a graph ---------------------------------------------- */

#define GRAPH_STEPS 20
/* The same kernels run in the same order on the same data, so the losses
 * should agree to the last bit; this leaves room for a library choosing
 * another algorithm between the two runs. */
#define GRAPH_RTOL 1e-5
#define GRAPH_ATOL 1e-6

static void
test_graph_step (gconstpointer data)
{
  FathomTestStepsModel model = GPOINTER_TO_INT (data);
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  float replayed[GRAPH_STEPS], eager[GRAPH_STEPS];
  gboolean graphed[GRAPH_STEPS];
  g_autofree char *reason = NULL;

  if (cuda == NULL)
    return;
  if (!fathom_backend_get_graphs (cuda, NULL))
    {
      g_test_skip ("graphs are turned off (FATHOM_CUDA_GRAPHS=0)");
      return;
    }
  fathom_test_steps_run (cuda, model, TRUE, GRAPH_STEPS, replayed, graphed, &reason);
  fathom_test_steps_run (cuda, model, FALSE, GRAPH_STEPS, eager, NULL, NULL);
  g_test_message ("after the last step: %s", reason != NULL ? reason : "captured");
  for (guint i = 0; i < GRAPH_STEPS; i++)
    {
      double tol = GRAPH_ATOL + GRAPH_RTOL * fabs (eager[i]);

      g_test_message ("step %2u: %s %.8f  eager %.8f", i, graphed[i] ? "graph" : "eager",
                      (double) replayed[i], (double) eager[i]);
      /* the first step is eager; the second is captured and launched */
      if (graphed[i] != (i >= 1))
        g_test_fail_printf ("step %u: %s (%s)", i, graphed[i] ? "a graph launch" : "eager",
                            reason != NULL ? reason : "captured");
      if (!(fabs ((double) replayed[i] - eager[i]) <= tol))
        g_test_fail_printf ("step %u: loss %.8g replayed, %.8g eager (tolerance %.2g)",
                            i, (double) replayed[i], (double) eager[i], tol);
      /* every replay is a new step: a graph that repeated step 2's
       * bias correction or data would still learn, but not like this */
      if (i > 0 && replayed[i] == replayed[i - 1])
        g_test_fail_printf ("step %u repeats step %u's loss %.8g", i, i - 1, (double) replayed[i]);
    }
  g_assert_cmpfloat (replayed[GRAPH_STEPS - 1], <, 0.9 * replayed[0]);
}

/* ---- out of memory in the middle of an epoch ----------------------------------------- */

typedef struct {
  FathomBackend *cuda;
  gboolean       limited;
} MidEpoch;

/* After the third batch of the second epoch, a cap below what the model
 * holds already: the next allocation the backend cannot serve from its
 * cache fails, as on a card another program has just filled. */
static void
limit_mid_epoch (const FathomTrainProgress *p, gpointer user_data)
{
  MidEpoch *st = user_data;
  g_autoptr(GError) error = NULL;

  if (p->epoch_end || st->limited || p->epoch != 1 || p->batch != 2)
    return;
  g_assert_true (fathom_backend_set_memory_limit (st->cuda, 1, &error));
  g_assert_no_error (error);
  st->limited = TRUE;
}

static void
test_out_of_memory_mid_epoch (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) cpu = NULL;
  g_autoptr(FathomTensor) tx = NULL, tt = NULL, vx = NULL, vt = NULL;
  g_autoptr(FathomTensorSource) ts = NULL, vs = NULL;
  g_autofree char *base = NULL, *dir = NULL, *ckpt = NULL;
  g_autoptr(GError) error = NULL;
  FathomBatchSource tsrc, vsrc;
  FathomTrainConfig cfg;
  FathomTrainResult res;
  MidEpoch st = { 0 };
  guint last_epoch = 0;

  if (cuda == NULL)
    return;
  fathom_test_blobs (300, 1, &tx, &tt);     /* batches of 32: nine full ones and one of 12 */
  fathom_test_blobs (100, 2, &vx, &vt);
  ts = fathom_tensor_source_new (1, &tx, 1, &tt);
  vs = fathom_tensor_source_new (1, &vx, 1, &vt);
  tsrc = fathom_tensor_source_get (ts);
  vsrc = fathom_tensor_source_get (vs);
  fathom_train_config_init (&cfg);
  cfg.epochs = 4;
  cfg.batch_size = 32;
  cfg.seed = 3;
  base = g_dir_make_tmp ("fathom-oom-XXXXXX", NULL);
  dir = g_build_filename (base, "run", NULL);

  /* 1. the run stops in epoch 2 with the error, its folder intact */
  {
    g_autoptr(FathomGraph) g = fathom_test_mlp (cuda, 2, 16, 3, 2);
    g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
    g_autoptr(FathomRun) run = fathom_run_new (dir, "toy", FALSE, &error);

    g_assert_no_error (error);
    st.cuda = cuda;
    g_assert_false (fathom_trainer_fit (g, opt, &cfg, &tsrc, &vsrc, run, limit_mid_epoch, &st, NULL, &res, &error));
    g_assert_true (st.limited);
    g_test_message ("the fit stopped: %s", error->message);
    g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY);
    g_assert_nonnull (strstr (error->message, "Training stopped at epoch 2, batch "));
    g_assert_nonnull (strstr (error->message, "memory limit"));
    g_clear_error (&error);
  }
  {
    g_autoptr(FathomRunInfo) info = fathom_run_info_load (dir, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (fathom_run_info_get_status (info), ==, "failed");
  }
  ckpt = fathom_run_find_last_checkpoint (dir, &last_epoch);
  g_assert_nonnull (ckpt);
  g_assert_cmpuint (last_epoch, ==, 1);

  /* 2. the same process goes on: the limit lifted, the run resumes from
   *    its checkpoint on the same backend and finishes */
  g_assert_true (fathom_backend_set_memory_limit (cuda, 0, &error));
  {
    g_autoptr(FathomGraph) g = fathom_test_mlp (cuda, 2, 16, 3, 2);
    g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
    g_autoptr(FathomRun) run = fathom_run_resume (dir, &error);
    g_autoptr(FathomRunInfo) info = NULL;

    g_assert_no_error (error);
    cfg.resume_from = ckpt;
    g_assert_true (fathom_trainer_fit (g, opt, &cfg, &tsrc, &vsrc, run, NULL, NULL, NULL, &res, &error));
    g_assert_no_error (error);
    cfg.resume_from = NULL;
    g_test_message ("resumed on cuda: %u epochs, val accuracy %.3f", res.epochs_done, res.val_accuracy);
    g_assert_cmpuint (res.epochs_done, ==, 4);
    g_assert_cmpfloat (res.val_accuracy, >=, 0.9);
    g_clear_pointer (&run, fathom_run_free);
    info = fathom_run_info_load (dir, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  }

  /* 3. and the CPU trains in the same process, from the checkpoint the
   *    GPU wrote */
  cpu = fathom_backend_new_by_name ("cpu", &error);
  g_assert_no_error (error);
  {
    g_autoptr(FathomGraph) g = fathom_test_mlp (cpu, 2, 16, 3, 2);
    g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);

    g_assert_true (fathom_checkpoint_load (g, ckpt, FALSE, &error));
    g_assert_no_error (error);
    cfg.epochs = 2;
    g_assert_true (fathom_trainer_fit (g, opt, &cfg, &tsrc, &vsrc, NULL, NULL, NULL, NULL, &res, &error));
    g_assert_no_error (error);
    g_test_message ("on the cpu afterwards: val accuracy %.3f", res.val_accuracy);
    g_assert_cmpfloat (res.val_accuracy, >=, 0.9);
  }
  fathom_test_remove_tree (base);
}

/* Batch norms folded into their convolutions (fathom-graph-fold.c) on
 * the GPU, against the CPU reference unfolded: the folding runs the
 * backend's batch-norm op on the weights and the fused convolution. */
static void
test_fold_batch_norm (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) ref = NULL;
  g_autoptr(FathomGraph) gc = NULL, gr = NULL;
  g_autoptr(FathomRng) rng = fathom_rng_new (5);
  g_autoptr(FathomTensor) hx = FATHOM_TEST_UNIFORM (rng, -1, 1, 3, 3, 9, 11);
  g_autoptr(FathomTensor) x = NULL;
  g_autoptr(GError) error = NULL;
  /* each chain's result: the padding in the window, a residual with and
   * without a ReLU after it, a padding in a pool's window, an add not
   * folded, the features */
  const char *const *names = fathom_test_conv_bn_results;

  if (cuda == NULL)
    return;
  ref = fathom_backend_new_by_name ("cpu-reference", NULL);
  gc = fathom_test_conv_bn_model (cuda, 4);
  gr = fathom_test_conv_bn_model (ref, 4);
  fathom_graph_set_fold_batch_norm (gc, TRUE);
  x = fathom_backend_new_tensor_like (cuda, hx, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_backend_upload (cuda, x, fathom_tensor_get_const_data (hx), &error));
  g_assert_true (fathom_graph_forward (gc, &x, FALSE, &error));
  g_assert_no_error (error);
  g_assert_null (fathom_graph_get_node_output (gc, "bn1"));
  g_assert_null (fathom_graph_get_node_output (gc, "sum"));
  g_assert_true (fathom_graph_forward (gr, &hx, FALSE, &error));
  g_assert_no_error (error);
  for (guint k = 0; names[k] != NULL; k++)
    {
      const FathomTensor *want = fathom_graph_get_node_output (gr, names[k]);
      g_autoptr(FathomTensor) got = fathom_tensor_new_like (want);

      g_assert_true (fathom_backend_download (cuda, fathom_graph_get_node_output (gc, names[k]),
                                              fathom_tensor_get_data (got), &error));
      g_assert_no_error (error);
      g_test_message ("%s folded on cuda against unfolded on cpu-reference: %.3g", names[k],
                      (double) fathom_tensor_max_abs_diff (got, want));
      /* cuDNN's timed algorithms round more (check's tolerance for them) */
      fathom_test_assert_close (got, want, 5e-4f, 5e-4f, names[k]);
    }
}

/* A training step of the lesson heads' start (batch norm on features, a
 * convolution) on the GPU, its backward folded
 * (fathom_conv2d_layer_backward_through_batch_norm()), against the CPU
 * reference unfolded: every gradient. */
static void
test_bn_conv_backward_fold (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) ref = NULL;
  g_autoptr(FathomGraph) gc = NULL, gr = NULL;
  g_autoptr(FathomTensor) hx = NULL, ht = NULL, x = NULL, t = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *pc, *pr;
  float loss;

  if (cuda == NULL)
    return;
  ref = fathom_backend_new_by_name ("cpu-reference", NULL);
  gc = fathom_test_bn_conv_model (cuda, FALSE);
  gr = fathom_test_bn_conv_model (ref, FALSE);
  fathom_graph_set_fold_batch_norm_backward (gr, FALSE);
  fathom_test_bn_conv_batch (9, &hx, &ht);
  x = fathom_backend_new_tensor_like (cuda, hx, &error);
  t = fathom_backend_new_tensor_like (cuda, ht, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_backend_upload (cuda, x, fathom_tensor_get_const_data (hx), &error));
  g_assert_true (fathom_backend_upload (cuda, t, fathom_tensor_get_const_data (ht), &error));
  g_assert_true (fathom_graph_forward (gc, &x, TRUE, &error) &&
                 fathom_graph_compute_loss (gc, &t, NULL, &loss, &error) &&
                 fathom_graph_backward (gc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_graph_get_n_backward_folds (gc), ==, 1);
  g_assert_true (fathom_graph_forward (gr, &hx, TRUE, &error) &&
                 fathom_graph_compute_loss (gr, &ht, NULL, &loss, &error) &&
                 fathom_graph_backward (gr, &error));
  g_assert_no_error (error);
  pc = fathom_graph_get_params (gc);
  pr = fathom_graph_get_params (gr);
  for (guint i = 0; i < pr->len; i++)
    {
      FathomGraphParam *a = g_ptr_array_index (pr, i), *b = g_ptr_array_index (pc, i);
      g_autoptr(FathomTensor) got = NULL;

      if (a->param->grad == NULL)
        continue;
      got = fathom_tensor_new_like (a->param->grad);
      g_assert_true (fathom_backend_download (cuda, b->param->grad, fathom_tensor_get_data (got), &error));
      g_assert_no_error (error);
      g_test_message ("%s folded on cuda against unfolded on cpu-reference: %.3g", a->name,
                      (double) fathom_tensor_max_abs_diff (got, a->param->grad));
      fathom_test_assert_close (got, a->param->grad, 5e-4f, 5e-4f, a->name);
    }
}

/* fcn's class maps at every feature cell (fathom-dense-maps.h): 32 offsets
 * of the head on the GPU against the same on the CPU reference. */
static void
test_dense_maps (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBackend) ref = NULL;
  g_autoptr(FathomGraph) gc = NULL, gr = NULL;
  g_autoptr(FathomDenseMaps) dc = NULL, dr = NULL;
  g_autoptr(FathomRng) rng = fathom_rng_new (21);
  g_autoptr(FathomTensor) x = FATHOM_TEST_UNIFORM (rng, 0.f, 2.f, 3, 6, 22, 40);
  g_autoptr(FathomTensor) got = fathom_tensor_new_4d (3, 8, 22, 40), want = fathom_tensor_new_like (got);
  g_autoptr(GError) error = NULL;
  FathomTestHead fcn = { "fcn", 6 };
  GPtrArray *pc, *pr;

  if (cuda == NULL)
    return;
  ref = fathom_backend_new_by_name ("cpu-reference", NULL);
  gr = fathom_test_head_build (ref, &fcn, 22, 40, rng);
  gc = fathom_test_head_build (cuda, &fcn, 22, 40, rng);
  /* the same weights and state on both */
  pr = fathom_graph_get_params (gr);
  pc = fathom_graph_get_params (gc);
  g_assert_cmpuint (pr->len, ==, pc->len);
  for (guint i = 0; i < pr->len; i++)
    {
      FathomGraphParam *a = g_ptr_array_index (pr, i), *b = g_ptr_array_index (pc, i);

      g_assert_true (fathom_backend_upload (cuda, b->param->value, fathom_tensor_get_const_data (a->param->value),
                                            &error));
    }
  dr = fathom_dense_maps_new (gr, 4, 8, 2.0, 4.0, fathom_test_head_new, &fcn, &error);
  g_assert_no_error (error);
  dc = fathom_dense_maps_new (gc, 4, 8, 2.0, 4.0, fathom_test_head_new, &fcn, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_dense_maps_compute (dr, fathom_tensor_get_const_data (x), 3, fathom_tensor_get_data (want),
                                            &error));
  g_assert_true (fathom_dense_maps_compute (dc, fathom_tensor_get_const_data (x), 3, fathom_tensor_get_data (got),
                                            &error));
  g_assert_no_error (error);
  g_test_message ("dense maps on cuda against cpu-reference: %.3g", (double) fathom_tensor_max_abs_diff (got, want));
  fathom_test_assert_close (got, want, 1e-3f, 1e-3f, "fcn's dense maps");
}

/* The bench's inference pass captured as a graph (ResNet50 folded, small
 * images): after the warm-up the timed runs are launches, and a launch's
 * features equal an eager pass's. */
static void
test_graph_forward (void)
{
  g_autoptr(FathomBackend) cuda = cuda_or_skip ();
  g_autoptr(FathomBenchWorkload) w = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *launched = NULL, *eager = NULL;
  FathomBenchOptions options;
  FathomBenchResult r = { 0 };
  FathomTensor *y;
  gsize n;

  if (cuda == NULL)
    return;
  fathom_bench_options_init (&options);
  options.batch = 2;
  options.height = options.width = 64;
  w = fathom_bench_workload_new (FATHOM_BENCH_RESNET50_FEATURES, cuda, &options, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_bench_workload_measure (w, 3, 2, &r, &error));
  g_assert_no_error (error);
  if (!r.graph)
    g_test_message ("not captured: %s", r.graph_reason);
  g_assert_true (r.graph);
  fathom_bench_result_clear (&r);

  y = fathom_graph_get_output (fathom_bench_workload_get_graph (w), 0);
  n = fathom_tensor_get_numel (y);
  launched = g_new (float, n);
  eager = g_new (float, n);
  g_assert_true (fathom_backend_download (cuda, y, launched, &error));
  fathom_bench_workload_set_graphs (w, FALSE);
  g_assert_true (fathom_bench_workload_run_once (w, &error));
  g_assert_true (fathom_backend_download (cuda, y, eager, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    if (!(fabsf (launched[i] - eager[i]) <= 1e-5f + 1e-5f * fabsf (eager[i])))
      g_error ("feature %" G_GSIZE_FORMAT ": launched %g, eager %g", i, launched[i], eager[i]);
}

/* Device memory is a CUDA backend's: a CPU backend refuses a limit. */
static void
test_memory_limit_cpu_refused (void)
{
  g_autoptr(FathomBackend) cpu = fathom_backend_new_by_name ("cpu", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (fathom_backend_set_memory_limit (cpu, 1 << 20, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (int op = 0; op < FATHOM_N_OPS; op++)
    {
      const char *name = fathom_op_get_name ((FathomOp) op);
      g_autofree char *path = g_strdup_printf ("/cuda/parity/%s", name);

      g_test_add_data_func (path, name, test_parity);
    }
  g_test_add_func ("/cuda/train", test_train);
  g_test_add_func ("/cuda/out-of-memory", test_out_of_memory);
  g_test_add_func ("/cuda/out-of-memory-mid-epoch", test_out_of_memory_mid_epoch);
  g_test_add_func ("/cuda/memory-limit-cpu-refused", test_memory_limit_cpu_refused);
  g_test_add_func ("/cuda/fold-batch-norm", test_fold_batch_norm);
  g_test_add_func ("/cuda/bn-conv-backward-fold", test_bn_conv_backward_fold);
  g_test_add_func ("/cuda/dense-maps", test_dense_maps);
  g_test_add_func ("/cuda/graph-forward", test_graph_forward);
  g_test_add_func ("/cuda/host-tensor-refused", test_host_tensor_refused);
  g_test_add_func ("/cuda/allocator-reuse", test_allocator_reuse);
  g_test_add_func ("/cuda/nan-semantics", test_nan_semantics);
  g_test_add_func ("/cuda/conv-paths", test_conv_paths);
  g_test_add_func ("/cuda/cudnn-tf32", test_cudnn_tf32);
  g_test_add_data_func ("/cuda/graph-step/conv", GINT_TO_POINTER (FATHOM_TEST_STEPS_CONV), test_graph_step);
  g_test_add_data_func ("/cuda/graph-step/gru", GINT_TO_POINTER (FATHOM_TEST_STEPS_GRU), test_graph_step);
  return g_test_run ();
}
