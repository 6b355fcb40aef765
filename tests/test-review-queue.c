/* test-review-queue.c: the review queue on a real bbox run (the synthetic
 * fisheries photos, a two-epoch run at 48x48) under a real (virtual)
 * display: the order by 1 - IoU, accepting a prediction, a corner drag,
 * undo, resuming from the saved files, and the true box's pixels.
 *
 * The tests run in order on one queue: each starts from where the last
 * left the review (run them all, not one with -p). */
#include "fathom-test-util.h"
#include "fathom-annotations.h"
#include "fathom-experiment.h"
#include "fathom-fishsim.h"
#include "fathom-review-item.h"
#include "fathom-review-queue.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#define INPUT 48                /* the run's input, width and height */

static char *work_dir;
static char *data_dir;
static char *run_dir;
static GHashTable *originals;   /* path -> GBytes: every *_labels.json before the review */
static GPtrArray *csv_rows;     /* GStrv per predictions.csv row */
static guint n_classes;
static GtkWidget *window;
static FathomReviewQueue *queue;

/* State handed from one test to the next. */
static guint accepted_row;
static FathomBox accepted_box;
static guint edited_row;
static FathomBox edited_before;

/* ---- helpers -------------------------------------------------------------- */

static void
settle (void)
{
  gint64 end = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static void
wait_for_size (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while ((!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) <= 0) &&
         g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  settle ();
  g_assert_true (gtk_widget_get_mapped (widget));
}

static char *
annotations_dir (void)
{
  return g_build_filename (data_dir, "annotations", NULL);
}

/* The bytes of every original class file, to compare after each step. */
static void
snapshot_originals (void)
{
  g_autofree char *dir = annotations_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  originals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, "_labels.json"))
      {
        char *path = g_build_filename (dir, name, NULL);
        char *text;
        gsize len;

        g_assert_true (g_file_get_contents (path, &text, &len, NULL));
        g_hash_table_insert (originals, path, g_bytes_new_take (text, len));
      }
  g_assert_cmpuint (g_hash_table_size (originals), >, 0);
}

static void
assert_originals_untouched (void)
{
  GHashTableIter iter;
  gpointer path, bytes;

  g_hash_table_iter_init (&iter, originals);
  while (g_hash_table_iter_next (&iter, &path, &bytes))
    {
      g_autofree char *text = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &text, &len, NULL));
      g_assert_cmpmem (text, len, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
}

/* predictions.csv split by hand (fishsim's names hold no comma): the
 * widget's own parser is not the judge of itself. */
