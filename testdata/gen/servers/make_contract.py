#!/usr/bin/python3
"""Writes the contract fixtures of lm/openai: response bodies in the exact
shapes vLLM's and llama.cpp's OpenAI-compatible servers send, the requests
that produce them, and the numbers lm-evaluation-harness would compute from
them.

No GPU and no vLLM or llama.cpp build can run here, so the bodies are not
captured from live servers; they are built token by token following the
servers' own serialization code (cited below), so that every field, null and
nesting is where those servers put it. The expected numbers are computed by
the rules of lm-evaluation-harness's LocalCompletionsAPI.parse_logprobs
(sum of token_logprobs[ctxlen:-1]; greedy when every such token's log-prob
equals the maximum of its top_logprobs), implemented here independently of
the Go code under test.

Sources of the formats:
- vLLM, vllm/entrypoints/openai/completion/serving.py
  (request_output_to_completion_response, _create_completion_logprobs):
  with echo the prompt's tokens come first and the generated ones after;
  the first prompt token has token_logprobs and top_logprobs null;
  text_offset is the running sum of the decoded tokens' lengths;
  top_logprobs holds the chosen token and up to `logprobs` alternatives;
  log-probs below -9999 are clamped to -9999; prompt_logprobs is a list
  with null first and then {token_id: {logprob, rank, decoded_token}}.
  Errors: {"object":"error","message":...,"type":...,"param":...,"code":...}.
- llama.cpp, tools/server/server-task.cpp
  (server_task_result_cmpl_final::to_json_oaicompat,
  completion_token_output::probs_vector_to_json): /v1/completions returns
  only the generated text and, under logprobs.content, one entry per
  generated token {id, token, bytes, logprob, top_logprobs:[...]}, with no
  prompt tokens even when echo is set (ggml-org/llama.cpp issue 27174);
  older builds reject echo with 400 "Only no echo is supported"
  (oaicompat_completion_params_parse).

Run: /usr/bin/python3 testdata/gen/servers/make_contract.py
"""
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "lm", "openai", "testdata", "contract")

# A Llama-2 style vocabulary slice: decoded token text -> id.
VOCAB = {
    "<s>": 1, "\n": 13, "Question": 16492, ":": 29901, " What": 1724, " is": 338,
    " the": 278, " capital": 7483, " of": 310, " France": 3444, "?": 29973,
    "Answer": 22550, " Paris": 3681, " Lyon": 22451, " Mars": 17316, "eille": 29872,
    " The": 450, " A": 319, ".": 29889,
}

CONTEXT_TOKENS = ["Question", ":", " What", " is", " the", " capital", " of", " France", "?", "\n", "Answer", ":"]
# Log-probs of the context tokens given what precedes them (the first has
# none without a BOS); the top-1 alternative where the token is not greedy.
CONTEXT_LP = [-9.8125, -3.125, -4.78125, -1.03125, -0.40625, -2.28125, -0.046875, -0.71875, -0.109375, -0.875, -5.1875, -0.03125]
CONTEXT_TOP = [(" The", -2.0625), (" is", -1.5), (" is", -0.96875), None, None, (" first", -1.75), None, None, None, None, ("The", -1.25), None]


def dump(obj):
    # pydantic's model_dump_json and nlohmann's dump() are both compact.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def echo_logprobs(steps):
    """steps: list of (token, logprob or None, top alternatives dict or None)."""
    out = {"text_offset": [], "token_logprobs": [], "tokens": [], "top_logprobs": []}
    offset = 0
    for tok, lp, alts in steps:
        out["text_offset"].append(offset)
        offset += len(tok)
        out["tokens"].append(tok)
        if lp is None:
            out["token_logprobs"].append(None)
            out["top_logprobs"].append(None)
            continue
        lp = max(lp, -9999.0)
        top = {tok: lp}
        if alts:
            top.update({t: max(v, -9999.0) for t, v in alts.items()})
        out["token_logprobs"].append(lp)
        out["top_logprobs"].append(top)
    # vLLM's field order is text_offset, token_logprobs, tokens, top_logprobs.
    return out


