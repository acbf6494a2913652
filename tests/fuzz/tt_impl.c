/* the library, compiled once for all fuzz targets (with the sanitizers and
 * libFuzzer's coverage instrumentation) */
#define _POSIX_C_SOURCE 200112L
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"
