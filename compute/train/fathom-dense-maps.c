/* fathom-dense-maps.c: shift and stitch over a trained head's grid. */
#include "fathom-dense-maps.h"
#include "fathom-trainer.h"

#include <math.h>
#include <string.h>

/* Photos a forward of the second instance takes at once. */
#define CHUNK 16

struct _FathomDenseMaps
{
  FathomGraph   *head;             /* the second instance */
  FathomBackend *backend;          /* borrowed: the trained head's */
  int            sh, sw;           /* the grid's stride */
  int            lead_h, lead_w;   /* offset (a, b) reads the features from row a - lead_h, column b - lead_w */
  gint64         c, h, w;          /* the features */
  gint64         gh, gw;           /* the stitched grid: one more row (column) for an even stride */
  gint64         hc, wc;           /* one offset's input: the grid rounded up to the stride */
  gint64         oh, ow;           /* its maps */
  gint64         k;                /* classes */
  FathomTensor  *input[2];         /* [CHUNK, C, hc, wc] and the last, shorter chunk's */
  float         *shifted;          /* host [CHUNK, C, hc, wc] */
  float         *coarse;           /* host [CHUNK, K, oh, ow] */
  float         *grid;             /* host [CHUNK, K, gh, gw] */
  gint64        *cols;             /* sw * wc source columns, offset by offset */
};

void
fathom_dense_maps_free (FathomDenseMaps *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->head, fathom_graph_free);
  for (int i = 0; i < 2; i++)
    g_clear_pointer (&self->input[i], fathom_tensor_unref);
  g_free (self->shifted);
  g_free (self->coarse);
  g_free (self->grid);
  g_free (self->cols);
  g_free (self);
}

gint64
fathom_dense_maps_get_n_classes (FathomDenseMaps *self)
{
  return self->k;
}

/* The trained weights and running statistics, by name. */
static gboolean
copy_params (FathomGraph *from, FathomGraph *to, FathomBackend *backend, GError **error)
{
  GPtrArray *src = fathom_graph_get_params (from), *dst = fathom_graph_get_params (to);

  if (src->len != dst->len)
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "Dense class maps: the head has %u parameters, its second instance %u", src->len, dst->len);
      return FALSE;
    }
  for (guint i = 0; i < src->len; i++)
    {
      FathomGraphParam *a = g_ptr_array_index (src, i), *b = g_ptr_array_index (dst, i);

      if (!g_str_equal (a->name, b->name) ||
          fathom_tensor_get_numel (a->param->value) != fathom_tensor_get_numel (b->param->value))
        {
          g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                       "Dense class maps: the head's parameter %s does not match its second instance's %s",
                       a->name, b->name);
          return FALSE;
        }
      if (!fathom_backend_copy (backend, b->param->value, a->param->value, error))
        return FALSE;
    }
  return TRUE;
}

