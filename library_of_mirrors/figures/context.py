"""What every paper figure needs: options, repetition counts, seeds, data, output files.

A figure is a function ``figure(ctx) -> dict`` that draws one matplotlib ``Figure``, saves it
with :meth:`FigureContext.save` and returns the numbers behind it (written next to the PNG as
JSON).  Randomness comes from :meth:`FigureContext.rng`, seeded by the run's seed and the
figure's own key, so a figure gives the same picture alone or inside ``mirrors figures``.
Experiments that several figures share (4.1 and 4.2; 4.3, 4.5-4.7 and E.2) are computed once
per run through :meth:`FigureContext.cached`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..executors import run_batch
from ..plotting import save_figure
from ..timeseries.datasets import check_series, load_sunspots, read_series

#: repetition counts and sizes: (full run, ``--quick``); the paper's values are the full ones
#: where it gives them (200 sampled problems per depth, 5000 hit-and-run samples, 20 Adam runs,
#: 10^3 sampled features, 40 timed problems per depth)
COUNTS = {
    "samples": (200, 20),  # sampled libraries per depth (Figures 4.3, 4.5-4.7)
    "timed": (40, 20),  # of those, timed for Figure E.2
    "features": (1000, 300),  # features per sampled library
    "hit_and_run": (5000, 1000),  # optimal-set samples (Figure E.1)
    "adam_runs": (20, 5),  # Adam trials per setting (Figures 3.2, 3.5, 4.1, 4.2, 4.4)
    "adam_epochs": (2000, 1000),  # Adam epochs per trial in section 4
    "reflection_epochs": (15000, 6000),  # Adam epochs for Figures 3.2 and 3.5
    "reflection_width": (100, 50),  # Adam network width for Figures 3.2 and 3.5 (paper: 100)
    "path_betas": (12, 6),  # regularization path (Figure 4.4)
    "max_T": (2000, 400),  # at most this many training (and test) points in section 4
}


def note_figure(width: float, height: float) -> Figure:
    """A constrained-layout figure that leaves room along the bottom for the note of
    :meth:`FigureContext.save` (which data the figure used)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0.22 / height, 1, 1 - 0.2 / height))
    return fig


@dataclass
class ARData:
    """A series split for autoregression (section 4): the first T values train, the next T
    test, both standardized with the training mean and standard deviation."""

    series: pd.Series
    train: np.ndarray
    test: np.ndarray
    label: str

    @property
    def xy_train(self) -> tuple[np.ndarray, np.ndarray]:
        """Lag-1 pairs (x_{t-1}, x_t) of the training part."""
        return self.train[:-1], self.train[1:]

    @property
    def xy_test(self) -> tuple[np.ndarray, np.ndarray]:
        return self.test[:-1], self.test[1:]


@dataclass
class FigureContext:
    """Options of one figures run and the state its figures share."""

    out: Path
    quick: bool = False
    seed: int = 0
    force: bool = False
    progress: bool = True
    csv: str | None = None
    column: str | int | None = None
    date_column: str | int | None = None
    overrides: dict = field(default_factory=dict)
    #: the figure being drawn (set by ``FigureSpec.draw``): its PNG name
    png: str | None = None
    #: where repetitions run (:mod:`library_of_mirrors.executors`); None: in this process
    executor: object = None
    _cache: dict = field(default_factory=dict, repr=False)

    # counts and seeds ------------------------------------------------------------------------
    def count(self, name: str) -> int:
        """The repetition count ``name`` of :data:`COUNTS` (or its override) for this run."""
        if self.overrides.get(name) is not None:
            return int(self.overrides[name])
        full, quick = COUNTS[name]
        return quick if self.quick else full

    def rng(self, key: str) -> np.random.Generator:
        """A generator seeded by the run's seed and ``key`` (independent of figure order)."""
        return np.random.default_rng([int(self.seed), zlib.crc32(key.encode())])

    def seeds(self, key: str, n: int) -> list[int]:
        """``n`` integer seeds for repetitions of experiment ``key``."""
        return [int(s) for s in self.rng(key).integers(0, 2**31 - 1, size=n)]

    def cached(self, key: str, compute: Callable[[], object]):
        """``compute()`` once per run (experiments shared by several figures)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def map(self, fn: Callable, items: Iterable, desc: str, shared: dict | None = None) -> list:
        """``[fn(item, **shared) for item in items]`` on the run's executor (in the order of
        ``items``, with a progress bar unless ``progress`` is off).  ``fn`` is a module-level
        function whose result depends on its arguments only, so the numbers do not depend on
        the executor."""
        return run_batch(fn, items, self.executor, shared=shared, desc=desc,
                         progress=self.progress)

    # data --------------------------------------------------------------------------------------
    def series(self) -> pd.Series:
        """The real series of section 4: the user's CSV, or the bundled yearly sunspots (the
        paper's BTC-2017min prices are not available offline)."""
        def load():
            if self.csv is None:
                return load_sunspots()
            if not Path(self.csv).is_file():
                raise ValueError(f"no such file: {self.csv}")
            return read_series(self.csv, self.column, self.date_column)
        return self.cached("series", load)

    def ar_data(self, max_T: int | None = None) -> ARData:
        """The series split into T training and T test values (T <= ``max_T``, the paper's
        2000 for Figure 4.1 and 1000 for Figures 4.3-4.7), standardized on the training part."""
        s = self.series()
        v = check_series(s, min_points=12)
        cap = self.count("max_T") if max_T is None else min(int(max_T), self.count("max_T"))
        T = min(v.shape[0] // 2, cap)
        train, test = v[:T], v[T:2 * T]
        mu, sd = float(train.mean()), float(train.std())
        if sd == 0.0:
            raise ValueError("the training part of the series is constant")
        label = (f"data: {s.name}, {s.attrs.get('source') or 'CSV'}; first {T} values train, "
                 f"next {test.shape[0]} test (standardized)")
        return ARData(s, (train - mu) / sd, (test - mu) / sd, label)

    # output ------------------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        return Path(self.out) / name

    def save(self, fig: Figure, note: str | None = None, tight: bool = True) -> Path:
        """Write ``fig`` as the current figure's PNG in the output folder, with ``note`` (e.g.
        which data it used) printed along the bottom; an existing file is an error unless
        ``force``; ``tight``: see :func:`~library_of_mirrors.plotting.save_figure`."""
        if self.png is None:
            raise ValueError("no figure is being drawn (call FigureSpec.draw(ctx))")
        if note:
            fig.text(0.01, 0.005, note, fontsize=7, color="0.35", ha="left", va="bottom")
        return save_figure(fig, self.path(self.png), force=self.force, tight=tight)


__all__ = ["ARData", "COUNTS", "FigureContext", "note_figure"]
