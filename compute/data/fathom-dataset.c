/* fathom-dataset.c: finding images on disk, their sizes and boxes (splits,
 * sizes and the fingerprint are in fathom-dataset-split.c). */
#include "fathom-dataset-private.h"
#include "fathom-quark.h"

#include <string.h>

#include <glib/gstdio.h>

#include "fathom-image.h"
#include "fathom-worker-pool.h"

FATHOM_DEFINE_QUARK (fathom-dataset-error-quark, fathom_dataset_error)

static const char *const fisheries_classes[] = {
  "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT",
};

/* A file found while listing, before its header is read. */
typedef struct {
  char       *rel;
  char       *abs;
  int         class_index;
  FathomSplit split;
  int         width;
  int         height;
  guint64     file_size;
  char       *error;            /* set by the reader when it failed */
} Candidate;

/* The candidates' headers (and with decode, their whole pixels), read in
 * chunks of `per` on a worker pool. */
typedef struct {
  Candidate *c;
  guint      n;
  guint      per;
  gboolean   decode;
} SizeJob;

void
fathom_dataset_options_init (FathomDatasetOptions *options)
{
  memset (options, 0, sizeof *options);
  options->mode = FATHOM_SPLIT_MODE_RANDOM;
  options->valid_fraction = 500.0 / 3777.0;     /* what the course moved */
}

static void
item_clear (gpointer data)
{
  FathomDatasetItem *item = data;

  g_free (item->path);
}

static void
problem_free (gpointer data)
{
  FathomDatasetProblem *p = data;

  g_free (p->path);
  g_free (p->message);
  g_free (p);
}

static void
candidate_clear (gpointer data)
{
  Candidate *c = data;

  g_free (c->rel);
  g_free (c->abs);
  g_free (c->error);
}

void
fathom_dataset_free (FathomDataset *self)
{
  if (self == NULL)
    return;
  g_free (self->root);
  g_ptr_array_unref (self->classes);
  g_array_unref (self->items);
  g_ptr_array_unref (self->problems);
  g_clear_pointer (&self->train_sizes, g_array_unref);
  g_free (self->fingerprint);
  fathom_annotations_free (self->annotations);
  g_free (self);
}

static void
add_problem (FathomDataset *self, const char *rel, const char *message)
{
  FathomDatasetProblem *p = g_new0 (FathomDatasetProblem, 1);
  g_autofree char *base = g_path_get_basename (rel);

  p->path = g_strdup (rel);
  /* the image module's messages name the file; others get the path added */
  if (strstr (message, base) != NULL)
    p->message = g_strdup (message);
  else
    p->message = g_strdup_printf ("%s: %s", rel, message);
  g_ptr_array_add (self->problems, p);
}

static gboolean
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL && (g_ascii_strcasecmp (dot, ".jpg") == 0 ||
                         g_ascii_strcasecmp (dot, ".jpeg") == 0 ||
                         g_ascii_strcasecmp (dot, ".png") == 0);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Sorted names in dir; dirs_only picks folders, otherwise regular files
 * (and links to them). */
static GPtrArray *
list_names (const char *dir, gboolean dirs_only, GError **error)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GError) local = NULL;
  GPtrArray *names;
  const char *name;

  d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_IO,
                   "Cannot list “%s”: %s", dir, local->message);
      return NULL;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;

      /* hidden: a notebook's .ipynb_checkpoints is no class, and macOS's
       * ._img_00001.jpg beside a photo is no photo */
      if (name[0] == '.')
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, dirs_only ? G_FILE_TEST_IS_DIR : G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static void
add_candidate (GArray *out, const char *root, const char *rel, int class_index, FathomSplit split)
{
  Candidate c = { 0 };

  c.rel = g_strdup (rel);
  c.abs = g_build_filename (root, rel, NULL);
  c.class_index = class_index;
  c.split = split;
  g_array_append_val (out, c);
}

/* The image files directly in root/rel. */
static gboolean
collect_files (GArray *out, const char *root, const char *rel, int class_index,
               FathomSplit split, GError **error)
{
  g_autofree char *dir = g_build_filename (root, rel, NULL);
  g_autoptr(GPtrArray) names = list_names (dir, FALSE, error);

  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    if (is_image_name (g_ptr_array_index (names, i)))
      {
        g_autofree char *path = g_strconcat (rel, "/", g_ptr_array_index (names, i), NULL);

        add_candidate (out, root, path, class_index, split);
      }
  return TRUE;
}

static int
class_lookup (FathomDataset *self, const char *name)
{
  for (guint i = 0; i < self->classes->len; i++)
    if (strcmp (g_ptr_array_index (self->classes, i), name) == 0)
      return (int) i;
  return -1;
}

