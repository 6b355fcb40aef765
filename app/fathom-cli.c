/* fathom-cli.c: the headless front end: fathom-cli COMMAND [OPTIONS]. */
#include <glib.h>
#include <locale.h>
#include <stdio.h>

#include "fathom-backend-registry.h"
#include "fathom-cpu-backend.h"
#include "fathom-cpu-bench.h"
#include "fathom-heads.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct {
  const char  *name;
  const char  *summary;
  CommandFunc  func;
} Command;

static int
fail (GError *error)
{
  g_printerr ("fathom-cli: %s\n", error->message);
  g_error_free (error);
  return 1;
}

static gboolean
parse (GOptionContext *context, int *argc, char ***argv)
{
  GError *error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("fathom-cli: %s\n", error->message);
      g_error_free (error);
      return FALSE;
    }
  return TRUE;
}

static int
cmd_summary (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("EXPERIMENT — print a model's layers and parameter count");
  g_autoptr(FathomBackend) backend = NULL;
  g_autoptr(FathomGraph) graph = NULL;
  g_autofree char *table = NULL;
  g_autofree char *known = g_strjoinv (", ", (char **) fathom_head_list ());
  g_autofree char *desc = g_strdup_printf ("Experiments: %s", known);
  GError *error = NULL;

  g_option_context_set_description (context, desc);
  if (!parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("Usage: fathom-cli summary EXPERIMENT\n%s\n", desc);
      return 2;
    }
  graph = fathom_head_new (argv[1], NULL, &error);
  if (graph == NULL)
    return fail (error);
  /* Parameters exist once built; the reference backend allocates only. */
  backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  if (!fathom_graph_build (graph, backend, 0, &error))
    return fail (error);
  table = fathom_graph_summary (graph);
  g_print ("Model: %s — %s\n%s", argv[1], fathom_head_describe (argv[1]), table);
  return 0;
}

static int
cmd_devices (int argc, char **argv)
{
  const char *names[] = { "cpu", "cpu-reference", "cuda" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *reason = NULL;
      gboolean ok = fathom_backend_is_available (names[i], &reason);

      g_print ("%-14s %s%s\n", names[i], ok ? "available" : "unavailable: ", ok ? "" : reason);
    }
  return 0;
}

static int
cmd_bench (int argc, char **argv)
{
  g_autofree char *device = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Device to time (cpu)", "DEVICE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time the compute backend on the lesson's workloads");
  g_autoptr(FathomBackend) backend = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse (context, &argc, &argv))
    return 2;
  if (device == NULL)
    device = g_strdup ("cpu");
  if (!g_str_equal (device, "cpu"))
    {
      g_autofree char *reason = NULL;
      if (!fathom_backend_is_available (device, &reason))
        g_printerr ("fathom-cli: %s\n", reason);
      else
        g_printerr ("fathom-cli: the benchmark for “%s” is not written yet; use --device cpu\n", device);
      return 1;
    }
  backend = fathom_backend_new_by_name (device, &error);
  if (backend == NULL || !fathom_cpu_bench_run (backend, json, out, &error))
    return fail (error);
  g_print ("%s", out->str);
  return 0;
}

static const Command commands[] = {
  { "bench", "Time the compute backend (conv2d, matmul) against OpenBLAS", cmd_bench },
  { "summary", "Print a lesson model's layers and parameter count", cmd_summary },
  { "devices", "List the compute devices and whether they can be used", cmd_devices },
};

static void
usage (FILE *to)
{
  fprintf (to, "Usage: fathom-cli COMMAND [OPTIONS]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (to, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (to, "\nRun fathom-cli COMMAND --help for a command's options.\n");
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "");
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("fathom-cli %s\n", FATHOM_VERSION);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].func (argc - 1, argv + 1);
  g_printerr ("fathom-cli: unknown command “%s”\n\n", argv[1]);
  usage (stderr);
  return 2;
}
