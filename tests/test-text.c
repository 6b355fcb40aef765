/* test-text.c: the lesson's recurrent experiments: the from-scratch RNN's
 * helpers and hand-written backprop, training on nietzsche.txt, the engine
 * GRU, sampling and determinism. */
#include "fathom-test-util.h"
#include "fathom-char-rnn.h"
#include "fathom-corpus.h"
#include "fathom-run.h"
#include "fathom-safetensors.h"
#include "fathom-text-experiment.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

static char *
nietzsche_path (void)
{
  const char *dir = g_getenv ("FATHOM_SHARED_DATA");
  char *path;

  if (dir == NULL)
    {
      g_test_skip ("FATHOM_SHARED_DATA is not set");
      return NULL;
    }
  path = g_build_filename (dir, "nietzsche.txt", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *msg = g_strdup_printf ("%s is missing", path);

      g_test_skip (msg);
      g_free (path);
      return NULL;
    }
  return path;
}

static char *
temp_run_dir (void)
{
  g_autofree char *base = g_dir_make_tmp ("fathom-text-XXXXXX", NULL);
  return g_build_filename (base, "run", NULL);
}

/* The run folder and its parent from temp_run_dir(). */
static void
remove_run (const char *dir)
{
  g_autofree char *parent = g_path_get_dirname (dir);

  fathom_test_remove_tree (parent);
}

/* ---- the lesson's helper functions ---------------------------------------- */

static void
test_helpers (void)
{
  const double pred[3] = { 0.2, 0.7, 0.1 }, target[3] = { 0, 1, 0 };
  const double x[5] = { 0.3, -1.2, 2.0, 0.05, -0.4 };
  const double t[5] = { 0, 0, 0, 1, 0 };
  double grad[5], p[5], jac[25], jg[5];
  const double h = 1e-6;

  /* The lesson's check: CE = -log 0.7, gradient -t/p. */
  g_assert_cmpfloat (fabs (fathom_char_rnn_x_entropy (pred, target, 3) - 0.356675), <, 1e-6);
  fathom_char_rnn_x_entropy_d (pred, target, 3, grad);
  g_assert_cmpfloat (fabs (grad[0]), ==, 0.0);
  g_assert_cmpfloat (fabs (grad[1] - -1.4286), <, 1e-4);
  g_assert_cmpfloat (fabs (grad[2]), ==, 0.0);

  /* Softmax Jacobian times the CE gradient is pred - target. */
  fathom_char_rnn_softmax (x, 5, p);
  fathom_char_rnn_softmax_d (x, 5, jac);
  fathom_char_rnn_x_entropy_d (p, t, 5, grad);
  for (int j = 0; j < 5; j++)
    {
      jg[j] = 0;
      for (int i = 0; i < 5; i++)
        jg[j] += jac[i * 5 + j] * grad[i];    /* dL/dx_j = sum_i dL/dp_i dp_i/dx_j */
      g_assert_cmpfloat (fabs (jg[j] - (p[j] - t[j])), <, 1e-12);
    }
  /* The Jacobian against finite differences of the softmax. */
  for (int j = 0; j < 5; j++)
    {
      double xp[5], xm[5], pp[5], pm[5];

      memcpy (xp, x, sizeof x);
      memcpy (xm, x, sizeof x);
      xp[j] += h;
      xm[j] -= h;
      fathom_char_rnn_softmax (xp, 5, pp);
      fathom_char_rnn_softmax (xm, 5, pm);
      for (int i = 0; i < 5; i++)
        g_assert_cmpfloat (fabs ((pp[i] - pm[i]) / (2 * h) - jac[i * 5 + j]), <, 1e-8);
    }
  /* The scalar helpers' derivatives. */
  for (int i = 0; i < 5; i++)
    {
      double v = x[i];
      double ds = (fathom_char_rnn_sigmoid (v + h) - fathom_char_rnn_sigmoid (v - h)) / (2 * h);
      double dr = (fathom_char_rnn_relu (v + h) - fathom_char_rnn_relu (v - h)) / (2 * h);

      g_assert_cmpfloat (fabs (ds - fathom_char_rnn_sigmoid_d (v)), <, 1e-8);
      g_assert_cmpfloat (fabs (dr - fathom_char_rnn_relu_d (v)), <, 1e-8);
    }
  g_assert_cmpfloat (fathom_char_rnn_relu_d (0.0), ==, 0.0);
  g_assert_cmpfloat (fabs (fathom_char_rnn_sigmoid (0.0) - 0.5), <, 1e-15);
  /* Squared distance: value and gradient 2 (a - b). */
  g_assert_cmpfloat (fabs (fathom_char_rnn_dist (x, t, 5) - (0.09 + 1.44 + 4.0 + 0.9025 + 0.16)), <, 1e-12);
  fathom_char_rnn_dist_d (x, t, 5, grad);
  for (int i = 0; i < 5; i++)
    g_assert_cmpfloat (fabs (grad[i] - 2 * (x[i] - t[i])), <, 1e-15);
}

