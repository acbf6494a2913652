/* tests/core/cfg_impl.c -- the implementation alone, for split builds and symbol checks */
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
