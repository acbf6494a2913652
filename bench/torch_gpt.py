#!/usr/bin/python3
"""bench/torch_gpt.py -- the same GPT-2 training step in PyTorch, for the
side-by-side numbers of bench/bench_train.c.

  /usr/bin/python3 bench/torch_gpt.py --config S|M|G [--threads N] [--steps N]
        [--attn sdpa|manual|best] [--dtype fp32|bf16]

Model: GPT-2 as nanoGPT writes it (pre-LayerNorm, causal attention, GELU tanh,
tied lm head, V padded to a multiple of 64), AdamW (fused=False, foreach
default) with weight decay on matrices, clip_grad_norm_ 1.0. One step =
forward, backward, clip, AdamW, zero_grad. torch.set_num_threads is set
explicitly. Prints medians over the steps after 2 warm-up steps; the last
line is
  RESULT config=S threads=2 tok_per_s=... mfu=... peak_rss_mb=...
mfu uses the FLOPs per token of bench_train.c and a peak given with --peak
(GFLOP/s, as bench_train measured it) or 0 when not given.
For a fair comparison run it with tcmalloc preloaded (the Makefile's bench
target does: LD_PRELOAD=libtcmalloc_minimal.so.4).
"""
import argparse
import math
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

CONFIGS = {  # V, C, L, NH, T, B (DESIGN.md section 8)
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


def run(cfg, threads, steps, attn, dtype):
    V, C, L, NH, T, B = CONFIGS[cfg]
    torch.manual_seed(0)
    model = GPT(V, C, L, NH, T, attn)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and "wpe" not in n]
    nodecay = [p for n, p in model.named_parameters() if not (p.dim() == 2 and "wpe" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8)
    idx = torch.randint(0, V, (B, T))
    tgt = torch.randint(0, V, (B, T))
    times = []
    for s in range(steps + 2):
        t0 = time.perf_counter()
        if dtype == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = model(idx, tgt)
        else:
            loss = model(idx, tgt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        if s >= 2:
            times.append(dt)
        print("step %d loss %.4f %.1f ms" % (s - 2, loss.item(), dt * 1e3), file=sys.stderr)
    nparams = sum(p.numel() for p in model.parameters())
    nonemb = nparams - model.Vp * C - T * C
    flops_tok = 6.0 * nonemb + 6.0 * V * C + 12.0 * L * T * C
    return B * T / statistics.median(times), flops_tok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="S", choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--attn", default="best", choices=["sdpa", "manual", "best"])
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--peak", type=float, default=0.0, help="measured fp32 peak, GFLOP/s")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    kinds = ["sdpa", "manual"] if a.attn == "best" else [a.attn]
    best = None
    for kind in kinds:
        if kind == "sdpa" and not hasattr(F, "scaled_dot_product_attention"):
            print("torch %s has no scaled_dot_product_attention; skipping sdpa" % torch.__version__)
            continue
        tps, flops_tok = run(a.config, a.threads, a.steps if len(kinds) == 1 else max(3, a.steps // 2) , kind, a.dtype)
        print("torch %s attention=%s dtype=%s: %.1f tok/s" % (torch.__version__, kind, a.dtype, tps))
        if best is None or tps > best[0]:
            best = (tps, flops_tok, kind)
    tps, flops_tok, kind = best
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    mfu = tps * flops_tok * 1e-9 / a.peak if a.peak > 0 else 0.0
    print("RESULT config=%s threads=%d tok_per_s=%.1f mfu=%.3f peak_rss_mb=%.0f attention=%s" %
          (a.config, a.threads, tps, mfu, rss, kind))


if __name__ == "__main__":
    main()
