"""Autoregressive forecasting with exact Lasso networks (paper section 4): data for now;
the forecaster, baselines and backtests build on it."""

from .datasets import DATASETS, Series, load_nile, load_sunspots, read_series

__all__ = ["DATASETS", "Series", "load_nile", "load_sunspots", "read_series"]
