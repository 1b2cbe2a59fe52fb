"""How much memory a library costs before it is built, and what to do when that is too much.

:func:`estimate_library` counts the candidate units of an architecture on N distinct points
(exactly, the count :func:`~.build.build_dictionary` enumerates) and estimates the peak memory
of building the explicit library and solving the Lasso over it: the growth of the process's
peak resident set size, on top of what the process already holds (the package, numpy, the
numba kernels: 250-350 MB).  :func:`plan_library` compares it with a memory budget
(``memory_budget=`` in bytes, else :func:`memory_budget` of the enclosing
:func:`use_memory_budget` block, else :data:`DEFAULT_FRACTION` of the available memory) and
chooses: the explicit library when it fits; the implicit library (priced by structure, memory
O(N)) where the architecture has a structured pricer; else a sampled library that fits
(``allow_sampling``, the command line) or a ValueError naming the ways out.

The constants were measured with ``python scripts/measure_memory.py`` (a fresh process per
case: warm up on 60 points, record ``ru_maxrss``, build on N uniform random points, solve the
squared loss at beta = 1e-2, record ``ru_maxrss`` again; 2 cores, numba's default threads).
The enumeration's hashes and the merged units' kink forms and grid columns dominate; the
solver adds a few vectors of the library's length.  Estimates round up: they are meant to keep
a run inside its budget, not to predict its peak to the megabyte.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..architectures import Architecture, lookup

#: the default memory budget: this fraction of the memory available when the budget is read
DEFAULT_FRACTION = 0.5

#: peak bytes per candidate unit of an explicit library, by (family, weight signs enumerated):
#: the measured growth of the peak RSS over build + solve divided by the candidate count,
#: rounded up (see the module).  Measured (uniform random points, growth / candidates):
#: 3-layer abs N = 500, 1000, 2000: 384, 392, 372 (2N^2 candidates, 75% of them columns,
#: ~500 bytes per column); 3-layer relu N = 500, 1000: 136, 136 (4N^2 candidates, 25% of
#: them columns).  Most of it is the enumeration's merge (hashes, codes and counts of every
#: valid candidate, sorted) and the columns' kink forms and grid entries.  Families without a
#: measurement of their own take the value of their sign convention: unsigned families merge
#: fewer candidates than signed ones
BYTES_PER_CANDIDATE = {
    ("data", False): 400,
    ("midpoint", False): 400,
    ("midpoint_pairs", False): 400,
    ("data", True): 140,
    ("midpoint", True): 140,
    ("midpoint_pairs", True): 140,
    ("padded", True): 140,
    ("padded", False): 400,
    ("symmetrized", True): 140,
}
#: peak bytes per candidate (= column) of a 2-layer library on top of the per-sample bytes:
#: ``scripts/bench_scale.py``'s 2-layer relu fit on N = 10^6 points (2 million columns) peaks
#: at 1.1 GB
BYTES_PER_2_LAYER_COLUMN = 450
#: peak bytes per feature of a sampled library (the sampler's table of drawn units, the
#: features' kink forms and grid columns, the solver's vectors): measured 498 for 100,000
#: features of the 3-layer abs library on N = 2000
BYTES_PER_SAMPLED_FEATURE = 600
#: peak bytes per training sample (data, residuals, the solver's vectors over the samples)
BYTES_PER_SAMPLE = 200
#: peak bytes per distinct point of an implicit library (its pricer's work arrays; the units
#: it materializes are a pool of a few thousand columns at most)
IMPLICIT_BYTES_PER_POINT = 4000
#: fixed part of every estimate (the solver's working sets, scratch arrays)
BASE_BYTES = 32 * 2**20
#: sampling below this many features is not worth it: refuse instead
MIN_SAMPLED_FEATURES = 100

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4,
          "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}

_BUDGET: contextvars.ContextVar[int | None] = contextvars.ContextVar("memory_budget",
                                                                    default=None)


def parse_memory(text: str | int | float) -> int:
    """A memory size in bytes: a number of bytes, or a number with a unit: ``"4GB"``,
    ``"500MB"`` (powers of 1000), ``"2GiB"``, ``"512M"`` (powers of 1024)."""
    if isinstance(text, bool):
        raise TypeError(f"a memory size must be a number of bytes or a string, got {text!r}")
    if isinstance(text, (int, np.integer, float)):
        value, unit = float(text), ""
    elif isinstance(text, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
        if m is None or m.group(2).lower() not in _UNITS:
            raise ValueError(f"a memory size must be a number with an optional unit (e.g. "
                             f"4GB, 500MB, 2GiB), got {text!r}")
        value, unit = float(m.group(1)), m.group(2).lower()
    else:
        raise TypeError(f"a memory size must be a number of bytes or a string, got "
                        f"{type(text).__name__}")
    nbytes = value * _UNITS[unit]
    if not math.isfinite(nbytes) or nbytes <= 0:
        raise ValueError(f"a memory size must be positive, got {text!r}")
    return int(nbytes)


def format_bytes(nbytes: float) -> str:
    """``1.5 GB``, ``320 MB``: a size for messages (powers of 1000)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} B"


