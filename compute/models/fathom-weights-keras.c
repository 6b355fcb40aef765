/* fathom-weights-keras.c: Keras HDF5 weight files through the HDF5 C API.
 *
 * A Keras weight file (or the "model_weights" group of a whole saved model)
 * has a root attribute layer_names; each layer is a group whose attribute
 * weight_names lists its datasets, in the order of the layer's weights
 * (kernel, bias; gamma, beta, moving mean, moving variance, which Keras 1
 * named running_mean and running_std). h5py writes
 * these lists as fixed-length strings (bytes) or variable-length ones
 * (str), and an empty list as an empty float array; Keras splits lists
 * over 64 KiB into name0, name1, ...
 */
#include "fathom-weights.h"
#include "fathom-tsan.h"

#include <hdf5.h>
#include <string.h>

/* The serial HDF5 library is not thread-safe, and its error printing is a
 * global setting: every use here holds this lock (annotated for
 * ThreadSanitizer, which does not see GMutex: fathom-tsan.h). */
static GMutex h5_lock;

typedef hid_t FathomH5Id;

/* Dropping the last reference closes any kind of HDF5 object. */
static void
h5_id_release (FathomH5Id id)
{
  if (id >= 0)
    H5Idec_ref (id);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (FathomH5Id, h5_id_release, H5I_INVALID_HID)

typedef struct {
  H5E_auto2_t func;
  void       *data;
} H5Quiet;

static void
h5_enter (H5Quiet *q)
{
  fathom_tsan_mutex_lock (&h5_lock);
  H5Eget_auto2 (H5E_DEFAULT, &q->func, &q->data);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

static void
h5_leave (H5Quiet *q)
{
  H5Eclear2 (H5E_DEFAULT);
  H5Eset_auto2 (H5E_DEFAULT, q->func, q->data);
  fathom_tsan_mutex_unlock (&h5_lock);
}

static herr_t
h5_first_message (unsigned n, const H5E_error2_t *err, void *data)
{
  char **msg = data;

  /* HDF5 quotes names from the file in its messages: keep ours UTF-8 */
  if (*msg == NULL && err->desc != NULL && err->desc[0] != '\0')
    *msg = g_utf8_make_valid (err->desc, -1);
  return 0;
}

/* An error saying what failed (on name, when not NULL), with HDF5's most
 * specific reason. */
static gboolean
h5_fail (GError **error, const char *path, const char *what, const char *name)
{
  g_autofree char *detail = NULL;

  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_UPWARD, h5_first_message, &detail);
  H5Eclear2 (H5E_DEFAULT);
  g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT, "%s: %s%s%s%s%s%s",
               path, what, name ? " “" : "", name ? name : "", name ? "”" : "",
               detail ? ": " : "", detail ? detail : "");
  return FALSE;
}

static char *
shape_string (guint ndim, const gint64 *d)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", d[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---- reading the file --------------------------------------------------- */

/* Keras writes names as UTF-8; anything else is a damaged file, and would
 * end up in error messages. */
static gboolean
not_utf8 (GError **error, const char *path, const char *name)
{
  g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT,
               "%s: the attribute “%s” holds a name that is not UTF-8", path, name);
  return FALSE;
}

