/* fathom-text-experiment.c: corpus -> windows -> model -> run folder, and
 * sampling from a run folder. */
#include "fathom-text-experiment.h"
#include "fathom-backend-registry.h"
#include "fathom-char-rnn.h"
#include "fathom-checkpoint.h"
#include "fathom-corpus.h"
#include "fathom-optimizer.h"
#include "fathom-run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_LEN FATHOM_TEXT_SEQ_LEN
#define MODEL_FILE FATHOM_TEXT_MODEL_FILE

static const char *const model_names[] = { "rnn-scratch", "rnn", "gru" };

const char *
fathom_text_model_to_string (FathomTextModel model)
{
  g_return_val_if_fail ((guint) model < G_N_ELEMENTS (model_names), NULL);
  return model_names[model];
}

gboolean
fathom_text_model_from_string (const char *name, FathomTextModel *model)
{
  for (guint i = 0; i < G_N_ELEMENTS (model_names); i++)
    if (g_strcmp0 (name, model_names[i]) == 0)
      {
        *model = (FathomTextModel) i;
        return TRUE;
      }
  return FALSE;
}

void
fathom_text_config_init (FathomTextConfig *config)
{
  *config = (FathomTextConfig) {
    .model = FATHOM_TEXT_MODEL_RNN_SCRATCH,
    .device = "cpu",
    .epochs = 1,
    .batch_size = 64,
    .hidden = 256,
    .embedding = 42,
    .candidate = FATHOM_ACTIVATION_TANH,
    .log_every = 1000,
  };
}

FathomGraph *
fathom_text_graph_new (FathomTextModel model, guint vocab, guint seq_len, guint hidden,
                       guint embedding, FathomActivation candidate, GError **error)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (seq_len, vocab);
  int x = fathom_graph_add_input (g, "chars", &in);

  g_return_val_if_fail (model != FATHOM_TEXT_MODEL_RNN_SCRATCH, NULL);
  /* Dense without bias on a one-hot row picks a row of its kernel: an
   * Embedding(vocab, embedding), trained the same way. */
  if (embedding > 0)
    x = FATHOM_GRAPH_ADD_NAMED (g, "embedding", fathom_dense_layer_new (embedding, FATHOM_ACTIVATION_IDENTITY, FALSE), x);
  if (model == FATHOM_TEXT_MODEL_RNN)
    x = FATHOM_GRAPH_ADD (g, fathom_rnn_layer_new (hidden, FATHOM_ACTIVATION_RELU, FATHOM_RECURRENT_INIT_IDENTITY), x);
  else
    x = FATHOM_GRAPH_ADD (g, fathom_gru_layer_new (hidden, candidate, FATHOM_RECURRENT_INIT_ORTHOGONAL), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "logits", fathom_dense_layer_new (vocab, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "next_char", fathom_softmax_layer_new (), x);
  if (!fathom_graph_add_output (g, "next_char", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, error))
    return NULL;
  return g_steal_pointer (&g);
}

/* ---- data ---------------------------------------------------------------- */

typedef struct {
  FathomCorpus *corpus;
  char         *fingerprint;    /* "sha256:..." of the file's bytes */
  gint32       *x, *y;          /* [n_train + n_valid, SEQ_LEN] */
  gsize         n_train, n_valid;
  guint         vocab;
} TextData;

static void
text_data_clear (TextData *d)
{
  g_clear_pointer (&d->corpus, fathom_corpus_free);
  g_clear_pointer (&d->fingerprint, g_free);
  g_clear_pointer (&d->x, g_free);
  g_clear_pointer (&d->y, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TextData, text_data_clear)

static gboolean
text_data_load (TextData *d, const FathomTextConfig *config, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length, n;
  g_autofree char *sha = NULL;

  memset (d, 0, sizeof *d);
  if (!g_file_get_contents (config->corpus_path, &contents, &length, error))
    return FALSE;
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  d->fingerprint = g_strconcat ("sha256:", sha, NULL);
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  d->corpus = fathom_corpus_new_from_bytes (bytes, config->corpus_path, error);
  if (d->corpus == NULL)
    return FALSE;
  d->vocab = fathom_corpus_get_vocab_size (d->corpus);
  n = fathom_corpus_count_windows (d->corpus, SEQ_LEN, SEQ_LEN, FATHOM_WINDOWS_LESSON);
  if (config->max_sequences > 0)
    n = MIN (n, config->max_sequences);
  d->n_valid = (gsize) llround ((double) n * CLAMP (config->valid_fraction, 0.0, 1.0));
  d->n_train = n - d->n_valid;
  if (d->n_train == 0)
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "%s has no %d-character window left to train on", config->corpus_path, SEQ_LEN);
      return FALSE;
    }
  d->x = g_new (gint32, n * SEQ_LEN);
  d->y = g_new (gint32, n * SEQ_LEN);
  return fathom_corpus_fill_windows (d->corpus, SEQ_LEN, SEQ_LEN, 0, n, d->x, d->y, error);
}

