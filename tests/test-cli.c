/* test-cli.c: fathom-cli's convolutional commands as a user runs them, on a
 * small synthetic dataset: features, train, heatmap, render and submit,
 * their files and exit statuses, and bad input. */
#include "fathom-test-util.h"
#include "fathom-annotations.h"
#include "fathom-image.h"
#include "fathom-safetensors.h"
#include "fathom-run.h"
#include "fathom-run-predictions.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static const char *cli;
static char *work_dir, *data_dir, *cache_dir;

/* Runs fathom-cli in folder cwd (NULL: this one) with the arguments
 * (NULL-terminated); returns the exit status, stdout and stderr. */
static int
run_cli_in (const char *cwd, char **out, char **err, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL, *e = NULL;
  const char *arg;
  int status = -1;
  va_list ap;

  g_ptr_array_add (argv, (char *) cli);
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (cwd, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &o, &e, &status,
                               &error));
  g_assert_no_error (error);
  g_test_message ("%s %s: %s", cli, (char *) argv->pdata[1], e);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* The same in this folder. */
#define run_cli(...) run_cli_in (NULL, __VA_ARGS__)

static char *
path_in (const char *name)
{
  return g_build_filename (work_dir, name, NULL);
}

/* The first training photo of a class. */
static char *
some_photo (void)
{
  g_autofree char *dir = g_build_filename (data_dir, "train", "ALB", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  name = g_dir_read_name (d);
  g_assert_nonnull (name);
  return g_build_filename (dir, name, NULL);
}

static void
train (const char *experiment, const char *size)
{
  g_autofree char *run = path_in (experiment);
  g_autofree char *out = NULL;

  g_assert_cmpint (run_cli (&out, NULL, "train", experiment, "--data", data_dir, "--run", run, "--cache", cache_dir,
                            "--size", size, "--mini-epochs", "1", "--mini-corpus", "0", "--epochs", "2", "--overwrite",
                            NULL), ==, 0);
  g_assert_nonnull (strstr (out, "validation accuracy"));
  /* the offline backbone says what it is */
  if (!g_str_equal (experiment, "leak-size-only"))
    g_assert_nonnull (strstr (out, "stands in for ImageNet"));
}

static void
test_features (void)
{
  g_autofree char *out_file = path_in ("features.safetensors");
  g_autoptr(FathomSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) files = NULL;
  gint64 shape[FATHOM_MAX_DIMS];
  guint ndim;

  g_assert_cmpint (run_cli (NULL, NULL, "features", "--backbone", "mini", "--data", data_dir, "--size", "48x48",
                            "--cache", cache_dir, "--mini-epochs", "1", "--mini-corpus", "0", "--out", out_file, NULL),
                   ==, 0);
  st = fathom_safetensors_load (out_file, &error);
  g_assert_no_error (error);
  g_assert_true (fathom_safetensors_get_info (st, "features", &ndim, shape, NULL));
  g_assert_cmpuint (ndim, ==, 4);
  /* every photo: 120 training and 30 test */
  g_assert_cmpint (shape[0], ==, 150);
  g_assert_cmpint (shape[1], ==, 64);
  g_assert_cmpint (shape[2], ==, 6);
  g_assert_cmpint (shape[3], ==, 6);
  files = json_from_string (fathom_safetensors_get_metadata (st, "files"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (files)), ==, 150);
}

static void
test_heatmap (void)
{
  g_autofree char *run = path_in ("fcn");
  g_autofree char *photo_path = some_photo ();
  g_autofree char *png = path_in ("heatmap.png"), *grid = path_in ("grid.png");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(FathomImage) photo = NULL, drawn = NULL;
  g_autoptr(GError) error = NULL;

  train ("fcn", "64x128");
  g_assert_cmpint (run_cli (&out, NULL, "heatmap", "--run", run, "--image", photo_path, "--class", "NoF",
                            "--interp", "bilinear", "--colormap", "viridis", "--alpha", "0.7", "--out", png, NULL),
                   ==, 0);
  /* a value at every cell of the 8x16 features; --coarse: fcn's own 2x2 */
  g_assert_nonnull (strstr (out, "NoF map 8x16"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (&out, NULL, "heatmap", "--run", run, "--image", photo_path, "--class", "NoF",
                            "--coarse", "--out", png, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "NoF map 2x2"));
  photo = fathom_image_load (photo_path, &error);
  g_assert_no_error (error);
  drawn = fathom_image_load (png, &error);
  g_assert_no_error (error);
  /* the photo at its own size by default, the legend in a strip below
   * it (as wide as the legend at least: these photos are small) */
  g_assert_cmpint (drawn->width, >=, photo->width);
  g_assert_cmpint (drawn->width, <=, MAX (photo->width, 260));
  g_assert_cmpint (drawn->height, >, photo->height + 40);
  g_assert_cmpint (drawn->height, <, photo->height + 120);

  g_assert_cmpint (run_cli (NULL, NULL, "heatmap", "--run", run, "--image", photo_path, "--class", "all",
                            "--width", "800", "--out", grid, NULL), ==, 0);
  g_clear_pointer (&drawn, fathom_image_free);
  drawn = fathom_image_load (grid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (drawn->width, ==, 800);

  /* a validation photo with a true box: the box drawn in red, and whether
   * the true class's map points inside it; a test photo: neither */
  {
    g_autofree char *csv = g_build_filename (run, "predictions.csv", NULL);
    g_autoptr(FathomRunPredictions) rows = fathom_run_predictions_load (csv, &error);
    g_autofree char *valid_photo = NULL, *test_dir = g_build_filename (data_dir, "test_stg1", NULL);
    g_autoptr(GDir) d = NULL;
    g_autoptr(FathomImage) boxed = NULL;
    guint red = 0;

    g_assert_no_error (error);
    for (guint i = 0; i < fathom_run_predictions_get_n_rows (rows) && valid_photo == NULL; i++)
      if (fathom_run_predictions_get_row (rows, i)->has_true_box)
        valid_photo = g_build_filename (data_dir, fathom_run_predictions_get_row (rows, i)->file, NULL);
    g_assert_nonnull (valid_photo);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (&out, NULL, "heatmap", "--run", run, "--image", valid_photo, "--out", png, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "A validation photo of the run: true "));
    g_assert_true (strstr (out, "read against NoF, points inside it") != NULL ||
                   strstr (out, "read against NoF, points outside it") != NULL);
    boxed = fathom_image_load (png, &error);
    g_assert_no_error (error);
    for (gsize i = 0; i < (gsize) boxed->width * boxed->height; i++)
      red += boxed->pixels[3 * i] == 255 && boxed->pixels[3 * i + 1] == 0 && boxed->pixels[3 * i + 2] == 0;
    g_assert_cmpuint (red, >, 40);

    /* a validation photo with several marked fish: the others named */
    {
      g_autofree char *ann_dir = g_build_filename (data_dir, "annotations", NULL);
      g_autoptr(FathomAnnotations) set = fathom_annotations_new ();
      g_autofree char *several = NULL;
      guint n_rects = 0;

      g_assert_true (fathom_annotations_load_dir (set, ann_dir, &error));
      g_assert_no_error (error);
      for (guint i = 0; i < fathom_run_predictions_get_n_rows (rows) && several == NULL; i++)
        {
          const FathomRunPrediction *r = fathom_run_predictions_get_row (rows, i);
          const FathomAnnotation *a = fathom_annotations_lookup (set, r->file);

          if (r->has_true_box && a != NULL && a->rects->len >= 2)
            {
              several = g_build_filename (data_dir, r->file, NULL);
              n_rects = a->rects->len;
            }
        }
      g_assert_nonnull (several);
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (run_cli (&out, NULL, "heatmap", "--run", run, "--image", several, "--out", png, NULL), ==, 0);
      {
        g_autofree char *want = g_strdup_printf ("(red), %u other marked fish (dashed); the ", n_rects - 1);

        g_assert_nonnull (strstr (out, want));
      }
    }

    d = g_dir_open (test_dir, 0, &error);
    g_assert_no_error (error);
    g_free (valid_photo);
    valid_photo = g_build_filename (test_dir, g_dir_read_name (d), NULL);
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (&out, NULL, "heatmap", "--run", run, "--image", valid_photo, "--out", png, NULL), ==, 0);
    g_assert_null (strstr (out, "A validation photo"));
  }

  /* bad input: a class the model lacks, a colormap, a missing photo */
  g_assert_cmpint (run_cli (NULL, &err, "heatmap", "--run", run, "--image", photo_path, "--class", "TUNA",
                            "--out", png, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "TUNA"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, NULL, "heatmap", "--run", run, "--image", photo_path, "--colormap", "jet",
                            "--out", png, NULL), ==, 2);
  g_assert_cmpint (run_cli (NULL, &err, "heatmap", "--run", run, "--image", "/nonexistent/x.jpg", "--out", png,
                            NULL), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/x.jpg"));
  /* a folder that is no run, said so rather than a missing file */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "heatmap", "--run", data_dir, "--image", photo_path, "--out", png, NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "is not a run folder (it has no run.json)"));
}

