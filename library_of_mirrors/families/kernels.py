"""numba passes over the candidate codes of a family: hash every candidate's column, or build the
kink forms, grid columns and unit codes of the chosen ones.

The only place that dispatches on a family's ``kind``: :func:`decode` and :func:`build` call the
family module's own kernels (:mod:`.data`, :mod:`.padded`, :mod:`.midpoint`,
:mod:`.symmetrized`, :mod:`.jump`, :mod:`.arrangement`).  The dispatch happens when numba
types a pass: the passes are closures over a family's kind (:func:`_passes`), so each is
compiled once per family with that family's kernels only.  (With ``kind`` a runtime value,
every pass compiled every family's builder: 34 s for the first build of a 2-layer relu
library in a fresh environment, 17 s now.)
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import types
from numba.core.errors import TypingError
from numba.extending import overload

from ..kinks import grid as gr
from ..kinks import vertex as vx
from ..parallel_blocks import run_blocks
from . import arrangement, data, jump, midpoint, padded, symmetrized

#: each family's numba kernels, by kind
_DECODE = {data.KIND: data.decode, padded.KIND: padded.decode, midpoint.KIND: midpoint.decode,
           midpoint.KIND_PAIRS: midpoint.decode_pairs, symmetrized.KIND: symmetrized.decode,
           arrangement.KIND: arrangement.decode, jump.KIND: jump.decode}
_BUILD = {symmetrized.KIND: symmetrized.build, arrangement.KIND: arrangement.build,
          midpoint.KIND: midpoint.build, midpoint.KIND_PAIRS: midpoint.build}


def decode(kind, L, n, signed, cid, signs, idx):  # pragma: no cover - numba only
    """Weight signs and slot indices of candidate ``cid``; False if the code is no unit.
    In numba, for a literal ``kind`` (the passes are closures over it): the family's own
    decoder, so a pass compiles only its family's kernels."""
    raise TypeError("families.kernels.decode runs inside numba kernels only")


def build(kind, L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp,
          xs):  # pragma: no cover - numba only
    """Vertex form of a continuous unit: (K, buffer); coefficients refer to its slots (the
    family's builder, for a literal ``kind``)."""
    raise TypeError("families.kernels.build runs inside numba kernels only")


@overload(decode)
def _decode_of_kind(kind, L, n, signed, cid, signs, idx):
    if not isinstance(kind, types.IntegerLiteral):
        raise TypingError("decode needs a literal family kind")
    fn = _DECODE[kind.literal_value]
    return lambda kind, L, n, signed, cid, signs, idx: fn(L, n, signed, cid, signs, idx)


@overload(build)
def _build_of_kind(kind, L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs):
    if not isinstance(kind, types.IntegerLiteral):
        raise TypingError("build needs a literal family kind")
    fn = _BUILD.get(kind.literal_value, data.build)
    return (lambda kind, L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs:
            fn(L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp, xs))


@njit(cache=True)
def _scratch(KM, S, NS):
    """Per-thread scratch: slot values, signs, indices, kinks, grid column."""
    return (np.empty(S), np.empty(NS, dtype=np.int64), np.empty(S, dtype=np.int64),
            np.empty(KM), np.empty(KM), np.empty(1, dtype=np.int8),
            np.empty(2 * KM + 4, dtype=np.int64), np.empty(2 * KM + 4))


def _unit_grid(kind, L, n, signs, idx, u, act, eps_val, tol, T, V, P, TC, VC, Q, oseg, tmp,
               xs, kt, ks, jc, rows, vals):  # pragma: no cover - numba only
    """Kink / jump form and grid column of one decoded unit: (v0, c1, kinks, grid nnz)."""
    raise TypeError("families.kernels._unit_grid runs inside numba kernels only")


@njit(cache=True, inline="always")
def _jump_grid(signs, idx, u, act, tol, kt, ks, jc, rows, vals):
    c0, nj = jump.jump_form(signs[0], u[idx[0]], act[2], act[3], kt, ks, jc)
    nnz = gr.jumps_to_grid(c0, nj, kt, ks, jc, u, tol, rows, vals)
    return c0, 0.0, nj, nnz


