/* fathom-peak-window-layer.c: attention weights narrowed to the window
 * around their peak when the model predicts.
 *
 * The input holds a map of height x width weights a sample (a softmax over
 * its cells, flattened). While training the layer passes them on as they
 * are, so every cell keeps its gradient and the attention can move to a
 * far fish; when predicting it keeps the cells within radius of the
 * largest weight, scaled to sum to 1 (fathom_backend_peak_window_forward).
 * A photo with two likely fish then gets the likelier one's box, where the
 * whole-map average answered in the deck between them. */
#include "fathom-layer.h"

typedef struct {
  FathomLayer parent;
  gint64      height, width;
  int         radius;
} FathomPeakWindowLayer;

static gboolean
peak_infer_shape (FathomLayer *layer, guint n, const FathomShape *in, FathomShape *out, GError **error)
{
  FathomPeakWindowLayer *self = (FathomPeakWindowLayer *) layer;

  if (fathom_shape_get_numel (&in[0]) != (gsize) (self->height * self->width))
    {
      g_autofree char *s = fathom_shape_to_string (&in[0]);

      g_set_error (error, FATHOM_BACKEND_ERROR, FATHOM_BACKEND_ERROR_SHAPE,
                   "%s: the weights %s are not a map of %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " cells",
                   layer->name, s, self->height, self->width);
      return FALSE;
    }
  *out = in[0];
  return TRUE;
}

static gboolean
peak_forward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  FathomPeakWindowLayer *self = (FathomPeakWindowLayer *) layer;

  if (io->training)
    return fathom_backend_copy (backend, io->y, io->x[0], error);
  return fathom_backend_peak_window_forward (backend, io->x[0], self->height, self->width, self->radius,
                                             io->y, error);
}

/* Training passed the weights through: the gradient passes through too. */
static gboolean
peak_backward (FathomLayer *layer, FathomBackend *backend, FathomLayerIo *io, GError **error)
{
  return io->dx[0] == NULL || fathom_backend_copy (backend, io->dx[0], io->dy, error);
}

static const FathomLayerClass peak_window_class = {
  .type_name = "PeakWindow",
  .name_prefix = "peak_window",
  .min_inputs = 1, .max_inputs = 1,
  .infer_shape = peak_infer_shape,
  .forward = peak_forward,
  .backward = peak_backward,
};

FathomLayer *
fathom_peak_window_layer_new (gint64 height, gint64 width, int radius)
{
  FathomPeakWindowLayer *self;

  g_return_val_if_fail (height > 0 && width > 0 && radius >= 0, NULL);
  self = (FathomPeakWindowLayer *) fathom_layer_alloc (&peak_window_class, sizeof (FathomPeakWindowLayer));
  self->height = height;
  self->width = width;
  self->radius = radius;
  return &self->parent;
}
