"""The pricer of the 3-layer symmetrized library (Theorem 3.13), never listing its units.

A unit is ``sigma(g(x) - g(x_j3))`` with the first layer
``g = w21 sigma(w11 (x - x_j1)) + w22 sigma(w12 (x - x_j2))`` (anchors ``a1 = x_j1 <= a2 =
x_j2``, 16 sign patterns).  Pricing for a dual vector ``theta`` means finding the units of
largest ``|sum_i theta_i sigma(g(x_i) - g(x_j3))|``.  With ``sigma(z) = a- z + (a+ - a-) z_+``,
the ramp sums ``R(t) = sum theta_i (x_i - t)_+``, ``Q(t) = sum theta_i (t - x_i)_+`` and
``T = sum theta``, every unit's correlation is a handful of ramp sums; ``g`` is linear on three
pieces (``x < a1``, ``a1 <= x < a2``, ``a2 <= x``) with slopes ``s0, s1, s2``, and its first
layers are of two kinds:

* **monotone** ``g`` (all slopes >= 0 or all <= 0; 12 of the 16 patterns): no reflection.  For
  ``x_j3`` in piece q of a non-decreasing ``g = b_q + s_q x`` the correlation is

      C_q + s_q W+(j3),   W+(j) = (a+ - a-) R(x_j) - a- T x_j,
      C_q = a- (sum theta g - T b_q) + (a+ - a-) sum over the kinks right of piece q of
            (slope change) R(kink),

  and the mirror image with ``Q`` (``W-``) for a non-increasing one.  The best ``x_j3`` of a
  piece is where ``W`` is largest or smallest on the piece's index range: O(1) per first layer
  from prefix and suffix extremes (:func:`_running`) and the middle range's, grown along a row
  of a round or read from sparse tables (:func:`_sparse`).  Patterns whose ``g`` have the same
  slopes differ by a constant: the same units, priced once.
* **V-shaped** ``g = g_mid + k ((a1 - x)_+ + (x - a2)_+)`` (``k = a+ - a-``; the other 4
  patterns, two of them the same functions as the other two up to the constant ``g_mid``):
  its units break at the reflection ``m = x_j1 + x_j2 - x_j3`` (Figure 3.4).  For ``x_j3 <=
  a1`` the two units ``sigma(+-(g - g(x_j3)))`` have correlations

      K + F(j3) + gamma R(x_j1 + x_j2 - x_j3),   gamma = (a+ - a-) |k|,

  with ``F`` one of two fixed functions (``(x_j3 - x)_+ + (x - m)_+`` gives ``Q(x_j3) +
  R(m)``, the bump ``(x - x_j3)_+ - (x - a1)_+ - (x - a2)_+ + (x - m)_+`` gives ``R(x_j3) -
  R(a1) - R(a2) + R(m)``, plus ``a-`` times a linear term) and ``K`` per first layer; the
  mirror image with ``Q`` for ``x_j3 >= a2``, a constant between the anchors.  Each
  evaluation is O(1) (a pointer into the sorted points walks with ``m``), so a first layer
  costs O(N), a round O(N^3) at worst.  A round prunes (branch and bound): the range extremes
  of ``F`` and of ``R`` over the reflections' interval bound the correlations of a block of
  third anchors, and a block (first the whole side, then blocks of :data:`BLOCK`) is skipped
  when its bound is at most the k-th best correlation found so far, so the k best units and
  the maximum (the certificate) stay exact.

A round streams: each block of first anchors keeps its k best units and its screen (the first
layers of largest correlation) in heaps, O(k + screen) memory instead of the 16 N^2 of a
table, and the blocks run on threads over ``nogil`` kernels (:mod:`..parallel_blocks`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..parallel_blocks import run_blocks
from .pools import heap_offer
from .pricing import ramp_correlations

#: blocks of first anchors on threads (:func:`.parallel_blocks.run_blocks`): enough to
#: balance two to eight threads over rows of unequal cost
_BLOCKS = 64

#: third anchors per block of the V-shaped first layers' branch and bound
BLOCK = 32

#: rows of the stacked functions of :func:`_functions` (sparse tables over each)
_W_UP, _W_DOWN, _LEFT_A, _LEFT_B, _RIGHT_A, _RIGHT_B, _R, _Q = range(8)


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
def _functions(v, theta, P, Q, am, ap, kappa):
    """Prefix sums ``A0[k] = sum_{i<k} theta_i``, ``A1[k] = sum_{i<k} theta_i v_i`` and the
    fixed functions of the module doc, stacked: ``W+``, ``W-`` (monotone first layers), ``F``
    of the V's units A (``+g``) and B (``-g``) left and right of the anchors, ``R`` and ``Q``
    at the points."""
    n = v.shape[0]
    A0 = np.zeros(n + 1)
    A1 = np.zeros(n + 1)
    for i in range(n):
        A0[i + 1] = A0[i] + theta[i]
        A1[i + 1] = A1[i] + theta[i] * v[i]
    tot = A0[n]
    dp = ap - am
    gam = dp * abs(kappa)
    up = kappa > 0
    F = np.empty((8, n))
    for i in range(n):
        lin = am * kappa * tot * v[i]
        F[_W_UP, i] = dp * P[i] - am * tot * v[i]
        F[_W_DOWN, i] = dp * Q[i] + am * tot * v[i]
        F[_LEFT_A, i] = lin + gam * (Q[i] if up else P[i])
        F[_LEFT_B, i] = -lin + gam * (P[i] if up else Q[i])
        F[_RIGHT_A, i] = -lin + gam * (P[i] if up else Q[i])
        F[_RIGHT_B, i] = lin + gam * (Q[i] if up else P[i])
        F[_R, i] = P[i]
        F[_Q, i] = Q[i]
    return A0, A1, F


@njit(cache=True)
def _sparse(F):
    """Sparse tables of range maxima / minima with their arguments for each row of ``F``:
    ``hi[f, l, i]`` = max of ``F[f]`` over ``i .. i + 2^l - 1``; ``lg[m]`` = floor(log2 m)."""
    m, n = F.shape
    lg = np.zeros(n + 1, dtype=np.int64)
    for c in range(2, n + 1):
        lg[c] = lg[c // 2] + 1
    levels = lg[n] + 1
    hi = np.empty((m, levels, n))
    hi_at = np.zeros((m, levels, n), dtype=np.int64)
    lo = np.empty((m, levels, n))
    lo_at = np.zeros((m, levels, n), dtype=np.int64)
    for f in range(m):
        for i in range(n):
            hi[f, 0, i] = F[f, i]
            lo[f, 0, i] = F[f, i]
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
    return hi, hi_at, lo, lo_at, lg


@njit(cache=True)
def _running(F):
    """Prefix and suffix extremes of each row of ``F``: ``pre[c, f, i]`` over ``0..i`` and
    ``suf[c, f, i]`` over ``i..n-1``, with c = 0: max, 1: its argument, 2: min, 3: its
    argument (arguments as floats)."""
    m, n = F.shape
    pre = np.empty((4, m, n))
    suf = np.empty((4, m, n))
    for f in range(m):
        for i in range(n):
            x = F[f, i]
            if i == 0 or x > pre[0, f, i - 1]:
                pre[0, f, i] = x
                pre[1, f, i] = i
            else:
                pre[0, f, i] = pre[0, f, i - 1]
                pre[1, f, i] = pre[1, f, i - 1]
            if i == 0 or x < pre[2, f, i - 1]:
                pre[2, f, i] = x
                pre[3, f, i] = i
            else:
                pre[2, f, i] = pre[2, f, i - 1]
                pre[3, f, i] = pre[3, f, i - 1]
        for i in range(n - 1, -1, -1):
            x = F[f, i]
            if i == n - 1 or x > suf[0, f, i + 1]:
                suf[0, f, i] = x
                suf[1, f, i] = i
            else:
                suf[0, f, i] = suf[0, f, i + 1]
                suf[1, f, i] = suf[1, f, i + 1]
            if i == n - 1 or x < suf[2, f, i + 1]:
                suf[2, f, i] = x
                suf[3, f, i] = i
            else:
                suf[2, f, i] = suf[2, f, i + 1]
                suf[3, f, i] = suf[3, f, i + 1]
    return pre, suf


def _round_data(u: np.ndarray, theta: np.ndarray, am: float, ap: float) -> tuple:
    """The per-``theta`` data of a round, computed once for all threads: the arguments of the
    kernels, from ``v`` to ``same``."""
    u = np.ascontiguousarray(u, dtype=float)
    theta = np.ascontiguousarray(theta, dtype=float)
    v = u - u[0]
    P, Q = ramp_correlations(u, theta)
    am, ap = float(am), float(ap)
    coef = _symmetrized_coefficients(am, ap)
    dirs = _directions(coef)
    # the V patterns (w22 = +1): slopes -k, 0, k (module doc)
    vs = [s for s in range(8) if dirs[s] == 0]
    kappa = float(coef[2, vs[0], 0] + coef[2, vs[0], 1]) if vs else 0.0
    for s in vs:
        slopes = [coef[r, s, 0] + coef[r, s, 1] for r in range(3)]
        if slopes != [-kappa, 0.0, kappa]:  # pragma: no cover - structural
            raise AssertionError(f"sign pattern {s}: slopes {slopes} are not a V")
    vmask = np.zeros(16, dtype=np.int64)
    vmask[vs] = 1
    # patterns with the same slopes: g up to a constant, the same units
    slopes = [tuple(coef[r, s, 0] + coef[r, s, 1] for r in range(3)) for s in range(16)]
    same = np.array([slopes.index(slopes[s]) for s in range(16)], dtype=np.int64)
    A0, A1, F = _functions(v, theta, P, Q, am, ap, kappa)
    return (v, A0, A1, F, *_running(F), *_sparse(F), am, ap, kappa, coef, dirs, vmask, same)


@njit(cache=True)
def _extremes(f, a, b, hi, hi_at, lo, lo_at, lg):
    """(max, argmax, min, argmin) of ``F[f]`` over the indices ``a..b`` (inclusive)."""
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
def _best_of_range(cq, sq, vmax, amax, vmin, amin, best, arg):
    """The larger of ``best`` and ``|cq + sq W|`` at the range's extremes of ``W``."""
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
def _count_below(v, t, inclusive):
    """The number of points ``v`` (sorted) below ``t`` (``inclusive``: at or below)."""
    lo = 0
    hi = v.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if v[mid] < t or (inclusive and v[mid] == t):
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _bound(KA, KB, gam, famax, famin, fbmax, fbmin, mmax, mmin):
    """Upper bounds of |corr| of the V's units A and B over a block of third anchors from the
    extremes of their ``F`` there and of the mirror function over the reflections."""
    if gam < 0:
        mmax, mmin = gam * mmin, gam * mmax
    else:
        mmax, mmin = gam * mmax, gam * mmin
    return (max(KA + famax + mmax, -(KA + famin + mmin)),
            max(KB + fbmax + mmax, -(KB + fbmin + mmin)))


