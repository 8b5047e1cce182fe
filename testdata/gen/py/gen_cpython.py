#!/usr/bin/python3
"""Writes internal/py/testdata/cpython.json: what CPython answers for the
parts of its behaviour that package internal/py reproduces.

Run from the repository root with Debian's CPython 3:

    /usr/bin/python3 testdata/gen/py/gen_cpython.py

Every expected value below is computed here by CPython (ast, json, random,
re, str methods); nothing is typed in by hand except the inputs. Inputs
that package py deliberately does not support (and must reject with an
error rather than answer wrongly) are listed in UNSUPPORTED_LITERALS.
"""

import ast
import json
import math
import os
import random
import re
import struct
import sys
import unicodedata

OUT = os.path.join("internal", "py", "testdata", "cpython.json")

# Python literal sources. Each is run through ast.literal_eval; the result
# (or the fact that it raised) is the expectation.
LITERALS = [
    # numbers
    "0", "7", "-7", "+7", "- 7", "1_000", "0x1f", "0X1F", "0o17", "0b101", "0x_ff",
    "9223372036854775807", "-9223372036854775807",
    "1.5", "-1.5", ".5", "5.", "1e3", "1E-3", "1.5e+10", "-0.0", "0.1", "1e400", "-1e400",
    "1_0.2_5", "1_.5", "1._5", "1e_5", "1e1_0", "0_0", "000", "0x_f_f", "0x__f", "01.5", "01e3", "09", "1e-400", "3.141592653589793", "2.5e-324", "1e22", "1e16", "123456789012345678.0",
    "--1", "-+1", "-(1)", "- (2.5)", "-(-1)", "-(1,)", "-True", "1 + 2", "1j", "01", "00", "1__0", "1_", "0x", "1e", "1.2.3",
    # constants
    "True", "False", "None", "true", "none", "TrueX",
    # strings
    "'a'", '"a"', "'it''s'", "'a' 'b'", "'a' \"b\" 'c'", "r'\\n'", "R'\\d+'", "u'x'", "U'x'",
    "'''tri\nple'''", '"""a"b"""', "'\\n\\t\\r\\\\'", "'\\a\\b\\f\\v'", "'\\x41\\x7e'",
    "'\\u00e9\\u4e2d'", "'\\U0001F600'", "'\\101\\7\\08'", "'\\777'", "'\\q'", "'\\''", '"\\""',
    "'caf\u00e9'", "'\u4e2d\u6587'", "'a\\\nb'", "'unterminated", "'new\nline'", "'\\x4'", "'\\xZZ'",
    "'\\U00110000'", "'\\U0010FFFF'", "'\\ud800'", "'\\N{EM DASH}'", "b'x'", "f'x'", "rb'x'", "'a' b'b'",
    # containers
    "[]", "[1]", "[1, 2, 3]", "[1, 2, 3,]", "[ 1 , 'two' , 3.0 , None ]", "[[1, [2]], []]",
    "()", "(1)", "(1,)", "(1, 2)", "((1, 2), (3,))", "(1, 'a', [2])",
    "{}", "{'a': 1}", "{'a': 1, 'b': [2, 3]}", "{'b': 1, 'a': 2}", "{'a': 1, 'a': 2}",
    "{'a': {'b': {'c': None}}}", "{'a': 1,}", "{\n 'a': 1,\n 'b': 2\n}",
    "{1: 2}", "{1, 2}", "set()", "[1, 2", "[1 2]", "{'a' 1}", "{'a': }", "(1, 2", "[,]",
    # whitespace, comments and continuation lines
    "'#' # a hash", "['a#b', # c\n 'd']", "# only a comment", "1 #",
    " 1", "\t[1]", "1 ", "[1,\n 2]", "[1, # one\n 2]", "1 # comment", "(1,\\\n 2)",
    "\n1", "1\n", "", "   ", "1, 2", "'a', 'b'", "1;", "x", "[x]", "len([])",
]

# Inputs CPython accepts but package py does not handle: it must return an
# error for these, never a different value.
UNSUPPORTED_LITERALS = {
    "1j",  # complex numbers
    "b'x'", "rb'x'",  # bytes
    "{1: 2}", "{1, 2}", "set()",  # non-string keys, sets
    "'\\N{EM DASH}'",  # named Unicode escapes
    "'\\ud800'",  # lone surrogates: a Go (UTF-8) string cannot hold one
    "1, 2", "'a', 'b'",  # bare tuples without parentheses
}

FLOAT_BITS = [
    0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x000FFFFFFFFFFFFF,
    0x0010000000000000, 0x7FEFFFFFFFFFFFFF, 0x7FF0000000000000, 0xFFF0000000000000,
    0x7FF8000000000000, 0x3FF0000000000000, 0x3FB999999999999A, 0x3FD5555555555555,
    0x4340000000000000, 0x4341C37937E08000, 0x3F1A36E2EB1C432D, 0x3EB0C6F7A0B5ED8D,
]


