/* fathom-run-folder.c: new run folders (see fathom-run-folder.h). */
#include "fathom-run-folder.h"

#include <errno.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

/* Made here rather than by the runner, so that two runs started in the
 * same second get different folders: g_mkdir fails on an existing one. */
char *
fathom_run_folder_create (const char  *runs_dir,
                          const char  *name,
                          GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  g_return_val_if_fail (runs_dir != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (g_mkdir_with_parents (runs_dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the runs folder %s: %s"), runs_dir, g_strerror (saved));
      return NULL;
    }
  for (guint i = 1; i < 1000; i++)
    {
      g_autofree char *base = i == 1 ? g_strdup_printf ("%s-%s", name, stamp)
                                     : g_strdup_printf ("%s-%s-%u", name, stamp, i);
      g_autofree char *dir = g_build_filename (runs_dir, base, NULL);

      if (g_mkdir (dir, 0755) == 0)
        return g_steal_pointer (&dir);
      if (errno != EEXIST)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not create the run folder %s: %s"), dir, g_strerror (saved));
          return NULL;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("Too many runs of %s this second"), name);
  return NULL;
}

char *
fathom_run_folder_default_runs_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "fathom", "runs", NULL);
}
