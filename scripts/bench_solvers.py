"""Certified Lasso (1.2) against its peers, same run, same dictionary, same beta.

    python scripts/bench_solvers.py [--sizes 200 1000 2000] [--beta 1e-2] [--timeout 300]
                                    [--repeats 1] [--peers cvxpy sklearn skglm]

Cases: 2-layer relu and 3-layer abs deep narrow networks on seeded data (x uniform on [-1, 1],
y = sin(3x) + 0.3 noise).  For each it runs

* library_of_mirrors.solve_lasso (working sets + matrix-free pricing; numba warmed up first),
* cvxpy + Clarabel on the dense matrix (tight tolerances 1e-10),
* scikit-learn Lasso (alpha = beta~ / N, tol 1e-10, max_iter 100000),
* skglm Lasso (same alpha, tol 1e-10),

each peer in a child process killed after --timeout seconds.  Every solution is certified by
the same code (``lom.duality_gap``: xi re-optimized, matrix-free dual point over the whole
dictionary), and the table prints objective reached, certified gap, time, the peer/ours time
ratio and the objective difference relative to ours (positive: the peer is worse).  Peers are
skipped, with the reason, when the dense matrix would not fit the --dense-gib budget.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import warnings

import numpy as np

import library_of_mirrors as lom

CASES = [("relu", 2), ("abs", 3)]


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n))
    return x, np.sin(3 * x) + 0.3 * rng.standard_normal(n)


def _cvxpy(A, y, lam):
    import cvxpy as cp

    z = cp.Variable(A.shape[1])
    xi = cp.Variable()
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y) + lam * cp.norm1(z)))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10,
               max_iter=1000)
    return np.asarray(z.value)


def _sklearn(A, y, lam):
    from sklearn.linear_model import Lasso

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = Lasso(alpha=lam / len(y), tol=1e-10, max_iter=100_000).fit(A, y)
    return m.coef_


def _skglm(A, y, lam):
    from skglm import Lasso

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = Lasso(alpha=lam / len(y), tol=1e-10, max_iter=1000, max_epochs=100_000).fit(A, y)
    return m.coef_


PEERS = {"cvxpy+Clarabel": _cvxpy, "sklearn Lasso": _sklearn, "skglm Lasso": _skglm}
_SHARED: dict = {}


def _child(name, q):
    A, y, lam = _SHARED["A"], _SHARED["y"], _SHARED["lam"]
    t0 = time.perf_counter()
    try:
        z = PEERS[name](A, y, lam)
        q.put((z, time.perf_counter() - t0, None))
    except Exception as exc:  # noqa: BLE001 - report any peer failure in the table
        q.put((None, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"))


def run_peer(name, A, y, lam, timeout):
    """(z, seconds, note) from a child process (fork: the matrix is shared, not pickled)."""
    _SHARED.update(A=A, y=y, lam=lam)
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(name, q))
    p.start()
    try:
        return q.get(timeout=timeout)
    except Exception:  # noqa: BLE001 - queue.Empty on timeout
        return None, timeout, f"timeout after {timeout:.0f} s"
    finally:
        p.kill()
        p.join()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 2000])
    ap.add_argument("--beta", type=float, default=1e-2)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--dense-gib", type=float, default=2.0)
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--peers", nargs="*", default=list(PEERS))
    ap.add_argument("--repeats", type=int, default=1,
                    help="our build and solve are timed this many times (median)")
    args = ap.parse_args(argv)

    # warm up numba (dictionary kernels and products) outside the timed regions
    xw, yw = _data(20)
    for act, L in CASES:
        lom.solve_lasso(lom.build_dictionary(xw, act, L), yw, args.beta)

    head = (f"{'case':<14}{'N':>6}{'features':>10} {'solver':<16}{'objective':>20}"
            f"{'cert. gap':>11}{'time s':>9}{'x ours':>9}{'rel. obj - ours':>17}  note")
    print(head)
    print("-" * len(head))
    for act, L in CASES:
        for n in args.sizes:
            x, y = _data(n)
            builds, solves = [], []
            for _ in range(max(1, args.repeats)):
                t0 = time.perf_counter()
                d = lom.build_dictionary(x, act, L)
                builds.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                res = lom.solve_lasso(d, y, args.beta, tol=args.tol)
                solves.append(time.perf_counter() - t0)
            t_build, t_ours = float(np.median(builds)), float(np.median(solves))
            case = f"{L}-layer {act}"
            rows = [("ours", res.objective, res.gap, t_ours,
                     f"build {t_build:.2f} s, {res.active.shape[0]} active, "
                     f"{res.n_iter} working sets")]
            need = 8 * d.n_samples * d.n_features / 1024**3
            A = d.matrix(max_bytes=int(args.dense_gib * 1024**3)) if need <= args.dense_gib \
                else None
            for name in args.peers:
                if A is None:
                    rows.append((name, np.nan, np.nan, np.nan,
                                 f"skipped: dense matrix needs {need:.1f} GiB"))
                    continue
                z, secs, note = run_peer(name, A, y, args.beta * d.beta_scale, args.timeout)
                if z is None:
                    rows.append((name, np.nan, np.nan, secs, note))
                    continue
                obj, gap = lom.duality_gap(d, y, args.beta, z)
                rows.append((name, obj, gap, secs, note or ""))
            for name, obj, gap, secs, note in rows:
                ratio = secs / t_ours if np.isfinite(secs) else np.nan
                rel = (obj - res.objective) / abs(res.objective) if np.isfinite(obj) else np.nan
                flag = "  PEER LOWER" if np.isfinite(rel) and rel < -1e-12 else ""
                print(f"{case:<14}{n:>6}{d.n_features:>10} {name:<16}{obj:>20.13g}{gap:>11.2e}"
                      f"{secs:>9.3f}{ratio:>9.1f}{rel:>17.2e}  {note}{flag}", flush=True)
            print(flush=True)


if __name__ == "__main__":
    main()
