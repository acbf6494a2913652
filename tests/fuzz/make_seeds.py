#!/usr/bin/env python3
"""Seed corpora for the tokenizer fuzz targets, from files the tests make.

usage: make_seeds.py OUTDIR --ttbp A.ttbp [B.ttbp ...] [--cases CASES.bin]
                     [--text FILE ...] [--gpt2 DIR]
  --ttbp   tokenizers saved by the library (tokenize --save): seeds for the
           TTBP loader, and converted to a tiktoken rank file and to an
           encoder.json + vocab.bpe pair for the other two loaders
  --cases  records (u32 LE length, bytes) as make_cases.py writes: one
           encode seed each
  --text   files cut into encode seeds of at most 4 KiB
  --gpt2   a directory with r50k_base.tiktoken, encoder.json, vocab.bpe:
           their first few hundred tokens become loader seeds
Writes OUTDIR/{encode,load_ttbp,load_tiktoken,load_gpt2}/NNNN.
"""
import base64
import json
import os
import struct
import sys

ISSUE = [
    b"biggreenglowinthedarkhouseuponthehillandalittleoldladyridingonaHoovervacuum\n",
    b"hello" * 13,
    b"https://www.example.com/articles/biggreenglowinthedarkhouseuponthehillandalittleoldladyridingonaHoovervacuum"
    b"?utm_source=newsletter&utm_medium=email&x=12",
]


def bytes_to_unicode():
    """GPT-2's printable stand-ins for the 256 byte values"""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def load_ttbp(path):
    d = open(path, "rb").read()
    hsize, split, vocab, nspec = struct.unpack_from("<4I", d, 8)
    lens = struct.unpack_from(f"<{vocab}I", d, hsize)
    o, toks = hsize + 4 * vocab, []
    for n in lens:
        toks.append(d[o:o + n])
        o += n
    return d, toks[:vocab - nspec], toks[vocab - nspec:]


def tiktoken_file(toks):
    return b"".join(base64.b64encode(t) + b" %d\n" % i for i, t in enumerate(toks))


def gpt2_pair(toks, specials):
    """encoder.json + NUL + vocab.bpe for a BPE vocabulary whose first 256
    tokens are the bytes (token 256+k is merge k)"""
    b2u = bytes_to_unicode()
    enc = lambda t: "".join(b2u[b] for b in t)
    ids = {t: i for i, t in enumerate(toks)}
    enc_json = {enc(t): i for i, t in enumerate(toks)}
    for k, s in enumerate(specials):
        enc_json[s.decode("utf-8", "replace")] = len(toks) + k
    merges = ["#version: 0.2"]
    for i in range(256, len(toks)):
        t = toks[i]
        cut = next((j for j in range(1, len(t)) if ids.get(t[:j], i) < i and ids.get(t[j:], i) < i), None)
        if cut is None:
            return None
        merges.append(enc(t[:cut]) + " " + enc(t[cut:]))
    return json.dumps(enc_json, ensure_ascii=False).encode() + b"\0" + ("\n".join(merges) + "\n").encode()


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out, opts, key = args[0], {"--ttbp": [], "--cases": [], "--text": [], "--gpt2": []}, None
    for a in args[1:]:
        if a in opts:
            key = a
        elif key:
            opts[key].append(a)
        else:
            sys.exit(__doc__)
    seeds = {k: [] for k in ("encode", "load_ttbp", "load_tiktoken", "load_gpt2")}
    seeds["encode"] += ISSUE
    for path in opts["--ttbp"]:
        raw, toks, specials = load_ttbp(path)
        seeds["load_ttbp"].append(raw)
        seeds["load_tiktoken"].append(tiktoken_file(toks))
        pair = gpt2_pair(toks, specials)
        if pair:
            seeds["load_gpt2"].append(pair)
    for path in opts["--cases"]:
        d, pos = open(path, "rb").read(), 0
        while pos + 4 <= len(d):
            (n,) = struct.unpack_from("<I", d, pos)
            seeds["encode"].append(d[pos + 4:pos + 4 + n][:4096])
            pos += 4 + n
    for path in opts["--text"]:
        d = open(path, "rb").read()
        seeds["encode"] += [d[i:i + 4096] for i in range(0, min(len(d), 64 * 4096), 4096)]
    for g in opts["--gpt2"]:
        ranks = open(os.path.join(g, "r50k_base.tiktoken"), "rb").read().split(b"\n")
        seeds["load_tiktoken"].append(b"\n".join(ranks[:400]) + b"\n")
        enc_json = json.load(open(os.path.join(g, "encoder.json"), encoding="utf-8"))
        merges = open(os.path.join(g, "vocab.bpe"), encoding="utf-8").read().split("\n")
        n = 150  # merges kept: ids < 256 + n
        small = {k: v for k, v in enc_json.items() if v < 256 + n}
        seeds["load_gpt2"].append(json.dumps(small, ensure_ascii=False).encode() + b"\0" +
                                  ("\n".join(merges[:1 + n]) + "\n").encode())
    for k, items in seeds.items():
        d = os.path.join(out, k)
        os.makedirs(d, exist_ok=True)
        for i, s in enumerate(items):
            with open(os.path.join(d, "%04d" % i), "wb") as f:
                f.write(s)
    print("make_seeds.py: " + ", ".join(f"{k} {len(v)}" for k, v in seeds.items()))


if __name__ == "__main__":
    main()
