/* fathom-box.c: the head-tail crop and the course's box scaling. */
#include "fathom-box.h"

#include <math.h>
#include <string.h>

gboolean
fathom_box_from_points (const FathomPoint *head,
                        const FathomPoint *tail,
                        int                image_width,
                        int                image_height,
                        FathomBox         *box)
{
  double dx = tail->x - head->x, dy = tail->y - head->y;
  double d = hypot (dx, dy);
  double ux, uy, half, cx, cy, x0, y0, x1, y1;

  memset (box, 0, sizeof *box);
  if (!(d > 0))
    return FALSE;
  ux = fabs (dx / d);
  uy = fabs (dy / d);
  /* 0.6 d along (half of 1.2 d) and 0.5 d across, projected on each axis */
  half = d * MAX (0.6 * ux + 0.5 * uy, 0.6 * uy + 0.5 * ux);
  cx = (head->x + tail->x) / 2;
  cy = (head->y + tail->y) / 2;
  x0 = cx - half;
  y0 = cy - half;
  x1 = cx + half;
  y1 = cy + half;
  if (image_width > 0 && image_height > 0)
    {
      x0 = CLAMP (x0, 0, image_width);
      x1 = CLAMP (x1, 0, image_width);
      y0 = CLAMP (y0, 0, image_height);
      y1 = CLAMP (y1, 0, image_height);
      if (x1 <= x0 || y1 <= y0)
        return FALSE;
    }
  box->x = x0;
  box->y = y0;
  box->width = x1 - x0;
  box->height = y1 - y0;
  return TRUE;
}

void
fathom_box_scale (const FathomBox *box,
                  int              image_width,
                  int              image_height,
                  int              width,
                  int              height,
                  float            out[4])
{
  double sx, sy;

  g_return_if_fail (image_width > 0 && image_height > 0);
  sx = (double) width / image_width;
  sy = (double) height / image_height;
  out[0] = (float) (box->height * sy);
  out[1] = (float) (box->width * sx);
  out[2] = (float) MAX (box->x * sx, 0.0);
  out[3] = (float) MAX (box->y * sy, 0.0);
}
