/* fathom-duration.c: durations for people (see fathom-duration.h). */
#include "fathom-duration.h"

#include <math.h>

#include <glib/gi18n.h>

char *
fathom_duration_format (double seconds)
{
  guint s = (guint) MAX (0, round (seconds));

  if (s < 60)
    return g_strdup_printf (_("%u s"), s);
  if (s < 3600)
    return g_strdup_printf ("%u:%02u", s / 60, s % 60);
  return g_strdup_printf ("%u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
}
