"""The restricted linear programs of the piecewise-linear losses and of (C.1), on HiGHS.

``min_{p, q >= 0, xi, u, v >= 0}  lam 1^T (p + q) + a^T u + c^T v``
``s.t.  A (p - q) + xi 1 + u - v = y`` (rows: samples, or distinct inputs for (C.1)),

over the working set's columns ``A``:

* quantile (pinball ``0.5|r| + (tau - 0.5) r``): ``a = tau w``, ``c = (1 - tau) w``;
* absolute ``|r|``: ``a = c = w``;
* minimum-norm interpolation (C.1): lam = 1, no ``u, v`` (equality), unless the working set is
  a strict subset of the library, where elastic slacks with a large cost keep it feasible.

HiGHS returns the equality duals ``theta`` (the sensitivity of the optimum to ``y``): the dual
point the working-set engine (:mod:`.engine`) prices over the whole library and scales to
feasibility.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class LPStatusError(RuntimeError):
    """HiGHS did not return an optimal solution."""


class LPInfeasible(ValueError):
    """The linear program has no feasible point (e.g. (C.1) on data it cannot interpolate)."""


def restricted_lp(A: np.ndarray, y: np.ndarray, lam: float, a: np.ndarray | None,
                  c: np.ndarray | None, bias: bool, elastic: bool = False):
    """Solve the LP over the columns ``A`` (rows x k, dense).  ``a`` / ``c`` None: equality
    (interpolation), with elastic slacks of cost ``1e6 (1 + max|y|)`` when ``elastic``.

    Returns (z, xi, theta, slack): ``theta`` the equality duals at the rows, ``slack`` the
    largest elastic slack left (0 unless an interpolation had no exact solution here)."""
    n, k = A.shape
    equality = a is None
    blocks = [sp.csc_matrix(A), sp.csc_matrix(-A)]
    costs = [np.full(2 * k, float(lam))]
    bounds = [(0, None)] * (2 * k)
    if bias:
        blocks.append(sp.csc_matrix(np.ones((n, 1))))
        costs.append(np.zeros(1))
        bounds.append((None, None))
    if not equality or elastic:
        eye = sp.identity(n, format="csc")
        blocks += [eye, -eye]
        big = 1e6 * (1.0 + float(np.abs(y).max()))
        costs += [a, c] if not equality else [np.full(n, big), np.full(n, big)]
        bounds += [(0, None)] * (2 * n)
    res = linprog(np.concatenate(costs), A_eq=sp.hstack(blocks, format="csc"), b_eq=y,
                  bounds=bounds, method="highs", options=_HIGHS)
    if res.status == 2:
        raise LPInfeasible(res.message)
    if res.status != 0:
        raise LPStatusError(f"HiGHS stopped without an optimum: {res.message}")
    sol = res.x
    z = sol[:k] - sol[k:2 * k]
    xi = float(sol[2 * k]) if bias else 0.0
    theta = np.asarray(res.eqlin.marginals, dtype=float)
    slack = 0.0
    if equality and elastic:
        off = 2 * k + int(bias)
        slack = float(np.abs(sol[off:off + n] - sol[off + n:]).max())
    return z, xi, theta, slack


__all__ = ["LPInfeasible", "LPStatusError", "restricted_lp"]
