#!/usr/bin/env python3
"""Expected prediction-powered estimates for replyscope's `*_ppi` columns, from ppi-python.

Classic PPI of a mean (no power tuning: lam=1) with a 95% interval, `ppi_mean_ci` and
`ppi_mean_pointestimate` of the `ppi-python` package (Angelopoulos et al., Science 2023),
unweighted and with the sampling weights of a stratified sample. Writes the inputs and the
values to ppi_expected.json (or the path given); the Rust test
`crosscheck::ppi_matches_ppi_python` recomputes them with `replyscope::query::ppi::ppi_mean`
and must agree to 1e-9.

    pip install ppi-python==0.2.3
    python3 tests/crosscheck/ppi.py [OUT.json]
"""
import json
import os
import sys

import numpy as np
from ppi_py import ppi_mean_ci, ppi_mean_pointestimate


def tagger(rng, truth, fpr, fnr):
    """A tagger wrong at the given false-positive and false-negative rates."""
    u = rng.random_sample(len(truth))
    return np.where(truth == 1, (u >= fnr).astype(float), (u < fpr).astype(float))


def case(name, y, yhat, yhat_unlabeled, w=None):
    kw = {} if w is None else {"w": np.asarray(w, dtype=float)}
    lo, hi = ppi_mean_ci(y, yhat, yhat_unlabeled, alpha=0.05, lam=1, **kw)
    est = ppi_mean_pointestimate(y, yhat, yhat_unlabeled, lam=1, **kw)
    return {
        "name": name,
        "y": [float(v) for v in y],
        "yhat": [float(v) for v in yhat],
        "yhat_unlabeled": [float(v) for v in yhat_unlabeled],
        "w": None if w is None else [float(v) for v in w],
        "estimate": float(np.squeeze(est)),
        "low": float(np.squeeze(lo)),
        "high": float(np.squeeze(hi)),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "ppi_expected.json")
    rng = np.random.RandomState(42)
    cases = []
    # A response rate: true 0.6, tagger misses 25% of answers and invents 10%.
    truth = (rng.random_sample(2000) < 0.6).astype(float)
    f = tagger(rng, truth, 0.10, 0.25)
    cases.append(case("simple sample of 150 from 2000", truth[:150], f[:150], f))
    # A stratified sample: stratum A (1500 rows, 60 coded), stratum B (500 rows, 60 coded).
    ta = (rng.random_sample(1500) < 0.3).astype(float)
    tb = (rng.random_sample(500) < 0.7).astype(float)
    fa, fb = tagger(rng, ta, 0.05, 0.3), tagger(rng, tb, 0.2, 0.1)
    y = np.concatenate([ta[:60], tb[:60]])
    yhat = np.concatenate([fa[:60], fb[:60]])
    w = [1500 / 60] * 60 + [500 / 60] * 60
    cases.append(case("stratified 60 + 60, weights 25 and 8.33", y, yhat, np.concatenate([fa, fb]), w))
    # A small cell: 12 coded of 90.
    truth = (rng.random_sample(90) < 0.45).astype(float)
    f = tagger(rng, truth, 0.3, 0.05)
    cases.append(case("small cell, 12 coded", truth[:12], f[:12], f))
    # A perfect tagger: no correction.
    truth = (rng.random_sample(300) < 0.2).astype(float)
    cases.append(case("perfect tagger", truth[:40], truth[:40], truth))
    doc = {
        "generated_by": "tests/crosscheck/ppi.py",
        "versions": {"ppi-python": "0.2.3", "numpy": np.__version__},
        "alpha": 0.05,
        "cases": cases,
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
