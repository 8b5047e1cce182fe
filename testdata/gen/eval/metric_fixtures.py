#!/usr/bin/python3
"""Metric values and standard errors computed with lm-eval's formulas
(lm_eval/api/metrics.py: mean, mean_stderr, bootstrap_stderr with
random.Random(i) chunks of 1000 and random.choices, sklearn's f1_score and
matthews_corrcoef, weighted perplexity, bits_per_byte, pooled group
stderr) on fixture items, written to eval/testdata/metrics.json.

    /usr/bin/python3 testdata/gen/eval/metric_fixtures.py
"""
import json
import math
import random

import numpy as np
from sklearn.metrics import f1_score, matthews_corrcoef


def mean(arr):
    return sum(arr) / len(arr)


def sample_stddev(arr):
    mu = mean(arr)
    return math.sqrt(sum([(x - mu) ** 2 for x in arr]) / (len(arr) - 1))


def mean_stderr(arr):
    return sample_stddev(arr) / math.sqrt(len(arr))


def bootstrap_stderr(f, xs, iters):
    res = []
    chunk_size = min(1000, iters)
    for i in range(iters // chunk_size):
        rnd = random.Random(i)
        for _ in range(chunk_size):
            res.append(f(rnd.choices(xs, k=len(xs))))
    return sample_stddev(res)


def f1(items):
    g, p = zip(*items)
    return float(np.max(f1_score(g, p)))


def mcc(items):
    g, p = zip(*items)
    return float(matthews_corrcoef(g, p))


def median(arr):
    return sorted(arr)[len(arr) // 2]


def perplexity(items):
    return math.exp(-mean(items))


def weighted_mean(items):
    a, b = zip(*items)
    return sum(a) / sum(b)


rng = random.Random(42)
acc = [float(rng.random() < 0.4) for _ in range(137)]
pairs = [(rng.randint(0, 1), rng.randint(0, 1)) for _ in range(60)]
multi = [(rng.randint(0, 3), rng.randint(0, 3)) for _ in range(50)]
lls = [-rng.random() * 5 for _ in range(40)]
rolling = [(-rng.random() * 300, rng.randint(50, 200)) for _ in range(30)]
ITERS = 2000

out = {
    "acc": {"items": acc, "value": mean(acc), "stderr": mean_stderr(acc)},
    "f1": {"items": pairs, "value": f1(pairs), "stderr": bootstrap_stderr(f1, pairs, ITERS)},
    "mcc": {"items": multi, "value": mcc(multi), "stderr": bootstrap_stderr(mcc, multi, ITERS)},
    "median": {"items": lls, "value": median(lls), "stderr": bootstrap_stderr(median, lls, ITERS)},
    "perplexity": {"items": lls, "value": perplexity(lls), "stderr": bootstrap_stderr(perplexity, lls, ITERS)},
    "word_perplexity": {"items": rolling, "value": math.exp(-weighted_mean(rolling))},
    "bits_per_byte": {"items": rolling, "value": -weighted_mean(rolling) / math.log(2)},
    "iters": ITERS,
}
stderrs, sizes = [0.03, 0.05, 0.041], [100, 37, 250]
pooled = (sum([(size - 1) * stderr**2 * size for size, stderr in zip(sizes, stderrs)])) / (sum(sizes) - len(sizes))
out["pooled"] = {"stderrs": stderrs, "sizes": sizes, "value": float(np.sqrt(pooled / sum(sizes)))}
with open("eval/testdata/metrics.json", "w") as f:
    json.dump(out, f, indent=1)
print("ok")
