"""The structured pricer of the 3-layer deep narrow abs library (Table 3.1): data units and
their mirrors, midpoint units.

With abs activation every unit of the library is ``f(x) = ||x - c| - b|`` with b >= 0:

* a *data* unit (Definition 3.9, family ``data``, slots (j1, j2)) has ``c = x_j1`` and
  ``b = |x_j2 - x_j1|``: its kinks ``c - b, c, c + b`` are x_j2, x_j1 and the *mirror* of x_j2
  across x_j1, ``2 x_j1 - x_j2`` (b = 0, j1 = j2, is the 2-layer feature ``|x - c|``);
* a *midpoint* unit (the normalized midpoint of Lemma D.10 paired with the anchor, Lemma D.11,
  family ``midpoint``, code (partner a, anchor j2)) has ``c = (x_a + x_j2) / 2`` and kinks
  x_a, c, x_j2.

With ``lo = c - b`` and ``hi = c + b``, checking the four intervals,

    f(x) = |x - lo| - 2 (x - c)_+ + 2 (x - hi)_+ = |x - hi| - 2 (c - x)_+ + 2 (lo - x)_+,

so with ``R(t) = sum_n theta_n (x_n - t)_+``, ``L(t) = sum_n theta_n (t - x_n)_+`` and
``D = L + R``, a unit's correlation is

    A_j^T theta = D(lo) - 2 R(c) + 2 R(hi) = D(hi) - 2 L(c) + 2 L(lo).

R, L, D are piecewise linear with breaks at the data: :func:`tables` holds them at the sorted
distinct points (running sums over the gaps, so data far from 0 lose nothing), and any value
between two points is one multiply-add once its interval is known.  For a data unit every
term but the mirror's sits at a data point; for a midpoint unit every term but R(c).  For a
fixed j1 (or partner a) the mirror (or c) moves monotonically as j2 sweeps the sorted points,
so a pointer tracks its interval: every unit in O(1), the 2 N^2 units in O(N^2).

The pointer's steps are data dependent, which makes a plain pass over every unit
branch-bound (about 10 ns a unit: 0.85 s a round at N = 10^4 on two cores).  A round
therefore prunes by bounds, exactly:

1. every row's sweep is cut into *chunks* of about N / 4 consecutive j2 (:func:`chunk_size`):
   over a chunk the mirror (or c) stays in a range, and the extremes of D (or R) over it
   (at its ends and at the data points inside) plus those of ``R(x_j2)`` (or ``L``) over the
   chunk bound ``|A_j^T theta|`` for all its units.  The pointers at the chunk ends move right
   as the row grows, a few points a row (:func:`_row`), and the range extremes come from
   block tables (:func:`block_tables`), so a chunk costs O(1) amortized plus its range
   queries;
2. the chunks of largest bound are evaluated by decreasing bound (:func:`_eval_block`), each
   by sub-chunks of :data:`FINE` units bounded again by walking the pointer across them
   (:func:`_eval_fine`), until a chunk's bound is below the k-th best unit found: no unit
   left can enter the k best;
3. only when that list ran out first, a second pass evaluates every chunk whose bound reaches
   the k-th best unit found (rare: none in the solves measured).

The maximum and the k most correlated units are exact (the bounds carry a slack of
:data:`BOUND_SLACK` times the scale of the tables, far above rounding); the work is O(N^2)
in the worst case, and in practice the bound pass plus under 2% of the units near the
optimum: 30-45 ms a round at N = 10^4 on one core (from 1.7 s), 4-7 ms at N = 2000.  Memory
is O(N + k) per block of rows (blocks on threads): the tables, the pointers and the heaps,
nothing of the size of the library.  A data unit whose mirror is a data point is the midpoint
unit of that pair, a midpoint pair (a, j2) the unit of (j2, a), and a data unit anchored at
the first (last) point is ``|x - x_j2|`` on the data: each column is priced once.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit

from ..parallel_blocks import run_blocks
from .pools import heap_offer

#: units (consecutive j2 of one row) per sub-chunk: a chunk whose bound reaches the threshold
#: is bounded again by sub-chunks, and those that reach it are evaluated
FINE = 64
#: the first pass lists at least this many chunks of largest bound (and 4 per candidate, 1
#: per point)
MIN_CHUNKS = 512
#: chunk bounds are widened by this much of the scale of the tables (rounding)
BOUND_SLACK = 1e-9

# sweep families of a row (the digit of a chunk code)
_RIGHT = 0  # data units (j1 = r, j2 > r): hi = x_j2, lo = the mirror
_LEFT = 1  # data units (j1 = r, j2 < r): lo = x_j2, hi = the mirror
_MID = 2  # midpoint units (a = r, j2 > r)


@njit(cache=True)
def tables(u, theta):
    """``T[i] = sum_{k >= i} theta_k`` (``T[n] = 0``), ``R``, ``L``, ``D`` at the points, the
    slope ``sD[p]`` of D on [u_p, u_(p+1)) and the scale of the values (for the bounds'
    slack).  R and L are running sums over the gaps ``u[i+1] - u[i]``: no cancellation of
    large totals, whatever the offset of the data."""
    n = u.shape[0]
    T = np.zeros(n + 1)
    for i in range(n - 1, -1, -1):
        T[i] = T[i + 1] + theta[i]
    R = np.zeros(n)
    L = np.zeros(n)
    for i in range(n - 2, -1, -1):
        R[i] = R[i + 1] + (u[i + 1] - u[i]) * T[i + 1]
    acc = 0.0
    for i in range(1, n):
        acc += theta[i - 1]
        L[i] = L[i - 1] + (u[i] - u[i - 1]) * acc
    D = L + R
    sD = np.empty(n)
    acc = 0.0
    for p in range(n):
        acc += theta[p]
        sD[p] = acc - T[p + 1]
    scale = abs(T[0]) * (u[n - 1] - u[0])  # D left of the points (mirrors reach 2 x_0 - x_n)
    for i in range(n):
        scale = max(scale, abs(D[i]) + 2.0 * abs(R[i]) + 2.0 * abs(L[i]))
    return T, R, L, D, sD, scale


@njit(cache=True)
def _mirror_ptr(u, c, dc):
    """The mirror's interval: the largest p with ``u_p <= 2c - x_j`` (``dc = c - x_j``), -1
    left of every point."""
    a = -1
    b = u.shape[0]
    while b - a > 1:
        m = (a + b) // 2
        if dc + (c - u[m]) >= 0.0:
            a = m
        else:
            b = m
    return a


@njit(cache=True)
def _mid_ptr(u, ua, uj):
    """c's interval: the largest p with ``u_p <= (x_a + x_j) / 2``."""
    a = -1
    b = u.shape[0]
    while b - a > 1:
        m = (a + b) // 2
        if (ua - u[m]) + (uj - u[m]) >= 0.0:
            a = m
        else:
            b = m
    return a