static gboolean
read_string_attr (hid_t loc, const char *path, const char *name, GPtrArray *out, GError **error)
{
  g_auto(FathomH5Id) attr = H5Aopen (loc, name, H5P_DEFAULT);
  g_auto(FathomH5Id) space = H5I_INVALID_HID;
  g_auto(FathomH5Id) type = H5I_INVALID_HID;
  hssize_t n;

  if (attr < 0 || (space = H5Aget_space (attr)) < 0 || (type = H5Aget_type (attr)) < 0 ||
      (n = H5Sget_simple_extent_npoints (space)) < 0)
    return h5_fail (error, path, "cannot read the attribute", name);
  if (n == 0)
    return TRUE;
  if (H5Tget_class (type) != H5T_STRING)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT,
                   "%s: the attribute “%s” holds no strings", path, name);
      return FALSE;
    }

  if (H5Tis_variable_str (type) > 0)
    {
      g_auto(FathomH5Id) mem = H5Tcopy (H5T_C_S1);
      g_autofree char **v = g_new0 (char *, n);

      if (H5Tset_size (mem, H5T_VARIABLE) < 0 || H5Tset_cset (mem, H5Tget_cset (type)) < 0 ||
          H5Aread (attr, mem, v) < 0)
        return h5_fail (error, path, "cannot read the strings of", name);
      for (hssize_t i = 0; i < n; i++)
        {
          g_ptr_array_add (out, g_strdup (v[i] != NULL ? v[i] : ""));
          H5free_memory (v[i]);
        }
      /* checked only now, so that every string above was freed */
      for (guint i = out->len - (guint) n; i < out->len; i++)
        if (!g_utf8_validate (g_ptr_array_index (out, i), -1, NULL))
          return not_utf8 (error, path, name);
    }
  else
    {
      size_t size = H5Tget_size (type);
      gboolean space_padded = H5Tget_strpad (type) == H5T_STR_SPACEPAD;
      g_autofree char *buf = NULL;

      /* Read with the file's own type: converting NULLPAD strings to C
       * strings of the same size would cut a string that fills it. */
      if (size == 0 || (gsize) n > G_MAXSIZE / size)
        return h5_fail (error, path, "bad string size in", name);
      buf = g_malloc0 ((gsize) n * size);
      if (H5Aread (attr, type, buf) < 0)
        return h5_fail (error, path, "cannot read the strings of", name);
      for (hssize_t i = 0; i < n; i++)
        {
          char *s = g_strndup (buf + (gsize) i * size, size);

          if (!g_utf8_validate (s, -1, NULL))
            {
              g_free (s);
              return not_utf8 (error, path, name);
            }
          g_ptr_array_add (out, space_padded ? g_strchomp (s) : s);
        }
    }
  return TRUE;
}

/* found is set when the attribute (or its chunks) exists. */
static gboolean
read_string_list (hid_t loc, const char *path, const char *name, gboolean *found,
                  GPtrArray *out, GError **error)
{
  *found = H5Aexists (loc, name) > 0;
  if (*found)
    return read_string_attr (loc, path, name, out, error);
  for (guint i = 0;; i++)
    {
      g_autofree char *chunk = g_strdup_printf ("%s%u", name, i);

      if (H5Aexists (loc, chunk) <= 0)
        return TRUE;
      *found = TRUE;
      if (!read_string_attr (loc, path, chunk, out, error))
        return FALSE;
    }
}

typedef struct {
  char   *name;                 /* the dataset's path in its layer group */
  guint   ndim;
  gint64  shape[FATHOM_MAX_DIMS];
} H5Weight;

typedef struct {
  char      *name;
  GPtrArray *weights;           /* H5Weight* */
} H5Layer;

static void
h5_weight_free (gpointer data)
{
  H5Weight *w = data;

  g_free (w->name);
  g_free (w);
}

static void
h5_layer_free (gpointer data)
{
  H5Layer *l = data;

  g_free (l->name);
  g_ptr_array_unref (l->weights);
  g_free (l);
}

typedef struct {
  hid_t      file;
  hid_t      root;              /* the group holding layer_names */
  GPtrArray *layer_names;       /* every layer, char* */
  GPtrArray *layers;            /* H5Layer*, those with weights, file order */
  char      *backend;           /* the "backend" attribute, or NULL */
} KerasFile;

#define KERAS_FILE_INIT { H5I_INVALID_HID, H5I_INVALID_HID, NULL, NULL, NULL }

/* Called before leaving the lock: objects must close while it is held. */
static void
keras_file_clear (KerasFile *kf)
{
  h5_id_release (kf->root);
  h5_id_release (kf->file);
  kf->root = kf->file = H5I_INVALID_HID;
  g_clear_pointer (&kf->layer_names, g_ptr_array_unref);
  g_clear_pointer (&kf->layers, g_ptr_array_unref);
  g_clear_pointer (&kf->backend, g_free);
}

static char *
read_backend (hid_t loc, const char *path)
{
  g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func (g_free);

  if (H5Aexists (loc, "backend") <= 0 || !read_string_attr (loc, path, "backend", v, NULL) || v->len == 0)
    return NULL;
  return g_strdup (g_ptr_array_index (v, 0));
}

/* Opens the file and reads every layer's weight names and shapes (not the
 * values). */