/* train/ or valid/: one folder per class; stray images are problems. */
static gboolean
collect_labelled (FathomDataset *self, GArray *out, const char *sub, FathomSplit split,
                  GError **error)
{
  g_autofree char *dir = g_build_filename (self->root, sub, NULL);
  g_autoptr(GPtrArray) folders = list_names (dir, TRUE, error);
  g_autoptr(GPtrArray) files = NULL;

  if (folders == NULL)
    return FALSE;
  files = list_names (dir, FALSE, error);
  if (files == NULL)
    return FALSE;
  for (guint i = 0; i < files->len; i++)
    if (is_image_name (g_ptr_array_index (files, i)))
      {
        g_autofree char *rel = g_strconcat (sub, "/", g_ptr_array_index (files, i), NULL);

        add_problem (self, rel, "an image outside any class folder, skipped");
      }
  for (guint i = 0; i < folders->len; i++)
    {
      const char *name = g_ptr_array_index (folders, i);
      g_autofree char *rel = g_strconcat (sub, "/", name, NULL);
      int class_index = class_lookup (self, name);

      if (class_index < 0)
        {
          add_problem (self, rel, "a class folder that train/ does not have, skipped");
          continue;
        }
      if (!collect_files (out, self->root, rel, class_index, split, error))
        return FALSE;
    }
  return TRUE;
}

