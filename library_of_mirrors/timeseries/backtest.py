"""Rolling-origin backtests of the forecaster against its baselines.

At each cutoff c (every ``step`` points from ``initial``) every model is fitted on the window
before c (all of it: "expanding", or the last ``window_size`` points: "sliding") and forecasts
``horizon`` values, scored against x_c, ..., x_{c+horizon-1}:

* MAE, RMSE;
* MASE: MAE over the in-sample mean absolute one-step change of the training window (the
  random walk's in-sample error), so 1 means "as good as the naive forecast was in-sample";
* pinball: the mean pinball loss ``max(tau r, (tau - 1) r)`` over the quantile levels and the
  horizon (a point-only model's forecast stands in for every level);
* fit time (seconds, includes the quantile fits of models that make them).
"""

from __future__ import annotations

import copy
import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.base import clone

from ..executors import run_batch
from ..validation import check_positive_int
from .baselines import AR1, AdamNetwork, RandomWalk
from .datasets import Series, check_series
from .forecaster import ARForecaster
from .lagmodel import check_quantiles

WINDOWS = ("expanding", "sliding")
BASELINES = ("random_walk", "ar1", "adam")
COLUMNS = ("model", "fold", "cutoff", "train_size", "fit_time", "mae", "rmse", "mase",
           "pinball")


def pinball(y: np.ndarray, q: np.ndarray, levels) -> float:
    """Mean pinball loss of quantile forecasts ``q`` (steps, levels) for outcomes ``y``."""
    r = y[:, None] - q
    tau = np.asarray(levels)[None]
    return float(np.mean(np.maximum(tau * r, (tau - 1) * r)))


@dataclass
class BacktestResult:
    """One row per (model, fold); :meth:`summary` averages the folds per model."""

    rows: list[dict]
    horizon: int
    quantiles: tuple[float, ...]
    window: str
    forecasts: dict = field(default_factory=dict)  # model -> (n_folds, horizon) forecasts

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(r["model"] for r in self.rows))

    def summary(self) -> list[dict]:
        """Per model: the mean of every metric over the folds, and the number of folds."""
        out = []
        for m in self.models:
            rs = [r for r in self.rows if r["model"] == m]
            row = {"model": m, "folds": len(rs)}
            for k in ("fit_time", "mae", "rmse", "mase", "pinball"):
                row[k] = float(np.mean([r[k] for r in rs]))
            out.append(row)
        return out

    def table(self) -> str:
        """The summary as a fixed-width text table."""
        head = f"{'model':<16}{'folds':>6}{'fit s':>9}{'MAE':>11}{'RMSE':>11}{'MASE':>8}" \
               f"{'pinball':>10}"
        lines = [head, "-" * len(head)]
        for r in self.summary():
            lines.append(f"{r['model']:<16}{r['folds']:>6}{r['fit_time']:>9.3f}"
                         f"{r['mae']:>11.4g}{r['rmse']:>11.4g}{r['mase']:>8.3f}"
                         f"{r['pinball']:>10.4g}")
        return "\n".join(lines)

    def to_csv(self, path, *, force: bool = False) -> Path:
        """Every row as CSV; refuses to overwrite without ``force``."""
        path = Path(path)
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists (use force=True to overwrite)")
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows(self.rows)
        return path

    def to_frame(self):
        """The rows as a pandas DataFrame (needs the ``forecast`` extra)."""
        import pandas as pd  # noqa: PLC0415

        return pd.DataFrame(self.rows, columns=list(COLUMNS))


