"""The matrix-free working-set block (memory O(N + k^2), never the N x k columns) gives the
same optimum as the dense block and as cvxpy on the explicit matrix, for every architecture,
with duplicates, weights, without bias and on additive dictionaries."""

import numpy as np
import pytest
from conftest import COMBOS, combo_id
from convex_reference import cvx_lasso, solve_and_check

import library_of_mirrors as lom
from library_of_mirrors.solvers import blocks
from library_of_mirrors.solvers.blocks import DenseBlock, FreeBlock


@pytest.fixture
def matrix_free(monkeypatch):
    """Every working set handled matrix-free."""
    monkeypatch.setattr(blocks, "DENSE_BLOCK_BYTES", 0)


def _data(n, seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    return x, np.sin(2 * x) + 0.3 * rng.standard_normal(n)


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
@pytest.mark.parametrize("frac", [0.3, 0.01])
def test_matrix_free_block_reaches_the_cvxpy_optimum(matrix_free, combo, frac):
    a, L, arch, s = combo
    x, y = _data(11, 2)
    d = lom.build_dictionary(x, a, L, arch, leaky_slope=s)
    solve_and_check(d, y, frac * lom.beta_max(d, y))


@pytest.mark.parametrize("bias", [True, False])
def test_matrix_free_with_duplicates_and_weights(matrix_free, bias):
    rng = np.random.default_rng(5)
    x = np.round(rng.uniform(-2, 2, 30), 1)  # many duplicates
    y = np.cos(2 * x) + 0.2 * rng.standard_normal(30)
    w = rng.uniform(0.2, 2.0, 30)
    d = lom.build_dictionary(x, "abs", 3)
    res = lom.solve_lasso(d, y, 1e-2, sample_weight=w, bias=bias)
    ref = cvx_lasso(d.matrix(), y, 1e-2, w=w, bias=bias)
    assert res.converged
    assert abs(res.objective - ref) <= 1e-7 * max(1.0, abs(ref))


def test_matrix_free_additive_dictionary(matrix_free):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(25, 2))
    y = np.abs(X[:, 0]) - 0.5 * np.maximum(X[:, 1], 0) + 0.1 * rng.standard_normal(25)
    d = lom.build_additive_dictionary(X, "relu", 2)
    res = lom.solve_lasso(d, y, 1e-2)
    ref = cvx_lasso(d.matrix(), y, 1e-2)
    assert res.converged
    assert abs(res.objective - ref) <= 1e-7 * max(1.0, abs(ref))


