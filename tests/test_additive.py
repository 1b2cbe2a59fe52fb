"""Additive networks (each unit reads one input column, section 4 with several lags): the Lasso
over the concatenated per-column dictionaries.

Oracles: cvxpy on the explicit concatenated matrix, the reconstructed additive network's
objective (1.1), and Adam on the non-convex additive network (never below the optimum)."""

import numpy as np
import pytest
from convex_reference import cvx_lasso

import library_of_mirrors as lom
from library_of_mirrors.dictionary.pools import top_k, top_k_abs
from library_of_mirrors.nn.training import train_adam


def _lags(n=40, p=2, seed=0, dup=False):
    rng = np.random.default_rng(seed)
    s = np.cumsum(rng.normal(size=n + p))
    if dup:
        s = np.round(s)  # repeated values and repeated rows
    X = np.column_stack([s[p - k - 1:-k - 1] for k in range(p)])
    return X, s[p:]


@pytest.mark.parametrize("act,depth", [("relu", 2), ("abs", 3), ("sign", 2), ("threshold", 2)])
def test_products_equal_the_dense_matrix(act, depth):
    X, _ = _lags(30, 3, 1, dup=True)
    d = lom.build_additive_dictionary(X, act, depth)
    A = d.matrix()
    # the columns are each column's own dictionary, side by side
    ref = np.hstack([lom.build_dictionary(X[:, c], act, depth).matrix() for c in range(3)])
    np.testing.assert_array_equal(A, ref)
    rng = np.random.default_rng(2)
    z, r = rng.normal(size=d.n_features), rng.normal(size=d.n_samples)
    np.testing.assert_allclose(d.matvec(z), A @ z, atol=1e-10)
    np.testing.assert_allclose(d.rmatvec(r), A.T @ r, atol=1e-10)
    sub = np.array([d.n_features - 1, 0, 5])
    np.testing.assert_allclose(d.batch.subset(sub).evaluate(X), A[:, sub], atol=1e-12)
    # the batch's paths: sparse z (the features in use only), a few features priced alone,
    # most of a part gathered, a shuffled whole library
    zs = np.zeros(d.n_features)
    zs[sub] = [1.5, -2.0, 0.25]
    np.testing.assert_allclose(d.matvec(zs), A @ zs, atol=1e-10)
    qu = np.bincount(d.inverse, weights=r, minlength=d.x_unique.shape[0])
    for index in (sub, np.arange(1, d.n_features), rng.permutation(d.n_features)):
        np.testing.assert_allclose(d.batch.subset(index).grid_rmatvec(qu), A[:, index].T @ r,
                                   atol=1e-10)


def test_top_k_is_the_k_largest():
    rng = np.random.default_rng(0)
    scores = np.round(rng.standard_normal(5000), 2)  # ties
    for k in (2, 17, 256, 300):
        pick = top_k(scores, k)
        assert pick.shape == (k,) and np.unique(pick).shape == (k,)
        np.testing.assert_array_equal(np.sort(scores[pick]), np.sort(scores)[-k:])
    # many scores, many picks: a threshold from a strided sample narrows the selection; it
    # must fall back to the full one where the sample misjudges (the largest scores exactly
    # at the sampled positions, every other score below them)
    n, k = 200_000, 3000
    step = n // (16 * k)
    misjudged = np.zeros(n)
    misjudged[::step] = 1.0 + rng.random(misjudged[::step].shape[0])
    for scores in (np.round(rng.standard_normal(n), 3), np.sort(rng.standard_normal(n)),
                   misjudged):
        pick = top_k(scores, k)
        assert pick.shape == (k,) and np.unique(pick).shape == (k,)
        np.testing.assert_array_equal(np.sort(scores[pick]), np.sort(scores)[-k:])


def test_top_k_abs_is_the_k_largest_in_absolute_value():
    rng = np.random.default_rng(1)
    values = np.round(rng.standard_normal(5000), 2)  # ties, both signs
    values[[0, 7, 4000]] = np.nan  # never picked, also among the first k
    for k in (1, 2, 17, 256, 300):
        pick, vmax = top_k_abs(values, k)
        assert pick.shape == (k,) and np.unique(pick).shape == (k,)
        assert not np.isnan(values[pick]).any()
        np.testing.assert_array_equal(np.sort(np.abs(values[pick])),
                                      np.sort(np.abs(values[~np.isnan(values)]))[-k:])
        assert vmax == np.nanmax(np.abs(values))
    assert top_k_abs(np.zeros(0), 3)[0].shape == (0,) and top_k_abs(np.zeros(0), 3)[1] == 0.0


