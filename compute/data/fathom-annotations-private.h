/* fathom-annotations-private.h: what the reader (fathom-annotations.c) and
 * the writer (fathom-annotations-save.c) share. */
#pragma once

#include <sys/types.h>

#include "fathom-annotations.h"

G_BEGIN_DECLS

/* Identifies a loaded file whatever path spells it. */
typedef struct {
  dev_t dev;
  ino_t ino;
} FileId;

struct _FathomAnnotations
{
  GPtrArray  *entries;          /* FathomAnnotation *, load order */
  GHashTable *by_name;          /* basename -> FathomAnnotation *, borrowed */
  GPtrArray  *problems;         /* FathomAnnotationProblem * */
  GArray     *loaded;           /* FileId of every file loaded */
};

FathomAnnotation *fathom_annotation_entry_new   (const char        *filename,
                                                const char        *original,
                                                const char        *source,
                                                int                entry);
/* Adds a, or resolves a repeated basename (reported as DUPLICATE). */
void              fathom_annotations_add_entry (FathomAnnotations *self,
                                                FathomAnnotation  *a);
/* The part after the last '/' or '\\'. */
const char       *fathom_annotations_basename  (const char        *path);

G_END_DECLS
