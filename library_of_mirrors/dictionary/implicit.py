"""Implicit libraries: the full dictionary of an architecture, priced by structure, never listed.

The 3-layer deep narrow relu library holds about N^2 features (10^10 at N = 10^5) and the
3-layer symmetrized one about 8 N^3; neither can be enumerated, let alone stored.  An
:class:`ImplicitDictionary` keeps only the training points and answers two questions:

* :meth:`~ImplicitDictionary.price`: for a dual vector, the largest ``|A^T theta|`` over the
  whole library (exact: it certifies the duality gap) and the most correlated units, by the
  structured kernels of :mod:`._pricing` (O(N) for deep narrow relu, O(N^3) time and O(N^2)
  memory for symmetrized);
* :meth:`~ImplicitDictionary.materialize`: an ordinary :class:`~.core.Dictionary` holding chosen
  units (kink forms, network units, provenance), exactly as the full library would hold them.

The column-generation solver (``solve_lasso`` on an implicit dictionary) alternates the two;
its result refers to the materialized dictionary ``res.dictionary``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kinkform import DN, DN_PAD, SYM
from ..activations import Activation
from . import _kernels as kn
from . import _pricing as pr
from . import flow
from .core import Dictionary, _build_batch, _grid_scales, _hash_candidates

#: architectures with a structured pricer, for error messages
IMPLICIT_SUPPORTED = ("depth >= 3 deep_narrow relu", "depth 3 symmetrized relu / leaky_relu")


def implicit_supported(act: Activation, depth: int, arch: str) -> bool:
    """True when the library of this architecture can be priced without enumeration."""
    if arch == "symmetrized":
        return depth == 3 and act.continuous and act.monotone
    return depth >= 3 and act.name == "relu"


@dataclass
class Pricing:
    """What one pricing pass found: the exact ``max_j |A_j^T theta|`` over the library and the
    candidate units of largest ``|A_j^T theta|`` (codes, unsorted)."""

    corr_max: float
    codes: np.ndarray
    scores: np.ndarray
    n_priced: int


class ImplicitDictionary:
    """The full library of an architecture on training inputs ``x``, held implicitly.

    Built by ``build_dictionary(..., implicit=True)``.  ``n_features`` counts the candidate
    units of the library (before merging equal columns); :meth:`matrix` and :meth:`evaluate`
    refuse (there is nothing to store), :meth:`price` and :meth:`materialize` do the work.
    """

    implicit = True

    def __init__(self, x, x_unique, inverse, counts, activation: Activation, depth: int,
                 architecture: str):
        if not implicit_supported(activation, depth, architecture):
            raise ValueError(
                f"no implicit (structured) pricing for activation={activation.name!r}, "
                f"depth={depth}, architecture={architecture!r}; implicit libraries exist for: "
                + "; ".join(IMPLICIT_SUPPORTED))
        self.x = x
        self.x_unique = x_unique
        self.inverse = inverse
        self.counts = counts
        self.activation = activation
        self.depth = depth
        self.architecture = architecture
        self.midpoints = "anchor"
        n = x_unique.shape[0]
        if architecture == "symmetrized":
            self.family = (SYM, 3, True)
        else:
            self.family = (DN if depth == 3 else DN_PAD, depth, True)
        self._scales = _grid_scales(x_unique)
        self._n_candidates = int(kn.family_size(*self.family[:2], n, self.family[2]))

    # sizes and scalings (as Dictionary) -----------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        """Candidate units of the full library (equal columns not merged, zeros included)."""
        return self._n_candidates

    @property
    def beta_scale(self) -> float:
        return 2.0 if self.architecture == "symmetrized" else 1.0

    @property
    def effective_depth(self) -> int:
        return self.depth

    def matrix(self, max_bytes: int | None = None) -> np.ndarray:
        raise MemoryError(
            f"an implicit dictionary is never stored: its {self.n_features:.3g} candidate "
            f"features at {self.n_samples} samples would need "
            f"{8 * self.n_features * self.n_samples / 1024**3:.3g} GiB; solve_lasso prices it "
            "directly, and res.dictionary holds the features of the solution")

    def evaluate(self, x_new) -> np.ndarray:
        return self.matrix()

    # pricing ---------------------------------------------------------------------------------
    def price(self, theta_u: np.ndarray, k: int, centered: bool = True) -> Pricing:
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
        if self.architecture == "symmetrized":
            return self._price_symmetrized(theta, k)
        return self._price_deep_narrow(theta, k, centered)

    def _price_deep_narrow(self, theta, k, centered) -> Pricing:
        """Lemma 3.7: ramps both ways and capped ramps between two data points."""
        u = self.x_unique
        n = u.shape[0]
        P, Q = pr.ramp_correlations(u, theta)
        idx = np.arange(n, dtype=np.int64)
        nn = np.int64(n) * n
        # right ramps (x - u_i)_+ for i < n-1: w1 = w2 = +1, j1 = j2 = i
        codes = [idx[:-1] * (n + 1)]
        vals = [P[:-1]]
        # left ramps (u_i - x)_+ for i > 0: w1 = -1, w2 = +1
        codes.append(idx[1:] * (n + 1) + nn)
        vals.append(Q[1:])
        # capped (u_hi - x)_+ - (u_lo - x)_+: w1 = +1 at lo, w2 = -1 at hi; corr Q_hi - Q_lo
        lo, hi, v = pr.top_pairs(Q, k)
        codes.append(lo + n * hi + 2 * nn)
        vals.append(v)
        cmax = max(float(np.abs(P[:-1]).max()), float(np.abs(Q[1:]).max()),
                   float(Q.max() - Q.min()), float(P.max() - P.min()))
        if not centered:
            # capped (x - u_lo)_+ - (x - u_hi)_+: w1 = -1 at hi, w2 = -1 at lo; corr P_lo - P_hi
            lo, hi, v = pr.top_pairs(P, k)
            codes.append(hi + n * lo + 3 * nn)
            vals.append(-v)
        code = np.concatenate(codes)
        score = np.abs(np.concatenate(vals))
        return self._top(cmax, code, score, k)

    def _price_symmetrized(self, theta, k) -> Pricing:
        u = self.x_unique
        n = u.shape[0]
        best = np.empty((n, n, 16))
        arg = np.zeros((n, n, 16), dtype=np.int64)
        am, ap = self.activation.a_minus, self.activation.a_plus
        pr.price_symmetrized(u, theta, am, ap, best, arg)
        flat = best.ravel()
        cmax = float(flat.max())
        m = min(k, flat.shape[0])
        pick = np.argpartition(-flat, m - 1)[:m]
        pick = pick[flat[pick] >= 0]
        j1, rest = np.divmod(pick, n * 16)
        j2, s = np.divmod(rest, 16)
        j3 = arg.ravel()[pick]
        nn = np.int64(n)
        code = j1 + nn * j2 + nn * nn * j3 + nn * nn * nn * s
        return Pricing(cmax, code.astype(np.int64), flat[pick], self._n_candidates)

    def _top(self, cmax, code, score, k) -> Pricing:
        m = min(k, code.shape[0])
        pick = np.argpartition(-score, m - 1)[:m]
        return Pricing(cmax, code[pick].astype(np.int64), score[pick], self._n_candidates)

    # the sparsest representation of a fit (deep narrow relu) ---------------------------------
    @property
    def has_flow_form(self) -> bool:
        """True for the deep narrow relu library, whose units are, up to constants, the slope
        changes ``e_t`` (ramps) and ``e_b - e_a`` (capped ramps) at the data points."""
        return self.architecture == "deep_narrow"

    def flow_decomposition(self, v: np.ndarray, rtol: float = 1e-13):
        """Units (codes) and coefficients with slope changes ``v`` (one per distinct point;
        ``v[0]`` is the slope left of every kink) at the least l1 cost, up to a constant:
        :func:`.flow.decompose` (``max(sum v_+, sum v_-)``, at most one unit per kink)."""
        if not self.has_flow_form:
            raise ValueError("flow_decomposition exists for the deep narrow relu library only")
        return flow.decompose(v, self.depth, rtol)

    # materializing ---------------------------------------------------------------------------
    def hashes(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(h1, h2, kinks, valid) of units ``codes``: equal columns (up to sign) hash equally,
        all-zero columns are not valid."""
        scale0, tol = self._scales
        return _hash_candidates(self.family, np.ascontiguousarray(codes, dtype=np.int64),
                                self.x_unique, self.activation, scale0, tol)

    def materialize(self, codes: np.ndarray, kinks: np.ndarray | None = None) -> Dictionary:
        """The ordinary dictionary of units ``codes`` (in that order; no merging)."""
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        if kinks is None:
            kinks = self.hashes(codes)[2]
        scale0, tol = self._scales
        m = codes.shape[0]
        batch = _build_batch(self.activation, self.depth, self.x_unique, [self.family],
                             (np.zeros(m, np.int64), codes, np.ones(m, np.int64),
                              np.asarray(kinks, dtype=np.int64)), scale0, tol)
        return Dictionary(self.x, self.x_unique, self.inverse, self.counts, self.activation,
                          self.depth, self.architecture, self.midpoints, batch)

    def __repr__(self) -> str:
        return (f"ImplicitDictionary(activation={self.activation.name!r}, depth={self.depth}, "
                f"architecture={self.architecture!r}, n_samples={self.n_samples}, "
                f"n_features={self.n_features:.3g} candidate units, priced by structure)")