def available_memory() -> int:
    """Bytes of memory available to this process now: ``MemAvailable`` of /proc/meminfo (free
    memory plus what the kernel can reclaim), bounded by the cgroup's limit where there is one;
    elsewhere the free physical pages."""
    avail = None
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):  # pragma: no cover - no sysconf
            avail = 4 * 1024**3
    with contextlib.suppress(OSError, ValueError):  # cgroup v2: a container's limit
        with open("/sys/fs/cgroup/memory.max") as fh:
            limit = fh.read().strip()
        if limit != "max":
            with open("/sys/fs/cgroup/memory.current") as fh:
                used = int(fh.read().strip())
            avail = min(avail, max(int(limit) - used, 0))
    return int(avail)


def default_memory_budget() -> int:
    """:data:`DEFAULT_FRACTION` of :func:`available_memory`."""
    return int(DEFAULT_FRACTION * available_memory())


def memory_budget() -> int:
    """The budget in force: the enclosing :func:`use_memory_budget`'s, else the default."""
    b = _BUDGET.get()
    return default_memory_budget() if b is None else b


@contextlib.contextmanager
def use_memory_budget(budget: int | str | None) -> Iterator[None]:
    """Libraries built inside the block (by the estimators, the forecaster, the command line)
    are planned against ``budget`` (bytes or a string such as ``"4GB"``; None: the default)."""
    token = _BUDGET.set(None if budget is None else parse_memory(budget))
    try:
        yield
    finally:
        _BUDGET.reset(token)


@dataclass(frozen=True)
class LibraryEstimate:
    """What a library costs: ``candidates`` (exact count of candidate units of the full
    library, over every input column), ``n_features`` (the sampled size, or None for the full
    library), ``peak_bytes`` (estimated peak memory of building it explicitly and solving over
    it) and ``implicit_bytes`` (the same for the implicit library; None where the
    architecture has no structured pricer)."""

    spec: Architecture
    n_points: int
    n_samples: int
    columns: int
    candidates: int
    n_features: int | None
    peak_bytes: int
    implicit_bytes: int | None

    def describe(self) -> str:
        what = (f"a sampled {self.spec.describe()} library of {self.n_features:,} features"
                if self.n_features is not None else
                f"the full {self.spec.describe()} library ({float(self.candidates):,.4g} "
                "candidate units)")
        return f"{what} on {self.n_points:,} points needs about {format_bytes(self.peak_bytes)}"


def _candidates(spec: Architecture, n: int) -> tuple[int, float]:
    """(candidate units, bytes of their explicit library) on n distinct points."""
    total, nbytes = 0, 0.0
    for fam, signed in spec.families:  # the families of the architecture's row, at its depth
        L = spec.depth
        c = fam.count(L, n, signed)
        total += c
        per = BYTES_PER_2_LAYER_COLUMN if L == 2 else \
            BYTES_PER_CANDIDATE.get((fam.name, bool(signed)), 400)
        nbytes += float(c) * per
    return total, nbytes


