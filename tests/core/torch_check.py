#!/usr/bin/python3
"""tests/core/torch_check.py -- checks tinytrain's GPT-2 against PyTorch.

Reads dumps written by tests/core/torch_dump.c, builds the same GPT-2 in
PyTorch (nanoGPT style: LayerNorm eps 1e-5, GELU tanh, causal attention with
scale 1/sqrt(hs), tied lm head; the padded rows of wte take part only through
the tie, their logits are left out, which equals masking them to -inf),
loads the C weights and compares:
  logits of every position   max|diff|/max|ref| <= 1e-4
  loss                       |diff|/|ref|       <= 1e-5
  every parameter gradient   max|diff|/max|ref| <= 1e-4
  10 AdamW step losses       |diff|/|ref|       <= 1e-4 each
plus the LR schedule (tt_lr_at's documented formula) and the gradient norms.
The reference runs in float32 on one CPU thread; a float64 run is reported
for information. Dumps made with cfg.precision = TT_PRECISION_BF16 are
compared with the same model whose linear layers round their GEMM inputs to
bfloat16 exactly as tinytrain documents (forward x and W, dx from dy and W,
dW from dy and x; fp32 products and sums; bias gradient from the unrounded
dy), with the TOL_BF16 tolerances (an input rounding can flip where the two
fp32 computations differ in the last bit), and, for information and a loose
check, with PyTorch's CPU autocast (torch.autocast("cpu", torch.bfloat16):
every matmul, attention and the lm head included, in bf16).
Usage: torch_check.py DUMP [DUMP ...]
"""
import math
import struct
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # CI installs python3-torch; see .ci/run
    import shutil
    import subprocess
    installed = bool(shutil.which("dpkg")) and subprocess.run(
        ["dpkg", "-s", "python3-torch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if installed:  # installed but broken: that is a failure, not a skip
        print("FAIL: python3-torch is installed but does not import: %s" % e)
        sys.exit(1)
    print("SKIP: cannot import torch/numpy (%s); install with: apt-get install python3-torch python3-numpy" % e)
    sys.exit(0)

TOL_LOGITS = 1e-4
TOL_LOSS = 1e-5
TOL_GRAD = 1e-4
TOL_STEP = 1e-4
TOL_LR = 1e-6
TOL_NORM = 1e-4
# bf16 dumps: against the exact emulation, and against autocast
TOL_BF16 = dict(logits=3e-3, loss=1e-3, grad=2e-2, step=3e-3, norm=2e-2)
TOL_AUTOCAST = dict(loss=3e-2, grad=0.15)


def bf16_round(t):
    return t.to(torch.bfloat16).to(t.dtype)


class BF16Linear(torch.autograd.Function):
    """y = bf16(x) bf16(W)^T + b; dx = bf16(dy) bf16(W); dW = bf16(dy)^T bf16(x);
    db = sum(dy): tinytrain's cfg.precision = TT_PRECISION_BF16 linear layer."""

    @staticmethod
    def forward(ctx, x, w, b):
        xr, wr = bf16_round(x), bf16_round(w)
        ctx.save_for_backward(xr, wr)
        return xr @ wr.t() + b

    @staticmethod
    def backward(ctx, dy):
        xr, wr = ctx.saved_tensors
        dyr = bf16_round(dy)
        dx = dyr @ wr
        dw = dyr.reshape(-1, dyr.shape[-1]).t() @ xr.reshape(-1, xr.shape[-1])
        db = dy.reshape(-1, dy.shape[-1]).sum(0)
        return dx, dw, db


LINEAR = {"fp32": F.linear, "bf16": BF16Linear.apply}


def read_dump(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"TTDUMP01":
        raise SystemExit("%s: not a torch_dump file" % path)
    pos, rec = 8, {}
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos); pos += 4
        name = data[pos:pos + n].decode(); pos += n
        dtype, ndim = struct.unpack_from("<II", data, pos); pos += 8
        dims = struct.unpack_from("<%dI" % ndim, data, pos); pos += 4 * ndim
        count = int(np.prod(dims)) if ndim else 1
        arr = np.frombuffer(data, dtype="<f4" if dtype == 0 else "<i4", count=count, offset=pos)
        pos += 4 * count
        rec[name] = arr.reshape(dims).copy()
    return rec


def expected_names(L):
    names = ["wte.weight", "wpe.weight"]
    for l in range(L):
        p = "h.%d." % l
        names += [p + "ln_1.weight", p + "ln_1.bias",
                  p + "attn.c_attn.weight", p + "attn.c_attn.bias",
                  p + "attn.c_proj.weight", p + "attn.c_proj.bias",
                  p + "ln_2.weight", p + "ln_2.bias",
                  p + "mlp.c_fc.weight", p + "mlp.c_fc.bias",
                  p + "mlp.c_proj.weight", p + "mlp.c_proj.bias"]
    return names + ["ln_f.weight", "ln_f.bias"]


def group_of(name):
    if name.startswith("h."):
        name = name.split(".", 2)[2]
    for g in ("wte", "wpe", "ln", "attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"):
        if name.startswith(g):
            return g
    return name


def forward(P, idx, tgt, V, L, NH, linear=F.linear):
    """GPT-2 forward; returns (logits (B,T,V), mean cross-entropy)."""
    B, T = idx.shape
    C = P["wte.weight"].shape[1]
    hs = C // NH
    x = P["wte.weight"][idx] + P["wpe.weight"][:T]
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for l in range(L):
        p = "h.%d." % l
        h = F.layer_norm(x, (C,), P[p + "ln_1.weight"], P[p + "ln_1.bias"], 1e-5)
        qkv = linear(h, P[p + "attn.c_attn.weight"], P[p + "attn.c_attn.bias"])
        q, k, v = qkv.split(C, dim=2)
        q = q.view(B, T, NH, hs).transpose(1, 2)
        k = k.view(B, T, NH, hs).transpose(1, 2)
        v = v.view(B, T, NH, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + linear(y, P[p + "attn.c_proj.weight"], P[p + "attn.c_proj.bias"])
        h = F.layer_norm(x, (C,), P[p + "ln_2.weight"], P[p + "ln_2.bias"], 1e-5)
        h = F.gelu(linear(h, P[p + "mlp.c_fc.weight"], P[p + "mlp.c_fc.bias"]), approximate="tanh")
        x = x + linear(h, P[p + "mlp.c_proj.weight"], P[p + "mlp.c_proj.bias"])
    x = F.layer_norm(x, (C,), P["ln_f.weight"], P["ln_f.bias"], 1e-5)
    logits = (x @ P["wte.weight"].t())[:, :, :V]  # pad rows never produce a logit
    loss = None
    if tgt is not None:
        loss = F.cross_entropy(logits.reshape(-1, V).float(), tgt.reshape(-1))
    return logits, loss


def lr_at(o, s):
    """tt_lr_at as documented in tt_api.h: linear warmup from lr/warmup to lr
    over warmup_steps, then cosine from lr to min_lr at total_steps."""
    lr, warm, total, min_lr, sched = o["lr"], o["warmup"], o["total"], o["min_lr"], o["schedule"]
    if warm > 0 and s < warm:
        return lr * (s + 1) / warm
    if sched == 0:
        return lr
    if s >= total:
        return min_lr
    ratio = (s - warm) / max(1, total - warm)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


def rel(a, ref):
    a = np.asarray(a, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    d = float(np.max(np.abs(a - ref))) if a.size else 0.0
    m = float(np.max(np.abs(ref))) if ref.size else 0.0
    if m == 0.0:
        return 0.0 if d == 0.0 else float("inf")
    return d / m


def run_reference(rec, dtype, mode="fp32"):
    """mode fp32: plain; bf16: the BF16Linear emulation; autocast: PyTorch's
    CPU autocast to bfloat16 around each forward"""
    cfg = rec["config"]
    V, n_ctx, L, NH, C, B, T = (int(v) for v in cfg[:7])
    names = expected_names(L)
    P = {n: torch.tensor(rec["param:" + n], dtype=dtype, requires_grad=True) for n in names}
    idx = torch.tensor(rec["tokens"], dtype=torch.long)
    tgt = torch.tensor(rec["targets"], dtype=torch.long)
    out = {}
    lin = LINEAR["bf16" if mode == "bf16" else "fp32"]

    def fwd(i, t):
        if mode == "autocast":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                lg, ls = forward(P, i, t, V, L, NH, lin)
            return lg.float(), ls.float()
        return forward(P, i, t, V, L, NH, lin)
    logits, loss = fwd(idx, tgt)
    loss.backward()
    out["logits"] = logits.detach().numpy()
    out["loss"] = float(loss)
    out["grads"] = {n: P[n].grad.numpy().copy() for n in names}

    a = rec["adamw"]
    o = dict(lr=float(a[0]), beta1=float(a[1]), beta2=float(a[2]), eps=float(a[3]), wd=float(a[4]),
             clip=float(a[5]), warmup=int(a[6]), total=int(a[7]), min_lr=float(a[8]), schedule=int(a[9]))
    for p in P.values():
        p.grad = None
    decay = [P[n] for n in names if int(rec["meta:" + n][0]) == 1]
    no_decay = [P[n] for n in names if int(rec["meta:" + n][0]) == 0]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": o["wd"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], foreach=False)
    losses, norms, lrs = [], [], []
    stok = torch.tensor(rec["step_tokens"], dtype=torch.long)
    stgt = torch.tensor(rec["step_targets"], dtype=torch.long)
    for s in range(stok.shape[0]):
        lr = lr_at(o, s)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        _, loss = fwd(stok[s], stgt[s])
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(list(P.values()), o["clip"])
        opt.step()
        losses.append(float(loss)); norms.append(float(norm)); lrs.append(lr)
    out["step_loss"], out["step_norm"], out["step_lr"] = losses, norms, lrs
    out["final"] = {n: P[n].detach().numpy().copy() for n in names}
    out["clip"] = o["clip"]
    return out


def check(path, worst, failures):
    rec = read_dump(path)
    cfg = rec["config"]
    V, n_ctx, L, NH, C, B, T = (int(v) for v in cfg[:7])
    randomized = len(cfg) > 12 and int(cfg[12]) == 1
    bf16 = len(cfg) > 13 and int(cfg[13]) == 1
    mode = "bf16" if bf16 else "fp32"
    tol = TOL_BF16 if bf16 else dict(logits=TOL_LOGITS, loss=TOL_LOSS, grad=TOL_GRAD, step=TOL_STEP, norm=TOL_NORM)
    tag = "%s (V=%d n_ctx=%d L=%d NH=%d C=%d B=%d T=%d threads=%d scalar=%d simd=%d%s%s)" % (
        path.split("/")[-1], V, n_ctx, L, NH, C, B, T, cfg[8], cfg[9], cfg[10],
        " random weights" if randomized else " GPT-2 init", " bf16" if bf16 else "")
    if bf16:
        worst_key = lambda k: "bf16 " + k  # noqa: E731
    else:
        worst_key = lambda k: k  # noqa: E731
    fails = []

    def fail(msg):
        fails.append(msg)

    # layout: the names, shapes and decay flags promised by tt_api.h
    names = expected_names(L)
    got = sorted(k[5:] for k in rec if k.startswith("meta:"))
    if got != sorted(names):
        fail("tensor names differ: missing %s, unexpected %s" % (
            sorted(set(names) - set(got)), sorted(set(got) - set(names))))
        failures.append((tag, fails))
        return
    Vp = (V + 63) // 64 * 64
    want_shape = {"wte.weight": (Vp, C), "wpe.weight": (n_ctx, C), "ln_f.weight": (C,), "ln_f.bias": (C,)}
    for l in range(L):
        p = "h.%d." % l
        want_shape.update({p + "ln_1.weight": (C,), p + "ln_1.bias": (C,), p + "ln_2.weight": (C,),
                           p + "ln_2.bias": (C,), p + "attn.c_attn.weight": (3 * C, C),
                           p + "attn.c_attn.bias": (3 * C,), p + "attn.c_proj.weight": (C, C),
                           p + "attn.c_proj.bias": (C,), p + "mlp.c_fc.weight": (4 * C, C),
                           p + "mlp.c_fc.bias": (4 * C,), p + "mlp.c_proj.weight": (C, 4 * C),
                           p + "mlp.c_proj.bias": (C,)})
    for n in names:
        if tuple(rec["param:" + n].shape) != want_shape[n]:
            fail("%s: shape %s, want %s" % (n, rec["param:" + n].shape, want_shape[n]))
        want_decay = 1 if (len(want_shape[n]) == 2 and n != "wpe.weight") else 0
        if int(rec["meta:" + n][0]) != want_decay:
            fail("%s: decay flag %d, want %d (matrices except wpe)" % (n, rec["meta:" + n][0], want_decay))
    if fails:
        failures.append((tag, fails))
        return
    # GPT-2 init statistics (loose: tiny tensors)
    for n in (names if not randomized else []):
        w = rec["param:" + n].astype(np.float64)
        if n.endswith("ln_1.weight") or n.endswith("ln_2.weight") or n == "ln_f.weight":
            if not np.all(w == 1.0):
                fail("%s: LayerNorm weight not initialised to 1" % n)
        elif n.endswith(".bias"):
            if not np.all(w == 0.0):
                fail("%s: bias not initialised to 0" % n)
        else:
            if n == "wte.weight":
                w = w[:V]
            sd = 0.02 / math.sqrt(2 * L) if n.endswith("c_proj.weight") else 0.02
            if abs(w.std() / sd - 1.0) > 0.25 or abs(w.mean()) > 4 * sd / math.sqrt(w.size) + 1e-3 * sd:
                fail("%s: init std %.5f mean %.5f, want N(0, %.5f)" % (n, w.std(), w.mean(), sd))

    ref = run_reference(rec, torch.float32, mode)
    ref64 = run_reference(rec, torch.float64, mode)
    if bf16:  # the C gradients are the bf16 ones: far closer to the emulation than to plain fp32
        p32 = run_reference(rec, torch.float32, "fp32")
        e_em = max(rel(rec["grad:" + n], ref["grads"][n]) for n in names)
        e_32 = max(rel(rec["grad:" + n], p32["grads"][n]) for n in names)
        worst["bf16 vs plain fp32: grads (info)"] = max(worst.get("bf16 vs plain fp32: grads (info)", 0.0), e_32)
        if not e_em * 2 < e_32:
            fail("grads: %.3g from the bf16 emulation, %.3g from plain fp32: bf16 not in effect?" % (e_em, e_32))
    if bf16:  # PyTorch's own bf16 autocast: loose agreement, reported
        ac = run_reference(rec, torch.float32, "autocast")
        e = abs(float(rec["loss"][0]) - ac["loss"]) / abs(ac["loss"])
        worst["bf16 vs autocast: loss"] = max(worst.get("bf16 vs autocast: loss", 0.0), e)
        if not e <= TOL_AUTOCAST["loss"]:
            fail("loss vs PyTorch bf16 autocast: rel err %.3g > %g" % (e, TOL_AUTOCAST["loss"]))
        eg = max(rel(rec["grad:" + n], ac["grads"][n]) for n in names)
        worst["bf16 vs autocast: grads"] = max(worst.get("bf16 vs autocast: grads", 0.0), eg)
        if not eg <= TOL_AUTOCAST["grad"]:
            fail("grads vs PyTorch bf16 autocast: max rel err %.3g > %g" % (eg, TOL_AUTOCAST["grad"]))

    e = rel(rec["logits"], ref["logits"])
    e64 = rel(rec["logits"], ref64["logits"])
    worst[worst_key("logits")] = max(worst.get(worst_key("logits"), 0.0), e)
    worst[worst_key("logits(fp64)")] = max(worst.get(worst_key("logits(fp64)"), 0.0), e64)
    if not e <= tol['logits']:
        fail("logits: max rel err %.3g > %g" % (e, tol['logits']))

    cl = float(rec["loss"][0])
    e = abs(cl - ref["loss"]) / abs(ref["loss"])
    e64 = abs(cl - ref64["loss"]) / abs(ref64["loss"])
    worst[worst_key("loss")] = max(worst.get(worst_key("loss"), 0.0), e)
    worst[worst_key("loss(fp64)")] = max(worst.get(worst_key("loss(fp64)"), 0.0), e64)
    if not e <= tol['loss']:
        fail("loss: C %.9g torch %.9g rel err %.3g > %g" % (cl, ref["loss"], e, tol['loss']))

    per_group = {}
    for n in names:
        g = rec["grad:" + n]
        e = rel(g, ref["grads"][n])
        e64 = rel(g, ref64["grads"][n])
        grp = group_of(n)
        pg = per_group.setdefault(grp, [0.0, 0.0])
        pg[0] = max(pg[0], e); pg[1] = max(pg[1], e64)
        if not e <= tol['grad']:
            fail("grad %s: max rel err %.3g > %g" % (n, e, tol['grad']))
    # the fused tt_model_forward_backward: same tolerances
    if "loss_fb" in rec:
        e = abs(float(rec["loss_fb"][0]) - ref["loss"]) / abs(ref["loss"])
        if not e <= tol['loss']:
            fail("forward_backward loss: rel err %.3g > %g" % (e, tol['loss']))
        fb_err, fb_same = 0.0, float(rec["loss_fb"][0]) == cl
        for n in names:
            e = rel(rec["grad_fb:" + n], ref["grads"][n])
            fb_err = max(fb_err, e)
            fb_same = fb_same and np.array_equal(rec["grad_fb:" + n], rec["grad:" + n])
            if not e <= tol['grad']:
                fail("forward_backward grad %s: max rel err %.3g > %g" % (n, e, tol['grad']))
        worst[worst_key("grad (fused forward_backward)")] = max(worst.get(worst_key("grad (fused forward_backward)"), 0.0), fb_err)
        worst["fused == unfused bitwise (1 = yes)"] = min(worst.get("fused == unfused bitwise (1 = yes)", 1.0),
                                                       1.0 if fb_same else 0.0)
    # padded rows of wte get no gradient (their logits are masked)
    gw = rec["grad:wte.weight"]
    if Vp > V and np.any(gw[V:] != 0.0):
        fail("grad wte.weight: padded rows %d..%d are not zero (max %.3g)" % (V, Vp - 1, np.abs(gw[V:]).max()))
    for grp, (e, e64) in per_group.items():
        worst[worst_key("grad " + grp)] = max(worst.get(worst_key("grad " + grp), 0.0), e)
        worst[worst_key("grad " + grp) + "(fp64)"] = max(worst.get(worst_key("grad " + grp) + "(fp64)", 0.0), e64)

    lr_c, lr_at_c = rec["step_lr"], rec["step_lr_at"]
    for s, want in enumerate(ref["step_lr"]):
        if abs(lr_c[s] - want) > TOL_LR * abs(want) + 1e-12 or lr_at_c[s] != lr_c[s]:
            fail("lr at step %d: stats %.9g, tt_lr_at %.9g, documented formula %.9g" % (s, lr_c[s], lr_at_c[s], want))
    step_err = norm_err = 0.0
    for s in range(len(ref["step_loss"])):
        e = abs(float(rec["step_loss"][s]) - ref["step_loss"][s]) / abs(ref["step_loss"][s])
        step_err = max(step_err, e)
        if not e <= tol['step']:
            fail("step %d loss: C %.9g torch %.9g rel err %.3g > %g" % (
                s, rec["step_loss"][s], ref["step_loss"][s], e, tol['step']))
        e = abs(float(rec["step_norm"][s]) - ref["step_norm"][s]) / abs(ref["step_norm"][s])
        norm_err = max(norm_err, e)
        if not e <= tol['norm']:
            fail("step %d grad norm: C %.9g torch %.9g" % (s, rec["step_norm"][s], ref["step_norm"][s]))
    clipped = sum(1 for n in ref["step_norm"] if n > ref["clip"])
    if clipped == 0:
        fail("test setup: clipping never active")
    moved = max(rel(ref["final"][n], rec["param:" + n]) for n in names)
    if not moved > 1e-2:
        fail("test setup: the 10 steps barely moved the parameters (%g)" % moved)
    worst[worst_key("10 step losses")] = max(worst.get(worst_key("10 step losses"), 0.0), step_err)
    worst[worst_key("grad norms")] = max(worst.get(worst_key("grad norms"), 0.0), norm_err)
    fe = max(rel(rec["final:" + n], ref["final"][n]) for n in names)
    worst[worst_key("params after 10 steps (info)")] = max(worst.get(worst_key("params after 10 steps (info)"), 0.0), fe)

    print("%s: loss %.6f (torch %.6f), steps %.4f -> %.4f, clipped %d/10, %s" % (
        tag, cl, ref["loss"], rec["step_loss"][0], rec["step_loss"][-1], clipped,
        "ok" if not fails else "FAIL"))
    if fails:
        failures.append((tag, fails))


def main():
    torch.set_num_threads(1)
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    worst, failures = {}, []
    for path in sys.argv[1:]:
        check(path, worst, failures)
    print("max relative error vs PyTorch float32 (in parentheses: vs float64), over %d dumps:" % (len(sys.argv) - 1))
    for k in sorted(k for k in worst if not k.endswith("(fp64)")):
        extra = " (fp64 %.2e)" % worst[k + "(fp64)"] if k + "(fp64)" in worst else ""
        if "bitwise" in k:
            print("  %-36s %s (info)" % (k.split(" (")[0], "yes" if worst[k] == 1.0 else "no"))
        else:
            print("  %-36s %.2e%s" % (k, worst[k], extra))
    for tag, fails in failures:
        print("FAIL %s" % tag)
        for f in fails:
            print("  " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
