/* fathom-cli.c: the headless front end: fathom-cli COMMAND [OPTIONS]. */
#include <gio/gio.h>
#include <glib.h>
#include <glib-unix.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "fathom-backend-registry.h"
#include "fathom-cpu-backend.h"
#include "fathom-parity.h"
#include "fathom-heads.h"
#include "fathom-dataset.h"
#include "fathom-fishsim.h"
#include "fathom-cli-private.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct {
  const char  *name;
  const char  *summary;
  CommandFunc  func;
} Command;

static int
cmd_summary (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("EXPERIMENT — print a model's layers and parameter count");
  g_autoptr(FathomBackend) backend = NULL;
  g_autoptr(FathomGraph) graph = NULL;
  g_autofree char *table = NULL;
  g_autofree char *known = g_strjoinv (", ", (char **) fathom_head_list ());
  g_autofree char *desc = g_strdup_printf ("Experiments: %s", known);
  GError *error = NULL;

  g_option_context_set_description (context, desc);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("Usage: fathom-cli summary EXPERIMENT\n%s\n", desc);
      return 2;
    }
  graph = fathom_head_new (argv[1], NULL, &error);
  if (graph == NULL)
    return fathom_cli_fail (error);
  /* Parameters exist once built; the reference backend allocates only. */
  backend = fathom_cpu_backend_new (FATHOM_CPU_PATH_REFERENCE, 1);
  if (!fathom_graph_build (graph, backend, 0, &error))
    return fathom_cli_fail (error);
  table = fathom_graph_summary (graph);
  g_print ("Model: %s — %s\n%s", argv[1], fathom_head_describe (argv[1]), table);
  return 0;
}

static int
cmd_devices (int argc, char **argv)
{
  const char *names[] = { "cpu", "cpu-reference", "cuda" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *reason = NULL;
      gboolean ok = fathom_backend_is_available (names[i], &reason);

      g_print ("%-14s %s%s\n", names[i], ok ? "available" : "unavailable: ", ok ? "" : reason);
      /* what a backend of this device would convolve with; only the GPU
       * is made for it (that is what loads cuDNN) */
      if (ok && g_str_equal (names[i], "cuda"))
        {
          g_autoptr(FathomBackend) backend = NULL;
          g_autoptr(GError) error = NULL;
          g_autofree char *name = NULL, *conv = NULL;

          if ((backend = fathom_backend_new_by_name (names[i], &error)) == NULL)
            {
              g_print ("%-14s   %s\n", "", error->message);
              continue;
            }
          name = fathom_backend_describe_device (backend);
          conv = fathom_backend_describe_conv (backend);
          g_print ("%-14s   %s\n%-14s   convolutions: %s\n", "", name, "", conv);
        }
    }
  return 0;
}

/* ---- inspect: what a dataset folder holds, and what is wrong with it ---- */

typedef struct {
  guint train, valid, test;
  guint *by_class;              /* n_classes + 1: the last is unlabelled */
} SizeRow;

static void
size_row_free (gpointer data)
{
  SizeRow *row = data;

  g_free (row->by_class);
  g_free (row);
}

/* One row per distinct size (in list_sizes order), counted per split and
 * per class: sizes that follow classes are the leak the lesson exploits. */
static GPtrArray *
inspect_size_rows (FathomDataset *ds, GArray *sizes)
{
  guint n_classes = fathom_dataset_get_n_classes (ds);
  GPtrArray *rows = g_ptr_array_new_with_free_func (size_row_free);

  for (guint g = 0; g < sizes->len; g++)
    {
      SizeRow *row = g_new0 (SizeRow, 1);

      row->by_class = g_new0 (guint, n_classes + 1);
      g_ptr_array_add (rows, row);
    }
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (ds, i);

      for (guint g = 0; g < sizes->len; g++)
        {
          const FathomImageSize *s = &g_array_index (sizes, FathomImageSize, g);
          SizeRow *row = g_ptr_array_index (rows, g);

          if (s->width != item->width || s->height != item->height)
            continue;
          row->train += item->split == FATHOM_SPLIT_TRAIN;
          row->valid += item->split == FATHOM_SPLIT_VALID;
          row->test += item->split == FATHOM_SPLIT_TEST;
          row->by_class[item->class_index >= 0 ? (guint) item->class_index : n_classes]++;
          break;
        }
    }
  return rows;
}

