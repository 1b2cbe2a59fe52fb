"""Vertex forms: continuous piecewise-linear functions of one variable, built layer by layer.

A unit of the deep library (Definition 3.10) is built as a *vertex form*: sorted breakpoints
``T[0..K-1]``, values ``V`` at them and slopes ``P[0..K]`` (``P[0]`` left of ``T[0]``, ``P[k]``
between ``T[k-1]`` and ``T[k]``, ``P[K]`` right of ``T[K-1]``).  Every position and value is also
carried *symbolically*, as a coefficient vector over the unit's data points ("slots"): each
breakpoint is an exact affine combination of training points, which is where its provenance
(data point, midpoint, reflection R(a, b) = 2b - a, ...) comes from.  The hidden layer of
eq. (2.3) with a data feature bias is :func:`layer` (its sign changes on a linear piece are the
reflections of Lemma D.10); the second layer of a symmetrized unit adds two vertex forms
(:func:`add`).  A feature family (:mod:`library_of_mirrors.families`) chains these kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# ----------------------------------------------------------------------------------------------
# vertex-form algebra with symbolic coefficients


@njit(cache=True)
def dot(c, xs):
    acc = 0.0
    for s in range(c.shape[0]):
        acc += c[s] * xs[s]
    return acc


@njit(cache=True)
def first_layer(tcoef, w, am, ap, T, TC, V, VC, P, xs):
    """sigma(w (x - t)) with t = tcoef . xs: one breakpoint, value 0 there (eq. (2.3), l = 1)."""
    S = TC.shape[1]
    for s in range(S):
        TC[0, s] = tcoef[s]
        VC[0, s] = 0.0
    T[0] = dot(tcoef, xs)
    V[0] = 0.0
    if w > 0:
        P[0] = am
        P[1] = ap
    else:
        P[0] = -ap
        P[1] = -am
    return np.int64(1)  # a literal 1 would compile its callers once more for it


@njit(cache=True)
def value_at(K, T, TC, V, VC, P, xpos, xcoef, outcoef):
    """Value (and its coefficient vector, written to ``outcoef``) of the function at ``xpos``."""
    k = 0
    slope = P[0]
    if xpos > T[0]:
        k = K - 1
        while k > 0 and T[k] > xpos:
            k -= 1
        slope = P[k + 1]
    S = TC.shape[1]
    for s in range(S):
        outcoef[s] = VC[k, s] + slope * (xcoef[s] - TC[k, s])
    return V[k] + slope * (xpos - T[k])


@njit(cache=True)
def _act_slope(sgn, ql, am, ap):
    if sgn > 0:
        return ap * ql
    if sgn < 0:
        return am * ql
    return 0.0


@njit(cache=True)
def _sgn(v):
    if v > 0.0:
        return 1
    if v < 0.0:
        return -1
    return 0


@njit(cache=True)
def layer(K, T, TC, V, VC, P, c, ccoef, w, am, ap, eps_val, xs, T2, TC2, V2, VC2, P2, Q, oseg):
    """h = sigma(w (g - c)) for g in vertex form (one hidden layer with a data feature bias).

    Inserts a breakpoint where ``w (g - c)`` changes sign on a linear piece (the source of
    reflections: Lemma D.10), then drops breakpoints where the slope does not change.
    Returns the number of breakpoints of h (at least 1).
    """
    S = TC.shape[1]
    for k in range(K):
        q = w * (V[k] - c)
        if abs(q) <= eps_val:
            q = 0.0
        Q[k] = q
    n = 0
    # crossing on the left ray
    ql = w * P[0]
    if Q[0] != 0.0 and ql != 0.0 and Q[0] / ql > 0.0:
        for s in range(S):
            TC2[n, s] = TC[0, s] - w * (VC[0, s] - ccoef[s]) / ql
            VC2[n, s] = 0.0
        T2[n] = min(dot(TC2[n], xs), T[0])
        V2[n] = 0.0
        Q[K + n] = 0.0
        oseg[n] = 0
        n += 1
    for k in range(K):
        q = Q[k]
        a = ap if q >= 0.0 else am
        for s in range(S):
            TC2[n, s] = TC[k, s]
            VC2[n, s] = a * w * (VC[k, s] - ccoef[s])
        T2[n] = T[k]
        V2[n] = a * q
        Q[K + n] = q
        oseg[n] = k + 1
        n += 1
        if k < K - 1 and Q[k] * Q[k + 1] < 0.0:
            ql = w * P[k + 1]
            for s in range(S):
                TC2[n, s] = TC[k, s] - w * (VC[k, s] - ccoef[s]) / ql
                VC2[n, s] = 0.0
            t = dot(TC2[n], xs)
            T2[n] = min(max(t, T[k]), T[k + 1])
            V2[n] = 0.0
            Q[K + n] = 0.0
            oseg[n] = k + 1
            n += 1
    # crossing on the right ray
    ql = w * P[K]
    if Q[K - 1] != 0.0 and ql != 0.0 and -Q[K - 1] / ql > 0.0:
        for s in range(S):
            TC2[n, s] = TC[K - 1, s] - w * (VC[K - 1, s] - ccoef[s]) / ql
            VC2[n, s] = 0.0
        T2[n] = max(dot(TC2[n], xs), T[K - 1])
        V2[n] = 0.0
        Q[K + n] = 0.0
        oseg[n] = K
        n += 1
    # slopes of h on the new pieces; q values of the new points sit in Q[K:K+n]
    q0 = Q[K]
    ql = w * P[0]
    sg = _sgn(q0) if q0 != 0.0 else -_sgn(ql)
    P2[0] = _act_slope(sg, ql, am, ap)
    for i in range(1, n):
        ql = w * P[oseg[i - 1]]
        sg = _sgn(Q[K + i - 1] + Q[K + i])
        P2[i] = _act_slope(sg, ql, am, ap)
    qn = Q[K + n - 1]
    ql = w * P[K]
    sg = _sgn(qn) if qn != 0.0 else _sgn(ql)
    P2[n] = _act_slope(sg, ql, am, ap)
    return simplify(n, T2, TC2, V2, VC2, P2)


@njit(cache=True)
def simplify(n, T, TC, V, VC, P):
    """Remove breakpoints where the slope does not change; keep at least one point."""
    S = TC.shape[1]
    m = 0
    for i in range(n):
        ds = abs(P[i + 1] - P[m])
        keep = ds > 1e-12 * (1.0 + abs(P[m]))
        if keep or (i == n - 1 and m == 0):
            T[m] = T[i]
            V[m] = V[i]
            for s in range(S):
                TC[m, s] = TC[i, s]
                VC[m, s] = VC[i, s]
            P[m + 1] = P[i + 1]
            m += 1
    return m


@njit(cache=True)
def add(K1, T1, TC1, V1, VC1, P1, a1, K2, T2, TC2, V2, VC2, P2, a2, eps_pos, T3, TC3, V3, VC3, P3,
        tmp):
    """h = a1 f1 + a2 f2 for two vertex forms (the second hidden layer of a symmetrized unit)."""
    S = TC1.shape[1]
    i = 0
    j = 0
    n = 0
    P3[0] = a1 * P1[0] + a2 * P2[0]
    while i < K1 or j < K2:
        if j >= K2 or (i < K1 and T1[i] < T2[j] - eps_pos):
            for s in range(S):
                TC3[n, s] = TC1[i, s]
            T3[n] = T1[i]
            i += 1
        elif i >= K1 or T2[j] < T1[i] - eps_pos:
            for s in range(S):
                TC3[n, s] = TC2[j, s]
            T3[n] = T2[j]
            j += 1
        else:  # coincident breakpoints: keep the first function's label
            for s in range(S):
                TC3[n, s] = TC1[i, s]
            T3[n] = T1[i]
            i += 1
            j += 1
        v1 = value_at(K1, T1, TC1, V1, VC1, P1, T3[n], TC3[n], tmp[0])
        v2 = value_at(K2, T2, TC2, V2, VC2, P2, T3[n], TC3[n], tmp[1])
        V3[n] = a1 * v1 + a2 * v2
        for s in range(S):
            VC3[n, s] = a1 * tmp[0, s] + a2 * tmp[1, s]
        P3[n + 1] = a1 * P1[i] + a2 * P2[j]
        n += 1
    return simplify(n, T3, TC3, V3, VC3, P3)


# ----------------------------------------------------------------------------------------------
# workspaces and the kink form


def workspace_size(depth: int, symmetrized: bool = False) -> int:
    """Room for the breakpoints of one unit: a layer at most doubles them (plus the
    crossings on the two rays), so 2^L + 4 for a deep narrow unit of depth L; 16 for the
    3-layer symmetrized unit."""
    if symmetrized:
        return 16
    return max(2 ** depth + 4, 8)


@njit(cache=True)
def alloc(KM, S):
    """Four vertex-form buffers of ``KM`` breakpoints over ``S`` slots, plus scratch."""
    T = np.empty((4, KM))
    V = np.empty((4, KM))
    P = np.empty((4, KM + 1))
    TC = np.empty((4, KM, S))
    VC = np.empty((4, KM, S))
    Q = np.empty(4 * KM + 4)
    oseg = np.empty(4 * KM + 4, dtype=np.int64)
    tmp = np.empty((2, S))
    return T, V, P, TC, VC, Q, oseg, tmp


@njit(cache=True)
def vertex_to_kinks(K, T, V, P, x0, kt, ks):
    """Kink form of a vertex form relative to the origin ``x0``:
    ``f(x) = v0 + c1 (x - x0) + sum_k s_k (x - t_k)_+``; returns (v0, c1, number of kinks)
    and fills ``kt``, ``ks``.  ``v0`` is the affine part at ``x0`` (computed from the nearest
    vertex, so a far-away origin does not cancel against a large intercept)."""
    c1 = P[0]
    v0 = V[0] + P[0] * (x0 - T[0])
    m = 0
    for k in range(K):
        s = P[k + 1] - P[k]
        if abs(s) > 1e-12 * (1.0 + abs(P[k])):
            kt[m] = T[k]
            ks[m] = s
            m += 1
    return v0, c1, m
