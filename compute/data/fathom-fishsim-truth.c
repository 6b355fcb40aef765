/* fathom-fishsim-truth.c: the synthetic set's text files: the Sloth rect
 * annotations of the six annotated classes and fishsim.json, the whole
 * truth. Written by hand so that keys keep a fixed order and numbers the C
 * locale; no clock goes in, so equal options give equal bytes. Each file is
 * replaced atomically (temporary file, fsync, rename).
 */
#include "fathom-fishsim-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

/* Sloth files exist for these only, as on Kaggle. */
static const char *const sloth_names[FISHSIM_N_CLASSES] = {
  "alb", "bet", "dol", "lag", NULL, NULL, "shark", "yft",
};

static void
append_num (GString *s, const char *key, double v, const char *tail)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, "\"%s\": %s%s", key, g_ascii_formatd (buf, sizeof buf, "%.1f", v), tail);
}

static void
append_rect (GString *s, const FishsimFish *f)
{
  append_num (s, "x", f->box.x0, ", ");
  append_num (s, "y", f->box.y0, ", ");
  append_num (s, "width", f->box.x1 - f->box.x0, ", ");
  append_num (s, "height", f->box.y1 - f->box.y0, "");
}

/* Head then tail, as the point annotations give them. */
static void
append_point (GString *s, const char *key, const double xy[2])
{
  char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, ", \"%s\": [%s, %s]", key, g_ascii_formatd (x, sizeof x, "%.1f", xy[0]),
                          g_ascii_formatd (y, sizeof y, "%.1f", xy[1]));
}

static gboolean
write_atomic (const char *path, const GString *text, GError **error)
{
  g_autofree char *tmp_path = g_strdup_printf ("%s.XXXXXX", path);
  g_autofree char *dir = NULL;
  const char *p = text->str;
  gsize left = text->len;
  int fd, saved_errno = 0;
  gboolean ok = TRUE;

  /* beside the target: rename() must not cross file systems */
  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    return fishsim_io_error (error, errno, "Cannot create a temporary file for", path);
  while (ok && left > 0)
    {
      gssize w = write (fd, p, left);

      if (w < 0 && errno == EINTR)
        continue;
      ok = w > 0;
      if (w == 0)
        errno = EIO;
      if (ok)
        p += w, left -= (gsize) w;
    }
  ok = ok && fsync (fd) == 0;
  if (!ok)
    saved_errno = errno;
  /* close() reports delayed write errors (NFS), so it counts too */
  if (close (fd) != 0 && ok)
    ok = FALSE, saved_errno = errno;
  if (!ok)
    {
      g_unlink (tmp_path);
      return fishsim_io_error (error, saved_errno, "Cannot write", path);
    }
  if (g_rename (tmp_path, path) != 0)
    {
      saved_errno = errno;
      g_unlink (tmp_path);
      return fishsim_io_error (error, saved_errno, "Cannot replace", path);
    }
  /* so that the rename itself survives a crash; best effort */
  dir = g_path_get_dirname (path);
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  return TRUE;
}

/* Sloth rect files, one entry per photo of the class, one rect per fish,
 * the dominant one first. */
gboolean
fishsim_write_annotations (const char          *out_dir,
                           FishsimPhoto *const *photos,
                           guint                n_photos,
                           GError             **error)
{
  for (int c = 0; c < FISHSIM_N_CLASSES; c++)
    {
      g_autoptr(GString) s = g_string_new ("[");
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;
      gboolean first = TRUE;

      if (sloth_names[c] == NULL)
        continue;
      for (guint i = 0; i < n_photos; i++)
        {
          const FishsimPhoto *p = photos[i];

          if (p->test || p->cls != (FishsimClass) c)
            continue;
          g_string_append_printf (s, "%s\n  {\n    \"filename\": \"img_%05u.jpg\",\n"
                                  "    \"class\": \"image\",\n    \"annotations\": [",
                                  first ? "" : ",", p->number);
          for (guint k = 0; k < p->n_fish; k++)
            {
              g_string_append_printf (s, "%s\n      {\"class\": \"rect\", ", k ? "," : "");
              append_rect (s, &p->fish[k]);
              g_string_append_c (s, '}');
            }
          g_string_append (s, "\n    ]\n  }");
          first = FALSE;
        }
      g_string_append (s, "\n]\n");
      name = g_strdup_printf ("%s_labels.json", sloth_names[c]);
      path = g_build_filename (out_dir, "annotations", name, NULL);
      if (!write_atomic (path, s, error))
        return FALSE;
    }
  return TRUE;
}

static const char *
deck_name (DeckKind deck)
{
  static const char *const names[DECK_N_KINDS] = { "planks", "diamond plate", "painted steel",
                                                   "rubber mat", "fibreglass" };

  return names[deck];
}

