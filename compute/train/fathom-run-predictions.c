/* fathom-run-predictions.c: predictions.csv read back (see
 * fathom-run-predictions.h). Strict, as fathom-run-info.c: the app opens
 * folders a user points it at, so a malformed file is an error naming the
 * file and the line, never a crash or a silently wrong row. */
#include "fathom-run-predictions.h"

#include <math.h>
#include <string.h>

#include "fathom-run.h"

/* Columns around the class probabilities. */
#define N_LEADING  3            /* file, true_class, pred_class */
#define N_TRAILING 9            /* true_h..true_y, pred_h..pred_y, iou */

static const char *const trailing_names[N_TRAILING] = {
  "true_h", "true_w", "true_x", "true_y", "pred_h", "pred_w", "pred_x", "pred_y", "iou",
};

struct _FathomRunPredictions
{
  char   **class_names;
  guint    n_classes;
  GArray  *rows;                /* FathomRunPrediction */
  GArray  *probs;               /* float, n_classes per row */
  gboolean has_pred_boxes;
};

static void
prediction_clear (gpointer data)
{
  g_free (((FathomRunPrediction *) data)->file);
}

void
fathom_run_predictions_free (FathomRunPredictions *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->class_names);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->probs, g_array_unref);
  g_free (self);
}

static gboolean
parse_error (GError **error, const char *path, guint line, const char *what)
{
  g_set_error (error, FATHOM_RUN_ERROR, FATHOM_RUN_ERROR_PARSE, "%s:%u: %s", path, line, what);
  return FALSE;
}

/* Reads the record at *p into fields. Quoted fields may hold commas,
 * doubled quotes and newlines; *line counts the newlines passed. Returns
 * FALSE at the end of the text; *bad is set for an unclosed quote or text
 * after a closing one. */
static gboolean
read_record (const char **p,
             const char  *end,
             GPtrArray   *fields,
             guint       *line,
             gboolean    *bad)
{
  g_autoptr(GString) field = g_string_new (NULL);
  const char *s = *p;

  g_ptr_array_set_size (fields, 0);
  *bad = FALSE;
  if (s >= end)
    return FALSE;
  for (;;)
    {
      if (s < end && *s == '"')
        {
          for (s++;; s++)
            {
              if (s >= end)
                return (*bad = TRUE);
              if (*s == '"' && (s + 1 >= end || s[1] != '"'))
                break;
              if (*s == '"')
                s++;
              else if (*s == '\n')
                (*line)++;
              g_string_append_c (field, *s);
            }
          s++;
          if (s < end && *s != ',' && *s != '\r' && *s != '\n')
            return (*bad = TRUE);
        }
      else
        while (s < end && *s != ',' && *s != '\r' && *s != '\n')
          g_string_append_c (field, *s++);
      g_ptr_array_add (fields, g_strndup (field->str, field->len));
      g_string_truncate (field, 0);
      if (s < end && *s == ',')
        {
          s++;
          continue;
        }
      if (s < end && *s == '\r')
        s++;
      if (s < end && *s == '\n')
        {
          s++;
          (*line)++;
        }
      break;
    }
  *p = s;
  return TRUE;
}

/* An empty field is NAN; anything but a whole number is refused. */
static gboolean
parse_double (const char *field,
              double     *out)
{
  char *end = NULL;

  if (*field == '\0')
    {
      *out = NAN;
      return TRUE;
    }
  *out = g_ascii_strtod (field, &end);
  return end != field && *end == '\0';
}

/* A probability or an IoU: empty (NAN), or a number in 0..1 (with room
 * for the rounding of "%.6g"). */
static gboolean
parse_fraction (const char *field,
                double     *out)
{
  if (!parse_double (field, out))
    return FALSE;
  return *field == '\0' || (*out >= 0 && *out <= 1.0001);
}

static int
find_class (FathomRunPredictions *self,
            const char           *name)
{
  for (guint k = 0; k < self->n_classes; k++)
    if (g_str_equal (self->class_names[k], name))
      return (int) k;
  return -1;
}

static gboolean
parse_header (FathomRunPredictions *self,
              GPtrArray            *fields,
              const char           *path,
              GError              **error)
{
  guint n = fields->len;

  if (n < N_LEADING + 1 + N_TRAILING ||
      g_strcmp0 (fields->pdata[0], "file") != 0 || g_strcmp0 (fields->pdata[1], "true_class") != 0 ||
      g_strcmp0 (fields->pdata[2], "pred_class") != 0)
    return parse_error (error, path, 1, "the header must be file,true_class,pred_class,<classes>,"
                                        "true_h,...,pred_y,iou");
  for (guint j = 0; j < N_TRAILING; j++)
    if (g_strcmp0 (fields->pdata[n - N_TRAILING + j], trailing_names[j]) != 0)
      return parse_error (error, path, 1, "the header must end with true_h,true_w,true_x,true_y,"
                                          "pred_h,pred_w,pred_x,pred_y,iou");
  self->n_classes = n - N_LEADING - N_TRAILING;
  self->class_names = g_new0 (char *, self->n_classes + 1);
  for (guint k = 0; k < self->n_classes; k++)
    {
      const char *name = fields->pdata[N_LEADING + k];

      if (*name == '\0' || g_strv_contains ((const char * const *) self->class_names, name))
        return parse_error (error, path, 1, "class names must be distinct and not empty");
      self->class_names[k] = g_strdup (name);
    }
  return TRUE;
}

