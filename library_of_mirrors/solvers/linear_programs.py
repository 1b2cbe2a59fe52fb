"""Linear programs on HiGHS with column generation: piecewise-linear losses and (C.1).

``min_{p, q >= 0, xi, u, v >= 0}  cost * 1^T (p + q) + a^T u + c^T v``
``s.t.  A (p - q) + xi 1 + u - v = y`` (rows: samples, or distinct points for (C.1)).

* quantile (pinball ``0.5|r| + (tau - 0.5) r``): ``a = tau w``, ``c = (1 - tau) w``;
* absolute ``|r|``: ``a = c = w``;
* minimum-norm interpolation (C.1): cost 1, no ``u, v`` (equality), unless the working set is a
  strict subset of the dictionary, where elastic slacks with a large cost keep it feasible.

Only a working set of columns enters the LP.  HiGHS returns the equality duals ``theta``; the
matrix-free oracle ``A^T theta`` prices every feature, violators join, and the loop ends when
``|A^T theta| <= cost`` holds for the whole dictionary.  The certificate: ``s theta`` with
``s = min(1, cost / max |A^T theta|)`` is dual feasible (the box on theta contains 0, and
``1^T theta = 0`` survives scaling), so ``objective - s y^T theta`` bounds the suboptimality.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from ..dictionary import Dictionary

_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
#: dictionaries up to this many columns enter the first LP whole
ALL_COLUMNS = 4000
_ADD = 200


class LPStatusError(RuntimeError):
    """HiGHS did not return an optimal solution."""


class LPInfeasible(ValueError):
    """The linear program has no feasible point (e.g. (C.1) on data it cannot interpolate)."""


def _rows_columns(d: Dictionary, idx: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return d.batch.subset(idx).evaluate(d.x_unique)[rows]


def solve_lp(d: Dictionary, y: np.ndarray, rows: np.ndarray, cost: float,
             a: np.ndarray | None, c: np.ndarray | None, bias: bool, theta0: np.ndarray | None,
             max_iter: int, verbose: bool = False):
    """Column generation; ``rows[i]`` is the distinct point of LP row i.

    Returns (z, xi, primal, gap, iterations, converged, theta, slack) where ``slack`` is the
    largest elastic slack left (0 unless (C.1) had no interpolating solution in the working
    set)."""
    p = d.n_features
    n = rows.shape[0]
    nu = d.x_unique.shape[0]
    equality = a is None
    if p <= ALL_COLUMNS:
        ws = np.arange(p)
    else:
        q = np.bincount(rows, weights=theta0, minlength=nu)
        corr = np.abs(d.batch.grid_rmatvec(q))
        ws = np.sort(np.argpartition(-corr, ALL_COLUMNS - 1)[:ALL_COLUMNS])
    elastic = equality and ws.shape[0] < p
    big = 1e6 * (1.0 + float(np.abs(y).max()))
    it = 0
    z = np.zeros(p)
    xi = 0.0
    theta = np.zeros(n)
    gap = np.inf
    slack = 0.0
    converged = False
    primal = np.inf
    for it in range(1, max_iter + 1):
        k = ws.shape[0]
        A = _rows_columns(d, ws, rows)
        blocks = [sp.csc_matrix(A), sp.csc_matrix(-A)]
        costs = [np.full(2 * k, cost)]
        bounds = [(0, None)] * (2 * k)
        if bias:
            blocks.append(sp.csc_matrix(np.ones((n, 1))))
            costs.append(np.zeros(1))
            bounds.append((None, None))
        if not equality or elastic:
            eye = sp.identity(n, format="csc")
            blocks += [eye, -eye]
            costs += [a, c] if not equality else [np.full(n, big), np.full(n, big)]
            bounds += [(0, None)] * (2 * n)
        res = linprog(np.concatenate(costs), A_eq=sp.hstack(blocks, format="csc"), b_eq=y,
                      bounds=bounds, method="highs", options=_HIGHS)
        if res.status == 2:
            raise LPInfeasible(res.message)
        if res.status != 0:
            raise LPStatusError(f"HiGHS stopped without an optimum: {res.message}")
        sol = res.x
        z = np.zeros(p)
        z[ws] = sol[:k] - sol[k:2 * k]
        xi = float(sol[2 * k]) if bias else 0.0
        theta = np.asarray(res.eqlin.marginals, dtype=float)
        if elastic:
            off = 2 * k + int(bias)
            slack = float(np.abs(sol[off:off + n] - sol[off + n:]).max())
        corr = d.batch.grid_rmatvec(np.bincount(rows, weights=theta, minlength=nu))
        cmax = float(np.abs(corr).max())
        s = min(1.0, cost / cmax) if cmax > 0 else 1.0
        r = y - _rows_columns(d, np.flatnonzero(z), rows) @ z[z != 0] - xi
        if equality:  # the elastic slacks are reported separately (``slack``), not priced
            primal = cost * float(np.abs(z).sum())
        else:
            primal = (float(a @ np.maximum(r, 0)) + float(c @ np.maximum(-r, 0))
                      + cost * float(np.abs(z).sum()))
        gap = max(primal - s * float(y @ theta), 0.0)
        theta = s * theta  # the certified (feasible) dual point
        if verbose:
            print(f"[linprog] iteration {it}: {k} columns, objective {primal:.12g}, "
                  f"max |A^T theta| / cost = {cmax / cost:.6f}")
        viol = np.abs(corr) - cost * (1 + 1e-9)
        viol[ws] = -np.inf
        new = np.flatnonzero(viol > 0)
        if new.shape[0] == 0:
            converged = True
            break
        if new.shape[0] > _ADD:
            new = new[np.argpartition(-viol[new], _ADD - 1)[:_ADD]]
        ws = np.union1d(ws, new)
    return z, xi, primal, gap, it, converged, theta, slack
