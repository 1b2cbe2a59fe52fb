"""Choosing beta: the regularization path of (1.2) cross-validated over K folds.

Each fold is one task of the batch (:mod:`.executors`): the library is built on the fold's
training points (the dictionary depends on the data, so every fold has its own), the Lasso
path is solved over one common grid of beta with warm starts (:func:`lasso_path`, Appendix
E: the optimal fit is continuous in beta), and the held-out loss is measured at every beta.
Folds are drawn here, once, from ``random_state``, so the numbers do not depend on the
executor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dictionary import build_dictionary
from .executors import run_batch
from .solvers import beta_max, get_datafit, lasso_path
from .validation import POSITIVE, POSITIVE_INT, Integer, Real, check_beta, check_vector, validate

#: the declarative constraints of :func:`cross_validate_path`'s numeric parameters
_CONSTRAINTS = {"n_folds": Integer(2), "n_betas": POSITIVE_INT, "eps": Real(0.0, 1.0),
                "tol": POSITIVE}


def _fold_task(fold: tuple[np.ndarray, np.ndarray], *, x: np.ndarray, y: np.ndarray,
               betas: np.ndarray, build: dict, solve: dict) -> dict:
    """One fold: library on the training part, warm-started path, held-out loss per beta (the
    datafit's own score: the mean of its loss over the held-out samples)."""
    train, test = fold
    d = build_dictionary(x[train], **build)
    path = lasso_path(d, y[train], betas, **solve)
    datafit = get_datafit(solve["loss"], solve.get("quantile"), solve.get("delta"))
    errors = [datafit.score(y[test], r.predict(d, x[test])) for r in path.results]
    return {"errors": np.array(errors), "gaps": path.gaps, "n_active": path.n_active,
            "converged": np.array([r.converged for r in path.results]),
            "n_features": int(d.n_features)}


@dataclass
class CVPath:
    """Held-out losses of the Lasso path over K folds.

    ``errors[k, j]``: mean held-out loss of fold k at ``betas[j]`` (the datafit's score, named
    by ``score``; betas decreasing); ``mean`` / ``se`` over the folds (standard error =
    std / sqrt(K));
    ``best_beta`` minimizes the mean, ``beta_1se`` is the largest beta whose mean is within
    one standard error of that minimum (the sparser network of about the same quality)."""

    betas: np.ndarray
    errors: np.ndarray
    gaps: np.ndarray
    n_active: np.ndarray
    converged: np.ndarray
    folds: list[np.ndarray]
    n_features: np.ndarray
    loss: str
    score: str

    @property
    def mean(self) -> np.ndarray:
        return self.errors.mean(axis=0)

    @property
    def se(self) -> np.ndarray:
        k = self.errors.shape[0]
        return self.errors.std(axis=0, ddof=1) / np.sqrt(k) if k > 1 else \
            np.zeros(self.errors.shape[1])

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.mean))

    @property
    def best_beta(self) -> float:
        return float(self.betas[self.best_index])

    @property
    def beta_1se(self) -> float:
        i = self.best_index
        ok = np.flatnonzero(self.mean <= self.mean[i] + self.se[i])
        return float(self.betas[ok.min()])  # betas decrease: the first is the largest

    def rows(self) -> list[dict]:
        """One row per beta: mean and standard error of the held-out loss, mean active
        units, the largest certified gap over the folds."""
        return [{"beta": float(b), "mean": float(m), "se": float(s),
                 "n_active": float(a), "max_gap": float(g)}
                for b, m, s, a, g in zip(self.betas, self.mean, self.se,
                                         self.n_active.mean(axis=0), self.gaps.max(axis=0))]

    def table(self) -> str:
        head = f"{'beta':>12}{self.score + ' (mean +- se)':>34}{'units':>8}{'max gap':>11}"
        lines = [head]
        for r in self.rows():
            mark = " <- best" if r["beta"] == self.best_beta else (
                " <- 1-se" if r["beta"] == self.beta_1se else "")
            lines.append(f"{r['beta']:>12.4g}{r['mean']:>22.6g} +- {r['se']:<9.3g}"
                         f"{r['n_active']:>8.1f}{r['max_gap']:>11.2g}{mark}")
        return "\n".join(lines)


