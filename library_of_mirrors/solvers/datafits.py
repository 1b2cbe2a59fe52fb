"""Data fits: one class per loss of the convex training problem (1.2) / (D.24).

``min_{z, xi} F(A z + xi 1) + beta~ ||z||_1`` with ``F(u) = sum_i w_i f(y_i, u_i)``; its dual
(D.25) is ``max_theta -F*(-theta)`` subject to ``|A^T theta| <= beta~`` and, with the free bias,
``1^T theta = 0``.  A datafit owns everything the working-set engine (:mod:`.engine`) needs of
its loss:

* ``prepare``: the rows it sums over (:class:`~.rows.Rows`), targets centered;
* ``value``, ``dual_point`` (``theta = -grad F(u)``, or the restricted LP's duals),
  ``scale`` (a feasible multiple of theta), ``dual_value``;
* ``fenchel_young``: ``F(u) + F*(-theta) + theta^T u >= 0``, computed term by term in a form that
  cannot cancel.  With ``u = A z + xi 1`` the duality gap is exactly
  ``fenchel_young + sum_j (beta~ |z_j| - z_j A_j^T theta) - xi 1^T theta``: every term is
  non-negative for a dual feasible theta, so the certificate is as accurate as its terms;
* ``optimal_bias`` (xi for a fixed fit) and ``solve_restricted`` (the exact solver of the
  working set's problem), or, for the linear programs, ``live_lp`` (the restricted LP kept
  across rounds, :class:`~.linear_programs.LiveLP`);
* ``loss`` / ``score`` (held-out error) and ``derivative`` (for training networks with Adam).

Adding a loss means adding one class here (and its name to :data:`DATAFITS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.special import expit, rel_entr

from ..validation import PROBABILITY, as_float
from . import active_set, prox_newton
from .blocks import AugmentedBlock, point_block
from .linear_programs import LiveLP
from .rows import Rows, weighted_center, weighted_quantile


@dataclass
class Restricted:
    """What a restricted solve returns: coefficients over the working set, the external bias
    (centered coordinates; None: the engine computes the optimal one) and, for linear programs,
    the equality duals at the rows."""

    z: np.ndarray
    xi: float | None = None
    theta: np.ndarray | None = None
    slack: float = 0.0


class Datafit:
    """Base class: see the module.  ``name`` is what ``solve_lasso(loss=...)`` takes."""

    name = ""
    #: mean held-out loss, how ``score`` is reported
    score_name = ""
    #: column generation keeps the columns that entered (a linear program's restricted
    #: solves do not shrink to the support: they cycle), except those long at zero
    grows_working_set = False
    #: the rows are the distinct inputs (duplicates reduced exactly) rather than the samples
    reduces_duplicates = False
    #: columns of a linear program's first restricted LP (None: the engine's ``LP_FIRST``)
    lp_first: int | None = None
    #: what the network's output means for ``predict``: "value" or "probability"
    output = "value"
    #: twice differentiable: ``curvature`` is defined and proximal Newton steps apply
    smooth = False
    #: k where the loss of targets and predictions scaled by s is s^k times the loss (of the
    #: datafit :meth:`rescaled` by s); None: not homogeneous (labels)
    homogeneity: int | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def rescaled(self, s: float) -> Datafit:
        """The datafit of targets divided by ``s`` (a homogeneous loss: itself)."""
        return self

    # ---- rows --------------------------------------------------------------------------------
    def targets(self, y: np.ndarray) -> np.ndarray:
        """Validate the targets (finite, per sample); returns them as floats."""
        return y

    def prepare(self, y: np.ndarray, w: np.ndarray, inverse: np.ndarray, n_points: int,
                bias: bool = True) -> Rows:
        """The rows; with a free bias the targets are centered (``shift``), without they are
        taken as given."""
        shift = self.center(y, w) if bias else 0.0
        return Rows(y - shift, w, inverse, n_points, shift)

    def center(self, y: np.ndarray, w: np.ndarray) -> float:
        return weighted_center(y, w)

    def tolerance_unit(self, rows: Rows, value0: float) -> float:
        """What the relative tolerance is relative to: the objective at z = 0."""
        return value0

    # ---- the objective and its dual ---------------------------------------------------------
    def value(self, rows: Rows, u: np.ndarray) -> float:
        return float(rows.w @ self.loss(rows.y, u)) + rows.const

    def loss(self, y: np.ndarray, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Per-sample loss of predictions ``u`` for targets ``y`` (unweighted)."""
        raise NotImplementedError

    def derivative(self, y: np.ndarray, u: np.ndarray) -> np.ndarray:  # pragma: no cover
        """d loss / d u per sample (a subgradient where the loss has a kink)."""
        raise NotImplementedError

    def curvature(self, y: np.ndarray, u: np.ndarray) -> np.ndarray:  # pragma: no cover
        """d^2 loss / d u^2 per sample, for smooth losses solved by proximal Newton steps."""
        raise NotImplementedError

    def dual_point(self, rows: Rows, u: np.ndarray, state: Restricted | None) -> np.ndarray:
        """``theta = -grad F(u)`` at the rows (w times minus the derivative)."""
        return -rows.w * self.derivative(rows.y, u)

    def scale(self, rows: Rows, theta: np.ndarray, cmax: float, lam: float) -> float:
        """A multiple s of theta that is dual feasible (``|s| cmax <= lam``, inside the
        domain of F*): ``min(1, lam / cmax)``, the domain being an interval containing 0."""
        return min(1.0, lam / cmax) if cmax > 0 else 1.0

    def fenchel_young(self, rows: Rows, u: np.ndarray, theta: np.ndarray
                      ) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def dual_value(self, rows: Rows, theta: np.ndarray) -> float:  # pragma: no cover
        """``-F*(-theta)`` (plus the reduction's constant)."""
        raise NotImplementedError

    def optimal_bias(self, rows: Rows, f: np.ndarray, state: Restricted | None) -> float:
        """The xi minimizing F(f + xi 1) (centered coordinates)."""
        raise NotImplementedError  # pragma: no cover - abstract

    # ---- the restricted problem -------------------------------------------------------------
    def solve_restricted(self, source, rows: Rows, lam: float, z: np.ndarray, xi: float,
                         tol: float, bias: bool, elastic: bool) -> Restricted:
        raise NotImplementedError  # pragma: no cover - abstract

    # ---- what users see ---------------------------------------------------------------------
    def score(self, y, pred, sample_weight=None) -> float:
        """The mean held-out loss (:attr:`score_name`)."""
        y = self.targets(np.asarray(y, dtype=float))
        losses = self.loss(y, np.asarray(pred, dtype=float))
        return float(np.average(losses, weights=sample_weight))

    def to_samples(self, rows: Rows, theta: np.ndarray, y: np.ndarray, w: np.ndarray,
                   inverse: np.ndarray) -> np.ndarray:
        """The dual point at the samples (rows are samples unless duplicates are reduced)."""
        return theta


