"""What the solvers return: the solution, its certificate and how it was reached."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..validation import real_array


class ConvergenceWarning(UserWarning):
    """A solver stopped before its certificate reached the tolerance."""


class LibraryOnlyWarning(UserWarning):
    """A certificate covers the Lasso over a sampled or incomplete library, not the training
    problem (1.1)."""


#: ``LassoResult.certificate`` when the library is the network's complete library (Table 3.1
#: with its theorems): the gap bounds the suboptimality for the training problem itself
TRAINING_PROBLEM = "training problem (1.1)"
#: ... when it is sampled or incomplete: the gap bounds it for the Lasso over the library only
LIBRARY_ONLY = "Lasso over this library only"

#: the rounding level of a certificate, relative to the objective at z = 0: the gap of a
#: solve is a sum of terms of that size's rounding (the fit, its residual, the correlations),
#: so no solver can certify much below it
ROUNDING = 1e-10


def gap_target(tol: float, primal: float, gap: float, unit: float) -> float:
    """The gap a solve must certify to be converged: ``tol`` times the certified lower
    bound of the optimum (``primal - gap``), so ``gap / optimum <= tol``; never below the
    rounding level ``ROUNDING * unit`` (``unit``: the objective at z = 0), where a small
    optimum (small beta, a near-exact fit) is below what double precision certifies."""
    return max(tol * max(primal - gap, 0.0), ROUNDING * unit)


_warned: set[str] = set()


def certify_scope(res: LassoResult, d, stacklevel: int) -> LassoResult:
    """Set ``res.certificate`` from the library ``d`` (:data:`TRAINING_PROBLEM` when
    ``d.exact``); for any other library warn once per reason and process
    (:class:`LibraryOnlyWarning`, at the caller's ``stacklevel``)."""
    why = getattr(d, "why_inexact", "the library does not say what it certifies")
    res.certificate = TRAINING_PROBLEM if why is None else LIBRARY_ONLY
    if why is not None and why not in _warned:
        _warned.add(why)
        warnings.warn(f"{why}; the duality gap certifies the Lasso over this library only "
                      f"(res.certificate == {LIBRARY_ONLY!r})", LibraryOnlyWarning,
                      stacklevel=stacklevel + 1)
    return res


@dataclass
class LassoResult:
    """A solution ``(z, xi)`` of (1.2), its generalization to other losses, or (C.1).

    ``objective`` is the primal value at ``(z, xi)`` (for (1.2): the Lasso objective, equal to
    the reconstructed network's objective (1.1)); ``gap`` is a certified upper bound on
    ``objective - optimum`` from a dual feasible point (``dual`` at the samples, with
    ``objective - gap`` its dual value).  ``converged`` is False only when the solver stopped
    at ``max_iter`` with ``gap`` above ``tol`` (it then warns).
    """

    z: np.ndarray
    xi: float
    objective: float
    gap: float
    n_iter: int
    converged: bool
    loss: str
    beta: float | None
    beta_tilde: float | None
    tol: float
    solver: str
    dual: np.ndarray | None = None
    time: float = 0.0
    history: list = field(default_factory=list)
    #: for an implicit library: the materialized dictionary ``z`` refers to, and how many units
    #: were priced in all (None / 0 otherwise: ``z`` refers to the dictionary that was solved)
    dictionary: object = None
    n_priced: int = 0
    #: unit codes of ``dictionary``'s columns in the implicit library (for warm starts)
    codes: np.ndarray | None = None
    #: coefficients of the unpenalized linear terms (``solve_lasso(linear=...)``, the skip
    #: connection), None without them
    linear: np.ndarray | None = None
    #: the data fit solved (:mod:`.datafits`); ``res.datafit.output`` says what the network's
    #: output means ("value", or the log-odds of a "probability")
    datafit: object = None
    #: (C.1): the largest interpolation residual left (0 when the data are interpolated)
    slack: float = 0.0
    #: what ``gap`` certifies: :data:`TRAINING_PROBLEM` (the library is the network's, proven
    #: complete) or :data:`LIBRARY_ONLY` (a sampled or incomplete library: the optimum of the
    #: Lasso over it, an upper bound of the training problem's)
    certificate: str = LIBRARY_ONLY

    @property
    def active(self) -> np.ndarray:
        """Indices of the features with nonzero coefficients (the network's units)."""
        return np.flatnonzero(self.z)

    @property
    def lower_bound(self) -> float:
        """The certified lower bound ``objective - gap`` on the optimal value."""
        return self.objective - self.gap

    def predict(self, d, x_new) -> np.ndarray:
        """The fitted function ``sum_j z_j f_j(x) + xi`` at new points (any x, not only data);
        rows of shape (m, p) for an additive dictionary.  A result over an implicit library
        evaluates its own ``dictionary`` (``d`` may then be the implicit one)."""
        if self.dictionary is not None:
            d = self.dictionary
        xn = real_array(x_new, "x_new")
        if xn.ndim != 2 or xn.shape[1] == 1:
            xn = xn.ravel()
        return d.feature_sum(self.z, xn) + self.xi

    def __repr__(self) -> str:
        return (f"LassoResult(loss={self.loss!r}, objective={self.objective:.10g}, "
                f"gap={self.gap:.3g}, n_active={self.active.shape[0]}, xi={self.xi:.6g}, "
                f"n_iter={self.n_iter}, converged={self.converged}, solver={self.solver!r}, "
                f"certificate={self.certificate!r})")
