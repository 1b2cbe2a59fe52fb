"""Every figure of the paper, regenerated: ``mirrors figures --out DIR`` or one script per
figure in ``scripts/``.

Each figure writes ``figure_<id>.png`` and ``figure_<id>.json`` (the numbers behind it) into
the output folder.  Modules: ``library`` (the dictionaries' features: 3.1, 3.3, 3.4, 3.6,
B.1), ``reflections`` (Lasso vs Adam: 3.2, 3.5), ``autoregression`` (section 4 with Adam and
AR(1): 4.1, 4.2, 4.4), ``depth`` (sampled deep libraries: 4.3, 4.5, 4.6, 4.7, E.2) and
``optimal_sets`` (E.1).  ``--quick`` shrinks every repetition count (:data:`COUNTS`) so the
whole set runs in minutes.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..executors import as_executor
from .context import COUNTS, ARData, FigureContext


@dataclass(frozen=True)
class FigureSpec:
    """One paper figure: its id (``"3.1"``), the module and function drawing it, a title."""

    id: str
    module: str
    function: str
    title: str

    @property
    def stem(self) -> str:
        return "figure_" + self.id.lower().replace(".", "_")

    @property
    def files(self) -> tuple[str, str]:
        return f"{self.stem}.png", f"{self.stem}.json"

    @property
    def uses_series(self) -> bool:
        """Does the figure use the real series of section 4 (``--csv``)?"""
        return self.module in SERIES_MODULES

    def draw(self, ctx: FigureContext) -> dict:
        """Draw the figure into ``ctx``'s folder; returns the numbers behind it."""
        mod = importlib.import_module(f".{self.module}", __name__)
        ctx.png = self.files[0]
        try:
            return getattr(mod, self.function)(ctx)
        finally:
            ctx.png = None


#: the modules whose figures read the real series of section 4
SERIES_MODULES = ("autoregression", "depth")


FIGURES: dict[str, FigureSpec] = {s.id: s for s in (
    FigureSpec("3.1", "library", "figure_3_1",
               "deep narrow abs features: reflection and double-reflection breakpoints"),
    FigureSpec("3.2", "reflections", "figure_3_2",
               "Lasso vs Adam, deep narrow abs networks, L = 3, 4, 5"),
    FigureSpec("3.3", "library", "figure_3_3", "capped ramps: 3-layer relu features"),
    FigureSpec("3.4", "library", "figure_3_4",
               "relu features: ramps, capped ramps, symmetrized generalized reflections"),
    FigureSpec("B.1", "library", "figure_b_1",
               "every 3-layer symmetrized relu feature on three points"),
    FigureSpec("3.5", "reflections", "figure_3_5", "Lasso vs Adam, 3-layer symmetrized relu"),
    FigureSpec("3.6", "library", "figure_3_6", "2-layer relu and threshold dictionaries"),
    FigureSpec("4.1", "autoregression", "figure_4_1",
               "autoregression: exact network vs Adam vs AR(1), training and test loss"),
    FigureSpec("4.2", "autoregression", "figure_4_2", "training time: exact network vs Adam"),
    FigureSpec("4.3", "depth", "figure_4_3",
               "loss per depth, sampled deep abs libraries (one example each)"),
    FigureSpec("4.4", "autoregression", "figure_4_4",
               "regularization path on planted data: exact vs Adam"),
    FigureSpec("4.5", "depth", "figure_4_5", "predictions per depth, sampled deep libraries"),
    FigureSpec("4.6", "depth", "figure_4_6",
               "training loss over repeated sampling, per depth"),
    FigureSpec("4.7", "depth", "figure_4_7", "test loss over repeated sampling, per depth"),
    FigureSpec("E.1", "optimal_sets", "figure_e_1",
               "test MSE over the optimal set (hit-and-run), 3-layer relu"),
    FigureSpec("E.2", "depth", "figure_e_2", "training time over repeated sampling, per depth"),
)}


