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
"""

from __future__ import annotations

import numpy as np

TRANSFORMS = ("none", "log", "diff", "seasonal-diff", "log-diff", "log-seasonal-diff")


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
