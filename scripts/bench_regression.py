"""1-D regression: the exactly trained network with cross-validated beta against its peers,
same data, same run.

    python scripts/bench_regression.py [--functions doppler heavisine ...] [--n 500 2000]
                                       [--noise 0.1 0.5] [--reps 5] [--methods ...]
                                       [--convex-params JSON] [--quick] [--json PATH]

Test functions on [0, 1] (Donoho-Johnstone and classics):

* spatially inhomogeneous: ``doppler`` sqrt(x(1-x)) sin(2.1 pi / (x + 0.05)); ``heavisine``
  4 sin(4 pi x) - sgn(x - 0.3) - sgn(0.72 - x); ``blocks`` (11 jumps); ``bumps`` (11 peaks of
  widths 0.005-0.03); ``ramp`` 0 up to x = 0.35, linear to 1 at x = 0.65, then flat (two kinks);
* smooth: ``sine`` sin(2 pi x); ``gauss`` exp(-(x - 0.5)^2 / (2 * 0.15^2)).

Data: n inputs uniform on [0, 1], y = f(x) + sigma eps with sigma = ``noise`` * sd(f) (sd over
the test grid), one seed per (function, n, noise, repetition).  Test MSE: against the true f on
2001 equispaced points of [0, 1]; fit time: of the whole fit, tuning included.

Methods (``--methods``):

* ``convex``: ``ConvexNetRegressor(beta="auto")``: 2-layer relu network trained to its global
  optimum, beta by 5-fold cross-validation on standardized data (the estimator's defaults);
  ``convex3``: the same with depth=3; ``convex_abs``: 2-layer abs.
* ``spline``: ``scipy.interpolate.make_smoothing_spline`` with lam by GCV (its default: a
  bounded scalar search for lam on a linear scale in (0, n), which on [0, 1] data can stop at
  a lam so small that the spline nearly interpolates: test MSE above the noise variance);
  ``spline_gcv``: the same spline with lam minimizing the GCV criterion over a log grid
  1e-12 .. 1e2 (half decades; the hat matrix's trace from the spline of the identity's
  columns).
* ``mlp``: scikit-learn ``MLPRegressor(hidden_layer_sizes=(100, 100))``, relu, Adam (its
  default step 1e-3 and batches of 200), L2 alpha=1e-4, no early stopping, trained until the
  loss improves by less than 1e-6 over 20 epochs (max_iter=5000), on standardized x and y,
  seeded; ``mlp_cv``: the same with alpha chosen by 5-fold cross-validation over 1e-5 .. 1
  (6 values; 31 fits per data set).

Tables: per (function, n, noise), each method's mean test MSE +- standard error over the
repetitions, the mean fit time (wall clock and process CPU time: the CPU time is steadier on a
busy machine; BLAS runs on one thread), and the ratio MSE / best peer MSE (peers: spline,
spline_gcv, mlp, mlp_cv, those that ran).
Summary: which method has the lowest mean MSE on each inhomogeneous case, and whether
``convex`` is within 10% of the best peer on the smooth ones; then the same among the three
methods the benchmark's target names alone (``convex``, ``spline``, ``mlp``).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from run_info import versions
from threadpoolctl import threadpool_limits

GRID = np.linspace(0.0, 1.0, 2001)

# ------------------------------------------------------------------------------------------
# test functions
# ------------------------------------------------------------------------------------------
_T = np.array([0.1, 0.13, 0.15, 0.23, 0.25, 0.40, 0.44, 0.65, 0.76, 0.78, 0.81])
_H_BLOCKS = np.array([4, -5, 3, -4, 5, -4.2, 2.1, 4.3, -3.1, 2.1, -4.2])
_H_BUMPS = np.array([4, 5, 3, 4, 5, 4.2, 2.1, 4.3, 3.1, 5.1, 4.2])
_W_BUMPS = np.array([0.005, 0.005, 0.006, 0.01, 0.01, 0.03, 0.01, 0.01, 0.005, 0.008, 0.005])


def doppler(x):
    return np.sqrt(x * (1 - x)) * np.sin(2.1 * np.pi / (x + 0.05))


def heavisine(x):
    return 4 * np.sin(4 * np.pi * x) - np.sign(x - 0.3) - np.sign(0.72 - x)


def blocks(x):
    return ((1 + np.sign(x[:, None] - _T[None])) / 2 * _H_BLOCKS).sum(axis=1)


def bumps(x):
    return (_H_BUMPS / (1 + np.abs((x[:, None] - _T[None]) / _W_BUMPS)) ** 4).sum(axis=1)


def ramp(x):
    return np.clip((x - 0.35) / 0.3, 0.0, 1.0)


def sine(x):
    return np.sin(2 * np.pi * x)


def gauss(x):
    return np.exp(-((x - 0.5) ** 2) / (2 * 0.15**2))


#: name -> (function, kind)
FUNCTIONS = {
    "doppler": (doppler, "inhomogeneous"),
    "heavisine": (heavisine, "inhomogeneous"),
    "blocks": (blocks, "inhomogeneous"),
    "bumps": (bumps, "inhomogeneous"),
    "ramp": (ramp, "inhomogeneous"),
    "sine": (sine, "smooth"),
    "gauss": (gauss, "smooth"),
}


def make_data(name: str, n: int, noise: float, seed):
    """x uniform on [0, 1] (sorted), y = f(x) + noise * sd(f) * eps; f on the test grid."""
    f = FUNCTIONS[name][0]
    truth = f(GRID)
    sigma = noise * float(truth.std())
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    return x, f(x) + sigma * rng.standard_normal(n), truth


# ------------------------------------------------------------------------------------------
# methods: fit(x, y, seed) -> predict(grid) closure
# ------------------------------------------------------------------------------------------
#: extra options of every ConvexNetRegressor (``--convex-params``)
CONVEX_PARAMS: dict = {}


def _convex(activation: str, depth: int):
    def fit(x, y, seed):
        from library_of_mirrors import ConvexNetRegressor

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = ConvexNetRegressor(activation=activation, depth=depth, beta="auto",
                                       random_state=seed, **CONVEX_PARAMS).fit(x, y)
        edge = any("smallest beta of the grid" in str(w.message) for w in caught)
        return model.predict, {"beta": float(model.beta_), "neurons": int(model.n_neurons_),
                               "grid_edge": edge}

    return fit


def _spline(x, y, seed):
    from scipy.interpolate import make_smoothing_spline

    return make_smoothing_spline(x, y), {}


#: lam grid of ``spline_gcv`` (half decades; x on [0, 1])
LAMS = np.geomspace(1e-12, 1e2, 29)


def _spline_gcv(x, y, seed):
    """The cubic smoothing spline with lam minimizing GCV(lam) = n RSS / (n - tr H)^2 over the
    log grid ``LAMS``, the hat matrix H from the spline of the identity's columns."""
    from scipy.interpolate import make_smoothing_spline

    n = x.shape[0]
    eye = np.eye(n)
    scores = []
    for lam in LAMS:
        try:
            hat = make_smoothing_spline(x, eye, lam=lam)(x)
        except (ValueError, np.linalg.LinAlgError):  # lam too small for close inputs
            scores.append(np.inf)
            continue
        r = y - hat @ y
        scores.append(n * (r @ r) / (n - np.trace(hat)) ** 2)
    lam = float(LAMS[int(np.argmin(scores))])
    return make_smoothing_spline(x, y, lam=lam), {"lam": lam}


