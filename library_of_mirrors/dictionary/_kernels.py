"""numba kernels that enumerate the units of a family, build their kink forms and merge columns.

A *family* is a set of candidate units indexed by an integer id (a mixed-radix code over weight
signs and data-point indices), decoded in :func:`decode`.  Kinds:

``DN``       deep narrow unit, data feature biases at every layer (Definition 3.9 / 3.10).
``DN_PAD``   a 3-layer relu deep narrow unit padded to depth L with identity layers
             (w = +1, anchored where the unit vanishes): the relu library freezes (Lemma 3.7).
``MID``      3-layer deep narrow unit whose first-layer kink is the normalized midpoint of a
             partner point and the second-layer anchor (Lemma D.11, O(N^2)).
``MID_ALL``  3-layer unit with the first-layer midpoint of any pair (Definition 3.9 literally).
``SYM``      3-layer symmetrized unit, W1, W2 in {+-1}^2, data feature biases (Theorem 3.13).
``JUMP``     2-layer sign / threshold unit sigma(w (x - x_j)) (Corollary 3.15).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .._kinkform import (
    DN,
    DN_PAD,
    JUMP,
    MID,
    MID_ALL,
    SYM,
    _alloc,
    build_unit,
    hash_grid,
    jump_unit,
    jumps_to_grid,
    kinks_to_grid,
    vertex_to_kinks,
)


@njit(cache=True)
def n_slots(kind, L):
    if kind == DN:
        return L - 1
    if kind == DN_PAD:
        return L - 1
    if kind == JUMP:
        return 1
    return 3


@njit(cache=True)
def n_signs(kind, L):
    if kind == SYM:
        return 4
    if kind == MID or kind == MID_ALL:
        return 2
    if kind == JUMP:
        return 1
    return L - 1


@njit(cache=True)
def family_size(kind, L, n, signed):
    """Number of candidate ids of a family (``signed`` False when weight signs are irrelevant)."""
    if kind == DN:
        c = n ** (L - 1)
        return c * (2 ** (L - 1) if signed else 1)
    if kind == DN_PAD:
        return n * n * (4 if signed else 1)
    if kind == MID or kind == MID_ALL:
        c = n * n if kind == MID else n * n * n
        return c * (4 if signed else 1)
    if kind == SYM:
        return 16 * n * n * n
    return 2 * n  # JUMP


@njit(cache=True)
def decode(kind, L, n, signed, cid, signs, idx):
    """Decode candidate ``cid`` into weight signs and slot data indices; False if skipped."""
    for a in range(signs.shape[0]):
        signs[a] = 1
    if kind == DN or kind == DN_PAD:
        m = L - 1 if kind == DN else 2
        r = cid
        for a in range(m):
            idx[a] = r % n
            r //= n
        if signed:
            for a in range(m):
                signs[a] = 1 if (r >> a) & 1 == 0 else -1
        if kind == DN_PAD:
            for a in range(2, L - 1):
                idx[a] = idx[1]
        return True
    if kind == MID:
        r = cid
        pa = r % n
        r //= n
        j2 = r % n
        r //= n
        if pa == j2:
            return False
        idx[0] = pa
        idx[1] = j2
        idx[2] = j2
        if signed:
            signs[0] = 1 if r & 1 == 0 else -1
            signs[1] = 1 if (r >> 1) & 1 == 0 else -1
        return True
    if kind == MID_ALL:
        r = cid
        pa = r % n
        r //= n
        pb = r % n
        r //= n
        j2 = r % n
        r //= n
        if pa >= pb:
            return False
        idx[0] = pa
        idx[1] = pb
        idx[2] = j2
        if signed:
            signs[0] = 1 if r & 1 == 0 else -1
            signs[1] = 1 if (r >> 1) & 1 == 0 else -1
        return True
    if kind == SYM:
        r = cid
        j1 = r % n
        r //= n
        j2 = r % n
        r //= n
        j3 = r % n
        r //= n
        for a in range(4):
            signs[a] = 1 if (r >> a) & 1 == 0 else -1
        # the two first-layer neurons are interchangeable: keep one ordering
        k1 = j1 * 4 + (0 if signs[0] > 0 else 1) * 2 + (0 if signs[2] > 0 else 1)
        k2 = j2 * 4 + (0 if signs[1] > 0 else 1) * 2 + (0 if signs[3] > 0 else 1)
        if k1 > k2:
            return False
        idx[0] = j1
        idx[1] = j2
        idx[2] = j3
        return True
    # JUMP
    idx[0] = cid % n
    signs[0] = 1 if cid // n == 0 else -1
    return True


@njit(cache=True)
def _scratch(KM, S, NS):
    """Per-thread scratch: slot values, signs, indices, kinks, grid column."""
    return (np.empty(S), np.empty(NS, dtype=np.int64), np.empty(S, dtype=np.int64),
            np.empty(KM), np.empty(KM), np.empty(1, dtype=np.int8),
            np.empty(2 * KM + 4, dtype=np.int64), np.empty(2 * KM + 4))


@njit(cache=True, parallel=True)
def pass_hash(kind, L, n, signed, cids, u, act, scale0, tol, KM):
    """Hash every candidate's grid column (canonical up to sign); count its kinks.

    Returns h1, h2, nkinks, valid (False for skipped codes and all-zero columns).
    """
    M = cids.shape[0]
    h1 = np.zeros(M, dtype=np.uint64)
    h2 = np.zeros(M, dtype=np.uint64)
    nk = np.zeros(M, dtype=np.int32)
    valid = np.zeros(M, dtype=np.bool_)
    S = n_slots(kind, L)
    NS = n_signs(kind, L)
    am, ap, bm, bp = act[0], act[1], act[2], act[3]
    eps_val = 1e-11 * scale0
    nblocks = min(M, 64)
    for blk in prange(nblocks):
        T, V, P, TC, VC, Q, oseg, tmp = _alloc(KM, S)
        xs, signs, idx, kt, ks, jc, rows, vals = _scratch(KM, S, NS)
        lo = blk * M // nblocks
        hi = (blk + 1) * M // nblocks
        for a in range(lo, hi):
            if not decode(kind, L, n, signed, cids[a], signs, idx):
                continue
            if kind == JUMP:
                c0, nj = jump_unit(signs[0], u[idx[0]], bm, bp, kt, ks, jc)
                nnz = jumps_to_grid(c0, nj, kt, ks, jc, u, tol, rows, vals)
                nkk = nj
            else:
                K, sl = build_unit(kind, L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q,
                                   oseg, tmp, xs)
                c0, c1, nkk = vertex_to_kinks(K, T[sl], V[sl], P[sl], kt, ks)
                nnz = kinks_to_grid(c0, c1, nkk, kt, ks, u, tol, rows, vals)
            x1, x2, zero = hash_grid(nnz, rows, vals, scale0)
            nk[a] = nkk
            if zero:
                continue
            h1[a] = x1
            h2[a] = x2
            valid[a] = True
    return h1, h2, nk, valid


@njit(cache=True, parallel=True)
def pass_build(kind, L, n, signed, cids, u, act, scale0, tol, KM, kptr, jptr, gptr,
               c0_out, c1_out, kt_out, ks_out, jt_out, jh_out, jc_out, grow_out, gval_out,
               signs_out, idx_out):
    """Kink forms, grid columns and unit codes of the chosen candidates.

    ``kptr``/``jptr`` are filled from the kink / jump counts; ``gptr`` gives each column
    room for 2 * kinks + 2 grid entries (compacted by the caller).
    """
    M = cids.shape[0]
    S = n_slots(kind, L)
    NS = n_signs(kind, L)
    am, ap, bm, bp = act[0], act[1], act[2], act[3]
    eps_val = 1e-11 * scale0
    gnnz = np.zeros(M, dtype=np.int64)
    nblocks = min(M, 64)
    for blk in prange(nblocks):
        T, V, P, TC, VC, Q, oseg, tmp = _alloc(KM, S)
        xs, signs, idx, kt, ks, jc, rows, vals = _scratch(KM, S, NS)
        for a in range(blk * M // nblocks, (blk + 1) * M // nblocks):
            decode(kind, L, n, signed, cids[a], signs, idx)
            for s in range(NS):
                signs_out[a, s] = signs[s]
            for s in range(S):
                idx_out[a, s] = idx[s]
            if kind == JUMP:
                c0, nj = jump_unit(signs[0], u[idx[0]], bm, bp, kt, ks, jc)
                c0_out[a] = c0
                c1_out[a] = 0.0
                for k in range(nj):
                    jt_out[jptr[a] + k] = kt[k]
                    jh_out[jptr[a] + k] = ks[k]
                    jc_out[jptr[a] + k] = jc[k]
                nnz = jumps_to_grid(c0, nj, kt, ks, jc, u, tol, rows, vals)
            else:
                K, sl = build_unit(kind, L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q,
                                   oseg, tmp, xs)
                c0, c1, nkk = vertex_to_kinks(K, T[sl], V[sl], P[sl], kt, ks)
                c0_out[a] = c0
                c1_out[a] = c1
                for k in range(nkk):
                    kt_out[kptr[a] + k] = kt[k]
                    ks_out[kptr[a] + k] = ks[k]
                nnz = kinks_to_grid(c0, c1, nkk, kt, ks, u, tol, rows, vals)
            for k in range(nnz):
                grow_out[gptr[a] + k] = rows[k]
                gval_out[gptr[a] + k] = vals[k]
            gnnz[a] = nnz
    return gnnz
