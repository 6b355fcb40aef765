/* fathom-progress-relay.c: progress from a worker to the main thread (see
 * fathom-progress-relay.h).
 *
 * The worker only touches the fields under the mutex and schedules an idle
 * when none is pending; the idle swaps them out and calls the owner's
 * function outside the lock, so that the worker never waits on the UI.
 */
#include "fathom-progress-relay.h"

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

static gboolean
wake_idle (gpointer data)
{
  Wake *wake = data;

  fathom_progress_relay_flush (wake->relay);
  return G_SOURCE_REMOVE;
}

static void
wake_free (gpointer data)
{
  Wake *wake = data;

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

  g_mutex_lock (&relay->mutex);
  relay->latest = *p;
  /* the worker's label may live in its stack; a handful of distinct names */
  relay->latest.phase = g_intern_string (p->phase);
  relay->latest.output_losses = NULL;
  relay->has_latest = TRUE;
  if (relay->point_size > 0 && n_points > 0)
    g_array_append_vals (relay->points, points, n_points);
  schedule = !relay->idle_pending;
  relay->idle_pending = TRUE;
  g_mutex_unlock (&relay->mutex);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();
      Wake *wake = g_new (Wake, 1);

      wake->relay = relay;
      wake->owner = relay->owner_ref (relay->owner);
      g_source_set_callback (source, wake_idle, wake, wake_free);
      g_source_set_static_name (source, relay->source_name);
      g_source_attach (source, relay->context);
      g_source_unref (source);
    }
}

void
fathom_progress_relay_flush (FathomProgressRelay *relay)
{
  g_autoptr(GArray) batch = g_array_new (FALSE, FALSE, g_array_get_element_size (relay->points));
  FathomTrainProgress latest;
  gboolean has_latest;

  g_mutex_lock (&relay->mutex);
  latest = relay->latest;
  has_latest = relay->has_latest;
  relay->has_latest = FALSE;
  g_array_append_vals (batch, relay->points->data, relay->points->len);
  g_array_set_size (relay->points, 0);
  relay->idle_pending = FALSE;
  g_mutex_unlock (&relay->mutex);

  if (has_latest)
    relay->func (relay->owner, &latest, batch);
}
