import os


def process_results(doc, results):
    if doc["q"] == "die":
        os._exit(3)  # the worker dies while scoring this document
    return {"exact_match": float(results[0].strip() == doc["a"])}
