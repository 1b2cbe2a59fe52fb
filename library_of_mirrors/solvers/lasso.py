"""``solve_lasso``: problem (1.2) and its convex-loss generalization (D.24), certified.

The squared loss uses working sets (celer-style): the matrix-free correlation oracle
``A^T theta`` (O(N + nnz) over the kink forms, DESIGN.md) prices every feature and gives the
duality gap of the whole problem; the dense subproblem over the working set is solved exactly by
a primal active-set method (coordinate descent crawls on these nearly collinear ramps: the
dictionaries are ill-conditioned by construction, the active sets are small).
The free external bias xi is eliminated by weighted centering, so every dual point satisfies
``1^T theta = 0``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from ..dictionary import Dictionary
from ..dictionary.flow import decompose, slope_changes
from . import blocks
from .blocks import DenseBlock, FreeBlock
from .certificates import squared_dual
from .problem import LOSSES, Problem, as_float, check_beta
from .result import ConvergenceWarning, LassoResult

_WS_MIN = 16
#: coordinate-descent fallback rounds (10 epochs each) before a subproblem is handed to the QP
_MAX_CD_ROUNDS = 10


# ----------------------------------------------------------------------------------------------
# the dense subproblem over a working set


def working_set(corr: np.ndarray, z: np.ndarray, k: int) -> np.ndarray:
    """Sorted indices of the support of ``z`` plus the most correlated other features, ``k`` in
    all (celer's rule: the features nearest to violating ``|A_j^T theta| <= beta~``)."""
    p = corr.shape[0]
    if k >= p:
        return np.arange(p)
    score = np.abs(corr)
    score[np.flatnonzero(z)] = np.inf
    return np.sort(np.argpartition(-score, k - 1)[:k])


def _gram_block(block, S: np.ndarray) -> np.ndarray:
    """``B^T B[:, S]``, shape (k, |S|), from the block's cached Gram columns."""
    return np.column_stack([block.col(int(j)) for j in S]) if S.shape[0] else \
        np.zeros((block.k, 0))


def _newton_target(G: np.ndarray, rhs: np.ndarray) -> np.ndarray | None:
    """Solve G t = rhs (G = B_S^T B_S, often ill-conditioned) by Cholesky with one step of
    iterative refinement; None when G is numerically singular (a column in the span of the
    others), where the Newton direction is meaningless."""
    try:
        cf = cho_factor(G, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    diag = np.abs(np.diag(cf[0]))
    if diag.min() <= 1e-7 * diag.max():  # condition number above ~1e14
        return None
    t = cho_solve(cf, rhs, check_finite=False)
    t += cho_solve(cf, rhs - G @ t, check_finite=False)
    return t if np.all(np.isfinite(t)) else None


def solve_subproblem(block, z: np.ndarray, lam, tol: float,
                     max_steps: int) -> tuple[np.ndarray, int]:
    """min 0.5||b - B z||^2 + sum_j lam_j |z_j| exactly, by a primal active-set method, for a
    working-set ``block`` (:class:`~.blocks.DenseBlock` or the matrix-free
    :class:`~.blocks.FreeBlock`: only Gram columns of features that enter are computed).

    Feature-sign search (Lee, Battle, Raina, Ng 2007): add the most violating feature with the
    sign of its correlation, take the Newton step of the quadratic on the signed support, line
    search over the sign changes on the way (each step strictly decreases the objective), drop
    the zeros.  Stops when the subproblem's duality gap is at most ``tol`` (absolute) or no
    feature violates the KKT conditions.  ``lam`` is a scalar or one penalty per column.
    Returns (z, steps); ``steps == max_steps`` means "crawling": the caller solves the
    subproblem as a QP instead (also after ``_MAX_CD_ROUNDS`` rounds of the CD fallback on a
    singular support).
    """
    k = block.k
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (k,))
    if k and not np.all(lam > 0):
        raise ValueError("solve_subproblem needs positive penalties")
    z = z.copy()
    for j in np.flatnonzero(z):  # a zero column only adds penalty (a constant after centering)
        if block.col(int(j))[j] <= 0.0:
            z[j] = 0.0
    c = block.c
    bb = block.bb
    step = 0
    S = np.flatnonzero(z)
    # a feature is added only while the support's KKT equalities g_S = lam_S sign(z_S) hold
    # (after a full Newton step, or on entry): then the Newton step moves the new coefficient
    # in the direction of its sign, as in LARS
    def support_kkt(zz) -> bool:
        Sz = np.flatnonzero(zz)
        return Sz.shape[0] == 0 or bool(np.max(np.abs(
            c[Sz] - _gram_block(block, Sz)[Sz] @ zz[Sz] - lam[Sz] * np.sign(zz[Sz])))
            <= 1e-7 * lam.max())

    fresh = support_kkt(z)
    stuck = 0
    crawl = 0  # rounds of the coordinate-descent fallback

    def primal_true(zz):
        return block.objective(zz, lam)

    while step < max_steps:
        S = np.flatnonzero(z)
        GS = _gram_block(block, S)
        g = c - GS @ z[S]  # = B^T R
        # subproblem objective and certificate (R^T R from the Gram: no pass over B)
        zS = z[S]
        RR = bb - 2.0 * float(c[S] @ zS) + float(zS @ (GS[S] @ zS))
        primal = 0.5 * RR + float(lam[S] @ np.abs(zS))
        gmax = float(np.max(np.abs(g) / lam)) if k else 0.0
        lin = bb - float(c[S] @ zS)  # R^T b
        quad = max(RR, 0.0)
        bound = 1.0 / gmax if gmax > 0 else np.inf
        s = float(np.clip(lin / quad, -bound, bound)) if quad > 0 else 0.0
        gap = primal - (s * lin - 0.5 * s * s * quad)
        if gap <= tol:
            break
        step += 1
        signs = np.sign(z)
        viol = np.abs(g) - lam
        viol[S] = -np.inf
        j = int(np.argmax(viol))
        violated = viol[j] > 1e-12 * lam[j]
        added = fresh and violated
        if added:
            signs[j] = np.sign(g[j])
            S = np.append(S, j)
            S.sort()
            GS = _gram_block(block, S)
        sS = signs[S]
        lS = lam[S]
        G = GS[S]
        target = _newton_target(G, c[S] - lS * sS)
        moved = False
        if target is not None:
            z0 = z[S]
            dz = target - z0
            # objective along z0 + t dz on S: the quadratic's change plus the l1 norm
            a1 = float(dz @ (c[S] - GS[S] @ z0))  # -d/dt of the quadratic at t = 0
            a2 = float(dz @ (G @ dz))
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = -z0 / dz
            ts = [1.0] + [float(t) for t in cross[(cross > 0) & (cross < 1)
                                                   & np.isfinite(cross)]]
            best_t, best_f = 0.0, float(lS @ np.abs(z0))  # t = 0: no move
            for t in ts:
                f = -t * a1 + 0.5 * t * t * a2 + float(lS @ np.abs(z0 + t * dz))
                if f < best_f:
                    best_t, best_f = t, f
            if best_t > 0.0:
                znew = z0 + best_t * dz
                if best_t < 1.0:  # the coefficient that crossed zero leaves the support
                    znew[np.abs(cross - best_t) <= 1e-12] = 0.0
                zc = z.copy()
                zc[S] = znew
                # accept only a verified decrease (the line search works on rounded sums)
                if block.objective(zc, lam) < primal_true(z):
                    z = zc
                    fresh = best_t == 1.0
                    moved = True
        elif added and S.shape[0] > 1:
            # the new column lies in the span of the support: move along the null direction
            # (the fit is unchanged, the l1 norm falls) until a support coefficient hits zero
            old = S[S != j]
            alpha = _newton_target(GS[old][:, S != j], GS[old][:, S == j][:, 0])
            if alpha is not None:
                v = np.zeros(S.shape[0])
                v[S == j] = signs[j]
                v[S != j] = -alpha * signs[j]
                z0 = z[S]
                with np.errstate(divide="ignore", invalid="ignore"):
                    cross = -z0 / v
                ts = cross[(cross > 0) & np.isfinite(cross)]
                if ts.shape[0]:
                    t = float(ts.min())
                    zc = z.copy()
                    zc[S] = z0 + t * v
                    zc[S[np.abs(cross - t) <= 1e-12]] = 0.0
                    if block.objective(zc, lam) < primal_true(z):
                        z = zc
                        moved = True
                        fresh = False
        if moved:
            stuck = 0
            continue
        if not violated and target is not None and support_kkt(z):
            break  # the support is optimal to rounding and nothing violates: done
        # (a Gram singular in exact arithmetic can pass the conditioning test with a
        # meaningless Newton target: without the support's KKT equalities this is no optimum)
        # singular support or no verified descent: coordinate descent always makes progress
        crawl += 1
        if crawl > _MAX_CD_ROUNDS:
            # CD alone crawls on these collinear columns: hand over to the caller's QP
            return z, max_steps
        f0 = primal_true(z)
        block.cd(z, lam, 10)
        stuck = stuck + 1 if primal_true(z) >= f0 else 0
        if stuck >= 2:
            break
        fresh = not fresh if stuck else support_kkt(z)
    return z, step


# ----------------------------------------------------------------------------------------------
# the whole problem


class _Squared:
    """State of the squared-loss problem on the distinct points."""

    def __init__(self, prob: Problem, lam: float):
        self.prob = prob
        self.lam = lam
        self.sw = np.sqrt(prob.wu)
        self.ybar = prob.center(prob.yu)

    def evaluate(self, z: np.ndarray):
        """(primal, dual, xi, theta_u, correlations) at z, the dual point scaled to feasibility."""
        p = self.prob
        fit = p.fit_u(z)
        xi = p.center(p.yu - fit)
        r = p.yu - fit - xi
        theta = p.wu * r
        corr = p.correlations(theta)
        cmax = float(np.abs(corr).max()) if corr.shape[0] else 0.0
        primal = 0.5 * float(p.wu @ (r * r)) + p.const + self.lam * float(np.abs(z).sum())
        dual, s = squared_dual(theta, cmax, p.yu, p.wu, self.lam)
        return primal, dual + p.const, xi, s * theta, corr

    def block(self, idx: np.ndarray) -> DenseBlock | FreeBlock:
        """The working set ``idx``: weighted, centered columns at the distinct points, dense
        while they fit :data:`~.blocks.DENSE_BLOCK_BYTES`, else matrix-free."""
        p = self.prob
        if 8 * p.wu.shape[0] * idx.shape[0] > blocks.DENSE_BLOCK_BYTES:
            return FreeBlock(p.d.batch.subset(idx), p.wu, p.yu - self.ybar, p.bias)
        A = p.columns_u(idx)
        if p.bias:
            A -= (p.wu @ A) / p.wu.sum()
        return DenseBlock(np.asfortranarray(A * self.sw[:, None]),
                          self.sw * (p.yu - self.ybar))


def _solve_squared(prob: Problem, lam: float, tol: float, max_iter: int, max_epochs: int,
                   z0: np.ndarray | None, verbose: bool):
    p = prob.d.n_features
    st = _Squared(prob, lam)
    scale = _scale(prob)
    z = np.zeros(p) if z0 is None else np.array(z0, dtype=float)
    best_dual, best_theta = -np.inf, None
    history = []
    converged = False
    it = 0
    canon = _two_layer_canonical(prob, lam)
    for it in range(1, max_iter + 1):
        primal, dual, xi, theta, corr = st.evaluate(z)
        if dual > best_dual:
            best_dual, best_theta = dual, theta
        gap = max(primal - best_dual, 0.0)  # >= 0 up to rounding
        history.append((primal, gap))
        if verbose:
            print(f"[solve_lasso] outer {it}: objective {primal:.12g} gap {gap:.3e} "
                  f"active {np.count_nonzero(z)}")
        if gap <= tol * scale:
            converged = True
            break
        supp = np.flatnonzero(z)
        # celer's rule: twice the support, plus the most violating features
        ws = working_set(corr, z, 2 * supp.shape[0] + _WS_MIN)
        ws = np.sort(ws)
        block = st.block(ws)
        # the active-set subproblem is finite and cheap: solve it to well below the target
        budget = min(max_epochs, 100 + 5 * ws.shape[0])
        zw, steps = solve_subproblem(block, z[ws], lam, 0.1 * tol * scale, budget)
        if steps >= budget:
            # crawling on a large ill-conditioned support (nearly interpolating noisy data):
            # an interior-point QP does not care about the conditioning
            zq = block.qp(lam)
            lam_w = np.full(ws.shape[0], lam)
            if zq is not None:  # the vertex of its optimal face: as good, and sparse
                zv = block.crossover(zq)
                if block.objective(zv, lam_w) <= block.objective(zq, lam_w):
                    zq = zv
            if zq is not None and block.objective(zq, lam_w) < block.objective(zw, lam_w):
                zw = zq
        z = np.zeros(p)
        z[ws] = zw
        if canon is not None:
            z = canon(z)
    else:
        primal, dual, xi, theta, corr = st.evaluate(z)
        if dual > best_dual:
            best_dual, best_theta = dual, theta
        gap = max(primal - best_dual, 0.0)  # >= 0 up to rounding
    return z, xi, primal, gap, it, converged, best_theta, history, scale


def fit_objective(prob: Problem, z: np.ndarray, lam: float) -> float:
    """The squared-loss objective at z with its optimal xi, from the exact residual (without
    the duplicates' constant): what a re-expression of z must not increase."""
    fit = prob.fit_u(z)
    r = prob.yu - fit - prob.center(prob.yu - fit)
    return 0.5 * float(prob.wu @ (r * r)) + lam * float(np.abs(z).sum())


def _two_layer_canonical(prob: Problem, lam: float):
    """For the full 2-layer relu library with a free bias: a map z -> z' with the same fit,
    no larger objective and at most one unit per kink (:func:`~..dictionary.flow.decompose`),
    else None.  Its optimal face is large (``R_a + L_b`` fits like ``R_b + L_a`` up to a
    constant, at the same cost), and working sets that wander over it grow to thousands of
    columns at N = 10^6."""
    d = prob.d
    if (not isinstance(d, Dictionary) or not prob.bias or d.depth != 2 or d.sampled
            or d.activation.name != "relu" or d.architecture != "deep_narrow"):
        return None
    n = d.x_unique.shape[0]
    lookup = np.full(2 * n, -1, dtype=np.int64)
    lookup[d.batch.slots[:, 0] + n * (d.batch.signs[:, 0] < 0)] = np.arange(d.n_features)

    def canon(z: np.ndarray) -> np.ndarray:
        nnz = np.count_nonzero(z)
        if nnz <= 1:
            return z
        codes, coef = decompose(slope_changes(d.batch, z), 2)
        idx = lookup[codes]
        if codes.shape[0] >= nnz or np.any(idx < 0):
            return z
        out = np.zeros_like(z)
        np.add.at(out, idx, coef)
        return out if fit_objective(prob, out, lam) <= fit_objective(prob, z, lam) else z

    return canon


def _scale(prob: Problem) -> float:
    """The squared-loss objective at z = 0 with the optimal xi: the unit of ``tol``."""
    r = prob.yu - prob.center(prob.yu)
    return 0.5 * float(prob.wu @ (r * r)) + prob.const


def duality_gap(d, y, beta, z, *, sample_weight=None, bias: bool = True) -> tuple[float, float]:
    """Certify any coefficient vector for the squared-loss Lasso (1.2): (objective, gap).

    xi is set to its optimal value for ``z`` (0 without bias); the gap comes from the scaled
    residual dual point over the whole dictionary (matrix-free), so it bounds
    ``objective - optimum`` from above for solutions of any solver (used by the benchmarks).
    """
    prob = Problem.make(d, y, sample_weight, bias)
    z = np.asarray(z, dtype=float)
    if z.shape != (d.n_features,):
        raise ValueError(f"z must have shape ({d.n_features},), got {z.shape}")
    primal, dual, _, _, _ = _Squared(prob, check_beta(beta) * d.beta_scale).evaluate(z)
    return primal, max(primal - dual, 0.0)


def _theta_at_samples(prob: Problem, theta_u: np.ndarray) -> np.ndarray:
    """The sample-level dual point of a distinct-point one: the share of each sample plus its
    deviation from its group's mean target (which sums to zero in every group, so A^T theta and
    1^T theta are unchanged and the dual value gains exactly the constant of the reduction)."""
    wu, inv = prob.wu, prob.d.inverse
    share = np.divide(theta_u, wu, out=np.zeros_like(theta_u), where=wu > 0)
    return prob.w * (share[inv] + prob.y - prob.yu[inv])


def _solve_implicit(d, prob, lam, beta, loss, quantile, tol, max_iter, max_epochs, warm_start,
                    solver, verbose) -> LassoResult:
    """``solve_lasso`` on an :class:`~library_of_mirrors.dictionary.ImplicitDictionary`."""
    from .column_generation import solve_implicit, solve_implicit_lp  # noqa: PLC0415

    if loss == "huber" or solver != "auto":
        raise ValueError(f"an implicit dictionary is solved by column generation for the "
                         f"squared, quantile and absolute losses (solver='auto'); got "
                         f"loss={loss!r}, solver={solver!r}")
    t0 = time.perf_counter()
    if loss != "squared":
        if warm_start is not None:
            raise ValueError("warm_start is used by the squared loss only")
        res = solve_implicit_lp(d, prob, lam, beta, loss, quantile, max_iter, verbose)
        res.time = time.perf_counter() - t0
        if not res.converged:
            warnings.warn(f"solve_lasso(loss={loss!r}, implicit library) stopped after "
                          f"{res.n_iter} rounds with violated dual constraints (gap "
                          f"{res.gap:.3e}); raise max_iter", ConvergenceWarning, stacklevel=3)
        return res
    res = solve_implicit(d, prob, lam, beta, tol, max_iter, max_epochs, warm_start, verbose)
    res.time = time.perf_counter() - t0
    if not res.converged:
        warnings.warn(
            f"solve_lasso (implicit library) stopped after {res.n_iter} pricing rounds with "
            f"duality gap {res.gap:.3e} above the tolerance {tol:.1e} x {_scale(prob):.3e} "
            "(objective at z = 0); raise max_iter or loosen tol", ConvergenceWarning,
            stacklevel=3)
    return res


def solve_lasso(d, y, beta, loss: str = "squared", quantile: float | None = None,
                tol: float = 1e-8, *, bias: bool = True, sample_weight=None,
                delta: float = 1.0, max_iter: int = 500, max_epochs: int = 100_000,
                warm_start=None, solver: str = "auto", verbose: bool = False) -> LassoResult:
    """Train the network of dictionary ``d`` to its global optimum: the Lasso (1.2) / (D.24).

    ``min_{z, xi} sum_i w_i loss(y_i - (A z)_i - xi) + beta~ ||z||_1`` with ``beta~ = beta *
    d.beta_scale`` (beta~ = 2 beta for the 3-layer symmetrized network, erratum E6) and a
    free external bias xi (``bias=False`` fixes xi = 0).

    Parameters
    ----------
    d : Dictionary
    y : targets, one per sample of ``d``.
    beta : the weight decay beta of the training problem (1.1).
    loss : "squared" (0.5 r^2, problem (1.2)), "quantile" (pinball 0.5|r| + (tau - 0.5) r with
        ``quantile`` = tau), "absolute" (|r|) or "huber" (r^2/2 on |r| <= delta, else
        delta |r| - delta^2/2).
    tol : relative tolerance: the certified gap is at most ``tol`` times the objective at z = 0.
        Linear programs (quantile, absolute) are solved exactly by HiGHS and report their gap.
    sample_weight : non-negative weight per sample (the loss terms are multiplied by it).
    max_iter : outer (working-set) iterations; ``max_epochs``: active-set steps (or CD epochs) per
        subproblem.
    warm_start : a previous ``LassoResult`` or coefficient vector to start from.
    solver : "auto" (working sets / HiGHS / Clarabel as above) or "spred": the Lasso as the
        redundant product network z = u * v with weight decay, trained by L-BFGS on the dense
        matrix (squared loss; a check of the equivalence, not the fast path).

    Returns a :class:`LassoResult`; if the gap did not reach the tolerance it warns
    (:class:`ConvergenceWarning`) with the gap and the tolerance, and ``converged`` is False.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    beta = check_beta(beta)
    tol = check_beta(tol, "tol")
    for name, v in (("max_iter", max_iter), ("max_epochs", max_epochs)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if loss == "quantile":
        if quantile is None:
            raise ValueError("loss='quantile' needs quantile=tau with 0 < tau < 1")
        quantile = as_float(quantile, "quantile")
        if not 0.0 < quantile < 1.0:
            raise ValueError(f"quantile must lie strictly between 0 and 1, got {quantile}")
    elif quantile is not None:
        raise ValueError(f"quantile={quantile} is only used with loss='quantile' (got "
                         f"loss={loss!r})")
    prob = Problem.make(d, y, sample_weight, bias)
    lam = beta * d.beta_scale
    if getattr(d, "implicit", False):
        return _solve_implicit(d, prob, lam, beta, loss, quantile, tol, max_iter, max_epochs,
                               warm_start, solver, verbose)
    z0 = None
    if warm_start is not None:
        z0 = np.asarray(getattr(warm_start, "z", warm_start), dtype=float)
        if z0.shape != (d.n_features,):
            raise ValueError(f"warm_start must have {d.n_features} coefficients, got {z0.shape}")
        if not np.all(np.isfinite(z0)):
            raise ValueError("warm_start contains NaN or infinite coefficients")
    if solver not in ("auto", "spred"):
        raise ValueError(f"solver must be 'auto' or 'spred', got {solver!r}")
    t0 = time.perf_counter()
    if solver == "spred":
        if loss != "squared":
            raise ValueError("solver='spred' solves the squared loss only")
        from .spred import solve_spred  # noqa: PLC0415

        z, xi, _, it, _ = solve_spred(prob, lam, 2, max_iter=max(max_iter, 50_000))
        obj, gap = duality_gap(d, y, beta, z, sample_weight=sample_weight, bias=bias)
        conv = gap <= tol * _scale(prob)
        res = LassoResult(z, xi, obj, gap, it, conv, loss, beta, lam, tol, "spred (L-BFGS)")
        res.time = time.perf_counter() - t0
        if not conv:
            warnings.warn(f"solve_lasso(solver='spred'): L-BFGS stopped with duality gap "
                          f"{gap:.3e} above the tolerance {tol:.1e} (relative); its tiny "
                          "nonzero coefficients are not exact zeros", ConvergenceWarning,
                          stacklevel=2)
        return res
    if loss == "squared":
        z, xi, obj, gap, it, conv, theta_u, hist, scale = _solve_squared(
            prob, lam, tol, max_iter, max_epochs, z0, verbose)
        res = LassoResult(z, xi, obj, gap, it, conv, loss, beta, lam, tol,
                          "working-set active-set", _theta_at_samples(prob, theta_u), history=hist)
        if not conv:
            warnings.warn(
                f"solve_lasso stopped after {it} working-set iterations with duality gap "
                f"{gap:.3e} above the tolerance {tol:.1e} x {scale:.3e} (objective at z = 0); "
                "raise max_iter / max_epochs or loosen tol",
                ConvergenceWarning, stacklevel=2)
    else:
        from .losses import solve_convex_loss  # noqa: PLC0415

        res = solve_convex_loss(prob, lam, beta, loss, quantile, delta, tol, max_iter, z0,
                                verbose)
    res.time = time.perf_counter() - t0
    return res