gboolean
fishsim_write_truth (const FathomFishsimOptions *opts,
                     const FishsimBoat          *boats,
                     FishsimPhoto *const        *photos,
                     guint                       n_photos,
                     GError                    **error)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autofree char *path = g_build_filename (opts->out_dir, "fishsim.json", NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  guint n_test = 0;

  for (guint i = 0; i < n_photos; i++)
    n_test += photos[i]->test;
  g_string_append_printf (s, "{\n  \"generator\": \"fathom-fishsim\",\n  \"version\": %d,\n"
                          "  \"seed\": %" G_GUINT64_FORMAT ",\n  \"scale\": %s,\n  \"quality\": %d,\n"
                          "  \"corpus\": %s,\n  \"n_train\": %u,\n  \"n_test\": %u,\n  \"classes\": [",
                          FATHOM_FISHSIM_VERSION, opts->seed,
                          g_ascii_dtostr (buf, sizeof buf, opts->scale), opts->quality,
                          opts->corpus ? "true" : "false", n_photos - n_test, n_test);
  for (int c = 0; c < FISHSIM_N_CLASSES; c++)
    g_string_append_printf (s, "%s\"%s\"", c ? ", " : "", fishsim_class_names[c]);
  g_string_append (s, "],\n  \"boats\": [");
  for (int b = 0; b < FISHSIM_N_BOATS; b++)
    g_string_append_printf (s, "%s\n    {\"id\": %d, \"width\": %d, \"height\": %d, \"camera_width\": %d, "
                            "\"camera_height\": %d, \"deck\": \"%s\"}",
                            b ? "," : "", b, boats[b].width, boats[b].height, boats[b].width0,
                            boats[b].height0, deck_name (boats[b].deck));
  g_string_append (s, "\n  ],\n  \"images\": [");
  for (guint i = 0; i < n_photos; i++)
    {
      const FishsimPhoto *p = photos[i];

      g_string_append_printf (s, "%s\n    {\"path\": \"%s\", \"split\": \"%s\", \"class\": \"%s\", \"boat\": %d, "
                              "\"width\": %d, \"height\": %d, \"night\": %s, \"fish\": [",
                              i ? "," : "", p->path, p->test ? "test" : "train", fishsim_class_names[p->cls],
                              p->boat, boats[p->boat].width, boats[p->boat].height, p->night ? "true" : "false");
      for (guint k = 0; k < p->n_fish; k++)
        {
          const FishsimFish *f = &p->fish[k];

          g_string_append_printf (s, "%s\n      {\"species\": \"%s\", \"dominant\": %s, ",
                                  k ? "," : "", fishsim_class_names[f->species], k == 0 ? "true" : "false");
          append_rect (s, f);
          append_point (s, "head", f->head);
          append_point (s, "tail", f->tail);
          g_string_append_printf (s, ", \"truncated\": %s, \"occluded\": %s}",
                                  f->truncated ? "true" : "false", f->occluded ? "true" : "false");
        }
      g_string_append (s, p->n_fish ? "\n    ]}" : "]}");
    }
  g_string_append (s, "\n  ]\n}\n");
  return write_atomic (path, s, error);
}

static gboolean
read_integer (JsonObject *root, const char *name, const char *path, gint64 min, gint64 max, gint64 *out,
              GError **error)
{
  JsonNode *node = json_object_get_member (root, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: \u201c%s\u201d is missing or not an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                   path, name, min, max);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
fathom_fishsim_read_options (const char *dir, FathomFishsimOptions *opts, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "fishsim.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root_node, *scale, *corpus;
  JsonObject *root;
  gint64 version, seed, quality, n_train;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  root_node = json_parser_get_root (parser);
  root = root_node != NULL && JSON_NODE_HOLDS_OBJECT (root_node) ? json_node_get_object (root_node) : NULL;
  if (root == NULL || g_strcmp0 (json_object_get_string_member_with_default (root, "generator", NULL),
                                 "fathom-fishsim") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s was not written by fishsim", path);
      return FALSE;
    }
  if (!read_integer (root, "version", path, 1, G_MAXINT, &version, error) ||
      !read_integer (root, "seed", path, 0, G_MAXINT64, &seed, error) ||
      !read_integer (root, "quality", path, 1, 100, &quality, error) ||
      !read_integer (root, "n_train", path, 1, FATHOM_FISHSIM_MAX_IMAGES, &n_train, error))
    return FALSE;
  if (version != FATHOM_FISHSIM_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s was written by fishsim version %" G_GINT64_FORMAT ", this one is version %d",
                   path, version, FATHOM_FISHSIM_VERSION);
      return FALSE;
    }
  scale = json_object_get_member (root, "scale");
  if (scale == NULL || !JSON_NODE_HOLDS_VALUE (scale) ||
      (json_node_get_value_type (scale) != G_TYPE_DOUBLE && json_node_get_value_type (scale) != G_TYPE_INT64) ||
      !(json_node_get_double (scale) > 0.0 && json_node_get_double (scale) <= 2.0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: \u201cscale\u201d is missing or not a number above 0 and at most 2", path);
      return FALSE;
    }
  corpus = json_object_get_member (root, "corpus");
  fathom_fishsim_options_init (opts);
  opts->n_images = (guint) n_train;
  opts->seed = (guint64) seed;
  opts->scale = json_node_get_double (scale);
  opts->quality = (int) quality;
  /* written before corpora existed: a dataset */
  opts->corpus = corpus != NULL && JSON_NODE_HOLDS_VALUE (corpus) && json_node_get_value_type (corpus) == G_TYPE_BOOLEAN &&
                 json_node_get_boolean (corpus);
  return TRUE;
}
