/* fathom-trainer.c: the training loop. */
#include "fathom-trainer.h"
#include "fathom-checkpoint.h"
#include "fathom-metrics.h"
#include "fathom-rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (fathom-trainer-error-quark, fathom_trainer_error)

FathomTrainProgress
fathom_train_progress_one_pass (const char *phase, gint64 done, gint64 n, gint64 batch, gint64 n_batches,
                                gint64 t0)
{
  double seconds = (g_get_monotonic_time () - t0) / 1e6;

  return (FathomTrainProgress) {
    .phase = phase,
    .n_epochs = 1,
    .batch = batch,
    .n_batches = n_batches,
    .step = batch + 1,
    .loss = NAN,
    .accuracy = NAN,
    .seconds = seconds,
    .items_per_second = seconds > 0 ? done / seconds : 0,
    .eta_seconds = done > 0 ? seconds / done * (n - done) : 0,
    .epoch_end = done == n,
  };
}

void
fathom_train_config_init (FathomTrainConfig *config)
{
  *config = (FathomTrainConfig) {
    .epochs = 1,
    .batch_size = 64,
    .seed = 0,
    .shuffle = TRUE,
    .checkpoint_every = 1,
  };
}

/* Batch tensors for one source: backend tensors the graph reads, and host
 * staging when the backend's memory is not the host's. */
typedef struct {
  FathomGraph  *graph;
  guint         n_in, n_out;
  gint64        capacity;
  FathomTensor *dev_in[16], *dev_out[16];
  FathomTensor *host_in[16], *host_out[16];
} Batch;

static void
batch_clear (Batch *b)
{
  for (guint i = 0; i < 16; i++)
    {
      g_clear_pointer (&b->dev_in[i], fathom_tensor_unref);
      g_clear_pointer (&b->dev_out[i], fathom_tensor_unref);
      g_clear_pointer (&b->host_in[i], fathom_tensor_unref);
      g_clear_pointer (&b->host_out[i], fathom_tensor_unref);
    }
}

static gboolean
alloc_pair (FathomBackend *backend, const FathomShape *shape, gint64 n,
            FathomTensor **dev, FathomTensor **host, GError **error)
{
  gint64 full[FATHOM_MAX_DIMS];

  full[0] = n;
  memcpy (full + 1, shape->d, shape->ndim * sizeof (gint64));
  *dev = fathom_backend_new_tensor (backend, shape->ndim + 1, full, error);
  if (*dev == NULL)
    return FALSE;
  *host = fathom_tensor_get_location (*dev) == FATHOM_LOCATION_HOST
          ? fathom_tensor_ref (*dev) : fathom_tensor_new (shape->ndim + 1, full);
  return TRUE;
}

static gboolean
batch_init (Batch *b, FathomGraph *graph, gint64 capacity, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);

  memset (b, 0, sizeof *b);
  b->graph = graph;
  b->capacity = capacity;
  b->n_in = fathom_graph_get_n_inputs (graph);
  b->n_out = fathom_graph_get_n_outputs (graph);
  g_return_val_if_fail (b->n_in <= 16 && b->n_out <= 16, FALSE);
  for (guint i = 0; i < b->n_in; i++)
    if (!alloc_pair (backend, fathom_graph_get_input_shape (graph, i), capacity,
                     &b->dev_in[i], &b->host_in[i], error))
      return FALSE;
  for (guint i = 0; i < b->n_out; i++)
    if (fathom_graph_get_output_loss (graph, i) != FATHOM_LOSS_NONE &&
        !alloc_pair (backend, fathom_graph_get_output_shape (graph, i), capacity,
                     &b->dev_out[i], &b->host_out[i], error))
      return FALSE;
  return TRUE;
}

