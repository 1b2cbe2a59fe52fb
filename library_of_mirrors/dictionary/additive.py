"""Additive dictionaries: networks whose units each read one input column.

An additive network ``f(X) = xi + sum_i alpha_i X^(i,L)(X[:, c_i])`` (every unit reads one column
c_i of X, e.g. one lag of a series, section 4) with the penalty of (1.1) is exactly the Lasso
over the concatenated dictionaries ``[A_1 ... A_p]`` of the columns: the dual constraint of
Theorem 3.11 is ``max over units |lambda^T unit(X[:, c])| <= beta`` for every column c, which
is the union of the per-column libraries.

:class:`AdditiveDictionary` offers what the solvers use of a :class:`Dictionary`: the distinct
sample rows (``x_unique``, ``inverse``) and a batch with O(N + nnz) grid products routed to each
column's own sorted grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..architectures import Architecture, lookup
from ..features import Feature, FeatureBatch
from ..units import Unit
from ..validation import real_array
from .build import build_dictionary
from .explicit import Dictionary, dense_budget
from .pools import ExplicitPool, LibraryBase


@dataclass
class AdditiveBatch:
    """Features of several columns: ``parts[c]`` holds column c's features (a FeatureBatch on
    that column's distinct values); feature k of this batch is feature ``local[k]`` of part
    ``column[k]``.  ``routes[c]`` maps each distinct sample row to column c's distinct value."""

    parts: list[FeatureBatch]
    routes: list[np.ndarray]
    column: np.ndarray
    local: np.ndarray

    @property
    def n_features(self) -> int:
        return int(self.column.shape[0])

    def _split(self) -> list[np.ndarray]:
        """The features of each column (computed once: pricing calls it every round)."""
        groups = self.__dict__.get("_groups")
        if groups is None:
            order = np.argsort(self.column, kind="stable")
            ends = np.searchsorted(self.column[order], np.arange(len(self.parts) + 1))
            groups = [order[ends[c]:ends[c + 1]] for c in range(len(self.parts))]
            self.__dict__["_groups"] = groups
        return groups

    def _in_order(self, c: int, cols: np.ndarray) -> bool:
        n = self.parts[c].n_features
        return cols.shape[0] == n and np.array_equal(self.local[cols], np.arange(n))

    def _whole(self, c: int, cols: np.ndarray) -> slice | None:
        """The slice of this batch that is part c whole and in order (a full library's
        layout), if it is one: its values need no gather (decided once per part)."""
        cache = self.__dict__.setdefault("_wholes", {})
        if c not in cache:
            n = cols.shape[0]
            whole = (n > 0 and n == self.parts[c].n_features and cols[-1] - cols[0] == n - 1
                     and self._in_order(c, cols))
            cache[c] = slice(int(cols[0]), int(cols[-1]) + 1) if whole else None
        return cache[c]

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """Every feature at the rows of ``X`` (shape (m, p)); returns (m, n_features)."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 1 and len(self.parts) == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != len(self.parts):
            raise ValueError(f"X must have shape (m, {len(self.parts)}), got {X.shape}")
        out = np.empty((X.shape[0], self.n_features))
        for c, cols in enumerate(self._split()):
            if cols.size:
                out[:, cols] = self.parts[c].evaluate(X[:, c], self.local[cols])
        return out

    def grid_matvec(self, z: np.ndarray) -> np.ndarray:
        """sum_k z_k f_k at the distinct sample rows."""
        return self._grid_sum(z, accurate=False)

    def grid_matvec_accurate(self, z: np.ndarray) -> np.ndarray:
        """:meth:`grid_matvec` with each column's part summed by the compensated kernel."""
        return self._grid_sum(z, accurate=True)

    def _grid_sum(self, z: np.ndarray, accurate: bool) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        out = np.zeros(self.routes[0].shape[0])
        nz = np.flatnonzero(z)  # only the features in use: a few of millions, usually
        col = self.column[nz]
        for c in np.unique(col):
            which = nz[col == c]
            part, local = self.parts[c], self.local[which]
            fit = (part.grid_matvec_accurate(z[which], local) if accurate
                   else part.grid_matvec(z[which], local))
            out += fit[self.routes[c]]
        return out

    def grid_rmatvec(self, q: np.ndarray) -> np.ndarray:
        """(f_k . q)_k for q given at the distinct sample rows."""
        q = np.asarray(q, dtype=float)
        out = np.empty(self.n_features)
        for c, cols in enumerate(self._split()):
            if cols.size:
                part = self.parts[c]
                qc = np.bincount(self.routes[c], weights=q, minlength=part.x_unique.shape[0])
                whole = self._whole(c, cols)
                if whole is not None:
                    out[whole] = part.grid_rmatvec(qc)
                else:  # only these features: O(n + their nnz)
                    out[cols] = part.grid_rmatvec(qc, self.local[cols])
        return out

    def grid_columns(self) -> np.ndarray:
        """Every feature at the distinct sample rows, Fortran order (each part's grid
        arithmetic, routed to the rows)."""
        out = np.empty((self.routes[0].shape[0], self.n_features), order="F")
        for c, cols in enumerate(self._split()):
            if cols.size:
                out[:, cols] = self.parts[c].grid_columns(self.local[cols])[self.routes[c]]
        return out

    def grid_matrix(self):
        """Each part's grid coefficients stacked (sparse): equal parts' grid coefficients give
        equal fits (a sufficient condition, what a crossover keeps fixed)."""
        import scipy.sparse as sp  # noqa: PLC0415

        rows, cols, vals, off = [], [], [], 0
        for c, which in enumerate(self._split()):
            if which.size:
                G = self.parts[c].subset(self.local[which]).grid_matrix().tocoo()
                rows.append(G.row + off)
                cols.append(which[G.col])
                vals.append(G.data)
            off += self.parts[c].x_unique.shape[0]
        if not rows:
            return sp.csr_matrix((off, self.n_features))
        return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                                                     np.concatenate(cols))),
                             shape=(off, self.n_features))

    def subset(self, index) -> AdditiveBatch:
        """The features ``index`` (in that order)."""
        index = np.asarray(index, dtype=np.int64)
        return AdditiveBatch(self.parts, self.routes, self.column[index], self.local[index])

    def unit(self, k: int) -> Unit:
        """The unit of feature k (it reads input column ``column[k]``)."""
        return self.parts[int(self.column[k])].unit(int(self.local[k]))