# ----------------------------------------------------------------------------------------------
# squared loss (1.2)


@njit(cache=True)
def _squared_fenchel_young(theta, w, y, u):
    """``sum_i (theta_i - w_i (y_i - u_i))^2 / (2 w_i)`` (inf where a zero weight meets a
    nonzero theta): one pass, no temporaries (the certificate runs it on every iteration)."""
    acc = 0.0
    for i in range(theta.shape[0]):
        if w[i] > 0:
            d = theta[i] - w[i] * (y[i] - u[i])
            acc += d * d / (2.0 * w[i])
        elif theta[i] != 0.0:
            return np.inf
    return acc


@njit(cache=True)
def _lin_quad(theta, w, y):
    """``theta^T y`` and ``sum_{w > 0} theta^2 / w``."""
    lin = 0.0
    quad = 0.0
    for i in range(theta.shape[0]):
        lin += theta[i] * y[i]
        if w[i] > 0:
            quad += theta[i] * theta[i] / w[i]
    return lin, quad


class Squared(Datafit):
    """``0.5 (y - u)^2``: the Lasso (1.2).  Duplicates collapse exactly onto the distinct
    inputs (weights add, targets average, a constant remains), which is what the matrix-free
    kernels work on."""

    name = "squared"
    homogeneity = 2
    score_name = "mean squared error"
    reduces_duplicates = True

    def prepare(self, y, w, inverse, n_points, bias=True) -> Rows:
        shift = weighted_center(y, w) if bias else 0.0
        yc = y - shift
        wu = np.bincount(inverse, weights=w, minlength=n_points)
        sy = np.bincount(inverse, weights=w * yc, minlength=n_points)
        yu = np.divide(sy, wu, out=np.zeros(n_points), where=wu > 0)
        dev = yc - yu[inverse]
        return Rows(yu, wu, None, n_points, shift, float(0.5 * np.sum(w * dev * dev)))

    def loss(self, y, u):
        r = y - u
        return 0.5 * r * r

    def derivative(self, y, u):
        return u - y

    def score(self, y, pred, sample_weight=None) -> float:
        """The mean squared error (twice the mean loss, the usual convention)."""
        r = np.asarray(y, dtype=float) - np.asarray(pred, dtype=float)
        return float(np.average(r * r, weights=sample_weight))

    def scale(self, rows, theta, cmax, lam) -> float:
        """The best multiple of theta (the dual is a concave quadratic along it)."""
        lin, quad = _lin_quad(theta, rows.w, rows.y)
        if quad <= 0:
            return 1.0
        bound = lam / cmax if cmax > 0 else np.inf
        return float(np.clip(lin / quad, -bound, bound))

    def fenchel_young(self, rows, u, theta) -> float:
        return _squared_fenchel_young(theta, rows.w, rows.y, u)

    def dual_value(self, rows, theta) -> float:
        pos = rows.w > 0
        return float(theta @ rows.y - np.sum(theta[pos] ** 2 / (2 * rows.w[pos]))) + rows.const

    def optimal_bias(self, rows, f, state) -> float:
        return weighted_center(rows.y - f, rows.w)

    def solve_restricted(self, source, rows, lam, z, xi, tol, bias, elastic) -> Restricted:
        block, _ = point_block(source, rows.w, rows.y, bias)
        return Restricted(active_set.solve_block(block, lam, z, tol))

    def to_samples(self, rows, theta, y, w, inverse) -> np.ndarray:
        """The sample-level dual point of a distinct-point one: the share of each sample plus
        its deviation from its group's mean target (which sums to zero in every group, so
        A^T theta and 1^T theta are unchanged and the dual value gains exactly the constant of
        the reduction)."""
        wu = rows.w
        share = np.divide(theta, wu, out=np.zeros_like(theta), where=wu > 0)
        yc = y - rows.shift
        return w * (share[inverse] + yc - rows.y[inverse])


