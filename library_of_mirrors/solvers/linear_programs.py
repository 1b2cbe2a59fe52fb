"""The restricted linear programs of the piecewise-linear losses and of (C.1), on HiGHS.

``min_{p, q >= 0, xi, u, v >= 0}  lam 1^T (p + q) + a^T u + c^T v``
``s.t.  A (p - q) + xi 1 + u - v = y`` (rows: samples, or distinct inputs for (C.1)),

over the working set's columns ``A``:

* quantile (pinball ``0.5|r| + (tau - 0.5) r``): ``a = tau w``, ``c = (1 - tau) w``;
* absolute ``|r|``: ``a = c = w``;
* minimum-norm interpolation (C.1): lam = 1 and elastic slacks ``u, v`` with a large cost
  while the working set is a strict subset of the library (it may not interpolate yet);
  over the whole library the slacks are fixed at 0 (the equality LP itself).

The model lives across the working-set rounds (:class:`LiveLP`): the rows and the slacks are
set once, each round *adds* the new columns and HiGHS's simplex restarts from the previous
basis, which stays primal feasible (new columns enter at zero), so a round costs a few
pivots instead of a new LP over every column.

HiGHS returns the equality duals ``theta`` (the sensitivity of the optimum to ``y``): the dual
point the working-set engine (:mod:`.engine`) prices over the whole library and scales to
feasibility.
"""

from __future__ import annotations

import threading

import numpy as np

try:  # the public class prints HiGHS's banner when it is built, before any option is set
    from highspy._core import _Highs as _HighsModel
except ImportError:  # pragma: no cover - other highspy layouts
    from highspy import Highs as _HighsModel
from highspy import HighsBasis, HighsBasisStatus, HighsModelStatus, kHighsInf
from highspy._core import cb as _callbacks

