"""Rolling-origin backtests of the forecaster against its baselines.

At each cutoff c (every ``step`` points from ``initial``) every model is fitted on the window
before c (all of it: "expanding", or the last ``window_size`` points: "sliding") and forecasts
``horizon`` values, scored against x_c, ..., x_{c+horizon-1}:

* MAE, RMSE;
* MASE: MAE over the in-sample mean absolute one-step change of the training window (the
  random walk's in-sample error), so 1 means "as good as the naive forecast was in-sample";
* pinball: the mean pinball loss ``max(tau r, (tau - 1) r)`` over the quantile levels and the
  horizon, for the models that make quantile forecasts (``has_quantiles``) or prediction bands
  (``has_intervals``: the quantile at tau < 1/2 is the lower end of the central 1 - 2 tau band,
  at tau > 1/2 the upper end of the 2 tau - 1 band); NaN for point-only models such as the
  Adam network, which are left out rather than scored as if their point were every quantile;
* coverage: the fraction of the outcomes inside the model's central ``coverage`` band (default
  80%: the band ``_interval(horizon, 0.8)`` of models with ``has_intervals``, else the
  quantiles at 0.1 and 0.9 of models with ``has_quantiles``); NaN for point-only models;
* fit time (seconds, includes the quantile and band fits of models that make them).

Every model of a fold is fitted on the window's values (an array) and forecasts through the
models' array interface (``_forecast``, ``_interval``, ``predict_quantiles``).
"""

from __future__ import annotations

import copy
import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..executors import run_batch
from ..validation import check_positive_int
from .baselines import AR1, AdamNetwork, RandomWalk
from .datasets import check_series, index_label
from .forecaster import ARForecaster
from .lagmodel import LagModel, check_quantiles

WINDOWS = ("expanding", "sliding")
BASELINES = ("random_walk", "ar1", "adam")
COLUMNS = ("model", "fold", "cutoff", "train_size", "fit_time", "mae", "rmse", "mase",
           "pinball", "coverage")
METRICS = ("fit_time", "mae", "rmse", "mase", "pinball", "coverage")


def pinball(y: np.ndarray, q: np.ndarray, levels) -> float:
    """Mean pinball loss of quantile forecasts ``q`` (steps, levels) for outcomes ``y``."""
    r = y[:, None] - q
    tau = np.asarray(levels)[None]
    return float(np.mean(np.maximum(tau * r, (tau - 1) * r)))


@dataclass
class BacktestResult:
    """One row per (model, fold); :meth:`summary` averages the folds per model.  ``pinball``
    and ``coverage`` are NaN for models without quantiles or bands."""

    rows: list[dict]
    horizon: int
    quantiles: tuple[float, ...]
    window: str
    forecasts: dict = field(default_factory=dict)  # model -> (n_folds, horizon) forecasts
    coverage: float = 0.8  # the nominal coverage of the bands scored in ``coverage``

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(r["model"] for r in self.rows))

    def summary(self) -> list[dict]:
        """Per model: the mean of every metric over the folds (NaN where the model has no
        score, e.g. the pinball loss of a point-only model), and the number of folds."""
        out = []
        for m in self.models:
            rs = [r for r in self.rows if r["model"] == m]
            row = {"model": m, "folds": len(rs)}
            for k in METRICS:
                v = np.array([r[k] for r in rs], dtype=float)
                row[k] = float(np.mean(v[~np.isnan(v)])) if np.any(~np.isnan(v)) else np.nan
            out.append(row)
        return out

    def table(self) -> str:
        """The summary as a fixed-width text table ("-" where a model has no score)."""
        cov = f"cover {self.coverage:.0%}"
        head = f"{'model':<16}{'folds':>6}{'fit s':>9}{'MAE':>11}{'RMSE':>11}{'MASE':>8}" \
               f"{'pinball':>10}{cov:>11}"
        lines = [head, "-" * len(head)]
        for r in self.summary():
            lines.append(f"{r['model']:<16}{r['folds']:>6}{r['fit_time']:>9.3f}"
                         f"{r['mae']:>11.4g}{r['rmse']:>11.4g}{r['mase']:>8.3f}"
                         f"{_cell(r['pinball'], '.4g'):>10}{_cell(r['coverage'], '.3f'):>11}")
        return "\n".join(lines)

    def to_csv(self, path, *, force: bool = False) -> Path:
        """Every row as CSV (an empty cell where a model has no score); refuses to overwrite
        without ``force``."""
        path = Path(path)
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists (use force=True to overwrite)")
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows([{k: "" if isinstance(v, float) and np.isnan(v) else v
                          for k, v in r.items()} for r in self.rows])
        return path

    def to_frame(self):
        """The rows as a pandas DataFrame."""
        return pd.DataFrame(self.rows, columns=list(COLUMNS))


