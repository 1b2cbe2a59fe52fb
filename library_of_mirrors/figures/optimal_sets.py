"""Figure E.1: how optimal networks generalize across the whole optimal set (Appendix E).

The experiment (Appendix E, lines 1263-1284): two synthetic 1-D problems with 5 training and
100 test points, ``x ~ N(0, 1)`` and noise ``eps ~ N(0, 0.1^2)`` on training and test targets:

* *planted affine*: ``y = a x + b + eps`` with ``a, b ~ N(0, 1)``;
* *planted 3-layer relu*: ``y = f_3(x) + eps`` where ``f_3 = sum_k c_k f_{j_k}`` depends on five
  random features ``j_1..j_5`` of the 3-layer deep narrow relu library built on the training
  points (``c_k ~ N(0, 1)``), evaluated at the test points through their kink forms.

For each, the 3-layer deep narrow relu Lasso is solved at ``BETA`` (the paper does not give
beta), its optimal set (Proposition E.3: a polytope, every point the same training fit and
norm) is sampled uniformly by hit-and-run (``ctx.count("hit_and_run")`` samples, paper: 5000),
and each sample's network is evaluated on the test points.  The histogram of test MSEs is drawn
with the minimum-Euclidean-norm solution's test MSE (red star) and the minimum, median and
maximum (bars).  A draw whose optimal set is a single point is rejected and the next seed tried
(recorded as ``rejected_seeds``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from ..analysis.optimal_set import OptimalSet
from ..dictionary import build_dictionary
from ..solvers import solve_lasso
from .context import FigureContext

#: beta of (1.1) for Figure E.1 (not given in the paper; at 1e-3 the optimal sets of these
#: 5-point problems are polytopes of positive dimension)
BETA = 1e-3
N_TRAIN, N_TEST, NOISE = 5, 100, 0.1
#: planted features of the 3-layer relu problem
N_PLANTED = 5
PROBLEMS = ("affine", "relu")
TITLES = {"affine": "planted noisy affine model",
          "relu": f"planted noisy 3-layer narrow relu network ({N_PLANTED} library features)"}


@dataclass
class OptimalSetExperiment:
    """One panel of Figure E.1: data, the Lasso solution, its optimal set and the samples."""

    problem: str
    seed: int
    beta: float
    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    planted: dict
    d: object
    res: object
    S: OptimalSet
    dimension: int
    samples: np.ndarray  # (n, |E|) u-coordinates
    test_mse: np.ndarray  # per sample
    objective_dev: np.ndarray  # per sample: |Lasso objective - optimum| / optimum
    u_min_norm: np.ndarray
    test_mse_min_norm: float
    objective_dev_min_norm: float
    rejected_seeds: list = field(default_factory=list)

    def predict(self, U: np.ndarray, x_new: np.ndarray) -> np.ndarray:
        """Predictions (one row per point ``u`` of the optimal set) at ``x_new``."""
        P = self.d.evaluate(x_new)[:, self.S.equicorrelation] * self.S.signs
        return np.atleast_2d(U) @ P.T + self.S.bias(np.atleast_2d(U))[:, None]

    def numbers(self) -> dict:
        q = self.test_mse
        return {
            "seed": self.seed, "rejected_seeds": list(self.rejected_seeds), "beta": self.beta,
            "planted": self.planted, "n_features": int(self.d.n_features),
            "E": int(self.S.equicorrelation.size), "rank": int(np.linalg.matrix_rank(self.S.M)),
            "dimension": self.dimension, "n_samples": int(q.shape[0]),
            "lasso_objective": float(self.res.objective), "gap": float(self.res.gap),
            "l1_norm": float(self.S.norm),
            "train_mse": float(np.mean((self.y - self.S.fit) ** 2)),
            "test_mse_min": float(q.min()), "test_mse_median": float(np.median(q)),
            "test_mse_max": float(q.max()), "test_mse_min_norm": self.test_mse_min_norm,
            "min_norm_percentile": float(100.0 * np.mean(q <= self.test_mse_min_norm)),
            "min_norm_l2": float(np.linalg.norm(self.u_min_norm)),
            "min_norm_bias": float(self.S.bias(self.u_min_norm)),
            "bias_interval": list(self.S.bias_interval()),
            "max_rel_objective_deviation": float(self.objective_dev.max()),
            "min_norm_rel_objective_deviation": self.objective_dev_min_norm,
        }


def _draw(problem: str, seed: int) -> tuple[np.ndarray, ...]:
    """Training and test data of ``problem`` from ``seed`` (and the planted model)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N_TRAIN)
    x_test = rng.normal(size=N_TEST)
    eps, eps_test = NOISE * rng.normal(size=N_TRAIN), NOISE * rng.normal(size=N_TEST)
    if problem == "affine":
        a, b = rng.normal(size=2)
        return x, a * x + b + eps, x_test, a * x_test + b + eps_test, \
            {"a": float(a), "b": float(b)}
    if problem != "relu":
        raise ValueError(f"problem must be one of {PROBLEMS}, got {problem!r}")
    d = build_dictionary(x, "relu", 3)
    J = np.sort(rng.choice(d.n_features, size=N_PLANTED, replace=False))
    c = rng.normal(size=N_PLANTED)
    f, f_test = d.matrix()[:, J] @ c, d.evaluate(x_test)[:, J] @ c
    return x, f + eps, x_test, f_test + eps_test, {
        "features": [int(j) for j in J], "coefficients": c.tolist(),
        "breakpoints": [np.asarray(d.features[j].breakpoints).tolist() for j in J]}


