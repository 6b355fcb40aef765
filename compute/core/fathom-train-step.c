/* fathom-train-step.c: a training step, eager or a captured graph
 * (fathom-train-step.h). */
#include "fathom-train-step.h"

#include "fathom-tensor-private.h"

#include <string.h>

/* Steps between a refused capture and the next try, at most. */
#define MAX_BACKOFF 64

struct _FathomTrainStep
{
  FathomGraph        *graph;        /* borrowed */
  FathomOptimizer    *optimizer;    /* borrowed */
  FathomBackend      *backend;      /* borrowed, the graph's */
  gboolean            enabled;
  gboolean            given_up;     /* a capture failed other than by refusal */
  gboolean            graphed;      /* the last run was a launch */
  char               *reason;       /* owned: why not graphed */
  guint64             runs;
  guint64             retry_at;     /* no capture before this run */
  guint               backoff;
  /* the shapes of the last eager step: a capture needs one before it */
  GPtrArray          *warm;         /* FathomTensor refs (inputs, then targets or NULL) */
  /* the captured step */
  FathomBackendGraph *exec;         /* owned */
  GPtrArray          *fixed;        /* owned: device inputs, then targets (NULL for no loss) */
  GPtrArray          *kept;         /* owned refs: every tensor the graph uses */
};

FathomTrainStep *
fathom_train_step_new (FathomGraph *graph, FathomOptimizer *optimizer)
{
  FathomTrainStep *self;

  g_return_val_if_fail (graph != NULL && optimizer != NULL, NULL);
  g_return_val_if_fail (fathom_graph_get_backend (graph) != NULL, NULL);
  self = g_new0 (FathomTrainStep, 1);
  self->graph = graph;
  self->optimizer = optimizer;
  self->backend = fathom_graph_get_backend (graph);
  self->enabled = TRUE;
  self->backoff = 1;
  return self;
}

static void
drop_graph (FathomTrainStep *self)
{
  g_clear_pointer (&self->exec, fathom_backend_graph_free);
  g_clear_pointer (&self->kept, g_ptr_array_unref);
  g_clear_pointer (&self->fixed, g_ptr_array_unref);
}

void
fathom_train_step_free (FathomTrainStep *self)
{
  if (self == NULL)
    return;
  drop_graph (self);
  g_clear_pointer (&self->warm, g_ptr_array_unref);
  g_free (self->reason);
  g_free (self);
}

void
fathom_train_step_set_graphs (FathomTrainStep *self, gboolean enabled)
{
  self->enabled = enabled;
  if (!enabled)
    drop_graph (self);
}

gboolean
fathom_train_step_get_graphed (FathomTrainStep *self)
{
  return self->graphed;
}

gboolean
fathom_train_step_get_pending (FathomTrainStep *self)
{
  return self->enabled && !self->given_up && !self->graphed &&
         fathom_backend_get_graphs (self->backend, NULL);
}

const char *
fathom_train_step_get_reason (FathomTrainStep *self)
{
  return self->graphed ? NULL : self->reason;
}

static void
set_reason (FathomTrainStep *self, const char *reason)
{
  g_free (self->reason);
  self->reason = g_strdup (reason);
}

/* ---- the batch ----------------------------------------------------------------- */

static guint
n_inputs (FathomTrainStep *self)
{
  return fathom_graph_get_n_inputs (self->graph);
}

static guint
n_outputs (FathomTrainStep *self)
{
  return fathom_graph_get_n_outputs (self->graph);
}

static gboolean
same_shape (const FathomTensor *a, const FathomTensor *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return fathom_tensor_get_ndim (a) == fathom_tensor_get_ndim (b) &&
         memcmp (fathom_tensor_get_shape (a), fathom_tensor_get_shape (b),
                 fathom_tensor_get_ndim (a) * sizeof (gint64)) == 0;
}

/* The batch's tensors, inputs then targets (NULL for outputs without a loss). */
static const FathomTensor *
batch_at (FathomTrainStep *self, FathomTensor *const *inputs, FathomTensor *const *targets, guint i)
{
  if (i < n_inputs (self))
    return inputs[i];
  i -= n_inputs (self);
  return fathom_graph_get_output_loss (self->graph, i) != FATHOM_LOSS_NONE ? targets[i] : NULL;
}

static gboolean
batch_matches (FathomTrainStep *self, GPtrArray *like, FathomTensor *const *inputs,
               FathomTensor *const *targets)
{
  if (like == NULL)
    return FALSE;
  for (guint i = 0; i < like->len; i++)
    if (!same_shape (g_ptr_array_index (like, i), batch_at (self, inputs, targets, i)))
      return FALSE;
  return TRUE;
}

