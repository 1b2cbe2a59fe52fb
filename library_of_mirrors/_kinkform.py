"""numba kernels for continuous piecewise-linear functions of one variable.

A unit of the deep library (Definition 3.10) is built layer by layer as a *vertex form*: sorted
breakpoints ``T[0..K-1]``, values ``V`` at them and slopes ``P[0..K]`` (``P[0]`` left of ``T[0]``,
``P[k]`` between ``T[k-1]`` and ``T[k]``, ``P[K]`` right of ``T[K-1]``).  Every position and value
is
also carried *symbolically*, as a coefficient vector over the unit's data points ("slots"): each
breakpoint is an exact affine combination of training points, which is where its provenance
(data point, midpoint, reflection R(a, b) = 2b - a, ...) comes from.

The vertex form converts to the kink form ``f(x) = c0 + c1 x + sum_k s_k (x - t_k)_+`` and to the
*grid form*: on the sorted distinct training points u_0 < ... < u_{n-1} every such function is a
sparse combination of the basis ``1, (x - u_0)_+, ..., (x - u_{n-2})_+`` (ramp basis), or of
``1, 1{x >= u_1}, ..., 1{x >= u_{n-1}}`` (step basis) for the jump features of sign / threshold
networks.  The grid form gives the O(N) products of DESIGN.md and exact column merging.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# ----------------------------------------------------------------------------------------------
# vertex-form algebra with symbolic coefficients


@njit(cache=True)
def _dot(c, xs):
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
    T[0] = _dot(tcoef, xs)
    V[0] = 0.0
    if w > 0:
        P[0] = am
        P[1] = ap
    else:
        P[0] = -ap
        P[1] = -am
    return 1


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
        T2[n] = min(_dot(TC2[n], xs), T[0])
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
            t = _dot(TC2[n], xs)
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
        T2[n] = max(_dot(TC2[n], xs), T[K - 1])
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
# units of the deep library

DN, DN_PAD, MID, MID_ALL, SYM, JUMP = 0, 1, 2, 3, 4, 5


@njit(cache=True)
def _alloc(KM, S):
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
def build_unit(kind, L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs):
    """Vertex form of one continuous unit (kinds DN, DN_PAD, MID, MID_ALL, SYM).

    Returns (K, slot) where the result sits in T[slot], V[slot], P[slot], TC[slot], VC[slot].
    Coefficients refer to the unit's slots: ``xs[s] = u[idx[s]]``.
    """
    S = TC.shape[2]
    for s in range(S):
        xs[s] = u[idx[s]]
    e = tmp[0]
    if kind == SYM:
        for s in range(S):
            e[s] = 0.0
        e[0] = 1.0
        K1 = first_layer(e, signs[0], am, ap, T[0], TC[0], V[0], VC[0], P[0], xs)
        e[0] = 0.0
        e[1] = 1.0
        K2 = first_layer(e, signs[1], am, ap, T[1], TC[1], V[1], VC[1], P[1], xs)
        K3 = add(K1, T[0], TC[0], V[0], VC[0], P[0], float(signs[2]),
                 K2, T[1], TC[1], V[1], VC[1], P[1], float(signs[3]), eps_val,
                 T[2], TC[2], V[2], VC[2], P[2], tmp)
        for s in range(S):
            e[s] = 0.0
        e[2] = 1.0
        cc = tmp[1]
        c = value_at(K3, T[2], TC[2], V[2], VC[2], P[2], xs[2], e, cc)
        K = layer(K3, T[2], TC[2], V[2], VC[2], P[2], c, cc, 1, am, ap, eps_val, xs,
                  T[3], TC[3], V[3], VC[3], P[3], Q, oseg)
        return K, 3
    # first layer
    for s in range(S):
        e[s] = 0.0
    if kind == MID or kind == MID_ALL:
        w1 = signs[0]
        xa = xs[0]
        xb = xs[1]
        hi, lo = (0, 1) if xa >= xb else (1, 0)
        if w1 > 0:  # t = (a+ max - a- min) / (a+ - a-)
            e[hi] += ap / (ap - am)
            e[lo] += -am / (ap - am)
        else:  # t = (a+ min - a- max) / (a+ - a-)
            e[lo] += ap / (ap - am)
            e[hi] += -am / (ap - am)
        nlayers = L - 1  # layers past the third are identities anchored where the unit vanishes
    else:
        e[0] = 1.0
        nlayers = L - 1
    cur = 0
    K = first_layer(e, signs[0], am, ap, T[0], TC[0], V[0], VC[0], P[0], xs)
    for l in range(1, nlayers):
        slot = l if (kind == DN or kind == DN_PAD) else 2
        for s in range(S):
            e[s] = 0.0
        e[slot] = 1.0
        cc = tmp[1]
        c = value_at(K, T[cur], TC[cur], V[cur], VC[cur], P[cur], xs[slot], e, cc)
        nxt = 1 - cur
        w = signs[l] if l < signs.shape[0] else 1
        K = layer(K, T[cur], TC[cur], V[cur], VC[cur], P[cur], c, cc, w, am, ap,
                  eps_val, xs, T[nxt], TC[nxt], V[nxt], VC[nxt], P[nxt], Q, oseg)
        cur = nxt
    return K, cur


@njit(cache=True)
def jump_unit(w, t, bm, bp, jt, jh, jc):
    """sigma(w (x - t)) for sign / threshold: (c0, number of jumps); sign(0) = 1, 1{0 >= 0} = 1."""
    if w > 0:  # b- left of t, b+ from t on (closed)
        jt[0] = t
        jh[0] = bp - bm
        jc[0] = 1
        return bm, 1
    # sigma(t - x): b+ up to and including t, b- beyond (open jump)
    jt[0] = t
    jh[0] = bm - bp
    jc[0] = 0
    return bp, 1


def workspace_size(kind: int, L: int) -> int:
    if kind == SYM:
        return 16
    return max(2 ** L + 4, 8)



# ----------------------------------------------------------------------------------------------
# kink form and grid form


@njit(cache=True)
def vertex_to_kinks(K, T, V, P, kt, ks):
    """Kink form of a vertex form: returns (c0, c1, number of kinks) and fills ``kt``, ``ks``."""
    c1 = P[0]
    c0 = V[0] - P[0] * T[0]
    m = 0
    for k in range(K):
        s = P[k + 1] - P[k]
        if abs(s) > 1e-12 * (1.0 + abs(P[k])):
            kt[m] = T[k]
            ks[m] = s
            m += 1
    return c0, c1, m


@njit(cache=True)
def _locate(u, t, tol):
    """(i, exact): i = first index with u[i] >= t; exact when |u[i] - t| <= tol (snapped)."""
    n = u.shape[0]
    i = np.searchsorted(u, t)
    if i < n and u[i] - t <= tol:
        return i, True
    if i > 0 and t - u[i - 1] <= tol:
        return i - 1, True
    return i, False


@njit(cache=True)
def kinks_to_grid(c0, c1, nk, kt, ks, u, tol, rows, vals):
    """Ramp-basis grid column of a continuous kink form; returns nnz (rows sorted, merged).

    Basis: row 0 is the constant 1, row r >= 1 is (x - u[r-1])_+ on the grid (row 1 is linear).
    A kink strictly between u[i-1] and u[i] splits into ramps at both with weights theta and
    1 - theta, theta = (u[i] - t) / (u[i] - u[i-1]): exact on every training point.
    """
    n = u.shape[0]
    m = 0
    rows[m] = 0
    vals[m] = c0 + c1 * u[0]
    m += 1
    rows[m] = 1
    vals[m] = c1
    m += 1
    for k in range(nk):
        t = kt[k]
        s = ks[k]
        i, exact = _locate(u, t, tol)
        if exact:
            if i <= n - 2:
                rows[m] = i + 1
                vals[m] = s
                m += 1
        elif i == 0:
            rows[m] = 0
            vals[m] = s * (u[0] - t)
            m += 1
            rows[m] = 1
            vals[m] = s
            m += 1
        elif i < n:
            theta = (u[i] - t) / (u[i] - u[i - 1])
            rows[m] = i
            vals[m] = s * theta
            m += 1
            if i <= n - 2:
                rows[m] = i + 1
                vals[m] = s * (1.0 - theta)
                m += 1
    return _merge_rows(m, rows, vals)


@njit(cache=True)
def jumps_to_grid(c0, nj, jt, jh, jclosed, u, tol, rows, vals):
    """Step-basis grid column of a jump form (sign / threshold features).

    Basis: row 0 is the constant 1, row r >= 1 is 1{x >= u[r]}.  A jump ``h 1{x >= t}`` (closed)
    or ``h 1{x > t}`` (open) becomes the step at the first training point it covers.
    """
    n = u.shape[0]
    m = 0
    rows[m] = 0
    vals[m] = c0
    m += 1
    for k in range(nj):
        t = jt[k]
        i, exact = _locate(u, t, tol)
        if exact and jclosed[k] == 0:
            i += 1
        if i == 0:
            rows[m] = 0
        elif i < n:
            rows[m] = i
        else:
            continue
        vals[m] = jh[k]
        m += 1
    return _merge_rows(m, rows, vals)


@njit(cache=True)
def _merge_rows(m, rows, vals):
    # insertion sort (m is tiny), then merge equal rows
    for a in range(1, m):
        r = rows[a]
        v = vals[a]
        b = a - 1
        while b >= 0 and rows[b] > r:
            rows[b + 1] = rows[b]
            vals[b + 1] = vals[b]
            b -= 1
        rows[b + 1] = r
        vals[b + 1] = v
    out = 0
    for a in range(m):
        if out > 0 and rows[out - 1] == rows[a]:
            vals[out - 1] += vals[a]
        else:
            rows[out] = rows[a]
            vals[out] = vals[a]
            out += 1
    return out


_QUANT = 2.0**40
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def _mix(h):
    h ^= h >> np.uint64(30)
    h *= _M2
    h ^= h >> np.uint64(27)
    h *= _M3
    h ^= h >> np.uint64(31)
    return h


@njit(cache=True)
def hash_grid(nnz, rows, vals, scale0):
    """Two 64-bit hashes of a grid column, canonical up to sign; (h1, h2, is_zero).

    Entries are quantized at 2**-40 relative to their natural scale (row 0 is a value, scaled by
    ``scale0``; the other rows are slopes or jumps), so columns that agree on the training points
    hash alike, and a column and its negative hash alike (they are one Lasso variable).
    """
    sgn = 0
    for a in range(nnz):
        sc = scale0 if rows[a] == 0 else 1.0
        q = np.round(vals[a] / sc * _QUANT)
        if q != 0.0:
            sgn = 1 if q > 0 else -1
            break
    if sgn == 0:
        return np.uint64(0), np.uint64(0), True
    h1 = np.uint64(0x243F6A8885A308D3)
    h2 = np.uint64(0x13198A2E03707344)
    for a in range(nnz):
        sc = scale0 if rows[a] == 0 else 1.0
        q = np.round(vals[a] / sc * _QUANT) * sgn
        if q == 0.0:
            continue
        qi = np.uint64(np.int64(q) & np.int64(0x7FFFFFFFFFFFFFFF))
        qi ^= np.uint64(rows[a]) << np.uint64(1)
        key = qi + _M1 * np.uint64(rows[a] + 1)
        h1 = _mix(h1 ^ key) + _M1
        h2 = _mix(h2 + key * _M3) ^ _M2
    return h1, h2, False


# ----------------------------------------------------------------------------------------------
# evaluation and grid products


@njit(cache=True)
def eval_kinkform(x, c0, c1, kptr, kt, ks, jptr, jt, jh, jclosed, out):
    """out[i, j] = feature j at x[i] from the kink form (c0 + c1 x + kinks + jumps)."""
    M = c0.shape[0]
    for j in range(M):
        for i in range(x.shape[0]):
            xi = x[i]
            v = c0[j] + c1[j] * xi
            for k in range(kptr[j], kptr[j + 1]):
                d = xi - kt[k]
                if d > 0.0:
                    v += ks[k] * d
            for k in range(jptr[j], jptr[j + 1]):
                if xi > jt[k] or (jclosed[k] != 0 and xi == jt[k]):
                    v += jh[k]
            out[i, j] = v


@njit(cache=True)
def grid_matvec(gptr, grow, gval, z, n, step, ur):
    """f = B (G z) on the grid: the feature sum at every distinct training point, O(nnz + n).

    ``ur`` is u - u[0]; ``step`` selects the step basis (else the ramp basis).
    """
    v = np.zeros(n)
    for j in range(z.shape[0]):
        zj = z[j]
        if zj != 0.0:
            for a in range(gptr[j], gptr[j + 1]):
                v[grow[a]] += gval[a] * zj
    f = np.empty(n)
    if step:
        acc = v[0]
        f[0] = acc
        for i in range(1, n):
            acc += v[i]
            f[i] = acc
        return f
    # ramp basis: f_i = v0 + sum_{r=1..i} v_r (u_i - u_{r-1})
    sv = 0.0
    svu = 0.0
    f[0] = v[0]
    for i in range(1, n):
        sv += v[i]
        svu += v[i] * ur[i - 1]
        f[i] = v[0] + sv * ur[i] - svu
    return f


@njit(cache=True)
def grid_rmatvec(gptr, grow, gval, q, step, ur, out):
    """out = G^T (B^T q) for q given at the distinct training points, O(nnz + n)."""
    n = q.shape[0]
    bq = np.empty(n)
    s1 = 0.0
    s2 = 0.0
    # suffix sums: S1(k) = sum_{i>=k} q_i, S2(k) = sum_{i>=k} q_i ur_i
    suf1 = np.empty(n + 1)
    suf2 = np.empty(n + 1)
    suf1[n] = 0.0
    suf2[n] = 0.0
    for i in range(n - 1, -1, -1):
        s1 += q[i]
        s2 += q[i] * ur[i]
        suf1[i] = s1
        suf2[i] = s2
    bq[0] = suf1[0]
    for r in range(1, n):
        if step:
            bq[r] = suf1[r]
        else:  # ramp at u[r-1]: sum_{i >= r} q_i (u_i - u_{r-1})
            bq[r] = suf2[r] - ur[r - 1] * suf1[r]
    for j in range(out.shape[0]):
        acc = 0.0
        for a in range(gptr[j], gptr[j + 1]):
            acc += gval[a] * bq[grow[a]]
        out[j] = acc
