/* test-dataset-browser.c: the dataset browser and its thumbnail cache
 * under a real (virtual) display, on a Kaggle-layout tree of PNGs written
 * to a temp dir: counts after each filter, the counts bar and the leak
 * table, thumbnails as textures of the fitted size (and the error state of
 * a corrupt file), LRU eviction and re-requests, cancellation, activation,
 * and a 20,000-photo scroll that checks the queue stays bounded and every
 * delivery happens on the main thread. */
#include "fathom-test-util.h"
#include "fathom-dataset-browser.h"
#include "fathom-image.h"
#include "fathom-thumbnail-cell.h"

#include <adwaita.h>
#include <string.h>

#include <unistd.h>

#include <glib/gstdio.h>

static const char *const fish[8] = { "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT" };

/* Two boats: A (320x180) and B (240x180). Per class: photos from A, B. */
#define A_W 320
#define A_H 180
#define B_W 240
#define B_H 180
static const guint per_class[8][2] = {
  { 8, 2 }, { 1, 5 }, { 3, 0 }, { 0, 0 }, { 2, 4 }, { 0, 3 }, { 2, 0 }, { 6, 2 },
};
#define N_TEST 2                /* test_stg1/, boat A */
#define CORRUPT "img_00999.png" /* train/ALB/, boat A header, no pixels */

static char *root;
static guint n_labelled;
static GThread *main_thread;

/* ---- fixtures ------------------------------------------------------------ */

static void
write_png (const char *rel, int w, int h, int seed)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(FathomImage) img = fathom_image_new (w, h);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->pixels + 3 * ((gsize) y * w + x);

        p[0] = (guint8) (40 + 25 * (seed % 8));
        p[1] = (guint8) (60 + 120 * x / w);
        p[2] = (guint8) (90 + 120 * y / h);
      }
  g_assert_true (fathom_image_save_png (img, path, &error));
  g_assert_no_error (error);
}

static void
write_text (const char *rel, const char *text, gssize len)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, len, NULL));
}

/* 38 labelled PNGs, 2 test ones, a corrupt one (its header reads, so the
 * dataset keeps it) and annotations with problems for three photos. */
