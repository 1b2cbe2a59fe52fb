"""The exact restricted solver of weighted least-squares Lasso problems: a primal active-set
method (feature-sign search) that hands over to an interior-point QP when it stops making
progress, crossed over to a vertex of the QP's optimal face, and checked on the exact residual.

Every datafit's restricted problem reduces to these blocks (:mod:`.blocks`): the squared loss
directly, the Huber loss through its envelope form (identity columns), the logistic loss
through proximal Newton steps (:mod:`.prox_newton`).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from .threads import one_blas_thread

#: coordinate-descent fallback rounds (10 epochs each) before a subproblem is handed to the QP
MAX_CD_ROUNDS = 10
#: feature-sign stopping by itself within this factor of the tolerance is a rounding floor
FLOOR = 1e3


def gram_block(block, S: np.ndarray) -> np.ndarray:
    """``B^T B[:, S]``, shape (k, |S|), from the block's cached Gram columns."""
    return block.cols(S)


def newton_target(G: np.ndarray, rhs: np.ndarray) -> np.ndarray | None:
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


def _gap(RR: float, g: np.ndarray, z: np.ndarray, lam: np.ndarray) -> float:
    """The subproblem's duality gap at z from its exact residual's ``R^T R`` and ``g = B^T R``:
    ``0.5 (1 - s)^2 R^T R + sum_j (lam_j |z_j| - s z_j g_j)`` with the best feasible scale s of
    the dual point s R (a sum of non-negative terms)."""
    if not np.all(np.isfinite(g)) or not np.isfinite(RR):
        return np.inf
    with np.errstate(divide="ignore"):
        bound = float(np.min(lam / np.abs(g))) if g.shape[0] else np.inf
    s = 1.0 + float(z @ g) / RR if RR > 0 else 1.0
    s = float(np.clip(s, -bound, bound))
    return 0.5 * (1.0 - s) ** 2 * RR + float(np.sum(lam * np.abs(z) - s * z * g))


def solve_subproblem(block, z: np.ndarray, lam, tol: float,
                     max_steps: int) -> tuple[np.ndarray, int]:
    """min 0.5||b - B z||^2 + sum_j lam_j |z_j| exactly, by a primal active-set method, for a
    working-set ``block`` (only Gram columns of features that enter are computed).

    Feature-sign search (Lee, Battle, Raina, Ng 2007): add the most violating feature with the
    sign of its correlation, take the Newton step of the quadratic on the signed support, line
    search over the sign changes on the way, drop the zeros.  The gradient ``g = B^T R`` and
    the gap are always those of the exact residual R (``block.exact``), and the Newton step is
    an increment from the current point, so the KKT equalities are met to rounding even where
    the Gram matrix is ill-conditioned.  A step is kept when it lowers the objective, or (at
    rounding level, where the objective cannot tell) when it keeps it and lowers the gap.
    Stops when the gap is at most ``tol`` (absolute).  ``lam`` is a scalar or one penalty per
    column.  Returns (z, steps); ``steps == max_steps`` means "crawling": the caller hands the
    subproblem to the QP (also after ``MAX_CD_ROUNDS`` rounds of the CD fallback on a singular
    support).
    """
    k = block.k
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (k,))
    if k and not np.all(lam > 0):
        raise ValueError("solve_subproblem needs positive penalties")
    z = z.copy()
    for j in np.flatnonzero(z):  # a zero column only adds penalty (a constant after centering)
        if block.col(int(j))[j] <= 0.0:
            z[j] = 0.0

    def state(zz):
        RR, gg = block.exact(zz)
        return 0.5 * RR + float(lam @ np.abs(zz)), RR, gg

    P, RR, g = state(z)
    gap = _gap(RR, g, z, lam)
    # rounding level of the objective: relative to its value at z = 0 (an absolute floor of
    # 1e-14 let a Huber fit with targets near 1e-6, objective 1e-12, rise 1% per step)
    unit = max(0.5 * block.exact(np.zeros(k))[0], abs(P))

    def support_kkt(zz, gg) -> bool:
        # a feature is added only while the support's KKT equalities g_S = lam_S sign(z_S)
        # hold (after a full Newton step, or on entry): then the Newton step moves the new
        # coefficient in the direction of its sign, as in LARS
        Sz = np.flatnonzero(zz)
        return Sz.shape[0] == 0 or bool(np.max(np.abs(
            gg[Sz] - lam[Sz] * np.sign(zz[Sz]))) <= 1e-7 * lam.max())

    def kkt_error(zz, gg) -> float:
        Sz = np.flatnonzero(zz)
        return float(np.max(np.abs(gg[Sz] - lam[Sz] * np.sign(zz[Sz])))) if Sz.size else 0.0

    def accept(zc) -> bool:
        # a lower objective, or (at rounding level, where the objective cannot tell) no higher
        # objective and a smaller gap or a much smaller KKT residual on the support
        nonlocal z, P, RR, g, gap
        Pc, RRc, gc = state(zc)
        gapc = _gap(RRc, gc, zc, lam)
        level = Pc <= P + 1e-14 * max(unit, abs(P))
        if Pc < P or (level and (gapc < gap or kkt_error(zc, gc) < 0.1 * kkt_error(z, g))):
            z, P, RR, g, gap = zc, Pc, RRc, gc, gapc
            return True
        return False

    fresh = support_kkt(z, g)
    stuck = 0
    crawl = 0  # rounds of the coordinate-descent fallback
    step = 0
    while step < max_steps:
        if gap <= tol:
            break
        step += 1
        S = np.flatnonzero(z)
        signs = np.sign(z)
        viol = np.abs(g) - lam
        viol[S] = -np.inf
        j = int(np.argmax(viol)) if k else 0
        violated = k > 0 and viol[j] > 1e-12 * lam[j]
        added = fresh and violated
        if added:
            signs[j] = np.sign(g[j])
            S = np.sort(np.append(S, j))
        if S.shape[0] == 0:
            break
        GS = gram_block(block, S)
        sS = signs[S]
        lS = lam[S]
        G = GS[S]
        step_S = newton_target(G, g[S] - lS * sS)  # the increment to the Newton point
        moved = False
        if step_S is not None:
            z0 = z[S]
            dz = step_S
            # objective along z0 + t dz on S: the quadratic's change plus the l1 norm
            a1 = float(dz @ g[S])  # -d/dt of the quadratic at t = 0
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
            if best_t == 0.0 and not added:
                best_t = 1.0  # a polishing step at rounding level: judged by accept()
            if best_t > 0.0:
                znew = z0 + best_t * dz
                if best_t < 1.0:  # the coefficient that crossed zero leaves the support
                    znew[np.abs(cross - best_t) <= 1e-12] = 0.0
                zc = z.copy()
                zc[S] = znew
                if accept(zc):
                    fresh = best_t == 1.0
                    moved = True
        elif added and S.shape[0] > 1:
            # the new column lies in the span of the support: move along the null direction
            # (the fit is unchanged, the l1 norm falls) until a support coefficient hits zero
            old = S[S != j]
            alpha = newton_target(GS[old][:, S != j], GS[old][:, S == j][:, 0])
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
                    if accept(zc):
                        moved = True
                        fresh = False
        if not moved and step_S is None and not added and S.shape[0] > 1:
            # a singular support (columns in each other's span): the crossover moves along
            # its null directions to a linearly independent support with the same fit and no
            # larger l1 norm, where the Newton step exists again
            zc = block.crossover(z)
            if np.count_nonzero(zc) < S.shape[0]:
                Pc, RRc, gc = state(zc)
                if Pc <= P + 1e-14 * max(unit, abs(P)):
                    z, P, RR, g, gap = zc, Pc, RRc, gc, _gap(RRc, gc, zc, lam)
                    fresh = support_kkt(z, g)
                    moved = True
        if moved:
            stuck = 0
            continue
        if not violated and step_S is not None and support_kkt(z, g):
            break  # the support is optimal to rounding and nothing violates: done
        # (a Gram singular in exact arithmetic can pass the conditioning test with a
        # meaningless Newton target: without the support's KKT equalities this is no optimum)
        # singular support or no accepted step: coordinate descent always makes progress
        crawl += 1
        if crawl > MAX_CD_ROUNDS:
            # CD alone crawls on these collinear columns: hand over to the caller's QP
            return z, max_steps
        zc = z.copy()
        block.cd(zc, lam, 10)
        if not accept(zc):
            stuck += 1
        else:
            stuck = 0
        if stuck >= 2:
            break
        fresh = not fresh if stuck else support_kkt(z, g)
    return z, step