def _mlp_model(seed, alpha=1e-4):
    from sklearn.neural_network import MLPRegressor

    return MLPRegressor(hidden_layer_sizes=(100, 100), alpha=alpha, max_iter=5000, tol=1e-6,
                        n_iter_no_change=20, early_stopping=False, random_state=seed)


def _standardized(x, y, fit):
    """Fit ``fit(u, v)`` on standardized x and y; the predictor in the data's units."""
    xc, xs, yc, ys = x.mean(), x.std(), y.mean(), y.std()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, info = fit(((x - xc) / xs).reshape(-1, 1), (y - yc) / ys)

    def predict(t):
        return model.predict(((t - xc) / xs).reshape(-1, 1)) * ys + yc

    return predict, info


def _mlp(x, y, seed):
    def fit(u, v):
        model = _mlp_model(seed).fit(u, v)
        return model, {"epochs": int(model.n_iter_)}

    return _standardized(x, y, fit)


def _mlp_cv(x, y, seed):
    """The MLP with its L2 penalty alpha chosen by 5-fold cross-validation (shuffled folds)
    over 1e-5 .. 1 (6 values), then refitted on all data."""
    from sklearn.model_selection import GridSearchCV, KFold

    def fit(u, v):
        search = GridSearchCV(_mlp_model(seed), {"alpha": np.geomspace(1e-5, 1.0, 6)},
                              cv=KFold(5, shuffle=True, random_state=seed),
                              scoring="neg_mean_squared_error").fit(u, v)
        model = search.best_estimator_
        return model, {"epochs": int(model.n_iter_),
                       "alpha": float(search.best_params_["alpha"])}

    return _standardized(x, y, fit)