static void
test_heatmap_without_maps (void)
{
  g_autofree char *run = path_in ("leak-size-only");
  g_autofree char *photo_path = some_photo ();
  g_autofree char *png = path_in ("none.png");
  g_autofree char *err = NULL;

  train ("leak-size-only", "48x48");
  g_assert_cmpint (run_cli (NULL, &err, "heatmap", "--run", run, "--image", photo_path, "--out", png, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no class maps"));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
}

static void
test_render (void)
{
  g_autofree char *run = path_in ("bbox");
  g_autofree char *out_dir = path_in ("render");
  g_autofree char *curves = g_build_filename (out_dir, "curves.png", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(FathomImage) img = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint photos = 0;

  train ("bbox", "48x48");
  g_assert_cmpint (run_cli (NULL, NULL, "render", "--run", run, "--out", out_dir, "--limit", "3", "--width", "320",
                            NULL), ==, 0);
  img = fathom_image_load (curves, &error);
  g_assert_no_error (error);
  g_assert_cmpint (img->width, ==, 1000);
  dir = g_dir_open (out_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "img_") && g_str_has_suffix (name, ".png"))
      {
        g_autofree char *p = g_build_filename (out_dir, name, NULL);
        g_autoptr(FathomImage) photo = fathom_image_load (p, &error);

        g_assert_no_error (error);
        g_assert_cmpint (photo->width, ==, 320);
        photos++;
      }
  g_assert_cmpuint (photos, ==, 3);
}

static GBytes *
gunzip (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) raw = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();

  g_assert_no_error (error);
  in = g_converter_input_stream_new (raw, G_CONVERTER (z));
  g_output_stream_splice (mem, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static void
test_submit (void)
{
  g_autofree char *run = path_in ("fcn");
  g_autofree char *out = path_in ("submission.csv.gz");
  g_autofree char *err = NULL, *text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) lines = NULL;
  const double lo = 0.1 / 7, hi = 0.9;

  if (!g_file_test (run, G_FILE_TEST_IS_DIR))
    train ("fcn", "64x128");
  g_assert_cmpint (run_cli (NULL, NULL, "submit", "--run", run, "--data", data_dir, "--clip", "0.9", "--out", out,
                            NULL), ==, 0);
  bytes = gunzip (out);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_strchomp (text);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "image,ALB,BET,DOL,LAG,NoF,OTHER,SHARK,YFT");
  g_assert_cmpuint (g_strv_length (lines), ==, 31);     /* the 30 test photos */
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", -1);

      g_assert_cmpuint (g_strv_length (f), ==, 9);
      g_assert_true (g_str_has_prefix (f[0], "img_") && g_str_has_suffix (f[0], ".jpg"));
      for (guint k = 1; k < 9; k++)
        {
          double p = g_ascii_strtod (f[k], NULL);
          g_assert_cmpfloat (p, >=, lo - 1e-6);
          g_assert_cmpfloat (p, <=, hi + 1e-6);
        }
    }

  /* a dataset without test photos, a run folder that is not one */
  g_assert_cmpint (run_cli (NULL, &err, "submit", "--run", work_dir, "--data", data_dir, "--out", out, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "is not a run folder"));

  /* to stdout: the CSV alone there, the command's own line on stderr
   * (/dev/fd/1 rather than /dev/stdout: a regression that replaced the
   * path by a file would fail there instead of breaking /dev/stdout) */
  {
    g_autofree char *o = NULL, *e = NULL;

    g_assert_cmpint (run_cli (&o, &e, "submit", "--run", run, "--data", data_dir, "--clip", "0.9", "--out",
                              "/dev/fd/1", NULL), ==, 0);
    g_assert_true (g_str_has_prefix (o, "image,ALB,BET,DOL,LAG,NoF,OTHER,SHARK,YFT\n"));
    g_assert_cmpstr (g_strchomp (o), ==, text);
    g_assert_nonnull (strstr (e, "Wrote the predictions of 30 test photos"));
  }
  /* through a link, which stays one; the extension in capitals is still gzip */
  {
    g_autofree char *link = path_in ("link.CSV.GZ");
    g_autofree char *target = path_in ("target.csv.gz");
    g_autoptr(GBytes) again = NULL;

    g_unlink (link);
    g_unlink (target);
    g_assert_cmpint (symlink (target, link), ==, 0);
    g_assert_cmpint (run_cli (NULL, NULL, "submit", "--run", run, "--data", data_dir, "--clip", "0.9", "--out", link,
                              NULL), ==, 0);
    g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
    again = gunzip (target);
    g_assert_cmpmem (g_bytes_get_data (again, NULL), g_bytes_get_size (again),
                     g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  }
}

/* Ctrl-C during training stops after the current batch: exit status 130
 * and a valid run folder marked "stopped". */
static void
test_interrupt (void)
{
  g_autofree char *run = path_in ("interrupted");
  g_autoptr(GError) error = NULL;
  g_autoptr(FathomRunInfo) info = NULL;
  g_autoptr(GIOChannel) err_channel = NULL;
  const char *argv[] = { cli, "train", "fcn", "--data", data_dir, "--run", run, "--cache", cache_dir,
                         "--size", "64x128", "--mini-epochs", "1", "--mini-corpus", "0", "--epochs", "500", "--batch", "8",
                         "--overwrite", NULL };
  GPid pid;
  int err_fd, status;
  gboolean training = FALSE;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                           NULL, NULL, &err_fd, &error));
  g_assert_no_error (error);
  /* progress lines come every 10 s without a terminal; the epoch lines
   * sooner: the first "train epoch" line means the head is training */
  err_channel = g_io_channel_unix_new (err_fd);
  g_io_channel_set_close_on_unref (err_channel, TRUE);
  while (!training)
    {
      g_autofree char *line = NULL;

      if (g_io_channel_read_line (err_channel, &line, NULL, NULL, NULL) != G_IO_STATUS_NORMAL)
        break;
      training = g_str_has_prefix (line, "train epoch") || g_str_has_prefix (line, "valid epoch");
    }
  g_assert_true (training);
  kill (pid, SIGINT);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 130);
  info = fathom_run_info_load (run, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fathom_run_info_get_status (info), ==, "stopped");
  g_assert_cmpuint (fathom_run_info_get_n_rows (info), >, 0);
}

