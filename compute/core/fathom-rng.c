/* fathom-rng.c: xoshiro256** seeded through SplitMix64. */
#include "fathom-rng.h"

#include <math.h>
#include <string.h>

struct _FathomRng
{
  guint64 s[4];
};

guint64
fathom_rng_mix64 (guint64 x)
{
  guint64 z = x + G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = fathom_rng_mix64 (*x);

  *x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  return z;
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

FathomRng *
fathom_rng_new (guint64 seed)
{
  FathomRng *self = g_new0 (FathomRng, 1);
  guint64 x = seed;

  for (int i = 0; i < 4; i++)
    self->s[i] = splitmix64 (&x);
  return self;
}

FathomRng *
fathom_rng_copy (const FathomRng *self)
{
  return g_memdup2 (self, sizeof *self);
}

void
fathom_rng_free (FathomRng *self)
{
  g_free (self);
}

guint64
fathom_rng_next_u64 (FathomRng *self)
{
  guint64 *s = self->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
fathom_rng_uniform (FathomRng *self)
{
  return (double) (fathom_rng_next_u64 (self) >> 11) * (1.0 / 9007199254740992.0);
}

guint64
fathom_rng_below (FathomRng *self, guint64 n)
{
  guint64 limit, r;

  g_return_val_if_fail (n > 0, 0);
  /* Rejection keeps the result unbiased for any n. */
  limit = G_MAXUINT64 - G_MAXUINT64 % n;
  do
    r = fathom_rng_next_u64 (self);
  while (r >= limit);
  return r % n;
}

double
fathom_rng_normal (FathomRng *self, double mean, double stddev)
{
  double u, v, r;

  /* Box-Muller's second value is dropped, so that the four state words are
   * the whole state (a resumed run continues the same sequence). */
  do
    u = fathom_rng_uniform (self);
  while (u <= 0.0);
  v = fathom_rng_uniform (self);
  r = sqrt (-2.0 * log (u));
  return mean + stddev * r * cos (2.0 * G_PI * v);
}

void
fathom_rng_fill_uniform (FathomRng *self, FathomTensor *t, float low, float high)
{
  float *d = fathom_tensor_get_data (t);
  gsize n = fathom_tensor_get_numel (t);

  for (gsize i = 0; i < n; i++)
    d[i] = (float) (low + (high - low) * fathom_rng_uniform (self));
}

void
fathom_rng_fill_normal (FathomRng *self, FathomTensor *t, float mean, float stddev)
{
  float *d = fathom_tensor_get_data (t);
  gsize n = fathom_tensor_get_numel (t);

  for (gsize i = 0; i < n; i++)
    d[i] = (float) fathom_rng_normal (self, mean, stddev);
}

void
fathom_rng_shuffle (FathomRng *self, gint64 *items, gint64 n)
{
  for (gint64 i = n - 1; i > 0; i--)
    {
      gint64 j = (gint64) fathom_rng_below (self, (guint64) i + 1);
      gint64 tmp = items[i];

      items[i] = items[j];
      items[j] = tmp;
    }
}

void
fathom_rng_get_state (const FathomRng *self, guint64 state[4])
{
  memcpy (state, self->s, sizeof self->s);
}

void
fathom_rng_set_state (FathomRng *self, const guint64 state[4])
{
  memcpy (self->s, state, sizeof self->s);
}
