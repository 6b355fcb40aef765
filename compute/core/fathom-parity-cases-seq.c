/* fathom-parity-cases-seq.c: parity cases of the recurrent layers, the
 * losses and the optimisers (tolerances in fathom-parity-private.h). */
#include "fathom-parity-private.h"

#include <math.h>

/* ---- recurrent layers ----------------------------------------------------------- */

typedef struct {
  gint64           n, t, d, h;
  FathomActivation act;         /* RNN activation or GRU candidate */
  gboolean         h0, bias, dy;
} SeqCase;

static const SeqCase rnn_cases[] = {
  { 1, 1, 1, 1, FATHOM_ACTIVATION_RELU, FALSE, FALSE, TRUE },
  { 3, 5, 7, 11, FATHOM_ACTIVATION_RELU, TRUE, TRUE, TRUE },
  { 3, 5, 7, 11, FATHOM_ACTIVATION_TANH, TRUE, TRUE, TRUE },
  { 2, 13, 3, 5, FATHOM_ACTIVATION_SIGMOID, FALSE, TRUE, FALSE },   /* no dy: zeros */
};

static const SeqCase gru_cases[] = {
  { 1, 1, 1, 1, FATHOM_ACTIVATION_TANH, FALSE, FALSE, TRUE },
  { 3, 5, 7, 11, FATHOM_ACTIVATION_TANH, TRUE, TRUE, TRUE },
  { 3, 7, 5, 3, FATHOM_ACTIVATION_RELU, FALSE, TRUE, TRUE },
  { 2, 13, 3, 5, FATHOM_ACTIVATION_SIGMOID, TRUE, FALSE, FALSE },
};

static void
recurrent_case (FathomParityRun *run, const SeqCase *c, gboolean gru)
{
  const gint64 rows = gru ? 3 * c->h : c->h;
  FathomTensor *x = PARITY_IN (run, -1.f, 1.f, c->n, c->t, c->d);
  FathomTensor *h0 = c->h0 ? PARITY_IN (run, -1.f, 1.f, c->n, c->h) : NULL;
  FathomTensor *wx = PARITY_IN (run, -0.5f, 0.5f, rows, c->d);
  /* small recurrent weights keep 13 relu steps from growing */
  FathomTensor *wh = PARITY_IN (run, -0.3f, 0.3f, rows, c->h);
  FathomTensor *b = c->bias ? PARITY_IN (run, -0.3f, 0.3f, rows) : NULL;
  FathomTensor *y = PARITY_OUT (run, c->n, c->t, c->h);
  FathomTensor *gates = gru ? PARITY_OUT (run, c->n, c->t, rows) : NULL;
  FathomTensor *dy = c->dy ? PARITY_IN (run, -1.f, 1.f, c->n, c->t, c->h) : NULL;
  FathomTensor *dx = PARITY_OUT (run, c->n, c->t, c->d);
  FathomTensor *dh0 = PARITY_OUT (run, c->n, c->h);
  FathomTensor *dwx = PARITY_OUT (run, rows, c->d);
  FathomTensor *dwh = PARITY_OUT (run, rows, c->h);
  FathomTensor *db = PARITY_OUT (run, rows);
  gboolean ok;

  if (db == NULL)
    return;
  if (gru)
    {
      FathomGruDesc desc = { c->act };
      ok = fathom_backend_gru_forward (run->be, &desc, x, h0, wx, wh, b, y, gates, &run->error);
    }
  else
    {
      FathomRnnDesc desc = { c->act };
      ok = fathom_backend_rnn_forward (run->be, &desc, x, h0, wx, wh, b, y, &run->error);
    }
  if (!fathom_parity_ok (run, ok))
    return;
  fathom_parity_keep (run, FWD, "y", y, TOL_RECURRENT);
  if (gru)
    fathom_parity_keep (run, FWD, "gates", gates, TOL_RECURRENT);

  run->direction = BWD;
  if (gru)
    {
      FathomGruDesc desc = { c->act };
      ok = fathom_backend_gru_backward (run->be, &desc, x, h0, wx, wh, y, gates, dy, dx, dh0, dwx, dwh,
                                        db, &run->error);
    }
  else
    {
      FathomRnnDesc desc = { c->act };
      ok = fathom_backend_rnn_backward (run->be, &desc, x, h0, wx, wh, y, dy, dx, dh0, dwx, dwh, db,
                                        &run->error);
    }
  if (!fathom_parity_ok (run, ok))
    return;
  fathom_parity_keep (run, BWD, "dx", dx, TOL_RECURRENT);
  fathom_parity_keep (run, BWD, "dh0", dh0, TOL_RECURRENT);
  fathom_parity_keep (run, BWD, "dwx", dwx, TOL_RECURRENT);
  fathom_parity_keep (run, BWD, "dwh", dwh, TOL_RECURRENT);
  fathom_parity_keep (run, BWD, "dbias", db, TOL_RECURRENT);
}

static void
rnn_case (FathomParityRun *run, gconstpointer data)
{
  recurrent_case (run, data, FALSE);
}

