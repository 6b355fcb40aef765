/* fathom-cuda-graph.c: work on the backend's stream captured as one CUDA
 * graph and launched again (fathom-backend.h, "captured graphs").
 *
 * Capture: the stream records instead of running (thread-local mode: this
 * thread may not make calls that would break the capture; other threads'
 * backends are not disturbed); every block allocated meanwhile comes from
 * a new arena of the caching allocator, so the addresses the graph's
 * kernels use stay reserved for it, and the arena is released when the
 * graph is freed. Losses are copied on the device into a block of fixed
 * address made before the capture, and each launch brings them back with
 * one copy and one wait.
 */
#include "fathom-cuda-backend-private.h"
#include "fathom-block-cache.h"

#include <string.h>

/* Outputs with a loss in one step: more than any of our models has. */
#define MAX_LOSSES 16

struct _FathomCudaCapture
{
  FathomBlockArena *arena;              /* owned (the owner's reference) */
  FathomCudaBlock  *losses;             /* MAX_LOSSES doubles, made before the capture */
  double            divisors[MAX_LOSSES];
  guint             n_losses;
};

typedef struct
{
  FathomBackendGraph parent;
  cudaGraphExec_t    exec;              /* owned */
  FathomBlockArena  *arena;             /* owned: released when the graph goes */
  FathomCudaBlock   *losses;            /* owned */
  double             divisors[MAX_LOSSES];
} FathomCudaGraph;

static void
capture_free (FathomCudaBackend *self, FathomCudaCapture *capture)
{
  if (capture->arena != NULL)
    fathom_cuda_pool_release_arena (self->pool, capture->arena);
  fathom_cuda_block_free (capture->losses);
  g_free (capture);
}

gboolean
fathom_cuda_capture_allows (FathomCudaBackend *self, gboolean ok, const char *what, GError **error)
{
  if (self->capture == NULL || ok)
    return TRUE;
  g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
               "%s cannot be captured in a CUDA graph", what);
  return FALSE;
}

gboolean
fathom_cuda_capture_loss (FathomCudaBackend *self, const double *total, double divisor, GError **error)
{
  FathomCudaCapture *capture = self->capture;
  double *slots = fathom_cuda_block_data (capture->losses);

  if (capture->n_losses == MAX_LOSSES)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "a captured step may compute at most %d losses", MAX_LOSSES);
      return FALSE;
    }
  FATHOM_CUDA_TRY (cudaMemcpyAsync (slots + capture->n_losses, total, sizeof (double),
                                    cudaMemcpyDeviceToDevice, self->stream),
                   "loss (kept for the graph)");
  capture->divisors[capture->n_losses++] = divisor;
  return TRUE;
}

/* ---- the vtable slots ----------------------------------------------------------- */

static const char *
cuda_graphs_reason (FathomBackend *backend)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);

  if (self->graphs_env_off)
    return "turned off (FATHOM_CUDA_GRAPHS=0)";
  if (self->capture != NULL)
    return "a capture is already under way";
  return NULL;
}

static gboolean
cuda_capture_begin (FathomBackend *backend, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  FathomCudaCapture *capture;
  cudaError_t err;

  g_return_val_if_fail (self->capture == NULL, FALSE);
  capture = g_new0 (FathomCudaCapture, 1);
  /* before the capture, from the general cache: cudaMalloc is not
   * captured, and the block must outlive every launch */
  if ((capture->losses = fathom_cuda_block_new (self, MAX_LOSSES * sizeof (double), error)) == NULL)
    {
      g_free (capture);
      return FALSE;
    }
  capture->arena = fathom_cuda_pool_begin_arena (self->pool);
  err = cudaStreamBeginCapture (self->stream, cudaStreamCaptureModeThreadLocal);
  if (!fathom_cuda_check (err, "cudaStreamBeginCapture", error))
    {
      fathom_cuda_pool_end_arena (self->pool);
      capture_free (self, capture);
      return FALSE;
    }
  self->capture = capture;
  return TRUE;
}

