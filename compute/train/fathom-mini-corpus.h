/* fathom-mini-corpus.h: the photos mini pretrains on when the dataset is
 * a fishsim one.
 *
 * ImageNet never saw the Kaggle boats, and its classes are not tied to
 * them. Trained on a fishsim dataset's own training split, mini learnt the
 * leak as well as the fish: on boat 6, where 56% of the photos are sharks,
 * the SHARK map lit up on the deck's gear. So for a fishsim set it
 * pretrains instead on a corpus of other photos of the same fleet, made
 * for it (FathomFishsimOptions.corpus): classes in equal numbers, each
 * photo's boat drawn apart from its fish, none of them a photo of the
 * dataset. The corpus is kept in the cache folder, named after what makes
 * it, and made again only when it is missing or unfinished.
 */
#pragma once

#include <gio/gio.h>

#include "fathom-dataset.h"
#include "fathom-trainer.h"

G_BEGIN_DECLS

/* For ds made by fishsim (a readable fishsim.json that is not itself a
 * corpus's), the corpus of n_images photos of its fleet, found in
 * cache_dir or made now (progress reports phase "corpus", one batch per
 * photo), loaded with every photo in the training split. *corpus is NULL
 * when ds is no fishsim set. FALSE with an error when the corpus cannot be
 * made or read, or ds's fishsim.json is unreadable. */
gboolean fathom_mini_corpus_ensure (FathomDataset            *ds,
                                    guint                     n_images,
                                    const char               *cache_dir,
                                    guint                     n_threads,
                                    FathomTrainProgressFunc   progress,
                                    gpointer                  user_data,
                                    GCancellable             *cancellable,
                                    FathomDataset           **corpus,
                                    GError                  **error);

G_END_DECLS