/* Fills count items and returns views of that many rows in in/out. */
static gboolean
batch_fill (Batch *b, FathomBatchSource *source, const gint64 *items, gint64 count,
            FathomTensor **in, FathomTensor **out, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (b->graph);
  FathomTensor *host_in[16] = { NULL }, *host_out[16] = { NULL };
  gboolean ok = TRUE;

  for (guint i = 0; i < b->n_in; i++)
    {
      host_in[i] = fathom_tensor_slice (b->host_in[i], 0, count);
      in[i] = fathom_tensor_slice (b->dev_in[i], 0, count);
    }
  for (guint i = 0; i < b->n_out; i++)
    if (b->host_out[i] != NULL)
      {
        host_out[i] = fathom_tensor_slice (b->host_out[i], 0, count);
        out[i] = fathom_tensor_slice (b->dev_out[i], 0, count);
      }
  ok = source->fill (source->data, items, count, host_in, host_out, error);
  for (guint i = 0; ok && i < b->n_in; i++)
    if (b->host_in[i] != b->dev_in[i])
      ok = fathom_backend_upload (backend, in[i], fathom_tensor_get_const_data (host_in[i]), error);
  for (guint i = 0; ok && i < b->n_out; i++)
    if (host_out[i] != NULL && b->host_out[i] != b->dev_out[i])
      ok = fathom_backend_upload (backend, out[i], fathom_tensor_get_const_data (host_out[i]), error);
  for (guint i = 0; i < 16; i++)
    {
      g_clear_pointer (&host_in[i], fathom_tensor_unref);
      g_clear_pointer (&host_out[i], fathom_tensor_unref);
    }
  return ok;
}

static void
views_clear (FathomTensor **in, FathomTensor **out)
{
  for (guint i = 0; i < 16; i++)
    {
      g_clear_pointer (&in[i], fathom_tensor_unref);
      g_clear_pointer (&out[i], fathom_tensor_unref);
    }
}

static int
first_cross_entropy (FathomGraph *graph)
{
  for (guint i = 0; i < fathom_graph_get_n_outputs (graph); i++)
    if (fathom_graph_get_output_loss (graph, i) == FATHOM_LOSS_CROSS_ENTROPY)
      return (int) i;
  return -1;
}

/* Correct predictions of output ce against target in this batch. */
static gboolean
count_correct (FathomGraph *graph, int ce, FathomTensor *target, gint64 *correct, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  FathomTensor *probs = fathom_graph_get_output (graph, (guint) ce);
  gsize n = fathom_tensor_get_numel (probs);
  gint64 k = fathom_tensor_get_dim (probs, -1);
  g_autofree float *p = g_new (float, n);
  g_autofree float *t = g_new (float, n);

  if (!fathom_backend_download (backend, probs, p, error) ||
      !fathom_backend_download (backend, target, t, error))
    return FALSE;
  for (gsize r = 0; r < n / (gsize) k; r++)
    *correct += fathom_argmax (p + r * k, k) == fathom_argmax (t + r * k, k);
  return TRUE;
}

gboolean
fathom_trainer_evaluate (FathomGraph *graph, FathomBatchSource *source, guint batch_size,
                         FathomEvalBatchFunc each, gpointer user_data,
                         double *loss, double *output_losses, double *accuracy, GError **error)
{
  guint n_out = fathom_graph_get_n_outputs (graph);
  int ce = first_cross_entropy (graph);
  Batch b;
  double total = 0, per[16] = { 0 };
  gint64 correct = 0, rows = 0, items = 0;
  g_autofree gint64 *index = NULL;
  gboolean ok = TRUE;

  if (!batch_init (&b, graph, MIN ((gint64) batch_size, MAX (source->n_items, 1)), error))
    {
      batch_clear (&b);
      return FALSE;
    }
  index = g_new (gint64, MAX (source->n_items, 1));
  for (gint64 i = 0; i < source->n_items; i++)
    index[i] = i;

  for (gint64 start = 0; ok && start < source->n_items; start += b.capacity)
    {
      gint64 count = MIN (b.capacity, source->n_items - start);
      FathomTensor *in[16] = { NULL }, *out[16] = { NULL };
      float losses[16] = { 0 }, weighted = 0;

      ok = batch_fill (&b, source, index + start, count, in, out, error) &&
           fathom_graph_forward (graph, in, FALSE, error) &&
           fathom_graph_compute_loss (graph, out, losses, &weighted, error) &&
           (ce < 0 || count_correct (graph, ce, out[ce], &correct, error)) &&
           (each == NULL || each (graph, index + start, count, user_data, error));
      if (ok)
        {
          total += (double) weighted * count;
          for (guint i = 0; i < n_out; i++)
            per[i] += (double) losses[i] * count;
          if (ce >= 0)
            rows += (gint64) (fathom_tensor_get_numel (out[ce]) / (gsize) fathom_tensor_get_dim (out[ce], -1));
          items += count;
        }
      views_clear (in, out);
    }
  batch_clear (&b);
  if (!ok)
    return FALSE;
  if (loss != NULL)
    *loss = items ? total / items : NAN;
  for (guint i = 0; output_losses != NULL && i < n_out; i++)
    output_losses[i] = items ? per[i] / items : NAN;
  if (accuracy != NULL)
    *accuracy = rows ? (double) correct / rows : NAN;
  return TRUE;
}

