/* >>api_io  weights made elsewhere and weights for elsewhere: safetensors
 * (Hugging Face GPT2LMHeadModel), llm.c's GPT-2 .bin, one-call model
 * creation from a file, inference-only use (generator in caller memory,
 * per-position logits, per-token losses) and GPT-2 tokenizer export. */
#ifndef TINYTRAIN_IO_H
#define TINYTRAIN_IO_H
#include "tt_api.h"
#include "tt_api_bpe.h"
#include "tt_api_data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element type of a saved file: IEEE float32, or bfloat16 (the top 16 bits
 * of a float32, rounded to nearest even; NaN stays NaN). Loading converts
 * either to float32 exactly. */
enum { TT_DTYPE_F32 = 0, TT_DTYPE_BF16 = 1 };

/* ---- safetensors -----------------------------------------------------------
 * The format of the PyPI package `safetensors`: u64 little-endian N, then N
 * bytes of JSON (padded with spaces so the data starts 8-byte aligned),
 * then the raw little-endian data. The JSON maps each tensor name to
 * {"dtype": "F32"|"BF16", "shape": [...], "data_offsets": [begin, end]}
 * (byte offsets into the data, which the tensors cover without holes), and
 * "__metadata__" (string -> string) to the config: vocab_size, n_positions,
 * n_embd, n_layer, n_head (Hugging Face GPT2Config names), format "pt".
 * Names and layouts are GPT2LMHeadModel's state dict: transformer.wte.weight
 * (V,C) without the padded rows, transformer.wpe.weight (n_ctx,C),
 * transformer.h.{l}.{ln_1,attn.c_attn,attn.c_proj,ln_2,mlp.c_fc,mlp.c_proj}
 * .{weight,bias}, transformer.ln_f.{weight,bias}. The four matrices are
 * Conv1D weights, stored (in, out): the transpose of this library's
 * (out, in); save and load transpose them. lm_head.weight is not written
 * (tied to wte). Loading also accepts names without "transformer.", skips
 * the attention-mask buffers (h.{l}.attn.bias, .masked_bias) older files
 * carry, and accepts an lm_head.weight only if it equals wte bit for bit
 * (this model's head is tied). */

/* tt_model_save_safetensors: write model's parameters to io as dtype
 * (TT_DTYPE_F32 or TT_DTYPE_BF16). Returns TT_OK, TT_ERR_INVALID_ARG,
 * TT_ERR_IO. Allocates: no (stack buffers). Never changes the model.
 * Thread safety: not during a step of the same model. */
TTDEF tt_status tt_model_save_safetensors(const tt_io *io, tt_model *model, int dtype);

/* tt_model_load_safetensors: read a safetensors file from io into model's
 * parameters (the padded wte rows are set to 0; gradients, AdamW moments and
 * the step are not touched). The whole header is parsed and checked first
 * (JSON, dtypes, every tensor present once with this model's shape, offsets
 * covering the data, metadata config equal to the model's), then the data
 * is read into a temporary; the parameters change only when all of it was
 * read. Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT (truncated,
 * corrupt, bad JSON, header past the end), TT_ERR_MISMATCH (shape, name or
 * config differ; lm_head differs from wte), TT_ERR_UNSUPPORTED (a dtype
 * other than F32/BF16), TT_ERR_OUT_OF_MEMORY; detail to the model's logger.
 * On failure the model is unchanged. Allocates: the header (N bytes) and a
 * temporary of 4 bytes per parameter, freed before returning. */
TTDEF tt_status tt_model_load_safetensors(const tt_io *io, tt_model *model);

/* tt_safetensors_read_config: read and check the header of a safetensors
 * file (not the data) and return the model shape it holds: vocab_size,
 * n_ctx, n_layer and d_model from the tensor shapes, n_head from the
 * metadata (0 when the file has none, as Hugging Face files: the caller then
 * sets it, e.g. from config.json); every other field 0. allocator (NULL =
 * TT_MALLOC) holds the header while it is parsed.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT, TT_ERR_MISMATCH
 * (not a GPT-2 tensor set), TT_ERR_OUT_OF_MEMORY. */
TTDEF tt_status tt_safetensors_read_config(const tt_io *io, const tt_allocator *allocator,
                                           const tt_logger *logger, tt_model_config *out_cfg);