/* Images of a class with a box, and with head/tail points. */
static void
inspect_coverage (FathomDataset *ds, int class_index, guint *with_box, guint *with_points)
{
  *with_box = *with_points = 0;
  for (guint i = 0; i < fathom_dataset_get_n_items (ds); i++)
    {
      const FathomDatasetItem *item = fathom_dataset_get_item (ds, i);

      if (item->class_index != class_index)
        continue;
      *with_box += item->has_box;
      *with_points += item->annotation != NULL && item->annotation->points->len > 0;
    }
}

static void
inspect_print_json (FathomDataset *ds, GArray *sizes, GPtrArray *rows,
                    const char *split_name, double fraction, guint64 seed)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  FathomAnnotations *ann = fathom_dataset_get_annotations (ds);
  guint n_classes = fathom_dataset_get_n_classes (ds);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "root");
  json_builder_add_string_value (b, fathom_dataset_get_root (ds));
  json_builder_set_member_name (b, "layout");
  json_builder_add_string_value (b, fathom_dataset_layout_to_string (fathom_dataset_get_layout (ds)));
  json_builder_set_member_name (b, "split");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, fathom_dataset_has_valid_folder (ds) ? "valid-folder"
                                 : n_classes == 0 ? "none" : split_name);
  json_builder_set_member_name (b, "valid_fraction");
  json_builder_add_double_value (b, fraction);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) seed);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "fingerprint");
  json_builder_add_string_value (b, fathom_dataset_get_fingerprint (ds));
  json_builder_set_member_name (b, "images");
  json_builder_add_int_value (b, fathom_dataset_get_n_items (ds));
  json_builder_set_member_name (b, "test_images");
  json_builder_add_int_value (b, fathom_dataset_count (ds, FATHOM_SPLIT_TEST, -1));

  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint c = 0; c < n_classes; c++)
    {
      guint with_box, with_points;

      inspect_coverage (ds, (int) c, &with_box, &with_points);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, fathom_dataset_get_class_name (ds, c));
      json_builder_set_member_name (b, "train");
      json_builder_add_int_value (b, fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, (int) c));
      json_builder_set_member_name (b, "valid");
      json_builder_add_int_value (b, fathom_dataset_count (ds, FATHOM_SPLIT_VALID, (int) c));
      json_builder_set_member_name (b, "with_box");
      json_builder_add_int_value (b, with_box);
      json_builder_set_member_name (b, "with_points");
      json_builder_add_int_value (b, with_points);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  /* by_class follows "classes"; unlabelled images are counted apart */
  json_builder_set_member_name (b, "sizes");
  json_builder_begin_array (b);
  for (guint g = 0; g < sizes->len; g++)
    {
      const FathomImageSize *s = &g_array_index (sizes, FathomImageSize, g);
      const SizeRow *row = g_ptr_array_index (rows, g);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "width");
      json_builder_add_int_value (b, s->width);
      json_builder_set_member_name (b, "height");
      json_builder_add_int_value (b, s->height);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, s->count);
      json_builder_set_member_name (b, "train");
      json_builder_add_int_value (b, row->train);
      json_builder_set_member_name (b, "valid");
      json_builder_add_int_value (b, row->valid);
      json_builder_set_member_name (b, "test");
      json_builder_add_int_value (b, row->test);
      json_builder_set_member_name (b, "by_class");
      json_builder_begin_array (b);
      for (guint c = 0; c < n_classes; c++)
        json_builder_add_int_value (b, row->by_class[c]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "unlabelled");
      json_builder_add_int_value (b, row->by_class[n_classes]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < fathom_dataset_get_n_problems (ds); i++)
    {
      const FathomDatasetProblem *p = fathom_dataset_get_problem (ds, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, p->path);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, p->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "annotation_problems");
  json_builder_begin_array (b);
  for (guint i = 0; ann != NULL && i < fathom_annotations_get_n_problems (ann); i++)
    {
      const FathomAnnotationProblem *p = fathom_annotations_get_problem (ann, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, fathom_annotation_problem_kind_to_string (p->kind));
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, p->source);
      json_builder_set_member_name (b, "entry");
      json_builder_add_int_value (b, p->entry);
      json_builder_set_member_name (b, "filename");
      if (p->filename != NULL)
        json_builder_add_string_value (b, p->filename);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, p->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