# ----------------------------------------------------------------------------------------------
# Huber


def huber_offset(t: np.ndarray, w: np.ndarray, delta: float) -> float:
    """The xi solving ``sum_i w_i psi(t_i - xi) = 0`` (the optimal external bias for a fixed
    fit; psi the clipped residual), by bisection, then exactly on the linear piece of the
    root."""
    lo, hi = float(t.min()) - delta, float(t.max()) + delta
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.sum(w * np.clip(t - mid, -delta, delta)) > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-15 * max(1.0, abs(mid)):
            break
    xi = 0.5 * (lo + hi)
    r = t - xi
    quad = np.abs(r) < delta
    wq = float(w[quad].sum())
    if wq > 0:  # exact on the linear piece of the root
        up = float(w[(r >= delta)].sum())
        low = float(w[(r <= -delta)].sum())
        cand = (float(w[quad] @ t[quad]) + delta * (up - low)) / wq
        rc = t - cand
        if np.array_equal(np.abs(rc) < delta, quad) and np.array_equal(rc >= delta, r >= delta):
            xi = cand
    return xi


class Huber(Datafit):
    """``r^2 / 2`` on ``|r| <= delta``, else ``delta |r| - delta^2 / 2`` (r = y - u).

    Its restricted problem is a squared Lasso: Huber is the Moreau envelope
    ``min_s 0.5 (r - s)^2 + delta |s|``, so each sample gets an identity column with penalty
    ``delta w_i`` (:class:`~.blocks.AugmentedBlock`); only samples beyond delta enter it.
    """

    name = "huber"
    score_name = "mean Huber loss"

    def __init__(self, delta: float = 1.0):
        d = as_float(delta, "delta")
        if not np.isfinite(d) or d <= 0:
            raise ValueError(f"delta (the Huber threshold) must be positive, got {d}")
        self.delta = d

    def __repr__(self) -> str:
        return f"Huber(delta={self.delta!r})"

    homogeneity = 2

    def rescaled(self, s: float) -> Huber:
        """Huber_delta(s r) = s^2 Huber_(delta/s)(r)."""
        return Huber(self.delta / s)

    def center(self, y, w) -> float:
        return weighted_quantile(y, w, 0.5)

    def loss(self, y, u):
        a = np.abs(y - u)
        d = self.delta
        return np.where(a <= d, 0.5 * a * a, d * a - 0.5 * d * d)

    def derivative(self, y, u):
        return -np.clip(y - u, -self.delta, self.delta)

    def scale(self, rows, theta, cmax, lam) -> float:
        """The best multiple of theta inside ``|s| <= 1`` (theta = w psi(r) sits on the box
        ``|theta_i| <= w_i delta``)."""
        pos = rows.w > 0
        lin = float(theta @ rows.y)
        quad = float(np.sum(theta[pos] ** 2 / rows.w[pos]))
        if quad <= 0:
            return 1.0
        bound = min(lam / cmax, 1.0) if cmax > 0 else 1.0
        return float(np.clip(lin / quad, -bound, bound))

    def fenchel_young(self, rows, u, theta) -> float:
        w, d = rows.w, self.delta
        pos = w > 0
        r = (rows.y - u)[pos]
        t = theta[pos] / w[pos]
        if np.any(np.abs(t) > d * (1 + 1e-12)):
            return np.inf
        inner = np.abs(r) <= d
        out = np.empty(r.shape[0])
        out[inner] = 0.5 * (t[inner] - r[inner]) ** 2
        sg = np.sign(r[~inner])
        tt = t[~inner] * sg
        out[~inner] = (d - tt) * (np.abs(r[~inner]) - 0.5 * (d + tt))
        return float(w[pos] @ out)

    def dual_value(self, rows, theta) -> float:
        pos = rows.w > 0
        return float(theta @ rows.y - np.sum(theta[pos] ** 2 / (2 * rows.w[pos])))

    def optimal_bias(self, rows, f, state) -> float:
        return huber_offset(rows.y - f, rows.w, self.delta)

    def solve_restricted(self, source, rows, lam, z, xi, tol, bias, elastic) -> Restricted:
        w, point, yc, d = rows.w, rows.point, rows.y, self.delta
        wp = np.bincount(point, weights=w, minlength=rows.n_points)
        tp = np.divide(np.bincount(point, weights=w * yc, minlength=rows.n_points), wp,
                       out=np.zeros(rows.n_points), where=wp > 0)
        base, _ = point_block(source, wp, tp, bias)
        k = source.n_features
        r = yc - source.grid_matvec(z)[point] - xi
        S = np.flatnonzero((np.abs(r) >= d) & (w > 0))
        zfull = np.concatenate([z, np.sign(r[S]) * (np.abs(r[S]) - d)])
        for _ in range(100):
            block = AugmentedBlock(base, w, yc, point, S, bias)
            lamv = np.concatenate([np.full(k, lam), d * w[S]])
            zfull = active_set.solve_block(block, lamv, zfull, tol)
            shifts = np.zeros(w.shape[0])
            shifts[S] = zfull[k:]
            rh = block.residual(zfull) + shifts  # y - A z - xi at the samples
            new = np.flatnonzero((np.abs(rh) > d * (1 + 1e-12)) & (w > 0))
            new = np.setdiff1d(new, S)
            if new.shape[0] == 0:
                break
            S = np.concatenate([S, new])
            zfull = np.concatenate([zfull, np.sign(rh[new]) * (np.abs(rh[new]) - d)])
        return Restricted(zfull[:k])


