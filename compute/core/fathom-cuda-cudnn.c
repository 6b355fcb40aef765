/* fathom-cuda-cudnn.c: convolutions through cuDNN's legacy convolution
 * API (fathom-cuda-cudnn.h). With the loader, the only files that read
 * FATHOM_HAVE_CUDNN (cuDNN's headers were found at build time): without
 * it, the handle is never made and every call declines. With it, cuDNN
 * itself is loaded when the first handle is made
 * (fathom-cuda-cudnn-loader.h), and every call goes through the loaded
 * table, DNN (name).
 */
#include "fathom-cuda-cudnn.h"

#ifdef FATHOM_HAVE_CUDNN

#include "fathom-cuda-cudnn-loader.h"

#include <limits.h>
#include <string.h>

/* A cuDNN function of the table; only reached once a handle exists, so
 * after a load that succeeded. */
#define DNN(name) (fathom_cudnn_api ()->name)

/* An algorithm that wants more scratch than the limit is passed over for
 * the next one: a sixteenth of the card's memory, between 256 MiB and
 * 4 GiB. The fast algorithms of the lesson's shapes want more than
 * 256 MiB at its batch sizes (Winograd and the TF32 tensor-core kernels
 * on NCHW transform their inputs into the workspace: VGG16 at 360x640,
 * batch 32, or head F's first 3x3 convolution), which the first GPU run
 * showed: with a 256 MiB limit TF32 ran slower than strict FP32. */
#define WORKSPACE_FLOOR ((size_t) 256 << 20)
#define WORKSPACE_CEILING ((size_t) 4 << 30)
/* Shapes remembered; past this the cache starts over, so a program that
 * keeps changing its input size pays one choice (a timing of each
 * algorithm, or a heuristics query) per new shape and no unbounded
 * memory. */
#define MAX_PLANS 512

struct _FathomCudaCudnn
{
  cudnnHandle_t  handle;        /* owned, bound to the backend's stream */
  GHashTable    *plans;         /* PlanKey -> Plan (owned; the key lives in the plan) */
  size_t         workspace_limit;
  gboolean       measure;       /* time the algorithms (FATHOM_CUDNN_SEARCH) */
  cudnnActivationDescriptor_t relu;   /* for the fused forward; made on first use */
};

/* What a plan depends on. Only ints, so memcmp compares it. */
typedef struct {
  int n, c, h, w, o;
  int kh, kw, sh, sw;
  int pad_h, pad_w;
  int tf32;
} PlanKey;

G_STATIC_ASSERT (sizeof (PlanKey) == 12 * sizeof (int));

/* The algorithm of one direction. */
typedef struct {
  gboolean        chosen;       /* the heuristics were asked */
  gboolean        usable;       /* and named an algorithm within the limit */
  int             algo;         /* a cudnnConvolution*Algo_t of the direction */
  cudnnMathType_t math;
  size_t          workspace;
  float           ms;           /* its time where measured, else -1 */
} Choice;

typedef struct {
  PlanKey                      key;
  cudnnTensorDescriptor_t      x, y, bias;
  cudnnFilterDescriptor_t      w;
  cudnnConvolutionDescriptor_t conv;
  Choice                       fwd, bwd_data, bwd_filter;
  gboolean                     no_fused_relu;   /* cuDNN refused the fusion for this shape */
} Plan;

/* ---- errors ------------------------------------------------------------------- */

static gboolean
is_out_of_memory (cudnnStatus_t status)
{
  return status == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED ||
         status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED;
}

/* cuDNN's own words for the last failure on this thread, when it has any. */
static void
last_detail (char *detail, gsize size)
{
  detail[0] = '\0';
  DNN (cudnnGetLastErrorString) (detail, size);
  detail[size - 1] = '\0';
}

static gboolean
check (cudnnStatus_t status, const char *what, GError **error)
{
  char detail[256];

  if (status == CUDNN_STATUS_SUCCESS)
    return TRUE;
  last_detail (detail, sizeof detail);
  /* a failed launch inside cuDNN leaves CUDA's last error set */
  (void) cudaGetLastError ();
  g_set_error (error, FATHOM_BACKEND_ERROR,
               is_out_of_memory (status) ? FATHOM_BACKEND_ERROR_OUT_OF_MEMORY : FATHOM_BACKEND_ERROR_LAUNCH,
               "cuDNN: %s failed: %s%s%s", what, DNN (cudnnGetErrorString) (status),
               detail[0] != '\0' ? ": " : "", detail);
  return FALSE;
}

