"""The rows a data fit is summed over, after centering: what every datafit prepares from (y, w).

A row is a sample, or (for the squared loss, where duplicates collapse exactly) a distinct
input.  ``point[r]`` is the distinct input of row r, so a fit given at the distinct inputs
(``Pool.fit``) is ``f[point]`` at the rows, and a dual vector at the rows is priced at the
distinct inputs as ``to_points(theta)``.

Targets are *centered*: ``y`` holds ``y_given - shift`` (``shift`` near the middle of the
targets, subtracted once, exactly when the targets sit far from 0), so no dual value is ever
formed from ``1e12``-sized numbers; the reported external bias adds ``shift`` back.  With a
free bias the problem is invariant under that shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Rows:
    """Centered targets ``y``, weights ``w`` and distinct input ``point`` of every row;
    ``const``: the part of the objective the reduction to rows took out (squared loss:
    ``0.5 sum w (y - ybar_point)^2`` over duplicates); ``shift``: subtracted from the targets;
    ``n_points``: distinct inputs; ``labels``: the two classes of a classification fit."""

    y: np.ndarray
    w: np.ndarray
    point: np.ndarray
    n_points: int
    shift: float = 0.0
    const: float = 0.0
    labels: tuple | None = None

    @property
    def n_rows(self) -> int:
        return int(self.y.shape[0])

    def at_rows(self, f_points: np.ndarray) -> np.ndarray:
        """A vector given at the distinct inputs, at the rows."""
        return f_points if self.point is None else f_points[self.point]

    def to_points(self, v: np.ndarray) -> np.ndarray:
        """Sum a vector given at the rows over each distinct input."""
        if self.point is None:
            return v
        return np.bincount(self.point, weights=v, minlength=self.n_points)


def weighted_center(y: np.ndarray, w: np.ndarray) -> float:
    """The weighted mean of ``y``, refined once (two passes: accurate even for targets far
    from 0)."""
    W = float(w.sum())
    m = float(w @ y) / W
    return m + float(w @ (y - m)) / W


def weighted_quantile(y: np.ndarray, w: np.ndarray, tau: float) -> float:
    """A weighted tau-quantile of ``y`` (a minimizer of sum_i w_i pinball_tau(y_i - xi)); one of
    the values of ``y``."""
    order = np.argsort(y, kind="stable")
    cw = np.cumsum(w[order])
    k = int(np.searchsorted(cw, tau * cw[-1]))
    return float(y[order[min(k, y.shape[0] - 1)]])


__all__ = ["Rows", "weighted_center", "weighted_quantile"]