FathomDenseMaps *
fathom_dense_maps_new (FathomGraph *head, int stride_h, int stride_w, double centre_h, double centre_w,
                       FathomDenseMapsHeadFunc make_head, gpointer user_data, GError **error)
{
  g_autoptr(FathomDenseMaps) self = g_new0 (FathomDenseMaps, 1);
  int in = fathom_graph_find_input (head, "features");
  const FathomShape *s;
  FathomTensor *maps;
  g_autofree float *zeros = NULL;

  g_return_val_if_fail (stride_h >= 1 && stride_w >= 1, NULL);
  if (in < 0 || fathom_graph_get_n_inputs (head) != 1 || fathom_graph_find_layer (head, "class_maps") == NULL)
    {
      g_set_error_literal (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                           "Dense class maps need a head whose one input is features and that has class maps");
      return NULL;
    }
  s = fathom_graph_get_input_shape (head, (guint) in);
  if (s->ndim != 3)
    {
      g_set_error_literal (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                           "Dense class maps need features of [C, H, W]");
      return NULL;
    }
  self->backend = fathom_graph_get_backend (head);
  self->sh = stride_h;
  self->sw = stride_w;
  /* grid point q stands for the corner q (an even stride) or the cell q
   * (an odd one, centre q + 1/2): the head's first cell, centred at
   * centre_h, is read from lead_h rows before it */
  self->lead_h = (int) floor (centre_h - (stride_h % 2 != 0 ? 0.5 : 0.0) + 0.5);
  self->lead_w = (int) floor (centre_w - (stride_w % 2 != 0 ? 0.5 : 0.0) + 0.5);
  self->c = s->d[0];
  self->h = s->d[1];
  self->w = s->d[2];
  self->gh = self->h + (stride_h % 2 == 0);
  self->gw = self->w + (stride_w % 2 == 0);
  self->hc = (self->gh + stride_h - 1) / stride_h * stride_h;
  self->wc = (self->gw + stride_w - 1) / stride_w * stride_w;
  self->head = make_head (self->hc, self->wc, user_data, error);
  if (self->head == NULL || !fathom_graph_build (self->head, self->backend, 0, error) ||
      !copy_params (head, self->head, self->backend, error))
    return NULL;

  /* one forward tells the maps' size */
  self->input[0] = fathom_backend_new_tensor (self->backend, 4, (gint64[]) { 1, self->c, self->hc, self->wc }, error);
  zeros = g_new0 (float, (gsize) self->c * self->hc * self->wc);
  if (self->input[0] == NULL || !fathom_backend_upload (self->backend, self->input[0], zeros, error) ||
      !fathom_graph_forward (self->head, self->input, FALSE, error))
    return NULL;
  maps = fathom_graph_get_node_output (self->head, "class_maps");
  self->k = fathom_tensor_get_shape (maps)[1];
  self->oh = fathom_tensor_get_shape (maps)[2];
  self->ow = fathom_tensor_get_shape (maps)[3];
  if (self->oh * stride_h < self->gh || self->ow * stride_w < self->gw)
    {
      g_set_error (error, FATHOM_TRAINER_ERROR, FATHOM_TRAINER_ERROR_DATA,
                   "Dense class maps: a head of stride %dx%d gives %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                   " maps on %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " features, too few to cover them",
                   stride_h, stride_w, self->oh, self->ow, self->hc, self->wc);
      return NULL;
    }
  g_clear_pointer (&self->input[0], fathom_tensor_unref);

  self->shifted = g_new (float, (gsize) CHUNK * self->c * self->hc * self->wc);
  self->coarse = g_new (float, (gsize) CHUNK * self->k * self->oh * self->ow);
  self->grid = g_new (float, (gsize) CHUNK * self->k * self->gh * self->gw);
  /* column x of offset b reads feature column x + b - lead_w, clamped */
  self->cols = g_new (gint64, (gsize) stride_w * self->wc);
  for (int b = 0; b < stride_w; b++)
    for (gint64 x = 0; x < self->wc; x++)
      self->cols[b * self->wc + x] = CLAMP (x + b - self->lead_w, 0, self->w - 1);
  return g_steal_pointer (&self);
}

/* Offset (a, b)'s input for photos features[0 .. m). */
static void
shift (FathomDenseMaps *self, const float *features, gint64 m, int a, int b)
{
  const gint64 *cols = self->cols + b * self->wc;

  for (gint64 p = 0; p < m * self->c; p++)
    {
      const float *plane = features + p * self->h * self->w;
      float *out = self->shifted + p * self->hc * self->wc;

      for (gint64 y = 0; y < self->hc; y++)
        {
          const float *row = plane + CLAMP (y + a - self->lead_h, 0, self->h - 1) * self->w;

          for (gint64 x = 0; x < self->wc; x++)
            out[y * self->wc + x] = row[cols[x]];
        }
    }
}

/* Offset (a, b)'s coarse maps into the grid: its cell (i, j) is the grid
 * point (sh * i + a, sw * j + b). */
