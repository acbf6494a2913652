#!/usr/bin/env python3
"""Writes the GPT-2 edge cases as records (u32 LE length, UTF-8 bytes) for
tiktoken_ids.py and test_gpt2_cases.c. A record starting with byte 0x01 is
encoded with special tokens allowed (the flag byte is not part of the text).
Random strings use code points assigned in Python's unicodedata (Unicode 14
in Debian 12) so both sides' Unicode tables agree on them.
usage: make_cases.py OUT"""
import random
import struct
import sys
import unicodedata

cases = [
    "", " ", "  ", "a", " a", "a ", "a  b", "a   b", "a \n b", "\n\n\nfoo", "x  ", "x \t y",
    "\t\tx", "   \n", "foo \n\n bar", " \u00a0x", "a\u00a0\u00a0b", "a \u00a0b", "\u3000x", "x\u3000\u3000y",
    "a\u2028b", "\u2029", "\u1680x", "x\u2000\u200a y", "\u202f\u205f", "\x0b\x0c\x1c\x1d\x1e\x1f",
    "don't", "DON'T", "I'M", "I'm", "you're", "You'RE", "we've", "WE'VE", "he'll", "she'd", "'s", "'S",
    "''s", " 's", "it''s", "'ll've", "y'all", "'", "''", "'t'", "rock 'n' roll", "O'Neil's",
    "12345", "1 234", " 42", "3.14", "x1y2", "\u0663\u0664\u0665", "\u216b", "\u00bd", "x\u00b2", "1\u00bd",
    "\u4f60\u597d\u4e16\u754c", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", "\ud55c\uad6d\uc5b4",
    " \u4f60\u597d", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "\U0001f1eb\U0001f1f7", "\u2764\ufe0f", " \U0001f600x", "e\u0301", "Ame\u0301lie", "a\u0308\u0308",
    " \u0301", "\u0915\u094d\u0937", "line1\r\nline2\r\n", "\r\n\r\n", "a\r\n b", "a\0b", "\0\0", " \0",
    "a\u0085b", "\u0085", " \u0085 ", "\ufeffHello", "x\ufeff y", "\U00010400\U00010428", "\U0001d400x",
    "a" * 10000, " " * 5000, "!" * 3000, "1" * 2000, "\n" * 1000 + "x", "ab" * 3000, "\U0001f600" * 500,
    " " * 300 + "x", "\t" * 100 + " x", "Hello, world! 123 foo_bar baz-qux <|endoftext|> end",
    "<|endoftext|>", "<|endoftext", "<|endoftext|><|endoftext|>", "a<|endoftext|>b",
    "The quick brown fox jumps over the lazy dog.\n\nIt's 2024: 100% \"real\" #tags @users http://x.y/z?q=1",
    "\u00c9t\u00e9 \u00e0 Paris \u2014 \u00ab caf\u00e9 \u00bb", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!",
    "\u03b1\u03b2\u03b3 \u0394\u0395", "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "    def f(x):\n        return x  # comment\n",
]
special = ["<|endoftext|>", "a<|endoftext|>b", " <|endoftext|> ", "<|endoftext|><|endoftext|>x", "<|endoftext"]

rng = random.Random(1234)
pools = [
    [chr(c) for c in range(0x20, 0x7f)] * 4,
    [" ", " ", " ", "\n", "\t", "\r\n", "\u00a0", "\u3000", "\u2003", "\u0085"],
    [chr(c) for c in range(0xa0, 0x250)],
    [chr(c) for c in range(0x370, 0x530)],
    [chr(c) for c in range(0x4e00, 0x4e80)],
    [chr(c) for c in range(0x300, 0x370)],
    [chr(c) for c in range(0x1f300, 0x1f650)],
    [chr(c) for c in range(0x660, 0x670)] + [chr(c) for c in range(0x2160, 0x2180)] + list("0123456789"),
    ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T"],
]
pools = [[s for s in p if all(unicodedata.category(ch) not in ("Cn", "Cs") for ch in s)] for p in pools]
for i in range(300):
    n = rng.randint(1, 60)
    s = "".join(rng.choice(rng.choice(pools)) for _ in range(n))
    cases.append(s)
for i in range(100):
    n = rng.randint(1, 40)
    cps = []
    while len(cps) < n:
        c = rng.randint(0, 0x2ffff)
        if unicodedata.category(chr(c)) not in ("Cn", "Cs", "Co"):
            cps.append(chr(c))
    cases.append("".join(cps))

with open(sys.argv[1], "wb") as f:
    for s in cases:
        b = s.encode("utf-8")
        f.write(struct.pack("<I", len(b)) + b)
    for s in special:
        b = b"\x01" + s.encode("utf-8")
        f.write(struct.pack("<I", len(b)) + b)
print("make_cases.py: %d cases" % (len(cases) + len(special)))
