"""The Lasso as a redundant linear network (Tibshirani 2021; Ziyin & Wang, "spred").

``z = u_1 * ... * u_k`` (elementwise) with weight decay ``(beta~ / 2) sum_k ||u_k||^2`` is the
Lasso (1.2) for k = 2 (``min (|u|^2 + |v|^2) / 2 over u v = z`` is ``|z|``), and for k layers the
l_{2/k} penalty ``beta~ k/2 sum_j |z_j|^{2/k}`` (Tibshirani eq. 9).  Smooth and unconstrained,
so L-BFGS (scipy) applies; for k = 2 every local minimum is global, and the result is certified
by the Lasso duality gap.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .rows import Rows, weighted_center


def solve_spred(pool, rows: Rows, lam: float, bias: bool, depth: int = 2, tol: float = 1e-12,
                max_iter: int = 50_000, seed=0):
    """Minimize the factored objective on the distinct inputs (squared-loss rows); returns
    (z, xi, value, n_iter, factors) with xi in the rows' centered coordinates.

    ``value`` is the factored objective (for depth 2 equal to the Lasso objective at z)."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 2:
        raise ValueError(f"spred depth must be an integer >= 2, got {depth!r}")
    A = pool.columns(np.arange(len(pool)))
    sw = np.sqrt(rows.w)
    if bias:
        A = A - (rows.w @ A) / rows.w.sum()
        b = sw * (rows.y - weighted_center(rows.y, rows.w))
    else:
        b = sw * rows.y
    B = A * sw[:, None]
    p = B.shape[1]
    rng = np.random.default_rng(seed)
    u0 = rng.normal(scale=1e-2, size=(depth, p)) + 0.1

    def fun(flat):
        U = flat.reshape(depth, p)
        z = np.prod(U, axis=0)
        r = B @ z - b
        g_z = B.T @ r
        val = 0.5 * float(r @ r) + 0.5 * lam * float(np.sum(U * U))
        grad = np.empty_like(U)
        for k in range(depth):
            others = np.prod(np.delete(U, k, axis=0), axis=0)
            grad[k] = g_z * others + lam * U[k]
        return val, grad.ravel()

    res = minimize(fun, u0.ravel(), jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "maxfun": 2 * max_iter, "ftol": tol,
                            "gtol": 1e-12, "maxcor": 30})
    U = res.x.reshape(depth, p)
    z = np.prod(U, axis=0)
    fit = pool.fit(z)
    xi = weighted_center(rows.y - fit, rows.w) if bias else 0.0
    return z, xi, float(res.fun) + rows.const, int(res.nit), U
