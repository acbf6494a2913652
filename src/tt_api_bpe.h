/* >>api_bpe  tokenizer API (byte-level BPE). Placeholder: not implemented yet. */
#ifndef TINYTRAIN_BPE_H
#define TINYTRAIN_BPE_H
#include "tt_api.h"
#endif /* TINYTRAIN_BPE_H */
