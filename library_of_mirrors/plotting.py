"""Figures as PNG files (matplotlib's Agg canvas, no display, no global pyplot state).

* :func:`plot_fit`: data, the fitted network and its breakpoints coloured by provenance (data
  point, midpoint, reflection, ...: the "library of mirrors" made visible);
* :func:`plot_forecast`: the series' tail, the forecast and its quantile bands;
* :func:`plot_backtest`: each model's error per fold and on average;
* :func:`mark_breakpoints` / :func:`breakpoint_label`: breakpoints of a feature or network on
  a curve, coloured by provenance and labelled with their values (the paper's figures);
* :func:`save_figure`: write a matplotlib ``Figure`` to PNG, refusing to overwrite unless told.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .features import Breakpoint
from .timeseries.datasets import future_index

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


def save_figure(fig: Figure, path, force: bool = False, tight: bool = True) -> Path:
    """Write ``fig`` to ``path`` (PNG, Agg canvas); an existing file is an error unless
    ``force``.  ``tight``: crop to the drawn content (one more full draw to measure it; a
    figure with fixed margins passes False)."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists (use --force / force=True to overwrite)")
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=120, bbox_inches="tight" if tight else None)
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
    return save_figure(fig, path, force)


def breakpoint_label(b: Breakpoint, digits: int = 4) -> str:
    """``b`` spelled with values instead of indices: ``"4 = R(0, 2)"`` for the reflection of
    the data point 0 about 2, ``"3.5 = (3 + 4)/2"`` for a midpoint, ``"2"`` for a data point."""
    if b.kind == "data" or not b.indices:
        return f"{b.position:.{digits}g}"
    values = dict(zip(b.indices, b.points))

    def value(m: re.Match) -> str:
        v = values[int(m.group(2))]
        text = f"{v:.{digits}g}"
        # a negative value after an operator gets parentheses: 0 + 1 - (-1), 2*(-1)
        return m.group(1) + (f"({text})" if v < 0 and m.group(1).strip() else text)

    text = re.sub(r"([-+*] ?|)x\[(\d+)\]", value, b.formula.split(" = ")[0])
    return f"{b.position:.{digits}g} = {text}"


def mark_breakpoints(ax, breakpoints: Sequence[Breakpoint], f: Callable[[np.ndarray], np.ndarray],
                     *, annotate: bool = True, size: float = 30.0, fontsize: float = 7.0,
                     seen: set | None = None, stagger: int = 1,
                     skip_data_labels: bool = False) -> None:
    """Mark each breakpoint on the curve of ``f``, coloured by provenance kind, with a dotted
    vertical line and (``annotate``) its value-based label, placed on ``stagger`` alternating
    heights (crowded plots) and left out for data points if ``skip_data_labels``.  Kinds
    already in ``seen`` get no new legend entry (pass one set for several calls on the same
    axes)."""
    seen = set() if seen is None else seen
    for k, b in enumerate(sorted(breakpoints, key=lambda bp: bp.position)):
        color = PROVENANCE_COLORS.get(b.kind, "0.3")
        v = float(np.asarray(f(np.array([b.position])), dtype=float).ravel()[0])
        label = None if b.kind in seen else b.kind
        seen.add(b.kind)
        ax.axvline(b.position, color=color, ls=":", lw=0.8, zorder=1)
        ax.scatter([b.position], [v], s=size, color=color, edgecolor="black", lw=0.5,
                   zorder=5, label=label)
        if annotate and not (skip_data_labels and b.kind == "data"):
            ax.annotate(breakpoint_label(b), (b.position, v), xytext=(3, 6 + 11 * (k % stagger)),
                        textcoords="offset points", fontsize=fontsize, color=color)


def _plot_positions(index: pd.Index) -> np.ndarray:
    """x positions matplotlib understands: datetimes for dates and periods (a period at its
    start), numbers otherwise."""
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    if isinstance(index, pd.DatetimeIndex):
        return index.tz_localize(None).to_numpy() if index.tz is not None else index.to_numpy()
    return index.to_numpy()


def plot_forecast(index, values, forecast, path, *, quantiles: np.ndarray | None = None,
                  levels: Sequence[float] = (), history: int = 120, title: str = "",
                  ylabel: str = "value", force: bool = False) -> Path:
    """The last ``history`` points, the point forecast and the bands between symmetric
    quantile levels (e.g. 0.1 and 0.9).

    ``index``: the series' pandas index (dates, periods or numbers; an array is read as
    ``pd.Index``); the forecast is drawn on :func:`future_index` of it."""
    index = index if isinstance(index, pd.Index) else pd.Index(np.asarray(index))
    values = np.asarray(values, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    fidx = _plot_positions(future_index(index, forecast.shape[0]))
    index = _plot_positions(index)
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
    return save_figure(fig, path, force)


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
    return save_figure(fig, path, force)


def plot_cv_path(cv, path, *, title: str = "", force: bool = False) -> Path:
    """A cross-validated path (:class:`~library_of_mirrors.model_selection.CVPath`): held-out
    loss per fold and its mean +- one standard error against beta (top), active units
    (bottom), with the best and the one-standard-error betas marked."""
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax, bx = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    for k, e in enumerate(cv.errors):
        ax.plot(cv.betas, e, color="0.75", lw=0.8, label="folds" if k == 0 else None)
    ax.errorbar(cv.betas, cv.mean, yerr=cv.se, color=MODEL_COLORS[0], marker="o", ms=3,
                lw=1.4, capsize=2, label="mean +- standard error")
    for b, style, name in ((cv.best_beta, "--", "best"), (cv.beta_1se, ":", "1-se")):
        for a in (ax, bx):
            a.axvline(b, color="black", ls=style, lw=1.0,
                      label=f"{name}: beta = {b:.4g}" if a is ax else None)
    ax.set_xscale("log")
    ax.set_ylabel(f"held-out {cv.score}")
    ax.set_title(title or f"{cv.errors.shape[0]}-fold cross-validation of the Lasso path")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.25)
    bx.plot(cv.betas, cv.n_active.mean(axis=0), color=MODEL_COLORS[1], marker="o", ms=3)
    bx.set_ylabel("active units\n(mean over folds)", fontsize=8)
    bx.set_xlabel("beta of the training problem (1.1)")
    bx.grid(alpha=0.25)
    return save_figure(fig, path, force)


__all__ = ["PROVENANCE_COLORS", "breakpoint_label", "mark_breakpoints",
           "plot_backtest", "plot_cv_path", "plot_fit", "plot_forecast", "save_figure"]
