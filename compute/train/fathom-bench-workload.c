/* fathom-bench-workload.c: the lesson's models as timed workloads. */
#include "fathom-bench-workload.h"

#include "fathom-backend-registry.h"

#include "fathom-heads.h"
#include "fathom-optimizer.h"
#include "fathom-resnet50.h"
#include "fathom-rng.h"
#include "fathom-text-experiment.h"
#include "fathom-train-step.h"
#include "fathom-vgg16.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The lesson's character model: nietzsche.txt's 86 symbols, Embedding(86,
 * 42), GRU(256), Dense(86). */
#define GRU_VOCAB 86
#define GRU_EMBEDDING 42
#define GRU_HIDDEN 256
#define MAX_IO 4
/* The longest a warm-up waits for a step to be captured. */
#define MAX_GRAPH_WARMUP 256

typedef struct {
  const char *name;
  const char *description;
  guint       batch;
  const char *unit;
  gboolean    training;
} KindInfo;

static const KindInfo kinds[FATHOM_BENCH_N_KINDS] = {
  [FATHOM_BENCH_VGG16_FEATURES] = {
    "vgg16-features", "VGG16 conv trunk (13 convs, 5 pools) on 3x360x640 images, inference",
    32, "img/s", FALSE },
  [FATHOM_BENCH_FCN_STEP] = {
    "fcn-step", "FCN head F on 512x22x40 features, 8 classes: forward, loss, backward, Adam",
    64, "samples/s", TRUE },
  [FATHOM_BENCH_GRU_STEP] = {
    "gru-step", "char GRU (86 symbols, embedding 42, GRU 256) on 8-step sequences: one Adam step",
    64, "chars/s", TRUE },
  [FATHOM_BENCH_RESNET50_FEATURES] = {
    "resnet50-features", "ResNet50 trunk (torchvision variant, no pool or fc) on 3x224x224 images, inference",
    64, "img/s", FALSE },
};

const char *
fathom_bench_kind_to_string (FathomBenchKind kind)
{
  g_return_val_if_fail ((guint) kind < FATHOM_BENCH_N_KINDS, NULL);
  return kinds[kind].name;
}

