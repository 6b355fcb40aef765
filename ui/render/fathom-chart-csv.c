/* fathom-chart-csv.c: the raw series as CSV (run,series,kind,unit,x,y).
 *
 * Long format, one row per point, so series of different lengths and x
 * (batch steps, epochs) fit one file. Numbers are written with the fewest
 * digits that read back to the same double, so export round-trips.
 */
#include "fathom-chart-data.h"
#include "fathom-atomic-file.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

static void
csv_field (GString    *out,
           const char *s)
{
  if (strpbrk (s, ",\"\r\n") == NULL)
    {
      g_string_append (out, s);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
csv_double (GString *out,
            double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    {
      g_string_append (out, "nan");
      return;
    }
  if (isinf (v))
    {
      g_string_append (out, v > 0 ? "inf" : "-inf");
      return;
    }
  /* %.15g reads nicer ("0.1"); fall back to 17 digits when it loses bits. */
  g_ascii_formatd (buf, sizeof buf, "%.15g", v);
  if (g_ascii_strtod (buf, NULL) != v)
    g_ascii_dtostr (buf, sizeof buf, v);
  g_string_append (out, buf);
}

char *
fathom_chart_data_to_csv (FathomChartData *data)
{
  GString *out = g_string_new ("run,series,kind,unit,x,y\n");

  for (guint id = 0; id < fathom_chart_data_get_n_series (data); id++)
    {
      FathomChartSeries *s = fathom_chart_data_get_series (data, id);
      gsize n = fathom_chart_series_get_n_points (s);
      GString *prefix = g_string_new (NULL);

      csv_field (prefix, fathom_chart_series_get_run (s));
      g_string_append_c (prefix, ',');
      csv_field (prefix, fathom_chart_series_get_name (s));
      g_string_append_c (prefix, ',');
      csv_field (prefix, fathom_chart_kind_to_string (fathom_chart_series_get_kind (s)));
      g_string_append_c (prefix, ',');
      csv_field (prefix, fathom_chart_series_get_unit (s));
      g_string_append_c (prefix, ',');
      for (gsize i = 0; i < n; i++)
        {
          g_string_append_len (out, prefix->str, prefix->len);
          csv_double (out, fathom_chart_series_get_x (s, i));
          g_string_append_c (out, ',');
          csv_double (out, fathom_chart_series_get_y (s, i));
          g_string_append_c (out, '\n');
        }
      g_string_free (prefix, TRUE);
    }
  return g_string_free (out, FALSE);
}

gboolean
fathom_chart_data_write_csv (FathomChartData  *data,
                             const char       *path,
                             GError          **error)
{
  g_autofree char *csv = fathom_chart_data_to_csv (data);

  /* a temporary file renamed over the path: never a half-written file
   * under the final name (fathom-atomic-file.h) */
  return fathom_write_file_atomic (path, csv, -1, error);
}

/* Reads one record starting at *p; quoted fields may hold commas, quotes
 * and newlines. Returns FALSE at the end of the input. */
static gboolean
csv_record (const char **p,
            const char  *end,
            GPtrArray   *fields)
{
  GString *field = g_string_new (NULL);
  const char *c = *p;

  g_ptr_array_set_size (fields, 0);
  if (c >= end)
    {
      g_string_free (field, TRUE);
      return FALSE;
    }
  for (;;)
    {
      if (c < end && *c == '"')
        {
          for (c++; c < end; c++)
            {
              if (*c == '"' && c + 1 < end && c[1] == '"')
                g_string_append_c (field, *c++);
              else if (*c == '"')
                {
                  c++;
                  break;
                }
              else
                g_string_append_c (field, *c);
            }
        }
      while (c < end && *c != ',' && *c != '\n' && *c != '\r')
        g_string_append_c (field, *c++);
      g_ptr_array_add (fields, g_strdup (field->str));
      g_string_truncate (field, 0);
      if (c < end && *c == ',')
        {
          c++;
          continue;
        }
      if (c < end && *c == '\r')
        c++;
      if (c < end && *c == '\n')
        c++;
      break;
    }
  g_string_free (field, TRUE);
  *p = c;
  return TRUE;
}

static gboolean
parse_double (const char *s,
              double     *out)
{
  char *end = NULL;

  *out = g_ascii_strtod (s, &end);
  return end != s && *end == '\0';
}

FathomChartData *
fathom_chart_data_load_csv (const char  *path,
                            GError     **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  const char *p, *end;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(FathomChartData) data = NULL;
  guint line = 1;

  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  p = text;
  end = text + len;
  if (!csv_record (&p, end, fields) || fields->len < 6 ||
      g_strcmp0 (g_ptr_array_index (fields, 0), "run") != 0 ||
      g_strcmp0 (g_ptr_array_index (fields, 4), "x") != 0 ||
      g_strcmp0 (g_ptr_array_index (fields, 5), "y") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: expected the header run,series,kind,unit,x,y", path);
      return NULL;
    }
  data = fathom_chart_data_new ();
  while (csv_record (&p, end, fields))
    {
      const char *run, *name;
      g_autofree char *key = NULL;
      gpointer id;
      double x, y;

      line++;
      if (fields->len == 1 && *(char *) g_ptr_array_index (fields, 0) == '\0')
        continue;   /* blank line */
      if (fields->len != 6 ||
          !parse_double (g_ptr_array_index (fields, 4), &x) ||
          !parse_double (g_ptr_array_index (fields, 5), &y) || !isfinite (x))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: expected run,series,kind,unit,x,y with numbers", path, line);
          return NULL;
        }
      run = g_ptr_array_index (fields, 0);
      name = g_ptr_array_index (fields, 1);
      key = g_strdup_printf ("%s\x1f%s", run, name);
      if (!g_hash_table_lookup_extended (ids, key, NULL, &id))
        {
          guint sid = fathom_chart_data_add_series (data, run, name,
                                                    fathom_chart_kind_from_string (g_ptr_array_index (fields, 2)),
                                                    g_ptr_array_index (fields, 3));

          id = GUINT_TO_POINTER (sid);
          g_hash_table_insert (ids, g_steal_pointer (&key), id);
        }
      fathom_chart_data_append (data, GPOINTER_TO_UINT (id), x, y);
    }
  return g_steal_pointer (&data);
}
