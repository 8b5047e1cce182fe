"""Writes mathcheck/testdata/normalize.jsonl: what the published Minerva
functions of lm-evaluation-harness's minerva_math/utils.py
(normalize_final_answer, last_boxed_only_string, remove_boxed,
get_unnormalized_answer) return on real-looking inputs (answers.py).

The functions are not copied into fmkit: this script reads them out of a
checkout of lm-evaluation-harness with the ast module, writes them to a
temporary directory outside the repository and imports them from there.
They need only `re` and `typing`.

    git -C LM_EVAL_GIT show HEAD:lm_eval/tasks/minerva_math/utils.py > /tmp/utils.py
    git -C LLEMMA_GIT show HEAD:lm_eval/mixins.py > /tmp/mixins.py      # optional
    /usr/bin/python3 testdata/gen/mathcheck/normalize_fixtures.py /tmp/utils.py [/tmp/mixins.py]

With the Llemma evaluation fork's mixins.py as the second argument it also
checks that the fork's SymbolicMathMixin.normalize_tex gives the same
output on every answer (it is the same function).

Each line: {"from": "answer"|"solution"|"generation", "input": str,
"output": str or null}. null where extraction fails: remove_boxed raises,
last_boxed_only_string finds nothing, or get_unnormalized_answer returns
"[invalidanswer]".
"""
import ast
import importlib.util
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import answers  # noqa: E402

WANTED_FUNCS = {"normalize_final_answer", "last_boxed_only_string", "remove_boxed", "get_unnormalized_answer"}
WANTED_VARS = {"SUBSTITUTIONS", "REMOVED_EXPRESSIONS"}


def load_reference(path, funcs, variables, wrap_class=None):
    """Import the named functions and assignments of a Python file from a
    temporary copy holding only them."""
    tree = ast.parse(open(path).read())
    body = []
    nodes = tree.body
    if wrap_class:
        nodes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == wrap_class][0].body
    for node in nodes:
        if isinstance(node, ast.FunctionDef) and node.name in funcs:
            body.append(node)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in variables for t in node.targets):
            body.append(node)
    src = "import re\nfrom typing import Optional\n"
    if wrap_class:
        src += "class Ref:\n" + "\n".join("    " + line for n in body for line in ast.unparse(n).split("\n")) + "\n"
    else:
        src += "\n\n".join(ast.unparse(n) for n in body) + "\n"
    tmp = tempfile.mkdtemp(prefix="minerva_ref_")
    file = os.path.join(tmp, "minerva_ref.py")
    with open(file, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location("minerva_ref_" + str(len(tmp)), file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ref = load_reference(sys.argv[1], WANTED_FUNCS, WANTED_VARS)
    fork = None
    if len(sys.argv) > 2:
        fork = load_reference(sys.argv[2], {"normalize_tex"}, WANTED_VARS, wrap_class="SymbolicMathMixin").Ref()

    rows = []
    base = answers.answers()
    # Answers alone, and as a model might write them around the box.
    for a in base:
        rows.append(("answer", a))
    for a in base:
        for wrap in ("$@@$", "x = @@", "The answer is $@@$.", "@@ units", "\\boxed{@@}", "\\text{@@}"):
            rows.append(("answer", wrap.replace("@@", a)))
    for s in answers.SOLUTIONS:
        rows.append(("solution", s))
    for a in base:
        rows.append(("solution", "Thus the answer is $\\boxed{" + a + "}$."))
    for i, a in enumerate(base):
        tmpl = answers.GENERATIONS[i % len(answers.GENERATIONS)]
        rows.append(("generation", tmpl.replace("@@", a)))
    for tmpl in answers.GENERATIONS:
        rows.append(("generation", tmpl.replace("@@", "\\frac{1}{2}")))

    out = []
    same = 0
    for kind, text in rows:
        value = None
        if kind == "answer":
            value = ref.normalize_final_answer(text)
            if fork is not None:
                if fork.normalize_tex(text) != value:
                    raise SystemExit("fork and lm-eval differ on %r" % text)
                same += 1
        elif kind == "solution":
            try:
                value = ref.normalize_final_answer(ref.remove_boxed(ref.last_boxed_only_string(text)))
            except (AssertionError, TypeError, IndexError):
                value = None
        else:
            raw = ref.get_unnormalized_answer(text)
            value = None if raw == "[invalidanswer]" else ref.normalize_final_answer(raw)
        out.append({"from": kind, "input": text, "output": value})

    os.makedirs("mathcheck/testdata", exist_ok=True)
    with open("mathcheck/testdata/normalize.jsonl", "w") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("%d cases (%d answers, %d solutions, %d generations)%s" % (
        len(out), sum(r["from"] == "answer" for r in out), sum(r["from"] == "solution" for r in out),
        sum(r["from"] == "generation" for r in out),
        "; the Llemma fork's normalize_tex agrees on all %d answers" % same if fork else ""))


if __name__ == "__main__":
    main()
