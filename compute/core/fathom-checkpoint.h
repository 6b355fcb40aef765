/* fathom-checkpoint.h: a graph's parameters and state in a safetensors file,
 * by name ("dense_1.kernel", "batch_normalization_1.running_mean"). */
#pragma once

#include "fathom-graph.h"

G_BEGIN_DECLS

/* Saves every parameter and state tensor of a built graph (downloaded from
 * the backend); metadata (char * -> char *) may be NULL. Atomic. */
gboolean fathom_checkpoint_save (FathomGraph  *graph,
                                 const char   *path,
                                 GHashTable   *metadata,
                                 GError      **error);
/* Loads every parameter and state tensor of graph from path. A missing
 * name or a different shape is an error naming it, and then nothing in
 * the graph has changed. Extra tensors in the file are ignored only when
 * allow_extra is TRUE. */
gboolean fathom_checkpoint_load (FathomGraph  *graph,
                                 const char   *path,
                                 gboolean      allow_extra,
                                 GError      **error);

G_END_DECLS