/* test folders: flat, or one level of folders (Keras wants test/unknown/). */
static gboolean
collect_unlabelled (FathomDataset *self, GArray *out, const char *sub, GError **error)
{
  g_autofree char *dir = g_build_filename (self->root, sub, NULL);
  g_autoptr(GPtrArray) folders = NULL;

  if (!collect_files (out, self->root, sub, -1, FATHOM_SPLIT_TEST, error))
    return FALSE;
  folders = list_names (dir, TRUE, error);
  if (folders == NULL)
    return FALSE;
  for (guint i = 0; i < folders->len; i++)
    {
      g_autofree char *rel = g_strconcat (sub, "/", g_ptr_array_index (folders, i), NULL);

      if (!collect_files (out, self->root, rel, -1, FATHOM_SPLIT_TEST, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_dir (const char *root, const char *sub)
{
  g_autofree char *path = g_build_filename (root, sub, NULL);

  return g_file_test (path, G_FILE_TEST_IS_DIR);
}

/* Kaggle's test_stg1/ and an ImageNet-style test/, whatever train/ holds
 * or without a train/ at all (a submission needs only them). */
static gboolean
collect_test_folders (FathomDataset *self, GArray *out, GError **error)
{
  const char *folders[] = { "test_stg1", "test" };

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    if (is_dir (self->root, folders[i]) && !collect_unlabelled (self, out, folders[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
detect_and_collect (FathomDataset *self, GArray *out, GError **error)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autofree char *train = g_build_filename (self->root, "train", NULL);
  guint first_valid;

  if (!is_dir (self->root, "train"))
    {
      self->layout = FATHOM_DATASET_UNLABELLED;
      if (!collect_files (out, self->root, ".", -1, FATHOM_SPLIT_TEST, error))
        return FALSE;
      /* "./x.jpg" would make paths differ from the other layouts' style */
      for (guint i = 0; i < out->len; i++)
        {
          Candidate *c = &g_array_index (out, Candidate, i);
          char *rel = g_strdup (c->rel + 2);

          g_free (c->rel);
          c->rel = rel;
        }
      if (!collect_test_folders (self, out, error))
        return FALSE;
      if (out->len == 0)
        {
          g_set_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT,
                       "“%s” has no train/ folder and no images (in it, test_stg1/ or test/)", self->root);
          return FALSE;
        }
      return TRUE;
    }

  folders = list_names (train, TRUE, error);
  if (folders == NULL)
    return FALSE;
  if (folders->len == 0)
    {
      g_set_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT,
                   "“%s” has no class folders", train);
      return FALSE;
    }
  self->layout = FATHOM_DATASET_CLASS_FOLDERS;
  if (folders->len == G_N_ELEMENTS (fisheries_classes))
    {
      self->layout = FATHOM_DATASET_FISHERIES;
      for (guint i = 0; i < folders->len; i++)
        if (strcmp (g_ptr_array_index (folders, i), fisheries_classes[i]) != 0)
          self->layout = FATHOM_DATASET_CLASS_FOLDERS;
    }
  for (guint i = 0; i < folders->len; i++)
    g_ptr_array_add (self->classes, g_strdup (g_ptr_array_index (folders, i)));

  if (!collect_labelled (self, out, "train", FATHOM_SPLIT_TRAIN, error))
    return FALSE;
  first_valid = out->len;
  if (is_dir (self->root, "valid") &&
      !collect_labelled (self, out, "valid", FATHOM_SPLIT_VALID, error))
    return FALSE;
  self->valid_folder = out->len > first_valid;

  return collect_test_folders (self, out, error);
}

static void
read_chunk (guint chunk, gpointer data)
{
  SizeJob *job = data;
  guint start = chunk * job->per, end = MIN (start + job->per, job->n);

  for (guint i = start; i < end; i++)
    {
      Candidate *c = &job->c[i];
      g_autoptr(GError) error = NULL;
      GStatBuf st;

      if (g_stat (c->abs, &st) == 0)
        c->file_size = (guint64) st.st_size;
      if (!fathom_image_read_size (c->abs, &c->width, &c->height, &error))
        c->error = g_strdup (error->message);
      else if (job->decode)
        {
          g_autoptr(FathomImage) img = fathom_image_load (c->abs, &error);

          if (img == NULL)
            c->error = g_strdup (error->message);
        }
    }
}

/* Headers only unless decode, but thousands of files on a cold disk:
 * spread the opens over n_threads threads, this one included. */
static void
read_sizes (GArray *cands, guint n_threads, gboolean decode)
{
  g_autoptr(FathomWorkerPool) pool = NULL;
  SizeJob job = { (Candidate *) (gpointer) cands->data, cands->len, 0, decode };

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  job.per = MAX (16, cands->len / (n_threads * 4) + 1);
  pool = fathom_worker_pool_new (MIN (n_threads - 1, cands->len / job.per));
  fathom_worker_pool_run (pool, (cands->len + job.per - 1) / job.per, read_chunk, &job);
}

static int
compare_candidates (gconstpointer a, gconstpointer b)
{
  return strcmp (((const Candidate *) a)->rel, ((const Candidate *) b)->rel);
}

FathomDataset *
fathom_dataset_load (const char                 *dir,
                     const FathomDatasetOptions *options,
                     GError                    **error)
{
  g_autoptr(FathomDataset) self = NULL;
  g_autoptr(GArray) cands = NULL;
  FathomDatasetOptions defaults;
  g_autofree char *ann_dir = NULL;

  g_return_val_if_fail (dir != NULL, NULL);

  if (options == NULL)
    {
      fathom_dataset_options_init (&defaults);
      options = &defaults;
    }
  if (!(options->valid_fraction >= 0 && options->valid_fraction < 1))
    {
      g_set_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_INVALID,
                   "%s: the validation fraction must be in [0, 1), not %g",
                   dir, options->valid_fraction);
      return NULL;
    }
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_NOT_FOUND,
                   "Dataset folder “%s” %s", dir,
                   g_file_test (dir, G_FILE_TEST_EXISTS) ? "is not a folder" : "does not exist");
      return NULL;
    }

  self = g_new0 (FathomDataset, 1);
  self->root = g_strdup (dir);
  self->classes = g_ptr_array_new_with_free_func (g_free);
  self->items = g_array_new (FALSE, FALSE, sizeof (FathomDatasetItem));
  g_array_set_clear_func (self->items, item_clear);
  self->problems = g_ptr_array_new_with_free_func (problem_free);

  cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_array_set_clear_func (cands, candidate_clear);
  if (!detect_and_collect (self, cands, error))
    return NULL;
  g_array_sort (cands, compare_candidates);
  read_sizes (cands, options->n_threads, options->decode);

  for (guint i = 0; i < cands->len; i++)
    {
      Candidate *c = &g_array_index (cands, Candidate, i);
      FathomDatasetItem item = { 0 };

      if (c->error != NULL)
        {
          add_problem (self, c->rel, c->error);
          continue;
        }
      item.path = g_steal_pointer (&c->rel);
      item.class_index = c->class_index;
      item.width = c->width;
      item.height = c->height;
      item.file_size = c->file_size;
      item.split = c->split;
      g_array_append_val (self->items, item);
    }
  if (self->items->len == 0)
    {
      g_set_error (error, FATHOM_DATASET_ERROR, FATHOM_DATASET_ERROR_LAYOUT,
                   "“%s” has no readable images (%u unreadable)", dir, self->problems->len);
      return NULL;
    }

  if (!self->valid_folder && self->layout != FATHOM_DATASET_UNLABELLED)
    fathom_dataset_make_split (self, options);
  self->train_sizes = fathom_dataset_list_sizes (self, FATHOM_SPLIT_TRAIN);
  fathom_dataset_compute_fingerprint (self);

  ann_dir = g_build_filename (dir, "annotations", NULL);
  if (options->annotations != NULL)
    {
      g_autoptr(FathomAnnotations) ann = fathom_annotations_new ();
      gboolean ok = g_file_test (options->annotations, G_FILE_TEST_IS_DIR)
        ? fathom_annotations_load_dir (ann, options->annotations, error)
        : fathom_annotations_load_file (ann, options->annotations, error);

      if (!ok)
        return NULL;
      fathom_dataset_attach_annotations (self, g_steal_pointer (&ann));
    }
  else if (g_file_test (ann_dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(FathomAnnotations) ann = fathom_annotations_new ();
      g_autoptr(GPtrArray) names = list_names (ann_dir, FALSE, error);

      if (names == NULL)
        return NULL;
      for (guint i = 0; i < names->len; i++)
        {
          const char *name = g_ptr_array_index (names, i);
          g_autofree char *path = g_build_filename (ann_dir, name, NULL);
          g_autofree char *rel = g_strconcat ("annotations/", name, NULL);
          g_autoptr(GError) local = NULL;

          if (g_str_has_suffix (name, "_labels.json") &&
              !fathom_annotations_load_file (ann, path, &local))
            add_problem (self, rel, local->message);
        }
      fathom_dataset_attach_annotations (self, g_steal_pointer (&ann));
    }
  return g_steal_pointer (&self);
}

void
fathom_dataset_attach_annotations (FathomDataset *self, FathomAnnotations *annotations)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_if_fail (self != NULL);

  fathom_annotations_free (self->annotations);
  self->annotations = annotations;
  for (guint i = 0; i < self->items->len; i++)
    {
      FathomDatasetItem *item = &g_array_index (self->items, FathomDatasetItem, i);

      item->annotation = NULL;
      item->has_box = FALSE;
      memset (&item->box, 0, sizeof item->box);
      if (annotations == NULL)
        continue;
      g_hash_table_add (names, g_path_get_basename (item->path));
      item->annotation = fathom_annotations_lookup (annotations, item->path);
      item->has_box = fathom_annotation_get_box (item->annotation, item->width, item->height,
                                                 &item->box);
    }
  if (annotations != NULL)
    fathom_annotations_check_names (annotations, names);
}

FathomAnnotations *
fathom_dataset_get_annotations (FathomDataset *self)
{
  return self->annotations;
}

const char *
fathom_dataset_get_root (FathomDataset *self)
{
  return self->root;
}

FathomDatasetLayout
fathom_dataset_get_layout (FathomDataset *self)
{
  return self->layout;
}

const char *
fathom_dataset_layout_to_string (FathomDatasetLayout layout)
{
  switch (layout)
    {
    case FATHOM_DATASET_FISHERIES:
      return "fisheries";
    case FATHOM_DATASET_CLASS_FOLDERS:
      return "class-folders";
    case FATHOM_DATASET_UNLABELLED:
      return "unlabelled";
    }
  return "unknown";
}

const char *
fathom_split_to_string (FathomSplit split)
{
  switch (split)
    {
    case FATHOM_SPLIT_ANY:
      return "any";
    case FATHOM_SPLIT_TRAIN:
      return "train";
    case FATHOM_SPLIT_VALID:
      return "valid";
    case FATHOM_SPLIT_TEST:
      return "test";
    }
  return "unknown";
}

gboolean
fathom_dataset_has_valid_folder (FathomDataset *self)
{
  return self->valid_folder;
}

guint
fathom_dataset_get_n_classes (FathomDataset *self)
{
  return self->classes->len;
}

const char *
fathom_dataset_get_class_name (FathomDataset *self, guint i)
{
  g_return_val_if_fail (i < self->classes->len, NULL);
  return g_ptr_array_index (self->classes, i);
}

guint
fathom_dataset_get_n_items (FathomDataset *self)
{
  return self->items->len;
}

const FathomDatasetItem *
fathom_dataset_get_item (FathomDataset *self, guint i)
{
  g_return_val_if_fail (i < self->items->len, NULL);
  return &g_array_index (self->items, FathomDatasetItem, i);
}

guint
fathom_dataset_count (FathomDataset *self, FathomSplit split, int class_index)
{
  guint n = 0;

  for (guint i = 0; i < self->items->len; i++)
    {
      const FathomDatasetItem *item = &g_array_index (self->items, FathomDatasetItem, i);

      if ((split == FATHOM_SPLIT_ANY || item->split == split) &&
          (class_index < 0 || item->class_index == class_index))
        n++;
    }
  return n;
}

GArray *
fathom_dataset_list_items (FathomDataset *self, FathomSplit split)
{
  GArray *items = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < self->items->len; i++)
    if (split == FATHOM_SPLIT_ANY || g_array_index (self->items, FathomDatasetItem, i).split == split)
      g_array_append_val (items, i);
  return items;
}

const char *
fathom_dataset_get_fingerprint (FathomDataset *self)
{
  return self->fingerprint;
}

guint
fathom_dataset_get_n_problems (FathomDataset *self)
{
  return self->problems->len;
}

const FathomDatasetProblem *
fathom_dataset_get_problem (FathomDataset *self, guint i)
{
  g_return_val_if_fail (i < self->problems->len, NULL);
  return g_ptr_array_index (self->problems, i);
}
