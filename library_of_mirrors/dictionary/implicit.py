"""Implicit libraries: the full dictionary of an architecture, priced by structure, never listed.

The 3-layer deep narrow relu library holds about N^2 features (10^10 at N = 10^5), the 3-layer
deep narrow abs one 2 N^2 (its data and midpoint units, Definition 3.9 and Lemma D.11) and the
3-layer symmetrized one about 8 N^3; none can be enumerated at scale, let alone stored.  An
:class:`ImplicitDictionary` keeps only the training points and answers two questions:

* :meth:`~ImplicitDictionary.price`: for a dual vector, the largest ``|A^T theta|`` over the
  whole library (exact: it certifies the duality gap) and the most correlated units, by the
  structured kernels of :mod:`.pricing`, :mod:`.mirrors` and :mod:`.symmetrized` (O(N) for
  deep narrow relu, O(N^2) time and O(N) memory for 3-layer abs, O(N^3) time at worst and
  about O(N^2) in practice, O(N) memory, for symmetrized);
* :meth:`~ImplicitDictionary.materialize`: an ordinary :class:`~.explicit.Dictionary` holding
  chosen units (kink forms, network units, provenance), exactly as the full library would.

A library of several families (3-layer abs: ``data`` and ``midpoint``) numbers its units
across them: a unit code is its family's code plus the count of the families before it
(:meth:`~ImplicitDictionary.split_codes`), so the pool, warm starts and hashing see one integer
per unit.

The solver sees it through :meth:`~ImplicitDictionary.pool`, a growing pool of materialized
units (:class:`~.pools.ImplicitPool`): column generation is the working-set loop with a pool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..architectures import IMPLICIT_SUPPORTED, Architecture
from ..families import arrangement as arr
from . import flow
from . import pricing as pr
from .columns import build_batch, grid_scales, hash_units, internal_origin
from .explicit import Dictionary
from .mirrors import price_mirrors
from .pools import ImplicitPool, LibraryBase, top_k, top_k_abs
from .symmetrized import price_symmetrized_pairs, symmetrized_round


@dataclass
class UnitPricing:
    """One pricing pass over an implicit library: the exact ``max_j |A_j^T theta|``
    (``corr_max``) and candidate units of largest ``|A_j^T theta|`` (``codes``, ``scores``,
    unsorted); ``n_priced``: the library's candidate units covered."""

    corr_max: float
    codes: np.ndarray
    scores: np.ndarray
    n_priced: int
    #: the pricer's screen for the next rounds (:meth:`ImplicitDictionary.price_screened`),
    #: or None
    screen: np.ndarray | None = None


#: pricers whose round costs more than a restricted solve over every unit priced so far
#: (:attr:`ImplicitDictionary.costly_pricing`)
COSTLY_PRICERS = ("symmetrized", "arrangement")
#: the 3-layer abs pricer (O(N^2) per round) counts as costly from this many distinct points
MIRRORS_COSTLY_FROM = 5000

#: a screened round of the symmetrized library re-prices this many first layers (anchor
#: pairs, all their sign patterns): those of largest correlation found in the last exact round
SCREEN_PAIRS = 4096

#: a symmetrized round keeps at least this many units, so that a later call for the same dual
#: vector with a smaller ``k`` is served without pricing again (:meth:`ImplicitDictionary.price`)
KEEP_UNITS = 64

#: the exact arrangement pricer refuses libraries whose rounds would visit more vertex
#: candidates (recipes times N^(L-1)): about a minute per round on one core
MAX_ARRANGEMENT_WORK = 2e9