/* The vocabulary without the padding, as UTF-8: a corpus made from it has
 * the same vocabulary, so a run folder needs no copy of the text. */
static char *
vocab_string (FathomCorpus *corpus)
{
  GString *s = g_string_new (NULL);

  for (guint i = 1; i < fathom_corpus_get_vocab_size (corpus); i++)
    g_string_append_unichar (s, fathom_corpus_get_char (corpus, i));
  return g_string_free (s, FALSE);
}

typedef struct {
  const gint32 *x, *y;
  guint         vocab;
} OneHotSource;

static void
one_hot (const gint32 *idx, gint64 rows, guint vocab, float *out)
{
  memset (out, 0, (gsize) rows * vocab * sizeof (float));
  for (gint64 r = 0; r < rows; r++)
    out[r * vocab + idx[r]] = 1.f;
}

static gboolean
one_hot_fill (gpointer data, const gint64 *items, gint64 count,
              FathomTensor *const *inputs, FathomTensor *const *targets, GError **error)
{
  OneHotSource *s = data;
  gsize row = (gsize) SEQ_LEN * s->vocab;

  for (gint64 i = 0; i < count; i++)
    {
      one_hot (s->x + items[i] * SEQ_LEN, SEQ_LEN, s->vocab, fathom_tensor_get_data (inputs[0]) + i * row);
      if (targets[0] != NULL)
        one_hot (s->y + items[i] * SEQ_LEN, SEQ_LEN, s->vocab, fathom_tensor_get_data (targets[0]) + i * row);
    }
  return TRUE;
}

/* ---- the run folder -------------------------------------------------------- */

static GHashTable *
model_metadata (const FathomTextConfig *config, const TextData *d, guint epochs_done)
{
  GHashTable *meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (meta, (char *) "model", g_strdup (fathom_text_model_to_string (config->model)));
  g_hash_table_insert (meta, (char *) "vocab", vocab_string (d->corpus));
  g_hash_table_insert (meta, (char *) "seq_len", g_strdup_printf ("%d", SEQ_LEN));
  g_hash_table_insert (meta, (char *) "hidden", g_strdup_printf ("%u", config->hidden));
  g_hash_table_insert (meta, (char *) "embedding", g_strdup_printf ("%u", config->embedding));
  g_hash_table_insert (meta, (char *) "candidate", g_strdup (fathom_activation_get_name (config->candidate)));
  g_hash_table_insert (meta, (char *) "epochs", g_strdup_printf ("%u", epochs_done));
  g_hash_table_insert (meta, (char *) "corpus_fingerprint", g_strdup (d->fingerprint));
  return meta;
}

static FathomRun *
open_run (const FathomTextConfig *config, const TextData *d, double lr, GError **error)
{
  g_autoptr(FathomRun) run = fathom_run_new (config->run_dir, fathom_text_model_to_string (config->model),
                                             config->overwrite, error);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, config->seed);
  gboolean scratch = config->model == FATHOM_TEXT_MODEL_RNN_SCRATCH;

  if (run == NULL)
    return NULL;
  fathom_run_set_info (run, "device", scratch ? "cpu (plain C loops)" : config->device);
  fathom_run_set_info (run, "seed", seed);
  fathom_run_set_info (run, "corpus_fingerprint", d->fingerprint);
  fathom_run_set_info_path (run, "corpus", config->corpus_path);
  fathom_run_set_config_string (run, "model", fathom_text_model_to_string (config->model));
  fathom_run_set_config_int (run, "seed", (gint64) config->seed);
  fathom_run_set_config_int (run, "epochs", config->epochs);
  fathom_run_set_config_int (run, "hidden", config->hidden);
  fathom_run_set_config_double (run, "lr", lr);
  fathom_run_set_config_string (run, "optimizer", scratch ? "sgd" : "adam");
  fathom_run_set_config_int (run, "batch_size", scratch ? 1 : config->batch_size);
  if (!scratch)
    fathom_run_set_config_int (run, "embedding", config->embedding);
  if (config->model == FATHOM_TEXT_MODEL_GRU)
    fathom_run_set_config_string (run, "candidate", fathom_activation_get_name (config->candidate));
  if (scratch)
    fathom_run_set_config_double (run, "clip", config->clip);
  fathom_run_set_config_int (run, "seq_len", SEQ_LEN);
  fathom_run_set_config_int (run, "stride", SEQ_LEN);
  fathom_run_set_config_int (run, "vocab", d->vocab);
  fathom_run_set_config_int (run, "max_sequences", (gint64) config->max_sequences);
  fathom_run_set_config_double (run, "valid_fraction", config->valid_fraction);
  fathom_run_set_config_int (run, "train_sequences", (gint64) d->n_train);
  fathom_run_set_config_int (run, "valid_sequences", (gint64) d->n_valid);
  return g_steal_pointer (&run);
}