def kfolds(n: int, n_folds: int, random_state=0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_folds`` (train, test) index pairs: a random permutation of range(n) cut into
    nearly equal test parts (sorted indices)."""
    perm = np.random.default_rng(random_state).permutation(n)
    parts = np.array_split(perm, n_folds)
    return [(np.sort(np.concatenate([p for j, p in enumerate(parts) if j != k])),
             np.sort(parts[k])) for k in range(n_folds)]


def cross_validate_path(x, y, betas=None, *, activation: str = "relu", depth: int = 2,
                        architecture: str = "deep_narrow", leaky_slope: float | None = None,
                        n_features: int | None = None, n_folds: int = 5, n_betas: int = 30,
                        eps: float = 1e-3, loss: str = "squared", quantile: float | None = None,
                        delta: float | None = None, random_state=0, tol: float = 1e-8,
                        executor="serial", progress: bool = False) -> CVPath:
    """K-fold cross-validation of the regularization path of the network's Lasso (1.2).

    Parameters
    ----------
    x, y : 1-D training inputs and targets.
    betas : the grid of beta (of (1.1)); default ``n_betas`` values from ``beta_max`` of the
        whole data's library down to ``eps * beta_max`` (log-spaced; squared loss only).
    activation, depth, architecture, leaky_slope, n_features : the network (as in
        :func:`build_dictionary`; ``n_features`` samples each fold's library with
        ``random_state``).
    n_folds : K >= 2; every fold needs enough distinct training points for its library.
    loss, quantile, delta : the training loss; the held-out score is its mean over the
        held-out samples (the datafit's ``score``).
    random_state : seeds the folds (and sampled libraries); results are a function of it.
    executor : where the folds run: "serial", "processes", "dask", an
        :class:`~library_of_mirrors.executors.Executor` or a ``distributed.Client``.
    """
    checked = validate({"n_folds": n_folds, "n_betas": n_betas, "eps": eps, "tol": tol},
                       _CONSTRAINTS)
    n_folds, n_betas, eps = checked["n_folds"], checked["n_betas"], checked["eps"]
    build = {"activation": activation, "depth": depth, "architecture": architecture,
             "leaky_slope": leaky_slope, "n_features": n_features,
             "random_state": random_state}
    whole = build_dictionary(x, **build)  # validates x and the architecture
    x = np.asarray(x, dtype=float).reshape(-1)
    y = check_vector(y, whole.n_samples, "y")
    datafit = get_datafit(loss, quantile, delta)
    if n_folds > x.shape[0]:
        raise ValueError(f"n_folds={n_folds} is more than the {x.shape[0]} samples")
    if betas is None:
        if datafit.grows_working_set:
            raise ValueError(f"pass betas explicitly for loss={loss!r}: the default grid is "
                             "relative to beta_max, exact for the smooth losses only")
        bmax = beta_max(whole, y, loss=datafit)
        if bmax <= 0:
            raise ValueError("beta_max = 0: y is constant, every beta gives z = 0")
        betas = bmax * np.geomspace(1.0, eps, n_betas)
    betas = np.sort(np.array([check_beta(b, "betas") for b in np.atleast_1d(betas)]))[::-1]
    if betas.shape[0] == 0:
        raise ValueError("betas is empty: give at least one beta")
    solve = {"loss": loss, "quantile": quantile, "delta": delta, "tol": tol}
    if delta is None:
        del solve["delta"]
    folds = kfolds(x.shape[0], int(n_folds), random_state)
    out = run_batch(_fold_task, folds, executor, desc="cross-validation folds",
                    progress=progress,
                    shared={"x": x, "y": y, "betas": betas, "build": build, "solve": solve})
    return CVPath(betas, np.array([o["errors"] for o in out]),
                  np.array([o["gaps"] for o in out]), np.array([o["n_active"] for o in out]),
                  np.array([o["converged"] for o in out]), [f[1] for f in folds],
                  np.array([o["n_features"] for o in out]), datafit.name, datafit.score_name)


__all__ = ["CVPath", "cross_validate_path", "kfolds"]
