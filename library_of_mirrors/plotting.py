"""Figures as PNG files (matplotlib's Agg canvas, no display, no global pyplot state).

* :func:`plot_fit`: data, the fitted network and its breakpoints coloured by provenance (data
  point, midpoint, reflection, ...: the "library of mirrors" made visible);
* :func:`plot_forecast`: the series' tail, the forecast and its quantile bands;
* :func:`plot_backtest`: each model's error per fold and on average.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .features import Breakpoint

#: one colour per provenance kind (Breakpoint.kind)
PROVENANCE_COLORS = {
    "data": "#1f77b4",
    "midpoint": "#2ca02c",
    "normalized midpoint": "#98df8a",
    "reflection": "#d62728",
    "generalized reflection": "#ff7f0e",
    "double reflection": "#9467bd",
    "combination": "#7f7f7f",
}
MODEL_COLORS = ("#d62728", "#7f7f7f", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e")


def _save(fig: Figure, path, force: bool) -> Path:
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists (use --force / force=True to overwrite)")
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def plot_fit(x, y, predict: Callable[[np.ndarray], np.ndarray],
             breakpoints: Sequence[Breakpoint], path, *, title: str = "",
             xlabel: str = "x", ylabel: str = "y", force: bool = False) -> Path:
    """Scatter of (x, y), the fitted function on the data range, and its breakpoints as
    points on the curve coloured by provenance kind (with a rug along the axis); breakpoints
    outside the plotted range are counted in the legend."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    pad = 0.05 * (float(x.max() - x.min()) or 1.0)
    lo, hi = float(x.min()) - pad, float(x.max()) + pad
    inside = [b for b in breakpoints if lo <= b.position <= hi]
    grid = np.union1d(np.linspace(lo, hi, 2000), [b.position for b in inside])
    fig = Figure(figsize=(8, 4.8))
    ax = fig.add_subplot()
    ax.scatter(x, y, s=9, color="0.6", alpha=0.6, label="data", zorder=2)
    ax.plot(grid, predict(grid), color="black", lw=1.3, label="optimal network", zorder=3)
    kinds = list(dict.fromkeys(b.kind for b in breakpoints))
    for kind in kinds:
        pos = np.array([b.position for b in inside if b.kind == kind])
        outside = sum(1 for b in breakpoints if b.kind == kind) - pos.shape[0]
        color = PROVENANCE_COLORS.get(kind, "0.3")
        label = f"breakpoint: {kind} ({pos.shape[0]}"
        label += f", +{outside} outside the plot)" if outside else ")"
        if pos.size:
            ax.scatter(pos, predict(pos), s=22, color=color, edgecolor="white", lw=0.5,
                       zorder=4, label=label)
            ax.plot(pos, np.zeros_like(pos), "|", color=color, ms=12, mew=1.2,
                    transform=ax.get_xaxis_transform(), clip_on=False)
        else:
            ax.scatter([], [], s=22, color=color, label=label)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return _save(fig, path, force)


def future_index(index: np.ndarray, steps: int) -> np.ndarray:
    """The ``steps`` index values after ``index`` (same spacing as its last two entries)."""
    index = np.asarray(index)
    step = index[-1] - index[-2] if index.shape[0] > 1 else 1
    return index[-1] + step * np.arange(1, steps + 1)


def plot_forecast(index, values, forecast, path, *, quantiles: np.ndarray | None = None,
                  levels: Sequence[float] = (), history: int = 120, title: str = "",
                  ylabel: str = "value", force: bool = False) -> Path:
    """The last ``history`` points, the point forecast and the bands between symmetric
    quantile levels (e.g. 0.1 and 0.9)."""
    index, values = np.asarray(index), np.asarray(values, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    fidx = future_index(index, forecast.shape[0])
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    ax.plot(index[-history:], values[-history:], color="black", lw=1.2, label="observed")
    if quantiles is not None and len(levels) >= 2:
        q = np.asarray(quantiles, dtype=float)
        k = len(levels)
        for i in range(k // 2):
            ax.fill_between(fidx, q[:, i], q[:, k - 1 - i], color="#d62728",
                            alpha=0.15 + 0.1 * i, lw=0,
                            label=f"{levels[i]:g}-{levels[k - 1 - i]:g} quantiles")
    ax.plot(np.concatenate([index[-1:], fidx]), np.concatenate([values[-1:], forecast]),
            color="#d62728", lw=1.6, marker="o", ms=3, label="forecast")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path, force)


def plot_backtest(result, path, *, metric: str = "mase", title: str = "",
                  force: bool = False) -> Path:
    """``metric`` per fold for every model (left) and its mean over the folds (right)."""
    fig = Figure(figsize=(10, 4))
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    names = result.models
    for i, m in enumerate(names):
        rows = [r for r in result.rows if r["model"] == m]
        ax.plot([str(r["cutoff"]) for r in rows], [r[metric] for r in rows], marker="o", ms=3,
                lw=1.2, color=MODEL_COLORS[i % len(MODEL_COLORS)], label=m)
    ax.set_xlabel("cutoff (last training point)")
    ax.set_ylabel(metric.upper())
    ax.set_title(title or f"backtest, horizon {result.horizon}")
    ticks = ax.get_xticks()
    if len(ticks) > 12:
        ax.set_xticks(ticks[:: int(np.ceil(len(ticks) / 12))])
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.legend(fontsize=8)
    means = {r["model"]: r[metric] for r in result.summary()}
    bx.bar(range(len(names)), [means[m] for m in names],
           color=[MODEL_COLORS[i % len(MODEL_COLORS)] for i in range(len(names))])
    bx.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    bx.set_title(f"mean {metric.upper()}")
    return _save(fig, path, force)


__all__ = ["PROVENANCE_COLORS", "future_index", "plot_backtest", "plot_fit", "plot_forecast"]