/* Where a resumed run goes on from: the last finished epoch's checkpoint
 * (NULL when none finished) and rnn-scratch's first-epoch figure. */
typedef struct {
  char   *checkpoint;
  guint   epochs_done;
  double  seq_loss_first;
} TextResume;

static void
text_resume_clear (TextResume *r)
{
  g_clear_pointer (&r->checkpoint, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TextResume, text_resume_clear)

/* The run in config->run_dir, if it is this one (model, corpus, the
 * settings that decide its batches and schedule), reopened to go on. */
static FathomRun *
resume_run (const FathomTextConfig *config, const TextData *d, TextResume *resume, GError **error)
{
  gboolean scratch = config->model == FATHOM_TEXT_MODEL_RNN_SCRATCH;
  const FathomRunSetting same[] = {
    { "seed", (gint64) config->seed },
    { "epochs", config->epochs },
    { "hidden", config->hidden },
    { "batch_size", scratch ? 1 : config->batch_size },
    { "vocab", d->vocab },
    { "train_sequences", (gint64) d->n_train },
    { "valid_sequences", (gint64) d->n_valid },
  };
  g_autoptr(FathomRunInfo) info = fathom_run_info_load (config->run_dir, error);
  g_autoptr(FathomRun) run = NULL;
  g_autofree char *note = NULL;
  JsonNode *node;
  const char *corpus;

  if (info == NULL ||
      !fathom_run_info_check_resumable (info, config->run_dir, fathom_text_model_to_string (config->model), same,
                                        G_N_ELEMENTS (same), error))
    return NULL;
  node = json_object_get_member (fathom_run_info_get_json (info), "corpus_fingerprint");
  corpus = node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
             ? json_node_get_string (node) : NULL;
  if (g_strcmp0 (corpus, d->fingerprint) != 0)
    {
      g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_NOT_RESUMABLE,
                   "%s was trained on another text than %s: resume it with its own corpus",
                   config->run_dir, config->corpus_path);
      return NULL;
    }
  run = fathom_run_resume (config->run_dir, error);
  if (run == NULL)
    return NULL;
  resume->checkpoint = fathom_run_find_last_checkpoint (config->run_dir, &resume->epochs_done);
  resume->seq_loss_first = fathom_run_info_get_final (info, "seq_loss_first");
  /* rows of an epoch cut short are redone */
  fathom_run_truncate_rows (run, resume->epochs_done);
  note = resume->checkpoint != NULL ? g_strdup_printf ("resumed after epoch %u from %s", resume->epochs_done,
                                                       resume->checkpoint)
                                    : g_strdup ("resumed from the start: no epoch had finished");
  fathom_run_set_info (run, "resumed", note);
  return g_steal_pointer (&run);
}