static void
read_csv (void)
{
  g_autofree char *path = g_build_filename (run_dir, "predictions.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  header = g_strsplit (lines[0], ",", -1);
  n_classes = g_strv_length (header) - 12;
  g_assert_cmpuint (n_classes, ==, 8);
  csv_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 1; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      {
        GStrv f = g_strsplit (lines[i], ",", -1);

        g_assert_cmpuint (g_strv_length (f), ==, 12 + n_classes);
        g_ptr_array_add (csv_rows, f);
      }
}

static const char *
csv_field (guint row, guint column)
{
  return ((GStrv) csv_rows->pdata[row])[column];
}

/* [h, w, x, y] at the model input: the true box (first = 0) or the
 * predicted one (first = 4). */
static void
csv_box (guint row, guint first, float hwxy[4])
{
  for (guint j = 0; j < 4; j++)
    hwxy[j] = (float) g_ascii_strtod (csv_field (row, 3 + n_classes + first + j), NULL);
}

static void
photo_size (guint row, int *w, int *h)
{
  g_autofree char *path = g_build_filename (data_dir, csv_field (row, 0), NULL);

  g_assert_true (fathom_image_read_size (path, w, h, NULL));
}

/* The rects of the photo of row in its class's file: the original, or the
 * .reviewed.json. */
static GArray *
rects_of (guint row, gboolean reviewed)
{
  g_autofree char *dir = annotations_dir ();
  g_autofree char *lower = g_ascii_strdown (csv_field (row, 1), -1);
  g_autofree char *name = g_strconcat (lower, reviewed ? "_labels.reviewed.json" : "_labels.json", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(FathomAnnotations) set = fathom_annotations_new ();
  g_autoptr(GError) error = NULL;
  const FathomAnnotation *a;

  g_assert_true (fathom_annotations_load_file (set, path, &error));
  g_assert_no_error (error);
  a = fathom_annotations_lookup (set, csv_field (row, 0));
  g_assert_nonnull (a);
  return g_array_ref (a->rects);
}

/* A correction replaces the photo's kept box and keeps its other marked
 * fish: every original rect but one is in the reviewed entry, which has
 * as many. Returns the number of rects. */
static guint
assert_other_fish_kept (guint row)
{
  g_autoptr(GArray) before = rects_of (row, FALSE);
  g_autoptr(GArray) after = rects_of (row, TRUE);
  guint missing = 0;

  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < before->len; i++)
    {
      const FathomBox *b = &g_array_index (before, FathomBox, i);
      gboolean found = FALSE;

      for (guint j = 0; j < after->len && !found; j++)
        found = memcmp (b, &g_array_index (after, FathomBox, j), sizeof *b) == 0;
      missing += !found;
    }
  g_assert_cmpuint (missing, <=, 1);
  return before->len;
}

/* The photo's box in the saved .reviewed.json of its class. */
static gboolean
saved_box (guint row, FathomBox *box)
{
  g_autofree char *dir = annotations_dir ();
  g_autofree char *lower = g_ascii_strdown (csv_field (row, 1), -1);
  g_autofree char *name = g_strconcat (lower, "_labels.reviewed.json", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(FathomAnnotations) set = fathom_annotations_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (path, ==, fathom_review_session_get_reviewed_path (fathom_review_queue_get_session (queue), row));
  g_assert_true (fathom_annotations_load_file (set, path, &error));
  g_assert_no_error (error);
  return fathom_annotation_get_box (fathom_annotations_lookup (set, csv_field (row, 0)), 0, 0, box);
}

static void
assert_box_near (const FathomBox *got, const FathomBox *want, double tol)
{
  g_assert_cmpfloat_with_epsilon (got->x, want->x, tol);
  g_assert_cmpfloat_with_epsilon (got->y, want->y, tol);
  g_assert_cmpfloat_with_epsilon (got->width, want->width, tol);
  g_assert_cmpfloat_with_epsilon (got->height, want->height, tol);
}

static GtkGestureDrag *
find_drag_gesture (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  GtkGestureDrag *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_DRAG (c))
        found = GTK_GESTURE_DRAG (c);
    }
  g_assert_nonnull (found);
  return found;
}

/* Photo point (ix, iy) in the queue's own coordinates, where its drag
 * gesture sees presses. */
static void
photo_to_queue (double ix, double iy, double *qx, double *qy, double *scale)
{
  FathomImageView *view = fathom_review_queue_get_image_view (queue);
  FathomViewTransform t;
  double vx, vy;

  fathom_image_view_get_transform (view, &t);
  fathom_view_transform_to_view (&t, ix, iy, &vx, &vy);
  g_assert_true (gtk_widget_translate_coordinates (GTK_WIDGET (view), GTK_WIDGET (queue), vx, vy, qx, qy));
  *scale = t.scale;
}

/* ---- the tests ------------------------------------------------------------ */

