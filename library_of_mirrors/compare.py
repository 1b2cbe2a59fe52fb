"""Adam against the Lasso: the comparison harness of the network issue.

For one data set and architecture: solve the Lasso (the certified global optimum), train
numpy networks with Adam from several seeds, and report best / median objective (1.1) against
the optimum, and where the trained functions kink relative to the library's breakpoints
(data points, reflections, midpoints; Figures 3.2, 3.5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dictionary import build_dictionary
from .nn.training import train_adam
from .solvers import solve_lasso


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
    for i in idx:
        # pieces through (t[i], v[i]) with slope s[i] and (t[i+1], v[i+1]) with slope s[i+1]
        if i > 0 and i - 1 in idx and ds[i - 1] >= ds[i]:
            continue  # one kink shows in two consecutive slope changes: keep the larger
        if i + 1 in idx and ds[i + 1] > ds[i]:
            continue
        den = s[i] - s[i + 1]
        k = (v[i + 1] - v[i] + s[i] * t[i] - s[i + 1] * t[i + 1]) / den if den else t[i + 1]
        kinks.append(float(np.clip(k, t[i], t[i + 2])))
    return np.array(kinks)


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
                 seeds=range(5), width: int = 40, epochs: int = 4000, lr: float = 5e-3
                 ) -> Comparison:
    """Lasso optimum vs Adam from each seed (same beta, objective (1.1))."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    d = build_dictionary(x, activation, depth, architecture, leaky_slope=leaky_slope)
    res = solve_lasso(d, y, beta, tol=1e-10)
    predicted = np.unique(np.concatenate(
        [d.features[int(j)].breakpoints for j in res.active] or [np.zeros(0)]))
    lo, hi = float(x.min()), float(x.max())
    objs, dists = [], []
    for seed in seeds:
        net = train_adam(x, y, beta, activation, depth, architecture, width, leaky_slope,
                         epochs=epochs, lr=lr, seed=seed)
        objs.append(net.objective(x, y, beta))
        if not d.activation.sign_determined and predicted.size:
            k = function_kinks(net, lo, hi)
            dists.append(np.min(np.abs(k[:, None] - predicted[None]), axis=1) if k.size
                         else np.zeros(0))
    return Comparison(activation, depth, architecture, res.objective, res.gap,
                      np.array(objs), dists, predicted)
