"""Column generation over an implicit library: the Lasso (1.2) on libraries never enumerated.

The restricted problem lives on a *pool* of materialized units (an ordinary
:class:`~library_of_mirrors.dictionary.Dictionary`) and is solved by the working-set solver of
:mod:`.lasso`; the structured pricer of the
:class:`~library_of_mirrors.dictionary.ImplicitDictionary` then finds, for the residual dual
point, the exact ``max_j |A_j^T theta|`` over the *whole* library (which scales the dual point
to feasibility: the duality gap certifies the full problem) and the most violating units, which
join the pool.  Memory: O(N + pool); no step touches all features explicitly.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..dictionary.flow import slope_changes
from ..dictionary.implicit import ImplicitDictionary
from .certificates import squared_dual
from .lasso import _scale, _solve_squared, _theta_at_samples, fit_objective
from .problem import Problem
from .result import LassoResult

#: smallest and largest number of units added to the pool per round
_ADD_MIN = 16
_ADD_MAX = 64


class _Pool:
    """Materialized units of an implicit library, in the order they joined, without repeats
    (equal columns up to sign hash equally; all-zero columns never join)."""

    def __init__(self, lib: ImplicitDictionary):
        self.lib = lib
        self.codes: list[int] = []
        self.kinks: list[int] = []
        self.seen: dict[tuple[int, int], int] = {}
        self._dict = None

    def add(self, codes: np.ndarray) -> int:
        """Add the units not in the pool yet; returns how many joined."""
        before = len(self.codes)
        self.locate(codes)
        return len(self.codes) - before

    def locate(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pool index and sign (the pool's column times the sign is the unit's column) of
        every unit, adding the new ones; index -1 for all-zero columns."""
        m = codes.shape[0]
        index = np.full(m, -1, dtype=np.int64)
        sign = np.ones(m)
        if m == 0:
            return index, sign
        h1, h2, nk, valid = self.lib.hashes(codes)
        for a in np.flatnonzero(valid):
            key = (int(h1[a]), int(h2[a]))
            i = self.seen.get(key)
            if i is None:
                i = self.seen[key] = len(self.codes)
                self.codes.append(int(codes[a]))
                self.kinks.append(int(nk[a]))
                self._dict = None
            elif self.codes[i] != int(codes[a]):  # an equal column up to sign: which sign?
                two = self.lib.materialize(np.array([self.codes[i], codes[a]], dtype=np.int64))
                cols = two.batch.evaluate(self.lib.x_unique)
                sign[a] = 1.0 if float(cols[:, 0] @ cols[:, 1]) >= 0 else -1.0
            index[a] = i
        return index, sign

    def __len__(self) -> int:
        return len(self.codes)

    def dictionary(self):
        if self._dict is None:
            self._dict = self.lib.materialize(np.array(self.codes, dtype=np.int64),
                                              np.array(self.kinks, dtype=np.int64))
        return self._dict


def _warm_pool(lib: ImplicitDictionary, pool: _Pool, warm) -> np.ndarray:
    """Seed ``pool`` with the units of a previous result over the same library; its z."""
    if warm is None:
        return np.zeros(0)
    codes = getattr(warm, "codes", None)
    old = getattr(warm, "dictionary", None)
    if codes is None or old is None:
        raise ValueError("warm_start for an implicit dictionary must be a LassoResult of an "
                         "implicit solve (it carries the units of its solution)")
    if (old.x_unique.shape != lib.x_unique.shape or not np.array_equal(old.x_unique,
                                                                         lib.x_unique)
            or (old.activation, old.depth, old.architecture)
            != (lib.activation, lib.depth, lib.architecture)):
        raise ValueError("warm_start was solved over a different library (other points or "
                         "architecture)")
    keep = np.flatnonzero(warm.z)
    idx, sgn = pool.locate(np.asarray(codes, dtype=np.int64)[keep])
    z = np.zeros(len(pool))
    ok = idx >= 0
    np.add.at(z, idx[ok], sgn[ok] * warm.z[keep][ok])
    return z


def _sparsest(pool: _Pool, sub: Problem, z: np.ndarray, lam: float):
    """Re-express a pool solution by the flow decomposition of its slope changes (deep narrow
    relu, free bias): the optimal face of these libraries is large (a capped ramp over
    [a, c] equals the ones over [a, b] and [b, c] at the same cost), and a solver lands anywhere
    on it; the decomposition has at most one unit per kink of the fit.  Kept only when the
    objective does not grow; returns (z, problem) over the possibly grown pool."""
    if np.count_nonzero(z) <= 1:
        return z, sub
    codes, coef = pool.lib.flow_decomposition(slope_changes(sub.d.batch, z))
    if codes.shape[0] >= np.count_nonzero(z):
        return z, sub
    idx, sgn = pool.locate(codes)
    znew = np.zeros(len(pool))
    ok = idx >= 0
    np.add.at(znew, idx[ok], sgn[ok] * coef[ok])
    new_sub = dataclasses.replace(sub, d=pool.dictionary())
    zold = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
    if fit_objective(new_sub, znew, lam) <= fit_objective(new_sub, zold, lam):
        return znew, new_sub
    return zold, new_sub