static gboolean
is_cancel (GError *error)
{
  return error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- engine models --------------------------------------------------------- */

/* Counts the sequences trained (the trainer's result counts whole epochs
 * only) and passes the report on. */
typedef struct {
  FathomTrainProgressFunc progress;
  gpointer                user_data;
  gint64                  n_train, batch_size, sequences;
} EngineReport;

static void
engine_progress (const FathomTrainProgress *p, gpointer data)
{
  EngineReport *r = data;

  if (!p->epoch_end && g_strcmp0 (p->phase, "train") == 0)
    r->sequences = (gint64) p->epoch * r->n_train + MIN ((p->batch + 1) * r->batch_size, r->n_train);
  if (r->progress != NULL)
    r->progress (p, r->user_data);
}

static gboolean
train_engine (const FathomTextConfig *config, TextData *d, FathomRun *run, const TextResume *resume,
              FathomTrainProgressFunc progress, gpointer user_data, GCancellable *cancellable,
              FathomTextResult *res, GError **error)
{
  g_autoptr(FathomBackend) backend = fathom_backend_new_by_name (config->device, error);
  g_autoptr(FathomGraph) graph = NULL;
  g_autoptr(FathomOptimizer) opt = NULL;
  g_autoptr(GHashTable) meta = NULL;
  g_autofree char *path = fathom_run_get_path (run, MODEL_FILE);
  OneHotSource ts = { d->x, d->y, d->vocab };
  OneHotSource vs = { d->x + d->n_train * SEQ_LEN, d->y + d->n_train * SEQ_LEN, d->vocab };
  FathomBatchSource tsrc = { (gint64) d->n_train, one_hot_fill, &ts };
  FathomBatchSource vsrc = { (gint64) d->n_valid, one_hot_fill, &vs };
  EngineReport rep = { progress, user_data, (gint64) d->n_train, config->batch_size, 0 };
  FathomTrainConfig cfg;
  FathomTrainResult tr;
  GError *fit_error = NULL;
  gboolean ok;

  if (backend == NULL)
    return FALSE;
  graph = fathom_text_graph_new (config->model, d->vocab, SEQ_LEN, config->hidden, config->embedding,
                                 config->candidate, error);
  if (graph == NULL || !fathom_graph_build (graph, backend, config->seed, error))
    return FALSE;
  opt = fathom_optimizer_new_adam (config->lr > 0 ? (float) config->lr : 1e-3f);
  fathom_train_config_init (&cfg);
  cfg.epochs = config->epochs;
  cfg.batch_size = config->batch_size;
  cfg.seed = config->seed;
  /* every epoch's checkpoint can be sampled from, as model.safetensors */
  meta = model_metadata (config, d, 0);
  g_hash_table_remove (meta, "epochs");
  cfg.checkpoint_metadata = meta;
  cfg.resume_from = resume->checkpoint;

  ok = fathom_trainer_fit (graph, opt, &cfg, &tsrc, d->n_valid > 0 ? &vsrc : NULL, run,
                           engine_progress, &rep, cancellable, &tr, &fit_error);
  res->epochs_done = tr.epochs_done;
  res->sequences = rep.sequences;
  res->train_loss = tr.train_loss;
  res->val_loss = tr.val_loss;
  /* Stopped or finished, the weights are the last applied batch's: keep
   * them for sampling. A failed run keeps only its epoch checkpoints. */
  if (ok || is_cancel (fit_error))
    {
      g_autoptr(GHashTable) model_meta = model_metadata (config, d, tr.epochs_done);

      if (!fathom_checkpoint_save (graph, path, model_meta, ok ? &fit_error : NULL))
        ok = FALSE;
    }
  if (fit_error != NULL)
    g_propagate_error (error, fit_error);
  return ok;
}

/* ---- rnn-scratch ---------------------------------------------------------- */

typedef struct {
  const FathomTextConfig  *config;
  FathomTrainProgressFunc  progress;
  gpointer                 user_data;
  gint64                   t0;
} ScratchReport;

static void
scratch_report (ScratchReport *r, const char *phase, guint epoch, gint64 done, gint64 n,
                gint64 step, double loss, gboolean epoch_end)
{
  FathomTrainProgress p = { 0 };
  double seconds = (g_get_monotonic_time () - r->t0) / 1e6;
  gint64 total = (gint64) r->config->epochs * n;

  if (r->progress == NULL)
    return;
  p.phase = phase;
  p.epoch = epoch;
  p.n_epochs = r->config->epochs;
  p.batch = MAX (done - 1, 0);
  p.n_batches = n;
  p.step = step;
  p.loss = loss;
  p.accuracy = NAN;
  p.seconds = seconds;
  p.items_per_second = seconds > 0 ? step / seconds : 0;
  p.eta_seconds = step > 0 ? seconds / step * (double) (total - step) : 0;
  p.epoch_end = epoch_end;
  r->progress (&p, r->user_data);
}

static gboolean
save_scratch (FathomCharRnn *model, FathomRun *run, const char *relative,
              const FathomTextConfig *config, const TextData *d, guint epochs_done, GError **error)
{
  g_autofree char *path = fathom_run_get_path (run, relative);
  g_autoptr(GHashTable) meta = model_metadata (config, d, epochs_done);

  return fathom_char_rnn_save (model, path, meta, error);
}

static gboolean
train_scratch (const FathomTextConfig *config, TextData *d, FathomRun *run, const TextResume *resume,
               FathomTrainProgressFunc progress, gpointer user_data, GCancellable *cancellable,
               FathomTextResult *res, GError **error)
{
  g_autoptr(FathomCharRnn) model = NULL;
  const char *columns[] = { "loss", "seq_loss" };
  double lr = config->lr > 0 ? config->lr : 0.01;
  guint every = MAX (config->log_every, 1);
  gsize n = d->n_train;
  g_autofree double *losses = g_new (double, n);
  ScratchReport rep = { config, progress, user_data, g_get_monotonic_time () };
  gint64 step = 0;
  gboolean ok = TRUE;

  /* In order and without shuffling: the weights after an epoch are all a
   * resumed run needs to go on as if never stopped. */
  model = resume->checkpoint != NULL ? fathom_char_rnn_load (resume->checkpoint, error)
                                     : fathom_char_rnn_new (d->vocab, config->hidden, config->seed);
  if (model == NULL)
    return FALSE;
  res->epochs_done = resume->epochs_done;
  res->seq_loss_first = resume->seq_loss_first;
  step = (gint64) resume->epochs_done * (gint64) n;
  fathom_run_set_columns (run, G_N_ELEMENTS (columns), columns);
  for (guint e = resume->epochs_done; ok && e < config->epochs; e++)
    {
      double block = 0, sum = 0, recent = 0;
      gsize block_n = 0, done = 0;

      /* In order, one sequence per update, as the lesson's Theano loop. */
      for (gsize i = 0; i < n; i++)
        {
          const gint32 *x = d->x + i * SEQ_LEN, *y = d->y + i * SEQ_LEN;
          double loss;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              ok = FALSE;
              break;
            }
          loss = fathom_char_rnn_forward (model, x, y, SEQ_LEN);
          if (!isfinite (loss))
            {
              g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_NOT_FINITE,
                           "The loss became %s at epoch %u, sequence %" G_GSIZE_FORMAT
                           "; training stopped before applying it", isnan (loss) ? "NaN" : "infinite",
                           e + 1, i + 1);
              ok = FALSE;
              break;
            }
          fathom_char_rnn_backward (model, x, y, SEQ_LEN);
          fathom_char_rnn_sgd (model, lr, config->clip);
          losses[i] = loss;
          block += loss;
          sum += loss;
          recent += loss;
          block_n++;
          done = i + 1;
          step++;
          if (block_n == every || done == n)
            {
              double row[2] = { block / block_n / SEQ_LEN, block / block_n };

              fathom_run_add_row (run, step, e + 1, "train", row, (g_get_monotonic_time () - rep.t0) / 1e6);
              block = 0;
              block_n = 0;
            }
          /* The live loss: the mean per character of the last 100. */
          if (done % 100 == 0 || done == n)
            {
              scratch_report (&rep, "train", e, (gint64) done, (gint64) n, step,
                              recent / (done % 100 == 0 ? 100 : done % 100) / SEQ_LEN, FALSE);
              recent = 0;
            }
        }
      if (block_n > 0)          /* stopped inside a block: log what ran */
        {
          double row[2] = { block / block_n / SEQ_LEN, block / block_n };

          fathom_run_add_row (run, step, e + 1, "train", row, (g_get_monotonic_time () - rep.t0) / 1e6);
        }
      if (done == 0)
        break;

      /* The lesson's numbers: the first and the last `every` sequences. */
      if (e == 0)
        {
          double s = 0;
          for (gsize i = 0; i < MIN (every, done); i++)
            s += losses[i];
          res->seq_loss_first = s / MIN (every, done);
          /* kept in run.json from now on, for a resumed run to report */
          fathom_run_set_final (run, "seq_loss_first", res->seq_loss_first);
        }
      {
        double s = 0;
        gsize k = MIN (every, done);
        for (gsize i = done - k; i < done; i++)
          s += losses[i];
        res->seq_loss_last = s / k;
      }
      res->sequences = step;
      if (!ok)
        break;

      res->train_loss = sum / n / SEQ_LEN;
      res->epochs_done = e + 1;
      {
        double row[2] = { res->train_loss, res->train_loss * SEQ_LEN };
        g_autofree char *name = fathom_run_epoch_checkpoint_name (e + 1);

        fathom_run_add_row (run, step, e + 1, "train_epoch", row, (g_get_monotonic_time () - rep.t0) / 1e6);
        if (d->n_valid > 0)
          {
            double v = 0;
            for (gsize i = n; i < n + d->n_valid; i++)
              v += fathom_char_rnn_forward (model, d->x + i * SEQ_LEN, d->y + i * SEQ_LEN, SEQ_LEN);
            res->val_loss = v / d->n_valid / SEQ_LEN;
            row[0] = res->val_loss;
            row[1] = res->val_loss * SEQ_LEN;
            fathom_run_add_row (run, step, e + 1, "valid", row, (g_get_monotonic_time () - rep.t0) / 1e6);
          }
        ok = save_scratch (model, run, name, config, d, e + 1, error) && fathom_run_save (run, error);
        scratch_report (&rep, d->n_valid > 0 ? "valid" : "train", e, (gint64) n, (gint64) n, step,
                        d->n_valid > 0 ? res->val_loss : res->train_loss, TRUE);
      }
    }
  if (ok || is_cancel (*error))
    {
      g_autoptr(GError) save_error = NULL;

      if (!save_scratch (model, run, MODEL_FILE, config, d, res->epochs_done, ok ? error : &save_error))
        ok = FALSE;
    }
  return ok;
}

