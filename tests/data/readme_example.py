#!/usr/bin/env python3
"""readme_example.py extract README.md OUT.c -- write the C block that follows
the '<!-- readme-example' marker. readme_example.py check OUTPUT.txt -- the
program printed 4 loss lines with a falling loss and some sample text."""
import re
import sys

if sys.argv[1] == "extract":
    text = open(sys.argv[2], encoding="utf-8").read()
    at = text.index("<!-- readme-example")
    m = re.search(r"```c\n(.*?)```", text[at:], re.S)
    open(sys.argv[3], "w").write(m.group(1))
    print(f"README example: {m.group(1).count(chr(10))} lines")
else:
    out = open(sys.argv[2], encoding="utf-8", errors="replace").read()
    losses = [float(x) for x in re.findall(r"step \d+: loss ([0-9.]+)", out)]
    assert len(losses) == 4, out
    assert losses[-1] < losses[0], f"loss did not fall: {losses}"
    sample = out.split("step 200: loss")[1].split("\n", 1)[1]
    assert len(sample.strip()) > 20, "no sample text"
    print(f"README example ran: loss {losses}, {len(sample)} bytes of sample")
