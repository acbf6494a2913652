/* >>adamw  (placeholder) */
#include "tt_internal.h"