/* Ctrl-C stops fishsim between photos with a word on what it left:
 * exit status 130 and no fishsim.json (the truth is written last). */
static void
test_fishsim_interrupt (void)
{
  g_autofree char *dir = path_in ("fishsim-stopped");
  g_autofree char *truth = g_build_filename (dir, "fishsim.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) err_channel = NULL;
  g_autoptr(GString) said = g_string_new (NULL);
  const char *argv[] = { cli, "fishsim", "--out", dir, "--images", "20000", "--threads", "1", NULL };
  GPid pid;
  int err_fd, status;
  char buf[256];
  gsize got;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                           NULL, NULL, &err_fd, &error));
  g_assert_no_error (error);
  /* the progress line has no newline: read until a photo is written */
  err_channel = g_io_channel_unix_new (err_fd);
  g_io_channel_set_close_on_unref (err_channel, TRUE);
  g_io_channel_set_encoding (err_channel, NULL, NULL);
  while (strstr (said->str, " photos (") == NULL &&
         g_io_channel_read_chars (err_channel, buf, sizeof buf, &got, NULL) == G_IO_STATUS_NORMAL)
    g_string_append_len (said, buf, (gssize) got);
  g_assert_nonnull (strstr (said->str, " photos ("));
  kill (pid, SIGINT);
  while (g_io_channel_read_chars (err_channel, buf, sizeof buf, &got, NULL) == G_IO_STATUS_NORMAL)
    g_string_append_len (said, buf, (gssize) got);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 130);
  g_assert_nonnull (strstr (said->str, "fishsim stopped: "));
  g_assert_false (g_file_test (truth, G_FILE_TEST_EXISTS));
  fathom_test_remove_tree (dir);
}

