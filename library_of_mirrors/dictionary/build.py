"""``build_dictionary``: the library of an architecture on training inputs, enumerated in full,
sampled (section 4), or held implicitly when it is too large to list.

Candidate counts are exact Python integers (``n ** (L - 1)`` overflows int64 from n = 128 at
depth 10); a library is enumerated only below ``max_candidates``, and unit codes must fit the
int64 code space (:data:`~library_of_mirrors.families.MAX_CODE`), else a ValueError says what
to do instead.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..architectures import Architecture, lookup
from ..families import MAX_CODE
from ..validation import real_array
from .columns import FamilySpec, build_batch, grid_scales, hash_units, internal_origin
from .explicit import Dictionary
from .implicit import ImplicitDictionary

#: most candidate codes drawn at once by the sampler (its memory is a few arrays of this size)
SAMPLE_BATCH = 1 << 20
#: full enumerations with more candidate units than this raise; pass ``n_features`` to sample
MAX_CANDIDATES = 200_000_000
_CHUNK = 1 << 21


def as_1d_data(x) -> np.ndarray:
    """Training inputs as a finite float vector with at least 2 distinct values."""
    arr = real_array(x, "x")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"x must be 1-D data of shape (n,) or (n, 1); got shape {arr.shape} "
            "(more than one input column is not supported)"
        )
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"x contains {bad} NaN or infinite value(s)")
    if np.unique(arr).shape[0] < 2:
        raise ValueError(
            f"x needs at least 2 distinct points to build a dictionary; got "
            f"{np.unique(arr).shape[0]} distinct value(s) among {arr.shape[0]} samples"
        )
    return np.ascontiguousarray(arr)


def family_specs(spec: Architecture) -> list[FamilySpec]:
    return [(fam, spec.depth, signed) for fam, signed in spec.families]


def candidate_counts(spec: Architecture, n: int) -> list[int]:
    """Exact number of candidate codes of each family of ``spec`` on ``n`` distinct points."""
    return [fam.count(L, n, signed) for fam, L, signed in family_specs(spec)]


def _over_budget(spec: Architecture, n: int, n_samples: int) -> bool:
    """Would the explicit library (and its solve) exceed the memory budget in force?"""
    from .budget import estimate_library, memory_budget  # noqa: PLC0415

    est = estimate_library(n, spec.activation, spec.depth, spec.name, n_samples=n_samples,
                           midpoints=spec.midpoints)
    return est.peak_bytes > memory_budget()


def _reduce(h1, h2, nk, fam, cid, cnt):
    """Group equal columns: keep the fewest-kink, then first-enumerated unit of each group."""
    order = np.lexsort((cid, fam, nk, h2, h1))
    h1, h2, nk, fam, cid, cnt = (a[order] for a in (h1, h2, nk, fam, cid, cnt))
    if h1.size == 0:
        return h1, h2, nk, fam, cid, cnt
    start = np.ones(h1.shape[0], dtype=bool)
    start[1:] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    first = np.flatnonzero(start)
    total = np.add.reduceat(cnt, first)
    return h1[first], h2[first], nk[first], fam[first], cid[first], total


def _enumerate(specs, sizes, u, act, scales, progress):
    acc = []
    for f, spec in enumerate(specs):
        for lo in range(0, sizes[f], _CHUNK):
            cids = np.arange(lo, min(sizes[f], lo + _CHUNK), dtype=np.int64)
            h1, h2, nk, valid, _ = hash_units(spec, cids, u, act, scales)
            m = valid
            acc.append(_reduce(h1[m], h2[m], nk[m], np.full(int(m.sum()), f, dtype=np.int64),
                               cids[m], np.ones(int(m.sum()), dtype=np.int64)))
            if progress is not None:
                progress.update(cids.shape[0])
    # one chunk is reduced already; several may share columns across chunks
    merged = acc[0] if len(acc) == 1 else \
        _reduce(*(np.concatenate([a[i] for a in acc]) for i in range(6)))
    _, _, nk, fam, cid, cnt = merged
    order = np.lexsort((cid, fam))
    return fam[order], cid[order], cnt[order], nk[order]


def _sample(specs, sizes, u, act, scales, n_features, rng, progress):
    """Draw units uniformly from the candidate space until n_features distinct columns."""
    total = int(sum(sizes))
    offsets = np.concatenate([[0], np.cumsum(np.array(sizes, dtype=np.int64))])
    seen: dict[tuple[int, int], int] = {}
    reps: list[tuple[int, int, int]] = []  # (family, cid, nkinks) in draw order
    counts: list[int] = []
    drawn = 0
    budget = 50 * n_features + 1000
    while len(reps) < n_features and drawn < budget:
        batch = min(max(2 * (n_features - len(reps)), 64), SAMPLE_BATCH)
        g = rng.integers(0, total, size=batch, dtype=np.int64)
        drawn += batch
        fam_of = np.searchsorted(offsets, g, side="right") - 1
        for f in range(len(specs)):
            sel = np.flatnonzero(fam_of == f)
            if sel.size == 0:
                continue
            cids = (g[sel] - offsets[f]).astype(np.int64)
            h1, h2, nk, valid, _ = hash_units(specs[f], cids, u, act, scales)
            for a in np.flatnonzero(valid):
                key = (int(h1[a]), int(h2[a]))
                pos = seen.get(key)
                if pos is None:
                    if len(reps) >= n_features:
                        continue
                    seen[key] = len(reps)
                    reps.append((f, int(cids[a]), int(nk[a])))
                    counts.append(1)
                    if progress is not None:
                        progress.update(1)
                else:
                    counts[pos] += 1
    if len(reps) < n_features:
        warnings.warn(
            f"sampling found only {len(reps)} distinct nonzero features after {drawn} draws "
            f"(asked for n_features={n_features}); the library may be smaller than that",
            RuntimeWarning, stacklevel=3,
        )
    arr = np.array(reps, dtype=np.int64).reshape(-1, 3)
    return arr[:, 0], arr[:, 1], np.array(counts, dtype=np.int64), arr[:, 2]


def build_dictionary(
    x,
    activation: str = "relu",
    depth: int = 2,
    architecture: str = "deep_narrow",
    leaky_slope: float | None = None,
    n_features: int | None = None,
    random_state=None,
    *,
    midpoints: str = "anchor",
    max_candidates: int | None = None,
    progress: bool = False,
    implicit: bool | str = False,
):
    """Build the Lasso dictionary of Table 3.1 for 1-D training inputs ``x``.

    Parameters
    ----------
    x : array of shape (n,) or (n, 1)
        Training inputs; duplicates allowed (the library is built on the distinct values).
    activation : "relu", "leaky_relu", "abs", "sign" or "threshold".
    depth : network depth L >= 2.
    architecture : "deep_narrow" (covers depth 2) or "symmetrized" (depth 3).
    leaky_slope : the negative slope a- of "leaky_relu" (any value but 1).
    n_features : if given, sample this many distinct features with the sequential procedure of
        section 4 (anchors, signs drawn uniformly), reproducible through ``random_state``.
    midpoints : first-layer midpoint biases of 3-layer non-monotone networks: "anchor" (paired
        with the second-layer anchor, Lemma D.11, O(N^2); default), "all" (Definition 3.9
        literally, O(N^3)) or "none".
    max_candidates : refuse full enumerations with more candidate units (default
        :data:`MAX_CANDIDATES`).
    progress : show a tqdm progress bar on stderr.
    implicit : True returns an :class:`~.implicit.ImplicitDictionary`: the full library, never
        enumerated, priced by structure inside ``solve_lasso`` (3-layer and deeper deep narrow
        relu, 3-layer symmetrized relu / leaky relu), or, for depth >= 4 abs and leaky relu
        with a negative slope, the whole unit space priced exactly at the vertices of its bias
        arrangement (O(N^(L-1)) per round; the certificate then covers the training problem
        (1.1), erratum E12); "auto" does so when the architecture has a structured pricer
        (not the exact one) and the full enumeration would exceed ``max_candidates`` or its
        estimated memory the budget in force (:mod:`.budget`: by default half of the
        available memory).

    Columns equal up to sign on the training points are merged (one representative unit kept,
    the fewest-kink one; ``d.multiplicity`` records how many units it stands for); all-zero
    columns are dropped.
    """
    xa = as_1d_data(x)
    spec = lookup(activation, depth, architecture, leaky_slope, midpoints)
    if n_features is not None:
        if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)):
            raise TypeError(f"n_features must be a positive integer or None, got {n_features!r}")
        if n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {n_features}")
    if implicit not in (True, False, "auto"):
        raise ValueError(f"implicit must be True, False or 'auto', got {implicit!r}")
    u, inverse, counts = np.unique(xa, return_inverse=True, return_counts=True)
    inverse = inverse.astype(np.int64)
    n = u.shape[0]
    sizes = candidate_counts(spec, n)
    total = sum(sizes)
    limit = MAX_CANDIDATES if max_candidates is None else int(max_candidates)
    if implicit is not False:
        if implicit is True and n_features is not None:
            raise ValueError("implicit=True prices the full library; it cannot be combined "
                             "with n_features (sampling)")
        if implicit is True or (n_features is None and spec.auto_implicit
                                and (total > limit or _over_budget(spec, n, xa.shape[0]))):
            return ImplicitDictionary(xa, u, inverse, counts, spec)
    what = f"the full {spec.describe()} library"
    asked = None
    if n_features is not None and n_features >= total and total <= limit:
        # sampling cannot find more distinct columns than there are candidates: the answer is
        # the whole library (drawing 50 n_features codes from 32 candidates took minutes)
        asked, n_features = n_features, None
    if n_features is not None and n_features > limit:
        raise ValueError(f"n_features={n_features} exceeds the {limit:.3g} features a listed "
                         "library may hold (max_candidates); sample fewer features")
    if n_features is None and total > limit:
        hint = ("implicit=True to solve over the full library without listing it, "
                if spec.auto_implicit else "")
        raise ValueError(
            f"{what} has {float(total):.3g} candidate units for {n} distinct points (limit "
            f"{limit:.3g}); pass {hint}n_features=... to sample a library, or raise "
            "max_candidates")
    if total >= MAX_CODE:
        raise ValueError(
            f"{what} has {float(total):.3g} candidate units for {n} distinct points, more than "
            f"the 2^62 unit codes a library can index; use a smaller depth or fewer points")
    specs = family_specs(spec)
    shift = internal_origin(u)
    ui = u - shift if shift else u  # the library's own coordinates
    scales = grid_scales(ui)
    bar = None
    if progress:
        from tqdm.auto import tqdm  # noqa: PLC0415

        bar = tqdm(total=n_features if n_features is not None else total,
                   desc="building dictionary", unit="feat" if n_features else "unit",
                   delay=1.0)
    try:
        if n_features is None:
            fam, cid, cnt, nk = _enumerate(specs, sizes, ui, spec.activation, scales, bar)
        else:
            rng = np.random.default_rng(random_state)
            fam, cid, cnt, nk = _sample(specs, sizes, ui, spec.activation, scales,
                                        int(n_features), rng, bar)
    finally:
        if bar is not None:
            bar.close()
    batch = build_batch(spec.activation, spec.depth, ui, specs, (fam, cid, cnt, nk), scales,
                        shift)
    if asked is not None and batch.n_features < asked:
        warnings.warn(f"sampling found only {batch.n_features} distinct nonzero features "
                      f"(asked for n_features={asked}): {what} has {total} candidate units on "
                      f"{n} distinct points, so it was built whole", RuntimeWarning,
                      stacklevel=2)
    return Dictionary(xa, u, inverse, counts, spec, batch, sampled=n_features is not None)


def from_units(x, spec: Architecture, kinds, codes) -> Dictionary:
    """The dictionary of the given units (family kinds and codes, in that order; no merging) on
    training inputs ``x``: a saved model's columns, without rebuilding the library."""
    xa = as_1d_data(x)
    u, inverse, counts = np.unique(xa, return_inverse=True, return_counts=True)
    kinds = np.asarray(kinds, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    specs = family_specs(spec) + [(fam, spec.depth, signed) for fam, signed in spec.priced]
    which = {fam.kind: i for i, (fam, _, _) in enumerate(specs)}
    if not set(kinds.tolist()) <= set(which):
        raise ValueError(f"unit kinds {sorted(set(kinds.tolist()))} are not families of the "
                         f"{spec.describe()} library")
    fam_idx = np.array([which[int(k)] for k in kinds], dtype=np.int64)
    shift = internal_origin(u)
    ui = u - shift if shift else u
    scales = grid_scales(ui)
    nk = np.zeros(codes.shape[0], dtype=np.int64)
    for f, fs in enumerate(specs):
        sel = fam_idx == f
        if np.any(sel):
            fam, L, signed = fs
            count = fam.count(L, u.shape[0], signed)
            if codes.shape[0] and (codes[sel].min() < 0 or codes[sel].max() >= count):
                raise ValueError(f"a saved unit code is out of range: the {fam.label} family "
                                 f"has {count} units on {u.shape[0]} distinct points, codes "
                                 f"{int(codes[sel].min())} to {int(codes[sel].max())} given")
            _, _, k, valid, _ = hash_units(fs, codes[sel], ui, spec.activation, scales)
            if not np.all(valid):
                raise ValueError("a saved unit code is not a unit of this library")
            nk[sel] = k
    # build_batch groups columns by family: keep the given order afterwards
    order = np.argsort(fam_idx, kind="stable")
    batch = build_batch(spec.activation, spec.depth, ui, specs,
                        (fam_idx[order], codes[order], np.ones(codes.shape[0], np.int64),
                         nk[order]), scales, shift)
    back = np.empty_like(order)
    back[order] = np.arange(order.shape[0])
    return Dictionary(xa, u, inverse.astype(np.int64), counts, spec, batch.subset(back))


__all__ = ["MAX_CANDIDATES", "as_1d_data", "build_dictionary", "candidate_counts",
           "family_specs", "from_units"]
