"""The library protocol: what the certified solver sees of a library, whatever its kind.

The working-set engine (:mod:`library_of_mirrors.solvers.engine`) never looks inside a library.
It asks ``library.pool()`` for a :class:`Pool`: the columns it may put into working sets, and
answers to

* ``fit(z)``: ``A z`` at the distinct points (rows of the distinct inputs);
* ``price(theta, k)``: the exact ``max_j |A_j^T theta|`` over the *whole* library (this is what
  certifies the duality gap) and about ``k`` columns of largest ``|A_j^T theta|``;
* ``correlations(theta, index)``: ``A_j^T theta`` for pool columns;
* ``columns(index)`` (dense, by the products' own arithmetic) and ``features(index)`` (a batch
  with matrix-free products, for working sets too large to store);
* ``canonical(z)``: the same fit re-expressed at no larger l1 norm and one unit per kink, where
  the library knows how (relu deep narrow libraries, :mod:`.flow`), else None;
* ``flow_depth`` (2, 3 or None): the cost form of a relu deep narrow library in slope-change
  coordinates, ``from_slopes(v)`` (the coefficients of slope changes ``v`` at least l1 cost) and
  ``kinks(index)`` (the slope-change positions of columns), for the slope-change solver
  (:mod:`library_of_mirrors.solvers.slope_lasso`);
* ``dictionary()`` / ``codes()``: what the solution ``z`` refers to.

An explicit library (:class:`~.explicit.Dictionary`, :class:`~.additive.AdditiveDictionary`)
has all its columns in the pool from the start; an implicit one
(:class:`~.implicit.ImplicitDictionary`) materializes the units its structured pricer finds, so
its pool grows (column generation is the working-set loop with a growing pool).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numba import njit


@dataclass
class Pricing:
    """One pricing pass: ``corr_max`` = the exact ``max_j |A_j^T theta|`` over the library;
    ``index`` / ``scores``: pool columns of largest ``|A_j^T theta|`` and those values;
    ``n_priced``: how many library columns the pass covered."""

    corr_max: float
    index: np.ndarray
    scores: np.ndarray
    n_priced: int


class Library(Protocol):
    """What the solvers need of a library (implemented by the explicit, additive and implicit
    dictionaries)."""

    x_unique: np.ndarray
    inverse: np.ndarray
    counts: np.ndarray
    #: True when every feature is a column (a solution has one coefficient per feature);
    #: False for implicit libraries (solutions refer to the pool's materialized columns)
    listed: bool

    @property
    def n_samples(self) -> int: ...

    @property
    def n_features(self) -> int: ...

    @property
    def beta_scale(self) -> float: ...

    def pool(self) -> Pool: ...


class LibraryBase:
    """What every library derives from its architecture row (``spec``) and its samples
    (``inverse``): the network's names, beta~ / beta, L~, whether the Lasso over it is exactly
    the training problem (1.1)."""

    sampled = False

    @property
    def activation(self):
        return self.spec.activation

    @property
    def depth(self) -> int:
        return self.spec.depth

    @property
    def architecture(self) -> str:
        return self.spec.name

    @property
    def midpoints(self) -> str:
        return self.spec.midpoints

    @property
    def beta_scale(self) -> float:
        """beta~ / beta in the Lasso (1.2): 2 for the 3-layer symmetrized network (erratum
        E6), else 1."""
        return self.spec.beta_scale

    @property
    def effective_depth(self) -> int:
        """L~ of (1.1): the depth, or 2 for sign / threshold networks."""
        return self.spec.effective_depth

    @property
    def exact(self) -> bool:
        """True when the Lasso over this library is the training problem (1.1) itself; False
        for sampled libraries and where the library is only an upper bound (errata E3b, E3c):
        then the reconstructed network attains the Lasso value, but a trained one may beat it."""
        return self.spec.exact and not self.sampled

    @property
    def why_inexact(self) -> str | None:
        """Why the Lasso over this library may miss the optimum of (1.1) (a sampled library, an
        incomplete one); None when it is (1.1) itself."""
        if self.sampled:
            return (f"the {self.spec.describe()} library is sampled ({self.n_features:,} "
                    "features): units outside the sample can lower the training objective (1.1)")
        return self.spec.why_inexact

    @property
    def n_samples(self) -> int:
        return int(self.inverse.shape[0])

    # products of a listed library (its ``batch`` routes them through the grid forms)
    def matvec(self, z) -> np.ndarray:
        """A z without forming A: O(N + nnz) over the sorted data."""
        z = np.asarray(z, dtype=float)
        if z.shape != (self.n_features,):
            raise ValueError(f"z must have shape ({self.n_features},), got {z.shape}")
        return self.batch.grid_matvec(z)[self.inverse]

    def rmatvec(self, r) -> np.ndarray:
        """A^T r without forming A: O(N + nnz)."""
        r = np.asarray(r, dtype=float)
        if r.shape != (self.n_samples,):
            raise ValueError(f"r must have shape ({self.n_samples},), got {r.shape}")
        return self.batch.grid_rmatvec(np.bincount(self.inverse, weights=r,
                                                   minlength=self.x_unique.shape[0]))


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest entries (unsorted)."""
    n = scores.shape[0]
    m = min(int(k), n)
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    if m == 1:
        return np.array([int(np.argmax(scores))], dtype=np.int64)
    if m == n:
        return np.arange(m)
    if m <= _HEAP_K:
        return _top_small(scores, m)
    if n >= 64 * m:  # a threshold from a strided sample leaves argpartition a few candidates
        sample = scores[::n // (16 * m)]  # (co2's 4.4M scores, k = 20,000: 48 ms -> 10 ms)
        keep = max(1, int(np.ceil(2.0 * m * sample.shape[0] / n)))
        t = np.partition(sample, sample.shape[0] - keep)[sample.shape[0] - keep]
        cand = np.flatnonzero(scores >= t)
        if cand.shape[0] >= m:  # else the sample misjudged: the full selection below
            return cand[np.argpartition(scores[cand], cand.shape[0] - m)[cand.shape[0] - m:]]
    return np.argpartition(scores, n - m)[n - m:]


def top_k_abs(values: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Indices of the ``k`` largest ``|values|`` (unsorted) and the largest ``|value|`` (0 for
    no values), without an array of absolute values (at N = 10^7 each temporary costs more than
    the pass)."""
    n = values.shape[0]
    m = min(int(k), n)
    if m <= 0 or m > _HEAP_K:
        a = np.abs(values)
        a[np.isnan(a)] = -1.0  # NaN never joins (below every |value|)
        return top_k(a, m), float(a.max(initial=0.0))
    heap_v = np.empty(m)
    heap_i = np.empty(m, dtype=np.int64)
    size, vmax = _heap_pass(values, heap_v, heap_i, True)
    return heap_i[:size].copy(), max(vmax, 0.0)


#: up to this many, the largest entries are kept in a heap in one pass (an argpartition over
#: millions of scores costs 35 ms, the heap pass a few)
_HEAP_K = 256


@njit(cache=True)
def heap_offer(v, code, hv, hc, size):
    """Offer (v, code) to the min-heap ``hv``/``hc`` of ``size`` entries (capacity
    ``hv.shape[0]``, the smallest at 0): it joins while there is room, else it replaces the
    smallest if larger.  Returns the new size."""
    m = hv.shape[0]
    if size < m:  # sift up
        k = size
        size += 1
        while k > 0:
            parent = (k - 1) // 2
            if hv[parent] <= v:
                break
            hv[k] = hv[parent]
            hc[k] = hc[parent]
            k = parent
        hv[k] = v
        hc[k] = code
    elif v > hv[0]:  # replace the smallest, sift down
        k = 0
        while True:
            child = 2 * k + 1
            if child >= m:
                break
            if child + 1 < m and hv[child + 1] < hv[child]:
                child += 1
            if hv[child] >= v:
                break
            hv[k] = hv[child]
            hc[k] = hc[child]
            k = child
        hv[k] = v
        hc[k] = code
    return size


def _top_small(scores: np.ndarray, m: int) -> np.ndarray:
    """The indices of the ``m`` largest scores (``m < len(scores)``): a min-heap of the best
    so far, one pass.  NaN scores are never kept."""
    heap_v = np.empty(m)
    heap_i = np.empty(m, dtype=np.int64)
    size, _ = _heap_pass(scores, heap_v, heap_i, False)
    return heap_i[:size].copy()


@njit(cache=True)
def _heap_pass(values, heap_v, heap_i, absolute):
    """One pass over ``values`` (their absolute values if ``absolute``): the largest in the
    min-heap ``heap_v`` / ``heap_i`` (its capacity), NaN never; returns (heap size, the
    largest value, -inf for none)."""
    vmax = -np.inf
    size = 0
    m = heap_v.shape[0]
    for j in range(values.shape[0]):
        v = abs(values[j]) if absolute else values[j]
        if v > vmax:
            vmax = v
        # the test inline (most values are rejected: a call per value cost 15 ns)
        if v == v and (size < m or v > heap_v[0]):
            size = heap_offer(v, j, heap_v, heap_i, size)
    return size, vmax


class Pool:
    """The working columns of a library (see the module).  Subclasses set ``batch`` (the
    materialized columns: ``grid_matvec``, ``grid_rmatvec``, ``grid_columns``, ``subset``) and
    implement :meth:`price`."""

    batch = None

    def __len__(self) -> int:
        return 0 if self.batch is None else self.batch.n_features

    def fit(self, z: np.ndarray) -> np.ndarray:
        """``A z`` at the distinct inputs, with compensated sums: the certificate's residual
        must be the rounded exact one even where columns cancel."""
        return self.batch.grid_matvec_accurate(z)

    def correlations(self, theta_u: np.ndarray, index: np.ndarray | None = None) -> np.ndarray:
        b = self.batch if index is None else self.batch.subset(index)
        return b.grid_rmatvec(theta_u)

    def columns(self, index: np.ndarray) -> np.ndarray:
        return self.batch.subset(index).grid_columns()

    def features(self, index: np.ndarray):
        return self.batch.subset(index)

    def price(self, theta_u: np.ndarray, k: int, centered: bool = True) -> Pricing:
        raise NotImplementedError

    #: whether :meth:`canonical` can re-express a solution (relu libraries)
    has_canonical = False
    #: every column is materialized (an explicit library): the correlations of any set of
    #: its columns cost O(N + their kinks), with no pricing pass
    lists_columns = False
    #: True when a pricing round costs more than a restricted solve over every column priced so
    #: far (the symmetrized pricer, about O(N^2)): the pool is then the working set, as in column
    #: generation; otherwise the engine keeps celer's working sets
    keep_priced = False

    def price_screened(self, theta_u: np.ndarray, k: int) -> Pricing | None:
        """A cheap pricing round over the units the last exact round screened (violators to
        add; its ``corr_max`` is no bound of the library's), or None where the library has no
        screen."""
        return None

    def canonical(self, z: np.ndarray) -> np.ndarray | None:
        return None

    #: relu deep narrow libraries: 2 or 3 (:mod:`.flow`); None elsewhere
    flow_depth: int | None = None

    def from_slopes(self, v: np.ndarray) -> np.ndarray | None:
        """Coefficients (pool coordinates; the pool may grow) of the units that make the slope
        changes ``v`` (one per distinct point, ``v[0]`` the initial slope) at the least l1
        cost, up to a constant; None where the library has no such form."""
        return None

    def kinks(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The slope-change positions (>= 1) of columns ``index``: (position in ``index``,
        kink) pairs."""
        b = self.batch.subset(np.asarray(index, dtype=np.int64))
        owner = np.repeat(np.arange(b.n_features), np.diff(b.grid_ptr))
        keep = b.grid_row >= 2
        return owner[keep], (b.grid_row[keep] - 1).astype(np.int64)

    def dictionary(self):
        raise NotImplementedError

    def codes(self) -> np.ndarray | None:
        return None

    def warm(self, warm_start) -> np.ndarray | None:
        """A warm start (a previous result or coefficients) in the pool's coordinates."""
        raise NotImplementedError


class ExplicitPool(Pool):
    """Every column of an explicit library; pricing is ``A^T theta`` over all of them, O(N +
    nnz).  ``canon``: the library's re-expression map, if any."""

    lists_columns = True

    def __init__(self, library, canon: Callable[[np.ndarray], np.ndarray | None] | None = None):
        self.library = library
        self.batch = library.batch
        self._canon = canon
        self.has_canonical = canon is not None

    def price(self, theta_u: np.ndarray, k: int, centered: bool = True) -> Pricing:
        corr = self.batch.grid_rmatvec(theta_u)
        np.abs(corr, out=corr)
        cmax = float(corr.max()) if corr.shape[0] else 0.0
        pick = top_k(corr, k)
        return Pricing(cmax, pick, corr[pick], corr.shape[0])

    def canonical(self, z: np.ndarray) -> np.ndarray | None:
        return None if self._canon is None else self._canon(z)

    @property
    def flow_depth(self) -> int | None:
        return None if self._canon is None else self.library.spec.flow_depth

    def from_slopes(self, v: np.ndarray) -> np.ndarray | None:
        return None if self._canon is None else self._canon.from_slopes(v)

    def dictionary(self):
        return self.library

    def warm(self, warm_start) -> np.ndarray | None:
        if warm_start is None:
            return None
        z0 = np.asarray(getattr(warm_start, "z", warm_start), dtype=float)
        if z0.shape != (len(self),):
            raise ValueError(f"warm_start must have {len(self)} coefficients, got {z0.shape}")
        if not np.all(np.isfinite(z0)):
            raise ValueError("warm_start contains NaN or infinite coefficients")
        return z0


class ImplicitPool(Pool):
    """Materialized units of an implicit library, in the order they joined, without repeats
    (equal columns up to sign hash alike; all-zero columns never join).  ``library`` offers
    ``price(theta, k, centered)`` (with ``corr_max``, ``codes``, ``scores``, ``n_priced``),
    ``hash_codes(codes)``, ``materialize(codes, kinks)``, ``costly_pricing`` and, where
    ``has_flow_form``,
    ``flow_decomposition(v)`` (unit codes and coefficients of the slope changes ``v``)."""

    def __init__(self, library):
        self.library = library
        self.keep_priced = bool(library.costly_pricing)
        self.has_canonical = bool(library.has_flow_form)
        self._codes: list[int] = []
        self._kinks: list[int] = []
        self._orient: list[int] = []
        self._seen: dict[tuple[int, int], int] = {}
        self._dict = None
        self._screen = None

    def __len__(self) -> int:
        return len(self._codes)

    @property
    def batch(self):
        return self.dictionary().batch

    def locate(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pool index and sign of every unit (the pool's column times the sign is the unit's
        column), adding the new ones; index -1 for all-zero columns."""
        codes = np.asarray(codes, dtype=np.int64)
        m = codes.shape[0]
        index = np.full(m, -1, dtype=np.int64)
        sign = np.ones(m)
        if m == 0:
            return index, sign
        h1, h2, nk, valid, orient = self.library.hash_codes(codes)
        for a in np.flatnonzero(valid):
            key = (int(h1[a]), int(h2[a]))
            i = self._seen.get(key)
            if i is None:
                i = self._seen[key] = len(self._codes)
                self._codes.append(int(codes[a]))
                self._kinks.append(int(nk[a]))
                self._orient.append(int(orient[a]))
                self._dict = None
            index[a] = i
            sign[a] = float(orient[a] * self._orient[i])
        return index, sign

    def price(self, theta_u: np.ndarray, k: int, centered: bool = True) -> Pricing:
        p = self.library.price(theta_u, k, centered)
        self._screen = p.screen
        return self._pricing(p)

    def price_screened(self, theta_u: np.ndarray, k: int) -> Pricing | None:
        if self._screen is None:
            return None
        return self._pricing(self.library.price_screened(theta_u, k, self._screen))

    def _pricing(self, p) -> Pricing:
        idx, _ = self.locate(p.codes)
        ok = idx >= 0
        idx, scores = idx[ok], p.scores[ok]
        # several codes may share a column: keep each column once, with its score
        uniq, first = np.unique(idx, return_index=True)
        return Pricing(p.corr_max, uniq, scores[first], p.n_priced)

    def canonical(self, z: np.ndarray) -> np.ndarray | None:
        if not self.library.has_flow_form or np.count_nonzero(z) <= 1:
            return None
        codes, coef = self.library.flow_decomposition(self.batch.slope_changes(z))
        if codes.shape[0] >= np.count_nonzero(z):
            return None
        return self._place(codes, coef)

    def _place(self, codes, coef) -> np.ndarray:
        idx, sgn = self.locate(codes)
        out = np.zeros(len(self))
        ok = idx >= 0
        np.add.at(out, idx[ok], sgn[ok] * coef[ok])
        return out

    @property
    def flow_depth(self) -> int | None:
        return self.library.spec.flow_depth

    def from_slopes(self, v: np.ndarray) -> np.ndarray | None:
        if not self.library.has_flow_form:
            return None
        return self._place(*self.library.flow_decomposition(v))

    def dictionary(self):
        if self._dict is None:
            self._dict = self.library.materialize(np.array(self._codes, dtype=np.int64),
                                                  np.array(self._kinks, dtype=np.int64))
        return self._dict

    def codes(self) -> np.ndarray:
        return np.array(self._codes, dtype=np.int64)

    def warm(self, warm_start) -> np.ndarray | None:
        """The units of a previous result over the same library join the pool, with their
        coefficients."""
        if warm_start is None:
            return None
        codes = getattr(warm_start, "codes", None)
        old = getattr(warm_start, "dictionary", None)
        if codes is None or old is None:
            raise ValueError("warm_start for an implicit dictionary must be a LassoResult of an "
                             "implicit solve (it carries the units of its solution)")
        lib = self.library
        if (old.x_unique.shape != lib.x_unique.shape
                or not np.array_equal(old.x_unique, lib.x_unique) or old.spec != lib.spec):
            raise ValueError("warm_start was solved over a different library (other points or "
                             "architecture)")
        keep = np.flatnonzero(warm_start.z)
        idx, sgn = self.locate(np.asarray(codes, dtype=np.int64)[keep])
        z = np.zeros(len(self))
        ok = idx >= 0
        np.add.at(z, idx[ok], sgn[ok] * warm_start.z[keep][ok])
        return z


__all__ = ["ExplicitPool", "ImplicitPool", "Library", "LibraryBase", "Pool", "Pricing",
           "heap_offer", "top_k"]