@njit(cache=True)
def _block_bound(fa, fb, KA, KB, gam, v, S, a, b, hi, hi_at, lo, lo_at, lg, fm):
    """:func:`_bound` over third anchors ``a..b``: range extremes of ``F`` there and of the
    mirror function ``fm`` over the points around the reflections ``S - x_b .. S - x_a``
    (``R`` and ``Q`` are linear between points)."""
    n = v.shape[0]
    ka = min(max(_count_below(v, S - v[b], True) - 1, 0), n - 1)
    kb = min(max(_count_below(v, S - v[a], False), 0), n - 1)
    mmax, _, mmin, _ = _extremes(fm, ka, kb, hi, hi_at, lo, lo_at, lg)
    famax, _, famin, _ = _extremes(fa, a, b, hi, hi_at, lo, lo_at, lg)
    fbmax, _, fbmin, _ = _extremes(fb, a, b, hi, hi_at, lo, lo_at, lg)
    return _bound(KA, KB, gam, famax, famin, fbmax, fbmin, mmax, mmin)


@njit(cache=True)
def _v_side(v, A0, A1, F, hi, hi_at, lo, lo_at, lg, right, j1, j2, KA, KB, gam, thr, block):
    """(best A, its j3, best B, its j3) over the third anchors on one side of the anchors
    (left: ``0..j1``, right: ``j2..n-1``), skipping blocks whose bound is at most ``thr``
    (-1 where everything was skipped)."""
    n = v.shape[0]
    S = v[j1] + v[j2]
    if right:
        first, last, fa, fb, fm = j2, n - 1, _RIGHT_A, _RIGHT_B, _Q
    else:
        first, last, fa, fb, fm = 0, j1, _LEFT_A, _LEFT_B, _R
    best_a = -1.0
    arg_a = 0
    best_b = -1.0
    arg_b = 0
    na = A0[n]
    n1 = A1[n]
    for a in range(first, last + 1, block):
        b = min(a + block - 1, last)
        if last - first >= block:
            ba, bb = _block_bound(fa, fb, KA, KB, gam, v, S, a, b, hi, hi_at, lo, lo_at, lg,
                                  fm)
            if ba <= thr and bb <= thr:
                continue
        # the reflections t = S - x_j3 fall as j3 rises; k = #{points <= t}
        k = _count_below(v, S - v[a], True)
        for j3 in range(a, b + 1):
            t = S - v[j3]
            while k > 0 and v[k - 1] > t:
                k -= 1
            if right:
                m = gam * (t * A0[k] - A1[k])
            else:
                m = gam * ((n1 - A1[k]) - t * (na - A0[k]))
            c = abs(KA + F[fa, j3] + m)
            if c > best_a:
                best_a = c
                arg_a = j3
            c = abs(KB + F[fb, j3] + m)
            if c > best_b:
                best_b = c
                arg_b = j3
    return best_a, arg_a, best_b, arg_b


