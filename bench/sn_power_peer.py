"""Times the paper's code (sn-grok) on the power spectra of a model's neuron
functions: calc_power_contributions of calculate_cosets.py on the left and
right functions, [n!, H] each, as bench/sn_power_vs_sngrok.sh asks.

Usage: /usr/bin/python3 bench/sn_power_peer.py SNGROK_DIR N H
Prints the best of three wall times in milliseconds.
"""
import math
import sys
import time
import types

sys.path.insert(0, sys.argv[1])
import functorch  # noqa: E402
import torch  # noqa: E402

torch.vmap = functorch.vmap
sys.modules.setdefault("polars", types.ModuleType("polars"))
from sngrok.fourier import calc_power, slow_sn_ft_1d  # noqa: E402

n, hidden = int(sys.argv[2]), int(sys.argv[3])
order = math.factorial(n)
torch.manual_seed(0)
fns = [torch.randn(order, hidden) for _ in range(2)]


def spectra():
    for f in fns:
        total = (f ** 2).mean(dim=0)
        power = calc_power(slow_sn_ft_1d(f, n), order)
        {k: v / total for k, v in power.items()}


best = math.inf
for _ in range(3):
    t = time.perf_counter()
    spectra()
    best = min(best, time.perf_counter() - t)
print(f"{best * 1e3:.1f}")
