/* fathom-fishsim.h: the built-in synthetic fisheries dataset, so that a new
 * user can run the lesson without downloading the Kaggle photos.
 *
 * It writes the Kaggle layout under opts->out_dir:
 *   train/{ALB,BET,DOL,LAG,NoF,OTHER,SHARK,YFT}/img_NNNNN.jpg
 *   test_stg1/img_NNNNN.jpg                (about n_images / 4, unlabelled)
 *   annotations/{alb,bet,dol,lag,shark,yft}_labels.json   (Sloth rects)
 *   fishsim.json                           (the whole truth, written last)
 * Image numbers are unique across classes and splits, as on Kaggle.
 *
 * Twelve boats with fixed cameras take the photos, at the ten real image
 * sizes with their real frequencies (1280x720 and 1280x974 are two boats
 * each). Class frequencies follow the real ones, while each boat has its
 * own mix of classes: image size predicts the class well above the
 * majority rate, the leak the lesson exploits.
 *
 * The same options give byte-identical files whatever the number of
 * threads: every photo has its own random stream, derived from the seed
 * and its index.
 *
 * Defaults (fathom_fishsim_options_init): 1500 training and 375 test
 * images, seed 1, scale 0.35 (448x252 for 1280x720: every photo is at
 * least 224 on a side, so the lesson's 224x224 input never upsamples),
 * JPEG quality 88, one thread per processor. That takes 2.7 s on 2 cores
 * (5.3 s on one) and 55 MB of disk.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FATHOM_FISHSIM_VERSION 1

/* More would need six-digit image numbers. */
#define FATHOM_FISHSIM_MAX_IMAGES 40000

typedef struct {
  const char *out_dir;          /* created if missing; see generate() */
  guint       n_images;         /* training images, 1..FATHOM_FISHSIM_MAX_IMAGES */
  guint64     seed;
  double      scale;            /* multiplies the camera sizes, (0, 2]; sides >= 16 */
  int         quality;          /* JPEG, 1..100 */
  guint       n_threads;        /* 0: one per processor */
  /* A pretraining corpus instead of a dataset: the same fleet (the boats
   * come from the seed alone), photos from other random streams, so none
   * repeats a dataset photo of that seed, and each photo's class and boat
   * drawn apart, the classes in equal numbers and the boats uniformly: the
   * boat says nothing of the fish. No test_stg1 photos. */
  gboolean    corpus;
} FathomFishsimOptions;

/* Called on the thread that runs fathom_fishsim_generate(), after each
 * photo written (done counts train and test photos together). */
typedef void (*FathomFishsimProgress) (guint    done,
                                       guint    total,
                                       gpointer user_data);

void     fathom_fishsim_options_init (FathomFishsimOptions  *opts);

/* How many test_stg1 photos come with n_images training photos (none
 * with a corpus). */
guint    fathom_fishsim_test_count   (guint                  n_images);

/* Width and height of a real camera size at the given scale. */
void     fathom_fishsim_scaled_size  (int                    width,
                                      int                    height,
                                      double                 scale,
                                      int                   *out_width,
                                      int                   *out_height);

/* Blocking; run it in a worker thread from a UI. out_dir must be missing,
 * empty, or hold an earlier fishsim dataset (whose photos, annotations and
 * truth are then removed first); anything else there is refused, so that a
 * wrong path never loses a user's files. Cancellation is checked between
 * photos and gives G_IO_ERROR_CANCELLED, leaving no fishsim.json. */
gboolean fathom_fishsim_generate     (const FathomFishsimOptions *opts,
                                      FathomFishsimProgress  progress_cb,
                                      gpointer               user_data,
                                      GCancellable          *cancellable,
                                      GError               **error);

/* The options the fishsim set at dir was made with, from its fishsim.json
 * (out_dir and n_threads left unset). An error names the file and what
 * is wrong: missing, not fishsim's, another version, a bad value. */
gboolean fathom_fishsim_read_options (const char            *dir,
                                      FathomFishsimOptions  *opts,
                                      GError               **error);

G_END_DECLS