def random_float_bits(rng, n):
    out = []
    for _ in range(n):
        out.append(rng.getrandbits(64))
    # values near the fixed/scientific switch points
    for x in [1e15, 9999999999999998.0, 1e16, 1e17, 0.0001, 0.00009999, 123456.789, 1 / 3, 2 / 3, 100.0]:
        out.append(struct.unpack("<Q", struct.pack("<d", x))[0])
    return out


def literal_cases():
    cases = []
    for src in LITERALS:
        case = {"src": src}
        try:
            v = ast.literal_eval(src)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            case["error"] = True
            cases.append(case)
            continue
        if src in UNSUPPORTED_LITERALS:
            case["unsupported"] = True
            cases.append(case)
            continue
        case["repr"] = repr(v)
        case["str"] = str(v)
        case["truth"] = bool(v)
        case["json"] = json.dumps(v, ensure_ascii=False)
        case["json_indent"] = json.dumps(v, ensure_ascii=False, indent=2)
        cases.append(case)
    return cases


# String literal bodies with escapes, decoded as Jinja2's lexer decodes
# them (ASCII with backslashreplace, then the unicode-escape codec).
ESCAPE_BODIES = ["plain", "a\\nb", "tab\\there", "\\\\", "\\'\\\"", "\\x41", "\\u00e9", "\\U0001F600",
                 "\\101", "\\0", "\\777", "\\q", "\\8", "\\", "end\\", "\\x4", "\\xZZ", "\\u12",
                 "\\U00110000", "\\U0010FFFF", "caf\u00e9 \\n", "mixed \\t\\x41\\u4e2d\\n",
                 "\\N{EM DASH}", "\\ud800"]

# Bodies the codec decodes but package py rejects: named escapes, and lone
# surrogates, which a Go (UTF-8) string cannot hold.
UNSUPPORTED_ESCAPES = {"\\N{EM DASH}", "\\ud800"}


def escape_cases():
    cases = []
    for body in ESCAPE_BODIES:
        case = {"body": body}
        try:
            want = body.encode("ascii", "backslashreplace").decode("unicode-escape")
        except UnicodeDecodeError:
            case["error"] = True
        else:
            if body in UNSUPPORTED_ESCAPES:
                case["unsupported"] = True
            else:
                case["want"] = want
        cases.append(case)
    return cases


def float_cases():
    rng = random.Random(20240601)
    cases = []
    for bits in FLOAT_BITS + random_float_bits(rng, 300):
        x = struct.unpack("<d", struct.pack("<Q", bits))[0]
        cases.append({"bits": "%016x" % bits, "repr": repr(x), "json": json.dumps(x)})
    return cases


def string_cases():
    texts = ["", "a", "it's", 'say "hi"', "both ' and \"", "back\\slash", "\t\n\r", "\x00\x07\x1f\x7f",
             "\x80\x9f\xa0\xad\xff", "caf\u00e9", "\u4e2d\u6587", "\u200b\u200e\u2028\u3000", "\ue000",
             "\U0001F600", "\U000E0001", "\u0378", "\ufeff", " leading", "tab\tand\u00a0nbsp"]
    return [{"text": t, "repr": repr(t), "json": json.dumps(t, ensure_ascii=False),
             "strip": t.strip(), "split": t.split(), "split1": t.split(None, 1)} for t in texts]


def whitespace_cases():
    texts = ["  a b  ", "\u3000a\u00a0b\u2028", "\x1c\x1d\x1e\x1fx\x85", "a\u200bb", "\t\n\x0b\x0c\r",
             "no-space", "", "   ", "a  b   c", "\u2003x\u2009y\u202f"]
    cases = []
    for t in texts:
        cases.append({"text": t, "strip": t.strip(), "lstrip": t.lstrip(), "rstrip": t.rstrip(),
                      "split": t.split(), "split0": t.split(None, 0), "split2": t.split(None, 2),
                      "strip_chars": t.strip(" a"), "lstrip_chars": t.lstrip("a "), "rstrip_chars": t.rstrip("b ")})
    return cases


def ranges(pred):
    """Half-open [start, end) ranges of the code points where pred holds."""
    out = []
    start = None
    for cp in range(0x110000):
        hit = pred(cp)
        if hit and start is None:
            start = cp
        elif not hit and start is not None:
            out.append([start, cp])
            start = None
    if start is not None:
        out.append([start, 0x110000])
    return out


def unicode_tables():
    def is_surrogate(cp):
        return 0xD800 <= cp <= 0xDFFF
    return {
        "unidata_version": unicodedata.unidata_version,
        "printable": ranges(lambda cp: not is_surrogate(cp) and chr(cp).isprintable()),
        "space": ranges(lambda cp: chr(cp).isspace()),
        # Code points unassigned in this Unicode version: a newer version in
        # Go's tables may have assigned them, so their printability may differ.
        "unassigned": ranges(lambda cp: unicodedata.category(chr(cp)) == "Cn"),
    }


