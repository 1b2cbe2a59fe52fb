"""The explicit library: every feature of an architecture listed, with its unit and kink form."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..architectures import Architecture
from ..families import DATA, JUMP, MIDPOINT_PAIRS, SYMMETRIZED, family
from ..features import Feature, FeatureBatch
from ..kinks.grid import hash_columns
from ..validation import real_array
from . import flow
from .columns import build_batch, grid_scales, hash_units
from .pools import ExplicitPool, LibraryBase

#: dense matrices larger than this many bytes raise (``Dictionary.matrix(max_bytes=...)``)
DENSE_MAX_BYTES = 2 * 1024**3


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


def as_points(x_new) -> np.ndarray:
    """New 1-D inputs as a float vector ((m,) or (m, 1))."""
    xn = real_array(x_new, "x_new")
    if xn.ndim == 2 and xn.shape[1] == 1:
        xn = xn[:, 0]
    if xn.ndim != 1:
        raise ValueError(f"x_new must have shape (m,) or (m, 1), got {xn.shape}")
    return xn


def dense_budget(rows: int, cols: int, max_bytes: int | None, what: str) -> None:
    """Refuse (MemoryError) a dense (rows x cols) float64 array above the budget."""
    budget = DENSE_MAX_BYTES if max_bytes is None else int(max_bytes)
    need = 8 * rows * cols
    if need > budget:
        raise MemoryError(
            f"{what} would need {need / 1024**3:.2f} GiB ({rows} x {cols} float64), above the "
            f"budget of {budget / 1024**3:.2f} GiB; use the matrix-free products d.matvec / "
            "d.rmatvec (or pass max_bytes=... to raise the budget)")


@dataclass
class Dictionary(LibraryBase):
    """The Lasso dictionary of an architecture on training inputs ``x``.

    Column j of :meth:`matrix` is feature j evaluated at the samples (rows in the order of ``x``
    as given, duplicates included).  The dictionary itself is built on the distinct values
    ``x_unique``; ``inverse`` maps each sample to its distinct value, ``counts`` says how many
    samples share each distinct value.  ``spec`` is the architecture's registry row
    (:mod:`library_of_mirrors.architectures`).
    """

    x: np.ndarray
    x_unique: np.ndarray
    inverse: np.ndarray
    counts: np.ndarray
    spec: Architecture
    batch: FeatureBatch
    sampled: bool = False

    #: every feature is a column (z has one coefficient per feature)
    listed = True

    # sizes ---------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return self.batch.n_features

    @property
    def points(self) -> np.ndarray:
        """The distinct training points in the library's own coordinates (``x_unique`` minus
        the batch's ``shift``): what solvers that read positions compute with."""
        return self.batch.x_unique

    @property
    def features(self) -> FeatureList:
        return FeatureList(self.batch)

    @property
    def multiplicity(self) -> np.ndarray:
        """Number of enumerated units merged into each column (equal up to sign on the data)."""
        return self.batch.multiplicity

    @property
    def family_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for k in self.batch.kinds:
            g = family(k).group
            out[g] = out.get(g, 0) + 1
        return out

    # the two backends ------------------------------------------------------------------------
    def matrix(self, max_bytes: int | None = None) -> np.ndarray:
        """Dense matrix A (n_samples x n_features).

        Raises ``MemoryError`` above ``max_bytes`` (default :data:`DENSE_MAX_BYTES`); use the
        matrix-free :meth:`matvec` / :meth:`rmatvec` instead.
        """
        dense_budget(self.n_samples, self.n_features, max_bytes, "the dense dictionary")
        return self.batch.evaluate(self.x_unique)[self.inverse]

    def evaluate(self, x_new) -> np.ndarray:
        """Every feature at new points: shape (len(x_new), n_features)."""
        xn = as_points(x_new)
        need = 8 * xn.shape[0] * self.n_features
        if need > DENSE_MAX_BYTES:
            raise MemoryError(
                f"evaluating {self.n_features} features at {xn.shape[0]} points needs "
                f"{need / 1024**3:.2f} GiB; evaluate fewer points or use d.features[j](x)")
        return self.batch.evaluate(xn)

    def feature_sum(self, z, x_new) -> np.ndarray:
        """``sum_j z_j f_j(x)`` at new points (only the nonzero coefficients are evaluated)."""
        z = np.asarray(z, dtype=float)
        xn = as_points(x_new)
        act = np.flatnonzero(z)
        if act.shape[0] == 0:
            return np.zeros(xn.shape[0])
        return self.batch.subset(act).evaluate(xn) @ z[act]

    # the solver's view -----------------------------------------------------------------------
    def pool(self) -> ExplicitPool:
        """The library protocol (:mod:`.pools`): every column, priced by ``A^T theta``."""
        canon = None
        if self.spec.flow_depth is not None and not self.sampled:
            canon = _FlowMap(self)
        return ExplicitPool(self, canon)

    # single units ----------------------------------------------------------------------------
    def unit(self, j: int):
        """The network unit of column ``j`` (Definition 3.10)."""
        return self.batch.unit(int(j))

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
            fam, nsig, need = SYMMETRIZED, 4, 3
        elif act.sign_determined:
            fam, nsig, need = JUMP, 1, 1
        elif midpoint_pair is not None:
            if L < 3:
                raise ValueError("midpoint feature biases need at least 3 layers")
            fam, nsig, need = MIDPOINT_PAIRS, 2, 1
            a, b = sorted(index_of(v) for v in midpoint_pair)
            if a == b:
                raise ValueError("midpoint_pair needs two distinct training points")
            idx = [a, b] + idx
        else:
            fam, nsig, need = DATA, L - 1, L - 1
        if len(anchors) != need:
            raise ValueError(f"expected {need} anchor point(s), got {len(anchors)}")
        sg = [1] * nsig if signs is None else [int(np.sign(v)) for v in signs]
        if len(sg) != nsig or 0 in sg:
            raise ValueError(f"expected {nsig} signs in {{+1, -1}}, got {signs!r}")
        signed = fam is not DATA and fam is not MIDPOINT_PAIRS or not act.even
        spec = (fam, 3 if fam is SYMMETRIZED else L, signed)
        code = fam.encode(spec[1], n, signed, np.array([idx]), np.array([sg]))
        ui = self.points
        scales = grid_scales(ui)
        _, _, nk, _, _ = hash_units(spec, code, ui, act, scales)
        batch = build_batch(act, spec[1], ui, [spec],
                            (np.zeros(1, np.int64), code, np.ones(1, np.int64), nk), scales,
                            self.batch.shift)
        return Feature(batch, 0)

    def unit_codes(self, index) -> tuple[np.ndarray, np.ndarray]:
        """(family kinds, unit codes) of the columns ``index``: what
        :func:`~.build.from_units` rebuilds them from (saved models)."""
        index = np.asarray(index, dtype=np.int64)
        b = self.batch
        kinds = b.kinds[index].astype(np.int64)
        codes = np.zeros(index.shape[0], dtype=np.int64)
        signed_of = {fam.kind: signed
                     for fam, signed in self.spec.families + self.spec.priced}
        n = self.x_unique.shape[0]
        for k in np.unique(kinds):
            fam = family(k)
            sel = kinds == k
            L = self.depth
            codes[sel] = fam.encode(L, n, signed_of.get(int(k), True),
                                    b.slots[index[sel], :fam.n_slots(L)],
                                    b.signs[index[sel], :fam.n_signs(L)])
        return kinds, codes

    def subset(self, index) -> Dictionary:
        """The dictionary restricted to the columns ``index``."""
        return Dictionary(self.x, self.x_unique, self.inverse, self.counts, self.spec,
                          self.batch.subset(np.asarray(index)), self.sampled)

    def __repr__(self) -> str:
        fam = ", ".join(f"{k}: {v}" for k, v in self.family_counts.items())
        return (f"Dictionary(activation={self.activation.name!r}, depth={self.depth}, "
                f"architecture={self.architecture!r}, n_samples={self.n_samples}, "
                f"n_features={self.n_features} [{fam}])")


