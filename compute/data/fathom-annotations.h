/* fathom-annotations.h: Sloth JSON annotation files (the fisheries boxes
 * and the head/tail point set), read, corrected and written back.
 *
 * A Sloth file is a JSON list of entries
 *   {"filename": "...", "class": "image",
 *    "annotations": [{"class": "rect", "x", "y", "width", "height"},
 *                    {"class": "point", "x", "y"}, ...]}
 * in original-image pixels. Entries are keyed by the basename of
 * "filename" (the crowd files carry paths from the annotators' machines).
 *
 * Real files are messy, so nothing inside a well-formed list is fatal:
 * every oddity becomes a FathomAnnotationProblem and the rest loads. Only
 * an unreadable file, malformed JSON or a top level that is not a list is
 * an error (naming the file, with json-glib's line:column).
 *
 * An image's box: the largest rect (width * height), as the course kept;
 * without a rect, a box made from the first two points (head, tail) by
 * fathom_box_from_points() (fathom-box.h); otherwise none (callers use an
 * all-zero box).
 */
#pragma once

#include <glib.h>

#include "fathom-box.h"

G_BEGIN_DECLS

#define FATHOM_ANNOTATIONS_ERROR (fathom_annotations_error_quark ())

typedef enum {
  FATHOM_ANNOTATIONS_ERROR_IO,          /* cannot read or write the file */
  FATHOM_ANNOTATIONS_ERROR_PARSE,       /* not JSON, or empty */
  FATHOM_ANNOTATIONS_ERROR_FORMAT,      /* the top level is not a list */
  FATHOM_ANNOTATIONS_ERROR_ORIGINAL,    /* saving over a file that was loaded */
} FathomAnnotationsError;

typedef enum {
  FATHOM_ANNOTATION_PROBLEM_NO_SHAPES,     /* entry without a usable rect or point */
  FATHOM_ANNOTATION_PROBLEM_ONE_POINT,     /* a single point: no box */
  FATHOM_ANNOTATION_PROBLEM_EXTRA_POINTS,  /* 3 or more points: the first two used */
  FATHOM_ANNOTATION_PROBLEM_SAME_POINTS,   /* head and tail coincide: no box */
  FATHOM_ANNOTATION_PROBLEM_EMPTY_OBJECT,  /* {} in "annotations" */
  FATHOM_ANNOTATION_PROBLEM_UNKNOWN_CLASS, /* "class" missing or not rect/point/image */
  FATHOM_ANNOTATION_PROBLEM_BAD_COORDINATE,/* x, y, width or height missing, not a number,
                                            * or 1e9 or more in size */
  FATHOM_ANNOTATION_PROBLEM_BAD_RECT,      /* width or height zero or negative */
  FATHOM_ANNOTATION_PROBLEM_WRONG_TYPE,    /* entry or annotation not an object, list not a list */
  FATHOM_ANNOTATION_PROBLEM_NO_FILENAME,   /* "filename" missing, empty or not a string */
  FATHOM_ANNOTATION_PROBLEM_DUPLICATE,     /* a basename seen before: the later entry
                                            * wins, unless only the earlier has shapes */
  FATHOM_ANNOTATION_PROBLEM_UNKNOWN_IMAGE, /* matches no image of the dataset */
  FATHOM_ANNOTATION_N_PROBLEM_KINDS
} FathomAnnotationProblemKind;

typedef struct {
  FathomAnnotationProblemKind kind;
  char *source;                 /* the file (or bytes name) it was found in */
  int   entry;                  /* position in that file's list */
  char *filename;               /* the image basename, or NULL */
  char *message;                /* whole sentence naming source and entry */
} FathomAnnotationProblem;

/* One image's entry. Read-only for callers; owned by the set. */
typedef struct {
  char   *filename;             /* basename: the key */
  char   *original_filename;    /* as written in the file, written back */
  char   *source;               /* file it came from; NULL if added later */
  int     entry;                /* position in that file's list, or -1 */
  GArray *rects;                /* FathomBox, valid ones, in file order */
  GArray *points;               /* FathomPoint, in file order */
} FathomAnnotation;

typedef struct _FathomAnnotations FathomAnnotations;

GQuark       fathom_annotations_error_quark        (void);