/* Everything a resumed fit needs: the optimiser's state goes with the
 * weights, the epoch, step and shuffling generator in the metadata. */
static gboolean
save_checkpoint (FathomGraph *graph, FathomOptimizer *optimizer, FathomRun *run, GHashTable *extra,
                 guint epoch, gint64 step, FathomRng *rng, GError **error)
{
  g_autofree char *name = fathom_run_epoch_checkpoint_name (epoch + 1);
  g_autofree char *path = fathom_run_get_path (run, name);
  g_autofree char *epoch_s = g_strdup_printf ("%u", epoch + 1);
  g_autofree char *step_s = g_strdup_printf ("%" G_GINT64_FORMAT, step);
  g_autofree char *rng_s = NULL;
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 state[4];

  if (extra != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, extra);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (meta, key, value);
    }

  fathom_rng_get_state (rng, state);
  rng_s = g_strdup_printf ("%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
                           G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x",
                           state[0], state[1], state[2], state[3]);
  g_hash_table_insert (meta, (char *) "epoch", epoch_s);
  g_hash_table_insert (meta, (char *) "step", step_s);
  g_hash_table_insert (meta, (char *) "rng", rng_s);
  return fathom_checkpoint_save_training (graph, optimizer, path, meta, error);
}

/* Restores a training checkpoint; *epochs_done and *step say where the fit
 * stood. */
static gboolean
resume (FathomGraph *graph, FathomOptimizer *optimizer, const char *path, FathomRng *rng,
        guint *epochs_done, gint64 *step, GError **error)
{
  g_autoptr(GHashTable) meta = NULL;
  const char *epoch_s, *step_s, *rng_s;
  guint64 state[4];

  if (!fathom_checkpoint_load_training (graph, optimizer, path, &meta, error))
    return FALSE;
  epoch_s = g_hash_table_lookup (meta, "epoch");
  step_s = g_hash_table_lookup (meta, "step");
  rng_s = g_hash_table_lookup (meta, "rng");
  if (epoch_s == NULL || step_s == NULL || rng_s == NULL ||
      sscanf (rng_s, "%" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x %"
              G_GINT64_MODIFIER "x", &state[0], &state[1], &state[2], &state[3]) != 4)
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "%s lacks the trainer's epoch, step or shuffling state", path);
      return FALSE;
    }
  fathom_rng_set_state (rng, state);
  *epochs_done = (guint) g_ascii_strtoull (epoch_s, NULL, 10);
  *step = g_ascii_strtoll (step_s, NULL, 10);
  return TRUE;
}

static void
set_columns (FathomRun *run, FathomGraph *graph, gboolean has_accuracy, guint *n_columns)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint n_out = fathom_graph_get_n_outputs (graph);

  g_ptr_array_add (names, g_strdup ("loss"));
  if (n_out > 1)
    for (guint i = 0; i < n_out; i++)
      g_ptr_array_add (names, g_strdup_printf ("%s_loss", fathom_graph_get_output_name (graph, i)));
  if (has_accuracy)
    g_ptr_array_add (names, g_strdup ("accuracy"));
  *n_columns = names->len;
  fathom_run_set_columns (run, names->len, (const char *const *) names->pdata);
}

static void
log_row (FathomRun *run, guint n_columns, gint64 step, guint epoch, const char *phase,
         double loss, guint n_out, const double *per, double accuracy, gboolean has_accuracy,
         double wall)
{
  double values[20];
  guint k = 0;

  values[k++] = loss;
  if (n_out > 1)
    for (guint i = 0; i < n_out; i++)
      values[k++] = per[i];
  if (has_accuracy)
    values[k++] = accuracy;
  g_assert (k == n_columns);
  fathom_run_add_row (run, step, epoch, phase, values, wall);
}

