/* test-progress-relay.c: training progress from a worker thread to the main
 * thread: every point once and in order, the latest progress last, and
 * deliveries throttled to one per FATHOM_PROGRESS_RELAY_INTERVAL_MS
 * however fast the worker pushes. GLib only; no display is used. */
#include "fathom-progress-relay.h"

#include <string.h>

#define N_PUSHES 400

typedef struct {
  gatomicrefcount      ref;
  FathomProgressRelay *relay;
  GArray              *got;             /* int points, as delivered */
  gint64               last_step;       /* of the latest delivered progress */
  guint                n_deliveries;
  gint64               first_delivery, last_delivery;  /* monotonic µs */
  gint                 worker_done;     /* atomic */
} Owner;

static gpointer
owner_ref (gpointer data)
{
  Owner *owner = data;

  g_atomic_ref_count_inc (&owner->ref);
  return owner;
}

static void
owner_unref (gpointer data)
{
  Owner *owner = data;

  if (!g_atomic_ref_count_dec (&owner->ref))
    return;
  fathom_progress_relay_free (owner->relay);
  g_array_unref (owner->got);
  g_free (owner);
}

static void
deliver (gpointer                   data,
         const FathomTrainProgress *latest,
         GArray                    *points)
{
  Owner *owner = data;
  gint64 now = g_get_monotonic_time ();

  g_assert_cmpuint (g_array_get_element_size (points), ==, sizeof (int));
  g_array_append_vals (owner->got, points->data, points->len);
  /* the latest progress is never older than the points with it */
  if (owner->got->len > 0)
    g_assert_cmpint (latest->step, ==, g_array_index (owner->got, int, owner->got->len - 1));
  g_assert_cmpstr (latest->phase, ==, "train");
  g_assert_null (latest->output_losses);
  owner->last_step = latest->step;
  if (owner->n_deliveries++ == 0)
    owner->first_delivery = now;
  owner->last_delivery = now;
}

static gpointer
worker (gpointer data)
{
  Owner *owner = data;
  float losses[2] = { 1, 2 };
  char phase[8];

  /* a label in the worker's own memory, as the trainer's may be */
  strcpy (phase, "train");
  for (int i = 0; i < N_PUSHES; i++)
    {
      FathomTrainProgress p = { 0 };

      p.phase = phase;
      p.step = i;
      p.n_outputs = 2;
      p.output_losses = losses;
      fathom_progress_relay_push (owner->relay, &p, &i, 1);
      g_usleep (1000);
    }
  g_atomic_int_set (&owner->worker_done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_every_point_throttled (void)
{
  Owner *owner = g_new0 (Owner, 1);
  GThread *thread;
  gint64 start;

  g_atomic_ref_count_init (&owner->ref);
  owner->got = g_array_new (FALSE, FALSE, sizeof (int));
  owner->relay = fathom_progress_relay_new (sizeof (int), "[test] progress", deliver, owner,
                                            owner_ref, owner_unref);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("worker", worker, owner);
  while (!g_atomic_int_get (&owner->worker_done) || owner->got->len < N_PUSHES)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);

  for (int i = 0; i < N_PUSHES; i++)
    g_assert_cmpint (g_array_index (owner->got, int, i), ==, i);
  g_assert_cmpuint (owner->got->len, ==, N_PUSHES);
  g_assert_cmpint (owner->last_step, ==, N_PUSHES - 1);

  /* 400 pushes over at least 400 ms, and deliveries at least 100 ms apart
   * (each one's flush is): no more than one per interval since the first
   * push, plus the first */
  g_test_message ("%u deliveries of %d pushes in %.0f ms", owner->n_deliveries, N_PUSHES,
                  (owner->last_delivery - start) / 1000.0);
  g_assert_cmpuint (owner->n_deliveries, >=, 2);
  g_assert_cmpuint (owner->n_deliveries, <=,
                    1 + (owner->last_delivery - start) / (FATHOM_PROGRESS_RELAY_INTERVAL_MS * 1000));
  g_assert_cmpuint (owner->n_deliveries, <, N_PUSHES / 4);

  /* nothing waits: a flush now delivers nothing */
  fathom_progress_relay_flush (owner->relay);
  g_assert_cmpuint (owner->got->len, ==, N_PUSHES);

  /* pending wake-ups hold the owner; they are gone once the loop is idle */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  owner_unref (owner);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The last progress of a run may wait for its wake-up: the owner's flush
 * takes it at once, and the wake-up, still on its way, then delivers
 * nothing. A push just after a flush waits out the interval. */
static void
test_flush_delivers_waiting (void)
{
  Owner *owner = g_new0 (Owner, 1);
  FathomTrainProgress p = { 0 };
  int point = 6;
  gboolean waited = FALSE;
  gint64 pushed;

  g_atomic_ref_count_init (&owner->ref);
  owner->got = g_array_new (FALSE, FALSE, sizeof (int));
  owner->relay = fathom_progress_relay_new (sizeof (int), "[test] progress", deliver, owner,
                                            owner_ref, owner_unref);
  p.phase = "train";
  p.step = point;
  fathom_progress_relay_push (owner->relay, &p, &point, 1);
  fathom_progress_relay_flush (owner->relay);
  g_assert_cmpuint (owner->n_deliveries, ==, 1);
  g_assert_cmpint (owner->last_step, ==, 6);

  g_timeout_add (3 * FATHOM_PROGRESS_RELAY_INTERVAL_MS, set_flag, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (owner->n_deliveries, ==, 1);

  /* just after a delivery (an empty one here): throttled */
  fathom_progress_relay_flush (owner->relay);
  g_assert_cmpuint (owner->n_deliveries, ==, 1);
  p.step = point = 7;
  pushed = g_get_monotonic_time ();
  fathom_progress_relay_push (owner->relay, &p, &point, 1);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (g_get_monotonic_time () - pushed < FATHOM_PROGRESS_RELAY_INTERVAL_MS * 1000 / 2)
    g_assert_cmpuint (owner->n_deliveries, ==, 1);
  waited = FALSE;
  g_timeout_add (3 * FATHOM_PROGRESS_RELAY_INTERVAL_MS, set_flag, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (owner->n_deliveries, ==, 2);
  g_assert_cmpuint (owner->got->len, ==, 2);
  g_assert_cmpint (owner->last_step, ==, 7);
  owner_unref (owner);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/progress-relay/every-point-throttled", test_every_point_throttled);
  g_test_add_func ("/progress-relay/flush-delivers-waiting", test_flush_delivers_waiting);
  return g_test_run ();
}
