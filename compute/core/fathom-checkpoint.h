/* fathom-checkpoint.h: a graph's parameters and state in a safetensors file,
 * by name ("dense_1.kernel", "batch_normalization_1.running_mean"). */
#pragma once

#include "fathom-graph.h"
#include "fathom-optimizer.h"

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
 * allow_extra is TRUE; optimiser slots ("optimizer.*") are always ignored. */
gboolean fathom_checkpoint_load (FathomGraph  *graph,
                                 const char   *path,
                                 gboolean      allow_extra,
                                 GError      **error);

/* A training checkpoint: the graph as above plus the optimiser's slots
 * (tensors "optimizer.PARAM.m" ...) and its step and learning rate in the
 * metadata, so that a run resumes where it stopped. metadata may hold more
 * entries (the trainer's epoch and shuffling state). */
gboolean fathom_checkpoint_save_training (FathomGraph      *graph,
                                          FathomOptimizer  *optimizer,
                                          const char       *path,
                                          GHashTable       *metadata,
                                          GError          **error);
/* Loads graph and optimizer state; metadata_out (may be NULL) receives
 * every metadata entry (char * -> char *, new table). */
gboolean fathom_checkpoint_load_training (FathomGraph      *graph,
                                          FathomOptimizer  *optimizer,
                                          const char       *path,
                                          GHashTable      **metadata_out,
                                          GError          **error);

G_END_DECLS
