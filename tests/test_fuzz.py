"""Fuzz suite: random small problems over every architecture of Table 3.1 and every loss.

What is fuzzed (hypothesis, derandomized): each architecture of ``COMBOS``; the losses
"squared", "quantile" (random tau), "absolute", "huber" (random delta, relative to the scale of
y) and "logistic" (labels +-1); 3 to 10 samples with duplicated inputs; point patterns uniform,
evenly spaced, clustered (two tight clusters) and with one far outlier; x spreads from 1e-6 to
1e6 and x offsets 0 or up to 1e6 times the spread (|x| up to 1e12); y scales from 1e-6 to 1e6
with offsets up to 1e6 times the scale; beta from 1e-4 to 1 times ``beta_max``.

Two independent oracles per problem, with tolerance ``1e-6`` of the null objective (the
optimum over the bias alone, computed here in closed form or by a 1-D minimization):

(a) cvxpy/Clarabel on the explicit matrix ``d.matrix()`` with penalty ``beta * d.beta_scale``
    (``convex_reference.cvx_lasso``; y and A normalized by scalars, an exact reformulation, so
    the interior point is well scaled): the reported objective is the one evaluated
    independently at its (z, xi); the certified lower bound ``objective - gap`` is not above
    the reference value (the objective at cvxpy's point, an upper bound of the optimum), so
    every returned point is within its gap of the optimum; and a solve that says it converged
    is not above the reference and its gap meets the tolerance.  A solve that stopped short
    (it warned, ``converged=False``) is counted as "not converged";
(b) the reconstructed network (``lom.reconstruct``): its forward pass on the training inputs is
    the Lasso fit ``A z + xi``, and its training objective (1.1) under the same loss equals the
    Lasso objective.

Examples where cvxpy fails, or the problem is degenerate (fewer than 2 distinct inputs after
rounding, one class, ``beta_max <= 0``), are rejected with ``assume`` and counted.  The default
budget is one small test over all architectures; ``-m slow`` runs 150 checked problems per
architecture (2,100 in all) and prints the counts per architecture and loss.
"""

from __future__ import annotations

import collections
import warnings
from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import pytest
from conftest import COMBOS, combo_id
from convex_reference import cvx_lasso, data_fit, objective
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import library_of_mirrors as lom
from library_of_mirrors.solvers.datafits import get_datafit

LOSSES = ("squared", "quantile", "absolute", "huber", "logistic")
PATTERNS = ("uniform", "grid", "clustered", "outlier")
RTOL = 1e-6  # of the null objective (objectives) or of the fit's scale (predictions)
SLOW_PER_CASE = 30  # checked problems per architecture and loss under -m slow (2,100 in all)
SKIP_REASONS = ("x collapsed", "one class", "beta_max <= 0", "cvxpy failed")

#: (combo id, loss) -> Counter of outcomes: "checked", a skip reason, "not converged"
TALLY: dict[tuple[str, str], collections.Counter] = collections.defaultdict(
    collections.Counter)

FUZZ = {"deadline": None, "derandomize": True, "database": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much,
                                  HealthCheck.data_too_large]}


@dataclass
class Problem:
    combo: tuple
    loss: str
    x: np.ndarray
    y: np.ndarray  # regression targets, or labels +-1 for "logistic"
    beta_frac: float  # beta / beta_max
    tau: float | None = None
    delta: float | None = None

    def kwargs(self) -> dict:
        return {"loss": self.loss, "quantile": self.tau, "delta": self.delta}


def _base_points(pattern: str, u: list[float], width: float, far: float) -> np.ndarray:
    """Points in [0, 1] (before duplication) of a pattern; ``u`` are hypothesis's floats."""
    u = np.asarray(u, dtype=float)
    n = u.shape[0]
    if pattern == "grid":
        return np.arange(n) / (n - 1)
    if pattern == "clustered":  # two clusters of width ``width``
        return np.where(u >= 0.5, 1.0, 0.0) + width * u
    if pattern == "outlier":  # the last point ``far`` away from the others, in [0, 1]
        b = u.copy()
        b[-1] = 1.0 + far
        return b
    return u