@overload(_unit_grid)
def _unit_grid_of_kind(kind, L, n, signs, idx, u, act, eps_val, tol, T, V, P, TC, VC, Q, oseg,
                       tmp, xs, kt, ks, jc, rows, vals):
    if not isinstance(kind, types.IntegerLiteral):
        raise TypingError("_unit_grid needs a literal family kind")
    if kind.literal_value == jump.KIND:
        def jump_impl(kind, L, n, signs, idx, u, act, eps_val, tol, T, V, P, TC, VC, Q, oseg,
                      tmp, xs, kt, ks, jc, rows, vals):
            return _jump_grid(signs, idx, u, act, tol, kt, ks, jc, rows, vals)
        return jump_impl

    def vertex_impl(kind, L, n, signs, idx, u, act, eps_val, tol, T, V, P, TC, VC, Q, oseg,
                    tmp, xs, kt, ks, jc, rows, vals):
        K, sl = build(kind, L, signs, idx, u, act[0], act[1], eps_val, T, V, P, TC, VC, Q,
                      oseg, tmp, xs)
        v0, c1, nkk = vx.vertex_to_kinks(K, T[sl], V[sl], P[sl], u[0], kt, ks)
        nnz = gr.kinks_to_grid(v0, c1, nkk, kt, ks, u, tol, rows, vals)
        return v0, c1, nkk, nnz
    return vertex_impl


#: candidate counts from which a pass runs over blocks of candidates on threads
#: (:func:`library_of_mirrors.parallel_blocks.run_blocks`).  Below it the serial kernel runs
#: alone (a 2-layer library of 100 points is 1 ms of work).  Above it, the serial pass costs
#: up to 1.5x the blocks on 2 cores (3-layer abs, N = 1000-2000).  The blocks were ``prange``
#: wrappers, whose compilation (27 s per fresh environment: the serial kernels' callees
#: compiled again inside them) cost more than threads over the serial kernel
PARALLEL_FROM = 1 << 18

#: blocks of a parallel pass (each allocates its own scratch)
_BLOCKS = 64


def _passes(kind: int):
    """The numba passes of family ``kind``: closures over it, so numba types ``kind`` as a
    literal and the overloads of :func:`decode`, :func:`build` and :func:`_unit_grid` resolve
    to that family's kernels (numba's cache keys closures by their cells' values: one cached
    version per family).  ``numba.literally`` on a runtime ``kind`` did the same but cost a
    failed compilation attempt, 9 ms, at every call."""

    @njit(cache=True, nogil=True)
    def hash_range(is_jump, L, n, signed, S, NS, cids, u, act, scale0, tol, KM, lo, hi, h1,
                   h2, nk, valid, orient):
        """Hash the grid columns of candidates ``lo:hi`` (canonical up to sign); count kinks.

        Fills h1, h2, nk, valid (False for codes that are no unit and all-zero columns) and
        the orientation (+-1: the sign that makes the column canonical, see
        :func:`hash_grid`)."""
        eps_val = 1e-11 * scale0
        T, V, P, TC, VC, Q, oseg, tmp = vx.alloc(KM, S)
        xs, signs, idx, kt, ks, jc, rows, vals = _scratch(KM, S, NS)
        for a in range(lo, hi):
            if not decode(kind, L, n, signed, cids[a], signs, idx):
                continue
            _, _, nkk, nnz = _unit_grid(kind, L, n, signs, idx, u, act, eps_val, tol, T, V,
                                        P, TC, VC, Q, oseg, tmp, xs, kt, ks, jc, rows, vals)
            x1, x2, sg = gr.hash_grid(nnz, rows, vals, 1.0 if is_jump else scale0)
            nk[a] = nkk
            if sg == 0:
                continue
            h1[a] = x1
            h2[a] = x2
            valid[a] = True
            orient[a] = sg

    @njit(cache=True, nogil=True)
    def build_range(is_jump, L, n, signed, S, NS, cids, u, act, scale0, tol, KM, lo, hi, kptr,
                    jptr, gptr, v0_out, c1_out, kt_out, ks_out, jt_out, jh_out, jc_out,
                    grow_out, gval_out, signs_out, idx_out, gnnz):
        """Kink forms (origin u[0]), grid columns and unit codes of candidates ``lo:hi``.

        ``kptr``/``jptr`` are filled from the kink / jump counts; ``gptr`` gives each column
        room for 2 * kinks + 4 grid entries (compacted by the caller); ``gnnz`` gets the grid
        nnz."""
        eps_val = 1e-11 * scale0
        T, V, P, TC, VC, Q, oseg, tmp = vx.alloc(KM, S)
        xs, signs, idx, kt, ks, jc, rows, vals = _scratch(KM, S, NS)
        for a in range(lo, hi):
            decode(kind, L, n, signed, cids[a], signs, idx)
            for s in range(NS):
                signs_out[a, s] = signs[s]
            for s in range(S):
                idx_out[a, s] = idx[s]
            v0, c1, nkk, nnz = _unit_grid(kind, L, n, signs, idx, u, act, eps_val, tol, T,
                                          V, P, TC, VC, Q, oseg, tmp, xs, kt, ks, jc, rows,
                                          vals)
            v0_out[a] = v0
            c1_out[a] = c1
            if is_jump:
                for k in range(nkk):
                    jt_out[jptr[a] + k] = kt[k]
                    jh_out[jptr[a] + k] = ks[k]
                    jc_out[jptr[a] + k] = jc[k]
            else:
                for k in range(nkk):
                    kt_out[kptr[a] + k] = kt[k]
                    ks_out[kptr[a] + k] = ks[k]
            for k in range(nnz):
                grow_out[gptr[a] + k] = rows[k]
                gval_out[gptr[a] + k] = vals[k]
            gnnz[a] = nnz

    @njit(cache=True)
    def symbolic(L, signs, idx, u, am, ap, eps_val, KM):
        """Vertex form of one continuous unit with its breakpoints' coefficients over the
        slots: (K, T, TC)."""
        S = idx.shape[0]
        T, V, P, TC, VC, Q, oseg, tmp = vx.alloc(KM, S)
        xs = np.empty(S)
        K, sl = build(kind, L, signs, idx, u, am, ap, eps_val, T, V, P, TC, VC, Q, oseg, tmp,
                      xs)
        return K, T[sl].copy(), TC[sl].copy()

    return hash_range, build_range, symbolic


