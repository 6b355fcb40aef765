/* fathom-experiment-data.c: the models, features, size one-hots and targets as batches,
 * and the final evaluation that writes predictions and heatmaps. */
#include "fathom-experiment-private.h"
#include "fathom-box.h"
#include "fathom-dense-maps.h"
#include "fathom-heads.h"
#include "fathom-metrics.h"
#include "fathom-rng.h"
#include "fathom-safetensors.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* The size-only leak model: BN on the one-hot, Dense, softmax. */
static FathomGraph *
size_only_graph (guint n_sizes, guint n_classes, GError **error)
{
  g_autoptr(FathomGraph) g = fathom_graph_new ();
  FathomBatchNormDesc bn = fathom_batch_norm_desc_keras ();
  FathomShape shape = FATHOM_SHAPE (MAX (n_sizes, 1));
  int x = fathom_graph_add_input (g, "image_size", &shape);

  x = FATHOM_GRAPH_ADD (g, fathom_batch_norm_layer_new (&bn), x);
  x = FATHOM_GRAPH_ADD (g, fathom_dense_layer_new (n_classes, FATHOM_ACTIVATION_IDENTITY, TRUE), x);
  x = FATHOM_GRAPH_ADD_NAMED (g, "class", fathom_softmax_layer_new (), x);
  if (!fathom_graph_add_output (g, "class", x, FATHOM_LOSS_CROSS_ENTROPY, 1.f, error))
    return NULL;
  return g_steal_pointer (&g);
}

FathomGraph *
fathom_exp_graph_new (const FathomExperimentPreset *preset, guint n_classes, guint n_sizes, gint64 channels,
                      gint64 height, gint64 width, float bbox_weight, FathomBoxHead box_head,
                      gboolean class_reads_box, GError **error)
{
  FathomHeadOptions ho;

  if (!preset->needs_features)
    return size_only_graph (n_sizes, n_classes, error);
  fathom_head_options_init (&ho, preset->name);
  ho.n_classes = n_classes;
  ho.channels = channels;
  ho.height = height;
  ho.width = width;
  ho.n_sizes = MAX (n_sizes, 1);
  ho.bbox_weight = bbox_weight;
  ho.box_head = box_head;
  ho.class_reads_box = class_reads_box;
  return fathom_head_new (preset->name, &ho, error);
}

void
fathom_exp_source_init (FathomExpSource *src, FathomDataset *ds, FathomFeatureReader *reader,
                        FathomGraph *graph, int input_width, int input_height)
{
  *src = (FathomExpSource) {
    .ds = ds,
    .reader = reader,
    .feature_rows = g_array_new (FALSE, FALSE, sizeof (gint64)),
    .items = g_array_new (FALSE, FALSE, sizeof (guint)),
    .input_width = input_width,
    .input_height = input_height,
    .in_features = fathom_graph_find_input (graph, "features"),
    .in_sizes = fathom_graph_find_input (graph, "image_size"),
    .out_class = fathom_graph_find_output (graph, "class"),
    .out_bb = fathom_graph_find_output (graph, "bb"),
    .n_classes = fathom_dataset_get_n_classes (ds),
    .n_sizes = fathom_dataset_get_n_size_features (ds),
  };
}

void
fathom_exp_source_clear (FathomExpSource *src)
{
  g_clear_pointer (&src->feature_rows, g_array_unref);
  g_clear_pointer (&src->items, g_array_unref);
}

void
fathom_exp_source_add (FathomExpSource *src, guint item, gint64 feature_row)
{
  g_array_append_val (src->items, item);
  g_array_append_val (src->feature_rows, feature_row);
}

void
fathom_exp_item_box (FathomDataset *ds, guint item, int input_width, int input_height, float out[4])
{
  const FathomDatasetItem *it = fathom_dataset_get_item (ds, item);

  memset (out, 0, 4 * sizeof (float));
  if (it->has_box)
    fathom_box_scale (&it->box, it->width, it->height, input_width, input_height, out);
}

/* What guessing gets: the share of the validation photos in the training
 * set's most common class (a model that learned nothing from its inputs
 * answers that class for every photo). */
