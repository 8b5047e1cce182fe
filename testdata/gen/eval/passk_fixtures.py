"""pass@k of the unbiased estimator (Chen et al. 2021) as code_eval computes
it with numpy, for eval/testdata/code/passk.json:

    /usr/bin/python3 testdata/gen/eval/passk_fixtures.py > eval/testdata/code/passk.json
"""
import json
import numpy as np


def estimate(n, c, k):
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


cases = []
for n in [1, 2, 5, 10, 64, 200]:
    for c in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        for k in [1, 2, 8, 10, 16, 64, 100]:
            if k <= n and 0 <= c <= n:
                cases.append({"n": n, "c": c, "k": k, "pass": estimate(n, c, k)})
print(json.dumps(cases))