@njit(cache=True)
def _d_at(u, T, D, sD, c, dc, P):
    """D at the mirror ``2c - x_j`` (``dc = c - x_j``) in interval P."""
    if P >= 0:
        return D[P] + (dc + (c - u[P])) * sD[P]
    return D[0] - (dc + (c - u[0])) * T[0]


# exact evaluation ------------------------------------------------------------------------


@njit(cache=True)
def _eval_right(u, T, R, D, sD, r, s, e, p, midpoints, hv, hc, size):
    """Data units (j1 = r, j2) for j2 in [s, e), r < s: ``D(mirror) - 2 R(c) + 2 R(x_j2)``;
    ``p``: the mirror's interval at j2 = s (:func:`_mirror_ptr`)."""
    n = u.shape[0]
    c = u[r]
    base = 2.0 * R[r]
    for j2 in range(s, e):
        dc = c - u[j2]
        while p >= 0 and dc + (c - u[p]) < 0.0:
            p -= 1
        if p >= 0:
            off = dc + (c - u[p])  # mirror - u_p >= 0
            if off == 0.0 and midpoints:
                continue  # the midpoint unit of (p, j2), priced with the midpoints
            dm = D[p] + off * sD[p]
        else:  # left of every point: D(t) = D(u_0) - (t - u_0) sum theta
            dm = D[0] - (dc + (c - u[0])) * T[0]
        size = heap_offer(abs(dm - base + 2.0 * R[j2]), r + j2 * n, hv, hc, size)
    return size