static double
prior_rate (FathomDataset *ds, const int *labels, gint64 n, int k)
{
  int prior = 0;

  for (int c = 1; c < k; c++)
    if (fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, c) > fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, prior))
      prior = c;
  return fathom_metric_class_share (labels, (gsize) n, prior);
}

/* Whether a training photo hides its size (size_dropout): one in ten, by
 * a hash of its item, the same every epoch and run. */
static gboolean
hides_size (guint item)
{
  return fathom_rng_mix64 (item) % 10 == 0;
}

static gboolean
exp_fill (gpointer data, const gint64 *rows, gint64 count,
          FathomTensor *const *inputs, FathomTensor *const *targets, GError **error)
{
  FathomExpSource *src = data;
  const guint *items = (const guint *) src->items->data;

  if (src->in_features >= 0)
    {
      g_autofree gint64 *frows = g_new (gint64, MAX (count, 1));

      for (gint64 i = 0; i < count; i++)
        frows[i] = g_array_index (src->feature_rows, gint64, rows[i]);
      if (!fathom_feature_reader_read_row_indices (src->reader, frows, count, inputs[src->in_features], error))
        return FALSE;
    }
  if (src->in_sizes >= 0)
    {
      float *s = fathom_tensor_get_data (inputs[src->in_sizes]);

      for (gint64 i = 0; i < count; i++)
        if (src->size_dropout && hides_size (items[rows[i]]))
          memset (s + i * src->n_sizes, 0, sizeof (float) * src->n_sizes);
        else
          fathom_dataset_size_one_hot (src->ds, items[rows[i]], s + i * src->n_sizes);
    }
  if (src->out_class >= 0 && targets[src->out_class] != NULL)
    {
      float *t = fathom_tensor_get_data (targets[src->out_class]);

      memset (t, 0, sizeof (float) * (gsize) count * src->n_classes);
      for (gint64 i = 0; i < count; i++)
        t[i * src->n_classes + fathom_dataset_get_item (src->ds, items[rows[i]])->class_index] = 1.f;
    }
  if (src->out_bb >= 0 && targets[src->out_bb] != NULL)
    {
      float *t = fathom_tensor_get_data (targets[src->out_bb]);

      for (gint64 i = 0; i < count; i++)
        {
          const FathomDatasetItem *item = fathom_dataset_get_item (src->ds, items[rows[i]]);

          if (item->has_box)
            fathom_exp_item_box (src->ds, items[rows[i]], src->input_width, src->input_height, t + 4 * i);
          else
            memcpy (t + 4 * i, src->no_box, sizeof src->no_box);
        }
    }
  return TRUE;
}

FathomBatchSource
fathom_exp_source_get (FathomExpSource *src)
{
  return (FathomBatchSource) { src->items->len, exp_fill, src };
}

/* ---- heatmap scores --------------------------------------------------------- */

static double
overlap (double a0, double a1, double b0, double b1)
{
  return MAX (0.0, MIN (a1, b1) - MAX (a0, b0));
}

void
fathom_exp_heatmap_score (const float *map, int mh, int mw, int width, int height,
                          const float box[4], gboolean *pointing, double *in_box)
{
  gsize best = fathom_argmax (map, (gsize) mh * mw);
  double cw = (double) width / mw, ch = (double) height / mh;
  double bx0 = box[2], bx1 = box[2] + box[1], by0 = box[3], by1 = box[3] + box[0];
  double px = ((double) (best % mw) + 0.5) * cw, py = ((double) (best / mw) + 0.5) * ch;
  double total = 0, inside = 0;

  *pointing = px >= bx0 && px <= bx1 && py >= by0 && py <= by1;
  for (int r = 0; r < mh; r++)
    for (int c = 0; c < mw; c++)
      {
        double v = MAX (map[r * mw + c], 0.f);
        double share = overlap (c * cw, (c + 1) * cw, bx0, bx1) * overlap (r * ch, (r + 1) * ch, by0, by1) / (cw * ch);

        total += v;
        inside += v * share;
      }
  *in_box = total > 0 ? inside / total : 0;
}

