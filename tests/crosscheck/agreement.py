#!/usr/bin/env python3
"""Expected agreement statistics for replyscope's `agree`, from the reference packages.

Cohen's kappa from scikit-learn (`cohen_kappa_score`) and Krippendorff's alpha from the
`krippendorff` package (nominal, and interval for latency seconds), on fixed inputs that
look like coded samples: two sides' labels of the same units. Writes the inputs and the
values to agreement_expected.json (or the path given); the Rust test
`crosscheck::agreement_matches_python_packages` recomputes them from the inputs and must
agree to 1e-9.

    pip install krippendorff==0.9.0 scikit-learn==1.9.1
    python3 tests/crosscheck/agreement.py [OUT.json]
"""
import json
import os
import sys

import krippendorff
import numpy as np
import sklearn
from sklearn.metrics import cohen_kappa_score


def nominal_case(name, a, b):
    labels = sorted(set(a) | set(b))
    code = {v: i for i, v in enumerate(labels)}
    data = np.array([[code[x] for x in a], [code[x] for x in b]], dtype=float)
    alpha = (
        float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
        if len(labels) > 1
        else None
    )
    return {
        "name": name,
        "level": "nominal",
        "a": a,
        "b": b,
        "agreement": float(np.mean([x == y for x, y in zip(a, b)])),
        "kappa": float(cohen_kappa_score(a, b)),
        "alpha": alpha,
    }


def interval_case(name, a, b):
    data = np.array([a, b], dtype=float)
    return {
        "name": name,
        "level": "interval",
        "a": a,
        "b": b,
        "agreement": float(np.mean([x == y for x, y in zip(a, b)])),
        "kappa": None,
        "alpha": float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval")),
    }


def noisy(rng, labels, truth, p):
    """A coder who gives the true label, or with probability p another one at random."""
    return [x if rng.random() >= p else str(rng.choice([l for l in labels if l != x])) for x in truth]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "agreement_expected.json")
    rng = np.random.RandomState(10)
    cases = []
    responded = ["yes", "no", "unknown", "none"]
    truth = [str(x) for x in rng.choice(responded, size=60, p=[0.5, 0.2, 0.2, 0.1])]
    cases.append(nominal_case("responded, two coders", noisy(rng, responded, truth, 0.1), noisy(rng, responded, truth, 0.15)))
    resolution = ["resolved", "unresolved", "unknown", "none"]
    truth = [str(x) for x in rng.choice(resolution, size=45, p=[0.3, 0.3, 0.3, 0.1])]
    cases.append(nominal_case("resolution, tagger vs coder", noisy(rng, resolution, truth, 0.35), truth))
    truth = [str(x) for x in rng.choice(["0", "1"], size=80, p=[0.85, 0.15])]
    cases.append(nominal_case("channel:phone, rare label", noisy(rng, ["0", "1"], truth, 0.05), noisy(rng, ["0", "1"], truth, 0.1)))
    companies = ["acme", "zappos", "acme+zappos", "(none)", "general_motors"]
    truth = [str(x) for x in rng.choice(companies, size=30)]
    cases.append(nominal_case("company party set", noisy(rng, companies, truth, 0.2), truth))
    cases.append(nominal_case("perfect agreement", ["yes", "no", "yes", "unknown"], ["yes", "no", "yes", "unknown"]))
    cases.append(nominal_case("worse than chance", ["yes", "no", "yes", "no", "yes", "no"], ["no", "yes", "no", "yes", "no", "yes"]))
    secs = [float(x) for x in rng.choice([60, 300, 1800, 3600, 14400, 86400, 172800, 1814400], size=25)]
    other = [s if rng.random() < 0.7 else float(s * rng.choice([0.5, 2.0, 1.5])) for s in secs]
    cases.append(interval_case("latency seconds", secs, other))
    cases.append(interval_case("latency seconds, small", [300.0, 3600.0, 86400.0], [300.0, 7200.0, 86400.0]))
    doc = {
        "generated_by": "tests/crosscheck/agreement.py",
        "versions": {"krippendorff": "0.9.0", "scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "cases": cases,
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