@njit(cache=True)
def _price_pair(v, A0, A1, F, pre, suf, hi, hi_at, lo, lo_at, lg, am, ap, kappa, coef, dirs,
                vmask, same, j1, j2, mid, left_window, right_window, thr, block, best_val,
                best_j3):
    """The 16 sign patterns of the first layer with anchors ``j1 <= j2``: ``best_val[s]`` and
    ``best_j3[s]`` (-1 where ``s`` is no library unit).  Exact for the monotone patterns; for
    the V's, the best over the third anchors not skipped by the bound ``thr`` (every unit
    above ``thr`` is found; ``thr = -1``: exact).  ``mid``, the windows: see
    :func:`_price_monotone`, :func:`_v_side`."""
    n = v.shape[0]
    tot = A0[n]
    dp = ap - am
    a1 = v[j1]
    a2 = v[j2]
    P1 = F[_R, j1]
    P2 = F[_R, j2]
    Q1 = F[_Q, j1]
    Q2 = F[_Q, j2]
    # theta sums over the pieces [0, j1), [j1, j2), [j2, n)
    t0 = A0[j1]
    t1 = A0[j2] - A0[j1]
    t2 = tot - A0[j2]
    u0 = A1[j1]
    u1 = A1[j2] - A1[j1]
    u2 = A1[n] - A1[j2]
    any_v = False
    for s in range(16):
        if not _is_unit(s, j1, j2):
            best_val[s] = -1.0
            continue
        direction = dirs[s]
        if direction == 0:
            any_v = True
            continue
        if same[s] != s and best_val[same[s]] >= 0:  # the same units (g up to a constant)
            best_val[s] = best_val[same[s]]
            best_j3[s] = best_j3[same[s]]
            continue
        # monotone g, x_j3 on piece q: C_q + |s_q| W(j3) at the extremes of W there (prefix
        # extremes for 0..j1, mid for j1..j2, suffix extremes for j2..n-1; module doc)
        c10 = coef[0, s, 0]
        c20 = coef[0, s, 1]
        c11 = coef[1, s, 0]
        c21 = coef[1, s, 1]
        c12 = coef[2, s, 0]
        c22 = coef[2, s, 1]
        s0 = c10 + c20
        s1 = c11 + c21
        s2 = c12 + c22
        b0 = c10 * a1 + c20 * a2
        b1 = c11 * a1 + c21 * a2
        b2 = c12 * a1 + c22 * a2
        tg = s0 * u0 - b0 * t0 + s1 * u1 - b1 * t1 + s2 * u2 - b2 * t2
        if direction > 0:
            f = _W_UP
            k0 = dp * ((s1 - s0) * P1 + (s2 - s1) * P2)
            k1 = dp * (s2 - s1) * P2
            k2 = 0.0
            sign = 1.0
        else:
            f = _W_DOWN
            k0 = 0.0
            k1 = dp * (s1 - s0) * Q1
            k2 = dp * ((s1 - s0) * Q1 + (s2 - s1) * Q2)
            sign = -1.0
        best = -1.0
        arg = 0.0
        best, arg = _best_of_range(am * (tg + tot * b0) + k0, sign * s0, pre[0, f, j1],
                                   pre[1, f, j1], pre[2, f, j1], pre[3, f, j1], best, arg)
        best, arg = _best_of_range(am * (tg + tot * b1) + k1, sign * s1, mid[f, 0], mid[f, 1],
                                   mid[f, 2], mid[f, 3], best, arg)
        best, arg = _best_of_range(am * (tg + tot * b2) + k2, sign * s2, suf[0, f, j2],
                                   suf[1, f, j2], suf[2, f, j2], suf[3, f, j2], best, arg)
        best_val[s] = best
        best_j3[s] = int(arg)
    if not any_v:
        return
    gam = dp * abs(kappa)
    up = kappa > 0
    th = Q1 + P2  # sum theta ((a1 - x)_+ + (x - a2)_+)
    # unit A (+g) is the outer pair of ramps when k > 0 (Hup), the bump otherwise (Hdn)
    # left of the anchors: F over 0..j1 (prefix extremes), R over the points around the
    # reflections x_j2 .. S - x_0 (up to left_window); a side is scanned only if its bound
    # exceeds thr
    base = am * kappa * (th - a1 * tot)
    ka = base - (0.0 if up else gam * (P1 + P2))
    kb = -base - (gam * (P1 + P2) if up else 0.0)
    mmax, _, mmin, _ = _extremes(_R, j2, left_window, hi, hi_at, lo, lo_at, lg)
    ba, bb = _bound(ka, kb, gam, pre[0, _LEFT_A, j1], pre[2, _LEFT_A, j1], pre[0, _LEFT_B, j1],
                    pre[2, _LEFT_B, j1], mmax, mmin)
    la, la_at, lb, lb_at = -1.0, 0, -1.0, 0
    if ba > thr or bb > thr:
        la, la_at, lb, lb_at = _v_side(v, A0, A1, F, hi, hi_at, lo, lo_at, lg, False, j1, j2,
                                       ka, kb, gam, thr, block)
    # right of the anchors: F over j2..n-1, Q over the points right_window .. x_j1
    base = am * kappa * (th + a2 * tot)
    ka = base - (0.0 if up else gam * (Q1 + Q2))
    kb = -base - (gam * (Q1 + Q2) if up else 0.0)
    mmax, _, mmin, _ = _extremes(_Q, right_window, j1, hi, hi_at, lo, lo_at, lg)
    ba, bb = _bound(ka, kb, gam, suf[0, _RIGHT_A, j2], suf[2, _RIGHT_A, j2],
                    suf[0, _RIGHT_B, j2], suf[2, _RIGHT_B, j2], mmax, mmin)
    ra, ra_at, rb, rb_at = -1.0, 0, -1.0, 0
    if ba > thr or bb > thr:
        ra, ra_at, rb, rb_at = _v_side(v, A0, A1, F, hi, hi_at, lo, lo_at, lg, True, j1, j2,
                                       ka, kb, gam, thr, block)
    # between the anchors g(x_j3) = g_mid: one unit each
    ma = abs(am * kappa * th + (gam * th if up else 0.0))
    mb = abs(-am * kappa * th + (0.0 if up else gam * th))
    best_a, arg_a = ma, j1
    if la > best_a:
        best_a, arg_a = la, la_at
    if ra > best_a:
        best_a, arg_a = ra, ra_at
    best_b, arg_b = mb, j1
    if lb > best_b:
        best_b, arg_b = lb, lb_at
    if rb > best_b:
        best_b, arg_b = rb, rb_at
    for s in range(8):
        if vmask[s] == 0:
            continue
        if _is_unit(s, j1, j2):
            best_val[s] = best_a
            best_j3[s] = arg_a
        if _is_unit(s ^ 12, j1, j2):
            best_val[s ^ 12] = best_b
            best_j3[s ^ 12] = arg_b


