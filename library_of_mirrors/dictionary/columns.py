"""From unit codes to columns: hashing candidates (to merge equal columns) and building the
:class:`~library_of_mirrors.features.FeatureBatch` of chosen units.

A *family spec* is ``(family, depth, signed)``: a :class:`~library_of_mirrors.families.Family`,
the network depth, and whether weight signs are enumerated.  Both the enumerating builder
(:mod:`.build`) and the implicit libraries (:mod:`.implicit`, which materialize the units their
pricer picks) go through :func:`hash_units` and :func:`build_batch`.
"""

from __future__ import annotations

import numpy as np

from ..activations import Activation
from ..families import Family
from ..families.kernels import pass_build, pass_hash
from ..features import FeatureBatch, csr_positions

FamilySpec = tuple[Family, int, bool]

def internal_origin(u: np.ndarray) -> float:
    """The origin a library computes in (its training points minus it): 0 for data that span
    or lie near 0, else the middle training point.  Kinks (reflections ``2 b - a``, ...), the
    tolerance of merging equal columns and the networks' biases are then formed from numbers
    of the data's spread, not of its offset: at an offset 1e11 times the spread, reflections
    formed from raw points were off by 1e-5 of the spread, near-identical columns were not
    merged and the network drifted from its features by 3e-4."""
    lo, hi = float(u[0]), float(u[-1])
    if abs(lo + hi) <= 2.0 * (hi - lo):
        return 0.0
    return float(u[u.shape[0] // 2])


def grid_scales(u: np.ndarray) -> tuple[float, float]:
    """Data range (value scale of the grid form) and the tolerance for snapping kinks to data:
    relative to the range, and to the magnitude of the points (data far from 0 have coarser
    floating-point spacing)."""
    scale0 = float(u[-1] - u[0])
    return scale0, 1e-12 * scale0 + 64 * np.finfo(float).eps * float(np.max(np.abs(u)))


def _shape(spec: FamilySpec) -> tuple[int, int, int]:
    fam, L, _ = spec
    return fam.n_slots(L), fam.n_signs(L), fam.workspace(L)


def hash_units(spec: FamilySpec, codes: np.ndarray, u: np.ndarray, act: Activation,
               scales: tuple[float, float]):
    """(h1, h2, kinks, valid) of the units ``codes`` of one family: equal columns (up to sign)
    on the training points hash alike; codes that are no unit and all-zero columns are not
    valid."""
    fam, L, signed = spec
    S, NS, KM = _shape(spec)
    return pass_hash(fam.kind, fam.jump, L, u.shape[0], signed, S, NS,
                     np.ascontiguousarray(codes, dtype=np.int64), u, act.params(), scales[0],
                     scales[1], KM)


def build_batch(act: Activation, depth: int, u: np.ndarray, specs: list[FamilySpec],
                picks: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                scales: tuple[float, float], shift: float = 0.0) -> FeatureBatch:
    """Kink forms, grid columns and unit codes for the chosen units: ``picks`` = (family index
    into ``specs``, code, multiplicity, kink count) per column.  ``u`` are the training
    points in the library's own coordinates, ``shift`` its origin (:func:`internal_origin`)."""
    parts = []
    for f, spec in enumerate(specs):
        fam, L, signed = spec
        sel = picks[0] == f
        cids = np.ascontiguousarray(picks[1][sel], dtype=np.int64)
        counts = picks[2][sel]
        nkinks = picks[3][sel].astype(np.int64)
        M = cids.shape[0]
        S, NS, KM = _shape(spec)
        kptr = np.zeros(M + 1, dtype=np.int64)
        jptr = np.zeros(M + 1, dtype=np.int64)
        np.cumsum(nkinks, out=(jptr if fam.jump else kptr)[1:])
        gptr = np.zeros(M + 1, dtype=np.int64)
        np.cumsum(2 * nkinks + 4, out=gptr[1:])
        v0 = np.empty(M)
        c1 = np.empty(M)
        kt = np.empty(kptr[-1])
        ks = np.empty(kptr[-1])
        jt = np.empty(jptr[-1])
        jh = np.empty(jptr[-1])
        jc = np.empty(jptr[-1], dtype=np.int8)
        grow = np.empty(gptr[-1], dtype=np.int64)
        gval = np.empty(gptr[-1])
        signs = np.empty((M, NS), dtype=np.int8)
        slots = np.empty((M, S), dtype=np.int32)
        gnnz = pass_build(fam.kind, fam.jump, L, u.shape[0], signed, S, NS, cids, u,
                          act.params(), scales[0], scales[1], KM, kptr, jptr, gptr, v0, c1, kt,
                          ks, jt, jh, jc, grow, gval, signs, slots)
        keep = csr_positions(gptr[:-1], gnnz)
        gptr2 = np.zeros(M + 1, dtype=np.int64)
        np.cumsum(gnnz, out=gptr2[1:])
        parts.append(dict(kinds=np.full(M, fam.kind, dtype=np.int8), signs=signs, slots=slots,
                          v0=v0, c1=c1, kptr=kptr, kt=kt, ks=ks, jptr=jptr, jt=jt, jh=jh,
                          jc=jc, gptr=gptr2, grow=grow[keep].astype(np.int32),
                          gval=gval[keep], mult=counts.astype(np.int64)))
    batch = concat_parts(act, depth, u, parts, "step" if specs[0][0].jump else "ramp", shift)
    span = max(float(u[-1] - u[0]), 1.0)
    big = max([float(np.abs(a).max()) * f for a, f in ((batch.v0, 1.0), (batch.c1, span),
                                                        (batch.kink_s, span),
                                                        (batch.grid_val, span)) if a.size]
              + [0.0])
    if not all(np.all(np.isfinite(a)) for a in (batch.v0, batch.c1, batch.kink_s,
                                                 batch.kink_t, batch.grid_val)) or big > 1e150:
        raise ValueError(
            f"the {act.name} features overflow at these inputs (values beyond 1e150, whose "
            f"products are not finite; slopes {act.a_minus:g}, {act.a_plus:g}, inputs up to "
            f"{float(np.abs(u + shift).max()):g}): rescale x or choose smaller activation slopes")
    return batch


def concat_parts(act: Activation, depth: int, u: np.ndarray, parts: list[dict],
                 basis: str, shift: float = 0.0) -> FeatureBatch:
    """One batch from the per-family arrays (signs padded with 0, slots with -1)."""
    ns = max(p["signs"].shape[1] for p in parts)
    sl = max(p["slots"].shape[1] for p in parts)

    def pad(a, width, fill):
        out = np.full((a.shape[0], width), fill, dtype=a.dtype)
        out[:, : a.shape[1]] = a
        return out

    def cat_ptr(key):
        out = [np.zeros(1, dtype=np.int64)]
        off = 0
        for q in (p[key] for p in parts):
            out.append(q[1:] + off)
            off += q[-1]
        return np.concatenate(out)

    def cat(key):
        return np.concatenate([p[key] for p in parts])

    return FeatureBatch(
        activation=act, depth=depth, x_unique=u, kinds=cat("kinds"),
        signs=np.concatenate([pad(p["signs"], ns, 0) for p in parts]),
        slots=np.concatenate([pad(p["slots"], sl, -1) for p in parts]),
        v0=cat("v0"), c1=cat("c1"), kink_ptr=cat_ptr("kptr"), kink_t=cat("kt"),
        kink_s=cat("ks"), jump_ptr=cat_ptr("jptr"), jump_t=cat("jt"), jump_h=cat("jh"),
        jump_closed=cat("jc"), grid_ptr=cat_ptr("gptr"), grid_row=cat("grow"),
        grid_val=cat("gval"), basis=basis, multiplicity=cat("mult"), shift=float(shift),
    )


__all__ = ["FamilySpec", "build_batch", "concat_parts", "grid_scales", "hash_units",
           "internal_origin"]