/* ---- hand-written backprop through time ----------------------------------- */

/* A small model whose parameters are all generic (not the identity and
 * zeros of the lesson's start), on the windows of a short text. */
static FathomCharRnn *
small_model (FathomCorpus **corpus_out, gint32 x[8], gint32 y[8])
{
  static const char text[] = "the quick brown fox jumps over the lazy dog.";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(FathomCorpus) corpus = fathom_corpus_new_from_bytes (bytes, "pangram", NULL);
  g_autoptr(FathomRng) rng = fathom_rng_new (11);
  FathomCharRnn *m;

  g_assert_nonnull (corpus);
  m = fathom_char_rnn_new (fathom_corpus_get_vocab_size (corpus), 7, 3);
  for (int w = 0; w < FATHOM_CHAR_RNN_N_PARAMS; w++)
    {
      gint64 shape[2];
      guint nd;
      double *v = fathom_char_rnn_get_param (m, w, shape, &nd);
      gsize n = (gsize) (nd == 2 ? shape[0] * shape[1] : shape[0]);

      /* Positive hidden biases keep most relu units active, so that most
       * gradients are nonzero and the check means something. */
      for (gsize i = 0; i < n; i++)
        v[i] = fathom_rng_normal (rng, w == FATHOM_CHAR_RNN_BH ? 1.0 : 0.0, 0.5);
    }
  g_assert_true (fathom_corpus_fill_windows (corpus, 8, 8, 2, 1, x, y, NULL));
  *corpus_out = g_steal_pointer (&corpus);
  return m;
}

static void
test_scratch_gradients (void)
{
  g_autoptr(FathomCorpus) corpus = NULL;
  gint32 x[8], y[8];
  g_autoptr(FathomCharRnn) m = small_model (&corpus, x, y);
  const double eps = 1e-5, atol = 1e-7, rtol = 1e-5;
  double worst = 0;
  guint checked = 0;

  fathom_char_rnn_forward (m, x, y, 8);
  fathom_char_rnn_backward (m, x, y, 8);
  /* Every element of every parameter: central differences in double. */
  for (int w = 0; w < FATHOM_CHAR_RNN_N_PARAMS; w++)
    {
      gint64 shape[2];
      guint nd;
      double *v = fathom_char_rnn_get_param (m, w, shape, &nd);
      const double *g = fathom_char_rnn_get_grad (m, w);
      gsize n = (gsize) (nd == 2 ? shape[0] * shape[1] : shape[0]), nonzero = 0;

      for (gsize i = 0; i < n; i++)
        {
          double keep = v[i], lp, lm, num;

          v[i] = keep + eps;
          lp = fathom_char_rnn_forward (m, x, y, 8);
          v[i] = keep - eps;
          lm = fathom_char_rnn_forward (m, x, y, 8);
          v[i] = keep;
          num = (lp - lm) / (2 * eps);
          if (fabs (g[i] - num) > atol + rtol * fabs (num))
            g_error ("%s[%" G_GSIZE_FORMAT "]: backprop %.10g, finite differences %.10g",
                     fathom_char_rnn_param_name (w), i, g[i], num);
          worst = MAX (worst, fabs (g[i] - num));
          checked++;
          nonzero += fabs (g[i]) > 1e-6;
        }
      /* Not a vacuous check: every parameter has real gradients (wx only
       * in the rows of the 8 input characters). */
      g_test_message ("%s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " nonzero",
                      fathom_char_rnn_param_name (w), nonzero, n);
      g_assert_cmpuint (nonzero, >=, w == FATHOM_CHAR_RNN_WX ? 7 : n / 2);
    }
  g_test_message ("%u gradients checked, largest difference %.3g", checked, worst);
}

