"""``solve_min_norm``: minimum l1-norm interpolation (C.1), the beta -> 0 limit of (1.2)."""

from __future__ import annotations

import time

import numpy as np

from .linear_programs import LPInfeasible, solve_lp
from .problem import Problem
from .result import ConvergenceWarning, LassoResult


def _interpolation_targets(prob: Problem, rtol: float) -> np.ndarray:
    """The one target of every distinct point; duplicates must agree."""
    d = prob.d
    y = prob.y
    lo = np.full(d.x_unique.shape[0], np.inf)
    hi = np.full(d.x_unique.shape[0], -np.inf)
    np.minimum.at(lo, d.inverse, y)
    np.maximum.at(hi, d.inverse, y)
    spread = hi - lo
    bad = np.flatnonzero(spread > rtol * max(1.0, float(np.abs(y).max())))
    if bad.shape[0]:
        i = int(bad[np.argmax(spread[bad])])
        xi = np.asarray(d.x_unique[i])
        at = f"{float(xi):.6g}" if xi.ndim == 0 else ", ".join(f"{v:.6g}" for v in xi)
        raise ValueError(
            f"the data cannot be interpolated: x = {at} appears with different "
            f"targets (from {lo[i]:.6g} to {hi[i]:.6g}); {bad.shape[0]} input value(s) have "
            "conflicting duplicates. Use solve_lasso with beta > 0 instead"
        )
    return 0.5 * (lo + hi)


def solve_min_norm(d, y, *, bias: bool = True, max_iter: int = 100,
                   verbose: bool = False) -> LassoResult:
    """Minimum-norm interpolation (C.1): ``min ||z||_1  s.t.  A z + xi 1 = y``.

    A linear program on HiGHS (column generation over the matrix-free pricing oracle, so large
    dictionaries never become dense).  ``res.objective == ||z||_1``; ``res.gap`` certifies it
    from the dual ``max y^T theta  s.t.  |A^T theta| <= 1, 1^T theta = 0``.  ``bias=False``
    fixes xi = 0.  Raises ``ValueError`` when duplicate inputs carry different targets or the
    dictionary cannot interpolate the data.
    """
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    prob = Problem.make(d, y, None, bias)
    yu = _interpolation_targets(prob, 1e-12)
    t0 = time.perf_counter()
    rows = np.arange(d.x_unique.shape[0])
    try:
        z, xi, obj, gap, it, conv, theta, slack = solve_lp(
            d, yu, rows, 1.0, None, None, prob.bias, yu - yu.mean(), max_iter, verbose)
    except LPInfeasible:
        slack = np.inf
    if slack > 1e-9 * max(1.0, float(np.abs(yu).max())):
        raise ValueError(
            f"the data cannot be interpolated by this dictionary ({d.depth}-layer "
            f"{d.activation.name}, "
            f"{d.n_features} features{', sampled' if d.sampled else ''}"
            f"{'' if prob.bias else ', no external bias'}); use solve_lasso with beta > 0")
    theta_s = theta[d.inverse] * prob.w / np.bincount(d.inverse, weights=prob.w)[d.inverse]
    res = LassoResult(z, xi, obj, gap, it, conv, "interpolation", None, None, 0.0,
                      "HiGHS (column generation)", theta_s)
    res.time = time.perf_counter() - t0
    if not conv:
        import warnings  # noqa: PLC0415

        warnings.warn(f"solve_min_norm stopped after {it} column-generation rounds with dual "
                      f"constraints still violated (gap {gap:.3e}); raise max_iter",
                      ConvergenceWarning, stacklevel=2)
    return res