class _FlowMap:
    """Re-expression of a solution over a full relu deep narrow library at one unit per kink
    (:func:`.flow.decompose`): its optimal face is large (``R_a + L_b`` fits like ``R_b +
    L_a`` up to a constant at the same cost; a capped ramp over [a, c] costs what those over
    [a, b] and [b, c] cost together), and working sets that wander over it grow to thousands of
    columns.  Columns are found by their grid-column hash, so any representative works."""

    def __init__(self, d: Dictionary):
        self.d = d

    def _columns(self):
        """The columns' hashes sorted (kept on the library: computed once per library)."""
        cached = self.d.__dict__.get("_flow_lookup")
        if cached is None:
            b = self.d.batch
            h1, h2, orient = hash_columns(b.grid_ptr, b.grid_row, b.grid_val,
                                          grid_scales(self.d.x_unique)[0], b.basis == "step")
            cols = np.flatnonzero(orient != 0)
            # by h1 (a quicksort: 0.08 s for 2e6 columns, a lexsort of both hashes 0.7 s),
            # then the rare runs of equal h1 by h2
            order = cols[np.argsort(h1[cols])]
            k1 = h1[order]
            for a in np.flatnonzero((k1[1:] == k1[:-1]) & np.r_[True, k1[1:-1] != k1[:-2]]):
                b = a + 1
                while b + 1 < k1.shape[0] and k1[b + 1] == k1[a]:
                    b += 1
                run = order[a:b + 1]
                order[a:b + 1] = run[np.argsort(h2[run], kind="stable")]
            cached = (k1, h2[order], order, orient)
            self.d.__dict__["_flow_lookup"] = cached
        return cached

    def _find(self, h1, h2) -> np.ndarray:
        """Column of each hash pair (-1 where none)."""
        k1, k2, order, _ = self._columns()
        lo = np.searchsorted(k1, h1, side="left")
        hi = np.searchsorted(k1, h1, side="right")
        out = np.full(h1.shape[0], -1, dtype=np.int64)
        r = np.minimum(lo, k1.shape[0] - 1)
        hit = (lo < hi) & (k2[r] == h2)
        out[hit] = order[r[hit]]
        for a in np.flatnonzero(~hit & (hi - lo > 1)):  # equal h1 (a collision): search h2
            q = lo[a] + np.searchsorted(k2[lo[a]:hi[a]], h2[a])
            if q < hi[a] and k2[q] == h2[a]:
                out[a] = order[q]
        return out

    def __call__(self, z: np.ndarray) -> np.ndarray | None:
        nnz = np.count_nonzero(z)
        if nnz <= 1:
            return None
        return self.from_slopes(self.d.batch.slope_changes(z), nnz)

    def from_slopes(self, v: np.ndarray, fewer_than: int | None = None) -> np.ndarray | None:
        """The coefficients of the units making slope changes ``v`` (None if not fewer than
        ``fewer_than`` units, or if a unit is not in the library)."""
        d = self.d
        idx, signs, coef = flow.decompose(v, d.spec.flow_depth)
        if fewer_than is not None and coef.shape[0] >= fewer_than:
            return None
        fam, L, signed = d.spec.families[0][0], d.depth, d.spec.families[0][1]
        codes = fam.encode(L, d.x_unique.shape[0], signed, idx, signs)
        h1, h2, _, valid, orient = hash_units((fam, L, signed), codes, d.points,
                                              d.activation, grid_scales(d.points))
        col_orient = self._columns()[3]
        ok = np.flatnonzero(valid)
        cols = self._find(h1[ok], h2[ok])
        if np.any(cols < 0):
            return None
        out = np.zeros(d.n_features)
        np.add.at(out, cols, orient[ok] * col_orient[cols] * coef[ok])
        return out


__all__ = ["DENSE_MAX_BYTES", "Dictionary", "FeatureList", "as_points", "dense_budget"]