def optimal_set_experiment(problem: str, seed: int, n_samples: int, beta: float = BETA, *,
                           thin: int = 10, burn: int = 200,
                           max_redraws: int = 50) -> OptimalSetExperiment:
    """Figure E.1's experiment for ``problem`` ("affine" or "relu"): data from ``seed`` (or
    the next seeds while the optimal set is a single point), the 3-layer deep narrow relu Lasso
    at ``beta``, ``n_samples`` hit-and-run samples of its optimal set (Proposition E.3) and the
    minimum-Euclidean-norm optimal solution, with their test MSEs and their Lasso objectives'
    relative deviation from the optimum."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    rejected = []
    for s in range(int(seed), int(seed) + max_redraws):
        x, y, x_test, y_test, planted = _draw(problem, s)
        d = build_dictionary(x, "relu", 3)
        res = solve_lasso(d, y, beta, tol=1e-12)
        S = OptimalSet.from_result(d, y, res)
        dim = S.dimension()
        if dim > 0:
            U = S.sample(n_samples, np.random.default_rng([s, 1]), thin=thin, burn=burn)
            break
        rejected.append(s)
    else:
        raise RuntimeError(f"no positive-dimensional optimal set in {max_redraws} draws from "
                           f"seed {seed} at beta={beta}")
    u_mn = S.min_norm()
    opt = float(res.objective)
    dev = np.abs(S.objective(np.vstack([U, u_mn])) - opt) / abs(opt)
    ex = OptimalSetExperiment(problem, s, float(beta), x, y, x_test, y_test, planted, d, res,
                              S, dim, U, np.empty(0), dev[:-1], u_mn, float("nan"),
                              float(dev[-1]), rejected)
    ex.test_mse = np.mean((ex.predict(U, x_test) - y_test[None, :]) ** 2, axis=1)
    ex.test_mse_min_norm = float(np.mean((ex.predict(u_mn, x_test)[0] - y_test) ** 2))
    return ex


def _experiment_task(job: tuple[str, int], *, n_samples: int) -> OptimalSetExperiment:
    """One problem of Figure E.1 (one task): ``job = (problem, seed)``."""
    return optimal_set_experiment(*job, n_samples)


def _panel(ax, ex: OptimalSetExperiment, title: str) -> None:
    q = ex.test_mse
    nums = ex.numbers()
    lo, hi = float(q.min()), float(q.max())
    span = hi - lo if hi > lo else max(abs(hi), 1e-12)
    ax.hist(q, bins=50, color="#1f77b4", alpha=0.8, edgecolor="white", linewidth=0.3)
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * 1.6)
    for v, lab, ha, h in ((lo, "min", "left", 1.05), (float(np.median(q)), "median", "center",
                                                         1.2), (hi, "max", "right", 1.05)):
        ax.plot([v, v], [0, top * h], color="black", lw=1.4)
        ax.text(v, top * (h + 0.02), f"{lab} {v:.3g}", ha=ha, va="bottom", fontsize=8)
    ax.plot([ex.test_mse_min_norm], [0], marker="*", ms=18, color="red", clip_on=False,
            markeredgecolor="darkred", ls="none", zorder=5,
            label=f"minimum-norm solution: {ex.test_mse_min_norm:.3g} "
                  f"(percentile {nums['min_norm_percentile']:.0f} of the samples)")
    ax.set_xlim(lo - 0.06 * span, hi + 0.06 * span)
    ax.set_title(f"{title}\nbeta = {ex.beta:g}, {ex.d.n_features} features, |E| = {nums['E']}, "
                 f"optimal set of dimension {ex.dimension}", fontsize=9.5)
    ax.set_xlabel("test MSE (100 test points)")
    ax.set_ylabel(f"optimal networks (of {q.shape[0]} samples)")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.95,
              title=f"every sample: training MSE {nums['train_mse']:.3g}, "
                    f"||z||_1 = {ex.S.norm:.3g}", title_fontsize=8)


def figure_e_1(ctx: FigureContext) -> dict:
    """Figure E.1: distribution of the test MSE over the optimal set of the 3-layer deep narrow
    relu Lasso (Proposition E.3, hit-and-run samples), planted affine (left) and planted 3-layer
    relu (right) problems."""
    n = ctx.count("hit_and_run")
    jobs = [(p, ctx.seeds(f"E.1 {p}", 1)[0]) for p in PROBLEMS]
    exps = dict(zip(PROBLEMS, ctx.map(_experiment_task, jobs, "Figure E.1 optimal sets",
                                      shared={"n_samples": n})))
    fig = Figure(figsize=(13, 5.2))
    axes = fig.subplots(1, 2)
    for ax, p in zip(axes, PROBLEMS):
        _panel(ax, exps[p], TITLES[p])
    fig.suptitle(f"Figure E.1: test MSE of {n} optimal 3-layer narrow relu networks sampled "
                 "uniformly from the Lasso optimal set (hit-and-run)", fontsize=10.5)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    dev = max(e.objective_dev.max() for e in exps.values())
    note = (f"{N_TRAIN} training and {N_TEST} test points, x ~ N(0, 1), noise N(0, {NOISE}^2); "
            "bars: min, median, max of the samples; red star: minimum-Euclidean-norm optimal "
            f"solution; largest relative deviation of a sample's Lasso objective from the "
            f"optimum: {dev:.1e}")
    ctx.save(fig, note=note)
    return {"beta": BETA, "n_samples": n, "n_train": N_TRAIN, "n_test": N_TEST, "noise": NOISE}\
        | {p: exps[p].numbers() for p in PROBLEMS}


__all__ = ["BETA", "OptimalSetExperiment", "figure_e_1", "optimal_set_experiment"]
