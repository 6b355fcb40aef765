/* fathom-cpu-vector-private.h: four floats in one SSE vector (GCC's and
 * clang's vector extensions) and unaligned loads and stores of them, for
 * the CPU backend's vector loops (activations, batch norm, Winograd). */
#pragma once

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