def estimate_library(x, activation: str = "relu", depth: int = 2,
                     architecture: str = "deep_narrow", leaky_slope: float | None = None,
                     n_features: int | None = None, *, columns: int = 1,
                     n_samples: int | None = None, cv_folds: int | None = None,
                     midpoints: str = "anchor") -> LibraryEstimate:
    """Candidate count and estimated peak memory of an architecture's library on ``x``: the
    training inputs (their distinct values count), or the number of distinct points (then
    ``n_samples`` counts the samples, default as many).  ``columns`` > 1: an additive library
    (one part per input column, each on as many points); ``n_features``: a sampled library of
    that size; ``cv_folds`` = K: the library of a cross-validation fold ((K - 1) / K of the
    points) is alive next to the full one (beta chosen by cross-validation)."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        n = int(x)
        n_samples = n if n_samples is None else int(n_samples)
    else:
        arr = np.asarray(x, dtype=float)
        n_samples = int(arr.shape[0])
        n = int(np.unique(arr.reshape(arr.shape[0], -1)[:, 0]).shape[0]) if arr.size else 0
    if n < 1:
        raise ValueError(f"the library needs training points, got {n}")
    spec = lookup(activation, depth, architecture, leaky_slope, midpoints)
    cand, explicit = _candidates(spec, n)
    cand *= columns
    per_sample = BYTES_PER_SAMPLE * n_samples * columns + BASE_BYTES
    if n_features is not None:
        peak = per_sample + BYTES_PER_SAMPLED_FEATURE * int(n_features) * (
            1 if cv_folds is None else 2)
    else:
        peak = per_sample + explicit * columns
        if cv_folds is not None and cv_folds > 1:
            fold = max(int(n * (cv_folds - 1) / cv_folds), 1)
            peak += _candidates(spec, fold)[1] * columns
    implicit = None
    if spec.auto_implicit and columns == 1:
        implicit = int(per_sample + IMPLICIT_BYTES_PER_POINT * n)
    return LibraryEstimate(spec, n, n_samples, columns, cand,
                           None if n_features is None else int(n_features), int(peak),
                           implicit)


@dataclass(frozen=True)
class LibraryPlan:
    """What :func:`plan_library` chose: ``kind`` is "explicit", "implicit" or "sampled";
    ``n_features`` the size to sample (None: the full library); ``notice`` one line saying
    why the library is not the explicit one asked for (None when it is)."""

    kind: str
    n_features: int | None
    estimate: LibraryEstimate
    budget: int
    notice: str | None = None


def plan_library(x, activation: str = "relu", depth: int = 2,
                 architecture: str = "deep_narrow", leaky_slope: float | None = None,
                 n_features: int | None = None, *, memory_budget: int | str | None = None,
                 columns: int = 1, cv_folds: int | None = None, allow_implicit: bool = True,
                 allow_sampling: bool = False,
                 options: tuple[str, str, str] = ("n_features=N", "a smaller depth",
                                                  "memory_budget=...")) -> LibraryPlan:
    """Choose the library of an architecture on ``x`` within a memory budget (see the
    module): the explicit one when its estimate fits, else the implicit one (where the
    architecture has a pricer and ``allow_implicit``), else a sample that fits
    (``allow_sampling``), else a ValueError naming ``options`` (how to sample, to shrink the
    network, to raise the budget)."""
    budget = _budget_of(memory_budget)
    est = estimate_library(x, activation, depth, architecture, leaky_slope, n_features,
                           columns=columns, cv_folds=cv_folds)
    if est.peak_bytes <= budget:
        return LibraryPlan("explicit" if n_features is None else "sampled", n_features, est,
                           budget)
    over = f"{est.describe()}, above the memory budget of {format_bytes(budget)}"
    if n_features is None and allow_implicit and est.implicit_bytes is not None \
            and est.implicit_bytes <= budget:
        return LibraryPlan("implicit", None, est, budget,
                           f"{over}: solving over it implicitly (priced by structure, never "
                           "listed)")
    if n_features is None and allow_sampling:
        room = budget - BASE_BYTES - BYTES_PER_SAMPLE * est.n_samples * columns
        k = int(room // (BYTES_PER_SAMPLED_FEATURE * (1 if cv_folds is None else 2)))
        if k >= max(MIN_SAMPLED_FEATURES, columns):
            k = min(k, est.candidates)
            return LibraryPlan("sampled", k, estimate_library(
                x, activation, depth, architecture, leaky_slope, k, columns=columns,
                cv_folds=cv_folds), budget,
                f"{over}: sampling {k:,} features instead (section 4; the fit is the optimum "
                f"over the sample, not over the full library)")
    sample, smaller, larger = options
    raise ValueError(f"{over}; sample a library ({sample}), use {smaller}, or raise the "
                     f"budget ({larger})")


def _budget_of(budget: int | str | None) -> int:
    return memory_budget() if budget is None else parse_memory(budget)


__all__ = ["BYTES_PER_2_LAYER_COLUMN", "BYTES_PER_CANDIDATE", "BYTES_PER_SAMPLED_FEATURE",
           "DEFAULT_FRACTION",
           "LibraryEstimate", "LibraryPlan", "available_memory", "default_memory_budget",
           "estimate_library", "format_bytes", "memory_budget", "parse_memory", "plan_library",
           "use_memory_budget"]