static void
make_tree (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(FathomImage) img = fathom_image_new (A_W, A_H);
  int id = 0;

  root = g_dir_make_tmp ("fathom-browser-XXXXXX", &error);
  g_assert_no_error (error);
  for (int c = 0; c < 8; c++)
    {
      g_autofree char *dir = g_build_filename (root, "train", fish[c], NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      for (int boat = 0; boat < 2; boat++)
        for (guint k = 0; k < per_class[c][boat]; k++, id++)
          {
            g_autofree char *rel = g_strdup_printf ("train/%s/img_%05d.png", fish[c], id);

            write_png (rel, boat == 0 ? A_W : B_W, boat == 0 ? A_H : B_H, c);
            n_labelled++;
          }
    }
  for (int k = 0; k < N_TEST; k++)
    {
      g_autofree char *rel = g_strdup_printf ("test_stg1/img_%05d.png", 500 + k);

      write_png (rel, A_W, A_H, 9);
    }
  png = fathom_image_encode_png (img, &error);
  g_assert_no_error (error);
  write_text ("train/ALB/" CORRUPT, g_bytes_get_data (png, NULL), 60);
  n_labelled++;

  /* img_00001: one point; img_00002: three points; BET's img_00010: one
   * point and a duplicate entry; ghost.png matches nothing */
  write_text ("annotations/alb_labels.json",
              "[{\"filename\": \"img_00000.png\", \"annotations\": [{\"class\": \"rect\", \"x\": 10, \"y\": 10, \"width\": 50, \"height\": 30}]},"
              " {\"filename\": \"img_00001.png\", \"annotations\": [{\"class\": \"point\", \"x\": 10, \"y\": 10}]},"
              " {\"filename\": \"img_00002.png\", \"annotations\": [{\"class\": \"point\", \"x\": 1, \"y\": 1},"
              "   {\"class\": \"point\", \"x\": 20, \"y\": 5}, {\"class\": \"point\", \"x\": 30, \"y\": 9}]},"
              " {\"filename\": \"ghost.png\", \"annotations\": [{\"class\": \"rect\", \"x\": 1, \"y\": 1, \"width\": 2, \"height\": 2}]}]", -1);
  write_text ("annotations/bet_labels.json",
              "[{\"filename\": \"img_00010.png\", \"annotations\": [{\"class\": \"point\", \"x\": 4, \"y\": 4}]},"
              " {\"filename\": \"img_00010.png\", \"annotations\": [{\"class\": \"rect\", \"x\": 4, \"y\": 4, \"width\": 9, \"height\": 9}]}]", -1);
}

static FathomDataset *
load_dataset (void)
{
  g_autoptr(GError) error = NULL;
  FathomDataset *ds = fathom_dataset_load (root, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  g_assert_cmpuint (fathom_dataset_get_n_items (ds), ==, n_labelled + N_TEST);
  return ds;
}

/* ---- main loop helpers ----------------------------------------------------- */

static void
settle (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

static GtkWidget *
show_in_window (GtkWidget *child, int w, int h)
{
  GtkWidget *window = gtk_window_new ();
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_window_set_default_size (GTK_WINDOW (window), w, h);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  while ((!gtk_widget_get_mapped (child) || gtk_widget_get_width (child) <= 0) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  settle (100);
  g_assert_true (gtk_widget_get_mapped (child));
  return window;
}

/* Until the cache has nothing queued or waiting (10 s at most). */
static void
wait_for_thumbnails (FathomThumbnailCache *cache)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  FathomThumbnailStats st;

  do
    {
      settle (10);
      fathom_thumbnail_cache_get_stats (cache, &st);
    }
  while ((st.n_waiting > 0 || st.n_queued > 0) && g_get_monotonic_time () < end);
  settle (50);
  fathom_thumbnail_cache_get_stats (cache, &st);
  g_assert_cmpuint (st.n_waiting, ==, 0);
  g_assert_cmpuint (st.n_queued, ==, 0);
}

static void
collect_by_class (GtkWidget *widget, const char *css_class, GPtrArray *out)
{
  if (gtk_widget_has_css_class (widget, css_class))
    g_ptr_array_add (out, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_by_class (c, css_class, out);
}

static GtkWidget *
find_by_class (GtkWidget *widget, const char *css_class)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_by_class (widget, css_class, found);
  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

/* ---- the cache alone --------------------------------------------------------- */

static guint next_order;

typedef struct {
  guint       calls;
  guint       order;            /* delivery rank */
  guint       off_main;
  GdkTexture *texture;
  char       *error;
} Result;

static void
result_cb (FathomThumbnailCache *cache, guint token, const char *path,
           GdkTexture *texture, const char *error_message, gpointer user_data)
{
  Result *r = user_data;

  r->calls++;
  r->order = next_order++;
  r->off_main += g_thread_self () != main_thread;
  g_set_object (&r->texture, texture);
  g_free (r->error);
  r->error = g_strdup (error_message);
}

static void
result_clear (Result *r)
{
  g_clear_object (&r->texture);
  g_clear_pointer (&r->error, g_free);
  r->calls = r->off_main = 0;
}

static void
test_cache (void)
{
  g_autoptr(FathomDataset) ds = load_dataset ();
  g_autoptr(FathomThumbnailCache) cache = fathom_thumbnail_cache_new (160, 120, 4);
  g_autofree char *corrupt = g_build_filename (root, "train", "ALB", CORRUPT, NULL);
  g_autofree char *evicted = NULL;
  g_autofree char *pb = g_build_filename (root, "train/BET/img_00010.png", NULL);
  Result results[12] = { { 0 } }, again = { 0 }, twice[2] = { { 0 } }, cancelled = { 0 };
  FathomThumbnailStats st;
  guint token, hits = 0;
  int w, h;

  /* ten photos of ALB (eight from A, two from B), then the corrupt one */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/train/ALB/img_%05u.png", root, i);

      g_assert_cmpuint (fathom_thumbnail_cache_request (cache, path, result_cb, &results[i]), !=, 0);
    }
  g_assert_cmpuint (fathom_thumbnail_cache_request (cache, corrupt, result_cb, &results[10]), !=, 0);
  wait_for_thumbnails (cache);
  for (guint i = 0; i < 11; i++)
    {
      g_assert_cmpuint (results[i].calls, ==, 1);
      g_assert_cmpuint (results[i].off_main, ==, 0);
    }
  for (guint i = 0; i < 10; i++)
    {
      fathom_thumbnail_cache_fit_size (i < 8 ? A_W : B_W, i < 8 ? A_H : B_H, 160, 120, &w, &h);
      g_assert_nonnull (results[i].texture);
      g_assert_null (results[i].error);
      g_assert_cmpint (gdk_texture_get_width (results[i].texture), ==, w);
      g_assert_cmpint (gdk_texture_get_height (results[i].texture), ==, h);
    }
  g_assert_cmpint (w, ==, 160);     /* 240x180 fits as 160x120, 320x180 as 160x90 */
  fathom_thumbnail_cache_fit_size (A_W, A_H, 160, 120, &w, &h);
  g_assert_cmpint (h, ==, 90);
  g_assert_null (results[10].texture);
  g_assert_nonnull (results[10].error);
  g_assert_nonnull (strstr (results[10].error, CORRUPT));

  /* bounded: 11 results through a cache of 4 */
  fathom_thumbnail_cache_get_stats (cache, &st);
  g_assert_cmpuint (st.n_cached, ==, 4);
  g_assert_cmpuint (st.n_evicted, ==, 7);
  g_assert_cmpuint (st.n_decoded, ==, 11);
  g_assert_cmpuint (st.n_failed, ==, 1);
  g_assert_cmpuint (st.n_delivered, ==, 11);
  /* the newest request is served first, so which four stay depends on
   * the workers' timing: count them, and take an evicted one */
  for (guint i = 0; i < 11; i++)
    {
      g_autofree char *path = i < 10 ? g_strdup_printf ("%s/train/ALB/img_%05u.png", root, i) : g_strdup (corrupt);

      if (fathom_thumbnail_cache_lookup (cache, path, NULL, NULL))
        hits++;
      else if (i < 10 && evicted == NULL)
        evicted = g_steal_pointer (&path);
    }
  g_assert_cmpuint (hits, ==, 4);
  g_assert_nonnull (evicted);

  /* an evicted photo is decoded again; a cached one answers at once */
  g_assert_cmpuint (fathom_thumbnail_cache_request (cache, evicted, result_cb, &again), !=, 0);
  wait_for_thumbnails (cache);
  g_assert_cmpuint (again.calls, ==, 1);
  g_assert_nonnull (again.texture);
  fathom_thumbnail_cache_get_stats (cache, &st);
  g_assert_cmpuint (st.n_decoded, ==, 12);
  result_clear (&again);
  g_assert_cmpuint (fathom_thumbnail_cache_request (cache, evicted, result_cb, &again), ==, 0);
  g_assert_cmpuint (again.calls, ==, 1);
  g_assert_nonnull (again.texture);

  /* two requests for one path share a decode */
  fathom_thumbnail_cache_request (cache, pb, result_cb, &twice[0]);
  fathom_thumbnail_cache_request (cache, pb, result_cb, &twice[1]);
  wait_for_thumbnails (cache);
  fathom_thumbnail_cache_get_stats (cache, &st);
  g_assert_cmpuint (st.n_decoded, ==, 13);
  g_assert_cmpuint (twice[0].calls, ==, 1);
  g_assert_cmpuint (twice[1].calls, ==, 1);
  g_assert_true (twice[0].texture == twice[1].texture);

  /* a cancelled token is never called, decoded or not */
  {
    g_autofree char *p5 = g_strdup_printf ("%s/train/ALB/img_%05u.png", root, 5u);

    token = fathom_thumbnail_cache_request (cache, p5, result_cb, &cancelled);
    g_assert_cmpuint (token, !=, 0);
    fathom_thumbnail_cache_cancel (cache, token);
    fathom_thumbnail_cache_cancel (cache, token);    /* spent: ignored */
    wait_for_thumbnails (cache);
    g_assert_cmpuint (cancelled.calls, ==, 0);
  }

  /* a promoted request jumps the queue: eight new ones are served newest
   * first, so the oldest would come last; promoted, it comes after at
   * most the n_threads decodes already under way */
  {
    Result order[8] = { { 0 } };
    guint tokens[8], rank = 0;

    fathom_thumbnail_cache_clear (cache);
    fathom_thumbnail_cache_set_capacity (cache, 64);
    for (guint i = 0; i < 8; i++)
      {
        g_autofree char *path = g_strdup_printf ("%s/train/%s/img_%05u.png", root, i < 4 ? "NoF" : "YFT", i < 4 ? 19 + i : 26 + i);

        tokens[i] = fathom_thumbnail_cache_request (cache, path, result_cb, &order[i]);
        g_assert_cmpuint (tokens[i], !=, 0);
      }
    fathom_thumbnail_cache_promote (cache, tokens[0]);
    next_order = 0;
    wait_for_thumbnails (cache);
    for (guint i = 0; i < 8; i++)
      g_assert_cmpuint (order[i].calls, ==, 1);
    for (guint i = 1; i < 8; i++)
      rank += order[i].order < order[0].order;
    g_assert_cmpuint (rank, <=, FATHOM_THUMBNAIL_N_THREADS);
    for (guint i = 0; i < 8; i++)
      result_clear (&order[i]);
  }

  /* clear forgets everything */
  {
    g_autofree char *nof = g_strdup_printf ("%s/train/NoF/img_%05u.png", root, 19u);

    g_assert_true (fathom_thumbnail_cache_lookup (cache, nof, NULL, NULL));
    fathom_thumbnail_cache_clear (cache);
    fathom_thumbnail_cache_get_stats (cache, &st);
    g_assert_cmpuint (st.n_cached, ==, 0);
    g_assert_false (fathom_thumbnail_cache_lookup (cache, nof, NULL, NULL));
  }

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    result_clear (&results[i]);
  result_clear (&again);
  result_clear (&twice[0]);
  result_clear (&twice[1]);
}

/* ---- the browser --------------------------------------------------------------- */

static guint
expected_count (int class_index, int boat)
{
  guint n = 0;

  for (int c = 0; c < 8; c++)
    for (int b = 0; b < 2; b++)
      if ((class_index < 0 || c == class_index) && (boat < 0 || b == boat))
        n += per_class[c][b];
  /* the corrupt file: ALB, boat A */
  if ((class_index < 0 || class_index == 0) && boat <= 0)
    n++;
  return n;
}

static const char *
label_at (GtkGrid *grid, int column, int row)
{
  GtkWidget *child = gtk_grid_get_child_at (grid, column, row);

  g_assert_true (GTK_IS_LABEL (child));
  return gtk_label_get_text (GTK_LABEL (child));
}

/* The number the counts bar shows on its button_index-th toggle. */
static guint
counts_bar_number (FathomDatasetBrowser *browser, guint button_index)
{
  g_autoptr(GPtrArray) buttons = fathom_class_counts_bar_get_buttons (fathom_dataset_browser_get_counts_bar (browser));
  GtkWidget *button;

  g_assert_cmpuint (button_index, <, buttons->len);
  button = g_ptr_array_index (buttons, button_index);
  return (guint) g_ascii_strtoull (gtk_label_get_text (GTK_LABEL (find_by_class (button, "count"))), NULL, 10);
}

static void
collect_by_type (GtkWidget *widget, GType type, GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_by_type (c, type, out);
}

static void
on_activated (FathomDatasetBrowser *browser, guint index, gpointer user_data)
{
  *(int *) user_data = (int) index;
}

/* A photo with three marked fish: the item keeps the largest as its box
 * and the other two, in file order, to be drawn dashed. */
static void
test_other_boxes (void)
{
  const char *json = "[{\"filename\": \"img_00007.jpg\", \"annotations\": ["
                     "{\"class\": \"rect\", \"x\": 5, \"y\": 6, \"width\": 20, \"height\": 10},"
                     "{\"class\": \"rect\", \"x\": 40, \"y\": 8, \"width\": 30, \"height\": 30},"
                     "{\"class\": \"rect\", \"x\": 90, \"y\": 2, \"width\": 12, \"height\": 14}]}]";
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, strlen (json));
  FathomAnnotations *set = fathom_annotations_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomDatasetItemObject) obj = NULL, bare = NULL;
  FathomDatasetItem item = { .path = (char *) "train/ALB/img_00007.jpg", .class_index = 0,
                             .width = 120, .height = 60, .split = FATHOM_SPLIT_TRAIN };
  const FathomBox *others;
  FathomBox box;
  guint n;

  g_assert_true (fathom_annotations_load_bytes (set, bytes, "alb_labels.json", &error));
  g_assert_no_error (error);
  item.annotation = fathom_annotations_lookup (set, "img_00007.jpg");
  g_assert_nonnull (item.annotation);
  item.has_box = fathom_annotation_get_box (item.annotation, item.width, item.height, &item.box);
  obj = fathom_dataset_item_object_new (3, "/data", &item, "ALB", 0);
  g_assert_true (fathom_dataset_item_object_get_box (obj, &box));
  g_assert_cmpfloat (box.x, ==, 40);
  g_assert_cmpfloat (box.width, ==, 30);
  n = fathom_dataset_item_object_get_other_boxes (obj)->len;
  others = (const FathomBox *) (gconstpointer) fathom_dataset_item_object_get_other_boxes (obj)->data;
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (others[0].x, ==, 5);
  g_assert_cmpfloat (others[0].height, ==, 10);
  g_assert_cmpfloat (others[1].x, ==, 90);
  g_assert_cmpfloat (others[1].width, ==, 12);

  /* no annotation: nothing else */
  item.annotation = NULL;
  bare = fathom_dataset_item_object_new (3, "/data", &item, "ALB", 0);
  n = fathom_dataset_item_object_get_other_boxes (bare)->len;
  g_assert_cmpuint (n, ==, 0);
  fathom_annotations_free (set);
}

static void
test_browser (void)
{
  g_autoptr(FathomDataset) ds = load_dataset ();
  FathomDatasetBrowser *browser = FATHOM_DATASET_BROWSER (fathom_dataset_browser_new ());
  GtkWidget *window = show_in_window (GTK_WIDGET (browser), 1400, 1000);
  GListModel *model = fathom_dataset_browser_get_model (browser);
  FathomDatasetFilter *filter = fathom_dataset_browser_get_filter (browser);
  GtkGrid *leak = fathom_leak_table_get_grid (fathom_dataset_browser_get_leak_table (browser));
  GtkWidget *grid_view = GTK_WIDGET (fathom_thumbnail_grid_get_grid_view (fathom_dataset_browser_get_grid (browser)));
  FathomThumbnailCache *cache = fathom_dataset_browser_get_thumbnail_cache (browser);
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();
  guint n_all = n_labelled + N_TEST, textures_a = 0, textures_b = 0, errors = 0, labels_ok = 0;
  int activated = -1;

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  fathom_dataset_browser_set_dataset (browser, ds);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_all);

  /* classes, the unlabelled ones, sizes, problems, search */
  for (int c = 0; c < 8; c++)
    {
      fathom_dataset_filter_set_class (filter, c);
      g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected_count (c, -1));
      g_assert_cmpuint (fathom_dataset_count (ds, FATHOM_SPLIT_ANY, c), ==, expected_count (c, -1));
    }
  fathom_dataset_filter_set_class (filter, -1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, N_TEST);
  fathom_dataset_filter_set_class (filter, FATHOM_DATASET_FILTER_ANY_CLASS);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_all);
  fathom_dataset_filter_set_size (filter, B_W, B_H);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected_count (-1, 1));
  fathom_dataset_filter_set_class (filter, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
  fathom_dataset_filter_set_class (filter, FATHOM_DATASET_FILTER_ANY_CLASS);

  /* the counts bar under a size filter: boat B's catch */
  for (int c = 0; c < 8; c++)
    {
      g_assert_cmpuint (fathom_dataset_browser_get_class_count (browser, c), ==, per_class[c][1]);
      g_assert_cmpuint (counts_bar_number (browser, c), ==, per_class[c][1]);
    }
  g_assert_cmpuint (counts_bar_number (browser, 8), ==, 0);     /* Unlabelled: all from A */
  fathom_dataset_filter_set_size (filter, A_W, A_H);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected_count (-1, 0) + N_TEST);
  g_assert_cmpuint (counts_bar_number (browser, 0), ==, per_class[0][0] + 1);
  g_assert_cmpuint (counts_bar_number (browser, 8), ==, N_TEST);
  fathom_dataset_filter_set_size (filter, 0, 0);
  for (int c = 0; c < 8; c++)
    g_assert_cmpuint (counts_bar_number (browser, c), ==, expected_count (c, -1));

  /* a click on BET in the counts bar filters by it, a second one clears */
  {
    g_autoptr(GPtrArray) buttons = fathom_class_counts_bar_get_buttons (fathom_dataset_browser_get_counts_bar (browser));
    GtkWidget *bet = g_ptr_array_index (buttons, 1);

    g_signal_emit_by_name (bet, "clicked");
    g_assert_cmpint (fathom_dataset_filter_get_class (filter), ==, 1);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected_count (1, -1));
    g_signal_emit_by_name (bet, "clicked");
    g_assert_cmpint (fathom_dataset_filter_get_class (filter), ==, FATHOM_DATASET_FILTER_ANY_CLASS);
  }

  /* the controls drive the same filter: the class dropdown (All, the
   * classes, Unlabelled), the size dropdown (All, then by count) and the
   * search entry, which waits for typing to pause */
  {
    g_autoptr(GPtrArray) dropdowns = g_ptr_array_new ();
    g_autoptr(GPtrArray) entries = g_ptr_array_new ();
    int w, h;

    collect_by_type (GTK_WIDGET (browser), GTK_TYPE_DROP_DOWN, dropdowns);
    collect_by_type (GTK_WIDGET (browser), GTK_TYPE_SEARCH_ENTRY, entries);
    /* the dropdowns' popovers have their own */
    for (guint i = entries->len; i-- > 0;)
      if (gtk_widget_get_ancestor (g_ptr_array_index (entries, i), GTK_TYPE_DROP_DOWN) != NULL)
        g_ptr_array_remove_index (entries, i);
    g_assert_cmpuint (dropdowns->len, ==, 2);
    g_assert_cmpuint (entries->len, ==, 1);
    g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (g_ptr_array_index (dropdowns, 0))), ==, 1 + 8 + 1);
    gtk_drop_down_set_selected (g_ptr_array_index (dropdowns, 0), 2);
    g_assert_cmpint (fathom_dataset_filter_get_class (filter), ==, 1);
    gtk_drop_down_set_selected (g_ptr_array_index (dropdowns, 0), 9);
    g_assert_cmpint (fathom_dataset_filter_get_class (filter), ==, -1);
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, N_TEST);
    gtk_drop_down_set_selected (g_ptr_array_index (dropdowns, 0), 0);
    gtk_drop_down_set_selected (g_ptr_array_index (dropdowns, 1), 2);
    fathom_dataset_filter_get_size (filter, &w, &h);
    g_assert_cmpint (w, ==, B_W);
    g_assert_cmpint (h, ==, B_H);
    /* and the filter moves the controls */
    fathom_dataset_filter_set_size (filter, A_W, A_H);
    g_assert_cmpuint (gtk_drop_down_get_selected (g_ptr_array_index (dropdowns, 1)), ==, 1);
    fathom_dataset_filter_set_size (filter, 0, 0);
    gtk_editable_set_text (g_ptr_array_index (entries, 0), "00999");
    settle (600);
    g_assert_cmpstr (fathom_dataset_filter_get_search (filter), ==, "00999");
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
    fathom_dataset_filter_set_search (filter, NULL);
    g_assert_cmpstr (gtk_editable_get_text (g_ptr_array_index (entries, 0)), ==, "");
  }

  /* problems: img_00001, img_00002 (ALB) and img_00010 (BET) */
  fathom_dataset_filter_set_problems_only (filter, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_cmpuint (counts_bar_number (browser, 0), ==, 2);
  g_assert_cmpuint (counts_bar_number (browser, 1), ==, 1);
  {
    g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (model, 2);

    g_assert_cmpstr (fathom_dataset_item_object_get_basename (item), ==, "img_00010.png");
    g_assert_true (fathom_dataset_item_object_get_problems (item) &
                   FATHOM_DATASET_ITEM_PROBLEM (FATHOM_ANNOTATION_PROBLEM_DUPLICATE));
  }
  fathom_dataset_filter_set_problems_only (filter, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_all);

  /* search: case-insensitive substring of the file name */
  fathom_dataset_filter_set_search (filter, "IMG_0001");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 10);  /* img_00010 .. img_00019 */
  fathom_dataset_filter_set_search (filter, "img_0001");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 10);
  fathom_dataset_filter_set_search (filter, "00999");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  fathom_dataset_filter_set_search (filter, "no such photo");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  fathom_dataset_filter_set_search (filter, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n_all);

  /* the leak table: boat A (more labelled photos) first */
  g_assert_cmpstr (label_at (leak, 0, 1), ==, "320×180");
  g_assert_cmpstr (label_at (leak, 0, 2), ==, "240×180");
  g_assert_null (gtk_grid_get_child_at (leak, 0, 3));
  for (int c = 0; c < 8; c++)
    {
      g_autofree char *a = g_strdup_printf ("%u", per_class[c][0] + (c == 0));
      g_autofree char *b = g_strdup_printf ("%u", per_class[c][1]);

      g_assert_cmpstr (label_at (leak, c + 1, 0), ==, fish[c]);
      g_assert_cmpstr (label_at (leak, c + 1, 1), ==, a);
      g_assert_cmpstr (label_at (leak, c + 1, 2), ==, b);
    }
  {
    g_autofree char *a = g_strdup_printf ("%u", expected_count (-1, 0));
    g_autofree char *b = g_strdup_printf ("%u", expected_count (-1, 1));

    g_assert_cmpstr (label_at (leak, 9, 1), ==, a);
    g_assert_cmpstr (label_at (leak, 9, 2), ==, b);
    /* ALB is 9 of boat A's 23, BET 5 of boat B's 16 */
    g_assert_cmpstr (label_at (leak, 10, 1), ==, "ALB 39%");
    g_assert_cmpstr (label_at (leak, 10, 2), ==, "BET 31%");
    /* shaded by share: 9/23 rounds to step 4, an empty cell has none */
    g_assert_true (gtk_widget_has_css_class (gtk_grid_get_child_at (leak, 1, 1), "shade-4"));
    g_assert_true (gtk_widget_has_css_class (gtk_grid_get_child_at (leak, 3, 2), "shade-0"));
  }
  {
    double by_size, overall;

    /* by size: ALB on A (9) and BET on B (5); overall: ALB, 11 of 39 */
    fathom_leak_table_get_accuracy (fathom_dataset_browser_get_leak_table (browser), &by_size, &overall);
    g_assert_cmpfloat_with_epsilon (by_size, 14.0 / n_labelled, 1e-12);
    g_assert_cmpfloat_with_epsilon (overall, 11.0 / n_labelled, 1e-12);
  }

  /* thumbnails: every bound cell ends with a texture of the fitted size,
   * the corrupt file with the error state */
  wait_for_thumbnails (cache);
  collect_by_type (grid_view, FATHOM_TYPE_THUMBNAIL_CELL, cells);
  g_assert_cmpuint (cells->len, ==, n_all);      /* 41 photos: all bound */
  for (guint i = 0; i < cells->len; i++)
    {
      FathomThumbnailCell *cell = g_ptr_array_index (cells, i);
      FathomDatasetItemObject *item = fathom_thumbnail_cell_get_item (cell);
      GdkTexture *texture = fathom_thumbnail_cell_get_texture (cell);
      g_autofree char *want = NULL;
      char *diff;
      int w, h;

      g_assert_nonnull (item);
      if (strcmp (fathom_dataset_item_object_get_basename (item), CORRUPT) == 0)
        {
          errors++;
          g_assert_cmpint (fathom_thumbnail_cell_get_state (cell), ==, FATHOM_THUMBNAIL_CELL_FAILED);
          g_assert_null (texture);
          g_assert_nonnull (strstr (fathom_thumbnail_cell_get_error (cell), CORRUPT));
          continue;
        }
      g_assert_cmpint (fathom_thumbnail_cell_get_state (cell), ==, FATHOM_THUMBNAIL_CELL_LOADED);
      g_assert_true (GDK_IS_TEXTURE (texture));
      fathom_thumbnail_cache_fit_size (fathom_dataset_item_object_get_width (item),
                                       fathom_dataset_item_object_get_height (item), 160, 120, &w, &h);
      g_assert_cmpint (gdk_texture_get_width (texture), ==, w);
      g_assert_cmpint (gdk_texture_get_height (texture), ==, h);
      /* 320x180 fits as 160x90, 240x180 as 160x120 */
      textures_a += h == 90;
      textures_b += h == 120;
      /* labelled for screen readers */
      want = g_strdup_printf ("%s, %s, %dx%d", fathom_dataset_item_object_get_basename (item),
                              fathom_dataset_item_object_get_class_name (item) ? fathom_dataset_item_object_get_class_name (item) : "no label",
                              fathom_dataset_item_object_get_width (item), fathom_dataset_item_object_get_height (item));
      if (fathom_dataset_item_object_get_problems (item) != 0)
        continue;
      diff = gtk_test_accessible_check_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL, want);
      g_assert_null (diff);
      labels_ok++;
    }
  g_assert_cmpuint (errors, ==, 1);
  g_assert_cmpuint (textures_a, ==, expected_count (-1, 0) - 1 + N_TEST);
  g_assert_cmpuint (textures_b, ==, expected_count (-1, 1));
  g_assert_cmpuint (labels_ok, ==, n_all - 1 - 3);
  {
    /* labelled first, although test_stg1/ sorts before train/ */
    g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (model, 0);
    g_autoptr(FathomDatasetItemObject) test = g_list_model_get_item (model, n_labelled);
    g_autofree char *label = fathom_dataset_item_object_describe (item);
    g_autofree char *test_label = fathom_dataset_item_object_describe (test);

    g_assert_cmpstr (label, ==, "img_00000.png, ALB, 320x180");
    g_assert_cmpstr (test_label, ==, "img_00500.png, no label, 320x180");
  }

  /* activation gives the dataset index, through the filter */
  g_signal_connect (browser, "item-activated", G_CALLBACK (on_activated), &activated);
  fathom_dataset_filter_set_class (filter, 1);
  settle (50);
  g_assert_true (gtk_widget_activate_action (grid_view, "list.activate-item", "u", 2));
  {
    g_autoptr(FathomDatasetItemObject) item = g_list_model_get_item (model, 2);

    g_assert_cmpint (activated, ==, (int) fathom_dataset_item_object_get_index (item));
    g_assert_cmpstr (fathom_dataset_get_item (ds, (guint) activated)->path, ==,
                     fathom_dataset_item_object_get_path (item));
    g_assert_cmpint (fathom_dataset_get_item (ds, (guint) activated)->class_index, ==, 1);
  }

  /* a new dataset (here: none) empties everything */
  fathom_dataset_browser_set_dataset (browser, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_null (gtk_grid_get_child_at (leak, 0, 1));
  {
    g_autoptr(GPtrArray) buttons = fathom_class_counts_bar_get_buttons (fathom_dataset_browser_get_counts_bar (browser));

    g_assert_cmpuint (buttons->len, ==, 0);
  }
  gtk_window_destroy (GTK_WINDOW (window));
  settle (50);
}

