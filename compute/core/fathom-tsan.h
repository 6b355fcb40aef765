/* fathom-tsan.h: happens-before annotations for ThreadSanitizer where a
 * GLib primitive carries the handoff.
 *
 * GLib is not built with -fsanitize=thread, and its GMutex, GCond,
 * GThreadPool and main-context queues wait on futexes that ThreadSanitizer
 * cannot see, so data handed over through them looks unsynchronised.
 * Where such a primitive stays, the code says what it does:
 * FATHOM_TSAN_RELEASE(addr) after the last write the other side reads
 * (before the unlock, the signal, the push), FATHOM_TSAN_ACQUIRE(addr)
 * before the first read (after the lock, the wait, at the task's start),
 * with the same address on both sides. Without ThreadSanitizer both are
 * nothing. Prefer FathomWorkerPool or pthreads, which it sees by itself.
 * fathom_tsan_mutex_lock() and friends are a GMutex's and GCond's calls
 * with the annotations in place, the mutex's address being the one.
 */
#pragma once

#include <glib.h>

#if defined(__SANITIZE_THREAD__)
#define FATHOM_TSAN_ENABLED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FATHOM_TSAN_ENABLED 1
#endif
#endif

#ifdef FATHOM_TSAN_ENABLED
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
#define FATHOM_TSAN_ACQUIRE(addr) __tsan_acquire ((void *) (addr))
#define FATHOM_TSAN_RELEASE(addr) __tsan_release ((void *) (addr))
#else
#define FATHOM_TSAN_ACQUIRE(addr) ((void) 0)
#define FATHOM_TSAN_RELEASE(addr) ((void) 0)
#endif

static inline void
fathom_tsan_mutex_lock (GMutex *mutex)
{
  g_mutex_lock (mutex);
  FATHOM_TSAN_ACQUIRE (mutex);
}

static inline void
fathom_tsan_mutex_unlock (GMutex *mutex)
{
  FATHOM_TSAN_RELEASE (mutex);
  g_mutex_unlock (mutex);
}

/* g_cond_wait (cond, mutex) with mutex held, as fathom_tsan_mutex_lock() took it */
static inline void
fathom_tsan_cond_wait (GCond *cond, GMutex *mutex)
{
  FATHOM_TSAN_RELEASE (mutex);
  g_cond_wait (cond, mutex);
  FATHOM_TSAN_ACQUIRE (mutex);
}
