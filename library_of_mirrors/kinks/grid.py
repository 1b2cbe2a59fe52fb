"""Kink forms and grid forms: evaluation, exact O(N) products and column hashing (numba).

A continuous feature is kept in *kink form* relative to an origin ``x0``::

    f(x) = v0 + c1 (x - x0) + sum_k s_k (x - t_k)_+

and a sign / threshold feature in *jump form* ``f(x) = c0 + sum_k h_k 1{x >= t_k}`` (or
``1{x > t_k}``).  On the sorted distinct training points u_0 < ... < u_{n-1} every such function
is a sparse combination of the *grid basis*: ``1, (x - u_0)_+, ..., (x - u_{n-2})_+`` (ramp basis)
or ``1, 1{x >= u_1}, ..., 1{x >= u_{n-1}}`` (step basis).  The grid form gives exact column
merging (:func:`hash_grid`) and the O(N + nnz) products ``A z`` and ``A^T q``.

All products run on the gaps ``du[i] = u[i] - u[i-1]`` by recurrences, never on ``u`` itself:
with data far from the origin (x around 1e6 with a spread of 1e-3) the prefix-sum form
``sum q_i u_i - u_r sum q_i`` loses every significant digit, the recurrence loses none.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def gaps(u: np.ndarray) -> np.ndarray:
    """``du[0] = 0``, ``du[i] = u[i] - u[i-1]``: the grid's spacing, what the products use."""
    du = np.zeros(u.shape[0])
    du[1:] = np.diff(u)
    return du


@njit(cache=True)
def locate(u, t, tol):
    """(i, exact): i = first index with u[i] >= t; exact when |u[i] - t| <= tol (snapped)."""
    n = u.shape[0]
    i = np.searchsorted(u, t)
    if i < n and u[i] - t <= tol:
        return i, True
    if i > 0 and t - u[i - 1] <= tol:
        return i - 1, True
    return i, False


@njit(cache=True)
def kinks_to_grid(v0, c1, nk, kt, ks, u, tol, rows, vals):
    """Ramp-basis grid column of a continuous kink form with origin ``u[0]``; returns nnz
    (rows sorted, merged).

    Row 0 is the constant 1, row r >= 1 is (x - u[r-1])_+ on the grid (row 1 is linear).  A kink
    strictly between u[i-1] and u[i] splits into ramps at both with weights theta and
    1 - theta, theta = (u[i] - t) / (u[i] - u[i-1]): exact on every training point.
    """
    n = u.shape[0]
    m = 0
    rows[m] = 0
    vals[m] = v0
    m += 1
    rows[m] = 1
    vals[m] = c1
    m += 1
    for k in range(nk):
        t = kt[k]
        s = ks[k]
        i, exact = locate(u, t, tol)
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
    return merge_rows(m, rows, vals)


@njit(cache=True)
def jumps_to_grid(c0, nj, jt, jh, jclosed, u, tol, rows, vals):
    """Step-basis grid column of a jump form (sign / threshold features).

    Row 0 is the constant 1, row r >= 1 is 1{x >= u[r]}.  A jump ``h 1{x >= t}`` (closed) or
    ``h 1{x > t}`` (open) becomes the step at the first training point it covers.
    """
    n = u.shape[0]
    m = 0
    rows[m] = 0
    vals[m] = c0
    m += 1
    for k in range(nj):
        t = jt[k]
        i, exact = locate(u, t, tol)
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
    return merge_rows(m, rows, vals)


@njit(cache=True)
def merge_rows(m, rows, vals):
    """Sort the ``m`` entries by row (insertion sort: m is tiny) and add equal rows."""
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
    """Two 64-bit hashes of a grid column, canonical up to sign; (h1, h2, orientation).

    Entries are quantized at 2**-40 relative to their natural scale (row 0 is a value, scaled by
    ``scale0``; the other rows are slopes or jumps), so columns that agree on the training points
    hash alike, and a column and its negative hash alike (they are one Lasso variable).  The
    orientation is the sign of the first nonzero quantized entry (the column times it is the
    canonical one), 0 for an all-zero column.
    """
    sgn = 0
    for a in range(nnz):
        sc = scale0 if rows[a] == 0 else 1.0
        q = np.round(vals[a] / sc * _QUANT)
        if q != 0.0:
            sgn = 1 if q > 0 else -1
            break
    if sgn == 0:
        return np.uint64(0), np.uint64(0), 0
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
    return h1, h2, sgn


@njit(cache=True)
def hash_columns(gptr, grow, gval, scale0, step):
    """:func:`hash_grid` of every column of a grid form: (h1, h2, orientation) arrays."""
    M = gptr.shape[0] - 1
    h1 = np.zeros(M, dtype=np.uint64)
    h2 = np.zeros(M, dtype=np.uint64)
    orient = np.zeros(M, dtype=np.int8)
    for j in range(M):
        a = gptr[j]
        b = gptr[j + 1]
        x1, x2, sg = hash_grid(b - a, grow[a:b], gval[a:b], 1.0 if step else scale0)
        h1[j] = x1
        h2[j] = x2
        orient[j] = sg
    return h1, h2, orient


# ----------------------------------------------------------------------------------------------
# evaluation and grid products


