# Test functions for fmkit's Python bridge, written for these tests (not
# lm-evaluation-harness code): they use the Dataset methods task utilities
# call, and a Go port of the same functions lives in bridge_test.go.
import datasets


def process_docs(dataset: datasets.Dataset) -> datasets.Dataset:
    def _fix(doc, i):
        return {"question": doc["question"].strip().capitalize(), "id": i,
                "options": [o.strip() for o in doc["options"]]}

    ds = dataset.filter(lambda d: len(d["options"]) >= 2)
    ds = ds.map(_fix, with_indices=True)
    ds = ds.rename_column("answer", "label")
    ds = ds.remove_columns(["note"])
    return ds.add_column("n", [len(d["options"]) for d in ds])


def doc_to_text(doc):
    letters = "ABCDEFG"
    lines = [f"Q{doc['id']}: {doc['question']}"]
    for i, o in enumerate(doc["options"]):
        lines.append(f"{letters[i]}. {o}")
    return "\n".join(lines) + "\nAnswer:"


def doc_to_choice(doc):
    return [f" {o}" for o in doc["options"]]


def process_results(doc, results):
    lls = [r[0] for r in results]
    best = max(range(len(lls)), key=lambda i: lls[i])
    gold = doc["label"]
    others = [ll for i, ll in enumerate(lls) if i != gold]
    return {"acc": 1.0 if best == gold else 0.0, "margin": lls[gold] - max(others)}


def median_margin(items):
    s = sorted(items)
    return s[len(s) // 2]


def fewshot_samples():
    return [{"question": "Two plus two?", "options": ["3", "4"], "label": 1, "id": 100, "n": 2}]