def random_cases():
    cases = []
    for seed in [0, 1, 42, 1234, -1, -42, 2**31, 2**32, 2**32 + 1, 2**63 - 1, -(2**63), 10**17 + 3]:
        r = random.Random(seed)
        case = {"seed": str(seed)}
        case["uint32"] = [r.getrandbits(32) for _ in range(8)]
        case["float64"] = [repr(r.random()) for _ in range(8)]
        case["getrandbits"] = [[k, str(r.getrandbits(k))] for k in [1, 5, 31, 32, 33, 53, 63, 64]]
        case["randbelow"] = [[n, r._randbelow(n)] for n in [1, 2, 3, 7, 10, 100, 1000, 2**31 - 1, 2**40 + 7]]
        samples = []
        for n, k in [(10, 0), (10, 3), (10, 10), (21, 5), (22, 6), (50, 5), (100, 7), (1000, 40), (5, 5), (85, 10), (86, 10)]:
            samples.append({"n": n, "k": k, "want": r.sample(range(n), k)})
        case["sample"] = samples
        case["choices"] = [{"n": n, "k": k, "want": r.choices(range(n), k=k)} for n, k in [(1, 3), (5, 10), (1000, 7)]]
        cases.append(case)
    return cases


REGEX = [
    # pattern, subject, replacement, count
    (r"\d+", "a1b22c333", "#", 0),
    (r"\d+", "a1b22c333", "#", 2),
    (r"(\w+)@(\w+)\.com", "x joe@example.com y ann@test.com", r"\2:\1", 0),
    (r"(?P<word>\w+) (?P=word)", "hello hello world world x", r"\g<word>", 0),
    (r"(?P<a>a)(?P<b>b)?", "ab a", r"[\g<1>|\g<b>]", 0),
    (r"(?<=\$)\d+", "cost $42 and $7", "N", 0),
    (r"(?<!\$)\b\d+", "cost $42 and 7", "N", 0),
    (r"\bcat\b", "cat concat cat.", "dog", 0),
    (r"x*", "abxd", "-", 0),
    (r"", "abc", "-", 0),
    (r"a|", "baac", "X", 0),
    (r"^\s+|\s+$", "  padded  ", "", 0),
    (r"(?m)^#", "#a\n#b\nc#", "//", 0),
    (r"(?i)HELLO", "Hello hello HeLLo", "hi", 0),
    (r"(?s)a.b", "a\nb a-b", "X", 0),
    (r"a.b", "a\nb a-b", "X", 0),
    (r"\s+", "a\u00a0b\u3000c\td", " ", 0),
    (r"\d", "1\u0663\u096a", "D", 0),
    (r"[^\W\d]+", "caf\u00e9 na\u00efve 42", "W", 0),
    (r"The answer is (\-?[0-9\.\,]+)", "The answer is -1,234.5.", r"<\1>", 0),
    (r"#### (\-?[0-9\.\,]+)", "so #### 72\nend", r"\1", 0),
    (r"(a)(b)?(c)", "ac abc", r"\3\2\1", 0),
    (r"\n", "line1\nline2", r"\t", 0),
    (r"o", "foo", r"\\", 0),
    (r"(\d)(\d)", "1234", r"\2\1", 1),
    (r"$", "end\n", "!", 0),
    (r"\Z", "end\n", "!", 0),
    (r"\A\w", "ab ab", "X", 0),
    (r"[a-c]+?", "abcabc", "-", 0),
    (r"(?:ab)+", "ababab abx", "Y", 0),
    (r"\u00e9", "caf\u00e9", "e", 0),
    (r"\x41", "ABA", "a", 0),
    (r"[\u4e00-\u9fff]+", "mix\u4e2d\u6587text", "Z", 0),
    (r"(?=b)", "abab", "^", 0),
    (r"[\W\d]+", "ab 12 !c", "_", 0),
    (r"[^\W\d_]+", "caf\u00e9_x 42 na\u00efve", "L", 0),
    (r"[^\W\D]+", "ab 12 c3", "N", 0),
    (r"[]a]+", "x]a]y", "-", 0),
    (r"[^]a]+", "x]a]y", "-", 0),
    (r"[a\]b]+", "c]ab", "-", 0),
    (r"\\Z", "a\\Zb", "-", 0),
    (r"a\Z|b", "ab\nab", "-", 0),
]


def regex_cases():
    cases = []
    for pat, s, repl, count in REGEX:
        found = re.findall(pat, s)
        found = [list(f) if isinstance(f, tuple) else f for f in found]
        cases.append({"pattern": pat, "text": s, "repl": repl, "count": count,
                      "findall": found, "sub": re.sub(pat, repl, s, count=count)})
    return cases


def main():
    data = {
        "python": sys.version.split()[0],
        "literals": literal_cases(),
        "escapes": escape_cases(),
        "floats": float_cases(),
        "strings": string_cases(),
        "whitespace": whitespace_cases(),
        "unicode": unicode_tables(),
        "random": random_cases(),
        "regex": regex_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", OUT, "with CPython", data["python"])


if __name__ == "__main__":
    main()
