/* fathom-worker-panel-job.h: a worker panel's job and its progress in
 * compute's types, for the panels, tests and callers that use compute.
 * Apart from fathom-worker-panel.h, which needs only GTK's types, so that
 * the app's wiring does not pull in compute's headers.
 *
 * A job is one run, shared by the worker thread and the main thread. A
 * panel's job type starts with a FathomWorkerJob and adds its settings
 * (copied: the worker never reads the panel's strings). The worker
 * reaches the main thread only through the job's relay, which feeds the
 * panel. The main thread alone reads and clears job->panel, so a panel
 * that goes away while its job goes on is never reached from the job.
 */
#pragma once

#include "fathom-progress-relay.h"
#include "fathom-worker-panel.h"

G_BEGIN_DECLS

struct _FathomWorkerJob
{
  gatomicrefcount         ref;
  FathomWorkerPanelClass *klass;        /* its run and clear_job */

  /* fixed before the worker starts */
  char                   *run_dir;
  GCancellable           *cancellable;
  FathomProgressRelay    *relay;

  /* main thread only; NULL once the panel no longer waits for this job */
  FathomWorkerPanel      *panel;
};

/* A zeroed job of size bytes (a struct that starts with a FathomWorkerJob)
 * of panel's class, into run_dir; its relay's points are point_size bytes
 * (0: progress only), source_name a static string. */
gpointer  fathom_worker_job_new              (FathomWorkerPanel         *panel,
                                              gsize                      size,
                                              const char                *run_dir,
                                              gsize                      point_size,
                                              const char                *source_name);
gpointer  fathom_worker_job_ref              (gpointer                   job);
void      fathom_worker_job_unref            (gpointer                   job);
/* A chart point a job's relay carries: kind and index are the panel's
 * (a series; an output or an epoch), x and y the point. */
typedef struct {
  guint  kind;
  guint  index;
  double x, y;
} FathomWorkerPoint;

/* In the worker: the point into points (*n_points so far), unless y is
 * not finite: a loss that went NaN is no point. */
void      fathom_worker_point_add            (FathomWorkerPoint         *points,
                                              guint                     *n_points,
                                              guint                      kind,
                                              guint                      index,
                                              double                     x,
                                              double                     y);
/* Runs the class's run in a thread of its own at a lower priority
 * (fathom_background_task_run()), the window drawing on; done gets
 * another reference of job as its user data, even when Stop came too
 * late. */
void      fathom_worker_job_launch           (FathomWorkerJob           *job,
                                              gpointer                   source_tag,
                                              GAsyncReadyCallback        done);
/* A FathomTrainProgressFunc for jobs without points: p to the relay. */
void      fathom_worker_job_push_progress    (const FathomTrainProgress *p,
                                              gpointer                   job);

/* fathom-worker-panel.c's, for the jobs' relays (owner: the job). */
void      _fathom_worker_panel_deliver       (gpointer                   owner,
                                              const FathomTrainProgress *latest,
                                              GArray                    *points);

/* The last progress the main thread received (output_losses NULL; phase
 * NULL before any); FALSE if none arrived for the current or last job. */
gboolean  fathom_worker_panel_get_progress   (FathomWorkerPanel         *self,
                                              FathomTrainProgress       *progress);
/* The same, borrowed; its phase NULL before any. */
const FathomTrainProgress *
          fathom_worker_panel_peek_progress  (FathomWorkerPanel         *self);

/* How far p is through a training run, 0..1: per batch in phase
 * "features", else per batch and epoch. */
double    fathom_worker_progress_fraction    (const FathomTrainProgress *p,
                                              const char                *phase);
/* What a training phase is called ("pretrain", "features", "valid",
 * otherwise training). */
const char *
          fathom_worker_phase_title          (const char                *phase);

G_END_DECLS