@njit(cache=True)
def eval_kinkform(x, every, cols, v0, c1, x0, kptr, kt, ks, jptr, jt, jh, jclosed, out):
    """out[i, q] = feature ``j = cols[q]`` (``every``: j = q, all features) at x[i] from its
    kink / jump form (origin ``x0``)."""
    for q in range(v0.shape[0] if every else cols.shape[0]):
        j = q if every else cols[q]
        for i in range(x.shape[0]):
            xi = x[i]
            v = v0[j] + c1[j] * (xi - x0)
            for k in range(kptr[j], kptr[j + 1]):
                d = xi - kt[k]
                if d > 0.0:
                    v += ks[k] * d
            for k in range(jptr[j], jptr[j + 1]):
                if xi > jt[k] or (jclosed[k] != 0 and xi == jt[k]):
                    v += jh[k]
            out[i, q] = v


@njit(cache=True)
def _expand(v, du, step, f):
    """Values at the grid points of the grid coefficients ``v`` (recurrence on the gaps)."""
    n = du.shape[0]
    f[0] = v[0]
    if step:
        for i in range(1, n):
            f[i] = f[i - 1] + v[i]
        return
    # ramp basis: f_i - f_{i-1} = du_i * sum_{r <= i} v_r
    cum = 0.0
    for i in range(1, n):
        cum += v[i]
        f[i] = f[i - 1] + du[i] * cum


@njit(cache=True)
def grid_matvec(gptr, grow, gval, z, du, step, every, cols):
    """The feature sum ``sum_q z_q f_{cols[q]}`` (``every``: ``sum_j z_j f_j``) at every
    distinct training point, O(nnz + n)."""
    n = du.shape[0]
    v = np.zeros(n)
    for q in range(z.shape[0]):
        j = q if every else cols[q]
        zj = z[q]
        if zj != 0.0:
            for a in range(gptr[j], gptr[j + 1]):
                v[grow[a]] += gval[a] * zj
    f = np.empty(n)
    _expand(v, du, step, f)
    return f


@njit(cache=True)
def _two_sum(a, b):
    """a + b = s + e exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


@njit(cache=True)
def grid_matvec_accurate(gptr, grow, gval, z, du, step, every, cols):
    """:func:`grid_matvec` with every sum compensated (double-double accumulators): the fit is
    the rounded exact sum of the columns even where their slopes cancel (coefficients of
    opposite signs on neighbouring ramps, data with large gaps).  What the certificate
    evaluates; a few times the flops of the plain kernel."""
    n = du.shape[0]
    vh = np.zeros(n)
    vl = np.zeros(n)
    for q in range(z.shape[0]):
        j = q if every else cols[q]
        zj = z[q]
        if zj != 0.0:
            for a in range(gptr[j], gptr[j + 1]):
                r = grow[a]
                t = gval[a] * zj
                s, e = _two_sum(vh[r], t)
                vh[r] = s
                vl[r] += e
    f = np.empty(n)
    fh, fl = vh[0], vl[0]
    f[0] = fh + fl
    ch, cl = 0.0, 0.0
    for i in range(1, n):
        if step:
            s, e = _two_sum(fh, vh[i])
            fh, fl = s, fl + e + vl[i]
        else:
            s, e = _two_sum(ch, vh[i])
            ch, cl = s, cl + e + vl[i]
            p = du[i] * ch
            pe = du[i] * cl
            s, e = _two_sum(fh, p)
            fh, fl = s, fl + e + pe
        f[i] = fh + fl
    return f


@njit(cache=True)
def grid_rmatvec(gptr, grow, gval, q, du, step, every, cols, out):
    """out = (f_j . q)_{j in cols} (``every``: all j) for q given at the distinct training
    points, O(nnz + n).

    The basis correlations come from a backward recurrence: with S(r) = sum_{i>=r} q_i, the
    ramp at u[r-1] has ``R(r) = R(r+1) + du[r] S(r)``; the step at u[r] has ``S(r)``.
    """
    n = q.shape[0]
    bq = np.empty(n)
    s1 = 0.0
    acc = 0.0
    for r in range(n - 1, 0, -1):
        s1 += q[r]
        if step:
            bq[r] = s1
        else:
            acc += du[r] * s1
            bq[r] = acc
    bq[0] = s1 + q[0]
    for p in range(out.shape[0]):
        j = p if every else cols[p]
        tot = 0.0
        for a in range(gptr[j], gptr[j + 1]):
            tot += gval[a] * bq[grow[a]]
        out[p] = tot


@njit(cache=True)
def grid_columns(gptr, grow, gval, du, step, every, cols, out):
    """Dense columns ``out[:, q]`` of features ``cols[q]`` (``every``: of feature q) (n x
    len(cols), any order) of the grid form, the same arithmetic as :func:`grid_matvec`: dense
    blocks agree with the matrix-free products to rounding."""
    n = du.shape[0]
    v = np.zeros(n)
    f = np.empty(n)
    for q in range(out.shape[1]):
        j = q if every else cols[q]
        for a in range(gptr[j], gptr[j + 1]):
            v[grow[a]] += gval[a]
        _expand(v, du, step, f)
        for i in range(n):
            out[i, q] = f[i]
        for a in range(gptr[j], gptr[j + 1]):
            v[grow[a]] = 0.0
