#!/usr/bin/env bash
# MATH scoring with majority voting: fmkit (package mathcheck, no Python)
# against the SymPy-based scorer (lm-evaluation-harness's published
# normalization and is_equiv, voted as Llemma's scorer votes) on the same
# synthetic documents (internal/mathsynth), in the same run. fmkit scores
# all DOCS; SymPy, far slower, the first PEER_DOCS; the ratio compares
# time per document. Prints both and the ratio.
#
#   LM_EVAL_GIT=path/to/lm-evaluation-harness bash bench/math_vs_sympy.sh [DOCS] [K] [PEER_DOCS]
#       (default 5000 16 50)
#
# Needs Debian's python3-sympy (installed here if absent), an ANTLR 4
# Python runtime >= 4.10 for SymPy's LaTeX parser (ANTLR4_DIR, the antlr4
# package folder; found through python3 on PATH if unset), and a checkout
# of lm-evaluation-harness (LM_EVAL_GIT, read with git show) or its
# minerva_math/utils.py (LM_EVAL_UTILS).
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-5000}
k=${2:-16}
peer_docs=${3:-50}

if ! /usr/bin/python3 -c 'import sympy' 2>/dev/null; then
	apt-get install -y python3-sympy >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
utils=${LM_EVAL_UTILS:-}
if [ -z "$utils" ]; then
	if [ -z "${LM_EVAL_GIT:-}" ]; then
		echo "set LM_EVAL_GIT (a checkout of lm-evaluation-harness) or LM_EVAL_UTILS (its lm_eval/tasks/minerva_math/utils.py)" >&2
		exit 2
	fi
	git -C "$LM_EVAL_GIT" show HEAD:lm_eval/tasks/minerva_math/utils.py > "$tmp/utils.py"
	utils=$tmp/utils.py
fi
if [ -z "${ANTLR4_DIR:-}" ]; then
	ANTLR4_DIR=$(python3 -c 'import antlr4, os; print(os.path.dirname(antlr4.__file__))')
fi
export ANTLR4_DIR

go build -o "$tmp/mathbench" ./bench/mathbench
fm=$("$tmp/mathbench" --docs "$docs" --k "$k" --write "$tmp/data.jsonl" --scores "$tmp/scores.jsonl")
py=$(/usr/bin/python3 bench/math_sympy_peer.py "$tmp/data.jsonl" "$utils" "$peer_docs")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
/usr/bin/python3 - "$fm" "$py" "$tmp/scores.jsonl" "$cpu" "$(nproc)" <<'PY'
import json, sys
fm, py = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ours = [json.loads(l) for l in open(sys.argv[3])][:py["docs"]]
agree = sum(o["exact_match"] == p for o, p in zip(ours, py["exact_match"]))
fm_doc = fm["seconds"] / fm["docs"]
py_doc = py["seconds"] / py["docs"]
print(f"CPU: {sys.argv[4]}, {sys.argv[5]} cores; fmkit on 1 thread")
print(f"fmkit: {fm['docs']} documents x {fm['k']} generations ({fm['samples']} answers, {fm['comparisons']} equivalence checks) in {fm['seconds']:.2f} s"
      f" ({fm_doc*1e3:.3f} ms/document); with math_verify as well {fm['seconds_with_math_verify']:.2f} s")
print(f"        maj@{fm['k']} exact_match {fm['exact_match']:.4f}, pass_rate {fm['pass_rate']:.4f}")
print(f"SymPy: first {py['docs']} documents ({py['comparisons']} equivalence checks) in {py['seconds']:.2f} s ({py_doc*1e3:.1f} ms/document);"
      f" {py_doc*fm['docs']:.0f} s for all {fm['docs']} at that rate")
print(f"agreement on maj@{fm['k']} exact_match over those {py['docs']} documents: {agree}/{py['docs']}"
      " (fmkit scores with the fixed normalization; the peer with the published one)")
print(f"ratio (SymPy time per document / fmkit time per document): {py_doc/fm_doc:.0f}x")
PY
