"""Autoregressive forecasting with exact Lasso networks (paper section 4).

``ARForecaster`` (x_t = f(x_{t-1}, ..., x_{t-p}) with f trained to its global optimum), the
baselines (random walk, AR(1) with bias, the same network trained by Adam), rolling-origin
``backtest`` and the bundled series with a CSV reader.
"""

from .backtest import BASELINES, BacktestResult, backtest, pinball
from .baselines import AR1, AdamNetwork, RandomWalk
from .datasets import DATASETS, Series, load_nile, load_sunspots, read_series
from .forecaster import ARForecaster
from .lagmodel import LagModel, lag_matrix
from .synthetic import planted_series

__all__ = ["AR1", "ARForecaster", "AdamNetwork", "BASELINES", "BacktestResult", "DATASETS",
           "LagModel", "RandomWalk", "Series", "backtest", "lag_matrix", "load_nile",
           "load_sunspots", "pinball", "planted_series", "read_series"]
