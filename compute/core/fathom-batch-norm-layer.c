/* fathom-batch-norm-layer.c: BatchNormalization over the channel axis.
 *
 * gamma and beta are parameters; the running mean and variance are state.
 * A frozen layer normalises with its running values even while the graph
 * trains, so a frozen backbone behaves as it did when it was trained. */
#include "fathom-layer.h"

typedef struct {
  FathomLayer          parent;
  FathomBatchNormDesc  desc;
  gboolean             used_batch_stats;   /* what the last forward did */
  FathomTensor        *save_mean;
  FathomTensor        *save_invstd;
} FathomBatchNormLayer;

static void
batch_norm_finalize (FathomLayer *layer)
{
  FathomBatchNormLayer *self = (FathomBatchNormLayer *) layer;

  g_clear_pointer (&self->save_mean, fathom_tensor_unref);
  g_clear_pointer (&self->save_invstd, fathom_tensor_unref);
}

static gboolean
batch_norm_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  if (in[0].ndim != 1 && in[0].ndim != 3)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: BatchNormalization needs a [C] or [C, H, W] input", layer->name);
      return FALSE;
    }
  *out = in[0];
  return TRUE;
}

static gboolean
batch_norm_build (FathomLayer *layer, FathomBackend *backend, const FathomShape *in, FathomRng *rng, GError **error)
{
  FathomBatchNormLayer *self = (FathomBatchNormLayer *) layer;
  gint64 c = in[0].d[0];
  g_autoptr(FathomTensor) ones = fathom_tensor_new_1d (c);

  fathom_tensor_fill (ones, 1.f);
  return fathom_layer_add_param (layer, backend, "gamma", ones, 1, &c, FALSE, error) &&
         fathom_layer_add_param (layer, backend, "beta", NULL, 1, &c, FALSE, error) &&
         fathom_layer_add_param (layer, backend, "running_mean", NULL, 1, &c, TRUE, error) &&
         fathom_layer_add_param (layer, backend, "running_var", ones, 1, &c, TRUE, error) &&
         fathom_layer_ensure_tensor (backend, &self->save_mean, 1, &c, error) &&
         fathom_layer_ensure_tensor (backend, &self->save_invstd, 1, &c, error);
}

static gboolean
batch_norm_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomBatchNormLayer *self = (FathomBatchNormLayer *) layer;
  FathomBatchNormDesc desc = self->desc;

  desc.training = io->training && !layer->frozen;
  self->used_batch_stats = desc.training;
  /* the running statistics' warm-up (fathom-layer.h) */
  if (desc.training && io->step >= 1)
    desc.momentum = MIN (desc.momentum, 1.f - 1.f / (float) io->step);
  /* a replay would repeat this step's momentum while it still changes */
  if (io->captured && desc.training && io->step >= 1 && desc.momentum != self->desc.momentum)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_UNSUPPORTED,
                   "batch norm: the momentum of its running statistics still changes with the step "
                   "(step %" G_GUINT64_FORMAT "), so it is not captured yet", io->step);
      return FALSE;
    }
  return fathom_backend_batch_norm_forward (backend, &desc, io->x[0],
                                            fathom_layer_value (layer, 0), fathom_layer_value (layer, 1),
                                            fathom_layer_value (layer, 2), fathom_layer_value (layer, 3),
                                            io->y, self->save_mean, self->save_invstd, error);
}

static gboolean
batch_norm_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomBatchNormLayer *self = (FathomBatchNormLayer *) layer;
  FathomBatchNormDesc desc = self->desc;

  desc.training = self->used_batch_stats;
  return fathom_backend_batch_norm_backward (backend, &desc, io->x[0], fathom_layer_value (layer, 0),
                                             self->save_mean, self->save_invstd, io->dy, io->dx[0],
                                             fathom_layer_grad (layer, 0), fathom_layer_grad (layer, 1),
                                             error);
}

static const FathomLayerClass batch_norm_class = {
  .type_name = "BatchNormalization",
  .name_prefix = "batch_normalization",
  .min_inputs = 1, .max_inputs = 1,
  .finalize = batch_norm_finalize,
  .infer_shape = batch_norm_infer_shape,
  .build = batch_norm_build,
  .forward = batch_norm_forward,
  .backward = batch_norm_backward,
};

FathomLayer *
fathom_batch_norm_layer_new (const FathomBatchNormDesc *desc)
{
  FathomBatchNormLayer *self = (FathomBatchNormLayer *) fathom_layer_alloc (&batch_norm_class, sizeof *self);

  self->desc = desc != NULL ? *desc : fathom_batch_norm_desc_keras ();
  return &self->parent;
}

gboolean
fathom_batch_norm_layer_get_batch_stats (FathomLayer *layer, FathomTensor **mean, FathomTensor **invstd)
{
  FathomBatchNormLayer *self = (FathomBatchNormLayer *) layer;

  if (layer->klass != &batch_norm_class || !self->used_batch_stats)
    return FALSE;
  *mean = self->save_mean;
  *invstd = self->save_invstd;
  return TRUE;
}

gboolean
fathom_batch_norm_layer_get_desc (FathomLayer *layer, FathomBatchNormDesc *desc)
{
  if (layer->klass != &batch_norm_class)
    return FALSE;
  *desc = ((FathomBatchNormLayer *) layer)->desc;
  return TRUE;
}
