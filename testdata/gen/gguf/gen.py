"""Writes gguf/testdata/small.gguf with llama.cpp's gguf-py (every metadata
value type, tensors of the six types fmkit computes with) and
small.json, what gguf-py's own GGUFReader reads back from it: the
expected values for fmkit's reader. Run by gen.sh under /usr/bin/python3
with numpy, gguf-py on PYTHONPATH."""
import json
import sys

import numpy as np
import gguf

out = sys.argv[1]
q4k = open(sys.argv[2], "rb").read()  # llama.cpp's Q4_K of 16 blocks

w = gguf.GGUFWriter(out + "/small.gguf", "llama")
w.add_uint8("test.u8", 200)
w.add_int8("test.i8", -100)
w.add_uint16("test.u16", 60000)
w.add_int16("test.i16", -30000)
w.add_uint32("test.u32", 4000000000)
w.add_int32("test.i32", -2000000000)
w.add_float32("test.f32", 0.1)
w.add_bool("test.bool", True)
w.add_string("test.str", "héllo ▁world\n")
w.add_uint64("test.u64", 2**63 + 5)
w.add_int64("test.i64", -(2**62))
w.add_float64("test.f64", 1e-300)
w.add_array("test.strs", ["a", "", "ünï", "<s>"])
w.add_array("test.ints", [1, -2, 3])
w.add_array("test.floats", [0.5, -1.25, 3.0])
w.add_array("test.nested", [[1, 2], [3]])
w.add_context_length(2048)

rng = np.random.default_rng(7)
a = rng.standard_normal((8, 64)).astype(np.float32)  # ggml dims [64, 8]
w.add_tensor("t.f32", a)
w.add_tensor("t.f16", a.astype(np.float16))
bf = gguf.quants.quantize(a, gguf.GGMLQuantizationType.BF16)
w.add_tensor("t.bf16", bf, raw_dtype=gguf.GGMLQuantizationType.BF16)
q8 = gguf.quants.quantize(a, gguf.GGMLQuantizationType.Q8_0)
w.add_tensor("t.q8_0", q8, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
q4 = gguf.quants.quantize(a, gguf.GGMLQuantizationType.Q4_0)
w.add_tensor("t.q4_0", q4, raw_dtype=gguf.GGMLQuantizationType.Q4_0)
k = np.frombuffer(q4k, dtype=np.uint8).reshape(16, 144)  # 16 rows of 256
w.add_tensor("t.q4_k", k, raw_dtype=gguf.GGMLQuantizationType.Q4_K)
w.add_tensor("t.vec", rng.standard_normal(5).astype(np.float32))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()

r = gguf.GGUFReader(out + "/small.gguf")
meta = {}
for f in r.fields.values():
    if f.name.startswith("GGUF."):
        continue
    t = f.types
    if t[0] == gguf.GGUFValueType.ARRAY:
        if t[1] == gguf.GGUFValueType.ARRAY:
            v = "nested"
        elif t[1] == gguf.GGUFValueType.STRING:
            v = [bytes(f.parts[i]).decode() for i in f.data]
        else:
            v = [f.parts[i].tolist()[0] for i in f.data]
    elif t[0] == gguf.GGUFValueType.STRING:
        v = bytes(f.parts[f.data[0]]).decode()
    else:
        v = f.parts[f.data[0]].tolist()[0]
    meta[f.name] = {"type": int(t[0]), "value": v}
tensors = [
    {"name": t.name, "dims": [int(d) for d in t.shape], "type": int(t.tensor_type),
     "offset": int(t.data_offset), "bytes": int(t.n_bytes),
     "sum": float(np.asarray(t.data, dtype=np.float64).sum()) if t.tensor_type in (0, 1) else None}
    for t in r.tensors
]
json.dump({"version": 3, "alignment": r.alignment, "meta": meta, "tensors": tensors}, open(out + "/small.json", "w"), indent=1, ensure_ascii=False)
