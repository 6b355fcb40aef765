/* fathom-fishsim-plan.c: which boat takes which photo of which class.
 *
 * Class and boat are chosen jointly: a boat x class table whose margins are
 * the real class frequencies and the real frequencies of the camera sizes,
 * while each boat's row has its own mix. So the set looks like Kaggle's as
 * a whole and the image size still gives the class away.
 */
#include "fathom-fishsim-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_SIZES 10
#define N_BOATS FISHSIM_N_BOATS

const char *const fishsim_class_names[FISHSIM_N_CLASSES] = {
  "ALB", "BET", "DOL", "LAG", "NoF", "OTHER", "SHARK", "YFT",
};
/* The real training set: images per class and per camera size. */
static const guint64 class_counts[FISHSIM_N_CLASSES] = { 1719, 200, 117, 67, 465, 299, 176, 734 };
static const struct { int width, height; guint64 count; } camera_sizes[N_SIZES] = {
  { 1280, 720, 1880 }, { 1280, 750, 520 }, { 1280, 974, 344 }, { 1276, 718, 192 },
  { 1192, 670, 169 }, { 1280, 924, 51 }, { 1518, 854, 37 }, { 1732, 974, 33 },
  { 1334, 750, 28 }, { 1244, 700, 23 },
};
/* 1280x720 and 1280x974 are two boats each. */
static const int boat_size[N_BOATS] = { 0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9 };

static guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

guint64
fishsim_stream_seed (guint64 seed, guint64 tag, guint64 index)
{
  return mix64 (seed ^ mix64 ((tag << 40) + index + 1));
}

void
fishsim_boat_camera (int boat, int *width0, int *height0)
{
  *width0 = camera_sizes[boat_size[boat]].width;
  *height0 = camera_sizes[boat_size[boat]].height;
}

/* ---- the plan: boat x class tables with the real margins -------------- */

/* Largest remainders, in integers so that no rounding can differ. */
static void
apportion (guint n, const guint64 *weights, guint k, guint *out)
{
  guint64 total = 0, rem[FISHSIM_N_CLASSES + N_SIZES];
  guint given = 0;

  for (guint i = 0; i < k; i++)
    total += weights[i];
  for (guint i = 0; i < k; i++)
    {
      out[i] = (guint) (n * weights[i] / total);
      rem[i] = n * weights[i] % total;
      given += out[i];
    }
  for (; given < n; given++)
    {
      guint best = 0;

      for (guint i = 1; i < k; i++)
        if (rem[i] > rem[best])
          best = i;
      out[best]++;
      rem[best] = 0;
    }
}

static void
fit_margins (double m[N_BOATS][FISHSIM_N_CLASSES], const double *rows, const double *cols)
{
  for (int it = 0; it < 200; it++)
    {
      for (int b = 0; b < N_BOATS; b++)
        {
          double s = 0;

          for (int c = 0; c < FISHSIM_N_CLASSES; c++)
            s += m[b][c];
          for (int c = 0; c < FISHSIM_N_CLASSES; c++)
            m[b][c] = s > 0 ? m[b][c] * rows[b] / s : 0;
        }
      for (int c = 0; c < FISHSIM_N_CLASSES; c++)
        {
          double s = 0;

          for (int b = 0; b < N_BOATS; b++)
            s += m[b][c];
          for (int b = 0; b < N_BOATS; b++)
            m[b][c] = s > 0 ? m[b][c] * cols[c] / s : 0;
        }
    }
}

/* Each boat favours one class strongly (the two big 1280x720 boats
 * albacore, the next biggest the next commonest classes), then the table is
 * fitted to both real margins: the boats' mixes differ, the totals do not. */
