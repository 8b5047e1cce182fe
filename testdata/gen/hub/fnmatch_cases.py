"""Writes hub/testdata/fnmatch.json: Python fnmatch's verdict on patterns
against repository paths, the rule huggingface_hub applies to
allow_patterns and ignore_patterns (a pattern ending in "/" gets "*")."""
import fnmatch
import json
import sys

patterns = [
    "*.safetensors", "*.json", "config.json", "model-*", "*/train/*", "data/",
    "data/*.parquet", "?onfig.json", "[ab]*", "[!ab]*", "[a-c]*", "[z-a]*",
    "[!z-a]*", "[]]*", "[!]]*", "[a-]*", "[-a]*", "[", "x[", "*[*", "**",
    "*.[jp]son", "tokenizer*", "*tokenizer*", "README.md", "readme.md",
    "default/train/0000.parquet", "default/*/0000.parquet", "*\\*", "a+b*",
    "(x)*", "*$", "^*", "[^a]*", "[\\]*", "[az-ab]*", "[a-c-e]*", "*.gguf",
    "subfolder/", "*/", "",
]
paths = [
    "config.json", "model.safetensors", "model-00001-of-00002.safetensors",
    "tokenizer.json", "tokenizer_config.json", "README.md", "data/train.parquet",
    "data/sub/test.parquet", "default/train/0000.parquet", "default/test/0000.parquet",
    "a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "-x", "]x", "[x", "x[", "^x",
    "a\\b", "a+bc", "(x)y", "x$", "subfolder/weights.bin", "Config.json",
    "z.json", "q.pson", "model.gguf", "weird/[dir]/f",
]

cases = []
for p in patterns:
    q = p + "*" if p.endswith("/") else p
    for path in paths:
        cases.append({"pattern": p, "path": path, "match": fnmatch.fnmatchcase(path, q)})
print('{"python": %s, "cases": [' % json.dumps(sys.version.split()[0]))
print(",\n".join(json.dumps(c) for c in cases))
print("]}")
