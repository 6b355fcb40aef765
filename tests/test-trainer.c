/* test-trainer.c: the training loop, run folders, metrics. */
#include "fathom-test-util.h"
#include "fathom-checkpoint.h"
#include "fathom-graph.h"
#include "fathom-metrics.h"
#include "fathom-optimizer.h"
#include "fathom-run.h"
#include "fathom-trainer.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct {
  FathomTensor *x, *t;          /* [N, 2], [N, 3] */
} Data;

static Data
make_data (gint64 n, guint64 seed)
{
  Data d;

  fathom_test_blobs (n, seed, &d.x, &d.t);
  return d;
}

static void
data_clear (Data *d)
{
  fathom_tensor_unref (d->x);
  fathom_tensor_unref (d->t);
}

static FathomGraph *
make_model (FathomBackend *backend)
{
  return fathom_test_mlp (backend, 2, 12, 3, 2);
}

/* DIR/run under a new temporary DIR: the run folder itself must not exist
 * yet. remove_run_dir() takes both away. */
static char *
temp_run_dir (void)
{
  g_autofree char *base = g_dir_make_tmp ("fathom-run-XXXXXX", NULL);
  return g_build_filename (base, "run", NULL);
}

static void
remove_run_dir (const char *dir)
{
  g_autofree char *base = g_path_get_dirname (dir);

  fathom_test_remove_tree (base);
}

typedef struct {
  guint batches, epoch_ends;
  double last_accuracy;
  GCancellable *cancel_after;
  guint cancel_at;
} Seen;

static void
on_progress (const FathomTrainProgress *p, gpointer user_data)
{
  Seen *seen = user_data;

  if (p->epoch_end)
    {
      seen->epoch_ends++;
      seen->last_accuracy = p->accuracy;
      /* one output of weight 1: its loss is the epoch's (validation) loss */
      g_assert_cmpuint (p->n_outputs, ==, 1);
      g_assert_nonnull (p->output_losses);
      g_assert_cmpfloat_with_epsilon (p->output_losses[0], p->loss, 1e-4 * MAX (1.0, fabs (p->loss)));
      return;
    }
  seen->batches++;
  g_assert_true (isfinite (p->loss));
  g_assert_cmpint (p->batch, <, p->n_batches);
  if (seen->cancel_after != NULL && seen->batches == seen->cancel_at)
    g_cancellable_cancel (seen->cancel_after);
}

