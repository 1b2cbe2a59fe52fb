"""The library is complete where the theory says so: dual constraint maxima and Lasso optima.

By Lemmas D.8-D.16 the Lasso over a dictionary equals the training problem exactly when, for
every dual vector lambda with 1^T lambda = 0, the most correlated library column attains
sup over all unit biases of |lambda^T X^(L)(x)|.  We check that against a fine search over the
continuous biases (independent of the library code), and compare Lasso optima with cvxpy.
"""

import cvxpy as cp
import numpy as np
import pytest
from reference import sigma

import library_of_mirrors as lom


def _sup_over_biases(x, name, depth, lam, leaky=None, grid=4001):
    """sup_{w, b} |lam^T X^(L)(x)| for deep narrow L in {2, 3}: grid over b1, exact b2."""
    s, _, _ = sigma(name, leaky)
    lo, hi = x.min(), x.max()
    span = hi - lo
    ts = np.linspace(lo - 2 * span, hi + 2 * span, grid)
    best = 0.0
    for w1 in (1.0, -1.0):
        H = s(w1 * (x[None, :] - ts[:, None]))  # (grid, N): first layer, kink at t
        if depth == 2:
            best = max(best, np.max(np.abs(H @ lam)))
            continue
        for w2 in (1.0, -1.0):
            # optimal second-layer bias is a data feature bias (Remark D.9): try every anchor
            for j in range(len(x)):
                X3 = s(w2 * (H - H[:, [j]]))
                best = max(best, np.max(np.abs(X3 @ lam)))
    return best


@pytest.mark.parametrize("name, leaky", [("relu", None), ("abs", None), ("leaky_relu", -0.5),
                                         ("leaky_relu", 0.3)])
@pytest.mark.parametrize("depth", [2, 3])
def test_library_attains_the_dual_constraint_supremum(name, leaky, depth):
    rng = np.random.default_rng(depth)
    for trial in range(4):
        x = rng.normal(size=6)
        lam = rng.normal(size=6)
        lam -= lam.mean()
        A = lom.build_dictionary(x, name, depth, leaky_slope=leaky).matrix()
        lib = np.max(np.abs(lam @ A))
        sup = _sup_over_biases(x, name, depth, lam, leaky)
        assert lib >= sup * (1 - 1e-9) - 1e-12, (trial, lib, sup)


def test_midpoint_features_are_needed_for_abs():
    """Without midpoint biases the 3-layer abs library misses dual maxima (Lemma D.11)."""
    rng = np.random.default_rng(7)
    short = 0
    for _ in range(20):
        x = rng.normal(size=6)
        lam = rng.normal(size=6)
        lam -= lam.mean()
        A = lom.build_dictionary(x, "abs", 3, midpoints="none").matrix()
        if np.max(np.abs(lam @ A)) < _sup_over_biases(x, "abs", 3, lam) * (1 - 1e-6):
            short += 1
    assert short > 0


def _lasso_value(A, y, beta):
    z = cp.Variable(A.shape[1])
    xi = cp.Variable()
    obj = 0.5 * cp.sum_squares(A @ z + xi - y) + beta * cp.norm1(z)
    prob = cp.Problem(cp.Minimize(obj))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return prob.value


@pytest.mark.parametrize("name, leaky", [("abs", None), ("leaky_relu", -0.5)])
def test_anchor_and_literal_midpoint_libraries_reach_the_same_optimum(name, leaky):
    rng = np.random.default_rng(1)
    gaps = []
    for _ in range(3):
        x = rng.normal(size=7)
        y = rng.normal(size=7)
        for beta in (1e-2, 1e-1):
            vals = {m: _lasso_value(lom.build_dictionary(x, name, 3, leaky_slope=leaky,
                                                         midpoints=m).matrix(), y, beta)
                    for m in ("anchor", "all", "none")}
            assert vals["all"] == pytest.approx(vals["anchor"], rel=1e-7)
            assert vals["none"] >= vals["anchor"] * (1 - 1e-7)
            gaps.append(vals["none"] / vals["anchor"] - 1)
    assert max(gaps) > 1e-4  # the midpoint features change the optimum somewhere


def test_depth_4_abs_library_misses_a_dual_maximum():
    """Erratum E3(b): biases fixed by equal heights beat every deep-library column."""
    x = np.array([-1.56, -0.14, 0.34, 0.59, 1.1])
    lam = np.array([-1.0, 2, -5, 3, 1])
    A = lom.build_dictionary(x, "abs", 4).matrix()
    unit = np.abs(np.abs(np.abs(x - 0.96) - 0.62) - 0.48)
    assert np.max(np.abs(lam @ A)) == pytest.approx(2.91)
    assert abs(lam @ unit) == pytest.approx(3.13)