/* ---- 20,000 photos ---------------------------------------------------------------- */

typedef struct {
  guint calls;
  guint off_main;
} Deliveries;

static void
on_loaded (FathomThumbnailCache *cache, const char *path, GdkTexture *texture, gpointer user_data)
{
  Deliveries *d = user_data;

  d->calls++;
  d->off_main += g_thread_self () != main_thread;
}

static guint
count_cells (FathomDatasetBrowser *browser)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();

  collect_by_type (GTK_WIDGET (fathom_thumbnail_grid_get_grid_view (fathom_dataset_browser_get_grid (browser))),
                   FATHOM_TYPE_THUMBNAIL_CELL, cells);
  return cells->len;
}

static void
test_stress (void)
{
  enum { N_ITEMS = 20000, N_LINKS = 1000, N_STEPS = 120, CAPACITY = 300 };
  g_autofree char *links = g_build_filename (root, "links", NULL);
  g_autoptr(GListStore) store = g_list_store_new (FATHOM_TYPE_DATASET_ITEM_OBJECT);
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);
  const char *const names[] = { "ALB", "BET", "NoF", NULL };
  FathomDatasetBrowser *browser = FATHOM_DATASET_BROWSER (fathom_dataset_browser_new ());
  FathomThumbnailCache *cache = fathom_dataset_browser_get_thumbnail_cache (browser);
  FathomDatasetFilter *filter = fathom_dataset_browser_get_filter (browser);
  GtkWidget *window;
  GtkAdjustment *vadj;
  FathomThumbnailStats st;
  Deliveries deliveries = { 0 };
  double max_step = 0, total;
  guint max_cells = 0, max_waiting = 0;
  gint64 t0;

  /* 1000 names for four real files, so that decodes keep coming */
  g_assert_cmpint (g_mkdir_with_parents (links, 0755), ==, 0);
  for (guint i = 0; i < N_LINKS; i++)
    {
      g_autofree char *target = g_strdup_printf ("%s/train/%s/img_%05u.png", root, i % 2 ? "ALB" : "YFT",
                                                 i % 2 ? i % 8 : 30 + i % 6);
      g_autofree char *link = g_strdup_printf ("%s/l_%04u.png", links, i);

      g_assert_cmpint (symlink (target, link), ==, 0);
    }
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_ITEMS; i++)
    {
      g_autofree char *path = g_strdup_printf ("links/l_%04u.png", i % N_LINKS);
      FathomDatasetItem item = { .path = path, .class_index = (int) (i % 3), .width = i % 2 ? A_W : B_W,
                                 .height = A_H, .split = FATHOM_SPLIT_TRAIN };

      g_ptr_array_add (objects, fathom_dataset_item_object_new (i, root, &item, names[i % 3], i % 97 == 0));
    }
  g_list_store_splice (store, 0, 0, objects->pdata, objects->len);
  fathom_thumbnail_cache_set_capacity (cache, CAPACITY);
  g_signal_connect (cache, "loaded", G_CALLBACK (on_loaded), &deliveries);
  window = show_in_window (GTK_WIDGET (browser), 1000, 800);
  fathom_dataset_browser_set_items (browser, G_LIST_MODEL (store), names);
  g_test_message ("20,000 items built and set in %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpuint (g_list_model_get_n_items (fathom_dataset_browser_get_model (browser)), ==, N_ITEMS);
  fathom_dataset_filter_set_problems_only (filter, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (fathom_dataset_browser_get_model (browser)), ==, (N_ITEMS + 96) / 97);
  fathom_dataset_filter_set_problems_only (filter, FALSE);
  settle (100);
  /* scroll down in steps, never waiting for thumbnails: cells scroll
   * away with requests in flight and cancel them */
  vadj = gtk_scrolled_window_get_vadjustment (fathom_thumbnail_grid_get_scrolled_window (fathom_dataset_browser_get_grid (browser)));
  fathom_thumbnail_cache_reset_peak (cache);
  t0 = g_get_monotonic_time ();
  for (guint step = 1; step <= N_STEPS; step++)
    {
      gint64 s = g_get_monotonic_time ();
      double top = gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj);
      guint cells;

      gtk_adjustment_set_value (vadj, top * step / N_STEPS);
      settle (8);
      max_step = MAX (max_step, (g_get_monotonic_time () - s) / 1000.0 - 8);
      cells = count_cells (browser);
      fathom_thumbnail_cache_get_stats (cache, &st);
      /* a cell holds at most one request; a queued decode has a waiter */
      g_assert_cmpuint (st.n_waiting, <=, cells);
      g_assert_cmpuint (st.n_queued, <=, st.n_waiting);
      g_assert_cmpuint (st.n_cached, <=, CAPACITY);
      max_cells = MAX (max_cells, cells);
      if (g_getenv ("FATHOM_TEST_VERBOSE")) g_test_message ("step %u: value %.0f/%.0f page %.0f cells %u waiting %u queued %u ms %.1f", step, gtk_adjustment_get_value (vadj), gtk_adjustment_get_upper (vadj), gtk_adjustment_get_page_size (vadj), cells, st.n_waiting, st.n_queued, (g_get_monotonic_time () - s) / 1000.0);
      max_waiting = MAX (max_waiting, st.n_waiting);
    }
  total = (g_get_monotonic_time () - t0) / 1000.0;
  g_assert_cmpfloat (gtk_adjustment_get_value (vadj), >, 0.9 * (gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj)));
  wait_for_thumbnails (cache);
  fathom_thumbnail_cache_get_stats (cache, &st);
  g_assert_cmpuint (st.peak_queued, <=, max_cells);
  g_assert_cmpuint (st.peak_queued, <=, 500);
  g_assert_cmpuint (st.n_cancelled, >, 0);
  g_assert_cmpuint (deliveries.calls, ==, st.n_decoded);
  g_assert_cmpuint (deliveries.off_main, ==, 0);
  g_assert_cmpuint (st.n_failed, ==, 0);
  /* the last screen is all thumbnails */
  {
    g_autoptr(GPtrArray) cells = g_ptr_array_new ();

    collect_by_type (GTK_WIDGET (fathom_thumbnail_grid_get_grid_view (fathom_dataset_browser_get_grid (browser))),
                     FATHOM_TYPE_THUMBNAIL_CELL, cells);
    g_assert_cmpuint (cells->len, >, 0);
    for (guint i = 0; i < cells->len; i++)
      g_assert_cmpint (fathom_thumbnail_cell_get_state (g_ptr_array_index (cells, i)), ==, FATHOM_THUMBNAIL_CELL_LOADED);
  }
  g_test_message ("scroll: %u steps in %.0f ms (%.1f ms a step past the 8 ms wait, worst %.1f ms); "
                  "%u cells at most, %u waiting at most, queue peak %u; %" G_GUINT64_FORMAT " requests, "
                  "%" G_GUINT64_FORMAT " cancelled, %" G_GUINT64_FORMAT " decoded in %" G_GUINT64_FORMAT
                  " batches, %u cached",
                  N_STEPS, total, total / N_STEPS - 8, max_step, max_cells, max_waiting, st.peak_queued,
                  st.n_requests, st.n_cancelled, st.n_decoded, st.n_batches, st.n_cached);
  gtk_window_destroy (GTK_WINDOW (window));
  settle (50);
}

int
main (int argc, char **argv)
{
  int status;

  /* Without a session bus GTK's AT-SPI bridge warns, and warnings are
   * fatal in tests; GTK's test context keeps the accessible label to check. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  main_thread = g_thread_self ();
  make_tree ();
  g_test_add_func ("/dataset-browser/cache", test_cache);
  g_test_add_func ("/dataset-browser/browser", test_browser);
  g_test_add_func ("/dataset-browser/other-boxes", test_other_boxes);
  g_test_add_func ("/dataset-browser/stress", test_stress);
  status = g_test_run ();
  fathom_test_remove_tree (root);
  g_free (root);
  return status;
}
