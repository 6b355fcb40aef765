/* fathom-cli.c: the headless front end. */
#include <glib.h>
#include <locale.h>

#include "fathom-backend-registry.h"

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "");
  g_print ("fathom-cli %s\n", "0.1.0");
  return 0;
}
