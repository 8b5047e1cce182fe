#!/usr/bin/python3
"""Render templates with Python's Jinja2 configured as lm-evaluation-harness
configures it (lm_eval/utils.py: BaseLoader, StrictUndefined,
keep_trailing_newline=True, the regex_replace filter) and write the
outputs, or the error class, as a fixture for eval/internal/jinja.

Run from the repository root:
    /usr/bin/python3 testdata/gen/eval/jinja_fixtures.py
"""
import json
import re

from jinja2 import BaseLoader, Environment, StrictUndefined


def regex_replace(string, pattern, repl, count: int = 0):
    return re.sub(pattern, repl, string, count=count)


env = Environment(loader=BaseLoader, undefined=StrictUndefined, keep_trailing_newline=True)
env.filters["regex_replace"] = regex_replace

DOCS = [
    {
        "question": "  What is 2+2?  \n",
        "answer": 2,
        "A": "three", "B": "four", "C": "it's five", "D": 'say "six"',
        "Category": "math",
        "Human Accuracy": 0.625,
        "choices": {"text": ["red", "green's", "blue\nsky"], "label": ["A", "B", "C"]},
        "answerKey": "B",
        "label": "1",
        "sol1": "Use a pan.", "sol2": "Don't use it",
        "none_field": None,
        "flag": True,
        "ratio": 1e-05,
        "big": 1e16,
        "whole": 3.0,
        "neg": -7,
        "tags": ["x", "y"],
        "korean": "정답은 (B) 입니다.",
        "ctx": "A man is sitting on a roof. he",
    },
    {
        "question": "Tab\there",
        "answer": 4,
        "A": "", "B": "b", "C": "c", "D": "d",
        "Category": "law",
        "Human Accuracy": None,
        "choices": {"text": ["x"], "label": ["A"]},
        "answerKey": "A",
        "label": "0",
        "sol1": "\\path", "sol2": "\u00e9t\u00e9 \u2028 line",
        "none_field": None,
        "flag": False,
        "ratio": 123456789.125,
        "big": 1.5e300,
        "whole": -0.0,
        "neg": 7,
        "tags": [],
        "korean": "한국어 질문: 무엇인가?",
        "ctx": "  spaced  out  ",
    },
]

TEMPLATES = [
    "{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n정답：",
    "{{answer-1}}",
    "{{['A', 'B', 'C', 'D'][answer-1]}}",
    "{{['A', 'B', 'C', 'D'][answer-1] if answer is defined else target}}",
    "{{question}}\nA.{{A}}\nB.{{B}}\nC.{{C}}\nD.{{D}}\n정답: 차근 차근 생각해봅시다.",
    "{{target}}",
    "{{ missing_column }}",
    "{{choices.text}}",
    "{{choices['label']}}",
    "{{choices.label.index(answerKey)}}",
    "{{choices.text[choices.label.index(answerKey)]}}",
    "Question: {{question}}\nAnswer:",
    "{{[sol1, sol2]}}",
    "{{[A, B, C, D]}}",
    "{{ A if answerKey == 'A' else B if answerKey == 'B' else C }}",
    "{{none_field}}",
    "{{flag}} {{ratio}} {{big}} {{whole}} {{neg // 2}} {{neg % 3}} {{ neg / 2 }}",
    "{{ 7 // 2 }} {{ -7 // 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 3 * 'ab' }} {{ [1] * 2 }}",
    "{{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 10 / 5 }}",
    "{% if choices is defined and choices.text|length > 2 %}many{% else %}few{% endif %}",
    "{% for c in choices.text %}{{loop.index}}. {{c}}\n{% endfor %}",
    "{% for i in range(choices['text']|length) -%}\n{{ 'ABC'[i] }}: {{ choices['text'][i] }}\n{% endfor -%}",
    "{{ label|int - 1 }} {{ (label|int) + 1 }} {{ label|string }} {{ answer|string }}",
    "{{ question.split() }} {{ korean.split(' ') }} {{ ctx.split() }}",
    "{{ question.replace('2', 'two') }} {{ sol1.lstrip('U') }} {{ ctx.rstrip() }}|",
    "{{ tags|join(', ') }}|{{ tags|length }}|{{ tags }}",
    "{{ korean | regex_replace('\\\\(([A-D])\\\\)', '<\\\\1>') }}",
    "{{ korean[:3] }}|{{ korean[-3:] }}|{{ question[::-1] }}",
    "{{ 'x' ~ answer ~ none_field }}",
    "{{ {'a': 1, 'b': [none, true, 1.5]} }}",
    "{{ (1, 'two') }} {{ (1,) }}",
    "{{ answer is divisibleby 2 }} {{ none_field is none }} {{ answer is not none }} {{ tags is defined }}",
    "{{ choices.text|first }} {{ choices.text|last }} {{ 'abc'|list }} {{ 'a b'|title }} {{ 'hELLO'|capitalize }}",
    "{{ ' '+ctx.split(' ')[-1] }}",
    "{% set x = answer * 10 %}{{ x }}{% set y, z = 1, 2 %} {{ y + z }}",
    "{% raw %}{{ not rendered }}{% endraw %}",
    "  {#- comment -#}  trimmed {{- '  x  ' -}}  end  ",
    "{{ \"it's\" }} {{ 'say \"hi\"' }} {{ \"\\n\" }}|",
    "{{ answer == 2.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 'ab' in 'xaby' }} {{ 3 in [1, 2] }}",
    "{{ answer > 'x' }}",
    "{{ choices.missing }}",
    "{{ tags[5] }}",
    "{{ question + 1 }}",
    "{{ ratio|round(2) }} {{ 2.5|round }} {{ 'x'|default('d') }} {{ undefined_name|default('d') }}",
    "line one\nline two\n",
    "{{ Human Accuracy }}",
    "{{ korean.index('(') }} {{ korean.find('Z') }} {{ korean.count('다') }} {{ korean.startswith('정답') }}",
    "{{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split(None, 1) }} {{ 'a-b-c'.rsplit('-', 1) }}",
    "{{ sol2 }} {{ [sol2] }}",
    "{{ choices.items() }} {{ choices.keys()|list }}",
]


def classify(exc):
    name = type(exc).__name__
    if name == "UndefinedError":
        return "undefined"
    if name == "TemplateSyntaxError":
        return "syntax"
    return "error"


def encode(v):
    """Values as tagged JSON so that key order and types survive."""
    if isinstance(v, dict):
        return {"dict": [[k, encode(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return {"list": [encode(x) for x in v]}
    if isinstance(v, float):
        return {"float": repr(v)}
    return v


cases = []
for di, doc in enumerate(DOCS):
    for tpl in TEMPLATES:
        try:
            out = env.from_string(tpl).render(**doc)
            cases.append({"doc": di, "template": tpl, "output": out})
        except Exception as e:  # noqa: BLE001 - the error class is the expectation
            cases.append({"doc": di, "template": tpl, "error": classify(e)})

with open("eval/internal/jinja/testdata/render.json", "w", encoding="utf-8") as f:
    json.dump({"docs": [encode(d) for d in DOCS], "cases": cases}, f, ensure_ascii=False, indent=1)
print(len(cases), "cases")
