/* fathom-parity.h: every op of a backend against the CPU reference.
 *
 * Each op runs on awkward shapes (sizes of 1, odd and prime sizes, batches
 * of 1 and 3, asymmetric padding, ties for max pooling) on both backends
 * from the same inputs; every output of the forward and the backward pass
 * is compared elementwise with |got - ref| <= atol + rtol * |ref|, the
 * tolerance stated per op (see fathom-parity-cases.c for why each is what
 * it is). Outputs start as NaN, so an element a backend forgets shows.
 * conv2d runs on each convolution path the backend has (the conv path of
 * fathom-backend-registry.h, put back afterwards): "conv2d" on our own
 * path, and "conv2d/cudnn" on cuDNN where it can be used.
 * GTK-free: the cuda test suite and `fathom-cli check` share it.
 */
#pragma once

#include <glib.h>

#include "fathom-backend.h"

G_BEGIN_DECLS

/* One op in one direction ("forward", "backward", "update"), over all its cases. */
typedef struct {
  char     *op;
  char     *direction;
  guint     n_cases;
  double    max_abs_error;      /* over every compared output of every case */
  double    worst;              /* max of |got - ref| / (atol + rtol |ref|); <= 1 passes */
  float     atol, rtol;         /* the tolerance of the worst output */
  char     *worst_case;         /* "[3,5,7,11] k3x3 s1 same: dx" */
  char     *error;              /* the first error an op returned, or NULL */
  gboolean  ok;
} FathomParityResult;

/* Runs the cases of every op (or of the ops named in @ops, comma
 * separated; NULL or "" for all) on @backend and on @reference (normally
 * "cpu-reference"). Returns FathomParityResults in a fixed order; an op
 * that fails on either backend is a failed result, not a GError. */
GPtrArray *fathom_parity_run    (FathomBackend *backend,
                                 FathomBackend *reference,
                                 const char    *ops);
gboolean   fathom_parity_all_ok (GPtrArray     *results);
/* The results as a table: op, direction, cases, max abs error, tolerance, ok. */
char      *fathom_parity_format (GPtrArray     *results);

/* The training smoke test: a small conv net (conv 3x3, batch norm, relu,
 * max pool, dense, softmax cross-entropy, Adam) built with a fixed seed
 * and trained @steps steps on one fixed batch; losses[i] is the loss of
 * step i. The same on every backend up to rounding, so two runs may be
 * compared step by step with the tolerance below. */
gboolean   fathom_parity_train  (FathomBackend *backend,
                                 guint          steps,
                                 float         *losses,
                                 GError       **error);

#define FATHOM_PARITY_TRAIN_STEPS 20
/* Per step |loss - ref| <= ATOL + RTOL * ref: the loss falls from about
 * 1.8 to 0.16; float rounding moves it by ~1e-6 (1e-7 between the CPU
 * paths), while a wrong gradient anywhere moves it by 1e-2 or more within
 * a few steps. */
#define FATHOM_PARITY_TRAIN_ATOL 1e-3
#define FATHOM_PARITY_TRAIN_RTOL 1e-3

G_END_DECLS
