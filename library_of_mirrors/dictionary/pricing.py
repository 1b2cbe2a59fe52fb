"""numba / numpy kernels that price whole families without listing them.

Pricing a family for a dual vector ``theta`` (given at the distinct training points) means
finding its features of largest ``|f_j . theta|``.  Two families have enough structure:

* the 3-layer (and deeper) deep narrow relu library (Lemma 3.7): ramps ``(x - t)_+``,
  ``(t - x)_+`` and capped ramps ``(b - x)_+ - (a - x)_+``, ``(x - a)_+ - (x - b)_+`` with
  ``a < b`` data points.  A capped ramp's correlation is the difference of two ramp
  correlations, so the largest of the N^2 capped ramps is ``max R - min R``: O(N) in all.
* the whole unit space of deep narrow networks (every bias, not only the library's): its
  supremum sits at a vertex of the bias arrangement (:mod:`library_of_mirrors.families.
  arrangement`), O(N^(L-1)) vertices of O(N L) each (:func:`unit_space_max`);
* the 3-layer symmetrized library (Theorem 3.13): units ``sigma(g(x) - g(x_j3))`` with
  ``g = w21 sigma(w11 (x - x_j1)) + w22 sigma(w12 (x - x_j2))``.  For one first layer (j1, j2,
  signs) the correlations of all N choices of ``x_j3`` come from one sort of the values
  ``g(x_i)`` (three monotone runs, merged in O(N)) and running sums, shared by the sign
  patterns of ``g`` and ``-g`` (w21, w22 flipped): O(N^3) for the library of 16 N^3 / 2
  units, with O(N^2) memory.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..families import arrangement as arr
from ..parallel_blocks import run_blocks


def ramp_correlations(u: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P[i] = sum_k theta_k (u_k - u_i)_+`` and ``Q[i] = sum_k theta_k (u_i - u_k)_+``.

    Suffix and prefix sums over the sorted distinct points, shifted to ``u - u[0]``: one
    backward and one forward pass (:func:`_ramp_sums`), no temporaries (0.55 s per call at
    N = 10^7 with numpy's cumulative sums over reversed views, about 30 ms here).
    """
    u = np.ascontiguousarray(u, dtype=float)
    theta = np.ascontiguousarray(theta, dtype=float)
    P = np.empty(u.shape[0])
    Q = np.empty(u.shape[0])
    _ramp_sums(u, theta, P, Q)
    return P, Q


@njit(cache=True)
def _ramp_sums(u, theta, P, Q):
    """P and Q of :func:`ramp_correlations`, each sum accumulated in the order of the points
    it runs over (suffix sums from the right, prefix sums from the left)."""
    n = u.shape[0]
    if n == 0:
        return
    u0 = u[0]
    s1 = 0.0
    s2 = 0.0
    for i in range(n - 1, -1, -1):
        ur = u[i] - u0
        t = theta[i]
        s1 += t
        s2 += t * ur
        P[i] = s2 - ur * s1
    p1 = 0.0
    p2 = 0.0
    for i in range(n):
        ur = u[i] - u0
        t = theta[i]
        p1 += t
        p2 += t * ur
        Q[i] = ur * p1 - p2