static void
plan_mix (FathomRng *rng, double split[N_SIZES], double mix[N_BOATS][FISHSIM_N_CLASSES])
{
  FishsimClass fav[N_BOATS] = { FISHSIM_ALB, FISHSIM_ALB, FISHSIM_YFT, FISHSIM_NOF, FISHSIM_OTHER,
                                FISHSIM_YFT, FISHSIM_BET, FISHSIM_SHARK, FISHSIM_DOL, FISHSIM_LAG,
                                FISHSIM_NOF, FISHSIM_OTHER };
  double rows[N_BOATS], cols[FISHSIM_N_CLASSES];

  for (int s = 0; s < N_SIZES; s++)
    split[s] = 0.35 + 0.3 * fathom_rng_uniform (rng);   /* first boat's part */
  for (int b = 2; b + 1 < N_BOATS; b++)
    if (fathom_rng_uniform (rng) < 0.4)
      {
        FishsimClass t = fav[b];

        fav[b] = fav[b + 1], fav[b + 1] = t;
      }
  for (int b = 0; b < N_BOATS; b++)
    {
      const int s = boat_size[b];
      gboolean shared = (b + 1 < N_BOATS && boat_size[b + 1] == s) || (b > 0 && boat_size[b - 1] == s);
      double part = !shared ? 1.0 : (b > 0 && boat_size[b - 1] == s) ? 1.0 - split[s] : split[s];

      rows[b] = camera_sizes[s].count * part / 3277.0;
      for (int c = 0; c < FISHSIM_N_CLASSES; c++)
        mix[b][c] = class_counts[c] * exp (fathom_rng_normal (rng, 0.0, 0.35)) * (c == (int) fav[b] ? 16.0 : 1.0);
    }
  for (int c = 0; c < FISHSIM_N_CLASSES; c++)
    cols[c] = class_counts[c] / 3777.0;
  fit_margins (mix, rows, cols);
}

typedef struct {
  double frac;
  int    cell;
} Cell;

static int
cell_cmp (gconstpointer a, gconstpointer b)
{
  const Cell *x = a, *y = b;

  if (x->frac != y->frac)
    return x->frac > y->frac ? -1 : 1;
  return x->cell - y->cell;
}

/* n photos as a whole table whose margins are the apportioned real ones. */
static void
plan_table (const double split[N_SIZES], const double mix[N_BOATS][FISHSIM_N_CLASSES], guint n,
            guint table[N_BOATS][FISHSIM_N_CLASSES])
{
  guint per_size[N_SIZES], per_class[FISHSIM_N_CLASSES], row_n[N_BOATS];
  guint64 size_w[N_SIZES];
  double m[N_BOATS][FISHSIM_N_CLASSES], rows[N_BOATS], cols[FISHSIM_N_CLASSES];
  int row_def[N_BOATS], col_def[FISHSIM_N_CLASSES];
  Cell cells[N_BOATS * FISHSIM_N_CLASSES];

  for (int s = 0; s < N_SIZES; s++)
    size_w[s] = camera_sizes[s].count;
  apportion (n, size_w, N_SIZES, per_size);
  apportion (n, class_counts, FISHSIM_N_CLASSES, per_class);
  for (int b = 0; b < N_BOATS; b++)
    {
      const int s = boat_size[b];

      if (b + 1 < N_BOATS && boat_size[b + 1] == s)
        row_n[b] = (guint) floor (per_size[s] * split[s] + 0.5);
      else if (b > 0 && boat_size[b - 1] == s)
        row_n[b] = per_size[s] - row_n[b - 1];
      else
        row_n[b] = per_size[s];
      rows[b] = row_n[b];
      row_def[b] = (int) row_n[b];
    }
  for (int c = 0; c < FISHSIM_N_CLASSES; c++)
    {
      cols[c] = per_class[c];
      col_def[c] = (int) per_class[c];
    }
  memcpy (m, mix, sizeof m);
  fit_margins (m, rows, cols);

  /* floors, then the largest fractions while both margins want more */
  for (int b = 0; b < N_BOATS; b++)
    for (int c = 0; c < FISHSIM_N_CLASSES; c++)
      {
        double f = floor (m[b][c]);   /* never above a margin: no epsilon */

        table[b][c] = (guint) f;
        row_def[b] -= (int) f;
        col_def[c] -= (int) f;
        cells[b * FISHSIM_N_CLASSES + c] = (Cell) { m[b][c] - f, b * FISHSIM_N_CLASSES + c };
      }
  qsort (cells, G_N_ELEMENTS (cells), sizeof cells[0], cell_cmp);
  for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
    {
      int b = cells[i].cell / FISHSIM_N_CLASSES, c = cells[i].cell % FISHSIM_N_CLASSES;

      if (row_def[b] > 0 && col_def[c] > 0)
        table[b][c]++, row_def[b]--, col_def[c]--;
    }
  /* whatever is left still balances: any row short meets a column short */
  for (int b = 0; b < N_BOATS; b++)
    for (int c = 0; c < FISHSIM_N_CLASSES && row_def[b] > 0; c++)
      while (row_def[b] > 0 && col_def[c] > 0)
        table[b][c]++, row_def[b]--, col_def[c]--;
}