FathomAnnotations *fathom_annotations_new          (void);
void         fathom_annotations_free               (FathomAnnotations *self);
/* Adds a file's entries to the set (several class files make one set).
 * FALSE with an error only for the fatal cases above; the set is unchanged
 * then. */
gboolean     fathom_annotations_load_file          (FathomAnnotations *self,
                                                    const char        *path,
                                                    GError           **error);
/* The same from memory (fuzzing, tests); name is used in messages. */
gboolean     fathom_annotations_load_bytes         (FathomAnnotations *self,
                                                    GBytes            *bytes,
                                                    const char        *name,
                                                    GError           **error);
/* Every "*_labels.json" in dir, in name order. A directory without any is
 * not an error. */
gboolean     fathom_annotations_load_dir           (FathomAnnotations *self,
                                                    const char        *dir,
                                                    GError           **error);

/* The annotations of a dataset folder's annotations/, to draw beside a
 * run's photos; NULL when dir is NULL or holds none or they cannot be
 * read (nothing to draw then). */
FathomAnnotations *fathom_annotations_load_dataset (const char        *dir);

guint        fathom_annotations_get_n_entries      (FathomAnnotations *self);
/* In load order. */
const FathomAnnotation *fathom_annotations_get_entry (FathomAnnotations *self,
                                                    guint              i);
/* By image basename (a path is reduced to its basename); NULL if none. */
const FathomAnnotation *fathom_annotations_lookup  (FathomAnnotations *self,
                                                    const char        *filename);

guint        fathom_annotations_get_n_problems     (FathomAnnotations *self);
const FathomAnnotationProblem *fathom_annotations_get_problem (FathomAnnotations *self,
                                                    guint              i);
guint        fathom_annotations_count_problems     (FathomAnnotations *self,
                                                    FathomAnnotationProblemKind kind);
/* A stable short name ("one-point", ...) for listings and JSON. */
const char  *fathom_annotation_problem_kind_to_string (FathomAnnotationProblemKind kind);

/* Reports an UNKNOWN_IMAGE problem for each entry whose basename is not a
 * key of known (a set of basenames). Replaces the UNKNOWN_IMAGE problems of
 * an earlier call. Returns how many entries matched no image. */
guint        fathom_annotations_check_names        (FathomAnnotations *self,
                                                    GHashTable        *known);

/* The index in rects of the kept rect, the one get_box gives: the largest,
 * the later of equals (the course sorted by area and took the last); -1
 * without rects or entry. The others are the photo's other marked fish. */
int          fathom_annotation_get_kept_rect       (const FathomAnnotation *self);
/* The rects but the kept one, in file order (FathomBox; empty for NULL). */
GArray      *fathom_annotation_dup_other_rects     (const FathomAnnotation *self);
/* The image's box (see the top of the file). Point boxes are clipped to
 * the image when its size is known (width, height > 0); rects are returned
 * as annotated, since the course's scaling clamps x and y itself. FALSE and
 * an all-zero box when the entry has none; self may be NULL. */
gboolean     fathom_annotation_get_box             (const FathomAnnotation *self,
                                                    int                image_width,
                                                    int                image_height,
                                                    FathomBox         *box);

/* Corrections. set_rect and set_points replace the shapes of that kind for
 * the image (creating an entry when there is none); n_points 0 or box NULL
 * removes them. */
void         fathom_annotations_set_rect           (FathomAnnotations *self,
                                                    const char        *filename,
                                                    const FathomBox   *box);
/* Replaces the image's kept rect (the largest, the one
 * fathom_annotation_get_box gives and the lesson trains on) with box,
 * keeping its other shapes, the other marked fish; without a rect, box
 * is added (and the entry made when there is none). */
void         fathom_annotations_set_kept_rect      (FathomAnnotations *self,
                                                    const char        *filename,
                                                    const FathomBox   *box);
void         fathom_annotations_set_points         (FathomAnnotations *self,
                                                    const char        *filename,
                                                    const FathomPoint *points,
                                                    guint              n_points);
/* Writes every entry in Sloth format, rects then points, atomically
 * (temporary file beside path, fsync, rename). Refuses a path that is one
 * of the files loaded: corrections never overwrite the original. What could
 * not be understood (empty objects, bad coordinates) is not written. */
gboolean     fathom_annotations_save               (FathomAnnotations *self,
                                                    const char        *path,
                                                    GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomAnnotations, fathom_annotations_free)

G_END_DECLS
