"""fmkit's Python worker: runs the Python functions that lm-evaluation-harness
task YAMLs name with `!function module.name`, for task functions that have
no Go port. fmkit starts it once per run and talks to it over stdin/stdout,
one JSON request and one JSON answer per line.

A module is imported from the YAML's folder as lm-eval imports it
(`<folder>/<module>.py`, module name as written). When the machine has no
`datasets` package, a stand-in Dataset with the methods task utilities call
is installed under that name. When the YAML lies inside an lm_eval checkout,
the `lm_eval` package is made importable without running its __init__
(which needs the installed distribution's metadata).

This file is fmkit's own code; it contains no lm-evaluation-harness code.
"""

import importlib.util
import json
import math
import os
import sys
import traceback
import types

PROTOCOL_OUT = sys.stdout
sys.stdout = sys.stderr  # prints of task modules must not reach fmkit


# ---------------------------------------------------------------- Dataset


class Dataset:
    """A stand-in for datasets.Dataset over a list of dict rows."""

    def __init__(self, rows, columns=None):
        self._rows = [dict(r) for r in rows]
        if columns is None:
            columns = []
            for r in self._rows:
                for k in r:
                    if k not in columns:
                        columns.append(k)
        self._columns = list(columns)

    @classmethod
    def from_list(cls, rows, **_):
        return cls(rows)

    @classmethod
    def from_dict(cls, mapping, **_):
        keys = list(mapping)
        n = len(mapping[keys[0]]) if keys else 0
        return cls([{k: mapping[k][i] for k in keys} for i in range(n)], keys)

    @property
    def column_names(self):
        return list(self._columns)

    @property
    def features(self):
        return {c: None for c in self._columns}

    @property
    def num_rows(self):
        return len(self._rows)

    def __len__(self):
        return len(self._rows)

    def __iter__(self):
        for r in self._rows:
            yield {c: r.get(c) for c in self._columns}

    def __getitem__(self, key):
        if isinstance(key, str):
            return [r.get(key) for r in self._rows]
        if isinstance(key, slice):
            rows = self._rows[key]
            return {c: [r.get(c) for r in rows] for c in self._columns}
        r = self._rows[key]
        return {c: r.get(c) for c in self._columns}

    def to_list(self):
        return list(self)

    def to_dict(self):
        return {c: [r.get(c) for r in self._rows] for c in self._columns}

    def _batch(self, rows):
        return {c: [r.get(c) for r in rows] for c in self._columns}

    def _args(self, row, input_columns):
        if input_columns is None:
            return [row]
        if isinstance(input_columns, str):
            input_columns = [input_columns]
        return [row[c] for c in input_columns]

    def map(self, function=None, with_indices=False, input_columns=None, batched=False,
            batch_size=1000, remove_columns=None, fn_kwargs=None, **_):
        fn_kwargs = fn_kwargs or {}
        if function is None:
            function = lambda x, *a, **k: x  # noqa: E731
        if isinstance(remove_columns, str):
            remove_columns = [remove_columns]
        remove = set(remove_columns or [])
        columns = [c for c in self._columns if c not in remove]
        out = []
        if batched:
            size = batch_size if batch_size and batch_size > 0 else max(len(self._rows), 1)
            for start in range(0, len(self._rows), size):
                rows = [{c: r.get(c) for c in self._columns} for r in self._rows[start:start + size]]
                batch = self._batch(rows)
                args = [batch] if input_columns is None else [batch[c] for c in ([input_columns] if isinstance(input_columns, str) else input_columns)]
                if with_indices:
                    args.append(list(range(start, start + len(rows))))
                res = function(*args, **fn_kwargs)
                if res is None:
                    res = {}
                n = len(next(iter(res.values()))) if res else len(rows)
                for i in range(n):
                    base = {c: rows[i][c] for c in columns} if i < len(rows) else {}
                    for k, v in res.items():
                        base[k] = v[i]
                    out.append(base)
                for k in res:
                    if k not in columns:
                        columns.append(k)
        else:
            kept = list(columns)
            for i, r in enumerate(self._rows):
                row = {c: r.get(c) for c in self._columns}
                args = self._args(row, input_columns)
                if with_indices:
                    args.append(i)
                res = function(*args, **fn_kwargs)
                new = {c: row[c] for c in kept}
                if isinstance(res, dict):
                    for k, v in res.items():
                        new[k] = v
                        if k not in columns:
                            columns.append(k)
                out.append(new)
        return Dataset(out, columns)

    def filter(self, function=None, with_indices=False, input_columns=None, batched=False,
               batch_size=1000, fn_kwargs=None, **_):
        fn_kwargs = fn_kwargs or {}
        keep = []
        if batched:
            size = batch_size if batch_size and batch_size > 0 else max(len(self._rows), 1)
            for start in range(0, len(self._rows), size):
                rows = self._rows[start:start + size]
                batch = self._batch(rows)
                args = [batch] if input_columns is None else [batch[c] for c in ([input_columns] if isinstance(input_columns, str) else input_columns)]
                if with_indices:
                    args.append(list(range(start, start + len(rows))))
                mask = function(*args, **fn_kwargs)
                keep.extend(r for r, m in zip(rows, mask) if m)
        else:
            for i, r in enumerate(self._rows):
                args = self._args({c: r.get(c) for c in self._columns}, input_columns)
                if with_indices:
                    args.append(i)
                if function(*args, **fn_kwargs):
                    keep.append(r)
        return Dataset(keep, self._columns)

    def select(self, indices, **_):
        return Dataset([self._rows[i] for i in indices], self._columns)

    def shuffle(self, seed=None, generator=None, **_):
        import numpy as np
        if generator is None:
            generator = np.random.default_rng(seed)
        perm = generator.permutation(len(self._rows))
        return self.select([int(i) for i in perm])

    def sort(self, column, reverse=False, **_):
        order = sorted(range(len(self._rows)), key=lambda i: self._rows[i].get(column), reverse=reverse)
        return self.select(order)

    def rename_column(self, original, new):
        rows = [{(new if k == original else k): v for k, v in r.items()} for r in self._rows]
        return Dataset(rows, [new if c == original else c for c in self._columns])

    def rename_columns(self, mapping):
        rows = [{mapping.get(k, k): v for k, v in r.items()} for r in self._rows]
        return Dataset(rows, [mapping.get(c, c) for c in self._columns])

    def remove_columns(self, columns):
        if isinstance(columns, str):
            columns = [columns]
        drop = set(columns)
        return Dataset([{k: v for k, v in r.items() if k not in drop} for r in self._rows],
                       [c for c in self._columns if c not in drop])

    def select_columns(self, columns):
        if isinstance(columns, str):
            columns = [columns]
        return Dataset([{c: r.get(c) for c in columns} for r in self._rows], list(columns))

    def add_column(self, name, column, **_):
        column = list(column)
        rows = [dict(r, **{name: column[i]}) for i, r in enumerate(self._rows)]
        return Dataset(rows, self._columns + [name])

    def unique(self, column):
        seen = []
        for r in self._rows:
            if r.get(column) not in seen:
                seen.append(r.get(column))
        return seen

    def flatten_indices(self, **_):
        return self


