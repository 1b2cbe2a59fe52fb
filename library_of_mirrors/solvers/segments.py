"""Numba kernels of the slope-change Lasso: segment statistics and the Riccati (LQ) recursion.

A continuous piecewise-linear fit with kinks at the anchors ``x[K_1] < x[K_2] < ...`` is, on
segment j (from anchor j to the next one; anchor 0 is the first point), ``a_j + s_j (x -
x[K_j])``.  Its state ``(a_j, s_j)`` moves from one segment to the next as

    a_{j+1} = a_j + delta_j s_j,     s_{j+1} = s_j + u_{j+1}

with ``u_{j+1}`` the slope change at anchor j + 1 (``u_0 = s_0``, the initial slope).  The
weighted squared error of segment j is a quadratic in its state whose coefficients are five
sums over its points (:func:`segment_stats`), so a problem with m kinks costs O(N) to compress
and O(m) per pass afterwards.  A Newton step of the barrier method (:mod:`.slope_lasso`) is a
linear-quadratic regulator over the segments: :func:`lq_factor` runs the Riccati recursion
backwards once per step and :func:`lq_solve` solves for any right-hand side in O(m).  No
divided difference ``1 / (x_{t+1} - x_t)`` is ever formed, so close points cost no accuracy.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def segment_stats(x, w, y, anchors):
    """Per segment (``anchors``: sorted point indices, ``anchors[0] == 0``): ``Q[j] = (sum w,
    sum w d, sum w d^2)`` and ``q[j] = (sum w y, sum w d y)`` with ``d = x - x[anchors[j]]``,
    and ``delta[j] = x[anchors[j + 1]] - x[anchors[j]]`` (0 for the last segment)."""
    n = x.shape[0]
    m1 = anchors.shape[0]
    Q = np.zeros((m1, 3))
    q = np.zeros((m1, 2))
    delta = np.zeros(m1)
    for j in range(m1):
        a = anchors[j]
        b = anchors[j + 1] if j + 1 < m1 else n
        xa = x[a]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        t0 = 0.0
        t1 = 0.0
        for i in range(a, b):
            d = x[i] - xa
            wi = w[i]
            wd = wi * d
            s0 += wi
            s1 += wd
            s2 += wd * d
            t0 += wi * y[i]
            t1 += wd * y[i]
        Q[j, 0] = s0
        Q[j, 1] = s1
        Q[j, 2] = s2
        q[j, 0] = t0
        q[j, 1] = t1
        if j + 1 < m1:
            delta[j] = x[b] - xa
    return Q, q, delta


@njit(cache=True)
def merge_stats(Q, q, x_anchor, keep):
    """The statistics of the coarser segmentation that keeps the anchors ``keep`` (sorted
    positions into the current anchors, ``keep[0] == 0``), in O(m): a segment's sums move to
    the new anchor ``X`` by ``d' = d + o``, ``o = x_anchor[j] - X``."""
    m1 = Q.shape[0]
    k1 = keep.shape[0]
    Qn = np.zeros((k1, 3))
    qn = np.zeros((k1, 2))
    delta = np.zeros(k1)
    J = 0
    for j in range(m1):
        if J + 1 < k1 and j == keep[J + 1]:
            J += 1
        o = x_anchor[j] - x_anchor[keep[J]]
        Qn[J, 0] += Q[j, 0]
        Qn[J, 1] += Q[j, 1] + o * Q[j, 0]
        Qn[J, 2] += Q[j, 2] + (2.0 * Q[j, 1] + o * Q[j, 0]) * o
        qn[J, 0] += q[j, 0]
        qn[J, 1] += q[j, 1] + o * q[j, 0]
    for J in range(k1 - 1):
        delta[J] = x_anchor[keep[J + 1]] - x_anchor[keep[J]]
    return Qn, qn, delta


@njit(cache=True)
def residual_correlations(x, w, y, anchors, a0, u):
    """At every point t: ``g_t = sum_i theta_i (x_i - x_t)_+`` for the residual ``theta = w (y
    - f)`` of the fit with constant ``a0`` and slope changes ``u`` at ``anchors``: the
    correlations of the ramps, by the stable recursion ``g_t = g_{t+1} + (x_{t+1} - x_t)
    sum_{i > t} theta_i`` (no difference of large sums)."""
    n = x.shape[0]
    theta = np.empty(n)
    j = 0
    m1 = anchors.shape[0]
    a = a0
    s = u[0]
    xa = x[0]
    for i in range(n):
        while j + 1 < m1 and anchors[j + 1] <= i:
            j += 1
            a = a + (x[anchors[j]] - xa) * s
            s = s + u[j]
            xa = x[anchors[j]]
        theta[i] = w[i] * (y[i] - (a + s * (x[i] - xa)))
    g = np.zeros(n)
    tail = 0.0
    for t in range(n - 2, -1, -1):
        tail += theta[t + 1]
        g[t] = g[t + 1] + (x[t + 1] - x[t]) * tail
    return g, tail + theta[0]


