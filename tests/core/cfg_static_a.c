/* tests/core/cfg_static_a.c -- a TINYTRAIN_STATIC copy of the implementation,
 * linked next to a normal (extern) copy by tools/check_configs.sh: no
 * duplicate symbols, and both copies compute the same first loss. */
#define TINYTRAIN_STATIC
#define TINYTRAIN_IMPLEMENTATION
#include "tinytrain.h"

#ifdef __cplusplus
extern "C"
#endif
float static_side_loss(void);

float static_side_loss(void) {
    tt_model_config cfg;
    tt_model *m = NULL;
    int32_t tok[2 * 12], tgt[2 * 12];
    float loss = -1.0f;
    int i;
    memset(&cfg, 0, sizeof cfg);
    for (i = 0; i < 2 * 12; i++) { tok[i] = (int32_t)((i * 5 + 1) % 23); tgt[i] = (int32_t)((tok[i] * 3 + 2) % 23); }
    cfg.vocab_size = 23; cfg.n_ctx = 12; cfg.n_layer = 1; cfg.n_head = 2; cfg.d_model = 16; cfg.max_batch = 2;
    if (tt_model_create(&cfg, &m) != TT_OK) return -1.0f;
    if (tt_model_forward(m, tok, tgt, 2, 12, &loss) != TT_OK) loss = -2.0f;
    tt_model_destroy(m);
    return loss;
}
