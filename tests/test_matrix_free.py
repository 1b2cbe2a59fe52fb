"""The matrix-free products against the dense matrix, and the memory guard."""

import numpy as np
import pytest
from conftest import COMBOS, combo_id
from hypothesis import given, settings
from hypothesis import strategies as st

import library_of_mirrors as lom
from library_of_mirrors.operators import DenseOperator, MatrixFreeOperator, make_operator


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


def test_operators_share_one_interface():
    rng = np.random.default_rng(3)
    x = rng.normal(size=30)
    d = lom.build_dictionary(x, "abs", 3)
    dense, free = DenseOperator(d), MatrixFreeOperator(d)
    assert isinstance(make_operator(d, "auto"), DenseOperator)
    assert isinstance(make_operator(d, "auto", max_bytes=1000), MatrixFreeOperator)
    z = rng.normal(size=d.n_features)
    r = rng.normal(size=d.n_samples)
    assert _rel(free.matvec(z), dense.matvec(z)) < 1e-10
    assert _rel(free.rmatvec(r), dense.rmatvec(r)) < 1e-10
    np.testing.assert_allclose(free.column_norms(), dense.column_norms(), rtol=1e-10)
    sub = rng.choice(d.n_features, 10, replace=False)
    np.testing.assert_allclose(free.columns(sub), d.matrix()[:, sub], atol=1e-12)
    assert free.shape == dense.shape == (30, d.n_features)
    with pytest.raises(ValueError, match="backend must be"):
        make_operator(d, "sparse")