# ----------------------------------------------------------------------------------------------
# piecewise-linear losses: linear programs


class Quantile(Datafit):
    """The pinball loss ``0.5 |r| + (tau - 0.5) r`` (section 1), r = y - u.  The restricted
    problem is a linear program (:mod:`.linear_programs`), its equality duals the dual point;
    column generation on a live HiGHS model (:func:`.engine.solve`)."""

    name = "quantile"
    homogeneity = 1
    score_name = "mean pinball loss"
    grows_working_set = True

    def __init__(self, quantile: float = 0.5):
        self.quantile = PROBABILITY.check(quantile, "quantile")

    def __repr__(self) -> str:
        return f"Quantile(quantile={self.quantile!r})"

    @property
    def slopes(self) -> tuple[float, float]:
        """(a, c): the loss is ``a r_+ + c r_-``."""
        return self.quantile, 1.0 - self.quantile

    def center(self, y, w) -> float:
        a, c = self.slopes
        return weighted_quantile(y, w, a / (a + c))

    def loss(self, y, u):
        a, c = self.slopes
        r = y - u
        return a * np.maximum(r, 0.0) + c * np.maximum(-r, 0.0)

    def derivative(self, y, u):
        a, c = self.slopes
        r = y - u
        return np.where(r > 0, -a, np.where(r < 0, c, 0.5 * (c - a)))

    def _box(self, rows):
        a, c = self.slopes
        return -c * rows.w, a * rows.w

    def dual_point(self, rows, u, state) -> np.ndarray:
        lo, hi = self._box(rows)
        if state is not None and state.theta is not None:
            return np.clip(state.theta, lo, hi)
        # a subgradient with 1^T theta = 0: the rows with zero residual balance the others
        r = rows.y - u
        theta = np.where(r > 0, hi, np.where(r < 0, lo, 0.0))
        zero = r == 0
        if np.any(zero):
            need = -float(theta.sum())
            room = hi[zero] if need > 0 else lo[zero]
            total = float(room.sum())
            frac = min(1.0, need / total) if total != 0 else 0.0
            theta[zero] = frac * room
        return theta

    def fenchel_young(self, rows, u, theta) -> float:
        lo, hi = self._box(rows)
        if np.any(theta > hi * (1 + 1e-12) + 1e-300) or np.any(theta < lo * (1 + 1e-12) - 1e-300):
            return np.inf
        r = rows.y - u
        return float(np.sum(np.where(r > 0, r * (hi - theta), np.where(r < 0, -r * (theta - lo),
                                                                        0.0))))

    def dual_value(self, rows, theta) -> float:
        return float(theta @ rows.y)

    def optimal_bias(self, rows, f, state) -> float:
        if state is not None and state.xi is not None:
            return state.xi
        a, c = self.slopes
        return weighted_quantile(rows.y - f, rows.w, a / (a + c))

    def live_lp(self, rows, lam, bias) -> LiveLP:
        """The restricted LP: slacks of costs ``a w`` (above the fit) and ``c w`` (below)."""
        a, c = self.slopes
        return LiveLP(rows.y, lam, a * rows.w, c * rows.w, bias)