/* ---- llm.c -----------------------------------------------------------------
 * karpathy/llm.c's GPT-2 checkpoint (gpt2_124M.bin): 256 little-endian
 * int32 (magic 20240326, version 3 = float32 or 5 = bfloat16, max_seq_len,
 * vocab_size, num_layers, num_heads, channels, padded_vocab_size, zeros),
 * then every parameter in this library's own layout order (wte (Vp,C), wpe,
 * ln_1 w/b, c_attn w/b, attn c_proj w/b, ln_2 w/b, c_fc w/b, mlp c_proj
 * w/b for all layers per kind, ln_f w/b), matrices (out, in), wte padded to
 * Vp rows. Save writes Vp = V rounded up to 128 (as llm.c's exporter) with
 * zero rows; load accepts any Vp >= V and ignores the rows past V. */
#define TT_LLMC_MAGIC 20240326
#define TT_LLMC_VERSION_F32 3
#define TT_LLMC_VERSION_BF16 5

/* tt_model_save_llmc: write model's parameters to io in llm.c's format.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_IO. Allocates: no. */
TTDEF tt_status tt_model_save_llmc(const tt_io *io, tt_model *model, int dtype);
/* tt_model_load_llmc: read an llm.c checkpoint into model's parameters.
 * Checks magic, version, shape (equal to the model's) before reading the
 * data into a temporary. Returns TT_OK, TT_ERR_INVALID_ARG,
 * TT_ERR_BAD_FORMAT, TT_ERR_MISMATCH, TT_ERR_UNSUPPORTED (another version),
 * TT_ERR_OUT_OF_MEMORY. On failure the model is unchanged. Allocates: a
 * temporary of 4 bytes per parameter, freed before returning. */
TTDEF tt_status tt_model_load_llmc(const tt_io *io, tt_model *model);
/* tt_llmc_read_config: read and check the 1024-byte header only; returns the
 * shape (vocab_size, n_ctx, n_layer, n_head, d_model; other fields 0).
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BAD_FORMAT, TT_ERR_UNSUPPORTED. */
TTDEF tt_status tt_llmc_read_config(const tt_io *io, const tt_logger *logger, tt_model_config *out_cfg);

#ifndef TT_NO_STDIO
/* File wrappers. save is atomic (path.tmp, then rename). load also refuses
 * a file with bytes after the data. */
TTDEF tt_status tt_model_save_safetensors_file(const char *path, tt_model *model, int dtype);
TTDEF tt_status tt_model_load_safetensors_file(const char *path, tt_model *model);
TTDEF tt_status tt_model_save_llmc_file(const char *path, tt_model *model, int dtype);
TTDEF tt_status tt_model_load_llmc_file(const char *path, tt_model *model);

/* tt_model_create_from_checkpoint: create a model shaped like the file at
 * path and load its parameters, reading the file once. The kind is found
 * from its first bytes: a tinytrain checkpoint ("TTCK": parameters, AdamW
 * moments and step; the file is read into memory once), an llm.c .bin or a
 * safetensors file (streamed: header, then the data straight into the new
 * model). base (may be NULL) gives every field the file does not fix:
 * max_batch, n_threads, allocator, logger, inference_only, ...; and n_head
 * for a safetensors file without metadata (required then). A base shape
 * field that is nonzero and differs from the file is TT_ERR_MISMATCH.
 * Returns as tt_model_create plus TT_ERR_IO (cannot open),
 * TT_ERR_BAD_FORMAT, TT_ERR_MISMATCH, TT_ERR_UNSUPPORTED (unknown kind).
 * On failure *out_model is unchanged and nothing is left allocated. */
TTDEF tt_status tt_model_create_from_checkpoint(const char *path, const tt_model_config *base,
                                                tt_model **out_model);
#endif

/* ---- inference -------------------------------------------------------------
 * cfg.inference_only = 1 makes a model of parameters only: no gradients,
 * AdamW moments or training activations (tt_model_memory_size is about 4
 * bytes per parameter plus GEMM scratch). tt_model_forward,
 * tt_model_backward, tt_model_forward_backward and tt_adamw_step return
 * TT_ERR_UNSUPPORTED; tt_model_grads / adam_m / adam_v return NULL; run it
 * through a generator (KV cache), below. */

