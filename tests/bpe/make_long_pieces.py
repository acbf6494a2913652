#!/usr/bin/env python3
"""Long-piece property cases with tiktoken's ids, for test_bpe_long.c.

Every piece longer than 64 bytes takes the tokenizer's heap merge path. The
cases are long runs of one class (letters, digits, whitespace, punctuation:
one pre-tokenizer piece each) of 65 to 100,000 bytes built by concatenating
the vocabulary's own tokens, so that many merges fire (half of them repeat a
pattern of 1 to 3 tokens: periodic text has many merges ready at once),
plus random mixes: glued words, URLs, base64, hex, digit runs, whitespace
runs, minified code; and the exact inputs of the bug report.

usage: make_long_pieces.py SEED OUTDIR [TRAINED.ttbp]
writes OUTDIR/gpt2_cases.bin and OUTDIR/gpt2_ref.bin (GPT-2 through
tiktoken_ref.gpt2_encoding), and with a TTBP file (saved by the library,
TT_SPLIT_GPT2) OUTDIR/trained_cases.bin and OUTDIR/trained_ref.bin: the same
kind of cases built from that vocabulary, with ids from tiktoken given that
vocabulary as its ranks (id = rank) and GPT-2's split pattern.
Formats: cases are records (u32 LE byte length, UTF-8 bytes); refs are
records (u32 LE count, u32 LE ids), as tiktoken_ids.py "cases" writes.
"""
import base64
import os
import random
import struct
import sys
import time
import unicodedata

import tiktoken
from tiktoken_ref import gpt2_encoding

# the inputs of the bug report (its "76-byte" file is the 75-letter piece
# and a newline)
ISSUE_PIECE = "biggreenglowinthedarkhouseuponthehillandalittleoldladyridingonaHoovervacuum"
ISSUE_HELLO = "hello" * 13
ISSUE_URL = ("https://www.example.com/articles/" + ISSUE_PIECE +
             "?utm_source=newsletter&utm_medium=email&x=12")
assert len(ISSUE_PIECE) == 75 and len(ISSUE_HELLO) == 65 and len(ISSUE_URL) == 152, len(ISSUE_URL)

WS = " \t\n\r\x0b\x0c"


def token_pools(enc, n_ordinary):
    """the vocabulary's tokens that are valid UTF-8 and all of one class"""
    pools = {"L": [], "N": [], "S": [], "P": []}
    words = []
    for i in range(n_ordinary):
        try:
            t = enc.decode_single_token_bytes(i).decode("utf-8")
        except UnicodeDecodeError:
            continue
        cats = [unicodedata.category(c) for c in t]
        if any(c in ("Cn", "Cs", "Co") for c in cats) or any(ord(c) >= 0x30000 for c in t):
            continue
        if all(c[0] == "L" for c in cats):
            pools["L"].append(t)
        elif all(c[0] == "N" for c in cats):
            pools["N"].append(t)
        elif all(c in WS for c in t):
            pools["S"].append(t)
        elif all(c[0] in "PS" for c in cats):
            pools["P"].append(t)
        if len(t) >= 4 and t[0] == " " and t[1:].isascii() and t[1:].isalpha() and t[1:].islower():
            words.append(t[1:])
    for k in pools:
        if not pools[k]:  # a tiny vocabulary: single characters
            pools[k] = {"L": list("abcxyz"), "N": list("0123456789"), "S": list(" \n\t"), "P": list("!.,;-")}[k]
    if not words:
        words = pools["L"]
    return pools, words


def cut_bytes(s, n):
    """s cut to at most n UTF-8 bytes on a character boundary"""
    return s.encode("utf-8")[:n].decode("utf-8", "ignore")


def log_len(rng, lo, hi):
    return int(lo * (hi / lo) ** rng.random())


def token_run(rng, pool, n, periodic):
    pat = [rng.choice(pool) for _ in range(rng.randint(1, 3))] if periodic else None
    out, size, i = [], 0, 0
    while size < n:
        t = pat[i % len(pat)] if pat else rng.choice(pool)
        out.append(t)
        size += len(t.encode("utf-8"))
        i += 1
    return cut_bytes("".join(out), n)


def glued(rng, words, n):
    out, size = [], 0
    while size < n:
        w = rng.choice(words)
        r = rng.random()
        w = w.capitalize() if r < 0.2 else w.upper() if r < 0.25 else w
        out.append(w)
        size += len(w)
    return cut_bytes("".join(out), n)


def url(rng, words, n):
    tld = rng.choice(["com", "org", "net", "io", "co.uk"])
    s = "https://" + rng.choice(["www.", "", "cdn.", "api."]) + glued(rng, words, rng.randint(6, 30)).lower() + "." + tld
    while len(s) < n:
        r = rng.random()
        if r < 0.5:
            s += "/" + glued(rng, words, rng.randint(3, 120))
        elif r < 0.6:
            s += "/" + str(rng.randint(0, 10 ** rng.randint(1, 12)))
        elif r < 0.7:
            s += rng.choice(["-", "_", "%20", "."]) + glued(rng, words, rng.randint(3, 40))
        else:
            s += rng.choice(["?", "&"]) + glued(rng, words, rng.randint(2, 20)) + "=" + glued(rng, words, rng.randint(2, 80))
    if rng.random() < 0.3:
        s += "#" + glued(rng, words, 30)
    return s