/* ---- the handle --------------------------------------------------------------------- */

static char *
version_string (size_t v)
{
  /* cuDNN 9 numbers its releases major * 10000 + minor * 100 + patch */
  return g_strdup_printf ("%zu.%zu.%zu", v / 10000, v / 100 % 100, v % 100);
}

static guint
plan_key_hash (gconstpointer data)
{
  const int *v = data;
  guint h = 2166136261u;

  for (guint i = 0; i < sizeof (PlanKey) / sizeof (int); i++)
    h = (h ^ (guint) v[i]) * 16777619u;
  return h;
}

static gboolean
plan_key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (PlanKey)) == 0;
}

static void
plan_free (gpointer data)
{
  Plan *p = data;

  if (p->x != NULL)
    DNN (cudnnDestroyTensorDescriptor) (p->x);
  if (p->y != NULL)
    DNN (cudnnDestroyTensorDescriptor) (p->y);
  if (p->bias != NULL)
    DNN (cudnnDestroyTensorDescriptor) (p->bias);
  if (p->w != NULL)
    DNN (cudnnDestroyFilterDescriptor) (p->w);
  if (p->conv != NULL)
    DNN (cudnnDestroyConvolutionDescriptor) (p->conv);
  g_free (p);
}

FathomCudaCudnn *
fathom_cuda_cudnn_new (FathomCudaBackend *backend, char **reason)
{
  const char *load_failure = NULL;
  size_t version;
  cudnnHandle_t handle = NULL;
  cudnnStatus_t status;
  const char *what;
  char detail[256];
  FathomCudaCudnn *self;
  size_t free_bytes = 0, total_bytes = 0;
  cudaError_t err;

  if (fathom_cudnn_api_load (&load_failure) == NULL)
    {
      *reason = g_strdup (load_failure);
      return NULL;
    }
  /* The soname pins the major release; the minor may differ from the
   * header's, which cuDNN allows. */
  version = DNN (cudnnGetVersion) ();
  if (version / 10000 != CUDNN_MAJOR)
    {
      g_autofree char *loaded = version_string (version);

      *reason = g_strdup_printf ("libcudnn %s was loaded; this build needs cuDNN %d", loaded, CUDNN_MAJOR);
      return NULL;
    }
  if ((err = cudaSetDevice (backend->device)) != cudaSuccess)
    {
      (void) cudaGetLastError ();
      *reason = g_strdup_printf ("cudaSetDevice failed: %s", cudaGetErrorString (err));
      return NULL;
    }
  what = "cudnnCreate";
  status = DNN (cudnnCreate) (&handle);
  if (status == CUDNN_STATUS_SUCCESS)
    {
      what = "cudnnSetStream";
      status = DNN (cudnnSetStream) (handle, backend->stream);
    }
  /* cuDNN 9 loads its sub-libraries on first use: asking their versions
   * loads them now, so that a missing one is a reason here rather than an
   * error in the middle of a training step. */
  if (status == CUDNN_STATUS_SUCCESS)
    {
      what = "cudnnOpsVersionCheck (libcudnn_ops)";
      status = DNN (cudnnOpsVersionCheck) ();
    }
  if (status == CUDNN_STATUS_SUCCESS)
    {
      what = "cudnnCnnVersionCheck (libcudnn_cnn)";
      status = DNN (cudnnCnnVersionCheck) ();
    }
  if (status != CUDNN_STATUS_SUCCESS)
    {
      last_detail (detail, sizeof detail);
      (void) cudaGetLastError ();
      *reason = g_strdup_printf ("%s failed: %s%s%s", what, DNN (cudnnGetErrorString) (status),
                                 detail[0] != '\0' ? ": " : "", detail);
      if (handle != NULL)
        DNN (cudnnDestroy) (handle);
      return NULL;
    }

  self = g_new0 (FathomCudaCudnn, 1);
  self->handle = handle;
  self->plans = g_hash_table_new_full (plan_key_hash, plan_key_equal, NULL, plan_free);
  self->workspace_limit = WORKSPACE_FLOOR;
  if (cudaMemGetInfo (&free_bytes, &total_bytes) == cudaSuccess)
    self->workspace_limit = CLAMP (total_bytes / 16, WORKSPACE_FLOOR, WORKSPACE_CEILING);
  (void) cudaGetLastError ();
  self->measure = g_strcmp0 (g_getenv ("FATHOM_CUDNN_SEARCH"), "heuristic") != 0;
  return self;
}

