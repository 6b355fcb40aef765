/* fathom-atomic-file.c: a temporary file beside the target, fsync, rename:
 * a crash never leaves half a file under the final name. */
#include "fathom-atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

struct _FathomAtomicFile
{
  char     *path;               /* as given: what messages name */
  char     *target;             /* what the rename replaces: path, or the file its links lead to */
  char     *tmp_path;           /* NULL when writing straight to path */
  int       fd;
  gboolean  direct;             /* a device, pipe or /dev/stdout: written in place */
  gboolean  failed;             /* a write failed: only abort is left */
};

static void
set_errno_error (GError **error, const char *what, const char *path, int saved_errno)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "%s “%s”: %s", what, path, g_strerror (saved_errno));
}

/* Closes and removes the temporary file and frees self. */
static void
discard (FathomAtomicFile *self)
{
  if (self->fd >= 0)
    close (self->fd);
  if (self->tmp_path != NULL)
    g_unlink (self->tmp_path);
  g_free (self->tmp_path);
  g_free (self->target);
  g_free (self->path);
  g_free (self);
}

/* Whether path names something that is not a plain file to be replaced:
 * a device, a pipe or socket, or /dev/stdout and its kin (a descriptor of
 * this process, whatever it is open on). */
static gboolean
write_in_place (const char *path)
{
  GStatBuf st;

  if (g_str_has_prefix (path, "/dev/") || g_str_has_prefix (path, "/proc/"))
    return TRUE;
  return g_stat (path, &st) == 0 &&
         (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode) || S_ISFIFO (st.st_mode) || S_ISSOCK (st.st_mode));
}

int
fathom_path_own_descriptor (const char *path)
{
  const char *n = NULL;
  guint64 fd;

  if (g_str_equal (path, "/dev/stdout"))
    return 1;
  if (g_str_equal (path, "/dev/stderr"))
    return 2;
  if (g_str_has_prefix (path, "/dev/fd/"))
    n = path + strlen ("/dev/fd/");
  else if (g_str_has_prefix (path, "/proc/self/fd/"))
    n = path + strlen ("/proc/self/fd/");
  if (n == NULL || !g_ascii_string_to_unsigned (n, 10, 0, G_MAXINT, &fd, NULL))
    return -1;
  return (int) fd;
}

/* The file a chain of symbolic links at path leads to, so that the rename
 * replaces that file and leaves the links; path itself where it is not a
 * link. A dangling link leads to where its last link points. */
static char *
link_target (const char *path)
{
  char *current = g_strdup (path);

  for (int hops = 0; hops < 40 && g_file_test (current, G_FILE_TEST_IS_SYMLINK); hops++)
    {
      g_autofree char *link = g_file_read_link (current, NULL);
      g_autofree char *dir = NULL;

      if (link == NULL)
        break;
      dir = g_path_get_dirname (current);
      g_free (current);
      current = g_path_is_absolute (link) ? g_steal_pointer (&link) : g_build_filename (dir, link, NULL);
    }
  return current;
}

FathomAtomicFile *
fathom_atomic_file_open (const char *path, GError **error)
{
  FathomAtomicFile *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (FathomAtomicFile, 1);
  self->path = g_strdup (path);
  self->fd = -1;
  if (write_in_place (path))
    {
      /* through a duplicate, so that the writes share the descriptor's
       * offset with what the process prints there */
      int own = fathom_path_own_descriptor (path);

      self->direct = TRUE;
      self->fd = own >= 0 ? fcntl (own, F_DUPFD_CLOEXEC, 3)
                          : g_open (path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0666);
      if (self->fd < 0)
        {
          set_errno_error (error, "Cannot write", path, errno);
          discard (self);
          return NULL;
        }
      return self;
    }
  self->target = link_target (path);
  /* g_file_open_tmp() would put it in /tmp, where rename() may cross file
   * systems; 0666 lets the umask decide as for any new file. */
  self->tmp_path = g_strdup_printf ("%s.XXXXXX", self->target);
  self->fd = g_mkstemp_full (self->tmp_path, O_WRONLY | O_CLOEXEC, 0666);
  if (self->fd < 0)
    {
      set_errno_error (error, "Cannot create a temporary file for", path, errno);
      g_clear_pointer (&self->tmp_path, g_free);   /* nothing to remove */
      discard (self);
      return NULL;
    }
  return self;
}

