"""numba / numpy kernels that price whole families without listing them.

Pricing a family for a dual vector ``theta`` (given at the distinct training points) means
finding its features of largest ``|f_j . theta|``.  Two families have enough structure here:

* the 3-layer (and deeper) deep narrow relu library (Lemma 3.7): ramps ``(x - t)_+``,
  ``(t - x)_+`` and capped ramps ``(b - x)_+ - (a - x)_+``, ``(x - a)_+ - (x - b)_+`` with
  ``a < b`` data points.  A capped ramp's correlation is the difference of two ramp
  correlations, so the largest of the N^2 capped ramps is ``max R - min R``: O(N) in all.
* the whole unit space of deep narrow networks (every bias, not only the library's): its
  supremum sits at a vertex of the bias arrangement (:mod:`library_of_mirrors.families.
  arrangement`), O(N^(L-1)) vertices of O(N L) each (:func:`unit_space_max`).

The 3-layer symmetrized library has its own pricer (:mod:`.symmetrized`), the 3-layer abs
library too (:mod:`.mirrors`).
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
