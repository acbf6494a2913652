"""Ground truth for the GPT-2 tests: PyPI tiktoken (pinned in .ci/pip.sh).

usage: python tiktoken_ids.py file  IN OUT   IN (UTF-8 text) -> OUT: u32 LE ids
       python tiktoken_ids.py cases IN OUT   IN: records (u32 LE byte length, UTF-8 bytes)
                                              OUT: records (u32 LE count, u32 LE ids)
       python tiktoken_ids.py text  IN       prints the ids of IN, space separated
Special token strings are encoded as ordinary text (encode_ordinary), except in
"cases" records whose first byte is 0x01 (then all special tokens are allowed;
the flag byte is not part of the text). A leading UTF-8 BOM is kept as text.
"""
import struct
import sys
import time

from tiktoken_ref import gpt2_encoding


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("file", "cases", "text"):
        sys.exit("usage: tiktoken_ids.py file|cases IN OUT | text IN")
    mode, in_path = sys.argv[1], sys.argv[2]
    enc = gpt2_encoding()
    data = open(in_path, "rb").read()
    if mode == "text":
        print(" ".join(map(str, enc.encode_ordinary(data.decode("utf-8")))))
        return
    out_path = sys.argv[3]
    if mode == "file":
        t0 = time.perf_counter()
        ids = enc.encode_ordinary(data.decode("utf-8"))
        secs = time.perf_counter() - t0
        with open(out_path, "wb") as f:
            f.write(struct.pack(f"<{len(ids)}I", *ids))
        print(f"tiktoken {enc.name}: {len(ids)} ids, {len(data) / 1e6 / secs:.2f} MB/s", file=sys.stderr)
        return
    out = []
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        pos += 4
        b = data[pos:pos + n]
        pos += n
        if b[:1] == b"\x01":
            ids = enc.encode(b[1:].decode("utf-8"), allowed_special="all", disallowed_special=())
        else:
            ids = enc.encode_ordinary(b.decode("utf-8"))
        out.append(struct.pack("<I", len(ids)))
        out.append(struct.pack(f"<{len(ids)}I", *ids))
    with open(out_path, "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    main()