static void
stitch (FathomDenseMaps *self, gint64 m, int a, int b)
{
  for (gint64 p = 0; p < m * self->k; p++)
    {
      const float *in = self->coarse + p * self->oh * self->ow;
      float *out = self->grid + p * self->gh * self->gw;

      for (gint64 i = 0; i < self->oh && self->sh * i + a < self->gh; i++)
        for (gint64 j = 0; j < self->ow && self->sw * j + b < self->gw; j++)
          out[(self->sh * i + a) * self->gw + self->sw * j + b] = in[i * self->ow + j];
    }
}

/* The grid at the cells' centres: where a stride is even its points lie
 * on the cells' corners, and each cell takes the mean of its two (or
 * four) corners, the bilinear interpolation at its centre. */
static void
centre (FathomDenseMaps *self, gint64 m, float *maps)
{
  const gint64 dy = self->gh - self->h, dx = self->gw - self->w;

  for (gint64 p = 0; p < m * self->k; p++)
    {
      const float *g = self->grid + p * self->gh * self->gw;
      float *out = maps + p * self->h * self->w;

      for (gint64 r = 0; r < self->h; r++)
        for (gint64 c = 0; c < self->w; c++)
          {
            const float *q = g + r * self->gw + c;

            /* corners repeat where a stride is odd */
            out[r * self->w + c] = 0.25f * (q[0] + q[dx] + q[dy * self->gw] + q[dy * self->gw + dx]);
          }
    }
}

static FathomTensor *
input_for (FathomDenseMaps *self, gint64 m, GError **error)
{
  FathomTensor **slot = &self->input[m == CHUNK ? 0 : 1];

  if (*slot != NULL && fathom_tensor_get_shape (*slot)[0] != m)
    g_clear_pointer (slot, fathom_tensor_unref);
  if (*slot == NULL)
    *slot = fathom_backend_new_tensor (self->backend, 4, (gint64[]) { m, self->c, self->hc, self->wc }, error);
  return *slot;
}

/* Photos features[0 .. m), m <= CHUNK, into self->grid. */
static gboolean
grid_chunk (FathomDenseMaps *self, const float *features, gint64 m, GError **error)
{
  FathomTensor *input[1] = { input_for (self, m, error) };

  if (input[0] == NULL)
    return FALSE;
  for (int a = 0; a < self->sh; a++)
    for (int b = 0; b < self->sw; b++)
      {
        shift (self, features, m, a, b);
        if (!fathom_backend_upload (self->backend, input[0], self->shifted, error) ||
            !fathom_graph_forward (self->head, input, FALSE, error) ||
            !fathom_backend_download (self->backend, fathom_graph_get_node_output (self->head, "class_maps"),
                                      self->coarse, error))
          return FALSE;
        stitch (self, m, a, b);
      }
  return TRUE;
}

gboolean
fathom_dense_maps_compute (FathomDenseMaps *self, const float *features, gint64 n, float *maps, GError **error)
{
  const gsize in_size = (gsize) self->c * self->h * self->w, map_size = (gsize) self->k * self->h * self->w;

  for (gint64 first = 0; first < n; first += CHUNK)
    {
      gint64 m = MIN (CHUNK, n - first);

      if (!grid_chunk (self, features + first * in_size, m, error))
        return FALSE;
      centre (self, m, maps + first * map_size);
    }
  return TRUE;
}

void
fathom_dense_maps_get_grid_size (FathomDenseMaps *self, gint64 *height, gint64 *width)
{
  *height = self->gh;
  *width = self->gw;
}

gboolean
fathom_dense_maps_compute_grid (FathomDenseMaps *self, const float *features, gint64 n, float *grid,
                                GError **error)
{
  const gsize in_size = (gsize) self->c * self->h * self->w, grid_size = (gsize) self->k * self->gh * self->gw;

  for (gint64 first = 0; first < n; first += CHUNK)
    {
      gint64 m = MIN (CHUNK, n - first);

      if (!grid_chunk (self, features + first * in_size, m, error))
        return FALSE;
      memcpy (grid + first * grid_size, self->grid, m * grid_size * sizeof (float));
    }
  return TRUE;
}
