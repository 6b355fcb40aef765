/* fathom-fishsim-job.h: fathom_fishsim_generate() in a worker thread for the
 * desktop app. Progress reaches the caller's main context through at most
 * one pending idle: the worker writes the latest counts under a mutex and
 * queues an idle only when none is pending; the idle reads them. So a fast
 * generator never floods the main loop. */
#pragma once

#include "fathom-fishsim.h"

G_BEGIN_DECLS

/* On the thread-default main context of the caller of run_async(); never
 * after cancellable is cancelled. */
typedef void (*FathomFishsimJobProgress) (guint    done,
                                          guint    total,
                                          gpointer user_data);

/* opts is copied. progress_data must stay valid until callback runs or
 * cancellable is cancelled. */
void     fathom_fishsim_job_run_async  (const FathomFishsimOptions *opts,
                                        FathomFishsimJobProgress    progress,
                                        gpointer                    progress_data,
                                        GCancellable               *cancellable,
                                        GAsyncReadyCallback         callback,
                                        gpointer                    user_data);
gboolean fathom_fishsim_job_run_finish (GAsyncResult               *result,
                                        GError                    **error);

G_END_DECLS