/* Two steps by hand: only step 1 sees a nonzero h_prev, so dWh must be
 * the outer product h0^T dpre1, a matrix; the notebook's version used the
 * scalar h0 . dpre1 for every entry. */
static void
test_scratch_outer_product (void)
{
  g_autoptr(FathomCharRnn) m = fathom_char_rnn_new (3, 2, 1);
  const gint32 x[2] = { 1, 2 }, y[2] = { 2, 0 };
  double *wx = fathom_char_rnn_get_param (m, FATHOM_CHAR_RNN_WX, NULL, NULL);   /* [3, 2] */
  double *wh = fathom_char_rnn_get_param (m, FATHOM_CHAR_RNN_WH, NULL, NULL);   /* [2, 2] */
  double *wy = fathom_char_rnn_get_param (m, FATHOM_CHAR_RNN_WY, NULL, NULL);   /* [2, 3] */
  double *bh = fathom_char_rnn_get_param (m, FATHOM_CHAR_RNN_BH, NULL, NULL);
  double *by = fathom_char_rnn_get_param (m, FATHOM_CHAR_RNN_BY, NULL, NULL);
  const double WX[6] = { 0.1, -0.2, 0.5, 0.3, -0.4, 0.8 };
  const double WH[4] = { 0.9, 0.2, -0.1, 1.1 };
  const double WY[6] = { 0.3, -0.5, 0.7, -0.6, 0.4, 0.2 };
  const double BH[2] = { 0.05, 0.1 }, BY[3] = { 0.0, 0.1, -0.1 };
  double h0[2], pre1[2], h1[2], p1[3], dl[3], dpre1[2], dot_bug;
  const double lr = 0.5;
  double wh_before[4];

  memcpy (wx, WX, sizeof WX);
  memcpy (wh, WH, sizeof WH);
  memcpy (wy, WY, sizeof WY);
  memcpy (bh, BH, sizeof BH);
  memcpy (by, BY, sizeof BY);
  memcpy (wh_before, WH, sizeof WH);

  /* forward by hand */
  for (int j = 0; j < 2; j++)
    h0[j] = fathom_char_rnn_relu (WX[x[0] * 2 + j] + BH[j]);
  for (int j = 0; j < 2; j++)
    pre1[j] = WX[x[1] * 2 + j] + h0[0] * WH[0 * 2 + j] + h0[1] * WH[1 * 2 + j] + BH[j];
  for (int j = 0; j < 2; j++)
    h1[j] = fathom_char_rnn_relu (pre1[j]);
  {
    double logits[3];
    for (int k = 0; k < 3; k++)
      logits[k] = h1[0] * WY[k] + h1[1] * WY[3 + k] + BY[k];
    fathom_char_rnn_softmax (logits, 3, p1);
  }
  g_assert_cmpfloat (h0[0], >, 0);    /* both units active: a full matrix */
  g_assert_cmpfloat (h0[1], >, 0);
  g_assert_cmpfloat (h1[0], >, 0);
  g_assert_cmpfloat (h1[1], >, 0);
  /* backward by hand at step 1 */
  for (int k = 0; k < 3; k++)
    dl[k] = p1[k] - (k == y[1]);
  for (int i = 0; i < 2; i++)
    dpre1[i] = WY[i * 3 + 0] * dl[0] + WY[i * 3 + 1] * dl[1] + WY[i * 3 + 2] * dl[2];
  dot_bug = h0[0] * dpre1[0] + h0[1] * dpre1[1];

  fathom_char_rnn_forward (m, x, y, 2);
  fathom_char_rnn_backward (m, x, y, 2);
  {
    const double *gwh = fathom_char_rnn_get_grad (m, FATHOM_CHAR_RNN_WH);

    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++)
        g_assert_cmpfloat (fabs (gwh[i * 2 + j] - h0[i] * dpre1[j]), <, 1e-12);
    /* a rank-one matrix with different entries, not one scalar */
    g_assert_cmpfloat (fabs (gwh[0] - gwh[3]), >, 1e-3);
    g_assert_cmpfloat (fabs (gwh[0] - dot_bug), >, 1e-3);
    g_assert_cmpfloat (fabs (gwh[0] * gwh[3] - gwh[1] * gwh[2]), <, 1e-12);
  }
  fathom_char_rnn_sgd (m, lr, 0);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      g_assert_cmpfloat (fabs (wh[i * 2 + j] - (wh_before[i * 2 + j] - lr * h0[i] * dpre1[j])), <, 1e-12);
}