#: HiGHS options: simplex (it restarts from a basis; presolve would discard it), tight
#: feasibility tolerances
_OPTIONS = {"output_flag": False, "solver": "simplex", "presolve": "off", "threads": 1,
            "primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


#: HiGHS's primal simplex: every round starts from a primal feasible basis
_PRIMAL = 4
#: HiGHS's dual simplex: the fallback from scratch
_DUAL = 1


def _slack_basis(y: np.ndarray, a: np.ndarray, c: np.ndarray, bias: bool) -> HighsBasis:
    """The optimal basis of the LP without feature columns: the bias (if free) at a row's
    target that is a weighted quantile (``sum_{y_j < xi} c_j <= sum_{y_j >= xi} a_j``
    changes sign there), each other row's residual carried by its slack ``u`` (above) or
    ``v`` (below).  Primal feasible, so the simplex never needs a phase 1 (from HiGHS's
    logical basis every row would cost a pivot)."""
    n = y.shape[0]
    r0, xi = -1, 0.0
    if bias:
        order = np.argsort(y, kind="stable")
        below = np.cumsum(c[order])  # cost of the rows up to k lying below xi = y[order[k]]
        above = a[order][::-1].cumsum()[::-1]  # cost of the rows from k on lying above
        turn = np.flatnonzero(below >= above - a[order])
        k = int(turn[0]) if turn.shape[0] else n - 1
        r0 = int(order[k])
        xi = float(y[r0])
    up = (y - xi) >= 0
    status = np.full(2 * n + int(bias), HighsBasisStatus.kLower, dtype=object)
    status[np.flatnonzero(up)] = HighsBasisStatus.kBasic
    status[n + np.flatnonzero(~up)] = HighsBasisStatus.kBasic
    if bias:
        status[r0] = HighsBasisStatus.kLower
        status[2 * n] = HighsBasisStatus.kBasic
    basis = HighsBasis()
    basis.col_status = list(status)
    basis.row_status = [HighsBasisStatus.kLower] * n
    return basis


def _interruptible_run(h) -> None:
    """``h.run()`` that Ctrl-C stops.  HiGHS holds the signal while it runs (it was lost:
    a 30 s solve ignored it), so the solve runs in a worker thread while this one waits;
    on KeyboardInterrupt HiGHS is told to stop through its interrupt callbacks, and the
    interrupt is raised once it has."""
    stop = threading.Event()

    def interrupt(kind, message, data_out, data_in, user):
        if data_in is not None and stop.is_set():
            data_in.user_interrupt = True

    h.setCallback(interrupt, None)
    for kind in (_callbacks.HighsCallbackType.kCallbackSimplexInterrupt,
                 _callbacks.HighsCallbackType.kCallbackIpmInterrupt):
        h.startCallback(kind)
    done = threading.Event()

    def work():
        try:
            h.run()
        finally:
            done.set()

    threading.Thread(target=work, daemon=True).start()
    try:
        while not done.wait(0.05):
            pass
    except BaseException:  # Ctrl-C, or the command line's SIGTERM: HiGHS stops too
        stop.set()
        done.wait()
        raise


class LPStatusError(RuntimeError):
    """HiGHS did not return an optimal solution."""


class LPInfeasible(ValueError):
    """The linear program has no feasible point (e.g. (C.1) on data it cannot interpolate)."""


class LiveLP:
    """The restricted LP of the module, kept in HiGHS across working-set rounds.

    ``a`` / ``c`` None: equality (interpolation) with elastic slacks of cost
    ``1e6 (1 + max|y|)`` until :meth:`solve` is told the columns are the whole library.
    Columns are added with :meth:`add` (each once); nonbasic ones at zero can be removed
    (:meth:`remove`: the engine drops those at zero for ``LP_AGE`` rounds, since HiGHS's time
    per run grows with the model's columns)."""

    def __init__(self, y: np.ndarray, lam: float, a: np.ndarray | None, c: np.ndarray | None,
                 bias: bool):
        self.n = n = int(y.shape[0])
        self.lam = float(lam)
        self.bias = bias
        self.equality = a is None
        self.k = 0
        # per coefficient: the HiGHS columns of its parts p and q, and its column's scale
        self._pos_p = np.zeros(0, dtype=np.int64)
        self._pos_q = np.zeros(0, dtype=np.int64)
        self._norm = np.zeros(0)
        self.elastic = True
        h = _HighsModel()
        for key, value in _OPTIONS.items():
            h.setOptionValue(key, value)
        # the LP is solved for y / s: its primal solution scales with y, its duals do not (the
        # dual feasible set does not depend on y), and HiGHS's absolute feasibility tolerances
        # then mean the same at every scale of the targets
        big = 1e6 * (1.0 + float(np.abs(y).max()))
        self.s = float(np.abs(y).max()) or 1.0
        y = np.ascontiguousarray(y / self.s, dtype=float)
        empty_i, empty_v = np.zeros(0, dtype=np.int32), np.zeros(0)
        h.addRows(n, y, y, 0, np.zeros(n, dtype=np.int32), empty_i, empty_v)
        if self.equality:
            a = c = np.full(n, big)
        rows = np.arange(n, dtype=np.int32)
        starts = np.arange(n, dtype=np.int32)
        for cost, sign in ((a, 1.0), (c, -1.0)):  # u (residual above the fit), v (below)
            h.addCols(n, np.ascontiguousarray(cost, dtype=float), np.zeros(n),
                      np.full(n, kHighsInf), n, starts, rows, np.full(n, sign))
        self.first = 2 * n  # the bias, then the pairs (p, q) of the feature columns
        if bias:
            h.addCols(1, np.zeros(1), np.full(1, -kHighsInf), np.full(1, kHighsInf), n,
                      np.zeros(1, dtype=np.int32), rows, np.ones(n))
            self.first += 1
        h.setBasis(_slack_basis(y, a, c, bias))
        h.setOptionValue("simplex_strategy", _PRIMAL)
        self.h = h

    def add(self, A: np.ndarray) -> None:
        """Append the columns ``A`` (rows x m, dense): coefficients ``k .. k + m - 1``."""
        m = int(A.shape[1])
        if m == 0:
            return
        # each column in units of its largest entry (z_j = p_j / norm_j; the row duals do
        # not change), so columns from tiny or huge inputs look alike to HiGHS
        norm = np.abs(A).max(axis=0)
        norm = np.where(norm > 0, norm, 1.0)
        A = np.asarray(A, dtype=float) / norm
        both = np.concatenate([A, -A], axis=1)
        mask = both != 0.0
        counts = mask.sum(axis=0)
        starts = np.zeros(2 * m, dtype=np.int32)
        np.cumsum(counts[:-1], out=starts[1:])
        idx, col = np.nonzero(mask.T)  # column-major order: (column, row) pairs
        values = both.T[idx, col]
        cost = np.tile(self.lam / norm, 2)
        base = int(self.h.getNumCol())
        self.h.addCols(2 * m, cost, np.zeros(2 * m), np.full(2 * m, kHighsInf),
                       int(values.shape[0]), starts, col.astype(np.int32), values)
        # HiGHS appends the columns in the order given: p_k..p_{k+m-1}, q_k..q_{k+m-1}
        self._pos_p = np.concatenate([self._pos_p, base + np.arange(m)])
        self._pos_q = np.concatenate([self._pos_q, base + m + np.arange(m)])
        self._norm = np.concatenate([self._norm, norm])
        self.k += m

    def nonbasic(self) -> np.ndarray:
        """Per coefficient: whether both its parts are nonbasic in the current basis (so the
        coefficient is 0 and removing it keeps the basis)."""
        status = self.h.getBasis().col_status
        basic = HighsBasisStatus.kBasic
        is_basic = np.fromiter((st == basic for st in status), dtype=bool, count=len(status))
        return ~is_basic[self._pos_p] & ~is_basic[self._pos_q]

    def remove(self, drop: np.ndarray) -> None:
        """Delete coefficients ``drop`` (nonbasic, :meth:`nonbasic`); the others keep their
        order.  The basis stays optimal for the remaining columns."""
        if drop.shape[0] == 0:
            return
        cols = np.sort(np.concatenate([self._pos_p[drop], self._pos_q[drop]]))
        self.h.deleteCols(int(cols.shape[0]), cols.astype(np.int32))
        keep = np.ones(self.k, dtype=bool)
        keep[drop] = False
        self._pos_p = self._pos_p[keep] - np.searchsorted(cols, self._pos_p[keep])
        self._pos_q = self._pos_q[keep] - np.searchsorted(cols, self._pos_q[keep])
        self._norm = self._norm[keep]
        self.k = int(keep.sum())

    def solve(self, whole: bool = False):
        """Solve from the previous basis.  ``whole``: the columns are the whole library, so
        an interpolation's elastic slacks are fixed at 0 (the equality LP; infeasible data
        raise :class:`LPInfeasible`).

        Returns (z, xi, theta, slack): coefficients in the order added, the bias, the
        equality duals at the rows, the largest elastic slack left (0 unless an
        interpolation has no exact solution on these columns)."""
        h, n = self.h, self.n
        if self.equality and whole and self.elastic:
            idx = np.arange(2 * n, dtype=np.int32)
            h.changeColsBounds(2 * n, idx, np.zeros(2 * n), np.zeros(2 * n))
            self.elastic = False
            h.setOptionValue("presolve", "on")  # the equality LP from scratch: the elastic
            status = self._from_scratch()       # basis is infeasible for it
        else:
            _interruptible_run(h)
            status = h.getModelStatus()
        if status not in (HighsModelStatus.kOptimal, HighsModelStatus.kInfeasible):
            # a warm primal simplex can lose its way numerically (it has reported
            # "unbounded" on a bounded LP)
            status = self._from_scratch()
        if status == HighsModelStatus.kInfeasible:
            raise LPInfeasible("the equality constraints have no solution on these columns")
        if status != HighsModelStatus.kOptimal:
            raise LPStatusError(f"HiGHS stopped without an optimum: "
                                f"{h.modelStatusToString(status)}")
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        z = self.s * (x[self._pos_p] - x[self._pos_q]) / self._norm
        xi = self.s * float(x[2 * n]) if self.bias else 0.0
        theta = np.asarray(sol.row_dual, dtype=float)
        slack = self.s * float(np.abs(x[:n] - x[n:2 * n]).max()) if self.equality else 0.0
        return z, xi, theta, slack

    def _from_scratch(self):
        """Solve again without the basis, by the dual simplex; the status."""
        h = self.h
        h.clearSolver()
        h.setOptionValue("simplex_strategy", _DUAL)
        _interruptible_run(h)
        h.setOptionValue("simplex_strategy", _PRIMAL)
        return h.getModelStatus()


def solve_sparse_lp(cost, lower, upper, starts, index, value, row_lower, row_upper,
                    n_scaled: int) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``min cost^T x  s.t.  row_lower <= M x <= row_upper, lower <= x <= upper`` with
    ``M`` in CSC form (``starts``, ``index``, ``value``), once, on HiGHS.  The first
    ``n_scaled`` rows carry the targets: every bound is divided by their largest magnitude
    before the solve (the duals do not change, the primal solution is scaled back), so the
    absolute feasibility tolerances mean the same at every scale.  Returns (x, row duals)."""
    s = float(np.abs(row_lower[:n_scaled]).max()) if n_scaled else 1.0
    s = s if s > 0 else 1.0
    h = _HighsModel()
    for key, val in _OPTIONS.items():
        h.setOptionValue(key, val)
    h.setOptionValue("simplex_strategy", _DUAL)
    h.setOptionValue("presolve", "on")
    n_rows, n_cols = int(row_lower.shape[0]), int(cost.shape[0])
    empty_i, empty_v = np.zeros(0, dtype=np.int32), np.zeros(0)
    h.addRows(n_rows, np.asarray(row_lower, dtype=float) / s,
              np.asarray(row_upper, dtype=float) / s, 0, np.zeros(n_rows, dtype=np.int32),
              empty_i, empty_v)
    h.addCols(n_cols, np.asarray(cost, dtype=float), np.asarray(lower, dtype=float) / s,
              np.asarray(upper, dtype=float) / s, int(value.shape[0]),
              np.asarray(starts[:-1], dtype=np.int32), np.asarray(index, dtype=np.int32),
              np.asarray(value, dtype=float))
    _interruptible_run(h)
    status = h.getModelStatus()
    if status != HighsModelStatus.kOptimal:
        raise LPStatusError(f"HiGHS stopped without an optimum: "
                            f"{h.modelStatusToString(status)}")
    sol = h.getSolution()
    return s * np.asarray(sol.col_value, dtype=float), np.asarray(sol.row_dual, dtype=float)


__all__ = ["LPInfeasible", "LPStatusError", "LiveLP", "solve_sparse_lp"]