gboolean
fathom_exp_map_pointing (const float *maps, int n_classes, int k, int reference, int mh, int mw, int width,
                         int height, const float box[4])
{
  gsize cx, cy;
  double px, py;

  fathom_metric_map_locate (maps, (gsize) n_classes, (gsize) mh, (gsize) mw, (gsize) k, reference, &cx, &cy);
  px = ((double) cx + 0.5) * width / mw;
  py = ((double) cy + 0.5) * height / mh;
  return px >= box[2] && px <= box[2] + box[1] && py >= box[3] && py <= box[3] + box[0];
}

/* ---- dense class maps ------------------------------------------------------- */

typedef struct {
  const FathomExperimentPreset *preset;
  guint                         n_classes;
  gint64                        channels;
} HeadShape;

static FathomGraph *
make_head (gint64 height, gint64 width, gpointer user_data, GError **error)
{
  HeadShape *hs = user_data;

  return fathom_exp_graph_new (hs->preset, hs->n_classes, 1, hs->channels, height, width, 0.001f,
                               FATHOM_BOX_HEAD_DENSE, FALSE, error);
}

FathomDenseMaps *
fathom_exp_dense_maps_new (const FathomExperimentPreset *preset, FathomGraph *head, guint n_classes,
                           GError **error)
{
  int in = fathom_graph_find_input (head, "features"), sh, sw;
  double ch, cw;
  HeadShape hs = { preset, n_classes, 0 };

  if (in < 0 || !fathom_head_get_map_grid (preset->name, &sh, &sw, &ch, &cw) || (sh == 1 && sw == 1))
    return NULL;
  hs.channels = fathom_graph_get_input_shape (head, (guint) in)->d[0];
  return fathom_dense_maps_new (head, sh, sw, ch, cw, make_head, &hs, error);
}

/* ---- the final evaluation --------------------------------------------------- */

typedef struct {
  FathomExpSource *src;
  float           *probs;       /* [n, K] */
  float           *bb;          /* [n, 4] or NULL */
  gboolean         want_maps;
  float           *maps;        /* [n, K, mh, mw], allocated at the first batch */
  gint64           mh, mw, map_size;
  FathomDenseMaps *dense;       /* NULL: the maps are as fine as the features */
  float           *dense_maps;  /* [n, K, H, W] */
} Collect;

/* The batch's features from the cache, through the shift and stitch. */
static gboolean
collect_dense (Collect *c, const gint64 *rows, gint64 count, GError **error)
{
  FathomFeatureReader *reader = c->src->reader;
  gint64 ch = fathom_feature_reader_get_channels (reader), h = fathom_feature_reader_get_height (reader);
  gint64 w = fathom_feature_reader_get_width (reader), size = fathom_dense_maps_get_n_classes (c->dense) * h * w;
  g_autoptr(FathomTensor) features = fathom_tensor_new_4d (count, ch, h, w);
  g_autofree gint64 *frows = g_new (gint64, count);
  g_autofree float *dense = g_new (float, (gsize) count * size);

  if (c->dense_maps == NULL)
    c->dense_maps = g_new0 (float, (gsize) c->src->items->len * size);
  for (gint64 i = 0; i < count; i++)
    frows[i] = g_array_index (c->src->feature_rows, gint64, rows[i]);
  if (!fathom_feature_reader_read_row_indices (reader, frows, count, features, error) ||
      !fathom_dense_maps_compute (c->dense, fathom_tensor_get_const_data (features), count, dense, error))
    return FALSE;
  for (gint64 i = 0; i < count; i++)
    memcpy (c->dense_maps + rows[i] * size, dense + i * size, (gsize) size * sizeof (float));
  return TRUE;
}

