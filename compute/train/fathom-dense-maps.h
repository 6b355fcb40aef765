/* fathom-dense-maps.h: a class map at every feature cell from a head
 * whose pools or strided convolutions leave coarse maps (fcn's 5x5 on
 * 22x40 features, inception's 3x5).
 *
 * Shift and stitch (Long, Shelhamer and Darrell, "Fully Convolutional
 * Networks for Semantic Segmentation", 2015, section 3.2): a head of
 * total stride sh x sw is run once for each of the sh * sw offsets of its
 * grid over the features and the coarse maps are interleaved. Where the
 * head's first cell is centred centre_h rows and centre_w columns into
 * its features (in cell widths from the top left edge: 2 and 4 for fcn's
 * 4x8 blocks), its map read from the features shifted by that much
 * becomes the grid point (q, p), centred within half a cell of the corner
 * (q, p) for an even stride, of the middle of cell (q, p) for an odd one.
 * With an even stride each cell then takes the mean of its corners, the
 * bilinear interpolation of the grid at the cell's centre. Either way the
 * dense map has one value per feature cell, centred on it, so it is drawn
 * and scored like allconv's. Features beyond the edge repeat the edge.
 *
 * The head runs as a second instance of itself, built by the caller's
 * function at a size its grid divides, holding a copy of the trained
 * head's weights, in inference mode on the trained head's backend. The
 * trained graph is only read.
 */
#pragma once

#include "fathom-graph.h"

G_BEGIN_DECLS

typedef struct _FathomDenseMaps FathomDenseMaps;

/* The head's graph (an input "features", a node "class_maps") for
 * features of height x width cells. */
typedef FathomGraph *(*FathomDenseMapsHeadFunc) (gint64     height,
                                                 gint64     width,
                                                 gpointer   user_data,
                                                 GError   **error);

/* head: the trained head, built. An error where the second instance does
 * not match it (its parameters' names and sizes) or its maps do not cover
 * the grid. */
FathomDenseMaps *fathom_dense_maps_new            (FathomGraph             *head,
                                                   int                      stride_h,
                                                   int                      stride_w,
                                                   double                   centre_h,
                                                   double                   centre_w,
                                                   FathomDenseMapsHeadFunc  make_head,
                                                   gpointer                 user_data,
                                                   GError                 **error);
void             fathom_dense_maps_free           (FathomDenseMaps         *self);
gint64           fathom_dense_maps_get_n_classes  (FathomDenseMaps         *self);

/* features: host [n, C, H, W] (the head's input); maps: host
 * [n, n_classes, H, W]. */
gboolean         fathom_dense_maps_compute        (FathomDenseMaps         *self,
                                                   const float             *features,
                                                   gint64                   n,
                                                   float                   *maps,
                                                   GError                 **error);

/* The stitched grid before it is centred on the cells: gh x gw points,
 * one more row (column) than the features where the stride is even;
 * point (q, p) is the head's first cell on the features shifted to start
 * round (centre_h) rows before q and round (centre_w) columns before p
 * (for an odd stride, half a cell less). grid: host
 * [n, n_classes, gh, gw]. */
void             fathom_dense_maps_get_grid_size  (FathomDenseMaps         *self,
                                                   gint64                  *height,
                                                   gint64                  *width);
gboolean         fathom_dense_maps_compute_grid   (FathomDenseMaps         *self,
                                                   const float             *features,
                                                   gint64                   n,
                                                   float                   *grid,
                                                   GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomDenseMaps, fathom_dense_maps_free)

G_END_DECLS