static FathomBackendGraph *
cuda_capture_end (FathomBackend *backend, gboolean keep, GError **error)
{
  FathomCudaBackend *self = FATHOM_CUDA (backend);
  FathomCudaCapture *capture = g_steal_pointer (&self->capture);
  cudaGraph_t graph = NULL;
  cudaGraphExec_t exec = NULL;
  cudaError_t err;
  FathomCudaGraph *g;

  g_return_val_if_fail (capture != NULL, NULL);
  /* Always ended, kept or not: a stream left capturing fails every later
   * call. A capture that an op broke ends with an error and no graph. */
  err = cudaStreamEndCapture (self->stream, &graph);
  fathom_cuda_pool_end_arena (self->pool);
  if (!keep)
    {
      (void) cudaGetLastError ();
      if (graph != NULL)
        cudaGraphDestroy (graph);
      capture_free (self, capture);
      return NULL;
    }
  if (fathom_cuda_check (err, "cudaStreamEndCapture", error))
    {
      err = cudaGraphInstantiateWithFlags (&exec, graph, 0);
      if (!fathom_cuda_check (err, "cudaGraphInstantiate", error))
        exec = NULL;
    }
  if (graph != NULL)
    cudaGraphDestroy (graph);
  if (exec == NULL)
    {
      capture_free (self, capture);
      return NULL;
    }

  g = g_new0 (FathomCudaGraph, 1);
  g->parent.backend = fathom_backend_ref (backend);
  g->parent.n_losses = capture->n_losses;
  g->exec = exec;
  g->arena = g_steal_pointer (&capture->arena);
  g->losses = g_steal_pointer (&capture->losses);
  memcpy (g->divisors, capture->divisors, sizeof g->divisors);
  capture_free (self, capture);
  return &g->parent;
}

static gboolean
cuda_graph_launch (FathomBackendGraph *graph, float *losses, GError **error)
{
  FathomCudaGraph *g = (FathomCudaGraph *) graph;
  FathomCudaBackend *self = FATHOM_CUDA (graph->backend);
  double totals[MAX_LOSSES];

  if (!fathom_cuda_capture_allows (self, FALSE, "launching a graph", error))
    return FALSE;
  FATHOM_CUDA_TRY (cudaGraphLaunch (g->exec, self->stream), "cudaGraphLaunch");
  if (graph->n_losses > 0)
    FATHOM_CUDA_TRY (cudaMemcpyAsync (totals, fathom_cuda_block_data (g->losses),
                                      graph->n_losses * sizeof (double), cudaMemcpyDeviceToHost,
                                      self->stream), "graph losses (copy to host)");
  FATHOM_CUDA_TRY (cudaStreamSynchronize (self->stream), "graph (synchronize)");
  /* as the eager losses do it: the total over the divisor, then a float */
  for (guint i = 0; i < graph->n_losses; i++)
    losses[i] = (float) (totals[i] / g->divisors[i]);
  return TRUE;
}

static void
cuda_graph_free (FathomBackendGraph *graph)
{
  FathomCudaGraph *g = (FathomCudaGraph *) graph;
  FathomCudaBackend *self = FATHOM_CUDA (graph->backend);

  /* a launch still running reads the arena's blocks: let it finish */
  cudaSetDevice (self->device);
  cudaStreamSynchronize (self->stream);
  cudaGraphExecDestroy (g->exec);
  (void) cudaGetLastError ();
  fathom_cuda_pool_release_arena (self->pool, g->arena);
  fathom_cuda_block_free (g->losses);
  fathom_backend_unref (graph->backend);
  g_free (g);
}

void
fathom_cuda_graph_install (FathomBackendOps *ops)
{
  ops->graphs_reason = cuda_graphs_reason;
  ops->capture_begin = cuda_capture_begin;
  ops->capture_end = cuda_capture_end;
  ops->graph_launch = cuda_graph_launch;
  ops->graph_free = cuda_graph_free;
}

void
fathom_cuda_graph_init (FathomCudaBackend *self)
{
  self->graphs_env_off = g_strcmp0 (g_getenv ("FATHOM_CUDA_GRAPHS"), "0") == 0;
}

void
fathom_cuda_graph_finish (FathomCudaBackend *self)
{
  /* a capture left open by a caller that forgot capture_end */
  if (self->capture != NULL)
    {
      g_autoptr(GError) error = NULL;

      g_warn_if_reached ();
      cuda_capture_end (&self->parent, FALSE, &error);
    }
}
