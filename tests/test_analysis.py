"""Closed forms of Appendix C, the inverses of Appendix D.5 and the optimal set (Prop. E.3).

Oracles: numpy inverses, HiGHS LPs of (C.1) on the explicit matrices, the library's own
dictionaries, and cvxpy on an independent formulation of the minimum-norm optimal solution."""

import cvxpy as cp
import numpy as np
import pytest
from convex_reference import TIGHT, lp_min_norm

import library_of_mirrors as lom
from library_of_mirrors.analysis import (
    OptimalSet,
    inverse_abs,
    inverse_relu,
    inverse_sign,
    inverse_threshold,
    min_norm_abs,
    min_norm_lower_bound,
    min_norm_relu,
    min_norm_sign,
    min_norm_threshold,
    paper_matrix,
)
from library_of_mirrors.analysis.closed_forms import delta_block, point_gaps


def _data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=n)


@pytest.mark.parametrize("n", [2, 3, 7])
@pytest.mark.parametrize("seed", [0, 1])
def test_dictionary_inverses(n, seed):
    x, _ = _data(n, seed)
    I = np.eye(n)
    np.testing.assert_allclose(inverse_sign(x) @ paper_matrix(x, "sign"), I, atol=1e-12)
    np.testing.assert_allclose(inverse_threshold(x) @ paper_matrix(x, "threshold"), I,
                               atol=1e-12)
    np.testing.assert_allclose(inverse_abs(x) @ paper_matrix(x, "abs"), I, atol=1e-9)
    Ap, Am = paper_matrix(x, "relu")
    sub = np.column_stack([Ap[:, 1:], Am[:, 0]])
    np.testing.assert_allclose(inverse_relu(x) @ sub, I, atol=1e-9)


def test_lemma_d28_as_printed_is_not_the_inverse():
    """Erratum E10: with E_-'s last entry -1 (as printed) the product is not the identity."""
    x, _ = _data(5, 3)
    xs = np.sort(x)[::-1]
    last = np.zeros(5)
    last[-1] = 1.0
    Ep = delta_block(5, 1.0, last)
    Em_paper = delta_block(5, -1.0, -last)
    Ap, Am = paper_matrix(x, "relu")
    sub = np.column_stack([Ap[:, 1:], Am[:, 0]])
    assert np.abs(Ep @ (point_gaps(xs)[:, None] * Em_paper) @ sub - np.eye(5)).max() > 0.5


@pytest.mark.parametrize("act", ["abs", "sign"])
def test_paper_matrices_are_the_library_dictionaries(act):
    """The paper's 2-layer matrices hold the library's columns (up to sign and order)."""
    x, _ = _data(6, 4)
    A = paper_matrix(x, act)
    lib = lom.build_dictionary(x, act, 2).matrix()[np.argsort(-x)]
    for col in lib.T:
        assert min(np.abs(A - s * col[:, None]).max(axis=0).min() for s in (1, -1)) < 1e-12


@pytest.mark.parametrize("seed", range(4))
def test_abs_solution_segment(seed):
    """Proposition C.2: the (C.1) solutions form the segment between z_1 = 0 and z_N = 0."""
    x, y = _data(7, seed)
    A = paper_matrix(x, "abs")
    ys = y[np.argsort(-x)]
    r = min_norm_abs(x, y)
    assert r["value"] == pytest.approx(lp_min_norm(A, ys), rel=1e-9)
    (za, xa), (zb, xb) = r["endpoints"]
    assert za[0] == 0 and zb[-1] == 0
    for t in (0.0, 0.3, 1.0):
        z, xi = (1 - t) * za + t * zb, (1 - t) * xa + t * xb
        np.testing.assert_allclose(A @ z + xi, ys, atol=1e-9)
        assert np.abs(z).sum() == pytest.approx(r["value"], rel=1e-9)
    # beyond the segment the norm grows
    z = 1.2 * zb - 0.2 * za
    assert np.abs(z).sum() > r["value"] + 1e-9