def install_datasets_stand_in():
    try:
        import datasets  # noqa: F401
        return
    except ImportError:
        pass
    mod = types.ModuleType("datasets")
    mod.Dataset = Dataset
    mod.DatasetDict = dict
    mod.__fmkit_stand_in__ = True
    sys.modules["datasets"] = mod


# ---------------------------------------------------------------- modules


def lm_eval_root(path):
    """The folder holding the lm_eval package that contains path, if any."""
    parts = os.path.abspath(path).split(os.sep)
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] == "lm_eval" and i + 1 < len(parts) and parts[i + 1] == "tasks":
            return os.sep.join(parts[:i]) or os.sep
    return None


def make_lm_eval_importable(yaml_file):
    root = lm_eval_root(yaml_file)
    if root is None or "lm_eval" in sys.modules:
        return
    pkg = types.ModuleType("lm_eval")
    pkg.__path__ = [os.path.join(root, "lm_eval")]
    pkg.__version__ = "0"
    sys.modules["lm_eval"] = pkg
    # lm_eval.tasks/__init__ builds the task manager (and needs recent
    # typing_extensions); task utilities only want its submodules.
    tasks = types.ModuleType("lm_eval.tasks")
    tasks.__path__ = [os.path.join(root, "lm_eval", "tasks")]
    sys.modules["lm_eval.tasks"] = tasks
    pkg.tasks = tasks


