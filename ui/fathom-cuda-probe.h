/* fathom-cuda-probe.h: whether CUDA can be used, asked off the main thread
 * (loading the driver takes a while). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Asks in a worker thread; callback runs on this thread's context with
 * source_object (may be NULL) and user_data. */
void  fathom_cuda_probe        (gpointer             source_object,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);

/* Why CUDA cannot be used (newly allocated), or NULL when it can. */
char *fathom_cuda_probe_finish (GAsyncResult        *result);

G_END_DECLS
