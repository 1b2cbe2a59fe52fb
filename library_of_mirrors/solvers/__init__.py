"""Convex training: the Lasso (1.2), general convex losses (D.24), minimum-norm interpolation
(C.1) and regularization paths, each certified by a duality gap.

One loss is one class (:mod:`.datafits`); one loop solves them all over any library
(:mod:`.engine`), with exact restricted solvers (:mod:`.active_set` on the blocks of
:mod:`.blocks`, :mod:`.linear_programs`, :mod:`.prox_newton`).
"""

from .datafits import (
    DATAFITS,
    REGRESSION_LOSSES,
    Absolute,
    Datafit,
    Huber,
    Logistic,
    Quantile,
    Squared,
    get_datafit,
)
from .lasso import beta_max, duality_gap, solve_lasso
from .min_norm import solve_min_norm
from .path import LassoPath, lasso_path
from .result import (
    LIBRARY_ONLY,
    TRAINING_PROBLEM,
    ConvergenceWarning,
    LassoResult,
    LibraryOnlyWarning,
)

__all__ = ["Absolute", "ConvergenceWarning", "DATAFITS", "Datafit", "Huber", "LIBRARY_ONLY",
           "LassoPath", "LassoResult", "LibraryOnlyWarning", "Logistic", "Quantile",
           "REGRESSION_LOSSES", "Squared", "TRAINING_PROBLEM", "beta_max", "duality_gap",
           "get_datafit", "lasso_path", "solve_lasso", "solve_min_norm"]