@njit(cache=True)
def _step_mid(F, j2, mid):
    """Extend the middle range's extremes of ``W+`` and ``W-`` to ``j2``."""
    for f in range(2):
        x = F[f, j2]
        if x > mid[f, 0]:
            mid[f, 0] = x
            mid[f, 1] = j2
        if x < mid[f, 2]:
            mid[f, 2] = x
            mid[f, 3] = j2


@njit(cache=True, nogil=True)
def _round_rows(v, A0, A1, F, pre, suf, hi, hi_at, lo, lo_at, lg, am, ap, kappa, coef, dirs,
                vmask, same, first, last, block, shared, unit_v, unit_c, pair_v, pair_c):
    """First anchors ``j`` and ``n - 1 - j`` for ``j`` in ``first:last`` (costs ~ n - j): the
    k best units (``unit_v``, codes ``unit_c`` = ((j1 n + j2) n + j3) 16 + s) and the first
    layers of largest correlation (``pair_v``, codes ``pair_c`` = j1 n + j2), in heaps
    (:func:`.pools.heap_offer`); ``shared[0]``: the largest k-th
    best of all blocks so far (a bound every block may prune with).  Along a row the middle
    range's extremes grow with j2 and the reflections' windows only move right."""
    n = v.shape[0]
    best = np.empty(16)
    arg = np.zeros(16, dtype=np.int64)
    mid = np.empty((2, 4))
    n_units = 0
    n_pairs = 0
    k = unit_v.shape[0]
    for j in range(first, last):
        for row in (j, n - 1 - j):
            for f in range(2):
                mid[f, 0] = -np.inf
                mid[f, 2] = np.inf
            left_window = row
            right_window = 0
            for j2 in range(row, n):
                _step_mid(F, j2, mid)
                S = v[row] + v[j2]
                while left_window < n - 1 and v[left_window] < S:  # first v >= S - v[0]
                    left_window += 1
                while right_window < n - 1 and v[right_window + 1] <= S - v[n - 1]:
                    right_window += 1
                thr = shared[0]
                if n_units == k and unit_v[0] > thr:
                    thr = unit_v[0]
                    shared[0] = thr
                _price_pair(v, A0, A1, F, pre, suf, hi, hi_at, lo, lo_at, lg, am, ap, kappa,
                            coef, dirs, vmask, same, row, j2, mid, max(left_window, j2),
                            min(right_window, row), thr, block, best, arg)
                top = -1.0
                for s in range(16):
                    if best[s] < 0:
                        continue
                    if best[s] > top:
                        top = best[s]
                    if n_units < k or best[s] > unit_v[0]:
                        code = ((row * n + j2) * n + arg[s]) * 16 + s
                        n_units = heap_offer(best[s], code, unit_v, unit_c, n_units)
                n_pairs = heap_offer(top, row * n + j2, pair_v, pair_c, n_pairs)
            if n - 1 - j == j:
                break