def context_steps(with_bos):
    steps = []
    if with_bos:
        steps.append(("<s>", None, None))
    for k, tok in enumerate(CONTEXT_TOKENS):
        lp = CONTEXT_LP[k]
        if k == 0 and not with_bos:
            lp = None
        alt = CONTEXT_TOP[k]
        steps.append((tok, lp, {alt[0]: alt[1]} if alt else None))
    return steps


def lm_eval_parse(token_logprobs, top_logprobs, ctxlen):
    """LocalCompletionsAPI.parse_logprobs for one choice."""
    assert ctxlen > 0
    lps = token_logprobs[ctxlen:-1]
    tops = top_logprobs[ctxlen:-1]
    greedy = True
    for tok, top in zip(lps, tops):
        if tok != max(top.values()):
            greedy = False
            break
    return sum(lps), greedy


def completion(choices, prompt_tokens, completion_tokens, model="meta-llama/Llama-2-7b-hf"):
    return {
        "id": "cmpl-5f0c2b6a1d3e4f7a9b8c7d6e5f4a3b2c",
        "object": "text_completion",
        "created": 1767225600,
        "model": model,
        "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + completion_tokens,
                  "completion_tokens": completion_tokens, "prompt_tokens_details": None},
        "service_tier": None,
        "system_fingerprint": None,
        "kv_transfer_params": None,
    }


def choice(index, text, logprobs, finish="length", prompt_logprobs=None):
    return {"index": index, "text": text, "logprobs": logprobs, "finish_reason": finish,
            "stop_reason": None, "token_ids": None, "prompt_logprobs": prompt_logprobs,
            "prompt_token_ids": None}


CONTEXT = "Question: What is the capital of France?\nAnswer:"
cases = []


def add(name, status, body, request, settings, expect):
    path = name + ".json"
    with open(os.path.join(OUT, path), "w") as f:
        f.write(body if isinstance(body, str) else dump(body))
    cases.append({"name": name, "status": status, "body": path, "request": request,
                  "settings": settings, "expect": expect})


