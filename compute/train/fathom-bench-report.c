/* fathom-bench-report.c: benchmark results as a table and as JSON. */
#include "fathom-bench-report.h"

#include <json-glib/json-glib.h>
#include <math.h>

typedef struct {
  FathomBenchResult result;     /* input owned */
  char             *error;      /* NULL when measured */
} Row;

struct _FathomBenchReport
{
  char     *device;
  char     *device_name;
  gboolean  tf32;
  char     *convolutions;
  GArray   *rows;               /* Row */
};

static void
row_clear (gpointer data)
{
  Row *row = data;

  fathom_bench_result_clear (&row->result);
  g_free (row->error);
}

FathomBenchReport *
fathom_bench_report_new (const char *device, const char *device_name, gboolean tf32)
{
  FathomBenchReport *self = g_new0 (FathomBenchReport, 1);

  g_return_val_if_fail (device != NULL, NULL);
  self->device = g_strdup (device);
  self->device_name = g_strdup (device_name);
  self->tf32 = tf32;
  self->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (self->rows, row_clear);
  return self;
}

void
fathom_bench_report_free (FathomBenchReport *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->rows);
  g_free (self->device);
  g_free (self->device_name);
  g_free (self->convolutions);
  g_free (self);
}

void
fathom_bench_report_set_convolutions (FathomBenchReport *self, const char *convolutions)
{
  g_return_if_fail (self != NULL);
  g_free (self->convolutions);
  self->convolutions = g_strdup (convolutions);
}

/* Where the result's convolutions ran, or NULL when that is not known or
 * it made none. */
static const char *
conv_path (const FathomBenchResult *r)
{
  if (!r->conv_counted || r->conv_cudnn + r->conv_own == 0)
    return NULL;
  if (r->conv_own == 0)
    return "cudnn";
  return r->conv_cudnn == 0 ? "own" : "mixed";
}

void
fathom_bench_report_add (FathomBenchReport *self, const FathomBenchResult *result)
{
  Row row = { *result, NULL };

  row.result.input = g_strdup (result->input);
  row.result.graph_reason = g_strdup (result->graph_reason);
  g_array_append_val (self->rows, row);
}

void
fathom_bench_report_add_failure (FathomBenchReport *self, FathomBenchKind kind, guint batch, const char *message)
{
  Row row = { { .kind = kind, .batch = batch }, g_strdup (message != NULL ? message : "failed") };

  g_array_append_val (self->rows, row);
}

guint
fathom_bench_report_get_n_failed (FathomBenchReport *self)
{
  guint n = 0;

  for (guint i = 0; i < self->rows->len; i++)
    n += g_array_index (self->rows, Row, i).error != NULL;
  return n;
}

static void
add_member_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_member_double (JsonBuilder *b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

static void
add_member_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_row (JsonBuilder *b, const Row *row)
{
  const FathomBenchResult *r = &row->result;

  json_builder_begin_object (b);
  add_member_string (b, "workload", fathom_bench_kind_to_string (r->kind));
  add_member_int (b, "batch", r->batch);
  if (row->error != NULL)
    {
      add_member_string (b, "error", row->error);
      json_builder_end_object (b);
      return;
    }
  add_member_string (b, "input", r->input);
  add_member_string (b, "mode", r->training ? "train-step" : "inference");
  add_member_int (b, "warmup", r->warmup);
  add_member_int (b, "runs", r->runs);
  add_member_double (b, "median_ms", r->median_s * 1e3);
  add_member_double (b, "min_ms", r->min_s * 1e3);
  add_member_double (b, "max_ms", r->max_s * 1e3);
  add_member_double (b, "throughput", r->throughput);
  add_member_string (b, "unit", r->unit);
  /* JSON has no NaN: a diverged step says so in words. */
  if (r->training)
    {
      if (isfinite (r->loss))
        add_member_double (b, "loss", r->loss);
      else
        add_member_string (b, "loss", "not finite");
    }
  json_builder_set_member_name (b, "graph");
  json_builder_add_boolean_value (b, r->graph);
  if (!r->graph && r->graph_reason != NULL)
    add_member_string (b, "graph_reason", r->graph_reason);
  if (conv_path (r) != NULL)
    {
      add_member_string (b, "conv_path", conv_path (r));
      json_builder_set_member_name (b, "conv_calls");
      json_builder_begin_object (b);
      add_member_int (b, "cudnn", (gint64) r->conv_cudnn);
      add_member_int (b, "own", (gint64) r->conv_own);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

char *
fathom_bench_report_to_json (FathomBenchReport *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  add_member_string (b, "framework", "fathom");
  add_member_string (b, "version", FATHOM_VERSION);
  add_member_string (b, "device", self->device);
  add_member_string (b, "device_name", self->device_name);
  json_builder_set_member_name (b, "tf32");
  json_builder_add_boolean_value (b, self->tf32);
  add_member_string (b, "convolutions", self->convolutions);
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->rows->len; i++)
    add_row (b, &g_array_index (self->rows, Row, i));
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  return g_strconcat (text, "\n", NULL);
}

char *
fathom_bench_report_to_table (FathomBenchReport *self)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "Fathom benchmark on %s%s%s%s, TF32 %s\n", self->device,
                          self->device_name != NULL ? " (" : "",
                          self->device_name != NULL ? self->device_name : "",
                          self->device_name != NULL ? ")" : "", self->tf32 ? "on" : "off");
  if (self->convolutions != NULL)
    g_string_append_printf (out, "Convolutions: %s\n", self->convolutions);
  g_string_append_printf (out, "%-18s %6s %-10s %-10s %8s %12s %12s  %-9s  %s\n",
                          "workload", "batch", "input", "mode", "runs", "median ms", "throughput", "unit",
                          "conv");
  for (guint i = 0; i < self->rows->len; i++)
    {
      const Row *row = &g_array_index (self->rows, Row, i);
      const FathomBenchResult *r = &row->result;

      if (row->error != NULL)
        {
          g_string_append_printf (out, "%-18s %6u FAILED: %s\n", fathom_bench_kind_to_string (r->kind),
                                  r->batch, row->error);
          continue;
        }
      g_autofree char *conv = conv_path (r) == NULL ? g_strdup ("-")
                              : g_str_equal (conv_path (r), "mixed")
                              ? g_strdup_printf ("mixed (%" G_GUINT64_FORMAT " cudnn, %" G_GUINT64_FORMAT " own)",
                                                 r->conv_cudnn, r->conv_own)
                              : g_strdup (conv_path (r));

      g_string_append_printf (out, "%-18s %6u %-10s %-10s %8u %12.3f %12.2f  %-9s  %s\n",
                              fathom_bench_kind_to_string (r->kind), r->batch, r->input,
                              !r->training ? (r->graph ? "graph-fwd" : "inference")
                              : r->graph ? "graph-step" : "train-step",
                              r->runs, r->median_s * 1e3, r->throughput, r->unit, conv);
      if (!r->graph && r->graph_reason != NULL)
        g_string_append_printf (out, "%-18s not a captured graph: %s\n", "", r->graph_reason);
    }
  g_string_append (out, "Median of the timed runs after the warm-up; an iteration ends when the device is done.\n"
                        "graph-step, graph-fwd: each timed iteration was one launch of the training step or\n"
                        "the inference pass captured as a CUDA graph.\n");
  return g_string_free (out, FALSE);
}
