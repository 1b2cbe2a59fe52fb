"""Measure the peak memory of building and solving explicit libraries (the constants of
``library_of_mirrors.dictionary.budget``).

Each case runs in a fresh process: it imports the package, warms the numba kernels up on a
small problem, records its peak resident set size (``ru_maxrss``), then builds the library
of the architecture on N random points (uniform on [-3, 3]), solves the squared-loss Lasso at
beta = 0.1 and records the peak again.  The growth is what the library and its solve cost;
it is printed next to the estimate of :func:`~library_of_mirrors.dictionary.budget.
estimate_library` and per candidate unit.

    python scripts/measure_memory.py                      # the default cases
    python scripts/measure_memory.py --case abs,3,2000    # one case (activation,depth,N)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASES = [("relu", 2, 100_000), ("relu", 2, 400_000), ("abs", 2, 100_000),
         ("abs", 2, 400_000), ("abs", 3, 500), ("abs", 3, 1000), ("abs", 3, 2000),
         ("relu", 3, 500), ("relu", 3, 1000), ("relu", 3, 2000)]

CHILD = r"""
import json, resource, sys, time
import numpy as np
from library_of_mirrors.dictionary import build_dictionary
from library_of_mirrors.dictionary.budget import estimate_library
from library_of_mirrors.solvers import solve_lasso

act, depth, n, n_features = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
n_features = None if n_features == "none" else int(n_features)
rng = np.random.default_rng(0)
x0 = rng.uniform(-3, 3, 60)
solve_lasso(build_dictionary(x0, act, depth, implicit=False), np.sin(x0), 1e-2)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
x = rng.uniform(-3, 3, n)
y = np.sin(2 * x) + 0.1 * rng.normal(size=n)
t0 = time.perf_counter()
d = build_dictionary(x, act, depth, implicit=False, n_features=n_features, random_state=0)
res = solve_lasso(d, y, 1e-1)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
est = estimate_library(n, act, depth, n_features=n_features)
print(json.dumps({"activation": act, "depth": depth, "n": n, "n_features": n_features,
                  "candidates": est.candidates, "features": d.n_features,
                  "base_mb": base / 2**20, "growth_mb": (peak - base) / 2**20,
                  "estimate_mb": est.peak_bytes / 2**20, "seconds": time.perf_counter() - t0,
                  "bytes_per_candidate": (peak - base) / est.candidates,
                  "bytes_per_feature": (peak - base) / d.n_features}))
"""


def run(act: str, depth: int, n: int, n_features: int | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, act, str(depth), str(n),
                          "none" if n_features is None else str(n_features)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", action="append",
                   help="activation,depth,N[,n_features] (repeatable)")
    args = p.parse_args()
    cases = CASES if not args.case else [
        (c.split(",")[0], int(c.split(",")[1]), int(c.split(",")[2]),
         *(int(v) for v in c.split(",")[3:])) for c in args.case]
    print(f"{'case':<24} {'candidates':>12} {'features':>10} {'growth MB':>10} "
          f"{'estimate MB':>12} {'B/cand':>8} {'B/feat':>8} {'s':>6}")
    for case in cases:
        r = run(*case)
        name = f"{r['depth']}-layer {r['activation']} N={r['n']}" + (
            f" F={r['n_features']}" if r["n_features"] else "")
        print(f"{name:<24} {r['candidates']:>12,} {r['features']:>10,} {r['growth_mb']:>10.0f} "
              f"{r['estimate_mb']:>12.0f} {r['bytes_per_candidate']:>8.0f} "
              f"{r['bytes_per_feature']:>8.0f} {r['seconds']:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
