/* fathom-safetensors.c */
#include "fathom-tensor.h"
