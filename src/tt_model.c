/* >>model  (placeholder) */
#include "tt_internal.h"
