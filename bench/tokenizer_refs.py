"""Reference tokenizers for bench/bench_tokenizer (same corpus, same run).

  build/venv/bin/python bench/tokenizer_refs.py tiktoken  CORPUS RANKS RUNS
  build/venv/bin/python bench/tokenizer_refs.py hf-encode CORPUS ENCODER_JSON VOCAB_BPE RUNS THREADS
  build/venv/bin/python bench/tokenizer_refs.py hf-train  CORPUS VOCAB THREADS OUT_VOCAB_HEX

Each prints one line `REF name=... key=value ...` per measurement (medians of
RUNS). Chunks: the corpus split after a newline every ~256 KiB, as a user of
encode_ordinary_batch / encode_batch would split it; the ids of the chunked
encoding are compared with the whole-text encoding (same=1 when equal).
tiktoken: PyPI tiktoken (GPT-2 r50k_base from the local rank file).
hf-*: Hugging Face tokenizers, GPT-2 byte-level BPE (models.BPE from
encoder.json + vocab.bpe, ByteLevel pre-tokenizer without prefix space); the
thread count is set by RAYON_NUM_THREADS, which the caller exports.
hf-train: BpeTrainer to VOCAB tokens (with <|endoftext|>, byte-level initial
alphabet) on the corpus; writes the learned tokens' bytes as hex lines.
"""
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "bpe"))


def chunks_of(text, size=1 << 18):
    out, i = [], 0
    while i < len(text):
        j = text.find("\n", i + size)
        j = len(text) if j < 0 else j + 1
        out.append(text[i:j])
        i = j
    return out


def timed(fn, runs):
    ts, r = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        r = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), r


def main():
    mode = sys.argv[1]
    corpus = sys.argv[2]
    data = open(corpus, "rb").read()
    text = data.decode("utf-8")
    mb = len(data) / 1e6
    if mode == "tiktoken":
        import tiktoken
        from tiktoken_ref import gpt2_encoding
        enc = gpt2_encoding(sys.argv[3])
        runs = int(sys.argv[4])
        t, whole = timed(lambda: enc.encode_ordinary(text), runs)
        print("REF name=tiktoken version=%s call=encode_ordinary threads=1 mbps=%.3f tokens=%d" %
              (tiktoken.__version__, mb / t, len(whole)))
        ch = chunks_of(text)
        for th in (1, 2):
            t, res = timed(lambda: enc.encode_ordinary_batch(ch, num_threads=th), runs)
            flat = [i for r in res for i in r]
            print("REF name=tiktoken version=%s call=encode_ordinary_batch threads=%d mbps=%.3f tokens=%d chunks=%d same=%d" %
                  (tiktoken.__version__, th, mb / t, len(flat), len(ch), int(flat == whole)))
    elif mode == "hf-encode":
        import tokenizers
        from tokenizers import Tokenizer, models, pre_tokenizers, decoders
        tok = Tokenizer(models.BPE.from_file(sys.argv[3], sys.argv[4]))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        runs, th = int(sys.argv[5]), int(sys.argv[6])
        ch = chunks_of(text)
        t, res = timed(lambda: tok.encode_batch(ch, add_special_tokens=False), runs)
        flat = [i for r in res for i in r.ids]
        from tiktoken_ref import gpt2_encoding
        ref = gpt2_encoding(os.environ.get("TT_GPT2_RANKS")).encode_ordinary(text)
        print("REF name=hf-tokenizers version=%s call=encode_batch threads=%d mbps=%.3f tokens=%d chunks=%d same_as_tiktoken=%d" %
              (tokenizers.__version__, th, mb / t, len(flat), len(ch), int(flat == ref)))
    elif mode == "hf-train":
        import tokenizers
        from tokenizers import Tokenizer, models, pre_tokenizers, trainers
        vocab, th, out = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tr = trainers.BpeTrainer(vocab_size=vocab, special_tokens=["<|endoftext|>"], show_progress=False,
                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        t0 = time.perf_counter()
        tok.train([corpus], tr)
        t = time.perf_counter() - t0
        # undo the byte-level mapping (GPT-2's bytes_to_unicode) to get raw bytes
        bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
            list(range(ord("\xae"), ord("\xff") + 1))
        cs, n = bs[:], 0
        for b in range(256):
            if b not in bs:
                bs.append(b)
                cs.append(256 + n)
                n += 1
        dec = {chr(c): b for b, c in zip(bs, cs)}
        with open(out, "w") as f:
            for s in tok.get_vocab():
                if s == "<|endoftext|>":
                    continue
                f.write(bytes(dec[ch] for ch in s).hex() + "\n")
        print("REF name=hf-tokenizers version=%s call=BpeTrainer threads=%d vocab=%d seconds=%.3f" %
              (tokenizers.__version__, th, tok.get_vocab_size(), t))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
