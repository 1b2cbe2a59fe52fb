"""Convex training: the Lasso (1.2), general convex losses (D.24), minimum-norm interpolation
(C.1) and regularization paths, each with a certificate (duality gap or LP status)."""

from .lasso import duality_gap, solve_lasso
from .min_norm import solve_min_norm
from .path import LassoPath, beta_max, lasso_path
from .result import ConvergenceWarning, LassoResult

__all__ = ["ConvergenceWarning", "LassoPath", "LassoResult", "beta_max", "duality_gap",
           "lasso_path", "solve_lasso", "solve_min_norm"]
