"""Transforms of a series before the autoregression, and their inverses for forecasts.

A forecaster models ``u = T(x)`` and maps its forecasts of u back to x:

* ``"none"``: ``u_t = x_t``;
* ``"log"``: ``u_t = log x_t`` (positive series; forecasts are ``exp`` of the forecast of u, the
  median when the errors of u are symmetric);
* ``"diff"``: ``u_t = x_t - x_{t-1}`` (forecasts add up from the last value);
* ``"seasonal-diff"``: ``u_t = x_t - x_{t-m}`` for the period m (forecasts add to the value one
  period before);
* ``"log-diff"`` and ``"log-seasonal-diff"``: the differences of ``log x``.

A transform loses its first ``lost(kind, period)`` values.

Whether to difference at all is a test, as in automatic ARIMA: :func:`kpss_level` is the KPSS
statistic of level stationarity (Kwiatkowski, Phillips, Schmidt and Shin, 1992), whose 5%
critical value is :data:`KPSS_5PCT`.
"""

from __future__ import annotations

import numpy as np

TRANSFORMS = ("none", "log", "diff", "seasonal-diff", "log-diff", "log-seasonal-diff")
#: the 5% critical value of the KPSS statistic for level stationarity (KPSS 1992, Table 1)
KPSS_5PCT = 0.463


def kpss_level(x: np.ndarray) -> float:
    """The KPSS statistic of the hypothesis that ``x`` is stationary around a level:
    ``sum_t S_t^2 / (n^2 s^2)`` with ``S_t`` the partial sums of the demeaned series and
    ``s^2`` its long-run variance (Bartlett weights, Newey-West), the number of lags chosen
    from the data as Hobijn, Franses and Ooms (2004) propose.  Above :data:`KPSS_5PCT` the
    hypothesis is rejected at 5%: the series wants a difference."""
    e = np.asarray(x, dtype=float) - float(np.mean(x))
    n = e.shape[0]
    if n < 3 or not np.any(e):
        return 0.0

    def acov(j: int) -> float:
        return float(e[j:] @ e[:n - j]) / n

    # the bandwidth: n^(2/9) autocovariances estimate the kernel's constant
    m = min(int(n ** (2.0 / 9.0)), n - 1)
    s0 = acov(0) + 2.0 * sum(acov(j) for j in range(1, m + 1))
    s1 = 2.0 * sum(j * acov(j) for j in range(1, m + 1))
    gamma = 1.1447 * ((s1 / s0) ** 2) ** (1.0 / 3.0) if s0 > 0 else 0.0
    lags = min(int(gamma * n ** (1.0 / 3.0)), n - 1)
    lrv = acov(0) + 2.0 * sum((1.0 - j / (lags + 1.0)) * acov(j) for j in range(1, lags + 1))
    if not lrv > 0:
        return 0.0
    return float(np.sum(np.cumsum(e) ** 2) / (n * n * lrv))


def uses_log(kind: str) -> bool:
    return kind.startswith("log")


def lag_of(kind: str, period: int | None) -> int:
    """The difference lag of ``kind`` (0: no differencing)."""
    if kind.endswith("seasonal-diff"):
        if period is None or period < 2:
            raise ValueError(f"transform {kind!r} needs a period of at least 2, got {period!r}")
        return int(period)
    return 1 if kind.endswith("diff") else 0


def check_transform(kind, values: np.ndarray, period: int | None) -> str:
    """``kind`` if it applies to ``values``, else a ValueError naming the problem."""
    if kind is None:
        kind = "none"
    if kind not in TRANSFORMS:
        raise ValueError(f"transform must be one of {', '.join(TRANSFORMS)} or 'auto', got "
                         f"{kind!r}")
    if uses_log(kind) and not np.all(values > 0):
        raise ValueError(f"transform {kind!r} needs a positive series; its minimum is "
                         f"{float(values.min()):.6g}")
    lag_of(kind, period)
    return kind


def forward(values: np.ndarray, kind: str, period: int | None) -> np.ndarray:
    """``T(values)``: ``values.shape[0] - lag_of(kind, period)`` values."""
    u = np.log(values) if uses_log(kind) else np.asarray(values, dtype=float)
    k = lag_of(kind, period)
    return u[k:] - u[:-k] if k else u


def invert(path: np.ndarray, history: np.ndarray, kind: str, period: int | None
           ) -> np.ndarray:
    """The series' values of a forecast ``path`` of u made after ``history`` (the series up to
    the forecast origin)."""
    k = lag_of(kind, period)
    base = np.log(history) if uses_log(kind) else np.asarray(history, dtype=float)
    if k:
        level = np.concatenate([base[-k:], np.empty(path.shape[0])])
        for h in range(path.shape[0]):
            level[k + h] = level[h] + path[h]
        out = level[k:]
    else:
        out = np.asarray(path, dtype=float)
    return np.exp(out) if uses_log(kind) else out


def one_step(u_hat: np.ndarray, values: np.ndarray, times: np.ndarray, kind: str,
             period: int | None) -> np.ndarray:
    """One-step forecasts of ``values[times]`` from forecasts ``u_hat`` of ``u`` at those
    times (``values`` before each time are known)."""
    k = lag_of(kind, period)
    base = np.log(values) if uses_log(kind) else values
    out = u_hat + base[times - k] if k else u_hat
    return np.exp(out) if uses_log(kind) else out


__all__ = ["TRANSFORMS", "check_transform", "forward", "invert", "lag_of", "one_step",
           "uses_log"]
