"""Features: a network unit of Definition 3.10 together with its kink form.

A feature is one parallel unit (eq. (2.3)) with weights +-1 and data / midpoint feature biases
(Definition 3.9).  Next to the unit we keep its *kink form*

    f(x) = c0 + c1 x + sum_k s_k (x - t_k)_+ + sum_k h_k 1{x >= t_k}   (or 1{x > t_k})

whose breakpoints t_k carry their provenance: each is an exact affine combination of training
points (a data point, a midpoint, a reflection R(a, b) = 2b - a, a double reflection, a
generalized reflection a + c - b, ...).  :class:`FeatureBatch` stores many features in flat
arrays (kink forms in CSR layout, unit codes, and the grid form used for O(N) products).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .activations import Activation
from .families import family
from .families.kernels import symbolic
from .kinks import grid as gr
from .units import Unit

# ----------------------------------------------------------------------------------------------
# provenance


@dataclass(frozen=True)
class Breakpoint:
    """A breakpoint of a feature with its provenance.

    ``kind`` is one of "data", "midpoint", "normalized midpoint", "reflection",
    "generalized reflection", "double reflection", "combination"; ``indices`` and
    ``coefficients`` give the exact affine combination sum_i c_i x[idx_i] of distinct training
    points (indices into ``Dictionary.x_unique``); ``formula`` spells it out.
    """

    position: float
    kind: str
    formula: str
    indices: tuple[int, ...]
    coefficients: tuple[float, ...]
    points: tuple[float, ...]
    jump: bool = False


def _xs(i: int) -> str:
    return f"x[{i}]"


# templates over roles (a, b, c): coefficient maps; first match wins (simplest first)
_TEMPLATES = (
    ("data", lambda a, b, c: {a: 1.0}, lambda a, b, c: _xs(a)),
    ("midpoint", lambda a, b, c: {a: 0.5, b: 0.5},
     lambda a, b, c: f"({_xs(a)} + {_xs(b)})/2"),
    ("reflection", lambda a, b, c: {a: -1.0, b: 2.0},
     lambda a, b, c: f"R({_xs(a)}, {_xs(b)}) = 2{_xs(b)} - {_xs(a)}"),
    ("generalized reflection", lambda a, b, c: {a: 1.0, c: 1.0, b: -1.0},
     lambda a, b, c: f"{_xs(a)} + {_xs(c)} - {_xs(b)}"),
    ("double reflection", lambda a, b, c: {a: 1.0, c: -2.0, b: 2.0},
     lambda a, b, c: f"R(R({_xs(a)}, {_xs(c)}), {_xs(b)}) = {_xs(a)} - 2{_xs(c)} + 2{_xs(b)}"),
    ("double reflection", lambda a, b, c: {a: -2.0, b: -1.0, c: 4.0},
     lambda a, b, c: f"R({_xs(b)}, R({_xs(a)}, {_xs(c)})) = 4{_xs(c)} - 2{_xs(a)} - {_xs(b)}"),
)


def _merge_coefficients(indices, coefficients) -> dict[int, float]:
    out: dict[int, float] = {}
    for i, c in zip(indices, coefficients):
        out[int(i)] = out.get(int(i), 0.0) + float(c)
    return {i: c for i, c in out.items() if abs(c) > 1e-9}


def classify(position: float, coef: dict[int, float], x_unique: np.ndarray,
             jump: bool = False) -> Breakpoint:
    """Name the affine combination ``coef`` (data index -> coefficient) of training points."""
    idx = tuple(sorted(coef))
    coeffs = tuple(coef[i] for i in idx)
    pts = tuple(float(x_unique[i]) for i in idx)
    roles = idx if idx else (0,)
    for kind, tmpl, fmt in _TEMPLATES:
        for a, b, c in itertools.product(roles, repeat=3):
            t = _merge_coefficients(*zip(*tmpl(a, b, c).items()))
            if t.keys() == coef.keys() and all(abs(t[i] - coef[i]) < 1e-9 for i in t):
                if kind in ("midpoint", "reflection") and a == b:
                    continue
                return Breakpoint(position, kind, fmt(a, b, c), idx, coeffs, pts, jump)
    if len(coef) == 2 and all(0.0 < c < 1.0 for c in coeffs):
        kind = "normalized midpoint"
    else:
        kind = "combination"
    formula = " + ".join(f"{c:.6g}*{_xs(i)}" for i, c in zip(idx, coeffs)).replace("+ -", "- ")
    return Breakpoint(position, kind, formula, idx, coeffs, pts, jump)


# ----------------------------------------------------------------------------------------------
# batch container


def csr_positions(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(starts[i], starts[i] + counts[i])`` over i, vectorized."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(np.asarray(starts, dtype=np.int64) - (np.cumsum(counts) - counts), counts)
    return shift + np.arange(total, dtype=np.int64)


@dataclass
class FeatureBatch:
    """Many features in flat arrays.

    Units are coded by ``kinds`` (family, :mod:`library_of_mirrors.families`), ``signs``
    (weights, +-1, padded with 0) and ``slots`` (indices into ``x_unique`` of the data points
    that fix the biases, padded with -1).  Kink forms are CSR relative to the origin
    ``x_unique[0]``: feature j is ``v0[j] + c1[j] (x - x_unique[0])`` plus its kinks
    ``kink_t[kink_ptr[j]:kink_ptr[j+1]]`` (slope changes in ``kink_s``) and jumps likewise.  The
    grid form (``grid_ptr``, ``grid_row``, ``grid_val``; ``basis`` "ramp" or "step") is the
    exact representation on the distinct training points used for O(N) products.

    ``x_unique`` are the training points in the batch's own coordinates: the data minus
    ``shift`` (:func:`~library_of_mirrors.dictionary.columns.internal_origin`; 0 unless the
    data sit far from 0).  Kinks, slots and grid forms live there; what the batch gives out
    (values at points, kink forms, breakpoints, units) is in the data's coordinates.
    """

    activation: Activation
    depth: int
    x_unique: np.ndarray
    kinds: np.ndarray
    signs: np.ndarray
    slots: np.ndarray
    v0: np.ndarray
    c1: np.ndarray
    kink_ptr: np.ndarray
    kink_t: np.ndarray
    kink_s: np.ndarray
    jump_ptr: np.ndarray
    jump_t: np.ndarray
    jump_h: np.ndarray
    jump_closed: np.ndarray
    grid_ptr: np.ndarray
    grid_row: np.ndarray
    grid_val: np.ndarray
    basis: str
    multiplicity: np.ndarray
    shift: float = 0.0

    @property
    def n_features(self) -> int:
        return int(self.v0.shape[0])

    @property
    def origin(self) -> float:
        """The point the kink forms' affine parts are taken at (the smallest training point)."""
        return float(self.x_unique[0])

    @cached_property
    def du(self) -> np.ndarray:
        """Gaps between neighbouring distinct training points (what the products run on)."""
        return gr.gaps(self.x_unique)

    @staticmethod
    def _cols(cols: np.ndarray | None) -> tuple[bool, np.ndarray]:
        """The kernels' feature selection: (every feature?, the indices) (no index array of
        the library's size: 160 MB at 2e7 features)."""
        if cols is None:
            return True, np.zeros(0, dtype=np.int64)
        return False, np.ascontiguousarray(cols, dtype=np.int64)

    def evaluate(self, x: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Matrix of every feature (or of the features ``cols``, in that order) at the points
        ``x`` (shape (len(x), n_features or len(cols)))."""
        x = np.ascontiguousarray(x, dtype=float).ravel()
        if self.shift:
            x = x - self.shift
        every, cols = self._cols(cols)
        out = np.empty((x.shape[0], self.n_features if every else cols.shape[0]))
        gr.eval_kinkform(x, every, cols, self.v0, self.c1, self.origin, self.kink_ptr, self.kink_t,
                         self.kink_s, self.jump_ptr, self.jump_t, self.jump_h,
                         self.jump_closed, out)
        return out

    # grid products ------------------------------------------------------------------------
    def grid_matvec(self, z: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """sum_j z_j f_j at the distinct training points, O(n + nnz); with ``cols``, ``z``
        holds the coefficients of those features only."""
        return gr.grid_matvec(self.grid_ptr, self.grid_row, self.grid_val,
                              np.ascontiguousarray(z, dtype=float), self.du,
                              self.basis == "step", *self._cols(cols))

    def grid_matvec_accurate(self, z: np.ndarray, cols: np.ndarray | None = None
                             ) -> np.ndarray:
        """:meth:`grid_matvec` with compensated sums (what certificates evaluate)."""
        return gr.grid_matvec_accurate(self.grid_ptr, self.grid_row, self.grid_val,
                                       np.ascontiguousarray(z, dtype=float), self.du,
                                       self.basis == "step", *self._cols(cols))

    def grid_rmatvec(self, q: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """(f_j . q)_j for q given at the distinct training points, O(n + nnz), for every
        feature or the features ``cols`` (in that order)."""
        every, cols = self._cols(cols)
        out = np.empty(self.n_features if every else cols.shape[0])
        gr.grid_rmatvec(self.grid_ptr, self.grid_row, self.grid_val,
                        np.ascontiguousarray(q, dtype=float), self.du, self.basis == "step",
                        every, cols, out)
        return out

    def grid_columns(self, cols: np.ndarray | None = None) -> np.ndarray:
        """Every feature (or the features ``cols``) at the distinct training points,
        (n_distinct, n_features or len(cols)) in Fortran order, by the arithmetic of the
        products (a dense block and the matrix-free pricing agree to rounding)."""
        every, cols = self._cols(cols)
        out = np.empty((self.x_unique.shape[0], self.n_features if every else cols.shape[0]),
                       order="F")
        gr.grid_columns(self.grid_ptr, self.grid_row, self.grid_val, self.du,
                        self.basis == "step", every, cols, out)
        return out

    def grid_matrix(self):
        """The grid coefficients as a sparse (n_distinct, n_features) matrix G: the fit at the
        distinct points is a fixed invertible map of ``G z`` (equal ``G z``, equal fits)."""
        import scipy.sparse as sp  # noqa: PLC0415

        counts = np.diff(self.grid_ptr)
        cols = np.repeat(np.arange(self.n_features), counts)
        return sp.csr_matrix((self.grid_val, (self.grid_row, cols)),
                             shape=(self.x_unique.shape[0], self.n_features))

    def slope_changes(self, z: np.ndarray) -> np.ndarray:
        """The fit ``sum_j z_j f_j`` as ramp-basis slope changes, one per distinct point (entry
        0 is the slope left of every kink; :mod:`library_of_mirrors.dictionary.flow`)."""
        n = self.x_unique.shape[0]
        support = np.flatnonzero(z)  # O(nnz of the support), not of the library
        starts = self.grid_ptr[support]
        counts = self.grid_ptr[support + 1] - starts
        pos = csr_positions(starts, counts)
        acc = np.bincount(self.grid_row[pos],
                          weights=self.grid_val[pos] * np.repeat(z[support], counts),
                          minlength=n + 1)
        return acc[1:n + 1]

    def subset(self, index: np.ndarray) -> FeatureBatch:
        """A new batch holding the features ``index`` (in that order)."""
        index = np.asarray(index, dtype=np.int64)

        def take_csr(ptr, *arrays):
            counts = ptr[index + 1] - ptr[index]
            new_ptr = np.zeros(index.shape[0] + 1, dtype=np.int64)
            np.cumsum(counts, out=new_ptr[1:])
            sel = csr_positions(ptr[index], counts)
            return (new_ptr, *[a[sel] for a in arrays])

        kp, kt, ks = take_csr(self.kink_ptr, self.kink_t, self.kink_s)
        jp, jt, jh, jc = take_csr(self.jump_ptr, self.jump_t, self.jump_h, self.jump_closed)
        gp, gr_, gv = take_csr(self.grid_ptr, self.grid_row, self.grid_val)
        out = FeatureBatch(self.activation, self.depth, self.x_unique, self.kinds[index],
                           self.signs[index], self.slots[index], self.v0[index],
                           self.c1[index], kp, kt, ks, jp, jt, jh, jc, gp, gr_, gv, self.basis,
                           self.multiplicity[index], self.shift)
        out.__dict__["du"] = self.du
        return out

    # single features ---------------------------------------------------------------------
    def unit(self, j: int) -> Unit:
        """The network unit of feature ``j`` (weights +-1, biases from Definition 3.9)."""
        fam = family(self.kinds[j])
        unit = fam.unit(self.activation, self.depth, self.signs[j], self.slots[j],
                        self.x_unique)
        unit.shift = self.shift
        return unit

    def kink_form(self, j: int) -> dict:
        """``c0 + c1 x`` (the affine part at x = 0), kinks and jumps of feature ``j``."""
        a, b = self.kink_ptr[j], self.kink_ptr[j + 1]
        c, d = self.jump_ptr[j], self.jump_ptr[j + 1]
        return {
            "c0": float(self.v0[j] - self.c1[j] * (self.origin + self.shift)),
            "c1": float(self.c1[j]),
            "kinks": self.kink_t[a:b] + self.shift, "slopes": self.kink_s[a:b].copy(),
            "jumps": self.jump_t[c:d] + self.shift, "heights": self.jump_h[c:d].copy(),
            "closed": self.jump_closed[c:d].astype(bool),
        }

    def provenance(self, j: int) -> list[Breakpoint]:
        """Breakpoints of feature ``j`` (sorted) with their provenance (in the data's
        coordinates)."""
        out = self._provenance(j)
        if not self.shift:
            return out
        return [dataclasses.replace(b, position=b.position + self.shift,
                                    points=tuple(p + self.shift for p in b.points))
                for b in out]

    def _provenance(self, j: int) -> list[Breakpoint]:
        fam = family(self.kinds[j])
        u = self.x_unique
        slots = self.slots[j]
        if fam.jump:
            a, b = self.jump_ptr[j], self.jump_ptr[j + 1]
            return [classify(float(t), {int(slots[0]): 1.0}, u, jump=True)
                    for t in self.jump_t[a:b]]
        act = self.activation
        S = fam.n_slots(self.depth)
        sg = self.signs[j]
        K, T, TC = symbolic(fam.kind, self.depth, sg[sg != 0].astype(np.int64),
                            slots[:S].astype(np.int64), u, act.a_minus, act.a_plus,
                            1e-11 * float(u[-1] - u[0]), fam.workspace(self.depth))
        a, b = self.kink_ptr[j], self.kink_ptr[j + 1]
        out = []
        for t in self.kink_t[a:b]:
            k = int(np.argmin(np.abs(T[:K] - t)))
            coef = _merge_coefficients(slots[:S], TC[k])
            out.append(classify(float(t), coef, u))
        return out


class Feature:
    """A view of feature ``j`` of a batch: ``f(x)``, ``.unit``, ``.breakpoints``, ``.provenance``.

    The kink form and the unit agree everywhere (tested), not only on the training points.
    """

    def __init__(self, batch: FeatureBatch, index: int):
        self._batch = batch
        self.index = int(index)

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        """Evaluate the kink form at ``x`` (any points, not only training points)."""
        xa = np.asarray(x, dtype=float)
        return self._batch.subset([self.index]).evaluate(xa.ravel())[:, 0].reshape(xa.shape)

    @property
    def unit(self) -> Unit:
        return self._batch.unit(self.index)

    @property
    def kink_form(self) -> dict:
        """Affine part ``c0``, ``c1``; ``kinks`` with slope changes ``slopes``; ``jumps``."""
        return self._batch.kink_form(self.index)

    @property
    def breakpoints(self) -> np.ndarray:
        kf_ = self.kink_form
        return np.sort(np.concatenate([kf_["kinks"], kf_["jumps"]]))

    @property
    def provenance(self) -> list[Breakpoint]:
        return self._batch.provenance(self.index)

    @property
    def multiplicity(self) -> int:
        """How many enumerated units gave this column (up to sign) on the training points."""
        return int(self._batch.multiplicity[self.index])

    @property
    def family(self) -> str:
        return family(self._batch.kinds[self.index]).label

    def __repr__(self) -> str:
        bps = ", ".join(f"{b.position:.4g} ({b.kind})" for b in self.provenance)
        return f"Feature({self.index}, {self.family}, breakpoints=[{bps}])"