/* ---- the runner ------------------------------------------------------------- */

gboolean
fathom_text_train (const FathomTextConfig *config, FathomTrainProgressFunc progress, gpointer user_data,
                   GCancellable *cancellable, FathomTextResult *result, GError **error)
{
  FathomTextResult res = { 0, 0, NAN, NAN, NAN, NAN, 0 };
  g_auto(TextData) d = { 0 };
  g_auto(TextResume) resume = { NULL, 0, NAN };
  g_autoptr(FathomRun) run = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gboolean scratch = config->model == FATHOM_TEXT_MODEL_RNN_SCRATCH;
  double lr = config->lr > 0 ? config->lr : scratch ? 0.01 : 1e-3;
  GError *train_error = NULL;
  gboolean ok;

  if (result != NULL)
    *result = res;
  if (scratch && g_strcmp0 (config->device, "cpu") != 0)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "rnn-scratch is plain C on the CPU; it has no “%s” version", config->device);
      return FALSE;
    }
  if (config->epochs == 0 || config->hidden == 0 || (!scratch && config->batch_size == 0))
    {
      g_set_error_literal (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                           "Epochs, hidden size and batch size must be at least 1");
      return FALSE;
    }
  if (!text_data_load (&d, config, error))
    return FALSE;
  run = config->resume ? resume_run (config, &d, &resume, error) : open_run (config, &d, lr, error);
  if (run == NULL)
    return FALSE;
  if (!fathom_run_save (run, error))
    return FALSE;

  if (scratch)
    ok = train_scratch (config, &d, run, &resume, progress, user_data, cancellable, &res, &train_error);
  else
    ok = train_engine (config, &d, run, &resume, progress, user_data, cancellable, &res, &train_error);
  res.seconds = (g_get_monotonic_time () - t0) / 1e6;

  fathom_run_set_final (run, "train_loss", res.train_loss);
  fathom_run_set_final (run, "val_loss", res.val_loss);
  fathom_run_set_final (run, "sequences", (double) res.sequences);
  fathom_run_set_final (run, "seconds", res.seconds);
  if (scratch)
    {
      fathom_run_set_final (run, "seq_loss_first", res.seq_loss_first);
      fathom_run_set_final (run, "seq_loss_last", res.seq_loss_last);
      fathom_run_set_final (run, "loss_last", res.seq_loss_last / SEQ_LEN);
    }
  if (result != NULL)
    *result = res;
  if (ok)
    fathom_run_set_status (run, "finished", NULL);
  else if (is_cancel (train_error))
    fathom_run_set_status (run, "stopped", "Stopped by the user");
  else
    fathom_run_set_status (run, "failed", train_error->message);
  /* The trainer saved already; save again for the finals added here. */
  if (!fathom_run_save (run, ok ? &train_error : NULL))
    ok = FALSE;
  if (train_error != NULL)
    g_propagate_error (error, train_error);
  return ok;
}
