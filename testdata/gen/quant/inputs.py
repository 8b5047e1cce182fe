"""Writes the float32 inputs of the quantization fixtures (run by gen.sh
under /usr/bin/python3 with numpy): 16 blocks of 256 values each, of
distributions that reach every branch of the quantizers."""
import sys
import numpy as np

rng = np.random.default_rng(20261207)
blocks = [
    rng.standard_normal(256),                      # weights-like
    rng.standard_normal(256) * 0.02,               # a typical init scale
    rng.uniform(-1, 1, 256),
    rng.uniform(0.5, 2.0, 256),                    # all positive (Q4_K min = 0)
    -rng.uniform(0.5, 2.0, 256),                   # all negative
    np.zeros(256),                                 # scale 0
    np.r_[np.zeros(224), rng.standard_normal(32)], # zero sub-blocks
    rng.standard_normal(256) * 1e-6,               # f16 subnormal scales
    rng.standard_normal(256) * 300,                # large
    rng.laplace(size=256),                         # heavy tails
    np.r_[rng.standard_normal(255) * 0.01, 50.0],  # one outlier
    np.full(256, 0.75),                            # constant
    rng.standard_normal(256) ** 3,
    np.round(rng.standard_normal(256) * 4) / 4,    # exact ties for rounding
    np.linspace(-8, 8, 256),
    rng.standard_normal(256) * np.repeat(rng.uniform(0, 3, 8), 32),
]
np.concatenate(blocks).astype("<f4").tofile(sys.argv[1])