@st.composite
def problems(draw, combos=tuple(COMBOS), losses=LOSSES, shift: int = 0):
    """A random problem; ``shift`` extra draws first give each parametrized test its own
    stream of examples (derandomized hypothesis seeds every parametrization alike)."""
    for _ in range(shift):
        draw(st.booleans())
    combo = draw(st.sampled_from(combos))
    loss = draw(st.sampled_from(losses))
    n = draw(st.integers(3, 10))
    pattern = draw(st.sampled_from(PATTERNS))
    u = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    width = 10 ** draw(st.floats(-6, -1)) if pattern == "clustered" else 0.0
    far = 10 ** draw(st.floats(1, 4)) if pattern == "outlier" else 0.0
    base = _base_points(pattern, u, width, far)
    for i, j in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                              max_size=n // 2)):
        base[i] = base[j]  # duplicated inputs
    ptp = np.ptp(base)
    base = (base - base.min()) / ptp if ptp > 0 else base
    spread = 10 ** draw(st.floats(-6, 6))
    log_off = draw(st.one_of(st.none(), st.floats(-2, 6)))  # offset / spread
    offset = 0.0 if log_off is None else draw(st.sampled_from((-1, 1))) * spread * 10**log_off
    x = offset + spread * base

    v = np.asarray(draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n)))
    signal = 0.5 * np.cos(3 * np.pi * base) + 0.5 * v
    tau = delta = None
    if loss == "logistic":
        y = np.where(v > 0, 1.0, -1.0)
    else:
        scale = 10 ** draw(st.floats(-6, 6))
        log_yoff = draw(st.one_of(st.none(), st.floats(-2, 6)))  # offset / scale
        yoff = 0.0 if log_yoff is None else draw(st.sampled_from((-1, 1))) * scale * 10**log_yoff
        y = yoff + scale * signal
        if loss == "quantile":
            tau = draw(st.floats(0.05, 0.95))
        if loss == "huber":
            delta = scale * 10 ** draw(st.floats(-2, 1))
    beta_frac = 10 ** draw(st.floats(-4, 0))
    return Problem(combo, loss, x, y, beta_frac, tau, delta)


def null_objective(p: Problem) -> float:
    """min over xi of sum_i loss(y_i - xi) (the objective at z = 0 with its best bias)."""
    y = p.y
    if p.loss == "logistic":
        k = np.sum(y > 0)
        xi = np.log(k / (y.shape[0] - k))
        return float(np.sum(data_fit(y * xi, "logistic")))
    if p.loss == "squared":
        return float(0.5 * np.sum((y - y.mean()) ** 2))

    def f(c):
        return float(np.sum(data_fit(y - c, p.loss, p.tau, p.delta)))

    if p.loss in ("quantile", "absolute"):  # piecewise linear: a minimum at a data point
        return min(f(c) for c in y)
    lo, hi = float(y.min()), float(y.max())
    r = minimize_scalar(f, bounds=(lo, hi), method="bounded",
                        options={"xatol": 1e-12 * max(hi - lo, 1e-300)})
    return min(float(r.fun), f(np.median(y)), f(y.mean()))


def reference(A: np.ndarray, p: Problem, lam: float) -> float | None:
    """cvxpy's value (objective at its point) of the Lasso on A, in the original units; None
    when cvxpy fails.  Solved on ``A / a`` and ``(y - c) / s`` (z = z' s / a, xi = c + s xi'):
    for these losses the objective is ``s^k`` times that of the normalized problem with
    ``lam / (s^(k-1) a)`` (k = 2 squared and huber with delta / s, 1 pinball, 0 logistic)."""
    a = float(np.abs(A).max())
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Solution may be inaccurate")
            return _reference(A / a, p, lam / a)
    # AssertionError: cvx_lasso's status check; ValueError: its logistic fallback when SCS
    # returns no point either (``np.argmin`` of no values)
    except (cp.error.SolverError, AssertionError, ValueError):
        return None


def _reference(A: np.ndarray, p: Problem, lam: float) -> float:
    if p.loss == "logistic":
        return cvx_lasso(A, p.y, lam, "logistic")
    c = float(np.median(p.y))
    s = float(np.ptp(p.y))
    k = 2 if p.loss in ("squared", "huber") else 1
    val = cvx_lasso(A, (p.y - c) / s, lam / s ** (k - 1), p.loss, p.tau,
                    1.0 if p.delta is None else p.delta / s)
    return s**k * val


def _skip(key, reason: str):
    TALLY[key][reason] += 1
    assume(False)