static gboolean
keras_file_open (KerasFile *kf, const char *path, GError **error)
{
  gboolean found = FALSE;

  kf->layer_names = g_ptr_array_new_with_free_func (g_free);
  kf->layers = g_ptr_array_new_with_free_func (h5_layer_free);
  kf->file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (kf->file < 0 || (kf->root = H5Gopen2 (kf->file, "/", H5P_DEFAULT)) < 0)
    return h5_fail (error, path, "cannot open as HDF5", NULL);
  /* A whole saved model keeps its weights in "model_weights". */
  if (H5Aexists (kf->root, "layer_names") <= 0 && H5Aexists (kf->root, "layer_names0") <= 0 &&
      H5Lexists (kf->root, "model_weights", H5P_DEFAULT) > 0)
    {
      hid_t group = H5Gopen2 (kf->root, "model_weights", H5P_DEFAULT);

      if (group < 0)
        return h5_fail (error, path, "cannot open the group", "model_weights");
      kf->backend = read_backend (kf->root, path);
      h5_id_release (kf->root);
      kf->root = group;
    }
  if (kf->backend == NULL)
    kf->backend = read_backend (kf->root, path);

  if (!read_string_list (kf->root, path, "layer_names", &found, kf->layer_names, error))
    return FALSE;
  if (!found)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT,
                   "%s: no layer_names attribute: not a Keras weight file", path);
      return FALSE;
    }

  for (guint i = 0; i < kf->layer_names->len; i++)
    {
      const char *lname = g_ptr_array_index (kf->layer_names, i);
      g_auto(FathomH5Id) group = H5Gopen2 (kf->root, lname, H5P_DEFAULT);
      g_autoptr(GPtrArray) wnames = g_ptr_array_new_with_free_func (g_free);
      H5Layer *layer;

      if (group < 0)
        return h5_fail (error, path, "cannot open the layer group", lname);
      if (!read_string_list (group, path, "weight_names", &found, wnames, error))
        return FALSE;
      if (wnames->len == 0)
        continue;

      layer = g_new0 (H5Layer, 1);
      layer->name = g_strdup (lname);
      layer->weights = g_ptr_array_new_with_free_func (h5_weight_free);
      g_ptr_array_add (kf->layers, layer);
      for (guint j = 0; j < wnames->len; j++)
        {
          const char *wname = g_ptr_array_index (wnames, j);
          g_auto(FathomH5Id) ds = H5Dopen2 (group, wname, H5P_DEFAULT);
          g_auto(FathomH5Id) space = H5I_INVALID_HID;
          hsize_t dims[FATHOM_MAX_DIMS];
          H5Weight *w;
          int ndim;

          if (ds < 0 || (space = H5Dget_space (ds)) < 0 || (ndim = H5Sget_simple_extent_ndims (space)) < 0)
            return h5_fail (error, path, "cannot open the dataset", wname);
          if (ndim > FATHOM_MAX_DIMS)
            {
              g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE,
                           "%s: “%s” has %d dimensions", path, wname, ndim);
              return FALSE;
            }
          H5Sget_simple_extent_dims (space, dims, NULL);
          w = g_new0 (H5Weight, 1);
          w->name = g_strdup (wname);
          w->ndim = (guint) ndim;
          for (int d = 0; d < ndim; d++)
            w->shape[d] = (gint64) dims[d];
          g_ptr_array_add (layer->weights, w);
        }
    }
  return TRUE;
}

/* The outputs of the file's first Dense layer (its first 2-D weight, the
 * kernel [in, out] on either backend), 0 without one. */
static gint64
first_dense_units (const KerasFile *kf)
{
  for (guint i = 0; i < kf->layers->len; i++)
    {
      const H5Layer *l = g_ptr_array_index (kf->layers, i);
      const H5Weight *w = g_ptr_array_index (l->weights, 0);

      if (w->ndim == 2)
        return w->shape[1];
    }
  return 0;
}

static gboolean
has_layer_name (const KerasFile *kf, const char *name)
{
  for (guint i = 0; i < kf->layer_names->len; i++)
    if (g_str_equal (g_ptr_array_index (kf->layer_names, i), name))
      return TRUE;
  return FALSE;
}

/* The "backend" attribute when Keras 2 wrote one; Keras 1 wrote none, but
 * its TensorFlow variables are named "...:0" and its Theano ones are not. */
