/* fathom-background-task.h: a GTask's long job in a thread of its own at a
 * lower priority, for the desktop app's training, feature and dataset
 * jobs.
 *
 * g_task_run_in_thread() borrows a thread from GLib's shared pool, which
 * later runs the application's other asynchronous work (opening folders,
 * probing devices); a priority lowered there would stay with that thread.
 * Here the thread is started for the one job and ends with it, lowers its
 * own priority first (fathom_worker_pool_lower_thread_priority()), and
 * every thread the job starts (the CPU backend's workers, the photo
 * decoders, the dataset generator's) inherits it: on two cores the
 * window's main thread keeps a core when it has a frame to draw. The
 * command-line tool runs its jobs at normal priority and does not use
 * this. Being a pthread start and join, the handoff is also one that
 * ThreadSanitizer sees, unlike GLib's pool.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Like g_task_run_in_thread(): calls func (task, source object, task data,
 * cancellable) in the new thread, which holds a reference to @task until
 * func returns; func returns the task's result as usual. If no thread can
 * be started the task returns that error. */
void fathom_background_task_run (GTask           *task,
                                 GTaskThreadFunc  func);

G_END_DECLS