def main():
    os.makedirs(OUT, exist_ok=True)

    # 1. vLLM, text prompt, echo, logprobs 1, max_tokens 1 (lm-eval's
    # local-completions request with tokenized_requests=False). vLLM adds
    # BOS to a text prompt and echoes it.
    steps = context_steps(True) + [(" Paris", -0.359375, None)] + [("\n", -0.9375, {".": -0.75})]
    lp = echo_logprobs(steps)
    ctxlen = 1 + len(CONTEXT_TOKENS)  # BOS and the context
    want = lm_eval_parse(lp["token_logprobs"], lp["top_logprobs"], ctxlen)
    body = completion([choice(0, CONTEXT + " Paris" + "\n", lp)], len(steps) - 1, 1)
    add("vllm_echo_text", 200, body,
        {"prompt": CONTEXT + " Paris", "echo": True, "logprobs": 1, "max_tokens": 1, "temperature": 0},
        {}, {"requests": [{"context": CONTEXT, "continuation": " Paris"}],
             "results": [{"logprob": want[0], "greedy": want[1]}]})

    # 2. The same with a continuation of two tokens, one not greedy, and a
    # context ending in a space: " Marseille" is not split where the text
    # is, so the token " Mars" straddles the boundary.
    steps = context_steps(True) + [(" Mars", -6.25, {" Paris": -0.359375}), ("eille", -0.015625, None), ("\n", -1.5, None)]
    lp = echo_logprobs(steps)
    want = lm_eval_parse(lp["token_logprobs"], lp["top_logprobs"], 1 + len(CONTEXT_TOKENS))
    body = completion([choice(0, CONTEXT + " Marseille\n", lp)], len(steps) - 1, 1)
    add("vllm_echo_text_straddle", 200, body,
        {"prompt": CONTEXT + " Marseille", "echo": True},
        {}, {"requests": [{"context": CONTEXT + " ", "continuation": "Marseille"}],
             "results": [{"logprob": want[0], "greedy": want[1]}]})

    # 3. vLLM, two token-id prompts in one request (lm-eval's default
    # tokenized_requests=True, batch_size 2). No BOS: token prompts are
    # taken as they are, so the first token has no log-prob.
    ctx_ids = [VOCAB[t] for t in CONTEXT_TOKENS]
    choices, results, prompts = [], [], []
    for index, (cont, lpc, alts, gen) in enumerate([(" Paris", -0.359375, None, "\n"), (" Lyon", -4.125, {" Paris": -0.359375}, ".")]):
        steps = context_steps(False) + [(cont, lpc, alts), (gen, -0.5, None)]
        lp = echo_logprobs(steps)
        want = lm_eval_parse(lp["token_logprobs"], lp["top_logprobs"], len(ctx_ids))
        choices.append(choice(index, CONTEXT + cont + gen, lp))
        results.append({"logprob": want[0], "greedy": want[1]})
        prompts.append(ctx_ids + [VOCAB[cont]])
    body = completion(choices, 2 * (len(ctx_ids) + 1), 2)
    add("vllm_echo_tokens_batch", 200, body,
        {"prompt": prompts, "echo": True, "logprobs": 1, "max_tokens": 1},
        {"tokenizer": True, "batch_size": 2},
        {"requests": [{"context": CONTEXT, "continuation": " Paris"}, {"context": CONTEXT, "continuation": " Lyon"}],
         "results": results})

    # 4. vLLM prompt_logprobs (max_tokens 1, no echo): the generated token
    # alone in text and logprobs null; the prompt's tokens under
    # prompt_logprobs, the first null, each with the prompt token and, when
    # that is not the top-1, the top-1 too.
    pl = [None]
    toks = ["<s>"] + CONTEXT_TOKENS + [" Lyon"]
    lps = [None] + CONTEXT_LP + [-4.125]
    tops = [None] + CONTEXT_TOP + [(" Paris", -0.359375)]
    ranks = [None] + [1 if t is None else 2 for t in CONTEXT_TOP] + [3]
    for k in range(1, len(toks)):
        entry = {str(VOCAB[toks[k]]): {"logprob": lps[k], "rank": ranks[k], "decoded_token": toks[k]}}
        if tops[k] is not None:
            alt, v = tops[k]
            entry[str(VOCAB.get(alt, 31999))] = {"logprob": v, "rank": 1, "decoded_token": alt}
        pl.append(entry)
    want_lp, want_greedy = -4.125, False
    body = completion([choice(0, ".", None, prompt_logprobs=pl)], len(toks), 1)
    add("vllm_prompt_logprobs", 200, body,
        {"prompt": CONTEXT + " Lyon", "prompt_logprobs": 1, "max_tokens": 1},
        {"prompt_logprobs": True},
        {"requests": [{"context": CONTEXT, "continuation": " Lyon"}],
         "results": [{"logprob": want_lp, "greedy": want_greedy}]})

    # 5. llama.cpp's server with echo: the generated token only, under
    # logprobs.content. Scoring on would rank every choice 0.
    gen = {"id": VOCAB["\n"], "token": "\n", "bytes": [10], "logprob": -0.9375,
           "top_logprobs": [{"id": VOCAB["\n"], "token": "\n", "bytes": [10], "logprob": -0.9375}]}
    body = {"choices": [{"text": "\n", "index": 0, "logprobs": {"content": [gen]}, "finish_reason": "length"}],
            "created": 1767225600, "model": "gpt-3.5-turbo", "system_fingerprint": "b6123-1d72c841",
            "object": "text_completion",
            "usage": {"completion_tokens": 1, "prompt_tokens": 14, "total_tokens": 15},
            "id": "chatcmpl-Qm0xkN4E8a2rT9vYJc1pWfZs7LhB3dGu",
            "timings": {"cache_n": 0, "prompt_n": 14, "prompt_ms": 21.387, "prompt_per_token_ms": 1.5276,
                        "prompt_per_second": 654.6, "predicted_n": 1, "predicted_ms": 0.012,
                        "predicted_per_token_ms": 0.012, "predicted_per_second": 83333.3}}
    add("llamacpp_echo", 200, body, {"echo": True},
        {}, {"requests": [{"context": CONTEXT, "continuation": " Paris"}], "error": "no log-probabilities for the prompt"})

    # 6. Older llama.cpp builds refuse echo.
    body = {"error": {"code": 400, "message": "Only no echo is supported", "type": "invalid_request_error"}}
    add("llamacpp_echo_rejected", 400, body, {"echo": True},
        {}, {"requests": [{"context": CONTEXT, "continuation": " Paris"}], "error": "refuses echo"})

    # 7. Token mode where the server added a BOS to the token prompt (a
    # server or proxy that re-tokenizes): one more token echoed than sent.
    steps = context_steps(True) + [(" Paris", -0.359375, None), ("\n", -0.9375, None)]
    body = completion([choice(0, CONTEXT + " Paris\n", echo_logprobs(steps))], len(steps) - 1, 1)
    add("vllm_echo_tokens_mismatch", 200, body, {"echo": True},
        {"tokenizer": True},
        {"requests": [{"context": CONTEXT, "continuation": " Paris"}], "error": "echoed 14 prompt tokens for the 13 token ids sent"})

    # 8. vLLM generation through completions; the server stopped at the
    # first stop string it was given and the client cuts at the others.
    body = completion([choice(0, " Paris.\nQuestion: What", None, finish="length")], 13, 6)
    add("vllm_generate", 200, body,
        {"prompt": CONTEXT, "max_tokens": 32, "temperature": 0, "stop": ["Question:", "\n"]},
        {}, {"generate": [{"context": CONTEXT, "until": ["Question:", "\n"], "max_tokens": 32}], "texts": [" Paris."]})

    # 9. vLLM chat completion (vllm/entrypoints/openai/chat_completion).
    body = {"id": "chatcmpl-9b1f2e0c8d7a4b3c", "object": "chat.completion", "created": 1767225600,
            "model": "meta-llama/Llama-3.1-8B-Instruct",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "The capital of France is Paris.",
                                                 "refusal": None, "annotations": None, "audio": None,
                                                 "function_call": None, "tool_calls": [], "reasoning_content": None},
                         "logprobs": None, "finish_reason": "stop", "stop_reason": None}],
            "service_tier": None, "system_fingerprint": None,
            "usage": {"prompt_tokens": 47, "total_tokens": 55, "completion_tokens": 8, "prompt_tokens_details": None},
            "prompt_logprobs": None, "kv_transfer_params": None}
    add("vllm_chat", 200, body,
        {"messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 64, "seed": 1234},
        {"chat": True}, {"generate": [{"context": "What is the capital of France?", "max_tokens": 64}],
                         "texts": ["The capital of France is Paris."]})

    # 10. llama.cpp chat completion (to_json_oaicompat_chat).
    body = {"choices": [{"finish_reason": "stop", "index": 0,
                         "message": {"role": "assistant", "content": "Paris"}}],
            "created": 1767225600, "model": "gpt-3.5-turbo", "system_fingerprint": "b6123-1d72c841",
            "object": "chat.completion", "usage": {"completion_tokens": 2, "prompt_tokens": 21, "total_tokens": 23},
            "id": "chatcmpl-W3nQy0bX6fK2mJ8sD4hR1tLz9cVp5aEe",
            "timings": {"cache_n": 0, "prompt_n": 21, "prompt_ms": 30.1, "prompt_per_token_ms": 1.43,
                        "prompt_per_second": 697.7, "predicted_n": 2, "predicted_ms": 19.8,
                        "predicted_per_token_ms": 9.9, "predicted_per_second": 101.0}}
    add("llamacpp_chat", 200, body,
        {"messages": [{"role": "user", "content": "Capital of France? One word."}], "temperature": 0.7, "seed": 7},
        {"chat": True}, {"generate": [{"context": "Capital of France? One word.", "max_tokens": 8,
                                       "do_sample": True, "temperature": 0.7, "seed": 7}],
                         "texts": ["Paris"]})

    # 11. vLLM refusing a prompt longer than the model's context.
    body = {"object": "error", "message": "This model's maximum context length is 4096 tokens. However, you requested 5121 tokens (5120 in the messages, 1 in the completion). Please reduce the length of the messages or completion.",
            "type": "BadRequestError", "param": None, "code": 400}
    add("vllm_error_context", 400, body, {},
        {}, {"requests": [{"context": CONTEXT, "continuation": " Paris"}], "error": "maximum context length is 4096 tokens"})

    with open(os.path.join(OUT, "vocab.json"), "w") as f:
        json.dump(VOCAB, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write("\n")


main()