@pytest.mark.parametrize("loss,tau", [("squared", None), ("quantile", 0.8)])
@pytest.mark.parametrize("act,depth", [("relu", 2), ("abs", 3)])
def test_lasso_equals_cvxpy_and_the_network(act, depth, loss, tau):
    X, y = _lags(35, 2, 3, dup=True)
    beta = 0.3
    d = lom.build_additive_dictionary(X, act, depth)
    res = lom.solve_lasso(d, y, beta, loss=loss, quantile=tau, tol=1e-10)
    ref = cvx_lasso(d.matrix(), y, beta, loss, tau)
    assert res.objective == pytest.approx(ref, rel=1e-6, abs=1e-9)
    assert res.objective - res.gap <= ref + 1e-7
    net = lom.reconstruct(d, res)
    np.testing.assert_array_equal(net.inputs, d.feature_columns[res.active])
    np.testing.assert_allclose(net(X), res.predict(d, X), atol=1e-9)
    np.testing.assert_allclose(net.to_standard()(X), net(X), atol=1e-9)
    if loss == "squared":  # Theorem 3.11 for the additive network
        assert net.objective(X, y, beta) == pytest.approx(res.objective, rel=1e-10)


def test_one_column_is_the_plain_dictionary():
    X, y = _lags(30, 1, 4)
    d1 = lom.build_additive_dictionary(X, "abs", 2)
    d0 = lom.build_dictionary(X[:, 0], "abs", 2)
    a = lom.solve_lasso(d1, y, 0.1, tol=1e-10).objective
    b = lom.solve_lasso(d0, y, 0.1, tol=1e-10).objective
    assert a == pytest.approx(b, rel=1e-10)


def test_adam_on_the_additive_network_never_beats_the_lasso():
    X, y = _lags(30, 2, 5)
    beta = 0.2
    d = lom.build_additive_dictionary(X, "relu", 2)
    opt = lom.solve_lasso(d, y, beta, tol=1e-10)
    for seed in range(3):
        net = train_adam(X, y, beta, "relu", 2, width=20, epochs=1500, seed=seed,
                         lr_schedule="cosine")
        assert set(net.inputs) == {0, 1}
        assert net.objective(X, y, beta) >= opt.objective - 1e-8
    # Adam started at the optimum stays there (it is a stationary point of the network)
    warm = train_adam(X, y, beta, "relu", 2, width=1, epochs=200, lr=1e-4, seed=0,
                      init=lom.reconstruct(d, opt))
    assert warm.objective(X, y, beta) == pytest.approx(opt.objective, rel=1e-4)


def test_additive_gradient_matches_finite_differences():
    X, y = _lags(12, 2, 6)
    net = train_adam(X, y, 0.1, "abs", 3, width=4, epochs=1, seed=1)
    g = net.gradient(X, y, 0.1)
    h = 1e-6
    W = net.weights[1]
    for idx in [(0, 0, 0), (3, 0, 0)]:
        W[idx] += h
        up = net.objective(X, y, 0.1)
        W[idx] -= 2 * h
        down = net.objective(X, y, 0.1)
        W[idx] += h
        assert g["weights"][1][idx] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7)


def test_additive_errors():
    X, y = _lags(20, 2, 7)
    with pytest.raises(ValueError, match=r"X must have shape \(n, p\)"):
        lom.build_additive_dictionary(np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="fewer than one feature per column"):
        lom.build_additive_dictionary(X, n_features=1)
    with pytest.raises(ValueError, match="input column 1: "):
        lom.build_additive_dictionary(np.column_stack([X[:, 0], np.ones(20)]))
    d = lom.build_additive_dictionary(X)
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\)"):
        d.evaluate(X[:, :1])
    net = lom.reconstruct(d, lom.solve_lasso(d, y, 0.5))
    with pytest.raises(ValueError, match="reads 2 input columns"):
        net(X[:, 0])