def backtest(series, forecaster: ARForecaster | None = None, *, horizon: int = 1,
             initial: int | None = None, step: int = 1, window: str = "expanding",
             window_size: int | None = None, baselines=BASELINES, quantiles=None,
             adam_options: dict | None = None, max_folds: int | None = None,
             progress: bool = False, executor="serial") -> BacktestResult:
    """Rolling-origin evaluation of ``forecaster`` (default ``ARForecaster()``) and baselines.

    Parameters
    ----------
    series : values (1-D) or a :class:`Series`.
    horizon : steps forecast at each cutoff.
    initial : first cutoff (size of the first training window); default: 2/3 of the series.
    step : refit every ``step`` points.
    window : "expanding" (train on everything before the cutoff) or "sliding" (the last
        ``window_size`` points, default ``initial``).
    baselines : any of "random_walk", "ar1", "adam" (an :class:`AdamNetwork` like the
        forecaster, options ``adam_options``).
    quantiles : levels scored by the pinball loss (default: the forecaster's).
    max_folds : keep only the last ``max_folds`` cutoffs.
    executor : where the folds run (each cutoff is one task): "serial", "processes",
        "dask", an :class:`~library_of_mirrors.executors.Executor` or a
        ``distributed.Client``; the rows are the same whatever runs them (``fit_time`` is
        measured inside the task).
    """
    values = check_series(series)
    index = series.index if isinstance(series, Series) else np.arange(values.shape[0])
    n = values.shape[0]
    fc = ARForecaster() if forecaster is None else forecaster
    if not isinstance(fc, ARForecaster):
        raise TypeError(f"forecaster must be an ARForecaster, got {type(fc).__name__}")
    horizon = check_positive_int(horizon, "horizon")
    step = check_positive_int(step, "step")
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}, got {window!r}")
    bad = [b for b in baselines if b not in BASELINES]
    if bad:
        raise ValueError(f"unknown baseline(s) {bad}; choose from {BASELINES}")
    levels = check_quantiles(fc.quantiles if quantiles is None else quantiles)
    initial = max(2 * n // 3, 1) if initial is None else check_positive_int(initial, "initial")
    need = fc.lags + 8
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
        if b == "random_walk":
            protos.append((RandomWalk.name, RandomWalk()))
        elif b == "ar1":
            protos.append((AR1.name, AR1()))
        else:
            opts = {"seed": fc.random_state} | dict(adam_options or {})
            protos.append((AdamNetwork.name, AdamNetwork.like(fc, **opts)))
    starts = [0 if window == "expanding" else max(0, c - size) for c in cutoffs]
    folds = [(k, c, start, _label(index[c - 1])) for k, (c, start) in
             enumerate(zip(cutoffs, starts))]
    per_fold = run_batch(_backtest_fold, folds, executor, desc="backtest",
                         progress=progress,
                         shared={"values": values, "models": protos, "horizon": horizon,
                                 "levels": levels})
    rows: list[dict] = []
    forecasts: dict = {}
    for fold_rows, points in per_fold:
        rows.extend(fold_rows)
        for name, point in points:
            forecasts.setdefault(name, []).append(point)
    return BacktestResult(rows, horizon, levels, window,
                          {m: np.array(f) for m, f in forecasts.items()})


def _backtest_fold(fold: tuple, *, values: np.ndarray, models: list, horizon: int,
                   levels: tuple[float, ...]) -> tuple[list[dict], list]:
    """One cutoff of the backtest (one task of the batch): fit a fresh copy of every model on
    the training window, forecast ``horizon`` steps, score against the held-out values."""
    k, c, start, label = fold
    train, test = values[start:c], values[c:c + horizon]
    scale = float(np.mean(np.abs(np.diff(train))))
    rows, points = [], []
    for name, proto in models:
        model = copy.deepcopy(proto)
        t0 = time.perf_counter()
        model.fit(train)
        point = model.predict(horizon)
        q = (model.predict_quantiles(horizon, levels) if model.has_quantiles
             else np.repeat(point[:, None], len(levels), axis=1))
        elapsed = time.perf_counter() - t0
        err = point - test
        mae = float(np.mean(np.abs(err)))
        rows.append({"model": name, "fold": k, "cutoff": label, "train_size": int(c - start),
                     "fit_time": elapsed, "mae": mae, "rmse": float(np.sqrt(np.mean(err**2))),
                     "mase": mae / scale if scale > 0 else float("inf"),
                     "pinball": pinball(test, q, levels)})
        points.append((name, point))
    return rows, points


def _copy(fc: ARForecaster) -> ARForecaster:
    return clone(fc)


def _label(v):
    """A CSV-friendly cutoff label (years stay numbers, dates become ISO strings)."""
    if isinstance(v, np.datetime64):
        return str(v)
    return v.item() if isinstance(v, np.generic) else v


__all__ = ["BASELINES", "BacktestResult", "WINDOWS", "backtest", "pinball"]
