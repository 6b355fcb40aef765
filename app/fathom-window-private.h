/* fathom-window-private.h: shared by fathom-window.c and its actions file. */
#pragma once

#include "fathom-dataset-summary.h"
#include "fathom-window.h"

G_BEGIN_DECLS

struct _FathomWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children, borrowed */
  AdwToastOverlay      *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  AdwFlap              *flap;
  AdwViewStack         *view_stack;
  GtkStack             *dataset_stack;
  GtkStack             *training_stack;
  GtkStack             *runs_stack;
  GtkStack             *review_stack;
  GtkStack             *text_stack;
  GtkButton            *generate_button;
  AdwStatusPage        *generating_page;
  GtkProgressBar       *generate_progress;
  AdwStatusPage        *loading_page;
  FathomDatasetSummary *summary;
  FathomDatasetSummary *sidebar_summary;
  AdwStatusPage        *run_page;

  /* owned */
  GSettings            *settings;
  FathomDataset        *dataset;
  GFile                *run;
  /* one per open in flight; several folders may open at once */
  GPtrArray            *opening;
  /* serials: a result older than what is shown is dropped */
  guint                 open_serial;
  guint                 shown_dataset_serial;
  guint                 shown_run_serial;
  GCancellable         *generate_cancellable;
};

void _fathom_window_actions_init    (FathomWindow *self);
void _fathom_window_update_actions  (FathomWindow *self);
/* expect_run: a folder without run.json is an error rather than a dataset. */
void _fathom_window_open_folder     (FathomWindow *self,
                                     GFile        *folder,
                                     gboolean      expect_run);
void _fathom_window_cancel_generation (FathomWindow *self);
void _fathom_window_reload          (FathomWindow *self);

G_END_DECLS
