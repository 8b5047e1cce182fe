"""Writes mathcheck/testdata/equivalence.jsonl: the hand-checked answer
pairs of pairs.tsv with the verdicts of SymPy-based scoring.

SymPy-based scoring is lm-evaluation-harness's minerva_math is_equiv
(parse_latex on both answers, then simplify(difference) == 0, five-second
timeout, any error counted as not equivalent). It is read out of a
checkout of lm-evaluation-harness with the ast module and imported from a
temporary directory, never copied into fmkit.

SymPy's LaTeX parser needs the ANTLR 4 Python runtime and insists on the
version its grammar was generated with (4.10 for Debian's SymPy 1.11). This
machine has runtime 4.13.2 under pyenv, which reads 4.10 grammars; the
script puts a copy of it, labelled 4.10, on the path of Debian's Python:

    git -C LM_EVAL_GIT show HEAD:lm_eval/tasks/minerva_math/utils.py > /tmp/utils.py
    ANTLR4_DIR=$(python3 -c 'import antlr4, os; print(os.path.dirname(antlr4.__file__))') \\
        /usr/bin/python3 testdata/gen/mathcheck/sympy_verdicts.py /tmp/utils.py

Each line: {"category", "gold", "pred", "equivalent" (the hand-checked
verdict), "sympy" (lm-eval's is_equiv, which has no string-equality
shortcut)}.
"""
import ast
import importlib.util
import json
import os
import sys
import tempfile

from antlr_shim import install_antlr


def load_is_equiv(path):
    tree = ast.parse(open(path).read())
    keep = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in ("is_equiv", "timeout")]
    src = "\n".join([
        "import logging, signal, sympy",
        "from sympy.parsing.latex import parse_latex",
        "eval_logger = logging.getLogger('is_equiv')",
    ]) + "\n\n" + "\n\n".join(ast.unparse(n) for n in keep) + "\n"
    tmp = tempfile.mkdtemp(prefix="is_equiv_")
    file = os.path.join(tmp, "is_equiv_ref.py")
    with open(file, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location("is_equiv_ref", file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.is_equiv


def read_pairs(path):
    pairs = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cat, gold, pred, verdict = line.split("\t")
        pairs.append({"category": cat, "gold": gold, "pred": pred, "equivalent": verdict == "1"})
    return pairs


def main():
    install_antlr()
    is_equiv = load_is_equiv(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    pairs = read_pairs(os.path.join(here, "pairs.tsv"))
    agree = 0
    with open("mathcheck/testdata/equivalence.jsonl", "w") as out:
        for p in pairs:
            p["sympy"] = bool(is_equiv(p["gold"], p["pred"]))
            agree += p["sympy"] == p["equivalent"]
            out.write(json.dumps(p, ensure_ascii=False) + "\n")
    print("%d pairs; SymPy-based scoring agrees with the hand-checked verdict on %d" % (len(pairs), agree))


if __name__ == "__main__":
    main()