def test_free_block_is_the_dense_block():
    """Gram columns, B^T b, b^T b and objectives of the two blocks agree (weighted, centered)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=20)
    y = rng.normal(size=20)
    wu = rng.uniform(0.5, 2.0, 20)
    d = lom.build_dictionary(x, "relu", 3)
    ws = np.sort(rng.choice(d.n_features, 12, replace=False))
    u_order = np.argsort(x)
    yu, wsort = y[u_order], wu[u_order]
    ybar = float(wsort @ yu / wsort.sum())
    A = d.pool().columns(ws)
    A = A - (wsort @ A) / wsort.sum()
    sw = np.sqrt(wsort)
    dense = DenseBlock(np.asfortranarray(A * sw[:, None]), sw * (yu - ybar))
    free = FreeBlock(d.pool().features(ws), wsort, yu - ybar, True)
    np.testing.assert_allclose(free.c, dense.c, rtol=1e-10, atol=1e-12)
    assert free.bb == pytest.approx(dense.bb, rel=1e-12)
    for j in range(ws.shape[0]):
        np.testing.assert_allclose(free.col(j), dense.col(j), rtol=1e-9, atol=1e-11)
    lam = np.full(ws.shape[0], 0.05)
    z = rng.normal(size=ws.shape[0])
    assert free.objective(z, lam) == pytest.approx(dense.objective(z, lam), rel=1e-10)
    z1, z2 = z.copy(), z.copy()
    dense.cd(z1, lam, 5)
    free.cd(z2, lam, 5)  # CD never increases the objective
    assert dense.objective(z1, lam) <= dense.objective(z, lam) + 1e-12
    assert free.objective(z2, lam) <= free.objective(z, lam) + 1e-12


@pytest.mark.parametrize("dense_max", [4096, 3])
def test_dense_block_gram_columns_in_any_order(monkeypatch, dense_max):
    """The Gram columns of a support, asked in any order and repeatedly, are B^T B[:, S]:
    from one (k, k) array (small blocks) or column by column (above DENSE_GRAM_MAX)."""
    monkeypatch.setattr(blocks, "DENSE_GRAM_MAX", dense_max)
    rng = np.random.default_rng(5)
    B = rng.normal(size=(30, 8))
    block = DenseBlock(B, rng.normal(size=30))
    for S in ([5], [1, 5, 7], [0, 5, 6], [], list(range(8)), [7, 2]):
        S = np.array(S, dtype=np.int64)
        np.testing.assert_allclose(block.cols(S), B.T @ B[:, S], rtol=1e-12, atol=1e-12)
        assert block.cols(S).shape == (8, S.shape[0])
    np.testing.assert_allclose(block.col(3), B.T @ B[:, 3], rtol=1e-12)


def test_estimator_and_forecaster_take_the_matrix_free_path(monkeypatch):
    """Above the dense-block budget the estimator and the forecaster fit through the
    matrix-free block, to the same certified optimum and predictions."""
    from library_of_mirrors.timeseries import ARForecaster, load_nile

    x, y = _data(60, 4)
    dense = lom.ConvexNetRegressor("abs", 3, beta=1e-2).fit(x, y)
    fc_dense = ARForecaster(lags=1, depth=2, beta=1e-2, transform="none",
                            skip=False, intervals="none").fit(load_nile())
    used = []
    monkeypatch.setattr(blocks, "DENSE_BLOCK_BYTES", 0)
    real = blocks.FreeBlock.__init__

    def spy(self, *args, **kwargs):
        used.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(blocks.FreeBlock, "__init__", spy)
    free = lom.ConvexNetRegressor("abs", 3, beta=1e-2).fit(x, y)
    fc_free = ARForecaster(lags=1, depth=2, beta=1e-2, transform="none",
                            skip=False, intervals="none").fit(load_nile())
    assert used  # the matrix-free block was used
    assert free.result_.objective == pytest.approx(dense.result_.objective, rel=1e-9)
    # the fit is unique on the data (Lemma E.2), not between the points
    np.testing.assert_allclose(free.predict(x), dense.predict(x), atol=1e-6)
    assert fc_free.objective_ == pytest.approx(fc_dense.objective_, rel=1e-9)


def test_crossover_keeps_the_fit_and_norm_with_few_units():
    """The QP fallback's interior point is moved to a vertex of its face: same fit B z,
    no larger l1 norm, at most rank(B_S) nonzeros (a basic solution)."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=12)
    d = lom.build_dictionary(x, "relu", 3)
    B = np.asfortranarray(d.matrix()[np.argsort(x)])
    block = DenseBlock(B, rng.normal(size=12))
    z = rng.uniform(0.1, 1.0, size=d.n_features) * rng.choice([-1, 1], d.n_features)
    z[rng.random(d.n_features) < 0.3] = 0.0
    v = block.crossover(z)
    np.testing.assert_allclose(B @ v, B @ z, atol=1e-9 * np.abs(B @ z).max())
    assert np.abs(v).sum() <= np.abs(z).sum() * (1 + 1e-12)
    S = np.flatnonzero(z)
    assert np.count_nonzero(v) <= np.linalg.matrix_rank(B[:, S]) < S.shape[0]
    assert set(np.flatnonzero(v)) <= set(S)
    assert np.all(np.sign(v[v != 0]) == np.sign(z[v != 0]))


@pytest.mark.parametrize("bias", [True, False])
def test_matrix_free_crossover_through_the_grid_form(bias):
    """FreeBlock has no columns: equal fits are equal grid coefficients (the basis is
    invertible on the distinct points), but for the constant when the bias absorbs it.  The
    vertex keeps the centered fit, does not grow the l1 norm, and is sparse."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=14)
    d = lom.build_dictionary(x, "abs", 3)
    w = rng.uniform(0.5, 2.0, d.x_unique.shape[0])
    block = FreeBlock(d.batch, w, rng.normal(size=d.x_unique.shape[0]), bias)
    z = rng.uniform(0.1, 1.0, size=d.n_features) * rng.choice([-1, 1], d.n_features)
    z[rng.random(d.n_features) < 0.3] = 0.0
    v = block.crossover(z)
    A = d.batch.evaluate(d.x_unique)
    fz, fv = A @ z, A @ v
    if bias:
        fz, fv = fz - w @ fz / w.sum(), fv - w @ fv / w.sum()
    np.testing.assert_allclose(fv, fz, atol=1e-9 * np.abs(fz).max())
    assert np.abs(v).sum() <= np.abs(z).sum() * (1 + 1e-12)
    S = np.flatnonzero(z)
    assert np.count_nonzero(v) <= np.linalg.matrix_rank(A[:, S]) < S.shape[0]
    assert set(np.flatnonzero(v)) <= set(S)
