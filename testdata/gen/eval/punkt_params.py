"""Writes the English Punkt parameters that fmkit's IFEval checkers embed
(eval/ifeval/internal/nltk/punkt_tab/english/) from NLTK's pretrained
English model, in the layout of nltk_data's punkt_tab package (which NLTK
>= 3.8.2 loads instead of the pickle):

    /usr/bin/python3 testdata/gen/eval/punkt_params.py PATH/english.pickle

PATH/english.pickle is nltk_data's tokenizers/punkt/PY3/english.pickle
(the punkt package; punkt_tab's English tables were converted from it).
The pickle is opened with an unpickler that admits only the four Punkt
classes, set, int and defaultdict, so it cannot run code. Sets are written
sorted (nltk_data's files list them in an arbitrary order); the
orthographic contexts keep the model's order.
"""
import os
import pickle
import sys

ALLOWED = {("nltk.tokenize.punkt", n) for n in
           ["PunktSentenceTokenizer", "PunktLanguageVars", "PunktToken", "PunktParameters"]}
ALLOWED |= {("builtins", "set"), ("builtins", "int"), ("collections", "defaultdict")}


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a Punkt class")
        return super().find_class(module, name)


def main():
    with open(sys.argv[1], "rb") as f:
        params = RestrictedUnpickler(f).load()._params
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "..", "..", "eval", "ifeval", "internal", "nltk", "punkt_tab", "english")
    os.makedirs(out, exist_ok=True)

    def write(name, lines):
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                f.write(line + "\n")

    write("abbrev_types.txt", sorted(params.abbrev_types))
    write("collocations.tab", sorted(a + "\t" + b for a, b in params.collocations))
    write("sent_starters.txt", sorted(params.sent_starters))
    write("ortho_context.tab", (f"{w}\t{c}" for w, c in params.ortho_context.items()))
    print(len(params.abbrev_types), len(params.collocations), len(params.sent_starters), len(params.ortho_context))


main()