static void
test_scratch_checkpoint (void)
{
  g_autoptr(FathomCorpus) corpus = NULL;
  gint32 x[8], y[8];
  g_autoptr(FathomCharRnn) m = small_model (&corpus, x, y);
  g_autoptr(FathomCharRnn) back = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fathom-text-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  g_autoptr(FathomSafetensors) file = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_char_rnn_save (m, path, NULL, &error));
  g_assert_no_error (error);
  file = fathom_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_safetensors_get_n_tensors (file), ==, 5);
  back = fathom_char_rnn_load (path, &error);
  g_assert_no_error (error);
  /* float32 on disk: the same loss to float precision */
  g_assert_cmpfloat (fabs (fathom_char_rnn_forward (m, x, y, 8) - fathom_char_rnn_forward (back, x, y, 8)), <, 1e-4);
  fathom_test_remove_tree (dir);
}

/* ---- training on nietzsche.txt -------------------------------------------- */

typedef struct {
  guint          reports, epoch_ends;
  GCancellable  *cancel;
  guint          cancel_at;
} Seen;

static void
on_progress (const FathomTrainProgress *p, gpointer user_data)
{
  Seen *seen = user_data;

  if (p->epoch_end)
    {
      seen->epoch_ends++;
      return;
    }
  seen->reports++;
  g_assert_true (isfinite (p->loss));
  if (seen->cancel != NULL && seen->reports == seen->cancel_at)
    g_cancellable_cancel (seen->cancel);
}

/* Every generated character is in the vocabulary, there are length of
 * them, and the same seed gives the same text. */
static void
check_sampling (const char *dir, FathomCorpus *corpus)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomTextSampler) s = fathom_text_sampler_new (dir, &error);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *g1 = NULL, *g2 = NULL;

  g_assert_no_error (error);
  a = fathom_text_sampler_generate (s, NULL, 200, 1.0, 5, &error);
  g_assert_no_error (error);
  b = fathom_text_sampler_generate (s, NULL, 200, 1.0, 5, &error);
  c = fathom_text_sampler_generate (s, NULL, 200, 1.0, 6, &error);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_cmpint (g_utf8_strlen (a, -1), ==, 200);
  for (const char *p = a; *p; p = g_utf8_next_char (p))
    g_assert_cmpint (fathom_corpus_char_to_index (corpus, g_utf8_get_char (p)), >, 0);
  g_test_message ("sample: %s", a);
  /* greedy ignores the seed */
  g1 = fathom_text_sampler_generate (s, "the ", 50, 0.0, 1, &error);
  g2 = fathom_text_sampler_generate (s, "the ", 50, 0.0, 2, &error);
  g_assert_cmpstr (g1, ==, g2);
  /* a prime outside the vocabulary is an error, not a crash */
  g_assert_null (fathom_text_sampler_generate (s, "\xe2\x98\x83", 5, 1.0, 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_scratch_learns (void)
{
  g_autofree char *path = nietzsche_path ();
  g_autofree char *dir = NULL;
  g_autoptr(FathomCorpus) corpus = NULL;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  FathomTextConfig cfg;
  FathomTextResult res;
  Seen seen = { 0 };
  guint train_rows = 0;
  gint64 t0;

  if (path == NULL)
    return;
  corpus = fathom_corpus_new_from_file (path, &error);
  g_assert_no_error (error);
  dir = temp_run_dir ();
  fathom_text_config_init (&cfg);
  cfg.model = FATHOM_TEXT_MODEL_RNN_SCRATCH;
  cfg.corpus_path = path;
  cfg.run_dir = dir;
  cfg.hidden = 256;             /* the lesson's size */
  cfg.max_sequences = 6000;
  cfg.valid_fraction = 0.1;     /* 5400 trained, 600 held out */
  t0 = g_get_monotonic_time ();
  g_assert_true (fathom_text_train (&cfg, on_progress, &seen, NULL, &res, &error));
  g_assert_no_error (error);
  g_test_message ("rnn-scratch, H 256, 5400 sequences: summed loss %.2f -> %.2f, val %.3f nats/char, %.1f s",
                  res.seq_loss_first, res.seq_loss_last, res.val_loss,
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpint (res.sequences, ==, 5400);
  /* The lesson's Theano RNN averaged 25.2 over its first 1000 sequences
   * (from 8 ln 86 = 35.6 at the start); the last 1000 of these 5400 are
   * clearly lower (per character: more than 0.4 nats less). */
  g_assert_cmpfloat (fabs (res.seq_loss_first - 25.2), <, 1.5);
  g_assert_cmpfloat (res.seq_loss_last, <, res.seq_loss_first - 3.5);
  g_assert_cmpfloat (res.val_loss, <, 3.0);
  g_assert_cmpuint (seen.epoch_ends, ==, 1);

  info = fathom_run_info_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_experiment (info), ==, "rnn-scratch");
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  g_assert_cmpfloat (fathom_run_info_get_final (info, "seq_loss_last"), ==, res.seq_loss_last);
  g_assert_cmpfloat (fathom_run_info_get_final (info, "val_loss"), ==, res.val_loss);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (fathom_run_info_get_json (info),
                                                                  "corpus_fingerprint"), "sha256:"));
  for (guint i = 0; i < fathom_run_info_get_n_rows (info); i++)
    {
      const char *phase;
      fathom_run_info_get_row (info, i, NULL, NULL, &phase);
      train_rows += g_str_equal (phase, "train");
    }
  g_assert_cmpuint (train_rows, ==, 6);    /* 5 of 1000 and one of 400 */
  check_sampling (dir, corpus);
  remove_run (dir);
}

