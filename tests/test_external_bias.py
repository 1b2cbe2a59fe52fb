"""Erratum E5: Theorem 3.11 sets xi = 0 for sign and threshold networks, but the training
problem (1.1) has a free external bias for every network.  The numbers decide: a network with
xi (a valid point of (1.1)) beats the xi = 0 Lasso optimum, so the default is a free xi."""

import numpy as np
import pytest
from convex_reference import cvx_lasso

import library_of_mirrors as lom

X = np.array([-1.0, 0.0, 1.0, 2.0])
Y = np.array([3.0, 4.0, 3.5, 5.0])
BETA = 0.5


def _network_objective(d, res, x, y, beta):
    """(1.1) for the 2-layer sign/threshold network sum_j z_j unit_j(x) + xi, evaluated by the
    units' forward pass (2.3).  L~ = 2 regularizes the amplitude and outer weight, whose
    product is z_j: min (beta/2)(a^2 + s^2) over a s = z_j is beta |z_j| (Lemma B.4)."""
    f = np.full(x.shape[0], res.xi)
    for j in res.active:
        f += res.z[j] * d.features[j].unit(x)
    return 0.5 * np.sum((f - y) ** 2) + beta * np.abs(res.z).sum()


@pytest.mark.parametrize("activation", ["sign", "threshold"])
def test_free_external_bias_beats_theorem_3_11_xi_zero(activation):
    d = lom.build_dictionary(X, activation, 2)
    free = lom.solve_lasso(d, Y, BETA)
    zero = lom.solve_lasso(d, Y, BETA, bias=False)
    assert free.objective == pytest.approx(cvx_lasso(d.matrix(), Y, BETA), rel=1e-7)
    assert zero.objective == pytest.approx(cvx_lasso(d.matrix(), Y, BETA, bias=False), rel=1e-7)
    # the network with a free xi attains the free-xi Lasso value ...
    assert _network_objective(d, free, X, Y, BETA) == pytest.approx(free.objective, rel=1e-12)
    # ... which is far below the xi = 0 Lasso optimum of Theorem 3.11
    assert free.objective < 0.4 * zero.objective
    assert free.xi != 0.0