class Absolute(Quantile):
    """The absolute loss ``|r|`` (twice the pinball loss at tau = 0.5)."""

    name = "absolute"
    score_name = "mean absolute error"

    def __init__(self):
        self.quantile = 0.5

    def __repr__(self) -> str:
        return "Absolute()"

    @property
    def slopes(self) -> tuple[float, float]:
        return 1.0, 1.0


class Interpolation(Datafit):
    """Exact interpolation ``A z + xi 1 = y``, the beta -> 0 limit of (1.2): with ``beta~ = 1``
    the problem is minimum-norm interpolation (C.1).  Rows are the distinct inputs (duplicates
    must agree).  As a loss it is the elastic form ``big * sum |y - u|`` (an exact penalty: a
    restricted LP over a strict subset of the library may not interpolate yet); the restricted
    LP over the whole library is the equality LP itself.  Converged only by complementary
    slackness (no violated dual constraint after a solve), never by a relative gap."""

    name = "interpolation"
    score_name = "mean absolute error"
    reduces_duplicates = True
    grows_working_set = True
    #: the elastic LP over part of the library is badly scaled (its slacks cost 1e6 times the
    #: targets): a library of up to this many columns is the first working set, whole, so its
    #: first LP is the equality LP itself (noisy 2-layer relu, N = 300: the elastic rounds
    #: took minutes and HiGHS failed on them)
    lp_first = 4000

    def __repr__(self) -> str:
        return "Interpolation()"

    def prepare(self, y, w, inverse, n_points, bias=True) -> Rows:
        lo = np.full(n_points, np.inf)
        hi = np.full(n_points, -np.inf)
        np.minimum.at(lo, inverse, y)
        np.maximum.at(hi, inverse, y)
        yu = 0.5 * (lo + hi)
        shift = float(np.mean(yu)) if bias else 0.0
        wu = np.bincount(inverse, weights=w, minlength=n_points)
        return Rows(yu - shift, wu, None, n_points, shift, 0.0)

    @staticmethod
    def big(rows) -> float:
        """The elastic slacks' cost (as in :class:`~.linear_programs.LiveLP`)."""
        return 1e6 * (1.0 + float(np.abs(rows.y).max()))

    def tolerance_unit(self, rows, value0) -> float:
        return 0.0

    def loss(self, y, u):
        return np.abs(y - u)

    def value(self, rows, u) -> float:
        return self.big(rows) * float(np.sum(np.abs(rows.y - u)))

    def dual_point(self, rows, u, state) -> np.ndarray:
        big = self.big(rows)
        if state is not None and state.theta is not None:
            return np.clip(state.theta, -big, big)
        return rows.y - rows.y.mean()

    def fenchel_young(self, rows, u, theta) -> float:
        big = self.big(rows)
        r = rows.y - u
        return float(np.sum(big * np.abs(r) - theta * r))

    def dual_value(self, rows, theta) -> float:
        return float(theta @ rows.y)

    def optimal_bias(self, rows, f, state) -> float:
        if state is not None and state.xi is not None:
            return state.xi
        return weighted_quantile(rows.y - f, np.ones(rows.n_rows), 0.5)

    def live_lp(self, rows, lam, bias) -> LiveLP:
        """The equality LP at the distinct inputs, elastic until it spans the library."""
        return LiveLP(rows.y, lam, None, None, bias)

    def to_samples(self, rows, theta, y, w, inverse) -> np.ndarray:
        wu = rows.w
        return theta[inverse] * np.divide(w, wu[inverse], out=np.zeros_like(w),
                                          where=wu[inverse] > 0)