/* Problems of a kind the text lists without --all. */
#define INSPECT_LISTED 10

static void
inspect_print_text (FathomDataset *ds, GArray *sizes, GPtrArray *rows,
                    const char *split_name, double fraction, guint64 seed, gboolean all)
{
  FathomAnnotations *ann = fathom_dataset_get_annotations (ds);
  guint n_classes = fathom_dataset_get_n_classes (ds);
  guint n_test = fathom_dataset_count (ds, FATHOM_SPLIT_TEST, -1);
  guint n_ann_problems = ann != NULL ? fathom_annotations_get_n_problems (ann) : 0;

  g_print ("Dataset:     %s\n", fathom_dataset_get_root (ds));
  g_print ("Layout:      %s\n", fathom_dataset_layout_to_string (fathom_dataset_get_layout (ds)));
  if (fathom_dataset_has_valid_folder (ds))
    g_print ("Validation:  the valid/ folder\n");
  else if (n_classes > 0)
    g_print ("Validation:  %s split, fraction %.4f, seed %" G_GUINT64_FORMAT "\n",
             split_name, fraction, seed);
  g_print ("Fingerprint: %s\n", fathom_dataset_get_fingerprint (ds));
  g_print ("Images:      %u (%u unlabelled)\n\n", fathom_dataset_get_n_items (ds), n_test);

  if (n_classes > 0)
    {
      g_print ("%-12s %7s %7s %7s %7s %7s\n", "class", "train", "valid", "total", "box", "points");
      for (guint c = 0; c < n_classes; c++)
        {
          guint tr = fathom_dataset_count (ds, FATHOM_SPLIT_TRAIN, (int) c);
          guint va = fathom_dataset_count (ds, FATHOM_SPLIT_VALID, (int) c);
          guint with_box, with_points;

          inspect_coverage (ds, (int) c, &with_box, &with_points);
          g_print ("%-12s %7u %7u %7u %7u %7u\n", fathom_dataset_get_class_name (ds, c),
                   tr, va, tr + va, with_box, with_points);
        }
      g_print ("\n");
    }

  /* the size-by-class table: one row per boat */
  g_print ("%-11s %6s %6s %6s %6s", "size", "count", "train", "valid", "test");
  for (guint c = 0; c < n_classes; c++)
    g_print (" %6.6s", fathom_dataset_get_class_name (ds, c));
  g_print ("\n");
  for (guint g = 0; g < sizes->len; g++)
    {
      const FathomImageSize *s = &g_array_index (sizes, FathomImageSize, g);
      const SizeRow *row = g_ptr_array_index (rows, g);
      g_autofree char *wh = g_strdup_printf ("%dx%d", s->width, s->height);

      g_print ("%-11s %6u %6u %6u %6u", wh, s->count, row->train, row->valid, row->test);
      for (guint c = 0; c < n_classes; c++)
        g_print (" %6u", row->by_class[c]);
      g_print ("\n");
    }

  g_print ("\nProblems: %u\n", fathom_dataset_get_n_problems (ds));
  for (guint i = 0; i < fathom_dataset_get_n_problems (ds); i++)
    if (all || i < INSPECT_LISTED)
      g_print ("  %s\n", fathom_dataset_get_problem (ds, i)->message);
  if (!all && fathom_dataset_get_n_problems (ds) > INSPECT_LISTED)
    g_print ("  … and %u more (--all lists them, as --json does)\n",
             fathom_dataset_get_n_problems (ds) - INSPECT_LISTED);
  if (ann != NULL)
    {
      guint listed[FATHOM_ANNOTATION_N_PROBLEM_KINDS] = { 0 };

      g_print ("\nAnnotations: %u entries, %u problems\n",
               fathom_annotations_get_n_entries (ann), n_ann_problems);
      for (guint k = 0; k < FATHOM_ANNOTATION_N_PROBLEM_KINDS; k++)
        if (fathom_annotations_count_problems (ann, k) > 0)
          g_print ("  %-15s %u\n", fathom_annotation_problem_kind_to_string (k),
                   fathom_annotations_count_problems (ann, k));
      /* the first few of each kind: a folder of another set's files
       * would otherwise list thousands of unknown images */
      for (guint i = 0; i < n_ann_problems; i++)
        {
          const FathomAnnotationProblem *p = fathom_annotations_get_problem (ann, i);

          if (all || listed[p->kind]++ < INSPECT_LISTED)
            g_print ("  %s\n", p->message);
        }
      for (guint k = 0; k < FATHOM_ANNOTATION_N_PROBLEM_KINDS && !all; k++)
        if (listed[k] > INSPECT_LISTED)
          g_print ("  … and %u more %s (--all lists them, as --json does)\n", listed[k] - INSPECT_LISTED,
                   fathom_annotation_problem_kind_to_string (k));
    }
  else if (n_classes > 0)
    g_print ("\nAnnotations: none\n");
}

