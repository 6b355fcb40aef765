/* fathom-graph-profile.c: where a step's time goes, layer by layer
 * (fathom_graph_set_profiling() in fathom-graph.h). */
#include "fathom-graph-private.h"

#include "fathom-backend.h"

typedef struct {
  const char *type;
  guint       layers;
  double      forward_s;
  double      backward_s;
} TypeTotal;

void
fathom_graph_set_profiling (FathomGraph *self, gboolean enabled)
{
  g_return_if_fail (self != NULL);
  self->profiling = enabled;
  if (!enabled)
    return;
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);

      node->forward_s = node->backward_s = 0.0;
      node->forward_n = node->backward_n = 0;
    }
}

gboolean
fathom_graph_profile_start (FathomGraph *self, gint64 *t0, GError **error)
{
  if (!self->profiling)
    return TRUE;
  if (!fathom_backend_synchronize (self->backend, error))
    return FALSE;
  *t0 = g_get_monotonic_time ();
  return TRUE;
}

gboolean
fathom_graph_profile_finish (FathomGraph *self, Node *node, gboolean backward, gint64 t0, GError **error)
{
  double s;

  if (!self->profiling)
    return TRUE;
  if (!fathom_backend_synchronize (self->backend, error))
    return FALSE;
  s = (double) (g_get_monotonic_time () - t0) * 1e-6;
  if (backward)
    {
      node->backward_s += s;
      node->backward_n++;
    }
  else
    {
      node->forward_s += s;
      node->forward_n++;
    }
  return TRUE;
}

static int
compare_nodes_by_time (gconstpointer a, gconstpointer b)
{
  const Node *x = *(Node *const *) a, *y = *(Node *const *) b;
  double tx = x->forward_s + x->backward_s, ty = y->forward_s + y->backward_s;

  return (tx < ty) - (tx > ty);
}

char *
fathom_graph_format_profile (FathomGraph *self, guint steps, double step_ms)
{
  g_autoptr(GArray) types = g_array_new (FALSE, TRUE, sizeof (TypeTotal));
  g_autoptr(GPtrArray) timed = g_ptr_array_new ();
  GString *s = g_string_new (NULL);
  double layers_ms = 0.0, per_step = 1e3 / MAX (steps, 1);
  double whole;

  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      const char *type;
      TypeTotal *t = NULL;

      if (node->layer == NULL || node->forward_n + node->backward_n == 0)
        continue;
      type = fathom_layer_get_type_name (node->layer);
      for (guint k = 0; k < types->len && t == NULL; k++)
        if (g_str_equal (g_array_index (types, TypeTotal, k).type, type))
          t = &g_array_index (types, TypeTotal, k);
      if (t == NULL)
        {
          TypeTotal fresh = { type, 0, 0.0, 0.0 };

          g_array_append_val (types, fresh);
          t = &g_array_index (types, TypeTotal, types->len - 1);
        }
      t->layers++;
      t->forward_s += node->forward_s;
      t->backward_s += node->backward_s;
      layers_ms += (node->forward_s + node->backward_s) * per_step;
      g_ptr_array_add (timed, node);
    }
  whole = step_ms > 0.0 ? step_ms : layers_ms;

  g_string_append_printf (s, "%-22s %6s %12s %12s %7s\n", "layer type", "layers", "forward ms", "backward ms",
                          "share");
  for (guint k = 0; k < types->len; k++)
    {
      const TypeTotal *t = &g_array_index (types, TypeTotal, k);
      double f = t->forward_s * per_step, b = t->backward_s * per_step;

      g_string_append_printf (s, "%-22s %6u %12.3f %12.3f %6.1f%%\n", t->type, t->layers, f, b,
                              whole > 0.0 ? 100.0 * (f + b) / whole : 0.0);
    }
  g_string_append_printf (s, "%-22s %6s %25.3f %6.1f%%\n", "layers together", "", layers_ms,
                          whole > 0.0 ? 100.0 * layers_ms / whole : 0.0);
  if (step_ms > 0.0)
    g_string_append_printf (s, "%-22s %6s %25.3f %6.1f%%\n", "rest (loss, optimiser)", "",
                            step_ms - layers_ms, 100.0 * (step_ms - layers_ms) / step_ms);

  g_ptr_array_sort (timed, compare_nodes_by_time);
  g_string_append (s, "slowest layers:\n");
  for (guint k = 0; k < MIN (timed->len, 5); k++)
    {
      const Node *node = g_ptr_array_index (timed, k);
      g_autofree char *shape = fathom_shape_to_string (&node->shape);

      g_string_append_printf (s, "  %-24s %-18s -> %-20s %9.3f ms forward %9.3f ms backward\n", node->name,
                              fathom_layer_get_type_name (node->layer), shape, node->forward_s * per_step,
                              node->backward_s * per_step);
    }
  return g_string_free (s, FALSE);
}