/* Every epoch's checkpoint describes its model and can be sampled from;
 * the last one holds the final weights: its greedy text is the model's. */
static void
check_epoch_sampling (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomTextSampler) final = fathom_text_sampler_new (dir, &error);
  g_autofree char *want = NULL;
  g_autofree char *first_text = NULL;

  g_assert_no_error (error);
  want = fathom_text_sampler_generate (final, "the ", 60, 0.0, 1, &error);
  g_assert_no_error (error);
  for (guint epoch = 1; epoch <= 3; epoch++)
    {
      g_autofree char *name = g_strdup_printf ("epoch-%03u.safetensors", epoch);
      g_autofree char *path = g_build_filename (dir, "checkpoints", name, NULL);
      g_autoptr(FathomTextSampler) s = fathom_text_sampler_new_from_file (path, &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (fathom_text_sampler_get_model (s), ==, FATHOM_TEXT_MODEL_GRU);
      text = fathom_text_sampler_generate (s, "the ", 60, 0.0, 1, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_utf8_strlen (text, -1), ==, 60);
      if (epoch == 1)
        first_text = g_strdup (text);
      if (epoch == 3)
        g_assert_cmpstr (text, ==, want);
    }
  /* training went on after the first epoch */
  g_assert_cmpstr (first_text, !=, want);
}