#: the passes (hash_range, build_range, symbolic) of every family kind
PASSES = {kind: _passes(kind) for kind in _DECODE}


def pass_hash(kind: int, is_jump: bool, L: int, n: int, signed: bool, S: int, NS: int,
              cids: np.ndarray, u: np.ndarray, act: np.ndarray, scale0: float, tol: float,
              KM: int):
    """Hash every candidate's grid column: (h1, h2, nkinks, valid, orientation), see
    ``hash_range`` (:func:`_passes`); in parallel from :data:`PARALLEL_FROM` candidates."""
    hash_range = PASSES[kind][0]
    M = cids.shape[0]
    out = (np.zeros(M, dtype=np.uint64), np.zeros(M, dtype=np.uint64),
           np.zeros(M, dtype=np.int32), np.zeros(M, dtype=np.bool_), np.zeros(M, dtype=np.int8))
    if M < PARALLEL_FROM:
        hash_range(is_jump, L, n, signed, S, NS, cids, u, act, scale0, tol, KM, 0, M, *out)
    else:
        run_blocks(lambda b: hash_range(is_jump, L, n, signed, S, NS, cids, u, act, scale0,
                                        tol, KM, b * M // _BLOCKS, (b + 1) * M // _BLOCKS,
                                        *out), _BLOCKS)
    return out


def pass_build(kind: int, is_jump: bool, L: int, n: int, signed: bool, S: int, NS: int,
               cids: np.ndarray, u: np.ndarray, act: np.ndarray, scale0: float, tol: float,
               KM: int, *outputs: np.ndarray) -> np.ndarray:
    """Kink forms, grid columns and unit codes of the chosen candidates (``outputs``: kptr,
    jptr, gptr and the arrays that ``build_range`` fills, :func:`_passes`); returns the grid
    nnz per column.  In parallel from :data:`PARALLEL_FROM` candidates."""
    build_range = PASSES[kind][1]
    M = cids.shape[0]
    gnnz = np.zeros(M, dtype=np.int64)
    if M < PARALLEL_FROM:
        build_range(is_jump, L, n, signed, S, NS, cids, u, act, scale0, tol, KM, 0, M,
                    *outputs, gnnz)
    else:
        run_blocks(lambda b: build_range(is_jump, L, n, signed, S, NS, cids, u, act, scale0,
                                         tol, KM, b * M // _BLOCKS, (b + 1) * M // _BLOCKS,
                                         *outputs, gnnz), _BLOCKS)
    return gnnz


def symbolic(kind: int, L: int, signs: np.ndarray, idx: np.ndarray, u: np.ndarray, am: float,
             ap: float, eps_val: float, KM: int):
    """Vertex form of one continuous unit of family ``kind`` with its breakpoints'
    coefficients over the slots: (K, T, TC) for provenance (which affine combination of data
    points each breakpoint is)."""
    return PASSES[kind][2](L, signs, idx, u, am, ap, eps_val, KM)
