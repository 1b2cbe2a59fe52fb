"""numba / numpy kernels that price whole families without listing them.

Pricing a family for a dual vector ``theta`` (given at the distinct training points) means
finding its features of largest ``|f_j . theta|``.  Two families have enough structure:

* the 3-layer (and deeper) deep narrow relu library (Lemma 3.7): ramps ``(x - t)_+``,
  ``(t - x)_+`` and capped ramps ``(b - x)_+ - (a - x)_+``, ``(x - a)_+ - (x - b)_+`` with
  ``a < b`` data points.  A capped ramp's correlation is the difference of two ramp
  correlations, so the largest of the N^2 capped ramps is ``max R - min R``: O(N) in all.
* the 3-layer symmetrized library (Theorem 3.13): units ``sigma(g(x) - g(x_j3))`` with
  ``g = w21 sigma(w11 (x - x_j1)) + w22 sigma(w12 (x - x_j2))``.  For one first layer (j1, j2,
  signs) the correlations of all N choices of ``x_j3`` come from one sort of the values
  ``g(x_i)`` (three monotone runs, merged in O(N)) and running sums: O(N^3) for the library of
  16 N^3 / 2 units, with O(N^2) memory.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


def ramp_correlations(u: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P[i] = sum_k theta_k (u_k - u_i)_+`` and ``Q[i] = sum_k theta_k (u_i - u_k)_+``.

    Suffix and prefix sums over the sorted distinct points, shifted to ``u - u[0]``.
    """
    ur = u - u[0]
    tu = theta * ur
    s1 = np.cumsum(theta[::-1])[::-1]
    s2 = np.cumsum(tu[::-1])[::-1]
    p1 = np.cumsum(theta)
    p2 = np.cumsum(tu)
    return s2 - ur * s1, ur * p1 - p2


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
def _sigma(v, am, ap):
    return ap * v if v >= 0.0 else am * v


@njit(cache=True)
def _run_bounds(a, b, g):
    """(start, stop, step) walking indices a..b (inclusive) in non-increasing order of g."""
    if b < a:
        return a, a, 1
    if g[a] >= g[b]:
        return a, b + 1, 1
    return b, a - 1, -1


@njit(cache=True, parallel=True)
def price_symmetrized(u, theta, am, ap, best_val, best_j3):
    """For every first layer (j1, j2, signs) the largest ``|corr|`` over ``x_j3`` and its j3.

    ``best_val`` (n, n, 16) gets -1 where the code is not a library unit (the two first-layer
    neurons are interchangeable: only ``k1 <= k2`` is enumerated, as in the dictionary).
    Sign bits of ``s``: bit 0 w11, bit 1 w12, bit 2 w21, bit 3 w22 (1 means -1).
    """
    n = u.shape[0]
    tot_t = 0.0
    for i in range(n):
        tot_t += theta[i]
    for jj in prange(n):
        j1 = np.int64(jj)  # prange indices may be unsigned: keep index arithmetic integral
        g = np.empty(n)
        order = np.empty(n, dtype=np.int64)
        for j2 in range(n):
            if j2 < j1:
                for s in range(16):
                    best_val[j1, j2, s] = -1.0
                continue
            lo = min(j1, j2)
            hi = max(j1, j2)
            for s in range(16):
                w11 = 1.0 if s & 1 == 0 else -1.0
                w12 = 1.0 if (s >> 1) & 1 == 0 else -1.0
                w21 = 1.0 if (s >> 2) & 1 == 0 else -1.0
                w22 = 1.0 if (s >> 3) & 1 == 0 else -1.0
                k1 = j1 * 4 + (0 if w11 > 0 else 2) + (0 if w21 > 0 else 1)
                k2 = j2 * 4 + (0 if w12 > 0 else 2) + (0 if w22 > 0 else 1)
                if k1 > k2:
                    best_val[j1, j2, s] = -1.0
                    continue
                a1 = u[j1]
                a2 = u[j2]
                tot_tg = 0.0
                for i in range(n):
                    gi = (w21 * _sigma(w11 * (u[i] - a1), am, ap)
                          + w22 * _sigma(w12 * (u[i] - a2), am, ap))
                    g[i] = gi
                    tot_tg += theta[i] * gi
                # g is linear on [.., u_lo], [u_lo, u_hi], [u_hi, ..]: merge three runs
                s1, e1, d1 = _run_bounds(0, lo, g)
                s2, e2, d2 = _run_bounds(lo + 1, hi, g)
                s3, e3, d3 = _run_bounds(hi + 1, n - 1, g)
                for m in range(n):
                    best = -1
                    bv = 0.0
                    if s1 != e1:
                        best = 1
                        bv = g[s1]
                    if s2 != e2 and (best < 0 or g[s2] > bv):
                        best = 2
                        bv = g[s2]
                    if s3 != e3 and (best < 0 or g[s3] > bv):
                        best = 3
                        bv = g[s3]
                    if best == 1:
                        order[m] = s1
                        s1 += d1
                    elif best == 2:
                        order[m] = s2
                        s2 += d2
                    else:
                        order[m] = s3
                        s3 += d3
                # corr(j3) = sum_i theta_i sigma(g_i - g_j3)
                #          = (ap - am) sum_{g_i > g_j3} theta_i (g_i - g_j3) + am (tg - g_j3 t)
                acc_t = 0.0
                acc_tg = 0.0
                bmax = -1.0
                barg = 0
                for m in range(n):
                    e = order[m]
                    ge = g[e]
                    c = (ap - am) * (acc_tg - ge * acc_t) + am * (tot_tg - ge * tot_t)
                    if abs(c) > bmax:
                        bmax = abs(c)
                        barg = e
                    acc_t += theta[e]
                    acc_tg += theta[e] * ge
                best_val[j1, j2, s] = bmax
                best_j3[j1, j2, s] = barg