static FathomWeightsFormat
keras_file_format (const KerasFile *kf)
{
  if (kf->backend != NULL)
    return g_str_equal (kf->backend, "theano") ? FATHOM_WEIGHTS_KERAS_THEANO : FATHOM_WEIGHTS_KERAS_TF;
  for (guint i = 0; i < kf->layers->len; i++)
    {
      H5Layer *l = g_ptr_array_index (kf->layers, i);

      for (guint j = 0; j < l->weights->len; j++)
        if (strchr (((H5Weight *) g_ptr_array_index (l->weights, j))->name, ':') != NULL)
          return FATHOM_WEIGHTS_KERAS_TF;
    }
  return FATHOM_WEIGHTS_KERAS_THEANO;
}

gboolean
fathom_weights_probe_keras (const char *path, FathomWeightsOrigin *origin, GError **error)
{
  KerasFile kf = KERAS_FILE_INIT;
  H5Quiet quiet;
  gboolean ok;

  g_return_val_if_fail (path != NULL && origin != NULL, FALSE);
  h5_enter (&quiet);
  ok = keras_file_open (&kf, path, error);
  if (ok)
    *origin = (FathomWeightsOrigin) {
      .format = keras_file_format (&kf),
      /* tf.keras's ResNet (names "conv1_bn", ...) uses 1.001e-5; Keras's default is 1e-3. */
      .bn_eps = has_layer_name (&kf, "conv1_bn") ? 1.001e-5f : 1e-3f,
      .resnet_variant = FATHOM_RESNET50_V1,
      .resnet_pool_pad = has_layer_name (&kf, "pool1_pad"),
      .dense_units = first_dense_units (&kf),
    };
  keras_file_clear (&kf);
  h5_leave (&quiet);
  return ok;
}

/* ---- matching and import ------------------------------------------------ */

/* The old keras-applications (and the course's) ResNet50 names as tf.keras
 * names them: "res2a_branch2b" -> "conv2_block1_2_conv", "bn3b_branch1" ->
 * "conv3_block2_0_bn", "bn_conv1" -> "conv1_bn"; NULL for other names. */
static char *
legacy_resnet_name (const char *name)
{
  g_autofree char *again = NULL;
  char block, branch[3];
  int stage, k;
  gboolean bn = g_str_has_prefix (name, "bn");

  if (g_str_equal (name, "conv1"))
    return g_strdup ("conv1_conv");
  if (g_str_equal (name, "bn_conv1"))
    return g_strdup ("conv1_bn");
  if ((!bn && !g_str_has_prefix (name, "res")) ||
      sscanf (name + (bn ? 2 : 3), "%d%c_branch%2s", &stage, &block, branch) != 3)
    return NULL;
  again = g_strdup_printf ("%s%d%c_branch%s", bn ? "bn" : "res", stage, block, branch);
  if (!g_str_equal (again, name) || block < 'a' || block > 'z')
    return NULL;
  if (g_str_equal (branch, "1"))
    k = 0;
  else if (branch[0] == '2' && branch[1] >= 'a' && branch[1] <= 'c')
    k = branch[1] - 'a' + 1;
  else
    return NULL;
  return g_strdup_printf ("conv%d_block%d_%d_%s", stage, block - 'a' + 1, k, bn ? "bn" : "conv");
}

static int
find_model_layer (GPtrArray *model, const char *name)
{
  g_autofree char *legacy = NULL;

  for (guint i = 0; i < model->len; i++)
    if (g_str_equal (fathom_layer_get_name (g_ptr_array_index (model, i)), name))
      return (int) i;
  legacy = legacy_resnet_name (name);
  for (guint i = 0; legacy != NULL && i < model->len; i++)
    if (g_str_equal (fathom_layer_get_name (g_ptr_array_index (model, i)), legacy))
      return (int) i;
  return -1;
}

/* How many file layers match by name: all of them when each names a model
 * layer; with skip_trailing, those up to the last that names one, when
 * each of these does; 0 when the file must match by position. */
static guint
count_named (GPtrArray *model, GPtrArray *layers, gboolean skip_trailing)
{
  guint n = layers->len;

  if (skip_trailing)
    while (n > 0 && find_model_layer (model, ((H5Layer *) g_ptr_array_index (layers, n - 1))->name) < 0)
      n--;
  for (guint f = 0; f < n; f++)
    if (find_model_layer (model, ((H5Layer *) g_ptr_array_index (layers, f))->name) < 0)
      return 0;
  return n;
}

/* match[i]: the file layer for model layer i. By name when every file
 * layer names a model layer, else by position as Keras's load_weights;
 * with skip_trailing, file layers past those matched are left unread. */