static int
cmd_inspect (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("DIR — describe a dataset folder and list its problems");
  g_autoptr(FathomDataset) ds = NULL;
  g_autoptr(GArray) sizes = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *split = NULL;
  g_autofree char *annotations = NULL;
  gboolean json = FALSE, all = FALSE, quick = FALSE;
  gint64 seed = 0;
  double fraction = 500.0 / 3777.0;
  FathomDatasetOptions opts;
  GError *error = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, "List every problem (without it, the first 10 of each kind)", NULL },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick,
      "Read only the photos' headers (without it, every photo is decoded, so truncated ones show)", NULL },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split,
      "Validation split without a valid/ folder: random (default), stratified, by-size", "MODE" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the split (default 0)", "S" },
    { "valid-fraction", 0, 0, G_OPTION_ARG_DOUBLE, &fraction,
      "Validation fraction (default 500/3777, the course's)", "F" },
    { "annotations", 0, 0, G_OPTION_ARG_FILENAME, &annotations,
      "Sloth file or folder (default DIR/annotations/)", "PATH" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("Usage: fathom-cli inspect DIR [--json] [--all] [--quick] [--split random|stratified|by-size]\n"
                  "       [--seed S] [--valid-fraction F] [--annotations PATH]\n");
      return 2;
    }
  fathom_dataset_options_init (&opts);
  if (split == NULL || g_str_equal (split, "random"))
    opts.mode = FATHOM_SPLIT_MODE_RANDOM;
  else if (g_str_equal (split, "stratified"))
    opts.mode = FATHOM_SPLIT_MODE_STRATIFIED;
  else if (g_str_equal (split, "by-size"))
    opts.mode = FATHOM_SPLIT_MODE_BY_SIZE;
  else
    {
      g_printerr ("fathom-cli: unknown split “%s” (random, stratified or by-size)\n", split);
      return 2;
    }
  if (seed < 0)
    {
      g_printerr ("fathom-cli: the seed must not be negative\n");
      return 2;
    }
  opts.seed = (guint64) seed;
  opts.valid_fraction = fraction;
  opts.annotations = annotations;
  opts.decode = !quick;

  ds = fathom_dataset_load (argv[1], &opts, &error);
  if (ds == NULL)
    return fathom_cli_fail (error);
  sizes = fathom_dataset_list_sizes (ds, FATHOM_SPLIT_ANY);
  rows = inspect_size_rows (ds, sizes);
  if (json)
    inspect_print_json (ds, sizes, rows, split != NULL ? split : "random", fraction, opts.seed);
  else
    inspect_print_text (ds, sizes, rows, split != NULL ? split : "random", fraction, opts.seed, all);
  return 0;
}

