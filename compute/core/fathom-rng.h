/* fathom-rng.h: a seeded random generator (xoshiro256**), so that a run
 * with the same seed gives the same numbers on the CPU. */
#pragma once

#include <glib.h>

#include "fathom-tensor.h"

G_BEGIN_DECLS

typedef struct _FathomRng FathomRng;

FathomRng *fathom_rng_new          (guint64     seed);
/* SplitMix64's step and finaliser on x: a cheap, well-spread hash of a
 * counter (the same x gives the same value everywhere). */
guint64    fathom_rng_mix64        (guint64     x);
FathomRng *fathom_rng_copy         (const FathomRng *self);
void       fathom_rng_free         (FathomRng  *self);
guint64    fathom_rng_next_u64     (FathomRng  *self);
/* Uniform in [0, 1). */
double     fathom_rng_uniform      (FathomRng  *self);
/* Uniform integer in [0, n). */
guint64    fathom_rng_below        (FathomRng  *self,
                                    guint64     n);
double     fathom_rng_normal       (FathomRng  *self,
                                    double      mean,
                                    double      stddev);
void       fathom_rng_fill_uniform (FathomRng  *self,
                                    FathomTensor *t,
                                    float       low,
                                    float       high);
void       fathom_rng_fill_normal  (FathomRng  *self,
                                    FathomTensor *t,
                                    float       mean,
                                    float       stddev);
/* Fisher-Yates over n indices. */
void       fathom_rng_shuffle      (FathomRng  *self,
                                    gint64     *items,
                                    gint64      n);
/* The generator's whole state, for checkpoints: 4 words. */
void       fathom_rng_get_state    (const FathomRng *self,
                                    guint64     state[4]);
void       fathom_rng_set_state    (FathomRng  *self,
                                    const guint64 state[4]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomRng, fathom_rng_free)

G_END_DECLS