def select(only: Sequence[str] | str | None = None) -> list[FigureSpec]:
    """The figures named in ``only`` (ids like ``"3.1"``, a list or one comma-separated
    string, case-insensitive; all if None)."""
    if only is None:
        return list(FIGURES.values())
    names = only.split(",") if isinstance(only, str) else list(only)
    names = [n.strip().upper() for n in names if n.strip()]
    unknown = [n for n in names if n not in FIGURES]
    if unknown or not names:
        raise ValueError(f"unknown figure(s) {', '.join(unknown) or '(none given)'}; the paper's "
                         f"figures are {', '.join(FIGURES)}")
    return [FIGURES[n] for n in dict.fromkeys(names)]


def _clean(v):
    """JSON-able copy of ``v``: numpy scalars and arrays as Python values, non-finite floats
    (a network without kinks has an infinite kink distance) as null."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_clean(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def make_figures(out="figures", only: Sequence[str] | str | None = None, *,
                 quick: bool = False, seed: int = 0, force: bool = False,
                 progress: bool = True, csv: str | None = None, column=None,
                 date_column=None, counts: dict | None = None, log=print,
                 executor="serial") -> dict[str, dict]:
    """Draw the paper's figures into ``out``; returns ``{id: numbers behind the figure}``.

    Existing outputs are refused before any work unless ``force``.  ``counts`` overrides
    entries of :data:`COUNTS` (e.g. ``{"samples": 50}``); ``csv`` (with ``column``,
    ``date_column``) replaces the bundled sunspots as the real series of section 4.
    ``executor`` runs the repetitions (sampled libraries, Adam runs, the optimal-set
    problems): "serial", "processes", "dask", an :class:`~library_of_mirrors.executors.
    Executor` or a ``distributed.Client``.  One executor serves the whole run, and the
    numbers are the same whatever it is (wall times excepted)."""
    specs = select(only)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if csv is not None and not any(s.uses_series for s in specs):
        raise ValueError("--csv gives the real series of section 4 (figures "
                         f"{', '.join(s.id for s in FIGURES.values() if s.uses_series)}); "
                         "none of those is selected")
    unknown = sorted(set(counts or {}) - set(COUNTS))
    if unknown:
        raise ValueError(f"unknown count(s) {', '.join(unknown)}; known: {', '.join(COUNTS)}")
    for k, v in (counts or {}).items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              or v < 1):
            raise ValueError(f"{k} must be a positive integer, got {v!r}")
    out = Path(out)
    if str(out) in ("", "."):
        raise ValueError("give an output folder (--out), not the current directory")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder")
    taken = [f for s in specs for f in s.files if (out / f).exists()]
    if taken and not force:
        raise ValueError(f"{out} already holds {', '.join(taken)}; use --force to overwrite or "
                         "choose another --out")
    ctx = FigureContext(out, quick, int(seed), force, progress, csv, column, date_column,
                        dict(counts or {}))
    if any(s.uses_series for s in specs):
        ctx.ar_data()  # a bad CSV fails here, before any figure is drawn
    ctx.executor, owned = as_executor(executor)
    try:
        out.mkdir(parents=True, exist_ok=True)
        results: dict[str, dict] = {}
        bar = specs
        if progress:
            from tqdm.auto import tqdm  # noqa: PLC0415

            bar = tqdm(specs, desc="figures", unit="fig")
        for spec in bar:
            if progress:
                bar.set_postfix_str(spec.id)
            t0 = time.perf_counter()
            numbers = dict(spec.draw(ctx) or {})
            numbers = _clean({"figure": spec.id, "title": spec.title,
                              "seconds": time.perf_counter() - t0, "quick": quick,
                              "seed": seed, "executor": ctx.executor.kind,
                              "counts": {k: ctx.count(k) for k in COUNTS}} | numbers)
            (out / spec.files[1]).write_text(json.dumps(numbers, indent=1, allow_nan=False)
                                             + "\n")
            results[spec.id] = numbers
            log(f"figure {spec.id}: {spec.title} -> {out / spec.files[0]} "
                f"({numbers['seconds']:.1f} s)")
    finally:
        if owned:
            ctx.executor.close()
    return results


__all__ = ["ARData", "COUNTS", "FIGURES", "FigureContext", "FigureSpec", "make_figures",
           "select"]