static GPtrArray *
batch_refs (FathomTrainStep *self, FathomTensor *const *inputs, FathomTensor *const *targets)
{
  guint n = n_inputs (self) + n_outputs (self);
  GPtrArray *refs = g_ptr_array_new_full (n, (GDestroyNotify) fathom_tensor_unref);

  for (guint i = 0; i < n; i++)
    {
      const FathomTensor *t = batch_at (self, inputs, targets, i);

      g_ptr_array_add (refs, t != NULL ? fathom_tensor_ref ((FathomTensor *) t) : NULL);
    }
  return refs;
}

/* The fixed buffers the graph reads: the batch copied in (on the device,
 * queued). Made, before any capture, at the batch's shapes. */
static gboolean
load_fixed (FathomTrainStep *self, FathomTensor *const *inputs, FathomTensor *const *targets,
            GError **error)
{
  guint n = n_inputs (self) + n_outputs (self);

  if (self->fixed == NULL)
    {
      self->fixed = g_ptr_array_new_full (n, (GDestroyNotify) fathom_tensor_unref);
      for (guint i = 0; i < n; i++)
        {
          const FathomTensor *t = batch_at (self, inputs, targets, i);
          FathomTensor *copy = NULL;

          if (t != NULL && (copy = fathom_backend_new_tensor_like (self->backend, t, error)) == NULL)
            return FALSE;
          g_ptr_array_add (self->fixed, copy);
        }
    }
  for (guint i = 0; i < n; i++)
    {
      FathomTensor *dst = g_ptr_array_index (self->fixed, i);
      const FathomTensor *src = batch_at (self, inputs, targets, i);

      if (dst != NULL && !fathom_backend_copy (self->backend, dst, src, error))
        return FALSE;
    }
  return TRUE;
}

static FathomTensor **
fixed_inputs (FathomTrainStep *self)
{
  return (FathomTensor **) self->fixed->pdata;
}

static FathomTensor **
fixed_targets (FathomTrainStep *self)
{
  return (FathomTensor **) self->fixed->pdata + n_inputs (self);
}

/* Every tensor a captured step touches, as it is now. */
static GPtrArray *
collect (FathomTrainStep *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);

  fathom_graph_collect_tensors (self->graph, out);
  fathom_optimizer_collect_tensors (self->optimizer, out);
  for (guint i = 0; i < self->fixed->len; i++)
    if (g_ptr_array_index (self->fixed, i) != NULL)
      g_ptr_array_add (out, fathom_tensor_ref (g_ptr_array_index (self->fixed, i)));
  return out;
}

/* The graph's tensors are still the ones it was captured with: same
 * tensors at the same addresses (the optimiser's slots come from a hash
 * table, so order is compared as is: the table does not change order
 * without a change of its contents). */
static gboolean
still_valid (FathomTrainStep *self)
{
  g_autoptr(GPtrArray) now = collect (self);

  if (now->len != self->kept->len)
    return FALSE;
  for (guint i = 0; i < now->len; i++)
    if (g_ptr_array_index (now, i) != g_ptr_array_index (self->kept, i) ||
        fathom_tensor_raw (g_ptr_array_index (now, i)) != fathom_tensor_raw (g_ptr_array_index (self->kept, i)))
      return FALSE;
  return TRUE;
}

/* ---- the steps ---------------------------------------------------------------------- */

static gboolean
eager (FathomTrainStep *self, FathomTensor *const *inputs, FathomTensor *const *targets,
       float *losses, float *total, GError **error)
{
  self->graphed = FALSE;
  if (!fathom_graph_forward (self->graph, inputs, TRUE, error) ||
      !fathom_graph_compute_loss (self->graph, targets, losses, total, error) ||
      !fathom_graph_backward (self->graph, error) ||
      !fathom_optimizer_step (self->optimizer, self->graph, error))
    return FALSE;
  /* the next capture needs an eager step at these shapes first */
  g_clear_pointer (&self->warm, g_ptr_array_unref);
  self->warm = batch_refs (self, inputs, targets);
  return TRUE;
}

/* One launch of the captured step on the batch already in the fixed
 * buffers, with the optimiser prepared. */
static gboolean
launch (FathomTrainStep *self, float *losses, float *total, GError **error)
{
  guint n_losses = fathom_backend_graph_get_n_losses (self->exec);
  g_autofree float *values = g_new0 (float, MAX (n_losses, 1));
  double sum = 0.0;
  guint k = 0;

  if (!fathom_backend_graph_launch (self->exec, values, error))
    return FALSE;
  /* as fathom_graph_compute_loss sums them */
  for (guint i = 0; i < n_outputs (self); i++)
    {
      float loss = 0.f;

      if (fathom_graph_get_output_loss (self->graph, i) != FATHOM_LOSS_NONE)
        {
          g_return_val_if_fail (k < n_losses, FALSE);
          loss = values[k++];
          sum += (double) fathom_graph_get_output_weight (self->graph, i) * loss;
        }
      if (losses != NULL)
        losses[i] = loss;
    }
  if (total != NULL)
    *total = (float) sum;
  self->graphed = TRUE;
  return TRUE;
}