static void
test_gru_learns (void)
{
  g_autofree char *path = nietzsche_path ();
  g_autofree char *dir = NULL;
  g_autoptr(FathomCorpus) corpus = NULL;
  g_autoptr(GError) error = NULL;
  FathomTextConfig cfg;
  FathomTextResult res;
  Seen seen = { 0 };
  gint64 t0;

  if (path == NULL)
    return;
  corpus = fathom_corpus_new_from_file (path, &error);
  dir = temp_run_dir ();
  fathom_text_config_init (&cfg);
  cfg.model = FATHOM_TEXT_MODEL_GRU;
  cfg.corpus_path = path;
  cfg.run_dir = dir;
  cfg.hidden = 64;
  cfg.max_sequences = 8000;
  cfg.valid_fraction = 0.1;
  cfg.epochs = 3;
  cfg.lr = 0.01;
  t0 = g_get_monotonic_time ();
  g_assert_true (fathom_text_train (&cfg, on_progress, &seen, NULL, &res, &error));
  g_assert_no_error (error);
  g_test_message ("gru, H 64, 7200 sequences x 3 epochs: train %.3f, val %.3f nats/char, %.1f s",
                  res.train_loss, res.val_loss, (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (seen.epoch_ends, ==, 3);
  /* ln 86 = 4.45 at the start; the character frequencies alone give ~3.1 */
  g_assert_cmpfloat (res.train_loss, <, 2.6);
  g_assert_cmpfloat (res.val_loss, <, 2.7);
  check_sampling (dir, corpus);
  check_epoch_sampling (dir);
  remove_run (dir);
}

/* ---- determinism and stopping --------------------------------------------- */

static FathomTextResult
train_small (FathomTextModel model, const char *path, guint64 seed)
{
  g_autofree char *dir = temp_run_dir ();
  g_autoptr(GError) error = NULL;
  FathomTextConfig cfg;
  FathomTextResult res;

  fathom_text_config_init (&cfg);
  cfg.model = model;
  cfg.corpus_path = path;
  cfg.run_dir = dir;
  cfg.hidden = 24;
  cfg.max_sequences = 640;
  cfg.valid_fraction = 0.1;
  cfg.log_every = 100;
  cfg.epochs = 2;
  cfg.seed = seed;
  g_assert_true (fathom_text_train (&cfg, NULL, NULL, NULL, &res, &error));
  g_assert_no_error (error);
  remove_run (dir);
  return res;
}

static void
test_deterministic (void)
{
  g_autofree char *path = nietzsche_path ();
  const FathomTextModel models[] = { FATHOM_TEXT_MODEL_RNN_SCRATCH, FATHOM_TEXT_MODEL_RNN, FATHOM_TEXT_MODEL_GRU };

  if (path == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      FathomTextResult a = train_small (models[i], path, 7);
      FathomTextResult b = train_small (models[i], path, 7);
      FathomTextResult c = train_small (models[i], path, 8);

      g_test_message ("%s: train %.6f val %.6f", fathom_text_model_to_string (models[i]), a.train_loss, a.val_loss);
      g_assert_true (isfinite (a.train_loss) && isfinite (a.val_loss));
      g_assert_cmpfloat (a.train_loss, ==, b.train_loss);
      g_assert_cmpfloat (a.val_loss, ==, b.val_loss);
      g_assert_cmpfloat (a.train_loss, !=, c.train_loss);
    }
}

static void
test_stop_keeps_valid_run (void)
{
  g_autofree char *path = nietzsche_path ();
  g_autofree char *dir = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(FathomTextSampler) sampler = NULL;
  g_autoptr(GError) error = NULL;
  FathomTextConfig cfg;
  FathomTextResult res;
  Seen seen = { .cancel = cancel, .cancel_at = 3 };
  const FathomTextModel models[] = { FATHOM_TEXT_MODEL_RNN_SCRATCH, FATHOM_TEXT_MODEL_GRU };

  if (path == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_cancellable_reset (cancel);
      seen.reports = 0;
      dir = temp_run_dir ();
      fathom_text_config_init (&cfg);
      cfg.model = models[i];
      cfg.corpus_path = path;
      cfg.run_dir = dir;
      cfg.hidden = 16;
      cfg.max_sequences = 2000;
      cfg.batch_size = 64;
      g_assert_false (fathom_text_train (&cfg, on_progress, &seen, cancel, &res, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      /* the report that saw the stop was the last: rnn-scratch reports
       * every 100 sequences, the GRU every batch of 64 */
      g_assert_cmpint (res.sequences, ==, i == 0 ? 300 : 3 * 64);
      g_assert_cmpuint (seen.reports, ==, 3);
      info = fathom_run_info_load (dir, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (fathom_run_info_get_status (info), ==, "stopped");
      sampler = fathom_text_sampler_new (dir, &error);
      g_assert_no_error (error);
      g_clear_pointer (&info, fathom_run_info_free);
      g_clear_pointer (&sampler, fathom_text_sampler_free);
      remove_run (dir);
      g_clear_pointer (&dir, g_free);
    }
}

/* A run stopped in its second epoch and resumed ends where the
 * uninterrupted run ends, for each model; other settings are refused. */
static void
test_resume (void)
{
  g_autofree char *path = nietzsche_path ();
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  const FathomTextModel models[] = { FATHOM_TEXT_MODEL_RNN_SCRATCH, FATHOM_TEXT_MODEL_RNN, FATHOM_TEXT_MODEL_GRU };

  if (path == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autofree char *whole_dir = temp_run_dir (), *cut_dir = temp_run_dir ();
      g_autoptr(FathomRunInfo) whole_info = NULL, cut_info = NULL;
      g_autoptr(GError) error = NULL;
      /* rnn-scratch reports every 100 sequences, the others every batch:
       * stop in the second of two epochs of 576 training sequences */
      Seen seen = { .cancel = cancel, .cancel_at = i == 0 ? 8 : 12 };
      FathomTextConfig cfg;
      FathomTextResult whole, cut, resumed;

      fathom_text_config_init (&cfg);
      cfg.model = models[i];
      cfg.corpus_path = path;
      cfg.hidden = 24;
      cfg.max_sequences = 640;
      cfg.valid_fraction = 0.1;
      cfg.log_every = 100;
      cfg.epochs = 2;
      cfg.seed = 3;
      cfg.run_dir = whole_dir;
      g_assert_true (fathom_text_train (&cfg, NULL, NULL, NULL, &whole, &error));
      g_assert_no_error (error);

      g_cancellable_reset (cancel);
      cfg.run_dir = cut_dir;
      g_assert_false (fathom_text_train (&cfg, on_progress, &seen, cancel, &cut, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_assert_cmpuint (cut.epochs_done, ==, 1);

      cfg.resume = TRUE;
      cfg.seed = 4;
      g_assert_false (fathom_text_train (&cfg, NULL, NULL, NULL, &resumed, &error));
      g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_NOT_RESUMABLE);
      g_assert_nonnull (strstr (error->message, "seed"));
      g_clear_error (&error);
      cfg.seed = 3;
      g_assert_true (fathom_text_train (&cfg, NULL, NULL, NULL, &resumed, &error));
      g_assert_no_error (error);

      g_test_message ("%s: whole train %.8f val %.8f, resumed %.8f %.8f", fathom_text_model_to_string (models[i]),
                      whole.train_loss, whole.val_loss, resumed.train_loss, resumed.val_loss);
      g_assert_cmpuint (resumed.epochs_done, ==, 2);
      if (i == 0)
        {
          /* rnn-scratch computes in double; its checkpoints, like its
           * model file, hold the weights rounded to float */
          g_assert_cmpfloat_with_epsilon (resumed.train_loss, whole.train_loss, 1e-6 * whole.train_loss);
          g_assert_cmpfloat_with_epsilon (resumed.val_loss, whole.val_loss, 1e-6 * whole.val_loss);
          g_assert_cmpfloat (resumed.seq_loss_first, ==, whole.seq_loss_first);
          g_assert_cmpfloat_with_epsilon (resumed.seq_loss_last, whole.seq_loss_last, 1e-6 * whole.seq_loss_last);
        }
      else
        {
          g_assert_cmpfloat (resumed.train_loss, ==, whole.train_loss);
          g_assert_cmpfloat (resumed.val_loss, ==, whole.val_loss);
        }
      whole_info = fathom_run_info_load (whole_dir, &error);
      cut_info = fathom_run_info_load (cut_dir, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (fathom_run_info_get_status (cut_info), ==, "finished");
      g_assert_cmpuint (fathom_run_info_get_n_rows (cut_info), ==, fathom_run_info_get_n_rows (whole_info));
      remove_run (whole_dir);
      remove_run (cut_dir);
    }
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = temp_run_dir ();
  FathomTextConfig cfg;
  FathomTextModel model;

  fathom_text_config_init (&cfg);
  cfg.corpus_path = "/nonexistent/nietzsche.txt";
  cfg.run_dir = dir;
  g_assert_false (fathom_text_train (&cfg, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  cfg.device = "cuda";
  g_assert_false (fathom_text_train (&cfg, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_null (fathom_text_sampler_new (dir, &error));
  g_assert_nonnull (error);
  /* said as what it is, not as a missing model file */
  g_assert_nonnull (strstr (error->message, "is not a run folder (it has no run.json)"));
  g_assert_true (fathom_text_model_from_string ("gru", &model));
  g_assert_cmpint (model, ==, FATHOM_TEXT_MODEL_GRU);
  g_assert_false (fathom_text_model_from_string ("lstm", &model));
  remove_run (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text/helpers", test_helpers);
  g_test_add_func ("/text/scratch-gradients", test_scratch_gradients);
  g_test_add_func ("/text/scratch-outer-product", test_scratch_outer_product);
  g_test_add_func ("/text/scratch-checkpoint", test_scratch_checkpoint);
  g_test_add_func ("/text/errors", test_errors);
  g_test_add_func ("/text/stop-keeps-valid-run", test_stop_keeps_valid_run);
  g_test_add_func ("/text/deterministic", test_deterministic);
  g_test_add_func ("/text/resume", test_resume);
  g_test_add_func ("/text/scratch-learns", test_scratch_learns);
  g_test_add_func ("/text/gru-learns", test_gru_learns);
  return g_test_run ();
}
