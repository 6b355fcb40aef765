/* main.c: the desktop application's entry point. */
#include "fathom-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(FathomApplication) app = fathom_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
