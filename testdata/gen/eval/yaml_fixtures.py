"""Types and values PyYAML (the parser lm-eval loads task files with) gives
for the scalar forms where YAML 1.1 and yaml.v3's YAML 1.2 differ, and for
the escapes and tags that occur in lm-eval's task tree.

Run with Debian's Python (python3-yaml 6.0):
    /usr/bin/python3 testdata/gen/eval/yaml_fixtures.py > eval/testdata/yaml_scalars.json
"""
import json
import yaml


class Loader(yaml.SafeLoader):
    pass


# lm-eval resolves !function to a Python callable; here it stays a marker.
Loader.add_constructor("!function", lambda l, n: {"function": l.construct_scalar(n)})

CASES = [
    "yes", "Yes", "YES", "no", "No", "on", "On", "ON", "off", "Off", "y", "n",
    "true", "False", "TRUE",
    "0755", "0o17", "0x1F", "0b101", "1_000", "-017", "+12", "0", "00", "09",
    "1:30", "-1:30:00",
    "1.5", "1e3", "1.0e+3", "1.0e3", ".5", "-.5", "1_0.5", ".inf", "-.Inf", "+.INF", ".nan", "1.", "6.8523015e+5",
    "null", "Null", "~", "", "!!null \"null\"", "!!null ''",
    "!!str 12", "!!int \"12\"", "!!float \"1\"", "!!bool \"yes\"",
    "\"a\\/b\"", "\"1\\/5 and \\\\/ and \\\"q\\/\\\"\"", "'a\\/b'", "\"tab\\tx\"",
    "!function utils.process_docs",
    "'yes'", "\"0755\"",
]


def typed(v):
    if v is None:
        return {"type": "null"}
    if isinstance(v, bool):
        return {"type": "bool", "repr": repr(v)}
    if isinstance(v, int):
        return {"type": "int", "repr": repr(v)}
    if isinstance(v, float):
        return {"type": "float", "repr": repr(v)}
    if isinstance(v, dict):
        return {"type": "function", "repr": v["function"]}
    return {"type": "str", "repr": v}


out = []
for c in CASES:
    doc = "v: " + c + "\n"
    out.append({"yaml": doc, "value": typed(yaml.load(doc, Loader=Loader)["v"])})
# A block scalar keeps `\/` as two characters; a double-quoted line folds.
for doc in ["v: |\n  a\\/b \"c\\/d\"\n", "v: \"x\\/y\n  \\ z\\/w\"\n", "v: >-\n  1\\/2\nw: \"3\\/4\"\n"]:
    out.append({"yaml": doc, "value": typed(yaml.load(doc, Loader=Loader)["v"])})
print(json.dumps(out, indent=1, ensure_ascii=False))
