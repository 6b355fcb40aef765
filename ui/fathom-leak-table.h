/* fathom-leak-table.h: the leak of the fisheries data at a glance.
 *
 * Labelled photos per image size (rows, most photos first; one size is
 * about one boat) and class (columns), each count shaded by its share of
 * its row, then the row's total and its commonest class with that share.
 * A dark cell is a boat that mostly lands one species: the image size
 * alone predicts the class. Beneath, that in one line: how often "the
 * commonest class of the photo's size" is right, against "the commonest
 * class overall".
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FATHOM_TYPE_LEAK_TABLE (fathom_leak_table_get_type ())
G_DECLARE_FINAL_TYPE (FathomLeakTable, fathom_leak_table, FATHOM, LEAK_TABLE, GtkWidget)

GtkWidget *fathom_leak_table_new          (void);

/* items: FathomDatasetItemObject (unlabelled ones are left out), with
 * NULL-terminated class_names; both read now, not kept. NULL clears. */
void       fathom_leak_table_set_items    (FathomLeakTable    *self,
                                           GListModel         *items,
                                           const char * const *class_names);

/* Row 0: headers; column 0: sizes ("448×252"); then one column per
 * class, "Total" and "Top" ("ALB 74%"). Labels throughout; a count's
 * label has the CSS class "shade-N", N = round(10 * share of its row). */
GtkGrid   *fathom_leak_table_get_grid     (FathomLeakTable    *self);

/* Fractions of the labelled photos that each guess gets right (0 when
 * there are none). */
void       fathom_leak_table_get_accuracy (FathomLeakTable    *self,
                                           double             *by_size,
                                           double             *overall);

G_END_DECLS