void
fathom_cuda_cudnn_free (FathomCudaCudnn *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->plans);
  if (self->relu != NULL)
    DNN (cudnnDestroyActivationDescriptor) (self->relu);
  DNN (cudnnDestroy) (self->handle);
  (void) cudaGetLastError ();
  g_free (self);
}

char *
fathom_cuda_cudnn_describe (FathomCudaCudnn *self)
{
  g_autofree char *version = version_string (DNN (cudnnGetVersion) ());

  g_return_val_if_fail (self != NULL, NULL);
  return g_strdup_printf ("cuDNN %s, algorithms %s", version,
                          self->measure ? "measured" : "by heuristics (FATHOM_CUDNN_SEARCH=heuristic)");
}

/* ---- plans: descriptors per shape ------------------------------------------------- */

static gboolean
fits_int (gint64 v)
{
  return v > 0 && v <= INT_MAX;
}

/* cuDNN pads both sides of an axis alike; ours may pad the bottom (right)
 * more or less than the top (left). A window starts at -pad_top + i * sh
 * either way and reads zeros outside the input either way, so where
 * cuDNN's output size with our top (left) padding on both sides equals
 * ours, every window covers the same cells and the results are the same.
 * Keras "same" with stride 1 and an odd kernel is symmetric; an even
 * kernel, or stride 2 on an even size, usually changes the size and stays
 * on our own path. So do empty batches and sizes past cuDNN's ints. */
static gboolean
plan_key_init (PlanKey *key, const FathomConvWindow *win, const FathomTensor *x,
               const FathomTensor *w, const FathomTensor *y, gboolean tf32)
{
  gint64 h = x->shape[2], wd = x->shape[3];
  gint64 span_h = h + 2 * (gint64) win->pad_top - win->kh;
  gint64 span_w = wd + 2 * (gint64) win->pad_left - win->kw;

  if (!fits_int ((gint64) x->numel) || !fits_int ((gint64) w->numel) || !fits_int ((gint64) y->numel))
    return FALSE;
  if (span_h < 0 || span_w < 0 ||
      span_h / win->sh + 1 != y->shape[2] || span_w / win->sw + 1 != y->shape[3])
    return FALSE;
  memset (key, 0, sizeof *key);
  key->n = (int) x->shape[0];
  key->c = (int) x->shape[1];
  key->h = (int) h;
  key->w = (int) wd;
  key->o = (int) w->shape[0];
  key->kh = win->kh;
  key->kw = win->kw;
  key->sh = win->sh;
  key->sw = win->sw;
  key->pad_h = win->pad_top;
  key->pad_w = win->pad_left;
  key->tf32 = tf32 ? 1 : 0;
  return TRUE;
}