@dataclass
class AdditiveDictionary(LibraryBase):
    """The Lasso dictionary of an additive network on inputs X of shape (n, p).

    ``parts[c]`` is the :class:`Dictionary` of column c (built on its distinct values); the
    columns of :meth:`matrix` are the parts' columns side by side, part 0 first.
    """

    X: np.ndarray
    x_unique: np.ndarray  # distinct rows of X, (n_distinct, p)
    inverse: np.ndarray
    counts: np.ndarray
    parts: list[Dictionary]
    batch: AdditiveBatch

    #: every feature is a column (z has one coefficient per feature)
    listed = True

    @property
    def n_columns(self) -> int:
        return len(self.parts)

    @property
    def n_features(self) -> int:
        return self.batch.n_features

    @property
    def sampled(self) -> bool:
        return self.parts[0].sampled

    @property
    def spec(self) -> Architecture:
        return self.parts[0].spec

    @property
    def exact(self) -> bool:
        """The Lasso over the concatenated libraries is the additive network's training
        problem when every part's library is exact."""
        return all(p.exact for p in self.parts)

    @property
    def why_inexact(self) -> str | None:
        """The first part's reason, if any part's library is not exact."""
        return next((p.why_inexact for p in self.parts if not p.exact), None)

    def pool(self) -> ExplicitPool:
        """The library protocol (:mod:`.pools`): every column, routed to its input column."""
        return ExplicitPool(self)

    @property
    def feature_columns(self) -> np.ndarray:
        """The input column each feature reads."""
        return self.batch.column

    def unit(self, k: int) -> Unit:
        """The network unit of feature k (it reads input column ``feature_columns[k]``)."""
        return self.batch.unit(int(k))

    def feature(self, k: int) -> tuple[int, Feature]:
        """(input column, feature of that column's dictionary) of feature k; the feature's
        breakpoints and provenance refer to that column's distinct values."""
        c = int(self.batch.column[k])
        return c, self.parts[c].features[int(self.batch.local[k])]

    def matrix(self, max_bytes: int | None = None) -> np.ndarray:
        """Dense matrix (n_samples x n_features)."""
        dense_budget(self.n_samples, self.n_features, max_bytes, "the dense additive dictionary")
        return self.batch.evaluate(self.x_unique)[self.inverse]

    def evaluate(self, X_new) -> np.ndarray:
        """Every feature at the rows of ``X_new`` (shape (m, p))."""
        return self.batch.evaluate(X_new)

    def feature_sum(self, z, X_new) -> np.ndarray:
        """``sum_k z_k f_k`` at the rows of ``X_new`` (shape (m, p))."""
        z = np.asarray(z, dtype=float)
        act = np.flatnonzero(z)
        X = np.asarray(X_new, dtype=float)
        m = X.shape[0]
        if act.shape[0] == 0:
            return np.zeros(m)
        return self.batch.subset(act).evaluate(X) @ z[act]

    def __repr__(self) -> str:
        sizes = ", ".join(str(p.n_features) for p in self.parts)
        return (f"AdditiveDictionary(activation={self.activation.name!r}, depth={self.depth}, "
                f"architecture={self.architecture!r}, n_samples={self.n_samples}, "
                f"columns={self.n_columns}, n_features={self.n_features} [{sizes}])")


