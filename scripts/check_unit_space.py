"""Is the library complete, and is the exact pricer exact?  Random dual vectors, three answers.

For random problems (sorted normal points, centered normal dual vectors ``theta``) this prints,
per architecture, how often

* the explicit library's ``max |theta . f|`` falls short of the supremum over the whole unit
  space (the library is incomplete: errata E3b, E3c),
* a multi-start local search over continuous biases
  (:func:`library_of_mirrors.analysis.unit_search.search_units`, linear programs on the cells of
  the bias arrangement) beats the exact pricer (it never may: that would make the
  certificate wrong),

for deep narrow abs and negative-slope leaky relu at depths 4 and 5 (the exact arrangement
pricer of ``build_dictionary(..., implicit=True)``), and for the 3-layer symmetrized network
(its library against the exhaustive vertex enumeration
:func:`~library_of_mirrors.analysis.unit_search.symmetrized_vertex_max`).

    python scripts/check_unit_space.py --problems 40 --starts 20
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from run_info import versions

import library_of_mirrors as lom
from library_of_mirrors.analysis.unit_search import search_units, symmetrized_vertex_max

DEEP = (("abs", None, 4), ("abs", None, 5), ("leaky_relu", -0.5, 4), ("leaky_relu", -0.5, 5))
SYMMETRIZED = (("relu", None), ("leaky_relu", 0.2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=40, help="random problems per row")
    ap.add_argument("--starts", type=int, default=20, help="search starts per problem")
    ap.add_argument("--max-n", type=int, default=8, help="largest number of points")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the table here")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    warnings.simplefilter("ignore", lom.LibraryOnlyWarning)
    rows = []
    print(f"{'network':<38}{'problems':>9}{'lib < sup':>10}{'max rel':>9}"
          f"{'search > exact':>15}{'search = exact':>15}{'seconds':>9}")
    for act, slope, depth in DEEP:
        rows.append(_deep_row(rng, act, slope, depth, args))
    for act, slope in SYMMETRIZED:
        rows.append(_symmetrized_row(rng, act, slope, args))
    out = {"rows": rows, "args": vars(args), **versions()}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


def _problem(rng, max_n, min_n=3):
    n = int(rng.integers(min_n, max_n + 1))
    x = np.sort(rng.normal(size=n))
    th = rng.normal(size=n)
    return x, th - th.mean()


def _print(row):
    print(f"{row['network']:<38}{row['problems']:>9}{row['library_short']:>10}"
          f"{row['max_relative_shortfall']:>9.3f}{row['search_above_exact']:>15}"
          f"{row['search_equals_exact']:>15}{row['seconds']:>9.0f}", flush=True)
    return row


def _deep_row(rng, act, slope, depth, args) -> dict:
    t0 = time.time()
    short = above = equal = 0
    worst = 0.0
    for _ in range(args.problems):
        x, th = _problem(rng, args.max_n if depth == 4 else min(args.max_n, 7))
        exact = lom.build_dictionary(x, activation=act, leaky_slope=slope, depth=depth,
                                     implicit=True).price(th, 1).corr_max
        lib = float(np.abs(lom.build_dictionary(x, activation=act, leaky_slope=slope,
                                                depth=depth).matrix().T @ th).max())
        found = search_units(x, th, act, depth, leaky_slope=slope, n_starts=args.starts,
                             n_moves=10, random_state=rng.integers(1 << 31)).score
        tol = 1e-9 * max(1.0, exact)
        short += lib < exact - tol
        worst = max(worst, (exact - lib) / exact)
        above += found > exact + tol
        equal += found >= exact - tol
    name = f"{depth}-layer {act}" + (f" ({slope})" if slope is not None else "")
    return _print({"network": name, "problems": args.problems, "library_short": short,
                   "max_relative_shortfall": worst, "search_above_exact": above,
                   "search_equals_exact": equal, "seconds": time.time() - t0})


def _symmetrized_row(rng, act, slope, args) -> dict:
    t0 = time.time()
    short = above = equal = 0
    worst = 0.0
    for _ in range(args.problems):
        x, th = _problem(rng, min(args.max_n, 6))
        exact = symmetrized_vertex_max(x, th, act, slope)[0]
        lib = float(np.abs(lom.build_dictionary(x, activation=act, leaky_slope=slope, depth=3,
                                                architecture="symmetrized").matrix().T
                           @ th).max())
        found = search_units(x, th, act, 3, architecture="symmetrized", leaky_slope=slope,
                             n_starts=args.starts, n_moves=10,
                             random_state=rng.integers(1 << 31)).score
        tol = 1e-9 * max(1.0, exact)
        short += lib < exact - tol
        worst = max(worst, (exact - lib) / exact)
        above += found > exact + tol
        equal += found >= exact - tol
    name = "3-layer symmetrized " + act + (f" ({slope})" if slope is not None else "")
    return _print({"network": name, "problems": args.problems, "library_short": short,
                   "max_relative_shortfall": worst, "search_above_exact": above,
                   "search_equals_exact": equal, "seconds": time.time() - t0})


if __name__ == "__main__":
    main()
