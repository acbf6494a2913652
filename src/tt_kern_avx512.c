/* >>kern_avx512  (placeholder: not implemented yet) */
#include "tt_internal.h"
