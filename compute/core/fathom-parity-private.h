/* fathom-parity-private.h: the machinery the parity cases are written in.
 *
 * A case is a function run twice, once per backend, with a generator
 * seeded the same way each time, so both runs draw the same inputs. It
 * uploads its inputs, runs the op forward and backward, and keeps the
 * outputs to compare (downloaded at once, so later steps may reuse them).
 */
#pragma once

#include "fathom-parity.h"
#include "fathom-rng.h"

G_BEGIN_DECLS

typedef struct _FathomParity FathomParity;

typedef struct {
  FathomParity  *parity;
  FathomBackend *be;
  FathomRng     *rng;           /* the same sequence on both backends */
  GPtrArray     *owned;         /* backend tensors of this run */
  GPtrArray     *kept;          /* outputs to compare, in order */
  const char    *direction;     /* where a failure is filed */
  GError        *error;         /* the first failure; the run stops there */
} FathomParityRun;

typedef void (*FathomParityFunc) (FathomParityRun *run, gconstpointer data);

/* TRUE when @op was asked for. */
gboolean      fathom_parity_wants  (FathomParity *self, const char *op);
/* The backend under test (borrowed), for cases that change its settings
 * and put them back. */
FathomBackend *fathom_parity_get_backend (FathomParity *self);
/* Runs @func on both backends and files the comparison under @op. */
void          fathom_parity_case   (FathomParity *self, const char *op, const char *label,
                                    FathomParityFunc func, gconstpointer data);

/* A backend tensor of uniform values in [low, high). NULL once failed. */
FathomTensor *fathom_parity_in     (FathomParityRun *run, guint ndim, const gint64 *shape,
                                    float low, float high);
/* A backend copy of host tensor @host. */
FathomTensor *fathom_parity_upload (FathomParityRun *run, const FathomTensor *host);
/* A backend tensor of NaN, for an output. */
FathomTensor *fathom_parity_out    (FathomParityRun *run, guint ndim, const gint64 *shape);
/* Records the failure of an op call (returns @ok). */
gboolean      fathom_parity_ok     (FathomParityRun *run, gboolean ok);
/* Compares backend tensor @t (a snapshot, taken now) under @direction. */
void          fathom_parity_keep   (FathomParityRun *run, const char *direction, const char *name,
                                    const FathomTensor *t, float atol, float rtol);
void          fathom_parity_keep_scalar (FathomParityRun *run, const char *direction,
                                         const char *name, float value, float atol, float rtol);

#define PARITY_SHAPE(...) G_N_ELEMENTS (((gint64[]) { __VA_ARGS__ })), (gint64[]) { __VA_ARGS__ }
#define PARITY_IN(run, low, high, ...) fathom_parity_in ((run), PARITY_SHAPE (__VA_ARGS__), (low), (high))
#define PARITY_OUT(run, ...) fathom_parity_out ((run), PARITY_SHAPE (__VA_ARGS__))

/* Tolerances, |got - ref| <= atol + rtol |ref|: the reference sums in
 * double, while cuBLAS and most kernels sum in float, so a sum of k terms
 * of size ~1 may be off by ~k * 6e-8. */
/* copies, masks, selections, sums in the same order: the same floats */
#define TOL_EXACT     0.f, 1e-6f
/* one libm call per element: expf, tanhf may differ by an ulp or two */
#define TOL_ELEMENT   1e-6f, 1e-5f
/* reductions in double on both sides, rounded once */
#define TOL_SUM       1e-5f, 1e-5f
/* float products of up to a few hundred terms (cuBLAS, strict FP32) */
#define TOL_PRODUCT   1e-4f, 1e-4f
/* products chained through up to 13 recurrent steps */
#define TOL_RECURRENT 3e-4f, 3e-4f
/* convolutions on cuDNN in strict FP32 (FMA math): its heuristics may
 * pick FFT or Winograd algorithms, whose transforms round through
 * intermediates larger than the result, and its bias gradient sums in
 * float; a wrong tap, window or padding is off by 1e-2 or more, so this
 * still catches every indexing error */
#define TOL_CUDNN     5e-4f, 5e-4f

#define FWD "forward"
#define BWD "backward"
#define UPD "update"

typedef struct {
  guint  ndim;
  gint64 shape[4];
} ShapeCase;

/* "[3,5,7]" */
char *fathom_parity_shape_label (guint ndim, const gint64 *shape);

/* The cases: basic ops, convolution and pooling (fathom-parity-cases.c);
 * dense, batch norm and elementwise layers (-layers.c); recurrent layers,
 * losses and optimisers (-seq.c). */
void fathom_parity_basic_cases    (FathomParity *self);
void fathom_parity_layer_cases    (FathomParity *self);
void fathom_parity_sequence_cases (FathomParity *self);

G_END_DECLS