def minified(rng, words, n):
    def ident():
        return glued(rng, words, rng.randint(1, 12)) + rng.choice(["", "", "Id", "_" + glued(rng, words, 5), "2"])
    parts = []
    size = 0
    while size < n:
        r = rng.random()
        if r < 0.15:
            p = "function " + ident() + "(" + ",".join(ident() for _ in range(rng.randint(0, 3))) + "){"
        elif r < 0.25:
            p = "return " + ident() + ";}"
        elif r < 0.35:
            p = "var " + ident() + "=" + str(rng.randint(0, 10 ** 6)) + ";"
        elif r < 0.45:
            p = '"' + glued(rng, words, rng.randint(1, 60)) + '"'
        elif r < 0.55:
            p = "." + ident() + "(" + ident() + ")"
        else:
            p = ident() + rng.choice(["=", "+=", "===", "!==", "&&", "||", "?", ":", "=>", "<<", ">>>", "[0]", "++", "--"])
        parts.append(p)
        size += len(p)
    return cut_bytes("".join(parts), n)


def cases_for(enc, n_ordinary, rng, big, n_random):
    pools, words = token_pools(enc, n_ordinary)
    cases = [ISSUE_PIECE, ISSUE_PIECE + "\n", ISSUE_HELLO, ISSUE_URL, " " + ISSUE_PIECE, ISSUE_PIECE * 3, ISSUE_URL + " " + ISSUE_URL]
    # around the 64-byte threshold
    for n in (63, 64, 65, 66, 127, 128, 129, 256):
        cases.append(token_run(rng, pools["L"], n, False))
        cases.append(token_run(rng, pools["L"], n, True))
    for cl in ("L", "N", "S", "P"):
        cases.append(token_run(rng, pools[cl], big[cl], True))
        for k in range(n_random):
            lead = " " if cl != "S" and rng.random() < 0.5 else ""
            cases.append(lead + token_run(rng, pools[cl], log_len(rng, 65, 10000), k % 2 == 0))
    for k in range(n_random):
        cases.append(glued(rng, words, log_len(rng, 65, 5000)))
        cases.append(url(rng, words, log_len(rng, 65, 3000)))
        b64 = base64.b64encode(rng.randbytes(log_len(rng, 60, 15000))).decode()
        if k % 2:
            b64 = "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
        cases.append(b64)
        h = rng.randbytes(log_len(rng, 40, 10000)).hex()
        cases.append(h.upper() if k % 3 == 0 else h)
        cases.append("".join(rng.choice("0123456789") for _ in range(log_len(rng, 65, 20000))))
        ws = "".join(rng.choice(" \t\n\r" if k % 2 else "  \n") for _ in range(log_len(rng, 65, 20000)))
        cases.append(ws + (glued(rng, words, 20) if k % 3 == 0 else ""))
        cases.append(minified(rng, words, log_len(rng, 65, 20000)))
    return cases


def write(enc, cases, out_cases, out_ref):
    t0 = time.perf_counter()
    with open(out_cases, "wb") as fc, open(out_ref, "wb") as fr:
        for s in cases:
            b = s.encode("utf-8")
            ids = enc.encode_ordinary(s)
            fc.write(struct.pack("<I", len(b)) + b)
            fr.write(struct.pack("<I", len(ids)) + struct.pack(f"<{len(ids)}I", *ids))
    nb = sum(len(s.encode("utf-8")) for s in cases)
    print(f"make_long_pieces.py: {enc.name}: {len(cases)} cases, {nb} bytes, longest "
          f"{max(len(s.encode('utf-8')) for s in cases)}; tiktoken {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def load_ttbp(path):
    d = open(path, "rb").read()
    assert d[:4] == b"TTBP", "not a TTBP file"
    hsize, split, vocab, nspec = struct.unpack_from("<4I", d, 8)
    assert split == 0, "the trained vocabulary must use TT_SPLIT_GPT2"
    lens = struct.unpack_from(f"<{vocab}I", d, hsize)
    o, toks = hsize + 4 * vocab, []
    for n in lens:
        toks.append(d[o:o + n])
        o += n
    return toks[:vocab - nspec]


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: make_long_pieces.py SEED OUTDIR [TRAINED.ttbp]")
    seed, outdir = int(sys.argv[1]), sys.argv[2]
    g = gpt2_encoding()
    rng = random.Random(seed)
    big = {"L": 100000, "N": 30000, "S": 30000, "P": 30000}
    write(g, cases_for(g, g.n_vocab - 1, rng, big, 16),
          os.path.join(outdir, "gpt2_cases.bin"), os.path.join(outdir, "gpt2_ref.bin"))
    if len(sys.argv) > 3:
        toks = load_ttbp(sys.argv[3])
        t = tiktoken.Encoding(name="trained", pat_str=g._pat_str,
                              mergeable_ranks={b: i for i, b in enumerate(toks)}, special_tokens={})
        big = {"L": 30000, "N": 30000, "S": 30000, "P": 30000}
        write(t, cases_for(t, len(toks), rng, big, 12),
              os.path.join(outdir, "trained_cases.bin"), os.path.join(outdir, "trained_ref.bin"))


if __name__ == "__main__":
    main()