static Plan *
plan_new (const PlanKey *key, GError **error)
{
  Plan *p = g_new0 (Plan, 1);
  int n = 0, c = 0, h = 0, w = 0;

  p->key = *key;
  if (!check (DNN (cudnnCreateTensorDescriptor) (&p->x), "conv2d (cudnnCreateTensorDescriptor)", error) ||
      !check (DNN (cudnnCreateTensorDescriptor) (&p->y), "conv2d (cudnnCreateTensorDescriptor)", error) ||
      !check (DNN (cudnnCreateTensorDescriptor) (&p->bias), "conv2d (cudnnCreateTensorDescriptor)", error) ||
      !check (DNN (cudnnCreateFilterDescriptor) (&p->w), "conv2d (cudnnCreateFilterDescriptor)", error) ||
      !check (DNN (cudnnCreateConvolutionDescriptor) (&p->conv), "conv2d (cudnnCreateConvolutionDescriptor)", error) ||
      !check (DNN (cudnnSetTensor4dDescriptor) (p->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                 key->n, key->c, key->h, key->w),
              "conv2d (cudnnSetTensor4dDescriptor, x)", error) ||
      !check (DNN (cudnnSetFilter4dDescriptor) (p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                 key->o, key->c, key->kh, key->kw),
              "conv2d (cudnnSetFilter4dDescriptor)", error) ||
      !check (DNN (cudnnSetConvolution2dDescriptor) (p->conv, key->pad_h, key->pad_w, key->sh, key->sw, 1, 1,
                                                      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "conv2d (cudnnSetConvolution2dDescriptor)", error) ||
      !check (DNN (cudnnGetConvolution2dForwardOutputDim) (p->conv, p->x, p->w, &n, &c, &h, &w),
              "conv2d (cudnnGetConvolution2dForwardOutputDim)", error) ||
      !check (DNN (cudnnSetTensor4dDescriptor) (p->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w),
              "conv2d (cudnnSetTensor4dDescriptor, y)", error) ||
      !check (DNN (cudnnSetTensor4dDescriptor) (p->bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, key->o, 1, 1),
              "conv2d (cudnnSetTensor4dDescriptor, bias)", error))
    {
      plan_free (p);
      return NULL;
    }
  return p;
}

/* The plan of this call's shape, made on first sight; *plan NULL (and
 * TRUE) when cuDNN cannot express the shape. */
static gboolean
plan_for (FathomCudaCudnn *self, FathomCudaBackend *backend, const FathomConvWindow *win,
          const FathomTensor *x, const FathomTensor *w, const FathomTensor *y, Plan **plan,
          GError **error)
{
  PlanKey key;
  Plan *p;

  *plan = NULL;
  if (!plan_key_init (&key, win, x, w, y, backend->tf32))
    return TRUE;
  if ((p = g_hash_table_lookup (self->plans, &key)) == NULL)
    {
      if ((p = plan_new (&key, error)) == NULL)
        return FALSE;
      if (g_hash_table_size (self->plans) >= MAX_PLANS)
        g_hash_table_remove_all (self->plans);
      g_hash_table_insert (self->plans, &p->key, p);
    }
  *plan = p;
  return TRUE;
}

/* ---- algorithms ---------------------------------------------------------------------- */

static gboolean
set_math (Plan *p, cudnnMathType_t math, GError **error)
{
  return check (DNN (cudnnSetConvolutionMathType) (p->conv, math), "conv2d (cudnnSetConvolutionMathType)", error);
}

/* Strict FP32 (TF32 off): algorithms that run in FMA math, which is what
 * they are then made to run in. TF32 on: what the heuristics rank, in the
 * math they name, except conversion to FP16, which would lose more than
 * TF32 does. */
static gboolean
math_allowed (cudnnMathType_t ranked, gboolean tf32)
{
  if (ranked == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
    return FALSE;
  return tf32 || ranked == CUDNN_FMA_MATH || ranked == CUDNN_DEFAULT_MATH;
}

static cudnnMathType_t
run_math (cudnnMathType_t ranked, gboolean tf32)
{
  return tf32 ? ranked : CUDNN_FMA_MATH;
}

static cudnnMathType_t
query_math (const Plan *p)
{
  return p->key.tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

/* One entry of a direction's ranking, whatever its perf type. */
typedef struct {
  cudnnStatus_t   status;
  int             algo;
  cudnnMathType_t math;
  float           ms;           /* measured; -1 from the heuristics */
} Ranked;

typedef enum { FORWARD, BACKWARD_DATA, BACKWARD_FILTER } Direction;

static const char *const direction_names[] = { "forward", "backward data", "backward filter" };

static cudnnStatus_t
workspace_size (FathomCudaCudnn *self, const Plan *p, Direction dir, int algo, size_t *bytes)
{
  switch (dir)
    {
    case FORWARD:
      return DNN (cudnnGetConvolutionForwardWorkspaceSize) (self->handle, p->x, p->w, p->conv, p->y,
                                                            (cudnnConvolutionFwdAlgo_t) algo, bytes);
    case BACKWARD_DATA:
      return DNN (cudnnGetConvolutionBackwardDataWorkspaceSize) (self->handle, p->w, p->y, p->conv, p->x,
                                                                 (cudnnConvolutionBwdDataAlgo_t) algo, bytes);
    case BACKWARD_FILTER:
    default:
      return DNN (cudnnGetConvolutionBackwardFilterWorkspaceSize) (self->handle, p->x, p->y, p->conv, p->w,
                                                                   (cudnnConvolutionBwdFilterAlgo_t) algo, bytes);
    }
}

/* The first of the ranking whose status is SUCCESS, whose math is allowed
 * and whose workspace in that math is within the limit. None: the choice
 * is unusable and the shape runs our own path. */
static gboolean
pick (FathomCudaCudnn *self, Plan *p, Direction dir, const Ranked *ranked, int found, Choice *out,
      GError **error)
{
  gboolean tf32 = p->key.tf32;
  Choice choice = { .chosen = TRUE, .ms = -1.f };

  for (int i = 0; i < found && !choice.usable; i++)
    {
      cudnnMathType_t math = run_math (ranked[i].math, tf32);
      size_t bytes = 0;

      if (ranked[i].status != CUDNN_STATUS_SUCCESS || !math_allowed (ranked[i].math, tf32))
        continue;
      if (!set_math (p, math, error))
        return FALSE;
      if (workspace_size (self, p, dir, ranked[i].algo, &bytes) != CUDNN_STATUS_SUCCESS ||
          bytes > self->workspace_limit)
        continue;
      choice = (Choice) { TRUE, TRUE, ranked[i].algo, math, bytes, ranked[i].ms };
    }
  /* G_MESSAGES_DEBUG=Fathom shows each choice (gpu-check.sh logs them) */
  if (choice.usable)
    g_debug ("cuDNN %s %dx%dx%dx%d -> %d, %dx%d/%d%s: algorithm %d, math %d, workspace %zu MiB, %s %.3f ms",
             direction_names[dir], p->key.n, p->key.c, p->key.h, p->key.w, p->key.o, p->key.kh, p->key.kw,
             p->key.sh, p->key.tf32 ? " tf32" : "", choice.algo, (int) choice.math, choice.workspace >> 20,
             choice.ms >= 0.f ? "measured" : "heuristic", (double) choice.ms);
  else
    g_debug ("cuDNN %s %dx%dx%dx%d -> %d, %dx%d/%d%s: no algorithm within %zu MiB, our own path",
             direction_names[dir], p->key.n, p->key.c, p->key.h, p->key.w, p->key.o, p->key.kh, p->key.kw,
             p->key.sh, p->key.tf32 ? " tf32" : "", self->workspace_limit >> 20);
  *out = choice;
  return TRUE;
}

/* Scratch for a call, from the caching allocator; none for 0 bytes. */
static gboolean
workspace_new (FathomCudaBackend *backend, size_t bytes, FathomCudaBlock **block, void **data,
               GError **error)
{
  *block = NULL;
  *data = NULL;
  if (bytes == 0)
    return TRUE;
  if ((*block = fathom_cuda_block_new (backend, bytes, error)) == NULL)
    return FALSE;
  *data = fathom_cuda_block_data (*block);
  return TRUE;
}

/* Scratch for timing the algorithms: the limit, else what the card has
 * left (halving down to the floor); *data NULL where none can be had or
 * timing is off: then the heuristics choose. Measuring runs the
 * convolutions and synchronises, which a graph being captured cannot
 * hold: there the heuristics choose too (the first step of a shape runs
 * eagerly, so a captured step has its choices already). */
static void
measure_workspace (FathomCudaCudnn *self, FathomCudaBackend *backend, FathomCudaBlock **block,
                   void **data, size_t *bytes)
{
  *block = NULL;
  *data = NULL;
  *bytes = 0;
  if (!self->measure || backend->capture != NULL)
    return;
  for (size_t size = self->workspace_limit; size >= WORKSPACE_FLOOR; size /= 2)
    {
      g_autoptr(GError) error = NULL;

      if (workspace_new (backend, size, block, data, &error))
        {
          *bytes = size;
          return;
        }
      if (!g_error_matches (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_OUT_OF_MEMORY))
        return;
    }
}

/* The tensors of a direction's call: forward x, w -> y; backward data
 * w, dy -> dx; backward filter x, dy -> dw. */
typedef struct {
  const FathomTensor *a, *b;
  FathomTensor       *out;
} Operands;

/* the longest ranking of the three directions */
#define RANK_MAX MAX ((int) CUDNN_CONVOLUTION_FWD_ALGO_COUNT,                   \
                      MAX ((int) CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,         \
                           (int) CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT))

#define RANK(perf, found, ranked, measured)                                             \
  G_STMT_START {                                                                        \
    for (int i_ = 0; i_ < (found); i_++)                                                \
      (ranked)[i_] = (Ranked) { (perf)[i_].status, (int) (perf)[i_].algo, (perf)[i_].mathType, \
                                (measured) ? (perf)[i_].time : -1.f };                   \
  } G_STMT_END

/* The ranking of a direction's algorithms: measured on the call's own
 * tensors with @scratch (cudnnFind*AlgorithmEx: each algorithm runs and
 * the fastest comes first; it writes only the call's output, which the
 * call then overwrites), or by cuDNN's heuristics (no trial runs) where
 * @scratch is NULL. */
static gboolean
rank_algorithms (FathomCudaCudnn *self, Plan *p, Direction dir, const Operands *t, void *scratch,
                 size_t bytes, Ranked *ranked, int *found, GError **error)
{
  gboolean measured = scratch != NULL;
  cudnnStatus_t status;
  const char *what;

  switch (dir)
    {
    case FORWARD:
      {
        cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];

        what = measured ? "conv2d forward (cudnnFindConvolutionForwardAlgorithmEx)"
                        : "conv2d forward (cudnnGetConvolutionForwardAlgorithm_v7)";
        status = measured
                 ? DNN (cudnnFindConvolutionForwardAlgorithmEx) (self->handle, p->x, fathom_tensor_raw (t->a),
                                                                 p->w, fathom_tensor_raw (t->b), p->conv, p->y,
                                                                 fathom_tensor_raw (t->out),
                                                                 CUDNN_CONVOLUTION_FWD_ALGO_COUNT, found, perf,
                                                                 scratch, bytes)
                 : DNN (cudnnGetConvolutionForwardAlgorithm_v7) (self->handle, p->x, p->w, p->conv, p->y,
                                                                 CUDNN_CONVOLUTION_FWD_ALGO_COUNT, found, perf);
        if (status == CUDNN_STATUS_SUCCESS)
          RANK (perf, *found, ranked, measured);
        break;
      }
    case BACKWARD_DATA:
      {
        cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];

        what = measured ? "conv2d backward (cudnnFindConvolutionBackwardDataAlgorithmEx)"
                        : "conv2d backward (cudnnGetConvolutionBackwardDataAlgorithm_v7)";
        status = measured
                 ? DNN (cudnnFindConvolutionBackwardDataAlgorithmEx) (self->handle, p->w, fathom_tensor_raw (t->a),
                                                                      p->y, fathom_tensor_raw (t->b), p->conv, p->x,
                                                                      fathom_tensor_raw (t->out),
                                                                      CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, found,
                                                                      perf, scratch, bytes)
                 : DNN (cudnnGetConvolutionBackwardDataAlgorithm_v7) (self->handle, p->w, p->y, p->conv, p->x,
                                                                      CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, found,
                                                                      perf);
        if (status == CUDNN_STATUS_SUCCESS)
          RANK (perf, *found, ranked, measured);
        break;
      }
    case BACKWARD_FILTER:
    default:
      {
        cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];

        what = measured ? "conv2d backward (cudnnFindConvolutionBackwardFilterAlgorithmEx)"
                        : "conv2d backward (cudnnGetConvolutionBackwardFilterAlgorithm_v7)";
        status = measured
                 ? DNN (cudnnFindConvolutionBackwardFilterAlgorithmEx) (self->handle, p->x, fathom_tensor_raw (t->a),
                                                                        p->y, fathom_tensor_raw (t->b), p->conv, p->w,
                                                                        fathom_tensor_raw (t->out),
                                                                        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                        found, perf, scratch, bytes)
                 : DNN (cudnnGetConvolutionBackwardFilterAlgorithm_v7) (self->handle, p->x, p->y, p->conv, p->w,
                                                                        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                        found, perf);
        if (status == CUDNN_STATUS_SUCCESS)
          RANK (perf, *found, ranked, measured);
        break;
      }
    }
  return check (status, what, error);
}

