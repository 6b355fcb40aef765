/* fathom-atomic-file.h: a file replaced whole or not at all.
 *
 * fathom_atomic_file_open() creates "PATH.XXXXXX" beside PATH (so that the
 * final rename() cannot cross file systems) with mode 0666 less the umask,
 * as for any new file. Writes go to it; fathom_atomic_file_commit() fsyncs
 * and closes it, renames it over PATH and fsyncs the directory (best
 * effort), while fathom_atomic_file_abort() removes it. Until the commit
 * succeeds an existing PATH is left exactly as it was, and no failure
 * leaves the temporary file behind.
 *
 * Where PATH is a symbolic link, the file it leads to is replaced and the
 * link stays. Where PATH is not a plain file to replace (a device, a pipe
 * or socket, or any path under /dev/ or /proc/, such as /dev/stdout), it
 * is opened and written in place: nothing is atomic there, and an abort
 * cannot take back what was written.
 *
 * Commit and abort both consume the file; g_autoptr() aborts one that was
 * not committed. After a failed write the file is spent: further writes
 * and the commit fail, and the caller aborts (or lets the autoptr do it).
 *
 * Errors are G_FILE_ERROR, coded from errno, with messages naming PATH
 * (never the temporary name) and g_strerror(): "Cannot create a temporary
 * file for “PATH”: ...", "Cannot write “PATH”: ..." (writes, fsync, close)
 * and "Cannot replace “PATH”: ..." (the rename). Modules with their own
 * error domain convert them with fathom_atomic_file_propagate_error().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FathomAtomicFile FathomAtomicFile;

FathomAtomicFile *fathom_atomic_file_open       (const char        *path,
                                                 GError           **error);
/* The final path, as given to open. */
const char       *fathom_atomic_file_get_path   (FathomAtomicFile  *self);
/* The temporary file's descriptor, for what the writes cannot do
 * (fallocate, say); valid until the commit or abort, not to be closed. */
int               fathom_atomic_file_get_fd     (FathomAtomicFile  *self);
/* All of data, through short writes and EINTR. */
gboolean          fathom_atomic_file_write      (FathomAtomicFile  *self,
                                                 const void        *data,
                                                 gsize              len,
                                                 GError           **error);
/* n floats as little-endian float32, whatever the host's byte order. */
gboolean          fathom_atomic_file_write_floats_le (FathomAtomicFile *self,
                                                 const float       *data,
                                                 gsize              n,
                                                 GError           **error);
/* fsync, close, rename over the path, fsync the directory. Consumes self;
 * on failure the temporary file is gone and the path untouched. */
gboolean          fathom_atomic_file_commit     (FathomAtomicFile  *self,
                                                 GError           **error);
/* Removes the temporary file and frees self; NULL is fine. */
void              fathom_atomic_file_abort      (FathomAtomicFile  *self);

/* Moves src (may be NULL) into dest as domain/code, keeping its message;
 * returns FALSE, for "return fathom_atomic_file_propagate_error (...)". */
gboolean          fathom_atomic_file_propagate_error (GError  **dest,
                                                 GError            *src,
                                                 GQuark             domain,
                                                 gint               code);

/* The whole of data (len -1: a NUL-terminated string) written to path as
 * above, in one call. */
gboolean          fathom_write_file_atomic      (const char        *path,
                                                 const void        *data,
                                                 gssize             len,
                                                 GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomAtomicFile, fathom_atomic_file_abort)

/* The descriptor of this process that path names (/dev/stdout 1,
 * /dev/stderr 2, /dev/fd/N and /proc/self/fd/N N), or -1. */
int               fathom_path_own_descriptor    (const char        *path);

G_END_DECLS
