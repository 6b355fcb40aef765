/* test-box-head.c: bbox's attention box head (fathom-heads.h): its fixed
 * read-out by hand, that it learns where a box is, which the lesson's
 * dense head on the same features does worse, and that the class output
 * reading the fish's features leaves the box head untouched. */
#include "fathom-graph.h"
#include "fathom-heads.h"
#include "fathom-metrics.h"
#include "fathom-optimizer.h"
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

enum { C = 4, FH = 4, FW = 5, IN_H = 32, IN_W = 40 };

static FathomGraph *
new_head (FathomBackend *be, FathomBoxHead box_head, gboolean class_reads_box, guint64 seed)
{
  FathomHeadOptions o;
  g_autoptr(FathomGraph) g = NULL;
  g_autoptr(GError) error = NULL;

  fathom_head_options_init (&o, "bbox");
  o.channels = C;
  o.height = FH;
  o.width = FW;
  o.n_classes = 3;
  o.box_head = box_head;
  o.class_reads_box = class_reads_box;
  g = fathom_head_new ("bbox", &o, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_graph_build (g, be, seed, &error));
  g_assert_true (fathom_head_init_box_readout (g, IN_H, IN_W, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&g);
}

static void
set_param (FathomGraph *g, const char *layer, const char *param, float value)
{
  FathomParam *p = fathom_layer_find_param (fathom_graph_find_layer (g, layer), param);
  g_autofree float *v = g_new (float, fathom_tensor_get_numel (p->value));

  g_assert_nonnull (p);
  for (gsize i = 0; i < fathom_tensor_get_numel (p->value); i++)
    v[i] = value;
  g_assert_true (fathom_backend_upload (fathom_graph_get_backend (g), p->value, v, NULL));
}

/* With every cell equally likely and every cell saying "offset (1, -2),
 * size 10x6", training reads the mean of all the cell centres, the input's
 * centre (20, 16): [h, w, x, y] = [10, 6, 20 + 1 - 3, 16 - 2 - 5].
 * Predicting reads the window of two cells around the peak, the first cell
 * on this tie: the corner's 3x3 cells, centred at (12, 12), give
 * [10, 6, 12 + 1 - 3, 12 - 2 - 5]. */
static void
check_boxes (const float *bb, float x, float y)
{
  for (int n = 0; n < 2; n++)
    {
      g_assert_cmpfloat_with_epsilon (bb[n * 4 + 0], 10.f, 1e-4);
      g_assert_cmpfloat_with_epsilon (bb[n * 4 + 1], 6.f, 1e-4);
      g_assert_cmpfloat_with_epsilon (bb[n * 4 + 2], x, 1e-4);
      g_assert_cmpfloat_with_epsilon (bb[n * 4 + 3], y, 1e-4);
    }
}

static void
test_readout (void)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  g_autoptr(FathomGraph) g = new_head (be, FATHOM_BOX_HEAD_ATTENTION, FALSE, 1);
  g_autoptr(FathomTensor) x = fathom_tensor_new_4d (2, C, FH, FW);
  g_autoptr(GError) error = NULL;
  FathomParam *bias = fathom_layer_find_param (fathom_graph_find_layer (g, "bb_cells"), "bias");
  int out = fathom_graph_find_output (g, "bb");
  const float *bb;

  g_assert_cmpint (out, >=, 0);
  set_param (g, "bb_where", "kernel", 0.f);
  set_param (g, "bb_cells", "kernel", 0.f);
  g_assert_true (fathom_backend_upload (be, bias->value, (const float[]) { 1, -2, 10, 6 }, &error));
  g_assert_true (fathom_graph_forward (g, (FathomTensor *[]) { x }, TRUE, &error));
  g_assert_no_error (error);
  bb = fathom_tensor_get_const_data (fathom_graph_get_output (g, (guint) out));
  check_boxes (bb, 18.f, 9.f);
  g_assert_true (fathom_graph_forward (g, (FathomTensor *[]) { x }, FALSE, &error));
  g_assert_no_error (error);
  bb = fathom_tensor_get_const_data (fathom_graph_get_output (g, (guint) out));
  check_boxes (bb, 10.f, 5.f);
}

/* Features with one "fish" cell a sample (channel 0 lit) whose box is
 * 10x12 around that cell's centre: the attention head finds the cell;
 * the dense head must learn every cell's box from a flattened vector. */
#define SAMPLES 48
#define STEPS 150

/* The mean IoU after training; the boxes predicted into bb_out
 * ([SAMPLES, 4]) when not NULL. */
