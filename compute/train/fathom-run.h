/* fathom-run.h: a run folder, the contract between fathom-cli and the app.
 *
 *   run.json          experiment, config, seed, dataset fingerprint, device,
 *                     versions, timings (a resumed run keeps its first
 *                     start and adds its sessions' seconds), status,
 *                     final metrics
 *   metrics.csv       one row per logged batch and per epoch:
 *                     step,epoch,phase,<columns...>,wall_s
 *   checkpoints/      *.safetensors
 *   predictions.csv, heatmaps, renders/   written by the experiments
 *
 * Every file is written whole to a temporary file, flushed and renamed, so
 * a crash never leaves a half-written file under a final name.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* fathom_write_file_atomic(), which everything here writes with */
#include "fathom-atomic-file.h"

G_BEGIN_DECLS

#define FATHOM_RUN_ERROR (fathom_run_error_quark ())

typedef enum {
  FATHOM_RUN_ERROR_EXISTS,        /* the folder already holds a run */
  FATHOM_RUN_ERROR_IO,
  FATHOM_RUN_ERROR_PARSE,         /* run.json or metrics.csv is malformed */
  FATHOM_RUN_ERROR_NOT_RESUMABLE, /* another experiment, or other settings */
} FathomRunError;

typedef struct _FathomRun FathomRun;

GQuark       fathom_run_error_quark   (void);

/* Creates dir (and checkpoints/, renders/). A folder that already holds a
 * run.json is refused unless overwrite is TRUE; then what that run wrote
 * (run.json, metrics.csv, predictions.csv, heatmaps.safetensors, the
 * leakage tables, checkpoints/ *.safetensors, renders/ *.png) is removed
 * first, and nothing else. */
FathomRun   *fathom_run_new           (const char          *dir,
                                       const char          *experiment,
                                       gboolean             overwrite,
                                       GError             **error);
/* Reopens a run folder to continue it after a stop or a crash: its
 * experiment, config, facts and metrics rows are kept. A finished run is
 * refused (FATHOM_RUN_ERROR_EXISTS): there is nothing to continue. */
FathomRun   *fathom_run_resume        (const char          *dir,
                                       GError             **error);
/* Drops metrics rows of epochs after max_epoch (1-based), e.g. the part
 * of an epoch that a crash interrupted. */
void         fathom_run_truncate_rows (FathomRun           *self,
                                       guint                max_epoch);
void         fathom_run_free          (FathomRun           *self);
const char  *fathom_run_get_dir       (FathomRun           *self);
/* dir/relative, newly allocated. */
/* "checkpoints/epoch-NNN.safetensors": the trainer's checkpoint after
 * epoch (1-based), relative to the run folder. */
char        *fathom_run_epoch_checkpoint_name (guint        epoch);
/* The run folder's latest epoch checkpoint as a path, and its epoch; NULL
 * (and *epoch 0) when none was written. */
char        *fathom_run_find_last_checkpoint  (const char  *dir,
                                               guint       *epoch);
char        *fathom_run_get_path      (FathomRun           *self,
                                       const char          *relative);

/* "config" entries and top-level facts (device, seed, dataset fingerprint). */
void         fathom_run_set_config_string (FathomRun *self, const char *key, const char *value);
void         fathom_run_set_config_int    (FathomRun *self, const char *key, gint64 value);
void         fathom_run_set_config_double (FathomRun *self, const char *key, double value);
void         fathom_run_set_info          (FathomRun *self, const char *key, const char *value);
/* A file or folder, made absolute against the current folder, so that
 * the run folder finds it when opened from any other (the app's, say). */
void         fathom_run_set_info_path     (FathomRun *self, const char *key, const char *path);
void         fathom_run_set_final         (FathomRun *self, const char *key, double value);
/* "running", "finished", "stopped" or "failed", with a message or NULL. */
void         fathom_run_set_status        (FathomRun *self, const char *status, const char *message);
/* The status's message so far, or NULL. */
const char  *fathom_run_get_message       (FathomRun *self);

