/* test-annotations.c: Sloth annotation files, the real messy point files
 * and generated rect files, boxes, scaling and corrections. */
#include "fathom-test-util.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fathom-annotations.h"

#define P(kind) FATHOM_ANNOTATION_PROBLEM_##kind

static char *
point_dir (void)
{
  const char *dir = g_getenv ("FATHOM_SHARED_DATA");
  char *path;

  if (dir == NULL)
    {
      g_test_skip ("FATHOM_SHARED_DATA is not set");
      return NULL;
    }
  path = g_build_filename (dir, "fisheries-point-annotations", NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *msg = g_strdup_printf ("%s is missing", path);

      g_test_skip (msg);
      g_free (path);
      return NULL;
    }
  return path;
}

/* Counted independently with a python3 one-off over the same files. */
static const struct {
  const char *file;
  guint entries;
  guint no_shapes, one_point, extra_points, empty_object;
} real_files[] = {
  { "alb_labels.json",   1720, 8, 1, 2, 0 },
  { "bet_labels.json",    201, 2, 0, 1, 1 },
  { "dol_labels.json",    118, 1, 0, 0, 1 },
  { "lag_labels.json",     68, 1, 0, 0, 1 },
  { "other_labels.json",  300, 1, 0, 0, 1 },
  { "shark_labels.json",  177, 2, 0, 1, 0 },
  { "yft_labels.json",    735, 4, 0, 0, 0 },
};

