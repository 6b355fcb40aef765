/* fathom-parity.c: running parity cases on two backends, comparing and
 * tabulating what they produced, and the training smoke test. */
#include "fathom-parity-private.h"

#include <math.h>
#include <string.h>

#include "fathom-graph.h"
#include "fathom-optimizer.h"

struct _FathomParity
{
  FathomBackend  *backend;      /* borrowed */
  FathomBackend  *reference;    /* borrowed */
  char          **ops;          /* NULL for all */
  GPtrArray      *results;      /* FathomParityResult, in order of first use */
};

typedef struct {
  char         *direction;
  char         *name;
  FathomTensor *value;          /* host snapshot */
  float         atol, rtol;
} Kept;

static void
kept_free (gpointer data)
{
  Kept *k = data;

  g_free (k->direction);
  g_free (k->name);
  fathom_tensor_unref (k->value);
  g_free (k);
}

static void
result_free (gpointer data)
{
  FathomParityResult *r = data;

  g_free (r->op);
  g_free (r->direction);
  g_free (r->worst_case);
  g_free (r->error);
  g_free (r);
}

static FathomParityResult *
result_for (FathomParity *self, const char *op, const char *direction)
{
  FathomParityResult *r;

  for (guint i = 0; i < self->results->len; i++)
    {
      r = g_ptr_array_index (self->results, i);
      if (g_str_equal (r->op, op) && g_str_equal (r->direction, direction))
        return r;
    }
  r = g_new0 (FathomParityResult, 1);
  r->op = g_strdup (op);
  r->direction = g_strdup (direction);
  r->ok = TRUE;
  g_ptr_array_add (self->results, r);
  return r;
}

char *
fathom_parity_shape_label (guint ndim, const gint64 *shape)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

gboolean
fathom_parity_wants (FathomParity *self, const char *op)
{
  return self->ops == NULL || g_strv_contains ((const char *const *) self->ops, op);
}

FathomBackend *
fathom_parity_get_backend (FathomParity *self)
{
  return self->backend;
}

/* ---- a run: one case on one backend ----------------------------------------- */

static gboolean
run_failed (FathomParityRun *run)
{
  return run->error != NULL;
}

static FathomTensor *
own (FathomParityRun *run, FathomTensor *t)
{
  if (t != NULL)
    g_ptr_array_add (run->owned, t);
  return t;
}

FathomTensor *
fathom_parity_upload (FathomParityRun *run, const FathomTensor *host)
{
  FathomTensor *t;

  if (run_failed (run))
    return NULL;
  t = own (run, fathom_backend_new_tensor_like (run->be, host, &run->error));
  if (t != NULL && !fathom_backend_upload (run->be, t, fathom_tensor_get_const_data (host), &run->error))
    return NULL;
  return t;
}

FathomTensor *
fathom_parity_in (FathomParityRun *run, guint ndim, const gint64 *shape, float low, float high)
{
  g_autoptr(FathomTensor) host = fathom_tensor_new (ndim, shape);

  /* Drawn even after a failure, so both runs stay in step. */
  fathom_rng_fill_uniform (run->rng, host, low, high);
  return fathom_parity_upload (run, host);
}

FathomTensor *
fathom_parity_out (FathomParityRun *run, guint ndim, const gint64 *shape)
{
  g_autoptr(FathomTensor) host = fathom_tensor_new (ndim, shape);

  fathom_tensor_fill (host, NAN);
  return fathom_parity_upload (run, host);
}

gboolean
fathom_parity_ok (FathomParityRun *run, gboolean ok)
{
  if (!ok && run->error == NULL)
    g_set_error (&run->error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_LAUNCH, "failed without a message");
  return ok;
}

void
fathom_parity_keep (FathomParityRun *run, const char *direction, const char *name,
                    const FathomTensor *t, float atol, float rtol)
{
  Kept *k;

  if (run_failed (run))
    return;
  run->direction = direction;
  k = g_new0 (Kept, 1);
  k->direction = g_strdup (direction);
  k->name = g_strdup (name);
  k->value = fathom_tensor_new (fathom_tensor_get_ndim (t), fathom_tensor_get_shape (t));
  k->atol = atol;
  k->rtol = rtol;
  g_ptr_array_add (run->kept, k);
  fathom_backend_download (run->be, t, fathom_tensor_get_data (k->value), &run->error);
}

