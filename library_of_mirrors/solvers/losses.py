"""Convex losses other than the squared one (section 1, Appendix D.24, E.2).

* quantile (pinball ``0.5|r| + (tau - 0.5) r``) and absolute ``|r|``: linear programs, solved
  exactly by HiGHS with column generation (:mod:`.linear_programs`);
* Huber ``h(r) = r^2/2`` on ``|r| <= delta``, else ``delta |r| - delta^2 / 2``: working sets
  priced by the matrix-free oracle, each small working-set problem solved by cvxpy + Clarabel
  (interior point: indifferent to the degenerate, nearly collinear columns); the certificate
  is the Huber dual of the whole problem with ``theta = w psi(r)``, ``psi`` the clipped
  residual, and xi solved exactly so that ``1^T theta = 0``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .certificates import huber_dual
from .lasso import _WS_MIN, working_set
from .linear_programs import solve_lp
from .problem import Problem, as_float
from .result import ConvergenceWarning, LassoResult


def huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * a - 0.5 * delta * delta)


def pinball(r: np.ndarray, tau: float) -> np.ndarray:
    """The quantile loss ``0.5|r| + (tau - 0.5) r`` (section 1)."""
    return 0.5 * np.abs(r) + (tau - 0.5) * r


def huber_offset(t: np.ndarray, w: np.ndarray, delta: float) -> float:
    """The xi solving ``sum_i w_i psi(t_i - xi) = 0`` (optimal external bias for fixed z)."""
    lo, hi = float(t.min()) - delta, float(t.max()) + delta
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.sum(w * np.clip(t - mid, -delta, delta)) > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(1.0, abs(mid)):
            break
    xi = 0.5 * (lo + hi)
    r = t - xi
    quad = np.abs(r) < delta
    wq = float(w[quad].sum())
    if wq > 0:  # exact on the linear piece of the root
        up = float(w[(r >= delta)].sum())
        low = float(w[(r <= -delta)].sum())
        cand = (float(w[quad] @ t[quad]) + delta * (up - low)) / wq
        rc = t - cand
        if np.array_equal(np.abs(rc) < delta, quad) and np.array_equal(rc >= delta, r >= delta):
            xi = cand
    return xi


def _huber_subproblem(A: np.ndarray, y: np.ndarray, w: np.ndarray, lam: float, delta: float,
                      bias: bool) -> np.ndarray:
    """The Huber Lasso over a working set of columns, by cvxpy + Clarabel (interior point, so
    the many exact linear dependencies of the working set do not matter)."""
    import cvxpy as cp  # noqa: PLC0415

    z = cp.Variable(A.shape[1])
    xi = cp.Variable() if bias else 0.0
    # cvxpy's huber(r, M) is r^2 on |r| <= M, 2M|r| - M^2 outside: twice ours
    fit = 0.5 * cp.sum(cp.multiply(w, cp.huber(y - A @ z - xi, delta)))
    prob = cp.Problem(cp.Minimize(fit + lam * cp.norm1(z)))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    if z.value is None or prob.status not in ("optimal", "optimal_inaccurate"):
        raise RuntimeError(f"Clarabel failed on a Huber working set ({prob.status}); the "
                           "data may be badly scaled")
    sol = np.asarray(z.value, dtype=float)
    sol[np.abs(sol) <= 1e-10 * max(1.0, float(np.abs(sol).max()))] = 0.0
    return sol


def _solve_huber(prob: Problem, lam: float, delta: float, tol: float, max_iter: int, z0,
                 verbose: bool):
    d = prob.d
    y, w, inv = prob.y, prob.w, d.inverse
    p, nu = d.n_features, d.x_unique.shape[0]

    def offset(t):
        return huber_offset(t, w, delta) if prob.bias else 0.0

    scale = float(w @ huber(y - offset(y), delta))
    z = np.zeros(p) if z0 is None else z0.copy()
    best_dual, best_theta = -np.inf, None
    ws_size = _WS_MIN
    converged = False
    history = []
    for it in range(1, max_iter + 1):
        f = d.batch.grid_matvec(z)[inv]
        xi = offset(y - f)
        r = y - f - xi
        theta = w * np.clip(r, -delta, delta)
        corr = d.batch.grid_rmatvec(np.bincount(inv, weights=theta, minlength=nu))
        primal = float(w @ huber(r, delta)) + lam * float(np.abs(z).sum())
        dual, s = huber_dual(theta, float(np.abs(corr).max()), y, w, lam, delta)
        if dual > best_dual:
            best_dual, best_theta = dual, s * theta
        gap = max(primal - best_dual, 0.0)  # >= 0 up to rounding
        history.append((primal, gap))
        if verbose:
            print(f"[solve_lasso huber] outer {it}: objective {primal:.12g} gap {gap:.3e}")
        if gap <= tol * scale:
            converged = True
            break
        if it == max_iter:
            break
        supp = np.flatnonzero(z)
        ws_size = max(ws_size, 2 * supp.shape[0])
        ws = working_set(corr, z, ws_size)
        sol = _huber_subproblem(d.batch.subset(ws).evaluate(d.x_unique)[inv], y, w, lam,
                                delta, prob.bias)
        z = np.zeros(p)
        z[ws] = sol
        ws_size *= 2
    return z, xi, primal, gap, it, converged, best_theta, history, scale


def solve_convex_loss(prob: Problem, lam: float, beta: float, loss: str, quantile, delta: float,
                      tol: float, max_iter: int, z0, verbose: bool
                      ) -> LassoResult:
    """Dispatch of :func:`solve_lasso` for the quantile, absolute and Huber losses."""
    w, y = prob.w, prob.y
    if loss == "huber":
        delta = as_float(delta, "delta")
        if not np.isfinite(delta) or delta <= 0:
            raise ValueError(f"delta (the Huber threshold) must be positive, got {delta}")
        z, xi, obj, gap, it, conv, theta, hist, scale = _solve_huber(
            prob, lam, delta, tol, max_iter, z0, verbose)
        res = LassoResult(z, xi, obj, gap, it, conv, loss, beta, lam, tol,
                          "working-set Clarabel (Huber)", theta,
                          history=hist)
        what = f"duality gap {gap:.3e} above the tolerance {tol:.1e} x {scale:.3e}"
    else:
        tau = float(quantile) if loss == "quantile" else 0.5
        a, c = (tau * w, (1 - tau) * w) if loss == "quantile" else (w, w)
        r0 = y - np.median(y)
        z, xi, obj, gap, it, conv, theta, _ = solve_lp(
            prob.d, y, prob.d.inverse, lam, a, c, prob.bias, np.where(r0 > 0, a, -c),
            max_iter, verbose)
        res = LassoResult(z, xi, obj, gap, it, conv, loss, beta, lam, tol,
                          "HiGHS (column generation)", theta)
        what = f"column generation still finds violated dual constraints (gap {gap:.3e})"
    if not res.converged:
        warnings.warn(f"solve_lasso(loss={loss!r}) stopped after {it} iterations: {what}; "
                      "raise max_iter", ConvergenceWarning, stacklevel=3)
    return res