static void
test_real_point_files (void)
{
  g_autofree char *dir = point_dir ();
  g_autoptr(FathomAnnotations) all = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) known = NULL;
  const FathomAnnotation *a;
  FathomBox box;
  guint with_box = 0;

  if (dir == NULL)
    return;
  for (guint f = 0; f < G_N_ELEMENTS (real_files); f++)
    {
      g_autofree char *path = g_build_filename (dir, real_files[f].file, NULL);
      g_autoptr(FathomAnnotations) ann = fathom_annotations_new ();
      guint other = 0;

      g_assert_true (fathom_annotations_load_file (ann, path, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (fathom_annotations_get_n_entries (ann), ==, real_files[f].entries);
      g_assert_cmpuint (fathom_annotations_count_problems (ann, P (NO_SHAPES)), ==,
                        real_files[f].no_shapes);
      g_assert_cmpuint (fathom_annotations_count_problems (ann, P (ONE_POINT)), ==,
                        real_files[f].one_point);
      g_assert_cmpuint (fathom_annotations_count_problems (ann, P (EXTRA_POINTS)), ==,
                        real_files[f].extra_points);
      g_assert_cmpuint (fathom_annotations_count_problems (ann, P (EMPTY_OBJECT)), ==,
                        real_files[f].empty_object);
      for (guint k = 0; k < FATHOM_ANNOTATION_N_PROBLEM_KINDS; k++)
        if (k != P (NO_SHAPES) && k != P (ONE_POINT) && k != P (EXTRA_POINTS) &&
            k != P (EMPTY_OBJECT))
          other += fathom_annotations_count_problems (ann, k);
      g_assert_cmpuint (other, ==, 0);
      /* every problem names its file */
      for (guint i = 0; i < fathom_annotations_get_n_problems (ann); i++)
        g_assert_nonnull (strstr (fathom_annotations_get_problem (ann, i)->message,
                                  real_files[f].file));
    }

  /* all seven as one set: image2.jpg (alb, lag), temp.jpg (dol, shark) and
   * img_07860.jpg (shark with points, yft without) repeat */
  all = fathom_annotations_new ();
  g_assert_true (fathom_annotations_load_dir (all, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_annotations_get_n_entries (all), ==, 3316);
  g_assert_cmpuint (fathom_annotations_count_problems (all, P (DUPLICATE)), ==, 3);
  a = fathom_annotations_lookup (all, "img_07860.jpg");
  g_assert_cmpuint (a->points->len, ==, 2);     /* the empty yft copy lost */
  g_assert_nonnull (strstr (a->source, "shark_labels.json"));
  a = fathom_annotations_lookup (all, "image2.jpg");
  g_assert_cmpuint (a->points->len, ==, 1);     /* alb's single point kept */
  g_assert_false (fathom_annotation_get_box (a, 0, 0, &box));
  g_assert_cmpfloat (box.width, ==, 0);
  for (guint i = 0; i < fathom_annotations_get_n_entries (all); i++)
    with_box += fathom_annotation_get_box (fathom_annotations_get_entry (all, i), 0, 0, &box);
  g_assert_cmpuint (with_box, ==, 3299);

  /* img_00003.jpg: head (825.50, 342.85), tail (1095.12, 449.37); the
   * square from the python one-off, within 1280 x 720 so unclipped */
  a = fathom_annotations_lookup (all, "/somewhere/train/ALB/img_00003.jpg");
  g_assert_nonnull (a);
  g_assert_true (fathom_annotation_get_box (a, 1280, 720, &box));
  g_assert_cmpfloat_with_epsilon (box.x, 745.2826101793395, 1e-9);
  g_assert_cmpfloat_with_epsilon (box.y, 181.07804374165292, 1e-9);
  g_assert_cmpfloat_with_epsilon (box.width, 430.0603538864254, 1e-9);
  g_assert_cmpfloat_with_epsilon (box.height, 430.0603538864254, 1e-9);

  /* names matching no image: only three of the dataset's images known */
  known = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_add (known, (char *) "img_00003.jpg");
  g_hash_table_add (known, (char *) "img_00010.jpg");
  g_hash_table_add (known, (char *) "image2.jpg");
  g_assert_cmpuint (fathom_annotations_check_names (all, known), ==, 3316 - 3);
  /* a second check replaces the first's reports */
  g_hash_table_remove (known, "image2.jpg");
  g_assert_cmpuint (fathom_annotations_check_names (all, known), ==, 3316 - 2);
  g_assert_cmpuint (fathom_annotations_count_problems (all, P (UNKNOWN_IMAGE)), ==, 3316 - 2);
}

static void
test_box_from_points (void)
{
  FathomPoint head = { 100, 100 }, tail = { 200, 100 };
  FathomBox box;

  /* horizontal, d = 100: 0.6 d along, 0.5 d across; the square takes the
   * larger half-extent 60 around (150, 100) */
  g_assert_true (fathom_box_from_points (&head, &tail, 0, 0, &box));
  g_assert_cmpfloat_with_epsilon (box.x, 90, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.y, 40, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.width, 120, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.height, 120, 1e-12);

  /* (0,0) to (30,40): d = 50, |u| = (0.6, 0.8);
   * half_x = 50 (0.36 + 0.40) = 38, half_y = 50 (0.48 + 0.30) = 39;
   * square of side 78 around (15, 20): x = -24, y = -19 */
  head = (FathomPoint) { 0, 0 };
  tail = (FathomPoint) { 30, 40 };
  g_assert_true (fathom_box_from_points (&head, &tail, 0, 0, &box));
  g_assert_cmpfloat_with_epsilon (box.x, -24, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.y, -19, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.width, 78, 1e-12);
  /* clipped to a 50 x 100 image: [0, 50] x [0, 59] */
  g_assert_true (fathom_box_from_points (&head, &tail, 50, 100, &box));
  g_assert_cmpfloat_with_epsilon (box.x, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.y, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.width, 50, 1e-12);
  g_assert_cmpfloat_with_epsilon (box.height, 59, 1e-12);
  /* order does not matter: tail-to-head gives the same square */
  g_assert_true (fathom_box_from_points (&tail, &head, 0, 0, &box));
  g_assert_cmpfloat_with_epsilon (box.x, -24, 1e-12);

  g_assert_false (fathom_box_from_points (&head, &head, 0, 0, &box));
  g_assert_cmpfloat (box.width, ==, 0);
}

static const char rect_json[] =
  "[\n"
  "  {\"filename\": \"/data/train/ALB/img_1.jpg\", \"class\": \"image\", \"annotations\": [\n"
  "     {\"class\": \"rect\", \"x\": 10, \"y\": 20, \"width\": 100, \"height\": 50},\n"
  "     {\"class\": \"rect\", \"x\": -5.5, \"y\": 30, \"width\": 200, \"height\": 40}]},\n"
  "  {\"filename\": \"img_2.jpg\", \"class\": \"image\", \"annotations\": []},\n"
  "  {\"filename\": \"img_3.jpg\", \"annotations\": [\n"
  "     {\"class\": \"rect\", \"x\": 1, \"y\": 2, \"width\": 0, \"height\": 5},\n"
  "     {\"class\": \"rect\", \"x\": 1, \"y\": 2, \"width\": -3, \"height\": 5},\n"
  "     {\"class\": \"rect\", \"x\": \"12\", \"y\": 2, \"width\": 3, \"height\": 5},\n"
  "     {\"class\": \"circle\", \"x\": 1, \"y\": 2},\n"
  "     {\"x\": 1, \"y\": 2},\n"
  "     [1, 2],\n"
  "     {},\n"
  "     {\"class\": \"rect\", \"x\": 7, \"y\": 8, \"width\": 9, \"height\": 10}]},\n"
  "  42,\n"
  "  {\"class\": \"image\", \"annotations\": []},\n"
  "  {\"filename\": 17},\n"
  "  {\"filename\": \"C:\\\\fish\\\\img_4.jpg\", \"class\": \"video\", \"annotations\": {}},\n"
  "  {\"filename\": \"img_5.jpg\", \"annotations\": [\n"
  "     {\"class\": \"point\", \"x\": 3, \"y\": 4}, {\"class\": \"point\", \"x\": 3, \"y\": 4}]}\n"
  "]\n";

static void
test_rect_file (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (rect_json, strlen (rect_json));
  g_autoptr(FathomAnnotations) ann = fathom_annotations_new ();
  g_autoptr(GError) error = NULL;
  const FathomAnnotation *a;
  FathomBox box;
  float s[4];

  g_assert_true (fathom_annotations_load_bytes (ann, bytes, "rects.json", &error));
  g_assert_no_error (error);
  /* 42 and the two entries without a usable filename are not entries */
  g_assert_cmpuint (fathom_annotations_get_n_entries (ann), ==, 5);
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (WRONG_TYPE)), ==, 3);
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (NO_FILENAME)), ==, 2);
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (BAD_RECT)), ==, 2);
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (BAD_COORDINATE)), ==, 1);
  /* "circle", no class at all, and the entry class "video" */
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (UNKNOWN_CLASS)), ==, 3);
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (EMPTY_OBJECT)), ==, 1);
  /* img_2 (empty list) and img_4 (annotations not a list) */
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (NO_SHAPES)), ==, 2);
  g_assert_cmpuint (fathom_annotations_count_problems (ann, P (SAME_POINTS)), ==, 1);
  g_assert_cmpuint (fathom_annotations_get_n_problems (ann), ==, 15);
  for (guint i = 0; i < fathom_annotations_get_n_problems (ann); i++)
    g_assert_true (g_str_has_prefix (fathom_annotations_get_problem (ann, i)->message,
                                     "rects.json: entry "));

  /* the largest of two rects: 200 x 40 = 8000 beats 100 x 50 */
  a = fathom_annotations_lookup (ann, "img_1.jpg");
  g_assert_cmpstr (a->original_filename, ==, "/data/train/ALB/img_1.jpg");
  g_assert_true (fathom_annotation_get_box (a, 1280, 720, &box));
  g_assert_cmpfloat (box.x, ==, -5.5);
  g_assert_cmpfloat (box.width, ==, 200);
  /* scaled to 224 x 224 from 1280 x 720:
   * h = 40 * 224 / 720 = 12.4444, w = 200 * 224 / 1280 = 35,
   * x = max(-5.5 * 0.175, 0) = 0, y = 30 * 224 / 720 = 9.3333 */
  fathom_box_scale (&box, 1280, 720, 224, 224, s);
  g_assert_cmpfloat_with_epsilon (s[0], 12.444444f, 1e-5);
  g_assert_cmpfloat_with_epsilon (s[1], 35.f, 1e-5);
  g_assert_cmpfloat (s[2], ==, 0.f);
  g_assert_cmpfloat_with_epsilon (s[3], 9.333333f, 1e-5);
  /* to 640 x 360 from 1280 x 750 */
  box = (FathomBox) { 100, 75, 300, 150 };
  fathom_box_scale (&box, 1280, 750, 640, 360, s);
  g_assert_cmpfloat_with_epsilon (s[0], 72.f, 1e-5);
  g_assert_cmpfloat_with_epsilon (s[1], 150.f, 1e-5);
  g_assert_cmpfloat_with_epsilon (s[2], 50.f, 1e-5);
  g_assert_cmpfloat_with_epsilon (s[3], 36.f, 1e-5);

  /* no rect: the all-zero box */
  g_assert_false (fathom_annotation_get_box (fathom_annotations_lookup (ann, "img_2.jpg"),
                                             1280, 720, &box));
  g_assert_true (box.x == 0 && box.y == 0 && box.width == 0 && box.height == 0);
  g_assert_false (fathom_annotation_get_box (NULL, 1280, 720, &box));
  /* the one good rect among the bad ones */
  g_assert_true (fathom_annotation_get_box (fathom_annotations_lookup (ann, "img_3.jpg"),
                                            0, 0, &box));
  g_assert_cmpfloat (box.width * box.height, ==, 90);
  /* a Windows path comes down to its basename */
  g_assert_nonnull (fathom_annotations_lookup (ann, "img_4.jpg"));
}