@njit(cache=True)
def _eval_left(u, L, D, sD, r, s, e, p, midpoints, hv, hc, size):
    """Data units (j1 = r, j2) for j2 in [s, e), e <= r: ``D(mirror) - 2 L(c) + 2 L(x_j2)``,
    swept from j2 = e - 1 down (the mirror moves right); ``p``: its interval at j2 = e - 1."""
    n = u.shape[0]
    c = u[r]
    base = 2.0 * L[r]
    for j2 in range(e - 1, s - 1, -1):
        dc = c - u[j2]
        while p + 1 < n and dc + (c - u[p + 1]) >= 0.0:
            p += 1
        off = dc + (c - u[p])  # right of every point when p = n - 1 (slope sum theta)
        if off == 0.0 and midpoints:
            continue
        size = heap_offer(abs(D[p] + off * sD[p] - base + 2.0 * L[j2]), r + j2 * n, hv, hc, size)
    return size


@njit(cache=True)
def _eval_mid(u, T, R, D, a, s, e, p, hv, hc, size):
    """Midpoint units of the pairs (a, j2), j2 in [s, e), a < s: ``D(x_a) - 2 R(c) +
    2 R(x_j2)`` with ``c = (x_a + x_j2) / 2``; ``p``: c's interval at j2 = s."""
    n = u.shape[0]
    nn = np.int64(n) * n
    ua = u[a]
    da = D[a]
    for j2 in range(s, e):
        uj = u[j2]
        while (ua - u[p + 1]) + (uj - u[p + 1]) >= 0.0:  # stops before j2: c < x_j2
            p += 1
        off = 0.5 * ((ua - u[p]) + (uj - u[p]))  # c - u_p >= 0
        size = heap_offer(abs(da - 2.0 * (R[p] - off * T[p + 1]) + 2.0 * R[j2]),
                      nn + a + j2 * n, hv, hc, size)
    return size


