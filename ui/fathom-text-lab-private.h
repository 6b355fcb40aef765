/* fathom-text-lab-private.h: the Text lab's parts, shared by
 * fathom-text-lab.c (runs and the widget), fathom-text-lab-settings.c (the
 * settings column) and fathom-text-lab-samples.c (the generated text). */
#pragma once

#include <adwaita.h>

#include "fathom-text-lab.h"
#include "fathom-text-sample-call.h"
#include "fathom-worker-panel-job.h"

G_BEGIN_DECLS

/* One run (fathom-worker-panel-job.h); its relay's points are
 * fathom-text-lab.c's Point. */
typedef struct {
  FathomWorkerJob      parent;

  /* fixed before the worker starts; the config's strings point here */
  FathomTextConfig     config;
  char                *corpus_path;

  /* main thread only */
  guint                epochs_done;   /* epoch checkpoints reported */
  guint                last_epoch;    /* 1-based, of the last progress */
  gboolean             has_model;     /* it ended and wrote model.safetensors */
  gboolean             stopped;
} FathomTextLabJob;

struct _FathomTextLab
{
  FathomWorkerPanel     parent_instance;

  /* children, borrowed */
  AdwActionRow         *corpus_row;
  GtkButton            *corpus_button;
  AdwComboRow          *model_row;
  GtkSpinButton        *epochs_spin;
  GtkSpinButton        *batch_spin;
  GtkSpinButton        *lr_spin;
  GtkSpinButton        *hidden_spin;
  GtkSpinButton        *seed_spin;
  GtkSpinButton        *max_spin;
  GtkSpinButton        *valid_spin;
  AdwComboRow          *device_row;
  GtkLabel             *hint_label;
  GtkLabel             *error_label;
  GtkLabel             *status_label;
  GtkProgressBar       *progress_bar;
  GtkLabel             *detail_label;
  FathomChart          *chart;
  GtkScale             *temperature_scale;
  GtkCheckButton       *argmax_check;
  GtkSpinButton        *length_spin;
  GtkEntry             *prime_entry;
  GtkLabel             *sample_label;
  GtkTextView          *text_view;

  /* owned */
  char                 *cuda_reason;      /* NULL while CUDA is usable or unknown */
  GtkFileChooserNative *chooser;
  FathomTextLabJob     *sample_job;       /* the run samples come from: running or last */
  FathomTextConfig      extra;            /* the settings without a row */

  int                   train_series;     /* -1 until the first point */
  int                   valid_series;
  gboolean              cuda_probed;
  gboolean              want_cuda;        /* asked for before the probe ended */
  gboolean              updating;         /* rows moved by code, not the user */
  gboolean              disposed;

  /* sampling */
  FathomTextSampleCall *pending;          /* waits for the call in flight */
  gboolean              in_flight;
  gboolean              wait_checkpoint;  /* Sample pressed before the first epoch ended */
  FathomTextSampler    *sampler;          /* of the last checkpoint read */
  char                 *sampler_key;
  guint64               sample_seed;
  gboolean              has_source;       /* what the last sample read, for resampling */
  guint                 source_epoch;     /* 0: model.safetensors */
  guint                 source_shown;
  guint                 n_samples;
  GQueue               *entry_ends;       /* GtkTextMark, the newest entry's first */
  char                 *sample_text;      /* the newest sample, NULL after an error */
  guint                 sample_epoch;
  double                sample_temperature;
};

void              _fathom_text_lab_label_widget        (gpointer          widget,
                                                        const char       *label);

/* fathom-text-lab-settings.c */
GtkWidget        *_fathom_text_lab_build_settings      (FathomTextLab    *self);
/* The default text, the model's rate, the GPU probe. */
void              _fathom_text_lab_settings_init       (FathomTextLab    *self);
/* FathomWorkerPanel's cannot_start: newly allocated, or NULL when Start
 * can run. */
char             *_fathom_text_lab_cannot_start        (FathomWorkerPanel *panel);
/* FathomWorkerPanel's update_state: the rows' sensitivity, the text
 * file's and the device row's words. */
void              _fathom_text_lab_update_state        (FathomWorkerPanel *panel,
                                                        gboolean           running);

/* fathom-text-lab-samples.c */
GtkWidget        *_fathom_text_lab_build_samples       (FathomTextLab    *self);
/* Samples now come from job, its seed first. */
void              _fathom_text_lab_samples_start       (FathomTextLab    *self,
                                                        FathomTextLabJob *job);
/* job's newest epoch checkpoint exists: sample it. */
void              _fathom_text_lab_sample_epoch_end    (FathomTextLab    *self,
                                                        FathomTextLabJob *job);
/* job ended: sample a stopped run's weights. */
void              _fathom_text_lab_sample_run_end      (FathomTextLab    *self,
                                                        FathomTextLabJob *job,
                                                        gboolean          ok);
void              _fathom_text_lab_samples_dispose     (FathomTextLab    *self);
void              _fathom_text_lab_samples_finalize    (FathomTextLab    *self);

G_END_DECLS
