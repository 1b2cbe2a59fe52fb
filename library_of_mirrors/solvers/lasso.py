"""``solve_lasso``, ``duality_gap`` and ``beta_max``: problem (1.2) and its convex-loss
generalization (D.24), certified, on any library (explicit, additive or implicit).

``min_{z, xi} sum_i w_i loss(y_i, (A z)_i + xi) + beta~ ||z||_1`` with ``beta~ = beta *
d.beta_scale`` (beta~ = 2 beta for the 3-layer symmetrized network, erratum E6) and a free,
unpenalized external bias xi unless ``bias=False``.  The loss is a datafit
(:mod:`.datafits`); the solve is the working-set engine (:mod:`.engine`).
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np

from ..validation import POSITIVE_INT, Options, check_beta, check_sample_weight, check_vector
from . import engine, slope_lasso, slope_lp, slope_newton
from .datafits import Datafit, Squared, get_datafit
from .linear_terms import ProjectedPool, Projector, linear_at_points
from .result import ConvergenceWarning, LassoResult, certify_scope, gap_target
from .rows import Rows
from .threads import one_blas_thread

SOLVERS = ("auto", "working_sets", "spred")


def check_library(d):
    """``d`` must implement the library protocol (:mod:`library_of_mirrors.dictionary.pools`)."""
    if not all(hasattr(d, a) for a in ("pool", "beta_scale", "inverse", "listed")):
        raise TypeError("d must be a Dictionary from build_dictionary (or an AdditiveDictionary "
                        f"or ImplicitDictionary), got {type(d).__name__}")
    return d


def prepare(d, y, datafit: Datafit, sample_weight=None, bias: bool = True
            ) -> tuple[np.ndarray, np.ndarray, Rows]:
    """Validated targets and weights per sample, and the datafit's rows."""
    check_library(d)
    y = check_vector(y, d.n_samples, "y")
    w = check_sample_weight(sample_weight, d.n_samples)
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be True or False, got {bias!r}")
    rows = datafit.prepare(y, w, d.inverse, d.x_unique.shape[0], bias)
    return y, w, rows


#: the solvers in slope-change coordinates over relu libraries (each serves the losses its
#: ``applies`` accepts: the pinball losses, the squared loss, smooth losses), with the name a
#: result carries; the working-set engine finishes from the point of one that stops short
SLOPE_SOLVERS = ((slope_lp, "slope-change LP"), (slope_lasso, "slope changes"),
                 (slope_newton, "slope changes (proximal Newton)"))


