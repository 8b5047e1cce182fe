#!/usr/bin/python3
"""Writes lm/openai/testdata/rolling_windows.json: the windows that
lm-evaluation-harness's loglikelihood_rolling scores a token list in, for
several lengths and window sizes.

The two functions below follow lm_eval/utils.py (get_rolling_token_windows
and make_disjoint_window) step for step; loglikelihood_rolling calls them
with context_len=1 and the model's prefix token.

Run: /usr/bin/python3 testdata/gen/servers/make_windows.py
"""
import json
import os


def get_rolling_token_windows(token_list, prefix_token, max_seq_len, context_len):
    assert 1 <= context_len <= max_seq_len
    if not token_list:
        return
    pred_len = max_seq_len - context_len + 1
    predicted = 0
    first_seq_len = min(max_seq_len, len(token_list))
    yield ([prefix_token] + token_list[: first_seq_len - 1], token_list[:first_seq_len])
    predicted += first_seq_len
    while predicted < len(token_list):
        window_pred_len = min(len(token_list) - predicted, pred_len)
        window_end = predicted + window_pred_len
        yield (
            token_list[window_end - max_seq_len - 1 : window_end - 1],
            token_list[window_end - window_pred_len : window_end],
        )
        predicted += window_pred_len


def make_disjoint_window(pair):
    a, b = pair
    return a[: len(a) - (len(b) - 1)], b


cases = []
for n in [0, 1, 2, 5, 10, 11, 23, 64]:
    for max_len in [1, 2, 4, 10, 2047]:
        tokens = list(range(100, 100 + n))
        windows = [make_disjoint_window(w) for w in get_rolling_token_windows(tokens, 1, max_len, 1)]
        cases.append({"n": n, "max_len": max_len,
                      "windows": [{"context": list(c), "continuation": list(t)} for c, t in windows]})
out = os.path.join(os.path.dirname(__file__), "..", "..", "..", "lm", "openai", "testdata", "rolling_windows.json")
with open(out, "w") as f:
    json.dump(cases, f)
    f.write("\n")