METHODS = {
    "convex": _convex("relu", 2),
    "convex3": _convex("relu", 3),
    "convex_abs": _convex("abs", 2),
    "spline": _spline,
    "spline_gcv": _spline_gcv,
    "mlp": _mlp,
    "mlp_cv": _mlp_cv,
}
PEERS = ("spline", "spline_gcv", "mlp", "mlp_cv")


# ------------------------------------------------------------------------------------------
# runs and tables
# ------------------------------------------------------------------------------------------
def run_case(name, n, noise, reps, methods) -> dict:
    """Every method on ``reps`` seeded data sets of one (function, n, noise).  A fit that
    raises is counted in ``failures`` (with its message) and left out of the mean; a method
    that failed on every data set has no MSE and no ratio."""
    out = {"function": name, "kind": FUNCTIONS[name][1], "n": n, "noise": noise,
           "methods": {}}
    fn_index = list(FUNCTIONS).index(name)
    data = [make_data(name, n, noise, seed=[fn_index, n, round(noise * 1000), rep])
            for rep in range(reps)]
    for method in methods:
        mses, times, cpus, info, failures = [], [], [], [], []
        for rep, (x, y, truth) in enumerate(data):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                predict, extra = METHODS[method](x, y, rep)
            except Exception as e:  # noqa: BLE001 - reported with the results
                failures.append(f"{type(e).__name__}: {e}")
                continue
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            mses.append(float(np.mean((predict(GRID) - truth) ** 2)))
            info.append(extra)
        ok = len(mses)
        out["methods"][method] = {
            "mse": float(np.mean(mses)) if ok else float("nan"),
            "se": float(np.std(mses, ddof=1) / np.sqrt(ok)) if ok > 1 else 0.0,
            "mses": mses,
            "seconds": float(np.mean(times)) if ok else float("nan"),
            "cpu_seconds": float(np.mean(cpus)) if ok else float("nan"),
            "info": info,
            "failures": failures,
        }
    scored = [m for m, r in out["methods"].items() if np.isfinite(r["mse"])]
    peers = [m for m in PEERS if m in scored]
    if peers:
        best = min(peers, key=lambda m: out["methods"][m]["mse"])
        out["best_peer"] = best
        for m in scored:
            r = out["methods"][m]
            r["ratio"] = r["mse"] / out["methods"][best]["mse"]
    out["lowest"] = min(scored, key=lambda m: out["methods"][m]["mse"]) if scored else None
    return out


