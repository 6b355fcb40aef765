/* fathom-class-counts-bar.h: photos per class at a glance, as a row of
 * toggles: each shows the class name, a count and a thin bar scaled to the
 * largest count. Turning one on asks to show only that class ("class-
 * selected" with its index); turning the current one off asks for all
 * (FATHOM_DATASET_FILTER_ANY_CLASS). The owner decides and calls
 * set_current().
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FATHOM_TYPE_CLASS_COUNTS_BAR (fathom_class_counts_bar_get_type ())
G_DECLARE_FINAL_TYPE (FathomClassCountsBar, fathom_class_counts_bar, FATHOM, CLASS_COUNTS_BAR, GtkWidget)

GtkWidget *fathom_class_counts_bar_new         (void);

/* NULL-terminated names; with_unlabelled adds a last "Unlabelled" toggle
 * (class -1). Counts start at 0. */
void       fathom_class_counts_bar_set_classes (FathomClassCountsBar *self,
                                                const char * const   *class_names,
                                                gboolean              with_unlabelled);
/* counts[k] for class k, counts[n_classes] for the unlabelled photos. */
void       fathom_class_counts_bar_set_counts  (FathomClassCountsBar *self,
                                                const guint          *counts);
/* Which toggle is on: a class, -1, or FATHOM_DATASET_FILTER_ANY_CLASS for
 * none. Emits nothing. */
void       fathom_class_counts_bar_set_current (FathomClassCountsBar *self,
                                                int                   class_index);

/* The toggles in order, each with a label carrying the CSS class "count"
 * (for tests and the window's tour). Transfer container. */
GPtrArray *fathom_class_counts_bar_get_buttons (FathomClassCountsBar *self);

G_END_DECLS
