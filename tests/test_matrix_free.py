"""The matrix-free products against the dense matrix, and the memory guard."""

import numpy as np
import pytest
from conftest import COMBOS, combo_id
from hypothesis import given, settings
from hypothesis import strategies as st

import library_of_mirrors as lom


def _rel(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
def test_matvec_rmatvec_equal_dense(combo):
    act, L, arch, slope = combo
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.normal(size=7), [0.5, 0.5]])  # duplicates included
    rng.shuffle(x)
    d = lom.build_dictionary(x, act, L, arch, leaky_slope=slope)
    A = d.matrix()
    for _ in range(3):
        z = rng.normal(size=d.n_features)
        r = rng.normal(size=d.n_samples)
        assert _rel(d.matvec(z), A @ z) < 1e-10
        assert _rel(d.rmatvec(r), A.T @ r) < 1e-10


def test_products_with_data_far_from_zero():
    rng = np.random.default_rng(0)
    x = 1e4 + rng.uniform(0, 3, size=40)
    d = lom.build_dictionary(x, "abs", 3)
    A = d.matrix()
    z = rng.normal(size=d.n_features)
    r = rng.normal(size=d.n_samples)
    assert _rel(d.matvec(z), A @ z) < 1e-10
    assert _rel(d.rmatvec(r), A.T @ r) < 1e-10


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=2, max_size=12).filter(lambda v: len(set(v)) > 1),
       st.sampled_from(["relu", "abs", "threshold"]), st.integers(2, 3))
def test_property_rows_follow_x_and_products_agree(values, act, depth):
    if act == "threshold":
        depth = 2
    x = np.array(values, dtype=float) / 4
    d = lom.build_dictionary(x, act, depth)
    A = d.matrix()
    assert A.shape == (len(x), d.n_features)
    np.testing.assert_allclose(A, d.evaluate(x), atol=1e-12)
    z = np.linspace(-1, 1, d.n_features)
    np.testing.assert_allclose(d.matvec(z), A @ z, atol=1e-9)
    np.testing.assert_allclose(d.rmatvec(x), A.T @ x, atol=1e-9)


def test_memory_guard_points_to_matrix_free_path():
    x = np.linspace(0, 1, 300)
    d = lom.build_dictionary(x, "relu", 3)
    with pytest.raises(MemoryError, match=r"use the matrix-free products d.matvec / d.rmatvec"):
        d.matrix(max_bytes=1024)
    assert d.matrix(max_bytes=10**9).shape == (300, d.n_features)


@pytest.mark.parametrize("implicit", [False, True])
def test_the_library_protocol_is_the_dense_matrix(implicit):
    """What the solvers see of a library (``d.pool()``): fits, correlations, columns and an
    exact pricing maximum, equal to the dense matrix's (at the distinct inputs)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    full = lom.build_dictionary(x, "relu", 3)
    d = lom.build_dictionary(x, "relu", 3, implicit=implicit)
    A = full.batch.grid_columns()  # the distinct inputs, sorted
    theta = rng.normal(size=A.shape[0])
    theta -= theta.mean()
    pool = d.pool()
    price = pool.price(theta, 25, centered=True)
    assert price.corr_max == pytest.approx(np.abs(A.T @ theta).max(), rel=1e-12)
    assert len(pool) >= 1 and price.index.shape[0] >= 1
    cols = pool.columns(price.index)
    np.testing.assert_allclose(np.abs(cols.T @ theta), price.scores, rtol=1e-10)
    np.testing.assert_allclose(pool.correlations(theta, price.index), cols.T @ theta,
                               rtol=1e-10, atol=1e-12)
    z = np.zeros(len(pool))
    z[price.index] = rng.normal(size=price.index.shape[0])
    np.testing.assert_allclose(pool.fit(z), pool.columns(np.arange(len(pool))) @ z,
                               rtol=1e-10, atol=1e-12)
    # every priced column is a library column up to sign
    for j in range(cols.shape[1]):
        err = np.minimum(np.abs(A - cols[:, [j]]).max(axis=0),
                         np.abs(A + cols[:, [j]]).max(axis=0))
        assert err.min() <= 1e-12 * max(1.0, np.abs(cols[:, j]).max())
