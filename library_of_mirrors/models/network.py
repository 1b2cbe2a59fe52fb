"""Fitting an exact network: the one pipeline behind every model of the package.

inputs (one column, or several for an additive network) -> library (explicit, sampled, or
implicit when the full one is too large to list) -> certified solve for a datafit -> the
optimal network (Definition B.3) -> its breakpoints with provenance.

``ConvexNetRegressor``, ``ConvexNetClassifier`` (:mod:`.estimators`) and ``ARForecaster``
(:mod:`library_of_mirrors.timeseries.forecaster`) all fit through :func:`fit_network`.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..dictionary import build_additive_dictionary, build_dictionary
from ..dictionary.budget import plan_library
from ..features import Breakpoint
from ..nn.parallel import ParallelNetwork
from ..reconstruct import reconstruct
from ..solvers import solve_lasso
from ..solvers.datafits import Datafit
from ..solvers.result import LassoResult

#: network parameters shared by every model (what :func:`build_library` takes)
NETWORK_PARAMS = ("activation", "depth", "architecture", "leaky_slope", "n_features",
                  "random_state")

_PROGRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("progress", default=False)


@contextlib.contextmanager
def show_progress(on: bool = True) -> Iterator[None]:
    """Fits inside the block that are not told otherwise (``progress=None``) report their
    long steps on stderr: the library build (a bar) and the solve (elapsed time), each only
    once it has taken more than a second.  The command line turns it on unless ``--quiet``."""
    token = _PROGRESS.set(bool(on))
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def _progress(progress: bool | None) -> bool:
    return _PROGRESS.get() if progress is None else bool(progress)


@contextlib.contextmanager
def _solving(d, on: bool) -> Iterator[None]:
    """Elapsed time of a solve on stderr (after a second; the solver has no iteration count
    to show ahead of time)."""
    if not on:
        yield
        return
    from tqdm.auto import tqdm  # noqa: PLC0415

    bar = tqdm(total=None, desc=f"solving over {int(d.n_features):,} features",
               bar_format="{desc}: {elapsed}", delay=1.0, leave=False, file=sys.stderr)
    stop = threading.Event()

    def tick():
        while not stop.wait(1.0):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        bar.close()


@dataclass
class FittedNetwork:
    """A certified fit: the library solved over, the columns ``result.z`` refers to
    (``dictionary``), the solution and the optimal network."""

    library: object
    dictionary: object
    result: LassoResult
    network: ParallelNetwork

    @property
    def implicit(self) -> bool:
        """True when the library was too large to list and was priced by structure."""
        return not self.library.listed

    @property
    def n_library_features(self) -> int:
        return int(self.library.n_features)

    @property
    def n_neurons(self) -> int:
        return int(self.result.active.shape[0])

    def decision(self, X) -> np.ndarray:
        """The network's output at X (the feature sum plus the skip connection's linear
        terms, if any; exact anywhere)."""
        out = self.result.predict(self.dictionary, X)
        lin = self.result.linear
        if lin is not None:
            X = np.asarray(X, dtype=float)
            out = out + (X.reshape(-1) * lin[0] if X.ndim == 1 or X.shape[1] == 1 else X @ lin)
        return out

    def breakpoints(self) -> list[tuple[int, Breakpoint]]:
        """(input column, breakpoint) of every active unit, without repeats, sorted."""
        d, out, seen = self.dictionary, [], set()
        additive = hasattr(d, "feature_columns")
        for j in self.result.active:
            c, feat = d.feature(int(j)) if additive else (0, d.features[int(j)])
            for b in feat.provenance:
                key = (c, round(b.position, 12), b.formula)
                if key not in seen:
                    seen.add(key)
                    out.append((c, b))
        return sorted(out, key=lambda cb: (cb[0], cb[1].position))


def build_library(X: np.ndarray, params: dict, implicit: bool | str = "auto",
                  progress: bool | None = None, memory_budget: int | str | None = None):
    """The library of the network ``params`` (:data:`NETWORK_PARAMS`) on inputs X: (n,) or
    (n, 1) gives the library of Table 3.1, (n, p) the additive one (each unit reads one
    column).

    Nothing is built before the library's peak memory is estimated
    (:func:`~library_of_mirrors.dictionary.budget.plan_library`) against ``memory_budget``
    (bytes or a string such as "4GB"; None: the budget in force, by default half of the
    available memory): a full library above it is implicit (priced by structure) where the
    architecture has a structured pricer and ``implicit="auto"``, else a ValueError says how
    to sample or shrink it.  ``progress``: a bar on stderr (None: :func:`show_progress`)."""
    X = np.asarray(X, dtype=float)
    kw = {k: params.get(k) for k in ("leaky_slope", "n_features", "random_state")}
    one = X.ndim == 1 or X.shape[1] == 1
    if implicit is not True and X.shape[0] > 1 and np.all(np.isfinite(X)):
        plan = plan_library(X.reshape(-1) if one else X[:, 0], params["activation"],
                            params["depth"], params["architecture"], kw["leaky_slope"],
                            kw["n_features"], memory_budget=memory_budget,
                            columns=1 if one else X.shape[1], allow_implicit=bool(implicit),
                            options=("n_features=N", "a smaller depth",
                                     "memory_budget=, or use_memory_budget('8GB')"))
        if plan.kind == "implicit":
            implicit = True
    progress = _progress(progress)
    if one:
        return build_dictionary(X.reshape(-1), params["activation"], params["depth"],
                                params["architecture"], implicit=implicit, progress=progress,
                                **kw)
    return build_additive_dictionary(X, params["activation"], params["depth"],
                                     params["architecture"], progress=progress, **kw)


def fit_network(X, y, params: dict, datafit: Datafit, beta: float, tol: float = 1e-8, *,
                sample_weight=None, library=None, progress: bool | None = None,
                linear=None, warm_start=None) -> FittedNetwork:
    """Build the library (unless given), solve for ``datafit`` at ``beta`` with a certificate,
    and rebuild the optimal network.  A library too large to list becomes implicit where the
    architecture has a structured pricer.  ``linear``: unpenalized linear terms (the skip
    connection, ``solve_lasso(linear=...)``); the rebuilt network of one input carries the
    skip weight, an additive one leaves it to the caller (``result.linear``)."""
    d = build_library(X, params, progress=progress) if library is None else library
    with _solving(d, _progress(progress)):
        res = solve_lasso(d, y, beta, datafit, tol=tol, sample_weight=sample_weight,
                          linear=linear, warm_start=warm_start)
    cols = res.dictionary if res.dictionary is not None else d
    net = reconstruct(cols, res)
    if res.linear is not None and net.inputs is None and res.linear.shape[0] == 1:
        net.skip = float(res.linear[0])
    return FittedNetwork(d, cols, res, net)


__all__ = ["FittedNetwork", "NETWORK_PARAMS", "build_library", "fit_network", "show_progress"]