static gboolean
collect_batch (FathomGraph *graph, const gint64 *rows, gint64 count, gpointer user_data, GError **error)
{
  Collect *c = user_data;
  FathomBackend *backend = fathom_graph_get_backend (graph);
  guint k = c->src->n_classes;
  g_autofree float *tmp = NULL;

  if (c->want_maps && c->maps == NULL)
    {
      FathomTensor *m = fathom_graph_get_node_output (graph, "class_maps");

      c->mh = fathom_tensor_get_dim (m, 2);
      c->mw = fathom_tensor_get_dim (m, 3);
      c->map_size = (gint64) k * c->mh * c->mw;
      c->maps = g_new0 (float, (gsize) c->src->items->len * c->map_size);
    }
  tmp = g_new (float, MAX ((gsize) count * MAX ((gsize) c->map_size, k), 1));
  if (!fathom_backend_download (backend, fathom_graph_get_output (graph, (guint) c->src->out_class), tmp, error))
    return FALSE;
  for (gint64 i = 0; i < count; i++)
    memcpy (c->probs + rows[i] * k, tmp + i * k, k * sizeof (float));
  if (c->bb != NULL)
    {
      if (!fathom_backend_download (backend, fathom_graph_get_output (graph, (guint) c->src->out_bb), tmp, error))
        return FALSE;
      for (gint64 i = 0; i < count; i++)
        memcpy (c->bb + rows[i] * 4, tmp + i * 4, 4 * sizeof (float));
    }
  if (c->want_maps)
    {
      if (!fathom_backend_download (backend, fathom_graph_get_node_output (graph, "class_maps"), tmp, error))
        return FALSE;
      for (gint64 i = 0; i < count; i++)
        memcpy (c->maps + rows[i] * c->map_size, tmp + i * c->map_size, (gsize) c->map_size * sizeof (float));
    }
  return c->dense == NULL || collect_dense (c, rows, count, error);
}

