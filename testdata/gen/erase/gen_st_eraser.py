#!/usr/bin/python3
"""Writes erase/testdata/python_eraser.safetensors: a LEACE eraser file laid
out as fmkit saves one (float64 proj_left [D, R], proj_right [R, D], bias
[D], metadata format=fmkit/leace-eraser, method=leace) but encoded by the
engine's independent safetensors writer (testdata/gen/engine/st.py), so that
erase.LoadEraser is tested against bytes it did not write. The values are
the formulas below; TestLoadPythonWrittenEraser recomputes them.

usage: /usr/bin/python3 testdata/gen/erase/gen_st_eraser.py
"""
import os
import sys

import torch

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "engine"))
import st  # noqa: E402

D, R = 3, 2
i = torch.arange(D * R, dtype=torch.float64)
tensors = {
    "proj_left": (0.5 * i - 1).view(D, R),  # left[d][r] = 0.5·(d·R + r) - 1
    "proj_right": (i / 3).view(R, D),  # right[r][d] = (r·D + d)/3
    "bias": torch.tensor([0.1, -0.2, 1e-17], dtype=torch.float64),
}
st.save(os.path.join(HERE, "..", "..", "..", "erase", "testdata", "python_eraser.safetensors"), tensors,
        {"format": "fmkit/leace-eraser", "method": "leace", "note": "written by st.py"})