void
fathom_parity_keep_scalar (FathomParityRun *run, const char *direction, const char *name,
                           float value, float atol, float rtol)
{
  Kept *k;

  if (run_failed (run))
    return;
  k = g_new0 (Kept, 1);
  k->direction = g_strdup (direction);
  k->name = g_strdup (name);
  k->value = fathom_tensor_new_from_data (1, (gint64[]) { 1 }, &value);
  k->atol = atol;
  k->rtol = rtol;
  g_ptr_array_add (run->kept, k);
}

static void
run_init (FathomParityRun *run, FathomParity *self, FathomBackend *be, guint64 seed)
{
  memset (run, 0, sizeof *run);
  run->parity = self;
  run->be = be;
  run->rng = fathom_rng_new (seed);
  run->owned = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
  run->kept = g_ptr_array_new_with_free_func (kept_free);
  run->direction = "forward";
}

static void
run_clear (FathomParityRun *run)
{
  fathom_rng_free (run->rng);
  g_ptr_array_unref (run->owned);
  g_ptr_array_unref (run->kept);
  g_clear_error (&run->error);
}

/* ---- comparing ---------------------------------------------------------------------- */

static void
compare (FathomParityResult *r, const char *label, const Kept *got, const Kept *want)
{
  const float *g = fathom_tensor_get_const_data (got->value);
  const float *w = fathom_tensor_get_const_data (want->value);
  gsize n = fathom_tensor_get_numel (want->value);
  double max_err = 0.0, worst = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      double err = fabs ((double) g[i] - w[i]);
      /* 0 / 0 where an exact tolerance meets an exact zero */
      double ratio = err == 0.0 ? 0.0 : err / (got->atol + got->rtol * fabs ((double) w[i]));

      /* NaN anywhere (an element never written) is the worst there is. */
      if (isnan (err) || isnan (ratio))
        err = ratio = INFINITY;
      max_err = MAX (max_err, err);
      worst = MAX (worst, ratio);
    }
  r->max_abs_error = MAX (r->max_abs_error, max_err);
  if (worst >= r->worst || r->worst_case == NULL)
    {
      r->worst = worst;
      r->atol = got->atol;
      r->rtol = got->rtol;
      g_free (r->worst_case);
      r->worst_case = g_strdup_printf ("%s: %s", label, got->name);
    }
  if (!(worst <= 1.0))
    r->ok = FALSE;
}

static void
file_error (FathomParity *self, const char *op, const char *label, FathomParityRun *run)
{
  FathomParityResult *r = result_for (self, op, run->direction);

  r->ok = FALSE;
  if (r->error == NULL)
    r->error = g_strdup_printf ("%s on %s: %s", label, fathom_backend_get_name (run->be),
                                run->error->message);
}

void
fathom_parity_case (FathomParity *self, const char *op, const char *label,
                    FathomParityFunc func, gconstpointer data)
{
  guint64 seed = g_str_hash (op) * 31u + g_str_hash (label);
  FathomParityRun runs[2];

  run_init (&runs[0], self, self->backend, seed);
  run_init (&runs[1], self, self->reference, seed);
  func (&runs[0], data);
  func (&runs[1], data);

  if (runs[0].error != NULL || runs[1].error != NULL)
    {
      for (guint i = 0; i < 2; i++)
        if (runs[i].error != NULL)
          file_error (self, op, label, &runs[i]);
    }
  else
    {
      g_autoptr(GPtrArray) counted = g_ptr_array_new ();

      for (guint i = 0; i < runs[1].kept->len; i++)
        {
          const Kept *got = g_ptr_array_index (runs[0].kept, i);
          const Kept *want = g_ptr_array_index (runs[1].kept, i);
          FathomParityResult *r = result_for (self, op, want->direction);

          /* a case counts once per direction, however many outputs it has */
          if (!g_ptr_array_find (counted, r, NULL))
            {
              r->n_cases++;
              g_ptr_array_add (counted, r);
            }
          compare (r, label, got, want);
        }
    }
  run_clear (&runs[0]);
  run_clear (&runs[1]);
}

/* ---- public ---------------------------------------------------------------------------- */

GPtrArray *
fathom_parity_run (FathomBackend *backend, FathomBackend *reference, const char *ops)
{
  FathomParity self = { backend, reference, NULL, NULL };

  g_return_val_if_fail (backend != NULL && reference != NULL, NULL);
  if (ops != NULL && *ops != '\0')
    self.ops = g_strsplit (ops, ",", -1);
  self.results = g_ptr_array_new_with_free_func (result_free);
  fathom_parity_basic_cases (&self);
  fathom_parity_layer_cases (&self);
  fathom_parity_sequence_cases (&self);
  g_strfreev (self.ops);
  return self.results;
}

