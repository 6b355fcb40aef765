/* fathom-progress-relay.h: training progress from a worker thread to the
 * main thread, the DESIGN.md way (see "Threads").
 *
 * The worker pushes the latest FathomTrainProgress and copies of new chart
 * points; they wait under a mutex, and at most one wake-up is pending at a
 * time, no sooner than FATHOM_PROGRESS_RELAY_INTERVAL_MS after the last
 * delivery (throttled: the points of several batches arrive together).
 * The wake-up, on the context that made the relay, takes everything in
 * one swap and hands it to the callback. GLib only: no widget is touched.
 */
#pragma once

#include <glib.h>

#include "fathom-trainer.h"

G_BEGIN_DECLS

/* The shortest time between two deliveries: ten a second. */
#define FATHOM_PROGRESS_RELAY_INTERVAL_MS 100

typedef struct _FathomProgressRelay FathomProgressRelay;

/* On the main thread: latest is the newest progress, points the copies of
 * the points pushed since the last delivery (owned by the relay, valid
 * during the call; empty for a relay without points). */
typedef void (*FathomProgressRelayFunc) (gpointer                   owner,
                                         const FathomTrainProgress *latest,
                                         GArray                    *points);

/* point_size: the size of one point (0: progress only). The pending idle
 * holds a reference to owner (owner_ref, owner_unref), so that the owner
 * outlives it; the relay itself holds none. source_name: a static string. */
FathomProgressRelay *fathom_progress_relay_new   (gsize                      point_size,
                                                  const char                *source_name,
                                                  FathomProgressRelayFunc    func,
                                                  gpointer                   owner,
                                                  GBoxedCopyFunc             owner_ref,
                                                  GDestroyNotify             owner_unref);
void                 fathom_progress_relay_free  (FathomProgressRelay       *relay);

/* In the worker: record p (its phase interned, its output_losses dropped)
 * and n_points points, and wake the main thread unless an idle is already
 * on its way. */
void                 fathom_progress_relay_push  (FathomProgressRelay       *relay,
                                                  const FathomTrainProgress *p,
                                                  gconstpointer              points,
                                                  guint                      n_points);

/* On the main thread: deliver now what waits, if anything (the last
 * progress of a run that just ended may still wait in its idle). */
void                 fathom_progress_relay_flush (FathomProgressRelay       *relay);

G_END_DECLS
