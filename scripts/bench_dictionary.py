"""Build times and feature counts of every dictionary of Table 3.1.

    python scripts/bench_dictionary.py [--sizes 100 1000] [--repeat 3]

For each architecture and N (random normal data) it prints the number of candidate units
enumerated, the number of distinct features kept, the build time (median of --repeat runs,
numba kernels warmed up first, outside the timed region), and the time of one matrix-free
product A^T r against the dense one where the dense matrix fits in memory.  Libraries whose
full enumeration exceeds the candidate limit are reported as such, with a sampled library of
--sample features built instead.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import library_of_mirrors as lom
from library_of_mirrors.architectures import TABLE_3_1, lookup
from library_of_mirrors.dictionary import MAX_CANDIDATES
from library_of_mirrors.dictionary.build import candidate_counts

CASES = TABLE_3_1


def candidates(act, L, arch, slope, n):
    return sum(candidate_counts(lookup(act, L, arch, slope), n))


def timed(fn, repeat):
    ts = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return out, float(np.median(ts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sample", type=int, default=10_000)
    ap.add_argument("--limit", type=float, default=MAX_CANDIDATES)
    args = ap.parse_args()
    # warm up every kernel on tiny data (numba compiles or loads its cache), outside timing
    for act, L, arch, slope in CASES:
        d = lom.build_dictionary(np.arange(5.0), act, L, arch, leaky_slope=slope)
        d.rmatvec(np.ones(5))
        lom.build_dictionary(np.arange(9.0), act, L, arch, leaky_slope=slope, n_features=3,
                             random_state=0)
    hdr = (f"{'activation':<12}{'L':>2} {'architecture':<12}{'N':>6}{'candidates':>14}"
           f"{'features':>12}{'build s':>10}{'A^T r mf ms':>13}{'A^T r dense ms':>16}  note")
    print(hdr)
    print("-" * len(hdr))
    rng = np.random.default_rng(0)
    for n in args.sizes:
        x = rng.normal(size=n)
        r = rng.normal(size=n)
        for act, L, arch, slope in CASES:
            cand = candidates(act, L, arch, slope, n)
            note = ""
            if cand <= args.limit:
                build = lambda: lom.build_dictionary(x, act, L, arch, leaky_slope=slope)  # noqa: E731
            else:
                note = f"full library > {args.limit:.0e} candidates: sampled {args.sample}"
                build = lambda: lom.build_dictionary(  # noqa: E731
                    x, act, L, arch, leaky_slope=slope, n_features=args.sample, random_state=0)
            d, tb = timed(build, args.repeat)
            _, tmf = timed(lambda d=d: d.rmatvec(r), args.repeat)
            dense = "-"
            if 8 * n * d.n_features <= 2 * 1024**3:
                A = d.matrix()
                _, td = timed(lambda A=A: A.T @ r, args.repeat)
                dense = f"{1e3 * td:.2f}"
                del A
            else:
                note = (note + "; " if note else "") + "dense matrix above the 2 GiB guard"
            print(f"{act:<12}{L:>2} {arch:<12}{n:>6}{cand:>14.3g}{d.n_features:>12}"
                  f"{tb:>10.3f}{1e3 * tmf:>13.2f}{dense:>16}  {note}", flush=True)


if __name__ == "__main__":
    main()