gboolean
fathom_trainer_fit (FathomGraph *graph, FathomOptimizer *optimizer, const FathomTrainConfig *config,
                    FathomBatchSource *train, FathomBatchSource *valid, FathomRun *run,
                    FathomTrainProgressFunc progress, gpointer user_data,
                    GCancellable *cancellable, FathomTrainResult *result, GError **error)
{
  guint n_out = fathom_graph_get_n_outputs (graph);
  int ce = first_cross_entropy (graph);
  gint64 n_batches = (train->n_items + config->batch_size - 1) / MAX (config->batch_size, 1);
  g_autoptr(FathomRng) rng = fathom_rng_new (config->seed);
  g_autofree gint64 *order = g_new (gint64, MAX (train->n_items, 1));
  gint64 t0 = g_get_monotonic_time ();
  gint64 step = 0, total_batches = (gint64) config->epochs * n_batches;
  FathomTrainResult res = { 0, 0, NAN, NAN, NAN, NAN, FALSE, 0 };
  double best_val = INFINITY;
  guint since_best = 0;
  guint n_columns = 0, first = 0;
  Batch b;
  gboolean ok = TRUE;

  g_return_val_if_fail (n_out <= 16, FALSE);
  if (train->n_items <= 0 || config->batch_size == 0)
    {
      g_set_error_literal (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                           "There is nothing to train on (no items, or a batch size of 0)");
      return FALSE;
    }
  if (!batch_init (&b, graph, MIN ((gint64) config->batch_size, train->n_items), error))
    {
      batch_clear (&b);
      return FALSE;
    }
  if (run != NULL)
    set_columns (run, graph, ce >= 0, &n_columns);
  fathom_graph_set_dropout_seed (graph, config->seed ^ G_GUINT64_CONSTANT (0x5DEECE66D));
  if (config->resume_from != NULL)
    {
      guint done = 0;

      if (!resume (graph, optimizer, config->resume_from, rng, &done, &step, error))
        {
          batch_clear (&b);
          return FALSE;
        }
      first = done > config->first_epoch ? done - config->first_epoch : 0;
      res.epochs_done = first;
      res.steps = step;
      if (run != NULL)
        fathom_run_truncate_rows (run, done);
    }

  for (guint e = first; ok && e < config->epochs; e++)
    {
      guint epoch = config->first_epoch + e;
      double epoch_loss = 0, epoch_per[16] = { 0 };
      gint64 epoch_items = 0, correct = 0, rows = 0;

      for (guint c = 0; c < config->n_lr_changes; c++)
        if (config->lr_epoch[c] == epoch)
          fathom_optimizer_set_lr (optimizer, config->lr[c]);
      /* A fresh permutation each epoch, so that the order is a function of
       * the generator's state alone (and a resumed fit repeats it). */
      for (gint64 i = 0; i < train->n_items; i++)
        order[i] = i;
      if (config->shuffle)
        fathom_rng_shuffle (rng, order, train->n_items);

      for (gint64 bi = 0; ok && bi < n_batches; bi++)
        {
          gint64 start = bi * b.capacity, count = MIN (b.capacity, train->n_items - start);
          FathomTensor *in[16] = { NULL }, *out[16] = { NULL };
          float losses[16] = { 0 }, weighted = 0;
          gint64 batch_correct = 0;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            {
              ok = FALSE;
              break;
            }
          fathom_graph_set_step (graph, (guint64) step);
          ok = batch_fill (&b, train, order + start, count, in, out, error) &&
               fathom_graph_forward (graph, in, TRUE, error) &&
               fathom_graph_compute_loss (graph, out, losses, &weighted, error);
          if (ok && !isfinite (weighted))
            {
              g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_NOT_FINITE,
                           "The loss became %s at epoch %u, batch %" G_GINT64_FORMAT
                           "; training stopped before applying it (the last checkpoint is the last good state)",
                           isnan (weighted) ? "NaN" : "infinite", epoch + 1, bi + 1);
              ok = FALSE;
            }
          ok = ok && (ce < 0 || count_correct (graph, ce, out[ce], &batch_correct, error)) &&
               fathom_graph_backward (graph, error) &&
               fathom_optimizer_step (optimizer, graph, error);
          /* say where a failure happened (a full GPU, a bad file): the
           * non-finite loss names it already */
          if (!ok && error != NULL && *error != NULL &&
              !g_error_matches (*error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_NOT_FINITE))
            g_prefix_error (error, "Training stopped at epoch %u, batch %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                            " (the last checkpoint is the last good state): ", epoch + 1, bi + 1, n_batches);
          if (ok)
            {
              FathomTrainProgress p = { 0 };
              double seconds = (g_get_monotonic_time () - t0) / 1e6;
              double per[16];
              gint64 batch_rows = ce >= 0 ? (gint64) (fathom_tensor_get_numel (out[ce]) /
                                                      (gsize) fathom_tensor_get_dim (out[ce], -1)) : 0;

              step++;
              epoch_loss += (double) weighted * count;
              for (guint i = 0; i < n_out; i++)
                {
                  epoch_per[i] += (double) losses[i] * count;
                  per[i] = losses[i];
                }
              epoch_items += count;
              correct += batch_correct;
              rows += batch_rows;
              p.phase = "train";
              p.epoch = epoch;
              p.n_epochs = config->first_epoch + config->epochs;
              p.batch = bi;
              p.n_batches = n_batches;
              p.step = step;
              p.loss = weighted;
              p.n_outputs = n_out;
              p.output_losses = losses;
              p.accuracy = batch_rows ? (double) batch_correct / batch_rows : NAN;
              p.seconds = seconds;
              p.items_per_second = seconds > 0 ? (double) ((e - first) * train->n_items + start + count) / seconds : 0;
              {
                gint64 done_here = (gint64) (e - first) * n_batches + bi + 1;
                p.eta_seconds = seconds / done_here * (total_batches - ((gint64) e * n_batches + bi + 1));
              }
              if (run != NULL)
                log_row (run, n_columns, step, epoch + 1, "train", weighted, n_out, per,
                         p.accuracy, ce >= 0, seconds);
              if (progress != NULL)
                progress (&p, user_data);
            }
          views_clear (in, out);
        }
      if (!ok)
        break;

      /* end of epoch: means, validation, checkpoint, files */
      {
        FathomTrainProgress p = { 0 };
        double seconds, per[16];
        float epoch_losses[16];   /* what p.output_losses points to */

        res.train_loss = epoch_loss / MAX (epoch_items, 1);
        res.train_accuracy = rows ? (double) correct / rows : NAN;
        for (guint i = 0; i < n_out; i++)
          per[i] = epoch_per[i] / MAX (epoch_items, 1);
        seconds = (g_get_monotonic_time () - t0) / 1e6;
        if (run != NULL)
          log_row (run, n_columns, step, epoch + 1, "train_epoch", res.train_loss, n_out, per,
                   res.train_accuracy, ce >= 0, seconds);
        if (valid != NULL && valid->n_items > 0)
          {
            if (!fathom_trainer_evaluate (graph, valid, config->batch_size, NULL, NULL,
                                          &res.val_loss, per, &res.val_accuracy, error))
              {
                g_prefix_error (error, "Validation after epoch %u failed (the last checkpoint is the last "
                                "good state): ", epoch + 1);
                ok = FALSE;
                break;
              }
            seconds = (g_get_monotonic_time () - t0) / 1e6;
            if (run != NULL)
              log_row (run, n_columns, step, epoch + 1, "valid", res.val_loss, n_out, per,
                       res.val_accuracy, ce >= 0, seconds);
            p.phase = "valid";
            p.loss = res.val_loss;
            p.accuracy = res.val_accuracy;
          }
        else
          {
            p.phase = "train";
            p.loss = res.train_loss;
            p.accuracy = res.train_accuracy;
          }
        /* the epoch's per-output means: validation when there is one */
        for (guint i = 0; i < n_out; i++)
          epoch_losses[i] = (float) per[i];
        p.output_losses = epoch_losses;
        res.epochs_done = e + 1;
        res.steps = step;
        if (isfinite (res.val_loss))
          {
            if (res.val_loss < best_val - config->min_delta)
              {
                best_val = res.val_loss;
                res.best_epoch = epoch + 1;
                since_best = 0;
              }
            else
              since_best++;
          }
        if (run != NULL)
          {
            if (config->checkpoint_every > 0 && (e + 1) % config->checkpoint_every == 0 &&
                !save_checkpoint (graph, optimizer, run, config->checkpoint_metadata, epoch, step, rng, error))
              {
                ok = FALSE;
                break;
              }
            if (!fathom_run_save (run, error))
              {
                ok = FALSE;
                break;
              }
          }
        p.epoch = epoch;
        p.n_epochs = config->first_epoch + config->epochs;
        p.batch = n_batches - 1;
        p.n_batches = n_batches;
        p.step = step;
        p.n_outputs = n_out;
        p.seconds = seconds;
        p.epoch_end = TRUE;
        if (progress != NULL)
          progress (&p, user_data);
        if (config->patience > 0 && since_best >= config->patience)
          {
            res.stopped_early = TRUE;
            break;
          }
      }
    }
  batch_clear (&b);

  if (result != NULL)
    *result = res;
  if (run != NULL)
    {
      g_autoptr(GError) save_error = NULL;

      if (ok && res.stopped_early)
        {
          g_autofree char *why = g_strdup_printf ("Stopped early after epoch %u: the validation loss last improved "
                                                  "at epoch %u (the model is epoch %u's, the last)",
                                                  res.epochs_done, res.best_epoch, res.epochs_done);
          fathom_run_set_status (run, "finished", why);
        }
      else if (ok)
        fathom_run_set_status (run, "finished", NULL);
      else if (error != NULL && *error != NULL && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fathom_run_set_status (run, "stopped", "Stopped by the user");
      else
        fathom_run_set_status (run, "failed", error != NULL && *error != NULL ? (*error)->message : NULL);
      fathom_run_set_final (run, "train_loss", res.train_loss);
      fathom_run_set_final (run, "train_accuracy", res.train_accuracy);
      fathom_run_set_final (run, "val_loss", res.val_loss);
      fathom_run_set_final (run, "val_accuracy", res.val_accuracy);
      if (!fathom_run_save (run, ok ? error : &save_error))
        return FALSE;
    }
  return ok;
}

/* ---- a source over whole tensors ------------------------------------------ */

struct _FathomTensorSource
{
  guint         n_inputs, n_targets;
  FathomTensor *inputs[16];
  FathomTensor *targets[16];
};

static gboolean
copy_rows (FathomTensor *all, const gint64 *items, gint64 count, FathomTensor *dst)
{
  gsize row = fathom_tensor_get_numel (all) / (gsize) MAX (fathom_tensor_get_dim (all, 0), 1);
  const float *src = fathom_tensor_get_const_data (all);
  float *d = fathom_tensor_get_data (dst);

  g_return_val_if_fail (fathom_tensor_get_numel (dst) == row * (gsize) count, FALSE);
  for (gint64 i = 0; i < count; i++)
    memcpy (d + i * row, src + items[i] * row, row * sizeof (float));
  return TRUE;
}

static gboolean
tensor_source_fill (gpointer data, const gint64 *items, gint64 count,
                    FathomTensor *const *inputs, FathomTensor *const *targets, GError **error)
{
  FathomTensorSource *self = data;

  for (guint i = 0; i < self->n_inputs; i++)
    if (!copy_rows (self->inputs[i], items, count, inputs[i]))
      goto mismatch;
  for (guint i = 0; i < self->n_targets; i++)
    if (targets[i] != NULL && self->targets[i] != NULL &&
        !copy_rows (self->targets[i], items, count, targets[i]))
      goto mismatch;
  return TRUE;

mismatch:
  g_set_error_literal (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                       "The data's row size does not match the model's input or output");
  return FALSE;
}

FathomTensorSource *
fathom_tensor_source_new (guint n_inputs, FathomTensor *const *inputs,
                          guint n_targets, FathomTensor *const *targets)
{
  FathomTensorSource *self = g_new0 (FathomTensorSource, 1);

  g_return_val_if_fail (n_inputs >= 1 && n_inputs <= 16 && n_targets <= 16, NULL);
  self->n_inputs = n_inputs;
  self->n_targets = n_targets;
  for (guint i = 0; i < n_inputs; i++)
    self->inputs[i] = fathom_tensor_ref (inputs[i]);
  for (guint i = 0; i < n_targets; i++)
    self->targets[i] = targets[i] ? fathom_tensor_ref (targets[i]) : NULL;
  return self;
}

void
fathom_tensor_source_free (FathomTensorSource *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < 16; i++)
    {
      g_clear_pointer (&self->inputs[i], fathom_tensor_unref);
      g_clear_pointer (&self->targets[i], fathom_tensor_unref);
    }
  g_free (self);
}

FathomBatchSource
fathom_tensor_source_get (FathomTensorSource *self)
{
  return (FathomBatchSource) { fathom_tensor_get_dim (self->inputs[0], 0), tensor_source_fill, self };
}