# ----------------------------------------------------------------------------------------------
# logistic loss (binary classification)


class Logistic(Datafit):
    """``log(1 + exp(-s u))`` for labels s in {-1, +1} (the larger of the two classes given is
    +1): the network's output is the log-odds.  Restricted problems are solved by proximal
    Newton steps (:mod:`.prox_newton`), each an exact weighted squared Lasso."""

    name = "logistic"
    score_name = "mean log-loss"
    output = "probability"
    smooth = True

    def targets(self, y: np.ndarray) -> np.ndarray:
        return self.signs(y)

    @staticmethod
    def signs(y, classes=None) -> np.ndarray:
        """Labels as -1 / +1 (``classes``: the two class values, else those of ``y``)."""
        y = np.asarray(y)
        cls = np.unique(y) if classes is None else np.asarray(classes)
        if cls.shape[0] == 2:
            return np.where(y == cls[1], 1.0, -1.0)
        if classes is None and cls.shape[0] == 1 and np.all(np.isin(cls, (-1.0, 1.0))):
            return y.astype(float)
        raise ValueError(f"the logistic loss needs exactly 2 classes in y, got "
                         f"{cls.shape[0]}: {cls[:5].tolist()}")

    def prepare(self, y, w, inverse, n_points, bias=True) -> Rows:
        cls = np.unique(y)
        s = self.signs(y)
        if len(np.unique(s[w > 0])) < 2:
            raise ValueError("the logistic loss needs both classes among the samples with "
                             "positive weight")
        return Rows(s, w, inverse, n_points, 0.0, 0.0, tuple(cls.tolist()))

    def loss(self, y, u):
        return np.logaddexp(0.0, -self._pm(y) * u)

    def derivative(self, y, u):
        s = self._pm(y)
        return -s * expit(-s * u)

    def curvature(self, y, u):
        """d^2 loss / d u^2 = sigma(m) sigma(-m), m = s u (the proximal Newton weights)."""
        m = self._pm(y) * u
        return expit(m) * expit(-m)

    def conic(self, cp, rows: Rows, u):
        """The data fit as a cvxpy expression of the fit ``u`` (exponential cones): the
        interior-point fallback of the restricted solver."""
        return cp.sum(cp.multiply(rows.w, cp.logistic(-cp.multiply(rows.y, u))))

    @staticmethod
    def _pm(y):
        y = np.asarray(y, dtype=float)
        return y if np.all(np.abs(y) == 1) else Logistic.signs(y)

    def fenchel_young(self, rows, u, theta) -> float:
        """``sum_i w_i KL(a_i || sigma(-m_i))`` with ``m = s u`` and ``a = s theta / w``
        (in [0, 1]): the Fenchel-Young gap of the logistic loss is a Bernoulli divergence."""
        w = rows.w
        pos = w > 0
        s = rows.y[pos]
        m = s * u[pos]
        a = s * theta[pos] / w[pos]
        if np.any(a < -1e-12) or np.any(a > 1 + 1e-12):
            return np.inf
        a = np.clip(a, 0.0, 1.0)
        q = expit(-m)
        one_q = expit(m)
        b = (q - a) + one_q  # 1 - a, accurate when a is near 1
        kl = rel_entr(a, q) + rel_entr(np.maximum(b, 0.0), one_q)
        return float(w[pos] @ np.maximum(kl, 0.0))

    def dual_value(self, rows, theta) -> float:
        w = rows.w
        pos = w > 0
        a = np.clip(rows.y[pos] * theta[pos] / w[pos], 0.0, 1.0)
        ent = -(rel_entr(a, 1.0) + rel_entr(1.0 - a, 1.0))  # binary entropy
        return float(w[pos] @ ent)

    def optimal_bias(self, rows, f, state) -> float:
        return logistic_offset(rows.y, rows.w, f)

    def solve_restricted(self, source, rows, lam, z, xi, tol, bias, elastic) -> Restricted:
        zz, x = prox_newton.solve(self, source, rows, lam, z, xi, tol, bias)
        return Restricted(zz, x)


