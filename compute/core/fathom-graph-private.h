/* fathom-graph-private.h: the graph's nodes, for the files that make up
 * FathomGraph (fathom-graph.c, fathom-graph-summary.c). */
#pragma once

#include "fathom-graph.h"

G_BEGIN_DECLS

typedef struct {
  char          *name;
  FathomLayer   *layer;         /* owned; NULL for an input */
  guint          n_inputs;
  int           *inputs;
  FathomShape    shape;
  FathomTensor  *y;             /* output of the last forward */
  FathomTensor  *grad;          /* d loss / d y */
  FathomTensor **edge_dx;       /* per input, scratch when its node has several contributors */
  guint          n_contributors;/* consumers plus a loss on this node */
  gboolean       needs_grad;
  int            output;        /* index into outputs, or -1 */
  gboolean       fused_ce;      /* softmax output whose loss is fused */
} Node;

typedef struct {
  char       *name;
  int         node;
  FathomLoss  loss;
  float       weight;
  FathomTensor *target;         /* of the last compute_loss (ref) */
} Output;

struct _FathomGraph
{
  GPtrArray     *nodes;         /* Node*, forward order */
  GArray        *input_nodes;   /* int */
  GArray        *outputs;       /* Output */
  GHashTable    *name_counts;   /* prefix -> count, for automatic names */
  GPtrArray     *params;        /* FathomGraphParam* */
  GPtrArray     *layers;        /* FathomLayer*, borrowed */
  FathomBackend *backend;
  float          clip;
  guint64        seed;
  guint64        step;
  gboolean       shapes_known;
  gboolean       have_loss;
  gboolean       captured;      /* layers see io.captured */
  gint64         batch;
};

Node *fathom_graph_node_at (FathomGraph *self,
                            int          i);

G_END_DECLS
