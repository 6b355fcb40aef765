/* fathom-box.h: boxes and points in image pixels, the course's crop from a
 * fish's head and tail, and the scaling of a box to the model input. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* In original-image pixels; x, y is the top-left corner. */
typedef struct {
  double x;
  double y;
  double width;
  double height;
} FathomBox;

typedef struct {
  double x;
  double y;
} FathomPoint;

/* The course's suggested crop from head and tail: the segment head-tail of
 * length d is extended by 0.1 d beyond each end along the fish and by 0.5 d
 * to each side across it (a 1.2 d x 1.0 d rectangle, turned with the
 * fish); the box is the axis-aligned square, centred on the segment's
 * midpoint, whose side is the larger side of that rectangle's axis-aligned
 * bounding box:
 *   u = (tail - head) / d
 *   half_x = d (0.6 |u.x| + 0.5 |u.y|),  half_y = d (0.6 |u.y| + 0.5 |u.x|)
 *   side = 2 max(half_x, half_y)
 * Then, when width and height are > 0, the square is intersected with the
 * image [0, width] x [0, height] (it may stop being square there). FALSE
 * and an all-zero box when the points coincide (or the clipped box is
 * empty). */
gboolean fathom_box_from_points (const FathomPoint *head,
                                 const FathomPoint *tail,
                                 int                image_width,
                                 int                image_height,
                                 FathomBox         *box);

/* Scales a box to a model input of width x height pixels as the course did:
 * out = [h * H / img_h, w * W / img_w, max(x * W / img_w, 0),
 *        max(y * H / img_h, 0)] ([height, width, x, y]). */
void     fathom_box_scale       (const FathomBox   *box,
                                 int                image_width,
                                 int                image_height,
                                 int                width,
                                 int                height,
                                 float              out[4]);

G_END_DECLS