static gboolean
match_layers (GPtrArray *model, GPtrArray *layers, const char *path, gboolean skip_trailing, int *match,
              GError **error)
{
  guint n_named = count_named (model, layers, skip_trailing);

  for (guint i = 0; i < model->len; i++)
    match[i] = -1;
  if (n_named > 0)
    {
      for (guint f = 0; f < n_named; f++)
        {
          const char *fname = ((H5Layer *) g_ptr_array_index (layers, f))->name;
          int i = find_model_layer (model, fname);

          if (match[i] >= 0)
            {
              g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNEXPECTED,
                           "%s: “%s” and “%s” both name the model's layer “%s”", path,
                           ((H5Layer *) g_ptr_array_index (layers, match[i]))->name, fname,
                           fathom_layer_get_name (g_ptr_array_index (model, i)));
              return FALSE;
            }
          match[i] = (int) f;
        }
      for (guint i = 0; i < model->len; i++)
        if (match[i] < 0)
          {
            g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_MISSING,
                         "%s: the model's layer “%s” has no weights in the file", path,
                         fathom_layer_get_name (g_ptr_array_index (model, i)));
            return FALSE;
          }
      return TRUE;
    }

  for (guint i = 0; i < MIN (model->len, layers->len); i++)
    match[i] = (int) i;
  if (model->len > layers->len)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_MISSING,
                   "%s: the model's layer “%s” has no counterpart (the file has weights for %u layers, the model %u)",
                   path, fathom_layer_get_name (g_ptr_array_index (model, layers->len)), layers->len, model->len);
      return FALSE;
    }
  if (layers->len > model->len && !skip_trailing)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNEXPECTED,
                   "%s: the file's layer “%s” has no counterpart (the file has weights for %u layers, the model %u)",
                   path, ((H5Layer *) g_ptr_array_index (layers, model->len))->name, layers->len, model->len);
      return FALSE;
    }
  return TRUE;
}

typedef enum {
  PAIR_PLAIN,                   /* same layout: biases, BN vectors */
  PAIR_CONV_KERNEL,             /* reordered and maybe flipped */
  PAIR_DENSE_KERNEL,            /* [in, out] in the file, [out, in] here */
} PairKind;

typedef struct {
  FathomLayer    *layer;
  FathomParam    *param;
  const H5Layer  *file_layer;
  const H5Weight *weight;
  PairKind        kind;
} Pair;

/* A TensorFlow-ordered Flatten wrote height, width, channels where ours
 * writes channels, height, width: the Dense after it would read its
 * inputs shuffled. */
static gboolean
refuse_tf_dense_top (FathomLayer *layer, const H5Layer *fl, const char *path, GError **error)
{
  g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNSUPPORTED,
               "%s: “%s” is in TensorFlow order and follows a Flatten, which there orders the features "
               "height, width, channels where the model (and Theano) orders them channels, height, width; "
               "TensorFlow-ordered dense tops are not supported (the course's vgg16_bn.h5 is Theano-ordered), "
               "so the model's layer “%s” cannot take it", path, fl->name, fathom_layer_get_name (layer));
  return FALSE;
}

static PairKind
pair_kind (gboolean conv, gboolean dense, const FathomParam *p)
{
  if (!g_str_equal (p->name, "kernel"))
    return PAIR_PLAIN;
  return conv ? PAIR_CONV_KERNEL : dense ? PAIR_DENSE_KERNEL : PAIR_PLAIN;
}

/* Checks one layer's weights against the file and queues them in pairs.
 * after_flatten: the layer reads a Flatten's output. */
