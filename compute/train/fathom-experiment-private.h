/* fathom-experiment-private.h: the runner's data source and its final
 * evaluation (fathom-experiment-data.c). */
#pragma once

#include "fathom-dense-maps.h"
#include "fathom-experiment.h"
#include "fathom-feature-cache.h"
#include "fathom-graph.h"
#include "fathom-heads.h"
#include "fathom-run.h"

G_BEGIN_DECLS

/* The model of an experiment over features channels x height x width
 * (unused by leak-size-only), unbuilt; class_reads_box as in
 * FathomHeadOptions. */
FathomGraph      *fathom_exp_graph_new    (const FathomExperimentPreset *preset,
                                           guint            n_classes,
                                           guint            n_sizes,
                                           gint64           channels,
                                           gint64           height,
                                           gint64           width,
                                           float            bbox_weight,
                                           FathomBoxHead    box_head,
                                           gboolean         class_reads_box,
                                           GError         **error);

/* Rows of precomputed features (and the size one-hot) with their targets,
 * matched to the graph's inputs and outputs by name. */
typedef struct {
  FathomDataset       *ds;            /* borrowed */
  FathomFeatureReader *reader;        /* borrowed; NULL for size-only models */
  GArray              *feature_rows;  /* gint64 per row: the reader's row */
  GArray              *items;         /* guint per row: the dataset item */
  int                  input_width, input_height;   /* the model input, for boxes */
  int                  in_features, in_sizes;       /* graph inputs, -1 when absent */
  int                  out_class, out_bb;           /* graph outputs, -1 when absent */
  guint                n_classes, n_sizes;
  /* leak-size-only's training rows: every tenth photo (by a hash of its
   * item) hides its size, so that the model learns what to say of a boat
   * it has never seen: the training classes' prior */
  gboolean             size_dropout;
  /* bbox's target for a photo without a box (no fish, or none marked):
   * the lesson gave it [0, 0, 0, 0], a corner box that pulls every
   * prediction towards the corner; the training boxes' mean [h, w, x, y]
   * says nothing of where a box is. All zero until set. */
  float                no_box[4];
} FathomExpSource;

void              fathom_exp_source_init  (FathomExpSource *src,
                                           FathomDataset   *ds,
                                           FathomFeatureReader *reader,
                                           FathomGraph     *graph,
                                           int              input_width,
                                           int              input_height);
void              fathom_exp_source_clear (FathomExpSource *src);
void              fathom_exp_source_add   (FathomExpSource *src,
                                           guint            item,
                                           gint64           feature_row);
FathomBatchSource fathom_exp_source_get   (FathomExpSource *src);

/* The lesson's box target of a dataset item: [h, w, x, y] at the model
 * input, all zero without a box. */
void              fathom_exp_item_box     (FathomDataset   *ds,
                                           guint            item,
                                           int              input_width,
                                           int              input_height,
                                           float            out[4]);

/* Pointing (the centre of the map's largest cell inside the box) and
 * in-box of one class map (mh x mw) against a box [h, w, x, y] at an
 * input of width x height. */
void              fathom_exp_heatmap_score (const float    *map,
                                            int             mh,
                                            int             mw,
                                            int             width,
                                            int             height,
                                            const float     box[4],
                                            gboolean       *pointing,
                                            double         *in_box);

/* Whether the located point of class k's map (fathom_metric_map_locate():
 * maps holds every class's, [n_classes, mh, mw]; reference as there), the
 * centre of its cell, falls inside a box [h, w, x, y] at an input of
 * width x height. */
gboolean          fathom_exp_map_pointing  (const float    *maps,
                                            int             n_classes,
                                            int             k,
                                            int             reference,
                                            int             mh,
                                            int             mw,
                                            int             width,
                                            int             height,
                                            const float     box[4]);

/* The final pass over the validation rows: metrics into res and the run's
 * finals, predictions.csv, and heatmaps.safetensors when the graph has
 * class maps. */
/* Shift-and-stitch class maps (fathom-dense-maps.h) for a head whose maps
 * are coarser than its features (fcn, inception); NULL, without an error,
 * for any other head. */
FathomDenseMaps  *fathom_exp_dense_maps_new (const FathomExperimentPreset *preset,
                                             FathomGraph     *head,
                                             guint            n_classes,
                                             GError         **error);

gboolean          fathom_exp_evaluate     (FathomGraph            *graph,
                                           const FathomExperimentPreset *preset,
                                           FathomExpSource        *valid,
                                           FathomRun              *run,
                                           guint                   batch_size,
                                           FathomExperimentResult *res,
                                           GError                **error);

G_END_DECLS