static void
csv_number (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (s, ',');
  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

static void
csv_field (GString *s, const char *text)
{
  if (strpbrk (text, ",\"\n") == NULL)
    {
      g_string_append (s, text);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

static char *
files_json (FathomExpSource *src)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < src->items->len; i++)
    json_builder_add_string_value (b, fathom_dataset_get_item (src->ds, g_array_index (src->items, guint, i))->path);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* maps: what is drawn and scored (the dense maps where the head's are
 * coarser than its features); coarse: the head's own, or NULL. */
static gboolean
write_heatmaps (FathomRun *run, FathomExpSource *src, const float *maps, gint64 k, gint64 mh, gint64 mw,
                const float *coarse, gint64 ch, gint64 cw, GError **error)
{
  gint64 n = src->items->len;
  g_autoptr(FathomTensor) t = fathom_tensor_new_from_data (4, (gint64[]) { n, k, mh, mw }, maps);
  g_autoptr(FathomTensor) tc = coarse != NULL ? fathom_tensor_new_from_data (4, (gint64[]) { n, k, ch, cw }, coarse)
                                              : NULL;
  g_autoptr(GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *path = fathom_run_get_path (run, "heatmaps.safetensors");
  g_autoptr(GString) classes = g_string_new (NULL);
  const char *names[] = { "maps", "coarse_maps" };
  FathomTensor *tensors[] = { t, tc };

  for (guint c = 0; c < src->n_classes; c++)
    g_string_append_printf (classes, "%s%s", c ? "," : "", fathom_dataset_get_class_name (src->ds, c));
  g_hash_table_insert (meta, (char *) "files", files_json (src));
  g_hash_table_insert (meta, (char *) "classes", g_strdup (classes->str));
  g_hash_table_insert (meta, (char *) "input_width", g_strdup_printf ("%d", src->input_width));
  g_hash_table_insert (meta, (char *) "input_height", g_strdup_printf ("%d", src->input_height));
  g_hash_table_insert (meta, (char *) "mode",
                       g_strdup (coarse != NULL
                                 ? "maps: the 8-channel conv before global average pooling, test mode, at every "
                                   "feature cell by shift and stitch; coarse_maps: the same conv's own output"
                                 : "the 8-channel conv before global average pooling, test mode"));
  return fathom_safetensors_save (path, coarse != NULL ? 2 : 1, names, tensors, meta, error);
}

/* The scores of the true classes' maps over the photos with a box:
 * pointing by the located point (fathom_metric_map_locate(); NULL to skip
 * it, for fcn's and inception's own coarse maps, scored by their largest
 * cells as the lesson's would be), pointing by each map's own largest
 * cell, and the in-box share. */
static void
score_maps (FathomExpSource *valid, const float *maps, gint64 k, gint64 mh, gint64 mw, double *pointing,
            double *pointing_peak, double *in_box)
{
  guint n_boxes = 0, n_pointing = 0, n_peak = 0;
  double in_box_sum = 0;
  g_autofree const char **names = g_new0 (const char *, k + 1);
  int reference;

  for (gint64 c = 0; c < k; c++)
    names[c] = fathom_dataset_get_class_name (valid->ds, (guint) c);
  reference = fathom_metric_map_reference (names, (gsize) k);
  for (guint i = 0; i < valid->items->len; i++)
    {
      guint item = g_array_index (valid->items, guint, i);
      const FathomDatasetItem *it = fathom_dataset_get_item (valid->ds, item);
      float box[4];
      gboolean hit;
      double share;

      if (!it->has_box)
        continue;
      fathom_exp_item_box (valid->ds, item, valid->input_width, valid->input_height, box);
      fathom_exp_heatmap_score (maps + (i * k + it->class_index) * mh * mw, (int) mh, (int) mw,
                                valid->input_width, valid->input_height, box, &hit, &share);
      n_boxes++;
      n_peak += hit;
      in_box_sum += share;
      if (pointing != NULL)
        n_pointing += fathom_exp_map_pointing (maps + i * k * mh * mw, (int) k, it->class_index, reference,
                                               (int) mh, (int) mw, valid->input_width, valid->input_height, box);
    }
  if (pointing != NULL)
    *pointing = n_boxes > 0 ? (double) n_pointing / n_boxes : NAN;
  *pointing_peak = n_boxes > 0 ? (double) n_peak / n_boxes : NAN;
  *in_box = n_boxes > 0 ? in_box_sum / n_boxes : NAN;
}

gboolean
fathom_exp_evaluate (FathomGraph *graph, const FathomExperimentPreset *preset, FathomExpSource *valid,
                     FathomRun *run, guint batch_size, FathomExperimentResult *res, GError **error)
{
  FathomBatchSource source = fathom_exp_source_get (valid);
  gint64 n = valid->items->len, k = valid->n_classes, mh, mw;
  g_autofree float *probs = g_new0 (float, MAX (n * k, 1));
  g_autofree float *onehot = g_new0 (float, MAX (n * k, 1));
  g_autofree float *bb = valid->out_bb >= 0 ? g_new0 (float, MAX (n * 4, 1)) : NULL;
  float *maps;
  g_autofree int *labels = g_new0 (int, MAX (n, 1));
  g_autoptr(GString) csv = g_string_new ("file,true_class,pred_class");
  double per[16], iou_sum = 0, coarse_pointing = NAN, coarse_in_box = NAN, pointing_peak = NAN;
  guint n_boxes = 0;
  Collect collect = { valid, probs, bb, fathom_graph_find_layer (graph, "class_maps") != NULL, NULL, 0, 0, 0,
                      NULL, NULL };
  gboolean ok;

  if (n == 0)
    return TRUE;
  if (collect.want_maps && valid->reader != NULL)
    {
      GError *dense_error = NULL;

      collect.dense = fathom_exp_dense_maps_new (preset, graph, (guint) k, &dense_error);
      if (dense_error != NULL)
        {
          g_propagate_error (error, dense_error);
          return FALSE;
        }
    }
  ok = fathom_trainer_evaluate (graph, &source, batch_size, collect_batch, &collect,
                                &res->val_loss, per, &res->val_accuracy, error);
  g_clear_pointer (&collect.dense, fathom_dense_maps_free);
  if (!ok)
    {
      g_free (collect.maps);
      g_free (collect.dense_maps);
      return FALSE;
    }
  maps = collect.maps;
  mh = collect.mh;
  mw = collect.mw;

  for (gint64 i = 0; i < n; i++)
    {
      guint item = g_array_index (valid->items, guint, i);
      const FathomDatasetItem *it = fathom_dataset_get_item (valid->ds, item);

      labels[i] = it->class_index;
      onehot[i * k + it->class_index] = 1.f;
    }
  res->val_log_loss = fathom_metric_log_loss (probs, onehot, n, k, 1e-15);
  res->majority_rate = prior_rate (valid->ds, labels, n, (int) k);
  res->val_accuracy = fathom_metric_accuracy (probs, onehot, n, k);

  for (gint64 c = 0; c < k; c++)
    g_string_append_printf (csv, ",%s", fathom_dataset_get_class_name (valid->ds, (guint) c));
  g_string_append (csv, ",true_h,true_w,true_x,true_y,pred_h,pred_w,pred_x,pred_y,iou\n");
  for (gint64 i = 0; i < n; i++)
    {
      guint item = g_array_index (valid->items, guint, i);
      const FathomDatasetItem *it = fathom_dataset_get_item (valid->ds, item);
      float box[4];
      double iou = NAN;

      fathom_exp_item_box (valid->ds, item, valid->input_width, valid->input_height, box);
      csv_field (csv, it->path);
      g_string_append_printf (csv, ",%s,%s", fathom_dataset_get_class_name (valid->ds, (guint) it->class_index),
                              fathom_dataset_get_class_name (valid->ds, (guint) fathom_argmax (probs + i * k, k)));
      for (gint64 c = 0; c < k; c++)
        csv_number (csv, probs[i * k + c]);
      for (int j = 0; j < 4; j++)
        csv_number (csv, box[j]);
      if (bb != NULL)
        {
          iou = fathom_metric_iou_hwxy (box, bb + 4 * i);
          for (int j = 0; j < 4; j++)
            csv_number (csv, bb[4 * i + j]);
        }
      else
        g_string_append (csv, ",,,,");
      csv_number (csv, iou);
      g_string_append_c (csv, '\n');

      if (!it->has_box)
        continue;
      n_boxes++;
      if (bb != NULL)
        iou_sum += iou;
    }
  res->n_valid = (guint) n;
  res->n_valid_boxes = n_boxes;
  res->val_iou_mean = bb != NULL && n_boxes > 0 ? iou_sum / n_boxes : NAN;
  res->heatmap_pointing = res->heatmap_in_box = NAN;
  if (collect.dense_maps != NULL)
    {
      gint64 h = fathom_feature_reader_get_height (valid->reader), w = fathom_feature_reader_get_width (valid->reader);

      score_maps (valid, maps, k, mh, mw, NULL, &coarse_pointing, &coarse_in_box);
      score_maps (valid, collect.dense_maps, k, h, w, &res->heatmap_pointing, &pointing_peak,
                  &res->heatmap_in_box);
    }
  else if (maps != NULL)
    score_maps (valid, maps, k, mh, mw, &res->heatmap_pointing, &pointing_peak, &res->heatmap_in_box);

  fathom_run_set_final (run, "val_accuracy", res->val_accuracy);
  fathom_run_set_final (run, "val_loss", res->val_loss);
  fathom_run_set_final (run, "val_log_loss", res->val_log_loss);
  fathom_run_set_final (run, "majority_rate", res->majority_rate);
  fathom_run_set_final (run, "n_valid", (double) n);
  fathom_run_set_final (run, "n_valid_with_box", (double) n_boxes);
  if (valid->out_bb >= 0)
    {
      fathom_run_set_final (run, "val_iou_mean", res->val_iou_mean);
      fathom_run_set_final (run, "val_bb_mse", per[valid->out_bb]);
      fathom_run_set_final (run, "val_class_loss", per[valid->out_class]);
    }
  if (maps != NULL)
    {
      fathom_run_set_final (run, "heatmap_pointing", res->heatmap_pointing);
      fathom_run_set_final (run, "heatmap_pointing_peak", pointing_peak);
      fathom_run_set_final (run, "heatmap_in_box", res->heatmap_in_box);
    }
  if (collect.dense_maps != NULL)
    {
      fathom_run_set_final (run, "heatmap_pointing_coarse", coarse_pointing);
      fathom_run_set_final (run, "heatmap_in_box_coarse", coarse_in_box);
      ok = write_heatmaps (run, valid, collect.dense_maps, k, fathom_feature_reader_get_height (valid->reader),
                           fathom_feature_reader_get_width (valid->reader), maps, mh, mw, error);
    }
  else
    ok = maps == NULL || write_heatmaps (run, valid, maps, k, mh, mw, NULL, 0, 0, error);
  ok = ok && fathom_run_write_file (run, "predictions.csv", csv->str, (gssize) csv->len, error);
  g_free (maps);
  g_free (collect.dense_maps);
  return ok;
}
