"""Proximal Newton steps for smooth data fits over a working set (the logistic loss).

At the current fit ``u`` the loss is replaced by its second-order model, a weighted squared loss
with weights ``h = F''(u)`` and working response ``u - F'(u) / h``; that model plus the l1
penalty is solved exactly on the working set (:func:`.active_set.solve_block`, weights summed
over each distinct input), and a backtracking line search along the step decreases the true
objective (Lee, Sun & Saunders, "Proximal Newton-type methods", 2014: globally convergent,
quadratically near the optimum).  The loop stops when the working set's own duality gap is at
most ``tol``; if it ever stops making progress, an interior-point solve (cvxpy + Clarabel, with
a convergence guarantee) takes over.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import active_set
from .blocks import point_block

MAX_NEWTON = 60


def _restricted_gap(datafit, source, rows, lam, z, xi, u) -> float:
    """The working set's duality gap at (z, xi) (the engine's certificate, restricted)."""
    theta = datafit.dual_point(rows, u, None)
    corr = source.grid_rmatvec(rows.to_points(theta))
    cmax = float(np.abs(corr).max()) if corr.shape[0] else 0.0
    s = datafit.scale(rows, theta, cmax, lam)
    return datafit.fenchel_young(rows, u, s * theta) + float(
        np.sum(lam * np.abs(z) - s * z * corr)) + abs(s * xi * float(theta.sum()))


def solve(datafit, source, rows, lam: float, z: np.ndarray, xi: float, tol: float,
          bias: bool) -> tuple[np.ndarray, float]:
    """Minimize ``F(A z + xi) + lam ||z||_1`` over the working set ``source``; (z, xi)."""
    point = rows.point
    z = np.asarray(z, dtype=float).copy()

    def fit(zz):
        return source.grid_matvec(zz)[point]

    def objective(zz, x):
        return datafit.value(rows, fit(zz) + x) + lam * float(np.abs(zz).sum())

    if bias:
        xi = datafit.optimal_bias(rows, fit(z), None)
    obj = objective(z, xi)
    gap = _restricted_gap(datafit, source, rows, lam, z, xi, fit(z) + xi)
    for _ in range(MAX_NEWTON):
        if gap <= tol:
            return z, xi
        u = fit(z) + xi
        grad = rows.w * datafit.derivative(rows.y, u)  # dF/du per row
        h = np.maximum(rows.w * datafit.curvature(rows.y, u), 1e-12 * rows.w)
        t = u - grad / h
        H = rows.to_points(h)
        T = np.divide(rows.to_points(h * t), H, out=np.zeros_like(H), where=H > 0)
        block, tbar = point_block(source, H, T, bias)
        # the model's solve tightens with the gap (an inexact proximal Newton step is a
        # descent direction only when its own gap is small against the outer one; at 0.1 x
        # the gap a near-separable logistic fit stalled at 1e-7 of its optimum)
        z_new = active_set.solve_block(block, lam, z, max(1e-3 * gap, 0.1 * tol))
        xi_new = tbar - float(H @ source.grid_matvec(z_new)) / float(H.sum()) if bias else 0.0
        dz, dxi = z_new - z, xi_new - xi
        # Armijo along the step: the model's decrease bound (Lee, Sun & Saunders, eq. 2.20)
        d_lin = float(grad @ (fit(dz) + dxi)) + lam * float(np.abs(z_new).sum()
                                                           - np.abs(z).sum())
        step, moved = 1.0, None
        for _ in range(40):
            zc, xc = z + step * dz, xi + step * dxi
            if bias:
                xc = datafit.optimal_bias(rows, fit(zc), None)
            oc = objective(zc, xc)
            if oc <= obj + 1e-4 * step * min(d_lin, 0.0) and oc < obj:
                moved = (zc, xc, oc)
                break
            step *= 0.5
        if moved is None:
            # at rounding level the objective cannot tell: keep the full step if it does not
            # raise the objective beyond rounding and lowers the gap (the KKT residual)
            zc, xc = z_new, (datafit.optimal_bias(rows, fit(z_new), None) if bias else 0.0)
            oc = objective(zc, xc)
            gc = _restricted_gap(datafit, source, rows, lam, zc, xc, fit(zc) + xc)
            if oc <= obj + 1e-14 * max(1.0, abs(obj)) and gc < 0.9 * gap:
                z, xi, obj, gap = zc, xc, oc, gc
                continue
            break  # no progress: the guaranteed method takes over
        z, xi, obj = moved
        gap = _restricted_gap(datafit, source, rows, lam, z, xi, fit(z) + xi)
    if gap <= tol:
        return z, xi
    return _interior_point(datafit, source, rows, lam, z, xi, bias)


def _interior_point(datafit, source, rows, lam, z, xi, bias):
    """The restricted problem by cvxpy + Clarabel, on the datafit's own conic form
    (``datafit.conic(cp, rows, u)``); the proximal Newton point is kept if it is better."""
    import cvxpy as cp  # noqa: PLC0415

    A = source.grid_columns()[rows.point]
    zv = cp.Variable(A.shape[1])
    xv = cp.Variable() if bias else 0.0
    prob = cp.Problem(cp.Minimize(datafit.conic(cp, rows, A @ zv + xv) + lam * cp.norm1(zv)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-13, tol_gap_rel=1e-13,
                       tol_feas=1e-13)
    except cp.error.SolverError:
        return z, xi
    if zv.value is None:
        return z, xi
    zc = np.asarray(zv.value, dtype=float)
    zc[np.abs(zc) <= 1e-12 * max(1.0, float(np.abs(zc).max()))] = 0.0
    fc = source.grid_matvec(zc)[rows.point]
    xc = datafit.optimal_bias(rows, fc, None) if bias else 0.0
    # keep the point with the smaller certified gap: the interior point's objective can be
    # lower at rounding level while its gap is larger (a near-separable logistic fold: 1.8e-7
    # against the proximal Newton point's 3.6e-9)
    f = source.grid_matvec(z)[rows.point]
    if _restricted_gap(datafit, source, rows, lam, zc, xc, fc + xc) < \
            _restricted_gap(datafit, source, rows, lam, z, xi, f + xi):
        return zc, xc
    return z, xi


__all__ = ["MAX_NEWTON", "solve"]
