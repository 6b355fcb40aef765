/* fathom-quark.h: error domains whose quark any thread may ask for first.
 *
 * GLib's G_DEFINE_QUARK caches the quark in a plain static that the first
 * caller writes while others may read it: a data race (ThreadSanitizer
 * reports it) when two worker threads make their first error of a domain
 * at once, decoding photos say. Here the cache is read and written
 * atomically; g_quark_from_static_string() itself is thread-safe, so two
 * first callers store the same value.
 */
#pragma once

#include <glib.h>

#define FATHOM_DEFINE_QUARK(QN, q_n)                                     \
GQuark                                                                  \
q_n##_quark (void)                                                      \
{                                                                       \
  static gint cached;                                                   \
  GQuark q = (GQuark) g_atomic_int_get (&cached);                       \
                                                                        \
  if (G_UNLIKELY (q == 0))                                              \
    {                                                                   \
      q = g_quark_from_static_string (#QN);                             \
      g_atomic_int_set (&cached, (gint) q);                             \
    }                                                                   \
  return q;                                                             \
}
