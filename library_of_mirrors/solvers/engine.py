"""The one certified working-set loop: every loss, every library kind.

Each iteration (celer's scheme, with a pool for libraries too large to list):

1. **evaluate**: the fit ``A z`` at the distinct inputs (``pool.fit``), the optimal external
   bias, the datafit's dual point ``theta`` at the rows;
2. **price**: the library's exact ``max_j |A_j^T theta|`` and its most correlated columns
   (``pool.price``: all columns of an explicit library, the structured pricer of an implicit
   one, whose units join the pool);
3. **certify**: theta scaled to dual feasibility; the duality gap as a sum of non-negative
   terms, ``fenchel_young + sum_j (beta~ |z_j| - s z_j A_j^T theta)`` (no difference of two
   large numbers, so it cannot be wrong by cancellation); stop when it is at most
   ``tol`` times the optimum's certified lower bound (``objective - gap``), or at the
   rounding level (:func:`.result.gap_target`);
4. **grow**: the working set: the support plus the most violating columns (twice the support
   plus 16), or, for linear programs, the live LP's columns plus the new violators (columns
   at zero in ``LP_AGE`` restricted LPs in a row leave it, if nonbasic: the basis stays
   optimal, so the LP's optimum never rises);
   a pool whose pricing round costs more than a restricted solve over every unit it priced
   (the symmetrized library) is itself the working set, as in column generation;
5. **restricted solve**: the datafit's exact solver over the working set
   (:mod:`.active_set`, :mod:`.linear_programs`, :mod:`.prox_newton`);
6. **re-express** the iterate at one unit per kink where the library knows how (kept only if
   the objective does not grow);
7. **screened rounds** where the pool keeps a screen of likely violators
   (``pool.price_screened``: the symmetrized library's first layers of largest correlation in
   the last exact round; for linear programs over explicit libraries of ``LP_SCREEN_FROM``
   columns and more, the ``LP_SCREEN`` columns of largest correlation in the last exact
   round): re-price the screen, add its violators, solve again.  They find violators and
   certify nothing; every stop follows an exact pricing round.  A solve that stops
   unconverged returns its iterate of least certified gap.

The loop cannot stall silently: when the working set stops changing while the gap stays above
the tolerance, the restricted tolerance is tightened (down to rounding level); when that is
exhausted, the solve stops with ``converged=False`` and the reason, never with a gap it did
not certify.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .datafits import Datafit, Restricted
from .result import gap_target
from .rows import Rows

#: celer's working-set rule: twice the support plus this many violators
WS_MIN = 16
#: linear programs: the first working set holds this many columns (all of a smaller library)
LP_FIRST = 20
#: linear programs: at most this many violators join per round
LP_ADD = 20
#: linear programs: the screen of the screened rounds, the columns of largest correlation in the
#: last exact pricing round (explicit libraries; see the screened rounds in :func:`solve`)
LP_SCREEN = 20_000
#: ... from this many columns: below, an exact pass costs about what re-pricing a screen
#: does (the sunspots' 3-layer abs library, 90,000 columns: 0.15 s without, 0.41 s with)
LP_SCREEN_FROM = 1_000_000
#: linear programs: a column at zero after this many restricted LPs in a row leaves the live
#: model at the next exact round (if nonbasic: the basis stays optimal); HiGHS's time per run
#: grows with the model's columns
LP_AGE = 5
#: a dual constraint counts as violated above beta~ (1 + this)
VIOLATION = 1e-9
#: at most this many screened rounds (``pool.price_screened``) between two exact ones
SCREENED_ROUNDS = 50
#: iterations without a lower gap (while the working set grows) before the restricted
#: solves are tightened
STALLS = 10


@dataclass
class Solution:
    """What the engine returns (before it becomes a :class:`~.result.LassoResult`)."""

    z: np.ndarray
    xi: float
    objective: float
    gap: float
    n_iter: int
    converged: bool
    theta: np.ndarray
    target: float  # the gap the solve had to certify (result.gap_target)
    reason: str = ""
    history: list = field(default_factory=list)
    n_priced: int = 0
    slack: float = 0.0


@dataclass
class Certificate:
    """The objective at (z, xi*) and its certified gap, with what produced them: the optimal
    bias, the scaled dual point at the rows and the pricing pass (candidates for the working
    set)."""

    primal: float
    gap: float
    xi: float
    theta: np.ndarray
    price: object


def _objective(datafit: Datafit, rows: Rows, f_rows: np.ndarray, z: np.ndarray, lam: float,
               bias: bool) -> tuple[float, float]:
    xi = datafit.optimal_bias(rows, f_rows, None) if bias else 0.0
    return datafit.value(rows, f_rows + xi) + lam * float(np.abs(z).sum()), xi


def _dual(pool, datafit: Datafit, rows: Rows, z: np.ndarray, bias: bool,
          state: Restricted | None) -> tuple[np.ndarray, float, np.ndarray]:
    """The fit plus its optimal bias at the rows, the bias, and the datafit's (unscaled) dual
    point there."""
    f = rows.at_rows(pool.fit(z)) if len(pool) else np.zeros(rows.n_rows)
    xi = datafit.optimal_bias(rows, f, state) if bias else 0.0
    u = f + xi
    return u, xi, datafit.dual_point(rows, u, state)


def certify(pool, datafit: Datafit, rows: Rows, lam: float, z: np.ndarray, bias: bool,
            state: Restricted | None = None, want: int = 1,
            support: np.ndarray | None = None) -> tuple:
    """Objective and certified duality gap at ``z`` (pool coordinates; ``support`` its
    nonzeros, if known): returns (primal, gap, xi, Certificate).  The pool may grow while
    pricing (implicit libraries): ``z`` is then shorter than the pool, and the new columns are
    zero."""
    if z.shape[0] < len(pool):
        z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
    u, xi, th = _dual(pool, datafit, rows, z, bias, state)
    tp = rows.to_points(th)
    price = pool.price(tp, want, centered=bias)
    S = np.flatnonzero(z) if support is None else support
    s = datafit.scale(rows, th, price.corr_max, lam)
    cS = pool.correlations(tp, S) if S.shape[0] else np.zeros(0)
    primal = datafit.value(rows, u) + lam * float(np.abs(z[S]).sum())
    gap = (datafit.fenchel_young(rows, u, s * th)
           + float(np.sum(lam * np.abs(z[S]) - s * z[S] * cS))
           + abs(s * xi * float(th.sum())))
    if not (np.isfinite(primal) and np.isfinite(gap)):
        raise ValueError("non-finite values in the objective or its certificate: the "
                         "library's columns or the targets overflow (check the scale of x, y "
                         "and leaky_slope)")
    gap = max(gap, 0.0)
    return primal, gap, xi, Certificate(primal, gap, xi, s * th, price)


def solve(pool, datafit: Datafit, rows: Rows, lam: float, *, bias: bool, tol: float,
          max_iter: int, z0: np.ndarray | None = None, verbose: bool = False) -> Solution:
    """Minimize ``F(A z + xi 1) + lam ||z||_1`` over the library behind ``pool`` (see the
    module); ``tol`` is relative to the optimum (:func:`.result.gap_target`)."""
    t0 = time.perf_counter()
    z = np.zeros(len(pool)) if z0 is None else np.asarray(z0, dtype=float).copy()
    f0 = np.zeros(rows.n_rows)
    xi0 = datafit.optimal_bias(rows, f0, None) if bias else 0.0
    scale = datafit.value(rows, f0 + xi0)
    if not np.isfinite(scale):
        raise ValueError("the data fit is not finite at z = 0 (targets too large for the loss?)")
    unit = datafit.tolerance_unit(rows, scale)
    # a datafit without a gap scale (interpolation's elastic form) converges by complementary
    # slackness alone: no dual constraint violated after an exact restricted LP
    by_slackness = unit == 0.0
    unit = max(unit, np.finfo(float).tiny)
    inner_tol = 0.1 * tol * unit
    floor_tol = 1e-15 * unit
    lp = datafit.grows_working_set
    state: Restricted | None = None
    live = None  # a linear program's live model (:class:`~.linear_programs.LiveLP`)
    age = np.zeros(0, dtype=np.int64)  # its columns' restricted LPs at zero, in a row
    ws = np.zeros(0, dtype=np.int64)
    history: list = []
    n_priced = 0
    converged, reason = False, f"stopped after max_iter={max_iter} iterations"
    primal = gap = np.inf
    target = tol * unit
    xi = xi0
    theta = np.zeros(rows.n_rows)
    best_gap = np.inf
    best = (np.inf,)  # the iterate of least certified gap (working sets): gap, objective, ...
    stalls = 0
    it = 0
    S = np.flatnonzero(z)
    for it in range(1, max_iter + 1):
        first = datafit.lp_first or LP_FIRST
        want = first if lp and it == 1 else (LP_ADD if lp else 2 * S.shape[0] + WS_MIN)
        screening = lp and pool.lists_columns and len(pool) >= LP_SCREEN_FROM
        primal, gap, xi, cert = certify(pool, datafit, rows, lam, z, bias, state,
                                        max(want, LP_SCREEN) if screening else want, S)
        price = cert.price
        screen = price.index if screening else None
        n_priced += price.n_priced
        if len(pool) > z.shape[0]:
            z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
        theta = cert.theta
        cmax = price.corr_max
        history.append((primal, gap))
        if not lp and gap < best[0]:  # the certified point to return if none beats it
            best = (gap, primal, xi, S.copy(), z[S].copy(), theta, cert.price)
        if verbose:
            print(f"[solve] {time.perf_counter() - t0:7.2f} s iteration {it}: objective "
                  f"{primal:.12g} gap {gap:.3e} active {S.shape[0]} working set {ws.shape[0]} "
                  f"pool {len(pool)} max|A^T theta|/beta~ {cmax / lam:.6f}")
        violators = price.index[price.scores > lam * (1 + VIOLATION)]
        target = gap_target(tol, primal, gap, unit)
        inner_tol = max(min(inner_tol, 0.1 * target), floor_tol)
        if gap <= target or (by_slackness and state is not None
                                 and violators.shape[0] == 0 and cmax <= lam * (1 + VIOLATION)):
            converged, reason = True, ""
            break
        # the working set
        if lp and live is not None and not live.equality:  # columns long at zero leave
            # (not an interpolation's: its equality LP needs the whole library at the end)
            old = np.flatnonzero(age >= LP_AGE)
            old = old[live.nonbasic()[old]] if old.shape[0] else old
            if old.shape[0]:
                live.remove(old)
                keep = np.ones(ws.shape[0], dtype=bool)
                keep[old] = False
                ws, age = ws[keep], age[keep]
                state = Restricted(state.z[keep], state.xi, state.theta, state.slack)
        if lp:
            cand, sc = price.index, price.scores
            if state is not None:  # after the first LP: the violators only
                cand, sc = cand[sc > lam * (1 + VIOLATION)], sc[sc > lam * (1 + VIOLATION)]
            fresh = ~np.isin(cand, ws)
            new = cand[fresh][np.argsort(-sc[fresh], kind="stable")][
                :first if state is None else LP_ADD]
            grown = new.shape[0] > 0
            new_ws = np.union1d(np.union1d(ws, S), new)
        elif pool.keep_priced:  # column generation: the pool is the working set
            new_ws = np.arange(len(pool))
            grown = new_ws.shape[0] > ws.shape[0] or state is None
        else:
            order = price.index[np.argsort(-price.scores)]
            extra = order[~np.isin(order, S)][:S.shape[0] + WS_MIN]
            new_ws = np.union1d(S, extra)
            grown = np.setdiff1d(new_ws, ws).shape[0] > 0 or state is None
        if gap < best_gap * 0.999:
            best_gap, stalls = gap, 0
        else:
            stalls += 1
        if not grown:
            # every violator is in the working set already: the restricted solve was not
            # tight enough, or rounding has the last word
            if inner_tol <= floor_tol:
                reason = (f"the gap stopped at {gap:.3e} (above the target {target:.3e}) "
                          "with every violated column in the working set: the rounding "
                          "floor of this problem")
                break
            inner_tol = max(inner_tol * 1e-2, floor_tol)
        elif stalls >= STALLS:
            # the working set grows but the gap does not fall: tighter restricted solves
            inner_tol = max(inner_tol * 1e-2, floor_tol)
            stalls = 0
        if lp:  # the live LP gets the new columns and restarts from its basis
            if live is None:
                live = datafit.live_lp(rows, lam, bias)
            ws, state = _grow_lp(live, pool, rows, ws, np.setdiff1d(new_ws, ws))
            age = _aged(age, state.z)
        else:
            ws = new_ws
            state = datafit.solve_restricted(pool.features(ws), rows, lam, z[ws], xi,
                                             inner_tol, bias, False)
        if z.shape[0] < len(pool):
            z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
        S = _adopt(z, S, ws, state.z)
        if state.theta is None and pool.has_canonical:
            z2 = _reexpress(pool, datafit, rows, lam, z, bias)
            if z2 is not z:
                z, S = z2, np.flatnonzero(z2)
        # linear programs over large explicit libraries: the columns of largest correlation
        # in the exact round are re-priced after each LP and their violators join (most
        # violators of the next rounds are among them: co2's 4.4M columns, 76 exact rounds
        # of 0.13 s pricing each before); only an exact round certifies
        for _ in range(SCREENED_ROUNDS if screen is not None else 0):
            th_s = datafit.dual_point(rows, rows.y, state)  # an LP's row duals (no fit)
            corr = np.abs(pool.correlations(rows.to_points(th_s), screen))
            hit = corr > lam * (1 + VIOLATION)
            cand, sc = screen[hit], corr[hit]
            fresh = ~np.isin(cand, ws)
            new = cand[fresh][np.argsort(-sc[fresh], kind="stable")][:LP_ADD]
            if new.shape[0] == 0:
                break
            n_priced += screen.shape[0]
            ws, state = _grow_lp(live, pool, rows, ws, np.sort(new))
            age = _aged(age, state.z)
            S = _adopt(z, S, ws, state.z)
            if verbose:
                _print_screened(t0, new, S, ws)
        # screened rounds: where an exact round is costly and the library keeps a screen of
        # its likeliest violators, re-price the screen, add its violators and solve again;
        # only an exact round (the next iteration) certifies
        for _ in range(0 if lp else SCREENED_ROUNDS):
            _, xi_s, th_s = _dual(pool, datafit, rows, z, bias, state)
            sp = pool.price_screened(rows.to_points(th_s), 2 * S.shape[0] + WS_MIN)
            if sp is None:
                break
            n_priced += sp.n_priced
            if z.shape[0] < len(pool):
                z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
            new = np.setdiff1d(sp.index[sp.scores > lam * (1 + VIOLATION)], ws)
            if new.shape[0] == 0:
                break
            ws = np.arange(len(pool)) if pool.keep_priced else np.union1d(ws, new)
            state = datafit.solve_restricted(pool.features(ws), rows, lam, z[ws], xi_s,
                                             inner_tol, bias, False)
            S = _adopt(z, S, ws, state.z)
            if verbose:
                _print_screened(t0, new, S, ws)
    else:
        # the budget ran out after a restricted solve: certify the point that is returned
        primal, gap, xi, cert = certify(pool, datafit, rows, lam, z, bias, state, 1, S)
        if len(pool) > z.shape[0]:
            z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
        theta = cert.theta
        history.append((primal, gap))
        target = gap_target(tol, primal, gap, unit)
        converged = gap <= target
        reason = "" if converged else reason
    if not converged and best[0] < gap:
        # near interpolation the working sets can end with a larger gap than an iterate had
        # (2-layer relu, N = 1000, 1e-6 beta_max: 2.6e-6 at the end, 4.1e-7 at iteration 2):
        # that iterate is returned, with its own certificate
        reason = (f"{reason}; the iterate with the least certified gap is returned (the last "
                  f"one had {gap:.3e})")
        gap, primal, xi, S_best, zS, theta, _ = best
        z = np.zeros(len(pool))
        z[S_best] = zS
        target = gap_target(tol, primal, gap, unit)
    return Solution(z, float(xi), float(primal), float(gap), it, converged,
                    theta, target, reason, history, n_priced,
                    0.0 if state is None else state.slack)


def _adopt(z: np.ndarray, S: np.ndarray, ws: np.ndarray, z_ws: np.ndarray) -> np.ndarray:
    """``z`` <- the restricted solution ``z_ws`` over the working set ``ws``, in place and
    without a pass over the whole pool (``S``: the old support, set to zero); the new
    support."""
    z[S] = 0.0
    z[ws] = z_ws
    return ws[np.flatnonzero(z_ws)]


def _print_screened(t0: float, new: np.ndarray, S: np.ndarray, ws: np.ndarray) -> None:
    print(f"[solve] {time.perf_counter() - t0:7.2f} s   screened round: {new.shape[0]} "
          f"violators joined, active {S.shape[0]} working set {ws.shape[0]}")


def _grow_lp(live, pool, rows, ws: np.ndarray, fresh: np.ndarray) -> tuple:
    """Add the columns ``fresh`` to the live LP and solve it from its basis: (working set in
    the LP's column order, :class:`~.datafits.Restricted`)."""
    if fresh.shape[0]:
        live.add(rows.at_rows(pool.features(fresh).grid_columns()))
    ws = np.concatenate([ws, fresh])
    return ws, Restricted(*live.solve(whole=ws.shape[0] >= len(pool)))


def _aged(age: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The live LP's column ages after a solve with coefficients ``z`` (new columns: age 0)."""
    age = np.concatenate([age, np.zeros(z.shape[0] - age.shape[0], dtype=np.int64)])
    return np.where(z == 0.0, age + 1, 0)


def _reexpress(pool, datafit, rows, lam, z, bias) -> np.ndarray:
    """The pool's canonical re-expression of ``z`` (one unit per kink), kept when the
    objective does not grow beyond rounding (in exact arithmetic it keeps the fit up to a
    constant and does not grow the l1 norm, so only with a free bias; the next certificate is
    computed at the re-expressed point whatever rounding did)."""
    if not bias:
        return z
    z2 = pool.canonical(z)
    if z2 is None:
        return z
    if z2.shape[0] > z.shape[0]:
        z = np.concatenate([z, np.zeros(z2.shape[0] - z.shape[0])])
    before, _ = _objective(datafit, rows, rows.at_rows(pool.fit(z)), z, lam, bias)
    after, _ = _objective(datafit, rows, rows.at_rows(pool.fit(z2)), z2, lam, bias)
    return z2 if after <= before + 1e-13 * max(abs(before), np.finfo(float).tiny) else z


__all__ = ["Certificate", "LP_ADD", "LP_FIRST", "Solution", "VIOLATION", "WS_MIN", "certify",
           "solve"]
