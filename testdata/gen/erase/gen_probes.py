#!/usr/bin/python3
"""Writes scikit-learn reference fits for the linear probes of package erase
(logistic regression and the linear SVM that `fmkit erase check` uses).

Run from the repository root:
    /usr/bin/python3 testdata/gen/erase/gen_probes.py
"""
import json

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

OUT = "erase/testdata/"
cases = []
for name, k in [("probe2", 2), ("probe3", 3)]:
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, n_redundant=0,
                               n_classes=k, n_clusters_per_class=1, class_sep=0.8,
                               flip_y=0.1, random_state=k)
    np.save(OUT + name + "_x.npy", X)
    np.save(OUT + name + "_y.npy", y.astype(np.int64))
    fits = [("logreg_c1", LogisticRegression(C=1.0, tol=1e-12, max_iter=100000)),
            ("svm_c1", LinearSVC(C=1.0, dual=False, tol=1e-12, max_iter=1000000))]
    if k == 2:
        fits.append(("logreg_none", LogisticRegression(penalty=None, tol=1e-12, max_iter=100000)))
    for model, clf in fits:
        clf.fit(X, y)
        np.save(OUT + f"{name}_{model}_coef.npy", clf.coef_)
        np.save(OUT + f"{name}_{model}_intercept.npy", clf.intercept_)
        np.save(OUT + f"{name}_{model}_pred.npy", clf.predict(X).astype(np.int64))
        cases.append(dict(data=name, model=model, k=k))

with open(OUT + "probes.json", "w") as f:
    json.dump(cases, f, indent=1)