static void
test_fit_writes_run (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = make_model (backend);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
  Data train = make_data (300, 1), valid = make_data (100, 2);
  g_autoptr(FathomTensorSource) ts = fathom_tensor_source_new (1, &train.x, 1, &train.t);
  g_autoptr(FathomTensorSource) vs = fathom_tensor_source_new (1, &valid.x, 1, &valid.t);
  FathomBatchSource tsrc = fathom_tensor_source_get (ts), vsrc = fathom_tensor_source_get (vs);
  g_autofree char *dir = temp_run_dir ();
  g_autoptr(FathomRun) run = NULL;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ckpt = NULL;
  FathomTrainConfig cfg;
  FathomTrainResult res;
  Seen seen = { 0 };
  guint train_rows = 0, valid_rows = 0, epoch_rows = 0;

  fathom_train_config_init (&cfg);
  cfg.epochs = 4;
  cfg.batch_size = 32;          /* 300 items: 9 full batches and one of 12 */
  run = fathom_run_new (dir, "toy", FALSE, &error);
  g_assert_no_error (error);
  fathom_run_set_info (run, "device", "cpu");
  fathom_run_set_config_int (run, "epochs", cfg.epochs);
  g_assert_true (fathom_trainer_fit (g, opt, &cfg, &tsrc, &vsrc, run, on_progress, &seen, NULL, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.batches, ==, 40);
  g_assert_cmpuint (seen.epoch_ends, ==, 4);
  g_assert_cmpfloat (res.val_accuracy, >=, 0.95);
  g_assert_cmpfloat (res.val_loss, <, 0.3);

  /* the run folder reads back with the same numbers */
  info = fathom_run_info_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_experiment (info), ==, "toy");
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "finished");
  g_assert_cmpfloat (fabs (fathom_run_info_get_final (info, "val_accuracy") - res.val_accuracy), <, 1e-9);
  g_assert_cmpuint (fathom_run_info_get_n_columns (info), ==, 3);   /* loss, accuracy, wall_s */
  g_assert_cmpstr (fathom_run_info_get_column (info, 0), ==, "loss");
  for (guint i = 0; i < fathom_run_info_get_n_rows (info); i++)
    {
      const char *phase;
      fathom_run_info_get_row (info, i, NULL, NULL, &phase);
      train_rows += g_str_equal (phase, "train");
      epoch_rows += g_str_equal (phase, "train_epoch");
      valid_rows += g_str_equal (phase, "valid");
    }
  g_assert_cmpuint (train_rows, ==, 40);
  g_assert_cmpuint (epoch_rows, ==, 4);
  g_assert_cmpuint (valid_rows, ==, 4);

  /* each epoch's checkpoint loads; the last equals the model */
  for (int e = 1; e <= 4; e++)
    {
      g_autofree char *name = g_strdup_printf ("checkpoints/epoch-%03d.safetensors", e);
      g_free (ckpt);
      ckpt = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_test (ckpt, G_FILE_TEST_EXISTS));
    }
  {
    g_autoptr(FathomGraph) fresh = make_model (backend);
    double acc;
    g_assert_true (fathom_checkpoint_load (fresh, ckpt, FALSE, &error));
    g_assert_true (fathom_trainer_evaluate (fresh, &vsrc, 64, NULL, NULL, NULL, NULL, &acc, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (acc, ==, res.val_accuracy);
  }

  /* the folder is not reused by accident */
  g_assert_null (fathom_run_new (dir, "toy", FALSE, &error));
  g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_EXISTS);
  g_clear_error (&error);
  /* a finished run has nothing to resume, and is left as it was */
  {
    g_autofree char *json = g_build_filename (dir, "run.json", NULL);
    g_autofree char *before = NULL, *after = NULL;

    g_assert_true (g_file_get_contents (json, &before, NULL, NULL));
    g_assert_null (fathom_run_resume (dir, &error));
    g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_EXISTS);
    g_assert_nonnull (strstr (error->message, "has finished"));
    g_clear_error (&error);
    g_assert_true (g_file_get_contents (json, &after, NULL, NULL));
    g_assert_cmpstr (after, ==, before);
  }
  /* replacing it removes what it wrote, and only that: no epoch of the
   * old run is left to resume from */
  {
    const char *gone[] = { "run.json", "metrics.csv", "heatmaps.safetensors", "checkpoints/epoch-004.safetensors",
                           "renders/photo.png" };
    const char *kept[] = { "notes.txt", "checkpoints/notes.txt", "renders/photo.txt" };
    g_autoptr(FathomRun) again = NULL;
    guint last = 0;

    for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
      {
        g_autofree char *path = g_build_filename (dir, kept[i], NULL);
        g_assert_true (g_file_set_contents (path, "mine", -1, NULL));
      }
    for (guint i = 2; i < G_N_ELEMENTS (gone); i++)
      {
        g_autofree char *path = g_build_filename (dir, gone[i], NULL);
        if (!g_file_test (path, G_FILE_TEST_EXISTS))
          g_assert_true (g_file_set_contents (path, "old", -1, NULL));
      }
    again = fathom_run_new (dir, "toy", TRUE, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < G_N_ELEMENTS (gone); i++)
      {
        g_autofree char *path = g_build_filename (dir, gone[i], NULL);
        g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      }
    for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
      {
        g_autofree char *path = g_build_filename (dir, kept[i], NULL);
        g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
        g_unlink (path);
      }
    g_assert_null (fathom_run_find_last_checkpoint (dir, &last));
  }

  data_clear (&train);
  data_clear (&valid);
  remove_run_dir (dir);
}