def solve_lasso(d, y, beta, loss: str | Datafit = "squared", quantile: float | None = None,
                tol: float = 1e-8, *, bias: bool = True, sample_weight=None,
                delta: float | None = None, max_iter: int = 500, warm_start=None,
                solver: str = "auto", linear=None, verbose: bool = False) -> LassoResult:
    """Train the network of library ``d`` to its global optimum: the Lasso (1.2) / (D.24).

    ``min_{z, xi} sum_i w_i loss(y_i, (A z)_i + xi) + beta~ ||z||_1`` with ``beta~ = beta *
    d.beta_scale`` and a free external bias xi (``bias=False`` fixes xi = 0).

    Parameters
    ----------
    d : Dictionary, AdditiveDictionary or ImplicitDictionary (any library, see
        :mod:`library_of_mirrors.dictionary.pools`).
    y : targets, one per sample of ``d`` (two classes for ``loss="logistic"``).
    beta : the weight decay beta of the training problem (1.1).
    loss : "squared" (0.5 r^2, problem (1.2)), "quantile" (pinball 0.5|r| + (tau - 0.5) r with
        ``quantile`` = tau), "absolute" (|r|), "huber" (r^2/2 on |r| <= delta, else
        delta |r| - delta^2/2), "logistic" (log(1 + exp(-s u)), labels s = +-1), or a
        :class:`~.datafits.Datafit`.
    tol : relative tolerance: converged means the certified gap is at most ``tol`` times the
        optimum (its certified lower bound ``objective - gap``), or at the rounding level
        ``1e-10`` times the objective at z = 0 when that is larger (a tiny optimum: small beta,
        a near-exact fit); every loss.  ``res.gap / (res.objective - res.gap)`` is what was
        reached.
    sample_weight : non-negative weight per sample (the loss terms are multiplied by it).
    max_iter : working-set iterations (each prices the whole library).
    warm_start : a previous ``LassoResult`` over the same library (or a coefficient vector of
        an explicit one).
    solver : "auto" (the fastest exact solver that serves the problem: over relu libraries
        with a free bias the slope-change solver (squared loss), one sparse LP in slope
        changes (quantile, absolute) or proximal Newton steps solved by the slope-change
        solver (logistic), else the working-set engine), "working_sets" (the
        engine always) or "spred": the Lasso as the redundant product
        network z = u * v with weight decay, trained by L-BFGS on the dense matrix (squared
        loss; a check of the equivalence, not the fast path).
    linear : unpenalized linear terms, shape (n_samples, k), one value per distinct input:
        the skip connection of Lemma 3.1 (for a network on inputs X, ``linear=X``).  The fit is
        ``A z + linear @ res.linear + xi`` and the certificate covers the problem with them
        (:mod:`.linear_terms`); squared loss only.  ``res.predict`` leaves them out: add
        ``X_new @ res.linear``.

    Returns a :class:`LassoResult`; if the gap did not reach the tolerance it warns
    (:class:`ConvergenceWarning`) with the gap, the tolerance and why, and ``converged`` is
    False.  Result ``z`` refers to ``d`` (explicit libraries) or to ``res.dictionary`` (the
    materialized units of an implicit one).
    """
    check_library(d)
    datafit = get_datafit(loss, quantile, delta)
    beta = check_beta(beta)
    tol = check_beta(tol, "tol")
    max_iter = POSITIVE_INT.check(max_iter, "max_iter")
    solver = Options(*SOLVERS).check(solver, "solver")
    scale = target_scale(d, y, datafit)
    if scale != 1.0:
        return _rescaled(scale, d, y, beta, datafit, tol=tol, bias=bias,
                         sample_weight=sample_weight, max_iter=max_iter,
                         warm_start=warm_start, solver=solver, linear=linear, verbose=verbose)
    y, w, rows = prepare(d, y, datafit, sample_weight, bias)
    lam = beta * d.beta_scale
    t0 = time.perf_counter()
    with one_blas_thread():  # numba owns the threads (solvers/threads.py)
        if linear is not None:
            return _solve_linear(d, y, w, rows, beta, lam, tol, bias, max_iter, datafit, solver,
                                 linear, warm_start, verbose, t0)
        if solver == "spred":
            return _spred(d, y, w, rows, beta, lam, tol, bias, max_iter, datafit, t0)
        pool = d.pool()
        z0 = pool.warm(warm_start)
        method = "working sets"
        first = None  # a slope-change solver's point that the working sets continue from
        for module, name in SLOPE_SOLVERS if solver == "auto" else ():
            if not module.applies(pool, datafit, bias):
                continue
            try:
                sol = module.solve(pool, datafit, rows, lam, getattr(d, "points", d.x_unique),
                                   tol=tol, max_iter=max_iter, z0=z0, verbose=verbose)
            except ZeroDivisionError:
                # inputs closer than about 1e-165 of their spread: the segment recursions'
                # squared gaps underflow to 0; the working sets do not read positions
                continue
            if sol is not None and sol.converged:
                return _result(sol, pool, d, datafit, rows, y, w, beta, lam, tol,
                               rows.shift + sol.xi, name,
                               f"solve_lasso(loss={datafit.name!r})", t0, 3)
            if sol is not None:  # the working sets finish from its point
                z0, method, first = sol.z, f"{name}, then working sets", (sol, name)
        sol = engine.solve(pool, datafit, rows, lam, bias=bias, tol=tol, max_iter=max_iter,
                           z0=z0, verbose=verbose)
        if first is not None and not sol.converged and first[0].gap < sol.gap:
            sol, method = _better_start(first[0], sol, len(pool)), first[1]
        return _result(sol, pool, d, datafit, rows, y, w, beta, lam, tol, rows.shift + sol.xi,
                       method, f"solve_lasso(loss={datafit.name!r})", t0, 3)


#: targets whose spread (about their median) lies in this range are solved as given; others
#: are divided by a power of 2 near their spread (exact), solved, and the result multiplied
#: back: the solvers' rounding-level tests see numbers of order 1 (a Huber fit with targets
#: near 1e-6, objective 1e-12, stopped at 6.6 times its optimum)
TARGET_SPREADS = (2.0**-4, 2.0**8)


def target_scale(d, y, datafit: Datafit) -> float:
    """1, or the power of 2 that brings the targets' spread into :data:`TARGET_SPREADS` (for
    a datafit homogeneous in the targets: ``Datafit.homogeneity``)."""
    if datafit.homogeneity is None:
        return 1.0
    yv = check_vector(y, d.n_samples, "y")
    spread = float(np.max(np.abs(yv - np.median(yv)))) if yv.size else 0.0
    if not spread > 0 or TARGET_SPREADS[0] <= spread <= TARGET_SPREADS[1]:
        return 1.0
    return float(2.0 ** round(np.log2(spread)))


