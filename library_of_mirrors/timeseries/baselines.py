"""Baselines for the forecaster (paper section 4 and Appendix E.2): the random walk, the
seasonal naive forecast, AR(1) with a bias ("AR1+bias"), and a network of the same architecture
trained by Adam on the same problem.

The random walk, the seasonal naive forecast and AR(1) make quantile forecasts
(``predict_quantiles``) and central prediction bands (``predict_interval``: the quantiles at
(1 - c)/2 and (1 + c)/2 for coverage c); the Adam network makes point forecasts only.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from ..nn.parallel import ParallelNetwork
from ..nn.training import train_adam
from ..validation import check_beta, check_positive_int
from .lagmodel import LagModel, check_quantiles


def _band_levels(coverage: float) -> tuple[float, float]:
    """The quantile levels of the central ``coverage`` band."""
    return (1.0 - coverage) / 2.0, (1.0 + coverage) / 2.0


class _QuantileBaseline(LagModel):
    """A baseline with closed-form quantiles ``_quantiles(steps, levels)`` (steps, levels):
    ``predict_quantiles`` and the central bands of ``predict_interval`` come from it."""

    has_quantiles = True
    has_intervals = True

    def _quantiles(self, steps: int, levels) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict_quantiles(self, steps: int, quantiles=(0.1, 0.9)) -> np.ndarray:
        """Quantile forecasts of the next ``steps`` values, shape (steps, levels) (the levels
        sorted)."""
        self._check_fitted()
        steps = check_positive_int(steps, "steps")
        return self._quantiles(steps, np.array(check_quantiles(quantiles)))

    def _interval(self, steps: int, coverage: float) -> np.ndarray:
        return self._quantiles(steps, np.array(_band_levels(coverage)))


class RandomWalk(_QuantileBaseline):
    """x_{t+h} = x_t; quantiles from the empirical one-step changes (centred), spread as
    sqrt(h)."""

    name = "random walk"

    def __init__(self):
        self.lags = 1
        self.standardize = False

    def _fit(self, X, y) -> None:
        self.diffs_ = y - X[:, 0]

    def _step(self, rows):
        return rows[:, 0]

    def _quantiles(self, steps: int, levels) -> np.ndarray:
        q = np.quantile(self.diffs_ - self.diffs_.mean(), levels)
        h = np.sqrt(np.arange(1, steps + 1))[:, None]
        return self.values_[-1] + h * q[None]


class SeasonalNaive(_QuantileBaseline):
    """x_{t+h} = x_{t+h-m k} with k = ceil(h/m): the value one season of ``period`` m before
    (the last observed season repeated); quantiles from the empirical seasonal differences
    x_t - x_{t-m} (centred), spread as sqrt(ceil(h/m))."""

    name = "seasonal naive"

    def __init__(self, period: int = 12):
        self.period = period
        self.lags = period
        self.standardize = False

    def _fit(self, X, y) -> None:
        self.diffs_ = y - X[:, -1]

    def _prepare(self, series):
        self.lags = check_positive_int(self.period, "period")
        return super()._prepare(series)

    def _step(self, rows):
        return rows[:, -1]

    def _quantiles(self, steps: int, levels) -> np.ndarray:
        q = np.quantile(self.diffs_ - self.diffs_.mean(), levels)
        seasons = np.ceil(np.arange(1, steps + 1) / self.period)
        return self._forecast(steps)[:, None] + np.sqrt(seasons)[:, None] * q[None]


class AR1(_QuantileBaseline):
    """x_t = a x_{t-1} + b + eps (least squares); Gaussian quantiles with the iterated variance
    sigma^2 (1 + a^2 + ... + a^{2(h-1)})."""

    name = "AR(1)+bias"

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

    def _quantiles(self, steps: int, levels) -> np.ndarray:
        mean = self._forecast(steps)
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
        """The Adam baseline of an :class:`ARForecaster`'s architecture and beta.

        A fitted forecaster lends the lags and beta it chose (``lags_``, ``beta_``), an
        unfitted one its ``lags`` and ``beta`` parameters.  The Adam network reads the
        contiguous lags 1..p up to the largest of them; lags or beta still to be chosen
        ("auto") need a fitted forecaster."""
        lags = getattr(forecaster, "lags_", None)
        lags = forecaster.lags if lags is None else lags
        beta = getattr(forecaster, "beta_", None)
        beta = forecaster.beta if beta is None else beta
        if isinstance(lags, str) or isinstance(beta, str):
            raise ValueError("AdamNetwork.like needs a fitted forecaster when its lags or beta "
                             "are chosen at fit time ('auto')")
        return cls(int(max(np.atleast_1d(lags))), forecaster.depth, forecaster.activation,
                   forecaster.architecture, float(beta), forecaster.leaky_slope,
                   standardize=getattr(forecaster, "standardize", True), **options)

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


__all__ = ["AR1", "AdamNetwork", "RandomWalk", "SeasonalNaive"]
