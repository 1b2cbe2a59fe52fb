"""Unpenalized linear terms (the skip connection of Lemma 3.1) in the Lasso: the projected
problem's certified optimum against cvxpy on the explicit matrix with the skip weights and the
bias as free variables, and against the network objective (1.1) of the rebuilt network."""

import cvxpy as cp
import numpy as np
import pytest

import library_of_mirrors as lom
from library_of_mirrors.models.network import fit_network
from library_of_mirrors.solvers.datafits import Squared


def _reference(A, L, y, lam, w=None):
    w = np.ones(y.shape[0]) if w is None else w
    z, c, b = cp.Variable(A.shape[1]), cp.Variable(L.shape[1]), cp.Variable()
    r = y - A @ z - L @ c - b
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum(cp.multiply(w, cp.square(r)))
                                  + lam * cp.norm1(z)))
    prob.solve(solver="CLARABEL")
    return prob.value


@pytest.mark.parametrize("activation,depth", [("abs", 2), ("relu", 2), ("abs", 3),
                                              ("relu", 3), ("leaky_relu", 3)])
def test_skip_optimum_matches_cvxpy(activation, depth):
    rng = np.random.default_rng(depth)
    x = np.round(rng.uniform(-2, 2, 40), 2)  # duplicates collapse onto distinct inputs
    y = 1.5 * x + np.sin(3 * x) + 0.1 * rng.normal(size=40)
    d = lom.build_dictionary(x, activation, depth,
                             leaky_slope=0.2 if activation == "leaky_relu" else None)
    beta = 0.2
    res = lom.solve_lasso(d, y, beta, linear=x, tol=1e-10)
    ref = _reference(d.matrix(), x[:, None], y, beta * d.beta_scale)
    assert res.converged and res.objective <= ref + 1e-7 * abs(ref)
    assert res.objective - res.gap <= ref + 1e-7 * abs(ref)
    # the coefficients reproduce the objective: the certificate is about this point
    f = d.matrix() @ res.z + x * res.linear[0] + res.xi
    value = 0.5 * np.sum((y - f) ** 2) + beta * d.beta_scale * np.abs(res.z).sum()
    assert value == pytest.approx(res.objective, rel=1e-10)


def test_skip_with_weights_additive_and_offsets():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 2)) + [1e4, -3.0]
    y = 0.7 * X[:, 0] - 0.2 * X[:, 1] + np.abs(X[:, 1]) + 0.05 * rng.normal(size=50)
    w = rng.uniform(0.5, 2.0, 50)
    d = lom.build_additive_dictionary(X, "abs", 2)
    res = lom.solve_lasso(d, y, 0.1, linear=X, sample_weight=w, tol=1e-10)
    ref = _reference(d.matrix(), X - X.mean(axis=0), y, 0.1, w)
    assert res.objective == pytest.approx(ref, rel=1e-6)


def test_skip_implicit_library_equals_explicit():
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, 70)
    y = x + np.maximum(x - 0.3, 0) + 0.05 * rng.normal(size=70)
    explicit = lom.solve_lasso(lom.build_dictionary(x, "relu", 3), y, 0.05, linear=x, tol=1e-10)
    implicit = lom.solve_lasso(lom.build_dictionary(x, "relu", 3, implicit=True), y, 0.05,
                               linear=x, tol=1e-10)
    assert implicit.converged
    assert implicit.objective == pytest.approx(explicit.objective, rel=1e-8)


def test_skip_beta_max_and_network_objective():
    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 2, 30)
    y = 2 * x + np.abs(x) + 0.1 * rng.normal(size=30)
    d = lom.build_dictionary(x, "abs", 2)
    bmax = lom.beta_max(d, y, linear=x)
    assert lom.solve_lasso(d, y, bmax * 1.0001, linear=x).active.size == 0
    assert lom.solve_lasso(d, y, bmax * 0.9, linear=x).active.size > 0
    # above beta_max the fit is the least-squares line
    line = np.polyfit(x, y, 1)
    res = lom.solve_lasso(d, y, bmax * 2, linear=x)
    assert res.linear[0] == pytest.approx(line[0], rel=1e-9)
    # the rebuilt network carries the skip weight; its objective (1.1) is the Lasso value
    fit = fit_network(x, y, {"activation": "abs", "depth": 2, "architecture": "deep_narrow",
                             "leaky_slope": None, "n_features": None, "random_state": None},
                      Squared(), 0.05, linear=x)
    assert fit.network.skip == pytest.approx(fit.result.linear[0])
    assert fit.network.objective(x, y, 0.05) == pytest.approx(fit.result.objective, rel=1e-9)
    assert np.allclose(fit.network(x), fit.decision(x))


def test_skip_errors():
    x = np.array([0.0, 1.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 1.0, 1.5, 2.0, 1.0])
    d = lom.build_dictionary(x, "abs", 2)
    with pytest.raises(ValueError, match="linear .* need loss='squared', got 'huber'"):
        lom.solve_lasso(d, y, 0.1, loss="huber", linear=x)
    with pytest.raises(ValueError, match="one value per distinct input"):
        lom.solve_lasso(d, y, 0.1, linear=np.arange(5.0))
    with pytest.raises(ValueError, match=r"linear must have shape \(5, k\)"):
        lom.solve_lasso(d, y, 0.1, linear=np.ones(4))
    with pytest.raises(ValueError, match="NaN"):
        lom.solve_lasso(d, y, 0.1, linear=np.array([0, 1, 1, np.nan, 3.0]))