static gboolean
replay (FathomTrainStep *self, FathomTensor *const *inputs, FathomTensor *const *targets,
        float *losses, float *total, GError **error)
{
  /* the graph's own count goes on as an eager forward would move it */
  fathom_graph_set_step (self->graph, fathom_graph_get_step (self->graph) + 1);
  return load_fixed (self, inputs, targets, error) &&
         fathom_optimizer_prepare_step (self->optimizer, self->graph, error) &&
         launch (self, losses, total, error);
}

/* Captures a step on the batch and launches it. FALSE with *refused set
 * when the capture did not work out: nothing of it ran, the counts are
 * back where they were, and the caller runs the eager step instead. */
static gboolean
capture (FathomTrainStep *self, FathomTensor *const *inputs, FathomTensor *const *targets,
         float *losses, float *total, gboolean *refused, GError **error)
{
  gint64 opt_step = fathom_optimizer_get_step (self->optimizer);
  guint64 graph_step = fathom_graph_get_step (self->graph);
  g_autoptr(GError) why = NULL;
  gboolean ok;

  *refused = FALSE;
  /* before the capture: nothing in it may wait for the device */
  if (!load_fixed (self, inputs, targets, error) ||
      !fathom_optimizer_prepare_step (self->optimizer, self->graph, error) ||
      !fathom_backend_capture_begin (self->backend, error))
    {
      fathom_optimizer_set_step (self->optimizer, opt_step);
      return FALSE;
    }
  fathom_graph_set_captured (self->graph, TRUE);
  ok = fathom_graph_forward (self->graph, fixed_inputs (self), TRUE, &why) &&
       fathom_graph_compute_loss (self->graph, fixed_targets (self), NULL, NULL, &why) &&
       fathom_graph_backward (self->graph, &why) &&
       fathom_optimizer_step_prepared (self->optimizer, self->graph, &why);
  fathom_graph_set_captured (self->graph, FALSE);
  self->exec = fathom_backend_capture_end (self->backend, ok, ok ? &why : NULL);
  if (self->exec == NULL)
    {
      /* nothing ran: the step is the eager one's to take */
      fathom_optimizer_set_step (self->optimizer, opt_step);
      fathom_graph_set_step (self->graph, graph_step);
      *refused = g_error_matches (why, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED);
      set_reason (self, why != NULL ? why->message : "the capture failed");
      return FALSE;
    }
  self->kept = collect (self);
  return launch (self, losses, total, error);
}

gboolean
fathom_train_step_run (FathomTrainStep *self, FathomTensor *const *inputs, FathomTensor *const *targets,
                       float *losses, float *total, GError **error)
{
  const char *off = NULL;
  gboolean refused = FALSE;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (self != NULL && inputs != NULL && targets != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  self->runs++;

  if (!self->enabled || !fathom_backend_get_graphs (self->backend, &off))
    {
      set_reason (self, self->enabled ? off : "turned off for this step");
      return eager (self, inputs, targets, losses, total, error);
    }
  if (self->given_up)
    return eager (self, inputs, targets, losses, total, error);

  if (self->exec != NULL)
    {
      if (batch_matches (self, self->fixed, inputs, targets) && still_valid (self))
        return replay (self, inputs, targets, losses, total, error);
      /* other shapes or other tensors: made again after an eager step */
      drop_graph (self);
      set_reason (self, "the step's shapes or tensors changed; captured again after an eager step");
      return eager (self, inputs, targets, losses, total, error);
    }
  if (!batch_matches (self, self->warm, inputs, targets))
    {
      drop_graph (self);
      set_reason (self, "the first step of these shapes runs eagerly");
      return eager (self, inputs, targets, losses, total, error);
    }
  if (self->runs < self->retry_at)
    return eager (self, inputs, targets, losses, total, error);

  if (capture (self, inputs, targets, losses, total, &refused, &local))
    {
      self->backoff = 1;
      return TRUE;
    }
  if (self->exec != NULL)
    {
      /* captured, but the launch failed: that is the step's error */
      drop_graph (self);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (local != NULL)
    set_reason (self, local->message);
  if (refused)
    {
      self->retry_at = self->runs + self->backoff;
      self->backoff = MIN (self->backoff * 2, MAX_BACKOFF);
    }
  else
    self->given_up = TRUE;
  drop_graph (self);
  return eager (self, inputs, targets, losses, total, error);
}