def symmetrized_round(u: np.ndarray, theta: np.ndarray, am: float, ap: float, k: int,
                      n_screen: int, floor: float = -1.0
                      ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """An exact round over the whole library: ``(max |corr|, units, scores, screen)``.

    ``units`` (m, 4) rows ``(j1, j2, j3, s)`` are the ``k`` library units of largest ``|corr|``
    (``scores``) among each first layer's best third anchor; ``screen`` (p, 2) holds the
    ``n_screen`` first layers (j1 <= j2) of largest correlation found.  Sign bits of ``s``:
    bit 0 w11, bit 1 w12, bit 2 w21, bit 3 w22 (1 means -1).  Monotone first layers cost
    O(1), V-shaped ones at most O(N) with branch and bound (module doc); rows j1 and n - 1 - j1
    share a block of first anchors, the blocks run on threads.  ``floor``: units at or below it
    may be skipped from the start (the maximum is then exact only when above it).
    """
    args = _round_data(u, theta, am, ap)
    n = u.shape[0]
    half = (n + 1) // 2
    blocks = min(half, _BLOCKS)
    k = max(int(k), 1)
    shared = np.full(1, float(floor))
    unit_v = np.full((blocks, k), -np.inf)
    unit_c = np.zeros((blocks, k), dtype=np.int64)
    pair_v = np.full((blocks, n_screen), -np.inf)
    pair_c = np.zeros((blocks, n_screen), dtype=np.int64)
    run_blocks(lambda b: _round_rows(*args, b * half // blocks, (b + 1) * half // blocks,
                                     BLOCK, shared, unit_v[b], unit_c[b], pair_v[b],
                                     pair_c[b]), blocks)
    uv, uc = unit_v.ravel(), unit_c.ravel()
    order = np.argsort(-uv, kind="stable")[:k]
    order = order[np.isfinite(uv[order])]
    pv, pc = pair_v.ravel(), pair_c.ravel()
    porder = np.argsort(-pv, kind="stable")[:n_screen]
    porder = porder[pv[porder] >= 0]
    rest, s = np.divmod(uc[order], 16)
    rest, j3 = np.divmod(rest, n)
    j1, j2 = np.divmod(rest, n)
    units = np.column_stack([j1, j2, j3, s])
    screen = np.column_stack(np.divmod(pc[porder], n))
    return float(uv[order[0]]), units, uv[order], screen


def price_symmetrized_pairs(u: np.ndarray, theta: np.ndarray, am: float, ap: float,
                            j1: np.ndarray, j2: np.ndarray, best_val: np.ndarray,
                            best_j3: np.ndarray, above: float = -1.0) -> None:
    """For the first layers with anchors ``(j1[m], j2[m])`` (``j1 <= j2``), every sign pattern,
    the largest ``|corr|`` over the third anchors and its j3: ``best_val`` / ``best_j3`` are
    (m, 16), -1 where the code is not a library unit (the two first-layer neurons are
    interchangeable: only ``k1 <= k2`` is enumerated, as in the dictionary).  Exact where the
    largest exceeds ``above``; elsewhere a unit of the first layer (the branch and bound of a
    round may skip the others).  The screened rounds of
    :meth:`~.implicit.ImplicitDictionary.price_screened` (exact)."""
    args = _round_data(u, theta, am, ap)
    m = j1.shape[0]
    blocks = max(1, min(_BLOCKS, (m + 63) // 64))
    run_blocks(lambda b: _pair_range(*args, j1, j2, b * m // blocks, (b + 1) * m // blocks,
                                     float(above), BLOCK, best_val, best_j3), blocks)


@njit(cache=True, nogil=True)
def _pair_range(v, A0, A1, F, pre, suf, hi, hi_at, lo, lo_at, lg, am, ap, kappa, coef, dirs,
                vmask, same, j1, j2, first, last, above, block, best_val, best_j3):
    """Pairs ``first:last`` of :func:`price_symmetrized_pairs`: the middle range's extremes
    from the sparse tables, the reflections' windows by bisection."""
    n = v.shape[0]
    mid = np.empty((2, 4))
    for q in range(first, last):
        a, b = j1[q], j2[q]
        for f in range(2):
            mid[f, 0], mid[f, 1], mid[f, 2], mid[f, 3] = _extremes(f, a, b, hi, hi_at, lo,
                                                                   lo_at, lg)
        S = v[a] + v[b]
        left = min(max(_count_below(v, S - v[0], False), b), n - 1)
        right = min(max(_count_below(v, S - v[n - 1], True) - 1, 0), a)
        _price_pair(v, A0, A1, F, pre, suf, hi, hi_at, lo, lo_at, lg, am, ap, kappa, coef,
                    dirs, vmask, same, a, b, mid, left, right, above, block, best_val[q],
                    best_j3[q])
