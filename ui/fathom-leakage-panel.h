/* fathom-leakage-panel.h: the leakage study of the open dataset, one
 * click away, with its table.
 *
 * A FathomWorkerPanel (fathom-worker-panel.h): its input is the dataset
 * to study (NULL: Run is insensitive, a hint says why). "Run Leakage
 * Study" runs fathom_leakage_run() (fathom-leakage.h) in a worker thread
 * into a new folder RUNS/leakage-YYYYmmdd-HHMMSS: the image size alone,
 * the photo alone and both, each on a random split and on a split grouped
 * by image size. While it runs: which of the six models, its phase, epoch
 * and time left. Stop cancels after the current batch; the study's
 * folder is marked "stopped" and stays valid.
 *
 * When it is done: a table of split × model with accuracy, log-loss and
 * the majority rate, and one sentence underneath that reads the size-only
 * rows: does the image size beat guessing on the random split, and does
 * it still when no boat is on both sides?
 *
 * "running" is TRUE while a study is in progress; "run-finished" says
 * when one ended.
 *
 * Actions: "leakage.start", "leakage.stop".
 *
 * The study's settings and rows in compute's types are in
 * fathom-leakage-panel-config.h, its progress in fathom-worker-panel-job.h.
 */
#pragma once

#include "fathom-worker-panel.h"

G_BEGIN_DECLS

#define FATHOM_TYPE_LEAKAGE_PANEL (fathom_leakage_panel_get_type ())
G_DECLARE_FINAL_TYPE (FathomLeakagePanel, fathom_leakage_panel, FATHOM, LEAKAGE_PANEL, FathomWorkerPanel)

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

/* Parts, for tests. Transfer none. The grid: row 0 the headings, then one
 * row per split × model in the study's order, FathomLeakageColumn columns
 * of GtkLabels (numbers as "%.3f", "–" for none); empty until a study
 * finishes. The summary: the sentence under the table. The status: what
 * the last study came to ("Stopped: …", "Failed", "Finished in …"). */
GtkGrid      *fathom_leakage_panel_get_table       (FathomLeakagePanel *self);
GtkLabel     *fathom_leakage_panel_get_summary     (FathomLeakagePanel *self);
GtkLabel     *fathom_leakage_panel_get_status      (FathomLeakagePanel *self);

G_END_DECLS
