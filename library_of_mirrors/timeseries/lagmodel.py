"""What every autoregressive model here shares: lag rows, standardization, recursive forecasts.

A model sees the series through rows ``(x_{t-1}, ..., x_{t-p})`` and targets ``x_t``
(:func:`lag_matrix`) after standardizing with the training mean and standard deviation; a
subclass supplies the one-step map ``_step`` on standardized rows, and :meth:`LagModel.predict`
iterates it.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_positive_int
from .datasets import check_series


def lag_matrix(values: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``(x_{t-1}, ..., x_{t-p})`` and targets ``x_t`` for t = p, ..., n-1."""
    n = values.shape[0]
    X = np.column_stack([values[lags - k - 1:n - k - 1] for k in range(lags)])
    return X, values[lags:]


def check_quantiles(quantiles, name: str = "quantiles") -> tuple[float, ...]:
    """Levels strictly between 0 and 1, sorted, without repeats."""
    try:
        q = np.atleast_1d(np.asarray(quantiles, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers in (0, 1), got {quantiles!r}") from None
    if q.ndim != 1 or q.size == 0 or not np.all((q > 0) & (q < 1)):
        raise ValueError(f"{name} must be levels strictly between 0 and 1, got "
                         f"{[float(v) for v in q.ravel()] or 'none'}")
    return tuple(float(v) for v in np.unique(q))


class LagModel:
    """Base of the forecasters: ``fit`` prepares the standardized lag data and calls
    ``_fit(X, y)``; ``predict`` iterates ``_step``.  ``has_quantiles`` says whether
    ``predict_quantiles`` exists."""

    name = "model"
    has_quantiles = False
    lags: int = 1
    standardize: bool = True

    def _prepare(self, series) -> tuple[np.ndarray, np.ndarray]:
        p = check_positive_int(self.lags, "lags")
        v = check_series(series, min_points=p + 3)
        center, scale = (float(v.mean()), float(v.std())) if self.standardize else (0.0, 1.0)
        if scale == 0.0:
            raise ValueError("the series is constant; there is nothing to fit")
        self.center_, self.scale_ = center, scale
        self.values_ = v
        pandas = hasattr(series, "iloc") and hasattr(series, "index")
        self.index_ = series.index if pandas else None
        self.series_name_ = getattr(series, "name", None) if pandas else None
        self.X_, self.y_ = lag_matrix((v - center) / scale, p)
        return self.X_, self.y_

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _step(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "values_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call "
                             "fit(series) first")

    def _unscale(self, s):
        return np.asarray(s) * self.scale_ + self.center_

    def _last_row(self) -> np.ndarray:
        """The standardized lags after the end of the training series, shape (1, p)."""
        return ((self.values_[::-1][:self.lags] - self.center_) / self.scale_)[None]

    def _forecast(self, steps: int) -> np.ndarray:
        """The recursive point forecast of the next ``steps`` values (series units)."""
        row = self._last_row()[0]
        out = np.empty(steps)
        for h in range(steps):
            out[h] = self._step(row[None])[0]
            row = np.concatenate([[out[h]], row[:-1]])
        return self._unscale(out)

    def _interval(self, steps: int, coverage: float) -> np.ndarray:
        """Lower and upper ends of the central ``coverage`` band, shape (steps, 2); models
        with ``has_intervals`` implement it."""
        raise NotImplementedError(f"{type(self).__name__} makes point forecasts only")

    has_intervals = False

    def _wrap(self, values: np.ndarray, columns=None, horizons=None):
        """Forecast values (of the horizons 1..len(values)) at ``horizons`` (1-based), in the
        type of the training series: a pandas object on the future index when the model was
        fitted on a ``pd.Series``, else the array itself."""
        steps = values.shape[0]
        keep = np.arange(steps) if horizons is None else np.asarray(horizons) - 1
        index = getattr(self, "index_", None)
        if index is None:
            return values[keep]
        import pandas as pd  # noqa: PLC0415

        from .datasets import future_index  # noqa: PLC0415

        idx = future_index(index, steps)[keep]
        if columns is None:
            return pd.Series(values[keep], index=idx, name=getattr(self, "series_name_", None))
        return pd.DataFrame(values[keep], index=idx, columns=columns)

    def fit(self, series, y=None) -> LagModel:
        """Fit to ``series`` (``y`` is ignored: the scikit-learn signature of a model without
        targets, so the model can end a ``Pipeline``)."""
        X, y = self._prepare(series)
        self._fit(X, y)
        return self

    def predict(self, fh):
        """Recursive forecast after the training series.  ``fh`` (the forecast horizon): an int
        h for the next h values, or a list of horizons such as [1, 6, 12].  A ``pd.Series`` on
        the future dates when fitted on a ``pd.Series``, else an array."""
        self._check_fitted()
        steps, horizons = forecast_horizon(fh)
        return self._wrap(self._forecast(steps), horizons=horizons)

    def predict_interval(self, fh, coverage: float = 0.8):
        """The central ``coverage`` prediction band at the horizons ``fh`` (as in
        :meth:`predict`): columns "lower" and "upper" (a ``pd.DataFrame`` on the future dates
        when fitted on a ``pd.Series``, else an array of shape (len(horizons), 2))."""
        self._check_fitted()
        steps, horizons = forecast_horizon(fh)
        check_quantiles([coverage], "coverage")
        return self._wrap(self._interval(steps, float(coverage)), ["lower", "upper"],
                          horizons)


def forecast_horizon(fh) -> tuple[int, np.ndarray | None]:
    """(steps to forecast, the horizons to return or None for all): an int h, or a list of
    positive horizons."""
    if isinstance(fh, (int, np.integer)) and not isinstance(fh, bool):
        return check_positive_int(fh, "steps"), None
    try:
        h = np.asarray(list(fh))
    except TypeError:
        raise TypeError(f"the forecast horizon must be an int or a list of positive ints, got "
                        f"{fh!r}") from None
    if h.size == 0 or h.dtype.kind not in "iu" or h.min() < 1:
        raise ValueError(f"the forecast horizon must be positive ints, got {fh!r}")
    return int(h.max()), h.astype(np.int64)


__all__ = ["LagModel", "check_quantiles", "forecast_horizon", "lag_matrix"]