static void
assert_load_error (const char *dir, const char *name, const char *text, int code,
                   const char *fragment)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(FathomAnnotations) ann = fathom_annotations_new ();
  g_autoptr(GError) error = NULL;

  if (text != NULL)
    g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_false (fathom_annotations_load_file (ann, path, &error));
  g_assert_error (error, FATHOM_ANNOTATIONS_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
  g_assert_cmpuint (fathom_annotations_get_n_entries (ann), ==, 0);
  if (text != NULL)
    g_unlink (path);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fathom-ann-XXXXXX", &error);

  g_assert_no_error (error);
  /* json-glib's line:column, after the file name */
  assert_load_error (dir, "broken.json", "[\n {\"filename\": \"a.jpg\",,}\n]",
                     FATHOM_ANNOTATIONS_ERROR_PARSE, "broken.json:2:");
  assert_load_error (dir, "object.json", "{\"filename\": \"a.jpg\"}",
                     FATHOM_ANNOTATIONS_ERROR_FORMAT, "not a list");
  assert_load_error (dir, "number.json", "3.5", FATHOM_ANNOTATIONS_ERROR_FORMAT, "not a list");
  assert_load_error (dir, "empty.json", "", FATHOM_ANNOTATIONS_ERROR_PARSE, "empty");
  assert_load_error (dir, "missing.json", NULL, FATHOM_ANNOTATIONS_ERROR_IO, NULL);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_corrections_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fathom-ann-XXXXXX", &error);
  g_autofree char *orig = g_build_filename (dir, "alb_labels.json", NULL);
  g_autofree char *fixed = g_build_filename (dir, "alb_labels.fixed.json", NULL);
  g_autofree char *after = NULL;
  g_autoptr(FathomAnnotations) ann = fathom_annotations_new ();
  g_autoptr(FathomAnnotations) back = fathom_annotations_new ();
  g_autoptr(GDir) d = NULL;
  FathomBox box = { 1.25, 2.5, 300.125, 1.0 / 3.0 };
  FathomPoint pts[2] = { { 10.5, 20.25 }, { 0.1, 1e-7 } };
  FathomBox got;
  const FathomAnnotation *a;
  guint n_files = 0;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (orig, rect_json, -1, &error));
  g_assert_true (fathom_annotations_load_file (ann, orig, &error));
  g_assert_no_error (error);

  fathom_annotations_set_rect (ann, "img_2.jpg", &box);
  fathom_annotations_set_points (ann, "new/img_9.jpg", pts, 2);
  fathom_annotations_set_rect (ann, "img_1.jpg", NULL);

  /* the original is never the target, however it is spelled */
  {
    g_autofree char *spelled = g_build_filename (dir, ".", "alb_labels.json", NULL);

    g_assert_false (fathom_annotations_save (ann, spelled, &error));
    g_assert_error (error, FATHOM_ANNOTATIONS_ERROR, FATHOM_ANNOTATIONS_ERROR_ORIGINAL);
    g_clear_error (&error);
  }
  g_assert_true (fathom_annotations_save (ann, fixed, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (orig, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, rect_json);

  /* nothing but the two files: the temporary file was renamed */
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d) != NULL)
    n_files++;
  g_assert_cmpuint (n_files, ==, 2);

  g_assert_true (fathom_annotations_load_file (back, fixed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fathom_annotations_get_n_entries (back), ==, 6);
  a = fathom_annotations_lookup (back, "img_2.jpg");
  g_assert_true (fathom_annotation_get_box (a, 0, 0, &got));
  g_assert_true (memcmp (&got, &box, sizeof box) == 0);  /* doubles exactly */
  a = fathom_annotations_lookup (back, "img_9.jpg");
  g_assert_cmpstr (a->original_filename, ==, "new/img_9.jpg");
  g_assert_cmpuint (a->points->len, ==, 2);
  g_assert_cmpfloat (g_array_index (a->points, FathomPoint, 1).y, ==, 1e-7);
  a = fathom_annotations_lookup (back, "img_1.jpg");
  g_assert_cmpuint (a->rects->len, ==, 0);
  a = fathom_annotations_lookup (back, "img_3.jpg");
  g_assert_cmpuint (a->rects->len, ==, 1);      /* the bad rects were dropped */
  g_assert_cmpstr (fathom_annotations_lookup (back, "img_4.jpg")->original_filename, ==,
                   "C:\\fish\\img_4.jpg");
  /* what was understood loads back with nothing but the empty entries */
  g_assert_cmpuint (fathom_annotations_get_n_problems (back), ==, 3);
  g_assert_cmpuint (fathom_annotations_count_problems (back, P (NO_SHAPES)), ==, 2);
  g_assert_cmpuint (fathom_annotations_count_problems (back, P (SAME_POINTS)), ==, 1);

  /* saving over an earlier correction is fine */
  g_assert_true (fathom_annotations_save (ann, fixed, &error));
  g_assert_no_error (error);

  g_unlink (orig);
  g_unlink (fixed);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* set_kept_rect: the largest rect (the later of equals) replaced, the
 * other marked fish and the points kept; added where there is no rect. */
static void
test_kept_rect (void)
{
  const char *json = "[{\"filename\": \"a.jpg\", \"annotations\": ["
                     "{\"class\": \"rect\", \"x\": 1, \"y\": 1, \"width\": 10, \"height\": 10},"
                     "{\"class\": \"rect\", \"x\": 50, \"y\": 5, \"width\": 20, \"height\": 20},"
                     "{\"class\": \"rect\", \"x\": 90, \"y\": 9, \"width\": 5, \"height\": 5}]},"
                     " {\"filename\": \"b.jpg\", \"annotations\": ["
                     "{\"class\": \"rect\", \"x\": 0, \"y\": 0, \"width\": 4, \"height\": 4},"
                     "{\"class\": \"rect\", \"x\": 8, \"y\": 8, \"width\": 4, \"height\": 4}]},"
                     " {\"filename\": \"c.jpg\", \"annotations\": ["
                     "{\"class\": \"point\", \"x\": 3, \"y\": 4}, {\"class\": \"point\", \"x\": 30, \"y\": 40}]}]";
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, strlen (json));
  g_autoptr(FathomAnnotations) set = fathom_annotations_new ();
  g_autoptr(GError) error = NULL;
  const FathomBox fix = { 52, 6, 17, 18 }, small = { 7, 7, 2, 2 }, fresh = { 1, 2, 3, 4 };
  const FathomAnnotation *a;
  const FathomBox *r;
  FathomBox got;

  g_assert_true (fathom_annotations_load_bytes (set, bytes, "alb_labels.json", &error));
  g_assert_no_error (error);

  fathom_annotations_set_kept_rect (set, "a.jpg", &fix);
  a = fathom_annotations_lookup (set, "a.jpg");
  g_assert_cmpuint (a->rects->len, ==, 3);
  r = (const FathomBox *) (gconstpointer) a->rects->data;
  g_assert_cmpfloat (r[0].x, ==, 1);
  g_assert_true (memcmp (&r[1], &fix, sizeof fix) == 0);
  g_assert_cmpfloat (r[2].x, ==, 90);
  g_assert_true (fathom_annotation_get_box (a, 0, 0, &got));
  g_assert_true (memcmp (&got, &fix, sizeof fix) == 0);

  /* equal areas: the later is the kept one, as get_box says */
  fathom_annotations_set_kept_rect (set, "b.jpg", &small);
  a = fathom_annotations_lookup (set, "b.jpg");
  r = (const FathomBox *) (gconstpointer) a->rects->data;
  g_assert_cmpuint (a->rects->len, ==, 2);
  g_assert_cmpfloat (r[0].width, ==, 4);
  g_assert_true (memcmp (&r[1], &small, sizeof small) == 0);

  /* points only: the rect is added, the points stay */
  fathom_annotations_set_kept_rect (set, "c.jpg", &fresh);
  a = fathom_annotations_lookup (set, "c.jpg");
  g_assert_cmpuint (a->rects->len, ==, 1);
  g_assert_cmpuint (a->points->len, ==, 2);
  /* a photo without an entry gets one */
  fathom_annotations_set_kept_rect (set, "train/ALB/d.jpg", &fresh);
  a = fathom_annotations_lookup (set, "d.jpg");
  g_assert_nonnull (a);
  g_assert_cmpuint (a->rects->len, ==, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/annotations/real-point-files", test_real_point_files);
  g_test_add_func ("/annotations/box-from-points", test_box_from_points);
  g_test_add_func ("/annotations/rect-file", test_rect_file);
  g_test_add_func ("/annotations/errors", test_errors);
  g_test_add_func ("/annotations/corrections-round-trip", test_corrections_round_trip);
  g_test_add_func ("/annotations/kept-rect", test_kept_rect);
  return g_test_run ();
}