gboolean
fathom_parity_all_ok (GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    if (!((FathomParityResult *) g_ptr_array_index (results, i))->ok)
      return FALSE;
  return results->len > 0;
}

char *
fathom_parity_format (GPtrArray *results)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%-22s %-9s %5s %12s  %-22s %s\n",
                          "op", "direction", "cases", "max abs err", "tolerance", "ok");
  for (guint i = 0; i < results->len; i++)
    {
      const FathomParityResult *r = g_ptr_array_index (results, i);
      g_autofree char *tol = g_strdup_printf ("%.0e + %.0e|ref|", (double) r->atol, (double) r->rtol);

      g_string_append_printf (s, "%-22s %-9s %5u %12.3e  %-22s %s\n", r->op, r->direction,
                              r->n_cases, r->max_abs_error, tol, r->ok ? "ok" : "FAIL");
      if (r->error != NULL)
        g_string_append_printf (s, "    error: %s\n", r->error);
      else if (!r->ok)
        g_string_append_printf (s, "    worst: %s (%.3g x the tolerance)\n", r->worst_case, r->worst);
    }
  return g_string_free (s, FALSE);
}

/* ---- the training smoke test --------------------------------------------------------- */

#define TRAIN_BATCH 6
#define TRAIN_CLASSES 5

static FathomGraph *
train_graph (FathomBackend *backend, GError **error)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomShape in = FATHOM_SHAPE (3, 12, 11);
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  int x = fathom_graph_add_input (g, "x", &in);

  /* No conv bias: batch norm removes it, and Adam would amplify its
   * ~1e-9 gradient noise into steps that differ between backends. */
  x = FATHOM_GRAPH_ADD (g, fathom_conv2d_layer_new (8, 3, 3, 1, 1, FATHOM_PADDING_SAME,
                                                    FATHOM_ACTIVATION_IDENTITY, FALSE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_batch_norm_layer_new (&bn), x);
  x = FATHOM_GRAPH_ADD (g, fathom_activation_layer_new (FATHOM_ACTIVATION_RELU), x);
  x = FATHOM_GRAPH_ADD (g, fathom_max_pool_layer_new (2, 2, 2, 2, FATHOM_PADDING_SAME), x);
  x = FATHOM_GRAPH_ADD (g, fathom_flatten_layer_new (), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (TRAIN_CLASSES, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD (g, fathom_softmax_layer_new (), x);
  if (!fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, error) ||
      !fathom_graph_build (g, backend, 7, error))
    return NULL;
  return g_steal_pointer (&g);
}

gboolean
fathom_parity_train (FathomBackend *backend, guint steps, float *losses, GError **error)
{
  g_autoptr(FathomGraph) g = NULL;
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (1e-3f);
  g_autoptr(FathomRng) rng = fathom_rng_new (20170707);
  g_autoptr(FathomTensor) hx = fathom_tensor_new_4d (TRAIN_BATCH, 3, 12, 11);
  g_autoptr(FathomTensor) ht = fathom_tensor_new_2d (TRAIN_BATCH, TRAIN_CLASSES);
  g_autoptr(FathomTensor) x = NULL;
  g_autoptr(FathomTensor) t = NULL;
  float *labels = fathom_tensor_get_data (ht);

  if ((g = train_graph (backend, error)) == NULL)
    return FALSE;
  /* Never all-zero data: normal pixels, one class per sample. */
  fathom_rng_fill_normal (rng, hx, 0.f, 1.f);
  for (gint64 i = 0; i < TRAIN_BATCH; i++)
    labels[i * TRAIN_CLASSES + (gint64) fathom_rng_below (rng, TRAIN_CLASSES)] = 1.f;
  if ((x = fathom_backend_new_tensor_like (backend, hx, error)) == NULL ||
      (t = fathom_backend_new_tensor_like (backend, ht, error)) == NULL ||
      !fathom_backend_upload (backend, x, fathom_tensor_get_const_data (hx), error) ||
      !fathom_backend_upload (backend, t, fathom_tensor_get_const_data (ht), error))
    return FALSE;

  for (guint step = 0; step < steps; step++)
    {
      if (!fathom_graph_forward (g, &x, TRUE, error) ||
          !fathom_graph_compute_loss (g, &t, NULL, &losses[step], error) ||
          !fathom_graph_backward (g, error) ||
          !fathom_optimizer_step (opt, g, error))
        return FALSE;
    }
  return fathom_backend_synchronize (backend, error);
}
