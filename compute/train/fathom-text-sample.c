/* fathom-text-sample.c: generating text from a run folder of
 * fathom-text-experiment.c (rnn-scratch or an engine model). */
#include "fathom-text-experiment.h"
#include "fathom-backend-registry.h"
#include "fathom-char-rnn.h"
#include "fathom-checkpoint.h"
#include "fathom-corpus.h"
#include "fathom-rng.h"
#include "fathom-run.h"
#include "fathom-safetensors.h"

#include <math.h>
#include <string.h>

#define SEQ_LEN FATHOM_TEXT_SEQ_LEN
#define MODEL_FILE FATHOM_TEXT_MODEL_FILE
#define DEFAULT_PRIME FATHOM_TEXT_DEFAULT_PRIME

static void
one_hot (const gint32 *idx, gint64 rows, guint vocab, float *out)
{
  memset (out, 0, (gsize) rows * vocab * sizeof (float));
  for (gint64 r = 0; r < rows; r++)
    out[r * vocab + idx[r]] = 1.f;
}

struct _FathomTextSampler
{
  FathomTextModel  model;
  FathomCorpus    *vocab;       /* made from the vocabulary string */
  guint            n_vocab;
  FathomCharRnn   *scratch;
  FathomBackend   *backend;
  FathomGraph     *graph;
  FathomTensor    *input;       /* [1, SEQ_LEN, vocab] */
  float           *probs;       /* [SEQ_LEN, vocab] */
};

void
fathom_text_sampler_free (FathomTextSampler *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->vocab, fathom_corpus_free);
  g_clear_pointer (&self->scratch, fathom_char_rnn_free);
  g_clear_pointer (&self->graph, fathom_graph_free);
  g_clear_pointer (&self->input, fathom_tensor_unref);
  g_clear_pointer (&self->backend, fathom_backend_unref);
  g_free (self->probs);
  g_free (self);
}

FathomTextModel
fathom_text_sampler_get_model (FathomTextSampler *self)
{
  return self->model;
}

static guint
meta_uint (FathomSafetensors *file, const char *key)
{
  const char *v = fathom_safetensors_get_metadata (file, key);
  guint64 n = 0;

  if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT32, &n, NULL))
    return 0;
  return (guint) n;
}

static gboolean
parse_activation (const char *name, FathomActivation *act)
{
  const FathomActivation all[] = { FATHOM_ACTIVATION_TANH, FATHOM_ACTIVATION_RELU,
                                   FATHOM_ACTIVATION_SIGMOID, FATHOM_ACTIVATION_IDENTITY };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (name, fathom_activation_get_name (all[i])) == 0)
      {
        *act = all[i];
        return TRUE;
      }
  return FALSE;
}

FathomTextSampler *
fathom_text_sampler_new (const char *run_dir, GError **error)
{
  g_autofree char *path = g_build_filename (run_dir, MODEL_FILE, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      fathom_run_info_set_missing_error (run_dir, MODEL_FILE, error);
      return NULL;
    }
  return fathom_text_sampler_new_from_file (path, error);
}