static void
gru_case (FathomParityRun *run, gconstpointer data)
{
  recurrent_case (run, data, TRUE);
}

static char *
seq_label (const SeqCase *c)
{
  return g_strdup_printf ("N%" G_GINT64_FORMAT " T%" G_GINT64_FORMAT " D%" G_GINT64_FORMAT
                          " H%" G_GINT64_FORMAT " %s%s%s%s", c->n, c->t, c->d, c->h,
                          fathom_activation_get_name (c->act), c->h0 ? " +h0" : "",
                          c->bias ? " +bias" : "", c->dy ? "" : " no dy");
}

/* ---- losses ------------------------------------------------------------------------ */

typedef struct {
  guint    ndim;
  gint64   shape[3];
  float    clip;
  float    range;               /* logits in [-range, range) */
  gboolean soft, no_probs;
} LossCase;

static const LossCase ce_cases[] = {
  { 2, { 1, 1 }, 0.f, 4.f },
  { 2, { 3, 17 }, 0.f, 4.f },
  { 2, { 3, 17 }, 1e-7f, 12.f },                /* some p below the clip */
  { 3, { 2, 3, 5 }, 0.05f, 4.f, TRUE },         /* soft targets, clip active */
  { 2, { 4, 1009 }, 1e-7f, 6.f },
  { 2, { 3, 7 }, 0.f, 4.f, TRUE, TRUE },        /* loss only */
};

static FathomTensor *
ce_target (FathomParityRun *run, const LossCase *c)
{
  g_autoptr(FathomTensor) host = fathom_tensor_new (c->ndim, c->shape);
  float *t = fathom_tensor_get_data (host);
  gint64 k = c->shape[c->ndim - 1], rows = (gint64) fathom_tensor_get_numel (host) / k;

  if (c->soft)
    {
      fathom_rng_fill_uniform (run->rng, host, 0.f, 1.f);
      for (gint64 r = 0; r < rows; r++)
        {
          double sum = 0.0;

          for (gint64 j = 0; j < k; j++)
            sum += t[r * k + j];
          for (gint64 j = 0; j < k; j++)
            t[r * k + j] = (float) (t[r * k + j] / sum);
        }
    }
  else
    for (gint64 r = 0; r < rows; r++)
      t[r * k + (gint64) fathom_rng_below (run->rng, (guint64) k)] = 1.f;
  return fathom_parity_upload (run, host);
}

static void
ce_case (FathomParityRun *run, gconstpointer data)
{
  const LossCase *c = data;
  FathomCrossEntropyDesc desc = { c->clip };
  FathomTensor *logits = fathom_parity_in (run, c->ndim, c->shape, -c->range, c->range);
  FathomTensor *target = ce_target (run, c);
  FathomTensor *probs = c->no_probs ? NULL : fathom_parity_out (run, c->ndim, c->shape);
  FathomTensor *dlogits = fathom_parity_out (run, c->ndim, c->shape);
  float loss = NAN;

  if (dlogits == NULL ||
      !fathom_parity_ok (run, fathom_backend_softmax_cross_entropy_forward (run->be, &desc, logits, target,
                                                                            probs, &loss, &run->error)))
    return;
  fathom_parity_keep_scalar (run, FWD, "loss", loss, TOL_SUM);
  if (probs == NULL)
    return;
  fathom_parity_keep (run, FWD, "probs", probs, TOL_ELEMENT);
  run->direction = BWD;
  if (fathom_parity_ok (run, fathom_backend_softmax_cross_entropy_backward (run->be, &desc, probs, target,
                                                                            1.3f, dlogits, &run->error)))
    fathom_parity_keep (run, BWD, "dlogits", dlogits, TOL_SUM);
}

static const LossCase mse_cases[] = {
  { 1, { 1 } }, { 2, { 3, 17 } }, { 3, { 7, 11, 13 } },
};

static void
mse_case (FathomParityRun *run, gconstpointer data)
{
  const LossCase *c = data;
  FathomTensor *pred = fathom_parity_in (run, c->ndim, c->shape, -1.f, 1.f);
  FathomTensor *target = fathom_parity_in (run, c->ndim, c->shape, -1.f, 1.f);
  FathomTensor *dpred = fathom_parity_out (run, c->ndim, c->shape);
  float loss = NAN;

  if (dpred == NULL ||
      !fathom_parity_ok (run, fathom_backend_mse_forward (run->be, pred, target, &loss, &run->error)))
    return;
  fathom_parity_keep_scalar (run, FWD, "loss", loss, TOL_SUM);
  run->direction = BWD;
  if (fathom_parity_ok (run, fathom_backend_mse_backward (run->be, pred, target, 0.7f, dpred, &run->error)))
    fathom_parity_keep (run, BWD, "dpred", dpred, TOL_SUM);
}

/* ---- optimisers ---------------------------------------------------------------------- */

typedef struct {
  gint64   n;
  float    momentum;
  gboolean nesterov;
  gint64   step;                /* Adam */
} OptimCase;