static void
test_order (void)
{
  guint n = fathom_review_queue_get_n_rows (queue);
  g_autofree gboolean *seen = g_new0 (gboolean, MAX (n, 1));
  guint n_defined = 0;

  g_assert_cmpint (fathom_review_queue_get_sort (queue), ==, FATHOM_REVIEW_SORT_IOU);
  g_assert_cmpuint (n, ==, csv_rows->len);
  g_assert_cmpuint (n, >=, 4);
  for (guint i = 0; i < n; i++)
    {
      guint row = fathom_review_queue_get_row_at (queue, i);
      double d = fathom_review_queue_get_disagreement_at (queue, i);
      float t[4];

      g_assert_cmpuint (row, <, n);
      g_assert_false (seen[row]);
      seen[row] = TRUE;
      /* 1 - IoU of the csv where the photo has a box, undefined after */
      csv_box (row, 0, t);
      if (t[0] > 0 && t[1] > 0 && *csv_field (row, 11 + n_classes) != '\0')
        {
          g_assert_cmpuint (i, ==, n_defined);
          g_assert_cmpfloat_with_epsilon (d, 1.0 - g_ascii_strtod (csv_field (row, 11 + n_classes), NULL), 1e-6);
          n_defined++;
        }
      else
        g_assert_true (isnan (d));
      if (i > 0 && !isnan (d))
        g_assert_cmpfloat (fathom_review_queue_get_disagreement_at (queue, i - 1), >=, d);
    }
  g_test_message ("%u rows, %u with a box; 1 - IoU from %.3f down to %.3f", n, n_defined,
                  fathom_review_queue_get_disagreement_at (queue, 0),
                  fathom_review_queue_get_disagreement_at (queue, n_defined - 1));
  g_assert_cmpuint (n_defined, >=, 3);
  /* the class loss orders too, and the photo stays current */
  fathom_review_queue_set_sort (queue, FATHOM_REVIEW_SORT_CLASS_LOSS);
  for (guint i = 1; i < n; i++)
    g_assert_cmpfloat (fathom_review_queue_get_disagreement_at (queue, i - 1), >=,
                       fathom_review_queue_get_disagreement_at (queue, i));
  fathom_review_queue_set_sort (queue, FATHOM_REVIEW_SORT_IOU);
  g_assert_cmpuint (fathom_review_queue_get_position (queue), ==, 0);
}

/* K, A, M and Ctrl+Z are the queue's own key bindings, and each action
 * has a button; the icon-only ones carry a name for screen readers. */
static void
collect_buttons (GtkWidget *widget, GHashTable *by_action)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_BUTTON (c) && gtk_actionable_get_action_name (GTK_ACTIONABLE (c)) != NULL)
        g_hash_table_insert (by_action, (char *) gtk_actionable_get_action_name (GTK_ACTIONABLE (c)), c);
      collect_buttons (c, by_action);
    }
}

