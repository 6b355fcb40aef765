/* fathom-e2e-driver.h: drives the real desktop application from outside,
 * as a user would, for the end-to-end test (test-e2e.c) and the README's
 * screenshots (screenshots.c).
 *
 * One FathomE2e holds a work folder (the synthetic dataset, the feature
 * cache, the runs and the screenshots), a private session bus when
 * dbus-daemon is there, and a registered FathomApplication with its
 * FathomWindow. Waiting means running the main loop until something
 * holds (the application's workers report through it); a wait that times
 * out is fatal, naming what it waited for. A screenshot is the window's
 * snapshot as a frame draws it, taken right after a frame (so every
 * widget has its allocation) and rendered by the window's own renderer
 * into cairo ARGB32 bytes; a pixel is a window point, and widgets'
 * positions map onto it with fathom_e2e_to_shot().
 *
 * Meant for programs under Xvfb with GSETTINGS_BACKEND=memory: the
 * window then has the schema's default size (1200x800) and the default
 * (light) style.
 */
#pragma once

#include <adwaita.h>

#include "fathom-application.h"
#include "fathom-run-view.h"
#include "fathom-train-panel.h"
#include "fathom-window.h"

G_BEGIN_DECLS

typedef struct {
  /* the synthetic dataset (fathom_fishsim_generate) */
  guint       n_images;
  double      scale;
  guint64     seed;
  /* the run started from the Training page */
  const char *experiment;
  guint       epochs;
  guint       batch_size;       /* 0: the preset's */
  int         width, height;    /* model input; 0: the preset's */
  guint       mini_epochs;      /* the small trunk's pretraining */
  guint       mini_corpus;      /* its fishsim corpus; 0 (the default here): the training split */
} FathomE2eOptions;

typedef struct {
  char              *work_dir;
  char              *data_dir;
  char              *cache_dir;
  char              *runs_dir;
  GTestDBus         *bus;        /* NULL without dbus-daemon */
  FathomApplication *app;
  FathomWindow      *window;     /* borrowed from the application */
  /* runs started with fathom_e2e_start_training, and what the Training
   * panel's "run-finished" said */
  guint              n_started;
  guint              n_finished;
  gboolean           run_ok;
  char              *run_dir;
  /* what the window's "run-opened" said */
  guint              n_runs_opened;
} FathomE2e;

/* A screenshot: width x height cairo ARGB32 pixels (B, G, R, A bytes on
 * little-endian machines; the window is opaque, so not premultiplied in
 * effect), pixel (x, y) at window point (x, y). */
typedef struct {
  int     width;
  int     height;
  guint8 *pixels;
} FathomE2eShot;

typedef gboolean (*FathomE2ePredicate) (FathomE2e *e2e,
                                        gpointer   data);

/* Before GTK starts: no accessibility bus, and the MIME database found
 * again where G_TEST_OPTION_ISOLATE_DIRS hid it (the app icon is SVG):
 * system_data_dirs as g_get_system_data_dirs() gave them before
 * g_test_init() isolated them; NULL: the current ones. */
void            fathom_e2e_init_environment  (const char * const *system_data_dirs);

/* work_dir: an existing folder to work in, or NULL for a new temporary
 * one. */
FathomE2e      *fathom_e2e_new               (const char         *work_dir);
/* Closes the window, drops the application, stops the bus, and with
 * remove_data deletes the dataset, the cache and the runs (never the
 * rest of the work folder). */
void            fathom_e2e_free              (FathomE2e          *e2e,
                                              gboolean            remove_data);

void            fathom_e2e_options_init      (FathomE2eOptions   *opts);

/* Writes the synthetic dataset into data_dir (blocking). */
void            fathom_e2e_generate_dataset  (FathomE2e          *e2e,
                                              const FathomE2eOptions *opts);
/* Registers and activates the application, as `fathom` does, and waits
 * for its window on screen. */
void            fathom_e2e_start_app         (FathomE2e          *e2e);
/* fathom_window_open() on data_dir, then waits until it is loaded. */
void            fathom_e2e_open_dataset      (FathomE2e          *e2e);

FathomTrainPanel *fathom_e2e_get_train_panel (FathomE2e          *e2e);
/* NULL until a run was opened. */
FathomRunView  *fathom_e2e_get_run_view      (FathomE2e          *e2e);

/* Shows the Training page, sets the panel's config from opts and presses
 * Start (the "train.start" action). */
void            fathom_e2e_start_training    (FathomE2e          *e2e,
                                              const FathomE2eOptions *opts);
/* Predicates for fathom_e2e_wait. */
gboolean        fathom_e2e_training_finished (FathomE2e          *e2e,
                                              gpointer            unused);
/* The finished run opened on the Runs page, the window idle. */
gboolean        fathom_e2e_run_shown         (FathomE2e          *e2e,
                                              gpointer            unused);

void            fathom_e2e_wait              (FathomE2e          *e2e,
                                              FathomE2ePredicate  pred,
                                              gpointer            data,
                                              guint               timeout_s,
                                              const char         *what);
/* Shows the dataset page's Photos (the thumbnail grid and the first
 * photo) and waits until every thumbnail asked for has arrived. */
void            fathom_e2e_show_photos       (FathomE2e          *e2e);

/* Lets a few frames pass, so that changes made before (a page shown, a
 * photo selected) are laid out and drawn. */
void            fathom_e2e_settle            (FathomE2e          *e2e);
/* The window as the next frame draws it. */
FathomE2eShot  *fathom_e2e_screenshot        (FathomE2e          *e2e);
void            fathom_e2e_shot_free         (FathomE2eShot      *shot);
/* Writes shot as dir/name (PNG) and returns the path. */
char           *fathom_e2e_shot_save         (const FathomE2eShot *shot,
                                              const char         *dir,
                                              const char         *name);
/* Red, green and blue of pixel (x, y) (inside the shot). */
void            fathom_e2e_shot_rgb          (const FathomE2eShot *shot,
                                              int                 x,
                                              int                 y,
                                              int                 rgb[3]);
/* Point (x, y) of widget's own coordinates as shot pixel coordinates. */
void            fathom_e2e_to_shot           (FathomE2e          *e2e,
                                              const FathomE2eShot *shot,
                                              GtkWidget          *widget,
                                              double              x,
                                              double              y,
                                              double             *shot_x,
                                              double             *shot_y);
/* widget's box in shot pixels; FALSE when it is not on screen. */
gboolean        fathom_e2e_widget_rect       (FathomE2e          *e2e,
                                              const FathomE2eShot *shot,
                                              GtkWidget          *widget,
                                              graphene_rect_t    *rect);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomE2eShot, fathom_e2e_shot_free)

G_END_DECLS
