"""Convex training: the Lasso (1.2), general convex losses (D.24), minimum-norm interpolation
(C.1) and regularization paths, each with a certificate (duality gap or LP status)."""

from .lasso import solve_lasso
from .result import ConvergenceWarning, LassoResult

__all__ = ["ConvergenceWarning", "LassoResult", "solve_lasso"]
