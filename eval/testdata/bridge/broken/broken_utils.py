import fmkit_package_that_does_not_exist  # noqa: F401


def doc_to_text(doc):
    return doc["q"]
