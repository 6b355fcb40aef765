/* fathom-test-ui.h: scaffolding shared by the widget tests of the worker
 * panels (train, leakage, text lab): GTK set up for a virtual display, a
 * temporary work folder, a synthetic dataset, waiting on the main loop and
 * finding a panel's buttons, what its finished signal said. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* gtk_test_init() and adw_init(); without a session bus GTK's AT-SPI
 * bridge warns, and warnings are fatal in tests, so it is told not to. */
void       fathom_test_ui_init               (int         *argc,
                                              char      ***argv);

/* A new folder from a g_dir_make_tmp() template; asserts on failure. */
char      *fathom_test_ui_make_work_dir      (const char  *tmpl);

/* A fishsim dataset of n_images small photos (scale, seed) in dir. */
void       fathom_test_ui_make_fishsim       (const char  *dir,
                                              guint        n_images,
                                              double       scale,
                                              guint64      seed);

typedef gboolean (*FathomTestUiPredicate) (void);

/* Spins the default main context until pred() holds; fails the test,
 * naming what, after timeout_ms. */
void       fathom_test_ui_wait_until         (FathomTestUiPredicate  pred,
                                              guint                  timeout_ms,
                                              const char            *what);

/* The button below widget that activates action_name, or NULL. */
GtkWidget *fathom_test_ui_find_action_button (GtkWidget   *widget,
                                              const char  *action_name);

/* What a panel's "run-finished" said, and how often. */
typedef struct {
  guint     n;          /* signals so far */
  guint     expected;   /* what fathom_test_ui_has_finished() waits for */
  char     *dir;        /* the last one's run folder */
  gboolean  ok;
} FathomTestUiFinished;

extern FathomTestUiFinished fathom_test_ui_finished;

/* Records panel's signal (run_dir, ok) into fathom_test_ui_finished. */
void       fathom_test_ui_record_finished    (gpointer     panel,
                                              const char  *signal);

/* A window of width × height showing panel (a FathomWorkerPanel),
 * presented, its "run-finished" recorded. */
GtkWidget *fathom_test_ui_present_panel      (gpointer     panel,
                                              int          width,
                                              int          height);

/* After the tests: window destroyed, work_dir removed, the record freed. */
void       fathom_test_ui_teardown           (GtkWidget   *window,
                                              const char  *work_dir);

/* n >= expected */
gboolean   fathom_test_ui_has_finished       (void);

/* Nothing runs: Start (PREFIX.start) can be pressed, Stop cannot. */
void       fathom_test_ui_assert_ready       (GtkWidget   *panel,
                                              gboolean     running,
                                              const char  *prefix);

G_END_DECLS