def exact_gap(block, z: np.ndarray, lam: np.ndarray) -> float:
    """The subproblem's duality gap at z from its exact residual (not the Gram form)."""
    RR, g = block.exact(z)
    return _gap(RR, g, z, np.broadcast_to(np.asarray(lam, dtype=float), z.shape))


def solve_block(block, lam, z0: np.ndarray, tol: float, max_steps: int | None = None
                ) -> np.ndarray:
    """The exact minimizer of ``0.5 ||b - B z||^2 + sum_j lam_j |z_j|`` over a block, to the
    absolute gap ``tol`` (measured on the exact residual).

    Feature-sign search first.  When it crawls (its step budget, or the CD fallback's rounds;
    degenerate blocks, whose Gram matrix is singular, make it wander over an optimal face), the
    interior-point QP takes over: a method with a convergence guarantee.  Its point is crossed
    over to a vertex of the optimal face (few nonzeros) and polished there by feature-sign
    steps.  Of the candidates, the sparsest one whose exact objective is within ``tol`` of the
    best is returned.
    """
    with one_blas_thread():  # small factors at every step (the co2 selection 127 s -> 26 s)
        return _solve_block(block, lam, z0, tol, max_steps)


def _solve_block(block, lam, z0: np.ndarray, tol: float, max_steps: int | None
                 ) -> np.ndarray:
    k = block.k
    lam = np.ascontiguousarray(np.broadcast_to(np.asarray(lam, dtype=float), (k,)))
    budget = max_steps if max_steps is not None else 100 + 5 * k
    z, steps = solve_subproblem(block, z0, lam, tol, budget)
    gap = exact_gap(block, z, lam)
    if gap <= tol or (steps < budget and gap <= FLOOR * tol):
        # certified; or stopped by its own tests within FLOOR x tol: the rounding floor of an
        # ill-conditioned block, which an interior point does not lower (the engine judges the
        # whole problem's gap, and tightens or reports)
        return z
    candidates = [z]
    zq = block.qp(lam)
    if zq is not None:
        zv = block.crossover(zq)
        polished, _ = solve_subproblem(block, zv, lam, tol, budget)
        candidates += [zq, zv, polished]
    gaps = [exact_gap(block, c, lam) for c in candidates]
    done = [c for c, g in zip(candidates, gaps) if g <= tol]
    if done:
        return min(done, key=np.count_nonzero)
    return candidates[int(np.argmin(gaps))]


__all__ = ["FLOOR", "MAX_CD_ROUNDS", "exact_gap", "solve_block", "solve_subproblem"]