class CallError(Exception):
    def __init__(self, kind, message, missing=None):
        super().__init__(message)
        self.kind = kind
        self.missing = missing


MODULES = {}


def load(yaml_file, name):
    *module_parts, attr = name.split(".")
    module_name = ".".join(module_parts)
    path = os.path.join(os.path.dirname(yaml_file), module_name + ".py")
    module = MODULES.get(path)
    if module is None:
        if not os.path.isfile(path):
            raise CallError("missing", "no file %s next to the YAML" % path)
        make_lm_eval_importable(yaml_file)
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except ModuleNotFoundError as e:
            if e.name is None:
                raise CallError("import", "%s: %s" % (path, e))
            raise CallError("import", "%s imports %s, which is not installed" % (path, e.name), e.name)
        except ImportError as e:
            raise CallError("import", "%s: %s" % (path, e), getattr(e, "name", None))
        except Exception as e:
            raise CallError("import", "%s: %s: %s" % (path, type(e).__name__, e))
        MODULES[path] = module
    try:
        return getattr(module, attr)
    except AttributeError:
        raise CallError("missing", "%s has no %s" % (path, attr))


# ---------------------------------------------------------------- values


def plain(v):
    """Makes a result JSON-safe: numpy scalars and arrays, tuples, sets,
    Datasets and non-finite floats (as {"$float": ...})."""
    if isinstance(v, Dataset):
        return [plain(r) for r in v]
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [plain(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {"$float": "nan"}
        if math.isinf(v):
            return {"$float": "inf" if v > 0 else "-inf"}
        return v
    if hasattr(v, "tolist"):  # numpy scalars and arrays
        return plain(v.tolist())
    if hasattr(v, "to_list"):
        return plain(v.to_list())
    if hasattr(v, "__iter__"):
        return [plain(x) for x in v]
    return str(v)


# ---------------------------------------------------------------- calls


def op_resolve(req):
    fn = load(req["file"], req["name"])
    kind = "class" if isinstance(fn, type) else "function" if callable(fn) else "value"
    return {"kind": kind}


def op_process_docs(req):
    fn = load(req["file"], req["name"])
    return plain(fn(Dataset(req["docs"])))


def op_doc(req):
    return plain(load(req["file"], req["name"])(req["doc"]))


def op_process_results(req):
    return plain(load(req["file"], req["name"])(req["doc"], req["results"]))


def op_samples(req):
    return plain(load(req["file"], req["name"])())


def op_aggregate(req):
    return plain(load(req["file"], req["name"])(req["items"]))


def op_metric(req):
    fn = load(req["file"], req["name"])
    try:
        return plain(fn(references=req["references"], predictions=req["predictions"], **req.get("kwargs", {})))
    except TypeError:
        return plain(fn([req["references"][0], req["predictions"][0]]))


def op_filter(req):
    fn = load(req["file"], req["name"])
    if req.get("custom"):
        return plain(fn(req["resps"], req["docs"]))
    return plain(list(fn(**req.get("kwargs", {})).apply(req["resps"], req["docs"])))


def op_dataset(req):
    fn = load(req["file"], req["name"])
    out = fn(**req.get("kwargs", {}))
    return {split: plain(rows) for split, rows in dict(out).items()}


OPS = {
    "resolve": op_resolve,
    "process_docs": op_process_docs,
    "doc": op_doc,
    "process_results": op_process_results,
    "samples": op_samples,
    "aggregate": op_aggregate,
    "metric": op_metric,
    "filter": op_filter,
    "dataset": op_dataset,
}


def main():
    install_datasets_stand_in()
    for line in sys.stdin:
        req = json.loads(line)
        try:
            out = {"ok": OPS[req["op"]](req)}
        except CallError as e:
            out = {"error": str(e), "kind": e.kind, "missing": e.missing}
        except Exception as e:
            # Point at the task's code, not at the worker's.
            frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__] or traceback.extract_tb(e.__traceback__)
            where = "%s:%d" % (frames[-1].filename, frames[-1].lineno) if frames else ""
            out = {"error": "%s: %s (%s)" % (type(e).__name__, e, where), "kind": "call"}
        PROTOCOL_OUT.write(json.dumps(out, allow_nan=False) + "\n")
        PROTOCOL_OUT.flush()


if __name__ == "__main__":
    main()