/* One line, redrawn at each whole percent. */
static void
fishsim_progress (guint done, guint total, gpointer user_data)
{
  guint *shown = user_data;
  guint percent = (guint) (100 * (guint64) done / MAX (total, 1));

  if (percent == *shown && done != total)
    return;
  *shown = percent;
  g_printerr ("\rfishsim: %u/%u photos (%u%%)", done, total, percent);
}

typedef struct {
  char *size;
  guint count;
} SizeCount;

static int
size_count_cmp (gconstpointer a, gconstpointer b)
{
  const SizeCount *x = a, *y = b;

  return x->count != y->count ? (x->count > y->count ? -1 : 1) : g_strcmp0 (x->size, y->size);
}

/* Counts the training photos per class and per size from the truth file. */
static gboolean
fishsim_summary (const char *dir, double seconds, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "fishsim.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) classes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) by_size = g_array_new (FALSE, FALSE, sizeof (SizeCount));
  JsonObject *root;
  JsonArray *images, *names;
  guint n_train = 0, n_test = 0;
  GHashTableIter iter;
  gpointer key, value;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  root = json_node_get_object (json_parser_get_root (parser));
  images = json_object_get_array_member (root, "images");
  names = json_object_get_array_member (root, "classes");
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *img = json_array_get_object_element (images, i);
      char *size;

      if (g_strcmp0 (json_object_get_string_member (img, "split"), "train") != 0)
        {
          n_test++;
          continue;
        }
      n_train++;
      key = (gpointer) json_object_get_string_member (img, "class");
      g_hash_table_insert (classes, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (classes, key)) + 1));
      size = g_strdup_printf ("%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
                              json_object_get_int_member (img, "width"), json_object_get_int_member (img, "height"));
      value = g_hash_table_lookup (sizes, size);
      g_hash_table_replace (sizes, size, GUINT_TO_POINTER (GPOINTER_TO_UINT (value) + 1));
    }

  g_print ("Wrote %u training and %u test photos to %s in %.1f s\n", n_train, n_test, dir, seconds);
  g_print ("Training photos per class:");
  for (guint c = 0; c < json_array_get_length (names); c++)
    {
      const char *name = json_array_get_string_element (names, c);

      g_print (" %s %u", name, GPOINTER_TO_UINT (g_hash_table_lookup (classes, name)));
    }
  g_print ("\nTraining photos per size:");
  g_hash_table_iter_init (&iter, sizes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_array_append_val (by_size, ((SizeCount) { key, GPOINTER_TO_UINT (value) }));
  g_array_sort (by_size, size_count_cmp);
  for (guint i = 0; i < by_size->len; i++)
    g_print (" %s %u", g_array_index (by_size, SizeCount, i).size, g_array_index (by_size, SizeCount, i).count);
  g_print ("\n");
  return TRUE;
}

typedef struct {
  const FathomFishsimOptions *opts;
  guint                      *shown;
} FishsimJob;

/* fishsim in the worker, so that Ctrl-C stops it between photos */
static gboolean
fishsim_work (gpointer data, GCancellable *cancellable, GError **error)
{
  FishsimJob *job = data;

  return fathom_fishsim_generate (job->opts, fishsim_progress, job->shown, cancellable, error);
}

