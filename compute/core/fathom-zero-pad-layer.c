/* fathom-zero-pad-layer.c: ZeroPadding2D. */
#include "fathom-layer.h"

typedef struct {
  FathomLayer parent;
  FathomPad2d pad;
} FathomZeroPadLayer;

static gboolean
zero_pad_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  const FathomPad2d *p = &((FathomZeroPadLayer *) layer)->pad;

  if (in[0].ndim != 3)
    {
      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: zero padding needs a [C, H, W] input", layer->name);
      return FALSE;
    }
  *out = FATHOM_SHAPE (in[0].d[0], in[0].d[1] + p->top + p->bottom, in[0].d[2] + p->left + p->right);
  return TRUE;
}

static gboolean
zero_pad_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return fathom_backend_zero_pad_forward (backend, &((FathomZeroPadLayer *) layer)->pad,
                                          io->x[0], io->y, error);
}

static gboolean
zero_pad_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return io->dx[0] == NULL ||
         fathom_backend_zero_pad_backward (backend, &((FathomZeroPadLayer *) layer)->pad,
                                           io->dy, io->dx[0], error);
}

static const FathomLayerClass zero_pad_class = {
  .type_name = "ZeroPadding2D",
  .name_prefix = "zero_padding2d",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = zero_pad_infer_shape,
  .forward = zero_pad_forward,
  .backward = zero_pad_backward,
};

FathomLayer *
fathom_zero_pad_layer_new (int top, int bottom, int left, int right)
{
  FathomZeroPadLayer *self;

  g_return_val_if_fail (top >= 0 && bottom >= 0 && left >= 0 && right >= 0, NULL);
  self = (FathomZeroPadLayer *) fathom_layer_alloc (&zero_pad_class, sizeof *self);
  self->pad = (FathomPad2d) { top, bottom, left, right };
  return &self->parent;
}

gboolean
fathom_zero_pad_layer_get_pad (FathomLayer *layer, FathomPad2d *pad)
{
  if (layer->klass != &zero_pad_class)
    return FALSE;
  *pad = ((FathomZeroPadLayer *) layer)->pad;
  return TRUE;
}
