"""Baselines for the forecaster (paper section 4 and Appendix E.2): the random walk, AR(1) with a
bias ("AR1+bias"), and a network of the same architecture trained by Adam on the same problem.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from ..nn.parallel import ParallelNetwork
from ..nn.training import train_adam
from ..validation import check_beta, check_positive_int
from .lagmodel import LagModel, check_quantiles


class RandomWalk(LagModel):
    """x_{t+h} = x_t; quantiles from the empirical one-step changes, spread as sqrt(h)."""

    name = "random walk"
    has_quantiles = True

    def __init__(self):
        self.lags = 1
        self.standardize = False

    def _fit(self, X, y) -> None:
        self.diffs_ = y - X[:, 0]

    def _step(self, rows):
        return rows[:, 0]

    def predict_quantiles(self, steps: int, quantiles=(0.1, 0.9)) -> np.ndarray:
        self._check_fitted()
        steps = check_positive_int(steps, "steps")
        levels = check_quantiles(quantiles)
        q = np.quantile(self.diffs_ - self.diffs_.mean(), levels)
        h = np.sqrt(np.arange(1, steps + 1))[:, None]
        return self.values_[-1] + h * q[None]


class AR1(LagModel):
    """x_t = a x_{t-1} + b + eps (least squares); Gaussian quantiles with the iterated variance
    sigma^2 (1 + a^2 + ... + a^{2(h-1)})."""

    name = "AR(1)+bias"
    has_quantiles = True

    def __init__(self):
        self.lags = 1
        self.standardize = True

    def _fit(self, X, y) -> None:
        A = np.column_stack([X[:, 0], np.ones(y.shape[0])])
        (self.a_, self.b_), *_ = np.linalg.lstsq(A, y, rcond=None)
        r = y - A @ np.array([self.a_, self.b_])
        self.sigma_ = float(np.sqrt(r @ r / max(y.shape[0] - 2, 1)))

    def _step(self, rows):
        return self.a_ * rows[:, 0] + self.b_

    def predict_quantiles(self, steps: int, quantiles=(0.1, 0.9)) -> np.ndarray:
        self._check_fitted()
        steps = check_positive_int(steps, "steps")
        levels = check_quantiles(quantiles)
        mean = self.predict(steps)
        var = np.cumsum(self.a_ ** (2 * np.arange(steps))) * self.sigma_**2
        return mean[:, None] + np.sqrt(var)[:, None] * self.scale_ * norm.ppf(levels)[None]


class AdamNetwork(LagModel):
    """The network of the forecaster's architecture (``width`` parallel units, additive for
    lags > 1) trained by Adam on the same standardized objective (1.1) (squared loss) from a
    random start; point forecasts only."""

    name = "Adam network"
    has_quantiles = False

    def __init__(self, lags: int = 1, depth: int = 2, activation: str = "abs",
                 architecture: str = "deep_narrow", beta: float = 1e-2,
                 leaky_slope: float | None = None, width: int = 50, epochs: int = 2000,
                 lr: float = 1e-2, lr_schedule: str = "cosine", seed=None,
                 standardize: bool = True):
        self.lags = lags
        self.depth = depth
        self.activation = activation
        self.architecture = architecture
        self.beta = beta
        self.leaky_slope = leaky_slope
        self.width = width
        self.epochs = epochs
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.seed = seed
        self.standardize = standardize

    @classmethod
    def like(cls, forecaster, **options) -> AdamNetwork:
        """The Adam baseline of an :class:`ARForecaster`'s architecture and beta."""
        return cls(forecaster.lags, forecaster.depth, forecaster.activation,
                   forecaster.architecture, forecaster.beta, forecaster.leaky_slope,
                   standardize=forecaster.standardize, **options)

    def _design(self, X):
        return X[:, 0] if X.shape[1] == 1 else X

    def _fit(self, X, y) -> None:
        check_beta(self.beta)
        self.network_ = train_adam(self._design(X), y, self.beta, self.activation, self.depth,
                                   self.architecture, check_positive_int(self.width, "width"),
                                   self.leaky_slope, epochs=check_positive_int(self.epochs,
                                                                               "epochs"),
                                   lr=self.lr, seed=self.seed, lr_schedule=self.lr_schedule)
        self.objective_ = self.objective(self.network_)

    def objective(self, network: ParallelNetwork | None = None) -> float:
        """Objective (1.1) of ``network`` (default: the trained one) on the training data."""
        self._check_fitted()
        net = self.network_ if network is None else network
        return net.objective(self._design(self.X_), self.y_, self.beta)

    def _step(self, rows):
        return self.network_(self._design(rows))


__all__ = ["AR1", "AdamNetwork", "RandomWalk"]