def _rescaled(s: float, d, y, beta: float, datafit: Datafit, *, warm_start, linear,
              **options) -> LassoResult:
    """:func:`solve_lasso` for targets ``y / s`` (weight decay ``beta / s^(k-1)``, the datafit
    rescaled), mapped back: ``z``, ``xi`` and the skip weights times ``s``, the objective and
    the gap times ``s^k``.  Powers of 2 make both ways exact."""
    k = datafit.homogeneity
    if abs(k * np.log2(s)) > 1000:  # the objective in y's units would not be a float
        raise ValueError(f"the objective of these targets "
                         f"{'overflows' if s > 1 else 'underflows'} float64: y's spread is "
                         f"about {s:.3g} and the {datafit.name} loss grows like its power {k}; "
                         "rescale y (the estimators standardize it)")
    if warm_start is not None:
        warm_start = (dataclasses.replace(warm_start, z=warm_start.z / s)
                      if isinstance(warm_start, LassoResult) else np.asarray(warm_start) / s)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = solve_lasso(d, check_vector(y, d.n_samples, "y") / s, beta / s ** (k - 1),
                          datafit.rescaled(s), warm_start=warm_start, linear=linear,
                          **options)
    res.z, res.xi = res.z * s, res.xi * s
    res.objective, res.gap = res.objective * s**k, res.gap * s**k
    res.history = [(p * s**k, g * s**k) for p, g in res.history]
    if res.dual is not None:
        res.dual = res.dual * s ** (k - 1)
    if res.linear is not None:
        res.linear = res.linear * s
    res.beta, res.beta_tilde, res.datafit = beta, beta * d.beta_scale, datafit
    for w in caught:
        message = str(w.message)
        if issubclass(w.category, ConvergenceWarning):
            message += (f" (solved for the targets divided by {s:g}: gaps in y's units are "
                        f"{s**k:g} times these)")
        warnings.warn(message, w.category, stacklevel=3)
    return res


def _better_start(start: engine.Solution, after: engine.Solution, n: int) -> engine.Solution:
    """The slope-change solver's point, kept when the working sets that continued from it
    ended with a larger certified gap (near interpolation, at the rounding floor: 2-layer
    relu, N = 1000, 1e-6 beta_max ended at 2.6e-6 from 1.5e-6); its coefficients padded to
    the ``n`` columns a growing pool has now (the first ones keep their indices)."""
    z = np.zeros(n)
    z[:start.z.shape[0]] = start.z
    return dataclasses.replace(
        start, z=z, n_iter=start.n_iter + after.n_iter, history=start.history + after.history,
        n_priced=start.n_priced + after.n_priced,
        reason=f"{start.reason}; the working sets that continued from it ended with a larger "
               f"gap ({after.gap:.3e})")


def _result(sol, pool, d, datafit, rows, y, w, beta, lam, tol, xi, method: str, call: str,
            t0: float, stacklevel: int) -> LassoResult:
    """The :class:`LassoResult` of an engine solution (its columns: those the pool
    materialized, if it grew), warning (at the user's ``stacklevel``) if the gap did not reach
    the tolerance."""
    res = LassoResult(sol.z, xi, sol.objective, sol.gap, sol.n_iter, sol.converged,
                      datafit.name, beta, lam, tol, method,
                      datafit.to_samples(rows, sol.theta, y, w, d.inverse),
                      history=sol.history)
    columns = pool.dictionary()
    if columns is not d:  # a growing pool: the solution refers to its materialized columns
        res.dictionary, res.codes, res.n_priced = columns, pool.codes(), sol.n_priced
    res.time = time.perf_counter() - t0
    res.datafit = datafit
    res.slack = sol.slack
    certify_scope(res, d, stacklevel)
    if not sol.converged:
        warnings.warn(f"{call} stopped after {sol.n_iter} iterations with duality gap "
                      f"{sol.gap:.3e} above the tolerance {tol:.1e} (target {sol.target:.3e}: "
                      f"tol x the optimum's lower bound, at least the rounding level): "
                      f"{sol.reason}", ConvergenceWarning, stacklevel=stacklevel)
    return res


