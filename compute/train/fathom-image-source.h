/* fathom-image-source.h: dataset items as model inputs.
 *
 * Rows of a source are dataset items (given by index); loading a batch of
 * rows decodes each photo, resizes it to the model input (without keeping
 * the aspect, as the lesson does; a photo already at that size is not
 * resampled) and writes it preprocessed as [3, H, W] floats. Decoding and
 * resizing run in a pool of worker threads, since the backend computes
 * one batch at a time. Resized photos are kept in a small cache (the first
 * ones loaded, up to a byte budget), so that later epochs skip the JPEG
 * decoder.
 *
 * A source also serves as a FathomBatchSource for a graph with one image
 * input and an optional "class" target (one-hot over the dataset's
 * classes), e.g. to train a backbone.
 */
#pragma once

#include "fathom-dataset.h"
#include "fathom-image.h"
#include "fathom-trainer.h"

G_BEGIN_DECLS

typedef enum {
  FATHOM_INPUT_NORM_VGG,          /* the lesson's: minus the RGB mean, then BGR */
  FATHOM_INPUT_NORM_TORCHVISION,  /* RGB / 255, minus ImageNet mean, over std */
} FathomInputNorm;

/* "vgg" or "torchvision": the preprocessing part of a feature-cache key. */
const char *fathom_input_norm_to_string (FathomInputNorm norm);
/* Parses fathom_input_norm_to_string()'s names. */
gboolean    fathom_input_norm_from_string (const char      *name,
                                           FathomInputNorm *norm);
/* A photo (already at the model input) as [3, height, width] floats. */
void        fathom_input_normalize      (const FathomImage *img,
                                         FathomInputNorm    norm,
                                         float             *out);

typedef struct {
  int             width, height;  /* model input */
  FathomInputNorm norm;
  guint           n_threads;      /* decode workers; 0: one per processor */
  gsize           cache_bytes;    /* resized photos kept; 0 keeps none */
  /* Training augmentation: each row flipped left-right with probability
   * 1/2, decided by seed, row and the number of batches loaded so far
   * (so the same sequence of loads flips the same way every run). */
  gboolean        flip;
  /* Training augmentation at a larger scale: each photo with a box is
   * resized to crop_scale times the input and a window of the input's
   * size is cut from it at random (by the same stream as flip), keeping
   * the box inside (its centre, when it is larger than the window); a
   * photo without a box is shown whole. 0 or 1: no cropping. */
  double          crop_scale;
  /* Training augmentation of colour, by the same stream: each row's
   * contrast about the mean colour scaled by 1 + p u, its brightness
   * moved by 60 p u' grey levels and each channel by 20 p u'' more
   * (u, u', u'' uniform in [-1, 1]), as light, exposure and white balance
   * differ between photos and cameras. 0: none. */
  double          photometric;
  guint64         seed;
} FathomImageSourceOptions;

void fathom_image_source_options_init (FathomImageSourceOptions *options);

typedef struct _FathomImageSource FathomImageSource;

/* ds is borrowed and must outlive the source; items are indices into it. */
FathomImageSource *fathom_image_source_new   (FathomDataset                  *ds,
                                              const guint                    *items,
                                              guint                           n_items,
                                              const FathomImageSourceOptions *options);
void               fathom_image_source_free  (FathomImageSource              *self);
guint              fathom_image_source_get_n_rows (FathomImageSource     *self);
/* The dataset item of a row. */
guint              fathom_image_source_get_item   (FathomImageSource     *self,
                                                   gint64                 row);
/* Writes rows[0..count) as [count, 3, height, width] at out. Errors name
 * the file. */
gboolean           fathom_image_source_load  (FathomImageSource              *self,
                                              const gint64                   *rows,
                                              gint64                          count,
                                              float                          *out,
                                              GError                        **error);
/* Input 0: the images; target 0 (when wanted): the class one-hot. */
FathomBatchSource  fathom_image_source_get_batch_source (FathomImageSource *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomImageSource, fathom_image_source_free)

G_END_DECLS