@njit(cache=True)
def states(delta, a0, u):
    """The segment states ``(a_j, s_j)`` of the initial value ``a0`` and slope changes ``u``."""
    m1 = u.shape[0]
    A = np.empty(m1)
    S = np.empty(m1)
    a = a0
    s = u[0]
    for j in range(m1):
        if j > 0:
            a = a + delta[j - 1] * s
            s = s + u[j]
        A[j] = a
        S[j] = s
    return A, S


@njit(cache=True)
def data_value_grad(Q, q, delta, a0, u):
    """``0.5 sum_j xi_j^T Q_j xi_j - q_j^T xi_j`` (the squared error up to ``0.5 sum w y^2``)
    and its gradient in ``(a0, u)`` by the adjoint recursion: (value, d/da0, d/du)."""
    m1 = u.shape[0]
    A, S = states(delta, a0, u)
    val = 0.0
    g = np.empty(m1)
    mu1 = 0.0
    mu2 = 0.0
    for j in range(m1 - 1, -1, -1):
        a = A[j]
        s = S[j]
        l1 = Q[j, 0] * a + Q[j, 1] * s - q[j, 0]
        l2 = Q[j, 1] * a + Q[j, 2] * s - q[j, 1]
        val += 0.5 * (Q[j, 0] * a * a + 2.0 * Q[j, 1] * a * s + Q[j, 2] * s * s) \
            - q[j, 0] * a - q[j, 1] * s
        if j < m1 - 1:
            n1 = mu1
            n2 = delta[j] * mu1 + mu2
        else:
            n1 = 0.0
            n2 = 0.0
        mu1 = l1 + n1
        mu2 = l2 + n2
        g[j] = mu2
    return val, mu1, g


@njit(cache=True)
def lq_factor(Q, delta, d, t):
    """Riccati recursion of ``min 0.5 x^T (t M + diag(0, d)) x - b^T x`` over ``x = (a0, u)``
    (``M``: the data Hessian): per control j >= 1 the pivot ``a[j] = d[j] + P22`` and ``(c1[j],
    c2[j]) = (P12, P22)`` of the next segment's value matrix; and the initial 2 x 2 system."""
    m1 = Q.shape[0]
    a = np.ones(m1)
    c1 = np.zeros(m1)
    c2 = np.zeros(m1)
    P11 = t * Q[m1 - 1, 0]
    P12 = t * Q[m1 - 1, 1]
    P22 = t * Q[m1 - 1, 2]
    for j in range(m1 - 2, -1, -1):
        dj = d[j + 1]
        aj = dj + P22
        a[j + 1] = aj
        c1[j + 1] = P12
        c2[j + 1] = P22
        r = dj / aj
        Pp11 = P11 - P12 * (P12 / aj)
        Pp12 = P12 * r
        Pp22 = P22 * r
        D = delta[j]
        P11 = t * Q[j, 0] + Pp11
        P12 = t * Q[j, 1] + Pp11 * D + Pp12
        P22 = t * Q[j, 2] + (Pp11 * D + 2.0 * Pp12) * D + Pp22
    return a, c1, c2, P11, P12, P22 + d[0]


@njit(cache=True)
def lq_solve(a, c1, c2, P11, P12, P22, delta, b_a, b):
    """The solution ``(a0, u)`` of the factored system for right-hand side ``(b_a, b)``."""
    m1 = b.shape[0]
    e = np.zeros(m1)
    pi1 = 0.0
    pi2 = 0.0
    for j in range(m1 - 2, -1, -1):
        ej = b[j + 1] + pi2
        e[j + 1] = ej
        f = ej / a[j + 1]
        pp1 = pi1 - f * c1[j + 1]
        pp2 = pi2 - f * c2[j + 1]
        pi1 = pp1
        pi2 = delta[j] * pp1 + pp2
    r1 = pi1 + b_a
    r2 = pi2 + b[0]
    det = P11 * P22 - P12 * P12
    xa = (P22 * r1 - P12 * r2) / det
    xs = (P11 * r2 - P12 * r1) / det
    u = np.empty(m1)
    u[0] = xs
    A = xa
    S = xs
    for j in range(m1 - 1):
        eta1 = A + delta[j] * S
        uj = (e[j + 1] - c1[j + 1] * eta1 - c2[j + 1] * S) / a[j + 1]
        u[j + 1] = uj
        A = eta1
        S = S + uj
    return xa, u


__all__ = ["data_value_grad", "lq_factor", "lq_solve", "merge_stats",
           "residual_correlations", "segment_stats", "states"]
