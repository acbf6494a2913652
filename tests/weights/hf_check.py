"""Weights and tokenizers against the real readers (run with build/venv-hf's
python: PyPI safetensors, transformers, tokenizers; Debian's torch 1.13).
Nothing is downloaded: configs are built here.

  hf_check.py TOOL WORKDIR CORPUS

TOOL is build/weights_tool (tests/weights/weights_tool.c). Checks:
 1. our safetensors files: `safetensors` reads them (F32 with numpy, BF16
    with torch, values = our bf16 rounding); GPT2LMHeadModel.from_pretrained
    on our file + a config.json made from its metadata gives our logits.
 2. a file written by transformers (save_pretrained of a random GPT-2,
    biases and LayerNorms random too) loads into tinytrain.h: same logits.
 3. a file in llm.c's layout (written here from llm.c's write_model layout,
    from the same random GPT-2) loads: same logits.
 4. HF tokenizers (ByteLevelBPETokenizer) and transformers
    (GPT2TokenizerFast) load our exported encoder.json + vocab.bpe and give
    our ids.
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch

TOL = 1e-4  # max |ours - reference| / max |reference|


def rel(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def run(*args):
    subprocess.run([str(a) for a in args], check=True)


def hf_logits(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids], dtype=torch.long)).logits[0].numpy().astype(np.float32)


def ours_logits(tool, path, n_head, ids, work):
    ids_path = os.path.join(work, "q_ids.i32")
    out = os.path.join(work, "q_logits.f32")
    np.asarray(ids, dtype="<i4").tofile(ids_path)
    run(tool, "logits", path, n_head, ids_path, out)
    return np.fromfile(out, dtype="<f4").reshape(len(ids), -1)


def check_export(tool, work, failures):
    from safetensors import safe_open
    from safetensors.numpy import load_file
    from transformers import GPT2Config, GPT2LMHeadModel
    d = os.path.join(work, "export")
    os.makedirs(d, exist_ok=True)
    run(tool, "export", d)
    st = os.path.join(d, "model.safetensors")
    tensors = load_file(st)
    with safe_open(st, framework="np") as f:
        meta = f.metadata()
    print("safetensors reads our file:", len(tensors), "tensors, metadata", meta)
    cfg = GPT2Config(vocab_size=int(meta["vocab_size"]), n_positions=int(meta["n_positions"]),
                     n_embd=int(meta["n_embd"]), n_layer=int(meta["n_layer"]), n_head=int(meta["n_head"]))
    C = cfg.n_embd
    want = {"transformer.wte.weight": (cfg.vocab_size, C), "transformer.h.0.attn.c_attn.weight": (C, 3 * C),
            "transformer.h.1.mlp.c_proj.weight": (4 * C, C), "transformer.ln_f.bias": (C,)}
    for k, s in want.items():
        if tensors[k].shape != s or tensors[k].dtype != np.float32:
            failures.append("export: %s has shape %s dtype %s" % (k, tensors[k].shape, tensors[k].dtype))
    # bf16 file: torch reads it; every value is the bf16 rounding of the F32 one
    from safetensors.torch import load_file as load_torch
    tb = load_torch(os.path.join(d, "model_bf16.safetensors"))
    worst = 0
    for k, v in tb.items():
        if v.dtype != torch.bfloat16:
            failures.append("export bf16: %s is %s" % (k, v.dtype))
        ref = torch.from_numpy(tensors[k]).to(torch.bfloat16)
        worst = max(worst, int((v.view(torch.int16) != ref.view(torch.int16)).sum()))
    print("bf16 file: values differing from torch's bf16 rounding of the F32 file:", worst)
    if worst:
        failures.append("export bf16: %d values differ from torch's rounding" % worst)
    # transformers loads it with a config.json made from the metadata
    hf_dir = os.path.join(d, "hf")
    os.makedirs(hf_dir, exist_ok=True)
    cfg.save_pretrained(hf_dir)
    os.replace(st, os.path.join(hf_dir, "model.safetensors"))
    model = GPT2LMHeadModel.from_pretrained(hf_dir).eval()
    ids = np.fromfile(os.path.join(d, "ids.i32"), dtype="<i4").tolist()
    ours = np.fromfile(os.path.join(d, "logits.f32"), dtype="<f4").reshape(len(ids), -1)
    ref = hf_logits(model, ids)
    e = rel(ours, ref)
    print("our safetensors -> transformers GPT2LMHeadModel: logits rel err %.3g (%d positions x %d)" % (e, *ref.shape))
    if not e < TOL:
        failures.append("export: transformers logits differ from ours, rel %.3g" % e)


def random_gpt2(seed):
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=123, n_positions=24, n_embd=48, n_layer=3, n_head=4)
    model = GPT2LMHeadModel(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:  # biases 0 and LayerNorm 1 would hide layout mistakes
                p.add_(0.1 * torch.randn_like(p))
    return cfg, model


def check_import(tool, work, failures):
    cfg, model = random_gpt2(5)
    d = os.path.join(work, "import")
    os.makedirs(d, exist_ok=True)
    model.save_pretrained(d, safe_serialization=True)
    ids = [(7 * i + 3) % cfg.vocab_size for i in range(cfg.n_positions)]
    ref = hf_logits(model, ids)
    ours = ours_logits(tool, os.path.join(d, "model.safetensors"), cfg.n_head, ids, work)
    e = rel(ours, ref)
    print("transformers save_pretrained -> tinytrain.h: logits rel err %.3g" % e)
    if not e < TOL:
        failures.append("import: logits differ from transformers, rel %.3g" % e)
    # llm.c's layout, written as its write_model does (version 3, padded vocab)
    sd = {k: v.detach().float() for k, v in model.state_dict().items()}
    L, V, C = cfg.n_layer, cfg.vocab_size, cfg.n_embd
    Vp = (V + 127) // 128 * 128
    conv1d = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")

    def layer(name, l):
        t = sd["transformer.h.%d.%s" % (l, name)]
        return t.t() if name in conv1d else t  # llm.c stores nn.Linear (out, in)

    path = os.path.join(work, "llmc.bin")
    with open(path, "wb") as f:
        header = [20240326, 3, cfg.n_positions, V, L, cfg.n_head, C, Vp] + [0] * 248
        f.write(struct.pack("<256i", *header))
        wte = torch.cat([sd["transformer.wte.weight"], torch.zeros(Vp - V, C)])
        parts = [wte, sd["transformer.wpe.weight"]]
        for name in ("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                     "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                     "mlp.c_proj.weight", "mlp.c_proj.bias"):
            parts += [layer(name, l) for l in range(L)]
        parts += [sd["transformer.ln_f.weight"], sd["transformer.ln_f.bias"]]
        for p in parts:
            f.write(p.contiguous().numpy().astype("<f4").tobytes())
    ours = ours_logits(tool, path, 0, ids, work)
    e = rel(ours, ref)
    print("llm.c-layout file (write_model layout) -> tinytrain.h: logits rel err %.3g" % e)
    if not e < TOL:
        failures.append("llm.c import: logits differ from PyTorch, rel %.3g" % e)


def check_tokenizer(tool, work, corpus, failures):
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast
    d = os.path.join(work, "tok")
    os.makedirs(d, exist_ok=True)
    # the tool trains on the first 400 KB; encode text after that (if any)
    raw = open(corpus, "rb").read()
    text = os.path.join(d, "sample.txt")
    with open(text, "wb") as f:
        part = raw[400000:460000] if len(raw) > 460000 else raw[:60000]
        f.write(part.decode("utf-8", errors="ignore").encode("utf-8"))
    run(tool, "tok", corpus, text, d)
    ours = np.fromfile(os.path.join(d, "ids.i32"), dtype="<i4").tolist()
    s = open(text, "rb").read().decode("utf-8")
    enc, bpe = os.path.join(d, "encoder.json"), os.path.join(d, "vocab.bpe")
    tk = ByteLevelBPETokenizer(enc, bpe, add_prefix_space=False)
    a = tk.encode(s).ids
    b = GPT2TokenizerFast(vocab_file=enc, merges_file=bpe)(s)["input_ids"]
    vocab = json.load(open(enc, encoding="utf-8"))
    print("tokenizers: %d ids (ours %d), transformers GPT2TokenizerFast: %d ids, vocab %d entries" %
          (len(a), len(ours), len(b), len(vocab)))
    for name, got in (("tokenizers ByteLevelBPETokenizer", a), ("transformers GPT2TokenizerFast", b)):
        if got != ours:
            i = next((k for k in range(min(len(got), len(ours))) if got[k] != ours[k]), min(len(got), len(ours)))
            failures.append("%s ids differ from ours at %d of %d" % (name, i, len(ours)))
    if vocab.get("<|endoftext|>") != 999:
        failures.append("encoder.json lacks <|endoftext|> = 999")


def main():
    tool, work, corpus = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    failures = []
    check_export(tool, work, failures)
    check_import(tool, work, failures)
    check_tokenizer(tool, work, corpus, failures)
    for f in failures:
        print("FAIL:", f)
    print("hf_check: %s" % ("all passed" if not failures else "%d failures" % len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
