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
  gboolean       backward_folded; /* this backward: a batch norm whose gradients the
                                   * Conv2D after it wrote (fathom_graph_backward()) */
  int            output;        /* index into outputs, or -1 */
  gboolean       fused_ce;      /* softmax output whose loss is fused */
  double         forward_s;     /* profiling (fathom-graph-profile.c): time in */
  double         backward_s;    /*   this node's forward and backward, and */
  guint          forward_n;     /*   how many of each were timed */
  guint          backward_n;
  /* batch norms folded into convolutions (fathom-graph-fold.c): a Conv2D
   * head reads fold_input's y (its own input, or the input of the zero
   * padding before it, whose padding joins the window) and writes its
   * folded result into fold_target's y; the padding, batch norm, add and
   * ReLU it stands for are fold_skipped */
  int              fold_target;   /* -1: not a head */
  int              fold_bn;       /* a head's batch norm */
  int              fold_input;
  FathomPad2d      fold_pad;
  int              fold_z;        /* the other input of a folded add, or -1 */
  gboolean         fold_pool;     /* a max pool reading fold_input's y, the
                                   * padding before it in its window */
  gboolean         fold_skipped;
  FathomActivation fold_act;
  FathomTensor    *fold_w, *fold_b, *fold_zeros, *fold_mean, *fold_invstd;
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
  gboolean       profiling;     /* time each node (fathom-graph-profile.c) */
  gboolean       fold_batch_norm; /* fathom_graph_set_fold_batch_norm() */
  gboolean       no_backward_fold; /* fathom_graph_set_fold_batch_norm_backward (FALSE) */
  guint          n_backward_folds; /* in the last backward */
  gint64         batch;
};

Node *fathom_graph_node_at (FathomGraph *self,
                            int          i);
/* *t shaped [the last forward's batch, ...shape], reused when it is. */
gboolean fathom_graph_ensure_batch_tensor (FathomGraph        *self,
                                           FathomTensor      **t,
                                           const FathomShape  *shape,
                                           GError            **error);

/* Profiling (fathom-graph-profile.c): with it on, start() waits for the
 * backend and reads the clock into *t0, finish() waits again and adds the
 * time since to the node's forward or backward; both do nothing with it
 * off. */
gboolean fathom_graph_profile_start  (FathomGraph  *self,
                                      gint64       *t0,
                                      GError      **error);
gboolean fathom_graph_profile_finish (FathomGraph  *self,
                                      Node         *node,
                                      gboolean      backward,
                                      gint64        t0,
                                      GError      **error);

/* Folding (fathom-graph-fold.c): for a head, the folded convolution into
 * its target's y; for a fold_pool node, the pooling of its padding's
 * input; clear_fold() forgets a node's folding. */
gboolean fathom_graph_fold_forward (FathomGraph  *self,
                                    Node         *head,
                                    GError      **error);
gboolean fathom_graph_fold_pool_forward (FathomGraph *self,
                                         Node        *pool,
                                         GError     **error);
void     fathom_graph_fold_clear   (Node         *node);

G_END_DECLS