const char *
fathom_atomic_file_get_path (FathomAtomicFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

int
fathom_atomic_file_get_fd (FathomAtomicFile *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->fd;
}

static gboolean
check_not_failed (FathomAtomicFile *self, GError **error)
{
  if (!self->failed)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
               "Cannot write “%s”: an earlier write failed", self->path);
  return FALSE;
}

gboolean
fathom_atomic_file_write (FathomAtomicFile *self,
                          const void       *data,
                          gsize             len,
                          GError          **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_failed (self, error))
    return FALSE;
  while (len > 0)
    {
      /* Linux writes at most ~2 GiB per call anyway */
      gssize done = write (self->fd, p, MIN (len, (gsize) 1 << 30));

      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        {
          /* no progress on a regular file is as good as an I/O error */
          int saved_errno = done < 0 ? errno : EIO;

          self->failed = TRUE;
          set_errno_error (error, "Cannot write", self->path, saved_errno);
          return FALSE;
        }
      p += done;
      len -= (gsize) done;
    }
  return TRUE;
}

gboolean
fathom_atomic_file_write_floats_le (FathomAtomicFile *self,
                                    const float      *data,
                                    gsize             n,
                                    GError          **error)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return fathom_atomic_file_write (self, data, n * sizeof (float), error);
#else
  guint32 chunk[4096];

  for (gsize done = 0; done < n; )
    {
      gsize m = MIN (n - done, G_N_ELEMENTS (chunk));

      for (gsize i = 0; i < m; i++)
        {
          guint32 v;

          memcpy (&v, &data[done + i], 4);
          chunk[i] = GUINT32_TO_LE (v);
        }
      if (!fathom_atomic_file_write (self, chunk, m * 4, error))
        return FALSE;
      done += m;
    }
  return TRUE;
#endif
}

/* So that the rename itself survives a crash; best effort. */
static void
sync_parent_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

gboolean
fathom_atomic_file_commit (FathomAtomicFile *self, GError **error)
{
  int fd;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_failed (self, error))
    {
      discard (self);
      return FALSE;
    }
  /* a pipe or terminal cannot be synced (EINVAL): nothing to wait for */
  if (fsync (self->fd) != 0 && !(self->direct && (errno == EINVAL || errno == EROFS)))
    {
      set_errno_error (error, "Cannot write", self->path, errno);
      discard (self);
      return FALSE;
    }
  /* close() reports delayed write errors (NFS), so it counts too; it is
   * not retried, the descriptor is gone either way */
  fd = self->fd;
  self->fd = -1;
  if (close (fd) != 0)
    {
      set_errno_error (error, "Cannot write", self->path, errno);
      discard (self);
      return FALSE;
    }
  if (self->direct)
    {
      discard (self);
      return TRUE;
    }
  if (g_rename (self->tmp_path, self->target) != 0)
    {
      set_errno_error (error, "Cannot replace", self->path, errno);
      discard (self);
      return FALSE;
    }
  sync_parent_dir (self->target);
  g_clear_pointer (&self->tmp_path, g_free);     /* it is the path now */
  discard (self);
  return TRUE;
}

void
fathom_atomic_file_abort (FathomAtomicFile *self)
{
  if (self != NULL)
    discard (self);
}

gboolean
fathom_atomic_file_propagate_error (GError **dest,
                                    GError  *src,
                                    GQuark   domain,
                                    gint     code)
{
  if (src != NULL)
    {
      src->domain = domain;
      src->code = code;
      g_propagate_error (dest, src);
    }
  return FALSE;
}

gboolean
fathom_write_file_atomic (const char *path,
                          const void *data,
                          gssize      len,
                          GError    **error)
{
  g_autoptr(FathomAtomicFile) file = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len < 0)
    len = (gssize) strlen (data);
  file = fathom_atomic_file_open (path, error);
  if (file == NULL || !fathom_atomic_file_write (file, data, (gsize) len, error))
    return FALSE;
  return fathom_atomic_file_commit (g_steal_pointer (&file), error);
}
