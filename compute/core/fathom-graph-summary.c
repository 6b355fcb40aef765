/* fathom-graph-summary.c: the Keras-like table of a graph's layers. */
#include "fathom-graph-private.h"

#include <string.h>

static char *
with_commas (gsize n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GSIZE_FORMAT, n);
  GString *s = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}

char *
fathom_graph_summary (FathomGraph *self)
{
  GString *s = g_string_new (NULL);
  g_autofree char *total = NULL, *trainable = NULL, *frozen = NULL;
  const char *rule = "==============================================================================================================";
  const char *thin = "______________________________________________________________________________________________________________";

  if (!self->shapes_known)
    {
      g_autoptr(GError) error = NULL;
      if (!fathom_graph_infer_shapes (self, &error))
        {
          g_string_append_printf (s, "The model is inconsistent: %s\n", error->message);
          return g_string_free (s, FALSE);
        }
    }

  g_string_append_printf (s, "%-52s %-22s %-12s %s\n", "Layer (type)", "Output Shape", "Param #", "Connected to");
  g_string_append_printf (s, "%s\n", rule);
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = fathom_graph_node_at (self, (int) i);
      g_autofree char *label = g_strdup_printf ("%s (%s)", node->name,
                                                node->layer ? fathom_layer_get_type_name (node->layer) : "InputLayer");
      g_autofree char *shape = fathom_shape_to_string (&node->shape);
      g_autofree char *params = with_commas (node->layer ? fathom_layer_count_params (node->layer) : 0);
      GString *inputs = g_string_new (NULL);

      for (guint k = 0; k < node->n_inputs; k++)
        g_string_append_printf (inputs, "%s%s", k ? ", " : "", fathom_graph_node_at (self, node->inputs[k])->name);
      g_string_append_printf (s, "%-52s %-22s %-12s %s\n", label, shape, params, inputs->str);
      g_string_free (inputs, TRUE);
      if (i + 1 < self->nodes->len)
        g_string_append_printf (s, "%s\n", thin);
    }
  g_string_append_printf (s, "%s\n", rule);
  total = with_commas (fathom_graph_count_params (self, FALSE));
  trainable = with_commas (fathom_graph_count_params (self, TRUE));
  frozen = with_commas (fathom_graph_count_params (self, FALSE) - fathom_graph_count_params (self, TRUE));
  g_string_append_printf (s, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s\n",
                          total, trainable, frozen);
  return g_string_free (s, FALSE);
}