/* A direction's algorithm, chosen once per plan: measured, or with
 * FATHOM_CUDNN_SEARCH=heuristic or where no scratch can be had by the
 * heuristics, then picked from the ranking within the limit. */
static gboolean
choose (FathomCudaCudnn *self, FathomCudaBackend *backend, Plan *p, Direction dir, const Operands *t,
        Choice *out, GError **error)
{
  Ranked ranked[RANK_MAX];
  g_autoptr(FathomCudaBlock) block = NULL;
  void *scratch = NULL;
  size_t bytes = 0;
  int found = 0;

  measure_workspace (self, backend, &block, &scratch, &bytes);
  return set_math (p, query_math (p), error) &&
         rank_algorithms (self, p, dir, t, scratch, bytes, ranked, &found, error) &&
         pick (self, p, dir, ranked, found, out, error);
}

/* ---- the ops ------------------------------------------------------------------------------ */

gboolean
fathom_cuda_cudnn_conv2d_forward (FathomCudaCudnn *self, FathomCudaBackend *backend,
                                  const FathomConvWindow *win, const FathomTensor *x,
                                  const FathomTensor *w, const FathomTensor *bias, const FathomTensor *z,
                                  gboolean relu, FathomTensor *y, gboolean *done, GError **error)
{
  const float one = 1.f, zero = 0.f;
  Operands t = { x, w, y };
  g_autoptr(FathomCudaBlock) block = NULL;
  void *workspace;
  Plan *p;

  g_return_val_if_fail (!relu || bias != NULL, FALSE);
  g_return_val_if_fail (z == NULL || relu, FALSE);
  *done = FALSE;
  if (!plan_for (self, backend, win, x, w, y, &p, error))
    return FALSE;
  if (p == NULL || (relu && p->no_fused_relu))
    return TRUE;
  if (!p->fwd.chosen && !choose (self, backend, p, FORWARD, &t, &p->fwd, error))
    return FALSE;
  if (!p->fwd.usable)
    return TRUE;
  if (relu && self->relu == NULL &&
      (!check (DNN (cudnnCreateActivationDescriptor) (&self->relu), "conv2d (cudnnCreateActivationDescriptor)",
               error) ||
       !check (DNN (cudnnSetActivationDescriptor) (self->relu, CUDNN_ACTIVATION_RELU, CUDNN_PROPAGATE_NAN, 0.0),
               "conv2d (cudnnSetActivationDescriptor)", error)))
    return FALSE;
  if (!workspace_new (backend, p->fwd.workspace, &block, &workspace, error) ||
      !set_math (p, p->fwd.math, error))
    return FALSE;
  if (relu)
    {
      /* y = relu (conv + bias + z) in one call; without a z, z is y
       * with alpha2 0, so cuDNN reads nothing from it */
      cudnnStatus_t status =
        DNN (cudnnConvolutionBiasActivationForward) (self->handle, &one, p->x, fathom_tensor_raw (x),
                                                     p->w, fathom_tensor_raw (w), p->conv,
                                                     (cudnnConvolutionFwdAlgo_t) p->fwd.algo, workspace,
                                                     p->fwd.workspace, z != NULL ? &one : &zero, p->y,
                                                     fathom_tensor_raw (z != NULL ? z : y),
                                                     p->bias, fathom_tensor_raw (bias), self->relu, p->y,
                                                     fathom_tensor_raw (y));

      /* Not every algorithm takes the fusion: the caller's two steps
       * then, for good */
      if (status == CUDNN_STATUS_NOT_SUPPORTED || status == CUDNN_STATUS_BAD_PARAM)
        {
          (void) cudaGetLastError ();
          g_debug ("cuDNN forward %dx%dx%dx%d -> %d: no fused bias and ReLU with algorithm %d (%s)",
                   p->key.n, p->key.c, p->key.h, p->key.w, p->key.o, p->fwd.algo,
                   DNN (cudnnGetErrorString) (status));
          p->no_fused_relu = TRUE;
          return TRUE;
        }
      if (!check (status, "conv2d forward (cudnnConvolutionBiasActivationForward)", error))
        return FALSE;
      *done = TRUE;
      return TRUE;
    }
  if (!check (DNN (cudnnConvolutionForward) (self->handle, &one, p->x, fathom_tensor_raw (x),
                                              p->w, fathom_tensor_raw (w), p->conv,
                                              (cudnnConvolutionFwdAlgo_t) p->fwd.algo,
                                              workspace, p->fwd.workspace, &zero, p->y, fathom_tensor_raw (y)),
              "conv2d forward (cudnnConvolutionForward)", error))
    return FALSE;
  /* y += bias, broadcast over the batch and the pixels */
  if (bias != NULL &&
      !check (DNN (cudnnAddTensor) (self->handle, &one, p->bias, fathom_tensor_raw (bias), &one, p->y,
                                     fathom_tensor_raw (y)),
              "conv2d forward (cudnnAddTensor, bias)", error))
    return FALSE;
  *done = TRUE;
  return TRUE;
}

