/* fathom-cli-worker.c: fathom-cli's shared helpers: errors, option
 * parsing, durations, long work in a worker with Ctrl-C, progress lines. */
#include "fathom-cli-private.h"
#include "fathom-atomic-file.h"

#include <glib-unix.h>
#include <math.h>
#include <unistd.h>

int
fathom_cli_fail (GError *error)
{
  g_printerr ("fathom-cli: %s\n", error->message);
  g_error_free (error);
  return 1;
}

gboolean
fathom_cli_is_stdout (const char *path)
{
  return path != NULL && fathom_path_own_descriptor (path) == STDOUT_FILENO;
}

gboolean
fathom_cli_parse (GOptionContext *context, int *argc, char ***argv)
{
  GError *error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("fathom-cli: %s\n", error->message);
      g_error_free (error);
      return FALSE;
    }
  return TRUE;
}

char *
fathom_cli_format_duration (double seconds)
{
  gint64 s = (gint64) (seconds + 0.5);

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("-");
  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

typedef struct {
  FathomCliWorkFunc  func;
  gpointer           data;
  GCancellable      *cancellable;
  gint               done;              /* atomic: the worker returned */
  gboolean           ok;                /* the worker's, read after the join */
  GError            *error;
} Work;

/* A thread of our own, joined: everything the work wrote happens before
 * the join, which ThreadSanitizer sees (GLib's thread pool it does not),
 * and the thread keeps the priority the command was started with. */
static gpointer
work_thread (gpointer data)
{
  Work *w = data;

  w->ok = w->func (w->data, w->cancellable, &w->error);
  g_atomic_int_set (&w->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Asks the worker to stop after the current batch; the run folder is then
 * finished and marked "stopped". */
static gboolean
work_interrupt (gpointer user_data)
{
  Work *w = user_data;

  if (!g_cancellable_is_cancelled (w->cancellable))
    g_printerr ("\nfathom-cli: stopping after the current batch or photo (what is written stays valid)…\n");
  g_cancellable_cancel (w->cancellable);
  return G_SOURCE_CONTINUE;
}

gboolean
fathom_cli_run_in_worker (FathomCliWorkFunc func, gpointer data, GError **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Work w = { func, data, cancellable, FALSE, FALSE, NULL };
  GThread *thread;
  guint sigint, sigterm;

  sigint = g_unix_signal_add (SIGINT, work_interrupt, &w);
  sigterm = g_unix_signal_add (SIGTERM, work_interrupt, &w);
  thread = g_thread_try_new ("fathom-cli-work", work_thread, &w, error);
  /* Ctrl-C is handled here, on the main context, while the worker runs */
  while (thread != NULL && !g_atomic_int_get (&w.done))
    g_main_context_iteration (NULL, TRUE);
  if (thread != NULL)
    g_thread_join (thread);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (thread == NULL)
    return FALSE;
  if (isatty (STDERR_FILENO))
    g_printerr ("\r\033[K");
  if (!w.ok)
    g_propagate_error (error, w.error);
  return w.ok;
}

void
fathom_cli_progress_init (FathomCliProgress *self, const char *unit, const char *items)
{
  *self = (FathomCliProgress) { unit, items, isatty (STDERR_FILENO), g_get_monotonic_time () };
}

void
fathom_cli_progress (const FathomTrainProgress *p, gpointer user_data)
{
  FathomCliProgress *self = user_data;
  const char *cr = self->tty ? "\r\033[K" : "";
  const char *unit = self->unit != NULL ? self->unit : "";
  const char *sep = self->unit != NULL ? " " : "";
  /* the corpus's progress counts photos drawn, not batches */
  gboolean photos = g_strcmp0 (p->phase, "corpus") == 0;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *eta = NULL;

  if (p->epoch_end)
    {
      g_autofree char *took = fathom_cli_format_duration (p->seconds);

      if (!isfinite (p->loss))
        g_printerr ("%s%s: %" G_GINT64_FORMAT " %s, %s elapsed\n", cr, p->phase, p->n_batches,
                    photos ? "photos" : "batches", took);
      else if (isfinite (p->accuracy))
        g_printerr ("%s%s epoch %u/%u: loss %.4f%s%s, accuracy %.4f, %s elapsed\n", cr, p->phase, p->epoch + 1,
                    p->n_epochs, p->loss, sep, unit, p->accuracy, took);
      else
        g_printerr ("%s%s epoch %u/%u: loss %.4f%s%s, %s elapsed\n", cr, p->phase, p->epoch + 1, p->n_epochs,
                    p->loss, sep, unit, took);
      self->last_print = now;
      return;
    }
  /* a log file (no terminal) gets a plain line every 10 s instead */
  if (now - self->last_print < (self->tty ? 200000 : 10000000) && p->batch + 1 < p->n_batches)
    return;
  self->last_print = now;
  eta = fathom_cli_format_duration (p->eta_seconds);
  if (isfinite (p->loss))
    g_printerr ("%s%s epoch %u/%u  batch %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "  loss %.4f  %.0f %s  %s left%s",
                cr, p->phase, p->epoch + 1, p->n_epochs, p->batch + 1, p->n_batches, p->loss, p->items_per_second,
                self->items, eta, self->tty ? "" : "\n");
  else
    g_printerr ("%s%s  %s %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "  %.0f %s  %s left%s", cr, p->phase,
                photos ? "photo" : "batch", p->batch + 1, p->n_batches, p->items_per_second,
                photos ? "photos/s" : self->items, eta, self->tty ? "" : "\n");
}

int
fathom_cli_work_failed (GError *error, const char *run_dir)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_printerr ("fathom-cli: stopped%s%s\n", run_dir != NULL ? "; the run folder is valid: " : "",
                  run_dir != NULL ? run_dir : "");
      g_error_free (error);
      return 130;       /* interrupted, as a shell reports SIGINT */
    }
  return fathom_cli_fail (error);
}
