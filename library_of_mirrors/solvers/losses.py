"""Convex losses other than the squared one (section 1, Appendix D.24, E.2).

* quantile (pinball ``0.5|r| + (tau - 0.5) r``) and absolute ``|r|``: linear programs, solved
  exactly by HiGHS with column generation (:mod:`.linear_programs`);
* Huber ``h(r) = r^2/2`` on ``|r| <= delta``, else ``delta |r| - delta^2 / 2``: the Huber function
  is the Moreau envelope of ``delta |.|``, ``h(r) = min_v (r - v)^2 / 2 + delta |v|``, so the
  Huber Lasso is a squared-loss Lasso over the dictionary augmented by one identity column per
  sample (penalty ``delta w_i``).  It is solved by the same working-set active-set method; the
  certificate is the Huber dual with ``theta = w psi(r)``, ``psi`` the clipped residual.
"""

from __future__ import annotations

import numpy as np

from .certificates import huber_dual
from .lasso import solve_subproblem
from .linear_programs import solve_lp
from .problem import Problem
from .result import ConvergenceWarning, LassoResult

_WS_MIN = 16


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


def _solve_huber(prob: Problem, lam: float, delta: float, tol: float, max_iter: int,
                 max_steps: int, z0, verbose: bool):
    d = prob.d
    y, w, inv = prob.y, prob.w, d.inverse
    n, p, nu = y.shape[0], d.n_features, d.x_unique.shape[0]
    sw = np.sqrt(w)
    wsum = float(w.sum())

    def offset(t):
        return huber_offset(t, w, delta) if prob.bias else 0.0

    scale = float(w @ huber(y - offset(y), delta))
    z = np.zeros(p) if z0 is None else z0.copy()
    ybar = float(w @ y) / wsum if prob.bias else 0.0
    b = sw * (y - ybar)
    best_dual = -np.inf
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
        best_dual = max(best_dual, dual)
        gap = primal - best_dual
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
        k = min(p, ws_size)
        score = np.abs(corr)
        score[supp] = np.inf
        ws = np.sort(np.argpartition(-score, k - 1)[:k] if k < p else np.arange(p))
        out = np.flatnonzero(np.abs(r) >= delta * (1 - 1e-9))  # samples in the linear regime
        C = np.hstack([d.batch.subset(ws).evaluate(d.x_unique)[inv], np.eye(n)[:, out]])
        if prob.bias:
            C -= (w @ C) / wsum
        B = np.asfortranarray(C * sw[:, None])
        lamvec = np.concatenate([np.full(k, lam), delta * w[out]])
        warm = np.concatenate([z[ws], np.sign(r[out]) * (np.abs(r[out]) - delta)])
        sol, _ = solve_subproblem(B, b, warm, lamvec, 0.1 * tol * scale, max_steps)
        z = np.zeros(p)
        z[ws] = sol[:k]
        ws_size *= 2
    return z, xi, primal, gap, it, converged, theta, history, scale


def solve_convex_loss(prob: Problem, lam: float, beta: float, loss: str, quantile, delta: float,
                      tol: float, max_iter: int, max_steps: int, z0, verbose: bool
                      ) -> LassoResult:
    """Dispatch of :func:`solve_lasso` for the quantile, absolute and Huber losses."""
    import warnings  # noqa: PLC0415

    w, y = prob.w, prob.y
    if loss == "huber":
        delta = float(delta)
        if not np.isfinite(delta) or delta <= 0:
            raise ValueError(f"delta (the Huber threshold) must be positive, got {delta}")
        z, xi, obj, gap, it, conv, theta, hist, scale = _solve_huber(
            prob, lam, delta, tol, max_iter, max_steps, z0, verbose)
        res = LassoResult(z, xi, obj, gap, it, conv, loss, beta, lam, tol,
                          "working-set active-set (Huber as Moreau envelope)", theta,
                          history=hist)
        what = f"duality gap {gap:.3e} above the tolerance {tol:.1e} x {scale:.3e}"
    else:
        tau = float(quantile) if loss == "quantile" else 0.5
        a, c = (tau * w, (1 - tau) * w) if loss == "quantile" else (w, w)
        r0 = y - np.median(y)
        z, xi, obj, gap, it, conv, theta, _ = solve_lp(
            prob.d, y, prob.d.inverse, lam, a, c, prob.bias, np.where(r0 > 0, a, -c),
            max(max_iter, 100), verbose)
        res = LassoResult(z, xi, obj, gap, it, conv, loss, beta, lam, tol,
                          "HiGHS (column generation)", theta)
        what = f"column generation still finds violated dual constraints (gap {gap:.3e})"
    if not res.converged:
        warnings.warn(f"solve_lasso(loss={loss!r}) stopped after {it} iterations: {what}; "
                      "raise max_iter", ConvergenceWarning, stacklevel=3)
    return res