/* tt_generator_memory_size: bytes tt_generator_create_in needs for model
 * (KV cache (L, n_ctx, 2C), scratch for n_ctx positions, the struct and
 * alignment slack). Returns TT_OK, TT_ERR_INVALID_ARG (NULL, overflow). */
TTDEF tt_status tt_generator_memory_size(const tt_model *model, size_t *out_bytes);
/* tt_generator_create_in: a generator inside the caller's buffer mem (any
 * alignment, >= tt_generator_memory_size bytes; it must outlive the
 * generator; tt_generator_destroy then frees nothing). Works under
 * TT_NO_MALLOC. Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_BUFFER_TOO_SMALL.
 * Allocates: no. Threads: the generator runs on the model's threads and
 * per-thread scratch (it does not change the model), so do not use it at
 * the same time as a training call or another generator of the same model. */
TTDEF tt_status tt_generator_create_in(tt_model *model, void *mem, size_t bytes, tt_generator **out_gen);

/* tt_generator_feed_logits: tt_generator_feed, and the logits of every fed
 * position: out float[n*V], row i = the unnormalised logits for the id
 * after ids[i] (so row n-1 equals tt_generator_logits). cap = floats in out.
 * Returns as tt_generator_feed plus TT_ERR_BUFFER_TOO_SMALL (cap < n*V:
 * nothing is fed). Allocates: no. */
TTDEF tt_status tt_generator_feed_logits(tt_generator *gen, const int32_t *ids, int n,
                                         float *out, size_t cap);
/* tt_generator_score: feed ids int32[n] (n >= 2, appended after what the
 * cache holds) and write out_losses float[n-1]: out_losses[i] =
 * -ln p(ids[i+1] | the cache and ids[0..i]), in nats. Perplexity of a text
 * = exp(mean loss); for texts longer than n_ctx score windows of up to
 * n_ctx ids (reset between them) that overlap by one id. Returns as
 * tt_generator_feed. Allocates: no (uses the generator's scratch). */
TTDEF tt_status tt_generator_score(tt_generator *gen, const int32_t *ids, int n, float *out_losses);

/* tt_model_token_losses: after tt_model_forward with targets (or
 * tt_model_forward_backward), the loss of every position: out float[B*T],
 * row-major (b, t), -ln p(targets[b*T+t]) in nats (their mean is the loss
 * forward returned). Returns TT_OK, TT_ERR_INVALID_ARG (no forward with
 * targets before), TT_ERR_BUFFER_TOO_SMALL (n < B*T). */
TTDEF tt_status tt_model_token_losses(const tt_model *model, float *out, size_t n);

/* ---- tokenizer export ------------------------------------------------------
 * tt_tokenizer_save_gpt2: write the tokenizer as GPT-2's pair encoder.json
 * (JSON object: token -> id, every byte of a token shown as GPT-2's
 * printable byte-to-unicode character, special tokens as they are) and
 * vocab.bpe ("#version: 0.2", then one merge "left right" per line in rank
 * order), which Hugging Face `tokenizers` (ByteLevel BPE) and
 * `transformers` (GPT2Tokenizer) load. The merge of each multi-byte token
 * is the last step of BPE on its bytes with the lower-ranked tokens.
 * Returns TT_OK, TT_ERR_INVALID_ARG, TT_ERR_IO, TT_ERR_OUT_OF_MEMORY,
 * TT_ERR_UNSUPPORTED (a token BPE cannot build from two lower-ranked ones,
 * so no merge list describes it). Allocates: an index of the tokens
 * (about 16 bytes per token), freed before returning. */
TTDEF tt_status tt_tokenizer_save_gpt2(const tt_tokenizer *tok, const tt_io *encoder_json,
                                       const tt_io *vocab_bpe);
#ifndef TT_NO_STDIO
/* File form; both files are written atomically (the first is renamed into
 * place only after the second was written). */
TTDEF tt_status tt_tokenizer_save_gpt2_file(const tt_tokenizer *tok, const char *encoder_json_path,
                                            const char *vocab_bpe_path);
#endif

#ifdef __cplusplus
}
#endif
#endif /* TINYTRAIN_IO_H */
