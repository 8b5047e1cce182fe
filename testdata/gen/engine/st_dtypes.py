#!/usr/bin/python3
"""Writes safetensors/testdata/dtypes.safetensors with st.py (an encoder of
the format written independently of the Go package): one small tensor per
float, integer and bool dtype, with values that probe each type's edges,
and a metadata map. safetensors' TestPythonDTypes reads it back with the
typed accessors and compares with the values listed here.

usage: /usr/bin/python3 testdata/gen/engine/st_dtypes.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import st  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")

TENSORS = {
    "f64": torch.tensor([[0.1, -2.5, 1e-300], [3.0, -0.0, 1.7976931348623157e308]], dtype=torch.float64),
    "f32": torch.tensor([1.5, -0.25], dtype=torch.float32),
    "f16": torch.tensor([0.5, -3.0], dtype=torch.float16),
    "bf16": torch.tensor([2.0, -0.125], dtype=torch.bfloat16),
    "i64": torch.tensor([-9007199254740993, 5], dtype=torch.int64),
    "i32": torch.tensor([-2147483648, 7], dtype=torch.int32),
    "i16": torch.tensor([-32768, 12], dtype=torch.int16),
    "i8": torch.tensor([-128, 3], dtype=torch.int8),
    "u8": torch.tensor([255, 0], dtype=torch.uint8),
    "bool": torch.tensor([True, False]),
}

if __name__ == "__main__":
    st.save(os.path.join(ROOT, "safetensors", "testdata", "dtypes.safetensors"), TENSORS,
            {"format": "pt", "note": "one tensor per dtype"})