@pytest.mark.parametrize("bias", [False, True])
def test_sign_min_norm(bias):
    """Proposition C.3: z = A^{-1} y without bias; with a bias, the constant column moves."""
    x, y = _data(6, 5)
    A = paper_matrix(x, "sign")
    r = min_norm_sign(x, y, bias)
    ys = y[np.argsort(-x)]
    np.testing.assert_allclose(A @ r["z"] + r["xi"], ys, atol=1e-12)
    assert r["value"] == pytest.approx(lp_min_norm(A, ys, bias=bias), rel=1e-9)


@pytest.mark.parametrize("bias", [False, True])
def test_threshold_min_norm_corrected(bias):
    """Proposition C.4 with z_n = y_n - y_{n+1} (erratum E8) is the LP optimum over
    [A_+, A_-]; the printed y_n - y_{n-1} does not even interpolate."""
    x = np.array([3.0, -1.0, 0.5, 2.0, 1.0])
    y = np.array([5.0, 0.5, 1.0, 4.0, 2.5])  # nonincreasing in decreasing x
    Ap = paper_matrix(x, "threshold")
    Am = (np.sort(x)[::-1][None, :] >= np.sort(x)[::-1][:, None]).astype(float)
    ys = y[np.argsort(-x)]
    r = min_norm_threshold(x, y, bias)
    np.testing.assert_allclose(Ap @ r["z_plus"] + r["xi"], ys, atol=1e-12)
    assert r["value"] == pytest.approx(lp_min_norm(np.hstack([Ap, Am]), ys, bias=bias),
                                       rel=1e-9)
    assert r["value"] == pytest.approx(ys[0] - (ys[-1] if bias else 0.0))
    printed = np.append(ys[:-1] - np.append(0.0, ys[:-2]), ys[-1])
    assert np.abs(Ap @ printed - ys).max() > 0.1
    with pytest.raises(ValueError, match="needs y_1 >= ... >= y_N >= 0"):
        min_norm_threshold(x, -y)


@pytest.mark.parametrize("seed", range(5))
def test_relu_min_norm_corrected(seed):
    """Lemma C.6 corrected (erratum E9): the formula equals the LP over [A_+, A_-]; the
    paper's value is the LP over A_+ alone."""
    x, y = _data(7, seed)
    Ap, Am = paper_matrix(x, "relu")
    ys = y[np.argsort(-x)]
    r = min_norm_relu(x, y)
    assert r["value"] == pytest.approx(lp_min_norm(np.hstack([Ap, Am]), ys), rel=1e-9)
    assert r["value_plus_only"] == pytest.approx(lp_min_norm(Ap, ys), rel=1e-9)
    u = r["u"]
    f = r["xi"] + np.maximum(u[:, None] - u[None, :], 0) @ r["a"] \
        + np.maximum(u[None, :] - u[:, None], 0) @ r["b"]
    np.testing.assert_allclose(f, y[np.argsort(x)], atol=1e-9)


def test_relu_min_norm_counterexample():
    r = min_norm_relu([0.0, 1.0, 2.0], [1.0, 0.0, 0.0])
    assert r["value"] == pytest.approx(1.0) and r["value_plus_only"] == pytest.approx(2.0)


@pytest.mark.parametrize("act,depth", [("relu", 2), ("abs", 2), ("abs", 3), ("relu", 3)])
def test_lemma_c5_lower_bound(act, depth):
    x, y = _data(6, 7)
    res = lom.solve_min_norm(lom.build_dictionary(x, act, depth), y)
    assert res.objective >= min_norm_lower_bound(x, y) - 1e-9


# ----------------------------------------------------------------------------------------------
# the optimal set


def _set(act, depth, seed, beta):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=5)
    y = 0.5 * x + 0.2 + 0.1 * rng.normal(size=5)
    d = lom.build_dictionary(x, act, depth)
    res = lom.solve_lasso(d, y, beta, tol=1e-12)
    return d, y, res, OptimalSet.from_result(d, y, res)


def _objective(d, y, S, u, beta):
    z = S.z_of(u)
    r = y - d.matvec(z) - S.bias(u)
    return 0.5 * r @ r + beta * d.beta_scale * np.abs(z).sum()


