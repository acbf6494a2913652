/* >>kern_avx2  (placeholder: not implemented yet) */
#include "tt_internal.h"
