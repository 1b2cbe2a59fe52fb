"""The piecewise-linear losses (quantile, absolute) over relu libraries: one sparse LP in
slope-change coordinates, the whole library at once.

As in :mod:`.slope_lasso`, a fit of a relu deep narrow library at the sorted distinct points
``x_0 < ... < x_{n-1}`` is ``f_t = c + sum_j v_j (x_t - x_j)_+`` and the least l1 norm of the
units that make it is a polyhedral cost of the slope changes ``v`` (Lemma 3.7; 2 layers:
``sum_{t>=1} |v_t| + max(0, v_0 - N, -v_0 - P)``, deeper: ``max(P, N)`` with ``v_0``
counted; ``P`` / ``N`` the sums of the positive / negative parts).  The pinball Lasso (D.24)
is then the linear program

``min  lam (sum_{t>=1} (p_t + n_t) + e) + sum_r w_r (a u_r + c d_r)`` (2 layers; deeper:
``lam e``) subject to

* ``f_{point(r)} + u_r - d_r = y_r`` (the samples, ``u, d >= 0`` their residuals),
* ``s_t - s_{t-1} = v_t`` and ``f_{t+1} - f_t = (x_{t+1} - x_t) s_t`` (slopes and values
  along the sorted points, so no column is dense),
* ``e >= v_0 - N``, ``e >= -v_0 - P``, ``e >= 0`` (2 layers) or ``e >= P``, ``e >= N``,

with ``v = p - n``, ``p, n >= 0``: O(N) variables and nonzeros, solved once by HiGHS.  The
solution becomes library coefficients through the pool's re-expression (one unit per kink,
``Pool.from_slopes``) and is certified by the engine over the whole library with the LP's row
duals as the dual point (:func:`.engine.certify`).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from . import engine
from .datafits import Restricted
from .linear_programs import LPStatusError, solve_sparse_lp
from .result import gap_target


def applies(pool, datafit, bias: bool) -> bool:
    """Whether this solver serves the problem: a pinball-type loss (quantile, absolute) with a
    free bias over a relu deep narrow library (explicit or implicit)."""
    return pool.flow_depth is not None and bias and hasattr(datafit, "slopes")


def _columns(n: int, rows, deep: bool, x: np.ndarray, lam: float, a: float, c: float):
    """The LP of the module in CSC form.  Rows: the samples, the slope rows, the value rows,
    the two epigraph rows; columns: ``f`` (n), ``s`` (n - 1), the slope changes (deep:
    ``p_t, n_t`` for every t; 2 layers: ``v_0`` free, then ``p_t, n_t`` for t >= 1), ``e``,
    then the residuals ``u``, ``d`` of the samples.  Returns (cost, lower, upper, starts,
    index, value, row_lower, row_upper, first slope-change column)."""
    R, m = rows.n_rows, n - 1
    r_slope, r_value = R, R + m  # s_t - s_{t-1} - v_t = 0;  f_{t+1} - f_t - h_t s_t = 0
    r_e1, r_e2 = R + 2 * m, R + 2 * m + 1
    t = np.arange(m)
    c_s, c_v = n, n + m
    parts = [  # (row, column, value) triplets
        (np.arange(R), rows.point, np.ones(R)),  # f at the samples
        (r_value + t, t + 1, np.ones(m)), (r_value + t, t, -np.ones(m)),  # f in value rows
        (r_slope + t, c_s + t, np.ones(m)), (r_slope + t[1:], c_s + t[:-1], -np.ones(m - 1)),
        (r_value + t, c_s + t, -np.diff(x)),  # s
    ]
    if deep:
        k_v = 2 * m
        parts += [(r_slope + t, c_v + t, -np.ones(m)), (np.full(m, r_e1), c_v + t, -np.ones(m)),
                  (r_slope + t, c_v + m + t, np.ones(m)),
                  (np.full(m, r_e2), c_v + m + t, -np.ones(m))]
        c_cost = np.zeros(k_v)
        c_lower = np.zeros(k_v)
    else:
        k_v, q = 2 * m - 1, t[1:]  # v_0, then p_t and n_t for t >= 1
        one = np.ones(m - 1)
        parts += [(np.array([r_slope, r_e1, r_e2]), np.full(3, c_v), np.array([-1.0, -1, 1])),
                  (r_slope + q, c_v + q, -one), (np.full(m - 1, r_e2), c_v + q, one),
                  (r_slope + q, c_v + m - 1 + q, one), (np.full(m - 1, r_e1), c_v + m - 1 + q, one)]
        c_cost = np.concatenate([[0.0], np.full(2 * (m - 1), lam)])
        c_lower = np.concatenate([[-np.inf], np.zeros(2 * (m - 1))])
    c_e = c_v + k_v
    c_u = c_e + 1
    parts += [(np.array([r_e1, r_e2]), np.full(2, c_e), np.ones(2)),
              (np.arange(R), c_u + np.arange(R), np.ones(R)),
              (np.arange(R), c_u + R + np.arange(R), -np.ones(R))]
    n_cols, n_rows = c_u + 2 * R, R + 2 * m + 2
    M = sp.coo_matrix((np.concatenate([p[2] for p in parts]),
                       (np.concatenate([p[0] for p in parts]),
                        np.concatenate([p[1] for p in parts]))), shape=(n_rows, n_cols)).tocsc()
    cost = np.concatenate([np.zeros(n + m), c_cost, [lam], a * rows.w, c * rows.w])
    lower = np.concatenate([np.full(n + m, -np.inf), c_lower, np.zeros(1 + 2 * R)])
    upper = np.full(n_cols, np.inf)
    row_lower = np.zeros(n_rows)
    row_upper = np.zeros(n_rows)
    row_upper[r_e1:] = np.inf  # the epigraph rows are >= 0
    return cost, lower, upper, M.indptr, M.indices, M.data, row_lower, row_upper, c_v


def solve(pool, datafit, rows, lam: float, x: np.ndarray, *, tol: float,
          max_iter: int | None = None, z0: np.ndarray | None = None,
          verbose: bool = False) -> engine.Solution | None:
    """Solve the pinball Lasso over the relu library behind ``pool`` as one sparse LP (see
    the module); ``x``: the sorted distinct inputs (``max_iter`` and ``z0``, the other
    slope-change solvers' arguments, do not apply: one LP from scratch).  Returns the engine's
    :class:`~.engine.Solution`, certified over the whole library (None if the library lacks
    a unit of the slope-change representation or HiGHS fails: the working sets serve)."""
    t0 = time.perf_counter()
    deep = pool.flow_depth > 2
    n = x.shape[0]
    a, c = datafit.slopes
    f0 = np.zeros(rows.n_rows)
    scale = datafit.value(rows, f0 + datafit.optimal_bias(rows, f0, None))
    unit = max(datafit.tolerance_unit(rows, scale), np.finfo(float).tiny)
    if n < 2:
        return None
    # x in units of its range (slopes and slope changes scale by it, the row duals do not)
    span = float(x[-1] - x[0])
    cost, lower, upper, starts, index, value, rlo, rhi, k = _columns(
        n, rows, deep, (x - x[0]) / span, lam / span, a, c)
    rlo[:rows.n_rows] = rhi[:rows.n_rows] = rows.y
    try:
        col, row_dual = solve_sparse_lp(cost, lower, upper, starts, index, value, rlo, rhi,
                                        rows.n_rows)
    except LPStatusError:  # HiGHS's numerics: the working sets serve
        return None
    col = col / span
    m = n - 1
    v = np.zeros(n)
    if deep:
        v[:m] = col[k:k + m] - col[k + m:k + 2 * m]
    else:
        v[0] = col[k]
        v[1:m] = col[k + 1:k + m] - col[k + m:k + 2 * m - 1]
    z = pool.from_slopes(v)
    if z is None:
        return None
    theta = row_dual[:rows.n_rows]
    S = np.flatnonzero(z)
    state = Restricted(z, None, theta)
    primal, gap, xi, cert = engine.certify(pool, datafit, rows, lam, z, True, state, 1, S)
    if len(pool) > z.shape[0]:
        z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
    target = gap_target(tol, primal, gap, unit)
    converged = gap <= target
    if verbose:
        print(f"[slope LP] {time.perf_counter() - t0:7.2f} s: objective {primal:.12g} gap "
              f"{gap:.3e} active {S.shape[0]} max|A^T theta|/beta~ "
              f"{cert.price.corr_max / lam:.6f}")
    reason = "" if converged else (f"the sparse LP's duals leave the gap at {gap:.3e}, above "
                                   f"the target {target:.3e}")
    return engine.Solution(z, float(xi), float(primal), float(gap), 1, converged, cert.theta,
                           target, reason, [(primal, gap)], cert.price.n_priced)


__all__ = ["applies", "solve"]
