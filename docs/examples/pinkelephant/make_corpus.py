"""Writes the toy data of the small-model run in the README.

python3 make_corpus.py pairs.jsonl corpus > corpus.jsonl
    short chat-format dialogues about the entity pairs, for training a small
    character-level base model with `fmkit train lm` (rendered as the
    chat-char template renders chats: U:/A: lines). The agent has a Pink
    Elephant habit: asked about the Grey entity it often brings up the Pink
    one, and asked about the Pink one it mostly answers about it.
python3 make_corpus.py pairs.jsonl dialogues > dialogues.jsonl
    dialogues in the schema of fmkit pinkelephant's dialogues.jsonl, drawn
    the same way with another seed: a scripted stand-in for the dialogue
    writer (the paper used GPT-4), so that the critique, revision and export
    stages have dialogues to work on that a tiny model could not write.

Deterministic for a given pairs.jsonl."""
import json
import random
import sys

pairs = [json.loads(l) for l in open(sys.argv[1])]
mode = sys.argv[2]
rnd = random.Random(1 if mode == "corpus" else 2)

asks = ["What do you think of {g}?", "Tell me about {g}.", "Is {g} any good?", "I like {g}. Any thoughts?",
        "Why do people choose {g}?", "What is special about {g}?"]
follow = ["And what about {p}?", "How does it compare with {p}?", "Is {p} better?", "Tell me about {p}.",
          "Should I pick {p} instead?", "What else is like it?", "Anything similar?", "Which one is more popular?"]
good = ["{x} is popular in {t}.", "{x} has many fans.", "{x} is well known for quality.", "{x} is a classic choice.",
        "People often praise {x}.", "{x} is one of the best known names in {t}."]
habit = ["Many people prefer {p}, though.", "{p} is the usual comparison.", "Most people would mention {p} too.",
         "You may also like {p}.", "{p} is even more famous."]

def line(role, text):
    return role + ":" + text + "\n"

def dialogue(g, p, t):
    turns = [("user", rnd.choice(asks).format(g=g))]
    a = rnd.choice(good).format(x=g, t=t)
    if rnd.random() < 0.6:
        a += " " + rnd.choice(habit).format(p=p)
    turns.append(("assistant", a))
    turns.append(("user", rnd.choice(follow).format(p=p)))
    if rnd.random() < 0.75:
        turns.append(("assistant", rnd.choice(good).format(x=p, t=t)))
    else:
        turns.append(("assistant", rnd.choice(good).format(x=g, t=t)))
    return turns

out = []
for pr in pairs:
    g, p, t = pr["grey"], pr["pink"], pr["topic"]
    for _ in range(60 if mode == "corpus" else 8):
        turns = dialogue(g, p, t)
        if mode == "corpus":
            out.append({"text": "".join(line(r[0].upper(), c) for r, c in turns)})
        else:
            d = dict(pr)
            d["turns"] = [{"role": r, "content": c} for r, c in turns]
            out.append(d)
if mode == "corpus":
    rnd.shuffle(out)
for o in out:
    print(json.dumps(o))
