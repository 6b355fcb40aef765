/* fathom-metrics.c */
#include "fathom-metrics.h"

#include <math.h>

gsize
fathom_argmax (const float *values, gsize n)
{
  gsize best = 0;

  for (gsize i = 1; i < n; i++)
    if (values[i] > values[best])
      best = i;
  return best;
}

double
fathom_metric_accuracy (const float *probs, const float *targets, gsize rows, gsize classes)
{
  gsize right = 0;

  if (rows == 0)
    return NAN;
  for (gsize r = 0; r < rows; r++)
    right += fathom_argmax (probs + r * classes, classes) == fathom_argmax (targets + r * classes, classes);
  return (double) right / rows;
}

double
fathom_metric_log_loss (const float *probs, const float *targets, gsize rows, gsize classes, double eps)
{
  double total = 0.0;

  if (rows == 0)
    return NAN;
  for (gsize r = 0; r < rows; r++)
    {
      const float *p = probs + r * classes, *t = targets + r * classes;
      double sum = 0.0, row = 0.0;

      for (gsize k = 0; k < classes; k++)
        sum += CLAMP ((double) p[k], eps, 1.0 - eps);
      for (gsize k = 0; k < classes; k++)
        if (t[k] != 0.f)
          row -= t[k] * log (CLAMP ((double) p[k], eps, 1.0 - eps) / sum);
      total += row;
    }
  return total / rows;
}

double
fathom_metric_iou_hwxy (const float *a, const float *b)
{
  double ax0 = a[2], ay0 = a[3], ax1 = a[2] + MAX (a[1], 0.f), ay1 = a[3] + MAX (a[0], 0.f);
  double bx0 = b[2], by0 = b[3], bx1 = b[2] + MAX (b[1], 0.f), by1 = b[3] + MAX (b[0], 0.f);
  double iw = MIN (ax1, bx1) - MAX (ax0, bx0), ih = MIN (ay1, by1) - MAX (ay0, by0);
  double inter = iw > 0 && ih > 0 ? iw * ih : 0.0;
  double uni = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;

  return uni > 0 ? inter / uni : 0.0;
}

double
fathom_metric_class_share (const int *labels, gsize n, int cls)
{
  gsize hits = 0;

  if (n == 0)
    return NAN;
  for (gsize i = 0; i < n; i++)
    hits += labels[i] == cls;
  return (double) hits / n;
}

int
fathom_metric_map_reference (const char *const *names, gsize classes)
{
  for (gsize k = 0; k < classes; k++)
    if (g_strcmp0 (names[k], "NoF") == 0)
      return (int) k;
  return -1;
}

void
fathom_metric_map_locate (const float *maps, gsize classes, gsize h, gsize w, gsize k, int reference,
                          gsize *cell_x, gsize *cell_y)
{
  gsize cells = h * w, best = 0;
  const float *mk = maps + k * cells;
  const int r = (int) (w / 16);
  g_autofree double *contrast = g_new (double, MAX (cells, 1));
  double best_value = -INFINITY;

  for (gsize i = 0; i < cells; i++)
    {
      double against = 0.0;

      if (reference >= 0 && (gsize) reference != k && (gsize) reference < classes)
        against = maps[(gsize) reference * cells + i];
      else
        {
          for (gsize c = 0; c < classes; c++)
            against += maps[c * cells + i];
          against /= classes;
        }
      contrast[i] = mk[i] - against;
    }
  for (gsize y = 0; y < h; y++)
    for (gsize x = 0; x < w; x++)
      {
        double s = 0.0;
        int n = 0;

        for (int dy = -r; dy <= r; dy++)
          for (int dx = -r; dx <= r; dx++)
            {
              gssize yy = (gssize) y + dy, xx = (gssize) x + dx;

              if (yy < 0 || xx < 0 || yy >= (gssize) h || xx >= (gssize) w)
                continue;
              s += contrast[yy * w + xx];
              n++;
            }
        if (s / n > best_value)
          {
            best_value = s / n;
            best = y * w + x;
          }
      }
  *cell_x = w > 0 ? best % w : 0;
  *cell_y = w > 0 ? best / w : 0;
}