@pytest.mark.parametrize("act,depth,seed", [("relu", 3, 0), ("abs", 3, 1), ("relu", 2, 2)])
def test_vertices_are_minimal_optimal_models(act, depth, seed):
    beta = 1e-3
    d, y, res, S = _set(act, depth, seed, beta)
    n = d.x_unique.shape[0]
    for k in range(5):
        u = S.vertex(k)
        assert np.count_nonzero(u) <= n - 1  # a basic solution of the centered system
        assert _objective(d, y, S, u, beta) == pytest.approx(res.objective, rel=1e-8)
        # the reconstructed network of the vertex is as good as the Lasso optimum
        net = lom.reconstruct(d, S.z_of(u), xi=S.bias(u))
        assert net.objective(d.x, y, beta) == pytest.approx(res.objective, rel=1e-8)


@pytest.mark.parametrize("act,depth,seed", [("relu", 3, 0), ("abs", 3, 1)])
def test_hit_and_run_samples_are_optimal(act, depth, seed):
    beta = 1e-3
    d, y, res, S = _set(act, depth, seed, beta)
    U = S.sample(100, rng=3)
    assert S.M.shape[1] > np.linalg.matrix_rank(S.M)  # a set, not a point
    assert np.all(U >= 0)
    for u in U:
        assert S.residual(u) < 1e-9
        assert _objective(d, y, S, u, beta) == pytest.approx(res.objective, rel=1e-8)
    # the set's own objective agrees with this independent one, row by row
    np.testing.assert_allclose(S.objective(U), [_objective(d, y, S, u, beta) for u in U],
                               rtol=1e-12)
    assert np.all(U.std(axis=0)[U.max(axis=0) > 0] > 0)  # it moves in every free coordinate


def test_min_norm_solution_against_cvxpy():
    """The minimum Euclidean norm optimal solution, independently: min ||z||_2 over
    {A z + xi = y_hat, ||z||_1 <= optimal norm} on the full matrix, the bias xi free."""
    beta = 1e-3
    d, y, res, S = _set("relu", 3, 0, beta)
    u = S.min_norm()
    A = d.matrix()
    z, xi = cp.Variable(d.n_features), cp.Variable()
    prob = cp.Problem(cp.Minimize(cp.sum_squares(z)),
                      [A @ z + xi == S.fit, cp.norm1(z) <= S.norm * (1 + 1e-10)])
    prob.solve(solver=cp.CLARABEL, **TIGHT)
    assert np.linalg.norm(u) == pytest.approx(np.linalg.norm(z.value), rel=1e-5)
    assert _objective(d, y, S, u, beta) == pytest.approx(res.objective, rel=1e-8)


def test_the_optimal_bias_is_not_unique_erratum_of_lemma_e2():
    """2-layer relu, x = (0, 1, 2, 3), y = (.1, .9, 2.2, 2.9), beta = 0.1: the optimum 0.12 is
    reached with bias 0.7 and with bias 2.5 (Lemma E.2 says the bias is unique).  The set's
    bias interval equals the least and largest bias of cvxpy over {A z + xi = y_hat,
    ||z||_1 <= optimal norm}, and points of the set at both ends are optimal."""
    x, y = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.1, 0.9, 2.2, 2.9])
    d = lom.build_dictionary(x, "relu", 2)
    res = lom.solve_lasso(d, y, 0.1, tol=1e-12)
    assert res.objective == pytest.approx(0.12, rel=1e-12)
    S = OptimalSet.from_result(d, y, res)
    lo, hi = S.bias_interval()
    A = d.matrix()
    ends = []
    for sense in (cp.Minimize, cp.Maximize):
        z, xi = cp.Variable(d.n_features), cp.Variable()
        cp.Problem(sense(xi), [A @ z + xi == S.fit, cp.norm1(z) <= S.norm]).solve(
            solver=cp.CLARABEL, **TIGHT)
        ends.append(float(xi.value))
    assert (lo, hi) == pytest.approx(ends, abs=1e-7)
    assert lo <= 0.7 + 1e-9 and hi >= 2.5 - 1e-9
    for u in (S.vertex(0), S.vertex(1), S.min_norm()):
        assert S.residual(u) < 1e-9
        net = lom.reconstruct(d, S.z_of(u), xi=S.bias(u))
        assert net.objective(x, y, 0.1) == pytest.approx(0.12, rel=1e-8)
