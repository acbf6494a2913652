/* >>api_data  token files, batch loader, checkpoints, generation. Placeholder. */
#ifndef TINYTRAIN_DATA_H
#define TINYTRAIN_DATA_H
#include "tt_api.h"
#include "tt_api_bpe.h"
#endif /* TINYTRAIN_DATA_H */