def top_pairs(R: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` unordered pairs {i, j} of largest ``|R_i - R_j|``, as (lo, hi, R_hi - R_lo).

    The k largest differences only involve the k largest and the k smallest entries, so the
    search runs over k^2 candidates.
    """
    n = R.shape[0]
    m = min(k, n)
    top = np.argpartition(-R, m - 1)[:m] if m < n else np.arange(n)
    bot = np.argpartition(R, m - 1)[:m] if m < n else np.arange(n)
    diff = R[top][:, None] - R[bot][None, :]
    flat = diff.ravel()
    kk = min(k, flat.shape[0])
    pick = np.argpartition(-flat, kk - 1)[:kk]
    i = top[pick // bot.shape[0]]
    j = bot[pick % bot.shape[0]]
    ok = i != j
    i, j = i[ok], j[ok]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return lo, hi, R[hi] - R[lo]


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
    ``s`` (0..7: w22 = +1) on the ranges r = 0: x < a1, 1: a1 <= x < a2, 2: a2 <= x (a1 <= a2).

    ``w21 sigma(w11 (x - a1)) = c (x - a1)`` with ``c = w21 w11 a-`` or ``w21 w11 a+`` on either
    side of ``a1`` (the term is 0 at ``a1``, so ``a1`` may go with either side); the products
    are rounded exactly as ``w21 * sigma(w11 * (x - a1))``.
    """
    coef = np.empty((3, 8, 2))
    for s in range(8):
        w11 = 1.0 - 2.0 * (s & 1)
        w12 = 1.0 - 2.0 * ((s >> 1) & 1)
        w21 = 1.0 - 2.0 * ((s >> 2) & 1)
        c1l = w21 * w11 * (am if w11 > 0 else ap)
        c1r = w21 * w11 * (ap if w11 > 0 else am)
        c2l = w12 * (am if w12 > 0 else ap)
        c2r = w12 * (ap if w12 > 0 else am)
        coef[0, s, 0] = c1l
        coef[0, s, 1] = c2l
        coef[1, s, 0] = c1r
        coef[1, s, 1] = c2l
        coef[2, s, 0] = c1r
        coef[2, s, 1] = c2r
    return coef


@njit(cache=True)
def _price_symmetrized_row(u, theta, tot_t, am, ap, coef, j1, G, tg, best_val, best_j3):
    """:func:`price_symmetrized` for the first layers with first anchor ``j1``."""
    n = u.shape[0]
    for j2 in range(j1):
        for s in range(16):
            best_val[j1, j2, s] = -1.0
    for j2 in range(j1, n):
        _price_symmetrized_pair(u, theta, tot_t, am, ap, coef, j1, j2, G, tg, best_val[j1, j2],
                                best_j3[j1, j2])


@njit(cache=True)
def _price_symmetrized_pair(u, theta, tot_t, am, ap, coef, j1, j2, G, tg, best_val, best_j3):
    """The 16 sign patterns of the first layer with anchors ``j1 <= j2``: ``best_val[s]``,
    ``best_j3[s]`` (``G`` (8, n) and ``tg`` (8,) are scratch)."""
    n = u.shape[0]
    dp = ap - am
    ninf = -np.inf
    a1 = u[j1]
    a2 = u[j2]
    # g (rows of G) and tot_tg = sum theta g of the 8 patterns with w22 = +1, four at a time
    # (independent running sums; each summed in the order of i)
    for h in range(0, 8, 4):
        t0 = 0.0
        t1 = 0.0
        t2 = 0.0
        t3 = 0.0
        for r in range(3):
            lo = 0 if r == 0 else (j1 if r == 1 else j2)
            hi = j1 if r == 0 else (j2 if r == 1 else n)
            p0 = coef[r, h, 0]
            q0 = coef[r, h, 1]
            p1 = coef[r, h + 1, 0]
            q1 = coef[r, h + 1, 1]
            p2 = coef[r, h + 2, 0]
            q2 = coef[r, h + 2, 1]
            p3 = coef[r, h + 3, 0]
            q3 = coef[r, h + 3, 1]
            for i in range(lo, hi):
                d1 = u[i] - a1
                d2 = u[i] - a2
                t = theta[i]
                g0 = p0 * d1 + q0 * d2
                g1 = p1 * d1 + q1 * d2
                g2 = p2 * d1 + q2 * d2
                g3 = p3 * d1 + q3 * d2
                G[h, i] = g0
                G[h + 1, i] = g1
                G[h + 2, i] = g2
                G[h + 3, i] = g3
                t0 += t * g0
                t1 += t * g1
                t2 += t * g2
                t3 += t * g3
        tg[h] = t0
        tg[h + 1] = t1
        tg[h + 2] = t2
        tg[h + 3] = t3
    for s in range(8):
        # s and s ^ 0b1100 (w21, w22 flipped: g -> -g) are priced together; library units
        # have k1 <= k2 (k = 4 j + 2 b(w1.) + b(w2.)), which only binds when j1 = j2
        sp = s
        sm = s ^ 12
        unit_p = j1 < j2 or 2 * (sp & 1) + ((sp >> 2) & 1) <= 2 * ((sp >> 1) & 1) + (sp >> 3)
        unit_m = j1 < j2 or 2 * (sm & 1) + ((sm >> 2) & 1) <= 2 * ((sm >> 1) & 1) + (sm >> 3)
        if not unit_p:
            best_val[sp] = -1.0
        if not unit_m:
            best_val[sm] = -1.0
        if not (unit_p or unit_m):
            continue
        g = G[s]
        tot_tg = tg[s]
        # g is linear on [.., u_j1], [u_j1, u_j2], [u_j2, ..]: merge the three runs into the
        # descending order of g (the earliest run first on ties), pricing x_j3 on the way
        s1, e1, d1 = _run_bounds(0, j1, g)
        s2, e2, d2 = _run_bounds(j1 + 1, j2, g)
        s3, e3, d3 = _run_bounds(j2 + 1, n - 1, g)
        v1 = g[s1] if s1 != e1 else ninf
        v2 = g[s2] if s2 != e2 else ninf
        v3 = g[s3] if s3 != e3 else ninf
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
                    v3 = g[s3] if s3 != e3 else ninf
                else:
                    e = s2
                    ge = v2
                    s2 += d2
                    v2 = g[s2] if s2 != e2 else ninf
            elif v3 > v1:
                e = s3
                ge = v3
                s3 += d3
                v3 = g[s3] if s3 != e3 else ninf
            else:
                e = s1
                ge = v1
                s1 += d1
                v1 = g[s1] if s1 != e1 else ninf
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


#: blocks of a pass on threads (:func:`.parallel_blocks.run_blocks`): enough to balance two
#: to eight threads over rows of unequal cost
_BLOCKS = 64


def price_symmetrized(u: np.ndarray, theta: np.ndarray, am: float, ap: float,
                      best_val: np.ndarray, best_j3: np.ndarray) -> None:
    """For every first layer (j1, j2, signs) the largest ``|corr|`` over ``x_j3`` and its j3.

    ``best_val`` (n, n, 16) gets -1 where the code is not a library unit (the two first-layer
    neurons are interchangeable: only ``k1 <= k2`` is enumerated, as in the dictionary).
    Sign bits of ``s``: bit 0 w11, bit 1 w12, bit 2 w21, bit 3 w22 (1 means -1).

    Theorem 3.13's units ``sigma(g(x) - g(x_j3))``: flipping w21 and w22 (``s ^ 0b1100``)
    negates ``g``, so the two patterns share one construction of ``g``, one merge of its runs
    and one pass over its descending order (prefix sums ``acc_t``, ``acc_tg`` over the values
    above ``g_e``): ``sum theta_i sigma(g_e - g_i) = (a+ - a-) (acc_tg - g_e acc_t)
    - a+ (tg - g_e t)`` next to ``... + a- (tg - g_e t)`` for ``+g``.  Half the work of pricing
    the 16 patterns one by one; rows j1 and n - 1 - j1 (costs ~ n - j1) share a block (the
    blocks run on threads: :func:`.parallel_blocks.run_blocks`).
    """
    half = (u.shape[0] + 1) // 2
    blocks = min(half, _BLOCKS)
    run_blocks(lambda b: _price_symmetrized_rows(u, theta, float(am), float(ap),
                                                 b * half // blocks, (b + 1) * half // blocks,
                                                 best_val, best_j3), blocks)


@njit(cache=True, nogil=True)
def _price_symmetrized_rows(u, theta, am, ap, lo, hi, best_val, best_j3):
    """Rows ``j`` and ``n - 1 - j`` of :func:`price_symmetrized` for ``j`` in ``lo:hi``."""
    n = u.shape[0]
    tot_t = 0.0
    for i in range(n):
        tot_t += theta[i]
    coef = _symmetrized_coefficients(am, ap)
    G = np.empty((8, n))
    tg = np.empty(8)
    for j in range(lo, hi):
        _price_symmetrized_row(u, theta, tot_t, am, ap, coef, j, G, tg, best_val, best_j3)
        if n - 1 - j != j:
            _price_symmetrized_row(u, theta, tot_t, am, ap, coef, n - 1 - j, G, tg,
                                   best_val, best_j3)


def price_symmetrized_pairs(u: np.ndarray, theta: np.ndarray, am: float, ap: float,
                            j1: np.ndarray, j2: np.ndarray, best_val: np.ndarray,
                            best_j3: np.ndarray) -> None:
    """:func:`price_symmetrized` for the first layers with anchors ``(j1[m], j2[m])`` only
    (``j1 <= j2``): ``best_val`` / ``best_j3`` are (m, 16).  O(m N): the screened rounds of
    :meth:`~.implicit.ImplicitDictionary.price_screened`."""
    m = j1.shape[0]
    blocks = max(1, min(_BLOCKS, (m + 63) // 64))
    run_blocks(lambda b: _price_symmetrized_pair_range(
        u, theta, float(am), float(ap), j1, j2, b * m // blocks, (b + 1) * m // blocks,
        best_val, best_j3), blocks)


@njit(cache=True, nogil=True)
def _price_symmetrized_pair_range(u, theta, am, ap, j1, j2, lo, hi, best_val, best_j3):
    """Pairs ``lo:hi`` of :func:`price_symmetrized_pairs`."""
    n = u.shape[0]
    tot_t = 0.0
    for i in range(n):
        tot_t += theta[i]
    coef = _symmetrized_coefficients(am, ap)
    G = np.empty((8, n))
    tg = np.empty(8)
    for q in range(lo, hi):
        _price_symmetrized_pair(u, theta, tot_t, am, ap, coef, j1[q], j2[q], G, tg,
                                best_val[q], best_j3[q])


#: vertex candidates (recipes x N^(L-1)) from which a pricing round runs over blocks of
#: recipes on threads (below, the serial kernel alone)
ARRANGEMENT_PARALLEL_FROM = 2e7


def unit_space_max(u: np.ndarray, theta: np.ndarray, act, depth: int, k: int = 1):
    """The largest ``|theta . X|`` over every deep narrow unit of ``depth`` (all weights +-1,
    all biases), exactly: :func:`price_recipes` over the recipes of
    :mod:`library_of_mirrors.families.arrangement`.  ``u``: sorted distinct points; ``theta``
    is centered here (a free external bias).  Returns (max, vertices evaluated, the ``k`` best
    as (score, signs rows, slot rows)); O(recipes N^(L-1)) candidates, O(N L) per vertex."""
    p = depth - 1
    signed = not act.even
    le, w, sb, G = arr.recipes(p, act.a_minus, act.a_plus, signed)
    th = np.ascontiguousarray(theta - np.mean(theta), dtype=float)
    u = np.ascontiguousarray(u, dtype=float)
    tol = 1e-9 * float(u[-1] - u[0] + np.abs(u).max())
    R = le.shape[0]
    blocks = 1 if R * float(u.shape[0]) ** p < ARRANGEMENT_PARALLEL_FROM else min(R, 64)
    tv = np.empty((blocks, k))
    trec = np.zeros((blocks, k), dtype=np.int64)
    tidx = np.zeros((blocks, k, p), dtype=np.int64)
    twp = np.zeros((blocks, k), dtype=np.int64)
    args = (u, th, act.a_minus, act.a_plus, signed, le, w, sb, G, tol)
    if blocks == 1:
        cmax, evaluated = price_recipes(*args, 0, R, tv[0], trec[0], tidx[0], twp[0])
    else:
        best = np.zeros(blocks)
        counts = np.zeros(blocks, dtype=np.int64)
        bounds = np.linspace(0, R, blocks + 1).astype(np.int64)

        def block(b):
            best[b], counts[b] = price_recipes(*args, bounds[b], bounds[b + 1], tv[b], trec[b],
                                               tidx[b], twp[b])

        run_blocks(block, blocks)
        cmax, evaluated = float(best.max()), int(counts.sum())
    # the k best of all blocks, one per score value as within a block (-1 marks empty entries)
    tv, trec, tidx, twp = tv.ravel(), trec.ravel(), tidx.reshape(-1, p), twp.ravel()
    order = np.argsort(-tv, kind="stable")
    keep = np.ones(order.shape[0], dtype=bool)
    keep[1:] = tv[order][:-1] - tv[order][1:] > 1e-12 * np.maximum(1.0, tv[order][1:])
    pick = order[keep][:k]
    tv, trec, tidx, twp = tv[pick], trec[pick], tidx[pick], twp[pick]
    ok = tv >= 0
    rows = []
    for r, wp in zip(trec[ok], twp[ok]):
        ww = w[r].copy()
        ww[-1] = wp
        rows.append(arr.signs_row(le[r], ww, sb[r]))
    return (float(cmax), int(evaluated),
            (tv[ok], np.array(rows, dtype=np.int64).reshape(-1, p * (p + 1)), tidx[ok]))


@njit(cache=True)
def _insert_top(v, r, idx, wp, top_val, top_rec, top_idx, top_wp):
    """Keep the ``k`` largest scores (one entry per score value: equal scores are almost always
    one column reached through several recipes)."""
    k = top_val.shape[0]
    lo = 0
    for i in range(k):
        if abs(top_val[i] - v) <= 1e-12 * max(1.0, v):
            return
        if top_val[i] < top_val[lo]:
            lo = i
    if v <= top_val[lo]:
        return
    top_val[lo] = v
    top_rec[lo] = r
    top_wp[lo] = wp
    for e in range(idx.shape[0]):
        top_idx[lo, e] = idx[e]


@njit(cache=True, nogil=True)
def price_recipes(u, theta, am, ap, signed, R_le, R_w, R_sb, R_G, tol, lo, hi, top_val,
                  top_rec, top_idx, top_wp):
    """The largest ``|theta . X_p|`` over the deep narrow units at the vertices of recipes
    ``lo:hi`` (:mod:`library_of_mirrors.families.arrangement`), one recipe and one tuple of
    data points at a time.  A vertex is evaluated on all points only when the cell signs its
    recipe assumed hold at its points (within ``tol``); equations at one layer take increasing
    points.  ``theta`` must sum to 0.  Fills the ``k = top_val.shape[0]`` best (score, recipe,
    points, last weight) and returns (max, vertices evaluated)."""
    n = u.shape[0]
    p = R_le.shape[1]
    cs = np.empty(p)
    Z = np.empty((p, p))
    xs = np.empty(p)
    idx = np.empty(p, dtype=np.int64)
    X = np.empty(n)
    for i in range(top_val.shape[0]):
        top_val[i] = -1.0
    best = 0.0
    evaluated = 0
    total = 1
    for _ in range(p):
        total *= n
    for r in range(lo, hi):
        le = R_le[r]
        G = R_G[r]
        w = R_w[r]
        for t in range(total):
            q = t
            ok = True
            for e in range(p):
                idx[e] = q % n
                q //= n
                if e > 0 and le[e] == le[e - 1] and idx[e] <= idx[e - 1]:
                    ok = False
                    break
            if not ok:
                continue
            for e in range(p):
                xs[e] = u[idx[e]]
            arr.slot_forward(p, G, w, am, ap, xs, cs, Z)
            for e in range(p):
                for l in range(p - 1):
                    s = R_sb[r, e * (p - 1) + l]
                    if s != 0 and s * Z[l, e] < -tol:
                        ok = False
                if not ok:
                    break
            if not ok:
                continue
            evaluated += 1
            for i in range(n):
                X[i] = u[i]
            for l in range(p - 1):
                c = cs[l]
                wl = w[l]
                for i in range(n):
                    z = wl * (X[i] - c)
                    X[i] = ap * z if z >= 0.0 else am * z
            c = cs[p - 1]
            gp = 0.0
            gm = 0.0
            for i in range(n):
                z = X[i] - c
                gp += theta[i] * (ap * z if z >= 0.0 else am * z)
                gm += theta[i] * (ap * -z if z <= 0.0 else -am * z)
            gp = abs(gp)
            gm = abs(gm)
            best = max(best, gp)
            _insert_top(gp, r, idx, 1, top_val, top_rec, top_idx, top_wp)
            if signed:
                best = max(best, gm)
                _insert_top(gm, r, idx, -1, top_val, top_rec, top_idx, top_wp)
    return best, evaluated