static int
cmd_fishsim (int argc, char **argv)
{
  FishsimJob job;
  FathomFishsimOptions opts;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *out = NULL;
  g_autofree char *summary = NULL;
  gint64 seed, start;
  int images, threads = 0;
  guint shown = G_MAXUINT;
  GError *error = NULL;

  fathom_fishsim_options_init (&opts);
  seed = (gint64) opts.seed;
  images = (int) opts.n_images;
  {
    GOptionEntry entries[] = {
      { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Folder to write (new, empty, or an earlier fishsim set)", "DIR" },
      { "images", 'n', 0, G_OPTION_ARG_INT, &images, "Training photos (test_stg1 gets a quarter more)", "N" },
      { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Random seed", "S" },
      { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &opts.scale, "Multiplies the real camera sizes (1280x720 ...)", "F" },
      { "quality", 'q', 0, G_OPTION_ARG_INT, &opts.quality, "JPEG quality, 1-100", "Q" },
      { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "Worker threads (0: one per processor)", "T" },
      { NULL }
    };

    summary = g_strdup_printf ("Writes the Kaggle fisheries layout with synthetic photos. Defaults: "
                               "%u images, seed %" G_GUINT64_FORMAT ", scale %g, quality %d.",
                               opts.n_images, opts.seed, opts.scale, opts.quality);
    context = g_option_context_new ("— generate the built-in synthetic fisheries dataset");
    g_option_context_set_summary (context, summary);
    g_option_context_add_main_entries (context, entries, NULL);
    if (!fathom_cli_parse (context, &argc, &argv))
      return 2;
  }
  if (out == NULL || argc != 1)
    {
      g_printerr ("Usage: fathom-cli fishsim --out DIR [--images N] [--seed S] [--scale F] [--quality Q]\n");
      return 2;
    }
  if (images < 1 || images > FATHOM_FISHSIM_MAX_IMAGES || seed < 0 || threads < 0)
    {
      g_printerr ("fathom-cli: --images must lie between 1 and %d, and --seed and --threads must not be negative\n",
                  FATHOM_FISHSIM_MAX_IMAGES);
      return 2;
    }
  opts.out_dir = out;
  opts.n_images = (guint) images;
  opts.seed = (guint64) seed;
  opts.n_threads = (guint) threads;

  start = g_get_monotonic_time ();
  job = (FishsimJob) { &opts, &shown };
  if (!fathom_cli_run_in_worker (fishsim_work, &job, &error))
    {
      g_printerr ("\n");
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr ("fishsim stopped: %s holds part of a dataset and no fishsim.json; "
                      "the same command again starts it over\n", out);
          g_error_free (error);
          return 130;
        }
      return fathom_cli_fail (error);
    }
  g_printerr ("\n");
  if (!fishsim_summary (out, (g_get_monotonic_time () - start) / 1e6, &error))
    return fathom_cli_fail (error);
  return 0;
}

/* ---- check: every op of a device against the CPU reference ---- */

/* The training smoke test on both backends, step by step. */
static gboolean
check_train (FathomBackend *backend, FathomBackend *reference)
{
  float got[FATHOM_PARITY_TRAIN_STEPS], want[FATHOM_PARITY_TRAIN_STEPS];
  const char *name = fathom_backend_get_name (backend);
  GError *error = NULL;
  gboolean ok = TRUE;

  g_print ("\nTraining smoke test: conv 3x3, batch norm, relu, max pool, dense, softmax "
           "cross-entropy, Adam; %d steps on one batch\n\n", FATHOM_PARITY_TRAIN_STEPS);
  if (!fathom_parity_train (backend, FATHOM_PARITY_TRAIN_STEPS, got, &error) ||
      !fathom_parity_train (reference, FATHOM_PARITY_TRAIN_STEPS, want, &error))
    {
      g_print ("training failed: %s\n", error->message);
      g_error_free (error);
      return FALSE;
    }
  g_print ("%4s %14s %14s %12s %12s %s\n", "step", name, fathom_backend_get_name (reference),
           "abs diff", "tolerance", "ok");
  for (guint i = 0; i < FATHOM_PARITY_TRAIN_STEPS; i++)
    {
      double diff = fabs ((double) got[i] - want[i]);
      double tol = FATHOM_PARITY_TRAIN_ATOL + FATHOM_PARITY_TRAIN_RTOL * fabs (want[i]);
      gboolean step_ok = diff <= tol;

      ok = ok && step_ok;
      g_print ("%4u %14.6f %14.6f %12.3e %12.3e %s\n", i, (double) got[i], (double) want[i],
               diff, tol, step_ok ? "ok" : "FAIL");
    }
  return ok;
}

static int
cmd_check (int argc, char **argv)
{
  g_autofree char *device = NULL;
  g_autofree char *ops = NULL;
  gboolean no_train = FALSE;
  GOptionEntry entries[] = {
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device, "Device to check (default cuda)", "DEVICE" },
    { "ops", 0, 0, G_OPTION_ARG_STRING, &ops, "Only these ops, comma separated (conv2d,gru,...)", "LIST" },
    { "no-train", 0, 0, G_OPTION_ARG_NONE, &no_train, "Skip the training smoke test", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— compare every op of a device with the CPU reference");
  g_autoptr(FathomBackend) backend = NULL;
  g_autoptr(FathomBackend) reference = NULL;
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *table = NULL;
  guint failed = 0;
  gboolean train_ok = TRUE;
  GError *error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!fathom_cli_parse (context, &argc, &argv))
    return 2;
  if (device == NULL)
    device = g_strdup ("cuda");
  if (!fathom_backend_is_available (device, &reason))
    {
      g_printerr ("fathom-cli: %s is unavailable: %s\n", device, reason);
      return 1;
    }
  backend = fathom_backend_new_by_name (device, &error);
  if (backend == NULL)
    return fathom_cli_fail (error);
  reference = fathom_backend_new_by_name ("cpu-reference", NULL);

  {
    g_autofree char *conv = fathom_backend_describe_conv (backend);

    /* the parity cases run conv2d on each path the backend has; the
     * training smoke test runs on this one */
    g_print ("%s convolutions: %s (conv path %s)\n", device, conv,
             fathom_conv_path_to_string (fathom_backend_get_conv_path (backend)));
  }
  results = fathom_parity_run (backend, reference, ops);
  if (results->len == 0)
    {
      g_printerr ("fathom-cli: no op is called “%s”\n", ops);
      return 2;
    }
  table = fathom_parity_format (results);
  g_print ("Parity of %s against %s: every output element within atol + rtol |ref|\n\n%s",
           device, fathom_backend_get_name (reference), table);
  for (guint i = 0; i < results->len; i++)
    failed += !((FathomParityResult *) g_ptr_array_index (results, i))->ok;
  if (!no_train)
    train_ok = check_train (backend, reference);

  g_print ("\n%u of %u op checks passed%s\n", results->len - failed, results->len,
           no_train ? "" : train_ok ? "; training agrees" : "; training DISAGREES");
  return failed == 0 && train_ok ? 0 : 1;
}

static const Command commands[] = {
  { "bench", "Time the lesson's workloads (VGG16, FCN step, GRU step, ResNet50) or the CPU kernels", fathom_cli_bench },
  { "summary", "Print a lesson model's layers and parameter count", cmd_summary },
  { "devices", "List the compute devices and whether they can be used", cmd_devices },
  { "check", "Compare every op of a device (cuda) with the CPU reference", cmd_check },
  { "inspect", "Describe a dataset folder: classes, sizes, annotations, problems", cmd_inspect },
  { "fishsim", "Generate the built-in synthetic fisheries dataset (no download)", cmd_fishsim },
  { "text-train", "Train the lesson's character models (rnn-scratch, rnn, gru) on a text", fathom_cli_text_train },
  { "sample", "Generate text from a text-train run folder", fathom_cli_sample },
  { "features", "Precompute a backbone's conv features of a dataset (safetensors)", fathom_cli_features },
  { "train", "Train a lesson experiment (dense-head, multi-input, bbox, fcn, ...) into a run folder", fathom_cli_train },
  { "leakage", "Size-only, image and multi-input models on a random and a size-grouped split", fathom_cli_leakage },
  { "heatmap", "Draw a class map of an fcn, allconv or inception run over a photo", fathom_cli_heatmap },
  { "render", "Draw a run's validation photos with true and predicted boxes, and its loss curves", fathom_cli_render },
  { "submit", "Write a Kaggle submission (.csv.gz) of a run's test predictions", fathom_cli_submit },
};

static void
usage (FILE *to)
{
  fprintf (to, "Usage: fathom-cli COMMAND [OPTIONS]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (to, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (to, "\nRun fathom-cli COMMAND --help for a command's options.\n");
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "");
  /* Log messages (G_MESSAGES_DEBUG=all) on stderr, never into the data a
   * command prints on stdout (bench --json, check's table). */
  g_log_writer_default_set_use_stderr (TRUE);
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("fathom-cli %s\n", FATHOM_VERSION);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].func (argc - 1, argv + 1);
  g_printerr ("fathom-cli: unknown command “%s”\n\n", argv[1]);
  usage (stderr);
  return 2;
}