static void
test_stop_keeps_valid_run (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = make_model (backend);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
  Data train = make_data (256, 3);
  g_autoptr(FathomTensorSource) ts = fathom_tensor_source_new (1, &train.x, 1, &train.t);
  FathomBatchSource tsrc = fathom_tensor_source_get (ts);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *dir = temp_run_dir ();
  g_autoptr(FathomRun) run = fathom_run_new (dir, "toy", FALSE, NULL);
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  FathomTrainConfig cfg;
  FathomTrainResult res;
  Seen seen = { .cancel_after = cancellable, .cancel_at = 11 };

  fathom_train_config_init (&cfg);
  cfg.epochs = 5;
  cfg.batch_size = 32;          /* 8 batches an epoch: the stop lands in epoch 2 */
  g_assert_false (fathom_trainer_fit (g, opt, &cfg, &tsrc, NULL, run, on_progress, &seen, cancellable, &res, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* the batch that saw the stop finished; nothing after it ran */
  g_assert_cmpuint (seen.batches, ==, 11);
  g_assert_cmpint (res.steps, ==, 8);           /* counted at the last completed epoch */
  g_assert_cmpuint (res.epochs_done, ==, 1);
  g_clear_error (&error);

  info = fathom_run_info_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "stopped");
  g_assert_cmpuint (fathom_run_info_get_n_rows (info), ==, 11 + 1);   /* 11 batches, 1 epoch row */
  data_clear (&train);
  remove_run_dir (dir);
}

/* A source that poisons one batch with NaN. */
typedef struct {
  FathomTensorSource *inner;
  guint calls, poison_call;
} Poison;

static gboolean
poison_fill (gpointer data, const gint64 *items, gint64 count,
             FathomTensor *const *inputs, FathomTensor *const *targets, GError **error)
{
  Poison *p = data;
  FathomBatchSource inner = fathom_tensor_source_get (p->inner);

  if (!inner.fill (inner.data, items, count, inputs, targets, error))
    return FALSE;
  if (++p->calls == p->poison_call)
    fathom_tensor_get_data (inputs[0])[0] = NAN;
  return TRUE;
}

static void
test_nan_stops_run (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = make_model (backend);
  g_autoptr(FathomGraph) reloaded = make_model (backend);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_sgd (0.05f, 0.f, FALSE);
  Data train = make_data (128, 4);
  Poison poison = { fathom_tensor_source_new (1, &train.x, 1, &train.t), 0, 4 + 3 };
  FathomBatchSource src = { 128, poison_fill, &poison };
  g_autofree char *dir = temp_run_dir ();
  g_autofree char *ckpt = g_build_filename (dir, "checkpoints", "epoch-001.safetensors", NULL);
  g_autoptr(FathomRun) run = fathom_run_new (dir, "toy", FALSE, NULL);
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  FathomTrainConfig cfg;
  GPtrArray *params;

  fathom_train_config_init (&cfg);
  cfg.epochs = 3;
  cfg.batch_size = 32;          /* 4 batches an epoch: call 7 is epoch 2, batch 3 */
  cfg.shuffle = FALSE;
  g_assert_false (fathom_trainer_fit (g, opt, &cfg, &src, NULL, run, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_NOT_FINITE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "epoch 2, batch 3"));
  g_clear_error (&error);

  info = fathom_run_info_load (dir, &error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "failed");
  /* the model still holds finite values, and the epoch-1 checkpoint loads */
  params = fathom_graph_get_params (g);
  for (guint i = 0; i < params->len; i++)
    {
      FathomParam *p = ((FathomGraphParam *) g_ptr_array_index (params, i))->param;
      for (gsize j = 0; j < fathom_tensor_get_numel (p->value); j++)
        g_assert_true (isfinite (fathom_tensor_get_data (p->value)[j]));
    }
  g_assert_true (fathom_checkpoint_load (reloaded, ckpt, FALSE, &error));
  g_assert_no_error (error);
  fathom_tensor_source_free (poison.inner);
  data_clear (&train);
  remove_run_dir (dir);
}

/* A source whose fill fails on one call, as a photo that cannot be read
 * or a full GPU would. */
static gboolean
failing_fill (gpointer data, const gint64 *items, gint64 count,
              FathomTensor *const *inputs, FathomTensor *const *targets, GError **error)
{
  Poison *p = data;
  FathomBatchSource inner = fathom_tensor_source_get (p->inner);

  if (++p->calls == p->poison_call)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "the device is full");
      return FALSE;
    }
  return inner.fill (inner.data, items, count, inputs, targets, error);
}

