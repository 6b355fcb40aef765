/* fathom-leakage-panel.h: the leakage study of the open dataset, one
 * click away, with its table.
 *
 * "Run Leakage Study" runs fathom_leakage_run() (fathom-leakage.h) in a
 * worker thread into a new folder RUNS/leakage-YYYYmmdd-HHMMSS: the image
 * size alone, the photo alone and both, each on a random split and on a
 * split grouped by image size. While it runs: which of the six models,
 * its phase, epoch and time left. The worker writes its latest progress
 * under a mutex and schedules at most one idle at a time; the idle hands
 * it to the widgets. Stop cancels after the current batch; the study's
 * folder is marked "stopped" and stays valid.
 *
 * When it is done: a table of split × model with accuracy, log-loss and
 * the majority rate, and one sentence underneath that reads the size-only
 * rows: does the image size beat guessing on the random split, and does
 * it still when no boat is on both sides?
 *
 * Property "running" (read-only, notified): a study is in progress.
 *
 * Signals:
 *  - "study-finished" (const char *run_dir, gboolean ok): a study ended;
 *    ok is FALSE when it was stopped or failed
 *    (fathom_leakage_panel_get_error()).
 *
 * Actions: "leakage.start", "leakage.stop".
 *
 * The study's settings and rows in compute's types are in
 * fathom-leakage-panel-config.h.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FATHOM_TYPE_LEAKAGE_PANEL (fathom_leakage_panel_get_type ())
G_DECLARE_FINAL_TYPE (FathomLeakagePanel, fathom_leakage_panel, FATHOM, LEAKAGE_PANEL, GtkWidget)

/* The table's columns (row 0 of the grid holds their headings). */
typedef enum {
  FATHOM_LEAKAGE_COLUMN_SPLIT,
  FATHOM_LEAKAGE_COLUMN_MODEL,
  FATHOM_LEAKAGE_COLUMN_ACCURACY,
  FATHOM_LEAKAGE_COLUMN_LOG_LOSS,
  FATHOM_LEAKAGE_COLUMN_MAJORITY,
  FATHOM_LEAKAGE_N_COLUMNS
} FathomLeakageColumn;

GtkWidget    *fathom_leakage_panel_new             (void);

/* The dataset to study; NULL: none (Run is insensitive, a hint says why). */
void          fathom_leakage_panel_set_dataset_dir (FathomLeakagePanel *self,
                                                    const char         *dir);
const char   *fathom_leakage_panel_get_dataset_dir (FathomLeakagePanel *self);
/* Where the study's folder goes; NULL: $XDG_DATA_HOME/fathom/runs. */
void          fathom_leakage_panel_set_runs_dir    (FathomLeakagePanel *self,
                                                    const char         *dir);
const char   *fathom_leakage_panel_get_runs_dir    (FathomLeakagePanel *self);

/* What the Run button does; FALSE and an error when it cannot start
 * (already running, no dataset, the runs folder cannot be made). */
gboolean      fathom_leakage_panel_start           (FathomLeakagePanel *self,
                                                    GError            **error);
/* Asks the running study to stop after its current batch. */
void          fathom_leakage_panel_stop            (FathomLeakagePanel *self);
gboolean      fathom_leakage_panel_get_running     (FathomLeakagePanel *self);

/* The folder of the running or last study, or NULL. */
const char   *fathom_leakage_panel_get_run_dir     (FathomLeakagePanel *self);
/* Why the last study did not finish, or NULL. */
const GError *fathom_leakage_panel_get_error       (FathomLeakagePanel *self);
/* Idle callbacks that brought progress of the current or last study. */
guint         fathom_leakage_panel_get_n_deliveries (FathomLeakagePanel *self);

/* Parts, for tests. Transfer none. The grid: row 0 the headings, then one
 * row per split × model in the study's order, FathomLeakageColumn columns
 * of GtkLabels (numbers as "%.3f", "–" for none); empty until a study
 * finishes. The summary: the sentence under the table. The status: what
 * the last study came to ("Stopped: …", "Failed", "Finished in …"). */
GtkGrid      *fathom_leakage_panel_get_table       (FathomLeakagePanel *self);
GtkLabel     *fathom_leakage_panel_get_summary     (FathomLeakagePanel *self);
GtkLabel     *fathom_leakage_panel_get_status      (FathomLeakagePanel *self);

G_END_DECLS