def check_problem(p: Problem) -> None:
    a, L, arch, slope = p.combo
    key = (combo_id(p.combo), p.loss)
    note(f"combo={p.combo} loss={p.loss} tau={p.tau!r} delta={p.delta!r} "
         f"beta_frac={p.beta_frac!r}\nx={p.x.tolist()!r}\ny={p.y.tolist()!r}")
    if np.unique(p.x).shape[0] < 2:
        _skip(key, "x collapsed")
    if p.loss == "logistic" and np.unique(p.y).shape[0] < 2:
        _skip(key, "one class")
    kw = p.kwargs()
    d = lom.build_dictionary(p.x, a, L, arch, leaky_slope=slope)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lom.LibraryOnlyWarning)
        bmax = lom.beta_max(d, p.y, **kw)
    if not bmax > 0:
        _skip(key, "beta_max <= 0")
    beta = bmax * p.beta_frac
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = lom.solve_lasso(d, p.y, beta, **kw)
    A = d.matrix()
    lam = beta * d.beta_scale
    ref = reference(A, p, lam)
    if ref is None:
        _skip(key, "cvxpy failed")
    if any(issubclass(w.category, lom.ConvergenceWarning) for w in caught):
        TALLY[key]["not converged"] += 1
    null = null_objective(p)
    tol = RTOL * null
    mine = objective(A, p.y, res.z, res.xi, lam, p.loss, p.tau,
                     1.0 if p.delta is None else p.delta)
    note(f"beta={beta!r} lam={lam!r} null={null!r} reference={ref!r} res.objective="
         f"{res.objective!r} evaluated={mine!r} gap={res.gap!r} solver={res.solver!r} "
         f"converged={res.converged}")
    TALLY[key]["checked"] += 1

    # (a) the independent convex reference
    assert np.all(np.isfinite(res.z)) and np.isfinite(res.xi)
    assert abs(res.objective - mine) <= tol, "the reported objective is not the one at (z, xi)"
    # a converged solve is optimal within the tolerance; one that stopped short (counted
    # above; it warned with its gap) is within its certified gap of the optimum
    assert res.gap >= 0 and res.objective - res.gap <= ref + tol, "invalid certificate"
    if res.converged:
        assert mine <= ref + tol, "a converged objective is above the cvxpy optimum"
        assert res.gap <= max(res.tol * (res.objective - res.gap), 1e-9 * null) + tol, \
            "converged with a gap above the tolerance"

    # (b) the reconstructed network is the Lasso model
    net = lom.reconstruct(d, res, beta)
    fit = A @ res.z + res.xi
    size = np.abs(A) @ np.abs(res.z) + abs(res.xi - (0.0 if p.loss == "logistic"
                                                      else np.median(p.y)))
    scale = max(float(np.ptp(p.y)), float(size.max()))
    np.testing.assert_allclose(net(p.x), fit, rtol=0, atol=RTOL * scale,
                               err_msg="the network's predictions are not the Lasso fit")
    datafit = get_datafit(p.loss, p.tau, p.delta)
    net_obj = net.objective(p.x, p.y, beta, loss=datafit)
    assert abs(net_obj - res.objective) <= tol, "network objective != Lasso objective"


def summary() -> str:
    """The counts per architecture and loss: checked / each skip reason / not converged."""
    cols = ("checked",) + SKIP_REASONS + ("not converged",)
    lines = [f"{'architecture':<32}{'loss':<10}" + "".join(f"{c:>15}" for c in cols)]
    total = collections.Counter()
    for (cid, loss), cnt in sorted(TALLY.items()):
        total.update(cnt)
        lines.append(f"{cid:<32}{loss:<10}" + "".join(f"{cnt[c]:>15}" for c in cols))
    for loss in LOSSES:
        sub = collections.Counter()
        for (_, lo), cnt in TALLY.items():
            if lo == loss:
                sub.update(cnt)
        lines.append(f"{'(all)':<32}{loss:<10}" + "".join(f"{sub[c]:>15}" for c in cols))
    lines.append(f"{'(all)':<32}{'(all)':<10}" + "".join(f"{total[c]:>15}" for c in cols))
    return "\n".join(lines)


def _checked(cid: str | None = None, loss: str | None = None) -> int:
    """Checked problems so far (of one architecture and / or loss)."""
    return sum(cnt["checked"] for (c, lo), cnt in TALLY.items()
               if cid in (None, c) and loss in (None, lo))


@pytest.fixture(scope="module", autouse=True)
def _print_summary():
    """The counts per architecture and loss, printed after the module's tests (``-s``)."""
    yield
    if TALLY:
        print("\n" + summary())


@pytest.mark.parametrize("loss", LOSSES)
def test_fuzz(loss):
    """The default budget: 10 checked problems per loss (50 in all), random architectures."""
    before = _checked(loss=loss)

    @settings(max_examples=10, **FUZZ)
    @given(p=problems(losses=(loss,), shift=LOSSES.index(loss)))
    def fuzz(p):
        check_problem(p)

    fuzz()
    assert _checked(loss=loss) - before >= 10


SLOW = [(c, loss) for c in COMBOS for loss in LOSSES]


@pytest.mark.slow
@pytest.mark.parametrize("k", range(len(SLOW)),
                         ids=[f"{combo_id(c)}-{loss}" for c, loss in SLOW])
def test_fuzz_slow(k):
    """The large budget: ``SLOW_PER_CASE`` checked problems per architecture and loss, each
    case asserting that many were checked (not rejected): 14 x 5 x 30 = 2,100 in all."""
    combo, loss = SLOW[k]
    before = _checked(combo_id(combo), loss)

    @settings(max_examples=SLOW_PER_CASE, **FUZZ)
    @given(p=problems(combos=(combo,), losses=(loss,), shift=k))
    def fuzz(p):
        check_problem(p)

    fuzz()
    assert _checked(combo_id(combo), loss) - before >= SLOW_PER_CASE
