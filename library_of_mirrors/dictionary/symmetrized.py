"""The pricer of the 3-layer symmetrized library (Theorem 3.13), never listing its units.

A unit is ``sigma(g(x) - g(x_j3))`` with the first layer
``g = w21 sigma(w11 (x - x_j1)) + w22 sigma(w12 (x - x_j2))`` (anchors ``a1 = x_j1 <= a2 =
x_j2``, 16 sign patterns).  Pricing for a dual vector ``theta`` means, for every first layer
(j1, j2, signs), the largest ``|sum_i theta_i sigma(g(x_i) - g(x_j3))|`` over the N choices of
``x_j3``.  ``g`` is linear on three pieces (``x < a1``, ``a1 <= x < a2``, ``a2 <= x``) with
slopes ``s0, s1, s2``; two kinds of first layers:

* **monotone** ``g`` (all slopes >= 0 or all <= 0; for relu 12 of the 16 patterns): the unit has
  no reflection.  Writing ``sigma(z) = a- z + (a+ - a-) z_+``, with ``R(t) = sum theta_i
  (x_i - t)_+``, ``Q(t) = sum theta_i (t - x_i)_+`` and ``T = sum theta``, the correlation of
  the unit with ``x_j3`` in piece q of a non-decreasing ``g`` is

      C_q + s_q W+(j3),   W+(j) = (a+ - a-) R(x_j) - a- T x_j,
      C_q = a- (sum theta g - T b_q) + (a+ - a-) sum over the kinks right of piece q of
            (slope change) R(kink),

  (``g = b_q + s_q x`` on piece q), and the mirror image with ``Q`` for a non-increasing one.
  The best ``x_j3`` of a piece is where ``W`` is largest or smallest on the piece's index
  range: O(1) per first layer with sparse tables of range maxima (:func:`_tables`).
* **V-shaped** ``g`` (slopes ``-(a+ - a-), 0, a+ - a-``: the other 4 patterns, both
  activations): its units break at reflections ``x_j1 + x_j2 - x_j3`` (Figure 3.4).  The
  correlations of all N choices of ``x_j3`` come from one sort of the values ``g(x_i)`` (three
  monotone runs, merged in O(N)) and running sums, shared by ``g`` and ``-g`` (w21, w22
  flipped): O(N) per first layer, O(N^3) per round, and all the work of a round.

Memory O(N^2) (the best ``x_j3`` of every first layer).  The exact rounds run in parallel over
blocks of first anchors (threads over ``nogil`` kernels: :mod:`..parallel_blocks`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..parallel_blocks import run_blocks
from .pricing import ramp_correlations

#: blocks of a pass on threads (:func:`.parallel_blocks.run_blocks`): enough to balance two
#: to eight threads over rows of unequal cost
_BLOCKS = 64


@njit(cache=True)
def _run_bounds(a, b, g):
    """(start, stop, step) walking indices a..b (inclusive) in non-increasing order of g."""
    if b < a:
        return a, a, 1
    if g[a] >= g[b]:
        return a, b + 1, 1
    return b, a - 1, -1


@njit(cache=True)
def _symmetrized_coefficients(am, ap):
    """``coef[r, s] = (c1, c2)`` with ``g(x) = c1 (x - a1) + c2 (x - a2)`` for sign pattern
    ``s`` (0..15) on the ranges r = 0: x < a1, 1: a1 <= x < a2, 2: a2 <= x (a1 <= a2).

    ``w21 sigma(w11 (x - a1)) = c (x - a1)`` with ``c = w21 w11 a-`` or ``w21 w11 a+`` on either
    side of ``a1`` (the term is 0 at ``a1``, so ``a1`` may go with either side); the products
    are rounded exactly as ``w21 * sigma(w11 * (x - a1))``.
    """
    coef = np.empty((3, 16, 2))
    for s in range(16):
        w11 = 1.0 - 2.0 * (s & 1)
        w12 = 1.0 - 2.0 * ((s >> 1) & 1)
        w21 = 1.0 - 2.0 * ((s >> 2) & 1)
        w22 = 1.0 - 2.0 * ((s >> 3) & 1)
        c1l = w21 * w11 * (am if w11 > 0 else ap)
        c1r = w21 * w11 * (ap if w11 > 0 else am)
        c2l = w22 * w12 * (am if w12 > 0 else ap)
        c2r = w22 * w12 * (ap if w12 > 0 else am)
        coef[0, s, 0] = c1l
        coef[0, s, 1] = c2l
        coef[1, s, 0] = c1r
        coef[1, s, 1] = c2l
        coef[2, s, 0] = c1r
        coef[2, s, 1] = c2r
    return coef


@njit(cache=True)
def _directions(coef):
    """Per sign pattern: +1 if ``g`` is non-decreasing, -1 if non-increasing (+1 for a constant
    ``g``), 0 if neither (a V)."""
    out = np.zeros(16, dtype=np.int64)
    for s in range(16):
        up = True
        down = True
        for r in range(3):
            sl = coef[r, s, 0] + coef[r, s, 1]
            up = up and sl >= 0.0
            down = down and sl <= 0.0
        out[s] = 1 if up else (-1 if down else 0)
    return out


@njit(cache=True)
def _is_unit(s, j1, j2):
    """Library units have ``k1 <= k2`` (``k = 4 j + 2 b(w1.) + b(w2.)``: the two first-layer
    neurons are interchangeable), which only binds when ``j1 = j2``."""
    return j1 < j2 or 2 * (s & 1) + ((s >> 2) & 1) <= 2 * ((s >> 1) & 1) + (s >> 3)


@njit(cache=True)
def _tables(v, theta, P, Q, am, ap):
    """Prefix sums ``A0[k] = sum_{i<k} theta_i``, ``A1[k] = sum_{i<k} theta_i v_i``, the two
    functions ``W[0] = W+``, ``W[1] = W-`` of the monotone first layers and sparse tables of
    their range maxima / minima with arguments: ``hi[f, l, i]`` = max of ``W[f]`` over
    ``i .. i + 2^l - 1``; ``lg[m]`` = floor(log2 m)."""
    n = v.shape[0]
    A0 = np.zeros(n + 1)
    A1 = np.zeros(n + 1)
    for i in range(n):
        A0[i + 1] = A0[i] + theta[i]
        A1[i + 1] = A1[i] + theta[i] * v[i]
    tot = A0[n]
    dp = ap - am
    W = np.empty((2, n))
    for i in range(n):
        W[0, i] = dp * P[i] - am * tot * v[i]
        W[1, i] = dp * Q[i] + am * tot * v[i]
    lg = np.zeros(n + 1, dtype=np.int64)
    for m in range(2, n + 1):
        lg[m] = lg[m // 2] + 1
    levels = lg[n] + 1
    hi = np.empty((2, levels, n))
    hi_at = np.zeros((2, levels, n), dtype=np.int64)
    lo = np.empty((2, levels, n))
    lo_at = np.zeros((2, levels, n), dtype=np.int64)
    for f in range(2):
        for i in range(n):
            hi[f, 0, i] = W[f, i]
            lo[f, 0, i] = W[f, i]
            hi_at[f, 0, i] = i
            lo_at[f, 0, i] = i
        for lev in range(1, levels):
            h = 1 << (lev - 1)
            for i in range(n - 2 * h + 1):
                j = i + h
                if hi[f, lev - 1, j] > hi[f, lev - 1, i]:
                    hi[f, lev, i] = hi[f, lev - 1, j]
                    hi_at[f, lev, i] = hi_at[f, lev - 1, j]
                else:
                    hi[f, lev, i] = hi[f, lev - 1, i]
                    hi_at[f, lev, i] = hi_at[f, lev - 1, i]
                if lo[f, lev - 1, j] < lo[f, lev - 1, i]:
                    lo[f, lev, i] = lo[f, lev - 1, j]
                    lo_at[f, lev, i] = lo_at[f, lev - 1, j]
                else:
                    lo[f, lev, i] = lo[f, lev - 1, i]
                    lo_at[f, lev, i] = lo_at[f, lev - 1, i]
    return A0, A1, hi, hi_at, lo, lo_at, lg


class _Tables:
    """The per-``theta`` data of a round (:func:`_tables`), computed once for all threads."""

    def __init__(self, u: np.ndarray, theta: np.ndarray, am: float, ap: float):
        self.u = np.ascontiguousarray(u, dtype=float)
        self.theta = np.ascontiguousarray(theta, dtype=float)
        self.v = self.u - self.u[0]
        self.P, self.Q = ramp_correlations(self.u, self.theta)
        self.am, self.ap = float(am), float(ap)
        self.coef = _symmetrized_coefficients(self.am, self.ap)
        self.dirs = _directions(self.coef)
        (self.A0, self.A1, self.hi, self.hi_at, self.lo, self.lo_at,
         self.lg) = _tables(self.v, self.theta, self.P, self.Q, self.am, self.ap)

    def args(self) -> tuple:
        return (self.u, self.v, self.theta, self.P, self.Q, self.am, self.ap, self.coef,
                self.dirs, self.A0, self.A1, self.hi, self.hi_at, self.lo, self.lo_at, self.lg)


@njit(cache=True)
def _range_extremes(f, a, b, hi, hi_at, lo, lo_at, lg):
    """(max, argmax, min, argmin) of ``W[f]`` over the indices ``a..b`` (inclusive)."""
    lev = lg[b - a + 1]
    c = b - (1 << lev) + 1
    if hi[f, lev, c] > hi[f, lev, a]:
        vmax = hi[f, lev, c]
        amax = hi_at[f, lev, c]
    else:
        vmax = hi[f, lev, a]
        amax = hi_at[f, lev, a]
    if lo[f, lev, c] < lo[f, lev, a]:
        vmin = lo[f, lev, c]
        amin = lo_at[f, lev, c]
    else:
        vmin = lo[f, lev, a]
        amin = lo_at[f, lev, a]
    return vmax, amax, vmin, amin


@njit(cache=True)
def _price_monotone(v, P, Q, am, ap, coef, direction, s, j1, j2, A0, A1, hi, hi_at, lo, lo_at,
                    lg):
    """(best |corr|, its j3) of the monotone first layer (j1, j2, pattern s): per piece of
    ``g``, ``C_q + |s_q| W(j3)`` at the range maximum and minimum of ``W`` (module doc)."""
    n = v.shape[0]
    dp = ap - am
    tot = A0[n]
    a1 = v[j1]
    a2 = v[j2]
    # sum theta g over the three pieces [0, j1), [j1, j2), [j2, n)
    tg = 0.0
    for r in range(3):
        lo_i = 0 if r == 0 else (j1 if r == 1 else j2)
        hi_i = j1 if r == 0 else (j2 if r == 1 else n)
        c1 = coef[r, s, 0]
        c2 = coef[r, s, 1]
        tg += (c1 + c2) * (A1[hi_i] - A1[lo_i]) - (c1 * a1 + c2 * a2) * (A0[hi_i] - A0[lo_i])
    s0 = coef[0, s, 0] + coef[0, s, 1]
    s1 = coef[1, s, 0] + coef[1, s, 1]
    s2 = coef[2, s, 0] + coef[2, s, 1]
    best = -1.0
    arg = 0
    for q in range(3):
        a = 0 if q == 0 else (j1 if q == 1 else j2)
        b = j1 if q == 0 else (j2 if q == 1 else n - 1)
        c1 = coef[q, s, 0]
        c2 = coef[q, s, 1]
        sq = c1 + c2
        bq = -(c1 * a1 + c2 * a2)
        cq = am * (tg - tot * bq)
        if direction > 0:
            f = 0
            if q == 0:
                cq += dp * ((s1 - s0) * P[j1] + (s2 - s1) * P[j2])
            elif q == 1:
                cq += dp * (s2 - s1) * P[j2]
        else:
            f = 1
            sq = -sq
            if q == 2:
                cq += dp * ((-s0 + s1) * Q[j1] + (-s1 + s2) * Q[j2])
            elif q == 1:
                cq += dp * (-s0 + s1) * Q[j1]
        vmax, amax, vmin, amin = _range_extremes(f, a, b, hi, hi_at, lo, lo_at, lg)
        c = abs(cq + sq * vmax)
        if c > best:
            best = c
            arg = amax
        c = abs(cq + sq * vmin)
        if c > best:
            best = c
            arg = amin
    return best, arg


@njit(cache=True)
def _price_symmetrized_pair(u, v, theta, P, Q, am, ap, coef, dirs, A0, A1, hi, hi_at, lo, lo_at,
                            lg, j1, j2, G, best_val, best_j3):
    """The 16 sign patterns of the first layer with anchors ``j1 <= j2``: ``best_val[s]``,
    ``best_j3[s]`` (-1 where ``s`` is no library unit); ``G`` (n,) is scratch."""
    n = u.shape[0]
    dp = ap - am
    tot_t = A0[n]
    for s in range(16):
        if not _is_unit(s, j1, j2):
            best_val[s] = -1.0
        elif dirs[s] != 0:
            best_val[s], best_j3[s] = _price_monotone(v, P, Q, am, ap, coef, dirs[s], s, j1,
                                                      j2, A0, A1, hi, hi_at, lo, lo_at, lg)
    ninf = -np.inf
    a1 = u[j1]
    a2 = u[j2]
    for s in range(8):
        # the V patterns: s and s ^ 0b1100 (w21, w22 flipped: g -> -g) priced together
        if dirs[s] != 0:
            continue
        sp = s
        sm = s ^ 12
        unit_p = _is_unit(sp, j1, j2)
        unit_m = _is_unit(sm, j1, j2)
        if not (unit_p or unit_m):
            continue
        tot_tg = 0.0
        for r in range(3):
            lo_i = 0 if r == 0 else (j1 if r == 1 else j2)
            hi_i = j1 if r == 0 else (j2 if r == 1 else n)
            p0 = coef[r, s, 0]
            q0 = coef[r, s, 1]
            for i in range(lo_i, hi_i):
                g0 = p0 * (u[i] - a1) + q0 * (u[i] - a2)
                G[i] = g0
                tot_tg += theta[i] * g0
        # g is linear on [.., u_j1], [u_j1, u_j2], [u_j2, ..]: merge the three runs into the
        # descending order of g (the earliest run first on ties), pricing x_j3 on the way
        s1, e1, d1 = _run_bounds(0, j1, G)
        s2, e2, d2 = _run_bounds(j1 + 1, j2, G)
        s3, e3, d3 = _run_bounds(j2 + 1, n - 1, G)
        v1 = G[s1] if s1 != e1 else ninf
        v2 = G[s2] if s2 != e2 else ninf
        v3 = G[s3] if s3 != e3 else ninf
        acc_t = 0.0
        acc_tg = 0.0
        bp = -1.0
        arg_p = 0
        bm = -1.0
        arg_m = 0
        for _ in range(n):
            if v2 > v1:
                if v3 > v2:
                    e = s3
                    ge = v3
                    s3 += d3
                    v3 = G[s3] if s3 != e3 else ninf
                else:
                    e = s2
                    ge = v2
                    s2 += d2
                    v2 = G[s2] if s2 != e2 else ninf
            elif v3 > v1:
                e = s3
                ge = v3
                s3 += d3
                v3 = G[s3] if s3 != e3 else ninf
            else:
                e = s1
                ge = v1
                s1 += d1
                v1 = G[s1] if s1 != e1 else ninf
            # acc_*: sums over the elements before e (g_i >= g_e; ties add 0) and
            #   sum_i theta_i sigma(g_i - g_e) = (ap - am) acc + am (tg - g_e t)
            #   sum_i theta_i sigma(g_e - g_i) = (ap - am) acc - ap (tg - g_e t)
            # with acc = sum_{g_i > g_e} theta_i (g_i - g_e) = acc_tg - g_e acc_t
            d = dp * (acc_tg - ge * acc_t)
            q = tot_tg - ge * tot_t
            cp = abs(d + am * q)
            cm = abs(d - ap * q)
            if cp > bp:
                bp = cp
                arg_p = e
            if cm > bm:
                bm = cm
                arg_m = e
            te = theta[e]
            acc_t += te
            acc_tg += te * ge
        if unit_p:
            best_val[sp] = bp
            best_j3[sp] = arg_p
        if unit_m:
            best_val[sm] = bm
            best_j3[sm] = arg_m


def price_symmetrized(u: np.ndarray, theta: np.ndarray, am: float, ap: float,
                      best_val: np.ndarray, best_j3: np.ndarray) -> None:
    """For every first layer (j1, j2, signs) the largest ``|corr|`` over ``x_j3`` and its j3.

    ``best_val`` (n, n, 16) gets -1 where the code is not a library unit (the two first-layer
    neurons are interchangeable: only ``k1 <= k2`` is enumerated, as in the dictionary) and
    below the diagonal (``j1 > j2``).  Sign bits of ``s``: bit 0 w11, bit 1 w12, bit 2 w21,
    bit 3 w22 (1 means -1).

    Monotone first layers cost O(1) each, V-shaped ones O(N) (module doc).  For a V, flipping
    w21 and w22 (``s ^ 0b1100``) negates ``g``, so the two patterns share one construction of
    ``g``, one merge of its runs and one pass over its descending order (prefix sums
    ``acc_t``, ``acc_tg`` over the values above ``g_e``): ``sum theta_i sigma(g_e - g_i) =
    (a+ - a-) (acc_tg - g_e acc_t) - a+ (tg - g_e t)`` next to ``... + a- (tg - g_e t)`` for
    ``+g``.  Rows j1 and n - 1 - j1 (costs ~ n - j1) share a block (the blocks run on threads:
    :func:`.parallel_blocks.run_blocks`).
    """
    tab = _Tables(u, theta, am, ap)
    half = (u.shape[0] + 1) // 2
    blocks = min(half, _BLOCKS)
    run_blocks(lambda b: _price_symmetrized_rows(*tab.args(), b * half // blocks,
                                                 (b + 1) * half // blocks, best_val, best_j3),
               blocks)


@njit(cache=True, nogil=True)
def _price_symmetrized_rows(u, v, theta, P, Q, am, ap, coef, dirs, A0, A1, hi, hi_at, lo, lo_at,
                            lg, first, last, best_val, best_j3):
    """Rows ``j`` and ``n - 1 - j`` of :func:`price_symmetrized` for ``j`` in
    ``first:last``."""
    n = u.shape[0]
    G = np.empty(n)
    for j in range(first, last):
        for row in (j, n - 1 - j):
            for j2 in range(row):
                for s in range(16):
                    best_val[row, j2, s] = -1.0
            for j2 in range(row, n):
                _price_symmetrized_pair(u, v, theta, P, Q, am, ap, coef, dirs, A0, A1, hi,
                                        hi_at, lo, lo_at, lg, row, j2, G, best_val[row, j2],
                                        best_j3[row, j2])
            if n - 1 - j == j:
                break


def price_symmetrized_pairs(u: np.ndarray, theta: np.ndarray, am: float, ap: float,
                            j1: np.ndarray, j2: np.ndarray, best_val: np.ndarray,
                            best_j3: np.ndarray) -> None:
    """:func:`price_symmetrized` for the first layers with anchors ``(j1[m], j2[m])`` only
    (``j1 <= j2``): ``best_val`` / ``best_j3`` are (m, 16).  The screened rounds of
    :meth:`~.implicit.ImplicitDictionary.price_screened`."""
    tab = _Tables(u, theta, am, ap)
    m = j1.shape[0]
    blocks = max(1, min(_BLOCKS, (m + 63) // 64))
    run_blocks(lambda b: _price_symmetrized_pair_range(
        *tab.args(), j1, j2, b * m // blocks, (b + 1) * m // blocks, best_val, best_j3), blocks)


@njit(cache=True, nogil=True)
def _price_symmetrized_pair_range(u, v, theta, P, Q, am, ap, coef, dirs, A0, A1, hi, hi_at, lo,
                                  lo_at, lg, j1, j2, first, last, best_val, best_j3):
    """Pairs ``first:last`` of :func:`price_symmetrized_pairs`."""
    G = np.empty(u.shape[0])
    for q in range(first, last):
        _price_symmetrized_pair(u, v, theta, P, Q, am, ap, coef, dirs, A0, A1, hi, hi_at, lo,
                                lo_at, lg, j1[q], j2[q], G, best_val[q], best_j3[q])