def duality_gap(d, y, beta, z, *, sample_weight=None, bias: bool = True,
                loss: str | Datafit = "squared", quantile: float | None = None,
                delta: float | None = None) -> tuple[float, float]:
    """Certify any coefficient vector over an explicit library: (objective, gap).

    xi is set to its optimal value for ``z`` (0 without bias); the gap comes from the scaled
    dual point over the whole library (matrix-free), so it bounds ``objective - optimum`` from
    above for solutions of any solver (the benchmarks certify their peers with it).
    """
    datafit = get_datafit(loss, quantile, delta)
    y, w, rows = prepare(d, y, datafit, sample_weight, bias)
    pool = d.pool()
    z = np.asarray(z, dtype=float)
    if z.shape != (len(pool),):
        raise ValueError(f"z must have shape ({len(pool)},), got {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("z contains NaN or infinite coefficients")
    primal, gap, _, _ = engine.certify(pool, datafit, rows, check_beta(beta) * d.beta_scale,
                                       z, bias)
    return primal, gap


def beta_max(d, y, *, sample_weight=None, bias: bool = True, loss: str | Datafit = "squared",
             quantile: float | None = None, delta: float | None = None, linear=None) -> float:
    """The smallest beta of (1.1) from which z = 0 is certified optimal.

    z = 0 is optimal iff ``|A^T theta0| <= beta~`` for a dual point theta0 at the fit xi0 (the
    optimal bias alone, with the unpenalized ``linear`` terms if given):
    ``beta_max = ||A^T theta0||_inf / beta_scale``, the maximum over the whole library
    (structured for an implicit one).  For the smooth losses theta0 is unique and this is
    exact; for the piecewise-linear ones it is the canonical subgradient's value, an upper bound
    of the exact threshold.
    """
    datafit = get_datafit(loss, quantile, delta)
    _, _, rows = prepare(d, y, datafit, sample_weight, bias)
    pool = d.pool()
    if linear is not None:
        if not isinstance(datafit, Squared):
            raise ValueError("linear (unpenalized skip) terms need loss='squared'")
        n_points = d.x_unique.shape[0]
        Lp = linear_at_points(linear, d.inverse, n_points, d.n_samples)
        proj = Projector(np.column_stack([np.ones(n_points), Lp]) if bias else Lp, rows.w)
        theta = rows.w * proj.apply(rows.y)
        return pool.price(proj.adjoint(theta), 1, centered=bias).corr_max / d.beta_scale
    f0 = np.zeros(rows.n_rows)
    xi0 = datafit.optimal_bias(rows, f0, None) if bias else 0.0
    theta = datafit.dual_point(rows, f0 + xi0, None)
    price = pool.price(rows.to_points(theta), 1, centered=bias)
    return price.corr_max / d.beta_scale


def _solve_linear(d, y, w, rows, beta, lam, tol, bias, max_iter, datafit, solver, linear,
                  warm_start, verbose, t0) -> LassoResult:
    """The Lasso with unpenalized linear terms, by projecting them out (:mod:`.linear_terms`)."""
    if not isinstance(datafit, Squared):
        raise ValueError(f"linear (unpenalized skip) terms need loss='squared', got "
                         f"{datafit.name!r}")
    if solver != "auto":
        raise ValueError("linear terms are solved by the working-set engine (solver='auto')")
    n_points = d.x_unique.shape[0]
    Lp = linear_at_points(linear, d.inverse, n_points, d.n_samples)
    cols = np.column_stack([np.ones(n_points), Lp]) if bias else Lp
    proj = Projector(cols, rows.w)
    projected = Rows(proj.apply(rows.y), rows.w, rows.point, rows.n_points, rows.shift,
                     rows.const)
    base = d.pool()
    pool = ProjectedPool(base, proj, centered=bias)
    sol = engine.solve(pool, datafit, projected, lam, bias=False, tol=tol, max_iter=max_iter,
                       z0=base.warm(warm_start), verbose=verbose)
    coef = proj.coef(rows.y - base.fit(sol.z))
    xi = rows.shift + (float(coef[0]) if bias else 0.0)
    res = _result(sol, base, d, datafit, rows, y, w, beta, lam, tol, xi,
                  "working sets (projected skip)", "solve_lasso(linear=...)", t0, 4)
    res.linear = np.asarray(coef[1:] if bias else coef, dtype=float)
    return res


def _spred(d, y, w, rows, beta, lam, tol, bias, max_iter, datafit, t0) -> LassoResult:
    if not isinstance(datafit, Squared):
        raise ValueError("solver='spred' solves the squared loss only")
    from .spred import solve_spred  # noqa: PLC0415

    if not d.listed:
        raise ValueError("solver='spred' needs an explicit library (a dense matrix)")
    z, xi, _, it, _ = solve_spred(d.pool(), rows, lam, bias, 2, max_iter=max(max_iter, 50_000))
    obj, gap = duality_gap(d, y, beta, z, sample_weight=w, bias=bias)
    scale = datafit.value(rows, np.full(rows.n_rows, datafit.optimal_bias(
        rows, np.zeros(rows.n_rows), None) if bias else 0.0))
    conv = gap <= gap_target(tol, obj, gap, scale)
    res = LassoResult(z, rows.shift + xi, obj, gap, it, conv, "squared", beta, lam, tol,
                      "spred (L-BFGS)")
    res.time = time.perf_counter() - t0
    certify_scope(res, d, 3)
    if not conv:
        warnings.warn(f"solve_lasso(solver='spred'): L-BFGS stopped with duality gap "
                      f"{gap:.3e} above the tolerance {tol:.1e} (relative); its tiny "
                      "nonzero coefficients are not exact zeros", ConvergenceWarning,
                      stacklevel=3)
    return res


__all__ = ["SOLVERS", "beta_max", "check_library", "duality_gap", "prepare", "solve_lasso"]