/* Any failure stops the fit saying where, keeps its own error code, and
 * leaves the run failed with the last checkpoint: in a training batch,
 * and in the validation after an epoch. */
static void
test_failure_names_where (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  Data train = make_data (128, 4), valid = make_data (40, 5);
  g_autoptr(FathomTensorSource) vs = fathom_tensor_source_new (1, &valid.x, 1, &valid.t);
  g_autoptr(FathomTensorSource) ts = fathom_tensor_source_new (1, &train.x, 1, &train.t);
  FathomTrainConfig cfg;

  fathom_train_config_init (&cfg);
  cfg.epochs = 3;
  cfg.batch_size = 32;          /* 4 training batches an epoch, 2 validation batches */
  for (guint where = 0; where < 2; where++)
    {
      g_autoptr(FathomGraph) g = make_model (backend);
      g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
      g_autofree char *dir = temp_run_dir ();
      g_autoptr(FathomRun) run = fathom_run_new (dir, "toy", FALSE, NULL);
      g_autoptr(FathomRunInfo) info = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *last = NULL;
      guint last_epoch = 0;
      /* call 7: epoch 2's third training batch; or the validation's
       * call 3: the first batch after epoch 2 */
      Poison fail = { where == 0 ? ts : vs, 0, where == 0 ? 7 : 3 };
      FathomBatchSource tsrc = fathom_tensor_source_get (ts), vsrc = fathom_tensor_source_get (vs);

      if (where == 0)
        tsrc = (FathomBatchSource) { 128, failing_fill, &fail };
      else
        vsrc = (FathomBatchSource) { 40, failing_fill, &fail };
      g_assert_false (fathom_trainer_fit (g, opt, &cfg, &tsrc, &vsrc, run, NULL, NULL, NULL, NULL, &error));
      g_test_message ("%s", error->message);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
      g_assert_nonnull (strstr (error->message, where == 0 ? "Training stopped at epoch 2, batch 3 of 4"
                                                           : "Validation after epoch 2 failed"));
      g_assert_true (g_str_has_suffix (error->message, ": the device is full"));
      g_clear_error (&error);
      g_clear_pointer (&run, fathom_run_free);
      info = fathom_run_info_load (dir, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (fathom_run_info_get_status (info), ==, "failed");
      last = fathom_run_find_last_checkpoint (dir, &last_epoch);
      g_assert_nonnull (last);
      g_assert_cmpuint (last_epoch, ==, 1);
      remove_run_dir (dir);
    }
  data_clear (&train);
  data_clear (&valid);
}

static void
test_lr_schedule (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = make_model (backend);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (0.01f);
  Data train = make_data (128, 5);
  g_autoptr(FathomTensorSource) ts = fathom_tensor_source_new (1, &train.x, 1, &train.t);
  FathomBatchSource tsrc = fathom_tensor_source_get (ts);
  g_autoptr(GError) error = NULL;
  FathomTrainConfig cfg;
  FathomParam *kernel = fathom_layer_find_param (fathom_graph_find_layer (g, "dense_1"), "kernel");
  g_autoptr(FathomTensor) after_first = fathom_tensor_new_like (kernel->value);

  fathom_train_config_init (&cfg);
  cfg.epochs = 1;
  g_assert_true (fathom_trainer_fit (g, opt, &cfg, &tsrc, NULL, NULL, NULL, NULL, NULL, NULL, &error));
  fathom_tensor_copy_from (after_first, kernel->value);
  /* epochs 2 and 3 with the rate dropped to 0 from epoch 2 on: frozen */
  cfg.epochs = 2;
  cfg.first_epoch = 1;
  cfg.n_lr_changes = 1;
  cfg.lr_epoch[0] = 1;
  cfg.lr[0] = 0.f;
  g_assert_true (fathom_trainer_fit (g, opt, &cfg, &tsrc, NULL, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fathom_tensor_max_abs_diff (after_first, kernel->value), ==, 0.f);
  g_assert_cmpfloat (fathom_optimizer_get_lr (opt), ==, 0.f);
  data_clear (&train);
}

/* A model with the state a resume must restore: dropout masks, batch
 * normalisation's running values, Adam's moments. */
static FathomGraph *
make_stateful_model (FathomBackend *backend, guint64 seed)
{
  FathomGraph *g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (2);
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  int x = fathom_graph_add_input (g, "x", &in);
  g_autoptr(GError) error = NULL;

  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (16, FATHOM_ACTIVATION_RELU, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_batch_norm_layer_new (&bn), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dropout_layer_new (0.3f), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (3, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
  g_assert_true (fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, &error));
  g_assert_true (fathom_graph_build (g, backend, seed, &error));
  return g;
}

static void
on_epoch_cancel (const FathomTrainProgress *p, gpointer user_data)
{
  if (p->epoch_end && p->epoch == 1)
    g_cancellable_cancel (user_data);
}

static void
test_resume_matches_uninterrupted (void)
{
  g_autoptr(FathomBackend) backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  Data train = make_data (200, 6), valid = make_data (80, 7);
  g_autoptr(FathomTensorSource) ts = fathom_tensor_source_new (1, &train.x, 1, &train.t);
  g_autoptr(FathomTensorSource) vs = fathom_tensor_source_new (1, &valid.x, 1, &valid.t);
  FathomBatchSource tsrc = fathom_tensor_source_get (ts), vsrc = fathom_tensor_source_get (vs);
  g_autofree char *dir_a = temp_run_dir (), *dir_b = temp_run_dir ();
  g_autofree char *ckpt = g_build_filename (dir_b, "checkpoints", "epoch-002.safetensors", NULL);
  g_autofree char *started_b = NULL;
  g_autoptr(GError) error = NULL;
  FathomTrainConfig cfg;
  FathomTrainResult whole, resumed;
  double seconds_b;
  guint rows_b;
  g_autoptr(FathomGraph) ga = make_stateful_model (backend, 8);
  g_autoptr(FathomGraph) gb = make_stateful_model (backend, 8);
  g_autoptr(FathomGraph) gc = make_stateful_model (backend, 99);   /* other init: overwritten */
  g_autoptr(FathomOptimizer) oa = fathom_optimizer_new_adam (0.01f);
  g_autoptr(FathomOptimizer) ob = fathom_optimizer_new_adam (0.01f);
  g_autoptr(FathomOptimizer) oc = fathom_optimizer_new_adam (0.01f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(FathomRunInfo) info_a = NULL, info_c = NULL;
  GPtrArray *pa, *pc;

  fathom_train_config_init (&cfg);
  cfg.epochs = 4;
  cfg.batch_size = 32;
  cfg.seed = 5;
  cfg.n_lr_changes = 1;         /* the schedule must survive the resume too */
  cfg.lr_epoch[0] = 3;
  cfg.lr[0] = 0.002f;
  {
    g_autoptr(FathomRun) run = fathom_run_new (dir_a, "toy", FALSE, &error);
    g_assert_true (fathom_trainer_fit (ga, oa, &cfg, &tsrc, &vsrc, run, NULL, NULL, NULL, &whole, &error));
    g_assert_no_error (error);
  }
  /* the same run, stopped after epoch 2 ... */
  {
    g_autoptr(FathomRun) run = fathom_run_new (dir_b, "toy", FALSE, &error);
    g_assert_false (fathom_trainer_fit (gb, ob, &cfg, &tsrc, &vsrc, run, on_epoch_cancel, cancellable,
                                        cancellable, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
  }
  /* ... and resumed in a fresh model and optimiser from its checkpoint */
  {
    g_autoptr(FathomRunInfo) stopped = fathom_run_info_load (dir_b, &error);
    JsonObject *timings = json_object_get_object_member (fathom_run_info_get_json (stopped), "timings");

    started_b = g_strdup (json_object_get_string_member (timings, "started"));
    seconds_b = json_object_get_double_member (timings, "seconds");
    rows_b = fathom_run_info_get_n_rows (stopped);
  }
  {
    g_autoptr(FathomRun) run = fathom_run_resume (dir_b, &error);
    g_assert_no_error (error);
    cfg.resume_from = ckpt;
    g_assert_true (fathom_trainer_fit (gc, oc, &cfg, &tsrc, &vsrc, run, NULL, NULL, NULL, &resumed, &error));
    g_assert_no_error (error);
  }
  g_test_message ("uninterrupted val loss %.9g, resumed %.9g", whole.val_loss, resumed.val_loss);
  g_assert_cmpfloat (resumed.val_loss, ==, whole.val_loss);
  g_assert_cmpfloat (resumed.val_accuracy, ==, whole.val_accuracy);
  g_assert_cmpfloat (resumed.train_loss, ==, whole.train_loss);
  g_assert_cmpint (resumed.steps, ==, whole.steps);
  pa = fathom_graph_get_params (ga);
  pc = fathom_graph_get_params (gc);
  for (guint i = 0; i < pa->len; i++)
    g_assert_cmpfloat (fathom_tensor_max_abs_diff (((FathomGraphParam *) g_ptr_array_index (pa, i))->param->value,
                                                   ((FathomGraphParam *) g_ptr_array_index (pc, i))->param->value), ==, 0.f);

  /* the resumed folder reads like the uninterrupted one */
  info_a = fathom_run_info_load (dir_a, &error);
  info_c = fathom_run_info_load (dir_b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info_c), ==, "finished");
  g_assert_cmpuint (fathom_run_info_get_n_rows (info_c), ==, fathom_run_info_get_n_rows (info_a));
  /* its first start, its sessions' seconds added, and wall_s running on */
  {
    JsonObject *timings = json_object_get_object_member (fathom_run_info_get_json (info_c), "timings");
    guint wall = fathom_run_info_get_n_columns (info_c) - 1;
    double last = 0;

    g_assert_cmpstr (fathom_run_info_get_column (info_c, wall), ==, "wall_s");
    g_assert_cmpstr (json_object_get_string_member (timings, "started"), ==, started_b);
    g_assert_cmpfloat (json_object_get_double_member (timings, "seconds"), >=, seconds_b);
    g_assert_cmpuint (rows_b, >, 0);
    for (guint i = 0; i < fathom_run_info_get_n_rows (info_c); i++)
      {
        double w = fathom_run_info_get_row (info_c, i, NULL, NULL, NULL)[wall];

        g_assert_cmpfloat (w, >=, last);
        last = w;
      }
  }
  g_assert_cmpfloat (fathom_run_info_get_final (info_c, "val_loss"), ==, fathom_run_info_get_final (info_a, "val_loss"));
  data_clear (&train);
  data_clear (&valid);
  remove_run_dir (dir_a);
  remove_run_dir (dir_b);
}

static void
test_metrics (void)
{
  const float probs[] = { 0.7f, 0.2f, 0.1f,   0.1f, 0.3f, 0.6f };
  const float targets[] = { 1, 0, 0,   0, 1, 0 };
  const float a[4] = { 10, 20, 0, 0 }, b[4] = { 10, 20, 10, 0 };   /* [h, w, x, y] */
  const float empty[4] = { 0, 0, 0, 0 };
  const int labels[] = { 0, 1, 1, 2, 1 };

  g_assert_cmpfloat (fathom_metric_accuracy (probs, targets, 2, 3), ==, 0.5);
  /* -(log .7 + log .3) / 2 */
  g_assert_cmpfloat (fabs (fathom_metric_log_loss (probs, targets, 2, 3, 1e-15) - 0.7803238), <, 1e-6);
  /* clipping bounds a confident mistake */
  {
    const float sure[] = { 0.f, 1.f };
    const float truth[] = { 1.f, 0.f };
    g_assert_cmpfloat (fabs (fathom_metric_log_loss (sure, truth, 1, 2, 1e-15) - 34.538776), <, 1e-4);
  }
  /* boxes 20 wide overlapping by 10: 10*10 / (200 + 200 - 100) */
  g_assert_cmpfloat (fabs (fathom_metric_iou_hwxy (a, b) - 1.0 / 3.0), <, 1e-12);
  g_assert_cmpfloat (fathom_metric_iou_hwxy (a, a), ==, 1.0);
  g_assert_cmpfloat (fathom_metric_iou_hwxy (empty, empty), ==, 0.0);
  g_assert_cmpfloat (fathom_metric_class_share (labels, 5, 1), ==, 0.6);
  g_assert_cmpfloat (fathom_metric_class_share (labels, 5, 2), ==, 0.2);
  g_assert_true (isnan (fathom_metric_class_share (labels, 0, 1)));
}

/* Where class maps locate a fish. */
static void
test_map_metrics (void)
{
  const char *names[] = { "ALB", "NoF", "YFT" }, *plain[] = { "cat", "dog" };
  enum { H = 9, W = 32, K = 3 };   /* windows of 5x5 cells */
  float maps[K * H * W] = { 0 };
  gsize x, y;

  g_assert_cmpint (fathom_metric_map_reference (names, 3), ==, 1);
  g_assert_cmpint (fathom_metric_map_reference (plain, 2), ==, -1);

  /* ALB's map (class 0) is highest on a 3x3 patch of gear, where NoF's
   * is as high: the shared part. Its fish, lower, at rows 1-3 and
   * columns 1-3, where NoF's is zero. */
  for (int r = 5; r < 8; r++)
    for (int c = 8; c < 11; c++)
      maps[0 * H * W + r * W + c] = maps[1 * H * W + r * W + c] = 5.f;
  for (int r = 1; r < 4; r++)
    for (int c = 1; c < 4; c++)
      maps[0 * H * W + r * W + c] = 3.f;
  /* against NoF: the fish. The window at (1, 1) holds all of it among
   * 16 cells (27 / 16), the one at its middle (2, 2) among 25; the map's
   * own largest cell is on the gear */
  fathom_metric_map_locate (maps, K, H, W, 0, 1, &x, &y);
  g_assert_cmpuint (x, ==, 1);
  g_assert_cmpuint (y, ==, 1);
  /* against the mean of the three: 3 - 1 on the fish, 5 - 10/3 on the gear */
  fathom_metric_map_locate (maps, K, H, W, 0, -1, &x, &y);
  g_assert_cmpuint (x, ==, 1);
  g_assert_cmpuint (y, ==, 1);
  /* NoF's own map against the mean: the gear, (8, 7) the first of the
   * windows holding all 9 of its cells among 20 */
  fathom_metric_map_locate (maps, K, H, W, 1, 1, &x, &y);
  g_assert_cmpuint (x, ==, 8);
  g_assert_cmpuint (y, ==, 7);
  g_assert_cmpuint (fathom_argmax (maps, H * W), ==, 5 * W + 8);
  /* a single hot cell away from the edges: every window holding it ties
   * (1 / 25), the first in row order wins */
  memset (maps, 0, sizeof maps);
  maps[2 * H * W + 4 * W + 6] = 1.f;
  fathom_metric_map_locate (maps, K, H, W, 2, 1, &x, &y);
  g_assert_cmpuint (x, ==, 4);
  g_assert_cmpuint (y, ==, 2);
  /* a value every cell adds to every class changes nothing */
  for (int i = 0; i < H * W; i++)
    for (int k = 0; k < K; k++)
      maps[k * H * W + i] += (float) ((i * 7) % 5);
  fathom_metric_map_locate (maps, K, H, W, 2, 1, &x, &y);
  g_assert_cmpuint (x, ==, 4);
  g_assert_cmpuint (y, ==, 2);
}

/* run.json's dataset as a folder to open, from a folder that is neither
 * the run's nor the one the run was started in. */
static void
test_run_info_dataset_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("fathom-dataset-dir-XXXXXX", &error);
  g_autofree char *elsewhere = g_build_filename (tmp, "elsewhere", NULL);
  g_autofree char *data = g_build_filename (tmp, "work", "fish", NULL);
  g_autofree char *run_dir = g_build_filename (tmp, "work", "runs", "fcn-1", NULL);
  g_autofree char *old_cwd = g_get_current_dir ();
  struct { const char *dataset; const char *want; } cases[] = {
    /* as runs write it now */
    { data, data },
    /* as older runs kept --data fish, typed in tmp/work: found above the run */
    { "fish", data },
    { "./fish/", data },
    /* nowhere: against the current folder, where the photos will be missed
     * with a message naming the path */
    { "lost", NULL },
    { "", NULL },
  };

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (elsewhere, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (run_dir, 0700), ==, 0);
  g_assert_cmpint (g_chdir (elsewhere), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(FathomRunInfo) info = NULL;
      g_autofree char *json = NULL, *got = NULL, *lost = g_build_filename (elsewhere, "lost", NULL);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "experiment");
      json_builder_add_string_value (b, "fcn");
      json_builder_set_member_name (b, "dataset");
      json_builder_add_string_value (b, cases[i].dataset);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      json_generator_set_root (gen, node);
      json = json_generator_to_data (gen, NULL);
      info = fathom_run_info_parse (json, -1, NULL, 0, &error);
      g_assert_no_error (error);
      got = fathom_run_info_dup_dataset_dir (info, run_dir);
      if (cases[i].want != NULL)
        g_assert_cmpstr (got, ==, cases[i].want);
      else if (*cases[i].dataset != '\0')
        g_assert_cmpstr (got, ==, lost);
      else
        g_assert_null (got);
    }
  g_assert_cmpint (g_chdir (old_cwd), ==, 0);
  g_assert_cmpint (g_rmdir (run_dir), ==, 0);
  g_assert_cmpint (g_rmdir (data), ==, 0);
  g_assert_cmpint (g_rmdir (elsewhere), ==, 0);
  {
    g_autofree char *runs = g_build_filename (tmp, "work", "runs", NULL);
    g_autofree char *work = g_build_filename (tmp, "work", NULL);

    g_assert_cmpint (g_rmdir (runs), ==, 0);
    g_assert_cmpint (g_rmdir (work), ==, 0);
  }
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

static void
test_run_info_rejects (void)
{
  const char *good_json = "{\"experiment\": \"toy\", \"final\": {\"val_accuracy\": 0.5}}";
  struct { const char *json, *csv, *needle; } cases[] = {
    { "{", NULL, "run.json" },
    { "[1, 2]", NULL, "not an object" },
    { "{\"final\": {}}", NULL, "experiment" },
    { "{\"experiment\": \"x\", \"final\": 3}", NULL, "final" },
    { good_json, "", "no header" },
    { good_json, "a,b,c\n", "header" },
    { good_json, "step,epoch,phase,loss,wall_s\n1,1,train,0.5\n", "metrics.csv:2" },
    { good_json, "step,epoch,phase,loss,wall_s\n1,1,train,abc,2\n", "not a number" },
    { good_json, "step,epoch,phase,loss,wall_s\n-4,1,train,1,2\n", "non-negative" },
    { good_json, "step,epoch,phase,loss,wall_s\n1,1,train,\xff,2\n", "UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(FathomRunInfo) info = fathom_run_info_parse (cases[i].json, -1, cases[i].csv, -1, &error);

      g_assert_null (info);
      g_assert_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: “%s” does not mention “%s”", i, error->message, cases[i].needle);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(FathomRunInfo) info = fathom_run_info_parse (good_json, -1,
                                                           "step,epoch,phase,loss,wall_s\n3,1,valid,,0.25\n", -1, &error);
    const char *phase;
    gint64 step;
    const double *row;

    g_assert_no_error (error);
    row = fathom_run_info_get_row (info, 0, &step, NULL, &phase);
    g_assert_cmpint (step, ==, 3);
    g_assert_cmpstr (phase, ==, "valid");
    g_assert_true (isnan (row[0]));
    g_assert_cmpfloat (row[1], ==, 0.25);
    g_assert_cmpfloat (fathom_run_info_get_final (info, "val_accuracy"), ==, 0.5);
    g_assert_true (isnan (fathom_run_info_get_final (info, "missing")));
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trainer/fit-writes-run", test_fit_writes_run);
  g_test_add_func ("/trainer/stop-keeps-valid-run", test_stop_keeps_valid_run);
  g_test_add_func ("/trainer/nan-stops-run", test_nan_stops_run);
  g_test_add_func ("/trainer/failure-names-where", test_failure_names_where);
  g_test_add_func ("/trainer/lr-schedule", test_lr_schedule);
  g_test_add_func ("/trainer/resume-matches-uninterrupted", test_resume_matches_uninterrupted);
  g_test_add_func ("/trainer/metrics", test_metrics);
  g_test_add_func ("/trainer/map-metrics", test_map_metrics);
  g_test_add_func ("/trainer/run-info-rejects", test_run_info_rejects);
  g_test_add_func ("/trainer/run-info-dataset-dir", test_run_info_dataset_dir);
  return g_test_run ();
}