static double
train_and_score (FathomBoxHead box_head, gboolean class_reads_box, float *bb_out)
{
  g_autoptr(FathomBackend) be = fathom_cpu_backend_new (FATHOM_CPU_PATH_FAST, 2);
  g_autoptr(FathomGraph) g = new_head (be, box_head, class_reads_box, 3);
  g_autoptr(FathomOptimizer) opt = fathom_optimizer_new_adam (3e-3f);
  g_autoptr(FathomRng) rng = fathom_rng_new (7);
  g_autoptr(FathomTensor) x = fathom_tensor_new_4d (SAMPLES, C, FH, FW);
  g_autoptr(FathomTensor) boxes = fathom_tensor_new_2d (SAMPLES, 4);
  g_autoptr(FathomTensor) classes = fathom_tensor_new_2d (SAMPLES, 3);
  g_autoptr(GError) error = NULL;
  FathomTensor *targets[2];
  float *xd = fathom_tensor_get_data (x), *bd = fathom_tensor_get_data (boxes);
  int out_bb = fathom_graph_find_output (g, "bb"), out_class = fathom_graph_find_output (g, "class");
  const float *pred;
  double iou = 0;

  for (int n = 0; n < SAMPLES; n++)
    {
      guint cell = (guint) (fathom_rng_uniform (rng) * FH * FW) % (FH * FW);
      float cx = ((cell % FW) + 0.5f) * IN_W / FW, cy = ((cell / FW) + 0.5f) * IN_H / FH;

      for (int i = 0; i < C * FH * FW; i++)
        xd[n * C * FH * FW + i] = 0.1f * (fathom_rng_uniform (rng) - 0.5f);
      xd[n * C * FH * FW + cell] = 1.f;
      bd[n * 4 + 0] = 10.f;
      bd[n * 4 + 1] = 12.f;
      bd[n * 4 + 2] = cx - 6.f;
      bd[n * 4 + 3] = cy - 5.f;
      fathom_tensor_get_data (classes)[n * 3 + n % 3] = 1.f;
    }
  targets[out_bb] = boxes;
  targets[out_class] = classes;
  for (int s = 0; s < STEPS; s++)
    {
      g_assert_true (fathom_graph_forward (g, (FathomTensor *[]) { x }, TRUE, &error) &&
                     fathom_graph_compute_loss (g, targets, NULL, NULL, &error) &&
                     fathom_graph_backward (g, &error) && fathom_optimizer_step (opt, g, &error));
      g_assert_no_error (error);
    }
  g_assert_true (fathom_graph_forward (g, (FathomTensor *[]) { x }, FALSE, &error));
  pred = fathom_tensor_get_const_data (fathom_graph_get_output (g, (guint) out_bb));
  for (int n = 0; n < SAMPLES; n++)
    iou += fathom_metric_iou_hwxy (pred + n * 4, bd + n * 4);
  if (bb_out != NULL)
    memcpy (bb_out, pred, SAMPLES * 4 * sizeof (float));
  g_assert_true ((fathom_graph_find_layer (g, "fish_pool") != NULL) == class_reads_box);
  return iou / SAMPLES;
}

static void
test_learns_where (void)
{
  double attention = train_and_score (FATHOM_BOX_HEAD_ATTENTION, FALSE, NULL);
  double dense = train_and_score (FATHOM_BOX_HEAD_DENSE, FALSE, NULL);

  g_test_message ("mean IoU on the training features after %d steps: attention %.3f, dense %.3f",
                  STEPS, attention, dense);
  g_assert_cmpfloat (attention, >, 0.8);
  g_assert_cmpfloat (attention, >, dense);
}

/* The class output reads the box head's features through stop-gradients:
 * the class loss then moves none of the box head's weights, and after
 * the same steps from the same start the boxes are the same, bit for bit.
 * (With the stop-gradients passing the gradient on, the class loss pulls
 * the box head off its boxes: mean IoU 0.696 against 0.861.) */
static void
test_class_reads_fish (void)
{
  g_autofree float *without = g_new (float, SAMPLES * 4);
  g_autofree float *with = g_new (float, SAMPLES * 4);
  double iou_without = train_and_score (FATHOM_BOX_HEAD_ATTENTION, FALSE, without);
  double iou_with = train_and_score (FATHOM_BOX_HEAD_ATTENTION, TRUE, with);

  g_assert_cmpfloat (iou_with, ==, iou_without);
  g_assert_cmpfloat (iou_with, >, 0.8);
  g_assert_cmpmem (with, SAMPLES * 4 * sizeof (float), without, SAMPLES * 4 * sizeof (float));
}

static void
test_names (void)
{
  FathomBoxHead head;

  g_assert_true (fathom_box_head_from_string ("attention", &head));
  g_assert_cmpint (head, ==, FATHOM_BOX_HEAD_ATTENTION);
  g_assert_cmpstr (fathom_box_head_to_string (FATHOM_BOX_HEAD_DENSE), ==, "dense");
  g_assert_false (fathom_box_head_from_string ("yolo", &head));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/box-head/names", test_names);
  g_test_add_func ("/box-head/readout", test_readout);
  g_test_add_func ("/box-head/learns-where", test_learns_where);
  g_test_add_func ("/box-head/class-reads-fish", test_class_reads_fish);
  return g_test_run ();
}
