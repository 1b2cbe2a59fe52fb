"""``lasso_path``: warm-started solutions over a grid of beta (Appendix E: the optimal fit is
continuous in beta, and z = 0 exactly from beta_max on)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..validation import POSITIVE_INT, PROBABILITY, check_betas, validate
from .datafits import get_datafit
from .lasso import beta_max, check_library, solve_lasso
from .result import LassoResult


@dataclass
class LassoPath:
    """Solutions over ``betas`` (decreasing): coefficients as a sparse (n_betas x n_features)
    matrix, and per beta the external bias, objective, certified gap and active-set size."""

    betas: np.ndarray
    coefs: sp.csr_matrix
    xis: np.ndarray
    objectives: np.ndarray
    gaps: np.ndarray
    n_active: np.ndarray
    results: list[LassoResult]

    def fitted(self, d) -> np.ndarray:
        """Fitted values ``A z(beta) + xi(beta)`` at the samples, shape (n_betas, n_samples)."""
        return np.array([d.matvec(r.z) + r.xi for r in self.results])


def lasso_path(d, y, betas=None, *, n_betas: int = 30, eps: float = 1e-3, loss: str = "squared",
               progress: bool = False, **kwargs) -> LassoPath:
    """Solve (1.2) for every beta in ``betas`` (sorted decreasing), each warm-started from the
    previous solution.  Default grid: ``n_betas`` values from ``beta_max`` down to
    ``eps * beta_max``, log-spaced.  Extra keyword arguments go to :func:`solve_lasso`.
    """
    check_library(d)
    checked = validate({"n_betas": n_betas, "eps": eps},
                       {"n_betas": POSITIVE_INT, "eps": PROBABILITY})
    n_betas, eps = checked["n_betas"], checked["eps"]
    if betas is not None:
        betas = check_betas(betas)
    if betas is None:
        datafit = get_datafit(loss, kwargs.get("quantile"), kwargs.get("delta"))
        if datafit.grows_working_set:  # a piecewise-linear loss: beta_max is only a bound
            raise ValueError(f"pass betas explicitly for loss={datafit.name!r}: the default "
                             "grid is relative to beta_max, exact for the smooth losses only")
        bmax = beta_max(d, y, sample_weight=kwargs.get("sample_weight"),
                        bias=kwargs.get("bias", True), loss=datafit)
        if bmax <= 0:
            raise ValueError("beta_max = 0: y is constant (after the external bias), so z = 0 "
                             "for every beta; pass betas explicitly to solve anyway")
        betas = bmax * np.geomspace(1.0, eps, n_betas)
    if not d.listed:
        raise ValueError("lasso_path needs an explicit dictionary (its coefficients share one "
                         "column space); over an implicit one call solve_lasso per beta with "
                         "warm_start=<previous result>, each result holding its own columns")
    if "warm_start" in kwargs:
        raise TypeError("lasso_path warm-starts each beta from the previous one; do not pass "
                        "warm_start")
    betas = check_betas(betas)
    results: list[LassoResult] = []
    warm = None
    it = betas
    if progress:
        from tqdm.auto import tqdm  # noqa: PLC0415

        it = tqdm(betas, desc="lasso path", unit="beta")
    for b in it:
        res = solve_lasso(d, y, b, loss=loss, warm_start=warm, **kwargs)
        results.append(res)
        warm = res
    coefs = sp.csr_matrix(np.array([r.z for r in results])) if results else sp.csr_matrix(
        (0, d.n_features))
    return LassoPath(betas, coefs, np.array([r.xi for r in results]),
                     np.array([r.objective for r in results]),
                     np.array([r.gap for r in results]),
                     np.array([r.active.shape[0] for r in results]), results)