/* The metric columns between phase and wall_s; set once, before rows (a
 * resumed run accepts the same columns again). */
void         fathom_run_set_columns   (FathomRun           *self,
                                       guint                n,
                                       const char *const   *names);
/* values has one entry per column; NaN leaves the cell empty. A resumed
 * run's rows continue from the wall_s of the last row it kept:
 * wall_seconds counts from this session's fit. */
void         fathom_run_add_row       (FathomRun           *self,
                                       gint64               step,
                                       guint                epoch,
                                       const char          *phase,
                                       const double        *values,
                                       double               wall_seconds);

/* Writes run.json and metrics.csv. */
gboolean     fathom_run_save          (FathomRun           *self,
                                       GError             **error);
/* Writes dir/relative atomically (predictions.csv and the like). */
gboolean     fathom_run_write_file    (FathomRun           *self,
                                       const char          *relative,
                                       const char          *contents,
                                       gssize               length,
                                       GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomRun, fathom_run_free)

/* ---- reading a run folder back (the app, tests, resume) ---------------- */

typedef struct _FathomRunInfo FathomRunInfo;

FathomRunInfo *fathom_run_info_load        (const char    *dir,
                                            GError       **error);
/* The same from the two files' contents (for fuzzing); metrics may be NULL. */
FathomRunInfo *fathom_run_info_parse       (const char    *run_json,
                                            gssize         run_json_length,
                                            const char    *metrics_csv,
                                            gssize         metrics_length,
                                            GError       **error);
void           fathom_run_info_free        (FathomRunInfo *self);
const char    *fathom_run_info_get_experiment (FathomRunInfo *self);
const char    *fathom_run_info_get_status  (FathomRunInfo *self);
/* run.json's root object (borrowed). */
JsonObject    *fathom_run_info_get_json    (FathomRunInfo *self);
/* Why the run folder dir lacks the file relative (its model): it is not a
 * run folder at all, or its run has not finished (its status said). */
void           fathom_run_info_set_missing_error (const char *dir,
                                                  const char *relative,
                                                  GError    **error);
/* run.json's "dataset", the folder of the run in dir, as a path to open:
 * as written when absolute. A relative one (runs from before the paths
 * were made absolute kept --data as typed) is taken against the current
 * folder if it is there, else against the nearest of dir's ancestors
 * that holds it, else against the current folder. NULL when run.json
 * names no dataset. */
char          *fathom_run_info_dup_dataset_dir (FathomRunInfo *self,
                                            const char    *dir);
/* NaN when absent. */
double         fathom_run_info_get_final   (FathomRunInfo *self,
                                            const char    *key);
/* The columns after phase, wall_s last. */
guint          fathom_run_info_get_n_columns (FathomRunInfo *self);
const char    *fathom_run_info_get_column  (FathomRunInfo *self,
                                            guint          i);
guint          fathom_run_info_get_n_rows  (FathomRunInfo *self);
/* Row i: its step, epoch and phase, and the column values (NaN if empty). */
const double  *fathom_run_info_get_row     (FathomRunInfo *self,
                                            guint          i,
                                            gint64        *step,
                                            guint         *epoch,
                                            const char   **phase);

/* A setting a run must have been started with to be resumed. */
typedef struct {
  const char *key;              /* in run.json's config */
  gint64      value;
} FathomRunSetting;

/* Whether the run in dir (its info) is one of experiment started with
 * every setting given; else FALSE and an error naming the first that
 * differs or is missing. */
gboolean       fathom_run_info_check_resumable (FathomRunInfo          *self,
                                                const char             *dir,
                                                const char             *experiment,
                                                const FathomRunSetting *settings,
                                                guint                   n_settings,
                                                GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomRunInfo, fathom_run_info_free)

G_END_DECLS
