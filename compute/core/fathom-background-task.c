/* fathom-background-task.c: a GTask's job in its own low-priority thread
 * (see fathom-background-task.h). */
#include "fathom-background-task.h"
#include "fathom-worker-pool.h"

typedef struct {
  GTask           *task;        /* owned */
  GTaskThreadFunc  func;
} Start;

static gpointer
background_main (gpointer data)
{
  Start *start = data;
  GTask *task = start->task;

  /* Before anything else, so that the job's own threads inherit it. */
  fathom_worker_pool_lower_thread_priority ();
  start->func (task, g_task_get_source_object (task), g_task_get_task_data (task),
               g_task_get_cancellable (task));
  g_object_unref (task);
  g_free (start);
  return NULL;
}

void
fathom_background_task_run (GTask           *task,
                            GTaskThreadFunc  func)
{
  Start *start;
  GThread *thread;
  GError *error = NULL;

  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  start = g_new (Start, 1);
  start->task = g_object_ref (task);
  start->func = func;
  thread = g_thread_try_new ("fathom-job", background_main, start, &error);
  if (thread == NULL)
    {
      g_object_unref (start->task);
      g_free (start);
      g_task_return_error (task, error);
      return;
    }
  /* Not joined: the thread ends with the job. */
  g_thread_unref (thread);
}