gboolean
fathom_bench_kind_from_string (const char *name, FathomBenchKind *kind)
{
  for (guint i = 0; i < FATHOM_BENCH_N_KINDS; i++)
    if (g_strcmp0 (name, kinds[i].name) == 0)
      {
        *kind = (FathomBenchKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
fathom_bench_kind_describe (FathomBenchKind kind)
{
  g_return_val_if_fail ((guint) kind < FATHOM_BENCH_N_KINDS, NULL);
  return kinds[kind].description;
}

guint
fathom_bench_kind_default_batch (FathomBenchKind kind)
{
  g_return_val_if_fail ((guint) kind < FATHOM_BENCH_N_KINDS, 0);
  return kinds[kind].batch;
}

void
fathom_bench_options_init (FathomBenchOptions *options)
{
  *options = (FathomBenchOptions) { .seed = 2017 };
}

void
fathom_bench_result_clear (FathomBenchResult *result)
{
  g_clear_pointer (&result->input, g_free);
  g_clear_pointer (&result->graph_reason, g_free);
}

struct _FathomBenchWorkload
{
  FathomBenchKind  kind;
  guint            batch;
  double           loss;
  /* owned */
  FathomBackend   *backend;
  FathomGraph     *graph;
  FathomOptimizer *optimizer;   /* training kinds only */
  FathomTrainStep *step;        /* training kinds only */
  FathomTensor    *inputs[MAX_IO];
  FathomTensor    *targets[MAX_IO];
  /* inference kinds: the forward captured once, after an eager one at
   * these shapes, and launched from then on (forward_once) */
  gboolean            graphs;     /* fathom_bench_workload_set_graphs() */
  gboolean            warm;
  gboolean            graphed;    /* the last forward was a launch */
  FathomBackendGraph *exec;
  char               *graph_reason;
};

void
fathom_bench_workload_free (FathomBenchWorkload *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < MAX_IO; i++)
    {
      g_clear_pointer (&self->inputs[i], fathom_tensor_unref);
      g_clear_pointer (&self->targets[i], fathom_tensor_unref);
    }
  /* the captured forward holds the graph's tensors' addresses */
  g_clear_pointer (&self->exec, fathom_backend_graph_free);
  g_free (self->graph_reason);
  /* the step borrows the graph and the optimiser */
  g_clear_pointer (&self->step, fathom_train_step_free);
  g_clear_pointer (&self->optimizer, fathom_optimizer_free);
  g_clear_pointer (&self->graph, fathom_graph_free);
  g_clear_pointer (&self->backend, fathom_backend_unref);
  g_free (self);
}

static FathomGraph *
new_graph (FathomBenchKind kind, const FathomBenchOptions *o, GError **error)
{
  switch (kind)
    {
    case FATHOM_BENCH_VGG16_FEATURES:
      return fathom_vgg16_new (o->height > 0 ? o->height : 360, o->width > 0 ? o->width : 640, TRUE, error);
    case FATHOM_BENCH_RESNET50_FEATURES:
      return fathom_resnet50_new (o->height > 0 ? o->height : 224, o->width > 0 ? o->width : 224, NULL, error);
    case FATHOM_BENCH_FCN_STEP:
      {
        FathomHeadOptions head;

        fathom_head_options_init (&head, "fcn");
        if (o->height > 0)
          head.height = o->height;
        if (o->width > 0)
          head.width = o->width;
        return fathom_head_new ("fcn", &head, error);
      }
    case FATHOM_BENCH_GRU_STEP:
      return fathom_text_graph_new (FATHOM_TEXT_MODEL_GRU, GRU_VOCAB, FATHOM_TEXT_SEQ_LEN, GRU_HIDDEN,
                                    GRU_EMBEDDING, FATHOM_ACTIVATION_TANH, error);
    case FATHOM_BENCH_N_KINDS:
    default:
      g_return_val_if_reached (NULL);
    }
}

/* Host values for a [batch, ...shape] tensor: one-hot rows over the last
 * axis (characters, classes) or uniform in [-1, 1). */
static void
fill_host (FathomTensor *host, gboolean one_hot, FathomRng *rng)
{
  if (one_hot)
    {
      gint64 width = fathom_tensor_get_dim (host, fathom_tensor_get_ndim (host) - 1);
      gsize rows = fathom_tensor_get_numel (host) / (gsize) width;
      float *data = fathom_tensor_get_data (host);

      memset (data, 0, fathom_tensor_get_numel (host) * sizeof (float));
      for (gsize r = 0; r < rows; r++)
        data[r * (gsize) width + fathom_rng_below (rng, (guint64) width)] = 1.f;
    }
  else
    fathom_rng_fill_uniform (rng, host, -1.f, 1.f);
}

FathomTensor *
fathom_bench_batch_tensor_new (FathomBackend *backend, const FathomShape *shape, guint batch, gboolean one_hot,
                               FathomRng *rng, GError **error)
{
  gint64 full[FATHOM_MAX_DIMS];
  g_autoptr(FathomTensor) host = NULL;
  g_autoptr(FathomTensor) dev = NULL;

  g_return_val_if_fail (shape->ndim < FATHOM_MAX_DIMS, NULL);
  full[0] = batch;
  memcpy (full + 1, shape->d, shape->ndim * sizeof (gint64));
  host = fathom_tensor_new (shape->ndim + 1, full);
  fill_host (host, one_hot, rng);
  dev = fathom_backend_new_tensor (backend, shape->ndim + 1, full, error);
  if (dev == NULL || !fathom_backend_upload (backend, dev, fathom_tensor_get_const_data (host), error))
    return NULL;
  return g_steal_pointer (&dev);
}

FathomBenchWorkload *
fathom_bench_workload_new (FathomBenchKind kind, FathomBackend *backend, const FathomBenchOptions *options,
                           GError **error)
{
  g_autoptr(FathomBenchWorkload) self = NULL;
  g_autoptr(FathomRng) rng = NULL;
  FathomBenchOptions defaults;

  g_return_val_if_fail ((guint) kind < FATHOM_BENCH_N_KINDS, NULL);
  g_return_val_if_fail (backend != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (options == NULL)
    {
      fathom_bench_options_init (&defaults);
      options = &defaults;
    }

  self = g_new0 (FathomBenchWorkload, 1);
  self->kind = kind;
  self->batch = options->batch > 0 ? options->batch : kinds[kind].batch;
  self->loss = NAN;
  self->backend = fathom_backend_ref (backend);
  self->graph = new_graph (kind, options, error);
  if (self->graph == NULL ||
      !fathom_graph_build (self->graph, backend, options->seed, error))
    return NULL;
  g_return_val_if_fail (fathom_graph_get_n_inputs (self->graph) <= MAX_IO &&
                        fathom_graph_get_n_outputs (self->graph) <= MAX_IO, NULL);
  /* inference reads only the output, as feature extraction does: batch
   * norms fold into their convolutions (ResNet50's 53) */
  if (!kinds[kind].training)
    fathom_graph_set_fold_batch_norm (self->graph, TRUE);
  self->graphs = TRUE;

  /* Inputs: characters are one-hot rows (the embedding is a Dense on
   * them); images and features are uniform. Targets: one-hot classes or
   * next characters. */
  rng = fathom_rng_new (fathom_rng_mix64 (options->seed));
  for (guint i = 0; i < fathom_graph_get_n_inputs (self->graph); i++)
    if ((self->inputs[i] = fathom_bench_batch_tensor_new (backend, fathom_graph_get_input_shape (self->graph, i),
                                                          self->batch, kind == FATHOM_BENCH_GRU_STEP, rng,
                                                          error)) == NULL)
      return NULL;
  if (kinds[kind].training)
    {
      for (guint i = 0; i < fathom_graph_get_n_outputs (self->graph); i++)
        if (fathom_graph_get_output_loss (self->graph, i) != FATHOM_LOSS_NONE &&
            (self->targets[i] = fathom_bench_batch_tensor_new (backend,
                                                               fathom_graph_get_output_shape (self->graph, i),
                                                               self->batch, TRUE, rng, error)) == NULL)
          return NULL;
      self->optimizer = fathom_optimizer_new_adam (1e-3f);
      self->step = fathom_train_step_new (self->graph, self->optimizer);
    }
  if (!fathom_backend_synchronize (backend, error))
    return NULL;
  return g_steal_pointer (&self);
}

FathomBenchKind
fathom_bench_workload_get_kind (FathomBenchWorkload *self)
{
  return self->kind;
}

guint
fathom_bench_workload_get_batch (FathomBenchWorkload *self)
{
  return self->batch;
}

FathomGraph *
fathom_bench_workload_get_graph (FathomBenchWorkload *self)
{
  return self->graph;
}

double
fathom_bench_workload_get_loss (FathomBenchWorkload *self)
{
  return self->loss;
}

void
fathom_bench_workload_set_graphs (FathomBenchWorkload *self, gboolean enabled)
{
  self->graphs = enabled;
  if (self->step != NULL)
    fathom_train_step_set_graphs (self->step, enabled);
}

/* The inference forward may still become a captured graph. */
static gboolean
forward_pending (FathomBenchWorkload *self)
{
  return !kinds[self->kind].training && self->graphs && self->exec == NULL && self->graph_reason == NULL &&
         fathom_backend_get_graphs (self->backend, NULL);
}

/* The step may still become a captured graph by warming up longer. */
static gboolean
graph_pending (FathomBenchWorkload *self)
{
  return (self->step != NULL && fathom_train_step_get_pending (self->step)) || forward_pending (self);
}

/* Records the inference forward as one graph. Nothing of it runs; where
 * the capture fails, graph_reason says why and every run stays eager. */
static void
capture_forward (FathomBenchWorkload *self)
{
  g_autoptr(GError) why = NULL;
  gboolean ok;

  if (!fathom_backend_capture_begin (self->backend, &why))
    {
      self->graph_reason = g_strdup (why->message);
      return;
    }
  fathom_graph_set_captured (self->graph, TRUE);
  ok = fathom_graph_forward (self->graph, self->inputs, FALSE, &why);
  fathom_graph_set_captured (self->graph, FALSE);
  self->exec = fathom_backend_capture_end (self->backend, ok, ok ? &why : NULL);
  if (self->exec == NULL)
    self->graph_reason = g_strdup (why != NULL ? why->message : "the capture failed");
}

/* An inference iteration: a launch of the captured forward where there
 * is one, else an eager forward, after which (the second time: the first
 * chose cuDNN's algorithms by timing them, which a capture cannot, and
 * made the folded weights and scratch) the forward is captured. */
static gboolean
forward_once (FathomBenchWorkload *self, GError **error)
{
  const char *off = NULL;

  self->graphed = self->exec != NULL && self->graphs;
  if (self->graphed)
    return fathom_backend_graph_launch (self->exec, NULL, error);
  if (!fathom_graph_forward (self->graph, self->inputs, FALSE, error) ||
      !fathom_backend_synchronize (self->backend, error))
    return FALSE;
  if (self->graphs && self->exec == NULL && self->graph_reason == NULL)
    {
      if (!fathom_backend_get_graphs (self->backend, &off))
        self->graph_reason = g_strdup (off);
      else if (self->warm)
        capture_forward (self);
    }
  self->warm = TRUE;
  return TRUE;
}

gboolean
fathom_bench_workload_run_once (FathomBenchWorkload *self, GError **error)
{
  float total = NAN;

  g_return_val_if_fail (self != NULL, FALSE);
  if (!kinds[self->kind].training)
    return forward_once (self, error);

  if (!fathom_train_step_run (self->step, self->inputs, self->targets, NULL, &total, error) ||
      !fathom_backend_synchronize (self->backend, error))
    return FALSE;
  self->loss = total;
  return TRUE;
}

/* Nanosecond clock: a small step on a fast device takes well under the
 * microsecond resolution of g_get_monotonic_time() times a hundred. */
static double
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static char *
shape_string (const FathomShape *shape)
{
  GString *s = g_string_new (NULL);

  for (guint a = 0; a < shape->ndim; a++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, a > 0 ? "x" : "", shape->d[a]);
  return g_string_free (s, FALSE);
}

gboolean
fathom_bench_workload_measure (FathomBenchWorkload *self, guint warmup, guint runs,
                               FathomBenchResult *result, GError **error)
{
  g_autofree double *times = NULL;
  guint64 cudnn_before = 0, own_before = 0, cudnn_after = 0, own_after = 0;
  guint64 step_cudnn = 0, step_own = 0;
  gboolean counted;
  gboolean graph = FALSE;

  g_return_val_if_fail (self != NULL && result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  runs = MAX (runs, 1);
  times = g_new (double, runs);
  /* A launch of a captured step makes no convolution calls of its own:
   * its calls are those of the step that was captured, counted here. */
  for (guint i = 0; i < warmup || (graph_pending (self) && i < MAX_GRAPH_WARMUP); i++)
    {
      guint64 c0 = 0, o0 = 0, c1 = 0, o1 = 0;

      fathom_backend_get_conv_calls (self->backend, &c0, &o0);
      if (!fathom_bench_workload_run_once (self, error))
        return FALSE;
      fathom_backend_get_conv_calls (self->backend, &c1, &o1);
      step_cudnn = c1 - c0;
      step_own = o1 - o0;
      warmup = MAX (warmup, i + 1);
    }
  /* An idle backend before the first reading: nothing earlier is timed. */
  if (!fathom_backend_synchronize (self->backend, error))
    return FALSE;
  counted = fathom_backend_get_conv_calls (self->backend, &cudnn_before, &own_before);
  for (guint i = 0; i < runs; i++)
    {
      double start = now_seconds ();

      if (!fathom_bench_workload_run_once (self, error))
        return FALSE;
      times[i] = now_seconds () - start;
    }
  fathom_backend_get_conv_calls (self->backend, &cudnn_after, &own_after);
  graph = self->step != NULL ? fathom_train_step_get_graphed (self->step) : self->graphed;
  if (graph)
    {
      cudnn_after = cudnn_before + step_cudnn * runs;
      own_after = own_before + step_own * runs;
    }
  qsort (times, runs, sizeof (double), compare_doubles);

  *result = (FathomBenchResult) {
    .kind = self->kind,
    .batch = self->batch,
    .input = shape_string (fathom_graph_get_input_shape (self->graph, 0)),
    .training = kinds[self->kind].training,
    .warmup = warmup,
    .runs = runs,
    .median_s = runs % 2 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]),
    .min_s = times[0],
    .max_s = times[runs - 1],
    .items = (double) self->batch * (self->kind == FATHOM_BENCH_GRU_STEP ? FATHOM_TEXT_SEQ_LEN : 1),
    .unit = kinds[self->kind].unit,
    .loss = self->loss,
    /* every iteration makes the same calls */
    .conv_counted = counted,
    .conv_cudnn = (cudnn_after - cudnn_before) / runs,
    .conv_own = (own_after - own_before) / runs,
    .graph = graph,
    .graph_reason = graph ? NULL
                    : self->step != NULL ? g_strdup (fathom_train_step_get_reason (self->step))
                    : g_strdup (self->graph_reason),
  };
  result->throughput = result->items / MAX (result->median_s, 1e-12);
  return TRUE;
}

char *
fathom_bench_workload_profile (FathomBenchWorkload *self, guint steps, GError **error)
{
  g_autofree char *table = NULL;
  double total = 0.0;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  steps = MAX (steps, 1);
  fathom_bench_workload_set_graphs (self, FALSE);
  fathom_graph_set_profiling (self->graph, TRUE);
  for (guint i = 0; i < steps && ok; i++)
    {
      double start = now_seconds ();

      ok = fathom_bench_workload_run_once (self, error);
      total += now_seconds () - start;
    }
  if (ok)
    table = fathom_graph_format_profile (self->graph, steps, 1e3 * total / steps);
  fathom_graph_set_profiling (self->graph, FALSE);
  fathom_bench_workload_set_graphs (self, TRUE);
  if (!ok)
    return NULL;
  return g_strdup_printf ("%s: %u eager iterations, each layer waited for (%.3f ms an iteration)\n%s",
                          fathom_bench_kind_to_string (self->kind), steps, 1e3 * total / steps, table);
}
