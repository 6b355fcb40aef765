/* fathom-predictor.h: a trained experiment on any photo.
 *
 * Opens a run folder of fathom_experiment_run() (checkpoints/
 * model.safetensors and, for the mini trunk, checkpoints/
 * backbone.safetensors; pretrained VGG16 or ResNet50 weights are read
 * from the path the run recorded), rebuilds backbone and head on a
 * backend and runs them in inference mode on photos: resized to the
 * run's input without keeping the aspect and preprocessed as in
 * training, the size one-hot taken from the photo's own size.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-image.h"
#include "fathom-tensor.h"

G_BEGIN_DECLS

typedef struct _FathomPredictor FathomPredictor;

/* What the model said about one photo. */
typedef struct {
  float        *probs;          /* n_classes, owned */
  guint         n_classes;
  int           pred_class;
  gboolean      has_box;
  float         box[4];         /* [h, w, x, y] at the model input */
  /* [n_classes, h, w] class maps (fcn, allconv, inception), or NULL: one
   * value per feature cell (fcn's and inception's by shift and stitch,
   * fathom-dense-maps.h) */
  FathomTensor *maps;
  /* fcn's and inception's own coarser maps (5x5 and 3x5 on 22x40
   * features), or NULL */
  FathomTensor *coarse_maps;
} FathomPrediction;

void               fathom_prediction_clear            (FathomPrediction *prediction);

/* device: "cpu" or "cuda" (NULL: cpu). */
FathomPredictor   *fathom_predictor_new               (const char       *run_dir,
                                                       const char       *device,
                                                       GError          **error);
void               fathom_predictor_free              (FathomPredictor  *self);
const char        *fathom_predictor_get_experiment    (FathomPredictor  *self);
guint              fathom_predictor_get_n_classes     (FathomPredictor  *self);
/* NULL-terminated, in the model's order. */
const char *const *fathom_predictor_get_classes       (FathomPredictor  *self);
/* -1 for an unknown name. */
int                fathom_predictor_find_class        (FathomPredictor  *self,
                                                       const char       *name);
void               fathom_predictor_get_input_size    (FathomPredictor  *self,
                                                       int              *width,
                                                       int              *height);
gboolean           fathom_predictor_has_maps          (FathomPredictor  *self);
gboolean           fathom_predictor_has_box           (FathomPredictor  *self);

/* Whether fathom_predictor_predict() gives class maps (on by default).
 * fcn's and inception's maps at every feature cell cost a run of their
 * head for each offset of its grid (32 and 64 runs): off for work that
 * needs only the probabilities, such as a submission. */
void               fathom_predictor_set_want_maps     (FathomPredictor  *self,
                                                       gboolean          want);

/* One photo at its own size; out is cleared first. */
gboolean           fathom_predictor_predict           (FathomPredictor  *self,
                                                       const FathomImage *photo,
                                                       FathomPrediction *out,
                                                       GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FathomPredictor, fathom_predictor_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FathomPrediction, fathom_prediction_clear)

G_END_DECLS
