"""Exact training at scale: full libraries, no subsampling, certified, against peers.

    python scripts/bench_scale.py [--cases relu2 relu2i relu3i abs3 abs3i sym3i] [--sizes ...]
                                  [--beta-fracs 1e-1 1e-2] [--repeats 3] [--tol 1e-8]
                                  [--timeout 600] [--peers cvxpy sklearn skglm adam]
                                  [--peer-timeout 120] [--peer-max-n 2000]
                                  [--malloc tuned|default]

For each case, N and beta / beta_max (seeded data: x uniform on [-2, 2], y = sin(3x) + 0.3
noise) every fit runs in its own child process, so its peak memory (ru_maxrss) is its own:

* ours: build the full dictionary (cases ending in "i": the implicit library, priced by
  structure, never listed), solve_lasso at beta = frac * beta_max with ``--tol``; time = build
  + solve (numba compiled beforehand in the child), median over ``--repeats``; the certified
  relative gap (gap / objective), the solver ("slope changes" for relu libraries, else
  "working sets"), outer iterations, and the *physical-limit ratio*: the solve time divided
  by the time of one pricing pass (``A^T theta`` over the whole library, median of 3);
* cvxpy + Clarabel, scikit-learn's Lasso and skglm's Lasso on the dense matrix, where
  N <= --peer-max-n and the matrix fits --dense-gib: time, the objective they reach
  (certified by the same duality gap) and the time ratio to ours;
* Adam (numpy, full batch, width 200, lr 1e-2): the time it takes to get within 1% of the
  certified optimum, or its best objective when --adam-seconds run out.

Every child (ours and each peer) runs with the same glibc allocator settings: by default the
parallel workers' (``executors.tune_malloc``: large arrays from the heap, not from fresh
``mmap`` pages; at N = 10^7 faulting those in costs half of a solve), ``--malloc default``
for glibc's.

Each case's targets (seconds, GiB at an N) are printed next to the measured numbers; a case
that cannot run says why (e.g. an explicit library above the candidate limit).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

#: the children's allocator ("tuned" or "default"), set by the parent's --malloc
_MALLOC_ENV = "BENCH_SCALE_MALLOC"

#: name: activation, depth, architecture, implicit, sizes, beta fractions, targets
#: {N: (seconds, GiB or None, fractions the target is for or None for all)}
CASES = {
    "relu2": ("relu", 2, "deep_narrow", False, [1000, 10_000, 100_000, 1_000_000, 10_000_000],
              [1e-1, 1e-2, 1e-4, 1e-6],
              {1_000_000: (2.0, None, None), 10_000_000: (20.0, 4.0, (1e-2,))}),
    "relu2i": ("relu", 2, "deep_narrow", True, [1_000_000, 10_000_000],
               [1e-1, 1e-2, 1e-4, 1e-6],
               {1_000_000: (2.0, None, None), 10_000_000: (20.0, 4.0, (1e-2,))}),
    "relu3i": ("relu", 3, "deep_narrow", True, [1000, 10_000, 100_000, 1_000_000], [1e-2],
               {1_000_000: (60.0, None, None)}),
    "abs3": ("abs", 3, "deep_narrow", False, [1000, 2000], [1e-2], {}),
    "abs3i": ("abs", 3, "deep_narrow", True, [1000, 10_000], [1e-2],
              {10_000: (60.0, 2.0, None)}),
    "sym3i": ("relu", 3, "symmetrized", True, [100, 200, 500, 1000, 10_000], [1e-2],
              {1000: (60.0, None, None)}),
}
#: the largest N each beta fraction runs at (the N = 10^7 fit: only its target's fraction)
FRAC_MAX_N = {1e-1: 1_000_000, 1e-4: 1_000_000, 1e-6: 1_000_000}


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    return x, np.sin(3 * x) + 0.3 * rng.standard_normal(n)


# ----------------------------------------------------------------------------------------------
# child: one fit


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _child_ours(case: str, n: int, beta_frac: float, tol: float) -> dict:
    import library_of_mirrors as lom

    act, L, arch, implicit = CASES[case][:4]
    xw, yw = _data(30, 1)  # compile / load the kernels of this architecture outside the timing
    dw = lom.build_dictionary(xw, act, L, arch, implicit=implicit)
    for fw in (1e-1, 1e-2, 1e-4, 1e-6):  # each regime of the solvers
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lom.solve_lasso(dw, yw, fw * lom.beta_max(dw, yw), tol=tol)
    x, y = _data(n)
    t0 = time.perf_counter()
    d = lom.build_dictionary(x, act, L, arch, implicit=implicit)
    t1 = time.perf_counter()
    beta = beta_frac * lom.beta_max(d, y)
    t2 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lom.solve_lasso(d, y, beta, tol=tol)
    t3 = time.perf_counter()
    pool = d.pool()  # one pricing pass over the whole library: the physical limit
    passes = []
    for i in range(3):  # a new vector each time: a costly library keeps its last round
        theta = np.random.default_rng(i).standard_normal(d.x_unique.shape[0])
        theta -= theta.mean()
        s0 = time.perf_counter()
        pool.price(theta, 1)
        passes.append(time.perf_counter() - s0)
    one = sorted(passes)[1]
    return {"build": t1 - t0, "solve": t3 - t2, "seconds": (t1 - t0) + (t3 - t2),
            "features": d.n_features, "iterations": res.n_iter, "objective": res.objective,
            "priced": res.n_priced or d.n_features * res.n_iter, "solver": res.solver,
            "gap": res.gap, "rel_gap": res.gap / abs(res.objective), "beta": beta,
            "active": int(res.active.shape[0]), "converged": bool(res.converged),
            "pass": one, "passes": (t3 - t2) / one, "peak_gib": _peak_gib()}


def _child_peer(case: str, n: int, beta: float, peer: str) -> dict:
    import library_of_mirrors as lom

    act, L, arch = CASES[case][:3]
    x, y = _data(n)
    d = lom.build_dictionary(x, act, L, arch)
    A = d.matrix()
    lam = beta * d.beta_scale
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if peer == "cvxpy":
            import cvxpy as cp

            z = cp.Variable(A.shape[1])
            xi = cp.Variable()
            cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y) + lam * cp.norm1(z))
                       ).solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10,
                               tol_feas=1e-10)
            zv = np.asarray(z.value)
        elif peer == "skglm":
            from skglm import Lasso as SkglmLasso

            zv = SkglmLasso(alpha=lam / n, tol=1e-10, max_iter=1000, fit_intercept=True
                            ).fit(A, y).coef_
        else:
            from sklearn.linear_model import Lasso

            zv = Lasso(alpha=lam / n, tol=1e-10, max_iter=100_000).fit(A, y).coef_
    secs = time.perf_counter() - t0
    obj, gap = lom.duality_gap(d, y, beta, zv)
    return {"seconds": secs, "objective": obj, "gap": gap, "peak_gib": _peak_gib()}


class _Done(Exception):
    pass


def _child_adam(case: str, n: int, beta: float, optimum: float, budget: float) -> dict:
    from library_of_mirrors.nn.training import train_adam

    act, L, arch = CASES[case][:3]
    x, y = _data(n)
    best = [np.inf, None]

    def watch(epoch, net, seconds):
        obj = net.objective(x, y, beta)
        if obj < best[0]:
            best[0] = obj
        if obj <= 1.01 * optimum:
            best[1] = seconds
            raise _Done
        if seconds > budget:
            raise _Done

    try:
        train_adam(x, y, beta, act, L, arch, 200, epochs=10**7, lr=1e-2, seed=0,
                   lr_schedule="constant", record_every=10, callback=watch)
    except _Done:
        pass
    return {"seconds_to_1pct": best[1], "best_objective": best[0], "budget": budget,
            "peak_gib": _peak_gib()}


# ----------------------------------------------------------------------------------------------
# parent


def _run_child(args: list[str], timeout: float) -> dict:
    try:
        p = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:160]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def _targets(case: str, n: int, frac: float, med: dict) -> list[str]:
    target = CASES[case][6].get(n)
    if target is None or (target[2] is not None and frac not in target[2]):
        return []
    sec, gib, _ = target
    ok = med["seconds"] <= sec and med["rel_gap"] <= 1e-6 and (gib is None
                                                                or med["peak_gib"] <= gib)
    what = f"<= {sec:g} s" + (f", {gib:g} GiB" if gib else "") + ", gap/obj 1e-6"
    return [f"target {what}: {'met' if ok else 'MISSED'}"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--sizes", type=int, nargs="+", help="N values (default: per case)")
    ap.add_argument("--beta-fracs", type=float, nargs="+",
                    help="beta / beta_max values (default: per case)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tol", type=float, default=1e-6,
                    help="solve_lasso's tol (certified gap / optimum)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--peers", nargs="*", default=["cvxpy", "sklearn", "skglm", "adam"])
    ap.add_argument("--peer-timeout", type=float, default=120.0,
                    help="seconds a peer may take (scikit-learn's coordinate descent can take "
                         "longer than any budget on these correlated columns)")
    ap.add_argument("--peer-max-n", type=int, default=2000)
    ap.add_argument("--dense-gib", type=float, default=4.0)
    ap.add_argument("--adam-seconds", type=float, default=60.0)
    ap.add_argument("--malloc", choices=["tuned", "default"], default="tuned",
                    help="every child's glibc allocator: tuned as the parallel workers "
                         "(executors.WORKER_MALLOC) or glibc's defaults")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not args.child:
        os.environ[_MALLOC_ENV] = args.malloc  # read by the children
    if args.child:
        kind, case, n, *rest = args.child
        if os.environ.get(_MALLOC_ENV, "tuned") == "tuned":
            from library_of_mirrors.executors import tune_malloc

            tune_malloc()
        if kind == "ours":
            out = _child_ours(case, int(n), float(rest[0]), float(rest[1]))
        elif kind == "adam":
            out = _child_adam(case, int(n), float(rest[0]), float(rest[1]), float(rest[2]))
        else:
            out = _child_peer(case, int(n), float(rest[0]), kind)
        print(json.dumps(out))
        return 0

    from run_info import versions
    from tqdm import tqdm

    print(versions())
    jobs = []
    for c in args.cases:
        for n in (args.sizes or CASES[c][4]):
            for f in (args.beta_fracs or CASES[c][5]):
                if n <= FRAC_MAX_N.get(f, n) or args.sizes:
                    jobs.append((c, n, f))
    head = (f"{'case':<7}{'N':>9}{'beta/max':>9}{'features':>19}{'time s':>9}{'build':>8}"
            f"{'iters':>6}{'rel gap':>9}{'passes':>8}{'peak GiB':>9}  solver; target; peers")
    print(head)
    print("-" * len(head))
    for case, n, frac in tqdm(jobs, desc="bench_scale", file=sys.stderr):
        runs = [_run_child(["ours", case, str(n), str(frac), str(args.tol)], args.timeout)
                for _ in range(args.repeats)]
        if "error" in runs[0]:
            print(f"{case:<7}{n:>9}{frac:>9.0e}  not run: {runs[0]['error']}", flush=True)
            continue
        ok = [r for r in runs if "error" not in r]
        med = sorted(ok, key=lambda r: r["seconds"])[len(ok) // 2]
        note = [med["solver"]] + _targets(case, n, frac, med)
        for peer in args.peers:
            if peer == "adam":
                if n > 10_000 or frac != 1e-2:
                    continue
                r = _run_child(["adam", case, str(n), str(med["beta"]), str(med["objective"]),
                                str(args.adam_seconds)], args.timeout)
                if "error" in r:
                    note.append(f"adam: {r['error']}")
                elif r["seconds_to_1pct"] is not None:
                    note.append(f"adam within 1% after {r['seconds_to_1pct']:.1f} s "
                                f"({r['seconds_to_1pct'] / med['seconds']:.3g}x ours)")
                else:
                    note.append(f"adam best after {r['budget']:.0f} s: "
                                f"{r['best_objective'] / med['objective'] - 1:+.2%}")
                continue
            need = 8 * n * med["features"] / 1024**3
            if n > args.peer_max_n or need > args.dense_gib or CASES[case][3]:
                continue
            r = _run_child([peer, case, str(n), str(med["beta"])], args.peer_timeout)
            if "error" in r:
                note.append(f"{peer}: {r['error']}")
            else:
                rel = (r["objective"] - med["objective"]) / abs(med["objective"])
                note.append(f"{peer} {r['seconds']:.2f} s ({r['seconds'] / med['seconds']:.3g}x"
                            f", obj {rel:+.1e})")
        print(f"{case:<7}{n:>9}{frac:>9.0e}{med['features']:>19,.0f}{med['seconds']:>9.2f}"
              f"{med['build']:>8.2f}{med['iterations']:>6}{med['rel_gap']:>9.1e}"
              f"{med['passes']:>8.0f}{med['peak_gib']:>9.2f}  {'; '.join(note)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