/* Every output is overwritten (beta 0: cuDNN then never reads it). */
gboolean
fathom_cuda_cudnn_conv2d_backward (FathomCudaCudnn *self, FathomCudaBackend *backend,
                                   const FathomConvWindow *win, const FathomTensor *x,
                                   const FathomTensor *w, const FathomTensor *dy, FathomTensor *dx,
                                   FathomTensor *dw, FathomTensor *dbias, gboolean *done,
                                   GError **error)
{
  const float one = 1.f, zero = 0.f;
  g_autoptr(FathomCudaBlock) block = NULL;
  void *workspace;
  size_t bytes = 0;
  Plan *p;

  *done = FALSE;
  if (!plan_for (self, backend, win, x, w, dy, &p, error))
    return FALSE;
  if (p == NULL)
    return TRUE;
  if (dx != NULL && !p->bwd_data.chosen &&
      !choose (self, backend, p, BACKWARD_DATA, &(Operands) { w, dy, dx }, &p->bwd_data, error))
    return FALSE;
  if (dw != NULL && !p->bwd_filter.chosen &&
      !choose (self, backend, p, BACKWARD_FILTER, &(Operands) { x, dy, dw }, &p->bwd_filter, error))
    return FALSE;
  /* all on cuDNN or all on our own path, never a mixture within a call */
  if ((dx != NULL && !p->bwd_data.usable) || (dw != NULL && !p->bwd_filter.usable))
    return TRUE;

  if (dx != NULL)
    bytes = MAX (bytes, p->bwd_data.workspace);
  if (dw != NULL)
    bytes = MAX (bytes, p->bwd_filter.workspace);
  if (!workspace_new (backend, bytes, &block, &workspace, error))
    return FALSE;
  if (dbias != NULL &&
      !check (DNN (cudnnConvolutionBackwardBias) (self->handle, &one, p->y, fathom_tensor_raw (dy), &zero,
                                                   p->bias, fathom_tensor_raw (dbias)),
              "conv2d backward (cudnnConvolutionBackwardBias)", error))
    return FALSE;
  if (dw != NULL &&
      (!set_math (p, p->bwd_filter.math, error) ||
       !check (DNN (cudnnConvolutionBackwardFilter) (self->handle, &one, p->x, fathom_tensor_raw (x),
                                                      p->y, fathom_tensor_raw (dy), p->conv,
                                                      (cudnnConvolutionBwdFilterAlgo_t) p->bwd_filter.algo,
                                                      workspace, p->bwd_filter.workspace, &zero,
                                                      p->w, fathom_tensor_raw (dw)),
               "conv2d backward (cudnnConvolutionBackwardFilter)", error)))
    return FALSE;
  if (dx != NULL &&
      (!set_math (p, p->bwd_data.math, error) ||
       !check (DNN (cudnnConvolutionBackwardData) (self->handle, &one, p->w, fathom_tensor_raw (w),
                                                    p->y, fathom_tensor_raw (dy), p->conv,
                                                    (cudnnConvolutionBwdDataAlgo_t) p->bwd_data.algo,
                                                    workspace, p->bwd_data.workspace, &zero,
                                                    p->x, fathom_tensor_raw (dx)),
               "conv2d backward (cudnnConvolutionBackwardData)", error)))
    return FALSE;
  *done = TRUE;
  return TRUE;
}

