/* fathom-progress-relay.c: progress from a worker to the main thread (see
 * fathom-progress-relay.h).
 *
 * The worker only touches the fields under the mutex and schedules a
 * wake-up when none is pending; the wake-up swaps them out and calls the
 * owner's function outside the lock, so that the worker never waits on
 * the UI. Wake-ups come at most every FATHOM_PROGRESS_RELAY_INTERVAL_MS:
 * each delivery redraws a chart, which costs the main thread a few
 * milliseconds, and a fast worker would otherwise ask for one per batch.
 */
#include "fathom-progress-relay.h"
#include "fathom-tsan.h"

struct _FathomProgressRelay
{
  /* fixed at creation */
  gsize                    point_size;
  const char              *source_name;
  FathomProgressRelayFunc  func;
  gpointer                 owner;
  GBoxedCopyFunc           owner_ref;
  GDestroyNotify           owner_unref;
  GMainContext            *context;

  /* shared, under mutex */
  GMutex                   mutex;
  FathomTrainProgress      latest;
  gboolean                 has_latest;
  GArray                  *points;        /* not yet delivered */
  gboolean                 idle_pending;
  gint64                   last_flush;    /* monotonic µs; 0: never */
};

FathomProgressRelay *
fathom_progress_relay_new (gsize                    point_size,
                           const char              *source_name,
                           FathomProgressRelayFunc  func,
                           gpointer                 owner,
                           GBoxedCopyFunc           owner_ref,
                           GDestroyNotify           owner_unref)
{
  FathomProgressRelay *relay = g_new0 (FathomProgressRelay, 1);
  /* a zero element size is not allowed; such a relay never stores any */
  guint element = (guint) MAX (point_size, 1);

  relay->point_size = point_size;
  relay->source_name = source_name;
  relay->func = func;
  relay->owner = owner;
  relay->owner_ref = owner_ref;
  relay->owner_unref = owner_unref;
  relay->context = g_main_context_ref_thread_default ();
  g_mutex_init (&relay->mutex);
  relay->points = g_array_new (FALSE, FALSE, element);
  return relay;
}

void
fathom_progress_relay_free (FathomProgressRelay *relay)
{
  if (relay == NULL)
    return;
  g_main_context_unref (relay->context);
  g_mutex_clear (&relay->mutex);
  g_array_unref (relay->points);
  g_free (relay);
}

/* The idle's data: the owner, kept alive by the reference it holds, and
 * the relay the owner keeps. */
typedef struct {
  FathomProgressRelay *relay;
  gpointer             owner;
} Wake;

static void deliver (FathomProgressRelay *relay,
                     gboolean             from_wake);

static gboolean
wake_idle (gpointer data)
{
  Wake *wake = data;

  FATHOM_TSAN_ACQUIRE (wake);     /* made by the worker, handed over by GLib */
  deliver (wake->relay, TRUE);
  return G_SOURCE_REMOVE;
}

static void
wake_free (gpointer data)
{
  Wake *wake = data;

  FATHOM_TSAN_ACQUIRE (wake);
  wake->relay->owner_unref (wake->owner);
  g_free (wake);
}

void
fathom_progress_relay_push (FathomProgressRelay       *relay,
                            const FathomTrainProgress *p,
                            gconstpointer              points,
                            guint                      n_points)
{
  gboolean schedule;
  gint64 wait_us = 0;

  fathom_tsan_mutex_lock (&relay->mutex);
  relay->latest = *p;
  /* the worker's label may live in its stack; a handful of distinct names */
  relay->latest.phase = g_intern_string (p->phase);
  relay->latest.output_losses = NULL;
  relay->has_latest = TRUE;
  if (relay->point_size > 0 && n_points > 0)
    g_array_append_vals (relay->points, points, n_points);
  schedule = !relay->idle_pending;
  relay->idle_pending = TRUE;
  if (schedule && relay->last_flush > 0)
    wait_us = relay->last_flush + FATHOM_PROGRESS_RELAY_INTERVAL_MS * 1000 - g_get_monotonic_time ();
  fathom_tsan_mutex_unlock (&relay->mutex);

  if (schedule)
    {
      /* below redraws (GDK_PRIORITY_REDRAW) either way */
      GSource *source = wait_us > 0 ? g_timeout_source_new ((guint) ((wait_us + 999) / 1000))
                                    : g_idle_source_new ();
      Wake *wake = g_new (Wake, 1);

      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      wake->relay = relay;
      wake->owner = relay->owner_ref (relay->owner);
      g_source_set_callback (source, wake_idle, wake, wake_free);
      g_source_set_static_name (source, relay->source_name);
      FATHOM_TSAN_RELEASE (wake);
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
}

/* Takes what waits and hands it to the owner; the wake-up also ends its
 * pending state, so that at most one is ever on its way. */
static void
deliver (FathomProgressRelay *relay,
         gboolean             from_wake)
{
  g_autoptr(GArray) batch = g_array_new (FALSE, FALSE, g_array_get_element_size (relay->points));
  FathomTrainProgress latest;
  gboolean has_latest;

  fathom_tsan_mutex_lock (&relay->mutex);
  latest = relay->latest;
  has_latest = relay->has_latest;
  relay->has_latest = FALSE;
  g_array_append_vals (batch, relay->points->data, relay->points->len);
  g_array_set_size (relay->points, 0);
  if (from_wake)
    relay->idle_pending = FALSE;
  relay->last_flush = g_get_monotonic_time ();
  fathom_tsan_mutex_unlock (&relay->mutex);

  if (has_latest)
    relay->func (relay->owner, &latest, batch);
}

void
fathom_progress_relay_flush (FathomProgressRelay *relay)
{
  deliver (relay, FALSE);
}