/* Image numbers drawn from about twice as many, so that the gaps look like
 * Kaggle's; five digits at most. Sets each photo's path. */
static void
number_photos (FathomRng *rng, FishsimPhoto *photos, guint total)
{
  guint pool = MIN (2 * total, 99999);
  g_autofree gint64 *numbers = g_new (gint64, MAX (pool, 1));

  for (guint i = 0; i < pool; i++)
    numbers[i] = i + 1;
  fathom_rng_shuffle (rng, numbers, pool);
  for (guint i = 0; i < total; i++)
    {
      FishsimPhoto *p = &photos[i];

      p->number = (guint) numbers[i];
      if (p->test)
        p->path = g_strdup_printf ("test_stg1/img_%05u.jpg", p->number);
      else
        p->path = g_strdup_printf ("train/%s/img_%05u.jpg", fishsim_class_names[p->cls], p->number);
    }
}

FishsimPhoto *
fishsim_plan_photos (guint64 seed, guint n_train, guint n_test)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (fishsim_stream_seed (seed, FISHSIM_STREAM_PLAN, 0));
  double split[N_SIZES], mix[N_BOATS][FISHSIM_N_CLASSES];
  guint table[N_BOATS][FISHSIM_N_CLASSES];
  g_autofree gint64 *order = NULL;
  guint total = n_train + n_test;
  FishsimPhoto *photos = g_new0 (FishsimPhoto, total);

  plan_mix (rng, split, mix);
  order = g_new (gint64, MAX (total, 1));
  for (int part = 0; part < 2; part++)
    {
      guint first = part == 0 ? 0 : n_train, n = part == 0 ? n_train : n_test, k = 0;

      plan_table (split, mix, n, table);
      for (guint i = 0; i < n; i++)
        order[i] = i;
      fathom_rng_shuffle (rng, order, n);
      for (int b = 0; b < N_BOATS; b++)
        for (int c = 0; c < FISHSIM_N_CLASSES; c++)
          for (guint j = 0; j < table[b][c] && k < n; j++, k++)
            {
              FishsimPhoto *p = &photos[first + order[k]];

              p->boat = b;
              p->cls = (FishsimClass) c;
              p->test = part == 1;
            }
      g_warn_if_fail (k == n);
    }

  number_photos (rng, photos, total);
  return photos;
}

FishsimPhoto *
fishsim_plan_corpus (guint64 seed, guint n)
{
  g_autoptr(FathomRng) rng = fathom_rng_new (fishsim_stream_seed (seed, FISHSIM_STREAM_CORPUS_PLAN, 0));
  g_autofree gint64 *order = g_new (gint64, MAX (n, 1));
  FishsimPhoto *photos = g_new0 (FishsimPhoto, n);

  for (guint i = 0; i < n; i++)
    order[i] = i;
  fathom_rng_shuffle (rng, order, n);
  for (guint i = 0; i < n; i++)
    {
      FishsimPhoto *p = &photos[order[i]];

      p->cls = (FishsimClass) (i % FISHSIM_N_CLASSES);
      p->boat = (int) fathom_rng_below (rng, FISHSIM_N_BOATS);
    }
  number_photos (rng, photos, n);
  return photos;
}