/* Lines of text holding needle. */
static guint
count_lines (const char *text, const char *needle)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += strstr (lines[i], needle) != NULL;
  return n;
}

/* inspect: the tables, and the problems of an annotation file written
 * for another set: the first ten of each kind and how many more, all of
 * them with --all and in --json. */
static void
test_inspect (void)
{
  g_autofree char *ann = path_in ("stray_labels.json");
  g_autofree char *out = NULL;
  g_autoptr(GString) json = g_string_new ("[");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  for (int i = 0; i < 13; i++)
    g_string_append_printf (json, "%s{\"filename\": \"nowhere-%02d.jpg\", \"class\": \"image\", "
                            "\"annotations\": [{\"class\": \"rect\", \"x\": 1, \"y\": 2, \"width\": 3, "
                            "\"height\": 4}]}", i ? ", " : "", i);
  g_string_append (json, "]");
  g_assert_true (g_file_set_contents (ann, json->str, -1, &error));

  g_assert_cmpint (run_cli (&out, NULL, "inspect", data_dir, "--annotations", ann, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Layout:      fisheries"));
  g_assert_nonnull (strstr (out, "Images:      150 (30 unlabelled)"));
  g_assert_nonnull (strstr (out, "Annotations: 13 entries, 13 problems"));
  g_assert_nonnull (strstr (out, "  unknown-image   13\n"));
  g_assert_cmpuint (count_lines (out, "matches no image of the dataset"), ==, 10);
  g_assert_nonnull (strstr (out, "… and 3 more unknown-image (--all lists them"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_cli (&out, NULL, "inspect", data_dir, "--annotations", ann, "--all", NULL), ==, 0);
  g_assert_cmpuint (count_lines (out, "matches no image of the dataset"), ==, 13);
  g_assert_null (strstr (out, "more unknown-image"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (run_cli (&out, NULL, "inspect", data_dir, "--annotations", ann, "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "annotation_problems")), ==, 13);
  g_assert_cmpint (g_unlink (ann), ==, 0);
  g_clear_pointer (&out, g_free);

  /* a JPEG cut short after its header: inspect decodes every photo and
   * names it; --quick reads the headers only and does not */
  {
    g_autofree char *cut_dir = path_in ("cut-data");
    g_autofree char *alb = g_build_filename (cut_dir, "train", "ALB", NULL);
    g_autofree char *good = g_build_filename (alb, "img_00001.jpg", NULL);
    g_autofree char *cut = g_build_filename (alb, "img_00002.jpg", NULL);
    g_autoptr(FathomImage) img = fathom_image_new (320, 240);
    g_autofree char *bytes = NULL;
    gsize len;

    for (int i = 0; i < 320 * 240 * 3; i++)
      img->pixels[i] = (guint8) (i * 13);
    g_assert_cmpint (g_mkdir_with_parents (alb, 0755), ==, 0);
    g_assert_true (fathom_image_save_jpeg (img, good, 90, &error));
    g_assert_true (g_file_get_contents (good, &bytes, &len, &error));
    g_assert_true (g_file_set_contents (cut, bytes, (gssize) (len * 2 / 3), &error));
    g_assert_cmpint (run_cli (&out, NULL, "inspect", cut_dir, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Problems: 1\n"));
    g_assert_nonnull (strstr (out, "img_00002.jpg"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (&out, NULL, "inspect", cut_dir, "--quick", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Problems: 0\n"));
  }
}

/* Relative --data and --run, as typed in a terminal: run.json names the
 * dataset by its absolute path, so that the app finds the photos from
 * any folder (it kept "data" and the app looked in its own folder). */
static void
test_relative_paths (void)
{
  g_autofree char *run = path_in ("relative-run");
  g_autofree char *file = g_build_filename (run, "run.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  g_assert_cmpint (run_cli_in (work_dir, NULL, NULL, "train", "leak-size-only", "--data", "data", "--run",
                               "relative-run", "--cache", "cache", "--epochs", "1", "--overwrite", NULL), ==, 0);
  g_assert_true (g_file_get_contents (file, &text, NULL, &error));
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (g_path_is_absolute (json_object_get_string_member (root, "dataset")));
  g_assert_cmpstr (json_object_get_string_member (root, "dataset"), ==, data_dir);
}

/* Each case, an option and its value, refused with exit status 2 and
 * the message given, before the run folder is made. */
static void
assert_refused (const char *command, const char *model, const char *input_option, const char *input,
                const char *run, const char *const (*cases)[3], gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *err = NULL;

      g_assert_cmpint (run_cli (NULL, &err, command, model, input_option, input, "--run", run, cases[i][0],
                                cases[i][1], NULL), ==, 2);
      g_assert_nonnull (strstr (err, cases[i][2]));
    }
  g_assert_false (g_file_test (run, G_FILE_TEST_EXISTS));
}

static void
test_bad_train (void)
{
  g_autofree char *run = path_in ("bad");
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (NULL, &err, "train", "tuna-net", "--data", data_dir, "--run", run, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "tuna-net"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "train", "fcn", "--data", "/nonexistent/fish", "--run", run, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/fish"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "train", "fcn", "--data", data_dir, "--run", run, "--size", "big", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "HEIGHTxWIDTH"));
  /* a 0 or NaN the user typed is refused, not taken for "the default" */
  {
    const char *const cases[][3] = {
      { "--epochs", "0", "--epochs must be at least 1" },
      { "--batch", "0", "--batch must be at least 1" },
      { "--mini-epochs", "0", "--mini-epochs must be at least 1" },
      { "--mini-corpus", "-2", "--mini-corpus must be from 0 (none) to 40000 photos" },
      { "--copies", "17", "--copies must be from 0 (none) to 16" },
      { "--lr", "0", "--lr must be a rate above 0" },
      { "--lr", "nan", "--lr must be a rate above 0" },
      { "--lr-later", "0", "--lr-later must be a rate above 0" },
      { "--valid-fraction", "0", "--valid-fraction must lie between 0 and 1" },
    };

    assert_refused ("train", "fcn", "--data", data_dir, run, cases, G_N_ELEMENTS (cases));
  }
}

/* An early stop is said, in the output and in run.json, and the
 * message survives the experiment's own finish. */
static void
test_early_stop (void)
{
  g_autofree char *run = path_in ("early");
  g_autofree char *out = NULL, *json = g_build_filename (run, "run.json", NULL), *text = NULL;

  g_assert_cmpint (run_cli (&out, NULL, "train", "leak-size-only", "--data", data_dir, "--run", run, "--patience",
                            "1", "--overwrite", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Stopped early after epoch "));
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"message\" : \"Stopped early after epoch "));
}

/* text-train and sample: the values they refuse, and what they say of a
 * finished run's missing epoch or a second resume. */
static void
test_bad_text (void)
{
  g_autofree char *corpus = path_in ("tiny-corpus.txt");
  g_autofree char *run = path_in ("tiny-rnn");
  g_autofree char *err = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  const char *const cases[][3] = {
    { "--lr", "0", "--lr must be a rate above 0" },
    { "--lr", "nan", "--lr must be a rate above 0" },
    { "--hidden", "0", "--hidden must be at least 1" },
    { "--valid-fraction", "1", "--valid-fraction must be at least 0 and below 1" },
  };

  for (int i = 0; i < 200; i++)
    g_string_append (text, "the sea, the boat, the fish. ");
  g_assert_true (g_file_set_contents (corpus, text->str, -1, NULL));
  g_assert_cmpint (run_cli (NULL, &err, "text-train", "lstm", "--corpus", corpus, "--run", run, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown model “lstm”"));
  assert_refused ("text-train", "rnn", "--corpus", corpus, run, cases, G_N_ELEMENTS (cases));

  g_assert_cmpint (run_cli (NULL, NULL, "text-train", "rnn", "--corpus", corpus, "--run", run, "--hidden", "8",
                            "--max-sequences", "128", NULL), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "sample", "--run", run, "-e", "3", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "has no checkpoint of epoch 3 (its last is epoch 1)"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "sample", "--run", run, "-t", "-1", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--temperature must be 0"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "text-train", "rnn", "--corpus", corpus, "--run", run, "--hidden", "8",
                            "--max-sequences", "128", "--resume", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "has finished: there is nothing to resume"));
}

/* bench: the JSON a script reads, and the options it refuses. */
static void
test_bench (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  JsonObject *root, *row;
  JsonArray *results;
  double median_ms;

  g_assert_cmpint (run_cli (&out, NULL, "bench", "--device", "cpu", "--workload", "fcn-step", "--batch", "2",
                            "--runs", "1", "--warmup", "0", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "framework"), ==, "fathom");
  g_assert_cmpstr (json_object_get_string_member (root, "device"), ==, "cpu");
  g_assert_false (json_object_get_boolean_member (root, "tf32"));
  results = json_object_get_array_member (root, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 1);
  row = json_array_get_object_element (results, 0);
  g_assert_cmpstr (json_object_get_string_member (row, "workload"), ==, "fcn-step");
  g_assert_cmpint (json_object_get_int_member (row, "batch"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (row, "input"), ==, "512x22x40");
  g_assert_cmpstr (json_object_get_string_member (row, "mode"), ==, "train-step");
  g_assert_cmpint (json_object_get_int_member (row, "runs"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (row, "unit"), ==, "samples/s");
  median_ms = json_object_get_double_member (row, "median_ms");
  g_assert_cmpfloat (median_ms, >, 0.0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (row, "throughput") * median_ms / 2e3, 1.0, 1e-9);
  g_assert_cmpfloat (json_object_get_double_member (row, "loss"), >, 0.0);

  g_assert_cmpint (run_cli (NULL, &err, "bench", "--device", "cpu", "--workload", "fcn-step", "--tf32", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "TF32"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "bench", "--workload", "tuna-step", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "tuna-step"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (NULL, &err, "bench", "--workload", "kernels", "--runs", "2", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "kernels"));
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  cli = g_getenv ("FATHOM_CLI");
  if (cli == NULL)
    g_error ("FATHOM_CLI must name the fathom-cli executable");
  work_dir = g_dir_make_tmp ("fathom-cli-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = path_in ("data");
  cache_dir = path_in ("cache");
  g_assert_cmpint (run_cli (NULL, NULL, "fishsim", "--out", data_dir, "--images", "120", "--scale", "0.15",
                            "--seed", "3", NULL), ==, 0);

  g_test_add_func ("/cli/features", test_features);
  g_test_add_func ("/cli/heatmap", test_heatmap);
  g_test_add_func ("/cli/heatmap-without-maps", test_heatmap_without_maps);
  g_test_add_func ("/cli/render", test_render);
  g_test_add_func ("/cli/submit", test_submit);
  g_test_add_func ("/cli/inspect", test_inspect);
  g_test_add_func ("/cli/relative-paths", test_relative_paths);
  g_test_add_func ("/cli/bad-train", test_bad_train);
  g_test_add_func ("/cli/bad-text", test_bad_text);
  g_test_add_func ("/cli/early-stop", test_early_stop);
  g_test_add_func ("/cli/interrupt", test_interrupt);
  g_test_add_func ("/cli/fishsim-interrupt", test_fishsim_interrupt);
  g_test_add_func ("/cli/bench", test_bench);
  status = g_test_run ();

  fathom_test_remove_tree (work_dir);
  g_free (data_dir);
  g_free (cache_dir);
  g_free (work_dir);
  return status;
}
