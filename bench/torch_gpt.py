#!/usr/bin/python3
"""bench/torch_gpt.py -- the same GPT-2 training step in PyTorch, for the
side-by-side numbers of bench/bench_train.c.

  PYTHON bench/torch_gpt.py --config S|M|G [--threads N] [--steps N]
        [--mode eager|compile] [--attn sdpa|manual|best]
        [--adamw fused|foreach|loop|best] [--dtype fp32|bf16] [--peak GFLOPS]

Runs under Debian's torch 1.13 and under current PyTorch 2.x from PyPI.
Model: GPT-2 as nanoGPT writes it (pre-LayerNorm, causal attention, GELU tanh,
tied lm head, V padded to a multiple of 64), AdamW with weight decay on
matrices, clip_grad_norm_ 1.0. One step = forward, backward, clip, AdamW,
zero_grad. torch.set_num_threads is set explicitly.

The reference is measured at its best: --attn best / --adamw best try each
variant for a few steps and keep the fastest (scaled_dot_product_attention
needs torch >= 2.0, fused AdamW on CPU torch >= 2.4); --mode compile wraps the
model in torch.compile (inductor, default mode), and the compile time (the
first steps beyond the steady step time) is reported apart. Run it with
tcmalloc preloaded (bench/run_bench.sh does).

It prints which BLAS / oneDNN / MKL this torch was built with
(torch.__config__.show()) and which BLAS library is really loaded (from
/proc/self/maps after a matmul). blas=reference in the RESULT line means the
unoptimised reference BLAS: run_bench.sh then refuses to print a ratio.
Prints medians over the steps after the warm-up steps (--warm, default 2); the last line is
  RESULT config=S threads=2 tok_per_s=... mfu=... peak_rss_mb=... blas=...
mfu uses the FLOPs per token of bench_train.c and a peak given with --peak
(GFLOP/s, as bench_train measured it) or 0 when not given.
"""
import argparse
import math
import re
import resource
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    print("SKIP: cannot import torch (%s)" % e)
    sys.exit(0)

CONFIGS = {  # V, C, L, NH, T, B (README.md: "Speed: make bench")
    "S": (10000, 256, 2, 4, 256, 16),
    "M": (50257, 512, 6, 8, 256, 8),
    "G": (50257, 768, 12, 12, 256, 4),
}


class Block(nn.Module):
    def __init__(self, C, NH, attn):
        super().__init__()
        self.NH, self.attn_kind = NH, attn
        self.ln_1 = nn.LayerNorm(C, eps=1e-5)
        self.c_attn = nn.Linear(C, 3 * C)
        self.c_proj = nn.Linear(C, C)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5)
        self.c_fc = nn.Linear(C, 4 * C)
        self.mlp_proj = nn.Linear(4 * C, C)

    def attn(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.NH, C // self.NH).transpose(1, 2)
        k = k.view(B, T, self.NH, C // self.NH).transpose(1, 2)
        v = v.view(B, T, self.NH, C // self.NH).transpose(1, 2)
        if self.attn_kind == "sdpa":
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            att = att.masked_fill(~mask, float("-inf"))
            y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, V, C, L, NH, T, attn):
        super().__init__()
        self.Vp = (V + 63) // 64 * 64
        self.V = V
        self.wte = nn.Embedding(self.Vp, C)
        self.wpe = nn.Embedding(T, C)
        self.h = nn.ModuleList([Block(C, NH, attn) for _ in range(L)])
        self.ln_f = nn.LayerNorm(C, eps=1e-5)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for blk in self.h:
            x = blk(x)
        logits = F.linear(self.ln_f(x), self.wte.weight[: self.V])
        return F.cross_entropy(logits.view(-1, self.V), targets.view(-1))


def make_adamw(groups, kind):
    kw = dict(lr=3e-4, betas=(0.9, 0.95), eps=1e-8)
    if kind == "fused":
        kw["fused"] = True
    elif kind == "foreach":
        kw["foreach"] = True
    else:
        kw["foreach"] = False
    return torch.optim.AdamW(groups, **kw)


def run(cfg, threads, steps, attn, dtype, mode="eager", adamw="foreach", warm=2, profile=False):
    """Returns (tok/s median, FLOPs/token, seconds spent before the steady steps beyond warm x median)."""
    V, C, L, NH, T, B = CONFIGS[cfg]
    torch.manual_seed(0)
    model = GPT(V, C, L, NH, T, attn)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "wpe" not in n]
    nodecay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "wpe" not in n)]
    opt = make_adamw([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}], adamw)
    fwd = torch.compile(model) if mode == "compile" else model
    idx = torch.randint(0, V, (B, T))
    tgt = torch.randint(0, V, (B, T))
    times, warm_times = [], []
    for s in range(steps + warm):
        t0 = time.perf_counter()
        if dtype == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = fwd(idx, tgt)
        else:
            loss = fwd(idx, tgt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        (times if s >= warm else warm_times).append(dt)
        print("step %d loss %.4f %.1f ms" % (s - warm, loss.item(), dt * 1e3), file=sys.stderr)
    nparams = sum(p.numel() for p in model.parameters())
    nonemb = nparams - model.Vp * C - T * C
    flops_tok = 6.0 * nonemb + 6.0 * V * C + 12.0 * L * T * C
    if profile:
        from torch.profiler import profile as tprofile, ProfilerActivity
        with tprofile(activities=[ProfilerActivity.CPU]) as prof:
            loss = fwd(idx, tgt)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20))
    med = statistics.median(times)
    return B * T / med, flops_tok, max(0.0, sum(warm_times) - warm * med)