static gboolean
check_layer (FathomLayer *layer, const H5Layer *fl, FathomWeightsFormat format, gboolean after_flatten,
             const char *path, GArray *pairs, GError **error)
{
  const char *type = fathom_layer_get_type_name (layer);
  gboolean conv = g_str_equal (type, "Conv2D");
  gboolean dense = g_str_equal (type, "Dense");

  if (!conv && !dense && !g_str_equal (type, "BatchNormalization"))
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_UNSUPPORTED,
                   "%s: the model's layer “%s” (%s) cannot take Keras weights", path,
                   fathom_layer_get_name (layer), type);
      return FALSE;
    }
  if (dense && after_flatten && format == FATHOM_WEIGHTS_KERAS_TF)
    return refuse_tf_dense_top (layer, fl, path, error);
  if (fl->weights->len != layer->params->len)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint j = 0; j < layer->params->len; j++)
        g_string_append_printf (names, "%s%s", j > 0 ? ", " : "",
                                ((FathomParam *) g_ptr_array_index (layer->params, j))->name);
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE,
                   "%s: “%s” has %u weights, the model's layer “%s” has %u (%s)", path, fl->name,
                   fl->weights->len, fathom_layer_get_name (layer), layer->params->len, names->str);
      return FALSE;
    }
  for (guint j = 0; j < fl->weights->len; j++)
    {
      FathomParam *p = g_ptr_array_index (layer->params, j);
      const H5Weight *w = g_ptr_array_index (fl->weights, j);
      const gint64 *s = fathom_tensor_get_shape (p->value);
      guint ndim = fathom_tensor_get_ndim (p->value);
      Pair pair = { layer, p, fl, w, pair_kind (conv, dense, p) };
      gboolean tf = pair.kind == PAIR_CONV_KERNEL && format == FATHOM_WEIGHTS_KERAS_TF;
      /* how the file's order differs from the model's, for the message */
      const char *order = tf ? "TensorFlow" : pair.kind == PAIR_DENSE_KERNEL ? "Keras" : NULL;
      gint64 want[FATHOM_MAX_DIMS];

      memcpy (want, s, ndim * sizeof (gint64));
      if (tf)
        {
          /* [out, in, kh, kw] is stored [kh, kw, in, out]. */
          want[0] = s[2], want[1] = s[3], want[2] = s[1], want[3] = s[0];
        }
      else if (pair.kind == PAIR_DENSE_KERNEL)
        {
          /* [out, in] is stored [in, out]. */
          want[0] = s[1], want[1] = s[0];
        }
      if (w->ndim != ndim || memcmp (w->shape, want, ndim * sizeof (gint64)) != 0)
        {
          g_autofree char *got = shape_string (w->ndim, w->shape);
          g_autofree char *model = shape_string (ndim, s);
          g_autofree char *stored = shape_string (ndim, want);

          /* Both shapes as the file stores them. */
          g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_SHAPE,
                       "%s: %s has shape %s, the model expects %s (%s%s%s.%s%s%s)", path, w->name, got, stored,
                       order ? order : "", order ? " order of " : "", fathom_layer_get_name (layer), p->name,
                       order ? " " : "", order ? model : "");
          return FALSE;
        }
      g_array_append_val (pairs, pair);
    }
  return TRUE;
}

/* Reads one dataset into dst (model order). TensorFlow kernels are
 * [kh, kw, in, out]; Theano's are [out, in, kh, kw] rotated 180 degrees,
 * because Theano's conv2d flips the kernel and we cross-correlate. Dense
 * kernels are [in, out] on both. */