/* Four numbers, or four empty fields (no box). */
static gboolean
parse_box (char *const *fields,
           float        box[4],
           gboolean    *has)
{
  guint n_empty = 0;

  for (int j = 0; j < 4; j++)
    {
      double v;

      if (!parse_double (fields[j], &v) || isinf (v) || (isnan (v) && *fields[j] != '\0'))
        return FALSE;
      n_empty += isnan (v);
      box[j] = isnan (v) ? 0.f : (float) v;
    }
  *has = n_empty == 0;
  return n_empty == 0 || n_empty == 4;
}

static gboolean
parse_row (FathomRunPredictions *self,
           GPtrArray            *fields,
           const char           *path,
           guint                 line,
           GError              **error)
{
  char **f = (char **) fields->pdata;
  guint k = self->n_classes;
  FathomRunPrediction row = { 0 };
  gboolean has_true;

  if (fields->len != N_LEADING + k + N_TRAILING)
    return parse_error (error, path, line, "wrong number of fields");
  if (*f[0] == '\0')
    return parse_error (error, path, line, "no file name");
  row.true_class = find_class (self, f[1]);
  row.pred_class = find_class (self, f[2]);
  if (row.true_class < 0 || row.pred_class < 0)
    return parse_error (error, path, line, "a class that is not in the header");
  for (guint c = 0; c < k; c++)
    {
      double p;
      float v;

      if (*f[N_LEADING + c] == '\0' || !parse_fraction (f[N_LEADING + c], &p))
        return parse_error (error, path, line, "a class probability is not a number in 0..1");
      v = (float) p;
      g_array_append_val (self->probs, v);
    }
  if (!parse_box (f + N_LEADING + k, row.true_box, &has_true) ||
      !parse_box (f + N_LEADING + k + 4, row.pred_box, &row.has_pred_box))
    return parse_error (error, path, line, "a box needs four numbers or none");
  row.has_true_box = has_true && row.true_box[0] > 0 && row.true_box[1] > 0;
  if (!parse_fraction (f[N_LEADING + k + 8], &row.iou))
    return parse_error (error, path, line, "the IoU is not a number in 0..1");
  self->has_pred_boxes |= row.has_pred_box;
  row.file = g_strdup (f[0]);
  g_array_append_val (self->rows, row);
  return TRUE;
}

FathomRunPredictions *
fathom_run_predictions_parse (const char  *text,
                              gssize       length,
                              const char  *path,
                              GError     **error)
{
  g_autoptr(FathomRunPredictions) self = g_new0 (FathomRunPredictions, 1);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  const char *p = text, *end = text + len;
  guint line = 1, record_line;
  gboolean bad;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  self->rows = g_array_new (FALSE, FALSE, sizeof (FathomRunPrediction));
  g_array_set_clear_func (self->rows, prediction_clear);
  self->probs = g_array_new (FALSE, FALSE, sizeof (float));

  if (!g_utf8_validate (text, (gssize) len, NULL) || memchr (text, '\0', len) != NULL)
    {
      parse_error (error, path, 1, "not UTF-8 text");
      return NULL;
    }
  if (!read_record (&p, end, fields, &line, &bad) || bad)
    {
      parse_error (error, path, 1, len == 0 ? "empty file, no header" : "a quote is not closed");
      return NULL;
    }
  if (!parse_header (self, fields, path, error))
    return NULL;
  for (record_line = line; read_record (&p, end, fields, &line, &bad); record_line = line)
    {
      if (bad)
        {
          parse_error (error, path, record_line, "a quote is not closed");
          return NULL;
        }
      if (fields->len == 1 && *(char *) fields->pdata[0] == '\0')
        continue;               /* a blank line */
      if (!parse_row (self, fields, path, record_line, error))
        return NULL;
    }
  /* the probabilities' array has stopped growing: point the rows into it */
  for (guint i = 0; i < self->rows->len; i++)
    g_array_index (self->rows, FathomRunPrediction, i).probs =
      &g_array_index (self->probs, float, (gsize) i * self->n_classes);
  return g_steal_pointer (&self);
}

FathomRunPredictions *
fathom_run_predictions_load (const char  *path,
                             GError     **error)
{
  g_autofree char *text = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;
  return fathom_run_predictions_parse (text, (gssize) length, path, error);
}

guint
fathom_run_predictions_get_n_rows (FathomRunPredictions *self)
{
  return self->rows->len;
}

const FathomRunPrediction *
fathom_run_predictions_get_row (FathomRunPredictions *self,
                                guint                 i)
{
  g_return_val_if_fail (i < self->rows->len, NULL);
  return &g_array_index (self->rows, FathomRunPrediction, i);
}

const char * const *
fathom_run_predictions_get_class_names (FathomRunPredictions *self)
{
  return (const char * const *) self->class_names;
}

guint
fathom_run_predictions_get_n_classes (FathomRunPredictions *self)
{
  return self->n_classes;
}

gboolean
fathom_run_predictions_has_pred_boxes (FathomRunPredictions *self)
{
  return self->has_pred_boxes;
}
