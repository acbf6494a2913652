#!/usr/bin/env python3
"""PyTorch's fp32 -> bf16 rounding as an independent check of tinytrain's.

usage: bf16_torch_check.py FILE   (FILE written by test_gemm_bf16 --dump FILE:
n uint32 fp32 bit patterns, then tinytrain's n uint16 bf16, host order)

Every input that is neither NaN nor denormal must give PyTorch's bits
(torch.Tensor.to(torch.bfloat16), round to nearest even). NaN must stay NaN.
Denormal inputs are where the two rules differ by design: tinytrain flushes
them to a zero of the same sign (as VCVTNE2PS2BF16 does), PyTorch rounds them;
that is checked as such. Prints SKIP and exits 0 when numpy or torch cannot be
imported."""
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"SKIP: {e} (apt-get install python3-torch python3-numpy)")
    sys.exit(0)

data = open(sys.argv[1], "rb").read()
n = len(data) // 6
u = np.frombuffer(data[: 4 * n], dtype=np.uint32)
ours = np.frombuffer(data[4 * n : 6 * n], dtype=np.uint16)
theirs = torch.from_numpy(u.view(np.float32).copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)

exp, frac = (u >> 23) & 0xFF, u & 0x7FFFFF
nan = (exp == 0xFF) & (frac != 0)
den = (exp == 0) & (frac != 0)
rest = ~nan & ~den


def is_nan16(h):
    return ((h >> 7) & 0xFF == 0xFF) & (h & 0x7F != 0)


fails = []
diff = int((ours[rest] != theirs[rest]).sum())
if diff:
    i = np.nonzero(rest & (ours != theirs))[0][0]
    fails.append(f"{diff} of {int(rest.sum())} inputs round differently, e.g. {u[i]:08x}: "
                 f"tinytrain {ours[i]:04x}, torch {theirs[i]:04x}")
if not (is_nan16(ours[nan]).all() and is_nan16(theirs[nan]).all()):
    fails.append("a NaN input did not stay NaN")
if not (ours[den] == ((u[den] >> 16) & 0x8000)).all():
    fails.append("a denormal input was not flushed to a signed zero")
print(f"torch {torch.__version__}: {int(rest.sum()) - diff} of {int(rest.sum())} inputs with torch's bits, {int(nan.sum())} NaN kept NaN, "
      f"{int(den.sum())} denormals flushed (torch keeps {int((theirs[den] & 0x7FFF != 0).sum())} of them nonzero)")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