class ImplicitDictionary(LibraryBase):
    """The full library of an architecture on training inputs ``x``, held implicitly.

    Built by ``build_dictionary(..., implicit=True)``.  ``n_features`` counts the candidate
    units of the library (before merging equal columns); :meth:`matrix` and :meth:`evaluate`
    refuse (there is nothing to store), :meth:`price` and :meth:`materialize` do the work.
    """

    sampled = False
    #: the library's features are not columns: solutions refer to ``res.dictionary``
    listed = False

    def __init__(self, x, x_unique, inverse, counts, spec: Architecture):
        if spec.pricer is None:
            raise ValueError(
                f"no implicit (structured) pricing for activation={spec.activation.name!r}, "
                f"depth={spec.depth}, architecture={spec.name!r}; implicit libraries exist for: "
                + "; ".join(IMPLICIT_SUPPORTED))
        self.x = x
        self.x_unique = x_unique
        self.inverse = inverse
        self.counts = counts
        self.spec = spec
        n = x_unique.shape[0]
        fams = spec.families
        if spec.pricer == "arrangement":
            fams = spec.priced
            recipes = arr.recipes(spec.depth - 1, spec.activation.a_minus,
                                  spec.activation.a_plus, not spec.activation.even)  # cached
            work = recipes[0].shape[0] * float(n) ** (spec.depth - 1)
            if work > MAX_ARRANGEMENT_WORK:
                raise ValueError(
                    f"the exact pricer of the {spec.describe()} unit space visits about "
                    f"{work:.3g} vertex candidates per round at {n} distinct points (limit "
                    f"{MAX_ARRANGEMENT_WORK:.3g}); use the explicit library (implicit=False: "
                    "its certificate covers the Lasso over that library only), fewer points "
                    "or a smaller depth")
        if spec.pricer == "mirrors" and spec.midpoints == "all":
            raise ValueError(
                f"no implicit (structured) pricing for the {spec.describe()} library with "
                "midpoints='all' (the midpoint of any pair with any anchor, Definition 3.9 "
                "literally: O(N^3) units); implicit=True prices midpoints='anchor' (Lemma "
                "D.11, the default) or 'none'")
        #: the library's families as (family, depth, signed) specs: a unit code of the
        #: implicit library is the family's code plus the offset of its family
        #: (:meth:`split_codes`), so one integer names a unit of any family
        self.family_specs = [(fam, spec.depth, signed) for fam, signed in fams]
        sizes = [fam.count(L, n, signed) for fam, L, signed in self.family_specs]
        self._offsets = [0]  # Python ints: the last may exceed int64 (never a code then)
        for size in sizes:
            self._offsets.append(self._offsets[-1] + size)
        #: the training points in the library's own coordinates (:func:`internal_origin`)
        self.shift = internal_origin(x_unique)
        self.points = x_unique - self.shift if self.shift else x_unique
        self._scales = grid_scales(self.points)
        self._n_candidates = int(sum(sizes))
        #: the last symmetrized round (:meth:`price`): (theta, centered, k, UnitPricing)
        self._last_round = None

    @property
    def n_features(self) -> int:
        """Candidate units of the full library (equal columns not merged, zeros included)."""
        return self._n_candidates

    def matrix(self, max_bytes: int | None = None) -> np.ndarray:
        raise MemoryError(
            f"an implicit dictionary is never stored: its {float(self.n_features):.3g} "
            f"candidate features at {self.n_samples} samples would need "
            f"{8 * float(self.n_features) * self.n_samples / 1024**3:.3g} GiB; solve_lasso "
            "prices it directly, and res.dictionary holds the features of the solution")

    def evaluate(self, x_new) -> np.ndarray:
        return self.matrix()

    @property
    def exact(self) -> bool:
        """True when the Lasso over the library is the training problem (1.1): an implicit
        library is the architecture's whole library (the exact pricer's: every unit, at every
        bias), except the 3-layer abs library built without its midpoint units
        (``midpoints="none"``), which is the explicit one's, inexact as that is."""
        return self.spec.pricer == "arrangement" or self.spec.exact

    @property
    def why_inexact(self) -> str | None:
        return None if self.exact else self.spec.why_inexact

    @property
    def costly_pricing(self) -> bool:
        """A pricing round of the symmetrized library (Theorem 3.13's units priced per first
        layer, :mod:`.symmetrized`: about O(N^2) with its branch and bound, 15 s at N = 10^4)
        costs more than a restricted solve over every unit priced so far, so the solver keeps
        them all in its working set (symmetrized N = 500: 21 rounds instead of 28); the deep
        narrow relu library is O(N) (Lemma 3.7) and priced again instead (3-layer relu
        N = 400, beta 1e-3: 5 s instead of 24 s).  The exact arrangement pricer
        (O(N^(L-1))) is costly too.  The 3-layer abs pricer is O(N^2) (:mod:`.mirrors`),
        costly from :data:`MIRRORS_COSTLY_FROM` points: measured (squared loss, beta 1e-2 and
        1e-3 of beta_max, 2 cores) at N = 10^4 3.2 s and 5.3 s with every priced unit in the
        working set (64 and 78 rounds, 0.3 GB) against 4.5 s and 11.7 s without (72 and 105
        rounds, and a 1.85 GB peak in the restricted solver's crossover); at N = 2000 0.75 s
        and 1.1 s against 0.45 s and 0.8 s; about even at N = 6500."""
        if self.spec.pricer == "mirrors":
            return self.x_unique.shape[0] >= MIRRORS_COSTLY_FROM
        return self.spec.pricer in COSTLY_PRICERS

    def pool(self) -> ImplicitPool:
        """The library protocol (:mod:`.pools`): a growing pool of materialized units."""
        return ImplicitPool(self)

    # pricing ---------------------------------------------------------------------------------
    def price(self, theta_u: np.ndarray, k: int, centered: bool = True) -> UnitPricing:
        """Exact ``max_j |A_j^T theta|`` over the library and about ``k`` most correlated units.

        ``theta_u`` is given at the distinct training points.  ``centered`` (``sum theta = 0``,
        a free external bias) lets the deep narrow pricer skip the capped ramps that differ from
        others by a constant only.
        """
        theta = np.ascontiguousarray(theta_u, dtype=float)
        if theta.shape != self.x_unique.shape:
            raise ValueError(f"theta must have one value per distinct point "
                             f"({self.x_unique.shape[0]}), got {theta.shape}")
        k = max(int(k), 1)
        if self.spec.pricer != "symmetrized":
            return self._price(theta, k, centered)
        # a symmetrized round (the costliest, and its k best cost nothing extra) is kept for
        # its dual vector: beta_max(d, y) and the first round of solve_lasso(d, y, ...) price
        # the same theta (z = 0), bit for bit
        last = self._last_round
        if (last is not None and last[1] == centered and k <= last[2]
                and np.array_equal(last[0], theta)):
            kept = last[3]
            pick = top_k(kept.scores, k)
            return UnitPricing(kept.corr_max, kept.codes[pick], kept.scores[pick],
                               kept.n_priced, kept.screen)
        keep = max(k, KEEP_UNITS)
        out = self._price(theta, keep, centered)
        self._last_round = (theta.copy(), centered, keep, out)
        pick = top_k(out.scores, k)
        return UnitPricing(out.corr_max, out.codes[pick], out.scores[pick], out.n_priced,
                           out.screen)

    def _price(self, theta, k, centered) -> UnitPricing:
        if self.spec.pricer == "symmetrized":
            return self._price_symmetrized(theta, k)
        if self.spec.pricer == "arrangement":
            return self._price_arrangement(theta, k, centered)
        if self.spec.pricer == "mirrors":
            return self._price_mirrors(theta, k)
        return self._price_ramps(theta, k, centered)

    def _encode(self, idx, signs, family: int = 0) -> np.ndarray:
        """Unit codes (of this library: with the offset of family number ``family``)."""
        fam, L, signed = self.family_specs[family]
        if len(idx) == 0:
            return np.zeros(0, dtype=np.int64)
        return fam.encode(L, self.x_unique.shape[0], signed, idx, signs) + \
            np.int64(self._offsets[family])

    def split_codes(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(family number in :attr:`family_specs`, the family's own code) of unit codes."""
        codes = np.asarray(codes, dtype=np.int64)
        if len(self.family_specs) == 1:
            return np.zeros(codes.shape[0], dtype=np.int64), codes
        bounds = np.array(self._offsets[1:-1], dtype=np.int64)
        f = np.searchsorted(bounds, codes, side="right").astype(np.int64)
        return f, codes - np.array(self._offsets[:-1], dtype=np.int64)[f]

    def _price_ramps(self, theta, k, centered) -> UnitPricing:
        """Lemma 3.7: ramps both ways and capped ramps between two data points (the ramps
        alone at depth 2, Theorem 3.2)."""
        n = self.x_unique.shape[0]
        P, Q = pr.ramp_correlations(self.points, theta)
        if self.depth == 2:
            return self._price_ramps_only(P, Q, k)
        i = np.arange(n, dtype=np.int64)
        one = np.ones(n - 1, dtype=np.int64)

        def units(a, b, s1, s2):
            return np.column_stack([a, b]), np.column_stack([s1, s2])

        groups = [
            # right ramps (x - u_i)_+ for i < n-1: anchors (i, i), signs (+, +)
            (units(i[:-1], i[:-1], one, one), P[:-1]),
            # left ramps (u_i - x)_+ for i > 0: anchors (i, i), signs (-, +)
            (units(i[1:], i[1:], -one, one), Q[1:]),
        ]
        # capped (u_hi - x)_+ - (u_lo - x)_+: anchors (lo, hi), signs (+, -); corr Q_hi - Q_lo
        lo, hi, v = pr.top_pairs(Q, k)
        m = np.ones(lo.shape[0], dtype=np.int64)
        groups.append((units(lo, hi, m, -m), v))
        cmax = max(float(np.abs(P[:-1]).max()), float(np.abs(Q[1:]).max()),
                   float(Q.max() - Q.min()), float(P.max() - P.min()))
        if not centered:
            # capped (x - u_lo)_+ - (x - u_hi)_+: anchors (hi, lo), signs (-, -); P_lo - P_hi
            lo, hi, v = pr.top_pairs(P, k)
            m = np.ones(lo.shape[0], dtype=np.int64)
            groups.append((units(hi, lo, -m, -m), -v))
        codes = np.concatenate([self._encode(*g[0]) for g in groups])
        score = np.abs(np.concatenate([g[1] for g in groups]))
        pick = top_k(score, k)
        return UnitPricing(cmax, codes[pick], score[pick], self._n_candidates)

    def _price_ramps_only(self, P, Q, k) -> UnitPricing:
        """The 2-layer relu library: right ramps (x - u_i)_+ (i < n-1, correlation P_i) and
        left ramps (u_i - x)_+ (i > 0, Q_i); the top ``k`` of each side, never a list of all
        (N = 1e7: 2e7 ramps)."""
        n = P.shape[0]
        pr_, rmax = top_k_abs(P[:-1], k)
        pl, lmax = top_k_abs(Q[1:], k)
        idx = np.concatenate([pr_, pl + 1]).astype(np.int64)
        sign = np.concatenate([np.ones(pr_.shape[0], np.int64),
                               -np.ones(pl.shape[0], np.int64)])
        score = np.abs(np.concatenate([P[pr_], Q[pl + 1]]))
        pick = top_k(score, k)
        codes = self._encode(np.column_stack([idx[pick], idx[pick]]),
                             np.column_stack([sign[pick], np.ones(pick.shape[0], np.int64)]))
        return UnitPricing(max(rmax, lmax), codes, score[pick], 2 * (n - 1))

    def price_screened(self, theta_u: np.ndarray, k: int, screen: np.ndarray) -> UnitPricing:
        """A cheap round between exact ones: the units of ``screen`` (a previous round's
        :attr:`UnitPricing.screen`) priced for ``theta_u``.  Its ``corr_max`` is the screen's
        maximum, a lower bound of the library's: it finds violators, it certifies nothing.
        The symmetrized library screens first layers: O(SCREEN_PAIRS N) instead of O(N^3)."""
        theta = np.ascontiguousarray(theta_u, dtype=float)
        if self.spec.pricer != "symmetrized":
            raise ValueError(f"no screened pricing for the {self.spec.pricer!r} pricer")
        j1, j2 = screen[:, 0].copy(), screen[:, 1].copy()
        best = np.empty((j1.shape[0], 16))
        arg = np.zeros((j1.shape[0], 16), dtype=np.int64)
        price_symmetrized_pairs(self.points, theta, self.activation.a_minus,
                                self.activation.a_plus, j1, j2, best, arg)
        flat = best.ravel()
        pick = top_k(flat, k)
        pick = pick[flat[pick] >= 0]
        q, s = np.divmod(pick, 16)
        codes = self._symmetrized_codes(j1[q], j2[q], arg.ravel()[pick], s)
        return UnitPricing(float(flat.max(initial=0.0)), codes, flat[pick],
                           16 * j1.shape[0] * self.x_unique.shape[0], screen)

    def _symmetrized_codes(self, j1, j2, j3, s) -> np.ndarray:
        signs = np.column_stack([1 - 2 * ((s >> a) & 1) for a in range(4)])
        return self._encode(np.column_stack([j1, j2, j3]), signs)

    def _price_symmetrized(self, theta, k) -> UnitPricing:
        """Theorem 3.13's units: an exact round of :func:`.symmetrized.symmetrized_round` (the
        maximum and the k best units exact; first layers screened for the next rounds)."""
        am, ap = self.activation.a_minus, self.activation.a_plus
        cmax, units, scores, screen = symmetrized_round(self.points, theta, am, ap, k,
                                                        SCREEN_PAIRS)
        codes = self._symmetrized_codes(units[:, 0], units[:, 1], units[:, 2], units[:, 3])
        return UnitPricing(cmax, codes, scores, self._n_candidates, screen)

    def _price_mirrors(self, theta, k) -> UnitPricing:
        """The 3-layer abs library (Table 3.1): data and midpoint units ``||x - c| - b|``,
        each an O(1) combination of ramp sums (:func:`.mirrors.price_mirrors`), O(N^2)."""
        midpoints = len(self.family_specs) > 1  # (DATA, MIDPOINT), or DATA alone ("none")
        cmax, scores, kind, idx = price_mirrors(self.points, theta, k, midpoints)
        signs = np.ones((idx.shape[0], 2), dtype=np.int64)  # abs: no sign bits in the codes
        codes = np.empty(idx.shape[0], dtype=np.int64)
        for f in range(len(self.family_specs)):  # slots (j1, j2), or (partner a, anchor j2)
            sel = kind == f
            codes[sel] = self._encode(idx[sel], signs[sel], f)
        return UnitPricing(cmax, codes, scores, self._n_candidates)

    def _price_arrangement(self, theta, k, centered) -> UnitPricing:
        """Every unit at every bias: the vertices of the bias arrangement (erratum E12)."""
        if not centered:
            raise ValueError(
                "the exact pricer of the deep abs / leaky relu unit space needs the external "
                "bias (fit_intercept / bias=True): without it, units with far-away biases act "
                "as free constants and the dual constraint has no finite maximum")
        cmax, evaluated, (scores, signs, slots) = pr.unit_space_max(
            self.points, theta, self.activation, self.depth, k)
        return UnitPricing(cmax, self._encode(slots, signs), scores, evaluated)

    # the sparsest representation of a fit (deep narrow relu) ---------------------------------
    @property
    def has_flow_form(self) -> bool:
        """True for the deep narrow relu library, whose units are, up to constants, the slope
        changes ``e_t`` (ramps) and ``e_b - e_a`` (capped ramps) at the data points."""
        return self.spec.flow_depth is not None

    def flow_decomposition(self, v: np.ndarray, rtol: float = 1e-13):
        """Units (codes) and coefficients with slope changes ``v`` (one per distinct point;
        ``v[0]`` is the slope left of every kink) at the least l1 cost, up to a constant:
        :func:`.flow.decompose` (``max(sum v_+, sum v_-)``, at most one unit per kink)."""
        if not self.has_flow_form:
            raise ValueError("flow_decomposition exists for the deep narrow relu library only")
        idx, signs, coef = flow.decompose(v, self.spec.flow_depth, rtol)
        return self._encode(idx, signs), coef

    # materializing ---------------------------------------------------------------------------
    def hash_codes(self, codes: np.ndarray):
        """(h1, h2, kinks, valid, orientation) of units ``codes``: equal columns (up to sign)
        hash equally, whatever their family; all-zero columns are not valid."""
        fam, local = self.split_codes(codes)
        if len(self.family_specs) == 1:
            return hash_units(self.family_specs[0], local, self.points, self.activation,
                              self._scales)
        out = None
        for f, spec in enumerate(self.family_specs):
            sel = np.flatnonzero(fam == f)
            part = hash_units(spec, local[sel], self.points, self.activation, self._scales)
            if out is None:
                out = [np.zeros(fam.shape[0], dtype=a.dtype) for a in part]
            for a, b in zip(out, part):
                a[sel] = b
        return tuple(out)

    def materialize(self, codes: np.ndarray, kinks: np.ndarray | None = None) -> Dictionary:
        """The ordinary dictionary of units ``codes`` (in that order; no merging)."""
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        if kinks is None:
            kinks = self.hash_codes(codes)[2]
        kinks = np.asarray(kinks, dtype=np.int64)
        fam, local = self.split_codes(codes)
        m = codes.shape[0]
        # build_batch groups the units by family: restore the order afterwards
        order = np.argsort(fam, kind="stable")
        batch = build_batch(self.activation, self.depth, self.points, self.family_specs,
                            (fam[order], local[order], np.ones(m, np.int64), kinks[order]),
                            self._scales, self.shift)
        if np.any(order != np.arange(m)):
            back = np.empty_like(order)
            back[order] = np.arange(m)
            batch = batch.subset(back)
        return Dictionary(self.x, self.x_unique, self.inverse, self.counts, self.spec, batch)

    def __repr__(self) -> str:
        return (f"ImplicitDictionary(activation={self.activation.name!r}, depth={self.depth}, "
                f"architecture={self.architecture!r}, n_samples={self.n_samples}, "
                f"n_features={float(self.n_features):.3g} candidate units, priced by "
                "structure)")


__all__ = ["COSTLY_PRICERS", "ImplicitDictionary", "MAX_ARRANGEMENT_WORK",
           "MIRRORS_COSTLY_FROM", "UnitPricing"]
