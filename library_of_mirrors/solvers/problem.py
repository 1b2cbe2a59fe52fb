"""A convex training problem on a dictionary: data, weights, loss and penalty, validated once.

Problem (1.2) and its generalization (Appendix D.24):
``min_{z, xi} sum_i w_i loss(y_i - (A z)_i - xi) + beta~ ||z||_1``, with beta~ = beta * d.beta_scale
(DESIGN.md) and a free, unpenalized external bias xi unless ``bias=False``.

Rows of A repeat for duplicate inputs.  For the squared loss the duplicates collapse exactly onto
the distinct points (weights add, targets average, a constant remains), which is what the
matrix-free kernels work on; the other losses keep one row per sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dictionary import AdditiveDictionary, Dictionary, ImplicitDictionary

LOSSES = ("squared", "quantile", "absolute", "huber")


def _check_dictionary(d) -> Dictionary | AdditiveDictionary:
    if not isinstance(d, (Dictionary, AdditiveDictionary, ImplicitDictionary)):
        raise TypeError("d must be a Dictionary from build_dictionary (or an AdditiveDictionary)"
                        f", got {type(d).__name__}")
    return d


def check_targets(d: Dictionary, y, name: str = "y") -> np.ndarray:
    """``y`` as a float vector with one finite value per sample of ``d``."""
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numeric, got {type(y).__name__}") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.shape != (d.n_samples,):
        raise ValueError(f"{name} must have shape ({d.n_samples},) to match the dictionary's "
                         f"{d.n_samples} samples, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains {int(np.sum(~np.isfinite(arr)))} NaN or infinite "
                         "value(s)")
    return np.ascontiguousarray(arr)


def check_weights(d: Dictionary, sample_weight) -> np.ndarray:
    if sample_weight is None:
        return np.ones(d.n_samples)
    w = check_targets(d, sample_weight, "sample_weight")
    if np.any(w < 0):
        raise ValueError("sample_weight must be non-negative")
    if not np.any(w > 0):
        raise ValueError("sample_weight must have at least one positive entry")
    return w


def as_float(value, name: str) -> float:
    """A real scalar (Python or numpy, 0-d arrays included), else a TypeError naming it."""
    if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None


def check_beta(beta, name: str = "beta") -> float:
    beta = as_float(beta, name)
    if not np.isfinite(beta) or beta <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {beta}")
    return beta


@dataclass
class Problem:
    """Validated data of one problem; the squared loss also gets its distinct-point reduction."""

    d: Dictionary
    y: np.ndarray  # per sample
    w: np.ndarray  # per sample
    bias: bool
    # reduction onto the distinct points (exact for the squared loss)
    wu: np.ndarray
    yu: np.ndarray
    const: float  # 0.5 sum_i w_i (y_i - yu[inverse_i])^2

    @classmethod
    def make(cls, d, y, sample_weight=None, bias: bool = True) -> Problem:
        d = _check_dictionary(d)
        y = check_targets(d, y)
        w = check_weights(d, sample_weight)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        n = d.x_unique.shape[0]
        wu = np.bincount(d.inverse, weights=w, minlength=n)
        sy = np.bincount(d.inverse, weights=w * y, minlength=n)
        yu = np.divide(sy, wu, out=np.zeros(n), where=wu > 0)
        dev = y - yu[d.inverse]
        return cls(d, y, w, bool(bias), wu, yu, float(0.5 * np.sum(w * dev * dev)))

    # distinct-point quantities -------------------------------------------------------------
    def center(self, v: np.ndarray) -> float:
        """The weighted mean of ``v`` at the distinct points (0 without bias)."""
        return float(self.wu @ v / self.wu.sum()) if self.bias else 0.0

    def correlations(self, theta_u: np.ndarray) -> np.ndarray:
        """A^T theta for a dual vector given at the distinct points (matrix-free, O(N + nnz))."""
        return self.d.batch.grid_rmatvec(theta_u)

    def fit_u(self, z: np.ndarray) -> np.ndarray:
        """(A z) at the distinct points."""
        return self.d.batch.grid_matvec(z)

    def columns_u(self, index: np.ndarray) -> np.ndarray:
        """Columns ``index`` of A at the distinct points, Fortran order."""
        return np.asfortranarray(self.d.batch.subset(index).evaluate(self.d.x_unique))