def build_additive_dictionary(
    X,
    activation: str = "relu",
    depth: int = 2,
    architecture: str = "deep_narrow",
    leaky_slope: float | None = None,
    n_features: int | None = None,
    random_state=None,
    *,
    progress: bool = False,
) -> AdditiveDictionary:
    """The dictionary of an additive network (each unit reads one column of ``X``).

    ``X`` has shape (n, p); each column gets the Table 3.1 dictionary of the architecture
    (:func:`build_dictionary`).  ``n_features`` (sampled libraries) is split evenly over the
    columns, drawn column by column from one generator seeded by ``random_state``.
    """
    X = real_array(X, "X")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] < 1:
        raise ValueError(f"X must have shape (n, p) with p >= 1 columns, got {X.shape}")
    p = X.shape[1]
    # parameter errors are the caller's, not a column's: check them before the columns
    lookup(activation, depth, architecture, leaky_slope)
    if n_features is not None and not isinstance(n_features, bool) and isinstance(
            n_features, (int, np.integer)) and n_features < p:
        raise ValueError(f"n_features={n_features} is fewer than one feature per column ({p})")
    # one generator drawn in column order: reproducible in an int random_state
    rs = random_state if p == 1 or n_features is None else np.random.default_rng(random_state)
    parts = []
    for c in range(p):
        share = None if n_features is None else int(n_features) // p + (c < int(n_features) % p)
        try:
            parts.append(build_dictionary(X[:, c], activation, depth, architecture, leaky_slope,
                                          share, rs, progress=progress))
        except ValueError as e:
            if p == 1:
                raise
            raise ValueError(f"input column {c}: {e}") from None
    x_unique, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    first = np.zeros(x_unique.shape[0], dtype=np.int64)
    first[inverse[::-1]] = np.arange(X.shape[0])[::-1]
    routes = [part.inverse[first] for part in parts]
    column = np.concatenate([np.full(part.n_features, c, dtype=np.int64)
                             for c, part in enumerate(parts)])
    local = np.concatenate([np.arange(part.n_features, dtype=np.int64) for part in parts])
    batch = AdditiveBatch([part.batch for part in parts], routes, column, local)
    return AdditiveDictionary(X, x_unique, inverse, counts, parts, batch)


__all__ = ["AdditiveBatch", "AdditiveDictionary", "build_additive_dictionary"]