static void
test_keys (void)
{
  static const struct { guint key; GdkModifierType mods; const char *action; } keys[] = {
    { GDK_KEY_k, 0, "review.keep" },
    { GDK_KEY_a, 0, "review.accept" },
    { GDK_KEY_m, 0, "review.ambiguous" },
    { GDK_KEY_z, GDK_CONTROL_MASK, "review.undo" },
  };
  static const char *const actions[] = {
    "review.keep", "review.accept", "review.ambiguous", "review.undo", "review.next", "review.previous",
  };
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (queue));
  g_autoptr(GHashTable) buttons = g_hash_table_new (g_str_hash, g_str_equal);
  guint found = 0;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)); j++)
        {
          g_autoptr(GtkShortcut) s = g_list_model_get_item (G_LIST_MODEL (c), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (s);
          GtkShortcutAction *action = gtk_shortcut_get_action (s);

          if (!GTK_IS_KEYVAL_TRIGGER (trigger) || !GTK_IS_NAMED_ACTION (action))
            continue;
          for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
            if (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keys[k].key &&
                gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == keys[k].mods &&
                g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), keys[k].action))
              found |= 1u << k;
        }
    }
  g_assert_cmpuint (found, ==, (1u << G_N_ELEMENTS (keys)) - 1);

  collect_buttons (GTK_WIDGET (queue), buttons);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      GtkWidget *button = g_hash_table_lookup (buttons, actions[i]);

      g_assert_nonnull (button);
      g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL));
    }
  gtk_test_accessible_assert_role (fathom_review_queue_get_image_view (queue), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
test_accept (void)
{
  FathomReviewSession *session = fathom_review_queue_get_session (queue);
  g_autofree char *review_json = g_build_filename (run_dir, "review.json", NULL);
  FathomBox got;
  float pred[4];
  int w, h;

  g_assert_cmpuint (fathom_review_queue_get_position (queue), ==, 0);
  accepted_row = fathom_review_queue_get_row_at (queue, 0);
  photo_size (accepted_row, &w, &h);
  csv_box (accepted_row, 4, pred);
  fathom_overlay_box_from_model (pred, INPUT, INPUT, w, h, &accepted_box);

  /* A, as the key and the button do it */
  gtk_widget_activate_action (GTK_WIDGET (queue), "review.accept", NULL);
  settle ();
  g_assert_cmpint (fathom_review_session_get_decision (session, accepted_row), ==, FATHOM_REVIEW_ACCEPT);
  g_assert_true (saved_box (accepted_row, &got));
  assert_box_near (&got, &accepted_box, 0.5);
  g_test_message ("%s: accepted [%.1f, %.1f, %.1f x %.1f] in a %dx%d photo", csv_field (accepted_row, 0),
                  got.x, got.y, got.width, got.height, w, h);
  g_assert_true (g_file_test (review_json, G_FILE_TEST_IS_REGULAR));
  /* on to the next photo */
  g_assert_cmpuint (fathom_review_queue_get_position (queue), ==, 1);
  assert_originals_untouched ();
}

static void
test_drag (void)
{
  FathomReviewSession *session = fathom_review_queue_get_session (queue);
  GtkGestureDrag *drag = find_drag_gesture (GTK_WIDGET (queue));
  const double dx = 9, dy = 6;
  FathomBox want, got;
  double qx, qy, scale;
  guint n_undo;
  int w, h;

  edited_row = fathom_review_queue_get_row_at (queue, 1);
  photo_size (edited_row, &w, &h);
  g_assert_true (fathom_review_session_get_box (session, edited_row, w, h, &edited_before));
  n_undo = fathom_review_session_get_n_undo (session);

  /* a press inside the box, far from its corners, is not a corner drag */
  photo_to_queue (edited_before.x + edited_before.width / 2, edited_before.y + edited_before.height / 2,
                  &qx, &qy, &scale);
  g_signal_emit_by_name (drag, "drag-begin", qx, qy);
  g_signal_emit_by_name (drag, "drag-update", dx, dy);
  g_signal_emit_by_name (drag, "drag-end", dx, dy);
  g_assert_cmpuint (fathom_review_session_get_n_undo (session), ==, n_undo);

  /* the top-left corner by (dx, dy) view pixels */
  photo_to_queue (edited_before.x, edited_before.y, &qx, &qy, &scale);
  g_signal_emit_by_name (drag, "drag-begin", qx + 1, qy - 1);
  g_signal_emit_by_name (drag, "drag-update", dx / 2, dy / 2);
  g_signal_emit_by_name (drag, "drag-update", dx, dy);
  g_signal_emit_by_name (drag, "drag-end", dx, dy);
  settle ();

  want = (FathomBox) { edited_before.x + dx / scale, edited_before.y + dy / scale,
                       edited_before.width - dx / scale, edited_before.height - dy / scale };
  g_assert_cmpint (fathom_review_session_get_decision (session, edited_row), ==, FATHOM_REVIEW_EDIT);
  g_assert_true (saved_box (edited_row, &got));
  assert_box_near (&got, &want, 1e-6);
  g_test_message ("%s: corner moved by (%.3f, %.3f) photo pixels at scale %.3f", csv_field (edited_row, 0),
                  got.x - edited_before.x, got.y - edited_before.y, scale);
  /* an edit stays on its photo */
  g_assert_cmpuint (fathom_review_queue_get_position (queue), ==, 1);
  g_assert_true (saved_box (accepted_row, &got));
  assert_box_near (&got, &accepted_box, 1e-9);
  g_test_message ("rects on the edited photo: %u, on the accepted one: %u",
                  assert_other_fish_kept (edited_row), assert_other_fish_kept (accepted_row));
  assert_originals_untouched ();
}

static void
test_undo (void)
{
  FathomReviewSession *session = fathom_review_queue_get_session (queue);
  FathomBox got;

  /* Ctrl+Z's action */
  gtk_widget_activate_action (GTK_WIDGET (queue), "review.undo", NULL);
  settle ();
  g_assert_cmpint (fathom_review_session_get_decision (session, edited_row), ==, FATHOM_REVIEW_PENDING);
  g_assert_true (saved_box (edited_row, &got));
  assert_box_near (&got, &edited_before, 1e-9);
  g_assert_cmpuint (fathom_review_queue_get_row_at (queue, fathom_review_queue_get_position (queue)), ==, edited_row);
  /* the decision before it stands */
  g_assert_true (saved_box (accepted_row, &got));
  assert_box_near (&got, &accepted_box, 1e-9);
  g_assert_cmpuint (fathom_review_session_get_n_undo (session), ==, 1);
  assert_originals_untouched ();
}

static FathomReviewQueue *
load_again (void)
{
  FathomReviewQueue *q = FATHOM_REVIEW_QUEUE (g_object_ref_sink (fathom_review_queue_new ()));
  g_autoptr(GError) error = NULL;

  g_assert_true (fathom_review_queue_load (q, run_dir, &error));
  g_assert_no_error (error);
  return q;
}

static void
test_resume (void)
{
  g_autofree char *review_json = g_build_filename (run_dir, "review.json", NULL);
  g_autofree char *aside = g_strconcat (review_json, ".aside", NULL);
  FathomReviewQueue *q = load_again ();
  FathomReviewSession *session = fathom_review_queue_get_session (q);
  g_autoptr(FathomReviewItem) first = NULL;
  g_autofree char *status = NULL;
  FathomBox got;
  int w, h;

  /* review.json replayed: the accept, done and undoable; the undone edit gone */
  g_assert_cmpint (fathom_review_session_get_decision (session, accepted_row), ==, FATHOM_REVIEW_ACCEPT);
  g_assert_cmpint (fathom_review_session_get_decision (session, edited_row), ==, FATHOM_REVIEW_PENDING);
  g_assert_cmpuint (fathom_review_session_count_decided (session), ==, 1);
  g_assert_cmpuint (fathom_review_session_get_n_undo (session), ==, 1);
  photo_size (accepted_row, &w, &h);
  g_assert_true (fathom_review_session_get_box (session, accepted_row, w, h, &got));
  assert_box_near (&got, &accepted_box, 1e-9);
  /* shown as done, and the review goes on at the first photo left */
  g_assert_cmpuint (fathom_review_queue_get_row_at (q, 0), ==, accepted_row);
  /* the queue's list, as the image view travels it */
  first = g_list_model_get_item (fathom_image_view_get_model (fathom_review_queue_get_image_view (q)), 0);
  g_object_get (first, "status", &status, NULL);
  g_assert_cmpstr (status, ==, "Prediction accepted");
  g_assert_cmpuint (fathom_review_queue_get_position (q), ==, 1);
  g_object_unref (q);

  /* the .reviewed.json alone resumes too: a box unlike the original is an edit made */
  g_assert_cmpint (g_rename (review_json, aside), ==, 0);
  q = load_again ();
  session = fathom_review_queue_get_session (q);
  g_assert_cmpint (fathom_review_session_get_decision (session, accepted_row), ==, FATHOM_REVIEW_EDIT);
  g_assert_cmpuint (fathom_review_session_count_decided (session), ==, 1);
  g_assert_true (fathom_review_session_get_box (session, accepted_row, w, h, &got));
  assert_box_near (&got, &accepted_box, 1e-9);
  g_object_unref (q);
  g_assert_cmpint (g_rename (aside, review_json), ==, 0);
  assert_originals_untouched ();
}

/* A photo with several marked fish: an edit replaces the box of the
 * largest and keeps the others, in the reviewed file and when the review
 * resumes from that file alone. */
static void
test_other_fish (void)
{
  g_autofree char *review_json = g_build_filename (run_dir, "review.json", NULL);
  g_autofree char *aside = g_strconcat (review_json, ".aside", NULL);
  g_autoptr(GError) error = NULL;
  FathomReviewSession *session = fathom_review_session_load (run_dir, &error);
  FathomBox before, edited, got;
  guint row = G_MAXUINT, n_rects;
  int w, h;

  g_assert_no_error (error);
  for (guint r = 0; r < fathom_review_session_get_n_rows (session) && row == G_MAXUINT; r++)
    if (fathom_review_session_get_decision (session, r) == FATHOM_REVIEW_PENDING && csv_field (r, 1)[0] != '\0' &&
        g_strcmp0 (csv_field (r, 1), "NoF") != 0 && g_strcmp0 (csv_field (r, 1), "OTHER") != 0)
      {
        g_autoptr(GArray) rects = rects_of (r, FALSE);

        if (rects->len >= 2)
          row = r;
      }
  g_assert_cmpuint (row, !=, G_MAXUINT);
  photo_size (row, &w, &h);
  g_assert_true (fathom_review_session_get_box (session, row, w, h, &before));
  edited = (FathomBox) { before.x + 2, before.y + 1, before.width - 2, before.height - 1 };
  g_assert_true (fathom_review_session_decide (session, row, FATHOM_REVIEW_EDIT, &edited, &error));
  g_assert_no_error (error);
  n_rects = assert_other_fish_kept (row);
  g_assert_cmpuint (n_rects, >=, 2);
  g_assert_true (fathom_review_session_get_box (session, row, w, h, &got));
  assert_box_near (&got, &edited, 1e-9);
  /* the others, as the queue draws them dashed: all but the edited box */
  {
    g_autoptr(GArray) others = fathom_review_session_dup_other_boxes (session, row);

    g_assert_cmpuint (others->len, ==, n_rects - 1);
    for (guint i = 0; i < others->len; i++)
      g_assert_false (memcmp (&g_array_index (others, FathomBox, i), &edited, sizeof edited) == 0);
  }
  fathom_review_session_free (session);

  g_assert_cmpint (g_rename (review_json, aside), ==, 0);
  session = fathom_review_session_load (run_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fathom_review_session_get_decision (session, row), ==, FATHOM_REVIEW_EDIT);
  g_assert_true (fathom_review_session_get_box (session, row, w, h, &got));
  assert_box_near (&got, &edited, 1e-9);
  fathom_review_session_free (session);
  g_assert_cmpint (g_rename (aside, review_json), ==, 0);
  assert_other_fish_kept (row);
  assert_originals_untouched ();
}

/* Whether (x, y) or a pixel within 2 of it has the colour. */
static gboolean
colour_near (const guint8 *data, int w, int h, int x, int y, int r, int g, int b, int tol)
{
  for (int dy = -2; dy <= 2; dy++)
    for (int dx = -2; dx <= 2; dx++)
      {
        guint32 p;

        if (x + dx < 0 || y + dy < 0 || x + dx >= w || y + dy >= h)
          continue;
        p = ((const guint32 *) (gconstpointer) data)[(y + dy) * w + x + dx];
        if (ABS ((int) ((p >> 16) & 255) - r) <= tol && ABS ((int) ((p >> 8) & 255) - g) <= tol &&
            ABS ((int) (p & 255) - b) <= tol)
          return TRUE;
      }
  return FALSE;
}

static void
test_render (void)
{
  FathomImageView *view = fathom_review_queue_get_image_view (queue);
  GtkWidget *widget = GTK_WIDGET (view);
  FathomReviewSession *session = fathom_review_queue_get_session (queue);
  guint row = fathom_review_queue_get_row_at (queue, fathom_review_queue_get_position (queue));
  const FathomImage *image = fathom_image_view_get_image (view);
  g_autofree guint8 *pixels = NULL;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GdkTexture *texture;
  FathomViewTransform t;
  FathomBox box;
  double x, y;
  int w, h, hits = 0;

  g_assert_nonnull (image);
  g_assert_true (fathom_review_session_get_box (session, row, image->width, image->height, &box));
  settle ();
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);
  g_object_unref (texture);
  gsk_render_node_unref (node);

  /* red along the true box's left and top edges, where the view puts them */
  fathom_image_view_get_transform (view, &t);
  for (int i = 1; i <= 3; i++)
    {
      fathom_view_transform_to_view (&t, box.x, box.y + box.height * i / 4, &x, &y);
      hits += colour_near (pixels, w, h, (int) round (x), (int) round (y), 255, 0, 0, 8);
      fathom_view_transform_to_view (&t, box.x + box.width * i / 4, box.y, &x, &y);
      hits += colour_near (pixels, w, h, (int) round (x), (int) round (y), 255, 0, 0, 8);
    }
  g_test_message ("true box [%.1f, %.1f, %.1f x %.1f] at scale %.3f: %d of 6 edge points red",
                  box.x, box.y, box.width, box.height, t.scale, hits);
  /* a yellow predicted box may cross the red one here and there */
  g_assert_cmpint (hits, >=, 4);
  /* and the middle of the box is not red */
  fathom_view_transform_to_view (&t, box.x + box.width / 2, box.y + box.height / 2, &x, &y);
  g_assert_false (colour_near (pixels, w, h, (int) round (x), (int) round (y), 255, 0, 0, 8));
}