def logistic_offset(s: np.ndarray, w: np.ndarray, f: np.ndarray) -> float:
    """The xi solving ``sum_i w_i s_i sigma(-s_i (f_i + xi)) = 0`` (the optimal bias of the
    logistic loss for a fixed fit): safeguarded Newton on a decreasing function
    (:func:`_logistic_offset`)."""
    return float(_logistic_offset(np.ascontiguousarray(s, dtype=float),
                                  np.ascontiguousarray(w, dtype=float),
                                  np.ascontiguousarray(f, dtype=float)))


@njit(cache=True)
def _sigmoid(t):
    if t >= 0.0:
        return 1.0 / (1.0 + np.exp(-t))
    e = np.exp(t)
    return e / (1.0 + e)


@njit(cache=True)
def _offset_value(s, w, f, x):
    """``sum_i w_i s_i sigma(-s_i (f_i + x))`` and its negated derivative
    ``sum_i w_i sigma(m_i) sigma(-m_i)``."""
    g = 0.0
    h = 0.0
    for i in range(s.shape[0]):
        m = s[i] * (f[i] + x)
        q = _sigmoid(-m)
        g += w[i] * s[i] * q
        h += w[i] * q * _sigmoid(m)
    return g, h


@njit(cache=True)
def _logistic_offset(s, w, f):
    """:func:`logistic_offset` on arrays: a bracket doubled until it changes sign, then Newton
    steps kept inside the bracket (bisection otherwise) until the step or the bracket is at
    rounding level.  (In numpy each evaluation cost two temporaries; at 5,000 calls per
    classifier fit on 80 points the bias alone was 7 s.)"""
    lo, hi = -1.0, 1.0
    while _offset_value(s, w, f, lo)[0] < 0:
        lo *= 2
    while _offset_value(s, w, f, hi)[0] > 0:
        hi *= 2
    x = 0.0 if lo < 0 < hi else 0.5 * (lo + hi)
    for _ in range(200):
        gx, h = _offset_value(s, w, f, x)
        if gx > 0:
            lo = x
        else:
            hi = x
        step = x + gx / h if h > 0 else 0.5 * (lo + hi)
        x_new = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(x_new - x) <= 1e-15 * max(1.0, abs(x)) or hi - lo <= 1e-15 * max(1.0, abs(x)):
            x = x_new
            break
        x = x_new
    return x