static gboolean
read_pair (hid_t root, const char *path, const Pair *pair, FathomWeightsFormat format,
           FathomTensor *dst, GError **error)
{
  g_auto(FathomH5Id) group = H5Gopen2 (root, pair->file_layer->name, H5P_DEFAULT);
  g_auto(FathomH5Id) ds = H5I_INVALID_HID;
  g_auto(FathomH5Id) type = H5I_INVALID_HID;
  gsize n = fathom_tensor_get_numel (dst);
  float *d = fathom_tensor_get_data (dst);
  g_autofree float *buf = NULL;

  if (group < 0 || (ds = H5Dopen2 (group, pair->weight->name, H5P_DEFAULT)) < 0 ||
      (type = H5Dget_type (ds)) < 0)
    return h5_fail (error, path, "cannot open the dataset", pair->weight->name);
  if (H5Tget_class (type) != H5T_FLOAT)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT,
                   "%s: %s does not hold floating-point numbers", path, pair->weight->name);
      return FALSE;
    }
  buf = g_try_new (float, n);
  if (buf == NULL)
    {
      g_set_error (error, FATHOM_WEIGHTS_ERROR, FATHOM_WEIGHTS_ERROR_FORMAT,
                   "%s: no memory for %s", path, pair->weight->name);
      return FALSE;
    }
  if (H5Dread (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    return h5_fail (error, path, "cannot read the dataset", pair->weight->name);

  if (pair->kind == PAIR_PLAIN)
    memcpy (d, buf, n * sizeof (float));
  else if (pair->kind == PAIR_DENSE_KERNEL)
    {
      const gint64 *s = fathom_tensor_get_shape (dst);
      gint64 O = s[0], I = s[1];

      for (gint64 o = 0; o < O; o++)
        for (gint64 i = 0; i < I; i++)
          d[o * I + i] = buf[i * O + o];
    }
  else
    {
      const gint64 *s = fathom_tensor_get_shape (dst);
      gint64 O = s[0], I = s[1], KH = s[2], KW = s[3];

      for (gint64 o = 0; o < O; o++)
        for (gint64 i = 0; i < I; i++)
          for (gint64 y = 0; y < KH; y++)
            for (gint64 x = 0; x < KW; x++)
              d[((o * I + i) * KH + y) * KW + x] = format == FATHOM_WEIGHTS_KERAS_TF
                ? buf[((y * KW + x) * I + i) * O + o]
                : buf[((o * I + i) * KH + (KH - 1 - y)) * KW + (KW - 1 - x)];
    }
  return TRUE;
}

static gboolean
load_keras_locked (FathomGraph *graph, KerasFile *kf, const char *path, FathomWeightsFormat format,
                   FathomWeightsLoadFlags flags, GError **error)
{
  FathomBackend *backend = fathom_graph_get_backend (graph);
  GPtrArray *all = fathom_graph_get_layers (graph);
  g_autoptr(GPtrArray) model = g_ptr_array_new ();
  g_autoptr(GArray) after_flatten = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr(GPtrArray) host = g_ptr_array_new_with_free_func ((GDestroyNotify) fathom_tensor_unref);
  g_autofree int *match = NULL;

  if (!keras_file_open (kf, path, error))
    return FALSE;
  for (guint i = 0; i < all->len; i++)
    if (((FathomLayer *) g_ptr_array_index (all, i))->params->len > 0)
      {
        /* the layers are in forward order: a Flatten just before feeds it */
        gboolean flat = i > 0 && g_str_equal (fathom_layer_get_type_name (g_ptr_array_index (all, i - 1)), "Flatten");

        g_ptr_array_add (model, g_ptr_array_index (all, i));
        g_array_append_val (after_flatten, flat);
      }
  match = g_new (int, model->len + 1);
  if (!match_layers (model, kf->layers, path, (flags & FATHOM_WEIGHTS_LOAD_SKIP_TRAILING) != 0, match, error))
    return FALSE;

  /* Every layer and shape first, in model order, then every value, then
   * the upload: a refused file leaves the model as it was. */
  for (guint i = 0; i < model->len; i++)
    if (!check_layer (g_ptr_array_index (model, i), g_ptr_array_index (kf->layers, match[i]), format,
                      g_array_index (after_flatten, gboolean, i), path, pairs, error))
      return FALSE;
  for (guint k = 0; k < pairs->len; k++)
    {
      const Pair *pair = &g_array_index (pairs, Pair, k);
      g_autoptr(FathomTensor) t = fathom_tensor_new_like (pair->param->value);

      if (!read_pair (kf->root, path, pair, format, t, error))
        return FALSE;
      g_ptr_array_add (host, g_steal_pointer (&t));
    }
  for (guint k = 0; k < pairs->len; k++)
    if (!fathom_backend_upload (backend, g_array_index (pairs, Pair, k).param->value,
                                fathom_tensor_get_const_data (g_ptr_array_index (host, k)), error))
      return FALSE;
  return TRUE;
}

gboolean
fathom_weights_load_keras_full (FathomGraph *graph, const char *path, FathomWeightsFormat format,
                                FathomWeightsLoadFlags flags, GError **error)
{
  KerasFile kf = KERAS_FILE_INIT;
  H5Quiet quiet;
  gboolean ok;

  g_return_val_if_fail (fathom_graph_get_backend (graph) != NULL, FALSE);
  g_return_val_if_fail (format == FATHOM_WEIGHTS_KERAS_TF || format == FATHOM_WEIGHTS_KERAS_THEANO, FALSE);
  h5_enter (&quiet);
  ok = load_keras_locked (graph, &kf, path, format, flags, error);
  keras_file_clear (&kf);
  h5_leave (&quiet);
  return ok;
}

gboolean
fathom_weights_load_keras (FathomGraph *graph, const char *path, FathomWeightsFormat format, GError **error)
{
  return fathom_weights_load_keras_full (graph, path, format, FATHOM_WEIGHTS_LOAD_DEFAULT, error);
}
