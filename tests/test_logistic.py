"""The logistic loss, added as one datafit class: certified like the others, on every
architecture of Table 3.1, explicit and implicit libraries; the reconstructed network's
objective (1.1) under the logistic loss equals the convex value and Adam never goes below it;
``ConvexNetClassifier`` follows scikit-learn's conventions.

Oracles: cvxpy + Clarabel (exponential cones) on the explicit matrix, the network objective,
Adam, scikit-learn's estimator checks."""

import json

import numpy as np
import pytest
from conftest import COMBOS, combo_id
from convex_reference import cvx_lasso, objective
from scipy.special import expit
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import library_of_mirrors as lom
from library_of_mirrors.models import CLASSIFIER_EXPECTED_FAILED_CHECKS, ConvexNetClassifier
from library_of_mirrors.solvers import Logistic


def _labels(n, seed, noise=0.4):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    s = np.where(np.sin(2 * x) + noise * rng.standard_normal(n) > 0, 1.0, -1.0)
    return x, s


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
@pytest.mark.parametrize("n,seed,frac", [(10, 0, 0.3), (14, 1, 0.05)])
def test_logistic_matches_cvxpy_for_every_architecture(combo, n, seed, frac):
    a, L, arch, slope = combo
    x, s = _labels(n, seed)
    d = lom.build_dictionary(x, a, L, arch, leaky_slope=slope)
    beta = frac * lom.beta_max(d, s, loss="logistic")
    res = lom.solve_lasso(d, s, beta, loss="logistic", tol=1e-10)
    A = d.matrix()
    lam = beta * d.beta_scale
    ref = cvx_lasso(A, s, lam, "logistic")
    assert res.converged
    assert res.objective == pytest.approx(objective(A, s, res.z, res.xi, lam, "logistic"),
                                          rel=1e-12)
    assert res.objective == pytest.approx(ref, rel=1e-7)
    assert res.lower_bound <= ref + 1e-9 * abs(ref)  # the certificate is a true bound
    # the returned dual point: feasible (|A^T theta| <= beta~, 1^T theta = 0, s theta in
    # [0, 1]) and its dual value (entropies) is the certified lower bound
    th = res.dual
    assert np.abs(A.T @ th).max() <= lam * (1 + 1e-9) and abs(th.sum()) <= 1e-9
    a_ = s * th
    assert np.all((a_ >= -1e-12) & (a_ <= 1 + 1e-12))
    a_ = np.clip(a_, 0, 1)
    ent = -np.sum(np.where(a_ > 0, a_ * np.log(np.where(a_ > 0, a_, 1)), 0)
                  + np.where(a_ < 1, (1 - a_) * np.log(np.where(a_ < 1, 1 - a_, 1)), 0))
    assert ent == pytest.approx(res.lower_bound, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
def test_the_network_attains_the_logistic_optimum(combo):
    """Theorem 3.11 under the logistic loss: the reconstructed network's objective (1.1) with
    ``sum log(1 + exp(-s f(x)))`` is the convex optimum, on the data and by its forward pass."""
    a, L, arch, slope = combo
    x, s = _labels(12, 2)
    d = lom.build_dictionary(x, a, L, arch, leaky_slope=slope)
    beta = 0.05 * lom.beta_max(d, s, loss="logistic")
    res = lom.solve_lasso(d, s, beta, loss="logistic")
    net = lom.reconstruct(d, res, beta)
    assert net.objective(x, s, beta, loss=Logistic()) == pytest.approx(res.objective, rel=1e-9)
    np.testing.assert_allclose(net(x), d.matrix() @ res.z + res.xi, atol=1e-9)


@pytest.mark.parametrize("combo", [c for c in COMBOS if c[1] <= 3], ids=combo_id)
def test_adam_never_beats_the_logistic_optimum(combo):
    a, L, arch, slope = combo
    x, s = _labels(12, 3)
    d = lom.build_dictionary(x, a, L, arch, leaky_slope=slope)
    beta = 0.05 * lom.beta_max(d, s, loss="logistic")
    res = lom.solve_lasso(d, s, beta, loss="logistic")
    best = np.inf
    for seed in range(2):
        net = lom.train_adam(x, s, beta, a, L, arch, 30, slope, epochs=1500, lr=1e-2,
                             seed=seed, lr_schedule="cosine", loss=Logistic())
        best = min(best, net.objective(x, s, beta, loss=Logistic()))
    assert best >= res.objective * (1 - 1e-9)
    # and Adam does get close: the convex value is the network's, not a loose bound
    assert best <= res.objective * 1.5


def test_logistic_labels_weights_and_duplicates():
    """Any two labels (the larger is +1); duplicates equal sample weights."""
    x, s = _labels(10, 4)
    d = lom.build_dictionary(x, "relu", 3)
    y = np.where(s > 0, 7.0, 3.0)
    assert lom.solve_lasso(d, y, 0.05, "logistic").objective == pytest.approx(
        lom.solve_lasso(d, s, 0.05, "logistic").objective, rel=1e-12)
    w = np.arange(1, 11) % 3 + 1.0
    rw = lom.solve_lasso(d, s, 0.05, "logistic", sample_weight=w)
    dd = lom.build_dictionary(np.repeat(x, w.astype(int)), "relu", 3)
    rd = lom.solve_lasso(dd, np.repeat(s, w.astype(int)), 0.05, "logistic")
    assert rw.objective == pytest.approx(rd.objective, rel=1e-9)
    assert rw.objective == pytest.approx(cvx_lasso(d.matrix(), s, 0.05, "logistic", w=w),
                                         rel=1e-7)
    with pytest.raises(ValueError, match="exactly 2 classes in y, got 3"):
        lom.solve_lasso(d, np.arange(10.0) % 3, 0.05, "logistic")
    with pytest.raises(ValueError, match="needs both classes"):
        lom.solve_lasso(d, s, 0.05, "logistic", sample_weight=(s > 0).astype(float))


# ----------------------------------------------------------------------------------------------
# ConvexNetClassifier


@parametrize_with_checks([ConvexNetClassifier(beta=0.1)],
                         expected_failed_checks=lambda est: CLASSIFIER_EXPECTED_FAILED_CHECKS)
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_classifier_is_the_certified_logistic_network():
    x, s = _labels(25, 5)
    labels = np.where(s > 0, "spam", "ham")
    m = ConvexNetClassifier("abs", 3, beta=0.2, standardize=False).fit(x, labels)
    assert list(m.classes_) == ["ham", "spam"]
    d = m.dictionary_
    ref = cvx_lasso(d.matrix(), s, 0.2 * d.beta_scale, "logistic")
    assert m.result_.objective == pytest.approx(ref, rel=1e-7)
    assert m.objective(x, labels) == pytest.approx(m.result_.objective, rel=1e-9)
    t = np.linspace(-3, 3, 25)
    f = m.decision_function(t)
    np.testing.assert_allclose(f, m.network_(t), atol=1e-10)
    P = m.predict_proba(t)
    np.testing.assert_allclose(P[:, 1], expit(f), rtol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert list(m.predict(t)) == list(np.where(f > 0, "spam", "ham"))
    assert m.score(x, labels) > 0.7
    c = clone(m).set_params(beta=0.2)
    assert c is not m and not hasattr(c, "result_")
    assert c.beta == 0.2 and m.beta == 0.2
    with pytest.raises(ValueError, match="y holds one class only"):
        ConvexNetClassifier().fit(x, np.ones(25))
    assert cross_val_score(ConvexNetClassifier(beta=0.05), x.reshape(-1, 1), labels,
                           cv=3).shape == (3,)


def test_classifier_save_load_round_trip(tmp_path):
    x, s = _labels(30, 6)
    m = ConvexNetClassifier("relu", 3, beta=0.05).fit(x, s)
    p = m.save(tmp_path / "c.json")
    back = ConvexNetClassifier.load(p)
    t = np.linspace(-3, 3, 51)
    np.testing.assert_array_equal(back.decision_function(t), m.decision_function(t))
    np.testing.assert_array_equal(back.predict(t), m.predict(t))
    body = json.loads(p.read_text())
    assert body["format"] == "library_of_mirrors.ConvexNetClassifier"
    with pytest.raises(ValueError, match="is not a library_of_mirrors.ConvexNetRegressor file"):
        lom.ConvexNetRegressor.load(p)


def test_classifier_errors():
    x, s = _labels(12, 7)
    with pytest.raises(ValueError, match="Only binary classification is supported. The type "
                                         r"of the target is multiclass \(3 classes\)"):
        ConvexNetClassifier().fit(x, np.arange(12) % 3)
    with pytest.raises(ValueError, match="Unknown label type"):
        ConvexNetClassifier().fit(x, np.linspace(0, 1, 12))
    with pytest.raises(ValueError, match='beta must be "auto" or a positive number, got -1.0'):
        ConvexNetClassifier(beta=-1.0).fit(x, s)
    with pytest.raises(ValueError, match="activation must be one of"):
        ConvexNetClassifier(activation="tanh").fit(x, s)
