"""Autoregressive forecasting with exact Lasso networks (paper section 4).

``ARForecaster`` (x_t = f(x_{t-1}, ..., x_{t-p}) with f trained to its global optimum), the
baselines (random walk, seasonal naive, AR(1) with bias, the same network trained by Adam),
rolling-origin ``backtest`` and the series as ``pd.Series``: the bundled ones, a CSV reader,
the series shipped with statsmodels, and ``future_index`` (the dates after a series).
"""

from .backtest import BASELINES, BacktestResult, backtest, pinball
from .baselines import AR1, AdamNetwork, RandomWalk, SeasonalNaive
from .datasets import (
    DATASETS,
    STATSMODELS_SERIES,
    future_index,
    load_nile,
    load_statsmodels,
    load_sunspots,
    read_series,
)
from .forecaster import ARForecaster
from .lagmodel import LagModel, lag_matrix
from .synthetic import planted_series

__all__ = ["AR1", "ARForecaster", "AdamNetwork", "BASELINES", "BacktestResult", "DATASETS",
           "LagModel", "RandomWalk", "STATSMODELS_SERIES", "SeasonalNaive", "backtest",
           "future_index", "lag_matrix", "load_nile", "load_statsmodels", "load_sunspots",
           "pinball", "planted_series", "read_series"]