DATAFITS: dict[str, type[Datafit]] = {c.name: c for c in (Squared, Huber, Quantile, Absolute,
                                                          Logistic)}
#: losses whose target is a real value (regression)
REGRESSION_LOSSES = ("squared", "quantile", "absolute", "huber")


def get_datafit(loss: str | Datafit = "squared", quantile: float | None = None,
                delta: float | None = None) -> Datafit:
    """The datafit of ``loss`` (a name of :data:`DATAFITS` or a :class:`Datafit`); ``quantile``
    is tau of the quantile loss, ``delta`` the Huber threshold."""
    if isinstance(loss, Datafit):
        if quantile is not None or delta is not None:
            raise ValueError("quantile / delta are parameters of the datafit object given")
        return loss
    if not isinstance(loss, str) or loss not in DATAFITS:
        raise ValueError(f"loss must be one of {tuple(DATAFITS)} or a Datafit, got {loss!r}")
    if loss == "quantile":
        if quantile is None:
            raise ValueError("loss='quantile' needs quantile=tau with 0 < tau < 1")
        return Quantile(quantile)
    if quantile is not None:
        raise ValueError(f"quantile={quantile} is only used with loss='quantile' (got "
                         f"loss={loss!r})")
    if loss == "huber":
        return Huber(1.0 if delta is None else delta)
    if delta is not None:
        raise ValueError(f"delta={delta} is only used with loss='huber' (got loss={loss!r})")
    return DATAFITS[loss]()


__all__ = ["Absolute", "DATAFITS", "Datafit", "Huber", "Interpolation", "Logistic",
           "REGRESSION_LOSSES", "Quantile", "Restricted", "Squared", "get_datafit",
           "huber_offset", "logistic_offset"]
