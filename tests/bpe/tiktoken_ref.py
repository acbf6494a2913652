"""GPT-2 ground truth from PyPI tiktoken (OpenAI's Rust core), offline.

tiktoken's own definition of r50k_base (the GPT-2 encoding: its pattern,
special token and vocabulary size) is used as is; only the rank file is read
from a local path instead of being downloaded, and its SHA-256 is checked
against the hash tiktoken itself expects.
"""
import hashlib
import os
import sys

import tiktoken
import tiktoken_ext.openai_public as openai_public
from tiktoken.load import load_tiktoken_bpe

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_RANKS = os.path.join(HERE, "..", "..", "..", "shared", "gpt2", "r50k_base.tiktoken")


def gpt2_encoding(ranks_path=None):
    """tiktoken.Encoding for GPT-2 built from a local r50k_base.tiktoken."""
    path = ranks_path or os.environ.get("TT_GPT2_RANKS") or DEFAULT_RANKS
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()

    def local_ranks(url, expected_hash=None):
        if expected_hash is not None and expected_hash != digest:
            sys.exit(f"tiktoken_ref: {path} has SHA-256 {digest}, tiktoken expects {expected_hash}")
        return load_tiktoken_bpe(path)

    saved = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = local_ranks
    try:
        params = openai_public.r50k_base()
    finally:
        openai_public.load_tiktoken_bpe = saved
    return tiktoken.Encoding(**params)


def version():
    return tiktoken.__version__