def blas_report():
    """(config line, loaded BLAS libraries, kind) where kind is mkl, openblas, blis, reference or unknown."""
    cfg = torch.__config__.show()
    info = [l.strip(" -") for l in cfg.splitlines()
            if any(w in l for w in ("MKL", "oneDNN", "MKL-DNN", "OpenMP", "CPU capability"))
            and "Build settings" not in l]
    build = ", ".join(re.findall(r"\b(?:BLAS_INFO|LAPACK_INFO|USE_MKL|USE_MKLDNN|USE_OPENMP)=[^,]*", cfg))
    a = torch.randn(64, 64)
    _ = a @ a
    libs = set()
    try:
        for line in open("/proc/self/maps"):
            f = line.split()[-1]
            low = f.lower()
            if f.startswith("/") and (("blas" in low) or ("mkl" in low) or ("dnnl" in low) or ("blis" in low)):
                libs.add(f)
    except OSError:
        pass
    # torch's own BLAS: what it was built with when linked in (MKL is static in
    # PyPI wheels), else the libblas the dynamic loader picked (Debian's
    # alternatives: OpenBLAS, BLIS or the reference BLAS). numpy's bundled
    # OpenBLAS and cuBLAS are not torch's CPU BLAS.
    libs = set(f for f in libs if "numpy" not in f and "/nvidia/" not in f and "cublas" not in f)
    m = re.search(r"BLAS_INFO=(\w+)", build)
    built = m.group(1).lower() if m else ""
    low = " ".join(sorted(libs)).lower()
    if built in ("mkl", "open", "openblas", "blis", "accelerate", "flexi"):
        kind = {"open": "openblas"}.get(built, built)
    elif "openblas" in low:
        kind = "openblas"
    elif "mkl" in low:
        kind = "mkl"
    elif "blis" in low:
        kind = "blis"
    elif "/blas/libblas" in low or "libblas" in low:
        kind = "reference"
    else:
        kind = "unknown"
    return "; ".join(info + [build]), sorted(libs), kind


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="S", choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--warm", type=int, default=2, help="untimed warm-up steps before the timed ones")
    ap.add_argument("--mode", default="eager", choices=["eager", "compile"])
    ap.add_argument("--attn", default="best", choices=["sdpa", "manual", "best"])
    ap.add_argument("--adamw", default="best", choices=["fused", "foreach", "loop", "best"])
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--peak", type=float, default=0.0, help="measured fp32 peak, GFLOP/s")
    ap.add_argument("--profile", action="store_true",
                    help="after the timed steps, one more step under torch.profiler: top ops by self CPU time")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    major = int(torch.__version__.split(".")[0])
    minor = int(torch.__version__.split(".")[1])
    cfg_line, libs, kind = blas_report()
    print("torch %s: %s" % (torch.__version__, cfg_line))
    print("torch %s: loaded %s; blas=%s" % (torch.__version__, " ".join(libs) or "(none found)", kind))
    if a.mode == "compile" and major < 2:
        print("SKIP: torch %s has no torch.compile" % torch.__version__)
        print("RESULT config=%s threads=%d tok_per_s=0 mfu=0 peak_rss_mb=0 blas=%s skipped=1" % (a.config, a.threads, kind))
        return
    attns = ["sdpa", "manual"] if a.attn == "best" else [a.attn]
    if not hasattr(F, "scaled_dot_product_attention"):
        attns = [k for k in attns if k != "sdpa"] or ["manual"]
    fused_ok = (major, minor) >= (2, 4)
    adamws = (["fused", "foreach"] if fused_ok else ["foreach", "loop"]) if a.adamw == "best" else [a.adamw]
    # choose the fastest variant on a short trial (eager; compile reuses it)
    attn, adamw = attns[0], adamws[0]
    if len(attns) > 1 or len(adamws) > 1:
        trial = {}
        for k in attns:
            trial[(k, adamws[0])] = run(a.config, a.threads, 2, k, a.dtype, "eager", adamws[0], warm=1)[0]
        attn = max(attns, key=lambda k: trial[(k, adamws[0])])
        for o in adamws[1:]:
            trial[(attn, o)] = run(a.config, a.threads, 2, attn, a.dtype, "eager", o, warm=1)[0]
        attn, adamw = max(trial, key=trial.get)
        print("trial (2 steps each, tok/s): " + ", ".join("%s+%s %.1f" % (k[0], k[1], v) for k, v in trial.items()))
    t0 = time.perf_counter()
    tps, flops_tok, extra = run(a.config, a.threads, a.steps, attn, a.dtype, a.mode, adamw, warm=a.warm, profile=a.profile)
    print("torch %s mode=%s attention=%s adamw=%s dtype=%s: %.1f tok/s (run %.1f s, compile/warm-up overhead %.1f s)" %
          (torch.__version__, a.mode, attn, adamw, a.dtype, tps, time.perf_counter() - t0, extra))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    mfu = tps * flops_tok * 1e-9 / a.peak if a.peak > 0 else 0.0
    print("RESULT config=%s threads=%d tok_per_s=%.1f mfu=%.3f peak_rss_mb=%.0f attention=%s adamw=%s mode=%s "
          "compile_s=%.1f blas=%s torch=%s" %
          (a.config, a.threads, tps, mfu, rss, attn, adamw, a.mode, extra if a.mode == "compile" else 0.0, kind,
           torch.__version__))


if __name__ == "__main__":
    main()
