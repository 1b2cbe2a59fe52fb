"""Stress corpus of the certified solver: problems that stalled, or were certified wrongly, before.

    python scripts/stress_solvers.py [--only NAME ...] [--max-iter 500] [--list]

Every case is solved by ``solve_lasso`` (or ``solve_min_norm``) and printed with its working-set
iterations, time, objective, certified gap relative to the optimum, and whether it
converged without using the iteration budget.  Cases:

* the stalls: 2-layer relu on 200 noisy points at beta 1e-3 and tol 1e-10; ``x = [1e4, 0, 1]``;
  leaky relu with inputs offset by 1e6 at a spread of 1e-3;
* inputs at spreads 1e-6 ... 1e8 and offsets 0 ... 1e8 (relative to the spread);
* targets offset by 1e4 ... 1e12 (relative to their spread): the objective must equal the
  centered problem's (printed: the relative difference);
* duplicates, every architecture of Table 3.1, every loss (squared, Huber, quantile, absolute,
  logistic), minimum-norm interpolation, tight tolerances.

Exit code 1 if any case did not converge or used the whole budget.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np

import library_of_mirrors as lom
from library_of_mirrors.architectures import TABLE_3_1


def _noisy(n, seed=0, lo=-2.0, hi=2.0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(lo, hi, n))
    return x, np.sin(3 * (x - lo) / (hi - lo) * 4 - 6) + 0.3 * rng.standard_normal(n)


def _dyadic(v, bits=10):
    """Values with few significant bits: y + 2^k is exact in float64 for the offsets used."""
    return np.round(v * 2**bits) / 2**bits


def cases():
    """(name, callable returning (library, y, solve kwargs, reference objective or None))."""
    out = []

    def add(name, fn):
        out.append((name, fn))

    # --- the reported stalls
    def stall_relu2():
        rng = np.random.default_rng(0)
        x = np.sort(rng.uniform(-2, 2, 200))
        y = np.sin(3 * x) + 0.3 * rng.standard_normal(200)
        return lom.build_dictionary(x, "relu", 2), y, dict(beta=1e-3, tol=1e-10), None
    add("relu2 N=200 beta=1e-3 tol=1e-10", stall_relu2)

    def far_point():
        return (lom.build_dictionary([1e4, 0.0, 1.0], "relu", 2), np.array([0.0, 1.0, 0.0]),
                dict(beta=1e-3), None)
    add("relu2 x=[1e4, 0, 1]", far_point)

    def leaky_offset():
        x, y = _noisy(40, 1)
        return (lom.build_dictionary(1e6 + 1e-3 * x / 4, "leaky_relu", 2, leaky_slope=0.1), y,
                dict(beta=1e-3), None)
    add("leaky2 x offset 1e6 spread 1e-3", leaky_offset)

    # --- input scales (beta relative to beta_max: the same problem at every scale)
    for spread in (1e-6, 1e-3, 1.0, 1e3, 1e8):
        for offset in (0.0, 1e3, 1e8):
            def scaled(spread=spread, offset=offset):
                x, y = _noisy(30, 2)
                d = lom.build_dictionary(offset * spread + spread * x, "abs", 3)
                return d, y, dict(beta=1e-3 * lom.beta_max(d, y), tol=1e-10), None
            add(f"abs3 x spread {spread:g} offset {offset:g}x", scaled)

    # --- target offsets: the objective of the centered problem
    x8 = np.linspace(0, 1, 8)
    y8 = _dyadic(np.sin(6 * x8))
    for offset in (0.0, 1e4, 1e8, 1e10, 1e12):
        for loss, kw in (("squared", {}), ("huber", {"delta": 0.1}),
                         ("quantile", {"quantile": 0.3})):
            def shifted(offset=offset, loss=loss, kw=kw):
                d = lom.build_dictionary(x8, "abs", 3)
                c = 2.0 ** np.round(np.log2(offset)) if offset else 0.0
                ref = lom.solve_lasso(d, y8, 1e-3, loss, tol=1e-12, **kw).objective
                return d, y8 + c, dict(beta=1e-3, loss=loss, tol=1e-12, **kw), ref
            add(f"abs3 y offset {offset:g} {loss}", shifted)

    # --- duplicates and weights
    def dups():
        rng = np.random.default_rng(3)
        x = np.repeat(np.round(rng.uniform(-1, 1, 25), 2), 4)
        y = np.cos(4 * x) + 0.3 * rng.standard_normal(x.shape[0])
        return lom.build_dictionary(x, "relu", 3), y, dict(beta=1e-3, tol=1e-10), None
    add("relu3 duplicates x4", dups)

    # --- every architecture, every loss
    for act, L, arch, slope in TABLE_3_1:
        for loss, kw in (("squared", {"tol": 1e-10}), ("huber", {"delta": 0.2}),
                         ("quantile", {"quantile": 0.7}), ("absolute", {}),
                         ("logistic", {"tol": 1e-9})):
            def arch_case(act=act, L=L, arch=arch, slope=slope, loss=loss, kw=kw):
                x, y = _noisy(14 if arch == "symmetrized" else 24, 4)
                if loss == "logistic":
                    y = (y > np.median(y)).astype(float)
                d = lom.build_dictionary(x, act, L, arch, leaky_slope=slope)
                return d, y, dict(beta=1e-2, loss=loss, **kw), None
            name = f"{act}{'' if slope is None else slope}-L{L}-{arch[:3]} {loss}"
            add(name, arch_case)

    # --- implicit libraries
    def implicit_relu3():
        x, y = _noisy(400, 5)
        return lom.build_dictionary(x, "relu", 3, implicit=True), y, dict(beta=1e-3), None
    add("relu3 implicit N=400 beta=1e-3", implicit_relu3)

    def implicit_huber():
        x, y = _noisy(150, 6)
        return (lom.build_dictionary(x, "relu", 3, "symmetrized", implicit=True), y,
                dict(beta=1e-2, loss="huber", delta=0.3), None)
    add("sym3 implicit N=150 huber", implicit_huber)

    # --- minimum-norm interpolation
    def min_norm():
        x, y = _noisy(60, 7)
        return lom.build_dictionary(x, "abs", 3), y, dict(min_norm=True), None
    add("abs3 min-norm N=60", min_norm)
    return out


def run(name, make, max_iter):
    d, y, kw, ref = make()
    kw = dict(kw)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kw.pop("min_norm", False):
            res = lom.solve_min_norm(d, y, max_iter=max_iter)
            unit = float(np.abs(res.z).sum())
        else:
            beta = kw.pop("beta")
            res = lom.solve_lasso(d, y, beta, max_iter=max_iter, **kw)
            unit = res.objective - res.gap  # the optimum's certified lower bound
    seconds = time.perf_counter() - t0
    ok = res.converged and res.n_iter < max_iter and not any(
        issubclass(w.category, lom.ConvergenceWarning) for w in caught)
    rel = res.gap / max(unit, 1e-300)
    off = "" if ref is None else f"{abs(res.objective - ref) / max(abs(ref), 1e-300):.1e}"
    return ok, (f"{name:<40}{res.n_iter:>6}{seconds:>9.2f}{res.objective:>18.10g}{rel:>11.1e}"
                f"{off:>11}{'ok' if ok else 'FAILED':>8}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="substrings of case names to run")
    ap.add_argument("--max-iter", type=int, default=500)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    todo = [(n, f) for n, f in cases()
            if not args.only or any(s in n for s in args.only)]
    if args.list:
        print("\n".join(n for n, _ in todo))
        return 0
    # compile the kernels outside the timings
    lom.solve_lasso(lom.build_dictionary(np.linspace(0, 1, 6), "abs", 3), np.arange(6.0), 0.1)
    print(f"{'case':<40}{'iters':>6}{'time s':>9}{'objective':>18}{'gap/opt':>11}"
          f"{'vs ref':>11}{'status':>8}")
    print("-" * 103)
    failed = 0
    for name, make in todo:
        ok, line = run(name, make, args.max_iter)
        failed += not ok
        print(line, flush=True)
    print(f"\n{len(todo) - failed} of {len(todo)} cases converged within the budget")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
