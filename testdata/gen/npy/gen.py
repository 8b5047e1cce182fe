#!/usr/bin/python3
"""Writes .npy fixtures with NumPy itself, so that npy's reader is checked
against the reference writer. Run from the repository root:
    /usr/bin/python3 testdata/gen/npy/gen.py
"""
import numpy as np

out = "npy/testdata/"
np.save(out + "f4_2x3.npy", np.array([[1.5, -2.25, 3e-8], [np.inf, -np.inf, 65504.0]], dtype="<f4"))
np.save(out + "f8_be.npy", np.arange(6, dtype=">f8").reshape(3, 2) / 7)
np.save(out + "f2_4.npy", np.array([0.1, -2.0, 6.1e-5, 65504], dtype="<f2"))
np.save(out + "i8_labels.npy", np.array([0, 3, -1, 2**40], dtype="<i8"))
np.save(out + "u1.npy", np.array([0, 255, 7], dtype="u1"))
np.save(out + "bool.npy", np.array([True, False, True]))
np.save(out + "i2_fortran.npy", np.asfortranarray(np.arange(24, dtype="<i2").reshape(2, 3, 4)))
np.save(out + "scalar.npy", np.array(4.0, dtype="<f4"))
np.save(out + "empty.npy", np.zeros((0, 5), dtype="<f4"))
# A header too long for format 1.0 forces format 2.0.
np.lib.format.write_array(open(out + "v2.npy", "wb"), np.arange(3, dtype="<i4"), version=(2, 0))