/* ---- fixture -------------------------------------------------------------- */

static void
make_run (void)
{
  FathomFishsimOptions opts;
  FathomExperimentConfig c;
  g_autoptr(GError) error = NULL;
  g_autofree char *cache_dir = g_build_filename (work_dir, "cache", NULL);
  gint64 start = g_get_monotonic_time ();

  fathom_fishsim_options_init (&opts);
  opts.out_dir = data_dir;
  opts.n_images = 80;
  opts.scale = 0.15;
  opts.seed = 11;
  if (!fathom_fishsim_generate (&opts, NULL, NULL, NULL, &error))
    g_error ("fishsim: %s", error->message);

  fathom_experiment_config_init (&c);
  c.experiment = "bbox";
  c.data_dir = data_dir;
  c.run_dir = run_dir;
  c.overwrite = TRUE;
  c.cache_dir = cache_dir;
  c.mini_epochs = 1;
  c.mini_corpus = 0;
  c.epochs = 2;
  c.seed = 5;
  c.width = c.height = INPUT;
  c.valid_fraction = 0.25;
  if (!fathom_experiment_run (&c, NULL, NULL, NULL, NULL, &error))
    g_error ("bbox run: %s", error->message);
  g_test_message ("dataset and bbox run in %.1f s", (g_get_monotonic_time () - start) / 1e6);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  work_dir = g_dir_make_tmp ("fathom-review-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (work_dir, "data", NULL);
  run_dir = g_build_filename (work_dir, "run", NULL);
  make_run ();
  snapshot_originals ();
  read_csv ();

  queue = FATHOM_REVIEW_QUEUE (fathom_review_queue_new ());
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (queue));
  gtk_window_present (GTK_WINDOW (window));
  if (!fathom_review_queue_load (queue, run_dir, &error))
    g_error ("load: %s", error->message);
  wait_for_size (GTK_WIDGET (fathom_review_queue_get_image_view (queue)));

  g_test_add_func ("/review-queue/keys", test_keys);
  g_test_add_func ("/review-queue/order", test_order);
  g_test_add_func ("/review-queue/accept", test_accept);
  g_test_add_func ("/review-queue/drag", test_drag);
  g_test_add_func ("/review-queue/undo", test_undo);
  g_test_add_func ("/review-queue/resume", test_resume);
  g_test_add_func ("/review-queue/render", test_render);
  g_test_add_func ("/review-queue/other-fish", test_other_fish);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  fathom_test_remove_tree (work_dir);
  g_hash_table_unref (originals);
  g_ptr_array_unref (csv_rows);
  g_free (data_dir);
  g_free (run_dir);
  g_free (work_dir);
  return status;
}
