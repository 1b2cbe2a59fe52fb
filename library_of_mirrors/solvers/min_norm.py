"""``solve_min_norm``: minimum l1-norm interpolation (C.1), the beta -> 0 limit of (1.2)."""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..validation import POSITIVE_INT
from . import engine
from .datafits import Interpolation
from .lasso import prepare
from .linear_programs import LPInfeasible
from .result import ConvergenceWarning, LassoResult, certify_scope
from .threads import one_blas_thread


def _check_duplicates(d, y, rtol: float) -> None:
    """Duplicates of an input must carry one target."""
    n = d.x_unique.shape[0]
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
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
            "conflicting duplicates. Use solve_lasso with beta > 0 instead")


def solve_min_norm(d, y, *, bias: bool = True, max_iter: int = 100,
                   verbose: bool = False) -> LassoResult:
    """Minimum-norm interpolation (C.1): ``min ||z||_1  s.t.  A z + xi 1 = y``.

    The working-set engine with the :class:`~.datafits.Interpolation` datafit and beta~ = 1:
    linear programs on HiGHS over working sets that only grow, priced over the whole library
    (matrix-free), so large libraries never become dense.  ``res.objective == ||z||_1``;
    ``res.gap`` certifies it from the dual ``max y^T theta  s.t.  |A^T theta| <= 1,
    1^T theta = 0``.  ``bias=False`` fixes xi = 0.  Raises ``ValueError`` when duplicate inputs
    carry different targets or the library cannot interpolate the data.
    """
    max_iter = POSITIVE_INT.check(max_iter, "max_iter")
    datafit = Interpolation()
    y, w, rows = prepare(d, y, datafit, None, bias)
    _check_duplicates(d, y, 1e-12)
    t0 = time.perf_counter()
    pool = d.pool()
    try:
        with one_blas_thread():  # numba owns the threads (solvers/threads.py)
            sol = engine.solve(pool, datafit, rows, 1.0, bias=bias, tol=1e-12,
                               max_iter=max_iter, verbose=verbose)
        slack = sol.slack
    except LPInfeasible:
        sol, slack = None, np.inf
    if sol is None or slack > 1e-9 * max(1.0, float(np.abs(rows.y).max())):
        raise ValueError(
            f"the data cannot be interpolated by this dictionary ({d.depth}-layer "
            f"{d.activation.name}, {d.n_features} features"
            f"{', sampled' if getattr(d, 'sampled', False) else ''}"
            f"{'' if bias else ', no external bias'}); use solve_lasso with beta > 0")
    # the gap of the elastic form is the gap of (C.1) once the data are interpolated
    res = LassoResult(sol.z, rows.shift + sol.xi, float(np.abs(sol.z).sum()), sol.gap,
                      sol.n_iter, sol.converged, "interpolation", None, None, 0.0,
                      "working sets (HiGHS)",
                      datafit.to_samples(rows, sol.theta, y, w, d.inverse))
    columns = pool.dictionary()
    if columns is not d:  # a growing pool: the solution refers to its materialized columns
        res.dictionary, res.codes = columns, pool.codes()
    res.datafit = datafit
    res.time = time.perf_counter() - t0
    certify_scope(res, d, 2)
    if not sol.converged:
        warnings.warn(f"solve_min_norm stopped after {sol.n_iter} rounds with dual constraints "
                      f"still violated (gap {sol.gap:.3e}): {sol.reason}", ConvergenceWarning,
                      stacklevel=2)
    return res