#else /* !FATHOM_HAVE_CUDNN */

/* A build without cuDNN: no handle, so the others are never reached; if
 * they were, they would decline, and our own path would run. */

FathomCudaCudnn *
fathom_cuda_cudnn_new (FathomCudaBackend *backend, char **reason)
{
  *reason = g_strdup ("this build has no cuDNN (-Dcudnn=disabled, or cuDNN 9's cudnn.h was not found)");
  return NULL;
}

void
fathom_cuda_cudnn_free (FathomCudaCudnn *self)
{
  g_return_if_fail (self == NULL);
}

char *
fathom_cuda_cudnn_describe (FathomCudaCudnn *self)
{
  g_return_val_if_reached (NULL);
}

gboolean
fathom_cuda_cudnn_conv2d_forward (FathomCudaCudnn *self, FathomCudaBackend *backend,
                                  const FathomConvWindow *win, const FathomTensor *x,
                                  const FathomTensor *w, const FathomTensor *bias, const FathomTensor *z,
                                  gboolean relu, FathomTensor *y, gboolean *done, GError **error)
{
  *done = FALSE;
  return TRUE;
}

gboolean
fathom_cuda_cudnn_conv2d_backward (FathomCudaCudnn *self, FathomCudaBackend *backend,
                                   const FathomConvWindow *win, const FathomTensor *x,
                                   const FathomTensor *w, const FathomTensor *dy, FathomTensor *dx,
                                   FathomTensor *dw, FathomTensor *dbias, gboolean *done,
                                   GError **error)
{
  *done = FALSE;
  return TRUE;
}

#endif /* FATHOM_HAVE_CUDNN */
