"""Lemma 3.1 (relu + skip <-> abs + skip) and its erratum E7 (the betas differ by 2).

Oracles: the networks' own forward pass and objective (1.1), and cvxpy/Clarabel on the explicit
2-layer dictionaries with a free skip weight omega and bias xi."""

import cvxpy as cp
import numpy as np
import pytest
from convex_reference import TIGHT

import library_of_mirrors as lom
from library_of_mirrors.nn import ParallelNetwork
from library_of_mirrors.nn.skip import RELU_BETA_FACTOR, abs_to_relu, relu_to_abs


def _random_net(act, m, seed):
    rng = np.random.default_rng(seed)
    return ParallelNetwork(lom.get_activation(act), [rng.normal(size=(m, 1, 1))],
                           [rng.normal(size=(m, 1))], rng.normal(size=m), rng.normal(),
                           skip=rng.normal())


def _skip_lasso(x, y, act, beta):
    """cvxpy on (1.2) with a free skip column: returns the network (Definition B.3 + skip)
    and the optimal value."""
    d = lom.build_dictionary(x, act, 2)
    A = d.matrix()
    z, xi, om = cp.Variable(A.shape[1]), cp.Variable(), cp.Variable()
    r = A @ z + xi + om * x - y
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(r) + beta * cp.norm1(z)))
    prob.solve(solver=cp.CLARABEL, **TIGHT)
    net = lom.reconstruct(d, np.where(np.abs(z.value) > 1e-10, z.value, 0.0), xi=float(xi.value))
    net.skip = float(om.value)
    return net, float(prob.value)


@pytest.mark.parametrize("seed", range(4))
def test_maps_keep_the_function(seed):
    t = np.linspace(-4, 4, 101)
    a = _random_net("abs", 7, seed)
    r = abs_to_relu(a)
    assert r.activation.name == "relu"
    np.testing.assert_allclose(r(t), a(t), atol=1e-12)
    np.testing.assert_allclose(relu_to_abs(r)(t), a(t), atol=1e-12)
    r0 = _random_net("relu", 5, seed + 10)
    np.testing.assert_allclose(relu_to_abs(r0)(t), r0(t), atol=1e-12)
    # rebalanced: |W_i| = |alpha_i| per unit, so the penalty is sum |W_i alpha_i|
    np.testing.assert_allclose(np.abs(r.weights[0][:, 0, 0]), np.abs(r.alpha), rtol=1e-12)


@pytest.mark.parametrize("seed,beta", [(0, 0.05), (1, 0.2), (2, 0.01)])
def test_abs_at_beta_is_relu_at_half_beta(seed, beta):
    """E7: the optimal values of abs + skip at beta and relu + skip at beta / 2 agree, the
    Lemma 3.1 maps carry each optimal network to an optimal one with the same objective, and
    relu + skip at the *same* beta (the lemma's literal claim) has a strictly larger optimum."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, 10))
    y = np.sin(2 * x) + x**2 / 2 + 0.2 * rng.standard_normal(10)
    net_abs, v_abs = _skip_lasso(x, y, "abs", beta)
    net_relu, v_relu = _skip_lasso(x, y, "relu", RELU_BETA_FACTOR * beta)
    _, v_relu_same = _skip_lasso(x, y, "relu", beta)
    assert v_relu == pytest.approx(v_abs, rel=1e-6)
    assert net_abs.objective(x, y, beta) == pytest.approx(v_abs, rel=1e-6)
    assert abs_to_relu(net_abs).objective(x, y, RELU_BETA_FACTOR * beta) == pytest.approx(
        v_abs, rel=1e-6)
    assert relu_to_abs(net_relu).objective(x, y, beta) == pytest.approx(v_relu, rel=1e-6)
    assert v_relu_same > v_abs * (1 + 1e-3)


def test_maps_reject_other_networks():
    with pytest.raises(ValueError, match="expected activation 'abs', got 'relu'"):
        abs_to_relu(_random_net("relu", 3, 0))
    deep = ParallelNetwork(lom.get_activation("abs"), [np.ones((1, 1, 1))] * 2,
                           [np.zeros((1, 1))] * 2, np.ones(1))
    with pytest.raises(ValueError, match="Lemma 3.1 maps 2-layer networks, got depth 3"):
        abs_to_relu(deep)
    with pytest.raises(TypeError, match="net must be a ParallelNetwork"):
        relu_to_abs("net")
