/* fathom-cli-private.h: what the fathom-cli command files share.
 *
 * Each command is a function taking the arguments after the command name
 * (argv[0] is the command) and returning the exit status: 0, 1 on an
 * error (said on stderr), 2 on bad usage, 130 when stopped by Ctrl-C. */
#pragma once

#include <gio/gio.h>

#include "fathom-trainer.h"

G_BEGIN_DECLS

/* A number option's value before parsing, to tell "not given" from a 0
 * the user typed: no one types it (NaN, which one can type, is refused
 * like any other bad value). */
#define FATHOM_CLI_NOT_GIVEN (-G_MAXDOUBLE)

/* Says error's message on stderr, frees it; returns 1. */
int      fathom_cli_fail            (GError         *error);
/* Parses options; says what is wrong on stderr. */
gboolean fathom_cli_parse           (GOptionContext *context,
                                     int            *argc,
                                     char         ***argv);
/* Whether an output path is this process's stdout
 * (fathom_path_own_descriptor()): the command's own lines then go to
 * stderr, not into the file. */
gboolean fathom_cli_is_stdout       (const char     *path);
/* "m:ss" or "h:mm:ss"; "-" when unknown. */
char    *fathom_cli_format_duration (double          seconds);

/* Long work in a worker thread while the main loop turns Ctrl-C (and
 * SIGTERM) into a cancellation the work checks between batches, as the app
 * does. FALSE with G_IO_ERROR_CANCELLED when stopped that way. */
typedef gboolean (*FathomCliWorkFunc) (gpointer       data,
                                       GCancellable  *cancellable,
                                       GError       **error);
gboolean fathom_cli_run_in_worker   (FathomCliWorkFunc func,
                                     gpointer          data,
                                     GError          **error);

/* The trainer's progress on stderr: on a terminal one line redrawn at most
 * 5 times a second with the time left in the phase, in a log a line every
 * 10 s; every epoch ends with a line of its own. Owned by the worker. */
typedef struct {
  const char *unit;           /* after the loss, e.g. "nats/char"; or NULL */
  const char *items;          /* "img/s", "seq/s" */
  gboolean    tty;
  gint64      last_print;     /* monotonic µs */
} FathomCliProgress;

void     fathom_cli_progress_init   (FathomCliProgress *self,
                                     const char        *unit,
                                     const char        *items);
void     fathom_cli_progress        (const FathomTrainProgress *p,
                                     gpointer                   user_data);

/* The exit status of stopped or failed work, after saying which; run_dir
 * (may be NULL) is named as still valid after a stop. */
int      fathom_cli_work_failed     (GError     *error,
                                     const char *run_dir);

/* The commands, in their files. */
int      fathom_cli_text_train      (int argc, char **argv);   /* fathom-cli-text.c */
int      fathom_cli_sample          (int argc, char **argv);
int      fathom_cli_features        (int argc, char **argv);   /* fathom-cli-conv.c */
int      fathom_cli_train           (int argc, char **argv);
int      fathom_cli_leakage         (int argc, char **argv);
int      fathom_cli_heatmap         (int argc, char **argv);   /* fathom-cli-view.c */
int      fathom_cli_render          (int argc, char **argv);
int      fathom_cli_submit          (int argc, char **argv);
int      fathom_cli_bench           (int argc, char **argv);   /* fathom-cli-bench.c */

G_END_DECLS