static const OptimCase sgd_cases[] = {
  { 1, 0.f, FALSE }, { 7919, 0.9f, FALSE }, { 7919, 0.9f, TRUE },
};

static const OptimCase adam_cases[] = {
  { 1, .step = 1 }, { 7919, .step = 1 }, { 7919, .step = 7 },
};

static void
sgd_case (FathomParityRun *run, gconstpointer data)
{
  const OptimCase *c = data;
  FathomSgdDesc desc = { 0.05f, c->momentum, c->nesterov };
  FathomTensor *param = PARITY_IN (run, -1.f, 1.f, c->n);
  FathomTensor *grad = PARITY_IN (run, -1.f, 1.f, c->n);
  FathomTensor *velocity = c->momentum != 0.f ? PARITY_IN (run, -0.1f, 0.1f, c->n) : NULL;

  run->direction = UPD;
  if (grad == NULL ||
      !fathom_parity_ok (run, fathom_backend_sgd_update (run->be, &desc, param, grad, velocity, &run->error)))
    return;
  fathom_parity_keep (run, UPD, "param", param, TOL_ELEMENT);
  if (velocity != NULL)
    fathom_parity_keep (run, UPD, "velocity", velocity, TOL_ELEMENT);
}

static void
adam_case (FathomParityRun *run, gconstpointer data)
{
  const OptimCase *c = data;
  FathomAdamDesc desc = { 1e-3f, 0.9f, 0.999f, 1e-8f, c->step };
  FathomTensor *param = PARITY_IN (run, -1.f, 1.f, c->n);
  FathomTensor *grad = PARITY_IN (run, -1.f, 1.f, c->n);
  FathomTensor *m = PARITY_IN (run, -0.1f, 0.1f, c->n);
  FathomTensor *v = PARITY_IN (run, 0.f, 0.01f, c->n);

  run->direction = UPD;
  if (v == NULL ||
      !fathom_parity_ok (run, fathom_backend_adam_update (run->be, &desc, param, grad, m, v, &run->error)))
    return;
  fathom_parity_keep (run, UPD, "param", param, TOL_ELEMENT);
  fathom_parity_keep (run, UPD, "m", m, TOL_ELEMENT);
  fathom_parity_keep (run, UPD, "v", v, TOL_ELEMENT);
}

static char *
loss_label (const LossCase *c)
{
  g_autofree char *shape = fathom_parity_shape_label (c->ndim, c->shape);
  GString *s = g_string_new (shape);

  if (c->clip > 0.f)
    g_string_append_printf (s, " clip %g", (double) c->clip);
  if (c->soft)
    g_string_append (s, " soft targets");
  if (c->no_probs)
    g_string_append (s, " no probs");
  return g_string_free (s, FALSE);
}

void
fathom_parity_sequence_cases (FathomParity *p)
{
  for (guint i = 0; fathom_parity_wants (p, "rnn") && i < G_N_ELEMENTS (rnn_cases); i++)
    {
      g_autofree char *label = seq_label (&rnn_cases[i]);
      fathom_parity_case (p, "rnn", label, rnn_case, &rnn_cases[i]);
    }
  for (guint i = 0; fathom_parity_wants (p, "gru") && i < G_N_ELEMENTS (gru_cases); i++)
    {
      g_autofree char *label = seq_label (&gru_cases[i]);
      fathom_parity_case (p, "gru", label, gru_case, &gru_cases[i]);
    }
  for (guint i = 0; fathom_parity_wants (p, "softmax_cross_entropy") && i < G_N_ELEMENTS (ce_cases); i++)
    {
      g_autofree char *label = loss_label (&ce_cases[i]);
      fathom_parity_case (p, "softmax_cross_entropy", label, ce_case, &ce_cases[i]);
    }
  for (guint i = 0; fathom_parity_wants (p, "mse") && i < G_N_ELEMENTS (mse_cases); i++)
    {
      g_autofree char *label = loss_label (&mse_cases[i]);
      fathom_parity_case (p, "mse", label, mse_case, &mse_cases[i]);
    }
  for (guint i = 0; fathom_parity_wants (p, "sgd") && i < G_N_ELEMENTS (sgd_cases); i++)
    {
      g_autofree char *label = g_strdup_printf ("[%" G_GINT64_FORMAT "] momentum %g%s", sgd_cases[i].n,
                                                (double) sgd_cases[i].momentum,
                                                sgd_cases[i].nesterov ? " nesterov" : "");
      fathom_parity_case (p, "sgd", label, sgd_case, &sgd_cases[i]);
    }
  for (guint i = 0; fathom_parity_wants (p, "adam") && i < G_N_ELEMENTS (adam_cases); i++)
    {
      g_autofree char *label = g_strdup_printf ("[%" G_GINT64_FORMAT "] step %" G_GINT64_FORMAT,
                                                adam_cases[i].n, adam_cases[i].step);
      fathom_parity_case (p, "adam", label, adam_case, &adam_cases[i]);
    }
}
