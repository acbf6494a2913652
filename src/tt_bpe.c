/* >>bpe  (placeholder: not implemented yet) */
#include "tt_internal.h"
