#!/usr/bin/python3
"""The peer of fmkit's OpenAI client in bench/openai_throughput.sh: the
request loop of lm-evaluation-harness's TemplateAPI (local-completions with
num_concurrent=C): one aiohttp ClientSession with a TCPConnector limited to
C connections, a semaphore of C, one asyncio task per request, the same
loglikelihood payload (echo, logprobs 1, max_tokens 1, temperature 0,
seed 1234), and the response parsed as parse_logprobs does
(token_logprobs[ctxlen:-1]).

Usage: openai_peer.py BASE_URL CONCURRENCY REQUESTS
Prints: requests/s
"""
import asyncio
import json
import sys
import time

import aiohttp


async def main(base, conc, n):
    url = base + "/completions"
    sem = asyncio.Semaphore(conc)
    conn = aiohttp.TCPConnector(limit=conc)
    results = [None] * n

    async def one(session, i):
        payload = {"model": "m", "prompt": f"question {i}: y", "temperature": 0, "max_tokens": 1,
                   "logprobs": 1, "seed": 1234, "echo": True}
        async with sem:
            async with session.post(url, json=payload) as resp:
                resp.raise_for_status()
                out = await resp.json()
        choice = out["choices"][0]
        lps = choice["logprobs"]["token_logprobs"][2:-1]
        tops = choice["logprobs"]["top_logprobs"][2:-1]
        greedy = all(lp == max(top.values()) for lp, top in zip(lps, tops))
        results[i] = (sum(lps), greedy)

    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=300)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(one(session, i) for i in range(n)))
        elapsed = time.perf_counter() - start
    assert all(r is not None for r in results)
    print(f"{n / elapsed:.1f}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
