"""Unpenalized linear terms: the skip connection of the paper (Lemma 3.1) in the Lasso.

A network with a skip connection adds ``L omega`` (``L``: the network's inputs at the samples,
one column per input) with an unpenalized weight ``omega`` to the parallel units, beside the
unpenalized external bias xi.  Under the squared loss the unpenalized block is eliminated
exactly: with ``P`` the weighted projection onto the complement of ``span(1, L)``,

    min_{z, omega, xi} 0.5 ||W^(1/2) (y - A z - L omega - xi)||^2 + beta~ ||z||_1
  = min_z            0.5 ||W^(1/2) (P y - P A z)||^2 + beta~ ||z||_1,

a Lasso over the projected library ``P A`` without a bias.  The dual of the left problem is the
dual of the Lasso with the extra constraints ``1^T theta = 0`` and ``L^T theta = 0``, which every
dual point ``theta = W (P y - P A z)`` meets, so the engine's duality gap certifies the problem
with the skip connection itself.  :class:`ProjectedPool` presents ``P A`` to the engine through
the library protocol (:mod:`library_of_mirrors.dictionary.pools`): products cost one projection
(``O(N k)``) more than the library's own.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class Projector:
    """The ``w``-weighted projection onto the complement of the span of the columns of ``L``
    (given at the distinct inputs; rank-deficient columns are allowed).

    ``apply(f) = f - L c(f)`` with ``c(f)`` the minimum-norm weighted least-squares
    coefficients, ``adjoint(theta) = theta - W L M L^T theta`` (``M`` the pseudo-inverse of
    ``L^T W L``): ``<adjoint(theta), f> = <theta, apply(f)>``."""

    def __init__(self, L: np.ndarray, w: np.ndarray):
        self.L = np.asarray(L, dtype=float)
        self.w = np.asarray(w, dtype=float)
        sw = np.sqrt(self.w)
        U, s, Vt = np.linalg.svd(sw[:, None] * self.L, full_matrices=False)
        keep = s > s[0] * max(self.L.shape) * np.finfo(float).eps if s.size and s[0] > 0 \
            else np.zeros(s.shape, dtype=bool)
        self.rank = int(keep.sum())
        self._sw = sw
        self._U = U[:, keep]
        self._V = Vt[keep].T / s[keep]  # c(f) = V diag(1/s) U^T sqrt(w) f

    def coef(self, f: np.ndarray) -> np.ndarray:
        """The weighted least-squares coefficients of ``f`` (columns: a vector, or several)."""
        g = self._sw * f if f.ndim == 1 else self._sw[:, None] * f
        return self._V @ (self._U.T @ g)

    def apply(self, f: np.ndarray) -> np.ndarray:
        return f - self.L @ self.coef(f)

    def adjoint(self, theta: np.ndarray) -> np.ndarray:
        t = self._V.T @ (self.L.T @ theta)
        return theta - self.w * (self.L @ (self._V @ t))


class ProjectedBatch:
    """The columns ``P A_j`` of a feature batch: the products a restricted solver uses."""

    def __init__(self, base, proj: Projector):
        self.base = base
        self.proj = proj

    @property
    def n_features(self) -> int:
        return int(self.base.n_features)

    def subset(self, index) -> ProjectedBatch:
        return ProjectedBatch(self.base.subset(index), self.proj)

    def grid_columns(self) -> np.ndarray:
        A = self.base.grid_columns()
        return A - self.proj.L @ self.proj.coef(A)

    def grid_matrix(self):
        return sp.csc_matrix(self.grid_columns())

    def grid_matvec(self, z: np.ndarray) -> np.ndarray:
        return self.proj.apply(self.base.grid_matvec(z))

    def grid_matvec_accurate(self, z: np.ndarray) -> np.ndarray:
        return self.proj.apply(self.base.grid_matvec_accurate(z))

    def grid_rmatvec(self, theta: np.ndarray) -> np.ndarray:
        return self.base.grid_rmatvec(self.proj.adjoint(theta))


class ProjectedPool:
    """A library's pool seen through the projection: ``fit``, ``price``, ``correlations`` and
    ``features`` of ``P A``; the columns (and what a solution refers to) stay the library's."""

    has_canonical = False  # a re-expression keeps A z only up to a constant

    def __init__(self, base, proj: Projector, centered: bool):
        self.base = base
        self.proj = proj
        self.centered = centered
        self.keep_priced = base.keep_priced

    def __len__(self) -> int:
        return len(self.base)

    def fit(self, z: np.ndarray) -> np.ndarray:
        return self.proj.apply(self.base.fit(z))

    def price(self, theta_u: np.ndarray, k: int, centered: bool = True):
        return self.base.price(self.proj.adjoint(theta_u), k, centered=self.centered)

    def price_screened(self, theta_u: np.ndarray, k: int):
        return self.base.price_screened(self.proj.adjoint(theta_u), k)

    def correlations(self, theta_u: np.ndarray, index=None) -> np.ndarray:
        return self.base.correlations(self.proj.adjoint(theta_u), index)

    def features(self, index) -> ProjectedBatch:
        return ProjectedBatch(self.base.features(index), self.proj)

    def columns(self, index) -> np.ndarray:
        return self.features(index).grid_columns()

    def canonical(self, z):
        return None

    def dictionary(self):
        return self.base.dictionary()

    def codes(self):
        return self.base.codes()

    def warm(self, warm_start):
        return self.base.warm(warm_start)


def linear_at_points(linear, inverse: np.ndarray, n_points: int, n_samples: int
                     ) -> np.ndarray:
    """The unpenalized columns (n_samples, k) as a function of the distinct inputs (n_points,
    k): a ValueError when two samples at the same input have different values (a skip
    connection reads the network's input, so it is constant on duplicates)."""
    try:
        L = np.asarray(linear, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("linear must be a numeric array of shape (n_samples, k)") from None
    if L.ndim == 1:
        L = L[:, None]
    if L.ndim != 2 or L.shape[0] != n_samples:
        raise ValueError(f"linear must have shape ({n_samples}, k), got {L.shape}")
    if not np.all(np.isfinite(L)):
        raise ValueError("linear contains NaN or infinite values")
    first = np.full(n_points, -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(n_samples)[::-1]
    Lp = L[first]
    if not np.array_equal(Lp[inverse], L):
        raise ValueError("linear must take one value per distinct input (a skip connection "
                         "reads the network's input)")
    return Lp


__all__ = ["ProjectedBatch", "ProjectedPool", "Projector", "linear_at_points"]
