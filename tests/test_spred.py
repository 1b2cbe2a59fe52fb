"""The Lasso as a redundant product network (Tibshirani; spred): same optimum, l_{2/k} for k
layers."""

import warnings

import numpy as np
import pytest
from conftest import COMBOS, combo_id

import library_of_mirrors as lom
from library_of_mirrors.solvers import Squared
from library_of_mirrors.solvers.spred import solve_spred


@pytest.mark.parametrize("combo", [COMBOS[0], COMBOS[3], COMBOS[8], COMBOS[12]], ids=combo_id)
@pytest.mark.parametrize("seed", [0, 1])
def test_spred_reaches_the_lasso_optimum(combo, seed):
    a, L, arch, s = combo
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, 12))
    y = np.sin(2 * x) + 0.3 * rng.standard_normal(12)
    d = lom.build_dictionary(x, a, L, arch, leaky_slope=s)
    ref = lom.solve_lasso(d, y, 0.02)
    with warnings.catch_warnings():  # its gap is loose (tiny nonzeros), its value is not
        warnings.simplefilter("ignore", lom.ConvergenceWarning)
        res = lom.solve_lasso(d, y, 0.02, solver="spred")
    assert res.objective == pytest.approx(ref.objective, rel=1e-6)
    assert res.objective >= ref.objective - 1e-9 * ref.objective


def test_three_factor_products_give_the_l_two_thirds_penalty():
    """Tibshirani eq. 9: min (1/2) sum_k ||u_k||^2 over u1 u2 u3 = z is (3/2) sum |z|^(2/3); at
    the trained point the factors are balanced, so the penalty identity holds."""
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(-2, 2, 10))
    y = np.sin(2 * x) + 0.2 * rng.standard_normal(10)
    d = lom.build_dictionary(x, "relu", 2)
    rows = Squared().prepare(y, np.ones(10), d.inverse, d.x_unique.shape[0])
    z, xi, value, _, U = solve_spred(d.pool(), rows, 0.05, True, depth=3)
    weight = 0.5 * np.sum(U * U)
    assert weight == pytest.approx(1.5 * np.sum(np.abs(z) ** (2 / 3)), rel=1e-4)
    r = y - d.matrix() @ z - (xi + rows.shift)
    assert value == pytest.approx(0.5 * r @ r + 0.05 * weight, rel=1e-9)


def test_spred_rejects_other_losses_and_depths():
    d = lom.build_dictionary(np.arange(6.0), "relu", 2)
    with pytest.raises(ValueError, match="squared loss only"):
        lom.solve_lasso(d, np.arange(6.0), 0.1, loss="absolute", solver="spred")
    with pytest.raises(ValueError, match=r"solver must be one of \('auto', 'working_sets', "
                                         r"'spred'\), got 'cd'"):
        lom.solve_lasso(d, np.arange(6.0), 0.1, solver="cd")
    with pytest.raises(ValueError, match="spred depth must be an integer >= 2"):
        rows = Squared().prepare(np.arange(6.0), np.ones(6), d.inverse, 6)
        solve_spred(d.pool(), rows, 0.1, True, depth=1)