@njit(cache=True)
def _eval_fine(u, tab, fam, r, s, e, F, midpoints, slack, tau, hv, hc, size):
    """The units of j2 in [s, e) of row r and family ``fam``, by sub-chunks of ``F``: each
    bounded as in :func:`_data_bound` (its D or R range found by walking the pointer across
    it) and evaluated exactly when its bound reaches ``tau`` and the heap's smallest unit
    (the heap full)."""
    T, R, L, D, sD = tab
    n = u.shape[0]
    k = hv.shape[0]
    c = u[r]
    if fam == _RIGHT:
        base = 2.0 * R[r]
        P = _mirror_ptr(u, c, c - u[s])
        s2 = s
        while s2 < e:
            e2 = min(s2 + F, e)
            Ps = P
            d1 = _d_at(u, T, D, sD, c, c - u[s2], P)
            dmax = d1
            dmin = d1
            dc = c - u[e2 - 1]
            while P >= 0 and dc + (c - u[P]) < 0.0:  # the points between the two mirrors
                dmax = max(dmax, D[P])
                dmin = min(dmin, D[P])
                P -= 1
            d1 = _d_at(u, T, D, sD, c, dc, P)
            dmax = max(dmax, d1)
            dmin = min(dmin, d1)
            xmax = R[s2]
            xmin = R[s2]
            for j in range(s2 + 1, e2):
                xmax = max(xmax, R[j])
                xmin = min(xmin, R[j])
            bound = max(dmax - base + 2.0 * xmax, base - dmin - 2.0 * xmin) + slack
            if bound >= tau and (size < k or bound > hv[0]):
                size = _eval_right(u, T, R, D, sD, r, s2, e2, Ps, midpoints, hv, hc, size)
            if e2 < e:
                dc = c - u[e2]
                while P >= 0 and dc + (c - u[P]) < 0.0:
                    P -= 1
            s2 = e2
    elif fam == _LEFT:
        base = 2.0 * L[r]
        P = _mirror_ptr(u, c, c - u[e - 1])
        e2 = e
        while e2 > s:
            s2 = max(e2 - F, s)
            Pe = P
            d1 = _d_at(u, T, D, sD, c, c - u[e2 - 1], P)
            dmax = d1
            dmin = d1
            dc = c - u[s2]
            while P + 1 < n and dc + (c - u[P + 1]) >= 0.0:
                P += 1
                dmax = max(dmax, D[P])
                dmin = min(dmin, D[P])
            d1 = _d_at(u, T, D, sD, c, dc, P)
            dmax = max(dmax, d1)
            dmin = min(dmin, d1)
            xmax = L[s2]
            xmin = L[s2]
            for j in range(s2 + 1, e2):
                xmax = max(xmax, L[j])
                xmin = min(xmin, L[j])
            bound = max(dmax - base + 2.0 * xmax, base - dmin - 2.0 * xmin) + slack
            if bound >= tau and (size < k or bound > hv[0]):
                size = _eval_left(u, L, D, sD, r, s2, e2, Pe, midpoints, hv, hc, size)
            if s2 > s:
                dc = c - u[s2 - 1]
                while P + 1 < n and dc + (c - u[P + 1]) >= 0.0:
                    P += 1
            e2 = s2
    else:
        da = D[r]
        P = _mid_ptr(u, c, u[s])
        s2 = s
        while s2 < e:
            e2 = min(s2 + F, e)
            Ps = P
            uj = u[s2]
            c1 = R[P] - 0.5 * ((c - u[P]) + (uj - u[P])) * T[P + 1]
            cmax = c1
            cmin = c1
            uj = u[e2 - 1]
            while (c - u[P + 1]) + (uj - u[P + 1]) >= 0.0:
                P += 1
                cmax = max(cmax, R[P])
                cmin = min(cmin, R[P])
            c1 = R[P] - 0.5 * ((c - u[P]) + (uj - u[P])) * T[P + 1]
            cmax = max(cmax, c1)
            cmin = min(cmin, c1)
            xmax = R[s2]
            xmin = R[s2]
            for j in range(s2 + 1, e2):
                xmax = max(xmax, R[j])
                xmin = min(xmin, R[j])
            bound = max(da - 2.0 * cmin + 2.0 * xmax, 2.0 * cmax - da - 2.0 * xmin) + slack
            if bound >= tau and (size < k or bound > hv[0]):
                size = _eval_mid(u, T, R, D, r, s2, e2, Ps, hv, hc, size)
            if e2 < e:
                uj = u[e2]
                while (c - u[P + 1]) + (uj - u[P + 1]) >= 0.0:
                    P += 1
            s2 = e2
    return size