def print_case(case: dict, reps: int) -> None:
    print(f"\n{case['function']} ({case['kind']}), n={case['n']}, sigma={case['noise']} sd(f), "
          f"{reps} reps")
    print(f"  {'method':<11}{'MSE':>11}{'+- se':>10}{'/best peer':>11}{'fit s':>8}{'cpu s':>8}"
          f"  notes")
    for m, r in case["methods"].items():
        notes = ""
        info = r["info"]
        if info and "beta" in info[0]:
            notes = (f"beta ~{np.median([i['beta'] for i in info]):.2g}, "
                     f"{np.median([i['neurons'] for i in info]):.0f} neurons")
            edges = sum(i["grid_edge"] for i in info)
            notes += f", {edges} at the grid's end" if edges else ""
        elif info and "epochs" in info[0]:
            notes = f"{np.median([i['epochs'] for i in info]):.0f} epochs"
            if "alpha" in info[0]:
                notes += f", alpha ~{np.median([i['alpha'] for i in info]):.2g}"
        elif info and "lam" in info[0]:
            notes = f"lam ~{np.median([i['lam'] for i in info]):.2g}"
        ratio = f"{r['ratio']:>11.3f}" if "ratio" in r else f"{'':>11}"
        if r["failures"]:
            notes += f"{', ' if notes else ''}{len(r['failures'])} failed ({r['failures'][0]})"
        print(f"  {m:<11}{r['mse']:>11.3e}{r['se']:>10.1e}{ratio}{r['seconds']:>8.2f}"
              f"{r['cpu_seconds']:>8.2f}  {notes}", flush=True)


def summarize(cases: list[dict], methods) -> dict:
    """Lowest method per inhomogeneous case; convex within 10% of the best peer on smooth."""
    summary = {"inhomogeneous": [], "smooth": [], "wins": {}}
    for c in cases:
        row = {"function": c["function"], "n": c["n"], "noise": c["noise"],
               "lowest": c["lowest"], "best_peer": c.get("best_peer")}
        if "convex" in c["methods"] and "ratio" in c["methods"]["convex"]:
            row["convex_ratio"] = c["methods"]["convex"]["ratio"]
            row["convex_within_10pct"] = bool(row["convex_ratio"] <= 1.10)
        summary[c["kind"]].append(row)
    for kind in ("inhomogeneous", "smooth"):
        summary["wins"][kind] = {m: sum(r["lowest"] == m for r in summary[kind])
                                 for m in methods}
    for m in methods:
        for kind in ("inhomogeneous", "smooth"):
            ratios = [c["methods"][m].get("ratio") for c in cases if c["kind"] == kind]
            ratios = [r for r in ratios if r is not None]
            if ratios:
                summary.setdefault("geomean_ratio", {}).setdefault(m, {})[kind] = float(
                    np.exp(np.mean(np.log(ratios))))
    summary["three"] = three_way(cases)
    return summary


#: the three methods the target of this benchmark names: the network, scipy's smoothing spline
#: with its own GCV, scikit-learn's MLP
THREE = ("convex", "spline", "mlp")


def three_way(cases: list[dict]) -> dict:
    """The comparison among :data:`THREE` alone: per kind, the geometric mean of each one's
    MSE over the case's lowest of the three; on the smooth cases, convex's MSE over the
    better of the other two."""
    out: dict = {}
    for kind in ("inhomogeneous", "smooth"):
        sets = [{m: c["methods"][m]["mse"] for m in THREE} for c in cases
                if c["kind"] == kind and all(m in c["methods"] and
                                             np.isfinite(c["methods"][m]["mse"]) for m in THREE)]
        if not sets:
            continue
        out[kind] = {"cases": len(sets), "geomean": {
            m: float(np.exp(np.mean([np.log(s[m] / min(s.values())) for s in sets])))
            for m in THREE}}
        if kind == "smooth":
            out[kind]["convex_over_other"] = [s["convex"] / min(s["spline"], s["mlp"])
                                              for s in sets]
    return out