def solve_implicit(lib: ImplicitDictionary, prob: Problem, lam: float, beta: float, tol: float,
                   max_iter: int, max_epochs: int, warm_start, verbose: bool) -> LassoResult:
    """Squared-loss Lasso over an implicit library by column generation (see the module).

    ``prob`` holds the validated data (its dictionary is replaced by the pool).  The result's
    ``z`` refers to ``res.dictionary`` (the pool; ``res.codes`` are its units' codes);
    ``res.n_priced`` counts the library's units priced over all rounds.
    """
    t0 = time.perf_counter()
    scale = _scale(prob)
    wu, yu = prob.wu, prob.yu
    pool = _Pool(lib)
    z = _warm_pool(lib, pool, warm_start)
    inner_tol = 0.1 * tol
    best_dual, best_theta = -np.inf, None
    history = []
    n_priced = 0
    converged = False
    primal = gap = np.inf
    xi = 0.0
    it = 0
    for it in range(1, max_iter + 1):
        if len(pool):
            sub = dataclasses.replace(prob, d=pool.dictionary())
            z, *_ = _solve_squared(sub, lam, inner_tol, max_iter, max_epochs, z, False)
            if lib.has_flow_form and prob.bias:
                z, sub = _sparsest(pool, sub, z, lam)
            fit = sub.fit_u(z)
        else:
            fit = np.zeros_like(yu)
        xi = prob.center(yu - fit)
        r = yu - fit - xi
        theta = wu * r
        nnz = int(np.count_nonzero(z))
        k_add = min(max(_ADD_MIN, nnz), _ADD_MAX)
        price = lib.price(theta, 2 * k_add, centered=prob.bias)
        n_priced += price.n_priced
        primal = 0.5 * float(wu @ (r * r)) + prob.const + lam * float(np.abs(z).sum())
        dual, s = squared_dual(theta, price.corr_max, yu, wu, lam)
        if dual + prob.const > best_dual:
            best_dual, best_theta = dual + prob.const, s * theta
        gap = max(primal - best_dual, 0.0)
        history.append((primal, gap))
        if verbose:
            print(f"[solve_lasso implicit] {time.perf_counter() - t0:7.2f} s round {it}: "
                  f"objective {primal:.12g} gap {gap:.3e} pool {len(pool)} active {nnz} "
                  f"max|A^T theta|/beta~ {price.corr_max / lam:.6f}")
        if gap <= tol * scale:
            converged = True
            break
        viol = price.scores > lam * (1.0 + 1e-12)
        order = np.argsort(-price.scores[viol])[:k_add]
        added = pool.add(price.codes[viol][order])
        if added:
            z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
        elif inner_tol > 1e-15:
            inner_tol *= 0.01  # nothing new violates: the restricted solve was not tight enough
        else:
            break
    d_pool = pool.dictionary() if len(pool) else lib.materialize(np.zeros(0, np.int64))
    sub = dataclasses.replace(prob, d=d_pool)
    res = LassoResult(z, xi, primal, gap, it, converged, "squared", beta, lam, tol,
                      "column generation over the implicit library",
                      _theta_at_samples(sub, best_theta), history=history)
    res.dictionary = d_pool
    res.n_priced = n_priced
    res.codes = np.array(pool.codes, dtype=np.int64)
    return res


#: units added to the pool per round of the linear programs
_ADD_LP = 100


def solve_implicit_lp(lib: ImplicitDictionary, prob: Problem, lam: float, beta: float,
                      loss: str, quantile: float | None, max_iter: int,
                      verbose: bool) -> LassoResult:
    """Quantile / absolute loss over an implicit library: column generation on the linear
    program of :mod:`.linear_programs` (HiGHS on the pool), priced over the whole library.

    The LP's equality duals ``theta`` are scaled by ``min(1, beta~ / max_j |A_j^T theta|)`` with
    the library's exact maximum, which certifies the gap of the full problem.
    """
    from .linear_programs import solve_lp  # noqa: PLC0415

    w, y = prob.w, prob.y
    tau = float(quantile) if loss == "quantile" else 0.5
    a, c = (tau * w, (1 - tau) * w) if loss == "quantile" else (w, w)
    rows = lib.inverse
    nu = lib.x_unique.shape[0]
    r0 = y - np.median(y)
    theta = np.where(r0 > 0, a, -c)
    pool = _Pool(lib)
    z = np.zeros(0)
    xi, primal, gap, n_priced, converged, it = 0.0, np.inf, np.inf, 0, False, 0
    dual_point = theta
    for it in range(1, max_iter + 1):
        price = lib.price(np.bincount(rows, weights=theta, minlength=nu), 2 * _ADD_LP,
                          centered=False)
        n_priced += price.n_priced
        if len(pool):
            s = min(1.0, lam / price.corr_max) if price.corr_max > 0 else 1.0
            gap = max(primal - s * float(y @ theta), 0.0)
            dual_point = s * theta
            if verbose:
                print(f"[solve_lasso implicit {loss}] round {it}: objective {primal:.12g} "
                      f"gap {gap:.3e} pool {len(pool)} max|A^T theta|/beta~ "
                      f"{price.corr_max / lam:.6f}")
        viol = price.scores > lam * (1.0 + 1e-9)
        if len(pool) and not np.any(viol):
            converged = True
            break
        if not len(pool):  # the first LP needs columns, violated or not
            viol = np.ones(price.scores.shape[0], dtype=bool)
        order = np.argsort(-price.scores[viol])[:_ADD_LP]
        if pool.add(price.codes[viol][order]) == 0 and len(pool):
            break  # violators are already in the pool: HiGHS's tolerance, not the library
        z, xi, primal, _, _, _, theta, _ = solve_lp(pool.dictionary(), y, rows, lam, a, c,
                                                    prob.bias, theta, max_iter, False)
    res = LassoResult(z, xi, primal, gap, it, converged, loss, beta, lam, 0.0,
                      "HiGHS column generation over the implicit library", dual_point)
    res.dictionary = pool.dictionary()
    res.n_priced = n_priced
    res.codes = np.array(pool.codes, dtype=np.int64)
    return res