@njit(cache=True)
def _chunk_of(code, n, S):
    """(family, row, first j2, end) of a chunk code ((family n + row) n + first j2)."""
    s = code % n
    r = (code // n) % n
    fam = code // (np.int64(n) * n)
    e = min((s // S + 1) * S, r if fam == _LEFT else n)
    return fam, r, s, e


# chunk bounds ------------------------------------------------------------------------------


@njit(cache=True)
def block_tables(a, W):
    """Max and min of ``a`` over the aligned blocks [q W, (q + 1) W): O(N / W) memory for the
    range queries of :func:`_range`."""
    nb = (a.shape[0] + W - 1) // W
    mx = np.empty(nb)
    mn = np.empty(nb)
    for q in range(nb):
        lo = q * W
        hi = min(lo + W, a.shape[0])
        m1 = a[lo]
        m2 = a[lo]
        for i in range(lo + 1, hi):
            m1 = max(m1, a[i])
            m2 = min(m2, a[i])
        mx[q] = m1
        mn[q] = m2
    return mx, mn


@njit(cache=True)
def _range(a, bmx, bmn, W, i, j):
    """(max, min) of ``a`` over [i, j] (i <= j): the partial blocks at both ends, the block
    tables ``bmx``, ``bmn`` (:func:`block_tables`) in between; O(W + (j - i) / W)."""
    qi = i // W
    qj = j // W
    m1 = a[i]
    m2 = a[i]
    if qi == qj:
        for t in range(i + 1, j + 1):
            m1 = max(m1, a[t])
            m2 = min(m2, a[t])
        return m1, m2
    for t in range(i + 1, (qi + 1) * W):
        m1 = max(m1, a[t])
        m2 = min(m2, a[t])
    for q in range(qi + 1, qj):
        m1 = max(m1, bmx[q])
        m2 = min(m2, bmn[q])
    for t in range(qj * W, j + 1):
        m1 = max(m1, a[t])
        m2 = min(m2, a[t])
    return m1, m2


@njit(cache=True)
def _data_bound(u, T, D, sD, Dbx, Dbn, X, Xbx, Xbn, W, c, base, s, e, Ps, Pe, slack):
    """Bound of ``|D(mirror) - base + 2 X(x_j2)|`` over the data units j2 in [s, e) of the row
    anchored at c (X = R right of the anchor, L left of it): the mirror runs over
    [2c - x_(e-1), 2c - x_s], whose D values are those at its ends (intervals Pe, Ps) and at the
    points Pe + 1..Ps between."""
    d1 = _d_at(u, T, D, sD, c, c - u[s], Ps)
    d2 = _d_at(u, T, D, sD, c, c - u[e - 1], Pe)
    dmax = max(d1, d2)
    dmin = min(d1, d2)
    if Pe < Ps:
        m1, m2 = _range(D, Dbx, Dbn, W, Pe + 1, Ps)
        dmax = max(dmax, m1)
        dmin = min(dmin, m2)
    xmax, xmin = _range(X, Xbx, Xbn, W, s, e - 1)
    return max(dmax - base + 2.0 * xmax, base - dmin - 2.0 * xmin) + slack


@njit(cache=True)
def _act(evaluate, prune, tau, bound, fam, r, s, e, u, tab, F, midpoints, slack, hv, hc,
         size):
    """What a row's sweep does with a chunk: collect its bound (``evaluate`` False: the heap
    holds chunks), or evaluate it (:func:`_eval_fine`) when the bound reaches the threshold
    (``tau`` and the heap's smallest unit when it is full); every unit without ``prune``."""
    n = u.shape[0]
    if not evaluate:
        return heap_offer(bound, (fam * n + r) * n + s, hv, hc, size)
    if not prune:
        T, R, L, D, sD = tab
        c = u[r]
        if fam == _RIGHT:
            return _eval_right(u, T, R, D, sD, r, s, e, _mirror_ptr(u, c, c - u[s]), midpoints,
                               hv, hc, size)
        if fam == _LEFT:
            return _eval_left(u, L, D, sD, r, s, e, _mirror_ptr(u, c, c - u[e - 1]),
                              midpoints, hv, hc, size)
        return _eval_mid(u, T, R, D, r, s, e, _mid_ptr(u, c, u[s]), hv, hc, size)
    if bound < tau or (size == hv.shape[0] and bound <= hv[0]):
        return size
    return _eval_fine(u, tab, fam, r, s, e, F, midpoints, slack, tau, hv, hc, size)


@njit(cache=True)
def _row(u, tab, btab, r, S, F, midpoints, slack, evaluate, prune, tau, hv, hc, size, PDs,
         PDe, PMs, PMe):
    """The chunks of row r (data units with j1 = r, midpoint units with a = r): bound each
    (see the module) and collect or evaluate it (:func:`_act`).  ``tab``: the tables of
    :func:`tables`; ``btab``: the block tables (max, min) of D, R and L over blocks of ``F``;
    ``PDs``/``PDe`` (``PMs``/``PMe``): the mirror's (c's) interval at the first / last j2 of
    every aligned chunk of ``S``, for the previous row of this block: the mirror and c only
    move right as r grows, so they are advanced here, a few points per row.  Returns (heap
    size, number of chunks)."""
    T, R, L, D, sD = tab
    Dbx, Dbn, Rbx, Rbn, Lbx, Lbn = btab
    W = F
    n = u.shape[0]
    nc = PDs.shape[0]
    c = u[r]
    for k in range(nc):
        j = k * S
        dc = c - u[j]
        P = PDs[k]
        while P + 1 < n and dc + (c - u[P + 1]) >= 0.0:
            P += 1
        PDs[k] = P
        j = min(j + S - 1, n - 1)
        dc = c - u[j]
        P = PDe[k]
        while P + 1 < n and dc + (c - u[P + 1]) >= 0.0:
            P += 1
        PDe[k] = P
    chunks = 0
    right, left, mid = np.int64(_RIGHT), np.int64(_LEFT), np.int64(_MID)  # not literals:
    # each literal would compile _act and _eval_fine once more (10 s per environment)
    if evaluate:  # b = 0 (j2 = j1): the 2-layer feature |x - c|
        size = heap_offer(abs(D[r]), r + r * n, hv, hc, size)
    # data units right of the anchor (at r = 0 they are |x - x_j2| on the points: skipped)
    if 1 <= r <= n - 2:
        base = 2.0 * R[r]
        for k in range((r + 1) // S, nc):
            s = max(k * S, r + 1)
            e = min(k * S + S, n)
            if s == k * S:
                Ps = PDs[k]
            else:  # the mirror of x_(r+1), just left of c
                Ps = r
                dc = c - u[s]
                while Ps >= 0 and dc + (c - u[Ps]) < 0.0:
                    Ps -= 1
            bound = _data_bound(u, T, D, sD, Dbx, Dbn, R, Rbx, Rbn, W, c, base, s, e, Ps,
                                PDe[k], slack)
            size = _act(evaluate, prune, tau, bound, right, r, s, e, u, tab, F, midpoints,
                        slack, hv, hc, size)
            chunks += 1
    # data units left of the anchor (at r = n - 1: |x - x_j2| on the points, skipped)
    if 1 <= r <= n - 2:
        base = 2.0 * L[r]
        for k in range((r - 1) // S + 1):
            s = k * S
            e = min(k * S + S, r)
            if e == k * S + S:
                Pe = PDe[k]
            else:  # the mirror of x_(r-1), just right of c
                Pe = r
                dc = c - u[e - 1]
                while Pe + 1 < n and dc + (c - u[Pe + 1]) >= 0.0:
                    Pe += 1
            bound = _data_bound(u, T, D, sD, Dbx, Dbn, L, Lbx, Lbn, W, c, base, s, e, PDs[k],
                                Pe, slack)
            size = _act(evaluate, prune, tau, bound, left, r, s, e, u, tab, F, midpoints,
                        slack, hv, hc, size)
            chunks += 1
    # midpoint units of the pairs (r, j2 > r): c runs over [c(x_s), c(x_(e-1))]
    if midpoints and r <= n - 2:
        ua = c
        da = D[r]
        for k in range((r + 1) // S, nc):
            j = k * S
            P = PMs[k]
            while P + 1 < n and (ua - u[P + 1]) + (u[j] - u[P + 1]) >= 0.0:
                P += 1
            PMs[k] = P
            j = min(j + S - 1, n - 1)
            P = PMe[k]
            while P + 1 < n and (ua - u[P + 1]) + (u[j] - u[P + 1]) >= 0.0:
                P += 1
            PMe[k] = P
            s = max(k * S, r + 1)
            e = min(k * S + S, n)
            Ps = PMs[k] if s == k * S else r  # c(x_(r+1)) lies in [x_r, x_(r+1))
            Pe = PMe[k]
            us = u[s]
            ue = u[e - 1]
            c1 = R[Ps] - 0.5 * ((ua - u[Ps]) + (us - u[Ps])) * T[Ps + 1]
            c2 = R[Pe] - 0.5 * ((ua - u[Pe]) + (ue - u[Pe])) * T[Pe + 1]
            cmax = max(c1, c2)
            cmin = min(c1, c2)
            if Ps < Pe:
                m1, m2 = _range(R, Rbx, Rbn, W, Ps + 1, Pe)
                cmax = max(cmax, m1)
                cmin = min(cmin, m2)
            xmax, xmin = _range(R, Rbx, Rbn, W, s, e - 1)
            bound = max(da - 2.0 * cmin + 2.0 * xmax, 2.0 * cmax - da - 2.0 * xmin) + slack
            size = _act(evaluate, prune, tau, bound, mid, r, s, e, u, tab, F, midpoints,
                        slack, hv, hc, size)
            chunks += 1
    return size, chunks


@njit(cache=True, nogil=True)
def _sweep_block(b, u, tab, btab, S, F, midpoints, slack, evaluate, prune, tau, starts, hv, hc,
                 sizes, chunks):
    """The rows of block ``b`` (``starts``: contiguous row ranges of about equal work; the
    blocks run on threads, :func:`.parallel_blocks.run_blocks`): its heap (of chunks, or of
    units when ``evaluate``) and the pointers of :func:`_row`, found by bisection at the
    block's first row."""
    n = u.shape[0]
    nc = (n + S - 1) // S
    r0 = starts[b]
    PDs = np.empty(nc, dtype=np.int64)
    PDe = np.empty(nc, dtype=np.int64)
    PMs = np.empty(nc, dtype=np.int64)
    PMe = np.empty(nc, dtype=np.int64)
    c = u[r0]
    for k in range(nc):
        j = k * S
        je = min(j + S - 1, n - 1)
        PDs[k] = _mirror_ptr(u, c, c - u[j])
        PDe[k] = _mirror_ptr(u, c, c - u[je])
        PMs[k] = _mid_ptr(u, c, u[j])
        PMe[k] = _mid_ptr(u, c, u[je])
    size = np.int64(0)  # a literal 0 would compile _row once more (10 s per environment)
    count = 0
    for r in range(r0, starts[b + 1]):
        size, m = _row(u, tab, btab, np.int64(r), S, F, midpoints, slack, evaluate, prune,
                       tau, hv[b], hc[b], size, PDs, PDe, PMs, PMe)
        count += m
    sizes[b] = size
    chunks[b] = count


@njit(cache=True, nogil=True)
def _eval_block(b, u, tab, S, F, midpoints, slack, codes, bounds, hv, hc, sizes, stopped):
    """Block ``b`` of the exact evaluation of the units |x - x_r| and the listed chunks (by
    decreasing bound, :func:`_eval_fine`), the chunks dealt round-robin to the blocks of
    ``hv``: a block stops at a chunk whose bound is below its heap's smallest unit (the heap
    full), since neither that chunk nor the later ones can enter its k best."""
    D = tab[3]
    n = u.shape[0]
    B = hv.shape[0]
    k = hv.shape[1]
    size = np.int64(0)
    for r in range(b, n, B):
        size = heap_offer(abs(D[r]), r + r * n, hv[b], hc[b], size)
    st = False
    for i in range(b, codes.shape[0], B):
        if size == k and bounds[i] < hv[b, 0]:
            st = True
            break
        fam, r, s, e = _chunk_of(codes[i], n, S)
        size = _eval_fine(u, tab, fam, r, s, e, F, midpoints, slack, -np.inf, hv[b], hc[b],
                          size)
    sizes[b] = size
    stopped[b] = st


def _merge(hv, hc, sizes, k):
    """The k best of the blocks' heaps, by decreasing score."""
    keep = np.arange(hv.shape[1])[None, :] < sizes[:, None]
    v, code = hv[keep], hc[keep]
    pick = np.argsort(-v, kind="stable")[:k]
    return v[pick], code[pick]


def _decode(v, code, n):
    kind, rest = np.divmod(code, np.int64(n) * n)
    j2, j1 = np.divmod(rest, n)
    return v, kind, np.column_stack([j1, j2])


def chunk_size(n: int) -> int:
    """Units per chunk of the bound pass: about N / 4 (a power of 2, 64 to 4096), so that a row
    has a dozen chunks.  Measured per round on one core over a solve's dual points: N = 10^4,
    2048 or 4096: 32-45 ms, 512: 59 ms, 256: 112 ms; N = 2000, 512 or 1024: 4-7 ms, 128:
    8 ms."""
    return int(min(max(2 ** round(np.log2(max(n, 1) / 4)), 64), 4096))


def price_mirrors(u: np.ndarray, theta: np.ndarray, k: int, midpoints: bool = True, *,
                  blocks: int | None = None, chunk: int | None = None, fine: int = FINE,
                  listed: int | None = None, prune: bool = True):
    """The exact ``max |A_j^T theta|`` over the 3-layer deep narrow abs library on the sorted
    distinct points ``u`` and its ``k`` units of largest ``|A_j^T theta|`` (see the module).

    ``midpoints=False``: the data units only (the library of ``midpoints="none"``).
    ``blocks``, ``chunk``, ``fine``, ``listed``: blocks of rows, chunk and sub-chunk sizes,
    chunks listed by the first pass (defaults: 4 per thread, :func:`chunk_size`,
    :data:`FINE`, at least :data:`MIN_CHUNKS`); ``prune=False`` evaluates every unit (checks
    of the bounds).  Returns (max, scores,
    kinds, slots): per candidate its ``|A_j^T theta|``, 0 (data unit) or 1 (midpoint unit) and
    its slots (j1, j2) or (partner a, anchor j2), sorted by decreasing score.
    """
    u = np.ascontiguousarray(u, dtype=float)
    theta = np.ascontiguousarray(theta, dtype=float)
    n = u.shape[0]
    k = max(int(k), 1)
    S = max(int(chunk), 1) if chunk is not None else chunk_size(n)
    F = max(int(fine), 1)
    T, R, L, D, sD, scale = tables(u, theta)
    tab = (T, R, L, D, sD)
    btab = (*block_tables(D, F), *block_tables(R, F), *block_tables(L, F))
    slack = BOUND_SLACK * scale + 1e-300
    mid = bool(midpoints)
    # contiguous blocks of rows of about equal work (row r: 2 N - r units, N - r without the
    # midpoints, and its pointer updates)
    nblocks = max(1, min(int(blocks or 4 * numba.get_num_threads()), n))
    r = np.arange(n, dtype=float)
    work = np.cumsum((2 * n - r if mid else n + 0.0 * r) + 4 * ((n + S - 1) // S))
    starts = np.searchsorted(work, work[-1] * np.arange(nblocks + 1) / nblocks, side="left")
    starts[0], starts[-1] = 0, n
    starts = np.unique(starts).astype(np.int64)
    B = starts.shape[0] - 1
    if prune:
        # pass 1: the chunks of largest bound, evaluated exactly by decreasing bound until
        # the k-th best unit found exceeds the next bound
        K = max(4 * k, MIN_CHUNKS, n) if listed is None else max(int(listed), 1)
        cv = np.empty((B, K))
        cc = np.zeros((B, K), dtype=np.int64)
        sizes = np.zeros(B, dtype=np.int64)
        counts = np.zeros(B, dtype=np.int64)
        run_blocks(lambda b: _sweep_block(b, u, tab, btab, S, F, mid, slack, False, True, 0.0,
                                          starts, cv, cc, sizes, counts), B)
        keep = np.arange(K)[None, :] < sizes[:, None]
        cv, cc = cv[keep], cc[keep]
        if cv.shape[0] > K:
            top = np.argpartition(-cv, K - 1)[:K]
            cv, cc = cv[top], cc[top]
        order = np.argsort(-cv, kind="stable")
        cv, cc = cv[order], cc[order]
        hv = np.empty((B, k))
        hc = np.zeros((B, k), dtype=np.int64)
        stopped = np.zeros(B, dtype=np.bool_)
        run_blocks(lambda b: _eval_block(b, u, tab, S, F, mid, slack, cc, cv, hv, hc, sizes,
                                         stopped), B)
        v, code = _merge(hv, hc, sizes, k)
        # every chunk not listed has a bound <= the smallest listed one
        if (stopped.any() or int(counts.sum()) <= cc.shape[0]
                or (v.shape[0] == k and v[-1] >= cv[-1])):
            return (float(v[0]), *_decode(v, code, n))
        tau = v[-1] if v.shape[0] == k else -np.inf
    else:
        tau = -np.inf
    # pass 2: every chunk whose bound reaches the threshold, exactly
    hv = np.empty((B, k))
    hc = np.zeros((B, k), dtype=np.int64)
    sizes = np.zeros(B, dtype=np.int64)
    counts = np.zeros(B, dtype=np.int64)
    run_blocks(lambda b: _sweep_block(b, u, tab, btab, S, F, mid, slack, True, bool(prune), tau,
                                      starts, hv, hc, sizes, counts), B)
    v, code = _merge(hv, hc, sizes, k)
    return (float(v[0]), *_decode(v, code, n))


__all__ = ["BOUND_SLACK", "FINE", "MIN_CHUNKS", "chunk_size", "price_mirrors", "tables"]
