"""The pinball losses over relu libraries as one sparse LP in slope changes
(solvers/slope_lp.py).

Oracles: cvxpy + Clarabel on the explicit matrix, the working-set engine (column generation
on the library's columns) and the reconstructed network's objective (1.1).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import noisy_sine
from convex_reference import cvx_lasso

import library_of_mirrors as lom
from library_of_mirrors.solvers.datafits import get_datafit


@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("loss, tau", [("quantile", 0.8), ("quantile", 0.25), ("absolute", None)])
@pytest.mark.parametrize("frac", [0.3, 1e-2, 1e-4])
def test_slope_lp_reaches_the_cvxpy_optimum(depth, loss, tau, frac):
    x, y = noisy_sine(50, depth)
    d = lom.build_dictionary(x, "relu", depth)
    beta = frac * lom.beta_max(d, y, loss=loss, quantile=tau)
    res = lom.solve_lasso(d, y, beta, loss=loss, quantile=tau)
    assert res.solver == "slope-change LP" and res.converged
    ref = cvx_lasso(d.matrix(), y, beta, loss, tau)
    # cvxpy's value is a feasible point's (an upper bound of the optimum, to its accuracy)
    assert ref * (1 - 1e-6) <= res.objective <= ref * (1 + 1e-8)
    assert res.objective - res.gap <= ref  # the certificate bounds the optimum from below
    # the second oracle: the reconstructed network's objective (1.1) with the same loss
    net = lom.reconstruct(d, res)
    fit = get_datafit(loss, tau, None)
    assert net.objective(x, y, beta, loss=fit) == pytest.approx(res.objective, rel=1e-9)


@pytest.mark.parametrize("depth", [2, 3])
def test_slope_lp_with_duplicates_and_weights(depth):
    x, y = noisy_sine(80, 7, dup=True)
    w = np.random.default_rng(3).uniform(0.2, 3.0, x.shape[0])
    d = lom.build_dictionary(x, "relu", depth)
    beta = 1e-2 * lom.beta_max(d, y, sample_weight=w, loss="quantile", quantile=0.7)
    res = lom.solve_lasso(d, y, beta, sample_weight=w, loss="quantile", quantile=0.7)
    assert res.solver == "slope-change LP" and res.converged
    ref = cvx_lasso(d.matrix(), y, beta, "quantile", 0.7, w=w)
    assert ref * (1 - 1e-6) <= res.objective <= ref * (1 + 1e-8)
    ws = lom.solve_lasso(d, y, beta, sample_weight=w, loss="quantile", quantile=0.7,
                         solver="working_sets")
    assert ws.solver == "working sets"
    assert res.objective == pytest.approx(ws.objective, rel=1e-9)


def test_implicit_deep_relu_library_agrees_with_the_working_sets():
    x, y = noisy_sine(200, 5)
    d = lom.build_dictionary(x, "relu", 3, implicit=True)
    beta = 1e-3 * lom.beta_max(d, y, loss="quantile", quantile=0.9)
    res = lom.solve_lasso(d, y, beta, loss="quantile", quantile=0.9)
    ws = lom.solve_lasso(d, y, beta, loss="quantile", quantile=0.9, solver="working_sets")
    assert res.solver == "slope-change LP" and res.converged and ws.converged
    assert res.objective == pytest.approx(ws.objective, rel=1e-9)


@pytest.mark.parametrize("shift, xscale, yscale", [(1e6, 1.0, 1.0), (0.0, 1e-6, 1e-6),
                                                   (0.0, 1e5, 1e8)])
def test_offsets_and_scales(shift, xscale, yscale):
    x, y = noisy_sine(150, 11)
    x, y = shift + xscale * x, yscale * y
    d = lom.build_dictionary(x, "relu", 2)
    beta = 1e-3 * lom.beta_max(d, y, loss="quantile", quantile=0.9)
    res = lom.solve_lasso(d, y, beta, loss="quantile", quantile=0.9)
    ws = lom.solve_lasso(d, y, beta, loss="quantile", quantile=0.9, solver="working_sets")
    assert res.converged and res.solver == "slope-change LP"
    assert res.objective == pytest.approx(ws.objective, rel=1e-8)


def test_what_the_slope_lp_does_not_serve():
    x, y = noisy_sine(40, 2)
    d = lom.build_dictionary(x, "relu", 2)
    assert lom.solve_lasso(d, y, 0.1, loss="quantile", quantile=0.5,
                           bias=False).solver == "working sets"
    assert lom.solve_lasso(lom.build_dictionary(x, "abs", 2), y, 0.1,
                           loss="absolute").solver == "working sets"