def print_summary(summary: dict, methods) -> None:
    print("\nSummary (ratio: MSE / best peer's MSE)")
    print(f"  {'function':<11}{'n':>6}{'sigma':>7}  {'lowest':<11}{'best peer':<10}"
          f"{'convex/best':>12}")
    for kind in ("inhomogeneous", "smooth"):
        for r in summary[kind]:
            ratio = f"{r['convex_ratio']:>12.3f}" if "convex_ratio" in r else ""
            print(f"  {r['function']:<11}{r['n']:>6}{r['noise']:>7}  {str(r['lowest']):<11}"
                  f"{str(r['best_peer']):<10}{ratio}")
    for kind in ("inhomogeneous", "smooth"):
        wins = ", ".join(f"{m} {k}" for m, k in summary["wins"][kind].items())
        print(f"  lowest MSE on the {kind} cases: {wins}")
    geo = summary.get("geomean_ratio", {})
    if geo:
        print("  geometric mean of MSE / best peer:  "
              + "; ".join(f"{m}: " + ", ".join(f"{k} {v:.3f}" for k, v in g.items())
                          for m, g in geo.items()))
    smooth = [r for r in summary["smooth"] if "convex_within_10pct" in r]
    if smooth:
        ok = sum(r["convex_within_10pct"] for r in smooth)
        print(f"  convex within 10% of the best peer on the smooth cases: {ok} of {len(smooth)}"
              f" (worst ratio {max(r['convex_ratio'] for r in smooth):.3f})")
    inh = [r for r in summary["inhomogeneous"] if "convex_ratio" in r]
    if inh:
        ok = sum(r["convex_ratio"] < 1.0 for r in inh)
        print(f"  convex below the best peer on the inhomogeneous cases: {ok} of {len(inh)}")
    three = summary.get("three", {})
    for kind, t in three.items():
        geo = ", ".join(f"{m} {v:.3f}" for m, v in t["geomean"].items())
        print(f"  {', '.join(THREE)} alone, {kind} ({t['cases']} cases): geometric mean of MSE"
              f" / the lowest of the three: {geo}")
        if "convex_over_other" in t:
            r = t["convex_over_other"]
            print(f"    convex within 10% of the better of spline and mlp: "
                  f"{sum(v <= 1.10 for v in r)} of {len(r)} (worst ratio {max(r):.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--functions", nargs="+", choices=list(FUNCTIONS),
                    default=["doppler", "heavisine", "blocks", "ramp", "sine", "gauss"])
    ap.add_argument("--n", nargs="+", type=int, default=[500])
    ap.add_argument("--noise", nargs="+", type=float, default=[0.1, 0.5],
                    help="noise sd as a fraction of sd(f)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--methods", nargs="+", choices=list(METHODS),
                    default=["convex", "convex_abs", "spline", "spline_gcv", "mlp"])
    ap.add_argument("--convex-params", metavar="JSON", default="{}",
                    help='more options of ConvexNetRegressor, e.g. \'{"eps": 1e-6}\'')
    ap.add_argument("--quick", action="store_true",
                    help="n=200, sigma=0.1 sd(f), 2 repetitions, doppler, ramp and sine")
    ap.add_argument("--json", metavar="PATH", help="write every number as JSON")
    args = ap.parse_args()
    if args.quick:
        args.n, args.reps, args.noise = [200], 2, [0.1]
        args.functions = [f for f in args.functions if f in ("doppler", "ramp", "sine")] or \
            ["doppler", "ramp", "sine"]
    CONVEX_PARAMS.update(json.loads(args.convex_params))
    version = versions()
    print(f"library_of_mirrors {version['library_of_mirrors']} at {version['commit']}")
    t0 = time.perf_counter()
    cases = []
    with threadpool_limits(1):
        for name in args.functions:
            for n in args.n:
                for noise in args.noise:
                    cases.append(run_case(name, n, noise, args.reps, args.methods))
                    print_case(cases[-1], args.reps)
    summary = summarize(cases, args.methods)
    print_summary(summary, args.methods)
    total = time.perf_counter() - t0
    print(f"\ntotal {total:.0f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"settings": vars(args), "versions": version, "cases": cases,
                       "summary": summary, "seconds": total}, fh, indent=1)


if __name__ == "__main__":
    main()