def backtest(series, forecaster: ARForecaster | None = None, *, horizon: int = 1,
             initial: int | None = None, step: int = 1, window: str = "expanding",
             window_size: int | None = None, baselines=BASELINES, quantiles=None,
             coverage: float = 0.8, adam_options: dict | None = None,
             max_folds: int | None = None, progress: bool = False,
             executor="serial") -> BacktestResult:
    """Rolling-origin evaluation of ``forecaster`` (default ``ARForecaster()``) and baselines.

    Parameters
    ----------
    series : values (1-D array or list) or a ``pd.Series`` (its index labels the cutoffs).
    horizon : steps forecast at each cutoff.
    initial : first cutoff (size of the first training window); default: 2/3 of the series.
    step : refit every ``step`` points.
    window : "expanding" (train on everything before the cutoff) or "sliding" (the last
        ``window_size`` points, default ``initial``).
    baselines : any of "random_walk", "ar1", "adam" (an :class:`AdamNetwork` like the
        forecaster, options ``adam_options``), or unfitted models of the lag-model contract
        (e.g. ``SeasonalNaive(12)``; a copy is fitted at every cutoff).
    quantiles : levels scored by the pinball loss (default: the forecaster's).
    coverage : nominal coverage of the central band whose empirical coverage is scored.
    max_folds : keep only the last ``max_folds`` cutoffs.
    executor : where the folds run (each cutoff is one task): "serial", "processes",
        "dask", an :class:`~library_of_mirrors.executors.Executor` or a
        ``distributed.Client``; the rows are the same whatever runs them (``fit_time`` is
        measured inside the task).
    """
    values = check_series(series)
    n = values.shape[0]
    index = series.index if isinstance(series, pd.Series) else pd.RangeIndex(n)
    fc = ARForecaster() if forecaster is None else forecaster
    if not isinstance(fc, ARForecaster):
        raise TypeError(f"forecaster must be an ARForecaster, got {type(fc).__name__}")
    horizon = check_positive_int(horizon, "horizon")
    step = check_positive_int(step, "step")
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}, got {window!r}")
    if isinstance(baselines, (str, LagModel)):
        baselines = [baselines]
    bad = [b for b in baselines if not isinstance(b, LagModel) and b not in BASELINES]
    if bad:
        raise ValueError(f"unknown baseline(s) {bad}; choose from {BASELINES} or pass a model")
    levels = check_quantiles(fc.quantiles if quantiles is None else quantiles)
    coverage = check_quantiles([coverage], "coverage")[0]
    initial = max(2 * n // 3, 1) if initial is None else check_positive_int(initial, "initial")
    need = max([_max_lag(fc)] + [_max_lag(b) for b in baselines if isinstance(b, LagModel)]) + 8
    if initial < need:
        raise ValueError(f"initial={initial} leaves too few training points; need at least "
                         f"{need}")
    if initial + horizon > n:
        raise ValueError(f"the series has {n} points: no fold fits initial={initial} plus "
                         f"horizon={horizon}")
    size = initial if window_size is None else check_positive_int(window_size, "window_size")
    if window == "sliding" and size < need:
        raise ValueError(f"window_size={size} is too small; need at least {need}")
    cutoffs = list(range(initial, n - horizon + 1, step))
    if max_folds is not None:
        cutoffs = cutoffs[-check_positive_int(max_folds, "max_folds"):]

    protos = [(fc.name, _copy(fc))]
    for b in baselines:
        if isinstance(b, LagModel):
            protos.append((b.name, copy.deepcopy(b)))
        elif b == "random_walk":
            protos.append((RandomWalk.name, RandomWalk()))
        elif b == "ar1":
            protos.append((AR1.name, AR1()))
        else:
            opts = {"seed": fc.random_state} | dict(adam_options or {})
            protos.append((AdamNetwork.name, _AdamLike(opts)))
    names = [name for name, _ in protos]
    twice = sorted({m for m in names if names.count(m) > 1})
    if twice:
        raise ValueError(f"two models of the backtest are named {', '.join(map(repr, twice))}; "
                         "give them distinct names (the model's name attribute)")
    starts = [0 if window == "expanding" else max(0, c - size) for c in cutoffs]
    folds = [(k, c, start, _label(index[c - 1])) for k, (c, start) in
             enumerate(zip(cutoffs, starts))]
    per_fold = run_batch(_backtest_fold, folds, executor, desc="backtest",
                         progress=progress,
                         shared={"values": values, "models": protos, "horizon": horizon,
                                 "levels": levels, "coverage": coverage,
                                 "series": series if isinstance(series, pd.Series) else None})
    rows: list[dict] = []
    forecasts: dict = {}
    for fold_rows, points in per_fold:
        rows.extend(fold_rows)
        for name, point in points:
            forecasts.setdefault(name, []).append(point)
    return BacktestResult(rows, horizon, levels, window,
                          {m: np.array(f) for m, f in forecasts.items()}, coverage)


def _backtest_fold(fold: tuple, *, values: np.ndarray, models: list, horizon: int,
                   levels: tuple[float, ...], coverage: float,
                   series: pd.Series | None = None) -> tuple[list[dict], list]:
    """One cutoff of the backtest (one task of the batch): fit a fresh copy of every model on
    the training window (a ``pd.Series`` when the backtest's series is one, so a model can read
    its frequency), forecast ``horizon`` steps, score against the held-out values."""
    k, c, start, label = fold
    train, test = values[start:c], values[c:c + horizon]
    window = train if series is None else series.iloc[start:c]
    scale = float(np.mean(np.abs(np.diff(train))))
    rows, points = [], []
    forecaster = None
    for name, proto in models:
        if isinstance(proto, _AdamLike):  # the Adam network of the fitted forecaster's choices
            model = AdamNetwork.like(forecaster, **proto.options)
        else:
            model = copy.deepcopy(proto)
        t0 = time.perf_counter()
        model.fit(window)
        if isinstance(model, ARForecaster) and forecaster is None:
            forecaster = model
        point = np.asarray(model._forecast(horizon), dtype=float)
        q = model_quantiles(model, horizon, levels)
        band = model_band(model, horizon, coverage)
        elapsed = time.perf_counter() - t0
        err = point - test
        mae = float(np.mean(np.abs(err)))
        rows.append({"model": name, "fold": k, "cutoff": label, "train_size": int(c - start),
                     "fit_time": elapsed, "mae": mae, "rmse": float(np.sqrt(np.mean(err**2))),
                     "mase": mae / scale if scale > 0 else float("inf"),
                     "pinball": np.nan if q is None else pinball(test, q, levels),
                     "coverage": np.nan if band is None else covered(test, band)})
        points.append((name, point))
    return rows, points


def model_quantiles(model, steps: int, levels) -> np.ndarray | None:
    """Quantile forecasts (steps, levels) of a fitted model: ``predict_quantiles`` for models
    with ``has_quantiles``; for models with bands only (``has_intervals``) the lower end of
    the central 1 - 2 tau band for tau < 1/2 and the upper end of the 2 tau - 1 band for
    tau > 1/2 (a band has no median: None when 1/2 is a level); None for point-only models."""
    if getattr(model, "has_quantiles", False):
        return np.asarray(model.predict_quantiles(steps, levels), dtype=float)
    if not getattr(model, "has_intervals", False) or 0.5 in levels:
        return None
    cols = [model._interval(steps, 1.0 - 2.0 * t)[:, 0] if t < 0.5
            else model._interval(steps, 2.0 * t - 1.0)[:, 1] for t in levels]
    return np.column_stack(cols)


def model_band(model, steps: int, coverage: float) -> np.ndarray | None:
    """The central ``coverage`` band (steps, 2) of a fitted model: ``_interval`` for models
    with ``has_intervals``, else the quantiles at (1 - c)/2 and (1 + c)/2 for models with
    ``has_quantiles``; None for point-only models."""
    if getattr(model, "has_intervals", False):
        return np.asarray(model._interval(steps, coverage), dtype=float)
    if getattr(model, "has_quantiles", False):
        levels = ((1.0 - coverage) / 2.0, (1.0 + coverage) / 2.0)
        return np.asarray(model.predict_quantiles(steps, levels), dtype=float)
    return None


def covered(y: np.ndarray, band: np.ndarray) -> float:
    """The fraction of outcomes ``y`` inside ``band`` (steps, 2), ends included."""
    return float(np.mean((band[:, 0] <= y) & (y <= band[:, 1])))


def _cell(v: float, fmt: str) -> str:
    return "-" if np.isnan(v) else format(v, fmt)


def _copy(fc: ARForecaster) -> ARForecaster:
    return clone(fc)


class _AdamLike:
    """The Adam baseline of a fold: built by ``AdamNetwork.like`` from the forecaster fitted on
    the same window (its chosen lags and beta)."""

    def __init__(self, options: dict):
        self.options = options


def _max_lag(model) -> int:
    """The largest lag a model may read: its ``lags`` (a number or a list), or ``max_lags``
    when the lags are chosen at fit time."""
    lags = getattr(model, "lags", 1)
    if isinstance(lags, str):
        return int(getattr(model, "max_lags", None) or 1)
    return int(max(np.atleast_1d(lags)))


def _label(v):
    """A CSV-friendly cutoff label: numbers stay numbers, dates and periods become text
    ("2024-01-31", "1990", "1990Q1")."""
    if isinstance(v, np.generic) and not isinstance(v, np.datetime64):
        return v.item()
    if isinstance(v, (int, float)):
        return v
    return index_label(v)


__all__ = ["BASELINES", "BacktestResult", "WINDOWS", "backtest", "covered", "model_band",
           "model_quantiles", "pinball"]
