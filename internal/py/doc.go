// Package py reproduces the parts of CPython's behaviour that decide what
// lm-evaluation-harness writes: the random module (MT19937 with seeding,
// getrandbits, randbelow, sample and choices), str() and repr() of values,
// json.dumps, ast.literal_eval of the values templates render, the escapes
// of string literals, str.strip and str.split, and the re module's
// findall and sub.
//
// # Values
//
// Python values are Go values: nil is None, bool, int64 (int too), float64,
// string, []any (a list), Tuple and Mapping (an ordered dict with string
// keys, such as Dict).
//
// # What is not reproduced
//
// Each function's doc says what it covers; inputs beyond that are errors,
// never silently different answers: literal_eval rejects complex numbers,
// bytes, sets, dicts with non-string keys, bare tuples without
// parentheses, integers beyond int64, named escapes (\N{...}) and lone
// surrogates (a Go string is UTF-8). Regular expressions run on regexp2,
// whose \w is .NET's (letters, marks, decimal digits and connector
// punctuation, where Python's is str.isalnum and the underscore), so the
// two differ on digits such as '²'.
//
// # Tests
//
// testdata/cpython.json holds CPython's answers to the inputs of
// testdata/gen/py/gen_cpython.py (run with /usr/bin/python3); the tests
// compare every function against it, and fuzz targets check the literal
// parser and escape decoder.
package py
