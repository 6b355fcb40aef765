/* fathom-cpu-vector-private.h: four floats in one SSE vector (GCC's and
 * clang's vector extensions) and unaligned loads and stores of them, for
 * the CPU backend's vector loops (activations, batch norm, Winograd,
 * the sums of a convolution's bias gradient). */
#pragma once

#include <glib.h>
#include <string.h>

typedef float v4sf __attribute__ ((vector_size (16)));
typedef int v4si __attribute__ ((vector_size (16)));

static inline v4sf
load4 (const float *p)
{
  v4sf v;

  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
store4 (float *p, v4sf v)
{
  memcpy (p, &v, sizeof v);
}

/* x < 0 ? 0 : x in each lane, as the scalar ReLU: a NaN stays NaN. */
static inline v4sf
relu4 (v4sf v)
{
  const v4sf zero = { 0.f, 0.f, 0.f, 0.f };

  return (v4sf) ((v4si) v & ~(v4si) (v < zero));
}

/* The sum of two vectors' eight lanes, in a fixed order. */
static inline float
lanes_sum (v4sf a, v4sf b)
{
  v4sf s = a + b;

  return (s[0] + s[1]) + (s[2] + s[3]);
}

/* The sum of x[k] - centre over a plane of n, in eight running sums (one
 * chain of adds waits on each add in turn). */
static inline double
plane_sum (const float *x, gint64 n, float centre)
{
  v4sf a = { 0 }, b = { 0 };
  gint64 k = 0;
  float tail = 0.f;

  for (; k + 8 <= n; k += 8)
    {
      a += load4 (x + k) - centre;
      b += load4 (x + k + 4) - centre;
    }
  for (; k < n; k++)
    tail += x[k] - centre;
  return (double) lanes_sum (a, b) + tail;
}
