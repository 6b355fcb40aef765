/* fathom-cuda-cudnn-loader.c: libcudnn.so.9 through dlopen
 * (fathom-cuda-cudnn-loader.h). Built only with cuDNN's headers
 * (FATHOM_HAVE_CUDNN); nothing here links against cuDNN.
 */
#include "fathom-cuda-cudnn-loader.h"

#include <dlfcn.h>
#include <string.h>

typedef struct
{
  FathomCudnnApi api;
  gboolean       loaded;
  char          *reason;        /* why not; kept for the process's life */
} Loaded;

static Loaded loaded;

/* dlerror() is per thread and cleared by reading it. */
static const char *
last_dlerror (void)
{
  const char *message = dlerror ();

  return message != NULL ? message : "unknown error";
}

/* Looks up every function; FALSE (with the reason) at the first missing
 * one. A symbol that resolves to NULL is as unusable as a missing one. */
static gboolean
resolve (void *library, FathomCudnnApi *api, char **reason)
{
  void *symbol;

#define FATHOM_CUDNN_RESOLVE(name)                                                      \
  (void) dlerror ();                                                                    \
  symbol = dlsym (library, #name);                                                      \
  if (symbol == NULL)                                                                   \
    {                                                                                   \
      *reason = g_strdup_printf ("%s has no %s: %s", FATHOM_CUDNN_SONAME, #name,        \
                                 last_dlerror ());                                      \
      return FALSE;                                                                     \
    }                                                                                   \
  /* POSIX's blessed way from object pointer to function pointer */                     \
  memcpy (&api->name, &symbol, sizeof symbol);
  G_STATIC_ASSERT (sizeof (void *) == sizeof (void (*) (void)));
  FATHOM_CUDNN_FUNCTIONS (FATHOM_CUDNN_RESOLVE)
#undef FATHOM_CUDNN_RESOLVE
  return TRUE;
}

static gpointer
load_once (gpointer data)
{
  FathomCudnnApi api = { 0 };
  char *reason = NULL;
  void *library;

  /* RTLD_LOCAL: cuDNN's symbols stay out of the global namespace, so
   * nothing else in the process binds to them by accident. */
  library = dlopen (FATHOM_CUDNN_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL)
    {
      loaded.reason = g_strdup_printf ("%s not found: %s", FATHOM_CUDNN_SONAME, last_dlerror ());
      return &loaded;
    }
  if (!resolve (library, &api, &reason))
    {
      /* nothing of it was used: let it go */
      dlclose (library);
      loaded.reason = reason;
      return &loaded;
    }
  /* the library is never closed: live handles point into it */
  loaded.api = api;
  loaded.loaded = TRUE;
  return &loaded;
}

static const Loaded *
load (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, load_once, NULL);
}

const FathomCudnnApi *
fathom_cudnn_api_load (const char **reason)
{
  const Loaded *l = load ();

  if (reason != NULL)
    *reason = l->loaded ? NULL : l->reason;
  return l->loaded ? &l->api : NULL;
}

const FathomCudnnApi *
fathom_cudnn_api (void)
{
  const Loaded *l = load ();

  g_return_val_if_fail (l->loaded, NULL);
  return &l->api;
}
