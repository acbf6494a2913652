#!/usr/bin/env python3
"""Checks a demo run: the CSV log has one row per step with falling train
loss and some validation losses, and the SVG plot is well-formed XML with
the two loss curves. Usage: check_demo.py LOG.csv LOSS.svg STEPS"""
import csv
import sys
import xml.etree.ElementTree as ET

log, svg, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(log, newline="") as f:
    rows = list(csv.DictReader(f))
want = ["step", "train_loss", "val_loss", "lr", "grad_norm", "tokens_per_s", "elapsed_s"]
assert rows and list(rows[0].keys()) == want, f"CSV columns {list(rows[0].keys()) if rows else None}"
assert [int(r["step"]) for r in rows] == list(range(1, steps + 1)), "one row per step, 1..STEPS"
train = [float(r["train_loss"]) for r in rows]
val = [float(r["val_loss"]) for r in rows if r["val_loss"]]
k = max(3, steps // 6)
first, last = sum(train[:k]) / k, sum(train[-k:]) / k
assert last < first - 0.05, f"train loss did not fall: first {k} mean {first:.3f}, last {k} mean {last:.3f}"
assert len(val) >= 2 and val[-1] < val[0], f"val loss did not fall: {val}"
assert all(float(r["tokens_per_s"]) > 0 and float(r["lr"]) > 0 for r in rows)

root = ET.parse(svg).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
lines = root.findall(ns + "polyline")
assert len(lines) == 2 and all(len(p.get("points", "").split()) >= 2 for p in lines), "two loss curves"
print(f"demo log ok: {steps} rows, train loss {first:.3f} -> {last:.3f}, val {val[0]:.3f} -> {val[-1]:.3f}; SVG well-formed")