FathomTextSampler *
fathom_text_sampler_new_from_file (const char *path, GError **error)
{
  g_autoptr(FathomSafetensors) file = fathom_safetensors_load (path, error);
  g_autoptr(FathomTextSampler) self = g_new0 (FathomTextSampler, 1);
  g_autoptr(GBytes) vocab = NULL;
  const char *text;
  FathomActivation candidate = FATHOM_ACTIVATION_TANH;

  if (file == NULL)
    return NULL;
  text = fathom_safetensors_get_metadata (file, "vocab");
  if (!fathom_text_model_from_string (fathom_safetensors_get_metadata (file, "model"), &self->model) ||
      text == NULL || meta_uint (file, "seq_len") != SEQ_LEN || meta_uint (file, "hidden") == 0 ||
      !parse_activation (fathom_safetensors_get_metadata (file, "candidate"), &candidate))
    {
      g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_HEADER,
                   "%s does not describe a text model (model, vocab, seq_len, hidden, candidate)", path);
      return NULL;
    }
  vocab = g_bytes_new (text, strlen (text));
  self->vocab = fathom_corpus_new_from_bytes (vocab, "vocabulary", error);
  if (self->vocab == NULL)
    return NULL;
  self->n_vocab = fathom_corpus_get_vocab_size (self->vocab);
  self->probs = g_new0 (float, (gsize) SEQ_LEN * self->n_vocab);

  if (self->model == FATHOM_TEXT_MODEL_RNN_SCRATCH)
    {
      self->scratch = fathom_char_rnn_load (path, error);
      if (self->scratch == NULL)
        return NULL;
      if (fathom_char_rnn_get_vocab (self->scratch) != self->n_vocab)
        {
          g_set_error (error, FATHOM_SAFETENSORS_ERROR, FATHOM_SAFETENSORS_ERROR_SHAPE,
                       "%s: the weights do not match its vocabulary", path);
          return NULL;
        }
      return g_steal_pointer (&self);
    }

  /* A one-sequence batch is cheap anywhere: sample on the CPU. */
  self->backend = fathom_backend_new_by_name ("cpu", error);
  if (self->backend == NULL)
    return NULL;
  self->graph = fathom_text_graph_new (self->model, self->n_vocab, SEQ_LEN, meta_uint (file, "hidden"),
                                       meta_uint (file, "embedding"), candidate, error);
  if (self->graph == NULL || !fathom_graph_build (self->graph, self->backend, 0, error) ||
      !fathom_checkpoint_load (self->graph, path, FALSE, error))
    return NULL;
  self->input = fathom_backend_new_tensor (self->backend, 3, (gint64[]) { 1, SEQ_LEN, self->n_vocab }, error);
  if (self->input == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

/* Next-character probabilities after window ([SEQ_LEN] indices). */
static gboolean
sampler_predict (FathomTextSampler *self, const gint32 *window, double *p, GError **error)
{
  const gsize V = self->n_vocab;

  if (self->scratch != NULL)
    {
      fathom_char_rnn_forward (self->scratch, window, NULL, SEQ_LEN);
      memcpy (p, fathom_char_rnn_get_probs (self->scratch), V * sizeof (double));
      return TRUE;
    }
  one_hot (window, SEQ_LEN, self->n_vocab, self->probs);
  if (!fathom_backend_upload (self->backend, self->input, self->probs, error) ||
      !fathom_graph_forward (self->graph, &self->input, FALSE, error) ||
      !fathom_backend_download (self->backend, fathom_graph_get_output (self->graph, 0), self->probs, error))
    return FALSE;
  for (gsize k = 0; k < V; k++)
    p[k] = self->probs[(SEQ_LEN - 1) * V + k];
  return TRUE;
}

/* Draws from p^(1/T) without the padding index; T <= 0 is the argmax. */
static gint32
draw (const double *p, gsize n, double temperature, FathomRng *rng)
{
  g_autofree double *w = g_new (double, n);
  double total = 0, u, best = -1;
  gint32 arg = 1;

  for (gsize k = 1; k < n; k++)
    {
      if (p[k] > best)
        {
          best = p[k];
          arg = (gint32) k;
        }
      w[k] = p[k] > 0 && temperature > 0 ? exp (log (p[k]) / temperature) : 0;
      total += w[k];
    }
  /* The uniform draw happens in every case, so the stream never depends
   * on the temperature. */
  u = fathom_rng_uniform (rng) * total;
  if (temperature <= 0 || !(total > 0) || !isfinite (total))
    return arg;
  for (gsize k = 1; k < n; k++)
    {
      if (u < w[k])
        return (gint32) k;
      u -= w[k];
    }
  for (gsize k = n - 1; k >= 1; k--)    /* rounding at the very end */
    if (w[k] > 0)
      return (gint32) k;
  return arg;
}

char *
fathom_text_sampler_generate (FathomTextSampler *self, const char *prime, guint length,
                              double temperature, guint64 seed, GError **error)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (seed);
  g_autoptr(GArray) ctx = g_array_new (FALSE, TRUE, sizeof (gint32));
  g_autofree gint32 *out = g_new (gint32, MAX (length, 1));
  g_autofree double *p = g_new (double, self->n_vocab);
  gint32 window[SEQ_LEN];

  if (prime == NULL)
    prime = DEFAULT_PRIME;
  if (!g_utf8_validate (prime, -1, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The prime text is not UTF-8");
      return NULL;
    }
  for (const char *c = prime; *c; c = g_utf8_next_char (c))
    {
      int idx = fathom_corpus_char_to_index (self->vocab, g_utf8_get_char (c));

      if (idx <= 0)
        {
          char ch[8] = { 0 };
          g_unichar_to_utf8 (g_utf8_get_char (c), ch);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "The prime text has “%s”, which is not in the model's vocabulary", ch);
          return NULL;
        }
      gint32 i32 = idx;

      g_array_append_val (ctx, i32);
    }
  for (guint i = 0; i < length; i++)
    {
      /* The last SEQ_LEN characters, "\0" before the start. */
      for (int k = 0; k < SEQ_LEN; k++)
        {
          gint64 at = (gint64) ctx->len - SEQ_LEN + k;
          window[k] = at >= 0 ? g_array_index (ctx, gint32, at) : 0;
        }
      if (!sampler_predict (self, window, p, error))
        return NULL;
      out[i] = draw (p, self->n_vocab, temperature, rng);
      g_array_append_val (ctx, out[i]);
    }
  return fathom_corpus_decode (self->vocab, out, length);
}
