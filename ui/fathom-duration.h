/* fathom-duration.h: a duration for people: "42 s", "3:07", "1:02:03". */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Rounded to the second; negative counts as 0. Newly allocated. */
char *fathom_duration_format (double seconds);

G_END_DECLS
