"""The relu Lasso in slope-change coordinates: time per iteration O(N), whatever the support.

For the relu deep narrow libraries a fit at the sorted distinct points ``x_0 < ... < x_{n-1}``
is a constant plus ``sum_t v_t (x - x_t)_+`` (``v_0``: the slope left of every kink), and the
least l1 norm of the units that make it is a closed-form cost of the slope changes
(:mod:`library_of_mirrors.dictionary.flow`; Lemma 3.7 for depth >= 3):

* 2 layers: ``sum_{t>=1} |v_t| + max(0, v_0 - N, -v_0 - P)``,
* 3 layers and deeper: ``max(P, N)`` with ``v_0`` counted,

``P`` / ``N`` the sums of the positive / negative parts.  So the Lasso (1.2) with the squared
loss and a free bias is ``min_{c, v} 0.5 sum_i w_i (y_i - c - sum_t v_t (x_i - x_t)_+)^2 +
beta~ cost(v)``, an l1 trend filter whose penalty is a polyhedral gauge of ``v``.

The solver keeps a working set ``K`` of kinks.  The problem restricted to kinks in ``K`` is
the Lasso over every unit whose kinks lie in ``K`` (a sub-library), and it depends on the data
only through five sums per segment between kinks (:func:`.segments.segment_stats`); it is
solved by a barrier method whose Newton steps are one Riccati recursion over the segments
(:mod:`.segments`) plus a rank-(2 or 3) correction for the coupling sums ``P`` and ``N``.  Its
solution becomes library coefficients through the pool's re-expression (one unit per kink), is
certified by the engine's duality gap over the *whole* library (:func:`.engine.certify`, one
pricing pass), and the kinks of the most violating units join ``K``.  Every outer iteration
costs two O(N) passes (compressing, pricing) and the barrier's O(|K|) steps, so the time does
not grow with the number of kinks the way Gram columns (O(N) each) do.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from . import engine
from .result import gap_target
from .segments import (
    data_value_grad,
    lq_factor,
    lq_solve,
    merge_stats,
    residual_correlations,
    segment_stats,
)

#: barrier parameter growth per centering
MU = 20.0
#: Newton decrement (squared, halved) that ends a centering
CENTERED = 1e-9
#: rounds of the polish's active-set correction
POLISH_ROUNDS = 5000
#: rounds of a warm-started polish (a kink joins per round) before the barrier takes over:
#: near interpolation the support jumps by thousands of kinks, which the barrier finds at once
WARM_ROUNDS = 300
#: Newton steps per barrier solve, at most
MAX_NEWTON = 400


class _Restricted:
    """The problem over kinks ``anchors[1:]`` (``anchors[0] == 0``: the initial slope) on
    segment statistics, in the variables ``y = (a0, u0, p, n, e)``: ``u = p - n`` the slope
    changes (split into positive and negative parts where the cost needs them; the 2-layer
    initial slope ``u0`` is free), ``e`` the epigraph variable of the coupling term."""

    def __init__(self, Q, q, delta, lam: float, deep: bool):
        self.Q, self.q, self.delta, self.lam, self.deep = Q, q, delta, lam, deep
        m1 = Q.shape[0]
        self.m1 = m1
        self.split = np.ones(m1, dtype=bool)
        if not deep:
            self.split[0] = False  # the 2-layer initial slope is a free variable
        self.size = 3 + 2 * m1
        self.ia, self.iu0, self.ie = 0, 1, 2 + 2 * m1
        self.ip = slice(2, 2 + m1)
        self.inn = slice(2 + m1, 2 + 2 * m1)
        # gradients of the coupling constraints c_k(y) > 0 (they are linear)
        G = []
        sp = self.split.astype(float)
        if deep:  # c1 = e - sum p, c2 = e - sum n
            for part in (self.ip, self.inn):
                g = np.zeros(self.size)
                g[part] = -sp
                g[self.ie] = 1.0
                G.append(g)
        else:  # c1 = e, c2 = e - u0 + sum n, c3 = e + u0 + sum p (sums over t >= 1)
            g = np.zeros(self.size)
            g[self.ie] = 1.0
            G.append(g)
            g = np.zeros(self.size)
            g[self.ie], g[self.iu0], g[self.inn] = 1.0, -1.0, sp
            G.append(g)
            g = np.zeros(self.size)
            g[self.ie], g[self.iu0], g[self.ip] = 1.0, 1.0, sp
            G.append(g)
        self.G = np.array(G)
        # the cost's gradient: deep e; 2-layer sum p + sum n + e
        c = np.zeros(self.size)
        c[self.ie] = 1.0
        if not deep:
            c[self.ip] = sp
            c[self.inn] = sp
        self.cost = c
        self.n_ineq = 2 * int(self.split.sum()) + self.G.shape[0]

    def slopes(self, y):
        u = y[self.ip] - y[self.inn]
        if not self.deep:
            u[0] = y[self.iu0]
        return u

    def start(self, scale: float) -> np.ndarray:
        y = np.zeros(self.size)
        y[self.ip] = np.where(self.split, scale, 0.0)
        y[self.inn] = np.where(self.split, scale, 0.0)
        y[self.ie] = scale * (self.m1 + 1)
        return y

    def objective(self, y) -> float:
        val, _, _ = data_value_grad(self.Q, self.q, self.delta, y[self.ia], self.slopes(y))
        return val + self.lam * float(self.cost @ y)

    def solve(self, gap: float, scale: float, y0: np.ndarray | None = None
              ) -> tuple[np.ndarray, int, float]:
        """Barrier path to a point whose restricted gap is at most ``gap`` (n_ineq / t):
        centering by damped Newton steps (:func:`_newton_step`, :func:`_line_search`), then
        ``t *= MU``.  The loop stays in Python: in numba it saved a third of a small fit's
        time but compiled the Newton step again inside it (4-5 s per fresh environment)."""
        y = self.start(scale) if y0 is None else y0
        obj0 = abs(self.objective(y)) + float(np.sum(self.q[:, 0] ** 2 / np.maximum(
            self.Q[:, 0], 1e-300)))
        t = self.n_ineq / max(obj0, 1e-300)
        args = (self.Q, self.q, self.delta, float(self.lam), bool(self.deep), self.split,
                self.G, self.cost)
        y = np.ascontiguousarray(y, dtype=float)
        steps = 0
        while True:
            for _ in range(MAX_NEWTON):
                dy, dec = _newton_step(*args, y, t)
                steps += 1
                f0 = _barrier_value(*args, y, t)
                if dec / 2 <= max(CENTERED, 1e-13 * abs(f0)):
                    break
                s = _line_search(*args, y, dy, t, f0, dec)
                if s <= 1e-12:
                    break
                y = y + s * dy
            if self.n_ineq / t <= gap:
                return y, steps, t
            t *= MU


@njit(cache=True)
def _barrier_value(Q, q, delta, lam, deep, split, G, cost, y, t):
    """:class:`_Restricted`'s barrier objective ``t (data + lam cost) - sum log`` at ``y``
    (inf outside the domain)."""
    m1 = Q.shape[0]
    logs = 0.0
    u = np.empty(m1)
    for j in range(m1):
        p = y[2 + j]
        n = y[2 + m1 + j]
        u[j] = p - n
        if split[j]:
            if p <= 0.0 or n <= 0.0:
                return np.inf
            logs += np.log(p) + np.log(n)
    if not deep:
        u[0] = y[1]
    for k in range(G.shape[0]):
        c = 0.0
        for i in range(y.shape[0]):
            c += G[k, i] * y[i]
        if c <= 0.0:
            return np.inf
        logs += np.log(c)
    val, _, _ = data_value_grad(Q, q, delta, y[0], u)
    lin = 0.0
    for i in range(y.shape[0]):
        lin += cost[i] * y[i]
    return t * (val + lam * lin) - logs


@njit(cache=True)
def _feasible_step(split, G, y, dy):
    """The largest step keeping every barrier argument positive (times 0.99), at most 1."""
    m1 = split.shape[0]
    s = 1.0
    for j in range(m1):
        if split[j]:
            for i in (2 + j, 2 + m1 + j):
                if dy[i] < 0.0:
                    s = min(s, 0.99 * (-y[i] / dy[i]))
    for k in range(G.shape[0]):
        c = 0.0
        dc = 0.0
        for i in range(y.shape[0]):
            c += G[k, i] * y[i]
            dc += G[k, i] * dy[i]
        if dc < 0.0:
            s = min(s, 0.99 * (-c / dc))
    return s


@njit(cache=True)
def _line_search(Q, q, delta, lam, deep, split, G, cost, y, dy, t, f0, dec):
    """Backtracking from the largest feasible step along ``dy`` to sufficient decrease of
    the barrier objective (value ``f0`` at ``y``, Newton decrement ``dec``); 0 below 1e-12."""
    s = _feasible_step(split, G, y, dy)
    while s > 1e-12:
        if _barrier_value(Q, q, delta, lam, deep, split, G, cost, y + s * dy,
                          t) <= f0 - 0.25 * s * dec:
            return s
        s *= 0.5
    return 0.0


@njit(cache=True)
def _small_solve(A, b):
    """``A x = b`` for a small square system (Gaussian elimination, partial pivoting): the
    capacitance system of the coupling correction (at most 3 x 3)."""
    n = b.shape[0]
    M = A.copy()
    x = b.copy()
    for k in range(n):
        p = k
        for i in range(k + 1, n):
            if abs(M[i, k]) > abs(M[p, k]):
                p = i
        if p != k:
            for j in range(n):
                M[k, j], M[p, j] = M[p, j], M[k, j]
            x[k], x[p] = x[p], x[k]
        for i in range(k + 1, n):
            f = M[i, k] / M[k, k]
            for j in range(k, n):
                M[i, j] -= f * M[k, j]
            x[i] -= f * x[k]
    for k in range(n - 1, -1, -1):
        for j in range(k + 1, n):
            x[k] -= M[k, j] * x[j]
        x[k] /= M[k, k]
    return x


@njit(cache=True)
def _base_solve(fac, delta, split, d, p2, n2, deep, m1, r):
    """``blockdiag(H_x, 1) r``: the per-kink parts eliminated, then the Riccati solve."""
    size = r.shape[0]
    rho = np.empty(m1)
    b = np.empty(m1)
    for j in range(m1):
        rho[j] = r[2 + j] * p2[j] - r[2 + m1 + j] * n2[j]
        b[j] = d[j] * rho[j]
    if not deep:
        b[0] = r[1]
    xa, du = lq_solve(fac[0], fac[1], fac[2], fac[3], fac[4], fac[5], delta, r[0], b)
    out = np.zeros(size)
    out[0] = xa
    for j in range(m1):
        if split[j]:
            z = d[j] * (rho[j] - du[j])
            out[2 + j] = p2[j] * (r[2 + j] - z)
            out[2 + m1 + j] = n2[j] * (r[2 + m1 + j] + z)
    if not deep:
        out[1] = du[0]
    return out


@njit(cache=True)
def _newton_step(Q, q, delta, lam, deep, split, G, cost, y, t):
    """The Newton step of :class:`_Restricted`'s barrier objective at ``y`` and its decrement
    (squared), in variables ``(a0, u0, p, n, e)``.  The per-kink parts are eliminated in
    closed form, the rest is one Riccati recursion over the segments; the epigraph variable
    ``e`` is eliminated exactly: the coupling constraints ``c_k`` (each with coefficient 1 on
    e) leave on the other variables the rank-(K-1) term ``sum_{k<l} w_k w_l / W (g_k - g_l)
    (g_k - g_l)^T``, ``w = 1 / c^2``, ``W = sum w`` (no large number is added to a small one,
    unlike a Woodbury update of e's huge curvature).  In numpy this step was about 40 small
    array operations: 0.4 ms, most of a 2-layer relu fit at N = 1000."""
    m1 = Q.shape[0]
    size = y.shape[0]
    ie = size - 1
    K = G.shape[0]
    u = np.empty(m1)
    for j in range(m1):
        u[j] = y[2 + j] - y[2 + m1 + j]
    if not deep:
        u[0] = y[1]
    _, ga, gu = data_value_grad(Q, q, delta, y[0], u)
    c = np.zeros(K)  # explicit loops: numba's matrix products would compile its BLAS layer
    for k in range(K):
        for i in range(size):
            c[k] += G[k, i] * y[i]
    grad = np.empty(size)
    for i in range(size):
        grad[i] = t * lam * cost[i]
    for k in range(K):
        for i in range(size):
            grad[i] -= G[k, i] / c[k]
    grad[0] += t * ga
    p2 = np.zeros(m1)
    n2 = np.zeros(m1)
    d = np.zeros(m1)
    for j in range(m1):
        if split[j]:
            p = y[2 + j]
            n = y[2 + m1 + j]
            grad[2 + j] += t * gu[j] - 1.0 / p
            grad[2 + m1 + j] += -t * gu[j] - 1.0 / n
            p2[j] = p * p
            n2[j] = n * n
            d[j] = 1.0 / (p2[j] + n2[j])
    if not deep:
        grad[1] += t * gu[0]
    fac = lq_factor(Q, delta, d, t)
    om = np.empty(K)
    Om = 0.0
    for k in range(K):
        om[k] = 1.0 / (c[k] * c[k])
        Om += om[k]
    mean = np.zeros(size)  # the rows of G without their coefficient on e, weighted by om
    for k in range(K):
        for i in range(ie):
            mean[i] += om[k] * G[k, i]
    npairs = K * (K - 1) // 2
    V = np.empty((npairs, size))
    alpha = np.empty(npairs)
    m = 0
    for k in range(K):
        for l in range(k + 1, K):
            for i in range(ie):
                V[m, i] = G[k, i] - G[l, i]
            V[m, ie] = 0.0
            alpha[m] = om[k] * om[l] / Om
            m += 1
    rE = -grad[ie]
    rx = np.empty(size)
    for i in range(size):
        rx[i] = -grad[i] - mean[i] * (rE / Om)
    rx[ie] = 0.0
    HV = np.empty((npairs, size))
    for m in range(npairs):
        hv = _base_solve(fac, delta, split, d, p2, n2, deep, m1, V[m])
        for i in range(size):
            HV[m, i] = hv[i]
    cap = np.zeros((npairs, npairs))
    for a in range(npairs):
        for b in range(npairs):
            for i in range(size):
                cap[a, b] += V[a, i] * HV[b, i]
        cap[a, a] += 1.0 / alpha[a]
    h = _base_solve(fac, delta, split, d, p2, n2, deep, m1, rx)
    vh = np.zeros(npairs)
    for a in range(npairs):
        for i in range(size):
            vh[a] += V[a, i] * h[i]
    coef = _small_solve(cap, vh)
    dy = h.copy()
    for a in range(npairs):
        for i in range(size):
            dy[i] -= HV[a, i] * coef[a]
    md = 0.0
    for i in range(size):
        md += mean[i] * dy[i]
    dy[ie] = (rE - md) / Om
    dec = 0.0
    for i in range(size):
        dec -= grad[i] * dy[i]
    return dy, dec


def restricted_solve(x, w, y, anchors, lam: float, deep: bool, gap: float
                     ) -> tuple[float, np.ndarray, int]:
    """The Lasso over the units with kinks in ``anchors[1:]``: (constant, slope changes at the
    anchors, Newton steps).  The barrier path runs to the absolute gap ``gap`` (at least 1e-8
    of the targets' energy: the Newton systems lose accuracy beyond); its support, signs and
    active coupling constraints then define an equality-constrained quadratic program solved
    exactly (:func:`_polish_face`, with an active-set correction), kept when its signs agree: the
    exact minimizer to rounding, with exact zeros."""
    Q, q, delta = segment_stats(x, w, y, anchors)
    prob = _Restricted(Q, q, delta, lam, deep)
    span = float(x[-1] - x[0]) or 1.0
    ys = float(np.sqrt(np.sum(w * y * y) / max(float(w.sum()), 1e-300)))
    scale = max(ys / span, 1e-300) / max(anchors.shape[0], 1)
    floor = 1e-8 * (0.5 * float(np.sum(w * y * y)) + 1e-300)
    sol, steps, t = prob.solve(max(gap, floor), scale)
    u = prob.slopes(sol)
    # support: the larger part of a used slope change has a barrier multiplier 1 / (t p)
    # near 0 (1e-10 lam and below on the central path's end), an unused one well above it
    # (its parts are O(1 / t)); the cut at 1e-4 lam leaves ties to the polish and the pricing
    big = np.maximum(sol[prob.ip], sol[prob.inn])
    u[prob.split & (big * t * lam < 1e4)] = 0.0
    active = 1.0 / (t * (prob.G @ sol)) > 1e-3 * lam
    # the polish: a primal active-set method on the face the barrier found (feature-sign
    # search on slope changes): the face's exact minimizer; where signs would flip, the step
    # stops at the first zero, which leaves; when the point is optimal on its face, the most
    # violating kink of K joins with its sign.  The objective decreases at every round.
    polished = _polish_loop(Q, q, delta, x[anchors], u, active, lam, deep)
    if polished is not None:
        return polished[0], polished[1], steps
    return float(sol[prob.ia]), prob.slopes(sol), steps


def _polish_loop(Q, q, delta, xk, u, active, lam: float, deep: bool,
                 rounds: int = POLISH_ROUNDS):
    """Feature-sign rounds from slope changes ``u`` over the anchors ``xk`` in the coupling
    regime ``active`` (:func:`_polish_face`) to the restricted optimum: (constant, slope changes),
    or None when a face disagrees with the regime or the ``rounds`` run out
    (:func:`_polish_rounds`)."""
    done, xa, new = _polish_rounds(Q, q, delta, xk, np.asarray(u, dtype=float),
                                   np.asarray(active, dtype=np.bool_), float(lam), bool(deep),
                                   int(rounds))
    return (xa, new) if done else None


@njit(cache=True)
def _polish_rounds(Q, q, delta, xk, u, active, lam, deep, rounds):
    """:func:`_polish_loop` on arrays: (done, constant, slope changes).  Near interpolation
    a polish runs hundreds of rounds (a kink joins per round): in Python each cost 70 us,
    most of a 2-layer relu fit at N = 1000 and 1e-6 beta_max."""
    m = u.shape[0]
    cur = u.copy()
    # a kink that joined with a violation below 1e-6 beta~ and that its face solve flips at
    # once (with the sign of its violation it would move that way first) violates at
    # rounding level: it may not join again in this polish (at N = 1e6 near interpolation,
    # kinks a few 1e-6 apart joined and left 2,279 times in a row until the rounds ran out;
    # larger violations that flip at once mean a wrong coupling regime, left to the caller)
    tabu = np.zeros(m, dtype=np.bool_)
    joined = -1
    for _ in range(rounds):
        ok, xa, new, flip = _polish_face(Q, q, xk, cur, active, lam, deep)
        if not ok:
            return False, 0.0, cur
        # where signs would flip, the step stops at the first zero, which leaves (with the
        # coefficients that reach zero at the same step)
        stp = np.full(m, np.inf)
        kmin = -1
        for j in range(m):
            if flip[j]:
                gap = cur[j] - new[j]  # 0 only where both round to one number: no step
                stp[j] = cur[j] / gap if gap != 0.0 else 0.0
                if kmin < 0 or stp[j] < stp[kmin]:  # the lowest index on ties
                    kmin = j
        if kmin >= 0:
            smin = stp[kmin]
            if kmin == joined:
                tabu[joined] = True
            for j in range(m):
                cur[j] = cur[j] + smin * (new[j] - cur[j])
            for j in range(m):
                if flip[j] and stp[j] <= smin:
                    cur[j] = 0.0
            continue
        _, _, gu = data_value_grad(Q, q, delta, xa, new)
        viol = _violation(-gu, lam, deep)
        j = -1
        best = -np.inf
        for i in range(m):
            if new[i] == 0.0 and not tabu[i] and viol[i] > best:
                best = viol[i]
                j = i
        if j < 0 or not best > lam * 1e-9:
            return True, xa, new
        cur = new.copy()
        cur[j] = (1.0 if -gu[j] > 0 else (-1.0 if -gu[j] < 0 else 0.0)) * 2.2250738585072014e-308
        joined = j if best <= 1e-6 * lam else -1
    return False, 0.0, cur


def _regime(u: np.ndarray, deep: bool) -> np.ndarray:
    """The coupling constraints active at slope changes ``u`` (the polish's ``active``): deep,
    which of P and N is the max; 2 layers, which of 0, u0 - N', -u0 - P' is the max (ties
    within 1e-9 of the slopes' size count as active)."""
    pos = float(u[u > 0].sum())
    neg = float(-u[u < 0].sum())
    if deep:
        tie = 1e-9 * max(pos, neg, 1e-300)
        return np.array([pos >= neg - tie, neg >= pos - tie])
    p1 = float(u[1:][u[1:] > 0].sum())
    n1 = float(-u[1:][u[1:] < 0].sum())
    a, b = u[0] - n1, -u[0] - p1
    r = max(0.0, a, b)
    tie = 1e-9 * max(p1 + n1 + abs(float(u[0])), 1e-300)
    return np.array([r <= tie, a >= r - tie, b >= r - tie])


def warm_restricted_solve(x, w, y, anchors, lam: float, deep: bool, u0: np.ndarray
                          ) -> tuple[float, np.ndarray, int] | None:
    """The Lasso over the kinks ``anchors`` from the previous optimum's slope changes ``u0``
    (zero at the new anchors) by the polish's rounds alone: the new kinks join one at a time
    as they violate, so a round costs no barrier path.  None when the coupling regime changes
    (the barrier then serves)."""
    Q, q, delta = segment_stats(x, w, y, anchors)
    polished = _polish_loop(Q, q, delta, x[anchors], u0, _regime(u0, deep), lam, deep,
                            WARM_ROUNDS)
    if polished is None:
        return None
    return polished[0], polished[1], 0


@njit(cache=True)
def _violation(g, lam, deep):
    """How far each unit over the anchors violates the dual constraint at the ramps'
    correlations ``g`` (``g[0]``: the linear unit): per anchor, the largest excess over lam of
    the units with a kink there (-inf at the last point, never a kink, and at the free 2-layer
    initial slope)."""
    m = g.shape[0]
    viol = np.empty(m)
    if deep:  # every pair of {0, g}: the range of the correlations and 0 is at most lam
        hi, lo = 0.0, 0.0
        for i in range(m):
            hi = max(hi, g[i])
            lo = min(lo, g[i])
        for i in range(m):
            viol[i] = max(g[i] - (lo + lam), (hi - lam) - g[i])
    else:
        for i in range(m):
            viol[i] = max(abs(g[i]), abs(g[i] - g[0])) - lam
    if not deep:
        viol[0] = -np.inf  # the 2-layer initial slope is free: always in the support
    viol[-1] = -np.inf  # a kink at the last point is linear on the data (the initial slope)
    return viol


def _violating(g, lam, deep) -> np.ndarray:
    """Anchors of the units whose correlation exceeds lam at the ramps' correlations ``g``:
    the local maxima of the violation along the anchors (neighbouring anchors violate
    together; one per bump)."""
    viol = _violation(g, lam, deep)
    bad = viol > lam * 1e-9
    if not bad.any():
        return np.zeros(0, dtype=np.int64)
    left = np.concatenate([[-np.inf], viol[:-1]])
    right = np.concatenate([viol[1:], [-np.inf]])
    return np.flatnonzero(bad & (viol >= left) & (viol >= right))


@njit(cache=True)
def _small_lstsq(S, rhs):
    """The least-norm least-squares solution of a symmetric 1x1 or 2x2 system ``S m = rhs``
    (its pseudo-inverse from a closed-form eigendecomposition; eigenvalues within 4 eps of the
    largest count as zero, as a rank-revealing ``lstsq`` would).  The polish's Schur
    complement is at most 2x2 and singular when its two coupling rows coincide; numba's
    ``np.linalg.lstsq`` took 10 s to compile for it."""
    n = S.shape[0]
    out = np.zeros(n)
    if n == 1:
        if S[0, 0] != 0.0:
            out[0] = rhs[0] / S[0, 0]
        return out
    a, c, b = S[0, 0], S[1, 1], 0.5 * (S[0, 1] + S[1, 0])
    half, mid = 0.5 * (a - c), 0.5 * (a + c)
    rad = np.hypot(half, b)
    lams = (mid + rad, mid - rad)
    # an eigenvector of the first eigenvalue from the better conditioned row of S - lam I
    v0, v1 = b, lams[0] - a
    w0, w1 = lams[0] - c, b
    if w0 * w0 + w1 * w1 > v0 * v0 + v1 * v1:
        v0, v1 = w0, w1
    norm = np.hypot(v0, v1)
    if norm == 0.0:  # S is a multiple of the identity
        v0, v1, norm = 1.0, 0.0, 1.0
    v0, v1 = v0 / norm, v1 / norm
    cut = 4.0 * np.finfo(np.float64).eps * max(abs(lams[0]), abs(lams[1]))
    for lam, e0, e1 in ((lams[0], v0, v1), (lams[1], -v1, v0)):
        if abs(lam) > cut:
            coef = (e0 * rhs[0] + e1 * rhs[1]) / lam
            out[0] += coef * e0
            out[1] += coef * e1
    return out


@njit(cache=True)
def _polish_face(Q0, q0, x_anchor, u, active, lam, deep):
    """The exact minimizer on the face the barrier found: slope changes zero off the support,
    of fixed signs on it, the active coupling constraints as equalities, so the cost is linear
    and the problem a least-squares one with at most two equality constraints (Riccati solves
    on the support's segments plus a Schur complement).  Returns (ok, constant, slope
    changes, the mask of support positions whose signs flipped); not ok when the regime's
    inequalities disagree (the barrier point is then used)."""
    m = u.shape[0]
    out = np.zeros(m)
    flip_all = np.zeros(m, dtype=np.bool_)
    nz = 0
    for j in range(m):
        if u[j] != 0.0 or j == 0:
            nz += 1
    sup = np.empty(nz, dtype=np.int64)
    k = 0
    for j in range(m):
        if u[j] != 0.0 or j == 0:
            sup[k] = j
            k += 1
    m1 = nz
    sig = np.empty(m1)  # explicit loops: numba's array expressions compile shape checks and
    pos = np.empty(m1, dtype=np.bool_)  # their error messages (4 s per environment)
    neg = np.empty(m1, dtype=np.bool_)
    for j in range(m1):
        v = u[sup[j]]
        sig[j] = 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)
        pos[j] = v > 0
        neg[j] = v < 0
    g = np.zeros(m1)  # the cost's gradient on the face
    eqs = np.zeros((2, m1))
    n_eq = 0
    if deep:  # cost max(P, N); c1 = tau - P, c2 = tau - N
        if active[0] or not active[1]:
            for j in range(m1):
                if pos[j]:
                    g[j] = 1.0
        else:
            for j in range(m1):
                if neg[j]:
                    g[j] = -1.0
        if active[0] and active[1]:  # P = N: sum u = 0
            for j in range(m1):
                eqs[n_eq, j] = 1.0 if sig[j] != 0 else 0.0
            n_eq += 1
    else:  # cost P' + N' + r; c1 = r, c2 = r - u0 + N', c3 = r + u0 + P'
        if active[0]:  # r = 0
            for j in range(1, m1):
                g[j] = sig[j]
            if active[1]:  # u0 = N'
                for j in range(1, m1):
                    eqs[n_eq, j] = 1.0 if neg[j] else 0.0
                eqs[n_eq, 0] = 1.0
                n_eq += 1
            if active[2]:  # u0 = -P'
                for j in range(1, m1):
                    eqs[n_eq, j] = 1.0 if pos[j] else 0.0
                eqs[n_eq, 0] = 1.0
                n_eq += 1
        elif active[1]:  # r = u0 - N' > 0: cost P' + u0
            for j in range(1, m1):
                if pos[j]:
                    g[j] = 1.0
            g[0] = 1.0
            if active[2]:
                for j in range(m1):  # the sum of every slope change
                    eqs[n_eq, j] = 1.0
                n_eq += 1
        elif active[2]:  # r = -u0 - P' > 0: cost N' - u0
            for j in range(1, m1):
                if neg[j]:
                    g[j] = -1.0
            g[0] = -1.0
        else:
            return False, 0.0, out, flip_all
    Q, q, delta = merge_stats(Q0, q0, x_anchor, sup)
    dd = np.zeros(m1)
    if deep and sig[0] == 0:  # the initial slope is a signed variable; zero if unused
        dd[0] = 1e300
    a, c1, c2, P11, P12, P22 = lq_factor(Q, delta, dd, 1.0)
    _, ga0, gu0 = data_value_grad(Q, q, delta, 0.0, np.zeros(m1))
    b = np.empty(m1)
    for j in range(m1):
        b[j] = -gu0[j] - lam * g[j]
    xa, uu = lq_solve(a, c1, c2, P11, P12, P22, delta, -ga0, b)
    if n_eq > 0:
        A = eqs[:n_eq]
        Hu = np.zeros((n_eq, m1))
        Ha = np.zeros(n_eq)
        for r in range(n_eq):
            ha, hu = lq_solve(a, c1, c2, P11, P12, P22, delta, 0.0, A[r].copy())
            Ha[r] = ha
            for j in range(m1):
                Hu[r, j] = hu[j]
        S = np.zeros((n_eq, n_eq))
        rhs = np.zeros(n_eq)
        for r in range(n_eq):
            for c in range(n_eq):
                for j in range(m1):
                    S[r, c] += A[r, j] * Hu[c, j]
            for j in range(m1):
                rhs[r] += A[r, j] * uu[j]
        mult = _small_lstsq(S, rhs)  # rows may repeat (u0 = N' = -P')
        for r in range(n_eq):
            for j in range(m1):
                uu[j] -= mult[r] * Hu[r, j]
            xa = xa - Ha[r] * mult[r]
    any_flip = False
    for j in range(m1):
        f = sig[j] * uu[j] < 0
        if j == 0 and not deep:
            f = False  # the 2-layer initial slope is free
        if f:
            flip_all[sup[j]] = True
            any_flip = True
        out[sup[j]] = uu[j]
    if any_flip:  # the caller steps to the first zero
        return True, xa, out, flip_all
    if deep:
        P = 0.0
        N = 0.0
        for j in range(m1):
            if uu[j] > 0:
                P += uu[j]
            elif uu[j] < 0:
                N -= uu[j]
        tolr = 1e-9 * max(P, N, 1e-300)
        if (active[0] and not active[1] and P < N - tolr) or \
                (active[1] and not active[0] and N < P - tolr):
            return False, 0.0, out, flip_all
    else:
        P1 = 0.0
        N1 = 0.0
        for j in range(1, m1):
            if uu[j] > 0:
                P1 += uu[j]
            elif uu[j] < 0:
                N1 -= uu[j]
        tolr = 1e-9 * max(P1 + N1 + abs(uu[0]), 1e-300)
        if active[0] and (uu[0] - N1 > tolr or -uu[0] - P1 > tolr):
            return False, 0.0, out, flip_all
        if not active[0] and active[1] and uu[0] - N1 < -tolr:
            return False, 0.0, out, flip_all
        if not active[0] and active[2] and -uu[0] - P1 < -tolr:
            return False, 0.0, out, flip_all
    if deep and sig[0] == 0:
        out[0] = 0.0
    return True, xa, out, flip_all


def applies(pool, datafit, bias: bool) -> bool:
    """Whether this solver serves the problem: the squared loss with a free bias over a relu
    deep narrow library (explicit or implicit) whose rows are its distinct points."""
    return (pool.flow_depth is not None and bias and datafit.name == "squared"
            and datafit.reduces_duplicates)


def solve(pool, datafit, rows, lam: float, x: np.ndarray, *, tol: float, max_iter: int,
          z0: np.ndarray | None = None, verbose: bool = False) -> engine.Solution | None:
    """Minimize the Lasso (1.2) over the relu deep narrow library behind ``pool`` (see the
    module) to the certified gap ``tol`` times the optimum (:func:`.result.gap_target`);
    ``x``: the sorted distinct inputs.  Returns the engine's :class:`~.engine.Solution` (None
    if the library lacks a unit of the slope-change representation: then the working sets
    serve)."""
    t0 = time.perf_counter()
    deep = pool.flow_depth > 2
    w, yc = rows.w, rows.y
    n = x.shape[0]
    f0 = np.zeros(n)
    scale = datafit.value(rows, f0 + datafit.optimal_bias(rows, f0, None))
    unit = max(datafit.tolerance_unit(rows, scale), np.finfo(float).tiny)
    inner = 0.05 * tol * unit  # tightened as the optimum's lower bound is known better
    target = tol * unit
    K = np.zeros(1, dtype=np.int64)
    if z0 is not None and np.any(z0):
        kinks0 = pool.kinks(np.flatnonzero(z0))[1]
        K = np.union1d(K, kinks0[kinks0 < n - 1])  # the last point is never a kink
    history: list = []
    n_priced = 0
    S = np.zeros(0, dtype=np.int64)
    z = np.zeros(len(pool))
    converged, reason = False, f"stopped after max_iter={max_iter} iterations"
    primal = gap = np.inf
    xi = 0.0
    theta = np.zeros(n)
    it = 0
    cold = K.shape[0] == 1
    prev = None  # (kinks, slope changes) of the last restricted optimum
    for it in range(1, max_iter + 1):
        warm = None
        if cold and it == 1:  # z = 0 first: certified there at once when beta >= beta_max
            a0, u, steps = float(np.sum(w * yc) / np.sum(w)), np.zeros(1), 0
        else:
            if prev is not None:  # the last optimum, zero at the new kinks
                start = np.zeros(K.shape[0])
                start[np.searchsorted(K, prev[0])] = prev[1]
                warm = warm_restricted_solve(x, w, yc, K, lam, deep, start)
            a0, u, steps = warm if warm is not None else \
                restricted_solve(x, w, yc, K, lam, deep, inner)
        v = np.zeros(n)
        v[K] = u
        zk = pool.from_slopes(v)
        if zk is None:  # a unit missing from the library (cannot happen for a full one)
            return None
        z = zk
        S = np.flatnonzero(z)
        primal, gap, xi, cert = engine.certify(pool, datafit, rows, lam, z, True, None, 1, S)
        if len(pool) > z.shape[0]:
            z = np.concatenate([z, np.zeros(len(pool) - z.shape[0])])
        n_priced += cert.price.n_priced
        theta = cert.theta
        history.append((primal, gap))
        if verbose:
            print(f"[slopes] {time.perf_counter() - t0:7.2f} s iteration {it}: objective "
                  f"{primal:.12g} gap {gap:.3e} kinks {K.shape[0]} active {S.shape[0]} "
                  f"newton {steps}")
        target = gap_target(tol, primal, gap, unit)
        inner = min(inner, 0.05 * target)
        if gap <= target:
            converged, reason = True, ""
            break
        # new kinks: the peaks of the violation along the data (one per bump), from the
        # ramps' correlations at every point
        g, _ = residual_correlations(x, w, yc, K, a0, u)
        new = _violating(g, lam, deep)
        fresh = np.setdiff1d(new, K)
        # warm starts from an optimum over K (not from z = 0, whose coupling regime is
        # degenerate); a violation peak inside K, above rounding, means the polish kept a
        # coupling regime that is not the restricted optimum's: the barrier finds the face
        inside = new[np.isin(new, K)]
        missed = warm is not None and inside.shape[0] > 0 and bool(
            np.any(_violation(g, lam, deep)[inside] > 1e-6 * lam))  # not rounding
        prev = None if missed or not np.any(u[1:]) else (K, u)
        if missed and fresh.shape[0] == 0:
            continue
        if fresh.shape[0] == 0:  # the restricted solve is as exact as it gets here
            reason = (f"the gap stopped at {gap:.3e} (above the target {target:.3e}) with "
                      "every violating kink in the working set")
            break
        K = np.union1d(K, fresh)  # the restricted problems cost O(|K|): nothing leaves
    return engine.Solution(z, float(xi), float(primal), float(gap), it, converged, theta,
                           target, reason, history, n_priced)


__all__ = ["applies", "restricted_solve", "solve", "warm_restricted_solve"]
