"""Proximal Newton in slope changes (solvers/slope_newton.py): the logistic loss over relu
deep narrow libraries, each step's second-order model solved over the whole library by the
slope-change solver.

Oracles: cvxpy + Clarabel (exponential cones) on the explicit matrix, the working-set engine
(solver="working_sets") with its own certificate, and the reconstructed network's objective."""

import numpy as np
import pytest
from convex_reference import cvx_lasso

import library_of_mirrors as lom
from library_of_mirrors.solvers import Logistic

NEWTON = "slope changes (proximal Newton)"


def _problem(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 4, n)
    s = np.where(np.abs(x - 1) + 0.5 * rng.standard_normal(n) > 1, 1.0, -1.0)
    return x, s


@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("frac", [0.3, 1e-2, 1e-4])
def test_proximal_newton_reaches_the_logistic_optimum(depth, frac):
    x, s = _problem(60, depth)
    d = lom.build_dictionary(x, "relu", depth)
    beta = frac * lom.beta_max(d, s, loss="logistic")
    res = lom.solve_lasso(d, s, beta, loss="logistic")
    assert res.solver == NEWTON and res.converged
    assert res.gap <= 1e-8 * res.lower_bound or res.gap <= 1e-10 * len(x)
    if frac >= 1e-2:  # nearly separable below: the conic reference takes 45 s and stops
        ref = cvx_lasso(d.matrix(), s, beta * d.beta_scale, "logistic")  # 6e-8 above
        assert res.lower_bound <= ref + 1e-9 * abs(ref)
        assert res.objective == pytest.approx(ref, rel=1e-7)
    ws = lom.solve_lasso(d, s, beta, loss="logistic", solver="working_sets")
    assert ws.solver == "working sets"
    # both certified: each objective lies within the other's gap of it
    assert abs(res.objective - ws.objective) <= max(res.gap, ws.gap) + 1e-12 * ws.objective
    net = lom.reconstruct(d, res, beta)
    assert net.objective(x, s, beta, loss=Logistic()) == pytest.approx(res.objective,
                                                                        rel=1e-9)


@pytest.mark.parametrize("depth", [2, 3])
def test_proximal_newton_on_implicit_libraries_equals_the_explicit_one(depth):
    x, s = _problem(40, 10 + depth)
    x = np.concatenate([x, x[:5]])  # duplicates with their own labels
    s = np.concatenate([s, -s[:5]])
    w = np.random.default_rng(depth).uniform(0.5, 2.0, x.shape[0])
    w[3] = 0.0
    d = lom.build_dictionary(x, "relu", depth)
    imp = lom.build_dictionary(x, "relu", depth, implicit=True)
    beta = 1e-2 * lom.beta_max(d, s, loss="logistic", sample_weight=w)
    re = lom.solve_lasso(d, s, beta, loss="logistic", sample_weight=w)
    ri = lom.solve_lasso(imp, s, beta, loss="logistic", sample_weight=w)
    assert re.solver == ri.solver == NEWTON and re.converged and ri.converged
    assert ri.objective == pytest.approx(re.objective, rel=1e-9)
    ref = cvx_lasso(d.matrix(), s, beta * d.beta_scale, "logistic", w=w)
    assert re.objective == pytest.approx(ref, rel=1e-7)
    # the implicit solution's units, evaluated, give its objective
    fit = ri.dictionary.matrix() @ ri.z + ri.xi
    loss = np.logaddexp(0.0, -s * fit)
    assert float(w @ loss) + beta * imp.beta_scale * np.abs(ri.z).sum() == pytest.approx(
        ri.objective, rel=1e-10)


def test_the_working_sets_serve_what_proximal_newton_does_not():
    """Leaky relu and abs libraries have no slope-change form; nor has a fixed bias."""
    x, s = _problem(20, 7)
    for d in (lom.build_dictionary(x, "abs", 3),
              lom.build_dictionary(x, "leaky_relu", 2, leaky_slope=0.25)):
        res = lom.solve_lasso(d, s, 0.05, loss="logistic")
        assert res.solver == "working sets"
    res = lom.solve_lasso(lom.build_dictionary(x, "relu", 2), s, 0.05, loss="logistic",
                          bias=False)
    assert res.solver == "working sets"
