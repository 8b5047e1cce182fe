#!/usr/bin/env python3
"""Produce fmkit's calculator fixtures from the EleutherAI cookbook scripts.

Usage: gen_cookbook.py COOKBOOK_CALC_DIR OUT_DIR

COOKBOOK_CALC_DIR is the calc/ folder of a checkout of
github.com/EleutherAI/cookbook (see README.md beside this file for the
commit). The three scripts there are imported unmodified; each grid
configuration is parsed with the script's own argparse parser, so every
default comes from the script, and its calc_* function is run with stdout
discarded. The scripts only print rounded numbers, so a profile hook reads
the function's local variables at the moment it returns: those are the exact
float64 values the script computed.

Writes cookbook_flops.json, cookbook_params.json and cookbook_mem.json to
OUT_DIR: a list of cases, each {"argv": [...], "args": {...}, "result": {...}}.
"""

import contextlib
import importlib.util
import io
import json
import os
import random
import sys


def load(calc_dir, name):
    path = os.path.join(calc_dir, name + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scalars(mapping):
    out = {}
    for key, value in mapping.items():
        if isinstance(value, (bool, int, float, str)) or value is None:
            out[key] = value
    return out


def run(module, func_name, argv):
    """Parse argv with the script's parser, run func_name, return its locals."""
    args = module.config_parser().parse_args(argv)
    captured = {}

    def hook(frame, event, arg):
        if event == "return" and frame.f_code.co_name == func_name and frame.f_globals is module.__dict__:
            captured.update(frame.f_locals)

    sys.setprofile(hook)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            getattr(module, func_name)(args)
    finally:
        sys.setprofile(None)
    if not captured:
        raise SystemExit(f"{func_name} {argv}: no locals captured")
    return {"argv": argv, "args": scalars(vars(captured.get("args", args))), "result": scalars(captured)}


def flops_grid(rng):
    named = [
        [],
        ["--num-layers", "96", "--hidden-size", "12288"],
        ["--num-layers", "12", "--hidden-size", "768", "--moe", "--num-experts", "512"],
        ["--num-layers", "32", "--hidden-size", "2560", "--vocab-size", "50304", "--tokens", "300e9"],
        ["--num-layers", "32", "--hidden-size", "4096", "--vocab-size", "32000", "--sequence-length", "4096",
         "--num-mlp-linears", "3", "--ffn-expansion-factor", "3", "--tokens", "2e12"],
        ["--num-layers", "80", "--hidden-size", "8192", "--kv-size-ratio", "0.125", "--vocab-size", "32000",
         "--sequence-length", "4096", "--num-mlp-linears", "3", "--tokens", "2e12", "--infer"],
    ]
    cases = list(named)
    while len(cases) < 64:
        layers = rng.choice([2, 6, 12, 16, 24, 32, 40, 44, 48, 80])
        argv = [
            "--vocab-size", str(rng.choice([50257, 50304, 51200, 32000, 128256, 65024])),
            "--hidden-size", str(rng.choice([512, 768, 1024, 2048, 2560, 4096, 5120, 6144, 8192])),
            "--sequence-length", str(rng.choice([512, 1024, 2048, 4096, 8192])),
            "--num-layers", str(layers),
            "--kv-size-ratio", str(rng.choice([1.0, 1.0, 0.5, 0.25, 0.125])),
            "--tokens", rng.choice(["1e9", "300e9", "1.5e12", "123456789"]),
            "--ffn-expansion-factor", str(rng.choice([4, 4, 3, 2, 8])),
            "--num-mlp-linears", str(rng.choice([2, 3])),
            "--batch-size", str(rng.choice([1, 8, 512])),
        ]
        if rng.random() < 0.3:
            argv.append("--infer")
        if rng.random() < 0.3:
            argv.append("--no-checkpoint-activations")
        if rng.random() < 0.3:
            interval = rng.choice([d for d in (1, 2, 4) if layers % d == 0])
            experts = rng.choice([8, 16, 64, 128])
            argv += ["--moe", "--num-experts", str(experts), "--expert-interval", str(interval),
                     "--topk", str(rng.choice([1, 2, 4]))]
        cases.append(argv)
    return cases


def params_grid(rng):
    named = [
        [],
        ["--num-layers", "96", "--hidden-size", "12288"],
        ["--num-layers", "12", "--hidden-size", "768", "--moe", "--num-experts", "512"],
        ["--num-layers", "12", "--hidden-size", "768", "--vocab-size", "50257", "--sequence-length", "1024",
         "--tied-embeddings"],
        ["--num-layers", "32", "--hidden-size", "4096", "--vocab-size", "32000", "--sequence-length", "4096",
         "--num-mlp-linears", "3", "--ffn-expansion-factor", "3"],
    ]
    cases = list(named)
    while len(cases) < 64:
        layers = rng.choice([2, 6, 12, 16, 24, 32, 40, 44, 48, 80])
        argv = [
            "--vocab-size", str(rng.choice([50257, 50304, 51200, 32000, 128256, 65024])),
            "--hidden-size", str(rng.choice([512, 768, 1024, 2048, 2560, 4096, 5120, 6144, 8192])),
            "--sequence-length", str(rng.choice([512, 1024, 2048, 4096, 8192])),
            "--num-layers", str(layers),
            "--kv-size-ratio", str(rng.choice([1.0, 1.0, 0.5, 0.25, 0.125])),
            "--ffn-expansion-factor", str(rng.choice([4, 4, 3, 2, 8])),
            "--num-mlp-linears", str(rng.choice([2, 3])),
        ]
        if rng.random() < 0.4:
            argv.append("--tied-embeddings")
        if rng.random() < 0.3:
            interval = rng.choice([d for d in (1, 2, 4) if layers % d == 0])
            argv += ["--moe", "--num-experts", str(rng.choice([4, 8, 16, 64])), "--expert-interval", str(interval),
                     "--topk", str(rng.choice([1, 2]))]
        cases.append(argv)
    return cases


def mem_grid(rng):
    named = [
        [],
        # The script's own examples (pythia 6.9B, pythia 12B, default 20B, llama 7B).
        ["--num-layers=32", "--sequence-length=2048", "--num-attention-heads=32", "--hidden-size=4096",
         "--batch-size-per-gpu=8", "--checkpoint-activations", "--zero-stage=1", "--partition-activations",
         "--pipeline-parallel-size=1", "--tensor-parallel-size=2", "--num-gpus=128"],
        ["--num-layers=36", "--sequence-length=2048", "--num-attention-heads=40", "--hidden-size=5120",
         "--batch-size-per-gpu=8", "--checkpoint-activations", "--zero-stage=1", "--partition-activations",
         "--pipeline-parallel-size=1", "--tensor-parallel-size=4", "--num-gpus=256"],
        ["--num-layers=44", "--sequence-length=2048", "--num-attention-heads=64", "--hidden-size=6144",
         "--batch-size-per-gpu=1", "--checkpoint-activations", "--zero-stage=1", "--partition-activations",
         "--pipeline-parallel-size=1", "--tensor-parallel-size=1", "--num-gpus=1"],
        ["--num-layers=32", "--sequence-length=4096", "--num-attention-heads=32", "--hidden-size=4096",
         "--ffn-expansion-factor=3.5", "--batch-size-per-gpu=1", "--zero-stage=1", "--pipeline-parallel-size=1",
         "--tensor-parallel-size=1", "--num-gpus=1"],
        ["--num-layers=32", "--sequence-length=4096", "--num-attention-heads=32", "--hidden-size=4096",
         "--ffn-expansion-factor=2.6875", "--num-mlp-linears=3", "--vocab-size=32000", "--infer",
         "--output-tokens=512", "--batch-size-per-gpu=4"],
    ]
    cases = list(named)
    while len(cases) < 96:
        heads = rng.choice([8, 12, 16, 20, 32, 40, 64])
        tp = rng.choice([1, 1, 2, 4, 8])
        pp = rng.choice([1, 1, 2, 4])
        gpus = tp * pp * rng.choice([1, 2, 8, 64])
        argv = [
            "--num-gpus", str(gpus),
            "--tensor-parallel-size", str(tp),
            "--pipeline-parallel-size", str(pp),
            "--zero-stage", str(rng.choice([0, 1, 2, 3])),
            "--batch-size-per-gpu", str(rng.choice([1, 2, 4, 8, 16])),
            "--sequence-length", str(rng.choice([512, 1024, 2048, 4096, 8192])),
            "--vocab-size", str(rng.choice([50257, 50304, 51200, 32000, 128256])),
            "--hidden-size", str(rng.choice([768, 1024, 2048, 2560, 4096, 5120, 8192])),
            "--num-attention-heads", str(heads),
            "--num-layers", str(rng.choice([6, 12, 24, 32, 44, 80])),
            "--ffn-expansion-factor", str(rng.choice([4.0, 4.0, 3.5, 2.6875, 8.0 / 3.0])),
            "--num-mlp-linears", str(rng.choice([2, 3])),
            "--kv-size-ratio", str(rng.choice([1.0, 1.0, 0.5, 0.25, 0.125])),
        ]
        if rng.random() < 0.3:
            argv.append("--partition-activations")
        if rng.random() < 0.4:
            argv.append("--checkpoint-activations")
        if rng.random() < 0.3:
            argv += ["--infer", "--output-tokens", str(rng.choice([1, 16, 256, 2048]))]
        if rng.random() < 0.2:
            argv.append("--disable-mixed-precision")
        if rng.random() < 0.3:
            argv += ["--high-prec-bytes-per-val", str(rng.choice([4, 8])),
                     "--low-prec-bytes-per-val", str(rng.choice([1, 2])),
                     "--bytes-per-grad-ele", str(rng.choice([2, 4]))]
        if rng.random() < 0.3:
            argv += ["--optimizer", rng.choice(["adamw", "muon", "sgd_momentum"])]
        if rng.random() < 0.25:
            argv += ["--num-experts", str(rng.choice([8, 16, 64])), "--expert-parallelism", str(rng.choice([1, 2, 8]))]
        if rng.random() < 0.25:
            argv += ["--misc-mem-gib", str(rng.choice([1, 5])),
                     "--zero-allgather-bucket-size", str(rng.choice([200000000, 500000000])),
                     "--zero3-max-live-params", str(rng.choice([100000000, 1000000000]))]
        cases.append(argv)
    return cases


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    calc_dir, out_dir = sys.argv[1], sys.argv[2]
    rng = random.Random(20240126)
    jobs = [
        ("calc_transformer_flops", "calc_flops", flops_grid(rng), "cookbook_flops.json"),
        ("calc_transformer_params", "calc_params", params_grid(rng), "cookbook_params.json"),
        ("calc_transformer_mem", "calc_mem", mem_grid(rng), "cookbook_mem.json"),
    ]
    for script, func, grid, out_name in jobs:
        module = load(calc_dir, script)
        cases = [run(module, func, argv) for argv in grid]
        path = os.path.join(out_dir, out_name)
        with open(path + ".tmp", "w") as f:
            json.dump(cases, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(path + ".tmp", path)
        print(f"{path}: {len(cases)} cases")


if __name__ == "__main__":
    main()
