"""Adam against the Lasso: the harness behind ``scripts/compare_adam.py``.

For one data set and architecture: solve the Lasso (the certified global optimum), train
numpy networks with Adam from several seeds, and report best / median objective (1.1) against
the optimum, and where the trained functions kink relative to the library's breakpoints
(data points, reflections, midpoints; Figures 3.2, 3.5)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .dictionary import build_dictionary
from .nn.training import train_adam
from .reconstruct import reconstruct
from .solvers import solve_lasso
from .validation import real_array


def function_kinks(f, lo: float, hi: float, n_grid: int = 20001, rtol: float = 0.05
                   ) -> np.ndarray:
    """Significant breakpoints of a continuous piecewise-linear function on [lo, hi], from its
    slopes on a fine grid: a slope change above ``rtol`` times the largest slope change marks a
    kink (Adam leaves many tiny ones), located by intersecting the neighbouring pieces."""
    t = np.linspace(lo, hi, n_grid)
    v = f(t)
    s = np.diff(v) / np.diff(t)
    ds = np.abs(np.diff(s))
    thr = rtol * float(ds.max()) if ds.size and ds.max() > 0 else np.inf
    idx = np.flatnonzero(ds > thr)
    kinks = []
    # a kink inside grid cell i+1 changes two consecutive slopes: runs of indices are one kink,
    # found by intersecting the clean pieces on either side of the run
    for run in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if idx.size else []:
        a, b = int(run[0]), int(run[-1]) + 1
        den = s[a] - s[b]
        k = (v[b] - v[a] + s[a] * t[a] - s[b] * t[b]) / den if den else t[a + 1]
        kinks.append(float(np.clip(k, t[a], t[b + 1])))
    return np.array(kinks)


def nearest_kink_distances(f, points, lo: float, hi: float, rtol: float = 0.05) -> np.ndarray:
    """For each point, the distance to the nearest significant kink of ``f`` on [lo, hi]
    (``inf`` if ``f`` has none): did a trained network learn a predicted reflection?"""
    points = np.asarray(points, dtype=float).ravel()
    k = function_kinks(f, lo, hi, rtol=rtol)
    if not k.size:
        return np.full(points.shape, np.inf)
    return np.min(np.abs(points[:, None] - k[None]), axis=1)


@dataclass
class Comparison:
    activation: str
    depth: int
    architecture: str
    lasso_objective: float
    lasso_gap: float
    adam_objectives: np.ndarray
    kink_distances: list[np.ndarray]  # per seed: distance of each kink to the nearest predicted
    predicted_breakpoints: np.ndarray
    histories: list = field(default_factory=list)  # per seed: (epoch, objective) pairs

    @property
    def best(self) -> float:
        return float(self.adam_objectives.min())

    @property
    def median(self) -> float:
        return float(np.median(self.adam_objectives))

    def row(self) -> str:
        rel_b = self.best / self.lasso_objective - 1
        rel_m = self.median / self.lasso_objective - 1
        dist = np.concatenate(self.kink_distances) if self.kink_distances else np.zeros(0)
        med = float(np.median(dist)) if dist.size else float("nan")
        name = f"{self.depth}-layer {self.activation} {self.architecture}"
        return (f"{name:<36}"
                f"{self.lasso_objective:>12.6g}{self.best:>12.6g}{rel_b:>+10.2%}"
                f"{self.median:>12.6g}{rel_m:>+10.2%}{med:>12.2e}")


def compare_adam(x, y, beta: float, activation: str = "relu", depth: int = 2,
                 architecture: str = "deep_narrow", leaky_slope: float | None = None,
                 seeds=range(5), width: int = 40, epochs: int = 4000, lr: float = 5e-3,
                 init: str = "random", lr_schedule: str = "constant",
                 implicit: bool = False) -> Comparison:
    """Lasso optimum vs Adam from each seed (same beta, objective (1.1)).

    ``init="lasso"`` starts Adam from the reconstructed optimal network padded with random
    units (Appendix D); ``"random"`` from :func:`~library_of_mirrors.nn.training.init_network`.
    ``implicit=True`` solves over the implicit library (for depth >= 4 abs and negative-slope
    leaky relu: the exact pricer over every unit, so the optimum is (1.1)'s, erratum E12).
    """
    if init not in ("random", "lasso"):
        raise ValueError(f"init must be 'random' or 'lasso', got {init!r}")
    x = real_array(x, "x").ravel()
    y = real_array(y, "y").ravel()
    d = build_dictionary(x, activation, depth, architecture, leaky_slope=leaky_slope,
                         implicit=implicit)
    res = solve_lasso(d, y, beta, tol=1e-10)
    cols = d if res.dictionary is None else res.dictionary
    predicted = np.unique(np.concatenate(
        [cols.features[int(j)].breakpoints for j in res.active] or [np.zeros(0)]))
    lo, hi = float(x.min()), float(x.max())
    start = reconstruct(d, res) if init == "lasso" else None
    objs, dists, hists = [], [], []
    for seed in seeds:
        net = train_adam(x, y, beta, activation, depth, architecture, width, leaky_slope,
                         epochs=epochs, lr=lr, seed=seed, init=start, lr_schedule=lr_schedule)
        objs.append(net.objective(x, y, beta))
        hists.append(np.array(net.history))
        if not d.activation.sign_determined and predicted.size:
            k = function_kinks(net, lo, hi)
            dists.append(np.min(np.abs(k[:, None] - predicted[None]), axis=1) if k.size
                         else np.zeros(0))
    return Comparison(activation, depth, architecture, res.objective, res.gap,
                      np.array(objs), dists, predicted, hists)
