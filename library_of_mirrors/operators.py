"""Dense and matrix-free linear operators over a dictionary's features.

Both backends expose the same interface (``shape``, ``matvec``, ``rmatvec``, ``columns``,
``column_norms``) so solvers never care which one they hold.  The matrix-free backend uses the
grid form of the kink forms: ``A z`` and ``A^T r`` cost O(N + nnz) with prefix sums over the
sorted data (DESIGN.md), and memory O(N + nnz), never O(N x M).
"""

from __future__ import annotations

import numpy as np

from .dictionary import DENSE_MAX_BYTES, Dictionary

BACKENDS = ("auto", "dense", "matrix_free")


class DenseOperator:
    """A as an explicit (n_samples x n_features) array."""

    def __init__(self, d: Dictionary, max_bytes: int | None = None):
        self.dictionary = d
        self.A = d.matrix(max_bytes=max_bytes)
        self.shape = self.A.shape

    def matvec(self, z: np.ndarray) -> np.ndarray:
        return self.A @ z

    def rmatvec(self, r: np.ndarray) -> np.ndarray:
        return self.A.T @ r

    def columns(self, index) -> np.ndarray:
        return self.A[:, np.asarray(index)]

    def column_norms(self) -> np.ndarray:
        return np.linalg.norm(self.A, axis=0)


class MatrixFreeOperator:
    """A through the kink forms: never stores more than a block of columns."""

    def __init__(self, d: Dictionary, block_bytes: int = 64 * 1024**2):
        self.dictionary = d
        self.shape = (d.n_samples, d.n_features)
        self._block = max(1, block_bytes // (8 * max(1, d.x_unique.shape[0])))

    def matvec(self, z: np.ndarray) -> np.ndarray:
        return self.dictionary.matvec(z)

    def rmatvec(self, r: np.ndarray) -> np.ndarray:
        return self.dictionary.rmatvec(r)

    def columns(self, index) -> np.ndarray:
        d = self.dictionary
        index = np.asarray(index, dtype=np.int64)
        return d.batch.subset(index).evaluate(d.x_unique)[d.inverse]

    def column_norms(self) -> np.ndarray:
        """Euclidean norms of all columns, computed block by block at the distinct points."""
        d = self.dictionary
        w = d.counts.astype(float)
        out = np.empty(d.n_features)
        for lo in range(0, d.n_features, self._block):
            idx = np.arange(lo, min(d.n_features, lo + self._block))
            vals = d.batch.subset(idx).evaluate(d.x_unique)
            out[idx] = np.sqrt(w @ (vals * vals))
        return out


def make_operator(d: Dictionary, backend: str = "auto", max_bytes: int | None = None):
    """The operator for ``backend``; "auto" is dense unless it would exceed the memory guard."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    budget = DENSE_MAX_BYTES if max_bytes is None else int(max_bytes)
    if backend == "dense":
        return DenseOperator(d, max_bytes=max_bytes)
    if backend == "matrix_free" or 8 * d.n_samples * d.n_features > budget:
        return MatrixFreeOperator(d)
    return DenseOperator(d, max_bytes=budget)
