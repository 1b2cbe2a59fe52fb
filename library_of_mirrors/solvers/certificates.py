"""Duality-gap certificates (Appendix D: the dual (D.25) of the Lasso (D.24)).

For a data fit ``sum_i w_i loss(r_i)`` the dual of (D.24) is
``max_theta  sum_i [theta_i y_i - w_i loss*(theta_i / w_i)]`` subject to ``|A^T theta| <= beta~``
and, with the free external bias xi, ``1^T theta = 0``.  Any dual feasible point gives a lower
bound on the optimum, so ``objective - dual value`` bounds the suboptimality from above.

A candidate ``theta`` (the weighted loss gradient at the residual, which sums to zero when xi is
optimal for z) is made feasible by a scalar: ``s * theta`` keeps ``1^T theta = 0`` and, since
every conjugate domain here contains 0 and is an interval, the box constraints; the best ``s``
inside ``|s| max_j |A_j^T theta| <= beta~`` is chosen in closed form.
"""

from __future__ import annotations

import numpy as np


def dual_scale(corr_max: float, lam: float, lin: float, quad: float) -> float:
    """argmax of ``s lin - s^2 quad / 2`` over ``|s| corr_max <= lam`` (quad > 0)."""
    if quad <= 0:  # theta = 0 (e.g. constant y): the zero dual point
        return 0.0
    bound = lam / corr_max if corr_max > 0 else np.inf
    return float(np.clip(lin / quad, -bound, bound))


def squared_dual(theta: np.ndarray, corr_max: float, y: np.ndarray, w: np.ndarray,
                 lam: float) -> tuple[float, float]:
    """Best scaled dual value of the weighted squared loss; returns (value, scale).

    ``loss*(t) = t^2 / 2``, so the dual objective is ``theta^T y - sum theta_i^2 / (2 w_i)``
    (zero-weight points carry ``theta_i = 0``).
    """
    pos = w > 0
    lin = float(theta @ y)
    quad = float(np.sum(theta[pos] ** 2 / w[pos]))
    s = dual_scale(corr_max, lam, lin, quad)
    return s * lin - 0.5 * s * s * quad, s


def huber_dual(theta: np.ndarray, corr_max: float, y: np.ndarray, w: np.ndarray, lam: float,
               delta: float) -> tuple[float, float]:
    """Scaled dual value of the weighted Huber loss: ``loss*(t) = t^2/2`` on ``|t| <= delta``.

    ``theta = w * psi(r)`` lies in the box ``|theta_i| <= w_i delta``; the scale is kept in
    [-1, 1] so that ``s * theta`` stays in it.
    """
    pos = w > 0
    lin = float(theta @ y)
    quad = float(np.sum(theta[pos] ** 2 / w[pos]))
    s = dual_scale(corr_max, lam, lin, quad)
    s = float(np.clip(s, -1.0, 1.0))
    return s * lin - 0.5 * s * s * quad, s
