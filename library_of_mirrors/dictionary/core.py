"""``build_dictionary`` and the :class:`Dictionary` it returns."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .._kinkform import JUMP, workspace_size
from ..activations import Activation, get_activation
from ..features import Feature, FeatureBatch, csr_positions
from . import _kernels as kn
from . import deep_narrow, symmetrized, two_layer

ARCHITECTURES = ("deep_narrow", "symmetrized")
SUPPORTED = (
    "depth 2, deep_narrow: relu, leaky_relu, abs, sign, threshold",
    "depth >= 3, deep_narrow: relu, leaky_relu, abs",
    "depth 3, symmetrized: relu, leaky_relu with leaky_slope >= 0 (monotone)",
)
#: one representative (activation, depth, architecture, leaky_slope) per row of Table 3.1, for
#: scripts that sweep every architecture
TABLE_3_1 = (
    ("relu", 2, "deep_narrow", None),
    ("leaky_relu", 2, "deep_narrow", 0.1),
    ("abs", 2, "deep_narrow", None),
    ("sign", 2, "deep_narrow", None),
    ("threshold", 2, "deep_narrow", None),
    ("relu", 3, "deep_narrow", None),
    ("leaky_relu", 3, "deep_narrow", -0.5),
    ("abs", 3, "deep_narrow", None),
    ("relu", 4, "deep_narrow", None),
    ("abs", 4, "deep_narrow", None),
    ("relu", 3, "symmetrized", None),
)
#: dense matrices larger than this many bytes raise (``Dictionary.matrix(max_bytes=...)``)
DENSE_MAX_BYTES = 2 * 1024**3
#: full enumerations with more candidate units than this raise; pass ``n_features`` to sample
MAX_CANDIDATES = 200_000_000
_CHUNK = 1 << 21


# ----------------------------------------------------------------------------------------------
# input validation


def _as_1d_data(x) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("x must be numeric 1-D data (an array of real numbers)") from None
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


def _check_combination(act: Activation, depth, architecture) -> tuple[int, str]:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)):
        raise TypeError(f"depth must be an integer >= 2, got {depth!r}")
    depth = int(depth)
    if not isinstance(architecture, str):
        raise TypeError(f"architecture must be a string, got {type(architecture).__name__}")
    arch = architecture.lower().replace("-", "_")
    supported = "; ".join(SUPPORTED)
    if arch not in ARCHITECTURES:
        raise ValueError(
            f"unknown architecture {architecture!r}; supported combinations: {supported}"
        )
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (a network has at least one hidden layer), "
                         f"got {depth}")
    ok = (
        (arch == "deep_narrow" and depth == 2)
        or (arch == "deep_narrow" and depth >= 3 and act.continuous)
        or (arch == "symmetrized" and depth == 3 and act.continuous and act.monotone)
    )
    if not ok:
        raise ValueError(
            f"unsupported combination activation={act.name!r}, depth={depth}, "
            f"architecture={arch!r} (outside Table 3.1); supported combinations: {supported}"
        )
    return depth, arch


def _families(act: Activation, depth: int, arch: str, midpoints: str):
    if arch == "symmetrized":
        return symmetrized.families(act)
    if depth == 2:
        return two_layer.families(act)
    return deep_narrow.families(act, depth, midpoints)


# ----------------------------------------------------------------------------------------------
# the dictionary


class FeatureList(Sequence):
    """``d.features``: a read-only sequence of :class:`Feature` views."""

    def __init__(self, batch: FeatureBatch):
        self._batch = batch

    def __len__(self) -> int:
        return self._batch.n_features

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [Feature(self._batch, i) for i in range(*j.indices(len(self)))]
        j = int(j)
        if j < 0:
            j += len(self)
        if not 0 <= j < len(self):
            raise IndexError(f"feature index {j} out of range for {len(self)} features")
        return Feature(self._batch, j)

    def __iter__(self) -> Iterator[Feature]:
        return (Feature(self._batch, i) for i in range(len(self)))


@dataclass
class Dictionary:
    """The Lasso dictionary of an architecture on training inputs ``x``.

    Column j of :meth:`matrix` is feature j evaluated at the samples (rows in the order of ``x``
    as given, duplicates included).  The dictionary itself is built on the distinct values
    ``x_unique``; ``inverse`` maps each sample to its distinct value, ``counts`` says how many
    samples share each distinct value.
    """

    x: np.ndarray
    x_unique: np.ndarray
    inverse: np.ndarray
    counts: np.ndarray
    activation: Activation
    depth: int
    architecture: str
    midpoints: str
    batch: FeatureBatch
    sampled: bool = False

    # sizes and scalings ---------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        return self.batch.n_features

    @property
    def features(self) -> FeatureList:
        return FeatureList(self.batch)

    @property
    def multiplicity(self) -> np.ndarray:
        """Number of enumerated units merged into each column (equal up to sign on the data)."""
        return self.batch.multiplicity

    @property
    def beta_scale(self) -> float:
        """beta~ / beta in the Lasso (1.2): 2 for the 3-layer symmetrized network, else 1.

        The paper states beta/2 (section 3); the numbers say 2 beta for these columns (units
        with weights +-1): erratum E6 in docs/errata.md."""
        return 2.0 if self.architecture == "symmetrized" else 1.0

    @property
    def effective_depth(self) -> int:
        """L~ of (1.1): the depth, or 2 for sign / threshold networks."""
        return 2 if self.activation.sign_determined else self.depth

    @property
    def family_counts(self) -> dict[str, int]:
        names = {kn.DN: "data", kn.DN_PAD: "data", kn.MID: "midpoint", kn.MID_ALL: "midpoint",
                 kn.SYM: "symmetrized", kn.JUMP: "data"}
        out: dict[str, int] = {}
        for k in self.batch.kinds:
            out[names[int(k)]] = out.get(names[int(k)], 0) + 1
        return out

    # the two backends ------------------------------------------------------------------------
    def matrix(self, max_bytes: int | None = None) -> np.ndarray:
        """Dense matrix A (n_samples x n_features), from the kink forms.

        Raises ``MemoryError`` above ``max_bytes`` (default :data:`DENSE_MAX_BYTES`); use the
        matrix-free :meth:`matvec` / :meth:`rmatvec` instead.
        """
        budget = DENSE_MAX_BYTES if max_bytes is None else int(max_bytes)
        need = 8 * self.n_samples * self.n_features
        if need > budget:
            raise MemoryError(
                f"the dense dictionary would need {need / 1024**3:.2f} GiB "
                f"({self.n_samples} x {self.n_features} float64), above the budget of "
                f"{budget / 1024**3:.2f} GiB; use the matrix-free products d.matvec / d.rmatvec "
                "(or pass max_bytes=... to raise the budget)"
            )
        return self.batch.evaluate(self.x_unique)[self.inverse]

    def evaluate(self, x_new) -> np.ndarray:
        """Every feature at new points: shape (len(x_new), n_features)."""
        xn = np.asarray(x_new, dtype=float)
        if xn.ndim == 2 and xn.shape[1] == 1:
            xn = xn[:, 0]
        if xn.ndim != 1:
            raise ValueError(f"x_new must have shape (m,) or (m, 1), got {xn.shape}")
        need = 8 * xn.shape[0] * self.n_features
        if need > DENSE_MAX_BYTES:
            raise MemoryError(
                f"evaluating {self.n_features} features at {xn.shape[0]} points needs "
                f"{need / 1024**3:.2f} GiB; evaluate fewer points or use d.features[j](x)"
            )
        return self.batch.evaluate(xn)

    def matvec(self, z) -> np.ndarray:
        """A z without forming A: O(N + nnz) with prefix sums over the sorted data."""
        z = np.asarray(z, dtype=float)
        if z.shape != (self.n_features,):
            raise ValueError(f"z must have shape ({self.n_features},), got {z.shape}")
        return self.batch.grid_matvec(z)[self.inverse]

    def rmatvec(self, r) -> np.ndarray:
        """A^T r without forming A: O(N + nnz)."""
        r = np.asarray(r, dtype=float)
        if r.shape != (self.n_samples,):
            raise ValueError(f"r must have shape ({self.n_samples},), got {r.shape}")
        q = np.bincount(self.inverse, weights=r, minlength=self.x_unique.shape[0])
        return self.batch.grid_rmatvec(q)

    def unit_feature(self, anchors, signs=None, midpoint_pair=None) -> Feature:
        """The feature of one unit of this architecture, given by its data points.

        Deep narrow: ``anchors`` = (x_j1, ..., x_j(L-1)), the points whose data feature biases
        vanish each layer's pre-activation; with ``midpoint_pair=(x_a, x_b)`` (3 layers) the
        first-layer kink is their normalized midpoint and ``anchors = (x_j2,)``.  Symmetrized:
        ``anchors = (x_j1, x_j2, x_j3)``, ``signs = (w11, w12, w21, w22)``.  ``signs`` default to
        +1.  The unit need not be the representative kept in the library (e.g. Figure 3.1).
        """
        u = self.x_unique
        n = u.shape[0]

        def index_of(v):
            i = int(np.searchsorted(u, v))
            if i >= n or abs(u[i] - v) > 1e-12 * max(1.0, abs(v)):
                raise ValueError(f"{v!r} is not a training point of this dictionary")
            return i

        act, L = self.activation, self.depth
        idx = [index_of(v) for v in anchors]
        if self.architecture == "symmetrized":
            kind, nsig, need = kn.SYM, 4, 3
        elif act.sign_determined:
            kind, nsig, need = kn.JUMP, 1, 1
        elif midpoint_pair is not None:
            if L < 3:
                raise ValueError("midpoint feature biases need at least 3 layers")
            kind, nsig, need = kn.MID_ALL, 2, 1
            a, b = sorted(index_of(v) for v in midpoint_pair)
            if a == b:
                raise ValueError("midpoint_pair needs two distinct training points")
            idx = [a, b] + idx
        else:
            kind, nsig, need = kn.DN, L - 1, L - 1
        if len(anchors) != need:
            raise ValueError(f"expected {need} anchor point(s), got {len(anchors)}")
        sg = [1] * nsig if signs is None else [int(np.sign(v)) for v in signs]
        if len(sg) != nsig or 0 in sg:
            raise ValueError(f"expected {nsig} signs in {{+1, -1}}, got {signs!r}")
        if kind == kn.SYM:
            k1, k2 = (idx[0], sg[0], sg[2]), (idx[1], sg[1], sg[3])
            if (k1[0] * 4 + (k1[1] < 0) * 2 + (k1[2] < 0)) > (k2[0] * 4 + (k2[1] < 0) * 2
                                                              + (k2[2] < 0)):
                idx[0], idx[1] = idx[1], idx[0]
                sg = [sg[1], sg[0], sg[3], sg[2]]
        radix = [n] * len(idx)
        cid = 0
        mult = 1
        for i, r in zip(idx, radix):
            cid += i * mult
            mult *= r
        if kind == kn.JUMP:
            cid = idx[0] + n * (sg[0] < 0)
            signed = True
        else:
            signed = not (act.even and kind != kn.SYM)
            if signed:
                cid += mult * sum((s < 0) << a for a, s in enumerate(sg))
        fam = (kind, 3 if kind == kn.SYM else L, signed)
        scale0, tol = _grid_scales(u)
        cids = np.array([cid], dtype=np.int64)
        _, _, nk, _ = _hash_candidates(fam, cids, u, act, scale0, tol)
        one = np.ones(1, dtype=np.int64)
        batch = _build_batch(act, fam[1], u, [fam], (np.zeros(1, np.int64), cids, one, nk),
                             scale0, tol)
        return Feature(batch, 0)

    def subset(self, index) -> Dictionary:
        """The dictionary restricted to the columns ``index``."""
        return Dictionary(self.x, self.x_unique, self.inverse, self.counts, self.activation,
                          self.depth, self.architecture, self.midpoints,
                          self.batch.subset(np.asarray(index)), self.sampled)

    def __repr__(self) -> str:
        fam = ", ".join(f"{k}: {v}" for k, v in self.family_counts.items())
        return (f"Dictionary(activation={self.activation.name!r}, depth={self.depth}, "
                f"architecture={self.architecture!r}, n_samples={self.n_samples}, "
                f"n_features={self.n_features} [{fam}])")


# ----------------------------------------------------------------------------------------------
# building


def _grid_scales(u: np.ndarray) -> tuple[float, float]:
    """Data range (value scale of the grid form) and the tolerance for snapping kinks to data."""
    scale0 = float(u[-1] - u[0])
    return scale0, 1e-12 * scale0 + 64 * np.finfo(float).eps * float(np.max(np.abs(u)))


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


def _hash_candidates(fam, cids, u, act, scale0, tol):
    kind, L, signed = fam
    KM = workspace_size(kind, L)
    s0 = 1.0 if kind == JUMP else scale0
    return kn.pass_hash(kind, L, u.shape[0], signed, cids, u, act.params(), s0, tol, KM)


def _build_batch(act, depth, u, fams, picks, scale0, tol) -> FeatureBatch:
    """Kink forms, grid columns and unit codes for the chosen (family, candidate, count)."""
    parts = []
    for f, (kind, L, signed) in enumerate(fams):
        sel = picks[0] == f
        cids = np.ascontiguousarray(picks[1][sel], dtype=np.int64)
        counts = picks[2][sel]
        nkinks = picks[3][sel].astype(np.int64)
        M = cids.shape[0]
        KM = workspace_size(kind, L)
        jumpy = kind == JUMP
        kptr = np.zeros(M + 1, dtype=np.int64)
        jptr = np.zeros(M + 1, dtype=np.int64)
        if jumpy:
            np.cumsum(nkinks, out=jptr[1:])
        else:
            np.cumsum(nkinks, out=kptr[1:])
        room = 2 * nkinks + 4
        gptr = np.zeros(M + 1, dtype=np.int64)
        np.cumsum(room, out=gptr[1:])
        NS = kn.n_signs(kind, L)
        S = kn.n_slots(kind, L)
        c0 = np.empty(M)
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
        s0 = 1.0 if jumpy else scale0
        gnnz = kn.pass_build(kind, L, u.shape[0], signed, cids, u, act.params(), s0, tol, KM,
                             kptr, jptr, gptr, c0, c1, kt, ks, jt, jh, jc, grow, gval,
                             signs, slots)
        keep = csr_positions(gptr[:-1], gnnz)
        gptr2 = np.zeros(M + 1, dtype=np.int64)
        np.cumsum(gnnz, out=gptr2[1:])
        parts.append(dict(kinds=np.full(M, kind, dtype=np.int8), signs=signs, slots=slots,
                          c0=c0, c1=c1, kptr=kptr, kt=kt, ks=ks, jptr=jptr, jt=jt, jh=jh,
                          jc=jc, gptr=gptr2, grow=grow[keep].astype(np.int32),
                          gval=gval[keep], mult=counts.astype(np.int64)))
    return _concat(act, depth, u, parts, "step" if fams[0][0] == JUMP else "ramp")


def _concat(act, depth, u, parts, basis) -> FeatureBatch:
    ns = max(p["signs"].shape[1] for p in parts)
    sl = max(p["slots"].shape[1] for p in parts)

    def pad(a, width, fill):
        out = np.full((a.shape[0], width), fill, dtype=a.dtype)
        out[:, : a.shape[1]] = a
        return out

    def cat_ptr(key):
        ptrs = [p[key] for p in parts]
        out = [np.zeros(1, dtype=np.int64)]
        off = 0
        for q in ptrs:
            out.append(q[1:] + off)
            off += q[-1]
        return np.concatenate(out)

    cat = lambda key: np.concatenate([p[key] for p in parts])  # noqa: E731
    return FeatureBatch(
        activation=act, depth=depth, x_unique=u, kinds=cat("kinds"),
        signs=np.concatenate([pad(p["signs"], ns, 0) for p in parts]),
        slots=np.concatenate([pad(p["slots"], sl, -1) for p in parts]),
        c0=cat("c0"), c1=cat("c1"), kink_ptr=cat_ptr("kptr"), kink_t=cat("kt"),
        kink_s=cat("ks"), jump_ptr=cat_ptr("jptr"), jump_t=cat("jt"), jump_h=cat("jh"),
        jump_closed=cat("jc"), grid_ptr=cat_ptr("gptr"), grid_row=cat("grow"),
        grid_val=cat("gval"), basis=basis, multiplicity=cat("mult"),
    )


def _enumerate(fams, sizes, u, act, scale0, tol, progress):
    acc = []
    for f, fam in enumerate(fams):
        for lo in range(0, sizes[f], _CHUNK):
            cids = np.arange(lo, min(sizes[f], lo + _CHUNK), dtype=np.int64)
            h1, h2, nk, valid = _hash_candidates(fam, cids, u, act, scale0, tol)
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


def _sample(fams, sizes, u, act, scale0, tol, n_features, rng, progress):
    """Draw units uniformly from the candidate space until n_features distinct columns."""
    total = int(sum(sizes))
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    seen: dict[tuple[int, int], int] = {}
    reps: list[tuple[int, int, int]] = []  # (family, cid, nkinks) in draw order
    counts: list[int] = []
    drawn = 0
    budget = 50 * n_features + 1000
    while len(reps) < n_features and drawn < budget:
        batch = max(2 * (n_features - len(reps)), 64)
        g = rng.integers(0, total, size=batch)
        drawn += batch
        fam_of = np.searchsorted(offsets, g, side="right") - 1
        for f in range(len(fams)):
            sel = np.flatnonzero(fam_of == f)
            if sel.size == 0:
                continue
            cids = (g[sel] - offsets[f]).astype(np.int64)
            h1, h2, nk, valid = _hash_candidates(fams[f], cids, u, act, scale0, tol)
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
        relu, 3-layer symmetrized relu / leaky relu); "auto" does so when the full enumeration
        would exceed ``max_candidates`` and the architecture has a structured pricer.

    Columns equal up to sign on the training points are merged (one representative unit kept,
    the fewest-kink one; ``d.multiplicity`` records how many units it stands for); all-zero
    columns are dropped.
    """
    xa = _as_1d_data(x)
    act = get_activation(activation, leaky_slope)
    depth, arch = _check_combination(act, depth, architecture)
    if midpoints not in deep_narrow.MIDPOINT_OPTIONS:
        raise ValueError(f"midpoints must be one of {deep_narrow.MIDPOINT_OPTIONS}, "
                         f"got {midpoints!r}")
    if n_features is not None:
        if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)):
            raise TypeError(f"n_features must be a positive integer or None, got {n_features!r}")
        if n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {n_features}")
    if implicit not in (True, False, "auto"):
        raise ValueError(f"implicit must be True, False or 'auto', got {implicit!r}")
    u, inverse, counts = np.unique(xa, return_inverse=True, return_counts=True)
    n = u.shape[0]
    scale0, tol = _grid_scales(u)
    fams = _families(act, depth, arch, midpoints)
    sizes = [int(kn.family_size(k, L, n, s)) if math.log(max(n, 2)) * L < 60 else 2**62
             for k, L, s in fams]
    total = sum(sizes)
    limit = MAX_CANDIDATES if max_candidates is None else int(max_candidates)
    if implicit is not False:
        from .implicit import ImplicitDictionary, implicit_supported  # noqa: PLC0415

        if implicit is True and n_features is not None:
            raise ValueError("implicit=True prices the full library; it cannot be combined "
                             "with n_features (sampling)")
        if implicit is True or (n_features is None and total > limit
                                and implicit_supported(act, depth, arch)):
            return ImplicitDictionary(xa, u, inverse.astype(np.int64), counts, act, depth, arch)
    bar = None
    if progress:
        from tqdm.auto import tqdm  # noqa: PLC0415

        bar = tqdm(total=n_features if n_features is not None else total,
                   desc="building dictionary", unit="feat" if n_features else "unit")
    try:
        if n_features is None:
            if total > limit:
                from .implicit import implicit_supported  # noqa: PLC0415

                hint = ("implicit=True to solve over the full library without listing it, "
                        if implicit_supported(act, depth, arch) else "")
                raise ValueError(
                    f"the full {arch} depth-{depth} {act.name} library has {total:.3g} candidate "
                    f"units for {n} distinct points (limit {limit:.3g}); pass {hint}"
                    "n_features=... to sample a library, or raise max_candidates"
                )
            fam, cid, cnt, nk = _enumerate(fams, sizes, u, act, scale0, tol, bar)
        else:
            rng = np.random.default_rng(random_state)
            fam, cid, cnt, nk = _sample(fams, sizes, u, act, scale0, tol, int(n_features), rng,
                                        bar)
    finally:
        if bar is not None:
            bar.close()
    batch = _build_batch(act, depth, u, fams, (fam, cid, cnt, nk), scale0, tol)
    return Dictionary(xa, u, inverse.astype(np.int64), counts, act, depth, arch, midpoints,
                      batch, sampled=n_features is not None)


__all__ = ["Dictionary", "build_dictionary", "DENSE_MAX_BYTES"]
