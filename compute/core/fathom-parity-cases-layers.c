/* fathom-parity-cases-layers.c: parity cases of dense, batch norm (and
 * its gradients through a convolution),
 * activations, softmax, dropout, concat, add and attention pooling (tolerances in
 * fathom-parity-private.h). */
#include "fathom-parity-private.h"

/* ---- dense and batch norm ---------------------------------------------------------------- */

typedef struct {
  gint64   n, d, m;
  gboolean bias;
} DenseCase;

static const DenseCase dense_cases[] = {
  { 1, 1, 1, TRUE }, { 3, 17, 13, TRUE }, { 7, 31, 1, FALSE }, { 1, 257, 5, TRUE },
};

static void
dense_case (FathomParityRun *run, gconstpointer data)
{
  const DenseCase *c = data;
  FathomTensor *x = PARITY_IN (run, -1.f, 1.f, c->n, c->d);
  FathomTensor *w = PARITY_IN (run, -0.5f, 0.5f, c->m, c->d);
  FathomTensor *b = c->bias ? PARITY_IN (run, -0.5f, 0.5f, c->m) : NULL;
  FathomTensor *y = PARITY_OUT (run, c->n, c->m);
  FathomTensor *dy = PARITY_IN (run, -1.f, 1.f, c->n, c->m);
  FathomTensor *dx = PARITY_OUT (run, c->n, c->d);
  FathomTensor *dw = PARITY_OUT (run, c->m, c->d);
  FathomTensor *db = c->bias ? PARITY_OUT (run, c->m) : NULL;

  if (dw == NULL || !fathom_parity_ok (run, fathom_backend_dense_forward (run->be, x, w, b, y, &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_PRODUCT);
  run->direction = BWD;
  if (!fathom_parity_ok (run, fathom_backend_dense_backward (run->be, x, w, dy, dx, dw, db, &run->error)))
    return;
  fathom_parity_keep (run, BWD, "dx", dx, TOL_PRODUCT);
  fathom_parity_keep (run, BWD, "dw", dw, TOL_PRODUCT);
  if (db != NULL)
    fathom_parity_keep (run, BWD, "dbias", db, TOL_SUM);
}

typedef struct {
  ShapeCase shape;
  gboolean  torch, training;
} NormCase;

static const NormCase norm_cases[] = {
  { { 2, { 1, 3 } }, FALSE, TRUE },             /* one sample: zero variance */
  { { 2, { 3, 13 } }, TRUE, TRUE },
  { { 4, { 3, 5, 7, 7 } }, FALSE, TRUE },
  { { 4, { 1, 2, 1, 1 } }, TRUE, TRUE },
  { { 4, { 3, 5, 7, 7 } }, TRUE, FALSE },       /* inference: running statistics */
  { { 4, { 2, 3, 11, 13 } }, TRUE, TRUE },
};

static void
norm_case (FathomParityRun *run, gconstpointer data)
{
  const NormCase *c = data;
  FathomBatchNormDesc desc = c->torch ? fathom_batch_norm_desc_torch () : fathom_batch_norm_desc_keras ();
  gint64 ch = c->shape.shape[1];
  FathomTensor *x = fathom_parity_in (run, c->shape.ndim, c->shape.shape, -2.f, 3.f);
  FathomTensor *gamma = PARITY_IN (run, 0.5f, 1.5f, ch);
  FathomTensor *beta = PARITY_IN (run, -0.5f, 0.5f, ch);
  FathomTensor *rmean = PARITY_IN (run, -0.5f, 0.5f, ch);
  FathomTensor *rvar = PARITY_IN (run, 0.5f, 1.5f, ch);
  FathomTensor *y = fathom_parity_out (run, c->shape.ndim, c->shape.shape);
  FathomTensor *smean = PARITY_OUT (run, ch);
  FathomTensor *sinv = PARITY_OUT (run, ch);
  FathomTensor *dy = fathom_parity_in (run, c->shape.ndim, c->shape.shape, -1.f, 1.f);
  FathomTensor *dx = fathom_parity_out (run, c->shape.ndim, c->shape.shape);
  FathomTensor *dgamma = PARITY_OUT (run, ch);
  FathomTensor *dbeta = PARITY_OUT (run, ch);

  desc.training = c->training;
  if (dbeta == NULL ||
      !fathom_parity_ok (run, fathom_backend_batch_norm_forward (run->be, &desc, x, gamma, beta, rmean, rvar,
                                                                 y, smean, sinv, &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_SUM);
  fathom_parity_keep (run, FWD, "running_mean", rmean, TOL_SUM);
  fathom_parity_keep (run, FWD, "running_var", rvar, TOL_SUM);
  fathom_parity_keep (run, FWD, "save_mean", smean, TOL_SUM);
  fathom_parity_keep (run, FWD, "save_invstd", sinv, TOL_SUM);
  run->direction = BWD;
  if (!fathom_parity_ok (run, fathom_backend_batch_norm_backward (run->be, &desc, x, gamma, smean, sinv, dy,
                                                                  dx, dgamma, dbeta, &run->error)))
    return;
  fathom_parity_keep (run, BWD, "dx", dx, TOL_SUM);
  fathom_parity_keep (run, BWD, "dgamma", dgamma, TOL_SUM);
  fathom_parity_keep (run, BWD, "dbeta", dbeta, TOL_SUM);
}

typedef struct {
  gint64 k, c, kh, kw;
  gboolean all_outputs;
} NormConvCase;

static const NormConvCase norm_conv_cases[] = {
  { 1, 1, 1, 1, TRUE }, { 7, 5, 3, 3, TRUE }, { 24, 40, 3, 3, TRUE }, { 3, 600, 1, 1, TRUE },
  { 9, 4, 3, 3, FALSE },                      /* the filters frozen: no dw */
};

static void
norm_conv_case (FathomParityRun *run, gconstpointer data)
{
  const NormConvCase *c = data;
  FathomTensor *g = PARITY_IN (run, -2.f, 2.f, c->k, c->c, c->kh, c->kw);
  FathomTensor *s = PARITY_IN (run, -3.f, 3.f, c->k, 1, c->kh, c->kw);
  FathomTensor *w = PARITY_IN (run, -0.5f, 0.5f, c->k, c->c, c->kh, c->kw);
  FathomTensor *gamma = PARITY_IN (run, 0.5f, 1.5f, c->c);
  FathomTensor *beta = PARITY_IN (run, -0.5f, 0.5f, c->c);
  FathomTensor *mean = PARITY_IN (run, -1.f, 2.f, c->c);
  FathomTensor *invstd = PARITY_IN (run, 0.2f, 3.f, c->c);
  FathomTensor *dw = c->all_outputs ? PARITY_OUT (run, c->k, c->c, c->kh, c->kw) : NULL;
  FathomTensor *dgamma = PARITY_OUT (run, c->c);
  FathomTensor *dbeta = PARITY_OUT (run, c->c);

  run->direction = BWD;
  if (dbeta == NULL ||
      !fathom_parity_ok (run, fathom_backend_batch_norm_conv_grad (run->be, g, s, w, gamma, beta, mean, invstd,
                                                                   dw, dgamma, dbeta, &run->error)))
    return;
  if (dw != NULL)
    fathom_parity_keep (run, BWD, "dw", dw, TOL_ELEMENT);
  fathom_parity_keep (run, BWD, "dgamma", dgamma, TOL_SUM);
  fathom_parity_keep (run, BWD, "dbeta", dbeta, TOL_SUM);
}

static void
layer_cases_run (FathomParity *p)
{
  for (guint i = 0; fathom_parity_wants (p, "dense") && i < G_N_ELEMENTS (dense_cases); i++)
    {
      const DenseCase *c = &dense_cases[i];
      g_autofree char *label = g_strdup_printf ("x [%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "] -> %"
                                                G_GINT64_FORMAT "%s", c->n, c->d, c->m,
                                                c->bias ? " +bias" : "");

      fathom_parity_case (p, "dense", label, dense_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "batch_norm") && i < G_N_ELEMENTS (norm_cases); i++)
    {
      const NormCase *c = &norm_cases[i];
      g_autofree char *shape = fathom_parity_shape_label (c->shape.ndim, c->shape.shape);
      g_autofree char *label = g_strdup_printf ("%s %s %s", shape, c->torch ? "torch" : "keras",
                                                c->training ? "training" : "inference");

      fathom_parity_case (p, "batch_norm", label, norm_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "batch_norm_conv_grad") && i < G_N_ELEMENTS (norm_conv_cases); i++)
    {
      const NormConvCase *c = &norm_conv_cases[i];
      g_autofree char *label = g_strdup_printf ("[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                                                ",%" G_GINT64_FORMAT "]%s", c->k, c->c, c->kh, c->kw,
                                                c->all_outputs ? "" : " no dw");

      fathom_parity_case (p, "batch_norm_conv_grad", label, norm_conv_case, c);
    }
}

/* ---- elementwise layers -------------------------------------------------------------------- */

typedef struct {
  FathomActivation act;
  ShapeCase        shape;
  gboolean         in_place;
} ActivationCase;

static const ActivationCase activation_cases[] = {
  { FATHOM_ACTIVATION_IDENTITY, { 3, { 3, 7, 11 } } },
  { FATHOM_ACTIVATION_RELU, { 1, { 1 } } },
  { FATHOM_ACTIVATION_RELU, { 3, { 3, 7, 11 } }, TRUE },
  { FATHOM_ACTIVATION_SIGMOID, { 3, { 3, 7, 11 } } },
  { FATHOM_ACTIVATION_TANH, { 2, { 1, 7919 } } },
};

static void
activation_case (FathomParityRun *run, gconstpointer data)
{
  const ActivationCase *c = data;
  FathomTensor *x = fathom_parity_in (run, c->shape.ndim, c->shape.shape, -6.f, 6.f);
  FathomTensor *y = c->in_place ? x : fathom_parity_out (run, c->shape.ndim, c->shape.shape);
  FathomTensor *dy = fathom_parity_in (run, c->shape.ndim, c->shape.shape, -1.f, 1.f);
  FathomTensor *dx = fathom_parity_out (run, c->shape.ndim, c->shape.shape);

  if (dx == NULL ||
      !fathom_parity_ok (run, fathom_backend_activation_forward (run->be, c->act, x, y, &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_ELEMENT);
  run->direction = BWD;
  if (fathom_parity_ok (run, fathom_backend_activation_backward (run->be, c->act, y, dy, dx, &run->error)))
    fathom_parity_keep (run, BWD, "dx", dx, TOL_ELEMENT);
}

static const ShapeCase softmax_shapes[] = {
  { 2, { 1, 1 } }, { 2, { 3, 17 } }, { 3, { 2, 3, 13 } }, { 2, { 2, 1009 } },
};

static void
softmax_case (FathomParityRun *run, gconstpointer data)
{
  const ShapeCase *c = data;
  FathomTensor *x = fathom_parity_in (run, c->ndim, c->shape, -5.f, 5.f);
  FathomTensor *y = fathom_parity_out (run, c->ndim, c->shape);
  FathomTensor *dy = fathom_parity_in (run, c->ndim, c->shape, -1.f, 1.f);
  FathomTensor *dx = fathom_parity_out (run, c->ndim, c->shape);

  if (dx == NULL || !fathom_parity_ok (run, fathom_backend_softmax_forward (run->be, x, y, &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_ELEMENT);
  run->direction = BWD;
  if (fathom_parity_ok (run, fathom_backend_softmax_backward (run->be, y, dy, dx, &run->error)))
    fathom_parity_keep (run, BWD, "dx", dx, TOL_ELEMENT);
}

typedef struct {
  float     rate;
  guint64   seed;
  ShapeCase shape;
} DropoutCase;

static const DropoutCase dropout_cases[] = {
  { 0.3f, 42, { 4, { 3, 5, 7, 11 } } },
  { 0.f, 1, { 2, { 1, 3 } } },
  { 0.9f, G_GUINT64_CONSTANT (0xDEADBEEFCAFEF00D), { 1, { 7919 } } },
};

static void
dropout_case (FathomParityRun *run, gconstpointer data)
{
  const DropoutCase *c = data;
  FathomDropoutDesc desc = { c->rate, c->seed };
  FathomTensor *x = fathom_parity_in (run, c->shape.ndim, c->shape.shape, -1.f, 1.f);
  FathomTensor *y = fathom_parity_out (run, c->shape.ndim, c->shape.shape);
  FathomTensor *dy = fathom_parity_in (run, c->shape.ndim, c->shape.shape, -1.f, 1.f);
  FathomTensor *dx = fathom_parity_out (run, c->shape.ndim, c->shape.shape);

  if (dx == NULL || !fathom_parity_ok (run, fathom_backend_dropout_forward (run->be, &desc, x, y, &run->error)))
    return;
  /* The mask is the same SplitMix64 hash everywhere: exactly equal. */
  fathom_parity_keep (run, FWD, "y", y, TOL_EXACT);
  run->direction = BWD;
  if (fathom_parity_ok (run, fathom_backend_dropout_backward (run->be, &desc, dy, dx, &run->error)))
    fathom_parity_keep (run, BWD, "dx", dx, TOL_EXACT);
}

typedef struct {
  guint  n_parts;
  gint64 channels[3];
  guint  ndim;                  /* 2 or 4 */
  gint64 batch, h, w;
} ConcatCase;

static const ConcatCase concat_cases[] = {
  { 3, { 2, 1, 4 }, 4, 3, 5, 5 },
  { 2, { 3, 1 }, 2, 1 },
  { 1, { 7 }, 4, 1, 1, 3 },
};

static void
concat_case (FathomParityRun *run, gconstpointer data)
{
  const ConcatCase *c = data;
  FathomTensor *parts[3] = { NULL }, *grads[3] = { NULL };
  gint64 total = 0;
  FathomTensor *y, *dy;

  for (guint i = 0; i < c->n_parts; i++)
    {
      total += c->channels[i];
      parts[i] = c->ndim == 2 ? PARITY_IN (run, -1.f, 1.f, c->batch, c->channels[i])
                              : PARITY_IN (run, -1.f, 1.f, c->batch, c->channels[i], c->h, c->w);
      grads[i] = c->ndim == 2 ? PARITY_OUT (run, c->batch, c->channels[i])
                              : PARITY_OUT (run, c->batch, c->channels[i], c->h, c->w);
    }
  y = c->ndim == 2 ? PARITY_OUT (run, c->batch, total) : PARITY_OUT (run, c->batch, total, c->h, c->w);
  dy = c->ndim == 2 ? PARITY_IN (run, -1.f, 1.f, c->batch, total)
                    : PARITY_IN (run, -1.f, 1.f, c->batch, total, c->h, c->w);
  if (dy == NULL ||
      !fathom_parity_ok (run, fathom_backend_concat_forward (run->be, c->n_parts,
                                                             (const FathomTensor *const *) parts, y,
                                                             &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_EXACT);
  run->direction = BWD;
  if (!fathom_parity_ok (run, fathom_backend_concat_backward (run->be, c->n_parts, dy, grads, &run->error)))
    return;
  for (guint i = 0; i < c->n_parts; i++)
    fathom_parity_keep (run, BWD, "dx part", grads[i], TOL_EXACT);
}

typedef struct {
  guint     n;
  ShapeCase shape;
  gboolean  alias;              /* y is the first input */
} AddCase;

static const AddCase add_cases[] = {
  { 1, { 1, { 1 } } },
  { 3, { 4, { 3, 2, 5, 7 } } },
  { 17, { 2, { 3, 7 } } },                      /* more than one launch takes */
  { 17, { 1, { 1009 } }, TRUE },
};

static void
add_case (FathomParityRun *run, gconstpointer data)
{
  const AddCase *c = data;
  FathomTensor *x[17] = { NULL };
  FathomTensor *y;

  for (guint i = 0; i < c->n; i++)
    x[i] = fathom_parity_in (run, c->shape.ndim, c->shape.shape, -1.f, 1.f);
  y = c->alias ? x[0] : fathom_parity_out (run, c->shape.ndim, c->shape.shape);
  if (y != NULL &&
      fathom_parity_ok (run, fathom_backend_add_forward (run->be, c->n, (const FathomTensor *const *) x, y,
                                                         &run->error)))
    fathom_parity_keep (run, FWD, "y", y, TOL_SUM);
}

/* Attention pooling: n samples of k maps of h x w cells. Products summed
 * over the cells (forward, dweights) or single products (dvalues). */
typedef struct {
  gint64 n, k, h, w;
} AttentionCase;

static const AttentionCase attention_cases[] = {
  { 1, 1, 1, 1 }, { 3, 4, 5, 7 }, { 2, 3, 13, 1 }, { 1, 2, 22, 40 }, { 3, 1, 31, 37 },
};

static void
attention_case (FathomParityRun *run, gconstpointer data)
{
  const AttentionCase *c = data;
  FathomTensor *w = PARITY_IN (run, 0.f, 1.f, c->n, c->h * c->w);
  FathomTensor *v = PARITY_IN (run, -2.f, 2.f, c->n, c->k, c->h, c->w);
  FathomTensor *y = PARITY_OUT (run, c->n, c->k);
  FathomTensor *dy = PARITY_IN (run, -1.f, 1.f, c->n, c->k);
  FathomTensor *dw = PARITY_OUT (run, c->n, c->h * c->w);
  FathomTensor *dv = PARITY_OUT (run, c->n, c->k, c->h, c->w);

  if (dv == NULL ||
      !fathom_parity_ok (run, fathom_backend_attention_pool_forward (run->be, w, v, y, &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_SUM);
  run->direction = BWD;
  if (!fathom_parity_ok (run, fathom_backend_attention_pool_backward (run->be, w, v, dy, dw, dv, &run->error)))
    return;
  fathom_parity_keep (run, BWD, "dweights", dw, TOL_SUM);
  fathom_parity_keep (run, BWD, "dvalues", dv, TOL_ELEMENT);
}

typedef struct {
  gint64 n, h, w;
  int    radius;
} PeakCase;

/* Edges clip the window (the peak in a corner of 1x1 and 13x1 maps), and
 * one radius covers the whole 5x7 map. */
static const PeakCase peak_cases[] = {
  { 1, 1, 1, 0 }, { 3, 5, 7, 1 }, { 2, 13, 1, 2 }, { 3, 5, 7, 9 }, { 4, 14, 14, 2 }, { 3, 22, 40, 3 },
  { 1, 31, 37, 0 },
};

static void
peak_case (FathomParityRun *run, gconstpointer data)
{
  const PeakCase *c = data;
  FathomTensor *w = PARITY_IN (run, 0.f, 1.f, c->n, c->h * c->w);
  FathomTensor *y = PARITY_OUT (run, c->n, c->h * c->w);

  if (y == NULL ||
      !fathom_parity_ok (run, fathom_backend_peak_window_forward (run->be, w, c->h, c->w, c->radius, y,
                                                                  &run->error)))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_ELEMENT);
}

static void
elementwise_cases_run (FathomParity *p)
{
  for (guint i = 0; fathom_parity_wants (p, "activation") && i < G_N_ELEMENTS (activation_cases); i++)
    {
      const ActivationCase *c = &activation_cases[i];
      g_autofree char *shape = fathom_parity_shape_label (c->shape.ndim, c->shape.shape);
      g_autofree char *label = g_strdup_printf ("%s %s%s", fathom_activation_get_name (c->act), shape,
                                                c->in_place ? " in place" : "");

      fathom_parity_case (p, "activation", label, activation_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "softmax") && i < G_N_ELEMENTS (softmax_shapes); i++)
    {
      g_autofree char *label = fathom_parity_shape_label (softmax_shapes[i].ndim, softmax_shapes[i].shape);

      fathom_parity_case (p, "softmax", label, softmax_case, &softmax_shapes[i]);
    }
  for (guint i = 0; fathom_parity_wants (p, "dropout") && i < G_N_ELEMENTS (dropout_cases); i++)
    {
      const DropoutCase *c = &dropout_cases[i];
      g_autofree char *shape = fathom_parity_shape_label (c->shape.ndim, c->shape.shape);
      g_autofree char *label = g_strdup_printf ("%s rate %g", shape, (double) c->rate);

      fathom_parity_case (p, "dropout", label, dropout_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "concat") && i < G_N_ELEMENTS (concat_cases); i++)
    {
      const ConcatCase *c = &concat_cases[i];
      g_autofree char *label = g_strdup_printf ("%u parts, %uD, batch %" G_GINT64_FORMAT,
                                                c->n_parts, c->ndim, c->batch);

      fathom_parity_case (p, "concat", label, concat_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "add") && i < G_N_ELEMENTS (add_cases); i++)
    {
      const AddCase *c = &add_cases[i];
      g_autofree char *shape = fathom_parity_shape_label (c->shape.ndim, c->shape.shape);
      g_autofree char *label = g_strdup_printf ("%u x %s%s", c->n, shape, c->alias ? " into input 0" : "");

      fathom_parity_case (p, "add", label, add_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "attention_pool") && i < G_N_ELEMENTS (attention_cases); i++)
    {
      const AttentionCase *c = &attention_cases[i];
      g_autofree char *label = g_strdup_printf ("%" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " maps of %"
                                                G_GINT64_FORMAT "x%" G_GINT64_FORMAT, c->n, c->k, c->h, c->w);

      fathom_parity_case (p, "attention_pool", label, attention_case, c);
    }
  for (guint i = 0; fathom_parity_wants (p, "peak_window") && i < G_N_ELEMENTS (peak_cases); i++)
    {
      const PeakCase *c = &peak_cases[i];
      g_autofree char *label = g_strdup_printf ("%" G_GINT64_FORMAT " maps of %" G_GINT64_FORMAT "x%"
                                                G_GINT64_FORMAT ", radius %d", c->n, c->h, c->w, c->radius);

      fathom_parity_case (p, "peak_window", label, peak_case, c);
    }
}

void
fathom_parity_layer_cases (FathomParity *p)
{
  layer_cases_run (p);
  elementwise_cases_run (p);
}
