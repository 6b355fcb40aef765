/* fathom-cuda-probe.c: the CUDA probe (see fathom-cuda-probe.h). */
#include "fathom-cuda-probe.h"

#include <glib/gi18n.h>

#include "fathom-backend-registry.h"

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  char *reason = NULL;

  if (!fathom_backend_is_available ("cuda", &reason) && reason == NULL)
    reason = g_strdup (_("no usable GPU"));
  g_task_return_pointer (task, reason, g_free);
}

void
fathom_cuda_probe (gpointer            source_object,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, NULL, callback, user_data);

  g_task_set_source_tag (task, fathom_cuda_probe);
  g_task_run_in_thread (task, probe_thread);
}

char *
fathom_cuda_probe_finish (GAsyncResult *result)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  return g_task_propagate_pointer (G_TASK (result), NULL);
}
